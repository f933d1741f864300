//! `nlw link add … type KIND OPTIONS` against `ip`, for the kinds with
//! their own options: GRE and IP tunnels (gre, gretap, ip6gre, ip6gretap,
//! ipip, sit, ip6tnl), GENEVE, VXLAN's whole option set, VRFs, macvtap,
//! bonds and bridges (created, and changed with `link set … type
//! bond|bridge`), and bridge and bond ports (`type bridge_slave|bond_slave`). Each command
//! runs with ip in one namespace and with nlw in a twin prepared alike:
//! the same exit code, and the same kernel state after it, as `ip -d -j
//! link show` reads it (random MAC addresses masked).
//!
//! The host kernel lacks most of these modules. A command whose kind the
//! kernel cannot create is skipped on the host, with the reason printed;
//! inside the VM harness (`NLWIRE_VM`, run by `.ci/run`) it is a failure.

mod common;
use std::collections::BTreeMap;
use std::process::Command;

use nlwire_tests::{TestNs, privileged_or_skip};
use serde_json::Value;

/// `ip -n NS args…`: exit code and stderr.
fn ip(ns: &TestNs, args: &[&str]) -> (i32, String) {
    let out = Command::new("ip")
        .args(["-n", ns.name()])
        .args(args)
        .output()
        .expect("run ip");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Replaces values that differ between twins for reasons of their own:
/// kernel-chosen MAC addresses (of taps, bonds, VXLAN and GENEVE devices).
fn mask(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let is_mac = x
                    .as_str()
                    .is_some_and(|s| s.len() == 17 && s.matches(':').count() == 5);
                // ip6gre's permanent address is random too; a bridge's
                // identifiers hold its (random) address, and its timers
                // run.
                let masked = matches!(
                    k.as_str(),
                    "permaddr"
                        | "perm_hwaddr"
                        | "bridge_id"
                        | "root_id"
                        | "designated_root"
                        | "designated_bridge"
                ) || k.ends_with("_timer");
                if (k == "address" || k == "perm_address") && is_mac || masked {
                    *x = Value::String("MAC".into());
                } else {
                    mask(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

fn state(ns: &TestNs) -> Value {
    let mut v = ns.ip_json(&["-d", "link", "show"]);
    mask(&mut v);
    v
}

/// The underlay both twins start from: a veth pair with documentation
/// addresses (lower link for `dev`, `link` and tunnel endpoints).
fn base(ns: &TestNs) {
    ns.ip_batch(
        "link set lo up\n\
         link add u0 address 02:00:00:00:0e:00 type veth peer name u1 address 02:00:00:00:0e:01\n\
         addr add 192.0.2.1/24 dev u0\n\
         addr add 2001:db8::1/64 dev u0 nodad\n\
         link set u0 up\nlink set u1 up\n",
    );
}

/// The kind a command creates (`type KIND`), if it creates one.
fn kind_of(cmd: &str) -> Option<&str> {
    let w: Vec<&str> = cmd.split(' ').collect();
    let i = w.iter().position(|x| *x == "type")?;
    (w[1] == "add").then(|| w[i + 1])
}

/// Whether this kernel can make a link of `kind` (each asked once, in a
/// namespace of its own).
fn kernel_has(kind: &str, cache: &mut BTreeMap<String, bool>) -> bool {
    if let Some(&k) = cache.get(kind) {
        return k;
    }
    let probe = TestNs::create();
    base(&probe);
    let args: Vec<&str> = match kind {
        "gre" | "gretap" | "ipip" | "sit" => vec!["link", "add", "p0", "type", kind],
        "ip6gre" | "ip6gretap" | "ip6tnl" => vec!["link", "add", "p0", "type", kind],
        "geneve" => vec![
            "link",
            "add",
            "p0",
            "type",
            "geneve",
            "id",
            "1",
            "remote",
            "192.0.2.9",
        ],
        "vxlan" => vec![
            "link", "add", "p0", "type", "vxlan", "id", "1", "dstport", "0",
        ],
        "vrf" => vec!["link", "add", "p0", "type", "vrf", "table", "10"],
        "macvtap" => vec!["link", "add", "p0", "link", "u0", "type", "macvtap"],
        other => vec!["link", "add", "p0", "type", other],
    };
    let ok = ip(&probe, &args).0 == 0;
    cache.insert(kind.to_string(), ok);
    ok
}

/// Runs each command with ip in `a` and nlw in `b`; requires the same exit
/// code and the same state after each.
fn same_writes(test: &str, cmds: &[&str]) {
    let (a, b) = (TestNs::create(), TestNs::create());
    base(&a);
    base(&b);
    let mut cache = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut ran = 0;
    for cmd in cmds {
        let args: Vec<&str> = cmd.split(' ').collect();
        if let Some(k) = kind_of(cmd) {
            if !kernel_has(k, &mut cache) {
                if let Some(vm) = nlwire_tests::vm_kernel() {
                    panic!("{test}: the VM kernel {vm} cannot create a {k} link");
                }
                if !skipped.contains(&k) {
                    skipped.push(k);
                }
                continue;
            }
        }
        let (theirs, their_err) = ip(&a, &args);
        let mut n = vec!["-n", b.name()];
        n.extend_from_slice(&args);
        let (ours, _, our_err) = common::nlw(&n);
        assert_eq!(
            ours, theirs,
            "{cmd}: nlw exited {ours} ({our_err}), ip {theirs} ({their_err})"
        );
        let (ours, theirs) = (state(&b), state(&a));
        if ours != theirs {
            // Only the links that differ, for a readable failure.
            let (o, t) = (ours.as_array().unwrap(), theirs.as_array().unwrap());
            let diff: Vec<_> = o.iter().zip(t).filter(|(x, y)| x != y).collect();
            panic!(
                "after {cmd}: nlw's (left) and ip's (right) links differ \
                 ({} against {} links): {diff:#?}",
                o.len(),
                t.len()
            );
        }
        ran += 1;
    }
    if !skipped.is_empty() {
        nlwire_tests::say_skipped(
            test,
            &format!(
                "this kernel cannot create {} links; the commands that make them ran in the \
                 VM harness (tests/vm/nlwire-vm, run by .ci/run) instead",
                skipped.join(", ")
            ),
        );
    }
    assert!(ran > 0 || nlwire_tests::vm_kernel().is_none());
}

#[test]
fn tunnels_are_written_as_ip_writes_them() {
    let test = "nlw link_writes::tunnels_are_written_as_ip_writes_them";
    if !privileged_or_skip(test) {
        return;
    }
    same_writes(
        test,
        &[
            "link add g0 type gre remote 198.51.100.2 local 192.0.2.1 ttl 64 tos 0x10 key 7 csum seq",
            "link add g1 type gre remote 198.51.100.3 local 192.0.2.1 ikey 1.2.3.4 okey 5 nopmtudisc ignore-df fwmark 9 dev u0",
            "link add g2 type gre external",
            "link add g3 type gre remote 239.1.1.1 local 192.0.2.1",
            "link add g4 type gre remote any local 192.0.2.1 iseq ocsum",
            "link add gt0 type gretap remote 198.51.100.4 local 192.0.2.1 ttl inherit tos inherit noseq icsum",
            "link add g6 type ip6gre remote 2001:db8::2 local 2001:db8::1 hoplimit 10 tclass 0x20 flowlabel 0x1234 encaplimit none key 9",
            "link add gt6 type ip6gretap remote 2001:db8::3 local 2001:db8::1 tclass inherit flowlabel inherit encaplimit 2 allow-localremote fwmark inherit",
            "link add ip0 type ipip remote 198.51.100.5 local 192.0.2.1 ttl 32 tos 0x8 dev u0",
            "link add ip1 type ipip external",
            "link add ip2 type ipip remote 198.51.100.6 mode any nopmtudisc",
            "link add s0 type sit remote 198.51.100.6 local 192.0.2.1 mode ip6ip ttl 64",
            "link add s1 type sit local 192.0.2.1 isatap mode any",
            "link add t6 type ip6tnl remote 2001:db8::4 local 2001:db8::1 mode ip6ip6 encaplimit 1 hoplimit 20 dscp inherit",
            "link add t7 type ip6tnl remote 2001:db8::5 mode any flowlabel inherit tclass 0x10",
            "link add t8 type ip6tnl external",
            "link add g5 type gre remote 198.51.100.10 local 192.0.2.1 encap fou encap-sport auto encap-dport 5555 encap-csum",
            "link add ip3 type ipip remote 198.51.100.11 local 192.0.2.1 encap gue encap-sport 1000 encap-dport 6666 noencap-csum",
            "link add t5 type ip6tnl remote 2001:db8::6 local 2001:db8::1 encap fou encap-dport 7777 noencap-udp6-csum encap-remcsum",
            "link add g7 type gre remote 198.51.100.12 key 1.2.3",
            "link add g10 type gre remote 198.51.100.13 key 1.2.x",
            // Refused alike: an existing name, an address of the other
            // family, ttl with nopmtudisc on ipip, ignore-df with pmtudisc.
            "link add g0 type gre remote 198.51.100.9",
            "link add g9 type gre remote 2001:db8::9",
            "link add ip9 type ipip ttl 3 nopmtudisc",
            "link add g8 type gre remote 198.51.100.8 ignore-df",
            "link add t9 type ip6tnl mode ipip",
        ],
    );
}

#[test]
fn geneve_vxlan_vrf_macvtap_are_written_as_ip_writes_them() {
    let test = "nlw link_writes::geneve_vxlan_vrf_macvtap_are_written_as_ip_writes_them";
    if !privileged_or_skip(test) {
        return;
    }
    same_writes(
        test,
        &[
            "link add gn0 type geneve id 10 remote 198.51.100.7 ttl 12 tos 0x20 dstport 6082 df set udpcsum",
            "link add gn1 type geneve id 11 remote 2001:db8::7 ttl inherit label 0x123 udp6zerocsumtx udp6zerocsumrx",
            "link add gn2 type geneve external",
            "link add gn3 type geneve id 13 remote 198.51.100.8 ttl auto tos inherit df inherit noudpcsum",
            "link add gn9 type geneve id 12",
            "link add vx0 type vxlan id 42 dstport 4789 remote 198.51.100.9 local 192.0.2.1 dev u0 ttl 64 tos 0x10 ageing 100 maxaddress 10 nolearning proxy l2miss l3miss noudpcsum udp6zerocsumtx",
            "link add vx1 type vxlan id 43 group 239.1.1.1 dev u0 dstport 4790 srcport 1000 2000 ttl inherit df set",
            "link add vx2 type vxlan external dstport 4791 ageing 0",
            "link add vx3 type vxlan id 44 remote 2001:db8::9 local 2001:db8::1 dstport 4792 udp6zerocsumrx flowlabel 0x123 df inherit gbp",
            "link add vx4 type vxlan id 45 dstport 0 ttl auto maxaddress unlimited rsc remcsumtx remcsumrx",
            "link add vx5 type vxlan id 46 dstport 4793 gpe",
            "link add vx6 type vxlan external vnifilter dstport 4794",
            "link add vx9 type vxlan id 47 group 239.1.1.2",
            "link add vr0 type vrf table 100",
            "link add vr1 type vrf table 101",
            "link add vr2 type vrf",
            "link add mt0 link u0 type macvtap mode bridge",
            "link add mt1 link u0 type macvtap",
        ],
    );
}

#[test]
fn bonds_are_written_as_ip_writes_them() {
    let test = "nlw link_writes::bonds_are_written_as_ip_writes_them";
    if !privileged_or_skip(test) {
        return;
    }
    same_writes(
        test,
        &[
            "link add bd0 type bond mode active-backup miimon 100 updelay 200 downdelay 300 primary_reselect better fail_over_mac active num_grat_arp 3 resend_igmp 2 min_links 1",
            "link add bd1 type bond mode balance-xor arp_interval 1000 arp_ip_target 192.0.2.1,192.0.2.2 arp_validate all arp_all_targets all xmit_hash_policy layer3+4",
            "link add bd2 type bond mode 802.3ad lacp_rate fast ad_select count ad_actor_sys_prio 100 ad_user_port_key 5 ad_actor_system 02:00:00:00:00:11",
            "link add bd3 type bond mode balance-rr packets_per_slave 3 all_slaves_active 1 lp_interval 2 peer_notify_delay 0 use_carrier 1",
            "link add bd4 type bond mode balance-tlb tlb_dynamic_lb 0",
            "link add bd5 type bond",
            "link set bd1 type bond arp_interval 2000 arp_ip_target 192.0.2.3",
            "link set bd0 type bond miimon 50 updelay 100",
            "link set bd2 type bond lacp_rate slow",
            "link add bd9 type bond mode nosuchmode",
            "link set bd0 type bond mode 802.3ad",
        ],
    );
}

#[test]
fn bridges_and_ports_are_written_as_ip_writes_them() {
    let test = "nlw link_writes::bridges_and_ports_are_written_as_ip_writes_them";
    if !privileged_or_skip(test) {
        return;
    }
    same_writes(
        test,
        &[
            "link add br0 type bridge forward_delay 400 hello_time 300 max_age 1000 ageing_time 1200 priority 100 group_fwd_mask 8 group_address 01:80:c2:00:00:0e mcast_snooping 0 mcast_router 2 mcast_query_use_ifaddr 1 mcast_hash_max 512 mcast_last_member_count 3 mcast_startup_query_count 4 mcast_last_member_interval 200 mcast_membership_interval 30000 mcast_querier_interval 26000 mcast_query_interval 13000 mcast_query_response_interval 1100 mcast_startup_query_interval 3000 mcast_stats_enabled 1 mcast_igmp_version 3 mcast_mld_version 2",
            "link add br1 type bridge stp_state 1 no_linklocal_learn 1 mcast_querier 1",
            "link add br2 type bridge vlan_filtering 1 vlan_protocol 802.1ad vlan_default_pvid 9 vlan_stats_enabled 1 vlan_stats_per_port 1",
            "link add br3 type bridge nf_call_iptables 1 nf_call_ip6tables 1 nf_call_arptables 1",
            "link set br1 type bridge ageing_time 500 mcast_vlan_snooping 0 stp_state 0",
            "link set br0 type bridge fdb_flush",
            "link set br0 type bridge priority 70000",
            "link add v0 type veth peer name v1",
            "link add v2 type veth peer name v3",
            "link set v0 master br0",
            "link set v2 master br0",
            "link set v0 type bridge_slave cost 7 priority 9 hairpin on guard on root_block on fastleave on learning off flood off proxy_arp on mcast_router 2 mcast_flood off bcast_flood off mcast_to_unicast on neigh_suppress on group_fwd_mask 0x4008 vlan_tunnel off isolated on",
            "link set v2 type bridge_slave backup_port v0 state 3 proxy_arp_wifi on",
            "link set v0 type bridge_slave fdb_flush locked on",
            "link set v2 type bridge_slave nobackup_port",
            "link set v0 type bridge_slave hairpin maybe",
            "link set v1 type bridge_slave cost 1",
            "link add bd0 type bond mode active-backup",
            "link add d0 type dummy",
            "link set d0 master bd0",
            "link set d0 type bond_slave queue_id 3 prio 5",
            "link set d0 type bond_slave queue_id 0",
        ],
    );
}

/// `link set … addrgenmode` (ip's names, any case), an invalid mode, and
/// `addr` as ip reads it: short for `address`, not for `addrgenmode`
/// (which ip compares whole). The kernel's state after each is ip's,
/// read with `ip -d -j` (its `inet6_addr_gen_mode`).
#[test]
fn addrgenmode_is_written_as_ip_writes_it() {
    let test = "nlw link_writes::addrgenmode_is_written_as_ip_writes_it";
    if !privileged_or_skip(test) {
        return;
    }
    same_writes(
        test,
        &[
            "link add a0 type veth peer name a1",
            "link set a0 addrgenmode none",
            "link set a1 addrgenmode random",
            "link set a0 addrgenmode EUI64",
            "link set a1 addrgenmode stable_secret",
            "link set a0 addrgenmode bogus",
            "link set a0 addrgen none",
            "link set a0 addr 02:00:00:00:0e:0a",
            "link add a2 addrgenmode none type veth peer name a3",
        ],
    );
    // The address itself (`mask` hides MACs from the comparison above).
    let ns = TestNs::create();
    ns.ip(&["link", "add", "a0", "type", "veth", "peer", "name", "a1"]);
    let (code, _, err) = common::nlw(&[
        "-n",
        ns.name(),
        "link",
        "set",
        "a0",
        "addr",
        "02:00:00:00:0e:0b",
    ]);
    assert_eq!(code, 0, "{err}");
    let show = ns.ip(&["link", "show", "dev", "a0"]);
    assert!(show.contains("link/ether 02:00:00:00:0e:0b"), "{show}");
}
