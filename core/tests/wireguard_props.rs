//! Property tests for WireGuard: any configuration, split at any message
//! bound, decodes back to itself with every message within the bound; a
//! device read back through a controller-style dump equals what was
//! encoded; arbitrary bytes never panic the generic netlink parsers.

use std::net::{IpAddr, SocketAddr, SocketAddrV6};

use nlwire::LinkRef;
use nlwire::genl::wireguard::{
    AllowedIp, ConfigAssembler, DeviceConfig, Key, PeerConfig, SecretKey, SetDevice,
};
use nlwire::request::Request;
use nlwire::wire::{Messages, Writer};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// `cases` cases; failures are saved to (and replayed first from)
/// `core/proptest-regressions/wireguard_props.txt`, which is committed.
fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/wireguard_props.txt",
        ))),
        ..ProptestConfig::default()
    }
}

fn allowed_ip() -> impl Strategy<Value = AllowedIp> {
    prop_oneof![
        (any::<[u8; 4]>(), 0u8..=32).prop_map(|(a, c)| AllowedIp {
            addr: IpAddr::from(a),
            cidr: c
        }),
        (any::<[u8; 16]>(), 0u8..=128).prop_map(|(a, c)| AllowedIp {
            addr: IpAddr::from(a),
            cidr: c
        }),
    ]
}

fn endpoint() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(a, p)| SocketAddr::from((a, p))),
        (any::<[u8; 16]>(), any::<u16>(), any::<u32>(), any::<u32>())
            .prop_map(|(a, p, f, s)| SocketAddr::V6(SocketAddrV6::new(a.into(), p, f, s))),
    ]
}

fn peer() -> impl Strategy<Value = PeerConfig> {
    (
        any::<[u8; 32]>(),
        any::<[bool; 3]>(),
        proptest::option::of(any::<[u8; 32]>()),
        proptest::option::of(endpoint()),
        proptest::option::of(any::<u16>()),
        proptest::collection::vec(allowed_ip(), 0..60),
    )
        .prop_map(|(k, f, psk, ep, ka, ips)| PeerConfig {
            public_key: Key(k),
            remove: f[0],
            update_only: f[1],
            replace_allowed_ips: f[2],
            preshared_key: psk.map(SecretKey::new),
            endpoint: ep,
            persistent_keepalive: ka,
            allowed_ips: ips,
        })
}

fn config() -> impl Strategy<Value = DeviceConfig> {
    (
        proptest::option::of(any::<[u8; 32]>()),
        proptest::option::of(any::<u16>()),
        proptest::option::of(any::<u32>()),
        any::<bool>(),
        proptest::collection::vec(peer(), 0..25),
    )
        .prop_map(|(k, port, mark, replace, peers)| {
            let mut c = DeviceConfig {
                private_key: k.map(SecretKey::new),
                listen_port: port,
                fwmark: mark,
                replace_peers: replace,
                peers,
            };
            // Two consecutive entries for one key read back as one.
            c.peers.dedup_by(|a, b| a.public_key == b.public_key);
            c
        })
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn set_device_split_round_trips(c in config(), max in 512usize..5000, by_index in any::<bool>()) {
        let link = if by_index { LinkRef::Index(9) } else { LinkRef::Name("wg-prop") };
        let mut buf = vec![0u8; 70_000];
        let mut back = ConfigAssembler::new();
        let mut count = 0;
        for msg in SetDevice::new(0x1d, link, &c).unwrap().max_len(max) {
            let mut w = Writer::new(&mut buf);
            msg.emit(&mut w, 1, 0);
            let n = w.finish().unwrap();
            prop_assert!(n <= max, "{} > {}", n, max);
            let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
            back.push_message(&m).unwrap();
            count += 1;
        }
        prop_assert!(count >= 1);
        prop_assert_eq!(back.finish(), c);
    }

    #[test]
    fn arbitrary_bytes_never_panic_genl(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        nlwire::fuzzing::ctrl(&data);
        nlwire::fuzzing::wireguard(&data);
        nlwire::fuzzing::wg_config(&data);
    }

    #[test]
    fn keys_round_trip_through_base64(k in any::<[u8; 32]>()) {
        let key = Key(k);
        prop_assert_eq!(key.to_string().parse::<Key>().unwrap(), key);
        let s = SecretKey::new(k);
        prop_assert_eq!(SecretKey::from_base64(s.to_base64().as_str()).unwrap(), s);
    }
}
