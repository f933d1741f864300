//! Namespaces, blocking: the named-namespace watcher as an iterator with an
//! optional timeout, running a closure inside a namespace, and opening a
//! connection in a namespace handle.

use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use nlwire::Error;
use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
use nlwire_sys::netns::Netns;
use nlwire_sys::ns_watch::WatchDriver;
use nlwire_sys::{ConnectionOptions, io_error, open_socket_in};

use crate::Connection;

/// A blocking watcher of the named namespaces in a directory. As an
/// [`Iterator`] it waits for each event without limit; use
/// [`NsWatch::next_timeout`] to bound the wait.
#[derive(Debug)]
pub struct NsWatch {
    d: WatchDriver,
    poll: Poll,
    events: Events,
    failed: bool,
}

impl NsWatch {
    /// Watches `dir` (e.g. [`nlwire_sys::netns::DEFAULT_NETNS_DIR`]); the
    /// names already there are not reported (see
    /// [`NsWatch::list_and_watch`]).
    pub fn new(dir: impl AsRef<Path>, opts: NsWatchOptions) -> Result<NsWatch, Error> {
        let d = WatchDriver::new(dir.as_ref(), opts)?;
        let poll = Poll::new().map_err(|e| io_error("create poll", &e))?;
        let fd = d.as_fd().as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)
            .map_err(|e| io_error("register inotify descriptor", &e))?;
        Ok(NsWatch {
            d,
            poll,
            events: Events::with_capacity(4),
            failed: false,
        })
    }

    /// The names in `dir` now, and a watcher started before they were
    /// listed: every later change is an event, none is reported twice.
    pub fn list_and_watch(dir: impl AsRef<Path>) -> Result<(Vec<String>, NsWatch), Error> {
        let mut w = NsWatch::new(dir, NsWatchOptions::default())?;
        let names = w.d.take_initial();
        Ok((names, w))
    }

    /// The next event, waiting at most `timeout` (`None`: without limit).
    /// `Ok(None)` when the time ran out.
    pub fn next_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<NsEvent>, Error> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(e) = self.d.next_event() {
                return Ok(Some(e));
            }
            // Edge-triggered: drain before waiting.
            if self.d.on_readable()? {
                continue;
            }
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) => Some(left),
                    None => return Ok(None),
                },
                None => None,
            };
            match self.poll.poll(&mut self.events, left) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error("wait for inotify events", &e)),
            }
        }
    }
}

impl Iterator for NsWatch {
    type Item = Result<NsEvent, Error>;

    /// The next event, waiting without limit. An error ends the iterator.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.next_timeout(None).transpose()?;
        self.failed = r.is_err();
        Some(r)
    }
}

/// Runs `f` on a new thread that joined `ns` and returns its result; the
/// calling thread never changes namespace.
pub fn run_in<T: Send + 'static>(
    ns: &Netns,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    ns.run(f)
}

impl Connection {
    /// A `NETLINK_ROUTE` connection inside the namespace `ns` (the socket
    /// is created on a short-lived thread that joined it).
    pub fn new_in(ns: &Netns) -> Result<Connection, Error> {
        Connection::new_in_with_options(ns, ConnectionOptions::default())
    }

    /// Like [`Connection::new_in`], with options.
    pub fn new_in_with_options(ns: &Netns, opts: ConnectionOptions) -> Result<Connection, Error> {
        Connection::from_socket(open_socket_in(ns, &opts.socket)?, opts)
    }
}
