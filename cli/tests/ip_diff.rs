//! `nlw -j` against `ip -j` in a namespace populated by `ip`: the keys the
//! spine promises must agree, list for list.

use std::process::Command;

mod common;
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

const ADDR_KEYS: &[&str] = &[
    "ifindex",
    "ifname",
    "flags",
    "mtu",
    "operstate",
    "group",
    "address",
    "link",
    "master",
    "addr_info",
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

/// Runs `nlw -n NS args…`; returns (exit code, stdout, stderr).
fn nlw_raw(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["-n", ns.name()];
    all.extend_from_slice(args);
    common::nlw(&all)
}

/// Runs `nlw -n NS args…` and requires success.
fn nlw_ok(ns: &TestNs, args: &[&str]) {
    let (code, _, err) = nlw_raw(ns, args);
    assert_eq!(code, 0, "nlw {args:?}: {err}");
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
    let mut v = serde_json::from_slice(&out.stdout).expect("nlw prints JSON");
    common::as_this_ip_prints_json(&mut v);
    v
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
    // veth0 is up with its peer down: the kernel's link watcher will mark
    // it LOWERLAYERDOWN, and on that carrier event flush its
    // non-permanent neighbours. br0 is up with its only port down: the
    // watcher will turn its carrier off (NO-CARRIER, state DOWN). Wait
    // for both, so that no test sees either happen between two readings
    // (both seen on a slow VM).
    ns.wait_for_state("veth0", "state LOWERLAYERDOWN");
    ns.wait_for_state("br0", "state DOWN");
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
        (&["addr", "show"], ADDR_KEYS),
        (&["addr", "show", "dev", "veth0"], ADDR_KEYS),
        (&["-6", "addr", "show"], ADDR_KEYS),
    ];
    for (args, keys) in cases {
        // The kernel changes state on its own for a while after links come
        // up (the carrier event is processed later, IPv6 autoconfiguration
        // then adds routes); on a slow machine that spans the two runs. So
        // nlw's reading is compared with `ip`'s only when `ip` read the
        // same before and after it.
        let mut compared = false;
        for _ in 0..20 {
            let before = project(&ns.ip_json(args), keys);
            let ours = project(&nlw(&ns, args), keys);
            if project(&ns.ip_json(args), keys) != before {
                std::thread::sleep(std::time::Duration::from_millis(200));
                continue;
            }
            assert!(!before.is_empty(), "{args:?}: ip printed nothing");
            assert_eq!(ours, before, "nlw -j {args:?} differs from ip -j");
            compared = true;
            break;
        }
        assert!(compared, "{args:?}: the kernel's state never stood still");
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

#[test]
fn addr_show_text_is_ip_text() {
    if !privileged_or_skip("nlw ip_diff::addr_show_text_is_ip_text") {
        return;
    }
    let ns = TestNs::create();
    populate(&ns);
    ns.ip(&[
        "addr",
        "add",
        "198.51.100.1",
        "peer",
        "198.51.100.2",
        "dev",
        "veth0",
    ]);
    ns.ip(&[
        "addr",
        "add",
        "203.0.113.1/24",
        "valid_lft",
        "100",
        "preferred_lft",
        "100",
        "noprefixroute",
        "label",
        "veth0:x",
        "dev",
        "veth0",
    ]);
    let (code, ours, err) = nlw_raw(&ns, &["addr", "show", "dev", "veth0"]);
    assert_eq!(code, 0, "{err}");
    let theirs = ns.ip(&["addr", "show", "dev", "veth0"]);
    // Lifetimes count down: compare everything else line by line.
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                if l.trim_start().starts_with("valid_lft") && !l.contains("forever") {
                    "valid_lft <counting>".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect()
    };
    assert_eq!(
        strip(&common::as_this_ip_prints_text(&ours)),
        strip(&theirs)
    );
}

/// Everything written with `nlw` in ip's syntax reads back right in
/// `ip -j`.
#[test]
fn nlw_writes_what_ip_reads() {
    if !privileged_or_skip("nlw ip_diff::nlw_writes_what_ip_reads") {
        return;
    }
    let ns = TestNs::create();
    let other = TestNs::create();
    nlw_ok(
        &ns,
        &["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    );
    nlw_ok(&ns, &["link", "add", "br0", "type", "bridge"]);
    nlw_ok(
        &ns,
        &[
            "link", "add", "link", "v0", "name", "mv0", "type", "macvlan", "mode", "private",
        ],
    );
    nlw_ok(&ns, &["link", "set", "v1", "master", "br0"]);
    nlw_ok(
        &ns,
        &[
            "link",
            "set",
            "dev",
            "v0",
            "up",
            "mtu",
            "1400",
            "address",
            "02:00:00:00:00:07",
        ],
    );
    nlw_ok(&ns, &["link", "set", "v1", "up"]);
    let j = ns.ip_json(&["-d", "link", "show", "dev", "v0"]);
    assert_eq!(j[0]["mtu"], 1400, "{j}");
    assert_eq!(j[0]["address"], "02:00:00:00:00:07", "{j}");
    assert_eq!(
        ns.ip_json(&["link", "show", "dev", "v1"])[0]["master"],
        "br0"
    );
    let j = ns.ip_json(&["-d", "link", "show", "dev", "mv0"]);
    assert_eq!(j[0]["linkinfo"]["info_data"]["mode"], "private", "{j}");

    nlw_ok(
        &ns,
        &[
            "addr",
            "add",
            "192.0.2.1/24",
            "brd",
            "192.0.2.255",
            "label",
            "v0:a",
            "dev",
            "v0",
        ],
    );
    nlw_ok(
        &ns,
        &["addr", "add", "2001:db8::1/64", "nodad", "dev", "v0"],
    );
    nlw_ok(
        &ns,
        &[
            "addr",
            "add",
            "198.51.100.1",
            "peer",
            "198.51.100.2/32",
            "dev",
            "v0",
        ],
    );
    let a = ns.ip_json(&["addr", "show", "dev", "v0"]);
    let info = a[0]["addr_info"].as_array().unwrap();
    assert!(
        info.iter().any(|x| x["local"] == "192.0.2.1"
            && x["label"] == "v0:a"
            && x["broadcast"] == "192.0.2.255"),
        "{a}"
    );
    assert!(
        info.iter()
            .any(|x| x["local"] == "2001:db8::1" && x["nodad"] == true),
        "{a}"
    );
    assert!(
        info.iter()
            .any(|x| x["local"] == "198.51.100.1" && x["address"] == "198.51.100.2"),
        "{a}"
    );

    nlw_ok(
        &ns,
        &[
            "route",
            "add",
            "203.0.113.0/26",
            "via",
            "192.0.2.254",
            "metric",
            "7",
            "table",
            "100",
            "proto",
            "static",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "route",
            "add",
            "203.0.113.64/26",
            "nexthop",
            "via",
            "192.0.2.2",
            "weight",
            "2",
            "nexthop",
            "via",
            "192.0.2.3",
        ],
    );
    nlw_ok(&ns, &["route", "add", "unreachable", "203.0.113.128/26"]);
    nlw_ok(
        &ns,
        &[
            "-6",
            "route",
            "add",
            "2001:db8:5::/48",
            "via",
            "2001:db8::9",
            "dev",
            "v0",
            "onlink",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "route",
            "replace",
            "default",
            "via",
            "192.0.2.254",
            "dev",
            "v0",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "route",
            "append",
            "198.51.100.128/25",
            "dev",
            "v0",
            "metric",
            "1",
        ],
    );
    let r = ns.ip_json(&["route", "show", "table", "100"]);
    assert_eq!(
        (
            r[0]["dst"].as_str(),
            r[0]["metric"].as_u64(),
            r[0]["protocol"].as_str()
        ),
        (Some("203.0.113.0/26"), Some(7), Some("static")),
        "{r}"
    );
    let r = ns.ip_json(&["route", "show", "203.0.113.64/26"]);
    assert_eq!(r[0]["nexthops"][0]["weight"], 2, "{r}");
    let r = ns.ip_json(&["route", "show", "203.0.113.128/26"]);
    assert_eq!(r[0]["type"], "unreachable", "{r}");
    let r = ns.ip_json(&["route", "show", "default"]);
    assert_eq!(r[0]["gateway"], "192.0.2.254", "{r}");
    let r = ns.ip_json(&["-6", "route", "show", "2001:db8:5::/48"]);
    assert!(r[0]["flags"].to_string().contains("onlink"), "{r}");
    // route get agrees with ip's.
    let ours = nlw(&ns, &["route", "get", "203.0.113.200"]);
    assert_eq!(ours[0]["dev"], "v0", "{ours}");
    let ours = nlw(&ns, &["route", "get", "192.0.2.77"]);
    let theirs = ns.ip_json(&["route", "get", "192.0.2.77"]);
    for k in ["dst", "dev", "prefsrc"] {
        assert_eq!(ours[0][k], theirs[0][k], "{k}: {ours} vs {theirs}");
    }

    nlw_ok(&ns, &["route", "del", "203.0.113.0/26", "table", "100"]);
    assert!(
        ns.ip_json(&["route", "show", "table", "100"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    nlw_ok(&ns, &["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    nlw_ok(&ns, &["addr", "flush", "dev", "v0"]);
    let a = ns.ip_json(&["addr", "show", "dev", "v0"]);
    assert!(
        a[0]["addr_info"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["family"] == "inet6" && x["scope"] == "link"),
        "{a}"
    );
    // Move into another namespace and rename in one request.
    nlw_ok(&ns, &["link", "set", "v1", "nomaster"]);
    nlw_ok(&ns, &["link", "set", "v1", "down"]);
    nlw_ok(
        &ns,
        &["link", "set", "v1", "netns", other.name(), "name", "eth0"],
    );
    assert_eq!(
        other.ip_json(&["link", "show", "dev", "eth0"])[0]["ifname"],
        "eth0"
    );
    nlw_ok(&ns, &["link", "del", "br0"]);
    nlw_ok(&ns, &["link", "del", "dev", "mv0"]);
    let names: Vec<String> = ns
        .ip_json(&["link", "show"])
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ifname"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["lo", "v0"]);
}

/// Bad input: a clear error, exit code 1, and nothing changed.
#[test]
fn bad_input_changes_nothing() {
    if !privileged_or_skip("nlw ip_diff::bad_input_changes_nothing") {
        return;
    }
    let ns = TestNs::create();
    populate(&ns);
    let before = (
        ns.ip(&["link", "show"]),
        ns.ip(&["addr", "show"]),
        ns.ip(&["route", "show", "table", "all"]),
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["link", "add", "a-name-of-16-byt", "type", "bridge"],
            "Attribute failed policy validation",
        ),
        (
            &["link", "add", "a/b", "type", "bridge"],
            "not a valid ifname",
        ),
        (
            &["link", "add", "a b", "type", "bridge"],
            "not a valid ifname",
        ),
        (
            &["addr", "add", "192.0.2.7/33", "dev", "veth0"],
            "any valid prefix is expected rather than \"192.0.2.7/33\"",
        ),
        (
            &["addr", "add", "2001:db8::7/129", "dev", "veth0"],
            "any valid prefix is expected rather than \"2001:db8::7/129\"",
        ),
        (
            &["route", "add", "198.51.100.0/24", "via", "2001:db8::1"],
            "inet address is expected rather than \"2001:db8::1\"",
        ),
        (
            &[
                "route",
                "add",
                "198.51.100.0/24",
                "dev",
                "veth0",
                "table",
                "no-such-table",
            ],
            "\"table\" value is invalid",
        ),
        (
            &[
                "route",
                "add",
                "198.51.100.0/24",
                "src",
                "2001:db8::1",
                "dev",
                "veth0",
            ],
            "inet address is expected rather than \"2001:db8::1\"",
        ),
        (
            &["addr", "add", "192.0.2.7/24", "dev", "nosuch0"],
            "Cannot find device",
        ),
    ];
    for (args, want) in cases {
        let (code, _, err) = nlw_raw(&ns, args);
        let ip = Command::new("ip")
            .args(["-n", ns.name()])
            .args(*args)
            .output()
            .expect("run ip");
        assert_eq!(code, ip.status.code().unwrap_or(-1), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let after = (
        ns.ip(&["link", "show"]),
        ns.ip(&["addr", "show"]),
        ns.ip(&["route", "show", "table", "all"]),
    );
    assert_eq!(before, after);
}

/// `-batch`: ip's batch syntax through the batch API, per-line errors.
#[test]
fn batch_file_installs_and_reports_lines() {
    if !privileged_or_skip("nlw ip_diff::batch_file_installs_and_reports_lines") {
        return;
    }
    let ns = TestNs::create();
    let mut text =
        String::from("link add b0 type veth peer name b1\nlink set b0 up\n# a comment\n\n");
    for i in 0..2000u32 {
        text.push_str(&format!(
            "route add 2001:db8:7:{i:x}::/64 dev b0 table 50\n"
        ));
        if i == 1500 {
            text.push_str("route add 2001:db8:7:0::/64 dev b0 table 50\n"); // duplicate
        }
    }
    let path = std::env::temp_dir().join(format!("{}-nlw.batch", ns.name()));
    std::fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    let (code, _, err) = nlw_raw(&ns, &["-force", "-batch", p]);
    assert_eq!(code, 1, "{err}");
    // The duplicate is line 4 + 1501 + 1 = 1506.
    assert!(err.contains(&format!("Command failed {p}:1506")), "{err}");
    assert!(err.contains("EEXIST"), "{err}");
    assert_eq!(err.matches("Command failed").count(), 1, "{err}");
    let n = ns
        .ip(&["-6", "route", "show", "table", "50"])
        .lines()
        .count();
    assert_eq!(n, 2000);
    // Without -force, a failure stops the run: nothing after it is sent.
    std::fs::write(&path, "route add 2001:db8:7:0::/64 dev b0 table 51\nroute add 2001:db8:7:0::/64 dev nosuch table 51\nroute add 2001:db8:7:1::/64 dev b0 table 51\n").unwrap();
    let (code, _, err) = nlw_raw(&ns, &["-batch", p]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("Command failed {p}:2")), "{err}");
    let n = ns
        .ip(&["-6", "route", "show", "table", "51"])
        .lines()
        .count();
    assert_eq!(n, 1, "only the line before the failure ran");
    let _ = std::fs::remove_file(&path);
}

/// `neigh` and `rule`: written with `nlw`, shown by `nlw -j` exactly as
/// `ip -j` shows them.
#[test]
fn neigh_and_rule_agree_with_ip() {
    if !privileged_or_skip("nlw ip_diff::neigh_and_rule_agree_with_ip") {
        return;
    }
    let ns = TestNs::create();
    populate(&ns);
    nlw_ok(
        &ns,
        &[
            "neigh",
            "add",
            "192.0.2.50",
            "lladdr",
            "02:00:00:00:00:50",
            "dev",
            "veth0",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "neigh",
            "replace",
            "2001:db8::50",
            "lladdr",
            "02:00:00:00:00:51",
            "nud",
            "stale",
            "dev",
            "veth0",
        ],
    );
    nlw_ok(
        &ns,
        &["neigh", "add", "proxy", "192.0.2.51", "dev", "veth0"],
    );
    ns.ip(&[
        "neigh",
        "add",
        "192.0.2.52",
        "lladdr",
        "02:00:00:00:00:52",
        "nud",
        "reachable",
        "dev",
        "veth0",
    ]);
    nlw_ok(
        &ns,
        &[
            "rule",
            "add",
            "from",
            "192.0.2.0/24",
            "table",
            "100",
            "priority",
            "1000",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "rule", "add", "fwmark", "0x7/0xff", "iif", "veth0", "lookup", "7", "pref", "1001",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "rule",
            "add",
            "to",
            "198.51.100.0/24",
            "blackhole",
            "priority",
            "1002",
        ],
    );
    nlw_ok(
        &ns,
        &[
            "-6",
            "rule",
            "add",
            "from",
            "2001:db8::/32",
            "table",
            "100",
            "priority",
            "1003",
        ],
    );
    let cases: &[&[&str]] = &[
        &["neigh", "show"],
        &["neigh", "show", "dev", "veth0"],
        &["neigh", "show", "proxy"],
        &["rule", "show"],
        &["-6", "rule", "show"],
    ];
    for args in cases {
        let ours = nlw(&ns, args);
        let theirs = ns.ip_json(args);
        assert!(!theirs.as_array().unwrap().is_empty(), "{args:?}");
        assert_eq!(ours, theirs, "nlw -j {args:?} differs from ip -j");
    }
    nlw_ok(&ns, &["neigh", "del", "192.0.2.50", "dev", "veth0"]);
    nlw_ok(&ns, &["rule", "del", "priority", "1000"]);
    assert!(!ns.ip(&["neigh", "show"]).contains("192.0.2.50 "));
    assert!(!ns.ip(&["rule", "show"]).contains("1000:"));
    let (code, _, err) = nlw_raw(
        &ns,
        &["neigh", "add", "192.0.2.60", "nud", "bogus", "dev", "veth0"],
    );
    // As ip: `invarg`, exit 255.
    assert_eq!(code, 255, "{err}");
    assert!(err.contains("bogus"), "{err}");
}

/// Multipath routes (weights, `onlink`, a next hop via the other family),
/// metrics (locks, times, features, congestion control) and `route get`
/// replies (cache flags, uid): `nlw` prints exactly what `ip` prints, in
/// text and in JSON.
#[test]
fn multipath_metrics_and_route_get_match_ip_exactly() {
    if !privileged_or_skip("nlw ip_diff::multipath_metrics_and_route_get_match_ip_exactly") {
        return;
    }
    let ns = TestNs::create();
    for cmd in [
        "link add va type veth peer name vb",
        "link add vc type veth peer name vd",
        "link set va up",
        "link set vb up",
        "link set vc up",
        "link set vd up",
        "addr add 192.0.2.1/24 dev va",
        "addr add 198.51.100.1/24 dev vc",
        "-6 addr add 2001:db8:1::1/64 dev va nodad",
        "-6 addr add 2001:db8:2::1/64 dev vc nodad",
        "route add 203.0.113.0/25 nexthop via 192.0.2.2 dev va weight 3 \
         nexthop via 198.51.100.2 dev vc onlink",
        "route add 203.0.113.128/25 via 192.0.2.9 mtu 1400 advmss 1360",
        "route add 203.0.113.64/26 via 192.0.2.9 mtu lock 1400 rtt 10ms rttvar 3s \
         window 5000 hoplimit 9 initcwnd 10 quickack 1 rto_min 200ms congctl cubic \
         features ecn",
        "route add 203.0.113.200/32 via inet6 2001:db8:1::2 dev va",
        "route add 203.0.113.201/32 nexthop via inet6 2001:db8:1::2 dev va \
         nexthop via 198.51.100.2 dev vc weight 4",
        "-6 route add 2001:db8:9::/48 nexthop via 2001:db8:1::2 dev va weight 2 \
         nexthop via 2001:db8:2::2 dev vc",
        "-6 route add 2001:db8:8::/48 via 2001:db8:1::2 dev va mtu 1300",
        "route add default via 192.0.2.2",
        "-6 route add default via 2001:db8:1::2",
    ] {
        ns.ip(&cmd.split_whitespace().collect::<Vec<_>>());
    }
    let views: &[&[&str]] = &[
        &["route", "show"],
        &["route", "show", "table", "all"],
        &["-6", "route", "show"],
        &["route", "get", "192.0.2.1"],
        &["route", "get", "192.0.2.255"],
        &["route", "get", "203.0.113.201"],
        &["route", "get", "203.0.113.65"],
        &["-6", "route", "get", "2001:db8:9::1"],
        &["-6", "route", "get", "2001:db8:1::1"],
        &["route", "show", "203.0.113.0/25"],
        &["route", "show", "root", "203.0.113/24"],
        &["route", "show", "to", "match", "203.0.113.130"],
        &["route", "show", "table", "all", "default"],
        &["-6", "route", "show", "root", "2001:db8::/32"],
        &["-4", "route", "show", "all"],
    ];
    for args in views {
        // IPv6 link-local addresses (and their routes) arrive when the
        // kernel's DAD is done, on its own time: compare readings taken
        // while ip's stood still.
        for attempt in 0..50 {
            let before = (ns.ip(args), ns.ip_json(args));
            let (code, ours, err) = nlw_raw(&ns, args);
            assert_eq!(code, 0, "nlw {args:?}: {err}");
            let ours_j = nlw(&ns, args);
            if (ns.ip(args), ns.ip_json(args)) != before && attempt < 49 {
                std::thread::sleep(std::time::Duration::from_millis(200));
                continue;
            }
            assert_eq!(ours, before.0, "nlw {args:?} text differs from ip");
            assert_eq!(ours_j, before.1, "nlw -j {args:?} differs from ip -j");
            break;
        }
    }
    // The multipath route really has two next hops in both outputs.
    let shown = nlw(&ns, &["route", "show", "203.0.113.0/25"]);
    let hops = shown[0]["nexthops"].as_array().expect("nexthops");
    assert_eq!(hops.len(), 2);
    assert_eq!(hops[0]["weight"], 3);
    assert_eq!(hops[1]["flags"][0], "onlink");
}
