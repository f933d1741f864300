//! How replies fold into results — shared by every runtime so that none of
//! them re-implements what an acknowledgement, a GET or a dump means
//! (`alloc`).

use alloc::string::ToString;

use crate::error::Error;
use crate::request::{Describe, FromMessage, Request};
use crate::wire::Message;

/// A reply for one request: what a runtime hands to a [`Fold`] or an
/// [`Op`](crate::Op), as the multiplexer returns it.
#[derive(Debug)]
pub enum Reply<'a> {
    /// A reply object; borrowed from the receive buffer or the inbox.
    Item(Message<'a>),
    /// Terminal: acknowledged.
    Ack,
    /// Terminal: dump complete (`interrupted` per `NLM_F_DUMP_INTR`).
    Done {
        /// Whether the dump was inconsistent.
        interrupted: bool,
    },
    /// Terminal: failed. The error's `op` is empty; the fold fills it in
    /// with [`Error::with_op`].
    Failed(Error),
}

/// One step of folding a request's replies.
#[derive(Debug)]
pub enum Fold<T> {
    /// Nothing for the caller yet; ask for the next reply.
    Continue,
    /// A value for the caller (a dump item, or a GET's object); the request
    /// goes on until [`Fold::Finish`].
    Yield(T),
    /// The request ended: `Ok` on acknowledgement or a complete dump.
    Finish(Result<(), Error>),
}

fn failed<R: Request + ?Sized>(req: &R, e: Error) -> Fold<core::convert::Infallible> {
    Fold::Finish(Err(e.with_op(Describe(req))))
}

fn cast<T>(f: Fold<core::convert::Infallible>) -> Fold<T> {
    match f {
        Fold::Finish(r) => Fold::Finish(r),
        Fold::Continue => Fold::Continue,
        Fold::Yield(never) => match never {},
    }
}

/// A request answered by an acknowledgement (objects in between are
/// ignored).
pub fn ack<R: Request + ?Sized>(req: &R, reply: Reply<'_>) -> Fold<()> {
    match reply {
        Reply::Item(_) => Fold::Continue,
        Reply::Ack | Reply::Done { interrupted: false } => Fold::Finish(Ok(())),
        Reply::Done { interrupted: true } => Fold::Finish(Err(Error::DumpInterrupted {
            op: Describe(req).to_string(),
        })),
        Reply::Failed(e) => cast(failed(req, e)),
    }
}

/// A request whose reply objects are decoded as `T`: a GET (one object,
/// then the acknowledgement) or a dump (objects, then `NLMSG_DONE`).
/// Objects the request does not [accept](Request::accepts) are skipped. A
/// dump that saw `NLM_F_DUMP_INTR` ends with [`Error::DumpInterrupted`]
/// after its items.
pub fn items<T: FromMessage, R: Request + ?Sized>(
    req: &R,
    reply: Reply<'_>,
) -> Fold<Result<T, Error>> {
    match reply {
        Reply::Item(m) => {
            if !req.accepts(&m) {
                return Fold::Continue;
            }
            Fold::Yield(T::from_message(&m).map_err(|source| Error::Decode {
                op: Describe(req).to_string(),
                source,
            }))
        }
        other => match ack(req, other) {
            Fold::Finish(r) => Fold::Finish(r),
            _ => Fold::Continue,
        },
    }
}

/// Like [`items`], for callers that want views: `f` gets each accepted
/// message in place (no allocation).
#[inline]
pub fn views<R: Request + ?Sized>(
    req: &R,
    reply: Reply<'_>,
    f: &mut impl FnMut(crate::wire::Message<'_>),
) -> Fold<()> {
    match reply {
        Reply::Item(m) => {
            if req.accepts(&m) {
                f(m);
            }
            Fold::Continue
        }
        other => ack(req, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;
    use crate::route::{GetRoutes, Route};
    use crate::wire::{Message, Messages};

    #[test]
    fn ack_folds() {
        let r = GetRoutes::ipv4();
        assert!(matches!(ack(&r, Reply::Ack), Fold::Finish(Ok(()))));
        match ack(
            &r,
            Reply::Failed(Error::Io {
                op: Default::default(),
                errno: Errno::EPERM,
            }),
        ) {
            Fold::Finish(Err(e)) => {
                assert_eq!(
                    e.to_string(),
                    "dump IPv4 routes: EPERM (Operation not permitted)"
                )
            }
            f => panic!("{f:?}"),
        }
        assert!(matches!(
            items::<Route, _>(&r, Reply::Done { interrupted: true }),
            Fold::Finish(Err(Error::DumpInterrupted { .. }))
        ));
    }

    #[test]
    fn items_decode_and_filter() {
        let mut buf = [0u8; 128];
        let mut w = crate::wire::Writer::new(&mut buf);
        let m = w.begin_message(crate::route::RTM_NEWROUTE, 2, 1, 0);
        crate::route::RtMsg {
            family: 2,
            table: 254,
            ..Default::default()
        }
        .emit(&mut w);
        w.end_message(m);
        let n = w.finish().unwrap();
        let msg: Message<'_> = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert!(matches!(
            items::<Route, _>(&GetRoutes::ipv4(), Reply::Item(msg)),
            Fold::Yield(Ok(_))
        ));
        assert!(matches!(
            items::<Route, _>(&GetRoutes::ipv4().table(5), Reply::Item(msg)),
            Fold::Continue
        ));
        assert!(matches!(
            items::<Route, _>(&GetRoutes::ipv6(), Reply::Item(msg)),
            Fold::Continue
        ));
    }
}
