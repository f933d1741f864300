//! Views of a route's nested attributes: the next hops of a multipath route
//! (`RTA_MULTIPATH`, a list of `struct rtnexthop`) and its metrics
//! (`RTA_METRICS`, `RTAX_*`). Both are zero-copy iterators over the
//! message bytes; a malformed entry is a [`DecodeError`] and ends the
//! iteration.

use core::net::IpAddr;

use super::{AF_INET, AF_INET6, ip_addr};
use crate::wire::{Attr, Attrs, DecodeError, need, read_u16, read_u32};

/// `RTA_GATEWAY`.
pub const RTA_GATEWAY: u16 = 5;
/// `RTA_VIA` (`struct rtvia`: a gateway of any family).
pub const RTA_VIA: u16 = 18;

/// `RTAX_LOCK`: bit `1 << RTAX_x` set means metric `x` is locked.
pub const RTAX_LOCK: u16 = 1;
/// `RTAX_MTU`.
pub const RTAX_MTU: u16 = 2;
/// `RTAX_WINDOW`.
pub const RTAX_WINDOW: u16 = 3;
/// `RTAX_RTT` (kernel units: 1/8 ms).
pub const RTAX_RTT: u16 = 4;
/// `RTAX_RTTVAR` (kernel units: 1/4 ms).
pub const RTAX_RTTVAR: u16 = 5;
/// `RTAX_SSTHRESH`.
pub const RTAX_SSTHRESH: u16 = 6;
/// `RTAX_CWND`.
pub const RTAX_CWND: u16 = 7;
/// `RTAX_ADVMSS`.
pub const RTAX_ADVMSS: u16 = 8;
/// `RTAX_REORDERING`.
pub const RTAX_REORDERING: u16 = 9;
/// `RTAX_HOPLIMIT`.
pub const RTAX_HOPLIMIT: u16 = 10;
/// `RTAX_INITCWND`.
pub const RTAX_INITCWND: u16 = 11;
/// `RTAX_FEATURES` (`RTAX_FEATURE_*` bits).
pub const RTAX_FEATURES: u16 = 12;
/// `RTAX_RTO_MIN` (milliseconds).
pub const RTAX_RTO_MIN: u16 = 13;
/// `RTAX_INITRWND`.
pub const RTAX_INITRWND: u16 = 14;
/// `RTAX_QUICKACK`.
pub const RTAX_QUICKACK: u16 = 15;
/// `RTAX_CC_ALGO`: congestion control algorithm name (a string).
pub const RTAX_CC_ALGO: u16 = 16;
/// `RTAX_FASTOPEN_NO_COOKIE`.
pub const RTAX_FASTOPEN_NO_COOKIE: u16 = 17;
/// `RTAX_FEATURE_ECN`.
pub const RTAX_FEATURE_ECN: u32 = 1;

/// `sizeof(struct rtnexthop)`.
const RTNH_LEN: usize = 8;

/// One next hop of a multipath route, decoded from `struct rtnexthop` and
/// its `RTA_GATEWAY` / `RTA_VIA` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct NextHopInfo {
    /// `rtnh_flags` (`RTNH_F_*`: dead, onlink, linkdown, …).
    pub flags: u8,
    /// Weight, 1 to 256 (`rtnh_hops + 1`).
    pub weight: u16,
    /// Output interface index (`rtnh_ifindex`).
    pub oif: u32,
    /// Gateway: `RTA_GATEWAY`, or `RTA_VIA` (which may be of the other
    /// family, e.g. an IPv4 route via an IPv6 neighbour).
    pub gateway: Option<IpAddr>,
}

/// Iterator over the next hops in an `RTA_MULTIPATH` payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHops<'a> {
    rest: &'a [u8],
    family: u8,
}

impl<'a> NextHops<'a> {
    /// Walks `payload` (the body of `RTA_MULTIPATH`) of a route of `family`.
    pub fn new(family: u8, payload: &'a [u8]) -> Self {
        NextHops {
            rest: payload,
            family,
        }
    }

    /// The bytes not walked yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    fn decode(&mut self) -> Result<NextHopInfo, DecodeError> {
        let b = self.rest;
        need(b, RTNH_LEN, "rtnexthop")?;
        let len = read_u16(b, 0) as usize;
        if len < RTNH_LEN || len > b.len() {
            return Err(DecodeError::Truncated {
                what: "rtnexthop",
                needed: len.max(RTNH_LEN),
                available: b.len(),
            });
        }
        let mut hop = NextHopInfo {
            flags: b[2],
            weight: b[3] as u16 + 1,
            oif: read_u32(b, 4),
            gateway: None,
        };
        for a in Attrs::new(&b[RTNH_LEN..len]) {
            let a = a?;
            match a.kind() {
                RTA_GATEWAY => hop.gateway = ip_addr(self.family, &a)?,
                RTA_VIA => hop.gateway = via(&a)?,
                _ => {}
            }
        }
        self.rest = &b[len.next_multiple_of(4).min(b.len())..];
        Ok(hop)
    }
}

impl Iterator for NextHops<'_> {
    type Item = Result<NextHopInfo, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let r = self.decode();
        if r.is_err() {
            self.rest = &[];
        }
        Some(r)
    }
}

/// Decodes `RTA_VIA` (`struct rtvia`: a `u16` family, then the address).
/// `Ok(None)` for a family other than IPv4/IPv6.
#[inline]
pub(crate) fn via(a: &Attr<'_>) -> Result<Option<IpAddr>, DecodeError> {
    let p = a.payload();
    need(p, 2, "rtvia")?;
    let family = read_u16(p, 0);
    let family = match family {
        f if f == AF_INET as u16 => AF_INET,
        f if f == AF_INET6 as u16 => AF_INET6,
        _ => return Ok(None),
    };
    // Re-wrap the address bytes as an attribute of the same kind so the
    // shared length check and error apply.
    ip_addr(family, &Attr::new(a.raw_kind(), &p[2..]))
}

/// One route metric from `RTA_METRICS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteMetric<'a> {
    /// A numeric metric: `RTAX_*` kind and its `u32` value in kernel units
    /// (including `RTAX_LOCK`, the lock bitmap).
    Value(u16, u32),
    /// `RTAX_CC_ALGO`: the congestion-control algorithm's name.
    CongestionControl(&'a str),
}

/// Iterator over the metrics in an `RTA_METRICS` payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics<'a>(Attrs<'a>);

impl<'a> Metrics<'a> {
    /// Walks `payload` (the body of `RTA_METRICS`).
    pub fn new(payload: &'a [u8]) -> Self {
        Metrics(Attrs::new(payload))
    }

    /// The bytes not walked yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.0.remaining()
    }
}

impl<'a> Iterator for Metrics<'a> {
    type Item = Result<RouteMetric<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let a = match self.0.next()? {
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        Some(if a.kind() == RTAX_CC_ALGO {
            a.str().map(RouteMetric::CongestionControl)
        } else {
            a.u32().map(|v| RouteMetric::Value(a.kind(), v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Writer;
    use core::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn next_hops_decode_gateway_via_weight_and_flags() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        // Hop 1: weight 3, dev 2, via 192.0.2.2.
        let h = w.begin_nested_raw(u16::from_ne_bytes([0, 2]));
        w.put(&2u32.to_ne_bytes());
        w.attr(RTA_GATEWAY, &[192, 0, 2, 2]);
        w.end_nested(h);
        // Hop 2: onlink, dev 3, via inet6 2001:db8::2 (RTA_VIA).
        let h = w.begin_nested_raw(u16::from_ne_bytes([4, 0]));
        w.put(&3u32.to_ne_bytes());
        let v6: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut via = [0u8; 18];
        via[..2].copy_from_slice(&(AF_INET6 as u16).to_ne_bytes());
        via[2..].copy_from_slice(&v6.octets());
        w.attr(RTA_VIA, &via);
        w.end_nested(h);
        // Hop 3: no attributes at all.
        let h = w.begin_nested_raw(0);
        w.put(&4u32.to_ne_bytes());
        w.end_nested(h);
        let n = w.finish().unwrap();
        let hops: Result<std::vec::Vec<_>, _> = NextHops::new(AF_INET, &buf[..n]).collect();
        let hops = hops.unwrap();
        assert_eq!(hops.len(), 3);
        assert_eq!(
            hops[0],
            NextHopInfo {
                flags: 0,
                weight: 3,
                oif: 2,
                gateway: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))),
            }
        );
        assert_eq!(hops[1].flags, 4);
        assert_eq!(hops[1].gateway, Some(IpAddr::V6(v6)));
        assert_eq!((hops[2].oif, hops[2].gateway), (4, None));
    }

    #[test]
    fn malformed_next_hops_are_errors_and_end_the_walk() {
        // Length shorter than the header.
        let mut b = [0u8; 16];
        b[..2].copy_from_slice(&4u16.to_ne_bytes());
        let mut it = NextHops::new(AF_INET, &b);
        assert!(matches!(
            it.next(),
            Some(Err(DecodeError::Truncated { .. }))
        ));
        assert!(it.next().is_none());
        // Length past the end.
        b[..2].copy_from_slice(&40u16.to_ne_bytes());
        assert!(matches!(
            NextHops::new(AF_INET, &b).next(),
            Some(Err(DecodeError::Truncated { needed: 40, .. }))
        ));
        // A short tail.
        assert!(matches!(
            NextHops::new(AF_INET, &b[..5]).next(),
            Some(Err(DecodeError::Truncated { .. }))
        ));
        // An IPv6-sized gateway in an IPv4 route.
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let h = w.begin_nested_raw(0);
        w.put(&1u32.to_ne_bytes());
        w.attr(RTA_GATEWAY, &[0u8; 16]);
        w.end_nested(h);
        let n = w.finish().unwrap();
        assert!(matches!(
            NextHops::new(AF_INET, &buf[..n]).next(),
            Some(Err(DecodeError::AttrSize { .. }))
        ));
    }

    #[test]
    fn metrics_decode_numbers_and_congestion_control() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        w.attr_u32(RTAX_LOCK, 1 << RTAX_MTU);
        w.attr_u32(RTAX_MTU, 1400);
        w.attr(RTAX_CC_ALGO, b"cubic\0");
        let n = w.finish().unwrap();
        let mut m = Metrics::new(&buf[..n]);
        assert_eq!(m.next(), Some(Ok(RouteMetric::Value(RTAX_LOCK, 4))));
        assert_eq!(m.next(), Some(Ok(RouteMetric::Value(RTAX_MTU, 1400))));
        assert_eq!(m.next(), Some(Ok(RouteMetric::CongestionControl("cubic"))));
        assert_eq!(m.next(), None);
        // A 2-byte metric is a size error, not a panic.
        let mut buf = [0u8; 16];
        let mut w = Writer::new(&mut buf);
        w.attr(RTAX_MTU, &[1, 2]);
        let n = w.finish().unwrap();
        assert!(matches!(
            Metrics::new(&buf[..n]).next(),
            Some(Err(DecodeError::AttrSize { .. }))
        ));
    }
}
