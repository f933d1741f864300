//! Structured values drawn from fuzzer bytes: every input maps to a value
//! (missing bytes read as zeros), so the fuzzer explores builders, not
//! input validation.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A cursor over the fuzzer's bytes.
pub(super) struct Input<'a>(pub(super) &'a [u8]);

impl<'a> Input<'a> {
    /// Up to `n` bytes (fewer at the end).
    pub(super) fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let b = self.bytes(N);
        out[..b.len()].copy_from_slice(b);
        out
    }

    pub(super) fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    pub(super) fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    pub(super) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    pub(super) fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// `Some(u32)` half of the time.
    pub(super) fn opt_u32(&mut self) -> Option<u32> {
        if self.bool() { Some(self.u32()) } else { None }
    }

    /// An address of the family chosen by `v6`.
    pub(super) fn ip(&mut self, v6: bool) -> IpAddr {
        if v6 {
            IpAddr::V6(Ipv6Addr::from(self.array::<16>()))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.array::<4>()))
        }
    }

    /// A string of at most `max` bytes: a length byte, then the longest
    /// valid UTF-8 prefix of that many bytes.
    pub(super) fn str(&mut self, max: usize) -> &'a str {
        let n = usize::from(self.u8()) % (max + 1);
        let b = self.bytes(n);
        match core::str::from_utf8(b) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

/// Whether the kernel's `dev_valid_name` accepts `name`, written out
/// independently of the library's own check.
pub(super) fn kernel_accepts_ifname(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c == '\0' || c.is_whitespace())
}
