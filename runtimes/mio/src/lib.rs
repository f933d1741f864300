//! # nlwire-mio — blocking netlink connections
//!
//! For small tools and synchronous programs. A [`Connection`] owns a
//! non-blocking netlink socket and waits for it with `mio::Poll`, so every
//! call is bounded by the connection's timeout.
//!
//! ```no_run
//! let mut conn = nlwire_mio::Connection::new()?;
//! for link in conn.links() {
//!     let link = link?;
//!     println!("{} {}", link.index, link.name);
//! }
//! // Zero-copy: views into the receive buffer, no allocation per message.
//! let mut n = 0;
//! conn.dump_with(nlwire::route::GetRoutes::ipv4(), |route| n += route.header.dst_len as usize)?;
//! # Ok::<(), nlwire::Error>(())
//! ```
//!
//! Dumps are iterators that parse each datagram as it arrives: memory stays
//! flat however large the table. The connection is written once, in
//! `nlwire-conn`, for every blocking runtime; this crate supplies mio's
//! waiting ([`Mio`]).

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

pub use nlwire;
pub use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
pub use nlwire::machine::wg_watch::{DEFAULT_WG_POLL_INTERVAL, WgEvent, WgWatchOptions};
pub use nlwire_conn::{ConnectionOptions, DEFAULT_TIMEOUT, Transport};
pub use nlwire_sys::netns::{self, DEFAULT_NETNS_DIR, Netns, NetnsDir, NetnsId};
pub use nlwire_sys::sysctl;
pub use nlwire_sys::time;
pub use nlwire_sys::tun;

/// The mio binding: a `mio::Poll` per waiting descriptor.
#[derive(Debug, Clone, Copy)]
pub struct Mio;

/// A descriptor registered with its own `mio::Poll`.
#[derive(Debug)]
pub struct Registration {
    poll: Poll,
    events: Events,
    _fd: RawFd,
}

impl nlwire_conn::blocking::Wait for Mio {
    type Registration = Registration;

    fn register(fd: BorrowedFd<'_>) -> std::io::Result<Registration> {
        let poll = Poll::new()?;
        let raw = fd.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&raw), Token(0), Interest::READABLE)?;
        Ok(Registration {
            poll,
            events: Events::with_capacity(4),
            _fd: raw,
        })
    }

    fn wait(reg: &mut Registration, deadline: Option<Instant>) -> std::io::Result<()> {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        reg.poll.poll(&mut reg.events, timeout)
    }
}

nlwire_conn::blocking_runtime!(Mio, "nlwire_mio");
