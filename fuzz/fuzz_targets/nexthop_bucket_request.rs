//! Bucket requests (the dump with its filters, one bucket by group and
//! index): parse(emit(x)) == x, group 0 refused.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::nexthop_bucket_request(data));
