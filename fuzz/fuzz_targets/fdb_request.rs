//! Forwarding-database requests (add/append/replace/delete, flush, dump,
//! get): parse(emit(x)) == x.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::fdb_request(data));
