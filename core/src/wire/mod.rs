//! The netlink wire format: headers, attributes, the writer, error and done
//! messages.
//!
//! Everything here follows the smoltcp `wire` contract: a view is built with a
//! checked constructor, after which no accessor can panic or slice out of
//! bounds. All integers are in native byte order, as netlink requires, and
//! every length is checked against the bytes actually present.

mod ack;
mod attr;
mod header;
mod writer;

pub use ack::{DoneMessage, ErrorMessage, ExtAck, ExtAckTlvs, Policy};
pub use attr::{Attr, Attrs};
pub use header::{Header, Message, Messages};
pub use writer::{MessageStart, NestStart, Writer};

/// Netlink message and attribute alignment (`NLMSG_ALIGNTO`, `NLA_ALIGNTO`).
pub const ALIGNTO: usize = 4;
/// Length of `struct nlmsghdr`.
pub const HEADER_LEN: usize = 16;
/// Length of `struct nlattr`.
pub const ATTR_HEADER_LEN: usize = 4;

/// `NLMSG_NOOP`: nothing; skipped.
pub const NLMSG_NOOP: u16 = 1;
/// `NLMSG_ERROR`: an error or, with errno 0, an acknowledgement.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: end of a multipart (dump) reply.
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`: data lost (unused by current kernels).
pub const NLMSG_OVERRUN: u16 = 4;
/// Message types below this value are reserved for netlink control messages.
pub const NLMSG_MIN_TYPE: u16 = 0x10;

/// `NLM_F_REQUEST`: the message is a request.
pub const NLM_F_REQUEST: u16 = 0x01;
/// `NLM_F_MULTI`: part of a multipart reply, terminated by `NLMSG_DONE`.
pub const NLM_F_MULTI: u16 = 0x02;
/// `NLM_F_ACK`: ask for an acknowledgement.
pub const NLM_F_ACK: u16 = 0x04;
/// `NLM_F_ECHO`: echo this request to the sender's multicast groups.
pub const NLM_F_ECHO: u16 = 0x08;
/// `NLM_F_DUMP_INTR`: the dump was inconsistent because the table changed.
pub const NLM_F_DUMP_INTR: u16 = 0x10;
/// `NLM_F_DUMP_FILTERED`: the kernel applied the requested dump filter.
pub const NLM_F_DUMP_FILTERED: u16 = 0x20;
/// `NLM_F_ROOT` (GET requests).
pub const NLM_F_ROOT: u16 = 0x100;
/// `NLM_F_MATCH` (GET requests).
pub const NLM_F_MATCH: u16 = 0x200;
/// `NLM_F_DUMP` = `NLM_F_ROOT | NLM_F_MATCH`.
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
/// `NLM_F_REPLACE` (NEW requests): override an existing object.
pub const NLM_F_REPLACE: u16 = 0x100;
/// `NLM_F_EXCL` (NEW requests): fail if the object exists.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE` (NEW requests): create if it does not exist.
pub const NLM_F_CREATE: u16 = 0x400;
/// `NLM_F_APPEND` (NEW requests): add to the end of the list.
pub const NLM_F_APPEND: u16 = 0x800;
/// `NLM_F_CAPPED` (on `NLMSG_ERROR`): the echoed request was cut to its header.
pub const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_ACK_TLVS` (on `NLMSG_ERROR`/`NLMSG_DONE`): extended-ack TLVs follow.
pub const NLM_F_ACK_TLVS: u16 = 0x200;

/// `NLA_F_NESTED`: the attribute payload is a list of attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `NLA_F_NET_BYTEORDER`: the payload is in network byte order.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// Mask selecting the attribute type from `nla_type`.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// Rounds `len` up to the netlink alignment (4), saturating at `usize::MAX & !3`.
#[inline]
pub const fn align(len: usize) -> usize {
    match len.checked_add(ALIGNTO - 1) {
        Some(v) => v & !(ALIGNTO - 1),
        None => usize::MAX & !(ALIGNTO - 1),
    }
}

/// A frame or attribute that cannot be decoded.
///
/// Every parser in nlwire returns this instead of panicking. The fields say
/// what was being read and how the bytes fell short, so that a log line is
/// enough to understand a bad frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes were present than the structure needs.
    #[error("{what}: truncated, need {needed} bytes but only {available} present")]
    Truncated {
        /// What was being decoded (e.g. `"nlmsghdr"`).
        what: &'static str,
        /// Bytes required.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// A length field is smaller than the header it must include.
    #[error("{what}: length field {len} is smaller than the minimum {min}")]
    LengthTooSmall {
        /// What was being decoded.
        what: &'static str,
        /// The length field's value.
        len: usize,
        /// The minimum valid length.
        min: usize,
    },
    /// An attribute payload has the wrong size for its type.
    #[error("{what}: attribute type {kind} has a {len}-byte payload, expected {expected}")]
    AttrSize {
        /// What was being decoded.
        what: &'static str,
        /// The attribute type.
        kind: u16,
        /// Payload length found.
        len: usize,
        /// Payload length expected.
        expected: usize,
    },
    /// A string attribute is not valid UTF-8.
    #[error("{what}: attribute type {kind} is not valid UTF-8")]
    Utf8 {
        /// What was being decoded.
        what: &'static str,
        /// The attribute type.
        kind: u16,
    },
    /// A required attribute is absent.
    #[error("{what}: required attribute type {kind} is missing")]
    MissingAttr {
        /// What was being decoded.
        what: &'static str,
        /// The missing attribute type.
        kind: u16,
    },
    /// A field holds a value outside what it may hold (an address family
    /// other than IPv4/IPv6, a prefix longer than the address).
    #[error("{what}: invalid value {value}")]
    InvalidValue {
        /// What was being decoded.
        what: &'static str,
        /// The value found.
        value: u32,
    },
    /// A message of an unexpected type arrived where a specific one was required.
    #[error("{what}: unexpected message type {kind}")]
    UnexpectedType {
        /// What was being decoded.
        what: &'static str,
        /// The `nlmsg_type` found.
        kind: u16,
    },
}

/// A message that cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The caller's buffer is too small; `needed` is the total length the
    /// complete output requires, so a retry with that capacity succeeds.
    #[error("buffer too small: need {needed} bytes, have {capacity}")]
    BufferTooSmall {
        /// Total bytes the output needs.
        needed: usize,
        /// Capacity of the buffer given.
        capacity: usize,
    },
    /// An attribute (or nest) is longer than the 16-bit `nla_len` allows.
    #[error("attribute type {kind} is {len} bytes long, more than the 65535 netlink allows")]
    AttrTooLong {
        /// The attribute type.
        kind: u16,
        /// Its encoded length including the header.
        len: usize,
    },
    /// A message is longer than the 32-bit `nlmsg_len` allows.
    #[error("message is {len} bytes long, more than nlmsg_len can express")]
    MessageTooLong {
        /// Encoded length.
        len: usize,
    },
}

/// `Ok` if `b` holds at least `needed` bytes of the fixed header `what`,
/// else [`DecodeError::Truncated`].
#[inline]
pub(crate) fn need(b: &[u8], needed: usize, what: &'static str) -> Result<(), DecodeError> {
    if b.len() < needed {
        return Err(DecodeError::Truncated {
            what,
            needed,
            available: b.len(),
        });
    }
    Ok(())
}

#[inline]
pub(crate) fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
pub(crate) fn read_i32(b: &[u8], at: usize) -> i32 {
    read_u32(b, at) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_rounds_up_and_saturates() {
        assert_eq!(align(0), 0);
        assert_eq!(align(1), 4);
        assert_eq!(align(4), 4);
        assert_eq!(align(17), 20);
        assert_eq!(align(usize::MAX), usize::MAX & !3);
    }
}
