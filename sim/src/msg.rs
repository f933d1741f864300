//! Building the kernel's messages: replies, acknowledgements, dump chunks.

use std::borrow::Cow;

use nlwire::Errno;
use nlwire::wire::{Attr, HEADER_LEN, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, Writer};

/// `NLM_F_CAPPED`: the acknowledgement carries only the request's header.
const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_ACK_TLVS`: extended-ack attributes follow.
const NLM_F_ACK_TLVS: u16 = 0x200;
/// `NLMSGERR_ATTR_MSG`.
const NLMSGERR_ATTR_MSG: u16 = 1;
/// `NLMSGERR_ATTR_OFFS`.
const NLMSGERR_ATTR_OFFS: u16 = 2;

/// A refusal: the errno and the kernel's extended-ack text, if it sets one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) errno: Errno,
    pub(crate) msg: Option<Cow<'static, str>>,
    /// The address of the attribute the failure points at, in the
    /// request's bytes (`NLMSGERR_ATTR_OFFS` is its offset from the
    /// request's header).
    pub(crate) attr: Option<usize>,
}

impl Fail {
    pub(crate) fn new(errno: Errno) -> Fail {
        Fail {
            errno,
            msg: None,
            attr: None,
        }
    }
    pub(crate) fn msg(errno: Errno, msg: impl Into<Cow<'static, str>>) -> Fail {
        Fail {
            errno,
            msg: Some(msg.into()),
            attr: None,
        }
    }
    /// The same failure, pointing at `attr` (`NL_SET_BAD_ATTR`).
    pub(crate) fn at(mut self, attr: &Attr<'_>) -> Fail {
        // The attribute's header is the 4 bytes before its payload.
        self.attr = Some((attr.payload().as_ptr() as usize).wrapping_sub(4));
        self
    }
    /// An attribute shorter than its policy's type (`validate_nla`'s
    /// `nla_attr_minlen` check): `ERANGE`, pointing at it.
    pub(crate) fn policy(attr: &Attr<'_>) -> Fail {
        Fail::msg(Errno(34), "Attribute failed policy validation").at(attr)
    }
    /// A request the simulator does not model.
    pub(crate) fn unsupported(msg: &'static str) -> Fail {
        Fail::msg(Errno(95), msg)
    }
}

/// The first `N` bytes of a fixed-size attribute, as the kernel's liberal
/// request policies read one (`nlmsg_parse_deprecated`): shorter is
/// [`Fail::policy`], longer is accepted.
pub(crate) fn fixed<const N: usize>(attr: &Attr<'_>) -> Res<[u8; N]> {
    attr.payload()
        .get(..N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Fail::policy(attr))
}

/// An `NLA_U32` attribute under a liberal policy (see [`fixed`]).
pub(crate) fn u32_attr(attr: &Attr<'_>) -> Res<u32> {
    fixed::<4>(attr).map(u32::from_ne_bytes)
}

/// An IPv4 address in an `NLA_U32` attribute (see [`fixed`]).
pub(crate) fn in_addr(attr: &Attr<'_>) -> Res<u32> {
    fixed::<4>(attr).map(u32::from_be_bytes)
}

/// The result of a handler.
pub(crate) type Res<T = ()> = Result<T, Fail>;

/// The header fields of the request being answered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Req<'a> {
    pub(crate) kind: u16,
    pub(crate) flags: u16,
    pub(crate) seq: u32,
    pub(crate) port: u32,
    pub(crate) header: &'a [u8],
    pub(crate) payload: &'a [u8],
}

/// Room for any one message the simulator builds (far below it).
const MESSAGE_MAX: usize = 8192;

/// Writes one message of `kind` into `scratch` (its body by `body`, after
/// the header) and returns its length.
fn write_message(
    scratch: &mut [u8],
    kind: u16,
    flags: u16,
    seq: u32,
    port: u32,
    body: &impl Fn(&mut Writer<'_>),
) -> Option<usize> {
    let mut w = Writer::new(scratch);
    let m = w.begin_message(kind, flags, seq, port);
    body(&mut w);
    w.end_message(m);
    w.finish().ok()
}

/// [`write_message`] into `scratch`, or into a larger buffer (returned)
/// for a message that does not fit (the attribute limits keep messages
/// far below `scratch`; this only keeps a miss from panicking).
fn write_big(
    scratch: &mut [u8],
    kind: u16,
    flags: u16,
    seq: u32,
    port: u32,
    body: impl Fn(&mut Writer<'_>),
) -> Result<usize, Vec<u8>> {
    if let Some(n) = write_message(scratch, kind, flags, seq, port, &body) {
        return Ok(n);
    }
    let mut size = scratch.len() * 8;
    loop {
        let mut big = vec![0u8; size];
        if let Some(n) = write_message(&mut big, kind, flags, seq, port, &body) {
            big.truncate(n);
            return Err(big);
        }
        size *= 8;
    }
}

/// One message of `kind`, its body written by `body` after the header.
pub(crate) fn message(
    kind: u16,
    flags: u16,
    seq: u32,
    port: u32,
    body: impl Fn(&mut Writer<'_>),
) -> Vec<u8> {
    let mut scratch = [0u8; MESSAGE_MAX];
    match write_big(&mut scratch, kind, flags, seq, port, body) {
        Ok(n) => scratch[..n].to_vec(),
        Err(big) => big,
    }
}

/// The acknowledgement (errno 0) or error for `req`, as a socket with
/// `NETLINK_CAP_ACK` and `NETLINK_EXT_ACK` receives it.
pub(crate) fn ack(req: &Req<'_>, fail: Option<Fail>) -> Vec<u8> {
    let errno = fail.as_ref().map_or(0, |f| f.errno.0.saturating_neg());
    // The offset of the attribute the failure points at, when it lies in
    // this request (`NLMSGERR_ATTR_OFFS`).
    let start = req.header.as_ptr() as usize;
    let offset = fail
        .as_ref()
        .and_then(|f| f.attr)
        .and_then(|a| a.checked_sub(start))
        .filter(|&o| o >= HEADER_LEN && o < req.header.len())
        .and_then(|o| u32::try_from(o).ok());
    let text = fail.and_then(|f| f.msg);
    let tlvs = text.is_some() || offset.is_some();
    let flags = NLM_F_CAPPED | if tlvs { NLM_F_ACK_TLVS } else { 0 };
    message(NLMSG_ERROR, flags, req.seq, req.port, |w| {
        w.put(&errno.to_ne_bytes());
        w.put(&req.header[..HEADER_LEN]);
        if let Some(t) = &text {
            let mut s = Vec::with_capacity(t.len() + 1);
            s.extend_from_slice(t.as_bytes());
            s.push(0);
            w.attr(NLMSGERR_ATTR_MSG, &s);
        }
        if let Some(o) = offset {
            w.attr_u32(NLMSGERR_ATTR_OFFS, o);
        }
    })
}

/// What a handler answers: datagrams to send now, or a dump, whose
/// datagrams go out as the reader drains them.
#[derive(Debug)]
pub(crate) enum Reply {
    Now(Vec<Vec<u8>>),
    Dump(PendingDump),
}

/// `NLMSG_GOODSIZE`: the first datagram of a socket's first dump, before
/// any receive told the kernel how large the reader's buffer is.
pub(crate) const NLMSG_GOODSIZE: usize = 4096 - 320;
/// `SKB_WITH_OVERHEAD(32768)`: the largest dump datagram.
pub(crate) const DUMP_MAX: usize = 32768 - 320;

/// A dump reply being written: its items, one after the other.
pub(crate) struct DumpOut {
    seq: u32,
    port: u32,
    bytes: Vec<u8>,
    scratch: Box<[u8; MESSAGE_MAX]>,
    coalesce_done: bool,
    item_flags: u16,
}

impl DumpOut {
    pub(crate) fn new(req: &Req<'_>) -> DumpOut {
        DumpOut {
            seq: req.seq,
            port: req.port,
            bytes: Vec::new(),
            scratch: Box::new([0; MESSAGE_MAX]),
            coalesce_done: false,
            item_flags: NLM_F_MULTI,
        }
    }

    /// The items carry `NLM_F_DUMP_FILTERED` too (as IPv4 route dumps'
    /// do).
    pub(crate) fn filtered(mut self) -> DumpOut {
        self.set_filtered(true);
        self
    }

    /// Whether the items from here on carry `NLM_F_DUMP_FILTERED`.
    pub(crate) fn set_filtered(&mut self, on: bool) {
        if on {
            self.item_flags |= nlwire::wire::NLM_F_DUMP_FILTERED;
        } else {
            self.item_flags &= !nlwire::wire::NLM_F_DUMP_FILTERED;
        }
    }

    /// `NLMSG_DONE` goes in the datagram of the last items when it fits
    /// (the family's dump ends in the same pass); by default it comes
    /// alone, in the next pass, as for links, addresses and routes.
    pub(crate) fn coalesce_done(mut self) -> DumpOut {
        self.coalesce_done = true;
        self
    }

    /// Appends one item (`NLM_F_MULTI`).
    pub(crate) fn item(&mut self, kind: u16, body: impl Fn(&mut Writer<'_>)) {
        let (seq, port, flags) = (self.seq, self.port, self.item_flags);
        match write_big(&mut self.scratch[..], kind, flags, seq, port, body) {
            Ok(n) => self.bytes.extend_from_slice(&self.scratch[..n]),
            Err(big) => self.bytes.extend_from_slice(&big),
        }
    }

    pub(crate) fn finish(mut self) -> Reply {
        let n = write_message(
            &mut self.scratch[..],
            NLMSG_DONE,
            NLM_F_MULTI,
            self.seq,
            self.port,
            &|w: &mut Writer<'_>| w.put(&0i32.to_ne_bytes()),
        )
        .expect("NLMSG_DONE fits");
        Reply::Dump(PendingDump {
            bytes: self.bytes,
            pos: 0,
            done: self.scratch[..n].to_vec(),
            coalesce_done: self.coalesce_done,
            chunks: 0,
            intr_from: None,
        })
    }
}

/// A dump on its way to the reader: the kernel fills one datagram per
/// pass, a pass when the dump starts and one after each receive.
#[derive(Debug)]
pub(crate) struct PendingDump {
    bytes: Vec<u8>,
    pos: usize,
    done: Vec<u8>,
    coalesce_done: bool,
    chunks: usize,
    /// `NLM_F_DUMP_INTR` from this datagram on.
    pub(crate) intr_from: Option<usize>,
}

impl PendingDump {
    /// How many datagrams the dump would take at the largest size.
    pub(crate) fn estimate_chunks(&self) -> usize {
        self.bytes.len() / DUMP_MAX + 1
    }

    /// The next pass: a datagram of at most `room` bytes, and whether the
    /// dump is over with it.
    pub(crate) fn next_chunk(&mut self, room: usize) -> (Vec<u8>, bool) {
        let start = self.pos;
        while self.pos + HEADER_LEN <= self.bytes.len() {
            let len = u32::from_ne_bytes(
                self.bytes[self.pos..self.pos + 4]
                    .try_into()
                    .expect("4 bytes"),
            ) as usize;
            let len = (len + 3) & !3;
            if self.pos > start && self.pos - start + len > room {
                break;
            }
            self.pos += len;
        }
        let mut chunk = self.bytes[start..self.pos].to_vec();
        let finished = if self.pos < self.bytes.len() {
            false
        } else if chunk.is_empty() || (self.coalesce_done && chunk.len() + self.done.len() <= room)
        {
            chunk.extend_from_slice(&self.done);
            true
        } else {
            false
        };
        // Flagged from datagram `k` on, or the last if the dump has fewer.
        if self.intr_from.is_some_and(|k| self.chunks >= k || finished) {
            set_flags(&mut chunk, nlwire::wire::NLM_F_DUMP_INTR);
        }
        self.chunks += 1;
        (chunk, finished)
    }
}

/// Sets `flags` on every message of a datagram.
pub(crate) fn set_flags(datagram: &mut [u8], flags: u16) {
    let mut off = 0;
    while off + HEADER_LEN <= datagram.len() {
        let len = u32::from_ne_bytes(datagram[off..off + 4].try_into().expect("4 bytes")) as usize;
        let f = u16::from_ne_bytes([datagram[off + 6], datagram[off + 7]]) | flags;
        datagram[off + 6..off + 8].copy_from_slice(&f.to_ne_bytes());
        if len < HEADER_LEN {
            break;
        }
        off += (len + 3) & !3;
    }
}
