//! Integration scenarios against the real kernel. Each scenario runs in its
//! own fresh named network namespace, once per runtime: the test names are
//! `mio::…`, `poll::…`, `tokio::…` and `async_io::…` (the concurrency
//! scenarios only on the async runtimes).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use nlwire::Errno;
use nlwire::request::RawRequest;
use nlwire::route::{GetLink, GetRoutes, IfInfoMsg, Link, LinkRequest, Route};
use nlwire::wire::{NLM_F_CREATE, NLM_F_EXCL, Writer};
use nlwire_tests::{Churn, Client, TestNs, per_runtime};

/// IFF flag names as `ip` prints them (the bits these tests can see).
const IFF_NAMES: &[(u32, &str)] = &[
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x200, "ALLMULTI"),
    (0x400, "MASTER"),
    (0x800, "SLAVE"),
    (0x1000, "MULTICAST"),
    (0x10000, "LOWER_UP"),
    (0x20000, "DORMANT"),
];

/// `ip`'s flag list: `M-DOWN` is added when the link's peer (`IFLA_LINK`
/// in the same namespace) is down.
fn flag_names(l: &Link, by_index: &HashMap<u32, &Link>) -> BTreeSet<String> {
    let mut s = iff_names(l.flags);
    if let Some(peer) = l.link.and_then(|i| by_index.get(&i))
        && !peer.is_up()
    {
        s.insert("M-DOWN".into());
    }
    s
}

fn iff_names(flags: u32) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = IFF_NAMES
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    if flags & 0x1 != 0 && flags & 0x40 == 0 {
        s.insert("NO-CARRIER".into());
    }
    s
}

fn fresh_namespace_has_only_lo(c: &mut dyn Client, _ns: &TestNs) {
    let links = c.links().unwrap();
    assert_eq!(links.len(), 1, "{}: {links:?}", c.runtime());
    assert_eq!((links[0].index, links[0].name.as_str()), (1, "lo"));
    assert!(links[0].is_up());
}

fn links_match_ip(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&["link", "set", "veth1", "master", "br0"]);
    ns.ip(&["link", "set", "veth0", "mtu", "1400", "up"]);
    ns.ip(&["link", "set", "br0", "up"]);
    // veth0 is up with its peer down, br0 up with its only port down: the
    // kernel's link watcher turns their carriers off a moment later. Wait
    // for it, or it may run between our reading and ip's (seen in CI on
    // the 6.1 VM: veth0 RUNNING in ours, NO-CARRIER in ip's).
    ns.wait_for_state("veth0", "state LOWERLAYERDOWN");
    ns.wait_for_state("br0", "state DOWN");
    let ours = c.links().unwrap();
    let ip = ns.ip_json(&["link", "show"]);
    let ip = ip.as_array().unwrap();
    assert_eq!(ours.len(), ip.len());
    let by_index: HashMap<u32, &Link> = ours.iter().map(|l| (l.index, l)).collect();
    let names: HashMap<u32, &str> = ours.iter().map(|l| (l.index, l.name.as_str())).collect();
    for j in ip {
        let idx = j["ifindex"].as_u64().unwrap() as u32;
        let l = by_index.get(&idx).expect("same indexes");
        assert_eq!(l.name, j["ifname"].as_str().unwrap());
        assert_eq!(l.mtu, j["mtu"].as_u64().map(|m| m as u32));
        let ipflags: BTreeSet<String> = j["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        assert_eq!(flag_names(l, &by_index), ipflags, "flags of {}", l.name);
        assert_eq!(
            l.master.map(|m| names[&m]),
            j["master"].as_str(),
            "master of {}",
            l.name
        );
        assert_eq!(
            l.address.map(|a| a.to_string()).as_deref(),
            j["address"].as_str()
        );
        assert_eq!(l.operstate.map(|s| s.as_str()), j["operstate"].as_str());
    }
    let veth1 = ours.iter().find(|l| l.name == "veth1").unwrap();
    assert_eq!(veth1.kind.as_deref(), Some("veth"));
    assert_eq!(veth1.slave_kind.as_deref(), Some("bridge"));
    // The same link through a GET by name.
    let got = c.get_link(&GetLink::by_name("br0").unwrap()).unwrap();
    assert_eq!(got.kind.as_deref(), Some("bridge"));
    let dumped = by_index[&got.index];
    assert_eq!(
        (got.name.as_str(), got.mtu, got.flags, got.address),
        (
            dumped.name.as_str(),
            dumped.mtu,
            dumped.flags,
            dumped.address
        )
    );
    assert_eq!(got.name, "br0");
}

/// `(dst/len, dev, table, metric, type)` of `ip -j` routes of one family.
fn ip_route_keys(
    ns: &TestNs,
    family: &str,
) -> BTreeSet<(String, String, u32, Option<u64>, String)> {
    let host = if family == "-6" { 128 } else { 32 };
    let v = ns.ip_json(&[family, "route", "show", "table", "all"]);
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let dst = r["dst"].as_str().unwrap();
            let dst = match dst {
                "default" if family == "-6" => "::/0".to_string(),
                "default" => "0.0.0.0/0".to_string(),
                d if d.contains('/') => d.to_string(),
                d => format!("{d}/{host}"),
            };
            let table = match r["table"].as_str() {
                None => 254,
                Some("local") => 255,
                Some("default") => 253,
                Some(t) => t.parse().unwrap(),
            };
            (
                dst,
                r["dev"].as_str().unwrap_or("").to_string(),
                table,
                r["metric"].as_u64(),
                r["type"].as_str().unwrap_or("unicast").to_string(),
            )
        })
        .collect()
}

fn our_route_keys(
    routes: &[Route],
    names: &HashMap<u32, String>,
) -> BTreeSet<(String, String, u32, Option<u64>, String)> {
    const TYPES: [&str; 12] = [
        "none",
        "unicast",
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
        "xresolve",
    ];
    routes
        .iter()
        .filter(|r| r.flags & 0x200 == 0) // RTM_F_CLONED, as ip hides them
        .map(|r| {
            let dst = match r.dst {
                Some(a) => format!("{a}/{}", r.dst_len),
                None if r.family == 10 => "::/0".into(),
                None => "0.0.0.0/0".into(),
            };
            (
                dst,
                r.oif.map(|i| names[&i].clone()).unwrap_or_default(),
                r.table,
                r.priority.map(u64::from),
                TYPES.get(r.kind as usize).unwrap_or(&"?").to_string(),
            )
        })
        .collect()
}

fn ten_thousand_routes_match_ip(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["link", "set", "veth0", "up"]);
    ns.ip(&["link", "set", "veth1", "up"]);
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "veth0"]);
    let mut batch = String::new();
    for i in 0..10_000u32 {
        writeln!(
            batch,
            "route add 2001:db8:{:x}:{:x}::/64 dev veth0 metric {} table {}",
            i / 256 + 1,
            i % 256,
            i % 7,
            if i % 2 == 0 { 254 } else { 1000 + i % 3 }
        )
        .unwrap();
    }
    for i in 0..200u32 {
        writeln!(batch, "route add 198.51.100.{i}/32 via 192.0.2.2 table 100").unwrap();
    }
    ns.ip_batch(&batch);
    let links = c.links().unwrap();
    let names: HashMap<u32, String> = links.into_iter().map(|l| (l.index, l.name)).collect();
    // The kernel adds routes of its own for a while after a link comes up
    // (IPv6 autoconfiguration starts when the carrier event is processed,
    // later on a slow machine). Each comparison is taken between two
    // identical `ip` readings, so the table was the same during ours.
    let stable = |c: &mut dyn Client, family: &str, req: GetRoutes| {
        for _ in 0..20 {
            let before = ip_route_keys(ns, family);
            let routes = c.routes(req).unwrap();
            if ip_route_keys(ns, family) == before {
                assert_eq!(our_route_keys(&routes, &names), before);
                return routes.len();
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        panic!("the {family} routing table never stood still for one dump");
    };
    let v6 = stable(c, "-6", GetRoutes::ipv6());
    assert!(v6 >= 10_000, "{v6}");
    stable(c, "-4", GetRoutes::ipv4());
    // Table filter (applied by nlwire even though the socket is not strict).
    let t100 = c.routes(GetRoutes::ipv4().table(100)).unwrap();
    assert_eq!(t100.len(), 200);
    assert!(t100.iter().all(|r| r.table == 100));
    let t1001 = c.routes(GetRoutes::ipv6().table(1001)).unwrap();
    let want = (0..10_000u32).filter(|i| i % 2 == 1 && i % 3 == 1).count();
    assert_eq!(t1001.len(), want);
    // The zero-copy form sees the same number of messages (again taken
    // between two equal counts).
    let mut compared = false;
    for _ in 0..20 {
        let before = c.routes(GetRoutes::ipv6()).unwrap().len();
        let n = c.count_views(&GetRoutes::ipv6()).unwrap();
        if c.routes(GetRoutes::ipv6()).unwrap().len() == before {
            assert_eq!(n, before);
            compared = true;
            break;
        }
    }
    assert!(compared, "the IPv6 table never stood still");
}

fn deleting_a_missing_link_is_enodev(c: &mut dyn Client, _ns: &TestNs) {
    let e = c
        .request(&LinkRequest::delete("nosuch0").unwrap())
        .unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENODEV), "{e}");
    assert!(
        e.to_string().starts_with("delete link \"nosuch0\": ENODEV"),
        "{e}"
    );
}

fn bad_attribute_returns_ext_ack_text(c: &mut dyn Client, _ns: &TestNs) {
    // RTM_NEWLINK with IFLA_LINKINFO/IFLA_INFO_KIND = "bridge" and an
    // IFLA_MTU of two bytes: the attribute fails policy validation.
    let mut buf = [0u8; 128];
    let mut w = Writer::new(&mut buf);
    IfInfoMsg::default().emit(&mut w);
    w.attr_str(3, "bad0");
    w.attr(4, &[1, 2]);
    let n = w.finish().unwrap();
    let req = RawRequest {
        message_type: nlwire::route::RTM_NEWLINK,
        flags: NLM_F_CREATE | NLM_F_EXCL,
        dump: false,
        payload: &buf[..n],
    };
    let e = c.request(&req).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ERANGE), "{e}");
    let msg = e.ext_ack_message().expect("the kernel explains the error");
    assert!(msg.contains("policy"), "{msg}");
    match &e {
        nlwire::Error::Kernel(k) => assert!(k.offset.is_some(), "{k:?}"),
        other => panic!("{other:?}"),
    }
}

fn two_hundred_concurrent_requests(c: &mut dyn Client, ns: &TestNs) {
    for i in 0..4 {
        ns.ip(&[
            "link",
            "add",
            &format!("a{i}"),
            "type",
            "veth",
            "peer",
            "name",
            &format!("b{i}"),
        ]);
    }
    let names: Vec<String> = (0..200)
        .map(|i| match i % 9 {
            8 => "lo".to_string(),
            k if k % 2 == 0 => format!("a{}", k / 2),
            k => format!("b{}", k / 2),
        })
        .collect();
    let results = c
        .concurrent_get_links(&names)
        .expect("async runtimes run requests concurrently");
    assert_eq!(results.len(), 200);
    for (want, got) in names.iter().zip(results) {
        let got = got.unwrap_or_else(|e| panic!("get {want}: {e}"));
        assert_eq!(&got.name, want);
    }
}

/// A request that writes a sequence number other than the one it was
/// given, so its reply belongs to nobody: the kernel "never answers".
struct WrongSeq;

impl nlwire::Request for WrongSeq {
    fn message_type(&self) -> u16 {
        nlwire::route::RTM_GETLINK
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfInfoMsg {
            index: 1,
            ..Default::default()
        }
        .emit(w);
    }
    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("get link with a wrong sequence number")
    }
    fn emit(&self, w: &mut Writer<'_>, seq: u32, port: u32) {
        let m = w.begin_message(self.message_type(), 0x05, seq.wrapping_add(1_000_000), port);
        self.emit_payload(w);
        w.end_message(m);
    }
}

fn unanswered_request_times_out(c: &mut dyn Client, ns: &TestNs) {
    let timeout = std::time::Duration::from_millis(300);
    c.reopen_with_timeout(ns, timeout);
    let t0 = std::time::Instant::now();
    let e = c.request(&WrongSeq).unwrap_err();
    let waited = t0.elapsed();
    assert!(matches!(e, nlwire::Error::Timeout { .. }), "{e}");
    assert_eq!(e.errno(), Some(Errno::ETIMEDOUT));
    assert!(
        e.to_string()
            .starts_with("get link with a wrong sequence number: no reply"),
        "{e}"
    );
    assert!(waited >= timeout, "gave up after {waited:?}");
    // The connection still works, and the stray replies were counted.
    let lo = c.get_link(&GetLink::by_index(1).unwrap()).unwrap();
    assert_eq!(lo.name, "lo");
    assert!(c.stats().unmatched >= 1, "{:?}", c.stats());
}

/// veth0 (up) with `n` IPv6 /48 routes, installed with `ip -batch`.
fn veth_with_v6_routes(ns: &TestNs, n: u32) {
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["link", "set", "veth0", "up"]);
    let mut batch = String::new();
    for i in 0..n {
        writeln!(batch, "route add 2001:db8:{:x}::/48 dev veth0", i + 1).unwrap();
    }
    ns.ip_batch(&batch);
}

fn concurrent_dumps_on_one_socket(c: &mut dyn Client, ns: &TestNs) {
    // The kernel runs one dump per socket (a second gets EBUSY): nlwire
    // queues them. Large enough to span many datagrams each.
    veth_with_v6_routes(ns, 2000);
    let want_routes = c.routes(GetRoutes::ipv6()).unwrap().len();
    let counts = c
        .concurrent_dumps(8)
        .expect("async runtimes run dumps concurrently");
    assert_eq!(counts.len(), 16);
    for (i, n) in counts.into_iter().enumerate() {
        let n = n.unwrap_or_else(|e| panic!("dump {i}: {e}"));
        assert_eq!(n, if i % 2 == 0 { 3 } else { want_routes }, "dump {i}");
    }
}

fn dropping_a_dump_half_way_keeps_the_connection_usable(c: &mut dyn Client, ns: &TestNs) {
    veth_with_v6_routes(ns, 3000);
    // Many datagrams' worth of routes; stop after 10.
    let first = c.routes_take(10).unwrap();
    assert_eq!(first.len(), 10);
    // The next request gets its own reply, not the rest of the dump.
    let lo = c.get_link(&GetLink::by_index(1).unwrap()).unwrap();
    assert_eq!(lo.name, "lo");
    let links = c.links().unwrap();
    assert_eq!(links.len(), 3);
    let all = c.routes(GetRoutes::ipv6().table(254)).unwrap();
    assert!(all.len() >= 3000, "{}", all.len());
}

/// Lists links while another process adds and deletes links as fast as it
/// can: the kernel marks many listings interrupted. `list_links` reads an
/// interrupted listing again, so what it returns is one consistent
/// snapshot: every steady link once, no index twice.
fn list_links_under_link_churn_is_one_snapshot(c: &mut dyn Client, ns: &TestNs) {
    // In the qemu guests a listing is slow: fewer links, a slower churn.
    let (pairs, pace) = match nlwire_tests::vm_kernel() {
        Some(_) => (20, Duration::from_millis(250)),
        None => (120, Duration::from_millis(20)),
    };
    let mut batch = String::new();
    for i in 0..pairs {
        writeln!(batch, "link add a{i} type veth peer name b{i}").unwrap();
    }
    ns.ip_batch(&batch);
    // Paced, so that a listing can complete within its retries.
    let _churn = Churn::paced(
        ns,
        "link add c0 type veth peer name c1\nlink del c0\n",
        pace,
    );
    std::thread::sleep(std::time::Duration::from_millis(50));
    let (mut whole, mut gave_up) = (0, 0);
    for _ in 0..15 {
        match c.exec_names(&mut nlwire::ops::list_links()) {
            Ok(links) => {
                whole += 1;
                let indices: BTreeSet<u32> = links.iter().map(|l| l.0).collect();
                assert_eq!(
                    indices.len(),
                    links.len(),
                    "an index twice among {} links",
                    links.len()
                );
                let names: BTreeSet<&str> = links.iter().map(|l| l.1.as_str()).collect();
                assert_eq!(
                    names.len(),
                    links.len(),
                    "a name twice among {} links",
                    links.len()
                );
                for i in 0..pairs {
                    for n in [format!("a{i}"), format!("b{i}")] {
                        assert!(names.contains(n.as_str()), "{n} missing");
                    }
                }
                assert!(names.contains("lo"));
            }
            Err(nlwire::Error::DumpInterrupted { .. }) => gave_up += 1,
            Err(e) => panic!("list links under churn: {e}"),
        }
    }
    // Giving up after the retries is allowed (the churn can outpace any
    // number of them), but some listing must have come out whole.
    assert!(whole >= 1, "all {gave_up} listings gave up");
    eprintln!("{whole} whole listings, {gave_up} gave up");
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        fresh_namespace_has_only_lo,
        links_match_ip,
        ten_thousand_routes_match_ip,
        deleting_a_missing_link_is_enodev,
        bad_attribute_returns_ext_ack_text,
        unanswered_request_times_out,
        dropping_a_dump_half_way_keeps_the_connection_usable,
        list_links_under_link_churn_is_one_snapshot,
    ],
    async_client: [two_hundred_concurrent_requests, concurrent_dumps_on_one_socket],
}

nlwire_tests::on_sim! {
    client: [
        fresh_namespace_has_only_lo,
        links_match_ip,
        ten_thousand_routes_match_ip,
        deleting_a_missing_link_is_enodev,
        bad_attribute_returns_ext_ack_text,
        unanswered_request_times_out,
        dropping_a_dump_half_way_keeps_the_connection_usable,
        list_links_under_link_churn_is_one_snapshot,
    ],
    async_client: [two_hundred_concurrent_requests, concurrent_dumps_on_one_socket],
}
