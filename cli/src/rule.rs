//! `rule show [SELECTOR…]`: the rules of one family, filtered and printed
//! as iproute2's `ip/iprule.c` does (`filter_nlmsg`, `print_rule`).

use std::io::Write;
use std::net::IpAddr;

use nlwire::route::rule::{
    FIB_RULE_IIF_DETACHED, FIB_RULE_INVERT, FIB_RULE_OIF_DETACHED, FIB_RULE_UNRESOLVED,
    FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_TO_TBL,
};
use nlwire::route::{AF_INET, AF_INET6, GetRules, Rule};
use nlwire_mio::Connection;

use crate::args::prefix_of as parse_prefix_of;
use crate::print::{Color, Printer};
use crate::{Fail, Opts, matches, names};

/// `RTPROT_KERNEL`: rules the kernel installs; ip hides their protocol.
const RTPROT_KERNEL: u8 = 2;

/// What `rule show` selects (iproute2's `filter`); `None` is "any".
#[derive(Default)]
struct Filter {
    pref: Option<u32>,
    not: bool,
    tos: Option<u8>,
    fwmark: u32,
    fwmask: u32,
    iif: Option<String>,
    oif: Option<String>,
    l3mdev: bool,
    uid_range: Option<(u32, u32)>,
    table: u32,
    src: Option<(IpAddr, u8)>,
    dst: Option<(IpAddr, u8)>,
    protocol: Option<u8>,
    ip_proto: Option<u8>,
    sport: Option<(u16, u16)>,
    dport: Option<(u16, u16)>,
}

/// ip's `invarg`: its message (most of ip's own end in a newline, which
/// it prints before its line's), and exit code 255.
fn invarg(msg: &str, arg: &str) -> Fail {
    Fail(format!("Error: argument \"{arg}\" is wrong: {msg}"), 255)
}

/// A number as iproute2's `get_u32(…, 0)` reads it: decimal, `0x` hex or
/// leading-`0` octal.
pub fn parse_u32(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// `PORT` or `START-END` (a mask is not supported by nlw).
fn port_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

/// The IP protocols of `/etc/protocols`, as ip reads them (through
/// `getprotobyname`/`getprotobynumber`): the first name of each number, and
/// every name and alias.
fn ip_protocols() -> &'static [(u8, Vec<String>)] {
    static P: std::sync::OnceLock<Vec<(u8, Vec<String>)>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let text = std::fs::read_to_string("/etc/protocols").unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let l = l.split('#').next()?;
                let mut w = l.split_whitespace();
                let name = w.next()?.to_string();
                let n: u8 = w.next()?.parse().ok()?;
                let mut names = vec![name];
                names.extend(w.map(String::from));
                Some((n, names))
            })
            .collect()
    })
}

/// `inet_proto_a2n`: a name from `/etc/protocols`, or a number.
fn ip_proto_number(s: &str) -> Option<u8> {
    ip_protocols()
        .iter()
        .find(|(_, names)| names.iter().any(|n| n == s))
        .map(|(n, _)| *n)
        .or_else(|| parse_u32(s).and_then(|n| u8::try_from(n).ok()))
}

/// `inet_proto_n2a`: the name from `/etc/protocols`, or `ipproto-N`.
fn ip_proto_name(p: u8) -> String {
    ip_protocols()
        .iter()
        .find(|(n, _)| *n == p)
        .map_or_else(|| format!("ipproto-{p}"), |(_, names)| names[0].clone())
}

/// The value after a keyword (ip's `NEXT_ARG`).
fn need(v: Option<&str>) -> Result<&str, Fail> {
    v.ok_or_else(|| {
        Fail(
            "Command line is not complete. Try option \"help\"".into(),
            255,
        )
    })
}

fn parse_filter(args: &[String], fam: u8) -> Result<Filter, Fail> {
    let mut f = Filter::default();
    let mut it = args.iter().map(String::as_str);
    while let Some(a) = it.next() {
        if matches(a, "preference") || matches(a, "order") || matches(a, "priority") {
            let v = need(it.next())?;
            f.pref = Some(parse_u32(v).ok_or_else(|| invarg("preference value is invalid\n", v))?);
        } else if a == "not" {
            f.not = true;
        } else if a == "tos" || a == "dsfield" {
            let v = need(it.next())?;
            let t = parse_u32(v)
                .filter(|&t| t <= 0xff)
                .ok_or_else(|| invarg("TOS value is invalid\n", v))?;
            f.tos = Some(t as u8);
        } else if a == "fwmark" {
            let v = need(it.next())?;
            let (m, mask) = match v.split_once('/') {
                Some((m, k)) => (m, Some(k)),
                None => (v, None),
            };
            f.fwmark = parse_u32(m).ok_or_else(|| invarg("fwmark value is invalid\n", m))?;
            if let Some(k) = mask {
                f.fwmask = parse_u32(k).ok_or_else(|| invarg("fwmask value is invalid\n", k))?;
            }
        } else if a == "dev" || a == "iif" {
            let v = need(it.next())?;
            nlwire::route::validate_ifname(v)
                .map_err(|_| invarg("\"iif\"/\"dev\" not a valid ifname", v))?;
            f.iif = Some(v.to_string());
        } else if a == "oif" {
            let v = need(it.next())?;
            nlwire::route::validate_ifname(v)
                .map_err(|_| invarg("\"oif\" not a valid ifname", v))?;
            f.oif = Some(v.to_string());
        } else if a == "l3mdev" {
            f.l3mdev = true;
        } else if a == "uidrange" {
            let v = need(it.next())?;
            let r = v
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| invarg("invalid UID range\n", v))?;
            f.uid_range = Some(r);
        } else if matches(a, "lookup") || matches(a, "table") {
            let v = need(it.next())?;
            f.table = match names::parse_table(v) {
                Ok(Some(t)) => t,
                _ => return Err(invarg("table id value is invalid\n", v)),
            };
        } else if matches(a, "from") || matches(a, "src") {
            let v = need(it.next())?;
            f.src = Some(prefix(v, fam)?);
        } else if matches(a, "protocol") {
            let v = need(it.next())?;
            f.protocol = match names::parse_protocol(v) {
                Some(p) => Some(p),
                None if v == "all" => None,
                None => return Err(invarg("invalid \"protocol\"\n", v)),
            };
        } else if a == "ipproto" {
            let v = need(it.next())?;
            let p = ip_proto_number(v);
            f.ip_proto = Some(p.ok_or_else(|| invarg("Invalid \"ipproto\" value\n", v))?);
        } else if a == "sport" || a == "dport" {
            let v = need(it.next())?;
            let r = port_range(v).ok_or_else(|| invarg("invalid port", v))?;
            if a == "sport" {
                f.sport = Some(r);
            } else {
                f.dport = Some(r);
            }
        } else if matches!(a, "tun_id" | "dscp" | "flowlabel") {
            return Err(Fail(
                format!("Error: the rule selector \"{a}\" is not supported by nlw."),
                255,
            ));
        } else {
            let v = if matches(a, "dst") || matches(a, "to") {
                need(it.next())?
            } else {
                a
            };
            f.dst = Some(prefix(v, fam)?);
        }
    }
    Ok(f)
}

/// `PREFIX`, `all`/`default`/`any` (length 0) of family `fam`; an error
/// as iproute2's `get_prefix` words it (exit code 1).
pub fn prefix(s: &str, fam: u8) -> Result<(IpAddr, u8), Fail> {
    if matches!(s, "all" | "default" | "any") {
        let v6 = fam == AF_INET6;
        return Ok((
            if v6 {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
            },
            0,
        ));
    }
    parse_prefix_of(s, Some(fam)).map_err(|_| {
        let name = if fam == AF_INET6 { "inet6" } else { "inet" };
        Fail(
            format!("Error: {name} prefix is expected rather than \"{s}\"."),
            1,
        )
    })
}

/// Whether `a` is inside `net/len` (the first `len` bits equal).
pub fn prefix_match(a: IpAddr, net: IpAddr, len: u8) -> bool {
    let bits = |x: IpAddr| match x {
        IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    };
    let ((a, alen), (n, nlen)) = (bits(a), bits(net));
    if alen != nlen {
        return false;
    }
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    a & mask == n & mask
}

impl Filter {
    /// iproute2's `filter_nlmsg` for one rule.
    fn keeps(&self, r: &Rule) -> bool {
        let side = |f: Option<(IpAddr, u8)>, have: Option<(IpAddr, u8)>, have_len: u8| match f {
            None => true,
            Some((net, len)) => {
                let fam_ok = nlwire::route::family_of(&net) == r.family;
                fam_ok
                    && len <= have_len
                    && have.is_none_or(|(a, _)| len == 0 || prefix_match(a, net, len))
            }
        };
        let src_len = r.src.map_or(0, |s| s.1);
        let dst_len = r.dst.map_or(0, |d| d.1);
        self.pref.is_none_or(|p| p == r.priority.unwrap_or(0))
            && (!self.not || r.flags & FIB_RULE_INVERT != 0)
            && side(self.src, r.src, src_len)
            && side(self.dst, r.dst, dst_len)
            && self.tos.is_none_or(|t| t == r.tos)
            && (self.fwmark == 0 || self.fwmark == r.fwmark.unwrap_or(0))
            && (self.fwmask == 0 || self.fwmask == r.fwmask.unwrap_or(0))
            && self
                .iif
                .as_deref()
                .is_none_or(|i| r.iif.as_deref() == Some(i))
            && self
                .oif
                .as_deref()
                .is_none_or(|i| r.oif.as_deref() == Some(i))
            && (!self.l3mdev || r.l3mdev)
            && self.uid_range.is_none_or(|u| r.uid_range == Some(u))
            && self.ip_proto.is_none_or(|p| p == r.ip_proto.unwrap_or(0))
            && self.sport.is_none_or(|p| r.sport == Some(p))
            && self.dport.is_none_or(|p| r.dport == Some(p))
            && self.protocol.is_none_or(|p| r.protocol == Some(p))
            && (self.table == 0 || self.table == r.table)
    }
}

/// A hex value as C's `%#x` prints it (`0` for zero).
fn hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// `rule show`/`list` with ip's selectors.
pub fn show(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let fam = o.family.unwrap_or(AF_INET);
    let filter = parse_filter(args, fam)?;
    let mut p = Printer::for_opts(&mut *out, o)?;
    for r in crate::as_ip(conn.dump(GetRules::family(fam))) {
        let r: Rule = r?;
        if filter.keeps(&r) {
            print_rule(&mut p, &r, false)?;
        }
    }
    p.finish()?;
    Ok(())
}

/// `rule flush [SELECTORS]`: deletes the rules `rule show SELECTORS`
/// lists, except the priority-0 one (ip deletes only rules that have a
/// priority attribute).
pub fn flush(conn: &mut Connection, o: &Opts, args: &[String]) -> Result<(), Fail> {
    let fam = o.family.unwrap_or(AF_INET);
    let filter = parse_filter(args, fam)?;
    crate::flush::round(
        conn,
        GetRules::family(fam),
        nlwire::route::RTM_DELRULE,
        |r: &Rule| filter.keeps(r) && r.priority.is_some(),
        &[nlwire::Errno::ENOENT],
    )?;
    Ok(())
}

/// One rule as `print_rule` writes it (`deleted` for monitor events).
pub fn print_rule<W: Write>(p: &mut Printer<W>, r: &Rule, deleted: bool) -> std::io::Result<()> {
    let host_len = if r.family == AF_INET6 { 128 } else { 32 };
    p.open_object(None)?;
    if deleted {
        p.bool("deleted", "Deleted ", true)?;
    }
    p.num("priority", "{}:\t", r.priority.unwrap_or(0))?;
    if r.flags & FIB_RULE_INVERT != 0 {
        p.null("not", "not ")?;
    }
    match r.src {
        Some((a, l)) => {
            p.text("from ")?;
            p.str_c(Color::of_family(r.family), "src", "{}", a)?;
            if l != host_len {
                p.num("srclen", "/{}", l)?;
            }
        }
        None => p.str("src", "from {}", "all")?,
    }
    if let Some((a, l)) = r.dst {
        p.text(" to ")?;
        p.str_c(Color::of_family(r.family), "dst", "{}", a)?;
        if l != host_len {
            p.num("dstlen", "/{}", l)?;
        }
    }
    if r.tos != 0 {
        p.str("tos", " tos {}", format_args!("{:#04x}", r.tos))?;
    }
    if r.fwmark.is_some() || r.fwmask.is_some() {
        p.str("fwmark", " fwmark {}", hex(r.fwmark.unwrap_or(0)))?;
        if let Some(m) = r.fwmask.filter(|&m| m != u32::MAX) {
            p.str("fwmask", "/{}", hex(m))?;
        }
    }
    if let Some(i) = &r.iif {
        p.text(" iif ")?;
        p.str_c(Some(Color::Ifname), "iif", "{}", i)?;
        if r.flags & FIB_RULE_IIF_DETACHED != 0 {
            p.null("iif_detached", " [detached]")?;
        }
    }
    if let Some(i) = &r.oif {
        p.text(" oif ")?;
        p.str_c(Some(Color::Ifname), "oif", "{}", i)?;
        if r.flags & FIB_RULE_OIF_DETACHED != 0 {
            p.null("oif_detached", " [detached]")?;
        }
    }
    if r.l3mdev {
        p.null("l3mdev", " lookup [l3mdev-table]")?;
    }
    if let Some((a, b)) = r.uid_range {
        p.num("uid_start", " uidrange {}", a)?;
        p.num("uid_end", "-{}", b)?;
    }
    if let Some(ip) = r.ip_proto {
        p.str("ipproto", " ipproto {}", ip_proto_name(ip))?;
    }
    for (key, range) in [("sport", r.sport), ("dport", r.dport)] {
        match range {
            Some((a, b)) if a == b => p.num(key, &format!(" {key} {{}}"), a)?,
            Some((a, b)) => {
                p.num(&format!("{key}_start"), &format!(" {key} {{}}"), a)?;
                p.num(&format!("{key}_end"), "-{}", b)?;
            }
            None => {}
        }
    }
    if r.table != 0 {
        p.str("table", " lookup {}", names::table(r.table))?;
        if let Some(pl) = r.suppress_prefixlen.filter(|&pl| pl != -1) {
            p.num("suppress_prefixlen", " suppress_prefixlength {}", pl)?;
        }
    }
    match r.action {
        FR_ACT_GOTO => {
            match r.goto {
                Some(g) => p.num("goto", " goto {}", g)?,
                None => p.str("goto", " goto {}", "none")?,
            }
            if r.flags & FIB_RULE_UNRESOLVED != 0 {
                p.null("unresolved", " [unresolved]")?;
            }
        }
        FR_ACT_NOP => p.null("nop", " nop")?,
        FR_ACT_TO_TBL => {}
        a => p.str("action", " {}", names::route_type(a))?,
    }
    // With -d every protocol, kernel's and unspec included (iprule.c).
    if let Some(proto) = r
        .protocol
        .filter(|&x| (x != 0 && x != RTPROT_KERNEL) || p.details > 0)
    {
        p.str("protocol", " proto {}", names::protocol(proto))?;
    }
    p.close_object()?;
    p.end_record()
}

/// `rule add|del …` as iproute2's `iprule_modify` reads it.
pub fn modify<'a>(
    cmd: &str,
    args: &'a [String],
    family: Option<u8>,
) -> Result<nlwire::route::RuleRequest<'a>, Fail> {
    use crate::args::{Argv, get_prefix, get_u32};
    use nlwire::route::RuleRequest;
    let add = cmd == "add";
    if args.is_empty() {
        return Err(Fail(
            format!(
                "\"nlw rule {}\" requires arguments.",
                if add { "add" } else { "del" }
            ),
            1,
        ));
    }
    // ip keeps the family of -4/-6 (IPv4 without): a prefix of the other
    // family is then refused by the kernel.
    let fam = family.unwrap_or(AF_INET);
    let mut r = if add {
        RuleRequest::add(fam == AF_INET6)
    } else {
        RuleRequest::delete(fam == AF_INET6)
    };
    let mut a = Argv::new(args);
    let wrong_family = |what: &str| Fail(format!("Error: Invalid {what} address."), 2);
    while let Some(t) = a.next() {
        let m = |w: &str| matches(t, w);
        if t == "not" {
            r = r.invert();
        } else if t == "from" || t == "to" {
            let p = get_prefix(a.need()?, family)?;
            if p.keyword {
                continue;
            }
            if p.family != Some(fam) {
                return Err(wrong_family(if t == "from" { "source" } else { "dst" }));
            }
            r = if t == "from" {
                r.from(p.addr, p.len)?
            } else {
                r.to(p.addr, p.len)?
            };
        } else if m("preference") || m("order") || m("priority") {
            let v = a.need()?;
            r = r.priority(get_u32(v).ok_or_else(|| invarg("preference value is invalid\n", v))?);
        } else if t == "tos" || m("dsfield") {
            let v = a.need()?;
            let x = get_u32(v)
                .filter(|&n| n <= 255)
                .ok_or_else(|| invarg("TOS value is invalid\n", v))?;
            r = r.tos(x as u8);
        } else if t == "fwmark" {
            let v = a.need()?;
            let (mk, mask) = match v.split_once('/') {
                Some((m, k)) => (m, Some(k)),
                None => (v, None),
            };
            let mark = get_u32(mk).ok_or_else(|| invarg("fwmark value is invalid\n", mk))?;
            let mask = match mask {
                Some(k) => Some(get_u32(k).ok_or_else(|| invarg("fwmask value is invalid\n", k))?),
                None => None,
            };
            r = r.fwmark(mark, mask);
        } else if m("realms") {
            let v = a.need()?;
            let (f, to) = match v.split_once('/') {
                Some((f, t)) => (get_u32(f), get_u32(t)),
                None => (Some(0), get_u32(v)),
            };
            let (Some(f), Some(to)) = (f, to) else {
                return Err(invarg("invalid realms\n", v));
            };
            r = r.realms((f << 16) | to);
        } else if m("protocol") {
            let v = a.need()?;
            r = r.protocol(
                names::parse_protocol(v)
                    .ok_or_else(|| invarg("\"protocol\" value is invalid\n", v))?,
            );
        } else if m("table") || t == "lookup" {
            let v = a.need()?;
            r = match names::parse_table(v) {
                Ok(Some(t)) => r.table(t),
                _ => return Err(invarg("invalid table ID\n", v)),
            };
        } else if m("suppress_prefixlength") || t == "sup_pl" {
            let v = a.need()?;
            let n = get_u32(v)
                .filter(|&n| n <= i32::MAX as u32)
                .ok_or_else(|| invarg("suppress_prefixlength value is invalid\n", v))?;
            r = r.suppress_prefixlen(n as i32);
        } else if m("suppress_ifgroup") || t == "sup_group" {
            let v = a.need()?;
            let g = if v == "default" { Some(0) } else { get_u32(v) };
            r = r.suppress_ifgroup(
                g.ok_or_else(|| invarg("Invalid \"suppress_ifgroup\" value\n", v))?,
            );
        } else if t == "dev" || t == "iif" {
            let v = a.need()?;
            r = r
                .iif(v)
                .map_err(|_| invarg("\"iif\"/\"dev\" not a valid ifname", v))?;
        } else if t == "oif" {
            let v = a.need()?;
            r = r
                .oif(v)
                .map_err(|_| invarg("\"oif\" not a valid ifname", v))?;
        } else if t == "l3mdev" {
            r = r.l3mdev();
        } else if t == "uidrange" {
            let v = a.need()?;
            let (x, y) = v
                .split_once('-')
                .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
                .ok_or_else(|| invarg("invalid UID range\n", v))?;
            r = r.uid_range(x, y);
        } else if t == "ipproto" {
            let v = a.need()?;
            let p = ip_proto_number(v).ok_or_else(|| invarg("Invalid \"ipproto\" value\n", v))?;
            r = r.ip_proto(p);
        } else if t == "sport" || t == "dport" {
            let v = a.need()?;
            let (x, y) = port_range(v).ok_or_else(|| invarg("invalid port", v))?;
            r = if t == "sport" {
                r.sport(x, y)
            } else {
                r.dport(x, y)
            };
        } else if matches!(t, "nat" | "dscp" | "flowlabel") || m("map-to") || m("tun_id") {
            return Err(Fail(
                format!("Error: the rule selector \"{t}\" is not supported by nlw."),
                255,
            ));
        } else {
            let w = if t == "type" { a.need()? } else { t };
            if matches(w, "help") {
                return Err(crate::usage_err(""));
            } else if matches(w, "goto") {
                let v = a.need()?;
                r = r.goto(get_u32(v).ok_or_else(|| invarg("invalid target\n", v))?);
            } else if matches(w, "nop") {
                r = r.action(nlwire::route::rule::FR_ACT_NOP);
            } else {
                let k = names::parse_route_type(w)
                    .ok_or_else(|| invarg("Failed to parse rule type", w))?;
                r = r.action(k);
            }
        }
    }
    Ok(r)
}
