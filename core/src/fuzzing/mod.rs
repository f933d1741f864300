//! Bodies of the cargo-fuzz targets (`fuzz/`), public so that ordinary
//! tests can replay the committed corpus on stable Rust. Each function must
//! never panic, whatever the input; the assertions inside are properties
//! the fuzzer tries to break (an assertion failure is a found bug).
//!
//! Parser targets take one datagram as the kernel would send it. The
//! `*_request` targets build a request from the bytes (see the `input` module),
//! emit it, and check that it parses back to what was asked.

mod input;
mod roundtrip;

pub use roundtrip::{
    address_request, bridge_vlan_request, fdb_request, link_kind_request, link_request,
    neighbour_request, nexthop_bucket_request, nexthop_request, route_request, rule_request,
};

use crate::machine::{EventKind, Exchange};
use crate::request::RawRequest;
use crate::route::{AddressMessage, LinkMessage, NeighbourMessage, RouteMessage, RuleMessage};
use crate::wire::{Attrs, DoneMessage, ErrorMessage, ExtAck, Message, Messages};

/// The messages of `data`, until the first malformed one.
fn messages(data: &[u8]) -> impl Iterator<Item = Message<'_>> {
    Messages::new(data).map_while(Result::ok)
}

/// The message iterator: every message lies inside the datagram, in order,
/// each at least a header long, and iteration ends.
pub fn message_iter(data: &[u8]) {
    let mut it = Messages::new(data);
    let mut n = 0usize;
    loop {
        let before = it.offset();
        let Some(m) = it.next() else { break };
        n += 1;
        assert!(n <= data.len() / 16 + 1, "the iterator does not end");
        let Ok(m) = m else {
            assert!(it.next().is_none(), "messages after an error");
            break;
        };
        // Each message starts where the previous one (aligned) ended, and
        // lies inside the datagram.
        let len = m.as_bytes().len();
        assert!(
            len >= 16 && before + len <= data.len(),
            "message outside the datagram"
        );
        assert!(
            core::ptr::eq(m.as_bytes().as_ptr(), data[before..].as_ptr()),
            "message not at the iterator's offset"
        );
        assert!(it.offset() >= before + len && it.offset() <= data.len());
        assert_eq!(m.payload().len() + 16, len);
        let _ = (m.kind(), m.flags(), m.seq(), m.port(), m.header());
    }
}

fn walk_attrs(a: Attrs<'_>, within: usize, depth: u32) {
    let mut count = 0usize;
    for x in a {
        let Ok(x) = x else { break };
        count += 1;
        assert!(
            count <= within / 4 + 1,
            "the attribute iterator does not end"
        );
        assert!(
            x.payload().len() + 4 <= within,
            "attribute outside its parent"
        );
        let _ = (
            x.u8(),
            x.u16(),
            x.u32(),
            x.u64(),
            x.i32(),
            x.be16(),
            x.be32(),
        );
        let _ = (x.str(), x.is_nested(), x.is_net_byteorder(), x.kind());
        if depth < 8 {
            walk_attrs(x.nested(), x.payload().len(), depth + 1);
        }
    }
}

/// Attributes, nested up to 8 deep, after each message's family header
/// (any of the usual sizes) and over the whole datagram.
pub fn attrs(data: &[u8]) {
    for m in messages(data) {
        for skip in [0usize, 4, 8, 12, 16, 20] {
            if let Some(rest) = m.payload().get(skip..) {
                walk_attrs(Attrs::new(rest), rest.len(), 0);
            }
        }
        let _ = Attrs::new(m.payload()).find(3);
    }
    walk_attrs(Attrs::new(data), data.len(), 0);
}

/// `NLMSG_ERROR` (acknowledgements and errors, with extended ack: message,
/// offset, cookie, policy) and `NLMSG_DONE`.
pub fn error(data: &[u8]) {
    for m in messages(data) {
        if let Ok(e) = ErrorMessage::parse(&m) {
            let _ = (e.is_ack(), e.errno, e.ext_ack.is_empty(), e.ext_ack.message);
        }
        if let Ok(d) = DoneMessage::parse(&m) {
            let _ = d.ext_ack.message;
        }
    }
    let _ = ExtAck::parse(data);
}

/// An `IFLA_LINKINFO` payload: the kind and port data through the
/// `KindData` view, every typed lookup (none may panic, whatever the sizes).
fn link_info(b: &[u8]) {
    use crate::route::linkinfo::{BridgeId, FlagsMask, KindData, LinkInfo, vlan};
    let Ok(li) = LinkInfo::parse(b) else { return };
    for data in [li.data, li.slave_data].into_iter().flatten() {
        let Ok(d) = KindData::new(data) else { continue };
        for k in 0..64 {
            let _ = (d.u8(k), d.u16(k), d.be16(k), d.u32(k), d.u64(k), d.has(k));
            if let Some(p) = d.get(k) {
                let _ = (BridgeId::parse(p), FlagsMask::parse(p));
                let _ = vlan::qos_map(p).count();
            }
            if let Some(n) = d.nested(k) {
                let _ = n.u32(1);
            }
        }
    }
}

/// Link messages: the view, its attribute iterator, and the owned model
/// (which must agree with the view).
pub fn link(data: &[u8]) {
    for m in messages(data) {
        let Ok(v) = LinkMessage::from_message(&m) else {
            let _ = LinkMessage::parse(m.payload());
            continue;
        };
        for a in v.attrs() {
            match a {
                Ok(crate::route::LinkAttr::LinkInfo(li)) => link_info(li.payload()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        #[cfg(feature = "alloc")]
        if let Ok(l) = crate::route::Link::try_from(&v) {
            if let Some(n) = v.name {
                assert_eq!(l.name, n);
            }
            assert_eq!(
                (l.index, l.mtu, l.master, l.link),
                (v.header.index, v.mtu, v.master, v.link)
            );
        }
    }
}

/// The settings of link kinds (`IFLA_INFO_DATA`). The bytes as each
/// kind's data: `KindSettings::parse` agrees with the kind's own decoder
/// (a VRF's table is its attribute 1; what is no kind stays undecoded), a
/// bond's target lists end, and settings the builder takes encode back to
/// themselves (`roundtrip::decoded_round_trip`). The bytes as link
/// messages: `kind_settings()` is `KindSettings::parse` of the
/// `IFLA_LINKINFO` kind and data, and the owned `Link` gives the same.
pub fn link_kind_settings(data: &[u8]) {
    use crate::route::linkinfo::LinkInfo;
    use crate::route::{Bond, Geneve, KindSettings, Tunnel, TunnelKind, Vxlan};
    use roundtrip::decoded_round_trip;
    for (name, k) in [
        ("gre", TunnelKind::Gre),
        ("gretap", TunnelKind::Gretap),
        ("ip6gre", TunnelKind::Ip6gre),
        ("ip6gretap", TunnelKind::Ip6gretap),
        ("ipip", TunnelKind::Ipip),
        ("sit", TunnelKind::Sit),
        ("ip6tnl", TunnelKind::Ip6tnl),
    ] {
        assert_eq!(k.name(), name);
        let s = KindSettings::parse(name, data);
        assert_eq!(
            s,
            Tunnel::parse(k, data).map(KindSettings::Tunnel),
            "{name}"
        );
        if let Ok(s) = s {
            decoded_round_trip(name, &s, data, Some(1), 1);
        }
    }
    for (name, own) in [
        ("geneve", Geneve::parse(data).map(KindSettings::Geneve)),
        ("vxlan", Vxlan::parse(data).map(KindSettings::Vxlan)),
        ("bond", Bond::parse(data).map(KindSettings::Bond)),
    ] {
        let s = KindSettings::parse(name, data);
        assert_eq!(s, own, "{name}");
        if let Ok(s) = s {
            decoded_round_trip(name, &s, data, Some(1), 1);
        }
    }
    let vrf = KindSettings::parse("vrf", data);
    match Attrs::new(data).find(1) {
        Err(e) => assert_eq!(vrf, Err(e)),
        Ok(None) => assert_eq!(vrf, Ok(KindSettings::Other(data))),
        Ok(Some(a)) => assert_eq!(vrf, a.u32().map(|table| KindSettings::Vrf { table })),
    }
    if let Ok(s) = vrf {
        decoded_round_trip("vrf", &s, data, Some(1), 1);
    }
    // Not kinds (the kernel's names are lowercase, whole).
    for name in ["", "GRE", "gre0", "vxlan ", "nosuch"] {
        assert_eq!(
            KindSettings::parse(name, data),
            Ok(KindSettings::Other(data))
        );
    }
    decoded_round_trip("macvtap", &KindSettings::Other(data), data, Some(1), 1);
    // The target lists end (at most one item per attribute header).
    assert!(Bond::arp_targets(data).count() <= data.len() / 4 + 1);
    assert!(Bond::ns_targets(data).count() <= data.len() / 4 + 1);

    for m in messages(data) {
        let Ok(v) = LinkMessage::parse(m.payload()) else {
            continue;
        };
        let got = v.kind_settings();
        let info = v
            .raw_attrs()
            .find(crate::route::link::IFLA_LINKINFO)
            .map(|a| a.map(|a| LinkInfo::parse(a.payload())));
        match info {
            Err(e) => assert_eq!(got, Some(Err(e))),
            Ok(None) => assert_eq!(got, None),
            Ok(Some(Err(e))) => assert_eq!(got, Some(Err(e))),
            Ok(Some(Ok(li))) => match (li.kind, li.data) {
                (Some(k), Some(d)) => {
                    assert_eq!(got, Some(KindSettings::parse(k, d)));
                    if k == "bond" {
                        assert!(Bond::arp_targets(d).count() <= d.len() / 4 + 1);
                        assert!(Bond::ns_targets(d).count() <= d.len() / 4 + 1);
                    }
                }
                _ => assert_eq!(got, None),
            },
        }
        #[cfg(feature = "alloc")]
        if let Ok(l) = crate::route::Link::try_from(&v) {
            assert_eq!(l.kind_settings(), got, "the owned link");
        }
    }
}

/// Address messages: the view and the owned model.
pub fn addr(data: &[u8]) {
    for m in messages(data) {
        let Ok(v) = AddressMessage::from_message(&m) else {
            let _ = AddressMessage::parse(m.payload());
            continue;
        };
        let _ = (v.addr(), v.peer(), v.raw_attrs().count());
        #[cfg(feature = "alloc")]
        if let Ok(a) = <crate::route::Address as crate::request::FromMessage>::from_message(&m) {
            assert_eq!(a.prefix_len, v.header.prefix_len);
        }
    }
}

/// Route messages: the view, its attributes, next hops and metrics, and
/// the owned model (which must agree with the view).
pub fn route(data: &[u8]) {
    for m in messages(data) {
        let Ok(v) = RouteMessage::from_message(&m) else {
            let _ = RouteMessage::parse(m.payload());
            continue;
        };
        for a in v.attrs() {
            if a.is_err() {
                break;
            }
        }
        let hops = v.next_hops().take(1000).count();
        assert!(
            hops <= m.payload().len() / 8 + 1,
            "next hops beyond the message"
        );
        let _ = (v.metrics().take(1000).count(), v.has_other_attrs());
        #[cfg(feature = "alloc")]
        if let Ok(r) = crate::route::Route::try_from(&v) {
            assert_eq!(
                (r.table, r.dst, r.gateway, r.oif),
                (v.table, v.dst, v.gateway, v.oif)
            );
        }
    }
}

/// Neighbour messages: the view and the owned model.
pub fn neigh(data: &[u8]) {
    for m in messages(data) {
        let Ok(v) = NeighbourMessage::from_message(&m) else {
            let _ = NeighbourMessage::parse(m.payload());
            continue;
        };
        let _ = v.raw_attrs().count();
        #[cfg(feature = "alloc")]
        if let Ok(n) = <crate::route::Neighbour as crate::request::FromMessage>::from_message(&m) {
            assert_eq!((n.dst, n.state), (v.dst, v.header.state));
        }
    }
}

/// Nexthop messages: the view (its group members read in place) and the
/// owned model agree.
pub fn nexthop(data: &[u8]) {
    use crate::route::NexthopMessage;
    for m in messages(data) {
        let Ok(v) = NexthopMessage::from_message(&m) else {
            let _ = NexthopMessage::parse(m.payload());
            continue;
        };
        let _ = v.raw_attrs().count();
        let members = v.group.map_or(0, |g| g.count());
        assert_eq!(members, v.group.map_or(0, |g| g.len()));
        #[cfg(feature = "alloc")]
        if let Ok(n) = <crate::route::Nexthop as crate::request::FromMessage>::from_message(&m) {
            assert_eq!(
                (n.id, n.gateway, n.oif),
                (v.id.unwrap_or(0), v.gateway, v.oif)
            );
            assert_eq!(n.group.len(), members);
            assert!(
                n.group
                    .iter()
                    .all(|g| (1..=256).contains(&g.weight) || g.weight > 256)
            );
        }
    }
}

/// Forwarding-database messages (`AF_BRIDGE` neighbours): the view, the
/// filters `bridge fdb show` applies (each against its definition), the
/// dump's `accepts` (which must agree with them), and the owned model
/// (which must agree with the view).
pub fn fdb(data: &[u8]) {
    use crate::request::Request;
    use crate::route::neigh::{NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE};
    use crate::route::{AF_BRIDGE, FdbMessage, FdbState, GetFdbEntries};
    for m in messages(data) {
        let Ok(v) = FdbMessage::from_message(&m) else {
            let _ = FdbMessage::parse(m.payload());
            continue;
        };
        let _ = v.raw_attrs().count();
        if let Some(s) = v.state() {
            // A named state reads back as itself from what it sends.
            assert_eq!(FdbState::from_nud(s.nud()), Some(s));
        }
        let bridge = v.header.family == AF_BRIDGE;
        let (index, state, vid) = (v.header.index, v.header.state, v.vlan.unwrap_or(0));
        let all = GetFdbEntries::new();
        for (g, want) in [
            (all, bridge),
            (all.port(index), bridge),
            (all.port(index ^ 1), bridge && index ^ 1 == 0),
            (all.vlan(vid), bridge),
            (all.vlan(vid ^ 1), bridge && vid ^ 1 == 0),
            (all.dynamic(), bridge && state & NUD_PERMANENT == 0),
            (all.states(NUD_NOARP), bridge && state & NUD_NOARP != 0),
            (
                all.states(NUD_NOARP).states(NUD_REACHABLE),
                bridge && state & (NUD_NOARP | NUD_REACHABLE) != 0,
            ),
            // The bridge is the kernel's filter: not checked here.
            (all.bridge(index.wrapping_add(1)), bridge),
        ] {
            assert_eq!(g.matches(&v), want, "{g:?}");
            assert_eq!(g.accepts(&m), want, "{g:?} accepts");
        }
        #[cfg(feature = "alloc")]
        if let Ok(e) = <crate::route::FdbEntry as crate::request::FromMessage>::from_message(&m) {
            assert_eq!((e.index, e.state, e.flags), (index, state, v.header.flags));
            assert_eq!(
                (e.dst, e.vlan, e.port, e.vni, e.src_vni, e.via, e.nhid),
                (v.dst, v.vlan, v.port, v.vni, v.src_vni, v.via, v.nhid)
            );
            assert_eq!(
                (e.link_netnsid, e.master, e.cacheinfo, e.flags_ext, e.notify),
                (v.link_netnsid, v.master, v.cacheinfo, v.flags_ext, v.notify)
            );
            assert_eq!(
                e.lladdr.as_ref().map(|l| l.as_bytes()),
                v.lladdr.filter(|l| l.len() <= 32)
            );
            assert_eq!(e.fdb_state(), v.state());
        }
    }
}

/// Bridge VLAN messages (`PF_BRIDGE` links): the view, its VLAN entries
/// (each read against the bytes of its attribute, independently), the
/// dump's filter and `accepts` (which must agree with it), and the owned
/// model (which must agree with the view).
pub fn bridge_vlan(data: &[u8]) {
    use crate::request::Request;
    use crate::route::brvlan::{
        BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED, IFLA_AF_SPEC, IFLA_BRIDGE_VLAN_INFO,
    };
    use crate::route::{AF_BRIDGE, BridgeVlanMessage, GetBridgeVlans, IfInfoMsg};
    for m in messages(data) {
        let all = GetBridgeVlans::new();
        let Ok(v) = BridgeVlanMessage::from_message(&m) else {
            // Not a link message, or a malformed one: left to the caller.
            let _ = BridgeVlanMessage::parse(m.payload());
            assert!(all.accepts(&m) && all.compressed().link(1).accepts(&m));
            continue;
        };
        // The last IFLA_AF_SPEC is the one read.
        let spec = Attrs::new(&m.payload()[IfInfoMsg::LEN..])
            .map_while(Result::ok)
            .filter(|a| a.kind() == IFLA_AF_SPEC)
            .last()
            .map_or(&[][..], |a| a.payload());
        let mut raw = Attrs::new(spec);
        let mut n = 0usize;
        for e in v.vlans() {
            n += 1;
            assert!(n <= spec.len() / 4 + 1, "the VLAN iterator does not end");
            // The next VLAN entry (or the malformed attribute) of the nest.
            let a = loop {
                match raw.next() {
                    Some(Ok(a)) if a.kind() != IFLA_BRIDGE_VLAN_INFO => continue,
                    other => break other,
                }
            };
            match (e, a) {
                (Ok(e), Some(Ok(a))) => {
                    let p = a.payload();
                    assert!(p.len() >= 4);
                    assert_eq!(e.flags.to_ne_bytes(), [p[0], p[1]]);
                    assert_eq!(e.vid.to_ne_bytes(), [p[2], p[3]]);
                    assert_eq!(e.is_pvid(), e.flags & BRIDGE_VLAN_INFO_PVID != 0);
                    assert_eq!(e.is_untagged(), e.flags & BRIDGE_VLAN_INFO_UNTAGGED != 0);
                }
                (Err(_), Some(Ok(a))) => assert!(a.payload().len() < 4, "entry refused"),
                (Err(_), Some(Err(_))) => {}
                (e, a) => panic!("entry {e:?} for attribute {a:?}"),
            }
        }
        assert!(
            raw.all(|a| a.is_ok_and(|a| a.kind() != IFLA_BRIDGE_VLAN_INFO)),
            "an entry left out"
        );
        let bridge = v.header.family == AF_BRIDGE;
        let index = v.header.index;
        for g in [all, all.compressed()] {
            for (g, want) in [
                (g, bridge),
                (g.link(index), bridge),
                (g.link(index ^ 1), bridge && index ^ 1 == 0),
            ] {
                assert_eq!(g.matches(&v), want, "{g:?}");
                assert_eq!(g.accepts(&m), want, "{g:?} accepts");
            }
        }
        #[cfg(feature = "alloc")]
        {
            use crate::request::FromMessage;
            let owned = crate::route::BridgeVlans::from_message(&m);
            assert_eq!(owned.is_ok(), v.vlans().all(|e| e.is_ok()));
            if let Ok(o) = owned {
                assert_eq!(
                    (o.index, o.name.as_deref(), o.master),
                    (index, v.name, v.master)
                );
                assert!(o.vlans.iter().copied().eq(v.vlans().map(Result::unwrap)));
            }
        }
    }
}

/// The fields of a bucket message read independently of the view: the
/// header, and the last `NHA_ID` and the last of each bucket attribute
/// (of any `NHA_RES_BUCKET`); `None` when the view must refuse it (a
/// short header, a malformed attribute, a known one of the wrong size).
type BucketFields = (
    crate::route::NhMsg,
    Option<u32>,
    Option<u16>,
    Option<u64>,
    Option<u32>,
);

fn bucket_fields(p: &[u8]) -> Option<BucketFields> {
    use crate::route::nh::NHA_ID;
    use crate::route::nh_bucket::{
        NHA_RES_BUCKET, NHA_RES_BUCKET_IDLE_TIME, NHA_RES_BUCKET_INDEX, NHA_RES_BUCKET_NH_ID,
    };
    let h = p.get(..8)?;
    let header = crate::route::NhMsg {
        family: h[0],
        scope: h[1],
        protocol: h[2],
        flags: u32::from_ne_bytes([h[4], h[5], h[6], h[7]]),
    };
    let (mut id, mut index, mut idle, mut nhid) = (None, None, None, None);
    for a in Attrs::new(&p[8..]) {
        let a = a.ok()?;
        match a.kind() {
            NHA_ID => id = Some(u32::from_ne_bytes(a.payload().try_into().ok()?)),
            NHA_RES_BUCKET => {
                for b in a.nested() {
                    let b = b.ok()?;
                    let q = b.payload();
                    match b.kind() {
                        NHA_RES_BUCKET_INDEX => {
                            index = Some(u16::from_ne_bytes(q.try_into().ok()?))
                        }
                        NHA_RES_BUCKET_IDLE_TIME => {
                            idle = Some(u64::from_ne_bytes(q.try_into().ok()?))
                        }
                        NHA_RES_BUCKET_NH_ID => nhid = Some(u32::from_ne_bytes(q.try_into().ok()?)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Some((header, id, index, idle, nhid))
}

/// Buckets of resilient nexthop groups: the view (its fields read against
/// the bytes of their attributes, independently; `from_message` is
/// `parse` for a bucket message and refuses any other), the dumps'
/// `accepts` (the kernel applies every filter itself, so every bucket
/// passes, whatever the filters) and the owned model (which must agree
/// with the view).
pub fn nexthop_bucket(data: &[u8]) {
    use crate::request::Request;
    use crate::route::nh_bucket::{RTM_DELNEXTHOPBUCKET, RTM_NEWNEXTHOPBUCKET};
    use crate::route::{GetNexthopBuckets, NexthopBucketMessage};
    for m in messages(data) {
        let parsed = NexthopBucketMessage::parse(m.payload());
        let fields = parsed.map(|v| (v.header, v.id, v.index, v.idle_time, v.nhid));
        assert_eq!(fields.ok(), bucket_fields(m.payload()));
        let bucket = matches!(m.kind(), RTM_NEWNEXTHOPBUCKET | RTM_DELNEXTHOPBUCKET);
        let v = match NexthopBucketMessage::from_message(&m) {
            Ok(v) => {
                assert!(bucket, "kind {} read as a bucket", m.kind());
                assert_eq!(Ok(v), parsed);
                v
            }
            Err(e) => {
                assert!(!bucket || parsed == Err(e), "{e:?} against {parsed:?}");
                #[cfg(feature = "alloc")]
                assert!(
                    <crate::route::NexthopBucket as crate::request::FromMessage>::from_message(&m)
                        .is_err()
                );
                continue;
            }
        };
        let _ = v.raw_attrs().count();
        let (id, nhid) = (v.id.unwrap_or(0), v.nhid.unwrap_or(0));
        let all = GetNexthopBuckets::new();
        for g in [
            all,
            all.group(id),
            all.group(id ^ 1),
            all.member(nhid),
            all.member(nhid ^ 1),
            all.device(v.header.flags)
                .master(id)
                .family(v.header.family),
        ] {
            assert!(g.accepts(&m), "{g:?}");
        }
        #[cfg(feature = "alloc")]
        {
            use crate::request::FromMessage;
            let o = crate::route::NexthopBucket::from_message(&m).expect("the view decodes");
            assert_eq!(
                (o.id, o.index, o.idle_time, o.nhid, o.flags),
                (id, v.index.unwrap_or(0), v.idle_time, nhid, v.header.flags)
            );
        }
    }
}

/// Rule messages: the view and the owned model.
pub fn rule(data: &[u8]) {
    for m in messages(data) {
        let Ok(v) = RuleMessage::from_message(&m) else {
            let _ = RuleMessage::parse(m.payload());
            continue;
        };
        let _ = v.raw_attrs().count();
        #[cfg(feature = "alloc")]
        if let Ok(r) = <crate::route::Rule as crate::request::FromMessage>::from_message(&m) {
            assert_eq!((r.table, r.priority), (v.table, v.priority));
        }
    }
}

/// Notifications: the classifier, and the owned event agreeing with it.
pub fn events(data: &[u8]) {
    use crate::route::events::Notification;
    for m in messages(data) {
        let n = Notification::classify(&m);
        if let Ok(Some(n)) = &n {
            let _ = n.change();
        }
        #[cfg(feature = "alloc")]
        if let Ok(Some(e)) = crate::route::events::Event::from_notification(&m) {
            // The owned event is built only from what the view accepted.
            match n {
                Ok(Some(n)) => assert_eq!(n.change(), e.change()),
                other => panic!("owned event {e:?} where the view said {other:?}"),
            }
        }
    }
}

/// The exchange machine fed `data` (cut into datagrams of at most 512
/// bytes) after three dump and three acknowledged requests, checking that
/// events go only to started requests and that no request ends twice.
pub fn exchange(data: &[u8]) {
    let mut ex = Exchange::new();
    let mut buf = [0u8; 64];
    let mut ids = [None; 6];
    for (i, id) in ids.iter_mut().enumerate() {
        let req = RawRequest {
            message_type: 18,
            flags: 0,
            dump: i % 2 == 0,
            payload: &[0; 16],
        };
        *id = ex.start(&req, &mut buf).ok().map(|(id, _)| id);
    }
    let mut ended = [false; 6];
    for d in data.chunks(512) {
        for ev in ex.handle(d) {
            let i = ids
                .iter()
                .position(|x| *x == Some(ev.id))
                .expect("events only for started requests");
            assert!(!ended[i], "request ended twice");
            if !matches!(ev.kind, EventKind::Item(_)) {
                ended[i] = true;
            }
        }
    }
}

/// The mirror fed arbitrary datagrams, as the kernel's replies to its
/// listings (their sequence numbers made its own) and as notifications,
/// with overruns and passing time between them. It must never panic, its
/// tables must stay keyed by each object's identity, and it must never
/// report a change before its first `Synced`.
#[cfg(feature = "alloc")]
pub fn mirror(data: &[u8]) {
    use crate::machine::Mux;
    use crate::machine::mirror::{Mirror, MirrorEvent};
    use crate::machine::task::{Action, Task};
    use crate::route::events::Groups;
    use core::time::Duration;

    let mut mux = Mux::new(crate::machine::MuxOptions {
        recv_buffer: 4096,
        notification_queue: 2048,
    });
    mux.subscribe();
    let groups = Groups::links()
        | Groups::addresses()
        | Groups::routes()
        | Groups::neighbours()
        | Groups::rules();
    let mut m = Mirror::new(groups, Duration::from_secs(5));
    let mut now = Duration::ZERO;
    let mut seq = 0u32;
    // Each piece: a control byte, a length byte, then that many bytes.
    let mut rest = data;
    let mut steps = 0;
    while steps < 256 {
        steps += 1;
        match m.poll(&mut mux) {
            Action::Done(Ok(e)) => {
                if !m.is_synced() {
                    assert!(
                        matches!(e, MirrorEvent::Resyncing(_)),
                        "a change before the first Synced: {e:?}"
                    );
                }
                for o in m.objects() {
                    assert_eq!(m.get(&o.key()), Some(o), "an object under another key");
                }
                continue;
            }
            Action::Done(Err(_)) => return,
            Action::Send => {
                if let Ok(h) = crate::wire::Header::parse(mux.outgoing()) {
                    seq = h.seq;
                }
                m.sent(&mut mux, Ok(()));
                continue;
            }
            Action::Receive(_) => {}
        }
        while mux.take_transmit().is_some() {}
        let [ctl, len, tail @ ..] = rest else { return };
        let n = (*len as usize).min(tail.len());
        let (piece, next) = tail.split_at(n);
        rest = next;
        match ctl % 4 {
            0 | 1 => {
                let group = u32::from(ctl % 4 == 0);
                let b = mux.recv_buffer();
                let n = piece.len().min(b.len());
                b[..n].copy_from_slice(&piece[..n]);
                // A reply: the mirror's sequence number in each header.
                if group == 0 {
                    let mut at = 0;
                    while at + 16 <= n {
                        b[at + 8..at + 12].copy_from_slice(&seq.to_ne_bytes());
                        let l =
                            u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
                        at += crate::wire::align(l.max(16));
                    }
                }
                mux.received_from(n, group);
            }
            2 => mux.overrun(),
            _ => {
                now += Duration::from_millis(u64::from(*len) * 10);
                let _ = m.wait(&mut mux, now);
            }
        }
    }
}

/// The inotify record parser, and the namespace watcher fed the same bytes
/// as several reads after a start with a listing (it must never panic, and
/// must report each name at most once per creation).
pub fn inotify(data: &[u8]) {
    for e in crate::inotify::Events::new(data) {
        let Ok(e) = e else { break };
        let _ = (e.is(crate::inotify::IN_CREATE), e.name.len());
    }
    #[cfg(feature = "alloc")]
    {
        use crate::machine::ns_watch::{Action, NsWatchOptions, NsWatcher, WatchTarget};
        let mut m = NsWatcher::new(
            "/run/netns",
            NsWatchOptions::default().directory_events(true),
        );
        let mut wd = 0;
        let mut settle = |m: &mut NsWatcher| {
            while let Some(a) = m.next_action() {
                match a {
                    Action::AddWatch(t) => {
                        wd += 1;
                        let _ = m.watch_added(t, Ok(wd));
                        let _ = m.path_of(WatchTarget::Parent);
                    }
                    Action::RemoveWatch(_) => {}
                    Action::ListDirectory => m.listed(["a", "b"]),
                }
            }
        };
        settle(&mut m);
        // The first byte splits the input into two reads.
        let cut = data.first().map_or(0, |&b| b as usize).min(data.len());
        for part in [&data[..cut], &data[cut..]] {
            let _ = m.feed(part);
            settle(&mut m);
            while m.next_event().is_some() {}
        }
    }
}

/// Generic netlink controller replies: the family view with its
/// operations and multicast groups, and the owned `Family`.
pub fn ctrl(data: &[u8]) {
    use crate::genl::ctrl::FamilyMessage;
    for m in messages(data) {
        if let Ok(f) = FamilyMessage::parse(&m) {
            let _ = (f.ops().count(), f.mcast_groups().count());
        }
        #[cfg(feature = "alloc")]
        {
            use crate::request::FromMessage;
            let _ = crate::genl::ctrl::Family::from_message(&m);
        }
    }
}

/// WireGuard `GET_DEVICE` replies: the zero-copy device and peer views,
/// then (with `alloc`) reassembly of the whole dump into one `Device`, fed
/// to the diff machine, which must report each of its peers exactly once.
pub fn wireguard(data: &[u8]) {
    use crate::genl::wireguard::DeviceMessage;
    #[cfg(feature = "alloc")]
    let mut asm = crate::genl::wireguard::DeviceAssembler::new();
    for m in messages(data) {
        if let Ok(d) = DeviceMessage::parse(&m) {
            for p in d.peers() {
                let Ok(p) = p else { break };
                let _ = p.allowed_ips().count();
            }
        }
        #[cfg(feature = "alloc")]
        let _ = asm.push_message(&m);
    }
    #[cfg(feature = "alloc")]
    if let Some(device) = asm.finish() {
        genl_watch(device);
    }
}

/// WireGuard `SET_DEVICE` messages decoded into a configuration; with
/// `alloc`, that configuration split again by `SetDevice` (at a 1 KiB
/// bound) must decode to itself, every message within the bound.
pub fn wg_config(data: &[u8]) {
    #[cfg(feature = "alloc")]
    {
        let mut config = crate::genl::wireguard::ConfigAssembler::new();
        for m in messages(data) {
            let _ = config.push_message(&m);
        }
        genl_round_trip(&config.finish());
    }
    #[cfg(not(feature = "alloc"))]
    let _ = data;
}

#[cfg(feature = "alloc")]
fn genl_round_trip(config: &crate::genl::wireguard::DeviceConfig) {
    use crate::LinkRef;
    use crate::genl::wireguard::{ConfigAssembler, SetDevice};
    let Ok(split) = SetDevice::new(0x20, LinkRef::Index(1), config) else {
        return;
    };
    let mut buf = alloc::vec![0u8; 70_000];
    let mut back = ConfigAssembler::new();
    for msg in split.max_len(1024) {
        let mut w = crate::wire::Writer::new(&mut buf);
        crate::Request::emit(&msg, &mut w, 1, 0);
        let n = w.finish().expect("a split message fits 70,000 bytes");
        assert!(n <= 1024, "split message of {n} bytes");
        let m = Messages::new(&buf[..n])
            .next()
            .expect("one message")
            .expect("a split message parses");
        back.push_message(&m).expect("a split message decodes");
    }
    assert_eq!(&back.finish(), config, "set-device split round trip");
}

#[cfg(feature = "alloc")]
fn genl_watch(device: crate::genl::wireguard::Device) {
    use crate::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};
    let Ok(mut w) = WgWatcher::new(&WgWatchOptions::new(["wg0"])) else {
        return;
    };
    let mut keys: alloc::vec::Vec<_> = device.peers.iter().map(|p| p.public_key).collect();
    keys.sort();
    keys.dedup();
    let mut out = alloc::vec::Vec::new();
    w.update(0, Ok(device), &mut out);
    let added: alloc::vec::Vec<_> = out
        .iter()
        .filter(|e| matches!(e, WgEvent::PeerAdded { .. }))
        .filter_map(WgEvent::public_key)
        .copied()
        .collect();
    assert_eq!(added, keys, "inventory: each peer once, by key");
    out.clear();
    w.update(0, Ok(Default::default()), &mut out);
    assert_eq!(out.len(), keys.len(), "every peer removed");
}
