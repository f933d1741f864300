//! The message writer: appends netlink messages with (nested) attributes into
//! a buffer the caller owns, without temporary allocations.

use super::{ATTR_HEADER_LEN, EncodeError, Header, NLA_F_NESTED, align};

/// Appends netlink messages into a caller-owned `&mut [u8]`.
///
/// Writing never fails part-way: when the buffer runs out the writer keeps
/// counting the bytes the output would need, and [`Writer::finish`] reports
/// [`EncodeError::BufferTooSmall`] with the exact total, so a single retry
/// with a buffer of that size succeeds. The same holds for a length
/// overflow, reported by `finish` as well. Several messages may be written
/// one after another (a batch in one datagram).
///
/// ```
/// use nlwire::wire::{Writer, Messages, NLM_F_REQUEST};
/// let mut buf = [0u8; 64];
/// let mut w = Writer::new(&mut buf);
/// let m = w.begin_message(18, NLM_F_REQUEST, 1, 0);
/// w.put(&[0u8; 16]);
/// w.attr_str(3, "eth0");
/// w.end_message(m);
/// let n = w.finish().unwrap();
/// let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
/// assert_eq!(msg.kind(), 18);
/// ```
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
    error: Option<EncodeError>,
}

/// Marks the start of a message opened by [`Writer::begin_message`].
#[derive(Debug)]
#[must_use = "close the message with Writer::end_message"]
pub struct MessageStart(usize);

/// Marks the start of a nest opened by [`Writer::begin_nested`].
#[derive(Debug)]
#[must_use = "close the nest with Writer::end_nested"]
pub struct NestStart {
    at: usize,
    kind: u16,
}

impl<'b> Writer<'b> {
    /// A writer appending from the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer {
            buf,
            len: 0,
            error: None,
        }
    }

    /// Bytes written so far (or that would have been, past the capacity).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Capacity of the underlying buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Whether everything written so far fitted.
    #[inline]
    pub fn fits(&self) -> bool {
        self.len <= self.buf.len()
    }

    /// Appends raw bytes (no alignment).
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if end <= self.buf.len() {
            self.buf[self.len..end].copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// Appends `n` zero bytes.
    pub fn put_zeros(&mut self, n: usize) {
        let end = self.len.saturating_add(n);
        if end <= self.buf.len() {
            self.buf[self.len..end].fill(0);
        }
        self.len = end;
    }

    /// Pads with zeros to the netlink alignment.
    #[inline]
    pub fn align(&mut self) {
        let pad = align(self.len) - self.len;
        self.put_zeros(pad);
    }

    fn patch(&mut self, at: usize, bytes: &[u8]) {
        if at + bytes.len() <= self.buf.len() {
            self.buf[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }

    fn fail(&mut self, e: EncodeError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Opens a message; its length is filled in by [`Writer::end_message`].
    pub fn begin_message(&mut self, kind: u16, flags: u16, seq: u32, port: u32) -> MessageStart {
        self.align();
        let at = self.len;
        let h = Header {
            len: 0,
            kind,
            flags,
            seq,
            port,
        };
        self.put(&h.to_bytes());
        MessageStart(at)
    }

    /// Closes a message: pads it and writes its `nlmsg_len`.
    pub fn end_message(&mut self, m: MessageStart) {
        let len = self.len - m.0;
        match u32::try_from(len) {
            Ok(l) => self.patch(m.0, &l.to_ne_bytes()),
            Err(_) => self.fail(EncodeError::MessageTooLong { len }),
        }
        self.align();
    }

    /// Appends one attribute with the given payload.
    pub fn attr(&mut self, kind: u16, payload: &[u8]) {
        let len = ATTR_HEADER_LEN + payload.len();
        if len > u16::MAX as usize {
            self.fail(EncodeError::AttrTooLong { kind, len });
        }
        self.put(&(len as u16).to_ne_bytes());
        self.put(&kind.to_ne_bytes());
        self.put(payload);
        self.align();
    }

    /// Appends an attribute with an empty payload (a flag).
    pub fn attr_flag(&mut self, kind: u16) {
        self.attr(kind, &[]);
    }

    /// Appends a `u8` attribute.
    pub fn attr_u8(&mut self, kind: u16, v: u8) {
        self.attr(kind, &[v]);
    }

    /// Appends a native-endian `u16` attribute.
    pub fn attr_u16(&mut self, kind: u16, v: u16) {
        self.attr(kind, &v.to_ne_bytes());
    }

    /// Appends a native-endian `u32` attribute.
    pub fn attr_u32(&mut self, kind: u16, v: u32) {
        self.attr(kind, &v.to_ne_bytes());
    }

    /// Appends a native-endian `u64` attribute.
    pub fn attr_u64(&mut self, kind: u16, v: u64) {
        self.attr(kind, &v.to_ne_bytes());
    }

    /// Appends a native-endian `i32` attribute.
    pub fn attr_i32(&mut self, kind: u16, v: i32) {
        self.attr(kind, &v.to_ne_bytes());
    }

    /// Appends a NUL-terminated string attribute.
    pub fn attr_str(&mut self, kind: u16, s: &str) {
        let len = ATTR_HEADER_LEN + s.len() + 1;
        if len > u16::MAX as usize {
            self.fail(EncodeError::AttrTooLong { kind, len });
        }
        self.put(&(len as u16).to_ne_bytes());
        self.put(&kind.to_ne_bytes());
        self.put(s.as_bytes());
        self.put(&[0]);
        self.align();
    }

    /// Opens a nested attribute (sets `NLA_F_NESTED`); close it with
    /// [`Writer::end_nested`]. Nests may contain nests.
    pub fn begin_nested(&mut self, kind: u16) -> NestStart {
        self.begin_nested_raw(kind | NLA_F_NESTED)
    }

    /// Opens a nested attribute with `raw_kind` as given (some kernel
    /// families expect nests without `NLA_F_NESTED`).
    pub fn begin_nested_raw(&mut self, raw_kind: u16) -> NestStart {
        self.align();
        let at = self.len;
        self.put(&0u16.to_ne_bytes());
        self.put(&raw_kind.to_ne_bytes());
        NestStart { at, kind: raw_kind }
    }

    /// Closes a nest: writes its length (padding excluded, as the kernel does).
    pub fn end_nested(&mut self, n: NestStart) {
        let len = self.len - n.at;
        if len > u16::MAX as usize {
            self.fail(EncodeError::AttrTooLong { kind: n.kind, len });
        }
        self.patch(n.at, &(len as u16).to_ne_bytes());
        self.align();
    }

    /// Ends writing: the number of bytes written, or why the output is not
    /// usable (too small a buffer, with the size needed; a length overflow).
    pub fn finish(self) -> Result<usize, EncodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.len > self.buf.len() {
            return Err(EncodeError::BufferTooSmall {
                needed: self.len,
                capacity: self.buf.len(),
            });
        }
        Ok(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Attrs, Messages};
    use super::*;

    fn write_sample(buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf);
        let m = w.begin_message(16, 5, 42, 0);
        w.put(&[0u8; 16]);
        w.attr_str(3, "br0");
        let li = w.begin_nested(18);
        w.attr_str(1, "bridge");
        let d = w.begin_nested(2);
        w.attr_u32(7, 99);
        w.end_nested(d);
        w.end_nested(li);
        w.attr_u8(16, 6);
        w.end_message(m);
        w.finish()
    }

    #[test]
    fn nested_message_parses_back() {
        let mut buf = [0u8; 256];
        let n = write_sample(&mut buf).unwrap();
        assert_eq!(n % 4, 0);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.header().len as usize, n);
        assert_eq!((msg.kind(), msg.flags(), msg.seq()), (16, 5, 42));
        let attrs: std::vec::Vec<_> = Attrs::new(&msg.payload()[16..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(attrs.len(), 3);
        assert_eq!(attrs[0].str(), Ok("br0"));
        assert!(attrs[1].is_nested());
        let inner: std::vec::Vec<_> = attrs[1].nested().collect::<Result<_, _>>().unwrap();
        assert_eq!(inner[0].str(), Ok("bridge"));
        let data = inner[1].nested().next().unwrap().unwrap();
        assert_eq!(data.u32(), Ok(99));
        assert_eq!(attrs[2].u8(), Ok(6));
    }

    #[test]
    fn too_small_reports_exact_need_and_retry_succeeds() {
        let mut big = [0u8; 256];
        let n = write_sample(&mut big).unwrap();
        for cap in [0, 1, 16, n - 1] {
            let mut small = std::vec![0u8; cap];
            assert_eq!(
                write_sample(&mut small),
                Err(EncodeError::BufferTooSmall {
                    needed: n,
                    capacity: cap
                })
            );
        }
        let mut exact = std::vec![0u8; n];
        assert_eq!(write_sample(&mut exact), Ok(n));
        assert_eq!(&exact[..], &big[..n]);
    }

    #[test]
    fn oversized_attribute_is_an_error() {
        let mut buf = std::vec![0u8; 70_000];
        let mut w = Writer::new(&mut buf);
        w.attr(1, &[0u8; 65_532]);
        assert_eq!(
            w.finish(),
            Err(EncodeError::AttrTooLong {
                kind: 1,
                len: 65_536
            })
        );
    }

    #[test]
    fn two_messages_in_one_buffer() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        for seq in 1..=2 {
            let m = w.begin_message(18, 1, seq, 0);
            w.put(&[7]);
            w.end_message(m);
        }
        let n = w.finish().unwrap();
        let seqs: std::vec::Vec<u32> = Messages::new(&buf[..n]).map(|m| m.unwrap().seq()).collect();
        assert_eq!(seqs, [1, 2]);
    }
}
