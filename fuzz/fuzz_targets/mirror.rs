//! The self-healing mirror fed arbitrary replies, notifications and overruns.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::mirror(data));
