//! Link writes: create a link of a kind (`RTM_NEWLINK` with `NLM_F_CREATE`)
//! and change one (`RTM_NEWLINK` without it, as `ip link set` does).

use core::fmt;

use super::bridge_opts::{Bridge, PortSettings};
use super::kinds::{Bond, Geneve, Tunnel, Vxlan};
use super::link::emit_link_ref;
use super::link::{
    IFF_UP, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINK,
    IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_TXQLEN, IfInfoMsg,
};
use super::{RTM_DELLINK, RTM_NEWLINK, validate_ifname};
use crate::request::Request;
use crate::wire::{NLM_F_CREATE, NLM_F_EXCL, Writer};
use crate::{InvalidInput, LinkRef};

/// `IFLA_NET_NS_PID`: move to the namespace of this process.
pub const IFLA_NET_NS_PID: u16 = 19;
/// `IFLA_NET_NS_FD`: move to the namespace of this file descriptor.
pub const IFLA_NET_NS_FD: u16 = 28;
/// `IFLA_INFO_DATA` (inside `IFLA_LINKINFO`): the kind's own attributes.
pub const IFLA_INFO_DATA: u16 = 2;
/// `VETH_INFO_PEER`: the peer's `ifinfomsg` and attributes.
pub const VETH_INFO_PEER: u16 = 1;
/// `IFLA_MACVLAN_MODE`.
pub const IFLA_MACVLAN_MODE: u16 = 1;
/// `IFLA_IPVLAN_MODE`.
pub const IFLA_IPVLAN_MODE: u16 = 1;
/// `IFLA_VLAN_ID`.
pub const IFLA_VLAN_ID: u16 = 1;
/// `IFLA_VLAN_PROTOCOL` (big-endian ethertype).
pub const IFLA_VLAN_PROTOCOL: u16 = 5;
/// `IFLA_VXLAN_ID`.
pub const IFLA_VXLAN_ID: u16 = 1;
/// `IFLA_VXLAN_GROUP`: IPv4 group or remote.
pub const IFLA_VXLAN_GROUP: u16 = 2;
/// `IFLA_VXLAN_LINK`.
pub const IFLA_VXLAN_LINK: u16 = 3;
/// `IFLA_VXLAN_LOCAL`: IPv4 local address.
pub const IFLA_VXLAN_LOCAL: u16 = 4;
/// `IFLA_VXLAN_PORT` (big-endian UDP port).
pub const IFLA_VXLAN_PORT: u16 = 15;
/// `IFLA_VXLAN_GROUP6`.
pub const IFLA_VXLAN_GROUP6: u16 = 16;
/// `IFLA_VXLAN_LOCAL6`.
pub const IFLA_VXLAN_LOCAL6: u16 = 17;
/// `IFLA_BOND_MODE`.
pub const IFLA_BOND_MODE: u16 = 1;
/// `IFLA_INFO_SLAVE_KIND`: the kind of the link's master.
pub const IFLA_INFO_SLAVE_KIND: u16 = 4;
/// `IFLA_VRF_TABLE`.
pub const IFLA_VRF_TABLE: u16 = 1;

/// A network namespace given to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetnsRef {
    /// An open file descriptor of the namespace (`/var/run/netns/NAME`,
    /// `/proc/PID/ns/net`). It must stay open until the request is sent.
    Fd(i32),
    /// The namespace of process `pid`.
    Pid(u32),
}

impl NetnsRef {
    fn emit(self, w: &mut Writer<'_>) {
        match self {
            NetnsRef::Fd(fd) => w.attr_u32(IFLA_NET_NS_FD, fd as u32),
            NetnsRef::Pid(pid) => w.attr_u32(IFLA_NET_NS_PID, pid),
        }
    }
}

/// `MACVLAN_MODE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum MacvlanMode {
    /// No traffic between macvlans of one lower link.
    Private = 1,
    /// Traffic between them goes through the external switch.
    Vepa = 2,
    /// Traffic between them is bridged directly (`ip`'s default choice).
    Bridge = 4,
    /// Take over the lower link.
    Passthru = 8,
    /// Receive by source MAC address list.
    Source = 16,
}

/// `IPVLAN_MODE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum IpvlanMode {
    /// Layer 2.
    L2 = 0,
    /// Layer 3.
    L3 = 1,
    /// Layer 3 with netfilter.
    L3s = 2,
}

/// Bond modes (`IFLA_BOND_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BondMode {
    /// `balance-rr`.
    BalanceRr = 0,
    /// `active-backup`.
    ActiveBackup = 1,
    /// `balance-xor`.
    BalanceXor = 2,
    /// `broadcast`.
    Broadcast = 3,
    /// `802.3ad`.
    Lacp = 4,
    /// `balance-tlb`.
    BalanceTlb = 5,
    /// `balance-alb`.
    BalanceAlb = 6,
}

impl BondMode {
    /// The mode of number `n` (`BOND_MODE_*`), if there is one.
    pub const fn from_number(n: u8) -> Option<BondMode> {
        Some(match n {
            0 => BondMode::BalanceRr,
            1 => BondMode::ActiveBackup,
            2 => BondMode::BalanceXor,
            3 => BondMode::Broadcast,
            4 => BondMode::Lacp,
            5 => BondMode::BalanceTlb,
            6 => BondMode::BalanceAlb,
            _ => return None,
        })
    }
}

macro_rules! mode_names {
    ($ty:ident { $($variant:ident = $name:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $ty {
            /// The name `ip` uses.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl core::str::FromStr for $ty {
            type Err = super::names::UnknownName;
            /// `ip`'s name for the mode.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name $(| $alias)* => Ok($ty::$variant),)+
                    _ => Err(super::names::UnknownName),
                }
            }
        }
    };
}

mode_names!(MacvlanMode {
    Private = "private",
    Vepa = "vepa",
    Bridge = "bridge",
    Passthru = "passthru",
    Source = "source",
});
mode_names!(IpvlanMode {
    L2 = "l2",
    L3 = "l3",
    L3s = "l3s",
});
mode_names!(BondMode {
    BalanceRr = "balance-rr" | "0",
    ActiveBackup = "active-backup" | "1",
    BalanceXor = "balance-xor" | "2",
    Broadcast = "broadcast" | "3",
    Lacp = "802.3ad" | "4",
    BalanceTlb = "balance-tlb" | "5",
    BalanceAlb = "balance-alb" | "6",
});

/// The kind of a link to create, with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkKind<'a> {
    /// A veth pair; the peer may be created directly in another namespace.
    Veth {
        /// The peer's name.
        peer: &'a str,
        /// Where the peer goes (default: the same namespace).
        peer_netns: Option<NetnsRef>,
    },
    /// A veth pair whose peer the kernel names (`veth0`, `veth1`, …), as
    /// `ip link add NAME type veth` without a peer name makes one. Without
    /// [`LinkRequest::veth_peer`] and `peer_netns` nothing is sent about
    /// the peer, and the kernel gives the peer this link's own settings
    /// (MTU, address, …), as it does for `ip`; with either, the peer gets
    /// only the settings given.
    VethUnnamedPeer {
        /// Where the peer goes (default: the same namespace).
        peer_netns: Option<NetnsRef>,
    },
    /// A bridge, with its settings (all may be left out:
    /// `Bridge::default()`).
    Bridge(Bridge),
    /// A dummy link.
    Dummy,
    /// A WireGuard interface (configure it with
    /// [`crate::genl::wireguard`]).
    Wireguard,
    /// A macvlan on top of link `link`.
    Macvlan {
        /// Lower link index.
        link: u32,
        /// Mode.
        mode: MacvlanMode,
    },
    /// An ipvlan on top of link `link`.
    Ipvlan {
        /// Lower link index.
        link: u32,
        /// Mode.
        mode: IpvlanMode,
    },
    /// An 802.1Q VLAN on top of link `link`.
    Vlan {
        /// Lower link index.
        link: u32,
        /// VLAN id (0–4094).
        id: u16,
    },
    /// A VXLAN.
    Vxlan(Vxlan),
    /// A bond (its settings may all be left out).
    Bond(Bond<'a>),
    /// A VRF: an L3 master device bound to a routing table.
    Vrf {
        /// The routing table (not 0; 255 `local` and 254 `main` are the
        /// kernel's own, and it refuses them).
        table: u32,
    },
    /// A macvtap on top of link `link`: a macvlan with a character device.
    Macvtap {
        /// Lower link index.
        link: u32,
        /// Mode.
        mode: MacvlanMode,
    },
    /// An IP tunnel (`gre`, `gretap`, `ip6gre`, `ip6gretap`, `ipip`, `sit`,
    /// `ip6tnl`).
    Tunnel(Tunnel),
    /// A GENEVE tunnel.
    Geneve(Geneve),
    /// Any other kind, by name (`IFLA_INFO_KIND`: `ifb`, `nlmon`, …),
    /// with no kind-specific settings; the kernel says whether it has it.
    Named(&'a str),
}

impl<'a> LinkKind<'a> {
    /// The `IFLA_INFO_KIND` string.
    pub fn name(&self) -> &'a str {
        match *self {
            LinkKind::Veth { .. } | LinkKind::VethUnnamedPeer { .. } => "veth",
            LinkKind::Bridge(_) => "bridge",
            LinkKind::Dummy => "dummy",
            LinkKind::Wireguard => "wireguard",
            LinkKind::Macvlan { .. } => "macvlan",
            LinkKind::Ipvlan { .. } => "ipvlan",
            LinkKind::Vlan { .. } => "vlan",
            LinkKind::Vxlan(_) => "vxlan",
            LinkKind::Bond(_) => "bond",
            LinkKind::Vrf { .. } => "vrf",
            LinkKind::Macvtap { .. } => "macvtap",
            LinkKind::Tunnel(t) => t.kind.name(),
            LinkKind::Geneve(_) => "geneve",
            LinkKind::Named(n) => n,
        }
    }

    fn check(&self) -> Result<(), InvalidInput> {
        match *self {
            LinkKind::Veth { peer, .. } => validate_ifname(peer),
            LinkKind::Named(n) if n.is_empty() || n.len() > 63 || n.contains('\0') => {
                Err(InvalidInput::BadKind)
            }
            LinkKind::Macvlan { link, .. }
            | LinkKind::Ipvlan { link, .. }
            | LinkKind::Macvtap { link, .. }
                if link == 0 =>
            {
                Err(InvalidInput::ZeroIndex)
            }
            LinkKind::Vlan { link, id } => {
                if link == 0 {
                    return Err(InvalidInput::ZeroIndex);
                }
                if id > 4094 {
                    return Err(InvalidInput::OutOfRange {
                        what: "VLAN id",
                        value: id as u64,
                        range: "0 to 4094",
                    });
                }
                Ok(())
            }
            LinkKind::Vrf { table: 0 } => Err(InvalidInput::OutOfRange {
                what: "VRF table",
                value: 0,
                range: "1 to 4294967295",
            }),
            LinkKind::Vxlan(v) => v.check(),
            LinkKind::Geneve(g) => g.check(),
            LinkKind::Tunnel(t) => t.check(),
            LinkKind::Bond(b) => b.check(),
            _ => Ok(()),
        }
    }

    /// The lower link, for kinds stacked on one.
    fn lower(&self) -> Option<u32> {
        match *self {
            LinkKind::Macvlan { link, .. }
            | LinkKind::Macvtap { link, .. }
            | LinkKind::Ipvlan { link, .. }
            | LinkKind::Vlan { link, .. } => Some(link),
            _ => None,
        }
    }

    /// `peer`: the veth peer's settings, when given.
    fn emit_data(&self, w: &mut Writer<'_>, peer: Option<&Common<'_>>) {
        let veth = match *self {
            LinkKind::Veth { peer, peer_netns } => Some((Some(peer), peer_netns)),
            LinkKind::VethUnnamedPeer { peer_netns } => Some((None, peer_netns)),
            _ => None,
        };
        let settings = peer.copied().unwrap_or_default();
        match *self {
            LinkKind::VethUnnamedPeer { peer_netns: None } if peer.is_none() => {}
            LinkKind::Veth { .. } | LinkKind::VethUnnamedPeer { .. } => {
                let (name, peer_netns) = veth.unwrap_or_default();
                let d = w.begin_nested(IFLA_INFO_DATA);
                let p = w.begin_nested(VETH_INFO_PEER);
                let (flags, change) = settings.flags();
                IfInfoMsg {
                    flags,
                    change,
                    ..Default::default()
                }
                .emit(w);
                if let Some(name) = name {
                    w.attr_str(IFLA_IFNAME, name);
                }
                settings.emit(w);
                if let Some(ns) = peer_netns {
                    ns.emit(w);
                }
                w.end_nested(p);
                w.end_nested(d);
            }
            LinkKind::Macvlan { mode, .. } | LinkKind::Macvtap { mode, .. } => {
                let d = w.begin_nested(IFLA_INFO_DATA);
                w.attr_u32(IFLA_MACVLAN_MODE, mode as u32);
                w.end_nested(d);
            }
            LinkKind::Ipvlan { mode, .. } => {
                let d = w.begin_nested(IFLA_INFO_DATA);
                w.attr_u16(IFLA_IPVLAN_MODE, mode as u16);
                w.end_nested(d);
            }
            LinkKind::Vlan { id, .. } => {
                let d = w.begin_nested(IFLA_INFO_DATA);
                w.attr_u16(IFLA_VLAN_ID, id);
                w.end_nested(d);
            }
            LinkKind::Vrf { table } => {
                let d = w.begin_nested(IFLA_INFO_DATA);
                w.attr_u32(IFLA_VRF_TABLE, table);
                w.end_nested(d);
            }
            LinkKind::Vxlan(v) => v.emit(w),
            LinkKind::Bond(b) => b.emit(w),
            LinkKind::Tunnel(t) => t.emit(w),
            LinkKind::Geneve(g) => g.emit(w),
            LinkKind::Bridge(b) => {
                if !b.is_empty() {
                    let d = w.begin_nested(IFLA_INFO_DATA);
                    b.emit_attrs(w);
                    w.end_nested(d);
                }
            }
            LinkKind::Dummy | LinkKind::Wireguard | LinkKind::Named(_) => {}
        }
    }
}

/// `IFLA_OPERSTATE`.
const IFLA_OPERSTATE: u16 = 16;
/// `IFLA_LINKMODE`.
const IFLA_LINKMODE: u16 = 17;
/// `IFLA_GROUP`.
const IFLA_GROUP: u16 = 27;
/// `IFLA_NUM_TX_QUEUES`.
const IFLA_NUM_TX_QUEUES: u16 = 31;
/// `IFLA_NUM_RX_QUEUES`.
const IFLA_NUM_RX_QUEUES: u16 = 32;
/// `IFLA_CARRIER`.
const IFLA_CARRIER: u16 = 33;
/// `IFLA_PROTO_DOWN`.
const IFLA_PROTO_DOWN: u16 = 39;
/// `IFLA_GSO_MAX_SEGS`.
const IFLA_GSO_MAX_SEGS: u16 = 40;
/// `IFLA_GSO_MAX_SIZE`.
const IFLA_GSO_MAX_SIZE: u16 = 41;
/// `IFLA_GRO_MAX_SIZE`.
const IFLA_GRO_MAX_SIZE: u16 = 58;

/// The settings of a link being created or changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Common<'a> {
    /// `IFF_*` bits to set (within `flag_mask`).
    flag_bits: u32,
    /// `IFF_*` bits to change.
    flag_mask: u32,
    mtu: Option<u32>,
    address: Option<&'a [u8]>,
    broadcast: Option<&'a [u8]>,
    master: Option<u32>,
    txqlen: Option<u32>,
    alias: Option<&'a str>,
    netns: Option<NetnsRef>,
    group: Option<u32>,
    linkmode: Option<u8>,
    operstate: Option<u8>,
    num_tx_queues: Option<u32>,
    num_rx_queues: Option<u32>,
    carrier: Option<bool>,
    proto_down: Option<bool>,
    gso_max_size: Option<u32>,
    gso_max_segs: Option<u32>,
    gro_max_size: Option<u32>,
    /// `IFLA_INET6_ADDR_GEN_MODE` in `IFLA_AF_SPEC`'s `AF_INET6` nest.
    addr_gen_mode: Option<u8>,
}

impl Common<'_> {
    fn flags(&self) -> (u32, u32) {
        (self.flag_bits & self.flag_mask, self.flag_mask)
    }

    fn emit(&self, w: &mut Writer<'_>) {
        if let Some(b) = self.broadcast {
            w.attr(IFLA_BROADCAST, b);
        }
        for (kind, v) in [
            (IFLA_GROUP, self.group),
            (IFLA_NUM_TX_QUEUES, self.num_tx_queues),
            (IFLA_NUM_RX_QUEUES, self.num_rx_queues),
            (IFLA_GSO_MAX_SIZE, self.gso_max_size),
            (IFLA_GSO_MAX_SEGS, self.gso_max_segs),
            (IFLA_GRO_MAX_SIZE, self.gro_max_size),
        ] {
            if let Some(v) = v {
                w.attr_u32(kind, v);
            }
        }
        for (kind, v) in [
            (IFLA_LINKMODE, self.linkmode),
            (IFLA_OPERSTATE, self.operstate),
            (IFLA_CARRIER, self.carrier.map(u8::from)),
            (IFLA_PROTO_DOWN, self.proto_down.map(u8::from)),
        ] {
            if let Some(v) = v {
                w.attr_u8(kind, v);
            }
        }
        if let Some(m) = self.mtu {
            w.attr_u32(IFLA_MTU, m);
        }
        if let Some(a) = self.address {
            w.attr(IFLA_ADDRESS, a);
        }
        if let Some(m) = self.master {
            w.attr_u32(IFLA_MASTER, m);
        }
        if let Some(q) = self.txqlen {
            w.attr_u32(IFLA_TXQLEN, q);
        }
        if let Some(a) = self.alias {
            // Without a trailing NUL, as `ip` sends it: the kernel takes the
            // attribute's length as the alias's, so a NUL would make a
            // 255-byte alias 256 (ERANGE) and an empty one a 1-byte alias
            // instead of removing it.
            w.attr(IFLA_IFALIAS, a.as_bytes());
        }
        if let Some(ns) = self.netns {
            ns.emit(w);
        }
        if let Some(m) = self.addr_gen_mode {
            // Nests without NLA_F_NESTED, as `ip` sends them.
            let spec = w.begin_nested_raw(crate::route::linkinfo::IFLA_AF_SPEC);
            let inet6 = w.begin_nested_raw(u16::from(crate::route::AF_INET6));
            w.attr_u8(crate::route::linkinfo::IFLA_INET6_ADDR_GEN_MODE, m);
            w.end_nested(inet6);
            w.end_nested(spec);
        }
    }
}

macro_rules! common_setters {
    () => {
        /// Bring the link up (`true`) or down.
        pub fn up(self, up: bool) -> Self {
            self.flag(IFF_UP, up)
        }

        /// Sets (`true`) or clears an `IFF_*` flag: `IFF_UP`,
        /// `IFF_PROMISC`, `IFF_ALLMULTI`, `IFF_MULTICAST`, `IFF_NOARP`
        /// (`ip link set … arp off` sets `IFF_NOARP`), …
        pub fn flag(mut self, mask: u32, on: bool) -> Self {
            self.common.flag_mask |= mask;
            if on {
                self.common.flag_bits |= mask;
            } else {
                self.common.flag_bits &= !mask;
            }
            self
        }

        /// Link-layer broadcast (or point-to-point peer) address.
        pub fn broadcast(mut self, addr: &'a [u8]) -> Result<Self, InvalidInput> {
            if addr.len() > 32 {
                return Err(InvalidInput::HwAddrTooLong { len: addr.len() });
            }
            self.common.broadcast = Some(addr);
            Ok(self)
        }

        /// Device group (`IFLA_GROUP`; 0 is `default`).
        pub fn group(mut self, group: u32) -> Self {
            self.common.group = Some(group);
            self
        }

        /// Link mode (`IFLA_LINKMODE`: 0 default, 1 dormant).
        pub fn link_mode(mut self, mode: u8) -> Self {
            self.common.linkmode = Some(mode);
            self
        }

        /// Operational state (`IFLA_OPERSTATE`, `IF_OPER_*`).
        pub fn oper_state(mut self, state: u8) -> Self {
            self.common.operstate = Some(state);
            self
        }

        /// Number of transmit queues (at creation).
        pub fn num_tx_queues(mut self, n: u32) -> Self {
            self.common.num_tx_queues = Some(n);
            self
        }

        /// Number of receive queues (at creation).
        pub fn num_rx_queues(mut self, n: u32) -> Self {
            self.common.num_rx_queues = Some(n);
            self
        }

        /// Carrier on or off (`IFLA_CARRIER`, for drivers that allow it).
        pub fn carrier(mut self, on: bool) -> Self {
            self.common.carrier = Some(on);
            self
        }

        /// Protocol down (`IFLA_PROTO_DOWN`).
        pub fn proto_down(mut self, on: bool) -> Self {
            self.common.proto_down = Some(on);
            self
        }

        /// Largest GSO packet (`IFLA_GSO_MAX_SIZE`).
        pub fn gso_max_size(mut self, n: u32) -> Self {
            self.common.gso_max_size = Some(n);
            self
        }

        /// Most GSO segments (`IFLA_GSO_MAX_SEGS`).
        pub fn gso_max_segs(mut self, n: u32) -> Self {
            self.common.gso_max_segs = Some(n);
            self
        }

        /// Largest GRO packet (`IFLA_GRO_MAX_SIZE`).
        pub fn gro_max_size(mut self, n: u32) -> Self {
            self.common.gro_max_size = Some(n);
            self
        }

        /// MTU.
        pub fn mtu(mut self, mtu: u32) -> Self {
            self.common.mtu = Some(mtu);
            self
        }

        /// Link-layer address (at most 32 bytes).
        pub fn address(mut self, addr: &'a [u8]) -> Result<Self, InvalidInput> {
            if addr.len() > 32 {
                return Err(InvalidInput::HwAddrTooLong { len: addr.len() });
            }
            self.common.address = Some(addr);
            Ok(self)
        }

        /// Enslave to master link `index` (a bridge or bond).
        pub fn master(mut self, index: u32) -> Result<Self, InvalidInput> {
            if index == 0 {
                return Err(InvalidInput::ZeroIndex);
            }
            self.common.master = Some(index);
            Ok(self)
        }

        /// Transmit queue length.
        pub fn txqlen(mut self, len: u32) -> Self {
            self.common.txqlen = Some(len);
            self
        }

        /// How the link's IPv6 addresses are generated, as `ip link set …
        /// addrgenmode`: `IN6_ADDR_GEN_MODE_*` (0 eui64, 1 none, 2 stable
        /// privacy, 3 random). The kernel checks the value.
        pub fn addr_gen_mode(mut self, mode: u8) -> Self {
            self.common.addr_gen_mode = Some(mode);
            self
        }

        /// Place the link in namespace `ns`.
        pub fn netns(mut self, ns: NetnsRef) -> Self {
            self.common.netns = Some(ns);
            self
        }
    };
}

/// What a [`LinkRequest`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit<'a> {
    /// `ip link add NAME type KIND`.
    Add { name: &'a str, kind: LinkKind<'a> },
    /// `ip link set DEV`.
    Set {
        link: LinkRef<'a>,
        rename: Option<&'a str>,
        /// New settings of the link's kind (`ip link set DEV type KIND …`).
        kind: Option<LinkKind<'a>>,
        /// New settings of the link as a port of its master (`ip link set
        /// DEV type bridge_slave …`).
        port: Option<PortSettings>,
    },
    /// `ip link del DEV`.
    Delete { link: LinkRef<'a> },
}

/// Create, change or delete a link (`ip link add|set|del`).
///
/// ```
/// use nlwire::route::{LinkKind, LinkRequest};
/// let veth = LinkRequest::add("veth0", LinkKind::Veth { peer: "veth1", peer_netns: None })?
///     .mtu(9000)
///     .up(true);
/// let down = LinkRequest::set("veth0")?.up(false);
/// let gone = LinkRequest::delete("veth0")?;
/// # Ok::<(), nlwire::InvalidInput>(())
/// ```
///
/// Renaming needs the link by index: the name attribute then carries the
/// new name, so a rename and a namespace move happen in one atomic
/// request.
#[derive(Debug, Clone, Copy)]
pub struct LinkRequest<'a> {
    edit: Edit<'a>,
    common: Common<'a>,
    /// A veth peer's own settings, when given.
    peer: Option<Common<'a>>,
}

/// Settings for the other end of a veth pair being created
/// ([`LinkRequest::veth_peer`]): the same setters as [`LinkRequest`]'s.
///
/// ```
/// use nlwire::route::{LinkKind, LinkRequest, LinkSettings};
/// let mac = [2, 0, 0, 0, 0, 1];
/// let r = LinkRequest::add("v0", LinkKind::Veth { peer: "v1", peer_netns: None })?
///     .veth_peer(LinkSettings::new().mtu(1400).address(&mac)?.up(true))?;
/// # Ok::<(), nlwire::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkSettings<'a> {
    common: Common<'a>,
}

impl<'a> LinkSettings<'a> {
    /// No settings.
    pub fn new() -> Self {
        LinkSettings::default()
    }

    common_setters!();
}

impl<'a> LinkRequest<'a> {
    /// A new link named `name` of `kind` (names are checked like the
    /// kernel does, kind settings are range-checked).
    pub fn add(name: &'a str, kind: LinkKind<'a>) -> Result<Self, InvalidInput> {
        validate_ifname(name)?;
        kind.check()?;
        Ok(LinkRequest {
            edit: Edit::Add { name, kind },
            common: Common::default(),
            peer: None,
        })
    }

    /// Changes the link `link` (by name or index; index 0 and invalid
    /// names are refused).
    pub fn set(link: impl Into<LinkRef<'a>>) -> Result<Self, InvalidInput> {
        Ok(LinkRequest {
            edit: Edit::Set {
                link: link.into().check()?,
                rename: None,
                kind: None,
                port: None,
            },
            common: Common::default(),
            peer: None,
        })
    }

    /// Deletes the link `link` (by name or index).
    pub fn delete(link: impl Into<LinkRef<'a>>) -> Result<Self, InvalidInput> {
        Ok(LinkRequest {
            edit: Edit::Delete {
                link: link.into().check()?,
            },
            common: Common::default(),
            peer: None,
        })
    }

    common_setters!();

    /// The settings of a veth pair's other end (its address, MTU, flags,
    /// …; its namespace is [`LinkKind::Veth`]'s `peer_netns`). Refused for
    /// other requests.
    pub fn veth_peer(mut self, settings: LinkSettings<'a>) -> Result<Self, InvalidInput> {
        match self.edit {
            Edit::Add {
                kind: LinkKind::Veth { .. } | LinkKind::VethUnnamedPeer { .. },
                ..
            } => {
                self.peer = Some(settings.common);
                Ok(self)
            }
            _ => Err(InvalidInput::NotVeth),
        }
    }

    /// Alias (`ip link set … alias`), at most 255 bytes, no NUL; empty
    /// removes it. (The kernel ignores an alias given when a link is
    /// created.)
    pub fn alias(mut self, alias: &'a str) -> Result<Self, InvalidInput> {
        if alias.len() > 255 {
            return Err(InvalidInput::AliasTooLong { len: alias.len() });
        }
        if alias.contains('\0') {
            return Err(InvalidInput::NulByte { what: "link alias" });
        }
        self.common.alias = Some(alias);
        Ok(self)
    }

    /// Changes settings of the link's kind, as `ip link set DEV type KIND
    /// …` does: `IFLA_LINKINFO` with the kind and the settings given. Only
    /// for a change ([`LinkRequest::set`]).
    ///
    /// Bonds, VXLAN and GENEVE devices, macvlans and VLANs keep what is
    /// not given. A tunnel's change in the kernel resets every setting not
    /// given, so [`LinkKind::Tunnel`] is refused here
    /// ([`InvalidInput::NotForKind`]): delete and create it again, or send
    /// all of its settings through the kind's own request. A veth peer
    /// cannot be changed this way either.
    pub fn kind_settings(mut self, new: LinkKind<'a>) -> Result<Self, InvalidInput> {
        new.check()?;
        match new {
            LinkKind::Tunnel(t) => {
                return Err(InvalidInput::NotForKind {
                    option: "a change of settings",
                    kind: t.kind.name(),
                });
            }
            LinkKind::Veth { .. } | LinkKind::VethUnnamedPeer { .. } => {
                return Err(InvalidInput::NotForKind {
                    option: "a change of settings",
                    kind: "veth",
                });
            }
            _ => {}
        }
        match &mut self.edit {
            Edit::Set { kind, .. } => *kind = Some(new),
            _ => return Err(InvalidInput::KindSettingsNotHere),
        }
        Ok(self)
    }

    /// Changes the link's settings as a port of its master, as `ip link
    /// set DEV type bridge_slave|bond_slave …` does (`IFLA_INFO_SLAVE_KIND`
    /// and `IFLA_INFO_SLAVE_DATA`); what is not given is kept. Only for a
    /// change ([`LinkRequest::set`]).
    pub fn port_settings(mut self, new: PortSettings) -> Result<Self, InvalidInput> {
        match &mut self.edit {
            Edit::Set { port, .. } => *port = Some(new),
            _ => return Err(InvalidInput::KindSettingsNotHere),
        }
        Ok(self)
    }

    /// Remove the link from its master (`nomaster`).
    pub fn nomaster(mut self) -> Self {
        self.common.master = Some(0);
        self
    }

    /// Rename the link (only a link changed by index).
    pub fn rename(mut self, new_name: &'a str) -> Result<Self, InvalidInput> {
        validate_ifname(new_name)?;
        match &mut self.edit {
            Edit::Set {
                link: LinkRef::Index(_),
                rename,
                ..
            } => *rename = Some(new_name),
            _ => return Err(InvalidInput::RenameNeedsIndex),
        }
        Ok(self)
    }

    /// The new link's name (for a request that creates one).
    pub fn name(&self) -> Option<&'a str> {
        match self.edit {
            Edit::Add { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The new link's kind (for a request that creates one).
    pub fn kind(&self) -> Option<&LinkKind<'a>> {
        match &self.edit {
            Edit::Add { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

impl Request for LinkRequest<'_> {
    fn message_type(&self) -> u16 {
        match self.edit {
            Edit::Delete { .. } => RTM_DELLINK,
            _ => RTM_NEWLINK,
        }
    }
    fn flags(&self) -> u16 {
        match self.edit {
            Edit::Add { .. } => NLM_F_CREATE | NLM_F_EXCL,
            _ => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        let (flags, change) = self.common.flags();
        match self.edit {
            Edit::Add { name, kind } => {
                IfInfoMsg {
                    flags,
                    change,
                    ..Default::default()
                }
                .emit(w);
                w.attr_str(IFLA_IFNAME, name);
                if let Some(l) = kind.lower() {
                    w.attr_u32(IFLA_LINK, l);
                }
                self.common.emit(w);
                let li = w.begin_nested(IFLA_LINKINFO);
                w.attr_str(IFLA_INFO_KIND, kind.name());
                kind.emit_data(w, self.peer.as_ref());
                w.end_nested(li);
            }
            Edit::Set {
                link,
                rename,
                kind,
                port,
            } => {
                let index = match link {
                    LinkRef::Index(i) => i,
                    LinkRef::Name(_) => 0,
                };
                IfInfoMsg {
                    index,
                    flags,
                    change,
                    ..Default::default()
                }
                .emit(w);
                match (link, rename) {
                    (LinkRef::Name(n), _) => w.attr_str(IFLA_IFNAME, n),
                    (_, Some(n)) => w.attr_str(IFLA_IFNAME, n),
                    _ => {}
                }
                self.common.emit(w);
                if kind.is_some() || port.is_some() {
                    let li = w.begin_nested(IFLA_LINKINFO);
                    if let Some(kind) = kind {
                        w.attr_str(IFLA_INFO_KIND, kind.name());
                        kind.emit_data(w, None);
                    }
                    if let Some(p) = port {
                        w.attr_str(IFLA_INFO_SLAVE_KIND, p.master_kind());
                        p.emit(w);
                    }
                    w.end_nested(li);
                }
            }
            Edit::Delete { link } => emit_link_ref(&link, w),
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.edit {
            Edit::Add { name, kind } => write!(f, "create {} link {name:?}", kind.name()),
            Edit::Set {
                link,
                rename,
                kind,
                port,
            } => {
                write!(f, "change {link}")?;
                if let Some(k) = kind {
                    write!(f, " ({} settings)", k.name())?;
                }
                if let Some(p) = port {
                    write!(f, " ({} port settings)", p.master_kind())?;
                }
                if let Some(n) = rename {
                    write!(f, " (rename to {n:?})")?;
                }
                Ok(())
            }
            Edit::Delete { link } => write!(f, "delete {link}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::LinkMessage;
    use crate::wire::{Attrs, Messages};

    fn encode(r: &impl Request) -> std::vec::Vec<u8> {
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn info_data(b: &[u8]) -> (std::string::String, std::vec::Vec<u8>) {
        let m = Messages::new(b).next().unwrap().unwrap();
        let l = LinkMessage::parse(m.payload()).unwrap();
        let info = l.raw_attrs().find(IFLA_LINKINFO).unwrap().unwrap();
        let data = info
            .nested()
            .find(IFLA_INFO_DATA)
            .unwrap()
            .map(|d| d.payload().to_vec())
            .unwrap_or_default();
        (l.kind.unwrap().into(), data)
    }

    /// The alias goes without a NUL, as `ip` sends it: 255 bytes is an
    /// attribute of 259 (the kernel refuses 260), and an empty alias is an
    /// empty attribute (which removes the alias).
    #[test]
    fn alias_is_sent_without_nul() {
        let long = "a".repeat(255);
        for alias in [long.as_str(), "x", ""] {
            let r = LinkRequest::set(3).unwrap().alias(alias).unwrap();
            let b = encode(&r);
            let m = Messages::new(&b).next().unwrap().unwrap();
            let l = LinkMessage::parse(m.payload()).unwrap();
            let a = l.raw_attrs().find(IFLA_IFALIAS).unwrap().unwrap();
            assert_eq!(a.payload(), alias.as_bytes());
        }
        assert!(
            LinkRequest::set(3)
                .unwrap()
                .alias(&"a".repeat(256))
                .is_err()
        );
    }

    #[test]
    fn veth_peer_in_netns_layout() {
        let r = LinkRequest::add(
            "v0",
            LinkKind::Veth {
                peer: "v1",
                peer_netns: Some(NetnsRef::Fd(7)),
            },
        )
        .unwrap()
        .up(true);
        let b = encode(&r);
        let (kind, data) = info_data(&b);
        assert_eq!(kind, "veth");
        // VETH_INFO_PEER nest: ifinfomsg (16) + IFLA_IFNAME "v1" (8) +
        // IFLA_NET_NS_FD (8).
        let peer = Attrs::new(&data).next().unwrap().unwrap();
        assert_eq!(peer.kind(), VETH_INFO_PEER);
        assert!(peer.is_nested());
        let p = peer.payload();
        assert_eq!(p.len(), 32);
        assert_eq!(&p[16..24], &[7, 0, 3, 0, b'v', b'1', 0, 0]);
        assert_eq!(&p[24..32], &[8, 0, 28, 0, 7, 0, 0, 0]);
        let m = Messages::new(&b).next().unwrap().unwrap();
        let l = LinkMessage::parse(m.payload()).unwrap();
        assert_eq!((l.header.flags, l.header.change), (IFF_UP, IFF_UP));
        assert_eq!(l.name, Some("v0"));
    }

    /// A peer the kernel names: nothing about it without settings (the
    /// kernel then copies the link's own), else a peer nest with no name.
    #[test]
    fn veth_unnamed_peer_layouts() {
        let kind = LinkKind::VethUnnamedPeer { peer_netns: None };
        let bare = encode(&LinkRequest::add("v0", kind).unwrap().mtu(1400));
        let (k, data) = info_data(&bare);
        assert_eq!((k.as_str(), data.len()), ("veth", 0));
        let given = encode(
            &LinkRequest::add("v0", kind)
                .unwrap()
                .veth_peer(LinkSettings::new())
                .unwrap(),
        );
        let (_, data) = info_data(&given);
        let peer = Attrs::new(&data).next().unwrap().unwrap();
        assert_eq!((peer.kind(), peer.payload().len()), (VETH_INFO_PEER, 16));
        let with_mtu = encode(
            &LinkRequest::add("v0", kind)
                .unwrap()
                .veth_peer(LinkSettings::new().mtu(1300))
                .unwrap(),
        );
        let (_, data) = info_data(&with_mtu);
        let peer = Attrs::new(&data).next().unwrap().unwrap();
        let inner: std::vec::Vec<u16> = Attrs::new(&peer.payload()[16..])
            .map(|a| a.unwrap().kind())
            .collect();
        assert_eq!(inner, [4], "IFLA_MTU only, no IFLA_IFNAME");
        let elsewhere = encode(
            &LinkRequest::add(
                "v0",
                LinkKind::VethUnnamedPeer {
                    peer_netns: Some(NetnsRef::Fd(7)),
                },
            )
            .unwrap(),
        );
        let (_, data) = info_data(&elsewhere);
        let peer = Attrs::new(&data).next().unwrap().unwrap();
        assert_eq!(&peer.payload()[16..], &[8, 0, 28, 0, 7, 0, 0, 0]);
    }

    /// Layouts of kinds the host kernel lacks, checked against the UAPI
    /// headers (`if_link.h`): attribute numbers, sizes and byte order.
    #[test]
    fn kinds_without_host_modules_encode_per_uapi() {
        let vlan = encode(&LinkRequest::add("v.5", LinkKind::Vlan { link: 2, id: 5 }).unwrap());
        let (k, d) = info_data(&vlan);
        assert_eq!(k, "vlan");
        assert_eq!(d, [6, 0, 1, 0, 5, 0, 0, 0]);
        let m = Messages::new(&vlan).next().unwrap().unwrap();
        assert_eq!(LinkMessage::parse(m.payload()).unwrap().link, Some(2));

        let vx = encode(
            &LinkRequest::add(
                "vx0",
                LinkKind::Vxlan(Vxlan {
                    remote: Some("198.51.100.7".parse().unwrap()),
                    local: Some("192.0.2.1".parse().unwrap()),
                    link: Some(3),
                    port: Some(4789),
                    ..Vxlan::new(42)
                }),
            )
            .unwrap(),
        );
        let (k, d) = info_data(&vx);
        assert_eq!(k, "vxlan");
        assert_eq!(
            d,
            [
                8, 0, 1, 0, 42, 0, 0, 0, // ID
                8, 0, 2, 0, 198, 51, 100, 7, // GROUP
                8, 0, 4, 0, 192, 0, 2, 1, // LOCAL
                8, 0, 3, 0, 3, 0, 0, 0, // LINK
                6, 0, 15, 0, 0x12, 0xb5, 0, 0, // PORT, big endian
            ]
        );

        let bond = encode(
            &LinkRequest::add(
                "bond7",
                LinkKind::Bond(Bond {
                    mode: Some(BondMode::ActiveBackup),
                    ..Bond::default()
                }),
            )
            .unwrap(),
        );
        let (k, d) = info_data(&bond);
        assert_eq!((k.as_str(), d), ("bond", std::vec![5, 0, 1, 0, 1, 0, 0, 0]));

        let dummy = encode(&LinkRequest::add("d0", LinkKind::Dummy).unwrap());
        let (k, d) = info_data(&dummy);
        assert_eq!((k.as_str(), d.len()), ("dummy", 0));

        let mv = encode(
            &LinkRequest::add(
                "mv0",
                LinkKind::Macvlan {
                    link: 2,
                    mode: MacvlanMode::Bridge,
                },
            )
            .unwrap(),
        );
        assert_eq!(info_data(&mv).1, [8, 0, 1, 0, 4, 0, 0, 0]);
    }

    #[test]
    fn bad_kinds_and_names_are_rejected() {
        assert!(LinkRequest::add("x", LinkKind::Vlan { link: 1, id: 4095 }).is_err());
        assert!(LinkRequest::add("x", LinkKind::Vlan { link: 0, id: 1 }).is_err());
        assert!(LinkRequest::add("x", LinkKind::Vxlan(Vxlan::new(1 << 24))).is_err());
        assert!(
            LinkRequest::add(
                "x",
                LinkKind::Veth {
                    peer: "bad name",
                    peer_netns: None
                }
            )
            .is_err()
        );
        assert!(LinkRequest::add("sixteen-bytes-xx", LinkKind::Dummy).is_err());
        assert_eq!(
            LinkRequest::set("eth0").unwrap().rename("x").unwrap_err(),
            InvalidInput::RenameNeedsIndex
        );
        assert!(LinkRequest::set(0).is_err());
        assert!(LinkRequest::set(1).unwrap().address(&[0u8; 33]).is_err());
    }

    #[test]
    fn move_and_rename_is_one_message() {
        let r = LinkRequest::set(9)
            .unwrap()
            .rename("eth0")
            .unwrap()
            .netns(NetnsRef::Pid(1234));
        let b = encode(&r);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.kind(), RTM_NEWLINK);
        assert_eq!(m.flags() & NLM_F_CREATE, 0);
        let l = LinkMessage::parse(m.payload()).unwrap();
        assert_eq!(l.header.index, 9);
        assert_eq!(l.name, Some("eth0"));
        let pid = l.raw_attrs().find(IFLA_NET_NS_PID).unwrap().unwrap();
        assert_eq!(pid.u32().unwrap(), 1234);
        let down = encode(&LinkRequest::set("eth1").unwrap().up(false).nomaster());
        let m = Messages::new(&down).next().unwrap().unwrap();
        let l = LinkMessage::parse(m.payload()).unwrap();
        assert_eq!((l.header.flags, l.header.change), (0, IFF_UP));
        assert_eq!(l.master, Some(0));
    }

    /// Attributes of an `IFLA_INFO_DATA` payload: (type, payload).
    fn data_attrs(d: &[u8]) -> std::vec::Vec<(u16, std::vec::Vec<u8>)> {
        Attrs::new(d)
            .map(|a| {
                let a = a.unwrap();
                (a.kind(), a.payload().to_vec())
            })
            .collect()
    }

    /// GRE and IP tunnels per `if_tunnel.h`: numbers, sizes, byte order;
    /// the key flag follows the keys; an IPv6 kind takes IPv6 addresses.
    #[test]
    fn tunnels_encode_per_uapi() {
        use crate::route::kinds::{GRE_CSUM, GRE_KEY, SIT_ISATAP, Tunnel, TunnelEncap, TunnelKind};
        let gre = Tunnel {
            local: Some("192.0.2.1".parse().unwrap()),
            remote: Some("198.51.100.2".parse().unwrap()),
            ttl: Some(64),
            tos: Some(1),
            pmtudisc: Some(false),
            ikey: Some(0x0102_0304),
            oflags: GRE_CSUM,
            link: Some(5),
            fwmark: Some(9),
            encap: Some(TunnelEncap {
                kind: 1,
                flags: 1,
                sport: 0,
                dport: 5555,
            }),
            ..Tunnel::new(TunnelKind::Gretap)
        };
        let b = encode(&LinkRequest::add("g0", LinkKind::Tunnel(gre)).unwrap());
        let (k, d) = info_data(&b);
        assert_eq!(k, "gretap");
        assert_eq!(
            data_attrs(&d),
            [
                (1, std::vec![5, 0, 0, 0]),
                (2, GRE_KEY.to_be_bytes().to_vec()),
                (3, GRE_CSUM.to_be_bytes().to_vec()),
                (4, std::vec![1, 2, 3, 4]),
                (6, std::vec![192, 0, 2, 1]),
                (7, std::vec![198, 51, 100, 2]),
                (8, std::vec![64]),
                (9, std::vec![1]),
                (10, std::vec![0]),
                (14, std::vec![1, 0]),
                (15, std::vec![1, 0]),
                (16, std::vec![0, 0]),
                (17, 5555u16.to_be_bytes().to_vec()),
                (20, std::vec![9, 0, 0, 0]),
            ]
        );
        let sit = Tunnel {
            flags: Some(SIT_ISATAP),
            proto: Some(41),
            external: false,
            ..Tunnel::new(TunnelKind::Sit)
        };
        let (k, d) = info_data(&encode(
            &LinkRequest::add("s0", LinkKind::Tunnel(sit)).unwrap(),
        ));
        assert_eq!(k, "sit");
        assert_eq!(data_attrs(&d), [(8, std::vec![1, 0]), (9, std::vec![41])]);
        let ip6 = Tunnel {
            remote: Some("2001:db8::2".parse().unwrap()),
            flowinfo: Some(0x0012_3456),
            flags: Some(1),
            encap_limit: Some(3),
            external: true,
            ..Tunnel::new(TunnelKind::Ip6tnl)
        };
        let (k, d) = info_data(&encode(
            &LinkRequest::add("t0", LinkKind::Tunnel(ip6)).unwrap(),
        ));
        assert_eq!(k, "ip6tnl");
        let a = data_attrs(&d);
        assert_eq!(a[0].0, 3);
        assert_eq!(a[0].1.len(), 16);
        assert_eq!(
            &a[1..],
            [
                (6, std::vec![3]),
                (7, std::vec![0, 0x12, 0x34, 0x56]),
                (8, std::vec![1, 0, 0, 0]),
                (19, std::vec![]),
            ]
        );
        // Settings of another kind, or of the wrong family, are refused.
        for bad in [
            Tunnel {
                ikey: Some(1),
                ..Tunnel::new(TunnelKind::Ipip)
            },
            Tunnel {
                iflags: GRE_KEY,
                ..Tunnel::new(TunnelKind::Gre)
            },
            Tunnel {
                oflags: GRE_KEY | GRE_CSUM,
                ..Tunnel::new(TunnelKind::Gretap)
            },
            Tunnel {
                tos: Some(1),
                ..Tunnel::new(TunnelKind::Ip6gre)
            },
            Tunnel {
                encap_limit: Some(1),
                ..Tunnel::new(TunnelKind::Gre)
            },
            Tunnel {
                proto: Some(4),
                ..Tunnel::new(TunnelKind::Gre)
            },
            Tunnel {
                ignore_df: Some(true),
                ..Tunnel::new(TunnelKind::Ip6gretap)
            },
            Tunnel {
                flags: Some(1),
                ..Tunnel::new(TunnelKind::Ipip)
            },
            Tunnel {
                flags: Some(0x1_0000),
                ..Tunnel::new(TunnelKind::Sit)
            },
            Tunnel {
                local: Some("2001:db8::1".parse().unwrap()),
                ..Tunnel::new(TunnelKind::Gre)
            },
            Tunnel {
                remote: Some("192.0.2.1".parse().unwrap()),
                ..Tunnel::new(TunnelKind::Ip6tnl)
            },
        ] {
            assert!(
                LinkRequest::add("t0", LinkKind::Tunnel(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    /// GENEVE, the new VXLAN settings, VRF, macvtap and bond options per
    /// `if_link.h`.
    #[test]
    fn geneve_vxlan_vrf_bond_encode_per_uapi() {
        use crate::route::kinds::{Bond, Geneve};
        let g = Geneve {
            remote: Some("2001:db8::9".parse().unwrap()),
            ttl_inherit: true,
            df: Some(2),
            label: Some(0x12345),
            port: Some(6081),
            udp_csum: Some(true),
            ..Geneve::new(7)
        };
        let (k, d) = info_data(&encode(
            &LinkRequest::add("gn0", LinkKind::Geneve(g)).unwrap(),
        ));
        assert_eq!(k, "geneve");
        let a = data_attrs(&d);
        let kinds: std::vec::Vec<u16> = a.iter().map(|x| x.0).collect();
        assert_eq!(kinds, [1, 7, 11, 12, 13, 5, 8]);
        assert_eq!(a[2].1, [0, 1, 0x23, 0x45]);
        assert_eq!(a[5].1, 6081u16.to_be_bytes());
        assert!(LinkRequest::add("gn0", LinkKind::Geneve(Geneve::new(1 << 24))).is_err());
        let backwards = Vxlan {
            port_range: Some((2000, 1000)),
            ..Vxlan::new(1)
        };
        assert!(LinkRequest::add("vx0", LinkKind::Vxlan(backwards)).is_err());
        let lbl = Geneve {
            label: Some(1 << 20),
            ..Geneve::new(1)
        };
        assert!(LinkRequest::add("gn0", LinkKind::Geneve(lbl)).is_err());

        let v = Vxlan {
            id: None,
            external: Some(true),
            learning: Some(false),
            port_range: Some((1000, 2000)),
            ttl_inherit: true,
            label: Some(5),
            gbp: true,
            vnifilter: Some(true),
            ..Vxlan::default()
        };
        let (_, d) = info_data(&encode(
            &LinkRequest::add("vx0", LinkKind::Vxlan(v)).unwrap(),
        ));
        let a = data_attrs(&d);
        let kinds: std::vec::Vec<u16> = a.iter().map(|x| x.0).collect();
        assert_eq!(kinds, [28, 26, 7, 10, 23, 25, 30]);
        assert_eq!(a[3].1, [0x03, 0xe8, 0x07, 0xd0]);

        let (k, d) = info_data(&encode(
            &LinkRequest::add("vr0", LinkKind::Vrf { table: 100 }).unwrap(),
        ));
        assert_eq!(
            (k.as_str(), d),
            ("vrf", std::vec![8, 0, 1, 0, 100, 0, 0, 0])
        );
        assert!(LinkRequest::add("vr0", LinkKind::Vrf { table: 0 }).is_err());
        let mvt = LinkKind::Macvtap {
            link: 2,
            mode: MacvlanMode::Passthru,
        };
        let (k, d) = info_data(&encode(&LinkRequest::add("mt0", mvt).unwrap()));
        assert_eq!(
            (k.as_str(), d),
            ("macvtap", std::vec![8, 0, 1, 0, 8, 0, 0, 0])
        );
        assert!(
            LinkRequest::add(
                "mt0",
                LinkKind::Macvtap {
                    link: 0,
                    mode: MacvlanMode::Vepa
                }
            )
            .is_err()
        );

        let targets = ["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
        let b = Bond {
            miimon: Some(100),
            arp_ip_target: Some(&targets),
            ad_actor_system: Some([2, 0, 0, 0, 0, 0x11]),
            xmit_hash_policy: Some(1),
            ..Bond::default()
        };
        let (_, d) = info_data(&encode(
            &LinkRequest::add("bd0", LinkKind::Bond(b)).unwrap(),
        ));
        let a = data_attrs(&d);
        assert_eq!(a[0], (3, std::vec![100, 0, 0, 0]));
        assert_eq!(a[1].0, 8);
        assert_eq!(
            data_attrs(&a[1].1),
            [(0, std::vec![192, 0, 2, 1]), (1, std::vec![192, 0, 2, 2])]
        );
        assert_eq!(a[2], (14, std::vec![1]));
        assert_eq!(a[3], (26, std::vec![2, 0, 0, 0, 0, 0x11]));
        let many = [core::net::Ipv4Addr::LOCALHOST; 17];
        let b = Bond {
            arp_ip_target: Some(&many),
            ..Bond::default()
        };
        assert!(LinkRequest::add("bd0", LinkKind::Bond(b)).is_err());
    }

    /// `ip link set DEV type KIND …`: the kind and its data ride on a
    /// change; a tunnel (whose change resets what is not given) and a new
    /// link are refused.
    #[test]
    fn kind_settings_on_a_change() {
        use crate::route::kinds::{Bond, Tunnel, TunnelKind};
        let b = Bond {
            miimon: Some(200),
            ..Bond::default()
        };
        let r = LinkRequest::set(4)
            .unwrap()
            .kind_settings(LinkKind::Bond(b))
            .unwrap();
        let bytes = encode(&r);
        let m = Messages::new(&bytes).next().unwrap().unwrap();
        assert_eq!(m.header().kind, RTM_NEWLINK);
        assert_eq!(m.header().flags & (NLM_F_CREATE | NLM_F_EXCL), 0);
        let (k, d) = info_data(&bytes);
        assert_eq!(
            (k.as_str(), data_attrs(&d)),
            ("bond", std::vec![(3, std::vec![200, 0, 0, 0])])
        );
        assert!(
            LinkRequest::set(4)
                .unwrap()
                .kind_settings(LinkKind::Tunnel(Tunnel::new(TunnelKind::Gre)))
                .is_err()
        );
        assert!(
            LinkRequest::add("d0", LinkKind::Dummy)
                .unwrap()
                .kind_settings(LinkKind::Dummy)
                .is_err()
        );
    }
}
