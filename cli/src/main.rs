//! `nlw` — an `ip`-like command line tool built on nlwire.
//!
//! ```text
//! nlw [-n NETNS] [-j] [-4|-6] link show [DEV]
//! nlw [-n NETNS] [-j] [-4|-6] route show [table all|main|local|default|N]
//! ```
//!
//! Text output follows `ip`; `-j` prints a JSON array with `ip -j`'s keys.

mod json;
mod names;

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use nlwire::route::{GetLinks, GetRoutes, Link, Route};
use nlwire_mio::Connection;

use crate::json::JsonOut;

const USAGE: &str = "\
Usage: nlw [OPTIONS] OBJECT COMMAND
  OBJECT := link | route
  OPTIONS := -n NETNS | -j | -4 | -6 | -h
    nlw link show [[dev] DEV]
    nlw route show [table all|main|local|default|N]
";

/// `IFLA_LINK_NETNSID`.
const IFLA_LINK_NETNSID: u16 = 37;
/// `RTM_F_CLONED`.
const RTM_F_CLONED: u32 = 0x200;

#[derive(Debug, Default)]
struct Opts {
    netns: Option<String>,
    json: bool,
    family: Option<u8>,
}

/// A failure to report: the message, and the exit code.
struct Fail(String, u8);

impl From<nlwire::Error> for Fail {
    fn from(e: nlwire::Error) -> Self {
        Fail(format!("Error: {e}"), 2)
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail(format!("Error: writing output: {e}"), 1)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg, code)) => {
            // A closed pipe (`nlw … | head`) is not worth a message.
            if !msg.contains("Broken pipe") {
                eprintln!("{msg}");
            }
            ExitCode::from(code)
        }
    }
}

fn usage_err(msg: impl Into<String>) -> Fail {
    Fail(format!("{}\n{USAGE}", msg.into()), 255)
}

fn run(args: &[String]) -> Result<(), Fail> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        match args[i].as_str() {
            "-n" | "-netns" | "--netns" => {
                i += 1;
                o.netns = Some(
                    args.get(i)
                        .ok_or_else(|| usage_err("Option \"-n\" needs a namespace name"))?
                        .clone(),
                );
            }
            "-j" | "-json" | "--json" => o.json = true,
            "-4" => o.family = Some(nlwire::route::AF_INET),
            "-6" => o.family = Some(nlwire::route::AF_INET6),
            "-h" | "-help" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(usage_err(format!("Option \"{other}\" is unknown"))),
        }
        i += 1;
    }
    let rest = &args[i..];
    let Some(object) = rest.first() else {
        return Err(usage_err("Missing object"));
    };
    let mut conn = match &o.netns {
        None => Connection::new()?,
        Some(ns) => {
            let path = if ns.contains('/') {
                ns.clone()
            } else {
                format!("/var/run/netns/{ns}")
            };
            Connection::new_in_netns(&path)
                .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255))?
        }
    };
    let cmd = rest.get(1).map(String::as_str).unwrap_or("show");
    let tail = rest.get(2..).unwrap_or(&[]);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    match (object.as_str(), cmd) {
        ("link" | "l" | "li" | "lin", "show" | "list" | "ls" | "lst" | "sh") => {
            link_show(&mut conn, &o, tail, &mut out)?
        }
        ("route" | "r" | "ro" | "rou" | "rout", "show" | "list" | "ls" | "lst" | "sh") => {
            route_show(&mut conn, &o, tail, &mut out)?
        }
        ("link" | "l" | "li" | "lin" | "route" | "r" | "ro" | "rou" | "rout", c) => {
            return Err(usage_err(format!(
                "Command \"{c}\" is unknown or not supported yet"
            )));
        }
        (obj, _) => return Err(usage_err(format!("Object \"{obj}\" is unknown"))),
    }
    out.flush()?;
    Ok(())
}

fn all_links(conn: &mut Connection) -> Result<Vec<Link>, Fail> {
    Ok(conn.dump(GetLinks::new()).collect::<Result<Vec<_>, _>>()?)
}

fn name_map(links: &[Link]) -> HashMap<u32, &str> {
    links.iter().map(|l| (l.index, l.name.as_str())).collect()
}

fn if_name(names: &HashMap<u32, &str>, idx: u32) -> String {
    names
        .get(&idx)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("if{idx}"))
}

fn link_show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut dev: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "dev" => {
                dev = Some(
                    it.next()
                        .ok_or_else(|| usage_err("Command line is not complete"))?,
                )
            }
            d if dev.is_none() => dev = Some(d),
            x => {
                return Err(usage_err(format!(
                    "Either \"dev\" is duplicate, or \"{x}\" is garbage"
                )));
            }
        }
    }
    if let Some(d) = dev {
        nlwire::route::validate_ifname(d)
            .map_err(|e| Fail(format!("Error: argument \"{d}\" is wrong: {e}"), 1))?;
    }
    let links = all_links(conn)?;
    let names = name_map(&links);
    let links_by_index: HashMap<u32, &Link> = links.iter().map(|l| (l.index, l)).collect();
    let shown: Vec<&Link> = links
        .iter()
        .filter(|l| dev.is_none_or(|d| l.name == d))
        .collect();
    if let (Some(d), true) = (dev, shown.is_empty()) {
        return Err(Fail(format!("Device \"{d}\" does not exist."), 1));
    }
    if o.json {
        let mut j = JsonOut::new(&mut *out)?;
        for l in shown {
            j.begin()?;
            j.num("ifindex", l.index)?;
            link_ref(l, &names, |k, v| match v {
                LinkRef::Name(n) => j.str(k, &n),
                LinkRef::Num(n) => j.num(k, n),
            })?;
            j.str("ifname", &l.name)?;
            let flags = link_flags(l, &links_by_index);
            j.str_array("flags", flags.iter().map(|c| c.as_ref()))?;
            if let Some(m) = l.mtu {
                j.num("mtu", m)?;
            }
            if let Some(q) = &l.qdisc {
                j.str("qdisc", q)?;
            }
            if let Some(m) = l.master {
                j.str("master", &if_name(&names, m))?;
            }
            if let Some(s) = l.operstate {
                j.str("operstate", s.as_str())?;
            }
            if let Some(q) = l.txqlen {
                j.num("txqlen", q)?;
            }
            j.str("link_type", &names::link_type(l.link_type))?;
            if let Some(a) = &l.address {
                j.display("address", a)?;
            }
            if let Some(b) = &l.broadcast {
                j.display("broadcast", b)?;
            }
            j.end()?;
        }
        j.finish()?;
    } else {
        for l in shown {
            write!(out, "{}: {}", l.index, l.name)?;
            link_ref(l, &names, |k, v| match (k, v) {
                ("link", LinkRef::Name(n)) => write!(out, "@{n}"),
                ("link_index", LinkRef::Num(n)) => write!(out, "@if{n}"),
                _ => Ok(()),
            })?;
            write!(out, ": <{}>", link_flags(l, &links_by_index).join(","))?;
            if let Some(m) = l.mtu {
                write!(out, " mtu {m}")?;
            }
            if let Some(q) = &l.qdisc {
                write!(out, " qdisc {q}")?;
            }
            if let Some(m) = l.master {
                write!(out, " master {}", if_name(&names, m))?;
            }
            if let Some(s) = l.operstate {
                write!(out, " state {}", s.as_str())?;
            }
            if let Some(q) = l.txqlen {
                write!(out, " qlen {q}")?;
            }
            write!(out, "\n    link/{}", names::link_type(l.link_type))?;
            if let Some(a) = &l.address {
                write!(out, " {a}")?;
            }
            if let Some(b) = &l.broadcast {
                write!(out, " brd {b}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `ip`'s flag list, with `M-DOWN` when the peer link (same namespace) is
/// down.
fn link_flags(l: &Link, by_index: &HashMap<u32, &Link>) -> Vec<std::borrow::Cow<'static, str>> {
    let mut f = names::link_flags(l.flags);
    let same_ns = l.other.get(IFLA_LINK_NETNSID).is_none();
    if same_ns
        && let Some(peer) = l.link.filter(|&i| i != 0).and_then(|i| by_index.get(&i))
        && !peer.is_up()
    {
        f.push("M-DOWN".into());
    }
    f
}

enum LinkRef {
    Name(String),
    Num(u32),
}

/// The `link` / `link_index` + `link_netnsid` keys `ip` prints.
fn link_ref(
    l: &Link,
    names: &HashMap<u32, &str>,
    mut emit: impl FnMut(&str, LinkRef) -> io::Result<()>,
) -> io::Result<()> {
    let Some(link) = l.link else { return Ok(()) };
    if link == 0 {
        return emit("link", LinkRef::Name("NONE".into()));
    }
    match l.other.get(IFLA_LINK_NETNSID) {
        Some(nsid) if nsid.len() == 4 => {
            emit("link_index", LinkRef::Num(link))?;
            let id = i32::from_ne_bytes([nsid[0], nsid[1], nsid[2], nsid[3]]);
            emit("link_netnsid", LinkRef::Num(id as u32))
        }
        _ => emit("link", LinkRef::Name(if_name(names, link))),
    }
}

fn route_show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut table = Some(nlwire::route::route::RT_TABLE_MAIN);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "table" | "tab" | "t" => {
                let t = it
                    .next()
                    .ok_or_else(|| usage_err("Command line is not complete"))?;
                table = names::parse_table(t).map_err(|e| Fail(format!("Error: {e}"), 1))?;
            }
            x => {
                return Err(usage_err(format!(
                    "Route filter \"{x}\" is not supported yet"
                )));
            }
        }
    }
    // Like `ip`: no family given and a specific table → IPv4 only.
    let mut req = match (o.family, table) {
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
        .dump::<Route, _>(req)
        .filter(|r| !matches!(r, Ok(r) if r.flags & RTM_F_CLONED != 0));
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
fn route_json<W: Write>(
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
        j.display("gateway", g)?;
    }
    if let Some(oif) = r.oif {
        j.str("dev", &if_name(names, oif))?;
    }
    if show_table && r.table != nlwire::route::route::RT_TABLE_MAIN {
        j.str("table", &names::table(r.table))?;
    }
    if r.protocol != 3 {
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
    if let Some(p) = r.pref {
        j.str("pref", names::pref(p))?;
    }
    j.end()
}

struct SrcFmt(IpAddr, u8);

impl std::fmt::Display for SrcFmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
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

fn route_text(
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
        write!(out, "via {g} ")?;
    }
    if let Some(oif) = r.oif {
        write!(out, "dev {} ", if_name(names, oif))?;
    }
    if show_table && r.table != nlwire::route::route::RT_TABLE_MAIN {
        write!(out, "table {} ", names::table(r.table))?;
    }
    if r.protocol != 3 {
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
    if let Some(p) = r.pref {
        write!(out, "pref {}", names::pref(p))?;
    }
    writeln!(out)
}
