//! The inotify event parser and the named-namespace watcher machine.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::inotify(data));
