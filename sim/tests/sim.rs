//! The simulator under the library's connections, on every runtime, as an
//! unprivileged user: no root, no namespace, no network system call.
//! (`.ci/run` runs this binary under an unprivileged uid.)

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use nlwire::Error;
use nlwire::machine::mirror::MirrorEvent;
use nlwire::ops;
use nlwire::route::events::{Change, Event, Groups, Notice};
use nlwire::route::{AddressRequest, GetLink, LinkRequest, Route, RouteRequest};
use nlwire::wire::{Messages, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, Writer};
use nlwire_conn::{ConnectionOptions, Transport};
use nlwire_sim::{Kernel, NsId};

const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn mio(kernel: &Kernel, ns: NsId) -> nlwire_mio::Connection {
    nlwire_mio::Connection::from_transport(
        kernel.socket(ns).expect("socket"),
        ConnectionOptions::default(),
    )
    .expect("connection")
}

fn kernel_errno(r: Result<(), Error>) -> (i32, Option<String>) {
    match r {
        Err(Error::Kernel(k)) => (k.errno.0, k.message),
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

/// A container's network, as an agent sets it up: a veth pair, an
/// address, a default route through a gateway — and the routes the kernel
/// adds by itself.
#[test]
fn a_container_network_on_mio() {
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    c.execute(ops::create_veth("host0", "eth0").unwrap())
        .unwrap();
    for l in ["host0", "eth0", "lo"] {
        c.execute(ops::set_link_up(l).unwrap()).unwrap();
    }
    let links: Vec<_> = c.links().collect::<Result<_, _>>().unwrap();
    let names: Vec<(u32, &str)> = links.iter().map(|l| (l.index, l.name.as_str())).collect();
    // The peer is registered first, as the kernel does.
    assert_eq!(names, [(1, "lo"), (2, "eth0"), (3, "host0")]);
    assert!(links.iter().all(|l| l.is_up()));
    assert_eq!(links[1].link, Some(3));
    assert_eq!(links[1].kind.as_deref(), Some("veth"));
    let eth0 = 2;
    c.request(AddressRequest::add(eth0, v4(192, 0, 2, 10), 24).unwrap())
        .unwrap();
    c.request(
        RouteRequest::default_v4()
            .gateway(v4(192, 0, 2, 1))
            .unwrap(),
    )
    .unwrap();
    let routes: Vec<Route> = c.routes().collect::<Result<_, _>>().unwrap();
    let show = |r: &Route| (r.table, r.kind, r.dst, r.dst_len, r.gateway, r.oif);
    let got: Vec<_> = routes.iter().map(show).collect();
    assert_eq!(
        got,
        [
            (254, 1, None, 0, Some(v4(192, 0, 2, 1)), Some(eth0)),
            (254, 1, Some(v4(192, 0, 2, 0)), 24, None, Some(eth0)),
            (255, RTN_LOCAL, Some(v4(127, 0, 0, 0)), 8, None, Some(1)),
            (255, RTN_LOCAL, Some(v4(127, 0, 0, 1)), 32, None, Some(1)),
            (
                255,
                RTN_BROADCAST,
                Some(v4(127, 255, 255, 255)),
                32,
                None,
                Some(1)
            ),
            (
                255,
                RTN_LOCAL,
                Some(v4(192, 0, 2, 10)),
                32,
                None,
                Some(eth0)
            ),
            (
                255,
                RTN_BROADCAST,
                Some(v4(192, 0, 2, 255)),
                32,
                None,
                Some(eth0)
            ),
            // IPv6: each veth end's link-local prefix once it is ready
            // (eth0 at its own up, host0 when its carrier came), `lo`'s
            // `::1` and the ends' link-local addresses, and their
            // multicast routes.
            (
                254,
                1,
                Some("fe80::".parse().unwrap()),
                64,
                None,
                Some(eth0)
            ),
            (254, 1, Some("fe80::".parse().unwrap()), 64, None, Some(3)),
            (
                255,
                RTN_LOCAL,
                Some("::1".parse().unwrap()),
                128,
                None,
                Some(1)
            ),
            (
                255,
                RTN_LOCAL,
                Some("fe80::5e:ff:fe00:1".parse().unwrap()),
                128,
                None,
                Some(eth0)
            ),
            (
                255,
                RTN_LOCAL,
                Some("fe80::5e:ff:fe00:2".parse().unwrap()),
                128,
                None,
                Some(3)
            ),
            (255, 5, Some("ff00::".parse().unwrap()), 8, None, Some(eth0)),
            (255, 5, Some("ff00::".parse().unwrap()), 8, None, Some(3)),
        ]
    );
    // Removing the pair takes its address and every route through it.
    c.request(LinkRequest::delete("host0").unwrap()).unwrap();
    let names: Vec<String> = c.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo"]);
    assert!(c.routes().map(|r| r.unwrap()).all(|r| r.oif == Some(1)));
    let left: Vec<_> = c.addresses().map(|a| a.unwrap().addr.unwrap()).collect();
    assert_eq!(
        left,
        [v4(127, 0, 0, 1), "::1".parse::<IpAddr>().unwrap()],
        "only lo's addresses are left"
    );
}

/// The refusals carry the kernel's errno and extended-ack text, and
/// change nothing.
#[test]
fn refusals_are_the_kernels() {
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    c.execute(ops::create_veth("a0", "b0").unwrap()).unwrap();
    let dup = c.execute(ops::create_veth("a0", "b1").unwrap());
    assert_eq!(kernel_errno(dup), (17, None));
    // The failed pair left no half behind.
    assert_eq!(c.links().count(), 3);
    let mtu = c.request(LinkRequest::set("a0").unwrap().mtu(60));
    assert_eq!(
        kernel_errno(mtu),
        (22, Some("mtu less than device minimum".into()))
    );
    let down = c.request(
        RouteRequest::add(v4(203, 0, 113, 0), 24)
            .unwrap()
            .oif(2)
            .unwrap(),
    );
    assert_eq!(
        kernel_errno(down),
        (100, Some("Device for nexthop is not up".into()))
    );
    let prefix = c.request(RouteRequest::add(v4(203, 0, 113, 1), 24).unwrap().kind(6));
    assert_eq!(
        kernel_errno(prefix),
        (22, Some("Invalid prefix for given prefix length".into()))
    );
    let gone = c.request(
        RouteRequest::delete(v4(203, 0, 113, 0), 24)
            .unwrap()
            .table(7),
    );
    assert_eq!(
        kernel_errno(gone),
        (3, Some("FIB table does not exist".into()))
    );
    // What the simulator does not model is refused, never answered wrongly.
    let v6 = c.request(
        AddressRequest::add(1, "2001:db8::1".parse().unwrap(), 64)
            .unwrap()
            .lifetimes(3600, 1800)
            .unwrap(),
    );
    let (errno, text) = kernel_errno(v6);
    assert_eq!(errno, 95);
    assert!(text.unwrap().starts_with("nlwire-sim:"));
    assert_eq!(c.routes().count(), 0, "lo is down: no route at all");
}

/// Notifications reach the sockets of the namespace that joined the
/// group, and only those.
#[test]
fn notifications_reach_subscribers_of_the_namespace() {
    let kernel = Kernel::new();
    let other = kernel.add_netns("other").unwrap();
    let mut writer = mio(&kernel, kernel.init_ns());
    let mut watcher = mio(&kernel, kernel.init_ns());
    let mut elsewhere = mio(&kernel, other);
    watcher.subscribe(Groups::links()).unwrap();
    elsewhere.subscribe(Groups::links()).unwrap();
    writer.execute(ops::create_bridge("br0").unwrap()).unwrap();
    let n = watcher
        .next_event_within(Duration::from_secs(1))
        .unwrap()
        .expect("a notification");
    match n {
        Notice::Event(Event::Link(Change::New, l)) => assert_eq!(l.name, "br0"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        elsewhere
            .next_event_within(Duration::from_millis(50))
            .unwrap()
            .is_none(),
        "another namespace hears nothing"
    );
    assert_eq!(elsewhere.links().count(), 1, "only its own lo");
    writer.request(LinkRequest::delete("br0").unwrap()).unwrap();
    let del = std::iter::from_fn(|| watcher.next_event_within(Duration::from_secs(1)).unwrap())
        .find(|n| matches!(n, Notice::Event(Event::Link(Change::Del, _))));
    assert!(del.is_some(), "the removal is announced");
}

/// The self-healing mirror follows the simulator as it follows the
/// kernel: a listing, then notifications.
#[test]
fn the_mirror_follows_the_simulator() {
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    let mut m = nlwire_mio::Mirror::new(mio(&kernel, kernel.init_ns()), Groups::links()).unwrap();
    loop {
        match m.next_event_within(Duration::from_secs(1)).unwrap() {
            Some(MirrorEvent::Synced) => break,
            Some(_) => {}
            None => panic!("no listing"),
        }
    }
    c.execute(ops::create_veth("m0", "m1").unwrap()).unwrap();
    let mut seen = 0;
    while seen < 2 {
        match m.next_event_within(Duration::from_secs(1)).unwrap() {
            Some(MirrorEvent::Added(_)) => seen += 1,
            Some(_) => {}
            None => panic!("only {seen} of the pair arrived"),
        }
    }
    let mut names: Vec<&str> = m.state().links().map(|l| l.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["lo", "m0", "m1"]);
}

/// A dump larger than one datagram comes in several, `NLMSG_DONE` last,
/// and the library reads it whole.
#[test]
fn dumps_come_in_chunks() {
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    let mut batch = nlwire::Batch::new();
    for i in 0..2000u32 {
        let dst = IpAddr::V4(Ipv4Addr::from(
            0xcb00_7100u32 + (i << 8) % 0x10000 + (i >> 8),
        ));
        batch
            .push(
                &RouteRequest::add(dst, 32)
                    .unwrap()
                    .kind(6)
                    .table(100 + i % 3),
            )
            .unwrap();
    }
    let out = c.batch(&batch).unwrap();
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(c.routes().count(), 2000);

    // The same dump, read datagram by datagram from the socket.
    let sock = kernel.socket(kernel.init_ns()).unwrap();
    let mut req = [0u8; 64];
    let mut w = Writer::new(&mut req);
    let m = w.begin_message(26, NLM_F_REQUEST | NLM_F_DUMP, 1, sock.port());
    w.put(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    w.end_message(m);
    let n = w.finish().unwrap();
    sock.send(&req[..n]).unwrap();
    let mut buf = vec![0u8; 65536];
    let (mut datagrams, mut items, mut done) = (0, 0, false);
    while let Ok(len) = sock.recv(&mut buf) {
        datagrams += 1;
        assert!(
            len <= 32768,
            "a {len}-byte datagram: the kernel's are at most 32 KiB"
        );
        for msg in Messages::new(&buf[..len]) {
            let msg = msg.unwrap();
            assert!(!done, "nothing after NLMSG_DONE");
            if msg.kind() == NLMSG_DONE {
                done = true;
            } else {
                items += 1;
            }
        }
    }
    assert!(done);
    assert_eq!(items, 2000);
    assert!(datagrams >= 3, "{datagrams} datagram(s) for 2000 routes");
}

/// The same work on the async runtimes: one connection type, any
/// transport.
#[test]
fn tokio_and_async_io_drive_it_too() {
    let kernel = Kernel::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = nlwire_tokio::Connection::from_transport(
            kernel.socket(kernel.init_ns()).unwrap(),
            ConnectionOptions::default(),
        )
        .unwrap();
        c.execute(ops::create_veth("t0", "t1").unwrap())
            .await
            .unwrap();
        let links = c.collect(nlwire::route::GetLinks::new()).await.unwrap();
        assert_eq!(links.len(), 3);
    });
    futures_lite::future::block_on(async {
        let c = nlwire_async_io::Connection::from_transport(
            kernel.socket(kernel.init_ns()).unwrap(),
            ConnectionOptions::default(),
        )
        .unwrap();
        c.execute(ops::create_bridge("a0").unwrap()).await.unwrap();
        let links = c.collect(nlwire::route::GetLinks::new()).await.unwrap();
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lo", "t1", "t0", "a0"]);
    });
}

/// Namespaces are separate kernels' worth of state; a removed one's
/// sockets fail.
#[test]
fn namespaces_are_separate() {
    let kernel = Kernel::new();
    let a = kernel.add_netns("a").unwrap();
    assert!(kernel.add_netns("a").is_err());
    assert_eq!(kernel.netns("a"), Some(a));
    let mut ca = mio(&kernel, a);
    let mut c0 = mio(&kernel, kernel.init_ns());
    ca.execute(ops::create_bridge("br0").unwrap()).unwrap();
    c0.execute(ops::create_bridge("br0").unwrap()).unwrap();
    assert_eq!(ca.links().count(), 2);
    assert_eq!(c0.links().count(), 2);
    kernel.delete_netns(a).unwrap();
    assert!(ca.links().next().unwrap().is_err());
    assert!(kernel.delete_netns(kernel.init_ns()).is_err());
}

/// Under `.ci/run` this binary runs as an unprivileged user: it proves
/// there that it has no privilege to lean on (it cannot create a network
/// namespace), so every test above ran without root.
#[test]
fn runs_unprivileged_when_asked() {
    if std::env::var("NLWIRE_SIM_EXPECT_UNPRIVILEGED").is_ok_and(|v| v == "1") {
        assert!(
            nlwire_sys::netns::run_in_new_netns(|| ()).is_err(),
            "expected to run without the privilege to create a namespace"
        );
        let k = Kernel::new();
        let mut c = mio(&k, k.init_ns());
        c.execute(ops::create_veth("u0", "u1").unwrap()).unwrap();
        assert_eq!(c.links().count(), 3);
    }
}

/// A container runtime's move: the pod's end of a veth goes into the
/// pod's namespace and is renamed `eth0` in the same request; the pair
/// still works across the two.
#[test]
fn a_veth_end_moves_into_a_pod_renamed() {
    use nlwire::route::NetnsRef;
    let kernel = Kernel::new();
    let pod = kernel.add_netns("pod1").unwrap();
    let fd = kernel.netns_fd(pod).unwrap();
    let mut host = mio(&kernel, kernel.init_ns());
    let mut inside = mio(&kernel, pod);
    inside.subscribe(Groups::links()).unwrap();
    host.execute(ops::create_veth("vh1", "vp1").unwrap())
        .unwrap();
    host.execute(ops::move_link_to_netns("vp1", NetnsRef::Fd(fd.raw()), Some("eth0")).unwrap())
        .unwrap();
    // As in the kernel, it arrives under its old name (free here), then
    // is renamed: two notifications.
    let mut names = Vec::new();
    while let Some(n) = inside.next_event_within(Duration::from_millis(50)).unwrap() {
        if let Notice::Event(Event::Link(Change::New, l)) = n {
            names.push(l.name);
        }
    }
    names.dedup();
    assert_eq!(names, ["vp1", "eth0"]);
    let host_links: Vec<_> = host.links().map(|l| l.unwrap()).collect();
    let names: Vec<&str> = host_links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["lo", "vh1"]);
    let pod_links: Vec<_> = inside.links().map(|l| l.unwrap()).collect();
    let names: Vec<&str> = pod_links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["lo", "eth0"]);
    // Its index was free in the pod, so it kept it; each end names the
    // other's index.
    assert_eq!(pod_links[1].index, 2);
    assert_eq!(host_links[1].link, Some(2));
    assert_eq!(pod_links[1].link, Some(host_links[1].index));
    // Carrier follows the peer across the namespaces.
    host.execute(ops::set_link_up("vh1").unwrap()).unwrap();
    let vh1 = host.get(GetLink::by_name("vh1").unwrap()).unwrap();
    assert_eq!(vh1.flags & 0x10000, 0, "no carrier while eth0 is down");
    inside.execute(ops::set_link_up("eth0").unwrap()).unwrap();
    let vh1 = host.get(GetLink::by_name("vh1").unwrap()).unwrap();
    assert_ne!(vh1.flags & 0x10000, 0, "carrier once eth0 is up");
    inside
        .request(AddressRequest::add(2, v4(192, 0, 2, 2), 24).unwrap())
        .unwrap();
    inside
        .request(
            RouteRequest::default_v4()
                .gateway(v4(192, 0, 2, 1))
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        inside
            .routes()
            .filter(|r| r.as_ref().unwrap().table == 254 && r.as_ref().unwrap().family == 2)
            .count(),
        2
    );
    // Deleting the host end takes the pod's.
    host.request(LinkRequest::delete("vh1").unwrap()).unwrap();
    let names: Vec<String> = inside.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo"]);
    assert_eq!(
        inside
            .routes()
            .filter(|r| r.as_ref().unwrap().table == 254)
            .count(),
        0
    );
}

/// A veth made with its peer straight in another namespace; removing
/// that namespace removes the end left behind.
#[test]
fn a_veth_made_across_namespaces_goes_with_its_namespace() {
    use nlwire::route::LinkKind;
    use nlwire::route::NetnsRef;
    let kernel = Kernel::new();
    let pod = kernel.add_netns("pod2").unwrap();
    let fd = kernel.netns_fd(pod).unwrap();
    let mut host = mio(&kernel, kernel.init_ns());
    let mut inside = mio(&kernel, pod);
    let kind = LinkKind::Veth {
        peer: "eth0",
        peer_netns: Some(NetnsRef::Fd(fd.raw())),
    };
    host.execute(ops::create_link("vh2", kind).unwrap())
        .unwrap();
    let names: Vec<String> = inside.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo", "eth0"]);
    assert_eq!(host.links().count(), 2);
    drop(fd);
    kernel.delete_netns(pod).unwrap();
    let names: Vec<String> = host.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo"], "the host end went with the pod");
}

/// What the kernel refuses to move is refused, and nothing moves.
#[test]
fn moves_the_kernel_refuses() {
    use nlwire::route::NetnsRef;
    let kernel = Kernel::new();
    let pod = kernel.add_netns("pod3").unwrap();
    let fd = kernel.netns_fd(pod).unwrap();
    let mut host = mio(&kernel, kernel.init_ns());
    let mut inside = mio(&kernel, pod);
    host.execute(ops::create_bridge("br0").unwrap()).unwrap();
    host.execute(ops::create_veth("vh3", "vp3").unwrap())
        .unwrap();
    inside.execute(ops::create_bridge("eth0").unwrap()).unwrap();
    let to = |n| ops::move_link_to_netns(n, NetnsRef::Fd(fd.raw()), None).unwrap();
    let errno = |r: Result<(), Error>| kernel_errno(r).0;
    assert_eq!(errno(host.execute(to("lo"))), 22, "lo stays");
    assert_eq!(errno(host.execute(to("br0"))), 22, "bridges stay");
    let bad = ops::move_link_to_netns("vp3", NetnsRef::Fd(9999), None).unwrap();
    assert_eq!(
        errno(host.execute(bad)),
        9,
        "not a namespace the kernel knows"
    );
    assert_eq!(host.links().count(), 4, "nothing moved");
    assert_eq!(inside.links().count(), 2);
    // The new name is taken there but the old one is free: as the kernel
    // does, the link moves under its old name, then the rename fails.
    let taken = ops::move_link_to_netns("vp3", NetnsRef::Fd(fd.raw()), Some("eth0")).unwrap();
    assert_eq!(errno(host.execute(taken)), 17);
    assert_eq!(host.links().count(), 3);
    let names: Vec<String> = inside.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo", "eth0", "vp3"]);
    // Its old name taken there too: refused, with the kernel's text.
    inside.request(LinkRequest::delete("vp3").unwrap()).unwrap();
    host.execute(ops::create_veth("vh3", "eth0").unwrap())
        .unwrap();
    let clash = ops::move_link_to_netns("eth0", NetnsRef::Fd(fd.raw()), None).unwrap();
    let (e, text) = kernel_errno(host.execute(clash));
    assert_eq!(e, 17);
    assert_eq!(
        text.as_deref(),
        Some("An interface with the same name exists in the target netns")
    );
    assert_eq!(inside.links().count(), 2);
    assert_eq!(host.links().count(), 4);
}

/// Sends one raw request on a fresh socket and returns the errno of its
/// acknowledgement (0 for success).
fn raw_errno(kernel: &Kernel, kind: u16, flags: u16, body: &[u8]) -> i32 {
    use nlwire::wire::{NLM_F_ACK, NLMSG_ERROR};
    let sock = kernel.socket(kernel.init_ns()).unwrap();
    let mut req = vec![0u8; body.len() + 64];
    let mut w = Writer::new(&mut req);
    let m = w.begin_message(kind, NLM_F_REQUEST | NLM_F_ACK | flags, 9, sock.port());
    w.put(body);
    w.end_message(m);
    let n = w.finish().unwrap();
    sock.send(&req[..n]).unwrap();
    let mut buf = vec![0u8; 65536];
    loop {
        let len = sock.recv(&mut buf).expect("a reply");
        for msg in Messages::new(&buf[..len]) {
            let msg = msg.unwrap();
            if msg.kind() == NLMSG_ERROR {
                return -i32::from_ne_bytes(msg.payload()[..4].try_into().unwrap());
            }
        }
    }
}

/// An attribute: header and payload, padded.
fn nla(kind: u16, payload: &[u8]) -> Vec<u8> {
    let len = 4 + payload.len();
    let mut v = Vec::with_capacity(len + 3);
    v.extend_from_slice(&(len as u16).to_ne_bytes());
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(payload);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// Requests the simulator cannot model, or that break the kernel's
/// limits, get error replies and change nothing — never a panic, never a
/// request taken for another.
#[test]
fn odd_requests_get_errors_and_change_nothing() {
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    c.execute(ops::create_veth("a0", "b0").unwrap()).unwrap();
    let a0 = c.get(GetLink::by_name("a0").unwrap()).unwrap().index;
    let ifinfo = |family: u8, index: u32, flags: u32, change: u32| {
        let mut h = vec![family, 0, 0, 0];
        h.extend_from_slice(&index.to_ne_bytes());
        h.extend_from_slice(&flags.to_ne_bytes());
        h.extend_from_slice(&change.to_ne_bytes());
        h
    };
    // An alias beyond IFALIASZ - 1: the attribute's policy refuses it.
    let mut body = ifinfo(0, a0, 0, 0);
    body.extend(nla(20, &vec![b'x'; 9000]));
    assert_eq!(raw_errno(&kernel, 16, 0, &body), 34);
    // An AF_BRIDGE delete (a bridge VLAN request) is not a link delete.
    assert_eq!(raw_errno(&kernel, 17, 0, &ifinfo(7, a0, 0, 0)), 95);
    // RTM_SETLINK never makes a link, and needs an index or a name.
    let mut body = ifinfo(0, 0, 0, 0);
    body.extend(nla(3, b"new0\0"));
    assert_eq!(raw_errno(&kernel, 19, 0x400, &body), 19);
    assert_eq!(raw_errno(&kernel, 19, 0, &ifinfo(0, 0, 0, 0)), 22);
    // Flags the simulator does not model are refused, not ignored.
    assert_eq!(raw_errno(&kernel, 16, 0, &ifinfo(0, a0, 0x100, 0x100)), 95);
    assert_eq!(raw_errno(&kernel, 16, 0, &ifinfo(0, a0, 1, 0)), 95);
    // An attribute it keeps no state for (IFLA_CARRIER).
    let mut body = ifinfo(0, a0, 0, 0);
    body.extend(nla(33, &[0]));
    assert_eq!(raw_errno(&kernel, 16, 0, &body), 95);
    let names: Vec<String> = c.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo", "b0", "a0"], "nothing changed");
    // A rename whose labels would overrun IFNAMSIZ mid-character.
    for (i, a) in [1u8, 2].iter().enumerate() {
        c.request(AddressRequest::add(a0, v4(192, 0, 2, *a), 24).unwrap())
            .unwrap();
        let _ = i;
    }
    c.request(LinkRequest::set(a0).unwrap().rename("ñññññññ").unwrap())
        .unwrap();
    for a in c.addresses().map(|a| a.unwrap()) {
        let label = a.label.as_deref().unwrap_or_default().to_owned();
        assert!(label.len() <= 15, "{label:?}");
        assert!(label.starts_with('ñ'), "{label:?}");
    }
    // An injected errno that is not positive is an EINVAL.
    let sock = kernel.socket(kernel.init_ns()).unwrap();
    sock.faults()
        .inject(nlwire_sim::Fault::Errno { nth: 0, errno: 0 });
    let mut c2 =
        nlwire_mio::Connection::from_transport(sock, ConnectionOptions::default()).unwrap();
    let e = c2.request(LinkRequest::set("b0").unwrap().up(true));
    assert_eq!(kernel_errno(e).0, 22);
}

/// A route as `ipv6_addresses_and_their_routes` compares it: table,
/// prefix length, destination, type, metric.
type RouteShape = (u32, u8, Option<IpAddr>, u8, Option<u32>);

/// IPv6 addresses: tentative while the link is not ready, valid with
/// their local route once it is; the prefix route while the link is up,
/// shared by the addresses of one prefix; gone with the link's down.
#[test]
fn ipv6_addresses_and_their_routes() {
    use nlwire::route::GetRoutes;
    use nlwire::route::addr::IFA_F_NODAD;
    const IFA_F_TENTATIVE: u32 = 0x40;
    let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
    let kernel = Kernel::new();
    let mut c = mio(&kernel, kernel.init_ns());
    c.execute(ops::create_veth("a0", "b0").unwrap()).unwrap();
    let a0 = c.get(GetLink::by_name("a0").unwrap()).unwrap().index;
    let routes6 = |c: &mut nlwire_mio::Connection| -> Vec<RouteShape> {
        c.collect(GetRoutes::ipv6())
            .unwrap()
            .into_iter()
            .filter(|r| r.dst.is_some_and(|d| !d.to_string().starts_with("f")))
            .map(|r| (r.table, r.dst_len, r.dst, r.kind, r.priority))
            .collect()
    };
    let addrs6 = |c: &mut nlwire_mio::Connection| -> Vec<(Option<IpAddr>, u8, u32)> {
        c.addresses()
            .map(|a| a.unwrap())
            .filter(|a| a.family == 10 && a.proto != Some(3))
            .map(|a| (a.addr, a.prefix_len, a.flags))
            .collect()
    };
    // On a link that is down: tentative, no route (the prefix route
    // fails on a down link); a `nodad` one is valid at once, with its
    // local route.
    c.request(AddressRequest::add(a0, v6("2001:db8::1"), 64).unwrap())
        .unwrap();
    c.request(
        AddressRequest::add(a0, v6("2001:db8::2"), 64)
            .unwrap()
            .flags(IFA_F_NODAD),
    )
    .unwrap();
    let a = addrs6(&mut c);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].0, Some(v6("2001:db8::2")), "newest first");
    assert_eq!(a[0].2 & IFA_F_TENTATIVE, 0);
    assert_ne!(a[1].2 & IFA_F_TENTATIVE, 0);
    assert_eq!(
        routes6(&mut c),
        [(255, 128, Some(v6("2001:db8::2")), RTN_LOCAL, Some(0))]
    );
    // Up without carrier: the prefix route; still tentative.
    c.execute(ops::set_link_up("a0").unwrap()).unwrap();
    assert_ne!(addrs6(&mut c)[1].2 & IFA_F_TENTATIVE, 0);
    assert!(routes6(&mut c).contains(&(254, 64, Some(v6("2001:db8::")), 1, Some(256))));
    // Carrier (the peer up): ready, every address valid with its local
    // route.
    c.execute(ops::set_link_up("b0").unwrap()).unwrap();
    assert!(addrs6(&mut c).iter().all(|a| a.2 & IFA_F_TENTATIVE == 0));
    // And the link-local address of address generation (`eui64`): the
    // interface id made of the link-layer address, last in the list.
    let mac = c
        .get(GetLink::by_name("a0").unwrap())
        .unwrap()
        .address
        .unwrap();
    let m = mac.as_bytes();
    let ll = std::net::Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        m[0] ^ 2,
        m[1],
        m[2],
        0xff,
        0xfe,
        m[3],
        m[4],
        m[5],
    ]);
    let last = c
        .addresses()
        .map(|a| a.unwrap())
        .filter(|a| a.family == 10 && a.index == a0)
        .last()
        .unwrap();
    assert_eq!(
        (last.addr, last.prefix_len, last.scope, last.proto),
        (Some(IpAddr::V6(ll)), 64, 253, Some(3))
    );
    let r = routes6(&mut c);
    assert!(
        r.contains(&(255, 128, Some(v6("2001:db8::1")), RTN_LOCAL, Some(0))),
        "{r:?}"
    );
    // The prefix route stays while another address has the prefix.
    c.request(AddressRequest::delete(a0, v6("2001:db8::1"), 64).unwrap())
        .unwrap();
    assert!(routes6(&mut c).contains(&(254, 64, Some(v6("2001:db8::")), 1, Some(256))));
    c.request(AddressRequest::delete(a0, v6("2001:db8::2"), 64).unwrap())
        .unwrap();
    assert_eq!(routes6(&mut c), []);
    // The kernel's refusals: taken, a multicast address, a missing one.
    c.request(AddressRequest::add(a0, v6("2001:db8::3"), 64).unwrap())
        .unwrap();
    let again = c.request(AddressRequest::add(a0, v6("2001:db8::3"), 64).unwrap());
    assert_eq!(
        kernel_errno(again),
        (17, Some("ipv6: address already assigned".into()))
    );
    let mcast = c.request(AddressRequest::add(a0, v6("ff02::1"), 64).unwrap());
    assert_eq!(kernel_errno(mcast).0, 99);
    let gone = c.request(AddressRequest::delete(a0, v6("2001:db8::9"), 64).unwrap());
    assert_eq!(
        kernel_errno(gone),
        (99, Some("ipv6: address not found".into()))
    );
    // Down: the link's IPv6 addresses go (keep_addr_on_down is 0).
    c.execute(ops::set_link_down("a0").unwrap()).unwrap();
    assert_eq!(addrs6(&mut c), []);
    assert_eq!(routes6(&mut c), []);
}
