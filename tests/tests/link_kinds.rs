//! dummy, vlan, vxlan and bond links created by nlwire and read back on a
//! real kernel, compared with `ip -j -d link show`.
//!
//! The host kernel lacks these modules: the test runs inside a Debian
//! kernel booted by `tests/vm/nlwire-vm` (see `.ci/run`). Elsewhere it says
//! it was skipped; inside the VM (`NLWIRE_VM` set) a missing module fails.

use std::collections::BTreeMap;

use nlwire::Errno;
use nlwire::route::kinds::{
    GRE_CSUM, GRE_SEQ, IP6_TNL_F_ALLOW_LOCAL_REMOTE, IP6_TNL_F_IGN_ENCAP_LIMIT, SIT_ISATAP,
};
use nlwire::route::{
    Bond, BondMode, Geneve, GetLink, GetLinks, KindSettings, Link, LinkKind, LinkRequest,
    MacvlanMode, Tunnel, TunnelKind, Vxlan,
};
use nlwire::wire::Attrs;
use nlwire_tests::{Client, TestNs, per_runtime, privileged_or_skip, say_skipped};

const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
/// `IFLA_VLAN_ID`, `IFLA_VXLAN_ID` and `IFLA_BOND_MODE` are all type 1.
const DATA_ID: u16 = 1;
const IFLA_VXLAN_PORT: u16 = 15;

/// What nlwire reads of a link: kind, lower link, and the first data
/// attribute (VLAN id, VNI, bond mode) plus the VXLAN port.
#[derive(Debug, Default, PartialEq, Eq)]
struct Read {
    index: u32,
    kind: String,
    link: Option<u32>,
    id: Option<u32>,
    port: Option<u16>,
}

fn read_links(c: &mut nlwire_mio::Connection) -> BTreeMap<String, Read> {
    let mut out = BTreeMap::new();
    c.dump_with(GetLinks::new(), |v| {
        let mut r = Read {
            index: v.header.index,
            ..Default::default()
        };
        let mut name = String::new();
        for a in v.raw_attrs() {
            let a = a.unwrap();
            match a.kind() {
                3 => name = a.str().unwrap().to_string(),
                5 => r.link = Some(a.u32().unwrap()),
                IFLA_LINKINFO => {
                    for i in a.nested() {
                        let i = i.unwrap();
                        match i.kind() {
                            IFLA_INFO_KIND => r.kind = i.str().unwrap().to_string(),
                            IFLA_INFO_DATA => {
                                for d in Attrs::new(i.payload()) {
                                    let d = d.unwrap();
                                    match (d.kind(), d.payload().len()) {
                                        (DATA_ID, 1) => r.id = Some(d.u8().unwrap().into()),
                                        (DATA_ID, 2) => r.id = Some(d.u16().unwrap().into()),
                                        (DATA_ID, 4) => r.id = Some(d.u32().unwrap()),
                                        (IFLA_VXLAN_PORT, 2) if r.kind == "vxlan" => {
                                            r.port = Some(d.be16().unwrap())
                                        }
                                        _ => {}
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        out.insert(name, r);
    })
    .unwrap();
    out
}

#[test]
fn dummy_vlan_vxlan_bond_match_ip() {
    let test = "link_kinds::dummy_vlan_vxlan_bond_match_ip";
    if !privileged_or_skip(test) {
        return;
    }
    let ns = TestNs::create();
    let mut c = nlwire_mio::Connection::new_in_netns(ns.path()).unwrap();
    match c.request(LinkRequest::add("d0", LinkKind::Dummy).unwrap()) {
        Ok(()) => {}
        Err(e) if e.errno() == Some(Errno::EOPNOTSUPP) => {
            if let Some(vm) = nlwire_tests::vm_kernel() {
                panic!("{test}: the VM kernel {vm} cannot create a dummy link: {e}");
            }
            nlwire_tests::say_skipped(
                test,
                "this kernel has no dummy/8021q/vxlan/bonding modules; it runs in the VM harness \
                 (tests/vm/nlwire-vm, run by .ci/run)",
            );
            return;
        }
        Err(e) => panic!("{e}"),
    }
    let d0 = read_links(&mut c)["d0"].index;
    c.request(LinkRequest::add("d0.100", LinkKind::Vlan { link: d0, id: 100 }).unwrap())
        .unwrap();
    c.request(
        LinkRequest::add(
            "vx42",
            LinkKind::Vxlan(Vxlan {
                local: Some("192.0.2.1".parse().unwrap()),
                link: Some(d0),
                port: Some(4789),
                ..Vxlan::new(42)
            }),
        )
        .unwrap(),
    )
    .unwrap();
    c.request(
        LinkRequest::add(
            "bond0",
            LinkKind::Bond(Bond {
                mode: Some(BondMode::ActiveBackup),
                ..Bond::default()
            }),
        )
        .unwrap(),
    )
    .unwrap();
    // `numdummies=0` kept the module from adding dummy0 (and
    // `max_bonds=0` from adding the bond0 just created by us).
    let ours = read_links(&mut c);
    assert!(!ours.contains_key("dummy0"), "dummy0 was auto-created");

    for (name, kind) in [
        ("d0", "dummy"),
        ("d0.100", "vlan"),
        ("vx42", "vxlan"),
        ("bond0", "bond"),
    ] {
        let j = ns.ip_json(&["-d", "link", "show", "dev", name]);
        let ip = &j[0];
        let r = &ours[name];
        assert_eq!(r.kind, kind, "{name}");
        assert_eq!(ip["linkinfo"]["info_kind"], kind, "{name}");
        assert_eq!(ip["ifindex"], r.index, "{name}");
        let data = &ip["linkinfo"]["info_data"];
        match kind {
            "vlan" => {
                assert_eq!(r.id, Some(100));
                assert_eq!(data["id"], 100);
                assert_eq!(data["protocol"], "802.1Q");
                assert_eq!(r.link, Some(d0));
                assert_eq!(ip["link"], "d0");
            }
            "vxlan" => {
                assert_eq!(r.id, Some(42));
                assert_eq!(data["id"], 42);
                assert_eq!(r.port, Some(4789));
                assert_eq!(data["port"], 4789);
                assert_eq!(data["local"], "192.0.2.1");
                assert_eq!(data["link"], "d0");
            }
            "bond" => {
                assert_eq!(r.id, Some(BondMode::ActiveBackup as u32));
                assert_eq!(data["mode"], "active-backup");
            }
            _ => {}
        }
    }
}

/// Whether this kernel makes links of `kind` (probed with ip in a
/// namespace of its own); inside the VM harness a missing kind fails.
fn kernel_has(test: &str, kind: &str, args: &[&str]) -> bool {
    let probe = TestNs::create();
    probe.ip(&["link", "add", "u0", "type", "veth", "peer", "name", "u1"]);
    let mut a = vec!["-n", probe.name(), "link", "add"];
    if kind == "macvtap" {
        a.extend(["link", "u0"]);
    }
    a.extend(["p0", "type", kind]);
    a.extend_from_slice(args);
    let ok = std::process::Command::new("ip")
        .args(&a)
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if let Some(vm) = nlwire_tests::vm_kernel() {
            panic!("{test}: the VM kernel {vm} cannot create a {kind} link");
        }
    }
    ok
}

/// `read`, with every setting `given` names put over it: what the kernel
/// must report for a link created with `given` (the kernel reports every
/// setting; those not given keep its defaults).
macro_rules! over {
    ($read:expr, $given:expr; opt: $($o:ident),*; flag: $($f:ident),*) => {{
        let mut e = $read;
        $(if $given.$o.is_some() { e.$o = $given.$o; })*
        $(if $given.$f { e.$f = true; })*
        e
    }};
}

/// Tunnels, GENEVE, VXLAN, VRF, macvtap and bonds created with their
/// settings through the connection, read back through it
/// (`Link::kind_settings`) with every given setting as given, and seen by
/// `ip -d -j link show`; a bond changed with `kind_settings`; a tunnel
/// change refused before anything is sent. Kinds this kernel lacks are
/// skipped on the host (named) and fail in the VM.
fn kinds_with_settings_round_trip(c: &mut dyn Client, ns: &TestNs) {
    let test = "link_kinds::kinds_with_settings_round_trip";
    ns.ip_batch(
        "link add u0 type veth peer name u1\n\
         addr add 192.0.2.1/24 dev u0\n\
         link set u0 up\nlink set u1 up\n",
    );
    let u0 = c.get_link(&GetLink::by_name("u0").unwrap()).unwrap().index;
    let mut skipped = Vec::new();
    let read = |c: &mut dyn Client, name: &str| -> (Link, KindSettings<'static>) {
        let l = c.get_link(&GetLink::by_name(name).unwrap()).unwrap();
        let s = match l.kind_settings() {
            Some(Ok(KindSettings::Tunnel(t))) => KindSettings::Tunnel(t),
            Some(Ok(KindSettings::Geneve(g))) => KindSettings::Geneve(g),
            Some(Ok(KindSettings::Vxlan(v))) => KindSettings::Vxlan(v),
            Some(Ok(KindSettings::Bond(b))) => KindSettings::Bond(b),
            Some(Ok(KindSettings::Vrf { table })) => KindSettings::Vrf { table },
            other => panic!("{name}: kind settings {other:?}"),
        };
        (l, s)
    };

    let tunnels = [
        Tunnel {
            local: Some("192.0.2.1".parse().unwrap()),
            remote: Some("198.51.100.2".parse().unwrap()),
            ttl: Some(64),
            tos: Some(0x10),
            ikey: Some(7),
            okey: Some(0x0102_0304),
            iflags: GRE_SEQ,
            oflags: GRE_CSUM,
            link: Some(u0),
            fwmark: Some(3),
            ..Tunnel::new(TunnelKind::Gre)
        },
        Tunnel {
            remote: Some("198.51.100.3".parse().unwrap()),
            pmtudisc: Some(false),
            ignore_df: Some(true),
            ..Tunnel::new(TunnelKind::Gretap)
        },
        Tunnel {
            local: Some("2001:db8::1".parse().unwrap()),
            remote: Some("2001:db8::2".parse().unwrap()),
            ttl: Some(10),
            encap_limit: Some(2),
            flowinfo: Some(0x0200_1234),
            flags: Some(IP6_TNL_F_ALLOW_LOCAL_REMOTE),
            ikey: Some(9),
            ..Tunnel::new(TunnelKind::Ip6gre)
        },
        Tunnel {
            remote: Some("2001:db8::3".parse().unwrap()),
            ..Tunnel::new(TunnelKind::Ip6gretap)
        },
        Tunnel {
            remote: Some("198.51.100.5".parse().unwrap()),
            ttl: Some(32),
            proto: Some(4),
            ..Tunnel::new(TunnelKind::Ipip)
        },
        Tunnel {
            local: Some("192.0.2.1".parse().unwrap()),
            flags: Some(SIT_ISATAP),
            proto: Some(41),
            ..Tunnel::new(TunnelKind::Sit)
        },
        Tunnel {
            remote: Some("2001:db8::4".parse().unwrap()),
            proto: Some(0),
            flags: Some(IP6_TNL_F_IGN_ENCAP_LIMIT),
            ..Tunnel::new(TunnelKind::Ip6tnl)
        },
        Tunnel {
            external: true,
            ..Tunnel::new(TunnelKind::Gre)
        },
    ];
    for (i, t) in tunnels.iter().enumerate() {
        let kind = t.kind.name();
        if !kernel_has(test, kind, &[]) {
            if !skipped.contains(&kind) {
                skipped.push(kind);
            }
            continue;
        }
        let name = format!("t{i}");
        c.request(&LinkRequest::add(&name, LinkKind::Tunnel(*t)).unwrap())
            .unwrap();
        let (l, s) = read(c, &name);
        assert_eq!(l.kind.as_deref(), Some(kind));
        let KindSettings::Tunnel(mut r) = s else {
            panic!("{name}: {s:?}")
        };
        // The kernel adds its capability bits (IP6_TNL_F_CAP_*, from
        // 0x10000) to the IPv6 kinds' flags.
        if t.kind.is_ipv6() {
            r.flags = r.flags.map(|f| f & 0xffff);
        }
        let want = over!(r, t; opt: local, remote, link, ttl, tos, pmtudisc, ignore_df, ikey,
            okey, encap_limit, flowinfo, flags, proto, encap, fwmark; flag: external);
        assert_eq!(r, want, "{name}: read back (left), given over it (right)");
        assert_eq!(r.iflags, t.iflags, "{name}");
        assert_eq!(r.oflags, t.oflags, "{name}");
        let j = ns.ip_json(&["-d", "link", "show", "dev", &name]);
        assert_eq!(j[0]["linkinfo"]["info_kind"], kind);
        if let Some(rm) = t.remote {
            assert_eq!(j[0]["linkinfo"]["info_data"]["remote"], rm.to_string());
        }
    }
    // A tunnel's change would reset what it does not name: refused here.
    assert!(
        LinkRequest::set(u0)
            .unwrap()
            .kind_settings(LinkKind::Tunnel(Tunnel::new(TunnelKind::Gre)))
            .is_err()
    );

    if kernel_has(test, "geneve", &["id", "1", "remote", "192.0.2.9"]) {
        let g = Geneve {
            remote: Some("2001:db8::7".parse().unwrap()),
            ttl_inherit: true,
            label: Some(0x123),
            df: Some(1),
            port: Some(6082),
            udp6_zero_csum_tx: Some(true),
            ..Geneve::new(10)
        };
        c.request(&LinkRequest::add("gn0", LinkKind::Geneve(g)).unwrap())
            .unwrap();
        let KindSettings::Geneve(r) = read(c, "gn0").1 else {
            panic!("gn0")
        };
        let want = over!(r, g; opt: id, remote, ttl, tos, df, label, port, udp_csum,
            udp6_zero_csum_tx, udp6_zero_csum_rx; flag: ttl_inherit, external, inner_proto_inherit);
        assert_eq!(r, want);
        let j = ns.ip_json(&["-d", "link", "show", "dev", "gn0"]);
        assert_eq!(j[0]["linkinfo"]["info_data"]["id"], 10);
        assert_eq!(j[0]["linkinfo"]["info_data"]["port"], 6082);
    } else {
        skipped.push("geneve");
    }

    if kernel_has(test, "vxlan", &["id", "1", "dstport", "0"]) {
        let v = Vxlan {
            local: Some("192.0.2.1".parse().unwrap()),
            link: Some(u0),
            port: Some(4789),
            port_range: Some((1000, 2000)),
            ttl: Some(9),
            tos: Some(1),
            df: Some(2),
            learning: Some(false),
            proxy: Some(true),
            l2miss: Some(true),
            ageing: Some(100),
            limit: Some(10),
            udp_csum: Some(false),
            gbp: true,
            ..Vxlan::new(42)
        };
        c.request(&LinkRequest::add("vx0", LinkKind::Vxlan(v)).unwrap())
            .unwrap();
        let KindSettings::Vxlan(r) = read(c, "vx0").1 else {
            panic!("vx0")
        };
        let want = over!(r, v; opt: id, remote, local, link, port, port_range, ttl, tos, df,
            label, learning, proxy, rsc, l2miss, l3miss, ageing, limit, udp_csum,
            udp6_zero_csum_tx, udp6_zero_csum_rx, remcsum_tx, remcsum_rx, external, vnifilter;
            flag: ttl_inherit, gbp, gpe);
        assert_eq!(r, want);
        let j = ns.ip_json(&["-d", "link", "show", "dev", "vx0"]);
        assert_eq!(j[0]["linkinfo"]["info_data"]["ageing"], 100);
        assert_eq!(j[0]["linkinfo"]["info_data"]["learning"], false);
    } else {
        skipped.push("vxlan");
    }

    if kernel_has(test, "vrf", &["table", "10"]) {
        c.request(&LinkRequest::add("vr0", LinkKind::Vrf { table: 100 }).unwrap())
            .unwrap();
        assert_eq!(read(c, "vr0").1, KindSettings::Vrf { table: 100 });
        let e = c
            .request(&LinkRequest::add("vr1", LinkKind::Named("vrf")).unwrap())
            .unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EINVAL), "a VRF without a table: {e}");
    } else {
        skipped.push("vrf");
    }

    if kernel_has(test, "macvtap", &[]) {
        let k = LinkKind::Macvtap {
            link: u0,
            mode: MacvlanMode::Bridge,
        };
        c.request(&LinkRequest::add("mt0", k).unwrap()).unwrap();
        let l = c.get_link(&GetLink::by_name("mt0").unwrap()).unwrap();
        assert_eq!((l.kind.as_deref(), l.link), (Some("macvtap"), Some(u0)));
        let j = ns.ip_json(&["-d", "link", "show", "dev", "mt0"]);
        assert_eq!(j[0]["linkinfo"]["info_data"]["mode"], "bridge");
    } else {
        skipped.push("macvtap");
    }

    if kernel_has(test, "bond", &[]) {
        let targets = ["192.0.2.7".parse().unwrap(), "192.0.2.8".parse().unwrap()];
        let b = Bond {
            mode: Some(BondMode::BalanceXor),
            arp_interval: Some(1000),
            arp_ip_target: Some(&targets),
            arp_validate: Some(3),
            xmit_hash_policy: Some(1),
            min_links: Some(1),
            ..Bond::default()
        };
        c.request(&LinkRequest::add("bd0", LinkKind::Bond(b)).unwrap())
            .unwrap();
        let KindSettings::Bond(r) = read(c, "bd0").1 else {
            panic!("bd0")
        };
        assert_eq!(r.mode, Some(BondMode::BalanceXor));
        assert_eq!(
            (
                r.arp_interval,
                r.arp_validate,
                r.xmit_hash_policy,
                r.min_links
            ),
            (Some(1000), Some(3), Some(1), Some(1))
        );
        let j = ns.ip_json(&["-d", "link", "show", "dev", "bd0"]);
        assert_eq!(
            j[0]["linkinfo"]["info_data"]["arp_ip_target"],
            serde_json::json!(["192.0.2.7", "192.0.2.8"])
        );
        // A change keeps what it does not name.
        let more = Bond {
            arp_interval: Some(2000),
            ..Bond::default()
        };
        let idx = c.get_link(&GetLink::by_name("bd0").unwrap()).unwrap().index;
        c.request(
            &LinkRequest::set(idx)
                .unwrap()
                .kind_settings(LinkKind::Bond(more))
                .unwrap(),
        )
        .unwrap();
        let KindSettings::Bond(r2) = read(c, "bd0").1 else {
            panic!("bd0")
        };
        assert_eq!(r2.arp_interval, Some(2000));
        assert_eq!(
            Bond {
                arp_interval: r.arp_interval,
                ..r2
            },
            r
        );
    } else {
        skipped.push("bond");
    }
    if !skipped.is_empty() {
        say_skipped(
            test,
            &format!(
                "this kernel cannot create {} links; they run in the VM harness \
                 (tests/vm/nlwire-vm, run by .ci/run)",
                skipped.join(", ")
            ),
        );
    }
}

/// The everyday ops for these kinds: a bridge, a port's settings, a VRF
/// (where the kernel has it); a bad setting is an error that names the
/// link and sends nothing.
fn ops_for_bridges_and_vrfs(c: &mut dyn Client, ns: &TestNs) {
    use nlwire::ops;
    use nlwire::route::BridgePort;
    c.exec(&mut ops::create_bridge("br0").unwrap()).unwrap();
    c.exec(&mut ops::create_veth("v0", "v1").unwrap()).unwrap();
    c.exec(&mut ops::set_master("v0", "br0").unwrap()).unwrap();
    let port = BridgePort {
        cost: Some(7),
        learning: Some(false),
        hairpin: Some(true),
        ..BridgePort::default()
    };
    c.exec(&mut ops::set_bridge_port("v0", port).unwrap())
        .unwrap();
    let j = ns.ip_json(&["-d", "link", "show", "dev", "v0"]);
    let data = &j[0]["linkinfo"]["info_slave_data"];
    assert_eq!(
        (&data["cost"], &data["learning"], &data["hairpin"]),
        (
            &serde_json::json!(7),
            &serde_json::json!(false),
            &serde_json::json!(true)
        )
    );
    // The same through the connection's own reading.
    let l = c.get_link(&GetLink::by_name("v0").unwrap()).unwrap();
    let Some(Ok(nlwire::route::PortSettings::Bridge(p))) = l.port_settings() else {
        panic!("v0's port settings: {:?}", l.port_settings())
    };
    assert_eq!(
        (p.cost, p.learning, p.hairpin),
        (Some(7), Some(false), Some(true))
    );
    let e = ops::create_link("vx0", LinkKind::Vxlan(Vxlan::new(1 << 24))).unwrap_err();
    assert!(e.to_string().contains("create vxlan link \"vx0\""), "{e}");
    if kernel_has(
        "link_kinds::ops_for_bridges_and_vrfs",
        "vrf",
        &["table", "10"],
    ) {
        c.exec(&mut ops::create_vrf("vr0", 100).unwrap()).unwrap();
        c.exec(&mut ops::set_master("v1", "vr0").unwrap()).unwrap();
        let j = ns.ip_json(&["-d", "link", "show", "dev", "v1"]);
        assert_eq!(j[0]["linkinfo"]["info_slave_data"]["table"], 100);
    }
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        kinds_with_settings_round_trip,
        ops_for_bridges_and_vrfs,
    ],
}
