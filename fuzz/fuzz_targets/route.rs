//! Route views, next hops, metrics and the owned Route.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::route(data));
