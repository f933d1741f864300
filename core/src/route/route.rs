//! Route messages (`RTM_*ROUTE`, `struct rtmsg` + `RTA_*`).

use core::fmt;
use core::net::IpAddr;

use super::nexthop::{Metrics, NextHops, via};
use super::{AF_INET, AF_INET6, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE, ip_addr};
use crate::request::Request;
use crate::wire::{Attr, Attrs, DecodeError, Message, Writer, need, read_u32};

/// `RTA_DST`.
pub const RTA_DST: u16 = 1;
/// `RTA_SRC`.
pub const RTA_SRC: u16 = 2;
/// `RTA_IIF`.
pub const RTA_IIF: u16 = 3;
/// `RTA_OIF`.
pub const RTA_OIF: u16 = 4;
pub use super::nexthop::{RTA_GATEWAY, RTA_VIA};
/// `RTA_PRIORITY` (the metric).
pub const RTA_PRIORITY: u16 = 6;
/// `RTA_PREFSRC`.
pub const RTA_PREFSRC: u16 = 7;
/// `RTA_METRICS`.
pub const RTA_METRICS: u16 = 8;
/// `RTA_MULTIPATH`.
pub const RTA_MULTIPATH: u16 = 9;
/// `RTA_CACHEINFO`.
pub const RTA_CACHEINFO: u16 = 12;
/// `RTA_TABLE`: the full 32-bit table id.
pub const RTA_TABLE: u16 = 15;
/// `RTA_MARK`.
pub const RTA_MARK: u16 = 16;
/// `RTA_PREF` (IPv6 router preference).
pub const RTA_PREF: u16 = 20;
/// `RTA_UID` (the uid a route lookup was made for).
pub const RTA_UID: u16 = 25;

/// `RT_TABLE_UNSPEC`.
pub const RT_TABLE_UNSPEC: u32 = 0;
/// `RT_TABLE_DEFAULT`.
pub const RT_TABLE_DEFAULT: u32 = 253;
/// `RT_TABLE_MAIN`.
pub const RT_TABLE_MAIN: u32 = 254;
/// `RT_TABLE_LOCAL`.
pub const RT_TABLE_LOCAL: u32 = 255;

/// `RTN_UNICAST`.
pub const RTN_UNICAST: u8 = 1;
/// `RT_SCOPE_UNIVERSE`.
pub const RT_SCOPE_UNIVERSE: u8 = 0;
/// `RT_SCOPE_LINK`.
pub const RT_SCOPE_LINK: u8 = 253;
/// `RT_SCOPE_HOST`.
pub const RT_SCOPE_HOST: u8 = 254;

/// `struct rtmsg`, the fixed header of a route message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RtMsg {
    /// `rtm_family`: `AF_INET` or `AF_INET6`.
    pub family: u8,
    /// `rtm_dst_len`: destination prefix length.
    pub dst_len: u8,
    /// `rtm_src_len`: source prefix length.
    pub src_len: u8,
    /// `rtm_tos`.
    pub tos: u8,
    /// `rtm_table`: table id, or `RT_TABLE_UNSPEC` with `RTA_TABLE` carrying it.
    pub table: u8,
    /// `rtm_protocol`: `RTPROT_*` (who installed the route).
    pub protocol: u8,
    /// `rtm_scope`: `RT_SCOPE_*`.
    pub scope: u8,
    /// `rtm_type`: `RTN_*`.
    pub kind: u8,
    /// `rtm_flags`: `RTM_F_*` / `RTNH_F_*`.
    pub flags: u32,
}

impl RtMsg {
    /// Encoded length.
    pub const LEN: usize = 12;

    /// Decodes the header from the start of a message payload.
    #[inline]
    pub fn parse(b: &[u8]) -> Result<RtMsg, DecodeError> {
        need(b, Self::LEN, "rtmsg")?;
        Ok(RtMsg {
            family: b[0],
            dst_len: b[1],
            src_len: b[2],
            tos: b[3],
            table: b[4],
            protocol: b[5],
            scope: b[6],
            kind: b[7],
            flags: read_u32(b, 8),
        })
    }

    /// Appends the encoded header.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let mut b = [0u8; Self::LEN];
        b[..8].copy_from_slice(&[
            self.family,
            self.dst_len,
            self.src_len,
            self.tos,
            self.table,
            self.protocol,
            self.scope,
            self.kind,
        ]);
        b[8..].copy_from_slice(&self.flags.to_ne_bytes());
        w.put(&b);
    }
}

/// One decoded route attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteAttr<'a> {
    /// `RTA_DST`.
    Dst(IpAddr),
    /// `RTA_SRC`.
    Src(IpAddr),
    /// `RTA_GATEWAY`.
    Gateway(IpAddr),
    /// `RTA_PREFSRC`.
    PrefSrc(IpAddr),
    /// `RTA_OIF`.
    Oif(u32),
    /// `RTA_IIF`.
    Iif(u32),
    /// `RTA_PRIORITY`.
    Priority(u32),
    /// `RTA_TABLE`.
    Table(u32),
    /// `RTA_MARK`.
    Mark(u32),
    /// `RTA_PREF`.
    Pref(u8),
    /// `RTA_VIA`: a gateway that may be of the other family.
    Via(IpAddr),
    /// `RTA_UID`.
    Uid(u32),
    /// `RTA_MULTIPATH`: the next hops of a multipath route.
    Multipath(NextHops<'a>),
    /// `RTA_METRICS`: `RTAX_*` metrics.
    Metrics(Metrics<'a>),
    /// Any other attribute (or an address of a family other than IPv4/IPv6),
    /// kept whole.
    Other(Attr<'a>),
}

impl<'a> RouteAttr<'a> {
    /// Decodes one raw attribute of a route of `family`.
    pub fn parse(family: u8, a: Attr<'a>) -> Result<RouteAttr<'a>, DecodeError> {
        let addr = |a: &Attr<'a>| ip_addr(family, a);
        Ok(match a.kind() {
            RTA_DST => addr(&a)?.map_or(RouteAttr::Other(a), RouteAttr::Dst),
            RTA_SRC => addr(&a)?.map_or(RouteAttr::Other(a), RouteAttr::Src),
            RTA_GATEWAY => addr(&a)?.map_or(RouteAttr::Other(a), RouteAttr::Gateway),
            RTA_PREFSRC => addr(&a)?.map_or(RouteAttr::Other(a), RouteAttr::PrefSrc),
            RTA_OIF => RouteAttr::Oif(a.u32()?),
            RTA_IIF => RouteAttr::Iif(a.u32()?),
            RTA_PRIORITY => RouteAttr::Priority(a.u32()?),
            RTA_TABLE => RouteAttr::Table(a.u32()?),
            RTA_MARK => RouteAttr::Mark(a.u32()?),
            RTA_PREF => RouteAttr::Pref(a.u8()?),
            RTA_UID => RouteAttr::Uid(a.u32()?),
            RTA_VIA => via(&a)?.map_or(RouteAttr::Other(a), RouteAttr::Via),
            RTA_MULTIPATH => RouteAttr::Multipath(NextHops::new(family, a.payload())),
            RTA_METRICS => RouteAttr::Metrics(Metrics::new(a.payload())),
            _ => RouteAttr::Other(a),
        })
    }
}

/// A zero-copy view of a route message (`RTM_NEWROUTE`), with the common
/// attributes decoded in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteMessage<'a> {
    /// The `rtmsg` header.
    pub header: RtMsg,
    /// Table id: `RTA_TABLE` when present, else `rtm_table`.
    pub table: u32,
    /// `RTA_DST` (absent for a default route).
    pub dst: Option<IpAddr>,
    /// `RTA_SRC`.
    pub src: Option<IpAddr>,
    /// `RTA_GATEWAY`, or `RTA_VIA` (which may be of the other family).
    pub gateway: Option<IpAddr>,
    /// `RTA_PREFSRC`.
    pub prefsrc: Option<IpAddr>,
    /// `RTA_OIF`.
    pub oif: Option<u32>,
    /// `RTA_IIF`.
    pub iif: Option<u32>,
    /// `RTA_PRIORITY` (metric).
    pub priority: Option<u32>,
    /// `RTA_MARK`.
    pub mark: Option<u32>,
    /// `RTA_PREF`.
    pub pref: Option<u8>,
    /// `RTA_UID` (in replies to route lookups).
    pub uid: Option<u32>,
    multipath: &'a [u8],
    metrics: &'a [u8],
    attrs: &'a [u8],
    has_other: bool,
}

impl<'a> RouteMessage<'a> {
    /// Decodes a route message payload (after the netlink header).
    // Always inlined, as is `from_message`: returned from a call, the
    // 176-byte value is copied (a `memcpy` call) into the caller's slot.
    #[inline(always)]
    pub fn parse(payload: &'a [u8]) -> Result<RouteMessage<'a>, DecodeError> {
        let header = RtMsg::parse(payload)?;
        // Built field by field around the runtime header (a constant
        // initial value was copied in with a `memcpy` call), then the
        // attributes are decoded in place, so the value is written once.
        let mut m = RouteMessage {
            header,
            table: header.table as u32,
            dst: None,
            src: None,
            gateway: None,
            prefsrc: None,
            oif: None,
            iif: None,
            priority: None,
            mark: None,
            pref: None,
            uid: None,
            multipath: &[],
            metrics: &[],
            attrs: &payload[RtMsg::LEN..],
            has_other: false,
        };
        m.fill()?;
        Ok(m)
    }

    /// Decodes the attributes of `self.attrs` into the fields, which
    /// start empty.
    fn fill(&mut self) -> Result<(), DecodeError> {
        let m = self;
        // One match on the attribute type, straight into the fields: the
        // same decoding as [`RouteAttr::parse`] without the intermediate
        // enum (this loop is the hot path of every route dump).
        let family = m.header.family;
        // A local, stored once at the end: reading the field back inside
        // the loop stalled on the stores that had just initialised it.
        let mut has_other = false;
        // An address attribute that did not decode to an address (an
        // unexpected length) counts as an other attribute.
        let other = |v: Option<IpAddr>, has_other: &mut bool| -> Option<IpAddr> {
            *has_other |= v.is_none();
            v
        };
        for a in Attrs::new(m.attrs) {
            let a = a?;
            match a.kind() {
                RTA_DST => m.dst = other(ip_addr(family, &a)?, &mut has_other),
                RTA_SRC => m.src = other(ip_addr(family, &a)?, &mut has_other),
                RTA_GATEWAY => {
                    if let Some(v) = other(ip_addr(family, &a)?, &mut has_other) {
                        m.gateway = Some(v);
                    }
                }
                RTA_PREFSRC => m.prefsrc = other(ip_addr(family, &a)?, &mut has_other),
                RTA_OIF => m.oif = Some(a.u32()?),
                RTA_IIF => m.iif = Some(a.u32()?),
                RTA_PRIORITY => m.priority = Some(a.u32()?),
                RTA_TABLE => m.table = a.u32()?,
                RTA_MARK => m.mark = Some(a.u32()?),
                RTA_PREF => m.pref = Some(a.u8()?),
                RTA_UID => m.uid = Some(a.u32()?),
                RTA_VIA => {
                    if let Some(v) = other(via(&a)?, &mut has_other) {
                        m.gateway = Some(v);
                    }
                }
                RTA_MULTIPATH => m.multipath = a.payload(),
                RTA_METRICS => m.metrics = a.payload(),
                _ => has_other = true,
            }
        }
        m.has_other = has_other;
        Ok(())
    }

    /// Decodes a received `RTM_NEWROUTE` (or `RTM_DELROUTE`) message.
    #[inline(always)]
    pub fn from_message(msg: &Message<'a>) -> Result<RouteMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWROUTE | RTM_DELROUTE => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "route message",
                kind: k,
            }),
        }
    }

    /// All attributes, decoded, unknown ones as [`RouteAttr::Other`].
    pub fn attrs(&self) -> impl Iterator<Item = Result<RouteAttr<'a>, DecodeError>> + 'a {
        let family = self.header.family;
        Attrs::new(self.attrs).map(move |a| a.and_then(|a| RouteAttr::parse(family, a)))
    }

    /// The next hops of a multipath route (`RTA_MULTIPATH`); empty for a
    /// single-path route. Decoded lazily: a malformed entry is an `Err`.
    pub fn next_hops(&self) -> NextHops<'a> {
        NextHops::new(self.header.family, self.multipath)
    }

    /// The route's metrics (`RTA_METRICS`: mtu, advmss, …); empty when it
    /// has none. Decoded lazily: a malformed entry is an `Err`.
    pub fn metrics(&self) -> Metrics<'a> {
        Metrics::new(self.metrics)
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }

    /// Whether any attribute was not decoded into a field above.
    pub fn has_other_attrs(&self) -> bool {
        self.has_other
    }
}

/// Dump routes (`RTM_GETROUTE` with `NLM_F_DUMP`) of one family, optionally
/// of one table.
///
/// The table is sent as `RTA_TABLE`; the kernel honours it on a socket with
/// `NETLINK_GET_STRICT_CHK` (the runtimes' default), and the request's
/// [`Request::accepts`] (built on [`GetRoutes::matches`]) drops what a
/// non-strict socket sends anyway.
#[derive(Debug, Clone, Copy)]
pub struct GetRoutes {
    family: u8,
    table: Option<u32>,
    oif: Option<u32>,
    protocol: u8,
    cloned: bool,
}

impl GetRoutes {
    /// All IPv4 routes of every table.
    pub fn ipv4() -> Self {
        GetRoutes {
            family: AF_INET,
            table: None,
            oif: None,
            protocol: 0,
            cloned: false,
        }
    }

    /// All IPv6 routes of every table.
    pub fn ipv6() -> Self {
        GetRoutes {
            family: AF_INET6,
            table: None,
            oif: None,
            protocol: 0,
            cloned: false,
        }
    }

    /// Routes of any family (`AF_UNSPEC`).
    pub fn all_families() -> Self {
        GetRoutes {
            family: 0,
            table: None,
            oif: None,
            protocol: 0,
            cloned: false,
        }
    }

    /// Only routes of table `id`.
    pub fn table(mut self, id: u32) -> Self {
        self.table = Some(id);
        self
    }

    /// Only routes out of link `index` (sent as `RTA_OIF`; the kernel keeps
    /// a route whose next hop, or any of whose next hops, uses the link).
    pub fn oif(mut self, index: u32) -> Self {
        self.oif = Some(index);
        self
    }

    /// Only routes of protocol `p` (`RTPROT_*`, sent in `rtm_protocol`).
    pub fn protocol(mut self, p: u8) -> Self {
        self.protocol = p;
        self
    }

    /// The route cache (cloned routes, `RTM_F_CLONED`) instead of the FIB.
    pub fn cloned(mut self) -> Self {
        self.cloned = true;
        self
    }

    /// The requested family.
    pub fn family(&self) -> u8 {
        self.family
    }

    /// The requested table, if any.
    pub fn table_filter(&self) -> Option<u32> {
        self.table
    }

    /// Whether a route passes this request's filter (for kernels or
    /// sockets that ignore dump filters).
    pub fn matches(&self, r: &RouteMessage<'_>) -> bool {
        (self.family == 0 || r.header.family == self.family)
            && self.table.is_none_or(|t| r.table == t)
            && (self.protocol == 0 || r.header.protocol == self.protocol)
            && self
                .oif
                .is_none_or(|o| r.oif == Some(o) || r.next_hops().flatten().any(|h| h.oif == o))
    }
}

impl Request for GetRoutes {
    fn message_type(&self) -> u16 {
        RTM_GETROUTE
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        let table = self.table.unwrap_or(0);
        RtMsg {
            family: self.family,
            table: if table < 256 { table as u8 } else { 0 },
            protocol: self.protocol,
            flags: if self.cloned {
                super::route_req::RTM_F_CLONED
            } else {
                0
            },
            ..Default::default()
        }
        .emit(w);
        if let Some(t) = self.table {
            w.attr_u32(RTA_TABLE, t);
        }
        if let Some(o) = self.oif {
            w.attr_u32(RTA_OIF, o);
        }
    }
    #[inline]
    fn accepts(&self, msg: &Message<'_>) -> bool {
        // The family is in the fixed header; only a table filter needs the
        // attributes (a route's table may be in RTA_TABLE). Anything that
        // does not parse is let through for the decoder to report.
        if !matches!(msg.kind(), RTM_NEWROUTE | RTM_DELROUTE) {
            return true;
        }
        let Ok(h) = RtMsg::parse(msg.payload()) else {
            return true;
        };
        if self.family != 0 && h.family != self.family {
            return false;
        }
        let attrs_needed = self.table.is_some() || self.oif.is_some();
        (self.protocol == 0 || h.protocol == self.protocol)
            && (!attrs_needed || RouteMessage::from_message(msg).map_or(true, |r| self.matches(&r)))
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fam = match self.family {
            AF_INET => "IPv4 ",
            AF_INET6 => "IPv6 ",
            _ => "",
        };
        write!(f, "dump {fam}routes")?;
        if let Some(t) = self.table {
            write!(f, " of table {t}")?;
        }
        Ok(())
    }
}

crate::request::query!(RouteMessage => Route: GetRoutes, super::RouteLookup);

#[cfg(feature = "alloc")]
pub use owned::Route;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;
    use crate::route::RawAttrs;
    use crate::route::nexthop::{NextHopInfo, RouteMetric};
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    /// An owned route, built from a [`RouteMessage`].
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Route {
        /// `AF_INET` or `AF_INET6`.
        pub family: u8,
        /// Destination prefix length.
        pub dst_len: u8,
        /// Source prefix length.
        pub src_len: u8,
        /// TOS.
        pub tos: u8,
        /// Table id (32-bit).
        pub table: u32,
        /// `RTPROT_*`.
        pub protocol: u8,
        /// `RT_SCOPE_*`.
        pub scope: u8,
        /// `RTN_*`.
        pub kind: u8,
        /// `RTM_F_*` / `RTNH_F_*` flags.
        pub flags: u32,
        /// Destination (absent for default routes).
        pub dst: Option<IpAddr>,
        /// Source prefix.
        pub src: Option<IpAddr>,
        /// Gateway.
        pub gateway: Option<IpAddr>,
        /// Preferred source address.
        pub prefsrc: Option<IpAddr>,
        /// Output interface index.
        pub oif: Option<u32>,
        /// Input interface index.
        pub iif: Option<u32>,
        /// Metric.
        pub priority: Option<u32>,
        /// Firewall mark.
        pub mark: Option<u32>,
        /// IPv6 router preference.
        pub pref: Option<u8>,
        /// The uid a route lookup was made for.
        pub uid: Option<u32>,
        /// Next hops of a multipath route (empty for a single path).
        pub next_hops: Vec<NextHopInfo>,
        /// Numeric metrics (`RTAX_*`, kernel units), in kernel order.
        pub metrics: Vec<(u16, u32)>,
        /// `RTAX_CC_ALGO`: the congestion-control algorithm, if set.
        pub congestion_control: Option<String>,
        /// Attributes not decoded above, kept verbatim.
        pub other: RawAttrs,
    }

    impl<'a> TryFrom<&RouteMessage<'a>> for Route {
        type Error = DecodeError;

        fn try_from(v: &RouteMessage<'a>) -> Result<Route, DecodeError> {
            let mut other = RawAttrs::default();
            if v.has_other_attrs() {
                for a in v.attrs() {
                    if let RouteAttr::Other(a) = a? {
                        other.push(&a)
                    }
                }
            }
            let next_hops = v.next_hops().collect::<Result<Vec<_>, _>>()?;
            let mut metrics = Vec::new();
            let mut congestion_control = None;
            for m in v.metrics() {
                match m? {
                    RouteMetric::Value(k, x) => metrics.push((k, x)),
                    RouteMetric::CongestionControl(c) => congestion_control = Some(c.to_string()),
                }
            }
            let h = v.header;
            Ok(Route {
                family: h.family,
                dst_len: h.dst_len,
                src_len: h.src_len,
                tos: h.tos,
                table: v.table,
                protocol: h.protocol,
                scope: h.scope,
                kind: h.kind,
                flags: h.flags,
                dst: v.dst,
                src: v.src,
                gateway: v.gateway,
                prefsrc: v.prefsrc,
                oif: v.oif,
                iif: v.iif,
                priority: v.priority,
                mark: v.mark,
                pref: v.pref,
                uid: v.uid,
                next_hops,
                metrics,
                congestion_control,
                other,
            })
        }
    }

    impl FromMessage for Route {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            Route::try_from(&RouteMessage::from_message(msg)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn v4_route(buf: &mut [u8], table: u32) -> usize {
        let mut w = Writer::new(buf);
        let m = w.begin_message(RTM_NEWROUTE, 2, 3, 0);
        RtMsg {
            family: AF_INET,
            dst_len: 24,
            table: if table < 256 { table as u8 } else { 252 },
            protocol: 4,
            scope: 0,
            kind: RTN_UNICAST,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_u32(RTA_TABLE, table);
        w.attr(RTA_DST, &[192, 0, 2, 0]);
        w.attr_u32(RTA_PRIORITY, 100);
        w.attr(RTA_GATEWAY, &[198, 51, 100, 1]);
        w.attr_u32(RTA_OIF, 2);
        w.attr(RTA_CACHEINFO, &[0u8; 32]);
        w.end_message(m);
        w.finish().unwrap()
    }

    #[test]
    fn view_decodes_v4_route_with_large_table() {
        let mut buf = [0u8; 256];
        let n = v4_route(&mut buf, 1000);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let r = RouteMessage::from_message(&msg).unwrap();
        assert_eq!(r.table, 1000);
        assert_eq!(r.dst, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0))));
        assert_eq!(r.header.dst_len, 24);
        assert_eq!(r.gateway, Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1))));
        assert_eq!((r.oif, r.priority), (Some(2), Some(100)));
        assert!(GetRoutes::ipv4().table(1000).matches(&r));
        assert!(!GetRoutes::ipv4().table(254).matches(&r));
        assert!(!GetRoutes::ipv6().matches(&r));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn owned_route_keeps_unknown_attributes() {
        let mut buf = [0u8; 256];
        let n = v4_route(&mut buf, 254);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let r = <Route as crate::request::FromMessage>::from_message(&msg).unwrap();
        assert_eq!(r.table, 254);
        assert_eq!(r.other.len(), 1);
        assert_eq!(r.other.get(RTA_CACHEINFO).map(|p| p.len()), Some(32));
    }

    #[test]
    fn v6_addresses_and_family_mismatch() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        RtMsg {
            family: AF_INET6,
            dst_len: 32,
            ..Default::default()
        }
        .emit(&mut w);
        let a: Ipv6Addr = "2001:db8::".parse().unwrap();
        w.attr(RTA_DST, &a.octets());
        let n = w.finish().unwrap();
        let r = RouteMessage::parse(&buf[..n]).unwrap();
        assert_eq!(r.dst, Some(IpAddr::V6(a)));

        // A 4-byte address in an IPv6 route is a decode error, not a panic.
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        RtMsg {
            family: AF_INET6,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr(RTA_GATEWAY, &[1, 2, 3, 4]);
        let n = w.finish().unwrap();
        assert!(matches!(
            RouteMessage::parse(&buf[..n]),
            Err(DecodeError::AttrSize {
                kind: RTA_GATEWAY,
                expected: 16,
                ..
            })
        ));
        assert!(matches!(
            RouteMessage::parse(&[0u8; 11]),
            Err(DecodeError::Truncated { what: "rtmsg", .. })
        ));
    }

    #[test]
    fn dump_request_carries_table_filter() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        GetRoutes::ipv6().table(1000).emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let r = RouteMessage::parse(m.payload()).unwrap();
        assert_eq!(r.header.family, AF_INET6);
        assert_eq!(r.table, 1000);
    }
}
