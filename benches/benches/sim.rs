//! Dumping a big IPv4 routing table from the simulator against the same
//! dump from the real kernel, with the same reader and the same routes:
//! tests on the simulator should not be slower than on the kernel.
//!
//! `cargo bench -p nlwire-benches --bench sim` (root, for the kernel's
//! side). `NLWIRE_BENCH_ROUTES` routes (default 1,000,000) are installed
//! in a private namespace and in a simulated kernel, through the same
//! batches; then `NLWIRE_BENCH_RUNS` rounds (default 5) dump both, taking
//! turns, with two readers: `dump_with` and `RouteMessage` views, and the
//! owned `routes()` iterator. Reports the median CPU (user+sys of this
//! process: the kernel builds a dump in the reader's `recvmsg`, the
//! simulator in its `send`, both on this process's clock) and wall time of
//! each, and the simulator's ratio to the kernel. `-- --test` runs 20,000
//! routes once and checks that both sides dumped every route (CI).

use std::time::{Duration, Instant};

use nlwire::route::GetLink;
use nlwire::route::GetRoutes;
use nlwire_benches::{cpu_now, median};
use nlwire_conn::ConnectionOptions;
use nlwire_mio::Connection;
use nlwire_sim::Kernel;
use nlwire_tests::TestNs;

/// A veth pair `d0`/`d1` with `d0` up, through the library (so the two
/// sides are set up the same way); the index of `d0`.
fn veth_up(conn: &mut Connection) -> u32 {
    conn.execute(nlwire::ops::create_veth("d0", "d1").expect("names"))
        .expect("veth");
    conn.execute(nlwire::ops::set_link_up("d0").expect("name"))
        .expect("up");
    conn.get(GetLink::by_name("d0").expect("name"))
        .expect("d0")
        .index
}

/// One measured dump: routes seen, CPU and wall time.
fn measure(f: impl FnOnce() -> u64) -> (u64, Duration, Duration) {
    let (c0, t0) = (cpu_now(), Instant::now());
    let n = f();
    (n, cpu_now() - c0, t0.elapsed())
}

fn views(conn: &mut Connection) -> u64 {
    let mut n = 0u64;
    conn.dump_with(GetRoutes::ipv4(), |r| {
        if r.header.table != 255 {
            n += 1;
        }
    })
    .expect("dump");
    n
}

fn owned(conn: &mut Connection) -> u64 {
    conn.routes()
        .map(|r| r.expect("route"))
        .filter(|r| r.table != 255)
        .count() as u64
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench sim", 1_000_000, 5, 20_000) else {
        return;
    };
    let ns = TestNs::create();
    let mut real = Connection::new_in_netns(ns.path()).expect("connection");
    let kernel = Kernel::new();
    let mut sim = Connection::from_transport(
        kernel.socket(kernel.init_ns()).expect("socket"),
        ConnectionOptions::default(),
    )
    .expect("sim connection");
    for (name, c) in [("kernel", &mut real), ("simulator", &mut sim)] {
        let t = Instant::now();
        let oif = veth_up(c);
        nlwire_tests::install_doc_routes(c, oif, n);
        println!(
            "{name}: installed {n} routes in {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }
    // The routes of `d0`'s prefix-less setup: only the installed ones are
    // outside the local table; both sides must count exactly those.
    let expect = u64::from(n);
    type Reader = fn(&mut Connection) -> u64;
    let readers: [(&str, Reader); 2] = [("views (dump_with)", views), ("owned (routes())", owned)];
    println!(
        "\n{n} IPv4 routes, {runs} runs each, taking turns; medians; CPU = user+sys of this process\n"
    );
    println!(
        "| reader | kernel CPU s | sim CPU s | sim/kernel CPU | kernel wall s | sim wall s | sim/kernel wall |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, read) in readers {
        let (mut kc, mut kw, mut sc, mut sw) = (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let (got, c, w) = measure(|| read(&mut real));
            assert_eq!(got, expect, "{name}: the kernel's dump");
            kc.push(c);
            kw.push(w);
            let (got, c, w) = measure(|| read(&mut sim));
            assert_eq!(got, expect, "{name}: the simulator's dump");
            sc.push(c);
            sw.push(w);
        }
        let (kc, kw, sc, sw) = (median(kc), median(kw), median(sc), median(sw));
        println!(
            "| {name} | {:.3} | {:.3} | {:.2} | {:.3} | {:.3} | {:.2} |",
            kc.as_secs_f64(),
            sc.as_secs_f64(),
            sc.as_secs_f64() / kc.as_secs_f64().max(1e-9),
            kw.as_secs_f64(),
            sw.as_secs_f64(),
            sw.as_secs_f64() / kw.as_secs_f64().max(1e-9),
        );
    }
    drop(ns);
}
