//! Round-trip fuzz bodies: a request built from arbitrary values, emitted,
//! must parse back (through the same views that read the kernel's replies)
//! to exactly those values; and a builder refuses exactly what it should.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::input::{Input, kernel_accepts_ifname};
use crate::request::Request;
use crate::route::{
    AddressMessage, AddressRequest, GroupMember, LinkKind, LinkMessage, NeighbourMessage,
    NeighbourRequest, NextHop, NexthopMessage, NexthopRequest, ResGroup, RouteMessage,
    RouteRequest, RuleMessage, RuleRequest,
};
use crate::route::{
    Bond, BondMode, BondPort, BoolOpts, Bridge, BridgePort, EtherType, Geneve, KindSettings,
    LinkRequest, MacvlanMode, PortSettings, Tunnel, TunnelKind, Vxlan,
};
use crate::wire::{Message, Messages, Writer};

/// Emits `r` into `buf` (sequence number 7) and returns the one message.
fn emit<'b>(r: &impl Request, buf: &'b mut [u8]) -> Message<'b> {
    let mut w = Writer::new(buf);
    r.emit(&mut w, 7, 0);
    let n = w.finish().expect("a request fits the buffer");
    let mut it = Messages::new(&buf[..n]);
    let m = it
        .next()
        .expect("one message")
        .expect("an emitted message parses");
    assert!(it.next().is_none(), "exactly one message");
    assert_eq!((m.seq(), m.kind()), (7, r.message_type()));
    m
}

fn prefix_ok(addr: &IpAddr, len: u8) -> bool {
    len <= if addr.is_ipv6() { 128 } else { 32 }
}

/// `RouteRequest`: destination, table (below and above 256), metric,
/// gateway, output interface, source, protocol/scope/type/TOS, onlink,
/// metrics and up to four next hops, read back through `RouteMessage`.
pub fn route_request(data: &[u8]) {
    let mut i = Input(data);
    let v6 = i.bool();
    let dst = i.ip(v6);
    let len = i.u8();
    let op = i.u8() % 4;
    let r = match op {
        0 => RouteRequest::add(dst, len),
        1 => RouteRequest::replace(dst, len),
        2 => RouteRequest::append(dst, len),
        _ => RouteRequest::delete(dst, len),
    };
    assert_eq!(r.is_ok(), prefix_ok(&dst, len), "prefix check");
    let Ok(mut r) = r else { return };
    let table = i.u32();
    r = r.table(table);
    let metric = i.opt_u32();
    if let Some(m) = metric {
        r = r.metric(m);
    }
    let mut gateway = None;
    if i.bool() {
        let g = {
            let v6 = i.bool();
            i.ip(v6)
        };
        match r.gateway(g) {
            Ok(x) => {
                assert_eq!(g.is_ipv6(), v6, "gateway of another family accepted");
                r = x;
                gateway = Some(g);
            }
            Err(_) => assert_ne!(g.is_ipv6(), v6, "gateway of the same family refused"),
        }
    }
    let mut oif = None;
    if let Some(o) = i.opt_u32() {
        match r.oif(o) {
            Ok(x) => {
                r = x;
                oif = Some(o);
            }
            Err(_) => assert_eq!(o, 0),
        }
    }
    let mut prefsrc = None;
    if i.bool() {
        let s = i.ip(v6);
        r = r.prefsrc(s).expect("same-family source");
        prefsrc = Some(s);
    }
    let (protocol, scope, kind, tos) = (i.u8(), i.u8(), i.u8(), i.u8());
    let set = i.u8();
    if set & 1 != 0 {
        r = r.protocol(protocol);
    }
    if set & 2 != 0 {
        r = r.scope(scope);
    }
    if set & 4 != 0 {
        r = r.kind(kind);
    }
    r = r.tos(tos);
    let onlink = set & 8 != 0;
    if onlink {
        r = r.onlink();
    }
    let mtu = i.opt_u32();
    let advmss = i.opt_u32();
    if let Some(m) = mtu {
        r = r.mtu(m);
    }
    if let Some(m) = advmss {
        r = r.advmss(m);
    }
    let mut hops = [NextHop::default(); 4];
    let nhops = usize::from(i.u8() % 5);
    for h in &mut hops[..nhops] {
        h.gateway = if i.bool() { Some(i.ip(v6)) } else { None };
        h.oif = i.u32();
        h.weight = i.u16() % 300;
        h.onlink = i.bool();
    }
    let mut multipath = 0;
    if nhops > 0 {
        let ok_weights = hops[..nhops].iter().all(|h| (1..=256).contains(&h.weight));
        match r.multipath(&hops[..nhops]) {
            Ok(x) => {
                assert!(ok_weights, "weight out of range accepted");
                r = x;
                multipath = nhops;
            }
            Err(_) => assert!(!ok_weights, "valid next hops refused"),
        }
    }

    let mut buf = [0u8; 1024];
    let m = emit(&r, &mut buf);
    let v = RouteMessage::from_message(&m).expect("our route request parses as a route");
    assert_eq!(v.header.family, if v6 { 10 } else { 2 });
    assert_eq!(v.header.dst_len, len);
    assert_eq!(v.dst, (len > 0).then_some(dst));
    assert_eq!(v.table, table);
    assert_eq!(v.priority, metric);
    assert_eq!(v.gateway, gateway);
    assert_eq!(v.oif, oif);
    assert_eq!(v.prefsrc, prefsrc);
    assert_eq!(v.header.tos, tos);
    if set & 1 != 0 {
        assert_eq!(v.header.protocol, protocol);
    }
    if set & 2 != 0 {
        assert_eq!(v.header.scope, scope);
    }
    if set & 4 != 0 {
        assert_eq!(v.header.kind, kind);
    }
    assert_eq!(v.header.flags & 4 != 0, onlink, "RTNH_F_ONLINK");
    let (mut got_mtu, mut got_advmss) = (None, None);
    for x in v.metrics() {
        match x.expect("our metrics parse") {
            crate::route::nexthop::RouteMetric::Value(2, m) => got_mtu = Some(m),
            crate::route::nexthop::RouteMetric::Value(8, m) => got_advmss = Some(m),
            other => panic!("unexpected metric {other:?}"),
        }
    }
    assert_eq!((got_mtu, got_advmss), (mtu, advmss));
    let mut n = 0;
    for (got, want) in v.next_hops().zip(&hops[..multipath]) {
        let got = got.expect("our next hops parse");
        assert_eq!(got.gateway, want.gateway);
        assert_eq!(got.oif, want.oif);
        assert_eq!(got.weight, want.weight);
        n += 1;
    }
    assert_eq!(n, multipath);
    assert_eq!(v.next_hops().count(), multipath);
}

/// `AddressRequest`: address, prefix, peer, broadcast, label, flags, scope,
/// lifetimes and metric, read back through `AddressMessage`.
pub fn address_request(data: &[u8]) {
    let mut i = Input(data);
    let v6 = i.bool();
    let addr = i.ip(v6);
    let (len, index) = (i.u8(), i.u32());
    let r = match i.u8() % 3 {
        0 => AddressRequest::add(index, addr, len),
        1 => AddressRequest::replace(index, addr, len),
        _ => AddressRequest::delete(index, addr, len),
    };
    assert_eq!(
        r.is_ok(),
        prefix_ok(&addr, len) && index != 0,
        "prefix and index check"
    );
    let Ok(mut r) = r else { return };
    let mut peer = None;
    if i.bool() {
        let p = {
            let v6 = i.bool();
            i.ip(v6)
        };
        match r.peer(p) {
            Ok(x) => {
                r = x;
                peer = Some(p);
            }
            Err(_) => assert_ne!(p.is_ipv6(), v6),
        }
    }
    let mut broadcast = None;
    if i.bool() {
        let IpAddr::V4(b) = i.ip(false) else {
            unreachable!()
        };
        match r.broadcast(b) {
            Ok(x) => {
                assert!(!v6, "a broadcast address for IPv6 accepted");
                r = x;
                broadcast = Some(IpAddr::V4(b));
            }
            Err(_) => assert!(v6, "an IPv4 broadcast address refused"),
        }
    }
    let label = i.str(20);
    let with_label = i.bool();
    if with_label {
        match r.label(label) {
            Ok(x) => r = x,
            Err(_) => assert!(label.len() > 15 || label.contains('\0')),
        }
    }
    let label = (with_label && label.len() <= 15 && !label.contains('\0')).then_some(label);
    let flags = i.u32();
    r = r.flags(flags);
    let scope = i.u8();
    r = r.scope(scope);
    let (valid, preferred) = (i.u32(), i.u32());
    let with_life = i.bool();
    let mut life = None;
    if with_life {
        match r.lifetimes(valid, preferred) {
            Ok(x) => {
                r = x;
                life = Some((valid, preferred));
            }
            Err(_) => assert!(preferred > valid),
        }
    }
    let metric = i.opt_u32();
    if let Some(m) = metric {
        r = r.metric(m);
    }

    let mut buf = [0u8; 512];
    let m = emit(&r, &mut buf);
    let v = AddressMessage::from_message(&m).expect("our address request parses");
    assert_eq!(v.header.index, index);
    assert_eq!(v.header.prefix_len, len);
    assert_eq!(v.header.scope, scope);
    assert_eq!(v.addr(), Some(addr));
    assert_eq!(v.peer(), peer.filter(|p| *p != addr));
    assert_eq!(v.broadcast, broadcast);
    assert_eq!(v.label, label);
    assert_eq!(v.flags, flags);
    assert_eq!(
        v.cacheinfo.map(|c| (c.valid, c.preferred)),
        life,
        "lifetimes"
    );
    assert_eq!(v.priority, metric);
}

/// `NeighbourRequest`: address, link-layer address, state, proxy and router
/// flags, read back through `NeighbourMessage`.
pub fn neighbour_request(data: &[u8]) {
    let mut i = Input(data);
    let v6 = i.bool();
    let dst = i.ip(v6);
    let index = i.u32();
    let op = i.u8() % 3;
    let r = match op {
        0 => NeighbourRequest::add(index, dst),
        1 => NeighbourRequest::replace(index, dst),
        _ => NeighbourRequest::delete(index, dst),
    };
    assert_eq!(r.is_ok(), index != 0);
    let Ok(mut r) = r else { return };
    let ll_len = usize::from(i.u8() % 40);
    let ll = i.bytes(ll_len);
    let with_ll = i.bool();
    if with_ll {
        match r.lladdr(ll) {
            Ok(x) => r = x,
            Err(_) => assert!(ll.len() > 32),
        }
    }
    let lladdr = (with_ll && ll.len() <= 32).then_some(ll);
    let state = i.u16();
    let with_state = i.bool();
    if with_state {
        r = r.state(state);
    }
    let f = i.u8();
    if f & 1 != 0 {
        r = r.proxy();
    }
    if f & 2 != 0 {
        r = r.router();
    }
    let mut buf = [0u8; 256];
    let m = emit(&r, &mut buf);
    let v = NeighbourMessage::from_message(&m).expect("our neighbour request parses");
    assert_eq!(v.header.index, index);
    assert_eq!(v.dst, Some(dst));
    assert_eq!(v.lladdr, lladdr);
    // A delete carries no state (the kernel matches on the address).
    let want_state = match (op, with_state) {
        (2, _) => 0,
        (_, true) => state,
        (_, false) => crate::route::neigh::NUD_PERMANENT,
    };
    assert_eq!(v.header.state, want_state);
    assert_eq!(v.header.flags & 0x08 != 0, f & 1 != 0, "NTF_PROXY");
    assert_eq!(v.header.flags & 0x80 != 0, f & 2 != 0, "NTF_ROUTER");
}

/// `RuleRequest`: table, action, priority, from/to prefixes, fwmark and mask,
/// input/output interface names and goto, read back through `RuleMessage`.
pub fn rule_request(data: &[u8]) {
    let mut i = Input(data);
    let v6 = i.bool();
    let mut r = if i.bool() {
        RuleRequest::delete(v6)
    } else {
        RuleRequest::add(v6)
    };
    let table = i.u32();
    r = r.table(table);
    let action = i.u8();
    let with_action = i.bool();
    if with_action {
        r = r.action(action);
    }
    let priority = i.opt_u32();
    if let Some(p) = priority {
        r = r.priority(p);
    }
    let mut prefixes = [None, None];
    for (k, slot) in prefixes.iter_mut().enumerate() {
        if !i.bool() {
            continue;
        }
        let a = {
            let v6 = i.bool();
            i.ip(v6)
        };
        let len = i.u8();
        let res = if k == 0 { r.from(a, len) } else { r.to(a, len) };
        match res {
            Ok(x) => {
                assert!(
                    a.is_ipv6() == v6 && prefix_ok(&a, len),
                    "bad prefix accepted"
                );
                r = x;
                *slot = Some((a, len));
            }
            Err(_) => assert!(a.is_ipv6() != v6 || !prefix_ok(&a, len)),
        }
    }
    let fwmark = i.opt_u32();
    let fwmask = i.opt_u32();
    if let Some(m) = fwmark {
        r = r.fwmark(m, fwmask);
    }
    let mut names = [None, None];
    for (k, slot) in names.iter_mut().enumerate() {
        let n = i.str(20);
        if !i.bool() {
            continue;
        }
        let res = if k == 0 { r.iif(n) } else { r.oif(n) };
        match res {
            Ok(x) => {
                assert!(kernel_accepts_ifname(n), "bad name {n:?} accepted");
                r = x;
                *slot = Some(n);
            }
            Err(_) => assert!(!kernel_accepts_ifname(n), "good name {n:?} refused"),
        }
    }
    let goto = i.opt_u32();
    if let Some(g) = goto {
        r = r.goto(g);
    }
    let mut buf = [0u8; 512];
    let m = emit(&r, &mut buf);
    let v = RuleMessage::from_message(&m).expect("our rule request parses");
    assert_eq!(v.header.family, if v6 { 10 } else { 2 });
    assert_eq!(v.table, table);
    let want_action = match (goto, with_action) {
        (Some(_), _) => crate::route::rule::FR_ACT_GOTO,
        (None, true) => action,
        (None, false) => crate::route::rule::FR_ACT_TO_TBL,
    };
    assert_eq!(v.header.kind, want_action);
    assert_eq!(v.priority, priority);
    assert_eq!(
        (v.src, v.header.src_len),
        prefixes[0].map_or((None, 0), |(a, l)| (Some(a), l))
    );
    assert_eq!(
        (v.dst, v.header.dst_len),
        prefixes[1].map_or((None, 0), |(a, l)| (Some(a), l))
    );
    assert_eq!(v.fwmark, fwmark);
    assert_eq!(v.fwmask, fwmark.and(fwmask));
    assert_eq!((v.iifname, v.oifname), (names[0], names[1]));
    assert_eq!(v.goto, goto);
}

/// `LinkRequest` of every kind, and `LinkRequest` by index or name with rename,
/// alias and the common settings, read back through `LinkMessage`.
pub fn link_request(data: &[u8]) {
    use crate::route::{Bond, BondMode, IpvlanMode, LinkRequest, MacvlanMode, NetnsRef, Vxlan};
    let mut i = Input(data);
    let name = i.str(20);
    let peer = i.str(20);
    let lower = i.u32();
    let kind = match i.u8() % 9 {
        0 => LinkKind::Veth {
            peer,
            peer_netns: i.bool().then_some(NetnsRef::Pid(lower)),
        },
        1 => LinkKind::Bridge(Default::default()),
        2 => LinkKind::Dummy,
        3 => LinkKind::Wireguard,
        4 => LinkKind::Macvlan {
            link: lower,
            mode: [
                MacvlanMode::Private,
                MacvlanMode::Vepa,
                MacvlanMode::Bridge,
                MacvlanMode::Passthru,
                MacvlanMode::Source,
            ][usize::from(i.u8() % 5)],
        },
        5 => LinkKind::Ipvlan {
            link: lower,
            mode: [IpvlanMode::L2, IpvlanMode::L3, IpvlanMode::L3s][usize::from(i.u8() % 3)],
        },
        6 => LinkKind::Vlan {
            link: lower,
            id: i.u16(),
        },
        7 => LinkKind::Vxlan(Vxlan {
            remote: i.bool().then_some(IpAddr::from([198, 51, 100, 1])),
            link: i.bool().then_some(lower),
            port: i.bool().then_some(4789),
            ..Vxlan::new(i.u32())
        }),
        _ => LinkKind::Bond(Bond {
            mode: i.bool().then_some(BondMode::ActiveBackup),
            ..Bond::default()
        }),
    };
    let mtu = i.opt_u32();
    let txqlen = i.opt_u32();
    let up = i.u8() % 3;
    let hw_len = usize::from(i.u8() % 40);
    let hw = i.bytes(hw_len);
    let master = i.opt_u32();

    // Creation.
    let r = LinkRequest::add(name, kind);
    let name_ok = kernel_accepts_ifname(name);
    let peer_ok = !matches!(kind, LinkKind::Veth { .. }) || kernel_accepts_ifname(peer);
    let lower_ok = !matches!(
        kind,
        LinkKind::Macvlan { .. } | LinkKind::Ipvlan { .. } | LinkKind::Vlan { .. }
    ) || lower != 0;
    let vlan_ok = !matches!(kind, LinkKind::Vlan { id, .. } if id > 4094);
    let vni_ok = !matches!(kind, LinkKind::Vxlan(v) if v.id.is_some_and(|id| id >= 1 << 24));
    let valid = name_ok && peer_ok && lower_ok && vlan_ok && vni_ok;
    assert_eq!(r.is_ok(), valid, "LinkRequest {name:?} {kind:?}");
    if let Ok(mut r) = r {
        if let Some(m) = mtu {
            r = r.mtu(m);
        }
        if let Some(q) = txqlen {
            r = r.txqlen(q);
        }
        if up > 0 {
            r = r.up(up == 1);
        }
        let hw_ok = r.address(hw).is_ok();
        assert_eq!(hw_ok, hw.len() <= 32);
        if hw_ok {
            r = r.address(hw).expect("checked");
        }
        if let Some(m) = master {
            match r.master(m) {
                Ok(x) => r = x,
                Err(_) => assert_eq!(m, 0),
            }
        }
        let mut buf = [0u8; 512];
        let m = emit(&r, &mut buf);
        let v = LinkMessage::from_message(&m).expect("our link request parses");
        assert_eq!(v.name, Some(name));
        assert_eq!(v.kind, Some(kind.name()));
        assert_eq!(v.mtu, mtu);
        assert_eq!(v.txqlen, txqlen);
        assert_eq!(v.address, hw_ok.then_some(hw));
        assert_eq!(v.master, master.filter(|&m| m != 0));
        let lower_attr = match kind {
            LinkKind::Macvlan { link, .. }
            | LinkKind::Ipvlan { link, .. }
            | LinkKind::Vlan { link, .. } => Some(link),
            _ => None,
        };
        assert_eq!(v.link, lower_attr);
        assert_eq!(v.header.flags & 1 != 0, up == 1, "IFF_UP");
        assert_eq!(v.header.change & 1 != 0, up > 0, "change mask");
    }

    // Change.
    let by_index = i.bool();
    let index = i.u32();
    let new_name = i.str(20);
    let alias = i.str(40);
    let r = if by_index {
        LinkRequest::set(index)
    } else {
        LinkRequest::set(name)
    };
    assert_eq!(
        r.is_ok(),
        if by_index { index != 0 } else { name_ok },
        "LinkRequest target"
    );
    let Ok(mut r) = r else { return };
    let renamed = match r.rename(new_name) {
        Ok(x) => {
            assert!(by_index && kernel_accepts_ifname(new_name));
            r = x;
            true
        }
        Err(_) => {
            assert!(!by_index || !kernel_accepts_ifname(new_name));
            false
        }
    };
    match r.alias(alias) {
        Ok(x) => {
            assert!(
                alias.len() <= 255 && !alias.contains('\0'),
                "bad alias accepted"
            );
            r = x;
        }
        Err(_) => assert!(
            alias.len() > 255 || alias.contains('\0'),
            "good alias refused"
        ),
    }
    let alias = (alias.len() <= 255 && !alias.contains('\0')).then_some(alias);
    let nomaster = i.bool();
    if nomaster {
        r = r.nomaster();
    }
    let mut buf = [0u8; 512];
    let m = emit(&r, &mut buf);
    let v = LinkMessage::from_message(&m).expect("our link change parses");
    let target = if by_index {
        (index, renamed.then_some(new_name))
    } else {
        (0, Some(name))
    };
    assert_eq!((v.header.index, v.name), target);
    assert_eq!(v.alias, alias);
    assert_eq!(v.master, nomaster.then_some(0));
}

/// `NexthopRequest`: id, gateway, device, onlink, protocol, blackhole,
/// fdb, and groups (hash-threshold or resilient) of up to eight weighted
/// members; a weight of 0 is refused, and every weight up to 256 reads
/// back as given (it travels as weight − 1; the high byte of larger ones
/// is read only when the kernel's reply says it may be).
pub fn nexthop_request(data: &[u8]) {
    let mut i = Input(data);
    let id = i.u32();
    let op = i.u8() % 3;
    let r = match op {
        0 => NexthopRequest::add(id),
        1 => NexthopRequest::replace(id),
        _ => NexthopRequest::delete(id),
    };
    assert_eq!(r.is_ok(), id != 0 || op == 0, "id check");
    let Ok(mut r) = r else { return };
    let shape = i.u8() % 4;
    let mut members = [GroupMember::new(0); 8];
    let n = usize::from(i.u8() % 9);
    for m in members.iter_mut().take(n) {
        let (mid, w) = (i.u32(), i.u16() % 300);
        match GroupMember::weighted(mid, w) {
            Ok(g) => *m = g,
            Err(_) => {
                assert_eq!(w, 0);
                *m = GroupMember::new(mid);
            }
        }
    }
    let res = ResGroup {
        buckets: i.bool().then(|| i.u16()),
        idle_timer: i.bool().then(|| i.u32()),
        unbalanced_timer: i.bool().then(|| i.u32()),
        unbalanced_time: None,
    };
    let mut gateway = None;
    let mut oif = None;
    match shape {
        0 => {
            if i.bool() {
                let v6 = i.bool();
                let g = i.ip(v6);
                gateway = Some(g);
                r = r.gateway(g);
            }
            if i.bool() {
                let d = i.u32();
                oif = Some(d);
                r = r.device(d);
            }
            if i.bool() {
                r = r.onlink();
            }
        }
        1 => r = r.blackhole(),
        2 => match r.group(&members[..n]) {
            Ok(x) => r = x,
            Err(_) => return assert_eq!(n, 0),
        },
        _ => match r.resilient_group(&members[..n], res) {
            Ok(x) => r = x,
            Err(_) => return assert_eq!(n, 0),
        },
    }
    let proto = i.u8();
    r = r.protocol(proto);
    let mut buf = [0u8; 512];
    let m = emit(&r, &mut buf);
    let v = NexthopMessage::from_message(&m).expect("our nexthop request parses");
    assert_eq!(v.id, (id != 0).then_some(id));
    assert_eq!(v.header.protocol, proto);
    match shape {
        0 => {
            assert_eq!((v.gateway, v.oif), (gateway, oif));
            assert!(!v.blackhole && v.group.is_none());
        }
        1 => assert!(v.blackhole),
        _ => {
            let got = v.group.expect("a group");
            let low = |g: GroupMember| GroupMember {
                weight: (g.weight - 1) % 256 + 1,
                ..g
            };
            assert!(
                got.eq(members[..n].iter().copied().map(low)),
                "members as given"
            );
            if shape == 3 {
                assert_eq!(v.group_type, Some(crate::route::nh::NEXTHOP_GRP_TYPE_RES));
                assert_eq!(v.res_group, Some(res));
            } else {
                assert_eq!(v.group_type, None);
            }
        }
    }
}

/// Six bytes of input (zeros past its end).
fn mac(i: &mut Input<'_>) -> [u8; 6] {
    let mut m = [0u8; 6];
    let b = i.bytes(6);
    m[..b.len()].copy_from_slice(b);
    m
}

/// An address of either family, half of the time.
fn opt_ip(i: &mut Input<'_>) -> Option<IpAddr> {
    if i.bool() {
        let v6 = i.bool();
        Some(i.ip(v6))
    } else {
        None
    }
}

/// The attribute kinds of a message view, in order.
fn kinds(a: crate::wire::Attrs<'_>) -> ([u16; 16], usize) {
    let mut out = [0u16; 16];
    let mut n = 0;
    for x in a {
        let x = x.expect("our attributes parse");
        out[n] = x.kind();
        n += 1;
    }
    (out, n)
}

/// The forwarding database's requests — an `FdbRequest` (add, append,
/// replace, delete; either table, a named or raw state, extra `NTF_*`
/// flags, VLAN, VXLAN remote, via, nexthop, activity notification), an
/// `FdbFlush` (flags, state and masks by repeated calls), a
/// `GetFdbEntries` dump (and its filters on an entry) and a `GetFdbEntry` —
/// built from arbitrary values, read back through `FdbMessage`: every
/// field as given, nothing else sent, a VNI past 24 bits refused,
/// `NTF_SELF` when no table is named.
pub fn fdb_request(data: &[u8]) {
    let mut i = Input(data);
    match i.u8() % 4 {
        0 => fdb_modify(&mut i),
        1 => fdb_flush(&mut i),
        2 => fdb_dump(&mut i),
        _ => fdb_get(&mut i),
    }
}

/// A VNI from the input: `Some` half of the time, any 32-bit value.
fn opt_vni(i: &mut Input<'_>) -> Option<u32> {
    i.opt_u32()
        .map(|v| if i.bool() { v & 0xff_ffff } else { v })
}

/// `table`'s bits 0 and 1: the master's table, the device's own.
fn table_ntf(table: u8) -> u8 {
    use crate::route::fdb::{NTF_MASTER, NTF_SELF};
    (if table & 1 != 0 { NTF_MASTER } else { 0 }) | (if table & 2 != 0 { NTF_SELF } else { 0 })
}

fn fdb_modify(i: &mut Input<'_>) {
    use crate::route::fdb::*;
    use crate::route::neigh::{NDA_LLADDR, NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE};
    use crate::route::{AF_BRIDGE, FdbMessage, FdbRequest, FdbState, RTM_DELNEIGH, RTM_NEWNEIGH};
    use crate::wire::{
        NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
    };
    let port = i.u32();
    let m = mac(i);
    let op = i.u8() % 4;
    let mut r = match op {
        0 => FdbRequest::add(port, m),
        1 => FdbRequest::append(port, m),
        2 => FdbRequest::replace(port, m),
        _ => FdbRequest::delete(port, m),
    };
    let table = i.u8();
    let extra = i.u8() & (NTF_USE | NTF_EXT_LEARNED | NTF_STICKY | NTF_ROUTER);
    if table & 1 != 0 {
        r = r.on_master();
    }
    if table & 2 != 0 {
        r = r.on_self();
    }
    r = r.flags(extra);
    let nud = match i.u8() % 5 {
        0 => NUD_NOARP | NUD_PERMANENT,
        1 => {
            r = r.state(FdbState::Permanent);
            NUD_NOARP | NUD_PERMANENT
        }
        2 => {
            r = r.state(FdbState::Static);
            NUD_NOARP | NUD_REACHABLE
        }
        3 => {
            r = r.state(FdbState::Dynamic);
            NUD_REACHABLE
        }
        _ => {
            let n = i.u16();
            r = r.nud_state(n);
            n
        }
    };
    let vlan = i.bool().then(|| i.u16());
    if let Some(v) = vlan {
        r = r.vlan(v);
    }
    let dst = opt_ip(i);
    if let Some(d) = dst {
        r = r.dst(d);
    }
    let udp = i.bool().then(|| i.u16());
    if let Some(p) = udp {
        r = r.udp_port(p);
    }
    let mut vnis = [None, None];
    for (k, slot) in vnis.iter_mut().enumerate() {
        let Some(v) = opt_vni(i) else { continue };
        let x = if k == 0 { r.vni(v) } else { r.src_vni(v) };
        match x {
            Ok(x) => {
                assert!(v >> 24 == 0, "VNI {v} accepted");
                r = x;
                *slot = Some(v);
            }
            Err(_) => assert!(v >> 24 != 0, "VNI {v} refused"),
        }
    }
    let via = i.opt_u32();
    if let Some(v) = via {
        r = r.via(v);
    }
    let nhid = i.opt_u32();
    if let Some(n) = nhid {
        r = r.nhid(n);
    }
    let ext = i.u8();
    if ext & 1 != 0 {
        r = r.activity_notify(ext & 2 != 0, ext & 4 != 0);
    }
    if ext & 8 != 0 {
        r = r.norefresh();
    }
    let mut buf = [0u8; 256];
    let msg = emit(&r, &mut buf);
    let (kind, flags) = match op {
        0 => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL),
        1 => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND),
        2 => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE),
        _ => (RTM_DELNEIGH, 0),
    };
    assert_eq!(msg.kind(), kind);
    assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_ACK | flags);
    let v = FdbMessage::from_message(&msg).expect("our fdb request parses");
    assert_eq!((v.header.family, v.header.index), (AF_BRIDGE, port));
    let tables = match table_ntf(table) {
        0 => NTF_SELF,
        t => t,
    };
    assert_eq!(v.header.flags, tables | extra, "NTF_* flags");
    assert_eq!((v.header.state, v.header.kind), (nud, 0));
    assert_eq!(v.lladdr, Some(&m[..]));
    assert_eq!((v.vlan, v.dst, v.via), (vlan, dst, via));
    // A port or nexthop of 0 is not sent, as `bridge` does not send it.
    assert_eq!(v.port, udp.filter(|p| *p != 0));
    assert_eq!(v.nhid, nhid.filter(|n| *n != 0));
    assert_eq!((v.vni, v.src_vni), (vnis[0], vnis[1]));
    let notify = if ext & 1 != 0 {
        (if ext & 2 != 0 { FDB_NOTIFY_BIT } else { 0 })
            | (if ext & 4 != 0 {
                FDB_NOTIFY_INACTIVE_BIT
            } else {
                0
            })
    } else {
        0
    };
    assert_eq!(v.notify, (notify != 0).then_some(notify));
    let ext_attrs = v.raw_attrs().find(NDA_FDB_EXT_ATTRS).expect("parses");
    assert_eq!(ext_attrs.is_some(), notify != 0 || ext & 8 != 0);
    if let Some(a) = ext_attrs {
        assert!(a.is_nested(), "NLA_F_NESTED, which the kernel requires");
        assert_eq!(
            a.nested()
                .find(NFEA_DONT_REFRESH)
                .expect("parses")
                .is_some(),
            ext & 8 != 0
        );
    }
    // Nothing else is sent.
    let (k, n) = kinds(v.raw_attrs());
    let expected = 1
        + usize::from(vlan.is_some())
        + usize::from(dst.is_some())
        + usize::from(v.port.is_some())
        + usize::from(vnis[0].is_some())
        + usize::from(vnis[1].is_some())
        + usize::from(via.is_some())
        + usize::from(v.nhid.is_some())
        + usize::from(ext_attrs.is_some());
    assert_eq!(n, expected, "attributes {:?}", &k[..n]);
    assert_eq!(k[0], NDA_LLADDR);
}

fn fdb_flush(i: &mut Input<'_>) {
    use crate::route::fdb::*;
    use crate::route::{AF_BRIDGE, FdbFlush, FdbMessage, RTM_DELNEIGH};
    use crate::wire::{NLM_F_ACK, NLM_F_REQUEST};
    let dev = i.u32();
    let mut f = FdbFlush::new(dev);
    // Flags and state with their masks, sent as given: a later call
    // replaces an earlier one, but for the table bits (`NTF_SELF`,
    // `NTF_MASTER`), which add up.
    let (mut flags, mut flags_mask, mut state, mut state_mask) = (0u8, 0u8, 0u16, 0u16);
    for _ in 0..usize::from(i.u8() % 4) {
        if i.bool() {
            let (v, m) = (i.u8(), i.u8());
            f = f.flags(v, m);
            flags = (flags & (NTF_SELF | NTF_MASTER)) | v;
            flags_mask = m;
        } else {
            let (v, m) = (i.u16(), i.u16());
            f = f.state(v, m);
            (state, state_mask) = (v, m);
        }
    }
    let table = i.u8();
    if table & 1 != 0 {
        f = f.on_master();
    }
    if table & 2 != 0 {
        f = f.on_self();
    }
    let ntf = flags | table_ntf(table);
    let ntf = if ntf & (NTF_SELF | NTF_MASTER) == 0 {
        ntf | NTF_SELF
    } else {
        ntf
    };
    let brport = i.opt_u32();
    if let Some(p) = brport {
        f = f.brport(p);
    }
    let vlan = i.bool().then(|| i.u16());
    if let Some(v) = vlan {
        f = f.vlan(v);
    }
    let mut vnis = [None, None];
    for (k, slot) in vnis.iter_mut().enumerate() {
        let Some(v) = opt_vni(i) else { continue };
        let x = if k == 0 { f.vni(v) } else { f.src_vni(v) };
        match x {
            Ok(x) => {
                assert!(v >> 24 == 0, "VNI {v} accepted");
                f = x;
                *slot = Some(v);
            }
            Err(_) => assert!(v >> 24 != 0, "VNI {v} refused"),
        }
    }
    let nhid = i.opt_u32();
    if let Some(n) = nhid {
        f = f.nhid(n);
    }
    let udp = i.bool().then(|| i.u16());
    if let Some(p) = udp {
        f = f.udp_port(p);
    }
    let dst = opt_ip(i);
    if let Some(d) = dst {
        f = f.dst(d);
    }
    let mut buf = [0u8; 256];
    let msg = emit(&f, &mut buf);
    assert_eq!(msg.kind(), RTM_DELNEIGH);
    assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_ACK | NLM_F_BULK);
    let v = FdbMessage::from_message(&msg).expect("our flush parses");
    assert_eq!((v.header.family, v.header.index), (AF_BRIDGE, dev));
    assert_eq!((v.header.flags, v.header.state), (ntf, state));
    assert_eq!(v.lladdr, None, "a flush names no MAC");
    assert_eq!((v.via, v.vlan, v.dst), (brport, vlan, dst));
    assert_eq!((v.vni, v.src_vni), (vnis[0], vnis[1]));
    assert_eq!(v.nhid, nhid.filter(|n| *n != 0));
    assert_eq!(v.port, udp.filter(|p| *p != 0));
    let fm = v
        .raw_attrs()
        .find(NDA_NDM_FLAGS_MASK)
        .expect("parses")
        .map(|a| a.u8());
    assert_eq!(fm, (flags_mask != 0).then_some(Ok(flags_mask)));
    let sm = v
        .raw_attrs()
        .find(NDA_NDM_STATE_MASK)
        .expect("parses")
        .map(|a| a.u16());
    assert_eq!(sm, (state_mask != 0).then_some(Ok(state_mask)));
    let (k, n) = kinds(v.raw_attrs());
    let expected = usize::from(brport.is_some())
        + usize::from(vlan.is_some())
        + usize::from(vnis[0].is_some())
        + usize::from(vnis[1].is_some())
        + usize::from(v.nhid.is_some())
        + usize::from(v.port.is_some())
        + usize::from(dst.is_some())
        + usize::from(fm.is_some())
        + usize::from(sm.is_some());
    assert_eq!(n, expected, "attributes {:?}", &k[..n]);
}

fn fdb_dump(i: &mut Input<'_>) {
    use crate::route::neigh::{NDA_MASTER, NUD_PERMANENT};
    use crate::route::{AF_BRIDGE, FdbMessage, FdbRequest, GetFdbEntries, RTM_GETNEIGH};
    use crate::wire::{NLM_F_DUMP, NLM_F_REQUEST};
    let port = i.u32() % 4;
    let bridge = i.opt_u32();
    let vlan = i.bool().then(|| i.u16() % 4);
    let states = i.u16();
    let dynamic = i.bool();
    let mut g = GetFdbEntries::new().port(port);
    if let Some(b) = bridge {
        g = g.bridge(b);
    }
    if let Some(v) = vlan {
        g = g.vlan(v);
    }
    g = g.states(states);
    if dynamic {
        g = g.dynamic();
    }
    let mut buf = [0u8; 64];
    let msg = emit(&g, &mut buf);
    assert_eq!(msg.kind(), RTM_GETNEIGH);
    assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_DUMP);
    let v = FdbMessage::parse(msg.payload()).expect("our dump request parses");
    // What the strict kernel takes: ndm_ifindex and NDA_MASTER, nothing
    // else (the other filters are applied to what comes back).
    assert_eq!((v.header.family, v.header.index), (AF_BRIDGE, port));
    assert_eq!((v.header.state, v.header.flags, v.header.kind), (0, 0, 0));
    assert_eq!(v.master, bridge);
    let (k, n) = kinds(v.raw_attrs());
    assert!(k[..n].iter().all(|k| *k == NDA_MASTER) && n == usize::from(bridge.is_some()));

    // An entry as the kernel would send it: the filters as `bridge`
    // applies them.
    let (index, nud) = (i.u32() % 4, i.u16());
    let evlan = i.bool().then(|| i.u16() % 4);
    let mut e = FdbRequest::add(index, [2, 0, 0, 0, 0, 1]).nud_state(nud);
    if let Some(v) = evlan {
        e = e.vlan(v);
    }
    let mut buf = [0u8; 64];
    let msg = emit(&e, &mut buf);
    let m = FdbMessage::from_message(&msg).unwrap();
    let want = (port == 0 || index == port)
        && vlan.is_none_or(|v| v == 0 || evlan.unwrap_or(0) == v)
        && (states == 0 || nud & states != 0)
        && (!dynamic || nud & NUD_PERMANENT == 0);
    assert_eq!(g.matches(&m), want);
    assert_eq!(crate::request::Request::accepts(&g, &msg), want);
}

fn fdb_get(i: &mut Input<'_>) {
    use crate::route::neigh::{NDA_LLADDR, NDA_MASTER};
    use crate::route::{AF_BRIDGE, FdbMessage, GetFdbEntry, RTM_GETNEIGH};
    use crate::wire::{NLM_F_ACK, NLM_F_REQUEST};
    let port = i.u32();
    let m = mac(i);
    let mut g = GetFdbEntry::new(port, m);
    let bridge = i.opt_u32();
    if let Some(b) = bridge {
        g = g.bridge(b);
    }
    let vlan = i.bool().then(|| i.u16());
    if let Some(v) = vlan {
        g = g.vlan(v);
    }
    let mut vni = None;
    if let Some(v) = opt_vni(i) {
        match g.vni(v) {
            Ok(x) => {
                assert!(v >> 24 == 0, "VNI {v} accepted");
                g = x;
                vni = Some(v);
            }
            Err(_) => assert!(v >> 24 != 0, "VNI {v} refused"),
        }
    }
    let table = i.u8();
    if table & 1 != 0 {
        g = g.on_master();
    }
    if table & 2 != 0 {
        g = g.on_self();
    }
    let mut buf = [0u8; 128];
    let msg = emit(&g, &mut buf);
    assert_eq!(msg.kind(), RTM_GETNEIGH);
    assert_eq!(
        msg.flags(),
        NLM_F_REQUEST | NLM_F_ACK,
        "one entry, not a dump"
    );
    let v = FdbMessage::parse(msg.payload()).expect("our get request parses");
    assert_eq!((v.header.family, v.header.index), (AF_BRIDGE, port));
    // The kernel refuses a state, and flags but NTF_SELF and NTF_MASTER.
    assert_eq!((v.header.state, v.header.flags), (0, table_ntf(table)));
    assert_eq!(v.lladdr, Some(&m[..]));
    assert_eq!((v.master, v.vlan, v.vni), (bridge, vlan, vni));
    let (k, n) = kinds(v.raw_attrs());
    assert_eq!(k[0], NDA_LLADDR);
    assert_eq!(
        n,
        1 + usize::from(bridge.is_some())
            + usize::from(vlan.is_some())
            + usize::from(vni.is_some())
    );
    assert!(k[..n].iter().filter(|k| **k == NDA_MASTER).count() <= 1);
}

/// Bridge VLAN requests — a `BridgeVlanRequest` (add or delete, one VLAN
/// or a range, `pvid`, `untagged`, `self`, `master`) from any 16-bit
/// values, read back through `BridgeVlanMessage`: every field as given,
/// nothing else sent, a VLAN past 4095 and a range end not above its
/// start refused (and only those) — and a `GetBridgeVlans` dump, with its
/// filter on a link message of any family and index.
pub fn bridge_vlan_request(data: &[u8]) {
    let mut i = Input(data);
    if i.u8() % 3 == 0 {
        bridge_vlan_dump(&mut i)
    } else {
        bridge_vlan_modify(&mut i)
    }
}

fn bridge_vlan_modify(i: &mut Input<'_>) {
    use crate::InvalidInput;
    use crate::route::brvlan::*;
    use crate::route::{AF_BRIDGE, BridgeVlanMessage, BridgeVlanRequest, RTM_DELLINK, RTM_SETLINK};
    use crate::wire::{Attrs, NLM_F_ACK, NLM_F_REQUEST};
    let index = i.u32();
    let delete = i.bool();
    // Mostly VLANs that fit, sometimes any 16-bit value.
    let wide = i.u8();
    let fit = |v: u16| if wide & 1 == 0 { v % 4096 } else { v };
    let vid = fit(i.u16());
    let r = if delete {
        BridgeVlanRequest::delete(index, vid)
    } else {
        BridgeVlanRequest::add(index, vid)
    };
    match r {
        Err(e) => {
            assert!(vid >= 4096, "VLAN {vid} refused");
            assert!(matches!(e, InvalidInput::OutOfRange { .. }), "{e:?}");
            return;
        }
        Ok(_) => assert!(vid < 4096, "VLAN {vid} accepted"),
    }
    let mut r = r.unwrap();
    let mut end = None;
    if i.bool() {
        let e = if wide & 2 == 0 {
            vid.saturating_add(i.u16() % 8).min(4100)
        } else {
            fit(i.u16())
        };
        match r.range_to(e) {
            Ok(x) => {
                assert!(e > vid && e < 4096, "range {vid}-{e} accepted");
                r = x;
                end = Some(e);
            }
            Err(err) => {
                assert!(e <= vid || e >= 4096, "range {vid}-{e} refused");
                assert!(matches!(err, InvalidInput::OutOfRange { .. }), "{err:?}");
            }
        }
    }
    let opts = i.u8();
    let mut flags = 0u16;
    if opts & 1 != 0 {
        r = r.pvid();
        flags |= BRIDGE_VLAN_INFO_PVID;
    }
    if opts & 2 != 0 {
        r = r.untagged();
        flags |= BRIDGE_VLAN_INFO_UNTAGGED;
    }
    let mut bridge_flags = 0u16;
    if opts & 4 != 0 {
        r = r.on_self();
        bridge_flags |= BRIDGE_FLAGS_SELF;
    }
    if opts & 8 != 0 {
        r = r.on_master();
        bridge_flags |= BRIDGE_FLAGS_MASTER;
    }
    let mut buf = [0u8; 96];
    let msg = emit(&r, &mut buf);
    assert_eq!(msg.kind(), if delete { RTM_DELLINK } else { RTM_SETLINK });
    assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_ACK);
    let v = BridgeVlanMessage::parse(msg.payload()).expect("our vlan request parses");
    assert_eq!((v.header.family, v.header.index), (AF_BRIDGE, index));
    assert_eq!(
        (v.header.link_type, v.header.flags, v.header.change),
        (0, 0, 0)
    );
    assert_eq!((v.name, v.master), (None, None));
    let want = |f: u16, vid: u16| VlanInfo { flags: f, vid };
    let mut got = v.vlans();
    match end {
        Some(e) => {
            assert_eq!(
                got.next(),
                Some(Ok(want(flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, vid)))
            );
            assert_eq!(
                got.next(),
                Some(Ok(want(flags | BRIDGE_VLAN_INFO_RANGE_END, e)))
            );
        }
        None => assert_eq!(got.next(), Some(Ok(want(flags, vid)))),
    }
    assert_eq!(got.next(), None);
    // One IFLA_AF_SPEC; in it the bridge flags (when any were asked for)
    // first, then the entries.
    let (k, n) = kinds(Attrs::new(&msg.payload()[16..]));
    assert_eq!(&k[..n], [IFLA_AF_SPEC]);
    let spec = Attrs::new(&msg.payload()[16..]).next().unwrap().unwrap();
    let (k, n) = kinds(spec.nested());
    let entries = if end.is_some() { 2 } else { 1 };
    let info = [IFLA_BRIDGE_VLAN_INFO; 2];
    if bridge_flags != 0 {
        assert_eq!(k[0], IFLA_BRIDGE_FLAGS);
        assert_eq!(&k[1..n], &info[..entries]);
        let f = spec.nested().next().unwrap().unwrap();
        assert_eq!(f.u16(), Ok(bridge_flags));
    } else {
        assert_eq!(&k[..n], &info[..entries]);
    }
}

fn bridge_vlan_dump(i: &mut Input<'_>) {
    use crate::request::RawRequest;
    use crate::route::brvlan::*;
    use crate::route::link::IFLA_EXT_MASK;
    use crate::route::{
        AF_BRIDGE, BridgeVlanMessage, GetBridgeVlans, IfInfoMsg, RTM_DELLINK, RTM_GETLINK,
        RTM_NEWADDR, RTM_NEWLINK,
    };
    use crate::wire::{Attrs, NLM_F_DUMP, NLM_F_REQUEST};
    let compressed = i.bool();
    let link = i.u32() % 4;
    let mut g = GetBridgeVlans::new();
    if compressed {
        g = g.compressed();
    }
    g = g.link(link);
    let mut buf = [0u8; 64];
    let msg = emit(&g, &mut buf);
    assert_eq!(msg.kind(), RTM_GETLINK);
    assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_DUMP);
    // What the strict kernel takes: a bare ifinfomsg of PF_BRIDGE (no
    // index: the link is picked from what comes back) and the mask.
    let h = IfInfoMsg::parse(msg.payload()).expect("our dump request parses");
    assert_eq!(
        h,
        IfInfoMsg {
            family: AF_BRIDGE,
            ..Default::default()
        }
    );
    let (k, n) = kinds(Attrs::new(&msg.payload()[16..]));
    assert_eq!(&k[..n], [IFLA_EXT_MASK]);
    let mask = Attrs::new(&msg.payload()[16..]).next().unwrap().unwrap();
    let want = if compressed {
        RTEXT_FILTER_BRVLAN_COMPRESSED
    } else {
        RTEXT_FILTER_BRVLAN
    };
    assert_eq!(mask.u32(), Ok(want));

    // A link message of any family and index, as the kernel would send it.
    let (family, index) = (i.u8() % 8, i.u32() % 4);
    let mut p = [0u8; 32];
    let mut w = Writer::new(&mut p);
    IfInfoMsg {
        family,
        index,
        ..Default::default()
    }
    .emit(&mut w);
    w.attr_u32(crate::route::link::IFLA_MASTER, index);
    let len = w.finish().unwrap();
    let v = BridgeVlanMessage::parse(&p[..len]).unwrap();
    let want = family == AF_BRIDGE && (link == 0 || index == link);
    assert_eq!(g.matches(&v), want);
    for (kind, accepted) in [
        (RTM_NEWLINK, want),
        (RTM_DELLINK, want),
        // Not a link message: left to the exchange.
        (RTM_NEWADDR, true),
    ] {
        let raw = RawRequest {
            message_type: kind,
            flags: 0,
            dump: false,
            payload: &p[..len],
        };
        let mut buf = [0u8; 64];
        let m = emit(&raw, &mut buf);
        assert_eq!(g.accepts(&m), accepted, "kind {kind}");
    }
}

/// The buckets' requests — a `GetNexthopBuckets` dump with its filters
/// (family, device, master, group, member: each set any number of times,
/// the last one sent) and a `GetNexthopBucket` (any group and index, a
/// family) — built from arbitrary values, read back through
/// `NexthopBucketMessage` and the raw attributes: what the kernel checks
/// in the header left zero but the family, every filter as given in
/// iproute2's order, the bucket nest `NLA_F_NESTED`, nothing else sent,
/// and group 0 refused (only it).
pub fn nexthop_bucket_request(data: &[u8]) {
    let mut i = Input(data);
    if i.bool() {
        nexthop_bucket_dump(&mut i)
    } else {
        nexthop_bucket_get(&mut i)
    }
}

/// The attributes of a bucket request after its header, and of its
/// bucket nest (which must be `NLA_F_NESTED`): kinds and `u32`/`u16`
/// values, in order.
type Sent = ([(u16, u32); 8], usize, [(u16, u32); 4], usize);

fn bucket_request_attrs(m: &Message<'_>) -> Sent {
    use crate::route::nh_bucket::{NHA_RES_BUCKET, NHA_RES_BUCKET_INDEX};
    let u32_of = |a: &crate::wire::Attr<'_>| a.u32().expect("a u32 attribute");
    let (mut top, mut n, mut nest, mut k) = ([(0, 0); 8], 0, [(0, 0); 4], 0);
    for a in crate::wire::Attrs::new(&m.payload()[crate::route::NhMsg::LEN..]) {
        let a = a.expect("our attributes parse");
        if a.kind() == NHA_RES_BUCKET {
            assert!(a.is_nested(), "NLA_F_NESTED, as ip sets it");
            top[n] = (a.kind(), 0);
            for b in a.nested() {
                let b = b.expect("our nested attributes parse");
                let x = if b.kind() == NHA_RES_BUCKET_INDEX {
                    u32::from(b.u16().expect("a u16 index"))
                } else {
                    u32_of(&b)
                };
                nest[k] = (b.kind(), x);
                k += 1;
            }
        } else {
            top[n] = (a.kind(), u32_of(&a));
        }
        n += 1;
    }
    (top, n, nest, k)
}

fn nexthop_bucket_dump(i: &mut Input<'_>) {
    use crate::route::nh::{NHA_ID, NHA_MASTER, NHA_OIF};
    use crate::route::nh_bucket::*;
    use crate::route::{GetNexthopBuckets, NexthopBucketMessage, NhMsg};
    use crate::wire::{NLM_F_DUMP, NLM_F_REQUEST};
    let mut g = GetNexthopBuckets::new();
    let (mut family, mut oif, mut master, mut id, mut nhid) = (0, None, None, None, None);
    for _ in 0..i.u8() % 8 {
        match i.u8() % 5 {
            0 => {
                family = i.u8();
                g = g.family(family);
            }
            1 => {
                let v = i.u32();
                oif = Some(v);
                g = g.device(v);
            }
            2 => {
                let v = i.u32();
                master = Some(v);
                g = g.master(v);
            }
            3 => {
                let v = i.u32();
                id = Some(v);
                g = g.group(v);
            }
            _ => {
                let v = i.u32();
                nhid = Some(v);
                g = g.member(v);
            }
        }
    }
    // Group 0 and member 0 are no filters, as ip's (the kernel refuses
    // them).
    let (id, nhid) = (id.filter(|&x| x != 0), nhid.filter(|&x| x != 0));
    let mut buf = [0u8; 96];
    let m = emit(&g, &mut buf);
    assert_eq!(m.kind(), RTM_GETNEXTHOPBUCKET);
    assert_eq!(m.flags(), NLM_F_REQUEST | NLM_F_DUMP);
    // The kernel refuses a dump whose header has a protocol, scope,
    // flags or reserved byte.
    assert_eq!(
        NhMsg::parse(m.payload()),
        Ok(NhMsg {
            family,
            ..Default::default()
        })
    );
    assert_eq!(m.payload()[3], 0);
    let v = NexthopBucketMessage::parse(m.payload()).expect("our dump request parses");
    assert_eq!((v.id, v.nhid, v.index, v.idle_time), (id, nhid, None, None));
    let (top, n, nest, k) = bucket_request_attrs(&m);
    let mut want = [(0u16, 0u32); 4];
    let mut w = 0;
    for (kind, value) in [(NHA_OIF, oif), (NHA_MASTER, master), (NHA_ID, id)] {
        if let Some(x) = value {
            want[w] = (kind, x);
            w += 1;
        }
    }
    if nhid.is_some() {
        want[w] = (NHA_RES_BUCKET, 0);
        w += 1;
    }
    assert_eq!(&top[..n], &want[..w], "attributes");
    match nhid {
        Some(x) => assert_eq!(&nest[..k], [(NHA_RES_BUCKET_NH_ID, x)]),
        None => assert_eq!(k, 0),
    }
}

fn nexthop_bucket_get(i: &mut Input<'_>) {
    use crate::InvalidInput;
    use crate::route::nh::NHA_ID;
    use crate::route::nh_bucket::*;
    use crate::route::{GetNexthopBucket, NexthopBucketMessage, NhMsg};
    use crate::wire::{NLM_F_ACK, NLM_F_REQUEST};
    // Group 0 now and then.
    let id = if i.u8() % 8 == 0 { 0 } else { i.u32() };
    let index = i.u16();
    let g = match GetNexthopBucket::new(id, index) {
        Ok(g) => {
            assert_ne!(id, 0, "group 0 accepted");
            g
        }
        Err(e) => {
            assert_eq!(id, 0, "group {id} refused");
            assert!(
                matches!(e, InvalidInput::OutOfRange { value: 0, .. }),
                "{e:?}"
            );
            return;
        }
    };
    let family = i.bool().then(|| i.u8());
    let g = match family {
        Some(f) => g.family(f),
        None => g,
    };
    let mut buf = [0u8; 64];
    let m = emit(&g, &mut buf);
    assert_eq!(m.kind(), RTM_GETNEXTHOPBUCKET);
    assert_eq!(
        m.flags(),
        NLM_F_REQUEST | NLM_F_ACK,
        "one bucket, not a dump"
    );
    assert_eq!(
        NhMsg::parse(m.payload()),
        Ok(NhMsg {
            family: family.unwrap_or(0),
            ..Default::default()
        })
    );
    assert_eq!(m.payload()[3], 0);
    let v = NexthopBucketMessage::parse(m.payload()).expect("our get request parses");
    assert_eq!(
        (v.id, v.index, v.nhid, v.idle_time),
        (Some(id), Some(index), None, None)
    );
    let (top, n, nest, k) = bucket_request_attrs(&m);
    assert_eq!(&top[..n], [(NHA_ID, id), (NHA_RES_BUCKET, 0)]);
    assert_eq!(&nest[..k], [(NHA_RES_BUCKET_INDEX, u32::from(index))]);
}

// ---- the settings of link kinds -----------------------------------------

const TUNNEL_KINDS: [TunnelKind; 7] = [
    TunnelKind::Gre,
    TunnelKind::Gretap,
    TunnelKind::Ip6gre,
    TunnelKind::Ip6gretap,
    TunnelKind::Ipip,
    TunnelKind::Sit,
    TunnelKind::Ip6tnl,
];

const BOND_MODES: [BondMode; 7] = [
    BondMode::BalanceRr,
    BondMode::ActiveBackup,
    BondMode::BalanceXor,
    BondMode::Broadcast,
    BondMode::Lacp,
    BondMode::BalanceTlb,
    BondMode::BalanceAlb,
];

/// The macvlan modes and their `MACVLAN_MODE_*` numbers (`if_link.h`).
const MACVLAN_MODES: [(MacvlanMode, u32); 5] = [
    (MacvlanMode::Private, 1),
    (MacvlanMode::Vepa, 2),
    (MacvlanMode::Bridge, 4),
    (MacvlanMode::Passthru, 8),
    (MacvlanMode::Source, 16),
];

/// The most targets a bond's request is built with (16 are allowed).
const MAX_TARGETS: usize = 20;

/// `Some(f(i))` half of the time.
fn opt<'a, T>(i: &mut Input<'a>, f: impl FnOnce(&mut Input<'a>) -> T) -> Option<T> {
    if i.bool() { Some(f(i)) } else { None }
}

/// A value of `bits` bits three times in four, else any `u32` (to try
/// both sides of a range).
fn near(i: &mut Input<'_>, bits: u32) -> u32 {
    let v = i.u32();
    if i.u8() % 4 == 0 {
        v
    } else {
        v & ((1 << bits) - 1)
    }
}

/// Which of [`Tunnel`]'s settings a tunnel kind takes, written from
/// `if_tunnel.h` and the kernel's drivers (`ip_gre.c`, `ip6_gre.c`,
/// `ipip.c`, `sit.c`, `ip6_tunnel.c`) as `Tunnel`'s field documentation
/// states it, independently of the library's `check`.
#[derive(Clone, Copy)]
struct TunnelRule {
    /// The outer header (so `local`/`remote`) is IPv6.
    v6: bool,
    /// `tos`, `pmtudisc` (IPv4 outer headers).
    tos_pmtudisc: bool,
    /// `ignore_df` (`IFLA_GRE_IGNORE_DF`: `gre`, `gretap`).
    ignore_df: bool,
    /// `ikey`, `okey`, `iflags`, `oflags` (the GRE kinds; `GRE_KEY` is
    /// not a flag to give: a key sets it, and the kernel's reply reads
    /// back as a key).
    keys: bool,
    /// `encap_limit`, `flowinfo` (IPv6 outer headers).
    v6_opts: bool,
    /// `flags`, and its largest value: `IP6_TNL_F_*` (`u32`) for the IPv6
    /// kinds, `SIT_ISATAP` in sit's `__be16`-sized `IFLA_IPTUN_FLAGS`.
    flags: Option<u32>,
    /// `proto` (`IFLA_IPTUN_PROTO`: ipip, sit, ip6tnl).
    proto: bool,
}

fn tunnel_rule(k: TunnelKind) -> TunnelRule {
    use TunnelKind::*;
    // (v6, ignore_df, keys, flags, proto)
    let (v6, ignore_df, keys, flags, proto) = match k {
        Gre | Gretap => (false, true, true, None, false),
        Ip6gre | Ip6gretap => (true, false, true, Some(u32::MAX), false),
        Ipip => (false, false, false, None, true),
        Sit => (false, false, false, Some(0xffff), true),
        Ip6tnl => (true, false, false, Some(u32::MAX), true),
    };
    TunnelRule {
        v6,
        tos_pmtudisc: !v6,
        ignore_df,
        keys,
        v6_opts: v6,
        flags,
        proto,
    }
}

/// `GRE_KEY` (`if_tunnel.h`).
const GRE_KEY: u16 = 0x2000;

fn tunnel_valid(t: &Tunnel) -> bool {
    let r = tunnel_rule(t.kind);
    let family = |a: Option<IpAddr>| a.is_none_or(|a| a.is_ipv6() == r.v6);
    family(t.local)
        && family(t.remote)
        && (r.tos_pmtudisc || (t.tos.is_none() && t.pmtudisc.is_none()))
        && (r.ignore_df || t.ignore_df.is_none())
        && (r.keys || (t.ikey.is_none() && t.okey.is_none() && t.iflags == 0 && t.oflags == 0))
        && (t.iflags | t.oflags) & GRE_KEY == 0
        && (r.v6_opts || (t.encap_limit.is_none() && t.flowinfo.is_none()))
        && t.flags.is_none_or(|f| r.flags.is_some_and(|max| f <= max))
        && (r.proto || t.proto.is_none())
}

/// Whether `LinkRequest::add` must take `kind` (one of the kinds with
/// settings of their own): the tunnel rule above; a VNI of 24 bits, a flow
/// label of 20, DF 0–2 (unset, set, inherit); a VXLAN's local and remote
/// of one family; at most 16 targets of each family for a bond
/// (`BOND_MAX_ARP_TARGETS`, `BOND_MAX_NS_TARGETS`); a VRF's table not 0;
/// a macvtap's lower link not 0.
fn kind_valid(kind: &LinkKind<'_>) -> bool {
    let vni = |id: Option<u32>| id.is_none_or(|id| id < 1 << 24);
    let label = |l: Option<u32>| l.is_none_or(|l| l < 1 << 20);
    let df = |d: Option<u8>| d.is_none_or(|d| d <= 2);
    match *kind {
        LinkKind::Tunnel(t) => tunnel_valid(&t),
        LinkKind::Geneve(g) => vni(g.id) && label(g.label) && df(g.df),
        LinkKind::Vxlan(v) => {
            let same = match (v.remote, v.local) {
                (Some(r), Some(l)) => r.is_ipv4() == l.is_ipv4(),
                _ => true,
            };
            let range = v.port_range.is_none_or(|(lo, hi)| hi >= lo);
            vni(v.id) && label(v.label) && df(v.df) && same && range
        }
        LinkKind::Bond(b) => {
            b.arp_ip_target.is_none_or(|t| t.len() <= 16)
                && b.ns_ip6_target.is_none_or(|t| t.len() <= 16)
        }
        LinkKind::Vrf { table } => table != 0,
        LinkKind::Macvtap { link, .. } => link != 0,
        LinkKind::Bridge(_) => true,
        _ => unreachable!("not a kind with settings: {kind:?}"),
    }
}

/// The `IFLA_INFO_DATA` payload of a link message, if any.
fn info_data<'a>(v: &LinkMessage<'a>) -> Option<&'a [u8]> {
    let li = v
        .raw_attrs()
        .find(crate::route::link::IFLA_LINKINFO)
        .ok()??;
    crate::route::linkinfo::LinkInfo::parse(li.payload())
        .ok()?
        .data
}

/// Reads the link message `m`, emitted for `kind`, back: its kind's name
/// and `kind_settings()` give back exactly the settings of `kind` (a
/// bond's targets through `Bond::arp_targets`/`ns_targets`, in order; a
/// bond with nothing set sends no `IFLA_INFO_DATA`; a macvtap's mode, a
/// kind nlwire does not decode, as its raw `IFLA_MACVLAN_MODE`), and the
/// owned `Link` agrees with the view. A new macvtap names its lower link
/// (`IFLA_LINK`); a change does not (the kernel cannot move a link).
fn kind_read_back(m: &Message<'_>, kind: &LinkKind<'_>, new: bool) {
    let v = LinkMessage::from_message(m).expect("our link request parses");
    assert_eq!(v.kind, Some(kind.name()));
    let got = v.kind_settings();
    let data = info_data(&v);
    match *kind {
        LinkKind::Tunnel(t) => assert_eq!(got, Some(Ok(KindSettings::Tunnel(t)))),
        LinkKind::Geneve(g) => assert_eq!(got, Some(Ok(KindSettings::Geneve(g)))),
        LinkKind::Vxlan(x) => assert_eq!(got, Some(Ok(KindSettings::Vxlan(x)))),
        LinkKind::Vrf { table } => assert_eq!(got, Some(Ok(KindSettings::Vrf { table }))),
        LinkKind::Bridge(b) if b.is_empty() => {
            assert_eq!((got, data), (None, None), "a bridge with nothing set")
        }
        LinkKind::Bridge(b) => assert_eq!(got, Some(Ok(KindSettings::Bridge(b)))),
        LinkKind::Bond(b) => {
            let bare = Bond {
                arp_ip_target: None,
                ns_ip6_target: None,
                ..b
            };
            let nothing =
                bare == Bond::default() && b.arp_ip_target.is_none() && b.ns_ip6_target.is_none();
            if nothing {
                assert_eq!((got, data), (None, None), "a bond with nothing set");
            } else {
                assert_eq!(got, Some(Ok(KindSettings::Bond(bare))));
                let d = data.expect("the bond's settings");
                assert!(
                    Bond::arp_targets(d).eq(b.arp_ip_target.unwrap_or(&[]).iter().map(|&a| Ok(a))),
                    "ARP targets {:?}",
                    b.arp_ip_target
                );
                assert!(
                    Bond::ns_targets(d).eq(b.ns_ip6_target.unwrap_or(&[]).iter().map(|&a| Ok(a))),
                    "NS targets {:?}",
                    b.ns_ip6_target
                );
            }
        }
        LinkKind::Macvtap { link, mode } => {
            assert_eq!(v.link, new.then_some(link), "the lower link");
            let number = MACVLAN_MODES.iter().find(|x| x.0 == mode).map(|x| x.1);
            let Some(Ok(KindSettings::Other(d))) = got else {
                panic!("macvtap settings {got:?}")
            };
            let mut a = crate::wire::Attrs::new(d);
            let mode_attr = a.next().and_then(Result::ok).filter(|a| a.kind() == 1);
            assert_eq!(mode_attr.map(|a| a.u32()), Some(Ok(number.unwrap_or(0))));
            assert!(a.next().is_none(), "only IFLA_MACVLAN_MODE");
        }
        _ => unreachable!(),
    }
    #[cfg(feature = "alloc")]
    {
        let l = crate::route::Link::try_from(&v).expect("the view decodes");
        assert_eq!(l.kind_settings(), got, "the owned link");
    }
}

/// `LinkRequest::add` of `kind`, and `LinkRequest::set(index)` with it as
/// `kind_settings`: each accepted exactly when [`kind_valid`] says (a
/// tunnel never on a change: its change resets what is not given), and
/// each accepted request reads back as [`kind_read_back`] says.
fn kind_round_trip(kind: LinkKind<'_>, index: u32) {
    use crate::route::RTM_NEWLINK;
    use crate::wire::{NLM_F_CREATE, NLM_F_EXCL};
    let valid = kind_valid(&kind);
    let r = LinkRequest::add("k0", kind);
    assert_eq!(r.is_ok(), valid, "add {kind:?}: {:?}", r.err());
    if let Ok(r) = &r {
        let mut buf = [0u8; 2048];
        let m = emit(r, &mut buf);
        assert_eq!(m.kind(), RTM_NEWLINK);
        let excl = NLM_F_CREATE | NLM_F_EXCL;
        assert_eq!(m.flags() & excl, excl, "a new link");
        kind_read_back(&m, &kind, true);
    }
    let r = LinkRequest::set(index).and_then(|r| r.kind_settings(kind));
    let ok = index != 0 && valid && !matches!(kind, LinkKind::Tunnel(_));
    assert_eq!(r.is_ok(), ok, "set {index} {kind:?}: {:?}", r.err());
    if let Ok(r) = r {
        let mut buf = [0u8; 2048];
        let m = emit(&r, &mut buf);
        assert_eq!(m.kind(), RTM_NEWLINK);
        assert_eq!(m.flags() & (NLM_F_CREATE | NLM_F_EXCL), 0, "a change");
        let v = LinkMessage::from_message(&m).expect("our link change parses");
        assert_eq!((v.header.index, v.name), (index, None));
        kind_read_back(&m, &kind, false);
    }
}

/// Settings as the kernel reported them (`kind`, its decoded `s` and raw
/// `data`, the lower link `link`) sent back in a request: through
/// [`kind_round_trip`], with a bond's targets and a macvtap's mode read
/// from `data`. Settings of other kinds are left alone.
pub(super) fn decoded_round_trip(
    kind: &str,
    s: &KindSettings<'_>,
    data: &[u8],
    link: Option<u32>,
    index: u32,
) {
    let mut a4 = [Ipv4Addr::UNSPECIFIED; MAX_TARGETS];
    let mut a6 = [Ipv6Addr::UNSPECIFIED; MAX_TARGETS];
    let k = match *s {
        KindSettings::Tunnel(t) => LinkKind::Tunnel(t),
        KindSettings::Geneve(g) => LinkKind::Geneve(g),
        KindSettings::Vxlan(v) => LinkKind::Vxlan(v),
        KindSettings::Vrf { table } => LinkKind::Vrf { table },
        KindSettings::Bridge(b) => LinkKind::Bridge(b),
        KindSettings::Bond(b) => {
            // The targets, when they are well formed and few enough to hold.
            fn fill<T: Copy, E>(
                out: &mut [T],
                it: impl Iterator<Item = Result<T, E>>,
            ) -> Option<usize> {
                let mut n = 0;
                for x in it {
                    *out.get_mut(n)? = x.ok()?;
                    n += 1;
                }
                Some(n)
            }
            let has = |nest| {
                crate::wire::Attrs::new(data)
                    .find(nest)
                    .ok()
                    .flatten()
                    .is_some()
            };
            let n4 = fill(&mut a4, Bond::arp_targets(data)).filter(|_| has(8));
            let n6 = fill(&mut a6, Bond::ns_targets(data)).filter(|_| has(31));
            LinkKind::Bond(Bond {
                arp_ip_target: n4.map(|n| &a4[..n]),
                ns_ip6_target: n6.map(|n| &a6[..n]),
                ..b
            })
        }
        KindSettings::Other(d) if kind == "macvtap" => {
            let mode = crate::wire::Attrs::new(d).find(1).ok().flatten();
            let mode = mode.and_then(|a| a.u32().ok());
            let Some(&(mode, _)) = MACVLAN_MODES.iter().find(|x| Some(x.1) == mode) else {
                return;
            };
            LinkKind::Macvtap {
                link: link.unwrap_or(0),
                mode,
            }
        }
        _ => return,
    };
    kind_round_trip(k, index);
}

fn tunnel_from(i: &mut Input<'_>) -> Tunnel {
    let kind = TUNNEL_KINDS[usize::from(i.u8() % 7)];
    let r = tunnel_rule(kind);
    // Mostly an address of the kind's family, now and then of the other.
    let addr = |i: &mut Input<'_>| {
        let other = i.u8() % 8 == 0;
        i.ip(r.v6 != other)
    };
    let mut t = Tunnel {
        local: opt(i, addr),
        remote: opt(i, addr),
        link: i.opt_u32(),
        ttl: opt(i, Input::u8),
        tos: opt(i, Input::u8),
        pmtudisc: opt(i, Input::bool),
        ignore_df: opt(i, Input::bool),
        ikey: i.opt_u32(),
        okey: i.opt_u32(),
        iflags: opt(i, Input::u16).unwrap_or(0),
        oflags: opt(i, Input::u16).unwrap_or(0),
        encap_limit: opt(i, Input::u8),
        flowinfo: i.opt_u32(),
        flags: opt(i, |i| near(i, 16)),
        proto: opt(i, Input::u8),
        encap: opt(i, |i| crate::route::TunnelEncap {
            kind: i.u16(),
            flags: i.u16(),
            sport: i.u16(),
            dport: i.u16(),
        }),
        external: i.bool(),
        fwmark: i.opt_u32(),
        ..Tunnel::new(kind)
    };
    // Half the time only what the kind takes (with every setting drawn,
    // nearly every tunnel would be refused).
    if i.bool() {
        if !r.tos_pmtudisc {
            (t.tos, t.pmtudisc) = (None, None);
        }
        if !r.ignore_df {
            t.ignore_df = None;
        }
        if !r.keys {
            (t.ikey, t.okey, t.iflags, t.oflags) = (None, None, 0, 0);
        }
        (t.iflags, t.oflags) = (t.iflags & !GRE_KEY, t.oflags & !GRE_KEY);
        if !r.v6_opts {
            (t.encap_limit, t.flowinfo) = (None, None);
        }
        if r.flags.is_none() {
            t.flags = None;
        }
        if !r.proto {
            t.proto = None;
        }
    }
    t
}

// Every setting is drawn; `..` keeps this building while kinds.rs grows
// settings (draw them here too).
#[allow(clippy::needless_update)]
fn geneve_from(i: &mut Input<'_>) -> Geneve {
    Geneve {
        id: opt(i, |i| near(i, 24)),
        remote: opt(i, |i| {
            let v6 = i.bool();
            i.ip(v6)
        }),
        ttl: opt(i, Input::u8),
        ttl_inherit: i.bool(),
        tos: opt(i, Input::u8),
        df: opt(i, |i| i.u8() % 4),
        label: opt(i, |i| near(i, 20)),
        port: opt(i, Input::u16),
        external: i.bool(),
        inner_proto_inherit: i.bool(),
        udp_csum: opt(i, Input::bool),
        udp6_zero_csum_tx: opt(i, Input::bool),
        udp6_zero_csum_rx: opt(i, Input::bool),
        ..Geneve::default()
    }
}

#[allow(clippy::needless_update)]
fn vxlan_from(i: &mut Input<'_>) -> Vxlan {
    let v6 = i.bool();
    // Local and remote mostly of one family.
    let addr = |i: &mut Input<'_>| {
        let other = i.u8() % 8 == 0;
        i.ip(v6 != other)
    };
    Vxlan {
        id: opt(i, |i| near(i, 24)),
        remote: opt(i, addr),
        local: opt(i, addr),
        link: i.opt_u32(),
        port: opt(i, Input::u16),
        port_range: opt(i, |i| (i.u16(), i.u16())),
        ttl: opt(i, Input::u8),
        ttl_inherit: i.bool(),
        tos: opt(i, Input::u8),
        df: opt(i, |i| i.u8() % 4),
        label: opt(i, |i| near(i, 20)),
        learning: opt(i, Input::bool),
        proxy: opt(i, Input::bool),
        rsc: opt(i, Input::bool),
        l2miss: opt(i, Input::bool),
        l3miss: opt(i, Input::bool),
        ageing: i.opt_u32(),
        limit: i.opt_u32(),
        udp_csum: opt(i, Input::bool),
        udp6_zero_csum_tx: opt(i, Input::bool),
        udp6_zero_csum_rx: opt(i, Input::bool),
        remcsum_tx: opt(i, Input::bool),
        remcsum_rx: opt(i, Input::bool),
        external: opt(i, Input::bool),
        gbp: i.bool(),
        gpe: i.bool(),
        vnifilter: opt(i, Input::bool),
        ..Vxlan::default()
    }
}

#[allow(clippy::needless_update)]
fn bond_from<'t>(
    i: &mut Input<'_>,
    a4: &'t mut [Ipv4Addr; MAX_TARGETS],
    a6: &'t mut [Ipv6Addr; MAX_TARGETS],
) -> Bond<'t> {
    let arp = opt(i, |i| {
        let n = usize::from(i.u8()) % (MAX_TARGETS + 1);
        for a in &mut a4[..n] {
            *a = Ipv4Addr::from(i.u32().to_be_bytes());
        }
        n
    });
    let ns = opt(i, |i| {
        let n = usize::from(i.u8()) % (MAX_TARGETS + 1);
        for a in &mut a6[..n] {
            *a = match i.ip(true) {
                IpAddr::V6(a) => a,
                IpAddr::V4(a) => a.to_ipv6_mapped(),
            };
        }
        n
    });
    Bond {
        mode: opt(i, |i| BOND_MODES[usize::from(i.u8() % 7)]),
        active_slave: i.opt_u32(),
        miimon: i.opt_u32(),
        updelay: i.opt_u32(),
        downdelay: i.opt_u32(),
        peer_notif_delay: i.opt_u32(),
        use_carrier: opt(i, Input::u8),
        arp_interval: i.opt_u32(),
        arp_ip_target: arp.map(|n| &a4[..n]),
        ns_ip6_target: ns.map(|n| &a6[..n]),
        arp_validate: i.opt_u32(),
        arp_all_targets: i.opt_u32(),
        missed_max: opt(i, Input::u8),
        primary: i.opt_u32(),
        primary_reselect: opt(i, Input::u8),
        fail_over_mac: opt(i, Input::u8),
        xmit_hash_policy: opt(i, Input::u8),
        resend_igmp: i.opt_u32(),
        num_peer_notif: opt(i, Input::u8),
        all_slaves_active: opt(i, Input::u8),
        min_links: i.opt_u32(),
        lp_interval: i.opt_u32(),
        packets_per_slave: i.opt_u32(),
        ad_lacp_rate: opt(i, Input::u8),
        ad_lacp_active: opt(i, Input::u8),
        ad_select: opt(i, Input::u8),
        ad_actor_sys_prio: opt(i, Input::u16),
        ad_user_port_key: opt(i, Input::u16),
        ad_actor_system: opt(i, |i| {
            let mut m = [0u8; 6];
            for b in &mut m {
                *b = i.u8();
            }
            m
        }),
        tlb_dynamic_lb: opt(i, Input::u8),
        ..Bond::default()
    }
}

/// The settings of link kinds, both ways: every `RTM_NEWLINK` among the
/// bytes (the seeds are kernel dumps) sent back with the settings the
/// kernel reported; then a `Tunnel` (every kind), `Geneve`, `Vxlan`, `Bond`
/// (with up to 20 targets of each family), VRF or macvtap built from the
/// bytes, added and set as `kind_settings` on a change: accepted exactly
/// when valid (a rule written from the uapi, see `kind_valid`), and read
/// back through `LinkMessage::kind_settings`, the bond's target lists and
/// the owned `Link` as exactly what was given.
pub fn link_kind_request(data: &[u8]) {
    for m in super::messages(data) {
        let Ok(v) = LinkMessage::from_message(&m) else {
            continue;
        };
        let (Some(kind), Some(d), Some(Ok(s))) = (v.kind, info_data(&v), v.kind_settings()) else {
            continue;
        };
        decoded_round_trip(kind, &s, d, v.link, v.header.index);
    }
    let mut i = Input(data);
    let index = if i.u8() % 8 == 0 { 0 } else { i.u32() };
    let mut a4 = [Ipv4Addr::UNSPECIFIED; MAX_TARGETS];
    let mut a6 = [Ipv6Addr::UNSPECIFIED; MAX_TARGETS];
    let kind = match i.u8() % 7 {
        6 => LinkKind::Bridge(bridge_from(&mut i)),
        0 => LinkKind::Tunnel(tunnel_from(&mut i)),
        1 => LinkKind::Geneve(geneve_from(&mut i)),
        2 => LinkKind::Vxlan(vxlan_from(&mut i)),
        3 => LinkKind::Bond(bond_from(&mut i, &mut a4, &mut a6)),
        4 => LinkKind::Vrf {
            table: if i.bool() { 0 } else { i.u32() },
        },
        _ => LinkKind::Macvtap {
            link: if i.bool() { 0 } else { i.u32() },
            mode: MACVLAN_MODES[usize::from(i.u8() % 5)].0,
        },
    };
    kind_round_trip(kind, index);
    let port = if i.bool() {
        PortSettings::Bridge(bridge_port_from(&mut i))
    } else {
        PortSettings::Bond(BondPort {
            queue_id: opt(&mut i, Input::u16),
            prio: opt(&mut i, |i| i.u32() as i32),
        })
    };
    port_round_trip(port, index);
}

/// `LinkRequest::set(index).port_settings(port)`: refused only for index
/// 0 (and on a new link); read back, `port_settings()` gives `port` (or
/// nothing when no setting is given: no `IFLA_INFO_SLAVE_DATA` then), and
/// the owned `Link` agrees.
fn port_round_trip(port: PortSettings, index: u32) {
    assert!(
        LinkRequest::add("p0", LinkKind::Dummy)
            .expect("a dummy")
            .port_settings(port)
            .is_err(),
        "port settings on a new link"
    );
    let r = LinkRequest::set(index).and_then(|r| r.port_settings(port));
    assert_eq!(r.is_ok(), index != 0, "{port:?} on {index}");
    let Ok(r) = r else { return };
    let mut buf = [0u8; 2048];
    let m = emit(&r, &mut buf);
    let v = LinkMessage::from_message(&m).expect("our port change parses");
    let empty = match port {
        PortSettings::Bridge(p) => p.is_empty(),
        PortSettings::Bond(p) => p.is_empty(),
    };
    let got = v.port_settings();
    if empty {
        assert_eq!(got, None, "no settings, no IFLA_INFO_SLAVE_DATA");
    } else {
        assert_eq!(got, Some(Ok(port)));
    }
    #[cfg(feature = "alloc")]
    {
        let l = crate::route::Link::try_from(&v).expect("the view decodes");
        assert_eq!(l.port_settings(), got, "the owned link");
    }
}

fn bridge_from(i: &mut Input<'_>) -> Bridge {
    let u64_of = |i: &mut Input<'_>| u64::from(i.u32()) << 8 | u64::from(i.u8());
    Bridge {
        forward_delay: opt(i, Input::u32),
        hello_time: opt(i, Input::u32),
        max_age: opt(i, Input::u32),
        ageing_time: opt(i, Input::u32),
        stp_state: opt(i, Input::u32),
        priority: opt(i, Input::u16),
        vlan_filtering: opt(i, Input::u8),
        vlan_protocol: opt(i, |i| EtherType(i.u16())),
        group_fwd_mask: opt(i, Input::u16),
        group_addr: opt(i, |i| [i.u8(), 0x80, 0xc2, 0, 0, i.u8()]),
        mcast_router: opt(i, Input::u8),
        mcast_snooping: opt(i, Input::u8),
        mcast_query_use_ifaddr: opt(i, Input::u8),
        mcast_querier: opt(i, Input::u8),
        mcast_hash_max: opt(i, Input::u32),
        mcast_last_member_intvl: opt(i, u64_of),
        mcast_query_intvl: opt(i, u64_of),
        nf_call_iptables: opt(i, Input::u8),
        vlan_default_pvid: opt(i, Input::u16),
        mcast_igmp_version: opt(i, Input::u8),
        multi_boolopt: opt(i, |i| BoolOpts {
            values: i.u32(),
            mask: i.u32(),
        }),
        fdb_max_learned: opt(i, Input::u32),
        fdb_flush: i.bool(),
        ..Bridge::default()
    }
}

fn bridge_port_from(i: &mut Input<'_>) -> BridgePort {
    BridgePort {
        state: opt(i, Input::u8),
        priority: opt(i, Input::u16),
        cost: opt(i, Input::u32),
        hairpin: opt(i, Input::bool),
        guard: opt(i, Input::bool),
        root_block: opt(i, Input::bool),
        learning: opt(i, Input::bool),
        unicast_flood: opt(i, Input::bool),
        multicast_router: opt(i, Input::u8),
        group_fwd_mask: opt(i, Input::u16),
        isolated: opt(i, Input::bool),
        backup_port: opt(i, Input::u32),
        locked: opt(i, Input::bool),
        mcast_max_groups: opt(i, Input::u32),
        backup_nhid: opt(i, Input::u32),
        flush: i.bool(),
        ..BridgePort::default()
    }
}
