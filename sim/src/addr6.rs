//! IPv6 addresses (`RTM_*ADDR` of `AF_INET6`): `inet6_rtm_newaddr`'s
//! checks, `inet6_addr_modify`, `inet6_addr_del`, the list order of
//! `ipv6_link_dev_addr`, and the routes addrconf makes for an address:
//! the prefix route (main table, metric 256 or the address's) when the
//! link is up, and the local route (local table) once duplicate address
//! detection is over.
//!
//! Duplicate address detection succeeds at once: an address is tentative
//! while its link is not ready (down, or never had carrier since it came
//! up), and is valid as soon as it is, as the kernel's address is a
//! second or two later (its `dad_transmits` probes find no duplicate: no
//! packet flows in the simulator). `nodad` addresses and those of `lo`
//! skip it, as in the kernel. Links go down without their addresses
//! (`keep_addr_on_down` is 0 in a new namespace).
//!
//! Not simulated (refused with `EOPNOTSUPP` and an `nlwire-sim:` text):
//! lifetimes other than forever, peer addresses, `mngtmpaddr` and
//! `mcautojoin` (`optimistic` is dropped, as the default `optimistic_dad`
//! drops it). Address generation is `eui64` (a namespace's default): a
//! link makes its link-local address of its link-layer address when it
//! first becomes ready.

use nlwire::Errno;
use nlwire::route::addr::{
    IFA_ADDRESS, IFA_CACHEINFO, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT, IFA_FLAGS,
    IFA_LOCAL, IFA_PROTO, IFA_RT_PRIORITY, INFINITY_LIFE_TIME,
};
use nlwire::route::route::{RT_SCOPE_HOST, RT_SCOPE_LINK};
use nlwire::route::{AF_INET6, IfAddrMsg, RTM_DELADDR, RTM_NEWADDR};
use nlwire::wire::{Attr, Attrs, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::msg::{self, Fail, Req, Res, fixed, u32_attr};
use crate::route::{RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST, RTPROT_KERNEL};
use crate::route6::{IPV6_MIN_MTU, Route6, mask};
use crate::world::Ns;

/// `RTNLGRP_IPV6_IFADDR`.
const GROUP_IPV6_IFADDR: u32 = 9;
const IFA_F_OPTIMISTIC: u32 = 0x04;
const IFA_F_HOMEADDRESS: u32 = 0x10;
const IFA_F_DEPRECATED: u32 = 0x20;
const IFA_F_TENTATIVE: u32 = 0x40;
const IFA_F_MANAGETEMPADDR: u32 = 0x100;
const IFA_F_MCAUTOJOIN: u32 = 0x400;
/// The flags a request may set (`inet6_rtm_newaddr`: "We ignore other
/// flags so far").
const IFA_F_SETTABLE: u32 = IFA_F_NODAD
    | IFA_F_HOMEADDRESS
    | IFA_F_MANAGETEMPADDR
    | IFA_F_NOPREFIXROUTE
    | IFA_F_MCAUTOJOIN
    | IFA_F_OPTIMISTIC;
/// `IFAPROT_KERNEL_LO`: `lo`'s `::1`.
const IFAPROT_KERNEL_LO: u8 = 1;
/// `IFAPROT_KERNEL_LL`: a link-local address made by address generation.
const IFAPROT_KERNEL_LL: u8 = 3;
/// `RT_SCOPE_SITE`.
const RT_SCOPE_SITE: u8 = 200;
/// `IP6_RT_PRIO_ADDRCONF`.
const PRIO_ADDRCONF: u32 = 256;
const RT6_TABLE_MAIN: u32 = 254;
const RT6_TABLE_LOCAL: u32 = 255;
/// `::1`.
pub(crate) const LOOPBACK: u128 = 1;

/// One IPv6 address of a link (an `inet6_ifaddr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Addr6 {
    pub(crate) index: u32,
    pub(crate) addr: u128,
    pub(crate) plen: u8,
    /// `IFA_F_*`, `IFA_F_TENTATIVE` among them.
    pub(crate) flags: u32,
    pub(crate) rt_priority: u32,
    pub(crate) proto: u8,
    pub(crate) cstamp: u32,
    pub(crate) tstamp: u32,
}

/// The kinds of address `ipv6_addr_type` tells apart, as far as the
/// simulator needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    Loopback,
    Multicast,
    LinkLocal,
    SiteLocal,
    Global,
}

fn kind(a: u128) -> Kind {
    match a {
        0 => Kind::Any,
        LOOPBACK => Kind::Loopback,
        _ if a >> 120 == 0xff => Kind::Multicast,
        _ if a >> 118 == 0x3fa => Kind::LinkLocal,
        _ if a >> 118 == 0x3fb => Kind::SiteLocal,
        _ => Kind::Global,
    }
}

impl Addr6 {
    /// `ipv6_addr_src_scope`: the list is sorted by it, widest first.
    fn src_scope(&self) -> u8 {
        match kind(self.addr) {
            Kind::Loopback | Kind::LinkLocal => 2,
            Kind::SiteLocal => 5,
            _ => 14,
        }
    }

    /// The message's scope (`rt_scope(ifa->scope)`).
    fn rt_scope(&self) -> u8 {
        match kind(self.addr) {
            Kind::Loopback => RT_SCOPE_HOST,
            Kind::LinkLocal => RT_SCOPE_LINK,
            Kind::SiteLocal => RT_SCOPE_SITE,
            _ => 0,
        }
    }

    /// Link- or host-scoped (`ifp->scope & (IFA_LINK | IFA_HOST)`): such
    /// an address counts on its own link only.
    fn scoped(&self) -> bool {
        matches!(kind(self.addr), Kind::Loopback | Kind::LinkLocal)
    }

    fn tentative(&self) -> bool {
        self.flags & IFA_F_TENTATIVE != 0
    }

    fn prefix(&self) -> u128 {
        self.addr & mask(self.plen)
    }

    /// The prefix route's metric.
    fn metric(&self) -> u32 {
        if self.rt_priority == 0 {
            PRIO_ADDRCONF
        } else {
            self.rt_priority
        }
    }
}

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

fn in6(attr: &Attr<'_>) -> Res<u128> {
    fixed::<16>(attr).map(u128::from_be_bytes)
}

/// What an address request names.
struct Parsed {
    ifm: IfAddrMsg,
    /// `extract_addr`: `IFA_LOCAL`, else `IFA_ADDRESS`.
    pfx: Option<u128>,
    /// `IFA_ADDRESS` when it differs from `IFA_LOCAL`.
    peer: Option<u128>,
    flags: u32,
    rt_priority: u32,
    proto: u8,
    lifetimes: Option<(u32, u32)>,
}

fn parse(req: &Req<'_>) -> Res<Parsed> {
    let ifm = IfAddrMsg::parse(req.payload).map_err(|_| bad())?;
    let (mut local, mut address, mut flags) = (None, None, None);
    let (mut rt_priority, mut proto, mut lifetimes) = (0, 0, None);
    for attr in Attrs::new(&req.payload[IfAddrMsg::LEN..]) {
        let attr = attr.map_err(|_| bad())?;
        match attr.kind() {
            IFA_LOCAL => local = Some(in6(&attr)?),
            IFA_ADDRESS => address = Some(in6(&attr)?),
            IFA_FLAGS => flags = Some(u32_attr(&attr)?),
            IFA_RT_PRIORITY => rt_priority = u32_attr(&attr)?,
            IFA_PROTO => proto = fixed::<1>(&attr)?[0],
            IFA_CACHEINFO => {
                let p = fixed::<16>(&attr)?;
                let preferred = u32::from_ne_bytes(p[0..4].try_into().expect("4 bytes"));
                let valid = u32::from_ne_bytes(p[4..8].try_into().expect("4 bytes"));
                lifetimes = Some((valid, preferred));
            }
            _ => {}
        }
    }
    let (pfx, peer) = match (address, local) {
        (Some(a), Some(l)) if a != l => (Some(l), Some(a)),
        (a, l) => (l.or(a), None),
    };
    Ok(Parsed {
        ifm,
        pfx,
        peer,
        flags: flags.unwrap_or(u32::from(ifm.flags)),
        rt_priority,
        proto,
        lifetimes,
    })
}

impl Ns {
    /// A refusal with its "ipv6: …" text where the release sets one.
    fn ipv6_fail(&self, errno: Errno, text: &'static str) -> Fail {
        if self.rel.ipv6_addr_texts {
            Fail::msg(errno, text)
        } else {
            Fail::new(errno)
        }
    }

    fn emit_addr6(w: &mut Writer<'_>, a: &Addr6) {
        IfAddrMsg {
            family: AF_INET6,
            prefix_len: a.plen,
            flags: a.flags as u8,
            scope: a.rt_scope(),
            index: a.index,
        }
        .emit(w);
        w.attr(IFA_ADDRESS, &a.addr.to_be_bytes());
        if a.rt_priority != 0 {
            w.attr_u32(IFA_RT_PRIORITY, a.rt_priority);
        }
        let forever = INFINITY_LIFE_TIME;
        crate::addr::cacheinfo(w, [forever, forever, a.cstamp, a.tstamp]);
        w.attr_u32(IFA_FLAGS, a.flags);
        if a.proto != 0 {
            w.attr_u8(IFA_PROTO, a.proto);
        }
    }

    fn note_addr6(&mut self, kind: u16, a: &Addr6) {
        if !self.listens(GROUP_IPV6_IFADDR) {
            return;
        }
        let m = msg::message(kind, 0, 0, 0, |w| Self::emit_addr6(w, a));
        self.notify(GROUP_IPV6_IFADDR, m);
    }

    /// The link's IPv6 addresses, in list order.
    pub(crate) fn addrs6_of(&self, index: u32) -> &[Addr6] {
        self.addrs6.get(&index).map_or(&[], Vec::as_slice)
    }

    /// `ipv6_chk_addr_and_flags`: the link that has `a` among its
    /// addresses, tentative ones left out with `no_tentative`. With `dev`,
    /// a link- or host-scoped address counts on that link only.
    pub(crate) fn chk_addr6(&self, a: u128, dev: Option<u32>, no_tentative: bool) -> Option<u32> {
        self.addrs6
            .values()
            .flatten()
            .find(|x| {
                x.addr == a
                    && !(no_tentative && x.tentative())
                    && dev.is_none_or(|d| x.index == d || !x.scoped())
            })
            .map(|x| x.index)
    }

    /// A route addrconf adds: it stays out when its link is down
    /// (`ENETDOWN`) or when the same route is there (`EEXIST`).
    fn add_addrconf_route(&mut self, r: Route6, ignore_down: bool) {
        if !ignore_down && !self.links.get(&r.oif).is_some_and(|l| l.up) {
            return;
        }
        let _ = self.insert6(r, None);
    }

    fn prefix_route(&mut self, a: &Addr6) {
        // `fib6_is_reject`: a route through `lo` to anything but `::1`
        // rejects (it is listed as unicast all the same).
        let reject = self.links[&a.index].is_loopback() && a.prefix() != LOOPBACK;
        let r = Route6 {
            table: RT6_TABLE_MAIN,
            dst: a.prefix(),
            dst_len: a.plen,
            metric: a.metric(),
            kind: RTN_UNICAST,
            protocol: RTPROT_KERNEL,
            gateway: None,
            oif: a.index,
            prefsrc: None,
            pref: 0,
            reject,
        };
        self.add_addrconf_route(r, false);
    }

    fn local_route(a: &Addr6) -> Route6 {
        Route6 {
            table: RT6_TABLE_LOCAL,
            dst: a.addr,
            dst_len: 128,
            metric: 0,
            kind: RTN_LOCAL,
            protocol: RTPROT_KERNEL,
            gateway: None,
            oif: a.index,
            prefsrc: None,
            pref: 0,
            reject: false,
        }
    }

    /// `addrconf_get_prefix_route`: the first unicast route of the main
    /// table at the address's prefix through its link, without a gateway
    /// (of any protocol and metric).
    fn find_prefix_route(&self, a: &Addr6) -> Option<Route6> {
        self.routes6
            .values()
            .find(|r| {
                r.table == RT6_TABLE_MAIN
                    && r.dst == a.prefix()
                    && r.dst_len == a.plen
                    && r.oif == a.index
                    && r.kind == RTN_UNICAST
                    && r.gateway.is_none()
            })
            .cloned()
    }

    fn delete_route6(&mut self, r: &Route6) {
        self.remove_route6_where(|x| x == r);
    }

    /// `addrconf_add_dev`: the link's `ff00::/8` (unless it is `lo`).
    pub(crate) fn add_dev_mroute(&mut self, index: u32) {
        if self.links[&index].is_loopback() {
            return;
        }
        let r = Route6 {
            table: RT6_TABLE_LOCAL,
            dst: 0xff << 120,
            dst_len: 8,
            metric: PRIO_ADDRCONF,
            kind: RTN_MULTICAST,
            protocol: RTPROT_KERNEL,
            gateway: None,
            oif: index,
            prefsrc: None,
            pref: 0,
            reject: false,
        };
        self.add_addrconf_route(r, false);
    }

    /// Whether duplicate address detection is over for an address on this
    /// link as soon as it starts (`addrconf_dad_begin`): `lo` skips it,
    /// and a ready link's runs at once in the simulator.
    fn dad_done_at_once(&self, index: u32) -> bool {
        self.links[&index].is_loopback() || self.dev6.get(&index).is_some_and(|d| d.ready)
    }

    /// `addrconf_dad_completed`: the address is valid, and its local
    /// route goes in (`__ipv6_ifa_notify`).
    fn dad_complete(&mut self, index: u32, addr: u128) {
        let Some(a) = self
            .addrs6
            .get_mut(&index)
            .and_then(|l| l.iter_mut().find(|a| a.addr == addr))
        else {
            return;
        };
        a.flags &= !(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC);
        let a = a.clone();
        self.note_addr6(RTM_NEWADDR, &a);
        self.add_addrconf_route(Self::local_route(&a), true);
    }

    /// `ipv6_link_dev_addr`: before the first address of a scope not
    /// wider than its own.
    fn link_addr6(&mut self, a: Addr6) {
        let list = self.addrs6.entry(a.index).or_default();
        let at = list
            .iter()
            .position(|b| a.src_scope() >= b.src_scope())
            .unwrap_or(list.len());
        list.insert(at, a);
    }

    pub(crate) fn new_addr6(&mut self, req: &Req<'_>) -> Res {
        let p = parse(req)?;
        let Some(pfx) = p.pfx else {
            return Err(bad());
        };
        let index = p.ifm.index;
        if self.rel.addr_lifetimes_first {
            self.check_lifetimes(p.lifetimes, true)?;
        }
        let Some(link) = self.links.get(&index) else {
            return Err(self.ipv6_fail(Errno::ENODEV, "ipv6: Unable to find the interface"));
        };
        let flags = p.flags & IFA_F_SETTABLE & !IFA_F_OPTIMISTIC;
        // `ipv6_find_idev`: no IPv6 below its minimum MTU.
        if link.mtu < IPV6_MIN_MTU {
            return Err(bad());
        }
        if p.peer.is_some() {
            return Err(Fail::unsupported(
                "nlwire-sim: IPv6 peer addresses are not simulated yet",
            ));
        }
        if flags & (IFA_F_MANAGETEMPADDR | IFA_F_MCAUTOJOIN) != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: mngtmpaddr and mcautojoin are not simulated yet",
            ));
        }
        let existing = self.addrs6_of(index).iter().position(|a| a.addr == pfx);
        if let Some(pos) = existing {
            if req.flags & NLM_F_EXCL != 0 || req.flags & NLM_F_REPLACE == 0 {
                return Err(self.ipv6_fail(Errno::EEXIST, "ipv6: address already assigned"));
            }
            // Before 6.13 `inet6_addr_modify` checks them, without a text.
            self.check_lifetimes(p.lifetimes, false).map_err(|f| {
                if f.errno == Errno::EINVAL {
                    Fail::new(f.errno)
                } else {
                    f
                }
            })?;
            return self.modify_addr6(index, pos, flags, &p);
        }
        // `inet6_addr_add`.
        if p.ifm.prefix_len > 128 {
            return Err(self.ipv6_fail(Errno::EINVAL, "ipv6: Invalid prefix length"));
        }
        self.check_lifetimes(p.lifetimes, false)?;
        self.add_dev_mroute(index);
        // `ipv6_add_addr`.
        let k = kind(pfx);
        if k == Kind::Any {
            return Err(self.ipv6_fail(Errno(99), "ipv6: Invalid address"));
        }
        if k == Kind::Multicast {
            return Err(self.ipv6_fail(
                Errno(99),
                "ipv6: Cannot assign multicast address without \"IFA_F_MCAUTOJOIN\" flag",
            ));
        }
        if k == Kind::Loopback && !self.links[&index].is_loopback() {
            return Err(self.ipv6_fail(
                Errno(99),
                "ipv6: Cannot assign loopback address on this device",
            ));
        }
        let mut a = Addr6 {
            index,
            addr: pfx,
            plen: p.ifm.prefix_len,
            flags: flags | IFA_F_PERMANENT,
            rt_priority: p.rt_priority,
            proto: p.proto,
            cstamp: self.ticks,
            tstamp: self.ticks,
        };
        if flags & IFA_F_NODAD == 0 {
            a.flags |= IFA_F_TENTATIVE;
        }
        self.link_addr6(a.clone());
        if a.flags & IFA_F_NOPREFIXROUTE == 0 {
            self.prefix_route(&a);
        }
        // Announced now while detection runs; a `nodad` address is
        // announced once it is valid.
        if a.tentative() {
            self.note_addr6(RTM_NEWADDR, &a);
        }
        if !a.tentative() || self.dad_done_at_once(index) {
            self.dad_complete(index, a.addr);
        }
        Ok(())
    }

    /// Bad lifetimes are refused as the kernel refuses them: `bad_only`
    /// where the release checks them first (the others are refused once
    /// the request is known to be good). Lifetimes other than forever are
    /// not simulated.
    fn check_lifetimes(&self, lifetimes: Option<(u32, u32)>, bad_only: bool) -> Res {
        match lifetimes {
            None | Some((INFINITY_LIFE_TIME, INFINITY_LIFE_TIME)) => Ok(()),
            Some((valid, preferred)) if valid == 0 || preferred > valid => {
                Err(self.ipv6_fail(Errno::EINVAL, "ipv6: address lifetime invalid"))
            }
            Some(_) if bad_only => Ok(()),
            Some(_) => Err(Fail::unsupported(
                "nlwire-sim: IPv6 address lifetimes are not simulated yet",
            )),
        }
    }

    /// `inet6_addr_modify` (a replace of an address the link has: its
    /// prefix length stays).
    fn modify_addr6(&mut self, index: u32, pos: usize, flags: u32, p: &Parsed) -> Res {
        let ticks = self.ticks;
        let a = &mut self.addrs6.get_mut(&index).expect("list")[pos];
        let had_prefixroute = a.flags & IFA_F_PERMANENT != 0 && a.flags & IFA_F_NOPREFIXROUTE == 0;
        let old = a.clone();
        a.flags &= !(IFA_F_DEPRECATED
            | IFA_F_PERMANENT
            | IFA_F_NODAD
            | IFA_F_HOMEADDRESS
            | IFA_F_MANAGETEMPADDR
            | IFA_F_NOPREFIXROUTE);
        a.flags |= flags | IFA_F_PERMANENT;
        a.tstamp = ticks;
        a.proto = p.proto;
        if p.rt_priority != 0 {
            a.rt_priority = p.rt_priority;
        }
        let a = a.clone();
        if !a.tentative() {
            self.note_addr6(RTM_NEWADDR, &a);
        }
        if flags & IFA_F_NOPREFIXROUTE == 0 {
            // `modify_prefix_route`: a route of another metric is made
            // again; a missing one is restored.
            let found = if had_prefixroute {
                self.find_prefix_route(&old)
            } else {
                None
            };
            match found {
                Some(r) if r.metric != a.metric() => {
                    self.delete_route6(&r);
                    self.prefix_route(&a);
                }
                Some(_) => {}
                None => self.prefix_route(&a),
            }
        } else if had_prefixroute {
            self.cleanup_prefix_route(&old);
        }
        Ok(())
    }

    /// `check_cleanup_prefix_route` and `cleanup_prefix_route`: the
    /// prefix route goes unless another address of the link has the same
    /// prefix and is permanent or made without one.
    fn cleanup_prefix_route(&mut self, a: &Addr6) {
        let shared = self.addrs6_of(a.index).iter().any(|b| {
            b.addr != a.addr
                && b.plen == a.plen
                && b.prefix() == a.prefix()
                && b.flags & (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE) != 0
        });
        if shared {
            return;
        }
        if let Some(r) = self.find_prefix_route(a) {
            self.delete_route6(&r);
        }
    }

    /// `ipv6_del_addr`: the address, its local route, and its prefix
    /// route unless another address keeps it.
    fn remove_addr6(&mut self, index: u32, pos: usize) {
        let list = self.addrs6.get_mut(&index).expect("list");
        let a = list.remove(pos);
        if list.is_empty() {
            self.addrs6.remove(&index);
        }
        self.note_addr6(RTM_DELADDR, &a);
        if !a.tentative() {
            let local = Self::local_route(&a);
            self.delete_route6(&local);
        }
        if a.flags & IFA_F_PERMANENT != 0 && a.flags & IFA_F_NOPREFIXROUTE == 0 {
            self.cleanup_prefix_route(&a);
        }
    }

    pub(crate) fn del_addr6(&mut self, req: &Req<'_>) -> Res {
        let p = parse(req)?;
        let Some(pfx) = p.pfx else {
            return Err(bad());
        };
        // `inet6_addr_del`.
        if p.ifm.prefix_len > 128 {
            return Err(self.ipv6_fail(Errno::EINVAL, "ipv6: Invalid prefix length"));
        }
        let Some(link) = self.links.get(&p.ifm.index) else {
            return Err(self.ipv6_fail(Errno::ENODEV, "ipv6: Unable to find the interface"));
        };
        if link.mtu < IPV6_MIN_MTU {
            return Err(self.ipv6_fail(Errno(6), "ipv6: IPv6 is disabled on this device"));
        }
        let pos = self
            .addrs6_of(p.ifm.index)
            .iter()
            .position(|a| a.plen == p.ifm.prefix_len && a.addr == pfx);
        let Some(pos) = pos else {
            return Err(self.ipv6_fail(Errno(99), "ipv6: address not found"));
        };
        self.remove_addr6(p.ifm.index, pos);
        Ok(())
    }

    /// `inet6_rtm_getaddr`: one address, by its value (and link).
    pub(crate) fn get_addr6(&self, req: &Req<'_>) -> Res<msg::Reply> {
        let p = parse(req)?;
        let Some(pfx) = p.pfx else {
            return Err(bad());
        };
        // An index that names no link looks on every link, as none does
        // (`ipv6_get_ifaddr` with no device).
        let index = p.ifm.index;
        let on = self.links.contains_key(&index).then_some(index);
        // The hash chain holds the newest first (`hlist_add_head_rcu`).
        let a = self
            .addrs6
            .values()
            .flatten()
            .filter(|a| a.addr == pfx && on.is_none_or(|i| a.index == i))
            .max_by_key(|a| a.cstamp)
            .ok_or_else(|| Fail::new(Errno(99)))?;
        let m = msg::message(RTM_NEWADDR, 0, req.seq, req.port, |w| {
            Self::emit_addr6(w, a)
        });
        Ok(msg::Reply::Now(vec![m]))
    }

    /// The IPv6 addresses of a dump, in the kernel's order.
    pub(crate) fn dump_addrs6(&self, out: &mut msg::DumpOut, index: u32) {
        for a in self.addrs6.values().flatten() {
            if index == 0 || a.index == index {
                out.item(RTM_NEWADDR, |w| Self::emit_addr6(w, a));
            }
        }
    }

    /// `addrconf_ifdown`: the link went down, lost IPv6 to its MTU, or
    /// went away: its addresses go.
    pub(crate) fn addrs6_ifdown(&mut self, index: u32) {
        while !self.addrs6_of(index).is_empty() {
            self.remove_addr6(index, 0);
        }
    }

    /// `NETDEV_UP` (`addrconf_permanent_addr`): the prefix routes of the
    /// addresses the link got while it was down.
    pub(crate) fn addrs6_link_up(&mut self, index: u32) {
        let list = self.addrs6_of(index).to_vec();
        for a in list {
            if a.flags & IFA_F_PERMANENT != 0 && a.flags & IFA_F_NOPREFIXROUTE == 0 {
                self.prefix_route(&a);
            }
        }
    }

    /// The link became ready (`addrconf_dad_run`): its tentative
    /// addresses finish duplicate address detection.
    pub(crate) fn addrs6_ready(&mut self, index: u32) {
        let waiting: Vec<u128> = self
            .addrs6_of(index)
            .iter()
            .filter(|a| a.tentative())
            .map(|a| a.addr)
            .collect();
        for addr in waiting {
            self.dad_complete(index, addr);
        }
    }

    /// `addrconf_addr_gen` in mode `eui64` (the default; mode none makes
    /// nothing): the link-local
    /// address `fe80::/64` with the interface id made of the link-layer
    /// address (`addrconf_ifid_eui48`), with its prefix route; valid at
    /// once (the link is ready). Nothing when the link has it already.
    pub(crate) fn addrconf_addr_gen(&mut self, index: u32) {
        if self.dev6.get(&index).is_some_and(|d| d.addr_gen_mode != 0) {
            return;
        }
        let m = self.links[&index].mac;
        let id = [m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
        let addr = (0xfe80u128 << 112) | u128::from(u64::from_be_bytes(id));
        if self.addrs6_of(index).iter().any(|a| a.addr == addr) {
            return;
        }
        let a = Addr6 {
            index,
            addr,
            plen: 64,
            flags: IFA_F_PERMANENT | IFA_F_TENTATIVE,
            rt_priority: 0,
            proto: IFAPROT_KERNEL_LL,
            cstamp: self.ticks,
            tstamp: self.ticks,
        };
        self.link_addr6(a.clone());
        self.prefix_route(&a);
        self.note_addr6(RTM_NEWADDR, &a);
        self.dad_complete(index, addr);
    }

    /// `init_loopback`: `lo` comes up with `::1`.
    pub(crate) fn loopback6_up(&mut self, index: u32) {
        if self.addrs6_of(index).iter().any(|a| a.addr == LOOPBACK) {
            return;
        }
        let a = Addr6 {
            index,
            addr: LOOPBACK,
            plen: 128,
            flags: IFA_F_PERMANENT,
            rt_priority: 0,
            proto: IFAPROT_KERNEL_LO,
            cstamp: self.ticks,
            tstamp: self.ticks,
        };
        self.link_addr6(a.clone());
        self.dad_complete(index, a.addr);
    }
}
