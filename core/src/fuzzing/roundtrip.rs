//! Round-trip fuzz bodies: a request built from arbitrary values, emitted,
//! must parse back (through the same views that read the kernel's replies)
//! to exactly those values; and a builder refuses exactly what it should.

use core::net::IpAddr;

use super::input::{Input, kernel_accepts_ifname};
use crate::request::Request;
use crate::route::{
    AddressMessage, AddressRequest, GroupMember, LinkKind, LinkMessage, NeighbourMessage,
    NeighbourRequest, NextHop, NexthopMessage, NexthopRequest, ResGroup, RouteMessage,
    RouteRequest, RuleMessage, RuleRequest,
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
    use crate::route::{BondMode, IpvlanMode, LinkRequest, MacvlanMode, NetnsRef, Vxlan};
    let mut i = Input(data);
    let name = i.str(20);
    let peer = i.str(20);
    let lower = i.u32();
    let kind = match i.u8() % 9 {
        0 => LinkKind::Veth {
            peer,
            peer_netns: i.bool().then_some(NetnsRef::Pid(lower)),
        },
        1 => LinkKind::Bridge,
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
            id: i.u32(),
            remote: i.bool().then_some(IpAddr::from([198, 51, 100, 1])),
            local: None,
            link: i.bool().then_some(lower),
            port: i.bool().then_some(4789),
        }),
        _ => LinkKind::Bond {
            mode: i.bool().then_some(BondMode::ActiveBackup),
        },
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
    let vni_ok = !matches!(kind, LinkKind::Vxlan(v) if v.id >= 1 << 24);
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
