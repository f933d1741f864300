//! # nlwire-mio — blocking netlink connections
//!
//! For small tools and synchronous programs. One [`Connection`] owns a
//! non-blocking netlink socket and waits for it with `mio::Poll`, so every
//! call is bounded by the connection's timeout.
//!
//! ```no_run
//! let mut conn = nlwire_mio::Connection::new()?;
//! for link in conn.links() {
//!     let link = link?;
//!     println!("{} {}", link.index, link.name);
//! }
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! Dumps are iterators that parse each datagram as it arrives: memory stays
//! flat however large the table. [`Connection::dump_with`] hands out views
//! without allocating at all.

use std::path::Path;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
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
use nlwire_sys::{Driver, NetlinkSocket, Step, io_error, open_socket};

mod ns;
mod wg;

pub use nlwire;
pub use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
pub use nlwire::machine::wg_watch::{DEFAULT_WG_POLL_INTERVAL, WgEvent, WgWatchOptions};
pub use nlwire_sys::netns::{self, DEFAULT_NETNS_DIR, Netns, NetnsDir, NetnsId};
pub use nlwire_sys::{ConnectionOptions, DEFAULT_TIMEOUT, sysctl};
pub use ns::{NsWatch, run_in};
pub use wg::WgWatch;

/// A blocking netlink connection.
#[derive(Debug)]
pub struct Connection {
    driver: Driver,
    poll: Poll,
    events: Events,
    timeout: Duration,
}

impl Connection {
    /// A `NETLINK_ROUTE` connection in the current network namespace.
    pub fn new() -> Result<Connection, Error> {
        Self::with_options(ConnectionOptions::default())
    }

    /// A connection with the given options.
    pub fn with_options(opts: ConnectionOptions) -> Result<Connection, Error> {
        Self::from_socket(open_socket(None, &opts.socket)?, opts)
    }

    /// A generic netlink (`NETLINK_GENERIC`) connection in the current
    /// network namespace: for [`Connection::get_device`],
    /// [`Connection::set_device`], [`Connection::family`] and
    /// [`WgWatch`]. In another namespace:
    /// `Connection::new_in_with_options(&ns, ConnectionOptions::generic())`.
    pub fn generic() -> Result<Connection, Error> {
        Self::with_options(ConnectionOptions::generic())
    }

    /// A `NETLINK_ROUTE` connection inside the network namespace at `path`
    /// (`/var/run/netns/NAME`, `/proc/PID/ns/net`).
    pub fn new_in_netns(path: impl AsRef<Path>) -> Result<Connection, Error> {
        Self::new_in_netns_with_options(path, ConnectionOptions::default())
    }

    /// Like [`Connection::new_in_netns`], with options.
    pub fn new_in_netns_with_options(
        path: impl AsRef<Path>,
        opts: ConnectionOptions,
    ) -> Result<Connection, Error> {
        Self::from_socket(open_socket(Some(path.as_ref()), &opts.socket)?, opts)
    }

    /// Wraps an already open socket.
    pub fn from_socket(
        socket: NetlinkSocket,
        opts: ConnectionOptions,
    ) -> Result<Connection, Error> {
        let poll = Poll::new().map_err(|e| io_error("create poll", &e))?;
        use std::os::fd::AsRawFd;
        let fd = socket.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)
            .map_err(|e| io_error("register netlink socket", &e))?;
        Ok(Connection {
            driver: Driver::new(socket, opts.mux),
            poll,
            events: Events::with_capacity(4),
            timeout: opts.timeout,
        })
    }

    /// Changes the reply timeout.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The reply timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Counters of unmatched, discarded and malformed messages.
    pub fn stats(&self) -> Stats {
        self.driver.stats()
    }

    /// The socket's port id.
    pub fn port(&self) -> u32 {
        self.driver.socket().port()
    }

    /// Drives `id` until `f` returns something other than
    /// [`Fold::Continue`], waiting at most the timeout between replies.
    /// Errors carry no operation name; callers add it.
    fn drive<T>(&mut self, id: RequestId, f: &mut impl FnMut(Reply<'_>) -> Fold<T>) -> Fold<T> {
        let mut deadline = Instant::now() + self.timeout;
        loop {
            // Every reply that only continues is handled in one go; the
            // idle deadline moves once per wait after progress, not per
            // reply (no clock read per message).
            let (step, progressed) = self
                .driver
                .step_while(id, None, f, |t| matches!(t, Fold::Continue));
            match step {
                // Never `Fold::Continue`: `step_while` went on past those.
                Step::Ready(done) => return done,
                Step::WouldBlock => {
                    if progressed {
                        deadline = Instant::now() + self.timeout;
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        return Fold::Finish(Err(Error::Timeout {
                            op: String::new(),
                            timeout: self.timeout,
                        }));
                    }
                    if let Err(e) = self.poll.poll(&mut self.events, Some(deadline - now))
                        && e.kind() != std::io::ErrorKind::Interrupted
                    {
                        return Fold::Finish(Err(io_error("wait for netlink socket", &e)));
                    }
                }
            }
        }
    }

    /// Runs request `req` to its end: `f` folds each reply, `on_yield`
    /// takes what it yields. The request is finished however it ends.
    fn run<T, R: Request + ?Sized>(
        &mut self,
        req: &R,
        f: impl FnMut(Reply<'_>) -> Fold<T>,
        on_yield: impl FnMut(T),
    ) -> Result<(), Error> {
        let id = self.driver.start(req)?;
        self.run_id(id, f, on_yield)
            .map_err(|e| e.with_op(Describe(req)))
    }

    fn run_id<T>(
        &mut self,
        id: RequestId,
        mut f: impl FnMut(Reply<'_>) -> Fold<T>,
        mut on_yield: impl FnMut(T),
    ) -> Result<(), Error> {
        let r = loop {
            match self.drive(id, &mut f) {
                Fold::Yield(t) => on_yield(t),
                Fold::Finish(r) => break r,
                Fold::Continue => {}
            }
        };
        self.driver.finish(id);
        r
    }

    /// Runs an operation (see [`nlwire::machine::ops`]): each request it
    /// asks for is sent and its replies fed back, until it is done.
    ///
    /// ```no_run
    /// use nlwire::machine::ops;
    /// let mut conn = nlwire_mio::Connection::new()?;
    /// conn.execute(ops::create_veth("veth0", "veth1")?)?;
    /// conn.execute(ops::set_link_up("veth0")?)?;
    /// let existed = conn.execute(ops::delete_link_if_exists("veth0")?)?;
    /// # Ok::<(), nlwire::Error>(())
    /// ```
    pub fn execute<O: Op>(&mut self, mut op: O) -> Result<O::Output, Error> {
        loop {
            let started = match op.step() {
                OpStep::Done(r) => return r,
                OpStep::Send(req) => self.driver.start(req),
            };
            let r = match started {
                Ok(id) => self.run_id(
                    id,
                    |reply| {
                        if op.reply(reply) {
                            Fold::Finish(Ok(()))
                        } else {
                            Fold::Continue
                        }
                    },
                    |()| {},
                ),
                Err(e) => Err(e),
            };
            // The op's fold names the request in the error, as on the
            // async runtimes.
            if let Err(e) = r {
                op.reply(Reply::Failed(e));
            }
        }
    }

    /// Runs a batch: its requests go out many per datagram, and each gets
    /// a result in the [`BatchOutcome`]. `Err` only when the batch could
    /// not be run to its end (timeout, socket error); requests the kernel
    /// refused are failures inside the outcome.
    pub fn batch(&mut self, batch: &Batch) -> Result<BatchOutcome, Error> {
        let mut run = BatchRun::new(batch);
        let mut deadline = Instant::now() + self.timeout;
        loop {
            match self.driver.batch_step(batch, &mut run, None) {
                Step::Ready(()) => return Ok(run.take_outcome()),
                Step::WouldBlock => {
                    let now = Instant::now();
                    let r = if now >= deadline {
                        Err(Error::Timeout {
                            op: String::from("batch"),
                            timeout: self.timeout,
                        })
                    } else {
                        match self.poll.poll(&mut self.events, Some(deadline - now)) {
                            Ok(()) => {
                                if !self.events.is_empty() {
                                    deadline = Instant::now() + self.timeout;
                                }
                                Ok(())
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(()),
                            Err(e) => Err(io_error("wait for netlink socket", &e)),
                        }
                    };
                    if let Err(e) = r {
                        self.driver.abandon_batch(&run);
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Sends a request and waits for its acknowledgement.
    pub fn request<R: Request>(&mut self, req: R) -> Result<(), Error> {
        self.run(&req, |r| fold::ack(&req, r), |()| {})
    }

    /// Sends a request answered by one object (e.g. get a link) and returns
    /// it decoded.
    pub fn get<T: FromMessage, R: Request>(&mut self, req: R) -> Result<T, Error> {
        let mut found: Option<Result<T, Error>> = None;
        self.run(
            &req,
            |r| fold::items::<T, _>(&req, r),
            |t| {
                found.get_or_insert(t);
            },
        )?;
        found.unwrap_or_else(|| {
            Err(Error::NoReply {
                op: Describe(&req).to_string(),
            })
        })
    }

    /// Starts a dump; the iterator yields each object as its datagram
    /// arrives. Dropping it early is fine: the rest of the dump is
    /// discarded and the connection stays usable.
    pub fn dump<T: FromMessage, R: Request>(&mut self, req: R) -> Dump<'_, R, T> {
        let (id, error) = match self.driver.start(&req) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e)),
        };
        Dump {
            conn: self,
            req,
            id,
            error,
            _t: std::marker::PhantomData,
        }
    }

    /// Runs a dump (or GET) and calls `f` with every accepted reply message
    /// as a view into the receive buffer — no allocation per message.
    pub fn dump_with<R: Request>(
        &mut self,
        req: R,
        mut f: impl FnMut(Message<'_>),
    ) -> Result<(), Error> {
        self.run(&req, |r| fold::views(&req, r, &mut f), |()| {})
    }

    /// All links of the namespace.
    pub fn links(&mut self) -> Dump<'_, GetLinks, Link> {
        self.dump(GetLinks::new())
    }

    /// All routes (IPv4 and IPv6, every table).
    pub fn routes(&mut self) -> Dump<'_, GetRoutes, Route> {
        self.dump(GetRoutes::all_families())
    }

    /// All addresses (IPv4 and IPv6, every link).
    pub fn addresses(&mut self) -> Dump<'_, GetAddrs, Addr> {
        self.dump(GetAddrs::new())
    }

    /// The neighbour (ARP/NDP) entries of every link.
    pub fn neighbours(&mut self) -> Dump<'_, GetNeighs, Neigh> {
        self.dump(GetNeighs::new())
    }

    /// The routing rules of every family (IPv4, IPv6, and the
    /// multicast-routing families).
    pub fn rules(&mut self) -> Dump<'_, GetRules, RuleEntry> {
        self.dump(GetRules::default())
    }

    /// Runs an operation on a generic netlink family known by name (see
    /// [`nlwire::genl::WithFamily`]): the family id comes from this
    /// connection's cache, or is resolved first and then cached.
    pub fn execute_genl<B: FamilyOp>(&mut self, body: B) -> Result<B::Output, Error> {
        let mut op = self.driver.with_family(body)?;
        let r = self.execute(&mut op);
        self.driver.settle_family(&mut op);
        r
    }

    /// The generic netlink family `name` (id, version, commands,
    /// multicast groups), cached per connection. A family the kernel does
    /// not have is [`Error::FamilyNotFound`].
    pub fn family(&mut self, name: &str) -> Result<Family, Error> {
        if let Some(f) = self.driver.cached_family(name) {
            return Ok(f);
        }
        let f = self.execute(ctrl::resolve(name)?)?;
        self.driver.remember_family(f.clone());
        Ok(f)
    }

    /// Every generic netlink family of the kernel (`genl ctrl list`).
    pub fn families(&mut self) -> Dump<'_, GetFamily, Family> {
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

/// A dump in progress; see [`Connection::dump`].
#[derive(Debug)]
pub struct Dump<'c, R: Request, T> {
    conn: &'c mut Connection,
    req: R,
    id: Option<RequestId>,
    error: Option<Error>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<R: Request, T: FromMessage> Iterator for Dump<'_, R, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        let id = self.id?;
        let req = &self.req;
        match self.conn.drive(id, &mut |r| fold::items::<T, _>(req, r)) {
            Fold::Yield(item) => Some(item),
            Fold::Finish(r) => {
                self.conn.driver.finish(id);
                self.id = None;
                r.err().map(|e| Err(e.with_op(Describe(req))))
            }
            Fold::Continue => None,
        }
    }
}

impl<R: Request, T> Drop for Dump<'_, R, T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.conn.driver.finish(id);
        }
    }
}
