//! # nlwire-conn — the one nlwire connection
//!
//! Everything a connection does is written here once, in safe code, and
//! shared by every runtime:
//!
//! * it stands on a [`Transport`]: a datagram socket to the kernel
//!   ([`nlwire_sys::NetlinkSocket`]) today, an in-process simulated kernel
//!   tomorrow — the same `Connection` on every runtime either way;
//! * what happens between two system calls is a
//!   [`Task`](nlwire::machine::task::Task) of the sans-IO core (run an op,
//!   stream a dump, run a batch, each with its idle deadline); this crate
//!   only moves datagrams between the transport and the core
//!   ([`engine`]) and waits;
//! * the waiting is the runtime's: an async runtime implements
//!   [`aio::Runtime`] (readiness and a timer), a blocking one implements
//!   [`blocking::Wait`] ("wait until readable, with a deadline"). Each
//!   runtime crate (`nlwire-tokio`, `nlwire-async-io`, `nlwire-mio`) is
//!   that one trait impl and one call of [`async_runtime!`] or
//!   [`blocking_runtime!`], which declare its documented `Connection` and
//!   friends.

#![forbid(unsafe_code)]

pub mod aio;
pub mod aio_netns;
pub mod aio_wg;
pub mod blocking;
pub mod engine;
mod facade;
mod ns_watch;
mod options;

// For the façade macros, whose expansions live in the runtime crates.
#[doc(hidden)]
pub use futures_core;
#[doc(hidden)]
pub use nlwire;
#[doc(hidden)]
pub use nlwire_sys;

use std::io;
use std::os::fd::AsFd;

pub use options::{ConnectionOptions, DEFAULT_TIMEOUT, open_socket, open_socket_in};

pub use nlwire_sys::io_error;

use std::path::Path;

use nlwire::Error;
use nlwire_sys::netns::Netns;

/// The ways to open a connection, the same on every runtime. The generic
/// connections ([`aio::Connection`], [`blocking::Connection`]) implement
/// [`Connect::from_transport`]; each runtime crate's `Connection` offers
/// all of them as its own functions.
pub trait Connect: Sized {
    /// A connection over any [`Transport`] (an open socket, a simulated
    /// kernel). On an async runtime, call it inside the runtime (it
    /// registers with its reactor).
    fn from_transport(transport: impl Transport, opts: ConnectionOptions) -> Result<Self, Error>;

    /// A `NETLINK_ROUTE` connection in the current network namespace.
    fn new() -> Result<Self, Error> {
        Self::with_options(ConnectionOptions::default())
    }

    /// A connection with the given options.
    fn with_options(opts: ConnectionOptions) -> Result<Self, Error> {
        Self::from_transport(open_socket(None, &opts.socket)?, opts)
    }

    /// A generic netlink (`NETLINK_GENERIC`) connection in the current
    /// network namespace: for WireGuard and the controller. In another
    /// namespace: `new_in_with_options(&ns, ConnectionOptions::generic())`.
    fn generic() -> Result<Self, Error> {
        Self::with_options(ConnectionOptions::generic())
    }

    /// A `NETLINK_ROUTE` connection inside the network namespace at `path`
    /// (`/var/run/netns/NAME`, `/proc/PID/ns/net`). The socket is created
    /// on a short-lived thread that joined it; no caller or executor
    /// thread ever changes namespace.
    fn new_in_netns(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::new_in_netns_with_options(path, ConnectionOptions::default())
    }

    /// Like [`Connect::new_in_netns`], with options.
    fn new_in_netns_with_options(
        path: impl AsRef<Path>,
        opts: ConnectionOptions,
    ) -> Result<Self, Error> {
        Self::from_transport(open_socket(Some(path.as_ref()), &opts.socket)?, opts)
    }

    /// A `NETLINK_ROUTE` connection inside the namespace `ns` (the socket
    /// is created on a short-lived thread that joined it).
    fn new_in(ns: &Netns) -> Result<Self, Error> {
        Self::new_in_with_options(ns, ConnectionOptions::default())
    }

    /// Like [`Connect::new_in`], with options.
    fn new_in_with_options(ns: &Netns, opts: ConnectionOptions) -> Result<Self, Error> {
        Self::from_transport(open_socket_in(ns, &opts.socket)?, opts)
    }
}

/// What a connection sends its requests through and receives replies
/// from: one datagram per call, never blocking.
///
/// A netlink socket is one ([`nlwire_sys::NetlinkSocket`]); anything else
/// that behaves like one (an in-process kernel, a recorded exchange) plugs
/// in under the same connection. The descriptor ([`AsFd`]) must become
/// readable when a datagram is waiting: the runtimes wait on it.
pub trait Transport: AsFd + Send + Sync + std::fmt::Debug + 'static {
    /// Sends one datagram.
    fn send(&self, datagram: &[u8]) -> io::Result<()>;
    /// Receives one datagram into `buf` and returns its **real** size,
    /// which exceeds `buf.len()` when it did not fit (then the datagram is
    /// lost). `WouldBlock` when none is waiting; the raw OS error `ENOBUFS`
    /// when the kernel had to drop datagrams for this receiver.
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// Like [`Transport::recv`], with the multicast group the datagram was
    /// sent to: 0 for a reply, the group's number for a notification. The
    /// default says 0 (a transport without groups).
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, u32)> {
        self.recv(buf).map(|n| (n, 0))
    }
    /// Joins the multicast group `group` (an `RTNLGRP_*` number). The
    /// default refuses (`Unsupported`).
    fn join(&self, group: u32) -> io::Result<()> {
        let _ = group;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
    /// The port id replies are addressed to (0 if unknown: replies are then
    /// not checked for it).
    fn port(&self) -> u32;
}

impl Transport for nlwire_sys::NetlinkSocket {
    fn send(&self, datagram: &[u8]) -> io::Result<()> {
        nlwire_sys::NetlinkSocket::send(self, datagram).map(drop)
    }
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        nlwire_sys::NetlinkSocket::recv(self, buf)
    }
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, u32)> {
        nlwire_sys::NetlinkSocket::recv_from(self, buf)
    }
    fn join(&self, group: u32) -> io::Result<()> {
        nlwire_sys::NetlinkSocket::add_membership(self, group)
    }
    fn port(&self) -> u32 {
        nlwire_sys::NetlinkSocket::port(self)
    }
}
