//! `nlw -j route show table all` against `ip -j route show table all` on a
//! big table, both writing to a file, in the same run.
//!
//! `cargo bench -p nlw --bench json` (root). `NLWIRE_BENCH_ROUTES` routes
//! (default 200,000; IPv4 /32s in the documentation ranges, 768 per table,
//! every fourth via a gateway with a metric), `NLWIRE_BENCH_RUNS` runs
//! (default 5, interleaved, median). `-- --test` runs 10,000 routes once
//! (CI). Both outputs must hold the same routes.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use nlwire::route::{GetLink, RouteRequest};
use nlwire::{Batch, BatchOptions};
use nlwire_tests::TestNs;

fn populate(n: u32) -> TestNs {
    let ns = TestNs::create();
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "d0"]);
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let oif = conn
        .get(GetLink::by_name("d0").expect("name"))
        .expect("d0")
        .index;
    let mut b =
        Batch::with_capacity(n as usize, 80).options(BatchOptions::default().stop_on_error(true));
    for i in 0..n {
        let (dst, table) = nlwire_tests::doc_route_v4(i);
        let mut req = RouteRequest::add(IpAddr::V4(dst), 32)
            .expect("prefix")
            .oif(oif)
            .expect("index")
            .table(table);
        if i % 4 == 0 {
            req = req
                .gateway(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)))
                .expect("gateway")
                .metric(i % 1000);
        }
        b.push(&req).expect("encode");
    }
    let out = conn.batch(&b).expect("batch");
    assert!(out.is_ok(), "{:?}", out.failures().first());
    ns
}

/// Runs `prog -n NS -j route show table all > file`; its time and output.
fn run(prog: &str, ns: &TestNs) -> (Duration, String) {
    let path =
        std::env::temp_dir().join(format!("nlw-bench-{}-{}", std::process::id(), prog.len()));
    let file = std::fs::File::create(&path).expect("output file");
    let t = Instant::now();
    let status = Command::new(prog)
        .args(["-n", ns.name(), "-j", "route", "show", "table", "all"])
        .stdout(file)
        .status()
        .expect("run");
    let d = t.elapsed();
    assert!(status.success(), "{prog} failed");
    let out = std::fs::read_to_string(&path).expect("output");
    let _ = std::fs::remove_file(&path);
    (d, out)
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench nlw json", 200_000, 5, 10_000) else {
        return;
    };
    let ns = populate(n);
    let nlw = env!("CARGO_BIN_EXE_nlw");
    // Same routes in both outputs.
    let (_, a) = run(nlw, &ns);
    let (_, b) = run("ip", &ns);
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .expect("JSON")
            .as_array()
            .expect("array")
            .len()
    };
    assert_eq!(count(&a), count(&b), "nlw and ip list different routes");
    assert!(count(&a) >= n as usize);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ours.push(run(nlw, &ns).0);
        theirs.push(run("ip", &ns).0);
    }
    ours.sort();
    theirs.sort();
    let (o, t) = (
        ours[ours.len() / 2].as_secs_f64(),
        theirs[theirs.len() / 2].as_secs_f64(),
    );
    println!(
        "-j route show table all, {} routes ({} KiB of JSON), median of {runs} run(s)",
        count(&a),
        a.len() / 1024
    );
    println!("{:<6} {:>9} {:>10}", "tool", "time", "× ip");
    println!("{:<6} {:>8.3}s {:>9.2}×", "ip", t, 1.0);
    println!("{:<6} {:>8.3}s {:>9.2}×", "nlw", o, o / t);
}
