//! The exchange machine fed arbitrary datagrams after real requests.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::exchange(data));
