//! The public face of a runtime crate, written once per flavour.
//!
//! [`async_runtime!`](crate::async_runtime) and
//! [`blocking_runtime!`](crate::blocking_runtime) declare, in the crate
//! that invokes them, the documented types an embedder uses —
//! `Connection`, `DumpStream`/`Dump`, `WgWatch`, `NsWatch` and `run_in` —
//! each a thin wrapper of the generic type of this crate for one runtime.
//! A runtime crate is then its trait impl and one macro call, and its
//! `Connection` is a real type with its own documentation.

/// Declares the async façade (`Connection`, `DumpStream`, `WgWatch`,
/// `NsWatch`, `run_in`) for the runtime `$rt` (an
/// [`aio::Runtime`](crate::aio::Runtime)) in the invoking crate, named
/// `$krate` in the examples.
#[macro_export]
macro_rules! async_runtime {
    ($rt:ty, $krate:literal) => {
        use $crate::nlwire::genl::FamilyOp as __FamilyOp;

        /// An async netlink connection. Clones share the socket; many tasks
        /// may use it at once, and their requests are pipelined on it (each
        /// reply reaches the task that asked).
        ///
        /// Every wait is bounded by the connection's timeout. Create it
        /// inside the runtime (it registers with its reactor).
        ///
        #[doc = concat!("```no_run\n# async fn f() -> Result<(), nlwire::Error> {\nuse nlwire::ops;\nlet conn = ", $krate, "::Connection::new()?;\nconn.execute(ops::create_veth(\"veth0\", \"veth1\")?).await?;\nconn.execute(ops::add_address(\"veth0\", \"192.0.2.1\".parse().unwrap(), 24)?).await?;\nlet link = conn.get(nlwire::route::GetLink::by_name(\"veth0\")?).await?;\nprintln!(\"{} mtu {:?}\", link.name, link.mtu);\n# Ok(()) }\n```")]
        #[derive(Clone, Debug)]
        pub struct Connection($crate::aio::Connection<$rt>);

        impl Connection {
            $crate::__constructors!($crate::aio::Connection<$rt>);

            /// The runtime-generic connection this wraps.
            pub fn inner(&self) -> &$crate::aio::Connection<$rt> {
                &self.0
            }

            /// The reply timeout.
            pub fn timeout(&self) -> std::time::Duration {
                self.0.timeout()
            }

            /// Counters of unmatched, discarded and malformed messages.
            pub fn stats(&self) -> $crate::nlwire::machine::Stats {
                self.0.stats()
            }

            /// The socket's port id.
            pub fn port(&self) -> u32 {
                self.0.port()
            }

            /// Runs an operation (see [`nlwire::ops`]): each request it asks
            /// for is sent and its replies fed back, until it is done.
            pub async fn execute<O: $crate::nlwire::Op>(&self, op: O) -> Result<O::Output, $crate::nlwire::Error> {
                self.0.execute(op).await
            }

            /// Runs a batch: its requests go out many per datagram, and each
            /// gets a result in the [`BatchOutcome`](nlwire::BatchOutcome).
            /// `Err` only when the batch could not be run to its end.
            pub async fn batch(&self, batch: &$crate::nlwire::Batch) -> Result<$crate::nlwire::BatchOutcome, $crate::nlwire::Error> {
                self.0.batch(batch).await
            }

            /// Sends a request and waits for its acknowledgement.
            pub async fn request<R: $crate::nlwire::Request>(&self, req: R) -> Result<(), $crate::nlwire::Error> {
                self.0.request(req).await
            }

            /// Sends a request answered by one object and returns it as the
            /// request's [`Query::Item`](nlwire::Query::Item).
            pub async fn get<R: $crate::nlwire::Query>(&self, req: R) -> Result<R::Item, $crate::nlwire::Error> {
                self.0.get(req).await
            }

            /// Like [`Connection::get`], decoding the reply as `T`.
            pub async fn get_as<T: $crate::nlwire::FromMessage, R: $crate::nlwire::Request>(&self, req: R) -> Result<T, $crate::nlwire::Error> {
                self.0.get_as(req).await
            }

            /// Runs a dump (or GET) and calls `f` with every accepted reply
            /// as a typed view into the receive buffer — no allocation per
            /// message.
            pub async fn dump_with<R: $crate::nlwire::Query>(
                &self,
                req: R,
                f: impl for<'a> FnMut(R::View<'a>),
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.dump_with(req, f).await
            }

            /// Runs a dump (or GET) and calls `f` with every accepted reply
            /// as a raw message in the receive buffer.
            pub async fn dump_messages<R: $crate::nlwire::Request>(
                &self,
                req: R,
                f: impl FnMut($crate::nlwire::wire::Message<'_>),
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.dump_messages(req, f).await
            }

            /// Runs a dump and returns its items as one consistent
            /// snapshot: a dump the kernel marks interrupted by a concurrent
            /// change (`NLM_F_DUMP_INTR`) is read again, up to
            /// [`DUMP_RETRIES`](nlwire::ops::DUMP_RETRIES) times, before
            /// [`Error::DumpInterrupted`](nlwire::Error::DumpInterrupted).
            pub async fn collect<R: $crate::nlwire::Query>(&self, req: R) -> Result<Vec<R::Item>, $crate::nlwire::Error> {
                self.0.execute($crate::nlwire::ops::Collect::<R::Item, R>::new(req)).await
            }

            /// Starts a dump: a stream of the request's items, each as its
            /// datagram arrives. Dropping it early discards the rest of the
            /// dump and leaves the connection usable. A dump the kernel
            /// marks interrupted yields its items, then
            /// [`Error::DumpInterrupted`](nlwire::Error::DumpInterrupted) last
            /// (use [`Connection::collect`] for a snapshot that retries).
            pub fn dump<R: $crate::nlwire::Query + Unpin>(&self, req: R) -> DumpStream<R, R::Item> {
                DumpStream(self.0.dump(req))
            }

            /// Like [`Connection::dump`], decoding each item as `T`.
            pub fn dump_as<T: $crate::nlwire::FromMessage, R: $crate::nlwire::Request + Unpin>(&self, req: R) -> DumpStream<R, T> {
                DumpStream(self.0.dump_as(req))
            }

            /// All links of the namespace.
            pub fn links(&self) -> DumpStream<$crate::nlwire::route::GetLinks, $crate::nlwire::route::Link> {
                DumpStream(self.0.links())
            }

            /// All routes (IPv4 and IPv6, every table).
            pub fn routes(&self) -> DumpStream<$crate::nlwire::route::GetRoutes, $crate::nlwire::route::Route> {
                DumpStream(self.0.routes())
            }

            /// All addresses (IPv4 and IPv6, every link).
            pub fn addresses(&self) -> DumpStream<$crate::nlwire::route::GetAddresses, $crate::nlwire::route::Address> {
                DumpStream(self.0.addresses())
            }

            /// The neighbour (ARP/NDP) entries of every link.
            pub fn neighbours(&self) -> DumpStream<$crate::nlwire::route::GetNeighbours, $crate::nlwire::route::Neighbour> {
                DumpStream(self.0.neighbours())
            }

            /// The routing rules of every family.
            pub fn rules(&self) -> DumpStream<$crate::nlwire::route::GetRules, $crate::nlwire::route::Rule> {
                DumpStream(self.0.rules())
            }

            /// Runs an operation on a generic netlink family known by name:
            /// the family id comes from this connection's cache, or is
            /// resolved first and then cached.
            pub async fn execute_genl<B: __FamilyOp>(&self, body: B) -> Result<B::Output, $crate::nlwire::Error> {
                self.0.execute_genl(body).await
            }

            /// The generic netlink family `name`, cached per connection. A
            /// family the kernel does not have is
            /// [`Error::FamilyNotFound`](nlwire::Error::FamilyNotFound).
            pub async fn family(&self, name: &str) -> Result<$crate::nlwire::genl::ctrl::Family, $crate::nlwire::Error> {
                self.0.family(name).await
            }

            /// Every generic netlink family of the kernel.
            pub fn families(&self) -> DumpStream<$crate::nlwire::genl::ctrl::GetFamily, $crate::nlwire::genl::ctrl::Family> {
                DumpStream(self.0.families())
            }

            /// Reads the WireGuard interface `link`, peers and allowed IPs
            /// reassembled from every message of the dump.
            pub async fn get_device<'n>(&self, link: impl Into<$crate::nlwire::LinkRef<'n>>) -> Result<$crate::nlwire::genl::wireguard::Device, $crate::nlwire::Error> {
                self.0.get_device(link).await
            }

            /// Applies `config` to the WireGuard interface `link`, split into
            /// as many messages as needed.
            pub async fn set_device<'c>(
                &self,
                link: impl Into<$crate::nlwire::LinkRef<'c>>,
                config: &'c $crate::nlwire::genl::wireguard::DeviceConfig,
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.set_device(link, config).await
            }

            /// Joins the multicast `groups`: from now on the kernel's
            /// notifications of their objects' changes are kept for
            /// [`Connection::next_event`] and [`Connection::events`], while
            /// requests (from any clone) go on as before on the same socket.
            /// One subscriber per connection: every clone reads the same
            /// queue.
            ///
            #[doc = concat!("```no_run\n# async fn f() -> Result<(), nlwire::Error> {\nuse nlwire::route::events::{Event, Groups, Notice};\nlet conn = ", $krate, "::Connection::new()?;\nconn.subscribe(Groups::links() | Groups::addresses())?;\nloop {\n    match conn.next_event().await? {\n        Notice::Event(Event::Link(change, link)) => println!(\"{change:?} {}\", link.name),\n        Notice::Event(other) => println!(\"{other:?}\"),\n        Notice::Overrun => println!(\"events were lost: read the tables again\"),\n        _ => {}\n    }\n}\n# }\n```")]
            pub fn subscribe(&self, groups: $crate::nlwire::route::events::Groups) -> Result<(), $crate::nlwire::Error> {
                self.0.subscribe(groups)
            }

            /// The next notification, in the kernel's order: an event, or
            /// [`Notice::Overrun`](nlwire::route::events::Notice::Overrun)
            /// where notifications were lost. Fails before
            /// [`Connection::subscribe`].
            pub async fn next_event(&self) -> Result<$crate::nlwire::route::events::Notice, $crate::nlwire::Error> {
                self.0.next_event().await
            }

            /// Like [`Connection::next_event`], waiting at most `timeout`:
            /// `None` when nothing came.
            pub async fn next_event_within(&self, timeout: std::time::Duration) -> Result<Option<$crate::nlwire::route::events::Notice>, $crate::nlwire::Error> {
                self.0.next_event_within(timeout).await
            }

            /// Hands every waiting notification to `f` in place (a view: no
            /// allocation per notification), waiting for the first at most
            /// `timeout` (`None`: as long as it takes). Returns how many
            /// were handed over; 0 when the time ran out.
            pub async fn next_events_with(&self, timeout: Option<std::time::Duration>, f: impl FnMut($crate::nlwire::route::events::NoticeView<'_>)) -> Result<usize, $crate::nlwire::Error> {
                self.0.next_events_with(timeout, f).await
            }

            /// The notifications as an endless
            /// [`Stream`](futures_core::Stream) (see
            /// [`Connection::next_event`]).
            pub fn events(&self) -> EventStream {
                EventStream(self.0.events())
            }
        }

        /// The notifications of a subscribed connection: an endless
        /// [`Stream`](futures_core::Stream); see [`Connection::events`].
        #[derive(Debug)]
        pub struct EventStream($crate::aio::EventStream<$rt>);

        impl $crate::futures_core::Stream for EventStream {
            type Item = Result<$crate::nlwire::route::events::Notice, $crate::nlwire::Error>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::pin::Pin::new(&mut self.get_mut().0).poll_next(cx)
            }
        }

        impl From<Connection> for $crate::aio::Connection<$rt> {
            fn from(c: Connection) -> Self {
                c.0
            }
        }

        /// A mirror of the kernel's tables that heals itself: it lists
        /// them, applies every notification, and after lost notifications
        /// or an interrupted listing lists again and reports only what
        /// changed (see [`nlwire::machine::mirror`]). A
        /// [`Stream`](futures_core::Stream) of
        /// [`MirrorEvent`](nlwire::machine::mirror::MirrorEvent)s; its
        /// tables (`Deref` to [`nlwire::machine::mirror::Mirror`]) are
        /// consistent between two of them.
        ///
        #[doc = concat!("```no_run\n# async fn f() -> Result<(), nlwire::Error> {\nuse nlwire::machine::mirror::MirrorEvent;\nuse nlwire::route::events::Groups;\nlet conn = ", $krate, "::Connection::new()?;\nlet mut mirror = ", $krate, "::Mirror::new(&conn, Groups::links() | Groups::routes())?;\nloop {\n    match mirror.next_event().await? {\n        MirrorEvent::Synced => println!(\"{} routes\", mirror.routes().count()),\n        change => println!(\"{change:?}\"),\n    }\n}\n# }\n```")]
        #[derive(Debug)]
        pub struct Mirror($crate::aio::Mirror<$rt>);

        impl Mirror {
            /// Mirrors the tables of `groups` through `conn` (which it
            /// subscribes; its clones go on carrying requests). The first
            /// event is `Synced`, once everything was listed.
            pub fn new(conn: &Connection, groups: $crate::nlwire::route::events::Groups) -> Result<Self, $crate::nlwire::Error> {
                $crate::aio::Mirror::new(&conn.0, groups).map(Mirror)
            }

            /// The next change. An error is final (the mirror gave up).
            pub async fn next_event(&mut self) -> Result<$crate::nlwire::machine::mirror::MirrorEvent, $crate::nlwire::Error> {
                self.0.next_event().await
            }

            /// Like [`Mirror::next_event`], waiting at most `timeout`:
            /// `None` when nothing happened (the mirror goes on).
            pub async fn next_event_within(&mut self, timeout: std::time::Duration) -> Result<Option<$crate::nlwire::machine::mirror::MirrorEvent>, $crate::nlwire::Error> {
                self.0.next_event_within(timeout).await
            }

            /// Lists every table again and reports what changed.
            pub fn resync(&mut self) {
                self.0.resync()
            }

            /// The tables.
            pub fn state(&self) -> &$crate::nlwire::machine::mirror::Mirror {
                self.0.state()
            }
        }

        impl std::ops::Deref for Mirror {
            type Target = $crate::nlwire::machine::mirror::Mirror;
            fn deref(&self) -> &Self::Target {
                self.0.state()
            }
        }

        impl $crate::futures_core::Stream for Mirror {
            type Item = Result<$crate::nlwire::machine::mirror::MirrorEvent, $crate::nlwire::Error>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::pin::Pin::new(&mut self.get_mut().0).poll_next(cx)
            }
        }

        /// A dump in progress: a [`Stream`](futures_core::Stream) of its
        /// items; see [`Connection::dump`].
        #[derive(Debug)]
        pub struct DumpStream<R: $crate::nlwire::Request, T: $crate::nlwire::FromMessage>(
            $crate::aio::DumpStream<$rt, R, T>,
        );

        impl<R: $crate::nlwire::Request + Unpin, T: $crate::nlwire::FromMessage> $crate::futures_core::Stream for DumpStream<R, T> {
            type Item = Result<T, $crate::nlwire::Error>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::pin::Pin::new(&mut self.get_mut().0).poll_next(cx)
            }
        }

        /// Polls WireGuard interfaces and reports what changed: a
        /// [`Stream`](futures_core::Stream) of event batches, one per round
        /// (every interface read once, in name order; the first round at
        /// once, the next ones an interval after the previous one
        /// started). A round never fails: an interface that cannot be read
        /// is reported as `InterfaceUnavailable` and read again next time.
        #[derive(Debug)]
        pub struct WgWatch($crate::aio_wg::WgWatch<$rt>);

        impl WgWatch {
            /// Watches the interfaces of `opts` through `conn`, a generic
            /// netlink connection ([`Connection::generic`]).
            pub fn new(conn: Connection, opts: $crate::nlwire::machine::wg_watch::WgWatchOptions) -> Result<Self, $crate::nlwire::Error> {
                $crate::aio_wg::WgWatch::new(conn.0, opts).map(WgWatch)
            }

            /// The interfaces, in polling order.
            pub fn interfaces(&self) -> &[String] {
                self.0.interfaces()
            }

            /// The events of the next round (waiting for its time first).
            pub async fn next(&mut self) -> Vec<$crate::nlwire::machine::wg_watch::WgEvent> {
                self.0.next().await
            }
        }

        impl $crate::futures_core::Stream for WgWatch {
            type Item = Vec<$crate::nlwire::machine::wg_watch::WgEvent>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::pin::Pin::new(&mut self.get_mut().0).poll_next(cx)
            }
        }

        /// A watcher of the named network namespaces in a directory: a
        /// [`Stream`](futures_core::Stream) of events (also
        /// [`NsWatch::next`]). It survives the directory being removed and
        /// re-created, and rescans after a queue overflow.
        #[derive(Debug)]
        pub struct NsWatch($crate::aio_netns::NsWatch<$rt>);

        impl NsWatch {
            /// Watches `dir` (e.g. `/var/run/netns`); the names already there
            /// are not reported (see [`NsWatch::list_and_watch`]).
            pub fn new(dir: impl AsRef<std::path::Path>, opts: $crate::nlwire::machine::ns_watch::NsWatchOptions) -> Result<Self, $crate::nlwire::Error> {
                $crate::aio_netns::NsWatch::new(dir, opts).map(NsWatch)
            }

            /// The names in `dir` now, and a watcher started before they were
            /// listed: every later change is an event, none reported twice.
            pub fn list_and_watch(dir: impl AsRef<std::path::Path>) -> Result<(Vec<String>, Self), $crate::nlwire::Error> {
                $crate::aio_netns::NsWatch::list_and_watch(dir).map(|(n, w)| (n, NsWatch(w)))
            }

            /// The next event. An error ends the watcher.
            pub async fn next(&mut self) -> Result<$crate::nlwire::machine::ns_watch::NsEvent, $crate::nlwire::Error> {
                self.0.next().await
            }
        }

        impl $crate::futures_core::Stream for NsWatch {
            type Item = Result<$crate::nlwire::machine::ns_watch::NsEvent, $crate::nlwire::Error>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::pin::Pin::new(&mut self.get_mut().0).poll_next(cx)
            }
        }

        /// Runs the async closure `f` inside `ns`, on a dedicated thread
        /// with its own single-threaded executor, and resolves to its
        /// output; the caller's threads never change namespace.
        pub fn run_in<F, Fut, T>(ns: &$crate::nlwire_sys::netns::Netns, f: F) -> $crate::aio_netns::RunIn<T>
        where
            F: FnOnce() -> Fut + Send + 'static,
            Fut: std::future::Future<Output = T>,
            T: Send + 'static,
        {
            $crate::aio_netns::run_in::<$rt, _, _, _>(ns, f)
        }
    };
}

/// Declares the blocking façade (`Connection`, `Dump`, `WgWatch`,
/// `NsWatch`, `run_in`) for the runtime `$w` (a
/// [`blocking::Wait`](crate::blocking::Wait)) in the invoking crate, named
/// `$krate` in the examples.
#[macro_export]
macro_rules! blocking_runtime {
    ($w:ty, $krate:literal) => {
        use $crate::nlwire::genl::FamilyOp as __FamilyOp;

        /// A blocking netlink connection. Every call is bounded by the
        /// connection's timeout (for dumps, between two replies).
        ///
        #[doc = concat!("```no_run\nuse nlwire::ops;\nlet mut conn = ", $krate, "::Connection::new()?;\nconn.execute(ops::create_veth(\"veth0\", \"veth1\")?)?;\nconn.execute(ops::set_link_up(\"veth0\")?)?;\nfor link in conn.links() {\n    let link = link?;\n    println!(\"{}: {}\", link.index, link.name);\n}\n# Ok::<(), nlwire::Error>(())\n```")]
        #[derive(Debug)]
        pub struct Connection($crate::blocking::Connection<$w>);

        impl Connection {
            $crate::__constructors!($crate::blocking::Connection<$w>);

            /// The runtime-generic connection this wraps.
            pub fn inner(&mut self) -> &mut $crate::blocking::Connection<$w> {
                &mut self.0
            }

            /// Changes the reply timeout.
            pub fn set_timeout(&mut self, timeout: std::time::Duration) {
                self.0.set_timeout(timeout)
            }

            /// The reply timeout.
            pub fn timeout(&self) -> std::time::Duration {
                self.0.timeout()
            }

            /// Counters of unmatched, discarded and malformed messages.
            pub fn stats(&self) -> $crate::nlwire::machine::Stats {
                self.0.stats()
            }

            /// The socket's port id.
            pub fn port(&self) -> u32 {
                self.0.port()
            }

            /// Runs an operation (see [`nlwire::ops`]): each request it asks
            /// for is sent and its replies fed back, until it is done.
            pub fn execute<O: $crate::nlwire::Op>(&mut self, op: O) -> Result<O::Output, $crate::nlwire::Error> {
                self.0.execute(op)
            }

            /// Runs a batch: its requests go out many per datagram, and each
            /// gets a result in the [`BatchOutcome`](nlwire::BatchOutcome).
            /// `Err` only when the batch could not be run to its end.
            pub fn batch(&mut self, batch: &$crate::nlwire::Batch) -> Result<$crate::nlwire::BatchOutcome, $crate::nlwire::Error> {
                self.0.batch(batch)
            }

            /// Runs an order-independent batch spread over this connection
            /// and `others` (to the same namespace), one thread each, so
            /// that the kernel works on several CPUs: see
            /// [`batch_parallel`](nlwire_conn::blocking::Connection::batch_parallel)
            /// for the semantics (no ordering between lanes, the same
            /// per-request results).
            pub fn batch_parallel<'c>(
                &mut self,
                others: impl IntoIterator<Item = &'c mut Connection>,
                batch: &$crate::nlwire::Batch,
            ) -> Result<$crate::nlwire::BatchOutcome, $crate::nlwire::Error> {
                self.0.batch_parallel(others.into_iter().map(|c| &mut c.0), batch)
            }

            /// Sends a request and waits for its acknowledgement.
            pub fn request<R: $crate::nlwire::Request>(&mut self, req: R) -> Result<(), $crate::nlwire::Error> {
                self.0.request(req)
            }

            /// Sends a request answered by one object and returns it as the
            /// request's [`Query::Item`](nlwire::Query::Item).
            pub fn get<R: $crate::nlwire::Query>(&mut self, req: R) -> Result<R::Item, $crate::nlwire::Error> {
                self.0.get(req)
            }

            /// Like [`Connection::get`], decoding the reply as `T`.
            pub fn get_as<T: $crate::nlwire::FromMessage, R: $crate::nlwire::Request>(&mut self, req: R) -> Result<T, $crate::nlwire::Error> {
                self.0.get_as(req)
            }

            /// Runs a dump (or GET) and calls `f` with every accepted reply
            /// as a typed view into the receive buffer — no allocation per
            /// message.
            pub fn dump_with<R: $crate::nlwire::Query>(
                &mut self,
                req: R,
                f: impl for<'a> FnMut(R::View<'a>),
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.dump_with(req, f)
            }

            /// Runs a dump (or GET) and calls `f` with every accepted reply
            /// as a raw message in the receive buffer.
            pub fn dump_messages<R: $crate::nlwire::Request>(
                &mut self,
                req: R,
                f: impl FnMut($crate::nlwire::wire::Message<'_>),
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.dump_messages(req, f)
            }

            /// Runs a dump and returns its items as one consistent
            /// snapshot: a dump the kernel marks interrupted by a concurrent
            /// change (`NLM_F_DUMP_INTR`) is read again, up to
            /// [`DUMP_RETRIES`](nlwire::ops::DUMP_RETRIES) times, before
            /// [`Error::DumpInterrupted`](nlwire::Error::DumpInterrupted).
            pub fn collect<R: $crate::nlwire::Query>(&mut self, req: R) -> Result<Vec<R::Item>, $crate::nlwire::Error> {
                self.0.execute($crate::nlwire::ops::Collect::<R::Item, R>::new(req))
            }

            /// Starts a dump: an iterator of the request's items, each as its
            /// datagram arrives (memory stays flat however large the table).
            /// Dropping it early discards the rest of the dump and leaves the
            /// connection usable. A dump the kernel marks interrupted yields
            /// its items, then
            /// [`Error::DumpInterrupted`](nlwire::Error::DumpInterrupted) last
            /// (use [`Connection::collect`] for a snapshot that retries).
            pub fn dump<R: $crate::nlwire::Query>(&mut self, req: R) -> Dump<'_, R, R::Item> {
                Dump(self.0.dump(req))
            }

            /// Like [`Connection::dump`], decoding each item as `T`.
            pub fn dump_as<T: $crate::nlwire::FromMessage, R: $crate::nlwire::Request>(&mut self, req: R) -> Dump<'_, R, T> {
                Dump(self.0.dump_as(req))
            }

            /// All links of the namespace.
            pub fn links(&mut self) -> Dump<'_, $crate::nlwire::route::GetLinks, $crate::nlwire::route::Link> {
                Dump(self.0.links())
            }

            /// All routes (IPv4 and IPv6, every table).
            pub fn routes(&mut self) -> Dump<'_, $crate::nlwire::route::GetRoutes, $crate::nlwire::route::Route> {
                Dump(self.0.routes())
            }

            /// All addresses (IPv4 and IPv6, every link).
            pub fn addresses(&mut self) -> Dump<'_, $crate::nlwire::route::GetAddresses, $crate::nlwire::route::Address> {
                Dump(self.0.addresses())
            }

            /// The neighbour (ARP/NDP) entries of every link.
            pub fn neighbours(&mut self) -> Dump<'_, $crate::nlwire::route::GetNeighbours, $crate::nlwire::route::Neighbour> {
                Dump(self.0.neighbours())
            }

            /// The routing rules of every family.
            pub fn rules(&mut self) -> Dump<'_, $crate::nlwire::route::GetRules, $crate::nlwire::route::Rule> {
                Dump(self.0.rules())
            }

            /// Runs an operation on a generic netlink family known by name:
            /// the family id comes from this connection's cache, or is
            /// resolved first and then cached.
            pub fn execute_genl<B: __FamilyOp>(&mut self, body: B) -> Result<B::Output, $crate::nlwire::Error> {
                self.0.execute_genl(body)
            }

            /// The generic netlink family `name`, cached per connection. A
            /// family the kernel does not have is
            /// [`Error::FamilyNotFound`](nlwire::Error::FamilyNotFound).
            pub fn family(&mut self, name: &str) -> Result<$crate::nlwire::genl::ctrl::Family, $crate::nlwire::Error> {
                self.0.family(name)
            }

            /// Every generic netlink family of the kernel.
            pub fn families(&mut self) -> Dump<'_, $crate::nlwire::genl::ctrl::GetFamily, $crate::nlwire::genl::ctrl::Family> {
                Dump(self.0.families())
            }

            /// Reads the WireGuard interface `link`, peers and allowed IPs
            /// reassembled from every message of the dump.
            pub fn get_device<'n>(&mut self, link: impl Into<$crate::nlwire::LinkRef<'n>>) -> Result<$crate::nlwire::genl::wireguard::Device, $crate::nlwire::Error> {
                self.0.get_device(link)
            }

            /// Applies `config` to the WireGuard interface `link`, split into
            /// as many messages as needed.
            pub fn set_device<'c>(
                &mut self,
                link: impl Into<$crate::nlwire::LinkRef<'c>>,
                config: &'c $crate::nlwire::genl::wireguard::DeviceConfig,
            ) -> Result<(), $crate::nlwire::Error> {
                self.0.set_device(link, config)
            }

            /// Joins the multicast `groups`: from now on the kernel's
            /// notifications of their objects' changes are kept for
            /// [`Connection::next_event`], while requests go on as before on
            /// the same socket. Call it again to join more groups.
            ///
            #[doc = concat!("```no_run\n# fn f() -> Result<(), nlwire::Error> {\nuse nlwire::route::events::{Event, Groups, Notice};\nlet mut conn = ", $krate, "::Connection::new()?;\nconn.subscribe(Groups::routes())?;\nfor notice in conn.events() {\n    match notice? {\n        Notice::Event(Event::Route(change, route)) => println!(\"{change:?} {:?}/{}\", route.dst, route.dst_len),\n        Notice::Overrun => println!(\"events were lost: read the tables again\"),\n        _ => {}\n    }\n}\n# Ok(()) }\n```")]
            pub fn subscribe(&mut self, groups: $crate::nlwire::route::events::Groups) -> Result<(), $crate::nlwire::Error> {
                self.0.subscribe(groups)
            }

            /// The next notification, in the kernel's order: an event, or
            /// [`Notice::Overrun`](nlwire::route::events::Notice::Overrun)
            /// where notifications were lost. Blocks until one comes; fails
            /// before [`Connection::subscribe`].
            pub fn next_event(&mut self) -> Result<$crate::nlwire::route::events::Notice, $crate::nlwire::Error> {
                self.0.next_event()
            }

            /// Like [`Connection::next_event`], waiting at most `timeout`:
            /// `None` when nothing came.
            pub fn next_event_within(&mut self, timeout: std::time::Duration) -> Result<Option<$crate::nlwire::route::events::Notice>, $crate::nlwire::Error> {
                self.0.next_event_within(timeout)
            }

            /// Hands every waiting notification to `f` in place (a view: no
            /// allocation per notification), waiting for the first at most
            /// `timeout` (`None`: as long as it takes). Returns how many
            /// were handed over; 0 when the time ran out.
            pub fn next_events_with(&mut self, timeout: Option<std::time::Duration>, f: impl FnMut($crate::nlwire::route::events::NoticeView<'_>)) -> Result<usize, $crate::nlwire::Error> {
                self.0.next_events_with(timeout, f)
            }

            /// The notifications as an endless iterator (see
            /// [`Connection::next_event`]).
            pub fn events(&mut self) -> impl Iterator<Item = Result<$crate::nlwire::route::events::Notice, $crate::nlwire::Error>> + '_ {
                self.0.events()
            }
        }

        impl From<Connection> for $crate::blocking::Connection<$w> {
            fn from(c: Connection) -> Self {
                c.0
            }
        }

        /// A mirror of the kernel's tables that heals itself: it lists
        /// them, applies every notification, and after lost notifications
        /// or an interrupted listing lists again and reports only what
        /// changed (see [`nlwire::machine::mirror`]). An endless
        /// [`Iterator`] of
        /// [`MirrorEvent`](nlwire::machine::mirror::MirrorEvent)s; its
        /// tables (`Deref` to [`nlwire::machine::mirror::Mirror`]) are
        /// consistent between two of them.
        ///
        #[doc = concat!("```no_run\n# fn f() -> Result<(), nlwire::Error> {\nuse nlwire::machine::mirror::MirrorEvent;\nuse nlwire::route::events::Groups;\nlet conn = ", $krate, "::Connection::new()?;\nlet mut mirror = ", $krate, "::Mirror::new(conn, Groups::links() | Groups::addresses())?;\nwhile let Some(event) = mirror.next() {\n    match event? {\n        MirrorEvent::Synced => println!(\"{} links\", mirror.links().count()),\n        change => println!(\"{change:?}\"),\n    }\n}\n# Ok(()) }\n```")]
        #[derive(Debug)]
        pub struct Mirror($crate::blocking::Mirror<$w>);

        impl Mirror {
            /// Mirrors the tables of `groups` through `conn`, which it
            /// subscribes and keeps. The first event is `Synced`, once
            /// everything was listed.
            pub fn new(conn: Connection, groups: $crate::nlwire::route::events::Groups) -> Result<Self, $crate::nlwire::Error> {
                $crate::blocking::Mirror::new(conn.0, groups).map(Mirror)
            }

            /// The next change: blocks until the tables change, are synced,
            /// or a resync begins. An error is final (the mirror gave up).
            pub fn next_event(&mut self) -> Result<$crate::nlwire::machine::mirror::MirrorEvent, $crate::nlwire::Error> {
                self.0.next_event()
            }

            /// Like [`Mirror::next_event`], waiting at most `timeout`:
            /// `None` when nothing happened (the mirror goes on).
            pub fn next_event_within(&mut self, timeout: std::time::Duration) -> Result<Option<$crate::nlwire::machine::mirror::MirrorEvent>, $crate::nlwire::Error> {
                self.0.next_event_within(timeout)
            }

            /// Lists every table again and reports what changed.
            pub fn resync(&mut self) {
                self.0.resync()
            }

            /// The tables.
            pub fn state(&self) -> &$crate::nlwire::machine::mirror::Mirror {
                self.0.state()
            }

            /// The connection, for requests between two events.
            pub fn connection(&mut self) -> &mut $crate::blocking::Connection<$w> {
                self.0.connection()
            }
        }

        impl std::ops::Deref for Mirror {
            type Target = $crate::nlwire::machine::mirror::Mirror;
            fn deref(&self) -> &Self::Target {
                self.0.state()
            }
        }

        impl Iterator for Mirror {
            type Item = Result<$crate::nlwire::machine::mirror::MirrorEvent, $crate::nlwire::Error>;
            fn next(&mut self) -> Option<Self::Item> {
                Some(self.0.next_event())
            }
        }

        /// A dump in progress: an [`Iterator`] of its items; see
        /// [`Connection::dump`].
        #[derive(Debug)]
        pub struct Dump<'c, R: $crate::nlwire::Request, T: $crate::nlwire::FromMessage>(
            $crate::blocking::Dump<'c, $w, R, T>,
        );

        impl<R: $crate::nlwire::Request, T: $crate::nlwire::FromMessage> Iterator for Dump<'_, R, T> {
            type Item = Result<T, $crate::nlwire::Error>;
            fn next(&mut self) -> Option<Self::Item> {
                self.0.next()
            }
        }

        /// Polls WireGuard interfaces and reports what changed: an
        /// [`Iterator`] of event batches, one per round (every interface
        /// read once, in name order; the first round at once, `next` then
        /// sleeps until an interval after the previous round started). A
        /// round never fails: an interface that cannot be read is reported
        /// as `InterfaceUnavailable` and read again next time. It never
        /// ends.
        #[derive(Debug)]
        pub struct WgWatch($crate::blocking::WgWatch<$w>);

        impl WgWatch {
            /// Watches the interfaces of `opts` through `conn`, a generic
            /// netlink connection ([`Connection::generic`]).
            pub fn new(conn: Connection, opts: $crate::nlwire::machine::wg_watch::WgWatchOptions) -> Result<Self, $crate::nlwire::Error> {
                $crate::blocking::WgWatch::new(conn.0, opts).map(WgWatch)
            }

            /// The interfaces, in polling order.
            pub fn interfaces(&self) -> &[String] {
                self.0.interfaces()
            }

            /// When the next round is due (`None`: now).
            pub fn next_round(&self) -> Option<std::time::Instant> {
                self.0.next_round()
            }

            /// Runs one round now, whatever the schedule.
            pub fn poll_now(&mut self) -> Vec<$crate::nlwire::machine::wg_watch::WgEvent> {
                self.0.poll_now()
            }
        }

        impl Iterator for WgWatch {
            type Item = Vec<$crate::nlwire::machine::wg_watch::WgEvent>;
            fn next(&mut self) -> Option<Self::Item> {
                self.0.next()
            }
        }

        /// A watcher of the named network namespaces in a directory: an
        /// [`Iterator`] of events that waits without limit
        /// ([`NsWatch::next_timeout`] bounds the wait). It survives the
        /// directory being removed and re-created, and rescans after a
        /// queue overflow.
        #[derive(Debug)]
        pub struct NsWatch($crate::blocking::NsWatch<$w>);

        impl NsWatch {
            /// Watches `dir` (e.g. `/var/run/netns`); the names already there
            /// are not reported (see [`NsWatch::list_and_watch`]).
            pub fn new(dir: impl AsRef<std::path::Path>, opts: $crate::nlwire::machine::ns_watch::NsWatchOptions) -> Result<Self, $crate::nlwire::Error> {
                $crate::blocking::NsWatch::new(dir, opts).map(NsWatch)
            }

            /// The names in `dir` now, and a watcher started before they were
            /// listed: every later change is an event, none reported twice.
            pub fn list_and_watch(dir: impl AsRef<std::path::Path>) -> Result<(Vec<String>, Self), $crate::nlwire::Error> {
                $crate::blocking::NsWatch::list_and_watch(dir).map(|(n, w)| (n, NsWatch(w)))
            }

            /// The next event, waiting at most `timeout` (`None`: without
            /// limit). `Ok(None)` when the time ran out.
            pub fn next_timeout(&mut self, timeout: Option<std::time::Duration>) -> Result<Option<$crate::nlwire::machine::ns_watch::NsEvent>, $crate::nlwire::Error> {
                self.0.next_timeout(timeout)
            }
        }

        impl Iterator for NsWatch {
            type Item = Result<$crate::nlwire::machine::ns_watch::NsEvent, $crate::nlwire::Error>;
            fn next(&mut self) -> Option<Self::Item> {
                self.0.next()
            }
        }

        /// Runs `f` on a new thread that joined `ns` and returns its
        /// result; the calling thread never changes namespace.
        pub fn run_in<T: Send + 'static>(
            ns: &$crate::nlwire_sys::netns::Netns,
            f: impl FnOnce() -> T + Send + 'static,
        ) -> Result<T, $crate::nlwire::Error> {
            $crate::blocking::run_in(ns, f)
        }
    };
}

/// The constructors of a façade `Connection` wrapping the generic
/// connection `$generic` (see [`Connect`](crate::Connect)).
#[doc(hidden)]
#[macro_export]
macro_rules! __constructors {
    ($generic:ty) => {
        /// A `NETLINK_ROUTE` connection in the current network namespace.
        pub fn new() -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::new().map(Connection)
        }

        /// A connection with the given options.
        pub fn with_options(
            opts: $crate::ConnectionOptions,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::with_options(opts).map(Connection)
        }

        /// A generic netlink (`NETLINK_GENERIC`) connection: for
        /// [`Connection::get_device`], [`Connection::set_device`],
        /// [`Connection::family`] and [`WgWatch`].
        pub fn generic() -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::generic().map(Connection)
        }

        /// A `NETLINK_ROUTE` connection inside the network namespace at
        /// `path` (`/var/run/netns/NAME`, `/proc/PID/ns/net`). The socket is
        /// created on a short-lived thread; no caller or executor thread
        /// ever changes namespace.
        pub fn new_in_netns(
            path: impl AsRef<std::path::Path>,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::new_in_netns(path).map(Connection)
        }

        /// Like [`Connection::new_in_netns`], with options.
        pub fn new_in_netns_with_options(
            path: impl AsRef<std::path::Path>,
            opts: $crate::ConnectionOptions,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::new_in_netns_with_options(path, opts).map(Connection)
        }

        /// A `NETLINK_ROUTE` connection inside the namespace `ns`.
        pub fn new_in(
            ns: &$crate::nlwire_sys::netns::Netns,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::new_in(ns).map(Connection)
        }

        /// Like [`Connection::new_in`], with options.
        pub fn new_in_with_options(
            ns: &$crate::nlwire_sys::netns::Netns,
            opts: $crate::ConnectionOptions,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::new_in_with_options(ns, opts).map(Connection)
        }

        /// A connection over any [`Transport`](crate::Transport) (an open
        /// socket, a simulated kernel).
        pub fn from_transport(
            transport: impl $crate::Transport,
            opts: $crate::ConnectionOptions,
        ) -> Result<Self, $crate::nlwire::Error> {
            <$generic as $crate::Connect>::from_transport(transport, opts).map(Connection)
        }
    };
}
