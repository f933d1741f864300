//! rtnetlink (`NETLINK_ROUTE`): links, addresses, routes, neighbours and
//! rules.
//!
//! Each object has a zero-copy view (`LinkMessage`, `RouteMessage`) that
//! decodes the known attributes in one pass and keeps the raw attribute area
//! for everything else, request builders, and (with `alloc`) an owned model
//! built from the view. Unknown attributes are never dropped: views iterate
//! them as `Other`, owned models keep their bytes (see [`RawAttrs`]).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use crate::input::{
    IFNAME_MAX, check_family, check_prefix, validate_ifname, validate_netns_name,
};
use crate::wire::{Attr, DecodeError};

pub mod addr;
pub mod bridge_opts;
pub mod brvlan;
pub mod describe;
#[cfg(feature = "alloc")]
mod display;
pub mod events;
pub mod fdb;
pub mod kinds;
pub mod link;
pub mod link_req;
pub mod linkinfo;
pub mod names;
pub mod neigh;
pub mod nexthop;
pub mod nh;
pub mod nh_bucket;
pub mod nsid;
#[cfg(feature = "alloc")]
pub mod ops;
#[allow(clippy::module_inception)] // `route::route` beside `route::link`
pub mod route;
pub mod route_req;
pub mod rule;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod stats;

pub use addr::{AddressMessage, AddressRequest, GetAddresses, IfAddrMsg};
pub use bridge_opts::{BondPort, BoolOpts, Bridge, BridgePort, EtherType, PortSettings};
pub use brvlan::{BridgeVlanMessage, BridgeVlanRequest, GetBridgeVlans, VlanInfo};
pub use describe::describe_request;
pub use fdb::{FdbFlush, FdbMessage, FdbRequest, FdbState, GetFdbEntries, GetFdbEntry};
pub use kinds::{Bond, Geneve, KindSettings, Tunnel, TunnelEncap, TunnelKind, Vxlan};
pub use link::{GetLink, GetLinks, HwAddr, IfInfoMsg, LinkAttr, LinkMessage, OperState};
pub use link_req::{
    BondMode, IpvlanMode, LinkKind, LinkRequest, LinkSettings, MacvlanMode, NetnsRef,
};
pub use names::{Protocol, RouteType, Scope, Table};
pub use neigh::{GetNeighbour, GetNeighbours, NdMsg, NeighbourMessage, NeighbourRequest};
pub use nh::{
    GetNexthop, GetNexthops, GroupMember, NexthopMessage, NexthopRequest, NhMsg, ResGroup,
};
pub use nh_bucket::{GetNexthopBucket, GetNexthopBuckets, NexthopBucketMessage};
pub use nsid::{GetNsId, NsIdMessage, SetNsId};
pub use route::{GetRoutes, RouteAttr, RouteMessage, RtMsg};
pub use route_req::{NextHop, RouteLookup, RouteRequest};
pub use rule::{GetRules, RuleMessage, RuleRequest};
pub use stats::LinkStats;

#[cfg(feature = "alloc")]
pub use addr::Address;
#[cfg(feature = "alloc")]
pub use brvlan::BridgeVlans;
#[cfg(feature = "alloc")]
pub use fdb::FdbEntry;
#[cfg(feature = "alloc")]
pub use neigh::Neighbour;
#[cfg(feature = "alloc")]
pub use nh::Nexthop;
#[cfg(feature = "alloc")]
pub use nh_bucket::NexthopBucket;
#[cfg(feature = "alloc")]
pub use nsid::NsId;
#[cfg(feature = "alloc")]
pub use rule::Rule;

#[cfg(feature = "alloc")]
pub use link::Link;
#[cfg(feature = "alloc")]
pub use route::Route;

/// `AF_UNSPEC`.
pub const AF_UNSPEC: u8 = 0;
/// `AF_INET`.
pub const AF_INET: u8 = 2;
/// `AF_BRIDGE`.
pub const AF_BRIDGE: u8 = 7;
/// `AF_INET6`.
pub const AF_INET6: u8 = 10;

/// `RTM_NEWLINK`.
pub const RTM_NEWLINK: u16 = 16;
/// `RTM_DELLINK`.
pub const RTM_DELLINK: u16 = 17;
/// `RTM_GETLINK`.
pub const RTM_GETLINK: u16 = 18;
/// `RTM_SETLINK`.
pub const RTM_SETLINK: u16 = 19;
/// `RTM_NEWADDR`.
pub const RTM_NEWADDR: u16 = 20;
/// `RTM_DELADDR`.
pub const RTM_DELADDR: u16 = 21;
/// `RTM_GETADDR`.
pub const RTM_GETADDR: u16 = 22;
/// `RTM_NEWNEIGH`.
pub const RTM_NEWNEIGH: u16 = 28;
/// `RTM_DELNEIGH`.
pub const RTM_DELNEIGH: u16 = 29;
/// `RTM_GETNEIGH`.
pub const RTM_GETNEIGH: u16 = 30;
/// `RTM_NEWRULE`.
pub const RTM_NEWRULE: u16 = 32;
/// `RTM_DELRULE`.
pub const RTM_DELRULE: u16 = 33;
/// `RTM_GETRULE`.
pub const RTM_GETRULE: u16 = 34;
/// `RTM_NEWROUTE`.
pub const RTM_NEWROUTE: u16 = 24;
/// `RTM_DELROUTE`.
pub const RTM_DELROUTE: u16 = 25;
/// `RTM_GETROUTE`.
pub const RTM_GETROUTE: u16 = 26;

/// The `AF_*` family of an address.
pub fn family_of(a: &IpAddr) -> u8 {
    if a.is_ipv4() { AF_INET } else { AF_INET6 }
}

/// Appends an address attribute (4 or 16 bytes).
pub(crate) fn attr_ip(w: &mut crate::wire::Writer<'_>, kind: u16, a: &IpAddr) {
    match a {
        IpAddr::V4(v) => w.attr(kind, &v.octets()),
        IpAddr::V6(v) => w.attr(kind, &v.octets()),
    }
}

/// Decodes an address attribute for `family`. Returns `Ok(None)` for a
/// family other than IPv4/IPv6 (the attribute is then kept as raw bytes).
#[inline]
pub(crate) fn ip_addr(family: u8, a: &Attr<'_>) -> Result<Option<IpAddr>, DecodeError> {
    let p = a.payload();
    let expect = match family {
        AF_INET => 4,
        AF_INET6 => 16,
        _ => return Ok(None),
    };
    if p.len() != expect {
        return Err(DecodeError::AttrSize {
            what: "address attribute",
            kind: a.kind(),
            len: p.len(),
            expected: expect,
        });
    }
    Ok(Some(if expect == 4 {
        IpAddr::V4(Ipv4Addr::new(p[0], p[1], p[2], p[3]))
    } else {
        let mut o = [0u8; 16];
        o.copy_from_slice(p);
        IpAddr::V6(Ipv6Addr::from(o))
    }))
}

/// A short string held inline: an interface name or an address label
/// (`IFNAMSIZ`, at most 15 bytes), so an owned object that carries one
/// needs no heap allocation for it. A longer string (which the kernel
/// does not send for these) is kept whole, on the heap. Reads as a `str`
/// (`Deref`, `Display`, `as_str`) and compares with one.
#[cfg(feature = "alloc")]
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IfName(smallvec::SmallVec<[u8; 16]>);

#[cfg(feature = "alloc")]
impl IfName {
    /// The string.
    pub fn as_str(&self) -> &str {
        // Only ever filled from a `&str`.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

#[cfg(feature = "alloc")]
impl From<&str> for IfName {
    fn from(s: &str) -> IfName {
        IfName(smallvec::SmallVec::from_slice(s.as_bytes()))
    }
}

#[cfg(feature = "alloc")]
impl core::ops::Deref for IfName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(feature = "alloc")]
impl AsRef<str> for IfName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(feature = "alloc")]
impl PartialEq<str> for IfName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(feature = "alloc")]
impl PartialEq<&str> for IfName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The raw bytes of the attributes an owned model does not decode, kept so a
/// newer kernel's additions never vanish; [`RawAttrs::iter`] yields them as
/// `(type, payload)`. Up to [`RawAttrs::INLINE`] bytes live inside the
/// value itself (an IPv6 route's `RTA_CACHEINFO` does), so a common object
/// is built without a heap allocation; more take one allocation in all.
#[cfg(feature = "alloc")]
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RawAttrs(smallvec::SmallVec<[u8; RawAttrs::INLINE]>);

#[cfg(feature = "alloc")]
impl RawAttrs {
    /// How many bytes of kept attributes fit without a heap allocation:
    /// one 36-byte attribute (`RTA_CACHEINFO`), or a few small ones.
    pub const INLINE: usize = 40;

    pub(crate) fn push(&mut self, a: &Attr<'_>) {
        let len = 4 + a.payload().len();
        self.0.extend_from_slice(&(len as u16).to_ne_bytes());
        self.0.extend_from_slice(&a.raw_kind().to_ne_bytes());
        self.0.extend_from_slice(a.payload());
        while self.0.len() % 4 != 0 {
            self.0.push(0);
        }
    }

    /// Iterates the kept attributes as views (`kind()` strips the flags).
    pub fn iter(&self) -> impl Iterator<Item = Attr<'_>> {
        // The bytes were written by `push` from valid attributes.
        crate::wire::Attrs::new(&self.0[..]).filter_map(Result::ok)
    }

    /// Finds the payload of the first kept attribute of type `kind`.
    pub fn get(&self, kind: u16) -> Option<&[u8]> {
        self.iter().find(|a| a.kind() == kind).map(|a| a.payload())
    }

    /// Number of kept attributes.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether no attribute is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The encoded attribute bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for RawAttrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|a| (a.kind(), a.payload().len())))
            .finish()
    }
}

/// Formats bytes as colon-separated lowercase hex (`aa:bb:cc`).
pub(crate) fn fmt_hex_colon(b: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{x:02x}")?;
    }
    Ok(())
}
