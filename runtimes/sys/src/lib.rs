//! # nlwire-sys — the system-call layer of nlwire
//!
//! The only crate of the project with `unsafe` code. It provides:
//!
//! * [`NetlinkSocket`]: a non-blocking netlink socket with
//!   `NETLINK_EXT_ACK` (on by default), `NETLINK_CAP_ACK`,
//!   `NETLINK_GET_STRICT_CHK` (optional) and a configurable receive buffer;
//!   `recv` reports the real datagram size (`MSG_TRUNC`) so a too-small
//!   buffer is detected, never silently truncated.
//! * [`netns`]: running code on a short-lived thread that joined another
//!   network namespace — how a socket is opened inside a namespace without
//!   ever calling `setns` on a caller's or executor's thread.
//! * [`driver`]: the runtime-independent half of a connection (socket +
//!   [`nlwire::machine::Mux`] behind a mutex), so each runtime adapter only
//!   adds readiness waiting and timers.
//! * [`ns_watch`]: the inotify half of the named-namespace watcher.
//! * [`sysctl`]: kernel parameters, in this or another network namespace.
//! * [`aio_wg`]: the WireGuard poll watcher on the async runtimes.
//! * [`aio`]: the whole async connection, generic over an [`aio::Runtime`]
//!   (readiness + timer); `nlwire-tokio` and `nlwire-async-io` implement it.

pub mod aio;
pub mod aio_netns;
pub mod aio_wg;
pub mod alloc_count;
mod conn;
pub mod driver;
pub mod netns;
pub mod ns_watch;
mod socket;
pub mod sysctl;

pub use conn::{ConnectionOptions, DEFAULT_TIMEOUT, open_socket, open_socket_in};
pub use driver::{Driver, Step};
pub use socket::{NETLINK_GENERIC, NETLINK_ROUTE, NetlinkSocket, SocketOptions};

use nlwire::{Errno, Error};

/// Registers a duplicate of `fd` with tokio's reactor for
/// readability. The duplicate is owned by the returned `AsyncFd`.
#[cfg(feature = "tokio")]
pub fn tokio_async_fd(
    fd: std::os::fd::BorrowedFd<'_>,
) -> std::io::Result<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>> {
    let dup = fd.try_clone_to_owned()?;
    // SAFETY: `dup` is a fresh descriptor owned solely by the AsyncFd, which
    // neither closes nor replaces it while it is registered; it is closed
    // only after deregistration, when the AsyncFd is dropped.
    let r = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(dup, tokio::io::Interest::READABLE)
    };
    r.map_err(|e| e.into_parts().1)
}

/// Converts an I/O error into nlwire's [`Error::Io`] naming `op`.
pub fn io_error(op: impl std::fmt::Display, e: &std::io::Error) -> Error {
    Error::Io {
        op: op.to_string(),
        errno: Errno(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}
