//! rtnetlink objects and operations against the real kernel, once per
//! runtime, each in its own namespace: the everyday ops, addresses and
//! routes written by nlwire and read by `ip -j` (and the other way round),
//! batches, and sysctls.

use std::net::IpAddr;
use std::os::fd::AsRawFd;

use nlwire::Errno;
use nlwire::ops;
use nlwire::route::addr::{IFA_F_NODAD, IFA_F_NOPREFIXROUTE};
use nlwire::route::route_req::{RTN_BLACKHOLE, RTN_PROHIBIT, RTN_UNREACHABLE, RTPROT_STATIC};
use nlwire::route::{
    AddressRequest, LinkKind, LinkRequest, MacvlanMode, NetnsRef, NextHop, RouteLookup,
    RouteRequest,
};
use nlwire::{Batch, BatchOptions, BatchResult};
use nlwire_tests::{Client, TestNs, per_runtime};
use serde_json::Value;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn index_of(c: &mut dyn Client, name: &str) -> u32 {
    let mut op = ops::list_links();
    c.exec_names(&mut op)
        .unwrap()
        .into_iter()
        .find(|(_, n)| n == name)
        .unwrap_or_else(|| panic!("no link {name}"))
        .0
}

/// `addr_info` entries of `dev` as (local, prefixlen).
fn ip_addrs(ns: &TestNs, dev: &str) -> Vec<Value> {
    let j = ns.ip_json(&["addr", "show", "dev", dev]);
    j[0]["addr_info"].as_array().cloned().unwrap_or_default()
}

fn has_addr(list: &[Value], local: &str, len: u64) -> bool {
    list.iter()
        .any(|a| a["local"] == local && a["prefixlen"].as_u64() == Some(len))
}

/// The everyday operations, each one op, checked with `ip`.
fn everyday_operations(c: &mut dyn Client, ns: &TestNs) {
    c.exec(&mut ops::create_veth("veth0", "veth1").unwrap())
        .unwrap();
    let names = c.exec_names(&mut ops::list_links()).unwrap();
    let ipj = ns.ip_json(&["link", "show"]);
    let theirs: Vec<(u32, String)> = ipj
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["ifindex"].as_u64().unwrap() as u32,
                l["ifname"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(names, theirs, "{}", c.runtime());

    for dev in ["veth0", "veth1"] {
        c.exec(&mut ops::set_link_up(dev).unwrap()).unwrap();
    }
    let j = ns.ip_json(&["link", "show", "dev", "veth0"]);
    assert!(
        j[0]["flags"].as_array().unwrap().iter().any(|f| f == "UP"),
        "{j}"
    );

    c.exec(&mut ops::add_address("veth0", ip("192.0.2.1"), 24).unwrap())
        .unwrap();
    assert!(has_addr(&ip_addrs(ns, "veth0"), "192.0.2.1", 24));
    // Twice is EEXIST, with the link named in the error.
    let e = c
        .exec(&mut ops::add_address("veth0", ip("192.0.2.1"), 24).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
    assert!(e.to_string().contains("192.0.2.1/24"), "{e}");

    c.exec(&mut ops::add_default_route("veth0", ops::IpVersion::V4).unwrap())
        .unwrap();
    let d = ns.ip_json(&["route", "show", "default"]);
    assert_eq!(d[0]["dev"], "veth0", "{d}");
    assert_eq!(d[0]["scope"], "link", "{d}");
    c.exec(&mut ops::add_default_route("veth0", ops::IpVersion::V6).unwrap())
        .unwrap();
    let d6 = ns.ip_json(&["-6", "route", "show", "default"]);
    assert_eq!(d6[0]["dev"], "veth0", "{d6}");

    for _ in 0..2 {
        // Replace is idempotent.
        c.exec(
            &mut ops::replace_route_dev("veth0", ip("198.51.100.0"), 24, Some(ip("192.0.2.1")))
                .unwrap(),
        )
        .unwrap();
    }
    let r = ns.ip_json(&["route", "show", "198.51.100.0/24"]);
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["prefsrc"], "192.0.2.1", "{r}");
    assert_eq!(r[0]["dev"], "veth0", "{r}");

    // Mismatched families are refused before anything is sent.
    assert!(
        ops::replace_route_dev("veth0", ip("198.51.100.0"), 24, Some(ip("2001:db8::1"))).is_err()
    );
    // A missing link is the kernel's ENODEV, named.
    let e = c
        .exec(&mut ops::add_address("nosuch0", ip("192.0.2.9"), 24).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENODEV), "{e}");
    assert!(e.to_string().contains("nosuch0"), "{e}");

    assert!(
        c.exec_bool(&mut ops::delete_link_if_exists("veth0").unwrap())
            .unwrap()
    );
    assert!(
        !c.exec_bool(&mut ops::delete_link_if_exists("veth0").unwrap())
            .unwrap()
    );
    assert_eq!(ns.ip_json(&["link", "show"]).as_array().unwrap().len(), 1);
}

/// Move a veth end into another namespace and rename it in the same
/// request, by namespace fd and by pid.
fn move_and_rename_atomically(c: &mut dyn Client, ns: &TestNs) {
    let other = TestNs::create();
    c.exec(&mut ops::create_veth("va", "vb").unwrap()).unwrap();
    let f = std::fs::File::open(other.path()).unwrap();
    c.exec(&mut ops::move_link_to_netns("vb", NetnsRef::Fd(f.as_raw_fd()), Some("eth7")).unwrap())
        .unwrap();
    let there = other.ip_json(&["link", "show", "dev", "eth7"]);
    assert_eq!(there[0]["ifname"], "eth7");
    let here = ns.ip_json(&["link", "show"]);
    assert!(
        !here.as_array().unwrap().iter().any(|l| l["ifname"] == "vb"),
        "{here}"
    );

    // By pid: a process living in the third namespace.
    let third = TestNs::create();
    c.exec(&mut ops::create_veth("vc", "vd").unwrap()).unwrap();
    let mut child = std::process::Command::new("ip")
        .args(["netns", "exec", third.name(), "sleep", "30"])
        .spawn()
        .unwrap();
    let pid = child.id();
    let want = nlwire_sys::netns::netns_id(third.path()).unwrap();
    let t0 = std::time::Instant::now();
    while nlwire_sys::netns::netns_id(format!("/proc/{pid}/ns/net")).ok() != Some(want) {
        assert!(
            t0.elapsed().as_secs() < 10,
            "child never entered the namespace"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let r = c.exec(&mut ops::move_link_to_netns("vd", NetnsRef::Pid(pid), Some("eth8")).unwrap());
    let _ = child.kill();
    let _ = child.wait();
    r.unwrap();
    assert_eq!(
        third.ip_json(&["link", "show", "dev", "eth8"])[0]["ifname"],
        "eth8"
    );
}

/// Links of every kind the host kernel has, created by nlwire and read by
/// `ip -d`, then changed with `LinkRequest`.
fn link_kinds_and_changes(c: &mut dyn Client, ns: &TestNs) {
    c.request(
        &LinkRequest::add("br0", LinkKind::Bridge(Default::default()))
            .unwrap()
            .up(true),
    )
    .unwrap();
    let br = index_of(c, "br0");
    c.request(
        &LinkRequest::add(
            "p0",
            LinkKind::Veth {
                peer: "p1",
                peer_netns: None,
            },
        )
        .unwrap()
        .mtu(1400)
        .txqlen(500)
        .address(&[0x02, 0, 0, 0, 0, 0x42])
        .unwrap(),
    )
    .unwrap();
    let p0 = index_of(c, "p0");
    c.request(&LinkRequest::set(p0).unwrap().alias("uplink").unwrap())
        .unwrap();
    c.request(
        &LinkRequest::add(
            "mv0",
            LinkKind::Macvlan {
                link: p0,
                mode: MacvlanMode::Bridge,
            },
        )
        .unwrap(),
    )
    .unwrap();
    let j = ns.ip_json(&["-d", "link", "show", "dev", "p0"]);
    assert_eq!(j[0]["mtu"], 1400, "{j}");
    assert_eq!(j[0]["txqlen"], 500, "{j}");
    assert_eq!(j[0]["ifalias"], "uplink", "{j}");
    assert_eq!(j[0]["address"], "02:00:00:00:00:42", "{j}");
    assert_eq!(j[0]["linkinfo"]["info_kind"], "veth", "{j}");
    let mv = ns.ip_json(&["-d", "link", "show", "dev", "mv0"]);
    assert_eq!(mv[0]["linkinfo"]["info_kind"], "macvlan", "{mv}");
    assert_eq!(mv[0]["linkinfo"]["info_data"]["mode"], "bridge", "{mv}");
    assert_eq!(mv[0]["link"], "p0", "{mv}");

    // master, up, rename by index, then nomaster and down.
    c.request(&LinkRequest::set("p1").unwrap().master(br).unwrap().up(true))
        .unwrap();
    let p1 = ns.ip_json(&["link", "show", "dev", "p1"]);
    assert_eq!(p1[0]["master"], "br0", "{p1}");
    let p1_index = index_of(c, "p1");
    c.request(&LinkRequest::set(p1_index).unwrap().up(false).nomaster())
        .unwrap();
    c.request(&LinkRequest::set(p1_index).unwrap().rename("port1").unwrap())
        .unwrap();
    let p1 = ns.ip_json(&["link", "show", "dev", "port1"]);
    assert!(p1[0].get("master").is_none(), "{p1}");
    assert!(
        !p1[0]["flags"].as_array().unwrap().iter().any(|f| f == "UP"),
        "{p1}"
    );
    // ipvlan, if the module is there, on the port that has no macvlan
    // (a lower device takes either macvlan or ipvlan uppers: EBUSY).
    match c.request(
        &LinkRequest::add(
            "ipv0",
            LinkKind::Ipvlan {
                link: p1_index,
                mode: nlwire::route::IpvlanMode::L3,
            },
        )
        .unwrap(),
    ) {
        Ok(()) => {
            let j = ns.ip_json(&["-d", "link", "show", "dev", "ipv0"]);
            assert_eq!(j[0]["linkinfo"]["info_kind"], "ipvlan", "{j}");
        }
        Err(e) => {
            assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
            // Every Debian kernel the VM harness boots has ipvlan.
            assert!(nlwire_tests::vm_kernel().is_none(), "no ipvlan: {e}");
        }
    }
}

/// Addresses: written by `ip`, read by nlwire; written by nlwire, read by
/// `ip -j`; both families; flushed.
fn addresses_both_ways(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&[
        "addr",
        "add",
        "192.0.2.10/24",
        "brd",
        "192.0.2.255",
        "label",
        "d0:web",
        "dev",
        "d0",
    ]);
    ns.ip(&["addr", "add", "2001:db8::10/64", "nodad", "dev", "d0"]);
    ns.ip(&[
        "addr",
        "add",
        "198.51.100.1",
        "peer",
        "198.51.100.2",
        "dev",
        "d0",
    ]);
    let d0 = index_of(c, "d0");
    let ours: Vec<_> = c
        .addresses()
        .unwrap()
        .into_iter()
        .filter(|a| a.index == d0)
        .collect();
    let v4 = ours
        .iter()
        .find(|a| a.addr == Some(ip("192.0.2.10")))
        .unwrap();
    assert_eq!(v4.prefix_len, 24);
    assert_eq!(v4.broadcast, Some(ip("192.0.2.255")));
    assert_eq!(v4.label.as_deref(), Some("d0:web"));
    let v6 = ours
        .iter()
        .find(|a| a.addr == Some(ip("2001:db8::10")))
        .unwrap();
    assert_eq!(v6.prefix_len, 64);
    assert_ne!(v6.flags & IFA_F_NODAD, 0);
    let p2p = ours
        .iter()
        .find(|a| a.addr == Some(ip("198.51.100.1")))
        .unwrap();
    assert_eq!(p2p.peer, Some(ip("198.51.100.2")));
    // Every address ip lists, we list.
    let theirs = ip_addrs(ns, "d0");
    assert_eq!(theirs.len(), ours.len(), "{theirs:?} vs {ours:?}");

    c.request(
        &AddressRequest::add(d0, ip("203.0.113.5"), 25)
            .unwrap()
            .lifetimes(3600, 1800)
            .unwrap()
            .flags(IFA_F_NOPREFIXROUTE),
    )
    .unwrap();
    c.request(
        &AddressRequest::add(d0, ip("2001:db8:1::5"), 48)
            .unwrap()
            .flags(IFA_F_NODAD),
    )
    .unwrap();
    let theirs = ip_addrs(ns, "d0");
    let a = theirs
        .iter()
        .find(|a| a["local"] == "203.0.113.5")
        .expect("ip sees our address");
    assert_eq!(a["prefixlen"], 25);
    assert_eq!(a["valid_life_time"], 3600);
    assert_eq!(a["preferred_life_time"], 1800);
    assert_eq!(a["noprefixroute"], true);
    assert!(has_addr(&theirs, "2001:db8:1::5", 48), "{theirs:?}");
    // noprefixroute: no 203.0.113.0/25 route appeared.
    assert!(
        ns.ip_json(&["route", "show", "203.0.113.0/25"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Replace updates in place; delete removes.
    c.request(
        &AddressRequest::replace(d0, ip("203.0.113.5"), 25)
            .unwrap()
            .lifetimes(7200, 7200)
            .unwrap(),
    )
    .unwrap();
    let a = ip_addrs(ns, "d0")
        .into_iter()
        .find(|a| a["local"] == "203.0.113.5")
        .unwrap();
    assert_eq!(a["valid_life_time"], 7200);
    c.request(&AddressRequest::delete(d0, ip("203.0.113.5"), 25).unwrap())
        .unwrap();
    assert!(!has_addr(&ip_addrs(ns, "d0"), "203.0.113.5", 25));

    // Flush IPv6 only, then everything.
    let n6 = c
        .exec_count(&mut ops::flush_addresses(d0, Some(ops::IpVersion::V6)).unwrap())
        .unwrap();
    assert!(n6 >= 2, "{n6}"); // the two global ones (link-local needs the link up)
    assert!(
        ip_addrs(ns, "d0").iter().all(|a| a["family"] == "inet"),
        "{:?}",
        ip_addrs(ns, "d0")
    );
    c.exec_count(&mut ops::flush_addresses(d0, None).unwrap())
        .unwrap();
    assert!(ip_addrs(ns, "d0").is_empty());
}

/// Routes written by nlwire with every option, read back by `ip -j` and by
/// nlwire; the kernel's lookup; delete.
fn routes_written_and_looked_up(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&["link", "add", "r0", "type", "veth", "peer", "name", "r1"]);
    ns.ip(&["link", "add", "s0", "type", "veth", "peer", "name", "s1"]);
    for d in ["r0", "r1", "s0", "s1"] {
        ns.ip(&["link", "set", d, "up"]);
    }
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "r0"]);
    ns.ip(&["addr", "add", "198.51.100.1/24", "dev", "s0"]);
    ns.ip(&["addr", "add", "2001:db8::1/64", "nodad", "dev", "r0"]);
    let r0 = index_of(c, "r0");
    let s0 = index_of(c, "s0");

    c.request(
        &RouteRequest::add(ip("203.0.113.0"), 26)
            .unwrap()
            .gateway(ip("192.0.2.254"))
            .unwrap()
            .metric(50)
            .table(100_000)
            .protocol(RTPROT_STATIC)
            .mtu(1400)
            .advmss(1360),
    )
    .unwrap();
    let j = ns.ip_json(&["route", "show", "table", "100000"]);
    assert_eq!(j[0]["dst"], "203.0.113.0/26", "{j}");
    assert_eq!(j[0]["gateway"], "192.0.2.254", "{j}");
    assert_eq!(j[0]["dev"], "r0", "{j}");
    assert_eq!(j[0]["metric"], 50, "{j}");
    assert_eq!(j[0]["protocol"], "static", "{j}");
    assert_eq!(j[0]["metrics"][0]["mtu"], 1400, "{j}");
    assert_eq!(j[0]["metrics"][0]["advmss"], 1360, "{j}");

    let hops = [
        NextHop::via(ip("192.0.2.2")).dev(r0).weight(1),
        NextHop::via(ip("198.51.100.2")).dev(s0).weight(3),
    ];
    c.request(
        &RouteRequest::add(ip("203.0.113.64"), 26)
            .unwrap()
            .multipath(&hops)
            .unwrap(),
    )
    .unwrap();
    let j = ns.ip_json(&["route", "show", "203.0.113.64/26"]);
    let nh = j[0]["nexthops"].as_array().expect("multipath");
    assert_eq!(nh.len(), 2, "{j}");
    assert_eq!(nh[0]["gateway"], "192.0.2.2");
    assert_eq!(nh[1]["gateway"], "198.51.100.2");
    assert_eq!(nh[1]["weight"], 3, "{j}");

    for (kind, name, dst) in [
        (RTN_BLACKHOLE, "blackhole", "203.0.113.128"),
        (RTN_UNREACHABLE, "unreachable", "203.0.113.160"),
        (RTN_PROHIBIT, "prohibit", "203.0.113.192"),
    ] {
        c.request(&RouteRequest::add(ip(dst), 27).unwrap().kind(kind))
            .unwrap();
        let j = ns.ip_json(&["route", "show", &format!("{dst}/27")]);
        assert_eq!(j[0]["type"], name, "{j}");
    }
    // IPv6 with gateway and onlink, append, then replace.
    c.request(
        &RouteRequest::add(ip("2001:db8:2::"), 48)
            .unwrap()
            .gateway(ip("2001:db8::99"))
            .unwrap()
            .oif(r0)
            .unwrap()
            .onlink(),
    )
    .unwrap();
    c.request(
        &RouteRequest::append(ip("2001:db8:2::"), 48)
            .unwrap()
            .gateway(ip("2001:db8::98"))
            .unwrap()
            .oif(r0)
            .unwrap(),
    )
    .unwrap();
    let j = ns.ip_json(&["-6", "route", "show", "2001:db8:2::/48"]);
    let text = j.to_string();
    assert!(
        text.contains("2001:db8::99") && text.contains("2001:db8::98"),
        "{j}"
    );
    assert!(text.contains("onlink"), "{j}");
    // Adding it again is EEXIST.
    let e = c
        .request(
            &RouteRequest::add(ip("2001:db8:2::"), 48)
                .unwrap()
                .gateway(ip("2001:db8::99"))
                .unwrap()
                .oif(r0)
                .unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
    // Host bits past the prefix: the kernel's extended ack explains.
    let e = c
        .request(
            &RouteRequest::add(ip("192.0.2.77"), 24)
                .unwrap()
                .oif(r0)
                .unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "{e}");
    assert!(e.ext_ack_message().is_some(), "{e}");

    // Lookups.
    // 203.0.113.0/26 is only in table 100000, which no rule consults.
    let e = c
        .get_route(&RouteLookup::to(ip("203.0.113.7")))
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENETUNREACH), "{e}");
    let r = c.get_route(&RouteLookup::to(ip("203.0.113.70"))).unwrap();
    assert!(
        [Some(ip("192.0.2.2")), Some(ip("198.51.100.2"))].contains(&r.gateway),
        "{r:?}"
    );
    let r = c.get_route(&RouteLookup::to(ip("198.51.100.77"))).unwrap();
    assert_eq!(r.oif, Some(s0));
    assert_eq!(r.prefsrc, Some(ip("198.51.100.1")));
    let e = c
        .get_route(&RouteLookup::to(ip("203.0.113.129")))
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "blackhole lookup: {e}");

    // nlwire reads back what it wrote.
    let ours = c
        .routes(nlwire::route::GetRoutes::ipv4().table(100_000))
        .unwrap();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].priority, Some(50));
    // Delete.
    c.request(
        &RouteRequest::delete(ip("203.0.113.0"), 26)
            .unwrap()
            .table(100_000),
    )
    .unwrap();
    assert!(
        ns.ip_json(&["route", "show", "table", "100000"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// A batch of 3,000 routes with two duplicates: exactly those fail (with
/// errno and text), everything else is installed. With stop-on-error, the
/// run stops after the failing datagram.
fn batch_reports_each_request(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&["link", "add", "b0", "type", "veth", "peer", "name", "b1"]);
    ns.ip(&["link", "set", "b0", "up"]);
    let b0 = index_of(c, "b0");
    let route = |i: u32| {
        let a = std::net::Ipv6Addr::new(0x2001, 0xdb8, 0xb, i as u16, 0, 0, 0, 0);
        RouteRequest::add(IpAddr::V6(a), 64)
            .unwrap()
            .oif(b0)
            .unwrap()
            .table(200)
    };
    let mut b = Batch::new();
    for i in 0..3000 {
        b.push(&route(i)).unwrap();
        if i == 100 || i == 2000 {
            b.push(&route(i)).unwrap(); // duplicate: EEXIST
        }
    }
    assert_eq!(b.len(), 3002);
    let out = c.batch(&b).unwrap();
    let failed: Vec<usize> = out.failures().iter().map(|(i, _)| *i).collect();
    assert_eq!(failed, [101, 2002], "{:?}", out.failures());
    for (i, e) in out.failures() {
        assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
        // Named by its index in the whole batch and by what it asked.
        let dup = if *i == 101 { 100 } else { 2000 };
        let a = std::net::Ipv6Addr::new(0x2001, 0xdb8, 0xb, dup, 0, 0, 0, 0);
        let want = format!("batch request {i} (add route {a}/64 table 200): EEXIST");
        assert!(e.to_string().starts_with(&want), "{e}");
    }
    assert_eq!(out.succeeded(), 3000);
    assert!(matches!(out.result(0), BatchResult::Ok));
    assert!(matches!(out.result(101), BatchResult::Failed(_)));
    let n = c
        .count_views(&nlwire::route::GetRoutes::ipv6().table(200))
        .unwrap();
    assert_eq!(n, 3000);
    let ipn = ns
        .ip(&["-6", "route", "show", "table", "200"])
        .lines()
        .count();
    assert_eq!(ipn, 3000);
    // The connection is still fine for ordinary requests.
    assert!(c.links().unwrap().len() >= 3);

    let mut b = Batch::new().options(
        BatchOptions::default()
            .stop_on_error(true)
            .max_per_datagram(10),
    );
    for i in 0..50 {
        // 0..20 exist already in table 200: request 0 fails.
        b.push(&route(i + 3000 - 45)).unwrap();
    }
    let out = c.batch(&b).unwrap();
    // 2955..2999 exist; 3000.. are new. The first datagram (10 requests)
    // all fail, and the run stops there.
    assert_eq!(out.failures().len(), 10, "{:?}", out.failures());
    assert_eq!(out.not_sent(), std::slice::from_ref(&(10..50)));
    assert!(matches!(out.result(10), BatchResult::NotSent));
    assert_eq!(c.stats().unmatched, 0, "{:?}", c.stats());
}

/// A parallel batch (blocking runtimes: `batch_parallel` over three
/// connections of one namespace) reports what one connection would: the
/// duplicates fail under their index in the whole batch, everything else
/// is installed once. With stop-on-error, what each request's result says
/// is what the kernel holds.
#[test]
fn parallel_batch_reports_each_request() {
    if !nlwire_tests::privileged_or_skip("parallel_batch_reports_each_request") {
        return;
    }
    let ns = TestNs::create();
    ns.ip(&["link", "add", "p0", "type", "veth", "peer", "name", "p1"]);
    ns.ip(&["link", "set", "p0", "up"]);
    let open = || nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let (mut c, mut others) = (open(), [open(), open()]);
    let p0 = c
        .get(nlwire::route::GetLink::by_name("p0").unwrap())
        .unwrap()
        .index;
    let prefix = |i: u32| std::net::Ipv6Addr::new(0x2001, 0xdb8, 0xc, i as u16, 0, 0, 0, 0);
    let route = |i: u32| {
        RouteRequest::add(IpAddr::V6(prefix(i)), 64)
            .unwrap()
            .oif(p0)
            .unwrap()
            .table(201)
    };
    let mut b = Batch::new();
    for i in 0..3000 {
        b.push(&route(i)).unwrap();
        if i == 100 || i == 2900 {
            b.push(&route(i)).unwrap(); // duplicate: EEXIST
        }
    }
    assert_eq!(b.lanes(3).count(), 3, "3,002 requests are 12 datagrams");
    let out = c.batch_parallel(&mut others, &b).unwrap();
    let failed: Vec<usize> = out.failures().iter().map(|(i, _)| *i).collect();
    // The duplicate is the one that comes second in its lane (each pair
    // is in one lane), so the indices are those of one connection's run.
    assert_eq!(failed, [101, 2902], "{:?}", out.failures());
    for (i, e) in out.failures() {
        assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
        let dup = if *i == 101 { 100 } else { 2900 };
        let want = format!(
            "batch request {i} (add route {}/64 table 201): EEXIST",
            prefix(dup)
        );
        assert!(e.to_string().starts_with(&want), "{e}");
    }
    assert_eq!(out.succeeded(), 3000);
    assert!(out.not_sent().is_empty());
    let count = |c: &mut nlwire_mio::Connection| {
        let mut n = 0;
        c.dump_with(nlwire::route::GetRoutes::ipv6().table(201), |_| n += 1)
            .unwrap();
        n
    };
    assert_eq!(count(&mut c), 3000);
    assert_eq!(
        ns.ip(&["-6", "route", "show", "table", "201"])
            .lines()
            .count(),
        3000
    );

    // Stop on error: 2,000 more, one per datagram over three lanes, the
    // first of which fails at once (it exists). Whatever each lane managed
    // before it saw the flag, every result must match the kernel.
    let mut b = Batch::new().options(
        BatchOptions::default()
            .stop_on_error(true)
            .max_per_datagram(1),
    );
    for i in 0..2000 {
        b.push(&route(if i == 0 { 5 } else { 3000 + i })).unwrap();
    }
    let out = c.batch_parallel(&mut others, &b).unwrap();
    assert!(matches!(out.result(0), BatchResult::Failed(e) if e.errno() == Some(Errno::EEXIST)));
    assert!(
        !out.not_sent().is_empty(),
        "the first lane stops after its failure"
    );
    let held: std::collections::BTreeSet<std::net::Ipv6Addr> = {
        let mut held = std::collections::BTreeSet::new();
        c.dump_with(nlwire::route::GetRoutes::ipv6().table(201), |r| {
            if let Some(IpAddr::V6(a)) = r.dst {
                held.insert(a);
            }
        })
        .unwrap();
        held
    };
    let mut ok = 0;
    for i in 1..2000 {
        let there = held.contains(&prefix(3000 + i as u32));
        match out.result(i) {
            BatchResult::Ok => {
                ok += 1;
                assert!(there, "request {i} reported done, not in the kernel");
            }
            BatchResult::NotSent => assert!(!there, "request {i} reported not sent, in the kernel"),
            BatchResult::Failed(e) => panic!("request {i}: {e}"),
        }
    }
    assert_eq!(held.len(), 3000 + ok);
    for r in out.not_sent() {
        let lane = b.lanes(3).find(|l| l.contains(&r.start)).unwrap();
        assert_eq!(
            r.end, lane.end,
            "not sent is the rest of a lane: {r:?} in {lane:?}"
        );
    }
    assert_eq!(c.stats().unmatched, 0, "{:?}", c.stats());
}

/// Neighbours and proxy entries: written by nlwire, read by `ip -j`;
/// written by `ip`, read by nlwire; both families.
fn neighbours_both_ways(c: &mut dyn Client, ns: &TestNs) {
    use nlwire::route::neigh::{NUD_PERMANENT, NUD_REACHABLE, NUD_STALE};
    use nlwire::route::{GetNeighbours, NeighbourRequest};
    ns.ip(&["link", "add", "n0", "type", "veth", "peer", "name", "n1"]);
    // Both ends up, and carrier seen, before adding entries: a carrier-down
    // event still queued in the kernel's link watcher flushes every
    // non-permanent neighbour of n0 when it runs (seen on slow kernels).
    ns.ip(&["link", "set", "n0", "up"]);
    ns.ip(&["link", "set", "n1", "up"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !ns.ip(&["link", "show", "dev", "n0"]).contains("LOWER_UP") {
        assert!(std::time::Instant::now() < deadline, "n0 never got carrier");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let n0 = index_of(c, "n0");
    let mac = [0x02, 0, 0, 0, 0, 0x11];
    c.request(
        &NeighbourRequest::add(n0, ip("192.0.2.11"))
            .unwrap()
            .lladdr(&mac)
            .unwrap(),
    )
    .unwrap();
    c.request(
        &NeighbourRequest::replace(n0, ip("2001:db8::11"))
            .unwrap()
            .lladdr(&mac)
            .unwrap()
            .state(NUD_STALE),
    )
    .unwrap();
    c.request(&NeighbourRequest::add(n0, ip("192.0.2.99")).unwrap().proxy())
        .unwrap();
    let j = ns.ip_json(&["neigh", "show", "dev", "n0"]);
    let e4 = j
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["dst"] == "192.0.2.11")
        .expect("ip sees the IPv4 entry");
    assert_eq!(e4["lladdr"], "02:00:00:00:00:11", "{j}");
    assert_eq!(e4["state"][0], "PERMANENT", "{j}");
    let e6 = j
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["dst"] == "2001:db8::11")
        .expect("ip sees the IPv6 entry");
    assert_eq!(e6["state"][0], "STALE", "{j}");
    let p = ns.ip_json(&["neigh", "show", "proxy"]);
    assert_eq!(p[0]["dst"], "192.0.2.99", "{p}");

    ns.ip(&[
        "neigh",
        "add",
        "192.0.2.12",
        "lladdr",
        "02:00:00:00:00:12",
        "nud",
        "reachable",
        "dev",
        "n0",
    ]);
    let ours = c.neighbours(GetNeighbours::new().link(n0)).unwrap();
    let e = ours
        .iter()
        .find(|e| e.dst == Some(ip("192.0.2.12")))
        .expect("nlwire sees ip's entry");
    assert_eq!(e.lladdr.unwrap().as_bytes(), [2, 0, 0, 0, 0, 0x12]);
    assert_ne!(
        e.state & (NUD_REACHABLE | NUD_STALE | 0x08 | 0x10),
        0,
        "{e:?}"
    );
    assert!(
        ours.iter()
            .any(|e| e.dst == Some(ip("192.0.2.11")) && e.state == NUD_PERMANENT)
    );
    assert!(!ours.iter().any(|e| e.is_proxy()));
    let proxies = c.neighbours(GetNeighbours::new().proxies()).unwrap();
    assert_eq!(proxies.len(), 1, "{proxies:?}");
    assert_eq!(proxies[0].dst, Some(ip("192.0.2.99")));

    c.request(&NeighbourRequest::delete(n0, ip("192.0.2.11")).unwrap())
        .unwrap();
    let e = c
        .request(&NeighbourRequest::delete(n0, ip("192.0.2.11")).unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT), "{e}");
    assert!(
        !ns.ip(&["neigh", "show", "dev", "n0"])
            .contains("192.0.2.11 ")
    );
}

/// Rules: written by nlwire, read by `ip -j`; written by `ip`, read by
/// nlwire.
fn rules_both_ways(c: &mut dyn Client, ns: &TestNs) {
    use nlwire::route::RuleRequest;
    use nlwire::route::rule::FR_ACT_BLACKHOLE;
    c.request(
        &RuleRequest::add(false)
            .table(100)
            .priority(1000)
            .from(ip("192.0.2.0"), 24)
            .unwrap()
            .fwmark(7, Some(0xff))
            .iif("lo")
            .unwrap(),
    )
    .unwrap();
    c.request(
        &RuleRequest::add(true)
            .table(70_000)
            .priority(1001)
            .to(ip("2001:db8::"), 32)
            .unwrap(),
    )
    .unwrap();
    c.request(
        &RuleRequest::add(false)
            .priority(1002)
            .action(FR_ACT_BLACKHOLE),
    )
    .unwrap();
    let j = ns.ip_json(&["rule", "show"]);
    let r = j
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["priority"] == 1000)
        .expect("ip sees the rule");
    assert_eq!(r["src"], "192.0.2.0", "{r}");
    assert_eq!(r["srclen"], 24, "{r}");
    assert_eq!(r["fwmark"], "0x7", "{r}");
    assert_eq!(r["fwmask"], "0xff", "{r}");
    assert_eq!(r["iif"], "lo", "{r}");
    assert_eq!(r["table"], "100", "{r}");
    let j6 = ns.ip_json(&["-6", "rule", "show"]);
    let r6 = j6
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["priority"] == 1001)
        .expect("ip sees the IPv6 rule");
    assert_eq!(r6["table"], "70000", "{r6}");
    assert_eq!(r6["dst"], "2001:db8::", "{r6}");
    let rb = j
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["priority"] == 1002)
        .unwrap();
    assert_eq!(rb["action"], "blackhole", "{rb}");

    ns.ip(&[
        "rule",
        "add",
        "from",
        "198.51.100.0/24",
        "table",
        "200",
        "priority",
        "2000",
    ]);
    let ours = c.rules().unwrap();
    let r = ours
        .iter()
        .find(|r| r.priority == Some(2000))
        .expect("nlwire sees ip's rule");
    assert_eq!(r.src, Some((ip("198.51.100.0"), 24)));
    assert_eq!(r.table, 200);
    // Same count as ip, both families (an unfiltered dump also holds the
    // multicast-routing families' rules, which ip lists separately).
    let ipn = j.as_array().unwrap().len() + 1 + j6.as_array().unwrap().len();
    let v46 = ours
        .iter()
        .filter(|r| r.family == 2 || r.family == 10)
        .count();
    assert_eq!(v46, ipn);

    c.request(&RuleRequest::delete(false).priority(1000))
        .unwrap();
    assert!(
        !ns.ip_json(&["rule", "show"])
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["priority"] == 1000)
    );
}

/// `sysctl` inside the test namespace, leaving the host's value alone.
fn sysctl_in_namespace(_c: &mut dyn Client, ns: &TestNs) {
    use nlwire_sys::sysctl;
    let key = "net.ipv4.conf.all.forwarding";
    let host = sysctl::get(key).unwrap();
    let want = if host == "1" { "0" } else { "1" };
    sysctl::set_in_netns(ns.path(), key, want).unwrap();
    assert_eq!(sysctl::get_in_netns(ns.path(), key).unwrap(), want);
    assert_eq!(sysctl::get(key).unwrap(), host, "host value changed");
    // Cross-check through `ip netns exec`.
    let out = nlwire_tests::run(
        "ip",
        &[
            "netns",
            "exec",
            ns.name(),
            "cat",
            "/proc/sys/net/ipv4/conf/all/forwarding",
        ],
    );
    assert_eq!(out.trim(), want);
    let e = sysctl::set_in_netns(ns.path(), "net.ipv4.no_such", "1").unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT), "{e}");
}

/// What `ip -j` shows of a namespace's links, addresses and routes,
/// without what differs between two namespaces built the same way
/// (lifetimes, statistics, carrier).
fn state(ns: &TestNs) -> Value {
    let keep = |v: Value, keys: &[&str]| -> Value {
        Value::Array(
            v.as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let o = o.as_object().unwrap();
                    Value::Object(
                        keys.iter()
                            .filter_map(|k| o.get(*k).map(|v| (k.to_string(), v.clone())))
                            .collect(),
                    )
                })
                .collect(),
        )
    };
    let addrs: Vec<Value> = ns
        .ip_json(&["address", "show"])
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let info = l["addr_info"].clone();
            serde_json::json!({
                "ifname": l["ifname"],
                "addr_info": keep(info, &["family", "local", "prefixlen", "scope", "broadcast"]),
            })
        })
        .collect();
    // The kernel moves carrier and operational state on its own time (the
    // link watcher, a bridge's port states): what was asked are the
    // administrative flags.
    let mut links = keep(
        ns.ip_json(&["link", "show"]),
        &["ifindex", "ifname", "flags", "mtu", "master"],
    );
    for l in links.as_array_mut().unwrap() {
        if let Some(Value::Array(f)) = l.get_mut("flags") {
            f.retain(|x| {
                !["LOWER_UP", "NO-CARRIER", "M-DOWN", "DORMANT"].contains(&x.as_str().unwrap())
            });
        }
    }
    let mut routes = keep(
        ns.ip_json(&["route", "show", "table", "all"]),
        &[
            "type", "dst", "gateway", "dev", "table", "protocol", "scope", "prefsrc", "metric",
            "flags",
        ],
    );
    // `linkdown` follows the carrier, on the kernel's time too.
    for r in routes.as_array_mut().unwrap() {
        if let Some(Value::Array(f)) = r.get_mut("flags") {
            f.retain(|x| x != "linkdown");
        }
    }
    serde_json::json!({
        "links": links,
        "addresses": addrs,
        "routes": routes,
    })
}

/// The ops a container or VPN agent uses in a day, written by nlwire into
/// one namespace and by `ip` (the same commands) into a twin: after every
/// step both read the same in `ip -j`.
fn ops_write_what_ip_writes(c: &mut dyn Client, ns: &TestNs) {
    let twin = TestNs::create();
    for n in [ns, &twin] {
        n.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
        n.ip(&["link", "add", "br0", "type", "bridge"]);
        // No IPv6 link-local addresses: the kernel adds them, and their
        // routes, after duplicate address detection, at a time of its own
        // in each namespace (seen on Debian 6.1 under qemu).
        for d in ["v0", "v1", "br0"] {
            n.ip(&["link", "set", d, "addrgenmode", "none"]);
            n.ip(&["link", "set", d, "up"]);
        }
        n.ip(&["address", "add", "192.0.2.1/24", "dev", "v0"]);
        n.ip(&[
            "-6",
            "address",
            "add",
            "2001:db8::1/64",
            "dev",
            "v0",
            "nodad",
        ]);
    }
    let rt = c.runtime();
    let same = |step: &str| {
        let (ours, theirs) = (state(ns), state(&twin));
        assert_eq!(
            ours, theirs,
            "{rt}: nlwire (left) and ip (right) after {step}"
        );
    };
    same("setup");

    c.exec(&mut ops::set_mtu("v0", 1400).unwrap()).unwrap();
    twin.ip(&["link", "set", "v0", "mtu", "1400"]);
    same("set_mtu");

    c.exec(&mut ops::set_master("v1", "br0").unwrap()).unwrap();
    twin.ip(&["link", "set", "v1", "master", "br0"]);
    same("set_master");

    c.exec(&mut ops::set_nomaster("v1").unwrap()).unwrap();
    twin.ip(&["link", "set", "v1", "nomaster"]);
    same("set_nomaster");

    c.exec(&mut ops::set_link_down("br0").unwrap()).unwrap();
    twin.ip(&["link", "set", "br0", "down"]);
    same("set_link_down");

    let gw = ip("192.0.2.254");
    c.exec(&mut ops::add_route_via(ip("198.51.100.0"), 24, gw).unwrap())
        .unwrap();
    twin.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.254"]);
    same("add_route_via");

    c.exec(&mut ops::replace_route_via(ip("198.51.100.0"), 24, ip("192.0.2.253")).unwrap())
        .unwrap();
    twin.ip(&["route", "replace", "198.51.100.0/24", "via", "192.0.2.253"]);
    same("replace_route_via");

    c.exec(&mut ops::add_default_route_via(gw).unwrap())
        .unwrap();
    twin.ip(&["route", "add", "default", "via", "192.0.2.254"]);
    same("add_default_route_via");

    c.exec(&mut ops::add_default_route_via(ip("2001:db8::fe")).unwrap())
        .unwrap();
    twin.ip(&["-6", "route", "add", "default", "via", "2001:db8::fe"]);
    same("add_default_route_via (IPv6)");

    c.exec(&mut ops::add_route_dev("v0", ip("203.0.113.0"), 24, Some(ip("192.0.2.1"))).unwrap())
        .unwrap();
    twin.ip(&[
        "route",
        "add",
        "203.0.113.0/24",
        "dev",
        "v0",
        "src",
        "192.0.2.1",
    ]);
    same("add_route_dev");

    c.exec(&mut ops::replace_route_dev("v0", ip("2001:db8:5::"), 48, None).unwrap())
        .unwrap();
    twin.ip(&["-6", "route", "replace", "2001:db8:5::/48", "dev", "v0"]);
    same("replace_route_dev");

    c.exec(&mut ops::delete_route(ip("198.51.100.0"), 24).unwrap())
        .unwrap();
    twin.ip(&["route", "del", "198.51.100.0/24"]);
    same("delete_route");

    let n = c
        .exec_count(&mut ops::flush_routes("v0", Some(ops::IpVersion::V4)).unwrap())
        .unwrap();
    twin.ip(&["-4", "route", "flush", "dev", "v0"]);
    same("flush_routes");
    // 192.0.2.0/24 (the address's prefix route), default via, 203.0.113.0/24.
    assert_eq!(n, 3, "{rt}");

    c.exec(&mut ops::delete_address("v0", ip("2001:db8::1"), 64).unwrap())
        .unwrap();
    twin.ip(&["-6", "address", "del", "2001:db8::1/64", "dev", "v0"]);
    same("delete_address");
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        everyday_operations,
        move_and_rename_atomically,
        link_kinds_and_changes,
        addresses_both_ways,
        routes_written_and_looked_up,
        batch_reports_each_request,
        neighbours_both_ways,
        rules_both_ways,
        sysctl_in_namespace,
        ops_write_what_ip_writes,
    ],
}

// On the simulator: the scenarios whose objects it models. The others
// need what it does not model yet (see sim/DIFFERENCES.md, "The scenario
// suite on the simulator"): multipath routes and route lookups
// (routes_written_and_looked_up), macvlan and other link kinds
// (link_kinds_and_changes), a second namespace of the same kernel
// (move_and_rename_atomically), proxy entries (neighbours_both_ways),
// rule selectors beyond from/to/tos (rules_both_ways), sysctls
// (sysctl_in_namespace), and ops_write_what_ip_writes compares with a twin
// namespace of the kernel written by ip (and sets a link's IPv6 address
// generation mode, IFLA_AF_SPEC, which the simulator refuses).
nlwire_tests::on_sim! {
    client: [
        everyday_operations,
        addresses_both_ways,
        batch_reports_each_request
    ],
}
