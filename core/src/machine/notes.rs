//! The queue of notification datagrams a [`Mux`](super::Mux) keeps for its
//! subscriber (`alloc`).
//!
//! Whoever receives a datagram the kernel sent to a multicast group puts
//! it here, whole, in arrival order; the subscriber takes its messages out
//! one by one, as views into the queue. The queue is one byte buffer used
//! over and over: once warm, a notification costs no allocation, and the
//! memory it holds is what is waiting, never more than its limit.
//!
//! Each record is a 16-byte header — the datagram's *serial* (its place
//! among all datagrams the connection received, replies included), its
//! length, or `u32::MAX` for a gap — then the datagram, padded to 8
//! bytes. A datagram that would take the queue past its limit is dropped
//! and leaves an overrun record: the subscriber learns of the gap at the
//! place it happened, as it learns of the kernel's own (`ENOBUFS`).

use alloc::vec::Vec;

use crate::wire::{DecodeError, Message, align};

/// The length that marks an overrun record.
const OVERRUN: u32 = u32::MAX;
const HEADER: usize = 16;

/// What [`Notes::pop`] has.
#[derive(Debug)]
pub enum Note<'a> {
    /// A message of a notification datagram, and that datagram's serial.
    Message(Message<'a>, u64),
    /// Notifications were lost here (the kernel's `ENOBUFS`, the queue's
    /// limit, or a datagram too large for the receive buffer), before the
    /// datagram of this serial.
    Overrun(u64),
    /// A notification datagram that does not parse (from here on; the rest
    /// of it is skipped), and its serial.
    Malformed(DecodeError, u64),
}

/// Notification datagrams waiting for the subscriber; see the [module
/// documentation](self).
#[derive(Debug)]
pub struct Notes {
    buf: Vec<u8>,
    /// Where the record being read starts.
    head: usize,
    /// Offset of the next message in that record's datagram.
    cursor: usize,
    limit: usize,
    /// Whether the last record is an overrun (two in a row say no more
    /// than one).
    ends_in_overrun: bool,
}

fn read_header(b: &[u8]) -> (u64, u32) {
    let mut s = [0u8; 8];
    s.copy_from_slice(&b[..8]);
    let mut l = [0u8; 4];
    l.copy_from_slice(&b[8..12]);
    (u64::from_ne_bytes(s), u32::from_ne_bytes(l))
}

fn round8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

impl Notes {
    /// An empty queue that holds at most `limit` bytes of datagrams.
    pub fn new(limit: usize) -> Notes {
        Notes {
            buf: Vec::new(),
            head: 0,
            cursor: 0,
            limit,
            ends_in_overrun: false,
        }
    }

    /// Bytes waiting (records included).
    pub fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn record(&mut self, serial: u64, len: u32) {
        self.buf.extend_from_slice(&serial.to_ne_bytes());
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&[0; 4]);
    }

    /// Queues a datagram received with `serial`; when it does not fit
    /// under the limit it is dropped and an overrun recorded instead.
    /// Returns whether it was queued.
    pub fn push(&mut self, serial: u64, datagram: &[u8]) -> bool {
        if self.len() + HEADER + round8(datagram.len()) > self.limit {
            self.overrun(serial);
            return false;
        }
        self.compact();
        self.record(serial, datagram.len() as u32);
        self.buf.extend_from_slice(datagram);
        let pad = round8(datagram.len()) - datagram.len();
        self.buf.extend_from_slice(&[0u8; 8][..pad]);
        self.ends_in_overrun = false;
        true
    }

    /// Records that notifications were lost before the datagram `serial`.
    pub fn overrun(&mut self, serial: u64) {
        if self.ends_in_overrun && !self.is_empty() {
            return;
        }
        self.compact();
        self.record(serial, OVERRUN);
        self.ends_in_overrun = true;
    }

    /// Drops what was read, once nothing is left to read: the buffer is
    /// then reused from its start.
    fn compact(&mut self) {
        if self.head == self.buf.len() {
            self.buf.clear();
            self.head = 0;
            self.cursor = 0;
        }
    }

    /// The next message, overrun or malformed datagram, in arrival order;
    /// `None` when nothing waits.
    pub fn pop(&mut self) -> Option<Note<'_>> {
        loop {
            if self.head >= self.buf.len() {
                self.compact();
                return None;
            }
            let (serial, len) = read_header(&self.buf[self.head..]);
            if len == OVERRUN {
                self.head += HEADER;
                return Some(Note::Overrun(serial));
            }
            let start = self.head + HEADER;
            let len = len as usize;
            if self.cursor >= len {
                self.head = start + round8(len);
                self.cursor = 0;
                continue;
            }
            let at = start + self.cursor;
            let buf = &self.buf[..];
            match Message::parse(&buf[at..start + len]) {
                Ok(m) => {
                    self.cursor += align(m.as_bytes().len()).max(1);
                    return Some(Note::Message(m, serial));
                }
                Err(e) => {
                    self.cursor = len;
                    return Some(Note::Malformed(e, serial));
                }
            }
        }
    }

    /// The serial of the next record, if any (an overrun's or a
    /// datagram's). A datagram whose last message was handed out is no
    /// longer next, though it is dropped only at the next [`Notes::pop`].
    pub fn next_serial(&self) -> Option<u64> {
        let mut at = self.head;
        if at < self.buf.len() {
            let (_, len) = read_header(&self.buf[at..]);
            if len != OVERRUN && self.cursor >= len as usize {
                at += HEADER + round8(len as usize);
            }
        }
        (at < self.buf.len()).then(|| read_header(&self.buf[at..]).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Writer;

    /// Once a datagram's last message is handed out, the next serial is
    /// the following datagram's (what the mirror's "older than this
    /// reply" test reads), not the one just read.
    #[test]
    fn the_next_serial_moves_past_a_datagram_read_whole() {
        let mut n = Notes::new(1 << 16);
        assert!(n.push(3, &datagram(&[16, 17])));
        assert!(n.push(5, &datagram(&[16])));
        assert_eq!(n.next_serial(), Some(3));
        assert!(matches!(n.pop(), Some(Note::Message(_, 3))));
        assert_eq!(n.next_serial(), Some(3), "one message of it left");
        assert!(matches!(n.pop(), Some(Note::Message(_, 3))));
        assert_eq!(n.next_serial(), Some(5));
        assert!(matches!(n.pop(), Some(Note::Message(_, 5))));
        assert_eq!(n.next_serial(), None);
        assert!(n.pop().is_none());
    }

    fn datagram(kinds: &[u16]) -> std::vec::Vec<u8> {
        let mut b = [0u8; 256];
        let mut w = Writer::new(&mut b);
        for &k in kinds {
            let h = w.begin_message(k, 0, 0, 0);
            w.put(&[1, 2, 3]);
            w.end_message(h);
        }
        let n = w.finish().unwrap();
        b[..n].to_vec()
    }

    fn kind(n: Option<Note<'_>>) -> (u16, u64) {
        match n {
            Some(Note::Message(m, s)) => (m.kind(), s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messages_come_out_in_order_with_their_serials() {
        let mut q = Notes::new(1 << 20);
        assert!(q.pop().is_none());
        assert!(q.push(3, &datagram(&[16, 17])));
        assert!(q.push(5, &datagram(&[24])));
        assert_eq!(q.next_serial(), Some(3));
        assert_eq!(kind(q.pop()), (16, 3));
        assert_eq!(kind(q.pop()), (17, 3));
        assert_eq!(kind(q.pop()), (24, 5));
        assert!(q.pop().is_none());
        assert!(q.is_empty());
        // The buffer is reused from its start.
        let cap = q.buf.capacity();
        for i in 0..100 {
            assert!(q.push(i, &datagram(&[20])));
            assert_eq!(kind(q.pop()), (20, i));
            assert!(q.pop().is_none());
        }
        assert_eq!(q.buf.capacity(), cap);
    }

    #[test]
    fn the_limit_drops_and_marks_one_overrun() {
        let d = datagram(&[16]);
        let one = HEADER + round8(d.len());
        let mut q = Notes::new(2 * one);
        assert!(q.push(1, &d));
        assert!(q.push(2, &d));
        assert!(!q.push(3, &d));
        assert!(!q.push(4, &d));
        assert_eq!(kind(q.pop()), (16, 1));
        assert_eq!(kind(q.pop()), (16, 2));
        assert!(matches!(q.pop(), Some(Note::Overrun(3))));
        assert!(q.pop().is_none());
        // After the reader caught up, datagrams fit again.
        assert!(q.push(5, &d));
        assert_eq!(kind(q.pop()), (16, 5));
    }

    #[test]
    fn a_malformed_datagram_is_reported_once_and_skipped() {
        let mut q = Notes::new(1 << 20);
        q.push(1, &[1, 2, 3]);
        q.push(2, &datagram(&[16]));
        assert!(matches!(q.pop(), Some(Note::Malformed(_, 1))));
        assert_eq!(kind(q.pop()), (16, 2));
    }
}
