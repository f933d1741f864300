//! The multiplexer shared by every runtime (`alloc`).
//!
//! [`Mux`] owns one [`Exchange`], one receive buffer and one inbox per
//! in-flight request. A runtime drives it with a loop of the same shape on
//! every executor:
//!
//! ```text
//! loop {
//!     match mux.next(id) {
//!         Next::Reply(r) => return r,            // an item, or the end
//!         Next::Recv => match socket.try_recv(mux.recv_buffer()) {
//!             Ok(n) => mux.received(n),           // n may exceed the buffer (MSG_TRUNC)
//!             Err(WouldBlock) => { mux.park(id, waker); wait for readability }
//!             Err(ENOBUFS) => mux.overrun(),
//!             Err(e) => mux.recv_failed(e),
//!         },
//!     }
//! }
//! ```
//!
//! Whoever holds the `Mux` processes the current datagram in place: events of
//! its own request are returned as views into the receive buffer (a lone dump
//! is never copied); events of other requests are copied into their inboxes
//! and their wakers woken.
//!
//! **One dump at a time.** The kernel runs at most one dump per socket and
//! answers a second one with `EBUSY`. A dump started while another is still
//! running (even a cancelled one whose tail is still arriving) is queued and
//! handed out by [`Mux::take_transmit`] once the running dump has ended;
//! acknowledged requests are never held back.
//!
//! **Driver hand-over.** Async runtimes can register only one task for socket
//! readiness (tokio's `AsyncFd` and async-io keep the most recent waker). The
//! task that parked last is the *driver*. When the driver gets a reply or
//! finishes, the mux wakes another parked request so that someone is always
//! waiting on the socket while requests are outstanding.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;
use core::task::Waker;

use super::exchange::{Event, EventKind, Exchange, Failure, RequestId, Stats};
use super::notes::{Note, Notes};
use crate::errno::Errno;
use crate::error::{Error, KernelError};
pub use crate::fold::Reply;
use crate::genl::FamilyCache;
use crate::request::Request;
use crate::wire::{EncodeError, Header, Message, NLM_F_ACK, Writer};

/// Settings of a [`Mux`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MuxOptions {
    /// Size of the receive buffer. The kernel builds dump datagrams of at
    /// most 32 KiB; single replies can be larger (links with many VFs). The
    /// buffer is zero-allocated, so pages the kernel never writes are never
    /// made resident. A datagram larger than the buffer fails the request
    /// it belongs to with [`Error::Truncated`] and the buffer grows to fit.
    pub recv_buffer: usize,
    /// How many bytes of notification datagrams a subscribed mux keeps
    /// for a subscriber that does not keep up (see [`Mux::subscribe`]).
    /// Past it, datagrams are dropped and the subscriber gets an overrun,
    /// as it would from the kernel. Default 8 MiB.
    pub notification_queue: usize,
}

impl Default for MuxOptions {
    fn default() -> Self {
        MuxOptions {
            recv_buffer: 256 * 1024,
            notification_queue: 8 * 1024 * 1024,
        }
    }
}

/// What [`Mux::next`] needs or has.
#[derive(Debug)]
#[must_use]
pub enum Next<'a> {
    /// A reply for the request.
    Reply(Reply<'a>),
    /// Nothing pending for it: receive a datagram into
    /// [`Mux::recv_buffer`] and call [`Mux::received`].
    Recv,
}

#[derive(Debug)]
enum Queued {
    Item(Vec<u8>),
    Ack,
    Done { interrupted: bool },
    Failed(Error),
}

#[derive(Debug, Default)]
struct Inbox {
    /// Replies other tasks received, with the serial of their datagram.
    queue: VecDeque<(u64, Queued)>,
    waker: Option<Waker>,
    held: Vec<u8>,
}

/// The request multiplexer. See the [module documentation](self).
#[derive(Debug)]
pub struct Mux {
    ex: Exchange,
    rx: Vec<u8>,
    rx_len: usize,
    rx_pos: usize,
    tx: Vec<u8>,
    /// Length of the datagram in `tx` waiting to be sent ([`Mux::outgoing`]).
    tx_len: usize,
    families: FamilyCache,
    inboxes: BTreeMap<u32, Inbox>,
    driver: Option<u32>,
    /// The dump the kernel is running for this socket.
    dump_active: Option<RequestId>,
    /// Dumps waiting for it to end, with their encoded bytes.
    dump_queue: VecDeque<(RequestId, Vec<u8>)>,
    /// A queued dump whose turn has come, to be sent by the runtime.
    transmit: Option<(RequestId, Vec<u8>)>,
    /// Failures of live requests without an inbox: batch members, which
    /// are not acknowledged on success.
    loose: Vec<(u32, Error)>,
    /// The subscriber's notification datagrams, once subscribed.
    notes: Option<Notes>,
    notes_limit: usize,
    /// Serial of the datagram in the receive buffer: datagrams are numbered
    /// in the order they were received, replies and notifications alike.
    serial: u64,
    /// Serial of the datagram that carried the last reply handed out.
    reply_serial: u64,
}

/// The key of the subscriber's inbox: its waker, for the driver role.
/// Requests never get sequence number 0.
const SUBSCRIBER: u32 = 0;

/// The id a subscriber parks with ([`Mux::park`]) and that
/// [`Action::Receive`](super::task::Action::Receive) names for it.
pub const SUBSCRIPTION: RequestId = RequestId::SUBSCRIPTION;

/// What [`Mux::next_note`] has.
#[derive(Debug)]
#[must_use]
pub enum NextNote<'a> {
    /// A notification (or a gap in them).
    Note(Note<'a>),
    /// Nothing waits: receive a datagram and call [`Mux::received_from`].
    Recv,
}

fn failure_to_error(f: Failure<'_>) -> Error {
    match f {
        Failure::Kernel { errno, ext_ack } => KernelError::new(errno, &ext_ack.decode()).into(),
        Failure::Malformed(e) => Error::Decode {
            op: alloc::string::String::new(),
            source: e,
        },
    }
}

fn wake(inbox: &mut Inbox) {
    if let Some(w) = inbox.waker.take() {
        w.wake();
    }
}

/// Queues an event of another request in its inbox and wakes it; keeps the
/// failure of a request without inbox (a batch member) in `loose`.
fn deliver_elsewhere(
    inboxes: &mut BTreeMap<u32, Inbox>,
    loose: &mut Vec<(u32, Error)>,
    ev: Event<'_>,
    serial: u64,
) {
    if let Some(other) = inboxes.get_mut(&ev.id.seq()) {
        other.queue.push_back((
            serial,
            match ev.kind {
                EventKind::Item(m) => Queued::Item(m.as_bytes().to_vec()),
                EventKind::Ack => Queued::Ack,
                EventKind::Done { interrupted } => Queued::Done { interrupted },
                EventKind::Failed(f) => Queued::Failed(failure_to_error(f)),
            },
        ));
        wake(other);
    } else if let EventKind::Failed(f) = ev.kind {
        loose.push((ev.id.seq(), failure_to_error(f)));
    }
}

/// If `from` is the driver, hands the driver role to another parked request.
#[inline]
fn pass_baton(inboxes: &mut BTreeMap<u32, Inbox>, driver: &mut Option<u32>, from: u32) {
    // Checked inline: on the path of every dump item, and almost always
    // nothing to do (a request parked as driver gives the role up on its
    // first reply).
    if *driver == Some(from) {
        hand_over(inboxes, driver, from);
    }
}

#[cold]
fn hand_over(inboxes: &mut BTreeMap<u32, Inbox>, driver: &mut Option<u32>, from: u32) {
    *driver = None;
    for (seq, inbox) in inboxes.iter_mut() {
        if *seq != from
            && let Some(w) = inbox.waker.take()
        {
            *driver = Some(*seq);
            w.wake();
            return;
        }
    }
}

impl Default for Mux {
    fn default() -> Self {
        Mux::new(MuxOptions::default())
    }
}

impl Mux {
    /// A multiplexer with the given options.
    pub fn new(opts: MuxOptions) -> Mux {
        Mux {
            ex: Exchange::new(),
            rx: vec![0u8; opts.recv_buffer.max(4096)],
            rx_len: 0,
            rx_pos: 0,
            tx: vec![0u8; 4096],
            tx_len: 0,
            families: FamilyCache::new(),
            inboxes: BTreeMap::new(),
            driver: None,
            dump_active: None,
            dump_queue: VecDeque::new(),
            transmit: None,
            loose: Vec::new(),
            notes: None,
            notes_limit: opts.notification_queue,
            serial: 0,
            reply_serial: 0,
        }
    }

    /// Sets the socket's port id (from `getsockname`).
    pub fn set_port(&mut self, port: u32) {
        self.ex.set_port(port);
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }

    /// Requests with an inbox (started and not yet finished by the caller).
    pub fn pending(&self) -> usize {
        self.inboxes.len() - usize::from(self.inboxes.contains_key(&SUBSCRIBER))
    }

    /// Size of the receive buffer.
    pub fn recv_buffer_len(&self) -> usize {
        self.rx.len()
    }

    /// Starts a request: registers it and returns the bytes to send now —
    /// empty when it is a dump queued behind a running one (see
    /// [`Mux::take_transmit`]). If sending fails, call [`Mux::abort`].
    pub fn start<R: Request + ?Sized>(&mut self, req: &R) -> Result<(RequestId, &[u8]), Error> {
        let (id, send) = self.begin(req)?;
        Ok((id, if send { self.outgoing() } else { &[] }))
    }

    /// Like [`Mux::start`], but leaves the bytes in [`Mux::outgoing`]:
    /// `true` when they are to be sent now, `false` for a dump queued
    /// behind a running one.
    pub fn begin<R: Request + ?Sized>(&mut self, req: &R) -> Result<(RequestId, bool), Error> {
        self.tx_len = 0;
        loop {
            let mut w = Writer::new(&mut self.tx);
            let id = self.ex.start_into(req, &mut w).map_err(|e| match e {
                super::StartError::Encode(source) => Error::Encode {
                    op: alloc::string::String::new(),
                    source,
                },
                super::StartError::TooManyInFlight => Error::Io {
                    op: alloc::string::String::new(),
                    errno: Errno::EBUSY,
                },
            })?;
            match w.finish() {
                Ok(n) => {
                    self.inboxes.insert(id.seq(), Inbox::default());
                    if req.is_dump() {
                        self.refresh_dump();
                        if self.dump_active.is_some() || self.transmit.is_some() {
                            self.dump_queue.push_back((id, self.tx[..n].to_vec()));
                            return Ok((id, false));
                        }
                        self.dump_active = Some(id);
                    }
                    self.tx_len = n;
                    return Ok((id, true));
                }
                Err(EncodeError::BufferTooSmall { needed, .. }) => {
                    self.ex.forget(id);
                    self.tx.resize(needed, 0);
                }
                Err(source) => {
                    self.ex.forget(id);
                    return Err(Error::Encode {
                        op: alloc::string::String::new(),
                        source,
                    });
                }
            }
        }
    }

    /// The datagram the last [`Mux::begin`] or [`Mux::start_silent`]
    /// encoded, to be sent now.
    pub fn outgoing(&self) -> &[u8] {
        &self.tx[..self.tx_len]
    }

    /// The generic netlink families this connection has resolved.
    pub fn families(&mut self) -> &mut FamilyCache {
        &mut self.families
    }

    /// Clears the running dump once its slot is gone (ended, even silently
    /// as a cancelled one) and promotes the next queued dump.
    fn refresh_dump(&mut self) {
        if let Some(a) = self.dump_active
            && !self.ex.contains(a)
        {
            self.dump_active = None;
        }
        if self.dump_active.is_none()
            && self.transmit.is_none()
            && let Some((id, bytes)) = self.dump_queue.pop_front()
        {
            self.dump_active = Some(id);
            self.transmit = Some((id, bytes));
        }
    }

    /// A queued dump whose turn has come: the runtime sends these bytes (and
    /// calls [`Mux::abort`] for it if sending fails). Check after every
    /// [`Mux::next`].
    #[inline]
    pub fn take_transmit(&mut self) -> Option<(RequestId, Vec<u8>)> {
        // Checked inline: runtimes ask after every step, and almost always
        // no dump is queued (a running dump's end is noticed by `begin`).
        if self.dump_queue.is_empty() && self.transmit.is_none() {
            return None;
        }
        self.refresh_dump();
        self.transmit.take()
    }

    /// A queued dump's bytes could not be sent: it fails with `errno`.
    pub fn fail_unsent(&mut self, id: RequestId, errno: Errno) {
        if self.dump_active == Some(id) {
            self.dump_active = None;
        }
        self.ex.forget(id);
        if let Some(inbox) = self.inboxes.get_mut(&id.seq()) {
            inbox.queue.push_back((
                self.serial,
                Queued::Failed(Error::Io {
                    op: alloc::string::String::from("send"),
                    errno,
                }),
            ));
            wake(inbox);
        }
    }

    /// Forgets a request whose bytes were never sent.
    pub fn abort(&mut self, id: RequestId) {
        self.dump_queue.retain(|(q, _)| *q != id);
        if self.dump_active == Some(id) {
            self.dump_active = None;
        }
        self.ex.forget(id);
        self.inboxes.remove(&id.seq());
        pass_baton(&mut self.inboxes, &mut self.driver, id.seq());
    }

    /// The caller is done with `id` (it ended, or it was dropped, timed out
    /// or abandoned half-way): any replies still to come are discarded, and
    /// the driver role moves on if `id` held it.
    pub fn finish(&mut self, id: RequestId) {
        if let Some(i) = self.dump_queue.iter().position(|(q, _)| *q == id) {
            // Never sent: nothing will arrive for it.
            self.dump_queue.remove(i);
            self.ex.forget(id);
        }
        if self.inboxes.remove(&id.seq()).is_some() {
            self.ex.cancel(id);
        }
        pass_baton(&mut self.inboxes, &mut self.driver, id.seq());
    }

    /// Records that `id` is about to wait for the socket to become readable:
    /// it becomes the driver, and `waker` is woken when another task
    /// delivers a reply to it or hands it the driver role.
    pub fn park(&mut self, id: RequestId, waker: &Waker) {
        if let Some(inbox) = self.inboxes.get_mut(&id.seq()) {
            match &mut inbox.waker {
                Some(w) if w.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
            self.driver = Some(id.seq());
        }
    }

    /// The next reply for `id`, or [`Next::Recv`] when a datagram must be
    /// received first.
    pub fn next(&mut self, id: RequestId) -> Next<'_> {
        let Mux {
            ex,
            rx,
            rx_len,
            rx_pos,
            inboxes,
            driver,
            loose,
            serial,
            reply_serial,
            ..
        } = self;
        let seq = id.seq();
        let Some(inbox) = inboxes.get_mut(&seq) else {
            return Next::Reply(Reply::Failed(Error::NoReply {
                op: alloc::string::String::new(),
            }));
        };
        if let Some((s, q)) = inbox.queue.pop_front() {
            *reply_serial = s;
            let reply = match q {
                Queued::Item(bytes) => {
                    inbox.held = bytes;
                    pass_baton(inboxes, driver, seq);
                    let held = &inboxes.get(&seq).expect("inbox present").held;
                    return Next::Reply(match Message::parse(held) {
                        Ok(m) => Reply::Item(m),
                        Err(source) => Reply::Failed(Error::Decode {
                            op: alloc::string::String::new(),
                            source,
                        }),
                    });
                }
                Queued::Ack => Reply::Ack,
                Queued::Done { interrupted } => Reply::Done { interrupted },
                Queued::Failed(e) => Reply::Failed(e),
            };
            inboxes.remove(&seq);
            pass_baton(inboxes, driver, seq);
            return Next::Reply(reply);
        }
        let data: &[u8] = &rx[..*rx_len];
        while *rx_pos < *rx_len {
            let mut feed = ex.handle(&data[*rx_pos..]);
            let Some(ev) = feed.next() else {
                *rx_pos = *rx_len;
                break;
            };
            *rx_pos += feed.offset();
            if ev.id == id {
                *reply_serial = *serial;
                let reply = match ev.kind {
                    EventKind::Item(m) => {
                        pass_baton(inboxes, driver, seq);
                        return Next::Reply(Reply::Item(m));
                    }
                    EventKind::Ack => Reply::Ack,
                    EventKind::Done { interrupted } => Reply::Done { interrupted },
                    EventKind::Failed(f) => Reply::Failed(failure_to_error(f)),
                };
                inboxes.remove(&seq);
                pass_baton(inboxes, driver, seq);
                return Next::Reply(reply);
            }
            deliver_elsewhere(inboxes, loose, ev, *serial);
        }
        Next::Recv
    }

    /// Whether replies for `id` wait in its inbox (queued by another task
    /// from datagrams it received): [`Mux::drain`] hands those out first.
    pub fn has_queued(&self, id: RequestId) -> bool {
        self.inboxes
            .get(&id.seq())
            .is_some_and(|i| !i.queue.is_empty())
    }

    /// Runs `f` on every reply for `id` that is available without receiving
    /// — what repeated [`Mux::next`] calls would return until
    /// [`Next::Recv`] — and stops early when `more` says no of what `f`
    /// returned, or after a terminal reply. Returns that last result;
    /// `None` means a datagram must be received first (as `Next::Recv`).
    ///
    /// This is the hot loop of a dump: the rest of the current datagram is
    /// walked in one pass, so each reply costs one classification and one
    /// call of `f`.
    pub fn drain<T>(
        &mut self,
        id: RequestId,
        f: &mut impl FnMut(Reply<'_>) -> T,
        more: impl Fn(&T) -> bool,
    ) -> Option<T> {
        let seq = id.seq();
        // Replies another task queued for `id` (and the answer for an
        // unknown `id`) come first, the ordinary way.
        while self.inboxes.get(&seq).is_none_or(|i| !i.queue.is_empty()) {
            let Next::Reply(r) = self.next(id) else {
                return None;
            };
            let terminal = !matches!(r, Reply::Item(_));
            let t = f(r);
            if terminal || !more(&t) {
                return Some(t);
            }
        }
        let Mux {
            ex,
            rx,
            rx_len,
            rx_pos,
            inboxes,
            driver,
            loose,
            serial,
            reply_serial,
            ..
        } = self;
        *reply_serial = *serial;
        let start = *rx_pos;
        let mut feed = ex.handle(&rx[start..*rx_len]);
        while let Some(ev) = feed.next() {
            if ev.id != id {
                deliver_elsewhere(inboxes, loose, ev, *serial);
                continue;
            }
            let reply = match ev.kind {
                EventKind::Item(m) => {
                    pass_baton(inboxes, driver, seq);
                    let t = f(Reply::Item(m));
                    if more(&t) {
                        continue;
                    }
                    *rx_pos = start + feed.offset();
                    return Some(t);
                }
                EventKind::Ack => Reply::Ack,
                EventKind::Done { interrupted } => Reply::Done { interrupted },
                EventKind::Failed(e) => Reply::Failed(failure_to_error(e)),
            };
            *rx_pos = start + feed.offset();
            inboxes.remove(&seq);
            pass_baton(inboxes, driver, seq);
            return Some(f(reply));
        }
        *rx_pos = *rx_len;
        None
    }

    /// Starts pre-encoded messages as one datagram (a batch chunk): each
    /// gets a sequence number (appended to `seqs`, in order) and the port.
    /// All but the last are *silent*: their `NLM_F_ACK` is cleared, so the
    /// kernel answers them only on failure, which is kept until
    /// [`Mux::settle_silent`]. The last is acknowledged and gets an inbox:
    /// it is the chunk's *barrier*, driven like any request; the kernel
    /// handles a datagram's messages in order, so its terminal reply comes
    /// after every failure of the others. Returns the barrier and the bytes
    /// to send ([`Mux::outgoing`]). If sending fails, call
    /// [`Mux::abort_silent`].
    pub fn start_silent<'m>(
        &mut self,
        msgs: impl Iterator<Item = &'m [u8]> + Clone,
        seqs: &mut Vec<u32>,
    ) -> Result<RequestId, Error> {
        self.tx_len = 0;
        let len: usize = msgs.clone().map(<[u8]>::len).sum();
        let count = msgs.clone().count();
        if count == 0 {
            return Err(Error::NoReply {
                op: alloc::string::String::new(),
            });
        }
        if self.tx.len() < len {
            self.tx.resize(len, 0);
        }
        let port = self.ex.port();
        let first = seqs.len();
        let mut at = 0;
        for (i, m) in msgs.enumerate() {
            let Ok(id) = self.ex.register(false) else {
                for &seq in &seqs[first..] {
                    self.ex.forget(RequestId::from_seq(seq));
                }
                seqs.truncate(first);
                return Err(Error::Io {
                    op: alloc::string::String::new(),
                    errno: Errno::EBUSY,
                });
            };
            seqs.push(id.seq());
            let out = &mut self.tx[at..at + m.len()];
            out.copy_from_slice(m);
            let clear = if i + 1 < count { NLM_F_ACK } else { 0 };
            Header::restamp(out, id.seq(), port, clear);
            at += m.len();
        }
        let barrier = RequestId::from_seq(seqs[seqs.len() - 1]);
        self.inboxes.insert(barrier.seq(), Inbox::default());
        self.tx_len = len;
        Ok(barrier)
    }

    /// After a barrier's terminal reply: hands `failed` each failure of a
    /// silent request that `member` selects, and forgets the members that
    /// succeeded silently.
    pub fn settle_silent(
        &mut self,
        member: impl Fn(u32) -> bool,
        mut failed: impl FnMut(u32, Error),
    ) {
        let mut i = 0;
        while i < self.loose.len() {
            if member(self.loose[i].0) {
                let (seq, e) = self.loose.swap_remove(i);
                failed(seq, e);
            } else {
                i += 1;
            }
        }
        self.ex.forget_where(member);
    }

    /// A chunk that was not sent, or whose runner gave up on it: forgets
    /// its silent members and its barrier (late replies count as
    /// unmatched).
    pub fn abort_silent(&mut self, barrier: RequestId, member: impl Fn(u32) -> bool) {
        self.ex.forget_where(&member);
        self.loose.retain(|(s, _)| !member(*s));
        self.inboxes.remove(&barrier.seq());
        pass_baton(&mut self.inboxes, &mut self.driver, barrier.seq());
    }

    /// Makes this mux keep the notification datagrams it receives for a
    /// subscriber, who takes them with [`Mux::next_note`] (the socket must
    /// also join the groups). Requests go on as before on the same socket.
    pub fn subscribe(&mut self) {
        if self.notes.is_none() {
            self.notes = Some(Notes::new(self.notes_limit));
            self.inboxes.insert(SUBSCRIBER, Inbox::default());
        }
    }

    /// Whether [`Mux::subscribe`] was called.
    pub fn is_subscribed(&self) -> bool {
        self.notes.is_some()
    }

    /// The serial of the datagram that carried the last reply
    /// [`Mux::next`] or [`Mux::drain`] handed out. Serials number every
    /// datagram received, notifications included, in arrival order: a
    /// notification with a smaller serial than a dump reply's was queued
    /// on the socket before that reply.
    pub fn reply_serial(&self) -> u64 {
        self.reply_serial
    }

    /// The serial of the next waiting notification (or gap), if any.
    pub fn next_note_serial(&self) -> Option<u64> {
        self.notes.as_ref().and_then(Notes::next_serial)
    }

    /// The next notification for the subscriber, in arrival order, or
    /// [`NextNote::Recv`] when a datagram must be received first. Replies
    /// to requests still in the receive buffer are handed to their inboxes
    /// first, so the buffer is free for the next datagram.
    pub fn next_note(&mut self) -> NextNote<'_> {
        let Mux {
            ex,
            rx,
            rx_len,
            rx_pos,
            inboxes,
            driver,
            loose,
            serial,
            notes,
            ..
        } = self;
        let Some(notes) = notes else {
            return NextNote::Recv;
        };
        if !notes.is_empty() {
            pass_baton(inboxes, driver, SUBSCRIBER);
            if let Some(n) = notes.pop() {
                return NextNote::Note(n);
            }
        }
        while *rx_pos < *rx_len {
            let mut feed = ex.handle(&rx[*rx_pos..*rx_len]);
            let Some(ev) = feed.next() else {
                *rx_pos = *rx_len;
                break;
            };
            *rx_pos += feed.offset();
            deliver_elsewhere(inboxes, loose, ev, *serial);
        }
        NextNote::Recv
    }

    /// The buffer to receive the next datagram into. Only call after
    /// [`Mux::next`] returned [`Next::Recv`].
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        &mut self.rx
    }

    /// Records a received datagram of `len` bytes — the real datagram size
    /// as `recv(…, MSG_TRUNC)` returns it, which may exceed the buffer.
    pub fn received(&mut self, len: usize) {
        self.received_from(len, 0);
    }

    /// Like [`Mux::received`], with the multicast group the datagram was
    /// sent to (the `nl_groups` of its source address; 0 for a reply). A
    /// notification datagram goes, whole, to the subscriber's queue (see
    /// [`Mux::subscribe`]); without a subscriber it is counted as
    /// unmatched.
    ///
    /// Telling notifications apart by their group, not by their sequence
    /// number, matters: the kernel stamps the notification of a change with
    /// the port and sequence number of the request that made it, so a
    /// connection's own changes would otherwise look like replies.
    pub fn received_from(&mut self, len: usize, group: u32) {
        self.serial += 1;
        if group != 0 {
            self.rx_len = 0;
            self.rx_pos = 0;
            let cap = self.rx.len();
            match &mut self.notes {
                Some(notes) => {
                    if len <= cap {
                        notes.push(self.serial, &self.rx[..len]);
                    } else {
                        notes.overrun(self.serial);
                    }
                    if let Some(inbox) = self.inboxes.get_mut(&SUBSCRIBER) {
                        wake(inbox);
                    }
                }
                None => self.ex.count_unmatched(),
            }
            if len > cap {
                self.rx = vec![0u8; len.next_power_of_two()];
            }
            return;
        }
        let cap = self.rx.len();
        if len <= cap {
            self.rx_len = len;
            self.rx_pos = 0;
            return;
        }
        // Truncated: fail the request the datagram belongs to, grow.
        self.rx_len = 0;
        self.rx_pos = 0;
        if let Ok(h) = Header::parse(&self.rx) {
            self.fail_seq(
                h,
                Error::Truncated {
                    op: alloc::string::String::new(),
                    size: len,
                    buffer: cap,
                },
            );
        }
        let new = len.next_power_of_two();
        self.rx = vec![0u8; new];
    }

    fn fail_seq(&mut self, h: Header, e: Error) {
        let port = self.ex.port();
        if port != 0 && h.port != port {
            return;
        }
        if let Some(inbox) = self.inboxes.get_mut(&h.seq) {
            let id = RequestId::from_seq(h.seq);
            if self.ex.is_live(id) {
                self.ex.cancel(id);
                inbox.queue.push_back((self.serial, Queued::Failed(e)));
                wake(inbox);
            }
        }
    }

    /// The socket reported `ENOBUFS`: replies may have been lost, so every
    /// live request fails with [`Error::Overrun`] (late replies to them are
    /// discarded).
    pub fn overrun(&mut self) {
        self.fail_all(|| Error::Overrun {
            op: alloc::string::String::new(),
        });
        // The gap is between the last datagram received and the next.
        if let Some(notes) = &mut self.notes {
            notes.overrun(self.serial + 1);
            if let Some(inbox) = self.inboxes.get_mut(&SUBSCRIBER) {
                wake(inbox);
            }
        }
    }

    /// Receiving failed with `errno` (other than `EAGAIN`/`ENOBUFS`): every
    /// live request fails with it.
    pub fn recv_failed(&mut self, errno: Errno) {
        self.fail_all(|| Error::Io {
            op: alloc::string::String::new(),
            errno,
        });
    }

    fn fail_all(&mut self, mk: impl Fn() -> Error) {
        let inboxes = &mut self.inboxes;
        let serial = self.serial;
        self.ex.cancel_all(|id| {
            if let Some(inbox) = inboxes.get_mut(&id.seq()) {
                inbox.queue.push_back((serial, Queued::Failed(mk())));
                wake(inbox);
            }
        });
    }
}

/// Helpers for the machines' tests: a request, and a datagram "received".
#[cfg(test)]
pub(crate) mod test_support {
    use super::Mux;
    use crate::request::RawRequest;

    /// A request of type 18 with a 16-byte payload, a dump or not.
    pub(crate) fn req(dump: bool) -> RawRequest<'static> {
        RawRequest {
            message_type: 18,
            flags: 0,
            dump,
            payload: &[0; 16],
        }
    }

    /// `d` arrives in the mux's receive buffer.
    pub(crate) fn feed(m: &mut Mux, d: &[u8]) {
        let b = m.recv_buffer();
        b[..d.len()].copy_from_slice(d);
        m.received(d.len());
    }
}

#[cfg(test)]
mod tests {
    use super::super::exchange::test_frames::*;
    use super::test_support::{feed, req};
    use super::*;
    use crate::wire::NLM_F_MULTI;
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use core::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn item_seq(r: Next<'_>) -> u32 {
        match r {
            Next::Reply(Reply::Item(m)) => m.seq(),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn own_items_in_place_others_to_inbox() {
        let mut m = Mux::default();
        let (a, _) = m.start(&req(true)).unwrap();
        let (b, _) = m.start(&req(false)).unwrap();
        let cnt = Arc::new(Count(AtomicUsize::new(0)));
        let wb = Waker::from(cnt.clone());
        m.park(b, &wb);
        assert!(matches!(m.next(a), Next::Recv));
        let d = [
            item(a.seq(), 16, NLM_F_MULTI, &[1; 16]),
            error(b.seq(), 0, None),
            item(a.seq(), 16, NLM_F_MULTI, &[2; 16]),
            done(a.seq(), 0),
        ]
        .concat();
        feed(&mut m, &d);
        assert_eq!(item_seq(m.next(a)), a.seq());
        // Processing a's second item delivers b's ack to b's inbox and wakes b.
        assert_eq!(item_seq(m.next(a)), a.seq());
        assert!(cnt.0.load(Ordering::SeqCst) >= 1);
        assert!(matches!(m.next(b), Next::Reply(Reply::Ack)));
        assert!(matches!(
            m.next(a),
            Next::Reply(Reply::Done { interrupted: false })
        ));
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn inbox_items_are_returned_in_order() {
        let mut m = Mux::default();
        let (a, _) = m.start(&req(true)).unwrap();
        let (b, _) = m.start(&req(false)).unwrap();
        let d = [
            item(a.seq(), 16, NLM_F_MULTI, &[1; 16]),
            item(a.seq(), 16, NLM_F_MULTI, &[2; 16]),
            done(a.seq(), 0),
            error(b.seq(), 22, Some("nope")),
        ]
        .concat();
        feed(&mut m, &d);
        match m.next(b) {
            Next::Reply(Reply::Failed(e)) => {
                assert_eq!(e.errno(), Some(Errno::EINVAL));
                assert_eq!(e.ext_ack_message(), Some("nope"));
            }
            r => panic!("{r:?}"),
        }
        for want in [1u8, 2] {
            match m.next(a) {
                Next::Reply(Reply::Item(msg)) => assert_eq!(msg.payload()[0], want),
                r => panic!("{r:?}"),
            }
        }
        assert!(matches!(m.next(a), Next::Reply(Reply::Done { .. })));
    }

    #[test]
    fn dropped_dump_does_not_disturb_next_request() {
        let mut m = Mux::default();
        let (a, _) = m.start(&req(true)).unwrap();
        feed(&mut m, &item(a.seq(), 16, NLM_F_MULTI, &[1; 16]));
        assert_eq!(item_seq(m.next(a)), a.seq());
        m.finish(a); // dropped half-way
        let (b, _) = m.start(&req(false)).unwrap();
        assert!(matches!(m.next(b), Next::Recv));
        let d = [
            item(a.seq(), 16, NLM_F_MULTI, &[1; 16]),
            done(a.seq(), 0),
            error(b.seq(), 0, None),
        ]
        .concat();
        feed(&mut m, &d);
        assert!(matches!(m.next(b), Next::Reply(Reply::Ack)));
        assert_eq!(m.stats().discarded, 2);
    }

    #[test]
    fn truncated_datagram_fails_its_request_and_grows_buffer() {
        let mut m = Mux::new(MuxOptions {
            recv_buffer: 4096,
            ..MuxOptions::default()
        });
        let (a, _) = m.start(&req(true)).unwrap();
        let d = item(a.seq(), 16, NLM_F_MULTI, &[1; 16]);
        let b = m.recv_buffer();
        b[..d.len()].copy_from_slice(&d);
        m.received(10_000);
        match m.next(a) {
            Next::Reply(Reply::Failed(Error::Truncated { size, buffer, .. })) => {
                assert_eq!((size, buffer), (10_000, 4096));
            }
            r => panic!("{r:?}"),
        }
        assert_eq!(m.recv_buffer_len(), 16384);
    }

    #[test]
    fn overrun_fails_every_live_request() {
        let mut m = Mux::default();
        let (a, _) = m.start(&req(true)).unwrap();
        let (b, _) = m.start(&req(false)).unwrap();
        m.overrun();
        for id in [a, b] {
            assert!(matches!(
                m.next(id),
                Next::Reply(Reply::Failed(Error::Overrun { .. }))
            ));
        }
        // Late replies are discarded.
        let (c, _) = m.start(&req(false)).unwrap();
        feed(
            &mut m,
            &[done(a.seq(), 0), error(c.seq(), 0, None)].concat(),
        );
        assert!(matches!(m.next(c), Next::Reply(Reply::Ack)));
    }

    #[test]
    fn driver_role_is_handed_over() {
        let mut m = Mux::default();
        let (a, _) = m.start(&req(false)).unwrap();
        let (b, _) = m.start(&req(false)).unwrap();
        let ca = Arc::new(Count(AtomicUsize::new(0)));
        let cb = Arc::new(Count(AtomicUsize::new(0)));
        m.park(b, &Waker::from(cb.clone()));
        m.park(a, &Waker::from(ca.clone())); // a is the driver now
        feed(&mut m, &error(a.seq(), 0, None));
        assert!(matches!(m.next(a), Next::Reply(Reply::Ack)));
        // a got its reply: b must be woken to take over the socket.
        assert_eq!(cb.0.load(Ordering::SeqCst), 1);
        m.finish(a);
        assert_eq!(ca.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn second_dump_waits_for_the_first_to_end() {
        let mut m = Mux::default();
        let (a, sent_a) = m.start(&req(true)).unwrap();
        assert!(!sent_a.is_empty());
        let (b, sent_b) = m.start(&req(true)).unwrap();
        assert!(sent_b.is_empty(), "the kernel would answer EBUSY");
        let (c, sent_c) = m.start(&req(false)).unwrap();
        assert!(
            !sent_c.is_empty(),
            "acknowledged requests are not held back"
        );
        assert!(m.take_transmit().is_none());
        m.finish(a); // dropped, but its tail is still to come
        assert!(m.take_transmit().is_none());
        feed(
            &mut m,
            &[item(a.seq(), 16, NLM_F_MULTI, &[0; 16]), done(a.seq(), 0)].concat(),
        );
        assert!(matches!(m.next(b), Next::Recv));
        let (id, bytes) = m.take_transmit().expect("b is due now");
        assert_eq!(id, b);
        assert_eq!(bytes.len(), 32);
        // A queued dump dropped before its turn is simply forgotten.
        let (d, _) = m.start(&req(true)).unwrap();
        m.finish(d);
        feed(&mut m, &done(b.seq(), 0));
        assert!(matches!(m.next(b), Next::Reply(Reply::Done { .. })));
        assert!(m.take_transmit().is_none());
        let _ = c;
    }

    /// `d` arrives as a notification datagram of `group`.
    fn notify(m: &mut Mux, d: &[u8], group: u32) {
        let b = m.recv_buffer();
        b[..d.len()].copy_from_slice(d);
        m.received_from(d.len(), group);
    }

    fn note_kind(n: NextNote<'_>) -> (u16, u64) {
        match n {
            NextNote::Note(Note::Message(m, s)) => (m.kind(), s),
            n => panic!("{n:?}"),
        }
    }

    #[test]
    fn notifications_go_to_the_subscriber_even_with_a_requests_seq() {
        let mut m = Mux::default();
        m.subscribe();
        assert!(m.is_subscribed());
        let (id, _) = m.start(&req(false)).unwrap();
        // The kernel stamps the notification of our own change with our
        // request's seq: it is still a notification, by its group.
        notify(&mut m, &item(id.seq(), 20, 0, &[0; 8]), 5);
        feed(&mut m, &error(id.seq(), 0, None));
        assert!(matches!(m.next(id), Next::Reply(Reply::Ack)));
        assert_eq!(m.reply_serial(), 2);
        assert_eq!(m.next_note_serial(), Some(1));
        assert_eq!(note_kind(m.next_note()), (20, 1));
        assert!(matches!(m.next_note(), NextNote::Recv));
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn replies_received_by_the_subscriber_reach_their_request_with_serials() {
        let mut m = Mux::default();
        m.subscribe();
        let (id, _) = m.start(&req(true)).unwrap();
        notify(&mut m, &item(0, 24, 0, &[0; 8]), 7);
        assert_eq!(note_kind(m.next_note()), (24, 1));
        // The subscriber receives a dump reply: it must not be lost.
        feed(&mut m, &item(id.seq(), 16, NLM_F_MULTI, &[0; 16]));
        assert!(matches!(m.next_note(), NextNote::Recv));
        notify(&mut m, &item(0, 25, 0, &[0; 8]), 7);
        feed(&mut m, &done(id.seq(), 0));
        assert!(matches!(m.next_note(), NextNote::Note(_)));
        assert!(matches!(m.next_note(), NextNote::Recv));
        assert_eq!(item_seq(m.next(id)), id.seq());
        assert_eq!(m.reply_serial(), 2);
        assert!(matches!(
            m.next(id),
            Next::Reply(Reply::Done { interrupted: false })
        ));
        assert_eq!(m.reply_serial(), 4);
    }

    #[test]
    fn overruns_reach_the_subscriber_in_place_and_unsubscribed_notifications_are_unmatched() {
        let mut m = Mux::default();
        notify(&mut m, &item(0, 24, 0, &[0; 8]), 7);
        assert_eq!(m.stats().unmatched, 1);
        assert!(matches!(m.next_note(), NextNote::Recv));
        m.subscribe();
        notify(&mut m, &item(0, 24, 0, &[0; 8]), 7);
        m.overrun();
        m.overrun();
        notify(&mut m, &item(0, 25, 0, &[0; 8]), 7);
        assert_eq!(note_kind(m.next_note()), (24, 2));
        assert!(matches!(m.next_note(), NextNote::Note(Note::Overrun(3))));
        assert_eq!(note_kind(m.next_note()), (25, 3));
        assert!(matches!(m.next_note(), NextNote::Recv));
    }

    #[test]
    fn a_parked_subscriber_is_woken_and_can_take_the_driver_role() {
        let mut m = Mux::default();
        m.subscribe();
        let sub = Arc::new(Count(AtomicUsize::new(0)));
        let w: Waker = sub.clone().into();
        assert!(matches!(m.next_note(), NextNote::Recv));
        m.park(SUBSCRIPTION, &w);
        // A request parks after it: it drives; when it ends, the socket
        // goes back to the subscriber.
        let (id, _) = m.start(&req(false)).unwrap();
        let rq = Arc::new(Count(AtomicUsize::new(0)));
        m.park(id, &rq.clone().into());
        feed(&mut m, &error(id.seq(), 0, None));
        assert!(matches!(m.next(id), Next::Reply(Reply::Ack)));
        assert_eq!(sub.0.load(Ordering::SeqCst), 1);
        // A notification another task receives wakes it too.
        m.park(SUBSCRIPTION, &w);
        notify(&mut m, &item(0, 24, 0, &[0; 8]), 7);
        assert_eq!(sub.0.load(Ordering::SeqCst), 2);
    }
}
