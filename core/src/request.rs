//! The [`Request`] trait: anything that can be sent as one netlink request;
//! and [`FromMessage`]: anything decoded from one reply message.

use core::fmt;

use crate::wire::{DecodeError, Message, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, Writer};

/// A type that can be built from one reply message — the item type of a
/// typed dump (the owned models: `Link`, `Route`, …).
pub trait FromMessage: Sized {
    /// Decodes the item. A message of the wrong type is
    /// [`DecodeError::UnexpectedType`].
    fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError>;
}

/// A zero-copy view of one message (`LinkMessage<'a>`, `RouteMessage<'a>`,
/// …): decoded in place, borrowing the received datagram.
pub trait View<'a>: Sized {
    /// Decodes the view. A message of the wrong type is
    /// [`DecodeError::UnexpectedType`].
    fn view(msg: &Message<'a>) -> Result<Self, DecodeError>;
}

/// A request answered by objects of one kind — a dump, or a GET — and so
/// naming its reply: `conn.get(req)` returns a [`Query::Item`] and
/// `conn.dump(req)` yields them, `conn.dump_with(req, f)` hands `f` each
/// as a [`Query::View`], with no turbofish.
pub trait Query: Request {
    /// The zero-copy view of a reply object.
    type View<'a>: View<'a>;
    /// The owned model of a reply object (`alloc`).
    #[cfg(feature = "alloc")]
    type Item: FromMessage;
}

impl<R: Query + ?Sized> Query for &R {
    type View<'a> = R::View<'a>;
    #[cfg(feature = "alloc")]
    type Item = R::Item;
}

/// Implements [`View`] for views with an inherent `from_message`, and
/// [`Query`] for the requests answered by them.
macro_rules! query {
    ($view:ident => $item:ident: $($req:ty),+) => {
        impl<'a> $crate::request::View<'a> for $view<'a> {
            // Always inlined, as the views' own `from_message`: a view
            // returned through a call is copied (176 bytes for a route).
            #[inline(always)]
            fn view(msg: &$crate::wire::Message<'a>) -> Result<Self, $crate::DecodeError> {
                $view::from_message(msg)
            }
        }
        $(
            impl $crate::request::Query for $req {
                type View<'a> = $view<'a>;
                #[cfg(feature = "alloc")]
                type Item = $item;
            }
        )+
    };
}
pub(crate) use query;

/// A netlink request: its message type, flags and payload.
///
/// The exchange machine assigns the sequence number and port, and adds
/// `NLM_F_REQUEST` (plus `NLM_F_ACK` for non-dump requests, so every request
/// ends with exactly one acknowledgement, error or `NLMSG_DONE`).
pub trait Request {
    /// `nlmsg_type` (e.g. `RTM_GETLINK`).
    fn message_type(&self) -> u16;

    /// Extra `NLM_F_*` flags (e.g. `NLM_F_CREATE | NLM_F_EXCL`). `NLM_F_DUMP`
    /// is added automatically when [`Request::is_dump`] is true.
    fn flags(&self) -> u16 {
        0
    }

    /// Whether this request starts a dump (a multipart reply ended by
    /// `NLMSG_DONE`).
    fn is_dump(&self) -> bool {
        false
    }

    /// Writes the payload (fixed header and attributes) after the netlink
    /// header.
    fn emit_payload(&self, w: &mut Writer<'_>);

    /// Describes the request for error messages: `dump links`,
    /// `delete link "veth0"`.
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// Whether a reply item matches what was asked. Dump filters are
    /// honoured by the kernel only on strict-checking sockets (and not for
    /// every attribute), so runtimes skip items for which this returns
    /// `false`. Default: everything matches.
    fn accepts(&self, msg: &crate::wire::Message<'_>) -> bool {
        let _ = msg;
        true
    }

    /// Writes the whole message with the given sequence number and port.
    fn emit(&self, w: &mut Writer<'_>, seq: u32, port: u32) {
        let mut flags = self.flags() | NLM_F_REQUEST;
        if self.is_dump() {
            flags |= NLM_F_DUMP;
        } else {
            flags |= NLM_F_ACK;
        }
        let m = w.begin_message(self.message_type(), flags, seq, port);
        self.emit_payload(w);
        w.end_message(m);
    }
}

impl<R: Request + ?Sized> Request for &R {
    fn message_type(&self) -> u16 {
        (**self).message_type()
    }
    fn flags(&self) -> u16 {
        (**self).flags()
    }
    fn is_dump(&self) -> bool {
        (**self).is_dump()
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        (**self).emit_payload(w)
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).describe(f)
    }
    fn accepts(&self, msg: &crate::wire::Message<'_>) -> bool {
        (**self).accepts(msg)
    }
    fn emit(&self, w: &mut Writer<'_>, seq: u32, port: u32) {
        (**self).emit(w, seq, port)
    }
}

/// Displays a request through [`Request::describe`].
pub struct Describe<'r, R: ?Sized>(pub &'r R);

impl<R: Request + ?Sized> fmt::Display for Describe<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.describe(f)
    }
}

/// A request given as a raw message type, flags and payload bytes — for
/// message types nlwire has no builder for yet, and for tests.
#[derive(Debug, Clone, Copy)]
pub struct RawRequest<'a> {
    /// `nlmsg_type`.
    pub message_type: u16,
    /// Extra flags.
    pub flags: u16,
    /// Whether a dump reply is expected.
    pub dump: bool,
    /// Payload after the netlink header, already encoded.
    pub payload: &'a [u8],
}

impl Request for RawRequest<'_> {
    fn message_type(&self) -> u16 {
        self.message_type
    }
    fn flags(&self) -> u16 {
        self.flags
    }
    fn is_dump(&self) -> bool {
        self.dump
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        w.put(self.payload);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request type {}", self.message_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    /// Every provided method must be forwarded through `&R` and `&dyn`, or
    /// an override is silently lost.
    #[test]
    fn references_forward_overrides() {
        struct Custom;
        impl Request for Custom {
            fn message_type(&self) -> u16 {
                99
            }
            fn emit_payload(&self, _: &mut Writer<'_>) {}
            fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("custom")
            }
            fn flags(&self) -> u16 {
                0x100
            }
            fn is_dump(&self) -> bool {
                true
            }
            fn accepts(&self, _: &crate::wire::Message<'_>) -> bool {
                false
            }
            fn emit(&self, w: &mut Writer<'_>, _seq: u32, _port: u32) {
                w.put(&[42]);
            }
        }
        let d: &dyn Request = &Custom;
        let r = &d;
        assert_eq!((r.flags(), r.is_dump()), (0x100, true));
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        assert_eq!(w.finish(), Ok(1));
        assert_eq!(buf[0], 42);
        let h = crate::wire::Header {
            len: 16,
            ..Default::default()
        }
        .to_bytes();
        assert!(!r.accepts(&crate::wire::Message::parse(&h).unwrap()));
    }

    #[test]
    fn emit_adds_request_and_ack_or_dump() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        RawRequest {
            message_type: 17,
            flags: 0,
            dump: false,
            payload: &[1, 2, 3, 4],
        }
        .emit(&mut w, 5, 0);
        RawRequest {
            message_type: 18,
            flags: 0,
            dump: true,
            payload: &[],
        }
        .emit(&mut w, 6, 0);
        let n = w.finish().unwrap();
        let v: std::vec::Vec<_> = Messages::new(&buf[..n]).map(|m| m.unwrap()).collect();
        assert_eq!(v[0].flags(), NLM_F_REQUEST | NLM_F_ACK);
        assert_eq!(v[0].payload(), &[1, 2, 3, 4]);
        assert_eq!(v[1].flags(), NLM_F_REQUEST | NLM_F_DUMP);
        assert_eq!(v[1].seq(), 6);
    }
}
