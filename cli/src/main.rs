//! `nlw` — an `ip`-like command line tool built on nlwire.
//!
//! ```text
//! nlw [-n NETNS] [-j] [-4|-6] link show|add|set|del …
//! nlw [-n NETNS] [-j] [-4|-6] address show|add|replace|del|flush …
//! nlw [-n NETNS] [-j] [-4|-6] route show|get|add|replace|append|del …
//! nlw [-n NETNS] [-force] -batch FILE
//! nlw [-n NETNS] [-j] wg show [IF] [dump] [--show-keys]
//! nlw [-n NETNS] wg watch IF… [--interval SECS]
//! ```
//!
//! Arguments follow `ip`'s syntax; text output follows `ip`; `-j` prints
//! a JSON array with `ip -j`'s keys. `-batch` runs a file of commands
//! through nlwire's batch API (many requests per datagram).

mod address;
mod edit;
mod json;
mod link;
mod names;
mod netns_cmd;
mod print;
mod rule;
mod show_route;
mod wg_cmd;

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use nlwire::route::{GetLinks, Link, Route};
use nlwire_mio::Connection;

use crate::json::JsonOut;

const USAGE: &str = "\
Usage: nlw [OPTIONS] OBJECT COMMAND
       nlw [-force] -batch FILE
  OBJECT := link | address | route | neigh | rule | netns | wg
  OPTIONS := -n NETNS | -j | -4 | -6 | -h
    nlw link show [[dev] DEV]
    nlw link add [link DEV] [name] NAME [mtu N] [address LLADDR] [netns NS]
                 type veth peer name P [netns NS] | bridge | dummy |
                 macvlan mode MODE | ipvlan mode MODE | vlan id ID |
                 vxlan id VNI [remote A] [local A] [dev DEV] [dstport P] |
                 bond [mode MODE]
    nlw link set [dev] DEV [up|down] [mtu N] [name NEW] [master DEV|nomaster]
                 [netns NS] [address LLADDR] [txqueuelen N] [alias TEXT]
    nlw link del [dev] DEV
    nlw address show [[dev] DEV]
    nlw address add|replace|del ADDR[/LEN] [peer ADDR[/LEN]] [broadcast A]
                 [label L] [valid_lft S|forever] [preferred_lft S|forever]
                 [nodad] [noprefixroute] [metric N] [scope S] dev DEV
    nlw address flush [dev] DEV
    nlw route show [table all|main|local|default|N] [[to] [exact|root|match] PREFIX]
    nlw route get ADDR [from ADDR] [oif DEV] [iif DEV] [mark N]
    nlw route add|replace|append|del [TYPE] PREFIX|default [via ADDR] [dev DEV]
                 [src ADDR] [metric N] [table T] [proto P] [scope S] [onlink]
                 [mtu N] [advmss N] [nexthop via ADDR [dev DEV] [weight W]]...
    nlw neigh show [proxy] [dev DEV]
    nlw neigh add|replace|del ADDR|proxy ADDR [lladdr LLADDR] [nud STATE]
                 [router] dev DEV
    nlw rule show
    nlw rule add|del [from PREFIX] [to PREFIX] [priority N] [fwmark M[/MASK]]
                 [iif DEV] [oif DEV] [table T | blackhole | unreachable |
                 prohibit | nop | goto N]
    nlw netns list
    nlw netns add|del NAME
    nlw netns exec NAME CMD [ARGS...]
    nlw netns watch
    nlw wg show [IF|all|interfaces] [dump] [--show-keys]
    nlw wg watch IF... [--interval SECS] [--count ROUNDS]
";

#[derive(Debug, Default)]
pub(crate) struct Opts {
    netns: Option<String>,
    pub(crate) json: bool,
    pub(crate) family: Option<u8>,
    batch: Option<String>,
    force: bool,
}

/// A failure to report: the message, and the exit code.
#[derive(Debug)]
pub(crate) struct Fail(pub(crate) String, pub(crate) u8);

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
            if !msg.is_empty() && !msg.contains("Broken pipe") {
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
            "-b" | "-batch" | "--batch" => {
                i += 1;
                o.batch = Some(
                    args.get(i)
                        .ok_or_else(|| usage_err("Option \"-batch\" needs a file name"))?
                        .clone(),
                );
            }
            "-force" | "--force" => o.force = true,
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
    if rest.is_empty() && o.batch.is_none() {
        return Err(usage_err("Missing object"));
    }
    if matches!(
        rest.first().map(String::as_str),
        Some("netns" | "net" | "netn")
    ) {
        // Namespace files, not netlink: no connection needed.
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        netns_cmd::run(&o, &rest[1..], &mut out)?;
        out.flush()?;
        return Ok(());
    }
    if matches!(rest.first().map(String::as_str), Some("wg" | "wireguard")) {
        // Generic netlink: the command opens its own connections.
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        wg_cmd::run(&o, &rest[1..], &mut out)?;
        out.flush()?;
        return Ok(());
    }
    let mut conn = match &o.netns {
        None => Connection::new()?,
        Some(ns) => Connection::new_in_netns(netns_path(ns))
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255))?,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut ctx = edit::Ctx::new();
    if let Some(file) = &o.batch {
        let r = run_batch(&mut conn, &o, file, &mut ctx, &mut out);
        out.flush()?;
        return r;
    }
    dispatch(&mut conn, &o, rest, &mut ctx, &mut out)?;
    out.flush()?;
    Ok(())
}

/// The namespace file `-n NS` names: a path, or a name under
/// `/var/run/netns` (as `ip -n`).
fn netns_path(ns: &str) -> String {
    if ns.contains('/') {
        ns.to_string()
    } else {
        format!("{}/{ns}", nlwire_mio::DEFAULT_NETNS_DIR)
    }
}

/// The object an argument names (`ip`'s abbreviations).
fn object_name(s: &str) -> Option<&'static str> {
    Some(match s {
        "link" | "l" | "li" | "lin" => "link",
        "address" | "a" | "addr" | "addre" | "addres" | "ad" | "adr" => "address",
        "route" | "r" | "ro" | "rou" | "rout" => "route",
        "neighbour" | "neighbor" | "neigh" | "n" | "ne" | "nei" => "neigh",
        "rule" | "ru" | "rul" => "rule",
        _ => return None,
    })
}

/// iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`.
pub(crate) fn matches(arg: &str, word: &str) -> bool {
    !arg.is_empty() && word.starts_with(arg)
}

fn is_show(cmd: &str) -> bool {
    matches!(cmd, "show" | "list" | "ls" | "lst" | "sh" | "s")
}

/// Runs one command line (`OBJECT CMD ARGS…`).
fn dispatch(
    conn: &mut Connection,
    o: &Opts,
    rest: &[String],
    ctx: &mut edit::Ctx,
    out: &mut impl Write,
) -> Result<(), Fail> {
    let object = rest.first().map(String::as_str).unwrap_or("");
    let obj =
        object_name(object).ok_or_else(|| usage_err(format!("Object \"{object}\" is unknown")))?;
    let cmd = rest.get(1).map(String::as_str).unwrap_or("show");
    let tail = rest.get(2..).unwrap_or(&[]);
    match (obj, cmd) {
        ("link", c) if is_show(c) => link::show(conn, o, tail, out),
        ("route", c) if is_show(c) => show_route::route_show(conn, o, tail, out),
        ("address", c) if is_show(c) => address::show(conn, o, tail, out),
        ("neigh", c) if is_show(c) => neigh_show(conn, o, tail, out, ctx),
        ("rule", c) if is_show(c) => rule::show(conn, o, tail, out),
        ("route", "get" | "g") => {
            let l = edit::route_get(tail, conn, ctx)?;
            let r: Route = conn.get(l)?;
            let links = all_links(conn)?;
            let names = name_map(&links);
            if o.json {
                let mut j = JsonOut::new(&mut *out)?;
                show_route::route_json(&mut j, &r, &names, true)?;
                j.finish()?;
            } else {
                show_route::route_text(out, &r, &names, true)?;
            }
            Ok(())
        }
        (obj, cmd) => {
            let c = edit::parse(obj, cmd, tail, conn, ctx, o.family)?;
            edit::execute(conn, c)
        }
    }
}

/// `-batch FILE`: every change goes into one nlwire batch (many requests
/// per datagram); a line that needs the kernel's current state (a `show`,
/// a link looked up by name after links changed) first sends what is
/// queued. Without `-force`, the run stops after the datagram holding the
/// first failure (requests of that datagram after the failing one have
/// been carried out by then).
fn run_batch(
    conn: &mut Connection,
    o: &Opts,
    file: &str,
    ctx: &mut edit::Ctx,
    out: &mut impl Write,
) -> Result<(), Fail> {
    let text = if file == "-" {
        io::read_to_string(io::stdin())?
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Fail(format!("Cannot open file \"{file}\" for reading: {e}"), 1))?
    };
    let opts = nlwire::BatchOptions::default().stop_on_error(!o.force);
    let mut batch = nlwire::Batch::new().options(opts);
    let mut lines_of: Vec<usize> = Vec::new();
    let mut failed = false;
    let flush = |conn: &mut Connection,
                 batch: &mut nlwire::Batch,
                 lines_of: &mut Vec<usize>|
     -> Result<bool, Fail> {
        if batch.is_empty() {
            return Ok(true);
        }
        let outcome = conn.batch(batch)?;
        for (i, e) in outcome.failures() {
            eprintln!("Error: {e}\nCommand failed {file}:{}", lines_of[*i]);
        }
        let ok = outcome.failures().is_empty();
        batch.clear();
        lines_of.clear();
        Ok(ok)
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        let lineno = n + 1;
        if ctx.stale && !batch.is_empty() {
            failed |= !flush(conn, &mut batch, &mut lines_of)?;
            if failed && !o.force {
                break;
            }
        }
        let object = object_name(&words[0]);
        let cmd = words.get(1).map(String::as_str).unwrap_or("show");
        let r = match object {
            Some(obj) if !(is_show(cmd) || obj == "route" && matches!(cmd, "get" | "g")) => {
                match edit::parse(obj, cmd, &words[2..], conn, ctx, o.family) {
                    Ok(edit::Cmd::Req(req)) => batch
                        .push(&*req)
                        .map(|_| {
                            lines_of.push(lineno);
                        })
                        .map_err(Fail::from),
                    Ok(c) => {
                        failed |= !flush(conn, &mut batch, &mut lines_of)?;
                        edit::execute(conn, c)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => {
                failed |= !flush(conn, &mut batch, &mut lines_of)?;
                dispatch(conn, o, &words, ctx, out)
            }
        };
        if let Err(Fail(msg, _)) = r {
            eprintln!("{msg}\nCommand failed {file}:{lineno}");
            failed = true;
        }
        if failed && !o.force {
            break;
        }
    }
    // Lines queued before a failing one ran under `ip` too: send them.
    failed |= !flush(conn, &mut batch, &mut lines_of)?;
    if failed {
        return Err(Fail(String::new(), 1));
    }
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

/// `neigh show [proxy] [dev DEV]`.
fn neigh_show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
    ctx: &mut edit::Ctx,
) -> Result<(), Fail> {
    use nlwire::route::neigh::nud_names;
    use nlwire::route::{GetNeighbours, Neighbour};
    let mut req = GetNeighbours::new();
    if let Some(f) = o.family {
        req = req.family(f);
    }
    let mut dev = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "proxy" => req = req.proxies(),
            "dev" => {
                let d = it
                    .next()
                    .ok_or_else(|| usage_err("Command line is not complete"))?;
                req = req.link(ctx.index(conn, d)?);
                dev = Some(d.clone());
            }
            x => {
                return Err(usage_err(format!(
                    "Neighbour filter \"{x}\" is not supported yet"
                )));
            }
        }
    }
    let links = all_links(conn)?;
    let names = name_map(&links);
    // Like `ip`: NOARP (and stateless) entries are hidden by default.
    let list: Vec<Neighbour> = conn
        .dump(req)
        .filter(|n| {
            n.as_ref().map_or(true, |n: &Neighbour| {
                n.is_proxy() || n.state & 0xff & !nlwire::route::neigh::NUD_NOARP != 0
            })
        })
        .collect::<Result<_, _>>()?;
    if o.json {
        let mut j = JsonOut::new(&mut *out)?;
        for n in &list {
            j.begin()?;
            if let Some(d) = n.dst {
                j.display("dst", d)?;
            }
            if dev.is_none() {
                j.str("dev", &if_name(&names, n.index))?;
            }
            if let Some(l) = &n.lladdr {
                j.display("lladdr", l)?;
            }
            if n.flags & nlwire::route::neigh::NTF_ROUTER != 0 {
                j.num("router", "null")?;
            }
            if n.is_proxy() {
                j.num("proxy", "null")?;
            } else {
                j.str_array("state", nud_names(n.state))?;
            }
            j.end()?;
        }
        j.finish()?;
    } else {
        for n in &list {
            if let Some(d) = n.dst {
                write!(out, "{d} ")?;
            }
            if dev.is_none() {
                write!(out, "dev {} ", if_name(&names, n.index))?;
            }
            if let Some(l) = &n.lladdr {
                write!(out, "lladdr {l} ")?;
            }
            if n.flags & nlwire::route::neigh::NTF_ROUTER != 0 {
                write!(out, "router ")?;
            }
            if n.is_proxy() {
                write!(out, "proxy")?;
            } else {
                write!(out, "{}", nud_names(n.state).collect::<Vec<_>>().join(" "))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
