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

use crate::wire::{Attr, DecodeError};

pub mod addr;
pub mod link;
pub mod link_req;
pub mod neigh;
pub mod nexthop;
#[allow(clippy::module_inception)] // `route::route` beside `route::link`
pub mod route;
pub mod route_req;
pub mod rule;

pub use addr::{AddrMessage, Address, GetAddrs, IfAddrMsg};
pub use link::{
    DelLink, GetLink, GetLinks, HwAddr, IfInfoMsg, LinkAttr, LinkMessage, LinkRef, OperState,
};
pub use link_req::{
    BondMode, IpvlanMode, LinkKind, MacvlanMode, NetnsRef, NewLink, SetLink, Vxlan,
};
pub use neigh::{GetNeighs, NdMsg, NeighMessage, Neighbour};
pub use route::{GetRoutes, RouteAttr, RouteMessage, RtMsg};
pub use route_req::{NextHop, RouteLookup, RouteRequest};
pub use rule::{GetRules, Rule, RuleMessage};

#[cfg(feature = "alloc")]
pub use addr::Addr;
#[cfg(feature = "alloc")]
pub use neigh::Neigh;
#[cfg(feature = "alloc")]
pub use rule::RuleEntry;

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

/// Longest interface name the kernel accepts (`IFNAMSIZ - 1`).
pub const IFNAME_MAX: usize = 15;

/// Input rejected before anything is sent to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// An empty interface name.
    #[error("interface name is empty")]
    EmptyName,
    /// An interface name longer than 15 bytes.
    #[error("interface name is {len} bytes long; the kernel allows at most 15")]
    NameTooLong {
        /// Its length.
        len: usize,
    },
    /// An interface name with a character the kernel rejects.
    #[error("interface name contains {0:?}, which the kernel does not allow")]
    NameCharacter(char),
    /// An interface name the kernel reserves.
    #[error("interface name {0:?} is reserved")]
    ReservedName(&'static str),
    /// Interface index 0 does not name an interface.
    #[error("interface index 0 does not name an interface")]
    ZeroIndex,
    /// A network namespace name that cannot be a file name in the
    /// namespace directory.
    #[error("invalid network namespace name: {0}")]
    NetnsName(&'static str),
    /// A prefix length past the address size.
    #[error("prefix length {len} is longer than {max} bits")]
    PrefixTooLong {
        /// The length given.
        len: u8,
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
    /// Two addresses of one request are of different families.
    #[error("{what} is {found} but the request is {expected}")]
    FamilyMismatch {
        /// Which address (`gateway`, `source address`, `peer`).
        what: &'static str,
        /// Its family (`IPv4`, `IPv6`).
        found: &'static str,
        /// The request's family.
        expected: &'static str,
    },
    /// An address label longer than 15 bytes.
    #[error("address label is {len} bytes long; the kernel allows at most 15")]
    LabelTooLong {
        /// Its length.
        len: usize,
    },
    /// A link alias longer than 255 bytes.
    #[error("link alias is {len} bytes long; the kernel allows at most 255")]
    AliasTooLong {
        /// Its length.
        len: usize,
    },
    /// A string with a NUL byte, which would cut the attribute short.
    #[error("{what} contains a NUL byte")]
    NulByte {
        /// Which string.
        what: &'static str,
    },
    /// A link-layer address longer than 32 bytes.
    #[error("link-layer address is {len} bytes long; the kernel allows at most 32")]
    HwAddrTooLong {
        /// Its length.
        len: usize,
    },
    /// A value outside the range the kernel accepts.
    #[error("{what} {value} is out of range ({range})")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value given.
        value: u64,
        /// What is accepted.
        range: &'static str,
    },
    /// Renaming needs the link by index (the name field is the new name).
    #[error("renaming a link needs it by index; look its index up first")]
    RenameNeedsIndex,
    /// A multipath route with no next hop.
    #[error("a multipath route needs at least one next hop")]
    NoNextHops,
    /// A batch cannot contain dumps.
    #[error("a dump cannot be part of a batch")]
    DumpInBatch,
    /// A generic netlink family name must be 1 to 15 bytes.
    #[error("generic netlink family name is {len} bytes long; the kernel allows 1 to 15")]
    FamilyName {
        /// The length given.
        len: usize,
    },
    /// A generic netlink operation was run without its family id; run it
    /// through `nlwire::genl::WithFamily` (the runtimes' `execute_genl`).
    #[error("the generic netlink family id is not known; run the operation through WithFamily")]
    FamilyUnresolved,
    /// A watcher was given no interface to watch.
    #[error("no interface to watch; give at least one")]
    NoInterfaces,
    /// A poll interval of zero.
    #[error("the poll interval must be longer than zero")]
    ZeroInterval,
}

/// `"IPv4"` or `"IPv6"`.
pub(crate) fn family_name(a: &IpAddr) -> &'static str {
    if a.is_ipv4() { "IPv4" } else { "IPv6" }
}

/// The `AF_*` family of an address.
pub fn family_of(a: &IpAddr) -> u8 {
    if a.is_ipv4() { AF_INET } else { AF_INET6 }
}

/// Checks that `prefix_len` fits `addr`'s family.
pub fn check_prefix(addr: &IpAddr, prefix_len: u8) -> Result<(), InvalidInput> {
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if prefix_len > max {
        return Err(InvalidInput::PrefixTooLong {
            len: prefix_len,
            max,
        });
    }
    Ok(())
}

/// Checks that `other` (named `what`) is of `base`'s family.
pub fn check_family(base: &IpAddr, what: &'static str, other: &IpAddr) -> Result<(), InvalidInput> {
    if base.is_ipv4() != other.is_ipv4() {
        return Err(InvalidInput::FamilyMismatch {
            what,
            found: family_name(other),
            expected: family_name(base),
        });
    }
    Ok(())
}

/// Appends an address attribute (4 or 16 bytes).
pub(crate) fn attr_ip(w: &mut crate::wire::Writer<'_>, kind: u16, a: &IpAddr) {
    match a {
        IpAddr::V4(v) => w.attr(kind, &v.octets()),
        IpAddr::V6(v) => w.attr(kind, &v.octets()),
    }
}

/// Checks a named-namespace name: a single file name of 1 to 255 bytes
/// (`NAME_MAX`), not `.` or `..`, without `/` or NUL.
pub fn validate_netns_name(name: &str) -> Result<(), InvalidInput> {
    let why = if name.is_empty() {
        "the name is empty"
    } else if name == "." || name == ".." {
        "\".\" and \"..\" are reserved"
    } else if name.contains('/') {
        "the name contains '/'"
    } else if name.contains('\0') {
        "the name contains a NUL byte"
    } else if name.len() > 255 {
        "the name is longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(InvalidInput::NetnsName(why))
}

/// Checks an interface name the way the kernel's `dev_valid_name` does:
/// 1 to 15 bytes, not `.` or `..`, no `/`, `:` or whitespace.
pub fn validate_ifname(name: &str) -> Result<(), InvalidInput> {
    if name.is_empty() {
        return Err(InvalidInput::EmptyName);
    }
    if name.len() > IFNAME_MAX {
        return Err(InvalidInput::NameTooLong { len: name.len() });
    }
    if name == "." {
        return Err(InvalidInput::ReservedName("."));
    }
    if name == ".." {
        return Err(InvalidInput::ReservedName(".."));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c == '/' || c == ':' || c == '\0' || c.is_whitespace())
    {
        return Err(InvalidInput::NameCharacter(c));
    }
    Ok(())
}

/// Decodes an address attribute for `family`. Returns `Ok(None)` for a
/// family other than IPv4/IPv6 (the attribute is then kept as raw bytes).
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

/// The raw bytes of the attributes an owned model does not decode, kept so a
/// newer kernel's additions never vanish. One allocation per object holds
/// them all; [`RawAttrs::iter`] yields them as `(type, payload)`.
#[cfg(feature = "alloc")]
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RawAttrs(alloc::vec::Vec<u8>);

#[cfg(feature = "alloc")]
impl RawAttrs {
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
        crate::wire::Attrs::new(&self.0).filter_map(Result::ok)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifname_validation() {
        assert_eq!(validate_ifname("eth0"), Ok(()));
        assert_eq!(validate_ifname("a23456789012345"), Ok(()));
        assert_eq!(
            validate_ifname("a234567890123456"),
            Err(InvalidInput::NameTooLong { len: 16 })
        );
        assert_eq!(validate_ifname(""), Err(InvalidInput::EmptyName));
        assert_eq!(
            validate_ifname("a/b"),
            Err(InvalidInput::NameCharacter('/'))
        );
        assert_eq!(
            validate_ifname("a b"),
            Err(InvalidInput::NameCharacter(' '))
        );
        assert_eq!(validate_ifname(".."), Err(InvalidInput::ReservedName("..")));
    }
}
