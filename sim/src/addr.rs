//! IPv4 addresses (`RTM_*ADDR`) and the routes the kernel derives from
//! them (`fib_add_ifaddr`, `fib_del_ifaddr`).

use std::net::Ipv4Addr;

use nlwire::Errno;
use nlwire::route::addr::{
    IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_F_DEPRECATED, IFA_F_NOPREFIXROUTE,
    IFA_F_PERMANENT, IFA_F_SECONDARY, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFA_PROTO, IFA_RT_PRIORITY,
    INFINITY_LIFE_TIME,
};
use nlwire::route::route::{RT_SCOPE_HOST, RT_SCOPE_LINK, RT_TABLE_LOCAL, RT_TABLE_MAIN};
use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, IfAddrMsg, RTM_DELADDR, RTM_NEWADDR};
use nlwire::wire::{Attrs, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::msg::{self, Fail, Req, Res, fixed, in_addr, u32_attr};
use crate::route::{RTN_BROADCAST, RTN_LOCAL, RTN_UNICAST, RTPROT_KERNEL, Route};
use crate::world::{Ns, is_dump};

/// `RTNLGRP_IPV4_IFADDR`.
const GROUP_IPV4_IFADDR: u32 = 5;

/// One IPv4 address of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Addr {
    pub(crate) index: u32,
    pub(crate) local: u32,
    pub(crate) address: u32,
    pub(crate) plen: u8,
    /// 0: none.
    pub(crate) broadcast: u32,
    pub(crate) label: String,
    pub(crate) scope: u8,
    pub(crate) flags: u32,
    pub(crate) rt_priority: u32,
    pub(crate) proto: u8,
    pub(crate) valid: u32,
    pub(crate) preferred: u32,
    pub(crate) cstamp: u32,
    pub(crate) tstamp: u32,
}

pub(crate) fn mask(plen: u8) -> u32 {
    if plen == 0 {
        0
    } else {
        u32::MAX << (32 - plen)
    }
}

impl Addr {
    fn is_secondary(&self) -> bool {
        self.flags & IFA_F_SECONDARY != 0
    }
    /// `inet_ifa_match`: `a` is in this address's subnet.
    fn subnet_has(&self, a: u32) -> bool {
        (a ^ self.address) & mask(self.plen) == 0
    }
    fn prefix(&self) -> u32 {
        self.address & mask(self.plen)
    }
}

/// `IFA_CACHEINFO` (`struct ifa_cacheinfo`): the preferred and valid
/// lifetimes, the creation and update stamps.
pub(crate) fn cacheinfo(w: &mut Writer<'_>, fields: [u32; 4]) {
    let mut ci = [0u8; 16];
    for (chunk, v) in ci.chunks_exact_mut(4).zip(fields) {
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    w.attr(IFA_CACHEINFO, &ci);
}

/// `set_ifa_lifetime`'s flags: permanent without an end, deprecated
/// once it may not be preferred.
fn lifetime_flags(valid: u32, preferred: u32) -> u32 {
    let mut flags = 0;
    if valid == INFINITY_LIFE_TIME {
        flags |= IFA_F_PERMANENT;
    }
    if preferred == 0 {
        flags |= IFA_F_DEPRECATED;
    }
    flags
}

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

impl Ns {
    /// A refusal with its "ipv4: …" text where the release sets one.
    fn ipv4_fail(&self, errno: Errno, text: &'static str) -> Fail {
        if self.rel.ipv4_addr_texts {
            Fail::msg(errno, text)
        } else {
            Fail::new(errno)
        }
    }

    fn emit_addr(w: &mut Writer<'_>, a: &Addr) {
        IfAddrMsg {
            family: AF_INET,
            prefix_len: a.plen,
            flags: a.flags as u8,
            scope: a.scope,
            index: a.index,
        }
        .emit(w);
        w.attr(IFA_ADDRESS, &a.address.to_be_bytes());
        w.attr(IFA_LOCAL, &a.local.to_be_bytes());
        if a.broadcast != 0 {
            w.attr(IFA_BROADCAST, &a.broadcast.to_be_bytes());
        }
        if !a.label.is_empty() {
            w.attr_str(IFA_LABEL, &a.label);
        }
        if a.proto != 0 {
            w.attr_u8(IFA_PROTO, a.proto);
        }
        w.attr_u32(IFA_FLAGS, a.flags);
        if a.rt_priority != 0 {
            w.attr_u32(IFA_RT_PRIORITY, a.rt_priority);
        }
        // `inet_fill_ifaddr`: a permanent address has no lifetimes.
        let (preferred, valid) = if a.flags & IFA_F_PERMANENT != 0 {
            (INFINITY_LIFE_TIME, INFINITY_LIFE_TIME)
        } else {
            (a.preferred, a.valid)
        };
        cacheinfo(w, [preferred, valid, a.cstamp, a.tstamp]);
    }

    fn addr_message(kind: u16, a: &Addr, seq: u32, port: u32) -> Vec<u8> {
        msg::message(kind, 0, seq, port, |w| Self::emit_addr(w, a))
    }

    fn note_addr(&mut self, kind: u16, a: &Addr) {
        if !self.listens(GROUP_IPV4_IFADDR) {
            return;
        }
        let m = Self::addr_message(kind, a, 0, 0);
        self.notify(GROUP_IPV4_IFADDR, m);
    }

    /// The routes the kernel derives from address `a` of its link, as
    /// things stand (`fib_add_ifaddr`).
    fn derived_routes(&self, a: &Addr) -> Vec<Route> {
        let Some(link) = self.links.get(&a.index) else {
            return Vec::new();
        };
        let prim = if a.is_secondary() {
            match self.addrs.get(&a.index).and_then(|l| {
                l.iter()
                    .find(|p| !p.is_secondary() && p.plen == a.plen && p.subnet_has(a.address))
            }) {
                Some(p) => p.local,
                None => return Vec::new(),
            }
        } else {
            a.local
        };
        let kernel = |table: u32, kind: u8, dst: u32, dst_len: u8, priority: u32| Route {
            table,
            dst,
            dst_len,
            tos: 0,
            priority,
            kind,
            protocol: RTPROT_KERNEL,
            scope: if kind == RTN_LOCAL {
                RT_SCOPE_HOST
            } else {
                RT_SCOPE_LINK
            },
            prefsrc: Some(prim),
            gateway: None,
            oif: Some(a.index),
            nh_flags: 0,
        };
        let mut out = vec![kernel(RT_TABLE_LOCAL, RTN_LOCAL, a.local, 32, 0)];
        if !link.up {
            return out;
        }
        if a.broadcast != 0 && a.broadcast != u32::MAX {
            out.push(kernel(RT_TABLE_LOCAL, RTN_BROADCAST, a.broadcast, 32, 0));
        }
        let prefix = a.prefix();
        if prefix >> 24 != 0 && !a.is_secondary() && (prefix != a.local || a.plen < 32) {
            if a.flags & IFA_F_NOPREFIXROUTE == 0 {
                let (table, kind) = if link.is_loopback() {
                    (RT_TABLE_LOCAL, RTN_LOCAL)
                } else {
                    (RT_TABLE_MAIN, RTN_UNICAST)
                };
                let mut r = kernel(table, kind, prefix, a.plen, a.rt_priority);
                r.prefsrc = Some(a.local);
                out.push(r);
            }
            if a.plen < 31 {
                out.push(kernel(
                    RT_TABLE_LOCAL,
                    RTN_BROADCAST,
                    prefix | !mask(a.plen),
                    32,
                    0,
                ));
            }
        }
        out
    }

    fn all_derived(&self) -> Vec<Route> {
        self.addrs
            .values()
            .flatten()
            .flat_map(|a| self.derived_routes(a))
            .collect()
    }

    /// Adds the derived routes of link `index`'s addresses that are
    /// missing (on an address added, on the link up).
    pub(crate) fn addr_routes_up(&mut self, index: u32) {
        let routes: Vec<Route> = self
            .addrs
            .get(&index)
            .into_iter()
            .flatten()
            .flat_map(|a| self.derived_routes(a))
            .collect();
        for r in routes {
            self.add_kernel_route(r);
        }
    }

    /// Removes the derived routes that a change took away (`before` the
    /// change, compared with now).
    fn drop_underived(&mut self, before: Vec<Route>) {
        let now = self.all_derived();
        for r in before {
            if !now.contains(&r) {
                self.remove_route_where(|x| x.same_fib_entry(&r));
            }
        }
    }

    /// ip's `lo` gets 127.0.0.1/8 when it comes up.
    pub(crate) fn loopback_up(&mut self, index: u32) {
        let local = u32::from(Ipv4Addr::LOCALHOST);
        if self
            .addrs
            .get(&index)
            .is_some_and(|l| l.iter().any(|a| a.local == local && a.plen == 8))
        {
            return;
        }
        let name = self.links[&index].name.clone();
        let a = Addr {
            index,
            local,
            address: local,
            plen: 8,
            broadcast: 0,
            label: name,
            scope: RT_SCOPE_HOST,
            flags: IFA_F_PERMANENT,
            rt_priority: 0,
            proto: 0,
            valid: INFINITY_LIFE_TIME,
            preferred: INFINITY_LIFE_TIME,
            cstamp: self.ticks,
            tstamp: self.ticks,
        };
        let _ = self.insert_addr(a);
    }

    /// `__inet_insert_ifa`: secondary or primary, list position,
    /// notification, routes.
    fn insert_addr(&mut self, mut a: Addr) -> Res {
        a.flags &= !IFA_F_SECONDARY;
        let list = self.addrs.entry(a.index).or_default();
        let mut last_primary = 0;
        for (i, b) in list.iter().enumerate() {
            if !b.is_secondary() && a.scope <= b.scope {
                last_primary = i + 1;
            }
            if b.plen == a.plen && a.subnet_has(b.address) {
                if b.local == a.local {
                    return Err(Fail::new(Errno::EEXIST));
                }
                if b.scope != a.scope {
                    return Err(self.ipv4_fail(Errno::EINVAL, "ipv4: Invalid scope value"));
                }
                a.flags |= IFA_F_SECONDARY;
            }
        }
        let at = if a.is_secondary() {
            list.len()
        } else {
            last_primary
        };
        list.insert(at, a.clone());
        self.note_addr(RTM_NEWADDR, &a);
        for r in self.derived_routes(&a) {
            self.add_kernel_route(r);
        }
        Ok(())
    }

    pub(crate) fn new_addr(&mut self, req: &Req<'_>) -> Res {
        let ifm = IfAddrMsg::parse(req.payload).map_err(|_| bad())?;
        if ifm.family == AF_INET6 {
            return self.new_addr6(req);
        }
        if ifm.family != AF_INET {
            return Err(Fail::new(Errno(97))); // EAFNOSUPPORT
        }
        let (mut local, mut address, mut broadcast, mut label) = (None, None, 0, None);
        let (mut flags, mut rt_priority, mut proto) = (u32::from(ifm.flags), 0, 0);
        let (mut valid, mut preferred) = (INFINITY_LIFE_TIME, INFINITY_LIFE_TIME);
        for attr in Attrs::new(&req.payload[IfAddrMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                IFA_LOCAL => local = Some(in_addr(&attr)?),
                IFA_ADDRESS => address = Some(in_addr(&attr)?),
                IFA_BROADCAST => broadcast = in_addr(&attr)?,
                IFA_LABEL => {
                    let l = attr.str().map_err(|_| bad())?;
                    if l.len() > 15 {
                        return Err(Fail::policy(&attr));
                    }
                    label = Some(l.to_owned());
                }
                IFA_FLAGS => flags = u32_attr(&attr)?,
                IFA_RT_PRIORITY => rt_priority = u32_attr(&attr)?,
                IFA_PROTO => proto = fixed::<1>(&attr)?[0],
                IFA_CACHEINFO => {
                    let p = attr.payload();
                    if p.len() < 16 {
                        return Err(bad());
                    }
                    preferred = u32::from_ne_bytes(p[0..4].try_into().expect("4 bytes"));
                    valid = u32::from_ne_bytes(p[4..8].try_into().expect("4 bytes"));
                }
                _ => {}
            }
        }
        let bad_lifetimes = valid == 0 || preferred > valid;
        let lifetime_fail = || self.ipv4_fail(Errno::EINVAL, "ipv4: address lifetime invalid");
        if bad_lifetimes && self.rel.addr_lifetimes_first {
            return Err(lifetime_fail());
        }
        // `rtm_to_ifa`'s order: prefix, IFA_LOCAL (required), device.
        if ifm.prefix_len > 32 {
            return Err(self.ipv4_fail(Errno::EINVAL, "ipv4: Invalid prefix length"));
        }
        let Some(local) = local else {
            return Err(self.ipv4_fail(Errno::EINVAL, "ipv4: Local address is not supplied"));
        };
        if !self.links.contains_key(&ifm.index) {
            return Err(self.ipv4_fail(Errno::ENODEV, "ipv4: Device not found"));
        }
        if bad_lifetimes {
            return Err(lifetime_fail());
        }
        // `set_ifa_lifetime`. The simulator's clock stands still: a
        // lifetime never runs down.
        let flags = (flags & !(IFA_F_SECONDARY | IFA_F_PERMANENT | IFA_F_DEPRECATED))
            | lifetime_flags(valid, preferred);
        let address = address.unwrap_or(local);
        let a = Addr {
            index: ifm.index,
            local,
            address,
            plen: ifm.prefix_len,
            broadcast,
            label: label.unwrap_or_else(|| self.links[&ifm.index].name.clone()),
            scope: ifm.scope,
            flags,
            rt_priority,
            proto,
            valid,
            preferred,
            cstamp: self.ticks,
            tstamp: self.ticks,
        };
        // `find_matching_ifa`.
        let existing = self.addrs.get(&a.index).and_then(|l| {
            l.iter()
                .position(|b| b.plen == a.plen && a.subnet_has(b.address) && b.local == a.local)
        });
        if let Some(pos) = existing {
            if req.flags & NLM_F_EXCL != 0 || req.flags & NLM_F_REPLACE == 0 {
                return Err(self.ipv4_fail(Errno::EEXIST, "ipv4: Address already assigned"));
            }
            let before = self.all_derived();
            let ticks = self.ticks;
            let b = &mut self.addrs.get_mut(&a.index).expect("list")[pos];
            b.rt_priority = a.rt_priority;
            b.proto = a.proto;
            b.tstamp = ticks;
            b.flags = (b.flags & !(IFA_F_PERMANENT | IFA_F_DEPRECATED))
                | lifetime_flags(a.valid, a.preferred);
            b.valid = a.valid;
            b.preferred = a.preferred;
            let b = b.clone();
            self.note_addr(RTM_NEWADDR, &b);
            self.drop_underived(before);
            self.addr_routes_up(a.index);
            return Ok(());
        }
        self.insert_addr(a)
    }

    /// Removes the address at `pos` of link `index`'s list, with its
    /// notification and routes (its secondaries go first when it is a
    /// primary: `promote_secondaries` is off in a new namespace).
    fn remove_addr(&mut self, index: u32, pos: usize) {
        let a = self.addrs[&index][pos].clone();
        if !a.is_secondary() {
            while let Some(p) = self.addrs[&index]
                .iter()
                .position(|s| s.is_secondary() && s.plen == a.plen && a.subnet_has(s.address))
            {
                self.remove_addr(index, p);
            }
        }
        let before = self.all_derived();
        let list = self.addrs.get_mut(&index).expect("list");
        let pos = list.iter().position(|x| *x == a).expect("still there");
        list.remove(pos);
        if list.is_empty() {
            self.addrs.remove(&index);
        }
        self.note_addr(RTM_DELADDR, &a);
        self.drop_underived(before);
        // `fib_sync_down_addr`: routes preferring a source address no
        // link has any more go with it.
        if !self.addrs.values().flatten().any(|x| x.local == a.local) {
            self.remove_route_where(|r| r.prefsrc == Some(a.local));
        }
        // The link's last IPv4 address: `fib_disable_ip` takes its IPv4
        // routes (`fib_sync_down_dev`, forced) and its ARP entries, the
        // permanent ones too (`arp_ifdown`).
        if !self.addrs.contains_key(&index) {
            self.remove_route_where(|r| r.oif == Some(index));
            self.flush_neighs(index, false, Some(AF_INET));
        }
    }

    pub(crate) fn del_addr(&mut self, req: &Req<'_>) -> Res {
        let ifm = IfAddrMsg::parse(req.payload).map_err(|_| bad())?;
        if ifm.family == AF_INET6 {
            return self.del_addr6(req);
        }
        let (mut local, mut address, mut label) = (None, None, None);
        for attr in Attrs::new(&req.payload[IfAddrMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                IFA_LOCAL => local = Some(in_addr(&attr)?),
                IFA_ADDRESS => address = Some(in_addr(&attr)?),
                IFA_LABEL => label = Some(attr.str().map_err(|_| bad())?),
                _ => {}
            }
        }
        if !self.links.contains_key(&ifm.index) {
            return Err(self.ipv4_fail(Errno::ENODEV, "ipv4: Device not found"));
        }
        let pos = self.addrs.get(&ifm.index).and_then(|l| {
            l.iter().position(|a| {
                local.is_none_or(|x| a.local == x)
                    && label.is_none_or(|x| a.label == x)
                    && address.is_none_or(|x| ifm.prefix_len == a.plen && a.subnet_has(x))
            })
        });
        let Some(pos) = pos else {
            return Err(self.ipv4_fail(Errno(99), "ipv4: Address not found"));
        };
        self.remove_addr(ifm.index, pos);
        Ok(())
    }

    /// A link is going away: its addresses go first.
    pub(crate) fn addrs_link_gone(&mut self, index: u32) {
        while self.addrs.get(&index).is_some_and(|l| !l.is_empty()) {
            let last = self.addrs[&index].len() - 1;
            // Secondaries (at the end) first, as the kernel unwinds.
            self.remove_addr(index, last);
        }
    }

    /// A link was renamed: its addresses' labels follow, as
    /// `inetdev_changename` rewrites them: the first takes the new name,
    /// the others the new name and their old `:suffix` (or `:N`, N their
    /// place in the list), each with a notification.
    pub(crate) fn rename_labels(&mut self, index: u32, new: &str) {
        let mut changed = Vec::new();
        for (n, a) in self.addrs.get_mut(&index).into_iter().flatten().enumerate() {
            let old = std::mem::replace(&mut a.label, new.to_owned());
            if n > 0 {
                let suffix = match old.find(':') {
                    Some(i) => old[i..].to_owned(),
                    None => format!(":{}", n + 1),
                };
                // At most IFNAMSIZ - 1 bytes: the name is cut to make room
                // for the suffix (on a character boundary here).
                let mut keep = new.len().min(15usize.saturating_sub(suffix.len()));
                while !new.is_char_boundary(keep) {
                    keep -= 1;
                }
                a.label.truncate(keep);
                a.label.push_str(&suffix);
                while a.label.len() > 15 {
                    a.label.pop();
                }
            }
            changed.push(a.clone());
        }
        for a in changed {
            self.note_addr(RTM_NEWADDR, &a);
        }
    }

    pub(crate) fn get_addr(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return match IfAddrMsg::parse(req.payload) {
                Ok(m) if m.family == AF_INET6 => self.get_addr6(req),
                _ => Err(Fail::new(Errno(95))),
            };
        }
        // Strict checking (the library's sockets): the header's link index
        // filters the dump, and must name a link.
        let ifm = IfAddrMsg::parse(req.payload).ok();
        let family = ifm.map_or(AF_UNSPEC, |m| m.family);
        let index = ifm.map_or(0, |m| m.index);
        if index != 0 && !self.links.contains_key(&index) {
            return Err(Fail::new(Errno::ENODEV));
        }
        let mut out = msg::DumpOut::new(req);
        if family == AF_UNSPEC || family == AF_INET {
            for a in self.addrs.values().flatten() {
                if index == 0 || a.index == index {
                    out.item(RTM_NEWADDR, |w| Self::emit_addr(w, a));
                }
            }
        }
        if family == AF_UNSPEC || family == AF_INET6 {
            self.dump_addrs6(&mut out, index);
        }
        Ok(out.finish())
    }
}
