//! A randomized differential tester of `nlw` against `ip`, deterministic
//! per seed (issue "nlw as a daily driver").
//!
//! For each seed it builds a random configuration step by step in two
//! namespaces: the twin, where `ip` makes every change, and the subject,
//! where each change is made by `nlw` or by `ip` at random. After every
//! step:
//! - both tools must have succeeded or failed alike, with the same exit
//!   code (a share of the steps are bad on purpose: garbage words, values
//!   out of range, objects that do not exist);
//! - the two namespaces must hold the same links, addresses, routes,
//!   neighbours and rules (so a wrong write shows);
//! - a random `show` with random output options must print the same in
//!   the subject from `nlw` as from `ip`, text or JSON.
//!
//! Seeds: `NLW_DIFF_SEEDS` (e.g. `1-8` or `3,17`), default 1–8 (1 in
//! the qemu VMs, which are slow); steps per seed: `NLW_DIFF_STEPS`,
//! default 60 (40 in the VMs). A failure names the seed and step,
//! and lists the commands so far, so that it can be replayed by hand.
//! The deliberate differences are in `cli/IP_DIFFERENCES.md`.

use std::process::Command;

mod common;
use nlwire_tests::{TestNs, privileged_or_skip};
use serde_json::Value;

/// splitmix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// What the generator knows of the configuration, to name objects that
/// exist (and sometimes ones that do not).
#[derive(Default)]
struct Model {
    /// Links made by the tester (not `lo`).
    links: Vec<String>,
    bridges: Vec<String>,
    /// Prefixes given to addresses, routes, neighbours, rules.
    addrs: Vec<String>,
    routes: Vec<String>,
    neighs: Vec<String>,
    prios: Vec<u32>,
    made: u32,
}

impl Model {
    fn dev(&self, r: &mut Rng) -> String {
        if self.links.is_empty() || r.chance(8) {
            return if r.chance(50) {
                "lo".into()
            } else {
                "nosuch0".into()
            };
        }
        r.pick(&self.links).clone()
    }
}

fn mac(r: &mut Rng) -> String {
    format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        r.below(256),
        r.below(256),
        r.below(256),
        r.below(256),
        r.below(256)
    )
}

fn v4(r: &mut Rng) -> String {
    let net = r.pick(&["192.0.2", "198.51.100", "203.0.113"]);
    format!("{net}.{}", r.below(256))
}

fn v6(r: &mut Rng) -> String {
    format!("2001:db8:{:x}::{:x}", r.below(4), r.below(65536))
}

fn prefix(r: &mut Rng, six: bool) -> String {
    if six {
        let len = r.pick(&[48u8, 64, 96, 112, 128]);
        format!("2001:db8:{:x}:{:x}::/{len}", r.below(8), r.below(8))
    } else {
        // Inside the documentation ranges, host bits clear.
        let len = *r.pick(&[24u32, 25, 26, 28, 30, 31, 32]);
        let base = *r.pick(&[0xc000_0200u32, 0xc633_6400, 0xcb00_7100]);
        let host = if len == 32 { 0 } else { u32::MAX >> len };
        let a = (base | r.below(256) as u32) & !host;
        format!("{}/{len}", std::net::Ipv4Addr::from(a))
    }
}

/// One random command (its words), and whether it is bad on purpose.
fn command(r: &mut Rng, m: &mut Model) -> (Vec<String>, bool) {
    let bad = r.chance(12);
    let mut w: Vec<String> = Vec::new();
    let six = r.chance(30);
    let s = |x: &str| x.to_string();
    match r.below(100) {
        0..=11 => {
            m.made += 1;
            let n = m.made;
            match r.below(3) {
                0 => {
                    let name = format!("d{n}a");
                    w.extend([s("link"), s("add"), name.clone(), s("address"), mac(r)]);
                    if r.chance(30) {
                        w.extend([s("mtu"), r.pick(&["1280", "1400", "9000"]).to_string()]);
                    }
                    // The peer gets its own address too, so that the two
                    // namespaces end up with the same MACs (and IPv6
                    // link-local addresses).
                    w.extend([s("type"), s("veth"), s("peer"), s("name"), format!("d{n}b")]);
                    w.extend([s("address"), mac(r)]);
                    m.links.push(name);
                    m.links.push(format!("d{n}b"));
                }
                1 => {
                    let name = format!("br{n}");
                    w.extend([s("link"), s("add"), name.clone(), s("address"), mac(r)]);
                    w.extend([s("type"), s("bridge")]);
                    m.links.push(name.clone());
                    m.bridges.push(name);
                }
                _ => {
                    let lower = m.dev(r);
                    let name = format!("mv{n}");
                    w.extend([s("link"), s("add"), s("link"), lower, name.clone()]);
                    w.extend([s("address"), mac(r), s("type"), s("macvlan"), s("mode")]);
                    w.push(r.pick(&["bridge", "private", "vepa"]).to_string());
                    m.links.push(name);
                }
            }
        }
        12..=27 => {
            w.extend([s("link"), s("set"), s("dev"), m.dev(r)]);
            match r.below(9) {
                0 | 1 => w.push(r.pick(&["up", "down"]).to_string()),
                8 => {
                    w.push(
                        r.pick(&["promisc", "arp", "multicast", "allmulticast"])
                            .to_string(),
                    );
                    w.push(r.pick(&["on", "off"]).to_string());
                }
                2 => w.extend([
                    s("mtu"),
                    r.pick(&["1280", "1500", "9000", "68"]).to_string(),
                ]),
                3 => {
                    let len = *r.pick(&[0usize, 5, 255]);
                    let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
                    w.extend([s("alias"), text]);
                }
                4 => match m.bridges.first() {
                    Some(b) if r.chance(70) => w.extend([s("master"), b.clone()]),
                    _ => w.push(s("nomaster")),
                },
                5 => w.extend([s("txqueuelen"), r.pick(&["0", "100", "1000"]).to_string()]),
                6 => w.extend([s("address"), mac(r)]),
                _ => w.extend([s("mtu"), s("1400"), s("up")]),
            }
        }
        28..=29 => {
            if let Some(i) = (!m.links.is_empty()).then(|| r.below(m.links.len() as u64) as usize) {
                let d = m.links[i].clone();
                w.extend([s("link"), s("del"), d]);
            } else {
                w.extend([s("link"), s("del"), s("nosuch0")]);
            }
        }
        30..=49 => {
            let verb = *r.pick(&["add", "add", "replace", "change", "del"]);
            let p = if !m.addrs.is_empty() && (verb != "add" || r.chance(15)) {
                r.pick(&m.addrs).clone()
            } else if six {
                format!("{}/{}", v6(r), r.pick(&[64u8, 120, 128]))
            } else {
                format!("{}/{}", v4(r), r.pick(&[24u8, 28, 30, 31, 32]))
            };
            let v6p = p.contains(':');
            w.extend([s("addr"), s(verb), p.clone()]);
            if !v6p && r.chance(25) {
                w.extend([s("broadcast"), r.pick(&["+", "-"]).to_string()]);
            }
            if r.chance(20) {
                w.extend([s("metric"), r.below(50).to_string()]);
            }
            if r.chance(15) {
                w.extend([
                    s("scope"),
                    r.pick(&["host", "link", "global", "100"]).to_string(),
                ]);
            }
            if r.chance(15) {
                w.push(s("noprefixroute"));
            }
            if v6p {
                w.push(s("nodad"));
            }
            let dev = m.dev(r);
            if !v6p && r.chance(15) && dev != "nosuch0" {
                w.extend([s("label"), format!("{dev}:{}", r.below(10))]);
            }
            w.extend([s("dev"), dev]);
            if verb == "add" {
                m.addrs.push(p);
            }
        }
        50..=74 => {
            let verb = *r.pick(&[
                "add", "add", "replace", "append", "prepend", "change", "del",
            ]);
            if six {
                w.push(s("-6"));
            }
            w.extend([s("route"), s(verb)]);
            let kind = *r.pick(&[
                "",
                "",
                "",
                "blackhole",
                "unreachable",
                "prohibit",
                "local",
                "broadcast",
                "throw",
            ]);
            if !kind.is_empty() {
                w.push(s(kind));
            }
            let dst = if !m.routes.is_empty() && verb != "add" && r.chance(70) {
                r.pick(&m.routes).clone()
            } else if r.chance(10) {
                s("default")
            } else {
                prefix(r, six)
            };
            w.push(dst.clone());
            let unicast = kind.is_empty() || kind == "local" || kind == "broadcast";
            if unicast {
                if r.chance(40) {
                    w.extend([s("via"), if six { v6(r) } else { v4(r) }]);
                    if r.chance(50) {
                        w.push(s("onlink"));
                    }
                }
                w.extend([s("dev"), m.dev(r)]);
            }
            if r.chance(40) {
                w.extend([s("metric"), r.below(20).to_string()]);
            }
            if r.chance(25) {
                w.extend([
                    s("table"),
                    r.pick(&["main", "100", "local", "7"]).to_string(),
                ]);
            }
            if r.chance(15) {
                w.extend([
                    s("proto"),
                    r.pick(&["static", "boot", "42", "kernel"]).to_string(),
                ]);
            }
            if r.chance(15) {
                w.extend([s("scope"), r.pick(&["link", "host", "global"]).to_string()]);
            }
            if r.chance(10) {
                w.extend([s("mtu"), s("1300")]);
            }
            if verb == "add" || verb == "replace" {
                m.routes.push(dst);
            }
        }
        75..=84 => {
            let verb = *r.pick(&["add", "replace", "change", "del"]);
            if six {
                w.push(s("-6"));
            }
            let a = if !m.neighs.is_empty() && verb != "add" && r.chance(70) {
                r.pick(&m.neighs).clone()
            } else if six {
                v6(r)
            } else {
                v4(r)
            };
            let proxy = r.chance(10);
            w.extend([s("neigh"), s(verb)]);
            if proxy {
                w.push(s("proxy"));
            }
            w.push(a.clone());
            if !proxy && verb != "del" {
                w.extend([s("lladdr"), mac(r)]);
                // Only permanent entries: the kernel flushes the others when
                // a link's carrier changes, at a moment of its own, which
                // would make the two namespaces differ by timing alone.
                w.extend([s("nud"), s("permanent")]);
                if r.chance(20) {
                    w.push(s("router"));
                }
            }
            w.extend([s("dev"), m.dev(r)]);
            m.neighs.push(a);
        }
        85..=93 => {
            let verb = *r.pick(&["add", "add", "del"]);
            if six {
                w.push(s("-6"));
            }
            w.extend([s("rule"), s(verb)]);
            if r.chance(15) {
                w.push(s("not"));
            }
            if r.chance(40) {
                w.extend([s("from"), prefix(r, six)]);
            }
            if r.chance(30) {
                w.extend([s("to"), prefix(r, six)]);
            }
            if r.chance(20) {
                w.extend([
                    s("fwmark"),
                    r.pick(&["7", "0x10/0xff", "0/0xff"]).to_string(),
                ]);
            }
            if r.chance(15) {
                w.extend([s("iif"), m.dev(r)]);
            }
            if r.chance(10) {
                w.extend([s("oif"), m.dev(r)]);
            }
            let prio = if !m.prios.is_empty() && verb == "del" && r.chance(70) {
                *r.pick(&m.prios)
            } else {
                100 + r.below(50) as u32
            };
            w.extend([s("priority"), prio.to_string()]);
            match r.below(6) {
                0 => w.push(
                    r.pick(&["blackhole", "unreachable", "prohibit", "nop"])
                        .to_string(),
                ),
                1 => w.extend([s("goto"), (prio + 1 + r.below(5) as u32).to_string()]),
                _ => w.extend([s("table"), r.pick(&["100", "main", "7"]).to_string()]),
            }
            if verb == "add" {
                m.prios.push(prio);
            }
        }
        _ => {
            if six {
                w.push(s("-6"));
            }
            match r.below(4) {
                0 => w.extend([s("addr"), s("flush"), s("dev"), m.dev(r)]),
                1 => {
                    w.extend([s("route"), s("flush")]);
                    match r.below(3) {
                        0 => w.extend([s("dev"), m.dev(r)]),
                        1 => w.extend([s("table"), s("100")]),
                        _ => w.extend([s("proto"), s("static")]),
                    }
                }
                2 => w.extend([s("neigh"), s("flush"), s("dev"), m.dev(r)]),
                _ => w.extend([s("rule"), s("flush"), s("table"), s("100")]),
            }
        }
    }
    if bad {
        // Spoil one word, or add a stray one.
        match r.below(3) {
            0 => w.push(s("garbage")),
            1 if w.len() > 2 => {
                let i = 2 + r.below(w.len() as u64 - 2) as usize;
                w[i] = r
                    .pick(&["999999999999", "x", "-", "1.2.3.4.5", "/", ""])
                    .to_string();
            }
            _ => w.truncate(w.len().saturating_sub(1).max(2)),
        }
    }
    (w, bad)
}

fn run(cmd: &str, ns: &TestNs, args: &[String]) -> (i32, String, String) {
    let out = Command::new(cmd)
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const STATE: &[&str] = &[
    "-j -d link show",
    "-j addr show",
    "-j route show table all",
    "-j -6 route show table all",
    "-j neigh show nud all",
    "-j -6 neigh show nud all",
    "-j rule show",
    "-j -6 rule show",
];

/// A namespace's state as `ip -j` reads it, without what the kernel sets on
/// its own time (carrier, operstate, timers, router solicitations) and the
/// neighbour table's hash order.
fn state(ns: &TestNs) -> Vec<Value> {
    STATE
        .iter()
        .map(|q| {
            let args: Vec<String> = q.split(' ').map(String::from).collect();
            let (_, out, _) = run("ip", ns, &args);
            let mut v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
            if let Some(list) = v.as_array_mut() {
                for o in list.iter_mut() {
                    let Some(o) = o.as_object_mut() else { continue };
                    for k in ["operstate", "flags", "linkinfo", "stats64", "stats"] {
                        o.remove(k);
                    }
                    for k in ["addr_info"] {
                        if let Some(a) = o.get_mut(k).and_then(|a| a.as_array_mut()) {
                            for x in a.iter_mut() {
                                if let Some(x) = x.as_object_mut() {
                                    x.remove("tentative");
                                }
                            }
                        }
                    }
                }
                // Entries the kernel makes itself: link-local, multicast.
                list.retain(|o| {
                    let own_dst = o["dst"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("fe80") || d.starts_with("ff0"));
                    let multicast = o["lladdr"]
                        .as_str()
                        .is_some_and(|l| l.starts_with("01:00:5e") || l.starts_with("33:33"));
                    !(own_dst || multicast)
                });
                // Neighbour states move with time (reachable ages to
                // stale); entries the kernel makes on its own while it
                // resolves are incomplete or failed.
                list.retain(|o| {
                    !o["state"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|x| x == "INCOMPLETE" || x == "FAILED"))
                });
                for o in list.iter_mut() {
                    if let Some(st) = o.get_mut("state")
                        && st.as_array().is_some_and(|s| {
                            s.iter().any(|x| {
                                ["REACHABLE", "STALE", "DELAY", "PROBE"]
                                    .contains(&x.as_str().unwrap_or(""))
                            })
                        })
                    {
                        *st = Value::from(vec!["DYNAMIC"]);
                    }
                }
                list.sort_by_key(|o| o.to_string());
            }
            v
        })
        .collect()
}

/// The shows compared, and the output options they are tried with.
const SHOWS: &[&str] = &[
    "link show",
    "addr show",
    "route show",
    "route show table all",
    "-6 route show table all",
    "neigh show",
    "rule show",
    "-6 rule show",
    "-4 addr show",
    "-6 addr show",
    "link show up",
    "addr show scope global",
    "route show proto static",
    "route show table 100",
];
const OPTS: &[&str] = &["", "-j", "-o", "-br", "-s", "-j -p", "-d", "-d -j"];

/// `nlw` and `ip` print the same in `ns` (retried while ip's own two
/// readings differ: the kernel was changing something).
fn same_show(ns: &TestNs, args: &[String]) -> Result<(), String> {
    // Bridge timers (-d) run on their own: masked in both.
    let run = |prog: &str, ns: &TestNs, args: &[String]| {
        let (c, o, e) = run(prog, ns, args);
        (c, common::mask_timers(&o), e)
    };
    for _ in 0..20 {
        let theirs = run("ip", ns, args);
        let mut ours = run(env!("CARGO_BIN_EXE_nlw"), ns, args);
        if run("ip", ns, args) != theirs {
            std::thread::sleep(std::time::Duration::from_millis(100));
            continue;
        }
        ours.1 = common::as_this_ip_prints_text(&ours.1);
        if args.iter().any(|a| a == "-j") && ours.0 == 0 && !ours.1.trim().is_empty() {
            let mut v: Value =
                serde_json::from_str(&ours.1).map_err(|e| format!("bad JSON: {e}"))?;
            common::as_this_ip_prints_json(&mut v);
            let t: Value =
                serde_json::from_str(&theirs.1).map_err(|e| format!("ip's JSON: {e}"))?;
            if v != t {
                return Err(format!("nlw printed\n{v}\nip printed\n{t}"));
            }
            return Ok(());
        }
        if (ours.0, &ours.1) != (theirs.0, &theirs.1) {
            let first = ours
                .1
                .lines()
                .zip(theirs.1.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("first difference:\n  nlw: {a}\n  ip:  {b}\n"))
                .unwrap_or_default();
            return Err(format!(
                "{first}nlw (exit {}) printed\n{}\nip (exit {}) printed\n{}",
                ours.0, ours.1, theirs.0, theirs.1
            ));
        }
        return Ok(());
    }
    Err("the kernel's state never stood still".into())
}

fn seeds() -> Vec<u64> {
    // Fewer under qemu without hardware virtualization, where each step is
    // slow (one seed is about 30 s there); the seed is the host's first, so
    // they overlap.
    let default = if nlwire_tests::vm_kernel().is_some() {
        "1"
    } else {
        "1-8"
    };
    let spec = std::env::var("NLW_DIFF_SEEDS").unwrap_or_else(|_| default.into());
    let mut v = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => v.extend(a.parse::<u64>().unwrap()..=b.parse::<u64>().unwrap()),
            None => v.push(part.parse().unwrap()),
        }
    }
    v
}

#[test]
fn nlw_and_ip_agree_on_random_configurations() {
    if !privileged_or_skip("nlw differential::nlw_and_ip_agree_on_random_configurations") {
        return;
    }
    let steps: usize = std::env::var("NLW_DIFF_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if nlwire_tests::vm_kernel().is_some() {
            40
        } else {
            60
        });
    let mut failures = Vec::new();
    let (mut by_nlw, mut bad_total) = (0, 0);
    for seed in seeds() {
        let mut r = Rng(seed);
        let mut m = Model::default();
        let (twin, subject) = (TestNs::create(), TestNs::create());
        let mut log: Vec<String> = Vec::new();
        for step in 0..steps {
            let (cmd, bad) = command(&mut r, &mut m);
            bad_total += bad as usize;
            let use_nlw = r.chance(60);
            by_nlw += use_nlw as usize;
            let theirs = run("ip", &twin, &cmd);
            let tool = if use_nlw {
                env!("CARGO_BIN_EXE_nlw")
            } else {
                "ip"
            };
            let ours = run(tool, &subject, &cmd);
            log.push(format!(
                "{step}: {} {}  -> ip {}{}",
                if use_nlw { "nlw" } else { "ip " },
                cmd.join(" "),
                theirs.0,
                if use_nlw {
                    format!(", nlw {}", ours.0)
                } else {
                    String::new()
                }
            ));
            let mut problem = None;
            if ours.0 != theirs.0 {
                problem = Some(format!(
                    "exit codes differ: {} {} (stderr: {}), ip {} (stderr: {})",
                    if use_nlw { "nlw" } else { "ip" },
                    ours.0,
                    ours.2.trim(),
                    theirs.0,
                    theirs.2.trim()
                ));
            }
            if problem.is_none() {
                // The kernel settles links (carrier) on its own time.
                let mut same = false;
                for _ in 0..20 {
                    if state(&twin) == state(&subject) {
                        same = true;
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                if !same {
                    let (a, b) = (state(&twin), state(&subject));
                    let which: Vec<String> = STATE
                        .iter()
                        .zip(a.iter().zip(&b))
                        .filter(|(_, (x, y))| x != y)
                        .map(|(q, (x, y))| format!("`ip {q}`:\n  twin    {x}\n  subject {y}"))
                        .collect();
                    problem = Some(format!(
                        "the namespaces differ after it:\n{}",
                        which.join("\n")
                    ));
                }
            }
            if problem.is_none() {
                let mut show: Vec<String> =
                    r.pick(OPTS).split_whitespace().map(String::from).collect();
                show.extend(r.pick(SHOWS).split(' ').map(String::from));
                if let Err(e) = same_show(&subject, &show) {
                    problem = Some(format!("`{}` differs: {e}", show.join(" ")));
                }
            }
            if let Some(p) = problem {
                failures.push(format!("seed {seed}, step {step}: {p}\n{}", log.join("\n")));
                break;
            }
        }
    }
    eprintln!("differential: {by_nlw} steps made by nlw, {bad_total} bad on purpose");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
