//! A VXLAN overlay built end to end through nlwire, as flannel or a CNI
//! plugin builds one: two hosts (namespaces) joined by an underlay veth,
//! each with a bridge, a VXLAN device enslaved to it and a container
//! (another namespace) on a veth port; forwarding-database entries point
//! each host's VXLAN device at the other's underlay address. Traffic then
//! passes container to container; with the entries deleted, it does not.
//!
//! Every step goes through nlwire's requests and ops; `ping` (run in the
//! containers, towards a container) is the only other tool. The traffic
//! stays between namespaces this test made, and the test runs in the VM
//! harness only (`tests/vm/nlwire-vm`), as the overlay issue asks.

use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::process::Command;

use nlwire::ops;
use nlwire::route::Vxlan;
use nlwire::route::{
    FdbEntry, FdbState, GetFdbEntries, GetLink, Link, LinkKind, LinkRequest, NetnsRef,
};
use nlwire_mio::Connection;
use nlwire_tests::{TestNs, privileged_or_skip};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn link(c: &mut Connection, name: &str) -> Link {
    c.get(GetLink::by_name(name).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn mac(l: &Link) -> [u8; 6] {
    l.address
        .as_ref()
        .and_then(|a| <[u8; 6]>::try_from(a.as_bytes()).ok())
        .expect("an Ethernet address")
}

/// One host: the underlay address on `under`, a bridge, a VXLAN device
/// on it, and a container in `cns` at `caddr` on a port of the bridge.
fn host(h: &mut Connection, under: &str, local: &str, cns: &TestNs, caddr: &str) -> Connection {
    h.execute(ops::add_address(under, ip(local), 24).unwrap())
        .unwrap();
    h.execute(ops::set_link_up(under).unwrap()).unwrap();
    let lower = link(h, under).index;
    h.request(LinkRequest::add("br0", LinkKind::Bridge(Default::default())).unwrap())
        .unwrap();
    let vx = Vxlan {
        local: Some(ip(local)),
        link: Some(lower),
        port: Some(4789),
        ..Vxlan::new(42)
    };
    h.request(LinkRequest::add("vx0", LinkKind::Vxlan(vx)).unwrap())
        .unwrap();
    h.execute(ops::set_master("vx0", "br0").unwrap()).unwrap();
    h.execute(ops::create_veth("hc0", "ceth").unwrap()).unwrap();
    h.execute(ops::set_master("hc0", "br0").unwrap()).unwrap();
    let f = File::open(cns.path()).unwrap();
    h.execute(ops::move_link_to_netns("ceth", NetnsRef::Fd(f.as_raw_fd()), Some("eth0")).unwrap())
        .unwrap();
    for l in ["vx0", "hc0", "br0"] {
        h.execute(ops::set_link_up(l).unwrap()).unwrap();
    }
    let mut c = Connection::new_in_netns(cns.path()).unwrap();
    c.execute(ops::add_address("eth0", ip(caddr), 24).unwrap())
        .unwrap();
    c.execute(ops::set_link_up("eth0").unwrap()).unwrap();
    c
}

/// `ping -c 2 -W 2 to` from inside `ns`: whether a reply came.
fn ping(ns: &TestNs, to: &str) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns.name(), "ping", "-c", "2", "-W", "2", to])
        .output()
        .expect("run ping")
        .status
        .success()
}

#[test]
fn containers_talk_across_a_vxlan_overlay_built_by_nlwire() {
    let test = "overlay::containers_talk_across_a_vxlan_overlay_built_by_nlwire";
    if !privileged_or_skip(test) {
        return;
    }
    if nlwire_tests::vm_kernel().is_none() {
        nlwire_tests::say_skipped(
            test,
            "the overlay passes traffic, which this project does only inside the VM harness \
             (tests/vm/nlwire-vm, run by .ci/run)",
        );
        return;
    }
    let (h1, h2, c1, c2) = (
        TestNs::create(),
        TestNs::create(),
        TestNs::create(),
        TestNs::create(),
    );
    let mut a = Connection::new_in_netns(h1.path()).unwrap();
    let mut b = Connection::new_in_netns(h2.path()).unwrap();
    // The underlay: a veth between the hosts.
    a.execute(ops::create_veth("u1", "u2").unwrap()).unwrap();
    let f = File::open(h2.path()).unwrap();
    a.execute(ops::move_link_to_netns("u2", NetnsRef::Fd(f.as_raw_fd()), None).unwrap())
        .unwrap();
    let mut ca = host(&mut a, "u1", "192.0.2.1", &c1, "203.0.113.1");
    let mut cb = host(&mut b, "u2", "192.0.2.2", &c2, "203.0.113.2");
    let (mac1, mac2) = (mac(&link(&mut ca, "eth0")), mac(&link(&mut cb, "eth0")));
    // Without forwarding entries the VXLAN devices have nowhere to send.
    assert!(
        !ping(&c1, "203.0.113.2"),
        "traffic passed with no fdb entry"
    );
    // The overlay's entries: each host floods to the other and knows the
    // other's container; its own container is pinned to its port.
    a.execute(ops::append_fdb_flood("vx0", ip("192.0.2.2")).unwrap())
        .unwrap();
    b.execute(ops::append_fdb_flood("vx0", ip("192.0.2.1")).unwrap())
        .unwrap();
    a.execute(ops::replace_fdb_remote("vx0", mac2, ip("192.0.2.2")).unwrap())
        .unwrap();
    b.execute(ops::replace_fdb_remote("vx0", mac1, ip("192.0.2.1")).unwrap())
        .unwrap();
    a.execute(ops::replace_fdb_static("hc0", mac1).unwrap())
        .unwrap();
    b.execute(ops::replace_fdb_static("hc0", mac2).unwrap())
        .unwrap();
    // The kernel holds what was written.
    let vx0 = link(&mut a, "vx0").index;
    let table: Vec<FdbEntry> = a.collect(GetFdbEntries::new().port(vx0)).unwrap();
    let flood = table
        .iter()
        .find(|e| e.lladdr.as_ref().is_some_and(|m| m.as_bytes() == [0; 6]))
        .expect("the flood entry");
    assert_eq!(flood.dst, Some(ip("192.0.2.2")));
    assert!(table.iter().any(|e| {
        e.lladdr.as_ref().is_some_and(|m| m.as_bytes() == mac2) && e.dst == Some(ip("192.0.2.2"))
    }));
    let hc0 = link(&mut a, "hc0").index;
    let port: Vec<FdbEntry> = a.collect(GetFdbEntries::new().port(hc0)).unwrap();
    assert!(port.iter().any(|e| {
        e.lladdr.as_ref().is_some_and(|m| m.as_bytes() == mac1)
            && e.fdb_state() == Some(FdbState::Static)
    }));
    assert!(ping(&c1, "203.0.113.2"), "no reply across the overlay");
    assert!(ping(&c2, "203.0.113.1"), "no reply the other way");
    // Take the remote entries away on both hosts (learned ones too: the
    // VXLAN devices learn the MACs behind each remote from what they
    // receive): no VXLAN device has anywhere to send, though the
    // containers' ARP entries still name the MACs.
    for (h, other) in [(&mut a, mac2), (&mut b, mac1)] {
        h.execute(ops::delete_fdb_entry("vx0", [0; 6], false).unwrap())
            .unwrap();
        h.execute(ops::delete_fdb_entry("vx0", other, false).unwrap())
            .unwrap();
    }
    assert!(
        !ping(&c1, "203.0.113.2"),
        "traffic passed with the entries deleted"
    );
}
