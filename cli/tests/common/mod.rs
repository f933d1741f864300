//! Helpers shared by the CLI tests.

use std::process::Command;

/// Runs `nlw args…`; returns (exit code, stdout, stderr).
#[allow(dead_code)]
pub fn nlw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(args)
        .output()
        .expect("run nlw");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `ip -V` version here, as (major, minor).
#[allow(dead_code)]
pub fn ip_version() -> (u32, u32) {
    let out = Command::new("ip").arg("-V").output().expect("run ip -V");
    let s = String::from_utf8_lossy(&out.stdout);
    // "ip utility, iproute2-6.1.0, libbpf 1.1.2" (or "iproute2-v6.1.0").
    let v = s
        .split("iproute2-")
        .nth(1)
        .map(|v| v.trim_start_matches('v'))
        .unwrap_or("0.0");
    let mut it = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// nlw's text output as the `ip` here prints it: nlw prints what current
/// iproute2 prints, and an older ip leaves some of it out (the list is in
/// `cli/IP_DIFFERENCES.md`).
#[allow(dead_code)]
pub fn as_this_ip_prints_text(s: &str) -> String {
    let v = ip_version();
    // iproute2 6.17 added `netns-immutable` to -d.
    let s = if v < (6, 17) {
        s.replace("netns-immutable ", "")
    } else {
        s.to_string()
    };
    // iproute2 6.3 added the IPv4 GSO/GRO sizes to -d.
    let s = if v < (6, 3) {
        drop_words(&s, &["gso_ipv4_max_size", "gro_ipv4_max_size"])
    } else {
        s
    };
    // Bridge and bridge port settings newer iproute2 prints (-d).
    let mut newer: Vec<&str> = Vec::new();
    for (since, words) in BRIDGE_WORDS_SINCE {
        if v < *since {
            newer.extend_from_slice(words);
        }
    }
    let s = if newer.is_empty() {
        s
    } else {
        drop_words(&s, &newer)
    };
    if v >= (6, 4) {
        return s;
    }
    // Before 6.4, -d printed " allmulti N" after " promiscuity N ".
    let s = s
        .replace(" allmulti ", "  allmulti ")
        .replace("   allmulti", "  allmulti");
    let s = s.as_str();
    // iproute2 6.4 added an address's `proto` (IFA_PROTO, kernel 6.3+).
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        match line.find(" proto kernel_") {
            Some(i) if line.contains("    inet") => {
                let from = i + " proto ".len();
                let end = line[from..].find(' ').map_or(line.len(), |j| from + j);
                out.push_str(&line[..i]);
                out.push_str(&line[end..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The `-d` kind settings (`info_data`) and port settings
/// (`info_slave_data`) each iproute2 version began to print, of bridges,
/// bridge ports, bonds and bond ports: JSON key = text word.
const BRIDGE_WORDS_SINCE: &[((u32, u32), &[&str])] = &[
    ((6, 2), &["mab"]),
    ((6, 4), &["neigh_vlan_suppress"]),
    ((6, 6), &["backup_nhid"]),
    ((6, 7), &["fdb_n_learned", "fdb_max_learned"]),
    ((6, 9), &["coupled_control"]),
    ((6, 11), &["mst_enabled"]),
    ((6, 17), &["mdb_offload_fail_notification"]),
    (
        (6, 18),
        &["fdb_local_vlan_0", "broadcast_neighbor", "actor_port_prio"],
    ),
    ((7, 1), &["churn_actor_state", "churn_partner_state"]),
];

/// Removes `WORD VALUE ` pairs from text.
fn drop_words(s: &str, words: &[&str]) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        let mut toks = line.split(' ').peekable();
        let mut kept: Vec<&str> = Vec::new();
        while let Some(t) = toks.next() {
            if words.contains(&t) {
                toks.next();
                continue;
            }
            kept.push(t);
        }
        out.push_str(&kept.join(" "));
    }
    out
}

/// As [`as_this_ip_prints_text`], for `-j` output.
#[allow(dead_code)]
pub fn as_this_ip_prints_json(v: &mut serde_json::Value) {
    let ver = ip_version();
    for link in v.as_array_mut().into_iter().flatten() {
        if let Some(o) = link.as_object_mut() {
            if ver < (6, 17) {
                o.remove("netns-immutable");
            }
            if ver < (6, 3) {
                o.remove("gso_ipv4_max_size");
                o.remove("gro_ipv4_max_size");
            }
            if let Some(li) = o.get_mut("linkinfo").and_then(|l| l.as_object_mut()) {
                for part in ["info_data", "info_slave_data"] {
                    if let Some(d) = li.get_mut(part).and_then(|d| d.as_object_mut()) {
                        for (since, keys) in BRIDGE_WORDS_SINCE {
                            if ver < *since {
                                for k in *keys {
                                    d.remove(*k);
                                }
                            }
                        }
                        if ver < (6, 13) {
                            d.remove("mcast_querier_state_ipv4");
                            d.remove("mcast_querier_state_ipv6");
                        }
                    }
                }
            }
        }
    }
    if ver >= (6, 4) {
        return;
    }
    for link in v.as_array_mut().into_iter().flatten() {
        if let Some(addrs) = link.get_mut("addr_info").and_then(|a| a.as_array_mut()) {
            for a in addrs {
                if let Some(o) = a.as_object_mut() {
                    o.remove("protocol");
                }
            }
        }
    }
}
