//! `nlw` — an `ip`-like command line tool built on nlwire.
//!
//! ```text
//! nlw [-n NETNS] [-j] [-4|-6] link show|add|set|del …
//! nlw [-n NETNS] [-j] [-4|-6] address show|add|replace|del|flush …
//! nlw [-n NETNS] [-j] [-4|-6] route show|get|add|replace|append|del …
//! nlw [-n NETNS] [-force] -batch FILE
//! nlw [-n NETNS] [-j] wg show [IF] [dump] [--show-keys]
//! nlw [-n NETNS] bridge [-j] [-s] [-d] fdb show|get|add|append|replace|del|flush …
//! nlw [-n NETNS] wg watch IF… [--interval SECS]
//! nlw [-n NETNS] [-j] [-d] tuntap add|del|show …
//! ```
//!
//! Arguments follow `ip`'s syntax; text output follows `ip`; `-j` prints
//! a JSON array with `ip -j`'s keys. `-batch` runs a file of commands
//! through nlwire's batch API (many requests per datagram).

mod address;
mod args;
mod bridge;
mod edit;
mod flush;
mod kind_opts;
mod link;
mod link_kinds;
mod monitor;
mod names;
mod neigh;
mod netns_cmd;
mod nexthop;
mod print;
mod route;
mod rule;
mod tuntap;
mod wg_cmd;

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use nlwire::route::{GetLinks, Link, Route};
use nlwire_mio::Connection;

const USAGE: &str = "\
Usage: nlw [ OPTIONS ] OBJECT { COMMAND | help }
       nlw [ -force ] -batch filename
where  OBJECT := { address | link | neighbor | neighbour | netns | route |
                   rule | nexthop | monitor | tuntap | wg | bridge | help }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -j[son] |
                    -p[retty] | -f[amily] { inet | inet6 | link } |
                    -4 | -6 | -0 | -l[oops] { maximum-addr-flush-attempts } |
                    -br[ief] | -o[neline] | -t[imestamp] | -ts[hort] |
                    -b[atch] [filename] | -rc[vbuf] [size] | -n[etns] name |
                    -c[olor] }
Commands and their arguments are ip's (see ip(8)):
    link { add | set | change | delete | show } …
    address { add | change | replace | delete | show | flush } …
    route { add | change | replace | prepend | append | delete | show |
            flush | get } …
    neigh { add | change | replace | delete | show | flush | get } …
    rule { add | delete | show | flush } …
    nexthop { add | replace | delete | show | get | flush } …
    netns { list | add | set | delete | identify | pids | exec | monitor }
    tuntap { add | del | show | list | lst | help } …
    wg show [IF|all|interfaces] [dump] [--show-keys]
    wg watch IF... [--interval SECS] [--count ROUNDS]
    bridge [ BRIDGE-OPTIONS ] fdb { add | append | replace | delete | show |
            get | flush } … (bridge(8)'s syntax and output)
";

/// The global options (ip's `-…` before the object).
#[derive(Debug, Default, Clone)]
pub(crate) struct Opts {
    netns: Option<String>,
    /// `-j`.
    pub(crate) json: bool,
    /// `-p`: pretty JSON.
    pub(crate) pretty: bool,
    /// `-4`, `-6`, `-0` (`AF_PACKET`), `-f FAMILY`.
    pub(crate) family: Option<u8>,
    /// `-s`, counted.
    pub(crate) stats: u8,
    /// `-d`, counted.
    pub(crate) details: u8,
    /// `-o`.
    pub(crate) oneline: bool,
    /// `-br`.
    pub(crate) brief: bool,
    /// `-c`: colour names and addresses.
    pub(crate) color: bool,
    /// `-t` (1) or `-ts` (2).
    pub(crate) timestamp: u8,
    batch: Option<String>,
    force: bool,
    /// `-V`.
    version: bool,
}

/// `AF_PACKET`, what `-0` names.
pub(crate) const AF_PACKET: u8 = 17;

/// A failure to report: the message, and the exit code.
#[derive(Debug)]
pub(crate) struct Fail(pub(crate) String, pub(crate) u8);

impl From<nlwire::Error> for Fail {
    /// As ip reports a kernel error: the extended ack's message if the
    /// kernel gave one (`Error: MSG.`), else `RTNETLINK answers: STRERROR`;
    /// exit code 2.
    fn from(e: nlwire::Error) -> Self {
        if let nlwire::Error::Kernel(_) = &e {
            if let Some(m) = e.ext_ack_message().filter(|m| !m.is_empty()) {
                let dot = if m.ends_with('.') { "" } else { "." };
                return Fail(format!("Error: {m}{dot}"), 2);
            }
            if let Some(d) = e.errno().and_then(|n| n.description()) {
                return Fail(format!("RTNETLINK answers: {d}"), 2);
            }
        }
        Fail(format!("Error: {e}"), 2)
    }
}

impl From<nlwire::InvalidInput> for Fail {
    /// Input nlwire refuses before anything is sent.
    fn from(e: nlwire::InvalidInput) -> Self {
        Fail(format!("Error: {e}"), 1)
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail(format!("Error: writing output: {e}"), 1)
    }
}

/// A dump the kernel ended with an error, as ip's `rtnl_dump_done` and
/// callers report it: the extended ack's message if there is one, nothing
/// for a bare `ENOENT` or `EOPNOTSUPP`, else `RTNETLINK answers: …`; then
/// `Dump terminated`, exit 2.
pub(crate) fn dump_failed(e: nlwire::Error) -> Fail {
    let silent = e.ext_ack_message().is_none_or(str::is_empty)
        && matches!(
            e.errno(),
            Some(nlwire::Errno::ENOENT | nlwire::Errno::EOPNOTSUPP)
        );
    let Fail(msg, _) = Fail::from(e);
    if silent {
        Fail("Dump terminated".into(), 2)
    } else {
        Fail(format!("{msg}\nDump terminated"), 2)
    }
}

/// ip's `usage()`: the usage text on stderr, exit code 255; `msg` first
/// when there is one.
fn usage_err(msg: impl Into<String>) -> Fail {
    let msg = msg.into();
    if msg.is_empty() {
        Fail(USAGE.trim_end().to_string(), 255)
    } else {
        Fail(format!("{msg}\n{}", USAGE.trim_end()), 255)
    }
}

/// A one-line error with ip's exit code for bad usage (255).
pub(crate) fn fail255(msg: impl Into<String>) -> Fail {
    Fail(msg.into(), 255)
}

/// `-f FAMILY`'s names (ip's `read_family`).
fn read_family(s: &str) -> Option<u8> {
    Some(match s {
        "inet" => nlwire::route::AF_INET,
        "inet6" => nlwire::route::AF_INET6,
        "link" => AF_PACKET,
        "bridge" => 7,
        "mpls" => 28,
        _ => return None,
    })
}

/// Why a command failed: what nlw prints on stderr (empty when there is
/// nothing to print) and its exit code, as `ip` would have them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The message, without a trailing newline.
    pub message: String,
    /// The process exit code (`ip`'s: 1, 2 or 255).
    pub code: u8,
}

impl From<Fail> for Failure {
    fn from(Fail(message, code): Fail) -> Self {
        Failure { message, code }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (exit {})", self.message, self.code)
    }
}

impl std::error::Error for Failure {}

/// Runs one `nlw` command line (the arguments after the program name),
/// writing to stdout, as the binary does.
pub fn run(args: &[String]) -> Result<(), Failure> {
    run_inner(args).map_err(Failure::from)
}

/// Runs one `nlw` command line on `conn` instead of a connection nlw opens
/// itself, writing what it prints to `out`: for embedding nlw, and for
/// driving a simulated kernel (`nlwire-sim`) with `ip`'s syntax.
///
/// The options are nlw's, but `-n` is refused (`conn` is already in its
/// namespace); `-batch FILE` works. The objects that open connections of
/// their own (`netns`, `wg`, `bridge`, `tuntap`) and `monitor` are refused.
pub fn run_on(conn: &mut Connection, args: &[String], out: &mut impl Write) -> Result<(), Failure> {
    run_on_inner(conn, args, out).map_err(Failure::from)
}

fn run_on_inner(conn: &mut Connection, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let (o, i) = parse_options(args)?;
    if o.netns.is_some() {
        return Err(fail255("Error: -n is not available on a given connection"));
    }
    let rest = &args[i..];
    if let Some(w) = rest.first() {
        let refused = w == "bridge"
            || matches!(
                object_name(w),
                Some("netns" | "wg" | "tuntap" | "tap" | "monitor")
            );
        if refused {
            return Err(fail255(format!(
                "Object \"{w}\" opens its own connections; it cannot run on a given one"
            )));
        }
    }
    if rest.is_empty() && o.batch.is_none() {
        return Err(usage_err(""));
    }
    run_commands(conn, &o, rest, out)
}

/// The leading options of a command line, and where the rest begins.
fn parse_options(args: &[String]) -> Result<(Opts, usize), Fail> {
    let mut o = Opts::default();
    let mut i = 0;
    // ip's option loop: `--` ends it, `--opt` is `-opt`, and each name may
    // be shortened to any prefix (the first match in ip's order wins).
    let value = |i: usize, what: &str| {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| fail255(format!("Error: argument for \"{what}\" is missing")))
    };
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') {
            break;
        }
        let opt = arg
            .strip_prefix('-')
            .filter(|o| o.starts_with('-'))
            .unwrap_or(arg);
        let m = |name: &str| matches(opt, name);
        if m("-loops") {
            value(i, "loop count")?;
            i += 1;
        } else if m("-family") {
            let v = value(i, "family type")?;
            if v == "help" {
                return Err(usage_err(""));
            }
            o.family = Some(read_family(&v).ok_or_else(|| {
                fail255(format!(
                    "Error: argument \"{v}\" is wrong: invalid protocol family"
                ))
            })?);
            i += 1;
        } else if opt == "-4" {
            o.family = Some(nlwire::route::AF_INET);
        } else if opt == "-6" {
            o.family = Some(nlwire::route::AF_INET6);
        } else if opt == "-0" {
            o.family = Some(AF_PACKET);
        } else if opt == "-M" || opt == "-B" {
            return Err(fail255(format!(
                "Option \"{arg}\" (MPLS/bridge family) is not supported by nlw."
            )));
        } else if m("-human") || m("-human-readable") || m("-iec") || m("-resolve") {
            // Accepted; nlw prints numbers and addresses as they are.
        } else if m("-stats") || m("-statistics") {
            o.stats = o.stats.saturating_add(1);
        } else if m("-details") {
            o.details = o.details.saturating_add(1);
        } else if m("-oneline") {
            o.oneline = true;
        } else if m("-timestamp") {
            o.timestamp = o.timestamp.max(1);
        } else if m("-tshort") {
            o.timestamp = 2;
        } else if m("-Version") {
            o.version = true;
            return Ok((o, i + 1));
        } else if m("-force") {
            o.force = true;
        } else if m("-batch") {
            o.batch = Some(value(i, "batch file")?);
            i += 1;
        } else if m("-brief") {
            o.brief = true;
        } else if m("-json") {
            o.json = true;
        } else if m("-pretty") {
            o.pretty = true;
        } else if m("-rcvbuf") {
            let v = value(i, "rcvbuf size")?;
            if rule::parse_u32(&v).is_none() {
                return Err(fail255(format!("Invalid rcvbuf size '{v}'")));
            }
            i += 1;
        } else if let Some(c) = color_option(opt) {
            o.color = c?;
        } else if m("-help") {
            return Err(usage_err(""));
        } else if m("-netns") {
            o.netns = Some(value(i, "-netns")?);
            i += 1;
        } else if m("-Numeric") || m("-all") || opt == "-echo" {
            // Accepted (nlw prints numbers where ip has no name for them).
        } else {
            return Err(fail255(format!(
                "Option \"{opt}\" is unknown, try \"nlw -help\"."
            )));
        }
        i += 1;
    }
    Ok((o, i))
}

fn run_inner(args: &[String]) -> Result<(), Fail> {
    let (o, i) = parse_options(args)?;
    if o.version {
        let mut out = io::stdout().lock();
        writeln!(out, "nlw utility, nlwire-{}", env!("CARGO_PKG_VERSION"))?;
        return Ok(());
    }
    let rest = &args[i..];
    if rest.is_empty() && o.batch.is_none() {
        return Err(usage_err(""));
    }
    let obj = match rest.first() {
        Some(w) if w == "bridge" => Some("bridge"),
        Some(w) => Some(
            object_name(w)
                .ok_or_else(|| Fail(format!("Object \"{w}\" is unknown, try \"nlw help\"."), 1))?,
        ),
        None => None,
    };
    if obj == Some("help") {
        return Err(usage_err(""));
    }
    if obj == Some("netns") {
        // Namespace files, not netlink: no connection needed.
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        netns_cmd::run(&o, &rest[1..], &mut out)?;
        out.flush()?;
        return Ok(());
    }
    if rest.first().map(String::as_str) == Some("bridge") {
        // iproute2's `bridge` program: its own options and objects.
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let r = bridge::run(&o, &rest[1..], &mut out);
        out.flush()?;
        return r;
    }
    if obj == Some("wg") {
        // Generic netlink: the command opens its own connections.
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        wg_cmd::run(&o, &rest[1..], &mut out)?;
        out.flush()?;
        return Ok(());
    }
    let mut conn = open(&o)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let r = run_commands(&mut conn, &o, rest, &mut out);
    out.flush()?;
    r
}

/// The `-batch` file, or the one command line `rest`, on `conn`.
fn run_commands(
    conn: &mut Connection,
    o: &Opts,
    rest: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut ctx = edit::Ctx::new();
    match &o.batch {
        Some(file) => run_batch(conn, o, file, &mut ctx, out),
        None => dispatch(conn, o, rest, &mut ctx, out),
    }
}

/// The connection the options ask for: in the namespace of `-n`, else
/// in nlw's own.
fn open(o: &Opts) -> Result<Connection, Fail> {
    Ok(match &o.netns {
        None => Connection::new()?,
        Some(ns) => Connection::new_in_netns(netns_path(ns))
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255))?,
    })
}

/// `-c[olor][=always|auto|never]`: `Some` when `opt` is the colour option
/// (`auto` colours only a terminal).
fn color_option(opt: &str) -> Option<Result<bool, Fail>> {
    let (name, val) = match opt.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (opt, None),
    };
    if !matches(name, "-color") {
        return None;
    }
    use std::io::IsTerminal;
    Some(match val {
        None | Some("always") => Ok(true),
        Some("never") => Ok(false),
        Some("auto") => Ok(io::stdout().is_terminal()),
        Some(_) => Err(fail255(format!(
            "Option \"{opt}\" is unknown, try \"nlw -help\"."
        ))),
    })
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

/// The objects, in ip's order: an argument names the first one it is a
/// prefix of (`ip`'s `do_cmd`). Those nlw does not implement are listed so
/// that their abbreviations resolve as in ip.
const OBJECTS: &[&str] = &[
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "help",
    "stats",
    "wg",
    "wireguard",
];

/// The object an argument names, as ip resolves abbreviations; `None`
/// for no object at all.
fn object_name(s: &str) -> Option<&'static str> {
    let o = OBJECTS.iter().find(|o| matches(s, o))?;
    Some(match *o {
        "neighbor" | "neighbour" => "neigh",
        "wireguard" => "wg",
        o => o,
    })
}

/// iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`.
pub(crate) fn matches(arg: &str, word: &str) -> bool {
    !arg.is_empty() && word.starts_with(arg)
}

/// Each object's commands in ip's order, with the name nlw handles each
/// under (`list`, `lst` are `show`; `chg` is `change`).
fn commands(obj: &str) -> &'static [(&'static str, &'static str)] {
    match obj {
        "address" => &[
            ("add", "add"),
            ("change", "change"),
            ("replace", "replace"),
            ("delete", "delete"),
            ("list", "show"),
            ("show", "show"),
            ("lst", "show"),
            ("flush", "flush"),
            ("save", "save"),
            ("showdump", "showdump"),
            ("restore", "restore"),
            ("help", "help"),
        ],
        "route" => &[
            ("add", "add"),
            ("change", "change"),
            ("replace", "replace"),
            ("prepend", "prepend"),
            ("append", "append"),
            ("test", "test"),
            ("delete", "delete"),
            ("list", "show"),
            ("show", "show"),
            ("lst", "show"),
            ("get", "get"),
            ("flush", "flush"),
            ("save", "save"),
            ("restore", "restore"),
            ("showdump", "showdump"),
            ("help", "help"),
        ],
        "link" => &[
            ("add", "add"),
            ("set", "set"),
            ("change", "set"),
            ("replace", "replace"),
            ("delete", "delete"),
            ("show", "show"),
            ("lst", "show"),
            ("list", "show"),
            ("xstats", "xstats"),
            ("afstats", "afstats"),
            ("property", "property"),
            ("help", "help"),
        ],
        "neigh" => &[
            ("add", "add"),
            ("change", "change"),
            ("replace", "replace"),
            ("delete", "delete"),
            ("get", "get"),
            ("show", "show"),
            ("lst", "show"),
            ("list", "show"),
            ("flush", "flush"),
            ("help", "help"),
        ],
        "rule" => &[
            ("list", "show"),
            ("lst", "show"),
            ("show", "show"),
            ("save", "save"),
            ("restore", "restore"),
            ("add", "add"),
            ("delete", "delete"),
            ("flush", "flush"),
            ("help", "help"),
        ],
        "nexthop" => &[
            ("add", "add"),
            ("replace", "replace"),
            ("delete", "delete"),
            ("list", "show"),
            ("show", "show"),
            ("lst", "show"),
            ("get", "get"),
            ("flush", "flush"),
            ("bucket", "bucket"),
            ("help", "help"),
        ],
        _ => &[],
    }
}

/// The command `arg` names for `obj` (ip's matching; `chg` is `change`),
/// or ip's error for an unknown one.
fn resolve_command(obj: &str, arg: Option<&str>) -> Result<&'static str, Fail> {
    let Some(arg) = arg else { return Ok("show") };
    if arg == "chg" && obj != "link" && obj != "rule" {
        return Ok("change");
    }
    commands(obj)
        .iter()
        .find(|(name, _)| matches(arg, name))
        .map(|(_, canon)| *canon)
        .ok_or_else(|| {
            fail255(format!(
                "Command \"{arg}\" is unknown, try \"nlw {obj} help\"."
            ))
        })
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
    let obj = object_name(object).ok_or_else(|| {
        Fail(
            format!("Object \"{object}\" is unknown, try \"nlw help\"."),
            1,
        )
    })?;
    if obj == "help" {
        return Err(usage_err(""));
    }
    if obj == "monitor" {
        return monitor::run(conn, o, rest.get(1..).unwrap_or(&[]), out);
    }
    if obj == "tuntap" || obj == "tap" {
        return tuntap::run(conn, o, rest.get(1..).unwrap_or(&[]), out);
    }
    if commands(obj).is_empty() {
        return Err(fail255(format!(
            "Object \"{obj}\" is not supported by nlw (yet); ip has it."
        )));
    }
    let cmd = resolve_command(obj, rest.get(1).map(String::as_str))?;
    let tail = rest.get(2..).unwrap_or(&[]);
    match (obj, cmd) {
        (_, "help") => Err(usage_err("")),
        ("link", "show") => link::show(conn, o, tail, out),
        ("route", "show") => route::show(conn, o, tail, out),
        ("address", "show") => address::show(conn, o, tail, out),
        ("neigh", "show") => neigh::show(conn, o, tail, out),
        ("neigh", "flush") => neigh::flush(conn, o, tail, out),
        ("neigh", "get") => neigh::get(conn, o, tail, out),
        ("nexthop", "show") => nexthop::show(conn, o, tail, out),
        ("nexthop", "get") => nexthop::get(conn, o, tail, out),
        ("nexthop", "flush") => nexthop::flush(conn, o, tail, out),
        ("nexthop", "bucket") => nexthop::bucket(conn, o, tail, out),
        ("rule", "show") => rule::show(conn, o, tail, out),
        ("rule", "flush") => rule::flush(conn, o, tail),
        ("route", "flush") => route::flush(conn, o, tail, out),
        ("address", "flush") => address::flush(conn, o, tail, out),
        ("route", "get") => {
            let l = route::get_request(tail, conn, ctx, o.family)?;
            let r: Route = conn.get(l)?;
            let links = all_links(conn)?;
            let names = name_map(&links);
            let nexthops = nexthop::for_details(conn, o);
            route::print_get(out, o, &r, &names, &nexthops)?;
            Ok(())
        }
        (obj, cmd) => {
            let c = edit::parse(obj, cmd, tail, conn, ctx, o.family)?;
            edit::execute(conn, c)
        }
    }
}

/// Whether `words` (`OBJECT CMD …`) is a command that only reads.
fn reads_only(words: &[String]) -> bool {
    match words.first().and_then(|w| object_name(w)) {
        Some(obj) => matches!(
            resolve_command(obj, words.get(1).map(String::as_str)),
            Ok("show" | "get" | "help")
        ),
        None => true,
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
        let object = object_name(&words[0]).filter(|o| !commands(o).is_empty());
        let cmd = object.map(|obj| resolve_command(obj, words.get(1).map(String::as_str)));
        let r = match (object, cmd) {
            (Some(obj), Some(Ok(cmd))) if !reads_only(&words) && cmd != "flush" => {
                match edit::parse(obj, cmd, &words[2..], conn, ctx, o.family) {
                    Ok(edit::Cmd::Req(req)) => batch
                        .push(&*req)
                        .map(|_| {
                            lines_of.push(lineno);
                        })
                        .map_err(Fail::from),
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
    snapshot(conn, GetLinks::new())
}

/// What ip prints on stderr when the kernel marks a dump interrupted
/// (`NLM_F_DUMP_INTR`: the table changed while it was read). ip keeps what
/// it got, and the command succeeds.
pub(crate) const DUMP_INTR_WARNING: &str = "Dump was interrupted and may be inconsistent.";

/// A dump's items as ip uses them: an interruption at its end is warned
/// about and the items already read stand (see [`DUMP_INTR_WARNING`]).
pub(crate) struct AsIp<I>(I);

/// Reads the dump `it` as ip does (see [`AsIp`]).
pub(crate) fn as_ip<I>(it: I) -> AsIp<I> {
    AsIp(it)
}

impl<T, I: Iterator<Item = Result<T, nlwire::Error>>> Iterator for AsIp<I> {
    type Item = Result<T, nlwire::Error>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.0.next() {
            Some(Err(nlwire::Error::DumpInterrupted { .. })) => {
                warn_interrupted();
                None
            }
            x => x,
        }
    }
}

/// [`DUMP_INTR_WARNING`] on stderr.
pub(crate) fn warn_interrupted() {
    eprintln!("{DUMP_INTR_WARNING}");
}

/// A whole table that nlw needs before it prints (names of links, say):
/// read again while the kernel marks it interrupted, up to
/// `DUMP_RETRIES` times; then read once more as ip reads it, with the
/// warning.
pub(crate) fn snapshot<R: nlwire::Query + Copy>(
    conn: &mut Connection,
    req: R,
) -> Result<Vec<R::Item>, Fail> {
    match conn.collect(req) {
        Err(nlwire::Error::DumpInterrupted { .. }) => {
            Ok(as_ip(conn.dump(req)).collect::<Result<_, _>>()?)
        }
        r => Ok(r?),
    }
}

fn name_map(links: &[Link]) -> HashMap<u32, &str> {
    links.iter().map(|l| (l.index, l.name.as_str())).collect()
}

pub(crate) fn if_name<'a>(names: &HashMap<u32, &'a str>, idx: u32) -> std::borrow::Cow<'a, str> {
    match names.get(&idx) {
        Some(s) => std::borrow::Cow::Borrowed(*s),
        None => std::borrow::Cow::Owned(format!("if{idx}")),
    }
}
