//! The async connection, generic over a [`Runtime`]; `nlwire-tokio` and
//! `nlwire-async-io` implement it.
//!
//! A runtime crate implements [`Runtime`] — socket readiness and a timer,
//! about forty lines. Everything else (pipelining, typed dumps as
//! `Stream`s, timeouts, cancellation on drop) is the core's tasks, driven
//! by the [`Engine`] written once.

use std::future::poll_fn;
use std::io;
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use nlwire::genl::FamilyOp;
use nlwire::genl::ctrl::{Family, GetFamily};
use nlwire::genl::wireguard::{self, Device, DeviceConfig};
use nlwire::machine::Stats;
use nlwire::machine::mirror::{Mirror as CoreMirror, MirrorEvent};
use nlwire::machine::task::{
    BatchTask, Dump, Exec, Genl, LookupFamily, NextEvent, NextEventsWith, Task, Within,
};
use nlwire::op::{Ack, Each, Get, Views};
use nlwire::route::events::{Groups, Notice, NoticeView};
use nlwire::route::{
    Address, GetAddresses, GetLinks, GetNeighbours, GetRoutes, GetRules, Link, Neighbour, Route,
    Rule,
};
use nlwire::wire::Message;
use nlwire::{Batch, BatchOutcome, Error, FromMessage, LinkRef, Op, Query, Request};

use crate::engine::{Engine, Progress};
use crate::{Connect, ConnectionOptions, Transport, io_error};

/// What an async runtime provides: readiness of the netlink socket and a
/// resettable timer.
pub trait Runtime: Send + Sync + 'static {
    /// The socket's registration with the runtime's reactor.
    type Readiness: Send + Sync + std::fmt::Debug + 'static;
    /// A timer that fires at a deadline.
    type Timer: Send + Unpin + 'static;

    /// Registers a descriptor (a netlink socket, an inotify descriptor) for
    /// readability. The registration owns a duplicate of `fd`.
    fn register(fd: BorrowedFd<'_>) -> io::Result<Self::Readiness>;
    /// Polls for readability. After `Ready`, the caller retries its
    /// receive; an implementation clears stale readiness here.
    fn poll_readable(r: &Self::Readiness, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// A timer firing at `deadline` (created inside the runtime's context).
    fn timer(deadline: Instant) -> Self::Timer;
    /// Moves the timer's deadline.
    fn reset(t: &mut Self::Timer, deadline: Instant);
    /// Polls the timer.
    fn poll_timer(t: &mut Self::Timer, cx: &mut Context<'_>) -> Poll<()>;
    /// Runs `f` to completion on the calling thread with a new
    /// single-threaded executor of this runtime (used on the dedicated
    /// thread of [`crate::aio_netns::run_in`]).
    fn block_on<F: std::future::Future>(f: F) -> io::Result<F::Output>;
    /// Called on the caller's thread before [`crate::aio_netns::run_in`]
    /// starts its namespace thread. A runtime that spawns helper threads
    /// lazily starts them here: a thread inherits the namespace of the
    /// thread that creates it, so a helper first needed inside the
    /// namespace would stay there for the life of the process (and keep
    /// the namespace alive).
    fn prepare_home() {}
}

struct Inner<Rt: Runtime> {
    engine: Engine,
    ready: Rt::Readiness,
}

impl<Rt: Runtime> std::fmt::Debug for Inner<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// A task in progress on a connection: drives it on each poll, waits on
/// the socket or its deadline, and abandons it if dropped before its end.
struct Running<Rt: Runtime, K: Task> {
    inner: Arc<Inner<Rt>>,
    task: K,
    timer: Option<(Rt::Timer, Instant)>,
    live: bool,
}

impl<Rt: Runtime, K: Task> Running<Rt, K> {
    fn new(inner: Arc<Inner<Rt>>, task: K) -> Self {
        Running {
            inner,
            task,
            timer: None,
            live: true,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<K::Output> {
        let inner = &*self.inner;
        loop {
            let deadline = match inner.engine.poll(&mut self.task, Some(cx.waker())) {
                Progress::Ready(out) => return Poll::Ready(out),
                Progress::Wait(deadline) => deadline,
            };
            match Rt::poll_readable(&inner.ready, cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => {
                    let e = io_error("wait for netlink socket", &e);
                    inner.engine.fail(&mut self.task, e);
                    continue;
                }
                Poll::Pending => {}
            }
            let (t, at) = self
                .timer
                .get_or_insert_with(|| (Rt::timer(deadline), deadline));
            if *at != deadline {
                Rt::reset(t, deadline);
                *at = deadline;
            }
            match Rt::poll_timer(t, cx) {
                // The task sees its deadline pass on the next poll.
                Poll::Ready(()) => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Runs the task to its end.
    async fn run(mut self) -> K::Output {
        let out = poll_fn(|cx| self.poll(cx)).await;
        self.live = false;
        out
    }
}

impl<Rt: Runtime, K: Task> Drop for Running<Rt, K> {
    fn drop(&mut self) {
        if self.live {
            self.inner.engine.abandon(&mut self.task);
        }
    }
}

/// An async netlink connection. Clones share the socket; many tasks may use
/// it at once, and their requests are pipelined.
pub struct Connection<Rt: Runtime> {
    inner: Arc<Inner<Rt>>,
}

impl<Rt: Runtime> Clone for Connection<Rt> {
    fn clone(&self) -> Self {
        Connection {
            inner: self.inner.clone(),
        }
    }
}

impl<Rt: Runtime> std::fmt::Debug for Connection<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<Rt: Runtime> Connect for Connection<Rt> {
    fn from_transport(transport: impl Transport, opts: ConnectionOptions) -> Result<Self, Error> {
        let ready = Rt::register(transport.as_fd())
            .map_err(|e| io_error("register netlink socket with the runtime", &e))?;
        Ok(Connection {
            inner: Arc::new(Inner {
                engine: Engine::new(Box::new(transport), &opts),
                ready,
            }),
        })
    }
}

impl<Rt: Runtime> Connection<Rt> {
    /// The reply timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.engine.timeout()
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.inner.engine.stats()
    }

    /// The transport's port id.
    pub fn port(&self) -> u32 {
        self.inner.engine.transport().port()
    }

    async fn run<K: Task>(&self, task: K) -> K::Output {
        Running::<Rt, K>::new(self.inner.clone(), task).run().await
    }

    /// Runs an operation (see [`nlwire::ops`]): each request it asks for is
    /// sent and its replies fed back, until it is done.
    pub async fn execute<O: Op>(&self, op: O) -> Result<O::Output, Error> {
        self.run(Exec::new(op, self.timeout())).await
    }

    /// Joins the multicast `groups`: from now on the kernel's notifications
    /// of their objects' changes are kept for [`Connection::next_event`]
    /// and [`Connection::events`], while requests (from any clone) go on
    /// as before on the same socket. Call it again to join more groups.
    /// One subscriber per connection: every clone reads the same queue.
    pub fn subscribe(&self, groups: Groups) -> Result<(), Error> {
        self.inner.engine.subscribe(groups)
    }

    /// The next notification, in the kernel's order: an event, or
    /// [`Notice::Overrun`] where notifications were lost. Fails with
    /// [`InvalidInput::NotSubscribed`](nlwire::InvalidInput::NotSubscribed)
    /// before [`Connection::subscribe`].
    pub async fn next_event(&self) -> Result<Notice, Error> {
        self.run(NextEvent::new()).await
    }

    /// Like [`Connection::next_event`], waiting at most `timeout`: `None`
    /// when nothing came.
    pub async fn next_event_within(&self, timeout: Duration) -> Result<Option<Notice>, Error> {
        match self.run(NextEvent::within(timeout)).await {
            Ok(n) => Ok(Some(n)),
            Err(Error::Timeout { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Hands every waiting notification to `f` in place (a view into the
    /// connection's queue: no allocation per notification), waiting for
    /// the first at most `timeout` (`None`: as long as it takes). Returns
    /// how many were handed over; 0 when the time ran out.
    pub async fn next_events_with(
        &self,
        timeout: Option<Duration>,
        f: impl FnMut(NoticeView<'_>),
    ) -> Result<usize, Error> {
        self.run(NextEventsWith::new(timeout, f)).await
    }

    /// The notifications as an endless stream (see
    /// [`Connection::next_event`]).
    pub fn events(&self) -> EventStream<Rt> {
        EventStream {
            running: Running::new(self.inner.clone(), NextEvent::new()),
        }
    }

    /// Runs a batch: its requests go out many per datagram, and each gets
    /// a result in the [`BatchOutcome`]. `Err` only when the batch could
    /// not be run to its end (timeout, socket error); requests the kernel
    /// refused are failures inside the outcome.
    pub async fn batch(&self, batch: &Batch) -> Result<BatchOutcome, Error> {
        self.run(BatchTask::new(batch, self.timeout())).await
    }

    /// Sends a request and waits for its acknowledgement.
    pub async fn request<R: Request>(&self, req: R) -> Result<(), Error> {
        self.execute(Ack::new(req)).await
    }

    /// Sends a request answered by one object (e.g. [`GetLink`](nlwire::route::GetLink)) and
    /// returns it decoded as the request's [`Query::Item`]. A request the
    /// kernel acknowledged without an object is [`Error::NoReply`].
    pub async fn get<R: Query>(&self, req: R) -> Result<R::Item, Error> {
        self.execute(Get::new(req)).await
    }

    /// Like [`Connection::get`], decoding the reply as `T` (for a request
    /// that does not name its reply type, e.g. a
    /// [`RawRequest`](nlwire::request::RawRequest)).
    pub async fn get_as<T: FromMessage, R: Request>(&self, req: R) -> Result<T, Error> {
        self.execute(Get::new(req)).await
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply as a
    /// typed view ([`Query::View`]) into the receive buffer — no allocation
    /// per message.
    pub async fn dump_with<R: Query>(
        &self,
        req: R,
        f: impl for<'a> FnMut(R::View<'a>),
    ) -> Result<(), Error> {
        self.execute(Each::new(req, f)).await
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply as a
    /// raw [`Message`] in the receive buffer (for a request without a
    /// [`Query`] type, or a reader that decodes only what it needs).
    pub async fn dump_messages<R: Request>(
        &self,
        req: R,
        f: impl FnMut(Message<'_>),
    ) -> Result<(), Error> {
        self.execute(Views::new(req, f)).await
    }

    /// Starts a dump. The stream yields each object as its datagram arrives;
    /// dropping it early discards the rest of the dump and leaves the
    /// connection usable.
    pub fn dump<R: Query + Unpin>(&self, req: R) -> DumpStream<Rt, R, R::Item> {
        self.dump_as(req)
    }

    /// Like [`Connection::dump`], decoding each item as `T`.
    pub fn dump_as<T: FromMessage, R: Request + Unpin>(&self, req: R) -> DumpStream<Rt, R, T> {
        DumpStream {
            running: Running::new(self.inner.clone(), Dump::new(req, self.timeout())),
        }
    }

    /// All links of the namespace.
    pub fn links(&self) -> DumpStream<Rt, GetLinks, Link> {
        self.dump(GetLinks::new())
    }

    /// All routes (IPv4 and IPv6, every table).
    pub fn routes(&self) -> DumpStream<Rt, GetRoutes, Route> {
        self.dump(GetRoutes::all_families())
    }

    /// All addresses (IPv4 and IPv6, every link).
    pub fn addresses(&self) -> DumpStream<Rt, GetAddresses, Address> {
        self.dump(GetAddresses::new())
    }

    /// The neighbour (ARP/NDP) entries of every link.
    pub fn neighbours(&self) -> DumpStream<Rt, GetNeighbours, Neighbour> {
        self.dump(GetNeighbours::new())
    }

    /// The routing rules of every family (IPv4, IPv6, and the
    /// multicast-routing families).
    pub fn rules(&self) -> DumpStream<Rt, GetRules, Rule> {
        self.dump(GetRules::default())
    }

    /// Runs an operation on a generic netlink family known by name (see
    /// [`nlwire::genl::WithFamily`]): the family id comes from this
    /// connection's cache, or is resolved first and then cached.
    pub async fn execute_genl<B: FamilyOp>(&self, body: B) -> Result<B::Output, Error> {
        self.run(Genl::new(body, self.timeout())).await
    }

    /// The generic netlink family `name` (id, version, commands,
    /// multicast groups), cached per connection. A family the kernel does
    /// not have is [`Error::FamilyNotFound`].
    pub async fn family(&self, name: &str) -> Result<Family, Error> {
        self.run(LookupFamily::new(name, self.timeout())?).await
    }

    /// Every generic netlink family of the kernel (`genl ctrl list`).
    pub fn families(&self) -> DumpStream<Rt, GetFamily, Family> {
        self.dump(GetFamily::all())
    }

    /// Reads the WireGuard interface `link` (a name or an index), peers
    /// and allowed IPs reassembled from every message of the dump.
    pub async fn get_device<'n>(&self, link: impl Into<LinkRef<'n>>) -> Result<Device, Error> {
        self.execute_genl(wireguard::get_device(link)?).await
    }

    /// Applies `config` to the WireGuard interface `link`, split into as
    /// many messages as needed.
    pub async fn set_device<'c>(
        &self,
        link: impl Into<LinkRef<'c>>,
        config: &'c DeviceConfig,
    ) -> Result<(), Error> {
        self.execute_genl(wireguard::set_device(link, config)?)
            .await
    }
}

/// A mirror of the kernel's tables on an async connection; see
/// [`nlwire::machine::mirror`] for what it keeps and how it heals. As a
/// [`Stream`] it yields each change; between two of them its tables are a
/// consistent view ([`Mirror::state`], or `Deref`). The connection's
/// clones go on carrying requests meanwhile.
pub struct Mirror<Rt: Runtime> {
    running: Running<Rt, CoreMirror>,
}

impl<Rt: Runtime> std::fmt::Debug for Mirror<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("objects", &self.running.task.len())
            .finish_non_exhaustive()
    }
}

impl<Rt: Runtime> Mirror<Rt> {
    /// Mirrors the tables of `groups` through `conn`, which it subscribes.
    /// The first event is [`MirrorEvent::Synced`], once everything was
    /// listed.
    pub fn new(conn: &Connection<Rt>, groups: Groups) -> Result<Self, Error> {
        // The mirror may need more groups than its tables' (see
        // `CoreMirror::new`).
        let task = CoreMirror::new(groups, conn.timeout());
        conn.subscribe(task.groups())?;
        Ok(Mirror {
            running: Running::new(conn.inner.clone(), task),
        })
    }

    /// The next change. An error is final (the mirror gave up).
    pub async fn next_event(&mut self) -> Result<MirrorEvent, Error> {
        poll_fn(|cx| self.running.poll(cx)).await
    }

    /// Like [`Mirror::next_event`], waiting at most `timeout`: `None` when
    /// nothing happened (the mirror goes on).
    pub async fn next_event_within(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<MirrorEvent>, Error> {
        let inner = self.running.inner.clone();
        Running::<Rt, _>::new(inner, Within::new(&mut self.running.task, timeout))
            .run()
            .await
            .transpose()
    }

    /// Lists every table again and reports what changed (see
    /// [`CoreMirror::resync`]).
    pub fn resync(&mut self) {
        self.running.task.resync();
    }

    /// The tables.
    pub fn state(&self) -> &CoreMirror {
        &self.running.task
    }
}

impl<Rt: Runtime> std::ops::Deref for Mirror<Rt> {
    type Target = CoreMirror;
    fn deref(&self) -> &CoreMirror {
        &self.running.task
    }
}

impl<Rt: Runtime> Stream for Mirror<Rt> {
    type Item = Result<MirrorEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().running.poll(cx).map(Some)
    }
}

/// The notifications of a subscribed connection; see
/// [`Connection::events`]. It never ends.
pub struct EventStream<Rt: Runtime> {
    running: Running<Rt, NextEvent>,
}

impl<Rt: Runtime> std::fmt::Debug for EventStream<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl<Rt: Runtime> Stream for EventStream<Rt> {
    type Item = Result<Notice, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().running.poll(cx).map(Some)
    }
}

/// A dump in progress; see [`Connection::dump`].
pub struct DumpStream<Rt: Runtime, R: Request, T: FromMessage> {
    running: Running<Rt, Dump<R, T>>,
}

impl<Rt: Runtime, R: Request + std::fmt::Debug, T: FromMessage> std::fmt::Debug
    for DumpStream<Rt, R, T>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpStream")
            .field("req", self.running.task.request())
            .finish_non_exhaustive()
    }
}

impl<Rt: Runtime, R: Request + Unpin, T: FromMessage> Stream for DumpStream<Rt, R, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let running = &mut self.get_mut().running;
        // The rest of the current datagram is decoded already.
        if let Some(item) = running.task.next_ready() {
            return Poll::Ready(Some(item));
        }
        running.poll(cx)
    }
}
