//! `route|address|neigh|rule flush` delete exactly what ip's flush deletes:
//! two namespaces set up alike with `ip`, one flushed with `ip`, the other
//! with `nlw`, then compared (state, exit code, and `-s`'s report).

use std::process::Command;

mod common;
use nlwire_tests::{TestNs, privileged_or_skip};

fn run(cmd: &str, ns: &TestNs, args: &[&str]) -> (i32, String) {
    let out = Command::new(cmd)
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const SETUP: &[&str] = &[
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link set v1 up",
    "addr add 192.0.2.1/24 dev v0",
    "addr add 192.0.2.2/24 dev v0",
    "addr add 192.0.2.3/24 dev v0 label v0:x",
    "addr add 198.51.100.1/24 dev v1",
    "addr add 127.0.0.9/8 dev lo",
    "-6 addr add 2001:db8::1/64 dev v0 nodad",
    "route add 203.0.113.0/26 via 192.0.2.9 proto static",
    "route add 203.0.113.64/26 dev v1 metric 5",
    "route add blackhole 203.0.113.128/26",
    "route add 203.0.113.192/26 dev v0 table 100",
    "-6 route add 2001:db8:7::/48 via 2001:db8::9",
    "neigh add 192.0.2.20 lladdr 02:00:00:00:00:20 dev v0 nud stale",
    "neigh add 192.0.2.21 lladdr 02:00:00:00:00:21 dev v0",
    "neigh add 198.51.100.20 lladdr 02:00:00:00:00:22 dev v1 nud reachable",
    "rule add from 192.0.2.0/24 table 100 pref 100",
    "rule add to 203.0.113.0/24 table 100 pref 200",
    "rule add fwmark 7 table 7 pref 300",
];

const READS: &[&str] = &[
    "-j addr show",
    "-j route show table all",
    "-j -6 route show table all",
    "-j neigh show nud all",
    "-j rule show",
    "-j -6 rule show",
];

/// What the reads show, without what differs between two namespaces for
/// reasons of their own: random MAC addresses and the IPv6 link-local
/// addresses made from them, and the link state the kernel reaches on its
/// own time.
fn state(ns: &TestNs) -> Vec<serde_json::Value> {
    READS
        .iter()
        .map(|r| {
            let mut v = ns.ip_json(&r.split(' ').skip(1).collect::<Vec<_>>());
            for o in v.as_array_mut().into_iter().flatten() {
                let Some(o) = o.as_object_mut() else { continue };
                for k in ["address", "broadcast", "flags", "operstate", "lladdr"] {
                    if k != "lladdr"
                        || o.get("dst")
                            .is_some_and(|d| d.as_str().is_some_and(|d| d.starts_with("fe80")))
                    {
                        o.remove(k);
                    }
                }
                if let Some(a) = o.get_mut("addr_info").and_then(|a| a.as_array_mut()) {
                    a.retain(|x| !x["local"].as_str().is_some_and(|l| l.starts_with("fe80")));
                }
            }
            if let Some(list) = v.as_array_mut() {
                // The neighbour table is a hash: its order is its own.
                list.sort_by_key(|o| o.to_string());
                // Neighbour entries the kernel makes by itself (IPv6
                // router solicitations to link-local peers).
                list.retain(|o| {
                    !o["dst"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("fe80") || d.starts_with("ff02"))
                });
            }
            v
        })
        .collect()
}

#[test]
fn flush_deletes_what_ip_deletes() {
    if !privileged_or_skip("nlw flush::flush_deletes_what_ip_deletes") {
        return;
    }
    for flush in [
        "route flush dev v0",
        "route flush table 100",
        "route flush proto static",
        "route flush type blackhole",
        "route flush 203.0.113.0/24",
        "route flush root 203.0.113.0/24",
        "-s route flush table main",
        "-6 route flush table all",
        "route flush",
        "addr flush dev v0",
        "addr flush dev v0 secondary",
        "addr flush dev v0 primary",
        "addr flush label v0:x",
        "addr flush to 192.0.2.0/24",
        "-6 addr flush dev v0",
        "-4 addr flush scope global",
        "-s addr flush dev v1",
        "-s addr flush dev lo scope host",
        "addr flush",
        "addr flush dev nosuch",
        "neigh flush dev v0",
        "neigh flush all",
        "neigh flush nud stale",
        "-s neigh flush dev v1",
        "neigh flush",
        "rule flush",
        "rule flush table 100",
        "rule flush priority 300",
        "-6 rule flush",
    ] {
        let (a, b) = (TestNs::create(), TestNs::create());
        // One `ip -batch` per namespace: a process per line costs a
        // minute and more under the VM harness's emulated CPU. (`-6` is
        // not a batch line's word; the addresses say their family.)
        let setup: Vec<&str> = SETUP.iter().map(|s| s.trim_start_matches("-6 ")).collect();
        for ns in [&a, &b] {
            ns.ip_batch(&setup.join("\n"));
        }
        let args: Vec<&str> = flush.split(' ').collect();
        let theirs = run("ip", &a, &args);
        let ours = run(env!("CARGO_BIN_EXE_nlw"), &b, &args);
        assert_eq!(ours, theirs, "{flush}: nlw (left) and ip (right)");
        let (sa, sb) = (state(&a), state(&b));
        for (i, r) in READS.iter().enumerate() {
            assert_eq!(
                sb[i], sa[i],
                "{flush}: `ip {r}` after nlw (left) and after ip (right)"
            );
        }
    }
}
