//! inotify records and the namespace watcher.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::inotify(data));
