//! Network namespaces on the real kernel: handles, named namespaces in a
//! temporary persist directory and in `/var/run/netns` (interoperating with
//! `ip netns` both ways), moving a link into a namespace with a rename, bad
//! names, and the named-namespace watcher on every runtime (`mio::…`,
//! `poll::…`, `tokio::…`, `async_io::…`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nlwire::Errno;
use nlwire::InvalidInput;
use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
use nlwire::ops;
use nlwire_mio::{Connection, Netns, NetnsDir};
use nlwire_tests::{NsWatchClient, Runtime, TestNs, per_runtime, privileged_or_skip, run};

static N: AtomicU32 = AtomicU32::new(0);

fn unique(tag: &str) -> String {
    format!(
        "nlwt-{}-{tag}{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A temporary directory, unmounted (it may have become a mount point)
/// and removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(unique(tag));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Namespaces still mounted inside, then the directory itself.
        if let Ok(rd) = std::fs::read_dir(&self.0) {
            for e in rd.flatten() {
                let _ = std::process::Command::new("umount")
                    .arg("-l")
                    .arg(e.path())
                    .output();
            }
        }
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn create_open_list_remove_in_a_temporary_directory() {
    if !privileged_or_skip("netns::create_open_list_remove_in_a_temporary_directory") {
        return;
    }
    let tmp = TempDir::new("dir");
    let dir = NetnsDir::new(tmp.0.join("netns"));
    assert_eq!(
        dir.list().unwrap(),
        Vec::<String>::new(),
        "absent dir lists empty"
    );
    let a = dir.create("a").unwrap();
    let b = dir.create("b").unwrap();
    assert_eq!(a.name(), Some("a"));
    assert_ne!(a, b);
    assert_ne!(a, Netns::current().unwrap());
    assert_eq!(dir.open("a").unwrap(), a);
    assert_eq!(Netns::from_path(dir.path().join("a")).unwrap(), a);
    assert_eq!(Netns::from_path(a.fd_path()).unwrap(), a);
    assert_eq!(dir.list().unwrap(), ["a", "b"]);
    // The same name twice is EEXIST, and leaves the first one working.
    let e = dir.create("a").unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
    assert_eq!(dir.open("a").unwrap(), a);
    // A handle is a real, separate namespace: a connection there sees only lo.
    let mut conn = Connection::new_in(&a).unwrap();
    let names: Vec<String> = conn.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo"]);
    conn.execute(ops::create_veth("v0", "v1").unwrap()).unwrap();
    let mut conn_b = Connection::new_in(&b).unwrap();
    assert_eq!(conn_b.links().count(), 1, "b must not see a's links");
    // sysctls target a handle: set in a, unchanged in b and on the host.
    let host = nlwire_mio::sysctl::get("net.ipv4.ip_forward").unwrap();
    let flip = if host == "1" { "0" } else { "1" };
    nlwire_mio::sysctl::set_in(&a, "net.ipv4.ip_forward", flip).unwrap();
    assert_eq!(
        nlwire_mio::sysctl::get_in(&a, "net.ipv4.ip_forward").unwrap(),
        flip
    );
    assert_eq!(
        nlwire_mio::sysctl::get_in(&b, "net.ipv4.ip_forward").unwrap(),
        "0"
    );
    assert_eq!(
        nlwire_mio::sysctl::get("net.ipv4.ip_forward").unwrap(),
        host
    );
    // The calling thread never changed namespace.
    assert_eq!(
        Netns::current().unwrap(),
        Netns::from_pid(std::process::id()).unwrap()
    );
    // Not a namespace at all: EINVAL, clearly.
    let e = Netns::from_path("/etc/hostname").unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "{e}");
    assert!(e.to_string().contains("not a namespace"), "{e}");
    // Remove, and removing again names what is missing.
    dir.remove("a").unwrap();
    assert_eq!(dir.list().unwrap(), ["b"]);
    let e = dir.remove("a").unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT));
    assert!(e.to_string().contains("\"a\""), "{e}");
    let e = dir.open("a").unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT));
    // The handle keeps the removed namespace alive and usable.
    assert_eq!(Connection::new_in(&a).unwrap().links().count(), 3);
    dir.remove("b").unwrap();
}

#[test]
fn bad_names_are_rejected_and_change_nothing() {
    if !privileged_or_skip("netns::bad_names_are_rejected_and_change_nothing") {
        return;
    }
    let tmp = TempDir::new("bad");
    let dir = NetnsDir::new(&tmp.0);
    let long = "x".repeat(256);
    for bad in ["", ".", "..", "a/b", "/abs", "nul\0x", long.as_str()] {
        for e in [
            dir.create(bad).unwrap_err(),
            dir.open(bad).unwrap_err(),
            dir.remove(bad).unwrap_err(),
        ] {
            assert!(
                matches!(
                    e,
                    nlwire::Error::InvalidInput {
                        source: InvalidInput::NetnsName(_),
                        ..
                    }
                ),
                "{bad:?}: {e}"
            );
        }
    }
    assert!(dir.list().unwrap().is_empty());
    // 255 bytes is the longest allowed name, and works.
    let longest = "y".repeat(255);
    dir.create(&longest).unwrap();
    assert_eq!(dir.list().unwrap(), std::slice::from_ref(&longest));
    dir.remove(&longest).unwrap();
}

#[test]
fn named_namespaces_interoperate_with_ip_netns() {
    if !privileged_or_skip("netns::named_namespaces_interoperate_with_ip_netns") {
        return;
    }
    let dir = NetnsDir::default();
    // Made by ip, used by nlwire.
    let by_ip = unique("ip");
    run("ip", &["netns", "add", &by_ip]);
    let ns = dir.open(&by_ip).unwrap();
    assert!(dir.list().unwrap().contains(&by_ip));
    let mut conn = Connection::new_in(&ns).unwrap();
    conn.execute(ops::create_veth("nv0", "nv1").unwrap())
        .unwrap();
    let shown = run("ip", &["-n", &by_ip, "-o", "link", "show", "nv0"]);
    assert!(shown.contains("nv0@nv1"), "{shown}");
    // Made by nlwire, used by ip (list, exec, del).
    let by_us = unique("us");
    let ours = dir.create(&by_us).unwrap();
    let list = run("ip", &["netns", "list"]);
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().next() == Some(&by_us)),
        "{list}"
    );
    let inside = run("ip", &["netns", "exec", &by_us, "ip", "-o", "link", "show"]);
    assert_eq!(inside.lines().count(), 1, "only lo: {inside}");
    assert!(inside.contains("lo:"), "{inside}");
    // ip sees nlwire's namespace as the same one nlwire has open.
    run("ip", &["-n", &by_us, "link", "add", "d0", "type", "bridge"]);
    let mut c2 = Connection::new_in(&ours).unwrap();
    assert!(c2.links().any(|l| l.unwrap().name == "d0"));
    // Removed by ip: gone for nlwire; removed by nlwire: gone for ip.
    run("ip", &["netns", "del", &by_us]);
    assert_eq!(dir.open(&by_us).unwrap_err().errno(), Some(Errno::ENOENT));
    dir.remove(&by_ip).unwrap();
    assert!(!run("ip", &["netns", "list"]).contains(&by_ip));
}

#[test]
fn move_a_link_into_a_namespace_and_rename_it_atomically() {
    if !privileged_or_skip("netns::move_a_link_into_a_namespace_and_rename_it_atomically") {
        return;
    }
    let src = TestNs::create();
    let tmp = TempDir::new("mv");
    let dir = NetnsDir::new(&tmp.0);
    let dst = dir.create("dst").unwrap();
    let mut conn = Connection::new_in_netns(src.path()).unwrap();
    conn.execute(ops::create_veth("host0", "peer0").unwrap())
        .unwrap();
    conn.execute(ops::move_link_to_netns("peer0", dst.as_target(), Some("eth0")).unwrap())
        .unwrap();
    let mut there = Connection::new_in(&dst).unwrap();
    let names: Vec<String> = there.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo", "eth0"]);
    let here: Vec<String> = conn.links().map(|l| l.unwrap().name).collect();
    assert_eq!(here, ["lo", "host0"]);
    // The peer of host0 is now eth0 in dst (seen by ip through the fd path).
    let shown = run("ip", &["-n", src.name(), "-o", "link", "show", "host0"]);
    assert!(shown.contains("host0@if"), "{shown}");
    // Moving a name that does not exist is ENODEV and changes nothing.
    let e = conn
        .execute(ops::move_link_to_netns("nope0", dst.as_target(), None).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENODEV), "{e}");
    assert_eq!(there.links().count(), 2);
}

/// Events from `w` until `done` says enough, each within 10 s.
fn collect(w: &mut dyn NsWatchClient, mut done: impl FnMut(&[NsEvent]) -> bool) -> Vec<NsEvent> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(&got) {
        assert!(Instant::now() < deadline, "timed out; got {got:?}");
        match w.next_within(Duration::from_secs(10)) {
            Some(e) => got.push(e),
            None => panic!("no event within 10 s; got {got:?}"),
        }
    }
    got
}

/// Asserts that nothing more arrives from `w` for a short while.
fn quiet(w: &mut dyn NsWatchClient) {
    if let Some(e) = w.next_within(Duration::from_millis(300)) {
        panic!("unexpected event {e:?}");
    }
}

fn created(n: &str) -> NsEvent {
    NsEvent::Created { name: n.into() }
}

fn deleted(n: &str) -> NsEvent {
    NsEvent::Deleted { name: n.into() }
}

/// `ip netns add` / `del` in `/var/run/netns` are reported (other tests
/// may add namespaces there at the same time; only ours are looked at).
fn watcher_reports_ip_netns(rt: Runtime) {
    let name = unique("w");
    let dir = Path::new(nlwire_mio::DEFAULT_NETNS_DIR);
    let (initial, mut w) = rt.ns_list_and_watch(dir);
    assert!(!initial.contains(&name));
    run("ip", &["netns", "add", &name]);
    collect(&mut *w, |g| g.contains(&created(&name)));
    run("ip", &["netns", "del", &name]);
    let got = collect(&mut *w, |g| g.contains(&deleted(&name)));
    assert_eq!(
        got.iter().filter(|e| **e == created(&name)).count(),
        0,
        "{got:?}"
    );
}

/// The directory removed and created again; names moved in and out; the
/// names present at start come from list_and_watch, not as events.
fn watcher_survives_directory_recreation(rt: Runtime) {
    let tmp = TempDir::new("wd");
    let dir = tmp.0.join("netns");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("old"), "").unwrap();
    let opts = NsWatchOptions::default()
        .directory_events(true)
        .report_existing(true);
    let mut w = rt.ns_watch(&dir, opts);
    assert_eq!(collect(&mut *w, |g| !g.is_empty()), [created("old")]);
    std::fs::write(dir.join("n1"), "").unwrap();
    std::fs::write(tmp.0.join("outside"), "").unwrap();
    std::fs::rename(tmp.0.join("outside"), dir.join("moved-in")).unwrap();
    std::fs::rename(dir.join("n1"), tmp.0.join("moved-out")).unwrap();
    assert_eq!(
        collect(&mut *w, |g| g.len() == 3),
        [created("n1"), created("moved-in"), deleted("n1")]
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        collect(&mut *w, |g| g.contains(&NsEvent::DirectoryDeleted)),
        [
            deleted("moved-in"),
            deleted("old"),
            NsEvent::DirectoryDeleted
        ]
    );
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("again"), "").unwrap();
    assert_eq!(
        collect(&mut *w, |g| g.contains(&created("again"))),
        [NsEvent::DirectoryCreated, created("again")]
    );
    quiet(&mut *w);
    // A watcher started while the directory does not exist yet.
    std::fs::remove_dir_all(&dir).unwrap();
    let (initial, mut w2) = rt.ns_list_and_watch(&dir);
    assert!(initial.is_empty());
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("late"), "").unwrap();
    assert_eq!(collect(&mut *w2, |g| !g.is_empty()), [created("late")]);
}

/// 200 real namespaces created in a burst, none missed, then all removed.
fn watcher_sees_a_burst_of_200(rt: Runtime) {
    let tmp = TempDir::new("burst");
    let dir = NetnsDir::new(tmp.0.join("netns"));
    std::fs::create_dir(dir.path()).unwrap();
    let (initial, mut w) = rt.ns_list_and_watch(dir.path());
    assert!(initial.is_empty());
    let names: Vec<String> = (0..200).map(|i| format!("b{i:03}")).collect();
    for n in &names {
        dir.create(n).unwrap();
    }
    let got = collect(&mut *w, |g| g.len() == 200);
    let mut seen: Vec<String> = got
        .into_iter()
        .map(|e| match e {
            NsEvent::Created { name } => name,
            e => panic!("unexpected {e:?}"),
        })
        .collect();
    seen.sort();
    assert_eq!(seen, names);
    for n in &names {
        dir.remove(n).unwrap();
    }
    let got = collect(&mut *w, |g| g.len() == 200);
    assert!(got.iter().all(|e| matches!(e, NsEvent::Deleted { .. })));
    quiet(&mut *w);
}

per_runtime! {
    gate: privileged_or_skip,
    runtime: [
        watcher_reports_ip_netns,
        watcher_survives_directory_recreation,
        watcher_sees_a_burst_of_200,
    ],
}
