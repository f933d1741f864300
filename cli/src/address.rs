//! `address show` with ip's link and address selectors, printed as
//! iproute2's `ipaddr_list_flush_or_save` and `print_addrinfo` do.

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;

use nlwire::route::{AF_INET, AF_INET6, Address, GetAddresses, GetLink, GetLinks, Link};
use nlwire_mio::Connection;

use crate::args::prefix_of as parse_prefix_of;
use crate::link::{self, LinkCtx};
use crate::print::{Color, Printer};
use crate::{Fail, Opts, names};

/// `IFA_F_*` names in ip's order (`ifa_flag_data`).
const IFA_FLAGS: &[(u32, &str)] = &[
    (0x01, "secondary"),
    (0x01, "temporary"),
    (0x02, "nodad"),
    (0x04, "optimistic"),
    (0x08, "dadfailed"),
    (0x10, "home"),
    (0x20, "deprecated"),
    (0x40, "tentative"),
    (0x80, "permanent"),
    (0x100, "mngtmpaddr"),
    (0x200, "noprefixroute"),
    (0x400, "autojoin"),
    (0x800, "stable-privacy"),
];

/// The address selectors (iproute2's `filter` fields for addresses).
#[derive(Default)]
struct AddrFilter {
    to: Option<(IpAddr, u8)>,
    /// `scope S` (None: any; `scope all` is any too).
    scope: Option<u8>,
    flags: u32,
    flagmask: u32,
    label: Option<String>,
    proto: Option<u8>,
}

impl AddrFilter {
    /// `print_addrinfo`'s selection (and `ipaddr_filter`'s).
    fn keeps(&self, a: &Address, link_name: &str) -> bool {
        let label = a.label.as_deref().unwrap_or(link_name);
        self.scope.is_none_or(|s| s == a.scope)
            && (self.flags ^ a.flags) & self.flagmask == 0
            && self.proto.is_none_or(|p| a.proto.is_none_or(|x| x == p))
            && self.label.as_deref().is_none_or(|pat| glob(pat, label))
            && self.to.is_none_or(|(net, len)| {
                a.addr.is_none_or(|x| {
                    nlwire::route::family_of(&x) == nlwire::route::family_of(&net)
                        && crate::rule::prefix_match(x, net, len)
                })
            })
    }

    /// ip's `get_filter`: a flag name, `-NAME` for its absence,
    /// `dynamic`/`primary` for no `permanent`/`secondary`.
    fn flag(&mut self, arg: &str) -> bool {
        let (mut inv, mut name) = match arg.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, arg),
        };
        match name {
            "dynamic" => (inv, name) = (!inv, "permanent"),
            "primary" => (inv, name) = (!inv, "secondary"),
            _ => {}
        }
        let Some(&(mask, _)) = IFA_FLAGS.iter().find(|(_, n)| *n == name) else {
            return false;
        };
        if inv {
            self.flags &= !mask;
        } else {
            self.flags |= mask;
        }
        self.flagmask |= mask;
        true
    }
}

/// `fnmatch(pattern, s, 0)` for `*`, `?` and literal characters.
fn glob(pat: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn lifetime<W: Write>(
    p: &mut Printer<W>,
    key: &str,
    v: u32,
    deprecated: bool,
) -> std::io::Result<()> {
    if v == u32::MAX {
        p.json(crate::print::Json::Num, Some(key), v)?;
        p.text("forever")
    } else if deprecated {
        p.num(key, "{}sec", v as i32)
    } else {
        p.num(key, "{}sec", v)
    }
}

/// One address as `print_addrinfo` writes it: brief (`-br`) or in full,
/// headed by its link (`N: DEV`) when one line stands alone (`-o`, and
/// `monitor`).
pub fn print_addr<W: Write>(
    p: &mut Printer<W>,
    a: &Address,
    dev: &str,
    deleted: bool,
) -> std::io::Result<()> {
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    let v4 = a.family == AF_INET;
    if !p.brief {
        if p.oneline || p.headed {
            p.json(crate::print::Json::Num, Some("index"), a.index)?;
            p.json(crate::print::Json::Str, Some("dev"), dev)?;
            p.text_fmt("{}: ", a.index)?;
            p.text(dev)?;
        }
        p.str("family", "    {} ", if v4 { "inet" } else { "inet6" })?;
    }
    if let Some(x) = a.addr {
        let c = Color::of_family(a.family);
        p.str_c(c, "local", "{}", x)?;
        if let Some(peer) = a.peer.filter(|&peer| peer != x) {
            p.text(" peer ")?;
            p.str_c(c, "address", "{}", peer)?;
        }
        p.num("prefixlen", "/{} ", a.prefix_len)?;
        if let Some(m) = a.priority {
            p.num("metric", "metric {} ", m)?;
        }
    }
    if p.brief {
        return Ok(());
    }
    if let Some(b) = a.broadcast {
        p.text("brd ")?;
        p.str_c(Color::of_family(a.family), "broadcast", "{} ", b)?;
    }
    p.str("scope", "scope {} ", names::scope(a.scope))?;
    let mut flags = a.flags;
    for &(mask, name) in IFA_FLAGS {
        if mask == 0x80 {
            if flags & mask == 0 {
                p.bool("dynamic", "dynamic ", true)?;
            }
        } else if flags & mask != 0 {
            if mask == 0x01 && a.family == AF_INET6 {
                p.bool("temporary", "temporary ", true)?;
            } else {
                p.text_fmt("{} ", name)?;
                p.json(crate::print::Json::Num, Some(name), "true")?;
            }
        }
        flags &= !mask;
    }
    if flags != 0 {
        p.str("ifa_flags", "flags {} ", format_args!("{flags:02x}"))?;
    }
    if let Some(proto) = a.proto
        && (proto != 0 || p.is_json())
    {
        let name = match proto {
            0 => "unspec".into(),
            1 => "kernel_lo".into(),
            2 => "kernel_ra".into(),
            3 => "kernel_ll".into(),
            n => n.to_string(),
        };
        p.str("protocol", "proto {} ", name)?;
    }
    if let Some(l) = &a.label {
        p.str("label", "{}", l)?;
    }
    if let Some(c) = a.cacheinfo {
        p.nl()?;
        p.text("       valid_lft ")?;
        lifetime(p, "valid_life_time", c.valid, false)?;
        p.text(" preferred_lft ")?;
        lifetime(p, "preferred_life_time", c.preferred, a.flags & 0x20 != 0)?;
    }
    p.end_record()
}

/// Parses `address show|flush`'s selectors: the link ones, the address
/// ones, and the family (`-4`/`-6`, or a `to` prefix's).
fn parse(
    args: &[String],
    conn: &mut Connection,
    dump_family: Option<u8>,
) -> Result<(link::LinkFilter, AddrFilter, Option<u8>), Fail> {
    let mut af = AddrFilter::default();
    let mut family = dump_family;
    let lf = link::parse_filter(args, conn, |a, it| {
        let mut value = || {
            it.next().ok_or_else(|| {
                Fail(
                    "Command line is not complete. Try option \"help\"".into(),
                    255,
                )
            })
        };
        match a {
            "to" => {
                let v = value()?;
                let pfx = match family {
                    Some(f) => crate::rule::prefix(v, f)?,
                    None => parse_prefix_of(v, None).map_err(|_| {
                        Fail(
                            format!("Error: any valid prefix is expected rather than \"{v}\"."),
                            1,
                        )
                    })?,
                };
                family = family.or(Some(nlwire::route::family_of(&pfx.0)));
                af.to = Some(pfx);
            }
            "scope" => {
                let v = value()?;
                af.scope = match names::parse_scope(v) {
                    Some(s) => Some(s),
                    None if v == "all" => None,
                    None => {
                        return Err(Fail(
                            format!("Error: argument \"{v}\" is wrong: invalid \"scope\"\n"),
                            255,
                        ));
                    }
                };
            }
            "label" => af.label = Some(value()?.to_string()),
            "proto" => {
                let v = value()?;
                af.proto = Some(crate::rule::parse_u32(v).filter(|&n| n <= 255).ok_or_else(
                    || {
                        Fail(
                            format!(
                                "Error: argument \"{v}\" is wrong: \"proto\" value is invalid\n"
                            ),
                            255,
                        )
                    },
                )? as u8);
            }
            f if af.flag(f) => {}
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((lf, af, family))
}

/// `address show|list [SELECTORS]`.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    // -0 (AF_PACKET): links alone, with their link/ line.
    let packet = o.family == Some(crate::AF_PACKET);
    let dump_family = o.family.filter(|_| !packet);
    let (lf, af, family) = parse(args, conn, dump_family)?;
    // The links: one asked for by name, else a dump (of the family's view
    // with -4/-6: the kernel then leaves out qdisc, group and queue length,
    // which ip reads with an ioctl and nlw from a second dump).
    let links: Vec<Link> = match &lf.dev {
        Some(d) => {
            let req = GetLink::by_name(d)
                .map_err(|_| Fail(format!("Device \"{d}\" does not exist."), 1))?;
            match conn.get(req) {
                Ok(l) => vec![l],
                Err(e) if e.errno() == Some(nlwire::Errno::ENODEV) => {
                    return Err(Fail(format!("Device \"{d}\" does not exist."), 1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        None => crate::snapshot(conn, GetLinks::new().family(dump_family.unwrap_or(0)))?,
    };
    let all: Vec<Link>;
    let mut cx = if lf.dev.is_some() || dump_family.is_some() {
        all = crate::all_links(conn)?;
        let mut cx = LinkCtx::new(&all);
        cx.txqlen = all
            .iter()
            .filter_map(|l| Some((l.index, l.txqlen?)))
            .collect();
        cx
    } else {
        LinkCtx::new(&links)
    };
    let mut req = GetAddresses::new();
    if let Some(f) = family {
        req = req.family(f);
    }
    if let [one] = links.as_slice() {
        req = req.link(one.index);
    }
    let mut addrs: HashMap<u32, Vec<Address>> = HashMap::new();
    for a in crate::as_ip(conn.dump(req)).filter(|_| !packet) {
        let a = a?;
        addrs.entry(a.index).or_default().push(a);
    }
    for v in addrs.values_mut() {
        // ip lists IPv4 before IPv6, each in the kernel's order.
        v.sort_by_key(|a| a.family == AF_INET6);
    }
    let empty = Vec::new();
    let mut p = Printer::for_opts(&mut *out, o)?;
    for l in &links {
        if !lf.listed(l, dump_family.is_none()) {
            continue;
        }
        let list = addrs.get(&l.index).unwrap_or(&empty);
        // The link's addresses of the family, and whether each is selected
        // (in JSON ip writes an empty object for one that is not).
        let of_family: Vec<(&Address, bool)> = list
            .iter()
            .filter(|a| family.is_none_or(|f| f == a.family))
            .map(|a| (a, af.keeps(a, &l.name)))
            .collect();
        let any_selected = of_family.iter().any(|(_, s)| *s);
        // ipaddr_filter: a link is shown when one of its addresses is
        // selected, or when it has none at all and no family was named.
        if !(packet || any_selected || list.is_empty() && family.is_none()) {
            continue;
        }
        p.open_object(None)?;
        // With `label`, ip prints the addresses alone (print_linkinfo
        // returns early).
        // -o prints no link (`no_link`), -br a brief one; a link the
        // link selectors refuse gets no addresses either (in JSON, ip
        // leaves its object empty), except with -o, where only its
        // addresses are filtered by `up`/`down`.
        let link_ok = lf.keeps(l);
        let no_link = p.oneline && !p.brief;
        if af.label.is_none() && link_ok && !no_link {
            link::print_link(&mut p, conn, &mut cx, l, false, family.is_some(), false)?;
        }
        if (link_ok || no_link) && !packet {
            p.open_array("addr_info")?;
            let updown_ok = (!lf.up || l.is_up()) && (!lf.down || !l.is_up());
            for (a, selected) in of_family {
                if !updown_ok {
                    continue;
                }
                p.open_object(None)?;
                if selected {
                    print_addr(&mut p, a, &l.name, false)?;
                }
                p.close_object()?;
            }
            p.close_array()?;
            if p.brief {
                p.end_record()?;
            }
            // print_link_stats, after the addresses.
            // Only after a link printed in full (print_linkinfo's `res > 0`).
            let full = link_ok && !no_link && !p.brief && af.label.is_none();
            if p.stats > 0 && full && l.stats().is_some() {
                link::print_stats(&mut p, l)?;
                p.nl()?;
            }
        }
        p.close_object()?;
    }
    p.finish()?;
    Ok(())
}

/// `address flush SELECTORS`: deletes the addresses `address show
/// SELECTORS` lists, in ip's rounds (one only when flushing primaries, so
/// that promoted secondaries stay).
pub fn flush(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    if args.is_empty() {
        return Err(Fail("Flush requires arguments.".into(), 1));
    }
    if o.family == Some(crate::AF_PACKET) {
        return Err(Fail("Cannot flush link addresses.".into(), 1));
    }
    let (lf, af, family) = parse(args, conn, o.family)?;
    let links: Vec<Link> = crate::all_links(conn)?;
    let index = match &lf.dev {
        Some(d) => Some(
            links
                .iter()
                .find(|l| &l.name == d)
                .map(|l| l.index)
                .ok_or_else(|| Fail(format!("Device \"{d}\" does not exist."), 1))?,
        ),
        None => None,
    };
    let name_of = |i: u32| {
        links
            .iter()
            .find(|l| l.index == i)
            .map_or("", |l| l.name.as_str())
    };
    let primaries_only = af.flagmask & 0x01 != 0 && af.flags & 0x01 == 0;
    let mut req = GetAddresses::new();
    if let Some(f) = family {
        req = req.family(f);
    }
    if let Some(i) = index {
        req = req.link(i);
    }
    let mut done = false;
    crate::flush::rounds(out, o.stats, 10, "addresses", |_| {
        if done {
            return Ok(0);
        }
        let n = crate::flush::round(
            conn,
            req,
            nlwire::route::RTM_DELADDR,
            |a: &Address| {
                index.is_none_or(|i| i == a.index)
                    && family.is_none_or(|f| f == a.family)
                    && af.keeps(a, name_of(a.index))
            },
            &[nlwire::Errno::EADDRNOTAVAIL],
        )?;
        done = primaries_only;
        Ok(n)
    })
}

/// `address add|change|replace|del …` as iproute2's `ipaddr_modify`
/// reads it: the request, or ip's error. `warn` collects ip's warnings.
pub fn modify<'a>(
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: Option<u8>,
) -> Result<nlwire::route::AddressRequest<'a>, Fail> {
    use crate::args::{Argv, duparg, duparg2, fail1, get_addr, get_prefix, invarg, nodev};
    use nlwire::route::AddressRequest;
    let mut a = Argv::new(args);
    let mut family = family;
    let (mut dev, mut label, mut local, mut peer) = (None, None, None, None);
    let (mut brd, mut scope, mut metric, mut proto) = (None, None, None, None);
    let mut valid: Option<(&str, u32)> = None;
    let mut preferred: Option<(&str, u32)> = None;
    let mut flags = 0u32;
    let lifetime = |v: &str| match v {
        "forever" => Some(u32::MAX),
        _ => v.strip_suffix("sec").unwrap_or(v).parse::<u32>().ok(),
    };
    while let Some(t) = a.next() {
        if t == "peer" || t == "remote" {
            let v = a.need()?;
            if peer.is_some() {
                return Err(duparg("peer", v));
            }
            let p = get_prefix(v, family)?;
            family = family.or(p.family);
            peer = Some(p);
        } else if crate::matches(t, "broadcast") || t == "brd" {
            let v = a.need()?;
            if brd.is_some() {
                return Err(duparg("broadcast", v));
            }
            brd = Some(match v {
                "+" => Brd::Ones,
                "-" => Brd::Zeros,
                _ => {
                    let x = get_addr(v, family)?;
                    family = family.or(Some(nlwire::route::family_of(&x)));
                    Brd::Addr(x)
                }
            });
        } else if t == "anycast" {
            return Err(Fail(
                "Error: \"anycast\" addresses are not supported by nlw.".into(),
                255,
            ));
        } else if t == "scope" {
            let v = a.need()?;
            scope = Some(
                names::parse_scope(v)
                    .or_else(|| crate::rule::parse_u32(v).and_then(|n| u8::try_from(n).ok()))
                    .ok_or_else(|| invarg("invalid scope value.", v))?,
            );
        } else if t == "dev" {
            dev = Some(a.need()?);
        } else if t == "label" {
            label = Some(a.need()?);
        } else if crate::matches(t, "metric")
            || crate::matches(t, "priority")
            || crate::matches(t, "preference")
        {
            let v = a.need()?;
            metric = Some(
                crate::args::get_u32(v)
                    .ok_or_else(|| invarg("\"metric\" value is invalid\n", v))?,
            );
        } else if crate::matches(t, "valid_lft") {
            if let Some(v) = a.peek().filter(|_| valid.is_some()) {
                return Err(duparg("valid_lft", v));
            }
            let v = a.need()?;
            valid = Some((v, lifetime(v).ok_or_else(|| invarg("valid_lft value", v))?));
        } else if crate::matches(t, "preferred_lft") {
            if let Some(v) = a.peek().filter(|_| preferred.is_some()) {
                return Err(duparg("preferred_lft", v));
            }
            let v = a.need()?;
            preferred = Some((
                v,
                lifetime(v).ok_or_else(|| invarg("preferred_lft value", v))?,
            ));
        } else if let Some(&(mask, name)) = IFA_FLAGS.iter().find(|(_, n)| *n == t) {
            // ip's `ifa_flag_data`: which can be set, and on which family.
            let readonly = matches!(
                name,
                "secondary"
                    | "temporary"
                    | "dadfailed"
                    | "deprecated"
                    | "tentative"
                    | "permanent"
                    | "stable-privacy"
            );
            let v6only = matches!(name, "nodad" | "optimistic" | "home" | "mngtmpaddr");
            if readonly {
                eprintln!("Warning: {name} option is not mutable from userspace");
            } else if v6only && family != Some(AF_INET6) {
                eprintln!("Warning: {name} option can be set only for IPv6 addresses");
            } else {
                flags |= mask;
            }
        } else if t == "proto" {
            let v = a.need()?;
            proto = Some(match v {
                "unspec" => 0,
                "kernel_lo" => 1,
                "kernel_ra" => 2,
                "kernel_ll" => 3,
                _ => crate::args::get_u32(v)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| invarg("\"proto\" value is invalid\n", v))?,
            });
        } else {
            let v = if t == "local" { a.need()? } else { t };
            if crate::matches(v, "help") {
                return Err(crate::usage_err(""));
            }
            if local.is_some() {
                return Err(duparg2("local", v));
            }
            let p = get_prefix(v, family)?;
            family = family.or(p.family);
            local = Some((p, v));
        }
    }
    let Some(dev) = dev else {
        return Err(fail1(
            "Not enough information: \"dev\" argument is required.",
        ));
    };
    let Some((local, local_arg)) = local else {
        // ip sends a request with no address, which the kernel refuses:
        // with no family, as a family it does not handle.
        let why = match family {
            None => "RTNETLINK answers: Operation not supported",
            Some(AF_INET) => "Error: ipv4: Local address is not supplied.",
            Some(_) => "RTNETLINK answers: Invalid argument",
        };
        return Err(Fail(why.into(), 2));
    };
    let delete = cmd == "delete";
    // Wildcard delete: an IPv4 address with no length given, and no peer.
    let wildcard = delete && peer.is_none() && local.addr.is_ipv4() && !local.specified;
    if wildcard {
        eprintln!(
            "Warning: Executing wildcard deletion to stay compatible with old scripts.\n         Explicitly specify the prefix length ({}/{}) to avoid this warning.\n         This special behaviour is likely to disappear in further releases,\n         fix your scripts!",
            local_arg, 32
        );
    }
    let len = peer.map_or(local.len, |p| p.len);
    let brd = match brd {
        Some(Brd::Addr(std::net::IpAddr::V4(b))) => Some(b),
        Some(Brd::Addr(_)) => None,
        Some(b @ (Brd::Ones | Brd::Zeros)) if !delete => {
            let std::net::IpAddr::V4(base) = peer.map_or(local.addr, |p| p.addr) else {
                return Err(fail1("Broadcast can be set only for IPv4 addresses"));
            };
            (len <= 30).then(|| {
                let host = u32::MAX >> len;
                let n = u32::from(base);
                std::net::Ipv4Addr::from(if matches!(b, Brd::Ones) {
                    n | host
                } else {
                    n & !host
                })
            })
        }
        _ => None,
    };
    let index = match ctx.index(conn, dev) {
        Ok(i) => i,
        Err(_) => return Err(nodev(dev)),
    };
    if valid.is_some() || preferred.is_some() {
        let (v, p) = (
            valid.map_or(u32::MAX, |x| x.1),
            preferred.map_or(u32::MAX, |x| x.1),
        );
        if v == 0 {
            return Err(fail1("valid_lft is zero"));
        }
        if v < p {
            return Err(fail1("preferred_lft is greater than valid_lft"));
        }
    }
    let mut r = match cmd {
        "add" => AddressRequest::add(index, local.addr, len),
        "replace" => AddressRequest::replace(index, local.addr, len),
        "change" => AddressRequest::change(index, local.addr, len),
        _ => AddressRequest::delete(index, local.addr, len),
    }?;
    if wildcard {
        r = r.any_prefix_len();
    }
    if let Some(p) = peer {
        r = r.peer(p.addr)?;
    }
    if let Some(b) = brd {
        r = r.broadcast(b)?;
    }
    if let Some(l) = label {
        r = r.label(l)?;
    }
    if let Some(s) = scope {
        r = r.scope(s);
    }
    if let Some(m) = metric {
        r = r.metric(m);
    }
    if let Some(p) = proto {
        r = r.proto(p);
    }
    if valid.is_some() || preferred.is_some() {
        r = r.lifetimes(
            valid.map_or(u32::MAX, |x| x.1),
            preferred.map_or(u32::MAX, |x| x.1),
        )?;
    }
    Ok(r.flags(flags))
}

/// `broadcast ADDR|+|-`.
enum Brd {
    Addr(std::net::IpAddr),
    Ones,
    Zeros,
}
