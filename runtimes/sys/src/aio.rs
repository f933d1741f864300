//! The async connection shared by `nlwire-tokio` and `nlwire-async-io`.
//!
//! A runtime crate implements [`Runtime`] — socket readiness and an idle
//! timer, about forty lines — and exposes `Connection<ItsRuntime>`.
//! Everything else (pipelining, typed dumps as `Stream`s, timeouts,
//! cancellation on drop) is here, written once.
#![forbid(unsafe_code)]

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use futures_core::Stream;
use nlwire::Error;
use nlwire::genl::FamilyOp;
use nlwire::genl::ctrl::{self, Family, GetFamily};
use nlwire::genl::wireguard::{self, Device, DeviceConfig};
use nlwire::machine::{
    Batch, BatchOutcome, BatchRun, FromMessage, Op, OpStep, Reply, RequestId, Stats, fold,
    fold::Fold,
};
use nlwire::request::{Describe, Request};
use nlwire::route::{
    Addr, GetAddrs, GetLinks, GetNeighs, GetRoutes, GetRules, Link, LinkRef, Neigh, Route,
    RuleEntry,
};
use nlwire::wire::Message;

use crate::conn::{ConnectionOptions, open_socket};
use crate::{Driver, NetlinkSocket, Step, io_error};

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
    driver: Driver,
    ready: Rt::Readiness,
    timeout: Duration,
}

impl<Rt: Runtime> std::fmt::Debug for Inner<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("driver", &self.driver)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<Rt: Runtime> Inner<Rt> {
    /// One poll of request `id`: steps the driver, waiting on readiness
    /// when the socket is empty. Replies for which `more` says so of what
    /// `f` returned are consumed under the same lock (a dump's datagram in
    /// one pass); `progressed` is set when any reply was handled.
    fn poll_step<T>(
        &self,
        id: RequestId,
        cx: &mut Context<'_>,
        f: &mut impl FnMut(Reply<'_>) -> T,
        more: impl Fn(&T) -> bool + Copy,
        progressed: &mut bool,
    ) -> Poll<Result<T, Error>> {
        loop {
            let (step, any) = self.driver.step_while(id, Some(cx.waker()), f, more);
            *progressed |= any;
            if let Step::Ready(t) = step {
                return Poll::Ready(Ok(t));
            }
            if let Err(e) = ready!(Rt::poll_readable(&self.ready, cx)) {
                return Poll::Ready(Err(io_error("wait for netlink socket", &e)));
            }
        }
    }
}

/// The idle timeout of one request: armed lazily on the first wait and
/// re-armed once per wait after progress, not per item.
struct Idle<Rt: Runtime> {
    timer: Option<Rt::Timer>,
    progressed: bool,
}

impl<Rt: Runtime> Idle<Rt> {
    fn new() -> Self {
        Idle {
            timer: None,
            progressed: false,
        }
    }

    /// Called when the request must wait; `Ready` when it timed out.
    fn poll_expired(&mut self, timeout: Duration, cx: &mut Context<'_>) -> Poll<()> {
        let progressed = std::mem::take(&mut self.progressed);
        let t = self
            .timer
            .get_or_insert_with(|| Rt::timer(Instant::now() + timeout));
        if progressed {
            Rt::reset(t, Instant::now() + timeout);
        }
        Rt::poll_timer(t, cx)
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

/// Forgets a batch's chunk in flight if its future is dropped half-way.
struct BatchGuard<'a> {
    driver: &'a Driver,
    run: BatchRun,
}

impl Drop for BatchGuard<'_> {
    fn drop(&mut self) {
        if !self.run.is_finished() {
            self.driver.abandon_batch(&self.run);
        }
    }
}

/// Calls `Driver::finish` when a request future completes or is dropped.
struct Finish<'a>(&'a Driver, RequestId);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finish(self.1);
    }
}

impl<Rt: Runtime> Connection<Rt> {
    /// A `NETLINK_ROUTE` connection in the current network namespace.
    pub fn new() -> Result<Self, Error> {
        Self::with_options(ConnectionOptions::default())
    }

    /// A connection with the given options.
    pub fn with_options(opts: ConnectionOptions) -> Result<Self, Error> {
        Self::from_socket(open_socket(None, &opts.socket)?, opts)
    }

    /// A generic netlink (`NETLINK_GENERIC`) connection in the current
    /// network namespace: for [`Connection::get_device`],
    /// [`Connection::set_device`], [`Connection::family`] and the
    /// WireGuard watcher. In another namespace:
    /// `Connection::new_in_with_options(&ns, ConnectionOptions::generic())`.
    pub fn generic() -> Result<Self, Error> {
        Self::with_options(ConnectionOptions::generic())
    }

    /// A `NETLINK_ROUTE` connection inside the network namespace at `path`
    /// (`/var/run/netns/NAME`, `/proc/PID/ns/net`). The socket is created on
    /// a short-lived thread; no executor thread ever changes namespace.
    pub fn new_in_netns(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::new_in_netns_with_options(path, ConnectionOptions::default())
    }

    /// Like [`Connection::new_in_netns`], with options.
    pub fn new_in_netns_with_options(
        path: impl AsRef<Path>,
        opts: ConnectionOptions,
    ) -> Result<Self, Error> {
        Self::from_socket(open_socket(Some(path.as_ref()), &opts.socket)?, opts)
    }

    /// Wraps an already open socket.
    pub fn from_socket(socket: NetlinkSocket, opts: ConnectionOptions) -> Result<Self, Error> {
        let ready = Rt::register(socket.as_fd())
            .map_err(|e| io_error("register netlink socket with the runtime", &e))?;
        Ok(Connection {
            inner: Arc::new(Inner {
                driver: Driver::new(socket, opts.mux),
                ready,
                timeout: opts.timeout,
            }),
        })
    }

    /// The reply timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.inner.driver.stats()
    }

    /// The socket's port id.
    pub fn port(&self) -> u32 {
        self.inner.driver.socket().port()
    }

    /// Drives request `id` to its end: `f` folds each reply, `on_yield`
    /// takes what it yields. Errors carry no operation name yet.
    async fn run_id<T>(
        &self,
        id: RequestId,
        mut f: impl FnMut(Reply<'_>) -> Fold<T>,
        mut on_yield: impl FnMut(T),
    ) -> Result<(), Error> {
        let inner = &*self.inner;
        let _finish = Finish(&inner.driver, id);
        let mut idle = Idle::<Rt>::new();
        poll_fn(|cx| {
            loop {
                let more = |t: &Fold<T>| matches!(t, Fold::Continue);
                match inner.poll_step(id, cx, &mut f, more, &mut idle.progressed) {
                    // Never `Continue`: `poll_step` went on past those.
                    Poll::Ready(Ok(Fold::Continue)) => idle.progressed = true,
                    Poll::Ready(Ok(Fold::Yield(t))) => {
                        idle.progressed = true;
                        on_yield(t)
                    }
                    Poll::Ready(Ok(Fold::Finish(r))) => return Poll::Ready(r),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        ready!(idle.poll_expired(inner.timeout, cx));
                        return Poll::Ready(Err(Error::Timeout {
                            op: String::new(),
                            timeout: inner.timeout,
                        }));
                    }
                }
            }
        })
        .await
    }

    async fn run<T, R: Request + ?Sized>(
        &self,
        req: &R,
        f: impl FnMut(Reply<'_>) -> Fold<T>,
        on_yield: impl FnMut(T),
    ) -> Result<(), Error> {
        let id = self.inner.driver.start(req)?;
        self.run_id(id, f, on_yield)
            .await
            .map_err(|e| e.with_op(Describe(req)))
    }

    /// Runs an operation (see [`nlwire::machine::ops`]): each request it
    /// asks for is sent and its replies fed back, until it is done.
    ///
    /// ```no_run
    /// # async fn f(conn: nlwire_sys::aio::Connection<impl nlwire_sys::aio::Runtime>) -> Result<(), nlwire::Error> {
    /// use nlwire::machine::ops;
    /// conn.execute(ops::create_veth("veth0", "veth1")?).await?;
    /// conn.execute(ops::add_address("veth0", "192.0.2.1".parse().unwrap(), 24)?).await?;
    /// let gone = conn.execute(ops::delete_link_if_exists("veth0")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute<O: Op>(&self, mut op: O) -> Result<O::Output, Error> {
        loop {
            let started = match op.step() {
                OpStep::Done(r) => return r,
                OpStep::Send(req) => self.inner.driver.start(req),
            };
            let r = match started {
                Ok(id) => {
                    self.run_id(
                        id,
                        |reply| {
                            if op.reply(reply) {
                                Fold::Finish(Ok(()))
                            } else {
                                Fold::Continue
                            }
                        },
                        |()| {},
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                op.reply(Reply::Failed(e));
            }
        }
    }

    /// Runs a batch: its requests go out many per datagram, and each gets
    /// a result in the [`BatchOutcome`]. `Err` only when the batch could
    /// not be run to its end (timeout, socket error); requests the kernel
    /// refused are failures inside the outcome.
    pub async fn batch(&self, batch: &Batch) -> Result<BatchOutcome, Error> {
        let inner = &*self.inner;
        let mut guard = BatchGuard {
            driver: &inner.driver,
            run: BatchRun::new(batch),
        };
        let mut idle = Idle::<Rt>::new();
        poll_fn(|cx| {
            loop {
                match inner
                    .driver
                    .batch_step(batch, &mut guard.run, Some(cx.waker()))
                {
                    Step::Ready(()) => return Poll::Ready(Ok(())),
                    Step::WouldBlock => match Rt::poll_readable(&inner.ready, cx) {
                        Poll::Ready(Ok(())) => idle.progressed = true,
                        Poll::Ready(Err(e)) => {
                            return Poll::Ready(Err(io_error("wait for netlink socket", &e)));
                        }
                        Poll::Pending => {
                            ready!(idle.poll_expired(inner.timeout, cx));
                            return Poll::Ready(Err(Error::Timeout {
                                op: String::from("batch"),
                                timeout: inner.timeout,
                            }));
                        }
                    },
                }
            }
        })
        .await?;
        Ok(guard.run.take_outcome())
    }

    /// Sends a request and waits for its acknowledgement.
    pub async fn request<R: Request>(&self, req: R) -> Result<(), Error> {
        self.run(&req, |r| fold::ack(&req, r), |()| {}).await
    }

    /// Sends a request answered by one object (e.g. get a link) and returns
    /// it decoded.
    pub async fn get<T: FromMessage, R: Request>(&self, req: R) -> Result<T, Error> {
        let mut found: Option<Result<T, Error>> = None;
        self.run(
            &req,
            |r| fold::items::<T, _>(&req, r),
            |t| {
                found.get_or_insert(t);
            },
        )
        .await?;
        found.unwrap_or_else(|| {
            Err(Error::NoReply {
                op: Describe(&req).to_string(),
            })
        })
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply message
    /// as a view into the receive buffer — no allocation per message.
    pub async fn dump_with<R: Request>(
        &self,
        req: R,
        mut f: impl FnMut(Message<'_>),
    ) -> Result<(), Error> {
        self.run(&req, |r| fold::views(&req, r, &mut f), |()| {})
            .await
    }

    /// Starts a dump. The stream yields each object as its datagram arrives;
    /// dropping it early discards the rest of the dump and leaves the
    /// connection usable.
    pub fn dump<T: FromMessage, R: Request + Unpin>(&self, req: R) -> DumpStream<Rt, R, T> {
        let (id, error) = match self.inner.driver.start(&req) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e)),
        };
        DumpStream {
            inner: self.inner.clone(),
            idle: Idle::new(),
            req,
            id,
            error,
            _t: std::marker::PhantomData,
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
    pub fn addresses(&self) -> DumpStream<Rt, GetAddrs, Addr> {
        self.dump(GetAddrs::new())
    }

    /// The neighbour (ARP/NDP) entries of every link.
    pub fn neighbours(&self) -> DumpStream<Rt, GetNeighs, Neigh> {
        self.dump(GetNeighs::new())
    }

    /// The routing rules of every family (IPv4, IPv6, and the
    /// multicast-routing families).
    pub fn rules(&self) -> DumpStream<Rt, GetRules, RuleEntry> {
        self.dump(GetRules::default())
    }

    /// Runs an operation on a generic netlink family known by name (see
    /// [`nlwire::genl::WithFamily`]): the family id comes from this
    /// connection's cache, or is resolved first and then cached.
    pub async fn execute_genl<B: FamilyOp>(&self, body: B) -> Result<B::Output, Error> {
        let driver = &self.inner.driver;
        let mut op = driver.with_family(body)?;
        let r = self.execute(&mut op).await;
        driver.settle_family(&mut op);
        r
    }

    /// The generic netlink family `name` (id, version, commands,
    /// multicast groups), cached per connection. A family the kernel does
    /// not have is [`Error::FamilyNotFound`].
    pub async fn family(&self, name: &str) -> Result<Family, Error> {
        if let Some(f) = self.inner.driver.cached_family(name) {
            return Ok(f);
        }
        let f = self.execute(ctrl::resolve(name)?).await?;
        self.inner.driver.remember_family(f.clone());
        Ok(f)
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

/// A dump in progress; see [`Connection::dump`].
pub struct DumpStream<Rt: Runtime, R, T> {
    inner: Arc<Inner<Rt>>,
    idle: Idle<Rt>,
    req: R,
    id: Option<RequestId>,
    error: Option<Error>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<Rt: Runtime, R: std::fmt::Debug, T> std::fmt::Debug for DumpStream<Rt, R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpStream")
            .field("req", &self.req)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<Rt: Runtime, R: Request + Unpin, T: FromMessage> Stream for DumpStream<Rt, R, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(e) = this.error.take() {
            return Poll::Ready(Some(Err(e)));
        }
        let Some(id) = this.id else {
            return Poll::Ready(None);
        };
        let req = &this.req;
        loop {
            let step = this.inner.poll_step(
                id,
                cx,
                &mut |r| fold::items::<T, _>(req, r),
                |t| matches!(t, Fold::Continue),
                &mut this.idle.progressed,
            );
            let out = match step {
                Poll::Ready(Ok(Fold::Continue)) => {
                    this.idle.progressed = true;
                    continue;
                }
                Poll::Ready(Ok(Fold::Yield(item))) => {
                    this.idle.progressed = true;
                    return Poll::Ready(Some(item));
                }
                Poll::Ready(Ok(Fold::Finish(r))) => r.err(),
                Poll::Ready(Err(e)) => Some(e.with_op(Describe(req))),
                Poll::Pending => {
                    ready!(this.idle.poll_expired(this.inner.timeout, cx));
                    Some(Error::Timeout {
                        op: Describe(req).to_string(),
                        timeout: this.inner.timeout,
                    })
                }
            };
            this.inner.driver.finish(id);
            this.id = None;
            return Poll::Ready(out.map(Err));
        }
    }
}

impl<Rt: Runtime, R, T> Drop for DumpStream<Rt, R, T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.inner.driver.finish(id);
        }
    }
}
