//! `nlw bridge [OPTIONS] fdb …`: the bridge forwarding database as
//! iproute2's `bridge` reads and writes it (`bridge/fdb.c`, `bridge.c`).
//!
//! `bridge` is its own program with its own conventions, kept here: its
//! options come after the word `bridge` (nlw's global ones before it
//! apply too), and a failure exits 255 (`return -1` from `main`), a
//! failed `fdb get` 254, where ip would exit 1 or 2.

use std::collections::HashMap;
use std::io::{self, Write};

use nlwire::route::brvlan::{
    BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_RANGE_BEGIN, BRIDGE_VLAN_INFO_RANGE_END,
    BRIDGE_VLAN_INFO_UNTAGGED, BridgeVlans,
};
use nlwire::route::fdb::{
    FdbFlush, FdbRequest, GetFdbEntries, GetFdbEntry, NTF_EXT_LEARNED, NTF_EXT_LOCKED, NTF_MASTER,
    NTF_OFFLOADED, NTF_ROUTER, NTF_SELF, NTF_STICKY, NTF_USE,
};
use nlwire::route::neigh::{NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE};
use nlwire::route::{AF_INET, AF_INET6, BridgeVlanRequest, FdbEntry, GetBridgeVlans, Link};
use nlwire_mio::Connection;

use crate::args::{Argv, get_addr, get_u32, invarg};
// bridge's `exit(-1)` / `return -1` from `main`: exit 255, as ip's usage errors.
use crate::fail255 as fail;
use crate::print::{Color, Printer};
use crate::{Fail, Opts, all_links, if_name, matches, name_map};

const USAGE: &str = "\
Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }
       bridge [ -force ] -batch filename
where  OBJECT := { link | fdb | mdb | mst | vlan | vni | monitor }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |
                    -o[neline] | -t[imestamp] | -n[etns] name |
                    -com[pressvlans] -c[olor] -p[retty] -j[son] }";

const FDB_USAGE: &str = "\
Usage: bridge fdb { add | append | del | replace } ADDR dev DEV
              [ self ] [ master ] [ use ] [ router ] [ extern_learn ]
              [ sticky ] [ local | static | dynamic ] [ vlan VID ]
              { [ dst IPADDR ] [ port PORT] [ vni VNI ] | [ nhid NHID ] }
	       [ via DEV ] [ src_vni VNI ] [ activity_notify ]
	       [ inactive ] [ norefresh ]
       bridge fdb [ show [ br BRDEV ] [ brport DEV ] [ vlan VID ]
              [ state STATE ] [ dynamic ] ]
       bridge fdb get [ to ] LLADDR [ br BRDEV ] { brport | dev } DEV
              [ vlan VID ] [ vni VNI ] [ self ] [ master ] [ dynamic ]
       bridge fdb flush dev DEV [ brport DEV ] [ vlan VID ] [ src_vni VNI ]
              [ nhid NHID ] [ vni VNI ] [ port PORT ] [ dst IPADDR ] [ self ]
	       [ master ] [ [no]permanent | [no]static | [no]dynamic ]
              [ [no]added_by_user ] [ [no]extern_learn ] [ [no]sticky ]
              [ [no]offloaded ] [ [no]router ]";

fn usage() -> Fail {
    fail(USAGE)
}

fn fdb_usage() -> Fail {
    fail(FDB_USAGE)
}

/// `nlw bridge ARGS…`: bridge's options, then the object.
pub fn run(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let mut o = o.clone();
    let mut compress = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') {
            break;
        }
        let opt = arg
            .strip_prefix('-')
            .filter(|o| o.starts_with('-'))
            .unwrap_or(arg);
        let m = |name: &str| matches(opt, name);
        if m("-help") {
            return Err(usage());
        } else if m("-Version") {
            writeln!(out, "bridge utility, nlwire-{}", env!("CARGO_PKG_VERSION"))?;
            return Ok(());
        } else if m("-stats") || m("-statistics") {
            o.stats = o.stats.saturating_add(1);
        } else if m("-details") {
            o.details = o.details.saturating_add(1);
        } else if m("-oneline") {
            o.oneline = true;
        } else if m("-family") {
            i += 1;
            o.family = Some(match args.get(i).map(String::as_str) {
                Some("inet") => AF_INET,
                Some("inet6") => AF_INET6,
                None | Some("help") => return Err(usage()),
                Some(v) => return Err(invarg("invalid protocol family", v)),
            });
        } else if opt == "-4" {
            o.family = Some(AF_INET);
        } else if opt == "-6" {
            o.family = Some(AF_INET6);
        } else if m("-netns") {
            i += 1;
            let Some(ns) = args.get(i) else {
                return Err(crate::args::incomplete());
            };
            o.netns = Some(ns.clone());
        } else if let Some(c) = crate::color_option(opt) {
            o.color =
                c.map_err(|_| fail(format!("Option \"{opt}\" is unknown, try \"bridge help\".")))?;
        } else if m("-json") {
            o.json = true;
        } else if m("-pretty") {
            o.pretty = true;
        } else if m("-timestamp") || m("-force") {
            // Read by commands nlw does not have (monitor, batch).
        } else if m("-compressvlans") {
            compress = true;
        } else if m("-batch") {
            return Err(fail("Option \"-batch\" of bridge is not supported by nlw."));
        } else {
            return Err(fail(format!(
                "Option \"{opt}\" is unknown, try \"bridge help\"."
            )));
        }
        i += 1;
    }
    let rest = &args[i..];
    let Some(object) = rest.first() else {
        return Err(usage());
    };
    const OBJECTS: [&str; 8] = [
        "link", "fdb", "mdb", "mst", "vlan", "vni", "monitor", "help",
    ];
    let Some(obj) = OBJECTS.iter().find(|w| matches(object, w)) else {
        return Err(fail(format!(
            "Object \"{object}\" is unknown, try \"bridge help\"."
        )));
    };
    match *obj {
        "help" => Err(usage()),
        "fdb" => {
            let mut conn = crate::open(&o).map_err(|Fail(m, _)| fail(m))?;
            fdb(&mut conn, &o, &rest[1..], out)
        }
        "vlan" => {
            let mut conn = crate::open(&o).map_err(|Fail(m, _)| fail(m))?;
            vlan(&mut conn, &o, compress, &rest[1..], out)
        }
        other => Err(fail(format!(
            "Object \"{other}\" of bridge is not supported by nlw (yet); bridge has it."
        ))),
    }
}

/// `do_fdb`.
fn fdb(conn: &mut Connection, o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return show(conn, o, &[], out);
    };
    let tail = &args[1..];
    let write = |req: FdbRequest, conn: &mut Connection| -> Result<(), Fail> {
        conn.request(req).map_err(kernel)
    };
    if matches(cmd, "add") {
        write(modify(conn, Op::Add, tail, o)?, conn)
    } else if matches(cmd, "append") {
        write(modify(conn, Op::Append, tail, o)?, conn)
    } else if matches(cmd, "replace") {
        write(modify(conn, Op::Replace, tail, o)?, conn)
    } else if matches(cmd, "delete") {
        write(modify(conn, Op::Delete, tail, o)?, conn)
    } else if matches(cmd, "get") {
        get(conn, o, tail, out)
    } else if matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list") {
        show(conn, o, tail, out)
    } else if cmd == "flush" {
        flush(conn, o, tail)
    } else if matches(cmd, "help") {
        Err(fdb_usage())
    } else {
        Err(fail(format!(
            "Command \"{cmd}\" is unknown, try \"bridge fdb help\"."
        )))
    }
}

/// A kernel error as `rtnl_talk` prints it; bridge then returns -1.
fn kernel(e: nlwire::Error) -> Fail {
    let Fail(m, _) = Fail::from(e);
    fail(m)
}

/// The links, and a name's index as `ll_name_to_index` finds it (`ifN`
/// names an index too).
struct Links {
    links: Vec<Link>,
}

impl Links {
    fn read(conn: &mut Connection) -> Result<Links, Fail> {
        Ok(Links {
            links: all_links(conn).map_err(|Fail(m, _)| fail(m))?,
        })
    }

    fn index(&self, name: &str) -> Option<u32> {
        if let Some(l) = self.links.iter().find(|l| l.name == name) {
            return Some(l.index);
        }
        name.strip_prefix("if")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|&i| i != 0 && self.links.iter().any(|l| l.index == i))
    }

    fn names(&self) -> HashMap<u32, &str> {
        name_map(&self.links)
    }
}

/// C's `atoi` on a VLAN id, kept to what fits: a clean number from 0 to
/// 65535 (bridge truncates to a `short` and would send `vlan 65546` as
/// vlan 10; nlw refuses).
fn vlan_id(s: &str) -> Result<u16, Fail> {
    s.parse::<u16>().map_err(|_| invarg("invalid VLAN ID", s))
}

/// `strtoul(s, &end, 0)` with nothing left over, for a VNI (below 2²⁴).
fn vni(s: &str, what: &str) -> Result<u32, Fail> {
    get_u32(s)
        .filter(|v| v >> 24 == 0)
        .ok_or_else(|| invarg(what, s))
}

/// A UDP port: a number up to 65535 (bridge also looks a name up in
/// `/etc/services`; nlw does not).
fn udp_port(s: &str) -> Result<u16, Fail> {
    get_u32(s)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| invarg("invalid port\n", s))
}

/// `sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx")` read as bridge reads it:
/// six hex numbers separated by colons (each at most two digits here —
/// sscanf would wrap `100` to `00`), anything after the sixth ignored.
fn mac(s: &str) -> Result<[u8; 6], Fail> {
    let bad = || fail(format!("Invalid mac address {s}"));
    let mut out = [0u8; 6];
    let mut rest = s;
    for (i, b) in out.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(':').ok_or_else(bad)?;
        }
        let digits = rest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len());
        if digits == 0 || digits > 2 {
            return Err(bad());
        }
        *b = u8::from_str_radix(&rest[..digits], 16).map_err(|_| bad())?;
        rest = &rest[digits..];
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Append,
    Replace,
    Delete,
}

/// `fdb_modify`: the request bridge sends.
fn modify(conn: &mut Connection, op: Op, args: &[String], o: &Opts) -> Result<FdbRequest, Fail> {
    let links = Links::read(conn)?;
    let mut a = Argv::new(args);
    let mut dev = None;
    let mut addr: Option<&str> = None;
    let mut dst = None;
    let mut nhid = 0u32;
    let mut port = 0u16;
    let mut vni_ = None;
    let mut src_vni = None;
    let mut via = None;
    let mut flags = 0u8;
    // ndm_state starts NUD_NOARP; the words add bits.
    let mut state = NUD_NOARP;
    let mut vlan = None;
    let (mut notify, mut inactive, mut norefresh) = (false, false, false);
    while let Some(w) = a.next() {
        if w == "dev" {
            dev = Some(a.need()?);
        } else if w == "dst" {
            let v = a.need()?;
            if dst.is_some() {
                return Err(crate::args::duparg2("dst", v));
            }
            dst = Some(get_addr(v, o.family)?);
        } else if w == "nhid" {
            let v = a.need()?;
            nhid = get_u32(v).ok_or_else(|| invarg("\"id\" value is invalid\n", v))?;
        } else if w == "port" {
            port = udp_port(a.need()?)?;
        } else if w == "vni" {
            vni_ = Some(vni(a.need()?, "invalid VNI\n")?);
        } else if w == "src_vni" {
            src_vni = Some(vni(a.need()?, "invalid src VNI\n")?);
        } else if w == "via" {
            let v = a.need()?;
            via = Some(
                links
                    .index(v)
                    .ok_or_else(|| fail(format!("Cannot find device \"{v}\"")))?,
            );
        } else if w == "self" {
            flags |= NTF_SELF;
        } else if matches(w, "master") {
            flags |= NTF_MASTER;
        } else if matches(w, "router") {
            flags |= NTF_ROUTER;
        } else if matches(w, "local") || matches(w, "permanent") {
            state |= NUD_PERMANENT;
        } else if matches(w, "temp") || matches(w, "static") {
            state |= NUD_REACHABLE;
        } else if matches(w, "dynamic") {
            state |= NUD_REACHABLE;
            state &= !NUD_NOARP;
        } else if matches(w, "vlan") {
            if vlan.is_some() {
                return Err(crate::args::duparg2("vlan", w));
            }
            vlan = Some(vlan_id(a.need()?)?);
        } else if matches(w, "use") {
            flags |= NTF_USE;
        } else if matches(w, "extern_learn") {
            flags |= NTF_EXT_LEARNED;
        } else if matches(w, "sticky") {
            flags |= NTF_STICKY;
        } else if w == "activity_notify" {
            notify = true;
        } else if w == "inactive" {
            inactive = true;
        } else if w == "norefresh" {
            norefresh = true;
        } else {
            lladdr_word(w, &mut a, &mut addr)?;
        }
    }
    let (Some(dev), Some(addr)) = (dev, addr) else {
        return Err(fail("Device and address are required arguments."));
    };
    if nhid != 0 && (dst.is_some() || port != 0 || vni_.is_some()) {
        return Err(fail("dst, port, vni are mutually exclusive with nhid"));
    }
    // "Assume permanent" unless a state word set one of the two.
    let state = if state & (NUD_PERMANENT | NUD_REACHABLE) == 0 {
        state | NUD_PERMANENT
    } else {
        state
    };
    let mac = mac(addr)?;
    let index = links
        .index(dev)
        .ok_or_else(|| fail(format!("Cannot find device \"{dev}\"")))?;
    let mut r = match op {
        Op::Add => FdbRequest::add(index, mac),
        Op::Append => FdbRequest::append(index, mac),
        Op::Replace => FdbRequest::replace(index, mac),
        Op::Delete => FdbRequest::delete(index, mac),
    }
    .nud_state(state)
    .flags(flags);
    if let Some(d) = dst {
        r = r.dst(d);
    }
    if let Some(v) = vlan {
        r = r.vlan(v);
    }
    r = r.nhid(nhid).udp_port(port);
    if let Some(v) = vni_ {
        r = r.vni(v)?;
    }
    if let Some(v) = src_vni {
        r = r.src_vni(v)?;
    }
    if let Some(v) = via {
        r = r.via(v);
    }
    if notify || inactive {
        r = r.activity_notify(notify, inactive);
    }
    if norefresh {
        r = r.norefresh();
    }
    Ok(r)
}

const VLAN_USAGE: &str = "\
Usage: bridge vlan { add | del } vid VLAN_ID dev DEV [ tunnel_info id TUNNEL_ID ]
                                                     [ pvid ] [ untagged ]
                                                     [ self ] [ master ]
       bridge vlan { set } vid VLAN_ID dev DEV [ state STP_STATE ]
                                               [ mcast_router MULTICAST_ROUTER ]
                                               [ mcast_max_groups MAX_GROUPS ]
                                               [ neigh_suppress {on | off} ]
       bridge vlan { show } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan { tunnelshow } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan global { set } vid VLAN_ID dev DEV
                      [ mcast_snooping MULTICAST_SNOOPING ]
                      [ mcast_querier MULTICAST_QUERIER ]
                      [ mcast_igmp_version IGMP_VERSION ]
                      [ mcast_mld_version MLD_VERSION ]
                      [ mcast_last_member_count LAST_MEMBER_COUNT ]
                      [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
                      [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
                      [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
                      [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
                      [ mcast_querier_interval QUERIER_INTERVAL ]
                      [ mcast_query_interval QUERY_INTERVAL ]
                      [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
                      [ msti MSTI ]
       bridge vlan global { show } [ dev DEV ] [ vid VLAN_ID ]";

/// `do_vlan`.
fn vlan(
    conn: &mut Connection,
    o: &Opts,
    compress: bool,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return vlan_show(conn, o, compress, &[], out);
    };
    let tail = &args[1..];
    if matches(cmd, "add") {
        vlan_modify(conn, false, tail)
    } else if matches(cmd, "delete") {
        vlan_modify(conn, true, tail)
    } else if matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list") {
        vlan_show(conn, o, compress, tail, out)
    } else if matches(cmd, "tunnelshow") || matches(cmd, "set") || cmd == "global" {
        Err(fail(format!(
            "Command \"bridge vlan {cmd}\" is not supported by nlw (yet); bridge has it."
        )))
    } else if matches(cmd, "help") {
        Err(fail(VLAN_USAGE))
    } else {
        Err(fail(format!(
            "Command \"{cmd}\" is unknown, try \"bridge vlan help\"."
        )))
    }
}

/// A VLAN id as `atoi` reads one that fits: a number from 0 to 65535.
fn vid_arg(s: &str) -> Result<u16, Fail> {
    s.parse::<u16>()
        .map_err(|_| fail(format!("Invalid VLAN ID \"{s}\"")))
}

/// `vlan_modify`.
fn vlan_modify(conn: &mut Connection, delete: bool, args: &[String]) -> Result<(), Fail> {
    let mut a = Argv::new(args);
    let (mut dev, mut vid, mut end) = (None, None, None);
    let (mut pvid, mut untagged, mut flags) = (false, false, 0u8);
    while let Some(w) = a.next() {
        match w {
            "dev" => dev = Some(a.need()?),
            "vid" => {
                let v = a.need()?;
                match v.split_once('-') {
                    Some((s, e)) => {
                        vid = Some(vid_arg(s)?);
                        end = Some(vid_arg(e)?);
                    }
                    None => {
                        vid = Some(vid_arg(v)?);
                        end = None;
                    }
                }
            }
            "self" => flags |= 2,
            "master" => flags |= 1,
            "pvid" => pvid = true,
            "untagged" => untagged = true,
            "tunnel_info" => {
                return Err(fail(
                    "Option \"tunnel_info\" of bridge vlan is not supported by nlw (yet).",
                ));
            }
            w => {
                if matches(w, "help") {
                    a.need()?;
                }
            }
        }
    }
    let (Some(dev), Some(vid)) = (dev, vid) else {
        return Err(fail("Device and VLAN ID are required arguments."));
    };
    let links = Links::read(conn)?;
    let index = links
        .index(dev)
        .ok_or_else(|| fail(format!("Cannot find bridge device \"{dev}\"")))?;
    if vid >= 4096 {
        return Err(fail(format!("Invalid VLAN ID \"{vid}\"")));
    }
    if let Some(e) = end {
        if e >= 4096 || vid >= e {
            return Err(fail(format!("Invalid VLAN range \"{vid}-{e}\"")));
        }
        if pvid {
            return Err(fail("pvid cannot be configured for a vlan range"));
        }
    }
    let mut r = if delete {
        BridgeVlanRequest::delete(index, vid)?
    } else {
        BridgeVlanRequest::add(index, vid)?
    };
    if let Some(e) = end {
        r = r.range_to(e)?;
    }
    if pvid {
        r = r.pvid();
    }
    if untagged {
        r = r.untagged();
    }
    if flags & 2 != 0 {
        r = r.on_self();
    }
    if flags & 1 != 0 {
        r = r.on_master();
    }
    conn.request(r).map_err(kernel)
}

/// `vlan_show` without `-d`/`-s`: each port's VLANs (`print_vlan_info`).
fn vlan_show(
    conn: &mut Connection,
    o: &Opts,
    compress: bool,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut a = Argv::new(args);
    let (mut dev, mut filter_vlan) = (None::<&str>, 0u16);
    while let Some(w) = a.next() {
        if w == "dev" {
            let v = a.need()?;
            if dev.is_some() {
                return Err(crate::args::duparg("dev", v));
            }
            dev = Some(v);
        } else if w == "vid" {
            let v = a.need()?;
            if filter_vlan != 0 {
                return Err(crate::args::duparg("vid", v));
            }
            filter_vlan = vid_arg(v)?;
        }
    }
    if o.details > 0 || o.stats > 0 {
        return Err(fail(
            "bridge -d/-s vlan show (the per-VLAN dump and statistics) is not supported by nlw (yet).",
        ));
    }
    let links = Links::read(conn)?;
    let mut req = GetBridgeVlans::new();
    if compress {
        req = req.compressed();
    }
    if let Some(d) = dev {
        let i = links
            .index(d)
            .ok_or_else(|| fail(format!("Cannot find device \"{d}\"")))?;
        req = req.link(i);
    }
    let names = links.names();
    let mut p = Printer::for_opts(&mut *out, o)?;
    p.text(&format!("{:<16}  {:<9}\n", "port", "vlan-id"))?;
    for port in crate::as_ip(conn.dump(req)) {
        let port: BridgeVlans = port.map_err(kernel)?;
        print_vlan_info(&mut p, &port, &names, filter_vlan)?;
    }
    p.finish()?;
    Ok(())
}

/// `print_vlan_info`, with `filter_vlan_check`'s walk: a range prints at
/// its end entry; with a filter, entries below it are passed over and
/// the walk stops at the first entry past it.
fn print_vlan_info<W: Write>(
    p: &mut Printer<W>,
    port: &BridgeVlans,
    names: &HashMap<u32, &str>,
    filter_vlan: u16,
) -> io::Result<()> {
    let mut start = 0u16;
    let mut opened = false;
    for v in &port.vlans {
        if v.flags & BRIDGE_VLAN_INFO_RANGE_END == 0 {
            start = v.vid;
        }
        if filter_vlan != 0 && v.vid > filter_vlan && v.flags & BRIDGE_VLAN_INFO_RANGE_END == 0 {
            break;
        }
        if v.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN != 0 || v.vid < filter_vlan {
            continue;
        }
        if !opened {
            p.open_object(None)?;
            let name = if_name(names, port.index);
            p.json(crate::print::Json::Str, Some("ifname"), &name)?;
            p.text_c(Some(Color::Ifname), "{}  ", format!("{name:<16}"))?;
            p.open_array("vlans")?;
            opened = true;
        } else {
            p.text(&format!("{:<16}  ", ""))?;
        }
        p.open_object(None)?;
        p.num("vlan", "{}", start)?;
        if start != v.vid {
            p.num("vlanEnd", "-{}", v.vid)?;
        }
        if v.flags != 0 {
            p.open_array("flags")?;
            for (bit, name) in [
                (BRIDGE_VLAN_INFO_PVID, "PVID"),
                (BRIDGE_VLAN_INFO_UNTAGGED, "Egress Untagged"),
            ] {
                if v.flags & bit != 0 {
                    p.json(crate::print::Json::Str, None, name)?;
                    p.text_fmt(" {}", name)?;
                }
            }
            p.close_array()?;
        }
        p.close_object()?;
        p.nl()?;
    }
    if opened {
        p.close_array()?;
        p.close_object()?;
    }
    Ok(())
}

/// The words `fdb_modify` and `fdb_get` end on: `[to] LLADDR`, or
/// `help`; a second address is `duparg2("to", …)`.
fn lladdr_word<'a>(w: &'a str, a: &mut Argv<'a>, addr: &mut Option<&'a str>) -> Result<(), Fail> {
    let w = if w == "to" { a.need()? } else { w };
    if matches(w, "help") {
        return Err(fdb_usage());
    }
    if addr.is_some() {
        return Err(crate::args::duparg2("to", w));
    }
    *addr = Some(w);
    Ok(())
}

/// `state_a2n`.
fn state_a2n(s: &str) -> Option<u16> {
    Some(if matches(s, "permanent") {
        NUD_PERMANENT
    } else if matches(s, "static") || matches(s, "temp") {
        NUD_NOARP
    } else if matches(s, "stale") {
        NUD_STALE
    } else if matches(s, "reachable") || matches(s, "dynamic") {
        NUD_REACHABLE
    } else if s == "all" {
        u16::MAX
    } else {
        // get_unsigned; the kernel's ndm_state is 16 bits.
        get_u32(s)? as u16
    })
}

/// `fdb_show`.
fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let mut a = Argv::new(args);
    let (mut dev, mut br) = (None, None);
    let mut req = GetFdbEntries::new();
    let mut vlan = 0u16;
    while let Some(w) = a.next() {
        if w == "brport" || w == "dev" {
            dev = Some(a.need()?);
        } else if w == "br" {
            br = Some(a.need()?);
        } else if w == "vlan" {
            let v = a.need()?;
            if vlan != 0 {
                return Err(fail(format!(
                    "Error: duplicate \"vlan\": \"{v}\" is the second value."
                )));
            }
            vlan = vlan_id(v)?;
            req = req.vlan(vlan);
        } else if w == "state" {
            let v = a.need()?;
            req = req.states(state_a2n(v).ok_or_else(|| invarg("invalid state", v))?);
        } else if w == "dynamic" {
            req = req.dynamic();
        } else if matches(w, "help") {
            return Err(fdb_usage());
        }
        // Any other word is passed over, as bridge does.
    }
    let links = Links::read(conn)?;
    if let Some(b) = br {
        let i = links
            .index(b)
            .ok_or_else(|| fail(format!("Cannot find bridge device \"{b}\"")))?;
        req = req.bridge(i);
    }
    let mut port = 0;
    if let Some(d) = dev {
        port = links
            .index(d)
            .ok_or_else(|| fail(format!("Cannot find device \"{d}\"")))?;
        req = req.port(port);
    }
    let names = links.names();
    let mut p = Printer::for_opts(&mut *out, o)?;
    for e in crate::as_ip(conn.dump(req)) {
        let e: FdbEntry = e.map_err(kernel)?;
        print_fdb(&mut p, &e, &names, port != 0, false)?;
    }
    p.finish()?;
    Ok(())
}

/// `fdb_get`.
fn get(conn: &mut Connection, o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let mut a = Argv::new(args);
    let (mut dev, mut br, mut addr) = (None, None, None::<&str>);
    let (mut vlan, mut vni_, mut flags, mut dynamic) = (None, None, 0u8, false);
    while let Some(w) = a.next() {
        if w == "brport" || w == "dev" {
            dev = Some(a.need()?);
        } else if w == "br" {
            br = Some(a.need()?);
        } else if w == "vni" {
            vni_ = Some(vni(a.need()?, "invalid VNI\n")?);
        } else if w == "self" {
            flags |= NTF_SELF;
        } else if matches(w, "master") {
            flags |= NTF_MASTER;
        } else if matches(w, "vlan") {
            if vlan.is_some() {
                return Err(crate::args::duparg2("vlan", w));
            }
            vlan = Some(vlan_id(a.need()?)?);
        } else if matches(w, "dynamic") {
            dynamic = true;
        } else {
            lladdr_word(w, &mut a, &mut addr)?;
        }
    }
    let Some(addr) = addr.filter(|_| dev.is_some() || br.is_some()) else {
        return Err(fail("Device or master and address are required arguments."));
    };
    let mac = mac(addr)?;
    let links = Links::read(conn)?;
    let port = match dev {
        Some(d) => links
            .index(d)
            .ok_or_else(|| fail(format!("Cannot find device \"{d}\"")))?,
        None => 0,
    };
    let mut req = GetFdbEntry::new(port, mac);
    if let Some(b) = br {
        let i = links
            .index(b)
            .ok_or_else(|| fail(format!("Cannot find bridge device \"{b}\"")))?;
        req = req.bridge(i);
    }
    if let Some(v) = vlan {
        req = req.vlan(v);
    }
    if let Some(v) = vni_ {
        req = req.vni(v)?;
    }
    if flags & NTF_SELF != 0 {
        req = req.on_self();
    }
    if flags & NTF_MASTER != 0 {
        req = req.on_master();
    }
    let e: FdbEntry = conn.get(req).map_err(|e| {
        let Fail(m, _) = Fail::from(e);
        Fail(m, 254)
    })?;
    let names = links.names();
    let mut p = Printer::for_opts(&mut *out, o)?;
    if !(dynamic && e.state & NUD_PERMANENT != 0) {
        print_fdb(&mut p, &e, &names, false, false)?;
    }
    p.finish()?;
    Ok(())
}

/// `fdb_flush`.
fn flush(conn: &mut Connection, o: &Opts, args: &[String]) -> Result<(), Fail> {
    let mut a = Argv::new(args);
    let (mut state, mut state_mask, mut flags, mut flags_mask) = (0u16, 0u16, 0u8, 0u8);
    let (mut dev, mut brport) = (None, None::<&str>);
    let mut vlan = None;
    let (mut src_vni, mut vni_, mut nhid, mut port, mut dst) = (None, None, 0u32, 0u16, None);
    let mut flag = |set: bool, bit: u8, flags: &mut u8| {
        if set {
            *flags |= bit;
        } else {
            *flags &= !bit;
        }
        flags_mask |= bit;
    };
    while let Some(w) = a.next() {
        match w {
            "dev" => dev = Some(a.need()?),
            "master" => flags |= NTF_MASTER,
            "self" => flags |= NTF_SELF,
            "permanent" => {
                state |= NUD_PERMANENT;
                state_mask |= NUD_PERMANENT;
            }
            "nopermanent" => {
                state &= !NUD_PERMANENT;
                state_mask |= NUD_PERMANENT;
            }
            "static" => {
                state |= NUD_NOARP;
                state_mask |= NUD_NOARP | NUD_PERMANENT;
            }
            "nostatic" => {
                state &= !NUD_NOARP;
                state_mask |= NUD_NOARP;
            }
            "dynamic" => {
                // `ndm_state &= ~NUD_NOARP | NUD_PERMANENT`, as written.
                state &= !NUD_NOARP | NUD_PERMANENT;
                state_mask |= NUD_NOARP | NUD_PERMANENT;
            }
            "nodynamic" => {
                state |= NUD_NOARP;
                state_mask |= NUD_NOARP;
            }
            "added_by_user" => flag(true, NTF_USE, &mut flags),
            "noadded_by_user" => flag(false, NTF_USE, &mut flags),
            "extern_learn" => flag(true, NTF_EXT_LEARNED, &mut flags),
            "noextern_learn" => flag(false, NTF_EXT_LEARNED, &mut flags),
            "sticky" => flag(true, NTF_STICKY, &mut flags),
            "nosticky" => flag(false, NTF_STICKY, &mut flags),
            "offloaded" => flag(true, NTF_OFFLOADED, &mut flags),
            "nooffloaded" => flag(false, NTF_OFFLOADED, &mut flags),
            "router" => flag(true, NTF_ROUTER, &mut flags),
            "norouter" => flag(false, NTF_ROUTER, &mut flags),
            "brport" => {
                if brport.is_some() {
                    return Err(crate::args::duparg2("brport", w));
                }
                brport = Some(a.need()?);
            }
            "vlan" => {
                if vlan.is_some() {
                    return Err(crate::args::duparg2("vlan", w));
                }
                vlan = Some(vlan_id(a.need()?)?);
            }
            "src_vni" => src_vni = Some(vni(a.need()?, "invalid src VNI\n")?),
            "nhid" => {
                let v = a.need()?;
                nhid = get_u32(v).ok_or_else(|| invarg("\"nid\" value is invalid\n", v))?;
            }
            "vni" => vni_ = Some(vni(a.need()?, "invalid VNI\n")?),
            "port" => port = udp_port(a.need()?)?,
            "dst" => {
                let v = a.need()?;
                if dst.is_some() {
                    return Err(crate::args::duparg2("dst", v));
                }
                dst = Some(get_addr(v, o.family)?);
            }
            "help" => {
                a.need()?;
            }
            w => {
                return Err(fail(format!(
                    "bridge fdb: unknown command \"{w}\"?\n{FDB_USAGE}"
                )));
            }
        }
    }
    let Some(dev) = dev else {
        return Err(fail("Device is a required argument."));
    };
    let links = Links::read(conn)?;
    let index = links
        .index(dev)
        .ok_or_else(|| fail(format!("Cannot find bridge device \"{dev}\"")))?;
    let brport = match brport {
        Some(b) => Some(
            links
                .index(b)
                .ok_or_else(|| fail(format!("Cannot find bridge port device \"{b}\"")))?,
        ),
        None => None,
    };
    if let Some(v) = vlan.filter(|&v| v >= 4096) {
        return Err(fail(format!("Invalid VLAN ID \"{v}\"")));
    }
    let mut f = FdbFlush::new(index)
        .flags(flags, flags_mask)
        .state(state, state_mask)
        .nhid(nhid)
        .udp_port(port);
    if let Some(b) = brport {
        f = f.brport(b);
    }
    if let Some(v) = vlan {
        f = f.vlan(v);
    }
    if let Some(v) = src_vni {
        f = f.src_vni(v)?;
    }
    if let Some(v) = vni_ {
        f = f.vni(v)?;
    }
    if let Some(d) = dst {
        f = f.dst(d);
    }
    conn.request(f).map_err(kernel)
}

/// `state_n2a`: the text form (`state=0x…` for another state) and the
/// JSON form.
fn state_name(s: u16) -> (String, String) {
    let named = if s & NUD_PERMANENT != 0 {
        "permanent"
    } else if s & NUD_NOARP != 0 {
        "static"
    } else if s & NUD_STALE != 0 {
        "stale"
    } else if s & NUD_REACHABLE != 0 {
        ""
    } else {
        // C's `%#x`: no `0x` before a 0.
        let hex = if s == 0 {
            "0".to_string()
        } else {
            format!("{s:#x}")
        };
        return (format!("state={hex}"), hex);
    };
    (named.to_string(), named.to_string())
}

/// `print_fdb`: one entry, a line of its own (`Deleted ` first in
/// `monitor`); `filtered`: `show` named the port, so the line does not.
pub fn print_fdb<W: Write>(
    p: &mut Printer<W>,
    e: &FdbEntry,
    names: &HashMap<u32, &str>,
    filtered: bool,
    deleted: bool,
) -> io::Result<()> {
    p.open_object(None)?;
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    if let Some(l) = &e.lladdr {
        p.str_c(Some(Color::Mac), "mac", "{} ", l)?;
    }
    if !filtered && e.index != 0 {
        p.text("dev ")?;
        p.str_c(
            Some(Color::Ifname),
            "ifname",
            "{} ",
            if_name(names, e.index),
        )?;
    }
    if let Some(d) = e.dst {
        p.text("dst ")?;
        let fam = if d.is_ipv4() { AF_INET } else { AF_INET6 };
        p.str_c(Color::of_family(fam), "dst", "{} ", d)?;
    }
    if let Some(v) = e.vlan.filter(|&v| v != 0) {
        p.num("vlan", "vlan {} ", v)?;
    }
    if let Some(v) = e.port {
        p.num("port", "port {} ", v)?;
    }
    if let Some(v) = e.vni {
        p.num("vni", "vni {} ", v)?;
    }
    if let Some(v) = e.src_vni {
        p.num("src_vni", "src_vni {} ", v)?;
    }
    if let Some(via) = e.via {
        if e.link_netnsid.is_some() {
            p.num("viaIfIndex", "via ifindex {} ", via)?;
        } else {
            p.str("viaIf", "via {} ", if_name(names, via))?;
        }
    }
    if let Some(n) = e.nhid {
        p.num("nhid", "nhid {} ", n)?;
    }
    if let Some(n) = e.link_netnsid {
        // `%d` of the attribute read as u32: the id as a signed number.
        p.num("linkNetNsId", "link-netnsid {} ", n as u32)?;
    }
    if p.details > 0
        && let Some(n) = e.notify
    {
        if n & nlwire::route::fdb::FDB_NOTIFY_BIT != 0 {
            p.bool("activity_notify", "activity_notify ", true)?;
        }
        if n & nlwire::route::fdb::FDB_NOTIFY_INACTIVE_BIT != 0 {
            p.bool("inactive", "inactive ", true)?;
        }
    }
    if p.stats > 0
        && let Some(ci) = e.cacheinfo
    {
        // `ndm_used / hz` with hz = USER_HZ (100).
        if p.is_json() {
            p.num("used", "", ci.used / 100)?;
            p.num("updated", "", ci.updated / 100)?;
        } else {
            p.text_fmt(
                "used {} ",
                format!("{}/{}", ci.used / 100, ci.updated / 100),
            )?;
        }
    }
    let mut flags = Vec::new();
    for (bit, name) in [
        (NTF_SELF, "self"),
        (NTF_ROUTER, "router"),
        (NTF_EXT_LEARNED, "extern_learn"),
        (NTF_OFFLOADED, "offload"),
        (NTF_MASTER, "master"),
        (NTF_STICKY, "sticky"),
    ] {
        if e.flags & bit != 0 {
            flags.push(name);
        }
    }
    if e.flags_ext.unwrap_or(0) & NTF_EXT_LOCKED != 0 {
        flags.push("locked");
    }
    if p.is_json() {
        p.open_array("flags")?;
        for f in &flags {
            p.json(crate::print::Json::Str, None, f)?;
        }
        p.close_array()?;
    } else {
        for f in &flags {
            p.text_fmt("{} ", f)?;
        }
    }
    if let Some(m) = e.master {
        p.str("master", "master {} ", if_name(names, m))?;
    }
    let (text, json) = state_name(e.state);
    if p.is_json() {
        p.str("state", "{}", json)?;
    } else {
        p.text(&text)?;
    }
    p.close_object()?;
    p.end_record()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_read_as_sscanf_reads_them() {
        assert_eq!(mac("02:00:0a:0b:0c:ff").unwrap(), [2, 0, 10, 11, 12, 255]);
        assert_eq!(mac("2:0:a:b:c:f").unwrap(), [2, 0, 10, 11, 12, 15]);
        // Anything after the sixth number is not read.
        assert_eq!(mac("02:00:00:00:00:01:77").unwrap(), [2, 0, 0, 0, 0, 1]);
        for bad in [
            "",
            "02:00:00:00:00",
            "02-00-00-00-00-01",
            "g2:00:00:00:00:01",
            "to",
        ] {
            assert!(mac(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn states_print_as_state_n2a() {
        assert_eq!(state_name(NUD_PERMANENT | NUD_NOARP).0, "permanent");
        assert_eq!(state_name(NUD_NOARP | NUD_REACHABLE).0, "static");
        assert_eq!(state_name(NUD_REACHABLE).0, "");
        assert_eq!(state_name(NUD_STALE).0, "stale");
        assert_eq!(state_name(0x20), ("state=0x20".into(), "0x20".into()));
        assert_eq!(state_name(0).0, "state=0");
    }
}
