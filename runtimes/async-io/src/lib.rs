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
//! Every wait is bounded by the connection's timeout. The connection itself
//! is [`nlwire_sys::aio::Connection`], shared with `nlwire-tokio`; this
//! crate supplies async-io's readiness and timers.

use std::future::Future;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use async_io::{Async, Timer};
use nlwire_sys::NetlinkSocket;

pub use nlwire;
pub use nlwire_sys::{ConnectionOptions, DEFAULT_TIMEOUT, sysctl};

/// The async-io runtime binding.
#[derive(Debug, Clone, Copy)]
pub struct AsyncIo;

impl nlwire_sys::aio::Runtime for AsyncIo {
    type Readiness = Async<OwnedFd>;
    type Timer = Timer;

    fn register(socket: &NetlinkSocket) -> io::Result<Async<OwnedFd>> {
        // A duplicate descriptor, owned by the registration.
        Async::new_nonblocking(socket.as_fd().try_clone_to_owned()?)
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
}

/// A netlink connection on async-io.
pub type Connection = nlwire_sys::aio::Connection<AsyncIo>;

/// A dump in progress on async-io; see [`nlwire_sys::aio::Connection::dump`].
pub type DumpStream<R, T> = nlwire_sys::aio::DumpStream<AsyncIo, R, T>;
