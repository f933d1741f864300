//! Helpers shared by the CLI tests.

use std::process::Command;

use nlwire_tests::TestNs;

/// Runs `nlw args…`; returns (exit code, stdout, stderr). `NLW_BIN` names
/// another binary to run instead (an older build, to show that a test
/// catches what it was written for).
#[allow(dead_code)]
pub fn nlw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(std::env::var("NLW_BIN").unwrap_or(env!("CARGO_BIN_EXE_nlw").into()))
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
    let s = vxlan_as_this_ip(&s, v);
    // iproute2 after 7.1 prints a geneve's `local` (kernels that have
    // IFLA_GENEVE_LOCAL).
    let s = if v < (7, 2) {
        drop_kind_words(&s, "geneve", &["local"])
    } else {
        s
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

/// The vxlan options of `vxlan_opts` (iproute2 6.4+): name, default.
const VXLAN_OPTS: &[(&str, bool)] = &[
    ("external", false),
    ("vnifilter", false),
    ("learning", true),
    ("proxy", false),
    ("rsc", false),
    ("l2miss", false),
    ("l3miss", false),
    ("udp_csum", true),
    ("udp_zero_csum6_tx", false),
    ("udp_zero_csum6_rx", false),
    ("remcsum_tx", false),
    ("remcsum_rx", false),
    ("localbypass", true),
    ("mcroute", false),
];

/// A `-d` vxlan line as the ip of version `v` writes it. Current ip writes
/// the boolean options last, each only when not its default (always with
/// `-d -d`); before 6.4 ip wrote them among the others, in other words
/// (`nolearning`, `noudpcsum`, `udp6zerocsumtx`), and knew neither
/// `localbypass` (6.5), `reserved_bits` (6.14) nor `mcroute` (6.17).
fn vxlan_as_this_ip(s: &str, v: (u32, u32)) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("    vxlan ") {
        let start = i + "    vxlan ".len();
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = ["addrgenmode ", "numtxqueues ", "\n", "\\"]
            .iter()
            .filter_map(|m| tail.find(m))
            .min()
            .unwrap_or(tail.len());
        out.push_str(&vxlan_words_as(&tail[..end], v));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The words of one vxlan line (after `vxlan `), rewritten for ip `v`.
fn vxlan_words_as(seg: &str, v: (u32, u32)) -> String {
    let mut vals: Vec<(&str, String)> = Vec::new();
    let mut opts: Vec<(&str, bool)> = Vec::new();
    let mut flags: Vec<&str> = Vec::new();
    let mut toks = seg.split_whitespace();
    while let Some(t) = toks.next() {
        match t {
            "id" | "group" | "remote" | "local" | "dev" | "dstport" | "tos" | "ttl" | "df"
            | "flowlabel" | "ageing" | "maxaddr" | "reserved_bits" => {
                vals.push((t, toks.next().unwrap_or("").to_string()));
            }
            "srcport" => {
                let (a, b) = (toks.next().unwrap_or(""), toks.next().unwrap_or(""));
                vals.push((t, format!("{a} {b}")));
            }
            "gbp" | "gpe" => flags.push(t),
            _ => {
                let (name, on) = match t.strip_prefix("no") {
                    Some(n) if VXLAN_OPTS.iter().any(|(o, _)| *o == n) => (n, false),
                    _ => (t, true),
                };
                match VXLAN_OPTS.iter().find(|(o, _)| *o == name) {
                    Some((o, _)) => opts.push((o, on)),
                    None => panic!("unknown vxlan word {t:?} in {seg:?}"),
                }
            }
        }
    }
    let opt = |name: &str| {
        opts.iter()
            .find(|(o, _)| *o == name)
            .map(|(_, on)| *on)
            .unwrap_or_else(|| VXLAN_OPTS.iter().find(|(o, _)| *o == name).unwrap().1)
    };
    let val = |k: &str| vals.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
    let mut w = String::new();
    let put = |w: &mut String, k: &str| {
        if let Some(x) = val(k) {
            w.push_str(&format!("{k} {x} "));
        }
    };
    if v >= (6, 4) {
        // The same layout; drop what this ip does not know.
        for (k, _) in &vals {
            if !(*k == "reserved_bits" && v < (6, 14)) {
                put(&mut w, k);
            }
        }
        for f in &flags {
            w.push_str(&format!("{f} "));
        }
        for (o, on) in &opts {
            if (*o == "localbypass" && v < (6, 5)) || (*o == "mcroute" && v < (6, 17)) {
                continue;
            }
            w.push_str(&format!("{}{o} ", if *on { "" } else { "no" }));
        }
        return w;
    }
    if opt("external") {
        w.push_str("external ");
    }
    if opt("vnifilter") {
        w.push_str("vnifilter");
    }
    put(&mut w, "id");
    for k in ["group", "remote", "local", "dev", "srcport", "dstport"] {
        put(&mut w, k);
    }
    if !opt("learning") {
        w.push_str("nolearning ");
    }
    for o in ["proxy", "rsc", "l2miss", "l3miss"] {
        if opt(o) {
            w.push_str(&format!("{o} "));
        }
    }
    for k in ["tos", "ttl", "df", "flowlabel", "ageing", "maxaddr"] {
        put(&mut w, k);
    }
    for (o, word) in [
        ("udp_csum", "udpcsum"),
        ("udp_zero_csum6_tx", "udp6zerocsumtx"),
        ("udp_zero_csum6_rx", "udp6zerocsumrx"),
    ] {
        w.push_str(&format!("{}{word} ", if opt(o) { "" } else { "no" }));
    }
    for (o, word) in [("remcsum_tx", "remcsumtx"), ("remcsum_rx", "remcsumrx")] {
        if opt(o) {
            w.push_str(&format!("{word} "));
        }
    }
    for f in &flags {
        w.push_str(&format!("{f} "));
    }
    w
}

/// A vxlan's `-j -d` settings as the ip of version `ver` prints them:
/// before 6.4 the options `external`, `vnifilter`, `proxy`, `rsc`,
/// `l2miss`, `l3miss`, `remcsum_tx` and `remcsum_rx` appeared only when
/// true, and `gbp`/`gpe` were `true` rather than `null`.
fn vxlan_json_as_this_ip(d: &mut serde_json::Map<String, serde_json::Value>, ver: (u32, u32)) {
    if ver < (6, 5) {
        d.remove("localbypass");
    }
    if ver < (6, 14) {
        d.remove("reserved_bits");
    }
    if ver < (6, 17) {
        d.remove("mcroute");
    }
    if ver >= (6, 4) {
        return;
    }
    for k in [
        "external",
        "vnifilter",
        "proxy",
        "rsc",
        "l2miss",
        "l3miss",
        "remcsum_tx",
        "remcsum_rx",
    ] {
        if d.get(k) == Some(&serde_json::Value::Bool(false)) {
            d.remove(k);
        }
    }
    for k in ["gbp", "gpe"] {
        if let Some(x) = d.get_mut(k) {
            *x = serde_json::Value::Bool(true);
        }
    }
}

/// Removes `WORD VALUE ` pairs from the `-d` settings of links of `kind`
/// (from `    KIND ` to the end of that line's settings).
fn drop_kind_words(s: &str, kind: &str, words: &[&str]) -> String {
    let head = format!("    {kind} ");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(&head) {
        let start = i + head.len();
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = ["addrgenmode ", "numtxqueues ", "\n", "\\"]
            .iter()
            .filter_map(|m| tail.find(m))
            .min()
            .unwrap_or(tail.len());
        out.push_str(&drop_words(&tail[..end], words));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

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
                let geneve = li.get("info_kind").and_then(|k| k.as_str()) == Some("geneve");
                if geneve
                    && ver < (7, 2)
                    && let Some(d) = li.get_mut("info_data").and_then(|d| d.as_object_mut())
                {
                    d.remove("local");
                    d.remove("local6");
                }
                let vxlan = li.get("info_kind").and_then(|k| k.as_str()) == Some("vxlan");
                if vxlan && let Some(d) = li.get_mut("info_data").and_then(|d| d.as_object_mut()) {
                    vxlan_json_as_this_ip(d, ver);
                }
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

#[allow(dead_code)]
/// Replaces the values of the bridge timers, which run while the test
/// reads (`gc_timer   11.98 ` in text, `"gc_timer":11.98` in JSON).
pub fn mask_timers(s: &str) -> String {
    let mut out = s.to_string();
    for t in [
        "hello_timer",
        "tcn_timer",
        "topology_change_timer",
        "gc_timer",
        "hold_timer",
        "message_age_timer",
        "forward_delay_timer",
    ] {
        let mut from = 0;
        while let Some(i) = out[from..].find(t) {
            let start = from + i + t.len();
            let rest = &out[start..];
            let skip = rest
                .find(|c: char| c.is_ascii_digit())
                .filter(|&k| rest[..k].chars().all(|c| c == ' ' || c == '"' || c == ':'));
            let Some(k) = skip else {
                from = start;
                continue;
            };
            let len = rest[k..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len() - k);
            // ip pads the seconds (`%4i.%.2i`): a timer that crosses 100 or
            // 10 between two readings changes the width, so the padding
            // goes with the value.
            let lead: String = rest[..k].chars().filter(|&c| c != ' ').collect();
            let masked = if rest[..k].contains(' ') {
                format!(" {lead}0")
            } else {
                format!("{lead}0")
            };
            out.replace_range(start..start + k + len, &masked);
            from = start + masked.len();
        }
    }
    out
}

/// `ip -n NS args…`: (exit code, stdout, stderr).
#[allow(dead_code)]
pub fn ip(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("ip")
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run ip");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Requires nlw's output (text or JSON) and exit code to be ip's. The
/// kernel changes some state on its own for a while (carrier, IPv6
/// autoconfiguration); a reading is compared when ip read the same before
/// and after nlw.
#[allow(dead_code)]
pub fn same_as_ip(ns: &TestNs, args: &[&str]) {
    same_as_ip_with(ns, args, |s| s.to_string())
}

/// As [`same_as_ip`], with both outputs passed through `mask` first (for
/// values that move on their own, such as a bridge's timers).
#[allow(dead_code)]
pub fn same_as_ip_with(ns: &TestNs, args: &[&str], mask: fn(&str) -> String) {
    let mut all = vec!["-n", ns.name()];
    all.extend_from_slice(args);
    let ip = |ns: &TestNs, args: &[&str]| {
        let (c, o, e) = ip(ns, args);
        (c, mask(&o), e)
    };
    for _ in 0..20 {
        let before = ip(ns, args);
        let (code, out, err) = nlw(&all);
        let out = mask(&out);
        if ip(ns, args) != before {
            std::thread::sleep(std::time::Duration::from_millis(200));
            continue;
        }
        let ours = if args.contains(&"-j") && code == 0 {
            if out.trim().is_empty() {
                out
            } else {
                let mut v: serde_json::Value = serde_json::from_str(&out)
                    .unwrap_or_else(|e| panic!("nlw {args:?} printed bad JSON ({e}): {out}"));
                as_this_ip_prints_json(&mut v);
                serde_json::to_string(&v).unwrap()
            }
        } else {
            as_this_ip_prints_text(&out)
        };
        let theirs = if args.contains(&"-j") && before.0 == 0 && !before.1.trim().is_empty() {
            let v: serde_json::Value = serde_json::from_str(&before.1).unwrap();
            serde_json::to_string(&v).unwrap()
        } else {
            before.1.clone()
        };
        // The first line that differs, to read the failure by.
        let first = ours
            .lines()
            .zip(theirs.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("\nfirst difference:\n  nlw: {a}\n  ip:  {b}"))
            .unwrap_or_default();
        assert_eq!(
            (code, ours.as_str()),
            (before.0, theirs.as_str()),
            "nlw {args:?} (left) differs from ip (right); nlw said {err}, ip said {}{first}",
            before.2
        );
        return;
    }
    panic!("{args:?}: the kernel's state never stood still");
}
