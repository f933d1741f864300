//! Address messages (`RTM_*ADDR`, `struct ifaddrmsg` + `IFA_*`).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr};

use super::{
    AF_INET, AF_INET6, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, attr_ip, check_family, check_prefix,
    family_of, ip_addr,
};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{
    Attr, Attrs, DecodeError, Message, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer, need,
    read_u32,
};

/// `IFA_ADDRESS`: the prefix address (the peer on point-to-point links).
pub const IFA_ADDRESS: u16 = 1;
/// `IFA_LOCAL`: the local address.
pub const IFA_LOCAL: u16 = 2;
/// `IFA_LABEL`: the IPv4 label (`eth0:1`).
pub const IFA_LABEL: u16 = 3;
/// `IFA_BROADCAST`.
pub const IFA_BROADCAST: u16 = 4;
/// `IFA_ANYCAST`.
pub const IFA_ANYCAST: u16 = 5;
/// `IFA_CACHEINFO`: `struct ifa_cacheinfo`.
pub const IFA_CACHEINFO: u16 = 6;
/// `IFA_MULTICAST`.
pub const IFA_MULTICAST: u16 = 7;
/// `IFA_FLAGS`: the full 32-bit flags.
pub const IFA_FLAGS: u16 = 8;
/// `IFA_RT_PRIORITY`: metric of the prefix route.
pub const IFA_RT_PRIORITY: u16 = 9;
/// `IFA_PROTO`: who added the address.
pub const IFA_PROTO: u16 = 11;

/// `IFA_F_SECONDARY` (IPv4) / `IFA_F_TEMPORARY` (IPv6).
pub const IFA_F_SECONDARY: u32 = 0x01;
/// `IFA_F_NODAD`: skip duplicate address detection.
pub const IFA_F_NODAD: u32 = 0x02;
/// `IFA_F_OPTIMISTIC`.
pub const IFA_F_OPTIMISTIC: u32 = 0x04;
/// `IFA_F_DADFAILED`.
pub const IFA_F_DADFAILED: u32 = 0x08;
/// `IFA_F_HOMEADDRESS`.
pub const IFA_F_HOMEADDRESS: u32 = 0x10;
/// `IFA_F_DEPRECATED`.
pub const IFA_F_DEPRECATED: u32 = 0x20;
/// `IFA_F_TENTATIVE`.
pub const IFA_F_TENTATIVE: u32 = 0x40;
/// `IFA_F_PERMANENT`.
pub const IFA_F_PERMANENT: u32 = 0x80;
/// `IFA_F_MANAGETEMPADDR`.
pub const IFA_F_MANAGETEMPADDR: u32 = 0x100;
/// `IFA_F_NOPREFIXROUTE`: do not add the prefix route.
pub const IFA_F_NOPREFIXROUTE: u32 = 0x200;
/// `IFA_F_MCAUTOJOIN`.
pub const IFA_F_MCAUTOJOIN: u32 = 0x400;
/// `IFA_F_STABLE_PRIVACY`.
pub const IFA_F_STABLE_PRIVACY: u32 = 0x800;

/// Lifetime value meaning "forever".
pub const INFINITY_LIFE_TIME: u32 = u32::MAX;

/// `struct ifaddrmsg`, the fixed header of an address message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct IfAddrMsg {
    /// `AF_INET` or `AF_INET6`.
    pub family: u8,
    /// Prefix length.
    pub prefix_len: u8,
    /// Low 8 bits of the flags (the full set is in `IFA_FLAGS`).
    pub flags: u8,
    /// `RT_SCOPE_*`.
    pub scope: u8,
    /// Interface index.
    pub index: u32,
}

impl IfAddrMsg {
    /// Encoded length.
    pub const LEN: usize = 8;

    /// Decodes the header from the start of a message payload.
    pub fn parse(b: &[u8]) -> Result<IfAddrMsg, DecodeError> {
        need(b, Self::LEN, "ifaddrmsg")?;
        Ok(IfAddrMsg {
            family: b[0],
            prefix_len: b[1],
            flags: b[2],
            scope: b[3],
            index: read_u32(b, 4),
        })
    }

    /// Appends the encoded header.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let mut b = [0u8; Self::LEN];
        b[..4].copy_from_slice(&[self.family, self.prefix_len, self.flags, self.scope]);
        b[4..].copy_from_slice(&self.index.to_ne_bytes());
        w.put(&b);
    }
}

/// `struct ifa_cacheinfo`: lifetimes (seconds) and timestamps
/// (hundredths of a second since boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AddrCacheInfo {
    /// Preferred lifetime left ([`INFINITY_LIFE_TIME`] = forever).
    pub preferred: u32,
    /// Valid lifetime left.
    pub valid: u32,
    /// Creation time.
    pub created: u32,
    /// Last update time.
    pub updated: u32,
}

impl AddrCacheInfo {
    fn parse(a: &Attr<'_>) -> Result<Self, DecodeError> {
        let p = a.payload();
        if p.len() < 16 {
            return Err(DecodeError::AttrSize {
                what: "ifa_cacheinfo",
                kind: a.kind(),
                len: p.len(),
                expected: 16,
            });
        }
        Ok(AddrCacheInfo {
            preferred: read_u32(p, 0),
            valid: read_u32(p, 4),
            created: read_u32(p, 8),
            updated: read_u32(p, 12),
        })
    }
}

/// A zero-copy view of an address message (`RTM_NEWADDR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressMessage<'a> {
    /// The `ifaddrmsg` header.
    pub header: IfAddrMsg,
    /// `IFA_ADDRESS` (the peer on point-to-point links).
    pub address: Option<IpAddr>,
    /// `IFA_LOCAL`.
    pub local: Option<IpAddr>,
    /// `IFA_BROADCAST`.
    pub broadcast: Option<IpAddr>,
    /// `IFA_LABEL`.
    pub label: Option<&'a str>,
    /// Flags: `IFA_FLAGS` when present, else the header's 8 bits.
    pub flags: u32,
    /// `IFA_CACHEINFO`.
    pub cacheinfo: Option<AddrCacheInfo>,
    /// `IFA_RT_PRIORITY`.
    pub priority: Option<u32>,
    /// `IFA_PROTO`.
    pub proto: Option<u8>,
    attrs: &'a [u8],
}

impl<'a> AddressMessage<'a> {
    /// Decodes an address message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<AddressMessage<'a>, DecodeError> {
        let header = IfAddrMsg::parse(payload)?;
        let attrs = &payload[IfAddrMsg::LEN..];
        let mut m = AddressMessage {
            header,
            address: None,
            local: None,
            broadcast: None,
            label: None,
            flags: header.flags as u32,
            cacheinfo: None,
            priority: None,
            proto: None,
            attrs,
        };
        let fam = header.family;
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                IFA_ADDRESS => m.address = ip_addr(fam, &a)?,
                IFA_LOCAL => m.local = ip_addr(fam, &a)?,
                IFA_BROADCAST => m.broadcast = ip_addr(fam, &a)?,
                IFA_LABEL => m.label = Some(a.str()?),
                IFA_FLAGS => m.flags = a.u32()?,
                IFA_CACHEINFO => m.cacheinfo = Some(AddrCacheInfo::parse(&a)?),
                IFA_RT_PRIORITY => m.priority = Some(a.u32()?),
                IFA_PROTO => m.proto = Some(a.u8()?),
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWADDR` (or `RTM_DELADDR`) message.
    pub fn from_message(msg: &Message<'a>) -> Result<AddressMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWADDR | RTM_DELADDR => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "address message",
                kind: k,
            }),
        }
    }

    /// The interface's own address: `IFA_LOCAL` when present (IPv4, and
    /// point-to-point IPv6), else `IFA_ADDRESS`.
    pub fn addr(&self) -> Option<IpAddr> {
        self.local.or(self.address)
    }

    /// The peer address of a point-to-point address (`IFA_ADDRESS` when it
    /// differs from `IFA_LOCAL`).
    pub fn peer(&self) -> Option<IpAddr> {
        match (self.local, self.address) {
            (Some(l), Some(a)) if l != a => Some(a),
            _ => None,
        }
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Dump addresses (`RTM_GETADDR` with `NLM_F_DUMP`), optionally of one
/// family and one link. The kernel filters by link only on strict-checking
/// sockets; [`Request::accepts`] filters the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetAddresses {
    family: u8,
    index: u32,
}

impl GetAddresses {
    /// Addresses of every family and link.
    pub fn new() -> Self {
        GetAddresses::default()
    }

    /// Only IPv4 (`AF_INET`) or IPv6 (`AF_INET6`) addresses.
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }

    /// Only addresses of link `index` (0: every link).
    pub fn link(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// Whether an address passes the filter.
    pub fn matches(&self, a: &AddressMessage<'_>) -> bool {
        (self.family == 0 || a.header.family == self.family)
            && (self.index == 0 || a.header.index == self.index)
    }
}

impl Request for GetAddresses {
    fn message_type(&self) -> u16 {
        RTM_GETADDR
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfAddrMsg {
            family: self.family,
            index: self.index,
            ..Default::default()
        }
        .emit(w);
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        // Family and index are in the fixed header: no attribute walk.
        if !matches!(msg.kind(), RTM_NEWADDR | RTM_DELADDR) {
            return true;
        }
        IfAddrMsg::parse(msg.payload()).map_or(true, |h| {
            (self.family == 0 || h.family == self.family)
                && (self.index == 0 || h.index == self.index)
        })
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump ")?;
        match self.family {
            AF_INET => f.write_str("IPv4 ")?,
            AF_INET6 => f.write_str("IPv6 ")?,
            _ => {}
        }
        f.write_str("addresses")?;
        if self.index != 0 {
            write!(f, " of link index {}", self.index)?;
        }
        Ok(())
    }
}

/// What an address request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddrOp {
    Add,
    Replace,
    Change,
    Delete,
}

/// Add, replace or delete an address (`RTM_NEWADDR` / `RTM_DELADDR`).
///
/// ```
/// use nlwire::route::AddressRequest;
/// let req = AddressRequest::add(3, "192.0.2.1".parse().unwrap(), 24)?
///     .broadcast("192.0.2.255".parse().unwrap())?
///     .label("eth0:web")?;
/// # Ok::<(), nlwire::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AddressRequest<'a> {
    op: AddrOp,
    index: u32,
    addr: IpAddr,
    prefix_len: u8,
    peer: Option<IpAddr>,
    broadcast: Option<Ipv4Addr>,
    label: Option<&'a str>,
    flags: u32,
    scope: Option<u8>,
    lifetimes: Option<(u32, u32)>,
    metric: Option<u32>,
    proto: Option<u8>,
    any_len: bool,
}

impl<'a> AddressRequest<'a> {
    fn new(op: AddrOp, index: u32, addr: IpAddr, prefix_len: u8) -> Result<Self, InvalidInput> {
        if index == 0 {
            return Err(InvalidInput::ZeroIndex);
        }
        check_prefix(&addr, prefix_len)?;
        Ok(AddressRequest {
            op,
            index,
            addr,
            prefix_len,
            peer: None,
            broadcast: None,
            label: None,
            flags: 0,
            scope: None,
            lifetimes: None,
            metric: None,
            proto: None,
            any_len: false,
        })
    }

    /// Add `addr/prefix_len` to link `index` (fails with `EEXIST` if it is
    /// there).
    pub fn add(index: u32, addr: IpAddr, prefix_len: u8) -> Result<Self, InvalidInput> {
        Self::new(AddrOp::Add, index, addr, prefix_len)
    }

    /// Add `addr/prefix_len`, or update it if it is there.
    pub fn replace(index: u32, addr: IpAddr, prefix_len: u8) -> Result<Self, InvalidInput> {
        Self::new(AddrOp::Replace, index, addr, prefix_len)
    }

    /// Change `addr/prefix_len` (`ip address change`: `NLM_F_REPLACE`
    /// without `NLM_F_CREATE`). The kernel creates a missing address all
    /// the same, for IPv4 and IPv6: use [`Self::replace`] to say so.
    pub fn change(index: u32, addr: IpAddr, prefix_len: u8) -> Result<Self, InvalidInput> {
        Self::new(AddrOp::Change, index, addr, prefix_len)
    }

    /// Delete `addr/prefix_len` from link `index`.
    pub fn delete(index: u32, addr: IpAddr, prefix_len: u8) -> Result<Self, InvalidInput> {
        Self::new(AddrOp::Delete, index, addr, prefix_len)
    }

    /// The peer of a point-to-point address (same family).
    pub fn peer(mut self, peer: IpAddr) -> Result<Self, InvalidInput> {
        check_family(&self.addr, "peer address", &peer)?;
        self.peer = Some(peer);
        Ok(self)
    }

    /// The IPv4 broadcast address (an IPv6 address has none: refused).
    pub fn broadcast(mut self, b: Ipv4Addr) -> Result<Self, InvalidInput> {
        check_family(&self.addr, "broadcast address", &IpAddr::V4(b))?;
        self.broadcast = Some(b);
        Ok(self)
    }

    /// The IPv4 label (at most 15 bytes; `ip` wants it to start with the
    /// link name).
    pub fn label(mut self, label: &'a str) -> Result<Self, InvalidInput> {
        if label.len() > super::IFNAME_MAX {
            return Err(InvalidInput::LabelTooLong { len: label.len() });
        }
        if label.contains('\0') {
            return Err(InvalidInput::NulByte {
                what: "address label",
            });
        }
        self.label = Some(label);
        Ok(self)
    }

    /// `IFA_F_*` flags (e.g. [`IFA_F_NODAD`] | [`IFA_F_NOPREFIXROUTE`]).
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags |= flags;
        self
    }

    /// The scope (`RT_SCOPE_*`). Without it, as `ip address` picks it:
    /// `host` for an IPv4 loopback address (127.0.0.0/8) being added,
    /// else `universe`.
    pub fn scope(mut self, scope: u8) -> Self {
        self.scope = Some(scope);
        self
    }

    fn effective_scope(&self) -> u8 {
        match (self.scope, self.op, self.addr) {
            (Some(s), _, _) => s,
            (None, AddrOp::Delete, _) => 0,
            (None, _, IpAddr::V4(a)) if a.is_loopback() => crate::route::route::RT_SCOPE_HOST,
            (None, _, _) => 0,
        }
    }

    /// Who adds the address (`IFA_PROTO`, kernel 6.3 and later).
    pub fn proto(mut self, proto: u8) -> Self {
        self.proto = Some(proto);
        self
    }

    /// On delete: whatever prefix length the address has. No
    /// `IFA_ADDRESS` is sent, so an IPv4 kernel matches the local address
    /// alone (what `ip address del 192.0.2.1 dev D` does without a
    /// length).
    pub fn any_prefix_len(mut self) -> Self {
        self.any_len = true;
        self
    }

    /// Valid and preferred lifetimes in seconds ([`INFINITY_LIFE_TIME`] =
    /// forever). The preferred lifetime may not exceed the valid one.
    pub fn lifetimes(mut self, valid: u32, preferred: u32) -> Result<Self, InvalidInput> {
        if preferred > valid {
            return Err(InvalidInput::OutOfRange {
                what: "preferred lifetime",
                value: preferred as u64,
                range: "at most the valid lifetime",
            });
        }
        self.lifetimes = Some((valid, preferred));
        Ok(self)
    }

    /// Metric of the prefix route the kernel adds.
    pub fn metric(mut self, metric: u32) -> Self {
        self.metric = Some(metric);
        self
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
}

impl Request for AddressRequest<'_> {
    fn message_type(&self) -> u16 {
        match self.op {
            AddrOp::Delete => RTM_DELADDR,
            _ => RTM_NEWADDR,
        }
    }
    fn flags(&self) -> u16 {
        match self.op {
            AddrOp::Add => NLM_F_CREATE | NLM_F_EXCL,
            AddrOp::Replace => NLM_F_CREATE | NLM_F_REPLACE,
            AddrOp::Change => NLM_F_REPLACE,
            AddrOp::Delete => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfAddrMsg {
            family: family_of(&self.addr),
            prefix_len: self.prefix_len,
            flags: self.flags as u8,
            scope: self.effective_scope(),
            index: self.index,
        }
        .emit(w);
        attr_ip(w, IFA_LOCAL, &self.addr);
        if !(self.any_len && self.peer.is_none()) {
            attr_ip(w, IFA_ADDRESS, self.peer.as_ref().unwrap_or(&self.addr));
        }
        if let Some(b) = self.broadcast {
            w.attr(IFA_BROADCAST, &b.octets());
        }
        if let Some(l) = self.label {
            w.attr_str(IFA_LABEL, l);
        }
        if self.flags > 0xff {
            w.attr_u32(IFA_FLAGS, self.flags);
        }
        if let Some((valid, preferred)) = self.lifetimes {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&preferred.to_ne_bytes());
            b[4..8].copy_from_slice(&valid.to_ne_bytes());
            w.attr(IFA_CACHEINFO, &b);
        }
        if let Some(m) = self.metric {
            w.attr_u32(IFA_RT_PRIORITY, m);
        }
        if let Some(p) = self.proto {
            w.attr_u8(IFA_PROTO, p);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            AddrOp::Add => "add",
            AddrOp::Replace => "replace",
            AddrOp::Change => "change",
            AddrOp::Delete => "delete",
        };
        write!(
            f,
            "{verb} address {}/{} on link index {}",
            self.addr, self.prefix_len, self.index
        )
    }
}

crate::request::query!(AddressMessage => Address: GetAddresses);

#[cfg(feature = "alloc")]
pub use owned::Address;

#[cfg(feature = "alloc")]
mod owned {
    use crate::route::IfName;

    use super::*;
    use crate::request::FromMessage;

    /// An owned address, built from an [`AddressMessage`].
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Address {
        /// `AF_INET` or `AF_INET6`.
        pub family: u8,
        /// Interface index.
        pub index: u32,
        /// Prefix length.
        pub prefix_len: u8,
        /// `RT_SCOPE_*`.
        pub scope: u8,
        /// `IFA_F_*` flags.
        pub flags: u32,
        /// The interface's address (`IFA_LOCAL`, else `IFA_ADDRESS`).
        pub addr: Option<IpAddr>,
        /// Peer of a point-to-point address.
        pub peer: Option<IpAddr>,
        /// IPv4 broadcast address.
        pub broadcast: Option<IpAddr>,
        /// IPv4 label (inline: no heap allocation).
        pub label: Option<IfName>,
        /// Lifetimes and timestamps.
        pub cacheinfo: Option<AddrCacheInfo>,
        /// Metric of the prefix route.
        pub priority: Option<u32>,
        /// `IFA_PROTO`.
        pub proto: Option<u8>,
    }

    impl From<&AddressMessage<'_>> for Address {
        fn from(v: &AddressMessage<'_>) -> Address {
            Address {
                family: v.header.family,
                index: v.header.index,
                prefix_len: v.header.prefix_len,
                scope: v.header.scope,
                flags: v.flags,
                addr: v.addr(),
                peer: v.peer(),
                broadcast: v.broadcast,
                label: v.label.map(IfName::from),
                cacheinfo: v.cacheinfo,
                priority: v.priority,
                proto: v.proto,
            }
        }
    }

    impl FromMessage for Address {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            Ok(Address::from(&AddressMessage::from_message(msg)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Messages, NLM_F_ACK, NLM_F_REQUEST};

    fn encode(r: &impl Request) -> std::vec::Vec<u8> {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 7, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn add_v4_round_trips_through_the_view() {
        let req = AddressRequest::add(3, "192.0.2.1".parse().unwrap(), 24)
            .unwrap()
            .broadcast("192.0.2.255".parse().unwrap())
            .unwrap()
            .label("eth0:x")
            .unwrap()
            .flags(IFA_F_NOPREFIXROUTE | IFA_F_NODAD)
            .lifetimes(600, 300)
            .unwrap();
        let b = encode(&req);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.kind(), RTM_NEWADDR);
        assert_eq!(
            m.flags(),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
        );
        let v = AddressMessage::from_message(&m).unwrap();
        assert_eq!(v.header.family, AF_INET);
        assert_eq!(v.header.prefix_len, 24);
        assert_eq!(v.header.index, 3);
        assert_eq!(v.addr(), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(v.peer(), None);
        assert_eq!(v.broadcast, Some("192.0.2.255".parse().unwrap()));
        assert_eq!(v.label, Some("eth0:x"));
        assert_eq!(v.flags, IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
        let ci = v.cacheinfo.unwrap();
        assert_eq!((ci.valid, ci.preferred), (600, 300));
    }

    /// `change` creates nothing; a loopback address added without a scope
    /// gets scope host, as `ip` sends it (iproute2 `default_scope`).
    #[test]
    fn change_flags_and_default_scope_are_ips() {
        let lo: IpAddr = "127.0.0.2".parse().unwrap();
        let cases = [
            (
                AddressRequest::change(3, lo, 8).unwrap(),
                NLM_F_REPLACE,
                254,
            ),
            (
                AddressRequest::add(3, lo, 8).unwrap(),
                NLM_F_CREATE | NLM_F_EXCL,
                254,
            ),
            (
                AddressRequest::add(3, lo, 8).unwrap().scope(200),
                NLM_F_CREATE | NLM_F_EXCL,
                200,
            ),
            (AddressRequest::delete(3, lo, 8).unwrap(), 0, 0),
            (
                AddressRequest::add(3, "192.0.2.1".parse().unwrap(), 24).unwrap(),
                NLM_F_CREATE | NLM_F_EXCL,
                0,
            ),
            (
                AddressRequest::add(3, "::1".parse().unwrap(), 128).unwrap(),
                NLM_F_CREATE | NLM_F_EXCL,
                0,
            ),
        ];
        for (r, flags, scope) in cases {
            let b = encode(&r);
            let m = Messages::new(&b).next().unwrap().unwrap();
            let v = AddressMessage::from_message(&m).unwrap();
            assert_eq!(
                (m.flags() & 0x0f00, v.header.scope),
                (flags, scope),
                "{r:?}"
            );
        }
    }

    #[test]
    fn v6_peer_and_layout() {
        let req = AddressRequest::replace(9, "2001:db8::1".parse().unwrap(), 128)
            .unwrap()
            .peer("2001:db8::2".parse().unwrap())
            .unwrap();
        let b = encode(&req);
        // nlmsghdr(16) + ifaddrmsg(8) + IFA_LOCAL(20) + IFA_ADDRESS(20)
        assert_eq!(b.len(), 64);
        assert_eq!(&b[16..24], &[10, 128, 0, 0, 9, 0, 0, 0]);
        assert_eq!(&b[24..28], &[20, 0, 2, 0]);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.flags() & NLM_F_REPLACE, NLM_F_REPLACE);
        let v = AddressMessage::parse(m.payload()).unwrap();
        assert_eq!(v.peer(), Some("2001:db8::2".parse().unwrap()));
    }

    #[test]
    fn bad_input_is_rejected() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            AddressRequest::add(1, v4, 33).unwrap_err(),
            InvalidInput::PrefixTooLong { len: 33, max: 32 }
        );
        assert!(AddressRequest::add(1, "2001:db8::1".parse().unwrap(), 129).is_err());
        assert!(AddressRequest::add(0, v4, 24).is_err());
        assert!(matches!(
            AddressRequest::add(1, v4, 24)
                .unwrap()
                .peer("2001:db8::1".parse().unwrap()),
            Err(InvalidInput::FamilyMismatch { .. })
        ));
        assert!(
            AddressRequest::add(1, v4, 24)
                .unwrap()
                .label("a-very-long-label")
                .is_err()
        );
        assert!(
            AddressRequest::add(1, v4, 24)
                .unwrap()
                .lifetimes(10, 20)
                .is_err()
        );
    }

    #[test]
    fn dump_filters() {
        let g = GetAddresses::new().family(AF_INET6).link(4);
        let b = encode(&g);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(&m.payload()[..8], &[10, 0, 0, 0, 4, 0, 0, 0]);
        let other = AddressRequest::add(5, "2001:db8::1".parse().unwrap(), 64).unwrap();
        let ob = encode(&other);
        let mut ob = ob.clone();
        ob[4..6].copy_from_slice(&RTM_NEWADDR.to_ne_bytes());
        let om = Messages::new(&ob).next().unwrap().unwrap();
        assert!(!g.accepts(&om));
        assert!(GetAddresses::new().family(AF_INET6).accepts(&om));
    }

    #[test]
    fn truncated_header_is_an_error() {
        assert!(AddressMessage::parse(&[2, 24, 0]).is_err());
    }
}
