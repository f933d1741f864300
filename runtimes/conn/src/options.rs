//! What every runtime's connection shares: options and socket opening.

use std::path::Path;
use std::time::Duration;

use nlwire::Error;
use nlwire::machine::MuxOptions;
use nlwire_sys::netns::Netns;
use nlwire_sys::{NetlinkSocket, SocketOptions, io_error};

/// Default for [`ConnectionOptions::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a connection is set up, on any runtime.
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

impl ConnectionOptions {
    /// Options for a generic netlink (`NETLINK_GENERIC`) connection — the
    /// one WireGuard and the controller speak.
    pub fn generic() -> Self {
        let mut o = ConnectionOptions::default();
        o.socket.protocol = nlwire_sys::NETLINK_GENERIC;
        o
    }
}

/// Opens the socket of a connection: in the current namespace, or in the
/// one at `netns` (on a short-lived thread that joined it).
pub fn open_socket(netns: Option<&Path>, opts: &SocketOptions) -> Result<NetlinkSocket, Error> {
    match netns {
        None => NetlinkSocket::open(opts).map_err(|e| io_error("open netlink socket", &e)),
        Some(path) => NetlinkSocket::open_in_netns(path, opts).map_err(|e| {
            io_error(
                format_args!("open netlink socket in namespace {}", path.display()),
                &e,
            )
        }),
    }
}

/// Opens the socket of a connection inside the namespace `ns` (on a
/// short-lived thread that joined it).
pub fn open_socket_in(ns: &Netns, opts: &SocketOptions) -> Result<NetlinkSocket, Error> {
    let so = *opts;
    ns.run(move || NetlinkSocket::open(&so))?
        .map_err(|e| io_error("open netlink socket in namespace", &e))
}
