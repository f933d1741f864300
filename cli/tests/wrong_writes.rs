//! Regression tests for the writes where `nlw` once told the kernel
//! something other than what `ip` tells it (issue "nlw as a daily
//! driver"). Each case prepares two namespaces alike with `ip`, runs one
//! command with `ip` in the first and with `nlw` in the second, and then
//! requires the same outcome (success or failure) and the same state,
//! read back with `ip -j` in both.

use std::process::Command;

mod common;
use nlwire_tests::{TestNs, privileged_or_skip};
use serde_json::Value;

/// Runs `ip -n NS args…`; returns whether it succeeded.
fn ip_status(ns: &TestNs, args: &[&str]) -> (bool, String) {
    let out = Command::new("ip")
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run ip");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What to read back after a step, with `ip -j`.
const ROUTES: &[&[&str]] = &[
    &["route", "show", "table", "all"],
    &["-6", "route", "show", "table", "all"],
];

/// The state `ip -j` reads in `ns`, without what differs between two
/// namespaces for reasons of their own (ifindex is the same: both are
/// built in the same order).
fn state(ns: &TestNs, reads: &[&[&str]]) -> Vec<Value> {
    reads.iter().map(|r| ns.ip_json(r)).collect()
}

/// One twin run: `setup` with ip in both, `step` with ip in one and nlw
/// in the other; the outcome and the state must be equal.
fn twin(setup: &[&[&str]], step: &[&str], reads: &[&[&str]]) {
    let (a, b) = (TestNs::create(), TestNs::create());
    for s in setup {
        a.ip(s);
        b.ip(s);
    }
    let (ip_ok, ip_err) = ip_status(&a, step);
    let mut args = vec!["-n", b.name()];
    args.extend_from_slice(step);
    let (code, _, nlw_err) = common::nlw(&args);
    assert_eq!(
        code == 0,
        ip_ok,
        "{step:?}: ip {} ({ip_err}), nlw exit {code} ({nlw_err})",
        if ip_ok { "succeeded" } else { "failed" }
    );
    assert_eq!(
        state(&b, reads),
        state(&a, reads),
        "{step:?}: nlw (left) left another state than ip (right)"
    );
}

#[test]
fn family_option_applies_to_default() {
    if !privileged_or_skip("nlw wrong_writes::family_option_applies_to_default") {
        return;
    }
    let both: &[&[&str]] = &[
        &["route", "add", "blackhole", "default"],
        &["-6", "route", "add", "blackhole", "default"],
    ];
    // Delete: only the IPv6 default may go.
    twin(
        both,
        &["-6", "route", "del", "blackhole", "default"],
        ROUTES,
    );
    twin(
        both,
        &["-4", "route", "del", "blackhole", "default"],
        ROUTES,
    );
    twin(both, &["route", "del", "blackhole", "default"], ROUTES);
    // Add: -6 adds the IPv6 one (the IPv4 one is there: ip succeeds).
    twin(
        &[&["route", "add", "blackhole", "default"]],
        &["-6", "route", "add", "blackhole", "default"],
        ROUTES,
    );
    twin(
        &[],
        &[
            "-6",
            "route",
            "add",
            "unreachable",
            "default",
            "metric",
            "7",
        ],
        ROUTES,
    );
    // A prefix of the other family is an error, as in ip.
    twin(
        &[],
        &["-6", "route", "add", "blackhole", "198.51.100.0/24"],
        ROUTES,
    );
}

#[test]
fn local_type_routes_go_to_table_local() {
    if !privileged_or_skip("nlw wrong_writes::local_type_routes_go_to_table_local") {
        return;
    }
    for verb in ["add", "replace", "append", "prepend"] {
        twin(
            &[],
            &["route", verb, "local", "198.51.100.5", "dev", "lo"],
            ROUTES,
        );
    }
    twin(
        &[],
        &["route", "add", "broadcast", "198.51.100.255", "dev", "lo"],
        ROUTES,
    );
    // The follow-on command that failed with EEXIST under nlw.
    twin(
        &[&["route", "add", "local", "198.51.100.5", "dev", "lo"]],
        &["route", "replace", "local", "198.51.100.5", "dev", "lo"],
        ROUTES,
    );
    twin(
        &[&["route", "add", "local", "198.51.100.5", "dev", "lo"]],
        &["route", "del", "local", "198.51.100.5", "dev", "lo"],
        ROUTES,
    );
    // A table given is kept.
    twin(
        &[],
        &[
            "route",
            "add",
            "local",
            "198.51.100.5",
            "dev",
            "lo",
            "table",
            "9",
        ],
        ROUTES,
    );
}

#[test]
fn delete_matches_any_scope() {
    if !privileged_or_skip("nlw wrong_writes::delete_matches_any_scope") {
        return;
    }
    twin(
        &[&[
            "route",
            "add",
            "unreachable",
            "198.51.100.0/24",
            "scope",
            "host",
        ]],
        &["route", "del", "unreachable", "198.51.100.0/24"],
        ROUTES,
    );
    twin(
        &[&[
            "route",
            "add",
            "blackhole",
            "198.51.100.0/24",
            "scope",
            "link",
        ]],
        &["route", "del", "blackhole", "198.51.100.0/24"],
        ROUTES,
    );
    twin(
        &[&[
            "route",
            "add",
            "198.51.100.0/24",
            "dev",
            "lo",
            "scope",
            "host",
        ]],
        &["route", "del", "198.51.100.0/24"],
        ROUTES,
    );
    // A scope given on delete still has to match.
    twin(
        &[&[
            "route",
            "add",
            "blackhole",
            "198.51.100.0/24",
            "scope",
            "link",
        ]],
        &[
            "route",
            "del",
            "blackhole",
            "198.51.100.0/24",
            "scope",
            "host",
        ],
        ROUTES,
    );
}

#[test]
fn broadcast_plus_and_minus() {
    if !privileged_or_skip("nlw wrong_writes::broadcast_plus_and_minus") {
        return;
    }
    let addrs: &[&[&str]] = &[&["addr", "show", "dev", "lo"]];
    for (addr, brd) in [
        ("192.0.2.1/24", "+"),
        ("192.0.2.1/24", "-"),
        ("192.0.2.77/26", "+"),
        ("192.0.2.1/31", "+"),
        ("192.0.2.1/32", "-"),
    ] {
        twin(
            &[],
            &["addr", "add", addr, "broadcast", brd, "dev", "lo"],
            addrs,
        );
    }
    twin(
        &[],
        &[
            "addr",
            "add",
            "192.0.2.1",
            "peer",
            "198.51.100.0/24",
            "brd",
            "+",
            "dev",
            "lo",
        ],
        addrs,
    );
    // A loopback address gets scope host by default, as from ip.
    twin(&[], &["addr", "add", "127.0.0.2/8", "dev", "lo"], addrs);
}

#[test]
fn alias_of_255_bytes_and_removal() {
    if !privileged_or_skip("nlw wrong_writes::alias_of_255_bytes_and_removal") {
        return;
    }
    let links: &[&[&str]] = &[&["link", "show", "dev", "lo"]];
    let long = "a".repeat(255);
    let longer = "a".repeat(256);
    twin(&[], &["link", "set", "lo", "alias", &long], links);
    twin(&[], &["link", "set", "lo", "alias", &longer], links);
    // An empty alias removes it.
    twin(
        &[&["link", "set", "lo", "alias", "x"]],
        &["link", "set", "lo", "alias", ""],
        links,
    );
}

#[test]
fn change_creates_nothing() {
    if !privileged_or_skip("nlw wrong_writes::change_creates_nothing") {
        return;
    }
    twin(
        &[],
        &["route", "change", "203.0.113.0/24", "dev", "lo"],
        ROUTES,
    );
    twin(
        &[&["route", "add", "203.0.113.0/24", "dev", "lo"]],
        &[
            "route",
            "change",
            "203.0.113.0/24",
            "dev",
            "lo",
            "metric",
            "0",
            "mtu",
            "1300",
        ],
        ROUTES,
    );
    let addrs: &[&[&str]] = &[&["addr", "show", "dev", "lo"]];
    twin(&[], &["addr", "change", "192.0.2.1/24", "dev", "lo"], addrs);
    twin(
        &[&["addr", "add", "192.0.2.1/24", "dev", "lo"]],
        &[
            "addr",
            "change",
            "192.0.2.1/24",
            "dev",
            "lo",
            "valid_lft",
            "forever",
        ],
        addrs,
    );
    let neigh: &[&[&str]] = &[&["neigh", "show", "nud", "all"]];
    twin(
        &[&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]],
        &[
            "neigh",
            "change",
            "192.0.2.9",
            "lladdr",
            "02:00:00:00:00:09",
            "dev",
            "v0",
        ],
        neigh,
    );
}

/// `rule show` with a selector prints what ip prints: before the fix
/// every selector was ignored.
#[test]
fn rule_show_filters() {
    if !privileged_or_skip("nlw wrong_writes::rule_show_filters") {
        return;
    }
    let ns = TestNs::create();
    for r in [
        "add fwmark 0/0xff table 100 pref 100",
        "add from 192.0.2.0/24 goto 32766 pref 101",
        "add nop pref 102",
        "add not to 198.51.100.0/24 iif foo0 table 7 pref 103",
        "add goto 555 pref 104",
        "add from 203.0.113.0/25 oif lo prohibit pref 105",
        "add fwmark 0x10 table 100 pref 106",
        "add ipproto 6 dport 443 table 100 pref 107",
        "add uidrange 1000-2000 table 100 pref 108",
    ] {
        ns.ip(&["rule", r].join(" ").split(' ').collect::<Vec<_>>());
    }
    ns.ip(&[
        "-6",
        "rule",
        "add",
        "from",
        "2001:db8::/32",
        "table",
        "100",
        "pref",
        "100",
    ]);
    let selections: &[&[&str]] = &[
        &[],
        &["table", "100"],
        &["lookup", "main"],
        &["priority", "101"],
        &["pref", "0x67"],
        &["from", "192.0.2.0/24"],
        &["from", "192.0.2.0/16"],
        &["from", "192.0.2.0/28"],
        &["to", "198.51.100.0/24"],
        &["not"],
        &["iif", "foo0"],
        &["oif", "lo"],
        &["fwmark", "0x10"],
        &["fwmark", "0/0xff"],
        &["ipproto", "6"],
        &["dport", "443"],
        &["uidrange", "1000-2000"],
        &["table", "100", "priority", "106"],
        &["table", "12345"],
    ];
    for sel in selections {
        for (fam, json) in [
            (None, false),
            (None, true),
            (Some("-6"), false),
            (Some("-6"), true),
        ] {
            let mut args: Vec<&str> = vec!["-n", ns.name()];
            args.extend(fam);
            if json {
                args.push("-j");
            }
            args.extend(["rule", "show"]);
            args.extend_from_slice(sel);
            let ip = Command::new("ip").args(&args).output().expect("run ip");
            let (code, out, err) = common::nlw(&args);
            assert_eq!(
                (code, out.as_str()),
                (
                    ip.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&ip.stdout).as_ref()
                ),
                "{args:?}: nlw (left) and ip (right) differ; nlw said {err}"
            );
        }
    }
    // A selector that is not one is an error, as in ip, not a full list.
    for (sel, code_want, err_want) in [
        (
            "bogus",
            1,
            "Error: inet prefix is expected rather than \"bogus\".\n",
        ),
        (
            "table bogus",
            255,
            "Error: argument \"bogus\" is wrong: table id value is invalid\n\n",
        ),
    ] {
        let mut args = vec!["-n", ns.name(), "rule", "show"];
        args.extend(sel.split(' '));
        let (code, out, err) = common::nlw(&args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (code_want, "", err_want)
        );
    }
}

/// `link add NAME type veth` with no peer name: without `peer` ip sends
/// nothing about the peer (the kernel then gives it the link's own MTU),
/// with `peer OPTIONS` a peer nest without a name; the kernel names the
/// peer `vethN` either way. nlw once refused both, and a garbled `type
/// veth x` got nlw's general usage (exit 255) instead of ip's veth usage
/// (exit 1).
#[test]
fn veth_with_kernel_named_peer() {
    if !privileged_or_skip("nlw wrong_writes::veth_with_kernel_named_peer") {
        return;
    }
    // Names, MTUs, peers, queue lengths and the addresses given (the
    // others are random).
    let links = |ns: &TestNs| -> Vec<(String, u64, String, u64, String)> {
        let v = ns.ip_json(&["link", "show"]);
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
                let addr = s("address");
                (
                    s("ifname"),
                    l["mtu"].as_u64().unwrap_or(0),
                    s("link"),
                    l["txqlen"].as_u64().unwrap_or(0),
                    if addr.starts_with("02:00:00") {
                        addr
                    } else {
                        String::new()
                    },
                )
            })
            .collect()
    };
    for step in [
        "link add d0 mtu 1400 txqueuelen 7 address 02:00:00:00:00:07 type veth",
        "link add d0 mtu 1400 type veth peer",
        "link add d0 type veth peer mtu 1300 address 02:00:00:00:00:09 txqueuelen 9",
        "link add d0 type veth x",
        "link add d0 type veth peer name v9 type veth",
    ] {
        let (a, b) = (TestNs::create(), TestNs::create());
        let step: Vec<&str> = step.split(' ').collect();
        let ip = Command::new("ip")
            .args(["-n", a.name()])
            .args(&step)
            .output()
            .expect("run ip");
        let mut args = vec!["-n", b.name()];
        args.extend_from_slice(&step);
        let (code, _, nlw_err) = common::nlw(&args);
        assert_eq!(
            Some(code),
            ip.status.code(),
            "{step:?}: exit codes (ip said {}, nlw {nlw_err})",
            String::from_utf8_lossy(&ip.stderr)
        );
        assert_eq!(links(&b), links(&a), "{step:?}: nlw (left) and ip (right)");
    }
}

/// `route test` sends `NLM_F_EXCL` alone, as ip does: an existing route is
/// EEXIST, a new IPv4 one ENOENT (nothing added), a new IPv6 one added (the
/// kernel only warns). nlw once refused the command.
#[test]
fn route_test_sends_excl_alone() {
    if !privileged_or_skip("nlw wrong_writes::route_test_sends_excl_alone") {
        return;
    }
    let up: &[&[&str]] = &[&["link", "set", "lo", "up"]];
    twin(
        up,
        &["route", "test", "203.0.113.0/24", "dev", "lo"],
        ROUTES,
    );
    twin(
        &[
            &["link", "set", "lo", "up"],
            &["route", "add", "203.0.113.0/24", "dev", "lo"],
        ],
        &["route", "test", "203.0.113.0/24", "dev", "lo"],
        ROUTES,
    );
    twin(
        up,
        &["-6", "route", "test", "2001:db8:5::/48", "dev", "lo"],
        ROUTES,
    );
}
