//! Replays every committed fuzz corpus file through its target's body, so
//! the corpus is a regression suite on stable Rust.

use std::path::Path;

#[test]
fn replay_fuzz_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut n = 0;
    for (target, body) in [
        ("datagram", nlwire::fuzzing::datagram as fn(&[u8])),
        ("exchange", nlwire::fuzzing::exchange),
        ("inotify", nlwire::fuzzing::inotify),
        ("genl", nlwire::fuzzing::genl),
    ] {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            body(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    assert!(n > 0, "no corpus files found under {}", root.display());
}
