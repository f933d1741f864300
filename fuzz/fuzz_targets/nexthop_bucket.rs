//! Buckets of resilient nexthop groups: the view, the dumps' filters and
//! the owned NexthopBucket.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::nexthop_bucket(data));
