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
//! Every wait is bounded by the connection's timeout. The connection is
//! written once, in `nlwire-conn`, for every async runtime; this crate
//! supplies async-io's readiness and timers ([`AsyncIo`]).

use std::future::Future;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use async_io::{Async, Timer};

pub use nlwire;
pub use nlwire_conn::{ConnectionOptions, DEFAULT_TIMEOUT, Transport};
pub use nlwire_sys::sysctl;
pub use nlwire_sys::time;
pub use nlwire_sys::tun;

/// The async-io runtime binding.
#[derive(Debug, Clone, Copy)]
pub struct AsyncIo;

impl nlwire_conn::aio::Runtime for AsyncIo {
    type Readiness = Async<OwnedFd>;
    type Timer = Timer;

    fn register(fd: BorrowedFd<'_>) -> io::Result<Async<OwnedFd>> {
        // A duplicate descriptor, owned by the registration.
        Async::new_nonblocking(fd.try_clone_to_owned()?)
    }

    fn poll_readable(r: &Async<OwnedFd>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        r.poll_readable(cx)
    }

    fn timer(deadline: std::time::Instant) -> Timer {
        Timer::at(deadline)
    }

    fn reset(t: &mut Timer, deadline: std::time::Instant) {
        t.set_at(deadline);
    }

    fn poll_timer(t: &mut Timer, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(t).poll(cx).map(drop)
    }

    fn prepare_home() {
        // async-io starts its global "async-io" reactor thread at the end of
        // the first `block_on` (or the reactor's first use). Make that
        // happen here, in the caller's namespace, not on the namespace
        // thread, whose `block_on` would otherwise often be the first.
        async_io::block_on(std::future::ready(()));
    }

    fn block_on<F: Future>(f: F) -> io::Result<F::Output> {
        Ok(async_io::block_on(f))
    }
}

pub use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
pub use nlwire::machine::wg_watch::{DEFAULT_WG_POLL_INTERVAL, WgEvent, WgWatchOptions};
pub use nlwire_sys::netns::{DEFAULT_NETNS_DIR, Netns, NetnsDir, NetnsId};

nlwire_conn::async_runtime!(AsyncIo, "nlwire_async_io");
