//! Golden frames recorded from a real kernel (6.x) by
//! `cargo run -p nlwire-tests --example capture_frames`: a namespace with
//! veth0/veth1, br0 (veth1 enslaved), 192.0.2.2/24 on veth0, a default route
//! via 192.0.2.1, 198.51.100.0/24 in table 1000 with metric 5, and 1500
//! IPv6 /48 routes; and nexthop objects (see `nexthop_dump`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use nlwire::FromMessage;
use nlwire::route::{Link, Route};
use nlwire::wire::{DoneMessage, ErrorMessage, Message, Messages, NLMSG_DONE, NLMSG_ERROR};

fn frames(prefix: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/frames");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(prefix) && n[prefix.len()..].starts_with('-')
        })
        .collect();
    files.sort_by_key(|p| {
        let n = p.file_stem().unwrap().to_str().unwrap();
        n.rsplit('-').next().unwrap().parse::<u32>().unwrap()
    });
    assert!(!files.is_empty(), "no frames for {prefix}");
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Objects of a dump, checking it ends with a successful NLMSG_DONE.
fn objects<T: FromMessage>(prefix: &str) -> Vec<T> {
    let mut out = Vec::new();
    let mut done = false;
    for d in frames(prefix) {
        for m in Messages::new(&d) {
            let m: Message<'_> = m.unwrap();
            assert!(!done, "{prefix}: message after DONE");
            if m.kind() == NLMSG_DONE {
                assert_eq!(DoneMessage::parse(&m).unwrap().errno, 0);
                done = true;
            } else {
                out.push(T::from_message(&m).unwrap());
            }
        }
    }
    assert!(done, "{prefix}: no NLMSG_DONE");
    out
}

#[test]
fn link_dump() {
    let links: Vec<Link> = objects("links");
    let by_name: BTreeMap<&str, &Link> = links.iter().map(|l| (l.name.as_str(), l)).collect();
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        ["br0", "lo", "veth0", "veth1"]
    );
    assert_eq!(by_name["lo"].index, 1);
    assert_eq!(by_name["veth1"].master, Some(by_name["br0"].index));
    assert_eq!(by_name["veth0"].kind.as_deref(), Some("veth"));
    assert_eq!(by_name["br0"].kind.as_deref(), Some("bridge"));
    assert!(by_name["veth0"].is_up());
    // The kernel sends dozens of attributes nlwire does not model; none is
    // dropped.
    assert!(
        by_name["veth0"].other.len() > 20,
        "{:?}",
        by_name["veth0"].other
    );
}

#[test]
fn route_dumps() {
    let v4: Vec<Route> = objects("routes4");
    let default = v4
        .iter()
        .find(|r| r.dst.is_none() && r.table == 254)
        .expect("default route");
    assert_eq!(
        default.gateway,
        Some("192.0.2.1".parse::<IpAddr>().unwrap())
    );
    let t = v4.iter().find(|r| r.table == 1000).expect("table 1000");
    assert_eq!((t.dst_len, t.priority), (24, Some(5)));
    assert_eq!(t.dst, Some("198.51.100.0".parse::<IpAddr>().unwrap()));

    let v6: Vec<Route> = objects("routes6");
    let n = v6
        .iter()
        .filter(|r| {
            r.dst_len == 48 && matches!(r.dst, Some(IpAddr::V6(a)) if a.segments()[0] == 0x2001)
        })
        .count();
    assert_eq!(n, 1500);
    assert!(
        frames("routes6").len() > 2,
        "a dump spanning many datagrams"
    );
}

#[test]
fn error_frames() {
    let d = &frames("dellink-enodev")[0];
    let m = Messages::new(d).next().unwrap().unwrap();
    assert_eq!(m.kind(), NLMSG_ERROR);
    let e = ErrorMessage::parse(&m).unwrap();
    assert_eq!(e.errno, 19);
    assert_eq!(e.request.seq, 4);

    let d = &frames("newlink-extack")[0];
    let m = Messages::new(d).next().unwrap().unwrap();
    let e = ErrorMessage::parse(&m).unwrap();
    assert_eq!(e.errno, 34, "ERANGE");
    assert!(e.ext_ack.message.unwrap().contains("policy"));
    // The offending IFLA_MTU sits after nlmsghdr (16), ifinfomsg (16) and
    // IFLA_IFNAME "bad0" (12).
    assert_eq!(e.ext_ack.offset, Some(44));
    assert!(e.ext_ack.policy.is_some());
}

/// Nexthop objects of every shape: `ip nexthop add` of a gateway hop, a
/// device hop, a blackhole, an onlink IPv6 hop, an FDB hop, a weighted
/// group, a resilient group and an FDB group.
#[test]
fn nexthop_dump() {
    use nlwire::route::Nexthop;
    use nlwire::route::nh::{NEXTHOP_GRP_TYPE_RES, RTNH_F_ONLINK, USER_HZ};
    use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, GroupMember};
    let all: Vec<Nexthop> = objects("nexthops");
    let by_id: BTreeMap<u32, &Nexthop> = all.iter().map(|n| (n.id, n)).collect();
    assert_eq!(
        by_id.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 10, 11, 12]
    );
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    assert_eq!(
        (by_id[&1].family, by_id[&1].gateway),
        (AF_INET, ip("192.0.2.1"))
    );
    assert!(by_id[&1].oif.is_some());
    assert_eq!((by_id[&2].gateway, by_id[&2].oif), (None, by_id[&1].oif));
    assert!(by_id[&3].blackhole);
    assert_eq!(
        (by_id[&4].family, by_id[&4].gateway),
        (AF_INET6, ip("2001:db8::1"))
    );
    assert!(by_id[&4].flags & RTNH_F_ONLINK != 0);
    assert!(by_id[&5].fdb && by_id[&5].oif.is_none());
    assert_eq!(by_id[&10].family, AF_UNSPEC);
    assert_eq!(
        by_id[&10].group,
        [GroupMember::new(1), GroupMember::weighted(2, 3).unwrap()]
    );
    assert_eq!(by_id[&11].group_type, Some(NEXTHOP_GRP_TYPE_RES));
    let r = by_id[&11].res_group.unwrap();
    assert_eq!((r.buckets, r.idle_timer), (Some(8), Some(10 * USER_HZ)));
    assert!(by_id[&12].fdb && by_id[&12].is_group());

    // `ip nexthop get id 11`: the object, then the acknowledgement.
    let d = frames("nexthop-get");
    let m = Messages::new(&d[0]).next().unwrap().unwrap();
    assert_eq!(Nexthop::from_message(&m).unwrap(), *by_id[&11]);
}
