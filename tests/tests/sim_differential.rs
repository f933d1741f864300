//! The simulator against the real kernel: seeded random sequences of
//! link, IPv4 address and IPv4 route writes, sent through the library to a
//! fresh namespace and to a `nlwire-sim` kernel. After every step the two
//! replies (acknowledgement, or errno and extended-ack text) and whole
//! dumps of links, IPv4 addresses and IPv4 routes must agree.
//!
//! What is not compared, and why, is in `sim/DIFFERENCES.md`; the
//! normalisation below is its code.
//!
//! `NLWIRE_SIM_SEEDS` (default 50; 25 under the VM harness, for CI's time
//! budget) and `NLWIRE_SIM_STEPS` (default 200) size the run; `NLWIRE_SIM_SEED` runs one seed; `NLWIRE_SIM_VERBOSE`
//! prints how long the kernel took to settle.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use nlwire::route::addr::{IFA_F_NODAD, IFA_F_NOPREFIXROUTE};
use nlwire::route::{
    AddressRequest, GetLink, LinkRequest, NeighbourRequest, RouteRequest, RuleRequest,
};
use nlwire::{Error, ops};
use nlwire_conn::ConnectionOptions;
use nlwire_mio::Connection;
use nlwire_sim::Kernel;
use nlwire_tests::{TestNs, privileged_or_skip};

/// xorshift64*: a small deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const NAMES: &[&str] = &["va0", "vb0", "va1", "vb1", "br0", "br1", "vx"];
const MTUS: &[u32] = &[60, 68, 1280, 1400, 1500, 9000, 65535, 65536];

/// One write, by link names (each side resolves them to its own
/// indexes).
#[derive(Debug, Clone)]
enum Step {
    AddVeth(&'static str, &'static str),
    AddBridge(&'static str),
    Delete(&'static str),
    Up(&'static str, bool),
    Mtu(&'static str, u32),
    Master(&'static str, Option<&'static str>),
    Rename(&'static str, &'static str),
    /// A link's IPv6 address generation mode (`IFLA_AF_SPEC`).
    GenMode(&'static str, u8),
    /// A link's group.
    Group(&'static str, u32),
    /// `RTM_GETADDR` of one IPv6 address (not a dump), on a link or none.
    GetAddr6(Option<&'static str>, IpAddr),
    AddAddr {
        link: &'static str,
        addr: Ipv4Addr,
        len: u8,
        brd: bool,
        mode: u8,
        metric: u32,
        /// Valid and preferred lifetimes.
        lifetimes: Option<(u32, u32)>,
    },
    DelAddr(&'static str, Ipv4Addr, u8),
    /// An IPv4 or IPv6 route.
    Route {
        delete: bool,
        mode: u8,
        dst: IpAddr,
        len: u8,
        via: RouteVia,
        table: u32,
        metric: u32,
        /// The preferred source (IPv6 writes).
        src: Option<IpAddr>,
    },
    /// An IPv6 address write.
    Addr6 {
        delete: bool,
        mode: u8,
        link: &'static str,
        addr: IpAddr,
        len: u8,
        flags: u32,
        metric: u32,
        /// Bad lifetimes (the simulator refuses finite ones).
        bad_lifetimes: bool,
    },
    Neigh {
        delete: bool,
        mode: u8,
        link: &'static str,
        dst: IpAddr,
        lladdr: Option<[u8; 6]>,
        state: u16,
    },
    Rule {
        delete: bool,
        ipv6: bool,
        pref: Option<u32>,
        from: Option<(IpAddr, u8)>,
        to: Option<(IpAddr, u8)>,
        table: Option<u32>,
        action: Option<u8>,
        tos: u8,
    },
}

/// A rule write.
fn gen_rule(rng: &mut Rng) -> Step {
    let ipv6 = rng.chance(30);
    let ip = |s: &str| s.parse::<IpAddr>().expect("address");
    let (froms, to): (&[(&str, u8)], (&str, u8)) = if ipv6 {
        (
            &[("2001:db8::", 32), ("2001:db8:1::", 48)],
            ("2001:db8:ffff::", 48),
        )
    } else {
        (
            &[("192.0.2.0", 24), ("198.51.100.0", 25)],
            ("203.0.113.0", 24),
        )
    };
    Step::Rule {
        delete: rng.chance(35),
        ipv6,
        pref: rng
            .chance(60)
            .then(|| *rng.pick(&[100, 200, 200, 32766, 0])),
        from: rng.chance(60).then(|| {
            let (a, l) = *rng.pick(froms);
            (ip(a), l)
        }),
        to: rng.chance(25).then(|| (ip(to.0), to.1)),
        table: rng.chance(70).then(|| *rng.pick(&[100, 200, 254, 253])),
        action: rng.chance(25).then(|| *rng.pick(&[6, 7, 8])),
        tos: if ipv6 {
            0
        } else {
            *rng.pick(&[0, 0, 0, 0, 0x10, 0x03])
        },
    }
}

/// A neighbour write: entries an administrator makes.
fn gen_neigh(rng: &mut Rng) -> Step {
    let dsts = [
        "192.0.2.9",
        "192.0.2.1",
        "192.0.2.255",
        "198.51.100.7",
        "239.1.1.1",
        "2001:db8::9",
        "2001:db8::1",
    ];
    let lls = [Some([2, 0, 0, 0, 0, 9]), Some([2, 0, 0, 0, 0, 10]), None];
    Step::Neigh {
        delete: rng.chance(25),
        mode: rng.below(3) as u8,
        link: NAMES[rng.below(NAMES.len())],
        dst: rng.pick(&dsts).parse().expect("address"),
        lladdr: *rng.pick(&lls),
        state: *rng.pick(&[0x80, 0x80, 0x40, 0x04]),
    }
}

/// An IPv6 route write. Two gateway routes of one prefix and metric would
/// form a multipath route, which the simulator does not model: a gateway
/// route's metric is therefore fixed by its gateway and device.
fn gen_route6(rng: &mut Rng) -> Step {
    let name = |rng: &mut Rng| *rng.pick(NAMES);
    let ip = |s: &str| s.parse::<IpAddr>().expect("address");
    let dsts = [
        ("2001:db8::", 64),
        ("2001:db8::", 48),
        ("2001:db8:0:1::", 64),
        ("2001:db8::1", 128),
        ("2001:db8::5", 64),
        ("2001:db8:1::", 64),
        ("::", 0),
        ("2001:db8:ffff::", 48),
    ];
    let (dst, len) = *rng.pick(&dsts);
    let gws = ["2001:db8::2", "fe80::1", "2001:db8:9::1", "::1", "ff02::1"];
    let g = rng.below(gws.len());
    let (via, metric) = match rng.below(10) {
        0..=3 => (RouteVia::Dev(name(rng)), *rng.pick(&[0, 0, 10, 1024])),
        4..=5 => (RouteVia::Gateway(ip(gws[g])), 2000 + g as u32),
        6 => {
            let n = rng.below(NAMES.len());
            (
                RouteVia::GatewayDev(ip(gws[g]), NAMES[n]),
                3000 + 10 * g as u32 + n as u32,
            )
        }
        7 => (RouteVia::Any, *rng.pick(&[0, 10])),
        _ => (RouteVia::Type(*rng.pick(&[6, 7, 8])), *rng.pick(&[0, 10])),
    };
    let delete = rng.chance(30);
    let srcs = [
        "2001:db8::1",
        "2001:db8::2",
        "fe80::1",
        "::1",
        "2001:db8:9::1",
    ];
    let src = (!delete && rng.chance(15)).then(|| ip(srcs[rng.below(srcs.len())]));
    Step::Route {
        delete,
        mode: rng.below(5) as u8,
        dst: ip(dst),
        len,
        via,
        table: *rng.pick(&[254, 254, 100]),
        metric,
        src,
    }
}

/// An IPv6 address write: global and link-local addresses sharing
/// prefixes (whose routes the kernel shares between them), with and
/// without `nodad` and `noprefixroute`, a metric, and the addresses a link
/// may not have (`::`, multicast, `::1`).
fn gen_addr6(rng: &mut Rng) -> Step {
    let ip = |s: &str| s.parse::<IpAddr>().expect("address");
    let addrs = [
        ("2001:db8::1", 64),
        ("2001:db8::2", 64),
        ("2001:db8::5", 48),
        ("2001:db8:1::1", 64),
        ("2001:db8::1", 128),
        ("2001:db8:9::1", 64),
        ("fe80::1", 64),
        ("fe80::2", 10),
        ("::", 64),
        ("ff02::1", 64),
        ("::1", 128),
    ];
    let (addr, len) = if rng.chance(90) {
        *rng.pick(&addrs[..8])
    } else {
        *rng.pick(&addrs[8..])
    };
    let link = if rng.chance(5) {
        "lo"
    } else {
        *rng.pick(NAMES)
    };
    Step::Addr6 {
        delete: rng.chance(30),
        mode: rng.below(3) as u8,
        link,
        addr: ip(addr),
        len: if rng.chance(10) { 64 } else { len },
        flags: *rng.pick(&[
            0,
            0,
            0,
            IFA_F_NODAD,
            IFA_F_NOPREFIXROUTE,
            IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
        ]),
        metric: *rng.pick(&[0, 0, 0, 77]),
        bad_lifetimes: rng.chance(5),
    }
}

#[derive(Debug, Clone, Copy)]
enum RouteVia {
    Dev(&'static str),
    Gateway(IpAddr),
    GatewayDev(IpAddr, &'static str),
    Type(u8),
    Any,
}

fn gen_step(rng: &mut Rng) -> Step {
    let name = |rng: &mut Rng| *rng.pick(NAMES);
    let addrs = [
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(192, 0, 2, 2),
        Ipv4Addr::new(192, 0, 2, 9),
        Ipv4Addr::new(192, 0, 2, 130),
        Ipv4Addr::new(198, 51, 100, 1),
        Ipv4Addr::new(198, 51, 100, 5),
        Ipv4Addr::new(198, 51, 100, 0),
    ];
    if rng.chance(20) {
        return gen_route6(rng);
    }
    if rng.chance(12) {
        return gen_addr6(rng);
    }
    if rng.chance(3) {
        // eui64, none, stable privacy (no secret: refused), a bad one.
        return Step::GenMode(name(rng), *rng.pick(&[0, 1, 1, 2, 5]));
    }
    if rng.chance(2) {
        return Step::Group(name(rng), *rng.pick(&[0, 7]));
    }
    if rng.chance(3) {
        let addrs = [
            "2001:db8::1",
            "2001:db8::2",
            "fe80::1",
            "::1",
            "2001:db8:7::7",
        ];
        let a = addrs[rng.below(addrs.len())].parse().expect("address");
        return Step::GetAddr6(rng.chance(70).then(|| name(rng)), a);
    }
    if rng.chance(8) {
        return gen_neigh(rng);
    }
    if rng.chance(7) {
        return gen_rule(rng);
    }
    match rng.below(100) {
        0..=11 => Step::AddVeth(name(rng), name(rng)),
        12..=16 => Step::AddBridge(name(rng)),
        17..=21 => Step::Delete(name(rng)),
        22..=35 => Step::Up(name(rng), rng.chance(75)),
        36..=40 => Step::Mtu(name(rng), *rng.pick(MTUS)),
        41..=48 => Step::Master(name(rng), rng.chance(80).then(|| name(rng))),
        49..=51 => Step::Rename(name(rng), name(rng)),
        52..=67 => Step::AddAddr {
            link: name(rng),
            addr: *rng.pick(&addrs),
            len: *rng.pick(&[24, 25, 30, 32, 8]),
            brd: rng.chance(30),
            mode: rng.below(3) as u8,
            metric: *rng.pick(&[0, 0, 0, 50]),
            lifetimes: *rng.pick(&[
                None,
                None,
                None,
                Some((3600, 1800)),
                Some((3600, 0)),
                Some((u32::MAX, 1800)),
                Some((0, 0)),
            ]),
        },
        68..=74 => Step::DelAddr(
            name(rng),
            *rng.pick(&addrs),
            *rng.pick(&[24, 25, 30, 32, 8]),
        ),
        _ => {
            let dsts = [
                (Ipv4Addr::new(203, 0, 113, 0), 24),
                (Ipv4Addr::new(203, 0, 113, 0), 25),
                (Ipv4Addr::new(203, 0, 113, 128), 25),
                (Ipv4Addr::new(203, 0, 113, 7), 32),
                (Ipv4Addr::new(203, 0, 113, 8), 24),
                (Ipv4Addr::new(0, 0, 0, 0), 0),
                (Ipv4Addr::new(192, 0, 2, 0), 24),
            ];
            let (dst, len) = *rng.pick(&dsts);
            let gws = [
                Ipv4Addr::new(192, 0, 2, 2),
                Ipv4Addr::new(192, 0, 2, 77),
                Ipv4Addr::new(198, 51, 100, 2),
                Ipv4Addr::new(192, 0, 2, 1),
                Ipv4Addr::new(203, 0, 113, 9),
            ];
            let via = match rng.below(10) {
                0..=2 => RouteVia::Dev(name(rng)),
                3..=5 => RouteVia::Gateway(IpAddr::V4(*rng.pick(&gws))),
                6 => RouteVia::GatewayDev(IpAddr::V4(*rng.pick(&gws)), name(rng)),
                7 => RouteVia::Any,
                _ => RouteVia::Type(*rng.pick(&[6, 7, 8])),
            };
            Step::Route {
                delete: rng.chance(30),
                mode: rng.below(5) as u8,
                dst: IpAddr::V4(dst),
                len,
                via,
                table: *rng.pick(&[254, 254, 100]),
                metric: *rng.pick(&[0, 0, 10]),
                src: None,
            }
        }
    }
}

/// One side: the real kernel or the simulator.
struct Side {
    conn: Connection,
    /// What the last `GetAddr6` found, normalised (compared with the
    /// reply).
    got: Option<String>,
}

/// `RTM_GETADDR` of one IPv6 address (`inet6_rtm_getaddr`); the library
/// has no request for it (IPv4 answers none).
struct GetAddr6 {
    index: u32,
    addr: IpAddr,
}

impl nlwire::Request for GetAddr6 {
    fn message_type(&self) -> u16 {
        nlwire::route::RTM_GETADDR
    }
    fn emit_payload(&self, w: &mut nlwire::wire::Writer<'_>) {
        nlwire::route::IfAddrMsg {
            family: nlwire::route::AF_INET6,
            prefix_len: 0,
            flags: 0,
            scope: 0,
            index: self.index,
        }
        .emit(w);
        if let IpAddr::V6(a) = self.addr {
            w.attr(nlwire::route::addr::IFA_ADDRESS, &a.octets());
        }
    }
    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "get address {} on link {}", self.addr, self.index)
    }
}

impl nlwire::Query for GetAddr6 {
    type View<'a> = nlwire::route::AddressMessage<'a>;
    type Item = nlwire::route::Address;
}

/// An index no link has: a request naming a missing link still goes out
/// and the kernel answers it.
const MISSING: u32 = 0x3fff_fff0;

impl Side {
    fn index(&mut self, name: &str) -> u32 {
        self.conn
            .get(GetLink::by_name(name).expect("valid name"))
            .map_or(MISSING, |l| l.index)
    }

    fn apply(&mut self, step: &Step) -> Result<(), Error> {
        match *step {
            Step::AddVeth(a, b) => self.conn.execute(ops::create_veth(a, b)?),
            Step::AddBridge(n) => self.conn.execute(ops::create_bridge(n)?),
            Step::Delete(n) => self.conn.request(LinkRequest::delete(n)?),
            Step::Up(n, up) => self.conn.request(LinkRequest::set(n)?.up(up)),
            Step::Mtu(n, m) => self.conn.request(LinkRequest::set(n)?.mtu(m)),
            Step::Master(n, m) => {
                let req = LinkRequest::set(n)?;
                let req = match m {
                    Some(m) => {
                        let i = self.index(m);
                        req.master(i)?
                    }
                    None => req.nomaster(),
                };
                self.conn.request(req)
            }
            Step::Rename(n, to) => {
                let i = self.index(n);
                self.conn.request(LinkRequest::set(i)?.rename(to)?)
            }
            Step::GenMode(n, mode) => self.conn.request(LinkRequest::set(n)?.addr_gen_mode(mode)),
            Step::Group(n, g) => self.conn.request(LinkRequest::set(n)?.group(g)),
            Step::GetAddr6(link, addr) => {
                let index = link.map_or(0, |n| self.index(n));
                let a = self.conn.get(GetAddr6 { index, addr })?;
                self.got = Some(format!(
                    "{} {:?}/{} flags={:#x} scope={} proto={:?}",
                    a.index, a.addr, a.prefix_len, a.flags, a.scope, a.proto
                ));
                Ok(())
            }
            Step::AddAddr {
                link,
                addr,
                len,
                brd,
                mode,
                metric,
                lifetimes,
            } => {
                let i = self.index(link);
                let a = IpAddr::V4(addr);
                let mut req = match mode {
                    0 => AddressRequest::add(i, a, len)?,
                    1 => AddressRequest::replace(i, a, len)?,
                    _ => AddressRequest::change(i, a, len)?,
                };
                if brd && len < 31 {
                    let m = u32::MAX << (32 - len);
                    req = req.broadcast(Ipv4Addr::from(u32::from(addr) | !m))?;
                }
                if metric != 0 {
                    req = req.metric(metric);
                }
                if let Some((valid, preferred)) = lifetimes {
                    req = req.lifetimes(valid, preferred)?;
                }
                self.conn.request(req)
            }
            Step::Addr6 {
                delete,
                mode,
                link,
                addr,
                len,
                flags,
                metric,
                bad_lifetimes,
            } => {
                let i = self.index(link);
                let mut req = match (delete, mode) {
                    (true, _) => AddressRequest::delete(i, addr, len)?,
                    (false, 0) => AddressRequest::add(i, addr, len)?,
                    (false, 1) => AddressRequest::replace(i, addr, len)?,
                    (false, _) => AddressRequest::change(i, addr, len)?,
                };
                if !delete {
                    req = req.flags(flags);
                    if metric != 0 {
                        req = req.metric(metric);
                    }
                    if bad_lifetimes {
                        req = req.lifetimes(0, 0)?;
                    }
                }
                self.conn.request(req)
            }
            Step::DelAddr(link, addr, len) => {
                let i = self.index(link);
                self.conn
                    .request(AddressRequest::delete(i, IpAddr::V4(addr), len)?)
            }
            Step::Route {
                delete,
                mode,
                dst,
                len,
                via,
                table,
                metric,
                src,
            } => {
                let d = dst;
                let mut req = if delete {
                    RouteRequest::delete(d, len)?
                } else {
                    match mode {
                        0 => RouteRequest::add(d, len)?,
                        1 => RouteRequest::replace(d, len)?,
                        2 => RouteRequest::append(d, len)?,
                        3 => RouteRequest::prepend(d, len)?,
                        _ => RouteRequest::change(d, len)?,
                    }
                };
                req = match via {
                    RouteVia::Dev(n) => {
                        let i = self.index(n);
                        req.oif(i)?
                    }
                    RouteVia::Gateway(g) => req.gateway(g)?,
                    RouteVia::GatewayDev(g, n) => {
                        let i = self.index(n);
                        req.gateway(g)?.oif(i)?
                    }
                    RouteVia::Type(t) => req.kind(t),
                    RouteVia::Any => req,
                };
                if table != 254 {
                    req = req.table(table);
                }
                if metric != 0 {
                    req = req.metric(metric);
                }
                if let Some(src) = src {
                    req = req.prefsrc(src)?;
                }
                self.conn.request(req)
            }
            Step::Rule {
                delete,
                ipv6,
                pref,
                from,
                to,
                table,
                action,
                tos,
            } => {
                let mut req = if delete {
                    RuleRequest::delete(ipv6)
                } else {
                    RuleRequest::add(ipv6)
                };
                if let Some(p) = pref {
                    req = req.priority(p);
                }
                if let Some((a, l)) = from {
                    req = req.from(a, l)?;
                }
                if let Some((a, l)) = to {
                    req = req.to(a, l)?;
                }
                if let Some(t) = table {
                    req = req.table(t);
                }
                if let Some(a) = action {
                    req = req.action(a);
                }
                if tos != 0 {
                    req = req.tos(tos);
                }
                self.conn.request(req)
            }
            Step::Neigh {
                delete,
                mode,
                link,
                dst,
                lladdr,
                state,
            } => {
                let i = self.index(link);
                let mut req = if delete {
                    NeighbourRequest::delete(i, dst)?
                } else {
                    match mode {
                        0 => NeighbourRequest::add(i, dst)?,
                        1 => NeighbourRequest::replace(i, dst)?,
                        _ => NeighbourRequest::change(i, dst)?,
                    }
                    .state(state)
                };
                if let Some(ll) = &lladdr
                    && !delete
                {
                    req = req.lladdr(ll)?;
                }
                self.conn.request(req)
            }
        }
    }

    fn state(&mut self) -> Result<Vec<String>, Error> {
        state(&mut self.conn)
    }
}

/// Links, IPv4 addresses, IPv4 routes and IPv4 rules, normalised (see
/// `sim/DIFFERENCES.md` for what is left out).
fn state(conn: &mut Connection) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut bridges = std::collections::BTreeSet::new();
    for l in conn.links() {
        let l = l?;
        if l.kind.as_deref() == Some("bridge") {
            bridges.insert(l.index);
        }
        out.push(format!(
            "link {} {} flags={:#x} mtu={:?} oper={:?} master={:?} link={:?} kind={:?} slave={:?} txq={:?} group={:?} alias={:?} qdisc={:?}",
            l.index,
            l.name,
            l.flags,
            l.mtu,
            l.operstate,
            l.master,
            l.link,
            l.kind,
            l.slave_kind,
            l.txqlen,
            l.group,
            l.alias,
            l.qdisc,
        ));
    }
    for a in conn.addresses() {
        let a = a?;
        if a.family != nlwire::route::AF_INET && a.family != nlwire::route::AF_INET6 {
            continue;
        }
        let addr = match a.addr {
            Some(x) if bridges.contains(&a.index) && made_link_local(x) => "eui64".to_owned(),
            x => format!("{x:?}"),
        };
        out.push(format!(
            "addr {} {}/{} peer={:?} brd={:?} scope={} flags={:#x} label={:?} metric={:?} proto={:?}",
            a.index,
            addr,
            a.prefix_len,
            a.peer,
            a.broadcast,
            a.scope,
            a.flags,
            a.label.as_deref(),
            a.priority,
            a.proto,
        ));
    }
    // The local routes of bridges' link-local addresses, normalised, in
    // an order of their own (the tree's is the addresses').
    let mut bridge_ll = Vec::new();
    for r in conn.routes() {
        let r = r?;
        if r.family != nlwire::route::AF_INET && r.family != nlwire::route::AF_INET6 {
            continue;
        }
        let bridge_local =
            r.dst.is_some_and(made_link_local) && r.oif.is_some_and(|o| bridges.contains(&o));
        let dst = if bridge_local {
            "eui64".to_owned()
        } else {
            format!("{:?}", r.dst)
        };
        let out = if bridge_local {
            &mut bridge_ll
        } else {
            &mut out
        };
        out.push(format!(
            "route{} t={} {}/{} tos={} proto={} scope={} type={} flags={:#x} gw={:?} src={:?} oif={:?} metric={:?} hops={:?} metrics={:?}",
            if r.family == nlwire::route::AF_INET6 { "6" } else { "" },
            r.table,
            dst,
            r.dst_len,
            r.tos,
            r.protocol,
            r.scope,
            r.kind,
            r.flags,
            r.gateway,
            r.prefsrc,
            r.oif,
            r.priority,
            r.next_hops,
            r.metrics,
        ));
        if r.family == nlwire::route::AF_INET6 {
            let _ = write!(
                out.last_mut().expect("pushed"),
                " pref={:?} other={:?}",
                r.pref,
                r.other
            );
        }
    }
    bridge_ll.sort();
    out.extend(bridge_ll);
    for r in conn.rules() {
        let r = r?;
        out.push(format!("rule {r:?}"));
    }
    // Neighbours in a fixed order (the kernel's hash order is seeded at
    // random); without the multicast entries traffic makes (MLD, IGMP),
    // the stateless entries a failed add leaves, and the ages (see
    // DIFFERENCES.md).
    let mut neighs = Vec::new();
    for n in conn.neighbours() {
        let n = n?;
        let mcast = n.dst.is_some_and(|d| d.is_multicast());
        if (mcast && n.state == 0x40) || n.state == 0 {
            continue;
        }
        neighs.push(format!(
            "neigh {} {} {:?} state={:#x} flags={:#x} ll={:?} probes={:?} proto={:?} ext={:?}",
            n.family, n.index, n.dst, n.state, n.flags, n.lladdr, n.probes, n.protocol, n.flags_ext
        ));
    }
    neighs.sort();
    out.extend(neighs);
    Ok(out)
}

/// A link-local address of address generation (`eui64`: `fe80::/64`,
/// `ff:fe` in the middle of the interface id). A bridge's is made of the
/// address it had when it became ready, random in the kernel until it has
/// a port: the differential compares bridges' as `eui64`.
fn made_link_local(a: IpAddr) -> bool {
    match a {
        IpAddr::V6(v) => {
            let o = v.octets();
            o[..8] == [0xfe, 0x80, 0, 0, 0, 0, 0, 0] && o[11] == 0xff && o[12] == 0xfe
        }
        IpAddr::V4(_) => false,
    }
}

/// The kernel's state once it matches `want`, or after 1.5 s: the kernel
/// applies carrier and operational state asynchronously (linkwatch), so
/// it gets time to settle before a difference is called. A dump the
/// kernel interrupted on its own (linkwatch, IPv6 DAD) is taken again.
/// `waits` counts the 5 ms waits.
fn settled(
    want: &[String],
    waits: &mut u32,
    mut read: impl FnMut() -> Result<Vec<String>, Error>,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_millis(1500);
    loop {
        let st = loop {
            match read() {
                Err(Error::DumpInterrupted { .. }) => continue,
                r => break r.expect("kernel dump"),
            }
        };
        if st == want || Instant::now() > deadline {
            return st;
        }
        *waits += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The lines only one side has.
fn describe(d: &mut String, kernel: &[String], sim: &[String]) {
    for l in kernel.iter().filter(|l| !sim.contains(l)) {
        let _ = writeln!(d, "    kernel only: {l}");
    }
    for l in sim.iter().filter(|l| !kernel.contains(l)) {
        let _ = writeln!(d, "    sim only:    {l}");
    }
    if d.lines().count() == 1 {
        let _ = writeln!(d, "    (same lines, another order):");
        for (k, s) in kernel.iter().zip(sim) {
            if k != s {
                let _ = writeln!(d, "    kernel: {k}\n    sim:    {s}");
            }
        }
    }
}

/// The reply, as compared: `ok`, or the errno and extended-ack text.
fn reply(r: &Result<(), Error>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(Error::Kernel(k)) => format!("errno {} {:?}", k.errno.0, k.message),
        Err(e) => format!("not a kernel reply: {e}"),
    }
}

/// The running kernel's `major.minor`, so that the simulator behaves as it.
fn release() -> Option<(u32, u32)> {
    let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    let mut it = r.trim().split(['.', '-']);
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// `in_vm` under the VM harness (an emulated kernel, ~10× slower: CI
/// runs fewer seeds there to stay in its time budget), else `host`.
fn vm_or(in_vm: u64, host: u64) -> u64 {
    if nlwire_tests::vm_kernel().is_some() {
        in_vm
    } else {
        host
    }
}

/// Runs one seed; the differences found (empty when none).
fn run_seed(seed: u64, steps: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    run_steps(
        &format!("seed {seed}"),
        (0..steps).map(|_| gen_step(&mut rng)),
    )
}

/// Duplicate address detection that ends at once in `ns` (no probe, no
/// random delay before it): the state the kernel's addresses reach a
/// second or two after they are added, which the simulator's reach at
/// once. The link-local addresses of address generation (`eui64`, the
/// default) are compared: both sides give each veth end the same
/// link-layer address ([`same_mac`]).
fn quick_dad(ns: &TestNs) {
    for k in ["default", "all"] {
        for key in ["dad_transmits", "router_solicitation_delay"] {
            nlwire_mio::sysctl::set_in_netns(ns.path(), &format!("net.ipv6.conf.{k}.{key}"), "0")
                .expect("sysctl in the namespace");
        }
    }
}

/// Gives link `name` the same link-layer address on both sides (the
/// `n`th made): a bridge takes its lowest port's, a change of it flushes
/// the bridge's neighbours, and a link-local address is made of it, so
/// the kernel's random addresses would part the two by chance.
fn same_mac(sides: [&mut Connection; 2], name: &str, n: &mut u16) {
    *n += 1;
    let mac = [0x02, 0, 0x5e, 0, (*n >> 8) as u8, *n as u8];
    for c in sides {
        let req = LinkRequest::set(name)
            .and_then(|r| r.address(&mac))
            .expect("valid request");
        c.request(req).expect("set the veth's address");
    }
}

/// Runs `steps` on both sides; the differences found, each labelled
/// `label`.
fn run_steps(label: &str, steps: impl Iterator<Item = Step>) -> Vec<String> {
    let ns = TestNs::create();
    quick_dad(&ns);
    let mut real = Side {
        conn: Connection::new_in_netns(ns.path()).expect("connect to the namespace"),
        got: None,
    };
    let kernel = release().map_or_else(Kernel::new, |(a, b)| Kernel::with_release(a, b));
    let mut sim = Side {
        conn: Connection::from_transport(
            kernel.socket(kernel.init_ns()).expect("sim socket"),
            ConnectionOptions::default(),
        )
        .expect("sim connection"),
        got: None,
    };
    // TestNs brings lo up; so does the simulator's twin.
    sim.apply(&Step::Up("lo", true)).expect("lo up in the sim");
    let mut history = String::new();
    let mut diffs = Vec::new();
    let mut waits = 0u32;
    let mut macs = 0u16;
    for (n, step) in steps.enumerate() {
        let _ = writeln!(history, "  {n}: {step:?}");
        let (r, s) = (real.apply(&step), sim.apply(&step));
        let (mut r, mut s) = (reply(&r), reply(&s));
        if let (Some(a), Some(b)) = (real.got.take(), sim.got.take()) {
            r = format!("{r} {a}");
            s = format!("{s} {b}");
        }
        if let (&Step::AddVeth(a, b), "ok", "ok") = (&step, r.as_str(), s.as_str()) {
            for name in [a, b] {
                same_mac([&mut real.conn, &mut sim.conn], name, &mut macs);
            }
        }
        if r != s {
            diffs.push(format!(
                "{label} step {n} {step:?}: reply: kernel {r}, sim {s}\n  after:\n{history}"
            ));
        }
        let sim_state = sim.state().expect("sim dump");
        let real_state = settled(&sim_state, &mut waits, || real.state());
        if std::env::var("NLWIRE_SIM_TRACE").is_ok() {
            eprintln!("step {n} {step:?}: kernel {r}, sim {s}");
            for l in &real_state {
                eprintln!("  {l}");
            }
        }
        if real_state != sim_state {
            let mut d = format!("{label} step {n} {step:?}: state differs:\n");
            describe(&mut d, &real_state, &sim_state);
            let _ = write!(d, "  after:\n{history}");
            diffs.push(d);
            // The two have parted: go on with the next seed.
            break;
        }
    }
    if std::env::var("NLWIRE_SIM_VERBOSE").is_ok() {
        eprintln!("{label}: {waits} waits of 5 ms for the kernel to settle");
    }
    diffs
}

/// Sequences that random ones reach rarely, each a rule that once
/// differed: a bridge's MTU following its ports after the user set the
/// value it already had (A, B, C), a bridge left without ports losing
/// its address and with it the right to be a port (D), the order in
/// which links become ready for IPv6 (E), a link's last IPv4 address
/// taking its routes and ARP entries (F), and a bridge made ready for
/// IPv6 by the MTU its last port leaves it (G).
#[test]
fn sim_matches_the_kernel_on_scripted_writes() {
    use Step::*;
    if !privileged_or_skip("sim_matches_the_kernel_on_scripted_writes") {
        return;
    }
    let cases: Vec<(&str, Vec<Step>)> = vec![
        (
            "A: equal MTU, then a larger port",
            vec![
                AddBridge("br0"),
                AddVeth("va0", "vb0"),
                Mtu("va0", 9000),
                Mtu("br0", 1500),
                Master("va0", Some("br0")),
            ],
        ),
        (
            "B: equal MTU, then the last port leaves",
            vec![
                AddBridge("br1"),
                AddVeth("va1", "vb1"),
                Mtu("va1", 1280),
                Master("va1", Some("br1")),
                Mtu("br1", 1280),
                Master("va1", None),
            ],
        ),
        (
            "C: equal MTU, then the port's MTU rises",
            vec![
                AddBridge("br1"),
                AddVeth("va1", "vb1"),
                Mtu("va1", 1280),
                Master("va1", Some("br1")),
                Mtu("br1", 1280),
                Mtu("va1", 1400),
            ],
        ),
        (
            "D: a bridge without ports has no address",
            vec![
                AddBridge("br0"),
                AddBridge("br1"),
                AddVeth("va0", "vb0"),
                Master("va0", Some("br0")),
                Master("va0", None),
                Master("br0", Some("br1")),
                Master("va0", Some("br1")),
                Master("br0", Some("br1")),
            ],
        ),
        (
            "E: a veth up after its peer",
            vec![
                AddVeth("va0", "vb0"),
                Up("vb0", true),
                Up("va0", true),
                AddBridge("br0"),
                Up("br0", true),
                Master("vb0", Some("br0")),
                Mtu("va0", 1200),
                Mtu("va0", 1500),
                Up("va0", false),
                Up("va0", true),
            ],
        ),
        (
            "F: a link's last IPv4 address takes its routes and ARP entries",
            vec![
                AddVeth("va0", "vb0"),
                Up("va0", true),
                Up("vb0", true),
                AddAddr {
                    link: "va0",
                    addr: Ipv4Addr::new(192, 0, 2, 1),
                    len: 24,
                    brd: false,
                    mode: 0,
                    metric: 0,
                    lifetimes: None,
                },
                Route {
                    delete: false,
                    mode: 0,
                    dst: "203.0.113.0".parse().expect("address"),
                    len: 24,
                    via: RouteVia::Gateway("192.0.2.2".parse().expect("address")),
                    table: 254,
                    metric: 0,
                    src: None,
                },
                Neigh {
                    delete: false,
                    mode: 0,
                    link: "va0",
                    dst: "192.0.2.9".parse().expect("address"),
                    lladdr: Some([2, 0, 0, 0, 0, 9]),
                    state: 0x80,
                },
                DelAddr("va0", Ipv4Addr::new(192, 0, 2, 1), 24),
            ],
        ),
        (
            "G: a bridge's last port leaves: IPv6 comes with its MTU",
            vec![
                AddBridge("br0"),
                AddVeth("va0", "vb0"),
                Mtu("va0", 1200),
                Master("va0", Some("br0")),
                Up("vb0", true),
                Up("va0", true),
                Up("br0", true),
                Master("va0", None),
            ],
        ),
    ];
    let mut all = Vec::new();
    for (label, steps) in cases {
        all.extend(run_steps(label, steps.into_iter()));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn sim_matches_the_kernel_on_random_writes() {
    if !privileged_or_skip("sim_matches_the_kernel_on_random_writes") {
        return;
    }
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let steps = env("NLWIRE_SIM_STEPS", 200) as usize;
    let seeds: Vec<u64> = match std::env::var("NLWIRE_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("NLWIRE_SIM_SEED is a number")],
        Err(_) => (1..=env("NLWIRE_SIM_SEEDS", vm_or(25, 50))).collect(),
    };
    let mut all = Vec::new();
    for &seed in &seeds {
        all.extend(run_seed(seed, steps));
    }
    assert!(
        all.is_empty(),
        "{} difference(s) between the simulator and the kernel over {} seeds × {steps} steps:\n{}",
        all.len(),
        seeds.len(),
        all.join("\n")
    );
}

/// The datagrams of a dump, as a reader with `buf_len`-byte buffers gets
/// them from `sock`: each datagram's bytes, with the port id zeroed.
fn raw_dump(
    sock: &dyn nlwire_conn::Transport,
    kind: u16,
    header: &[u8],
    buf_len: usize,
) -> Vec<Vec<u8>> {
    use nlwire::wire::{Messages, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, Writer};
    let mut req = [0u8; 64];
    let mut w = Writer::new(&mut req);
    let m = w.begin_message(kind, NLM_F_REQUEST | NLM_F_DUMP, 7, sock.port());
    w.put(header);
    w.end_message(m);
    let n = w.finish().expect("request");
    sock.send(&req[..n]).expect("send");
    let mut buf = vec![0u8; buf_len];
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match sock.recv(&mut buf) {
            Ok(len) => {
                let mut d = buf[..len.min(buf_len)].to_vec();
                let mut end = false;
                let mut off = 0;
                for m in Messages::new(&buf[..len.min(buf_len)]) {
                    let m = m.expect("message");
                    d[off + 12..off + 16].fill(0);
                    off += (m.as_bytes().len() + 3) & !3;
                    end |= m.kind() == NLMSG_DONE || m.kind() == NLMSG_ERROR;
                }
                out.push(d);
                if end {
                    return out;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "the dump did not end");
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
}

/// Dumps come in the kernel's datagrams: the first of a socket's first
/// dump `NLMSG_GOODSIZE`, the next as large as the reader's buffer allows
/// (at most 32 KiB less the skb overhead), `NLMSG_DONE` alone for routes,
/// with the rules' — and a route's message is the kernel's, byte for byte.
#[test]
fn dump_datagrams_are_the_kernels() {
    if !privileged_or_skip("dump_datagrams_are_the_kernels") {
        return;
    }
    let ns = TestNs::create();
    let mut real = Connection::new_in_netns(ns.path()).expect("connection");
    let kernel = release().map_or_else(Kernel::new, |(a, b)| Kernel::with_release(a, b));
    let mut sim = Connection::from_transport(
        kernel.socket(kernel.init_ns()).expect("socket"),
        ConnectionOptions::default(),
    )
    .expect("sim connection");
    sim.execute(ops::set_link_up("lo").unwrap()).unwrap();
    for c in [&mut real, &mut sim] {
        c.execute(ops::create_veth("d0", "d1").unwrap()).unwrap();
        c.execute(ops::set_link_up("d0").unwrap()).unwrap();
        let oif = c.get(GetLink::by_name("d0").unwrap()).unwrap().index;
        nlwire_tests::install_doc_routes(c, oif, 3000);
    }
    let rtmsg_v4 = [2u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // Two readers' buffer sizes, each on fresh sockets (the kernel sizes
    // dump datagrams by the largest buffer a socket has received into):
    // the first dump of each socket starts at NLMSG_GOODSIZE, the second
    // at the buffer's size.
    for (buf, what) in [(65536, "64 KiB buffers"), (8192, "8 KiB buffers")] {
        let real_sock = nlwire_conn::open_socket(Some(&ns.path()), &Default::default()).unwrap();
        let sim_sock = kernel.socket(kernel.init_ns()).unwrap();
        for round in 0..2 {
            let r = raw_dump(&real_sock, 26, &rtmsg_v4, buf);
            let s = raw_dump(&sim_sock, 26, &rtmsg_v4, buf);
            let sizes = |v: &Vec<Vec<u8>>| v.iter().map(Vec::len).collect::<Vec<_>>();
            assert_eq!(
                sizes(&s),
                sizes(&r),
                "routes, {what}, round {round}: datagram sizes"
            );
            for (i, (a, b)) in s.iter().zip(&r).enumerate() {
                if let Some(at) = a.iter().zip(b).position(|(x, y)| x != y) {
                    let from = at.saturating_sub(24);
                    panic!(
                        "routes, {what}, round {round}: datagram {i} differs at byte {at}:\n  sim    {:?}\n  kernel {:?}",
                        &a[from..(at + 40).min(a.len())],
                        &b[from..(at + 40).min(b.len())]
                    );
                }
            }
        }
    }
    let real_sock = nlwire_conn::open_socket(Some(&ns.path()), &Default::default()).unwrap();
    let sim_sock = kernel.socket(kernel.init_ns()).unwrap();
    let rule_hdr = [2u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let r = raw_dump(&real_sock, 34, &rule_hdr, 65536);
    let s = raw_dump(&sim_sock, 34, &rule_hdr, 65536);
    assert!(s == r, "rules: sim {s:?}\nkernel {r:?}");
}

/// Two namespaces on each side, for writes that cross them.
struct Pair {
    conns: [Connection; 2],
    /// Descriptors naming namespace 0 and 1 in requests.
    fds: [i32; 2],
}

/// A write in a two-namespace world: moves (with renames), veths made
/// across, deletes, ups, addresses — by link names, in namespace `ns`.
#[derive(Debug, Clone)]
enum Cross {
    Veth(usize, &'static str, &'static str),
    VethAcross(usize, &'static str, &'static str),
    Move(usize, &'static str, Option<&'static str>),
    Delete(usize, &'static str),
    Up(usize, &'static str, bool),
    Addr(usize, &'static str, u8),
}

fn gen_cross(rng: &mut Rng) -> Cross {
    const N: &[&str] = &["v0", "v1", "v2", "eth0"];
    let ns = rng.below(2);
    let n = *rng.pick(N);
    let m: &'static str = N[rng.below(N.len())];
    match rng.below(10) {
        0 => Cross::Veth(ns, n, m),
        1 => Cross::VethAcross(ns, n, m),
        2 | 3 => Cross::Move(ns, n, rng.chance(50).then(|| *rng.pick(N))),
        4 => Cross::Delete(ns, n),
        5..=7 => Cross::Up(ns, n, rng.chance(70)),
        _ => Cross::Addr(ns, n, 1 + rng.below(3) as u8),
    }
}

impl Pair {
    fn apply(&mut self, step: &Cross) -> Result<(), Error> {
        use nlwire::route::{LinkKind, NetnsRef};
        match *step {
            Cross::Veth(ns, a, b) => self.conns[ns].execute(ops::create_veth(a, b)?),
            Cross::VethAcross(ns, a, b) => {
                let kind = LinkKind::Veth {
                    peer: b,
                    peer_netns: Some(NetnsRef::Fd(self.fds[1 - ns])),
                };
                self.conns[ns].execute(ops::create_link(a, kind)?)
            }
            Cross::Move(ns, n, rename) => {
                let to = NetnsRef::Fd(self.fds[1 - ns]);
                self.conns[ns].execute(ops::move_link_to_netns(n, to, rename)?)
            }
            Cross::Delete(ns, n) => self.conns[ns].request(LinkRequest::delete(n)?),
            Cross::Up(ns, n, up) => self.conns[ns].request(LinkRequest::set(n)?.up(up)),
            Cross::Addr(ns, n, host) => {
                let i = self.conns[ns]
                    .get(GetLink::by_name(n)?)
                    .map_or(MISSING, |l| l.index);
                let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, host));
                self.conns[ns].request(AddressRequest::add(i, a, 24)?)
            }
        }
    }

    fn state(&mut self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for (i, c) in self.conns.iter_mut().enumerate() {
            let st = state(c);
            // The operational state of a veth whose peer is in the other
            // namespace is left out: see sim/DIFFERENCES.md.
            out.extend(st?.into_iter().map(|l| {
                let l = match (l.find(" oper="), l.find(" master=")) {
                    (Some(a), Some(b)) if l.contains("kind=Some(\"veth\")") => {
                        format!("{}{}", &l[..a], &l[b..])
                    }
                    _ => l,
                };
                format!("ns{i} {l}")
            }));
        }
        Ok(out)
    }
}

/// The simulator against the kernel for writes across two namespaces:
/// moving a veth's end into another namespace (renamed or not), making a
/// pair with its peer there, and what follows in both.
#[test]
fn sim_matches_the_kernel_across_namespaces() {
    if !privileged_or_skip("sim_matches_the_kernel_across_namespaces") {
        return;
    }
    let seeds = std::env::var("NLWIRE_SIM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(vm_or(8, 15));
    let mut diffs = Vec::new();
    'seeds: for seed in 1..=seeds {
        let (na, nb) = (TestNs::create(), TestNs::create());
        quick_dad(&na);
        quick_dad(&nb);
        let files = [
            std::fs::File::open(na.path()).expect("open namespace a"),
            std::fs::File::open(nb.path()).expect("open namespace b"),
        ];
        use std::os::fd::AsRawFd;
        let mut real = Pair {
            conns: [
                Connection::new_in_netns(na.path()).expect("a"),
                Connection::new_in_netns(nb.path()).expect("b"),
            ],
            fds: [files[0].as_raw_fd(), files[1].as_raw_fd()],
        };
        let kernel = release().map_or_else(Kernel::new, |(a, b)| Kernel::with_release(a, b));
        let b = kernel.add_netns("b").expect("sim b");
        let sim_fds = [
            kernel.netns_fd(kernel.init_ns()).expect("fd"),
            kernel.netns_fd(b).expect("fd"),
        ];
        let sim_conn = |ns| {
            Connection::from_transport(
                kernel.socket(ns).expect("socket"),
                ConnectionOptions::default(),
            )
            .expect("connection")
        };
        let mut sim = Pair {
            conns: [sim_conn(kernel.init_ns()), sim_conn(b)],
            fds: [sim_fds[0].raw(), sim_fds[1].raw()],
        };
        for c in &mut sim.conns {
            c.execute(ops::set_link_up("lo").expect("name"))
                .expect("lo up");
        }
        nb.ip(&["link", "set", "lo", "up"]);
        let mut rng = Rng::new(seed);
        let mut history = String::new();
        let mut macs = 0u16;
        for n in 0..120 {
            let step = gen_cross(&mut rng);
            let _ = writeln!(history, "  {n}: {step:?}");
            let (r, s) = (reply(&real.apply(&step)), reply(&sim.apply(&step)));
            if r != s {
                diffs.push(format!(
                    "seed {seed} step {n} {step:?}: reply: kernel {r}, sim {s}\n  after:\n{history}"
                ));
                continue 'seeds;
            }
            let made = match step {
                Cross::Veth(ns, a, b) => Some(((ns, a), (ns, b))),
                Cross::VethAcross(ns, a, b) => Some(((ns, a), (1 - ns, b))),
                _ => None,
            };
            if let (Some(ends), "ok") = (made, r.as_str()) {
                for (ns, name) in [ends.0, ends.1] {
                    let [ra, rb] = &mut real.conns;
                    let [sa, sb] = &mut sim.conns;
                    let (rc, sc) = if ns == 0 { (ra, sa) } else { (rb, sb) };
                    same_mac([rc, sc], name, &mut macs);
                }
            }
            let want = sim.state().expect("sim dump");
            let got = settled(&want, &mut 0, || real.state());
            if got != want {
                let mut d = format!("seed {seed} step {n} {step:?}: state differs:\n");
                describe(&mut d, &got, &want);
                let _ = write!(d, "  after:\n{history}");
                diffs.push(d);
                continue 'seeds;
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} difference(s) across namespaces over {seeds} seeds × 120 steps:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
