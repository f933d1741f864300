//! Bridge VLANs against the real kernel, on every runtime: the connection
//! adds and deletes VLANs (single, `pvid untagged`, ranges, the bridge's
//! own with `self`, part of a range) with `BridgeVlanRequest` and the
//! three ops, and after every step both `GetBridgeVlans` dumps — one
//! entry per VLAN, and `compressed` ranges — must describe per port
//! exactly the VLANs that `bridge -j vlan show` and `bridge -j
//! -compressvlans vlan show` print. Refused requests (out-of-range VLANs
//! before anything is sent; the kernel's refusals with their errno) change
//! nothing. The test names are `mio::…`, `poll::…`, `tokio::…` and
//! `async_io::…`.
//!
//! The namespace holds `br0` with VLAN filtering, veth pairs `v0`/`v1` and
//! `v2`/`v3`, `v0` and `v2` enslaved. A kernel built without bridge VLAN
//! filtering (the host may be one; the VM kernels are not) has no VLANs:
//! there the dumps must come back without VLANs, an add must be refused
//! with `EOPNOTSUPP` and change nothing, and the rest is skipped (printing
//! why). Inside the VM harness a missing VLAN filtering is a failure.

use std::collections::BTreeMap;
use std::process::Command;

use nlwire::route::brvlan::{
    BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_RANGE_BEGIN, BRIDGE_VLAN_INFO_RANGE_END,
    BRIDGE_VLAN_INFO_UNTAGGED,
};
use nlwire::route::{BridgeVlanRequest, BridgeVlans, GetBridgeVlans};
use nlwire::{Errno, Error, InvalidInput, ops};
use nlwire_tests::{Client, TestNs, per_runtime, say_skipped, vm_kernel};

/// One VLAN, or a range, as `bridge -j vlan show` prints it: first, last,
/// `PVID`, `Egress Untagged`.
type Vlan = (u16, u16, bool, bool);

/// Port name → its VLANs, in the kernel's order; ports without VLANs are
/// left out, as `bridge` leaves them out.
type Ports = BTreeMap<String, Vec<Vlan>>;

/// What the namespace holds.
struct Bridge {
    br: u32,
    v0: u32,
    v1: u32,
    v2: u32,
    /// Whether the kernel has bridge VLAN filtering.
    vlans: bool,
}

fn setup(c: &mut dyn Client, ns: &TestNs) -> Bridge {
    let vlans = Command::new("ip")
        .args(["-n", ns.name(), "link", "add", "br0", "type", "bridge"])
        .args(["vlan_filtering", "1"])
        .output()
        .expect("iproute2's ip")
        .status
        .success();
    if !vlans {
        if let Some(vm) = vm_kernel() {
            panic!("the VM kernel {vm} has no bridge VLAN filtering");
        }
        ns.ip(&["link", "add", "br0", "type", "bridge"]);
    }
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["link", "add", "v2", "type", "veth", "peer", "name", "v3"]);
    ns.ip(&["link", "set", "v0", "master", "br0"]);
    ns.ip(&["link", "set", "v2", "master", "br0"]);
    let links = c.links().unwrap();
    let index = |n: &str| links.iter().find(|l| l.name == n).unwrap().index;
    Bridge {
        br: index("br0"),
        v0: index("v0"),
        v1: index("v1"),
        v2: index("v2"),
        vlans,
    }
}

/// `"1 PU, 10, 100-104 U"`: VLAN 1 PVID and untagged, 10, 100 to 104
/// untagged.
fn vlans(s: &str) -> Vec<Vlan> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            let (ids, flags) = v.split_once(' ').unwrap_or((v, ""));
            let (a, b) = ids.split_once('-').unwrap_or((ids, ids));
            (
                a.parse().unwrap(),
                b.parse().unwrap(),
                flags.contains('P'),
                flags.contains('U'),
            )
        })
        .collect()
}

/// The ports' VLANs, compressed (ranges), as [`vlans`] reads them.
fn ports(p: &[(&str, &str)]) -> Ports {
    p.iter()
        .map(|(n, v)| (n.to_string(), vlans(v)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Every range one VLAN each.
fn expand(p: &Ports) -> Ports {
    p.iter()
        .map(|(n, v)| {
            let one = v
                .iter()
                .flat_map(|&(a, b, pvid, untagged)| (a..=b).map(move |x| (x, x, pvid, untagged)))
                .collect();
            (n.clone(), one)
        })
        .collect()
}

/// `bridge -j [-compressvlans] vlan show`.
fn bridge_view(ns: &TestNs, compressed: bool) -> Ports {
    let args: &[&str] = if compressed {
        &["-compressvlans", "vlan", "show"]
    } else {
        &["vlan", "show"]
    };
    let j = ns.bridge_json(args);
    j.as_array()
        .unwrap_or_else(|| panic!("bridge vlan show: {j}"))
        .iter()
        .map(|p| {
            let name = p["ifname"].as_str().unwrap().to_string();
            let v = p["vlans"]
                .as_array()
                .unwrap_or_else(|| panic!("{p}"))
                .iter()
                .map(|v| {
                    let a = v["vlan"].as_u64().unwrap() as u16;
                    let b = v.get("vlanEnd").map_or(a, |e| e.as_u64().unwrap() as u16);
                    let flags: Vec<&str> = v
                        .get("flags")
                        .and_then(|f| f.as_array())
                        .map_or(vec![], |f| f.iter().map(|x| x.as_str().unwrap()).collect());
                    (
                        a,
                        b,
                        flags.contains(&"PVID"),
                        flags.contains(&"Egress Untagged"),
                    )
                })
                .collect();
            (name, v)
        })
        .filter(|(_, v): &(String, Vec<Vlan>)| !v.is_empty())
        .collect()
}

/// Our dump as `bridge` prints it: a `RANGE_BEGIN` entry and the
/// `RANGE_END` entry after it are one range (of the same flags); the
/// plain dump has no ranges, and only the flags `bridge` prints.
fn our_view(dump: &[BridgeVlans], compressed: bool) -> Ports {
    let mut out = Ports::new();
    for p in dump {
        let mut v = Vec::new();
        let mut begin = None;
        for e in &p.vlans {
            let known = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
            let range = BRIDGE_VLAN_INFO_RANGE_BEGIN | BRIDGE_VLAN_INFO_RANGE_END;
            assert_eq!(e.flags & !(known | range), 0, "{e:?} of {p:?}");
            if !compressed {
                assert_eq!(e.flags & range, 0, "a range in the plain dump: {p:?}");
            }
            if e.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN != 0 {
                assert!(begin.is_none(), "two range starts: {p:?}");
                begin = Some(*e);
                continue;
            }
            let first = match begin.take() {
                Some(b) => {
                    assert_ne!(e.flags & BRIDGE_VLAN_INFO_RANGE_END, 0, "{p:?}");
                    assert_eq!(b.flags & known, e.flags & known, "{p:?}");
                    assert!(b.vid < e.vid, "{p:?}");
                    b.vid
                }
                None => {
                    assert_eq!(e.flags & BRIDGE_VLAN_INFO_RANGE_END, 0, "{p:?}");
                    e.vid
                }
            };
            v.push((first, e.vid, e.is_pvid(), e.is_untagged()));
        }
        assert!(begin.is_none(), "a range without an end: {p:?}");
        if v.is_empty() {
            continue;
        }
        let name = p.name.clone().expect("a port has a name");
        assert!(out.insert(name, v).is_none(), "listed twice: {p:?}");
    }
    out
}

/// A dump lists `br0` and its ports (and nothing else), each once, with
/// their bridge; `GetBridgeVlans::link` picks one.
fn check_dump(c: &mut dyn Client, b: &Bridge, dump: &[BridgeVlans], req: GetBridgeVlans) {
    let mut listed: Vec<(u32, Option<u32>)> = dump.iter().map(|p| (p.index, p.master)).collect();
    listed.sort();
    // The bridge names itself as its master.
    let mut want = vec![(b.br, Some(b.br)), (b.v0, Some(b.br)), (b.v2, Some(b.br))];
    want.sort();
    assert_eq!(listed, want, "{req:?}: {dump:#?}");
    for p in dump {
        let one = c.bridge_vlans(req.link(p.index)).unwrap();
        assert_eq!(one, std::slice::from_ref(p), "{req:?}.link({})", p.index);
    }
    assert_eq!(c.bridge_vlans(req.link(b.v1)).unwrap(), [], "v1 is no port");
}

/// Both of our dumps agree with `bridge`'s views, and with each other;
/// returns the compressed view.
fn agree(c: &mut dyn Client, ns: &TestNs, b: &Bridge) -> Ports {
    let plain = c.bridge_vlans(GetBridgeVlans::new()).unwrap();
    check_dump(c, b, &plain, GetBridgeVlans::new());
    let packed = c.bridge_vlans(GetBridgeVlans::new().compressed()).unwrap();
    check_dump(c, b, &packed, GetBridgeVlans::new().compressed());
    let (plain, packed) = (our_view(&plain, false), our_view(&packed, true));
    assert_eq!(plain, bridge_view(ns, false), "against `bridge vlan show`");
    assert_eq!(
        packed,
        bridge_view(ns, true),
        "against `bridge -compressvlans vlan show`"
    );
    assert_eq!(expand(&packed), plain, "the compressed dump's ranges");
    if !b.vlans {
        assert_eq!(plain, Ports::new(), "VLANs without VLAN filtering");
    }
    packed
}

/// `req` fails with `errno` and changes nothing.
fn refused(c: &mut dyn Client, ns: &TestNs, b: &Bridge, req: &BridgeVlanRequest, errno: Errno) {
    let before = agree(c, ns, b);
    let e = c.request(req).unwrap_err();
    assert_eq!(e.errno(), Some(errno), "{req:?}: {e}");
    assert_eq!(agree(c, ns, b), before, "{req:?} changed something");
}

/// On a kernel without VLAN filtering: an add is refused with
/// `EOPNOTSUPP` and changes nothing.
fn no_vlan_filtering(test: &str, c: &mut dyn Client, ns: &TestNs, b: &Bridge) {
    let e = c
        .request(&BridgeVlanRequest::add(b.v0, 10).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("add bridge vlan 10 on link {}: EOPNOTSUPP", b.v0)),
        "{e}"
    );
    for r in [
        BridgeVlanRequest::add(b.v0, 20).unwrap().pvid().untagged(),
        BridgeVlanRequest::add(b.v2, 100)
            .unwrap()
            .range_to(104)
            .unwrap(),
        BridgeVlanRequest::add(b.br, 30).unwrap().on_self(),
    ] {
        refused(c, ns, b, &r, Errno::EOPNOTSUPP);
    }
    assert_eq!(agree(c, ns, b), Ports::new());
    say_skipped(
        &format!("brvlan::{test} ({:?})", c.runtime()),
        "this kernel has no bridge VLAN filtering (`type bridge vlan_filtering 1` \
         is refused): only the dumps and the refusals ran; the rest runs in the VM \
         harness (tests/vm/nlwire-vm)",
    );
}

/// `req` is accepted, and afterwards the ports hold `want` (compressed).
fn step(
    c: &mut dyn Client,
    ns: &TestNs,
    b: &Bridge,
    req: &BridgeVlanRequest,
    want: &[(&str, &str)],
) {
    c.request(req).unwrap_or_else(|e| panic!("{req:?}: {e}"));
    assert_eq!(agree(c, ns, b), ports(want), "after {req:?}");
}

fn bridge_vlans_written_and_read_as_bridge_does(c: &mut dyn Client, ns: &TestNs) {
    let b = setup(c, ns);
    let (br, v0, v2) = (b.br, b.v0, b.v2);
    let start = agree(c, ns, &b);
    if !b.vlans {
        // Ports listed, without VLANs, by both dumps (`agree` checked).
        no_vlan_filtering("bridge_vlans_written_and_read_as_bridge_does", c, ns, &b);
        return;
    }
    // VLAN 1 is the bridge's default PVID, of the bridge and each port.
    assert_eq!(
        start,
        ports(&[("br0", "1 PU"), ("v0", "1 PU"), ("v2", "1 PU")])
    );
    let add = |i: u32, vid: u16| BridgeVlanRequest::add(i, vid).unwrap();
    let del = |i: u32, vid: u16| BridgeVlanRequest::delete(i, vid).unwrap();
    // bridge vlan add dev v0 vid 10
    step(
        c,
        ns,
        &b,
        &add(v0, 10),
        &[("br0", "1 PU"), ("v0", "1 PU, 10"), ("v2", "1 PU")],
    );
    // bridge vlan add dev v0 vid 20 pvid untagged: a port has one PVID.
    step(
        c,
        ns,
        &b,
        &add(v0, 20).pvid().untagged(),
        &[("br0", "1 PU"), ("v0", "1 U, 10, 20 PU"), ("v2", "1 PU")],
    );
    // bridge vlan add dev v0 vid 100-104 untagged
    let range = add(v0, 100).range_to(104).unwrap().untagged();
    let mut now = vec![
        ("br0", "1 PU"),
        ("v0", "1 U, 10, 20 PU, 100-104 U"),
        ("v2", "1 PU"),
    ];
    step(c, ns, &b, &range, &now);
    // The same again: accepted, nothing changes.
    step(c, ns, &b, &range, &now);
    // bridge vlan add dev br0 vid 30 self: the bridge's own VLAN.
    now[0] = ("br0", "1 PU, 30");
    step(c, ns, &b, &add(br, 30).on_self(), &now);
    // bridge vlan add dev v2 vid 100-102 master
    now[2] = ("v2", "1 PU, 100-102");
    step(
        c,
        ns,
        &b,
        &add(v2, 100).range_to(102).unwrap().on_master(),
        &now,
    );
    // A VLAN added again with other flags takes them; next to the PVID
    // the range does not merge.
    now[1] = ("v0", "1 U, 10 U, 20 PU, 100-104 U");
    step(c, ns, &b, &add(v0, 10).untagged(), &now);
    now[1] = ("v0", "1 U, 10 U, 20 PU, 21-22 U, 100-104 U");
    step(
        c,
        ns,
        &b,
        &add(v0, 21).range_to(22).unwrap().untagged(),
        &now,
    );

    // bridge vlan del dev v0 vid 102: a hole in the range.
    now[1] = ("v0", "1 U, 10 U, 20 PU, 21-22 U, 100-101 U, 103-104 U");
    step(c, ns, &b, &del(v0, 102), &now);
    // Deleting a VLAN the port does not have is accepted and changes
    // nothing (the kernel reports no error for it).
    step(c, ns, &b, &del(v0, 102), &now);
    step(c, ns, &b, &del(v0, 2000), &now);
    // bridge vlan del dev v0 vid 100-101, and 21-22
    now[1] = ("v0", "1 U, 10 U, 20 PU, 21-22 U, 103-104 U");
    step(c, ns, &b, &del(v0, 100).range_to(101).unwrap(), &now);
    now[1] = ("v0", "1 U, 10 U, 20 PU, 103-104 U");
    step(c, ns, &b, &del(v0, 21).range_to(22).unwrap(), &now);
    // bridge vlan del dev br0 vid 30 self
    now[0] = ("br0", "1 PU");
    step(c, ns, &b, &del(br, 30).on_self(), &now);
    // bridge vlan del dev v2 vid 100-102 master
    now[2] = ("v2", "1 PU");
    step(
        c,
        ns,
        &b,
        &del(v2, 100).range_to(102).unwrap().on_master(),
        &now,
    );
    // The default VLAN goes like any other; then the PVID's.
    now[1] = ("v0", "10 U, 20 PU, 103-104 U");
    step(c, ns, &b, &del(v0, 1), &now);
    now[1] = ("v0", "10 U, 103-104 U");
    step(c, ns, &b, &del(v0, 20), &now);
    // A port with no VLAN left is listed without any (and `bridge` leaves
    // it out).
    now[2] = ("v2", "");
    step(c, ns, &b, &del(v2, 1), &now);
    let p = c.bridge_vlans(GetBridgeVlans::new().link(v2)).unwrap();
    assert_eq!(
        (p.len(), p[0].vlans.len(), p[0].master),
        (1, 0, Some(br)),
        "{p:?}"
    );
}

/// `add_bridge_vlan`, `set_bridge_access_vlan` and `delete_bridge_vlan`,
/// by name (and one by index); their refusals name the link as given.
fn bridge_vlan_ops_by_name(c: &mut dyn Client, ns: &TestNs) {
    let b = setup(c, ns);
    agree(c, ns, &b);
    // Refused before anything is sent: VLAN 4096 does not fit 12 bits.
    let checks: [(Result<(), Error>, &str); 3] = [
        (
            ops::add_bridge_vlan("v2", 4096).map(drop),
            "add vlan 4096 to \"v2\": ",
        ),
        (
            ops::set_bridge_access_vlan("v2", 4096).map(drop),
            "make \"v2\" an access port of vlan 4096: ",
        ),
        (
            ops::delete_bridge_vlan("v2", 4096).map(drop),
            "delete vlan 4096 from \"v2\": ",
        ),
    ];
    for (r, what) in checks {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert!(e.to_string().starts_with(what), "{e}");
    }
    // Refused by the kernel, or by the lookup.
    let e = c
        .exec(&mut ops::add_bridge_vlan("nosuch0", 10).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENODEV), "{e}");
    assert!(matches!(e, Error::NoSuchLink { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("add vlan 10 to \"nosuch0\""),
        "{e}"
    );
    // v1 is no bridge port.
    let e = c
        .exec(&mut ops::add_bridge_vlan("v1", 10).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
    assert!(
        e.to_string()
            .starts_with("add vlan 10 to \"v1\": EOPNOTSUPP"),
        "{e}"
    );
    let e = c
        .exec(&mut ops::set_bridge_access_vlan("v2", 0).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "{e}");
    assert!(
        e.to_string()
            .starts_with("make \"v2\" an access port of vlan 0: EINVAL"),
        "{e}"
    );
    let e = c
        .exec(&mut ops::delete_bridge_vlan("v1", 10).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
    assert!(
        e.to_string()
            .starts_with("delete vlan 10 from \"v1\": EOPNOTSUPP"),
        "{e}"
    );
    // A VLAN that is not there is deleted without complaint, VLAN
    // filtering or not.
    let before = agree(c, ns, &b);
    c.exec(&mut ops::delete_bridge_vlan("v2", 99).unwrap())
        .unwrap();
    assert_eq!(agree(c, ns, &b), before);

    if !b.vlans {
        let e = c
            .exec(&mut ops::add_bridge_vlan("v2", 40).unwrap())
            .unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
        assert!(
            e.to_string()
                .starts_with("add vlan 40 to \"v2\": EOPNOTSUPP"),
            "{e}"
        );
        let e = c
            .exec(&mut ops::set_bridge_access_vlan("v2", 50).unwrap())
            .unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
        assert_eq!(agree(c, ns, &b), Ports::new());
        no_vlan_filtering("bridge_vlan_ops_by_name", c, ns, &b);
        return;
    }
    let mut now = vec![("br0", "1 PU"), ("v0", "1 PU"), ("v2", "1 PU, 40")];
    c.exec(&mut ops::add_bridge_vlan("v2", 40).unwrap())
        .unwrap();
    assert_eq!(agree(c, ns, &b), ports(&now));
    // An access port: VLAN 50 PVID and untagged, VLAN 1 no longer PVID.
    c.exec(&mut ops::set_bridge_access_vlan("v2", 50).unwrap())
        .unwrap();
    now[2] = ("v2", "1 U, 40, 50 PU");
    assert_eq!(agree(c, ns, &b), ports(&now));
    // By index: 41 joins 40 in one range.
    c.exec(&mut ops::add_bridge_vlan(b.v2, 41).unwrap())
        .unwrap();
    now[2] = ("v2", "1 U, 40-41, 50 PU");
    assert_eq!(agree(c, ns, &b), ports(&now));
    c.exec(&mut ops::delete_bridge_vlan("v2", 40).unwrap())
        .unwrap();
    now[2] = ("v2", "1 U, 41, 50 PU");
    assert_eq!(agree(c, ns, &b), ports(&now));
    // Making an access port of a VLAN it has tagged retags it.
    c.exec(&mut ops::set_bridge_access_vlan("v2", 41).unwrap())
        .unwrap();
    now[2] = ("v2", "1 U, 41 PU, 50 U");
    assert_eq!(agree(c, ns, &b), ports(&now));
    c.exec(&mut ops::set_bridge_access_vlan("v0", 50).unwrap())
        .unwrap();
    now[1] = ("v0", "1 U, 50 PU");
    assert_eq!(agree(c, ns, &b), ports(&now));
    c.exec(&mut ops::delete_bridge_vlan(b.v0, 50).unwrap())
        .unwrap();
    now[1] = ("v0", "1 U");
    assert_eq!(agree(c, ns, &b), ports(&now));
}

/// What the builder refuses, before anything is sent, and what the
/// kernel refuses (with its errno), which changes nothing.
fn bridge_vlan_refusals_change_nothing(c: &mut dyn Client, ns: &TestNs) {
    let b = setup(c, ns);
    let (br, v0, v1) = (b.br, b.v0, b.v1);
    let out_of_range = |r: Result<BridgeVlanRequest, InvalidInput>| {
        assert!(matches!(r, Err(InvalidInput::OutOfRange { .. })), "{r:?}");
    };
    out_of_range(BridgeVlanRequest::add(v0, 4096));
    out_of_range(BridgeVlanRequest::add(v0, u16::MAX));
    out_of_range(BridgeVlanRequest::delete(v0, 4096));
    let ten = BridgeVlanRequest::add(v0, 10).unwrap();
    out_of_range(ten.range_to(4096));
    out_of_range(ten.range_to(10));
    out_of_range(ten.range_to(9));
    out_of_range(BridgeVlanRequest::delete(v0, 10).unwrap().range_to(10));
    let e = BridgeVlanRequest::add(v0, 4096).unwrap_err().to_string();
    assert!(e.contains("4096"), "{e}");

    if b.vlans {
        // Something to keep: a VLAN and a range on v0, one on the bridge.
        c.request(&ten).unwrap();
        c.request(
            &BridgeVlanRequest::add(v0, 100)
                .unwrap()
                .range_to(104)
                .unwrap(),
        )
        .unwrap();
        c.request(&BridgeVlanRequest::add(br, 30).unwrap().on_self())
            .unwrap();
        assert_eq!(
            agree(c, ns, &b),
            ports(&[
                ("br0", "1 PU, 30"),
                ("v0", "1 PU, 10, 100-104"),
                ("v2", "1 PU")
            ])
        );
    }
    let missing = [b.br, b.v0, b.v1, b.v2].into_iter().max().unwrap() + 100;
    let add = |i: u32, vid: u16| BridgeVlanRequest::add(i, vid).unwrap();
    for (r, errno, text) in [
        // The kernel takes VLANs 1 to 4094 (the builder, what fits).
        (add(v0, 0), Errno::EINVAL, "add bridge vlan 0: EINVAL"),
        (add(v0, 4095), Errno::EINVAL, "add bridge vlan 4095: EINVAL"),
        (
            add(v0, 4000).range_to(4095).unwrap(),
            Errno::EINVAL,
            "add bridge vlans 4000-4095: EINVAL",
        ),
        (
            BridgeVlanRequest::delete(v0, 0).unwrap(),
            Errno::EINVAL,
            "delete bridge vlan 0: EINVAL",
        ),
        // No PVID for a range.
        (
            add(v0, 200).range_to(201).unwrap().pvid(),
            Errno::EINVAL,
            "add bridge vlans 200-201: EINVAL",
        ),
        (
            add(missing, 10),
            Errno::ENODEV,
            "add bridge vlan 10: ENODEV",
        ),
        // v1 is no bridge port, and a veth has no VLANs of its own.
        (
            add(v1, 10),
            Errno::EOPNOTSUPP,
            "add bridge vlan 10: EOPNOTSUPP",
        ),
        (
            add(v1, 10).on_self(),
            Errno::EOPNOTSUPP,
            "add bridge vlan 10: EOPNOTSUPP",
        ),
        (
            BridgeVlanRequest::delete(v1, 10).unwrap(),
            Errno::EOPNOTSUPP,
            "delete bridge vlan 10: EOPNOTSUPP",
        ),
        // The bridge has no master: its own VLANs need `self`.
        (
            add(br, 10),
            Errno::EOPNOTSUPP,
            "add bridge vlan 10: EOPNOTSUPP",
        ),
    ] {
        let before = agree(c, ns, &b);
        let e = c.request(&r).unwrap_err();
        assert_eq!(e.errno(), Some(errno), "{r:?}: {e}");
        // `add bridge vlan 10 on link N: ENODEV …`.
        let (head, tail) = text.split_once(": ").unwrap();
        let s = e.to_string();
        assert!(
            s.starts_with(&format!("{head} on link ")) && s.contains(&format!(": {tail}")),
            "{r:?}: {e}"
        );
        assert_eq!(agree(c, ns, &b), before, "{r:?} changed something");
    }
    // The kernel says why a VLAN id is refused.
    let e = c.request(&add(v0, 0)).unwrap_err();
    let m = e.ext_ack_message().unwrap_or_default();
    assert!(m.contains("Vlan id is invalid"), "{e}");
    let e = c
        .request(&add(v0, 200).range_to(201).unwrap().pvid())
        .unwrap_err();
    let m = e.ext_ack_message().unwrap_or_default();
    assert!(m.contains("Pvid isn't allowed in a range"), "{e}");

    if !b.vlans {
        no_vlan_filtering("bridge_vlan_refusals_change_nothing", c, ns, &b);
        return;
    }
    assert_eq!(
        agree(c, ns, &b),
        ports(&[
            ("br0", "1 PU, 30"),
            ("v0", "1 PU, 10, 100-104"),
            ("v2", "1 PU")
        ])
    );
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        bridge_vlans_written_and_read_as_bridge_does,
        bridge_vlan_ops_by_name,
        bridge_vlan_refusals_change_nothing,
    ],
}
