//! `WG_CMD_GET_DEVICE`: the request, zero-copy views of its reply
//! messages, and (with `alloc`) the reassembly of a device whose peers and
//! allowed IPs were split over several messages.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::time::Duration;

use super::*;
use crate::genl::{GenlHeader, GenlMessage};
use crate::request::Request;
use crate::wire::{Attr, Attrs, DecodeError, Message, Writer, read_u16, read_u32};
use crate::{InvalidInput, LinkRef};

/// `AF_INET`.
pub(crate) const AF_INET: u16 = 2;
/// `AF_INET6`.
pub(crate) const AF_INET6: u16 = 10;
/// `sizeof(struct sockaddr_in)`.
pub(crate) const SOCKADDR_IN_LEN: usize = 16;
/// `sizeof(struct sockaddr_in6)`.
pub(crate) const SOCKADDR_IN6_LEN: usize = 28;

/// `WG_CMD_GET_DEVICE` for one interface. The kernel answers with a dump:
/// one or more messages that together describe the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetDevice<'n> {
    family: u16,
    link: LinkRef<'n>,
}

impl<'n> GetDevice<'n> {
    /// Reads interface `link` through the wireguard family whose id is
    /// `family`. A name must be a valid interface name; index 0 is
    /// rejected.
    pub fn new(family: u16, link: LinkRef<'n>) -> Result<Self, InvalidInput> {
        Ok(GetDevice {
            family,
            link: link.check()?,
        })
    }
}

pub(crate) fn emit_link(w: &mut Writer<'_>, link: &LinkRef<'_>) {
    match *link {
        LinkRef::Index(i) => w.attr_u32(WGDEVICE_A_IFINDEX, i),
        LinkRef::Name(n) => w.attr_str(WGDEVICE_A_IFNAME, n),
    }
}

impl Request for GetDevice<'_> {
    fn message_type(&self) -> u16 {
        self.family
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        GenlHeader {
            cmd: WG_CMD_GET_DEVICE,
            version: WG_GENL_VERSION,
        }
        .emit(w);
        emit_link(w, &self.link);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get WireGuard device of {}", self.link)
    }
}

fn key_bytes<'a>(a: &Attr<'a>, what: &'static str) -> Result<&'a [u8; WG_KEY_LEN], DecodeError> {
    a.payload().try_into().map_err(|_| DecodeError::AttrSize {
        what,
        kind: a.kind(),
        len: a.payload().len(),
        expected: WG_KEY_LEN,
    })
}

/// One `WG_CMD_GET_DEVICE` reply message (or a `WG_CMD_SET_DEVICE`
/// request), borrowed. Every field is optional: a continuation message
/// carries only peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceMessage<'a> {
    /// `WGDEVICE_A_IFINDEX`.
    pub ifindex: Option<u32>,
    /// `WGDEVICE_A_IFNAME`.
    pub ifname: Option<&'a str>,
    /// `WGDEVICE_A_PRIVATE_KEY` (secret: do not log).
    pub private_key: Option<&'a [u8; WG_KEY_LEN]>,
    /// `WGDEVICE_A_PUBLIC_KEY`.
    pub public_key: Option<Key>,
    /// `WGDEVICE_A_FLAGS` (`WGDEVICE_F_*`, set requests only).
    pub flags: Option<u32>,
    /// `WGDEVICE_A_LISTEN_PORT`.
    pub listen_port: Option<u16>,
    /// `WGDEVICE_A_FWMARK`.
    pub fwmark: Option<u32>,
    peers: &'a [u8],
}

const DEVICE: &str = "WireGuard device";
const PEER: &str = "WireGuard peer";
const ALLOWED_IP: &str = "WireGuard allowed IP";

impl<'a> DeviceMessage<'a> {
    /// Decodes one message. Attributes nlwire does not know are skipped;
    /// a known attribute of the wrong size is an error.
    pub fn parse(msg: &Message<'a>) -> Result<Self, DecodeError> {
        let g = GenlMessage::parse(msg)?;
        Self::parse_attrs(g.attrs())
    }

    /// Decodes the attributes of a device message (after `genlmsghdr`).
    pub fn parse_attrs(attrs: Attrs<'a>) -> Result<Self, DecodeError> {
        let mut d = DeviceMessage::default();
        for a in attrs {
            let a = a?;
            match a.kind() {
                WGDEVICE_A_IFINDEX => d.ifindex = Some(a.u32()?),
                WGDEVICE_A_IFNAME => d.ifname = Some(a.str()?),
                WGDEVICE_A_PRIVATE_KEY => d.private_key = Some(key_bytes(&a, DEVICE)?),
                WGDEVICE_A_PUBLIC_KEY => d.public_key = Some(Key(*key_bytes(&a, DEVICE)?)),
                WGDEVICE_A_FLAGS => d.flags = Some(a.u32()?),
                WGDEVICE_A_LISTEN_PORT => d.listen_port = Some(a.u16()?),
                WGDEVICE_A_FWMARK => d.fwmark = Some(a.u32()?),
                WGDEVICE_A_PEERS => d.peers = a.payload(),
                _ => {}
            }
        }
        Ok(d)
    }

    /// The peers of this message, in order.
    pub fn peers(&self) -> Peers<'a> {
        Peers(Attrs::new(self.peers))
    }
}

/// The last handshake time as the kernel sends it: `struct
/// __kernel_timespec`, zero for "never".
fn timespec(a: &Attr<'_>) -> Result<Option<Duration>, DecodeError> {
    let p = a.payload();
    if p.len() != 16 {
        return Err(DecodeError::AttrSize {
            what: PEER,
            kind: a.kind(),
            len: p.len(),
            expected: 16,
        });
    }
    let mut s = [0u8; 8];
    s.copy_from_slice(&p[..8]);
    let sec = i64::from_ne_bytes(s);
    s.copy_from_slice(&p[8..]);
    let nsec = i64::from_ne_bytes(s);
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(DecodeError::InvalidValue {
            what: "WireGuard last handshake time",
            value: sec.clamp(0, u32::MAX as i64) as u32,
        });
    }
    Ok(if sec == 0 && nsec == 0 {
        None
    } else {
        Some(Duration::new(sec as u64, nsec as u32))
    })
}

/// Decodes a `struct sockaddr_in` / `sockaddr_in6` endpoint.
pub fn parse_endpoint(a: &Attr<'_>) -> Result<SocketAddr, DecodeError> {
    let p = a.payload();
    let size = |expected| DecodeError::AttrSize {
        what: "WireGuard endpoint",
        kind: a.kind(),
        len: p.len(),
        expected,
    };
    if p.len() < 4 {
        return Err(size(SOCKADDR_IN_LEN));
    }
    let port = u16::from_be_bytes([p[2], p[3]]);
    match read_u16(p, 0) {
        AF_INET if p.len() == SOCKADDR_IN_LEN => {
            let ip = Ipv4Addr::new(p[4], p[5], p[6], p[7]);
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        }
        AF_INET => Err(size(SOCKADDR_IN_LEN)),
        AF_INET6 if p.len() == SOCKADDR_IN6_LEN => {
            let flow = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
            let mut b = [0u8; 16];
            b.copy_from_slice(&p[8..24]);
            let scope = read_u32(p, 24);
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(b),
                port,
                flow,
                scope,
            )))
        }
        AF_INET6 => Err(size(SOCKADDR_IN6_LEN)),
        other => Err(DecodeError::InvalidValue {
            what: "WireGuard endpoint address family",
            value: other.into(),
        }),
    }
}

/// Writes an endpoint as the kernel expects it (`sockaddr_in`/`_in6`).
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
pub(crate) fn emit_endpoint(w: &mut Writer<'_>, kind: u16, ep: &SocketAddr) {
    match ep {
        SocketAddr::V4(v4) => {
            let mut b = [0u8; SOCKADDR_IN_LEN];
            b[..2].copy_from_slice(&AF_INET.to_ne_bytes());
            b[2..4].copy_from_slice(&v4.port().to_be_bytes());
            b[4..8].copy_from_slice(&v4.ip().octets());
            w.attr(kind, &b);
        }
        SocketAddr::V6(v6) => {
            let mut b = [0u8; SOCKADDR_IN6_LEN];
            b[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
            b[2..4].copy_from_slice(&v6.port().to_be_bytes());
            b[4..8].copy_from_slice(&v6.flowinfo().to_be_bytes());
            b[8..24].copy_from_slice(&v6.ip().octets());
            b[24..].copy_from_slice(&v6.scope_id().to_ne_bytes());
            w.attr(kind, &b);
        }
    }
}

/// An allowed IP: an address and a prefix length (`10.0.0.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AllowedIp {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length (0–32 for IPv4, 0–128 for IPv6).
    pub cidr: u8,
}

#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
impl AllowedIp {
    /// An allowed IP; a prefix longer than the address is rejected.
    pub fn new(addr: IpAddr, cidr: u8) -> Result<AllowedIp, InvalidInput> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if cidr > max {
            return Err(InvalidInput::PrefixTooLong { len: cidr, max });
        }
        Ok(AllowedIp { addr, cidr })
    }

    pub(crate) fn check(&self) -> Result<(), InvalidInput> {
        AllowedIp::new(self.addr, self.cidr).map(|_| ())
    }

    /// Encoded size of this entry inside `WGPEER_A_ALLOWEDIPS`.
    pub(crate) fn encoded_len(&self) -> usize {
        // nest + family (4+2, padded) + address + cidr (4+1, padded)
        4 + 8 + if self.addr.is_ipv4() { 8 } else { 20 } + 8
    }

    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        let n = w.begin_nested(0);
        match self.addr {
            IpAddr::V4(a) => {
                w.attr_u16(WGALLOWEDIP_A_FAMILY, AF_INET);
                w.attr(WGALLOWEDIP_A_IPADDR, &a.octets());
            }
            IpAddr::V6(a) => {
                w.attr_u16(WGALLOWEDIP_A_FAMILY, AF_INET6);
                w.attr(WGALLOWEDIP_A_IPADDR, &a.octets());
            }
        }
        w.attr_u8(WGALLOWEDIP_A_CIDR_MASK, self.cidr);
        w.end_nested(n);
    }

    fn parse(entry: &Attr<'_>) -> Result<AllowedIp, DecodeError> {
        let (mut family, mut addr, mut cidr) = (None, None, None);
        for a in entry.nested() {
            let a = a?;
            match a.kind() {
                WGALLOWEDIP_A_FAMILY => family = Some(a.u16()?),
                WGALLOWEDIP_A_IPADDR => addr = Some(a),
                WGALLOWEDIP_A_CIDR_MASK => cidr = Some(a.u8()?),
                _ => {}
            }
        }
        let missing = |kind| DecodeError::MissingAttr {
            what: ALLOWED_IP,
            kind,
        };
        let family = family.ok_or(missing(WGALLOWEDIP_A_FAMILY))?;
        let addr = addr.ok_or(missing(WGALLOWEDIP_A_IPADDR))?;
        let cidr = cidr.ok_or(missing(WGALLOWEDIP_A_CIDR_MASK))?;
        let p = addr.payload();
        let size = |expected| DecodeError::AttrSize {
            what: ALLOWED_IP,
            kind: WGALLOWEDIP_A_IPADDR,
            len: p.len(),
            expected,
        };
        let (ip, max) = match family {
            AF_INET => {
                let b: [u8; 4] = p.try_into().map_err(|_| size(4))?;
                (IpAddr::V4(b.into()), 32)
            }
            AF_INET6 => {
                let b: [u8; 16] = p.try_into().map_err(|_| size(16))?;
                (IpAddr::V6(b.into()), 128)
            }
            other => {
                return Err(DecodeError::InvalidValue {
                    what: "WireGuard allowed IP family",
                    value: other.into(),
                });
            }
        };
        if cidr > max {
            return Err(DecodeError::InvalidValue {
                what: "WireGuard allowed IP prefix length",
                value: cidr.into(),
            });
        }
        Ok(AllowedIp { addr: ip, cidr })
    }
}

impl fmt::Display for AllowedIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.cidr)
    }
}

/// One peer entry of a device message, borrowed. In a continuation
/// message a peer carries only its public key and more allowed IPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerMessage<'a> {
    /// `WGPEER_A_PUBLIC_KEY` (required).
    pub public_key: Key,
    /// `WGPEER_A_PRESHARED_KEY` (secret; all zero when none is set).
    pub preshared_key: Option<&'a [u8; WG_KEY_LEN]>,
    /// `WGPEER_A_FLAGS` (`WGPEER_F_*`, set requests only).
    pub flags: Option<u32>,
    /// `WGPEER_A_ENDPOINT`.
    pub endpoint: Option<SocketAddr>,
    /// `WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL`, seconds (0: off).
    pub persistent_keepalive: Option<u16>,
    /// `WGPEER_A_LAST_HANDSHAKE_TIME`: present, and `Some` since the epoch
    /// unless the peer never completed a handshake.
    pub last_handshake: Option<Option<Duration>>,
    /// `WGPEER_A_RX_BYTES`.
    pub rx_bytes: Option<u64>,
    /// `WGPEER_A_TX_BYTES`.
    pub tx_bytes: Option<u64>,
    /// `WGPEER_A_PROTOCOL_VERSION`.
    pub protocol_version: Option<u32>,
    allowed: &'a [u8],
}

impl<'a> PeerMessage<'a> {
    fn parse(entry: &Attr<'a>) -> Result<Self, DecodeError> {
        let mut p = PeerMessage::default();
        let mut key = None;
        for a in entry.nested() {
            let a = a?;
            match a.kind() {
                WGPEER_A_PUBLIC_KEY => key = Some(Key(*key_bytes(&a, PEER)?)),
                WGPEER_A_PRESHARED_KEY => p.preshared_key = Some(key_bytes(&a, PEER)?),
                WGPEER_A_FLAGS => p.flags = Some(a.u32()?),
                WGPEER_A_ENDPOINT => p.endpoint = Some(parse_endpoint(&a)?),
                WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL => p.persistent_keepalive = Some(a.u16()?),
                WGPEER_A_LAST_HANDSHAKE_TIME => p.last_handshake = Some(timespec(&a)?),
                WGPEER_A_RX_BYTES => p.rx_bytes = Some(a.u64()?),
                WGPEER_A_TX_BYTES => p.tx_bytes = Some(a.u64()?),
                WGPEER_A_PROTOCOL_VERSION => p.protocol_version = Some(a.u32()?),
                WGPEER_A_ALLOWEDIPS => p.allowed = a.payload(),
                _ => {}
            }
        }
        p.public_key = key.ok_or(DecodeError::MissingAttr {
            what: PEER,
            kind: WGPEER_A_PUBLIC_KEY,
        })?;
        Ok(p)
    }

    /// The allowed IPs of this entry, in order.
    pub fn allowed_ips(&self) -> AllowedIps<'a> {
        AllowedIps(Attrs::new(self.allowed))
    }
}

/// Iterator over the peers of a [`DeviceMessage`]. Yields `Err` once for
/// a malformed peer and then stops.
#[derive(Debug, Clone)]
pub struct Peers<'a>(Attrs<'a>);

impl<'a> Iterator for Peers<'a> {
    type Item = Result<PeerMessage<'a>, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let r = self.0.next()?.and_then(|a| PeerMessage::parse(&a));
        if r.is_err() {
            self.0 = Attrs::new(&[]);
        }
        Some(r)
    }
}

/// Iterator over a peer's allowed IPs. Yields `Err` once for a malformed
/// entry and then stops.
#[derive(Debug, Clone)]
pub struct AllowedIps<'a>(Attrs<'a>);

impl Iterator for AllowedIps<'_> {
    type Item = Result<AllowedIp, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let r = self.0.next()?.and_then(|a| AllowedIp::parse(&a));
        if r.is_err() {
            self.0 = Attrs::new(&[]);
        }
        Some(r)
    }
}

#[cfg(feature = "alloc")]
pub use owned::*;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use super::*;

    /// A WireGuard interface, as `WG_CMD_GET_DEVICE` describes it.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Device {
        /// Interface index.
        pub ifindex: u32,
        /// Interface name.
        pub ifname: String,
        /// The private key, if one is set (redacted in `Debug`).
        pub private_key: Option<SecretKey>,
        /// The public key derived from it, if a private key is set.
        pub public_key: Option<Key>,
        /// The UDP listen port (the kernel picks one when 0 was set).
        pub listen_port: u16,
        /// The firewall mark of outgoing packets (0: none).
        pub fwmark: u32,
        /// The peers, in the kernel's order.
        pub peers: Vec<Peer>,
    }

    impl Device {
        /// The peer with public key `key`.
        pub fn peer(&self, key: &Key) -> Option<&Peer> {
            self.peers.iter().find(|p| p.public_key == *key)
        }
    }

    /// A peer of a [`Device`].
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Peer {
        /// The peer's public key.
        pub public_key: Key,
        /// The preshared key, if one is set (redacted in `Debug`).
        pub preshared_key: Option<SecretKey>,
        /// Where the peer was last seen, or was configured to be.
        pub endpoint: Option<SocketAddr>,
        /// Persistent keepalive interval in seconds (0: off).
        pub persistent_keepalive: u16,
        /// Time of the last completed handshake since the Unix epoch;
        /// `None` if there was none.
        pub last_handshake: Option<Duration>,
        /// Bytes received from the peer.
        pub rx_bytes: u64,
        /// Bytes sent to the peer.
        pub tx_bytes: u64,
        /// The protocol version (1).
        pub protocol_version: u32,
        /// The allowed IPs, in the kernel's order.
        pub allowed_ips: Vec<AllowedIp>,
    }

    /// Builds one [`Device`] from the messages of a `WG_CMD_GET_DEVICE`
    /// dump.
    ///
    /// The kernel fills each message with as many peers as fit. A peer
    /// whose allowed IPs do not fit is continued at the start of the next
    /// message, under the same public key and with only more allowed IPs;
    /// device attributes appear in the first message (and again when the
    /// first peer was split). The assembler appends a peer's allowed IPs
    /// when the entry repeats the previous peer's key, and otherwise adds
    /// a new peer — as `wg` does.
    #[derive(Debug, Default)]
    pub struct DeviceAssembler {
        device: Device,
        messages: usize,
    }

    impl DeviceAssembler {
        /// An empty assembler.
        pub fn new() -> Self {
            Self::default()
        }

        /// Adds the content of one reply message.
        pub fn push_message(&mut self, msg: &Message<'_>) -> Result<(), DecodeError> {
            self.push(&DeviceMessage::parse(msg)?)
        }

        /// Adds one decoded message. On error the assembler keeps what it
        /// had before.
        pub fn push(&mut self, m: &DeviceMessage<'_>) -> Result<(), DecodeError> {
            // Decode everything first, so a malformed message changes nothing.
            let mut peers: Vec<Peer> = Vec::new();
            for p in m.peers() {
                let p = p?;
                let ips = p.allowed_ips().collect::<Result<Vec<_>, _>>()?;
                match peers.last_mut() {
                    Some(last) if last.public_key == p.public_key => last.allowed_ips.extend(ips),
                    _ => peers.push(Peer {
                        public_key: p.public_key,
                        preshared_key: p
                            .preshared_key
                            .map(|k| SecretKey::new(*k))
                            .filter(|k| !k.is_zero()),
                        endpoint: p.endpoint,
                        persistent_keepalive: p.persistent_keepalive.unwrap_or(0),
                        last_handshake: p.last_handshake.flatten(),
                        rx_bytes: p.rx_bytes.unwrap_or(0),
                        tx_bytes: p.tx_bytes.unwrap_or(0),
                        protocol_version: p.protocol_version.unwrap_or(0),
                        allowed_ips: ips,
                    }),
                }
            }
            let d = &mut self.device;
            if let Some(i) = m.ifindex {
                d.ifindex = i;
            }
            if let Some(n) = m.ifname {
                d.ifname = n.to_string();
            }
            if let Some(k) = m.private_key {
                d.private_key = Some(SecretKey::new(*k));
            }
            if m.public_key.is_some() {
                d.public_key = m.public_key;
            }
            if let Some(p) = m.listen_port {
                d.listen_port = p;
            }
            if let Some(f) = m.fwmark {
                d.fwmark = f;
            }
            let mut peers = peers.into_iter();
            if let (Some(first), Some(last)) = (peers.as_slice().first(), d.peers.last_mut())
                && first.public_key == last.public_key
            {
                let first = peers.next().unwrap_or_default();
                last.allowed_ips.extend(first.allowed_ips);
            }
            d.peers.extend(peers);
            self.messages += 1;
            Ok(())
        }

        /// Messages added so far.
        pub fn messages(&self) -> usize {
            self.messages
        }

        /// The device, or `None` if no message was added.
        pub fn finish(self) -> Option<Device> {
            (self.messages > 0).then_some(self.device)
        }
    }
}
