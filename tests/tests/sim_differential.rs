//! The simulator against the real kernel: seeded random sequences of
//! link, IPv4 address and IPv4 route writes, sent through the library to a
//! fresh namespace and to a `nlwire-sim` kernel. After every step the two
//! replies (acknowledgement, or errno and extended-ack text) and whole
//! dumps of links, IPv4 addresses and IPv4 routes must agree.
//!
//! What is not compared, and why, is in `sim/DIFFERENCES.md`; the
//! normalisation below is its code.
//!
//! `NLWIRE_SIM_SEEDS` (default 50; 12 in the VMs, which emulate without
//! hardware help) and `NLWIRE_SIM_STEPS` (default 200; 150 in the VMs)
//! size the run; `NLWIRE_SIM_SEED` runs one seed.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use nlwire::route::{AddressRequest, GetLink, LinkRequest, RouteRequest};
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
    AddAddr {
        link: &'static str,
        addr: Ipv4Addr,
        len: u8,
        brd: bool,
        mode: u8,
        metric: u32,
    },
    DelAddr(&'static str, Ipv4Addr, u8),
    Route {
        delete: bool,
        mode: u8,
        dst: Ipv4Addr,
        len: u8,
        via: RouteVia,
        table: u32,
        metric: u32,
    },
}

#[derive(Debug, Clone, Copy)]
enum RouteVia {
    Dev(&'static str),
    Gateway(Ipv4Addr),
    GatewayDev(Ipv4Addr, &'static str),
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
                3..=5 => RouteVia::Gateway(*rng.pick(&gws)),
                6 => RouteVia::GatewayDev(*rng.pick(&gws), name(rng)),
                7 => RouteVia::Any,
                _ => RouteVia::Type(*rng.pick(&[6, 7, 8])),
            };
            Step::Route {
                delete: rng.chance(30),
                mode: rng.below(5) as u8,
                dst,
                len,
                via,
                table: *rng.pick(&[254, 254, 100]),
                metric: *rng.pick(&[0, 0, 10]),
            }
        }
    }
}

/// One side: the real kernel or the simulator.
struct Side {
    conn: Connection,
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
            Step::AddAddr {
                link,
                addr,
                len,
                brd,
                mode,
                metric,
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
            } => {
                let d = IpAddr::V4(dst);
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
                    RouteVia::Gateway(g) => req.gateway(IpAddr::V4(g))?,
                    RouteVia::GatewayDev(g, n) => {
                        let i = self.index(n);
                        req.gateway(IpAddr::V4(g))?.oif(i)?
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
                self.conn.request(req)
            }
        }
    }

    /// Links, IPv4 addresses and IPv4 routes, normalised (see
    /// `sim/DIFFERENCES.md` for what is left out).
    fn state(&mut self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for l in self.conn.links() {
            let l = l?;
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
        for a in self.conn.addresses() {
            let a = a?;
            if a.family != nlwire::route::AF_INET {
                continue;
            }
            out.push(format!(
                "addr {} {:?}/{} peer={:?} brd={:?} scope={} flags={:#x} label={:?} metric={:?} proto={:?}",
                a.index,
                a.addr,
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
        for r in self.conn.routes() {
            let r = r?;
            if r.family != nlwire::route::AF_INET {
                continue;
            }
            out.push(format!(
                "route t={} {:?}/{} tos={} proto={} scope={} type={} flags={:#x} gw={:?} src={:?} oif={:?} metric={:?} hops={:?} metrics={:?}",
                r.table,
                r.dst,
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
        }
        Ok(out)
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

/// Runs one seed; the differences found (empty when none).
fn run_seed(seed: u64, steps: usize) -> Vec<String> {
    let ns = TestNs::create();
    let mut real = Side {
        conn: Connection::new_in_netns(ns.path()).expect("connect to the namespace"),
    };
    let kernel = release().map_or_else(Kernel::new, |(a, b)| Kernel::with_release(a, b));
    let mut sim = Side {
        conn: Connection::from_transport(
            kernel.socket(kernel.init_ns()).expect("sim socket"),
            ConnectionOptions::default(),
        )
        .expect("sim connection"),
    };
    // TestNs brings lo up; so does the simulator's twin.
    sim.apply(&Step::Up("lo", true)).expect("lo up in the sim");
    let mut rng = Rng::new(seed);
    let mut history = String::new();
    let mut diffs = Vec::new();
    for n in 0..steps {
        let step = gen_step(&mut rng);
        let _ = writeln!(history, "  {n}: {step:?}");
        let (r, s) = (real.apply(&step), sim.apply(&step));
        let (r, s) = (reply(&r), reply(&s));
        if r != s {
            diffs.push(format!(
                "seed {seed} step {n} {step:?}: reply: kernel {r}, sim {s}\n  after:\n{history}"
            ));
        }
        let sim_state = sim.state().expect("sim dump");
        // The kernel applies carrier and operational state asynchronously
        // (linkwatch): give it up to a second to settle before calling a
        // difference.
        let deadline = Instant::now() + Duration::from_millis(1500);
        let real_state = loop {
            let st = real.state().expect("kernel dump");
            if st == sim_state || Instant::now() > deadline {
                break st;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if real_state != sim_state {
            let mut d = format!("seed {seed} step {n} {step:?}: state differs:\n");
            for l in &real_state {
                if !sim_state.contains(l) {
                    let _ = writeln!(d, "    kernel only: {l}");
                }
            }
            for l in &sim_state {
                if !real_state.contains(l) {
                    let _ = writeln!(d, "    sim only:    {l}");
                }
            }
            if d.lines().count() == 1 {
                let _ = writeln!(d, "    (same lines, another order)");
            }
            let _ = write!(d, "  after:\n{history}");
            diffs.push(d);
            // The two have parted: go on with the next seed.
            break;
        }
    }
    diffs
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
    // Under the VM harness (TCG, ~10× slower) CI runs a smaller set.
    let (d_seeds, d_steps) = if nlwire_tests::vm_kernel().is_some() {
        (12, 150)
    } else {
        (50, 200)
    };
    let steps = env("NLWIRE_SIM_STEPS", d_steps) as usize;
    let seeds: Vec<u64> = match std::env::var("NLWIRE_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("NLWIRE_SIM_SEED is a number")],
        Err(_) => (1..=env("NLWIRE_SIM_SEEDS", d_seeds)).collect(),
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
