//! IPv6 routes (`RTM_*ROUTE` of `AF_INET6`): `ip6_route_add`'s checks,
//! `fib6_add_rt2node`'s insert rules, the tree walk's dump order, and the
//! routes addrconf makes (`local ::1` when `lo` comes up, `ff00::/8` when a
//! link is ready).
//!
//! Not simulated (refused with `EOPNOTSUPP`): multipath and the siblings
//! two gateway routes of one metric would form, metrics, expiry, source
//! routes, encapsulation, nexthop objects, onlink, and route types other
//! than unicast, local, blackhole, unreachable, prohibit and throw. IPv6
//! addresses are not simulated, so no address makes a route.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use nlwire::Errno;
use nlwire::route::route::{
    RTA_CACHEINFO, RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREF,
    RTA_PREFSRC, RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTA_VIA,
};
use nlwire::route::{AF_INET6, RTM_DELROUTE, RTM_NEWROUTE, RtMsg};
use nlwire::wire::{Attr, Attrs, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::link::{IF_OPER_UNKNOWN, IF_OPER_UP};
use crate::msg::{self, Fail, Req, Res, fixed, u32_attr};
use crate::neigh::IPV4_MIN_MTU;
use crate::route::{
    RT_TABLE_COMPAT, RTA_ENCAP, RTA_NH_ID, RTN_BLACKHOLE, RTN_LOCAL, RTN_MAX, RTN_THROW,
    RTN_UNICAST, RTNH_F_LINKDOWN, RTNH_F_ONLINK, RTPROT_KERNEL,
};
use crate::world::Ns;

const RTPROT_BOOT: u8 = 3;
const RT6_TABLE_MAIN: u32 = 254;
const RT6_TABLE_LOCAL: u32 = 255;
const RTA_EXPIRES: u16 = 23;
/// `IP6_RT_PRIO_USER`: the metric of a route added without one.
const PRIO_USER: u32 = 1024;
/// `IPV6_MIN_MTU`: a link with a smaller MTU has no IPv6.
pub(crate) const IPV6_MIN_MTU: u32 = 1280;
/// `RTNLGRP_IPV6_ROUTE`.
const GROUP_IPV6_ROUTE: u32 = 11;
/// `::1`.
const LOOPBACK: u128 = 1;

/// One IPv6 route (a `fib6_info` with its single next hop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route6 {
    pub(crate) table: u32,
    pub(crate) dst: u128,
    pub(crate) dst_len: u8,
    pub(crate) metric: u32,
    /// `fib6_type`.
    pub(crate) kind: u8,
    pub(crate) protocol: u8,
    pub(crate) gateway: Option<u128>,
    /// The next hop's device (`lo` for the reject types).
    pub(crate) oif: u32,
    pub(crate) prefsrc: Option<u128>,
    /// `RTF_PREF`: 0 medium, 1 high, 3 low.
    pub(crate) pref: u8,
    /// `RTF_REJECT`: the reject types, and a route through `lo` to a
    /// destination that is not the loopback address.
    pub(crate) reject: bool,
}

impl Route6 {
    /// The last address the prefix covers.
    fn top(&self) -> u128 {
        self.dst | !mask(self.dst_len)
    }

    fn covers(&self, a: u128) -> bool {
        (a ^ self.dst) & mask(self.dst_len) == 0
    }

    /// Whether it may form a multipath route with another of its metric
    /// (`rt6_qualify_for_ecmp`: it has a gateway).
    fn ecmp(&self) -> bool {
        self.gateway.is_some()
    }

    /// `RTF_LOCAL` (no link-down flag for it).
    fn is_local(&self) -> bool {
        self.kind == RTN_LOCAL
    }
}

/// The mask of a prefix length.
pub(crate) fn mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    }
}

/// A route's place in the dump: the table's hash bucket, then the newest
/// table of the bucket first (`hlist_add_head`), then the tree walk of
/// `fib6_walk` (children before their parent, the 0 branch before the 1
/// branch: by the last address covered, longer prefixes first), then the
/// node's list (by metric; within one metric in insertion order).
type Key = (u8, Reverse<u64>, u128, Reverse<u8>, u32, u64);

/// The IPv6 FIB of a namespace.
#[derive(Debug)]
pub(crate) struct Fib6 {
    map: BTreeMap<Key, Route6>,
    /// The tables that exist, and the order they were made in.
    tables: BTreeMap<u32, u64>,
    next_table: u64,
    next: u64,
}

impl Default for Fib6 {
    fn default() -> Fib6 {
        let mut f = Fib6 {
            map: BTreeMap::new(),
            tables: BTreeMap::new(),
            next_table: 0,
            next: 0,
        };
        // `fib6_tables_init`: main, then local.
        f.table(RT6_TABLE_MAIN);
        f.table(RT6_TABLE_LOCAL);
        f
    }
}

impl Fib6 {
    /// The table `id`, made if it does not exist (`fib6_new_table`).
    pub(crate) fn table(&mut self, id: u32) -> u64 {
        if let Some(&t) = self.tables.get(&id) {
            return t;
        }
        self.next_table += 1;
        self.tables.insert(id, self.next_table);
        self.next_table
    }

    fn key(&mut self, r: &Route6) -> Key {
        let t = self.table(r.table);
        self.next += 1;
        (
            r.table as u8,
            Reverse(t),
            r.top(),
            Reverse(r.dst_len),
            r.metric,
            self.next,
        )
    }

    /// The routes in dump order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Route6> {
        self.map.values()
    }

    /// The keys of the routes of one node (table, prefix), in order.
    fn node(&self, table: u32, dst: u128, dst_len: u8) -> Vec<Key> {
        let Some(&t) = self.tables.get(&table) else {
            return Vec::new();
        };
        // One node's routes are adjacent in the dump order.
        let top = dst | !mask(dst_len);
        let at = (table as u8, Reverse(t), top, Reverse(dst_len));
        self.map
            .range((at.0, at.1, at.2, at.3, 0, 0)..=(at.0, at.1, at.2, at.3, u32::MAX, u64::MAX))
            .filter(|(_, r)| r.table == table && r.dst == dst)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Whether the table's tree has a node for the prefix: the root, a
    /// prefix with routes, or a branch point — the routed prefixes under
    /// it differ at its next bit (the tree is a compressed binary trie
    /// of the routed prefixes, repaired after each delete).
    fn has_node(&self, table: u32, dst: u128, dst_len: u8) -> bool {
        if dst_len == 0 {
            return true;
        }
        let (mut zero, mut one) = (false, false);
        for r in self.map.values().filter(|r| r.table == table) {
            if r.dst_len == dst_len && r.dst == dst {
                return true;
            }
            if r.dst_len > dst_len && (r.dst ^ dst) & mask(dst_len) == 0 && dst_len < 128 {
                if r.dst >> (127 - u32::from(dst_len)) & 1 == 0 {
                    zero = true;
                } else {
                    one = true;
                }
            }
        }
        zero && one
    }

    /// `fib6_table_lookup`: the longest prefix covering `a` in `table`
    /// (through `oif` when given).
    fn lookup(&self, table: u32, a: u128, oif: Option<u32>) -> Option<&Route6> {
        self.map
            .values()
            .filter(|r| r.table == table && r.covers(a))
            .filter(|r| oif.is_none_or(|o| r.oif == o))
            .fold(None, |best: Option<&Route6>, r| match best {
                Some(b) if b.dst_len >= r.dst_len => Some(b),
                _ => Some(r),
            })
    }
}

/// What the kernel's event handlers remember of a link between requests:
/// its IPv6 state (`inet6_dev`), and its up and carrier bits as last seen
/// (the neighbour flushes follow their changes).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Dev6 {
    /// `IF_READY`: addrconf configured it.
    pub(crate) ready: bool,
    /// Up at the last sync.
    pub(crate) up: bool,
    /// Carrier at the last sync.
    pub(crate) carrier: bool,
    /// Its MTU allowed IPv4 at the last sync.
    pub(crate) v4: bool,
    /// Its MTU allowed IPv6 at the last sync.
    pub(crate) v6: bool,
    /// `IN6_ADDR_GEN_MODE_*` (0 `eui64`, the default; 1 none).
    pub(crate) addr_gen_mode: u8,
}

impl Dev6 {
    /// It was up with IPv6 at the last sync (routes may go through it).
    fn live(&self) -> bool {
        self.up && self.v6
    }
}

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

/// An IPv6 address in an attribute of at least 16 bytes.
fn in6(attr: &Attr<'_>) -> Res<u128> {
    fixed::<16>(attr).map(u128::from_be_bytes)
}

/// What a route request asks for.
struct Config {
    route: Route6,
    /// `RTA_OIF`, before the reject types move the route to `lo`.
    oif: Option<u32>,
    /// `RTA_PRIORITY` was given (a delete matches it).
    metric: u32,
}

impl Ns {
    fn emit_route6(&self, w: &mut Writer<'_>, r: &Route6) {
        let mut flags = 0;
        if !r.is_local() && !self.carrier(r.oif) {
            flags |= RTNH_F_LINKDOWN;
        }
        RtMsg {
            family: AF_INET6,
            dst_len: r.dst_len,
            src_len: 0,
            tos: 0,
            table: if r.table < 256 {
                r.table as u8
            } else {
                RT_TABLE_COMPAT
            },
            protocol: r.protocol,
            scope: 0,
            kind: r.kind,
            flags,
        }
        .emit(w);
        w.attr_u32(RTA_TABLE, r.table);
        if r.dst_len > 0 {
            w.attr(RTA_DST, &r.dst.to_be_bytes());
        }
        if let Some(p) = r.prefsrc {
            w.attr(RTA_PREFSRC, &p.to_be_bytes());
        }
        w.attr_u32(RTA_PRIORITY, r.metric);
        if let Some(g) = r.gateway {
            w.attr(RTA_GATEWAY, &g.to_be_bytes());
        }
        w.attr_u32(RTA_OIF, r.oif);
        w.attr(RTA_CACHEINFO, &[0u8; 32]);
        w.attr_u8(RTA_PREF, r.pref);
    }

    fn note_route6(&mut self, kind: u16, flags: u16, r: &Route6, req: Option<&Req<'_>>) {
        if !self.listens(GROUP_IPV6_ROUTE) {
            return;
        }
        let (seq, port) = req.map_or((0, 0), |q| (q.seq, q.port));
        let m = msg::message(kind, flags, seq, port, |w| self.emit_route6(w, r));
        self.notify(GROUP_IPV6_ROUTE, m);
    }

    /// `fib6_add_rt2node` without multipath: the route goes after the
    /// routes of its node with a metric not above its own.
    pub(crate) fn insert6(&mut self, r: Route6, req: Option<&Req<'_>>) -> Res {
        let replace = req.is_some_and(|q| q.flags & NLM_F_REPLACE != 0);
        let excl = req.is_some_and(|q| q.flags & NLM_F_EXCL != 0);
        let add = req.is_none_or(|q| q.flags & NLM_F_CREATE != 0);
        let same: Vec<Key> = self
            .routes6
            .node(r.table, r.dst, r.dst_len)
            .into_iter()
            .filter(|k| self.routes6.map[k].metric == r.metric)
            .collect();
        let mut nlflags = if same.is_empty() { NLM_F_EXCL } else { 0 };
        if !same.is_empty() && excl {
            return Err(Fail::new(Errno::EEXIST));
        }
        if replace {
            // The first of the metric that is as multipath-capable as the
            // new route, else the first of the metric.
            let found = same
                .iter()
                .find(|k| self.routes6.map[k].ecmp() == r.ecmp())
                .or(same.first())
                .copied();
            match found {
                Some(k) => {
                    self.routes6.map.insert(k, r.clone());
                    self.note_route6(RTM_NEWROUTE, NLM_F_REPLACE, &r, req);
                    return Ok(());
                }
                None if !add => {
                    // `fib6_add_1` says why when the tree has no node for
                    // the prefix; `fib6_add_rt2node` does not.
                    return Err(if self.routes6.has_node(r.table, r.dst, r.dst_len) {
                        Fail::new(Errno::ENOENT)
                    } else {
                        Fail::msg(Errno::ENOENT, "Can not replace route - no match found")
                    });
                }
                None => {}
            }
        } else {
            for k in &same {
                let x = &self.routes6.map[k];
                if x.oif == r.oif && x.gateway == r.gateway {
                    return Err(Fail::new(Errno::EEXIST));
                }
                if x.ecmp() && r.ecmp() {
                    return Err(Fail::unsupported(
                        "nlwire-sim: IPv6 multipath routes (two gateway routes of one metric) are not simulated yet",
                    ));
                }
            }
        }
        nlflags |= NLM_F_CREATE;
        let key = self.routes6.key(&r);
        self.note_route6(RTM_NEWROUTE, nlflags, &r, req);
        self.routes6.map.insert(key, r);
        Ok(())
    }

    /// Removes (with notifications) every IPv6 route `pred` selects.
    pub(crate) fn remove_route6_where(&mut self, pred: impl Fn(&Route6) -> bool) {
        let keys: Vec<Key> = self
            .routes6
            .map
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            let r = self.routes6.map.remove(&k).expect("listed");
            self.note_route6(RTM_DELROUTE, 0, &r, None);
        }
    }

    /// `lo`'s index (a namespace has one unless it is being torn down).
    pub(crate) fn lo_index(&self) -> Option<u32> {
        self.links
            .values()
            .find(|l| l.is_loopback())
            .map(|l| l.index)
    }

    /// Whether addrconf sees the link ready (`addrconf_link_ready`: its
    /// operational state is up or unknown).
    fn link_ready6(&self, index: u32) -> bool {
        self.links
            .get(&index)
            .is_some_and(|l| l.up && matches!(self.operstate(l), IF_OPER_UP | IF_OPER_UNKNOWN))
    }

    /// addrconf's reaction to what the request did to the links: a link
    /// that went down, or below the IPv6 MTU, loses its routes
    /// (`rt6_sync_down_dev`) and its `IF_READY`; a link that became ready
    /// is configured (`addrconf_dev_config`: `ff00::/8`; `init_loopback`:
    /// `local ::1`).
    pub(crate) fn sync_ipv6(&mut self) {
        self.dev6.retain(|i, _| self.links.contains_key(i));
        // The links the request brought up (or above the IPv6 MTU) are
        // configured as it runs (`NETDEV_UP`, `NETDEV_CHANGEMTU`); carrier
        // that came with them reaches the others later (linkwatch's
        // `NETDEV_CHANGE`), a bridge's after its ports' (it takes its
        // carrier from theirs when their events run).
        let mut order: Vec<(bool, bool, u32)> = self
            .links
            .values()
            .map(|l| {
                let live = l.up && l.mtu >= IPV6_MIN_MTU;
                let was = self.dev6.get(&l.index).is_some_and(Dev6::live);
                let bridge = matches!(l.kind, crate::link::Kind::Bridge { .. });
                (!live || was, bridge, l.index)
            })
            .collect();
        order.sort_unstable();
        for (_, _, i) in order {
            let (up, mtu) = (self.links[&i].up, self.links[&i].mtu);
            let live = up && mtu >= IPV6_MIN_MTU;
            let mut d = self.dev6.get(&i).copied().unwrap_or_default();
            let carrier = self.carrier(i);
            // `neigh_ifdown` when it went down; `neigh_carrier_down`
            // (permanent entries stay) when it lost its carrier.
            if d.up && !up {
                self.flush_neighs(i, false, None);
            } else if up && !carrier && (d.carrier || self.bridge_open_without_carrier(i, d.up)) {
                self.flush_neighs(i, true, None);
            }
            // A link that lost IPv4 or IPv6 to its MTU loses that
            // table's entries (`inetdev_destroy`, `addrconf_ifdown`).
            let (v4, v6) = (mtu >= IPV4_MIN_MTU, mtu >= IPV6_MIN_MTU);
            if d.v4 && !v4 {
                self.flush_neighs(i, false, Some(nlwire::route::AF_INET));
            }
            if d.v6 && !v6 {
                self.flush_neighs(i, false, Some(AF_INET6));
                // `NETDEV_CHANGEMTU` below the minimum: IPv6 stops on the
                // link, up or down, and its addresses go (and its settings:
                // the next `inet6_dev` starts from the defaults).
                self.addrs6_ifdown(i);
                d.addr_gen_mode = 0;
            }
            let was_live = d.live();
            let came_up = live && up && !d.up;
            // IPv6 came to an up link by its MTU (`NETDEV_CHANGEMTU`: a new
            // `inet6_dev`, ready if the link's operational state, which
            // linkwatch sets after the request, was up): a bridge whose
            // last port left rises to 1500 while it still counts as up.
            let by_mtu_while_up = live && !was_live && d.up && up && d.carrier;
            d.up = up;
            d.carrier = carrier;
            d.v4 = v4;
            d.v6 = v6;
            if was_live && !live {
                self.addrs6_ifdown(i);
                self.remove_route6_where(|r| r.oif == i);
                d.ready = false;
            }
            let configure = live && !d.ready && (self.link_ready6(i) || by_mtu_while_up);
            if configure {
                d.ready = true;
            }
            self.dev6.insert(i, d);
            if came_up {
                self.addrs6_link_up(i);
            }
            if configure {
                self.addrconf_dev_config(i);
                self.addrs6_ready(i);
            }
        }
    }

    /// 6.1: a bridge that comes up without carrier had its carrier bit
    /// on since registration, and loses it at open (see `Release`).
    fn bridge_open_without_carrier(&self, index: u32, was_up: bool) -> bool {
        !was_up
            && self.rel.bridge_open_drops_neighs
            && matches!(self.links[&index].kind, crate::link::Kind::Bridge { .. })
    }

    /// `addrconf_dev_config` (`init_loopback` for `lo`): `ff00::/8` and
    /// the link-local address.
    fn addrconf_dev_config(&mut self, index: u32) {
        if self.links[&index].is_loopback() {
            self.loopback6_up(index);
        } else {
            self.add_dev_mroute(index);
            self.addrconf_addr_gen(index);
        }
    }

    /// The link's IPv6 addresses and routes go with it (unregistered, or
    /// moved out).
    pub(crate) fn routes6_link_gone(&mut self, index: u32) {
        self.addrs6_ifdown(index);
        self.remove_route6_where(|r| r.oif == index);
        self.flush_neighs(index, false, None);
        self.dev6.remove(&index);
    }

    /// `rtm_to_fib6_config`.
    fn parse_route6(&self, req: &Req<'_>) -> Res<Config> {
        let rtm = RtMsg::parse(req.payload).map_err(|_| bad())?;
        let mut r = Route6 {
            table: u32::from(rtm.table),
            dst: 0,
            dst_len: rtm.dst_len,
            metric: 0,
            kind: rtm.kind,
            protocol: rtm.protocol,
            gateway: None,
            oif: 0,
            prefsrc: None,
            pref: 0,
            reject: false,
        };
        let mut oif = None;
        for attr in Attrs::new(&req.payload[RtMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                RTA_DST => {
                    let plen = usize::from(rtm.dst_len).div_ceil(8);
                    let p = attr.payload();
                    if p.len() < plen || plen > 16 {
                        return Err(bad());
                    }
                    let mut b = [0u8; 16];
                    b[..plen].copy_from_slice(&p[..plen]);
                    r.dst = u128::from_be_bytes(b);
                }
                RTA_OIF => oif = Some(u32_attr(&attr)?),
                RTA_GATEWAY => r.gateway = Some(in6(&attr)?),
                RTA_PRIORITY => r.metric = u32_attr(&attr)?,
                RTA_PREFSRC => r.prefsrc = Some(in6(&attr)?),
                RTA_TABLE => r.table = u32_attr(&attr)?,
                RTA_PREF => {
                    let p = fixed::<1>(&attr)?[0];
                    // Low (3) and high (1); anything else is medium.
                    r.pref = if p == 3 || p == 1 { p } else { 0 };
                }
                RTA_METRICS if !attr.payload().is_empty() => {
                    return Err(Fail::unsupported(
                        "nlwire-sim: route metrics are not simulated yet",
                    ));
                }
                RTA_MULTIPATH | RTA_VIA | RTA_ENCAP | RTA_NH_ID | RTA_SRC | RTA_EXPIRES => {
                    return Err(Fail::unsupported(
                        "nlwire-sim: IPv6 multipath, via, encap, nexthop ids, expiry and source routes are not simulated yet",
                    ));
                }
                _ => {}
            }
        }
        if rtm.src_len > 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: source routes are not simulated yet",
            ));
        }
        if rtm.flags & RTNH_F_ONLINK != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: onlink next hops are not simulated yet",
            ));
        }
        Ok(Config {
            metric: r.metric,
            oif: oif.filter(|&o| o != 0),
            route: r,
        })
    }

    /// `ip6_route_check_nh`: the device a gateway is reached through.
    fn gateway_dev(&self, table: u32, gw: u128, dev: Option<u32>) -> Res<u32> {
        let usable = |r: &Route6| !r.reject && r.gateway.is_none();
        let unreach = || Fail::new(Errno(113)); // EHOSTUNREACH
        let in_table = self
            .routes6
            .lookup(table, gw, dev)
            .filter(|r| usable(r) && dev.is_none_or(|d| d == r.oif));
        let found = match in_table {
            Some(r) => r,
            None => {
                // `fib6_rule_lookup`: local, then main, until an IPv6 rule
                // was added (`fib6_has_custom_rules`); then the rules in
                // order, whose failing actions fail the lookup.
                let r = if self.custom_rules6 {
                    let mut found = None;
                    for rule in self.rules.iter().filter(|r| r.family == AF_INET6) {
                        if !rule.matches_v6(0, gw) {
                            continue;
                        }
                        if rule.action != 1 {
                            return Err(unreach());
                        }
                        if let Some(r) = self.routes6.lookup(rule.table, gw, dev) {
                            found = Some(r);
                            break;
                        }
                    }
                    found
                } else {
                    [RT6_TABLE_LOCAL, RT6_TABLE_MAIN]
                        .iter()
                        .find_map(|&t| self.routes6.lookup(t, gw, dev))
                }
                .ok_or_else(unreach)?;
                if !usable(r) {
                    return Err(unreach());
                }
                r
            }
        };
        match dev {
            Some(d) if d != found.oif => Err(unreach()),
            _ => Ok(found.oif),
        }
    }

    /// `ip6_route_info_create` and `fib6_nh_init`: checks the route and
    /// resolves its next hop.
    fn create_info6(&self, cfg: &mut Config) -> Res {
        let r = &mut cfg.route;
        if r.kind > RTN_MAX {
            return Err(Fail::msg(Errno::EINVAL, "Invalid route type"));
        }
        if r.dst_len > 128 {
            return Err(Fail::msg(Errno::EINVAL, "Invalid prefix length"));
        }
        if r.kind == 0 {
            r.kind = RTN_UNICAST;
        }
        if !matches!(r.kind, RTN_UNICAST | RTN_LOCAL | RTN_BLACKHOLE..=RTN_THROW) {
            return Err(Fail::unsupported(
                "nlwire-sim: this IPv6 route type is not simulated yet",
            ));
        }
        if r.protocol == 0 {
            r.protocol = RTPROT_BOOT;
        }
        r.dst &= mask(r.dst_len);
        // A link without IPv6 (`inet6_dev`: its MTU is below 1280) is
        // no device for a route either.
        let mut dev = match cfg.oif {
            Some(o) if self.links.get(&o).is_none_or(|l| l.mtu < IPV6_MIN_MTU) => {
                return Err(Fail::new(Errno::ENODEV));
            }
            o => o,
        };
        let lo = self.lo_index();
        let reject_type = (RTN_BLACKHOLE..=RTN_THROW).contains(&r.kind);
        let via_lo = dev.is_some() && dev == lo && r.dst != LOOPBACK && r.kind != RTN_LOCAL;
        if reject_type || via_lo {
            // `fib6_is_reject`: through `lo`, no gateway.
            r.reject = true;
            r.gateway = None;
            r.oif = lo.ok_or_else(|| Fail::new(Errno::ENODEV))?;
        } else {
            if let Some(gw) = r.gateway {
                // `ip6_validate_gw`: a local gateway (tentative or not;
                // on any link unless it is link-local) is refused, with a
                // device before the lookup, without one after it.
                let link_local = gw >> 118 == 0x3fa; // fe80::/10
                let local_gw = |d: Option<u32>| {
                    let on = if link_local { d } else { None };
                    self.chk_addr6(gw, on, false).is_some()
                };
                let local_text = "Gateway can not be a local address";
                let need_addr_check = dev.is_none();
                if dev.is_some() && local_gw(dev) {
                    return Err(Fail::msg(Errno::EINVAL, local_text));
                }
                if !link_local {
                    let multicast = gw >> 120 == 0xff;
                    if gw == 0 || multicast {
                        return Err(Fail::msg(Errno::EINVAL, "Invalid gateway address"));
                    }
                    dev = Some(self.gateway_dev(r.table, gw, dev)?);
                }
                match dev {
                    None => {
                        return Err(Fail::msg(Errno::EINVAL, "Egress device not specified"));
                    }
                    Some(d) if Some(d) == lo => {
                        return Err(Fail::msg(
                            Errno::EINVAL,
                            "Egress device can not be loopback device for this route",
                        ));
                    }
                    Some(_) => {}
                }
                if need_addr_check && local_gw(dev) {
                    return Err(Fail::msg(Errno::EINVAL, local_text));
                }
            }
            let Some(d) = dev else {
                return Err(Fail::new(Errno::ENODEV));
            };
            if !self.links[&d].up {
                return Err(Fail::msg(Errno(100), "Nexthop device is not up"));
            }
            r.oif = d;
        }
        if let Some(src) = r.prefsrc {
            // `ipv6_chk_addr`: an address that is not tentative, on the
            // route's link or of global scope.
            if self.chk_addr6(src, Some(r.oif), true).is_none() {
                return Err(Fail::msg(Errno::EINVAL, "Invalid source address"));
            }
        }
        Ok(())
    }

    pub(crate) fn new_route6(&mut self, req: &Req<'_>) -> Res {
        let mut cfg = self.parse_route6(req)?;
        if cfg.route.metric == 0 {
            cfg.route.metric = PRIO_USER;
        }
        if cfg.route.table == 0 {
            cfg.route.table = RT6_TABLE_MAIN;
        }
        // The table is made before the next hop is checked.
        self.routes6.table(cfg.route.table);
        self.create_info6(&mut cfg)?;
        self.insert6(cfg.route, Some(req))
    }

    pub(crate) fn del_route6(&mut self, req: &Req<'_>) -> Res {
        let cfg = self.parse_route6(req)?;
        let mut r = cfg.route;
        if r.table == 0 {
            r.table = RT6_TABLE_MAIN;
        }
        if !self.routes6.tables.contains_key(&r.table) {
            return Err(Fail::msg(Errno(3), "FIB table does not exist"));
        }
        if r.dst_len > 128 {
            return Err(Fail::new(Errno(3)));
        }
        let dst = r.dst & mask(r.dst_len);
        let found = self
            .routes6
            .node(r.table, dst, r.dst_len)
            .into_iter()
            .find(|k| {
                let x = &self.routes6.map[k];
                cfg.oif.is_none_or(|o| x.oif == o)
                    && r.gateway.is_none_or(|g| x.gateway == Some(g))
                    && (cfg.metric == 0 || x.metric == cfg.metric)
                    && (r.protocol == 0 || x.protocol == r.protocol)
            });
        let Some(k) = found else {
            // Under `::/0` with no route of its own the walk finds the
            // table's null entry (unreachable, through `lo`, protocol
            // kernel, metric ~0), and deleting that is ENOENT.
            let lo = self.lo_index();
            let null_matches = r.dst_len == 0
                && self.routes6.node(r.table, 0, 0).is_empty()
                && cfg.oif.is_none_or(|o| Some(o) == lo)
                && r.gateway.is_none()
                && (cfg.metric == 0 || cfg.metric == u32::MAX)
                && (r.protocol == 0 || r.protocol == RTPROT_KERNEL);
            return Err(Fail::new(if null_matches {
                Errno::ENOENT
            } else {
                Errno(3)
            }));
        };
        let gone = self.routes6.map.remove(&k).expect("found");
        self.note_route6(RTM_DELROUTE, 0, &gone, Some(req));
        Ok(())
    }

    /// The IPv6 part of a route dump (`inet6_dump_fib`), after the checks
    /// `get_route` made. `Err` for a table filter naming no table, when
    /// the request asked for IPv6 alone.
    pub(crate) fn dump_routes6(
        &self,
        out: &mut msg::DumpOut,
        filter: &RouteFilter,
        ipv6_only: bool,
    ) -> Res {
        if filter.table != 0 && !self.routes6.tables.contains_key(&filter.table) {
            if ipv6_only {
                return Err(Fail::msg(Errno::ENOENT, "ipv6: FIB table does not exist"));
            }
            return Ok(());
        }
        out.set_filtered(filter.is_set());
        for r in self.routes6.values() {
            if (filter.table == 0 || r.table == filter.table)
                && (filter.protocol == 0 || r.protocol == filter.protocol)
                && (filter.kind == 0 || r.kind == filter.kind)
                && filter.oif.is_none_or(|o| r.oif == o)
            {
                out.item(RTM_NEWROUTE, |w| self.emit_route6(w, r));
            }
        }
        Ok(())
    }
}

/// The filters of a strict route dump request (`ip_valid_fib_dump_req`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RouteFilter {
    pub(crate) table: u32,
    pub(crate) protocol: u8,
    pub(crate) kind: u8,
    pub(crate) oif: Option<u32>,
}

impl RouteFilter {
    /// `filter_set`: some filter was given.
    pub(crate) fn is_set(&self) -> bool {
        self.table != 0 || self.protocol != 0 || self.kind != 0 || self.oif.is_some()
    }
}
