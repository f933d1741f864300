//! Batches: thousands of requests, many per datagram, one result each
//! (`alloc`).
//!
//! A [`Batch`] encodes its requests up front into one flat buffer. Running
//! it sends them in chunks (one datagram each, at most
//! [`BatchOptions::max_per_datagram`] messages). Only the last message of
//! a chunk asks for an acknowledgement: the kernel handles a datagram's
//! messages in order and reports every failure, so when the last one's
//! acknowledgement arrives, each message of the chunk without an error
//! before it has succeeded. One send and one receive per chunk instead of
//! one round trip per request.
//!
//! [`BatchRun`] is the runner's state: it starts each chunk on the
//! [`Mux`] as *silent* requests ([`Mux::start_silent`]) and collects their
//! failures ([`Mux::settle_silent`]). The runtimes drive it through the
//! [`BatchTask`](super::task::BatchTask).
//!
//! # Parallel batches
//!
//! A batch whose requests do not depend on each other (a route sync, a
//! BGP table) can be spread over several connections, each driven by its
//! own thread, so that the kernel works on several CPUs at once
//! (`Connection::batch_parallel` in `nlwire-mio`). [`Batch::lanes`] splits
//! the batch into contiguous ranges of whole datagrams, one per
//! connection; each runs as a [`BatchRun::lane`], and
//! [`BatchOutcome::merge`] joins their outcomes. The semantics:
//! - **No ordering between members.** Requests of different lanes reach
//!   the kernel in any order, so a batch whose requests depend on each
//!   other (a route through a link the batch adds, a replace after an add)
//!   must not run in parallel.
//! - **The same per-member results** as one connection would report for
//!   an order-independent set: each request has its result under its
//!   index in the whole batch.
//! - **`stop_on_error`** stops every lane before its next datagram once
//!   any lane has seen a failure (a shared flag, see
//!   [`BatchTask::lane`](super::task::BatchTask::lane)); what was in
//!   flight is carried out, and the rest of each lane is reported as not
//!   sent, so [`BatchOutcome::not_sent`] may list one range per lane.

use alloc::format;
use alloc::vec::Vec;
use core::ops::Range;

use super::exchange::RequestId;
use super::mux::Mux;
use crate::InvalidInput;
use crate::error::Error;
use crate::fold::Reply;
use crate::request::{Describe, Request};
use crate::route::describe_request;
use crate::wire::{EncodeError, Writer};

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// Stop sending after the first chunk with a failure. Requests already
    /// sent in that chunk are still carried out by the kernel; the rest are
    /// reported as not sent.
    pub stop_on_error: bool,
    /// Most messages per datagram (default 256). Smaller values make
    /// `stop_on_error` stop sooner.
    pub max_per_datagram: usize,
    /// Most bytes per datagram (default 64 KiB).
    pub max_datagram: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            stop_on_error: false,
            max_per_datagram: 256,
            max_datagram: 64 * 1024,
        }
    }
}

impl BatchOptions {
    /// Stops at the first failing chunk.
    pub fn stop_on_error(mut self, stop: bool) -> Self {
        self.stop_on_error = stop;
        self
    }

    /// At most `n` (≥ 1) messages per datagram.
    pub fn max_per_datagram(mut self, n: usize) -> Self {
        self.max_per_datagram = n.max(1);
        self
    }
}

/// Requests queued for one batch, encoded into one buffer.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    buf: Vec<u8>,
    ends: Vec<u32>,
    options: BatchOptions,
}

impl Batch {
    /// An empty batch with default options.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// An empty batch with room for `requests` requests of about
    /// `bytes_each` bytes.
    pub fn with_capacity(requests: usize, bytes_each: usize) -> Batch {
        Batch {
            buf: Vec::with_capacity(requests * bytes_each),
            ends: Vec::with_capacity(requests),
            options: BatchOptions::default(),
        }
    }

    /// Sets the options.
    pub fn options(mut self, options: BatchOptions) -> Batch {
        self.options = options;
        self
    }

    /// The options.
    pub fn get_options(&self) -> BatchOptions {
        self.options
    }

    /// Queues a request (encoded now); returns its index. Dumps cannot be
    /// batched.
    pub fn push<R: Request + ?Sized>(&mut self, req: &R) -> Result<usize, Error> {
        if req.is_dump() {
            return Err(Error::InvalidInput {
                op: format!("{}", Describe(req)),
                source: InvalidInput::DumpInBatch,
            });
        }
        let start = self.buf.len();
        let mut want = 256;
        loop {
            self.buf.resize(start + want, 0);
            let mut w = Writer::new(&mut self.buf[start..]);
            req.emit(&mut w, 0, 0);
            match w.finish() {
                Ok(n) => {
                    self.buf.truncate(start + n);
                    self.ends.push(self.buf.len() as u32);
                    return Ok(self.ends.len() - 1);
                }
                Err(EncodeError::BufferTooSmall { needed, .. }) => want = needed,
                Err(source) => {
                    self.buf.truncate(start);
                    return Err(Error::Encode {
                        op: format!("{}", Describe(req)),
                        source,
                    });
                }
            }
        }
    }

    /// Number of queued requests.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Request `i` as encoded, if there is one.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| self.message(i))
    }

    /// Request `i` as encoded (sequence number and port still 0).
    pub fn message(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// Removes every request, keeping the buffers.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    /// Splits the batch into at most `n` contiguous, non-empty ranges of
    /// about the same size, each a whole number of full datagrams
    /// ([`BatchOptions::max_per_datagram`]) except the last: one per
    /// connection of a parallel batch (see the [module
    /// documentation](self#parallel-batches)). Fewer ranges than `n` when
    /// the batch has fewer datagrams; none when it is empty.
    pub fn lanes(&self, n: usize) -> impl Iterator<Item = Range<usize>> + use<> {
        let per = self.options.max_per_datagram.max(1);
        let len = self.len();
        let datagrams = len.div_ceil(per);
        let lanes = n.clamp(1, datagrams.max(1));
        // Datagrams per lane: the first `datagrams % lanes` lanes get one
        // more.
        let (each, extra) = (datagrams / lanes, datagrams % lanes);
        let mut start = 0;
        (0..lanes).filter_map(move |k| {
            let count = each + usize::from(k < extra);
            let end = (start + count * per).min(len);
            let r = start..end;
            start = end;
            (!r.is_empty()).then_some(r)
        })
    }
}

/// The result of a batch: which requests failed and why.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    len: usize,
    /// The requests not sent: sorted, disjoint ranges (one at the end for
    /// a batch on one connection; one per lane at most for a parallel one).
    unsent: Vec<Range<usize>>,
    failures: Vec<(usize, Error)>,
}

/// The result of one request of a batch.
#[derive(Debug)]
pub enum BatchResult<'a> {
    /// Carried out.
    Ok,
    /// Failed (errno and extended-ack text inside).
    Failed(&'a Error),
    /// Not sent, because the batch stopped at an earlier failure.
    NotSent,
}

impl BatchOutcome {
    /// Whether every request was sent and succeeded.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty() && self.unsent.is_empty()
    }

    /// Number of requests in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of requests that succeeded.
    pub fn succeeded(&self) -> usize {
        let unsent: usize = self.unsent.iter().map(|r| r.len()).sum();
        self.len - unsent - self.failures.len()
    }

    /// The failed requests, by index, in order.
    pub fn failures(&self) -> &[(usize, Error)] {
        &self.failures
    }

    /// Indexes of the requests not sent (after a stop on error, or a send
    /// that failed), as sorted, disjoint ranges: at most one, at the end,
    /// for a batch run on one connection; at most one per lane for a
    /// parallel batch. Empty when every request was sent.
    pub fn not_sent(&self) -> &[Range<usize>] {
        &self.unsent
    }

    /// The result of request `i`.
    pub fn result(&self, i: usize) -> BatchResult<'_> {
        if i >= self.len || self.unsent.iter().any(|r| r.contains(&i)) {
            return BatchResult::NotSent;
        }
        match self.failures.binary_search_by_key(&i, |(j, _)| *j) {
            Ok(k) => BatchResult::Failed(&self.failures[k].1),
            Err(_) => BatchResult::Ok,
        }
    }

    /// `Ok` if everything succeeded, else the first failure.
    pub fn into_result(mut self) -> Result<(), Error> {
        if self.failures.is_empty() {
            if let Some(r) = self.unsent.first() {
                return Err(Error::NoReply {
                    op: format!("batch request {}", r.start),
                });
            }
            return Ok(());
        }
        Err(self.failures.swap_remove(0).1)
    }

    /// Joins the outcomes of the lanes of one batch (each from a
    /// [`BatchRun::lane`] over a disjoint range of it) into the outcome
    /// of the whole batch.
    pub fn merge(parts: impl IntoIterator<Item = BatchOutcome>) -> BatchOutcome {
        let mut all = BatchOutcome::default();
        for p in parts {
            all.len = all.len.max(p.len);
            all.unsent.extend(p.unsent);
            all.failures.extend(p.failures);
        }
        all.unsent.sort_by_key(|r| r.start);
        all.failures.sort_by_key(|(i, _)| *i);
        all
    }
}

/// The state of a running batch (see the [module documentation](self)).
#[derive(Debug)]
pub struct BatchRun {
    next: usize,
    /// One past the last request of this run's range.
    end: usize,
    chunk: Option<Chunk>,
    members: Vec<u32>,
    sorted: Vec<u32>,
    outcome: BatchOutcome,
    stopped: bool,
}

#[derive(Debug, Clone, Copy)]
struct Chunk {
    from: usize,
    barrier: RequestId,
}

impl BatchRun {
    /// A run of the whole of `batch`.
    pub fn new(batch: &Batch) -> BatchRun {
        BatchRun::lane(batch, 0..batch.len())
    }

    /// A run of the requests `range` of `batch` only: one lane of a
    /// parallel batch (see [`Batch::lanes`]). Its outcome names requests
    /// by their index in the whole batch and says nothing of those outside
    /// `range` until [merged](BatchOutcome::merge) with the other lanes'.
    pub fn lane(batch: &Batch, range: Range<usize>) -> BatchRun {
        let end = range.end.min(batch.len());
        BatchRun {
            next: range.start.min(end),
            end,
            chunk: None,
            members: Vec::new(),
            sorted: Vec::new(),
            outcome: BatchOutcome {
                len: batch.len(),
                unsent: Vec::new(),
                failures: Vec::new(),
            },
            stopped: false,
        }
    }

    /// Sends nothing more: the requests not yet started are reported as
    /// not sent (a chunk in flight is still settled).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether this run saw a failure while stopping on errors: the signal
    /// for the other lanes of a parallel batch to stop too.
    pub fn stopped_on_error(&self, options: &BatchOptions) -> bool {
        options.stop_on_error && !self.outcome.failures.is_empty()
    }

    /// The request whose acknowledgement ends the current chunk.
    pub fn barrier(&self) -> Option<RequestId> {
        self.chunk.map(|c| c.barrier)
    }

    /// Whether every chunk has been sent and settled (or the run stopped).
    pub fn is_finished(&self) -> bool {
        self.chunk.is_none() && (self.stopped || self.next >= self.end)
    }

    /// The index of the next request to send.
    pub fn next_index(&self) -> usize {
        self.next
    }

    /// Starts the next chunk on `mux` (see [`Mux::start_silent`]); `true`
    /// when its bytes wait in [`Mux::outgoing`], to be sent as one
    /// datagram. On an error the run records it for the chunk's requests
    /// and stops (see [`BatchRun::send_failed`]); nothing is left
    /// registered.
    pub fn start_chunk(&mut self, batch: &Batch, mux: &mut Mux) -> bool {
        let opts = batch.get_options();
        let from = self.next;
        let mut len = 0;
        let mut to = from;
        while to < self.end && to - from < opts.max_per_datagram {
            let m = batch.message(to).len();
            if to > from && len + m > opts.max_datagram {
                break;
            }
            len += m;
            to += 1;
        }
        self.members.clear();
        let msgs = (from..to).map(|i| batch.message(i));
        match mux.start_silent(msgs, &mut self.members) {
            Ok(barrier) => {
                self.chunk = Some(Chunk { from, barrier });
                self.next = to;
                self.sorted.clear();
                self.sorted.extend_from_slice(&self.members);
                self.sorted.sort_unstable();
                true
            }
            Err(e) => {
                self.send_failed(e);
                false
            }
        }
    }

    fn is_member(&self, seq: u32) -> bool {
        self.sorted.binary_search(&seq).is_ok()
    }

    /// After the barrier's terminal reply ([`BatchRun::barrier_reply`]
    /// returned `true`): records the failures of the chunk's members and
    /// ends the chunk.
    pub fn settle(&mut self, batch: &Batch, mux: &mut Mux) {
        let Some(c) = self.chunk else { return };
        let (sorted, members, outcome) = (&self.sorted, &self.members, &mut self.outcome);
        mux.settle_silent(
            |s| sorted.binary_search(&s).is_ok(),
            |seq, e| {
                if let Some(p) = members.iter().position(|&s| s == seq) {
                    outcome
                        .failures
                        .push((c.from + p, e.with_op(op_name(c.from + p))));
                }
            },
        );
        self.end_chunk(&batch.get_options());
    }

    /// The chunk in flight is given up (dropped, timed out): forgets it on
    /// `mux`.
    pub fn abandon(&self, mux: &mut Mux) {
        if let Some(c) = self.chunk {
            mux.abort_silent(c.barrier, |s| self.is_member(s));
        }
    }

    /// The chunk could not be sent (or not even encoded): its members fail
    /// with `e`, and the run stops (the rest are not sent).
    pub fn send_failed(&mut self, e: Error) {
        let (from, n) = match self.chunk.take() {
            Some(c) => (c.from, self.members.len()),
            None => (self.next, usize::from(self.next < self.end)),
        };
        for i in from..from + n {
            self.outcome.failures.push((i, e.clone_shallow(i)));
        }
        self.next = from + n;
        self.stopped = true;
    }

    /// A reply to the barrier. Returns `true` when it ended the chunk; the
    /// runner then calls [`BatchRun::settle`].
    pub fn barrier_reply(&mut self, reply: Reply<'_>) -> bool {
        let Some(c) = self.chunk else { return false };
        let last = c.from + self.members.len() - 1;
        match reply {
            Reply::Item(_) => false,
            Reply::Ack | Reply::Done { .. } => true,
            Reply::Failed(e) => {
                let e = match e {
                    // Replies may have been lost: no member's outcome is
                    // known. Report them all.
                    Error::Overrun { .. } => {
                        for i in c.from..last {
                            self.record(i, Error::Overrun { op: op_name(i) });
                        }
                        e
                    }
                    e => e,
                };
                self.record(last, e);
                true
            }
        }
    }

    fn record(&mut self, i: usize, e: Error) {
        self.outcome.failures.push((i, e.with_op(op_name(i))));
    }

    /// Ends the current chunk (after settling).
    fn end_chunk(&mut self, options: &BatchOptions) {
        if self.chunk.take().is_some() {
            self.outcome.failures.sort_by_key(|(i, _)| *i);
            self.outcome.failures.dedup_by_key(|(i, _)| *i);
            if self.stopped_on_error(options) {
                self.stopped = true;
            }
        }
    }

    /// Takes the outcome (call when [`BatchRun::is_finished`]). Each
    /// failure names its request by its index in the whole batch and by
    /// what it asked, decoded from `batch`: `batch request 3 (add route
    /// 2001:db8::/64 table 300): EEXIST (File exists)`.
    pub fn take_outcome(&mut self, batch: &Batch) -> BatchOutcome {
        let mut o = core::mem::take(&mut self.outcome);
        if self.next < self.end {
            o.unsent.push(self.next..self.end);
        }
        for (i, e) in &mut o.failures {
            let what = match batch
                .get(*i)
                .and_then(|b| crate::wire::Message::parse(b).ok())
            {
                Some(m) => format!("batch request {i} ({})", describe_request(m)),
                None => op_name(*i),
            };
            *e = core::mem::replace(
                e,
                Error::NoReply {
                    op: alloc::string::String::new(),
                },
            )
            .replace_op(what);
        }
        o
    }
}

fn op_name(i: usize) -> alloc::string::String {
    format!("batch request {i}")
}

impl Error {
    /// A copy of a send error for batch member `i`.
    fn clone_shallow(&self, i: usize) -> Error {
        match self {
            Error::Io { errno, .. } => Error::Io {
                op: op_name(i),
                errno: *errno,
            },
            _ => Error::NoReply { op: op_name(i) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{AddressRequest, GetLinks};
    use alloc::string::ToString;

    #[test]
    fn push_encodes_and_rejects_dumps() {
        let mut b = Batch::new();
        let a = AddressRequest::add(1, "192.0.2.1".parse().unwrap(), 24).unwrap();
        assert_eq!(b.push(&a).unwrap(), 0);
        assert_eq!(b.push(&a).unwrap(), 1);
        assert_eq!(b.len(), 2);
        assert_eq!(b.message(1).len(), b.message(0).len());
        assert_eq!(
            &b.message(1)[..4],
            &(b.message(1).len() as u32).to_ne_bytes()
        );
        let e = b.push(&GetLinks::new()).unwrap_err();
        assert!(e.to_string().contains("cannot be part of a batch"), "{e}");
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn outcome_reports_per_request() {
        let o = BatchOutcome {
            len: 5,
            unsent: alloc::vec![4..5],
            failures: alloc::vec![(1, Error::NoReply { op: op_name(1) })],
        };
        assert!(!o.is_ok());
        assert_eq!(o.succeeded(), 3);
        assert!(matches!(o.result(0), BatchResult::Ok));
        assert!(matches!(o.result(1), BatchResult::Failed(_)));
        assert!(matches!(o.result(4), BatchResult::NotSent));
        assert_eq!(o.not_sent(), core::slice::from_ref(&(4..5)));
        assert!(
            o.into_result()
                .unwrap_err()
                .to_string()
                .contains("batch request 1")
        );
    }
}
