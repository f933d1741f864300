//! Reading ip's argument syntax, with ip's error messages and exit codes
//! (iproute2's `lib/utils.c`: `NEXT_ARG`, `invarg`, `duparg`, `get_prefix`,
//! `get_addr`, `get_u32`, `nodev`).
//!
//! ip exits 255 (`exit(-1)`) for a malformed command line, 1 for an
//! address it cannot read or a device it cannot find, and 2 when the
//! kernel refuses.

use std::net::IpAddr;

use nlwire::route::{AF_INET, AF_INET6, family_of};

use crate::Fail;

/// A cursor over a command's words.
pub struct Argv<'a> {
    v: &'a [String],
    i: usize,
}

impl<'a> Argv<'a> {
    /// A cursor at the first of `v`.
    pub fn new(v: &'a [String]) -> Self {
        Argv { v, i: 0 }
    }

    /// The next word, if any.
    pub fn next(&mut self) -> Option<&'a str> {
        let a = self.v.get(self.i)?;
        self.i += 1;
        Some(a)
    }

    /// ip's `NEXT_ARG()`: the next word, or `incomplete_command()`.
    pub fn need(&mut self) -> Result<&'a str, Fail> {
        self.next().ok_or_else(incomplete)
    }

    /// The word after the current one, not taken.
    pub fn peek(&self) -> Option<&'a str> {
        self.v.get(self.i).map(String::as_str)
    }
}

/// `incomplete_command()`.
pub fn incomplete() -> Fail {
    Fail(
        "Command line is not complete. Try option \"help\"".into(),
        255,
    )
}

/// `invarg(msg, arg)`; `msg` as ip words it (many of ip's end in `\n`).
pub fn invarg(msg: &str, arg: &str) -> Fail {
    Fail(format!("Error: argument \"{arg}\" is wrong: {msg}"), 255)
}

/// `duparg(key, arg)`.
pub fn duparg(key: &str, arg: &str) -> Fail {
    Fail(
        format!("Error: duplicate \"{key}\": \"{arg}\" is the second value."),
        255,
    )
}

/// `duparg2(key, arg)`.
pub fn duparg2(key: &str, arg: &str) -> Fail {
    Fail(
        format!("Error: either \"{key}\" is duplicate, or \"{arg}\" is garbage."),
        255,
    )
}

/// `missarg(key)`.
pub fn missarg(key: &str) -> Fail {
    Fail(format!("Error: argument \"{key}\" is required"), 255)
}

/// `nodev(dev)`: exit 1.
pub fn nodev(dev: &str) -> Fail {
    Fail(format!("Cannot find device \"{dev}\""), 1)
}

/// A message of ip's own with `return -1` (exit 1).
pub fn fail1(msg: impl Into<String>) -> Fail {
    Fail(msg.into(), 1)
}

/// `get_u32(…, 0)` / `get_unsigned`: decimal, `0x` hex or leading-`0`
/// octal.
pub fn get_u32(s: &str) -> Option<u32> {
    crate::rule::parse_u32(s)
}

/// What `get_prefix` read: an address with a length, or `default` (length
/// 0, a length that counts) or `all`/`any` (length 0, no address).
#[derive(Clone, Copy, Debug)]
pub struct Prefix {
    /// The family: the address's, or the one asked for (`None` for
    /// `default`/`all`/`any` without one).
    pub family: Option<u8>,
    /// The address (the unspecified one of the family for the keywords).
    pub addr: IpAddr,
    /// The prefix length.
    pub len: u8,
    /// Whether a `/LEN` (or `default`) was given (`PREFIXLEN_SPECIFIED`).
    pub specified: bool,
    /// Whether it was `default`, `all` or `any`.
    pub keyword: bool,
}

fn family_name_verbose(family: Option<u8>) -> &'static str {
    match family {
        None => "any valid",
        Some(AF_INET6) => "inet6",
        Some(AF_INET) => "inet",
        Some(_) => "link",
    }
}

/// `get_addr_1`: an address of `family` (any when `None`); IPv4 may be
/// shortened to 1–3 octets as ip reads it (`10` is `10.0.0.0`).
fn addr_1(s: &str, family: Option<u8>) -> Option<IpAddr> {
    if s.contains(':') {
        if family.is_some_and(|f| f != AF_INET6) {
            return None;
        }
        return s.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if family.is_some_and(|f| f != AF_INET) {
        return None;
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        o[i] = p.parse().ok()?;
    }
    Some(IpAddr::from(o))
}

fn unspecified(family: Option<u8>) -> IpAddr {
    if family == Some(AF_INET6) {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    }
}

/// `get_prefix(s, family)`: exit 1 with ip's message when it is not one.
pub fn get_prefix(s: &str, family: Option<u8>) -> Result<Prefix, Fail> {
    let err = || {
        Fail(
            format!(
                "Error: {} prefix is expected rather than \"{s}\".",
                family_name_verbose(family)
            ),
            1,
        )
    };
    let keyword = |specified| Prefix {
        family,
        addr: unspecified(family),
        len: 0,
        specified,
        keyword: true,
    };
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    match (a, len) {
        ("default", None) => return Ok(keyword(true)),
        ("all" | "any", None) => return Ok(keyword(false)),
        ("default" | "all" | "any", Some(_)) => return Err(err()),
        _ => {}
    }
    let addr = addr_1(a, family).ok_or_else(err)?;
    let full = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => full,
        Some(l) => {
            let n = get_netmask(l, addr.is_ipv4()).ok_or_else(err)?;
            if n > full {
                return Err(err());
            }
            n
        }
    };
    Ok(Prefix {
        family: Some(family_of(&addr)),
        addr,
        len,
        specified: s.contains('/'),
        keyword: false,
    })
}

/// `get_prefix` for an address with a length (not `default`/`all`/`any`):
/// the address and the length.
pub fn prefix_of(s: &str, family: Option<u8>) -> Result<(IpAddr, u8), Fail> {
    match get_prefix(s, family)? {
        p if p.keyword => Err(Fail(
            format!(
                "Error: {} prefix is expected rather than \"{s}\".",
                family_name_verbose(family)
            ),
            1,
        )),
        p => Ok((p.addr, p.len)),
    }
}

/// A prefix length: a number, or (IPv4) a dotted netmask.
fn get_netmask(s: &str, v4: bool) -> Option<u8> {
    if let Some(n) = get_u32(s) {
        return u8::try_from(n).ok();
    }
    if !v4 {
        return None;
    }
    let m: std::net::Ipv4Addr = s.parse().ok()?;
    let m = u32::from(m);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// `get_addr(s, family)`: exit 1 with ip's message when it is not one.
pub fn get_addr(s: &str, family: Option<u8>) -> Result<IpAddr, Fail> {
    match s {
        "default" | "all" | "any" => Ok(unspecified(family)),
        _ => addr_1(s, family).ok_or_else(|| {
            Fail(
                format!(
                    "Error: {} address is expected rather than \"{s}\".",
                    family_name_verbose(family)
                ),
                1,
            )
        }),
    }
}

/// A link-layer address (`ll_addr_a2n`).
pub fn get_lladdr(s: &str) -> Result<Vec<u8>, Fail> {
    let bytes: Result<Vec<u8>, _> = s.split(':').map(|b| u8::from_str_radix(b, 16)).collect();
    match bytes {
        Ok(b) if !b.is_empty() && s.split(':').all(|p| !p.is_empty() && p.len() <= 2) => Ok(b),
        _ => Err(Fail(format!("\"{s}\" is invalid lladdr."), 255)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_read_as_ip_reads_them() {
        let p = get_prefix("10/8", None).unwrap();
        assert_eq!(
            (p.addr.to_string().as_str(), p.len, p.specified),
            ("10.0.0.0", 8, true)
        );
        let p = get_prefix("192.0.2.0/255.255.255.0", None).unwrap();
        assert_eq!(p.len, 24);
        let p = get_prefix("default", Some(AF_INET6)).unwrap();
        assert!(p.keyword && p.specified && p.addr.is_ipv6());
        assert!(!get_prefix("all", None).unwrap().specified);
        assert_eq!(get_prefix("192.0.2.1/33", None).unwrap_err().1, 1);
        assert_eq!(
            get_prefix("192.0.2.1", Some(AF_INET6)).unwrap_err().0,
            "Error: inet6 prefix is expected rather than \"192.0.2.1\"."
        );
        assert!(get_addr("1.2.3.4.5", None).is_err());
        assert_eq!(get_lladdr("02:00:0a").unwrap(), vec![2, 0, 10]);
        assert!(get_lladdr("02::0a").is_err());
    }
}
