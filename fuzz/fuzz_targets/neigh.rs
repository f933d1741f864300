//! Neighbour views and the owned Neigh.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::neigh(data));
