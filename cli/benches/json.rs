//! `nlw [-j] route show table all` against `ip [-j] route show table all`
//! on a big table, both writing to a file, in the same run: wall and CPU
//! time (user + system). The text outputs must be equal byte for byte.
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

/// Runs `prog -n NS [-j] route show table all > file` under
/// `/usr/bin/time`: its wall time, CPU time (user + system, from
/// `getrusage`) and output.
fn run(prog: &str, ns: &TestNs, json: bool) -> (Duration, f64, String) {
    let tag = format!("{}-{}-{}", std::process::id(), prog.len(), json);
    let path = std::env::temp_dir().join(format!("nlw-bench-{tag}"));
    let cpu_file = std::env::temp_dir().join(format!("nlw-bench-cpu-{tag}"));
    let file = std::fs::File::create(&path).expect("output file");
    let mut args = vec!["-n", ns.name()];
    if json {
        args.push("-j");
    }
    args.extend(["route", "show", "table", "all"]);
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%U %S")
        .arg("-o")
        .arg(&cpu_file)
        .arg(prog)
        .args(&args)
        .stdout(file)
        .status()
        .expect("run /usr/bin/time (apt install time)");
    let d = t.elapsed();
    assert!(status.success(), "{prog} failed");
    let cpu: f64 = std::fs::read_to_string(&cpu_file)
        .expect("time's output")
        .lines()
        .last()
        .expect("time's line")
        .split_whitespace()
        .map(|v| v.parse::<f64>().expect("seconds"))
        .sum();
    let _ = std::fs::remove_file(&cpu_file);
    let out = std::fs::read_to_string(&path).expect("output");
    let _ = std::fs::remove_file(&path);
    (d, cpu, out)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench nlw json", 200_000, 5, 10_000) else {
        return;
    };
    let ns = populate(n);
    let nlw = env!("CARGO_BIN_EXE_nlw");
    // Same routes in both outputs.
    let (_, _, a) = run(nlw, &ns, true);
    let (_, _, b) = run("ip", &ns, true);
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .expect("JSON")
            .as_array()
            .expect("array")
            .len()
    };
    assert_eq!(count(&a), count(&b), "nlw and ip list different routes");
    assert!(count(&a) >= n as usize);
    let (_, _, ta) = run(nlw, &ns, false);
    let (_, _, tb) = run("ip", &ns, false);
    assert_eq!(ta, tb, "nlw and ip print different text");
    println!(
        "route show table all, {} routes ({} KiB of JSON, {} KiB of text), median of {runs} run(s), interleaved",
        count(&a),
        a.len() / 1024,
        ta.len() / 1024
    );
    println!(
        "{:<10} {:>9} {:>8} {:>9} {:>8}",
        "tool", "wall", "× ip", "CPU", "× ip"
    );
    for json in [true, false] {
        let (mut ow, mut oc, mut tw, mut tc) = (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let (w, c, _) = run(nlw, &ns, json);
            ow.push(w.as_secs_f64());
            oc.push(c);
            let (w, c, _) = run("ip", &ns, json);
            tw.push(w.as_secs_f64());
            tc.push(c);
        }
        let (ow, oc, tw, tc) = (median(ow), median(oc), median(tw), median(tc));
        let form = if json { "-j" } else { "text" };
        println!(
            "{:<10} {:>8.3}s {:>7.2}× {:>8.2}s {:>7.2}×",
            format!("ip {form}"),
            tw,
            1.0,
            tc,
            1.0
        );
        println!(
            "{:<10} {:>8.3}s {:>7.2}× {:>8.2}s {:>7.2}×",
            format!("nlw {form}"),
            ow,
            ow / tw,
            oc,
            if tc > 0.0 { oc / tc } else { f64::NAN }
        );
    }
}
