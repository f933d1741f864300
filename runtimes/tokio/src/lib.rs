//! # nlwire-tokio — netlink connections on tokio
//!
//! A [`Connection`] is cheap to clone and can be used from many tasks at
//! once: requests are pipelined on one socket and every reply reaches the
//! task that asked. Dumps are [`futures_core::Stream`]s that parse each
//! datagram as it arrives.
//!
//! ```no_run
//! # async fn f() -> Result<(), nlwire::Error> {
//! let conn = nlwire_tokio::Connection::new()?;
//! let mut links = conn.links();
//! while let Some(link) = std::future::poll_fn(|cx| {
//!     futures_core::Stream::poll_next(std::pin::Pin::new(&mut links), cx)
//! }).await {
//!     println!("{}", link?.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Connections must be created inside a tokio runtime (they register with
//! its reactor). Every wait is bounded by the connection's timeout. The
//! connection is written once, in `nlwire-conn`, for every async runtime;
//! this crate supplies tokio's readiness and timers ([`Tokio`]).

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::time::Sleep;

pub use nlwire;
pub use nlwire_conn::{ConnectionOptions, DEFAULT_TIMEOUT, Transport};
pub use nlwire_sys::sysctl;
pub use nlwire_sys::time;
pub use nlwire_sys::tun;

/// The tokio runtime binding.
#[derive(Debug, Clone, Copy)]
pub struct Tokio;

impl nlwire_conn::aio::Runtime for Tokio {
    type Readiness = AsyncFd<OwnedFd>;
    type Timer = Pin<Box<Sleep>>;

    fn register(fd: BorrowedFd<'_>) -> io::Result<AsyncFd<OwnedFd>> {
        nlwire_sys::tokio_async_fd(fd)
    }

    fn poll_readable(r: &AsyncFd<OwnedFd>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        r.poll_read_ready(cx)
            .map_ok(|mut guard| guard.clear_ready())
    }

    fn timer(deadline: std::time::Instant) -> Self::Timer {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn reset(t: &mut Self::Timer, deadline: std::time::Instant) {
        t.as_mut().reset(deadline.into());
    }

    fn poll_timer(t: &mut Self::Timer, cx: &mut Context<'_>) -> Poll<()> {
        t.as_mut().poll(cx)
    }

    fn block_on<F: Future>(f: F) -> io::Result<F::Output> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(rt.block_on(f))
    }
}

pub use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
pub use nlwire::machine::wg_watch::{DEFAULT_WG_POLL_INTERVAL, WgEvent, WgWatchOptions};
pub use nlwire_sys::netns::{DEFAULT_NETNS_DIR, Netns, NetnsDir, NetnsId};

nlwire_conn::async_runtime!(Tokio, "nlwire_tokio");
