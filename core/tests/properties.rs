//! Property tests: arbitrary bytes never panic a parser (every failure is
//! an error value), and parse(emit(x)) == x for builders.

use nlwire::machine::{EventKind, Exchange, Mux, Next};
use nlwire::request::RawRequest;
use nlwire::route::{IfInfoMsg, Link, LinkMessage, Route, RouteMessage, RtMsg};
use nlwire::wire::Writer;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

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
        let r = nlwire::route::Address::add(index, addr, len);
        prop_assert_eq!(r.is_ok(), len <= max);
        let Ok(mut r) = r else { return Ok(()) };
        if let Some(p) = peer { r = r.peer(ip(p)).unwrap(); }
        if nodad { r = r.flags(nlwire::route::addr::IFA_F_NODAD); }
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        nlwire::request::Request::emit(&r, &mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = nlwire::wire::Message::parse(&buf[..n]).unwrap();
        let v = nlwire::route::AddrMessage::from_message(&m).unwrap();
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

    /// The fuzz target's body: every parser over the datagram.
    #[test]
    fn arbitrary_datagrams_never_panic(d in proptest::collection::vec(any::<u8>(), 0..512)) {
        nlwire::fuzzing::datagram(&d);
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
