//! # nlwire-sys — the system-call layer of nlwire
//!
//! The only crate of the project with `unsafe` code, and nothing but system
//! calls:
//!
//! * [`NetlinkSocket`]: a non-blocking netlink socket with
//!   `NETLINK_EXT_ACK` (on by default), `NETLINK_CAP_ACK`,
//!   `NETLINK_GET_STRICT_CHK` (optional) and a configurable receive buffer;
//!   `recv` reports the real datagram size (`MSG_TRUNC`) so a too-small
//!   buffer is detected, never silently truncated.
//! * [`netns`]: namespace handles, named namespaces (bind mounts), and
//!   running code on a short-lived thread that joined another network
//!   namespace — how a socket is opened inside a namespace without ever
//!   calling `setns` on a caller's or executor's thread.
//! * [`inotify`]: the descriptor of the named-namespace watcher.
//! * [`event`]: an `eventfd` bell, the readiness descriptor of a
//!   transport that is not a socket (the simulated kernel).
//! * [`poll`]: `poll(2)` for one descriptor, for a blocking runtime without
//!   a reactor.
//! * [`sysctl`]: kernel parameters, in this or another network namespace.
//! * [`tun`]: persistent tun/tap devices (`/dev/net/tun` and its ioctls),
//!   made and removed as `ip tuntap add|del` does, in this or another
//!   network namespace.
//! * `alloc_count` (feature `alloc-count`): a counting global allocator
//!   for benchmarks that prove a path allocates nothing.
//!
//! The connection itself — written once, generic over the transport and
//! the runtime — is the safe crate `nlwire-conn`.

#[cfg(feature = "alloc-count")]
pub mod alloc_count;
pub mod event;
pub mod inotify;
pub mod netns;
pub mod poll;
pub mod rusage;
mod socket;
pub mod sysctl;
pub mod time;
pub mod tun;

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
