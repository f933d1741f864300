//! Each fault the simulator injects, and the library's answer to it.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use nlwire::machine::mirror::MirrorEvent;
use nlwire::ops;
use nlwire::route::events::{Group, Groups, Notice};
use nlwire::route::{GetLink, GetLinks, RouteRequest};
use nlwire::{Batch, Error};
use nlwire_conn::ConnectionOptions;
use nlwire_sim::{Fault, Faults, Kernel};

fn mio_with_faults(kernel: &Kernel) -> (nlwire_mio::Connection, Faults) {
    let sock = kernel.socket(kernel.init_ns()).unwrap();
    let faults = sock.faults();
    let c = nlwire_mio::Connection::from_transport(sock, ConnectionOptions::default()).unwrap();
    (c, faults)
}

fn names(c: &mut nlwire_mio::Connection) -> Vec<String> {
    c.links().map(|l| l.unwrap().name).collect()
}

/// Lost notifications are reported as an overrun, not skipped silently.
#[test]
fn an_overrun_is_reported_to_a_subscriber() {
    let kernel = Kernel::new();
    let (mut w, _) = mio_with_faults(&kernel);
    let (mut sub, faults) = mio_with_faults(&kernel);
    sub.subscribe(Groups::links()).unwrap();
    faults.inject(Fault::Overrun { dropped: 1 });
    w.execute(ops::create_bridge("br0").unwrap()).unwrap();
    w.execute(ops::create_bridge("br1").unwrap()).unwrap();
    let first = sub
        .next_event_within(Duration::from_secs(1))
        .unwrap()
        .expect("something");
    assert!(matches!(first, Notice::Overrun), "{first:?}");
    // What came after the drop is delivered.
    let next = sub
        .next_event_within(Duration::from_secs(1))
        .unwrap()
        .expect("the second bridge");
    assert!(format!("{next:?}").contains("br1"), "{next:?}");
}

/// The mirror heals itself after an overrun: it lists again and reports
/// what it missed.
#[test]
fn the_mirror_resyncs_after_an_overrun() {
    let kernel = Kernel::new();
    let (mut w, _) = mio_with_faults(&kernel);
    let (mc, faults) = mio_with_faults(&kernel);
    let mut m = nlwire_mio::Mirror::new(mc, Groups::links()).unwrap();
    let next = |m: &mut nlwire_mio::Mirror| {
        m.next_event_within(Duration::from_secs(2))
            .unwrap()
            .expect("an event")
    };
    while !matches!(next(&mut m), MirrorEvent::Synced) {}
    faults.inject(Fault::Overrun { dropped: 5 });
    w.execute(ops::create_veth("m0", "m1").unwrap()).unwrap();
    // Both links arrive (from the new listing), then the mirror is whole.
    let mut added = Vec::new();
    loop {
        match next(&mut m) {
            MirrorEvent::Added(o) => added.push(format!("{o:?}")),
            MirrorEvent::Synced => break,
            _ => {}
        }
    }
    assert_eq!(added.len(), 2, "{added:?}");
    let mut have: Vec<&str> = m.state().links().map(|l| l.name.as_str()).collect();
    have.sort();
    assert_eq!(have, ["lo", "m0", "m1"]);
}

/// An interrupted dump is an error to a reader of the raw dump, and
/// retried by the ops that collect one.
#[test]
fn an_interrupted_dump_fails_or_is_retried() {
    let kernel = Kernel::new();
    let (mut c, faults) = mio_with_faults(&kernel);
    c.execute(ops::create_veth("a0", "b0").unwrap()).unwrap();
    faults.inject(Fault::DumpInterrupted { chunk: 0 });
    let got: Vec<Result<_, Error>> = c.links().collect();
    assert!(
        matches!(got.last(), Some(Err(Error::DumpInterrupted { .. }))),
        "{got:?}"
    );
    faults.inject(Fault::DumpInterrupted { chunk: 0 });
    let links: Vec<nlwire::route::Link> = c.execute(ops::Collect::new(GetLinks::new())).unwrap();
    assert_eq!(links.len(), 3, "the retry read the whole table");
    assert_eq!(names(&mut c), ["lo", "b0", "a0"]);
}

/// A request that fails inside a batch fails alone, with its errno, and
/// changes nothing; the others are applied.
#[test]
fn an_errno_on_the_nth_request_fails_that_request_only() {
    let kernel = Kernel::new();
    let (mut c, faults) = mio_with_faults(&kernel);
    let mut batch = Batch::new();
    for i in 0..4u8 {
        let dst = IpAddr::V4(Ipv4Addr::new(203, 0, 113, i));
        batch
            .push(&RouteRequest::add(dst, 32).unwrap().kind(6))
            .unwrap();
    }
    faults.inject(Fault::Errno { nth: 2, errno: 12 });
    let out = c.batch(&batch).unwrap();
    assert_eq!(out.failures().len(), 1);
    let (i, e) = &out.failures()[0];
    assert_eq!(*i, 2);
    match e {
        Error::Kernel(k) => assert_eq!(k.errno.0, 12),
        other => panic!("{other}"),
    }
    let mut dsts: Vec<String> = c
        .routes()
        .map(|r| r.unwrap().dst.unwrap().to_string())
        .collect();
    dsts.sort();
    assert_eq!(dsts, ["203.0.113.0", "203.0.113.1", "203.0.113.3"]);
}

/// A datagram larger than the receive buffer fails its request with
/// `Truncated`; the buffer grows and the retry succeeds.
#[test]
fn a_truncated_reply_fails_the_request_and_the_retry_succeeds() {
    let kernel = Kernel::new();
    let (mut c, faults) = mio_with_faults(&kernel);
    faults.inject(Fault::Truncate);
    let e = c.get(GetLink::by_name("lo").unwrap()).unwrap_err();
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    let lo = c.get(GetLink::by_name("lo").unwrap()).unwrap();
    assert_eq!(lo.index, 1);
}

/// Replies out of request order still reach their own requests
/// (pipelined requests on one async connection).
#[test]
fn delayed_replies_reach_their_own_requests() {
    let kernel = Kernel::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = kernel.socket(kernel.init_ns()).unwrap();
        let faults = sock.faults();
        let c =
            nlwire_tokio::Connection::from_transport(sock, ConnectionOptions::default()).unwrap();
        c.execute(ops::create_bridge("br0").unwrap()).await.unwrap();
        faults.inject(Fault::Delay);
        let (lo, br) = futures_lite::future::zip(
            c.get(GetLink::by_name("lo").unwrap()),
            c.get(GetLink::by_name("br0").unwrap()),
        )
        .await;
        assert_eq!(lo.unwrap().name, "lo");
        assert_eq!(br.unwrap().name, "br0");
    });
}

/// A delayed reply with no request after it never comes: a blocking
/// caller gets its timeout, not a wrong answer.
#[test]
fn a_reply_held_back_times_out() {
    let kernel = Kernel::new();
    let (mut c, faults) = mio_with_faults(&kernel);
    c.set_timeout(Duration::from_millis(100));
    faults.inject(Fault::Delay);
    let e = c.get(GetLink::by_name("lo").unwrap()).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
}

/// The mirror under seeded chaos — lost notifications and interrupted
/// listings at random — while a writer churns links, addresses and
/// routes: after it settles, it holds exactly what a fresh dump holds.
/// Each seed replays the same faults at the same points.
#[test]
fn the_mirror_heals_under_seeded_chaos() {
    use nlwire::route::{AddressRequest, LinkRequest};
    use nlwire_sim::Chaos;

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }
    let mut resyncs = 0;
    for seed in 1..=20u64 {
        let kernel = Kernel::new();
        let (mut w, _) = mio_with_faults(&kernel);
        let (mc, faults) = mio_with_faults(&kernel);
        faults.chaos(Chaos {
            seed,
            overrun_per_mille: 30,
            dump_intr_per_mille: 150,
        });
        let groups = Groups::links()
            .with(Group::Ipv4Address)
            .with(Group::Ipv4Route);
        let mut m = nlwire_mio::Mirror::new(mc, groups).unwrap();
        // Takes the mirror's events until none comes within `wait` ms;
        // whether it is still resyncing then.
        let mut resyncing = false;
        let mut pump = |m: &mut nlwire_mio::Mirror, wait: u64| {
            while let Some(e) = m
                .next_event_within(Duration::from_millis(wait))
                .unwrap_or_else(|e| panic!("seed {seed}: the mirror gave up: {e}"))
            {
                match e {
                    MirrorEvent::Resyncing(_) => resyncing = true,
                    MirrorEvent::Synced => {
                        resyncing = false;
                        resyncs += 1;
                    }
                    _ => {}
                }
            }
            resyncing
        };
        let mut rng = Rng(seed * 7919 + 1);
        let names = ["a0", "a1", "b0", "b1"];
        for _ in 0..150 {
            let n = names[rng.below(4) as usize];
            let idx = w.get(GetLink::by_name(n).unwrap()).map_or(99, |l| l.index);
            let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1 + rng.below(4) as u8));
            let d = IpAddr::V4(Ipv4Addr::new(203, 0, 113, rng.below(8) as u8));
            let _ = match rng.below(8) {
                0 => w.execute(ops::create_veth(n, names[rng.below(4) as usize]).unwrap()),
                1 => w.request(LinkRequest::delete(n).unwrap()),
                2 | 3 => w.request(LinkRequest::set(n).unwrap().up(rng.below(3) > 0)),
                4 => w.request(AddressRequest::add(idx, a, 24).unwrap()),
                5 => w.request(AddressRequest::delete(idx, a, 24).unwrap()),
                6 => w.request(RouteRequest::add(d, 32).unwrap().oif(idx).unwrap()),
                _ => w.request(RouteRequest::delete(d, 32).unwrap()),
            };
            pump(&mut m, 0);
        }
        // Let a resync in its backoff finish.
        let mut waits = 0;
        while pump(&mut m, 200) {
            waits += 1;
            assert!(waits < 50, "seed {seed}: the mirror never settled");
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let links = sorted(w.links().map(|l| format!("{:?}", l.unwrap())).collect());
        let mlinks = sorted(m.state().links().map(|l| format!("{l:?}")).collect());
        assert_eq!(mlinks, links, "seed {seed}: links");
        // IPv4 addresses: the mirror subscribes to IPv4 groups only (the
        // links' IPv6 link-local addresses are not its).
        let addrs = sorted(
            w.addresses()
                .map(|a| a.unwrap())
                .filter(|a| a.family == 2)
                .map(|a| format!("{a:?}"))
                .collect(),
        );
        let maddrs = sorted(m.state().addresses().map(|a| format!("{a:?}")).collect());
        assert_eq!(maddrs, addrs, "seed {seed}: addresses");
        // A route's linkdown flag follows its link's carrier without a
        // notification (as in the kernel): compared without flags.
        let route = |r: &nlwire::route::Route| {
            let mut r = r.clone();
            r.flags = 0;
            format!("{r:?}")
        };
        // The mirror follows the IPv4 groups only.
        let routes = sorted(
            w.routes()
                .map(|r| r.unwrap())
                .filter(|r| r.family == nlwire::route::AF_INET)
                .map(|r| route(&r))
                .collect(),
        );
        let mroutes = sorted(m.state().routes().map(route).collect());
        assert_eq!(mroutes, routes, "seed {seed}: routes");
    }
    // The chaos did make the mirror list again (one listing per seed at
    // the start; more are resyncs).
    assert!(resyncs > 20, "only {resyncs} listings over 20 seeds");
}
