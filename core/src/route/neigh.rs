//! Neighbour messages (`RTM_*NEIGH`, `struct ndmsg` + `NDA_*`): the ARP
//! and NDP tables, and proxy entries.

use core::fmt;
use core::net::IpAddr;

use super::{RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, attr_ip, family_of, ip_addr};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{
    Attrs, DecodeError, Message, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer, need, read_u16,
    read_u32,
};

/// `NDA_DST`.
pub const NDA_DST: u16 = 1;
/// `NDA_LLADDR`.
pub const NDA_LLADDR: u16 = 2;
/// `NDA_PROBES`.
pub const NDA_PROBES: u16 = 4;
/// `NDA_IFINDEX`: the link filter of a dump request.
pub const NDA_IFINDEX: u16 = 8;
/// `NDA_CACHEINFO`.
pub const NDA_CACHEINFO: u16 = 3;
/// `NDA_FLAGS_EXT`.
pub const NDA_FLAGS_EXT: u16 = 15;
/// `NDA_MASTER`: as a dump filter, only entries of links under this one.
pub const NDA_MASTER: u16 = 9;
/// `NTF_EXT_LEARNED`.
pub const NTF_EXT_LEARNED: u8 = 0x10;
/// `NTF_OFFLOADED`.
pub const NTF_OFFLOADED: u8 = 0x20;
/// `NTF_EXT_MANAGED` (in `NDA_FLAGS_EXT`).
pub const NTF_EXT_MANAGED: u32 = 0x01;
/// `NDA_PROTOCOL`.
pub const NDA_PROTOCOL: u16 = 12;

/// `NUD_INCOMPLETE`.
pub const NUD_INCOMPLETE: u16 = 0x01;
/// `NUD_REACHABLE`.
pub const NUD_REACHABLE: u16 = 0x02;
/// `NUD_STALE`.
pub const NUD_STALE: u16 = 0x04;
/// `NUD_DELAY`.
pub const NUD_DELAY: u16 = 0x08;
/// `NUD_PROBE`.
pub const NUD_PROBE: u16 = 0x10;
/// `NUD_FAILED`.
pub const NUD_FAILED: u16 = 0x20;
/// `NUD_NOARP`.
pub const NUD_NOARP: u16 = 0x40;
/// `NUD_PERMANENT`.
pub const NUD_PERMANENT: u16 = 0x80;

/// `NTF_PROXY`: a proxy ARP/NDP entry.
pub const NTF_PROXY: u8 = 0x08;
/// `NTF_ROUTER`: the neighbour is an IPv6 router.
pub const NTF_ROUTER: u8 = 0x80;

/// `struct ndmsg`, the fixed header of a neighbour message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct NdMsg {
    /// `AF_INET` or `AF_INET6`.
    pub family: u8,
    /// Interface index.
    pub index: u32,
    /// `NUD_*` state.
    pub state: u16,
    /// `NTF_*` flags.
    pub flags: u8,
    /// `RTN_*` type.
    pub kind: u8,
}

impl NdMsg {
    /// Encoded length.
    pub const LEN: usize = 12;

    /// Decodes the header from the start of a message payload.
    pub fn parse(b: &[u8]) -> Result<NdMsg, DecodeError> {
        need(b, Self::LEN, "ndmsg")?;
        Ok(NdMsg {
            family: b[0],
            index: read_u32(b, 4),
            state: read_u16(b, 8),
            flags: b[10],
            kind: b[11],
        })
    }

    /// Appends the encoded header.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let mut b = [0u8; Self::LEN];
        b[0] = self.family;
        b[4..8].copy_from_slice(&self.index.to_ne_bytes());
        b[8..10].copy_from_slice(&self.state.to_ne_bytes());
        b[10] = self.flags;
        b[11] = self.kind;
        w.put(&b);
    }
}

/// A zero-copy view of a neighbour message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NeighbourMessage<'a> {
    /// The `ndmsg` header.
    pub header: NdMsg,
    /// `NDA_DST`: the neighbour's address.
    pub dst: Option<IpAddr>,
    /// `NDA_LLADDR`: its link-layer address.
    pub lladdr: Option<&'a [u8]>,
    /// `NDA_PROBES`.
    pub probes: Option<u32>,
    /// `NDA_PROTOCOL`: who added the entry.
    pub protocol: Option<u8>,
    /// `NDA_CACHEINFO`.
    pub cacheinfo: Option<NeighCacheInfo>,
    /// `NDA_FLAGS_EXT`: the `NTF_EXT_*` flags.
    pub flags_ext: Option<u32>,
    attrs: &'a [u8],
}

/// `struct nda_cacheinfo`: ages in USER_HZ ticks, and the reference count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NeighCacheInfo {
    /// Since last confirmed reachable.
    pub confirmed: u32,
    /// Since last used.
    pub used: u32,
    /// Since last updated.
    pub updated: u32,
    /// References.
    pub refcnt: u32,
}

impl NeighCacheInfo {
    pub(crate) fn parse(a: &crate::wire::Attr<'_>) -> Result<Self, DecodeError> {
        let b = a.payload();
        if b.len() < 16 {
            return Err(DecodeError::AttrSize {
                what: "nda_cacheinfo",
                kind: a.kind(),
                len: b.len(),
                expected: 16,
            });
        }
        let w = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(NeighCacheInfo {
            confirmed: w(0),
            used: w(4),
            updated: w(8),
            refcnt: w(12),
        })
    }
}

impl<'a> NeighbourMessage<'a> {
    /// Decodes a neighbour message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<NeighbourMessage<'a>, DecodeError> {
        let header = NdMsg::parse(payload)?;
        let attrs = &payload[NdMsg::LEN..];
        let mut m = NeighbourMessage {
            header,
            dst: None,
            lladdr: None,
            probes: None,
            protocol: None,
            cacheinfo: None,
            flags_ext: None,
            attrs,
        };
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                NDA_DST => m.dst = ip_addr(header.family, &a)?,
                NDA_LLADDR => m.lladdr = Some(a.payload()),
                NDA_PROBES => m.probes = Some(a.u32()?),
                NDA_PROTOCOL => m.protocol = Some(a.u8()?),
                NDA_CACHEINFO => m.cacheinfo = Some(NeighCacheInfo::parse(&a)?),
                NDA_FLAGS_EXT => m.flags_ext = Some(a.u32()?),
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWNEIGH` (or `RTM_DELNEIGH`).
    pub fn from_message(msg: &Message<'a>) -> Result<NeighbourMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWNEIGH | RTM_DELNEIGH => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "neighbour message",
                kind: k,
            }),
        }
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Dump the neighbour tables, optionally of one family and link; proxy
/// entries with [`GetNeighbours::proxies`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GetNeighbours {
    family: u8,
    index: u32,
    proxy: bool,
    master: Option<u32>,
}

impl GetNeighbours {
    /// Every neighbour entry of every family.
    pub fn new() -> Self {
        GetNeighbours::default()
    }

    /// Only `AF_INET` or `AF_INET6` entries.
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }

    /// Only entries of link `index`.
    pub fn link(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// The proxy entries instead of the neighbours.
    pub fn proxies(mut self) -> Self {
        self.proxy = true;
        self
    }

    /// Only entries of links enslaved to `master` (sent as `NDA_MASTER`;
    /// the kernel does this filtering, and marks its answer
    /// `NLM_F_DUMP_FILTERED`). `u32::MAX` asks for links with no master.
    pub fn master(mut self, master: u32) -> Self {
        self.master = Some(master);
        self
    }

    /// Whether an entry passes the filter.
    pub fn matches(&self, n: &NeighbourMessage<'_>) -> bool {
        (self.family == 0 || n.header.family == self.family)
            && (self.index == 0 || n.header.index == self.index)
            && ((n.header.flags & NTF_PROXY != 0) == self.proxy)
    }
}

impl Request for GetNeighbours {
    fn message_type(&self) -> u16 {
        RTM_GETNEIGH
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        // The link filter goes in NDA_IFINDEX: a strict-checking kernel
        // rejects a dump request with ndm_ifindex set ("Invalid values in
        // header for neighbor dump request"), and every kernel reads the
        // attribute.
        NdMsg {
            family: self.family,
            flags: if self.proxy { NTF_PROXY } else { 0 },
            ..Default::default()
        }
        .emit(w);
        if self.index != 0 {
            w.attr_u32(NDA_IFINDEX, self.index);
        }
        if let Some(m) = self.master {
            w.attr_u32(NDA_MASTER, m);
        }
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        // Family, index and flags are in the fixed header.
        if !matches!(msg.kind(), RTM_NEWNEIGH | RTM_DELNEIGH) {
            return true;
        }
        NdMsg::parse(msg.payload()).map_or(true, |h| {
            (self.family == 0 || h.family == self.family)
                && (self.index == 0 || h.index == self.index)
                && ((h.flags & NTF_PROXY != 0) == self.proxy)
        })
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.proxy {
            "dump proxy neighbours"
        } else {
            "dump neighbours"
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NeighOp {
    Add,
    Replace,
    Change,
    Delete,
}

/// Add, replace or delete a neighbour (or proxy) entry.
#[derive(Debug, Clone, Copy)]
pub struct NeighbourRequest<'a> {
    op: NeighOp,
    index: u32,
    dst: IpAddr,
    lladdr: Option<&'a [u8]>,
    state: u16,
    flags: u8,
    protocol: Option<u8>,
}

impl<'a> NeighbourRequest<'a> {
    fn new(op: NeighOp, index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        if index == 0 {
            return Err(InvalidInput::ZeroIndex);
        }
        Ok(NeighbourRequest {
            op,
            index,
            dst,
            lladdr: None,
            state: NUD_PERMANENT,
            flags: 0,
            protocol: None,
        })
    }

    /// Add `dst` on link `index` (`EEXIST` if there is an entry).
    pub fn add(index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        Self::new(NeighOp::Add, index, dst)
    }

    /// Add or replace the entry for `dst`.
    pub fn replace(index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        Self::new(NeighOp::Replace, index, dst)
    }

    /// Change the entry for `dst`, which must be there (`ip neigh
    /// change`: nothing is created).
    pub fn change(index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        Self::new(NeighOp::Change, index, dst)
    }

    /// Delete the entry for `dst`.
    pub fn delete(index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        Self::new(NeighOp::Delete, index, dst)
    }

    /// Link-layer address (at most 32 bytes).
    pub fn lladdr(mut self, addr: &'a [u8]) -> Result<Self, InvalidInput> {
        if addr.len() > 32 {
            return Err(InvalidInput::HwAddrTooLong { len: addr.len() });
        }
        self.lladdr = Some(addr);
        Ok(self)
    }

    /// `NUD_*` state (default permanent).
    pub fn state(mut self, state: u16) -> Self {
        self.state = state;
        self
    }

    /// A proxy entry (`ip neigh add proxy ADDR dev DEV`).
    pub fn proxy(mut self) -> Self {
        self.flags |= NTF_PROXY;
        self
    }

    /// Mark the neighbour as a router (IPv6).
    pub fn router(mut self) -> Self {
        self.flags |= NTF_ROUTER;
        self
    }

    /// Who adds the entry (`NDA_PROTOCOL`, `RTPROT_*`).
    pub fn protocol(mut self, p: u8) -> Self {
        self.protocol = Some(p);
        self
    }
}

impl Request for NeighbourRequest<'_> {
    fn message_type(&self) -> u16 {
        match self.op {
            NeighOp::Delete => RTM_DELNEIGH,
            _ => RTM_NEWNEIGH,
        }
    }
    fn flags(&self) -> u16 {
        match self.op {
            NeighOp::Add => NLM_F_CREATE | NLM_F_EXCL,
            NeighOp::Replace => NLM_F_CREATE | NLM_F_REPLACE,
            NeighOp::Change => NLM_F_REPLACE,
            NeighOp::Delete => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: family_of(&self.dst),
            index: self.index,
            state: if self.op == NeighOp::Delete {
                0
            } else {
                self.state
            },
            flags: self.flags,
            kind: 0,
        }
        .emit(w);
        attr_ip(w, NDA_DST, &self.dst);
        if let Some(l) = self.lladdr {
            w.attr(NDA_LLADDR, l);
        }
        if let Some(p) = self.protocol {
            w.attr_u8(NDA_PROTOCOL, p);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            NeighOp::Add => "add",
            NeighOp::Replace => "replace",
            NeighOp::Change => "change",
            NeighOp::Delete => "delete",
        };
        let what = if self.flags & NTF_PROXY != 0 {
            "proxy neighbour"
        } else {
            "neighbour"
        };
        write!(f, "{verb} {what} {} on link index {}", self.dst, self.index)
    }
}

/// `NUD_*` names as `ip` prints them (`REACHABLE`, `PERMANENT`, …).
pub fn nud_names(state: u16) -> impl Iterator<Item = &'static str> {
    [
        (NUD_INCOMPLETE, "INCOMPLETE"),
        (NUD_REACHABLE, "REACHABLE"),
        (NUD_STALE, "STALE"),
        (NUD_DELAY, "DELAY"),
        (NUD_PROBE, "PROBE"),
        (NUD_FAILED, "FAILED"),
        (NUD_NOARP, "NOARP"),
        (NUD_PERMANENT, "PERMANENT"),
    ]
    .into_iter()
    .filter(move |(b, _)| state & b != 0)
    .map(|(_, n)| n)
}

/// Parses an `ip` state name (`permanent`, `reachable`, `noarp`, `stale`,
/// …) into a `NUD_*` value.
pub fn parse_nud(s: &str) -> Option<u16> {
    const NAMES: &[(&str, u16)] = &[
        ("permanent", NUD_PERMANENT),
        ("reachable", NUD_REACHABLE),
        ("stale", NUD_STALE),
        ("delay", NUD_DELAY),
        ("probe", NUD_PROBE),
        ("failed", NUD_FAILED),
        ("noarp", NUD_NOARP),
        ("incomplete", NUD_INCOMPLETE),
        ("none", 0),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|&(_, v)| v)
}

/// Ask for one entry (`ip neigh get ADDR dev DEV [proxy]`): one
/// `RTM_NEWNEIGH` comes back, or `ENOENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetNeighbour {
    index: u32,
    dst: IpAddr,
    proxy: bool,
}

impl GetNeighbour {
    /// The entry for `dst` on link `index`.
    pub fn new(index: u32, dst: IpAddr) -> Result<Self, InvalidInput> {
        if index == 0 {
            return Err(InvalidInput::ZeroIndex);
        }
        Ok(GetNeighbour {
            index,
            dst,
            proxy: false,
        })
    }

    /// The proxy entry instead.
    pub fn proxy(mut self) -> Self {
        self.proxy = true;
        self
    }
}

impl Request for GetNeighbour {
    fn message_type(&self) -> u16 {
        RTM_GETNEIGH
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: family_of(&self.dst),
            index: self.index,
            flags: if self.proxy { NTF_PROXY } else { 0 },
            ..Default::default()
        }
        .emit(w);
        attr_ip(w, NDA_DST, &self.dst);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get neighbour {} on link index {}", self.dst, self.index)
    }
}

crate::request::query!(NeighbourMessage => Neighbour: GetNeighbours, GetNeighbour);

#[cfg(feature = "alloc")]
pub use owned::Neighbour;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;
    use crate::route::HwAddr;

    /// An owned neighbour entry.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Neighbour {
        /// `AF_INET` or `AF_INET6`.
        pub family: u8,
        /// Interface index.
        pub index: u32,
        /// `NUD_*` state.
        pub state: u16,
        /// `NTF_*` flags.
        pub flags: u8,
        /// The neighbour's address.
        pub dst: Option<IpAddr>,
        /// Its link-layer address.
        pub lladdr: Option<HwAddr>,
        /// `NDA_PROBES`.
        pub probes: Option<u32>,
        /// Who added the entry (`NDA_PROTOCOL`).
        pub protocol: Option<u8>,
        /// Ages and references (`NDA_CACHEINFO`).
        pub cacheinfo: Option<NeighCacheInfo>,
        /// `NTF_EXT_*` flags.
        pub flags_ext: Option<u32>,
    }

    impl Neighbour {
        /// Whether this is a proxy entry.
        pub fn is_proxy(&self) -> bool {
            self.flags & NTF_PROXY != 0
        }
    }

    impl FromMessage for Neighbour {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = NeighbourMessage::from_message(msg)?;
            Ok(Neighbour {
                family: v.header.family,
                index: v.header.index,
                state: v.header.state,
                flags: v.header.flags,
                dst: v.dst,
                lladdr: v.lladdr.and_then(HwAddr::new),
                probes: v.probes,
                protocol: v.protocol,
                cacheinfo: v.cacheinfo,
                flags_ext: v.flags_ext,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    /// `change` creates nothing (`NLM_F_REPLACE` alone, as `ip neigh
    /// change` sends it).
    #[test]
    fn change_creates_nothing() {
        use crate::request::Request as _;
        let dst = "192.0.2.7".parse().unwrap();
        assert_eq!(
            NeighbourRequest::change(2, dst).unwrap().flags(),
            NLM_F_REPLACE
        );
        assert_eq!(
            NeighbourRequest::replace(2, dst).unwrap().flags(),
            NLM_F_CREATE | NLM_F_REPLACE
        );
    }

    #[test]
    fn neighbour_layout_and_round_trip() {
        let mac = [2, 0, 0, 0, 0, 9];
        let r = NeighbourRequest::replace(4, "192.0.2.9".parse().unwrap())
            .unwrap()
            .lladdr(&mac)
            .unwrap()
            .state(NUD_REACHABLE);
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(
            &m.payload()[..12],
            &[2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0],
            "ndmsg"
        );
        let v = NeighbourMessage::from_message(&m).unwrap();
        assert_eq!(v.dst, Some("192.0.2.9".parse().unwrap()));
        assert_eq!(v.lladdr, Some(&mac[..]));
        assert_eq!(v.header.state, NUD_REACHABLE);
        assert!(NeighbourRequest::add(0, "192.0.2.9".parse().unwrap()).is_err());
        assert_eq!(parse_nud("PERMANENT"), Some(NUD_PERMANENT));
        assert_eq!(
            nud_names(NUD_STALE).collect::<std::vec::Vec<_>>(),
            ["STALE"]
        );
    }

    #[test]
    fn proxy_filter() {
        let g = GetNeighbours::new().proxies();
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        NdMsg {
            family: crate::route::AF_INET6,
            flags: NTF_PROXY,
            ..Default::default()
        }
        .emit(&mut w);
        let n = w.finish().unwrap();
        let v = NeighbourMessage::parse(&buf[..n]).unwrap();
        assert!(g.matches(&v));
        assert!(!GetNeighbours::new().matches(&v));
    }

    #[test]
    fn link_filter_is_an_attribute_not_a_header_field() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        GetNeighbours::new().link(7).emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = crate::wire::Messages::new(&buf[..n])
            .next()
            .unwrap()
            .unwrap();
        let p = m.payload();
        // ndm_ifindex stays 0 (a strict kernel rejects it in a dump).
        assert_eq!(NdMsg::parse(p).unwrap().index, 0);
        let a = crate::wire::Attrs::new(&p[NdMsg::LEN..])
            .find(NDA_IFINDEX)
            .unwrap()
            .unwrap();
        assert_eq!(a.u32().unwrap(), 7);
    }
}
