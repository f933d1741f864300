//! `nlw -j` against `ip -j` in a namespace populated by `ip`: the keys the
//! spine promises must agree, list for list.

use std::process::Command;

use nlwire_tests::{TestNs, privileged_or_skip};
use serde_json::Value;

const LINK_KEYS: &[&str] = &[
    "ifindex",
    "ifname",
    "flags",
    "mtu",
    "operstate",
    "address",
    "link_type",
    "master",
    "link",
    "qdisc",
    "txqlen",
    "broadcast",
];
const ROUTE_KEYS: &[&str] = &[
    "dst", "gateway", "dev", "protocol", "scope", "prefsrc", "metric", "table", "type", "flags",
    "pref",
];

fn project(v: &Value, keys: &[&str]) -> Vec<Vec<(String, Value)>> {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .map(|o| {
            keys.iter()
                .filter_map(|k| o.get(*k).map(|x| (k.to_string(), x.clone())))
                .collect()
        })
        .collect()
}

fn nlw(ns: &TestNs, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(["-n", ns.name(), "-j"])
        .args(args)
        .output()
        .expect("run nlw");
    assert!(
        out.status.success(),
        "nlw {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("nlw prints JSON")
}

fn populate(ns: &TestNs) {
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&[
        "link", "add", "mv0", "link", "veth0", "type", "macvlan", "mode", "bridge",
    ]);
    ns.ip(&["link", "set", "veth1", "master", "br0"]);
    ns.ip(&["link", "set", "veth0", "up"]);
    ns.ip(&["link", "set", "br0", "up", "mtu", "1400"]);
    ns.ip(&["addr", "add", "192.0.2.2/24", "dev", "veth0"]);
    ns.ip(&[
        "-6",
        "addr",
        "add",
        "2001:db8::2/64",
        "dev",
        "veth0",
        "nodad",
    ]);
    ns.ip(&["route", "add", "default", "via", "192.0.2.1"]);
    ns.ip(&[
        "route",
        "add",
        "198.51.100.0/24",
        "dev",
        "veth0",
        "table",
        "100",
        "metric",
        "5",
    ]);
    ns.ip(&["route", "add", "blackhole", "203.0.113.0/24"]);
    ns.ip(&[
        "route",
        "add",
        "unreachable",
        "203.0.113.128/25",
        "table",
        "7",
    ]);
    ns.ip(&[
        "route",
        "add",
        "198.51.100.7",
        "via",
        "192.0.2.9",
        "proto",
        "static",
        "src",
        "192.0.2.2",
    ]);
    ns.ip(&[
        "-6",
        "route",
        "add",
        "2001:db8:1::/48",
        "via",
        "2001:db8::1",
        "metric",
        "77",
    ]);
}

#[test]
fn link_and_route_show_agree_with_ip() {
    if !privileged_or_skip("nlw ip_diff::link_and_route_show_agree_with_ip") {
        return;
    }
    let ns = TestNs::create();
    populate(&ns);
    let cases: &[(&[&str], &[&str])] = &[
        (&["link", "show"], LINK_KEYS),
        (&["link", "show", "br0"], LINK_KEYS),
        (&["route", "show"], ROUTE_KEYS),
        (&["route", "show", "table", "all"], ROUTE_KEYS),
        (&["route", "show", "table", "100"], ROUTE_KEYS),
        (&["route", "show", "table", "local"], ROUTE_KEYS),
        (&["-6", "route", "show"], ROUTE_KEYS),
        (&["-6", "route", "show", "table", "all"], ROUTE_KEYS),
    ];
    for (args, keys) in cases {
        let ours = project(&nlw(&ns, args), keys);
        let ip = project(&ns.ip_json(args), keys);
        assert!(!ip.is_empty(), "{args:?}: ip printed nothing");
        assert_eq!(ours, ip, "nlw -j {args:?} differs from ip -j");
    }
}

#[test]
fn missing_device_is_an_error() {
    if !privileged_or_skip("nlw ip_diff::missing_device_is_an_error") {
        return;
    }
    let ns = TestNs::create();
    let out = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(["-n", ns.name(), "link", "show", "nosuch0"])
        .output()
        .expect("run nlw");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Device \"nosuch0\" does not exist."
    );
    let out = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(["-n", "nlwire-no-such-namespace", "link", "show"])
        .output()
        .expect("run nlw");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Cannot open network namespace"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
