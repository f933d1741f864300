//! The names `ip` prints for numeric values.

use std::borrow::Cow;

/// `IFF_*` flag names in the order `ip` prints them.
const FLAGS: &[(u32, &str)] = &[
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

const IFF_UP: u32 = 0x1;
const IFF_RUNNING: u32 = 0x40;

/// The flag list `ip` prints (`NO-CARRIER` first when up without carrier,
/// leftover bits as hex).
pub fn link_flags(mut flags: u32) -> Vec<Cow<'static, str>> {
    let mut v = Vec::new();
    if flags & IFF_UP != 0 && flags & IFF_RUNNING == 0 {
        v.push(Cow::Borrowed("NO-CARRIER"));
    }
    flags &= !IFF_RUNNING;
    for &(bit, name) in FLAGS {
        if flags & bit != 0 {
            flags &= !bit;
            v.push(Cow::Borrowed(name));
        }
    }
    if flags != 0 {
        v.push(Cow::Owned(format!("{flags:x}")));
    }
    v
}

/// `ARPHRD_*` names as `ip` prints them after `link/`.
pub fn link_type(t: u16) -> Cow<'static, str> {
    Cow::Borrowed(match t {
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
        _ => return Cow::Owned(format!("[{t}]")),
    })
}

/// `RTPROT_*` names (iproute2's built-in table).
pub fn protocol(p: u8) -> Cow<'static, str> {
    Cow::Borrowed(match p {
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
        _ => return Cow::Owned(p.to_string()),
    })
}

/// `RT_SCOPE_*` names.
pub fn scope(s: u8) -> Cow<'static, str> {
    Cow::Borrowed(match s {
        0 => "global",
        200 => "site",
        253 => "link",
        254 => "host",
        255 => "nowhere",
        _ => return Cow::Owned(s.to_string()),
    })
}

/// `RTN_*` names.
pub fn route_type(t: u8) -> Cow<'static, str> {
    Cow::Borrowed(match t {
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
        _ => return Cow::Owned(t.to_string()),
    })
}

/// Table names.
pub fn table(t: u32) -> Cow<'static, str> {
    Cow::Borrowed(match t {
        0 => "unspec",
        253 => "default",
        254 => "main",
        255 => "local",
        _ => return Cow::Owned(t.to_string()),
    })
}

/// Parses a table argument: `all` (None), a built-in name, a name from
/// iproute2's `rt_tables` files, or a number.
pub fn parse_table(s: &str) -> Result<Option<u32>, String> {
    match s {
        "all" => Ok(None),
        "main" => Ok(Some(254)),
        "local" => Ok(Some(255)),
        "default" => Ok(Some(253)),
        n => match n.parse::<u32>() {
            Ok(v) => Ok(Some(v)),
            Err(_) => rt_tables_lookup(n)
                .map(Some)
                .ok_or_else(|| format!("table id value is invalid: \"{n}\"")),
        },
    }
}

/// Looks `name` up in `/etc/iproute2/rt_tables` (and the distribution's
/// copy under `/usr/share/iproute2`, and `rt_tables.d/*.conf`).
fn rt_tables_lookup(name: &str) -> Option<u32> {
    let mut files = Vec::new();
    for dir in ["/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"] {
        files.push(std::path::PathBuf::from(format!("{dir}/rt_tables")));
        if let Ok(rd) = std::fs::read_dir(format!("{dir}/rt_tables.d")) {
            files.extend(rd.flatten().map(|e| e.path()));
        }
    }
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines() {
            let mut it = line.split_whitespace();
            if let (Some(id), Some(n)) = (it.next(), it.next())
                && !id.starts_with('#')
                && n == name
                && let Ok(v) = id.parse()
            {
                return Some(v);
            }
        }
    }
    None
}

/// Parses a protocol name or number (`static`, `boot`, `42`).
pub fn parse_protocol(s: &str) -> Option<u8> {
    s.parse()
        .ok()
        .or_else(|| (0..=255u8).find(|&p| protocol(p) == s))
}

/// Parses a scope name or number.
pub fn parse_scope(s: &str) -> Option<u8> {
    match s {
        "global" | "universe" => Some(0),
        _ => s
            .parse()
            .ok()
            .or_else(|| (0..=255u8).find(|&p| scope(p) == s)),
    }
}

/// Parses a route type name (`blackhole`, `unreachable`, …).
pub fn parse_route_type(s: &str) -> Option<u8> {
    (1..=11u8).find(|&t| route_type(t) == s)
}

/// IPv6 router preference names.
pub fn pref(p: u8) -> &'static str {
    match p {
        0 => "medium",
        1 => "high",
        3 => "low",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_ip_order() {
        assert_eq!(
            link_flags(0x1 | 0x2 | 0x40 | 0x1000 | 0x10000),
            ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
        );
        assert_eq!(
            link_flags(0x1 | 0x2 | 0x1000),
            ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]
        );
        assert_eq!(
            link_flags(0x8 | 0x1 | 0x40 | 0x10000),
            ["LOOPBACK", "UP", "LOWER_UP"]
        );
        assert_eq!(link_flags(0x80000), ["80000"]);
    }

    #[test]
    fn tables() {
        assert_eq!(parse_table("all"), Ok(None));
        assert_eq!(parse_table("100"), Ok(Some(100)));
        assert!(parse_table("nope").is_err());
        assert_eq!(table(254), "main");
        assert_eq!(table(100), "100");
    }
}
