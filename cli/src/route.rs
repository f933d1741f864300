//! Routes: `route show|flush` with ip's selectors, and the route printer
//! shared with `route get` and `monitor` (iproute2's `print_route`), text
//! and JSON from the same calls.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::IpAddr;

use nlwire::route::nexthop::{
    RTAX_CC_ALGO, RTAX_FEATURE_ECN, RTAX_FEATURES, RTAX_HOPLIMIT, RTAX_LOCK, RTAX_RTO_MIN,
    RTAX_RTT, RTAX_RTTVAR,
};
use nlwire::route::route::{RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTA_CACHEINFO, RTN_UNICAST};
use nlwire::route::{AF_INET, AF_INET6, GetRoutes, Route, family_of};
use nlwire_mio::Connection;

use crate::print::{Color, Json, Printer};
use crate::{Fail, Opts, all_links, if_name, matches, name_map, names};

/// `RTM_F_CLONED`.
pub const RTM_F_CLONED: u32 = 0x200;
/// `RTPROT_BOOT`: what ip leaves unsaid.
const RTPROT_BOOT: u8 = 3;
/// `RTA_FLOW`: realms.
const RTA_FLOW: u16 = 11;
/// `RTA_NH_ID`: the nexthop object a route uses.
pub const RTA_NH_ID: u16 = 30;

/// A prefix selector of ip's route filter (iproute2's `inet_prefix`):
/// `None` when not given. `default` has no family unless `-4`/`-6` gave
/// one, and a length (0) that counts; `all`/`any` has only the family.
#[derive(Clone, Copy, Default)]
struct Pfx(Option<PfxSel>);

#[derive(Clone, Copy)]
struct PfxSel {
    family: Option<u8>,
    addr: IpAddr,
    len: u8,
    /// `PREFIXLEN_SPECIFIED`: a `/LEN` or `default`.
    specified: bool,
}

impl Pfx {
    /// Whether the selector applies at all (ip tests `family ||
    /// PREFIXLEN_SPECIFIED`).
    fn active(&self) -> Option<PfxSel> {
        self.0.filter(|p| p.family.is_some() || p.specified)
    }

    /// `root`: the route's prefix (`have`/`have_len`) is inside this one.
    fn root_ok(&self, rfam: u8, have: IpAddr, have_len: u8) -> bool {
        self.active().is_none_or(|p| {
            p.family.is_none_or(|f| f == rfam)
                && p.len <= have_len
                && (p.len == 0 || family_of(&p.addr) == rfam && same_bits(have, p.addr, p.len))
        })
    }

    /// `match`: the route's prefix contains this one.
    fn match_ok(&self, rfam: u8, have: IpAddr, have_len: u8) -> bool {
        self.active().is_none_or(|p| {
            p.family.is_none_or(|f| f == rfam)
                && p.len >= have_len
                && (have_len == 0
                    || family_of(&p.addr) == rfam && same_bits(have, p.addr, have_len))
        })
    }

    /// `via`/`src`: the address is inside this prefix.
    fn addr_ok(&self, rfam: u8, have: Option<IpAddr>) -> bool {
        self.0.is_none_or(|p| {
            p.family.is_none_or(|f| f == rfam)
                && (p.len == 0
                    || have.is_some_and(|a| {
                        family_of(&a) == family_of(&p.addr) && same_bits(a, p.addr, p.len)
                    }))
        })
    }

    fn len(&self) -> Option<u8> {
        self.0.map(|p| p.len)
    }
}

/// iproute2's route `filter`: `None` or 0 is "any".
#[derive(Default)]
pub struct RouteFilter {
    /// `table T` (None: all tables).
    pub tb: Option<u32>,
    cloned: bool,
    tos: Option<u8>,
    protocol: Option<u8>,
    scope: Option<u8>,
    /// `type T`: the one type shown.
    kind: Option<u8>,
    oif: Option<u32>,
    iif: Option<u32>,
    mark: Option<u32>,
    metric: Option<u32>,
    /// `via`: the gateway's family and prefix.
    via: Pfx,
    prefsrc: Pfx,
    /// `root` (at least this long, inside) and `match` (containing)
    /// selectors of the destination and source.
    rdst: Pfx,
    mdst: Pfx,
    rsrc: Pfx,
    msrc: Pfx,
}

/// The first `len` bits of `a` and `b` agree (same family).
fn same_bits(a: IpAddr, b: IpAddr, len: u8) -> bool {
    crate::rule::prefix_match(a, b, len)
}

fn host_len(family: u8) -> u8 {
    if family == AF_INET6 { 128 } else { 32 }
}

fn unspecified(family: u8) -> IpAddr {
    if family == AF_INET6 {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    }
}

impl RouteFilter {
    /// `ip monitor`'s filter: every table, the link `oif` if given.
    pub fn monitor(oif: Option<u32>) -> Self {
        RouteFilter {
            oif,
            ..Default::default()
        }
    }

    /// The filter of `route show` with no selector: table main.
    pub fn main() -> Self {
        RouteFilter {
            tb: Some(RT_TABLE_MAIN),
            ..Default::default()
        }
    }

    /// iproute2's `filter_nlmsg` for one route.
    pub fn keeps(&self, r: &Route, family: Option<u8>) -> bool {
        if family.is_some_and(|f| f != r.family) {
            return false;
        }
        if self.cloned != (r.flags & RTM_F_CLONED != 0) {
            return false;
        }
        if self.tb.is_some_and(|t| t != r.table) {
            return false;
        }
        let dst = r.dst.unwrap_or(unspecified(r.family));
        let src = r.src.unwrap_or(unspecified(r.family));
        let gw_family = r.gateway.map_or(r.family, |g| family_of(&g));
        self.protocol.is_none_or(|p| p == r.protocol)
            && self.scope.is_none_or(|s| s == r.scope)
            && self.kind.is_none_or(|k| k == r.kind)
            && self.tos.is_none_or(|t| t == r.tos)
            && self.rdst.root_ok(r.family, dst, r.dst_len)
            && self.mdst.match_ok(r.family, dst, r.dst_len)
            && self.rsrc.root_ok(r.family, src, r.src_len)
            && self.msrc.match_ok(r.family, src, r.src_len)
            && self.via.addr_ok(gw_family, r.gateway)
            && self.prefsrc.addr_ok(r.family, r.prefsrc)
            && self.iif.is_none_or(|i| r.iif.unwrap_or(0) == i)
            && self.oif.is_none_or(|o| match r.oif {
                Some(x) => x == o,
                None if !r.next_hops.is_empty() => r.next_hops.iter().any(|h| h.oif == o),
                None => true,
            })
            && self.mark.is_none_or(|m| r.mark.unwrap_or(0) == m)
            && self.metric.is_none_or(|m| r.priority.unwrap_or(0) == m)
    }
}

/// `get_prefix(…, family)`, with ip's wording of a failure (exit 1).
fn prefix(s: &str, family: Option<u8>) -> Result<PfxSel, Fail> {
    let any = unspecified(family.unwrap_or(AF_INET));
    let sel = |specified| PfxSel {
        family,
        addr: any,
        len: 0,
        specified,
    };
    match s {
        "default" => return Ok(sel(true)),
        "all" | "any" => return Ok(sel(false)),
        _ => {}
    }
    let specified = s.contains('/');
    crate::args::prefix_of(s, family)
        .map(|(addr, len)| PfxSel {
            family: Some(family_of(&addr)),
            addr,
            len,
            specified,
        })
        .map_err(|_| {
            let name = match family {
                Some(AF_INET6) => "inet6",
                Some(_) => "inet",
                None => "any valid",
            };
            Fail(
                format!("Error: {name} prefix is expected rather than \"{s}\"."),
                1,
            )
        })
}

fn invarg(msg: &str, arg: &str) -> Fail {
    Fail(format!("Error: argument \"{arg}\" is wrong: {msg}"), 255)
}

/// Parses `route show|flush`'s selectors (iproute2's
/// `iproute_list_flush_or_save`); returns the filter and the family the
/// dump asks for.
pub fn parse_filter(
    args: &[String],
    conn: &mut Connection,
    family: Option<u8>,
) -> Result<(RouteFilter, Option<u8>), Fail> {
    let mut f = RouteFilter::main();
    let mut it = args.iter().map(String::as_str);
    let next = |it: &mut dyn Iterator<Item = &str>| -> Result<String, Fail> {
        it.next().map(String::from).ok_or_else(|| {
            Fail(
                "Command line is not complete. Try option \"help\"".into(),
                255,
            )
        })
    };
    let (mut od, mut id) = (None, None);
    // A `to`/`from` selector: `root P`, `match P`, or `[exact] P`.
    let selector = |it: &mut dyn Iterator<Item = &str>,
                    first: String,
                    r: &mut Pfx,
                    m: &mut Pfx|
     -> Result<(), Fail> {
        let mut v = first;
        let kind = if matches(&v, "root") {
            "root"
        } else if matches(&v, "match") {
            "match"
        } else {
            "exact"
        };
        if kind != "exact" || matches(&v, "exact") {
            v = it.next().map(String::from).ok_or_else(|| {
                Fail(
                    "Command line is not complete. Try option \"help\"".into(),
                    255,
                )
            })?;
        }
        let p = Pfx(Some(prefix(&v, family)?));
        match kind {
            "root" => *r = p,
            "match" => *m = p,
            _ => {
                *r = p;
                *m = p;
            }
        }
        Ok(())
    };
    while let Some(a) = it.next() {
        if matches(a, "table") {
            let v = next(&mut it)?;
            f.tb = match names::parse_table(&v) {
                Ok(Some(t)) => Some(t),
                Ok(None) => None,
                Err(_) if v == "cache" => {
                    f.cloned = true;
                    f.tb
                }
                Err(_) => return Err(invarg("table id value is invalid\n", &v)),
            };
        } else if matches(a, "cached") || matches(a, "cloned") {
            f.cloned = true;
        } else if a == "tos" || matches(a, "dsfield") {
            let v = next(&mut it)?;
            f.tos = Some(
                crate::rule::parse_u32(&v)
                    .filter(|&t| t <= 255)
                    .ok_or_else(|| invarg("TOS value is invalid\n", &v))? as u8,
            );
        } else if matches(a, "protocol") {
            let v = next(&mut it)?;
            f.protocol = match names::parse_protocol(&v) {
                Some(p) => Some(p),
                None if v == "all" => None,
                None => return Err(invarg("invalid \"protocol\"\n", &v)),
            };
        } else if matches(a, "scope") {
            let v = next(&mut it)?;
            f.scope = match names::parse_scope(&v) {
                Some(s) => Some(s),
                None if v == "all" => None,
                None => return Err(invarg("invalid \"scope\"\n", &v)),
            };
        } else if matches(a, "type") {
            let v = next(&mut it)?;
            f.kind = Some(
                names::parse_route_type(&v)
                    .ok_or_else(|| invarg("node type value is invalid\n", &v))?,
            );
        } else if a == "dev" || a == "oif" {
            od = Some(next(&mut it)?);
        } else if a == "iif" {
            id = Some(next(&mut it)?);
        } else if a == "mark" {
            let v = next(&mut it)?;
            f.mark =
                Some(crate::rule::parse_u32(&v).ok_or_else(|| invarg("invalid mark value", &v))?);
        } else if matches(a, "metric") || matches(a, "priority") || a == "preference" {
            let v = next(&mut it)?;
            f.metric = Some(
                crate::rule::parse_u32(&v)
                    .ok_or_else(|| invarg("\"metric\" value is invalid\n", &v))?,
            );
        } else if a == "via" {
            let mut v = next(&mut it)?;
            let mut fam = family;
            if let Some(x) = match v.as_str() {
                "inet" => Some(AF_INET),
                "inet6" => Some(AF_INET6),
                _ => None,
            } {
                fam = Some(x);
                v = next(&mut it)?;
            }
            f.via = Pfx(Some(prefix(&v, fam)?));
        } else if a == "src" {
            let v = next(&mut it)?;
            f.prefsrc = Pfx(Some(prefix(&v, family)?));
        } else if matches(a, "realms") {
            return Err(Fail(
                "Error: the route selector \"realms\" is not supported by nlw.".into(),
                255,
            ));
        } else if matches(a, "vrf") {
            return Err(Fail(
                "Error: the route selector \"vrf\" is not supported by nlw.".into(),
                255,
            ));
        } else if matches(a, "from") {
            let v = next(&mut it)?;
            let (mut r, mut m) = (f.rsrc, f.msrc);
            selector(&mut it, v, &mut r, &mut m)?;
            (f.rsrc, f.msrc) = (r, m);
        } else {
            let v = if matches(a, "to") {
                next(&mut it)?
            } else {
                a.to_string()
            };
            let (mut r, mut m) = (f.rdst, f.mdst);
            selector(&mut it, v, &mut r, &mut m)?;
            (f.rdst, f.mdst) = (r, m);
        }
    }
    let dump_family = match family {
        None if f.tb.is_some() => Some(AF_INET),
        x => x,
    };
    let links = all_links(conn)?;
    let index = |n: &str| {
        links
            .iter()
            .find(|l| l.name == n)
            .map(|l| l.index)
            .ok_or_else(|| Fail(format!("Cannot find device \"{n}\""), 1))
    };
    if let Some(n) = &id {
        f.iif = Some(index(n)?);
    }
    if let Some(n) = &od {
        f.oif = Some(index(n)?);
    }
    Ok((f, dump_family))
}

/// The dump request for a filter: the family's, and the table when one is
/// named (the kernel filters by it).
pub fn dump_request(f: &RouteFilter, dump_family: Option<u8>) -> GetRoutes {
    let mut req = match dump_family {
        Some(AF_INET6) => GetRoutes::ipv6(),
        Some(_) => GetRoutes::ipv4(),
        None => GetRoutes::all_families(),
    };
    if let Some(t) = f.tb {
        req = req.table(t);
    }
    // As ip's `iproute_dump_filter`: the kernel filters by link,
    // protocol and the cache too.
    if let Some(o) = f.oif {
        req = req.oif(o);
    }
    if let Some(p) = f.protocol {
        req = req.protocol(p);
    }
    if f.cloned {
        req = req.cloned();
    }
    req
}

/// `route show|list [SELECTORS]`.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let (filter, dump_family) = parse_filter(args, conn, o.family)?;
    let links = all_links(conn)?;
    let names = name_map(&links);
    let nexthops = crate::nexthop::for_details(conn, o);
    let mut p = Printer::for_opts(&mut *out, o)?;
    for r in crate::as_ip(conn.dump(dump_request(&filter, dump_family))) {
        let r = match r {
            Ok(r) => r,
            // ip stops, leaving its output as it is, and says so.
            Err(e) => return Err(crate::dump_failed(e)),
        };
        if filter.keeps(&r, dump_family) {
            print_route(&mut p, &r, &names, &filter, o.details > 0, false, &nexthops)?;
        }
    }
    p.finish()?;
    Ok(())
}

/// `route flush SELECTORS`: deletes the routes `route show SELECTORS`
/// lists (ip's `iproute_flush`).
pub fn flush(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    if args.is_empty() {
        return Err(Fail("\"nlw route flush\" requires arguments.".into(), 1));
    }
    let (filter, dump_family) = parse_filter(args, conn, o.family)?;
    if filter.cloned {
        return Err(Fail(
            "Error: flushing the route cache is not supported by nlw.".into(),
            255,
        ));
    }
    let start = std::time::Instant::now();
    crate::flush::rounds(out, o.stats, usize::MAX, "entries", |round| {
        if round > 0 && start.elapsed().as_secs() > 30 {
            return Err(Fail(
                "*** Flush not completed after 30 seconds ***".into(),
                1,
            ));
        }
        crate::flush::round(
            conn,
            dump_request(&filter, dump_family),
            nlwire::route::RTM_DELROUTE,
            |r: &Route| {
                // The IPv6 table's own `unreachable default metric -1`.
                let pseudo = r.family == AF_INET6
                    && r.dst_len == 0
                    && r.kind == nlwire::route::route_req::RTN_UNREACHABLE
                    && r.priority == Some(u32::MAX);
                !pseudo && filter.keeps(r, dump_family)
            },
            &[nlwire::Errno::ESRCH, nlwire::Errno::ENOENT],
        )
    })
}

/// `route get`'s answer.
pub fn print_get(
    out: &mut impl Write,
    o: &Opts,
    r: &Route,
    names: &HashMap<u32, &str>,
    nexthops: &HashMap<u32, nlwire::route::Nexthop>,
) -> io::Result<()> {
    let mut p = Printer::for_opts(&mut *out, o)?;
    let f = RouteFilter::default();
    print_route(&mut p, r, names, &f, o.details > 0, false, nexthops)?;
    p.finish()?;
    Ok(())
}

struct DstFmt<'a>(&'a Route);

impl std::fmt::Display for DstFmt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0;
        match r.dst {
            Some(a) if r.dst_len == host_len(r.family) => write_addr(f, a),
            Some(a) => {
                write_addr(f, a)?;
                write!(f, "/{}", r.dst_len)
            }
            None if r.dst_len != 0 => write!(f, "0/{} ", r.dst_len),
            None => f.write_str("default"),
        }
    }
}

/// An address as `Display` writes it; IPv4 through a stack buffer, as
/// listings of many routes spend much of their time here.
fn write_addr(f: &mut std::fmt::Formatter<'_>, a: IpAddr) -> std::fmt::Result {
    let IpAddr::V4(v4) = a else {
        return write!(f, "{a}");
    };
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (i, o) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            buf[n] = b'0' + (o / 10) % 10;
            n += 1;
        }
        buf[n] = b'0' + o % 10;
        n += 1;
    }
    // Only ASCII digits and dots were written.
    f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| std::fmt::Error)?)
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

fn u32_attr(r: &Route, kind: u16) -> Option<u32> {
    r.other
        .get(kind)
        .filter(|v| v.len() == 4)
        .map(|v| u32::from_ne_bytes([v[0], v[1], v[2], v[3]]))
}

/// One route as iproute2's `print_route` writes it; what the filter fixes
/// is left out, as ip does.
pub fn print_route<W: Write>(
    p: &mut Printer<W>,
    r: &Route,
    names: &HashMap<u32, &str>,
    f: &RouteFilter,
    details: bool,
    deleted: bool,
    nexthops: &HashMap<u32, nlwire::route::Nexthop>,
) -> io::Result<()> {
    let host = host_len(r.family);
    let cloned = r.flags & RTM_F_CLONED != 0;
    p.open_object(None)?;
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    if (r.kind != RTN_UNICAST || details) && f.kind.is_none_or(|k| k == r.kind) {
        p.str("type", "{} ", names::route_type(r.kind))?;
    }
    let fam_color = Color::of_family(r.family);
    p.str_c(
        if r.dst.is_some() { fam_color } else { None },
        "dst",
        "{} ",
        DstFmt(r),
    )?;
    match r.src {
        Some(s) => p.str_c(fam_color, "from", "from {} ", SrcFmt(s, r.src_len))?,
        None if r.src_len != 0 => p.str("src", "from {} ", format_args!("0/{}", r.src_len))?,
        None => {}
    }
    if let Some(id) = u32_attr(r, RTA_NH_ID) {
        p.num("nhid", "nhid {} ", id)?;
    }
    if r.tos != 0 && f.tos.is_none() {
        p.str("tos", "tos {} ", format_args!("{:#04x}", r.tos))?;
    }
    if let Some(g) = r.gateway
        && f.via.len() != Some(host)
    {
        gateway(p, r.family, g)?;
    }
    if let Some(oif) = r.oif
        && f.oif.is_none()
    {
        ifidx(p, names, oif, "dev")?;
    }
    if r.table != 0 && (r.table != RT_TABLE_MAIN || details) && f.tb.is_none() {
        p.str("table", "table {} ", names::table(r.table))?;
    }
    if !cloned {
        if (r.protocol != RTPROT_BOOT || details) && f.protocol.is_none() {
            p.str("protocol", "proto {} ", names::protocol(r.protocol))?;
        }
        if (r.scope != RT_SCOPE_UNIVERSE || details) && f.scope.is_none() {
            p.str("scope", "scope {} ", names::scope(r.scope))?;
        }
    }
    if let Some(ps) = r.prefsrc
        && f.prefsrc.len() != Some(host)
    {
        p.json(Json::Str, Some("prefsrc"), ps)?;
        p.text("src ")?;
        p.text_c(fam_color, "{} ", ps)?;
    }
    if let Some(m) = r.priority
        && f.metric.is_none()
    {
        p.num("metric", "metric {} ", m)?;
    }
    rt_flags(p, r.flags)?;
    match r.mark {
        Some(m) if m != 0 && p.is_json() => p.json(Json::Num, Some("mark"), m)?,
        Some(m) if m >= 16 => p.text_fmt("mark {} ", format_args!("{m:#x}"))?,
        Some(m) if m != 0 => p.text_fmt("mark {} ", m)?,
        _ => {}
    }
    if let Some(flow) = u32_attr(r, RTA_FLOW) {
        let (from, to) = (flow >> 16, flow & 0xffff);
        p.open_object(Some("flow"))?;
        p.text(if from != 0 { "realms " } else { "realm " })?;
        if from != 0 {
            p.str("from", "{}/", from)?;
        }
        p.str("to", "{} ", to)?;
        p.close_object()?;
    }
    if let Some(u) = r.uid {
        p.num("uid", "uid {} ", u)?;
    }
    if r.family == AF_INET && cloned {
        cache_flags_print(p, r.flags)?;
    }
    if (r.family == AF_INET || r.family == AF_INET6)
        && let Some(ci) = r.other.get(RTA_CACHEINFO).filter(|b| b.len() >= 32)
    {
        cacheinfo(p, ci)?;
    }
    if has_metrics(r) {
        metrics_print(p, r)?;
    }
    if let Some(i) = r.iif
        && f.iif.is_none()
    {
        ifidx(p, names, i, "iif")?;
    }
    if let Some(pref) = r.pref {
        match pref {
            3 => p.str("pref", "pref {}", "low")?,
            0 => p.str("pref", "pref {}", "medium")?,
            1 => p.str("pref", "pref {}", "high")?,
            n => p.num("pref", "{}", n)?,
        }
    }
    // With `-d`, the nexthop object the route uses (ip reads it by id;
    // nothing when it is gone).
    if details && let Some(n) = u32_attr(r, RTA_NH_ID).and_then(|id| nexthops.get(&id)) {
        p.text("\n\tnh_info ")?;
        crate::nexthop::print_entry(p, Some("nh_info"), n, names, false)?;
    }
    if !r.next_hops.is_empty() {
        p.open_array("nexthops")?;
        for h in &r.next_hops {
            p.open_object(None)?;
            p.nl()?;
            p.text("\tnexthop ")?;
            if let Some(g) = h.gateway {
                gateway(p, r.family, g)?;
            }
            p.str("dev", "dev {} ", if_name(names, h.oif))?;
            p.num("weight", "weight {} ", h.weight)?;
            rt_flags(p, h.flags as u32)?;
            p.close_object()?;
        }
        p.close_array()?;
    }
    p.end_record()?;
    p.close_object()
}

/// `print_rta_ifidx`.
pub(crate) fn ifidx<W: Write>(
    p: &mut Printer<W>,
    names: &HashMap<u32, &str>,
    i: u32,
    what: &str,
) -> io::Result<()> {
    let n = if_name(names, i);
    p.json(Json::Str, Some(what), &n)?;
    p.text_fmt("{} ", what)?;
    p.text_c(Some(Color::Ifname), "{} ", n)
}

/// `"gateway": ADDR`/`via ADDR`, or for a gateway of the other family
/// (`RTA_VIA`) `"via": {"family", "host"}`/`via FAMILY ADDR`.
pub(crate) fn gateway<W: Write>(p: &mut Printer<W>, family: u8, g: IpAddr) -> io::Result<()> {
    let fam = if g.is_ipv4() { "inet" } else { "inet6" };
    let color = Color::of_family(family_of(&g));
    if family_of(&g) == family {
        p.json(Json::Str, Some("gateway"), g)?;
        p.text("via ")?;
        p.text_c(color, "{} ", g)
    } else {
        p.open_object(Some("via"))?;
        p.json(Json::Str, Some("family"), fam)?;
        p.json(Json::Str, Some("host"), g)?;
        p.close_object()?;
        p.text_fmt("via {} ", fam)?;
        p.text_c(color, "{} ", g)
    }
}

/// `print_rt_flags`.
pub(crate) fn rt_flags<W: Write>(p: &mut Printer<W>, flags: u32) -> io::Result<()> {
    p.open_array("flags")?;
    for (bit, name) in [
        (1u32, "dead"),
        (4, "onlink"),
        (2, "pervasive"),
        (8, "offload"),
        (64, "trap"),
        (0x100, "notify"),
        (16, "linkdown"),
        (32, "unresolved"),
        (0x4000, "rt_offload"),
        (0x8000, "rt_trap"),
        (0x2000_0000, "rt_offload_failed"),
    ] {
        if flags & bit != 0 {
            p.json(Json::Str, None, name)?;
            p.text_fmt("{} ", name)?;
        }
    }
    p.close_array()
}

/// `print_cache_flags`.
fn cache_flags_print<W: Write>(p: &mut Printer<W>, flags: u32) -> io::Result<()> {
    let mut rest = flags & !0xFFFF;
    p.open_array("cache")?;
    p.nl()?;
    p.text("    cache ")?;
    if rest == 0 {
        return p.close_array();
    }
    p.text("<")?;
    for (bit, name) in CACHE_FLAGS {
        if rest & bit != 0 {
            rest &= !bit;
            p.json(Json::Str, None, name)?;
            p.text_fmt(if rest != 0 { "{}," } else { "{}> " }, name)?;
        }
    }
    if rest != 0 {
        p.str("flags", "{}>", format_args!("{rest:x}"))?;
    }
    p.close_array()
}

/// `print_rta_cacheinfo` (`struct rta_cacheinfo`; times in USER_HZ).
fn cacheinfo<W: Write>(p: &mut Printer<W>, b: &[u8]) -> io::Result<()> {
    let w = |i: usize| u32::from_ne_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
    let (clntref, lastuse, expires, error, used, id, ts, tsage) =
        (w(0), w(1), w(2) as i32, w(3), w(4), w(5), w(6), w(7));
    const HZ: u32 = 100;
    if expires != 0 {
        p.num("expires", "expires {}sec ", expires / HZ as i32)?;
    }
    if error != 0 {
        p.num("error", "error {} ", error)?;
    }
    if p.stats > 0 {
        if clntref != 0 {
            p.num("users", "users {} ", clntref)?;
        }
        if used != 0 {
            p.num("used", "used {} ", used)?;
        }
        if lastuse != 0 {
            p.num("age", "age {}sec ", lastuse / HZ)?;
        }
    }
    if id != 0 {
        p.str("ipid", "ipid {} ", format_args!("0x{id:04x}"))?;
    }
    if ts != 0 || tsage != 0 {
        p.str("ts", "ts {}", format_args!("{ts:#x}"))?;
        p.num("tsage", "tsage {}sec ", tsage)?;
    }
    Ok(())
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

/// `print_rta_metrics`.
fn metrics_print<W: Write>(p: &mut Printer<W>, r: &Route) -> io::Result<()> {
    p.open_array("metrics")?;
    p.open_object(None)?;
    let mut features_named = false;
    for m in metrics(r) {
        let (name, lock) = match &m {
            Metric::Num(n, _) | Metric::Time(n, _) => (*n, locked(r, n)),
            Metric::Ecn | Metric::Features(_) => ("features", false),
            Metric::CongestionControl(_) => ("congctl", false),
        };
        if name != "features" || !features_named {
            p.text_fmt("{} ", name)?;
        }
        features_named |= name == "features";
        if lock {
            p.text("lock ")?;
        }
        match m {
            Metric::Num(n, v) => p.num(n, "{} ", v)?,
            Metric::Time(n, v) => {
                p.json(Json::Num, Some(n), v)?;
                if v >= 1000 {
                    p.text_fmt("{}s ", v as f64 / 1e3)?;
                } else {
                    p.text_fmt("{}ms ", v)?;
                }
            }
            Metric::Ecn => p.null("ecn", "ecn ")?,
            Metric::Features(v) => p.str("features", "{} ", format_args!("{v:#x}"))?,
            Metric::CongestionControl(c) => p.str("congestion", "{} ", c)?,
        }
    }
    p.close_object()?;
    p.close_array()
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

/// Whether a word is one of ip's route types (`rtnl_rtntype_a2n`, not a
/// number: a destination starts with a digit).
fn route_type_word(w: &str) -> Option<u8> {
    if w.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    names::parse_route_type(w)
}

/// `get_time_rtt`: milliseconds (`3s`, `250ms`, `0.5s`), or a raw value
/// in the kernel's unit when no unit is given (`true`).
fn time_rtt(s: &str) -> Option<(u32, bool)> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'x' || c == 'X'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let t: f64 = if num.contains('.') {
        num.parse().ok()?
    } else {
        f64::from(crate::rule::parse_u32(num)?)
    };
    let (t, raw) = match unit.to_ascii_lowercase().as_str() {
        "" => (t, true),
        "s" | "sec" | "secs" => (t * 1000.0, false),
        "ms" | "msec" | "msecs" => (t, false),
        _ => return None,
    };
    if !(0.0..f64::from(u32::MAX)).contains(&t) {
        return None;
    }
    let v = t as u32;
    Some((if f64::from(v) < t { v + 1 } else { v }, raw))
}

/// `route add|change|replace|prepend|append|test|del …` as iproute2's
/// `iproute_modify` reads it: the request, or ip's error.
pub fn modify<'a>(
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: Option<u8>,
) -> Result<Box<dyn nlwire::request::Request + 'a>, Fail> {
    use crate::args::{Argv, duparg2, get_addr, get_prefix, invarg, nodev};
    use nlwire::route::NextHop;
    use nlwire::route::RouteRequest;
    use nlwire::route::nexthop::{
        RTAX_ADVMSS, RTAX_CWND, RTAX_FEATURES, RTAX_INITCWND, RTAX_INITRWND, RTAX_MTU,
        RTAX_QUICKACK, RTAX_REORDERING, RTAX_SSTHRESH, RTAX_WINDOW,
    };
    let mut a = Argv::new(args);
    let mut family = family;
    let mut dst: Option<crate::args::Prefix> = None;
    let mut kind = None;
    let (mut src, mut gw, mut from, mut dev) = (None, None, None, None);
    let (mut tos, mut expires, mut prio, mut scope) = (None, None, None, None);
    let (mut proto, mut table, mut pref, mut nhid, mut realms) = (None, None, None, None, None);
    let (mut onlink, mut ttl_prop) = (false, None);
    let mut metrics: Vec<(u16, u32)> = Vec::new();
    let mut locked: Vec<u16> = Vec::new();
    let mut congctl = None;
    let mut hops: Vec<(NextHop, Option<&str>)> = Vec::new();
    let fam_of = |x: &std::net::IpAddr| nlwire::route::family_of(x);
    // A metric that may be `lock`ed: `NAME [lock] VALUE`.
    fn locking<'a>(a: &mut Argv<'a>, locked: &mut Vec<u16>, kind: u16) -> Result<&'a str, Fail> {
        let mut v = a.need()?;
        if v == "lock" {
            locked.push(kind);
            v = a.need()?;
        }
        Ok(v)
    }
    while let Some(t) = a.next() {
        let m = |w: &str| crate::matches(t, w);
        if t == "src" {
            let x = get_addr(a.need()?, family)?;
            family = family.or(Some(fam_of(&x)));
            src = Some(x);
        } else if t == "as" {
            return Err(Fail(
                "Error: \"as\" (NAT) routes are not supported by nlw.".into(),
                255,
            ));
        } else if t == "via" {
            if gw.is_some() {
                return Err(invarg("use nexthop syntax to specify multiple via\n", t));
            }
            let mut v = a.need()?;
            let mut f = family;
            if let Some(x) = match v {
                "inet" => Some(AF_INET),
                "inet6" => Some(AF_INET6),
                _ => None,
            } {
                f = Some(x);
                v = a.need()?;
            }
            let x = get_addr(v, f)?;
            family = family.or(Some(fam_of(&x)));
            gw = Some(x);
        } else if t == "from" {
            let p = get_prefix(a.need()?, family)?;
            family = family.or(p.family);
            from = Some(p);
        } else if t == "tos" || m("dsfield") {
            let v = a.need()?;
            tos = Some(
                crate::args::get_u32(v)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| invarg("\"tos\" value is invalid\n", v))?,
            );
        } else if t == "expires" {
            let v = a.need()?;
            expires = Some(
                crate::args::get_u32(v)
                    .ok_or_else(|| invarg("\"expires\" value is invalid\n", v))?,
            );
        } else if m("metric") || m("priority") || t == "preference" {
            let v = a.need()?;
            prio = Some(
                crate::args::get_u32(v)
                    .ok_or_else(|| invarg("\"metric\" value is invalid\n", v))?,
            );
        } else if t == "scope" {
            let v = a.need()?;
            scope =
                Some(names::parse_scope(v).ok_or_else(|| invarg("invalid \"scope\" value\n", v))?);
        } else if let Some((kind, what, max)) = match t {
            "mtu" => Some((RTAX_MTU, "mtu", None)),
            "hoplimit" => Some((RTAX_HOPLIMIT, "hoplimit", Some(255))),
            "advmss" => Some((RTAX_ADVMSS, "mss", None)),
            _ if m("reordering") => Some((RTAX_REORDERING, "reordering", None)),
            _ if m("window") => Some((RTAX_WINDOW, "window", None)),
            _ if m("cwnd") => Some((RTAX_CWND, "cwnd", None)),
            _ if m("initcwnd") => Some((RTAX_INITCWND, "initcwnd", None)),
            _ if m("initrwnd") => Some((RTAX_INITRWND, "initrwnd", None)),
            _ if m("ssthresh") => Some((RTAX_SSTHRESH, "ssthresh", None)),
            _ => None,
        } {
            let v = locking(&mut a, &mut locked, kind)?;
            let n = crate::args::get_u32(v)
                .filter(|&n| max.is_none_or(|mx| n <= mx))
                .ok_or_else(|| invarg(&format!("\"{what}\" value is invalid\n"), v))?;
            metrics.push((kind, n));
        } else if t == "rtt" || m("rttvar") || t == "rto_min" {
            let (kind, what, scale) = match t {
                "rtt" => (RTAX_RTT, "rtt", 8),
                "rto_min" => (RTAX_RTO_MIN, "rto_min", 1),
                _ => (RTAX_RTTVAR, "rttvar", 4),
            };
            let v = if kind == RTAX_RTO_MIN {
                locked.push(kind);
                a.need()?
            } else {
                locking(&mut a, &mut locked, kind)?
            };
            let (n, raw) =
                time_rtt(v).ok_or_else(|| invarg(&format!("\"{what}\" value is invalid\n"), v))?;
            metrics.push((kind, if raw { n } else { n.saturating_mul(scale) }));
        } else if m("features") {
            let mut f = 0;
            while a.peek() == Some("ecn") {
                a.next();
                f |= RTAX_FEATURE_ECN;
            }
            if f == 0 {
                return Err(invarg(
                    "\"features\" value not valid\n",
                    a.peek().unwrap_or(""),
                ));
            }
            metrics.push((RTAX_FEATURES, f));
        } else if m("quickack") {
            let v = a.need()?;
            let n = crate::args::get_u32(v)
                .ok_or_else(|| invarg("\"quickack\" value is invalid\n", v))?;
            if n > 1 {
                return Err(invarg("\"quickack\" value should be 0 or 1\n", v));
            }
            metrics.push((RTAX_QUICKACK, n));
        } else if m("congctl") {
            let v = locking(&mut a, &mut locked, RTAX_CC_ALGO)?;
            congctl = Some(v);
        } else if m("realms") {
            let v = a.need()?;
            realms =
                Some(parse_realms(v).ok_or_else(|| invarg("\"realm\" value is invalid\n", v))?);
        } else if t == "onlink" {
            onlink = true;
        } else if t == "nexthop" {
            hops = parse_nexthops(&mut a, conn, ctx, &mut family)?;
            break;
        } else if t == "nhid" {
            let v = a.need()?;
            nhid = Some(
                crate::args::get_u32(v).ok_or_else(|| invarg("\"id\" value is invalid\n", v))?,
            );
        } else if m("protocol") {
            let v = a.need()?;
            proto = Some(
                names::parse_protocol(v)
                    .ok_or_else(|| invarg("\"protocol\" value is invalid\n", v))?,
            );
        } else if m("table") {
            let v = a.need()?;
            table = Some(match names::parse_table(v) {
                Ok(Some(t)) => t,
                _ => return Err(invarg("\"table\" value is invalid\n", v)),
            });
        } else if m("vrf") {
            return Err(invarg("Invalid VRF\n", a.need()?));
        } else if t == "dev" || t == "oif" {
            dev = Some(a.need()?);
        } else if m("pref") {
            let v = a.need()?;
            pref = Some(match v {
                "low" => 3,
                "medium" => 0,
                "high" => 1,
                _ => crate::args::get_u32(v)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| invarg("\"pref\" value is invalid\n", v))?,
            });
        } else if t == "encap" {
            return Err(Fail(
                "Error: \"encap\" routes are not supported by nlw.".into(),
                255,
            ));
        } else if t == "ttl-propagate" {
            let v = a.need()?;
            ttl_prop = Some(if crate::matches(v, "enabled") {
                true
            } else if crate::matches(v, "disabled") {
                false
            } else {
                return Err(invarg("\"ttl-propagate\" value is invalid\n", v));
            });
        } else if m("fastopen_no_cookie") {
            let v = a.need()?;
            let n = crate::args::get_u32(v)
                .ok_or_else(|| invarg("\"fastopen_no_cookie\" value is invalid\n", v))?;
            if n > 1 {
                return Err(invarg("\"fastopen_no_cookie\" value should be 0 or 1\n", v));
            }
            metrics.push((nlwire::route::nexthop::RTAX_FASTOPEN_NO_COOKIE, n));
        } else {
            let mut w = t;
            if w == "to" {
                w = a.need()?;
            }
            if let Some(k) = route_type_word(w) {
                kind = Some(k);
                w = a.need()?;
            }
            if crate::matches(w, "help") {
                return Err(crate::usage_err(""));
            }
            if dst.is_some() {
                return Err(duparg2("to", w));
            }
            let p = get_prefix(w, family)?;
            family = family.or(p.family);
            dst = Some(p);
        }
    }
    let Some(dst) = dst else {
        return Err(crate::usage_err(""));
    };
    let oif = match dev {
        Some(d) => Some(ctx.index(conn, d).map_err(|_| nodev(d))?),
        None => None,
    };
    // The family of `default` is -4/-6's or the first address's, else IPv4.
    let fam = family.unwrap_or(AF_INET);
    let daddr = if dst.keyword {
        if fam == AF_INET6 {
            std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        } else {
            std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        }
    } else {
        dst.addr
    };
    let mut r = match cmd {
        "add" => RouteRequest::add(daddr, dst.len),
        "change" => RouteRequest::change(daddr, dst.len),
        "replace" => RouteRequest::replace(daddr, dst.len),
        "prepend" => RouteRequest::prepend(daddr, dst.len),
        "append" => RouteRequest::append(daddr, dst.len),
        "test" => RouteRequest::test(daddr, dst.len),
        _ => RouteRequest::delete(daddr, dst.len),
    }?;
    if let Some(k) = kind {
        r = r.kind(k);
    }
    if let Some(x) = src {
        r = r.prefsrc(x)?;
    }
    if let Some(g) = gw {
        r = r.via(g);
    }
    if let Some(f) = from {
        r = r.source_prefix(f.addr, f.len)?;
    }
    if let Some(t) = tos {
        r = r.tos(t);
    }
    if let Some(e) = expires {
        r = r.expires(e);
    }
    if let Some(p) = prio {
        r = r.metric(p);
    }
    if let Some(s) = scope {
        r = r.scope(s);
    }
    for (k, v) in metrics {
        r = r.metric_value(k, v)?;
    }
    for k in locked {
        r = r.lock_metric(k);
    }
    if let Some(c) = congctl {
        r = r.congestion_control(c);
    }
    if let Some(x) = realms {
        r = r.realms(x);
    }
    if onlink {
        r = r.onlink();
    }
    if let Some(n) = nhid {
        r = r.nhid(n);
    }
    if let Some(p) = proto {
        r = r.protocol(p);
    }
    if let Some(t) = table {
        r = r.table(t);
    }
    if let Some(o) = oif {
        r = r.oif(o)?;
    }
    if let Some(p) = pref {
        r = r.pref(p);
    }
    if let Some(t) = ttl_prop {
        r = r.ttl_propagate(t);
    }
    if hops.is_empty() {
        return Ok(Box::new(r));
    }
    let hops: Vec<NextHop> = hops.into_iter().map(|h| h.0).collect();
    let r = r.multipath(&hops)?;
    Ok(Box::new(crate::edit::Encoded::of(&r)?))
}

/// `get_rt_realms_or_raw`: `FROM/TO`, `TO`, or a raw number.
fn parse_realms(s: &str) -> Option<u32> {
    match s.split_once('/') {
        Some((f, t)) => {
            let f = if f.is_empty() {
                0
            } else {
                crate::args::get_u32(f)?
            };
            let t = if t.is_empty() {
                0
            } else {
                crate::args::get_u32(t)?
            };
            (f < 65536 && t < 65536).then_some((f << 16) | t)
        }
        None => crate::args::get_u32(s),
    }
}

/// `parse_nexthops`: `nexthop via A [dev D] [weight W] [onlink] …`.
fn parse_nexthops<'a>(
    a: &mut crate::args::Argv<'a>,
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: &mut Option<u8>,
) -> Result<Vec<(nlwire::route::NextHop, Option<&'a str>)>, Fail> {
    use crate::args::{get_addr, invarg, nodev};
    let mut hops = Vec::new();
    let mut h = nlwire::route::NextHop::default();
    while let Some(t) = a.next() {
        match t {
            "nexthop" => {
                hops.push((h, None));
                h = nlwire::route::NextHop::default();
            }
            "via" => {
                let mut v = a.need()?;
                let mut f = *family;
                if let Some(x) = match v {
                    "inet" => Some(AF_INET),
                    "inet6" => Some(AF_INET6),
                    _ => None,
                } {
                    f = Some(x);
                    v = a.need()?;
                }
                let x = get_addr(v, f)?;
                *family = family.or(Some(nlwire::route::family_of(&x)));
                h.gateway = Some(x);
            }
            "dev" => {
                let d = a.need()?;
                h.oif = ctx.index(conn, d).map_err(|_| nodev(d))?;
            }
            _ if crate::matches(t, "weight") => {
                let v = a.need()?;
                let w = crate::args::get_u32(v)
                    .filter(|w| (1..=256).contains(w))
                    .ok_or_else(|| invarg("\"weight\" is invalid\n", v))?;
                h.weight = w as u16;
            }
            "onlink" => h.onlink = true,
            _ => {
                return Err(Fail(
                    format!("Error: \"{t}\" in a nexthop is not supported by nlw."),
                    255,
                ));
            }
        }
    }
    hops.push((h, None));
    Ok(hops)
}

/// `route get ADDR [from A] [iif D] [oif D] [mark M] [tos T] [uid U] …`
/// as iproute2's `iproute_get` reads it.
pub fn get_request(
    args: &[String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: Option<u8>,
) -> Result<nlwire::route::RouteLookup, Fail> {
    use crate::args::{Argv, get_prefix, get_u32, invarg, nodev};
    use nlwire::route::RouteLookup;
    let mut a = Argv::new(args);
    let mut family = family;
    let (mut dst, mut from, mut iif, mut oif, mut mark) = (None, None, None, None, None);
    while let Some(t) = a.next() {
        let m = |w: &str| matches(t, w);
        if t == "tos" || m("dsfield") {
            let v = a.need()?;
            get_u32(v)
                .filter(|&n| n <= 255)
                .ok_or_else(|| invarg("TOS value is invalid\n", v))?;
            return Err(Fail(
                "Error: \"tos\" in route get is not supported by nlw.".into(),
                255,
            ));
        } else if m("from") {
            let v = a.need()?;
            if matches(v, "help") {
                return Err(crate::usage_err(""));
            }
            let p = get_prefix(v, family)?;
            family = family.or(p.family);
            from = Some(p.addr);
        } else if m("iif") {
            iif = Some(a.need()?);
        } else if m("mark") {
            let v = a.need()?;
            mark = Some(get_u32(v).ok_or_else(|| invarg("invalid mark value", v))?);
        } else if m("oif") || t == "dev" {
            oif = Some(a.need()?);
        } else if m("notify")
            || m("connected")
            || m("fibmatch")
            || m("vrf")
            || m("uid")
            || t == "as"
            || m("sport")
            || m("dport")
            || m("ipproto")
            || t == "flowlabel"
        {
            return Err(Fail(
                format!("Error: \"{t}\" in route get is not supported by nlw."),
                255,
            ));
        } else {
            let v = if t == "to" { a.need()? } else { t };
            if matches(v, "help") {
                return Err(crate::usage_err(""));
            }
            let p = get_prefix(v, family)?;
            family = family.or(p.family);
            let full = if p.addr.is_ipv4() { 32 } else { 128 };
            if p.len != full {
                eprintln!(
                    "Warning: /{} as prefix is invalid, only /{full} (or none) is supported.",
                    p.len
                );
            }
            dst = Some(p.addr);
        }
    }
    let Some(dst) = dst else {
        return Err(Fail("need at least a destination address".into(), 1));
    };
    let mut l = RouteLookup::to(dst);
    if let Some(f) = from {
        l = l.from(f)?;
    }
    if let Some(d) = iif {
        l = l.iif(ctx.index(conn, d).map_err(|_| nodev(d))?);
    }
    if let Some(d) = oif {
        l = l.oif(ctx.index(conn, d).map_err(|_| nodev(d))?);
    }
    if let Some(m) = mark {
        l = l.mark(m);
    }
    Ok(l)
}

#[cfg(test)]
mod fmt_tests {
    use super::*;

    struct A(IpAddr);
    impl std::fmt::Display for A {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write_addr(f, self.0)
        }
    }

    #[test]
    fn addresses_written_as_display_writes_them() {
        for a in [
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.9",
            "10.100.0.99",
            "203.0.113.200",
            "2001:db8::1",
            "::",
        ] {
            let ip: IpAddr = a.parse().unwrap();
            assert_eq!(A(ip).to_string(), ip.to_string());
        }
    }
}
