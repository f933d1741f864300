//! NLMSG_ERROR / NLMSG_DONE with extended ack.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::error(data));
