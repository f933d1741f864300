//! Operations: what a high-level call sends and how it folds the replies,
//! written once for every runtime (`alloc`).
//!
//! An [`Op`] is a small state machine. A runtime's `execute` (the core's
//! [`Exec`](crate::machine::task::Exec) task) loops:
//!
//! ```text
//! loop {
//!     match op.step() {
//!         OpStep::Send(req) => { start req; feed each reply to op.reply()
//!                                until it returns true (the request ended) }
//!         OpStep::Done(result) => return result,
//!     }
//! }
//! ```
//!
//! Errors the runtime meets while a request is out (timeout, I/O) are fed
//! to the op as [`Reply::Failed`], so every outcome goes through the op.
//!
//! This module has the generic ops ([`Ack`], [`Get`], [`Collect`],
//! [`Each`], [`Views`]); [`crate::ops`] has the everyday ones.

use alloc::vec::Vec;

use crate::error::Error;
use crate::fold::{self, Fold, Reply};
use crate::input::InvalidInput;
use crate::request::{Describe, FromMessage, Query, Request, View};
use crate::wire::Message;

/// What an [`Op`] wants next.
pub enum OpStep<'a, T> {
    /// Send this request and feed its replies to [`Op::reply`].
    Send(&'a dyn Request),
    /// The operation is over.
    Done(Result<T, Error>),
}

impl<T> core::fmt::Debug for OpStep<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OpStep::Send(r) => write!(f, "Send({})", Describe(*r)),
            OpStep::Done(r) => write!(f, "Done(is_ok: {})", r.is_ok()),
        }
    }
}

/// A multi-step netlink operation (see the [module documentation](self)).
pub trait Op {
    /// What the operation returns.
    type Output;
    /// The next request to send, or the result. Called first, and again
    /// each time [`Op::reply`] reports that a request ended.
    fn step(&mut self) -> OpStep<'_, Self::Output>;
    /// A reply to the request last sent; `true` when it was that request's
    /// last (acknowledgement, end of dump, or failure).
    fn reply(&mut self, reply: Reply<'_>) -> bool;
}

impl<O: Op + ?Sized> Op for &mut O {
    type Output = O::Output;
    fn step(&mut self) -> OpStep<'_, Self::Output> {
        (**self).step()
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        (**self).reply(reply)
    }
}

impl<O: Op + ?Sized> Op for alloc::boxed::Box<O> {
    type Output = O::Output;
    fn step(&mut self) -> OpStep<'_, Self::Output> {
        (**self).step()
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        (**self).reply(reply)
    }
}

/// How many times an op re-reads a dump that the kernel marked
/// interrupted (`NLM_F_DUMP_INTR`: the table changed while it was being
/// read) before it gives up with [`Error::DumpInterrupted`]. Used by
/// [`Collect`], [`crate::ops::list_links`], the flushes and the WireGuard
/// device read.
pub const DUMP_RETRIES: u8 = 3;

pub(crate) fn invalid(op: impl core::fmt::Display, source: InvalidInput) -> Error {
    Error::InvalidInput {
        op: alloc::format!("{op}"),
        source,
    }
}

/// One request answered by an acknowledgement.
#[derive(Debug)]
pub struct Ack<R> {
    req: R,
    what: Option<alloc::string::String>,
    result: Option<Result<(), Error>>,
}

impl<R: Request> Ack<R> {
    /// Wraps `req`; its errors name it as [`Request::describe`] does.
    pub fn new(req: R) -> Self {
        Ack {
            req,
            what: None,
            result: None,
        }
    }

    /// Wraps `req`; its errors name `what` (how the caller asked for it:
    /// `set link "veth0" up`).
    pub fn named(req: R, what: alloc::string::String) -> Self {
        Ack {
            req,
            what: Some(what),
            result: None,
        }
    }

    /// The request.
    pub fn request(&self) -> &R {
        &self.req
    }
}

impl<R: Request> Op for Ack<R> {
    type Output = ();
    fn step(&mut self) -> OpStep<'_, ()> {
        match self.result.take() {
            Some(r) => OpStep::Done(r),
            None => OpStep::Send(&self.req),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        match fold::ack(&self.req, reply) {
            Fold::Finish(r) => {
                self.result = Some(match (r, &self.what) {
                    (Err(e), Some(what)) => Err(e.replace_op(what)),
                    (r, _) => r,
                });
                true
            }
            _ => false,
        }
    }
}

/// A dump (or GET) collected into a `Vec`.
///
/// A dump the kernel marks interrupted (`NLM_F_DUMP_INTR`: the table
/// changed while it was read) is read again from the start, up to
/// [`DUMP_RETRIES`] times; after that the op fails with
/// [`Error::DumpInterrupted`]. The `Vec` is therefore always one
/// consistent snapshot. (A streaming dump cannot take back what it has
/// yielded: it reports the interruption at its end instead.)
#[derive(Debug)]
pub struct Collect<T, R> {
    req: R,
    items: Vec<T>,
    error: Option<Error>,
    ended: bool,
    retries: u8,
}

impl<T: FromMessage, R: Request> Collect<T, R> {
    /// Collects the replies of `req`.
    pub fn new(req: R) -> Self {
        Collect {
            req,
            items: Vec::new(),
            error: None,
            ended: false,
            retries: 0,
        }
    }

    /// How many times the dump was read again after an interruption.
    pub fn retries(&self) -> u8 {
        self.retries
    }
}

impl<T: FromMessage, R: Request> Op for Collect<T, R> {
    type Output = Vec<T>;
    fn step(&mut self) -> OpStep<'_, Vec<T>> {
        if !self.ended {
            return OpStep::Send(&self.req);
        }
        OpStep::Done(match self.error.take() {
            Some(e) => Err(e),
            None => Ok(core::mem::take(&mut self.items)),
        })
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        match fold::items::<T, _>(&self.req, reply) {
            Fold::Continue => false,
            Fold::Yield(Ok(t)) => {
                self.items.push(t);
                false
            }
            Fold::Yield(Err(e)) => {
                self.error.get_or_insert(e);
                false
            }
            Fold::Finish(Err(Error::DumpInterrupted { .. }))
                if self.retries < DUMP_RETRIES && self.error.is_none() =>
            {
                // The table changed under the dump: read it again, from a
                // clean slate (`step` sends the request anew).
                self.retries += 1;
                self.items.clear();
                true
            }
            Fold::Finish(r) => {
                if let Err(e) = r {
                    self.error.get_or_insert(e);
                }
                self.ended = true;
                true
            }
        }
    }
}

/// A request answered by one object (a GET): its first reply item, decoded.
/// A request the kernel acknowledged without sending any object fails with
/// [`Error::NoReply`].
#[derive(Debug)]
pub struct Get<T, R> {
    req: R,
    found: Option<Result<T, Error>>,
    result: Option<Result<(), Error>>,
}

impl<T: FromMessage, R: Request> Get<T, R> {
    /// Gets the object `req` asks for.
    pub fn new(req: R) -> Self {
        Get {
            req,
            found: None,
            result: None,
        }
    }
}

impl<T: FromMessage, R: Request> Op for Get<T, R> {
    type Output = T;
    fn step(&mut self) -> OpStep<'_, T> {
        match self.result.take() {
            None => OpStep::Send(&self.req),
            Some(Err(e)) => OpStep::Done(Err(e)),
            Some(Ok(())) => OpStep::Done(self.found.take().unwrap_or_else(|| {
                Err(Error::NoReply {
                    op: alloc::format!("{}", Describe(&self.req)),
                })
            })),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        match fold::items::<T, _>(&self.req, reply) {
            Fold::Continue => false,
            Fold::Yield(t) => {
                self.found.get_or_insert(t);
                false
            }
            Fold::Finish(r) => {
                self.result = Some(r);
                true
            }
        }
    }
}

/// A dump (or GET) whose accepted replies are handed to a closure as typed
/// views ([`Query::View`]) into the receive buffer: no allocation per
/// message. A reply that does not decode ends the run with
/// [`Error::Decode`] (after the dump, which is read to its end).
pub struct Each<R, F> {
    req: R,
    f: F,
    bad: Option<Error>,
    result: Option<Result<(), Error>>,
}

impl<R: core::fmt::Debug, F> core::fmt::Debug for Each<R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Each")
            .field("req", &self.req)
            .finish_non_exhaustive()
    }
}

impl<R: Query, F: for<'a> FnMut(R::View<'a>)> Each<R, F> {
    /// Calls `f` with every accepted reply of `req`, as a view.
    pub fn new(req: R, f: F) -> Self {
        Each {
            req,
            f,
            bad: None,
            result: None,
        }
    }
}

impl<R: Query, F: for<'a> FnMut(R::View<'a>)> Op for Each<R, F> {
    type Output = ();
    fn step(&mut self) -> OpStep<'_, ()> {
        match self.result.take() {
            None => OpStep::Send(&self.req),
            Some(r) => OpStep::Done(r),
        }
    }
    #[inline]
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        let (f, bad, req) = (&mut self.f, &mut self.bad, &self.req);
        let step = fold::views(req, reply, &mut |m| match <R::View<'_> as View>::view(&m) {
            Ok(v) => f(v),
            Err(source) => {
                bad.get_or_insert_with(|| Error::Decode {
                    op: alloc::format!("{}", Describe(req)),
                    source,
                });
            }
        });
        match step {
            Fold::Finish(r) => {
                self.result = Some(match self.bad.take() {
                    Some(e) => Err(e),
                    None => r,
                });
                true
            }
            _ => false,
        }
    }
}

/// A dump (or GET) whose accepted reply messages are handed to a closure
/// as raw [`Message`]s in the receive buffer (for a request without a
/// [`Query`] type, or a reader that decodes only what it needs).
pub struct Views<R, F> {
    req: R,
    f: F,
    result: Option<Result<(), Error>>,
}

impl<R: core::fmt::Debug, F> core::fmt::Debug for Views<R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Views")
            .field("req", &self.req)
            .finish_non_exhaustive()
    }
}

impl<R: Request, F: FnMut(Message<'_>)> Views<R, F> {
    /// Calls `f` with every accepted reply of `req`.
    pub fn new(req: R, f: F) -> Self {
        Views {
            req,
            f,
            result: None,
        }
    }
}

impl<R: Request, F: FnMut(Message<'_>)> Op for Views<R, F> {
    type Output = ();
    fn step(&mut self) -> OpStep<'_, ()> {
        match self.result.take() {
            None => OpStep::Send(&self.req),
            Some(r) => OpStep::Done(r),
        }
    }
    #[inline]
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        match fold::views(&self.req, reply, &mut self.f) {
            Fold::Finish(r) => {
                self.result = Some(r);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{GetRoutes, Route, RouteRequest};
    use crate::wire::{Messages, Writer};

    fn route(buf: &mut [u8], dst: &str) -> usize {
        let mut w = Writer::new(buf);
        RouteRequest::add(dst.parse().unwrap(), 24)
            .unwrap()
            .emit(&mut w, 1, 0);
        w.finish().unwrap()
    }

    fn feed(op: &mut Collect<Route, GetRoutes>, dsts: &[&str], interrupted: bool) {
        assert!(matches!(op.step(), OpStep::Send(_)));
        let mut buf = [0u8; 256];
        for d in dsts {
            let n = route(&mut buf, d);
            let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
            assert!(!op.reply(Reply::Item(m)));
        }
        assert!(op.reply(Reply::Done { interrupted }));
    }

    #[test]
    fn collect_reads_an_interrupted_dump_again_and_keeps_one_snapshot() {
        let mut op = Collect::<Route, _>::new(GetRoutes::ipv4());
        feed(&mut op, &["192.0.2.0", "198.51.100.0"], true);
        feed(&mut op, &["203.0.113.0"], false);
        assert_eq!(op.retries(), 1);
        match op.step() {
            OpStep::Done(Ok(v)) => {
                let dsts: Vec<_> = v.iter().map(|r| r.dst).collect();
                assert_eq!(dsts, [Some("203.0.113.0".parse().unwrap())]);
            }
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn collect_gives_up_after_the_retries() {
        let mut op = Collect::<Route, _>::new(GetRoutes::ipv4());
        for _ in 0..=DUMP_RETRIES {
            feed(&mut op, &["192.0.2.0"], true);
        }
        match op.step() {
            OpStep::Done(Err(Error::DumpInterrupted { op })) => {
                assert_eq!(op, "dump IPv4 routes")
            }
            s => panic!("{s:?}"),
        }
    }
}
