//! Notifications: the classifier's views and the owned events.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::events(data));
