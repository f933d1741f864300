//! The network setup a container agent does for each pod, timed: for each
//! of N pods, create a named namespace; create a veth pair; move the peer
//! into the namespace and rename it `eth0` in one request; bring the host
//! side, `lo` and `eth0` up; add the pod's address; add its default route;
//! add the host-side route to it; set one sysctl in the namespace
//! (`net.ipv4.ip_unprivileged_port_start`, which container runtimes set);
//! and at the end tear it all down (remove the namespaces).
//!
//! Compared in the same run, the methods taking turns:
//! * the `ip`/`nsenter` shell-outs that container agents are replacing
//!   (`ip netns add`, `ip link add`, `ip link set … netns … name eth0`,
//!   `ip -n POD …`, `nsenter --net=… sysctl -w`, `ip netns del`);
//! * the `rtnetlink` crate (its `NetworkNamespace::add`/`del`, a connection
//!   per pod opened on a thread inside the pod's namespace);
//! * nlink 0.33 (its namespace functions, a connection per pod; a move and
//!   a rename are two requests there);
//! * nlwire, one request at a time (mio);
//! * nlwire with many pods in flight on one host connection (tokio, 64
//!   pods at once; each pod's own steps pipelined on its connection);
//! * the same, with the veth's peer created in the pod as `eth0` (one
//!   request instead of a create and a move: the shape nlwire recommends,
//!   since moving a link between namespaces costs the kernel ~20 ms).
//!
//! `cargo bench -p nlwire-benches --bench pods` (root). N is
//! `NLWIRE_BENCH_ROUTES` (default 500), runs `NLWIRE_BENCH_RUNS` (default
//! 3); `-- --test` runs 4 pods once (CI) and checks every pod of every
//! method. Reports pods/s, wall time and CPU time (user + system of this
//! process and of the commands it ran) per pod, each as a ratio to nlwire
//! sequential.
//!
//! The "host" is a namespace the benchmark creates; pods are named
//! namespaces `nlwt-pod-…`; addresses are in 198.51.100.0/24 and
//! 203.0.113.0/24, the gateway 192.0.2.254 (documentation ranges). No
//! packet is sent.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nlwire::route::{AddressRequest, GetLink, Link, LinkKind, LinkRequest, RouteRequest};
use nlwire_benches::{cpu_now, median};
use nlwire_sys::netns::{Netns, NetnsDir};
use nlwire_tests::TestNs;

const SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";
const SYSCTL_PATH: &str = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
const SYSCTL_VALUE: &str = "80";
const GATEWAY: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 254);
/// `RTPROT_BOOT`, the host routes' protocol (what `ip route add` uses).
const BOOT: u8 = 3;
/// Pods in flight at once in the pipelined method.
const IN_FLIGHT: usize = 64;

/// Pod `i`'s address: 198.51.100.0/24 then 203.0.113.0/24 (512 pods).
fn pod_addr(i: usize) -> Ipv4Addr {
    assert!(i < 512, "at most 512 pods");
    if i < 256 {
        Ipv4Addr::new(198, 51, 100, i as u8)
    } else {
        Ipv4Addr::new(203, 0, 113, (i - 256) as u8)
    }
}

/// `ip -n NS -j ARGS…`, parsed.
fn ip_json(ns: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new("ip")
        .args(["-n", ns, "-j"])
        .args(args)
        .output()
        .expect("run ip");
    assert!(out.status.success(), "ip -n {ns} {args:?} failed");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// One run of one method: the host namespace and the pods' names.
struct Run {
    host: TestNs,
    pods: Vec<String>,
}

impl Run {
    fn new(n: u32, tag: usize) -> Run {
        let host = TestNs::create();
        host.ip(&["link", "set", "lo", "up"]);
        let pods = (0..n)
            .map(|i| format!("nlwt-pod-{}-{tag}-{i}", std::process::id()))
            .collect();
        Run { host, pods }
    }

    /// Checks that pod `i` is set up: `lo` and `eth0` up, eth0's address,
    /// the default route, the sysctl; and the host route to it.
    fn check(&self, i: usize, dir: &NetnsDir) {
        let pod = &self.pods[i];
        let a = ip_json(pod, &["addr", "show", "dev", "eth0"]);
        let up = |l: &serde_json::Value| {
            l["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "UP"))
        };
        assert!(up(&a[0]), "{pod}: eth0 down: {a}");
        assert_eq!(
            a[0]["addr_info"][0]["local"],
            pod_addr(i).to_string(),
            "{pod}"
        );
        assert!(
            up(&ip_json(pod, &["link", "show", "lo"])[0]),
            "{pod}: lo down"
        );
        let r = ip_json(pod, &["route", "show", "default"]);
        assert_eq!(r[0]["gateway"], GATEWAY.to_string(), "{pod}: default route");
        let ns = dir.open(pod).expect("open the pod's namespace");
        let v = nlwire_sys::sysctl::get_in(&ns, SYSCTL).expect("sysctl");
        assert_eq!(v.trim(), SYSCTL_VALUE, "{pod}: {SYSCTL}");
        let h = ip_json(
            self.host.name(),
            &["route", "show", &format!("{}/32", pod_addr(i))],
        );
        assert_eq!(h[0]["dev"], format!("h{i}"), "host route to {pod}");
    }

    /// Checks the host's routes and every pod (`all`), or the first, the
    /// middle and the last.
    fn check_pods(&self, all: bool) {
        let dir = NetnsDir::default();
        let n = self.pods.len();
        let routes = ip_json(self.host.name(), &["route", "show", "proto", "boot"]);
        assert_eq!(routes.as_array().map_or(0, Vec::len), n, "host routes");
        let which: Vec<usize> = if all {
            (0..n).collect()
        } else {
            vec![0, n / 2, n - 1]
        };
        for i in which {
            self.check(i, &dir);
        }
    }

    /// Requires every pod's namespace gone.
    fn check_torn_down(&self) {
        let dir = NetnsDir::default();
        for p in &self.pods {
            assert!(dir.open(p).is_err(), "{p} is still there");
        }
    }
}

/// Removes what a failed run left behind.
impl Drop for Run {
    fn drop(&mut self) {
        let dir = NetnsDir::default();
        for p in &self.pods {
            let _ = dir.remove(p);
        }
    }
}

/// What a method reports: wall and CPU time of the setup and teardown of
/// all pods (the check between them is not counted).
#[derive(Clone, Copy, Default)]
struct Cost {
    wall: Duration,
    cpu: Duration,
    /// The teardown's share of `wall`.
    teardown: Duration,
}

/// Times `setup`, checks the pods (not timed), times `teardown`.
fn measure(run: &Run, all: bool, setup: impl FnOnce(), teardown: impl FnOnce()) -> Cost {
    let (c0, t0) = (cpu_now(), Instant::now());
    setup();
    let (w1, c1) = (t0.elapsed(), cpu_now() - c0);
    run.check_pods(all);
    let (c2, t2) = (cpu_now(), Instant::now());
    teardown();
    let cost = Cost {
        wall: w1 + t2.elapsed(),
        cpu: c1 + (cpu_now() - c2),
        teardown: t2.elapsed(),
    };
    run.check_torn_down();
    cost
}

/// A single-threaded tokio runtime (the async methods' and `rtnetlink`'s).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Removes the pods' named namespaces (the nlwire methods' teardown).
fn remove_pods(run: &Run) {
    let dir = NetnsDir::default();
    for pod in &run.pods {
        dir.remove(pod).expect("remove the pod's namespace");
    }
}

/// The shell-outs: one command per step.
fn shell(run: &Run, all: bool) -> Cost {
    let host = run.host.name().to_string();
    let sh = |args: &[&str]| {
        let out = Command::new(args[0])
            .args(&args[1..])
            .output()
            .expect("run command");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let gw = GATEWAY.to_string();
    let kv = format!("{SYSCTL}={SYSCTL_VALUE}");
    measure(
        run,
        all,
        || {
            for (i, pod) in run.pods.iter().enumerate() {
                let (h, p) = (format!("h{i}"), format!("p{i}"));
                let addr = format!("{}/32", pod_addr(i));
                let net = format!("--net=/run/netns/{pod}");
                sh(&["ip", "netns", "add", pod]);
                sh(&[
                    "ip", "-n", &host, "link", "add", &h, "type", "veth", "peer", "name", &p,
                ]);
                sh(&[
                    "ip", "-n", &host, "link", "set", &p, "netns", pod, "name", "eth0",
                ]);
                sh(&["ip", "-n", &host, "link", "set", &h, "up"]);
                sh(&["ip", "-n", pod, "link", "set", "lo", "up"]);
                sh(&["ip", "-n", pod, "link", "set", "eth0", "up"]);
                sh(&["ip", "-n", pod, "addr", "add", &addr, "dev", "eth0"]);
                sh(&[
                    "ip", "-n", pod, "route", "add", "default", "via", &gw, "dev", "eth0", "onlink",
                ]);
                sh(&[
                    "ip", "-n", &host, "route", "add", &addr, "dev", &h, "proto", "boot",
                ]);
                sh(&["nsenter", &net, "sysctl", "-q", "-w", &kv]);
            }
        },
        || {
            for pod in &run.pods {
                sh(&["ip", "netns", "del", pod]);
            }
        },
    )
}

/// The pod's requests, the same for both nlwire methods: eth0 (index
/// `eth0`, kept from the host side's peer) and lo up, the address, the
/// default route.
fn pod_requests(
    i: usize,
    eth0: u32,
) -> (
    LinkRequest<'static>,
    LinkRequest<'static>,
    AddressRequest<'static>,
    RouteRequest<'static>,
) {
    let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    (
        LinkRequest::set(1).expect("lo").up(true),
        LinkRequest::set(eth0).expect("eth0").up(true),
        AddressRequest::add(eth0, IpAddr::V4(pod_addr(i)), 32).expect("address"),
        RouteRequest::add(any, 0)
            .expect("default")
            .gateway(IpAddr::V4(GATEWAY))
            .expect("gateway")
            .oif(eth0)
            .expect("oif")
            .onlink(),
    )
}

/// The host route to pod `i` through `h` (index).
fn host_route(i: usize, h: u32) -> RouteRequest<'static> {
    RouteRequest::add(IpAddr::V4(pod_addr(i)), 32)
        .expect("host route")
        .oif(h)
        .expect("oif")
        .protocol(BOOT)
}

/// nlwire, one request at a time, on the mio connection.
fn nlwire_sequential(run: &Run, all: bool) -> Cost {
    let dir = NetnsDir::default();
    let mut host = nlwire_mio::Connection::new_in_netns(run.host.path()).expect("host connection");
    measure(
        run,
        all,
        || {
            for (i, pod) in run.pods.iter().enumerate() {
                let (h, p) = (format!("h{i}"), format!("p{i}"));
                let ns: Netns = dir.create(pod).expect("create the pod's namespace");
                let veth = LinkKind::Veth {
                    peer: &p,
                    peer_netns: None,
                };
                host.request(LinkRequest::add(&h, veth).unwrap())
                    .expect("veth");
                let peer: Link = host.get(GetLink::by_name(&p).unwrap()).expect("peer");
                let moved = LinkRequest::set(peer.index).unwrap().netns(ns.as_target());
                host.request(moved.rename("eth0").unwrap())
                    .expect("move and rename");
                let hl: Link = host.get(GetLink::by_name(&h).unwrap()).expect("host side");
                host.request(LinkRequest::set(hl.index).unwrap().up(true))
                    .expect("host up");
                let mut c =
                    nlwire_mio::Connection::new_in_netns(ns.fd_path()).expect("pod connection");
                let (lo, eth0, addr, route) = pod_requests(i, peer.index);
                c.request(lo).expect("lo up");
                c.request(eth0).expect("eth0 up");
                c.request(addr).expect("address");
                c.request(route).expect("default route");
                host.request(host_route(i, hl.index)).expect("host route");
                nlwire_sys::sysctl::set_in(&ns, SYSCTL, SYSCTL_VALUE).expect("sysctl");
            }
        },
        || {
            remove_pods(run);
        },
    )
}

/// nlwire with many pods in flight on one host connection (tokio): up to
/// `IN_FLIGHT` pods at once, each pod's own requests sent together on its
/// connection; the peer moved and renamed, as the other methods do.
fn nlwire_pipelined(run: &Run, all: bool) -> Cost {
    pipelined(run, all, false)
}

/// As [`nlwire_pipelined`], the peer created in the pod as `eth0`.
fn nlwire_pipelined_inside(run: &Run, all: bool) -> Cost {
    pipelined(run, all, true)
}

fn pipelined(run: &Run, all: bool, born_inside: bool) -> Cost {
    let rt = runtime();
    let host = Arc::new(
        rt.block_on(async { nlwire_tokio::Connection::new_in_netns(run.host.path()) })
            .expect("host connection"),
    );
    let pods = run.pods.clone();
    measure(
        run,
        all,
        || {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for (i, pod) in pods.iter().cloned().enumerate() {
                    if set.len() >= IN_FLIGHT {
                        set.join_next().await.expect("a pod").expect("join");
                    }
                    let host = host.clone();
                    set.spawn(async move { pipelined_pod(&host, i, &pod, born_inside).await });
                }
                while let Some(r) = set.join_next().await {
                    r.expect("join");
                }
            })
        },
        || {
            remove_pods(run);
        },
    )
}

/// One pod of the pipelined methods. `born_inside`: the veth's peer is
/// created in the pod's namespace as `eth0` (one request, no move), the
/// shape nlwire recommends; else it is moved there and renamed, as the
/// other methods do.
async fn pipelined_pod(host: &nlwire_tokio::Connection, i: usize, pod: &str, born_inside: bool) {
    let (h, p) = (format!("h{i}"), format!("p{i}"));
    let name = pod.to_string();
    let ns = tokio::task::spawn_blocking(move || NetnsDir::default().create(&name))
        .await
        .expect("join")
        .expect("create the pod's namespace");
    let (c, eth0, hl) = if born_inside {
        let veth = LinkKind::Veth {
            peer: "eth0",
            peer_netns: Some(ns.as_target()),
        };
        host.request(LinkRequest::add(&h, veth).unwrap())
            .await
            .expect("veth");
        let c = nlwire_tokio::Connection::new_in_netns(ns.fd_path()).expect("pod connection");
        let (eth0, hl) = tokio::join!(
            c.get(GetLink::by_name("eth0").unwrap()),
            host.get(GetLink::by_name(&h).unwrap())
        );
        let (eth0, hl): (Link, Link) = (eth0.expect("eth0"), hl.expect("host side"));
        host.request(LinkRequest::set(hl.index).unwrap().up(true))
            .await
            .expect("host up");
        (c, eth0.index, hl)
    } else {
        let veth = LinkKind::Veth {
            peer: &p,
            peer_netns: None,
        };
        host.request(LinkRequest::add(&h, veth).unwrap())
            .await
            .expect("veth");
        let (peer, hl) = tokio::join!(
            host.get(GetLink::by_name(&p).unwrap()),
            host.get(GetLink::by_name(&h).unwrap())
        );
        let (peer, hl): (Link, Link) = (peer.expect("peer"), hl.expect("host side"));
        let moved = LinkRequest::set(peer.index).unwrap().netns(ns.as_target());
        let (m, u) = tokio::join!(
            host.request(moved.rename("eth0").unwrap()),
            host.request(LinkRequest::set(hl.index).unwrap().up(true))
        );
        m.expect("move and rename");
        u.expect("host up");
        let c = nlwire_tokio::Connection::new_in_netns(ns.fd_path()).expect("pod connection");
        (c, peer.index, hl)
    };
    let (lo, eth0, addr, route) = pod_requests(i, eth0);
    let (a, b, d) = tokio::join!(c.request(lo), c.request(eth0), c.request(addr));
    a.expect("lo up");
    b.expect("eth0 up");
    d.expect("address");
    let sysctl =
        tokio::task::spawn_blocking(move || nlwire_sys::sysctl::set_in(&ns, SYSCTL, SYSCTL_VALUE));
    let (r, hr, s) = tokio::join!(
        c.request(route),
        host.request(host_route(i, hl.index)),
        sysctl
    );
    r.expect("default route");
    hr.expect("host route");
    s.expect("join").expect("sysctl");
}

/// The `rtnetlink` crate: its `NetworkNamespace::add`/`del`, the host's
/// connection, and per pod a connection opened on a thread that joined the
/// pod's namespace (where the sysctl is written too).
fn rtnetlink_pods(run: &Run, all: bool) -> Cost {
    use futures_lite::StreamExt;
    use rtnetlink::packet_route::route::RouteProtocol;
    use rtnetlink::{LinkUnspec, LinkVeth, NetworkNamespace, RouteMessageBuilder};
    let path = run.host.path();
    let pods = run.pods.clone();
    // The host connection lives on a thread in the host namespace, for the
    // whole run: setup and teardown are sent to it.
    let (tx, rx) = std::sync::mpsc::channel::<(bool, std::sync::mpsc::Sender<()>)>();
    let worker = std::thread::spawn(move || {
        nlwire_sys::netns::run_in_netns(&path, move || {
            let rt = runtime();
            rt.block_on(async move {
                let (conn, handle, _) = rtnetlink::new_connection().expect("rtnetlink");
                tokio::spawn(conn);
                let index = |name: String| {
                    let handle = handle.clone();
                    async move {
                        let mut s = handle.link().get().match_name(name).execute();
                        s.next()
                            .await
                            .expect("a link")
                            .expect("get link")
                            .header
                            .index
                    }
                };
                while let Ok((setup, done)) = rx.recv() {
                    if !setup {
                        for pod in &pods {
                            NetworkNamespace::del(pod.clone()).await.expect("netns del");
                        }
                        done.send(()).expect("report");
                        continue;
                    }
                    for (i, pod) in pods.iter().enumerate() {
                        let (h, p) = (format!("h{i}"), format!("p{i}"));
                        NetworkNamespace::add(pod.clone()).await.expect("netns add");
                        handle
                            .link()
                            .add(LinkVeth::new(&h, &p).build())
                            .execute()
                            .await
                            .expect("veth");
                        let pi = index(p.clone()).await;
                        let fd =
                            std::fs::File::open(format!("/run/netns/{pod}")).expect("open netns");
                        let m = LinkUnspec::new_with_index(pi)
                            .setns_by_fd(fd.as_raw_fd())
                            .name("eth0")
                            .build();
                        handle
                            .link()
                            .set(m)
                            .execute()
                            .await
                            .expect("move and rename");
                        drop(fd);
                        let hi = index(h.clone()).await;
                        handle
                            .link()
                            .set(LinkUnspec::new_with_index(hi).up().build())
                            .execute()
                            .await
                            .expect("host up");
                        let pod_path = format!("/run/netns/{pod}");
                        nlwire_sys::netns::run_in_netns(&pod_path, move || {
                            let rt = runtime();
                            rt.block_on(async move {
                                let (conn, ph, _) = rtnetlink::new_connection().expect("rtnetlink");
                                tokio::spawn(conn);
                                ph.link()
                                    .set(LinkUnspec::new_with_index(1).up().build())
                                    .execute()
                                    .await
                                    .expect("lo up");
                                ph.link()
                                    .set(LinkUnspec::new_with_index(pi).up().build())
                                    .execute()
                                    .await
                                    .expect("eth0 up");
                                ph.address()
                                    .add(pi, IpAddr::V4(pod_addr(i)), 32)
                                    .execute()
                                    .await
                                    .expect("address");
                                let r = RouteMessageBuilder::<Ipv4Addr>::new()
                                    .gateway(GATEWAY)
                                    .output_interface(pi)
                                    .onlink()
                                    .build();
                                ph.route().add(r).execute().await.expect("default route");
                            });
                            std::fs::write(SYSCTL_PATH, SYSCTL_VALUE).expect("sysctl");
                        })
                        .expect("run in the pod's namespace");
                        let r = RouteMessageBuilder::<Ipv4Addr>::new()
                            .destination_prefix(pod_addr(i), 32)
                            .output_interface(hi)
                            .protocol(RouteProtocol::Boot)
                            .build();
                        handle.route().add(r).execute().await.expect("host route");
                    }
                    done.send(()).expect("report");
                }
            })
        })
        .expect("run in the host namespace")
    });
    let step = |setup: bool| {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        tx.send((setup, done_tx)).expect("to the worker");
        done_rx.recv().expect("the worker's report");
    };
    let cost = measure(run, all, || step(true), || step(false));
    drop(tx);
    worker.join().expect("the rtnetlink worker");
    cost
}

/// nlink 0.33: its namespace functions, one connection in the host and
/// one per pod (`Connection::new_in`); it moves a link and renames it in
/// two requests (the rename from inside the pod), and its own
/// `set_sysctl`.
fn nlink_pods(run: &Run, all: bool) -> Cost {
    use nlink::netlink::link::VethLink;
    use nlink::netlink::namespace;
    use nlink::{Connection, Ipv4Address, Ipv4Route, Route};
    let rt = runtime();
    let host = rt
        .block_on(async { Connection::<Route>::new_in(run.host.path()) })
        .expect("host connection");
    measure(
        run,
        all,
        || {
            rt.block_on(async {
                for (i, pod) in run.pods.iter().enumerate() {
                    let (h, p) = (format!("h{i}"), format!("p{i}"));
                    namespace::create(pod).expect("create the pod's namespace");
                    host.add_link(VethLink::new(&h, &p)).await.expect("veth");
                    host.set_link_netns(p.as_str(), pod).await.expect("move");
                    host.set_link_up(h.as_str()).await.expect("host up");
                    let c = Connection::<Route>::new_in(pod.as_str()).expect("pod connection");
                    c.set_link_name(p.as_str(), "eth0").await.expect("rename");
                    c.set_link_up("lo").await.expect("lo up");
                    c.set_link_up("eth0").await.expect("eth0 up");
                    c.add_address(Ipv4Address::new("eth0", pod_addr(i), 32))
                        .await
                        .expect("address");
                    let r = Ipv4Route::default_route()
                        .gateway(GATEWAY)
                        .dev("eth0")
                        .onlink();
                    c.add_route(r).await.expect("default route");
                    host.add_route(Ipv4Route::new(pod_addr(i), 32).dev(h.as_str()))
                        .await
                        .expect("host route");
                    namespace::set_sysctl(pod, SYSCTL, SYSCTL_VALUE).expect("sysctl");
                }
            })
        },
        || {
            for pod in &run.pods {
                namespace::delete(pod).expect("delete the pod's namespace");
            }
        },
    )
}

fn main() {
    let Some((n, runs)) = nlwire_tests::bench_size("bench pods", 500, 3, 4) else {
        return;
    };
    let smoke = std::env::args().any(|a| a == "--test");
    println!(
        "set up and tear down {n} pods (namespace, veth moved in and renamed, lo and eth0 up, \
         address, default route, host route, one sysctl), median of {runs} run(s)"
    );
    type Method = (&'static str, fn(&Run, bool) -> Cost);
    let methods: [Method; 6] = [
        ("nlwire sequential", nlwire_sequential),
        ("nlwire pipelined (64 pods)", nlwire_pipelined),
        ("… peer made in the pod", nlwire_pipelined_inside),
        ("rtnetlink", rtnetlink_pods),
        ("nlink", nlink_pods),
        ("ip + nsenter shell-outs", shell),
    ];
    // Rounds run every method once, so a slow moment of the shared machine
    // is spread over all of them.
    let mut costs: Vec<Vec<Cost>> = methods.iter().map(|_| Vec::new()).collect();
    let mut tag = 0;
    for _ in 0..runs {
        for (k, (_, f)) in methods.iter().enumerate() {
            tag += 1;
            let run = Run::new(n, tag);
            costs[k].push(f(&run, smoke));
        }
    }
    let med: Vec<(Duration, Duration, Duration)> = costs
        .iter()
        .map(|c| {
            (
                median(c.iter().map(|c| c.wall).collect()),
                median(c.iter().map(|c| c.cpu).collect()),
                median(c.iter().map(|c| c.teardown).collect()),
            )
        })
        .collect();
    let (bw, bc) = (med[0].0.as_secs_f64(), med[0].1.as_secs_f64());
    println!(
        "{:<28} {:>9} {:>9} {:>10} {:>12} {:>12} {:>10} {:>10}",
        "method", "pods/s", "wall", "teardown", "CPU/pod", "wall/pod", "× wall", "× CPU"
    );
    for ((name, _), (w, c, t)) in methods.iter().zip(&med) {
        let (w, c, t) = (w.as_secs_f64(), c.as_secs_f64(), t.as_secs_f64());
        println!(
            "{name:<28} {:>9.0} {:>8.2}s {:>9.2}s {:>10.2}ms {:>10.2}ms {:>9.2}× {:>9.2}×",
            n as f64 / w,
            w,
            t,
            c * 1e3 / n as f64,
            w * 1e3 / n as f64,
            w / bw,
            c / bc
        );
    }
}
