//! The I/O half of every connection: a [`Transport`] and the core's
//! [`Mux`] behind a mutex, and the one loop that drives any core
//! [`Task`] between them (see [`nlwire::machine::task`]).
//!
//! [`Engine::poll`] makes progress without blocking; it ends with the task
//! done or with a deadline to wait for. The blocking and the async
//! connections differ only in how they wait.

use std::io;
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use nlwire::Errno;
use nlwire::machine::task::{Action, Task};
use nlwire::machine::{Mux, Stats};

use crate::{ConnectionOptions, Transport};

/// Where [`Engine::poll`] left a task.
#[derive(Debug)]
pub enum Progress<T> {
    /// The task produced this.
    Ready(T),
    /// The transport is empty: wait until it is readable or until this
    /// deadline, then poll again (the task itself fails once its deadline
    /// has passed).
    Wait(Instant),
}

/// A transport and the multiplexer of its replies. Shared (`Arc`) by the
/// handles of an async connection; owned by a blocking one.
#[derive(Debug)]
pub struct Engine {
    transport: Box<dyn Transport>,
    mux: Mutex<Mux>,
    timeout: Duration,
    origin: Instant,
}

fn errno_of(e: &io::Error) -> Errno {
    Errno(e.raw_os_error().unwrap_or(Errno::EIO.0))
}

impl Engine {
    /// Wraps a transport.
    pub fn new(transport: Box<dyn Transport>, opts: &ConnectionOptions) -> Engine {
        let mut mux = Mux::new(opts.mux);
        mux.set_port(transport.port());
        Engine {
            transport,
            mux: Mutex::new(mux),
            timeout: opts.timeout,
            origin: Instant::now(),
        }
    }

    /// The transport.
    pub fn transport(&self) -> &dyn Transport {
        &*self.transport
    }

    /// How long a request waits for each reply.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes the reply timeout of tasks created from now on.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
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

    /// The time the tasks see: since this engine was made.
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Drives `task` as far as it goes without blocking. With a `waker`,
    /// a task that must wait is parked on the mux: it is woken when
    /// another task receives its reply or hands it the socket.
    #[inline]
    pub fn poll<K: Task>(&self, task: &mut K, waker: Option<&Waker>) -> Progress<K::Output> {
        let mut mux = self.lock();
        loop {
            match task.poll(&mut mux) {
                Action::Done(out) => {
                    // The task may have ended a dump: a queued one is due.
                    self.flush_queued(&mut mux);
                    return Progress::Ready(out);
                }
                Action::Send => {
                    let r = self.transport.send(mux.outgoing());
                    task.sent(&mut mux, r.map_err(|e| errno_of(&e)));
                }
                Action::Receive(id) => {
                    // The datagram just processed may have ended the
                    // running dump.
                    self.flush_queued(&mut mux);
                    match self.transport.recv_from(mux.recv_buffer()) {
                        Ok((n, group)) => mux.received_from(n, group),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if let Some(deadline) = task.wait(&mut mux, self.now()) {
                                if let Some(w) = waker {
                                    mux.park(id, w);
                                }
                                return Progress::Wait(self.origin + deadline);
                            }
                        }
                        Err(e) if e.raw_os_error() == Some(Errno::ENOBUFS.0) => mux.overrun(),
                        Err(e) => mux.recv_failed(errno_of(&e)),
                    }
                }
            }
        }
    }

    /// Joins the multicast `groups` and makes the mux keep their
    /// notifications for [`NextEvent`](nlwire::machine::task::NextEvent).
    /// The mux keeps notifications before the socket joins, so none of a
    /// joined group arrives unkept.
    pub fn subscribe(&self, groups: nlwire::route::events::Groups) -> Result<(), nlwire::Error> {
        let mut mux = self.lock();
        mux.subscribe();
        for g in groups.iter() {
            self.transport
                .join(g.number())
                .map_err(|e| crate::io_error(format!("join group RTNLGRP_{}", g.name()), &e))?;
        }
        Ok(())
    }

    /// Fails `task` with `e` (e.g. waiting for the transport failed); its
    /// next poll returns the error.
    pub fn fail<K: Task>(&self, task: &mut K, e: nlwire::Error) {
        let mut mux = self.lock();
        task.fail(&mut mux, e);
        self.flush_queued(&mut mux);
    }

    /// The caller gives `task` up (dropped half-way): its request is
    /// finished, and its late replies are discarded.
    pub fn abandon<K: Task>(&self, task: &mut K) {
        let mut mux = self.lock();
        task.abandon(&mut mux);
        self.flush_queued(&mut mux);
    }

    /// Sends a queued dump whose turn has come. A send failure is
    /// delivered to that dump as an I/O error.
    #[inline]
    fn flush_queued(&self, mux: &mut Mux) {
        while let Some((qid, bytes)) = mux.take_transmit() {
            if let Err(e) = self.transport.send(&bytes) {
                mux.fail_unsent(qid, errno_of(&e));
            }
        }
    }
}
