//! `nlw`'s show commands print exactly what `ip` prints, text and `-j`,
//! with ip's selectors: the reads that once differed (issue "nlw as a
//! daily driver": link mode, group, alias, `qlen 0`, `link-netns`, address
//! metric, `-6` headers, `route get`'s table and mark) and the link and
//! address selectors.

use std::process::Command;

mod common;
use common::{same_as_ip, same_as_ip_with};
use nlwire_tests::{TestNs, privileged_or_skip};

/// The output options every show is compared under.
/// Under qemu without hardware virtualization, where every run of ip and
/// nlw is slow, text and JSON only: the other forms (`-o`, `-br`, `-s`)
/// are the printer's, the same on every kernel, and the host compares
/// them all.
fn options() -> &'static [&'static str] {
    if nlwire_tests::vm_kernel().is_some() {
        &["", "-j"]
    } else {
        OPTIONS
    }
}

const OPTIONS: &[&str] = &[
    "", "-j", "-j -p", "-o", "-o -j", "-br", "-br -j", "-br -o", "-s", "-s -s", "-s -j",
    "-s -s -j", "-s -o",
];

fn populate(ns: &TestNs, other: &TestNs) {
    for cmd in [
        "link add v0 type veth peer name v1",
        "link add br0 type bridge",
        "link set v1 master br0",
        "link set v0 up",
        "link set v0 alias uplink",
        "link set v1 txqueuelen 0",
        "addr add 192.0.2.1/24 dev v0 metric 9",
        "addr add 192.0.2.2/24 dev v0",
        "addr add 198.51.100.1/24 brd + dev v0 label v0:web",
        "addr add 127.0.0.5/8 dev lo label lo:x",
        "-6 addr add 2001:db8::1/64 dev v0 metric 7 nodad",
        "-6 addr add 2001:db8:1::1/64 dev br0 nodad valid_lft 300 preferred_lft 200",
        "route add 203.0.113.0/24 dev v0 table 100",
        "rule add to 203.0.113.0/24 table 100 pref 10",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    // A veth whose peer lives in another named namespace: `link-netns`.
    ns.ip(&[
        "link",
        "add",
        "vx",
        "type",
        "veth",
        "peer",
        "name",
        "vy",
        "netns",
        other.name(),
    ]);
}

#[test]
fn link_show_is_ips() {
    if !privileged_or_skip("nlw reads::link_show_is_ips") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for sel in [
        "",
        "dev v0",
        "v1",
        "up",
        "type veth",
        "type bridge",
        "type bridge_slave",
        "master br0",
        "nomaster",
        "group default",
        "group 7",
        "dev nosuch",
        "master nosuch",
        "dev v0 v1",
    ] {
        for opts in options() {
            let mut args: Vec<&str> = opts.split_whitespace().collect();
            args.extend(["link", "show"]);
            args.extend(sel.split_whitespace());
            same_as_ip(&ns, &args);
        }
    }
}

#[test]
fn address_show_is_ips() {
    if !privileged_or_skip("nlw reads::address_show_is_ips") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for fam in [None, Some("-4"), Some("-6")] {
        for sel in [
            "",
            "dev v0",
            "dev lo",
            "up",
            "scope host",
            "scope global",
            "scope all",
            "label lo:*",
            "label v0*",
            "dynamic",
            "permanent",
            "primary",
            "secondary",
            "-secondary",
            "nodad",
            "to 192.0.2.0/24",
            "to 2001:db8::/32",
            "type veth",
            "master br0",
            "dev nosuch",
        ] {
            for opts in options() {
                let mut args: Vec<&str> = fam.into_iter().collect();
                args.extend(opts.split_whitespace());
                args.extend(["addr", "show"]);
                args.extend(sel.split_whitespace());
                same_as_ip(&ns, &args);
            }
        }
    }
}

#[test]
fn route_get_names_the_table_and_mark() {
    if !privileged_or_skip("nlw reads::route_get_names_the_table_and_mark") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for q in [
        "route get 203.0.113.7",
        "route get 203.0.113.7 mark 0x10",
        "route get 203.0.113.7 mark 7",
        "route get 192.0.2.9",
        "route get 127.0.0.1",
        "route get 2001:db8::9",
    ] {
        for json in [false, true] {
            let mut args: Vec<&str> = if json { vec!["-j"] } else { vec![] };
            args.extend(q.split(' '));
            same_as_ip(&ns, &args);
        }
    }
}

/// `-c` colours names, addresses and states with ip's escape sequences.
/// Both tools are given a light background (`COLORFGBG`): ip 6.1 and later
/// releases differ on the default palette and on the dark one's IPv6
/// colour (see `cli/IP_DIFFERENCES.md`).
#[test]
fn color_is_ips() {
    if !privileged_or_skip("nlw reads::color_is_ips") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for args in [
        "-c link show",
        "-c addr show",
        "-c -br link show",
        "-c -br addr show",
        "-c -o addr show",
        "-c rule show",
        "-color=always link show",
        "-c=never addr show",
        "-c -j addr show",
    ] {
        let args: Vec<&str> = args.split(' ').collect();
        let run = |cmd: &str| {
            let out = Command::new(cmd)
                .args(["-n", ns.name()])
                .args(&args)
                .env("COLORFGBG", "0;15")
                .env_remove("NO_COLOR")
                .output()
                .expect("run");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            )
        };
        // Read by ip before and after nlw, until nothing moved between
        // (address lifetimes count down while the VMs run slowly).
        let (mut code, mut ours, mut icode, mut theirs) =
            (None, String::new(), None, String::new());
        for _ in 0..20 {
            let before = run("ip");
            (code, ours) = run(env!("CARGO_BIN_EXE_nlw"));
            (icode, theirs) = run("ip");
            if before == (icode, theirs.clone()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let ours = if args.contains(&"-j") {
            let mut v: serde_json::Value = serde_json::from_str(&ours).unwrap();
            common::as_this_ip_prints_json(&mut v);
            let t: serde_json::Value = serde_json::from_str(&theirs).unwrap();
            assert_eq!(v, t, "{args:?}");
            continue;
        } else {
            common::as_this_ip_prints_text(&ours)
        };
        assert_eq!(
            (code, ours),
            (icode, theirs),
            "nlw {args:?} (left) and ip (right)"
        );
    }
}

/// `route show` with ip's selectors, under every output option.
#[test]
fn route_show_is_ips() {
    if !privileged_or_skip("nlw reads::route_show_is_ips") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for cmd in [
        "link set br0 up",
        "route add 198.51.100.0/25 via 192.0.2.9 dev v0 proto static metric 20 onlink",
        "route add 198.51.100.128/25 dev v0 scope link src 192.0.2.1 table 100",
        "route add blackhole 203.0.113.64/26 proto 42",
        "route add unreachable 203.0.113.128/26 metric 7",
        "route add prohibit 203.0.113.192/26 table 7",
        "route add 203.0.113.0/27 nexthop via 192.0.2.7 dev v0 weight 3 onlink nexthop via 192.0.2.8 dev v0 onlink",
        "route add 192.0.2.128/25 dev v0 mtu lock 1300 advmss 1200 rtt 3s",
        "-6 route add 2001:db8:5::/48 via 2001:db8::7 dev v0 metric 9",
        "-6 route add blackhole 2001:db8:6::/48",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    for fam in [None, Some("-4"), Some("-6")] {
        for sel in [
            "",
            "table all",
            "table 100",
            "table local",
            "table main",
            "dev v0",
            "dev lo table all",
            "proto static",
            "proto kernel",
            "proto 42",
            "proto all",
            "scope link",
            "scope host table all",
            "type blackhole",
            "type unreachable table all",
            "via 192.0.2.9",
            "via 192.0.2.0/24",
            "src 192.0.2.1 table all",
            "metric 7",
            "metric 20",
            "default",
            "all",
            "root 203.0.113.0/24",
            "match 203.0.113.70",
            "exact 198.51.100.0/25",
            "to root 2001:db8::/32",
            "198.51.100.0/25",
            "table all type local",
            "dev nosuch",
            "table bogus",
            "proto bogus",
        ] {
            // ip before 6.10 leaves a multipath route out of `dev D`
            // even when its next hops use D (cli/IP_DIFFERENCES.md).
            if sel.starts_with("dev v0") && common::ip_version() < (6, 10) && fam != Some("-6") {
                continue;
            }
            for opts in ["", "-j", "-o", "-d", "-j -p"] {
                let mut args: Vec<&str> = fam.into_iter().collect();
                args.extend(opts.split_whitespace());
                args.extend(["route", "show"]);
                args.extend(sel.split_whitespace());
                same_as_ip(&ns, &args);
            }
        }
    }
}

/// `neigh show` and `neigh get` with ip's selectors.
#[test]
fn neigh_show_is_ips() {
    if !privileged_or_skip("nlw reads::neigh_show_is_ips") {
        return;
    }
    let (ns, other) = (TestNs::create(), TestNs::create());
    populate(&ns, &other);
    for cmd in [
        "link set v1 nomaster",
        "link set v1 up",
        "neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev v0",
        "neigh add 192.0.2.6 lladdr 02:00:00:00:00:06 dev v0 nud stale",
        "neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev v0 nud noarp",
        "neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev v1 nud reachable",
        "neigh add proxy 192.0.2.8 dev v0",
        "-6 neigh add 2001:db8::5 lladdr 02:00:00:00:00:05 dev v1 router",
        "-6 neigh add 2001:db8::6 lladdr 02:00:00:00:00:06 dev v0 nud stale",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    for fam in [None, Some("-4"), Some("-6")] {
        for sel in [
            "",
            "dev v0",
            "dev v1",
            "nud stale",
            "nud permanent",
            "nud all",
            "nud noarp",
            "nud reachable nud stale",
            "proxy",
            "to 192.0.2.4/30",
            "192.0.2.6",
            "2001:db8::/64",
            "nomaster",
            "unused",
            "dev nosuch",
            "nud bogus",
        ] {
            for opts in ["", "-j", "-br", "-s", "-s -j", "-j -p"] {
                let mut args: Vec<&str> = fam.into_iter().collect();
                args.extend(opts.split_whitespace());
                args.extend(["neigh", "show"]);
                args.extend(sel.split_whitespace());
                // `-s` prints seconds since use, confirmation and update,
                // which tick every second: on the host three readings
                // (ip, nlw, ip) fall within one; under the VMs' emulation
                // they often do not, and the seconds are masked there.
                if opts.contains("-s") && nlwire_tests::vm_kernel().is_some() {
                    same_as_ip_with(&ns, &args, mask_neigh_seconds);
                } else {
                    same_as_ip(&ns, &args);
                }
            }
        }
    }
    for q in [
        "192.0.2.5 dev v0",
        "2001:db8::5 dev v1",
        "192.0.2.99 dev v0",
        "proxy 192.0.2.8 dev v0",
    ] {
        for opts in ["", "-j"] {
            // ip 6.1 prints text for `-j neigh get` (cli/IP_DIFFERENCES.md).
            if opts == "-j" && common::ip_version() < (6, 2) {
                continue;
            }
            let mut args: Vec<&str> = opts.split_whitespace().collect();
            args.extend(["neigh", "get"]);
            args.extend(q.split(' '));
            same_as_ip(&ns, &args);
        }
    }
}

/// Each number after `used` (text: `used U/C/T`; JSON: the `used`,
/// `confirmed` and `updated` keys) as `0`.
fn mask_neigh_seconds(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let keys = [" used ", "\"used\":", "\"confirmed\":", "\"updated\":"];
    while let Some((i, k)) = keys
        .iter()
        .filter_map(|k| rest.find(k).map(|i| (i, *k)))
        .min_by_key(|(i, _)| *i)
    {
        out.push_str(&rest[..i + k.len()]);
        rest = &rest[i + k.len()..];
        let n = rest
            .find(|c: char| !c.is_ascii_digit() && c != '/' && c != ' ')
            .unwrap_or(rest.len());
        // The separators stay; each run of digits becomes one 0.
        let mut digits = false;
        for c in rest[..n].chars() {
            if c.is_ascii_digit() {
                if !digits {
                    out.push('0');
                }
                digits = true;
            } else {
                out.push(c);
                digits = false;
            }
        }
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}

#[test]
fn neigh_seconds_mask() {
    assert_eq!(
        mask_neigh_seconds(
            "192.0.2.5 dev v0 lladdr 02:00:00:00:00:05 used 29/129/9 probes 0 PERMANENT"
        ),
        "192.0.2.5 dev v0 lladdr 02:00:00:00:00:05 used 0/0/0 probes 0 PERMANENT"
    );
    assert_eq!(
        mask_neigh_seconds(r#"[{"used":29,"confirmed":130,"updated":9,"probes":0}]"#),
        r#"[{"used":0,"confirmed":0,"updated":0,"probes":0}]"#
    );
}

/// `-d`: the details of links of the kinds whose settings nlw decodes
/// (veth, macvlan, ipvlan), text and JSON, link and address show.
#[test]
fn details_are_ips() {
    if !privileged_or_skip("nlw reads::details_are_ips") {
        return;
    }
    let ns = TestNs::create();
    for cmd in [
        "link add v0 type veth peer name v1",
        "link add mv0 link v0 type macvlan mode private",
        "link add mv1 link v0 type macvlan mode bridge",
        "link set v0 up promisc on",
        "link set v1 allmulticast on",
        "addr add 192.0.2.1/24 dev v0",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    let _ = Command::new("ip")
        .args([
            "-n",
            ns.name(),
            "link",
            "add",
            "iv0",
            "link",
            "v1",
            "type",
            "ipvlan",
            "mode",
            "l3s",
        ])
        .output();
    for args in [
        "-d link show",
        "-d -j link show",
        "-d -d link show",
        "-d link show mv0",
        "-d -o link show",
        "-d addr show",
        "-d -j addr show",
        "-d -br link show",
    ] {
        same_as_ip(&ns, &args.split(' ').collect::<Vec<_>>());
    }
}

/// `-d` for the kinds with their own settings on this kernel: a bridge with
/// settings changed from the defaults, its ports (`bridge_slave`), tun and
/// tap devices (owner, group, multi-queue), and macvtap — text and JSON,
/// against ip. The bridges stay down so their timers stand still.
#[test]
fn kind_details_are_ips() {
    if !privileged_or_skip("nlw reads::kind_details_are_ips") {
        return;
    }
    let ns = TestNs::create();
    for cmd in [
        "link add br0 type bridge",
        "link add br1 type bridge forward_delay 400 hello_time 300 max_age 1000 ageing_time 1200 priority 100 group_fwd_mask 8 group_address 01:80:c2:00:00:0e mcast_snooping 0 mcast_router 2 mcast_query_use_ifaddr 1 mcast_hash_max 512 mcast_last_member_count 3 mcast_startup_query_count 4 mcast_last_member_interval 200 mcast_membership_interval 30000 mcast_querier_interval 26000 mcast_query_interval 13000 mcast_query_response_interval 1100 mcast_startup_query_interval 3000 mcast_stats_enabled 1 mcast_igmp_version 3 mcast_mld_version 2 nf_call_iptables 1",
        "link add v0 type veth peer name v1",
        "link add v2 type veth peer name v3",
        "link set v0 master br1",
        "link set v1 master br0",
        "link set v2 master br1",
        "link set v2 type bridge_slave cost 7 priority 9 hairpin on guard on root_block on fastleave on learning off flood off proxy_arp on mcast_router 2 mcast_flood off bcast_flood off mcast_to_unicast on neigh_suppress on group_fwd_mask 0x4008 vlan_tunnel off isolated on backup_port v0",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    // macvtap and tun/tap where the kernel has them (the VMs have no
    // macvtap and no /dev/net/tun).
    // On the host they must work.
    let host = nlwire_tests::vm_kernel().is_none();
    for mode in ["vepa", "bridge"] {
        let ok = Command::new("ip")
            .args(["-n", ns.name(), "link", "add", &format!("mvt-{mode}")])
            .args(["link", "v3", "type", "macvtap", "mode", mode])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok || !host, "ip could not add a macvtap link");
    }
    for cmd in [
        "tuntap add tp0 mode tap user 0 group 0 multi_queue vnet_hdr",
        "tuntap add tn0 mode tun pi",
    ] {
        let ok = Command::new("ip")
            .args(["-n", ns.name()])
            .args(cmd.split(' '))
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok || !host, "ip could not {cmd}");
    }
    for args in [
        "-d link show",
        "-d -j link show",
        "-d link show br1",
        "-d -j link show v2",
        "-d -o link show",
        "-d -j -p link show",
        "-d link show type bridge",
        "-d link show master br1",
    ] {
        same_as_ip_with(
            &ns,
            &args.split(' ').collect::<Vec<_>>(),
            common::mask_timers,
        );
    }
}

/// `-d` for the kinds this host's kernel lacks (vlan, dummy, bond and
/// bond ports, vrf and vrf ports, and a VLAN-filtering bridge), against
/// ip: on the VM kernels, where they are a failure if missing; elsewhere
/// skipped when the kernel has no dummy or vlan module.
#[test]
fn vm_kind_details_are_ips() {
    let test = "nlw reads::vm_kind_details_are_ips";
    if !privileged_or_skip(test) {
        return;
    }
    let ns = TestNs::create();
    let add = |args: &[&str]| {
        Command::new("ip")
            .args(["-n", ns.name()])
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    let vlan_ok = add(&["link", "add", "d0", "type", "dummy"])
        && add(&[
            "link", "add", "link", "d0", "name", "d0.5", "type", "vlan", "id", "5",
        ]);
    if !vlan_ok {
        if let Some(vm) = nlwire_tests::vm_kernel() {
            panic!("{test}: the VM kernel {vm} has no dummy or vlan module");
        }
        nlwire_tests::say_skipped(
            test,
            "this kernel has no dummy or vlan module; it runs in the VM harness \
             (tests/vm/nlwire-vm, run by .ci/run)",
        );
        return;
    }
    for cmd in [
        "link add link d0 name d0.6 type vlan protocol 802.1ad id 6 reorder_hdr off gvrp on loose_binding on bridge_binding on",
        "link add link d0 name d0.7 type vlan id 7 ingress-qos-map 1:2 3:4 egress-qos-map 5:6",
        "link add br0 type bridge vlan_filtering 1 vlan_protocol 802.1ad vlan_default_pvid 9 vlan_stats_enabled 1",
        "link set d0 master br0",
        "link add bd0 type bond mode active-backup miimon 100 updelay 200 downdelay 300 primary_reselect better fail_over_mac active num_grat_arp 3 resend_igmp 2 min_links 1",
        "link add bd1 type bond mode balance-xor arp_interval 1000 arp_ip_target 192.0.2.1,192.0.2.2 arp_validate all arp_all_targets all xmit_hash_policy layer3+4",
        "link add bd2 type bond mode 802.3ad lacp_rate fast ad_select count ad_actor_sys_prio 100 ad_user_port_key 5 ad_actor_system 02:00:00:00:00:11",
        "link add d1 type dummy",
        "link add d2 type dummy",
        "link add d3 type dummy",
        "link set d1 master bd0",
        "link set d2 master bd2",
        "link set d1 type bond_slave queue_id 3",
        "link add vr0 type vrf table 100",
        "link set d3 master vr0",
        "link add vx0 type vxlan id 42 dstport 4789 remote 192.0.2.9 local 192.0.2.1 dev d0 ttl 64 tos 0x10 ageing 100 maxaddr 10 nolearning proxy l2miss l3miss noudpcsum udp6zerocsumtx",
        "link add vx1 type vxlan id 43 group 239.1.1.1 dev d0 dstport 4790 srcport 1000 2000 ttl inherit tos inherit df set",
        "link add vx2 type vxlan external dstport 4791 ageing 0",
        "link add vx3 type vxlan id 44 remote 2001:db8::9 local 2001:db8::1 dstport 4792 udp6zerocsumrx flowlabel 0x123 df inherit gbp",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    for args in [
        "-d link show",
        "-d -j link show",
        "-d -o link show",
        "-d -j -p link show d0.7",
        "-d link show type vlan",
        "-d -j link show type bond",
        "-d -j link show master bd0",
        "-d link show master vr0",
        "-d link show type vxlan",
        "-d -d link show type vxlan",
        "-d -j link show type vxlan",
        "-d -o link show vx0",
    ] {
        same_as_ip_with(
            &ns,
            &args.split(' ').collect::<Vec<_>>(),
            common::mask_timers,
        );
    }
    // The comparisons above saw the kinds' settings, not empty lines.
    let text = ns.ip(&["-d", "link", "show"]);
    for want in [
        "arp_ip_target 192.0.2.1,192.0.2.2 ",
        "bond_slave state BACKUP mii_status",
        "ad_actor_system 02:00:00:00:00:11 ",
        "vrf table 100 ",
        "vrf_slave table 100 ",
        "egress-qos-map { 5:6 }",
        "<GVRP,LOOSE_BINDING,BRIDGE_BINDING>",
        "vxlan id 42 remote 192.0.2.9 local 192.0.2.1 dev d0 ",
    ] {
        assert!(
            text.contains(want),
            "ip -d link show has no {want:?}:\n{text}"
        );
    }
}

/// `-d` for the IP tunnels and geneve, which this host's kernel lacks:
/// gre, gretap, erspan, ip6gre, ip6gretap, ip6erspan, ipip, sit (isatap,
/// 6rd), ip6tnl and geneve, made by ip with most of their settings (and
/// FOU/GUE encapsulation when the kernel has the fou modules), read by ip
/// and nlw, text and JSON. On the VM kernels a missing module is a
/// failure; elsewhere the test is skipped without them.
#[test]
fn vm_tunnel_details_are_ips() {
    let test = "nlw reads::vm_tunnel_details_are_ips";
    if !privileged_or_skip(test) {
        return;
    }
    let vm = nlwire_tests::vm_kernel();
    let ns = TestNs::create();
    // `ip -n NS cmd`: its error output, or None when it worked.
    let add = |cmd: &str| {
        let out = Command::new("ip")
            .args(["-n", ns.name()])
            .args(cmd.split(' '))
            .output()
            .expect("run ip");
        (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
    };
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d0", "up"]);
    // One link of each kind first: the kernel has the kinds' modules.
    let mut missing = Vec::new();
    for (kind, cmd) in [
        (
            "gre",
            "link add g0 type gre remote 192.0.2.2 local 192.0.2.1 ttl 64 tos 0x10 key 42 seq csum nopmtudisc ignore-df fwmark 7 dev d0",
        ),
        (
            "ip6gre",
            "link add g6 type ip6gre remote 2001:db8::2 local 2001:db8::1 hoplimit 32 encaplimit 3 tclass 0x20 flowlabel 0x12345 key 9 allow-localremote fwmark 3",
        ),
        (
            "ipip",
            "link add ii0 type ipip remote 192.0.2.8 local 192.0.2.1 ttl 10 tos 0x4 pmtudisc dev d0 fwmark 9",
        ),
        (
            "sit",
            "link add s0 type sit remote 192.0.2.10 local 192.0.2.1 ttl 20 mode ip6ip",
        ),
        (
            "ip6tnl",
            "link add t6 type ip6tnl remote 2001:db8::6 local 2001:db8::1 mode ip6ip6 encaplimit none flowlabel inherit hoplimit 33 tclass 0x10",
        ),
        (
            "geneve",
            "link add gn0 type geneve id 10 remote 192.0.2.12 ttl 64 tos 0x10 dstport 6082 df set noudpcsum",
        ),
    ] {
        if let Some(err) = add(cmd) {
            missing.push(format!("{kind} ({})", err.trim()));
        }
    }
    if !missing.is_empty() {
        if let Some(vm) = vm {
            panic!("{test}: the VM kernel {vm} cannot make {missing:?}");
        }
        nlwire_tests::say_skipped(
            test,
            &format!(
                "this kernel cannot make {}; it runs in the VM harness \
                 (tests/vm/nlwire-vm, run by .ci/run)",
                missing.join(", ")
            ),
        );
        return;
    }
    for cmd in [
        "link add g2 type gre external",
        "link add gt0 type gretap remote 192.0.2.5 local 192.0.2.1 key 5",
        "link add er0 type erspan remote 192.0.2.6 local 192.0.2.1 seq key 10 erspan_ver 1 erspan 123",
        "link add er1 type erspan remote 192.0.2.7 local 192.0.2.1 seq key 11 erspan_ver 2 erspan_dir egress erspan_hwid 7",
        "link add g6b type ip6gre remote 2001:db8::3 encaplimit none tclass inherit flowlabel inherit dscp inherit fwmark inherit",
        "link add g6t type ip6gretap remote 2001:db8::4 local 2001:db8::1 hoplimit 0 ikey 3 oseq",
        "link add e6 type ip6erspan remote 2001:db8::5 local 2001:db8::1 seq key 12 erspan_ver 1 erspan 5",
        "link add ii1 type ipip external",
        "link add s1 type sit mode any isatap local 192.0.2.1",
        "link add s2 type sit local 192.0.2.20 6rd-prefix 2001:db8::/32 6rd-relay_prefix 10.0.0.0/8 nopmtudisc ttl 0",
        "link add s3 type sit remote 192.0.2.11 mode ipip",
        "link add t6b type ip6tnl remote 2001:db8::7 mode ipip6 encaplimit 2 flowlabel 0xabc tclass inherit dscp inherit allow-localremote fwmark 4",
        "link add t6c type ip6tnl mode any remote 2001:db8::8 fwmark inherit",
        "link add t6d type ip6tnl external",
        "link add gn1 type geneve id 11 remote 2001:db8::9 ttl auto tos inherit df inherit udp6zerocsumtx udp6zerocsumrx flowlabel 0x456",
        "link add gn2 type geneve external dstport 6090",
        "link add gn3 type geneve id 12 remote 192.0.2.13 ttl inherit df unset innerprotoinherit",
        "link add gn4 type geneve id 13 remote 2001:db8::12 ttl 5 udpcsum",
    ] {
        ns.ip(&cmd.split(' ').collect::<Vec<_>>());
    }
    // FOU and GUE need the fou and fou6 modules (the VMs load them). ip
    // 6.1 takes `encap-udp6-csum` where it prints `encap-csum6`.
    let mut encap = true;
    for cmd in [
        "link add g1 type gre remote 192.0.2.3 ikey 1 okey 2 iseq ocsum tos inherit encap fou encap-sport 5555 encap-dport 6666 encap-csum",
        "link add g3 type gre remote 192.0.2.4 encap gue encap-sport auto encap-dport 7777 encap-remcsum encap-udp6-csum",
        "link add ii2 type ipip remote 192.0.2.9 encap fou encap-dport 5555 noencap-csum",
        "link add g6e type ip6gre remote 2001:db8::10 local 2001:db8::1 encap gue encap-dport 5557 encap-udp6-csum",
        "link add t6e type ip6tnl remote 2001:db8::11 encap fou encap-sport 1234 encap-dport 5558",
    ] {
        if let Some(err) = add(cmd) {
            assert!(vm.is_none(), "{test}: ip {cmd}: {err}");
            encap = false;
        }
    }
    for args in [
        "-d link show",
        "-d -j link show",
        "-d -o link show",
        "-d -j -p link show g1",
        "-d link show type gre",
        "-d -j link show type erspan",
        "-d -j link show type ip6gre",
        "-d link show type ip6gretap",
        "-d -j link show type sit",
        "-d link show type ip6tnl",
        "-d link show type geneve",
        "-d -j link show type geneve",
    ] {
        same_as_ip_with(
            &ns,
            &args.split(' ').collect::<Vec<_>>(),
            common::mask_timers,
        );
    }
    // The comparisons above saw the kinds' settings, not empty lines.
    let text = ns.ip(&["-d", "link", "show"]);
    let mut wants = vec![
        "gre remote 192.0.2.2 local 192.0.2.1 dev d0 ttl 64 tos 0x10 nopmtudisc ignore-df ikey 0.0.0.42 okey 0.0.0.42 iseq oseq icsum ocsum fwmark 0x7 ",
        "gre external remote any local any ttl inherit ",
        "erspan_ver 2 erspan_dir egress erspan_hwid 0x7 ",
        "ip6gre remote 2001:db8::2 local 2001:db8::1 hoplimit 32 encaplimit 3 tclass 0x20 flowlabel 0x12345 ikey 0.0.0.9 okey 0.0.0.9 allow-localremote fwmark 0x3 ",
        "encaplimit none tclass inherit flowlabel inherit dscp inherit fwmark inherit ",
        "ip6gretap remote 2001:db8::4 local 2001:db8::1 hoplimit inherit ",
        "ipip any remote 192.0.2.8 local 192.0.2.1 dev d0 ttl 10 tos 0x4 pmtudisc fwmark 0x9 ",
        "sit any remote any local 192.0.2.1 ttl inherit pmtudisc isatap ",
        "nopmtudisc 6rd-prefix 2001:db8::/32 6rd-relay_prefix 10.0.0.0/8 ",
        "ip6tnl ipip6 remote 2001:db8::7 local any hoplimit 64 encaplimit 2 tclass inherit flowlabel 0x00abc dscp inherit allow-localremote fwmark 0x4 ",
        "geneve id 11 remote 2001:db8::9 ttl auto tos inherit df inherit flowlabel 0x456 dstport 6081 udp6zerocsumtx udp6zerocsumrx ",
        "geneve external id 0 ",
        "innerprotoinherit ",
    ];
    if encap {
        wants.extend([
            "encap fou encap-sport 5555 encap-dport 6666 encap-csum noencap-csum6 noencap-remcsum ",
            "encap gue encap-sport auto encap-dport 7777 noencap-csum encap-csum6 encap-remcsum ",
        ]);
    }
    for want in wants {
        assert!(
            text.contains(want),
            "ip -d link show has no {want:?}:\n{text}"
        );
    }
}
