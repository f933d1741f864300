//! `WG_CMD_SET_DEVICE`: a device configuration and its encoding into as
//! many messages as the kernel needs.
//!
//! A configuration too large for one message is split the way the kernel
//! (and `wg`) expect:
//!
//! * every message names the interface;
//! * the device attributes (private key, listen port, fwmark) and
//!   `WGDEVICE_F_REPLACE_PEERS` go in the first message only;
//! * peers follow in order, as many per message as fit;
//! * a peer whose allowed IPs do not fit is continued at the start of the
//!   next message under the same public key, with only its remaining
//!   allowed IPs and without `WGPEER_F_REPLACE_ALLOWEDIPS` (which would
//!   erase the ones just sent). `WGPEER_F_UPDATE_ONLY` and
//!   `WGPEER_F_REMOVE_ME` are repeated, so a continuation never creates a
//!   peer that the first part skipped or removed.
//!
//! Messages are at most [`SetDevice::DEFAULT_MAX_LEN`] bytes by default,
//! so every nest stays far below the 64 KiB `nla_len` limit.

use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;

use super::device::{AllowedIp, DeviceMessage, emit_endpoint, emit_link};
use super::*;
use crate::genl::GenlHeader;
use crate::request::Request;
use crate::wire::{DecodeError, HEADER_LEN, Message, Writer, align};
use crate::{InvalidInput, LinkRef};

/// The configuration to apply to a WireGuard interface. Fields left `None`
/// (or `false`) are not changed.
///
/// ```
/// use nlwire::genl::wireguard::{DeviceConfig, PeerConfig, Key, SecretKey, AllowedIp};
/// let config = DeviceConfig::new()
///     .private_key(SecretKey::new([1; 32]))
///     .listen_port(51820)
///     .replace_peers(true)
///     .peer(
///         PeerConfig::new(Key([2; 32]))
///             .endpoint("192.0.2.1:51820".parse().unwrap())
///             .allowed_ip(AllowedIp::new("198.51.100.0".parse().unwrap(), 24).unwrap()),
///     );
/// assert_eq!(config.peers.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceConfig {
    /// New private key (an all-zero key removes it).
    pub private_key: Option<SecretKey>,
    /// New listen port (0: the kernel picks one).
    pub listen_port: Option<u16>,
    /// New firewall mark (0: none).
    pub fwmark: Option<u32>,
    /// Remove every peer not listed in [`DeviceConfig::peers`]
    /// (`WGDEVICE_F_REPLACE_PEERS`).
    pub replace_peers: bool,
    /// Peers to add, change or remove.
    pub peers: Vec<PeerConfig>,
}

impl DeviceConfig {
    /// A configuration that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the private key.
    pub fn private_key(mut self, key: SecretKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// Sets the listen port.
    pub fn listen_port(mut self, port: u16) -> Self {
        self.listen_port = Some(port);
        self
    }

    /// Sets the firewall mark.
    pub fn fwmark(mut self, mark: u32) -> Self {
        self.fwmark = Some(mark);
        self
    }

    /// Replaces all peers with the ones listed.
    pub fn replace_peers(mut self, yes: bool) -> Self {
        self.replace_peers = yes;
        self
    }

    /// Adds a peer entry.
    pub fn peer(mut self, peer: PeerConfig) -> Self {
        self.peers.push(peer);
        self
    }

    /// Checks every allowed IP's prefix length.
    pub fn check(&self) -> Result<(), InvalidInput> {
        self.peers
            .iter()
            .flat_map(|p| &p.allowed_ips)
            .try_for_each(AllowedIp::check)
    }
}

/// How to change one peer, named by its public key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerConfig {
    /// The peer's public key.
    pub public_key: Key,
    /// Remove the peer (`WGPEER_F_REMOVE_ME`).
    pub remove: bool,
    /// Change the peer only if it exists (`WGPEER_F_UPDATE_ONLY`).
    pub update_only: bool,
    /// Replace the peer's allowed IPs with [`PeerConfig::allowed_ips`]
    /// instead of adding to them (`WGPEER_F_REPLACE_ALLOWEDIPS`).
    pub replace_allowed_ips: bool,
    /// New preshared key (an all-zero key removes it).
    pub preshared_key: Option<SecretKey>,
    /// New endpoint.
    pub endpoint: Option<SocketAddr>,
    /// New persistent keepalive interval in seconds (0: off).
    pub persistent_keepalive: Option<u16>,
    /// Allowed IPs to add (or to set, with `replace_allowed_ips`).
    pub allowed_ips: Vec<AllowedIp>,
}

impl PeerConfig {
    /// An entry for the peer `public_key` that adds it (or changes nothing
    /// if it exists).
    pub fn new(public_key: Key) -> Self {
        PeerConfig {
            public_key,
            ..Default::default()
        }
    }

    /// An entry removing the peer `public_key`.
    pub fn remove(public_key: Key) -> Self {
        PeerConfig {
            public_key,
            remove: true,
            ..Default::default()
        }
    }

    /// Changes the peer only if it exists.
    pub fn update_only(mut self, yes: bool) -> Self {
        self.update_only = yes;
        self
    }

    /// Replaces the allowed IPs instead of adding to them.
    pub fn replace_allowed_ips(mut self, yes: bool) -> Self {
        self.replace_allowed_ips = yes;
        self
    }

    /// Sets the preshared key.
    pub fn preshared_key(mut self, key: SecretKey) -> Self {
        self.preshared_key = Some(key);
        self
    }

    /// Sets the endpoint.
    pub fn endpoint(mut self, endpoint: SocketAddr) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Sets the persistent keepalive interval (seconds, 0: off).
    pub fn persistent_keepalive(mut self, secs: u16) -> Self {
        self.persistent_keepalive = Some(secs);
        self
    }

    /// Adds an allowed IP.
    pub fn allowed_ip(mut self, ip: AllowedIp) -> Self {
        self.allowed_ips.push(ip);
        self
    }

    fn flags(&self, continuation: bool) -> u32 {
        let mut f = 0;
        if self.remove {
            f |= WGPEER_F_REMOVE_ME;
        }
        if self.update_only {
            f |= WGPEER_F_UPDATE_ONLY;
        }
        if self.replace_allowed_ips && !continuation {
            f |= WGPEER_F_REPLACE_ALLOWEDIPS;
        }
        f
    }

    /// Encoded size of the peer's nest without allowed IPs.
    fn head_len(&self, continuation: bool) -> usize {
        let mut n = 4 + 4 + WG_KEY_LEN;
        if self.flags(continuation) != 0 {
            n += 8;
        }
        if !continuation {
            if self.preshared_key.is_some() {
                n += 4 + WG_KEY_LEN;
            }
            n += match self.endpoint {
                Some(SocketAddr::V4(_)) => 4 + device::SOCKADDR_IN_LEN,
                Some(SocketAddr::V6(_)) => 4 + device::SOCKADDR_IN6_LEN,
                None => 0,
            };
            if self.persistent_keepalive.is_some() {
                n += 8;
            }
        }
        n
    }
}

/// A position in a configuration: peer `peer`, its allowed IP `ip`, and
/// whether the device attributes are still to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Cursor {
    peer: usize,
    ip: usize,
    device_sent: bool,
}

/// One `WG_CMD_SET_DEVICE` message: a slice of a [`DeviceConfig`] between
/// two positions. Produced by [`SetDevice`].
#[derive(Debug, Clone, Copy)]
pub struct SetDeviceMessage<'c> {
    family: u16,
    link: LinkRef<'c>,
    config: &'c DeviceConfig,
    start: Cursor,
    end: Cursor,
    index: usize,
}

impl SetDeviceMessage<'_> {
    /// This message's position in the sequence (0 for the first).
    pub fn index(&self) -> usize {
        self.index
    }
}

impl Request for SetDeviceMessage<'_> {
    fn message_type(&self) -> u16 {
        self.family
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        GenlHeader {
            cmd: WG_CMD_SET_DEVICE,
            version: WG_GENL_VERSION,
        }
        .emit(w);
        emit_link(w, &self.link);
        let c = self.config;
        if !self.start.device_sent {
            if let Some(k) = &c.private_key {
                w.attr(WGDEVICE_A_PRIVATE_KEY, k.expose());
            }
            if let Some(p) = c.listen_port {
                w.attr_u16(WGDEVICE_A_LISTEN_PORT, p);
            }
            if let Some(m) = c.fwmark {
                w.attr_u32(WGDEVICE_A_FWMARK, m);
            }
            if c.replace_peers {
                w.attr_u32(WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
            }
        }
        let (start, end) = (self.start, self.end);
        if (start.peer, start.ip) == (end.peer, end.ip) {
            return;
        }
        let peers = w.begin_nested(WGDEVICE_A_PEERS);
        let mut p = start.peer;
        while p < c.peers.len() && (p < end.peer || (p == end.peer && end.ip > 0)) {
            let peer = &c.peers[p];
            let from = if p == start.peer { start.ip } else { 0 };
            let to = if p == end.peer {
                end.ip
            } else {
                peer.allowed_ips.len()
            };
            let continuation = from > 0;
            let n = w.begin_nested(0);
            w.attr(WGPEER_A_PUBLIC_KEY, peer.public_key.as_bytes());
            let flags = peer.flags(continuation);
            if flags != 0 {
                w.attr_u32(WGPEER_A_FLAGS, flags);
            }
            if !continuation {
                if let Some(k) = &peer.preshared_key {
                    w.attr(WGPEER_A_PRESHARED_KEY, k.expose());
                }
                if let Some(ep) = &peer.endpoint {
                    emit_endpoint(w, WGPEER_A_ENDPOINT, ep);
                }
                if let Some(k) = peer.persistent_keepalive {
                    w.attr_u16(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, k);
                }
            }
            if from < to {
                let ips = w.begin_nested(WGPEER_A_ALLOWEDIPS);
                for ip in &peer.allowed_ips[from..to] {
                    ip.emit(w);
                }
                w.end_nested(ips);
            }
            w.end_nested(n);
            p += 1;
        }
        w.end_nested(peers);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configure WireGuard device of {}", self.link)?;
        if self.index > 0 {
            write!(f, " (message {})", self.index + 1)?;
        }
        Ok(())
    }
}

/// Splits a [`DeviceConfig`] into [`SetDeviceMessage`]s: an iterator, each
/// message computed from where the previous one stopped, without
/// allocating.
#[derive(Debug, Clone)]
pub struct SetDevice<'c> {
    family: u16,
    link: LinkRef<'c>,
    config: &'c DeviceConfig,
    max_len: usize,
    next: Option<Cursor>,
    index: usize,
}

impl<'c> SetDevice<'c> {
    /// Default upper bound of one message's length.
    pub const DEFAULT_MAX_LEN: usize = 32 * 1024;
    /// Smallest accepted bound: room for the headers, a v6 peer with every
    /// attribute and one allowed IP.
    pub const MIN_MAX_LEN: usize = 512;

    /// The messages configuring `link` (through the wireguard family id
    /// `family`) with `config`. Checks the link and every prefix length.
    pub fn new(
        family: u16,
        link: LinkRef<'c>,
        config: &'c DeviceConfig,
    ) -> Result<SetDevice<'c>, InvalidInput> {
        config.check()?;
        Ok(SetDevice {
            family,
            link: link.check()?,
            config,
            max_len: Self::DEFAULT_MAX_LEN,
            next: Some(Cursor::default()),
            index: 0,
        })
    }

    /// Sets the upper bound of a message's length (at least
    /// [`SetDevice::MIN_MAX_LEN`], at most 65,535).
    pub fn max_len(mut self, len: usize) -> Self {
        self.max_len = len.clamp(Self::MIN_MAX_LEN, u16::MAX as usize);
        self
    }

    fn base_len(&self) -> usize {
        HEADER_LEN
            + crate::genl::GENL_HDRLEN
            + match self.link {
                LinkRef::Index(_) => 8,
                LinkRef::Name(n) => align(4 + n.len() + 1),
            }
    }

    fn device_len(&self) -> usize {
        let c = self.config;
        let mut n = 0;
        if c.private_key.is_some() {
            n += 4 + WG_KEY_LEN;
        }
        if c.listen_port.is_some() {
            n += 8;
        }
        if c.fwmark.is_some() {
            n += 8;
        }
        if c.replace_peers {
            n += 8;
        }
        n
    }

    /// Where a message starting at `start` ends.
    fn plan(&self, start: Cursor) -> Cursor {
        let peers = &self.config.peers;
        let mut len = self.base_len();
        if !start.device_sent {
            len += self.device_len();
        }
        let mut cur = Cursor {
            device_sent: true,
            ..start
        };
        let mut nest_open = false;
        let mut empty = true;
        while cur.peer < peers.len() {
            let peer = &peers[cur.peer];
            let ips = &peer.allowed_ips[cur.ip..];
            let head = peer.head_len(cur.ip > 0) + if nest_open { 0 } else { 4 };
            let first_ip = ips.first().map_or(0, |ip| 4 + ip.encoded_len());
            if len + head + first_ip > self.max_len && !empty {
                return cur;
            }
            len += head;
            nest_open = true;
            empty = false;
            if !ips.is_empty() {
                len += 4;
                // The first IP was counted with the head above.
                for (k, ip) in ips.iter().enumerate() {
                    let n = ip.encoded_len();
                    if k > 0 && len + n > self.max_len {
                        return cur;
                    }
                    len += n;
                    cur.ip += 1;
                }
            }
            cur.peer += 1;
            cur.ip = 0;
        }
        cur
    }
}

impl<'c> Iterator for SetDevice<'c> {
    type Item = SetDeviceMessage<'c>;

    fn next(&mut self) -> Option<SetDeviceMessage<'c>> {
        let start = self.next?;
        let end = self.plan(start);
        self.next = (end.peer < self.config.peers.len()).then_some(end);
        let index = self.index;
        self.index += 1;
        Some(SetDeviceMessage {
            family: self.family,
            link: self.link,
            config: self.config,
            start,
            end,
            index,
        })
    }
}

/// Rebuilds a [`DeviceConfig`] from `WG_CMD_SET_DEVICE` messages — the
/// inverse of [`SetDevice`], for tests and tools that record what was
/// sent. Continuations (an entry repeating the previous peer's key) are
/// merged back.
#[derive(Debug, Default)]
pub struct ConfigAssembler {
    config: DeviceConfig,
}

impl ConfigAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one message.
    pub fn push_message(&mut self, msg: &Message<'_>) -> Result<(), DecodeError> {
        let d = DeviceMessage::parse(msg)?;
        let mut peers = Vec::new();
        for p in d.peers() {
            let p = p?;
            let ips = p.allowed_ips().collect::<Result<Vec<_>, _>>()?;
            let flags = p.flags.unwrap_or(0);
            peers.push(PeerConfig {
                public_key: p.public_key,
                remove: flags & WGPEER_F_REMOVE_ME != 0,
                update_only: flags & WGPEER_F_UPDATE_ONLY != 0,
                replace_allowed_ips: flags & WGPEER_F_REPLACE_ALLOWEDIPS != 0,
                preshared_key: p.preshared_key.map(|k| SecretKey::new(*k)),
                endpoint: p.endpoint,
                persistent_keepalive: p.persistent_keepalive,
                allowed_ips: ips,
            });
        }
        let c = &mut self.config;
        if let Some(k) = d.private_key {
            c.private_key = Some(SecretKey::new(*k));
        }
        if d.listen_port.is_some() {
            c.listen_port = d.listen_port;
        }
        if d.fwmark.is_some() {
            c.fwmark = d.fwmark;
        }
        if let Some(f) = d.flags {
            c.replace_peers |= f & WGDEVICE_F_REPLACE_PEERS != 0;
        }
        for p in peers {
            match c.peers.last_mut() {
                Some(last) if last.public_key == p.public_key => {
                    last.allowed_ips.extend(p.allowed_ips)
                }
                _ => c.peers.push(p),
            }
        }
        Ok(())
    }

    /// The configuration.
    pub fn finish(self) -> DeviceConfig {
        self.config
    }
}
