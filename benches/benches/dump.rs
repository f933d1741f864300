//! Dumping a big IPv4 routing table from a private namespace, each reader
//! in its own process: nlwire on every runtime against a raw `recv` loop
//! that only walks message headers (the floor), `ip -j route show table
//! all`, and the `rtnetlink` and `nlink` crates. Reports the median wall time of each
//! (and its ratio to the floor) and its peak RSS (`/usr/bin/time -f %M`).
//!
//! `cargo bench -p nlwire-benches --bench dump` (root). The number of
//! routes is `NLWIRE_BENCH_ROUTES` (default 1,000,000), runs
//! `NLWIRE_BENCH_RUNS` (default 7); `-- --test` runs 20,000 routes once
//! and checks that every reader saw every route, and that every typed
//! reader decoded the same tables, interfaces and destinations (CI).
//!
//! Routes are /32s in the three IPv4 documentation ranges, 768 per table
//! over as many tables as needed (1000, 1001, …), out of a veth inside the
//! namespace; nothing leaves it.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nlwire::request::Request;
use nlwire::route::{GetLink, GetRoutes};
use nlwire::wire::{Messages, NLMSG_DONE, NLMSG_ERROR, Writer};
use nlwire_tests::TestNs;

/// A namespace with `n` routes (plus the kernel's own).
fn populate(n: u32) -> TestNs {
    let ns = TestNs::create();
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d0", "up"]);
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let oif = conn
        .get(GetLink::by_name("d0").expect("name"))
        .expect("d0")
        .index;
    let t = Instant::now();
    nlwire_tests::install_doc_routes(&mut conn, oif, n);
    println!(
        "installed {n} routes in {} tables in {:.1} s",
        n.div_ceil(768),
        t.elapsed().as_secs_f64()
    );
    ns
}

// ---- the readers, each run in a child process -------------------------

/// What a typed reader makes of one route: its table, output interface and
/// IPv4 destination, folded into a checksum every typed reader must agree
/// on (so each of them really decodes those three fields).
#[derive(Default)]
struct Tally {
    routes: u64,
    sum: u64,
}

impl Tally {
    fn add(&mut self, table: u32, oif: Option<u32>, dst: Option<Ipv4Addr>) {
        self.routes += 1;
        self.sum = self.sum.wrapping_add(
            u64::from(table)
                + u64::from(oif.unwrap_or(0))
                + dst.map_or(0, |d| u64::from(d.to_bits())),
        );
    }

    fn line(&self) -> String {
        format!("{} {}", self.routes, self.sum)
    }
}

fn v4(a: Option<IpAddr>) -> Option<Ipv4Addr> {
    match a {
        Some(IpAddr::V4(a)) => Some(a),
        _ => None,
    }
}

/// Runs one reader; prints what it read: the number of routes, and for
/// typed readers the checksum of [`Tally`].
fn child(variant: &str, ns_path: &str) -> String {
    let mut t = Tally::default();
    match variant {
        "raw" => return raw(ns_path).to_string(),
        "nlwire-mio-views" => {
            let mut c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            c.dump_with(GetRoutes::ipv4(), |r| {
                t.add(r.table, r.oif, v4(r.dst));
            })
            .expect("dump");
        }
        "nlwire-mio-owned" => {
            let mut c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            for r in c.dump(GetRoutes::ipv4()) {
                let r = r.expect("route");
                t.add(r.table, r.oif, v4(r.dst));
            }
        }
        "nlwire-tokio-views" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                let c = nlwire_tokio::Connection::new_in_netns(ns_path).expect("connection");
                c.dump_with(GetRoutes::ipv4(), |r| {
                    t.add(r.table, r.oif, v4(r.dst));
                })
                .await
                .expect("dump");
            }),
        "nlwire-async-io-views" => async_io::block_on(async {
            let c = nlwire_async_io::Connection::new_in_netns(ns_path).expect("connection");
            c.dump_with(GetRoutes::ipv4(), |r| {
                t.add(r.table, r.oif, v4(r.dst));
            })
            .await
            .expect("dump");
        }),
        "nlwire-tokio" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                let c = nlwire_tokio::Connection::new_in_netns(ns_path).expect("connection");
                let mut s = c.dump(GetRoutes::ipv4());
                while let Some(r) = futures_lite::StreamExt::next(&mut s).await {
                    let r = r.expect("route");
                    t.add(r.table, r.oif, v4(r.dst));
                }
            }),
        "nlwire-async-io" => async_io::block_on(async {
            let c = nlwire_async_io::Connection::new_in_netns(ns_path).expect("connection");
            let mut s = c.dump(GetRoutes::ipv4());
            while let Some(r) = futures_lite::StreamExt::next(&mut s).await {
                let r = r.expect("route");
                t.add(r.table, r.oif, v4(r.dst));
            }
        }),
        "nlink" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                use nlink::netlink::message::NlMsgType;
                use nlink::netlink::messages::RouteMessage;
                let c = nlink::Connection::<nlink::Route>::new_in(std::path::Path::new(ns_path))
                    .expect("connection");
                // Its route dump asks for every family; the IPv6 routes
                // (the veth's link-local ones) are skipped here.
                let mut s = c
                    .dump_stream::<RouteMessage>(NlMsgType::RTM_GETROUTE)
                    .await
                    .expect("dump");
                while let Some(r) = futures_lite::StreamExt::next(&mut s).await {
                    let r = r.expect("route");
                    if r.family() == nlwire::route::AF_INET {
                        t.add(r.table_id(), r.oif(), v4(r.destination().copied()));
                    }
                }
            }),
        "rtnetlink" => {
            // The whole process joins the namespace first: rtnetlink opens
            // its socket on the calling thread.
            let f = std::fs::File::open(ns_path).expect("namespace");
            nlwire_sys::netns::enter_netns_fd(f.as_fd()).expect("setns");
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute};
                    let (conn, handle, _) = rtnetlink::new_connection().expect("rtnetlink");
                    tokio::spawn(conn);
                    let msg = rtnetlink::RouteMessageBuilder::<Ipv4Addr>::new().build();
                    let mut s = handle.route().get(msg).execute();
                    while let Some(r) = futures_lite::StreamExt::next(&mut s).await {
                        let r = r.expect("route");
                        let (mut table, mut oif, mut dst) = (u32::from(r.header.table), None, None);
                        for a in &r.attributes {
                            match a {
                                RouteAttribute::Table(x) => table = *x,
                                RouteAttribute::Oif(x) => oif = Some(*x),
                                RouteAttribute::Destination(RouteAddress::Inet(x)) => {
                                    dst = Some(*x)
                                }
                                _ => {}
                            }
                        }
                        t.add(table, oif, dst);
                    }
                })
        }
        v => panic!("unknown reader {v}"),
    }
    t.line()
}

/// The floor: one request, then `recv` and walk the headers until DONE.
fn raw(ns_path: &str) -> u64 {
    let sock =
        nlwire_sys::NetlinkSocket::open_in_netns(ns_path, &Default::default()).expect("socket");
    let mut req = [0u8; 64];
    let mut w = Writer::new(&mut req);
    GetRoutes::ipv4().emit(&mut w, 1, 0);
    let len = w.finish().expect("fits");
    sock.send(&req[..len]).expect("send");
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let len = nlwire_benches::spin_recv(&sock, &mut buf);
        for m in Messages::new(&buf[..len]) {
            let m = m.expect("message");
            match m.kind() {
                NLMSG_DONE => return n,
                NLMSG_ERROR => panic!("dump failed"),
                _ => n += 1,
            }
        }
    }
}

// ---- the parent --------------------------------------------------------

struct Sample {
    time: Duration,
    /// CPU time, user + system (from `getrusage` through `time`).
    cpu: f64,
    /// User CPU time alone: the reader's own work.
    user: f64,
    rss_kib: u64,
    items: u64,
    /// A typed reader's checksum of table, oif and destination.
    sum: Option<u64>,
}

/// Runs `cmd` (already given its program, arguments and environment) as
/// `/usr/bin/time -f %M -o FILE cmd…`, stdout to `out`: its wall time and
/// peak RSS in KiB.
fn measure(
    argv: &[&std::ffi::OsStr],
    envs: &[(&str, &str)],
    out: Stdio,
    tag: &str,
) -> (Duration, u64, f64, f64) {
    let rss_file =
        std::env::temp_dir().join(format!("nlwire-bench-rss-{}-{tag}", std::process::id()));
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(&rss_file)
        .args(argv)
        .envs(envs.iter().copied())
        .stdout(out)
        .status()
        .expect("run /usr/bin/time (apt install time)");
    let time = t.elapsed();
    assert!(status.success(), "{tag} failed");
    let out = std::fs::read_to_string(&rss_file).expect("time's output");
    let _ = std::fs::remove_file(&rss_file);
    let mut f = out.lines().last().expect("time's line").split_whitespace();
    let mut next = || f.next().expect("three fields");
    let rss_kib = next().parse().expect("peak RSS in KiB");
    let user: f64 = next().parse().expect("user seconds");
    let sys: f64 = next().parse().expect("system seconds");
    (time, rss_kib, user + sys, user)
}

fn run_reader(variant: &str, ns: &TestNs) -> Sample {
    let out_file =
        std::env::temp_dir().join(format!("nlwire-bench-{}-{variant}", std::process::id()));
    let out = std::fs::File::create(&out_file).expect("output file");
    let ns_path = ns.path();
    let (time, rss_kib, cpu, user) = if variant == "ip -4 -j" {
        let argv = [
            "ip",
            "-n",
            ns.name(),
            "-4",
            "-j",
            "route",
            "show",
            "table",
            "all",
        ];
        let argv: Vec<&std::ffi::OsStr> = argv.iter().map(|a| a.as_ref()).collect();
        measure(&argv, &[], out.into(), "ip")
    } else {
        let exe = std::env::current_exe().expect("bench binary");
        let envs = [
            ("NLWIRE_BENCH_CHILD", variant),
            ("NLWIRE_BENCH_NS", ns_path.to_str().expect("utf-8 path")),
        ];
        measure(
            &[exe.as_os_str(), "--child".as_ref()],
            &envs,
            out.into(),
            variant,
        )
    };
    let text = std::fs::read_to_string(&out_file).expect("reader output");
    let _ = std::fs::remove_file(&out_file);
    let (items, sum) = if variant == "ip -4 -j" {
        let v: serde_json::Value = serde_json::from_str(&text).expect("ip's JSON");
        (v.as_array().expect("array").len() as u64, None)
    } else {
        let mut words = text
            .split_whitespace()
            .map(|w| w.parse().expect("a number"));
        (words.next().expect("route count"), words.next())
    };
    Sample {
        time,
        cpu,
        user,
        rss_kib,
        items,
        sum,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--child") {
        let v = std::env::var("NLWIRE_BENCH_CHILD").expect("variant");
        let ns = std::env::var("NLWIRE_BENCH_NS").expect("namespace path");
        println!("{}", child(&v, &ns));
        return;
    }
    let Some((n, runs)) = nlwire_tests::bench_size("bench dump", 1_000_000, 7, 20_000) else {
        return;
    };
    let ns = populate(n);
    let readers = [
        "raw",
        "nlwire-mio-views",
        "nlwire-tokio-views",
        "nlwire-async-io-views",
        "nlwire-mio-owned",
        "nlwire-tokio",
        "nlwire-async-io",
        "ip -4 -j",
        "rtnetlink",
        "nlink",
    ];
    // One unmeasured round warms the page cache (binaries, libraries).
    // Then runs interleave the readers, so a slow moment of the machine is
    // shared rather than landing on one of them.
    for r in readers {
        run_reader(r, &ns);
    }
    let mut samples: Vec<Vec<Sample>> = readers.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (k, r) in readers.iter().enumerate() {
            samples[k].push(run_reader(r, &ns));
        }
    }
    let expected = samples[0][0].items;
    let typed_sum = samples[1][0].sum;
    assert!(typed_sum.is_some(), "{} gave no checksum", readers[1]);
    assert!(expected >= u64::from(n), "the floor saw {expected} routes");
    println!(
        "dump {n} IPv4 routes (all tables), each reader in its own process, median of {runs} run(s)"
    );
    println!(
        "{:<22} {:>10} {:>9} {:>10} {:>9} {:>9} {:>15} {:>10}",
        "reader", "time", "× raw", "cpu u+s", "× raw", "user", "peak RSS", "routes"
    );
    let (mut floor, mut floor_cpu) = (0.0, 0.0);
    for (k, r) in readers.iter().enumerate() {
        let s = &mut samples[k];
        for x in s.iter() {
            assert_eq!(x.items, expected, "{r} saw another number of routes");
            if let (Some(a), Some(b)) = (x.sum, typed_sum) {
                assert_eq!(a, b, "{r} decoded other tables, interfaces or destinations");
            }
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let time = median(s.iter().map(|x| x.time.as_secs_f64()).collect());
        let cpu = median(s.iter().map(|x| x.cpu).collect());
        let user = median(s.iter().map(|x| x.user).collect());
        let rss = median(s.iter().map(|x| x.rss_kib as f64).collect());
        if k == 0 {
            (floor, floor_cpu) = (time, cpu);
        }
        println!(
            "{r:<22} {time:>9.3}s {:>8.2}× {cpu:>9.2}s {:>8.2}× {user:>8.2}s {:>11.1} MiB {:>10}",
            time / floor,
            cpu / floor_cpu.max(0.01),
            rss / 1024.0,
            expected
        );
    }
}
