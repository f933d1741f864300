//! The IP tunnels' settings under `-d`, as iproute2 writes them:
//! `gre_print_opt` of `ip/link_gre.c` (gre, gretap, erspan) and of
//! `ip/link_gre6.c` (ip6gre, ip6gretap, ip6erspan), `iptunnel_print_opt`
//! of `ip/link_iptnl.c` (ipip, sit), `ip6tunnel_print_opt` of
//! `ip/link_ip6tnl.c` (ip6tnl), with `tnl_print_endpoint` and
//! `tnl_print_encap` of `ip/tunnel.c`; and `geneve_print_opt` of
//! `ip/iplink_geneve.c` (current iproute2).
//!
//! The attribute numbers are the UAPI's (`linux/if_link.h`,
//! `linux/if_tunnel.h`, `linux/ip6_tunnel.h`), kept here until core's
//! `linkinfo` has them.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use nlwire::route::linkinfo::KindData;

use super::hex0x;
use crate::print::{Color, Json, Printer};

/// `IFLA_GRE_*` (`linux/if_tunnel.h`).
mod gre {
    pub const LINK: u16 = 1;
    pub const IFLAGS: u16 = 2;
    pub const OFLAGS: u16 = 3;
    pub const IKEY: u16 = 4;
    pub const OKEY: u16 = 5;
    pub const LOCAL: u16 = 6;
    pub const REMOTE: u16 = 7;
    pub const TTL: u16 = 8;
    pub const TOS: u16 = 9;
    pub const PMTUDISC: u16 = 10;
    pub const ENCAP_LIMIT: u16 = 11;
    pub const FLOWINFO: u16 = 12;
    pub const FLAGS: u16 = 13;
    pub const ENCAP_TYPE: u16 = 14;
    pub const ENCAP_FLAGS: u16 = 15;
    pub const ENCAP_SPORT: u16 = 16;
    pub const ENCAP_DPORT: u16 = 17;
    pub const COLLECT_METADATA: u16 = 18;
    pub const IGNORE_DF: u16 = 19;
    pub const FWMARK: u16 = 20;
    pub const ERSPAN_INDEX: u16 = 21;
    pub const ERSPAN_VER: u16 = 22;
    pub const ERSPAN_DIR: u16 = 23;
    pub const ERSPAN_HWID: u16 = 24;
    /// `GRE_CSUM`, `GRE_KEY`, `GRE_SEQ` of the (network-order) flags.
    pub const F_CSUM: u16 = 0x8000;
    pub const F_KEY: u16 = 0x2000;
    pub const F_SEQ: u16 = 0x1000;
    /// The four encapsulation attributes, for `encap`.
    pub const ENCAP: super::EncapAttrs = (ENCAP_TYPE, ENCAP_FLAGS, ENCAP_SPORT, ENCAP_DPORT);
}

/// `IFLA_IPTUN_*` (`linux/if_tunnel.h`).
mod iptun {
    pub const LINK: u16 = 1;
    pub const LOCAL: u16 = 2;
    pub const REMOTE: u16 = 3;
    pub const TTL: u16 = 4;
    pub const TOS: u16 = 5;
    pub const ENCAP_LIMIT: u16 = 6;
    pub const FLOWINFO: u16 = 7;
    pub const FLAGS: u16 = 8;
    pub const PROTO: u16 = 9;
    pub const PMTUDISC: u16 = 10;
    pub const SIXRD_PREFIX: u16 = 11;
    pub const SIXRD_RELAY_PREFIX: u16 = 12;
    pub const SIXRD_PREFIXLEN: u16 = 13;
    pub const SIXRD_RELAY_PREFIXLEN: u16 = 14;
    pub const ENCAP_TYPE: u16 = 15;
    pub const ENCAP_FLAGS: u16 = 16;
    pub const ENCAP_SPORT: u16 = 17;
    pub const ENCAP_DPORT: u16 = 18;
    pub const COLLECT_METADATA: u16 = 19;
    pub const FWMARK: u16 = 20;
    /// `SIT_ISATAP` of a sit's `FLAGS`.
    pub const SIT_ISATAP: u16 = 0x0001;
}

/// `IFLA_GENEVE_*` (`linux/if_link.h`).
mod geneve {
    pub const ID: u16 = 1;
    pub const REMOTE: u16 = 2;
    pub const TTL: u16 = 3;
    pub const TOS: u16 = 4;
    pub const PORT: u16 = 5;
    pub const COLLECT_METADATA: u16 = 6;
    pub const REMOTE6: u16 = 7;
    pub const UDP_CSUM: u16 = 8;
    pub const UDP_ZERO_CSUM6_TX: u16 = 9;
    pub const UDP_ZERO_CSUM6_RX: u16 = 10;
    pub const LABEL: u16 = 11;
    pub const TTL_INHERIT: u16 = 12;
    pub const DF: u16 = 13;
    pub const INNER_PROTO_INHERIT: u16 = 14;
    pub const LOCAL: u16 = 17;
    pub const LOCAL6: u16 = 18;
}

/// `IP6_TNL_F_*` (`linux/ip6_tunnel.h`): an IPv6 tunnel's flags.
const IGN_ENCAP_LIMIT: u32 = 0x1;
const USE_ORIG_TCLASS: u32 = 0x2;
const USE_ORIG_FLOWLABEL: u32 = 0x4;
const MIP6_DEV: u32 = 0x8;
const RCV_DSCP_COPY: u32 = 0x10;
const USE_ORIG_FWMARK: u32 = 0x20;
const ALLOW_LOCAL_REMOTE: u32 = 0x40;

/// `IPPROTO_*` of an ipip, sit or ip6tnl's inner protocol.
const IPPROTO_IPIP: u8 = 4;
const IPPROTO_IPV6: u8 = 41;
const IPPROTO_MPLS: u8 = 137;

/// The attributes the encapsulation (`tnl_print_encap`) is read from:
/// type, flags, source port, destination port.
type EncapAttrs = (u16, u16, u16, u16);

/// Whether `kind`'s settings are printed here.
pub fn has_printer(kind: &str) -> bool {
    matches!(
        kind,
        "gre"
            | "gretap"
            | "erspan"
            | "ip6gre"
            | "ip6gretap"
            | "ip6erspan"
            | "ipip"
            | "sit"
            | "ip6tnl"
            | "geneve"
    )
}

/// The `info_data` of a tunnel of `kind` (one [`has_printer`] names).
pub fn print_data<W: Write>(
    p: &mut Printer<W>,
    kind: &str,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    match kind {
        "gre" | "gretap" | "erspan" => print_gre(p, d, name_of),
        "ip6gre" | "ip6gretap" | "ip6erspan" => print_gre6(p, d, name_of),
        "ipip" | "sit" => print_iptun(p, d, name_of),
        "ip6tnl" => print_ip6tnl(p, d, name_of),
        "geneve" => print_geneve(p, d),
        _ => Ok(()),
    }
}

/// `print_bool(PRINT_ANY, key, text, v)`: a JSON boolean; `text` in text
/// whatever `v` is.
fn bool_any<W: Write>(p: &mut Printer<W>, key: &str, text: &str, v: bool) -> io::Result<()> {
    if p.is_json() {
        p.bool(key, "", v)
    } else {
        p.text(text)
    }
}

/// A native-endian `u32` from the first four bytes of an attribute, as
/// `rta_getattr_u32` reads it.
fn u32_at(d: &KindData<'_>, kind: u16) -> Option<u32> {
    let b = d.get(kind)?.get(..4)?;
    Some(u32::from_ne_bytes(b.try_into().ok()?))
}

/// A network-order `u32` from the first four bytes of an attribute.
fn be32_at(d: &KindData<'_>, kind: u16) -> Option<u32> {
    u32_at(d, kind).map(u32::from_be)
}

/// `tnl_print_endpoint`: `NAME ADDR ` (`any` when absent or unspecified,
/// `unknown` when not an address of `v6`'s family).
fn endpoint<W: Write>(
    p: &mut Printer<W>,
    name: &str,
    a: Option<&[u8]>,
    v6: bool,
) -> io::Result<()> {
    let value = match a {
        None => "any".to_string(),
        Some(b) => match super::addr_of(b) {
            Some(a) if a.is_ipv6() != v6 => "unknown".into(),
            Some(a) if a.is_unspecified() => "any".into(),
            Some(a) => a.to_string(),
            None => "unknown".into(),
        },
    };
    p.str(name, &format!("{name} {{}}"), value)?;
    p.text(" ")
}

/// `dev NAME ` of a tunnel's lower link, when it has one.
fn lower_link<W: Write>(
    p: &mut Printer<W>,
    link: Option<u32>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    if let Some(l) = link.filter(|&l| l != 0) {
        p.str("link", "dev {} ", name_of(l))?;
    }
    Ok(())
}

/// An IPv4 tunnel's `ttl N ` (`ttl inherit ` for 0 in text) and
/// `tos 0xN ` (`tos inherit ` for 1 in text; nothing for 0).
fn ttl_tos<W: Write>(p: &mut Printer<W>, ttl: u8, tos: u8) -> io::Result<()> {
    if p.is_json() || ttl != 0 {
        p.num("ttl", "ttl {} ", ttl)?;
    } else {
        p.text("ttl inherit ")?;
    }
    if tos != 0 {
        if p.is_json() || tos != 1 {
            p.str("tos", "tos {} ", hex0x(tos.into()))?;
        } else {
            p.text("tos inherit ")?;
        }
    }
    Ok(())
}

/// `fwmark 0xN ` when not 0.
fn fwmark<W: Write>(p: &mut Printer<W>, mark: Option<u32>) -> io::Result<()> {
    if let Some(m) = mark.filter(|&m| m != 0) {
        p.str("fwmark", "fwmark {} ", hex0x(m.into()))?;
    }
    Ok(())
}

/// The GRE keys (`ikey`/`okey`, as IPv4 addresses) and the sequence and
/// checksum flags, of both GRE printers.
fn gre_keys<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    let iflags = d.be16(gre::IFLAGS).unwrap_or(0);
    let oflags = d.be16(gre::OFLAGS).unwrap_or(0);
    for (flags, a, key) in [(iflags, gre::IKEY, "ikey"), (oflags, gre::OKEY, "okey")] {
        if flags & gre::F_KEY != 0
            && let Some(k) = d.get(a).and_then(|b| b.get(..4))
        {
            let k = Ipv4Addr::new(k[0], k[1], k[2], k[3]);
            p.str(key, &format!("{key} {{}} "), k)?;
        }
    }
    for (flags, bit, key) in [
        (iflags, gre::F_SEQ, "iseq"),
        (oflags, gre::F_SEQ, "oseq"),
        (iflags, gre::F_CSUM, "icsum"),
        (oflags, gre::F_CSUM, "ocsum"),
    ] {
        if flags & bit != 0 {
            p.bool(key, &format!("{key} "), true)?;
        }
    }
    Ok(())
}

/// The ERSPAN settings, of both GRE printers.
fn erspan<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    if let Some(i) = u32_at(d, gre::ERSPAN_INDEX) {
        p.num("erspan_index", "erspan_index {} ", i)?;
    }
    if let Some(v) = d.u8(gre::ERSPAN_VER) {
        p.num("erspan_ver", "erspan_ver {} ", v)?;
    }
    if let Some(dir) = d.u8(gre::ERSPAN_DIR) {
        let s = if dir == 0 { "ingress" } else { "egress" };
        p.str("erspan_dir", "erspan_dir {} ", s)?;
    }
    if let Some(h) = d.u16(gre::ERSPAN_HWID) {
        p.str("erspan_hwid", "erspan_hwid {} ", hex0x(h.into()))?;
    }
    Ok(())
}

/// `tnl_print_encap`: the FOU/GUE encapsulation, when there is one.
fn encap<W: Write>(p: &mut Printer<W>, d: &KindData<'_>, a: EncapAttrs) -> io::Result<()> {
    let (type_, flags, sport, dport) = a;
    let Some(t) = d.u16(type_).filter(|&t| t != 0) else {
        return Ok(());
    };
    let flags = d.u16(flags).unwrap_or(0);
    let sport = d.be16(sport).unwrap_or(0);
    let dport = d.be16(dport).unwrap_or(0);
    p.open_object(Some("encap"))?;
    p.text("encap ")?;
    match t {
        1 => p.str("type", "{} ", "fou")?,
        2 => p.str("type", "{} ", "gue")?,
        _ => p.null("type", "unknown ")?,
    }
    let (csum, csum6, remcsum) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
    if p.is_json() {
        p.json(Json::Num, Some("sport"), sport)?;
        p.json(Json::Num, Some("dport"), dport)?;
        p.bool("csum", "", csum)?;
        p.bool("csum6", "", csum6)?;
        p.bool("remcsum", "", remcsum)?;
        p.close_object()?;
    } else {
        // tnl_encap_str
        if sport == 0 {
            p.text("encap-sport auto ")?;
        } else {
            p.text_fmt("encap-sport {} ", sport)?;
        }
        p.text_fmt("encap-dport {} ", dport)?;
        for (on, name) in [(csum, "csum"), (csum6, "csum6"), (remcsum, "remcsum")] {
            p.text_fmt(
                "{}",
                format_args!("{}encap-{name} ", if on { "" } else { "no" }),
            )?;
        }
    }
    Ok(())
}

/// An IPv6 tunnel's `hoplimit`, `encaplimit`, `tclass`, `flowlabel` and
/// `dscp inherit` (of `ip/link_gre6.c` and `ip/link_ip6tnl.c`).
fn ip6_params<W: Write>(
    p: &mut Printer<W>,
    flags: u32,
    ttl: u8,
    encap_limit: Option<u8>,
    flowinfo: Option<u32>,
) -> io::Result<()> {
    if p.is_json() || ttl != 0 {
        p.num("ttl", "hoplimit {} ", ttl)?;
    } else {
        p.text("hoplimit inherit ")?;
    }
    if flags & IGN_ENCAP_LIMIT != 0 {
        p.bool("ip6_tnl_f_ign_encap_limit", "encaplimit none ", true)?;
    } else if let Some(l) = encap_limit {
        p.num("encap_limit", "encaplimit {} ", l)?;
    }
    if flags & USE_ORIG_TCLASS != 0 {
        p.bool("ip6_tnl_f_use_orig_tclass", "tclass inherit ", true)?;
    } else if let Some(f) = flowinfo {
        let tclass = (f & 0x0ff0_0000) >> 20;
        p.str("tclass", "tclass {} ", format_args!("0x{tclass:02x}"))?;
    }
    if flags & USE_ORIG_FLOWLABEL != 0 {
        p.bool("ip6_tnl_f_use_orig_flowlabel", "flowlabel inherit ", true)?;
    } else if let Some(f) = flowinfo {
        let label = f & 0x000f_ffff;
        p.str("flowlabel", "flowlabel {} ", format_args!("0x{label:05x}"))?;
    }
    if flags & RCV_DSCP_COPY != 0 {
        p.bool("ip6_tnl_f_rcv_dscp_copy", "dscp inherit ", true)?;
    }
    Ok(())
}

/// An IPv6 tunnel's `allow-localremote` and `fwmark` (`inherit`, or the
/// mark when not 0).
fn ip6_fwmark<W: Write>(p: &mut Printer<W>, flags: u32, mark: Option<u32>) -> io::Result<()> {
    if flags & ALLOW_LOCAL_REMOTE != 0 {
        p.bool("ip6_tnl_f_allow_local_remote", "allow-localremote ", true)?;
    }
    if flags & USE_ORIG_FWMARK != 0 {
        p.bool("ip6_tnl_f_use_orig_fwmark", "fwmark inherit ", true)
    } else {
        fwmark(p, mark)
    }
}

/// `gre_print_opt` of `ip/link_gre.c`: gre, gretap and erspan.
fn print_gre<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    if d.has(gre::COLLECT_METADATA) {
        p.bool("external", "external ", true)?;
    }
    endpoint(p, "remote", d.get(gre::REMOTE), false)?;
    endpoint(p, "local", d.get(gre::LOCAL), false)?;
    lower_link(p, u32_at(d, gre::LINK), name_of)?;
    ttl_tos(p, d.u8(gre::TTL).unwrap_or(0), d.u8(gre::TOS).unwrap_or(0))?;
    match d.u8(gre::PMTUDISC) {
        Some(0) => bool_any(p, "pmtudisc", "nopmtudisc ", false)?,
        Some(_) => p.json(Json::Num, Some("pmtudisc"), true)?,
        None => {}
    }
    if d.u8(gre::IGNORE_DF).is_some_and(|v| v != 0) {
        p.bool("ignore_df", "ignore-df ", true)?;
    }
    gre_keys(p, d)?;
    fwmark(p, u32_at(d, gre::FWMARK))?;
    erspan(p, d)?;
    encap(p, d, gre::ENCAP)
}

/// `gre_print_opt` of `ip/link_gre6.c`: ip6gre, ip6gretap and ip6erspan.
fn print_gre6<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    if d.has(gre::COLLECT_METADATA) {
        p.bool("external", "external ", true)?;
    }
    let flags = u32_at(d, gre::FLAGS).unwrap_or(0);
    endpoint(p, "remote", d.get(gre::REMOTE), true)?;
    endpoint(p, "local", d.get(gre::LOCAL), true)?;
    lower_link(p, u32_at(d, gre::LINK), name_of)?;
    ip6_params(
        p,
        flags,
        d.u8(gre::TTL).unwrap_or(0),
        d.u8(gre::ENCAP_LIMIT),
        d.has(gre::FLOWINFO)
            .then(|| be32_at(d, gre::FLOWINFO).unwrap_or(0)),
    )?;
    gre_keys(p, d)?;
    ip6_fwmark(p, flags, u32_at(d, gre::FWMARK))?;
    erspan(p, d)?;
    encap(p, d, gre::ENCAP)
}

/// `iptunnel_print_opt` of `ip/link_iptnl.c`: ipip and sit.
fn print_iptun<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    use iptun::*;
    if d.has(COLLECT_METADATA) {
        p.bool("external", "external ", true)?;
    }
    match d.u8(PROTO) {
        Some(IPPROTO_IPIP) => p.str("proto", "{} ", "ipip")?,
        Some(IPPROTO_IPV6) => p.str("proto", "{} ", "ip6ip")?,
        Some(IPPROTO_MPLS) => p.str("proto", "{} ", "mplsip")?,
        Some(0) => p.str("proto", "{} ", "any")?,
        _ => {}
    }
    endpoint(p, "remote", d.get(REMOTE), false)?;
    endpoint(p, "local", d.get(LOCAL), false)?;
    lower_link(p, u32_at(d, LINK), name_of)?;
    ttl_tos(p, d.u8(TTL).unwrap_or(0), d.u8(TOS).unwrap_or(0))?;
    if d.u8(PMTUDISC).is_some_and(|v| v != 0) {
        bool_any(p, "pmtudisc", "pmtudisc ", true)?;
    } else {
        bool_any(p, "pmtudisc", "nopmtudisc ", false)?;
    }
    if d.u16(FLAGS).is_some_and(|f| f & SIT_ISATAP != 0) {
        p.bool("isatap", "isatap ", true)?;
    }
    if let Some(len) = d.u16(SIXRD_PREFIXLEN).filter(|&l| l != 0) {
        let relay_len = d.u16(SIXRD_RELAY_PREFIXLEN).unwrap_or(0);
        let relay = d
            .get(SIXRD_RELAY_PREFIX)
            .and_then(|b| <[u8; 4]>::try_from(b.get(..4)?).ok())
            .map(Ipv4Addr::from)
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
        let prefix = d
            .get(SIXRD_PREFIX)
            .and_then(|b| <[u8; 16]>::try_from(b.get(..16)?).ok())
            .map(Ipv6Addr::from)
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
        if p.is_json() {
            p.json(Json::Str, Some("prefix"), prefix)?;
            p.json(Json::Num, Some("prefixlen"), len)?;
            if !relay.is_unspecified() {
                p.json(Json::Str, Some("relay_prefix"), relay)?;
                p.json(Json::Num, Some("relay_prefixlen"), relay_len)?;
            }
        } else {
            p.text_fmt("{}", format_args!("6rd-prefix {prefix}/{len} "))?;
            if !relay.is_unspecified() {
                p.text_fmt("{}", format_args!("6rd-relay_prefix {relay}/{relay_len} "))?;
            }
        }
    }
    fwmark(p, u32_at(d, FWMARK))?;
    encap(p, d, (ENCAP_TYPE, ENCAP_FLAGS, ENCAP_SPORT, ENCAP_DPORT))
}

/// `ip6tunnel_print_opt` of `ip/link_ip6tnl.c`.
fn print_ip6tnl<W: Write>(
    p: &mut Printer<W>,
    d: &KindData<'_>,
    name_of: &mut dyn FnMut(u32) -> String,
) -> io::Result<()> {
    use iptun::*;
    if d.has(COLLECT_METADATA) {
        p.bool("external", "external ", true)?;
    }
    let flags = u32_at(d, FLAGS).unwrap_or(0);
    match d.u8(PROTO) {
        Some(IPPROTO_IPIP) => p.str("proto", "{} ", "ipip6")?,
        Some(IPPROTO_IPV6) => p.str("proto", "{} ", "ip6ip6")?,
        Some(0) => p.str("proto", "{} ", "any")?,
        _ => {}
    }
    endpoint(p, "remote", d.get(REMOTE), true)?;
    endpoint(p, "local", d.get(LOCAL), true)?;
    lower_link(p, u32_at(d, LINK), name_of)?;
    ip6_params(
        p,
        flags,
        d.u8(TTL).unwrap_or(0),
        d.u8(ENCAP_LIMIT),
        d.has(FLOWINFO).then(|| be32_at(d, FLOWINFO).unwrap_or(0)),
    )?;
    if flags & MIP6_DEV != 0 {
        p.bool("ip6_tnl_f_mip6_dev", "mip6 ", true)?;
    }
    ip6_fwmark(p, flags, u32_at(d, FWMARK))?;
    encap(p, d, (ENCAP_TYPE, ENCAP_FLAGS, ENCAP_SPORT, ENCAP_DPORT))
}

/// `geneve_print_opt` of `ip/iplink_geneve.c`.
fn print_geneve<W: Write>(p: &mut Printer<W>, d: &KindData<'_>) -> io::Result<()> {
    use geneve::*;
    if d.has(COLLECT_METADATA) {
        p.bool("external", "external ", true)?;
    }
    if let Some(id) = u32_at(d, ID) {
        p.num("id", "id {} ", id)?;
    }
    if let Some(r) = d.get(REMOTE) {
        let a = r.get(..4).map_or(Ipv4Addr::UNSPECIFIED, |b| {
            Ipv4Addr::new(b[0], b[1], b[2], b[3])
        });
        if !a.is_unspecified() {
            p.str("remote", "remote {} ", a)?;
        }
    } else if let Some(a) = d.get(REMOTE6).and_then(v6_of) {
        if !a.is_unspecified() && !a.is_multicast() {
            p.str("remote6", "remote {} ", a)?;
        }
    }
    if let Some(l) = d.get(LOCAL) {
        let a = l.get(..4).map_or(Ipv4Addr::UNSPECIFIED, |b| {
            Ipv4Addr::new(b[0], b[1], b[2], b[3])
        });
        p.str_c(Some(Color::Inet), "local", "local {} ", a)?;
    } else if let Some(a) = d.get(LOCAL6).and_then(v6_of) {
        if !a.is_unspecified() {
            p.str_c(Some(Color::Inet6), "local6", "local {} ", a)?;
        }
    }
    super::udp_tunnel_ttl(p, d.u8(TTL_INHERIT).is_some_and(|v| v != 0), d.u8(TTL))?;
    super::udp_tunnel_tos(p, d.u8(TOS).unwrap_or(0))?;
    super::udp_tunnel_df(p, d.u8(DF))?;
    super::udp_tunnel_label(p, be32_at(d, LABEL))?;
    if let Some(port) = d.be16(PORT) {
        p.num("port", "dstport {} ", port)?;
    }
    for (a, key, word) in [
        (UDP_CSUM, "udp_csum", "udpcsum"),
        (UDP_ZERO_CSUM6_TX, "udp_zero_csum6_tx", "udp6zerocsumtx"),
        (UDP_ZERO_CSUM6_RX, "udp_zero_csum6_rx", "udp6zerocsumrx"),
    ] {
        if let Some(v) = d.u8(a) {
            if p.is_json() {
                p.bool(key, "", v != 0)?;
            } else {
                p.text_fmt(
                    "{}",
                    format_args!("{}{word} ", if v != 0 { "" } else { "no" }),
                )?;
            }
        }
    }
    if d.has(INNER_PROTO_INHERIT) {
        p.bool("inner_proto_inherit", "innerprotoinherit ", true)?;
    }
    Ok(())
}

/// The IPv6 address of a 16-byte attribute (`memcpy` of its start).
fn v6_of(b: &[u8]) -> Option<Ipv6Addr> {
    <[u8; 16]>::try_from(b.get(..16)?).ok().map(Ipv6Addr::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `IFLA_INFO_DATA` payload of `(type, value)` attributes.
    fn attrs(list: &[(u16, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (t, v) in list {
            let len = 4 + v.len();
            out.extend_from_slice(&(len as u16).to_ne_bytes());
            out.extend_from_slice(&t.to_ne_bytes());
            out.extend_from_slice(v);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        out
    }

    /// What `kind`'s printer writes for `data`, in text and in JSON.
    fn both(kind: &str, data: &[u8]) -> (String, String) {
        let d = KindData::new(data).unwrap();
        let run = |json| {
            let mut p = Printer::with_pretty(Vec::new(), json, false).unwrap();
            p.open_object(None).unwrap();
            print_data(&mut p, kind, &d, &mut |i| format!("if{i}")).unwrap();
            p.close_object().unwrap();
            String::from_utf8(p.finish().unwrap()).unwrap()
        };
        (run(false), run(true))
    }

    /// A gre with keys, flags, a lower link and FOU, text and JSON.
    #[test]
    fn gre_as_ip_writes_it() {
        let data = attrs(&[
            (gre::LINK, &3u32.to_ne_bytes()),
            (gre::IFLAGS, &0xa000u16.to_be_bytes()),
            (gre::OFLAGS, &0x3000u16.to_be_bytes()),
            (gre::IKEY, &[0, 0, 0, 42]),
            (gre::OKEY, &[0, 0, 1, 0]),
            (gre::LOCAL, &[192, 0, 2, 1]),
            (gre::REMOTE, &[0, 0, 0, 0]),
            (gre::TTL, &[0]),
            (gre::TOS, &[1]),
            (gre::PMTUDISC, &[0]),
            (gre::IGNORE_DF, &[1]),
            (gre::FWMARK, &7u32.to_ne_bytes()),
            (gre::ENCAP_TYPE, &1u16.to_ne_bytes()),
            (gre::ENCAP_FLAGS, &1u16.to_ne_bytes()),
            (gre::ENCAP_SPORT, &0u16.to_be_bytes()),
            (gre::ENCAP_DPORT, &5555u16.to_be_bytes()),
        ]);
        let (text, json) = both("gre", &data);
        assert_eq!(
            text,
            "remote any local 192.0.2.1 dev if3 ttl inherit tos inherit nopmtudisc \
             ignore-df ikey 0.0.0.42 okey 0.0.1.0 oseq icsum fwmark 0x7 encap fou \
             encap-sport auto encap-dport 5555 encap-csum noencap-csum6 noencap-remcsum "
        );
        assert_eq!(
            json,
            "[{\"remote\":\"any\",\"local\":\"192.0.2.1\",\"link\":\"if3\",\"ttl\":0,\
             \"tos\":\"0x1\",\"pmtudisc\":false,\"ignore_df\":true,\"ikey\":\"0.0.0.42\",\
             \"okey\":\"0.0.1.0\",\"oseq\":true,\"icsum\":true,\"fwmark\":\"0x7\",\
             \"encap\":{\"type\":\"fou\",\"sport\":0,\"dport\":5555,\"csum\":true,\
             \"csum6\":false,\"remcsum\":false}}]\n"
        );
    }

    /// An ip6tnl's flow information and IPv6 flags, text and JSON.
    #[test]
    fn ip6tnl_as_ip_writes_it() {
        let mut remote = [0u8; 16];
        remote[0] = 0x20;
        remote[1] = 0x01;
        remote[15] = 2;
        let data = attrs(&[
            (iptun::LOCAL, &[0; 16]),
            (iptun::REMOTE, &remote),
            (iptun::TTL, &[64]),
            (iptun::ENCAP_LIMIT, &[4]),
            (iptun::FLOWINFO, &0x0a1_2345u32.to_be_bytes()),
            (iptun::FLAGS, &(USE_ORIG_FLOWLABEL | MIP6_DEV).to_ne_bytes()),
            (iptun::PROTO, &[41]),
        ]);
        let (text, json) = both("ip6tnl", &data);
        assert_eq!(
            text,
            "ip6ip6 remote 2001::2 local any hoplimit 64 encaplimit 4 tclass 0x0a \
             flowlabel inherit mip6 "
        );
        assert_eq!(
            json,
            "[{\"proto\":\"ip6ip6\",\"remote\":\"2001::2\",\"local\":\"any\",\"ttl\":64,\
             \"encap_limit\":4,\"tclass\":\"0x0a\",\"ip6_tnl_f_use_orig_flowlabel\":true,\
             \"ip6_tnl_f_mip6_dev\":true}]\n"
        );
    }

    /// A sit's 6rd prefixes and isatap, and a geneve's settings.
    #[test]
    fn sit_6rd_and_geneve_as_ip_writes_them() {
        let mut prefix = [0u8; 16];
        prefix[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        let data = attrs(&[
            (iptun::TTL, &[0]),
            (iptun::PMTUDISC, &[1]),
            (iptun::FLAGS, &iptun::SIT_ISATAP.to_ne_bytes()),
            (iptun::SIXRD_PREFIX, &prefix),
            (iptun::SIXRD_RELAY_PREFIX, &[10, 0, 0, 0]),
            (iptun::SIXRD_PREFIXLEN, &32u16.to_ne_bytes()),
            (iptun::SIXRD_RELAY_PREFIXLEN, &8u16.to_ne_bytes()),
        ]);
        let (text, _) = both("sit", &data);
        assert_eq!(
            text,
            "remote any local any ttl inherit pmtudisc isatap 6rd-prefix 2001:db8::/32 \
             6rd-relay_prefix 10.0.0.0/8 "
        );
        let data = attrs(&[
            (geneve::ID, &5u32.to_ne_bytes()),
            (geneve::REMOTE, &[192, 0, 2, 9]),
            (geneve::TTL, &[0]),
            (geneve::TOS, &[0x10]),
            (geneve::DF, &[0]),
            (geneve::LABEL, &0x123u32.to_be_bytes()),
            (geneve::PORT, &6081u16.to_be_bytes()),
            (geneve::UDP_CSUM, &[0]),
        ]);
        let (text, json) = both("geneve", &data);
        assert_eq!(
            text,
            "id 5 remote 192.0.2.9 ttl auto tos 0x10 flowlabel 0x123 dstport 6081 noudpcsum "
        );
        assert_eq!(
            json,
            "[{\"id\":5,\"remote\":\"192.0.2.9\",\"ttl\":0,\"tos\":\"0x10\",\"df\":\"unset\",\
             \"label\":\"0x123\",\"port\":6081,\"udp_csum\":false}]\n"
        );
    }
}
