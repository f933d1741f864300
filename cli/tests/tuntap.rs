//! `nlw tuntap` against iproute2's `ip tuntap`: the same commands run by
//! ip in one namespace and by nlw in a twin must answer alike (exit code,
//! stdout, stderr) and leave the same devices (`ip -d -j link show`, `ip
//! tuntap show`); and `nlw tuntap show` (text, `-j`, `-d`) must print what
//! ip prints of a spread of devices, some held open by this process.
//!
//! The host kernel has tun (`/dev/net/tun`); so do the VM kernels.

mod common;

use std::fs::File;
use std::sync::Mutex;

use common::{ip, nlw, same_as_ip};
use nlwire_mio::Netns;
use nlwire_mio::tun::{Mode, TunTap};
use nlwire_tests::{TestNs, tun_or_skip};

/// Held by each test while it runs. With `-d`, ip and nlw list the
/// processes that hold a tun descriptor, and a child this process is
/// forking holds copies of its descriptors until its `exec`: the tests
/// take turns, so that no other thread forks while one compares `-d`.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// nlw's messages as the `ip` here words them (`cli/IP_DIFFERENCES.md`):
/// what names the program (`try "nlw tuntap help"`, `Usage: nlw
/// tuntap`), and before iproute2 6.13 `duparg2`'s "is a garbage".
fn as_ip_words(s: &str) -> String {
    let s = s
        .replace("\"nlw tuntap help\"", "\"ip tuntap help\"")
        .replace("Usage: nlw tuntap", "Usage: ip tuntap");
    if common::ip_version() < (6, 13) {
        s.replace("\" is garbage.", "\" is a garbage.")
    } else {
        s
    }
}

/// `nlw -n NS args…`, its messages worded as ip's.
fn nlw_in(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["-n", ns.name()];
    all.extend_from_slice(args);
    let (code, out, err) = nlw(&all);
    (code, out, as_ip_words(&err))
}

/// What a namespace holds, as ip shows it: `ip -d -j link show` without
/// what differs between twins made alike (interface indexes: `ip tuntap
/// del` of a missing device uses one up; the taps' random MAC addresses),
/// and `ip tuntap show`, in text and JSON.
fn state(ns: &TestNs) -> String {
    let mut links = ns.ip_json(&["-d", "link", "show"]);
    for l in links.as_array_mut().expect("a JSON array") {
        let o = l.as_object_mut().expect("a JSON object");
        o.remove("ifindex");
        o.remove("address");
    }
    let (code, text, err) = ip(ns, &["tuntap", "show"]);
    assert_eq!(code, 0, "ip tuntap show: {err}");
    let (code, json, err) = ip(ns, &["-j", "tuntap", "show"]);
    assert_eq!(code, 0, "ip -j tuntap show: {err}");
    format!("{links:#}\n{text}{json}")
}

/// Holds a descriptor of tap `name` in `ns` (a device that lives while it
/// is open, unless made persistent).
fn hold(ns: &TestNs, name: &str, mode: Mode) -> File {
    let netns = Netns::from_path(ns.path()).expect("open the test namespace");
    TunTap::new(name, mode)
        .attach_in(&netns)
        .unwrap_or_else(|e| panic!("attach to {name}: {e}"))
}

/// The commands each run by ip in one namespace and by nlw in its twin, in
/// order (word lists, so that a word may hold a space).
const WRITES: &[&[&str]] = &[
    &["tuntap", "add", "mode", "tap", "name", "t0"],
    &["tuntap", "add", "mode", "tun", "name", "tn0"],
    &[
        "tuntap",
        "add",
        "mode",
        "tun",
        "pi",
        "one_queue",
        "vnet_hdr",
        "multi_queue",
        "name",
        "tn1",
    ],
    &[
        "tuntap", "add", "mode", "tap", "user", "root", "group", "root", "name", "t1",
    ],
    &[
        "tuntap", "add", "mode", "tap", "user", "1000", "group", "100", "vnet_hdr", "name", "t2",
    ],
    &[
        "tuntap",
        "add",
        "mode",
        "tap",
        "user",
        "-1",
        "group",
        "4294967295",
        "name",
        "t3",
    ],
    &["tuntap", "add", "mode", "tap", "user", " 12", "name", "t4"],
    &[
        "tuntap",
        "add",
        "mode",
        "tap",
        "user",
        "99999999999",
        "pi",
        "name",
        "t5",
    ],
    &["tuntap", "add", "dev", "t6", "mode", "tun"],
    &["tuntap", "add", "t7", "m", "tu", "p", "o", "v"],
    &["tap", "add", "mode", "tap", "name", "t8"],
    &["tunt", "a", "mo", "ta", "na", "t9", "mu"],
    &["tuntap", "add", "mode", "tun", "mode", "tun", "name", "t10"],
    &["tuntap", "add", "mode", "tun"],
    &["tuntap", "add", "mode", "tap"],
    &["tuntap", "add", "mode", "tap"],
    &["tuntap", "add", "mode", "tap", "name", "tp%d"],
    &["tuntap", "add", "mode", "tap", "name", "abcdefghijklmno"],
    // Refused by the kernel, changing nothing.
    &["tuntap", "add", "mode", "tap", "name", "t0"],
    &["tuntap", "add", "mode", "tun", "name", "t0"],
    &["tuntap", "add", "mode", "tun", "name", "lo"],
    &["tuntap", "add", "mode", "tap", "name", "held"],
    &["tuntap", "add", "mode", "tap", "name", "a:b"],
    &["tuntap", "add", "mode", "tap", "name", ".."],
    // Refused by the command line.
    &["tuntap", "add", "mode", "tap", "name", "abcdefghijklmnop"],
    &["tuntap", "add", "mode", "tap", "name", "a b"],
    &["tuntap", "add", "mode", "tap", "name", "a/b"],
    &["tuntap", "add", "mode", "tap", "name", ""],
    &["tuntap", "add", "name", "x"],
    &["tuntap", "add"],
    &["tuntap", "add", "mode", "bogus"],
    &["tuntap", "add", "mode", "tun", "mode", "tap"],
    &["tuntap", "add", "x1", "x2", "mode", "tun"],
    &["tuntap", "add", "dev", "x1", "name", "x2", "mode", "tun"],
    &["tuntap", "add", "mode"],
    &["tuntap", "add", "mode", "tap", "user"],
    &["tuntap", "add", "mode", "tap", "user", "nosuchuser-nlw"],
    &["tuntap", "add", "mode", "tap", "group", "nosuchgroup-nlw"],
    &["tuntap", "add", "mode", "tap", "user", ""],
    &["tuntap", "add", "mode", "tap", "help"],
    &["tuntap", "frob"],
    &["tuntap", "help"],
    &["tap", "h"],
    // Deletes.
    &["tuntap", "del", "mode", "tap", "name", "t0"],
    &["tuntap", "delete", "mode", "tun", "name", "tn0"],
    &["tuntap", "d", "mode", "tap", "t1"],
    &["tuntap", "del", "mode", "tap", "name", "nosuch"],
    &["tuntap", "del", "mode", "tap", "name", "t0"],
    &["tuntap", "del", "mode", "tap"],
    &["tuntap", "del", "mode", "tap", "user"],
    &["tuntap", "del", "mode", "tap", "user", "0"],
    &["tuntap", "del", "name", "t2"],
    // The wrong mode, the wrong queue count, not a tun, in use.
    &["tuntap", "del", "mode", "tun", "name", "t2"],
    &["tuntap", "del", "mode", "tun", "name", "tn1"],
    &["tuntap", "del", "mode", "tap", "name", "lo"],
    &["tuntap", "del", "mode", "tap", "name", "held"],
    &["tuntap", "del", "mode", "tap", "name", "a:b"],
    &["tuntap", "del", "mode", "tun", "multi_queue", "name", "tn1"],
    &[
        "tuntap", "del", "mode", "tap", "pi", "vnet_hdr", "name", "t2",
    ],
    &["tuntap", "del", "mode", "tun", "name", "tun0"],
];

#[test]
fn writes_are_ips() {
    if !tun_or_skip("nlw tuntap::writes_are_ips") {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (a, b) = (TestNs::create(), TestNs::create());
    // A device held open (by this process) in each.
    let _held = (hold(&a, "held", Mode::Tap), hold(&b, "held", Mode::Tap));
    assert_eq!(state(&b), state(&a), "the twins differ before any command");
    for args in WRITES {
        let theirs = ip(&a, args);
        let ours = nlw_in(&b, args);
        assert_eq!(
            ours, theirs,
            "{args:?}: nlw (left) and ip (right) answered differently"
        );
        assert_eq!(
            state(&b),
            state(&a),
            "after {args:?}: nlw's (left) and ip's (right) devices"
        );
    }
    // What was compared holds what it should.
    let (_, text, _) = ip(&b, &["tuntap", "show"]);
    for want in [
        "t3: tap persist\n",
        "t4: tap persist user 12\n",
        "t5: tap pi persist filter user 1215752191\n",
        "t7: tun pi one_queue vnet_hdr persist filter\n",
        "t9: tap multi_queue persist\n",
        "tap1: tap persist\n",
        "tp0: tap persist\n",
        "abcdefghijklmno: tap persist\n",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    for gone in ["t0:", "tn0:", "tn1:", "t1:", "t2:", "tun0:"] {
        assert!(!text.contains(gone), "{gone} is still there:\n{text}");
    }
    // The same through -batch, a failing line included.
    let batch = std::env::temp_dir().join(format!("nlw-tuntap-{}.batch", std::process::id()));
    std::fs::write(
        &batch,
        "tuntap add mode tap name bt0\ntuntap show\ntuntap add mode tap name bt0\ntuntap add mode tun name bt1\n",
    )
    .expect("write the batch file");
    let file = batch.to_str().expect("a UTF-8 path");
    for force in [&["-batch", file][..], &["-force", "-batch", file]] {
        let theirs = ip(&a, force);
        let ours = nlw_in(&b, force);
        assert_eq!(ours, theirs, "{force:?}: nlw (left) and ip (right)");
        assert_eq!(state(&b), state(&a), "after {force:?}");
        let _ = (
            ip(&a, &["tuntap", "del", "mode", "tap", "bt0"]),
            ip(&b, &["tuntap", "del", "mode", "tap", "bt0"]),
        );
    }
    let _ = std::fs::remove_file(batch);
}

#[test]
fn show_is_ips() {
    if !tun_or_skip("nlw tuntap::show_is_ips") {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // `ip tuntap show` (and nlw, as it) finds the processes attached to a
    // device by its name in every process's fdinfo, whatever namespace the
    // device is in: this test run twice at once (two checkouts, or a
    // developer beside CI) would see the other's `sh-*` holders come and
    // go. One run at a time on the machine.
    let lock = std::fs::File::create(std::env::temp_dir().join("nlwire-tuntap-show.lock"))
        .expect("lock file");
    lock.lock().expect("lock");
    let ns = TestNs::create();
    // Nothing yet: no line, and `[]`.
    for args in [
        &["tuntap", "show"][..],
        &["-j", "tuntap", "show"],
        &["-d", "tuntap"],
    ] {
        same_as_ip(&ns, args);
    }
    for line in [
        "tuntap add mode tap name sh-tap",
        "tuntap add mode tun name sh-tun",
        "tuntap add mode tun pi name sh-pi",
        "tuntap add mode tap vnet_hdr one_queue name sh-vnet",
        "tuntap add mode tap multi_queue name sh-mq",
        "tuntap add mode tun user 0 group 0 name sh-root",
        "tuntap add mode tap user 4242 name sh-user",
        "tuntap add mode tun group 4343 pi vnet_hdr multi_queue one_queue name sh-all",
        // Not tun devices: left out.
        "link add sh-veth type veth peer name sh-peer",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        ns.ip(&args);
    }
    // Devices held open by this process: one that lives only while it is
    // (not persistent), two queues of the multi-queue one, and a
    // persistent one.
    let _held = [
        hold(&ns, "sh-held", Mode::Tun),
        {
            let netns = Netns::from_path(ns.path()).unwrap();
            TunTap::new("sh-mq", Mode::Tap)
                .multi_queue(true)
                .attach_in(&netns)
                .unwrap()
        },
        {
            let netns = Netns::from_path(ns.path()).unwrap();
            TunTap::new("sh-mq", Mode::Tap)
                .multi_queue(true)
                .attach_in(&netns)
                .unwrap()
        },
        hold(&ns, "sh-tap", Mode::Tap),
    ];
    let shows: &[&[&str]] = &[
        &["tuntap"],
        &["tuntap", "show"],
        &["tuntap", "list"],
        &["tuntap", "lst", "ignored", "words"],
        &["tap", "s"],
        &["tunt", "l"],
        &["-j", "tuntap", "show"],
        &["-j", "-p", "tuntap", "show"],
        &["-d", "tuntap", "show"],
        &["-d", "-o", "tuntap", "show"],
    ];
    for args in shows {
        same_as_ip(&ns, args);
    }
    // iproute2 before 6.18 writes each attached process's name and pid
    // into the array without an object around them: not JSON
    // (`cli/IP_DIFFERENCES.md`).
    if common::ip_version() >= (6, 18) {
        same_as_ip(&ns, &["-j", "-d", "tuntap", "show"]);
    }
    // What was compared holds what it should.
    let (_, text, _) = nlw_in(&ns, &["-d", "tuntap", "show"]);
    let me = std::process::id();
    for want in [
        "sh-tap: tap persist\n\tAttached to processes:".to_string(),
        "sh-all: tun pi one_queue multi_queue vnet_hdr persist filter group 4343\n".to_string(),
        "sh-root: tun persist user 0 group 0\n".to_string(),
        "sh-user: tap persist user 4242\n".to_string(),
        "sh-held: tun\n\tAttached to processes:".to_string(),
        format!("({me})"),
    ] {
        assert!(text.contains(&want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains("sh-veth"), "{text}");
    let (_, json, _) = nlw_in(&ns, &["-j", "-d", "tuntap", "show"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let mq = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ifname"] == "sh-mq")
        .expect("sh-mq listed");
    let pids: Vec<&serde_json::Value> = mq["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["pid"])
        .collect();
    assert_eq!(
        pids,
        [&serde_json::json!(me), &serde_json::json!(me)],
        "{mq}"
    );
}
