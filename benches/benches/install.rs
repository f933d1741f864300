//! Installing many routes in a private namespace: nlwire's batch API
//! against sequential nlwire requests, `ip -batch` and the `rtnetlink`
//! crate (one request at a time, and 64 in flight), in the same run; on
//! two CPUs, `batch_parallel` over two connections against `ip -batch` in
//! two processes. Each method's wall time and CPU time (user + sys, its
//! threads' and children's) are reported.
//!
//! `cargo bench -p nlwire-benches --bench install` (root). The number of
//! routes is `NLWIRE_BENCH_ROUTES` (default 100,000); each method runs
//! `NLWIRE_BENCH_RUNS` times (default 5) in a fresh namespace, the methods
//! taking turns, and the median is reported with its ratio to the batch;
//! `NLWIRE_BENCH_ONLY=a,b` runs only the batch and the methods whose name
//! contains `a` or `b`. `-- --test` runs a small size once as a smoke test (CI).
//!
//! Routes are IPv6 /64s under 2001:db8::/32 (the documentation range) out
//! of a veth in the namespace; nothing leaves it.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use nlwire::Batch;
use nlwire::route::{GetLink, Link, RouteRequest};
use nlwire::wire::{Messages, NLM_F_ACK, NLMSG_ERROR};
use nlwire_benches::{cpu_now, median};
use nlwire_tests::TestNs;

const TABLE: u32 = 300;

fn prefix(i: u32) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, (i >> 16) as u16, i as u16, 0, 0, 0, 0)
}

fn setup() -> (TestNs, nlwire_mio::Connection, u32) {
    let ns = TestNs::create();
    ns.ip(&["link", "add", "b0", "type", "veth", "peer", "name", "b1"]);
    ns.ip(&["link", "set", "b0", "up"]);
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let l: Link = conn
        .get(GetLink::by_name("b0").expect("name"))
        .expect("b0 exists");
    (ns, conn, l.index)
}

/// Removes the veth, which flushes its routes synchronously, then the
/// namespace. Deleting a namespace that still holds 100,000 routes leaves
/// the kernel freeing them on a workqueue for about 0.3 s of CPU, which
/// would overlap the next method's timed install; this way every method
/// starts on an idle kernel.
fn teardown(ns: TestNs) {
    ns.ip(&["link", "del", "b0"]);
    drop(ns);
}

/// Ends a method that took `d`: checks that all `n` routes are in the
/// table, tears the namespace down, and returns `d`.
fn finish(ns: TestNs, d: Cost, n: u32) -> Cost {
    assert_eq!(installed(&ns), n as usize);
    teardown(ns);
    d
}

fn route(i: u32, oif: u32) -> RouteRequest<'static> {
    route_in(i, oif, TABLE)
}

fn route_in(i: u32, oif: u32, table: u32) -> RouteRequest<'static> {
    RouteRequest::add(IpAddr::V6(prefix(i)), 64)
        .expect("valid prefix")
        .oif(oif)
        .expect("index")
        .table(table)
}

/// The routes in `TABLE` and the next table (where the two-table methods
/// put their second half).
fn installed(ns: &TestNs) -> usize {
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let mut n = 0;
    conn.dump_with(nlwire::route::GetRoutes::ipv6(), |r| {
        n += usize::from(r.table == TABLE || r.table == TABLE + 1)
    })
    .expect("dump");
    n
}

/// Route indices `0..n` split into `lanes` contiguous ranges (for `ip`
/// processes).
fn lanes(n: u32, lanes: u32) -> impl Iterator<Item = std::ops::Range<u32>> {
    let per = n.div_ceil(lanes);
    (0..lanes).map(move |k| (k * per).min(n)..((k + 1) * per).min(n))
}

/// nlwire's batch API: the requests are encoded into one [`Batch`]
/// (timed) and sent on one connection, or, when `lanes > 1`, spread over
/// `lanes` connections of the namespace on as many threads with
/// `Connection::batch_parallel` (the connections are opened before the
/// clock starts, as a long-lived program keeps them).
fn nlwire_batch_lanes(n: u32, lanes: usize) -> Cost {
    nlwire_batch_tables(n, lanes, 1)
}

/// Like [`nlwire_batch_lanes`], the routes split over `tables` tables in
/// contiguous halves (so each lane of a two-lane run writes its own
/// table): how far the kernel scales when the lanes do not share a table's
/// lock.
fn nlwire_batch_tables(n: u32, lanes: usize, tables: u32) -> Cost {
    let (ns, mut conn, oif) = setup();
    let mut others: Vec<_> = (1..lanes)
        .map(|_| nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection"))
        .collect();
    let t = Clock::start();
    let mut b = Batch::with_capacity(n as usize, 64);
    for i in 0..n {
        let table = TABLE + (u64::from(i) * u64::from(tables) / u64::from(n)) as u32;
        b.push(&route_in(i, oif, table)).expect("encode");
    }
    let out = conn.batch_parallel(&mut others, &b).expect("batch");
    assert!(out.is_ok(), "{:?}", out.failures().first());
    finish(ns, t.stop(), n)
}

fn nlwire_batch(n: u32) -> Cost {
    nlwire_batch_lanes(n, 1)
}

fn nlwire_batch_2(n: u32) -> Cost {
    nlwire_batch_lanes(n, 2)
}

fn nlwire_batch_two_tables(n: u32) -> Cost {
    nlwire_batch_tables(n, 1, 2)
}

fn nlwire_batch_2_two_tables(n: u32) -> Cost {
    nlwire_batch_tables(n, 2, 2)
}

/// The kernel's floor: the same requests, encoded before the clock starts
/// into datagrams of 256 (nlwire's default) where only the last asks for
/// an acknowledgement, sent on a bare socket; each datagram's ack is
/// awaited before the next is sent. What remains is the kernel's work and
/// the system calls — no client can go below it.
fn raw_floor(n: u32) -> Cost {
    const PER: usize = 256;
    let (ns, _conn, oif) = setup();
    let sock =
        nlwire_sys::NetlinkSocket::open_in_netns(ns.path(), &Default::default()).expect("socket");
    let mut b = Batch::with_capacity(n as usize, 64);
    for i in 0..n {
        b.push(&route(i, oif)).expect("encode");
    }
    let mut datagrams: Vec<(Vec<u8>, u32)> = Vec::new();
    for (k, chunk) in (0..b.len()).collect::<Vec<_>>().chunks(PER).enumerate() {
        let mut d = Vec::new();
        for &i in chunk {
            let mut m = b.message(i).to_vec();
            m[8..12].copy_from_slice(&(i as u32 + 1).to_ne_bytes());
            if i != *chunk.last().expect("not empty") {
                let flags = u16::from_ne_bytes([m[6], m[7]]) & !NLM_F_ACK;
                m[6..8].copy_from_slice(&flags.to_ne_bytes());
            }
            d.extend_from_slice(&m);
        }
        datagrams.push((d, (k * PER + chunk.len()) as u32));
    }
    let mut buf = vec![0u8; 64 * 1024];
    let t = Clock::start();
    for (d, last) in &datagrams {
        sock.send(d).expect("send");
        'ack: loop {
            let len = nlwire_benches::spin_recv(&sock, &mut buf);
            for m in Messages::new(&buf[..len]) {
                let m = m.expect("message");
                let p = m.payload();
                let errno = i32::from_ne_bytes([p[0], p[1], p[2], p[3]]);
                assert!(
                    m.kind() == NLMSG_ERROR && errno == 0,
                    "route {} failed: {errno}",
                    m.seq()
                );
                if m.seq() == *last {
                    break 'ack;
                }
            }
        }
    }
    finish(ns, t.stop(), n)
}

fn nlwire_sequential(n: u32) -> Cost {
    let (ns, mut conn, oif) = setup();
    let t = Clock::start();
    for i in 0..n {
        conn.request(route(i, oif)).expect("add route");
    }
    finish(ns, t.stop(), n)
}

/// `ip -batch FILE` (in parallel as `procs` processes, each with its
/// share, when `procs > 1`). Writing the files is not timed.
fn ip_batch_procs(n: u32, procs: u32) -> Cost {
    let (ns, _conn, _) = setup();
    let files: Vec<std::path::PathBuf> = lanes(n, procs)
        .enumerate()
        .map(|(k, range)| {
            let mut s = String::with_capacity(range.len() * 48);
            for i in range {
                let _ = writeln!(s, "route add {}/64 dev b0 table {TABLE}", prefix(i));
            }
            let path = std::env::temp_dir().join(format!("{}-install-{k}.batch", ns.name()));
            std::fs::write(&path, s).expect("write batch file");
            path
        })
        .collect();
    let t = Clock::start();
    let children: Vec<std::process::Child> = files
        .iter()
        .map(|f| {
            std::process::Command::new("ip")
                .args(["-n", ns.name(), "-batch"])
                .arg(f)
                .spawn()
                .expect("spawn ip")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait for ip").success(), "ip -batch failed");
    }
    let d = finish(ns, t.stop(), n);
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    d
}

fn ip_batch(n: u32) -> Cost {
    ip_batch_procs(n, 1)
}

fn ip_batch_2(n: u32) -> Cost {
    ip_batch_procs(n, 2)
}

/// The `rtnetlink` crate on a current-thread tokio runtime, in the
/// namespace (its socket is opened on a thread that joined it), with at
/// most `in_flight` requests outstanding.
fn rtnetlink_add(n: u32, in_flight: usize) -> Cost {
    let (ns, _conn, oif) = setup();
    let path = ns.path();
    let d = nlwire_sys::netns::run_in_netns(&path, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (conn, handle, _) = rtnetlink::new_connection().expect("rtnetlink");
            tokio::spawn(conn);
            let add = move |i: u32| {
                let msg = rtnetlink::RouteMessageBuilder::<Ipv6Addr>::new()
                    .destination_prefix(prefix(i), 64)
                    .output_interface(oif)
                    .table_id(TABLE)
                    .build();
                handle.route().add(msg).execute()
            };
            let t = Clock::start();
            let mut set: tokio::task::JoinSet<Result<(), rtnetlink::Error>> =
                tokio::task::JoinSet::new();
            for i in 0..n {
                if set.len() >= in_flight {
                    set.join_next()
                        .await
                        .expect("a task")
                        .expect("join")
                        .expect("add");
                }
                set.spawn(add(i));
            }
            while let Some(r) = set.join_next().await {
                r.expect("join").expect("add");
            }
            t.stop()
        })
    })
    .expect("run in namespace");
    finish(ns, d, n)
}

fn rtnetlink_sequential(n: u32) -> Cost {
    rtnetlink_add(n, 1)
}

fn rtnetlink_64(n: u32) -> Cost {
    rtnetlink_add(n, 64)
}

/// What a method's timed part cost: wall time, and the CPU time (user +
/// sys) of this process's threads and of the children it waited for in
/// that span — the kernel's work on a request counts in the sender's sys
/// time, so a parallel method's CPU is its threads' sum.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: Duration,
    cpu: Duration,
}

/// Starts timing a method's timed part.
struct Clock {
    t: Instant,
    cpu: Duration,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            cpu: cpu_now(),
            t: Instant::now(),
        }
    }

    fn stop(&self) -> Cost {
        let wall = self.t.elapsed();
        Cost {
            wall,
            cpu: cpu_now() - self.cpu,
        }
    }
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench install", 100_000, 5, 5_000) else {
        return;
    };
    println!("install {n} IPv6 routes in a private namespace, median of {runs} run(s)");
    type Method = (&'static str, fn(u32) -> Cost);
    let all: [Method; 10] = [
        ("nlwire batch", nlwire_batch),
        ("raw floor (kernel only)", raw_floor),
        ("nlwire sequential requests", nlwire_sequential),
        ("ip -batch", ip_batch),
        ("rtnetlink sequential", rtnetlink_sequential),
        ("rtnetlink, 64 in flight", rtnetlink_64),
        // Two CPUs: `batch_parallel` over two connections (two threads),
        // against `ip -batch` split over two processes.
        ("nlwire batch_parallel, 2 lanes", nlwire_batch_2),
        ("2× ip -batch, parallel", ip_batch_2),
        // The same two, each half of the routes in its own table.
        ("nlwire batch, 2 tables", nlwire_batch_two_tables),
        (
            "batch_parallel, 2 lanes, 2 tables",
            nlwire_batch_2_two_tables,
        ),
    ];
    // `NLWIRE_BENCH_ONLY=a,b` keeps the batch (the ratios' base) and the
    // methods whose name contains `a` or `b`, e.g. for profiling one.
    let only = std::env::var("NLWIRE_BENCH_ONLY").unwrap_or_default();
    let methods: Vec<Method> = all
        .into_iter()
        .enumerate()
        .filter(|(k, (name, _))| *k == 0 || only.split(',').any(|o| name.contains(o)))
        .map(|(_, m)| m)
        .collect();
    // Runs interleave the methods (each round runs every method once), so
    // a slow moment of the shared machine is spread over all of them
    // rather than landing on one.
    let mut times: Vec<Vec<Cost>> = methods.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (k, (_, f)) in methods.iter().enumerate() {
            times[k].push(f(n));
        }
    }
    // Medians of wall and of CPU time, each on its own.
    let results: Vec<(&str, Duration, Duration)> = methods
        .iter()
        .zip(times)
        .map(|((name, _), t)| {
            let wall = median(t.iter().map(|c| c.wall).collect());
            let cpu = median(t.iter().map(|c| c.cpu).collect());
            (*name, wall, cpu)
        })
        .collect();
    let (base, base_cpu) = (results[0].1.as_secs_f64(), results[0].2.as_secs_f64());
    // The floor's column says how far each method is above what the
    // kernel itself takes (when the floor ran).
    let floor = results
        .iter()
        .find(|(name, ..)| name.starts_with("raw floor"))
        .map(|(_, d, _)| d.as_secs_f64());
    println!(
        "{:<34} {:>9} {:>10} {:>13} {:>9} {:>9} {:>11}",
        "method", "time", "routes/s", "× batch time", "× floor", "CPU", "× batch CPU"
    );
    for (name, d, cpu) in &results {
        let s = d.as_secs_f64();
        let c = cpu.as_secs_f64();
        let over_floor = floor.map_or_else(|| "-".to_string(), |f| format!("{:.2}×", s / f));
        println!(
            "{name:<34} {s:>8.3}s {:>10.0} {:>12.2}× {over_floor:>9} {c:>8.3}s {:>10.2}×",
            n as f64 / s,
            s / base,
            c / base_cpu
        );
    }
}
