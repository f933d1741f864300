//! Forwarding-database views, their filters and the owned FdbEntry.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::fdb(data));
