//! Route notifications, counted while one batch of IPv4 routes is
//! installed in a private namespace, by one listener at a time in its own
//! process: a raw `recv` loop that only walks message headers (the floor),
//! an nlwire subscription on each runtime, `ip monitor route`, the
//! `rtnetlink` crate's multicast connection and nlink 0.33's event stream.
//! Each listener runs with its library's default receive buffer; nlwire
//! both with views (`next_events_with`, nothing allocated per event) and
//! with owned events (`next_event`). Reports,
//! per listener, the route events it received (of the batch's), the
//! overruns it saw, and its CPU time (user + system, from `getrusage`, from
//! the moment it was listening; for `ip`, its whole process through
//! `/usr/bin/time`) per event, against the floor's.
//!
//! Then the mirror: a `Mirror` of the routes loads the same table, and is
//! made to list it again (a resync); against an owned dump of the table
//! (`collect`) and nlink 0.33's reflector `Store` in the same run, with
//! each one's peak RSS. `NLWIRE_BENCH_ONLY=mirror` runs only this part.
//!
//! `cargo bench -p nlwire-benches --bench events` (root). Routes:
//! `NLWIRE_BENCH_ROUTES` (default 100,000), runs: `NLWIRE_BENCH_RUNS`
//! (default 3); `-- --test` installs 3,000 routes once and checks that
//! every nlwire listener counted every one (CI).

use std::net::IpAddr;
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nlwire::route::events::{Event, Group, Groups, Notice};
use nlwire::route::{RTM_NEWROUTE, RouteRequest};
use nlwire::wire::Messages;
use nlwire::{Batch, BatchOptions};
use nlwire_tests::TestNs;

/// `RTN_BLACKHOLE`.
const BLACKHOLE: u8 = 6;
/// How long a listener waits after the last event before it ends.
const IDLE: Duration = Duration::from_secs(2);

/// Installs `n` blackhole /32s (768 per table, tables 1000, 1001, …).
fn install(ns: &TestNs, n: u32) -> Duration {
    let mut conn = nlwire_mio::Connection::new_in_netns(ns.path()).expect("connection");
    let t = Instant::now();
    let mut done = 0;
    while done < n {
        let chunk = (n - done).min(100_000);
        let mut b = Batch::with_capacity(chunk as usize, 48)
            .options(BatchOptions::default().stop_on_error(true));
        for i in done..done + chunk {
            let (dst, table) = nlwire_tests::doc_route_v4(i);
            let r = RouteRequest::add(IpAddr::V4(dst), 32)
                .expect("prefix")
                .kind(BLACKHOLE)
                .table(table);
            b.push(&r).expect("encode");
        }
        let out = conn.batch(&b).expect("batch");
        assert!(out.is_ok(), "{:?}", out.failures().first());
        done += chunk;
    }
    t.elapsed()
}

/// Whether a route is one of the batch's (a blackhole in table ≥ 1000).
fn ours(table: u32, kind: u8) -> bool {
    table >= 1000 && kind == BLACKHOLE
}

// ---- the listeners, each in a child process ----------------------------

/// Counts the batch's route events until `n` came or none for `IDLE`;
/// prints `events overruns`. `ready` is created once subscribed.
fn child(variant: &str, ns_path: &str, n: u64, ready: &str) -> (u64, u64, f64) {
    // CPU time is counted from the moment the listener is ready: what
    // listening costs, not starting a process and a runtime.
    let base = std::cell::Cell::new(0.0);
    let cpu = || {
        let (u, s) = nlwire_sys::rusage::process_cpu().expect("getrusage");
        (u + s).as_secs_f64()
    };
    let touch = || {
        base.set(cpu());
        std::fs::write(ready, b"").expect("ready file")
    };
    let (events, overruns) = match variant {
        "raw" => {
            let sock = nlwire_sys::NetlinkSocket::open_in_netns(ns_path, &Default::default())
                .expect("socket");
            sock.add_membership(Group::Ipv4Route.number())
                .expect("join");
            touch();
            let mut buf = vec![0u8; 64 * 1024];
            let (mut events, mut overruns) = (0, 0);
            while events < n {
                match sock.recv(&mut buf) {
                    Ok(len) => {
                        for m in Messages::new(&buf[..len]).map_while(Result::ok) {
                            if m.kind() == RTM_NEWROUTE {
                                events += 1;
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        let fd = sock.as_fd();
                        if !nlwire_sys::poll::wait_readable_for(fd, IDLE).expect("poll") {
                            break;
                        }
                    }
                    Err(e) if e.raw_os_error() == Some(105) => overruns += 1,
                    Err(e) => panic!("recv: {e}"),
                }
            }
            (events, overruns)
        }
        "nlwire-mio" => {
            let mut c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            c.subscribe(Group::Ipv4Route.into()).expect("subscribe");
            touch();
            let (mut events, mut overruns) = (0, 0);
            while events < n {
                match c.next_event_within(IDLE).expect("event") {
                    Some(Notice::Event(Event::Route(_, r))) if ours(r.table, r.kind) => events += 1,
                    Some(Notice::Overrun) => overruns += 1,
                    Some(_) => {}
                    None => break,
                }
            }
            (events, overruns)
        }
        "nlwire-mio-views" => {
            use nlwire::route::events::{NoticeView, Notification};
            let mut c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            c.subscribe(Group::Ipv4Route.into()).expect("subscribe");
            touch();
            let (mut events, mut overruns) = (0, 0);
            while events < n {
                let got = c
                    .next_events_with(Some(IDLE), |v| match v {
                        NoticeView::Notification(Notification::Route(_, r))
                            if ours(r.table, r.header.kind) =>
                        {
                            events += 1
                        }
                        NoticeView::Overrun => overruns += 1,
                        _ => {}
                    })
                    .expect("events");
                if got == 0 {
                    break;
                }
            }
            (events, overruns)
        }
        "nlwire-tokio-views" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                use nlwire::route::events::{NoticeView, Notification};
                let c = nlwire_tokio::Connection::new_in_netns(ns_path).expect("connection");
                c.subscribe(Group::Ipv4Route.into()).expect("subscribe");
                touch();
                let (mut events, mut overruns) = (0, 0);
                while events < n {
                    let got = c
                        .next_events_with(Some(IDLE), |v| match v {
                            NoticeView::Notification(Notification::Route(_, r))
                                if ours(r.table, r.header.kind) =>
                            {
                                events += 1
                            }
                            NoticeView::Overrun => overruns += 1,
                            _ => {}
                        })
                        .await
                        .expect("events");
                    if got == 0 {
                        break;
                    }
                }
                (events, overruns)
            }),
        "nlwire-tokio" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                let c = nlwire_tokio::Connection::new_in_netns(ns_path).expect("connection");
                c.subscribe(Group::Ipv4Route.into()).expect("subscribe");
                touch();
                let (mut events, mut overruns) = (0, 0);
                while events < n {
                    match c.next_event_within(IDLE).await.expect("event") {
                        Some(Notice::Event(Event::Route(_, r))) if ours(r.table, r.kind) => {
                            events += 1
                        }
                        Some(Notice::Overrun) => overruns += 1,
                        Some(_) => {}
                        None => break,
                    }
                }
                (events, overruns)
            }),
        "nlwire-async-io" => async_io::block_on(async {
            let c = nlwire_async_io::Connection::new_in_netns(ns_path).expect("connection");
            c.subscribe(Group::Ipv4Route.into()).expect("subscribe");
            touch();
            let (mut events, mut overruns) = (0, 0);
            while events < n {
                match c.next_event_within(IDLE).await.expect("event") {
                    Some(Notice::Event(Event::Route(_, r))) if ours(r.table, r.kind) => events += 1,
                    Some(Notice::Overrun) => overruns += 1,
                    Some(_) => {}
                    None => break,
                }
            }
            (events, overruns)
        }),
        "rtnetlink" => {
            // rtnetlink opens its socket on the calling thread: the
            // process joins the namespace first.
            let f = std::fs::File::open(ns_path).expect("namespace");
            nlwire_sys::netns::enter_netns_fd(f.as_fd()).expect("setns");
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    use rtnetlink::packet_core::NetlinkPayload;
                    use rtnetlink::packet_route::RouteNetlinkMessage;
                    use rtnetlink::sys::AsyncSocket;
                    let (mut conn, _handle, mut messages) =
                        rtnetlink::new_connection().expect("rtnetlink");
                    // As rtnetlink's own `listen` example joins groups.
                    let addr =
                        rtnetlink::sys::SocketAddr::new(0, rtnetlink::constants::RTMGRP_IPV4_ROUTE);
                    conn.socket_mut().socket_mut().bind(&addr).expect("bind");
                    tokio::spawn(conn);
                    touch();
                    let mut events = 0;
                    while events < n {
                        let next = tokio::time::timeout(
                            IDLE,
                            futures_lite::StreamExt::next(&mut messages),
                        );
                        let Ok(Some((m, _))) = next.await else { break };
                        if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(r)) =
                            m.payload
                        {
                            use rtnetlink::packet_route::route::RouteAttribute;
                            let mut table = u32::from(r.header.table);
                            for a in &r.attributes {
                                if let RouteAttribute::Table(t) = a {
                                    table = *t;
                                }
                            }
                            if ours(table, u8::from(r.header.kind)) {
                                events += 1;
                            }
                        }
                    }
                    // netlink-proto reports no overrun to its user.
                    (events, 0)
                })
        }
        "nlink" => {
            let f = std::fs::File::open(ns_path).expect("namespace");
            nlwire_sys::netns::enter_netns_fd(f.as_fd()).expect("setns");
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    use nlink::netlink::{Connection, NetworkEvent, Route, RtnetlinkGroup};
                    let conn = Connection::<Route>::new().expect("nlink");
                    conn.subscribe(&[RtnetlinkGroup::Ipv4Route])
                        .expect("subscribe");
                    let mut stream = conn.events().await;
                    touch();
                    let (mut events, mut overruns) = (0, 0);
                    while events < n {
                        let next =
                            tokio::time::timeout(IDLE, futures_lite::StreamExt::next(&mut stream));
                        match next.await {
                            // Only the batch's routes are in tables ≥ 1000.
                            Ok(Some(Ok(NetworkEvent::NewRoute(r)))) => {
                                if r.table_id() >= 1000 {
                                    events += 1;
                                }
                            }
                            Ok(Some(Ok(_))) => {}
                            Ok(Some(Err(_))) => overruns += 1,
                            Ok(None) | Err(_) => break,
                        }
                    }
                    (events, overruns)
                })
        }
        v => panic!("unknown listener {v}"),
    };
    (events, overruns, cpu() - base.get())
}

// ---- the parent --------------------------------------------------------

struct Sample {
    events: u64,
    overruns: u64,
    cpu: f64,
}

/// Parses `/usr/bin/time -f "%U %S"`'s last line: user + system seconds.
fn cpu_of(file: &std::path::Path) -> f64 {
    let out = std::fs::read_to_string(file).expect("time's output");
    let mut f = out.lines().last().expect("time's line").split_whitespace();
    let mut next = || -> f64 { f.next().expect("two fields").parse().expect("seconds") };
    next() + next()
}

fn wait_for(path: &std::path::Path, what: &str) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} never got ready"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One listener, on a fresh namespace, while `n` routes are installed.
fn run_listener(variant: &str, n: u32) -> Sample {
    let ns = TestNs::create();
    let tmp = std::env::temp_dir();
    let tag = format!("{}-{}", std::process::id(), variant.replace(' ', "_"));
    let (ready, times, out, err) = (
        tmp.join(format!("nlwire-ev-ready-{tag}")),
        tmp.join(format!("nlwire-ev-time-{tag}")),
        tmp.join(format!("nlwire-ev-out-{tag}")),
        tmp.join(format!("nlwire-ev-err-{tag}")),
    );
    let _ = std::fs::remove_file(&ready);
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f").arg("%U %S").arg("-o").arg(&times);
    let ip = variant == "ip monitor";
    if ip {
        cmd.args(["ip", "-n", ns.name(), "monitor", "route"]);
    } else {
        let exe = std::env::current_exe().expect("bench binary");
        cmd.arg(exe).arg("--child").envs([
            ("NLWIRE_BENCH_CHILD", variant),
            ("NLWIRE_BENCH_NS", ns.path().to_str().expect("utf-8")),
            ("NLWIRE_BENCH_N", &n.to_string()),
            ("NLWIRE_BENCH_READY", ready.to_str().expect("utf-8")),
        ]);
    }
    let mut child = cmd
        .stdout(std::fs::File::create(&out).expect("output file"))
        .stderr(std::fs::File::create(&err).expect("error file"))
        .spawn()
        .expect("run /usr/bin/time (apt install time)");
    if ip {
        // ip says nothing when it is listening: give it a moment.
        std::thread::sleep(Duration::from_millis(300));
    } else {
        wait_for(&ready, variant);
    }
    install(&ns, n);
    let mut own_cpu = None;
    let (events, overruns) = if ip {
        // Until its output stops growing, then stop it (its CPU is still
        // reported by `time`).
        let mut last = (0, Instant::now());
        loop {
            let len = std::fs::metadata(&out).map_or(0, |m| m.len());
            if len != last.0 {
                last = (len, Instant::now());
            } else if last.1.elapsed() > IDLE {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("pkill")
            .args(["-f", &format!("^ip -n {} monitor route", ns.name())])
            .status();
        let _ = child.wait();
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let events = text
            .lines()
            .filter(|l| l.starts_with("blackhole ") && l.contains(" table "))
            .count() as u64;
        let errs = std::fs::read_to_string(&err).unwrap_or_default();
        (
            events,
            errs.matches("No buffer space available").count() as u64,
        )
    } else {
        let status = child.wait().expect("listener");
        assert!(
            status.success(),
            "{variant} failed: {}",
            std::fs::read_to_string(&err).unwrap_or_default()
        );
        let text = std::fs::read_to_string(&out).expect("listener output");
        let mut w = text.split_whitespace();
        let mut next = || w.next().expect("three numbers");
        let e: u64 = next().parse().expect("events");
        let o: u64 = next().parse().expect("overruns");
        let c: f64 = next().parse().expect("cpu seconds");
        own_cpu = Some(c);
        (e, o)
    };
    // A listener's own count if it gave one (from when it was ready), else
    // what `time` measured of the whole process (ip).
    let cpu = own_cpu.unwrap_or_else(|| cpu_of(&times));
    for f in [&ready, &times, &out, &err] {
        let _ = std::fs::remove_file(f);
    }
    Sample {
        events,
        overruns,
        cpu,
    }
}

/// The mirror's child: loads the routes (and, for "mirror-resync", lists
/// them again); prints the seconds each took and the routes held.
fn mirror_child(variant: &str, ns_path: &str) -> String {
    use nlwire::machine::mirror::MirrorEvent;
    use nlwire::route::GetRoutes;
    match variant {
        "owned-dump" => {
            let mut c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            let t = Instant::now();
            let v = c.collect(GetRoutes::ipv4()).expect("dump");
            format!("{} 0 {}", t.elapsed().as_secs_f64(), v.len())
        }
        "mirror" | "mirror-resync" => {
            let c = nlwire_mio::Connection::new_in_netns(ns_path).expect("connection");
            let t = Instant::now();
            let mut m = nlwire_mio::Mirror::new(c, Groups::from(Group::Ipv4Route)).expect("mirror");
            loop {
                match m.next_event().expect("mirror") {
                    MirrorEvent::Synced => break,
                    MirrorEvent::Resyncing(_) => {}
                    e => panic!("{e:?}"),
                }
            }
            let load = t.elapsed().as_secs_f64();
            let mut resync = 0.0;
            if variant == "mirror-resync" {
                m.resync();
                let t = Instant::now();
                loop {
                    match m.next_event().expect("mirror") {
                        MirrorEvent::Synced => break,
                        MirrorEvent::Resyncing(_) => {}
                        e => panic!("no change expected, got {e:?}"),
                    }
                }
                resync = t.elapsed().as_secs_f64();
            }
            format!("{load} {resync} {}", m.routes().count())
        }
        "nlink-store" => {
            // nlink's reflector: its resync-aware stream (which subscribes
            // to every group and lists everything first) feeding a `Store`
            // of the routes, until the first listing is in.
            let f = std::fs::File::open(ns_path).expect("namespace");
            nlwire_sys::netns::enter_netns_fd(f.as_fd()).expect("setns");
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    use nlink::netlink::reflector::{ReflectExt, Store, StoreOp};
                    use nlink::netlink::resync::{ConnectionFactory, ResyncMarker, ResyncedEvent};
                    use nlink::netlink::{Connection, NetworkEvent, Route};
                    type RouteId = (u32, Option<IpAddr>, u8, Option<u32>);
                    let key = |r: &nlink::netlink::messages::RouteMessage| -> RouteId {
                        (
                            r.table_id(),
                            r.destination().copied(),
                            r.dst_len(),
                            r.priority(),
                        )
                    };
                    let factory: ConnectionFactory<Route> =
                        std::sync::Arc::new(|| Box::pin(async { Connection::<Route>::new() }));
                    let t = Instant::now();
                    let conn = Connection::<Route>::new().expect("nlink");
                    let store: Store<RouteId, NetworkEvent> = Store::new();
                    let mut watch = conn
                        .into_events_with_resync(factory)
                        .await
                        .expect("resync stream")
                        .reflect(store.clone(), move |ev| match ev {
                            NetworkEvent::NewRoute(r) => StoreOp::Upsert(key(r)),
                            NetworkEvent::DelRoute(r) => StoreOp::Remove(key(r)),
                            _ => StoreOp::Ignore,
                        });
                    while let Some(item) = futures_lite::StreamExt::next(&mut watch).await {
                        if matches!(
                            item.expect("nlink stream"),
                            ResyncedEvent::Marker(ResyncMarker::ResyncEnd)
                        ) {
                            break;
                        }
                    }
                    format!("{} 0 {}", t.elapsed().as_secs_f64(), store.len())
                })
        }
        v => panic!("unknown mirror variant {v}"),
    }
}

/// One mirror run: load and resync seconds, routes held, CPU seconds, peak
/// RSS in KiB.
type MirrorRun = (f64, f64, u64, f64, u64);

fn run_mirror(variant: &str, ns: &TestNs) -> MirrorRun {
    let tmp = std::env::temp_dir();
    let times = tmp.join(format!(
        "nlwire-mirror-time-{}-{variant}",
        std::process::id()
    ));
    let exe = std::env::current_exe().expect("bench binary");
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(&times)
        .arg(exe)
        .arg("--mirror-child")
        .envs([
            ("NLWIRE_BENCH_CHILD", variant),
            ("NLWIRE_BENCH_NS", ns.path().to_str().expect("utf-8")),
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run /usr/bin/time");
    assert!(out.status.success(), "{variant} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut w = text.split_whitespace();
    let load: f64 = w.next().expect("load").parse().expect("seconds");
    let resync: f64 = w.next().expect("resync").parse().expect("seconds");
    let routes: u64 = w.next().expect("routes").parse().expect("count");
    let t = std::fs::read_to_string(&times).expect("time's output");
    let _ = std::fs::remove_file(&times);
    let mut f = t.lines().last().expect("line").split_whitespace();
    let rss: u64 = f.next().expect("rss").parse().expect("KiB");
    let cpu: f64 = f.next().expect("user").parse::<f64>().expect("s")
        + f.next().expect("sys").parse::<f64>().expect("s");
    (load, resync, routes, cpu, rss)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--child") {
        let v = std::env::var("NLWIRE_BENCH_CHILD").expect("variant");
        let ns = std::env::var("NLWIRE_BENCH_NS").expect("namespace path");
        let n: u64 = std::env::var("NLWIRE_BENCH_N")
            .expect("n")
            .parse()
            .expect("n");
        let ready = std::env::var("NLWIRE_BENCH_READY").expect("ready file");
        let (e, o, c) = child(&v, &ns, n, &ready);
        println!("{e} {o} {c}");
        return;
    }
    if args.iter().any(|a| a == "--mirror-child") {
        let v = std::env::var("NLWIRE_BENCH_CHILD").expect("variant");
        let ns = std::env::var("NLWIRE_BENCH_NS").expect("namespace path");
        println!("{}", mirror_child(&v, &ns));
        return;
    }
    let Some((n, runs)) = nlwire_tests::bench_size("bench events", 100_000, 3, 3_000) else {
        return;
    };
    let smoke = args.iter().any(|a| a == "--test");
    let listeners = [
        "raw",
        "nlwire-mio-views",
        "nlwire-tokio-views",
        "nlwire-mio",
        "nlwire-tokio",
        "nlwire-async-io",
        "ip monitor",
        "rtnetlink",
        "nlink",
    ];
    // NLWIRE_BENCH_ONLY=mirror skips the listeners.
    let only_mirror = std::env::var("NLWIRE_BENCH_ONLY").is_ok_and(|v| v == "mirror");
    let listeners: &[&str] = if only_mirror { &[] } else { &listeners };
    let mut samples: Vec<Vec<Sample>> = listeners.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (k, l) in listeners.iter().enumerate() {
            samples[k].push(run_listener(l, n));
        }
    }
    println!(
        "route events while {n} routes are installed in one batch, one listener at a time, median of {runs} run(s)"
    );
    println!(
        "{:<18} {:>10} {:>9} {:>10} {:>12} {:>8}",
        "listener", "events", "overruns", "cpu u+s", "µs/event", "× raw"
    );
    let mut floor = 0.0;
    for (k, l) in listeners.iter().enumerate() {
        let s = &samples[k];
        let events = s.iter().map(|x| x.events).min().unwrap_or(0);
        let overruns = s.iter().map(|x| x.overruns).max().unwrap_or(0);
        let cpu = median(s.iter().map(|x| x.cpu).collect());
        let per = cpu * 1e6 / events.max(1) as f64;
        if k == 0 {
            floor = per;
        }
        println!(
            "{l:<18} {events:>10} {overruns:>9} {cpu:>9.3}s {per:>11.2} {:>7.2}×",
            per / floor.max(1e-9)
        );
        if l.starts_with("nlwire") || *l == "raw" {
            for x in s {
                assert_eq!(
                    x.events,
                    u64::from(n),
                    "{l} missed events (overruns: {})",
                    x.overruns
                );
                assert_eq!(x.overruns, 0, "{l} overran");
            }
        }
    }

    // The mirror, on one table of n routes.
    let ns = TestNs::create();
    install(&ns, n);
    let variants = ["owned-dump", "mirror", "mirror-resync", "nlink-store"];
    let mut m: Vec<Vec<MirrorRun>> = variants.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs.max(1) {
        for (k, v) in variants.iter().enumerate() {
            m[k].push(run_mirror(v, &ns));
        }
    }
    println!(
        "\nmirror of {n} routes (plus the kernel's), each in its own process, median of {runs} run(s)"
    );
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>12} {:>10}",
        "reader", "load", "resync", "cpu u+s", "peak RSS", "routes"
    );
    let dump_time = median(m[0].iter().map(|x| x.0).collect());
    for (k, v) in variants.iter().enumerate() {
        let s = &m[k];
        let load = median(s.iter().map(|x| x.0).collect());
        let resync = median(s.iter().map(|x| x.1).collect());
        let cpu = median(s.iter().map(|x| x.3).collect());
        let rss = median(s.iter().map(|x| x.4 as f64).collect());
        let routes = s[0].2;
        assert!(routes >= u64::from(n), "{v} holds {routes} routes");
        println!(
            "{v:<16} {load:>9.3}s {resync:>9.3}s {cpu:>9.2}s {:>8.1} MiB {routes:>10}   load × dump {:.2}",
            rss / 1024.0,
            load / dump_time.max(1e-9)
        );
    }
    if smoke {
        println!("(smoke size: the figures mean little)");
    }
}
