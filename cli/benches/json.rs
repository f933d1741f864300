//! `nlw [-j] … show` against `ip [-j] … show` on big tables, both writing
//! to a file, in the same run: wall and CPU time (user + system). Four
//! shapes:
//! * `routes`: `route show table all` of `NLWIRE_BENCH_ROUTES` routes
//!   (default 200,000; IPv4 /32s in the documentation ranges, 768 per
//!   table, every fourth via a gateway with a metric);
//! * `blackhole`: `route show table all` of 1,000,000 blackhole /32s;
//! * `links`: `link show` of 10,000 links (5,000 veth pairs);
//! * `addrs`: `addr show` of 50,000 IPv6 addresses on one link.
//!
//! `cargo bench -p nlw --bench json` (root). `NLWIRE_BENCH_RUNS` runs
//! (default 5, interleaved, median); `NLWIRE_BENCH_ONLY=links,addrs` runs
//! only the shapes named. `-- --test` runs every shape small, once (CI).
//! Both JSON outputs must hold the same objects, and the text outputs must
//! be equal byte for byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use nlwire::route::{AddressRequest, GetLink, LinkKind, LinkRequest, RouteRequest};
use nlwire::{Batch, BatchOptions};
use nlwire_tests::TestNs;

/// `n` routes: IPv4 /32s in the documentation ranges, 768 per table,
/// every fourth via a gateway with a metric (`blackhole`: every one a
/// blackhole route, without a device).
fn populate_routes(n: u32, blackhole: bool) -> TestNs {
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
            .table(table);
        if blackhole {
            req = req.kind(nlwire::route::route_req::RTN_BLACKHOLE);
        } else {
            req = req.oif(oif).expect("index");
            if i % 4 == 0 {
                req = req
                    .gateway(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)))
                    .expect("gateway")
                    .metric(i % 1000);
            }
        }
        b.push(&req).expect("encode");
    }
    let out = conn.batch(&b).expect("batch");
    assert!(out.is_ok(), "{:?}", out.failures().first());
    ns
}

/// `n` links: `n / 2` veth pairs, down (no IPv6 addresses come and go).
fn populate_links(n: u32) -> TestNs {
    let ns = TestNs::create();
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let names: Vec<(String, String)> = (0..n / 2)
        .map(|i| (format!("va{i}"), format!("vb{i}")))
        .collect();
    let mut b =
        Batch::with_capacity(names.len(), 128).options(BatchOptions::default().stop_on_error(true));
    for (a, p) in &names {
        let kind = LinkKind::Veth {
            peer: p,
            peer_netns: None,
        };
        b.push(&LinkRequest::add(a, kind).expect("veth"))
            .expect("encode");
    }
    let out = conn.batch(&b).expect("batch");
    assert!(out.is_ok(), "{:?}", out.failures().first());
    ns
}

/// `n` IPv6 addresses (2001:db8::/32, no duplicate detection) on one
/// link that stays down.
fn populate_addrs(n: u32) -> TestNs {
    let ns = TestNs::create();
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let idx = conn
        .get(GetLink::by_name("d0").expect("name"))
        .expect("d0")
        .index;
    let mut b =
        Batch::with_capacity(n as usize, 64).options(BatchOptions::default().stop_on_error(true));
    for i in 0..n {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, (i >> 16) as u16, i as u16);
        let req = AddressRequest::add(idx, IpAddr::V6(a), 64)
            .expect("address")
            .flags(IFA_F_NODAD);
        b.push(&req).expect("encode");
    }
    let out = conn.batch(&b).expect("batch");
    assert!(out.is_ok(), "{:?}", out.failures().first());
    ns
}

/// `IFA_F_NODAD`.
const IFA_F_NODAD: u32 = 0x02;

/// Runs `prog -n NS [-j] SHOW… > file` under `/usr/bin/time`: its wall
/// time, CPU time (user + system, from `getrusage`), output and messages.
fn run(prog: &str, ns: &TestNs, json: bool, show: &[&str]) -> (Duration, f64, String, String) {
    let tag = format!("{}-{}-{}", std::process::id(), prog.len(), json);
    let path = std::env::temp_dir().join(format!("nlw-bench-{tag}"));
    let cpu_file = std::env::temp_dir().join(format!("nlw-bench-cpu-{tag}"));
    let file = std::fs::File::create(&path).expect("output file");
    let mut args = vec!["-n", ns.name()];
    if json {
        args.push("-j");
    }
    args.extend(show);
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%U %S")
        .arg("-o")
        .arg(&cpu_file)
        .arg(prog)
        .args(&args)
        .stdout(file)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run /usr/bin/time (apt install time)");
    let stderr = String::from_utf8_lossy(&status.stderr).into_owned();
    let status = status.status;
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
    (d, cpu, out, stderr)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// How many objects a JSON array of `-j` output holds.
fn count(json: &str) -> usize {
    serde_json::from_str::<serde_json::Value>(json)
        .expect("JSON")
        .as_array()
        .expect("array")
        .len()
}

/// nlw's and ip's JSON and text of `show` in `ns`, checked to hold the
/// same objects and (but for the documented difference) the same text;
/// `None` when a dump was interrupted.
fn same_outputs(nlw: &str, ns: &TestNs, show: &[&str]) -> Option<(String, String)> {
    let (a, b) = (run(nlw, ns, true, show), run("ip", ns, true, show));
    let (ta, tb) = (run(nlw, ns, false, show), run("ip", ns, false, show));
    if [&a, &b, &ta, &tb]
        .iter()
        .any(|r| r.3.contains("interrupted"))
    {
        return None;
    }
    assert_eq!(
        count(&a.2),
        count(&b.2),
        "nlw and ip list different objects"
    );
    // The one text difference these shapes meet between current iproute2
    // (nlw) and the ip 6.1 installed here (cli/IP_DIFFERENCES.md): `proto
    // kernel_lo` on lo's ::1.
    let older_ip = |s: &str| s.replace(" proto kernel_lo ", " ");
    if let Some((x, y)) = older_ip(&ta.2)
        .lines()
        .zip(tb.2.lines())
        .find(|(x, y)| x != y)
    {
        panic!("nlw and ip print different text:\n  nlw: {x}\n  ip:  {y}");
    }
    assert_eq!(ta.2.lines().count(), tb.2.lines().count(), "text lines");
    Some((a.2, ta.2))
}

/// Waits (up to a minute) until two dumps in a row are not marked
/// interrupted: right after tens of thousands of IPv6 addresses were
/// added, the kernel goes on marking their dumps interrupted for a while,
/// with nothing to show for it on `ip monitor`.
fn settle(ns: &TestNs, show: &[&str]) {
    let mut clean = 0;
    for _ in 0..120 {
        let (_, _, _, err) = run("ip", ns, true, show);
        clean = if err.contains("interrupted") {
            0
        } else {
            clean + 1
        };
        if clean == 2 {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// One shape: its name, its show command, its size (and the smoke size).
struct Shape {
    name: &'static str,
    show: &'static [&'static str],
    size: u32,
    smoke: u32,
    populate: fn(u32) -> TestNs,
}

fn main() {
    let Some((routes, runs)) = nlwire_tests::bench_size("bench nlw json", 200_000, 5, 10_000)
    else {
        return;
    };
    let smoke = std::env::args().any(|a| a == "--test");
    let shapes = [
        Shape {
            name: "routes",
            show: &["route", "show", "table", "all"],
            size: routes,
            smoke: routes,
            populate: |n| populate_routes(n, false),
        },
        Shape {
            name: "blackhole",
            show: &["route", "show", "table", "all"],
            size: 1_000_000,
            smoke: 5_000,
            populate: |n| populate_routes(n, true),
        },
        Shape {
            name: "links",
            show: &["link", "show"],
            size: 10_000,
            smoke: 200,
            populate: populate_links,
        },
        Shape {
            name: "addrs",
            show: &["addr", "show"],
            size: 50_000,
            smoke: 1_000,
            populate: populate_addrs,
        },
    ];
    let only = std::env::var("NLWIRE_BENCH_ONLY").unwrap_or_default();
    let nlw = env!("CARGO_BIN_EXE_nlw");
    for shape in shapes {
        if !only.is_empty() && !only.split(',').any(|o| shape.name.contains(o)) {
            continue;
        }
        let n = if smoke { shape.smoke } else { shape.size };
        let ns = (shape.populate)(n);
        let show = shape.show;
        // The same objects in both outputs, and the same text. A big IPv6
        // address dump is now and then marked interrupted by the kernel
        // (both tools then say "Dump was interrupted"): such a pair of
        // readings is taken again.
        settle(&ns, show);
        let (a, ta) = (0..5)
            .find_map(|_| same_outputs(nlw, &ns, show))
            .unwrap_or_else(|| panic!("{}: no uninterrupted pair of readings", shape.name));
        println!(
            "{}: {} ({} objects, {} KiB of JSON, {} KiB of text), median of {runs} run(s), interleaved",
            shape.name,
            show.join(" "),
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
                let (w, c, _, _) = run(nlw, &ns, json, show);
                ow.push(w.as_secs_f64());
                oc.push(c);
                let (w, c, _, _) = run("ip", &ns, json, show);
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
}
