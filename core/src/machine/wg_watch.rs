//! The WireGuard poll watcher's machine: snapshots in, events out.
//!
//! WireGuard's generic netlink family has no multicast group, so changes
//! are found by polling `WG_CMD_GET_DEVICE` and comparing. The runtime
//! reads every watched interface once per round, in the order of
//! [`WgWatcher::interfaces`] (sorted by name), and hands each result to
//! [`WgWatcher::update`]; the events of a round therefore come ordered by
//! interface, then by peer public key (byte order). For one peer, the
//! order is: endpoint, allowed IPs, handshake.
//!
//! * The first successful read of an interface reports every peer as
//!   [`WgEvent::PeerAdded`] — the initial inventory.
//! * A read that fails (interface deleted, module unloaded, not a
//!   WireGuard interface) reports [`WgEvent::InterfaceUnavailable`] once,
//!   then [`WgEvent::PeerRemoved`] for every peer it had; the interface is
//!   polled again next round, and when it comes back its peers are
//!   `PeerAdded` again.
//! * One interface failing never stops the others.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;

use crate::InvalidInput;
use crate::error::Error;
use crate::genl::wireguard::{AllowedIp, Device, Key, Peer};
use crate::input::validate_ifname;

/// Default time between two polling rounds.
pub const DEFAULT_WG_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// What to watch and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgWatchOptions {
    /// Interface names (at least one).
    pub interfaces: Vec<String>,
    /// Time between the starts of two rounds; the first round is
    /// immediate.
    pub interval: Duration,
}

impl WgWatchOptions {
    /// Watches `interfaces` every [`DEFAULT_WG_POLL_INTERVAL`].
    pub fn new<I, S>(interfaces: I) -> WgWatchOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WgWatchOptions {
            interfaces: interfaces.into_iter().map(Into::into).collect(),
            interval: DEFAULT_WG_POLL_INTERVAL,
        }
    }

    /// Sets the polling interval.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Checks the options: at least one valid interface name, an interval
    /// above zero.
    pub fn check(&self) -> Result<(), Error> {
        let invalid = |source| Error::InvalidInput {
            op: String::from("watch WireGuard interfaces"),
            source,
        };
        if self.interfaces.is_empty() {
            return Err(invalid(InvalidInput::NoInterfaces));
        }
        for name in &self.interfaces {
            validate_ifname(name).map_err(|source| Error::InvalidInput {
                op: alloc::format!("watch WireGuard interface {name:?}"),
                source,
            })?;
        }
        if self.interval.is_zero() {
            return Err(invalid(InvalidInput::ZeroInterval));
        }
        Ok(())
    }
}

/// A change seen between two polls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WgEvent {
    /// A peer appeared (or was there at the first successful poll).
    /// Its allowed IPs are sorted.
    PeerAdded {
        /// The interface.
        interface: String,
        /// The peer as read.
        peer: Peer,
    },
    /// A peer is gone (or its interface could not be read).
    PeerRemoved {
        /// The interface.
        interface: String,
        /// The peer as last read.
        peer: Peer,
    },
    /// A peer's endpoint changed (roaming, or reconfigured).
    PeerEndpointChanged {
        /// The interface.
        interface: String,
        /// The peer.
        public_key: Key,
        /// The previous endpoint.
        from: Option<SocketAddr>,
        /// The new endpoint.
        to: Option<SocketAddr>,
    },
    /// A peer's allowed IPs changed (both lists sorted).
    PeerAllowedIpsChanged {
        /// The interface.
        interface: String,
        /// The peer.
        public_key: Key,
        /// Before.
        previous: Vec<AllowedIp>,
        /// After.
        current: Vec<AllowedIp>,
    },
    /// A peer completed a handshake later than the one last seen (or its
    /// first ever).
    PeerHandshakeRefreshed {
        /// The interface.
        interface: String,
        /// The peer.
        public_key: Key,
        /// The handshake's time since the Unix epoch.
        at: Duration,
    },
    /// The interface could not be read (reported once until it can be
    /// read again); its peers follow as `PeerRemoved`.
    InterfaceUnavailable {
        /// The interface.
        interface: String,
        /// Why.
        error: Error,
    },
}

impl WgEvent {
    /// The interface the event is about.
    pub fn interface(&self) -> &str {
        match self {
            WgEvent::PeerAdded { interface, .. }
            | WgEvent::PeerRemoved { interface, .. }
            | WgEvent::PeerEndpointChanged { interface, .. }
            | WgEvent::PeerAllowedIpsChanged { interface, .. }
            | WgEvent::PeerHandshakeRefreshed { interface, .. }
            | WgEvent::InterfaceUnavailable { interface, .. } => interface,
        }
    }

    /// The peer the event is about, if any.
    pub fn public_key(&self) -> Option<&Key> {
        match self {
            WgEvent::PeerAdded { peer, .. } | WgEvent::PeerRemoved { peer, .. } => {
                Some(&peer.public_key)
            }
            WgEvent::PeerEndpointChanged { public_key, .. }
            | WgEvent::PeerAllowedIpsChanged { public_key, .. }
            | WgEvent::PeerHandshakeRefreshed { public_key, .. } => Some(public_key),
            WgEvent::InterfaceUnavailable { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
enum State {
    /// Never polled.
    Unknown,
    /// Read at the last poll.
    Up(BTreeMap<Key, Peer>),
    /// Could not be read at the last poll.
    Down,
}

/// The diff machine (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct WgWatcher {
    interfaces: Vec<String>,
    states: Vec<State>,
    interval: Duration,
    next_round: Option<Duration>,
}

impl WgWatcher {
    /// A watcher of the interfaces in `opts` (checked; sorted and
    /// deduplicated).
    pub fn new(opts: &WgWatchOptions) -> Result<WgWatcher, Error> {
        opts.check()?;
        let mut interfaces = opts.interfaces.clone();
        interfaces.sort();
        interfaces.dedup();
        let states = interfaces.iter().map(|_| State::Unknown).collect();
        Ok(WgWatcher {
            interfaces,
            states,
            interval: opts.interval,
            next_round: None,
        })
    }

    /// How long to wait at `now` before the next round is due: `None` when
    /// it is due now. The first round is due at once; each later one
    /// `interval` after the previous one started.
    pub fn delay(&self, now: Duration) -> Option<Duration> {
        self.next_round
            .and_then(|at| at.checked_sub(now))
            .filter(|d| !d.is_zero())
    }

    /// A round starts at `now`: the next one is due `interval` later.
    /// Read every interface of [`WgWatcher::interfaces`] in order and feed
    /// each result to [`WgWatcher::update`].
    pub fn begin_round(&mut self, now: Duration) {
        self.next_round = Some(now.saturating_add(self.interval));
    }

    /// When the next round is due (`None`: now), in the time of
    /// [`WgWatcher::begin_round`].
    pub fn next_round(&self) -> Option<Duration> {
        self.next_round
    }

    /// The interfaces, in polling order.
    pub fn interfaces(&self) -> &[String] {
        &self.interfaces
    }

    /// Feeds the result of reading interface number `index` (in
    /// [`WgWatcher::interfaces`]) and appends the events to `out`. An
    /// index out of range is ignored.
    pub fn update(&mut self, index: usize, result: Result<Device, Error>, out: &mut Vec<WgEvent>) {
        let (Some(name), Some(state)) = (self.interfaces.get(index), self.states.get_mut(index))
        else {
            return;
        };
        match result {
            Ok(device) => {
                let current: BTreeMap<Key, Peer> = device
                    .peers
                    .into_iter()
                    .map(|mut p| {
                        p.allowed_ips.sort();
                        (p.public_key, p)
                    })
                    .collect();
                let previous = match core::mem::replace(state, State::Unknown) {
                    State::Up(m) => m,
                    State::Unknown | State::Down => BTreeMap::new(),
                };
                diff(name, &previous, &current, out);
                *state = State::Up(current);
            }
            Err(error) => {
                let previous = core::mem::replace(state, State::Down);
                if !matches!(previous, State::Down) {
                    out.push(WgEvent::InterfaceUnavailable {
                        interface: name.clone(),
                        error,
                    });
                }
                if let State::Up(peers) = previous {
                    out.extend(peers.into_values().map(|peer| WgEvent::PeerRemoved {
                        interface: name.clone(),
                        peer,
                    }));
                }
            }
        }
    }
}

fn diff(
    name: &str,
    previous: &BTreeMap<Key, Peer>,
    current: &BTreeMap<Key, Peer>,
    out: &mut Vec<WgEvent>,
) {
    let interface = || String::from(name);
    let keys: BTreeSet<&Key> = previous.keys().chain(current.keys()).collect();
    for key in keys {
        match (previous.get(key), current.get(key)) {
            (Some(p), None) => out.push(WgEvent::PeerRemoved {
                interface: interface(),
                peer: p.clone(),
            }),
            (None, Some(c)) => out.push(WgEvent::PeerAdded {
                interface: interface(),
                peer: c.clone(),
            }),
            (Some(p), Some(c)) => {
                if p.endpoint != c.endpoint {
                    out.push(WgEvent::PeerEndpointChanged {
                        interface: interface(),
                        public_key: *key,
                        from: p.endpoint,
                        to: c.endpoint,
                    });
                }
                if p.allowed_ips != c.allowed_ips {
                    out.push(WgEvent::PeerAllowedIpsChanged {
                        interface: interface(),
                        public_key: *key,
                        previous: p.allowed_ips.clone(),
                        current: c.allowed_ips.clone(),
                    });
                }
                if let Some(at) = c.last_handshake
                    && p.last_handshake.is_none_or(|before| at > before)
                {
                    out.push(WgEvent::PeerHandshakeRefreshed {
                        interface: interface(),
                        public_key: *key,
                        at,
                    });
                }
            }
            (None, None) => {}
        }
    }
}
