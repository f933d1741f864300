//! Links: the link filters and `print_linkinfo` of iproute2's
//! `ip/ipaddress.c`, shared by `link show` and `address show`.

use std::collections::HashMap;
use std::io::Write;

use nlwire::route::{GetNsId, Link};
use nlwire::wire::Attrs;
use nlwire_mio::Connection;

use crate::print::{Color, Json, Printer};
use crate::{Fail, Opts, link_kinds, names};

/// `IFLA_LINKMODE`.
const IFLA_LINKMODE: u16 = 17;
/// `IFLA_LINK_NETNSID`.
const IFLA_LINK_NETNSID: u16 = 37;
/// `IFLA_PROTO_DOWN`.
const IFLA_PROTO_DOWN: u16 = 39;
/// `IFLA_PROP_LIST`.
const IFLA_PROP_LIST: u16 = 52;
/// `IFLA_ALT_IFNAME`.
const IFLA_ALT_IFNAME: u16 = 53;
/// `IFLA_PERM_ADDRESS`.
const IFLA_PERM_ADDRESS: u16 = 54;

/// The link filters of `ip link show` / `ip address show`.
#[derive(Default)]
pub struct LinkFilter {
    pub up: bool,
    pub down: bool,
    pub kind: Option<String>,
    pub slave_kind: Option<String>,
    /// `master DEV` (its index), or `nomaster` (`Some(None)`).
    pub master: Option<Option<u32>>,
    pub group: Option<u32>,
    pub dev: Option<String>,
}

impl LinkFilter {
    /// Whether `l` is listed at all: ip asks the kernel to filter by kind
    /// and master in the dump request (`in_dump`: not when `-4`/`-6`
    /// makes it a family dump, which takes no filter).
    pub fn listed(&self, l: &Link, in_dump: bool) -> bool {
        !in_dump
            || self
                .kind
                .as_deref()
                .is_none_or(|k| l.kind.as_deref() == Some(k))
                && match self.master {
                    None => true,
                    Some(Some(m)) => l.master == Some(m),
                    Some(None) => l.master.is_none(),
                }
    }

    /// Whether `l` is printed (`print_linkinfo`'s early returns; in JSON
    /// ip still writes an empty object for a listed link that is not).
    pub fn keeps(&self, l: &Link) -> bool {
        self.listed(l, true)
            && (!self.up || l.is_up())
            && (!self.down || !l.is_up())
            && self.group.is_none_or(|g| l.group == Some(g))
            && self
                .slave_kind
                .as_deref()
                .is_none_or(|k| l.slave_kind.as_deref() == Some(k))
    }
}

/// What printing a link needs beyond the link.
pub struct LinkCtx<'a> {
    /// Index → name, of the links of this namespace.
    pub names: HashMap<u32, &'a str>,
    /// Index → flags, for `M-DOWN`.
    pub flags: HashMap<u32, u32>,
    /// nsid → namespace name (for `link-netns NAME`), read on first need.
    nsids: Option<HashMap<i32, String>>,
    /// Index → queue length, for links dumped without one (a family dump).
    pub txqlen: HashMap<u32, u32>,
    /// Whether `qlen N` is printed (not in `ip monitor`).
    pub show_queue: bool,
}

impl<'a> LinkCtx<'a> {
    /// The context for `links`.
    pub fn new(links: &'a [Link]) -> Self {
        LinkCtx {
            names: links.iter().map(|l| (l.index, l.name.as_str())).collect(),
            flags: links.iter().map(|l| (l.index, l.flags)).collect(),
            nsids: None,
            txqlen: HashMap::new(),
            show_queue: true,
        }
    }

    /// The context for links known by these maps (index → name, index →
    /// flags).
    pub fn from_maps(names: HashMap<u32, &'a str>, flags: HashMap<u32, u32>) -> Self {
        LinkCtx {
            names,
            flags,
            nsids: None,
            txqlen: HashMap::new(),
            show_queue: true,
        }
    }

    fn name(&self, index: u32) -> String {
        self.names
            .get(&index)
            .map_or_else(|| format!("if{index}"), |s| s.to_string())
    }

    /// The name of the namespace this one knows as `nsid` (ip's
    /// `get_name_from_nsid`): each named namespace's id, asked of the
    /// kernel once.
    fn nsid_name(&mut self, conn: &mut Connection, nsid: i32) -> Option<String> {
        let map = self.nsids.get_or_insert_with(|| {
            let mut m = HashMap::new();
            let Ok(dir) = std::fs::read_dir(nlwire_mio::DEFAULT_NETNS_DIR) else {
                return m;
            };
            for e in dir.flatten() {
                let Ok(f) = std::fs::File::open(e.path()) else {
                    continue;
                };
                use std::os::fd::AsRawFd;
                if let Ok(id) = conn.get(GetNsId::Fd(f.as_raw_fd()))
                    && let Some(n) = id.nsid
                {
                    m.insert(n, e.file_name().to_string_lossy().into_owned());
                }
            }
            m
        });
        map.get(&nsid).cloned()
    }
}

fn netnsid(l: &Link) -> Option<i32> {
    l.other
        .get(IFLA_LINK_NETNSID)
        .filter(|v| v.len() == 4)
        .map(|v| i32::from_ne_bytes([v[0], v[1], v[2], v[3]]))
}

/// Parses `[dev] DEV | up | down | type KIND | master DEV | nomaster |
/// group G | label L …` as ip does; address selectors go to `addr`.
pub fn parse_filter<'x>(
    args: &'x [String],
    conn: &mut Connection,
    mut addr: impl FnMut(&'x str, &mut dyn Iterator<Item = &'x str>) -> Result<bool, Fail>,
) -> Result<LinkFilter, Fail> {
    let mut f = LinkFilter::default();
    let mut it = args.iter().map(String::as_str);
    let next = |it: &mut dyn Iterator<Item = &'x str>| {
        it.next().ok_or_else(|| {
            Fail(
                "Command line is not complete. Try option \"help\"".into(),
                255,
            )
        })
    };
    while let Some(a) = it.next() {
        match a {
            "up" => f.up = true,
            "down" => f.down = true,
            "group" => {
                let v = next(&mut it)?;
                f.group = Some(match v {
                    "default" => 0,
                    n => crate::rule::parse_u32(n).ok_or_else(|| {
                        Fail(
                            format!("Error: argument \"{v}\" is wrong: Invalid \"group\" value\n"),
                            255,
                        )
                    })?,
                });
            }
            "master" | "vrf" => {
                let v = next(&mut it)?;
                let links: Vec<Link> = crate::all_links(conn)?;
                let m = links
                    .iter()
                    .find(|l| l.name == v)
                    .filter(|l| a == "master" || l.kind.as_deref() == Some("vrf"));
                let Some(m) = m else {
                    let why = if a == "master" {
                        "Device does not exist"
                    } else {
                        "Not a valid VRF name"
                    };
                    return Err(Fail(
                        format!("Error: argument \"{v}\" is wrong: {why}\n"),
                        255,
                    ));
                };
                f.master = Some(Some(m.index));
            }
            "nomaster" => f.master = Some(None),
            "type" => {
                let v = next(&mut it)?;
                match v.strip_suffix("_slave") {
                    Some(k) => f.slave_kind = Some(k.to_string()),
                    None => f.kind = Some(v.to_string()),
                }
            }
            _ if addr(a, &mut it)? => {}
            _ => {
                let d = if a == "dev" { next(&mut it)? } else { a };
                if crate::matches(a, "help") && a != "dev" {
                    return Err(crate::usage_err(""));
                }
                if f.dev.is_some() {
                    return Err(Fail(
                        format!("Error: either \"dev\" is duplicate, or \"{d}\" is a garbage."),
                        255,
                    ));
                }
                f.dev = Some(d.to_string());
            }
        }
    }
    Ok(f)
}

/// `link show`.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let f = parse_filter(args, conn, |_, _| Ok(false))?;
    let links: Vec<Link> = crate::all_links(conn)?;
    let mut cx = LinkCtx::new(&links);
    if let Some(d) = &f.dev
        && !links.iter().any(|l| &l.name == d)
    {
        return Err(Fail(format!("Device \"{d}\" does not exist."), 1));
    }
    let mut p = Printer::for_opts(&mut *out, o)?;
    for l in &links {
        if f.dev.as_ref().is_some_and(|d| d != &l.name) || !f.listed(l, true) {
            continue;
        }
        p.open_object(None)?;
        if f.keeps(l) {
            print_link(&mut p, conn, &mut cx, l, true, false, false)?;
        }
        p.close_object()?;
    }
    p.finish()?;
    Ok(())
}

/// One link as `print_linkinfo` writes it, without the final newline:
/// `do_link` for `link show` (mode, alias), `family` when `-4`/`-6`
/// leaves out the `link/…` line.
#[allow(clippy::too_many_arguments)]
pub fn print_link<W: Write>(
    p: &mut Printer<W>,
    conn: &mut Connection,
    cx: &mut LinkCtx<'_>,
    l: &Link,
    do_link: bool,
    family: bool,
    deleted: bool,
) -> std::io::Result<()> {
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    if !p.brief {
        p.num("ifindex", "{}: ", l.index)?;
    }
    // print_name_and_link
    let nsid = netnsid(l);
    let mut m_down = false;
    let mut shown = l.name.clone();
    if let Some(link) = l.link {
        if link == 0 {
            p.json(Json::Num, Some("link"), "null")?;
            if !p.is_json() {
                shown = format!("{}@NONE", l.name);
            }
        } else if nsid.is_some() {
            p.json(Json::Num, Some("link_index"), link)?;
            shown = format!("{}@if{link}", l.name);
        } else {
            p.json(Json::Str, Some("link"), cx.name(link))?;
            shown = format!("{}@{}", l.name, cx.name(link));
            m_down = cx.flags.get(&link).is_none_or(|f| f & 1 == 0);
        }
    }
    // JSON has the link under its own key; text writes NAME@LINK.
    if p.is_json() {
        p.json(Json::Str, Some("ifname"), &l.name)?;
    } else if p.brief {
        p.text_c(Some(Color::Ifname), "{} ", format_args!("{shown:<16}"))?;
    } else {
        p.text_c(Some(Color::Ifname), "{}: ", &shown)?;
    }
    if p.brief {
        // print_linkinfo_brief: state, and for `link show` the address
        // and flags.
        if let Some(s) = l.operstate {
            // "%-14s ": padded in text only.
            p.json(Json::Str, Some("operstate"), s.as_str())?;
            p.text_c(
                Color::of_operstate(s),
                "{} ",
                format_args!("{:<14}", s.as_str()),
            )?;
        }
        if do_link {
            if let Some(a) = &l.address {
                p.str_c(
                    Some(Color::Mac),
                    "address",
                    "{} ",
                    ll_addr(a.as_bytes(), l.link_type),
                )?;
            }
            print_flags(p, l, m_down)?;
            p.end_record()?;
        }
        return Ok(());
    }
    print_flags(p, l, m_down)?;
    if let Some(m) = l.mtu {
        p.num("mtu", "mtu {} ", m)?;
    }
    if let Some(q) = &l.qdisc {
        p.str("qdisc", "qdisc {} ", q)?;
    }
    if let Some(m) = l.master {
        p.str("master", "master {} ", cx.name(m))?;
    }
    if let Some(s) = l.operstate {
        p.text("state ")?;
        p.str_c(Color::of_operstate(s), "operstate", "{} ", s.as_str())?;
    }
    if do_link && let Some(m) = l.other.get(IFLA_LINKMODE).and_then(|v| v.first()) {
        match m {
            0 => p.str("linkmode", "mode {} ", "DEFAULT")?,
            1 => p.str("linkmode", "mode {} ", "DORMANT")?,
            n => p.num("linkmode_index", "mode {} ", n)?,
        }
    }
    match l.group {
        Some(0) => p.str("group", "group {} ", "default")?,
        Some(g) => p.str("group", "group {} ", g)?,
        None => {}
    }
    match l.txqlen.or_else(|| cx.txqlen.get(&l.index).copied()) {
        Some(q) if q != 0 && cx.show_queue => p.num("txqlen", "qlen {}", q)?,
        _ => {}
    }
    // print_linkinfo: the link/… line unless -4/-6 chose a family, and
    // always with -d.
    if !family || p.details > 0 {
        p.nl()?;
        p.str("link_type", "    link/{} ", names::link_type(l.link_type))?;
        if let Some(a) = &l.address {
            p.str_c(
                Some(Color::Mac),
                "address",
                "{}",
                ll_addr(a.as_bytes(), l.link_type),
            )?;
        }
        if let Some(b) = &l.broadcast {
            if l.flags & 0x10 != 0 {
                // IFF_POINTOPOINT
                p.text(" peer ")?;
                p.json(Json::Num, Some("link_pointtopoint"), "true")?;
            } else {
                p.text(" brd ")?;
            }
            p.str_c(
                Some(Color::Mac),
                "broadcast",
                "{}",
                ll_addr(b.as_bytes(), l.link_type),
            )?;
        }
        if let Some(perm) = l.other.get(IFLA_PERM_ADDRESS)
            && l.address.as_ref().is_none_or(|a| a.as_bytes() != perm)
        {
            if let Some(perm) = nlwire::route::HwAddr::new(perm) {
                p.text(" permaddr ")?;
                p.str_c(
                    Some(Color::Mac),
                    "permaddr",
                    "{}",
                    ll_addr(perm.as_bytes(), l.link_type),
                )?;
            }
        }
    }
    if let Some(id) = nsid {
        if p.is_json() {
            p.json(Json::Num, Some("link_netnsid"), id)?;
        } else if id >= 0 {
            match cx.nsid_name(conn, id) {
                Some(n) => p.text_fmt(" link-netns {}", n)?,
                None => p.text_fmt(" link-netnsid {}", id)?,
            }
        } else {
            p.text(" link-netnsid unknown")?;
        }
    }
    if l.other
        .get(IFLA_PROTO_DOWN)
        .and_then(|v| v.first())
        .is_some_and(|&v| v != 0)
    {
        p.bool("proto_down", " protodown on ", true)?;
    }
    if p.details > 0 {
        print_details(p, l, do_link, &mut |i| cx.name(i).to_string())?;
    }
    if (do_link || p.details > 0)
        && let Some(a) = &l.alias
    {
        p.nl()?;
        p.text("    ")?;
        p.str("ifalias", "alias {}", a)?;
    }
    if do_link && p.stats > 0 {
        p.nl()?;
        print_stats(p, l)?;
    }
    if let Some(props) = l.other.get(IFLA_PROP_LIST) {
        p.open_array("altnames")?;
        for a in Attrs::new(props).flatten() {
            if a.kind() == IFLA_ALT_IFNAME
                && let Ok(n) = a.str()
            {
                p.nl()?;
                p.text_fmt("    altname {}", n)?;
                p.json(Json::Str, None, n)?;
            }
        }
        p.close_array()?;
    }
    // The end of print_linkinfo's record (addresses follow on their own).
    p.end_record()
}

/// `print_link_flags`: `<A,B,…> `, `M-DOWN` last.
fn print_flags<W: Write>(p: &mut Printer<W>, l: &Link, m_down: bool) -> std::io::Result<()> {
    p.text("<")?;
    p.open_array("flags")?;
    let flags = names::link_flags(l.flags);
    for (i, f) in flags.iter().enumerate() {
        p.json(Json::Str, None, f)?;
        p.text_fmt(if i + 1 < flags.len() { "{}," } else { "{}" }, f)?;
    }
    if m_down {
        p.json(Json::Str, None, "M-DOWN")?;
        p.text(",M-DOWN")?;
    }
    p.close_array()?;
    p.text("> ")
}

/// `print_stats64`: the counters, `-s` once or twice (`p.stats`).
pub fn print_stats<W: Write>(p: &mut Printer<W>, l: &Link) -> std::io::Result<()> {
    let Some(Ok((s, full))) = l.stats() else {
        return Ok(());
    };
    let cc = l
        .other
        .get(nlwire::route::stats::IFLA_CARRIER_CHANGES)
        .filter(|v| v.len() == 4)
        .map(|v| u64::from(u32::from_ne_bytes([v[0], v[1], v[2], v[3]])));
    let more = p.stats > 1;
    if p.is_json() {
        p.open_object(Some(if full { "stats64" } else { "stats" }))?;
        p.open_object(Some("rx"))?;
        for (k, v) in [
            ("bytes", s.rx_bytes),
            ("packets", s.rx_packets),
            ("errors", s.rx_errors),
            ("dropped", s.rx_dropped),
            ("over_errors", s.rx_over_errors),
            ("multicast", s.multicast),
        ] {
            p.json(Json::Num, Some(k), v)?;
        }
        if s.rx_compressed != 0 {
            p.json(Json::Num, Some("compressed"), s.rx_compressed)?;
        }
        if more {
            for (k, v) in [
                ("length_errors", s.rx_length_errors),
                ("crc_errors", s.rx_crc_errors),
                ("frame_errors", s.rx_frame_errors),
                ("fifo_errors", s.rx_fifo_errors),
                ("missed_errors", s.rx_missed_errors),
            ] {
                p.json(Json::Num, Some(k), v)?;
            }
            if s.rx_nohandler != 0 {
                p.json(Json::Num, Some("nohandler"), s.rx_nohandler)?;
            }
            if s.rx_otherhost_dropped != 0 {
                p.json(Json::Num, Some("otherhost"), s.rx_otherhost_dropped)?;
            }
        }
        p.close_object()?;
        p.open_object(Some("tx"))?;
        for (k, v) in [
            ("bytes", s.tx_bytes),
            ("packets", s.tx_packets),
            ("errors", s.tx_errors),
            ("dropped", s.tx_dropped),
            ("carrier_errors", s.tx_carrier_errors),
            ("collisions", s.collisions),
        ] {
            p.json(Json::Num, Some(k), v)?;
        }
        if s.tx_compressed != 0 {
            p.json(Json::Num, Some("compressed"), s.tx_compressed)?;
        }
        if more {
            for (k, v) in [
                ("aborted_errors", s.tx_aborted_errors),
                ("fifo_errors", s.tx_fifo_errors),
                ("window_errors", s.tx_window_errors),
                ("heartbeat_errors", s.tx_heartbeat_errors),
            ] {
                p.json(Json::Num, Some(k), v)?;
            }
            if let Some(c) = cc {
                p.json(Json::Num, Some("carrier_changes"), c)?;
            }
        }
        p.close_object()?;
        return p.close_object();
    }
    // Column widths: each header's, widened to the longest number.
    let mut cols: [usize; 8] = [10, 7, 6, 7, 7, 7, 10, 9];
    let mut size = |vals: [u64; 8]| {
        for (c, v) in cols.iter_mut().zip(vals) {
            *c = (*c).max(v.to_string().len());
        }
    };
    size([
        s.rx_bytes,
        s.rx_packets,
        s.rx_errors,
        s.rx_dropped,
        s.rx_missed_errors,
        s.multicast,
        s.rx_compressed,
        0,
    ]);
    if more {
        size([
            0,
            s.rx_length_errors,
            s.rx_crc_errors,
            s.rx_frame_errors,
            s.rx_fifo_errors,
            s.rx_over_errors,
            s.rx_nohandler,
            s.rx_otherhost_dropped,
        ]);
    }
    size([
        s.tx_bytes,
        s.tx_packets,
        s.tx_errors,
        s.tx_dropped,
        s.tx_carrier_errors,
        s.collisions,
        s.tx_compressed,
        0,
    ]);
    if more {
        size([
            0,
            0,
            s.tx_aborted_errors,
            s.tx_fifo_errors,
            s.tx_window_errors,
            s.tx_heartbeat_errors,
            cc.unwrap_or(0),
            0,
        ]);
    }
    let c = cols;
    let nums = |vals: &[u64], widths: &[usize]| {
        let mut t = String::new();
        for (v, w) in vals.iter().zip(widths) {
            t.push_str(&format!("{v:>w$} "));
        }
        t
    };
    let mut t = String::new();
    t.push_str(&format!(
        "    RX: {:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {:>w5$} {:>w6$}",
        "bytes",
        "packets",
        "errors",
        "dropped",
        "missed",
        "mcast",
        if s.rx_compressed != 0 {
            "compressed"
        } else {
            ""
        },
        w0 = c[0] - 4,
        w1 = c[1],
        w2 = c[2],
        w3 = c[3],
        w4 = c[4],
        w5 = c[5],
        w6 = c[6],
    ));
    p.text(&t)?;
    p.nl()?;
    let mut rx = vec![
        s.rx_bytes,
        s.rx_packets,
        s.rx_errors,
        s.rx_dropped,
        s.rx_missed_errors,
        s.multicast,
    ];
    if s.rx_compressed != 0 {
        rx.push(s.rx_compressed);
    }
    p.text_fmt("    {}", nums(&rx, &c))?;
    if more {
        p.nl()?;
        p.text_fmt(
            "{}",
            format_args!(
                "    RX errors:{:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {:>w5$}{:>w6$}{:>w7$}",
                "",
                "length",
                "crc",
                "frame",
                "fifo",
                "overrun",
                if s.rx_nohandler != 0 {
                    " nohandler"
                } else {
                    ""
                },
                if s.rx_otherhost_dropped != 0 {
                    " otherhost"
                } else {
                    ""
                },
                w0 = c[0] - 10,
                w1 = c[1],
                w2 = c[2],
                w3 = c[3],
                w4 = c[4],
                w5 = c[5],
                w6 = if s.rx_nohandler != 0 { c[6] + 1 } else { 0 },
                w7 = if s.rx_otherhost_dropped != 0 {
                    c[7] + 1
                } else {
                    0
                },
            ),
        )?;
        p.nl()?;
        let mut v = vec![
            s.rx_length_errors,
            s.rx_crc_errors,
            s.rx_frame_errors,
            s.rx_fifo_errors,
            s.rx_over_errors,
        ];
        let mut w = c[1..6].to_vec();
        if s.rx_nohandler != 0 {
            v.push(s.rx_nohandler);
            w.push(c[6]);
        }
        if s.rx_otherhost_dropped != 0 {
            v.push(s.rx_otherhost_dropped);
            w.push(c[7]);
        }
        p.text_fmt(
            "{}",
            format_args!("{:w$}{}", "", nums(&v, &w), w = c[0] + 5),
        )?;
    }
    p.nl()?;
    p.text_fmt(
        "{}",
        format_args!(
            "    TX: {:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {:>w5$} {:>w6$}",
            "bytes",
            "packets",
            "errors",
            "dropped",
            "carrier",
            "collsns",
            if s.tx_compressed != 0 {
                "compressed"
            } else {
                ""
            },
            w0 = c[0] - 4,
            w1 = c[1],
            w2 = c[2],
            w3 = c[3],
            w4 = c[4],
            w5 = c[5],
            w6 = c[6],
        ),
    )?;
    p.nl()?;
    let mut tx = vec![
        s.tx_bytes,
        s.tx_packets,
        s.tx_errors,
        s.tx_dropped,
        s.tx_carrier_errors,
        s.collisions,
    ];
    if s.tx_compressed != 0 {
        tx.push(s.tx_compressed);
    }
    p.text_fmt("    {}", nums(&tx, &c))?;
    if more {
        p.nl()?;
        p.text_fmt(
            "{}",
            format_args!(
                "    TX errors:{:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {:>w5$}",
                "",
                "aborted",
                "fifo",
                "window",
                "heartbt",
                if cc.is_some() { "transns" } else { "" },
                w0 = c[0] - 10,
                w1 = c[1],
                w2 = c[2],
                w3 = c[3],
                w4 = c[4],
                w5 = c[5],
            ),
        )?;
        p.nl()?;
        let mut v = vec![
            s.tx_aborted_errors,
            s.tx_fifo_errors,
            s.tx_window_errors,
            s.tx_heartbeat_errors,
        ];
        if let Some(x) = cc {
            v.push(x);
        }
        p.text_fmt(
            "{}",
            format_args!("{:w$}{}", "", nums(&v, &c[1..]), w = c[0] + 5),
        )?;
    }
    Ok(())
}

/// The link kinds iproute2 (7.1) has a `link_util` for, which read the
/// words after `type KIND`; after any other kind ip calls them garbage.
const IP_PARSES_KIND: &[&str] = &[
    "amt",
    "bareudp",
    "batadv",
    "bond",
    "bridge",
    "can",
    "dsa",
    "dummy",
    "erspan",
    "geneve",
    "gre",
    "gretap",
    "gtp",
    "hsr",
    "ifb",
    "ip6erspan",
    "ip6gre",
    "ip6gretap",
    "ip6tnl",
    "ipip",
    "ipoib",
    "ipvlan",
    "ipvtap",
    "macsec",
    "macvlan",
    "macvtap",
    "netdevsim",
    "netkit",
    "nlmon",
    "rmnet",
    "sit",
    "team",
    "tun",
    "vcan",
    "veth",
    "virt_wifi",
    "vlan",
    "vrf",
    "vti",
    "vti6",
    "vxcan",
    "vxlan",
    "wwan",
    "xfrm",
];

/// What `iplink_parse` read: the settings, and the words it left for the
/// kind (after `type KIND`).
struct Parsed<'a> {
    name: Option<&'a str>,
    dev: Option<&'a str>,
    link: Option<&'a str>,
    kind: Option<&'a str>,
    /// Words after `type KIND`.
    rest: &'a [String],
    ops: Vec<Setting<'a>>,
    netns: Option<&'a str>,
}

/// One setting, applied to a request or to a veth peer's settings.
enum Setting<'a> {
    Flag(u32, bool),
    Mtu(u32),
    Address(Vec<u8>),
    Broadcast(Vec<u8>),
    TxQLen(u32),
    Master(Option<u32>),
    Alias(&'a str),
    Group(u32),
    LinkMode(u8),
    OperState(u8),
    NumTx(u32),
    NumRx(u32),
    Carrier(bool),
    ProtoDown(bool),
    GsoMaxSize(u32),
    GsoMaxSegs(u32),
    GroMaxSize(u32),
    AddrGenMode(u8),
}

/// `parse_on_off`: `on`/`off`, else ip's message and exit code 22.
pub(crate) fn on_off_strict(what: &str, v: &str) -> Result<bool, Fail> {
    match v {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(Fail(
            format!("Error: argument of \"{what}\" must be one of \"off\", \"on\", not \"{v}\""),
            22,
        )),
    }
}

/// `on_off` of `iplink.c`: exit 1.
fn on_off(what: &str, v: &str) -> Result<bool, Fail> {
    match v {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(Fail(
            format!("Error: argument of \"{what}\" must be \"on\" or \"off\", not \"{v}\""),
            1,
        )),
    }
}

/// iproute2's `iplink_parse` (the settings nlw supports).
fn parse<'a>(
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
) -> Result<Parsed<'a>, Fail> {
    use crate::args::{duparg, duparg2, get_lladdr, invarg};
    const IFF_UP: u32 = 0x1;
    const IFF_NOARP: u32 = 0x80;
    const IFF_PROMISC: u32 = 0x100;
    const IFF_NOTRAILERS: u32 = 0x20;
    const IFF_ALLMULTI: u32 = 0x200;
    const IFF_MULTICAST: u32 = 0x1000;
    const IFF_DYNAMIC: u32 = 0x8000;
    let mut p = Parsed {
        name: None,
        dev: None,
        link: None,
        kind: None,
        rest: &[],
        ops: Vec::new(),
        netns: None,
    };
    let (mut mtu_seen, mut qlen_seen, mut group_seen) = (false, false, false);
    let mut i = 0;
    let next = |i: &mut usize| -> Result<&'a str, Fail> {
        *i += 1;
        args.get(*i)
            .map(String::as_str)
            .ok_or_else(crate::args::incomplete)
    };
    let int = |v: &str, what: &str| -> Result<u32, Fail> {
        crate::args::get_u32(v)
            .filter(|&n| n <= i32::MAX as u32)
            .ok_or_else(|| invarg(&format!("Invalid \"{what}\" value\n"), v))
    };
    while i < args.len() {
        let t = args[i].as_str();
        let m = |w: &str| crate::matches(t, w);
        match t {
            "up" => p.ops.push(Setting::Flag(IFF_UP, true)),
            "down" => p.ops.push(Setting::Flag(IFF_UP, false)),
            "name" => {
                let v = next(&mut i)?;
                if p.name.is_some() {
                    return Err(duparg("name", v));
                }
                if nlwire::route::validate_ifname(v).is_err() {
                    return Err(invarg("\"name\" not a valid ifname", v));
                }
                p.name = Some(v);
                p.dev = p.dev.or(Some(v));
            }
            "index" => {
                return Err(Fail(
                    "Error: \"index\" is not supported by nlw.".into(),
                    255,
                ));
            }
            "mtu" => {
                let v = next(&mut i)?;
                if mtu_seen {
                    return Err(duparg("mtu", v));
                }
                mtu_seen = true;
                p.ops.push(Setting::Mtu(int(v, "mtu")?));
            }
            "netns" => {
                let v = next(&mut i)?;
                if p.netns.is_some() {
                    return Err(duparg("netns", v));
                }
                p.netns = Some(v);
            }
            "multicast" | "allmulticast" | "promisc" | "trailers" | "arp" | "dynamic" => {
                let v = next(&mut i)?;
                let on = on_off(t, v)?;
                p.ops.push(match t {
                    "multicast" => Setting::Flag(IFF_MULTICAST, on),
                    "allmulticast" => Setting::Flag(IFF_ALLMULTI, on),
                    "promisc" => Setting::Flag(IFF_PROMISC, on),
                    "trailers" => Setting::Flag(IFF_NOTRAILERS, !on),
                    "arp" => Setting::Flag(IFF_NOARP, !on),
                    _ => Setting::Flag(IFF_DYNAMIC, on),
                });
            }
            "carrier" => {
                let v = next(&mut i)?;
                p.ops.push(Setting::Carrier(on_off_strict(t, v)?));
            }
            "protodown" => {
                let v = next(&mut i)?;
                p.ops.push(Setting::ProtoDown(on_off_strict(t, v)?));
            }
            "group" => {
                let v = next(&mut i)?;
                if group_seen {
                    return Err(duparg("group", v));
                }
                group_seen = true;
                let g = if v == "default" {
                    Some(0)
                } else {
                    crate::args::get_u32(v)
                };
                p.ops.push(Setting::Group(
                    g.ok_or_else(|| invarg("Invalid \"group\" value\n", v))?,
                ));
            }
            "mode" => {
                let v = next(&mut i)?;
                let mode = match v.to_ascii_lowercase().as_str() {
                    "default" => 0,
                    "dormant" => 1,
                    _ => return Err(invarg("Invalid link mode\n", v)),
                };
                p.ops.push(Setting::LinkMode(mode));
            }
            "state" => {
                let v = next(&mut i)?;
                let states = [
                    "UNKNOWN",
                    "NOTPRESENT",
                    "DOWN",
                    "LOWERLAYERDOWN",
                    "TESTING",
                    "DORMANT",
                    "UP",
                ];
                let s = states
                    .iter()
                    .position(|s| s.eq_ignore_ascii_case(v))
                    .ok_or_else(|| invarg("Invalid operstate\n", v))?;
                p.ops.push(Setting::OperState(s as u8));
            }
            "gso_max_size" | "gso_max_segs" | "gro_max_size" => {
                let v = next(&mut i)?;
                let n = crate::args::get_u32(v)
                    .filter(|&n| t != "gso_max_segs" || n <= 65535)
                    .ok_or_else(|| invarg(&format!("Invalid \"{t}\" value\n"), v))?;
                p.ops.push(match t {
                    "gso_max_size" => Setting::GsoMaxSize(n),
                    "gso_max_segs" => Setting::GsoMaxSegs(n),
                    _ => Setting::GroMaxSize(n),
                });
            }
            "vrf" => {
                let v = next(&mut i)?;
                return Err(invarg("Not a valid VRF name\n", v));
            }
            "inet" | "xdp" | "xdpgeneric" | "xdpdrv" | "xdpoffload" | "vf" | "parentdev"
            | "protodown_reason" | "gso_ipv4_max_size" | "gro_ipv4_max_size" => {
                return Err(Fail(
                    format!("Error: \"{t}\" is not supported by nlw."),
                    255,
                ));
            }
            _ if m("link") => p.link = Some(next(&mut i)?),
            _ if m("link-netns") || m("link-netnsid") => {
                return Err(Fail(
                    format!("Error: \"{t}\" is not supported by nlw."),
                    255,
                ));
            }
            _ if m("address") => {
                let v = next(&mut i)?;
                p.ops
                    .push(Setting::Address(get_lladdr(v).map_err(|e| Fail(e.0, 1))?));
            }
            // After `address`, as in ip: "addr" is `address`.
            _ if m("addrgenmode") => {
                let v = next(&mut i)?;
                // `get_addr_gen_mode`: case-insensitive names.
                let mode = match v.to_ascii_lowercase().as_str() {
                    "eui64" => 0,
                    "none" => 1,
                    "stable_secret" => 2,
                    "random" => 3,
                    _ => return Err(invarg("Invalid address generation mode\n", v)),
                };
                p.ops.push(Setting::AddrGenMode(mode));
            }
            _ if m("broadcast") || t == "brd" => {
                let v = next(&mut i)?;
                p.ops
                    .push(Setting::Broadcast(get_lladdr(v).map_err(|e| Fail(e.0, 1))?));
            }
            _ if m("txqueuelen") || t == "qlen" || m("txqlen") => {
                let v = next(&mut i)?;
                if qlen_seen {
                    return Err(duparg("txqueuelen", v));
                }
                qlen_seen = true;
                p.ops.push(Setting::TxQLen(int(v, "txqueuelen")?));
            }
            _ if m("master") => {
                let v = next(&mut i)?;
                let idx = ctx
                    .index(conn, v)
                    .map_err(|_| invarg("Device does not exist\n", v))?;
                p.ops.push(Setting::Master(Some(idx)));
            }
            _ if m("nomaster") => p.ops.push(Setting::Master(None)),
            _ if m("type") => {
                p.kind = Some(next(&mut i)?);
                p.rest = &args[i + 1..];
                break;
            }
            _ if m("alias") => {
                let v = next(&mut i)?;
                if v.len() >= 256 {
                    return Err(invarg("alias too long\n", v));
                }
                p.ops.push(Setting::Alias(v));
            }
            _ if m("numtxqueues") => {
                let v = next(&mut i)?;
                p.ops.push(Setting::NumTx(int(v, "numtxqueues")?));
            }
            _ if m("numrxqueues") => {
                let v = next(&mut i)?;
                p.ops.push(Setting::NumRx(int(v, "numrxqueues")?));
            }
            _ => {
                if m("help") {
                    return Err(crate::usage_err(""));
                }
                let v = if t == "dev" { next(&mut i)? } else { t };
                if p.dev != p.name {
                    return Err(duparg2("dev", v));
                }
                if v.is_empty() || v.len() > 127 || v.contains(['/', ' ', '\0']) {
                    return Err(invarg("\"dev\" not a valid ifname", v));
                }
                p.dev = Some(v);
            }
        }
        i += 1;
    }
    Ok(p)
}

/// Applies parsed settings to a link request or to a veth peer's settings
/// (the same setters; `nomaster` and `alias` only to the request).
macro_rules! apply_settings {
    ($name:ident, $r:ident: $ty:ty, $($only:tt)*) => {
        fn $name<'a>(mut $r: $ty, ops: &'a [Setting<'a>]) -> Result<$ty, Fail> {
            for s in ops {
                $r = match s {
                    Setting::Flag(m, on) => $r.flag(*m, *on),
                    Setting::Mtu(n) => $r.mtu(*n),
                    Setting::Address(a) => $r.address(a)?,
                    Setting::Broadcast(a) => $r.broadcast(a)?,
                    Setting::TxQLen(n) => $r.txqlen(*n),
                    Setting::Master(Some(m)) => $r.master(*m)?,
                    Setting::Group(g) => $r.group(*g),
                    Setting::LinkMode(m) => $r.link_mode(*m),
                    Setting::OperState(s) => $r.oper_state(*s),
                    Setting::NumTx(n) => $r.num_tx_queues(*n),
                    Setting::NumRx(n) => $r.num_rx_queues(*n),
                    Setting::Carrier(c) => $r.carrier(*c),
                    Setting::ProtoDown(p) => $r.proto_down(*p),
                    Setting::GsoMaxSize(n) => $r.gso_max_size(*n),
                    Setting::GsoMaxSegs(n) => $r.gso_max_segs(*n),
                    Setting::GroMaxSize(n) => $r.gro_max_size(*n),
                    Setting::AddrGenMode(m) => $r.addr_gen_mode(*m),
                    $($only)*
                };
            }
            Ok($r)
        }
    };
}

apply_settings!(apply, r: nlwire::route::LinkRequest<'a>,
    Setting::Master(None) => r.nomaster(),
    Setting::Alias(a) => r.alias(a)?,
);
apply_settings!(apply_peer, r: nlwire::route::LinkSettings<'a>,
    Setting::Master(None) | Setting::Alias(_) => r,
);

/// `link add|set|change|del …` as iproute2's `iplink_modify` reads it.
pub fn modify<'a>(
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut crate::edit::Ctx,
) -> Result<Box<dyn nlwire::request::Request + 'a>, Fail> {
    use crate::args::{fail1, nodev};
    use nlwire::route::{IpvlanMode, LinkKind, LinkRequest, LinkSettings, MacvlanMode};
    if cmd == "replace" {
        return Err(Fail(
            "Error: \"link replace\" is not supported by nlw.".into(),
            255,
        ));
    }
    let create = cmd == "add";
    let p = parse(args, conn, ctx)?;
    ctx.stale = true;
    // "Allow ip link add dev and ip link add name".
    let (name, dev) = match (p.name, p.dev) {
        (None, d) => (d, d),
        (n, None) => (n, n),
        (Some(n), Some(d)) if n == d => (Some(n), Some(d)),
        (n, d) => (n, d),
    };
    let netns = match p.netns {
        Some(ns) => Some(
            ctx.netns(ns)
                .map_err(|_| crate::args::invarg("Invalid \"netns\" value\n", ns))?,
        ),
        None => None,
    };
    if !create {
        let Some(dev) = dev else {
            return Err(Fail(
                "Not enough information: \"dev\" argument is required.".into(),
                255,
            ));
        };
        let index = ctx.index(conn, dev).map_err(|_| nodev(dev))?;
        if cmd == "delete" {
            return Ok(Box::new(LinkRequest::delete(index)?));
        }
        // `type bond …` changes the bond's settings (a bond keeps what is
        // not given); other kinds' changes are not written by nlw.
        // `type bond|bridge …` changes the master's settings, `type
        // bridge_slave|bond_slave …` the port's (these keep what is not
        // given); other kinds' changes are not written by nlw.
        let mut bond_args = None;
        let mut bridge = None;
        let mut port = None;
        {
            let mut dev = |d: &str| ctx.index(conn, d).map_err(|_| nodev(d));
            match p.kind {
                None => {}
                Some("bond") => bond_args = Some(crate::kind_opts::bond(p.rest, &mut dev)?),
                Some("bridge") => bridge = Some(crate::kind_opts::bridge(p.rest)?),
                Some("bridge_slave") => {
                    port = Some(nlwire::route::PortSettings::Bridge(
                        crate::kind_opts::bridge_port(p.rest, &mut dev)?,
                    ))
                }
                Some("bond_slave") => {
                    port = Some(nlwire::route::PortSettings::Bond(
                        crate::kind_opts::bond_port(p.rest)?,
                    ))
                }
                Some(_) => {
                    return Err(Fail(
                        "Error: changing a link's kind settings is not supported by nlw.".into(),
                        255,
                    ));
                }
            }
        }
        let mut r = LinkRequest::set(index)?;
        if let Some(b) = &bond_args {
            r = r.kind_settings(LinkKind::Bond(b.settings()))?;
        }
        if let Some(b) = bridge {
            r = r.kind_settings(LinkKind::Bridge(b))?;
        }
        if let Some(pt) = port {
            r = r.port_settings(pt)?;
        }
        if let Some(n) = name.filter(|n| Some(*n) != Some(dev)) {
            r = r.rename(n)?;
        }
        if let Some(ns) = netns {
            r = r.netns(ns);
        }
        let r = apply(r, &p.ops)?;
        return Ok(Box::new(crate::edit::Encoded::of(&r)?));
    }
    if p.name.is_some() && p.dev.is_some() && p.name != p.dev {
        return Err(Fail(
            "both \"name\" and \"dev\" cannot be used when creating devices.".into(),
            255,
        ));
    }
    let Some(kind) = p.kind else {
        return Err(fail1(
            "Not enough information: \"type\" argument is required",
        ));
    };
    let Some(name) = name else {
        return Err(Fail(
            "Error: nlw needs a name for a new link (\"name NAME\").".into(),
            255,
        ));
    };
    // ip sends a name of up to 127 bytes; the kernel's policy refuses one
    // of 16 or more (IFNAMSIZ).
    if name.len() >= 16 {
        return Err(Fail("Error: Attribute failed policy validation.".into(), 2));
    }
    let lower = match p.link {
        Some(l) => Some(ctx.index(conn, l).map_err(|_| nodev(l))?),
        None => None,
    };
    let garbage = |w: &str| {
        fail1(format!(
            "Garbage instead of arguments \"{w} ...\". Try \"nlw link help\"."
        ))
    };
    let need_lower = || {
        lower.ok_or_else(|| {
            Fail(
                "Error: this kind needs a lower link (\"link DEV\").".into(),
                255,
            )
        })
    };
    let mut rest = p.rest.iter().map(String::as_str);
    let mut peer = None;
    let bond_args;
    let k = match kind {
        // link_veth.c: nothing, or `peer` and the peer's own options (its
        // name too may be left to the kernel).
        "veth" => match rest.next() {
            None => LinkKind::VethUnnamedPeer { peer_netns: None },
            Some("peer") => {
                let pp = parse(&p.rest[1..], conn, ctx)?;
                if let Some(t) = pp.kind {
                    return Err(crate::args::duparg("type", t));
                }
                if pp.name.is_some() && pp.dev.is_some() && pp.name != pp.dev {
                    return Err(Fail(
                        "both \"name\" and \"dev\" cannot be used when creating devices.".into(),
                        255,
                    ));
                }
                let pns = match pp.netns {
                    Some(ns) => Some(
                        ctx.netns(ns)
                            .map_err(|_| crate::args::invarg("Invalid \"netns\" value\n", ns))?,
                    ),
                    None => None,
                };
                peer = Some(pp.ops);
                match pp.name.or(pp.dev) {
                    Some(pname) => LinkKind::Veth {
                        peer: pname,
                        peer_netns: pns,
                    },
                    None => LinkKind::VethUnnamedPeer { peer_netns: pns },
                }
            }
            Some(_) => {
                // ip prints the veth usage on stdout and fails.
                print!(
                    "Usage: ip link <options> type veth [peer <options>]\n\
                     To get <options> type 'ip link add help'\n"
                );
                return Err(Fail(String::new(), 1));
            }
        },
        "bridge" => LinkKind::Bridge(crate::kind_opts::bridge(p.rest)?),
        "dummy" | "wireguard" => {
            if let Some(w) = rest.next() {
                return Err(garbage(w));
            }
            if kind == "dummy" {
                LinkKind::Dummy
            } else {
                LinkKind::Wireguard
            }
        }
        "macvlan" => {
            let mut mode = MacvlanMode::Vepa;
            while let Some(t) = rest.next() {
                if t != "mode" {
                    return Err(garbage(t));
                }
                let v = rest.next().ok_or_else(crate::args::incomplete)?;
                mode = v
                    .parse::<MacvlanMode>()
                    .map_err(|_| crate::args::invarg("Unknown macvlan mode", v))?;
            }
            LinkKind::Macvlan {
                link: need_lower()?,
                mode,
            }
        }
        "ipvlan" => {
            let mut mode = IpvlanMode::L3;
            while let Some(t) = rest.next() {
                if t != "mode" {
                    return Err(garbage(t));
                }
                let v = rest.next().ok_or_else(crate::args::incomplete)?;
                mode = v
                    .parse::<IpvlanMode>()
                    .map_err(|_| crate::args::invarg("Unknown ipvlan mode", v))?;
            }
            LinkKind::Ipvlan {
                link: need_lower()?,
                mode,
            }
        }
        "vlan" => {
            let mut id = None;
            while let Some(t) = rest.next() {
                let v = rest.next().ok_or_else(crate::args::incomplete)?;
                match t {
                    "id" => {
                        id = Some(
                            crate::args::get_u32(v)
                                .filter(|&n| n < 4096)
                                .ok_or_else(|| crate::args::invarg("Invalid \"id\" value\n", v))?
                                as u16,
                        )
                    }
                    _ => return Err(garbage(t)),
                }
            }
            LinkKind::Vlan {
                link: need_lower()?,
                id: id.ok_or_else(|| crate::args::missarg("id"))?,
            }
        }
        "vxlan" => {
            let mut dev = |d: &str| ctx.index(conn, d).map_err(|_| nodev(d));
            LinkKind::Vxlan(crate::kind_opts::vxlan(p.rest, &mut dev, None)?)
        }
        "geneve" => LinkKind::Geneve(crate::kind_opts::geneve(p.rest)?),
        "bond" => {
            let mut dev = |d: &str| ctx.index(conn, d).map_err(|_| nodev(d));
            bond_args = crate::kind_opts::bond(p.rest, &mut dev)?;
            LinkKind::Bond(bond_args.settings())
        }
        "vrf" => match crate::kind_opts::vrf(p.rest)? {
            Some(table) => LinkKind::Vrf { table },
            // The kernel answers for a VRF without a table, as it does
            // to ip.
            None => LinkKind::Named("vrf"),
        },
        "macvtap" => {
            let mut mode = MacvlanMode::Vepa;
            while let Some(t) = rest.next() {
                if t != "mode" {
                    return Err(garbage(t));
                }
                let v = rest.next().ok_or_else(crate::args::incomplete)?;
                mode = v
                    .parse::<MacvlanMode>()
                    .map_err(|_| crate::args::invarg("Unknown macvlan mode", v))?;
            }
            LinkKind::Macvtap {
                link: need_lower()?,
                mode,
            }
        }
        k if crate::kind_opts::tunnel_kind(k).is_some() => {
            let tk = crate::kind_opts::tunnel_kind(k).unwrap_or(nlwire::route::TunnelKind::Gre);
            let mut dev = |d: &str| ctx.index(conn, d).map_err(|_| nodev(d));
            LinkKind::Tunnel(crate::kind_opts::tunnel(tk, p.rest, &mut dev)?)
        }
        k => {
            // Any other kind without settings: the kernel says whether it
            // has it, as it does to ip. Words after a kind ip has no
            // parser for are garbage to ip (exit 1); after one it parses
            // and nlw does not, nlw says so.
            if let Some(w) = rest.next() {
                if !IP_PARSES_KIND.contains(&k) {
                    return Err(garbage(w));
                }
                return Err(Fail(
                    format!(
                        "Error: the options of link type \"{k}\" (\"{w}\") are not supported by nlw."
                    ),
                    255,
                ));
            }
            LinkKind::Named(k)
        }
    };
    let mut r = LinkRequest::add(name, k)?;
    if let Some(ns) = netns {
        r = r.netns(ns);
    }
    let r = apply(r, &p.ops)?;
    let r = match &peer {
        Some(ops) => r.veth_peer(apply_peer(LinkSettings::new(), ops)?)?,
        None => r,
    };
    Ok(Box::new(crate::edit::Encoded::of(&r)?))
}

fn u32_of(l: &Link, kind: u16) -> Option<u32> {
    l.other
        .get(kind)
        .filter(|v| v.len() == 4)
        .map(|v| u32::from_ne_bytes([v[0], v[1], v[2], v[3]]))
}

/// The `-d` part of `print_linkinfo`.
fn print_details<W: Write>(
    p: &mut Printer<W>,
    l: &Link,
    do_link: bool,
    name_of: &mut dyn FnMut(u32) -> String,
) -> std::io::Result<()> {
    use nlwire::route::linkinfo::*;
    if let Some(v) = u32_of(l, IFLA_PROMISCUITY) {
        p.num("promiscuity", " promiscuity {} ", v)?;
    }
    if let Some(v) = u32_of(l, IFLA_ALLMULTI) {
        p.num("allmulti", "allmulti {} ", v)?;
    }
    if let Some(v) = u32_of(l, IFLA_MIN_MTU) {
        p.num("min_mtu", "minmtu {} ", v)?;
    }
    if let Some(v) = u32_of(l, IFLA_MAX_MTU) {
        p.num("max_mtu", "maxmtu {} ", v)?;
    }
    if l.other
        .get(IFLA_NETNS_IMMUTABLE)
        .and_then(|v| v.first())
        .is_some_and(|&v| v != 0)
    {
        p.bool("netns-immutable", "netns-immutable ", true)?;
    }
    if let Some(li) = l.other.get(nlwire::route::link::IFLA_LINKINFO)
        && let Ok(li) = LinkInfo::parse(li)
    {
        print_linktype(p, &li, name_of)?;
    }
    if do_link
        && let Some(af) = l.other.get(IFLA_AF_SPEC)
        && let Ok(Some(mode)) = inet6_addr_gen_mode(af)
    {
        match mode {
            0 => p.str("inet6_addr_gen_mode", "addrgenmode {} ", "eui64")?,
            1 => p.str("inet6_addr_gen_mode", "addrgenmode {} ", "none")?,
            2 => p.str("inet6_addr_gen_mode", "addrgenmode {} ", "stable_secret")?,
            3 => p.str("inet6_addr_gen_mode", "addrgenmode {} ", "random")?,
            m => p.str(
                "inet6_addr_gen_mode",
                "addrgenmode {} ",
                format_args!("{m:#x}"),
            )?,
        }
    }
    for (kind, key, fmt) in [
        (IFLA_NUM_TX_QUEUES, "num_tx_queues", "numtxqueues {} "),
        (IFLA_NUM_RX_QUEUES, "num_rx_queues", "numrxqueues {} "),
        (IFLA_GSO_MAX_SIZE, "gso_max_size", "gso_max_size {} "),
        (IFLA_GSO_MAX_SEGS, "gso_max_segs", "gso_max_segs {} "),
        (IFLA_TSO_MAX_SIZE, "tso_max_size", "tso_max_size {} "),
        (IFLA_TSO_MAX_SEGS, "tso_max_segs", "tso_max_segs {} "),
        (IFLA_GRO_MAX_SIZE, "gro_max_size", "gro_max_size {} "),
        (
            IFLA_GSO_IPV4_MAX_SIZE,
            "gso_ipv4_max_size",
            "gso_ipv4_max_size {} ",
        ),
        (
            IFLA_GRO_IPV4_MAX_SIZE,
            "gro_ipv4_max_size",
            "gro_ipv4_max_size {} ",
        ),
    ] {
        if let Some(v) = u32_of(l, kind) {
            p.num(key, fmt, v)?;
        }
    }
    let text = |kind: u16| {
        l.other.get(kind).map(|v| {
            String::from_utf8_lossy(v.split(|&b| b == 0).next().unwrap_or(&[])).into_owned()
        })
    };
    let hex = |kind: u16| {
        l.other
            .get(kind)
            .map(|v| v.iter().map(|b| format!("{b:02x}")).collect::<String>())
    };
    if let Some(n) = text(IFLA_PHYS_PORT_NAME) {
        p.str("phys_port_name", "portname {} ", n)?;
    }
    if let Some(n) = hex(IFLA_PHYS_PORT_ID) {
        p.str("phys_port_id", "portid {} ", n)?;
    }
    if let Some(n) = hex(IFLA_PHYS_SWITCH_ID) {
        p.str("phys_switch_id", "switchid {} ", n)?;
    }
    if let Some(n) = text(IFLA_PARENT_DEV_BUS_NAME) {
        p.str("parentbus", "parentbus {} ", n)?;
    }
    if let Some(n) = text(IFLA_PARENT_DEV_NAME) {
        p.str("parentdev", "parentdev {} ", n)?;
    }
    Ok(())
}

/// `ll_addr_n2a`: a link-layer address as ip writes it; the IPv4 and
/// IPv6 tunnels' (ipip, sit, gre; ip6tnl, ip6gre) as IP addresses.
fn ll_addr(b: &[u8], link_type: u16) -> LlAddr<'_> {
    LlAddr(b, link_type)
}

/// A link-layer address and its link's type (`ARPHRD_*`), shown as
/// [`ll_addr`] says.
struct LlAddr<'a>(&'a [u8], u16);

impl std::fmt::Display for LlAddr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const ARPHRD_TUNNEL: u16 = 768;
        const ARPHRD_TUNNEL6: u16 = 769;
        const ARPHRD_SIT: u16 = 776;
        const ARPHRD_IPGRE: u16 = 778;
        const ARPHRD_IP6GRE: u16 = 823;
        let LlAddr(b, t) = *self;
        if let (Ok(a), ARPHRD_TUNNEL | ARPHRD_SIT | ARPHRD_IPGRE) = (<[u8; 4]>::try_from(b), t) {
            return std::fmt::Display::fmt(&std::net::Ipv4Addr::from(a), f);
        }
        if let (Ok(a), ARPHRD_TUNNEL6 | ARPHRD_IP6GRE) = (<[u8; 16]>::try_from(b), t) {
            return std::fmt::Display::fmt(&std::net::Ipv6Addr::from(a), f);
        }
        match nlwire::route::HwAddr::new(b) {
            Some(h) => std::fmt::Display::fmt(&h, f),
            None => Ok(()),
        }
    }
}

/// `print_linktype`: the kind and the port side, each with its settings
/// when ip has a printer for the kind.
fn print_linktype<W: Write>(
    p: &mut Printer<W>,
    li: &nlwire::route::linkinfo::LinkInfo<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> std::io::Result<()> {
    p.open_object(Some("linkinfo"))?;
    if let Some(kind) = li.kind {
        p.nl()?;
        p.str("info_kind", "    {} ", kind)?;
        if link_kinds::has_printer(kind) {
            p.open_object(Some("info_data"))?;
            if let Some(d) = li.data {
                link_kinds::print_data(p, kind, d, name_of)?;
            }
            p.close_object()?;
        }
    }
    if let Some(sk) = li.slave_kind {
        p.nl()?;
        p.str("info_slave_kind", "    {}_slave ", sk)?;
        if link_kinds::has_slave_printer(sk) {
            p.open_object(Some("info_slave_data"))?;
            if let Some(d) = li.slave_data {
                link_kinds::print_slave_data(p, sk, d, name_of)?;
            }
            p.close_object()?;
        }
    }
    p.close_object()
}
