//! `nlw bridge fdb` against iproute2's `bridge fdb`: what each prints of
//! the same forwarding database (text, JSON, `-s`, `-d`, the filters,
//! `get`, the errors), and what each writes (the same command in two
//! namespaces prepared alike must leave the same entries, and print and
//! exit the same).
//!
//! The host kernel has bridges and veths; VXLAN's own table (`dst`,
//! `vni`, `port`) needs the vxlan module, which the VM kernels have.

mod common;
use std::process::Command;
use std::time::Duration;

use common::nlw;
use nlwire_tests::{TestNs, privileged_or_skip};

/// `bridge -n NS args…`: (exit code, stdout, stderr).
fn bridge(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("bridge")
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run bridge");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `nlw -n NS bridge args…`, its messages worded as the installed
/// bridge (6.1 here, and in both VMs) words them: iproute2 6.3 dropped
/// the "a" of `duparg2`'s "is a garbage" (`cli/IP_DIFFERENCES.md`).
fn nlw_bridge(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["-n", ns.name(), "bridge"];
    all.extend_from_slice(args);
    let (code, out, err) = nlw(&all);
    (code, out, err.replace("\" is garbage.", "\" is a garbage."))
}

/// A bridge with two veth ports, fixed MAC addresses (so that two
/// namespaces prepared alike hold the same entries), learning off on the
/// ports (so that no entry comes and goes with traffic) and no IPv6
/// link-local addresses (whose multicast entries would come some time
/// after the carrier); returns once both ports forward (before that the
/// bridge refuses a dynamic entry with EPERM).
fn base(ns: &TestNs) {
    ns.ip_batch(
        "link set lo up\n\
         link add br0 address 02:00:00:00:0b:00 type bridge\n\
         link add v0 address 02:00:00:00:0a:00 type veth peer name p0 address 02:00:00:00:0a:01\n\
         link add v1 address 02:00:00:00:0a:10 type veth peer name p1 address 02:00:00:00:0a:11\n\
         link set br0 addrgenmode none\nlink set v0 addrgenmode none\n\
         link set v1 addrgenmode none\nlink set p0 addrgenmode none\n\
         link set p1 addrgenmode none\n\
         link set v0 master br0\n\
         link set v1 master br0\n\
         link set v0 type bridge_slave learning off\n\
         link set v1 type bridge_slave learning off\n\
         link set br0 up\nlink set v0 up\nlink set v1 up\nlink set p0 up\nlink set p1 up\n",
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for port in ["v0", "v1"] {
        while !bridge(ns, &["link", "show", "dev", port])
            .1
            .contains("state forwarding")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{port} never forwards"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Requires nlw's output and exit code to be bridge's; a reading is
/// compared when bridge read the same before and after nlw (the kernel
/// adds multicast entries for a while after links come up, and `-s`'s
/// ages tick).
fn same_as_bridge(ns: &TestNs, args: &[&str]) {
    for _ in 0..20 {
        let before = bridge(ns, args);
        let ours = nlw_bridge(ns, args);
        if bridge(ns, args) != before {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        let first = ours
            .1
            .lines()
            .zip(before.1.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("\nfirst difference:\n  nlw:    {a}\n  bridge: {b}"))
            .unwrap_or_default();
        assert_eq!(
            ours, before,
            "bridge {args:?}: nlw (left) and bridge (right) differ{first}"
        );
        return;
    }
    panic!("bridge {args:?}: the state never held still");
}

#[test]
fn fdb_prints_as_bridge_prints_it() {
    if !privileged_or_skip("nlw bridge::fdb_prints_as_bridge_prints_it") {
        return;
    }
    let ns = TestNs::create();
    base(&ns);
    for cmd in [
        "fdb add 02:00:00:00:00:01 dev v0 master static",
        "fdb add 02:00:00:00:00:02 dev v0 master dynamic",
        "fdb add 02:00:00:00:00:03 dev v1 master static sticky",
        "fdb add 02:00:00:00:00:04 dev p0",
        "fdb add 02:00:00:00:00:05 dev v1 master static extern_learn",
        "fdb add 02:00:00:00:00:06 dev br0 self local",
    ] {
        let args: Vec<&str> = cmd.split(' ').collect();
        let (code, _, err) = bridge(&ns, &args);
        assert_eq!(code, 0, "bridge {cmd}: {err}");
    }
    let shows: &[&[&str]] = &[
        &["fdb"],
        &["fdb", "show"],
        &["-j", "fdb", "show"],
        &["-j", "-p", "fdb", "list"],
        &["-s", "fdb", "show"],
        &["-s", "-j", "fdb", "show"],
        &["-d", "fdb", "show"],
        &["fdb", "show", "br", "br0"],
        &["fdb", "show", "brport", "v0"],
        &["fdb", "show", "dev", "p0"],
        &["-j", "fdb", "show", "br", "br0", "brport", "v1"],
        &["fdb", "show", "vlan", "10"],
        &["fdb", "show", "vlan", "0"],
        &["fdb", "show", "dynamic"],
        &["fdb", "show", "state", "static"],
        &["fdb", "show", "state", "permanent", "state", "reachable"],
        &["fdb", "show", "state", "0x40"],
        &["fdb", "show", "bogus", "words"],
        &["fdb", "get", "02:00:00:00:00:01", "dev", "v0", "master"],
        // The host's bridges filter no VLANs: the kernel refuses one.
        &[
            "fdb",
            "get",
            "02:00:00:00:00:01",
            "dev",
            "v0",
            "vlan",
            "10",
            "master",
        ],
        &["-j", "fdb", "get", "02:00:00:00:00:02", "br", "br0"],
        &["fdb", "get", "to", "02:00:00:00:00:03", "brport", "v1"],
        &["fdb", "get", "02:00:00:00:00:02", "br", "br0", "dynamic"],
        // Errors.
        &["fdb", "get", "02:00:00:00:00:09", "br", "br0"],
        &["fdb", "get", "02:00:00:00:00:01"],
        &["fdb", "get", "02:00:00:00:00:01", "dev", "nosuch"],
        &["fdb", "get", "zz", "dev", "v0"],
        &["fdb", "show", "br", "nosuch"],
        &["fdb", "show", "dev", "nosuch"],
        &["fdb", "show", "state", "bogus"],
        &["fdb", "show", "vlan", "10", "vlan", "20"],
        &["fdb", "bogus"],
        &["bogus"],
        &["-bogus", "fdb"],
    ];
    for args in shows {
        same_as_bridge(&ns, args);
    }
    // What was compared holds what it should.
    let (_, text, _) = bridge(&ns, &["fdb", "show", "br", "br0"]);
    for want in [
        "02:00:00:00:00:01 dev v0 master br0 static",
        "02:00:00:00:00:03 dev v1 sticky master br0 static",
        "02:00:00:00:00:06 dev br0 master br0 permanent",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    // bridge's options also after the word `bridge`.
    let (code, out, _) = nlw(&["bridge", "-n", ns.name(), "-j", "fdb", "show", "dev", "p0"]);
    assert_eq!(code, 0);
    assert_eq!(out, bridge(&ns, &["-j", "fdb", "show", "dev", "p0"]).1);
}

/// The commands each run by bridge in one namespace and by nlw in
/// another, prepared alike, in order.
const WRITES: &[&str] = &[
    "fdb add 02:00:00:00:00:01 dev v0 master static",
    "fdb add 02:00:00:00:00:02 dev v0 master dynamic",
    "fdb add 02:00:00:00:00:03 dev v0 master",
    "fdb add 02:00:00:00:00:04 dev v1 master temp sticky",
    "fdb add 02:00:00:00:00:05 dev p0",
    "fdb add 02:00:00:00:00:06 dev p0 self permanent",
    "fdb append 02:00:00:00:00:07 dev v1 master static",
    "fdb add to 02:00:00:00:00:08 dev v1 master static permanent",
    "fdb add 2:0:0:0:0:9 dev v1 master local",
    "fdb add 02:00:00:00:00:0a dev br0 self",
    "fdb add 02:00:00:00:00:0b dev v0 master use dynamic",
    "fdb replace 02:00:00:00:00:01 dev v1 master static",
    "fdb replace 02:00:00:00:00:02 dev v0 master static",
    "fdb replace 02:00:00:00:00:0c dev v0 master dynamic extern_learn",
    // Refused, by the kernel or by the command line, changing nothing.
    "fdb add 02:00:00:00:00:01 dev v1 master static",
    "fdb add 02:00:00:00:00:20 dev v0 master static vlan 10",
    "fdb add 02:00:00:00:00:20 dev nosuch master",
    "fdb add 02:00:00:00:00:20 master",
    "fdb add dev v0 master",
    "fdb add 02:00:00:00:00 dev v0 master",
    "fdb add 02-00-00-00-00-20 dev v0 master",
    "fdb add 02:00:00:00:00:20 dev v0 master vlan 4095",
    "fdb add 02:00:00:00:00:20 dev v0 master vlan 1 vlan 2",
    "fdb add 02:00:00:00:00:20 02:00:00:00:00:21 dev v0",
    "fdb add 02:00:00:00:00:20 dev v0 master nhid 5 dst 192.0.2.1",
    "fdb add 02:00:00:00:00:20 dev v0 master vni 16777216",
    "fdb add 02:00:00:00:00:20 dev v0 master port 70000",
    "fdb add 02:00:00:00:00:20 dev v0 master dst 192.0.2.1",
    "fdb add 02:00:00:00:00:20 dev v0 master dst nonsense",
    "fdb add 02:00:00:00:00:20 dev v0 via nosuch",
    "fdb add 02:00:00:00:00:20 dev v0 master nhid x",
    "fdb add 02:00:00:00:00:20 dev v0 master dev",
    "fdb del 02:00:00:00:00:30 dev v0 master",
    "fdb bogus",
    // Deletes and flushes.
    "fdb del 02:00:00:00:00:01 dev v1 master",
    "fdb delete 02:00:00:00:00:05 dev p0",
    "fdb flush dev br0 brport v1 static",
    "fdb flush dev br0 nostatic nopermanent",
    "fdb flush dev br0 vlan 5000",
    "fdb flush dev nosuch",
    "fdb flush dev br0 brport nosuch",
    "fdb flush",
    // (`fdb flush dev br0 bogus`: bridge 6.1 passes the word over,
    // current bridge and nlw refuse it.)
    "fdb flush dev br0 dynamic",
    "fdb flush dev br0 nosticky",
    "fdb flush dev v0 master",
    "fdb flush dev br0",
];

/// Runs each line with bridge in `a` and with nlw in `b`: the same
/// answer, and the same state after each.
/// The state is what `bridge -j OBJECT show` prints (`fdb` or `vlan`).
fn same_writes(a: &TestNs, b: &TestNs, object: &str, writes: &[&str]) {
    let state = |ns: &TestNs| bridge(ns, &["-j", object, "show"]).1;
    for line in writes {
        let args: Vec<&str> = line.split(' ').collect();
        let theirs = bridge(a, &args);
        let ours = nlw_bridge(b, &args);
        assert_eq!(
            ours, theirs,
            "{line}: nlw (left) and bridge (right) answered differently"
        );
        assert_eq!(
            state(b),
            state(a),
            "after {line}: nlw's (left) and bridge's (right) {object} state"
        );
    }
}

/// A VXLAN device's own table: the overlay's flood list (the all-zero MAC
/// appended once per remote) and entries with a remote, port and VNI.
/// Needs the vxlan module: in the VM harness (where its absence fails),
/// skipped on the host.
#[test]
fn vxlan_fdb_is_bridges() {
    let test = "nlw bridge::vxlan_fdb_is_bridges";
    if !privileged_or_skip(test) {
        return;
    }
    let (a, b) = (TestNs::create(), TestNs::create());
    let setup = "link add d0 address 02:00:00:00:0d:00 type veth peer name d1 address 02:00:00:00:0d:01\n\
                 addr add 192.0.2.1/24 dev d0\n\
                 link add vx0 address 02:00:00:00:0c:00 type vxlan id 42 dstport 4789 local 192.0.2.1 dev d0 nolearning\n";
    let probe = Command::new("ip")
        .args([
            "-n",
            a.name(),
            "link",
            "add",
            "vxprobe",
            "type",
            "vxlan",
            "id",
            "1",
            "dstport",
            "4789",
        ])
        .output()
        .expect("run ip");
    if !probe.status.success() {
        if let Some(vm) = nlwire_tests::vm_kernel() {
            panic!(
                "{test}: the VM kernel {vm} cannot create a vxlan link: {:?}",
                probe
            );
        }
        nlwire_tests::say_skipped(
            test,
            "this kernel has no vxlan module; it runs in the VM harness \
             (tests/vm/nlwire-vm, run by .ci/run)",
        );
        return;
    }
    a.ip(&["link", "del", "vxprobe"]);
    a.ip_batch(setup);
    b.ip_batch(setup);
    same_writes(
        &a,
        &b,
        "fdb",
        &[
            "fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.2",
            "fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.3 port 4790 vni 43",
            "fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.3",
            "fdb add 02:00:00:00:00:01 dev vx0 dst 198.51.100.4",
            "fdb add 02:00:00:00:00:02 dev vx0 dst 198.51.100.5 self static via d0",
            "fdb add 02:00:00:00:00:03 dev vx0 dst 198.51.100.6 src_vni 42",
            "fdb replace 02:00:00:00:00:01 dev vx0 dst 198.51.100.7 port 8472",
            "fdb add 02:00:00:00:00:04 dev vx0 dst 2001:db8::4",
            // Refused, changing nothing.
            "fdb add 02:00:00:00:00:01 dev vx0 dst 198.51.100.8",
            "fdb add 02:00:00:00:00:09 dev vx0 nhid 7 dst 198.51.100.9",
            "fdb add 02:00:00:00:00:09 dev vx0 dst 198.51.100.9 vni 16777216",
            "fdb add 02:00:00:00:00:09 dev vx0 nhid 7",
            "fdb del 00:00:00:00:00:00 dev vx0 dst 198.51.100.9",
            // Deletes: one remote of the flood list, then an entry.
            "fdb del 00:00:00:00:00:00 dev vx0 dst 198.51.100.3 port 4790 vni 43",
            "fdb del 02:00:00:00:00:04 dev vx0",
        ],
    );
    for args in [
        &["fdb", "show", "dev", "vx0"][..],
        &["-j", "fdb", "show"],
        &["-d", "-j", "-p", "fdb", "show", "dev", "vx0"],
        &["fdb", "get", "02:00:00:00:00:02", "dev", "vx0", "self"],
        &[
            "-j",
            "fdb",
            "get",
            "02:00:00:00:00:01",
            "dev",
            "vx0",
            "vni",
            "42",
            "self",
        ],
    ] {
        same_as_bridge(&a, args);
    }
    let (_, text, _) = bridge(&a, &["fdb", "show", "dev", "vx0"]);
    for want in [
        "00:00:00:00:00:00 dst 198.51.100.2 self permanent",
        "00:00:00:00:00:00 dst 198.51.100.3 self permanent",
        "02:00:00:00:00:01 dst 198.51.100.7 port 8472 self permanent",
        "02:00:00:00:00:02 dst 198.51.100.5 via d0 self static",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains("vni 43"), "{text}");
}

#[test]
fn fdb_writes_are_bridges() {
    if !privileged_or_skip("nlw bridge::fdb_writes_are_bridges") {
        return;
    }
    let (a, b) = (TestNs::create(), TestNs::create());
    base(&a);
    base(&b);
    let state = |ns: &TestNs| bridge(ns, &["-j", "fdb", "show"]).1;
    // The multicast entries the links bring with them settle first.
    let mut tries = 0;
    while state(&a) != state(&b) {
        tries += 1;
        assert!(tries < 50, "the two namespaces never held the same entries");
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = state(&a);
    let split = WRITES
        .iter()
        .position(|l| l.starts_with("fdb add 02:00:00:00:00:01 dev v1"))
        .expect("the refusals");
    same_writes(&a, &b, "fdb", &WRITES[..split]);
    let added = state(&a);
    same_writes(&a, &b, "fdb", &WRITES[split..]);
    // What was compared did something: the adds added, the flushes took
    // the bridge's table back to the entries of its links' own addresses.
    assert_ne!(added, before, "the adds changed nothing");
    assert!(added.contains("02:00:00:00:00:0c"), "{added}");
    let (_, end, _) = bridge(&a, &["fdb", "show", "br", "br0"]);
    assert!(!end.contains("02:00:00:00:00:0"), "{end}");
    assert!(
        state(&a).contains("02:00:00:00:00:06"),
        "p0's own entry stays"
    );
}

/// A VLAN-filtering bridge with two veth ports, fixed addresses, learning
/// off; `None` (a skip, or a panic in the VM harness) where the kernel
/// has no VLAN filtering.
fn vlan_base(ns: &TestNs, test: &str) -> Option<()> {
    let probe = Command::new("ip")
        .args([
            "-n",
            ns.name(),
            "link",
            "add",
            "brprobe",
            "type",
            "bridge",
            "vlan_filtering",
            "1",
        ])
        .output()
        .expect("run ip");
    if !probe.status.success() {
        if let Some(vm) = nlwire_tests::vm_kernel() {
            panic!("{test}: the VM kernel {vm} has no VLAN-filtering bridges: {probe:?}");
        }
        nlwire_tests::say_skipped(
            test,
            "this kernel has no VLAN-filtering bridges; it runs in the VM harness \
             (tests/vm/nlwire-vm, run by .ci/run)",
        );
        return None;
    }
    ns.ip(&["link", "del", "brprobe"]);
    ns.ip_batch(
        "link add br0 address 02:00:00:00:0b:00 type bridge vlan_filtering 1\n\
         link add v0 address 02:00:00:00:0a:00 type veth peer name p0 address 02:00:00:00:0a:01\n\
         link add v1 address 02:00:00:00:0a:10 type veth peer name p1 address 02:00:00:00:0a:11\n\
         link set v0 master br0\n\
         link set v1 master br0\n\
         link set v0 type bridge_slave learning off\n\
         link set v1 type bridge_slave learning off\n",
    );
    Some(())
}

/// `bridge vlan add|del` on a VLAN-filtering bridge (the VM kernels have
/// them; the host's bridges filter no VLANs): the same answers and the
/// same VLANs after each command, then the readings.
#[test]
fn vlans_are_bridges() {
    let test = "nlw bridge::vlans_are_bridges";
    if !privileged_or_skip(test) {
        return;
    }
    let (a, b) = (TestNs::create(), TestNs::create());
    if vlan_base(&a, test).is_none() {
        return;
    }
    vlan_base(&b, test).unwrap();
    let state = |ns: &TestNs| bridge(ns, &["-j", "vlan", "show"]).1;
    let before = state(&a);
    same_writes(
        &a,
        &b,
        "vlan",
        &[
            "vlan add dev v0 vid 10",
            "vlan add dev v0 vid 20 pvid untagged",
            "vlan add dev v1 vid 100-110",
            "vlan add dev v1 vid 200-205 untagged master",
            "vlan add dev br0 vid 10 self",
            "vlan add dev v1 vid 5 pvid",
            "vlan del dev v0 vid 1",
            "vlan delete dev v1 vid 103",
            "vlan del dev v1 vid 201-202",
            // Refused, changing nothing.
            "vlan add dev v0 vid 4096",
            "vlan add dev v0 vid 10-5",
            "vlan add dev v0 vid 10-4096",
            "vlan add dev v0 vid 30-40 pvid",
            "vlan add dev nosuch vid 10",
            "vlan add dev v0",
            "vlan add vid 10",
            "vlan add dev v0 vid 0",
            "vlan bogus",
        ],
    );
    assert_ne!(state(&a), before, "the writes changed nothing");
    for args in [
        &["vlan"][..],
        &["vlan", "show"],
        &["-j", "vlan", "show"],
        &["-j", "-p", "vlan", "list"],
        &["-compressvlans", "vlan", "show"],
        &["-com", "-j", "vlan", "show"],
        &["vlan", "show", "dev", "v1"],
        &["vlan", "show", "vid", "10"],
        &["vlan", "show", "vid", "104"],
        &["-compressvlans", "vlan", "show", "vid", "104"],
        &["-compressvlans", "vlan", "show", "dev", "v1", "vid", "203"],
        &["vlan", "show", "dev", "nosuch"],
        &["vlan", "show", "vid", "10", "vid", "20"],
        &["vlan", "show", "dev", "v0", "dev", "v1"],
    ] {
        same_as_bridge(&a, args);
    }
    let (_, text, _) = bridge(&a, &["-compressvlans", "vlan", "show", "dev", "v1"]);
    for want in ["100-102", "104-110", "203-205 Egress Untagged", "5 PVID"] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
}
