//! The commands that change things, in `ip`'s own syntax: parsed into
//! nlwire requests, then sent alone or queued in a batch (`-batch`).

use std::collections::HashMap;
use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

use nlwire::request::Request;
use nlwire::route::addr::{IFA_F_NODAD, IFA_F_NOPREFIXROUTE};
use nlwire::route::{
    AddressRequest, BondMode, GetLink, IpvlanMode, Link, LinkKind, LinkRequest, MacvlanMode,
    NetnsRef, NextHop, RouteLookup, RouteRequest, Vxlan,
};
use nlwire_mio::Connection;

use crate::{Fail, names};

/// What a parsed command does.
pub enum Cmd<'a> {
    /// One request answered by an acknowledgement.
    Req(Box<dyn Request + 'a>),
}

/// Name → index resolution and namespace descriptors for one command.
pub struct Ctx {
    cache: HashMap<String, u32>,
    /// Namespace files opened for `netns NS`, kept open until sent.
    pub files: Vec<File>,
    /// Whether the cache must be refreshed before the next lookup.
    pub stale: bool,
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx {
            cache: HashMap::new(),
            files: Vec::new(),
            stale: true,
        }
    }

    /// The index of link `name`.
    pub fn index(&mut self, conn: &mut Connection, name: &str) -> Result<u32, Fail> {
        nlwire::route::validate_ifname(name)
            .map_err(|e| Fail(format!("Error: argument \"{name}\" is wrong: {e}"), 1))?;
        if self.stale {
            self.cache.clear();
            for l in conn.links() {
                let l: Link = l?;
                self.cache.insert(l.name, l.index);
            }
            self.stale = false;
        }
        if let Some(&i) = self.cache.get(name) {
            return Ok(i);
        }
        match conn.get(GetLink::by_name(name).expect("validated")) {
            Ok(l) => {
                self.cache.insert(l.name, l.index);
                Ok(l.index)
            }
            Err(e) if e.errno() == Some(nlwire::Errno::ENODEV) => {
                Err(Fail(format!("Cannot find device \"{name}\""), 1))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn netns(&mut self, ns: &str) -> Result<NetnsRef, Fail> {
        if let Ok(pid) = ns.parse::<u32>() {
            return Ok(NetnsRef::Pid(pid));
        }
        let path = if ns.contains('/') {
            ns.to_string()
        } else {
            format!("/var/run/netns/{ns}")
        };
        let f = File::open(&path)
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 1))?;
        let fd = f.as_raw_fd();
        self.files.push(f);
        Ok(NetnsRef::Fd(fd))
    }
}

fn bad(msg: impl Into<String>) -> Fail {
    Fail(format!("Error: {}", msg.into()), 1)
}

fn inv(e: nlwire::InvalidInput) -> Fail {
    bad(e.to_string())
}

/// Argument cursor with `ip`'s error messages.
struct Args<'a> {
    v: &'a [String],
    i: usize,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let a = self.v.get(self.i)?;
        self.i += 1;
        Some(a)
    }
    fn value(&mut self, what: &str) -> Result<&'a str, Fail> {
        self.next()
            .ok_or_else(|| bad(format!("argument for \"{what}\" is missing")))
    }
    /// A number as ip reads one (`get_u32(…, 0)`: decimal, `0x` hex or
    /// leading-`0` octal).
    fn num<T: TryFrom<u32>>(&mut self, what: &str) -> Result<T, Fail> {
        let v = self.value(what)?;
        crate::rule::parse_u32(v)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| {
                bad(format!(
                    "argument \"{v}\" is wrong: invalid \"{what}\" value"
                ))
            })
    }
}

/// An address; like `ip`, IPv4 may be abbreviated to 1–3 octets
/// (`10` is `10.0.0.0`, `0/0` is the whole space).
fn parse_ip(s: &str) -> Result<IpAddr, Fail> {
    let err = || bad(format!("inet address is expected rather than \"{s}\""));
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() >= 4 {
        return Err(err());
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        o[i] = p.parse().map_err(|_| err())?;
    }
    Ok(IpAddr::from(o))
}

/// `ADDR[/LEN]`; the length defaults to the full address.
pub fn parse_prefix(s: &str) -> Result<(IpAddr, u8), Fail> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (
            parse_ip(a)?,
            Some(
                l.parse::<u8>()
                    .map_err(|_| bad(format!("invalid prefix length \"{l}\"")))?,
            ),
        ),
        None => (parse_ip(s)?, None),
    };
    let full = if a.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(full);
    nlwire::route::check_prefix(&a, len).map_err(inv)?;
    Ok((a, len))
}

/// `ADDR[/LEN]` of the family `-4`/`-6` named, if one was.
pub fn parse_prefix_of(s: &str, family: Option<u8>) -> Result<(IpAddr, u8), Fail> {
    let (a, len) = parse_prefix(s)?;
    match family {
        Some(f) if f != nlwire::route::family_of(&a) => Err(bad(format!(
            "{} prefix is expected rather than \"{s}\".",
            if f == nlwire::route::AF_INET6 {
                "inet6"
            } else {
                "inet"
            }
        ))),
        _ => Ok((a, len)),
    }
}

fn parse_mac(s: &str) -> Result<Vec<u8>, Fail> {
    s.split(':')
        .map(|b| u8::from_str_radix(b, 16))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad(format!("\"{s}\" is not a valid link-layer address")))
}

/// Parses `link add|set|del|delete …`, `addr add|del|replace|flush …`,
/// `route add|replace|append|del|delete …`.
pub fn parse<'a>(
    object: &str,
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut Ctx,
    family: Option<u8>,
) -> Result<Cmd<'a>, Fail> {
    let mut a = Args { v: args, i: 0 };
    match (object, cmd) {
        ("link", "add") => link_add(&mut a, conn, ctx),
        ("link", "set" | "change") => link_set(&mut a, conn, ctx),
        ("link", "del" | "delete") => {
            let mut name = a.value("dev")?;
            if name == "dev" {
                name = a.value("dev")?;
            }
            ctx.stale = true;
            Ok(Cmd::Req(Box::new(LinkRequest::delete(name).map_err(inv)?)))
        }
        ("address", c @ ("add" | "del" | "delete" | "replace" | "change")) => {
            addr_edit(c, &mut a, conn, ctx)
        }
        ("route", c @ ("add" | "replace" | "append" | "prepend" | "del" | "delete" | "change")) => {
            route_edit(c, &mut a, conn, ctx, family)
        }
        ("neigh", c @ ("add" | "replace" | "change" | "del" | "delete")) => {
            neigh_edit(c, &mut a, conn, ctx)
        }
        ("rule", c @ ("add" | "del" | "delete")) => rule_edit(c, &mut a, family),
        (o, c) => Err(Fail(
            format!("Command \"{o} {c}\" is not supported by nlw (yet); ip has it."),
            255,
        )),
    }
}

fn link_add<'a>(a: &mut Args<'a>, conn: &mut Connection, ctx: &mut Ctx) -> Result<Cmd<'a>, Fail> {
    let mut name = None;
    let mut lower = None;
    let mut mtu = None;
    let mut mac = None;
    let mut txqlen = None;
    let mut netns = None;
    let mut up = false;
    let mut kind = None;
    while let Some(t) = a.next() {
        match t {
            "name" | "dev" => name = Some(a.value(t)?),
            "link" => lower = Some(a.value("link")?),
            "mtu" => mtu = Some(a.num::<u32>("mtu")?),
            "address" => mac = Some(parse_mac(a.value("address")?)?),
            "txqueuelen" | "txqlen" | "qlen" => txqlen = Some(a.num::<u32>("txqueuelen")?),
            "netns" => netns = Some(ctx.netns(a.value("netns")?)?),
            "up" => up = true,
            "type" => {
                kind = Some(a.value("type")?);
                break;
            }
            n if name.is_none() => name = Some(n),
            x => {
                return Err(bad(format!(
                    "either \"dev\" is duplicate, or \"{x}\" is garbage"
                )));
            }
        }
    }
    let name = name.ok_or_else(|| bad("link name is required (\"name NAME\")"))?;
    let kind = kind.ok_or_else(|| bad("link type is required (\"type TYPE\")"))?;
    let lower_index = match lower {
        Some(l) => Some(ctx.index(conn, l)?),
        None => None,
    };
    let need_lower = |what: &str| {
        lower_index.ok_or_else(|| bad(format!("{what} needs a lower link (\"link DEV\")")))
    };
    let k = match kind {
        "veth" => {
            let mut peer = None;
            let mut peer_netns = None;
            while let Some(t) = a.next() {
                match t {
                    "peer" => {}
                    "name" => peer = Some(a.value("name")?),
                    "netns" => peer_netns = Some(ctx.netns(a.value("netns")?)?),
                    x => return Err(bad(format!("veth: \"{x}\" is not supported"))),
                }
            }
            LinkKind::Veth {
                peer: peer.ok_or_else(|| bad("veth needs \"peer name NAME\""))?,
                peer_netns,
            }
        }
        "bridge" => LinkKind::Bridge,
        "dummy" => LinkKind::Dummy,
        "wireguard" => LinkKind::Wireguard,
        "macvlan" => {
            let mut mode = MacvlanMode::Vepa;
            while let Some(t) = a.next() {
                match (t, a.value("mode")?) {
                    ("mode", "private") => mode = MacvlanMode::Private,
                    ("mode", "vepa") => mode = MacvlanMode::Vepa,
                    ("mode", "bridge") => mode = MacvlanMode::Bridge,
                    ("mode", "passthru") => mode = MacvlanMode::Passthru,
                    ("mode", "source") => mode = MacvlanMode::Source,
                    (k, v) => return Err(bad(format!("macvlan: \"{k} {v}\" is not supported"))),
                }
            }
            LinkKind::Macvlan {
                link: need_lower("macvlan")?,
                mode,
            }
        }
        "ipvlan" => {
            let mut mode = IpvlanMode::L3;
            while let Some(t) = a.next() {
                match (t, a.value("mode")?) {
                    ("mode", "l2") => mode = IpvlanMode::L2,
                    ("mode", "l3") => mode = IpvlanMode::L3,
                    ("mode", "l3s") => mode = IpvlanMode::L3s,
                    (k, v) => return Err(bad(format!("ipvlan: \"{k} {v}\" is not supported"))),
                }
            }
            LinkKind::Ipvlan {
                link: need_lower("ipvlan")?,
                mode,
            }
        }
        "vlan" => {
            let mut id = None;
            while let Some(t) = a.next() {
                match t {
                    "id" => id = Some(a.num::<u16>("id")?),
                    x => return Err(bad(format!("vlan: \"{x}\" is not supported"))),
                }
            }
            LinkKind::Vlan {
                link: need_lower("vlan")?,
                id: id.ok_or_else(|| bad("vlan needs \"id ID\""))?,
            }
        }
        "vxlan" => {
            let mut v = Vxlan {
                id: u32::MAX,
                remote: None,
                local: None,
                link: None,
                port: None,
            };
            while let Some(t) = a.next() {
                match t {
                    "id" | "vni" => v.id = a.num("id")?,
                    "remote" | "group" => v.remote = Some(parse_ip(a.value(t)?)?),
                    "local" => v.local = Some(parse_ip(a.value(t)?)?),
                    "dev" => v.link = Some(ctx.index(conn, a.value("dev")?)?),
                    "dstport" => v.port = Some(a.num("dstport")?),
                    x => return Err(bad(format!("vxlan: \"{x}\" is not supported"))),
                }
            }
            if v.id == u32::MAX {
                return Err(bad("vxlan needs \"id VNI\""));
            }
            LinkKind::Vxlan(v)
        }
        "bond" => {
            let mut mode = None;
            while let Some(t) = a.next() {
                let m = match (t, a.value("mode")?) {
                    ("mode", "balance-rr" | "0") => BondMode::BalanceRr,
                    ("mode", "active-backup" | "1") => BondMode::ActiveBackup,
                    ("mode", "balance-xor" | "2") => BondMode::BalanceXor,
                    ("mode", "broadcast" | "3") => BondMode::Broadcast,
                    ("mode", "802.3ad" | "4") => BondMode::Lacp,
                    ("mode", "balance-tlb" | "5") => BondMode::BalanceTlb,
                    ("mode", "balance-alb" | "6") => BondMode::BalanceAlb,
                    (k, v) => return Err(bad(format!("bond: \"{k} {v}\" is not supported"))),
                };
                mode = Some(m);
            }
            LinkKind::Bond { mode }
        }
        k => return Err(bad(format!("link type \"{k}\" is not supported by nlw"))),
    };
    let mut req = LinkRequest::add(name, k).map_err(inv)?;
    if let Some(m) = mtu {
        req = req.mtu(m);
    }
    if let Some(q) = txqlen {
        req = req.txqlen(q);
    }
    if let Some(ns) = netns {
        req = req.netns(ns);
    }
    if up {
        req = req.up(true);
    }
    ctx.stale = true;
    match mac {
        Some(mac) => {
            let r = req.address(&mac).map_err(inv)?;
            Ok(Cmd::Req(Box::new(Encoded::of(&r)?)))
        }
        None => Ok(Cmd::Req(Box::new(req))),
    }
}

/// A request encoded at parse time, for requests that borrow data parsed
/// from the command line (a MAC address, next hops).
struct Encoded {
    payload: Vec<u8>,
    kind: u16,
    flags: u16,
    what: String,
}

impl Encoded {
    fn of<R: Request>(r: &R) -> Result<Encoded, Fail> {
        let what = nlwire::request::Describe(r).to_string();
        let mut payload = vec![0u8; 256];
        loop {
            let mut w = nlwire::wire::Writer::new(&mut payload);
            r.emit_payload(&mut w);
            match w.finish() {
                Ok(n) => {
                    payload.truncate(n);
                    break;
                }
                Err(nlwire::wire::EncodeError::BufferTooSmall { needed, .. }) => {
                    payload.resize(needed, 0)
                }
                Err(e) => return Err(bad(format!("{what}: {e}"))),
            }
        }
        Ok(Encoded {
            payload,
            kind: r.message_type(),
            flags: r.flags(),
            what,
        })
    }
}

impl Request for Encoded {
    fn message_type(&self) -> u16 {
        self.kind
    }
    fn flags(&self) -> u16 {
        self.flags
    }
    fn emit_payload(&self, w: &mut nlwire::wire::Writer<'_>) {
        w.put(&self.payload)
    }
    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

fn link_set<'a>(a: &mut Args<'a>, conn: &mut Connection, ctx: &mut Ctx) -> Result<Cmd<'a>, Fail> {
    let mut dev = a.value("dev")?;
    if dev == "dev" {
        dev = a.value("dev")?;
    }
    let index = ctx.index(conn, dev)?;
    let mut s = LinkRequest::set(index).map_err(inv)?;
    let mut mac = None;
    while let Some(t) = a.next() {
        s = match t {
            "up" => s.up(true),
            "down" => s.up(false),
            "mtu" => s.mtu(a.num("mtu")?),
            "name" => s.rename(a.value("name")?).map_err(inv)?,
            "master" => {
                let m = ctx.index(conn, a.value("master")?)?;
                s.master(m).map_err(inv)?
            }
            "nomaster" => s.nomaster(),
            "netns" => s.netns(ctx.netns(a.value("netns")?)?),
            "address" => {
                mac = Some(parse_mac(a.value("address")?)?);
                s
            }
            "txqueuelen" | "txqlen" | "qlen" => s.txqlen(a.num("txqueuelen")?),
            "alias" => s.alias(a.value("alias")?).map_err(inv)?,
            x => return Err(bad(format!("link set: \"{x}\" is not supported"))),
        };
    }
    ctx.stale = true;
    match mac {
        Some(mac) => {
            let r = s.address(&mac).map_err(inv)?;
            Ok(Cmd::Req(Box::new(Encoded::of(&r)?)))
        }
        None => Ok(Cmd::Req(Box::new(s))),
    }
}

fn addr_edit<'a>(
    cmd: &str,
    a: &mut Args<'a>,
    conn: &mut Connection,
    ctx: &mut Ctx,
) -> Result<Cmd<'a>, Fail> {
    let mut prefix = None;
    let mut dev = None;
    let mut peer = None;
    let mut brd = None;
    let mut label = None;
    let mut flags = 0;
    let mut valid = None;
    let mut preferred = None;
    let mut metric = None;
    let mut scope = None;
    while let Some(t) = a.next() {
        match t {
            "dev" => dev = Some(a.value("dev")?),
            "local" => prefix = Some(parse_prefix(a.value("local")?)?),
            "peer" | "remote" => peer = Some(parse_prefix(a.value("peer")?)?),
            "broadcast" | "brd" => {
                let v = a.value("broadcast")?;
                if brd.is_some() {
                    return Err(Fail(
                        format!("Error: duplicate \"broadcast\": \"{v}\" is the second value."),
                        255,
                    ));
                }
                brd = Some(match v {
                    "+" => Brd::Ones,
                    "-" => Brd::Zeros,
                    v => match parse_ip(v)? {
                        IpAddr::V4(v) => Brd::Addr(v),
                        IpAddr::V6(_) => {
                            return Err(bad("Broadcast can be set only for IPv4 addresses"));
                        }
                    },
                })
            }
            "label" => label = Some(a.value("label")?),
            "nodad" => flags |= IFA_F_NODAD,
            "noprefixroute" => flags |= IFA_F_NOPREFIXROUTE,
            "valid_lft" => valid = Some(lifetime(a.value("valid_lft")?)?),
            "preferred_lft" => preferred = Some(lifetime(a.value("preferred_lft")?)?),
            "metric" | "priority" => metric = Some(a.num::<u32>("metric")?),
            "scope" => {
                let v = a.value("scope")?;
                scope = Some(
                    names::parse_scope(v).ok_or_else(|| bad(format!("invalid scope \"{v}\"")))?,
                )
            }
            p if prefix.is_none() => prefix = Some(parse_prefix(p)?),
            x => {
                return Err(bad(format!(
                    "either \"local\" is duplicate, or \"{x}\" is garbage"
                )));
            }
        }
    }
    let (addr, mut len) = prefix.ok_or_else(|| bad("an address is required"))?;
    let dev = dev.ok_or_else(|| bad("\"dev\" is required"))?;
    let index = ctx.index(conn, dev)?;
    if let Some((_, plen)) = peer {
        // Like `ip`: with a peer, the prefix length is the peer's.
        len = plen;
    }
    let mut r = match cmd {
        "add" => AddressRequest::add(index, addr, len),
        "replace" => AddressRequest::replace(index, addr, len),
        "change" => AddressRequest::change(index, addr, len),
        _ => AddressRequest::delete(index, addr, len),
    }
    .map_err(inv)?;
    if let Some((p, _)) = peer {
        r = r.peer(p).map_err(inv)?;
    }
    let brd = match brd {
        Some(Brd::Addr(b)) => Some(b),
        // `+`/`-`: the peer's (or the address's) network with the host
        // bits all ones / all zeros, as `ip` computes it; not on delete,
        // and not for a /31 or /32, which have no broadcast.
        Some(b @ (Brd::Ones | Brd::Zeros)) if cmd != "del" && cmd != "delete" => {
            let IpAddr::V4(base) = peer.map_or(addr, |(p, _)| p) else {
                return Err(bad("Broadcast can be set only for IPv4 addresses"));
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
    if let Some(b) = brd {
        r = r.broadcast(b).map_err(inv)?;
    }
    if let Some(l) = label {
        r = r.label(l).map_err(inv)?;
    }
    if let Some(s) = scope {
        r = r.scope(s);
    }
    if let Some(m) = metric {
        r = r.metric(m);
    }
    if valid.is_some() || preferred.is_some() {
        let v = valid.unwrap_or(u32::MAX);
        r = r.lifetimes(v, preferred.unwrap_or(v)).map_err(inv)?;
    }
    Ok(Cmd::Req(Box::new(r.flags(flags))))
}

/// `broadcast ADDR|+|-`.
enum Brd {
    Addr(std::net::Ipv4Addr),
    Ones,
    Zeros,
}

fn lifetime(s: &str) -> Result<u32, Fail> {
    if s == "forever" {
        return Ok(u32::MAX);
    }
    s.trim_end_matches("sec")
        .parse()
        .map_err(|_| bad(format!("invalid lifetime \"{s}\"")))
}

fn route_edit<'a>(
    cmd: &str,
    a: &mut Args<'a>,
    conn: &mut Connection,
    ctx: &mut Ctx,
    family: Option<u8>,
) -> Result<Cmd<'a>, Fail> {
    let mut kind = None;
    let mut dst = None;
    let mut gw = None;
    let mut dev = None;
    let mut src = None;
    let mut metric = None;
    let mut table = None;
    let mut proto = None;
    let mut scope = None;
    let mut onlink = false;
    let mut mtu = None;
    let mut advmss = None;
    let mut hops: Vec<NextHop> = Vec::new();
    while let Some(t) = a.next() {
        match t {
            "via" => {
                let mut v = a.value("via")?;
                if v == "inet" || v == "inet6" {
                    v = a.value("via")?;
                }
                gw = Some(parse_ip(v)?)
            }
            "dev" | "oif" => dev = Some(ctx.index(conn, a.value("dev")?)?),
            "src" => src = Some(parse_ip(a.value("src")?)?),
            "metric" | "priority" | "preference" => metric = Some(a.num::<u32>("metric")?),
            "table" => {
                let v = a.value("table")?;
                match names::parse_table(v).map_err(bad)? {
                    Some(t) if t != 0 => table = Some(t),
                    _ => return Err(bad(format!("table \"{v}\" cannot hold routes"))),
                }
            }
            "proto" | "protocol" => {
                let v = a.value("proto")?;
                proto = Some(
                    names::parse_protocol(v)
                        .ok_or_else(|| bad(format!("invalid \"protocol\" value: \"{v}\"")))?,
                )
            }
            "scope" => {
                let v = a.value("scope")?;
                scope = Some(
                    names::parse_scope(v).ok_or_else(|| bad(format!("invalid scope \"{v}\"")))?,
                )
            }
            "onlink" => onlink = true,
            "mtu" => mtu = Some(a.num::<u32>("mtu")?),
            "advmss" => advmss = Some(a.num::<u32>("advmss")?),
            "nexthop" => {
                let mut h = NextHop::default();
                while let Some(t) = a.next() {
                    match t {
                        "via" => h.gateway = Some(parse_ip(a.value("via")?)?),
                        "dev" => h.oif = ctx.index(conn, a.value("dev")?)?,
                        "weight" => h.weight = a.num("weight")?,
                        "onlink" => h.onlink = true,
                        "nexthop" => {
                            hops.push(h);
                            h = NextHop::default();
                        }
                        x => return Err(bad(format!("nexthop: \"{x}\" is not supported"))),
                    }
                }
                hops.push(h);
            }
            "to" => dst = Some(a.value("to")?),
            t if dst.is_none() && kind.is_none() && names::parse_route_type(t).is_some() => {
                kind = names::parse_route_type(t)
            }
            d if dst.is_none() => dst = Some(d),
            x => {
                return Err(bad(format!(
                    "either \"to\" is duplicate, or \"{x}\" is garbage"
                )));
            }
        }
    }
    let dst = dst.ok_or_else(|| bad("a destination is required"))?;
    let (addr, len) = if matches!(dst, "default" | "all" | "any") {
        // As `ip`: the family is `-4`/`-6`'s, else that of the first
        // address given (gateway, source, next hop), else IPv4.
        let v6 = match family {
            Some(f) => f == nlwire::route::AF_INET6,
            None => gw
                .or(src)
                .or_else(|| hops.iter().find_map(|h| h.gateway))
                .is_some_and(|g| g.is_ipv6()),
        };
        (
            if v6 {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
            },
            0,
        )
    } else {
        parse_prefix_of(dst, family)?
    };
    let mut r = match cmd {
        "add" => RouteRequest::add(addr, len),
        "prepend" => RouteRequest::prepend(addr, len),
        "replace" => RouteRequest::replace(addr, len),
        "change" => RouteRequest::change(addr, len),
        "append" => RouteRequest::append(addr, len),
        _ => RouteRequest::delete(addr, len),
    }
    .map_err(inv)?;
    if let Some(g) = gw {
        r = r.gateway(g).map_err(inv)?;
    }
    if let Some(d) = dev {
        r = r.oif(d).map_err(inv)?;
    }
    if let Some(s) = src {
        r = r.prefsrc(s).map_err(inv)?;
    }
    if let Some(m) = metric {
        r = r.metric(m);
    }
    if let Some(t) = table {
        r = r.table(t);
    }
    if let Some(p) = proto {
        r = r.protocol(p);
    }
    if let Some(s) = scope {
        r = r.scope(s);
    }
    if let Some(k) = kind {
        r = r.kind(k);
    }
    if onlink {
        r = r.onlink();
    }
    if let Some(m) = mtu {
        r = r.mtu(m);
    }
    if let Some(m) = advmss {
        r = r.advmss(m);
    }
    if hops.is_empty() {
        return Ok(Cmd::Req(Box::new(r)));
    }
    // The next hops live here: encode the request now.
    let r = r.multipath(&hops).map_err(inv)?;
    Ok(Cmd::Req(Box::new(Encoded::of(&r)?)))
}

/// `route get ADDR [from S] [oif DEV] [iif DEV] [mark M]`.
pub fn route_get(
    args: &[String],
    conn: &mut Connection,
    ctx: &mut Ctx,
) -> Result<RouteLookup, Fail> {
    let mut a = Args { v: args, i: 0 };
    let mut dst = None;
    let mut from = None;
    let mut oif = None;
    let mut iif = None;
    let mut mark = None;
    while let Some(t) = a.next() {
        match t {
            "from" => from = Some(parse_prefix(a.value("from")?)?.0),
            "oif" | "dev" => oif = Some(ctx.index(conn, a.value("oif")?)?),
            "iif" => iif = Some(ctx.index(conn, a.value("iif")?)?),
            "mark" => mark = Some(a.num::<u32>("mark")?),
            "to" => dst = Some(parse_prefix(a.value("to")?)?.0),
            d if dst.is_none() => dst = Some(parse_prefix(d)?.0),
            x => return Err(bad(format!("\"{x}\" is garbage"))),
        }
    }
    let mut l = RouteLookup::to(dst.ok_or_else(|| bad("need at least a destination address"))?);
    if let Some(f) = from {
        l = l.from(f).map_err(inv)?;
    }
    if let Some(o) = oif {
        l = l.oif(o);
    }
    if let Some(i) = iif {
        l = l.iif(i);
    }
    if let Some(m) = mark {
        l = l.mark(m);
    }
    Ok(l)
}

/// Runs a parsed command alone.
pub fn execute(conn: &mut Connection, cmd: Cmd<'_>) -> Result<(), Fail> {
    match cmd {
        Cmd::Req(r) => Ok(conn.request(&*r)?),
    }
}

fn neigh_edit<'a>(
    cmd: &str,
    a: &mut Args<'a>,
    conn: &mut Connection,
    ctx: &mut Ctx,
) -> Result<Cmd<'a>, Fail> {
    use nlwire::route::NeighbourRequest;
    use nlwire::route::neigh::parse_nud;
    let mut dst = None;
    let mut dev = None;
    let mut lladdr = None;
    let mut nud = None;
    let mut proxy = false;
    let mut router = false;
    while let Some(t) = a.next() {
        match t {
            "dev" => dev = Some(a.value("dev")?),
            "lladdr" => lladdr = Some(parse_mac(a.value("lladdr")?)?),
            "nud" => {
                let v = a.value("nud")?;
                nud =
                    Some(parse_nud(v).ok_or_else(|| bad(format!("nud state \"{v}\" is unknown")))?)
            }
            "proxy" => {
                proxy = true;
                dst = Some(parse_ip(a.value("proxy")?)?)
            }
            "router" => router = true,
            "to" => dst = Some(parse_ip(a.value("to")?)?),
            d if dst.is_none() => dst = Some(parse_ip(d)?),
            x => {
                return Err(bad(format!(
                    "either \"to\" is duplicate, or \"{x}\" is garbage"
                )));
            }
        }
    }
    let dst = dst.ok_or_else(|| bad("a neighbour address is required"))?;
    let dev = dev.ok_or_else(|| bad("Device and destination are required arguments."))?;
    let index = ctx.index(conn, dev)?;
    let mut r = match cmd {
        "add" => NeighbourRequest::add(index, dst),
        "replace" => NeighbourRequest::replace(index, dst),
        "change" => NeighbourRequest::change(index, dst),
        _ => NeighbourRequest::delete(index, dst),
    }
    .map_err(inv)?;
    if let Some(n) = nud {
        r = r.state(n);
    }
    if proxy {
        r = r.proxy();
    }
    if router {
        r = r.router();
    }
    match lladdr {
        Some(mac) => {
            let r = r.lladdr(&mac).map_err(inv)?;
            Ok(Cmd::Req(Box::new(Encoded::of(&r)?)))
        }
        None => Ok(Cmd::Req(Box::new(r))),
    }
}

fn rule_edit<'a>(cmd: &str, a: &mut Args<'a>, family: Option<u8>) -> Result<Cmd<'a>, Fail> {
    use nlwire::route::RuleRequest;
    use nlwire::route::rule::{FR_ACT_BLACKHOLE, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_UNREACHABLE};
    let mut items: Vec<(&str, &str)> = Vec::new();
    let mut flags: Vec<&str> = Vec::new();
    while let Some(t) = a.next() {
        match t {
            "blackhole" | "unreachable" | "prohibit" | "nop" => flags.push(t),
            "from" | "to" | "table" | "lookup" | "priority" | "pref" | "preference" | "fwmark"
            | "iif" | "dev" | "oif" | "goto" => items.push((t, a.value(t)?)),
            x => return Err(bad(format!("rule: \"{x}\" is not supported"))),
        }
    }
    // The family: -6, or that of an address given.
    let v6 = family == Some(nlwire::route::AF_INET6)
        || items
            .iter()
            .any(|(k, v)| matches!(*k, "from" | "to") && v.contains(':'));
    let mut r = if cmd == "add" {
        RuleRequest::add(v6)
    } else {
        RuleRequest::delete(v6)
    };
    for (k, v) in items {
        r = match k {
            "from" | "to" if v == "all" => r,
            "from" => {
                let (x, l) = parse_prefix(v)?;
                r.from(x, l).map_err(inv)?
            }
            "to" => {
                let (x, l) = parse_prefix(v)?;
                r.to(x, l).map_err(inv)?
            }
            "table" | "lookup" => match names::parse_table(v).map_err(bad)? {
                Some(t) => r.table(t),
                None => return Err(bad("table \"all\" cannot be looked up")),
            },
            "priority" | "pref" | "preference" => r.priority(
                v.parse()
                    .map_err(|_| bad(format!("invalid priority \"{v}\"")))?,
            ),
            "fwmark" => {
                let num = |s: &str| {
                    let (s, radix) = match s.strip_prefix("0x") {
                        Some(h) => (h, 16),
                        None => (s, 10),
                    };
                    u32::from_str_radix(s, radix)
                        .map_err(|_| bad(format!("invalid fwmark \"{v}\"")))
                };
                match v.split_once('/') {
                    Some((m, mask)) => r.fwmark(num(m)?, Some(num(mask)?)),
                    None => r.fwmark(num(v)?, None),
                }
            }
            "iif" | "dev" => r.iif(v).map_err(inv)?,
            "oif" => r.oif(v).map_err(inv)?,
            _ => r.goto(
                v.parse()
                    .map_err(|_| bad(format!("invalid goto target \"{v}\"")))?,
            ),
        };
    }
    for f in flags {
        r = r.action(match f {
            "blackhole" => FR_ACT_BLACKHOLE,
            "unreachable" => FR_ACT_UNREACHABLE,
            "prohibit" => FR_ACT_PROHIBIT,
            _ => FR_ACT_NOP,
        });
    }
    Ok(Cmd::Req(Box::new(r)))
}
