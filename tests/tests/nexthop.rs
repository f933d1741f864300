//! Nexthop objects against the real kernel, on every runtime: the
//! connection adds, replaces, lists, filters, reads and deletes them, and
//! `ip -j nexthop` must see what it wrote; its own view of what `ip`
//! wrote must match too. The test names are `mio::…`, `poll::…`,
//! `tokio::…` and `async_io::…`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use nlwire::Errno;
use nlwire::route::events::{Change, Event, Group, Groups, Notice};
use nlwire::route::nh::{NEXTHOP_GRP_TYPE_RES, USER_HZ};
use nlwire::route::{
    GetNexthop, GetNexthops, GroupMember, Nexthop, NexthopRequest, ResGroup, RouteRequest,
};
use nlwire_tests::{Client, TestNs, per_runtime};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A namespace with `v0` (up, 192.0.2.1/24 and 2001:db8::1/64) and its
/// peer `v1`; returns `v0`'s index.
fn setup(ns: &TestNs) -> u32 {
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["link", "set", "v0", "up"]);
    ns.ip(&["link", "set", "v1", "up"]);
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "v0"]);
    ns.ip(&["addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"]);
    let j = ns.ip_json(&["link", "show", "v0"]);
    j[0]["ifindex"].as_u64().unwrap() as u32
}

/// What `ip -j nexthop show` says, by id.
fn ip_view(ns: &TestNs) -> BTreeMap<u64, serde_json::Value> {
    ns.ip_json(&["nexthop", "show"])
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_u64().unwrap(), n.clone()))
        .collect()
}

fn by_id(v: Vec<Nexthop>) -> BTreeMap<u32, Nexthop> {
    v.into_iter().map(|n| (n.id, n)).collect()
}

fn errno(e: &nlwire::Error) -> Option<Errno> {
    e.errno()
}

fn nexthops_written_and_read_as_ip_does(c: &mut dyn Client, ns: &TestNs) {
    let v0 = setup(ns);
    let w = [GroupMember::new(1), GroupMember::weighted(2, 3).unwrap()];
    let res = ResGroup {
        buckets: Some(8),
        idle_timer: Some(10 * USER_HZ),
        unbalanced_timer: Some(20 * USER_HZ),
        unbalanced_time: None,
    };
    for r in [
        NexthopRequest::add(1)
            .unwrap()
            .gateway(ip("192.0.2.2"))
            .device(v0),
        NexthopRequest::add(2).unwrap().device(v0),
        NexthopRequest::add(3).unwrap().blackhole(),
        NexthopRequest::add(4)
            .unwrap()
            .gateway(ip("2001:db8::2"))
            .device(v0)
            .protocol(4),
        NexthopRequest::add(5)
            .unwrap()
            .gateway(ip("198.51.100.1"))
            .device(v0)
            .onlink(),
        NexthopRequest::add(10).unwrap().group(&w).unwrap(),
        NexthopRequest::add(11)
            .unwrap()
            .resilient_group(&w, res)
            .unwrap(),
        NexthopRequest::add(20)
            .unwrap()
            .gateway(ip("192.0.2.9"))
            .fdb(),
    ] {
        c.request(&r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    }
    // ip reads what we wrote.
    let j = ip_view(ns);
    assert_eq!(
        j.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 10, 11, 20]
    );
    assert_eq!(j[&1]["gateway"], "192.0.2.2");
    assert_eq!(j[&1]["dev"], "v0");
    assert_eq!(j[&2]["dev"], "v0");
    assert!(j[&2].get("gateway").is_none());
    assert!(j[&3].get("blackhole").is_some(), "{}", j[&3]);
    assert_eq!(j[&4]["gateway"], "2001:db8::2");
    assert_eq!(j[&4]["protocol"], "static");
    assert!(
        j[&5]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "onlink"),
        "{}",
        j[&5]
    );
    let group = |n: &serde_json::Value| -> Vec<(u64, u64)> {
        n["group"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["id"].as_u64().unwrap(), m["weight"].as_u64().unwrap_or(1)))
            .collect()
    };
    assert_eq!(group(&j[&10]), [(1, 1), (2, 3)], "weights as given");
    assert_eq!(group(&j[&11]), [(1, 1), (2, 3)]);
    assert_eq!(j[&11]["type"], "resilient");
    assert_eq!(j[&11]["resilient_args"]["buckets"], 8);
    assert_eq!(j[&11]["resilient_args"]["idle_timer"], 10);
    assert_eq!(j[&11]["resilient_args"]["unbalanced_timer"], 20);
    assert!(j[&20].get("fdb").is_some(), "{}", j[&20]);

    // We read what is there.
    let ours = by_id(c.nexthops(GetNexthops::new()).unwrap());
    assert_eq!(
        ours.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 10, 11, 20]
    );
    assert_eq!(
        (ours[&1].gateway, ours[&1].oif),
        (Some(ip("192.0.2.2")), Some(v0))
    );
    assert!(ours[&3].blackhole);
    assert_eq!(ours[&4].protocol, 4);
    assert!(ours[&5].flags & nlwire::route::nh::RTNH_F_ONLINK != 0);
    assert_eq!(ours[&10].group, w);
    assert_eq!(ours[&11].group_type, Some(NEXTHOP_GRP_TYPE_RES));
    let r = ours[&11].res_group.unwrap();
    assert_eq!(
        (r.buckets, r.idle_timer, r.unbalanced_timer),
        (Some(8), Some(10 * USER_HZ), Some(20 * USER_HZ))
    );
    assert!(ours[&20].fdb);

    // The kernel's filters.
    let ids = |v: Vec<Nexthop>| v.into_iter().map(|n| n.id).collect::<Vec<_>>();
    assert_eq!(
        ids(c.nexthops(GetNexthops::new().groups()).unwrap()),
        [10, 11]
    );
    assert_eq!(ids(c.nexthops(GetNexthops::new().fdb()).unwrap()), [20]);
    assert_eq!(
        ids(c.nexthops(GetNexthops::new().device(v0)).unwrap()),
        [1, 2, 4, 5]
    );
    // One by id.
    let g = c.get_nexthop(&GetNexthop::new(10).unwrap()).unwrap();
    assert_eq!(g, ours[&10]);
    let e = c.get_nexthop(&GetNexthop::new(99).unwrap()).unwrap_err();
    assert_eq!(errno(&e), Some(Errno::ENOENT), "{e}");

    // A route through the group; ip shows it.
    c.request(&RouteRequest::add(ip("203.0.113.0"), 24).unwrap().nhid(10))
        .unwrap();
    let r = ns.ip_json(&["route", "show", "203.0.113.0/24"]);
    assert_eq!(r[0]["nhid"], 10, "{r}");

    // Replace changes it; add of an existing id fails and changes nothing.
    c.request(
        &NexthopRequest::replace(1)
            .unwrap()
            .gateway(ip("192.0.2.3"))
            .device(v0),
    )
    .unwrap();
    assert_eq!(ip_view(ns)[&1]["gateway"], "192.0.2.3");
    let e = c
        .request(
            &NexthopRequest::add(1)
                .unwrap()
                .gateway(ip("192.0.2.4"))
                .device(v0),
        )
        .unwrap_err();
    assert_eq!(errno(&e), Some(Errno::EEXIST), "{e}");
    assert_eq!(ip_view(ns)[&1]["gateway"], "192.0.2.3");

    // Delete: a member leaves its groups; a missing id is ENOENT.
    c.request(&NexthopRequest::delete(2).unwrap()).unwrap();
    let j = ip_view(ns);
    assert!(!j.contains_key(&2));
    assert_eq!(group(&j[&10]), [(1, 1)]);
    let e = c.request(&NexthopRequest::delete(2).unwrap()).unwrap_err();
    assert_eq!(errno(&e), Some(Errno::ENOENT), "{e}");
}

/// What `ip` wrote, we read, and the notifications of our own changes
/// come as typed nexthop events.
fn nexthop_events_and_ips_writes(c: &mut dyn Client, ns: &TestNs) {
    let v0 = setup(ns);
    c.subscribe(Groups::from(Group::Nexthop)).unwrap();
    ns.ip(&["nexthop", "add", "id", "7", "via", "192.0.2.7", "dev", "v0"]);
    ns.ip(&["nexthop", "add", "id", "8", "group", "7,5"]);
    let ours = by_id(c.nexthops(GetNexthops::new()).unwrap());
    assert_eq!(ours[&7].gateway, Some(ip("192.0.2.7")));
    assert_eq!(ours[&7].oif, Some(v0));
    assert_eq!(ours[&8].group, [GroupMember::weighted(7, 5).unwrap()]);
    c.request(&NexthopRequest::delete(8).unwrap()).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match c.next_event_within(Duration::from_secs(5)) {
            Ok(Some(Notice::Event(Event::Nexthop(ch, n)))) => seen.push((ch, n.id)),
            Ok(Some(Notice::Event(_))) => {}
            other => panic!("after {seen:?}: {other:?}"),
        }
    }
    assert_eq!(seen, [(Change::New, 7), (Change::New, 8), (Change::Del, 8)]);
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        nexthops_written_and_read_as_ip_does,
        nexthop_events_and_ips_writes,
    ],
}
