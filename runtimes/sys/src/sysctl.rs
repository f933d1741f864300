//! Kernel parameters under `/proc/sys` (`sysctl`), in the current network
//! namespace or in another one.
//!
//! `/proc/sys/net` shows the namespace of the thread that opens a file, so
//! [`set_in_netns`] opens it on a short-lived thread that joined the
//! namespace ([`crate::netns::run_in_netns`]).
#![forbid(unsafe_code)]

use std::io;
use std::path::{Path, PathBuf};

use nlwire::{Errno, Error};

/// Converts a key (`net.ipv4.ip_forward`, or with slashes
/// `net/ipv4/conf/eth0.5/forwarding` when a component holds a dot) to its
/// path under `/proc/sys`. Empty, `.` and `..` components are rejected.
pub fn key_path(key: &str) -> Result<PathBuf, Error> {
    let sep = if key.contains('/') { '/' } else { '.' };
    let mut p = PathBuf::from("/proc/sys");
    for c in key.split(sep) {
        if c.is_empty() || c == "." || c == ".." || c.contains('\0') {
            return Err(Error::Io {
                op: format!("sysctl key {key:?} is not valid"),
                errno: Errno::EINVAL,
            });
        }
        p.push(c);
    }
    Ok(p)
}

fn err(op: &str, key: &str, e: &io::Error) -> Error {
    crate::io_error(format_args!("{op} sysctl {key}"), e)
}

/// Reads a parameter (trailing newline removed).
pub fn get(key: &str) -> Result<String, Error> {
    let p = key_path(key)?;
    let mut s = std::fs::read_to_string(&p).map_err(|e| err("read", key, &e))?;
    while s.ends_with('\n') {
        s.pop();
    }
    Ok(s)
}

/// Writes a parameter.
pub fn set(key: &str, value: &str) -> Result<(), Error> {
    let p = key_path(key)?;
    std::fs::write(&p, value).map_err(|e| err("write", key, &e))
}

/// Reads a parameter inside the network namespace at `netns`.
pub fn get_in_netns(netns: impl AsRef<Path>, key: &str) -> Result<String, Error> {
    let key = key.to_owned();
    crate::netns::run_in_netns(netns, move || get(&key))
        .map_err(|e| crate::io_error("enter network namespace", &e))?
}

/// Writes a parameter inside the network namespace at `netns`.
pub fn set_in_netns(netns: impl AsRef<Path>, key: &str, value: &str) -> Result<(), Error> {
    let (key, value) = (key.to_owned(), value.to_owned());
    crate::netns::run_in_netns(netns, move || set(&key, &value))
        .map_err(|e| crate::io_error("enter network namespace", &e))?
}

/// Reads a parameter inside the namespace `ns`.
pub fn get_in(ns: &crate::netns::Netns, key: &str) -> Result<String, Error> {
    let key = key.to_owned();
    ns.run(move || get(&key))?
}

/// Writes a parameter inside the namespace `ns`.
pub fn set_in(ns: &crate::netns::Netns, key: &str, value: &str) -> Result<(), Error> {
    let (key, value) = (key.to_owned(), value.to_owned());
    ns.run(move || set(&key, &value))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_paths() {
        assert_eq!(
            key_path("net.ipv4.ip_forward").unwrap(),
            Path::new("/proc/sys/net/ipv4/ip_forward")
        );
        assert_eq!(
            key_path("net/ipv4/conf/eth0.5/forwarding").unwrap(),
            Path::new("/proc/sys/net/ipv4/conf/eth0.5/forwarding")
        );
        for bad in ["", "net..x", "net/../etc", "net.ipv4.", "./x"] {
            assert!(key_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_a_parameter() {
        // Readable without privileges on every Linux.
        let v = get("kernel.ostype").unwrap();
        assert_eq!(v, "Linux");
        let e = get("net.no_such_key").unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ENOENT));
    }
}
