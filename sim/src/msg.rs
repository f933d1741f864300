//! Building the kernel's messages: replies, acknowledgements, dump chunks.

use nlwire::Errno;
use nlwire::wire::{HEADER_LEN, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, Writer};

/// `NLM_F_CAPPED`: the acknowledgement carries only the request's header.
const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_ACK_TLVS`: extended-ack attributes follow.
const NLM_F_ACK_TLVS: u16 = 0x200;
/// `NLMSGERR_ATTR_MSG`.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// How much of a dump the kernel puts in one datagram: its dump buffer
/// grows to 32 KiB for a reader with a large receive buffer (the
/// library's default), less one page's skb overhead.
pub(crate) const DUMP_CHUNK: usize = 32768 - 320;

/// A refusal: the errno and the kernel's extended-ack text, if it sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) errno: Errno,
    pub(crate) msg: Option<&'static str>,
}

impl Fail {
    pub(crate) fn new(errno: Errno) -> Fail {
        Fail { errno, msg: None }
    }
    pub(crate) fn msg(errno: Errno, msg: &'static str) -> Fail {
        Fail {
            errno,
            msg: Some(msg),
        }
    }
    /// A request the simulator does not model.
    pub(crate) fn unsupported(msg: &'static str) -> Fail {
        Fail::msg(Errno(95), msg)
    }
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
    body: impl FnOnce(&mut Writer<'_>),
) -> usize {
    let mut w = Writer::new(scratch);
    let m = w.begin_message(kind, flags, seq, port);
    body(&mut w);
    w.end_message(m);
    w.finish().expect("simulated message fits its buffer")
}

/// One message of `kind`, its body written by `body` after the header.
pub(crate) fn message(
    kind: u16,
    flags: u16,
    seq: u32,
    port: u32,
    body: impl FnOnce(&mut Writer<'_>),
) -> Vec<u8> {
    let mut scratch = [0u8; MESSAGE_MAX];
    let n = write_message(&mut scratch, kind, flags, seq, port, body);
    scratch[..n].to_vec()
}

/// A dump reply being written: items go straight into datagrams of at
/// most [`DUMP_CHUNK`] bytes, as the kernel fills its dump buffers.
pub(crate) struct DumpOut {
    seq: u32,
    port: u32,
    chunks: Vec<Vec<u8>>,
    cur: Vec<u8>,
    scratch: Box<[u8; MESSAGE_MAX]>,
}

impl DumpOut {
    pub(crate) fn new(req: &Req<'_>) -> DumpOut {
        DumpOut {
            seq: req.seq,
            port: req.port,
            chunks: Vec::new(),
            cur: Vec::with_capacity(DUMP_CHUNK),
            scratch: Box::new([0; MESSAGE_MAX]),
        }
    }

    /// Appends one item (`NLM_F_MULTI`).
    pub(crate) fn item(&mut self, kind: u16, body: impl FnOnce(&mut Writer<'_>)) {
        let n = write_message(
            &mut self.scratch[..],
            kind,
            NLM_F_MULTI,
            self.seq,
            self.port,
            body,
        );
        if !self.cur.is_empty() && self.cur.len() + n > DUMP_CHUNK {
            self.chunks.push(std::mem::replace(
                &mut self.cur,
                Vec::with_capacity(DUMP_CHUNK),
            ));
        }
        self.cur.extend_from_slice(&self.scratch[..n]);
    }

    /// The datagrams, `NLMSG_DONE` in the last when it fits.
    pub(crate) fn finish(mut self) -> Vec<Vec<u8>> {
        let n = write_message(
            &mut self.scratch[..],
            NLMSG_DONE,
            NLM_F_MULTI,
            self.seq,
            self.port,
            |w| w.put(&0i32.to_ne_bytes()),
        );
        if !self.cur.is_empty() && self.cur.len() + n > DUMP_CHUNK {
            self.chunks.push(std::mem::take(&mut self.cur));
        }
        self.cur.extend_from_slice(&self.scratch[..n]);
        self.chunks.push(self.cur);
        self.chunks
    }
}

/// The acknowledgement (errno 0) or error for `req`, as a socket with
/// `NETLINK_CAP_ACK` and `NETLINK_EXT_ACK` receives it.
pub(crate) fn ack(req: &Req<'_>, fail: Option<Fail>) -> Vec<u8> {
    let errno = fail.map_or(0, |f| -f.errno.0);
    let text = fail.and_then(|f| f.msg);
    let flags = NLM_F_CAPPED | if text.is_some() { NLM_F_ACK_TLVS } else { 0 };
    message(NLMSG_ERROR, flags, req.seq, req.port, |w| {
        w.put(&errno.to_ne_bytes());
        w.put(&req.header[..HEADER_LEN]);
        if let Some(t) = text {
            let mut s = Vec::with_capacity(t.len() + 1);
            s.extend_from_slice(t.as_bytes());
            s.push(0);
            w.attr(NLMSGERR_ATTR_MSG, &s);
        }
    })
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
