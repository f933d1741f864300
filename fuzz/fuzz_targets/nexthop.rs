//! Nexthop object views and the owned Nexthop.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::nexthop(data));
