//! Routing policy rules (`RTM_*RULE`, `struct fib_rule_hdr` + `FRA_*`).

use core::fmt;
use core::net::IpAddr;

use super::route::RtMsg;
use super::{
    AF_INET, AF_INET6, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, attr_ip, check_family, check_prefix,
    ip_addr,
};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{Attrs, DecodeError, Message, NLM_F_CREATE, NLM_F_EXCL, Writer};

/// `FRA_DST`.
pub const FRA_DST: u16 = 1;
/// `FRA_SRC`.
pub const FRA_SRC: u16 = 2;
/// `FRA_IIFNAME`.
pub const FRA_IIFNAME: u16 = 3;
/// `FRA_GOTO`.
pub const FRA_GOTO: u16 = 4;
/// `FRA_PRIORITY`.
pub const FRA_PRIORITY: u16 = 6;
/// `FRA_FWMARK`.
pub const FRA_FWMARK: u16 = 10;
/// `FRA_TABLE`.
pub const FRA_TABLE: u16 = 15;
/// `FRA_FWMASK`.
pub const FRA_FWMASK: u16 = 16;
/// `FRA_OIFNAME`.
pub const FRA_OIFNAME: u16 = 17;
/// `FRA_PROTOCOL`.
pub const FRA_PROTOCOL: u16 = 21;
/// `FRA_SUPPRESS_PREFIXLEN`.
pub const FRA_SUPPRESS_PREFIXLEN: u16 = 14;
/// `FRA_FLOW`: realms.
pub const FRA_FLOW: u16 = 11;
/// `FRA_SUPPRESS_IFGROUP`.
pub const FRA_SUPPRESS_IFGROUP: u16 = 13;
/// `FRA_L3MDEV`: look up the table of the l3mdev (VRF) the packet is on.
pub const FRA_L3MDEV: u16 = 19;
/// `FRA_UID_RANGE`: `struct fib_rule_uid_range`.
pub const FRA_UID_RANGE: u16 = 20;
/// `FRA_IP_PROTO`.
pub const FRA_IP_PROTO: u16 = 22;
/// `FRA_SPORT_RANGE`: `struct fib_rule_port_range`.
pub const FRA_SPORT_RANGE: u16 = 23;
/// `FRA_DPORT_RANGE`: `struct fib_rule_port_range`.
pub const FRA_DPORT_RANGE: u16 = 24;

/// `FIB_RULE_INVERT`: `not` (the selector is negated).
pub const FIB_RULE_INVERT: u32 = 0x02;
/// `FIB_RULE_UNRESOLVED`: a `goto` whose target rule does not exist.
pub const FIB_RULE_UNRESOLVED: u32 = 0x04;
/// `FIB_RULE_IIF_DETACHED`: the `iif` device does not exist.
pub const FIB_RULE_IIF_DETACHED: u32 = 0x08;
/// `FIB_RULE_OIF_DETACHED`: the `oif` device does not exist.
pub const FIB_RULE_OIF_DETACHED: u32 = 0x10;

/// `FR_ACT_TO_TBL`: look up a table.
pub const FR_ACT_TO_TBL: u8 = 1;
/// `FR_ACT_GOTO`.
pub const FR_ACT_GOTO: u8 = 2;
/// `FR_ACT_NOP`.
pub const FR_ACT_NOP: u8 = 3;
/// `FR_ACT_BLACKHOLE`.
pub const FR_ACT_BLACKHOLE: u8 = 6;
/// `FR_ACT_UNREACHABLE`.
pub const FR_ACT_UNREACHABLE: u8 = 7;
/// `FR_ACT_PROHIBIT`.
pub const FR_ACT_PROHIBIT: u8 = 8;

/// A zero-copy view of a rule message. The header has `rtmsg`'s layout
/// (`fib_rule_hdr`): `table` and `kind` (the action) are at the same
/// places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleMessage<'a> {
    /// The header (`kind` is the `FR_ACT_*` action).
    pub header: RtMsg,
    /// Table: `FRA_TABLE` when present, else the header's.
    pub table: u32,
    /// `FRA_PRIORITY`.
    pub priority: Option<u32>,
    /// `FRA_SRC` (`from`).
    pub src: Option<IpAddr>,
    /// `FRA_DST` (`to`).
    pub dst: Option<IpAddr>,
    /// `FRA_FWMARK`.
    pub fwmark: Option<u32>,
    /// `FRA_FWMASK`.
    pub fwmask: Option<u32>,
    /// `FRA_IIFNAME`.
    pub iifname: Option<&'a str>,
    /// `FRA_OIFNAME`.
    pub oifname: Option<&'a str>,
    /// `FRA_GOTO`.
    pub goto: Option<u32>,
    /// `FRA_PROTOCOL`.
    pub protocol: Option<u8>,
    /// `FRA_SUPPRESS_PREFIXLEN` (-1: none).
    pub suppress_prefixlen: Option<i32>,
    /// `FRA_L3MDEV` set.
    pub l3mdev: bool,
    /// `FRA_UID_RANGE`: first and last uid.
    pub uid_range: Option<(u32, u32)>,
    /// `FRA_IP_PROTO`.
    pub ip_proto: Option<u8>,
    /// `FRA_SPORT_RANGE`: first and last port.
    pub sport: Option<(u16, u16)>,
    /// `FRA_DPORT_RANGE`: first and last port.
    pub dport: Option<(u16, u16)>,
    attrs: &'a [u8],
}

/// Two native-endian numbers of `N` bytes each (a uid or port range).
fn range<const N: usize>(a: &crate::wire::Attr<'_>) -> Result<(u64, u64), DecodeError> {
    let p = a.payload();
    if p.len() != 2 * N {
        return Err(DecodeError::AttrSize {
            what: "rule range",
            kind: a.kind(),
            len: p.len(),
            expected: 2 * N,
        });
    }
    let num = |b: &[u8]| {
        let mut v = [0u8; 8];
        if cfg!(target_endian = "little") {
            v[..N].copy_from_slice(b);
            u64::from_le_bytes(v)
        } else {
            v[8 - N..].copy_from_slice(b);
            u64::from_be_bytes(v)
        }
    };
    Ok((num(&p[..N]), num(&p[N..2 * N])))
}

impl<'a> RuleMessage<'a> {
    /// Decodes a rule message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<RuleMessage<'a>, DecodeError> {
        let header = RtMsg::parse(payload)?;
        let attrs = &payload[RtMsg::LEN..];
        let mut m = RuleMessage {
            header,
            table: header.table as u32,
            priority: None,
            src: None,
            dst: None,
            fwmark: None,
            fwmask: None,
            iifname: None,
            oifname: None,
            goto: None,
            protocol: None,
            suppress_prefixlen: None,
            l3mdev: false,
            uid_range: None,
            ip_proto: None,
            sport: None,
            dport: None,
            attrs,
        };
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                FRA_TABLE => m.table = a.u32()?,
                FRA_PRIORITY => m.priority = Some(a.u32()?),
                FRA_SRC => m.src = ip_addr(header.family, &a)?,
                FRA_DST => m.dst = ip_addr(header.family, &a)?,
                FRA_FWMARK => m.fwmark = Some(a.u32()?),
                FRA_FWMASK => m.fwmask = Some(a.u32()?),
                FRA_IIFNAME => m.iifname = Some(a.str()?),
                FRA_OIFNAME => m.oifname = Some(a.str()?),
                FRA_GOTO => m.goto = Some(a.u32()?),
                FRA_PROTOCOL => m.protocol = Some(a.u8()?),
                FRA_SUPPRESS_PREFIXLEN => m.suppress_prefixlen = Some(a.u32()? as i32),
                FRA_L3MDEV => m.l3mdev = a.u8()? != 0,
                FRA_UID_RANGE => {
                    let (lo, hi) = range::<4>(&a)?;
                    m.uid_range = Some((lo as u32, hi as u32));
                }
                FRA_IP_PROTO => m.ip_proto = Some(a.u8()?),
                FRA_SPORT_RANGE => {
                    let (lo, hi) = range::<2>(&a)?;
                    m.sport = Some((lo as u16, hi as u16));
                }
                FRA_DPORT_RANGE => {
                    let (lo, hi) = range::<2>(&a)?;
                    m.dport = Some((lo as u16, hi as u16));
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWRULE` (or `RTM_DELRULE`).
    pub fn from_message(msg: &Message<'a>) -> Result<RuleMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWRULE | RTM_DELRULE => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "rule message",
                kind: k,
            }),
        }
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Dump the rules of one family (`AF_INET` or `AF_INET6`; 0 for both).
#[derive(Debug, Clone, Copy, Default)]
pub struct GetRules {
    family: u8,
}

impl GetRules {
    /// The rules of `family`.
    pub fn family(family: u8) -> Self {
        GetRules { family }
    }
}

impl Request for GetRules {
    fn message_type(&self) -> u16 {
        RTM_GETRULE
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        RtMsg {
            family: self.family,
            ..Default::default()
        }
        .emit(w);
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        self.family == 0
            || RuleMessage::from_message(msg).map_or(true, |r| r.header.family == self.family)
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump rules")
    }
}

/// Add or delete a rule (`ip rule add|del …`).
#[derive(Debug, Clone, Copy)]
pub struct RuleRequest<'a> {
    delete: bool,
    family: u8,
    /// `None`: `to_tbl` on add (table main unless one is given), any on
    /// delete.
    action: Option<u8>,
    table: u32,
    priority: Option<u32>,
    from: Option<(IpAddr, u8)>,
    to: Option<(IpAddr, u8)>,
    fwmark: Option<(u32, Option<u32>)>,
    iif: Option<&'a str>,
    oif: Option<&'a str>,
    goto: Option<u32>,
    flags: u32,
    tos: u8,
    protocol: Option<u8>,
    suppress_prefixlen: Option<i32>,
    suppress_ifgroup: Option<u32>,
    l3mdev: bool,
    uid_range: Option<(u32, u32)>,
    ip_proto: Option<u8>,
    sport: Option<(u16, u16)>,
    dport: Option<(u16, u16)>,
    realms: Option<u32>,
}

impl<'a> RuleRequest<'a> {
    fn new(delete: bool, ipv6: bool) -> Self {
        RuleRequest {
            delete,
            family: if ipv6 { AF_INET6 } else { AF_INET },
            action: None,
            table: 0,
            priority: None,
            from: None,
            to: None,
            fwmark: None,
            iif: None,
            oif: None,
            goto: None,
            flags: 0,
            tos: 0,
            protocol: None,
            suppress_prefixlen: None,
            suppress_ifgroup: None,
            l3mdev: false,
            uid_range: None,
            ip_proto: None,
            sport: None,
            dport: None,
            realms: None,
        }
    }

    /// A new IPv4 (`ipv6 == false`) or IPv6 rule.
    pub fn add(ipv6: bool) -> Self {
        Self::new(false, ipv6)
    }

    /// Delete the rule matching the fields set.
    pub fn delete(ipv6: bool) -> Self {
        Self::new(true, ipv6)
    }

    fn base(&self) -> IpAddr {
        if self.family == AF_INET6 {
            IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED)
        }
    }

    /// Look up table `t` (any `u32`). Without a table or an action, a new
    /// rule looks up `main` (as `ip rule add`).
    pub fn table(mut self, t: u32) -> Self {
        self.table = t;
        self.action = Some(FR_ACT_TO_TBL);
        self
    }

    /// The action (`FR_ACT_*`: blackhole, unreachable, prohibit, nop). On
    /// delete, without one, a rule of any action matches.
    pub fn action(mut self, action: u8) -> Self {
        self.action = Some(action);
        self
    }

    /// `not`: the selectors match what they would not.
    pub fn invert(mut self) -> Self {
        self.flags |= FIB_RULE_INVERT;
        self
    }

    /// TOS / DS field selector.
    pub fn tos(mut self, tos: u8) -> Self {
        self.tos = tos;
        self
    }

    /// Who adds the rule (`FRA_PROTOCOL`, `RTPROT_*`).
    pub fn protocol(mut self, p: u8) -> Self {
        self.protocol = Some(p);
        self
    }

    /// Ignore lookup results with a prefix this long or shorter.
    pub fn suppress_prefixlen(mut self, len: i32) -> Self {
        self.suppress_prefixlen = Some(len);
        self
    }

    /// Ignore lookup results through a device of this group.
    pub fn suppress_ifgroup(mut self, group: u32) -> Self {
        self.suppress_ifgroup = Some(group);
        self
    }

    /// Look up the table of the l3mdev (VRF) the packet is on.
    pub fn l3mdev(mut self) -> Self {
        self.l3mdev = true;
        self
    }

    /// Only packets of sockets of uids `first..=last`.
    pub fn uid_range(mut self, first: u32, last: u32) -> Self {
        self.uid_range = Some((first, last));
        self
    }

    /// Only this IP protocol (`FRA_IP_PROTO`).
    pub fn ip_proto(mut self, p: u8) -> Self {
        self.ip_proto = Some(p);
        self
    }

    /// Only source ports `first..=last`.
    pub fn sport(mut self, first: u16, last: u16) -> Self {
        self.sport = Some((first, last));
        self
    }

    /// Only destination ports `first..=last`.
    pub fn dport(mut self, first: u16, last: u16) -> Self {
        self.dport = Some((first, last));
        self
    }

    /// Realms (`FRA_FLOW`).
    pub fn realms(mut self, r: u32) -> Self {
        self.realms = Some(r);
        self
    }

    /// Priority (`pref`).
    pub fn priority(mut self, p: u32) -> Self {
        self.priority = Some(p);
        self
    }

    /// Source prefix (`from`), of the rule's family.
    pub fn from(mut self, addr: IpAddr, len: u8) -> Result<Self, InvalidInput> {
        check_family(&self.base(), "source prefix", &addr)?;
        check_prefix(&addr, len)?;
        self.from = Some((addr, len));
        Ok(self)
    }

    /// Destination prefix (`to`), of the rule's family.
    pub fn to(mut self, addr: IpAddr, len: u8) -> Result<Self, InvalidInput> {
        check_family(&self.base(), "destination prefix", &addr)?;
        check_prefix(&addr, len)?;
        self.to = Some((addr, len));
        Ok(self)
    }

    /// Firewall mark, with an optional mask.
    pub fn fwmark(mut self, mark: u32, mask: Option<u32>) -> Self {
        self.fwmark = Some((mark, mask));
        self
    }

    /// Input interface name.
    pub fn iif(mut self, name: &'a str) -> Result<Self, InvalidInput> {
        super::validate_ifname(name)?;
        self.iif = Some(name);
        Ok(self)
    }

    /// Output interface name.
    pub fn oif(mut self, name: &'a str) -> Result<Self, InvalidInput> {
        super::validate_ifname(name)?;
        self.oif = Some(name);
        Ok(self)
    }

    /// Jump to the rule with priority `target`.
    pub fn goto(mut self, target: u32) -> Self {
        self.goto = Some(target);
        self.action = Some(FR_ACT_GOTO);
        self
    }
}

impl Request for RuleRequest<'_> {
    fn message_type(&self) -> u16 {
        if self.delete {
            RTM_DELRULE
        } else {
            RTM_NEWRULE
        }
    }
    fn flags(&self) -> u16 {
        if self.delete {
            0
        } else {
            NLM_F_CREATE | NLM_F_EXCL
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        // As `ip rule`: a new rule with neither table nor action looks up
        // main; a delete without an action matches any.
        let (action, table) = match (self.action, self.delete) {
            (Some(a), _) => (a, self.table),
            (None, false) if self.l3mdev => (FR_ACT_TO_TBL, self.table),
            (None, false) => (
                FR_ACT_TO_TBL,
                if self.table == 0 { 254 } else { self.table },
            ),
            (None, true) => (0, self.table),
        };
        RtMsg {
            family: self.family,
            dst_len: self.to.map_or(0, |t| t.1),
            src_len: self.from.map_or(0, |f| f.1),
            tos: self.tos,
            table: if table < 256 { table as u8 } else { 0 },
            kind: action,
            flags: self.flags,
            ..Default::default()
        }
        .emit(w);
        if table >= 256 {
            w.attr_u32(FRA_TABLE, table);
        }
        if let Some(p) = self.protocol {
            w.attr_u8(FRA_PROTOCOL, p);
        }
        if let Some(p) = self.suppress_prefixlen {
            w.attr_u32(FRA_SUPPRESS_PREFIXLEN, p as u32);
        }
        if let Some(g) = self.suppress_ifgroup {
            w.attr_u32(FRA_SUPPRESS_IFGROUP, g);
        }
        if self.l3mdev {
            w.attr_u8(FRA_L3MDEV, 1);
        }
        if let Some((a, b)) = self.uid_range {
            let mut v = [0u8; 8];
            v[..4].copy_from_slice(&a.to_ne_bytes());
            v[4..].copy_from_slice(&b.to_ne_bytes());
            w.attr(FRA_UID_RANGE, &v);
        }
        if let Some(p) = self.ip_proto {
            w.attr_u8(FRA_IP_PROTO, p);
        }
        for (kind, range) in [(FRA_SPORT_RANGE, self.sport), (FRA_DPORT_RANGE, self.dport)] {
            if let Some((a, b)) = range {
                let mut v = [0u8; 4];
                v[..2].copy_from_slice(&a.to_ne_bytes());
                v[2..].copy_from_slice(&b.to_ne_bytes());
                w.attr(kind, &v);
            }
        }
        if let Some(r) = self.realms {
            w.attr_u32(FRA_FLOW, r);
        }
        if let Some(p) = self.priority {
            w.attr_u32(FRA_PRIORITY, p);
        }
        if let Some((a, _)) = &self.from {
            attr_ip(w, FRA_SRC, a);
        }
        if let Some((a, _)) = &self.to {
            attr_ip(w, FRA_DST, a);
        }
        if let Some((m, mask)) = self.fwmark {
            w.attr_u32(FRA_FWMARK, m);
            if let Some(mask) = mask {
                w.attr_u32(FRA_FWMASK, mask);
            }
        }
        if let Some(i) = self.iif {
            w.attr_str(FRA_IIFNAME, i);
        }
        if let Some(o) = self.oif {
            w.attr_str(FRA_OIFNAME, o);
        }
        if let Some(g) = self.goto {
            w.attr_u32(FRA_GOTO, g);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rule", if self.delete { "delete" } else { "add" })?;
        if let Some(p) = self.priority {
            write!(f, " priority {p}")?;
        }
        if self.table != 0 {
            write!(f, " table {}", self.table)?;
        }
        Ok(())
    }
}

crate::request::query!(RuleMessage => Rule: GetRules);

#[cfg(feature = "alloc")]
pub use owned::Rule;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;

    use super::*;
    use crate::request::FromMessage;

    /// An owned rule.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Rule {
        /// `AF_INET` or `AF_INET6`.
        pub family: u8,
        /// `FR_ACT_*`.
        pub action: u8,
        /// Table.
        pub table: u32,
        /// Priority.
        pub priority: Option<u32>,
        /// Source prefix.
        pub src: Option<(IpAddr, u8)>,
        /// Destination prefix.
        pub dst: Option<(IpAddr, u8)>,
        /// Firewall mark and mask.
        pub fwmark: Option<u32>,
        /// Firewall mask.
        pub fwmask: Option<u32>,
        /// Input interface.
        pub iif: Option<String>,
        /// Output interface.
        pub oif: Option<String>,
        /// Goto target.
        pub goto: Option<u32>,
        /// Who added it.
        pub protocol: Option<u8>,
        /// `FIB_RULE_*` flags (`not`, unresolved, detached).
        pub flags: u32,
        /// TOS / DS field selector.
        pub tos: u8,
        /// `suppress_prefixlength` (-1: none).
        pub suppress_prefixlen: Option<i32>,
        /// Look up the l3mdev's (VRF's) table.
        pub l3mdev: bool,
        /// uid range selector.
        pub uid_range: Option<(u32, u32)>,
        /// IP protocol selector.
        pub ip_proto: Option<u8>,
        /// Source port range selector.
        pub sport: Option<(u16, u16)>,
        /// Destination port range selector.
        pub dport: Option<(u16, u16)>,
    }

    impl FromMessage for Rule {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = RuleMessage::from_message(msg)?;
            Ok(Rule {
                family: v.header.family,
                action: v.header.kind,
                table: v.table,
                priority: v.priority,
                src: v.src.map(|a| (a, v.header.src_len)),
                dst: v.dst.map(|a| (a, v.header.dst_len)),
                fwmark: v.fwmark,
                fwmask: v.fwmask,
                iif: v.iifname.map(String::from),
                oif: v.oifname.map(String::from),
                goto: v.goto,
                protocol: v.protocol,
                flags: v.header.flags,
                tos: v.header.tos,
                suppress_prefixlen: v.suppress_prefixlen,
                l3mdev: v.l3mdev,
                uid_range: v.uid_range,
                ip_proto: v.ip_proto,
                sport: v.sport,
                dport: v.dport,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    #[test]
    fn rule_round_trips() {
        let r = RuleRequest::add(false)
            .table(100)
            .priority(1000)
            .from("192.0.2.0".parse().unwrap(), 24)
            .unwrap()
            .fwmark(7, Some(0xff))
            .iif("eth0")
            .unwrap();
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(m.kind(), RTM_NEWRULE);
        let v = RuleMessage::from_message(&m).unwrap();
        assert_eq!(v.header.family, AF_INET);
        assert_eq!(v.header.src_len, 24);
        assert_eq!(v.header.kind, FR_ACT_TO_TBL);
        assert_eq!(v.table, 100);
        assert_eq!(v.priority, Some(1000));
        assert_eq!(v.src, Some("192.0.2.0".parse().unwrap()));
        assert_eq!((v.fwmark, v.fwmask), (Some(7), Some(0xff)));
        assert_eq!(v.iifname, Some("eth0"));
        assert!(
            RuleRequest::add(false)
                .from("2001:db8::".parse().unwrap(), 32)
                .is_err()
        );
        assert!(
            RuleRequest::add(true)
                .to("2001:db8::".parse().unwrap(), 129)
                .is_err()
        );
    }
}
