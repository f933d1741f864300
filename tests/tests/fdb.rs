//! The bridge forwarding database against the real kernel, on every
//! runtime: the connection adds, appends, replaces, reads, deletes and
//! flushes entries, and `bridge -j fdb show` must see what it wrote. Each
//! dump — unfiltered and with every filter — must list exactly the entries
//! `bridge fdb show` lists with the same filter, the kernel's own entries
//! (local MACs, the links' multicast addresses) included. The test names
//! are `mio::…`, `poll::…`, `tokio::…` and `async_io::…`.
//!
//! The namespace holds `br0`, a veth pair `v0`/`v1` with `v0` enslaved
//! (learning off, so only the test and the kernel write the tables) and
//! no IPv6 address generation (no multicast address joined late). Where
//! the kernel has bridge VLAN filtering (the VM kernels do, the host may
//! not), VLAN 10 is configured on `v0`, and the bridge copies an entry
//! added without a VLAN to each VLAN of the port: the tests compare
//! whole views with `bridge`'s, so they hold either way.

use std::collections::BTreeMap;

use nlwire::Errno;
use nlwire::route::fdb::{
    NTF_EXT_LEARNED, NTF_EXT_LOCKED, NTF_MASTER, NTF_OFFLOADED, NTF_ROUTER, NTF_SELF, NTF_STICKY,
};
use nlwire::route::neigh::{NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE};
use nlwire::route::{FdbEntry, FdbFlush, FdbRequest, FdbState, GetFdbEntries, GetFdbEntry};
use nlwire_tests::{Client, TestNs, per_runtime, say_skipped, vm_kernel};

/// The test's MAC addresses (locally administered): all begin `02:00:00:00:00:`.
const A: [u8; 6] = [2, 0, 0, 0, 0, 0x0a];
const B: [u8; 6] = [2, 0, 0, 0, 0, 0x0b];
const C: [u8; 6] = [2, 0, 0, 0, 0, 0x0c];
const D: [u8; 6] = [2, 0, 0, 0, 0, 0x0d];
const E: [u8; 6] = [2, 0, 0, 0, 0, 0x0e];
const F: [u8; 6] = [2, 0, 0, 0, 0, 0x0f];
const K: [u8; 6] = [2, 0, 0, 0, 0, 0x1a];
const S: [u8; 6] = [2, 0, 0, 0, 0, 0x1b];
const Y: [u8; 6] = [2, 0, 0, 0, 0, 0x1c];
const Z: [u8; 6] = [2, 0, 0, 0, 0, 0x1d];
const MISSING: [u8; 6] = [2, 0, 0, 0, 0, 0xee];
const OURS: &str = "02:00:00:00:00:";

fn mac(m: [u8; 6]) -> String {
    m.map(|b| format!("{b:02x}")).join(":")
}

/// What the namespace holds.
struct Bridge {
    br: u32,
    v0: u32,
    v1: u32,
    /// Every link, index → name.
    names: BTreeMap<u32, String>,
    /// Whether the kernel has bridge VLAN filtering (then VLAN 10 is
    /// configured on `v0`).
    vlans: bool,
}

fn setup(c: &mut dyn Client, ns: &TestNs) -> Bridge {
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    for d in ["br0", "v0", "v1"] {
        ns.ip(&["link", "set", d, "addrgenmode", "none"]);
    }
    ns.ip(&["link", "set", "v0", "master", "br0"]);
    ns.ip(&[
        "link",
        "set",
        "v0",
        "type",
        "bridge_slave",
        "learning",
        "off",
    ]);
    let vlans = std::process::Command::new("bridge")
        .args(["-n", ns.name(), "vlan", "add", "vid", "10", "dev", "v0"])
        .output()
        .expect("iproute2's bridge")
        .status
        .success();
    if let (false, Some(vm)) = (vlans, vm_kernel()) {
        panic!("the VM kernel {vm} has no bridge VLAN filtering");
    }
    for d in ["br0", "v0", "v1"] {
        ns.ip(&["link", "set", d, "up"]);
    }
    // The bridge refuses a dynamic entry (EPERM) of a port that neither
    // learns nor forwards: v0 forwards once the link watcher has seen its
    // carrier, some time after `up`.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ns.bridge_json(&["link", "show", "dev", "v0"])[0]["state"] != "forwarding" {
        assert!(std::time::Instant::now() < deadline, "v0 never forwards");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let names: BTreeMap<u32, String> = c
        .links()
        .unwrap()
        .into_iter()
        .map(|l| (l.index, l.name))
        .collect();
    let index = |n: &str| *names.iter().find(|(_, m)| *m == n).unwrap().0;
    Bridge {
        br: index("br0"),
        v0: index("v0"),
        v1: index("v1"),
        names,
        vlans,
    }
}

/// One entry as `bridge -j fdb show` prints it: MAC, device, VLAN (0 for
/// none), flags, master, state.
type Row = (String, String, u64, Vec<String>, String, String);

/// `bridge`'s `state_n2a`, in JSON.
fn state_name(s: u16) -> String {
    if s & NUD_PERMANENT != 0 {
        "permanent".into()
    } else if s & NUD_NOARP != 0 {
        "static".into()
    } else if s & NUD_STALE != 0 {
        "stale".into()
    } else if s & NUD_REACHABLE != 0 {
        String::new()
    } else {
        format!("{s:#x}")
    }
}

fn row(e: &FdbEntry, b: &Bridge) -> Row {
    let name = |i: u32| b.names.get(&i).cloned().unwrap_or_else(|| i.to_string());
    // In the order `bridge` prints them.
    let mut flags: Vec<String> = [
        (NTF_SELF, "self"),
        (NTF_ROUTER, "router"),
        (NTF_EXT_LEARNED, "extern_learn"),
        (NTF_OFFLOADED, "offload"),
        (NTF_MASTER, "master"),
        (NTF_STICKY, "sticky"),
    ]
    .into_iter()
    .filter(|(bit, _)| e.flags & bit != 0)
    .map(|(_, n)| n.to_string())
    .collect();
    if e.flags_ext.unwrap_or(0) & NTF_EXT_LOCKED != 0 {
        flags.push("locked".into());
    }
    (
        e.lladdr.map(|m| m.to_string()).unwrap_or_default(),
        name(e.index),
        u64::from(e.vlan.unwrap_or(0)),
        flags,
        e.master.map(name).unwrap_or_default(),
        state_name(e.state),
    )
}

/// `bridge -j fdb show ARGS…`, sorted. `bridge` leaves the device out
/// when it was filtered by (`brport DEV`): it is filled in.
fn bridge_rows(ns: &TestNs, args: &[&str]) -> Vec<Row> {
    let dev = args
        .windows(2)
        .find(|w| w[0] == "brport")
        .map_or("", |w| w[1]);
    let mut a = vec!["fdb", "show"];
    a.extend_from_slice(args);
    let j = ns.bridge_json(&a);
    let mut rows: Vec<Row> = j
        .as_array()
        .unwrap_or_else(|| panic!("bridge fdb show: {j}"))
        .iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(|v| v.as_str()).map(String::from);
            let flags = e
                .get("flags")
                .and_then(|f| f.as_array())
                .map_or(vec![], |f| {
                    f.iter().map(|x| x.as_str().unwrap().to_string()).collect()
                });
            (
                s("mac").unwrap_or_default(),
                s("ifname").unwrap_or_else(|| dev.to_string()),
                e.get("vlan").and_then(|v| v.as_u64()).unwrap_or(0),
                flags,
                s("master").unwrap_or_default(),
                s("state").unwrap_or_default(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Our dump with `req` and `bridge fdb show ARGS…` list the same entries;
/// returns ours.
fn agree(
    c: &mut dyn Client,
    ns: &TestNs,
    b: &Bridge,
    req: GetFdbEntries,
    args: &[&str],
) -> Vec<FdbEntry> {
    let ours = c
        .fdb_entries(req)
        .unwrap_or_else(|e| panic!("{req:?}: {e}"));
    let mut rows: Vec<Row> = ours.iter().map(|e| row(e, b)).collect();
    rows.sort();
    assert_eq!(
        rows,
        bridge_rows(ns, args),
        "{req:?} against `bridge fdb show {}`",
        args.join(" ")
    );
    ours
}

/// Which of the test's MACs are in `v`, sorted and without repeats.
fn macs(v: &[FdbEntry]) -> Vec<String> {
    let mut m: Vec<String> = v
        .iter()
        .filter_map(|e| e.lladdr.map(|l| l.to_string()))
        .filter(|m| m.starts_with(OURS))
        .collect();
    m.sort();
    m.dedup();
    m
}

fn names(l: &[[u8; 6]]) -> Vec<String> {
    let mut m: Vec<String> = l.iter().map(|m| mac(*m)).collect();
    m.sort();
    m
}

/// Every filter agrees with `bridge`'s, and each keeps what it should of
/// the test's entries; returns the unfiltered dump.
fn views_agree(c: &mut dyn Client, ns: &TestNs, b: &Bridge) -> Vec<FdbEntry> {
    let all = agree(c, ns, b, GetFdbEntries::new(), &[]);
    let v0 = agree(c, ns, b, GetFdbEntries::new().port(b.v0), &["brport", "v0"]);
    assert!(v0.iter().all(|e| e.index == b.v0));
    let v1 = agree(c, ns, b, GetFdbEntries::new().port(b.v1), &["brport", "v1"]);
    assert!(v1.iter().all(|e| e.index == b.v1));
    let br = agree(c, ns, b, GetFdbEntries::new().bridge(b.br), &["br", "br0"]);
    assert!(br.iter().all(|e| e.index != b.v1), "v1 is not in br0");
    let both = GetFdbEntries::new().bridge(b.br).port(b.v0);
    agree(c, ns, b, both, &["br", "br0", "brport", "v0"]);
    let dynamic = agree(c, ns, b, GetFdbEntries::new().dynamic(), &["dynamic"]);
    assert!(dynamic.iter().all(|e| e.state & NUD_PERMANENT == 0));
    let v0_dynamic = GetFdbEntries::new().port(b.v0).dynamic();
    agree(c, ns, b, v0_dynamic, &["brport", "v0", "dynamic"]);
    let stat = agree(
        c,
        ns,
        b,
        GetFdbEntries::new().states(NUD_NOARP),
        &["state", "static"],
    );
    assert!(stat.iter().all(|e| e.state & NUD_NOARP != 0));
    let vlan = agree(c, ns, b, GetFdbEntries::new().vlan(10), &["vlan", "10"]);
    assert!(vlan.iter().all(|e| e.vlan == Some(10)));
    // VLAN 0 is no filter.
    assert_eq!(
        c.fdb_entries(GetFdbEntries::new().vlan(0)).unwrap().len(),
        all.len()
    );
    all
}

/// The entry for `m` on device `index`, of VLAN `vlan`, in the bridge's
/// table (`master`: it names its bridge) or the device's own.
fn find(
    v: &[FdbEntry],
    m: [u8; 6],
    index: u32,
    vlan: Option<u16>,
    master: bool,
) -> Option<&FdbEntry> {
    v.iter().find(|e| {
        e.lladdr.is_some_and(|l| l.as_bytes() == m)
            && e.index == index
            && e.vlan == vlan
            && e.master.is_some() == master
    })
}

fn entry(v: &[FdbEntry], m: [u8; 6], index: u32, vlan: Option<u16>, master: bool) -> &FdbEntry {
    find(v, m, index, vlan, master).unwrap_or_else(|| {
        panic!(
            "no {} on {index} vlan {vlan:?} master {master}: {v:#?}",
            mac(m)
        )
    })
}

/// An entry without its ages (which move between two readings).
fn timeless(e: &FdbEntry) -> FdbEntry {
    let mut e = e.clone();
    e.cacheinfo = None;
    e
}

fn with_vlan(r: FdbRequest, vlan: Option<u16>) -> FdbRequest {
    match vlan {
        Some(v) => r.vlan(v),
        None => r,
    }
}

fn fdb_written_and_read_as_bridge_does(c: &mut dyn Client, ns: &TestNs) {
    let b = setup(c, ns);
    let (br, v0, v1) = (b.br, b.v0, b.v1);
    // A static entry of VLAN 10 where there are VLANs, else of none.
    let vid = b.vlans.then_some(10);
    for r in [
        // bridge fdb add A dev v0 master static [vlan 10]
        with_vlan(
            FdbRequest::add(v0, A).on_master().state(FdbState::Static),
            vid,
        ),
        // bridge fdb add B dev v0 master dynamic
        FdbRequest::add(v0, B).on_master().state(FdbState::Dynamic),
        // bridge fdb add C dev v1: self and permanent are the defaults
        FdbRequest::add(v1, C),
        // bridge fdb add D dev v0 self: the port's own table
        FdbRequest::add(v0, D).on_self(),
        // bridge fdb add F dev br0: the bridge's own, a local entry
        FdbRequest::add(br, F),
        // bridge fdb append E dev v0 self
        FdbRequest::append(v0, E).on_self(),
    ] {
        c.request(&r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    }
    // Append again: no NLM_F_EXCL, so the kernel takes it; add refuses.
    c.request(&FdbRequest::append(v0, E).on_self()).unwrap();
    let e = c.request(&FdbRequest::add(v0, E).on_self()).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");

    let all = views_agree(c, ns, &b);
    assert_eq!(macs(&all), names(&[A, B, C, D, E, F]));
    let a = entry(&all, A, v0, vid, true);
    assert_eq!(a.fdb_state(), Some(FdbState::Static));
    assert_eq!(
        a.state, NUD_NOARP,
        "the kernel reads a static entry back as NOARP"
    );
    assert_eq!((a.master, a.flags & (NTF_SELF | NTF_MASTER)), (Some(br), 0));
    let bb = entry(&all, B, v0, None, true);
    assert_eq!(bb.fdb_state(), Some(FdbState::Dynamic));
    assert_eq!(bb.master, Some(br));
    for (m, dev) in [(C, v1), (D, v0), (E, v0)] {
        let e = entry(&all, m, dev, None, false);
        assert_eq!(e.fdb_state(), Some(FdbState::Permanent), "{e:?}");
        assert_eq!(e.flags & NTF_SELF, NTF_SELF, "{e:?}");
        assert_eq!(e.master, None);
    }
    let f = entry(&all, F, br, None, true);
    assert_eq!(
        (f.fdb_state(), f.master),
        (Some(FdbState::Permanent), Some(br))
    );
    assert_eq!(
        f.flags & NTF_SELF,
        0,
        "a bridge entry, not br0's address list"
    );

    // What each filter keeps of the test's entries.
    let get = |c: &mut dyn Client, r: GetFdbEntries| macs(&c.fdb_entries(r).unwrap());
    assert_eq!(get(c, GetFdbEntries::new().port(v0)), names(&[A, B, D, E]));
    assert_eq!(get(c, GetFdbEntries::new().port(v1)), names(&[C]));
    assert_eq!(
        get(c, GetFdbEntries::new().bridge(br)),
        names(&[A, B, D, E, F])
    );
    assert_eq!(get(c, GetFdbEntries::new().dynamic()), names(&[A, B]));
    assert_eq!(get(c, GetFdbEntries::new().states(NUD_NOARP)), names(&[A]));
    // B, added without a VLAN, has a copy in VLAN 10 where there are VLANs.
    let in_vlan10: &[[u8; 6]] = if b.vlans { &[A, B] } else { &[] };
    assert_eq!(get(c, GetFdbEntries::new().vlan(10)), names(in_vlan10));

    // One by MAC: what the dump said (but for the ages).
    let g = c
        .get_fdb_entry(&with_vlan_get(GetFdbEntry::new(0, A).bridge(br), vid))
        .unwrap();
    assert_eq!(timeless(&g), timeless(a));
    let g = c.get_fdb_entry(&GetFdbEntry::new(v0, B)).unwrap();
    assert_eq!(timeless(&g), timeless(bb));
    let g = c.get_fdb_entry(&GetFdbEntry::new(0, F).bridge(br)).unwrap();
    assert_eq!(timeless(&g), timeless(f));
    let e = c
        .get_fdb_entry(&GetFdbEntry::new(0, MISSING).bridge(br))
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT), "{e}");
    assert!(
        e.to_string()
            .starts_with("get fdb entry 02:00:00:00:00:ee: "),
        "{e}"
    );

    // Replace changes the state; an add of an existing entry fails and
    // changes nothing.
    let r = with_vlan(
        FdbRequest::replace(v0, A)
            .on_master()
            .state(FdbState::Dynamic),
        vid,
    );
    c.request(&r).unwrap();
    c.request(
        &FdbRequest::replace(v0, B)
            .on_master()
            .state(FdbState::Static),
    )
    .unwrap();
    let before = bridge_rows(ns, &[]);
    let all = views_agree(c, ns, &b);
    assert_eq!(
        entry(&all, A, v0, vid, true).fdb_state(),
        Some(FdbState::Dynamic)
    );
    assert_eq!(
        entry(&all, B, v0, None, true).fdb_state(),
        Some(FdbState::Static)
    );
    let e = c
        .request(&FdbRequest::add(v0, B).on_master().state(FdbState::Dynamic))
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EEXIST), "{e}");
    assert_eq!(bridge_rows(ns, &[]), before);

    // Delete, each from its table; a second delete is ENOENT.
    let del_a = with_vlan(FdbRequest::delete(v0, A).on_master(), vid);
    c.request(&del_a).unwrap();
    let e = c.request(&del_a).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "delete fdb entry 02:00:00:00:00:0a on link {v0}: "
        )),
        "{e}"
    );
    let all = views_agree(c, ns, &b);
    assert_eq!(macs(&all), names(&[B, C, D, E, F]));
    for r in [
        FdbRequest::delete(v0, B).on_master(),
        FdbRequest::delete(v1, C),
        FdbRequest::delete(v0, D).on_self(),
        FdbRequest::delete(v0, E).on_self(),
        FdbRequest::delete(br, F),
    ] {
        c.request(&r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    }
    let all = views_agree(c, ns, &b);
    assert_eq!(macs(&all), Vec::<String>::new());
}

fn with_vlan_get(r: GetFdbEntry, vlan: Option<u16>) -> GetFdbEntry {
    match vlan {
        Some(v) => r.vlan(v),
        None => r,
    }
}

/// A flush, the rows of `bridge`'s view it removes, and the test's MACs
/// left after it.
type FlushStep<'a> = (FdbFlush, &'a dyn Fn(&Row) -> bool, &'a [[u8; 6]]);

/// `bridge fdb show` rows minus those `gone` says a flush removes.
fn without(rows: &[Row], gone: impl Fn(&Row) -> bool) -> Vec<Row> {
    rows.iter().filter(|r| !gone(r)).cloned().collect()
}

/// Whether the running kernel is at least `major.minor`.
fn kernel_at_least(major: u32, minor: u32) -> bool {
    let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut it = r
        .trim()
        .split(['.', '-'])
        .map(|x| x.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0)) >= (major, minor)
}

/// Refused requests come back as kernel errors naming what was asked and
/// change nothing; bulk deletes remove exactly what they match.
fn fdb_errors_and_flushes(c: &mut dyn Client, ns: &TestNs) {
    let b = setup(c, ns);
    let (br, v0, v1) = (b.br, b.v0, b.v1);
    c.request(&FdbRequest::add(v0, S).on_master().state(FdbState::Static))
        .unwrap();
    let before = bridge_rows(ns, &[]);
    let missing = b.names.keys().max().unwrap() + 100;
    for (r, errno, what) in [
        (
            FdbRequest::add(missing, Z).on_master(),
            Errno::ENODEV,
            format!("add fdb entry 02:00:00:00:00:1d on link {missing}: ENODEV"),
        ),
        // The bridge's table, of a device that is no bridge port.
        (
            FdbRequest::add(v1, Z).on_master(),
            Errno::EOPNOTSUPP,
            format!("add fdb entry 02:00:00:00:00:1d on link {v1}: EOPNOTSUPP"),
        ),
        // A device's own address list holds permanent entries only.
        (
            FdbRequest::add(v1, Z).state(FdbState::Dynamic),
            Errno::EINVAL,
            format!("add fdb entry 02:00:00:00:00:1d on link {v1}: EINVAL"),
        ),
        // VLAN 20 is configured nowhere.
        (
            FdbRequest::add(v0, Z).on_master().vlan(20),
            Errno::EINVAL,
            format!("add fdb entry 02:00:00:00:00:1d on link {v0}: EINVAL"),
        ),
        (
            FdbRequest::add(v0, S).on_master().state(FdbState::Dynamic),
            Errno::EEXIST,
            format!("add fdb entry 02:00:00:00:00:1b on link {v0}: EEXIST"),
        ),
        (
            FdbRequest::delete(v0, Z).on_master(),
            Errno::ENOENT,
            format!("delete fdb entry 02:00:00:00:00:1d on link {v0}: ENOENT"),
        ),
    ] {
        let e = c.request(&r).unwrap_err();
        assert_eq!(e.errno(), Some(errno), "{r:?}: {e}");
        assert!(e.to_string().starts_with(&what), "{r:?}: {e}");
    }
    // A GET names a bridge port (or a bridge with `bridge`), or a device
    // whose own table answers GETs (a bridge, a VXLAN device).
    for (g, errno) in [
        (GetFdbEntry::new(v1, S), Errno::EINVAL),
        (GetFdbEntry::new(v1, S).on_self(), Errno::EOPNOTSUPP),
        (GetFdbEntry::new(0, S), Errno::ENODEV),
        (GetFdbEntry::new(missing, S).bridge(br), Errno::ENODEV),
    ] {
        let e = c.get_fdb_entry(&g).unwrap_err();
        assert_eq!(e.errno(), Some(errno), "{g:?}: {e}");
        assert!(
            e.to_string()
                .starts_with("get fdb entry 02:00:00:00:00:1b: "),
            "{e}"
        );
    }
    assert_eq!(
        bridge_rows(ns, &[]),
        before,
        "a refused request changed nothing"
    );
    assert_eq!(macs(&views_agree(c, ns, &b)), names(&[S]));

    if !kernel_at_least(5, 19) {
        say_skipped(
            "fdb_errors_and_flushes (flush part)",
            "bulk FDB deletes need Linux 5.19",
        );
        return;
    }
    for r in [
        FdbRequest::add(v0, K)
            .on_master()
            .state(FdbState::Static)
            .flags(NTF_STICKY),
        FdbRequest::add(v0, Y).on_master().state(FdbState::Dynamic),
        FdbRequest::add(v0, Z).on_master().state(FdbState::Dynamic),
        FdbRequest::add(br, F),
    ] {
        c.request(&r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    }
    let all = views_agree(c, ns, &b);
    assert_eq!(macs(&all), names(&[F, K, S, Y, Z]));
    assert_eq!(
        entry(&all, K, v0, None, true).flags & NTF_STICKY,
        NTF_STICKY
    );

    // A refused flush (a state bit the kernel does not match on) changes
    // nothing.
    let rows = bridge_rows(ns, &[]);
    let e = c
        .request(&FdbFlush::new(br).state(NUD_REACHABLE, NUD_REACHABLE))
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("flush fdb of link {br}: ")),
        "{e}"
    );
    assert_eq!(bridge_rows(ns, &[]), rows);

    // Each flush removes exactly what it matches, of the bridge's table
    // only (the devices' own address lists stay).
    let bridge_entry = |r: &Row| r.4 == "br0";
    let steps: [FlushStep<'_>; 5] = [
        // bridge fdb flush dev br0 vlan 10: the VLAN-10 copies only.
        (
            FdbFlush::new(br).vlan(10),
            &|r: &Row| bridge_entry(r) && r.2 == 10,
            &[F, K, S, Y, Z],
        ),
        // bridge fdb flush dev br0 sticky
        (
            FdbFlush::new(br).flags(NTF_STICKY, NTF_STICKY),
            &|r: &Row| bridge_entry(r) && r.3.iter().any(|f| f == "sticky"),
            &[F, S, Y, Z],
        ),
        // bridge fdb flush dev br0 dynamic
        (
            FdbFlush::new(br).state(0, NUD_NOARP | NUD_PERMANENT),
            &|r: &Row| bridge_entry(r) && r.5.is_empty(),
            &[F, S],
        ),
        // bridge fdb flush dev br0 brport v0 static
        (
            FdbFlush::new(br)
                .brport(v0)
                .state(NUD_NOARP, NUD_NOARP | NUD_PERMANENT),
            &|r: &Row| bridge_entry(r) && r.1 == "v0" && r.5 == "static",
            &[F],
        ),
        // bridge fdb flush dev v0 master: the rest of v0's, local ones too
        (
            FdbFlush::new(v0).on_master(),
            &|r: &Row| bridge_entry(r) && r.1 == "v0",
            &[F],
        ),
    ];
    for (flush, gone, left) in steps {
        let expected = without(&bridge_rows(ns, &[]), gone);
        c.request(&flush)
            .unwrap_or_else(|e| panic!("{flush:?}: {e}"));
        assert_eq!(bridge_rows(ns, &[]), expected, "after {flush:?}");
        let all = views_agree(c, ns, &b);
        assert_eq!(macs(&all), names(left), "after {flush:?}");
    }
    // What is left of the bridge's table is br0's own (F and its MAC).
    let left = c.fdb_entries(GetFdbEntries::new().bridge(br)).unwrap();
    assert!(
        left.iter()
            .filter(|e| e.master.is_some())
            .all(|e| e.index == br),
        "{left:#?}"
    );
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        fdb_written_and_read_as_bridge_does,
        fdb_errors_and_flushes,
    ],
}
