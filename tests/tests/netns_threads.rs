//! Running code inside a namespace, on every runtime, leaves no thread of
//! the process (caller, executor workers, reactor) in another namespace.
//! One test in its own binary, so no other test's threads are counted.

use std::path::PathBuf;

use nlwire_mio::{Netns, NetnsDir};
use nlwire_tests::privileged_or_skip;

/// The namespace of every live thread of this process.
fn thread_namespaces() -> Vec<(String, Netns)> {
    let mut v = Vec::new();
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let p: PathBuf = t.path().join("ns/net");
        // A thread may end between listing and opening.
        if let Ok(ns) = Netns::from_path(&p) {
            v.push((t.file_name().to_string_lossy().into_owned(), ns));
        }
    }
    v
}

/// Every thread of this process is in `home`. A thread that was joined can
/// still be listed for a moment in its old namespace (the kernel wakes the
/// joiner before it drops the exiting thread's namespaces; seen on a slow
/// VM), so a thread elsewhere fails the check only if it stays there.
fn assert_all_home(home: &Netns, when: &str) {
    let mut away = Vec::new();
    for _ in 0..100 {
        away = thread_namespaces()
            .into_iter()
            .filter(|(_, ns)| ns != home)
            .map(|(tid, _)| {
                let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
                    .unwrap_or_default();
                format!("{tid} ({})", comm.trim())
            })
            .collect();
        if away.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{when}: threads in another namespace: {away:?}");
}

#[test]
fn run_in_leaves_no_thread_in_another_namespace() {
    if !privileged_or_skip("netns_threads::run_in_leaves_no_thread_in_another_namespace") {
        return;
    }
    let home = Netns::current().unwrap();
    let tmp = std::env::temp_dir().join(format!("nlwt-{}-threads", std::process::id()));
    let dir = NetnsDir::new(&tmp);
    let ns = dir.create("inside").unwrap();
    let id = ns.id();

    // Blocking.
    let seen = nlwire_mio::run_in(&ns, || Netns::current().unwrap().id()).unwrap();
    assert_eq!(seen, id);
    assert_all_home(&home, "after mio run_in");

    // tokio: an async closure that itself opens a connection and dumps
    // links, run from a multi-thread runtime's worker.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (seen, links) = rt.block_on(async {
        let seen = nlwire_tokio::run_in(&ns, || async {
            let conn = nlwire_tokio::Connection::new().unwrap();
            let mut names = Vec::new();
            let mut s = conn.links();
            while let Some(l) = futures_lite::StreamExt::next(&mut s).await {
                names.push(l.unwrap().name);
            }
            (Netns::current().unwrap().id(), names)
        })
        .await
        .unwrap();
        // The worker that awaited is still home.
        assert_eq!(Netns::current().unwrap(), home);
        seen
    });
    assert_eq!(seen, id);
    assert_eq!(links, ["lo"]);
    // Connection::new_in on tokio, used from a worker that stays home.
    let names = rt.block_on(async {
        let conn = nlwire_tokio::Connection::new_in(&ns).unwrap();
        let mut s = conn.links();
        let mut names = Vec::new();
        while let Some(l) = futures_lite::StreamExt::next(&mut s).await {
            names.push(l.unwrap().name);
        }
        names
    });
    assert_eq!(names, ["lo"]);
    assert_all_home(&home, "after tokio run_in");

    // async-io.
    let seen = async_io::block_on(nlwire_async_io::run_in(&ns, || async {
        async_io::Timer::after(std::time::Duration::from_millis(10)).await;
        Netns::current().unwrap().id()
    }))
    .unwrap();
    assert_eq!(seen, id);
    // Connection::new_in on async-io.
    let conn = nlwire_async_io::Connection::new_in(&ns).unwrap();
    let n = async_io::block_on(async {
        let mut s = conn.links();
        let mut n = 0;
        while let Some(l) = futures_lite::StreamExt::next(&mut s).await {
            assert_eq!(l.unwrap().name, "lo");
            n += 1;
        }
        n
    });
    assert_eq!(n, 1);
    drop(conn);
    assert_all_home(&home, "after async-io run_in");

    // A panic inside comes back to the caller as a panic.
    let r = std::panic::catch_unwind(|| {
        async_io::block_on(nlwire_async_io::run_in(&ns, || async { panic!("boom") }))
    });
    assert!(r.is_err());
    assert_all_home(&home, "after a panic inside");

    drop(rt);
    dir.remove("inside").unwrap();
    let _ = std::process::Command::new("umount")
        .arg("-l")
        .arg(&tmp)
        .output();
    let _ = std::fs::remove_dir_all(&tmp);
}
