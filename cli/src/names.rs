//! The names `ip` prints for numeric values.

use std::borrow::Cow;

use nlwire::route::names;

/// The flag list `ip` prints (`NO-CARRIER` first when up without carrier,
/// leftover bits as hex).
pub fn link_flags(flags: u32) -> Vec<Cow<'static, str>> {
    let (named, rest) = names::link_flags(flags);
    let mut v: Vec<Cow<'static, str>> = named.map(Cow::Borrowed).collect();
    if rest != 0 {
        v.push(Cow::Owned(format!("{rest:x}")));
    }
    v
}

/// `ARPHRD_*` names as `ip` prints them after `link/`.
pub fn link_type(t: u16) -> Cow<'static, str> {
    names::link_type(t).map_or_else(|| Cow::Owned(format!("[{t}]")), Cow::Borrowed)
}

/// `RTPROT_*` names (iproute2's built-in table), else the number (a
/// `Display`, written without a temporary string).
pub fn protocol(p: u8) -> nlwire::route::Protocol {
    nlwire::route::Protocol(p)
}

/// `RT_SCOPE_*` names, else the number.
pub fn scope(s: u8) -> nlwire::route::Scope {
    nlwire::route::Scope(s)
}

/// `RTN_*` names, else the number.
pub fn route_type(t: u8) -> nlwire::route::RouteType {
    nlwire::route::RouteType(t)
}

/// Table names, else the number.
pub fn table(t: u32) -> nlwire::route::Table {
    nlwire::route::Table(t)
}

/// Parses a table argument: `all` (None), a built-in name, a name from
/// iproute2's `rt_tables` files, or a number.
pub fn parse_table(s: &str) -> Result<Option<u32>, String> {
    match s {
        "all" => Ok(None),
        "main" => Ok(Some(254)),
        "local" => Ok(Some(255)),
        "default" => Ok(Some(253)),
        n => match n.parse::<nlwire::route::Table>() {
            Ok(t) => Ok(Some(t.0)),
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
    s.parse::<nlwire::route::Protocol>().ok().map(|p| p.0)
}

/// Parses a scope name or number.
pub fn parse_scope(s: &str) -> Option<u8> {
    s.parse::<nlwire::route::Scope>().ok().map(|p| p.0)
}

/// Parses a route type name (`blackhole`, `unreachable`, …).
/// As iproute2's `rtnl_rtntype_a2n`: some names by prefix, in its order
/// (`b` is `broadcast`), or a number.
pub fn parse_route_type(s: &str) -> Option<u8> {
    use crate::matches;
    Some(match s {
        "local" => 2,
        "nat" => 10,
        _ if matches(s, "broadcast") || s == "brd" => 3,
        _ if matches(s, "anycast") => 4,
        _ if matches(s, "multicast") => 5,
        _ if matches(s, "prohibit") => 8,
        _ if matches(s, "unreachable") => 7,
        _ if matches(s, "blackhole") => 6,
        _ if matches(s, "xresolve") => 11,
        _ if matches(s, "unicast") => 1,
        "throw" => 9,
        _ => return crate::rule::parse_u32(s).and_then(|n| u8::try_from(n).ok()),
    })
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
        assert_eq!(table(254).to_string(), "main");
        assert_eq!(table(100).to_string(), "100");
    }
}
