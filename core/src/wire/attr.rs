//! Attribute (TLV, `struct nlattr`) views and the iterator over an attribute
//! stream.

use super::{
    ATTR_HEADER_LEN, DecodeError, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, align, read_u16,
};

/// One attribute: its type and payload, borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    raw_kind: u16,
    payload: &'a [u8],
}

impl<'a> Attr<'a> {
    /// Builds an attribute view from a type (flags included) and a payload.
    pub fn new(raw_kind: u16, payload: &'a [u8]) -> Self {
        Attr { raw_kind, payload }
    }

    /// The attribute type with the `NLA_F_*` flag bits removed.
    #[inline]
    pub fn kind(&self) -> u16 {
        self.raw_kind & NLA_TYPE_MASK
    }

    /// The raw `nla_type`, flag bits included.
    #[inline]
    pub fn raw_kind(&self) -> u16 {
        self.raw_kind
    }

    /// Whether `NLA_F_NESTED` is set. Many kernel nests do not set it, so
    /// [`Attr::nested`] works regardless.
    #[inline]
    pub fn is_nested(&self) -> bool {
        self.raw_kind & NLA_F_NESTED != 0
    }

    /// Whether `NLA_F_NET_BYTEORDER` is set.
    #[inline]
    pub fn is_net_byteorder(&self) -> bool {
        self.raw_kind & NLA_F_NET_BYTEORDER != 0
    }

    /// The payload, without header or padding.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The payload read as a list of nested attributes.
    #[inline]
    pub fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.payload)
    }

    #[inline]
    fn fixed<const N: usize>(&self, what: &'static str) -> Result<[u8; N], DecodeError> {
        self.payload.try_into().map_err(|_| DecodeError::AttrSize {
            what,
            kind: self.kind(),
            len: self.payload.len(),
            expected: N,
        })
    }

    /// The payload as a `u8`.
    #[inline]
    pub fn u8(&self) -> Result<u8, DecodeError> {
        Ok(self.fixed::<1>("u8 attribute")?[0])
    }

    /// The payload as a native-endian `u16`.
    #[inline]
    pub fn u16(&self) -> Result<u16, DecodeError> {
        Ok(u16::from_ne_bytes(self.fixed("u16 attribute")?))
    }

    /// The payload as a native-endian `u32`.
    #[inline]
    pub fn u32(&self) -> Result<u32, DecodeError> {
        Ok(u32::from_ne_bytes(self.fixed("u32 attribute")?))
    }

    /// The payload as a native-endian `u64`.
    #[inline]
    pub fn u64(&self) -> Result<u64, DecodeError> {
        Ok(u64::from_ne_bytes(self.fixed("u64 attribute")?))
    }

    /// The payload as a native-endian `i32`.
    pub fn i32(&self) -> Result<i32, DecodeError> {
        Ok(i32::from_ne_bytes(self.fixed("i32 attribute")?))
    }

    /// The payload as a big-endian (network order) `u16`.
    pub fn be16(&self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.fixed("be16 attribute")?))
    }

    /// The payload as a big-endian (network order) `u32`.
    pub fn be32(&self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.fixed("be32 attribute")?))
    }

    /// The payload as a string: everything up to the first NUL (or the end),
    /// which must be UTF-8.
    pub fn str(&self) -> Result<&'a str, DecodeError> {
        let b = self.payload;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        core::str::from_utf8(&b[..end]).map_err(|_| DecodeError::Utf8 {
            what: "string attribute",
            kind: self.kind(),
        })
    }
}

/// Iterator over a stream of attributes (a message's attribute area or a
/// nest's payload).
///
/// Yields `Err` once for a malformed attribute and then stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attrs<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Attrs<'a> {
    /// Iterates over the attributes in `buf`.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Attrs {
            buf,
            pos: 0,
            failed: false,
        }
    }

    /// The bytes still to be iterated.
    pub fn remaining(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }

    /// Finds the first attribute of type `kind` (flags ignored).
    ///
    /// Returns the first decode error met before it, if any.
    pub fn find(self, kind: u16) -> Result<Option<Attr<'a>>, DecodeError> {
        for a in self {
            let a = a?;
            if a.kind() == kind {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let rest = &self.buf[self.pos..];
        if rest.len() < ATTR_HEADER_LEN {
            self.failed = true;
            return Some(Err(DecodeError::Truncated {
                what: "nlattr",
                needed: ATTR_HEADER_LEN,
                available: rest.len(),
            }));
        }
        let len = read_u16(rest, 0) as usize;
        let raw_kind = read_u16(rest, 2);
        if len < ATTR_HEADER_LEN {
            self.failed = true;
            return Some(Err(DecodeError::LengthTooSmall {
                what: "nlattr",
                len,
                min: ATTR_HEADER_LEN,
            }));
        }
        if len > rest.len() {
            self.failed = true;
            return Some(Err(DecodeError::Truncated {
                what: "nlattr payload",
                needed: len,
                available: rest.len(),
            }));
        }
        self.pos = (self.pos + align(len)).min(self.buf.len());
        Some(Ok(Attr {
            raw_kind,
            payload: &rest[ATTR_HEADER_LEN..len],
        }))
    }
}

impl core::iter::FusedIterator for Attrs<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn walks_attributes_and_nests() {
        let inner = [attr(1, b"veth\0"), attr(2, &7u32.to_ne_bytes())].concat();
        let buf = [
            attr(3, b"eth0\0"),
            attr(4, &1500u32.to_ne_bytes()),
            attr(18 | NLA_F_NESTED, &inner),
        ]
        .concat();
        let v: Vec<_> = Attrs::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].str().unwrap(), "eth0");
        assert_eq!(v[1].u32().unwrap(), 1500);
        assert!(v[2].is_nested());
        assert_eq!(v[2].kind(), 18);
        let n: Vec<_> = v[2].nested().collect::<Result<_, _>>().unwrap();
        assert_eq!(n[0].str().unwrap(), "veth");
        assert_eq!(n[1].u32().unwrap(), 7);
        assert_eq!(Attrs::new(&buf).find(4).unwrap().unwrap().u32(), Ok(1500));
        assert_eq!(Attrs::new(&buf).find(99).unwrap(), None);
    }

    #[test]
    fn wrong_sized_scalar_is_an_error() {
        let buf = attr(4, &[1, 2]);
        let a = Attrs::new(&buf).next().unwrap().unwrap();
        assert_eq!(
            a.u32(),
            Err(DecodeError::AttrSize {
                what: "u32 attribute",
                kind: 4,
                len: 2,
                expected: 4
            })
        );
        assert_eq!(a.u16(), Ok(u16::from_ne_bytes([1, 2])));
    }

    #[test]
    fn truncated_attribute_is_an_error() {
        let mut buf = attr(3, b"abcdefgh");
        buf.truncate(7);
        let r: Vec<_> = Attrs::new(&buf).collect();
        assert!(matches!(
            r[..],
            [Err(DecodeError::Truncated { needed: 12, .. })]
        ));
        // Header cut in half.
        let r: Vec<_> = Attrs::new(&[8, 0]).collect();
        assert!(matches!(r[..], [Err(DecodeError::Truncated { .. })]));
        // nla_len below the header size.
        let r: Vec<_> = Attrs::new(&[2, 0, 1, 0]).collect();
        assert!(matches!(r[..], [Err(DecodeError::LengthTooSmall { .. })]));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let buf = attr(3, &[0xff, 0xfe, 0]);
        let a = Attrs::new(&buf).next().unwrap().unwrap();
        assert!(matches!(a.str(), Err(DecodeError::Utf8 { kind: 3, .. })));
    }

    #[test]
    fn last_attribute_without_padding_is_accepted() {
        let mut buf = attr(1, &[5]);
        buf.truncate(5);
        let a = Attrs::new(&buf).next().unwrap().unwrap();
        assert_eq!(a.u8(), Ok(5));
    }
}
