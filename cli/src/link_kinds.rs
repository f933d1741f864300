//! Each link kind's settings under `-d`, as iproute2's `iplink_*.c`
//! `print_opt` functions write them (`ip/iplink_bridge.c`,
//! `iplink_bridge_slave.c`, `iptuntap.c`, `iplink_vlan.c`,
//! `iplink_macvlan.c`, `iplink_ipvlan.c`; current iproute2), and the IP
//! tunnels' and geneve's in [`tunnels`]. The values are read through core's
//! [`KindData`] view.

mod tunnels;

use std::io::{self, Write};

use nlwire::route::linkinfo::{
    BridgeId, FlagsMask, IpvlanInfo, KindData, MacvlanInfo, bond, bond_port, bridge, bridge_port,
    tun, vlan, vrf, vxlan,
};

use crate::print::{Color, Json, Printer};

/// Whether ip has a `print_opt` for `kind`: it then writes an
/// `info_data` object (empty without data).
pub fn has_printer(kind: &str) -> bool {
    matches!(
        kind,
        "bridge"
            | "tun"
            | "vlan"
            | "vxlan"
            | "macvlan"
            | "macvtap"
            | "ipvlan"
            | "ipvtap"
            | "bond"
            | "vrf"
    ) || tunnels::has_printer(kind)
}

/// Whether ip has a `print_opt` for the port side of `master_kind`.
pub fn has_slave_printer(master_kind: &str) -> bool {
    matches!(master_kind, "bridge" | "bond" | "vrf")
}

/// The `info_data` of a link of `kind` (`lu->print_opt`).
pub fn print_data<W: Write>(
    p: &mut Printer<W>,
    kind: &str,
    data: &[u8],
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    match kind {
        "bond" => {
            if let Ok(d) = KindData::new(data) {
                print_bond(p, &d, name_of)?;
            }
        }
        "vxlan" => {
            if let Ok(d) = KindData::new(data) {
                print_vxlan(p, &d, name_of)?;
            }
        }
        "vrf" => {
            if let Some(t) = KindData::new(data).ok().and_then(|d| d.u32(vrf::TABLE)) {
                p.num("table", "table {} ", t)?;
            }
        }
        "bridge" => {
            if let Ok(d) = KindData::new(data) {
                print_bridge(p, &d)?;
            }
        }
        "tun" => {
            if let Ok(d) = KindData::new(data) {
                print_tun(p, &d)?;
            }
        }
        "vlan" => {
            if let Ok(d) = KindData::new(data) {
                print_vlan(p, &d)?;
            }
        }
        "macvlan" | "macvtap" => {
            if let Ok(m) = MacvlanInfo::parse(data) {
                print_macvlan(p, &m)?;
            }
        }
        "ipvlan" | "ipvtap" => {
            if let Ok(m) = IpvlanInfo::parse(data) {
                print_ipvlan(p, &m)?;
            }
        }
        k if tunnels::has_printer(k) => {
            if let Ok(d) = KindData::new(data) {
                tunnels::print_data(p, k, &d, name_of)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The `info_slave_data` of a port of a `master_kind` master.
pub fn print_slave_data<W: Write>(
    p: &mut Printer<W>,
    master_kind: &str,
    data: &[u8],
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    let Ok(d) = KindData::new(data) else {
        return Ok(());
    };
    match master_kind {
        "bridge" => print_bridge_port(p, &d, name_of)?,
        "bond" => print_bond_port(p, &d)?,
        "vrf" => {
            if let Some(t) = d.u32(vrf::PORT_TABLE) {
                p.num("table", "table {} ", t)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `print_0xhex`'s `%#llx`: `0` for zero, `0x…` otherwise.
fn hex0x(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// `print_on_off`: a JSON boolean, `on`/`off` in text.
fn on_off<W: Write>(p: &mut Printer<W>, key: &str, fmt: &str, v: u8) -> io::Result<()> {
    if p.is_json() {
        p.json(Json::Num, Some(key), v != 0)
    } else {
        p.text_fmt(fmt, if v != 0 { "on" } else { "off" })
    }
}

/// A bridge timer (`_bridge_print_timer`): centiseconds as `%4i.%.2i`.
fn timer<W: Write>(p: &mut Printer<W>, key: &str, jiffies: u64) -> io::Result<()> {
    let usec = jiffies.wrapping_mul(10_000);
    let (sec, cs) = (usec / 1_000_000, (usec % 1_000_000) / 10_000);
    if p.is_json() {
        p.json(Json::Num, Some(key), format_args!("{sec}.{cs:02}"))
    } else {
        p.text_fmt("{}", format_args!("{key} {sec:>4}.{cs:02} "))
    }
}

/// `ll_addr_n2a` of an Ethernet address.
fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `ll_proto_n2a` of the VLAN protocols.
fn vlan_proto(id: u16) -> String {
    match id {
        0x8100 => "802.1Q".into(),
        0x88a8 => "802.1ad".into(),
        n => format!("[{n}]"),
    }
}

/// `print_time64`: nanoseconds as `%.3g` seconds, ms, us, or ns.
fn time64(ns: u64) -> String {
    let v = ns as f64;
    if ns >= 1_000_000_000 {
        format!("{}s", g3(v / 1e9))
    } else if ns >= 1_000_000 {
        format!("{}ms", g3(v / 1e6))
    } else if ns >= 1_000 {
        format!("{}us", g3(v / 1e3))
    } else {
        format!("{ns}ns")
    }
}

/// C's `%.3g` for a value ≥ 1.
fn g3(v: f64) -> String {
    let exp = v.abs().log10().floor() as i32;
    if exp >= 3 {
        // 1.23e+03
        let m = format!("{:.2e}", v); // "1.23e3"
        let (mant, e) = m.split_once('e').unwrap_or((&m, "0"));
        let mant = mant.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (2 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `bridge_print_opt`.
fn print_bridge<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    use bridge::*;
    for (a, key) in [
        (FORWARD_DELAY, "forward_delay"),
        (HELLO_TIME, "hello_time"),
        (MAX_AGE, "max_age"),
        (AGEING_TIME, "ageing_time"),
        (STP_STATE, "stp_state"),
    ] {
        if let Some(v) = d.u32(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u16(PRIORITY) {
        p.num("priority", "priority {} ", v)?;
    }
    if let Some(v) = d.u8(VLAN_FILTERING) {
        p.num("vlan_filtering", "vlan_filtering {} ", v)?;
    }
    if let Some(v) = d.be16(VLAN_PROTOCOL) {
        p.str("vlan_protocol", "vlan_protocol {} ", vlan_proto(v))?;
    }
    if let Some(id) = d.get(BRIDGE_ID).and_then(BridgeId::parse) {
        p.str("bridge_id", "bridge_id {} ", id)?;
    }
    if let Some(id) = d.get(ROOT_ID).and_then(BridgeId::parse) {
        p.str("root_id", "designated_root {} ", id)?;
    }
    if let Some(v) = d.u16(ROOT_PORT) {
        p.num("root_port", "root_port {} ", v)?;
    }
    if let Some(v) = d.u32(ROOT_PATH_COST) {
        p.num("root_path_cost", "root_path_cost {} ", v)?;
    }
    for (a, key) in [
        (TOPOLOGY_CHANGE, "topology_change"),
        (TOPOLOGY_CHANGE_DETECTED, "topology_change_detected"),
    ] {
        if let Some(v) = d.u8(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    for (a, key) in [
        (HELLO_TIMER, "hello_timer"),
        (TCN_TIMER, "tcn_timer"),
        (TOPOLOGY_CHANGE_TIMER, "topology_change_timer"),
        (GC_TIMER, "gc_timer"),
    ] {
        if let Some(v) = d.u64(a) {
            timer(p, key, v)?;
        }
    }
    for (a, key) in [
        (FDB_N_LEARNED, "fdb_n_learned"),
        (FDB_MAX_LEARNED, "fdb_max_learned"),
    ] {
        if let Some(v) = d.u32(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u16(VLAN_DEFAULT_PVID) {
        p.num("vlan_default_pvid", "vlan_default_pvid {} ", v)?;
    }
    for (a, key) in [
        (VLAN_STATS_ENABLED, "vlan_stats_enabled"),
        (VLAN_STATS_PER_PORT, "vlan_stats_per_port"),
    ] {
        if let Some(v) = d.u8(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u16(GROUP_FWD_MASK) {
        p.str("group_fwd_mask", "group_fwd_mask {} ", hex0x(v.into()))?;
    }
    if let Some(a) = d.get(GROUP_ADDR) {
        p.str("group_addr", "group_address {} ", mac(a))?;
    }
    if let Some(v) = d.u8(MCAST_SNOOPING) {
        p.num("mcast_snooping", "mcast_snooping {} ", v)?;
    }
    if let Some(b) = d.get(MULTI_BOOLOPT).and_then(FlagsMask::parse) {
        for (bit, key) in [
            (BOOLOPT_NO_LL_LEARN, "no_linklocal_learn"),
            (BOOLOPT_MCAST_VLAN_SNOOPING, "mcast_vlan_snooping"),
            (BOOLOPT_MST_ENABLE, "mst_enabled"),
            (
                BOOLOPT_MDB_OFFLOAD_FAIL_NOTIFICATION,
                "mdb_offload_fail_notification",
            ),
            (BOOLOPT_FDB_LOCAL_VLAN_0, "fdb_local_vlan_0"),
        ] {
            if let Some(v) = b.get(bit) {
                p.num(key, &format!("{key} {{}} "), u8::from(v))?;
            }
        }
    }
    for (a, key) in [
        (MCAST_ROUTER, "mcast_router"),
        (MCAST_QUERY_USE_IFADDR, "mcast_query_use_ifaddr"),
        (MCAST_QUERIER, "mcast_querier"),
    ] {
        if let Some(v) = d.u8(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(q) = d.nested(MCAST_QUERIER_STATE) {
        print_querier_state(p, &q)?;
    }
    for (a, key, text) in [
        (
            MCAST_HASH_ELASTICITY,
            "mcast_hash_elasticity",
            "mcast_hash_elasticity",
        ),
        (MCAST_HASH_MAX, "mcast_hash_max", "mcast_hash_max"),
        (
            MCAST_LAST_MEMBER_CNT,
            "mcast_last_member_cnt",
            "mcast_last_member_count",
        ),
        (
            MCAST_STARTUP_QUERY_CNT,
            "mcast_startup_query_cnt",
            "mcast_startup_query_count",
        ),
    ] {
        if let Some(v) = d.u32(a) {
            p.num(key, &format!("{text} {{}} "), v)?;
        }
    }
    for (a, key, text) in [
        (
            MCAST_LAST_MEMBER_INTVL,
            "mcast_last_member_intvl",
            "mcast_last_member_interval",
        ),
        (
            MCAST_MEMBERSHIP_INTVL,
            "mcast_membership_intvl",
            "mcast_membership_interval",
        ),
        (
            MCAST_QUERIER_INTVL,
            "mcast_querier_intvl",
            "mcast_querier_interval",
        ),
        (
            MCAST_QUERY_INTVL,
            "mcast_query_intvl",
            "mcast_query_interval",
        ),
        (
            MCAST_QUERY_RESPONSE_INTVL,
            "mcast_query_response_intvl",
            "mcast_query_response_interval",
        ),
        (
            MCAST_STARTUP_QUERY_INTVL,
            "mcast_startup_query_intvl",
            "mcast_startup_query_interval",
        ),
    ] {
        if let Some(v) = d.u64(a) {
            p.num(key, &format!("{text} {{}} "), v)?;
        }
    }
    for (a, key) in [
        (MCAST_STATS_ENABLED, "mcast_stats_enabled"),
        (MCAST_IGMP_VERSION, "mcast_igmp_version"),
        (MCAST_MLD_VERSION, "mcast_mld_version"),
        (NF_CALL_IPTABLES, "nf_call_iptables"),
        (NF_CALL_IP6TABLES, "nf_call_ip6tables"),
        (NF_CALL_ARPTABLES, "nf_call_arptables"),
    ] {
        if let Some(v) = d.u8(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    Ok(())
}

/// `bridge_print_mcast_querier_state`.
fn print_querier_state<W: Write>(p: &mut Printer<W>, q: &KindData<'_>) -> io::Result<()> {
    use bridge::*;
    for (v6, addr, port, other) in [
        (
            false,
            QUERIER_IP_ADDRESS,
            QUERIER_IP_PORT,
            QUERIER_IP_OTHER_TIMER,
        ),
        (
            true,
            QUERIER_IPV6_ADDRESS,
            QUERIER_IPV6_PORT,
            QUERIER_IPV6_OTHER_TIMER,
        ),
    ] {
        let fam = if v6 { "ipv6" } else { "ipv4" };
        p.open_object(Some(&format!("mcast_querier_state_{fam}")))?;
        if let Some(a) = q.get(addr) {
            let shown = match a.len() {
                4 => {
                    std::net::Ipv4Addr::from(<[u8; 4]>::try_from(a).unwrap_or_default()).to_string()
                }
                16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(a).unwrap_or_default())
                    .to_string(),
                _ => "???".into(),
            };
            let key = format!("mcast_querier_{fam}_addr");
            p.text_fmt("{} ", &key)?;
            let color = if v6 { Color::Inet6 } else { Color::Inet };
            p.str_c(Some(color), &key, "{} ", shown)?;
        }
        if let Some(v) = q.u32(port) {
            let key = format!("mcast_querier_{fam}_port");
            p.num(&key, &format!("{key} {{}} "), v)?;
        }
        if let Some(v) = q.u64(other) {
            let key = format!("mcast_querier_{fam}_other_timer");
            p.str(&key, &format!("{key} {{}} "), time64(v))?;
        }
        p.close_object()?;
    }
    Ok(())
}

/// `bridge_slave_print_opt`.
fn print_bridge_port<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    use bridge_port::*;
    if let Some(s) = d.u8(STATE) {
        const STATES: [&str; 5] = [
            "disabled",
            "listening",
            "learning",
            "forwarding",
            "blocking",
        ];
        match STATES.get(usize::from(s)) {
            Some(name) => p.str("state", "state {} ", name)?,
            None => p.num("state_index", "state ({}) ", s)?,
        }
    }
    if let Some(v) = d.u16(PRIORITY) {
        p.num("priority", "priority {} ", v)?;
    }
    if let Some(v) = d.u32(COST) {
        p.num("cost", "cost {} ", v as i32)?;
    }
    for (a, key) in [
        (MODE, "hairpin"),
        (GUARD, "guard"),
        (PROTECT, "root_block"),
        (FAST_LEAVE, "fastleave"),
        (LEARNING, "learning"),
        (UNICAST_FLOOD, "flood"),
    ] {
        if let Some(v) = d.u8(a) {
            on_off(p, key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u16(ID) {
        p.str("id", "port_id {} ", hex0x(v.into()))?;
    }
    if let Some(v) = d.u16(NO) {
        p.str("no", "port_no {} ", hex0x(v.into()))?;
    }
    if let Some(v) = d.u16(DESIGNATED_PORT) {
        p.num("designated_port", "designated_port {} ", v)?;
    }
    if let Some(v) = d.u16(DESIGNATED_COST) {
        p.num("designated_cost", "designated_cost {} ", v)?;
    }
    if let Some(id) = d.get(BRIDGE_ID).and_then(BridgeId::parse) {
        p.str("bridge_id", "designated_bridge {} ", id)?;
    }
    if let Some(id) = d.get(ROOT_ID).and_then(BridgeId::parse) {
        p.str("root_id", "designated_root {} ", id)?;
    }
    for (a, key) in [
        (HOLD_TIMER, "hold_timer"),
        (MESSAGE_AGE_TIMER, "message_age_timer"),
        (FORWARD_DELAY_TIMER, "forward_delay_timer"),
    ] {
        if let Some(v) = d.u64(a) {
            timer(p, key, v)?;
        }
    }
    for (a, key) in [
        (TOPOLOGY_CHANGE_ACK, "topology_change_ack"),
        (CONFIG_PENDING, "config_pending"),
    ] {
        if let Some(v) = d.u8(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    for (a, key) in [(PROXYARP, "proxy_arp"), (PROXYARP_WIFI, "proxy_arp_wifi")] {
        if let Some(v) = d.u8(a) {
            on_off(p, key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u8(MULTICAST_ROUTER) {
        p.num("multicast_router", "mcast_router {} ", v)?;
    }
    if let Some(v) = d.u8(FAST_LEAVE) {
        // Text only: JSON has it as `fastleave` above.
        p.text_fmt("mcast_fast_leave {} ", if v != 0 { "on" } else { "off" })?;
    }
    for (a, key) in [
        (MCAST_FLOOD, "mcast_flood"),
        (BCAST_FLOOD, "bcast_flood"),
        (MCAST_TO_UCAST, "mcast_to_unicast"),
        (NEIGH_SUPPRESS, "neigh_suppress"),
        (NEIGH_VLAN_SUPPRESS, "neigh_vlan_suppress"),
    ] {
        if let Some(v) = d.u8(a) {
            on_off(p, key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(m) = d.u16(GROUP_FWD_MASK) {
        p.str("group_fwd_mask", "group_fwd_mask {} ", hex0x(m.into()))?;
        p.str(
            "group_fwd_mask_str",
            "group_fwd_mask_str {} ",
            fwd_mask_str(m),
        )?;
    }
    for (a, key) in [
        (VLAN_TUNNEL, "vlan_tunnel"),
        (ISOLATED, "isolated"),
        (LOCKED, "locked"),
        (MAB, "mab"),
    ] {
        if let Some(v) = d.u8(a) {
            on_off(p, key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(i) = d.u32(BACKUP_PORT) {
        p.str("backup_port", "backup_port {} ", name_of(i))?;
    }
    if let Some(v) = d.u32(BACKUP_NHID) {
        p.num("backup_nhid", "backup_nhid {} ", v)?;
    }
    Ok(())
}

/// `_bitmask2str` with the group forward mask's names.
fn fwd_mask_str(mask: u16) -> String {
    let names: Vec<String> = (0..16)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| match i {
            0 => "stp".to_string(),
            2 => "lacp".to_string(),
            14 => "lldp".to_string(),
            i => format!("{:#x}", 1u32 << i),
        })
        .collect();
    if names.is_empty() {
        "0x0".into()
    } else {
        names.join(",")
    }
}

/// `tun_print_opt`.
fn print_tun<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    use tun::*;
    if let Some(t) = d.u8(TYPE) {
        let s = match t {
            1 => "tun".to_string(),
            2 => "tap".to_string(),
            t => format!("UNKNOWN:{t}"),
        };
        p.str("type", "type {} ", s)?;
    }
    if let Some(v) = d.u8(PI) {
        on_off(p, "pi", "pi {} ", v)?;
    }
    if let Some(v) = d.u8(VNET_HDR) {
        on_off(p, "vnet_hdr", "vnet_hdr {} ", v)?;
    }
    // print_mq
    if d.u8(MULTI_QUEUE).unwrap_or(0) == 0 {
        p.json(Json::Num, Some("multi_queue"), false)?;
    } else {
        p.bool("multi_queue", "multi_queue ", true)?;
        if let Some(v) = d.u32(NUM_QUEUES) {
            p.num("numqueues", "numqueues {} ", v)?;
        }
        if let Some(v) = d.u32(NUM_DISABLED_QUEUES) {
            p.num("numdisabled", "numdisabled {} ", v)?;
        }
    }
    if let Some(v) = d.u8(PERSIST) {
        on_off(p, "persist", "persist {} ", v)?;
    }
    if let Some(uid) = d.u32(OWNER) {
        match db_name("/etc/passwd", uid) {
            Some(n) => p.str("user", "user {} ", n)?,
            None => p.num("user", "user {} ", uid)?,
        }
    }
    if let Some(gid) = d.u32(GROUP) {
        match db_name("/etc/group", gid) {
            Some(n) => p.str("group", "group {} ", n)?,
            None => p.num("group", "group {} ", gid)?,
        }
    }
    Ok(())
}

/// The name of `id` in a `name:x:id:…` file (`getpwuid`/`getgrgid` over
/// the files database).
fn db_name(path: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next()?;
        (f.next()?.parse::<u32>().ok()? == id).then(|| name.to_string())
    })
}

/// `vlan_print_opt`.
fn print_vlan<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    if d.get(vlan::PROTOCOL).is_some_and(|v| v.len() < 2) {
        return Ok(());
    }
    let Some(id) = d.u16(vlan::ID) else {
        return Ok(());
    };
    let proto = d.be16(vlan::PROTOCOL).map_or("802.1q".into(), vlan_proto);
    p.str("protocol", "protocol {} ", proto)?;
    p.num("id", "id {} ", id)?;
    if let Some(f) = d.get(vlan::FLAGS) {
        let Some(f) = FlagsMask::parse(f) else {
            return Ok(());
        };
        // vlan_print_flags
        let mut flags = f.value;
        if p.is_json() {
            p.open_array("flags")?;
        } else {
            p.text("<")?;
        }
        for (bit, name) in [
            (vlan::FLAG_REORDER_HDR, "REORDER_HDR"),
            (vlan::FLAG_GVRP, "GVRP"),
            (vlan::FLAG_MVRP, "MVRP"),
            (vlan::FLAG_LOOSE_BINDING, "LOOSE_BINDING"),
            (vlan::FLAG_BRIDGE_BINDING, "BRIDGE_BINDING"),
        ] {
            if flags & bit != 0 {
                flags &= !bit;
                p.json(Json::Str, None, name)?;
                p.text_fmt(if flags != 0 { "{}," } else { "{}" }, name)?;
            }
        }
        if flags != 0 {
            p.json(Json::Str, None, format_args!("{flags:x}"))?;
            p.text_fmt("{}", format_args!("{flags:x}"))?;
        }
        if p.is_json() {
            p.close_array()?;
        } else {
            p.text("> ")?;
        }
    }
    for (a, key, text) in [
        (vlan::INGRESS_QOS, "ingress_qos", "ingress-qos-map"),
        (vlan::EGRESS_QOS, "egress_qos", "egress-qos-map"),
    ] {
        if let Some(m) = d.get(a) {
            p.open_array(key)?;
            p.nl()?;
            p.text_fmt("      {} { ", text)?;
            for (from, to) in vlan::qos_map(m) {
                if p.is_json() {
                    p.open_object(None)?;
                    p.json(Json::Num, Some("from"), from)?;
                    p.json(Json::Num, Some("to"), to)?;
                    p.close_object()?;
                } else {
                    p.text_fmt("{}", format_args!("{from}:{to} "))?;
                }
            }
            p.close_array()?;
            p.text("} ")?;
        }
    }
    Ok(())
}

/// `get_name` of iplink_bond.c: the name at `i`, or `UNKNOWN`.
fn name_in(tbl: &[&'static str], i: impl Into<u64>) -> &'static str {
    usize::try_from(i.into())
        .ok()
        .and_then(|i| tbl.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// `bond_print_opt`.
fn print_bond<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    use crate::kind_opts::bond_names as names;
    use bond::*;
    const MODES: &[&str] = &[
        "balance-rr",
        "active-backup",
        "balance-xor",
        "broadcast",
        "802.3ad",
        "balance-tlb",
        "balance-alb",
    ];
    if let Some(m) = d.u8(MODE) {
        p.str("mode", "mode {} ", name_in(MODES, m))?;
    }
    if let Some(i) = d.u32(ACTIVE_SLAVE).filter(|&i| i != 0) {
        p.str("active_slave", "active_slave {} ", name_of(i))?;
    }
    for (a, key) in [
        (MIIMON, "miimon"),
        (UPDELAY, "updelay"),
        (DOWNDELAY, "downdelay"),
        (PEER_NOTIF_DELAY, "peer_notify_delay"),
    ] {
        if let Some(v) = d.u32(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u8(USE_CARRIER) {
        p.num("use_carrier", "use_carrier {} ", v)?;
    }
    if let Some(v) = d.u32(ARP_INTERVAL) {
        p.num("arp_interval", "arp_interval {} ", v)?;
    }
    if let Some(v) = d.u8(MISSED_MAX) {
        p.num("arp_missed_max", "arp_missed_max {} ", v)?;
    }
    for (a, key, v6, max) in [
        (ARP_IP_TARGET, "arp_ip_target", false, 16u16),
        (NS_IP6_TARGET, "ns_ip6_target", true, 16),
    ] {
        let Some(t) = d.nested(a) else { continue };
        let first = t.has(0);
        if first {
            p.open_array(key)?;
            p.text_fmt("{} ", key)?;
        }
        for i in 0..max {
            if let Some(b) = t.get(i) {
                let shown = match (v6, b.len()) {
                    (false, 4) => {
                        std::net::Ipv4Addr::from(<[u8; 4]>::try_from(b).unwrap_or_default())
                            .to_string()
                    }
                    (true, 16) => {
                        std::net::Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or_default())
                            .to_string()
                    }
                    _ => "???".into(),
                };
                p.json(Json::Str, None, &shown)?;
                p.text(&shown)?;
            }
            if i + 1 < max && t.has(i + 1) {
                p.text(",")?;
            }
        }
        if first {
            p.text(" ")?;
            p.close_array()?;
        }
    }
    if let Some(v) = d.u32(ARP_VALIDATE) {
        if v == 0 && p.is_json() {
            p.null("arp_validate", "")?;
        } else {
            p.str(
                "arp_validate",
                "arp_validate {} ",
                name_in(names::ARP_VALIDATE, v),
            )?;
        }
    }
    if let Some(v) = d.u32(ARP_ALL_TARGETS) {
        p.str(
            "arp_all_targets",
            "arp_all_targets {} ",
            name_in(names::ARP_ALL_TARGETS, v),
        )?;
    }
    if let Some(i) = d.u32(PRIMARY).filter(|&i| i != 0) {
        p.str("primary", "primary {} ", name_of(i))?;
    }
    for (a, key, tbl) in [
        (
            PRIMARY_RESELECT,
            "primary_reselect",
            names::PRIMARY_RESELECT,
        ),
        (FAIL_OVER_MAC, "fail_over_mac", names::FAIL_OVER_MAC),
        (XMIT_HASH_POLICY, "xmit_hash_policy", names::XMIT_HASH),
    ] {
        if let Some(v) = d.u8(a) {
            p.str(key, &format!("{key} {{}} "), name_in(tbl, v))?;
        }
    }
    if let Some(v) = d.u32(RESEND_IGMP) {
        p.num("resend_igmp", "resend_igmp {} ", v)?;
    }
    if let Some(v) = d.u8(NUM_PEER_NOTIF) {
        p.num("num_peer_notif", "num_grat_arp {} ", v)?;
    }
    if let Some(v) = d.u8(ALL_SLAVES_ACTIVE) {
        p.num("all_slaves_active", "all_slaves_active {} ", v)?;
    }
    for (a, key) in [
        (MIN_LINKS, "min_links"),
        (LP_INTERVAL, "lp_interval"),
        (PACKETS_PER_SLAVE, "packets_per_slave"),
    ] {
        if let Some(v) = d.u32(a) {
            p.num(key, &format!("{key} {{}} "), v)?;
        }
    }
    if let Some(v) = d.u8(AD_LACP_ACTIVE) {
        p.str(
            "ad_lacp_active",
            "lacp_active {} ",
            name_in(names::LACP_ACTIVE, v),
        )?;
    }
    if let Some(v) = d.u8(AD_LACP_RATE) {
        p.str(
            "ad_lacp_rate",
            "lacp_rate {} ",
            name_in(names::LACP_RATE, v),
        )?;
    }
    if let Some(v) = d.u8(COUPLED_CONTROL) {
        on_off(p, "coupled_control", "coupled_control {} ", v)?;
    }
    if let Some(v) = d.u8(BROADCAST_NEIGH) {
        on_off(p, "broadcast_neighbor", "broadcast_neighbor {} ", v)?;
    }
    if let Some(v) = d.u8(AD_SELECT) {
        p.str("ad_select", "ad_select {} ", name_in(names::AD_SELECT, v))?;
    }
    if let Some(ad) = d.nested(AD_INFO) {
        p.open_object(Some("ad_info"))?;
        for (a, key, text) in [
            (AD_INFO_AGGREGATOR, "aggregator", "ad_aggregator"),
            (AD_INFO_NUM_PORTS, "num_ports", "ad_num_ports"),
            (AD_INFO_ACTOR_KEY, "actor_key", "ad_actor_key"),
            (AD_INFO_PARTNER_KEY, "partner_key", "ad_partner_key"),
        ] {
            if let Some(v) = ad.u16(a) {
                p.num(key, &format!("{text} {{}} "), v)?;
            }
        }
        if let Some(m) = ad.get(AD_INFO_PARTNER_MAC) {
            p.str(
                "partner_mac",
                "ad_partner_mac {} ",
                mac(m.get(..6).unwrap_or(m)),
            )?;
        }
        p.close_object()?;
    }
    if let Some(v) = d.u16(AD_ACTOR_SYS_PRIO) {
        p.num("ad_actor_sys_prio", "ad_actor_sys_prio {} ", v)?;
    }
    if let Some(v) = d.u16(AD_USER_PORT_KEY) {
        p.num("ad_user_port_key", "ad_user_port_key {} ", v)?;
    }
    if let Some(m) = d.get(AD_ACTOR_SYSTEM) {
        p.str("ad_actor_system", "ad_actor_system {} ", mac(m))?;
    }
    if let Some(v) = d.u8(TLB_DYNAMIC_LB) {
        p.num("tlb_dynamic_lb", "tlb_dynamic_lb {} ", v)?;
    }
    Ok(())
}

/// `bond_slave_print_opt`.
fn print_bond_port<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    use bond_port::*;
    if let Some(s) = d.u8(STATE) {
        match s {
            0 => p.str("state", "state {} ", "ACTIVE")?,
            1 => p.str("state", "state {} ", "BACKUP")?,
            s => p.num("state_index", "state {} ", s)?,
        }
    }
    if let Some(s) = d.u8(MII_STATUS) {
        const MII: [&str; 4] = ["UP", "GOING_DOWN", "DOWN", "GOING_BACK"];
        match MII.get(usize::from(s)) {
            Some(n) => p.str("mii_status", "mii_status {} ", n)?,
            None => p.num("mii_status_index", "mii_status {} ", s)?,
        }
    }
    if let Some(v) = d.u32(LINK_FAILURE_COUNT) {
        p.num("link_failure_count", "link_failure_count {} ", v as i32)?;
    }
    if let Some(m) = d.get(PERM_HWADDR) {
        p.str("perm_hwaddr", "perm_hwaddr {} ", mac(m))?;
    }
    if let Some(v) = d.u16(QUEUE_ID) {
        p.num("queue_id", "queue_id {} ", v)?;
    }
    if let Some(v) = d.u32(PRIO) {
        p.num("prio", "prio {} ", v as i32)?;
    }
    if let Some(v) = d.u16(AD_AGGREGATOR_ID) {
        p.num("ad_aggregator_id", "ad_aggregator_id {} ", v)?;
    }
    for (a, key) in [
        (AD_ACTOR_OPER_PORT_STATE, "ad_actor_oper_port_state"),
        (AD_PARTNER_OPER_PORT_STATE, "ad_partner_oper_port_state"),
    ] {
        // ip reads the first byte (the partner's state is a u16).
        if let Some(&v) = d.get(a).and_then(|b| b.first()) {
            p.num(key, &format!("{key} {{}} "), v)?;
            lacp_state(p, &format!("{key}_str"), v)?;
        }
    }
    for (a, key) in [
        (AD_CHURN_ACTOR_STATE, "churn_actor_state"),
        (AD_CHURN_PARTNER_STATE, "churn_partner_state"),
    ] {
        if let Some(v) = d.u8(a) {
            match ["MONITOR", "CHURN", "NO_CHURN"].get(usize::from(v)) {
                Some(n) => p.str(key, &format!("{key} {{}} "), n)?,
                None => p.num(key, &format!("{key} {{}} "), v)?,
            }
        }
    }
    if let Some(v) = d.u16(ACTOR_PORT_PRIO) {
        p.num("actor_port_prio", "actor_port_prio {} ", v)?;
    }
    Ok(())
}

/// `print_slave_oper_state`: the LACP state bits by name.
fn lacp_state<W: Write>(p: &mut Printer<W>, key: &str, state: u8) -> io::Result<()> {
    if p.is_json() {
        p.open_array(key)?;
    } else {
        p.text(key)?;
    }
    p.text(" <")?;
    let mut s = state;
    for (bit, name) in [
        (0x01, "active"),
        (0x02, "short_timeout"),
        (0x04, "aggregating"),
        (0x08, "in_sync"),
        (0x10, "collecting"),
        (0x20, "distributing"),
        (0x40, "defaulted"),
        (0x80, "expired"),
    ] {
        if s & bit != 0 {
            s &= !bit;
            p.json(Json::Str, None, name)?;
            p.text_fmt(if s != 0 { "{}," } else { "{}" }, name)?;
        }
    }
    if p.is_json() {
        p.close_array()
    } else {
        p.text("> ")
    }
}

/// An address attribute as `format_host` writes it (IPv4 or IPv6 by size).
fn addr_of(b: &[u8]) -> Option<std::net::IpAddr> {
    match b.len() {
        4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// A VXLAN's or GENEVE's TTL as ip prints it: `inherit`, `auto` (0, text
/// only) or the number.
fn udp_tunnel_ttl<W: Write>(p: &mut Printer<W>, inherit: bool, ttl: Option<u8>) -> io::Result<()> {
    if inherit {
        p.text("ttl inherit ")
    } else if let Some(ttl) = ttl {
        if p.is_json() || ttl != 0 {
            p.num("ttl", "ttl {} ", ttl)
        } else {
            p.text("ttl auto ")
        }
    } else {
        Ok(())
    }
}

/// A VXLAN's or GENEVE's TOS: nothing for 0, `inherit` for 1 (text only),
/// else hex.
fn udp_tunnel_tos<W: Write>(p: &mut Printer<W>, tos: u8) -> io::Result<()> {
    if tos == 0 {
        Ok(())
    } else if p.is_json() || tos != 1 {
        p.str("tos", "tos {} ", hex0x(tos.into()))
    } else {
        p.text("tos inherit ")
    }
}

/// A VXLAN's or GENEVE's DF setting (0 unset, 1 set, 2 inherit).
fn udp_tunnel_df<W: Write>(p: &mut Printer<W>, df: Option<u8>) -> io::Result<()> {
    match df {
        Some(0) => p.json(Json::Str, Some("df"), "unset"),
        Some(1) => p.str("df", "df {} ", "set"),
        Some(2) => p.str("df", "df {} ", "inherit"),
        _ => Ok(()),
    }
}

/// A VXLAN's or GENEVE's flow label, when not 0.
fn udp_tunnel_label<W: Write>(p: &mut Printer<W>, label: Option<u32>) -> io::Result<()> {
    match label.filter(|&l| l != 0) {
        Some(l) => p.str("label", "flowlabel {} ", hex0x(l.into())),
        None => Ok(()),
    }
}

/// `vxlan_print_opt`.
fn print_vxlan<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    use vxlan::*;
    if let Some(id) = d.u32(ID) {
        p.num("id", "id {} ", id)?;
    }
    // The IPv4 attributes win over the IPv6 ones, as in ip.
    let (group, v6) = match d.get(GROUP) {
        Some(g) => (addr_of(g), false),
        None => (d.get(GROUP6).and_then(addr_of), true),
    };
    if let Some(a) = group.filter(|a| !a.is_unspecified()) {
        let key = match (a.is_multicast(), v6) {
            (true, false) => "group",
            (false, false) => "remote",
            (true, true) => "group6",
            (false, true) => "remote6",
        };
        let text = if a.is_multicast() {
            "group {} "
        } else {
            "remote {} "
        };
        p.str(key, text, a)?;
    }
    let (local, v6) = match d.get(LOCAL) {
        Some(l) => (addr_of(l), false),
        None => (d.get(LOCAL6).and_then(addr_of), true),
    };
    if let Some(a) = local.filter(|a| !a.is_unspecified()) {
        p.str(if v6 { "local6" } else { "local" }, "local {} ", a)?;
    }
    if let Some(l) = d.u32(LINK).filter(|&l| l != 0) {
        p.str("link", "dev {} ", name_of(l))?;
    }
    if let Some(r) = d.get(PORT_RANGE).filter(|r| r.len() >= 4) {
        let (lo, hi) = (
            u16::from_be_bytes([r[0], r[1]]),
            u16::from_be_bytes([r[2], r[3]]),
        );
        if p.is_json() {
            p.open_object(Some("port_range"))?;
            p.json(Json::Num, Some("low"), lo)?;
            p.json(Json::Num, Some("high"), hi)?;
            p.close_object()?;
        } else {
            p.text_fmt("{}", format_args!("srcport {lo} {hi} "))?;
        }
    }
    if let Some(port) = d.be16(PORT) {
        p.num("port", "dstport {} ", port)?;
    }
    let tos = d.u8(TOS).unwrap_or(0);
    udp_tunnel_tos(p, tos)?;
    udp_tunnel_ttl(p, d.u8(TTL_INHERIT).is_some_and(|v| v != 0), d.u8(TTL))?;
    udp_tunnel_df(p, d.u8(DF))?;
    let label = d.get(LABEL).and_then(|b| <[u8; 4]>::try_from(b).ok());
    udp_tunnel_label(p, label.map(u32::from_be_bytes))?;
    if let Some(age) = d.u32(AGEING) {
        if age == 0 {
            p.num("ageing", "ageing none ", 0)?;
        } else {
            p.num("ageing", "ageing {} ", age)?;
        }
    }
    if let Some(max) = d.u32(LIMIT).filter(|&m| m != 0) {
        p.num("limit", "maxaddr {} ", max)?;
    }
    if let Some(b) = d
        .get(RESERVED_BITS)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
    {
        p.str(
            "reserved_bits",
            "reserved_bits {} ",
            hex0x(u64::from_be_bytes(b)),
        )?;
    }
    if d.has(GBP) {
        p.null("gbp", "gbp ")?;
    }
    if d.has(GPE) {
        p.null("gpe", "gpe ")?;
    }
    // vxlan_opts: each in JSON; in text when not the default, or always
    // with -d -d.
    for (key, a, default) in [
        ("external", COLLECT_METADATA, false),
        ("vnifilter", VNIFILTER, false),
        ("learning", LEARNING, true),
        ("proxy", PROXY, false),
        ("rsc", RSC, false),
        ("l2miss", L2MISS, false),
        ("l3miss", L3MISS, false),
        ("udp_csum", UDP_CSUM, true),
        ("udp_zero_csum6_tx", UDP_ZERO_CSUM6_TX, false),
        ("udp_zero_csum6_rx", UDP_ZERO_CSUM6_RX, false),
        ("remcsum_tx", REMCSUM_TX, false),
        ("remcsum_rx", REMCSUM_RX, false),
        ("localbypass", LOCALBYPASS, true),
        ("mcroute", MC_ROUTE, false),
    ] {
        let Some(v) = d.get(a).and_then(|b| b.first()).map(|&v| v != 0) else {
            continue;
        };
        if p.is_json() {
            p.json(Json::Num, Some(key), v)?;
        } else if v != default || p.details > 1 {
            p.text_fmt("{}", format_args!("{}{key} ", if v { "" } else { "no" }))?;
        }
    }
    Ok(())
}

/// `macvlan_print_opt`.
fn print_macvlan<W: Write>(p: &mut Printer<W>, m: &MacvlanInfo) -> io::Result<()> {
    let Some(mode) = m.mode else {
        return Ok(());
    };
    let name = match mode {
        1 => "private",
        2 => "vepa",
        4 => "bridge",
        8 => "passthru",
        16 => "source",
        _ => "unknown",
    };
    p.str("mode", "mode {} ", name)?;
    if m.flags & 1 != 0 {
        p.bool("nopromisc", "nopromisc ", true)?;
    }
    if m.flags & 2 != 0 {
        p.bool("nodst", "nodst ", true)?;
    }
    if let Some(q) = m.bc_queue_len {
        p.num("bcqueuelen", "bcqueuelen {} ", q)?;
    }
    if let Some(q) = m.bc_queue_len_used {
        p.num("usedbcqueuelen", "usedbcqueuelen {} ", q)?;
    }
    if let Some(c) = m.bc_cutoff {
        p.num("bclim", "bclim {} ", c)?;
    }
    Ok(())
}

/// `ipvlan_print_opt`.
fn print_ipvlan<W: Write>(p: &mut Printer<W>, m: &IpvlanInfo) -> io::Result<()> {
    if let Some(mode) = m.mode {
        let name = match mode {
            0 => "l2",
            1 => "l3",
            2 => "l3s",
            _ => "unknown",
        };
        p.str("mode", " mode {} ", name)?;
    }
    if let Some(f) = m.flags {
        match f {
            f if f & 1 != 0 => p.bool("private", "private ", true)?,
            f if f & 2 != 0 => p.bool("vepa", "vepa ", true)?,
            _ => p.bool("bridge", "bridge ", true)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_formats() {
        assert_eq!(hex0x(0), "0");
        assert_eq!(hex0x(0x8001), "0x8001");
        assert_eq!(fwd_mask_str(0), "0x0");
        assert_eq!(fwd_mask_str(1 | 4 | 8 | 0x4000), "stp,lacp,0x8,lldp");
        assert_eq!(time64(500), "500ns");
        assert_eq!(time64(1_500), "1.5us");
        assert_eq!(time64(255_000_000), "255ms");
        assert_eq!(time64(12_345_000_000), "12.3s");
        assert_eq!(time64(1_234_000_000_000), "1.23e+03s");
        assert_eq!(time64(2_000_000_000), "2s");
        assert_eq!(vlan_proto(0x88a8), "802.1ad");
        assert_eq!(vlan_proto(0x1234), "[4660]");
    }
}
