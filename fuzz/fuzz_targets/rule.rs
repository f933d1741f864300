//! Rule views and the owned RuleEntry.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::rule(data));
