//! Route writes (`RTM_NEWROUTE` / `RTM_DELROUTE`) and lookups
//! (`RTM_GETROUTE` without dump, like `ip route get`).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::route::{
    RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTA_DST,
    RTA_GATEWAY, RTA_IIF, RTA_MARK, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREF, RTA_PREFSRC,
    RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTN_UNICAST, RtMsg,
};
use super::{
    RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE, attr_ip, check_family, check_prefix, family_of,
};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer};

/// `RTN_LOCAL`.
pub const RTN_LOCAL: u8 = 2;
/// `RTN_BROADCAST`.
pub const RTN_BROADCAST: u8 = 3;
/// `RTN_ANYCAST`.
pub const RTN_ANYCAST: u8 = 4;
/// `RTN_MULTICAST`.
pub const RTN_MULTICAST: u8 = 5;
/// `RTN_BLACKHOLE`: drop silently.
pub const RTN_BLACKHOLE: u8 = 6;
/// `RTN_UNREACHABLE`: drop with "host unreachable".
pub const RTN_UNREACHABLE: u8 = 7;
/// `RTN_PROHIBIT`: drop with "administratively prohibited".
pub const RTN_PROHIBIT: u8 = 8;
/// `RTN_THROW`: continue the rule lookup.
pub const RTN_THROW: u8 = 9;
/// `RTN_NAT`.
pub const RTN_NAT: u8 = 10;

/// `RTPROT_UNSPEC`.
pub const RTPROT_UNSPEC: u8 = 0;
/// `RTPROT_KERNEL`: added by the kernel.
pub const RTPROT_KERNEL: u8 = 2;
/// `RTPROT_BOOT`: added by an administrator (what `ip route add` uses).
pub const RTPROT_BOOT: u8 = 3;
/// `RTPROT_STATIC`.
pub const RTPROT_STATIC: u8 = 4;

/// `RT_SCOPE_NOWHERE`.
pub const RT_SCOPE_NOWHERE: u8 = 255;

/// `RTNH_F_ONLINK`: the gateway is on the link even if no prefix says so.
pub const RTNH_F_ONLINK: u32 = 4;
/// `RTM_F_CLONED`: a cached route (lookups, exceptions).
pub const RTM_F_CLONED: u32 = 0x200;
/// `RTM_F_LOOKUP_TABLE`: a lookup answers with the table the route was
/// found in (IPv4 only; IPv6 always does).
pub const RTM_F_LOOKUP_TABLE: u32 = 0x1000;

pub use super::nexthop::{RTAX_ADVMSS, RTAX_MTU};
use super::nexthop::{RTAX_CC_ALGO, RTAX_LOCK};

/// `RTA_FLOW`: realms.
pub const RTA_FLOW: u16 = 11;
/// `RTA_EXPIRES`: an IPv6 route's lifetime.
pub const RTA_EXPIRES: u16 = 23;
/// `RTA_TTL_PROPAGATE`.
pub const RTA_TTL_PROPAGATE: u16 = 26;
/// `RTA_NH_ID`: the nexthop object a route uses.
pub const RTA_NH_ID: u16 = 30;

/// One next hop of a multipath route (`struct rtnexthop` + `RTA_GATEWAY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextHop {
    /// Gateway (same family as the route).
    pub gateway: Option<IpAddr>,
    /// Output interface index (0: let the kernel pick by gateway).
    pub oif: u32,
    /// Weight, 1 to 256 (`ip`'s `weight`).
    pub weight: u16,
    /// `onlink`.
    pub onlink: bool,
}

impl Default for NextHop {
    /// No gateway, no interface, weight 1 (the kernel's default).
    fn default() -> Self {
        NextHop {
            gateway: None,
            oif: 0,
            weight: 1,
            onlink: false,
        }
    }
}

impl NextHop {
    /// A next hop via `gateway` with weight 1.
    pub fn via(gateway: IpAddr) -> Self {
        NextHop {
            gateway: Some(gateway),
            ..NextHop::default()
        }
    }

    /// Out of interface `oif`.
    pub fn dev(mut self, oif: u32) -> Self {
        self.oif = oif;
        self
    }

    /// With `weight` (1 to 256).
    pub fn weight(mut self, weight: u16) -> Self {
        self.weight = weight;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteOp {
    Add,
    Replace,
    Change,
    Prepend,
    Append,
    Test,
    Delete,
}

/// Add, replace, append or delete a route.
///
/// Defaults follow `ip route`:
/// - table `main`, except `local` for the types `local`, `broadcast`,
///   `nat` and `anycast`;
/// - protocol `boot` (unspecified, so any, on delete);
/// - type unicast (unspecified, so any, on delete);
/// - scope: `universe` for IPv6; `host` for `local` and `nat`; `link`
///   for `broadcast`, `multicast` and `anycast`, and for a unicast route
///   added without gateway; otherwise `universe` on add and `nowhere`
///   (any scope) on delete.
///
/// ```
/// use nlwire::route::RouteRequest;
/// let r = RouteRequest::add("198.51.100.0".parse().unwrap(), 24)?
///     .gateway("192.0.2.1".parse().unwrap())?
///     .metric(100)
///     .table(100);
/// # Ok::<(), nlwire::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RouteRequest<'a> {
    op: RouteOp,
    dst: IpAddr,
    dst_len: u8,
    gateway: Option<IpAddr>,
    oif: Option<u32>,
    prefsrc: Option<IpAddr>,
    metric: Option<u32>,
    table: Option<u32>,
    protocol: Option<u8>,
    scope: Option<u8>,
    kind: Option<u8>,
    onlink: bool,
    nexthops: &'a [NextHop],
    /// `RTAX_*` values in the order given (at most [`MAX_METRICS`]).
    metrics: [(u16, u32); MAX_METRICS],
    n_metrics: u8,
    /// `RTAX_LOCK` bits.
    locked: u32,
    congctl: Option<&'a str>,
    tos: u8,
    src: Option<(IpAddr, u8)>,
    pref: Option<u8>,
    nhid: Option<u32>,
    realms: Option<u32>,
    expires: Option<u32>,
    ttl_propagate: Option<bool>,
}

/// How many `RTAX_*` metrics one route request carries at most.
pub const MAX_METRICS: usize = 16;

impl<'a> RouteRequest<'a> {
    fn new(op: RouteOp, dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        check_prefix(&dst, dst_len)?;
        Ok(RouteRequest {
            op,
            dst,
            dst_len,
            gateway: None,
            oif: None,
            prefsrc: None,
            metric: None,
            table: None,
            protocol: None,
            scope: None,
            kind: None,
            onlink: false,
            nexthops: &[],
            metrics: [(0, 0); MAX_METRICS],
            n_metrics: 0,
            locked: 0,
            congctl: None,
            tos: 0,
            src: None,
            pref: None,
            nhid: None,
            realms: None,
            expires: None,
            ttl_propagate: None,
        })
    }

    /// Add a route to `dst/dst_len` (`EEXIST` if there is one).
    pub fn add(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Add, dst, dst_len)
    }

    /// Add a route or replace the one there.
    pub fn replace(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Replace, dst, dst_len)
    }

    /// Change the route there (`ip route change`: `ENOENT` if there is
    /// none; nothing is created).
    pub fn change(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Change, dst, dst_len)
    }

    /// Add a route before existing ones to the same prefix (`ip route
    /// prepend`: `NLM_F_CREATE` alone, so an equal route is no error).
    pub fn prepend(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Prepend, dst, dst_len)
    }

    /// Add a route after existing ones to the same prefix.
    pub fn append(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Append, dst, dst_len)
    }

    /// Ask whether a route could be added without adding it (`ip route
    /// test`: `NLM_F_EXCL` alone): the kernel answers `EEXIST` when an equal
    /// route exists, and without `NLM_F_CREATE` adds nothing (`ENOENT`
    /// for IPv4; IPv6 warns and adds, as it does for `ip`).
    pub fn test(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Test, dst, dst_len)
    }

    /// Delete a route (fields left unset match any value).
    pub fn delete(dst: IpAddr, dst_len: u8) -> Result<Self, InvalidInput> {
        Self::new(RouteOp::Delete, dst, dst_len)
    }

    /// The IPv4 default route (`0.0.0.0/0`), to be added.
    pub fn default_v4() -> Self {
        Self::new(RouteOp::Add, IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).expect("valid prefix")
    }

    /// The IPv6 default route (`::/0`), to be added.
    pub fn default_v6() -> Self {
        Self::new(RouteOp::Add, IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0).expect("valid prefix")
    }

    /// Turns the request into a replace (same fields).
    pub fn into_replace(mut self) -> Self {
        self.op = RouteOp::Replace;
        self
    }

    /// Turns the request into a delete (same fields).
    pub fn into_delete(mut self) -> Self {
        self.op = RouteOp::Delete;
        self
    }

    /// Via `gateway` (same family as the destination).
    pub fn gateway(mut self, gateway: IpAddr) -> Result<Self, InvalidInput> {
        check_family(&self.dst, "gateway", &gateway)?;
        self.gateway = Some(gateway);
        Ok(self)
    }

    /// Via `gateway` of either family: the destination's goes in
    /// `RTA_GATEWAY`, the other in `RTA_VIA` (an IPv4 route via an IPv6
    /// neighbour, RFC 5549).
    pub fn via(mut self, gateway: IpAddr) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// Out of interface `index`.
    pub fn oif(mut self, index: u32) -> Result<Self, InvalidInput> {
        if index == 0 {
            return Err(InvalidInput::ZeroIndex);
        }
        self.oif = Some(index);
        Ok(self)
    }

    /// Preferred source address (same family as the destination).
    pub fn prefsrc(mut self, src: IpAddr) -> Result<Self, InvalidInput> {
        check_family(&self.dst, "source address", &src)?;
        self.prefsrc = Some(src);
        Ok(self)
    }

    /// Metric (`RTA_PRIORITY`).
    pub fn metric(mut self, metric: u32) -> Self {
        self.metric = Some(metric);
        self
    }

    /// Table id (any `u32`; ids of 256 and more go in `RTA_TABLE`).
    /// Without it: `main`, or `local` for the types that live there.
    pub fn table(mut self, table: u32) -> Self {
        self.table = Some(table);
        self
    }

    /// Protocol (`RTPROT_*`; default `boot`).
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Scope (`RT_SCOPE_*`; default as `ip` picks it).
    pub fn scope(mut self, scope: u8) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Type (`RTN_*`: unicast, blackhole, unreachable, prohibit, local…).
    pub fn kind(mut self, kind: u8) -> Self {
        self.kind = Some(kind);
        self
    }

    /// TOS / DS field.
    pub fn tos(mut self, tos: u8) -> Self {
        self.tos = tos;
        self
    }

    /// `onlink`: trust that the gateway is reachable on the link.
    pub fn onlink(mut self) -> Self {
        self.onlink = true;
        self
    }

    /// A multipath route over `hops` (each of the destination's family,
    /// weight 1 to 256).
    pub fn multipath(mut self, hops: &'a [NextHop]) -> Result<Self, InvalidInput> {
        if hops.is_empty() {
            return Err(InvalidInput::NoNextHops);
        }
        for h in hops {
            if let Some(g) = &h.gateway {
                check_family(&self.dst, "next-hop gateway", g)?;
            }
            if !(1..=256).contains(&h.weight) {
                return Err(InvalidInput::OutOfRange {
                    what: "next-hop weight",
                    value: h.weight as u64,
                    range: "1 to 256",
                });
            }
        }
        self.nexthops = hops;
        Ok(self)
    }

    /// Path MTU metric (`RTAX_MTU`).
    pub fn mtu(self, mtu: u32) -> Self {
        self.metric_value(RTAX_MTU, mtu)
            .expect("a fresh metric slot")
    }

    /// Advertised MSS metric (`RTAX_ADVMSS`).
    pub fn advmss(self, advmss: u32) -> Self {
        self.metric_value(RTAX_ADVMSS, advmss)
            .expect("a fresh metric slot")
    }

    /// Any `RTAX_*` metric, in kernel units (`RTAX_RTT` in 1/8 ms,
    /// `RTAX_RTTVAR` in 1/4 ms). Given twice, the last value counts; at most
    /// [`MAX_METRICS`] different ones.
    pub fn metric_value(mut self, kind: u16, value: u32) -> Result<Self, InvalidInput> {
        let n = self.n_metrics as usize;
        if let Some(m) = self.metrics[..n].iter_mut().find(|m| m.0 == kind) {
            m.1 = value;
            return Ok(self);
        }
        if n == MAX_METRICS {
            return Err(InvalidInput::OutOfRange {
                what: "number of route metrics",
                value: n as u64 + 1,
                range: "at most 16",
            });
        }
        self.metrics[n] = (kind, value);
        self.n_metrics += 1;
        Ok(self)
    }

    /// Locks metric `kind` (`RTAX_LOCK`: path MTU discovery and the like
    /// leave it alone).
    pub fn lock_metric(mut self, kind: u16) -> Self {
        if kind < 32 {
            self.locked |= 1 << kind;
        }
        self
    }

    /// The congestion-control algorithm (`RTAX_CC_ALGO`, by name).
    pub fn congestion_control(mut self, name: &'a str) -> Self {
        self.congctl = Some(name);
        self
    }

    /// Only for packets from `src/len` (`RTA_SRC`; IPv6 source routing).
    pub fn source_prefix(mut self, src: IpAddr, len: u8) -> Result<Self, InvalidInput> {
        check_family(&self.dst, "source prefix", &src)?;
        check_prefix(&src, len)?;
        self.src = Some((src, len));
        Ok(self)
    }

    /// IPv6 router preference (`RTA_PREF`: 0 medium, 1 high, 3 low).
    pub fn pref(mut self, pref: u8) -> Self {
        self.pref = Some(pref);
        self
    }

    /// Through nexthop object `id` (`RTA_NH_ID`).
    pub fn nhid(mut self, id: u32) -> Self {
        self.nhid = Some(id);
        self
    }

    /// Routing realms (`RTA_FLOW`: from in the high 16 bits, to in the low).
    pub fn realms(mut self, realms: u32) -> Self {
        self.realms = Some(realms);
        self
    }

    /// Lifetime in seconds (`RTA_EXPIRES`, IPv6).
    pub fn expires(mut self, secs: u32) -> Self {
        self.expires = Some(secs);
        self
    }

    /// MPLS TTL propagation (`RTA_TTL_PROPAGATE`).
    pub fn ttl_propagate(mut self, on: bool) -> Self {
        self.ttl_propagate = Some(on);
        self
    }

    /// The destination and prefix length.
    pub fn destination(&self) -> (IpAddr, u8) {
        (self.dst, self.dst_len)
    }

    fn effective_kind(&self) -> u8 {
        match (self.kind, self.op) {
            (Some(k), _) => k,
            (None, RouteOp::Delete) => 0,
            (None, _) => RTN_UNICAST,
        }
    }

    /// The table the request names: the one given, else `local` for the
    /// types that live there, else `main` (as `ip route` picks it).
    pub fn effective_table(&self) -> u32 {
        match (self.table, self.kind) {
            (Some(t), _) => t,
            (None, Some(RTN_LOCAL | RTN_BROADCAST | RTN_NAT | RTN_ANYCAST)) => RT_TABLE_LOCAL,
            (None, _) => RT_TABLE_MAIN,
        }
    }

    fn effective_scope(&self) -> u8 {
        if let Some(s) = self.scope {
            return s;
        }
        if self.dst.is_ipv6() {
            return RT_SCOPE_UNIVERSE;
        }
        let delete = self.op == RouteOp::Delete;
        match self.effective_kind() {
            RTN_LOCAL | RTN_NAT => RT_SCOPE_HOST,
            RTN_BROADCAST | RTN_MULTICAST | RTN_ANYCAST => RT_SCOPE_LINK,
            // On delete, `nowhere` matches a route of any scope.
            _ if delete => RT_SCOPE_NOWHERE,
            RTN_UNICAST | 0
                if self.gateway.is_none() && self.nexthops.is_empty() && self.nhid.is_none() =>
            {
                RT_SCOPE_LINK
            }
            _ => RT_SCOPE_UNIVERSE,
        }
    }
}

impl Request for RouteRequest<'_> {
    fn message_type(&self) -> u16 {
        match self.op {
            RouteOp::Delete => RTM_DELROUTE,
            _ => RTM_NEWROUTE,
        }
    }
    fn flags(&self) -> u16 {
        match self.op {
            RouteOp::Add => NLM_F_CREATE | NLM_F_EXCL,
            RouteOp::Replace => NLM_F_CREATE | NLM_F_REPLACE,
            RouteOp::Change => NLM_F_REPLACE,
            RouteOp::Prepend => NLM_F_CREATE,
            RouteOp::Append => NLM_F_CREATE | NLM_F_APPEND,
            RouteOp::Test => NLM_F_EXCL,
            RouteOp::Delete => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        let protocol = match (self.protocol, self.op) {
            (Some(p), _) => p,
            (None, RouteOp::Delete) => RTPROT_UNSPEC,
            (None, _) => RTPROT_BOOT,
        };
        let table = self.effective_table();
        RtMsg {
            family: family_of(&self.dst),
            dst_len: self.dst_len,
            src_len: self.src.map_or(0, |s| s.1),
            tos: self.tos,
            table: if table < 256 { table as u8 } else { 0 },
            protocol,
            scope: self.effective_scope(),
            kind: self.effective_kind(),
            flags: if self.onlink { RTNH_F_ONLINK } else { 0 },
        }
        .emit(w);
        if table >= 256 {
            w.attr_u32(RTA_TABLE, table);
        }
        if self.dst_len > 0 {
            attr_ip(w, RTA_DST, &self.dst);
        }
        if let Some(m) = self.metric {
            w.attr_u32(RTA_PRIORITY, m);
        }
        if let Some(s) = &self.prefsrc {
            attr_ip(w, RTA_PREFSRC, s);
        }
        match &self.gateway {
            Some(g) if family_of(g) == family_of(&self.dst) => attr_ip(w, RTA_GATEWAY, g),
            Some(g) => {
                // struct rtvia: the family, then the address.
                let family = u16::from(family_of(g)).to_ne_bytes();
                let mut b = [0u8; 18];
                b[..2].copy_from_slice(&family);
                let len = match g {
                    IpAddr::V4(a) => {
                        b[2..6].copy_from_slice(&a.octets());
                        6
                    }
                    IpAddr::V6(a) => {
                        b[2..18].copy_from_slice(&a.octets());
                        18
                    }
                };
                w.attr(super::nexthop::RTA_VIA, &b[..len]);
            }
            None => {}
        }
        if let Some(o) = self.oif {
            w.attr_u32(RTA_OIF, o);
        }
        if self.n_metrics > 0 || self.locked != 0 || self.congctl.is_some() {
            // As ip writes them: each value in the order given, the
            // algorithm's name, and the lock bits last.
            let n = w.begin_nested(RTA_METRICS);
            for &(k, v) in &self.metrics[..self.n_metrics as usize] {
                w.attr_u32(k, v);
            }
            if let Some(c) = self.congctl {
                w.attr(RTAX_CC_ALGO, c.as_bytes());
            }
            if self.locked != 0 {
                w.attr_u32(RTAX_LOCK, self.locked);
            }
            w.end_nested(n);
        }
        if let Some((a, _)) = &self.src {
            attr_ip(w, RTA_SRC, a);
        }
        if let Some(p) = self.pref {
            w.attr_u8(RTA_PREF, p);
        }
        if let Some(id) = self.nhid {
            w.attr_u32(RTA_NH_ID, id);
        }
        if let Some(r) = self.realms {
            w.attr_u32(RTA_FLOW, r);
        }
        if let Some(e) = self.expires {
            w.attr_u32(RTA_EXPIRES, e);
        }
        if let Some(t) = self.ttl_propagate {
            w.attr_u8(RTA_TTL_PROPAGATE, t as u8);
        }
        if !self.nexthops.is_empty() {
            let mp = w.begin_nested_raw(RTA_MULTIPATH);
            for h in self.nexthops {
                // struct rtnexthop: len u16, flags u8, hops u8, ifindex i32.
                let flags = if h.onlink { RTNH_F_ONLINK as u8 } else { 0 };
                let hops = (h.weight.clamp(1, 256) - 1) as u8;
                let nh = w.begin_nested_raw(u16::from_ne_bytes([flags, hops]));
                w.put(&h.oif.to_ne_bytes());
                if let Some(g) = &h.gateway {
                    attr_ip(w, RTA_GATEWAY, g);
                }
                w.end_nested(nh);
            }
            w.end_nested(mp);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            RouteOp::Add => "add",
            RouteOp::Replace => "replace",
            RouteOp::Change => "change",
            RouteOp::Prepend => "prepend",
            RouteOp::Append => "append",
            RouteOp::Test => "test",
            RouteOp::Delete => "delete",
        };
        write!(f, "{verb} route {}/{}", self.dst, self.dst_len)?;
        if let Some(g) = self.gateway {
            write!(f, " via {g}")?;
        }
        if let Some(o) = self.oif {
            write!(f, " dev index {o}")?;
        }
        let table = self.effective_table();
        if table != RT_TABLE_MAIN {
            write!(f, " table {table}")?;
        }
        Ok(())
    }
}

/// Ask the kernel which route it would use (`ip route get`): one
/// `RTM_NEWROUTE` comes back.
#[derive(Debug, Clone, Copy)]
pub struct RouteLookup {
    dst: IpAddr,
    src: Option<IpAddr>,
    oif: Option<u32>,
    iif: Option<u32>,
    mark: Option<u32>,
}

impl RouteLookup {
    /// The route to `dst`.
    pub fn to(dst: IpAddr) -> Self {
        RouteLookup {
            dst,
            src: None,
            oif: None,
            iif: None,
            mark: None,
        }
    }

    /// From source address `src` (same family).
    pub fn from(mut self, src: IpAddr) -> Result<Self, InvalidInput> {
        check_family(&self.dst, "source address", &src)?;
        self.src = Some(src);
        Ok(self)
    }

    /// Out of interface `index`.
    pub fn oif(mut self, index: u32) -> Self {
        self.oif = Some(index);
        self
    }

    /// As if received on interface `index`.
    pub fn iif(mut self, index: u32) -> Self {
        self.iif = Some(index);
        self
    }

    /// With firewall mark `mark`.
    pub fn mark(mut self, mark: u32) -> Self {
        self.mark = Some(mark);
        self
    }
}

impl Request for RouteLookup {
    fn message_type(&self) -> u16 {
        RTM_GETROUTE
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        let full = if self.dst.is_ipv4() { 32 } else { 128 };
        RtMsg {
            family: family_of(&self.dst),
            dst_len: full,
            src_len: if self.src.is_some() { full } else { 0 },
            // As `ip route get`: ask IPv4 for the table the answer is from
            // (the kernel otherwise answers "main" for any table).
            flags: if self.dst.is_ipv4() {
                RTM_F_LOOKUP_TABLE
            } else {
                0
            },
            ..Default::default()
        }
        .emit(w);
        attr_ip(w, RTA_DST, &self.dst);
        if let Some(s) = &self.src {
            attr_ip(w, RTA_SRC, s);
        }
        if let Some(o) = self.oif {
            w.attr_u32(RTA_OIF, o);
        }
        if let Some(i) = self.iif {
            w.attr_u32(RTA_IIF, i);
        }
        if let Some(m) = self.mark {
            w.attr_u32(RTA_MARK, m);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "look up route to {}", self.dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::RouteMessage;
    use crate::wire::{Attrs, Messages};

    fn encode(r: &impl Request) -> std::vec::Vec<u8> {
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn add_matches_ip_defaults() {
        let r = RouteRequest::add("198.51.100.0".parse().unwrap(), 24)
            .unwrap()
            .oif(4)
            .unwrap();
        let b = encode(&r);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(
            m.flags() & (NLM_F_CREATE | NLM_F_EXCL),
            NLM_F_CREATE | NLM_F_EXCL
        );
        let v = RouteMessage::parse(m.payload()).unwrap();
        assert_eq!(v.header.protocol, RTPROT_BOOT);
        assert_eq!(v.header.scope, RT_SCOPE_LINK);
        assert_eq!(v.header.kind, RTN_UNICAST);
        assert_eq!(v.table, RT_TABLE_MAIN);
        assert_eq!(v.oif, Some(4));
        let gw = RouteRequest::add("198.51.100.0".parse().unwrap(), 24)
            .unwrap()
            .gateway("192.0.2.1".parse().unwrap())
            .unwrap();
        let b = encode(&gw);
        let v = RouteMessage::parse(Messages::new(&b).next().unwrap().unwrap().payload()).unwrap();
        assert_eq!(v.header.scope, RT_SCOPE_UNIVERSE);
        assert_eq!(v.gateway, Some("192.0.2.1".parse().unwrap()));
    }

    fn header(r: &RouteRequest<'_>) -> (u16, RtMsg, u32) {
        let b = encode(r);
        let m = Messages::new(&b).next().unwrap().unwrap();
        let v = RouteMessage::parse(m.payload()).unwrap();
        (m.flags() & 0x0f00, v.header, v.table)
    }

    /// Table, scope, type and flags as `iproute_modify` fills them in
    /// (iproute2 `ip/iproute.c`), for every kind of write the CLI makes.
    #[test]
    fn defaults_are_ips_for_every_type_and_verb() {
        let v4: IpAddr = "198.51.100.0".parse().unwrap();
        let v6: IpAddr = "2001:db8::".parse().unwrap();
        // (request, flags, table, scope, type)
        let cases: [(RouteRequest<'_>, u16, u32, u8, u8); 13] = [
            // `route add local …` goes into table local, scope host.
            (
                RouteRequest::add(v4, 24).unwrap().kind(RTN_LOCAL),
                NLM_F_CREATE | NLM_F_EXCL,
                RT_TABLE_LOCAL,
                RT_SCOPE_HOST,
                RTN_LOCAL,
            ),
            (
                RouteRequest::replace(v4, 24).unwrap().kind(RTN_BROADCAST),
                NLM_F_CREATE | NLM_F_REPLACE,
                RT_TABLE_LOCAL,
                RT_SCOPE_LINK,
                RTN_BROADCAST,
            ),
            (
                RouteRequest::append(v4, 24).unwrap().kind(RTN_ANYCAST),
                NLM_F_CREATE | NLM_F_APPEND,
                RT_TABLE_LOCAL,
                RT_SCOPE_LINK,
                RTN_ANYCAST,
            ),
            (
                RouteRequest::add(v4, 24).unwrap().kind(RTN_LOCAL).table(7),
                NLM_F_CREATE | NLM_F_EXCL,
                7,
                RT_SCOPE_HOST,
                RTN_LOCAL,
            ),
            // Delete: scope nowhere (any) unless the type fixes it.
            (
                RouteRequest::delete(v4, 24).unwrap().kind(RTN_UNREACHABLE),
                0,
                RT_TABLE_MAIN,
                RT_SCOPE_NOWHERE,
                RTN_UNREACHABLE,
            ),
            (
                RouteRequest::delete(v4, 24).unwrap().kind(RTN_BLACKHOLE),
                0,
                RT_TABLE_MAIN,
                RT_SCOPE_NOWHERE,
                RTN_BLACKHOLE,
            ),
            (
                RouteRequest::delete(v4, 24).unwrap(),
                0,
                RT_TABLE_MAIN,
                RT_SCOPE_NOWHERE,
                0,
            ),
            (
                RouteRequest::delete(v4, 24).unwrap().kind(RTN_LOCAL),
                0,
                RT_TABLE_LOCAL,
                RT_SCOPE_HOST,
                RTN_LOCAL,
            ),
            (
                RouteRequest::delete(v6, 32).unwrap().kind(RTN_BLACKHOLE),
                0,
                RT_TABLE_MAIN,
                RT_SCOPE_UNIVERSE,
                RTN_BLACKHOLE,
            ),
            // Add: blackhole is universe; unicast without gateway is link.
            (
                RouteRequest::add(v4, 24).unwrap().kind(RTN_BLACKHOLE),
                NLM_F_CREATE | NLM_F_EXCL,
                RT_TABLE_MAIN,
                RT_SCOPE_UNIVERSE,
                RTN_BLACKHOLE,
            ),
            // `change` creates nothing; `prepend` is create alone.
            (
                RouteRequest::change(v4, 24).unwrap().kind(RTN_BLACKHOLE),
                NLM_F_REPLACE,
                RT_TABLE_MAIN,
                RT_SCOPE_UNIVERSE,
                RTN_BLACKHOLE,
            ),
            (
                RouteRequest::prepend(v4, 24).unwrap().oif(2).unwrap(),
                NLM_F_CREATE,
                RT_TABLE_MAIN,
                RT_SCOPE_LINK,
                RTN_UNICAST,
            ),
            // `test` is exclusive alone: nothing created.
            (
                RouteRequest::test(v4, 24).unwrap().oif(2).unwrap(),
                NLM_F_EXCL,
                RT_TABLE_MAIN,
                RT_SCOPE_LINK,
                RTN_UNICAST,
            ),
        ];
        for (i, (r, flags, table, scope, kind)) in cases.iter().enumerate() {
            let (f, h, t) = header(r);
            assert_eq!(
                (f, t, h.scope, h.kind),
                (*flags, *table, *scope, *kind),
                "case {i}: {r:?}"
            );
        }
    }

    #[test]
    fn big_table_goes_in_rta_table_and_default_has_no_dst() {
        let r = RouteRequest::default_v6().table(100_000).metric(7);
        let b = encode(&r);
        let v = RouteMessage::parse(Messages::new(&b).next().unwrap().unwrap().payload()).unwrap();
        assert_eq!(v.header.table, 0);
        assert_eq!(v.table, 100_000);
        assert_eq!(v.dst, None);
        assert_eq!(v.priority, Some(7));
    }

    #[test]
    fn multipath_and_metrics_layout() {
        let hops = [
            NextHop::via("192.0.2.1".parse().unwrap()).dev(2).weight(1),
            NextHop::via("192.0.2.2".parse().unwrap())
                .dev(3)
                .weight(256),
        ];
        let r = RouteRequest::add("203.0.113.0".parse().unwrap(), 24)
            .unwrap()
            .multipath(&hops)
            .unwrap()
            .mtu(1400)
            .advmss(1360);
        let b = encode(&r);
        let v = RouteMessage::parse(Messages::new(&b).next().unwrap().unwrap().payload()).unwrap();
        let mp = v.raw_attrs().find(RTA_MULTIPATH).unwrap().unwrap();
        let p = mp.payload();
        // rtnexthop: len 16 (8 + RTA_GATEWAY 8), flags 0, hops 0, ifindex 2.
        assert_eq!(&p[..8], &[16, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(&p[8..16], &[8, 0, 5, 0, 192, 0, 2, 1]);
        assert_eq!(&p[16..24], &[16, 0, 0, 255, 3, 0, 0, 0]);
        let metrics = v.raw_attrs().find(RTA_METRICS).unwrap().unwrap();
        let m: std::vec::Vec<_> = Attrs::new(metrics.payload())
            .map(|a| {
                let a = a.unwrap();
                (a.kind(), a.u32().unwrap())
            })
            .collect();
        assert_eq!(m, [(RTAX_MTU, 1400), (RTAX_ADVMSS, 1360)]);
        // The views read back what the builder wrote.
        let back: std::vec::Vec<_> = v.next_hops().map(|h| h.unwrap()).collect();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].oif, back[0].weight), (2, 1));
        assert_eq!((back[1].oif, back[1].weight), (3, 256));
        assert_eq!(back[1].gateway, hops[1].gateway);
        let metrics: std::vec::Vec<_> = v.metrics().map(|m| m.unwrap()).collect();
        assert_eq!(
            metrics,
            [
                crate::route::nexthop::RouteMetric::Value(RTAX_MTU, 1400),
                crate::route::nexthop::RouteMetric::Value(RTAX_ADVMSS, 1360)
            ]
        );
    }

    #[test]
    fn bad_input_is_rejected() {
        let v4: IpAddr = "192.0.2.0".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(RouteRequest::add(v4, 33).is_err());
        assert!(RouteRequest::add(v6, 129).is_err());
        assert!(matches!(
            RouteRequest::add(v4, 24).unwrap().gateway(v6),
            Err(InvalidInput::FamilyMismatch {
                what: "gateway",
                ..
            })
        ));
        assert!(RouteRequest::replace(v4, 24).unwrap().prefsrc(v6).is_err());
        assert!(RouteRequest::add(v4, 24).unwrap().multipath(&[]).is_err());
        assert!(
            RouteRequest::add(v4, 24)
                .unwrap()
                .multipath(&[NextHop::via(v4).weight(0)])
                .is_err()
        );
        assert!(RouteRequest::add(v4, 24).unwrap().oif(0).is_err());
    }

    #[test]
    fn delete_and_lookup() {
        let r = RouteRequest::delete("192.0.2.0".parse().unwrap(), 24).unwrap();
        let b = encode(&r);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.kind(), RTM_DELROUTE);
        let v = RouteMessage::parse(m.payload()).unwrap();
        assert_eq!(
            (v.header.scope, v.header.protocol, v.header.kind),
            (255, 0, 0)
        );
        let l = RouteLookup::to("2001:db8::5".parse().unwrap());
        let b = encode(&l);
        let v = RouteMessage::parse(Messages::new(&b).next().unwrap().unwrap().payload()).unwrap();
        assert_eq!(v.header.dst_len, 128);
        assert_eq!(v.dst, Some("2001:db8::5".parse().unwrap()));
    }
}
