//! WireGuard device dumps, reassembly and the diff machine.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::wireguard(data));
