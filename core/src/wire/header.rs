//! `struct nlmsghdr` and the iterator over the messages of a datagram.

use super::{DecodeError, HEADER_LEN, align, read_u16, read_u32};

/// A decoded `struct nlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Header {
    /// `nlmsg_len`: length of the message including this header.
    pub len: u32,
    /// `nlmsg_type`: message type (`RTM_NEWLINK`, `NLMSG_ERROR`, …).
    pub kind: u16,
    /// `nlmsg_flags`: `NLM_F_*`.
    pub flags: u16,
    /// `nlmsg_seq`: sequence number.
    pub seq: u32,
    /// `nlmsg_pid`: sending port id (0 for the kernel).
    pub port: u32,
}

impl Header {
    /// Decodes a header from the first 16 bytes of `buf`.
    ///
    /// Only the presence of 16 bytes is checked; [`Messages`] checks the
    /// length field against the datagram.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Header, DecodeError> {
        if buf.len() < HEADER_LEN {
            return Err(DecodeError::Truncated {
                what: "nlmsghdr",
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        Ok(Header {
            len: read_u32(buf, 0),
            kind: read_u16(buf, 4),
            flags: read_u16(buf, 6),
            seq: read_u32(buf, 8),
            port: read_u32(buf, 12),
        })
    }

    /// Encodes the header into 16 bytes.
    pub fn emit(&self, out: &mut [u8; HEADER_LEN]) {
        out[0..4].copy_from_slice(&self.len.to_ne_bytes());
        out[4..6].copy_from_slice(&self.kind.to_ne_bytes());
        out[6..8].copy_from_slice(&self.flags.to_ne_bytes());
        out[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        out[12..16].copy_from_slice(&self.port.to_ne_bytes());
    }

    /// Returns the encoded header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        self.emit(&mut b);
        b
    }

    /// Rewrites the sequence number and port of the encoded message `msg`
    /// and clears the flags in `clear` (for a message encoded ahead of
    /// time, e.g. a batch member). `msg` shorter than a header is left as
    /// it is.
    pub fn restamp(msg: &mut [u8], seq: u32, port: u32, clear: u16) {
        if msg.len() < HEADER_LEN {
            return;
        }
        let flags = read_u16(msg, 6) & !clear;
        msg[6..8].copy_from_slice(&flags.to_ne_bytes());
        msg[8..12].copy_from_slice(&seq.to_ne_bytes());
        msg[12..16].copy_from_slice(&port.to_ne_bytes());
    }
}

/// One netlink message inside a datagram: its header and its payload
/// (everything after the header up to `nlmsg_len`).
///
/// Two words (the borrowed bytes): the header is read in place when asked
/// for, so a message moves in registers and is never re-assembled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// At least `HEADER_LEN` bytes (checked by [`Message::parse`]).
    bytes: &'a [u8],
}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("header", &self.header())
            .field("payload", &self.payload())
            .finish()
    }
}

impl<'a> Message<'a> {
    /// Checks that `buf` starts with one complete message and returns it.
    ///
    /// Bytes past `nlmsg_len` are ignored.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Message<'a>, DecodeError> {
        let Some(head) = buf.first_chunk::<HEADER_LEN>() else {
            return Err(DecodeError::Truncated {
                what: "nlmsghdr",
                needed: HEADER_LEN,
                available: buf.len(),
            });
        };
        let len = u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if len < HEADER_LEN {
            return Err(DecodeError::LengthTooSmall {
                what: "nlmsghdr",
                len,
                min: HEADER_LEN,
            });
        }
        if len > buf.len() {
            return Err(DecodeError::Truncated {
                what: "netlink message",
                needed: len,
                available: buf.len(),
            });
        }
        Ok(Message { bytes: &buf[..len] })
    }

    /// The decoded header.
    #[inline]
    pub fn header(&self) -> Header {
        Header {
            len: self.length(),
            kind: self.kind(),
            flags: self.flags(),
            seq: self.seq(),
            port: self.port(),
        }
    }

    /// The 16 header bytes. `parse` made sure they are there; the zeros
    /// only keep this free of a panic path.
    #[inline]
    fn head(&self) -> &'a [u8; HEADER_LEN] {
        self.bytes
            .first_chunk::<HEADER_LEN>()
            .unwrap_or(&[0; HEADER_LEN])
    }

    /// `nlmsg_len`: the message's length, header included.
    #[inline]
    fn length(&self) -> u32 {
        let h = self.head();
        u32::from_ne_bytes([h[0], h[1], h[2], h[3]])
    }

    /// `nlmsg_type`.
    #[inline]
    pub fn kind(&self) -> u16 {
        let h = self.head();
        u16::from_ne_bytes([h[4], h[5]])
    }

    /// `nlmsg_flags`.
    #[inline]
    pub fn flags(&self) -> u16 {
        let h = self.head();
        u16::from_ne_bytes([h[6], h[7]])
    }

    /// `nlmsg_seq`.
    #[inline]
    pub fn seq(&self) -> u32 {
        let h = self.head();
        u32::from_ne_bytes([h[8], h[9], h[10], h[11]])
    }

    /// `nlmsg_pid`.
    #[inline]
    pub fn port(&self) -> u32 {
        let h = self.head();
        u32::from_ne_bytes([h[12], h[13], h[14], h[15]])
    }

    /// The payload after the 16-byte header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or_default()
    }

    /// The whole message, header included (`nlmsg_len` bytes).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// Iterator over the messages of one received datagram.
///
/// Yields `Err` once for a malformed message and then stops, since the
/// position of anything after a bad length is unknown.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Messages<'a> {
    /// Iterates over the messages in `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        Messages {
            buf: datagram,
            pos: 0,
            failed: false,
        }
    }

    /// Byte offset of the next message in the datagram.
    pub fn offset(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let rest = &self.buf[self.pos..];
        match Message::parse(rest) {
            Ok(m) => {
                self.pos = self
                    .pos
                    .saturating_add(align(m.length() as usize))
                    .min(self.buf.len());
                Some(Ok(m))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Messages<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn msg(kind: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let h = Header {
            len: (HEADER_LEN + payload.len()) as u32,
            kind,
            flags: 2,
            seq,
            port: 77,
        };
        let mut v = h.to_bytes().to_vec();
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn header_round_trip() {
        let h = Header {
            len: 36,
            kind: 16,
            flags: 0x302,
            seq: 9,
            port: 1234,
        };
        assert_eq!(Header::parse(&h.to_bytes()).unwrap(), h);
    }

    #[test]
    fn iterates_aligned_messages() {
        let mut d = msg(16, 1, &[1, 2, 3]);
        d.extend(msg(3, 1, &[0, 0, 0, 0]));
        let ms: Vec<_> = Messages::new(&d).collect::<Result<_, _>>().unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].payload(), &[1, 2, 3]);
        assert_eq!(ms[0].kind(), 16);
        assert_eq!(ms[1].kind(), 3);
        assert_eq!(ms[1].port(), 77);
    }

    #[test]
    fn short_header_is_an_error() {
        let d = [0u8; 10];
        let r: Vec<_> = Messages::new(&d).collect();
        assert_eq!(
            r,
            [Err(DecodeError::Truncated {
                what: "nlmsghdr",
                needed: 16,
                available: 10
            })]
        );
    }

    #[test]
    fn length_past_end_is_an_error_and_stops() {
        let mut d = msg(16, 1, &[0; 4]);
        d[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        d.extend(msg(16, 2, &[]));
        let r: Vec<_> = Messages::new(&d).collect();
        assert_eq!(r.len(), 1);
        assert!(matches!(
            r[0],
            Err(DecodeError::Truncated { needed: 1000, .. })
        ));
    }

    #[test]
    fn length_below_header_is_an_error() {
        let mut d = msg(16, 1, &[]);
        d[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(matches!(
            Messages::new(&d).next(),
            Some(Err(DecodeError::LengthTooSmall { len: 8, .. }))
        ));
    }

    #[test]
    fn unaligned_last_message_without_padding_is_accepted() {
        let h = Header {
            len: 17,
            kind: 16,
            flags: 0,
            seq: 1,
            port: 0,
        };
        let mut d = h.to_bytes().to_vec();
        d.push(9);
        let ms: Vec<_> = Messages::new(&d).collect::<Result<_, _>>().unwrap();
        assert_eq!(ms[0].payload(), &[9]);
    }
}
