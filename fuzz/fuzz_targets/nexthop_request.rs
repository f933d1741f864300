//! Nexthop requests: parse(emit(x)) == x.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::nexthop_request(data));
