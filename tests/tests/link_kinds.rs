//! dummy, vlan, vxlan and bond links created by nlwire and read back on a
//! real kernel, compared with `ip -j -d link show`.
//!
//! The host kernel lacks these modules: the test runs inside a Debian
//! kernel booted by `tests/vm/nlwire-vm` (see `.ci/run`). Elsewhere it says
//! it was skipped; inside the VM (`NLWIRE_VM` set) a missing module fails.

use std::collections::BTreeMap;

use nlwire::Errno;
use nlwire::route::{BondMode, GetLinks, LinkKind, LinkRequest, Vxlan};
use nlwire::wire::Attrs;
use nlwire_tests::{TestNs, privileged_or_skip};

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
                id: 42,
                remote: None,
                local: Some("192.0.2.1".parse().unwrap()),
                link: Some(d0),
                port: Some(4789),
            }),
        )
        .unwrap(),
    )
    .unwrap();
    c.request(
        LinkRequest::add(
            "bond0",
            LinkKind::Bond {
                mode: Some(BondMode::ActiveBackup),
            },
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
