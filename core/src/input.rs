//! Input checks shared by every object family: [`InvalidInput`], the
//! reason a value was refused before anything was sent, [`LinkRef`], a link
//! named by index or name, and the validators the builders use.

use core::fmt;
use core::net::IpAddr;

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
    /// Events were asked of a connection that joined no multicast group.
    #[error("the connection has not subscribed to any group (call subscribe first)")]
    NotSubscribed,
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
    /// A link kind name that is empty, longer than 63 bytes, or holds a
    /// NUL.
    #[error("a link kind is 1 to 63 bytes without NUL")]
    BadKind,
    /// Peer settings given for a request that does not create a veth.
    #[error("peer settings apply only to a veth pair being created")]
    NotVeth,
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
    /// A setting given to a link kind that has no such setting.
    #[error("{option} does not apply to a {kind} link")]
    NotForKind {
        /// The setting.
        option: &'static str,
        /// The link kind.
        kind: &'static str,
    },
    /// Kind settings given to a request that cannot carry them.
    #[error(
        "kind settings apply only to a link being changed; a new link takes them with its kind"
    )]
    KindSettingsNotHere,
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

/// Which link a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRef<'n> {
    /// By interface index.
    Index(u32),
    /// By interface name.
    Name(&'n str),
}

impl LinkRef<'_> {
    /// The link as the caller named it, without the word "link":
    /// `"veth0"` or `index 3`.
    pub fn name_or_index(&self) -> NameOrIndex<'_> {
        NameOrIndex(self)
    }

    /// Rejects index 0 and invalid names.
    pub fn check(self) -> Result<Self, InvalidInput> {
        match self {
            LinkRef::Index(0) => Err(InvalidInput::ZeroIndex),
            LinkRef::Name(n) => validate_ifname(n).map(|_| self),
            _ => Ok(self),
        }
    }
}

impl<'n> From<&'n str> for LinkRef<'n> {
    fn from(name: &'n str) -> Self {
        LinkRef::Name(name)
    }
}

impl From<u32> for LinkRef<'_> {
    fn from(index: u32) -> Self {
        LinkRef::Index(index)
    }
}

/// See [`LinkRef::name_or_index`].
#[derive(Debug, Clone, Copy)]
pub struct NameOrIndex<'a>(&'a LinkRef<'a>);

impl fmt::Display for NameOrIndex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            LinkRef::Index(i) => write!(f, "link index {i}"),
            LinkRef::Name(n) => write!(f, "{n:?}"),
        }
    }
}

impl fmt::Display for LinkRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkRef::Index(i) => write!(f, "link index {i}"),
            LinkRef::Name(n) => write!(f, "link {n:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

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
        assert_eq!(LinkRef::Index(0).check(), Err(InvalidInput::ZeroIndex));
        assert_eq!(LinkRef::from("eth0").to_string(), "link \"eth0\"");
    }
}
