//! `nlw nexthop` against `ip nexthop`: what each prints of the same
//! nexthops (every shape, text, JSON and details, with the selectors), what
//! each writes (the same command in two namespaces prepared alike must
//! leave the same nexthops and routes, and print and exit the same), and
//! routes through nexthops (`nhid`, `-d`'s `nh_info`).

mod common;
use common::{ip, nlw, same_as_ip};
use nlwire_tests::{TestNs, privileged_or_skip};

/// Links and addresses the nexthops use.
fn base(ns: &TestNs) {
    ns.ip_batch(
        "link set lo up\n\
         link add v0 type veth peer name v1\n\
         link set v0 up\nlink set v1 up\n\
         addr add 192.0.2.1/24 dev v0\n\
         addr add 2001:db8:1::1/64 dev v0 nodad\n",
    );
}

/// Nexthops of every shape, and routes through them.
fn populate(ns: &TestNs) {
    base(ns);
    ns.ip_batch(
        "nexthop add id 1 via 192.0.2.2 dev v0\n\
         nexthop add id 2 dev v1\n\
         nexthop add id 3 blackhole\n\
         nexthop add id 4 via 198.51.100.1 dev v0 onlink\n\
         nexthop add id 5 via 2001:db8:1::2 dev v0\n\
         nexthop add id 6 via 192.0.2.3 fdb\n\
         nexthop add id 7 via 2001:db8:1::3 fdb\n\
         nexthop add id 8 via 192.0.2.4 dev v0 proto static\n\
         nexthop add id 9 dev v1 proto 250\n\
         nexthop add id 10 group 1/8\n\
         nexthop add id 11 group 1,3/8,256\n\
         nexthop add id 12 group 6 fdb\n\
         nexthop add id 13 group 1/8 type resilient buckets 8 idle_timer 60 unbalanced_timer 120\n\
         nexthop add via 192.0.2.10 dev v0\n\
         route add 198.51.100.0/26 nhid 1\n\
         route add 198.51.100.64/26 nhid 10\n\
         route add 198.51.100.128/26 nhid 13\n\
         route add 192.0.2.128/25 nhid 3\n\
         route add 203.0.113.0/24 nhid 5\n\
         route add 2001:db8:2::/48 nhid 5\n",
    );
}

#[test]
fn nexthops_and_their_routes_print_as_ip_prints_them() {
    if !privileged_or_skip("nlw nexthop::nexthops_and_their_routes_print_as_ip_prints_them") {
        return;
    }
    let ns = TestNs::create();
    populate(&ns);
    let shows: &[&[&str]] = &[
        &["nexthop"],
        &["nexthop", "show"],
        &["-j", "nexthop", "show"],
        &["-j", "-p", "nexthop", "list"],
        &["-d", "nexthop", "show"],
        &["-d", "-j", "nexthop", "show"],
        &["-o", "nexthop", "show"],
        &["nexthop", "show", "dev", "v1"],
        &["nexthop", "show", "groups"],
        &["nexthop", "show", "master", "v0"],
        &["-4", "nexthop", "show"],
        &["-6", "nexthop", "show"],
        &["nexthop", "show", "protocol", "250"],
        &["nexthop", "show", "id", "11"],
        &["-j", "nexthop", "get", "id", "13"],
        &["nexthop", "get", "id", "12"],
        &["route", "show"],
        &["-j", "route", "show"],
        &["-d", "route", "show"],
        &["-d", "-j", "route", "show"],
        &["-6", "-d", "route", "show"],
        &["-d", "route", "get", "198.51.100.70"],
        // Errors.
        &["nexthop", "get", "id", "999"],
        &["nexthop", "show", "id", "999"],
        &["nexthop", "show", "dev", "nosuch"],
        &["nexthop", "show", "vrf", "v0"],
        &["nexthop", "show", "protocol", "static"],
        &["nexthop", "show", "bogus"],
        &["nexthop", "show", "id", "x"],
    ];
    for args in shows {
        same_as_ip(&ns, args);
    }
    // The buckets of the resilient group 13; their idle times run.
    let buckets: &[&[&str]] = &[
        &["nexthop", "bucket"],
        &["nexthop", "bucket", "show"],
        &["-j", "nexthop", "bucket", "list"],
        &["nexthop", "bucket", "show", "id", "13"],
        // 0 is no filter (the kernel refuses an id of 0).
        &["nexthop", "bucket", "show", "id", "0", "nhid", "0"],
        &["-j", "nexthop", "bucket", "show", "nhid", "8"],
        &["nexthop", "bucket", "show", "dev", "v0"],
        &["nexthop", "bucket", "show", "master", "v0"],
        &["-4", "nexthop", "bucket", "show"],
        &["nexthop", "bucket", "get", "id", "13", "index", "3"],
        &["-j", "nexthop", "bucket", "get", "index", "7", "id", "13"],
        // Errors.
        &["nexthop", "bucket", "show", "id", "999"],
        &["nexthop", "bucket", "show", "id", "1"],
        &["nexthop", "bucket", "get", "id", "13", "index", "99"],
        &["nexthop", "bucket", "get", "id", "13", "index", "x"],
        &["nexthop", "bucket", "show", "dev", "nosuch"],
        &["nexthop", "bucket", "show", "bogus"],
    ];
    for args in buckets {
        common::same_as_ip_with(&ns, args, mask_idle_times);
    }
    let (_, text, _) = ip(&ns, &["nexthop", "bucket", "show", "id", "13"]);
    assert_eq!(text.lines().count(), 8, "{text}");
    assert!(text.contains("id 13 index 7 idle_time "), "{text}");
    // What was compared holds what it should.
    let (_, text, _) = ip(&ns, &["-d", "route", "show"]);
    assert!(
        text.contains("\tnh_info id 13 group 1/8 type resilient buckets 8"),
        "{text}"
    );
}

/// A bucket's idle time, which runs while the two read (`idle_time 1.23 `
/// in text, `"idle_time":1.23` in JSON), as `0`.
fn mask_idle_times(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("idle_time") {
        let (head, tail) = rest.split_at(i + "idle_time".len());
        out.push_str(head);
        let skip = tail
            .find(|c: char| c.is_ascii_digit())
            .filter(|&k| tail[..k].chars().all(|c| c == ' ' || c == '"' || c == ':'))
            .unwrap_or(0);
        out.push_str(&tail[..skip]);
        let num = tail[skip..]
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-')))
            .unwrap_or(tail.len() - skip);
        if num > 0 {
            out.push('0');
        }
        rest = &tail[skip + num..];
    }
    out.push_str(rest);
    out
}

/// The commands each run by ip in one namespace and by nlw in another,
/// prepared alike, in order.
const WRITES: &[&str] = &[
    "nexthop add id 1 via 192.0.2.2 dev v0",
    "nexthop add id 2 dev v1 protocol static",
    "nexthop add id 3 blackhole",
    "-6 nexthop add id 4 blackhole",
    "nexthop add id 5 via inet6 2001:db8:1::2 dev v0 onlink",
    "nexthop add id 6 via 192.0.2.3 fdb",
    "nexthop add id 10 group 1/2,7",
    "nexthop add id 11 group 1,256/2 type resilient buckets 16 idle_timer 30",
    "nexthop add id 12 group 6 fdb",
    "nexthop add via 192.0.2.9 dev v0",
    "nexthop replace id 1 via 192.0.2.4 dev v0",
    "nexthop replace id 20 dev v0",
    "nexthop replace id 11 group 1,2/2 type resilient unbalanced_timer 5",
    "route add 198.51.100.0/24 nhid 10",
    // Refused, by the kernel or by the command line, changing nothing.
    "nexthop add id 1 via 192.0.2.2 dev v0",
    "nexthop add id 40 via 192.0.2.2",
    "nexthop add id 40",
    "nexthop add id 40 dev v0 onlink",
    "nexthop add id 40 blackhole dev v0",
    "nexthop add id 40 group 3 blackhole",
    "nexthop add id 40 via 192.0.2.5 dev v0 fdb",
    "nexthop add id 40 group 999",
    "nexthop add id 40 group 1/1",
    "nexthop add id 40 group 10/1",
    "nexthop add id 40 group 1/6",
    "nexthop add id 40 group 1,0",
    "nexthop add id 40 group 1/2 type resilient",
    "nexthop add id 40 group 1/2 type resilient buckets 0",
    "nexthop add id 40 group 1/2 type bogus",
    "nexthop add id 40 group 1/2 type m",
    "nexthop add id 40 group 1/2 type resil buckets 4",
    "nexthop add id 40 group x/2",
    "nexthop add id 40 group 1,3/x",
    "nexthop add id 40 group 1/2,x",
    "nexthop add id 40 dev nosuch",
    "nexthop add id x dev v0",
    "nexthop add id 40 dev v0 bogus",
    "nexthop add id 40 dev v0 via 2001:db8:1::9",
    "nexthop add id 40 via 192.0.2.2 dev v0 proto bogus",
    "nexthop add id 40 via 192.0.2.2 dev",
    "nexthop replace via 192.0.2.2 dev v0",
    "nexthop replace id 1 group 2",
    "nexthop replace id 10 via 192.0.2.2 dev v0",
    "nexthop del",
    "nexthop del id 0",
    "nexthop del id 999",
    "nexthop flush id 999",
    // Deletes and flushes.
    "nexthop del id 2",
    "nexthop flush protocol 4",
    "nexthop flush protocol 4",
    "nexthop flush dev v0",
    "nexthop flush groups",
    "nexthop flush",
    "nexthop flush",
];

#[test]
fn nexthop_writes_are_ips() {
    if !privileged_or_skip("nlw nexthop::nexthop_writes_are_ips") {
        return;
    }
    let (a, b) = (TestNs::create(), TestNs::create());
    base(&a);
    base(&b);
    let state = |ns: &TestNs| {
        let (_, nh, _) = ip(ns, &["-d", "-j", "nexthop", "show"]);
        // IPv4 only: the IPv6 link-local routes differ between the two
        // namespaces (each veth has its own address).
        let (_, r, _) = ip(ns, &["-4", "-j", "route", "show", "table", "all"]);
        (nh, r)
    };
    for line in WRITES {
        let args: Vec<&str> = line.split(' ').collect();
        let theirs = ip(&a, &args);
        let mut all = vec!["-n", b.name()];
        all.extend_from_slice(&args);
        let ours = nlw(&all);
        assert_eq!(
            ours, theirs,
            "{line}: nlw (left) and ip (right) answered differently"
        );
        assert_eq!(
            state(&b),
            state(&a),
            "after {line}: nlw's (left) and ip's (right) state"
        );
    }
    // What was compared did something.
    assert_eq!(state(&a).0, "[]\n", "all flushed");
}
