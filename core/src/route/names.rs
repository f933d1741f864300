//! The names `ip` prints for rtnetlink's numbers: link flags and types,
//! route protocols, scopes, types and tables. Shared by the owned models'
//! `Display` and by `nlw`; `None` for a number without a name.

/// `IFF_*` flag names in the order `ip` prints them.
pub const LINK_FLAGS: &[(u32, &str)] = &[
    (0x8, "LOOPBACK"),
    (0x2, "BROADCAST"),
    (0x10, "POINTOPOINT"),
    (0x1000, "MULTICAST"),
    (0x80, "NOARP"),
    (0x200, "ALLMULTI"),
    (0x100, "PROMISC"),
    (0x400, "MASTER"),
    (0x800, "SLAVE"),
    (0x4, "DEBUG"),
    (0x8000, "DYNAMIC"),
    (0x4000, "AUTOMEDIA"),
    (0x2000, "PORTSEL"),
    (0x20, "NOTRAILERS"),
    (0x1, "UP"),
    (0x10000, "LOWER_UP"),
    (0x20000, "DORMANT"),
    (0x40000, "ECHO"),
];

/// `IFF_RUNNING`, which `ip` shows as `NO-CARRIER` when missing on an up
/// link.
pub const IFF_RUNNING: u32 = 0x40;

/// The flag names `ip` prints for `flags`, in its order: `NO-CARRIER`
/// first for an up link without carrier; then the named bits. The bits
/// left without a name are returned beside the iterator.
pub fn link_flags(flags: u32) -> (impl Iterator<Item = &'static str>, u32) {
    let up_no_carrier = flags & 0x1 != 0 && flags & IFF_RUNNING == 0;
    let rest = LINK_FLAGS
        .iter()
        .fold(flags & !IFF_RUNNING, |f, &(bit, _)| f & !bit);
    let named = LINK_FLAGS
        .iter()
        .filter(move |&&(bit, _)| flags & bit != 0)
        .map(|&(_, n)| n);
    (
        up_no_carrier
            .then_some("NO-CARRIER")
            .into_iter()
            .chain(named),
        rest,
    )
}

/// `ARPHRD_*` names as `ip` prints them after `link/`.
pub fn link_type(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "netrom",
        1 => "ether",
        2 => "eether",
        3 => "ax25",
        4 => "pronet",
        5 => "chaos",
        6 => "ieee802",
        7 => "arcnet",
        8 => "atalk",
        15 => "dlci",
        19 => "atm",
        23 => "metricom",
        24 => "ieee1394",
        27 => "eui64",
        32 => "infiniband",
        256 => "slip",
        512 => "ppp",
        513 => "cisco",
        768 => "ipip",
        769 => "tunnel6",
        772 => "loopback",
        776 => "sit",
        778 => "gre",
        783 => "irda",
        801 => "ieee802.11",
        802 => "ieee802.11/prism",
        803 => "ieee802.11/radiotap",
        804 => "ieee802.15.4",
        820 => "phonet",
        821 => "phonet_pipe",
        822 => "caif",
        823 => "gre6",
        824 => "netlink",
        825 => "6lowpan",
        280 => "can",
        65534 => "none",
        65535 => "void",
        _ => return None,
    })
}

/// `RTPROT_*` names (iproute2's built-in table).
pub fn protocol(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "unspec",
        1 => "redirect",
        2 => "kernel",
        3 => "boot",
        4 => "static",
        8 => "gated",
        9 => "ra",
        10 => "mrt",
        11 => "zebra",
        12 => "bird",
        13 => "dnrouted",
        14 => "xorp",
        15 => "ntk",
        16 => "dhcp",
        17 => "mrouted",
        18 => "keepalived",
        42 => "babel",
        99 => "openr",
        186 => "bgp",
        187 => "isis",
        188 => "ospf",
        189 => "rip",
        192 => "eigrp",
        _ => return None,
    })
}

/// `RT_SCOPE_*` names.
pub fn scope(s: u8) -> Option<&'static str> {
    Some(match s {
        0 => "global",
        200 => "site",
        253 => "link",
        254 => "host",
        255 => "nowhere",
        _ => return None,
    })
}

/// `RTN_*` names.
pub fn route_type(t: u8) -> Option<&'static str> {
    Some(match t {
        0 => "none",
        1 => "unicast",
        2 => "local",
        3 => "broadcast",
        4 => "anycast",
        5 => "multicast",
        6 => "blackhole",
        7 => "unreachable",
        8 => "prohibit",
        9 => "throw",
        10 => "nat",
        11 => "xresolve",
        _ => return None,
    })
}

/// Routing table names.
pub fn table(t: u32) -> Option<&'static str> {
    Some(match t {
        0 => "unspec",
        253 => "default",
        254 => "main",
        255 => "local",
        _ => return None,
    })
}

/// A number as iproute2 reads one (`strtoul(…, 0)`): decimal, `0x` hex
/// or leading-`0` octal.
pub fn parse_number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// A name `ip` uses for a number, or the number; see the types below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownName;

impl core::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("neither a known name nor a number in range")
    }
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident($int:ty) = $table:ident) => {
        $(#[$doc])*
        ///
        /// `Display` writes `ip`'s name, or the number when it has none;
        /// `FromStr` takes a name or a number (decimal, `0x` hex, leading-`0`
        /// octal), as `ip` does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $int);

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match $table(self.0) {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl core::str::FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                (0..=<$int>::MAX as u64)
                    .take(256)
                    .map(|n| n as $int)
                    .find(|&n| $table(n) == Some(s))
                    .or_else(|| parse_number(s).and_then(|n| <$int>::try_from(n).ok()))
                    .map($name)
                    .ok_or(UnknownName)
            }
        }
    };
}

vocabulary!(
    /// A route's or rule's protocol (`RTPROT_*`: `kernel`, `boot`,
    /// `static`, …).
    Protocol(u8) = protocol
);
vocabulary!(
    /// A scope (`RT_SCOPE_*`: `global`, `link`, `host`, …).
    Scope(u8) = scope
);
vocabulary!(
    /// A route type (`RTN_*`: `unicast`, `local`, `blackhole`, …).
    RouteType(u8) = route_type
);

/// A routing table (`main`, `local`, `default`, or a number).
///
/// `Display` writes `ip`'s built-in name or the number; `FromStr` takes a
/// built-in name or a number. (Names from `/etc/iproute2/rt_tables` are the
/// caller's to read.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Table(pub u32);

impl core::fmt::Display for Table {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match table(self.0) {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl core::str::FromStr for Table {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        [0u32, 253, 254, 255]
            .into_iter()
            .find(|&t| table(t) == Some(s))
            .or_else(|| parse_number(s).and_then(|n| u32::try_from(n).ok()))
            .map(Table)
            .ok_or(UnknownName)
    }
}

/// A name, or the number when it has none.
#[cfg(feature = "alloc")]
pub(crate) struct Named<N>(pub Option<&'static str>, pub N);

#[cfg(feature = "alloc")]
impl<N: core::fmt::Display> core::fmt::Display for Named<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_ips_order() {
        let (names, rest) = link_flags(0x1 | 0x2 | 0x1000 | 0x10000 | 0x40 | 0x8000_0000);
        let v: alloc::vec::Vec<_> = names.collect();
        assert_eq!(v, ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]);
        assert_eq!(rest, 0x8000_0000);
        let (names, _) = link_flags(0x1);
        assert_eq!(names.collect::<alloc::vec::Vec<_>>(), ["NO-CARRIER", "UP"]);
        assert_eq!(scope(253), Some("link"));
        assert_eq!(table(100), None);
    }

    #[test]
    fn vocabulary_reads_and_writes_names_and_numbers() {
        use alloc::string::ToString;
        assert_eq!("static".parse::<Protocol>(), Ok(Protocol(4)));
        assert_eq!("0x2a".parse::<Protocol>().unwrap().to_string(), "babel");
        assert_eq!("017".parse::<Protocol>(), Ok(Protocol(15)));
        assert_eq!("300".parse::<Protocol>(), Err(UnknownName));
        assert_eq!("link".parse::<Scope>(), Ok(Scope(253)));
        assert_eq!(Scope(7).to_string(), "7");
        assert_eq!("blackhole".parse::<RouteType>(), Ok(RouteType(6)));
        assert_eq!("main".parse::<Table>(), Ok(Table(254)));
        assert_eq!(Table(100_000).to_string(), "100000");
        assert_eq!("bogus".parse::<Table>(), Err(UnknownName));
    }
}
