//! The settings of the link kinds with many options, as the kernel takes
//! them in `IFLA_INFO_DATA`: IP tunnels (`gre`, `gretap`, `ip6gre`,
//! `ip6gretap`, `ipip`, `sit`, `ip6tnl`), GENEVE, VXLAN and bonds.
//!
//! Each setting is an `Option` (or a `bool` for flag attributes): `None` is
//! not sent, and the kernel then keeps its default (on creation) or the
//! current value (on a change, for the kinds whose change keeps what is not
//! given: vxlan, geneve, bond). A setting that does not apply to a kind is
//! an [`InvalidInput::NotForKind`] error, never silently dropped.
//!
//! ```
//! use nlwire::route::{Bond, BondMode, Geneve, LinkKind, LinkRequest, Tunnel, TunnelKind};
//! let gre = Tunnel {
//!     remote: Some("198.51.100.2".parse().unwrap()),
//!     local: Some("192.0.2.1".parse().unwrap()),
//!     ttl: Some(64),
//!     ikey: Some(7),
//!     okey: Some(7),
//!     ..Tunnel::new(TunnelKind::Gre)
//! };
//! let r = LinkRequest::add("gre1", LinkKind::Tunnel(gre))?;
//! let gnv = Geneve { remote: Some("198.51.100.2".parse().unwrap()), ..Geneve::new(10) };
//! let g = LinkRequest::add("gnv0", LinkKind::Geneve(gnv))?;
//! let bond = Bond { mode: Some(BondMode::ActiveBackup), miimon: Some(100), ..Bond::default() };
//! let b = LinkRequest::add("bond0", LinkKind::Bond(bond))?;
//! # Ok::<(), nlwire::InvalidInput>(())
//! ```

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::attr_ip;
use super::link_req::BondMode;
use crate::InvalidInput;
use crate::wire::{Attr, Attrs, DecodeError, Writer};

fn not_for(option: &'static str, kind: &'static str) -> InvalidInput {
    InvalidInput::NotForKind { option, kind }
}

fn family(option: &'static str, v6: bool, a: Option<IpAddr>) -> Result<(), InvalidInput> {
    match a {
        Some(a) if a.is_ipv6() != v6 => Err(InvalidInput::FamilyMismatch {
            what: option,
            found: if a.is_ipv4() { "IPv4" } else { "IPv6" },
            expected: if v6 { "IPv6" } else { "IPv4" },
        }),
        _ => Ok(()),
    }
}

fn put_bool(w: &mut Writer<'_>, kind: u16, v: Option<bool>) {
    if let Some(v) = v {
        w.attr_u8(kind, v.into());
    }
}

fn put_u8(w: &mut Writer<'_>, kind: u16, v: Option<u8>) {
    if let Some(v) = v {
        w.attr_u8(kind, v);
    }
}

fn put_u16(w: &mut Writer<'_>, kind: u16, v: Option<u16>) {
    if let Some(v) = v {
        w.attr_u16(kind, v);
    }
}

fn put_u32(w: &mut Writer<'_>, kind: u16, v: Option<u32>) {
    if let Some(v) = v {
        w.attr_u32(kind, v);
    }
}

fn put_be16(w: &mut Writer<'_>, kind: u16, v: Option<u16>) {
    if let Some(v) = v {
        w.attr(kind, &v.to_be_bytes());
    }
}

fn put_be32(w: &mut Writer<'_>, kind: u16, v: Option<u32>) {
    if let Some(v) = v {
        w.attr(kind, &v.to_be_bytes());
    }
}

fn put_ip(w: &mut Writer<'_>, v4: u16, v6: u16, a: Option<IpAddr>) {
    match a {
        Some(a @ IpAddr::V4(_)) => attr_ip(w, v4, &a),
        Some(a @ IpAddr::V6(_)) => attr_ip(w, v6, &a),
        None => {}
    }
}

// ---- IP tunnels ---------------------------------------------------------

/// Which IP tunnel ([`Tunnel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TunnelKind {
    /// GRE over IPv4 (`gre`): IP packets.
    Gre,
    /// GRE over IPv4 carrying Ethernet frames (`gretap`).
    Gretap,
    /// GRE over IPv6 (`ip6gre`).
    Ip6gre,
    /// GRE over IPv6 carrying Ethernet frames (`ip6gretap`).
    Ip6gretap,
    /// IPv4 in IPv4 (`ipip`; also MPLS in IPv4).
    Ipip,
    /// IPv6 in IPv4 (`sit`; also IPv4 and MPLS in IPv4).
    Sit,
    /// IPv4 or IPv6 in IPv6 (`ip6tnl`).
    Ip6tnl,
}

impl TunnelKind {
    /// The `IFLA_INFO_KIND` string.
    pub const fn name(self) -> &'static str {
        match self {
            TunnelKind::Gre => "gre",
            TunnelKind::Gretap => "gretap",
            TunnelKind::Ip6gre => "ip6gre",
            TunnelKind::Ip6gretap => "ip6gretap",
            TunnelKind::Ipip => "ipip",
            TunnelKind::Sit => "sit",
            TunnelKind::Ip6tnl => "ip6tnl",
        }
    }

    /// A GRE kind (`IFLA_GRE_*` attributes); the others take
    /// `IFLA_IPTUN_*`.
    pub const fn is_gre(self) -> bool {
        matches!(
            self,
            TunnelKind::Gre | TunnelKind::Gretap | TunnelKind::Ip6gre | TunnelKind::Ip6gretap
        )
    }

    /// The outer header is IPv6.
    pub const fn is_ipv6(self) -> bool {
        matches!(
            self,
            TunnelKind::Ip6gre | TunnelKind::Ip6gretap | TunnelKind::Ip6tnl
        )
    }
}

/// GRE header flag: checksum (`GRE_CSUM`), in [`Tunnel::iflags`] and
/// [`Tunnel::oflags`].
pub const GRE_CSUM: u16 = 0x8000;
/// GRE header flag: key (`GRE_KEY`); set for you when a key is given.
pub const GRE_KEY: u16 = 0x2000;
/// GRE header flag: sequence numbers (`GRE_SEQ`).
pub const GRE_SEQ: u16 = 0x1000;

/// `IP6_TNL_F_IGN_ENCAP_LIMIT`: send no encapsulation limit option.
pub const IP6_TNL_F_IGN_ENCAP_LIMIT: u32 = 0x1;
/// `IP6_TNL_F_USE_ORIG_TCLASS`: copy the inner traffic class.
pub const IP6_TNL_F_USE_ORIG_TCLASS: u32 = 0x2;
/// `IP6_TNL_F_USE_ORIG_FLOWLABEL`: copy the inner flow label.
pub const IP6_TNL_F_USE_ORIG_FLOWLABEL: u32 = 0x4;
/// `IP6_TNL_F_MIP6_DEV`: Mobile IPv6 device.
pub const IP6_TNL_F_MIP6_DEV: u32 = 0x8;
/// `IP6_TNL_F_RCV_DSCP_COPY`: copy DSCP from the outer header on receive.
pub const IP6_TNL_F_RCV_DSCP_COPY: u32 = 0x10;
/// `IP6_TNL_F_USE_ORIG_FWMARK`: copy the packet's mark.
pub const IP6_TNL_F_USE_ORIG_FWMARK: u32 = 0x20;
/// `IP6_TNL_F_ALLOW_LOCAL_REMOTE`: allow a local remote address.
pub const IP6_TNL_F_ALLOW_LOCAL_REMOTE: u32 = 0x40;
/// `SIT_ISATAP`, in a `sit` tunnel's [`Tunnel::flags`].
pub const SIT_ISATAP: u32 = 0x1;

/// UDP encapsulation of a tunnel's packets (`IFLA_*_ENCAP_*`: foo-over-UDP
/// or GUE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TunnelEncap {
    /// `TUNNEL_ENCAP_*`: 0 none, 1 fou, 2 gue.
    pub kind: u16,
    /// `TUNNEL_ENCAP_FLAG_*`: 1 checksum, 2 IPv6 UDP checksum, 4 remote
    /// checksum offload.
    pub flags: u16,
    /// UDP source port (0: chosen per flow).
    pub sport: u16,
    /// UDP destination port.
    pub dport: u16,
}

/// An IP tunnel's settings (`gre`, `gretap`, `ip6gre`, `ip6gretap`:
/// `IFLA_GRE_*`; `ipip`, `sit`, `ip6tnl`: `IFLA_IPTUN_*`).
///
/// Start from [`Tunnel::new`] (nothing set) and fill in what you need.
/// A tunnel's change in the kernel resets what is not given, so these
/// settings serve for creation ([`super::LinkKind::Tunnel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tunnel {
    /// Which tunnel.
    pub kind: TunnelKind,
    /// Local (source) address: IPv6 for the `ip6*` kinds, else IPv4.
    pub local: Option<IpAddr>,
    /// Remote (destination) address, same family as `local`.
    pub remote: Option<IpAddr>,
    /// The link the tunnel's packets leave by.
    pub link: Option<u32>,
    /// TTL or hop limit of the outer header (0: inherit the inner one).
    pub ttl: Option<u8>,
    /// IPv4 kinds: TOS of the outer header (1: inherit).
    pub tos: Option<u8>,
    /// IPv4 kinds: path MTU discovery (sets DF); the kernel's default is on.
    pub pmtudisc: Option<bool>,
    /// `gre`/`gretap`: ignore DF of inner packets.
    pub ignore_df: Option<bool>,
    /// GRE kinds: the key expected on receive (sets [`GRE_KEY`] in the
    /// receive flags).
    pub ikey: Option<u32>,
    /// GRE kinds: the key sent (sets [`GRE_KEY`] in the send flags).
    pub okey: Option<u32>,
    /// GRE kinds: receive flags ([`GRE_CSUM`], [`GRE_SEQ`]; [`GRE_KEY`] is
    /// refused here, it comes with `ikey`).
    pub iflags: u16,
    /// GRE kinds: send flags ([`GRE_CSUM`], [`GRE_SEQ`]; [`GRE_KEY`] comes
    /// with `okey`).
    pub oflags: u16,
    /// IPv6 kinds: the encapsulation limit (the kernel's default is 4).
    pub encap_limit: Option<u8>,
    /// IPv6 kinds: traffic class (bits 20–27) and flow label (bits 0–19).
    pub flowinfo: Option<u32>,
    /// IPv6 kinds: `IP6_TNL_F_*`; `sit`: [`SIT_ISATAP`]. In what the
    /// kernel reports, an IPv6 tunnel's flags also hold the kernel's own
    /// capability bits (`IP6_TNL_F_CAP_XMIT` 0x10000, `_CAP_RCV` 0x20000,
    /// `_CAP_PER_PACKET` 0x40000), which it ignores when they are sent.
    pub flags: Option<u32>,
    /// `ipip`, `sit`, `ip6tnl`: the inner protocol (`IPPROTO_IPIP` 4,
    /// `IPPROTO_IPV6` 41, `IPPROTO_MPLS` 137; 0 any).
    pub proto: Option<u8>,
    /// UDP encapsulation.
    pub encap: Option<TunnelEncap>,
    /// Metadata-based (`external`): the route's encapsulation decides.
    pub external: bool,
    /// Firewall mark of the outer packets.
    pub fwmark: Option<u32>,
}

impl Tunnel {
    /// A tunnel of `kind` with nothing set.
    pub const fn new(kind: TunnelKind) -> Tunnel {
        Tunnel {
            kind,
            local: None,
            remote: None,
            link: None,
            ttl: None,
            tos: None,
            pmtudisc: None,
            ignore_df: None,
            ikey: None,
            okey: None,
            iflags: 0,
            oflags: 0,
            encap_limit: None,
            flowinfo: None,
            flags: None,
            proto: None,
            encap: None,
            external: false,
            fwmark: None,
        }
    }

    pub(crate) fn check(&self) -> Result<(), InvalidInput> {
        let k = self.kind.name();
        let v6 = self.kind.is_ipv6();
        family("local address", v6, self.local)?;
        family("remote address", v6, self.remote)?;
        let gre = self.kind.is_gre();
        let given = |set: bool, option, ok: bool| {
            if set && !ok {
                Err(not_for(option, k))
            } else {
                Ok(())
            }
        };
        given(self.tos.is_some(), "tos", !v6)?;
        given(self.pmtudisc.is_some(), "pmtudisc", !v6)?;
        given(
            self.ignore_df.is_some(),
            "ignore_df",
            matches!(self.kind, TunnelKind::Gre | TunnelKind::Gretap),
        )?;
        given(self.ikey.is_some(), "ikey", gre)?;
        given(self.okey.is_some(), "okey", gre)?;
        given(self.iflags != 0, "iflags", gre)?;
        given(self.oflags != 0, "oflags", gre)?;
        given(self.encap_limit.is_some(), "encap_limit", v6)?;
        given(self.flowinfo.is_some(), "flowinfo", v6)?;
        given(
            self.flags.is_some(),
            "flags",
            v6 || self.kind == TunnelKind::Sit,
        )?;
        given(self.proto.is_some(), "proto", !gre)?;
        // The key flag follows ikey/okey: given alone it would send a key of
        // 0 that nobody asked for.
        for f in [self.iflags, self.oflags] {
            if f & GRE_KEY != 0 {
                return Err(InvalidInput::OutOfRange {
                    what: "GRE flags",
                    value: f.into(),
                    range: "without GRE_KEY (give ikey/okey instead)",
                });
            }
        }
        if self.kind == TunnelKind::Sit && self.flags.is_some_and(|f| f > 0xffff) {
            return Err(InvalidInput::OutOfRange {
                what: "sit flags",
                value: self.flags.unwrap_or(0).into(),
                range: "0 to 65535",
            });
        }
        Ok(())
    }

    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        let d = w.begin_nested(super::link_req::IFLA_INFO_DATA);
        if self.kind.is_gre() {
            // IFLA_GRE_*
            put_u32(w, 1, self.link);
            let key = |k: Option<u32>| if k.is_some() { GRE_KEY } else { 0 };
            let (i, o) = (self.iflags | key(self.ikey), self.oflags | key(self.okey));
            if i != 0 {
                w.attr(2, &i.to_be_bytes());
            }
            if o != 0 {
                w.attr(3, &o.to_be_bytes());
            }
            put_be32(w, 4, self.ikey);
            put_be32(w, 5, self.okey);
            put_ip(w, 6, 6, self.local);
            put_ip(w, 7, 7, self.remote);
            put_u8(w, 8, self.ttl);
            put_u8(w, 9, self.tos);
            put_bool(w, 10, self.pmtudisc);
            put_u8(w, 11, self.encap_limit);
            put_be32(w, 12, self.flowinfo);
            put_u32(w, 13, self.flags);
            self.emit_encap(w, 14);
            if self.external {
                w.attr_flag(18);
            }
            put_bool(w, 19, self.ignore_df);
            put_u32(w, 20, self.fwmark);
        } else {
            // IFLA_IPTUN_*
            put_u32(w, 1, self.link);
            put_ip(w, 2, 2, self.local);
            put_ip(w, 3, 3, self.remote);
            put_u8(w, 4, self.ttl);
            put_u8(w, 5, self.tos);
            put_u8(w, 6, self.encap_limit);
            put_be32(w, 7, self.flowinfo);
            match (self.kind, self.flags) {
                (TunnelKind::Ip6tnl, f) => put_u32(w, 8, f),
                (_, f) => put_u16(w, 8, f.map(|f| f as u16)),
            }
            put_u8(w, 9, self.proto);
            put_bool(w, 10, self.pmtudisc);
            self.emit_encap(w, 15);
            if self.external {
                w.attr_flag(19);
            }
            put_u32(w, 20, self.fwmark);
        }
        w.end_nested(d);
    }

    /// The four encapsulation attributes, numbered from `first`.
    fn emit_encap(&self, w: &mut Writer<'_>, first: u16) {
        if let Some(e) = self.encap {
            w.attr_u16(first, e.kind);
            w.attr_u16(first + 1, e.flags);
            w.attr(first + 2, &e.sport.to_be_bytes());
            w.attr(first + 3, &e.dport.to_be_bytes());
        }
    }
}

/// The ranges GENEVE and VXLAN share: a 24-bit VNI, a 20-bit flow label,
/// DF 0 (unset), 1 (set) or 2 (inherit).
fn check_udp_tunnel(
    id_what: &'static str,
    id: Option<u32>,
    label: Option<u32>,
    df_what: &'static str,
    df: Option<u8>,
) -> Result<(), InvalidInput> {
    let out = |what, value: u64, range| Err(InvalidInput::OutOfRange { what, value, range });
    if let Some(id) = id.filter(|&i| i >= 1 << 24) {
        return out(id_what, id.into(), "0 to 16777215");
    }
    if let Some(l) = label.filter(|&l| l >= 1 << 20) {
        return out("flow label", l.into(), "0 to 1048575");
    }
    if let Some(d) = df.filter(|&d| d > 2) {
        return out(df_what, d.into(), "0 to 2");
    }
    Ok(())
}

// ---- GENEVE -------------------------------------------------------------

/// A GENEVE tunnel's settings (`IFLA_GENEVE_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Geneve {
    /// VNI (24 bits); `None` for an `external` device.
    pub id: Option<u32>,
    /// Remote address (IPv4 or IPv6).
    pub remote: Option<IpAddr>,
    /// TTL or hop limit (0: the route's).
    pub ttl: Option<u8>,
    /// Inherit the inner TTL.
    pub ttl_inherit: bool,
    /// TOS (1: inherit).
    pub tos: Option<u8>,
    /// DF: 0 unset, 1 set, 2 inherit.
    pub df: Option<u8>,
    /// IPv6 flow label (20 bits).
    pub label: Option<u32>,
    /// Destination UDP port (the kernel's default is 6081).
    pub port: Option<u16>,
    /// Metadata-based (`external`).
    pub external: bool,
    /// Carry the inner protocol (no Ethernet header).
    pub inner_proto_inherit: bool,
    /// UDP checksums over IPv4.
    pub udp_csum: Option<bool>,
    /// Send IPv6 UDP with a zero checksum.
    pub udp6_zero_csum_tx: Option<bool>,
    /// Accept IPv6 UDP with a zero checksum.
    pub udp6_zero_csum_rx: Option<bool>,
}

impl Geneve {
    /// A GENEVE device with VNI `id` and nothing else set.
    pub const fn new(id: u32) -> Geneve {
        Geneve {
            id: Some(id),
            remote: None,
            ttl: None,
            ttl_inherit: false,
            tos: None,
            df: None,
            label: None,
            port: None,
            external: false,
            inner_proto_inherit: false,
            udp_csum: None,
            udp6_zero_csum_tx: None,
            udp6_zero_csum_rx: None,
        }
    }

    pub(crate) fn check(&self) -> Result<(), InvalidInput> {
        check_udp_tunnel("GENEVE id", self.id, self.label, "GENEVE df", self.df)
    }

    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        let d = w.begin_nested(super::link_req::IFLA_INFO_DATA);
        put_u32(w, 1, self.id);
        put_ip(w, 2, 7, self.remote);
        put_be32(w, 11, self.label);
        put_u8(w, 3, self.ttl);
        if self.ttl_inherit {
            w.attr_u8(12, 1);
        }
        put_u8(w, 4, self.tos);
        put_u8(w, 13, self.df);
        put_be16(w, 5, self.port);
        if self.external {
            w.attr_flag(6);
        }
        if self.inner_proto_inherit {
            w.attr_flag(14);
        }
        put_bool(w, 8, self.udp_csum);
        put_bool(w, 9, self.udp6_zero_csum_tx);
        put_bool(w, 10, self.udp6_zero_csum_rx);
        w.end_nested(d);
    }
}

// ---- VXLAN --------------------------------------------------------------

/// A VXLAN device's settings (`IFLA_VXLAN_*`).
///
/// ```
/// use nlwire::route::Vxlan;
/// let v = Vxlan { port: Some(4789), learning: Some(false), ..Vxlan::new(42) };
/// assert_eq!(v.id, Some(42));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Vxlan {
    /// VNI (24 bits); `None` for an `external` device.
    pub id: Option<u32>,
    /// Multicast group or unicast remote.
    pub remote: Option<IpAddr>,
    /// Local address.
    pub local: Option<IpAddr>,
    /// Lower link index.
    pub link: Option<u32>,
    /// Destination UDP port (the kernel's default is 8472; `ip` asks for 4789).
    pub port: Option<u16>,
    /// Source port range (low, high).
    pub port_range: Option<(u16, u16)>,
    /// TTL (0: auto).
    pub ttl: Option<u8>,
    /// Inherit the inner TTL.
    pub ttl_inherit: bool,
    /// TOS (1: inherit).
    pub tos: Option<u8>,
    /// DF: 0 unset, 1 set, 2 inherit.
    pub df: Option<u8>,
    /// IPv6 flow label (20 bits).
    pub label: Option<u32>,
    /// Learn remote addresses into the forwarding database (default on).
    pub learning: Option<bool>,
    /// Answer ARP and neighbour solicitations from the database.
    pub proxy: Option<bool>,
    /// Route short-circuiting.
    pub rsc: Option<bool>,
    /// Notify on a missing layer 2 entry.
    pub l2miss: Option<bool>,
    /// Notify on a missing layer 3 entry.
    pub l3miss: Option<bool>,
    /// Seconds before a learnt entry expires (0: never).
    pub ageing: Option<u32>,
    /// Most entries in the forwarding database (0: unlimited).
    pub limit: Option<u32>,
    /// UDP checksums over IPv4.
    pub udp_csum: Option<bool>,
    /// Send IPv6 UDP with a zero checksum.
    pub udp6_zero_csum_tx: Option<bool>,
    /// Accept IPv6 UDP with a zero checksum.
    pub udp6_zero_csum_rx: Option<bool>,
    /// Remote checksum offload on transmit.
    pub remcsum_tx: Option<bool>,
    /// Remote checksum offload on receive.
    pub remcsum_rx: Option<bool>,
    /// Metadata-based (`external`).
    pub external: Option<bool>,
    /// Group Based Policy extension.
    pub gbp: bool,
    /// Generic Protocol Extension.
    pub gpe: bool,
    /// Per-VNI filtering (with `external`).
    pub vnifilter: Option<bool>,
}

impl Vxlan {
    /// A VXLAN device with VNI `id` and nothing else set.
    pub const fn new(id: u32) -> Vxlan {
        Vxlan {
            id: Some(id),
            remote: None,
            local: None,
            link: None,
            port: None,
            port_range: None,
            ttl: None,
            ttl_inherit: false,
            tos: None,
            df: None,
            label: None,
            learning: None,
            proxy: None,
            rsc: None,
            l2miss: None,
            l3miss: None,
            ageing: None,
            limit: None,
            udp_csum: None,
            udp6_zero_csum_tx: None,
            udp6_zero_csum_rx: None,
            remcsum_tx: None,
            remcsum_rx: None,
            external: None,
            gbp: false,
            gpe: false,
            vnifilter: None,
        }
    }

    pub(crate) fn check(&self) -> Result<(), InvalidInput> {
        check_udp_tunnel("VXLAN id", self.id, self.label, "VXLAN df", self.df)?;
        if let (Some(r), Some(l)) = (&self.remote, &self.local) {
            super::check_family(r, "local address", l)?;
        }
        if let Some((_, hi)) = self.port_range.filter(|(lo, hi)| hi < lo) {
            return Err(InvalidInput::OutOfRange {
                what: "VXLAN source port range's high end",
                value: hi.into(),
                range: "at least its low end",
            });
        }
        Ok(())
    }

    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        let d = w.begin_nested(super::link_req::IFLA_INFO_DATA);
        put_u32(w, 1, self.id);
        put_ip(w, 2, 16, self.remote);
        put_ip(w, 4, 17, self.local);
        put_u32(w, 3, self.link);
        put_u8(w, 5, self.ttl);
        if self.ttl_inherit {
            w.attr_flag(28);
        }
        put_u8(w, 6, self.tos);
        put_u8(w, 29, self.df);
        put_be32(w, 26, self.label);
        put_bool(w, 7, self.learning);
        put_u32(w, 8, self.ageing);
        put_u32(w, 9, self.limit);
        if let Some((lo, hi)) = self.port_range {
            let mut b = [0u8; 4];
            b[..2].copy_from_slice(&lo.to_be_bytes());
            b[2..].copy_from_slice(&hi.to_be_bytes());
            w.attr(10, &b);
        }
        put_bool(w, 11, self.proxy);
        put_bool(w, 12, self.rsc);
        put_bool(w, 13, self.l2miss);
        put_bool(w, 14, self.l3miss);
        put_be16(w, 15, self.port);
        put_bool(w, 18, self.udp_csum);
        put_bool(w, 19, self.udp6_zero_csum_tx);
        put_bool(w, 20, self.udp6_zero_csum_rx);
        put_bool(w, 21, self.remcsum_tx);
        put_bool(w, 22, self.remcsum_rx);
        if self.gbp {
            w.attr_flag(23);
        }
        put_bool(w, 25, self.external);
        if self.gpe {
            w.attr_flag(27);
        }
        put_bool(w, 30, self.vnifilter);
        w.end_nested(d);
    }
}

// ---- bonds --------------------------------------------------------------

/// A bond's settings (`IFLA_BOND_*`). Names follow `ip link add type bond`
/// and the kernel's bonding documentation; enumerated settings take the
/// kernel's numbers (as `ip` sends them: `arp_validate` 0 none … 6
/// filter_backup, `xmit_hash_policy` 0 layer2 … 5 vlan+srcmac, …).
///
/// Unlike a tunnel's, a bond's change keeps what is not given, so the same
/// settings serve to change one ([`super::LinkRequest::kind_settings`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bond<'a> {
    /// Mode (`None`: the kernel's default, balance-rr).
    pub mode: Option<BondMode>,
    /// The active port (ifindex; 0 clears it).
    pub active_slave: Option<u32>,
    /// MII link monitoring interval, ms.
    pub miimon: Option<u32>,
    /// Delay before enabling a port that came up, ms.
    pub updelay: Option<u32>,
    /// Delay before disabling a port that went down, ms.
    pub downdelay: Option<u32>,
    /// Delay between peer notifications, ms.
    pub peer_notif_delay: Option<u32>,
    /// Use the carrier state instead of MII ioctls.
    pub use_carrier: Option<u8>,
    /// ARP monitoring interval, ms.
    pub arp_interval: Option<u32>,
    /// ARP monitoring targets (up to 16).
    pub arp_ip_target: Option<&'a [Ipv4Addr]>,
    /// IPv6 neighbour solicitation targets (up to 16).
    pub ns_ip6_target: Option<&'a [Ipv6Addr]>,
    /// ARP validation (`BOND_ARP_VALIDATE_*`: 0 none … 6 filter_backup).
    pub arp_validate: Option<u32>,
    /// 0: any target up is enough; 1: all must be.
    pub arp_all_targets: Option<u32>,
    /// Missed ARP replies before a port is down.
    pub missed_max: Option<u8>,
    /// The preferred port (ifindex).
    pub primary: Option<u32>,
    /// When the primary becomes active again (0 always, 1 better, 2 failure).
    pub primary_reselect: Option<u8>,
    /// MAC policy on failover (0 none, 1 active, 2 follow).
    pub fail_over_mac: Option<u8>,
    /// Transmit hash (0 layer2, 1 layer3+4, 2 layer2+3, 3 encap2+3, 4
    /// encap3+4, 5 vlan+srcmac).
    pub xmit_hash_policy: Option<u8>,
    /// IGMP reports sent after a failover.
    pub resend_igmp: Option<u32>,
    /// Peer notifications after a failover (`num_grat_arp`).
    pub num_peer_notif: Option<u8>,
    /// Deliver duplicate frames on inactive ports.
    pub all_slaves_active: Option<u8>,
    /// Ports that must be up for the bond to have carrier.
    pub min_links: Option<u32>,
    /// Learning packet interval, s.
    pub lp_interval: Option<u32>,
    /// balance-rr: packets per port before moving on.
    pub packets_per_slave: Option<u32>,
    /// 802.3ad: 0 slow, 1 fast.
    pub ad_lacp_rate: Option<u8>,
    /// 802.3ad: 0 off (passive), 1 on.
    pub ad_lacp_active: Option<u8>,
    /// 802.3ad aggregator selection (0 stable, 1 bandwidth, 2 count).
    pub ad_select: Option<u8>,
    /// 802.3ad actor system priority.
    pub ad_actor_sys_prio: Option<u16>,
    /// 802.3ad user port key.
    pub ad_user_port_key: Option<u16>,
    /// 802.3ad actor system MAC address.
    pub ad_actor_system: Option<[u8; 6]>,
    /// balance-tlb: dynamic shuffling of flows.
    pub tlb_dynamic_lb: Option<u8>,
}

impl Bond<'_> {
    pub(crate) fn check(&self) -> Result<(), InvalidInput> {
        for (what, n) in [
            ("ARP targets", self.arp_ip_target.map_or(0, <[_]>::len)),
            ("NS targets", self.ns_ip6_target.map_or(0, <[_]>::len)),
        ] {
            if n > 16 {
                return Err(InvalidInput::OutOfRange {
                    what,
                    value: n as u64,
                    range: "at most 16",
                });
            }
        }
        Ok(())
    }

    /// `IFLA_INFO_DATA`, or nothing when no setting is given.
    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        if *self == Bond::default() {
            return;
        }
        let d = w.begin_nested(super::link_req::IFLA_INFO_DATA);
        put_u8(w, 1, self.mode.map(|m| m as u8));
        put_u32(w, 2, self.active_slave);
        put_u32(w, 3, self.miimon);
        put_u32(w, 4, self.updelay);
        put_u32(w, 5, self.downdelay);
        put_u32(w, 28, self.peer_notif_delay);
        put_u8(w, 6, self.use_carrier);
        put_u32(w, 7, self.arp_interval);
        if let Some(t) = self.arp_ip_target {
            let n = w.begin_nested(8);
            for (i, a) in t.iter().enumerate() {
                w.attr(i as u16, &a.octets());
            }
            w.end_nested(n);
        }
        if let Some(t) = self.ns_ip6_target {
            let n = w.begin_nested(31);
            for (i, a) in t.iter().enumerate() {
                w.attr(i as u16, &a.octets());
            }
            w.end_nested(n);
        }
        put_u32(w, 9, self.arp_validate);
        put_u32(w, 10, self.arp_all_targets);
        put_u8(w, 30, self.missed_max);
        put_u32(w, 11, self.primary);
        put_u8(w, 12, self.primary_reselect);
        put_u8(w, 13, self.fail_over_mac);
        put_u8(w, 14, self.xmit_hash_policy);
        put_u32(w, 15, self.resend_igmp);
        put_u8(w, 16, self.num_peer_notif);
        put_u8(w, 17, self.all_slaves_active);
        put_u32(w, 18, self.min_links);
        put_u32(w, 19, self.lp_interval);
        put_u32(w, 20, self.packets_per_slave);
        put_u8(w, 21, self.ad_lacp_rate);
        put_u8(w, 29, self.ad_lacp_active);
        put_u8(w, 22, self.ad_select);
        put_u16(w, 24, self.ad_actor_sys_prio);
        put_u16(w, 25, self.ad_user_port_key);
        if let Some(m) = self.ad_actor_system {
            w.attr(26, &m);
        }
        put_u8(w, 27, self.tlb_dynamic_lb);
        w.end_nested(d);
    }
}

// ---- decoding -----------------------------------------------------------

fn addr_of(what: &'static str, a: &Attr<'_>) -> Result<IpAddr, DecodeError> {
    let p = a.payload();
    if let Ok(b) = <[u8; 4]>::try_from(p) {
        Ok(IpAddr::from(b))
    } else if let Ok(b) = <[u8; 16]>::try_from(p) {
        Ok(IpAddr::from(b))
    } else {
        Err(DecodeError::AttrSize {
            what,
            kind: a.kind(),
            len: p.len(),
            expected: 4,
        })
    }
}

/// A `u8` attribute as a flag (nonzero: on).
fn bool_of(a: &Attr<'_>) -> Result<bool, DecodeError> {
    Ok(a.u8()? != 0)
}

impl Tunnel {
    /// Decodes a `kind` tunnel's `IFLA_INFO_DATA` as the kernel reports it
    /// (it reports every setting; `ikey`/`okey` are `Some` only with the
    /// key flag, which `iflags`/`oflags` then leave out). ERSPAN and 6rd
    /// settings are skipped.
    pub fn parse(kind: TunnelKind, data: &[u8]) -> Result<Tunnel, DecodeError> {
        const WHAT: &str = "tunnel settings";
        let mut t = Tunnel::new(kind);
        let mut e = TunnelEncap::default();
        let mut has_encap = false;
        let (mut ikey, mut okey) = (None, None);
        for a in Attrs::new(data) {
            let a = a?;
            if kind.is_gre() {
                match a.kind() {
                    1 => t.link = Some(a.u32()?),
                    2 => t.iflags = a.be16()?,
                    3 => t.oflags = a.be16()?,
                    4 => ikey = Some(a.be32()?),
                    5 => okey = Some(a.be32()?),
                    6 => t.local = Some(addr_of(WHAT, &a)?),
                    7 => t.remote = Some(addr_of(WHAT, &a)?),
                    8 => t.ttl = Some(a.u8()?),
                    9 => t.tos = Some(a.u8()?),
                    10 => t.pmtudisc = Some(bool_of(&a)?),
                    11 => t.encap_limit = Some(a.u8()?),
                    12 => t.flowinfo = Some(a.be32()?),
                    13 => t.flags = Some(a.u32()?),
                    14 => (e.kind, has_encap) = (a.u16()?, true),
                    15 => (e.flags, has_encap) = (a.u16()?, true),
                    16 => (e.sport, has_encap) = (a.be16()?, true),
                    17 => (e.dport, has_encap) = (a.be16()?, true),
                    18 => t.external = true,
                    19 => t.ignore_df = Some(bool_of(&a)?),
                    20 => t.fwmark = Some(a.u32()?),
                    _ => {}
                }
            } else {
                match a.kind() {
                    1 => t.link = Some(a.u32()?),
                    2 => t.local = Some(addr_of(WHAT, &a)?),
                    3 => t.remote = Some(addr_of(WHAT, &a)?),
                    4 => t.ttl = Some(a.u8()?),
                    5 => t.tos = Some(a.u8()?),
                    6 => t.encap_limit = Some(a.u8()?),
                    7 => t.flowinfo = Some(a.be32()?),
                    8 => {
                        t.flags = Some(match a.payload().len() {
                            2 => a.u16()?.into(),
                            _ => a.u32()?,
                        })
                    }
                    9 => t.proto = Some(a.u8()?),
                    10 => t.pmtudisc = Some(bool_of(&a)?),
                    15 => (e.kind, has_encap) = (a.u16()?, true),
                    16 => (e.flags, has_encap) = (a.u16()?, true),
                    17 => (e.sport, has_encap) = (a.be16()?, true),
                    18 => (e.dport, has_encap) = (a.be16()?, true),
                    19 => t.external = true,
                    20 => t.fwmark = Some(a.u32()?),
                    _ => {}
                }
            }
        }
        if kind.is_gre() {
            if t.iflags & GRE_KEY != 0 {
                t.ikey = Some(ikey.unwrap_or(0));
            }
            if t.oflags & GRE_KEY != 0 {
                t.okey = Some(okey.unwrap_or(0));
            }
            t.iflags &= !GRE_KEY;
            t.oflags &= !GRE_KEY;
        }
        if has_encap {
            t.encap = Some(e);
        }
        Ok(t)
    }
}

impl Geneve {
    /// Decodes a GENEVE device's `IFLA_INFO_DATA`.
    pub fn parse(data: &[u8]) -> Result<Geneve, DecodeError> {
        let mut g = Geneve::default();
        for a in Attrs::new(data) {
            let a = a?;
            match a.kind() {
                1 => g.id = Some(a.u32()?),
                2 | 7 => g.remote = Some(addr_of("GENEVE settings", &a)?),
                3 => g.ttl = Some(a.u8()?),
                4 => g.tos = Some(a.u8()?),
                5 => g.port = Some(a.be16()?),
                6 => g.external = true,
                8 => g.udp_csum = Some(bool_of(&a)?),
                9 => g.udp6_zero_csum_tx = Some(bool_of(&a)?),
                10 => g.udp6_zero_csum_rx = Some(bool_of(&a)?),
                11 => g.label = Some(a.be32()?),
                12 => g.ttl_inherit = bool_of(&a)?,
                13 => g.df = Some(a.u8()?),
                14 => g.inner_proto_inherit = true,
                _ => {}
            }
        }
        Ok(g)
    }
}

impl Vxlan {
    /// Decodes a VXLAN device's `IFLA_INFO_DATA`.
    pub fn parse(data: &[u8]) -> Result<Vxlan, DecodeError> {
        const WHAT: &str = "VXLAN settings";
        let mut v = Vxlan::default();
        for a in Attrs::new(data) {
            let a = a?;
            match a.kind() {
                1 => v.id = Some(a.u32()?),
                2 | 16 => v.remote = Some(addr_of(WHAT, &a)?),
                3 => v.link = Some(a.u32()?),
                4 | 17 => v.local = Some(addr_of(WHAT, &a)?),
                5 => v.ttl = Some(a.u8()?),
                6 => v.tos = Some(a.u8()?),
                7 => v.learning = Some(bool_of(&a)?),
                8 => v.ageing = Some(a.u32()?),
                9 => v.limit = Some(a.u32()?),
                10 => {
                    let p = a.payload();
                    let b = <[u8; 4]>::try_from(p).map_err(|_| DecodeError::AttrSize {
                        what: WHAT,
                        kind: 10,
                        len: p.len(),
                        expected: 4,
                    })?;
                    v.port_range = Some((
                        u16::from_be_bytes([b[0], b[1]]),
                        u16::from_be_bytes([b[2], b[3]]),
                    ));
                }
                11 => v.proxy = Some(bool_of(&a)?),
                12 => v.rsc = Some(bool_of(&a)?),
                13 => v.l2miss = Some(bool_of(&a)?),
                14 => v.l3miss = Some(bool_of(&a)?),
                15 => v.port = Some(a.be16()?),
                18 => v.udp_csum = Some(bool_of(&a)?),
                19 => v.udp6_zero_csum_tx = Some(bool_of(&a)?),
                20 => v.udp6_zero_csum_rx = Some(bool_of(&a)?),
                21 => v.remcsum_tx = Some(bool_of(&a)?),
                22 => v.remcsum_rx = Some(bool_of(&a)?),
                23 => v.gbp = true,
                25 => v.external = Some(bool_of(&a)?),
                26 => v.label = Some(a.be32()?),
                27 => v.gpe = true,
                // A flag in requests; a u8 in what the kernel reports.
                28 => v.ttl_inherit = a.payload().is_empty() || bool_of(&a)?,
                29 => v.df = Some(a.u8()?),
                30 => v.vnifilter = Some(bool_of(&a)?),
                _ => {}
            }
        }
        Ok(v)
    }
}

impl Bond<'static> {
    /// Decodes a bond's `IFLA_INFO_DATA`. The ARP and NS targets are left
    /// out (a decoded value holds no list); read them with
    /// [`Bond::arp_targets`] and [`Bond::ns_targets`].
    pub fn parse(data: &[u8]) -> Result<Bond<'static>, DecodeError> {
        let mut b = Bond::default();
        for a in Attrs::new(data) {
            let a = a?;
            match a.kind() {
                1 => b.mode = BondMode::from_number(a.u8()?),
                2 => b.active_slave = Some(a.u32()?),
                3 => b.miimon = Some(a.u32()?),
                4 => b.updelay = Some(a.u32()?),
                5 => b.downdelay = Some(a.u32()?),
                6 => b.use_carrier = Some(a.u8()?),
                7 => b.arp_interval = Some(a.u32()?),
                9 => b.arp_validate = Some(a.u32()?),
                10 => b.arp_all_targets = Some(a.u32()?),
                11 => b.primary = Some(a.u32()?),
                12 => b.primary_reselect = Some(a.u8()?),
                13 => b.fail_over_mac = Some(a.u8()?),
                14 => b.xmit_hash_policy = Some(a.u8()?),
                15 => b.resend_igmp = Some(a.u32()?),
                16 => b.num_peer_notif = Some(a.u8()?),
                17 => b.all_slaves_active = Some(a.u8()?),
                18 => b.min_links = Some(a.u32()?),
                19 => b.lp_interval = Some(a.u32()?),
                20 => b.packets_per_slave = Some(a.u32()?),
                21 => b.ad_lacp_rate = Some(a.u8()?),
                22 => b.ad_select = Some(a.u8()?),
                24 => b.ad_actor_sys_prio = Some(a.u16()?),
                25 => b.ad_user_port_key = Some(a.u16()?),
                26 => {
                    let p = a.payload();
                    b.ad_actor_system =
                        Some(<[u8; 6]>::try_from(p).map_err(|_| DecodeError::AttrSize {
                            what: "bond settings",
                            kind: 26,
                            len: p.len(),
                            expected: 6,
                        })?);
                }
                27 => b.tlb_dynamic_lb = Some(a.u8()?),
                28 => b.peer_notif_delay = Some(a.u32()?),
                29 => b.ad_lacp_active = Some(a.u8()?),
                30 => b.missed_max = Some(a.u8()?),
                _ => {}
            }
        }
        Ok(b)
    }

    /// The ARP monitoring targets in a bond's `IFLA_INFO_DATA`.
    pub fn arp_targets(data: &[u8]) -> impl Iterator<Item = Result<Ipv4Addr, DecodeError>> + '_ {
        Self::targets(data, 8).map(|a| {
            a.and_then(|p| {
                <[u8; 4]>::try_from(p)
                    .map(Ipv4Addr::from)
                    .map_err(|_| DecodeError::AttrSize {
                        what: "bond ARP target",
                        kind: 8,
                        len: p.len(),
                        expected: 4,
                    })
            })
        })
    }

    /// The IPv6 neighbour solicitation targets in a bond's `IFLA_INFO_DATA`.
    pub fn ns_targets(data: &[u8]) -> impl Iterator<Item = Result<Ipv6Addr, DecodeError>> + '_ {
        Self::targets(data, 31).map(|a| {
            a.and_then(|p| {
                <[u8; 16]>::try_from(p)
                    .map(Ipv6Addr::from)
                    .map_err(|_| DecodeError::AttrSize {
                        what: "bond NS target",
                        kind: 31,
                        len: p.len(),
                        expected: 16,
                    })
            })
        })
    }

    /// The payloads nested in attribute `nest` (an error for a malformed
    /// list ends it).
    fn targets(data: &[u8], nest: u16) -> impl Iterator<Item = Result<&[u8], DecodeError>> + '_ {
        let list = Attrs::new(data)
            .find(nest)
            .map(|a| a.map_or(&[][..], |a| a.payload()));
        let (err, list) = match list {
            Ok(l) => (None, l),
            Err(e) => (Some(e), &[][..]),
        };
        err.map(Err)
            .into_iter()
            .chain(Attrs::new(list).map(|a| a.map(|a| a.payload())))
    }
}

/// A link kind's settings as the kernel reports them (`IFLA_INFO_DATA`),
/// decoded for the kinds nlwire writes with settings of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KindSettings<'a> {
    /// An IP tunnel.
    Tunnel(Tunnel),
    /// A GENEVE device.
    Geneve(Geneve),
    /// A VXLAN device.
    Vxlan(Vxlan),
    /// A bond (its targets: [`Bond::arp_targets`] and [`Bond::ns_targets`]
    /// of the same `IFLA_INFO_DATA`).
    Bond(Bond<'static>),
    /// A bridge.
    Bridge(super::bridge_opts::Bridge),
    /// A VRF and its table.
    Vrf {
        /// The routing table.
        table: u32,
    },
    /// Another kind: its attributes undecoded.
    Other(&'a [u8]),
}

impl<'a> KindSettings<'a> {
    /// Decodes the `IFLA_INFO_DATA` payload `data` of a link of `kind`
    /// (`IFLA_INFO_KIND`).
    pub fn parse(kind: &str, data: &'a [u8]) -> Result<KindSettings<'a>, DecodeError> {
        let tunnel = match kind {
            "gre" => Some(TunnelKind::Gre),
            "gretap" => Some(TunnelKind::Gretap),
            "ip6gre" => Some(TunnelKind::Ip6gre),
            "ip6gretap" => Some(TunnelKind::Ip6gretap),
            "ipip" => Some(TunnelKind::Ipip),
            "sit" => Some(TunnelKind::Sit),
            "ip6tnl" => Some(TunnelKind::Ip6tnl),
            _ => None,
        };
        Ok(match (kind, tunnel) {
            (_, Some(t)) => KindSettings::Tunnel(Tunnel::parse(t, data)?),
            ("geneve", _) => KindSettings::Geneve(Geneve::parse(data)?),
            ("vxlan", _) => KindSettings::Vxlan(Vxlan::parse(data)?),
            ("bond", _) => KindSettings::Bond(Bond::parse(data)?),
            ("bridge", _) => KindSettings::Bridge(super::bridge_opts::Bridge::parse(data)?),
            ("vrf", _) => match Attrs::new(data).find(1)? {
                Some(a) => KindSettings::Vrf { table: a.u32()? },
                None => KindSettings::Other(data),
            },
            _ => KindSettings::Other(data),
        })
    }
}
