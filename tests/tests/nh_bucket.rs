//! The buckets of resilient nexthop groups against the real kernel, on
//! every runtime: each dump — unfiltered and with every kernel-side filter
//! (group, member, device, master, family) — must list exactly the buckets
//! `ip -j nexthop bucket show` lists with the same selector; each bucket
//! read alone is the dump's; refused reads come back as the kernel's
//! errors, the same ones `ip` gets, and change nothing. The test names are
//! `mio::…`, `poll::…`, `tokio::…` and `async_io::…`.
//!
//! The namespace holds the veth pair `v0`/`v1`, `v1` a port of the bridge
//! `br0`; nexthops 1 (via 192.0.2.2 dev v0), 2 (dev v1) and 3 (via
//! 2001:db8::2 dev v0); resilient groups 10 (1 and 2, weights 1 and 3, 8
//! buckets, idle timer 60 s) and 11 (1 and 3, 6 buckets), and the plain
//! group 20 (1 and 2). Where the kernel has VRFs (the VM kernels do, the
//! host may not), also `vrf0` with its port `v2` (peer `v3`), nexthop 4
//! (dev v2) and resilient group 13 (2 and 4, 4 buckets).
//!
//! A bucket's idle time runs (in `USER_HZ` ticks): two readings are
//! compared without it, and a later reading must show no less.

use std::collections::BTreeMap;
use std::net::IpAddr;

use nlwire::route::nh::USER_HZ;
use nlwire::route::{
    AF_INET, AF_INET6, GetNexthopBucket, GetNexthopBuckets, GetNexthops, GroupMember,
    NexthopBucket, NexthopRequest, ResGroup,
};
use nlwire::{Errno, InvalidInput};
use nlwire_tests::{Client, TestNs, per_runtime, vm_kernel};

/// What the namespace holds: link indexes by name, and whether there is
/// a VRF (then `vrf0`, `v2`, nexthop 4 and group 13 exist).
struct Setup {
    index: BTreeMap<String, u32>,
    vrf: bool,
}

impl Setup {
    fn link(&self, name: &str) -> u32 {
        self.index[name]
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn setup(c: &mut dyn Client, ns: &TestNs) -> Setup {
    ns.ip_batch(
        "link add v0 type veth peer name v1\n\
         link add br0 type bridge\n\
         link set v1 master br0\n\
         link set v0 up\n\
         link set v1 up\n\
         link set br0 up\n\
         addr add 192.0.2.1/24 dev v0\n\
         addr add 2001:db8::1/64 dev v0 nodad\n",
    );
    let vrf = std::process::Command::new("ip")
        .args(["-n", ns.name(), "link", "add", "vrf0", "type", "vrf"])
        .args(["table", "100"])
        .output()
        .expect("iproute2's ip")
        .status
        .success();
    if let (false, Some(vm)) = (vrf, vm_kernel()) {
        panic!("the VM kernel {vm} has no VRF");
    }
    if vrf {
        ns.ip_batch(
            "link add v2 type veth peer name v3\n\
             link set v2 master vrf0\n\
             link set vrf0 up\n\
             link set v2 up\n\
             link set v3 up\n",
        );
    }
    let index: BTreeMap<String, u32> = c
        .links()
        .unwrap()
        .into_iter()
        .map(|l| (l.name, l.index))
        .collect();
    let s = Setup { index, vrf };
    let res = |buckets: u16, idle: Option<u32>| ResGroup {
        buckets: Some(buckets),
        idle_timer: idle,
        ..Default::default()
    };
    let one = GroupMember::new;
    let g10 = [one(1), GroupMember::weighted(2, 3).unwrap()];
    let g11 = [one(1), one(3)];
    let g13 = [one(2), one(4)];
    let g20 = [one(1), one(2)];
    let mut reqs = vec![
        NexthopRequest::add(1)
            .unwrap()
            .gateway(ip("192.0.2.2"))
            .device(s.link("v0")),
        NexthopRequest::add(2).unwrap().device(s.link("v1")),
        NexthopRequest::add(3)
            .unwrap()
            .gateway(ip("2001:db8::2"))
            .device(s.link("v0")),
        NexthopRequest::add(10)
            .unwrap()
            .resilient_group(&g10, res(8, Some(60 * USER_HZ)))
            .unwrap(),
        NexthopRequest::add(11)
            .unwrap()
            .resilient_group(&g11, res(6, None))
            .unwrap(),
        NexthopRequest::add(20).unwrap().group(&g20).unwrap(),
    ];
    if vrf {
        reqs.push(NexthopRequest::add(4).unwrap().device(s.link("v2")));
        reqs.push(
            NexthopRequest::add(13)
                .unwrap()
                .resilient_group(&g13, res(4, None))
                .unwrap(),
        );
    }
    for r in &reqs {
        c.request(r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    }
    s
}

/// One bucket as `ip -j nexthop bucket` prints it, without its idle time:
/// group, index, member, flags.
type Row = (u64, u64, u64, Vec<String>);

/// `print_rt_flags`'s names of a bucket's `RTNH_F_*` flags, in its order.
fn flag_names(flags: u32) -> Vec<String> {
    let mut v: Vec<String> = [
        (1, "dead"),
        (2, "pervasive"),
        (4, "onlink"),
        (8, "offload"),
        (16, "linkdown"),
        (32, "unresolved"),
        (64, "trap"),
    ]
    .into_iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, n)| n.to_string())
    .collect();
    if flags & !0x7f != 0 {
        v.push(format!("{:#x}", flags & !0x7f));
    }
    v
}

fn row(b: &NexthopBucket) -> Row {
    (
        u64::from(b.id),
        u64::from(b.index),
        u64::from(b.nhid),
        flag_names(b.flags),
    )
}

/// `ip -n NS [OPTS] -force -batch` of `nexthop bucket LINE` for each
/// line: one process (a process per selector costs seconds under the
/// VMs' emulation); with `-force`, every line runs whatever the others do.
fn ip_batch(ns: &TestNs, opts: &[&str], lines: &[String]) -> std::process::Output {
    let path = std::env::temp_dir().join(format!("{}-buckets.batch", ns.name()));
    let text: String = lines
        .iter()
        .map(|l| format!("nexthop bucket {l}\n"))
        .collect();
    std::fs::write(&path, text).expect("write batch file");
    let out = std::process::Command::new("ip")
        .args(["-n", ns.name()])
        .args(opts)
        .args(["-force", "-batch"])
        .arg(&path)
        .output()
        .expect("iproute2's ip");
    let _ = std::fs::remove_file(&path);
    out
}

/// `ip [OPTS] -j nexthop bucket LINE` for each line, in one process: each
/// line's rows, sorted, with each one's idle time in seconds.
fn ip_rows(ns: &TestNs, opts: &[&str], lines: &[String]) -> Vec<Vec<(Row, f64)>> {
    let mut o = opts.to_vec();
    o.push("-j");
    let out = ip_batch(ns, &o, lines);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        out.status.success(),
        "ip {opts:?} {lines:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One JSON array a line.
    let arrays: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("ip {opts:?} {lines:?}: {e}: {text}"));
    assert_eq!(arrays.len(), lines.len(), "ip {opts:?} {lines:?}: {text}");
    arrays
        .iter()
        .map(|j| {
            let mut rows: Vec<(Row, f64)> = j
                .as_array()
                .unwrap_or_else(|| panic!("{j}"))
                .iter()
                .map(|e| {
                    let b = &e["bucket"];
                    let n = |v: &serde_json::Value| v.as_u64().unwrap_or_else(|| panic!("{e}"));
                    let flags = e["flags"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{e}"))
                        .iter()
                        .map(|f| f.as_str().unwrap().to_string())
                        .collect();
                    let idle = b["idle_time"].as_f64().unwrap_or_else(|| panic!("{e}"));
                    ((n(&e["id"]), n(&b["index"]), n(&b["nhid"]), flags), idle)
                })
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            rows
        })
        .collect()
}

/// Our buckets and `ip`'s (read after ours) are the same, and none of
/// ours was idle longer than `ip` says it was a moment later.
fn same_as_ip(ours: &[NexthopBucket], ip: &[(Row, f64)], what: &str) {
    let mut mine: Vec<(Row, u64)> = ours
        .iter()
        .map(|b| {
            let t = b
                .idle_time
                .unwrap_or_else(|| panic!("{what}: no idle time: {b:?}"));
            (row(b), t)
        })
        .collect();
    mine.sort();
    let rows: Vec<&Row> = mine.iter().map(|(r, _)| r).collect();
    let theirs: Vec<&Row> = ip.iter().map(|(r, _)| r).collect();
    assert_eq!(rows, theirs, "{what}");
    for ((r, t), (_, secs)) in mine.iter().zip(ip) {
        // `ip` prints ticks / USER_HZ; its reading is the later one.
        assert!(
            *t as f64 <= secs * f64::from(USER_HZ) + 0.5,
            "{what}: {r:?} idle {t} ticks, then {secs} s"
        );
    }
}

/// Our dump with each request, then `ip [OPTS] nexthop bucket show ARGS`
/// with each one's selector: each pair lists the same buckets. Returns
/// ours.
///
/// `ip -batch` keeps the filters of a batch's earlier lines (iproute2's
/// filter is a static it never resets between lines): each line starts
/// with `id 0 nhid 0` (no filter; a later `id`, `nhid` wins), and a line
/// without `dev` (or `master`, `vrf`) after one with it goes to a new
/// process.
fn agree<const N: usize>(
    c: &mut dyn Client,
    ns: &TestNs,
    opts: &[&str],
    cases: [(GetNexthopBuckets, &str); N],
) -> [Vec<NexthopBucket>; N] {
    let ours: Vec<Vec<NexthopBucket>> = cases
        .iter()
        .map(|(req, _)| {
            c.nexthop_buckets(*req)
                .unwrap_or_else(|e| panic!("{req:?}: {e}"))
        })
        .collect();
    let mut ip = vec![];
    let mut batch: Vec<String> = vec![];
    let (mut dev, mut master) = (false, false);
    for (_, args) in &cases {
        let has = |k: &[&str]| args.split(' ').any(|w| k.contains(&w));
        let (d, m) = (has(&["dev"]), has(&["master", "vrf"]));
        if (dev && !d) || (master && !m) {
            ip.extend(ip_rows(ns, opts, &batch));
            batch.clear();
            (dev, master) = (false, false);
        }
        (dev, master) = (dev || d, master || m);
        batch.push(format!("show id 0 nhid 0 {args}"));
    }
    ip.extend(ip_rows(ns, opts, &batch));
    for ((mine, (req, args)), theirs) in ours.iter().zip(&cases).zip(&ip) {
        let what = format!(
            "{req:?} against `ip {} nexthop bucket show {args}`",
            opts.join(" ")
        );
        same_as_ip(mine, theirs, &what);
    }
    ours.try_into().expect("N dumps")
}

/// A bucket without its idle time, which runs.
fn timeless(b: &NexthopBucket) -> NexthopBucket {
    let mut b = b.clone();
    b.idle_time = None;
    b
}

fn timeless_all(v: &[NexthopBucket]) -> Vec<NexthopBucket> {
    v.iter().map(timeless).collect()
}

/// Group `id`'s buckets in `all`: how many hold each member.
fn members(all: &[NexthopBucket], id: u32) -> BTreeMap<u32, usize> {
    let mut m = BTreeMap::new();
    for b in all.iter().filter(|b| b.id == id) {
        *m.entry(b.nhid).or_insert(0) += 1;
    }
    m
}

fn buckets_read_as_ip_does(c: &mut dyn Client, ns: &TestNs) {
    let s = setup(c, ns);
    let g = GetNexthopBuckets::new;
    let (v0, v1, br0) = (s.link("v0"), s.link("v1"), s.link("br0"));
    // Each filter is the kernel's and ip's.
    let [
        all,
        g10,
        g11,
        m1,
        m2,
        m3,
        m99,
        g10_m2,
        d_v0,
        d_v1,
        d_v0_m2,
        g11_d_v0,
        m_br0,
        m_br0_d_v0,
        m_v0,
    ] = agree(
        c,
        ns,
        &[],
        [
            (g(), ""),
            (g().group(10), "id 10"),
            (g().group(11), "id 11"),
            (g().member(1), "nhid 1"),
            (g().member(2), "nhid 2"),
            (g().member(3), "nhid 3"),
            (g().member(99), "nhid 99"),
            (g().group(10).member(2), "id 10 nhid 2"),
            (g().device(v0), "dev v0"),
            (g().device(v1), "dev v1"),
            (g().device(v0).member(2), "dev v0 nhid 2"),
            (g().group(11).device(v0), "id 11 dev v0"),
            (g().master(br0), "master br0"),
            (g().master(br0).device(v0), "master br0 dev v0"),
            (g().master(v0), "master v0"),
        ],
    );
    // Every bucket of each resilient group, once, in index order; none of
    // the plain group 20.
    let groups: &[(u32, u16)] = if s.vrf {
        &[(10, 8), (11, 6), (13, 4)]
    } else {
        &[(10, 8), (11, 6)]
    };
    let mut want = vec![];
    for &(id, n) in groups {
        want.extend((0..n).map(|i| (id, i)));
    }
    let got: Vec<(u32, u16)> = all.iter().map(|b| (b.id, b.index)).collect();
    assert_eq!(got, want, "{all:#?}");
    // Members share the buckets by weight, all at once in a new group.
    assert_eq!(members(&all, 10), BTreeMap::from([(1, 2), (2, 6)]));
    assert_eq!(members(&all, 11), BTreeMap::from([(1, 3), (3, 3)]));
    if s.vrf {
        assert_eq!(members(&all, 13), BTreeMap::from([(2, 2), (4, 2)]));
    }
    assert!(all.iter().all(|b| b.flags == 0), "{all:#?}");

    // What each filter keeps.
    let holding = |nh: &[u32]| -> Vec<NexthopBucket> {
        timeless_all(&all)
            .into_iter()
            .filter(|b| nh.contains(&b.nhid))
            .collect()
    };
    let of_group = |id: u32| -> Vec<NexthopBucket> {
        timeless_all(&all)
            .into_iter()
            .filter(|b| b.id == id)
            .collect()
    };
    assert_eq!(timeless_all(&g10), of_group(10));
    assert_eq!(timeless_all(&g11), of_group(11));
    assert_eq!(g11.len(), 6);
    for (v, nh) in [(&m1, 1), (&m2, 2), (&m3, 3)] {
        assert_eq!(timeless_all(v), holding(&[nh]), "member {nh}");
    }
    assert!(m99.is_empty());
    assert!(g10_m2.len() == 6 && g10_m2.iter().all(|b| (b.id, b.nhid) == (10, 2)));
    // The device of the member: v0 is 1's and 3's, v1 is 2's.
    assert_eq!(timeless_all(&d_v0), holding(&[1, 3]));
    assert_eq!(timeless_all(&d_v1), holding(&[2]));
    assert!(d_v0_m2.is_empty());
    assert_eq!(timeless_all(&g11_d_v0), of_group(11));
    // The master of the member's device: br0 is v1's (only 2's buckets);
    // v0 is no one's master.
    assert_eq!(timeless_all(&m_br0), holding(&[2]));
    assert!(m_br0_d_v0.is_empty() && m_v0.is_empty());
    // The family of the member: 3 is the only IPv6 one.
    let [v6, v6_g10] = agree(
        c,
        ns,
        &["-6"],
        [
            (g().family(AF_INET6), ""),
            (g().family(AF_INET6).group(10), "id 10"),
        ],
    );
    assert_eq!(timeless_all(&v6), holding(&[3]));
    assert!(v6_g10.is_empty());
    let [v4] = agree(c, ns, &["-4"], [(g().family(AF_INET), "")]);
    assert_eq!(timeless_all(&v4), holding(&[1, 2, 4]));
    if s.vrf {
        let (vrf0, v2) = (s.link("vrf0"), s.link("v2"));
        let [m_vrf0, g13_m_br0, d_v2] = agree(
            c,
            ns,
            &[],
            [
                (g().master(vrf0), "vrf vrf0"),
                (g().group(13).master(br0), "id 13 master br0"),
                (g().device(v2), "dev v2"),
            ],
        );
        assert_eq!(timeless_all(&m_vrf0), holding(&[4]));
        assert_eq!(timeless_all(&d_v2), holding(&[4]));
        assert!(g13_m_br0.len() == 2 && g13_m_br0.iter().all(|b| (b.id, b.nhid) == (13, 2)));
    }
    // The members' devices, as the nexthops say.
    let oif: BTreeMap<u32, Option<u32>> = c
        .nexthops(GetNexthops::new())
        .unwrap()
        .into_iter()
        .map(|n| (n.id, n.oif))
        .collect();
    assert_eq!((oif[&1], oif[&2], oif[&3]), (Some(v0), Some(v1), Some(v0)));

    // One bucket at a time: the dump's, idle a little longer.
    for b in &all {
        let r = GetNexthopBucket::new(b.id, b.index).unwrap();
        let one = c
            .get_nexthop_bucket(&r)
            .unwrap_or_else(|e| panic!("{r:?}: {e}"));
        assert_eq!(timeless(&one), timeless(b));
        assert!(one.idle_time >= b.idle_time, "{one:?} after {b:?}");
    }
    // With a family (which the kernel does not check), and as ip reads it.
    let gets = [(10, 0), (10, 7), (11, 5)];
    let ours: Vec<NexthopBucket> = gets
        .iter()
        .map(|&(id, index)| {
            let r = GetNexthopBucket::new(id, index).unwrap().family(AF_INET6);
            c.get_nexthop_bucket(&r)
                .unwrap_or_else(|e| panic!("{r:?}: {e}"))
        })
        .collect();
    let lines: Vec<String> = gets
        .iter()
        .map(|(id, index)| format!("get id {id} index {index}"))
        .collect();
    for ((one, theirs), line) in ours.iter().zip(ip_rows(ns, &[], &lines)).zip(&lines) {
        same_as_ip(std::slice::from_ref(one), &theirs, line);
    }

    // A member replaced away: its buckets move at once, whatever the idle
    // timer. Back in the group, it gets its share again at once too: a
    // bucket that has not been used since it moved counts as idle.
    let res = ResGroup {
        buckets: Some(8),
        idle_timer: Some(60 * USER_HZ),
        ..Default::default()
    };
    let only_1 = [GroupMember::new(1)];
    let again = [GroupMember::new(1), GroupMember::weighted(2, 3).unwrap()];
    for (m, share) in [
        (&only_1[..], vec![(1, 8)]),
        (&again[..], vec![(1, 2), (2, 6)]),
    ] {
        let r = NexthopRequest::replace(10)
            .unwrap()
            .resilient_group(m, res)
            .unwrap();
        c.request(&r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
        let [v] = agree(c, ns, &[], [(g().group(10), "id 10")]);
        assert_eq!(members(&v, 10), BTreeMap::from_iter(share), "after {r:?}");
    }
    // A group deleted: its buckets go with it.
    c.request(&NexthopRequest::delete(11).unwrap()).unwrap();
    let [v] = agree(c, ns, &[], [(g(), "")]);
    let left: Vec<NexthopBucket> = timeless_all(&all)
        .into_iter()
        .filter(|b| b.id != 11)
        .collect();
    assert_eq!(timeless_all(&v), left);
    let e = c.nexthop_buckets(g().group(11)).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENOENT), "{e}");
}

/// The kernel's refusals: the errno, its reason, and what `ip` says of
/// the same selector.
type Refusal = (Errno, Option<&'static str>, &'static str);

fn bucket_refusals(c: &mut dyn Client, ns: &TestNs) {
    setup(c, ns);
    let g = GetNexthopBuckets::new;
    let [before] = agree(c, ns, &[], [(g(), "")]);
    assert!(!before.is_empty());

    // Group 0 is no group: refused before anything is sent.
    match GetNexthopBucket::new(0, 0) {
        Err(InvalidInput::OutOfRange { what, value, .. }) => {
            assert_eq!((what, value), ("nexthop id", 0));
        }
        r => panic!("{r:?}"),
    }

    let missing: Refusal = (
        Errno::ENOENT,
        None,
        "RTNETLINK answers: No such file or directory",
    );
    let not_group: Refusal = (
        Errno::EINVAL,
        Some("Not a nexthop group"),
        "Error: Not a nexthop group.",
    );
    let not_res: Refusal = (
        Errno::EINVAL,
        Some("Nexthop group not of type resilient"),
        "Error: Nexthop group not of type resilient.",
    );
    let past: Refusal = (
        Errno::ENOENT,
        Some("Bucket index out of bounds"),
        "Error: Bucket index out of bounds.",
    );
    let mut lines = vec![];
    let mut says = vec![];
    // A bucket of a missing group, of a nexthop, of a plain group, past
    // the last one.
    for (id, index, (errno, reason, ip_says)) in [
        (99, 0, missing),
        (1, 0, not_group),
        (20, 0, not_res),
        (10, 8, past),
        (11, 6, past),
        (10, u16::MAX, past),
    ] {
        let r = GetNexthopBucket::new(id, index).unwrap();
        let e = c.get_nexthop_bucket(&r).unwrap_err();
        assert_eq!(e.errno(), Some(errno), "{r:?}: {e}");
        assert_eq!(e.ext_ack_message(), reason, "{r:?}: {e}");
        let start = format!("get bucket {index} of nexthop {id}: ");
        assert!(e.to_string().starts_with(&start), "{e}");
        lines.push(format!("get id {id} index {index}"));
        says.push(ip_says.to_string());
    }
    // The buckets of a missing group, of a nexthop, of a plain group:
    // refused as a whole, nothing listed ("Dump terminated", says ip).
    for (id, (errno, reason, _)) in [(99, missing), (1, not_group), (20, not_res)] {
        let req = g().group(id);
        let e = c.nexthop_buckets(req).unwrap_err();
        assert_eq!(e.errno(), Some(errno), "{req:?}: {e}");
        assert_eq!(e.ext_ack_message(), reason, "{req:?}: {e}");
        assert!(e.to_string().starts_with("dump nexthop buckets: "), "{e}");
        lines.push(format!("show id {id}"));
        says.push(match reason {
            Some(r) => format!("Error: {r}.\nDump terminated"),
            None => "Dump terminated".into(),
        });
    }
    // ip refuses each, printing nothing but its errors: for each line
    // (numbered from 1), its message, then `Command failed FILE:LINE`.
    let out = ip_batch(ns, &[], &lines);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).expect("utf-8");
    let mut failed = vec![];
    let mut text = String::new();
    for l in err.lines() {
        if let Some(at) = l.strip_prefix("Command failed ") {
            let n: usize = at.rsplit(':').next().unwrap().parse().unwrap();
            failed.push((n, std::mem::take(&mut text)));
        } else {
            text.push_str(l);
            text.push('\n');
        }
    }
    let want: Vec<(usize, String)> = says
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i + 1, format!("{s}\n")))
        .collect();
    assert_eq!(failed, want, "{lines:#?}");

    // Nothing changed.
    let [after] = agree(c, ns, &[], [(g(), "")]);
    assert_eq!(timeless_all(&after), timeless_all(&before));
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        buckets_read_as_ip_does,
        bucket_refusals,
    ],
}
