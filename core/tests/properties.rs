//! Property tests: arbitrary bytes never panic a parser (every failure is
//! an error value), and parse(emit(x)) == x for builders.

use nlwire::Reply;
use nlwire::machine::{EventKind, Exchange, Mux, Next};
use nlwire::request::RawRequest;
use nlwire::route::{IfInfoMsg, Link, LinkMessage, Route, RouteMessage, RtMsg};
use nlwire::wire::Writer;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// `cases` cases; failures are saved to (and replayed first from)
/// `core/proptest-regressions/properties.txt`, which is committed.
fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(2000))]

    /// Address requests read back through the address view.
    #[test]
    fn address_round_trip(
        v6 in any::<bool>(), raw in any::<[u8; 16]>(), len in 0u8..=128,
        index in 1u32.., peer in any::<Option<[u8; 16]>>(), nodad in any::<bool>(),
    ) {
        let ip = |b: [u8; 16]| -> std::net::IpAddr {
            if v6 { std::net::Ipv6Addr::from(b).into() } else { std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into() }
        };
        let addr = ip(raw);
        let max = if v6 { 128 } else { 32 };
        let r = nlwire::route::AddressRequest::add(index, addr, len);
        prop_assert_eq!(r.is_ok(), len <= max);
        let Ok(mut r) = r else { return Ok(()) };
        if let Some(p) = peer { r = r.peer(ip(p)).unwrap(); }
        if nodad { r = r.flags(nlwire::route::addr::IFA_F_NODAD); }
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        nlwire::request::Request::emit(&r, &mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = nlwire::route::AddressMessage::from_message(&m).unwrap();
        prop_assert_eq!(v.header.index, index);
        prop_assert_eq!(v.header.prefix_len, len);
        prop_assert_eq!(v.addr(), Some(addr));
        prop_assert_eq!(v.peer(), peer.map(ip).filter(|p| *p != addr));
        prop_assert_eq!(v.flags & nlwire::route::addr::IFA_F_NODAD != 0, nodad);
    }

    /// Route requests read back through the route view.
    #[test]
    fn route_request_round_trip(
        raw in any::<[u8; 4]>(), len in 0u8..=32, table in any::<u32>(),
        metric in any::<Option<u32>>(), gw in any::<Option<[u8; 4]>>(), oif in 1u32..,
    ) {
        let dst = std::net::Ipv4Addr::from(raw).into();
        let mut r = nlwire::route::RouteRequest::replace(dst, len).unwrap().table(table).oif(oif).unwrap();
        if let Some(m) = metric { r = r.metric(m); }
        if let Some(g) = gw { r = r.gateway(std::net::Ipv4Addr::from(g).into()).unwrap(); }
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        nlwire::request::Request::emit(&r, &mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = RouteMessage::from_message(&m).unwrap();
        prop_assert_eq!(v.header.dst_len, len);
        prop_assert_eq!(v.dst, (len > 0).then_some(dst));
        prop_assert_eq!(v.table, table);
        prop_assert_eq!(v.priority, metric);
        prop_assert_eq!(v.oif, Some(oif));
        prop_assert_eq!(v.gateway, gw.map(|g| std::net::Ipv4Addr::from(g).into()));
    }

    /// Forwarding-database requests read back through the view and the
    /// owned entry: what `bridge fdb add|append|replace|del` would send.
    #[test]
    fn fdb_request_round_trip(
        port in any::<u32>(), mac in any::<[u8; 6]>(), op in 0u8..4, master in any::<bool>(),
        state in 0usize..3, vlan in any::<Option<u16>>(), v6 in any::<bool>(),
        dst in any::<Option<[u8; 16]>>(), vni in any::<Option<u32>>(),
    ) {
        use nlwire::FromMessage;
        use nlwire::route::fdb::{NTF_MASTER, NTF_SELF};
        use nlwire::route::{FdbEntry, FdbMessage, FdbRequest, FdbState};
        let ip = |b: [u8; 16]| -> std::net::IpAddr {
            if v6 { std::net::Ipv6Addr::from(b).into() } else { std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into() }
        };
        let mut r = match op {
            0 => FdbRequest::add(port, mac),
            1 => FdbRequest::append(port, mac),
            2 => FdbRequest::replace(port, mac),
            _ => FdbRequest::delete(port, mac),
        };
        if master { r = r.on_master(); }
        let s = [FdbState::Permanent, FdbState::Static, FdbState::Dynamic][state];
        r = r.state(s);
        if let Some(v) = vlan { r = r.vlan(v); }
        if let Some(d) = dst { r = r.dst(ip(d)); }
        if let Some(v) = vni {
            let x = r.vni(v);
            prop_assert_eq!(x.is_ok(), v < 1 << 24);
            if let Ok(x) = x { r = x; }
        }
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        nlwire::request::Request::emit(&r, &mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = FdbMessage::from_message(&m).unwrap();
        prop_assert_eq!(v.header.index, port);
        prop_assert_eq!(v.header.flags, if master { NTF_MASTER } else { NTF_SELF });
        prop_assert_eq!(v.state(), Some(s));
        prop_assert_eq!(v.lladdr, Some(&mac[..]));
        prop_assert_eq!(v.vlan, vlan);
        prop_assert_eq!(v.dst, dst.map(ip));
        prop_assert_eq!(v.vni, vni.filter(|v| *v < 1 << 24));
        let e = FdbEntry::from_message(&m).unwrap();
        prop_assert_eq!(e.lladdr.map(|l| l.to_string()), Some(mac.map(|b| format!("{b:02x}")).join(":")));
        prop_assert_eq!((e.index, e.fdb_state(), e.vlan, e.dst, e.vni), (port, Some(s), v.vlan, v.dst, v.vni));
    }

    /// Bridge VLAN requests read back through the view, and a delete
    /// (an `RTM_DELLINK`, as the kernel's own notifications) through the
    /// owned model: what `bridge vlan add|del` would send.
    #[test]
    fn bridge_vlan_request_round_trip(
        index in any::<u32>(), vid in any::<u16>(), end in any::<Option<u16>>(),
        delete in any::<bool>(), pvid in any::<bool>(), untagged in any::<bool>(),
        on_self in any::<bool>(), on_master in any::<bool>(),
    ) {
        use nlwire::FromMessage;
        use nlwire::route::brvlan::*;
        use nlwire::route::{BridgeVlanMessage, BridgeVlanRequest, BridgeVlans};
        let vid = vid % 4200;
        let r = if delete { BridgeVlanRequest::delete(index, vid) } else { BridgeVlanRequest::add(index, vid) };
        prop_assert_eq!(r.is_ok(), vid < 4096);
        let Ok(mut r) = r else { return Ok(()) };
        let mut range = None;
        if let Some(e) = end {
            let e = vid.saturating_add(e % 16);
            let x = r.range_to(e);
            prop_assert_eq!(x.is_ok(), e > vid && e < 4096);
            if let Ok(x) = x { r = x; range = Some(e); }
        }
        let mut flags = 0;
        if pvid { r = r.pvid(); flags |= BRIDGE_VLAN_INFO_PVID; }
        if untagged { r = r.untagged(); flags |= BRIDGE_VLAN_INFO_UNTAGGED; }
        if on_self { r = r.on_self(); }
        if on_master { r = r.on_master(); }
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        nlwire::request::Request::emit(&r, &mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = BridgeVlanMessage::parse(m.payload()).unwrap();
        prop_assert_eq!(v.header.index, index);
        let want: Vec<VlanInfo> = match range {
            Some(e) => vec![
                VlanInfo { flags: flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, vid },
                VlanInfo { flags: flags | BRIDGE_VLAN_INFO_RANGE_END, vid: e },
            ],
            None => vec![VlanInfo { flags, vid }],
        };
        let got: Vec<VlanInfo> = v.vlans().map(Result::unwrap).collect();
        prop_assert_eq!(&got, &want);
        let owned = BridgeVlans::from_message(&m);
        if delete {
            let o = owned.unwrap();
            prop_assert_eq!((o.index, o.name, o.master, o.vlans), (index, None, None, want));
        } else {
            prop_assert!(owned.is_err(), "RTM_SETLINK is no reply");
        }
    }

    /// A bucket as the kernel sends it (`nh_fill_res_bucket`: the group's
    /// id, then the nest of index, member and idle time, after a pad
    /// attribute where the kernel aligns the u64) reads back through the
    /// view and the owned bucket; and the requests `ip nexthop bucket
    /// show|get` would send read back through the view.
    #[test]
    fn nexthop_bucket_round_trip(
        id in any::<u32>(), index in any::<u16>(), nhid in any::<u32>(), idle in any::<u64>(),
        flags in any::<u32>(), protocol in any::<u8>(), pad in any::<bool>(), delete in any::<bool>(),
        filters in any::<(Option<u32>, Option<u32>, Option<u32>, Option<u32>)>(), family in any::<u8>(),
    ) {
        use nlwire::FromMessage;
        use nlwire::request::Request;
        use nlwire::route::nh::{NHA_ID, NhMsg};
        use nlwire::route::nh_bucket::*;
        use nlwire::route::{GetNexthopBucket, GetNexthopBuckets, NexthopBucket, NexthopBucketMessage};
        let mut p = [0u8; 64];
        let mut w = Writer::new(&mut p);
        NhMsg { family: 0, scope: 0, protocol, flags }.emit(&mut w);
        w.attr_u32(NHA_ID, id);
        let nest = w.begin_nested(NHA_RES_BUCKET);
        w.attr_u16(NHA_RES_BUCKET_INDEX, index);
        w.attr_u32(NHA_RES_BUCKET_NH_ID, nhid);
        if pad {
            w.attr(0, &[]); // NHA_RES_BUCKET_PAD
        }
        w.attr_u64(NHA_RES_BUCKET_IDLE_TIME, idle);
        w.end_nested(nest);
        let n = w.finish().unwrap();
        let kind = if delete { RTM_DELNEXTHOPBUCKET } else { RTM_NEWNEXTHOPBUCKET };
        let raw = RawRequest { message_type: kind, flags: 0, dump: false, payload: &p[..n] };
        let mut buf = [0u8; 96];
        let mut w = Writer::new(&mut buf);
        raw.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = NexthopBucketMessage::from_message(&m).unwrap();
        prop_assert_eq!((v.header.protocol, v.header.flags), (protocol, flags));
        prop_assert_eq!((v.id, v.index, v.nhid, v.idle_time), (Some(id), Some(index), Some(nhid), Some(idle)));
        let o = NexthopBucket::from_message(&m).unwrap();
        prop_assert_eq!((o.id, o.index, o.nhid, o.idle_time, o.flags), (id, index, nhid, Some(idle), flags));

        // ip nexthop bucket show [dev D] [master M] [id ID] [nhid N]
        let (dev, master, group, member) = filters;
        // (id 0 and nhid 0 are no filters)
        let (sent_group, sent_member) = (group.filter(|&g| g != 0), member.filter(|&n| n != 0));
        let mut g = GetNexthopBuckets::new().family(family);
        if let Some(d) = dev { g = g.device(d); }
        if let Some(x) = master { g = g.master(x); }
        if let Some(x) = group { g = g.group(x); }
        if let Some(x) = member { g = g.member(x); }
        prop_assert!(g.accepts(&m), "the kernel filters");
        let mut buf = [0u8; 96];
        let mut w = Writer::new(&mut buf);
        g.emit(&mut w, 2, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        prop_assert_eq!(m.kind(), RTM_GETNEXTHOPBUCKET);
        let v = NexthopBucketMessage::parse(m.payload()).unwrap();
        prop_assert_eq!((v.header.family, v.id, v.nhid, v.index), (family, sent_group, sent_member, None));
        // 24 bytes of headers, 8 for each u32 filter, 12 for the nest.
        let filters_len = 8 * [dev, master, sent_group].iter().flatten().count() + 12 * usize::from(sent_member.is_some());
        prop_assert_eq!(n, 24 + filters_len);

        // ip nexthop bucket get id ID index INDEX
        let r = GetNexthopBucket::new(id, index);
        prop_assert_eq!(r.is_ok(), id != 0);
        if let Ok(r) = r {
            let mut buf = [0u8; 64];
            let mut w = Writer::new(&mut buf);
            r.family(family).emit(&mut w, 3, 0);
            let n = w.finish().unwrap();
            let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
            prop_assert_eq!(m.kind(), RTM_GETNEXTHOPBUCKET);
            let v = NexthopBucketMessage::parse(m.payload()).unwrap();
            prop_assert_eq!((v.header.family, v.id, v.index, v.nhid), (family, Some(id), Some(index), None));
        }
    }

    /// Arbitrary inotify reads never panic the parser or the namespace
    /// watcher.
    #[test]
    fn arbitrary_inotify_reads_never_panic(d in proptest::collection::vec(any::<u8>(), 0..512)) {
        nlwire::fuzzing::inotify(&d);
    }

    /// The exchange machine, fed arbitrary datagrams after real requests,
    /// never panics and ends each request at most once.
    #[test]
    fn exchange_survives_arbitrary_datagrams(
        dgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..8),
        seq_patch in any::<bool>(),
    ) {
        let mut ex = Exchange::new();
        let mut buf = [0u8; 64];
        let req = RawRequest { message_type: 18, flags: 0, dump: true, payload: &[0; 16] };
        let ids: Vec<_> = (0..3).map(|_| ex.start(&req, &mut buf).unwrap().0).collect();
        let mut ended = std::collections::HashSet::new();
        for mut d in dgs {
            if seq_patch && d.len() >= 16 {
                // Aim the first header at a live request.
                let target = ids[d[0] as usize % 3].seq();
                d[8..12].copy_from_slice(&target.to_ne_bytes());
                d[12..16].copy_from_slice(&0u32.to_ne_bytes());
            }
            for ev in ex.handle(&d) {
                prop_assert!(ids.contains(&ev.id));
                prop_assert!(!ended.contains(&ev.id), "event after the end");
                if !matches!(ev.kind, EventKind::Item(_)) {
                    ended.insert(ev.id);
                }
            }
        }
    }

    /// The multiplexer, fed arbitrary datagrams, never panics.
    #[test]
    fn mux_survives_arbitrary_datagrams(
        dgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..8),
    ) {
        let mut m = Mux::default();
        let req = RawRequest { message_type: 18, flags: 0, dump: true, payload: &[0; 16] };
        let (id, _) = m.start(&req).unwrap();
        for d in dgs {
            let b = m.recv_buffer();
            b[..d.len()].copy_from_slice(&d);
            m.received(d.len());
            for _ in 0..64 {
                match m.next(id) {
                    Next::Recv => break,
                    Next::Reply(_) => {}
                }
            }
        }
    }

    #[test]
    fn link_round_trip(
        index in 1u32..,
        flags in any::<u32>(),
        link_type in any::<u16>(),
        name in "[a-z][a-z0-9]{0,14}",
        mtu in proptest::option::of(any::<u32>()),
        master in proptest::option::of(1u32..),
        addr in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=32)),
        unknown in proptest::collection::vec((100u16..200, proptest::collection::vec(any::<u8>(), 0..16)), 0..4),
    ) {
        let mut buf = vec![0u8; 1024];
        let mut w = Writer::new(&mut buf);
        IfInfoMsg { family: 0, link_type, index, flags, change: 0 }.emit(&mut w);
        w.attr_str(3, &name);
        if let Some(m) = mtu { w.attr_u32(4, m); }
        if let Some(m) = master { w.attr_u32(10, m); }
        if let Some(a) = &addr { w.attr(1, a); }
        for (k, v) in &unknown { w.attr(*k, v); }
        let n = w.finish().unwrap();
        let v = LinkMessage::parse(&buf[..n]).unwrap();
        let l = Link::try_from(&v).unwrap();
        prop_assert_eq!(l.index, index);
        prop_assert_eq!(l.flags, flags);
        prop_assert_eq!(l.link_type, link_type);
        prop_assert_eq!(&l.name, &name);
        prop_assert_eq!(l.mtu, mtu);
        prop_assert_eq!(l.master, master);
        prop_assert_eq!(l.address.map(|a| a.as_bytes().to_vec()), addr);
        let kept: Vec<(u16, Vec<u8>)> = l.other.iter().map(|a| (a.kind(), a.payload().to_vec())).collect();
        prop_assert_eq!(kept, unknown);
    }

    #[test]
    fn route_round_trip(
        hdr in (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u32>()),
        v6 in any::<bool>(),
        dst in proptest::option::of(any::<[u8; 16]>()),
        gw in proptest::option::of(any::<[u8; 16]>()),
        table in any::<u32>(),
        oif in proptest::option::of(any::<u32>()),
        prio in proptest::option::of(any::<u32>()),
    ) {
        let family = if v6 { 10 } else { 2 };
        let alen = if v6 { 16 } else { 4 };
        let mut buf = vec![0u8; 512];
        let mut w = Writer::new(&mut buf);
        let h = RtMsg { family, dst_len: hdr.0, src_len: hdr.1, tos: hdr.2, table: 0,
            protocol: hdr.3, scope: hdr.4, kind: 1, flags: hdr.5 };
        h.emit(&mut w);
        w.attr_u32(15, table);
        if let Some(d) = &dst { w.attr(1, &d[..alen]); }
        if let Some(g) = &gw { w.attr(5, &g[..alen]); }
        if let Some(o) = oif { w.attr_u32(4, o); }
        if let Some(p) = prio { w.attr_u32(6, p); }
        let n = w.finish().unwrap();
        let r = Route::try_from(&RouteMessage::parse(&buf[..n]).unwrap()).unwrap();
        let ip = |b: &[u8; 16]| -> std::net::IpAddr {
            if v6 { std::net::Ipv6Addr::from(*b).into() }
            else { std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into() }
        };
        prop_assert_eq!(r.table, table);
        prop_assert_eq!((r.dst_len, r.src_len, r.tos, r.protocol, r.scope, r.flags), hdr);
        prop_assert_eq!(r.dst, dst.as_ref().map(ip));
        prop_assert_eq!(r.gateway, gw.as_ref().map(ip));
        prop_assert_eq!((r.oif, r.priority), (oif, prio));
        prop_assert!(r.other.is_empty());
    }
}

// ---- the settings of link kinds ----------------------------------------

use nlwire::route::{
    Bond, BondMode, Geneve, KindSettings, LinkKind, LinkRequest, Tunnel, TunnelEncap, TunnelKind,
    Vxlan,
};

/// An address of the family `v6` from 16 bytes.
fn ip_of(v6: bool, b: [u8; 16]) -> std::net::IpAddr {
    if v6 {
        std::net::Ipv6Addr::from(b).into()
    } else {
        std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into()
    }
}

prop_compose! {
    /// A tunnel of any kind with any of the settings its kind takes (the
    /// IPv6 kinds: addresses, encapsulation limit, flow info, `IP6_TNL_F_*`;
    /// the IPv4 ones: TOS and PMTU discovery; GRE: keys and flags but
    /// `GRE_KEY`, and gre/gretap `ignore_df`; ipip/sit/ip6tnl: the inner
    /// protocol; sit: 16 bits of flags).
    fn tunnel()(
        kind in 0usize..7,
        addrs in any::<(Option<[u8; 16]>, Option<[u8; 16]>)>(),
        common in any::<(Option<u32>, Option<u8>, Option<u32>, bool)>(),
        v4 in any::<(Option<u8>, Option<bool>, Option<bool>)>(),
        keys in any::<(Option<u32>, Option<u32>, u16, u16)>(),
        v6 in any::<(Option<u8>, Option<u32>)>(),
        flags in any::<Option<u32>>(),
        proto in any::<Option<u8>>(),
        encap in any::<Option<(u16, u16, u16, u16)>>(),
    ) -> Tunnel {
        use TunnelKind::*;
        let kind = [Gre, Gretap, Ip6gre, Ip6gretap, Ipip, Sit, Ip6tnl][kind];
        let is_v6 = matches!(kind, Ip6gre | Ip6gretap | Ip6tnl);
        let gre = matches!(kind, Gre | Gretap | Ip6gre | Ip6gretap);
        let mut t = Tunnel {
            local: addrs.0.map(|a| ip_of(is_v6, a)),
            remote: addrs.1.map(|a| ip_of(is_v6, a)),
            link: common.0,
            ttl: common.1,
            fwmark: common.2,
            external: common.3,
            encap: encap.map(|(kind, flags, sport, dport)| TunnelEncap { kind, flags, sport, dport }),
            ..Tunnel::new(kind)
        };
        if !is_v6 {
            (t.tos, t.pmtudisc) = (v4.0, v4.1);
        }
        if matches!(kind, Gre | Gretap) {
            t.ignore_df = v4.2;
        }
        if gre {
            let no_key = !nlwire::route::kinds::GRE_KEY;
            (t.ikey, t.okey, t.iflags, t.oflags) = (keys.0, keys.1, keys.2 & no_key, keys.3 & no_key);
        }
        if is_v6 {
            (t.encap_limit, t.flowinfo, t.flags) = (v6.0, v6.1, flags);
        }
        if kind == Sit {
            t.flags = flags.map(|f| f & 0xffff);
        }
        if !gre {
            t.proto = proto;
        }
        t
    }
}

prop_compose! {
    /// A GENEVE device with any settings in range (`..` keeps this
    /// building while kinds.rs grows settings: draw them here too).
    #[allow(clippy::needless_update)]
    fn geneve()(
        id in proptest::option::of(0u32..1 << 24),
        remote in any::<Option<(bool, [u8; 16])>>(),
        ttl in any::<(Option<u8>, bool)>(),
        tos_df_label in (any::<Option<u8>>(), proptest::option::of(0u8..=2), proptest::option::of(0u32..1 << 20)),
        port in any::<Option<u16>>(),
        flags in any::<(bool, bool)>(),
        csums in any::<(Option<bool>, Option<bool>, Option<bool>)>(),
    ) -> Geneve {
        Geneve {
            id,
            remote: remote.map(|(v6, a)| ip_of(v6, a)),
            ttl: ttl.0,
            ttl_inherit: ttl.1,
            tos: tos_df_label.0,
            df: tos_df_label.1,
            label: tos_df_label.2,
            port,
            external: flags.0,
            inner_proto_inherit: flags.1,
            udp_csum: csums.0,
            udp6_zero_csum_tx: csums.1,
            udp6_zero_csum_rx: csums.2,
            ..Geneve::default()
        }
    }
}

prop_compose! {
    /// A VXLAN device with any settings in range, its local and remote
    /// addresses of one family.
    #[allow(clippy::needless_update)]
    fn vxlan()(
        id in proptest::option::of(0u32..1 << 24),
        v6 in any::<bool>(),
        addrs in any::<(Option<[u8; 16]>, Option<[u8; 16]>, Option<u32>)>(),
        ports in any::<(Option<u16>, Option<(u16, u16)>)>(),
        ttl in any::<(Option<u8>, bool, Option<u8>)>(),
        df_label in (proptest::option::of(0u8..=2), proptest::option::of(0u32..1 << 20)),
        fdb in any::<(Option<bool>, Option<bool>, Option<bool>, Option<bool>, Option<bool>, Option<u32>, Option<u32>)>(),
        csums in any::<(Option<bool>, Option<bool>, Option<bool>, Option<bool>, Option<bool>)>(),
        md in any::<(Option<bool>, bool, bool, Option<bool>)>(),
    ) -> Vxlan {
        Vxlan {
            id,
            remote: addrs.0.map(|a| ip_of(v6, a)),
            local: addrs.1.map(|a| ip_of(v6, a)),
            link: addrs.2,
            port: ports.0,
            // A valid range: high at least low.
            port_range: ports.1.map(|(a, b)| (a.min(b), a.max(b))),
            ttl: ttl.0,
            ttl_inherit: ttl.1,
            tos: ttl.2,
            df: df_label.0,
            label: df_label.1,
            learning: fdb.0,
            proxy: fdb.1,
            rsc: fdb.2,
            l2miss: fdb.3,
            l3miss: fdb.4,
            ageing: fdb.5,
            limit: fdb.6,
            udp_csum: csums.0,
            udp6_zero_csum_tx: csums.1,
            udp6_zero_csum_rx: csums.2,
            remcsum_tx: csums.3,
            remcsum_rx: csums.4,
            external: md.0,
            gbp: md.1,
            gpe: md.2,
            vnifilter: md.3,
            ..Vxlan::default()
        }
    }
}

prop_compose! {
    /// A bond's settings but its targets, any of them set.
    fn bond()(
        mode in proptest::option::of(0u8..7),
        times in any::<(Option<u32>, Option<u32>, Option<u32>, Option<u32>, Option<u32>, Option<u32>)>(),
        arp in any::<(Option<u8>, Option<u32>, Option<u32>, Option<u8>)>(),
        ports in any::<(Option<u32>, Option<u8>, Option<u8>, Option<u8>, Option<u32>, Option<u8>, Option<u8>)>(),
        counts in any::<(Option<u32>, Option<u32>, Option<u32>, Option<u8>)>(),
        lacp in any::<(Option<u8>, Option<u8>, Option<u16>, Option<u16>, Option<[u8; 6]>)>(),
    ) -> Bond<'static> {
        Bond {
            mode: mode.and_then(BondMode::from_number),
            active_slave: times.0,
            miimon: times.1,
            updelay: times.2,
            downdelay: times.3,
            peer_notif_delay: times.4,
            arp_interval: times.5,
            use_carrier: arp.0,
            arp_validate: arp.1,
            arp_all_targets: arp.2,
            missed_max: arp.3,
            primary: ports.0,
            primary_reselect: ports.1,
            fail_over_mac: ports.2,
            xmit_hash_policy: ports.3,
            resend_igmp: ports.4,
            num_peer_notif: ports.5,
            all_slaves_active: ports.6,
            min_links: counts.0,
            lp_interval: counts.1,
            packets_per_slave: counts.2,
            tlb_dynamic_lb: counts.3,
            ad_lacp_rate: lacp.0,
            ad_lacp_active: lacp.1,
            ad_actor_sys_prio: lacp.2,
            ad_user_port_key: lacp.3,
            ad_actor_system: lacp.4,
            ..Bond::default()
        }
    }
}

/// The one message `r` emits.
fn emitted(r: &LinkRequest<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; 2048];
    let mut w = Writer::new(&mut buf);
    nlwire::request::Request::emit(r, &mut w, 1, 0);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

/// The `IFLA_INFO_DATA` payload of a link message.
fn info_data<'a>(v: &LinkMessage<'a>) -> Option<&'a [u8]> {
    let li = v
        .raw_attrs()
        .find(nlwire::route::link::IFLA_LINKINFO)
        .unwrap()?;
    nlwire::route::linkinfo::LinkInfo::parse(li.payload())
        .unwrap()
        .data
}

proptest! {
    #![proptest_config(cases(1000))]

    /// Valid settings of a tunnel, GENEVE and VXLAN device and a bond
    /// (with up to 16 targets of each family), sent with a new link and
    /// (but the tunnel's) with a change, read back through
    /// `kind_settings()`, the bond's target lists and the owned `Link`
    /// as given.
    #[test]
    fn kind_settings_round_trip(
        t in tunnel(), g in geneve(), x in vxlan(), b in bond(),
        arp in proptest::option::of(proptest::collection::vec(any::<[u8; 4]>(), 0..=16)),
        ns in proptest::option::of(proptest::collection::vec(any::<[u8; 16]>(), 0..=16)),
        index in 1u32..,
    ) {
        let arp: Option<Vec<std::net::Ipv4Addr>> = arp.map(|v| v.into_iter().map(Into::into).collect());
        let ns: Option<Vec<std::net::Ipv6Addr>> = ns.map(|v| v.into_iter().map(Into::into).collect());
        let bond = Bond { arp_ip_target: arp.as_deref(), ns_ip6_target: ns.as_deref(), ..b };
        for kind in [LinkKind::Tunnel(t), LinkKind::Geneve(g), LinkKind::Vxlan(x), LinkKind::Bond(bond)] {
            let add = LinkRequest::add("k0", kind).unwrap();
            let set = LinkRequest::set(index).unwrap().kind_settings(kind);
            prop_assert_eq!(set.is_ok(), !matches!(kind, LinkKind::Tunnel(_)), "{:?}", set.err());
            for r in std::iter::once(add).chain(set.ok()) {
                let bytes = emitted(&r);
                let m = nlwire::wire::Message::parse(&bytes).unwrap();
                let v = LinkMessage::from_message(&m).unwrap();
                prop_assert_eq!(v.kind, Some(kind.name()));
                let got = v.kind_settings();
                let owned = Link::try_from(&v).unwrap();
                prop_assert_eq!(owned.kind_settings(), got);
                let want = match kind {
                    LinkKind::Tunnel(t) => KindSettings::Tunnel(t),
                    LinkKind::Geneve(g) => KindSettings::Geneve(g),
                    LinkKind::Vxlan(x) => KindSettings::Vxlan(x),
                    _ => {
                        let bare = Bond { arp_ip_target: None, ns_ip6_target: None, ..bond };
                        if bare == Bond::default() && arp.is_none() && ns.is_none() {
                            // Nothing set: no IFLA_INFO_DATA at all.
                            prop_assert_eq!(got, None);
                            continue;
                        }
                        let d = info_data(&v).unwrap();
                        let a: Vec<_> = Bond::arp_targets(d).map(Result::unwrap).collect();
                        prop_assert_eq!(&a[..], arp.as_deref().unwrap_or(&[]));
                        let n: Vec<_> = Bond::ns_targets(d).map(Result::unwrap).collect();
                        prop_assert_eq!(&n[..], ns.as_deref().unwrap_or(&[]));
                        KindSettings::Bond(bare)
                    }
                };
                prop_assert_eq!(got, Some(Ok(want)));
            }
        }
    }
}

/// One reply message for `seq`: 0 an item (`RTM_NEWLINK`), 1 `NLMSG_DONE`,
/// 2 an acknowledgement, 3 an error (`EPERM`). `tag` goes in the item's
/// ifindex so a receiver can tell items apart.
/// What the kernel sends for a script of `(target, what)` entries: entry
/// `k` is a [`reply`] of kind `what` tagged `k`, aimed at request
/// `target` of `seqs` (or, past the list, at a sequence number nobody
/// owns). Also the index of each request's first terminal entry.
fn scripted_replies(seqs: &[u32], script: &[(usize, u8)]) -> (Vec<Vec<u8>>, Vec<Option<usize>>) {
    let mut msgs = Vec::new();
    let mut want_end = vec![None::<usize>; seqs.len()];
    for (k, &(target, what)) in script.iter().enumerate() {
        let seq = seqs.get(target).copied().unwrap_or(10_000 + target as u32);
        let mut m = vec![0u8; 64];
        let mut w = Writer::new(&mut m);
        reply(&mut w, seq, what, k as u32);
        let n = w.finish().unwrap();
        m.truncate(n);
        msgs.push(m);
        if target < seqs.len() && what != 0 && want_end[target].is_none() {
            want_end[target] = Some(k);
        }
    }
    (msgs, want_end)
}

/// The tags of the items the script sent to request `i` before its end:
/// exactly what it must receive.
fn items_before_end(script: &[(usize, u8)], i: usize, end: Option<usize>) -> Vec<u32> {
    script
        .iter()
        .enumerate()
        .filter(|(k, (t, what))| *t == i && *what == 0 && end.is_none_or(|e| *k < e))
        .map(|(k, _)| k as u32)
        .collect()
}

fn reply(w: &mut Writer<'_>, seq: u32, what: u8, tag: u32) {
    match what {
        0 => {
            let m = w.begin_message(16, 2, seq, 0);
            IfInfoMsg {
                family: 0,
                link_type: 1,
                index: tag,
                flags: 0,
                change: 0,
            }
            .emit(w);
            w.end_message(m);
        }
        1 => {
            let m = w.begin_message(3, 2, seq, 0);
            w.put(&0i32.to_ne_bytes());
            w.end_message(m);
        }
        _ => {
            let m = w.begin_message(2, 0, seq, 0);
            let errno: i32 = if what == 2 { 0 } else { -1 };
            w.put(&errno.to_ne_bytes());
            // The request's header, as the kernel echoes it.
            w.put(
                &nlwire::wire::Header {
                    len: 16,
                    kind: 18,
                    flags: 5,
                    seq,
                    port: 0,
                }
                .to_bytes(),
            );
            w.end_message(m);
        }
    }
}

proptest! {
    #![proptest_config(cases(3000))]

    /// parse(emit(x)) == x for route, address, neighbour, rule, nexthop,
    /// forwarding-database, bridge VLAN, nexthop bucket, link-kind and link requests
    /// built from arbitrary values
    /// (the fuzz targets' bodies; a builder must also refuse exactly the
    /// invalid values).
    #[test]
    fn requests_round_trip(d in proptest::collection::vec(any::<u8>(), 0..160), which in 0u8..10) {
        match which {
            0 => nlwire::fuzzing::route_request(&d),
            1 => nlwire::fuzzing::address_request(&d),
            2 => nlwire::fuzzing::neighbour_request(&d),
            3 => nlwire::fuzzing::rule_request(&d),
            4 => nlwire::fuzzing::nexthop_request(&d),
            5 => nlwire::fuzzing::fdb_request(&d),
            6 => nlwire::fuzzing::bridge_vlan_request(&d),
            7 => nlwire::fuzzing::nexthop_bucket_request(&d),
            8 => nlwire::fuzzing::link_kind_request(&d),
            _ => nlwire::fuzzing::link_request(&d),
        }
    }

    /// Every parser body over arbitrary bytes: errors are values.
    #[test]
    fn arbitrary_bytes_never_panic_a_parser(d in proptest::collection::vec(any::<u8>(), 0..512)) {
        nlwire::fuzzing::message_iter(&d);
        nlwire::fuzzing::attrs(&d);
        nlwire::fuzzing::error(&d);
        nlwire::fuzzing::link(&d);
        nlwire::fuzzing::addr(&d);
        nlwire::fuzzing::route(&d);
        nlwire::fuzzing::neigh(&d);
        nlwire::fuzzing::rule(&d);
        nlwire::fuzzing::nexthop(&d);
        nlwire::fuzzing::fdb(&d);
        nlwire::fuzzing::bridge_vlan(&d);
        nlwire::fuzzing::nexthop_bucket(&d);
        nlwire::fuzzing::link_kind_settings(&d);
        nlwire::fuzzing::ctrl(&d);
        nlwire::fuzzing::wireguard(&d);
        nlwire::fuzzing::wg_config(&d);
    }
}

proptest! {
    #![proptest_config(cases(1000))]

    /// Replies for live requests, for unknown sequence numbers and for
    /// finished requests, in any order and cut into datagrams anywhere: an
    /// item reaches only the request whose sequence number it carries,
    /// every request ends exactly once (when its terminal reply came), and
    /// nothing reaches a request after its end.
    #[test]
    fn replies_reach_only_their_request(
        dumps in proptest::collection::vec(any::<bool>(), 1..6),
        script in proptest::collection::vec((0usize..8, 0u8..4), 0..60),
        cut in 1usize..12,
    ) {
        let mut ex = Exchange::new();
        let mut buf = [0u8; 64];
        let mut ids = Vec::new();
        for &dump in &dumps {
            let req = RawRequest { message_type: 18, flags: 0, dump, payload: &[0; 16] };
            ids.push(ex.start(&req, &mut buf).unwrap().0);
        }
        let seqs: Vec<u32> = ids.iter().map(|id| id.seq()).collect();
        let (msgs, want_end) = scripted_replies(&seqs, &script);
        let mut ended = vec![false; ids.len()];
        let mut items = vec![Vec::new(); ids.len()];
        for chunk in msgs.chunks(cut) {
            let dg: Vec<u8> = chunk.concat();
            for ev in ex.handle(&dg) {
                let i = ids.iter().position(|x| *x == ev.id).expect("event for a started request");
                prop_assert!(!ended[i], "event after the end of request {}", i);
                match ev.kind {
                    EventKind::Item(m) => {
                        prop_assert_eq!(m.seq(), ev.id.seq(), "item with another sequence number");
                        items[i].push(nlwire::route::LinkMessage::from_message(&m).unwrap().header.index);
                    }
                    _ => ended[i] = true,
                }
            }
        }
        for i in 0..ids.len() {
            prop_assert_eq!(ended[i], want_end[i].is_some(), "request {} ended", i);
            prop_assert_eq!(&items[i], &items_before_end(&script, i, want_end[i]), "items of request {}", i);
        }
    }

    /// The multiplexer's one-pass [`Mux::drain`], with requests reading in
    /// any order and stopping after any number of replies: every request
    /// gets exactly its own items, in order, then exactly one end — whether
    /// the replies came in place or through its inbox.
    #[test]
    fn drain_delivers_each_reply_to_its_own_request(
        first_is_dump in any::<bool>(),
        n in 1usize..5,
        script in proptest::collection::vec((0usize..6, 0u8..4), 0..60),
        cut in 1usize..12,
        readers in proptest::collection::vec((0usize..5, 1usize..5), 1..20),
    ) {
        let mut m = Mux::default();
        let ids: Vec<_> = (0..n)
            .map(|i| {
                let dump = i == 0 && first_is_dump;
                let req = RawRequest { message_type: 18, flags: 0, dump, payload: &[0; 16] };
                m.start(&req).unwrap().0
            })
            .collect();
        let seqs: Vec<u32> = ids.iter().map(|id| id.seq()).collect();
        let (msgs, want_end) = scripted_replies(&seqs, &script);
        let mut ended = vec![false; n];
        let mut items = vec![Vec::new(); n];
        for chunk in msgs.chunks(cut) {
            let dg: Vec<u8> = chunk.concat();
            m.recv_buffer()[..dg.len()].copy_from_slice(&dg);
            m.received(dg.len());
            // Readers take turns, each stopping after `budget` replies,
            // until every live request has read all that is there for it.
            let mut idle = vec![false; n];
            let mut turn = 0;
            while (0..n).any(|i| !ended[i] && !idle[i]) {
                let (who, budget) = readers[turn % readers.len()];
                turn += 1;
                // A request with nothing more to read passes its turn to the
                // first one that has: every turn reads at least one reply
                // or finds a request idle, so this loop ends.
                let live = |j: usize| !ended[j] && !idle[j];
                let Some(i) = Some(who % n).filter(|&j| live(j)).or_else(|| (0..n).find(|&j| live(j))) else {
                    break;
                };
                let mut left = budget;
                // Says whether the request ended, and how many replies it
                // still takes in this turn.
                let mut got = |r: Reply<'_>| -> Result<(bool, usize), String> {
                    left -= 1;
                    match r {
                        Reply::Item(msg) => {
                            if msg.seq() != ids[i].seq() {
                                return Err(format!("request {i} got seq {}", msg.seq()));
                            }
                            items[i].push(LinkMessage::from_message(&msg).unwrap().header.index);
                            Ok((false, left))
                        }
                        _ => Ok((true, left)),
                    }
                };
                match m.drain(ids[i], &mut got, |r| matches!(r, Ok((false, l)) if *l > 0)) {
                    None => idle[i] = true,
                    Some(Err(e)) => return Err(TestCaseError::fail(e)),
                    Some(Ok((end, _))) => ended[i] = end,
                }
            }
        }
        for i in 0..n {
            prop_assert_eq!(ended[i], want_end[i].is_some(), "request {} ended", i);
            prop_assert_eq!(&items[i], &items_before_end(&script, i, want_end[i]), "items of request {}", i);
        }
    }

    /// A dump dropped in the middle (cancelled) while a new one starts: the
    /// rest of the old dump's replies, interleaved with the new one's in
    /// any way, never reach the new dump, which sees exactly its own items
    /// and its end; the old sequence number is not reused before the old
    /// dump's end arrives.
    #[test]
    fn a_dropped_dump_never_disturbs_the_next(
        before in 0usize..5, after in 0usize..20, theirs in 0usize..20,
        order in proptest::collection::vec(any::<bool>(), 0..60),
        cut in 1usize..8,
    ) {
        let mut ex = Exchange::new();
        let mut buf = [0u8; 64];
        let req = RawRequest { message_type: 18, flags: 0, dump: true, payload: &[0; 16] };
        let old = ex.start(&req, &mut buf).unwrap().0;
        let one = |seq: u32, what: u8, tag: u32| {
            let mut m = vec![0u8; 64];
            let mut w = Writer::new(&mut m);
            reply(&mut w, seq, what, tag);
            let n = w.finish().unwrap();
            m.truncate(n);
            m
        };
        let first: Vec<u8> = (0..before).flat_map(|k| one(old.seq(), 0, k as u32)).collect();
        let got = ex.handle(&first).count();
        prop_assert_eq!(got, before);
        ex.cancel(old);
        let new = ex.start(&req, &mut buf).unwrap().0;
        prop_assert_ne!(new, old);
        // The old dump's rest (items, then its DONE) and the new dump's
        // items then DONE, merged in the order `order` picks.
        let mut a: Vec<Vec<u8>> = (0..after).map(|k| one(old.seq(), 0, 1000 + k as u32)).collect();
        a.push(one(old.seq(), 1, 0));
        let mut b: Vec<Vec<u8>> = (0..theirs).map(|k| one(new.seq(), 0, k as u32)).collect();
        b.push(one(new.seq(), 1, 0));
        let (mut ia, mut ib) = (a.into_iter().peekable(), b.into_iter().peekable());
        let mut merged = Vec::new();
        let mut pick = order.iter().copied().chain(std::iter::repeat(true));
        while ia.peek().is_some() || ib.peek().is_some() {
            let from_a = pick.next().unwrap();
            match (from_a, ia.peek().is_some(), ib.peek().is_some()) {
                (true, true, _) | (false, true, false) => merged.push(ia.next().unwrap()),
                _ => merged.push(ib.next().unwrap()),
            }
        }
        let mut items = Vec::new();
        let mut done = 0;
        for chunk in merged.chunks(cut) {
            let dg: Vec<u8> = chunk.concat();
            for ev in ex.handle(&dg) {
                prop_assert_eq!(ev.id, new, "a reply of the dropped dump got through");
                match ev.kind {
                    EventKind::Item(m) => items.push(nlwire::route::LinkMessage::from_message(&m).unwrap().header.index),
                    EventKind::Done { .. } => done += 1,
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
            }
            // Until the old dump's end arrived, its number stays reserved.
            if ex.contains(old) {
                let probe = ex.start(&req, &mut buf).unwrap().0;
                prop_assert_ne!(probe, old);
                ex.forget(probe);
            }
        }
        prop_assert_eq!(items, (0..theirs as u32).collect::<Vec<_>>());
        prop_assert_eq!(done, 1);
        prop_assert!(!ex.contains(old), "the dropped dump's end freed it");
        prop_assert_eq!(ex.stats().discarded as usize, after + 1);
    }
}
