//! Generic netlink controller replies.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::ctrl(data));
