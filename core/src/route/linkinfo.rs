//! A link's kind and its settings as the kernel reports them
//! (`IFLA_LINKINFO`: `IFLA_INFO_KIND`, `IFLA_INFO_DATA`, and the port
//! side, `IFLA_INFO_SLAVE_KIND` / `IFLA_INFO_SLAVE_DATA`), decoded per
//! kind; and the link attributes `ip -details` shows.

use crate::wire::{Attrs, DecodeError};

/// `IFLA_PROMISCUITY`: how many want the link promiscuous.
pub const IFLA_PROMISCUITY: u16 = 30;
/// `IFLA_NUM_TX_QUEUES`.
pub const IFLA_NUM_TX_QUEUES: u16 = 31;
/// `IFLA_NUM_RX_QUEUES`.
pub const IFLA_NUM_RX_QUEUES: u16 = 32;
/// `IFLA_PHYS_PORT_ID`.
pub const IFLA_PHYS_PORT_ID: u16 = 34;
/// `IFLA_PHYS_SWITCH_ID`.
pub const IFLA_PHYS_SWITCH_ID: u16 = 36;
/// `IFLA_PHYS_PORT_NAME`.
pub const IFLA_PHYS_PORT_NAME: u16 = 38;
/// `IFLA_GSO_MAX_SEGS`.
pub const IFLA_GSO_MAX_SEGS: u16 = 40;
/// `IFLA_GSO_MAX_SIZE`.
pub const IFLA_GSO_MAX_SIZE: u16 = 41;
/// `IFLA_MIN_MTU`.
pub const IFLA_MIN_MTU: u16 = 50;
/// `IFLA_MAX_MTU`.
pub const IFLA_MAX_MTU: u16 = 51;
/// `IFLA_PARENT_DEV_NAME`.
pub const IFLA_PARENT_DEV_NAME: u16 = 56;
/// `IFLA_PARENT_DEV_BUS_NAME`.
pub const IFLA_PARENT_DEV_BUS_NAME: u16 = 57;
/// `IFLA_GRO_MAX_SIZE`.
pub const IFLA_GRO_MAX_SIZE: u16 = 58;
/// `IFLA_TSO_MAX_SIZE`.
pub const IFLA_TSO_MAX_SIZE: u16 = 59;
/// `IFLA_TSO_MAX_SEGS`.
pub const IFLA_TSO_MAX_SEGS: u16 = 60;
/// `IFLA_ALLMULTI`: how many want the link to take all multicast.
pub const IFLA_ALLMULTI: u16 = 61;
/// `IFLA_GSO_IPV4_MAX_SIZE`.
pub const IFLA_GSO_IPV4_MAX_SIZE: u16 = 63;
/// `IFLA_GRO_IPV4_MAX_SIZE`.
pub const IFLA_GRO_IPV4_MAX_SIZE: u16 = 64;
/// `IFLA_NETNS_IMMUTABLE`.
pub const IFLA_NETNS_IMMUTABLE: u16 = 67;
/// `IFLA_AF_SPEC`: per-family link settings.
pub const IFLA_AF_SPEC: u16 = 26;
/// `IFLA_INET6_ADDR_GEN_MODE`, in `IFLA_AF_SPEC`'s `AF_INET6` nest.
pub const IFLA_INET6_ADDR_GEN_MODE: u16 = 8;

/// `IFLA_INFO_KIND`.
const IFLA_INFO_KIND: u16 = 1;
/// `IFLA_INFO_DATA`.
const IFLA_INFO_DATA: u16 = 2;
/// `IFLA_INFO_SLAVE_KIND`.
const IFLA_INFO_SLAVE_KIND: u16 = 4;
/// `IFLA_INFO_SLAVE_DATA`.
const IFLA_INFO_SLAVE_DATA: u16 = 5;

/// The parts of an `IFLA_LINKINFO` nest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo<'a> {
    /// `IFLA_INFO_KIND`.
    pub kind: Option<&'a str>,
    /// `IFLA_INFO_DATA` (the kind's own attributes).
    pub data: Option<&'a [u8]>,
    /// `IFLA_INFO_SLAVE_KIND`: the kind of the link's master.
    pub slave_kind: Option<&'a str>,
    /// `IFLA_INFO_SLAVE_DATA`: the port's settings in its master.
    pub slave_data: Option<&'a [u8]>,
}

impl<'a> LinkInfo<'a> {
    /// Decodes an `IFLA_LINKINFO` payload.
    pub fn parse(b: &'a [u8]) -> Result<LinkInfo<'a>, DecodeError> {
        let mut li = LinkInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                IFLA_INFO_KIND => li.kind = Some(a.str()?),
                IFLA_INFO_DATA => li.data = Some(a.payload()),
                IFLA_INFO_SLAVE_KIND => li.slave_kind = Some(a.str()?),
                IFLA_INFO_SLAVE_DATA => li.slave_data = Some(a.payload()),
                _ => {}
            }
        }
        Ok(li)
    }
}

/// The IPv6 address generation mode in an `IFLA_AF_SPEC` payload
/// (`IN6_ADDR_GEN_MODE_*`: 0 eui64, 1 none, 2 stable privacy, 3 random).
pub fn inet6_addr_gen_mode(af_spec: &[u8]) -> Result<Option<u8>, DecodeError> {
    for a in Attrs::new(af_spec) {
        let a = a?;
        if a.kind() == super::AF_INET6 as u16 {
            for b in Attrs::new(a.payload()) {
                let b = b?;
                if b.kind() == IFLA_INET6_ADDR_GEN_MODE {
                    return Ok(Some(b.u8()?));
                }
            }
        }
    }
    Ok(None)
}

/// A macvlan's settings (`IFLA_MACVLAN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MacvlanInfo {
    /// `MACVLAN_MODE_*` (1 private, 2 vepa, 4 bridge, 8 passthru, 16
    /// source).
    pub mode: Option<u32>,
    /// `MACVLAN_FLAG_*` (1 nopromisc, 2 nodst).
    pub flags: u16,
    /// Broadcast queue length asked for.
    pub bc_queue_len: Option<u32>,
    /// Broadcast queue length in use.
    pub bc_queue_len_used: Option<u32>,
    /// Broadcast cutoff.
    pub bc_cutoff: Option<i32>,
}

impl MacvlanInfo {
    /// Decodes `IFLA_INFO_DATA` of a macvlan or macvtap.
    pub fn parse(b: &[u8]) -> Result<MacvlanInfo, DecodeError> {
        let mut m = MacvlanInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                1 => m.mode = Some(a.u32()?),
                2 => m.flags = a.u16()?,
                7 => m.bc_queue_len = Some(a.u32()?),
                8 => m.bc_queue_len_used = Some(a.u32()?),
                9 => m.bc_cutoff = Some(a.u32()? as i32),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// An ipvlan's settings (`IFLA_IPVLAN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IpvlanInfo {
    /// `IPVLAN_MODE_*` (0 l2, 1 l3, 2 l3s).
    pub mode: Option<u16>,
    /// `IPVLAN_F_*` (1 private, 2 vepa).
    pub flags: Option<u16>,
}

impl IpvlanInfo {
    /// Decodes `IFLA_INFO_DATA` of an ipvlan.
    pub fn parse(b: &[u8]) -> Result<IpvlanInfo, DecodeError> {
        let mut m = IpvlanInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                1 => m.mode = Some(a.u16()?),
                2 => m.flags = Some(a.u16()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// The attributes of an `IFLA_INFO_DATA` or `IFLA_INFO_SLAVE_DATA` nest,
/// looked up by type: the view through which every kind's settings are
/// read (the type constants are in [`bridge`], [`bridge_port`], [`tun`] and
/// [`vlan`]). Checked once when made; lookups do not fail, and a value of
/// the wrong size reads as absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindData<'a>(&'a [u8]);

impl<'a> KindData<'a> {
    /// Checks that `b` is a well-formed list of attributes.
    pub fn new(b: &'a [u8]) -> Result<KindData<'a>, DecodeError> {
        for a in Attrs::new(b) {
            a?;
        }
        Ok(KindData(b))
    }

    /// The payload of the first attribute of type `kind`.
    pub fn get(&self, kind: u16) -> Option<&'a [u8]> {
        Attrs::new(self.0)
            .flatten()
            .find(|a| a.kind() == kind)
            .map(|a| a.payload())
    }

    /// Whether an attribute of type `kind` is present.
    pub fn has(&self, kind: u16) -> bool {
        self.get(kind).is_some()
    }

    fn fixed<const N: usize>(&self, kind: u16) -> Option<[u8; N]> {
        self.get(kind).and_then(|p| p.try_into().ok())
    }

    /// A `u8` attribute.
    pub fn u8(&self, kind: u16) -> Option<u8> {
        self.fixed::<1>(kind).map(|b| b[0])
    }

    /// A native-endian `u16` attribute.
    pub fn u16(&self, kind: u16) -> Option<u16> {
        self.fixed(kind).map(u16::from_ne_bytes)
    }

    /// A network-order `u16` attribute (ports, protocols).
    pub fn be16(&self, kind: u16) -> Option<u16> {
        self.fixed(kind).map(u16::from_be_bytes)
    }

    /// A native-endian `u32` attribute.
    pub fn u32(&self, kind: u16) -> Option<u32> {
        self.fixed(kind).map(u32::from_ne_bytes)
    }

    /// A native-endian `u64` attribute.
    pub fn u64(&self, kind: u16) -> Option<u64> {
        self.fixed(kind).map(u64::from_ne_bytes)
    }

    /// A nested attribute's contents, as another lookup.
    pub fn nested(&self, kind: u16) -> Option<KindData<'a>> {
        self.get(kind).and_then(|p| KindData::new(p).ok())
    }

    /// The raw attributes, in the kernel's order.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.0)
    }
}

/// A bridge identifier (`struct ifla_bridge_id`): a priority and an
/// address. Displays as iproute2's `br_dump_bridge_id` does
/// (`8000.2:0:0:0:0:1`, the address as `ether_ntoa` writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeId {
    /// The priority, network order.
    pub prio: [u8; 2],
    /// The MAC address.
    pub addr: [u8; 6],
}

impl BridgeId {
    /// Reads an 8-byte `ifla_bridge_id`.
    pub fn parse(b: &[u8]) -> Option<BridgeId> {
        let b: &[u8; 8] = b.try_into().ok()?;
        Some(BridgeId {
            prio: [b[0], b[1]],
            addr: [b[2], b[3], b[4], b[5], b[6], b[7]],
        })
    }
}

impl core::fmt::Display for BridgeId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = self.addr;
        write!(
            f,
            "{:02x}{:02x}.{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            self.prio[0], self.prio[1], a[0], a[1], a[2], a[3], a[4], a[5]
        )
    }
}

/// A pair of `u32`s as the kernel packs flags with the mask of those it
/// reports (`struct br_boolopt_multi`, `struct ifla_vlan_flags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlagsMask {
    /// The flag values.
    pub value: u32,
    /// Which flags `value` speaks for.
    pub mask: u32,
}

impl FlagsMask {
    /// Reads the 8-byte pair.
    pub fn parse(b: &[u8]) -> Option<FlagsMask> {
        let b: &[u8; 8] = b.try_into().ok()?;
        Some(FlagsMask {
            value: u32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            mask: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// Flag `bit`'s value, when the mask reports it.
    pub fn get(&self, bit: u32) -> Option<bool> {
        (self.mask & (1 << bit) != 0).then_some(self.value & (1 << bit) != 0)
    }
}

/// Bridge settings (`IFLA_BR_*`, in a bridge's `IFLA_INFO_DATA`).
pub mod bridge {
    /// Forward delay, in centiseconds (u32).
    pub const FORWARD_DELAY: u16 = 1;
    /// Hello time, centiseconds (u32).
    pub const HELLO_TIME: u16 = 2;
    /// Max age, centiseconds (u32).
    pub const MAX_AGE: u16 = 3;
    /// Ageing time, centiseconds (u32).
    pub const AGEING_TIME: u16 = 4;
    /// STP state (u32).
    pub const STP_STATE: u16 = 5;
    /// Bridge priority (u16).
    pub const PRIORITY: u16 = 6;
    /// VLAN filtering (u8).
    pub const VLAN_FILTERING: u16 = 7;
    /// VLAN protocol (be16 ethertype).
    pub const VLAN_PROTOCOL: u16 = 8;
    /// Group forward mask (u16).
    pub const GROUP_FWD_MASK: u16 = 9;
    /// Designated root ([`super::BridgeId`]).
    pub const ROOT_ID: u16 = 10;
    /// This bridge's id ([`super::BridgeId`]).
    pub const BRIDGE_ID: u16 = 11;
    /// Root port (u16).
    pub const ROOT_PORT: u16 = 12;
    /// Root path cost (u32).
    pub const ROOT_PATH_COST: u16 = 13;
    /// Topology change (u8).
    pub const TOPOLOGY_CHANGE: u16 = 14;
    /// Topology change detected (u8).
    pub const TOPOLOGY_CHANGE_DETECTED: u16 = 15;
    /// Hello timer, centiseconds (u64).
    pub const HELLO_TIMER: u16 = 16;
    /// TCN timer, centiseconds (u64).
    pub const TCN_TIMER: u16 = 17;
    /// Topology change timer, centiseconds (u64).
    pub const TOPOLOGY_CHANGE_TIMER: u16 = 18;
    /// Garbage collection timer, centiseconds (u64).
    pub const GC_TIMER: u16 = 19;
    /// Group address (6 bytes).
    pub const GROUP_ADDR: u16 = 20;
    /// Multicast router (u8).
    pub const MCAST_ROUTER: u16 = 22;
    /// Multicast snooping (u8).
    pub const MCAST_SNOOPING: u16 = 23;
    /// Multicast query uses the interface address (u8).
    pub const MCAST_QUERY_USE_IFADDR: u16 = 24;
    /// Multicast querier (u8).
    pub const MCAST_QUERIER: u16 = 25;
    /// Multicast hash elasticity (u32).
    pub const MCAST_HASH_ELASTICITY: u16 = 26;
    /// Multicast hash max (u32).
    pub const MCAST_HASH_MAX: u16 = 27;
    /// Multicast last member count (u32).
    pub const MCAST_LAST_MEMBER_CNT: u16 = 28;
    /// Multicast startup query count (u32).
    pub const MCAST_STARTUP_QUERY_CNT: u16 = 29;
    /// Multicast last member interval, centiseconds (u64).
    pub const MCAST_LAST_MEMBER_INTVL: u16 = 30;
    /// Multicast membership interval (u64).
    pub const MCAST_MEMBERSHIP_INTVL: u16 = 31;
    /// Multicast querier interval (u64).
    pub const MCAST_QUERIER_INTVL: u16 = 32;
    /// Multicast query interval (u64).
    pub const MCAST_QUERY_INTVL: u16 = 33;
    /// Multicast query response interval (u64).
    pub const MCAST_QUERY_RESPONSE_INTVL: u16 = 34;
    /// Multicast startup query interval (u64).
    pub const MCAST_STARTUP_QUERY_INTVL: u16 = 35;
    /// Call iptables (u8).
    pub const NF_CALL_IPTABLES: u16 = 36;
    /// Call ip6tables (u8).
    pub const NF_CALL_IP6TABLES: u16 = 37;
    /// Call arptables (u8).
    pub const NF_CALL_ARPTABLES: u16 = 38;
    /// Default PVID (u16).
    pub const VLAN_DEFAULT_PVID: u16 = 39;
    /// Per-VLAN statistics (u8).
    pub const VLAN_STATS_ENABLED: u16 = 41;
    /// Multicast statistics (u8).
    pub const MCAST_STATS_ENABLED: u16 = 42;
    /// IGMP version (u8).
    pub const MCAST_IGMP_VERSION: u16 = 43;
    /// MLD version (u8).
    pub const MCAST_MLD_VERSION: u16 = 44;
    /// Per-port VLAN statistics (u8).
    pub const VLAN_STATS_PER_PORT: u16 = 45;
    /// Boolean options ([`super::FlagsMask`], bits `BOOLOPT_*`).
    pub const MULTI_BOOLOPT: u16 = 46;
    /// The multicast querier's state (nest of `QUERIER_*`).
    pub const MCAST_QUERIER_STATE: u16 = 47;
    /// FDB entries learned (u32).
    pub const FDB_N_LEARNED: u16 = 48;
    /// FDB learned-entries limit (u32).
    pub const FDB_MAX_LEARNED: u16 = 49;

    /// `BR_BOOLOPT_NO_LL_LEARN`.
    pub const BOOLOPT_NO_LL_LEARN: u32 = 0;
    /// `BR_BOOLOPT_MCAST_VLAN_SNOOPING`.
    pub const BOOLOPT_MCAST_VLAN_SNOOPING: u32 = 1;
    /// `BR_BOOLOPT_MST_ENABLE`.
    pub const BOOLOPT_MST_ENABLE: u32 = 2;
    /// `BR_BOOLOPT_MDB_OFFLOAD_FAIL_NOTIFICATION`.
    pub const BOOLOPT_MDB_OFFLOAD_FAIL_NOTIFICATION: u32 = 3;
    /// `BR_BOOLOPT_FDB_LOCAL_VLAN_0`.
    pub const BOOLOPT_FDB_LOCAL_VLAN_0: u32 = 4;

    /// `BRIDGE_QUERIER_IP_ADDRESS` (in [`MCAST_QUERIER_STATE`]).
    pub const QUERIER_IP_ADDRESS: u16 = 1;
    /// `BRIDGE_QUERIER_IP_PORT` (u32).
    pub const QUERIER_IP_PORT: u16 = 2;
    /// `BRIDGE_QUERIER_IP_OTHER_TIMER` (u64, nanoseconds).
    pub const QUERIER_IP_OTHER_TIMER: u16 = 3;
    /// `BRIDGE_QUERIER_IPV6_ADDRESS`.
    pub const QUERIER_IPV6_ADDRESS: u16 = 5;
    /// `BRIDGE_QUERIER_IPV6_PORT` (u32).
    pub const QUERIER_IPV6_PORT: u16 = 6;
    /// `BRIDGE_QUERIER_IPV6_OTHER_TIMER` (u64, nanoseconds).
    pub const QUERIER_IPV6_OTHER_TIMER: u16 = 7;
}

/// A bridge port's settings (`IFLA_BRPORT_*`, in a port's
/// `IFLA_INFO_SLAVE_DATA` when its master is a bridge).
pub mod bridge_port {
    /// STP state (u8: 0 disabled, 1 listening, 2 learning, 3 forwarding,
    /// 4 blocking).
    pub const STATE: u16 = 1;
    /// Priority (u16).
    pub const PRIORITY: u16 = 2;
    /// Cost (u32).
    pub const COST: u16 = 3;
    /// Hairpin mode (u8).
    pub const MODE: u16 = 4;
    /// BPDU guard (u8).
    pub const GUARD: u16 = 5;
    /// Root block (u8).
    pub const PROTECT: u16 = 6;
    /// Multicast fast leave (u8).
    pub const FAST_LEAVE: u16 = 7;
    /// Learning (u8).
    pub const LEARNING: u16 = 8;
    /// Unicast flooding (u8).
    pub const UNICAST_FLOOD: u16 = 9;
    /// Proxy ARP (u8).
    pub const PROXYARP: u16 = 10;
    /// Proxy ARP for Wi-Fi (u8).
    pub const PROXYARP_WIFI: u16 = 12;
    /// Designated root ([`super::BridgeId`]).
    pub const ROOT_ID: u16 = 13;
    /// Designated bridge ([`super::BridgeId`]).
    pub const BRIDGE_ID: u16 = 14;
    /// Designated port (u16).
    pub const DESIGNATED_PORT: u16 = 15;
    /// Designated cost (u16).
    pub const DESIGNATED_COST: u16 = 16;
    /// Port id (u16).
    pub const ID: u16 = 17;
    /// Port number (u16).
    pub const NO: u16 = 18;
    /// Topology change ack (u8).
    pub const TOPOLOGY_CHANGE_ACK: u16 = 19;
    /// Config pending (u8).
    pub const CONFIG_PENDING: u16 = 20;
    /// Message age timer, centiseconds (u64).
    pub const MESSAGE_AGE_TIMER: u16 = 21;
    /// Forward delay timer, centiseconds (u64).
    pub const FORWARD_DELAY_TIMER: u16 = 22;
    /// Hold timer, centiseconds (u64).
    pub const HOLD_TIMER: u16 = 23;
    /// Multicast router (u8).
    pub const MULTICAST_ROUTER: u16 = 25;
    /// Multicast flooding (u8).
    pub const MCAST_FLOOD: u16 = 27;
    /// Multicast to unicast (u8).
    pub const MCAST_TO_UCAST: u16 = 28;
    /// VLAN tunnel (u8).
    pub const VLAN_TUNNEL: u16 = 29;
    /// Broadcast flooding (u8).
    pub const BCAST_FLOOD: u16 = 30;
    /// Group forward mask (u16).
    pub const GROUP_FWD_MASK: u16 = 31;
    /// Neighbour suppression (u8).
    pub const NEIGH_SUPPRESS: u16 = 32;
    /// Isolated (u8).
    pub const ISOLATED: u16 = 33;
    /// Backup port's ifindex (u32).
    pub const BACKUP_PORT: u16 = 34;
    /// Locked (u8).
    pub const LOCKED: u16 = 39;
    /// MAC authentication bypass (u8).
    pub const MAB: u16 = 40;
    /// Per-VLAN neighbour suppression (u8).
    pub const NEIGH_VLAN_SUPPRESS: u16 = 43;
    /// Backup nexthop id (u32).
    pub const BACKUP_NHID: u16 = 44;
}

/// A tun/tap device's settings (`IFLA_TUN_*`).
pub mod tun {
    /// Owner uid (u32).
    pub const OWNER: u16 = 1;
    /// Owner gid (u32).
    pub const GROUP: u16 = 2;
    /// Type (u8: `IFF_TUN` 1, `IFF_TAP` 2).
    pub const TYPE: u16 = 3;
    /// Packet information header (u8).
    pub const PI: u16 = 4;
    /// Virtio net header (u8).
    pub const VNET_HDR: u16 = 5;
    /// Persistent (u8).
    pub const PERSIST: u16 = 6;
    /// Multi-queue (u8).
    pub const MULTI_QUEUE: u16 = 7;
    /// Queues (u32).
    pub const NUM_QUEUES: u16 = 8;
    /// Disabled queues (u32).
    pub const NUM_DISABLED_QUEUES: u16 = 9;
}

/// A VLAN's settings (`IFLA_VLAN_*`).
pub mod vlan {
    pub use crate::route::link_req::{IFLA_VLAN_ID as ID, IFLA_VLAN_PROTOCOL as PROTOCOL};
    /// Flags ([`super::FlagsMask`], `FLAG_*`).
    pub const FLAGS: u16 = 2;
    /// Egress priority map (a list of [`QOS_MAPPING`]).
    pub const EGRESS_QOS: u16 = 3;
    /// Ingress priority map (a list of [`QOS_MAPPING`]).
    pub const INGRESS_QOS: u16 = 4;
    /// One mapping (`struct ifla_vlan_qos_mapping`: from, to; u32 each).
    pub const QOS_MAPPING: u16 = 1;
    /// `VLAN_FLAG_REORDER_HDR`.
    pub const FLAG_REORDER_HDR: u32 = 0x1;
    /// `VLAN_FLAG_GVRP`.
    pub const FLAG_GVRP: u32 = 0x2;
    /// `VLAN_FLAG_LOOSE_BINDING`.
    pub const FLAG_LOOSE_BINDING: u32 = 0x4;
    /// `VLAN_FLAG_MVRP`.
    pub const FLAG_MVRP: u32 = 0x8;
    /// `VLAN_FLAG_BRIDGE_BINDING`.
    pub const FLAG_BRIDGE_BINDING: u32 = 0x10;

    /// The `(from, to)` pairs of an egress or ingress map, in order; a
    /// malformed entry ends the list.
    pub fn qos_map(b: &[u8]) -> impl Iterator<Item = (u32, u32)> + '_ {
        crate::wire::Attrs::new(b).map_while(|a| {
            let a = a.ok()?;
            let p: &[u8; 8] = a.payload().try_into().ok()?;
            Some((
                u32::from_ne_bytes([p[0], p[1], p[2], p[3]]),
                u32::from_ne_bytes([p[4], p[5], p[6], p[7]]),
            ))
        })
    }
}

/// Bond settings (`IFLA_BOND_*`, in a bond's `IFLA_INFO_DATA`).
pub mod bond {
    pub use crate::route::link_req::IFLA_BOND_MODE as MODE;
    /// Active port's ifindex (u32).
    pub const ACTIVE_SLAVE: u16 = 2;
    /// MII monitoring interval, ms (u32).
    pub const MIIMON: u16 = 3;
    /// Up delay, ms (u32).
    pub const UPDELAY: u16 = 4;
    /// Down delay, ms (u32).
    pub const DOWNDELAY: u16 = 5;
    /// Use carrier (u8).
    pub const USE_CARRIER: u16 = 6;
    /// ARP monitoring interval, ms (u32).
    pub const ARP_INTERVAL: u16 = 7;
    /// ARP targets (a nest of IPv4 addresses, indexed from 0) (nest).
    pub const ARP_IP_TARGET: u16 = 8;
    /// ARP validation (u32).
    pub const ARP_VALIDATE: u16 = 9;
    /// ARP all targets (u32).
    pub const ARP_ALL_TARGETS: u16 = 10;
    /// Primary port's ifindex (u32).
    pub const PRIMARY: u16 = 11;
    /// Primary reselection (u8).
    pub const PRIMARY_RESELECT: u16 = 12;
    /// Fail-over MAC policy (u8).
    pub const FAIL_OVER_MAC: u16 = 13;
    /// Transmit hash policy (u8).
    pub const XMIT_HASH_POLICY: u16 = 14;
    /// IGMP resends (u32).
    pub const RESEND_IGMP: u16 = 15;
    /// Peer notifications after a failover (u8).
    pub const NUM_PEER_NOTIF: u16 = 16;
    /// All ports active (u8).
    pub const ALL_SLAVES_ACTIVE: u16 = 17;
    /// Minimum links (u32).
    pub const MIN_LINKS: u16 = 18;
    /// Learning packet interval (u32).
    pub const LP_INTERVAL: u16 = 19;
    /// Packets per port (balance-rr) (u32).
    pub const PACKETS_PER_SLAVE: u16 = 20;
    /// LACP rate (u8).
    pub const AD_LACP_RATE: u16 = 21;
    /// Aggregator selection (u8).
    pub const AD_SELECT: u16 = 22;
    /// 802.3ad state (nest of `AD_INFO_*`) (nest).
    pub const AD_INFO: u16 = 23;
    /// Actor system priority (u16).
    pub const AD_ACTOR_SYS_PRIO: u16 = 24;
    /// User port key (u16).
    pub const AD_USER_PORT_KEY: u16 = 25;
    /// Actor system address (mac).
    pub const AD_ACTOR_SYSTEM: u16 = 26;
    /// Dynamic load balancing (balance-tlb) (u8).
    pub const TLB_DYNAMIC_LB: u16 = 27;
    /// Peer notification delay, ms (u32).
    pub const PEER_NOTIF_DELAY: u16 = 28;
    /// LACP active (u8).
    pub const AD_LACP_ACTIVE: u16 = 29;
    /// Missed ARP/NS replies before down (u8).
    pub const MISSED_MAX: u16 = 30;
    /// NS targets (a nest of IPv6 addresses, indexed from 0) (nest).
    pub const NS_IP6_TARGET: u16 = 31;
    /// Coupled control (802.3ad) (u8).
    pub const COUPLED_CONTROL: u16 = 32;
    /// Broadcast neighbour messages (802.3ad) (u8).
    pub const BROADCAST_NEIGH: u16 = 33;
    /// `IFLA_BOND_AD_INFO_AGGREGATOR` (u16, in [`AD_INFO`]).
    pub const AD_INFO_AGGREGATOR: u16 = 1;
    /// `IFLA_BOND_AD_INFO_NUM_PORTS` (u16).
    pub const AD_INFO_NUM_PORTS: u16 = 2;
    /// `IFLA_BOND_AD_INFO_ACTOR_KEY` (u16).
    pub const AD_INFO_ACTOR_KEY: u16 = 3;
    /// `IFLA_BOND_AD_INFO_PARTNER_KEY` (u16).
    pub const AD_INFO_PARTNER_KEY: u16 = 4;
    /// `IFLA_BOND_AD_INFO_PARTNER_MAC` (6 bytes).
    pub const AD_INFO_PARTNER_MAC: u16 = 5;
}

/// A bond port's state (`IFLA_BOND_SLAVE_*`, in a port's
/// `IFLA_INFO_SLAVE_DATA` when its master is a bond).
pub mod bond_port {
    /// State (u8: 0 active, 1 backup).
    pub const STATE: u16 = 1;
    /// MII status (u8: 0 up, 1 going down, 2 down, 3 going back).
    pub const MII_STATUS: u16 = 2;
    /// Link failures (u32).
    pub const LINK_FAILURE_COUNT: u16 = 3;
    /// Permanent hardware address.
    pub const PERM_HWADDR: u16 = 4;
    /// Queue id (u16).
    pub const QUEUE_ID: u16 = 5;
    /// 802.3ad aggregator id (u16).
    pub const AD_AGGREGATOR_ID: u16 = 6;
    /// 802.3ad actor port state (u8, `LACP_STATE_*` bits).
    pub const AD_ACTOR_OPER_PORT_STATE: u16 = 7;
    /// 802.3ad partner port state (u16, `LACP_STATE_*` bits).
    pub const AD_PARTNER_OPER_PORT_STATE: u16 = 8;
    /// Priority (s32).
    pub const PRIO: u16 = 9;
    /// 802.3ad actor port priority (u16).
    pub const ACTOR_PORT_PRIO: u16 = 10;
    /// 802.3ad actor churn state (u8: 0 monitor, 1 churn, 2 no churn).
    pub const AD_CHURN_ACTOR_STATE: u16 = 11;
    /// 802.3ad partner churn state (u8).
    pub const AD_CHURN_PARTNER_STATE: u16 = 12;
}

/// VXLAN settings (`IFLA_VXLAN_*`, in a vxlan's `IFLA_INFO_DATA`).
pub mod vxlan {
    pub use crate::route::link_req::{
        IFLA_VXLAN_GROUP as GROUP, IFLA_VXLAN_GROUP6 as GROUP6, IFLA_VXLAN_ID as ID,
        IFLA_VXLAN_LINK as LINK, IFLA_VXLAN_LOCAL as LOCAL, IFLA_VXLAN_LOCAL6 as LOCAL6,
        IFLA_VXLAN_PORT as PORT,
    };
    /// TTL (u8; 0 auto).
    pub const TTL: u16 = 5;
    /// TOS (u8; 1 inherit).
    pub const TOS: u16 = 6;
    /// Learning (u8).
    pub const LEARNING: u16 = 7;
    /// FDB ageing, seconds (u32; 0 none).
    pub const AGEING: u16 = 8;
    /// FDB entry limit (u32; 0 none).
    pub const LIMIT: u16 = 9;
    /// Source port range (two be16: low, high).
    pub const PORT_RANGE: u16 = 10;
    /// ARP/ND proxy (u8).
    pub const PROXY: u16 = 11;
    /// Route short-circuit (u8).
    pub const RSC: u16 = 12;
    /// L2 miss notifications (u8).
    pub const L2MISS: u16 = 13;
    /// L3 miss notifications (u8).
    pub const L3MISS: u16 = 14;
    /// UDP checksums over IPv4 (u8).
    pub const UDP_CSUM: u16 = 18;
    /// Zero UDP checksums sent over IPv6 (u8).
    pub const UDP_ZERO_CSUM6_TX: u16 = 19;
    /// Zero UDP checksums accepted over IPv6 (u8).
    pub const UDP_ZERO_CSUM6_RX: u16 = 20;
    /// Remote checksum offload, transmit (u8).
    pub const REMCSUM_TX: u16 = 21;
    /// Remote checksum offload, receive (u8).
    pub const REMCSUM_RX: u16 = 22;
    /// Group policy extension (flag).
    pub const GBP: u16 = 23;
    /// Remote checksum offload without partial checksums (flag).
    pub const REMCSUM_NOPARTIAL: u16 = 24;
    /// External control, `external` (u8).
    pub const COLLECT_METADATA: u16 = 25;
    /// IPv6 flow label (be32).
    pub const LABEL: u16 = 26;
    /// Generic protocol extension (flag).
    pub const GPE: u16 = 27;
    /// TTL inherited from the inner packet (u8).
    pub const TTL_INHERIT: u16 = 28;
    /// Don't-fragment (u8: 0 unset, 1 set, 2 inherit).
    pub const DF: u16 = 29;
    /// VNI filtering (u8; with `external`).
    pub const VNIFILTER: u16 = 30;
    /// Local bypass (u8).
    pub const LOCALBYPASS: u16 = 31;
    /// Flow label policy (u32).
    pub const LABEL_POLICY: u16 = 32;
    /// Reserved header bits accepted (be64).
    pub const RESERVED_BITS: u16 = 33;
    /// Multicast route (u8).
    pub const MC_ROUTE: u16 = 34;
}

/// VRF settings (`IFLA_VRF_*`) and a VRF port's (`IFLA_VRF_PORT_*`).
pub mod vrf {
    /// The VRF's routing table (u32, in the VRF's `IFLA_INFO_DATA`).
    pub const TABLE: u16 = 1;
    /// The table of a port's VRF (u32, in the port's
    /// `IFLA_INFO_SLAVE_DATA`).
    pub const PORT_TABLE: u16 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Writer;

    #[test]
    fn decodes_kind_data_and_address_mode() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        w.attr_str(IFLA_INFO_KIND, "macvlan");
        let d = w.begin_nested(IFLA_INFO_DATA);
        w.attr_u32(1, 4);
        w.attr_u16(2, 1);
        w.attr_u32(7, 1000);
        w.end_nested(d);
        w.attr_str(IFLA_INFO_SLAVE_KIND, "bridge");
        let n = w.finish().unwrap();
        let li = LinkInfo::parse(&buf[..n]).unwrap();
        assert_eq!((li.kind, li.slave_kind), (Some("macvlan"), Some("bridge")));
        let m = MacvlanInfo::parse(li.data.unwrap()).unwrap();
        assert_eq!(
            (m.mode, m.flags, m.bc_queue_len, m.bc_cutoff),
            (Some(4), 1, Some(1000), None)
        );
        // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = 1 } }.
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let f = w.begin_nested(10);
        w.attr_u8(IFLA_INET6_ADDR_GEN_MODE, 1);
        w.end_nested(f);
        let n = w.finish().unwrap();
        assert_eq!(inet6_addr_gen_mode(&buf[..n]).unwrap(), Some(1));
        assert!(LinkInfo::parse(&[4, 0]).is_err());
    }

    #[test]
    fn kind_data_lookups_bridge_ids_and_qos_maps() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        w.attr_u32(bridge::FORWARD_DELAY, 1500);
        w.attr_u16(bridge::PRIORITY, 0x8000);
        w.attr(bridge::BRIDGE_ID, &[0x80, 0, 2, 0, 0, 0, 0xab, 1]);
        w.attr(bridge::VLAN_PROTOCOL, &[0x81, 0]);
        w.attr(bridge::MULTI_BOOLOPT, &[2, 0, 0, 0, 3, 0, 0, 0]);
        let n = w.finish().unwrap();
        let d = KindData::new(&buf[..n]).unwrap();
        assert_eq!(d.u32(bridge::FORWARD_DELAY), Some(1500));
        assert_eq!(d.u16(bridge::PRIORITY), Some(0x8000));
        assert_eq!(d.u32(bridge::PRIORITY), None, "wrong size reads as absent");
        assert_eq!(d.be16(bridge::VLAN_PROTOCOL), Some(0x8100));
        assert_eq!(d.u8(bridge::STP_STATE), None);
        let id = BridgeId::parse(d.get(bridge::BRIDGE_ID).unwrap()).unwrap();
        assert_eq!(std::format!("{id}"), "8000.2:0:0:0:ab:1");
        let b = FlagsMask::parse(d.get(bridge::MULTI_BOOLOPT).unwrap()).unwrap();
        assert_eq!(
            (b.get(0), b.get(1), b.get(2)),
            (Some(false), Some(true), None)
        );
        assert!(KindData::new(&[8, 0, 1, 0]).is_err());

        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        for (f, t) in [(1u32, 2u32), (3, 4)] {
            let mut p = [0u8; 8];
            p[..4].copy_from_slice(&f.to_ne_bytes());
            p[4..].copy_from_slice(&t.to_ne_bytes());
            w.attr(vlan::QOS_MAPPING, &p);
        }
        let n = w.finish().unwrap();
        let m: std::vec::Vec<_> = vlan::qos_map(&buf[..n]).collect();
        assert_eq!(m, [(1, 2), (3, 4)]);
    }
}
