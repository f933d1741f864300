//! # nlwire-async-io — netlink connections on async-io (smol and friends)
//!
//! A [`Connection`] is cheap to clone and can be used from many tasks at
//! once: requests are pipelined on one socket and every reply reaches the
//! task that asked. Dumps are [`futures_core::Stream`]s that parse each
//! datagram as it arrives.
//!
//! ```no_run
//! # async fn f() -> Result<(), nlwire::Error> {
//! let conn = nlwire_async_io::Connection::new()?;
//! let mut links = conn.links();
//! while let Some(link) = std::future::poll_fn(|cx| {
//!     futures_core::Stream::poll_next(std::pin::Pin::new(&mut links), cx)
//! }).await {
//!     println!("{}", link?.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Works with any executor; async-io's reactor thread delivers readiness.
//! Every wait is bounded by the connection's timeout.

use std::future::poll_fn;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use std::time::Instant;

use async_io::{Async, Timer};
use futures_core::Stream;
use nlwire::Error;
use nlwire::machine::{FromMessage, MuxOptions, Reply, RequestId, Stats, fold, fold::Fold};
use nlwire::request::{Describe, Request};
use nlwire::route::{GetLinks, GetRoutes, Link, Route};
use nlwire::wire::Message;
use nlwire_sys::{Driver, NetlinkSocket, SocketOptions, Step, io_error};

pub use nlwire;

/// Default for [`ConnectionOptions::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a [`Connection`] is set up.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ConnectionOptions {
    /// Socket options (protocol, ext-ack, strict checking, buffer size).
    pub socket: SocketOptions,
    /// Multiplexer options (receive buffer).
    pub mux: MuxOptions,
    /// How long to wait for the kernel's next reply before a request fails
    /// with [`Error::Timeout`]. A dump may take longer in total, as long as
    /// replies keep coming.
    pub timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            socket: SocketOptions::default(),
            mux: MuxOptions::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

#[derive(Debug)]
struct Inner {
    driver: Driver,
    ready: Async<OwnedFd>,
    timeout: Duration,
}

impl Inner {
    /// One poll of request `id`: steps the driver, waiting on the socket's
    /// readiness when it is empty.
    fn poll_step<T>(
        &self,
        id: RequestId,
        cx: &mut Context<'_>,
        f: &mut impl FnMut(Reply<'_>) -> T,
    ) -> Poll<Result<T, Error>> {
        loop {
            if let Step::Ready(t) = self.driver.step(id, Some(cx.waker()), f) {
                return Poll::Ready(Ok(t));
            }
            if let Err(e) = ready!(self.ready.poll_readable(cx)) {
                return Poll::Ready(Err(io_error("wait for netlink socket", &e)));
            }
        }
    }
}

/// A netlink connection on async-io. Clones share the socket.
#[derive(Debug, Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

/// Calls `Driver::finish` when a request future is completed or dropped.
struct Finish<'a>(&'a Inner, RequestId);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.driver.finish(self.1);
    }
}

impl Connection {
    /// A `NETLINK_ROUTE` connection in the current network namespace.
    pub fn new() -> Result<Connection, Error> {
        Self::with_options(ConnectionOptions::default())
    }

    /// A connection with the given options.
    pub fn with_options(opts: ConnectionOptions) -> Result<Connection, Error> {
        let socket =
            NetlinkSocket::open(&opts.socket).map_err(|e| io_error("open netlink socket", &e))?;
        Self::from_socket(socket, opts)
    }

    /// A `NETLINK_ROUTE` connection inside the network namespace at `path`.
    /// The socket is created on a short-lived thread; no executor thread
    /// ever changes namespace.
    pub fn new_in_netns(path: impl AsRef<Path>) -> Result<Connection, Error> {
        Self::new_in_netns_with_options(path, ConnectionOptions::default())
    }

    /// Like [`Connection::new_in_netns`], with options.
    pub fn new_in_netns_with_options(
        path: impl AsRef<Path>,
        opts: ConnectionOptions,
    ) -> Result<Connection, Error> {
        let path = path.as_ref();
        let socket = NetlinkSocket::open_in_netns(path, &opts.socket).map_err(|e| {
            io_error(
                format_args!("open netlink socket in namespace {}", path.display()),
                &e,
            )
        })?;
        Self::from_socket(socket, opts)
    }

    /// Wraps an already open socket.
    pub fn from_socket(
        socket: NetlinkSocket,
        opts: ConnectionOptions,
    ) -> Result<Connection, Error> {
        let dup = socket
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| io_error("duplicate netlink socket", &e))?;
        let ready = Async::new_nonblocking(dup)
            .map_err(|e| io_error("register netlink socket with async-io", &e))?;
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

    async fn run<T, R: Request + ?Sized>(
        &self,
        req: &R,
        mut f: impl FnMut(Reply<'_>) -> Fold<T>,
        mut on_yield: impl FnMut(T),
    ) -> Result<(), Error> {
        let inner = &*self.inner;
        let id = inner.driver.start(req)?;
        let _finish = Finish(inner, id);
        let fut = poll_fn(|cx| {
            loop {
                match ready!(inner.poll_step(id, cx, &mut f)) {
                    Ok(Fold::Continue) => {}
                    Ok(Fold::Yield(t)) => on_yield(t),
                    Ok(Fold::Finish(r)) => return Poll::Ready(r),
                    Err(e) => return Poll::Ready(Err(e.with_op(Describe(req)))),
                }
            }
        });
        let timeout = async {
            Timer::after(inner.timeout).await;
            Err(Error::Timeout {
                op: Describe(req).to_string(),
                timeout: inner.timeout,
            })
        };
        futures_lite::future::or(fut, timeout).await
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
    pub fn dump<T: FromMessage, R: Request + Unpin>(&self, req: R) -> DumpStream<R, T> {
        let (id, error) = match self.inner.driver.start(&req) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e)),
        };
        DumpStream {
            inner: self.inner.clone(),
            sleep: Timer::after(self.inner.timeout),
            progressed: false,
            req,
            id,
            error,
            _t: std::marker::PhantomData,
        }
    }

    /// All links of the namespace.
    pub fn links(&self) -> DumpStream<GetLinks, Link> {
        self.dump(GetLinks::new())
    }

    /// All routes (IPv4 and IPv6, every table).
    pub fn routes(&self) -> DumpStream<GetRoutes, Route> {
        self.dump(GetRoutes::all_families())
    }
}

/// A dump in progress; see [`Connection::dump`].
#[derive(Debug)]
pub struct DumpStream<R, T> {
    inner: Arc<Inner>,
    sleep: Timer,
    progressed: bool,
    req: R,
    id: Option<RequestId>,
    error: Option<Error>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<R: Request + Unpin, T: FromMessage> Stream for DumpStream<R, T> {
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
            let step = this
                .inner
                .poll_step(id, cx, &mut |r| fold::items::<T, _>(req, r));
            let out = match step {
                Poll::Ready(Ok(Fold::Continue)) => {
                    this.progressed = true;
                    continue;
                }
                Poll::Ready(Ok(Fold::Yield(item))) => {
                    this.progressed = true;
                    return Poll::Ready(Some(item));
                }
                Poll::Ready(Ok(Fold::Finish(r))) => r.err(),
                Poll::Ready(Err(e)) => Some(e.with_op(Describe(req))),
                Poll::Pending => {
                    // The idle timer is re-armed once per wait, not per item.
                    if std::mem::take(&mut this.progressed) {
                        this.sleep.set_at(Instant::now() + this.inner.timeout);
                    }
                    if Pin::new(&mut this.sleep).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
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

impl<R, T> Drop for DumpStream<R, T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.inner.driver.finish(id);
        }
    }
}
