//! IPv4 routes (`RTM_*ROUTE`): the FIB's insert, delete and dump rules.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use nlwire::Errno;
use nlwire::route::route::{
    RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTA_DST,
    RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_SRC,
    RTA_TABLE, RTA_VIA,
};
use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, RTM_DELROUTE, RTM_NEWROUTE, RtMsg};
use nlwire::wire::{Attrs, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::addr::mask;
use crate::msg::{self, Fail, Req, Res, in_addr, u32_attr};
use crate::route6::RouteFilter;
use crate::world::{Ns, is_dump};

pub(crate) const RTN_UNICAST: u8 = 1;
pub(crate) const RTN_LOCAL: u8 = 2;
pub(crate) const RTN_BROADCAST: u8 = 3;
pub(crate) const RTN_MULTICAST: u8 = 5;
pub(crate) const RTN_BLACKHOLE: u8 = 6;
pub(crate) const RTN_THROW: u8 = 9;
pub(crate) const RTN_MAX: u8 = 11;
pub(crate) const RTPROT_KERNEL: u8 = 2;
const RT_SCOPE_NOWHERE: u8 = 255;
pub(crate) const RT_TABLE_COMPAT: u8 = 252;
const RT_TABLE_DEFAULT: u32 = 253;
pub(crate) const RTNH_F_ONLINK: u32 = 4;
pub(crate) const RTNH_F_LINKDOWN: u32 = 16;
pub(crate) const RTA_ENCAP: u16 = 22;
pub(crate) const RTA_NH_ID: u16 = 30;
/// `RTNLGRP_IPV4_ROUTE`.
const GROUP_IPV4_ROUTE: u32 = 7;

/// The least scope of each route type (`fib_props[type].scope`).
fn type_scope(kind: u8) -> u8 {
    match kind {
        RTN_LOCAL => RT_SCOPE_HOST,
        RTN_BROADCAST | 4 => RT_SCOPE_LINK,
        _ => RT_SCOPE_UNIVERSE,
    }
}

/// Route types that answer a lookup with an error (`fib_props[].error`).
fn is_error_type(kind: u8) -> bool {
    (RTN_BLACKHOLE..=RTN_THROW).contains(&kind)
}

/// One IPv4 route (a FIB alias and its single-nexthop `fib_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) table: u32,
    pub(crate) dst: u32,
    pub(crate) dst_len: u8,
    pub(crate) tos: u8,
    pub(crate) priority: u32,
    pub(crate) kind: u8,
    pub(crate) protocol: u8,
    pub(crate) scope: u8,
    pub(crate) prefsrc: Option<u32>,
    pub(crate) gateway: Option<u32>,
    pub(crate) oif: Option<u32>,
    pub(crate) nh_flags: u32,
}

impl Route {
    /// The same FIB entry: key, type and `fib_info`.
    pub(crate) fn same_fib_entry(&self, o: &Route) -> bool {
        self == o
    }

    /// The dump order: tables by hash bucket, then the trie's key order,
    /// longer prefixes first under one key, TOS descending, priority.
    pub(crate) fn order(&self) -> Order {
        (
            self.table & 0xff,
            self.table,
            self.dst,
            Reverse(self.dst_len),
            Reverse(self.tos),
            self.priority,
        )
    }

    fn covers(&self, a: u32) -> bool {
        (a ^ self.dst) & mask(self.dst_len) == 0
    }
}

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

/// A route's place in the dump order (see [`Route::order`]).
pub(crate) type Order = (u32, u32, u32, Reverse<u8>, Reverse<u8>, u32);

/// The IPv4 FIB of a namespace: routes in dump order. Routes that sort
/// equal (same table, prefix, TOS and priority) keep the order they were
/// put in: before the others (`NLM_F_CREATE` alone) or after them
/// (`NLM_F_APPEND`), by a sequence number below or above every other.
#[derive(Debug, Default)]
pub(crate) struct Fib {
    map: BTreeMap<(Order, i64), Route>,
    front: i64,
    back: i64,
}

impl Fib {
    pub(crate) fn values(&self) -> impl Iterator<Item = &Route> {
        self.map.values()
    }

    /// The keys of the routes that sort equal to `key`, in order.
    fn equal(&self, key: Order) -> Vec<(Order, i64)> {
        self.map
            .range((key, i64::MIN)..=(key, i64::MAX))
            .map(|(k, _)| *k)
            .collect()
    }

    fn insert(&mut self, r: Route, append: bool) {
        let seq = if append {
            self.back += 1;
            self.back
        } else {
            self.front -= 1;
            self.front
        };
        self.map.insert((r.order(), seq), r);
    }
}

/// What a route request asks for.
#[derive(Debug)]
struct Config {
    route: Route,
    /// `RT_SCOPE_NOWHERE` and type 0 match anything in a delete.
    delete_scope: u8,
}

impl Ns {
    fn emit_route(&self, w: &mut Writer<'_>, r: &Route) {
        let mut flags = r.nh_flags;
        if let Some(oif) = r.oif
            && r.scope != RT_SCOPE_HOST
            && !self.carrier(oif)
        {
            flags |= RTNH_F_LINKDOWN;
        }
        RtMsg {
            family: AF_INET,
            dst_len: r.dst_len,
            src_len: 0,
            tos: r.tos,
            table: if r.table < 256 {
                r.table as u8
            } else {
                RT_TABLE_COMPAT
            },
            protocol: r.protocol,
            scope: r.scope,
            kind: r.kind,
            flags,
        }
        .emit(w);
        w.attr_u32(RTA_TABLE, r.table);
        if r.dst_len > 0 {
            w.attr(RTA_DST, &r.dst.to_be_bytes());
        }
        if r.priority != 0 {
            w.attr_u32(RTA_PRIORITY, r.priority);
        }
        if let Some(p) = r.prefsrc {
            w.attr(RTA_PREFSRC, &p.to_be_bytes());
        }
        if let Some(g) = r.gateway {
            w.attr(RTA_GATEWAY, &g.to_be_bytes());
        }
        if let Some(o) = r.oif {
            w.attr_u32(RTA_OIF, o);
        }
    }

    fn route_message(&self, kind: u16, flags: u16, r: &Route, seq: u32, port: u32) -> Vec<u8> {
        msg::message(kind, flags, seq, port, |w| self.emit_route(w, r))
    }

    fn note_route(&mut self, kind: u16, flags: u16, r: &Route) {
        if !self.listens(GROUP_IPV4_ROUTE) {
            return;
        }
        let m = self.route_message(kind, flags, r, 0, 0);
        self.notify(GROUP_IPV4_ROUTE, m);
    }

    /// Inserts `r` before the routes that sort equal to it, or after them
    /// (`append`).
    fn insert_route(&mut self, r: Route, append: bool) {
        self.routes.insert(r, append);
    }

    /// `fib_magic(RTM_NEWROUTE, …)` with `NLM_F_CREATE | NLM_F_APPEND`: an
    /// identical route is left as it is.
    pub(crate) fn add_kernel_route(&mut self, r: Route) {
        let key = r.order();
        if self
            .routes
            .equal(key)
            .iter()
            .any(|k| self.routes.map[k].same_fib_entry(&r))
        {
            return;
        }
        self.note_route(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, &r);
        self.insert_route(r, true);
    }

    /// Removes (with notifications) every route `pred` selects.
    pub(crate) fn remove_route_where(&mut self, pred: impl Fn(&Route) -> bool) {
        let keys: Vec<(Order, i64)> = self
            .routes
            .map
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            let r = self.routes.map.remove(&k).expect("listed");
            self.note_route(RTM_DELROUTE, 0, &r);
        }
    }

    /// A link went down: its routes go, but for host-scope ones (the
    /// local routes of its addresses).
    pub(crate) fn routes_link_down(&mut self, index: u32) {
        self.remove_route_where(|r| r.oif == Some(index) && r.scope != RT_SCOPE_HOST);
    }

    /// A link is unregistered: all its routes go.
    pub(crate) fn routes_link_gone(&mut self, index: u32) {
        self.remove_route_where(|r| r.oif == Some(index));
        self.routes6_link_gone(index);
    }

    /// `fib_table_lookup` over `tables` for `daddr`: the longest prefix
    /// whose scope is at least `scope` and, with `oif`, through that link.
    fn lookup(&self, tables: &[u32], daddr: u32, scope: u8, oif: Option<u32>) -> Option<&Route> {
        self.routes
            .values()
            .filter(|r| tables.contains(&r.table) && r.covers(daddr))
            .filter(|r| r.scope >= scope)
            .filter(|r| oif.is_none_or(|o| r.oif == Some(o)))
            // The first of the longest prefixes, in the trie's order.
            .fold(None, |best: Option<&Route>, r| match best {
                Some(b) if b.dst_len >= r.dst_len => Some(b),
                _ => Some(r),
            })
    }

    /// `inet_addr_type_dev_table`: the type of the route the local table
    /// (merged with main while there are no custom rules) has for `a`,
    /// through any link; unicast when none covers it.
    pub(crate) fn addr_type(&self, a: u32) -> u8 {
        if a >> 24 == 0 || a == u32::MAX {
            return RTN_BROADCAST;
        }
        self.lookup(&[RT_TABLE_LOCAL, RT_TABLE_MAIN], a, 0, None)
            .map_or(RTN_UNICAST, |r| r.kind)
    }

    /// `fib_lookup`. While the namespace has only its default rules the
    /// local and main tables are one trie (one longest-prefix match over
    /// both), then default; once an IPv4 rule was added
    /// (`fib_has_custom_rules`, never cleared) the rules are walked in
    /// order: a matching rule's table is searched (no route: the next
    /// rule), its blackhole, unreachable or prohibit action fails the
    /// lookup. No route at all is `ENETUNREACH`.
    fn lookup_rules(&self, daddr: u32, scope: u8, oif: Option<u32>) -> Result<&Route, Errno> {
        let unreach = Errno(101);
        if !self.custom_rules4 {
            return self
                .lookup(&[RT_TABLE_LOCAL, RT_TABLE_MAIN], daddr, scope, oif)
                .or_else(|| self.lookup(&[RT_TABLE_DEFAULT], daddr, scope, oif))
                .ok_or(unreach);
        }
        // The flow of a gateway check: no source, TOS 0.
        for rule in self.rules.iter().filter(|r| r.family == AF_INET) {
            if !rule.matches_v4(0, daddr, 0) {
                continue;
            }
            match rule.action {
                1 => {
                    if let Some(r) = self.lookup(&[rule.table], daddr, scope, oif) {
                        return Ok(r);
                    }
                }
                7 => return Err(unreach),
                8 => return Err(Errno(13)), // EACCES
                _ => return Err(Errno::EINVAL),
            }
        }
        Err(unreach)
    }

    fn parse_route(&self, req: &Req<'_>) -> Res<Config> {
        let rtm = RtMsg::parse(req.payload).map_err(|_| bad())?;
        if rtm.family == AF_INET6 {
            return Err(Fail::unsupported(
                "nlwire-sim: IPv6 routes are not simulated yet",
            ));
        }
        if rtm.family != AF_INET {
            return Err(Fail::new(Errno(95)));
        }
        let mut r = Route {
            table: u32::from(rtm.table),
            dst: 0,
            dst_len: rtm.dst_len,
            tos: rtm.tos,
            priority: 0,
            kind: rtm.kind,
            protocol: rtm.protocol,
            scope: rtm.scope,
            prefsrc: None,
            gateway: None,
            oif: None,
            nh_flags: rtm.flags & RTNH_F_ONLINK,
        };
        for attr in Attrs::new(&req.payload[RtMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                RTA_DST => r.dst = in_addr(&attr)?,
                RTA_OIF => r.oif = Some(u32_attr(&attr)?),
                RTA_GATEWAY => r.gateway = Some(in_addr(&attr)?),
                RTA_PRIORITY => r.priority = u32_attr(&attr)?,
                RTA_PREFSRC => r.prefsrc = Some(in_addr(&attr)?),
                RTA_TABLE => r.table = u32_attr(&attr)?,
                RTA_METRICS if !attr.payload().is_empty() => {
                    return Err(Fail::unsupported(
                        "nlwire-sim: route metrics are not simulated yet",
                    ));
                }
                RTA_MULTIPATH | RTA_VIA | RTA_ENCAP | RTA_NH_ID | RTA_SRC => {
                    return Err(Fail::unsupported(
                        "nlwire-sim: multipath, via, encap, nexthop ids and source routes are not simulated yet",
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
        if r.nh_flags & RTNH_F_ONLINK != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: onlink next hops are not simulated yet",
            ));
        }
        // `ip route` sends the gateway as it is; 0.0.0.0 means none.
        if r.gateway == Some(0) {
            r.gateway = None;
        }
        if r.oif == Some(0) {
            r.oif = None;
        }
        Ok(Config {
            delete_scope: rtm.scope,
            route: r,
        })
    }

    /// `fib_table_insert`'s key checks.
    fn check_key(r: &Route) -> Res {
        if r.dst_len > 32 {
            return Err(Fail::msg(Errno::EINVAL, "Invalid prefix length"));
        }
        if r.dst & !mask(r.dst_len) != 0 {
            return Err(Fail::msg(
                Errno::EINVAL,
                "Invalid prefix for given prefix length",
            ));
        }
        Ok(())
    }

    /// `fib_create_info`: checks the route and resolves its next hop.
    fn create_info(&self, r: &mut Route) -> Res {
        if r.kind > RTN_MAX || r.kind == 0 {
            return Err(Fail::msg(Errno::EINVAL, "Invalid route type"));
        }
        if r.kind == RTN_MULTICAST || r.kind == 10 || r.kind == 11 || r.kind == 4 {
            return Err(Fail::unsupported(
                "nlwire-sim: this route type is not simulated yet",
            ));
        }
        if type_scope(r.kind) > r.scope {
            return Err(Fail::msg(Errno::EINVAL, "Invalid scope"));
        }
        if is_error_type(r.kind) {
            if r.gateway.is_some() || r.oif.is_some() {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Gateway, device and multipath can not be specified for this route type",
                ));
            }
        } else if r.scope > RT_SCOPE_HOST {
            return Err(Fail::msg(Errno::EINVAL, "Invalid scope"));
        } else if r.scope == RT_SCOPE_HOST {
            if r.gateway.is_some() {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Route with host scope can not have a gateway",
                ));
            }
            if !r.oif.is_some_and(|o| self.links.contains_key(&o)) {
                return Err(Fail::new(Errno::ENODEV));
            }
        } else if let Some(gw) = r.gateway {
            // `fib_check_nh_v4_gw`.
            let scope = (r.scope + 1).max(RT_SCOPE_LINK);
            let in_table = (r.table != RT_TABLE_MAIN)
                .then(|| self.lookup(&[r.table], gw, scope, r.oif))
                .flatten();
            let found = in_table.map_or_else(|| self.lookup_rules(gw, scope, r.oif), Ok);
            let via = found.map_err(|e| Fail::msg(e, "Nexthop has invalid gateway"))?;
            if via.kind != RTN_UNICAST && via.kind != RTN_LOCAL {
                return Err(Fail::msg(Errno::EINVAL, "Nexthop has invalid gateway"));
            }
            let Some(dev) = via.oif else {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "No egress device for nexthop gateway",
                ));
            };
            if !self.links.get(&dev).is_some_and(|l| l.up) {
                return Err(Fail::new(Errno(100)));
            }
            r.oif = Some(dev);
        } else {
            // `fib_check_nh_nongw`.
            let Some(l) = r.oif.and_then(|o| self.links.get(&o)) else {
                return Err(Fail::new(Errno::ENODEV));
            };
            if !l.up {
                return Err(Fail::msg(Errno(100), "Device for nexthop is not up"));
            }
        }
        if let Some(src) = r.prefsrc
            && !(r.kind == RTN_LOCAL && r.dst_len > 0 && r.dst == src)
        {
            let mut tables = vec![if r.table == RT_TABLE_MAIN {
                RT_TABLE_LOCAL
            } else {
                r.table
            }];
            tables.push(RT_TABLE_LOCAL);
            let local = tables.iter().any(|&t| {
                self.lookup(&[t], src, 0, None)
                    .is_some_and(|x| x.kind == RTN_LOCAL)
            });
            if !local {
                return Err(Fail::msg(Errno::EINVAL, "Invalid prefsrc address"));
            }
        }
        Ok(())
    }

    pub(crate) fn new_route(&mut self, req: &Req<'_>) -> Res {
        let mut r = self.parse_route(req)?.route;
        if r.table == 0 {
            r.table = RT_TABLE_MAIN;
        }
        Self::check_key(&r)?;
        // The table is made once the prefix is valid, before the route
        // itself is checked.
        self.tables.insert(r.table);
        self.create_info(&mut r)?;
        // `fib_table_insert`: the aliases under this key with its TOS and
        // priority.
        let same = self.routes.equal(r.order());
        if let Some(&first) = same.first() {
            if req.flags & NLM_F_EXCL != 0 {
                return Err(Fail::new(Errno::EEXIST));
            }
            let matched = same
                .iter()
                .copied()
                .find(|k| self.routes.map[k].same_fib_entry(&r));
            if req.flags & NLM_F_REPLACE != 0 {
                if let Some(m) = matched {
                    return if m == first {
                        Ok(())
                    } else {
                        Err(Fail::new(Errno::EEXIST))
                    };
                }
                self.routes.map.insert(first, r.clone());
                self.note_route(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r);
                return Ok(());
            }
            if matched.is_some() {
                return Err(Fail::new(Errno::EEXIST));
            }
        }
        if req.flags & NLM_F_CREATE == 0 {
            return Err(Fail::new(Errno::ENOENT));
        }
        let append = req.flags & NLM_F_APPEND != 0;
        self.note_route(
            RTM_NEWROUTE,
            NLM_F_CREATE | if append { NLM_F_APPEND } else { 0 },
            &r,
        );
        self.insert_route(r, append);
        Ok(())
    }

    pub(crate) fn del_route(&mut self, req: &Req<'_>) -> Res {
        let cfg = self.parse_route(req)?;
        let mut r = cfg.route;
        if r.table == 0 {
            r.table = RT_TABLE_MAIN;
        }
        Self::check_key(&r)?;
        if !self.tables.contains(&r.table) {
            return Err(Fail::msg(Errno(3), "FIB table does not exist"));
        }
        let pos = self.routes.map.iter().find(|(_, x)| {
            x.table == r.table
                && x.dst == r.dst
                && x.dst_len == r.dst_len
                && x.tos == r.tos
                && (r.priority == 0 || x.priority == r.priority)
                && (r.kind == 0 || x.kind == r.kind)
                && (cfg.delete_scope == RT_SCOPE_NOWHERE || x.scope == cfg.delete_scope)
                && r.prefsrc.is_none_or(|p| x.prefsrc == Some(p))
                && (r.protocol == 0 || x.protocol == r.protocol)
                && r.oif.is_none_or(|o| x.oif == Some(o))
                && r.gateway.is_none_or(|g| x.gateway == Some(g))
        });
        let Some((&key, _)) = pos else {
            return Err(Fail::new(Errno(3))); // ESRCH
        };
        let gone = self.routes.map.remove(&key).expect("found");
        self.note_route(RTM_DELROUTE, 0, &gone);
        Ok(())
    }

    pub(crate) fn get_route(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return Err(Fail::unsupported(
                "nlwire-sim: route lookups (RTM_GETROUTE without NLM_F_DUMP) are not simulated yet",
            ));
        }
        // The library's sockets set NETLINK_GET_STRICT_CHK: the kernel
        // applies the header's and the attributes' filters
        // (`ip_valid_fib_dump_req`).
        let rtm = RtMsg::parse(req.payload).ok();
        let family = rtm.map_or(AF_UNSPEC, |m| m.family);
        let mut table = rtm.map_or(0, |m| u32::from(m.table));
        let mut oif = None;
        for attr in Attrs::new(req.payload.get(RtMsg::LEN..).unwrap_or(&[])) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                RTA_TABLE => table = attr.u32().map_err(|_| bad())?,
                RTA_OIF => {
                    let o = attr.u32().map_err(|_| bad())?;
                    if !self.links.contains_key(&o) {
                        return Err(Fail::new(Errno::ENODEV));
                    }
                    oif = Some(o);
                }
                _ => {
                    return Err(Fail::msg(
                        Errno::EINVAL,
                        "Unsupported attribute in dump request",
                    ));
                }
            }
        }
        if table != 0 && !self.tables.contains(&table) && family == AF_INET {
            return Err(Fail::msg(Errno::ENOENT, "ipv4: FIB table does not exist"));
        }
        let filter = RouteFilter {
            table,
            protocol: rtm.map_or(0, |m| m.protocol),
            kind: rtm.map_or(0, |m| m.kind),
            oif,
        };
        // RTM_F_CLONED asks for route exceptions: the simulator has none.
        let cloned = rtm.is_some_and(|m| m.flags & 0x200 != 0);
        let mut out = msg::DumpOut::new(req).filtered();
        if (family == AF_UNSPEC || family == AF_INET) && !cloned {
            for r in self.routes.values() {
                if (table == 0 || r.table == table)
                    && (filter.protocol == 0 || r.protocol == filter.protocol)
                    && (filter.kind == 0 || r.kind == filter.kind)
                    && oif.is_none_or(|o| r.oif == Some(o))
                {
                    out.item(RTM_NEWROUTE, |w| self.emit_route(w, r));
                }
            }
        }
        if (family == AF_UNSPEC || family == AF_INET6) && !cloned {
            self.dump_routes6(&mut out, &filter, family == AF_INET6)?;
        }
        Ok(out.finish())
    }
}
