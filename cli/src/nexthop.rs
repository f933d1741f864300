//! Nexthop objects: `nexthop show|get|add|replace|del|flush`, and the
//! printer shared with `monitor` (iproute2's `ip/ipnexthop.c`).

use std::collections::HashMap;
use std::io::{self, Write};

use nlwire::route::nh::{NEXTHOP_GRP_TYPE_MPATH, NEXTHOP_GRP_TYPE_RES};
use nlwire::route::{
    AF_INET, AF_INET6, GetNexthop, GetNexthopBucket, GetNexthopBuckets, GetNexthops, GroupMember,
    Link, Nexthop, NexthopBucket, NexthopRequest, ResGroup, family_of,
};
use nlwire_mio::Connection;

use crate::args::{Argv, get_u32, invarg};
use crate::print::Printer;
use crate::{Fail, Opts, all_links, matches, name_map, names};

/// C's `%g`: six significant digits, trailing zeros dropped, exponent
/// form below 1e-4 or from 1e6.
pub fn g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let m = format!("{v:.5e}");
        let (mant, e) = m.split_once('e').unwrap_or((&m, "0"));
        let mant = if mant.contains('.') {
            mant.trim_end_matches('0').trim_end_matches('.')
        } else {
            mant
        };
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `__jiffies_to_tv` then `print_tv`: `USER_HZ` ticks as seconds.
fn seconds(ticks: u64) -> String {
    let usec = ticks.wrapping_mul(10_000);
    g((usec / 1_000_000) as f64 + (usec % 1_000_000) as f64 / 1e6)
}

/// The nexthop objects by id, for `route show -d` (`nh_info`); none
/// without `-d`, or when they cannot be read.
pub fn for_details(conn: &mut Connection, o: &Opts) -> HashMap<u32, Nexthop> {
    if o.details == 0 {
        return HashMap::new();
    }
    conn.collect(GetNexthops::new())
        .map(|v| v.into_iter().map(|n| (n.id, n)).collect())
        .unwrap_or_default()
}

/// One nexthop as `print_nexthop` writes it (`deleted` in `monitor`),
/// a line of its own.
pub fn print_nexthop<W: Write>(
    p: &mut Printer<W>,
    n: &Nexthop,
    names: &HashMap<u32, &str>,
    deleted: bool,
) -> io::Result<()> {
    print_entry(p, None, n, names, deleted)?;
    p.end_record()
}

/// `__print_nexthop_entry`: the fields, as the JSON object `key` (an
/// element of the array open when `None`). `-s` is printed as iproute2
/// 6.1 does (without the group statistics HEAD asks the kernel for).
pub fn print_entry<W: Write>(
    p: &mut Printer<W>,
    key: Option<&str>,
    n: &Nexthop,
    names: &HashMap<u32, &str>,
    deleted: bool,
) -> io::Result<()> {
    p.open_object(key)?;
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    p.num("id", "id {} ", n.id)?;
    if !n.group.is_empty() {
        p.open_array("group")?;
        p.text("group ")?;
        for (i, m) in n.group.iter().enumerate() {
            p.open_object(None)?;
            if i > 0 {
                p.text("/")?;
            }
            p.num("id", "{}", m.id)?;
            if m.weight > 1 {
                p.num("weight", ",{}", m.weight)?;
            }
            p.close_object()?;
        }
        p.text(" ")?;
        p.close_array()?;
    }
    match n.group_type {
        None | Some(NEXTHOP_GRP_TYPE_MPATH) => {}
        Some(NEXTHOP_GRP_TYPE_RES) => p.str("type", "type {} ", "resilient")?,
        Some(_) => p.str("type", "type {} ", "<unknown type>")?,
    }
    if let Some(r) = n.res_group {
        p.open_object(Some("resilient_args"))?;
        p.num("buckets", "buckets {} ", r.buckets.unwrap_or(0))?;
        let t = |v: Option<u32>| seconds(u64::from(v.unwrap_or(0)));
        p.num("idle_timer", "idle_timer {} ", t(r.idle_timer))?;
        p.num(
            "unbalanced_timer",
            "unbalanced_timer {} ",
            t(r.unbalanced_timer),
        )?;
        let since = seconds(r.unbalanced_time.unwrap_or(0));
        p.num("unbalanced_time", "unbalanced_time {} ", since)?;
        p.close_object()?;
    }
    if let Some(gw) = n.gateway {
        crate::route::gateway(p, family_of(&gw), gw)?;
    }
    if let Some(oif) = n.oif.filter(|&i| i != 0) {
        crate::route::ifidx(p, names, oif, "dev")?;
    }
    if n.scope != 0 || p.details > 0 {
        p.str("scope", "scope {} ", names::scope(n.scope))?;
    }
    if n.blackhole {
        p.null("blackhole", "blackhole ")?;
    }
    if n.protocol != 0 || p.details > 0 {
        p.str("protocol", "proto {} ", names::protocol(n.protocol))?;
    }
    crate::route::rt_flags(p, n.flags)?;
    if n.fdb {
        p.null("fdb", "fdb")?;
    }
    p.close_object()
}

/// iproute2's nexthop `filter`.
#[derive(Default)]
struct Filter {
    index: u32,
    master: u32,
    groups: bool,
    fdb: bool,
    protocol: u32,
}

impl Filter {
    /// The dump request; `fdb` is not sent (see [`Filter::keeps`]).
    fn request(&self, family: Option<u8>) -> GetNexthops {
        let mut r = GetNexthops::new();
        if let Some(f) = ip_family(family) {
            r = r.family(f);
        }
        if self.index != 0 {
            r = r.device(self.index);
        }
        if self.master != 0 {
            r = r.master(self.master);
        }
        if self.groups {
            r = r.groups();
        }
        r
    }

    /// What the kernel does not filter: the protocol (ip too), and `fdb`,
    /// which ip sends and the kernel ignores (every nexthop comes back:
    /// `ip nexthop flush fdb` flushes them all). nlw keeps the FDB ones,
    /// as asked; see `IP_DIFFERENCES.md`.
    fn keeps(&self, n: &Nexthop) -> bool {
        (self.protocol == 0 || u32::from(n.protocol) == self.protocol) && (!self.fdb || n.fdb)
    }
}

/// `ipnh_parse_id`.
fn parse_id(s: &str) -> Result<u32, Fail> {
    get_u32(s).ok_or_else(|| invarg("invalid id value", s))
}

/// What `show` and `flush` were asked: nexthops matching a filter, or
/// one by id (`id ID` ends the selectors).
enum Selection {
    Filter(Filter, bool),
    Id(u32),
}

/// The `nhmsg` family `-4`/`-6` ask for (none for `-0` and the others).
fn ip_family(family: Option<u8>) -> Option<u8> {
    family.filter(|&f| f == AF_INET || f == AF_INET6)
}

/// A link selector of `nexthop show` and `nexthop bucket show`.
enum LinkSel {
    /// `dev DEV`.
    Dev(u32),
    /// `master DEV` or `vrf NAME`.
    Master(u32),
}

/// The link selectors ip's nexthop lists share (`dev`, `master`, `vrf`,
/// each a prefix): `None` when `t` is none of them.
fn link_selector(t: &str, a: &mut Argv, links: &[Link]) -> Result<Option<LinkSel>, Fail> {
    let index_of = |n: &str| links.iter().find(|l| l.name == n);
    Ok(Some(if matches(t, "dev") || matches(t, "master") {
        let d = a.need()?;
        let i = index_of(d)
            .ok_or_else(|| invarg("Device does not exist\n", d))?
            .index;
        if matches(t, "dev") {
            LinkSel::Dev(i)
        } else {
            LinkSel::Master(i)
        }
    } else if matches(t, "vrf") {
        let d = a.need()?;
        let l = index_of(d).filter(|l| l.kind.as_deref() == Some("vrf"));
        LinkSel::Master(l.ok_or_else(|| invarg("Invalid VRF\n", d))?.index)
    } else {
        return Ok(None);
    }))
}

/// `ipnh_list_flush`'s selectors.
fn selectors(links: &[Link], args: &[String]) -> Result<Selection, Fail> {
    let mut f = Filter::default();
    let all = args.is_empty();
    let mut a = Argv::new(args);
    while let Some(t) = a.next() {
        if let Some(sel) = link_selector(t, &mut a, links)? {
            match sel {
                LinkSel::Dev(i) => f.index = i,
                LinkSel::Master(i) => f.master = i,
            }
        } else if matches(t, "groups") {
            f.groups = true;
        } else if t == "id" {
            return Ok(Selection::Id(parse_id(a.need()?)?));
        } else if matches(t, "protocol") {
            let v = a.need()?;
            f.protocol = get_u32(v).ok_or_else(|| invarg("invalid protocol value", v))?;
        } else if matches(t, "fdb") {
            f.fdb = true;
        } else if matches(t, "help") {
            return Err(crate::usage_err(""));
        } else {
            return Err(invarg("", t));
        }
    }
    Ok(Selection::Filter(f, all))
}

/// `nexthop show|list [SELECTORS]`.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let links = all_links(conn)?;
    match selectors(&links, args)? {
        Selection::Id(id) => print_one(conn, o, id, &links, out),
        Selection::Filter(f, _) => {
            let names = name_map(&links);
            let mut p = Printer::for_opts(&mut *out, o)?;
            for n in crate::as_ip(conn.dump(f.request(o.family))) {
                let n = n?;
                if f.keeps(&n) {
                    print_nexthop(&mut p, &n, &names, false)?;
                }
            }
            p.finish()?;
            Ok(())
        }
    }
}

/// `nexthop get id ID` (and `show id ID`).
pub fn get(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut id = 0;
    let mut a = Argv::new(args);
    while let Some(t) = a.next() {
        if t == "id" {
            id = parse_id(a.need()?)?;
        } else {
            return Err(crate::usage_err(""));
        }
    }
    if id == 0 {
        return Err(crate::usage_err(""));
    }
    let links = all_links(conn)?;
    print_one(conn, o, id, &links, out)
}

/// Nexthop `id`, read by id and printed (`links` name its device).
fn print_one(
    conn: &mut Connection,
    o: &Opts,
    id: u32,
    links: &[Link],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let n: Nexthop = match GetNexthop::new(id) {
        Ok(req) => conn.get(req)?,
        // What the kernel answers for id 0.
        Err(_) => return Err(Fail("Error: Invalid nexthop id.".into(), 2)),
    };
    let names = name_map(links);
    let mut p = Printer::for_opts(&mut *out, o)?;
    print_nexthop(&mut p, &n, &names, false)?;
    p.finish()?;
    Ok(())
}

/// `nexthop flush [SELECTORS]`: without selectors, the groups first,
/// then the rest; prints how many went (on stdout, even with `-j`).
pub fn flush(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let (mut f, all) = match selectors(&all_links(conn)?, args)? {
        Selection::Id(id) => {
            // A single delete; its failure is ip's `return -1`.
            return match delete(conn, id) {
                Ok(()) => Ok(()),
                Err(Fail(m, _)) => Err(Fail(m, 1)),
            };
        }
        Selection::Filter(f, all) => (f, all),
    };
    if all {
        f.groups = true;
    }
    let mut flushed = 0;
    loop {
        let listed: Vec<Nexthop> = crate::snapshot(conn, f.request(o.family))?;
        for n in listed.iter().filter(|n| f.keeps(n)) {
            match delete(conn, n.id) {
                Ok(()) => flushed += 1,
                Err(Fail(m, _)) => eprintln!("{m}"),
            }
        }
        if all && f.groups {
            f.groups = false;
            continue;
        }
        break;
    }
    if flushed == 0 {
        writeln!(out, "Nothing to flush")?;
    } else {
        writeln!(out, "Flushed {flushed} nexthops")?;
    }
    Ok(())
}

fn delete(conn: &mut Connection, id: u32) -> Result<(), Fail> {
    let r = NexthopRequest::delete(id).map_err(|_| Fail("Error: Invalid nexthop id.".into(), 2))?;
    conn.request(r)?;
    Ok(())
}

/// `add_nh_group_attr`: `ID[,WEIGHT]/…`.
fn parse_group(s: &str) -> Result<Vec<GroupMember>, Fail> {
    // ip cuts its argument in place as it reads (at the first entry's `/`
    // and `,`), so its message shows what comes before those.
    let shown = &s[..s.find(['/', ',']).unwrap_or(s.len())];
    let bad = || invarg("\"group\" value is invalid\n", shown);
    if s.is_empty() {
        return Err(bad());
    }
    let mut v = Vec::new();
    for e in s.split('/') {
        let (id, w) = match e.split_once(',') {
            Some((id, w)) => (id, Some(w)),
            None => (e, None),
        };
        let id = get_u32(id).ok_or_else(bad)?;
        let m = match w {
            None => GroupMember::new(id),
            Some(w) => {
                let bad_w = || invarg("\"weight\" is invalid\n", w);
                let w = get_u32(w)
                    .filter(|&w| (1..=65536).contains(&w))
                    .ok_or_else(bad_w)?;
                // ip takes 65536 and sends it; the kernel refuses it with
                // this (a `GroupMember` cannot carry it).
                let w = u16::try_from(w)
                    .map_err(|_| Fail("Error: Invalid value for weight.".into(), 2))?;
                GroupMember::weighted(id, w)?
            }
        };
        v.push(m);
    }
    Ok(v)
}

/// What `ipnh_modify` reads; the request is built from it afterwards
/// (the group borrows its members).
#[derive(Default)]
struct Spec {
    id: u32,
    family: Option<u8>,
    oif: Option<u32>,
    gateway: Option<std::net::IpAddr>,
    blackhole: bool,
    fdb: bool,
    onlink: bool,
    group: Option<Vec<GroupMember>>,
    resilient: Option<ResGroup>,
    protocol: Option<u8>,
}

/// `nexthop add|replace|del …` as iproute2's `ipnh_modify` reads it:
/// every keyword is sent as given, and the kernel judges the whole.
pub fn modify(
    cmd: &str,
    args: &[String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
    family: Option<u8>,
) -> Result<Box<dyn nlwire::request::Request>, Fail> {
    let mut s = Spec {
        family: ip_family(family),
        ..Default::default()
    };
    let mut a = Argv::new(args);
    while let Some(t) = a.next() {
        match t {
            "id" => s.id = parse_id(a.need()?)?,
            "dev" => {
                let d = a.need()?;
                let i = ctx
                    .index(conn, d)
                    .map_err(|_| invarg("Device does not exist\n", d))?;
                s.oif = Some(i);
                s.family.get_or_insert(AF_INET);
            }
            "via" => {
                let mut v = a.need()?;
                let mut fam = s.family;
                match v {
                    "inet" => {
                        fam = Some(AF_INET);
                        v = a.need()?;
                    }
                    "inet6" => {
                        fam = Some(AF_INET6);
                        v = a.need()?;
                    }
                    _ => {}
                }
                let addr = crate::args::get_addr(v, fam)?;
                match s.family {
                    None => s.family = Some(family_of(&addr)),
                    Some(f) if f != family_of(&addr) => {
                        return Err(invarg("address family mismatch\n", v));
                    }
                    Some(_) => {}
                }
                s.gateway = Some(addr);
            }
            "encap" => {
                return Err(crate::fail255(
                    "Error: \"encap\" is not supported by nlw (yet); ip has it.",
                ));
            }
            "hw_stats" => {
                return Err(crate::fail255(
                    "Error: \"hw_stats\" is not supported by nlw (yet); ip has it.",
                ));
            }
            "blackhole" => {
                s.blackhole = true;
                s.family.get_or_insert(AF_INET);
            }
            "fdb" => s.fdb = true,
            "onlink" => s.onlink = true,
            "group" => s.group = Some(parse_group(a.need()?)?),
            "type" => {
                let v = a.need()?;
                // `read_nh_group_type`: the whole word.
                if v == "mpath" {
                    // The kernel's default: nothing to send.
                } else if v == "resilient" {
                    let mut r = ResGroup::default();
                    loop {
                        match a.peek() {
                            Some("buckets") => {
                                a.next();
                                let b = a.need()?;
                                r.buckets = Some(
                                    get_u32(b)
                                        .and_then(|b| u16::try_from(b).ok())
                                        .ok_or_else(|| invarg("invalid buckets value", b))?,
                                );
                            }
                            Some(k @ ("idle_timer" | "unbalanced_timer")) => {
                                a.next();
                                let v = a.need()?;
                                let what = if k == "idle_timer" {
                                    "invalid idle timer value"
                                } else {
                                    "invalid unbalanced timer value"
                                };
                                let secs = get_u32(v)
                                    .filter(|&x| x < u32::MAX / 100)
                                    .ok_or_else(|| invarg(what, v))?;
                                if k == "idle_timer" {
                                    r.idle_timer = Some(secs * 100);
                                } else {
                                    r.unbalanced_timer = Some(secs * 100);
                                }
                            }
                            _ => break,
                        }
                    }
                    s.resilient = Some(r);
                } else {
                    return Err(invarg("\"type\" value is invalid\n", v));
                }
            }
            t if matches(t, "protocol") => {
                let v = a.need()?;
                s.protocol = Some(
                    names::parse_protocol(v)
                        .ok_or_else(|| invarg("\"protocol\" value is invalid\n", v))?,
                );
            }
            "help" => return Err(crate::usage_err("")),
            t => return Err(invarg("", t)),
        }
    }
    // The kernel's answers to a missing id where it needs one, given
    // here as it gives them (nlwire refuses to build such a request).
    let no_id = |what: &str| Fail(format!("Error: {what}"), 2);
    let r = match cmd {
        "add" => NexthopRequest::add(s.id)?,
        "replace" if s.id == 0 => return Err(no_id("Replace requires nexthop id.")),
        "replace" => NexthopRequest::replace(s.id)?,
        _ if s.id == 0 && !args.iter().any(|x| x == "id") => {
            return Err(no_id("Nexthop id is missing."));
        }
        _ if s.id == 0 => return Err(no_id("Invalid nexthop id.")),
        _ => NexthopRequest::delete(s.id)?,
    };
    let mut r = r;
    if let Some(f) = s.family {
        r = r.family(f)?;
    }
    if let Some(i) = s.oif {
        r = r.device(i);
    }
    if let Some(g) = s.gateway {
        r = r.gateway(g);
    }
    if s.blackhole {
        r = r.blackhole();
    }
    if s.fdb {
        r = r.fdb();
    }
    if s.onlink {
        r = r.onlink();
    }
    if let Some(p) = s.protocol {
        r = r.protocol(p);
    }
    if let Some(res) = s.resilient {
        r = r.resilient(res);
    }
    let encoded = match &s.group {
        Some(m) if m.is_empty() => return Err(invarg("\"group\" value is invalid\n", "")),
        Some(m) => crate::edit::Encoded::of(&r.group(m)?)?,
        None => crate::edit::Encoded::of(&r)?,
    };
    Ok(Box::new(encoded))
}

/// `nexthop bucket …` (`do_ipnh_bucket`): `show|list [SELECTORS]` and
/// `get id ID index INDEX`.
pub fn bucket(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return bucket_list(conn, o, &[], out);
    };
    let tail = &args[1..];
    if matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst") {
        bucket_list(conn, o, tail, out)
    } else if matches(cmd, "get") {
        bucket_get(conn, o, tail, out)
    } else if matches(cmd, "help") {
        Err(crate::usage_err(""))
    } else {
        Err(crate::fail255(format!(
            "Command \"{cmd}\" is unknown, try \"nlw nexthop help\"."
        )))
    }
}

/// `ipnh_bucket_list`.
fn bucket_list(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let links = all_links(conn)?;
    let mut req = GetNexthopBuckets::new();
    if let Some(f) = ip_family(o.family) {
        req = req.family(f);
    }
    let mut a = Argv::new(args);
    while let Some(t) = a.next() {
        if let Some(sel) = link_selector(t, &mut a, &links)? {
            req = match sel {
                LinkSel::Dev(i) => req.device(i),
                LinkSel::Master(i) => req.master(i),
            };
        } else if t == "id" {
            req = req.group(parse_id(a.need()?)?);
        } else if t == "nhid" {
            req = req.member(parse_id(a.need()?)?);
        } else if matches(t, "help") {
            return Err(crate::usage_err(""));
        } else {
            return Err(invarg("", t));
        }
    }
    let mut p = Printer::for_opts(&mut *out, o)?;
    for b in crate::as_ip(conn.dump(req)) {
        print_bucket(&mut p, &b.map_err(crate::dump_failed)?)?;
    }
    p.finish()?;
    Ok(())
}

/// `ipnh_bucket_get`.
fn bucket_get(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let (mut id, mut index) = (0, None);
    let mut a = Argv::new(args);
    while let Some(t) = a.next() {
        if t == "id" {
            id = parse_id(a.need()?)?;
        } else if t == "index" {
            let v = a.need()?;
            index = Some(
                get_u32(v)
                    .and_then(|i| u16::try_from(i).ok())
                    .ok_or_else(|| invarg("invalid bucket index value", v))?,
            );
        } else {
            return Err(crate::usage_err(""));
        }
    }
    // ip's `!id || !bucket_valid`: usage.
    let Some(mut req) = index.and_then(|i| GetNexthopBucket::new(id, i).ok()) else {
        return Err(crate::usage_err(""));
    };
    if let Some(f) = ip_family(o.family) {
        req = req.family(f);
    }
    let b: NexthopBucket = conn.get(req)?;
    let mut p = Printer::for_opts(&mut *out, o)?;
    print_bucket(&mut p, &b)?;
    p.finish()?;
    Ok(())
}

/// `print_nexthop_bucket`: one bucket, a line of its own.
pub fn print_bucket<W: Write>(p: &mut Printer<W>, b: &NexthopBucket) -> io::Result<()> {
    p.open_object(None)?;
    p.num("id", "id {} ", b.id)?;
    p.open_object(Some("bucket"))?;
    p.num("index", "index {} ", b.index)?;
    if let Some(t) = b.idle_time {
        p.num("idle_time", "idle_time {} ", seconds(t))?;
    }
    p.num("nhid", "nhid {} ", b.nhid)?;
    p.close_object()?;
    crate::route::rt_flags(p, b.flags)?;
    p.text("\n")?;
    p.close_object()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_g() {
        for (v, s) in [
            (0.0, "0"),
            (60.0, "60"),
            (708.75, "708.75"),
            (0.73, "0.73"),
            (5.5, "5.5"),
            (1_234_567.0, "1.23457e+06"),
            (120.0, "120"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
        ] {
            assert_eq!(g(v), s, "{v}");
        }
        assert_eq!(seconds(6000), "60");
        assert_eq!(seconds(70875), "708.75");
    }

    #[test]
    fn groups_read_as_ip_reads_them() {
        let m = parse_group("1,3/8,10/2").unwrap();
        assert_eq!(
            m,
            [
                GroupMember::weighted(1, 3).unwrap(),
                GroupMember::weighted(8, 10).unwrap(),
                GroupMember::new(2)
            ]
        );
        assert!(parse_group("1,0").is_err());
        assert!(parse_group("x").is_err());
        assert!(parse_group("1,65537").is_err());
        assert_eq!(parse_group("0x10").unwrap(), [GroupMember::new(16)]);
    }
}
