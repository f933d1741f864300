//! Records real kernel replies as golden frames for core's tests and seeds
//! for the fuzz corpus. Run as root:
//! `cargo run -p nlwire-tests --example capture_frames`
//!
//! It populates a private namespace with `ip`, sends requests on a raw
//! socket and writes every received datagram to
//! `core/tests/frames/NAME-N.bin` and, as `NAME-N.bin`, to the corpus of
//! each fuzz target that parses it (`fuzz/corpus/TARGET/`).

use std::path::Path;
use std::time::{Duration, Instant};

use nlwire::request::{RawRequest, Request};
use nlwire::route::{
    GetAddresses, GetLinks, GetNeighbours, GetNexthop, GetNexthops, GetRoutes, GetRules, IfInfoMsg,
    LinkRequest,
};
use nlwire::wire::{Messages, NLMSG_DONE, NLMSG_ERROR, Writer};
use nlwire_sys::{NetlinkSocket, SocketOptions};
use nlwire_tests::TestNs;

fn capture(sock: &NetlinkSocket, name: &str, req: &dyn Request, seq: u32, targets: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs = vec![root.join("core/tests/frames")];
    for t in targets.iter().chain(&["messages", "attrs", "exchange"]) {
        dirs.push(root.join("fuzz/corpus").join(t));
    }
    for d in &dirs {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut buf = vec![0u8; 4096];
    let mut w = Writer::new(&mut buf);
    req.emit(&mut w, seq, 0);
    let n = w.finish().expect("fits");
    sock.send(&buf[..n]).expect("send");
    let mut rx = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut part = 0;
    loop {
        let len = match sock.recv(&mut rx) {
            Ok(len) => len,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "{name}: no reply");
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let d = &rx[..len];
        for dir in &dirs {
            std::fs::write(dir.join(format!("{name}-{part}.bin")), d).expect("write frame");
        }
        part += 1;
        let end = Messages::new(d)
            .any(|m| m.is_ok_and(|m| m.kind() == NLMSG_DONE || m.kind() == NLMSG_ERROR));
        if end {
            println!("{name}: {part} datagram(s)");
            return;
        }
    }
}

fn main() {
    let ns = TestNs::create();
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&["link", "set", "veth1", "master", "br0"]);
    ns.ip(&["link", "set", "veth0", "up"]);
    ns.ip(&["addr", "add", "192.0.2.2/24", "dev", "veth0"]);
    ns.ip(&["route", "add", "default", "via", "192.0.2.1"]);
    ns.ip(&[
        "route",
        "add",
        "198.51.100.0/24",
        "dev",
        "veth0",
        "table",
        "1000",
        "metric",
        "5",
    ]);
    let mut batch = String::new();
    for i in 0..1500u32 {
        batch.push_str(&format!("route add 2001:db8:{:x}::/48 dev veth0\n", i + 1));
    }
    ns.ip_batch(&batch);
    ns.ip(&["addr", "add", "2001:db8::2/64", "dev", "veth0", "nodad"]);
    ns.ip(&[
        "addr",
        "add",
        "198.51.100.7/32",
        "peer",
        "198.51.100.8",
        "dev",
        "veth0",
        "label",
        "veth0:p",
        "valid_lft",
        "300",
        "preferred_lft",
        "200",
    ]);
    ns.ip(&[
        "neigh",
        "add",
        "192.0.2.9",
        "lladdr",
        "02:00:00:00:00:09",
        "dev",
        "veth0",
    ]);
    ns.ip(&[
        "neigh",
        "add",
        "2001:db8::9",
        "lladdr",
        "02:00:00:00:00:0a",
        "dev",
        "veth0",
        "nud",
        "stale",
    ]);
    ns.ip(&["neigh", "add", "proxy", "192.0.2.99", "dev", "veth0"]);
    ns.ip(&[
        "rule",
        "add",
        "from",
        "192.0.2.0/24",
        "fwmark",
        "0x7/0xff",
        "iif",
        "veth0",
        "table",
        "1000",
        "priority",
        "100",
    ]);
    ns.ip(&[
        "-6",
        "rule",
        "add",
        "to",
        "2001:db8::/32",
        "table",
        "70000",
        "priority",
        "101",
    ]);
    ns.ip(&["rule", "add", "priority", "102", "goto", "32766"]);
    ns.ip(&[
        "route",
        "add",
        "203.0.113.0/24",
        "mtu",
        "1400",
        "nexthop",
        "via",
        "192.0.2.1",
        "weight",
        "2",
        "nexthop",
        "via",
        "192.0.2.3",
    ]);

    // Nexthop objects: every shape (a nexthop needs its device's carrier).
    ns.ip(&["link", "set", "veth1", "up"]);
    ns.ip_batch(
        "nexthop add id 1 via 192.0.2.1 dev veth0\n\
         nexthop add id 2 dev veth0\n\
         nexthop add id 3 blackhole\n\
         nexthop add id 4 via 2001:db8::1 dev veth0 onlink\n\
         nexthop add id 5 via 192.0.2.77 fdb\n\
         nexthop add id 10 group 1/2,3\n\
         nexthop add id 11 group 1/2 type resilient buckets 8 idle_timer 10\n\
         nexthop add id 12 group 5 fdb\n",
    );

    let sock = NetlinkSocket::open_in_netns(ns.path(), &SocketOptions::default()).unwrap();
    capture(
        &sock,
        "nexthops",
        &GetNexthops::new(),
        11,
        &["nexthop", "events"],
    );
    capture(
        &sock,
        "nexthop-get",
        &GetNexthop::new(11).unwrap(),
        12,
        &["nexthop"],
    );
    capture(&sock, "links", &GetLinks::new(), 1, &["link"]);
    capture(&sock, "routes4", &GetRoutes::ipv4(), 2, &["route", "error"]);
    capture(&sock, "routes6", &GetRoutes::ipv6(), 3, &["route"]);
    capture(&sock, "addrs", &GetAddresses::new(), 6, &["addr"]);
    capture(&sock, "neighs", &GetNeighbours::new(), 7, &["neigh"]);
    capture(
        &sock,
        "proxies",
        &GetNeighbours::new().proxies(),
        8,
        &["neigh"],
    );
    capture(&sock, "rules4", &GetRules::family(2), 9, &["rule"]);
    capture(&sock, "rules6", &GetRules::family(10), 10, &["rule"]);
    capture(
        &sock,
        "dellink-enodev",
        &LinkRequest::delete("nosuch0").unwrap(),
        4,
        &["error"],
    );
    let mut p = [0u8; 64];
    let mut w = Writer::new(&mut p);
    IfInfoMsg::default().emit(&mut w);
    w.attr_str(3, "bad0");
    w.attr(4, &[1, 2]);
    let n = w.finish().unwrap();
    let bad = RawRequest {
        message_type: nlwire::route::RTM_NEWLINK,
        flags: 0x600,
        dump: false,
        payload: &p[..n],
    };
    capture(&sock, "newlink-extack", &bad, 5, &["error", "link"]);
}
