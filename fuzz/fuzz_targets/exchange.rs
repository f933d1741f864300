//! The exchange machine fed arbitrary datagrams.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::exchange(data));
