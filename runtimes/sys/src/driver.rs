//! The runtime-independent half of a connection.
//!
//! A [`Driver`] is a [`NetlinkSocket`] plus a [`Mux`] behind a mutex. Its
//! [`Driver::step`] does "try to make progress without blocking": it hands
//! out the next reply of a request, receiving datagrams as needed, and says
//! [`Step::WouldBlock`] when the socket is empty. A runtime adapter then
//! only waits for readability (tokio `AsyncFd`, async-io `Async`, mio
//! `Poll`) and calls `step` again — the shape of `quinn`'s runtime glue.
#![forbid(unsafe_code)]

use std::io;
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use nlwire::genl::ctrl::Family;
use nlwire::genl::{FamilyCache, FamilyOp, WithFamily};
use nlwire::machine::{Batch, BatchRun, Mux, MuxOptions, Reply, RequestId, Stats};
use nlwire::request::{Describe, Request};
use nlwire::{Errno, Error};

use crate::socket::NetlinkSocket;

/// Result of one [`Driver::step`].
#[derive(Debug)]
pub enum Step<T> {
    /// The closure ran on a reply and returned this.
    Ready(T),
    /// No reply yet and the socket is empty: wait for readability.
    WouldBlock,
}

/// Socket + multiplexer. Share it (`Arc`) between the tasks of a connection.
#[derive(Debug)]
pub struct Driver {
    socket: NetlinkSocket,
    mux: Mutex<Mux>,
    families: Mutex<FamilyCache>,
}

impl Driver {
    /// Wraps an open socket.
    pub fn new(socket: NetlinkSocket, opts: MuxOptions) -> Driver {
        let mut mux = Mux::new(opts);
        mux.set_port(socket.port());
        Driver {
            socket,
            mux: Mutex::new(mux),
            families: Mutex::new(FamilyCache::new()),
        }
    }

    fn families(&self) -> MutexGuard<'_, FamilyCache> {
        // The cache holds no invariant a panic could break.
        self.families.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The generic netlink family `name`, if this connection resolved it.
    pub fn cached_family(&self, name: &str) -> Option<Family> {
        self.families().get(name).cloned()
    }

    /// Remembers a resolved generic netlink family.
    pub fn remember_family(&self, family: Family) {
        self.families().insert(family);
    }

    /// Wraps a generic netlink operation with the family id this
    /// connection knows (if any); after running it, pass it to
    /// [`Driver::settle_family`].
    pub fn with_family<B: FamilyOp>(&self, body: B) -> Result<WithFamily<B>, Error> {
        let id = self.families().id(body.family_name());
        WithFamily::new(body, id)
    }

    /// Updates the family cache from a finished operation.
    pub fn settle_family<B: FamilyOp>(&self, op: &mut WithFamily<B>) {
        self.families().settle(op);
    }

    /// The socket (for readiness registration).
    pub fn socket(&self) -> &NetlinkSocket {
        &self.socket
    }

    fn lock(&self) -> MutexGuard<'_, Mux> {
        // A panic while holding the lock leaves the mux consistent (every
        // method finishes its bookkeeping before calling out), so poisoning
        // is ignored.
        self.mux.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.lock().stats()
    }

    /// Encodes and sends a request; returns its id. The caller must
    /// eventually call [`Driver::finish`] with it.
    pub fn start<R: Request + ?Sized>(&self, req: &R) -> Result<RequestId, Error> {
        let mut mux = self.lock();
        let (id, bytes) = mux.start(req).map_err(|e| e.with_op(Describe(req)))?;
        if bytes.is_empty() {
            // A dump queued behind a running one; `step` sends it later.
            return Ok(id);
        }
        match self.socket.send(bytes) {
            Ok(_) => Ok(id),
            Err(e) => {
                mux.abort(id);
                Err(crate::io_error(format_args!("{}: send", Describe(req)), &e))
            }
        }
    }

    /// Makes progress on `id` without blocking: runs `f` on its next reply
    /// if one is available (receiving datagrams as needed), else returns
    /// [`Step::WouldBlock`] after registering `waker` (if given) to be woken
    /// when another task delivers a reply to `id` or hands it the driver
    /// role.
    pub fn step<T>(
        &self,
        id: RequestId,
        waker: Option<&Waker>,
        f: &mut impl FnMut(Reply<'_>) -> T,
    ) -> Step<T> {
        self.step_while(id, waker, f, |_| false).0
    }

    /// Like [`Driver::step`], but keeps going under one lock while `more`
    /// says so of what `f` returned (e.g. a dump fold that only continues),
    /// so a datagram of many replies costs one lock, not one per reply.
    /// Also says whether any reply was handled, even when it ends with
    /// [`Step::WouldBlock`] (a caller re-arms its idle timeout then).
    pub fn step_while<T>(
        &self,
        id: RequestId,
        waker: Option<&Waker>,
        f: &mut impl FnMut(Reply<'_>) -> T,
        more: impl Fn(&T) -> bool,
    ) -> (Step<T>, bool) {
        let mut mux = self.lock();
        let mut progressed = false;
        loop {
            let mut g = |r: Reply<'_>| {
                progressed = true;
                f(r)
            };
            if let Some(t) = mux.drain(id, &mut g, &more) {
                return (Step::Ready(t), true);
            }
            // The datagram just processed may have ended the running dump.
            self.flush_queued(&mut mux);
            match self.socket.recv(mux.recv_buffer()) {
                Ok(n) => mux.received(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if let Some(w) = waker {
                        mux.park(id, w);
                    }
                    return (Step::WouldBlock, progressed);
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => mux.overrun(),
                Err(e) => mux.recv_failed(Errno(e.raw_os_error().unwrap_or(libc::EIO))),
            }
        }
    }

    /// Sends a queued dump whose turn has come. A send failure is
    /// delivered to that dump's inbox as an I/O error.
    fn flush_queued(&self, mux: &mut Mux) {
        while let Some((qid, bytes)) = mux.take_transmit() {
            if let Err(e) = self.socket.send(&bytes) {
                mux.fail_unsent(qid, Errno(e.raw_os_error().unwrap_or(libc::EIO)));
            }
        }
    }

    /// Makes progress on a batch without blocking: sends its next chunk
    /// when the previous one is settled, and reads the replies of the
    /// chunk in flight. `Ready` when the whole batch is done; then take
    /// [`BatchRun::take_outcome`].
    pub fn batch_step(&self, batch: &Batch, run: &mut BatchRun, waker: Option<&Waker>) -> Step<()> {
        loop {
            let barrier = match run.barrier() {
                Some(b) => b,
                None if run.is_finished() => return Step::Ready(()),
                None => {
                    let mut mux = self.lock();
                    let sent = match mux.start_batch(batch, run) {
                        Ok(bytes) => self
                            .socket
                            .send(bytes)
                            .map_err(|e| crate::io_error("send batch", &e)),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = sent {
                        mux.abort_batch(run);
                        run.send_failed(e);
                    }
                    continue;
                }
            };
            match self.step(barrier, waker, &mut |reply| run.barrier_reply(reply)) {
                Step::Ready(true) => self.lock().settle_batch(batch, run),
                Step::Ready(false) => {}
                Step::WouldBlock => return Step::WouldBlock,
            }
        }
    }

    /// A batch run given up half-way (dropped, timed out): forgets the
    /// chunk in flight.
    pub fn abandon_batch(&self, run: &BatchRun) {
        let mut mux = self.lock();
        mux.abort_batch(run);
        self.flush_queued(&mut mux);
    }

    /// The caller is done with `id` (finished, dropped or timed out).
    pub fn finish(&self, id: RequestId) {
        let mut mux = self.lock();
        mux.finish(id);
        // Finishing may end nothing, but a queued dump may now be due.
        self.flush_queued(&mut mux);
    }
}
