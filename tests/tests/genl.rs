//! Generic netlink on the real kernel, on every runtime (`mio::…`,
//! `poll::…`, `tokio::…`, `async_io::…`): the family list equals `genl ctrl
//! list`, lookups by name agree with it, and the WireGuard family — absent
//! from this host kernel — is a clear error for every call, including the
//! poll watcher, which keeps going.
//!
//! Real WireGuard round trips need a kernel with the module; they run in
//! the VM harness.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nlwire::genl::GENL_ID_CTRL;
use nlwire::genl::ctrl::Family;
use nlwire::genl::wireguard::{DeviceConfig, WG_GENL_NAME};
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions};
use nlwire::{Error, LinkRef};
use nlwire_tests::{Runtime, TestNs, per_runtime, run};

const NOT_FOUND: &str =
    "generic netlink family \"wireguard\" not found — is the wireguard module loaded?";

/// What `genl ctrl list` prints of one family.
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    id: u16,
    version: u32,
    hdr_size: u32,
    max_attr: u32,
    commands: Vec<(u32, Option<u32>)>,
    groups: Vec<(u32, String)>,
}

fn hex(s: &str) -> u32 {
    u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).unwrap()
}

/// Parses `genl ctrl list` run inside `ns`. (Families that are not
/// namespace-aware — `thermal`, `VFS_DQUOT`, `NLBL_*`… — are listed only in
/// the initial namespace, so both sides must look from the same one.)
fn genl_ctrl_list(ns: &TestNs) -> BTreeMap<String, Listed> {
    let out = run("ip", &["netns", "exec", ns.name(), "genl", "ctrl", "list"]);
    let mut fams = BTreeMap::new();
    let mut cur: Option<(String, Listed)> = None;
    let mut in_groups = false;
    for line in out.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("Name: ") {
            if let Some((n, l)) = cur.take() {
                fams.insert(n, l);
            }
            in_groups = false;
            cur = Some((
                name.trim().to_string(),
                Listed {
                    id: 0,
                    version: 0,
                    hdr_size: 0,
                    max_attr: 0,
                    commands: vec![],
                    groups: vec![],
                },
            ));
            continue;
        }
        let Some((_, l)) = cur.as_mut() else { continue };
        if let Some(rest) = t.strip_prefix("ID: ") {
            // "ID: 0x10  Version: 0x2  header size: 0  max attribs: 0"
            let f: Vec<&str> = rest.split("  ").map(str::trim).collect();
            l.id = hex(f[0]) as u16;
            l.version = hex(f[1].trim_start_matches("Version: "));
            l.hdr_size = f[2].trim_start_matches("header size: ").parse().unwrap();
            l.max_attr = f[3].trim_start_matches("max attribs: ").parse().unwrap();
        } else if t.starts_with("multicast groups:") {
            in_groups = true;
        } else if t.starts_with("commands supported:") {
            in_groups = false;
        } else if let Some(rest) = t.strip_prefix('#') {
            // "#1:  ID-0x3" or "#1:  ID-0x10  name: notify"
            let rest = rest.split_once("ID-").unwrap().1;
            let (id, name) = match rest.split_once("name:") {
                Some((id, name)) => (hex(id), Some(name.trim().to_string())),
                None => (hex(rest), None),
            };
            if in_groups {
                l.groups.push((id, name.unwrap()));
            } else {
                l.commands.push((id, None));
            }
        } else if let Some(rest) = t.strip_prefix("Capabilities (") {
            let flags = hex(rest.split_once(')').unwrap().0);
            if let Some(c) = l.commands.last_mut() {
                c.1 = Some(flags);
            }
        }
    }
    if let Some((n, l)) = cur.take() {
        fams.insert(n, l);
    }
    assert!(fams.contains_key("nlctrl"), "genl ctrl list gave:\n{out}");
    fams
}

fn check_families(ns: &TestNs, dumped: Vec<Family>) {
    let listed = genl_ctrl_list(ns);
    let ours: BTreeMap<String, &Family> = dumped.iter().map(|f| (f.name.clone(), f)).collect();
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        listed.keys().collect::<Vec<_>>(),
        "family names"
    );
    for (name, l) in &listed {
        let f = ours[name];
        assert_eq!(
            (f.id, f.version, f.hdr_size, f.max_attr),
            (l.id, l.version, l.hdr_size, l.max_attr),
            "{name}"
        );
        let cmds: Vec<(u32, Option<u32>)> = f
            .commands
            .iter()
            .zip(&l.commands)
            .map(|(c, (_, shown))| (c.id, shown.map(|_| c.flags)))
            .collect();
        assert_eq!(cmds, l.commands, "{name} commands");
        let groups: Vec<(u32, String)> = f
            .mcast_groups
            .iter()
            .map(|g| (g.id, g.name.clone()))
            .collect();
        assert_eq!(groups, l.groups, "{name} multicast groups");
    }
    let ctrl = ours["nlctrl"];
    assert_eq!(ctrl.id, GENL_ID_CTRL);
    assert_eq!(ctrl.mcast_group("notify"), Some(u32::from(GENL_ID_CTRL)));
    assert!(ours.len() >= 3, "{} families", ours.len());
    assert!(
        !ours.contains_key("VFS_DQUOT"),
        "a family that is not namespace-aware is listed in a namespace"
    );
}

/// Families worth resolving by name: the controller and a few the host
/// has (whichever of these exist).
fn some_names(all: &[Family]) -> Vec<String> {
    let mut v: Vec<String> = ["nlctrl", "ethtool", "tcp_metrics", "devlink", "thermal"]
        .iter()
        .filter(|n| all.iter().any(|f| f.name == **n))
        .map(|n| n.to_string())
        .collect();
    v.extend(all.iter().take(3).map(|f| f.name.clone()));
    v
}

fn assert_not_found(r: Result<impl std::fmt::Debug, Error>) {
    match r {
        Err(e @ Error::FamilyNotFound { .. }) => {
            assert_eq!(e.to_string(), NOT_FOUND);
            assert_eq!(e.errno(), Some(nlwire::Errno::ENOENT));
        }
        other => panic!("expected FamilyNotFound, got {other:?}"),
    }
}

fn assert_first_batch_is_unavailable(batch: &[WgEvent], started: Instant) {
    // The first round is immediate (the interval is an hour).
    assert!(started.elapsed() < Duration::from_secs(60));
    let names: Vec<&str> = batch.iter().map(WgEvent::interface).collect();
    assert_eq!(names, ["wg0", "wg1"], "{batch:?}");
    for e in batch {
        match e {
            WgEvent::InterfaceUnavailable { error, .. } => {
                assert_eq!(error.to_string(), NOT_FOUND)
            }
            other => panic!("{other:?}"),
        }
    }
}

fn host_is_missing_wireguard() -> bool {
    let mut c = nlwire_mio::Connection::generic().unwrap();
    match c.family(WG_GENL_NAME) {
        Err(Error::FamilyNotFound { .. }) => true,
        Ok(_) => {
            eprintln!("note: this kernel has the wireguard family; the not-found checks are moot");
            false
        }
        Err(e) => panic!("{e}"),
    }
}

fn watch_opts() -> WgWatchOptions {
    WgWatchOptions::new(["wg1", "wg0"]).interval(Duration::from_secs(3600))
}

/// The family list against `genl ctrl list`, lookups by name (and again,
/// from the cache); when the kernel has no WireGuard, the not-found error
/// from every WireGuard call (by name and by index) and from the watcher,
/// which keeps going: its first round at once, the next one only after the
/// interval, and rounds every 50 ms that stay quiet.
fn families_and_missing_wireguard(rt: Runtime, ns: &TestNs) {
    let mut c = rt.genl_client(ns);
    let all: Vec<Family> = c.families().unwrap();
    // The raw controller dump is a fuzz seed (`fuzz/corpus/ctrl/ctrl-dump`
    // was written with NLWIRE_WRITE_CORPUS=fuzz/corpus, from mio's).
    let raw = c.families_raw().unwrap();
    nlwire::fuzzing::ctrl(&raw);
    if rt == Runtime::Mio
        && let Some(dir) = std::env::var_os("NLWIRE_WRITE_CORPUS")
    {
        let dir = std::path::Path::new(&dir).join("ctrl");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ctrl-dump"), &raw).unwrap();
    }
    for name in some_names(&all) {
        let f = c.family(&name).unwrap();
        assert_eq!(Some(&f), all.iter().find(|x| x.name == name));
        // Cached: the same answer again.
        assert_eq!(c.family(&name).unwrap(), f);
    }
    check_families(ns, all);
    if !host_is_missing_wireguard() {
        return;
    }
    assert_not_found(c.family(WG_GENL_NAME));
    assert_not_found(c.get_device("wg0".into()));
    assert_not_found(c.set_device("wg0".into(), &DeviceConfig::new().listen_port(1)));
    assert_not_found(c.set_device("wg0".into(), &DeviceConfig::new()));
    assert_not_found(c.set_device(LinkRef::Index(7), &DeviceConfig::new()));
    // Bad input is refused before anything is sent.
    assert!(matches!(
        c.get_device("not/valid".into()),
        Err(Error::InvalidInput { .. })
    ));

    let started = Instant::now();
    let mut w = c.wg_watch(watch_opts()).unwrap();
    assert_eq!(w.interfaces(), ["wg0", "wg1"]);
    let batch = w.next();
    assert_first_batch_is_unavailable(&batch, started);
    // The next round waits for the interval.
    assert!(
        w.next_within(Duration::from_millis(300)).is_none(),
        "second round ran before its interval"
    );
    // Still missing: nothing new to say, and the watcher goes on (a round
    // run now, on the blocking runtimes, which can).
    match w.poll_now() {
        Some(batch) => assert!(batch.is_empty(), "{batch:?}"),
        None => assert!(rt.is_async()),
    }
    // The connection still works after the watcher's failures.
    assert_eq!(c.family("nlctrl").unwrap().id, GENL_ID_CTRL);

    let started = Instant::now();
    let opts = WgWatchOptions::new(["wg0", "wg1"]).interval(Duration::from_millis(50));
    let mut w = c.wg_watch(opts).unwrap();
    assert_first_batch_is_unavailable(&w.next(), started);
    // Later rounds run (every 50 ms) and stay quiet.
    for _ in 0..3 {
        assert!(w.next().is_empty());
    }
    assert!(started.elapsed() >= Duration::from_millis(150));
    // A watcher of no interface is refused.
    assert!(
        c.wg_watch(WgWatchOptions::new(Vec::<String>::new()))
            .is_err()
    );
}

per_runtime! {
    gate: privileged_or_skip,
    ns: [families_and_missing_wireguard],
}
