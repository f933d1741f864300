//! Tasks: what a runtime drives over the [`Mux`] (`alloc`).
//!
//! A [`Task`] is everything a connection does between two system calls,
//! written once: running an [`Op`] to its end ([`Exec`]), streaming a
//! dump item by item ([`Dump`]), running a batch ([`BatchTask`]), running
//! a generic netlink operation with the connection's family cache
//! ([`Genl`]), looking a family up ([`LookupFamily`]) — each with its idle
//! deadline ([`Idle`]). A runtime only moves datagrams and waits, with one
//! loop of the same shape for every task, blocking or async:
//!
//! ```text
//! loop {
//!     match task.poll(&mut mux) {
//!         Action::Done(out) => return out,
//!         Action::Send => { let r = socket.send(mux.outgoing()); task.sent(&mut mux, r) }
//!         Action::Receive(id) => match socket.recv(mux.recv_buffer()) {
//!             Ok(n) => mux.received(n),              // n may exceed the buffer (MSG_TRUNC)
//!             Err(WouldBlock) => match task.wait(&mut mux, now) {
//!                 Some(deadline) => { mux.park(id, waker); wait until readable or deadline }
//!                 None => {}                          // timed out: the next poll says so
//!             },
//!             Err(ENOBUFS) => mux.overrun(),
//!             Err(e) => mux.recv_failed(e),
//!         },
//!     }
//!     // and whenever the mux has a queued dump due: send mux.take_transmit()
//! }
//! ```
//!
//! A task given up half-way (a dropped future or iterator) is
//! [abandoned](Task::abandon): its request is finished on the mux, so its
//! late replies are discarded and never reach another request.
//!
//! Time is a [`Duration`] since any fixed origin the runtime picks (a
//! monotonic clock); a task reads it only when it must wait.

use alloc::string::String;
use core::ops::Range;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;

use super::batch::{Batch, BatchOutcome, BatchRun};
use super::exchange::RequestId;
use super::mux::{Mux, NextNote};
use super::notes::Note;
use crate::errno::Errno;
use crate::error::Error;
use crate::fold::{self, Fold, Reply};
use crate::genl::ctrl::{self, Family, ResolveFamily};
use crate::genl::{FamilyOp, WithFamily};
use crate::op::{Op, OpStep};
use crate::request::{Describe, FromMessage, Request};
use crate::route::events::{Event, Notice, NoticeView, Notification};

/// What a [`Task`] needs from its runtime next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Action<T> {
    /// Send [`Mux::outgoing`] as one datagram, then report the result with
    /// [`Task::sent`].
    Send,
    /// Nothing is pending for request `id`: receive a datagram into
    /// [`Mux::recv_buffer`] and call [`Mux::received`]; when the socket is
    /// empty, ask [`Task::wait`] how long to wait, park `id` on the mux
    /// ([`Mux::park`]) and wait for readability. Then poll again.
    Receive(RequestId),
    /// The task produced this. A [`Dump`] can be polled again for its next
    /// item; other tasks are over.
    Done(T),
}

/// A piece of connection work driven over a [`Mux`]; see the [module
/// documentation](self) for the loop that runs every task.
pub trait Task {
    /// What the task produces.
    type Output;
    /// Makes progress without I/O: returns what the runtime must do next.
    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output>;
    /// The datagram of the last [`Action::Send`] was sent (`Ok`) or not.
    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>);
    /// The socket is empty at `now`: the deadline to wait until, or `None`
    /// when the task has waited too long (it then fails with
    /// [`Error::Timeout`] at the next poll).
    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration>;
    /// Fails the task with `e` (e.g. waiting for the socket failed): what
    /// it has in flight is finished on the mux, and its next poll returns
    /// the error.
    fn fail(&mut self, mux: &mut Mux, e: Error);
    /// The caller gives the task up: whatever it has in flight is finished
    /// on the mux.
    fn abandon(&mut self, mux: &mut Mux);
}

/// The idle deadline of a request: it fails when no reply has come for
/// `timeout`. Armed at the first wait and moved once per wait after
/// progress, not once per reply, so a long dump reads no clock per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idle {
    timeout: Duration,
    deadline: Option<Duration>,
    progressed: bool,
}

impl Idle {
    /// An idle deadline of `timeout`.
    pub fn new(timeout: Duration) -> Idle {
        Idle {
            timeout,
            deadline: None,
            progressed: false,
        }
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A reply arrived: the next wait starts a new idle period.
    #[inline]
    pub fn progressed(&mut self) {
        self.progressed = true;
    }

    /// The request must wait at `now`: the deadline, or `None` when it has
    /// passed.
    pub fn wait(&mut self, now: Duration) -> Option<Duration> {
        let d = match self.deadline {
            Some(d) if !self.progressed => d,
            _ => now.saturating_add(self.timeout),
        };
        self.progressed = false;
        self.deadline = Some(d);
        (now < d).then_some(d)
    }

    /// The error of a request that timed out (its `op` filled in later).
    pub fn expired(&self) -> Error {
        Error::Timeout {
            op: String::new(),
            timeout: self.timeout,
        }
    }
}

/// Runs an [`Op`] to its end: every request it asks for is started on the
/// mux and its replies fed back, until it is done. What a runtime's
/// `execute` is (and so `request`, `get` and `dump_with`).
#[derive(Debug)]
pub struct Exec<O> {
    op: O,
    current: Option<RequestId>,
    idle: Idle,
}

impl<O: Op> Exec<O> {
    /// Runs `op`, waiting at most `timeout` for each reply.
    pub fn new(op: O, timeout: Duration) -> Exec<O> {
        Exec {
            op,
            current: None,
            idle: Idle::new(timeout),
        }
    }

    /// The operation (e.g. to read what it learned after the run).
    pub fn op_mut(&mut self) -> &mut O {
        &mut self.op
    }

    /// Ends the request in flight with `e` (fed to the op).
    fn fail_current(&mut self, mux: &mut Mux, e: Error) {
        if let Some(id) = self.current.take() {
            mux.finish(id);
            self.op.reply(Reply::Failed(e));
        }
    }
}

impl<O: Op> Task for Exec<O> {
    type Output = Result<O::Output, Error>;

    #[inline]
    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        loop {
            let id = match self.current {
                Some(id) => id,
                None => {
                    let started = match self.op.step() {
                        OpStep::Done(r) => return Action::Done(r),
                        OpStep::Send(req) => mux.begin(req),
                    };
                    match started {
                        Ok((id, send)) => {
                            self.current = Some(id);
                            self.idle = Idle::new(self.idle.timeout);
                            if send {
                                return Action::Send;
                            }
                            id
                        }
                        Err(e) => {
                            // The op's fold names the request.
                            self.op.reply(Reply::Failed(e));
                            continue;
                        }
                    }
                }
            };
            let (op, idle) = (&mut self.op, &mut self.idle);
            let ended = mux.drain(
                id,
                &mut |r| {
                    idle.progressed();
                    op.reply(r)
                },
                |ended: &bool| !*ended,
            );
            match ended {
                // The request ended (or the op stopped listening to it).
                Some(_) => {
                    mux.finish(id);
                    self.current = None;
                }
                None => return Action::Receive(id),
            }
        }
    }

    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
        if let (Err(errno), Some(id)) = (result, self.current) {
            mux.abort(id);
            self.current = None;
            self.op.reply(Reply::Failed(Error::Io {
                op: String::new(),
                errno,
            }));
        }
    }

    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
        let d = self.idle.wait(now);
        if d.is_none() {
            let e = self.idle.expired();
            self.fail(mux, e);
        }
        d
    }

    fn fail(&mut self, mux: &mut Mux, e: Error) {
        self.fail_current(mux, e);
    }

    fn abandon(&mut self, mux: &mut Mux) {
        if let Some(id) = self.current.take() {
            mux.finish(id);
        }
    }
}

#[derive(Debug)]
enum DumpState {
    Start,
    Running(RequestId),
    Failed(Error),
    /// The dump ended (`Some`: with this error, already named) while
    /// decoded items still waited in `ready`: said after them.
    Finished(Option<Error>),
    Ended,
}

/// A dump whose items are decoded as `T` and handed out one at a time, as
/// their datagrams arrive: [`Action::Done`]`(Some(item))` for each, then
/// `Done(None)` (after an error item, if the dump failed). Memory stays
/// flat however large the table.
///
/// Each datagram is decoded in one pass into a queue that the following
/// polls hand out without going back to the multiplexer, so an item costs
/// its decoding and little else; the queue holds at most one datagram's
/// items, and keeps its memory from one datagram to the next.
#[derive(Debug)]
pub struct Dump<R, T> {
    req: R,
    state: DumpState,
    idle: Idle,
    ready: alloc::collections::VecDeque<Result<T, Error>>,
}

// The queued items are never pinned: the task moves freely whatever `T`
// is (as it did before it queued them).
impl<R: Unpin, T> Unpin for Dump<R, T> {}

impl<R: Request, T: FromMessage> Dump<R, T> {
    /// Dumps `req`, waiting at most `timeout` between two replies.
    pub fn new(req: R, timeout: Duration) -> Dump<R, T> {
        Dump {
            req,
            state: DumpState::Start,
            idle: Idle::new(timeout),
            ready: alloc::collections::VecDeque::new(),
        }
    }

    /// The request.
    pub fn request(&self) -> &R {
        &self.req
    }

    /// The next item already decoded from the current datagram, if any:
    /// what the next [`poll`](Task::poll) would return, taken without the
    /// multiplexer. A runtime calls this first, and polls (with its lock
    /// and its wake-ups) only when it says `None`.
    #[inline]
    pub fn next_ready(&mut self) -> Option<Result<T, Error>> {
        self.ready.pop_front()
    }
}

impl<R: Request, T: FromMessage> Task for Dump<R, T> {
    type Output = Option<Result<T, Error>>;

    #[inline]
    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        if let Some(item) = self.ready.pop_front() {
            return Action::Done(Some(item));
        }
        let id = match core::mem::replace(&mut self.state, DumpState::Ended) {
            DumpState::Start => match mux.begin(&self.req) {
                Ok((id, send)) => {
                    self.state = DumpState::Running(id);
                    if send {
                        return Action::Send;
                    }
                    id
                }
                Err(e) => return Action::Done(Some(Err(e.with_op(Describe(&self.req))))),
            },
            DumpState::Running(id) => id,
            DumpState::Failed(e) => return Action::Done(Some(Err(e.with_op(Describe(&self.req))))),
            DumpState::Finished(e) => return Action::Done(e.map(Err)),
            DumpState::Ended => return Action::Done(None),
        };
        // The rest of the datagram in one pass: every item into `ready`.
        let (req, ready) = (&self.req, &mut self.ready);
        let step = mux.drain(
            id,
            &mut |r| match fold::items::<T, _>(req, r) {
                Fold::Yield(item) => {
                    ready.push_back(item);
                    Fold::Continue
                }
                f => f,
            },
            |f| matches!(f, Fold::Continue),
        );
        if !self.ready.is_empty() {
            self.idle.progressed();
        }
        match step {
            Some(Fold::Finish(r)) => {
                mux.finish(id);
                match self.ready.pop_front() {
                    Some(item) => {
                        self.state = DumpState::Finished(r.err());
                        Action::Done(Some(item))
                    }
                    None => Action::Done(r.err().map(Err)),
                }
            }
            // `items` yields nothing through `drain` (the closure queues
            // it).
            Some(Fold::Yield(item)) => {
                self.state = DumpState::Running(id);
                Action::Done(Some(item))
            }
            // Never returned by `drain` (it goes on past those).
            Some(Fold::Continue) | None => {
                self.state = DumpState::Running(id);
                match self.ready.pop_front() {
                    Some(item) => Action::Done(Some(item)),
                    None => Action::Receive(id),
                }
            }
        }
    }

    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
        if let (Err(errno), DumpState::Running(id)) = (result, &self.state) {
            mux.abort(*id);
            self.state = DumpState::Failed(Error::Io {
                op: String::new(),
                errno,
            });
        }
    }

    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
        let d = self.idle.wait(now);
        if d.is_none() {
            let e = self.idle.expired();
            self.fail(mux, e);
        }
        d
    }

    fn fail(&mut self, mux: &mut Mux, e: Error) {
        match core::mem::replace(&mut self.state, DumpState::Failed(e)) {
            DumpState::Running(id) => mux.finish(id),
            DumpState::Ended => self.state = DumpState::Ended,
            _ => {}
        }
    }

    fn abandon(&mut self, mux: &mut Mux) {
        if let DumpState::Running(id) = core::mem::replace(&mut self.state, DumpState::Ended) {
            mux.finish(id);
        }
    }
}

/// Runs a [`Batch`]: its requests go out many per datagram (see
/// [`super::batch`]); the output is the outcome, or an error when the
/// batch could not be run to its end (timeout, socket error). Requests the
/// kernel refused are failures inside the outcome.
#[derive(Debug)]
pub struct BatchTask<'b> {
    batch: &'b Batch,
    run: BatchRun,
    idle: Idle,
    failed: Option<Error>,
    stop: Option<&'b AtomicBool>,
}

impl<'b> BatchTask<'b> {
    /// Runs `batch`, waiting at most `timeout` between two replies.
    pub fn new(batch: &'b Batch, timeout: Duration) -> BatchTask<'b> {
        BatchTask {
            batch,
            run: BatchRun::new(batch),
            idle: Idle::new(timeout),
            failed: None,
            stop: None,
        }
    }

    /// Runs the requests `range` of `batch`: one lane of a parallel batch
    /// (see [`Batch::lanes`] and the [batch module](super::batch#parallel-batches)).
    /// `stop` is shared by the lanes: with
    /// [`stop_on_error`](super::batch::BatchOptions::stop_on_error), a lane
    /// that sees a failure sets it, and every lane checks it before each
    /// datagram.
    pub fn lane(
        batch: &'b Batch,
        range: Range<usize>,
        stop: &'b AtomicBool,
        timeout: Duration,
    ) -> BatchTask<'b> {
        BatchTask {
            batch,
            run: BatchRun::lane(batch, range),
            idle: Idle::new(timeout),
            failed: None,
            stop: Some(stop),
        }
    }

    /// A lane that stopped on its own failure tells the other lanes to
    /// stop too (with `stop_on_error`).
    fn signal_stop(&self) {
        if let Some(stop) = self.stop
            && self.run.stopped_on_error(&self.batch.get_options())
        {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

impl Task for BatchTask<'_> {
    type Output = Result<BatchOutcome, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        if let Some(e) = self.failed.take() {
            return Action::Done(Err(e.with_op("batch")));
        }
        loop {
            let Some(barrier) = self.run.barrier() else {
                if self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                    self.run.stop();
                }
                if self.run.is_finished() {
                    return Action::Done(Ok(self.run.take_outcome(self.batch)));
                }
                if self.run.start_chunk(self.batch, mux) {
                    return Action::Send;
                }
                continue;
            };
            let (run, idle) = (&mut self.run, &mut self.idle);
            let ended = mux.drain(
                barrier,
                &mut |r| {
                    idle.progressed();
                    run.barrier_reply(r)
                },
                |ended: &bool| !*ended,
            );
            match ended {
                Some(true) => {
                    self.run.settle(self.batch, mux);
                    self.signal_stop();
                }
                Some(false) => {}
                None => return Action::Receive(barrier),
            }
        }
    }

    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
        if let Err(errno) = result {
            self.run.abandon(mux);
            self.run.send_failed(Error::Io {
                op: String::from("send batch"),
                errno,
            });
            self.signal_stop();
        }
    }

    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
        let d = self.idle.wait(now);
        if d.is_none() {
            let e = self.idle.expired();
            self.fail(mux, e);
        }
        d
    }

    fn fail(&mut self, mux: &mut Mux, e: Error) {
        self.run.abandon(mux);
        self.failed = Some(e);
    }

    fn abandon(&mut self, mux: &mut Mux) {
        if !self.run.is_finished() {
            self.run.abandon(mux);
        }
    }
}

/// The hooks of a task that runs an optional inner [`Exec`] (`self.exec`,
/// made at its first poll): each forwards to it.
macro_rules! forward_to_exec {
    () => {
        fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
            if let Some(e) = &mut self.exec {
                e.sent(mux, result);
            }
        }

        fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
            self.exec.as_mut().and_then(|e| e.wait(mux, now))
        }

        fn fail(&mut self, mux: &mut Mux, e: Error) {
            if let Some(x) = &mut self.exec {
                x.fail(mux, e);
            }
        }

        fn abandon(&mut self, mux: &mut Mux) {
            if let Some(e) = &mut self.exec {
                e.abandon(mux);
            }
        }
    };
}

/// Runs a generic netlink operation on a family known by name (see
/// [`WithFamily`]): the family id comes from the connection's cache
/// ([`Mux::families`]), or is resolved first; afterwards the cache learns
/// what the run found (a new id, or a family gone).
#[derive(Debug)]
pub struct Genl<B: FamilyOp> {
    body: Option<B>,
    exec: Option<Exec<WithFamily<B>>>,
    timeout: Duration,
}

impl<B: FamilyOp> Genl<B> {
    /// Runs `body`, waiting at most `timeout` for each reply.
    pub fn new(body: B, timeout: Duration) -> Genl<B> {
        Genl {
            body: Some(body),
            exec: None,
            timeout,
        }
    }
}

impl<B: FamilyOp> Task for Genl<B> {
    type Output = Result<B::Output, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        let exec = match &mut self.exec {
            Some(exec) => exec,
            None => {
                let Some(body) = self.body.take() else {
                    return Action::Done(Err(Error::NoReply {
                        op: String::from("generic netlink operation polled after its end"),
                    }));
                };
                let id = mux.families().id(body.family_name());
                match WithFamily::new(body, id) {
                    Ok(op) => self.exec.insert(Exec::new(op, self.timeout)),
                    Err(e) => return Action::Done(Err(e)),
                }
            }
        };
        match exec.poll(mux) {
            Action::Done(r) => {
                mux.families().settle(exec.op_mut());
                self.exec = None;
                Action::Done(r)
            }
            a => a,
        }
    }

    forward_to_exec!();
}

/// The generic netlink family `name` (id, version, commands, multicast
/// groups): from the connection's cache, or resolved through the
/// controller and then cached. A family the kernel does not have is
/// [`Error::FamilyNotFound`].
#[derive(Debug)]
pub struct LookupFamily {
    name: String,
    exec: Option<Exec<ResolveFamily>>,
    timeout: Duration,
}

impl LookupFamily {
    /// Looks up `name`, waiting at most `timeout` for the controller.
    pub fn new(name: &str, timeout: Duration) -> Result<LookupFamily, Error> {
        ctrl::resolve(name)?;
        Ok(LookupFamily {
            name: String::from(name),
            exec: None,
            timeout,
        })
    }
}

impl Task for LookupFamily {
    type Output = Result<Family, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        let exec = match &mut self.exec {
            Some(exec) => exec,
            None => {
                if let Some(f) = mux.families().get(&self.name) {
                    return Action::Done(Ok(f.clone()));
                }
                match ctrl::resolve(&self.name) {
                    Ok(op) => self.exec.insert(Exec::new(op, self.timeout)),
                    Err(e) => return Action::Done(Err(e)),
                }
            }
        };
        match exec.poll(mux) {
            Action::Done(r) => {
                self.exec = None;
                if let Ok(f) = &r {
                    mux.families().insert(f.clone());
                }
                Action::Done(r)
            }
            a => a,
        }
    }

    forward_to_exec!();
}

/// How long a subscriber waits before its task is polled again when
/// nothing arrives (it never times out: this only bounds a wait).
const SUBSCRIBER_NAP: Duration = Duration::from_secs(3600);

/// Waits for the next notification of a subscribed connection (see
/// [`Mux::subscribe`]) and decodes it: an [`Event`], or
/// [`Notice::Overrun`] where notifications were lost. Messages of types
/// that are no object notification are skipped. A notification that does
/// not decode is an [`Error::Decode`]; the subscription goes on after it.
#[derive(Debug, Default)]
pub struct NextEvent {
    failed: Option<Error>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
}

impl NextEvent {
    /// Waits as long as it takes.
    pub fn new() -> NextEvent {
        NextEvent::default()
    }

    /// Waits at most `timeout` (from its first wait), then fails with
    /// [`Error::Timeout`].
    pub fn within(timeout: Duration) -> NextEvent {
        NextEvent {
            timeout: Some(timeout),
            ..NextEvent::default()
        }
    }
}

fn notification_error(source: crate::wire::DecodeError) -> Error {
    Error::Decode {
        op: String::from("read a notification"),
        source,
    }
}

impl Task for NextEvent {
    type Output = Result<Notice, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        if let Some(e) = self.failed.take() {
            return Action::Done(Err(e));
        }
        if !mux.is_subscribed() {
            return Action::Done(Err(Error::InvalidInput {
                op: String::from("read a notification"),
                source: crate::InvalidInput::NotSubscribed,
            }));
        }
        loop {
            match mux.next_note() {
                NextNote::Recv => return Action::Receive(RequestId::SUBSCRIPTION),
                NextNote::Note(Note::Overrun(_)) => return Action::Done(Ok(Notice::Overrun)),
                NextNote::Note(Note::Malformed(e, _)) => {
                    return Action::Done(Err(notification_error(e)));
                }
                NextNote::Note(Note::Message(m, _)) => match Event::from_notification(&m) {
                    Ok(Some(e)) => return Action::Done(Ok(Notice::Event(e))),
                    Ok(None) => {}
                    Err(e) => return Action::Done(Err(notification_error(e))),
                },
            }
        }
    }

    fn sent(&mut self, _mux: &mut Mux, _result: Result<(), Errno>) {}

    fn wait(&mut self, _mux: &mut Mux, now: Duration) -> Option<Duration> {
        let Some(t) = self.timeout else {
            return Some(now.saturating_add(SUBSCRIBER_NAP));
        };
        let d = *self.deadline.get_or_insert(now.saturating_add(t));
        if now < d {
            return Some(d);
        }
        self.failed = Some(Error::Timeout {
            op: String::from("wait for a notification"),
            timeout: t,
        });
        None
    }

    fn fail(&mut self, _mux: &mut Mux, e: Error) {
        self.failed = Some(e);
    }

    fn abandon(&mut self, _mux: &mut Mux) {}
}

/// Hands every notification waiting on a subscribed connection to a
/// closure, in place ([`NoticeView`]): no allocation per notification.
/// Waits for the first one (at most `timeout`, if given); the output is
/// how many were handed over (0 when the time ran out).
pub struct NextEventsWith<F> {
    f: F,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    expired: bool,
    failed: Option<Error>,
}

impl<F> core::fmt::Debug for NextEventsWith<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NextEventsWith")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<F: FnMut(NoticeView<'_>)> NextEventsWith<F> {
    /// Calls `f` with each waiting notification, waiting for the first at
    /// most `timeout` (`None`: as long as it takes).
    pub fn new(timeout: Option<Duration>, f: F) -> Self {
        NextEventsWith {
            f,
            timeout,
            deadline: None,
            expired: false,
            failed: None,
        }
    }
}

impl<F: FnMut(NoticeView<'_>)> Task for NextEventsWith<F> {
    type Output = Result<usize, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        if let Some(e) = self.failed.take() {
            return Action::Done(Err(e));
        }
        if !mux.is_subscribed() {
            return Action::Done(Err(Error::InvalidInput {
                op: String::from("read notifications"),
                source: crate::InvalidInput::NotSubscribed,
            }));
        }
        let mut n = 0;
        loop {
            match mux.next_note() {
                NextNote::Recv if n > 0 || self.expired => return Action::Done(Ok(n)),
                NextNote::Recv => return Action::Receive(RequestId::SUBSCRIPTION),
                NextNote::Note(Note::Overrun(_)) => {
                    (self.f)(NoticeView::Overrun);
                    n += 1;
                }
                NextNote::Note(Note::Malformed(e, _)) => {
                    return Action::Done(Err(notification_error(e)));
                }
                NextNote::Note(Note::Message(m, _)) => match Notification::classify(&m) {
                    Ok(Some(v)) => {
                        (self.f)(NoticeView::Notification(v));
                        n += 1;
                    }
                    Ok(None) => {}
                    Err(e) => return Action::Done(Err(notification_error(e))),
                },
            }
        }
    }

    fn sent(&mut self, _mux: &mut Mux, _result: Result<(), Errno>) {}

    fn wait(&mut self, _mux: &mut Mux, now: Duration) -> Option<Duration> {
        let Some(t) = self.timeout else {
            return Some(now.saturating_add(SUBSCRIBER_NAP));
        };
        let d = *self.deadline.get_or_insert(now.saturating_add(t));
        if now >= d {
            self.expired = true;
            return Some(now);
        }
        Some(d)
    }

    fn fail(&mut self, _mux: &mut Mux, e: Error) {
        self.failed = Some(e);
    }

    fn abandon(&mut self, _mux: &mut Mux) {}
}

/// Runs a long-lived task (a mirror) for at most `timeout`: its output,
/// or `None` when the time ran out. The task itself lives on: giving the
/// wrapper up (abandoning it) leaves the task as it is, to be polled again
/// later.
#[derive(Debug)]
pub struct Within<'t, K> {
    inner: &'t mut K,
    timeout: Duration,
    deadline: Option<Duration>,
    expired: bool,
}

impl<'t, K: Task> Within<'t, K> {
    /// Polls `inner` for at most `timeout` (from the first wait).
    pub fn new(inner: &'t mut K, timeout: Duration) -> Within<'t, K> {
        Within {
            inner,
            timeout,
            deadline: None,
            expired: false,
        }
    }
}

impl<K: Task> Task for Within<'_, K> {
    type Output = Option<K::Output>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        match self.inner.poll(mux) {
            Action::Done(x) => Action::Done(Some(x)),
            // A request the task began must go out, expired or not.
            Action::Send => Action::Send,
            Action::Receive(_) if self.expired => Action::Done(None),
            Action::Receive(id) => Action::Receive(id),
        }
    }

    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
        self.inner.sent(mux, result);
    }

    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
        let d = *self
            .deadline
            .get_or_insert(now.saturating_add(self.timeout));
        if now >= d {
            self.expired = true;
            return Some(now);
        }
        self.inner.wait(mux, now).map(|i| i.min(d))
    }

    fn fail(&mut self, mux: &mut Mux, e: Error) {
        self.inner.fail(mux, e);
    }

    fn abandon(&mut self, _mux: &mut Mux) {}
}

#[cfg(test)]
mod tests {
    use super::super::batch::BatchResult;
    use super::super::exchange::test_frames::*;
    use super::*;
    use crate::errno::Errno;
    use crate::machine::mux::test_support::{feed, req};
    use crate::op::{Ack, Get};
    use crate::wire::NLM_F_MULTI;
    use alloc::string::ToString;

    const T: Duration = Duration::from_secs(10);

    /// The sequence number of the datagram waiting to be sent.
    fn out_seq(m: &Mux) -> u32 {
        crate::wire::Header::parse(m.outgoing()).unwrap().seq
    }

    #[test]
    fn idle_deadline_moves_only_after_progress() {
        let s = Duration::from_secs;
        let mut i = Idle::new(s(10));
        assert_eq!(i.wait(s(1)), Some(s(11)));
        assert_eq!(i.wait(s(5)), Some(s(11)), "no progress: same deadline");
        i.progressed();
        assert_eq!(i.wait(s(6)), Some(s(16)));
        assert_eq!(i.wait(s(16)), None, "expired");
        assert!(matches!(i.expired(), Error::Timeout { timeout, .. } if timeout == s(10)));
    }

    #[test]
    fn exec_sends_then_receives_then_finishes() {
        let mut m = Mux::default();
        let mut t = Exec::new(Ack::new(req(false)), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let seq = out_seq(&m);
        t.sent(&mut m, Ok(()));
        let Action::Receive(id) = t.poll(&mut m) else {
            panic!("expected to receive")
        };
        assert_eq!(id.seq(), seq);
        feed(&mut m, &error(seq, 0, None));
        assert!(matches!(t.poll(&mut m), Action::Done(Ok(()))));
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn get_without_object_is_no_reply() {
        let mut m = Mux::default();
        let mut t = Exec::new(Get::<crate::genl::ctrl::Family, _>::new(req(false)), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let seq = out_seq(&m);
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        feed(&mut m, &error(seq, 0, None));
        match t.poll(&mut m) {
            Action::Done(Err(Error::NoReply { op })) => assert_eq!(op, "request type 18"),
            a => panic!("{a:?}"),
        }
    }

    #[test]
    fn exec_times_out_and_names_the_request() {
        let mut m = Mux::default();
        let mut t = Exec::new(Ack::new(req(false)), Duration::from_secs(2));
        assert!(matches!(t.poll(&mut m), Action::Send));
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        let s = Duration::from_secs;
        assert_eq!(t.wait(&mut m, s(100)), Some(s(102)));
        assert_eq!(t.wait(&mut m, s(102)), None);
        match t.poll(&mut m) {
            Action::Done(Err(e @ Error::Timeout { .. })) => {
                assert!(
                    e.to_string().starts_with("request type 18: no reply"),
                    "{e}"
                )
            }
            a => panic!("{a:?}"),
        }
        assert_eq!(m.pending(), 0, "the timed-out request is finished");
    }

    #[test]
    fn exec_reports_a_failed_send() {
        let mut m = Mux::default();
        let mut t = Exec::new(Ack::new(req(false)), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        t.sent(&mut m, Err(Errno::ENOBUFS));
        match t.poll(&mut m) {
            Action::Done(Err(e)) => {
                assert_eq!(e.errno(), Some(Errno::ENOBUFS));
                assert!(e.to_string().starts_with("request type 18"), "{e}");
            }
            a => panic!("{a:?}"),
        }
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn dump_yields_items_then_ends() {
        let mut m = Mux::default();
        let mut t = Dump::<_, Item>::new(req(true), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let seq = out_seq(&m);
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        let d = [
            item(seq, 16, NLM_F_MULTI, &[1; 16]),
            item(seq, 16, NLM_F_MULTI, &[2; 16]),
            done(seq, 0),
        ]
        .concat();
        feed(&mut m, &d);
        for want in [1u8, 2] {
            match t.poll(&mut m) {
                Action::Done(Some(Ok(Item(b)))) => assert_eq!(b, want),
                a => panic!("{a:?}"),
            }
        }
        assert!(matches!(t.poll(&mut m), Action::Done(None)));
        assert!(matches!(t.poll(&mut m), Action::Done(None)));
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn dump_decodes_a_datagram_at_once_and_ends_after_its_items() {
        let mut m = Mux::default();
        let mut t = Dump::<_, Item>::new(req(true), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let seq = out_seq(&m);
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        assert!(t.next_ready().is_none());
        let first = [1u8, 2, 3].map(|b| item(seq, 16, NLM_F_MULTI, &[b; 16]));
        feed(&mut m, &first.concat());
        // The first poll decodes the whole datagram; the rest waits, ready.
        assert!(matches!(t.poll(&mut m), Action::Done(Some(Ok(Item(1))))));
        assert!(matches!(t.next_ready(), Some(Ok(Item(2)))));
        assert!(matches!(t.poll(&mut m), Action::Done(Some(Ok(Item(3))))));
        assert!(t.next_ready().is_none());
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        // The last datagram: an item, then the end of an interrupted dump,
        // said after the item.
        let mut end = done(seq, 0);
        end[6..8].copy_from_slice(&(NLM_F_MULTI | crate::wire::NLM_F_DUMP_INTR).to_ne_bytes());
        feed(
            &mut m,
            &[item(seq, 16, NLM_F_MULTI, &[4; 16]), end].concat(),
        );
        assert!(matches!(t.poll(&mut m), Action::Done(Some(Ok(Item(4))))));
        match t.poll(&mut m) {
            Action::Done(Some(Err(e))) => {
                assert!(matches!(e, Error::DumpInterrupted { .. }), "{e}")
            }
            a => panic!("{a:?}"),
        }
        assert!(matches!(t.poll(&mut m), Action::Done(None)));
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn abandoned_dump_discards_its_tail() {
        let mut m = Mux::default();
        let mut t = Dump::<_, Item>::new(req(true), T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let seq = out_seq(&m);
        t.abandon(&mut m);
        let mut a = Exec::new(Ack::new(req(false)), T);
        assert!(matches!(a.poll(&mut m), Action::Send));
        let seq2 = out_seq(&m);
        assert!(matches!(a.poll(&mut m), Action::Receive(_)));
        feed(
            &mut m,
            &[
                item(seq, 16, NLM_F_MULTI, &[1; 16]),
                done(seq, 0),
                error(seq2, 0, None),
            ]
            .concat(),
        );
        assert!(matches!(a.poll(&mut m), Action::Done(Ok(()))));
        assert_eq!(m.stats().discarded, 2);
    }

    /// Runs one lane to its end on its own mux: `fail` names the batch
    /// indices the kernel refuses (EEXIST); everything else is acked.
    fn run_lane(
        t: &mut BatchTask<'_>,
        fail: &[usize],
        sent: &mut alloc::vec::Vec<usize>,
    ) -> BatchOutcome {
        let mut m = Mux::default();
        loop {
            match t.poll(&mut m) {
                Action::Send => {
                    let seqs: alloc::vec::Vec<u32> = crate::wire::Messages::new(m.outgoing())
                        .map(|x| x.unwrap().seq())
                        .collect();
                    let from = t.run.next_index() - seqs.len();
                    t.sent(&mut m, Ok(()));
                    let mut replies = alloc::vec::Vec::new();
                    for (k, seq) in seqs.iter().enumerate() {
                        sent.push(from + k);
                        if fail.contains(&(from + k)) {
                            replies.extend(error(*seq, 17, None));
                        }
                    }
                    let last = *seqs.last().unwrap();
                    if !fail.contains(&(from + seqs.len() - 1)) {
                        replies.extend(error(last, 0, None));
                    }
                    feed(&mut m, &replies);
                }
                Action::Done(o) => return o.unwrap(),
                a => panic!("{a:?}"),
            }
        }
    }

    #[test]
    fn lanes_are_whole_datagrams_and_cover_the_batch() {
        let opts = super::super::batch::BatchOptions::default().max_per_datagram(4);
        let mut b = Batch::new().options(opts);
        assert_eq!(b.lanes(3).count(), 0, "an empty batch has no lanes");
        for _ in 0..18 {
            b.push(&req(false)).unwrap();
        }
        // 5 datagrams (4+4+4+4+2) over 2 lanes: 3 and 2.
        assert_eq!(b.lanes(2).collect::<alloc::vec::Vec<_>>(), [0..12, 12..18]);
        assert!(b.lanes(1).eq(core::iter::once(0..18)));
        assert!(b.lanes(0).eq(core::iter::once(0..18)));
        // More lanes than datagrams: one datagram each.
        assert_eq!(
            b.lanes(9).collect::<alloc::vec::Vec<_>>(),
            [0..4, 4..8, 8..12, 12..16, 16..18]
        );
    }

    #[test]
    fn lanes_merge_into_the_outcome_of_one_run() {
        let opts = super::super::batch::BatchOptions::default().max_per_datagram(3);
        let mut b = Batch::new().options(opts);
        for _ in 0..10 {
            b.push(&req(false)).unwrap();
        }
        let fail = [1, 5, 9];
        let whole = run_lane(
            &mut BatchTask::new(&b, T),
            &fail,
            &mut alloc::vec::Vec::new(),
        );
        let stop = AtomicBool::new(false);
        let mut sent = alloc::vec::Vec::new();
        let parts: alloc::vec::Vec<_> = b
            .lanes(2)
            .map(|r| run_lane(&mut BatchTask::lane(&b, r, &stop, T), &fail, &mut sent))
            .collect();
        sent.sort_unstable();
        assert_eq!(
            sent,
            (0..10).collect::<alloc::vec::Vec<_>>(),
            "each request sent once"
        );
        let merged = BatchOutcome::merge(parts);
        assert_eq!(
            (merged.len(), merged.succeeded()),
            (whole.len(), whole.succeeded())
        );
        assert_eq!((merged.len(), merged.succeeded()), (10, 7));
        let idx = |o: &BatchOutcome| {
            o.failures()
                .iter()
                .map(|(i, _)| *i)
                .collect::<alloc::vec::Vec<_>>()
        };
        assert_eq!(idx(&merged), idx(&whole));
        assert_eq!(idx(&merged), fail);
        assert!(merged.not_sent().is_empty());
        assert!(
            !stop.load(Ordering::Relaxed),
            "no stop without stop_on_error"
        );
        for i in 0..10 {
            assert_eq!(
                matches!(merged.result(i), BatchResult::Failed(_)),
                fail.contains(&i),
                "{i}"
            );
        }
        assert!(matches!(merged.result(10), BatchResult::NotSent));
    }

    #[test]
    fn a_lane_that_fails_stops_the_others_when_stopping_on_errors() {
        let opts = super::super::batch::BatchOptions::default()
            .max_per_datagram(2)
            .stop_on_error(true);
        let mut b = Batch::new().options(opts);
        for _ in 0..12 {
            b.push(&req(false)).unwrap();
        }
        let lanes: alloc::vec::Vec<_> = b.lanes(2).collect();
        assert_eq!(lanes, [0..6, 6..12]);
        let stop = AtomicBool::new(false);
        let mut sent = alloc::vec::Vec::new();
        // The first lane's first datagram holds a failure: it stops, and
        // so does the second lane, before sending anything.
        let first = run_lane(
            &mut BatchTask::lane(&b, lanes[0].clone(), &stop, T),
            &[1],
            &mut sent,
        );
        assert!(stop.load(Ordering::Relaxed));
        let second = run_lane(
            &mut BatchTask::lane(&b, lanes[1].clone(), &stop, T),
            &[],
            &mut sent,
        );
        assert_eq!(sent, [0, 1]);
        let merged = BatchOutcome::merge([second, first]);
        assert_eq!(merged.not_sent(), [2..6, 6..12]);
        assert_eq!(merged.succeeded(), 1);
        assert!(matches!(merged.result(1), BatchResult::Failed(_)));
        assert!(matches!(merged.result(7), BatchResult::NotSent));
        assert!(
            merged
                .into_result()
                .unwrap_err()
                .to_string()
                .contains("batch request 1")
        );
    }

    #[test]
    fn batch_sends_chunks_and_records_member_failures() {
        let mut b =
            Batch::new().options(super::super::batch::BatchOptions::default().max_per_datagram(2));
        for _ in 0..3 {
            b.push(&req(false)).unwrap();
        }
        let mut m = Mux::default();
        let mut t = BatchTask::new(&b, T);
        assert!(matches!(t.poll(&mut m), Action::Send));
        let first: alloc::vec::Vec<u32> = crate::wire::Messages::new(m.outgoing())
            .map(|x| x.unwrap().seq())
            .collect();
        assert_eq!(first.len(), 2);
        let flags = crate::wire::Messages::new(m.outgoing())
            .map(|x| x.unwrap().flags() & crate::wire::NLM_F_ACK)
            .collect::<alloc::vec::Vec<_>>();
        assert_eq!(flags, [0, crate::wire::NLM_F_ACK], "only the last is acked");
        t.sent(&mut m, Ok(()));
        assert!(matches!(t.poll(&mut m), Action::Receive(_)));
        // The first member fails, the barrier acks.
        feed(
            &mut m,
            &[
                error(first[0], 17, Some("exists")),
                error(first[1], 0, None),
            ]
            .concat(),
        );
        assert!(matches!(t.poll(&mut m), Action::Send), "second chunk");
        let third = out_seq(&m);
        feed(&mut m, &error(third, 0, None));
        match t.poll(&mut m) {
            Action::Done(Ok(o)) => {
                assert_eq!(o.len(), 3);
                assert_eq!(o.succeeded(), 2);
                let (i, e) = &o.failures()[0];
                assert_eq!(*i, 0);
                assert_eq!(e.errno(), Some(Errno::EEXIST));
                assert!(
                    e.to_string()
                        .starts_with("batch request 0 (request type 18): EEXIST"),
                    "{e}"
                );
            }
            a => panic!("{a:?}"),
        }
    }

    #[derive(Debug)]
    struct Item(u8);
    impl FromMessage for Item {
        fn from_message(m: &crate::wire::Message<'_>) -> Result<Self, crate::DecodeError> {
            Ok(Item(m.payload()[0]))
        }
    }
}
