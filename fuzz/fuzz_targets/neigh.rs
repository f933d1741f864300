//! Neighbour views and the owned Neighbour.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::neigh(data));
