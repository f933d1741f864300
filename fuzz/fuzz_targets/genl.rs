//! Generic netlink: controller replies, WireGuard device messages and their
//! reassembly, the set-device decoder and split round trip, the diff machine.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::genl(data));
