//! Parsing of raw inotify reads: one `read(2)` returns zero or more
//! `struct inotify_event` records, each a 16-byte header (`wd`, `mask`,
//! `cookie`, `len`) followed by `len` bytes of NUL-padded name.
//!
//! [`Events`] walks such a buffer without allocating; a record that runs
//! past the end is an [`InotifyError`], never a panic.

use crate::wire::{read_i32, read_u32};

/// `IN_ACCESS`.
pub const IN_ACCESS: u32 = 0x0000_0001;
/// `IN_MODIFY`.
pub const IN_MODIFY: u32 = 0x0000_0002;
/// `IN_ATTRIB`.
pub const IN_ATTRIB: u32 = 0x0000_0004;
/// `IN_MOVED_FROM`: a name was moved out of the watched directory.
pub const IN_MOVED_FROM: u32 = 0x0000_0040;
/// `IN_MOVED_TO`: a name was moved into the watched directory.
pub const IN_MOVED_TO: u32 = 0x0000_0080;
/// `IN_CREATE`: a name was created in the watched directory.
pub const IN_CREATE: u32 = 0x0000_0100;
/// `IN_DELETE`: a name was deleted from the watched directory.
pub const IN_DELETE: u32 = 0x0000_0200;
/// `IN_DELETE_SELF`: the watched directory itself was deleted.
pub const IN_DELETE_SELF: u32 = 0x0000_0400;
/// `IN_MOVE_SELF`: the watched directory itself was moved.
pub const IN_MOVE_SELF: u32 = 0x0000_0800;
/// `IN_UNMOUNT`: the filesystem of the watched object was unmounted.
pub const IN_UNMOUNT: u32 = 0x0000_2000;
/// `IN_Q_OVERFLOW`: events were lost (`wd` is -1).
pub const IN_Q_OVERFLOW: u32 = 0x0000_4000;
/// `IN_IGNORED`: the watch was removed (explicitly, or because the object
/// went away).
pub const IN_IGNORED: u32 = 0x0000_8000;
/// `IN_ONLYDIR` (watch flag): only watch the path if it is a directory.
pub const IN_ONLYDIR: u32 = 0x0100_0000;
/// `IN_ISDIR`: the subject of the event is a directory.
pub const IN_ISDIR: u32 = 0x4000_0000;

/// `sizeof(struct inotify_event)` without the name.
pub const EVENT_HEADER_LEN: usize = 16;

/// One inotify event, borrowing its name from the read buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The watch descriptor (-1 for `IN_Q_OVERFLOW`).
    pub wd: i32,
    /// `IN_*` bits.
    pub mask: u32,
    /// Pairs `IN_MOVED_FROM` with `IN_MOVED_TO`.
    pub cookie: u32,
    /// The name inside the watched directory, without its NUL padding;
    /// empty for events about the watched object itself.
    pub name: &'a [u8],
}

impl Event<'_> {
    /// Whether `bit` (an `IN_*` constant) is set.
    pub fn is(&self, bit: u32) -> bool {
        self.mask & bit != 0
    }
}

/// A read buffer that does not hold whole inotify records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed inotify event at byte {offset}: needs {needed} bytes, {available} left")]
pub struct InotifyError {
    /// Where the bad record starts.
    pub offset: usize,
    /// How many bytes it claims.
    pub needed: usize,
    /// How many bytes were left.
    pub available: usize,
}

/// Iterator over the events in one inotify read. Yields `Err` once for a
/// truncated record and then stops.
#[derive(Debug, Clone)]
pub struct Events<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Events<'a> {
    /// Walks the bytes of one `read(2)` from an inotify descriptor.
    pub fn new(buf: &'a [u8]) -> Self {
        Events { buf, pos: 0 }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<Event<'a>, InotifyError>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = &self.buf[self.pos..];
        if b.is_empty() {
            return None;
        }
        let (offset, available) = (self.pos, b.len());
        let fail = |needed| {
            Some(Err(InotifyError {
                offset,
                needed,
                available,
            }))
        };
        if b.len() < EVENT_HEADER_LEN {
            self.pos = self.buf.len();
            return fail(EVENT_HEADER_LEN);
        }
        let len = read_u32(b, 12) as usize;
        let total = EVENT_HEADER_LEN.saturating_add(len);
        if total > b.len() {
            self.pos = self.buf.len();
            return fail(total);
        }
        let raw = &b[EVENT_HEADER_LEN..total];
        let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
        let ev = Event {
            wd: read_i32(b, 0),
            mask: read_u32(b, 4),
            cookie: read_u32(b, 8),
            name: &raw[..end],
        };
        self.pos += total;
        Some(Ok(ev))
    }
}

/// Encodes one event the way the kernel does (name NUL-padded to a multiple
/// of 16 bytes), for tests and fuzz seeds. Returns the bytes written, or
/// `None` if `out` is too small.
pub fn encode_event(out: &mut [u8], wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Option<usize> {
    let len = if name.is_empty() {
        0
    } else {
        (name.len() + 1).next_multiple_of(16)
    };
    let total = EVENT_HEADER_LEN + len;
    let o = out.get_mut(..total)?;
    o.fill(0);
    o[0..4].copy_from_slice(&wd.to_ne_bytes());
    o[4..8].copy_from_slice(&mask.to_ne_bytes());
    o[8..12].copy_from_slice(&cookie.to_ne_bytes());
    o[12..16].copy_from_slice(&(len as u32).to_ne_bytes());
    o[16..16 + name.len()].copy_from_slice(name);
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_events_with_padded_names() {
        let mut buf = [0u8; 256];
        let mut n = encode_event(&mut buf, 1, IN_CREATE, 0, b"blue").unwrap();
        n += encode_event(
            &mut buf[n..],
            1,
            IN_DELETE,
            0,
            b"a-name-of-exactly-31-bytes-long",
        )
        .unwrap();
        n += encode_event(&mut buf[n..], -1, IN_Q_OVERFLOW, 0, b"").unwrap();
        let evs: std::vec::Vec<_> = Events::new(&buf[..n]).map(Result::unwrap).collect();
        assert_eq!(evs.len(), 3);
        assert_eq!(
            (evs[0].wd, evs[0].mask, evs[0].name),
            (1, IN_CREATE, &b"blue"[..])
        );
        assert_eq!(evs[1].name, b"a-name-of-exactly-31-bytes-long");
        assert!(evs[1].is(IN_DELETE));
        assert_eq!((evs[2].wd, evs[2].name), (-1, &b""[..]));
        assert_eq!(n, 16 + 16 + 16 + 32 + 16);
    }

    #[test]
    fn truncated_records_are_errors() {
        let mut buf = [0u8; 64];
        let n = encode_event(&mut buf, 1, IN_CREATE, 0, b"x").unwrap();
        // A short header.
        let mut it = Events::new(&buf[..10]);
        assert!(matches!(
            it.next(),
            Some(Err(InotifyError { needed: 16, .. }))
        ));
        assert!(it.next().is_none());
        // A name running past the end.
        let mut it = Events::new(&buf[..n - 1]);
        assert!(matches!(
            it.next(),
            Some(Err(InotifyError { needed: 32, .. }))
        ));
        // A huge length does not overflow.
        buf[12..16].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(matches!(Events::new(&buf[..n]).next(), Some(Err(_))));
    }
}
