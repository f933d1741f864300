//! The WireGuard poll watcher, blocking.

use std::time::{Duration, Instant};

use nlwire::Error;
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};

use crate::Connection;

/// Polls WireGuard interfaces and reports what changed (see
/// [`nlwire::machine::wg_watch`]): an [`Iterator`] of event batches, one
/// per round — every interface read once, in name order. A batch may be
/// empty when nothing changed.
///
/// The first round runs at once; `next` then sleeps until `interval`
/// after the previous round started. A round never fails: an interface
/// that cannot be read is reported as [`WgEvent::InterfaceUnavailable`]
/// and read again next time. The iterator never ends.
///
/// ```no_run
/// use nlwire_mio::{Connection, WgWatch, WgWatchOptions, WgEvent};
/// let conn = Connection::generic()?;
/// for batch in WgWatch::new(conn, WgWatchOptions::new(["wg0"]))? {
///     for event in batch {
///         if let WgEvent::PeerHandshakeRefreshed { public_key, .. } = event {
///             println!("handshake with {public_key}");
///         }
///     }
/// }
/// # Ok::<(), nlwire::Error>(())
/// ```
#[derive(Debug)]
pub struct WgWatch {
    conn: Connection,
    machine: WgWatcher,
    interval: Duration,
    next_round: Option<Instant>,
}

impl WgWatch {
    /// Watches the interfaces of `opts` through `conn`, a generic netlink
    /// connection ([`Connection::generic`]). Fails if `opts` names no
    /// interface, an invalid name, or a zero interval.
    pub fn new(conn: Connection, opts: WgWatchOptions) -> Result<WgWatch, Error> {
        Ok(WgWatch {
            machine: WgWatcher::new(&opts)?,
            conn,
            interval: opts.interval,
            next_round: None,
        })
    }

    /// The interfaces, in polling order.
    pub fn interfaces(&self) -> &[String] {
        self.machine.interfaces()
    }

    /// When the next round is due (`None`: now).
    pub fn next_round(&self) -> Option<Instant> {
        self.next_round
    }

    /// Runs one round now, whatever the schedule, and returns its events.
    pub fn poll_now(&mut self) -> Vec<WgEvent> {
        let started = Instant::now();
        let mut events = Vec::new();
        for i in 0..self.machine.interfaces().len() {
            let name = self.machine.interfaces()[i].clone();
            let result = self.conn.get_device(name.as_str());
            self.machine.update(i, result, &mut events);
        }
        self.next_round = Some(started + self.interval);
        events
    }

    /// The connection (e.g. to configure the interfaces being watched).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Iterator for WgWatch {
    type Item = Vec<WgEvent>;

    fn next(&mut self) -> Option<Vec<WgEvent>> {
        if let Some(at) = self.next_round {
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
        }
        Some(self.poll_now())
    }
}
