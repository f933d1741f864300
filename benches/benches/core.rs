//! Core benchmarks, no kernel: parse a recorded-shape 100,000-route dump as
//! views and as owned routes, encode requests, and run a 100,000-route
//! batch through the multiplexer. Also prints the heap
//! allocations per message on the view path and on the owned path (both
//! must be zero: the owned dump task's queue allocates only while it grows
//! to a datagram's worth of routes).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nlwire::machine::task::{Action, BatchTask, Dump, Task};
use nlwire::machine::{EventKind, Exchange, Mux, MuxOptions};
use nlwire::route::{GetRoutes, Route, RouteMessage, RouteRequest};
use nlwire::wire::{Messages, NLM_F_CAPPED, NLMSG_ERROR, Writer};
use nlwire::{Batch, Fold, FromMessage, fold};
use nlwire_benches::{CountingAlloc, addr4_message, allocations, route_dump, route6_message};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const N: u32 = 100_000;

/// What the view benches read of each route, as the kernel dump bench's
/// typed readers do: table, output interface and destination.
fn tally(r: &RouteMessage<'_>) -> u64 {
    let dst = match r.dst {
        Some(std::net::IpAddr::V4(a)) => u64::from(a.to_bits()),
        _ => 0,
    };
    u64::from(r.table) + u64::from(r.oif.unwrap_or(0)) + dst
}

/// The whole owned path of a runtime's dump, without a kernel: the dump
/// task every runtime drives, over the multiplexer, each datagram copied
/// into its receive buffer as `recv` would; every route decoded into an
/// owned [`Route`].
fn owned_dump(dump: &[Vec<u8>]) -> u64 {
    let mut mux = Mux::new(MuxOptions::default());
    mux.set_port(4242);
    let mut task: Dump<GetRoutes, Route> =
        Dump::new(GetRoutes::ipv4(), std::time::Duration::from_secs(10));
    let mut datagrams = dump.iter();
    let mut s = 0u64;
    loop {
        match task.poll(&mut mux) {
            Action::Send => task.sent(&mut mux, Ok(())),
            Action::Receive(_) => {
                let Some(d) = datagrams.next() else { break s };
                mux.recv_buffer()[..d.len()].copy_from_slice(d);
                mux.received(d.len());
            }
            Action::Done(Some(r)) => {
                let r = r.unwrap();
                s += u64::from(r.table) + u64::from(r.oif.unwrap_or(0));
            }
            Action::Done(None) => break s,
        }
    }
}

fn parse(c: &mut Criterion) {
    let dump = route_dump(N);
    // Allocation check: the view path over the whole dump.
    let before = allocations();
    let mut sum = 0u64;
    for d in &dump {
        for m in Messages::new(d) {
            let r = RouteMessage::from_message(&m.unwrap()).unwrap();
            sum += u64::from(r.priority.unwrap_or(0));
        }
    }
    let per_msg = (allocations() - before) as f64 / f64::from(N);
    println!("view parse: {per_msg} heap allocations per message (checksum {sum})");
    assert_eq!(allocations() - before, 0, "the view parse path allocated");

    // The owned path: a route without multipath is built without a heap
    // allocation, and the dump task hands it out through a queue that
    // allocates only while it grows (a few times per dump, not per route).
    let before = allocations();
    let mut sum = 0usize;
    for d in &dump {
        for m in Messages::new(d) {
            sum += usize::from(Route::from_message(&m.unwrap()).unwrap().dst_len);
        }
    }
    let owned = allocations() - before;
    println!(
        "owned parse: {} heap allocations per message (checksum {sum})",
        owned as f64 / f64::from(N)
    );
    assert_eq!(owned, 0, "an owned Route allocated");
    // An IPv6 route keeps its RTA_CACHEINFO undecoded, inline.
    let v6 = route6_message();
    let m = Messages::new(&v6).next().unwrap().unwrap();
    let before = allocations();
    let r = Route::from_message(&m).unwrap();
    assert_eq!(allocations() - before, 0, "an owned IPv6 Route allocated");
    assert_eq!(r.other.len(), 1, "RTA_CACHEINFO kept: {:?}", r.other);
    println!("owned IPv6 route (RTA_CACHEINFO kept): 0 heap allocations");
    // An IPv4 address carries its label, held inline.
    let a4 = addr4_message();
    let m = Messages::new(&a4).next().unwrap().unwrap();
    let before = allocations();
    let a = nlwire::route::Address::from_message(&m).unwrap();
    assert_eq!(allocations() - before, 0, "an owned IPv4 Address allocated");
    assert_eq!(a.label.as_deref(), Some("eth0:web"));
    println!("owned IPv4 address (with its label): 0 heap allocations");
    let before = allocations();
    let sum = owned_dump(&dump);
    let task = allocations() - before;
    println!("owned dump task: {task} heap allocations for {N} routes (checksum {sum})");
    assert_eq!(sum, u64::from(N) * (254 + 2), "every route came through");
    assert!(
        task <= 32,
        "the owned dump task allocated {task} times for {N} routes"
    );

    let mut g = c.benchmark_group("route_dump_100k");
    g.throughput(Throughput::Elements(u64::from(N)));
    g.bench_function("headers_only", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for d in &dump {
                n += Messages::new(d).count() as u32;
            }
            n
        })
    });
    g.bench_function("views", |b| {
        b.iter(|| {
            let mut s = 0u64;
            for d in &dump {
                for m in Messages::new(d) {
                    s += tally(&RouteMessage::from_message(&m.unwrap()).unwrap());
                }
            }
            s
        })
    });
    g.bench_function("exchange_views", |b| {
        b.iter(|| {
            let mut ex = Exchange::new();
            // The synthetic frames carry seq 1 and port 4242.
            ex.set_port(4242);
            let mut buf = [0u8; 64];
            let _ = ex.start(&GetRoutes::ipv4(), &mut buf).unwrap();
            let mut s = 0u64;
            for d in &dump {
                for ev in ex.handle(d) {
                    if let EventKind::Item(m) = ev.kind {
                        s += tally(&RouteMessage::from_message(&m).unwrap());
                    }
                }
            }
            s
        })
    });
    // The whole path of a view dump in a runtime: datagrams copied into the
    // multiplexer's receive buffer (as `recv` does), routed to their request,
    // filtered by the request and decoded as views.
    g.bench_function("mux_views", |b| {
        b.iter(|| {
            let mut mux = Mux::new(MuxOptions::default());
            mux.set_port(4242);
            let req = GetRoutes::ipv4();
            let (id, _) = mux.start(&req).unwrap();
            let mut s = 0u64;
            let mut f = |m: nlwire::wire::Message<'_>| {
                s += tally(&RouteMessage::from_message(&m).unwrap());
            };
            for d in &dump {
                mux.recv_buffer()[..d.len()].copy_from_slice(d);
                mux.received(d.len());
                let _ = mux.drain(id, &mut |r| fold::views(&req, r, &mut f), |t| {
                    matches!(t, Fold::Continue)
                });
            }
            s
        })
    });
    g.bench_function("owned_dump_task", |b| b.iter(|| owned_dump(&dump)));
    g.bench_function("owned_routes", |b| {
        b.iter(|| {
            let mut s = 0usize;
            for d in &dump {
                for m in Messages::new(d) {
                    s += Route::from_message(&m.unwrap()).unwrap().dst_len as usize;
                }
            }
            s
        })
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1000));
    let payload = [0u8; 12];
    g.bench_function("1000_requests_into_one_buffer", |b| {
        let mut buf = vec![0u8; 64 * 1024];
        b.iter(|| {
            let mut w = Writer::new(&mut buf);
            for seq in 0..1000 {
                let m = w.begin_message(24, 0x605, seq, 0);
                w.put(&payload);
                w.attr_u32(15, 100);
                w.attr(1, &[198, 51, 100, (seq % 256) as u8]);
                w.attr_u32(4, 2);
                w.end_message(m);
            }
            w.finish().unwrap()
        })
    });
    g.finish();
}

/// A 100,000-route batch through the multiplexer without a kernel: encode
/// the requests into a [`Batch`], then per chunk register its members and
/// copy them out ([`Mux::start_batch`]), read the barrier's ack and settle.
/// Everything nlwire does for `Connection::batch` but the system calls.
fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_100k");
    g.throughput(Throughput::Elements(u64::from(N)));
    let reqs: Vec<RouteRequest<'static>> = (0..N)
        .map(|i| {
            let dst =
                std::net::Ipv6Addr::new(0x2001, 0xdb8, (i >> 16) as u16, i as u16, 0, 0, 0, 0);
            RouteRequest::add(dst.into(), 64)
                .unwrap()
                .oif(2)
                .unwrap()
                .table(300)
        })
        .collect();
    let encode = || {
        let mut b = Batch::with_capacity(reqs.len(), 64);
        for r in &reqs {
            b.push(r).unwrap();
        }
        b
    };
    g.bench_function("encode", |b| b.iter(encode));
    let whole = encode();
    g.bench_function("mux_chunks", |b| {
        b.iter(|| {
            let mut mux = Mux::new(MuxOptions::default());
            mux.set_port(4242);
            // The batch task, as every runtime drives it, without a kernel.
            let mut task = BatchTask::new(&whole, std::time::Duration::from_secs(10));
            loop {
                match task.poll(&mut mux) {
                    Action::Send => {
                        std::hint::black_box(mux.outgoing().len());
                        task.sent(&mut mux, Ok(()));
                    }
                    Action::Receive(barrier) => {
                        // The kernel's ack of the barrier (capped: header echoed).
                        let buf = mux.recv_buffer();
                        let mut w = Writer::new(buf);
                        let m = w.begin_message(NLMSG_ERROR, NLM_F_CAPPED, barrier.seq(), 4242);
                        w.put(&0i32.to_ne_bytes());
                        w.put(&[0u8; 16]);
                        w.end_message(m);
                        let len = w.finish().unwrap();
                        mux.received(len);
                    }
                    Action::Done(outcome) => break outcome.unwrap().is_ok(),
                }
            }
        })
    });
    g.finish();
}

criterion_group!(benches, parse, encode, batch);
criterion_main!(benches);
