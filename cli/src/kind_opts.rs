//! The options of `ip link add … type KIND` for the kinds with many:
//! IP tunnels (iproute2's `ip/link_gre.c`, `link_gre6.c`, `link_iptnl.c`,
//! `link_ip6tnl.c`), GENEVE (`iplink_geneve.c`), VXLAN (`iplink_vxlan.c`),
//! bonds (`iplink_bond.c`), bridges (`iplink_bridge.c`), bridge and bond
//! ports (`iplink_bridge_slave.c`, `iplink_bond_slave.c`) and VRFs
//! (`iplink_vrf.c`): the same words, the
//! same defaults sent, the same messages and exit codes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nlwire::route::kinds::{
    GRE_CSUM, GRE_SEQ, IP6_TNL_F_ALLOW_LOCAL_REMOTE, IP6_TNL_F_IGN_ENCAP_LIMIT,
    IP6_TNL_F_RCV_DSCP_COPY, IP6_TNL_F_USE_ORIG_FLOWLABEL, IP6_TNL_F_USE_ORIG_FWMARK,
    IP6_TNL_F_USE_ORIG_TCLASS, SIT_ISATAP,
};
use nlwire::route::{
    AF_INET, AF_INET6, Bond, BondMode, BondPort, BoolOpts, Bridge, BridgePort, EtherType, Geneve,
    Table, Tunnel, TunnelEncap, TunnelKind, Vxlan,
};

use crate::Fail;
use crate::args::{Argv, fail1, get_addr, get_u32, invarg};
use crate::matches;

/// Looks a device name up: its index, or ip's "Cannot find device".
pub type Dev<'x> = &'x mut dyn FnMut(&str) -> Result<u32, Fail>;

fn get_u8(s: &str) -> Option<u8> {
    get_u32(s).and_then(|n| u8::try_from(n).ok())
}

fn get_u16(s: &str) -> Option<u16> {
    get_u32(s).and_then(|n| u16::try_from(n).ok())
}

/// `rtnl_dsfield_a2n`: a TOS byte, in hex with or without `0x`.
fn dsfield(s: &str) -> Option<u8> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u32::from_str_radix(h, 16)
        .ok()
        .and_then(|n| u8::try_from(n).ok())
}

/// `tnl_parse_key`: a dotted quad (`get_addr32`, which takes ip's short
/// forms such as `1.2.3`) or a number.
fn tnl_key(what: &str, s: &str) -> Result<u32, Fail> {
    if s.contains('.') {
        return match get_addr(s, Some(AF_INET)) {
            Ok(IpAddr::V4(a)) => Ok(u32::from(a)),
            _ => Err(fail1(format!(
                "Error: an IP address is expected rather than \"{s}\""
            ))),
        };
    }
    get_u32(s).ok_or_else(|| {
        Fail(
            format!("invalid value for \"{what}\": \"{s}\"; it should be an unsigned integer"),
            255,
        )
    })
}

/// The tunnel kind of an `IFLA_INFO_KIND`, for the kinds nlw writes.
pub fn tunnel_kind(kind: &str) -> Option<TunnelKind> {
    Some(match kind {
        "gre" => TunnelKind::Gre,
        "gretap" => TunnelKind::Gretap,
        "ip6gre" => TunnelKind::Ip6gre,
        "ip6gretap" => TunnelKind::Ip6gretap,
        "ipip" => TunnelKind::Ipip,
        "sit" => TunnelKind::Sit,
        "ip6tnl" => TunnelKind::Ip6tnl,
        _ => return None,
    })
}

/// The encapsulation words shared by every tunnel parser; `true` when `t`
/// was one of them.
fn encap_word(t: &str, a: &mut Argv<'_>, e: &mut TunnelEncap) -> Result<bool, Fail> {
    match t {
        "noencap" => e.kind = 0,
        "encap" => {
            let v = a.need()?;
            e.kind = match v {
                "fou" => 1,
                "gue" => 2,
                "none" => 0,
                _ => return Err(invarg("Invalid encap type.", v)),
            }
        }
        "encap-sport" => {
            let v = a.need()?;
            e.sport = if v == "auto" {
                0
            } else {
                get_u16(v).ok_or_else(|| invarg("Invalid source port.", v))?
            };
        }
        "encap-dport" => {
            let v = a.need()?;
            e.dport = get_u16(v).ok_or_else(|| invarg("Invalid destination port.", v))?;
        }
        "encap-csum" => e.flags |= 1,
        "noencap-csum" => e.flags &= !1,
        "encap-udp6-csum" => e.flags |= 2,
        "noencap-udp6-csum" => e.flags &= !2,
        "encap-remcsum" => e.flags |= 4,
        "noencap-remcsum" => e.flags &= !4,
        _ => return Ok(false),
    }
    Ok(true)
}

/// ip's tunnel usage goes to stderr with exit 1 for an unknown word.
fn tunnel_garbage(kind: TunnelKind, w: &str) -> Fail {
    let _ = w;
    fail1(format!(
        "Usage: ... {} [ options ]\n(nlw: unknown {} option \"{w}\")",
        kind.name(),
        kind.name()
    ))
}

/// `ip link add NAME type gre|gretap|ip6gre|ip6gretap|ipip|sit|ip6tnl
/// OPTIONS`: every attribute ip sends on creation, with ip's defaults.
pub fn tunnel(kind: TunnelKind, rest: &[String], dev: Dev<'_>) -> Result<Tunnel, Fail> {
    let v6 = kind.is_ipv6();
    let fam = Some(if v6 { AF_INET6 } else { AF_INET });
    let mut t = Tunnel::new(kind);
    let mut e = TunnelEncap {
        flags: if v6 { 2 } else { 0 },
        ..TunnelEncap::default()
    };
    let (mut ikey, mut okey) = (None::<u32>, None::<u32>);
    let mut ttl: u8 = if v6 { 64 } else { 0 };
    let mut tos: u8 = 0;
    let mut pmtudisc = true;
    let mut ignore_df: u8 = 0;
    let mut encap_limit: u8 = 4;
    let mut flowinfo: u32 = 0;
    let mut flags: u32 = 0;
    let mut proto: u8 = 0;
    let mut fwmark: u32 = 0;
    let mut metadata = false;
    let gre = kind.is_gre();
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        let m = |word: &str| if gre { matches(w, word) } else { w == word };
        if gre && m("key") {
            let k = tnl_key("key", a.need()?)?;
            (ikey, okey) = (Some(k), Some(k));
        } else if gre && m("nokey") {
            (ikey, okey) = (None, None);
        } else if gre && m("ikey") {
            ikey = Some(tnl_key("ikey", a.need()?)?);
        } else if gre && m("noikey") {
            ikey = None;
        } else if gre && m("okey") {
            okey = Some(tnl_key("okey", a.need()?)?);
        } else if gre && m("nookey") {
            okey = None;
        } else if gre && m("seq") {
            t.iflags |= GRE_SEQ;
            t.oflags |= GRE_SEQ;
        } else if gre && m("noseq") {
            t.iflags &= !GRE_SEQ;
            t.oflags &= !GRE_SEQ;
        } else if gre && m("iseq") {
            t.iflags |= GRE_SEQ;
        } else if gre && m("noiseq") {
            t.iflags &= !GRE_SEQ;
        } else if gre && m("oseq") {
            t.oflags |= GRE_SEQ;
        } else if gre && m("nooseq") {
            t.oflags &= !GRE_SEQ;
        } else if gre && m("csum") {
            t.iflags |= GRE_CSUM;
            t.oflags |= GRE_CSUM;
        } else if gre && m("nocsum") {
            t.iflags &= !GRE_CSUM;
            t.oflags &= !GRE_CSUM;
        } else if gre && m("icsum") {
            t.iflags |= GRE_CSUM;
        } else if gre && m("noicsum") {
            t.iflags &= !GRE_CSUM;
        } else if gre && m("ocsum") {
            t.oflags |= GRE_CSUM;
        } else if gre && m("noocsum") {
            t.oflags &= !GRE_CSUM;
        } else if !v6 && m("nopmtudisc") {
            pmtudisc = false;
        } else if !v6 && m("pmtudisc") {
            pmtudisc = true;
        } else if m("remote") {
            t.remote = Some(get_addr(a.need()?, fam)?);
        } else if m("local") {
            t.local = Some(get_addr(a.need()?, fam)?);
        } else if matches(w, "dev") {
            t.link = Some(dev(a.need()?)?);
        } else if m("ttl") || m("hoplimit") || m("hlim") {
            let v = a.need()?;
            ttl = if v == "inherit" {
                0
            } else {
                get_u8(v).ok_or_else(|| {
                    invarg(
                        if v6 {
                            "invalid HLIM\n"
                        } else {
                            "invalid TTL\n"
                        },
                        v,
                    )
                })?
            };
        } else if m("tos") || w == "tclass" || (!gre && w == "tc") || matches(w, "dsfield") {
            let v = a.need()?;
            if v6 {
                flowinfo &= !0x0ff0_0000;
                if v == "inherit" {
                    flags |= IP6_TNL_F_USE_ORIG_TCLASS;
                } else {
                    let c = u8::from_str_radix(v.trim_start_matches("0x"), 16)
                        .map_err(|_| invarg("invalid TClass", v))?;
                    flowinfo |= u32::from(c) << 20;
                    flags &= !IP6_TNL_F_USE_ORIG_TCLASS;
                }
            } else if v == "inherit" {
                tos = 1;
            } else {
                tos = dsfield(v).ok_or_else(|| invarg("bad TOS value", v))?;
            }
        } else if v6 && (w == "flowlabel" || w == "fl") {
            let v = a.need()?;
            flowinfo &= !0x000f_ffff;
            if v == "inherit" {
                flags |= IP6_TNL_F_USE_ORIG_FLOWLABEL;
            } else {
                let l = u32::from_str_radix(v.trim_start_matches("0x"), 16)
                    .ok()
                    .filter(|&l| l <= 0xfffff)
                    .ok_or_else(|| invarg("invalid Flowlabel", v))?;
                flowinfo |= l;
                flags &= !IP6_TNL_F_USE_ORIG_FLOWLABEL;
            }
        } else if v6 && w == "dscp" {
            let v = a.need()?;
            if v != "inherit" {
                return Err(invarg("not inherit", v));
            }
            flags |= IP6_TNL_F_RCV_DSCP_COPY;
        } else if v6 && w == "encaplimit" {
            let v = a.need()?;
            if v == "none" {
                flags |= IP6_TNL_F_IGN_ENCAP_LIMIT;
            } else {
                encap_limit = get_u8(v).ok_or_else(|| invarg("invalid ELIM", v))?;
                flags &= !IP6_TNL_F_IGN_ENCAP_LIMIT;
            }
        } else if v6 && w == "allow-localremote" {
            flags |= IP6_TNL_F_ALLOW_LOCAL_REMOTE;
        } else if v6 && w == "noallow-localremote" {
            flags &= !IP6_TNL_F_ALLOW_LOCAL_REMOTE;
        } else if w == "fwmark" {
            let v = a.need()?;
            if v6 && v == "inherit" {
                flags |= IP6_TNL_F_USE_ORIG_FWMARK;
                fwmark = 0;
            } else {
                fwmark = get_u32(v).ok_or_else(|| invarg("invalid fwmark\n", v))?;
                flags &= !IP6_TNL_F_USE_ORIG_FWMARK;
            }
        } else if w == "external" {
            metadata = true;
        } else if matches!(kind, TunnelKind::Gre | TunnelKind::Gretap) && w == "ignore-df" {
            ignore_df = 1;
        } else if matches!(kind, TunnelKind::Gre | TunnelKind::Gretap) && w == "noignore-df" {
            ignore_df = 2;
        } else if kind == TunnelKind::Sit && w == "isatap" {
            flags |= SIT_ISATAP;
        } else if !gre && w == "mode" {
            let v = a.need()?;
            proto = match (kind, v) {
                (TunnelKind::Sit, "ipv6/ipv4" | "ip6ip") => 41,
                (TunnelKind::Ipip | TunnelKind::Sit, "ipv4/ipv4" | "ipip" | "ip4ip4") => 4,
                (TunnelKind::Ipip | TunnelKind::Sit, "mpls/ipv4" | "mplsip") => 137,
                (TunnelKind::Ipip | TunnelKind::Sit, "any/ipv4" | "any") => 0,
                (TunnelKind::Ip6tnl, "ipv6/ipv6" | "ip6ip6") => 41,
                (TunnelKind::Ip6tnl, "ip/ipv6" | "ipv4/ipv6" | "ipip6" | "ip4ip6") => 4,
                (TunnelKind::Ip6tnl, "any/ipv6" | "any") => 0,
                _ => return Err(invarg("Cannot guess tunnel mode.", v)),
            };
        } else if encap_word(w, &mut a, &mut e)? {
        } else {
            return Err(tunnel_garbage(kind, w));
        }
    }
    if gre && !v6 {
        if let Some(IpAddr::V4(d)) = t.remote.filter(|d| d.is_multicast()) {
            // ip keys a broadcast tunnel with the group address.
            let k = u32::from(d);
            ikey = ikey.filter(|&x| x != 0).or(Some(k));
            okey = okey.filter(|&x| x != 0).or(Some(k));
            if t.local.is_none_or(|l| l.is_unspecified()) {
                return Err(fail1("A broadcast tunnel requires a source address."));
            }
        }
    }
    if !v6 && ttl != 0 && !pmtudisc && !gre {
        return Err(Fail("ttl != 0 and nopmtudisc are incompatible".into(), 255));
    }
    if !gre {
        t.proto = Some(proto);
    }
    if metadata {
        return Ok(Tunnel {
            external: true,
            proto: t.proto,
            ..Tunnel::new(kind)
        });
    }
    // ip leaves out an address of "any".
    t.local = t.local.filter(|a| !a.is_unspecified());
    t.remote = t.remote.filter(|a| !a.is_unspecified());
    t.ttl = Some(ttl);
    t.fwmark = Some(fwmark);
    t.encap = Some(e);
    if t.link.is_none() && !gre {
        t.link = Some(0);
    }
    if gre {
        // ip sends both keys, 0 when unset; the key flag only with one.
        t.ikey = ikey;
        t.okey = okey;
    }
    if v6 {
        t.encap_limit = Some(encap_limit);
        t.flowinfo = Some(flowinfo);
        t.flags = Some(flags);
    } else {
        t.pmtudisc = Some(pmtudisc);
        t.tos = Some(tos);
        if kind == TunnelKind::Sit {
            t.flags = Some(flags);
        }
        if ignore_df != 0 {
            t.ignore_df = Some(ignore_df & 1 == 1);
        }
    }
    Ok(t)
}

/// `ip link add NAME type geneve OPTIONS`.
pub fn geneve(rest: &[String]) -> Result<Geneve, Fail> {
    let mut g = Geneve::new(0);
    g.id = None;
    let mut metadata = false;
    let mut label = 0u32;
    let mut ttl = 0u8;
    let mut tos = 0u8;
    let mut a = Argv::new(rest);
    let unknown = |w: &str| fail1(format!("geneve: unknown command \"{w}\"?"));
    while let Some(w) = a.next() {
        if matches(w, "id") || matches(w, "vni") {
            let v = a.need()?;
            g.id = Some(
                get_u32(v)
                    .filter(|&n| n < 1 << 24)
                    .ok_or_else(|| invarg("invalid id", v))?,
            );
        } else if matches(w, "remote") {
            let v = a.need()?;
            let d = get_addr(v, None)?;
            if d.is_multicast() || d.is_unspecified() {
                return Err(invarg("invalid remote address", v));
            }
            g.remote = Some(d);
        } else if matches(w, "ttl") || matches(w, "hoplimit") {
            let v = a.need()?;
            if v == "inherit" {
                g.ttl_inherit = true;
            } else if v != "auto" {
                let n = get_u32(v).ok_or_else(|| invarg("invalid TTL", v))?;
                ttl = u8::try_from(n).map_err(|_| invarg("TTL must be <= 255", v))?;
            }
        } else if matches(w, "tos") || matches(w, "dsfield") {
            let v = a.need()?;
            tos = if v == "inherit" {
                1
            } else {
                dsfield(v).ok_or_else(|| invarg("bad TOS value", v))?
            };
        } else if matches(w, "df") {
            let v = a.need()?;
            g.df = Some(match v {
                "unset" => 0,
                "set" => 1,
                "inherit" => 2,
                _ => return Err(invarg("DF must be 'unset', 'set' or 'inherit'", v)),
            });
        } else if matches(w, "label") || matches(w, "flowlabel") {
            let v = a.need()?;
            label = get_u32(v)
                .filter(|&l| l <= 0xfffff)
                .ok_or_else(|| invarg("invalid flowlabel", v))?;
        } else if matches(w, "dstport") {
            let v = a.need()?;
            let p = get_u16(v).ok_or_else(|| invarg("dstport", v))?;
            g.port = (p != 0).then_some(p);
        } else if matches(w, "external") {
            metadata = true;
        } else if matches(w, "noexternal") {
            metadata = false;
        } else if matches(w, "udpcsum") {
            g.udp_csum = Some(true);
        } else if matches(w, "noudpcsum") {
            g.udp_csum = Some(false);
        } else if matches(w, "udp6zerocsumtx") {
            g.udp6_zero_csum_tx = Some(true);
        } else if matches(w, "noudp6zerocsumtx") {
            g.udp6_zero_csum_tx = Some(false);
        } else if matches(w, "udp6zerocsumrx") {
            g.udp6_zero_csum_rx = Some(true);
        } else if matches(w, "noudp6zerocsumrx") {
            g.udp6_zero_csum_rx = Some(false);
        } else if w == "innerprotoinherit" {
            g.inner_proto_inherit = true;
        } else {
            return Err(unknown(w));
        }
    }
    if metadata && g.id.is_some() {
        return Err(fail1("geneve: both 'external' and vni cannot be specified"));
    }
    if !metadata {
        if g.id.is_none() {
            return Err(fail1("geneve: missing virtual network identifier"));
        }
        if g.remote.is_none() {
            return Err(fail1("geneve: remote link partner not specified"));
        }
    }
    g.id = Some(g.id.unwrap_or(0));
    g.label = Some(label);
    g.ttl = Some(ttl);
    g.tos = Some(tos);
    g.external = metadata;
    Ok(g)
}

/// `ip link add NAME type vxlan OPTIONS`. `family` is `-4`/`-6`'s.
pub fn vxlan(rest: &[String], dev: Dev<'_>, family: Option<u8>) -> Result<Vxlan, Fail> {
    let mut v = Vxlan::default();
    let mut learning = true;
    let mut metadata = false;
    let mut vnifilter = false;
    let mut a = Argv::new(rest);
    let unknown = |w: &str| fail1(format!("vxlan: unknown command \"{w}\"?"));
    let both = || fail1("vxlan: both group and remote cannot be specified");
    let fam = |x: Option<IpAddr>| x.map(|a| if a.is_ipv4() { AF_INET } else { AF_INET6 });
    let flag = |b: bool| Some(b);
    while let Some(w) = a.next() {
        let m = |word: &str| matches(w, word);
        if m("id") || m("vni") {
            let x = a.need()?;
            v.id = Some(
                get_u32(x)
                    .filter(|&n| n < 1 << 24)
                    .ok_or_else(|| invarg("invalid id", x))?,
            );
        } else if m("group") {
            if v.remote.is_some_and(|r| !r.is_multicast()) {
                return Err(both());
            }
            let x = a.need()?;
            let d = get_addr(x, fam(v.local))?;
            if !d.is_multicast() {
                return Err(invarg("invalid group address", x));
            }
            v.remote = Some(d);
        } else if m("remote") {
            if v.remote.is_some_and(|r| r.is_multicast()) {
                return Err(both());
            }
            let x = a.need()?;
            let d = get_addr(x, fam(v.local))?;
            if d.is_multicast() {
                return Err(invarg("invalid remote address", x));
            }
            v.remote = Some(d);
        } else if m("local") {
            let x = a.need()?;
            let s = get_addr(x, fam(v.remote))?;
            if s.is_multicast() {
                return Err(invarg("invalid local address", x));
            }
            v.local = Some(s);
        } else if m("dev") {
            v.link = Some(dev(a.need()?)?);
        } else if m("ttl") || m("hoplimit") {
            let x = a.need()?;
            if x == "inherit" {
                v.ttl_inherit = true;
            } else if x == "auto" {
                v.ttl = Some(0);
            } else {
                let n = get_u32(x).ok_or_else(|| invarg("invalid TTL", x))?;
                v.ttl = Some(u8::try_from(n).map_err(|_| invarg("TTL must be <= 255", x))?);
            }
        } else if m("tos") || m("dsfield") {
            let x = a.need()?;
            v.tos = Some(if x == "inherit" {
                1
            } else {
                dsfield(x).ok_or_else(|| invarg("bad TOS value", x))?
            });
        } else if m("df") {
            let x = a.need()?;
            v.df = Some(match x {
                "unset" => 0,
                "set" => 1,
                "inherit" => 2,
                _ => return Err(invarg("DF must be 'unset', 'set' or 'inherit'", x)),
            });
        } else if m("label") || m("flowlabel") {
            let x = a.need()?;
            v.label = Some(
                get_u32(x)
                    .filter(|&l| l <= 0xfffff)
                    .ok_or_else(|| invarg("invalid flowlabel", x))?,
            );
        } else if m("ageing") {
            let x = a.need()?;
            v.ageing = Some(if x == "none" {
                0
            } else {
                get_u32(x).ok_or_else(|| invarg("ageing timer", x))?
            });
        } else if m("maxaddress") {
            let x = a.need()?;
            v.limit = Some(if x == "unlimited" {
                0
            } else {
                get_u32(x).ok_or_else(|| invarg("max addresses", x))?
            });
        } else if m("port") || m("srcport") {
            let lo = a.need()?;
            let lo = get_u16(lo).ok_or_else(|| invarg("min port", lo))?;
            let hi = a.need()?;
            let hi = get_u16(hi).ok_or_else(|| invarg("max port", hi))?;
            if lo != 0 || hi != 0 {
                v.port_range = Some((lo, hi));
            }
        } else if m("dstport") {
            let x = a.need()?;
            let p = get_u16(x).ok_or_else(|| invarg("dst port", x))?;
            v.port = (p != 0).then_some(p);
        } else if m("nolearning") {
            learning = false;
        } else if m("learning") {
            learning = true;
        } else if m("noproxy") {
            v.proxy = flag(false);
        } else if m("proxy") {
            v.proxy = flag(true);
        } else if m("norsc") {
            v.rsc = flag(false);
        } else if m("rsc") {
            v.rsc = flag(true);
        } else if m("nol2miss") {
            v.l2miss = flag(false);
        } else if m("l2miss") {
            v.l2miss = flag(true);
        } else if m("nol3miss") {
            v.l3miss = flag(false);
        } else if m("l3miss") {
            v.l3miss = flag(true);
        } else if m("udpcsum") {
            v.udp_csum = flag(true);
        } else if m("noudpcsum") {
            v.udp_csum = flag(false);
        } else if m("udp6zerocsumtx") {
            v.udp6_zero_csum_tx = flag(true);
        } else if m("noudp6zerocsumtx") {
            v.udp6_zero_csum_tx = flag(false);
        } else if m("udp6zerocsumrx") {
            v.udp6_zero_csum_rx = flag(true);
        } else if m("noudp6zerocsumrx") {
            v.udp6_zero_csum_rx = flag(false);
        } else if m("remcsumtx") {
            v.remcsum_tx = flag(true);
        } else if m("noremcsumtx") {
            v.remcsum_tx = flag(false);
        } else if m("remcsumrx") {
            v.remcsum_rx = flag(true);
        } else if m("noremcsumrx") {
            v.remcsum_rx = flag(false);
        } else if m("external") {
            metadata = true;
            learning = false;
            v.external = flag(true);
        } else if m("noexternal") {
            metadata = false;
            v.external = flag(false);
        } else if m("gbp") {
            v.gbp = true;
        } else if m("gpe") {
            v.gpe = true;
        } else if w == "vnifilter" {
            v.vnifilter = flag(true);
            vnifilter = true;
        } else if w == "novnifilter" {
            v.vnifilter = flag(false);
        } else {
            return Err(unknown(w));
        }
    }
    if !metadata && vnifilter {
        return Err(fail1(
            "vxlan: vnifilter is valid only when 'external' is set",
        ));
    }
    if metadata && v.id.is_some() {
        return Err(fail1("vxlan: both 'external' and vni cannot be specified"));
    }
    if !metadata && !vnifilter && v.id.is_none() {
        return Err(fail1("vxlan: missing virtual network identifier"));
    }
    if v.remote.is_some_and(|r| r.is_multicast()) && v.link.is_none() {
        return Err(fail1("vxlan: 'group' requires 'dev' to be specified"));
    }
    if v.port.is_none() && v.gpe {
        v.port = Some(4790);
    } else if v.port.is_none() && !rest.iter().any(|w| matches(w, "dstport")) {
        eprintln!(
            "vxlan: destination port not specified\n\
             Will use Linux kernel default (non-standard value)\n\
             Use 'dstport 4789' to get the IANA assigned value\n\
             Use 'dstport 0' to get default and quiet this message"
        );
    }
    if v.local.is_none() && v.remote.is_none() {
        v.remote = match family {
            Some(AF_INET) => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            Some(AF_INET6) => Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            _ => None,
        };
    }
    v.learning = Some(learning);
    Ok(v)
}

/// What `ip link add NAME type bond OPTIONS` read; the targets are kept
/// beside the settings, which borrow them.
#[derive(Default)]
pub struct BondArgs {
    /// The settings (without the targets).
    pub bond: Bond<'static>,
    /// `arp_ip_target`, when given.
    pub arp: Option<Vec<Ipv4Addr>>,
    /// `ns_ip6_target`, when given.
    pub ns: Option<Vec<Ipv6Addr>>,
}

impl BondArgs {
    /// The settings with their targets.
    pub fn settings(&self) -> Bond<'_> {
        Bond {
            arp_ip_target: self.arp.as_deref(),
            ns_ip6_target: self.ns.as_deref(),
            ..self.bond
        }
    }
}

/// `get_index(tbl, arg)`: a name in `tbl` or its number.
fn index_in(tbl: &[&str], s: &str) -> Option<usize> {
    tbl.iter()
        .position(|n| *n == s)
        .or_else(|| get_u32(s).map(|n| n as usize).filter(|&n| n < tbl.len()))
}

/// The names of the bond's enumerated settings, by number
/// (`iplink_bond.c`'s tables): read by [`bond`] and printed by `-d`.
pub mod bond_names {
    pub const ARP_VALIDATE: &[&str] = &[
        "none",
        "active",
        "backup",
        "all",
        "filter",
        "filter_active",
        "filter_backup",
    ];
    pub const ARP_ALL_TARGETS: &[&str] = &["any", "all"];
    pub const PRIMARY_RESELECT: &[&str] = &["always", "better", "failure"];
    pub const FAIL_OVER_MAC: &[&str] = &["none", "active", "follow"];
    pub const XMIT_HASH: &[&str] = &[
        "layer2",
        "layer3+4",
        "layer2+3",
        "encap2+3",
        "encap3+4",
        "vlan+srcmac",
    ];
    pub const LACP_RATE: &[&str] = &["slow", "fast"];
    pub const LACP_ACTIVE: &[&str] = &["off", "on"];
    pub const AD_SELECT: &[&str] = &["stable", "bandwidth", "count", "actor_port_prio"];
}

/// `ip link add NAME type bond OPTIONS` (also `ip link set DEV type bond`).
pub fn bond(rest: &[String], dev: Dev<'_>) -> Result<BondArgs, Fail> {
    use bond_names::*;
    let mut out = BondArgs::default();
    let b = &mut out.bond;
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        let m = |word: &str| matches(w, word);
        let u32_of = |a: &mut Argv<'_>, what: &str| -> Result<u32, Fail> {
            let v = a.need()?;
            get_u32(v).ok_or_else(|| invarg(&format!("invalid {what}"), v))
        };
        let u8_of = |a: &mut Argv<'_>, what: &str| -> Result<u8, Fail> {
            let v = a.need()?;
            get_u8(v).ok_or_else(|| invarg(&format!("invalid {what}"), v))
        };
        let u16_of = |a: &mut Argv<'_>, what: &str| -> Result<u16, Fail> {
            let v = a.need()?;
            get_u16(v).ok_or_else(|| invarg(&format!("invalid {what}"), v))
        };
        let tbl = |a: &mut Argv<'_>, t: &[&str], what: &str| -> Result<u8, Fail> {
            let v = a.need()?;
            index_in(t, v)
                .map(|i| i as u8)
                .ok_or_else(|| invarg(&format!("invalid {what}"), v))
        };
        if m("mode") {
            let v = a.need()?;
            b.mode = Some(
                v.parse::<BondMode>()
                    .map_err(|_| invarg("invalid mode", v))?,
            );
        } else if m("active_slave") {
            b.active_slave = Some(dev(a.need()?)?);
        } else if m("clear_active_slave") {
            b.active_slave = Some(0);
        } else if m("miimon") {
            b.miimon = Some(u32_of(&mut a, "miimon")?);
        } else if m("updelay") {
            b.updelay = Some(u32_of(&mut a, "updelay")?);
        } else if m("downdelay") {
            b.downdelay = Some(u32_of(&mut a, "downdelay")?);
        } else if m("peer_notify_delay") {
            b.peer_notif_delay = Some(u32_of(&mut a, "peer_notify_delay")?);
        } else if m("use_carrier") {
            b.use_carrier = Some(u8_of(&mut a, "use_carrier")?);
        } else if m("arp_interval") {
            b.arp_interval = Some(u32_of(&mut a, "arp_interval")?);
        } else if m("arp_ip_target") {
            let v = a.need()?;
            let mut t = Vec::new();
            for s in v.split(',').filter(|s| !s.is_empty()) {
                match get_addr(s, Some(AF_INET))? {
                    IpAddr::V4(x) => t.push(x),
                    IpAddr::V6(_) => return Err(invarg("invalid arp_ip_target", s)),
                }
            }
            out.arp = Some(t);
        } else if w == "ns_ip6_target" {
            let v = a.need()?;
            let mut t = Vec::new();
            for s in v.split(',').filter(|s| !s.is_empty()) {
                match get_addr(s, Some(AF_INET6))? {
                    IpAddr::V6(x) => t.push(x),
                    IpAddr::V4(_) => return Err(invarg("invalid ns_ip6_target", s)),
                }
            }
            out.ns = Some(t);
        } else if m("arp_validate") {
            b.arp_validate = Some(tbl(&mut a, ARP_VALIDATE, "arp_validate")?.into());
        } else if m("arp_all_targets") {
            b.arp_all_targets = Some(tbl(&mut a, ARP_ALL_TARGETS, "arp_all_targets")?.into());
        } else if w == "arp_missed_max" {
            b.missed_max = Some(u8_of(&mut a, "arp_missed_max")?);
        } else if m("primary") {
            b.primary = Some(dev(a.need()?)?);
        } else if m("primary_reselect") {
            b.primary_reselect = Some(tbl(&mut a, PRIMARY_RESELECT, "primary_reselect")?);
        } else if m("fail_over_mac") {
            b.fail_over_mac = Some(tbl(&mut a, FAIL_OVER_MAC, "fail_over_mac")?);
        } else if m("xmit_hash_policy") {
            b.xmit_hash_policy = Some(tbl(&mut a, XMIT_HASH, "xmit_hash_policy")?);
        } else if m("resend_igmp") {
            b.resend_igmp = Some(u32_of(&mut a, "resend_igmp")?);
        } else if m("num_grat_arp") || m("num_unsol_na") {
            b.num_peer_notif = Some(u8_of(&mut a, "num_grat_arp|num_unsol_na")?);
        } else if m("all_slaves_active") {
            b.all_slaves_active = Some(u8_of(&mut a, "all_slaves_active")?);
        } else if m("min_links") {
            b.min_links = Some(u32_of(&mut a, "min_links")?);
        } else if m("lp_interval") {
            b.lp_interval = Some(u32_of(&mut a, "lp_interval")?);
        } else if m("packets_per_slave") {
            b.packets_per_slave = Some(u32_of(&mut a, "packets_per_slave")?);
        } else if m("lacp_rate") {
            b.ad_lacp_rate = Some(tbl(&mut a, LACP_RATE, "lacp_rate")?);
        } else if w == "lacp_active" {
            b.ad_lacp_active = Some(tbl(&mut a, LACP_ACTIVE, "lacp_active")?);
        } else if m("ad_select") {
            b.ad_select = Some(tbl(&mut a, AD_SELECT, "ad_select")?);
        } else if m("ad_user_port_key") {
            b.ad_user_port_key = Some(u16_of(&mut a, "ad_user_port_key")?);
        } else if m("ad_actor_sys_prio") {
            b.ad_actor_sys_prio = Some(u16_of(&mut a, "ad_actor_sys_prio")?);
        } else if m("ad_actor_system") {
            let v = a.need()?;
            let mac = crate::args::get_lladdr(v)?;
            b.ad_actor_system = Some(
                <[u8; 6]>::try_from(mac.as_slice())
                    .map_err(|_| invarg("invalid ad_actor_system", v))?,
            );
        } else if m("tlb_dynamic_lb") {
            b.tlb_dynamic_lb = Some(u8_of(&mut a, "tlb_dynamic_lb")?);
        } else {
            return Err(fail1(format!("bond: unknown command \"{w}\"?")));
        }
    }
    Ok(out)
}

/// `ip link add NAME type vrf table TABLE`: the table, when given.
pub fn vrf(rest: &[String]) -> Result<Option<u32>, Fail> {
    let mut table = None;
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        if matches(w, "table") {
            let v = a.need()?;
            table = Some(
                v.parse::<Table>()
                    .map(|t| t.0)
                    .map_err(|_| invarg("invalid table ID\n", v))?,
            );
        } else {
            return Err(fail1(format!("vrf: unknown option \"{w}\"?")));
        }
    }
    Ok(table)
}

/// `ll_proto_a2n` for the VLAN protocols: a name or a number.
fn vlan_proto(s: &str) -> Option<u16> {
    match s.to_ascii_lowercase().as_str() {
        "802.1q" => Some(0x8100),
        "802.1ad" => Some(0x88a8),
        _ => get_u16(s),
    }
}

/// `ip link add NAME type bridge OPTIONS` (also `ip link set DEV type
/// bridge OPTIONS`), as `iplink_bridge.c` reads them.
pub fn bridge(rest: &[String]) -> Result<Bridge, Fail> {
    let mut b = Bridge::default();
    let mut bools = BoolOpts::default();
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        let m = |word: &str| matches(w, word);
        macro_rules! num {
            ($field:ident, $get:expr, $what:literal) => {{
                let v = a.need()?;
                b.$field = Some($get(v).ok_or_else(|| invarg(concat!("invalid ", $what), v))?);
            }};
        }
        let u64_of = |s: &str| -> Option<u64> {
            match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => s.parse().ok(),
            }
        };
        let mut boolopt = |a: &mut Argv<'_>, bit: u32, what: &str| -> Result<(), Fail> {
            let v = a.need()?;
            let on = get_u8(v).ok_or_else(|| invarg(&format!("invalid {what}"), v))?;
            bools.mask |= 1 << bit;
            if on != 0 {
                bools.values |= 1 << bit;
            } else {
                bools.values &= !(1 << bit);
            }
            Ok(())
        };
        if m("forward_delay") {
            num!(forward_delay, get_u32, "forward_delay");
        } else if m("hello_time") {
            num!(hello_time, get_u32, "hello_time");
        } else if m("max_age") {
            num!(max_age, get_u32, "max_age");
        } else if m("ageing_time") {
            num!(ageing_time, get_u32, "ageing_time");
        } else if m("stp_state") {
            num!(stp_state, get_u32, "stp_state");
        } else if m("priority") {
            num!(priority, get_u16, "priority");
        } else if m("vlan_filtering") {
            num!(vlan_filtering, get_u8, "vlan_filtering");
        } else if m("vlan_protocol") {
            let v = a.need()?;
            b.vlan_protocol = Some(EtherType(
                vlan_proto(v).ok_or_else(|| invarg("invalid vlan_protocol", v))?,
            ));
        } else if m("group_fwd_mask") {
            num!(group_fwd_mask, get_u16, "group_fwd_mask");
        } else if m("group_address") {
            let v = a.need()?;
            let mac = crate::args::get_lladdr(v)?;
            b.group_addr = Some(
                <[u8; 6]>::try_from(mac.as_slice())
                    .map_err(|_| invarg("invalid group_address", v))?,
            );
        } else if w == "no_linklocal_learn" {
            boolopt(&mut a, 0, "no_linklocal_learn")?;
        } else if w == "mcast_vlan_snooping" {
            boolopt(&mut a, 1, "mcast_vlan_snooping")?;
        } else if w == "mst_enabled" {
            boolopt(&mut a, 2, "mst_enabled")?;
        } else if w == "fdb_max_learned" {
            num!(fdb_max_learned, get_u32, "fdb_max_learned");
        } else if m("fdb_flush") {
            b.fdb_flush = true;
        } else if m("vlan_default_pvid") {
            num!(vlan_default_pvid, get_u16, "vlan_default_pvid");
        } else if m("vlan_stats_enabled") {
            num!(vlan_stats_enabled, get_u8, "vlan_stats_enabled");
        } else if m("vlan_stats_per_port") {
            num!(vlan_stats_per_port, get_u8, "vlan_stats_per_port");
        } else if m("mcast_router") {
            num!(mcast_router, get_u8, "mcast_router");
        } else if m("mcast_snooping") {
            num!(mcast_snooping, get_u8, "mcast_snooping");
        } else if m("mcast_query_use_ifaddr") {
            num!(mcast_query_use_ifaddr, get_u8, "mcast_query_use_ifaddr");
        } else if m("mcast_querier") {
            num!(mcast_querier, get_u8, "mcast_querier");
        } else if m("mcast_hash_elasticity") {
            num!(mcast_hash_elasticity, get_u32, "mcast_hash_elasticity");
        } else if m("mcast_hash_max") {
            num!(mcast_hash_max, get_u32, "mcast_hash_max");
        } else if m("mcast_last_member_count") {
            num!(mcast_last_member_cnt, get_u32, "mcast_last_member_count");
        } else if m("mcast_startup_query_count") {
            num!(
                mcast_startup_query_cnt,
                get_u32,
                "mcast_startup_query_count"
            );
        } else if m("mcast_last_member_interval") {
            num!(
                mcast_last_member_intvl,
                u64_of,
                "mcast_last_member_interval"
            );
        } else if m("mcast_membership_interval") {
            num!(mcast_membership_intvl, u64_of, "mcast_membership_interval");
        } else if m("mcast_querier_interval") {
            num!(mcast_querier_intvl, u64_of, "mcast_querier_interval");
        } else if m("mcast_query_interval") {
            num!(mcast_query_intvl, u64_of, "mcast_query_interval");
        } else if m("mcast_query_response_interval") {
            num!(
                mcast_query_response_intvl,
                u64_of,
                "mcast_query_response_interval"
            );
        } else if m("mcast_startup_query_interval") {
            num!(
                mcast_startup_query_intvl,
                u64_of,
                "mcast_startup_query_interval"
            );
        } else if m("mcast_stats_enabled") {
            num!(mcast_stats_enabled, get_u8, "mcast_stats_enabled");
        } else if m("mcast_igmp_version") {
            num!(mcast_igmp_version, get_u8, "mcast_igmp_version");
        } else if m("mcast_mld_version") {
            num!(mcast_mld_version, get_u8, "mcast_mld_version");
        } else if m("nf_call_iptables") {
            num!(nf_call_iptables, get_u8, "nf_call_iptables");
        } else if m("nf_call_ip6tables") {
            num!(nf_call_ip6tables, get_u8, "nf_call_ip6tables");
        } else if m("nf_call_arptables") {
            num!(nf_call_arptables, get_u8, "nf_call_arptables");
        } else {
            return Err(fail1(format!("bridge: unknown command \"{w}\"?")));
        }
    }
    if bools.mask != 0 {
        b.multi_boolopt = Some(bools);
    }
    Ok(b)
}

/// `ip link set DEV type bridge_slave OPTIONS` (`iplink_bridge_slave.c`).
pub fn bridge_port(rest: &[String], dev: Dev<'_>) -> Result<BridgePort, Fail> {
    let mut p = BridgePort::default();
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        let m = |word: &str| matches(w, word);
        macro_rules! on_off {
            ($field:ident, $name:literal) => {{
                let v = a.need()?;
                // `bridge_slave_parse_on_off`: parse_on_off's message, exit 1.
                p.$field = Some(crate::link::on_off_strict($name, v).map_err(|f| Fail(f.0, 1))?);
            }};
        }
        macro_rules! num {
            ($field:ident, $get:expr, $msg:literal) => {{
                let v = a.need()?;
                p.$field = Some($get(v).ok_or_else(|| invarg($msg, v))?);
            }};
        }
        if m("fdb_flush") {
            p.flush = true;
        } else if m("state") {
            num!(state, get_u8, "state is invalid");
        } else if m("priority") {
            num!(priority, get_u16, "priority is invalid");
        } else if m("cost") {
            num!(cost, get_u32, "cost is invalid");
        } else if m("hairpin") {
            on_off!(hairpin, "hairpin");
        } else if m("guard") {
            on_off!(guard, "guard");
        } else if m("root_block") {
            on_off!(root_block, "root_block");
        } else if m("fastleave") {
            on_off!(fast_leave, "fastleave");
        } else if m("learning") {
            on_off!(learning, "learning");
        } else if m("flood") {
            on_off!(unicast_flood, "flood");
        } else if m("mcast_flood") {
            on_off!(mcast_flood, "mcast_flood");
        } else if m("bcast_flood") {
            on_off!(bcast_flood, "bcast_flood");
        } else if m("mcast_to_unicast") {
            on_off!(mcast_to_ucast, "mcast_to_unicast");
        } else if m("proxy_arp") {
            on_off!(proxyarp, "proxy_arp");
        } else if m("proxy_arp_wifi") {
            on_off!(proxyarp_wifi, "proxy_arp_wifi");
        } else if m("mcast_router") {
            num!(multicast_router, get_u8, "invalid mcast_router");
        } else if m("mcast_fast_leave") {
            on_off!(fast_leave, "mcast_fast_leave");
        } else if m("neigh_suppress") {
            on_off!(neigh_suppress, "neigh_suppress");
        } else if w == "neigh_vlan_suppress" {
            on_off!(neigh_vlan_suppress, "neigh_vlan_suppress");
        } else if m("group_fwd_mask") {
            num!(group_fwd_mask, get_u16, "invalid group_fwd_mask");
        } else if m("vlan_tunnel") {
            on_off!(vlan_tunnel, "vlan_tunnel");
        } else if m("isolated") {
            on_off!(isolated, "isolated");
        } else if m("locked") {
            on_off!(locked, "locked");
        } else if w == "mab" {
            on_off!(mab, "mab");
        } else if m("backup_port") {
            let v = a.need()?;
            p.backup_port = Some(dev(v).map_err(|_| invarg("Device does not exist\n", v))?);
        } else if m("nobackup_port") {
            p.backup_port = Some(0);
        } else if w == "backup_nhid" {
            num!(backup_nhid, get_u32, "backup_nhid is invalid");
        } else {
            return Err(fail1(format!("bridge_slave: unknown option \"{w}\"?")));
        }
    }
    Ok(p)
}

/// `ip link set DEV type bond_slave OPTIONS` (`iplink_bond_slave.c`).
pub fn bond_port(rest: &[String]) -> Result<BondPort, Fail> {
    let mut p = BondPort::default();
    let mut a = Argv::new(rest);
    while let Some(w) = a.next() {
        if matches(w, "queue_id") {
            let v = a.need()?;
            p.queue_id = Some(get_u16(v).ok_or_else(|| invarg("queue_id is invalid", v))?);
        } else if matches(w, "prio") {
            let v = a.need()?;
            p.prio = Some(v.parse::<i32>().map_err(|_| invarg("prio is invalid", v))?);
        } else {
            return Err(fail1(format!("bond_slave: unknown option \"{w}\"?")));
        }
    }
    Ok(p)
}
