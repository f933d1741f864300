//! WireGuard set-device decoding and the split round trip.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::wg_config(data));
