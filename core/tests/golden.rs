//! Golden frames recorded from a real kernel (6.x) by
//! `cargo run -p nlwire-tests --example capture_frames`: a namespace with
//! veth0/veth1, br0 (veth1 enslaved), 192.0.2.2/24 on veth0, a default route
//! via 192.0.2.1, 198.51.100.0/24 in table 1000 with metric 5, and 1500
//! IPv6 /48 routes; nexthop objects (see `nexthop_dump`); and links of
//! the kinds with settings of their own (see `link_kind_settings_dump`).

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
            // PREFIX-N.bin, N a number ("fdb" is not "fdb-get-0.bin").
            let n = p.file_name().unwrap().to_str().unwrap();
            n.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.strip_suffix(".bin"))
                .is_some_and(|d| d.parse::<u32>().is_ok())
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

/// The bridge forwarding database: `bridge fdb add` of a static, a
/// dynamic, a sticky and an externally learned entry of veth1 in br0's
/// table, a permanent entry of veth0's own address list and a local
/// entry of br0, beside the kernel's own entries (see `capture_frames`).
#[test]
fn fdb_dump() {
    use nlwire::route::fdb::{NTF_EXT_LEARNED, NTF_SELF, NTF_STICKY};
    use nlwire::route::neigh::{NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE};
    use nlwire::route::{AF_BRIDGE, FdbEntry, FdbMessage, FdbState, GetFdbEntries};
    let all: Vec<FdbEntry> = objects("fdb");
    let mac = |last: u8| {
        let v: Vec<&FdbEntry> = all
            .iter()
            .filter(|e| {
                e.lladdr
                    .is_some_and(|l| l.as_bytes() == [2, 0, 0, 0, 0, last])
            })
            .collect();
        assert_eq!(v.len(), 1, "02:00:00:00:00:{last:02x}: {all:#?}");
        v[0]
    };
    // br0's own entry names br0 as its device and its master.
    let local = mac(5);
    let br0 = local.index;
    assert_eq!(local.master, Some(br0));
    assert_eq!(
        (local.fdb_state(), local.state, local.flags),
        (Some(FdbState::Permanent), NUD_PERMANENT, 0)
    );
    let veth1 = mac(1).index;
    assert_ne!(veth1, br0);
    for (last, state) in [
        (1, Some(FdbState::Static)),
        (2, Some(FdbState::Dynamic)),
        (3, Some(FdbState::Static)),
    ] {
        let e = mac(last);
        assert_eq!(
            (e.index, e.master, e.vlan),
            (veth1, Some(br0), None),
            "{e:?}"
        );
        assert_eq!(e.fdb_state(), state, "{e:?}");
        assert!(e.cacheinfo.is_some(), "the bridge reports ages");
    }
    assert_eq!(mac(1).state, NUD_NOARP);
    assert_eq!(mac(2).state, NUD_REACHABLE);
    assert_eq!(mac(1).flags & NTF_STICKY, 0);
    assert_eq!(mac(3).flags & NTF_STICKY, NTF_STICKY);
    let learned = mac(6);
    assert_eq!((learned.index, learned.master), (veth1, Some(br0)));
    assert_eq!(learned.flags & NTF_EXT_LEARNED, NTF_EXT_LEARNED);
    // veth0's own list: self, permanent, no master.
    let own = mac(4);
    assert!(own.index != veth1 && own.index != br0);
    assert_eq!(
        (own.flags, own.state, own.master),
        (NTF_SELF, NUD_PERMANENT, None)
    );
    // The kernel's own: the links' multicast addresses in their lists.
    assert!(all.iter().any(|e| {
        e.index == br0
            && e.flags == NTF_SELF
            && e.lladdr
                .is_some_and(|l| l.as_bytes() == [0x33, 0x33, 0, 0, 0, 1])
    }));

    // Every message is a bridge entry, and `bridge`'s filters pick what
    // they should.
    let d = frames("fdb");
    let views: Vec<FdbMessage<'_>> = d
        .iter()
        .flat_map(|d| Messages::new(d))
        .map(|m| m.unwrap())
        .filter(|m| m.kind() != NLMSG_DONE)
        .map(|m| FdbMessage::from_message(&m).unwrap())
        .collect();
    assert_eq!(views.len(), all.len());
    assert!(views.iter().all(|v| v.header.family == AF_BRIDGE));
    let count = |g: GetFdbEntries| views.iter().filter(|v| g.matches(v)).count();
    assert_eq!(count(GetFdbEntries::new()), all.len());
    assert_eq!(
        count(GetFdbEntries::new().port(veth1)),
        all.iter().filter(|e| e.index == veth1).count()
    );
    let dynamic = count(GetFdbEntries::new().dynamic());
    assert_eq!(
        dynamic,
        all.iter().filter(|e| e.state & NUD_PERMANENT == 0).count()
    );
    assert!(dynamic >= 4, "01, 02, 03 and 06 at least");
    assert_eq!(count(GetFdbEntries::new().vlan(7)), 0);

    // `bridge fdb get 02:00:00:00:00:01 br br0`: the entry (its ages a
    // moment later), then the acknowledgement.
    let d = frames("fdb-get");
    let m = Messages::new(&d[0]).next().unwrap().unwrap();
    let mut got = FdbEntry::from_message(&m).unwrap();
    let mut want = mac(1).clone();
    got.cacheinfo = None;
    want.cacheinfo = None;
    assert_eq!(got, want);
    let m = Messages::new(&d[1]).next().unwrap().unwrap();
    assert!(ErrorMessage::parse(&m).unwrap().is_ack());

    // A missing entry: ENOENT, with the kernel's reason.
    let d = &frames("fdb-get-enoent")[0];
    let m = Messages::new(d).next().unwrap().unwrap();
    let e = ErrorMessage::parse(&m).unwrap();
    assert_eq!(e.errno, 2, "ENOENT");
    assert_eq!(e.request.seq, 15);
    assert!(
        e.ext_ack.message.is_some_and(|m| m.contains("not found")),
        "{:?}",
        e.ext_ack
    );
}

/// Bridge VLANs, recorded on the Debian 6.12 VM kernel (the host may
/// have no VLAN filtering): br1 filters VLANs; `bridge vlan add` of
/// VLAN 10, VLAN 20 `pvid untagged` and 100-104 `untagged` on veth2, 100-102
/// on veth3, 30 `self` on br1; br0 (no filtering) and its port veth1 keep
/// the default VLAN 1. The same table dumped plain and compressed, and a
/// refused VLAN 0 (see `capture_frames`).
#[test]
fn bridge_vlan_dump() {
    use nlwire::route::brvlan::{
        BRIDGE_VLAN_INFO_PVID as P, BRIDGE_VLAN_INFO_RANGE_BEGIN as B,
        BRIDGE_VLAN_INFO_RANGE_END as E, BRIDGE_VLAN_INFO_UNTAGGED as U,
    };
    use nlwire::route::{AF_BRIDGE, BridgeVlanMessage, BridgeVlans, GetBridgeVlans, VlanInfo};
    // (name, master's name, [(flags, vid)]).
    type Port = (String, String, Vec<(u16, u16)>);
    let ports = |prefix: &str| -> Vec<Port> {
        let all: Vec<BridgeVlans> = objects(prefix);
        let name = |i: u32| all.iter().find(|p| p.index == i).unwrap().name.clone();
        all.iter()
            .map(|p| {
                (
                    name(p.index).unwrap(),
                    name(p.master.unwrap()).unwrap(),
                    p.vlans.iter().map(|v| (v.flags, v.vid)).collect(),
                )
            })
            .collect()
    };
    // Every bridge and bridge port, in index order; a bridge names itself
    // as its master; one PVID a port, VLAN 1 by default.
    let base = |veth3: Vec<(u16, u16)>, veth2: Vec<(u16, u16)>| -> Vec<Port> {
        [
            ("veth1", "br0", vec![(P | U, 1)]),
            ("br0", "br0", vec![(P | U, 1)]),
            ("br1", "br1", vec![(P | U, 1), (0, 30)]),
            ("veth3", "br1", veth3),
            ("veth2", "br1", veth2),
        ]
        .into_iter()
        .map(|(n, m, v)| (n.to_string(), m.to_string(), v))
        .collect()
    };
    let plain = base(
        vec![(P | U, 1), (0, 100), (0, 101), (0, 102)],
        vec![
            (U, 1),
            (0, 10),
            (P | U, 20),
            (U, 100),
            (U, 101),
            (U, 102),
            (U, 103),
            (U, 104),
        ],
    );
    assert_eq!(ports("brvlan"), plain);
    // Compressed: a run of VLANs of the same flags is a begin and an end.
    let compressed = base(
        vec![(P | U, 1), (B, 100), (E, 102)],
        vec![(U, 1), (0, 10), (P | U, 20), (B | U, 100), (E | U, 104)],
    );
    assert_eq!(ports("brvlan-compressed"), compressed);

    // The views: every message of the family, the filters pick one link.
    let d = frames("brvlan");
    let views: Vec<BridgeVlanMessage<'_>> = d
        .iter()
        .flat_map(|d| Messages::new(d))
        .map(|m| m.unwrap())
        .filter(|m| m.kind() != NLMSG_DONE)
        .map(|m| BridgeVlanMessage::from_message(&m).unwrap())
        .collect();
    assert_eq!(views.len(), 5);
    assert!(views.iter().all(|v| v.header.family == AF_BRIDGE));
    let veth2 = views.iter().find(|v| v.name == Some("veth2")).unwrap();
    let g = GetBridgeVlans::new().link(veth2.header.index);
    assert_eq!(views.iter().filter(|v| g.matches(v)).count(), 1);
    assert!(g.matches(veth2));
    let pvid: Vec<VlanInfo> = veth2
        .vlans()
        .map(Result::unwrap)
        .filter(|v| v.is_pvid())
        .collect();
    assert_eq!(
        pvid,
        [VlanInfo {
            flags: P | U,
            vid: 20
        }]
    );
    assert!(pvid[0].is_untagged());

    // VLAN 0 refused: EINVAL, with the bridge's reason.
    let d = &frames("brvlan-einval")[0];
    let m = Messages::new(d).next().unwrap().unwrap();
    let e = ErrorMessage::parse(&m).unwrap();
    assert_eq!((e.errno, e.request.seq), (22, 18), "EINVAL");
    assert_eq!(e.request.kind, nlwire::route::RTM_SETLINK);
    assert_eq!(e.ext_ack.message, Some("bridge: Vlan id is invalid"));
}

/// The buckets of resilient nexthop groups: group 11 of `nexthop_dump`
/// (1 and 2, 8 buckets) and group 13 of 2 and 6 (weight 3; 6 on veth1,
/// br0's port), 4 buckets; those of 6 alone (`master br0`), bucket 2 of
/// group 13 read alone, bucket 4 of it (past the last), and the buckets
/// of the plain group 10 (see `capture_frames`).
#[test]
fn nexthop_bucket_dump() {
    use nlwire::route::nh_bucket::RTM_GETNEXTHOPBUCKET;
    use nlwire::route::{AF_UNSPEC, NexthopBucket, NexthopBucketMessage};
    let all: Vec<NexthopBucket> = objects("nhbuckets");
    // (group, index, member), in the kernel's order: by group, by index.
    let held: Vec<(u32, u16, u32)> = all.iter().map(|b| (b.id, b.index, b.nhid)).collect();
    let mut want: Vec<(u32, u16, u32)> =
        (0..8).map(|i| (11, i, if i < 4 { 2 } else { 1 })).collect();
    want.extend((0..4).map(|i| (13, i, if i < 3 { 6 } else { 2 })));
    assert_eq!(held, want, "members share the buckets by weight");
    // Idle since they were filled, a tick or so: none was used.
    assert!(
        all.iter()
            .all(|b| b.idle_time.is_some_and(|t| t < 100) && b.flags == 0),
        "{all:#?}"
    );
    // The views: an nhmsg with nothing but the group's protocol (none,
    // from ip) and the flags, the group's id, one nest.
    let d = frames("nhbuckets");
    let views: Vec<NexthopBucketMessage<'_>> = d
        .iter()
        .flat_map(|d| Messages::new(d))
        .map(|m| m.unwrap())
        .filter(|m| m.kind() != NLMSG_DONE)
        .map(|m| NexthopBucketMessage::from_message(&m).unwrap())
        .collect();
    assert_eq!(views.len(), 12);
    for (v, b) in views.iter().zip(&all) {
        assert_eq!(
            (v.header.family, v.header.scope, v.header.protocol),
            (AF_UNSPEC, 0, 0)
        );
        assert_eq!(
            (v.id, v.index, v.nhid),
            (Some(b.id), Some(b.index), Some(b.nhid))
        );
        assert_eq!(v.idle_time, b.idle_time);
        let kinds: Vec<u16> = v.raw_attrs().map(|a| a.unwrap().kind()).collect();
        assert_eq!(kinds, [1, 13], "NHA_ID, NHA_RES_BUCKET");
    }
    let timeless = |b: &NexthopBucket| (b.id, b.index, b.nhid, b.flags);

    // `ip nexthop bucket show master br0`: the kernel's filter keeps the
    // buckets of 6 only.
    let master: Vec<NexthopBucket> = objects("nhbuckets-master");
    let of_6: Vec<_> = all.iter().filter(|b| b.nhid == 6).map(timeless).collect();
    assert_eq!(master.iter().map(timeless).collect::<Vec<_>>(), of_6);
    assert_eq!(of_6.len(), 3);

    // `ip nexthop bucket get id 13 index 2`: the bucket (a moment
    // later), then the acknowledgement.
    let d = frames("nhbucket-get");
    let m = Messages::new(&d[0]).next().unwrap().unwrap();
    assert_eq!(m.flags(), 0, "one bucket, no NLM_F_MULTI");
    let got = NexthopBucket::from_message(&m).unwrap();
    let dumped = all.iter().find(|b| (b.id, b.index) == (13, 2)).unwrap();
    assert_eq!(timeless(&got), timeless(dumped));
    assert!(got.idle_time >= dumped.idle_time);
    let m = Messages::new(&d[1]).next().unwrap().unwrap();
    assert!(ErrorMessage::parse(&m).unwrap().is_ack());

    // Past the last bucket: ENOENT, with the kernel's reason.
    let d = &frames("nhbucket-get-enoent")[0];
    let m = Messages::new(d).next().unwrap().unwrap();
    let e = ErrorMessage::parse(&m).unwrap();
    assert_eq!((e.errno, e.request.seq), (2, 22), "ENOENT");
    assert_eq!(e.request.kind, RTM_GETNEXTHOPBUCKET);
    assert_eq!(e.ext_ack.message, Some("Bucket index out of bounds"));

    // The buckets of a plain group: the dump ends at once, with EINVAL
    // and the reason in its NLMSG_DONE.
    let d = &frames("nhbuckets-einval")[0];
    let mut it = Messages::new(d);
    let m = it.next().unwrap().unwrap();
    assert!(it.next().is_none());
    assert_eq!((m.kind(), m.seq()), (NLMSG_DONE, 23));
    let done = DoneMessage::parse(&m).unwrap();
    assert_eq!(done.errno, 22, "EINVAL");
    assert_eq!(
        done.ext_ack.message,
        Some("Nexthop group not of type resilient")
    );
}

/// Links of the kinds with settings of their own, as the 6.12 kernel
/// dumps them (the `kinds` capture of `capture_frames`, in the VM: see
/// there for the `ip link add` of each), decoded by `kind_settings()` to
/// what they were created with and the kernel's defaults for the rest.
#[test]
fn link_kind_settings_dump() {
    use nlwire::route::kinds::{GRE_CSUM, GRE_SEQ, SIT_ISATAP};
    use nlwire::route::linkinfo::LinkInfo;
    use nlwire::route::{
        Bond, BondMode, Geneve, KindSettings, LinkMessage, Tunnel, TunnelEncap, TunnelKind, Vxlan,
    };
    let links: Vec<Link> = objects("kinds");
    let by_name: BTreeMap<&str, &Link> = links.iter().map(|l| (l.name.as_str(), l)).collect();
    let settings = |name: &str| match by_name[name].kind_settings() {
        Some(Ok(s)) => s,
        other => panic!("{name}: {other:?}"),
    };
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let veth0 = by_name["veth0"].index;
    // What the kernel reports of every tunnel beside the settings given.
    let tunnel = |kind| Tunnel {
        link: Some(0),
        fwmark: Some(0),
        encap: Some(TunnelEncap::default()),
        ..Tunnel::new(kind)
    };
    let v4 = |kind| Tunnel {
        tos: Some(0),
        pmtudisc: Some(true),
        ..tunnel(kind)
    };
    // ip6gre and ip6tnl report the kernel's own IP6_TNL_F_CAP_XMIT and
    // IP6_TNL_F_CAP_RCV beside the flags given.
    const CAPS: u32 = 0x30000;
    let v6 = |kind| Tunnel {
        flowinfo: Some(0),
        flags: Some(CAPS),
        encap: Some(TunnelEncap {
            flags: 2, // TUNNEL_ENCAP_FLAG_CSUM6
            ..TunnelEncap::default()
        }),
        ..tunnel(kind)
    };

    // gre1: local 192.0.2.1 remote 198.51.100.2 ttl 64 key 7
    assert_eq!(
        settings("gre1"),
        KindSettings::Tunnel(Tunnel {
            local: ip("192.0.2.1"),
            remote: ip("198.51.100.2"),
            ttl: Some(64),
            ignore_df: Some(false),
            ikey: Some(7),
            okey: Some(7),
            ..v4(TunnelKind::Gre)
        })
    );
    // gt1 (gretap): icsum ocsum nopmtudisc ignore-df tos 0x10, ttl inherit
    assert_eq!(
        settings("gt1"),
        KindSettings::Tunnel(Tunnel {
            local: ip("192.0.2.1"),
            remote: ip("198.51.100.3"),
            ttl: Some(0),
            tos: Some(0x10),
            pmtudisc: Some(false),
            ignore_df: Some(true),
            iflags: GRE_CSUM,
            oflags: GRE_CSUM,
            ..v4(TunnelKind::Gretap)
        })
    );
    // g6 (ip6gre): encaplimit 5 hoplimit 32 flowlabel 0x12345 ikey 3 iseq
    assert_eq!(
        settings("g6"),
        KindSettings::Tunnel(Tunnel {
            local: ip("2001:db8::1"),
            remote: ip("2001:db8::2"),
            ttl: Some(32),
            encap_limit: Some(5),
            flowinfo: Some(0x12345),
            ikey: Some(3),
            iflags: GRE_SEQ,
            ..v6(TunnelKind::Ip6gre)
        })
    );
    // g6t (ip6gretap): okey 9 oseq, foo-over-UDP 5555 → 7777
    assert_eq!(
        settings("g6t"),
        KindSettings::Tunnel(Tunnel {
            local: ip("2001:db8::1"),
            remote: ip("2001:db8::3"),
            ttl: Some(64),
            encap_limit: Some(4),
            okey: Some(9),
            oflags: GRE_SEQ,
            encap: Some(TunnelEncap {
                kind: 1, // TUNNEL_ENCAP_FOU
                flags: 2,
                sport: 5555,
                dport: 7777,
            }),
            ..v6(TunnelKind::Ip6gretap)
        })
    );
    // ipip1: ttl 10 tos 0x10 dev veth0 (any inner protocol)
    assert_eq!(
        settings("ipip1"),
        KindSettings::Tunnel(Tunnel {
            local: ip("192.0.2.1"),
            remote: ip("198.51.100.4"),
            link: Some(veth0),
            ttl: Some(10),
            tos: Some(0x10),
            proto: Some(0),
            ..v4(TunnelKind::Ipip)
        })
    );
    // sit1, and isatap1 (no remote: the kernel reports 0.0.0.0)
    let sit = Tunnel {
        local: ip("192.0.2.1"),
        ttl: Some(0),
        proto: Some(0),
        ..v4(TunnelKind::Sit)
    };
    assert_eq!(
        settings("sit1"),
        KindSettings::Tunnel(Tunnel {
            remote: ip("198.51.100.5"),
            flags: Some(0),
            ..sit
        })
    );
    assert_eq!(
        settings("isatap1"),
        KindSettings::Tunnel(Tunnel {
            remote: ip("0.0.0.0"),
            flags: Some(SIT_ISATAP),
            ..sit
        })
    );
    // t6 (ip6tnl, ip4ip6): encaplimit none tclass inherit
    assert_eq!(
        settings("t6"),
        KindSettings::Tunnel(Tunnel {
            local: ip("2001:db8::1"),
            remote: ip("2001:db8::4"),
            ttl: Some(64),
            encap_limit: Some(4),
            // IP6_TNL_F_IGN_ENCAP_LIMIT | IP6_TNL_F_USE_ORIG_TCLASS
            flags: Some(CAPS | 0x1 | 0x2),
            proto: Some(4), // IPPROTO_IPIP
            ..v6(TunnelKind::Ip6tnl)
        })
    );

    let geneve = |id| Geneve {
        ttl: Some(0),
        tos: Some(0),
        df: Some(0),
        label: Some(0),
        port: Some(6081),
        udp6_zero_csum_rx: Some(true),
        ..Geneve::new(id)
    };
    // gnv0: id 10 remote 198.51.100.6 ttl 64 (no UDP checksums over IPv4)
    assert_eq!(
        settings("gnv0"),
        KindSettings::Geneve(Geneve {
            remote: ip("198.51.100.6"),
            ttl: Some(64),
            udp_csum: Some(false),
            ..geneve(10)
        })
    );
    // gnv6: id 11 remote 2001:db8::6 label 0x12345 df set udp6zerocsumtx
    assert_eq!(
        settings("gnv6"),
        KindSettings::Geneve(Geneve {
            remote: ip("2001:db8::6"),
            df: Some(1),
            label: Some(0x12345),
            udp6_zero_csum_tx: Some(true),
            udp6_zero_csum_rx: Some(false),
            ..geneve(11)
        })
    );
    // gnvx: external dstport 6082
    assert_eq!(
        settings("gnvx"),
        KindSettings::Geneve(Geneve {
            external: true,
            port: Some(6082),
            ..geneve(0)
        })
    );

    let vxlan = |id| Vxlan {
        port_range: Some((0, 0)),
        ttl: Some(0),
        tos: Some(0),
        df: Some(0),
        label: Some(0),
        learning: Some(true),
        proxy: Some(false),
        rsc: Some(false),
        l2miss: Some(false),
        l3miss: Some(false),
        ageing: Some(300),
        limit: Some(0),
        udp_csum: Some(true),
        udp6_zero_csum_tx: Some(false),
        udp6_zero_csum_rx: Some(false),
        remcsum_tx: Some(false),
        remcsum_rx: Some(false),
        external: Some(false),
        ..Vxlan::new(id)
    };
    // The kernel sends IFLA_VXLAN_TTL_INHERIT in every dump, as a u8 (0 in
    // all three here; `ip -d link` says "ttl auto"/"ttl 5"): `Vxlan::parse`
    // reads its value (it once took the attribute's presence for `true`).
    let vx = |name: &str| {
        let KindSettings::Vxlan(v) = settings(name) else {
            panic!("{name}")
        };
        let li = LinkInfo::parse(by_name[name].other.get(18).unwrap()).unwrap();
        let ttl_inherit = nlwire::wire::Attrs::new(li.data.unwrap()).find(28).unwrap();
        assert_eq!(ttl_inherit.map(|a| a.u8()), Some(Ok(0)), "{name}");
        v
    };
    // vx0: id 42 remote 198.51.100.7 local 192.0.2.1 dstport 4789
    // srcport 1000 2000 nolearning ageing 100
    assert_eq!(
        vx("vx0"),
        Vxlan {
            remote: ip("198.51.100.7"),
            local: ip("192.0.2.1"),
            port: Some(4789),
            port_range: Some((1000, 2000)),
            learning: Some(false),
            ageing: Some(100),
            ..vxlan(42)
        }
    );
    // vx6: id 43 group ff05::100 dev veth0 dstport 4789 ttl 5
    assert_eq!(
        vx("vx6"),
        Vxlan {
            remote: ip("ff05::100"),
            link: Some(veth0),
            port: Some(4789),
            ttl: Some(5),
            ..vxlan(43)
        }
    );
    // vxx: external vnifilter dstport 4790 (learning off with external)
    assert_eq!(
        vx("vxx"),
        Vxlan {
            port: Some(4790),
            learning: Some(false),
            external: Some(true),
            vnifilter: Some(true),
            ..vxlan(0)
        }
    );

    // The kernel's defaults of a bond, as it reports them.
    let bond = Bond {
        miimon: Some(0),
        updelay: Some(0),
        downdelay: Some(0),
        peer_notif_delay: Some(0),
        use_carrier: Some(1),
        arp_interval: Some(0),
        arp_validate: Some(0),
        arp_all_targets: Some(0),
        missed_max: Some(2),
        primary_reselect: Some(0),
        fail_over_mac: Some(0),
        xmit_hash_policy: Some(0),
        resend_igmp: Some(1),
        num_peer_notif: Some(1),
        all_slaves_active: Some(0),
        min_links: Some(0),
        lp_interval: Some(1),
        packets_per_slave: Some(1),
        ad_lacp_rate: Some(0),
        ad_lacp_active: Some(1),
        ad_select: Some(0),
        tlb_dynamic_lb: Some(1),
        ..Bond::default()
    };
    // bond0: mode active-backup miimon 100 updelay 200 downdelay 200
    assert_eq!(
        settings("bond0"),
        KindSettings::Bond(Bond {
            mode: Some(BondMode::ActiveBackup),
            miimon: Some(100),
            updelay: Some(200),
            downdelay: Some(200),
            ..bond
        })
    );
    // bond1: mode balance-xor arp_interval 100 arp_ip_target
    // 192.0.2.9,192.0.2.10 ns_ip6_target 2001:db8::9 xmit_hash_policy
    // layer3+4: the targets in their own lists
    assert_eq!(
        settings("bond1"),
        KindSettings::Bond(Bond {
            mode: Some(BondMode::BalanceXor),
            arp_interval: Some(100),
            xmit_hash_policy: Some(1),
            ..bond
        })
    );
    let data = |name: &str| {
        LinkInfo::parse(by_name[name].other.get(18).unwrap())
            .unwrap()
            .data
            .unwrap()
            .to_vec()
    };
    let d = data("bond1");
    let arp: Vec<_> = Bond::arp_targets(&d).map(Result::unwrap).collect();
    assert_eq!(
        arp,
        [
            "192.0.2.9".parse::<std::net::Ipv4Addr>().unwrap(),
            "192.0.2.10".parse().unwrap()
        ]
    );
    let ns: Vec<_> = Bond::ns_targets(&d).map(Result::unwrap).collect();
    assert_eq!(ns, ["2001:db8::9".parse::<std::net::Ipv6Addr>().unwrap()]);
    let d = data("bond0");
    assert_eq!(
        (Bond::arp_targets(&d).count(), Bond::ns_targets(&d).count()),
        (0, 0)
    );
    // bond2: mode 802.3ad lacp_rate fast ad_select bandwidth
    // ad_actor_system 02:00:00:00:00:11 (and miimon 100, the kernel's
    // default for 802.3ad)
    assert_eq!(
        settings("bond2"),
        KindSettings::Bond(Bond {
            mode: Some(BondMode::Lacp),
            miimon: Some(100),
            ad_lacp_rate: Some(1),
            ad_select: Some(1),
            ad_actor_sys_prio: Some(65535),
            ad_user_port_key: Some(0),
            ad_actor_system: Some([2, 0, 0, 0, 0, 0x11]),
            ..bond
        })
    );

    assert_eq!(settings("vrf0"), KindSettings::Vrf { table: 100 });
    // mvt0: a kind nlwire does not decode: its attributes, the first
    // IFLA_MACVLAN_MODE (bridge: 4).
    let KindSettings::Other(d) = settings("mvt0") else {
        panic!("mvt0")
    };
    let mode = nlwire::wire::Attrs::new(d).next().unwrap().unwrap();
    assert_eq!((mode.kind(), mode.u32()), (1, Ok(4)));
    assert_eq!(by_name["mvt0"].link, Some(veth0));
    // Links without IFLA_INFO_DATA have no settings.
    assert_eq!(by_name["veth0"].kind_settings(), None);
    assert_eq!(by_name["lo"].kind_settings(), None);

    // The views read the same.
    for d in frames("kinds") {
        for m in Messages::new(&d).map(Result::unwrap) {
            let Ok(v) = LinkMessage::from_message(&m) else {
                continue;
            };
            let owned = Link::try_from(&v).unwrap();
            assert_eq!(v.kind_settings(), owned.kind_settings(), "{:?}", v.name);
        }
    }
}
