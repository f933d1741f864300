//! The blocking connection, generic over how a thread waits for a
//! descriptor ([`Wait`]); `nlwire-mio` implements it with `mio::Poll`.
//!
//! Every call is bounded by the connection's timeout: a request fails with
//! [`Error::Timeout`] when no reply arrives in time (for dumps, between two
//! replies).

use std::ops::Range;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use nlwire::genl::FamilyOp;
use nlwire::genl::ctrl::{Family, GetFamily};
use nlwire::genl::wireguard::{self, Device, DeviceConfig};
use nlwire::machine::Stats;
use nlwire::machine::mirror::{Mirror as CoreMirror, MirrorEvent};
use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
use nlwire::machine::task::{
    BatchTask, Dump as DumpTask, Exec, Genl, LookupFamily, NextEvent, NextEventsWith, Task, Within,
};
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};
use nlwire::op::{Ack, Each, Get, Views};
use nlwire::route::events::{Groups, Notice, NoticeView};
use nlwire::route::{
    Address, GetAddresses, GetLinks, GetNeighbours, GetRoutes, GetRules, Link, Neighbour, Route,
    Rule,
};
use nlwire::wire::Message;
use nlwire::{Batch, BatchOutcome, Error, FromMessage, LinkRef, Op, Query, Request};
use nlwire_sys::netns::Netns;

use crate::engine::{Engine, Progress};
use crate::ns_watch::WatchDriver;
use crate::{Connect, ConnectionOptions, Transport, io_error};

/// How a blocking runtime waits: until a descriptor is readable, or a
/// deadline passes. That is all a blocking runtime provides.
pub trait Wait: 'static {
    /// A descriptor's registration with the waiting mechanism.
    type Registration: Send + std::fmt::Debug;
    /// Registers `fd` (a transport's, an inotify descriptor) for
    /// readability. The descriptor outlives the registration.
    fn register(fd: BorrowedFd<'_>) -> std::io::Result<Self::Registration>;
    /// Blocks until the descriptor is readable or `deadline` passes
    /// (`None`: without limit). Returning early is allowed: the caller
    /// checks again.
    fn wait(reg: &mut Self::Registration, deadline: Option<Instant>) -> std::io::Result<()>;
}

/// A blocking netlink connection (see the [module documentation](self)).
#[derive(Debug)]
pub struct Connection<W: Wait> {
    engine: Engine,
    reg: W::Registration,
}

impl<W: Wait> Connect for Connection<W> {
    fn from_transport(transport: impl Transport, opts: ConnectionOptions) -> Result<Self, Error> {
        let reg =
            W::register(transport.as_fd()).map_err(|e| io_error("register netlink socket", &e))?;
        Ok(Connection {
            engine: Engine::new(Box::new(transport), &opts),
            reg,
        })
    }
}

impl<W: Wait> Connection<W> {
    /// Changes the reply timeout.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.engine.set_timeout(timeout);
    }

    /// The reply timeout.
    pub fn timeout(&self) -> Duration {
        self.engine.timeout()
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.engine.stats()
    }

    /// The transport's port id.
    pub fn port(&self) -> u32 {
        self.engine.transport().port()
    }

    /// Runs `task` to its end, waiting as it asks.
    fn block<K: Task>(&mut self, task: &mut K) -> K::Output {
        loop {
            match self.engine.poll(task, None) {
                Progress::Ready(out) => return out,
                Progress::Wait(deadline) => {
                    if let Err(e) = W::wait(&mut self.reg, Some(deadline))
                        && e.kind() != std::io::ErrorKind::Interrupted
                    {
                        self.engine
                            .fail(task, io_error("wait for netlink socket", &e));
                    }
                }
            }
        }
    }

    /// Runs an operation (see [`nlwire::ops`]): each request it asks for is
    /// sent and its replies fed back, until it is done.
    pub fn execute<O: Op>(&mut self, op: O) -> Result<O::Output, Error> {
        let mut t = Exec::new(op, self.engine.timeout());
        self.block(&mut t)
    }

    /// Runs a batch: its requests go out many per datagram, and each gets
    /// a result in the [`BatchOutcome`]. `Err` only when the batch could
    /// not be run to its end (timeout, socket error); requests the kernel
    /// refused are failures inside the outcome.
    pub fn batch(&mut self, batch: &Batch) -> Result<BatchOutcome, Error> {
        let mut t = BatchTask::new(batch, self.engine.timeout());
        self.block(&mut t)
    }

    /// Runs a batch spread over this connection and `others`, one thread
    /// per connection, so that the kernel carries it out on several CPUs
    /// at once: for a large, **order-independent** set of requests (a
    /// route sync, a BGP table). [`Batch::lanes`] splits it into one
    /// contiguous range of whole datagrams per connection; the calling
    /// thread runs the first, scoped threads the others.
    ///
    /// - `others` must reach the same kernel namespace as this connection
    ///   (open them with the same constructor, once, and reuse them).
    /// - No ordering between the lanes: requests that depend on each
    ///   other (a route through a link the batch adds) belong in
    ///   [`batch`](Self::batch).
    /// - Each request's result is in the [`BatchOutcome`] under its index
    ///   in `batch`, as [`batch`](Self::batch) would report it.
    /// - With [`stop_on_error`](nlwire::BatchOptions::stop_on_error), every
    ///   lane stops before its next datagram once any lane has seen a
    ///   failure; [`BatchOutcome::not_sent`] lists what each lane left.
    /// - `Err` when a lane could not run to its end (timeout, socket
    ///   error): the first such error. The other lanes ran to their end.
    ///
    /// With no `others`, or a batch of one datagram, this is
    /// [`batch`](Self::batch).
    pub fn batch_parallel<'c>(
        &mut self,
        others: impl IntoIterator<Item = &'c mut Connection<W>>,
        batch: &Batch,
    ) -> Result<BatchOutcome, Error> {
        let others: Vec<&mut Connection<W>> = others.into_iter().collect();
        let lanes: Vec<Range<usize>> = batch.lanes(1 + others.len()).collect();
        if lanes.len() <= 1 {
            return self.batch(batch);
        }
        let stop = AtomicBool::new(false);
        let stop = &stop;
        let results = std::thread::scope(|s| {
            let mut handles = Vec::with_capacity(lanes.len() - 1);
            for (range, conn) in lanes[1..].iter().zip(others) {
                let range = range.clone();
                handles.push(s.spawn(move || conn.lane(batch, range, stop)));
            }
            let mut results = vec![self.lane(batch, lanes[0].clone(), stop)];
            for h in handles {
                results.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            }
            results
        });
        Ok(BatchOutcome::merge(
            results.into_iter().collect::<Result<Vec<_>, _>>()?,
        ))
    }

    fn lane(
        &mut self,
        batch: &Batch,
        range: Range<usize>,
        stop: &AtomicBool,
    ) -> Result<BatchOutcome, Error> {
        let mut t = BatchTask::lane(batch, range, stop, self.engine.timeout());
        self.block(&mut t)
    }

    /// Sends a request and waits for its acknowledgement.
    pub fn request<R: Request>(&mut self, req: R) -> Result<(), Error> {
        self.execute(Ack::new(req))
    }

    /// Sends a request answered by one object (e.g. [`GetLink`](nlwire::route::GetLink)) and
    /// returns it decoded as the request's [`Query::Item`]. A request the
    /// kernel acknowledged without an object is [`Error::NoReply`].
    pub fn get<R: Query>(&mut self, req: R) -> Result<R::Item, Error> {
        self.execute(Get::new(req))
    }

    /// Like [`Connection::get`], decoding the reply as `T` (for a request
    /// that does not name its reply type, e.g. a
    /// [`RawRequest`](nlwire::request::RawRequest)).
    pub fn get_as<T: FromMessage, R: Request>(&mut self, req: R) -> Result<T, Error> {
        self.execute(Get::new(req))
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply as a
    /// typed view ([`Query::View`]) into the receive buffer — no allocation
    /// per message.
    pub fn dump_with<R: Query>(
        &mut self,
        req: R,
        f: impl for<'a> FnMut(R::View<'a>),
    ) -> Result<(), Error> {
        self.execute(Each::new(req, f))
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply as a
    /// raw [`Message`] in the receive buffer (for a request without a
    /// [`Query`] type, or a reader that decodes only what it needs).
    pub fn dump_messages<R: Request>(
        &mut self,
        req: R,
        f: impl FnMut(Message<'_>),
    ) -> Result<(), Error> {
        self.execute(Views::new(req, f))
    }

    /// Starts a dump; the iterator yields each object as its datagram
    /// arrives. Dropping it early is fine: the rest of the dump is
    /// discarded and the connection stays usable.
    pub fn dump<R: Query>(&mut self, req: R) -> Dump<'_, W, R, R::Item> {
        self.dump_as(req)
    }

    /// Like [`Connection::dump`], decoding each item as `T`.
    pub fn dump_as<T: FromMessage, R: Request>(&mut self, req: R) -> Dump<'_, W, R, T> {
        let timeout = self.engine.timeout();
        Dump {
            conn: self,
            task: DumpTask::new(req, timeout),
        }
    }

    /// All links of the namespace.
    pub fn links(&mut self) -> Dump<'_, W, GetLinks, Link> {
        self.dump(GetLinks::new())
    }

    /// All routes (IPv4 and IPv6, every table).
    pub fn routes(&mut self) -> Dump<'_, W, GetRoutes, Route> {
        self.dump(GetRoutes::all_families())
    }

    /// All addresses (IPv4 and IPv6, every link).
    pub fn addresses(&mut self) -> Dump<'_, W, GetAddresses, Address> {
        self.dump(GetAddresses::new())
    }

    /// The neighbour (ARP/NDP) entries of every link.
    pub fn neighbours(&mut self) -> Dump<'_, W, GetNeighbours, Neighbour> {
        self.dump(GetNeighbours::new())
    }

    /// The routing rules of every family.
    pub fn rules(&mut self) -> Dump<'_, W, GetRules, Rule> {
        self.dump(GetRules::default())
    }

    /// Runs an operation on a generic netlink family known by name (see
    /// [`nlwire::genl::WithFamily`]): the family id comes from this
    /// connection's cache, or is resolved first and then cached.
    pub fn execute_genl<B: FamilyOp>(&mut self, body: B) -> Result<B::Output, Error> {
        let mut t = Genl::new(body, self.engine.timeout());
        self.block(&mut t)
    }

    /// The generic netlink family `name` (id, version, commands,
    /// multicast groups), cached per connection. A family the kernel does
    /// not have is [`Error::FamilyNotFound`].
    pub fn family(&mut self, name: &str) -> Result<Family, Error> {
        let mut t = LookupFamily::new(name, self.engine.timeout())?;
        self.block(&mut t)
    }

    /// Every generic netlink family of the kernel (`genl ctrl list`).
    pub fn families(&mut self) -> Dump<'_, W, GetFamily, Family> {
        self.dump(GetFamily::all())
    }

    /// Reads the WireGuard interface `link` (a name or an index), peers
    /// and allowed IPs reassembled from every message of the dump.
    pub fn get_device<'n>(&mut self, link: impl Into<LinkRef<'n>>) -> Result<Device, Error> {
        self.execute_genl(wireguard::get_device(link)?)
    }

    /// Applies `config` to the WireGuard interface `link`, split into as
    /// many messages as needed.
    pub fn set_device<'c>(
        &mut self,
        link: impl Into<LinkRef<'c>>,
        config: &'c DeviceConfig,
    ) -> Result<(), Error> {
        self.execute_genl(wireguard::set_device(link, config)?)
    }
}

impl<W: Wait> Connection<W> {
    /// Joins the multicast `groups`: from now on the kernel's notifications
    /// of their objects' changes are kept for [`Connection::next_event`],
    /// while requests go on as before on the same socket. Call it again to
    /// join more groups.
    pub fn subscribe(&mut self, groups: Groups) -> Result<(), Error> {
        self.engine.subscribe(groups)
    }

    /// The next notification, in the kernel's order: an event, or
    /// [`Notice::Overrun`] where notifications were lost. Blocks until one
    /// comes. Fails with [`InvalidInput::NotSubscribed`](nlwire::InvalidInput::NotSubscribed)
    /// before [`Connection::subscribe`].
    pub fn next_event(&mut self) -> Result<Notice, Error> {
        self.block(&mut NextEvent::new())
    }

    /// Like [`Connection::next_event`], waiting at most `timeout`: `None`
    /// when nothing came.
    pub fn next_event_within(&mut self, timeout: Duration) -> Result<Option<Notice>, Error> {
        match self.block(&mut NextEvent::within(timeout)) {
            Ok(n) => Ok(Some(n)),
            Err(Error::Timeout { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Hands every waiting notification to `f` in place (a view into the
    /// connection's queue: no allocation per notification), waiting for
    /// the first at most `timeout` (`None`: as long as it takes). Returns
    /// how many were handed over; 0 when the time ran out.
    pub fn next_events_with(
        &mut self,
        timeout: Option<Duration>,
        f: impl FnMut(NoticeView<'_>),
    ) -> Result<usize, Error> {
        self.block(&mut NextEventsWith::new(timeout, f))
    }

    /// The notifications as an endless iterator (see
    /// [`Connection::next_event`]).
    pub fn events(&mut self) -> Events<'_, W> {
        Events { conn: self }
    }
}

/// A mirror of the kernel's tables on a blocking connection; see
/// [`nlwire::machine::mirror`] for what it keeps and how it heals.
/// Between two calls of [`Mirror::next`] its tables are a consistent
/// view: read them through [`Mirror::state`] (or `Deref`).
#[derive(Debug)]
pub struct Mirror<W: Wait> {
    conn: Connection<W>,
    task: CoreMirror,
}

impl<W: Wait> Mirror<W> {
    /// Mirrors the tables of `groups` (`Groups::links() |
    /// Groups::routes()`, …) through `conn`, which it subscribes. The
    /// first [`Mirror::next`] lists them and returns
    /// [`MirrorEvent::Synced`].
    pub fn new(mut conn: Connection<W>, groups: Groups) -> Result<Self, Error> {
        // The mirror may need more groups than its tables' (see
        // `CoreMirror::new`).
        let task = CoreMirror::new(groups, conn.timeout());
        conn.subscribe(task.groups())?;
        Ok(Mirror { conn, task })
    }

    /// The next change: blocks until the tables change, are synced, or a
    /// resync begins. An error is final (the mirror gave up).
    pub fn next_event(&mut self) -> Result<MirrorEvent, Error> {
        self.conn.block(&mut self.task)
    }

    /// Like [`Mirror::next_event`], waiting at most `timeout`: `None` when
    /// nothing happened (the mirror goes on).
    pub fn next_event_within(&mut self, timeout: Duration) -> Result<Option<MirrorEvent>, Error> {
        self.conn
            .block(&mut Within::new(&mut self.task, timeout))
            .transpose()
    }

    /// Lists every table again and reports what changed (see
    /// [`CoreMirror::resync`]).
    pub fn resync(&mut self) {
        self.task.resync();
    }

    /// The tables (also reachable through `Deref`).
    pub fn state(&self) -> &CoreMirror {
        &self.task
    }

    /// The connection, for requests between two events. Requests must not
    /// be left half-read (a dump iterator dropped early is fine).
    pub fn connection(&mut self) -> &mut Connection<W> {
        &mut self.conn
    }
}

impl<W: Wait> std::ops::Deref for Mirror<W> {
    type Target = CoreMirror;
    fn deref(&self) -> &CoreMirror {
        &self.task
    }
}

impl<W: Wait> Iterator for Mirror<W> {
    type Item = Result<MirrorEvent, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_event())
    }
}

/// The notifications of a subscribed connection; see
/// [`Connection::events`]. It never ends; each item is
/// [`Connection::next_event`]'s result.
#[derive(Debug)]
pub struct Events<'c, W: Wait> {
    conn: &'c mut Connection<W>,
}

impl<W: Wait> Iterator for Events<'_, W> {
    type Item = Result<Notice, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.conn.next_event())
    }
}

/// A dump in progress; see [`Connection::dump`].
#[derive(Debug)]
pub struct Dump<'c, W: Wait, R: Request, T: FromMessage> {
    conn: &'c mut Connection<W>,
    task: DumpTask<R, T>,
}

impl<W: Wait, R: Request, T: FromMessage> Iterator for Dump<'_, W, R, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        // The rest of the current datagram is decoded already.
        if let Some(item) = self.task.next_ready() {
            return Some(item);
        }
        self.conn.block(&mut self.task)
    }
}

impl<W: Wait, R: Request, T: FromMessage> Drop for Dump<'_, W, R, T> {
    fn drop(&mut self) {
        self.conn.engine.abandon(&mut self.task);
    }
}

/// Polls WireGuard interfaces and reports what changed (see
/// [`nlwire::machine::wg_watch`]): an [`Iterator`] of event batches, one
/// per round — every interface read once, in name order. A batch may be
/// empty when nothing changed.
///
/// The first round runs at once; `next` then sleeps until `interval`
/// after the previous round started. A round never fails: an interface
/// that cannot be read is reported as [`WgEvent::InterfaceUnavailable`]
/// and read again next time. The iterator never ends.
#[derive(Debug)]
pub struct WgWatch<W: Wait> {
    conn: Connection<W>,
    machine: WgWatcher,
    origin: Instant,
}

impl<W: Wait> WgWatch<W> {
    /// Watches the interfaces of `opts` through `conn`, a generic netlink
    /// connection ([`Connect::generic`]). Fails if `opts` names no
    /// interface, an invalid name, or a zero interval.
    pub fn new(conn: Connection<W>, opts: WgWatchOptions) -> Result<Self, Error> {
        Ok(WgWatch {
            machine: WgWatcher::new(&opts)?,
            conn,
            origin: Instant::now(),
        })
    }

    /// The interfaces, in polling order.
    pub fn interfaces(&self) -> &[String] {
        self.machine.interfaces()
    }

    /// When the next round is due (`None`: now).
    pub fn next_round(&self) -> Option<Instant> {
        self.machine.next_round().map(|d| self.origin + d)
    }

    /// Runs one round now, whatever the schedule, and returns its events.
    pub fn poll_now(&mut self) -> Vec<WgEvent> {
        self.machine.begin_round(self.origin.elapsed());
        let mut events = Vec::new();
        for i in 0..self.machine.interfaces().len() {
            let name = self.machine.interfaces()[i].clone();
            let result = self.conn.get_device(name.as_str());
            self.machine.update(i, result, &mut events);
        }
        events
    }

    /// The connection (e.g. to configure the interfaces being watched).
    pub fn connection(&mut self) -> &mut Connection<W> {
        &mut self.conn
    }
}

impl<W: Wait> Iterator for WgWatch<W> {
    type Item = Vec<WgEvent>;

    fn next(&mut self) -> Option<Vec<WgEvent>> {
        if let Some(d) = self.machine.delay(self.origin.elapsed()) {
            std::thread::sleep(d);
        }
        Some(self.poll_now())
    }
}

/// A blocking watcher of the named namespaces in a directory. As an
/// [`Iterator`] it waits for each event without limit; use
/// [`NsWatch::next_timeout`] to bound the wait.
#[derive(Debug)]
pub struct NsWatch<W: Wait> {
    d: WatchDriver,
    reg: W::Registration,
    failed: bool,
}

impl<W: Wait> NsWatch<W> {
    /// Watches `dir` (e.g. [`nlwire_sys::netns::DEFAULT_NETNS_DIR`]); the
    /// names already there are not reported (see
    /// [`NsWatch::list_and_watch`]).
    pub fn new(dir: impl AsRef<Path>, opts: NsWatchOptions) -> Result<Self, Error> {
        let d = WatchDriver::new(dir.as_ref(), opts)?;
        let reg =
            W::register(d.as_fd()).map_err(|e| io_error("register inotify descriptor", &e))?;
        Ok(NsWatch {
            d,
            reg,
            failed: false,
        })
    }

    /// The names in `dir` now, and a watcher started before they were
    /// listed: every later change is an event, none is reported twice.
    pub fn list_and_watch(dir: impl AsRef<Path>) -> Result<(Vec<String>, Self), Error> {
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
            // Drain before waiting (mio is edge-triggered).
            if self.d.on_readable()? {
                continue;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
            match W::wait(&mut self.reg, deadline) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error("wait for inotify events", &e)),
            }
        }
    }
}

impl<W: Wait> Iterator for NsWatch<W> {
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
