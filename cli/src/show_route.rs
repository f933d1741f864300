//! `nlw route show` and the route printer shared with `route get`: text and
//! `-j` output in `ip`'s shape, including multipath next hops and metrics.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::IpAddr;

use nlwire::route::nexthop::{
    RTAX_CC_ALGO, RTAX_FEATURE_ECN, RTAX_FEATURES, RTAX_HOPLIMIT, RTAX_LOCK, RTAX_RTO_MIN,
    RTAX_RTT, RTAX_RTTVAR,
};
use nlwire::route::route::RTA_CACHEINFO;
use nlwire::route::{AF_INET, AF_INET6, GetRoutes, Route, family_of};
use nlwire_mio::Connection;

use crate::json::JsonOut;
use crate::{Fail, Opts, all_links, if_name, name_map, names, usage_err};

/// `RTM_F_CLONED`.
pub const RTM_F_CLONED: u32 = 0x200;

/// `ip`'s destination selector: `[to] [exact|root|match] PREFIX`.
#[derive(Clone, Copy)]
enum Selector {
    /// `default` (and `all`/`any` with a family given): default routes of
    /// any family.
    Default,
    /// `all`/`any` without a family: everything.
    All,
    /// Exactly this prefix (also a bare `PREFIX`).
    Exact(IpAddr, u8),
    /// Prefixes inside this one (`root`: not shorter).
    Root(IpAddr, u8),
    /// Prefixes that contain this one (`match`: not longer).
    Match(IpAddr, u8),
}

/// The first `len` bits of `a` and `b` agree.
fn same_bits(a: IpAddr, b: IpAddr, len: u8) -> bool {
    let (a, b) = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            (a.to_ipv6_mapped().to_bits(), b.to_ipv6_mapped().to_bits())
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits()),
        _ => return false,
    };
    let len = if a >> 32 == 0xffff && len <= 32 {
        len + 96
    } else {
        len
    };
    len == 0 || (a ^ b) >> (128 - len as u32) == 0
}

impl Selector {
    fn matches(self, r: &Route) -> bool {
        let host = if r.family == AF_INET6 { 128 } else { 32 };
        let dst = r.dst.unwrap_or(if host == 32 {
            IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        });
        match self {
            Selector::Default => r.dst_len == 0,
            Selector::All => true,
            Selector::Exact(a, l) => r.dst_len == l && same_bits(dst, a, l),
            Selector::Root(a, l) => r.dst_len >= l && same_bits(dst, a, l),
            Selector::Match(a, l) => r.dst_len <= l && same_bits(dst, a, r.dst_len),
        }
    }
}

fn parse_selector(family: Option<u8>, kind: &str, s: &str) -> Result<Selector, Fail> {
    let (a, l) = match s {
        "all" | "any" if family.is_none() => return Ok(Selector::All),
        "default" | "all" | "any" => return Ok(Selector::Default),
        _ => crate::edit::parse_prefix(s)?,
    };
    match family {
        Some(AF_INET) if !a.is_ipv4() => {
            return Err(Fail(
                format!("Error: inet prefix is expected rather than \"{s}\"."),
                1,
            ));
        }
        Some(AF_INET6) if a.is_ipv4() => {
            return Err(Fail(
                format!("Error: inet6 prefix is expected rather than \"{s}\"."),
                1,
            ));
        }
        _ => {}
    }
    Ok(match kind {
        "root" => Selector::Root(a, l),
        "match" => Selector::Match(a, l),
        _ => Selector::Exact(a, l),
    })
}

/// `nlw route show [table T] [[to] [exact|root|match] PREFIX]`.
pub fn route_show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut table = Some(nlwire::route::route::RT_TABLE_MAIN);
    let mut select = None;
    let family = o.family;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let incomplete = || usage_err("Command line is not complete");
        match a.as_str() {
            "to" | "exact" | "root" | "match" => {
                let mut kind = a.as_str();
                let mut p = it.next().ok_or_else(incomplete)?;
                if kind == "to" && matches!(p.as_str(), "exact" | "root" | "match") {
                    kind = p;
                    p = it.next().ok_or_else(incomplete)?;
                }
                select = Some(parse_selector(o.family, kind, p)?);
            }
            "table" | "tab" | "t" => {
                let t = it
                    .next()
                    .ok_or_else(|| usage_err("Command line is not complete"))?;
                table = names::parse_table(t).map_err(|e| Fail(format!("Error: {e}"), 1))?;
            }
            x if x.contains(['.', ':', '/']) || matches!(x, "default" | "all" | "any") => {
                select = Some(parse_selector(o.family, "exact", x)?);
            }
            x => {
                return Err(usage_err(format!(
                    "Route filter \"{x}\" is not supported yet"
                )));
            }
        }
    }
    // Like `ip`: no family given and a specific table → IPv4 only.
    let mut req = match (family, table) {
        (Some(nlwire::route::AF_INET6), _) => GetRoutes::ipv6(),
        (Some(_), _) | (None, Some(_)) => GetRoutes::ipv4(),
        (None, None) => GetRoutes::all_families(),
    };
    if let Some(t) = table {
        req = req.table(t);
    }
    let links = all_links(conn)?;
    let names = name_map(&links);
    let routes = conn
        .dump(req)
        .filter(|r| !matches!(r, Ok(r) if r.flags & RTM_F_CLONED != 0))
        .filter(|r| match (r, select) {
            (Ok(r), Some(s)) => s.matches(r),
            _ => true,
        });
    if o.json {
        let mut j = JsonOut::new(&mut *out)?;
        for r in routes {
            route_json(&mut j, &r?, &names, table.is_none())?;
        }
        j.finish()?;
    } else {
        for r in routes {
            route_text(out, &r?, &names, table.is_none())?;
        }
    }
    Ok(())
}

fn dst_fmt(r: &Route) -> DstFmt<'_> {
    DstFmt(r)
}

struct DstFmt<'a>(&'a Route);

impl std::fmt::Display for DstFmt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0;
        let host_len = if r.family == nlwire::route::AF_INET6 {
            128
        } else {
            32
        };
        match r.dst {
            Some(a) if r.dst_len == host_len => write!(f, "{a}"),
            Some(a) => write!(f, "{a}/{}", r.dst_len),
            None if r.dst_len != 0 => write!(f, "0/{}", r.dst_len),
            None => f.write_str("default"),
        }
    }
}

/// `show_table`: like `ip`, the table is printed only when listing all
/// tables (and then only when it is not `main`).
pub fn route_json<W: Write>(
    j: &mut JsonOut<W>,
    r: &Route,
    names: &HashMap<u32, &str>,
    show_table: bool,
) -> io::Result<()> {
    j.begin()?;
    if r.kind != nlwire::route::route::RTN_UNICAST {
        j.str("type", &names::route_type(r.kind))?;
    }
    j.display("dst", dst_fmt(r))?;
    if let Some(s) = r.src {
        j.display("from", SrcFmt(s, r.src_len))?;
    }
    if let Some(g) = r.gateway {
        gateway_json(j, r.family, g)?;
    }
    if let Some(oif) = r.oif {
        j.str("dev", &if_name(names, oif))?;
    }
    if show_table && r.table != nlwire::route::route::RT_TABLE_MAIN {
        j.str("table", &names::table(r.table))?;
    }
    if r.protocol != 3 && r.flags & RTM_F_CLONED == 0 {
        j.str("protocol", &names::protocol(r.protocol))?;
    }
    if r.scope != nlwire::route::route::RT_SCOPE_UNIVERSE {
        j.str("scope", &names::scope(r.scope))?;
    }
    if let Some(p) = r.prefsrc {
        j.display("prefsrc", p)?;
    }
    if let Some(m) = r.priority {
        j.num("metric", m)?;
    }
    j.str_array("flags", route_flags(r.flags))?;
    if let Some(m) = r.mark.filter(|&m| m != 0) {
        j.num("mark", m)?;
    }
    if let Some(u) = r.uid {
        j.num("uid", u)?;
    }
    if is_v4_cache(r) {
        j.str_array("cache", cache_flags(r.flags))?;
    }
    if let Some((expires, error)) = cache_info(r) {
        if expires != 0 {
            j.num("expires", expires)?;
        }
        if error != 0 {
            j.num("error", error)?;
        }
    }
    if has_metrics(r) {
        j.begin_array("metrics")?;
        j.begin_inner()?;
        for m in metrics(r) {
            match m {
                Metric::Num(name, v) | Metric::Time(name, v) => j.num(name, v)?,
                Metric::Ecn => j.null("ecn")?,
                Metric::Features(f) => j.display("features", format_args!("{f:#x}"))?,
                Metric::CongestionControl(c) => j.str("congestion", c)?,
            }
        }
        j.end_inner()?;
        j.end_array()?;
    }
    if let Some(p) = r.pref {
        j.str("pref", names::pref(p))?;
    }
    if !r.next_hops.is_empty() {
        j.begin_array("nexthops")?;
        for h in &r.next_hops {
            j.begin_inner()?;
            if let Some(g) = h.gateway {
                gateway_json(j, r.family, g)?;
            }
            j.str("dev", &if_name(names, h.oif))?;
            j.num("weight", h.weight)?;
            j.str_array("flags", route_flags(h.flags as u32))?;
            j.end_inner()?;
        }
        j.end_array()?;
    }
    j.end()
}

/// `"gateway": ADDR`, or for a gateway of the other family (`RTA_VIA`)
/// `"via": {"family": …, "host": …}`, as `ip` prints them.
fn gateway_json<W: Write>(j: &mut JsonOut<W>, family: u8, g: IpAddr) -> io::Result<()> {
    if family_of(&g) == family {
        j.display("gateway", g)
    } else {
        j.via(family_name(g), g)
    }
}

fn family_name(a: IpAddr) -> &'static str {
    if a.is_ipv4() { "inet" } else { "inet6" }
}

/// One metric as `ip` prints it.
enum Metric<'a> {
    /// A plain number (`mtu 1400`); `lock` is printed before it in text.
    Num(&'static str, u32),
    /// Milliseconds (`rtt`, `rttvar`, `rto_min`), already scaled.
    Time(&'static str, u32),
    /// `RTAX_FEATURE_ECN`.
    Ecn,
    /// Feature bits other than ECN (the whole value, as `ip` does).
    Features(u32),
    /// `congctl NAME`.
    CongestionControl(&'a str),
}

fn has_metrics(r: &Route) -> bool {
    !r.metrics.is_empty() || r.congestion_control.is_some()
}

/// `mx_names` of iproute2, indexed by `RTAX_*`.
const METRIC_NAMES: [&str; 18] = [
    "",
    "lock",
    "mtu",
    "window",
    "rtt",
    "rttvar",
    "ssthresh",
    "cwnd",
    "advmss",
    "reordering",
    "hoplimit",
    "initcwnd",
    "features",
    "rto_min",
    "initrwnd",
    "quickack",
    "congctl",
    "fastopen_no_cookie",
];

/// The route's metrics in `RTAX_*` order, with the lock flag of each, the
/// way iproute2's `print_rta_metrics` walks them.
fn metrics(r: &Route) -> impl Iterator<Item = Metric<'_>> {
    let mut numeric: Vec<(u16, u32)> = r.metrics.clone();
    numeric.sort_by_key(|m| m.0);
    let cc = r.congestion_control.as_deref();
    let mut out = Vec::new();
    for kind in 2..METRIC_NAMES.len() as u16 {
        if kind == RTAX_CC_ALGO {
            if let Some(c) = cc {
                out.push(Metric::CongestionControl(c));
            }
            continue;
        }
        let Some(&(_, v)) = numeric.iter().find(|m| m.0 == kind) else {
            continue;
        };
        let name = METRIC_NAMES[kind as usize];
        if kind == RTAX_FEATURES && v & RTAX_FEATURE_ECN != 0 && v != RTAX_FEATURE_ECN {
            out.push(Metric::Ecn);
        }
        out.push(match kind {
            RTAX_HOPLIMIT if v as i32 == -1 => continue,
            RTAX_RTT => Metric::Time(name, v / 8),
            RTAX_RTTVAR => Metric::Time(name, v / 4),
            RTAX_RTO_MIN => Metric::Time(name, v),
            RTAX_FEATURES if v == RTAX_FEATURE_ECN => Metric::Ecn,
            RTAX_FEATURES => Metric::Features(v),
            _ => Metric::Num(name, v),
        });
    }
    out.into_iter()
}

/// Whether metric `name` is locked (`RTAX_LOCK` has bit `1 << RTAX_x`).
fn locked(r: &Route, name: &str) -> bool {
    let locks = r
        .metrics
        .iter()
        .find(|m| m.0 == RTAX_LOCK)
        .map_or(0, |m| m.1);
    METRIC_NAMES
        .iter()
        .position(|n| *n == name)
        .is_some_and(|i| i < 32 && locks & (1 << i) != 0)
}

fn metrics_text(out: &mut impl Write, r: &Route) -> io::Result<()> {
    let mut features_named = false;
    for m in metrics(r) {
        let (name, lock) = match &m {
            Metric::Num(n, _) | Metric::Time(n, _) => (*n, locked(r, n)),
            Metric::Ecn | Metric::Features(_) => ("features", false),
            Metric::CongestionControl(_) => ("congctl", false),
        };
        if name != "features" || !features_named {
            write!(out, "{name} ")?;
        }
        features_named |= name == "features";
        if lock {
            write!(out, "lock ")?;
        }
        match m {
            Metric::Num(_, v) => write!(out, "{v} ")?,
            Metric::Time(_, v) if v >= 1000 => write!(out, "{}s ", v as f64 / 1e3)?,
            Metric::Time(_, v) => write!(out, "{v}ms ")?,
            Metric::Ecn => write!(out, "ecn ")?,
            Metric::Features(f) => write!(out, "{f:#x} ")?,
            Metric::CongestionControl(c) => write!(out, "{c} ")?,
        }
    }
    Ok(())
}

fn gateway_text(out: &mut impl Write, family: u8, g: IpAddr) -> io::Result<()> {
    if family_of(&g) == family {
        write!(out, "via {g} ")
    } else {
        write!(out, "via {} {g} ", family_name(g))
    }
}

/// `ADDR/LEN`, or just `ADDR` for a host-length prefix.
struct SrcFmt(IpAddr, u8);

impl std::fmt::Display for SrcFmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.0.is_ipv4() { 32 } else { 128 };
        if self.1 == host {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}/{}", self.0, self.1)
        }
    }
}

/// `RTCF_*` flags of a cached IPv4 route, in the order and with the names
/// of iproute2's `print_cache_flags`.
const CACHE_FLAGS: [(u32, &str); 14] = [
    (0x8000_0000, "local"),
    (0x4000_0000, "reject"),
    (0x2000_0000, "mc"),
    (0x1000_0000, "brd"),
    (0x0800_0000, "dst-nat"),
    (0x0080_0000, "src-nat"),
    (0x0040_0000, "masq"),
    (0x0002_0000, "dst-direct"),
    (0x0400_0000, "src-direct"),
    (0x0004_0000, "redirected"),
    (0x0100_0000, "redirect"),
    (0x0020_0000, "fastroute"),
    (0x0001_0000, "notify"),
    (0x0008_0000, "proxy"),
];

fn cache_flags(flags: u32) -> impl Iterator<Item = &'static str> {
    CACHE_FLAGS
        .into_iter()
        .filter(move |(b, _)| flags & b != 0)
        .map(|(_, n)| n)
}

/// Whether `ip` prints the `cache` line: a cloned IPv4 route.
fn is_v4_cache(r: &Route) -> bool {
    r.family == AF_INET && r.flags & RTM_F_CLONED != 0
}

/// `struct rta_cacheinfo`: `(expires in seconds, error)`, when present
/// and `ip` prints it (cached IPv4 routes and every IPv6 route).
fn cache_info(r: &Route) -> Option<(i32, u32)> {
    if !(is_v4_cache(r) || r.family == AF_INET6) {
        return None;
    }
    let b = r.other.get(RTA_CACHEINFO)?;
    if b.len() < 16 {
        return None;
    }
    let word = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    // Kernel clock ticks (USER_HZ, 100 on Linux) to seconds.
    Some((word(8) as i32 / 100, word(12)))
}

/// `RTNH_F_*` flags as `ip` names them.
fn route_flags(flags: u32) -> impl Iterator<Item = &'static str> {
    [
        (1u32, "dead"),
        (2, "pervasive"),
        (4, "onlink"),
        (8, "offload"),
        (16, "linkdown"),
        (32, "unresolved"),
        (64, "trap"),
    ]
    .into_iter()
    .filter(move |(b, _)| flags & b != 0)
    .map(|(_, n)| n)
}

pub fn route_text(
    out: &mut impl Write,
    r: &Route,
    names: &HashMap<u32, &str>,
    show_table: bool,
) -> io::Result<()> {
    if r.kind != nlwire::route::route::RTN_UNICAST {
        write!(out, "{} ", names::route_type(r.kind))?;
    }
    write!(out, "{} ", dst_fmt(r))?;
    if let Some(s) = r.src {
        write!(out, "from {} ", SrcFmt(s, r.src_len))?;
    }
    if let Some(g) = r.gateway {
        gateway_text(out, r.family, g)?;
    }
    if let Some(oif) = r.oif {
        write!(out, "dev {} ", if_name(names, oif))?;
    }
    if show_table && r.table != nlwire::route::route::RT_TABLE_MAIN {
        write!(out, "table {} ", names::table(r.table))?;
    }
    if r.protocol != 3 && r.flags & RTM_F_CLONED == 0 {
        write!(out, "proto {} ", names::protocol(r.protocol))?;
    }
    if r.scope != nlwire::route::route::RT_SCOPE_UNIVERSE {
        write!(out, "scope {} ", names::scope(r.scope))?;
    }
    if let Some(p) = r.prefsrc {
        write!(out, "src {p} ")?;
    }
    if let Some(m) = r.priority {
        write!(out, "metric {m} ")?;
    }
    for f in route_flags(r.flags) {
        write!(out, "{f} ")?;
    }
    match r.mark {
        Some(m) if m >= 16 => write!(out, "mark {m:#x} ")?,
        Some(m) if m != 0 => write!(out, "mark {m} ")?,
        _ => {}
    }
    if let Some(u) = r.uid {
        write!(out, "uid {u} ")?;
    }
    if is_v4_cache(r) {
        write!(out, "\n    cache ")?;
        let mut first = true;
        for f in cache_flags(r.flags) {
            out.write_all(if first { b"<" } else { b"," })?;
            out.write_all(f.as_bytes())?;
            first = false;
        }
        if !first {
            out.write_all(b"> ")?;
        }
    }
    if let Some((expires, error)) = cache_info(r) {
        if expires != 0 {
            write!(out, "expires {expires}sec ")?;
        }
        if error != 0 {
            write!(out, "error {error} ")?;
        }
    }
    metrics_text(out, r)?;
    if let Some(p) = r.pref {
        write!(out, "pref {}", names::pref(p))?;
    }
    for h in &r.next_hops {
        write!(out, "\n\tnexthop ")?;
        if let Some(g) = h.gateway {
            gateway_text(out, r.family, g)?;
        }
        write!(out, "dev {} weight {} ", if_name(names, h.oif), h.weight)?;
        for f in route_flags(h.flags as u32) {
            write!(out, "{f} ")?;
        }
    }
    writeln!(out)
}
