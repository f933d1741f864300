//! WireGuard frames laid out as `drivers/net/wireguard/netlink.c` writes
//! and reads them (attribute types from `<linux/wireguard.h>`).

use std::net::{IpAddr, SocketAddr};
use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;
use std::{format, vec};

use super::*;
use crate::Errno;
use crate::error::{Error, KernelError};
use crate::fold::Reply;
use crate::genl::{FamilyOp, GenlHeader, GenlMessage};
use crate::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};
use crate::op::{Op, OpStep};
use crate::request::Request;
use crate::wire::{Message, Messages, NLM_F_MULTI, Writer};
use crate::{InvalidInput, LinkRef};

const FAMILY: u16 = 0x1d;

/// A small deterministic generator (xorshift64*).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn key(&mut self) -> [u8; 32] {
        let mut k = [0u8; 32];
        for c in k.chunks_mut(8) {
            c.copy_from_slice(&self.next().to_ne_bytes());
        }
        k
    }
    fn allowed_ip(&mut self) -> AllowedIp {
        let v = self.next();
        if v % 3 == 0 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&self.next().to_be_bytes());
            b[0] = 0x20;
            b[1] = 0x01;
            b[2] = 0x0d;
            b[3] = 0xb8;
            AllowedIp {
                addr: IpAddr::V6(b.into()),
                cidr: (v % 129) as u8,
            }
        } else {
            let x = (v >> 8) as u32;
            AllowedIp {
                addr: IpAddr::V4(x.into()),
                cidr: (v % 33) as u8,
            }
        }
    }
}

fn endpoint_v6() -> SocketAddr {
    SocketAddr::V6(std::net::SocketAddrV6::new(
        "2001:db8::7".parse().unwrap(),
        51820,
        0x12345,
        3,
    ))
}

/// A device with every attribute set and `peers` peers of `ips` allowed
/// IPs each.
fn sample_device(rng: &mut Rng, peers: usize, ips: usize) -> Device {
    Device {
        ifindex: 7,
        ifname: "wg0".to_string(),
        private_key: Some(SecretKey::new(rng.key())),
        public_key: Some(Key(rng.key())),
        listen_port: 51820,
        fwmark: 0x42,
        peers: (0..peers)
            .map(|i| Peer {
                public_key: Key(rng.key()),
                preshared_key: (i % 2 == 0).then(|| SecretKey::new(rng.key())),
                endpoint: match i % 3 {
                    0 => Some(
                        format!("192.0.2.{}:{}", i % 250 + 1, 1000 + i)
                            .parse()
                            .unwrap(),
                    ),
                    1 => Some(endpoint_v6()),
                    _ => None,
                },
                persistent_keepalive: (i % 4) as u16 * 10,
                last_handshake: (i % 5 != 0).then(|| Duration::new(1_700_000_000 + i as u64, 5)),
                rx_bytes: rng.next(),
                tx_bytes: rng.next(),
                protocol_version: 1,
                allowed_ips: (0..ips).map(|_| rng.allowed_ip()).collect(),
            })
            .collect(),
    }
}

fn put_device_attrs(w: &mut Writer<'_>, d: &Device) {
    w.attr_u16(WGDEVICE_A_LISTEN_PORT, d.listen_port);
    w.attr_u32(WGDEVICE_A_FWMARK, d.fwmark);
    w.attr_u32(WGDEVICE_A_IFINDEX, d.ifindex);
    w.attr_str(WGDEVICE_A_IFNAME, &d.ifname);
    if let (Some(k), Some(p)) = (&d.private_key, &d.public_key) {
        w.attr(WGDEVICE_A_PRIVATE_KEY, k.expose());
        w.attr(WGDEVICE_A_PUBLIC_KEY, p.as_bytes());
    }
}

fn put_peer_first_part(w: &mut Writer<'_>, p: &Peer) {
    let zero = SecretKey::default();
    w.attr(
        WGPEER_A_PRESHARED_KEY,
        p.preshared_key.as_ref().unwrap_or(&zero).expose(),
    );
    let hs = p.last_handshake.unwrap_or_default();
    let mut ts = [0u8; 16];
    ts[..8].copy_from_slice(&(hs.as_secs() as i64).to_ne_bytes());
    ts[8..].copy_from_slice(&i64::from(hs.subsec_nanos()).to_ne_bytes());
    w.attr(WGPEER_A_LAST_HANDSHAKE_TIME, &ts);
    w.attr_u16(
        WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
        p.persistent_keepalive,
    );
    w.attr_u64(WGPEER_A_TX_BYTES, p.tx_bytes);
    w.attr_u64(WGPEER_A_RX_BYTES, p.rx_bytes);
    w.attr_u32(WGPEER_A_PROTOCOL_VERSION, p.protocol_version);
    if let Some(ep) = &p.endpoint {
        device::emit_endpoint(w, WGPEER_A_ENDPOINT, ep);
    }
}

/// The messages of a `WG_CMD_GET_DEVICE` dump as the kernel's
/// `wg_get_device_dump` splits them, with room for `cap` units per
/// message (a peer's first part costs 10, a continuation 2, an allowed IP
/// 1). Device attributes are repeated until a peer was completed, as the
/// kernel does when the first peer is split.
fn kernel_dump(d: &Device, cap: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let (mut p, mut ip, mut completed) = (0usize, 0usize, false);
    loop {
        let mut budget = cap;
        let mut parts = Vec::new();
        let with_device = !completed;
        while p < d.peers.len() {
            let head = if ip == 0 { 10 } else { 2 };
            let remaining = d.peers[p].allowed_ips.len() - ip;
            if budget < head + remaining.min(1) {
                assert!(!parts.is_empty(), "cap too small for one peer");
                break;
            }
            budget -= head;
            let take = remaining.min(budget);
            budget -= take;
            parts.push((p, ip, ip + take));
            if take < remaining {
                ip += take;
                break;
            }
            p += 1;
            ip = 0;
            completed = true;
        }
        let mut buf = vec![0u8; 1 << 20];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(FAMILY, NLM_F_MULTI, 1, 0);
        GenlHeader {
            cmd: WG_CMD_GET_DEVICE,
            version: 1,
        }
        .emit(&mut w);
        if with_device {
            put_device_attrs(&mut w, d);
        }
        if !parts.is_empty() {
            let peers = w.begin_nested(WGDEVICE_A_PEERS);
            for &(pi, from, to) in &parts {
                let peer = &d.peers[pi];
                let n = w.begin_nested(0);
                w.attr(WGPEER_A_PUBLIC_KEY, peer.public_key.as_bytes());
                if from == 0 {
                    put_peer_first_part(&mut w, peer);
                }
                if from < to {
                    let a = w.begin_nested(WGPEER_A_ALLOWEDIPS);
                    for x in &peer.allowed_ips[from..to] {
                        x.emit(&mut w);
                    }
                    w.end_nested(a);
                }
                w.end_nested(n);
            }
            w.end_nested(peers);
        }
        w.end_message(m);
        let n = w.finish().unwrap();
        buf.truncate(n);
        out.push(buf);
        if p >= d.peers.len() {
            return out;
        }
    }
}

fn message(bytes: &[u8]) -> Message<'_> {
    Messages::new(bytes).next().unwrap().unwrap()
}

fn assemble(msgs: &[Vec<u8>]) -> Device {
    let mut a = DeviceAssembler::new();
    for m in msgs {
        a.push_message(&message(m)).unwrap();
    }
    assert_eq!(a.messages(), msgs.len());
    a.finish().unwrap()
}

#[test]
fn one_message_with_every_attribute_decodes() {
    let mut rng = Rng(1);
    let d = sample_device(&mut rng, 3, 2);
    let msgs = kernel_dump(&d, 1000);
    assert_eq!(msgs.len(), 1);
    let got = assemble(&msgs);
    assert_eq!(got, d);
    // v4 and v6 endpoints, flowinfo and scope included.
    assert_eq!(
        got.peers[0].endpoint,
        Some("192.0.2.1:1000".parse().unwrap())
    );
    assert_eq!(got.peers[1].endpoint, Some(endpoint_v6()));
    assert_eq!(got.peers[2].endpoint, None);
    // A zero preshared key on the wire is "none"; handshake 0 is "never".
    assert_eq!(got.peers[1].preshared_key, None);
    assert_eq!(got.peers[0].last_handshake, None);
    assert_eq!(
        got.peers[1].last_handshake,
        Some(Duration::new(1_700_000_001, 5))
    );

    let view = DeviceMessage::parse(&message(&msgs[0])).unwrap();
    assert_eq!(view.ifname, Some("wg0"));
    assert_eq!(view.public_key, d.public_key);
    let peers: Vec<_> = view.peers().map(Result::unwrap).collect();
    assert_eq!(peers[1].protocol_version, Some(1));
    assert_eq!(
        peers[1].last_handshake,
        Some(Some(Duration::new(1_700_000_001, 5)))
    );
    assert_eq!(peers[0].allowed_ips().count(), 2);
}

#[test]
fn device_without_peers_or_private_key() {
    let d = Device {
        ifindex: 3,
        ifname: "wg1".into(),
        ..Default::default()
    };
    let msgs = kernel_dump(&d, 100);
    assert_eq!(msgs.len(), 1);
    assert_eq!(assemble(&msgs), d);
}

#[test]
fn peers_split_over_many_messages_reassemble() {
    let mut rng = Rng(2);
    let d = sample_device(&mut rng, 1000, 3);
    let msgs = kernel_dump(&d, 130);
    assert!(msgs.len() > 50, "{} messages", msgs.len());
    // Only the first message carries the device attributes here.
    assert!(
        DeviceMessage::parse(&message(&msgs[1]))
            .unwrap()
            .ifname
            .is_none()
    );
    assert_eq!(assemble(&msgs), d);
}

#[test]
fn allowed_ips_split_over_messages_reassemble() {
    let mut rng = Rng(3);
    let mut d = sample_device(&mut rng, 3, 2);
    d.peers[0].allowed_ips = (0..5000).map(|_| rng.allowed_ip()).collect();
    d.peers[2].allowed_ips = (0..3000).map(|_| rng.allowed_ip()).collect();
    let msgs = kernel_dump(&d, 700);
    assert!(msgs.len() >= 12, "{} messages", msgs.len());
    // The first peer is split, so the kernel repeats the device
    // attributes in the second message.
    assert_eq!(
        DeviceMessage::parse(&message(&msgs[1])).unwrap().ifindex,
        Some(7)
    );
    let got = assemble(&msgs);
    assert_eq!(got.peers.len(), 3);
    assert_eq!(got.peers[0].allowed_ips.len(), 5000);
    assert_eq!(got, d);
}

#[test]
fn every_split_point_reassembles() {
    let mut rng = Rng(4);
    let mut d = sample_device(&mut rng, 12, 0);
    for (i, p) in d.peers.iter_mut().enumerate() {
        p.allowed_ips = (0..i * 3).map(|_| rng.allowed_ip()).collect();
    }
    for cap in 11..60 {
        assert_eq!(assemble(&kernel_dump(&d, cap)), d, "cap {cap}");
    }
}

fn peer_entry(f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = Writer::new(&mut buf);
    let m = w.begin_message(FAMILY, 0, 1, 0);
    GenlHeader::default().emit(&mut w);
    w.attr_u32(WGDEVICE_A_IFINDEX, 9);
    let peers = w.begin_nested(WGDEVICE_A_PEERS);
    let n = w.begin_nested(0);
    f(&mut w);
    w.end_nested(n);
    w.end_nested(peers);
    w.end_message(m);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

fn allowed(family: u16, addr: &[u8], cidr: u8) -> impl FnOnce(&mut Writer<'_>) {
    let addr = addr.to_vec();
    move |w: &mut Writer<'_>| {
        w.attr(WGPEER_A_PUBLIC_KEY, &[1; 32]);
        let a = w.begin_nested(WGPEER_A_ALLOWEDIPS);
        let e = w.begin_nested(0);
        w.attr_u16(WGALLOWEDIP_A_FAMILY, family);
        w.attr(WGALLOWEDIP_A_IPADDR, &addr);
        w.attr_u8(WGALLOWEDIP_A_CIDR_MASK, cidr);
        w.end_nested(e);
        w.end_nested(a);
    }
}

#[test]
fn malformed_peers_are_errors_and_change_nothing() {
    use crate::wire::DecodeError as D;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            peer_entry(|w| w.attr(WGPEER_A_PUBLIC_KEY, &[1; 31])),
            "AttrSize",
        ),
        (
            peer_entry(|w| w.attr_u64(WGPEER_A_RX_BYTES, 1)),
            "MissingAttr",
        ),
        (
            peer_entry(|w| {
                w.attr(WGPEER_A_PUBLIC_KEY, &[1; 32]);
                w.attr(WGPEER_A_ENDPOINT, &[2, 0, 0, 80, 192, 0, 2, 1]);
            }),
            "AttrSize",
        ),
        (
            peer_entry(|w| {
                w.attr(WGPEER_A_PUBLIC_KEY, &[1; 32]);
                let mut sa = [0u8; 16];
                sa[0] = 7;
                w.attr(WGPEER_A_ENDPOINT, &sa);
            }),
            "InvalidValue",
        ),
        (
            peer_entry(|w| {
                w.attr(WGPEER_A_PUBLIC_KEY, &[1; 32]);
                w.attr(WGPEER_A_LAST_HANDSHAKE_TIME, &[0; 8]);
            }),
            "AttrSize",
        ),
        (peer_entry(allowed(2, &[192, 0, 2, 0], 33)), "InvalidValue"),
        (peer_entry(allowed(10, &[192, 0, 2, 0], 24)), "AttrSize"),
        (peer_entry(allowed(7, &[192, 0, 2, 0], 24)), "InvalidValue"),
        (
            peer_entry(|w| {
                w.attr(WGPEER_A_PUBLIC_KEY, &[1; 32]);
                let a = w.begin_nested(WGPEER_A_ALLOWEDIPS);
                let e = w.begin_nested(0);
                w.attr_u16(WGALLOWEDIP_A_FAMILY, 2);
                w.end_nested(e);
                w.end_nested(a);
            }),
            "MissingAttr",
        ),
    ];
    let mut rng = Rng(5);
    let d = sample_device(&mut rng, 2, 2);
    let good = kernel_dump(&d, 1000);
    for (bytes, kind) in cases {
        let mut a = DeviceAssembler::new();
        a.push_message(&message(&good[0])).unwrap();
        let e = a.push_message(&message(&bytes)).unwrap_err();
        let name = format!("{e:?}");
        assert!(name.starts_with(kind), "{name} is not {kind}");
        assert!(!matches!(e, D::Truncated { .. }));
        assert_eq!(a.finish().unwrap(), d, "a failed push changed the device");
    }
    // A valid v6 entry for comparison.
    let ok = peer_entry(allowed(
        10,
        &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        128,
    ));
    let mut a = DeviceAssembler::new();
    a.push_message(&message(&ok)).unwrap();
    let dev = a.finish().unwrap();
    assert_eq!(dev.peers[0].allowed_ips[0].to_string(), "2001:db8::1/128");
}

#[test]
fn get_device_request_layout() {
    let mut buf = [0u8; 64];
    for (link, attr) in [
        (LinkRef::Name("wg0"), (WGDEVICE_A_IFNAME, &b"wg0\0"[..])),
        (
            LinkRef::Index(7),
            (WGDEVICE_A_IFINDEX, &7u32.to_ne_bytes()[..]),
        ),
    ] {
        let mut w = Writer::new(&mut buf);
        GetDevice::new(FAMILY, link).unwrap().emit(&mut w, 3, 0);
        let n = w.finish().unwrap();
        let m = message(&buf[..n]);
        assert_eq!(m.kind(), FAMILY);
        assert_eq!(m.flags() & crate::wire::NLM_F_DUMP, crate::wire::NLM_F_DUMP);
        let g = GenlMessage::parse(&m).unwrap();
        assert_eq!((g.cmd(), g.header().version), (WG_CMD_GET_DEVICE, 1));
        let a = g.attrs().next().unwrap().unwrap();
        assert_eq!((a.kind(), a.payload()), attr);
    }
    assert_eq!(
        GetDevice::new(FAMILY, LinkRef::Index(0)),
        Err(InvalidInput::ZeroIndex)
    );
    assert!(GetDevice::new(FAMILY, LinkRef::Name("a/b")).is_err());
}

fn run_get(op: &mut GetDeviceOp<'_>, msgs: &[Vec<u8>], interrupted: bool) -> bool {
    assert!(matches!(op.step(), OpStep::Send(_)));
    for m in msgs {
        assert!(!op.reply(Reply::Item(message(m))));
    }
    op.reply(Reply::Done { interrupted })
}

#[test]
fn get_device_op_reassembles_and_retries_interrupted_dumps() {
    let mut rng = Rng(6);
    let d = sample_device(&mut rng, 40, 30);
    let msgs = kernel_dump(&d, 200);
    let mut op = get_device("wg0").unwrap();
    assert!(matches!(
        op.step(),
        OpStep::Done(Err(Error::InvalidInput {
            source: InvalidInput::FamilyUnresolved,
            ..
        }))
    ));
    op.start(FAMILY);
    // An interrupted dump is read again from scratch.
    assert!(run_get(&mut op, &msgs[..3], true));
    assert!(run_get(&mut op, &msgs, false));
    match op.step() {
        OpStep::Done(Ok(got)) => assert_eq!(got, d),
        s => panic!("{s:?}"),
    }
    // After DUMP_RETRIES interruptions the error is returned.
    let mut op = get_device(7).unwrap();
    op.start(FAMILY);
    for _ in 0..=ops::DUMP_RETRIES {
        assert!(run_get(&mut op, &msgs, true));
    }
    assert!(matches!(
        op.step(),
        OpStep::Done(Err(Error::DumpInterrupted { .. }))
    ));
    // A malformed message fails the whole read with a decode error.
    let mut op = get_device("wg0").unwrap();
    op.start(FAMILY);
    let bad = peer_entry(|w| w.attr(WGPEER_A_PUBLIC_KEY, &[1; 5]));
    assert!(run_get(&mut op, &[msgs[0].clone(), bad], false));
    match op.step() {
        OpStep::Done(Err(e @ Error::Decode { .. })) => assert!(
            e.to_string()
                .starts_with("get WireGuard device of link \"wg0\": malformed reply"),
            "{e}"
        ),
        s => panic!("{s:?}"),
    }
    // The kernel's refusal is returned as is.
    let mut op = get_device("wg0").unwrap();
    op.start(FAMILY);
    assert!(matches!(op.step(), OpStep::Send(_)));
    assert!(op.reply(Reply::Failed(Error::from(KernelError::new(
        19,
        &Default::default()
    )))));
    assert!(matches!(op.step(), OpStep::Done(Err(e)) if e.errno() == Some(Errno::ENODEV)));
}

/// Encodes every message of a split, checks each against the limits, and
/// rebuilds the configuration from the bytes.
fn split_and_rebuild(
    config: &DeviceConfig,
    link: LinkRef<'_>,
    max: usize,
) -> (usize, DeviceConfig) {
    let mut buf = vec![0u8; 70_000];
    let mut asm = ConfigAssembler::new();
    let mut count = 0;
    for (i, msg) in SetDevice::new(FAMILY, link, config)
        .unwrap()
        .max_len(max)
        .enumerate()
    {
        assert_eq!(msg.index(), i);
        let mut w = Writer::new(&mut buf);
        msg.emit(&mut w, i as u32, 0);
        let n = w.finish().unwrap();
        assert!(
            n <= max.max(SetDevice::MIN_MAX_LEN),
            "message {i}: {n} > {max}"
        );
        let m = message(&buf[..n]);
        assert_eq!(m.header().len as usize, n);
        assert_eq!(m.kind(), FAMILY);
        let g = GenlMessage::parse(&m).unwrap();
        assert_eq!(g.cmd(), WG_CMD_SET_DEVICE);
        let d = DeviceMessage::parse(&m).unwrap();
        // Every message names the interface.
        match link {
            LinkRef::Name(name) => assert_eq!(d.ifname, Some(name)),
            LinkRef::Index(x) => assert_eq!(d.ifindex, Some(x)),
        }
        if i > 0 {
            assert!(d.private_key.is_none() && d.listen_port.is_none() && d.fwmark.is_none());
            assert_eq!(d.flags, None, "replace-peers outside the first message");
        }
        asm.push_message(&m).unwrap();
        count += 1;
    }
    (count, asm.finish())
}

fn sample_config(rng: &mut Rng, peers: usize, ips: usize) -> DeviceConfig {
    DeviceConfig {
        private_key: Some(SecretKey::new(rng.key())),
        listen_port: Some(51820),
        fwmark: Some(7),
        replace_peers: true,
        peers: (0..peers)
            .map(|i| PeerConfig {
                public_key: Key(rng.key()),
                remove: i % 11 == 5,
                update_only: i % 7 == 3,
                replace_allowed_ips: i % 2 == 0,
                preshared_key: (i % 3 == 0).then(|| SecretKey::new(rng.key())),
                endpoint: match i % 3 {
                    0 => Some("198.51.100.9:51820".parse().unwrap()),
                    1 => Some(endpoint_v6()),
                    _ => None,
                },
                persistent_keepalive: (i % 4 == 0).then_some(25),
                allowed_ips: (0..ips).map(|_| rng.allowed_ip()).collect(),
            })
            .collect(),
    }
}

#[test]
fn small_config_is_one_message_and_round_trips() {
    let mut rng = Rng(7);
    let c = sample_config(&mut rng, 3, 2);
    let (n, back) = split_and_rebuild(&c, LinkRef::Name("wg0"), SetDevice::DEFAULT_MAX_LEN);
    assert_eq!(n, 1);
    assert_eq!(back, c);
    // A configuration without peers is still one message.
    let c = DeviceConfig::new().listen_port(1);
    assert_eq!(split_and_rebuild(&c, LinkRef::Index(4), 512), (1, c));
    let c = DeviceConfig::new();
    assert_eq!(split_and_rebuild(&c, LinkRef::Index(4), 512), (1, c));
}

#[test]
fn thousands_of_peers_are_split_within_limits() {
    let mut rng = Rng(8);
    let c = sample_config(&mut rng, 5000, 2);
    let (n, back) = split_and_rebuild(&c, LinkRef::Name("wg-test"), SetDevice::DEFAULT_MAX_LEN);
    assert!(n > 20, "{n} messages");
    assert_eq!(back, c);
    // With wg's own 4 KiB messages.
    let (n4, back) = split_and_rebuild(&c, LinkRef::Index(3), 4096);
    assert!(n4 > 8 * n / 2, "{n4} messages");
    assert_eq!(back, c);
}

#[test]
fn a_peer_with_thousands_of_allowed_ips_is_continued_without_replace() {
    let mut rng = Rng(9);
    let mut c = sample_config(&mut rng, 3, 3);
    c.peers[1].allowed_ips = (0..6000).map(|_| rng.allowed_ip()).collect();
    c.peers[1].replace_allowed_ips = true;
    c.peers[1].update_only = true;
    let mut buf = vec![0u8; 70_000];
    let msgs: Vec<_> = SetDevice::new(FAMILY, LinkRef::Name("wg0"), &c)
        .unwrap()
        .max_len(8192)
        .collect();
    assert!(msgs.len() > 10, "{} messages", msgs.len());
    let (mut continuations, mut seen_first) = (0, false);
    for (i, msg) in msgs.iter().enumerate() {
        let mut w = Writer::new(&mut buf);
        msg.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = message(&buf[..n]);
        let d = DeviceMessage::parse(&m).unwrap();
        for (k, p) in d.peers().enumerate() {
            let p = p.unwrap();
            if p.public_key != c.peers[1].public_key {
                continue;
            }
            let flags = p.flags.unwrap_or(0);
            assert_ne!(flags & WGPEER_F_UPDATE_ONLY, 0, "update-only kept");
            if !seen_first {
                seen_first = true;
                assert_ne!(flags & WGPEER_F_REPLACE_ALLOWEDIPS, 0);
                assert!(p.endpoint.is_some());
            } else {
                assert_eq!(k, 0, "a continuation opens its message");
                assert_eq!(flags & WGPEER_F_REPLACE_ALLOWEDIPS, 0, "message {i}");
                assert!(p.endpoint.is_none() && p.preshared_key.is_none());
                continuations += 1;
            }
        }
    }
    assert!(continuations >= 9, "{continuations}");
    let (_, back) = split_and_rebuild(&c, LinkRef::Name("wg0"), 8192);
    assert_eq!(back, c);
}

#[test]
fn every_message_bound_round_trips() {
    let mut rng = Rng(10);
    let mut c = sample_config(&mut rng, 30, 0);
    for (i, p) in c.peers.iter_mut().enumerate() {
        p.allowed_ips = (0..(i * 7) % 40).map(|_| rng.allowed_ip()).collect();
    }
    let mut last = usize::MAX;
    for max in (512..6000).step_by(97) {
        let (n, back) = split_and_rebuild(&c, LinkRef::Name("wg0"), max);
        assert_eq!(back, c, "max {max}");
        assert!(n <= last, "a larger bound never needs more messages");
        last = n;
    }
}

#[test]
fn bad_configs_are_rejected_before_sending() {
    let c = DeviceConfig::new().peer(PeerConfig::new(Key([1; 32])).allowed_ip(AllowedIp {
        addr: "192.0.2.0".parse().unwrap(),
        cidr: 40,
    }));
    let e = set_device("wg0", &c).unwrap_err();
    assert_eq!(
        e.to_string(),
        "configure WireGuard device of link \"wg0\": prefix length 40 is longer than 32 bits"
    );
    assert!(set_device("", &DeviceConfig::new()).is_err());
    assert!(AllowedIp::new("2001:db8::".parse().unwrap(), 129).is_err());
}

#[test]
fn set_device_op_sends_every_message_and_stops_at_a_refusal() {
    let mut rng = Rng(11);
    let c = sample_config(&mut rng, 400, 4);
    let expected = SetDevice::new(FAMILY, LinkRef::Name("wg0"), &c)
        .unwrap()
        .max_len(4096)
        .count();
    assert!(expected > 3);
    let mut op = set_device("wg0", &c).unwrap().max_len(4096);
    op.start(FAMILY);
    let mut sent = 0;
    loop {
        match op.step() {
            OpStep::Send(r) => {
                assert_eq!(r.message_type(), FAMILY);
                sent += 1;
            }
            OpStep::Done(r) => {
                r.unwrap();
                break;
            }
        }
        assert!(op.reply(Reply::Ack));
    }
    assert_eq!(sent, expected);
    assert_eq!(op.messages_sent(), expected);

    let mut op = set_device("wg0", &c).unwrap().max_len(4096);
    op.start(FAMILY);
    assert!(matches!(op.step(), OpStep::Send(_)));
    assert!(op.reply(Reply::Ack));
    assert!(
        matches!(op.step(), OpStep::Send(r) if crate::request::Describe(r).to_string().ends_with("(message 2)"))
    );
    assert!(op.reply(Reply::Failed(Error::from(KernelError::new(
        22,
        &Default::default()
    )))));
    match op.step() {
        OpStep::Done(Err(e)) => assert_eq!(e.errno(), Some(Errno::EINVAL)),
        s => panic!("{s:?}"),
    }
    assert_eq!(op.messages_sent(), 1);
}

#[test]
fn debug_output_never_shows_secret_keys() {
    let mut rng = Rng(12);
    let d = sample_device(&mut rng, 2, 1);
    let c = sample_config(&mut rng, 3, 1);
    let text = format!("{d:?} {c:?}");
    let secrets = [
        d.private_key.as_ref().unwrap().to_base64().to_string(),
        d.peers[0]
            .preshared_key
            .as_ref()
            .unwrap()
            .to_base64()
            .to_string(),
        c.private_key.as_ref().unwrap().to_base64().to_string(),
        c.peers[0]
            .preshared_key
            .as_ref()
            .unwrap()
            .to_base64()
            .to_string(),
    ];
    for s in secrets {
        assert!(!text.contains(&s));
    }
    let bytes = format!("{:?}", d.private_key.as_ref().unwrap().expose());
    assert!(!text.contains(&bytes[1..bytes.len() - 1]));
    assert!(text.contains("SecretKey(<redacted>)"));
    assert!(text.contains(&d.peers[0].public_key.to_string()));
}

// ---- the diff machine ----

fn peer(key: u8, ep: Option<&str>, ips: &[&str], hs: Option<u64>) -> Peer {
    Peer {
        public_key: Key([key; 32]),
        endpoint: ep.map(|e| e.parse().unwrap()),
        last_handshake: hs.map(Duration::from_secs),
        allowed_ips: ips
            .iter()
            .map(|s| {
                let (a, c) = s.split_once('/').unwrap();
                AllowedIp::new(a.parse().unwrap(), c.parse().unwrap()).unwrap()
            })
            .collect(),
        protocol_version: 1,
        ..Default::default()
    }
}

fn dev(name: &str, peers: Vec<Peer>) -> Result<Device, Error> {
    Ok(Device {
        ifname: name.into(),
        ifindex: 1,
        peers,
        ..Default::default()
    })
}

fn gone() -> Result<Device, Error> {
    Err(Error::from(KernelError::new(19, &Default::default())))
}

fn summary(events: &[WgEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let key = e.public_key().map(|k| k.0[0]).unwrap_or(0);
            let what = match e {
                WgEvent::PeerAdded { .. } => "added".to_string(),
                WgEvent::PeerRemoved { .. } => "removed".to_string(),
                WgEvent::PeerEndpointChanged { from, to, .. } => {
                    format!("endpoint {from:?}->{to:?}")
                }
                WgEvent::PeerAllowedIpsChanged {
                    previous, current, ..
                } => {
                    format!("ips {}->{}", previous.len(), current.len())
                }
                WgEvent::PeerHandshakeRefreshed { at, .. } => format!("handshake {}", at.as_secs()),
                WgEvent::InterfaceUnavailable { error, .. } => {
                    format!("unavailable {:?}", error.errno())
                }
            };
            format!("{} {key} {what}", e.interface())
        })
        .collect()
}

fn poll(w: &mut WgWatcher, results: Vec<Result<Device, Error>>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        w.update(i, r, &mut out);
    }
    summary(&out)
}

#[test]
fn watch_options_are_checked() {
    assert!(matches!(
        WgWatcher::new(&WgWatchOptions::new(Vec::<String>::new())),
        Err(Error::InvalidInput {
            source: InvalidInput::NoInterfaces,
            ..
        })
    ));
    assert!(matches!(
        WgWatcher::new(&WgWatchOptions::new(["wg0"]).interval(Duration::ZERO)),
        Err(Error::InvalidInput {
            source: InvalidInput::ZeroInterval,
            ..
        })
    ));
    let e = WgWatcher::new(&WgWatchOptions::new(["wg0", "much-too-long-name"])).unwrap_err();
    assert!(e.to_string().contains("much-too-long-name"), "{e}");
    let w = WgWatcher::new(&WgWatchOptions::new(["wg1", "wg0", "wg1"])).unwrap();
    assert_eq!(w.interfaces(), ["wg0", "wg1"]);
}

#[test]
fn rounds_are_due_one_interval_after_the_last_start() {
    let s = Duration::from_secs;
    let mut w = WgWatcher::new(&WgWatchOptions::new(["wg0"]).interval(s(2))).unwrap();
    assert_eq!(w.delay(s(100)), None, "the first round is due at once");
    w.begin_round(s(100));
    assert_eq!(w.next_round(), Some(s(102)));
    assert_eq!(w.delay(s(101)), Some(s(1)));
    assert_eq!(w.delay(s(102)), None);
    assert_eq!(
        w.delay(s(150)),
        None,
        "a late round is due now, not skipped"
    );
}

#[test]
fn first_poll_is_the_inventory_then_only_changes() {
    let mut w = WgWatcher::new(&WgWatchOptions::new(["wg0", "wg1"])).unwrap();
    // Peers arrive unsorted; events come by interface, then key.
    let first = poll(
        &mut w,
        vec![
            dev(
                "wg0",
                vec![peer(9, None, &[], None), peer(2, None, &[], Some(5))],
            ),
            dev("wg1", vec![peer(4, None, &[], None)]),
        ],
    );
    assert_eq!(first, ["wg0 2 added", "wg0 9 added", "wg1 4 added"]);
    // Nothing changed: nothing reported.
    let same = poll(
        &mut w,
        vec![
            dev(
                "wg0",
                vec![peer(2, None, &[], Some(5)), peer(9, None, &[], None)],
            ),
            dev("wg1", vec![peer(4, None, &[], None)]),
        ],
    );
    assert!(same.is_empty(), "{same:?}");
}

#[test]
fn every_peer_change_is_reported_in_order() {
    let mut w = WgWatcher::new(&WgWatchOptions::new(["wg0"])).unwrap();
    poll(
        &mut w,
        vec![dev(
            "wg0",
            vec![
                peer(1, Some("192.0.2.1:1"), &["198.51.100.0/24"], Some(10)),
                peer(3, None, &["203.0.113.1/32", "2001:db8::/32"], None),
                peer(5, None, &[], None),
            ],
        )],
    );
    let got = poll(
        &mut w,
        vec![dev(
            "wg0",
            vec![
                // endpoint roamed, handshake refreshed
                peer(1, Some("[2001:db8::1]:1"), &["198.51.100.0/24"], Some(11)),
                // allowed IPs reordered only: no event; first handshake ever
                peer(3, None, &["2001:db8::/32", "203.0.113.1/32"], Some(4)),
                // peer 5 removed, peer 4 added
                peer(4, None, &[], None),
            ],
        )],
    );
    assert_eq!(
        got,
        [
            "wg0 1 endpoint Some(192.0.2.1:1)->Some([2001:db8::1]:1)",
            "wg0 1 handshake 11",
            "wg0 3 handshake 4",
            "wg0 4 added",
            "wg0 5 removed",
        ]
    );
    let got = poll(
        &mut w,
        vec![dev(
            "wg0",
            vec![
                // handshake not later: nothing; endpoint cleared
                peer(1, None, &["198.51.100.0/24"], Some(11)),
                // allowed IPs changed
                peer(3, None, &["2001:db8::/32"], Some(3)),
                peer(4, None, &["192.0.2.0/24"], None),
            ],
        )],
    );
    assert_eq!(
        got,
        [
            "wg0 1 endpoint Some([2001:db8::1]:1)->None",
            "wg0 3 ips 2->1",
            "wg0 4 ips 0->1",
        ]
    );
}

#[test]
fn an_unreadable_interface_loses_its_peers_and_regains_them() {
    let mut w = WgWatcher::new(&WgWatchOptions::new(["wg0", "wg1"])).unwrap();
    let up = || {
        vec![
            dev(
                "wg0",
                vec![peer(1, None, &[], None), peer(2, None, &[], None)],
            ),
            dev("wg1", vec![peer(3, None, &[], None)]),
        ]
    };
    poll(&mut w, up());
    // wg0 deleted: one failure does not stop wg1 from being diffed.
    let got = poll(
        &mut w,
        vec![
            gone(),
            dev(
                "wg1",
                vec![peer(3, None, &[], None), peer(4, None, &[], None)],
            ),
        ],
    );
    assert_eq!(
        got,
        [
            "wg0 0 unavailable Some(Errno(ENODEV))",
            "wg0 1 removed",
            "wg0 2 removed",
            "wg1 4 added",
        ]
    );
    // Still gone: reported once only.
    let got = poll(
        &mut w,
        vec![
            gone(),
            dev(
                "wg1",
                vec![peer(3, None, &[], None), peer(4, None, &[], None)],
            ),
        ],
    );
    assert!(got.is_empty(), "{got:?}");
    // Back: its peers are added again.
    let got = poll(&mut w, up());
    assert_eq!(got, ["wg0 1 added", "wg0 2 added", "wg1 4 removed"]);
    // Unreadable at the very first poll: reported, nothing removed.
    let mut w = WgWatcher::new(&WgWatchOptions::new(["wg9"])).unwrap();
    assert_eq!(
        poll(&mut w, vec![gone()]),
        ["wg9 0 unavailable Some(Errno(ENODEV))"]
    );
}

#[test]
fn arbitrary_bytes_never_panic_the_wireguard_parsers() {
    let mut rng = Rng(13);
    let mut rng2 = Rng(14);
    let d = sample_device(&mut rng2, 4, 3);
    let good = kernel_dump(&d, 30);
    for round in 0..20_000 {
        let mut bytes = good[round % good.len()].clone();
        // Mutate a few bytes, or truncate, or replace entirely.
        match rng.next() % 3 {
            0 => {
                for _ in 0..1 + rng.next() % 4 {
                    let i = (rng.next() as usize) % bytes.len();
                    bytes[i] = rng.next() as u8;
                }
            }
            1 => bytes.truncate((rng.next() as usize) % bytes.len()),
            _ => {
                let n = (rng.next() % 300) as usize;
                bytes = (0..n).map(|_| rng.next() as u8).collect();
            }
        }
        crate::fuzzing::ctrl(&bytes);
        crate::fuzzing::wireguard(&bytes);
        crate::fuzzing::wg_config(&bytes);
    }
}

/// Seeds for the `wireguard` and `wg_config` fuzz targets: a kernel-layout
/// dump with split peers and allowed IPs in one datagram, and a
/// multi-message set request. They are replayed here; with
/// `NLWIRE_WRITE_CORPUS=fuzz/corpus` they are also written there (how
/// `fuzz/corpus/{wireguard,wg_config}/wg-*` were made).
#[test]
fn genl_corpus_seeds() {
    let mut rng = Rng(15);
    let mut d = sample_device(&mut rng, 6, 2);
    d.peers[0].allowed_ips = (0..40).map(|_| rng.allowed_ip()).collect();
    let dump: Vec<u8> = kernel_dump(&d, 30).concat();
    let c = sample_config(&mut rng, 8, 6);
    let mut set = Vec::new();
    let mut buf = vec![0u8; 4096];
    for m in SetDevice::new(FAMILY, LinkRef::Name("wg0"), &c)
        .unwrap()
        .max_len(600)
    {
        let mut w = Writer::new(&mut buf);
        m.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        set.extend_from_slice(&buf[..n]);
    }
    crate::fuzzing::wireguard(&dump);
    crate::fuzzing::wg_config(&set);
    for (target, name, bytes) in [
        ("wireguard", "wg-get-dump", &dump),
        ("wg_config", "wg-set-split", &set),
    ] {
        if let Some(dir) = std::env::var_os("NLWIRE_WRITE_CORPUS") {
            let dir = std::path::Path::new(&dir).join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}
