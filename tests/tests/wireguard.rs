//! WireGuard on a real kernel, on every runtime (`mio::…`, `poll::…`,
//! `tokio::…`, `async_io::…`): configurations large
//! enough to need many `SET_DEVICE` messages and multi-part `GET_DEVICE`
//! dumps read back equal, `wg show dump` agrees, and the poll watcher sees
//! peers added, removed, roaming, changing allowed IPs, and the interface
//! deleted and re-created; two WireGuard interfaces in two namespaces
//! joined by a veth complete a real handshake, which both watchers see
//! (and the responder sees its peer roam to where the packets came from).
//!
//! The host kernel has no wireguard module: these run inside a Debian
//! kernel booted by `tests/vm/nlwire-vm` (see `.ci/run`). Elsewhere they
//! say they were skipped; inside the VM (`NLWIRE_VM` set) a missing module
//! is a failure.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use nlwire::LinkRef;
use nlwire::genl::wireguard::{AllowedIp, Device, DeviceConfig, Key, PeerConfig, SecretKey};
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions};
use nlwire::route::{LinkKind, LinkRequest};
use nlwire_tests::{Runtime, TestNs, WgWatchClient, per_runtime, run};

fn key(tag: u8, i: u32) -> Key {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k[31] = 0x55;
    Key(k)
}

fn private_key(tag: u8) -> SecretKey {
    let mut k = [tag; 32];
    // Already clamped, as the kernel stores it.
    k[0] &= 248;
    k[31] = (k[31] & 127) | 64;
    SecretKey::new(k)
}

fn v6(a: u16, b: u16, c: u16, d: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, a, b, c, d, 0, 0))
}

/// `peers` peers (endpoints v4 and v6, preshared keys, keepalives), and
/// one more with `big` allowed IPs. Allowed IPs are unique documentation
/// prefixes with no host bits (the kernel masks them).
fn big_config(tag: u8, peers: u32, big: u32) -> DeviceConfig {
    let mut c = DeviceConfig::new()
        .private_key(private_key(tag))
        .listen_port(40000 + u16::from(tag))
        .fwmark(0x1000 + u32::from(tag))
        .replace_peers(true);
    for i in 0..peers {
        let mut p = PeerConfig::new(key(tag, i))
            .allowed_ip(AllowedIp::new(v6(1, i as u16, 0, 0), 64).unwrap());
        if i < 250 {
            p = p.allowed_ip(AllowedIp::new(IpAddr::from([198, 51, 100, i as u8]), 32).unwrap());
        }
        p.endpoint = match i % 3 {
            0 => Some(SocketAddr::from(([192, 0, 2, (i % 250) as u8 + 1], 51820))),
            1 => Some(SocketAddr::new(v6(9, 0, 0, i as u16), 51821)),
            _ => None,
        };
        if i % 4 == 0 {
            p = p.preshared_key(SecretKey::new([i as u8 | 1; 32]));
        }
        if i % 5 == 0 {
            p = p.persistent_keepalive(25);
        }
        c = c.peer(p);
    }
    let mut p = PeerConfig::new(key(tag ^ 0xff, 0));
    for j in 0..big {
        p = p.allowed_ip(AllowedIp::new(v6(2, (j >> 16) as u16, j as u16, 1), 128).unwrap());
    }
    c.peer(p)
}

fn sorted(ips: &[AllowedIp]) -> Vec<AllowedIp> {
    let mut v = ips.to_vec();
    v.sort();
    v
}

/// The device read back has exactly what was configured.
fn assert_matches(dev: &Device, c: &DeviceConfig) {
    assert_eq!(dev.private_key, c.private_key, "private key");
    assert!(dev.public_key.is_some());
    assert_eq!(Some(dev.listen_port), c.listen_port);
    assert_eq!(Some(dev.fwmark), c.fwmark);
    assert_eq!(dev.peers.len(), c.peers.len(), "peer count");
    for want in &c.peers {
        let got = dev
            .peer(&want.public_key)
            .unwrap_or_else(|| panic!("peer {} missing", want.public_key));
        assert_eq!(
            got.endpoint, want.endpoint,
            "endpoint of {}",
            want.public_key
        );
        assert_eq!(got.preshared_key, want.preshared_key);
        assert_eq!(
            got.persistent_keepalive,
            want.persistent_keepalive.unwrap_or(0)
        );
        assert_eq!(sorted(&got.allowed_ips), sorted(&want.allowed_ips));
        assert_eq!(got.protocol_version, 1);
    }
}

/// `wg show IF dump` inside the namespace agrees with our reading.
fn assert_wg_dump_agrees(ns: &TestNs, dev: &Device) {
    if std::process::Command::new("wg")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: wg (wireguard-tools) is not available; dump cross-check skipped");
        return;
    }
    let out = run(
        "ip",
        &[
            "netns",
            "exec",
            ns.name(),
            "wg",
            "show",
            &dev.ifname,
            "dump",
        ],
    );
    let mut lines = out.lines();
    let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(
        head[0],
        dev.private_key.as_ref().unwrap().to_base64().as_str()
    );
    assert_eq!(head[1], dev.public_key.unwrap().to_string());
    assert_eq!(head[2], dev.listen_port.to_string());
    assert_eq!(head[3], format!("{:#x}", dev.fwmark));
    let mut n = 0;
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let k: Key = f[0].parse().unwrap();
        let p = dev.peer(&k).unwrap();
        let psk = p
            .preshared_key
            .as_ref()
            .map_or("(none)".to_string(), |k| k.to_base64().to_string());
        assert_eq!(f[1], psk);
        assert_eq!(f[2], p.endpoint.map_or("(none)".into(), |e| e.to_string()));
        let theirs: BTreeSet<&str> = f[3].split(',').filter(|s| *s != "(none)").collect();
        let ours: Vec<String> = p.allowed_ips.iter().map(ToString::to_string).collect();
        assert_eq!(theirs, ours.iter().map(String::as_str).collect());
        let ka = if p.persistent_keepalive == 0 {
            "off".to_string()
        } else {
            p.persistent_keepalive.to_string()
        };
        assert_eq!(f[7], ka);
        n += 1;
    }
    assert_eq!(n, dev.peers.len());
}

fn create_wg(ns: &TestNs, name: &str) {
    let mut route = nlwire_mio::Connection::new_in_netns(ns.path()).unwrap();
    route
        .request(LinkRequest::add(name, LinkKind::Wireguard).unwrap())
        .unwrap();
}

fn delete_link(ns: &TestNs, name: &str) {
    ns.ip(&["link", "del", name]);
}

fn generic_netns(ns: &TestNs) -> nlwire_mio::Netns {
    nlwire_mio::Netns::from_path(ns.path()).unwrap()
}

/// A tag for `scenario` (0, 1, 2) on `rt`, distinct for every test: it
/// makes the keys and listen ports of each test its own.
fn tag(scenario: u8, rt: Runtime) -> u8 {
    let i = Runtime::ALL.iter().position(|r| *r == rt).unwrap() as u8;
    1 + scenario * Runtime::ALL.len() as u8 + i
}

/// Thousands of peers and a peer with thousands of allowed IPs: many set
/// messages, a multi-part get; then an update and a peer removal.
fn round_trip(rt: Runtime, ns: &TestNs) {
    let tag = tag(0, rt);
    let mut wg = rt.genl_client(ns);
    create_wg(ns, "wgbig");
    let c = big_config(tag, 2000, 3000);
    wg.set_device("wgbig".into(), &c).unwrap();
    let dev = wg.get_device("wgbig".into()).unwrap();
    assert_eq!(dev.ifname, "wgbig");
    assert_matches(&dev, &c);
    assert_wg_dump_agrees(ns, &dev);
    // By index too.
    assert_eq!(wg.get_device(LinkRef::Index(dev.ifindex)).unwrap(), dev);

    // Update one peer (update-only, replace its allowed IPs), remove
    // another, and leave the rest alone.
    let changed = key(tag, 7);
    let gone = key(tag, 8);
    let new_ip = AllowedIp::new(IpAddr::from([203, 0, 113, 0]), 24).unwrap();
    let update = DeviceConfig::new()
        .peer(
            PeerConfig::new(changed)
                .update_only(true)
                .replace_allowed_ips(true)
                .endpoint("203.0.113.9:1".parse().unwrap())
                .allowed_ip(new_ip),
        )
        .peer(PeerConfig::remove(gone))
        .peer(PeerConfig::new(key(tag, 99_999)).update_only(true));
    wg.set_device("wgbig".into(), &update).unwrap();
    let after = wg.get_device("wgbig".into()).unwrap();
    assert_eq!(after.peers.len(), dev.peers.len() - 1);
    assert!(after.peer(&gone).is_none());
    assert!(
        after.peer(&key(tag, 99_999)).is_none(),
        "update-only created a peer"
    );
    let p = after.peer(&changed).unwrap();
    assert_eq!(p.allowed_ips, [new_ip]);
    assert_eq!(p.endpoint, Some("203.0.113.9:1".parse().unwrap()));

    // The kernel's refusals are errors naming the request.
    let e = wg.get_device("nosuchwg".into()).unwrap_err();
    assert_eq!(e.errno(), Some(nlwire::Errno::ENODEV), "{e}");
    ns.ip(&[
        "link", "add", "notwg", "type", "veth", "peer", "name", "notwg1",
    ]);
    let e = wg.get_device("notwg".into()).unwrap_err();
    assert_eq!(e.errno(), Some(nlwire::Errno::EOPNOTSUPP), "{e}");
    delete_link(ns, "wgbig");
}

fn kinds(events: &[WgEvent]) -> Vec<String> {
    let mut v: Vec<String> = events
        .iter()
        .map(|e| {
            let k = e.public_key().map(|k| k.0[3]).unwrap_or(0);
            let kind = match e {
                WgEvent::PeerAdded { .. } => "added",
                WgEvent::PeerRemoved { .. } => "removed",
                WgEvent::PeerEndpointChanged { .. } => "endpoint",
                WgEvent::PeerAllowedIpsChanged { .. } => "allowed-ips",
                WgEvent::PeerHandshakeRefreshed { .. } => "handshake",
                WgEvent::InterfaceUnavailable { .. } => "unavailable",
                _ => "other",
            };
            format!("{} {k} {kind}", e.interface())
        })
        .collect();
    v.sort();
    v
}

/// Polls until a round reports something.
fn next_events(w: &mut dyn WgWatchClient) -> Vec<String> {
    for _ in 0..50 {
        let b = w.next();
        if !b.is_empty() {
            return kinds(&b);
        }
    }
    panic!("no event in 50 rounds");
}

fn watch(rt: Runtime, ns: &TestNs) {
    let tag = tag(1, rt);
    let mut wg = rt.genl_client(ns);
    create_wg(ns, "wgw");
    let small = |n: u32| {
        let mut c = DeviceConfig::new().replace_peers(true);
        for i in 0..n {
            c = c.peer(
                PeerConfig::new(key(tag, i))
                    .endpoint(SocketAddr::from(([192, 0, 2, i as u8 + 1], 51820)))
                    .allowed_ip(AllowedIp::new(IpAddr::from([198, 51, 100, i as u8]), 32).unwrap()),
            );
        }
        c
    };
    wg.set_device("wgw".into(), &small(3)).unwrap();
    let opts = WgWatchOptions::new(["wgw", "wgmissing"]).interval(Duration::from_millis(100));
    let mut w = wg.wg_watch(opts).unwrap();
    // Initial inventory, and the missing interface reported once.
    assert_eq!(
        kinds(&w.next()),
        [
            "wgmissing 0 unavailable",
            "wgw 0 added",
            "wgw 1 added",
            "wgw 2 added"
        ]
    );
    assert!(w.next().is_empty());

    // Remove 0, move 1, change 2's allowed IPs, add 3.
    let change = DeviceConfig::new()
        .peer(PeerConfig::remove(key(tag, 0)))
        .peer(PeerConfig::new(key(tag, 1)).endpoint("[2001:db8::1]:9".parse().unwrap()))
        .peer(
            PeerConfig::new(key(tag, 2))
                .replace_allowed_ips(true)
                .allowed_ip(AllowedIp::new(IpAddr::from([203, 0, 113, 0]), 24).unwrap()),
        )
        .peer(PeerConfig::new(key(tag, 3)));
    wg.set_device("wgw".into(), &change).unwrap();
    assert_eq!(
        next_events(&mut *w),
        [
            "wgw 0 removed",
            "wgw 1 endpoint",
            "wgw 2 allowed-ips",
            "wgw 3 added"
        ]
    );

    // Deleted: unavailable, every peer removed; re-created: added again.
    delete_link(ns, "wgw");
    assert_eq!(
        next_events(&mut *w),
        [
            "wgw 0 unavailable",
            "wgw 1 removed",
            "wgw 2 removed",
            "wgw 3 removed"
        ]
    );
    create_wg(ns, "wgw");
    wg.set_device("wgw".into(), &small(2)).unwrap();
    assert_eq!(next_events(&mut *w), ["wgw 0 added", "wgw 1 added"]);
    delete_link(ns, "wgw");
}

/// Two interfaces, in `ns` (configured and watched on `rt`) and in a
/// second namespace (configured and watched with blocking mio), joined by
/// a veth: a UDP packet sent into the tunnel makes a real handshake.
fn handshake(rt: Runtime, ns: &TestNs) {
    let tag = tag(2, rt);
    let mut wg = rt.genl_client(ns);
    let far = TestNs::create();
    ns.ip(&[
        "link",
        "add",
        "wa",
        "type",
        "veth",
        "peer",
        "name",
        "wb",
        "netns",
        far.name(),
    ]);
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "wa"]);
    ns.ip(&["link", "set", "wa", "up"]);
    far.ip(&["addr", "add", "192.0.2.2/24", "dev", "wb"]);
    far.ip(&["link", "set", "wb", "up"]);
    create_wg(ns, "wgh");
    create_wg(&far, "wgh");
    let mut far_wg = Runtime::Mio.genl_client(&far);

    // Keys first: each side's public key comes from the kernel.
    let port = 41000 + u16::from(tag);
    wg.set_device(
        "wgh".into(),
        &DeviceConfig::new()
            .private_key(private_key(tag))
            .listen_port(port),
    )
    .unwrap();
    far_wg
        .set_device(
            "wgh".into(),
            &DeviceConfig::new()
                .private_key(private_key(tag ^ 0x80))
                .listen_port(port + 100),
        )
        .unwrap();
    let near_key = wg.get_device("wgh".into()).unwrap().public_key.unwrap();
    let far_key = far_wg.get_device("wgh".into()).unwrap().public_key.unwrap();
    let near_ep = SocketAddr::from(([192, 0, 2, 1], port));
    let far_ep = SocketAddr::from(([192, 0, 2, 2], port + 100));
    wg.set_device(
        "wgh".into(),
        &DeviceConfig::new().peer(
            PeerConfig::new(far_key)
                .endpoint(far_ep)
                .allowed_ip(AllowedIp::new(IpAddr::from([203, 0, 113, 2]), 32).unwrap()),
        ),
    )
    .unwrap();
    // The far side knows no endpoint: it learns it from the handshake.
    far_wg
        .set_device(
            "wgh".into(),
            &DeviceConfig::new().peer(
                PeerConfig::new(near_key)
                    .allowed_ip(AllowedIp::new(IpAddr::from([203, 0, 113, 1]), 32).unwrap()),
            ),
        )
        .unwrap();
    ns.ip(&["addr", "add", "203.0.113.1/24", "dev", "wgh"]);
    ns.ip(&["link", "set", "wgh", "up"]);
    far.ip(&["addr", "add", "203.0.113.2/24", "dev", "wgh"]);
    far.ip(&["link", "set", "wgh", "up"]);

    let opts = || WgWatchOptions::new(["wgh"]).interval(Duration::from_millis(100));
    let mut near = wg.wg_watch(opts()).unwrap();
    let mut farw = far_wg.wg_watch(opts()).unwrap();
    for (events, peer) in [(near.next(), &far_key), (farw.next(), &near_key)] {
        assert!(
            matches!(&events[..], [WgEvent::PeerAdded { peer: p, .. }] if p.public_key == *peer),
            "{events:?}"
        );
    }

    // Send into the tunnel from inside `ns` until both sides saw the
    // handshake (the first packet starts it; it is sent once it is done).
    let sender = generic_netns(ns);
    let send = move || {
        nlwire_mio::run_in(&sender, || {
            let s = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
            s.send_to(b"nlwire", "203.0.113.2:9").unwrap();
        })
        .unwrap()
    };
    let (mut near_at, mut far_at, mut far_roamed) = (None, None, None);
    for _ in 0..300 {
        if near_at.is_none() {
            send();
        }
        for e in near.next() {
            match e {
                WgEvent::PeerHandshakeRefreshed { public_key, at, .. } if public_key == far_key => {
                    near_at = Some(at)
                }
                e => panic!("unexpected on the near side: {e:?}"),
            }
        }
        for e in farw.next() {
            match e {
                WgEvent::PeerHandshakeRefreshed { public_key, at, .. }
                    if public_key == near_key =>
                {
                    far_at = Some(at)
                }
                WgEvent::PeerEndpointChanged {
                    public_key,
                    from,
                    to,
                    ..
                } if public_key == near_key => {
                    assert_eq!(from, None);
                    far_roamed = to;
                }
                e => panic!("unexpected on the far side: {e:?}"),
            }
        }
        if near_at.is_some() && far_at.is_some() && far_roamed.is_some() {
            break;
        }
    }
    let (near_at, far_at) = (
        near_at.expect("near handshake"),
        far_at.expect("far handshake"),
    );
    assert_eq!(far_roamed, Some(near_ep));
    // Handshake times are wall-clock times of this boot, within a minute.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    for at in [near_at, far_at] {
        assert!(at <= now + Duration::from_secs(1) && now - at < Duration::from_secs(60));
    }
    // The readings agree with the events, and traffic was counted.
    let n = wg.get_device("wgh".into()).unwrap();
    let p = n.peer(&far_key).unwrap();
    assert_eq!(p.last_handshake, Some(near_at));
    assert!(p.tx_bytes > 0 && p.rx_bytes > 0, "{p:?}");
    let f = far_wg.get_device("wgh".into()).unwrap();
    let p = f.peer(&near_key).unwrap();
    assert_eq!(p.endpoint, Some(near_ep));
    assert!(p.rx_bytes > 0, "{p:?}");
    delete_link(ns, "wgh");
}

per_runtime! {
    gate: wireguard_or_skip,
    ns: [round_trip, watch, handshake],
}
