//! Records real kernel replies as golden frames for core's tests and seeds
//! for the fuzz corpus. Run as root:
//! `cargo run -p nlwire-tests --example capture_frames [NAME…]`
//! (with names, only the captures whose name starts with one of them are
//! written, e.g. `fdb`: the other frames stay as committed).
//!
//! Bridge VLANs (`brvlan`) need a kernel with bridge VLAN filtering, and
//! the links of many kinds (`kinds`) the tunnel, GENEVE, bonding and VRF
//! modules; where the host has none, capture them in the VM harness,
//! whose files are lost at power-off: there each frame is printed as a
//! line `capture-frame PATH HEX`, which this turns into the files:
//!
//! ```text
//! NLWIRE_VM_KERNEL=6.12 CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$PWD/tests/vm/nlwire-vm \
//!     cargo run -p nlwire-tests --example capture_frames -- brvlan |
//!     while read -r tag path hex; do
//!         [ "$tag" = capture-frame ] && mkdir -p "${path%/*}" && echo "$hex" | xxd -r -p > "$path"
//!     done
//! ```
//!
//! It populates a private namespace with `ip`, sends requests on a raw
//! socket and writes every received datagram to
//! `core/tests/frames/NAME-N.bin` and, as `NAME-N.bin`, to the corpus of
//! each fuzz target that parses it (`fuzz/corpus/TARGET/`).

use std::path::Path;
use std::time::{Duration, Instant};

use nlwire::request::{RawRequest, Request};
use nlwire::route::{
    BridgeVlanRequest, GetAddresses, GetBridgeVlans, GetFdbEntries, GetFdbEntry, GetLinks,
    GetNeighbours, GetNexthop, GetNexthopBucket, GetNexthopBuckets, GetNexthops, GetRoutes,
    GetRules, IfInfoMsg, LinkRequest,
};
use nlwire::wire::{Messages, NLMSG_DONE, NLMSG_ERROR, Writer};
use nlwire_sys::{NetlinkSocket, SocketOptions};
use nlwire_tests::{TestNs, vm_kernel};

/// Sends `req` and records its reply as `NAME-N.bin`; returns the
/// datagrams (none when `name` is not among those asked for).
fn capture(
    sock: &NetlinkSocket,
    name: &str,
    req: &dyn Request,
    seq: u32,
    targets: &[&str],
) -> Vec<Vec<u8>> {
    let only: Vec<String> = std::env::args().skip(1).collect();
    if !only.is_empty() && !only.iter().any(|o| name.starts_with(o.as_str())) {
        return Vec::new();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs = vec![root.join("core/tests/frames")];
    for t in targets.iter().chain(&["messages", "attrs", "exchange"]) {
        dirs.push(root.join("fuzz/corpus").join(t));
    }
    for d in dirs.iter().filter(|_| vm_kernel().is_none()) {
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
    let mut got = Vec::new();
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
            save(&dir.join(format!("{name}-{part}.bin")), d);
        }
        part += 1;
        got.push(d.to_vec());
        let end = Messages::new(d)
            .any(|m| m.is_ok_and(|m| m.kind() == NLMSG_DONE || m.kind() == NLMSG_ERROR));
        if end {
            println!("{name}: {part} datagram(s)");
            return got;
        }
    }
}

/// Writes `d` to `file` (under the repository), or in the VM prints it as
/// a `capture-frame` line.
fn save(file: &Path, d: &[u8]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if vm_kernel().is_some() {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        let path = file.strip_prefix(&root).unwrap_or(file);
        println!("capture-frame {} {hex}", path.display());
    } else {
        std::fs::write(file, d).expect("write frame");
    }
}

/// Seeds for `link_kind_settings` from the link dump `name` (its
/// datagrams `dump`): each link's `IFLA_INFO_DATA` payload alone, as
/// `fuzz/corpus/link_kind_settings/NAME-data-LINK.bin`.
fn save_kind_data(name: &str, dump: &[Vec<u8>]) {
    use nlwire::route::LinkMessage;
    use nlwire::route::linkinfo::LinkInfo;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/link_kind_settings");
    for m in dump
        .iter()
        .flat_map(|d| Messages::new(d).map_while(Result::ok))
    {
        let Ok(v) = LinkMessage::from_message(&m) else {
            continue;
        };
        let info = v.raw_attrs().find(nlwire::route::link::IFLA_LINKINFO);
        let Some(li) = info.ok().flatten() else {
            continue;
        };
        if let (
            Some(n),
            Ok(LinkInfo {
                data: Some(data), ..
            }),
        ) = (v.name, LinkInfo::parse(li.payload()))
        {
            save(&dir.join(format!("{name}-data-{n}.bin")), data);
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

    // The bridge forwarding database (added last: the captures above are
    // as they were without it): entries of veth1 in br0's table (static,
    // dynamic, sticky, externally learned), veth0's own table, br0's own
    // (a local entry), beside the kernel's. A dynamic entry needs a port
    // that learns or forwards: br0 up.
    ns.ip(&["link", "set", "br0", "up"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ns.bridge_json(&["link", "show", "dev", "veth1"])[0]["state"] != "forwarding" {
        assert!(Instant::now() < deadline, "veth1 never forwards");
        std::thread::sleep(Duration::from_millis(20));
    }
    let bridge = |args: &[&str]| {
        let mut a = vec!["fdb", "add"];
        a.extend_from_slice(args);
        ns.bridge(&a);
    };
    bridge(&["02:00:00:00:00:01", "dev", "veth1", "master", "static"]);
    bridge(&["02:00:00:00:00:02", "dev", "veth1", "master", "dynamic"]);
    bridge(&[
        "02:00:00:00:00:03",
        "dev",
        "veth1",
        "master",
        "static",
        "sticky",
    ]);
    bridge(&["02:00:00:00:00:04", "dev", "veth0", "self"]);
    bridge(&["02:00:00:00:00:05", "dev", "br0", "self"]);
    bridge(&[
        "02:00:00:00:00:06",
        "dev",
        "veth1",
        "master",
        "extern_learn",
    ]);
    let br0 = ns.ip_json(&["link", "show", "br0"])[0]["ifindex"]
        .as_u64()
        .unwrap() as u32;
    capture(
        &sock,
        "fdb",
        &GetFdbEntries::new(),
        13,
        &["fdb", "neigh", "events"],
    );
    capture(
        &sock,
        "fdb-get",
        &GetFdbEntry::new(0, [2, 0, 0, 0, 0, 1]).bridge(br0),
        14,
        &["fdb"],
    );
    capture(
        &sock,
        "fdb-get-enoent",
        &GetFdbEntry::new(0, [2, 0, 0, 0, 0, 0xee]).bridge(br0),
        15,
        &["fdb", "error"],
    );

    // The buckets of resilient nexthop groups (added after the FDB's, and
    // only nexthop objects, which no other capture reads; before the
    // VLANs', which end the run where the kernel has no VLAN filtering):
    // group 11 above (1 and 2 on veth0, 8 buckets), and group 13 of 2 and
    // 6 (on veth1, br0's port; weight 3), 4 buckets. Then the buckets of
    // 6 alone (`master br0`), one bucket, one past the last (ENOENT) and
    // the buckets of the plain group 10 (a dump refused: EINVAL).
    ns.ip_batch(
        "nexthop add id 6 dev veth1\n\
         nexthop add id 13 group 2/6,3 type resilient buckets 4 idle_timer 60\n",
    );
    capture(
        &sock,
        "nhbuckets",
        &GetNexthopBuckets::new(),
        19,
        &["nexthop_bucket", "nexthop", "events"],
    );
    capture(
        &sock,
        "nhbuckets-master",
        &GetNexthopBuckets::new().master(br0),
        20,
        &["nexthop_bucket"],
    );
    capture(
        &sock,
        "nhbucket-get",
        &GetNexthopBucket::new(13, 2).unwrap(),
        21,
        &["nexthop_bucket"],
    );
    capture(
        &sock,
        "nhbucket-get-enoent",
        &GetNexthopBucket::new(13, 4).unwrap(),
        22,
        &["nexthop_bucket", "error"],
    );
    capture(
        &sock,
        "nhbuckets-einval",
        &GetNexthopBuckets::new().group(10),
        23,
        &["nexthop_bucket", "error"],
    );

    // Links of the kinds with settings of their own (added after the
    // buckets', and only links, which the captures after these do not
    // read; the `links` dump above is from before them): IP tunnels of
    // every kind, GENEVE, VXLAN, bonds (one with ARP and NS targets), a VRF
    // and a macvtap on veth0, in one dump; and each one's IFLA_INFO_DATA
    // alone. The host has no gre, geneve, bonding or vrf modules: capture
    // under tests/vm/nlwire-vm, whose kernels have them all.
    let tunnels = std::process::Command::new("ip")
        .args(["-n", ns.name(), "link", "add", "gre1", "type", "gre"])
        .args([
            "local",
            "192.0.2.1",
            "remote",
            "198.51.100.2",
            "ttl",
            "64",
            "key",
            "7",
        ])
        .output()
        .expect("ip")
        .status
        .success();
    if tunnels {
        ns.ip_batch(
            "link add gt1 type gretap local 192.0.2.1 remote 198.51.100.3 icsum ocsum nopmtudisc ignore-df tos 0x10\n\
             link add g6 type ip6gre local 2001:db8::1 remote 2001:db8::2 encaplimit 5 hoplimit 32 flowlabel 0x12345 ikey 3 iseq\n\
             link add g6t type ip6gretap local 2001:db8::1 remote 2001:db8::3 okey 9 oseq encap fou encap-sport 5555 encap-dport 7777\n\
             link add ipip1 type ipip local 192.0.2.1 remote 198.51.100.4 ttl 10 tos 0x10 dev veth0\n\
             link add sit1 type sit local 192.0.2.1 remote 198.51.100.5 mode any\n\
             link add isatap1 type sit local 192.0.2.1 isatap\n\
             link add t6 type ip6tnl mode ip4ip6 local 2001:db8::1 remote 2001:db8::4 encaplimit none tclass inherit\n\
             link add gnv0 type geneve id 10 remote 198.51.100.6 ttl 64 dstport 6081\n\
             link add gnv6 type geneve id 11 remote 2001:db8::6 label 0x12345 df set udp6zerocsumtx\n\
             link add gnvx type geneve external dstport 6082\n\
             link add vx0 type vxlan id 42 remote 198.51.100.7 local 192.0.2.1 dstport 4789 srcport 1000 2000 nolearning ageing 100\n\
             link add vx6 type vxlan id 43 group ff05::100 dev veth0 dstport 4789 ttl 5\n\
             link add vxx type vxlan external vnifilter dstport 4790\n\
             link add bond0 type bond mode active-backup miimon 100 updelay 200 downdelay 200\n\
             link add bond1 type bond mode balance-xor arp_interval 100 arp_ip_target 192.0.2.9,192.0.2.10 ns_ip6_target 2001:db8::9 xmit_hash_policy layer3+4\n\
             link add bond2 type bond mode 802.3ad lacp_rate fast ad_select bandwidth ad_actor_system 02:00:00:00:00:11\n\
             link add vrf0 type vrf table 100\n\
             link add mvt0 link veth0 type macvtap mode bridge\n",
        );
        let dump = capture(
            &sock,
            "kinds",
            &GetLinks::new(),
            24,
            &["link_kind_settings", "link_kind_request", "link"],
        );
        save_kind_data("kinds", &dump);
    } else {
        println!("kinds: this kernel has no gre module; capture under tests/vm/nlwire-vm");
    }

    // Bridge VLANs (added last, as the FDB's): br1 filters VLANs; its
    // ports veth2 and veth3 (one veth pair) hold single VLANs, a PVID, an
    // untagged range, and br1 a VLAN of its own; br0 and veth1 are there
    // too. Where the kernel has no VLAN filtering, nothing is captured.
    let filtering = std::process::Command::new("ip")
        .args(["-n", ns.name(), "link", "add", "br1", "type", "bridge"])
        .args(["vlan_filtering", "1"])
        .output()
        .expect("ip")
        .status
        .success();
    if !filtering {
        println!(
            "brvlan: this kernel has no bridge VLAN filtering; capture under tests/vm/nlwire-vm"
        );
        return;
    }
    ns.ip(&[
        "link", "add", "veth2", "type", "veth", "peer", "name", "veth3",
    ]);
    ns.ip(&["link", "set", "veth2", "master", "br1"]);
    ns.ip(&["link", "set", "veth3", "master", "br1"]);
    for args in [
        &["vid", "10", "dev", "veth2"][..],
        &["vid", "20", "dev", "veth2", "pvid", "untagged"],
        &["vid", "100-104", "dev", "veth2", "untagged"],
        &["vid", "30", "dev", "br1", "self"],
        &["vid", "100-102", "dev", "veth3"],
    ] {
        let mut a = vec!["vlan", "add"];
        a.extend_from_slice(args);
        ns.bridge(&a);
    }
    let veth2 = ns.ip_json(&["link", "show", "veth2"])[0]["ifindex"]
        .as_u64()
        .unwrap() as u32;
    capture(
        &sock,
        "brvlan",
        &GetBridgeVlans::new(),
        16,
        &["bridge_vlan", "link", "events"],
    );
    capture(
        &sock,
        "brvlan-compressed",
        &GetBridgeVlans::new().compressed(),
        17,
        &["bridge_vlan", "link", "events"],
    );
    capture(
        &sock,
        "brvlan-einval",
        &BridgeVlanRequest::add(veth2, 0).unwrap(),
        18,
        &["bridge_vlan", "error"],
    );
}
