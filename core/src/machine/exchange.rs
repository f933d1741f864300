//! The request exchange machine.
//!
//! [`Exchange`] assigns sequence numbers, remembers which requests are in
//! flight and classifies every received message:
//!
//! * a reply whose `(seq, port)` matches a live request becomes an [`Event`]
//!   for it: [`EventKind::Item`] for each object, then exactly one terminal
//!   event — [`EventKind::Ack`], [`EventKind::Done`] or [`EventKind::Failed`];
//! * a reply for a request the caller cancelled is discarded (counted in
//!   [`Stats::discarded`]) until that request's own terminal message, so it can
//!   never reach another request;
//! * a message whose sequence number or port belongs to nobody is counted in
//!   [`Stats::unmatched`] and skipped.
//!
//! Many requests may be in flight at once; sequence numbers are never reused
//! while a request (even a cancelled one) still owns them.
//!
//! ```
//! use nlwire::machine::{Exchange, EventKind};
//! use nlwire::route::GetLinks;
//! let mut ex = Exchange::new();
//! let mut buf = [0u8; 64];
//! let (id, n) = ex.start(&GetLinks::new(), &mut buf).unwrap();
//! // ... send buf[..n], receive a datagram ...
//! # let reply = nlwire::machine::exchange::test_frames::done(id.seq(), 0);
//! for ev in ex.handle(&reply) {
//!     assert_eq!(ev.id, id);
//!     assert!(matches!(ev.kind, EventKind::Done { interrupted: false }));
//! }
//! ```

use crate::request::Request;
use crate::wire::{
    DecodeError, DoneMessage, EncodeError, ErrorMessage, ExtAckTlvs, Header, Message, Messages,
    NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, Writer,
};

/// Identifies an in-flight request; it is the request's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u32);

impl RequestId {
    /// The id of a connection's subscription to notifications (sequence
    /// number 0, which no request gets).
    pub const SUBSCRIPTION: RequestId = RequestId(0);

    /// The sequence number.
    pub fn seq(self) -> u32 {
        self.0
    }

    #[cfg(feature = "alloc")]
    pub(crate) fn from_seq(seq: u32) -> RequestId {
        RequestId(seq)
    }
}

/// The book-keeping of one in-flight request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slot {
    seq: u32,
    dump: bool,
    cancelled: bool,
    interrupted: bool,
}

/// Storage for in-flight slots: a `Vec` (with `alloc`) or a fixed
/// [`ArraySlots`] for `no_std` users without an allocator.
pub trait SlotStore {
    /// The slots in use.
    fn slots(&self) -> &[Slot];
    /// The slots in use, mutably.
    fn slots_mut(&mut self) -> &mut [Slot];
    /// Adds a slot; gives it back when full.
    fn try_push(&mut self, s: Slot) -> Result<(), Slot>;
    /// Removes slot `i` (order need not be kept).
    fn swap_remove(&mut self, i: usize);
}

#[cfg(feature = "alloc")]
impl SlotStore for alloc::vec::Vec<Slot> {
    fn slots(&self) -> &[Slot] {
        self
    }
    fn slots_mut(&mut self) -> &mut [Slot] {
        self
    }
    fn try_push(&mut self, s: Slot) -> Result<(), Slot> {
        self.push(s);
        Ok(())
    }
    fn swap_remove(&mut self, i: usize) {
        alloc::vec::Vec::swap_remove(self, i);
    }
}

/// A fixed-capacity slot store: at most `N` requests in flight.
#[derive(Debug, Clone)]
pub struct ArraySlots<const N: usize> {
    slots: [Slot; N],
    len: usize,
}

impl<const N: usize> Default for ArraySlots<N> {
    fn default() -> Self {
        ArraySlots {
            slots: [Slot::default(); N],
            len: 0,
        }
    }
}

impl<const N: usize> SlotStore for ArraySlots<N> {
    fn slots(&self) -> &[Slot] {
        &self.slots[..self.len]
    }
    fn slots_mut(&mut self) -> &mut [Slot] {
        &mut self.slots[..self.len]
    }
    fn try_push(&mut self, s: Slot) -> Result<(), Slot> {
        if self.len == N {
            return Err(s);
        }
        self.slots[self.len] = s;
        self.len += 1;
        Ok(())
    }
    fn swap_remove(&mut self, i: usize) {
        self.slots[i] = self.slots[self.len - 1];
        self.len -= 1;
    }
}

/// Counters of messages that matched no live request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Messages whose sequence number or port belongs to no request.
    pub unmatched: u64,
    /// Replies to cancelled requests, dropped.
    pub discarded: u64,
    /// Datagrams (or their tails) that could not be parsed nor attributed to
    /// a request.
    pub malformed: u64,
}

/// Why a request could not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The request could not be encoded into the buffer.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The slot store is full.
    #[error("too many requests in flight")]
    TooManyInFlight,
}

/// A terminal failure of a request, borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'d> {
    /// The kernel reported an errno (in `NLMSG_ERROR` or `NLMSG_DONE`).
    Kernel {
        /// Positive errno.
        errno: i32,
        /// Extended ack, checked; [`ExtAckTlvs::decode`] reads it.
        ext_ack: ExtAckTlvs<'d>,
    },
    /// A reply for this request could not be decoded.
    Malformed(DecodeError),
}

/// What happened to a request.
// `repr(u8)`: a plain tag, then the variant's fields at their natural
// alignment — a message moves as three aligned words (with the niche
// layout, items were copied through overlapping unaligned stores and
// loads, a store-forwarding stall per dump message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EventKind<'d> {
    /// A reply object (a dump part, or the answer of a GET).
    Item(Message<'d>),
    /// Terminal: acknowledged (`NLMSG_ERROR` with errno 0).
    Ack,
    /// Terminal: the dump is complete. `interrupted` is set when any part
    /// carried `NLM_F_DUMP_INTR`, so the caller can retry.
    Done {
        /// Whether the dump was inconsistent.
        interrupted: bool,
    },
    /// Terminal: the request failed.
    Failed(Failure<'d>),
}

impl EventKind<'_> {
    /// Whether this event ends its request.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, EventKind::Item(_))
    }
}

/// An event for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'d> {
    /// The request it belongs to.
    pub id: RequestId,
    /// What happened.
    pub kind: EventKind<'d>,
}

/// The exchange machine. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Exchange<S: SlotStore = DefaultStore> {
    port: u32,
    next_seq: u32,
    /// Whether `next_seq` has wrapped. Until it does, every live request's
    /// number is below `next_seq`, so a new one needs no uniqueness check.
    wrapped: bool,
    slots: S,
    last: usize,
    stats: Stats,
}

/// The default slot store: a `Vec` with `alloc`, 64 fixed slots without.
#[cfg(feature = "alloc")]
pub type DefaultStore = alloc::vec::Vec<Slot>;
/// The default slot store: a `Vec` with `alloc`, 64 fixed slots without.
#[cfg(not(feature = "alloc"))]
pub type DefaultStore = ArraySlots<64>;

impl Exchange<DefaultStore> {
    /// A machine with the default slot store.
    pub fn new() -> Self {
        Self::with_store(DefaultStore::default())
    }
}

impl Default for Exchange<DefaultStore> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: SlotStore> Exchange<S> {
    /// A machine using `store` for its slots.
    pub fn with_store(store: S) -> Self {
        Exchange {
            port: 0,
            next_seq: 1,
            wrapped: false,
            slots: store,
            last: 0,
            stats: Stats::default(),
        }
    }

    /// Sets the socket's port id. Once set (non-zero), replies from another
    /// port are not matched.
    pub fn set_port(&mut self, port: u32) {
        self.port = port;
    }

    /// The socket's port id (0 if unknown).
    pub fn port(&self) -> u32 {
        self.port
    }

    /// Counts a message (or datagram) that belongs to no request.
    pub fn count_unmatched(&mut self) {
        self.stats.unmatched += 1;
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Number of requests that have not ended (cancelled ones included until
    /// their terminal reply is seen).
    pub fn in_flight(&self) -> usize {
        self.slots.slots().len()
    }

    /// Whether `id` still holds its slot (started and its terminal reply not
    /// yet seen), cancelled or not.
    pub fn contains(&self, id: RequestId) -> bool {
        self.find(id.0).is_some()
    }

    /// Whether `id` is live (started, not ended, not cancelled).
    pub fn is_live(&self, id: RequestId) -> bool {
        self.find(id.0)
            .is_some_and(|i| !self.slots.slots()[i].cancelled)
    }

    #[inline]
    fn find(&self, seq: u32) -> Option<usize> {
        let s = self.slots.slots();
        if s.get(self.last).is_some_and(|x| x.seq == seq) {
            return Some(self.last);
        }
        s.iter().position(|x| x.seq == seq)
    }

    /// The next sequence number no live request holds (never 0). Numbers
    /// only grow until they wrap, so the scan of the live requests (O(n),
    /// which made registering a 256-message batch chunk quadratic) is only
    /// needed after a wrap.
    #[inline]
    fn alloc_seq(&mut self) -> u32 {
        loop {
            let seq = self.next_seq;
            self.next_seq = seq.wrapping_add(1);
            if self.next_seq == 0 {
                self.wrapped = true;
            }
            if seq != 0 && (!self.wrapped || self.find(seq).is_none()) {
                return seq;
            }
        }
    }

    /// Registers a request and writes it into `w` (which may already hold
    /// other messages — a batch). If the writer's output is not sent, call
    /// [`Exchange::forget`].
    pub fn start_into<R: Request + ?Sized>(
        &mut self,
        req: &R,
        w: &mut Writer<'_>,
    ) -> Result<RequestId, StartError> {
        let id = self.register(req.is_dump())?;
        req.emit(w, id.0, self.port);
        Ok(id)
    }

    /// Registers a request the caller encodes itself (with the returned
    /// sequence number and [`Exchange::port`]) — for pre-encoded batches.
    pub fn register(&mut self, dump: bool) -> Result<RequestId, StartError> {
        let seq = self.alloc_seq();
        self.slots
            .try_push(Slot {
                seq,
                dump,
                cancelled: false,
                interrupted: false,
            })
            .map_err(|_| StartError::TooManyInFlight)?;
        Ok(RequestId(seq))
    }

    /// Forgets every request whose sequence number `f` selects, in one
    /// pass (batch members that succeeded silently).
    pub fn forget_where(&mut self, mut f: impl FnMut(u32) -> bool) {
        let mut i = self.slots.slots().len();
        while i > 0 {
            i -= 1;
            if f(self.slots.slots()[i].seq) {
                self.slots.swap_remove(i);
            }
        }
        self.last = 0;
    }

    /// Registers a request and encodes it alone into `buf`; returns its id
    /// and the encoded length. Nothing is registered on error.
    pub fn start<R: Request + ?Sized>(
        &mut self,
        req: &R,
        buf: &mut [u8],
    ) -> Result<(RequestId, usize), StartError> {
        let mut w = Writer::new(buf);
        let id = self.start_into(req, &mut w)?;
        match w.finish() {
            Ok(n) => Ok((id, n)),
            Err(e) => {
                self.forget(id);
                Err(e.into())
            }
        }
    }

    /// Cancels a request the caller no longer wants. Its remaining replies
    /// are discarded as they arrive; its sequence number stays reserved
    /// until its terminal reply.
    pub fn cancel(&mut self, id: RequestId) {
        if let Some(i) = self.find(id.0) {
            self.slots.slots_mut()[i].cancelled = true;
        }
    }

    /// Removes a request that was never sent (or whose replies can no
    /// longer arrive). Later messages with its sequence number count as
    /// unmatched.
    pub fn forget(&mut self, id: RequestId) {
        if let Some(i) = self.find(id.0) {
            self.slots.swap_remove(i);
            self.last = 0;
        }
    }

    /// Cancels every live request (after a receive-buffer overrun, when
    /// their replies may have been lost) and calls `f` with each one's id.
    pub fn cancel_all(&mut self, mut f: impl FnMut(RequestId)) {
        for s in self.slots.slots_mut() {
            if !s.cancelled {
                s.cancelled = true;
                f(RequestId(s.seq));
            }
        }
    }

    /// Feeds one received datagram; the returned iterator yields the events
    /// it contains, in order. Events borrow the datagram, not the machine's
    /// state beyond the iterator.
    pub fn handle<'d>(&mut self, datagram: &'d [u8]) -> Feed<'d, '_, S> {
        Feed {
            msgs: Messages::new(datagram),
            datagram,
            ex: self,
        }
    }

    /// Classifies one message. `None` means it was consumed silently.
    #[inline]
    fn classify<'d>(&mut self, m: Message<'d>) -> Option<Event<'d>> {
        if m.kind() == NLMSG_NOOP {
            return None;
        }
        if self.port != 0 && m.port() != self.port {
            self.stats.unmatched += 1;
            return None;
        }
        let Some(i) = self.find(m.seq()) else {
            self.stats.unmatched += 1;
            return None;
        };
        self.last = i;
        let slot = &mut self.slots.slots_mut()[i];
        let kind = match m.kind() {
            NLMSG_ERROR => match ErrorMessage::errno_and_tlvs(&m) {
                Ok((0, _)) => EventKind::Ack,
                Ok((errno, ext_ack)) => EventKind::Failed(Failure::Kernel { errno, ext_ack }),
                Err(e) => EventKind::Failed(Failure::Malformed(e)),
            },
            NLMSG_DONE => match DoneMessage::errno_and_tlvs(&m) {
                Ok((0, _)) => EventKind::Done {
                    interrupted: slot.interrupted || m.flags() & NLM_F_DUMP_INTR != 0,
                },
                Ok((errno, ext_ack)) => EventKind::Failed(Failure::Kernel { errno, ext_ack }),
                Err(e) => EventKind::Failed(Failure::Malformed(e)),
            },
            _ => {
                if m.flags() & NLM_F_DUMP_INTR != 0 {
                    slot.interrupted = true;
                }
                EventKind::Item(m)
            }
        };
        let cancelled = slot.cancelled;
        if kind.is_terminal() {
            self.slots.swap_remove(i);
            self.last = 0;
        }
        if cancelled {
            self.stats.discarded += 1;
            return None;
        }
        Some(Event {
            id: RequestId(m.seq()),
            kind,
        })
    }

    /// A message header was unreadable at `rest`: fail the request it names,
    /// if its seq can still be read; otherwise count the datagram.
    fn malformed<'d>(&mut self, rest: &[u8], e: DecodeError) -> Option<Event<'d>> {
        if let Ok(h) = Header::parse(rest)
            && (self.port == 0 || h.port == self.port)
            && let Some(i) = self.find(h.seq)
        {
            let cancelled = self.slots.slots()[i].cancelled;
            self.slots.swap_remove(i);
            self.last = 0;
            if cancelled {
                self.stats.discarded += 1;
                return None;
            }
            return Some(Event {
                id: RequestId(h.seq),
                kind: EventKind::Failed(Failure::Malformed(e)),
            });
        }
        self.stats.malformed += 1;
        None
    }
}

/// Iterator over the events of one datagram. See [`Exchange::handle`].
#[derive(Debug)]
pub struct Feed<'d, 'x, S: SlotStore> {
    msgs: Messages<'d>,
    datagram: &'d [u8],
    ex: &'x mut Exchange<S>,
}

impl<S: SlotStore> Feed<'_, '_, S> {
    /// Offset in the datagram of the next message to be processed.
    pub fn offset(&self) -> usize {
        self.msgs.offset()
    }
}

impl<'d, S: SlotStore> Iterator for Feed<'d, '_, S> {
    type Item = Event<'d>;

    #[inline]
    fn next(&mut self) -> Option<Event<'d>> {
        loop {
            let at = self.msgs.offset();
            match self.msgs.next()? {
                Ok(m) => {
                    if let Some(ev) = self.ex.classify(m) {
                        return Some(ev);
                    }
                }
                Err(e) => return self.ex.malformed(&self.datagram[at..], e),
            }
        }
    }
}

/// Builders of reply frames, for examples and tests.
#[doc(hidden)]
#[cfg(feature = "alloc")]
pub mod test_frames {
    use crate::wire::{
        HEADER_LEN, Header, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR,
    };

    /// An `NLMSG_DONE` for `seq` with `errno` (positive).
    pub fn done(seq: u32, errno: i32) -> alloc::vec::Vec<u8> {
        let mut v = Header {
            len: 20,
            kind: NLMSG_DONE,
            flags: NLM_F_MULTI,
            seq,
            port: 0,
        }
        .to_bytes()
        .to_vec();
        v.extend_from_slice(&(-errno).to_ne_bytes());
        v
    }

    /// An `NLMSG_ERROR` for `seq` with `errno` (0 = ack) and an optional
    /// extended-ack message.
    pub fn error(seq: u32, errno: i32, msg: Option<&str>) -> alloc::vec::Vec<u8> {
        let mut buf = alloc::vec![0u8; 256];
        let mut w = crate::wire::Writer::new(&mut buf);
        let flags = NLM_F_CAPPED | if msg.is_some() { NLM_F_ACK_TLVS } else { 0 };
        let m = w.begin_message(NLMSG_ERROR, flags, seq, 0);
        w.put(&(-errno).to_ne_bytes());
        w.put(
            &Header {
                len: HEADER_LEN as u32,
                kind: 16,
                flags: 5,
                seq,
                port: 0,
            }
            .to_bytes(),
        );
        if let Some(s) = msg {
            w.attr_str(1, s);
        }
        w.end_message(m);
        let n = w.finish().expect("fits");
        buf.truncate(n);
        buf
    }

    /// A dump item of type `kind` for `seq` with `payload`.
    pub fn item(seq: u32, kind: u16, flags: u16, payload: &[u8]) -> alloc::vec::Vec<u8> {
        let mut v = Header {
            len: (HEADER_LEN + payload.len()) as u32,
            kind,
            flags,
            seq,
            port: 0,
        }
        .to_bytes()
        .to_vec();
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::test_frames::*;
    use super::*;
    use crate::request::RawRequest;
    use crate::wire::{NLM_F_MULTI, NLMSG_DONE};
    use alloc::vec::Vec;

    fn dump() -> RawRequest<'static> {
        RawRequest {
            message_type: 18,
            flags: 0,
            dump: true,
            payload: &[0; 16],
        }
    }
    fn ack_req() -> RawRequest<'static> {
        RawRequest {
            message_type: 17,
            flags: 0,
            dump: false,
            payload: &[0; 16],
        }
    }

    fn start(ex: &mut Exchange, r: &RawRequest<'_>) -> RequestId {
        let mut b = [0u8; 64];
        ex.start(r, &mut b).unwrap().0
    }

    fn kinds(ex: &mut Exchange, d: &[u8]) -> Vec<(u32, &'static str)> {
        ex.handle(d)
            .map(|e| {
                (
                    e.id.seq(),
                    match e.kind {
                        EventKind::Item(_) => "item",
                        EventKind::Ack => "ack",
                        EventKind::Done { interrupted: false } => "done",
                        EventKind::Done { interrupted: true } => "done-intr",
                        EventKind::Failed(Failure::Kernel { .. }) => "err",
                        EventKind::Failed(Failure::Malformed(_)) => "malformed",
                    },
                )
            })
            .collect()
    }

    #[test]
    fn interleaved_requests_are_routed_by_seq() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &dump());
        let b = start(&mut ex, &ack_req());
        let c = start(&mut ex, &ack_req());
        assert_ne!(a, b);
        let d = [
            item(a.seq(), 16, NLM_F_MULTI, &[0; 16]),
            error(c.seq(), 19, Some("no device")),
            item(a.seq(), 16, NLM_F_MULTI, &[0; 16]),
            error(b.seq(), 0, None),
            done(a.seq(), 0),
        ]
        .concat();
        assert_eq!(
            kinds(&mut ex, &d),
            [
                (a.seq(), "item"),
                (c.seq(), "err"),
                (a.seq(), "item"),
                (b.seq(), "ack"),
                (a.seq(), "done")
            ]
        );
        assert_eq!(ex.in_flight(), 0);
    }

    #[test]
    fn error_carries_errno_and_ext_ack() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &ack_req());
        let f = error(a.seq(), 22, Some("bad attr"));
        let ev = ex.handle(&f).next().unwrap();
        match ev.kind {
            EventKind::Failed(Failure::Kernel { errno, ext_ack }) => {
                assert_eq!(errno, 22);
                assert_eq!(ext_ack.decode().message, Some("bad attr"));
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn cancelled_dump_is_discarded_not_misdelivered() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &dump());
        ex.cancel(a);
        let b = start(&mut ex, &ack_req());
        let d = [
            item(a.seq(), 16, NLM_F_MULTI, &[0; 16]),
            done(a.seq(), 0),
            error(b.seq(), 0, None),
        ]
        .concat();
        assert_eq!(kinds(&mut ex, &d), [(b.seq(), "ack")]);
        assert_eq!(ex.stats().discarded, 2);
        // a's seq is free now; a stray reply with it counts as unmatched.
        assert_eq!(kinds(&mut ex, &done(a.seq(), 0)), []);
        assert_eq!(ex.stats().unmatched, 1);
    }

    #[test]
    fn unknown_seq_and_foreign_port_are_counted() {
        let mut ex = Exchange::new();
        ex.set_port(4242);
        let a = start(&mut ex, &ack_req());
        let mut foreign = error(a.seq(), 0, None);
        foreign[12..16].copy_from_slice(&99u32.to_ne_bytes());
        let mut ours = error(a.seq(), 0, None);
        ours[12..16].copy_from_slice(&4242u32.to_ne_bytes());
        let d = [error(999, 0, None), foreign, ours].concat();
        assert_eq!(kinds(&mut ex, &d), [(a.seq(), "ack")]);
        assert_eq!(ex.stats().unmatched, 2);
    }

    #[test]
    fn dump_intr_is_reported_on_done() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &dump());
        let d = [
            item(a.seq(), 16, NLM_F_MULTI | NLM_F_DUMP_INTR, &[0; 16]),
            item(a.seq(), 16, NLM_F_MULTI, &[0; 16]),
        ]
        .concat();
        assert_eq!(kinds(&mut ex, &d).len(), 2);
        assert_eq!(kinds(&mut ex, &done(a.seq(), 0)), [(a.seq(), "done-intr")]);
    }

    #[test]
    fn done_with_errno_fails_the_dump() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &dump());
        assert_eq!(kinds(&mut ex, &done(a.seq(), 16)), [(a.seq(), "err")]);
    }

    #[test]
    fn malformed_reply_fails_its_request() {
        let mut ex = Exchange::new();
        let a = start(&mut ex, &ack_req());
        let b = start(&mut ex, &ack_req());
        // b's header claims more bytes than the datagram has.
        let mut bad = error(b.seq(), 0, None);
        bad[0..4].copy_from_slice(&500u32.to_ne_bytes());
        let d = [error(a.seq(), 0, None), bad].concat();
        assert_eq!(
            kinds(&mut ex, &d),
            [(a.seq(), "ack"), (b.seq(), "malformed")]
        );
        // An NLMSG_ERROR too short for nlmsgerr.
        let c = start(&mut ex, &ack_req());
        let short = item(c.seq(), NLMSG_ERROR, 0, &[0; 4]);
        assert_eq!(kinds(&mut ex, &short), [(c.seq(), "malformed")]);
        // A truncated DONE payload reads as success; garbage of 7 bytes is
        // counted, never a panic.
        assert_eq!(kinds(&mut ex, &[1, 2, 3, 4, 5, 6, 7]), []);
        assert_eq!(ex.stats().malformed, 1);
        let _ = NLMSG_DONE;
    }

    #[test]
    fn array_store_limits_in_flight() {
        let mut ex = Exchange::with_store(ArraySlots::<2>::default());
        let mut b = [0u8; 64];
        ex.start(&ack_req(), &mut b).unwrap();
        ex.start(&ack_req(), &mut b).unwrap();
        assert_eq!(
            ex.start(&ack_req(), &mut b),
            Err(StartError::TooManyInFlight)
        );
    }

    #[test]
    fn too_small_buffer_registers_nothing() {
        let mut ex = Exchange::new();
        let mut b = [0u8; 8];
        assert!(matches!(
            ex.start(&ack_req(), &mut b),
            Err(StartError::Encode(EncodeError::BufferTooSmall {
                needed: 32,
                ..
            }))
        ));
        assert_eq!(ex.in_flight(), 0);
    }

    #[test]
    fn seq_skips_zero_and_live_numbers_on_wrap() {
        let mut ex = Exchange::new();
        ex.next_seq = u32::MAX;
        let a = start(&mut ex, &ack_req());
        let b = start(&mut ex, &ack_req());
        assert_eq!(a.seq(), u32::MAX);
        assert_eq!(b.seq(), 1);
        ex.next_seq = u32::MAX;
        let c = start(&mut ex, &ack_req());
        assert_eq!(c.seq(), 2);
    }
}
