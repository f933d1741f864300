//! Installing many routes in a private namespace: nlwire's batch API
//! against sequential nlwire requests, `ip -batch` and the `rtnetlink`
//! crate (one request at a time, and 64 in flight), in the same run.
//!
//! `cargo bench -p nlwire-benches --bench install` (root). The number of
//! routes is `NLWIRE_BENCH_ROUTES` (default 100,000); each method runs
//! `NLWIRE_BENCH_RUNS` times (default 5) in a fresh namespace, the methods
//! taking turns, and the median is reported with its ratio to the batch. `-- --test` runs a
//! small size once as a smoke test (CI).
//!
//! Routes are IPv6 /64s under 2001:db8::/32 (the documentation range) out
//! of a veth in the namespace; nothing leaves it.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use nlwire::machine::Batch;
use nlwire::route::{GetLink, Link, RouteRequest};
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

fn route(i: u32, oif: u32) -> RouteRequest<'static> {
    RouteRequest::add(IpAddr::V6(prefix(i)), 64)
        .expect("valid prefix")
        .oif(oif)
        .expect("index")
        .table(TABLE)
}

fn installed(ns: &TestNs) -> usize {
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let mut n = 0;
    conn.dump_with(nlwire::route::GetRoutes::ipv6().table(TABLE), |_| n += 1)
        .expect("dump");
    n
}

fn nlwire_batch(n: u32) -> Duration {
    let (ns, mut conn, oif) = setup();
    let t = Instant::now();
    let mut b = Batch::with_capacity(n as usize, 64);
    for i in 0..n {
        b.push(&route(i, oif)).expect("encode");
    }
    let out = conn.batch(&b).expect("batch");
    let d = t.elapsed();
    assert!(out.is_ok(), "{:?}", out.failures().first());
    assert_eq!(installed(&ns), n as usize);
    d
}

fn nlwire_sequential(n: u32) -> Duration {
    let (ns, mut conn, oif) = setup();
    let t = Instant::now();
    for i in 0..n {
        conn.request(route(i, oif)).expect("add route");
    }
    let d = t.elapsed();
    assert_eq!(installed(&ns), n as usize);
    d
}

fn ip_batch(n: u32) -> Duration {
    let (ns, _conn, _) = setup();
    let mut s = String::with_capacity(n as usize * 48);
    for i in 0..n {
        let _ = writeln!(s, "route add {}/64 dev b0 table {TABLE}", prefix(i));
    }
    let path = std::env::temp_dir().join(format!("{}-install.batch", ns.name()));
    std::fs::write(&path, s).expect("write batch file");
    let t = Instant::now();
    ns.ip(&["-batch", path.to_str().expect("utf-8")]);
    let d = t.elapsed();
    let _ = std::fs::remove_file(&path);
    assert_eq!(installed(&ns), n as usize);
    d
}

/// The `rtnetlink` crate on a current-thread tokio runtime, in the
/// namespace (its socket is opened on a thread that joined it), with at
/// most `in_flight` requests outstanding.
fn rtnetlink_add(n: u32, in_flight: usize) -> Duration {
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
            let t = Instant::now();
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
            t.elapsed()
        })
    })
    .expect("run in namespace");
    assert_eq!(installed(&ns), n as usize);
    d
}

fn rtnetlink_sequential(n: u32) -> Duration {
    rtnetlink_add(n, 1)
}

fn rtnetlink_64(n: u32) -> Duration {
    rtnetlink_add(n, 64)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench install", 100_000, 5, 5_000) else {
        return;
    };
    println!("install {n} IPv6 routes in a private namespace, median of {runs} run(s)");
    type Method = (&'static str, fn(u32) -> Duration);
    let methods: [Method; 5] = [
        ("nlwire batch", nlwire_batch),
        ("nlwire sequential requests", nlwire_sequential),
        ("ip -batch", ip_batch),
        ("rtnetlink sequential", rtnetlink_sequential),
        ("rtnetlink, 64 in flight", rtnetlink_64),
    ];
    // Runs interleave the methods (each round runs every method once), so
    // a slow moment of the shared machine is spread over all of them
    // rather than landing on one.
    let mut times: Vec<Vec<Duration>> = methods.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (k, (_, f)) in methods.iter().enumerate() {
            times[k].push(f(n));
        }
    }
    let results: Vec<(&str, Duration)> = methods
        .iter()
        .zip(times)
        .map(|((name, _), t)| (*name, median(t)))
        .collect();
    let base = results[0].1.as_secs_f64();
    println!(
        "{:<28} {:>10} {:>12} {:>14}",
        "method", "time", "routes/s", "× batch time"
    );
    for (name, d) in &results {
        let s = d.as_secs_f64();
        println!(
            "{name:<28} {:>9.3}s {:>12.0} {:>13.2}×",
            s,
            n as f64 / s,
            s / base
        );
    }
}
