//! Neighbours: `neigh show|flush|get` with ip's selectors, and the
//! printer shared with `monitor` (iproute2's `ip/ipneigh.c`).

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;

use nlwire::route::neigh::{
    NTF_EXT_LEARNED, NTF_EXT_MANAGED, NTF_OFFLOADED, NTF_PROXY, NTF_ROUTER, NUD_FAILED, NUD_NOARP,
    NUD_PERMANENT, nud_names,
};
use nlwire::route::{GetNeighbour, GetNeighbours, Neighbour};
use nlwire_mio::Connection;

use crate::print::{Color, Json, Printer};
use crate::{Fail, Opts, all_links, if_name, matches, name_map, names};

/// iproute2's neighbour `filter`.
struct Filter {
    family: Option<u8>,
    index: Option<u32>,
    /// `NUD_*` states shown; bit 0x100 stands for "none" (state 0).
    state: u32,
    proxy: bool,
    master: Option<u32>,
    unused: bool,
    protocol: Option<u8>,
    to: Option<(IpAddr, u8)>,
}

impl Filter {
    /// `print_neigh`'s selection.
    fn keeps(&self, n: &Neighbour) -> bool {
        let state = u32::from(n.state);
        self.family.is_none_or(|f| f == n.family)
            && self.index.is_none_or(|i| i == n.index)
            && (self.state & state != 0
                || n.flags & NTF_PROXY != 0
                || n.flags & NTF_EXT_LEARNED != 0
                || state == 0 && self.state & 0x100 != 0)
            && self.to.is_none_or(|(net, len)| {
                len == 0
                    || n.dst.is_some_and(|d| {
                        nlwire::route::family_of(&d) == nlwire::route::family_of(&net)
                            && crate::rule::prefix_match(d, net, len)
                    })
            })
            && self.protocol.is_none_or(|p| n.protocol.unwrap_or(0) == p)
            && (!self.unused || n.cacheinfo.is_none_or(|c| c.refcnt == 0))
    }

    fn request(&self) -> GetNeighbours {
        let mut req = GetNeighbours::new();
        if let Some(f) = self.family {
            req = req.family(f);
        }
        if let Some(i) = self.index {
            req = req.link(i);
        }
        if self.proxy {
            req = req.proxies();
        }
        if let Some(m) = self.master {
            req = req.master(m);
        }
        req
    }
}

/// ip's `nud_state_a2n`.
fn nud_state(s: &str) -> Option<u32> {
    let named = [
        ("permanent", NUD_PERMANENT, true),
        ("reachable", 0x02, true),
        ("noarp", NUD_NOARP, false),
        ("none", 0, false),
        ("stale", 0x04, false),
        ("incomplete", 0x01, false),
        ("delay", 0x08, false),
        ("probe", 0x10, false),
        ("failed", NUD_FAILED, true),
    ];
    for (name, v, prefix) in named {
        if if prefix { matches(s, name) } else { s == name } {
            return Some(u32::from(v));
        }
    }
    let v = crate::rule::parse_u32(s)?;
    (v < 0x100 && v & v.wrapping_sub(1) == 0).then_some(v)
}

fn invarg(msg: &str, arg: &str) -> Fail {
    Fail(format!("Error: argument \"{arg}\" is wrong: {msg}"), 255)
}

fn parse_filter(
    args: &[String],
    conn: &mut Connection,
    o: &Opts,
    flush: bool,
) -> Result<Filter, Fail> {
    if flush && args.is_empty() {
        return Err(Fail("Flush requires arguments.".into(), 1));
    }
    let none = u32::from(NUD_NOARP);
    let mut f = Filter {
        family: o.family,
        index: None,
        state: if flush {
            !(u32::from(NUD_PERMANENT) | none)
        } else {
            0xff & !none
        },
        proxy: false,
        master: None,
        unused: false,
        protocol: None,
        to: None,
    };
    let links = all_links(conn)?;
    let index_of = |n: &str| links.iter().find(|l| l.name == n).map(|l| l.index);
    let mut dev: Option<String> = None;
    let mut state_given = false;
    let mut it = args.iter().map(String::as_str);
    let next = |it: &mut dyn Iterator<Item = &str>| {
        it.next().map(String::from).ok_or_else(|| {
            Fail(
                "Command line is not complete. Try option \"help\"".into(),
                255,
            )
        })
    };
    while let Some(a) = it.next() {
        match a {
            "dev" => {
                let v = next(&mut it)?;
                if dev.is_some() {
                    return Err(Fail(
                        format!("Error: duplicate \"dev\": \"{v}\" is the second value."),
                        255,
                    ));
                }
                dev = Some(v);
            }
            "master" | "vrf" => {
                let v = next(&mut it)?;
                let link = links.iter().find(|l| l.name == v);
                let ok = link.is_some_and(|l| a == "master" || l.kind.as_deref() == Some("vrf"));
                if !ok {
                    let why = if a == "master" {
                        "Device does not exist\n"
                    } else {
                        "Not a valid VRF name\n"
                    };
                    return Err(invarg(why, &v));
                }
                f.master = link.map(|l| l.index);
            }
            "nomaster" => f.master = Some(u32::MAX),
            "unused" => f.unused = true,
            "nud" => {
                let v = next(&mut it)?;
                if !state_given {
                    state_given = true;
                    f.state = 0;
                }
                let mut s = match nud_state(&v) {
                    Some(s) => s,
                    None if v == "all" => {
                        if flush {
                            !none
                        } else {
                            !0
                        }
                    }
                    None => return Err(invarg("nud state is bad", &v)),
                };
                if s == 0 {
                    s = 0x100;
                }
                f.state |= s;
            }
            "proxy" => f.proxy = true,
            p if matches(p, "protocol") => {
                let v = next(&mut it)?;
                f.protocol = match names::parse_protocol(&v) {
                    Some(p) => Some(p),
                    None if v == "all" => None,
                    None => return Err(invarg("invalid \"protocol\"\n", &v)),
                };
            }
            _ => {
                let v = if a == "to" {
                    next(&mut it)?
                } else {
                    a.to_string()
                };
                let pfx = crate::rule::prefix(&v, f.family.unwrap_or(0)).or_else(|e| {
                    if f.family.is_none() {
                        crate::args::prefix_of(&v, None).map_err(|_| {
                            Fail(
                                format!("Error: any valid prefix is expected rather than \"{v}\"."),
                                1,
                            )
                        })
                    } else {
                        Err(e)
                    }
                })?;
                f.family = f.family.or(Some(nlwire::route::family_of(&pfx.0)));
                f.to = Some(pfx);
            }
        }
    }
    if let Some(d) = &dev {
        f.index = Some(index_of(d).ok_or_else(|| Fail(format!("Cannot find device \"{d}\""), 1))?);
    }
    Ok(f)
}

/// `neigh show|list [SELECTORS]`.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let f = parse_filter(args, conn, o, false)?;
    let links = all_links(conn)?;
    let names = name_map(&links);
    let mut p = Printer::for_opts(&mut *out, o)?;
    for n in crate::as_ip(conn.dump(f.request())) {
        let n = n?;
        if f.keeps(&n) {
            print_neigh(&mut p, &n, &names, f.index.is_some(), false)?;
        }
    }
    p.finish()?;
    Ok(())
}

/// `neigh flush SELECTORS`: deletes what the selectors name, in rounds, as
/// ip does (up to 10; with `-s`, a report of each).
pub fn flush(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut f = parse_filter(args, conn, o, true)?;
    let r = crate::flush::rounds(out, o.stats, 10, "entries", |round| {
        if round > 0 {
            f.state &= !u32::from(NUD_FAILED);
        }
        crate::flush::round(
            conn,
            f.request(),
            nlwire::route::RTM_DELNEIGH,
            |n: &Neighbour| f.keeps(n),
            &[nlwire::Errno::ENOENT],
        )
    });
    match r {
        Err(Fail(m, code)) if m.starts_with("*** Flush remains") => {
            writeln!(out, "*** Flush not complete bailing out after 10 rounds")?;
            Err(Fail(String::new(), code))
        }
        r => r,
    }
}

/// `neigh get ADDR dev DEV [proxy]`.
pub fn get(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let (mut dst, mut dev, mut proxy) = (None, None, false);
    let mut it = args.iter().map(String::as_str);
    while let Some(a) = it.next() {
        match a {
            "dev" => dev = it.next(),
            p if matches(p, "proxy") => {
                proxy = true;
                dst = it.next();
            }
            "to" => dst = it.next(),
            d => dst = Some(d),
        }
    }
    let (Some(dst), Some(dev)) = (dst, dev) else {
        return Err(Fail(
            "Device and address are required arguments.".into(),
            255,
        ));
    };
    let addr = crate::args::prefix_of(dst, o.family)?.0;
    let links = all_links(conn)?;
    let Some(index) = links.iter().find(|l| l.name == dev).map(|l| l.index) else {
        return Err(Fail(format!("Cannot find device \"{dev}\""), 1));
    };
    let mut req = GetNeighbour::new(index, addr)?;
    if proxy {
        req = req.proxy();
    }
    let n: Neighbour = conn.get(req)?;
    let names = name_map(&links);
    let mut p = Printer::for_opts(&mut *out, o)?;
    print_neigh(&mut p, &n, &names, false, false)?;
    p.finish()?;
    Ok(())
}

/// One entry as `print_neigh` writes it; `dev_fixed` when the filter named
/// the link (ip then leaves it out).
pub fn print_neigh<W: Write>(
    p: &mut Printer<W>,
    n: &Neighbour,
    names: &HashMap<u32, &str>,
    dev_fixed: bool,
    deleted: bool,
) -> std::io::Result<()> {
    p.open_object(None)?;
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    let color = Color::of_family(n.family);
    if p.brief {
        if let Some(d) = n.dst {
            p.json(Json::Str, Some("dst"), d)?;
            p.text_c(color, "{} ", format_args!("{:<39}", d.to_string()))?;
        }
        if !dev_fixed && n.index != 0 {
            let dev = if_name(names, n.index);
            p.json(Json::Str, Some("dev"), &dev)?;
            p.text_c(Some(Color::Ifname), "{} ", format_args!("{dev:<16}"))?;
        }
        if let Some(l) = &n.lladdr {
            p.str_c(Some(Color::Mac), "lladdr", "{}", l)?;
        }
        p.end_record()?;
        return p.close_object();
    }
    if let Some(d) = n.dst {
        p.str_c(color, "dst", "{} ", d)?;
    }
    if !dev_fixed && n.index != 0 {
        p.text("dev ")?;
        p.str_c(Some(Color::Ifname), "dev", "{} ", if_name(names, n.index))?;
    }
    if let Some(l) = &n.lladdr {
        p.text("lladdr ")?;
        p.str_c(Some(Color::Mac), "lladdr", "{} ", l)?;
    }
    let ext = n.flags_ext.unwrap_or(0);
    for (on, key) in [
        (n.flags & NTF_ROUTER != 0, "router"),
        (n.flags & NTF_PROXY != 0, "proxy"),
        (ext & NTF_EXT_MANAGED != 0, "managed"),
        (n.flags & NTF_EXT_LEARNED != 0, "extern_learn"),
        (n.flags & NTF_OFFLOADED != 0, "offload"),
    ] {
        if on {
            p.null(key, &format!("{key} "))?;
        }
    }
    if p.stats > 0 {
        if let Some(c) = n.cacheinfo {
            const HZ: u32 = 100;
            if c.refcnt != 0 {
                p.num("refcnt", " ref {}", c.refcnt)?;
            }
            p.num("used", " used {}", c.used / HZ)?;
            p.num("confirmed", "/{}", c.confirmed / HZ)?;
            p.num("updated", "/{}", c.updated / HZ)?;
        }
        if let Some(pr) = n.probes {
            p.num("probes", "probes {} ", pr)?;
        }
    }
    if n.state != 0 {
        p.open_array("state")?;
        for s in nud_names(n.state) {
            p.json(Json::Str, None, s)?;
            p.text_fmt("{} ", s)?;
        }
        p.close_array()?;
    }
    if let Some(pr) = n.protocol.filter(|&x| x != 0) {
        p.str("protocol", "proto {} ", names::protocol(pr))?;
    }
    p.end_record()?;
    p.close_object()
}

/// `neigh add|change|replace|del …` as iproute2's `ipneigh_modify` reads
/// it.
pub fn modify<'a>(
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: Option<u8>,
) -> Result<Box<dyn nlwire::request::Request + 'a>, Fail> {
    use crate::args::{Argv, duparg, duparg2, get_addr, get_lladdr, invarg, nodev};
    use nlwire::route::NeighbourRequest;
    let mut a = Argv::new(args);
    let (mut lla, mut state, mut dst, mut dev) = (None, None, None, None);
    let (mut proxy, mut router, mut dev_ok) = (false, false, false);
    let mut proto = None;
    while let Some(t) = a.next() {
        if matches(t, "lladdr") {
            let v = a.need()?;
            if lla.is_some() {
                return Err(duparg("lladdr", v));
            }
            lla = Some(v);
        } else if t == "nud" {
            let v = a.need()?;
            state = Some(nud_state(v).ok_or_else(|| invarg("nud state is bad", v))? as u16);
        } else if matches(t, "proxy") {
            let v = a.need()?;
            if matches(v, "help") {
                return Err(crate::usage_err(""));
            }
            if dst.is_some() {
                return Err(duparg("address", v));
            }
            dst = Some(get_addr(v, family)?);
            dev_ok = true;
            proxy = true;
        } else if t == "router" {
            router = true;
        } else if matches!(t, "use" | "managed" | "extern_valid") || matches(t, "extern_learn") {
            return Err(Fail(
                format!("Error: \"{t}\" is not supported by nlw."),
                255,
            ));
        } else if t == "dev" {
            dev = Some(a.need()?);
            dev_ok = true;
        } else if matches(t, "protocol") {
            let v = a.need()?;
            proto = Some(
                names::parse_protocol(v)
                    .ok_or_else(|| invarg("\"protocol\" value is invalid\n", v))?,
            );
        } else {
            let mut v = t;
            if v == "to" || matches(v, "help") {
                v = a.need()?;
            }
            if dst.is_some() {
                return Err(duparg2("to", v));
            }
            dst = Some(get_addr(v, family)?);
        }
    }
    let (Some(dst), true) = (dst, dev_ok) else {
        return Err(Fail(
            "Device and destination are required arguments.".into(),
            255,
        ));
    };
    let lla = match lla.filter(|l| *l != "null") {
        Some(l) => Some(get_lladdr(l).map_err(|e| Fail(e.0, 1))?),
        None => None,
    };
    let Some(dev) = dev else {
        return Err(Fail(
            "Error: nlw needs the device of a proxy entry (\"dev DEV\").".into(),
            255,
        ));
    };
    let index = ctx.index(conn, dev).map_err(|_| nodev(dev))?;
    let mut r = match cmd {
        "add" => NeighbourRequest::add(index, dst),
        "replace" => NeighbourRequest::replace(index, dst),
        "change" => NeighbourRequest::change(index, dst),
        _ => NeighbourRequest::delete(index, dst),
    }?;
    if let Some(s) = state {
        r = r.state(s);
    }
    if proxy {
        r = r.proxy();
    }
    if router {
        r = r.router();
    }
    if let Some(p) = proto {
        r = r.protocol(p);
    }
    match &lla {
        Some(l) => Ok(Box::new(crate::edit::Encoded::of(&r.lladdr(l)?)?)),
        None => Ok(Box::new(r)),
    }
}
