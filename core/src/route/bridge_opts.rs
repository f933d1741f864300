//! A bridge's settings (`IFLA_BR_*`, in `IFLA_INFO_DATA`) and a port's
//! settings in its master (`IFLA_BRPORT_*` for a bridge port,
//! `IFLA_BOND_SLAVE_*` for a bond port, in `IFLA_INFO_SLAVE_DATA`).
//!
//! As for the other kinds ([`super::kinds`]), each setting is an `Option`:
//! `None` is not sent. A bridge's or a port's change keeps what is not
//! given, so the same values create a bridge
//! ([`super::LinkKind::Bridge`]), change one
//! ([`super::LinkRequest::kind_settings`]) and change a port
//! ([`super::LinkRequest::port_settings`]).
//!
//! ```
//! use nlwire::route::{Bridge, BridgePort, LinkKind, LinkRequest, PortSettings};
//! let br = Bridge { stp_state: Some(1), vlan_filtering: Some(1), ..Bridge::default() };
//! let add = LinkRequest::add("br0", LinkKind::Bridge(br))?;
//! let port = BridgePort { cost: Some(7), learning: Some(false), ..BridgePort::default() };
//! let set = LinkRequest::set(5)?.port_settings(PortSettings::Bridge(port))?;
//! # Ok::<(), nlwire::InvalidInput>(())
//! ```

use crate::wire::{Attrs, DecodeError, Writer};

/// A value of one attribute: how it is written and read.
trait AttrValue: Sized + Copy {
    fn put(self, w: &mut Writer<'_>, kind: u16);
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError>;
}

impl AttrValue for u8 {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_u8(kind, self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.u8()
    }
}

impl AttrValue for u16 {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_u16(kind, self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.u16()
    }
}

impl AttrValue for u32 {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_u32(kind, self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.u32()
    }
}

impl AttrValue for i32 {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_i32(kind, self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.i32()
    }
}

impl AttrValue for u64 {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_u64(kind, self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.u64()
    }
}

impl AttrValue for bool {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr_u8(kind, self.into())
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        Ok(a.u8()? != 0)
    }
}

/// An ethertype, big-endian on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtherType(pub u16);

impl AttrValue for EtherType {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr(kind, &self.0.to_be_bytes())
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        a.be16().map(EtherType)
    }
}

impl AttrValue for [u8; 6] {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        w.attr(kind, &self)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        let p = a.payload();
        <[u8; 6]>::try_from(p).map_err(|_| DecodeError::AttrSize {
            what: "MAC address attribute",
            kind: a.kind(),
            len: p.len(),
            expected: 6,
        })
    }
}

/// `struct br_boolopt_multi`: bridge boolean options (`BR_BOOLOPT_*` bits:
/// 0 no link-local learning, 1 per-VLAN multicast snooping, 2 MST).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BoolOpts {
    /// The values of the options named in `mask`.
    pub values: u32,
    /// Which options to change.
    pub mask: u32,
}

impl AttrValue for BoolOpts {
    fn put(self, w: &mut Writer<'_>, kind: u16) {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&self.values.to_ne_bytes());
        b[4..].copy_from_slice(&self.mask.to_ne_bytes());
        w.attr(kind, &b)
    }
    fn get(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        let p = a.payload();
        let b = <[u8; 8]>::try_from(p).map_err(|_| DecodeError::AttrSize {
            what: "bridge bool options",
            kind: a.kind(),
            len: p.len(),
            expected: 8,
        })?;
        Ok(BoolOpts {
            values: u32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            mask: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        })
    }
}

/// Declares a settings struct of `Option` fields, each one attribute, with
/// its writer and reader (and flag attributes as `bool` fields).
macro_rules! attr_settings {
    (
        $(#[$m:meta])*
        pub struct $name:ident ($what:literal) {
            $( $(#[$fm:meta])* $field:ident: $ty:ty = $kind:literal, )*
        }
        flags {
            $( $(#[$gm:meta])* $flag:ident = $fkind:literal, )*
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name {
            $( $(#[$fm])* pub $field: Option<$ty>, )*
            $( $(#[$gm])* pub $flag: bool, )*
        }

        impl $name {
            /// Whether no setting is given.
            pub fn is_empty(&self) -> bool {
                *self == Self::default()
            }

            /// Writes the settings given, as attributes of the nest open.
            pub(crate) fn emit_attrs(&self, w: &mut Writer<'_>) {
                $( if let Some(v) = self.$field { v.put(w, $kind); } )*
                $( if self.$flag { w.attr_flag($fkind); } )*
            }

            #[doc = concat!("Decodes ", $what, " as the kernel reports them (it reports")]
            /// every setting it has; read-only state, such as timers and
            /// identifiers, is skipped).
            pub fn parse(data: &[u8]) -> Result<Self, DecodeError> {
                let mut s = Self::default();
                for a in Attrs::new(data) {
                    let a = a?;
                    match a.kind() {
                        $( $kind => s.$field = Some(<$ty as AttrValue>::get(&a)?), )*
                        $( $fkind => s.$flag = true, )*
                        _ => {}
                    }
                }
                Ok(s)
            }
        }
    };
}

attr_settings! {
    /// A bridge's settings (`IFLA_BR_*`); times are in hundredths of a
    /// second, as `ip link … type bridge` takes them.
    pub struct Bridge ("a bridge's settings") {
        /// STP forward delay.
        forward_delay: u32 = 1,
        /// STP hello time.
        hello_time: u32 = 2,
        /// STP maximum message age.
        max_age: u32 = 3,
        /// Forwarding database entry ageing time.
        ageing_time: u32 = 4,
        /// STP: 0 off, 1 kernel, 2 user space.
        stp_state: u32 = 5,
        /// Bridge priority (STP).
        priority: u16 = 6,
        /// VLAN filtering (0/1).
        vlan_filtering: u8 = 7,
        /// VLAN protocol (0x8100 802.1Q, 0x88a8 802.1ad).
        vlan_protocol: EtherType = 8,
        /// Link-local group addresses forwarded (bit per address).
        group_fwd_mask: u16 = 9,
        /// STP group address.
        group_addr: [u8; 6] = 20,
        /// Multicast router: 0 disabled, 1 automatic, 2 permanent.
        mcast_router: u8 = 22,
        /// IGMP/MLD snooping (0/1).
        mcast_snooping: u8 = 23,
        /// Queries use the bridge's own address.
        mcast_query_use_ifaddr: u8 = 24,
        /// The bridge acts as querier.
        mcast_querier: u8 = 25,
        /// Multicast hash elasticity (ignored by newer kernels).
        mcast_hash_elasticity: u32 = 26,
        /// Multicast hash size.
        mcast_hash_max: u32 = 27,
        /// Last member count.
        mcast_last_member_cnt: u32 = 28,
        /// Startup query count.
        mcast_startup_query_cnt: u32 = 29,
        /// Last member interval.
        mcast_last_member_intvl: u64 = 30,
        /// Membership interval.
        mcast_membership_intvl: u64 = 31,
        /// Querier interval.
        mcast_querier_intvl: u64 = 32,
        /// Query interval.
        mcast_query_intvl: u64 = 33,
        /// Query response interval.
        mcast_query_response_intvl: u64 = 34,
        /// Startup query interval.
        mcast_startup_query_intvl: u64 = 35,
        /// Pass IPv4 traffic through iptables.
        nf_call_iptables: u8 = 36,
        /// Pass IPv6 traffic through ip6tables.
        nf_call_ip6tables: u8 = 37,
        /// Pass ARP through arptables.
        nf_call_arptables: u8 = 38,
        /// The PVID given to new ports (0: none).
        vlan_default_pvid: u16 = 39,
        /// Per-VLAN statistics.
        vlan_stats_enabled: u8 = 41,
        /// Multicast statistics.
        mcast_stats_enabled: u8 = 42,
        /// IGMP version (2 or 3).
        mcast_igmp_version: u8 = 43,
        /// MLD version (1 or 2).
        mcast_mld_version: u8 = 44,
        /// Per-port VLAN statistics.
        vlan_stats_per_port: u8 = 45,
        /// Boolean options.
        multi_boolopt: BoolOpts = 46,
        /// Most forwarding entries learnt (0: no limit).
        fdb_max_learned: u32 = 49,
    }
    flags {
        /// Flush the forwarding database (an action, never reported).
        fdb_flush = 21,
    }
}

attr_settings! {
    /// A bridge port's settings (`IFLA_BRPORT_*`); booleans are 0/1 bytes
    /// as the kernel takes them.
    pub struct BridgePort ("a bridge port's settings") {
        /// STP state: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4
        /// blocking.
        state: u8 = 1,
        /// STP port priority.
        priority: u16 = 2,
        /// STP path cost.
        cost: u32 = 3,
        /// Hairpin mode (send back out of the port it came in;
        /// `IFLA_BRPORT_MODE`).
        hairpin: bool = 4,
        /// BPDU guard.
        guard: bool = 5,
        /// Root block (`IFLA_BRPORT_PROTECT`).
        root_block: bool = 6,
        /// Multicast fast leave.
        fast_leave: bool = 7,
        /// Learn source addresses.
        learning: bool = 8,
        /// Flood unknown unicast.
        unicast_flood: bool = 9,
        /// Proxy ARP.
        proxyarp: bool = 10,
        /// Learning synchronised from the device.
        learning_sync: bool = 11,
        /// Proxy ARP for Wi-Fi.
        proxyarp_wifi: bool = 12,
        /// Multicast router: 0 disabled, 1 automatic, 2 permanent, 3
        /// temporary.
        multicast_router: u8 = 25,
        /// Flood unknown multicast.
        mcast_flood: bool = 27,
        /// Multicast to unicast.
        mcast_to_ucast: bool = 28,
        /// VLAN tunnel mapping.
        vlan_tunnel: bool = 29,
        /// Flood broadcast.
        bcast_flood: bool = 30,
        /// Link-local group addresses forwarded (bit per address).
        group_fwd_mask: u16 = 31,
        /// Neighbour (ARP/ND) suppression.
        neigh_suppress: bool = 32,
        /// Isolated: forwards only to non-isolated ports.
        isolated: bool = 33,
        /// Backup port (ifindex; 0 removes it).
        backup_port: u32 = 34,
        /// Most EHT hosts tracked.
        mcast_eht_hosts_limit: u32 = 37,
        /// Locked: only known hosts may send.
        locked: bool = 39,
        /// MAC authentication bypass.
        mab: bool = 40,
        /// Most multicast groups (0: no limit).
        mcast_max_groups: u32 = 42,
        /// Per-VLAN neighbour suppression.
        neigh_vlan_suppress: bool = 43,
        /// Backup nexthop id.
        backup_nhid: u32 = 44,
    }
    flags {
        /// Flush the port's forwarding entries (an action, never reported).
        flush = 24,
    }
}

attr_settings! {
    /// A bond port's settings (`IFLA_BOND_SLAVE_*`).
    pub struct BondPort ("a bond port's settings") {
        /// Transmit queue id.
        queue_id: u16 = 5,
        /// Failover priority.
        prio: i32 = 9,
    }
    flags {}
}

/// A port's settings in its master (`IFLA_INFO_SLAVE_DATA`), as
/// `ip link set DEV type bridge_slave|bond_slave …` changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortSettings {
    /// A bridge port.
    Bridge(BridgePort),
    /// A bond port.
    Bond(BondPort),
}

impl PortSettings {
    /// The master's kind (`IFLA_INFO_SLAVE_KIND`).
    pub fn master_kind(&self) -> &'static str {
        match self {
            PortSettings::Bridge(_) => "bridge",
            PortSettings::Bond(_) => "bond",
        }
    }

    /// Writes `IFLA_INFO_SLAVE_DATA` (nothing when no setting is given).
    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        let empty = match self {
            PortSettings::Bridge(p) => p.is_empty(),
            PortSettings::Bond(p) => p.is_empty(),
        };
        if empty {
            return;
        }
        let d = w.begin_nested(IFLA_INFO_SLAVE_DATA);
        match self {
            PortSettings::Bridge(p) => p.emit_attrs(w),
            PortSettings::Bond(p) => p.emit_attrs(w),
        }
        w.end_nested(d);
    }

    /// Decodes `IFLA_INFO_SLAVE_DATA` of a port whose master is of
    /// `master_kind`; `None` for a master kind not decoded here.
    pub fn parse(master_kind: &str, data: &[u8]) -> Option<Result<PortSettings, DecodeError>> {
        match master_kind {
            "bridge" => Some(BridgePort::parse(data).map(PortSettings::Bridge)),
            "bond" => Some(BondPort::parse(data).map(PortSettings::Bond)),
            _ => None,
        }
    }
}

/// `IFLA_INFO_SLAVE_DATA`.
const IFLA_INFO_SLAVE_DATA: u16 = 5;
