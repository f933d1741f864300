//! Nexthop objects (`RTM_NEWNEXTHOP`, `RTM_DELNEXTHOP`, `RTM_GETNEXTHOP`):
//! next hops kept by the kernel under an id, that routes use by `nhid`
//! instead of carrying their own gateway and device. One is a single hop
//! (a gateway and/or a device, a blackhole, or a bridge FDB hop), or a
//! group of others with weights: hash-threshold (`mpath`) or resilient
//! (a table of buckets).
//!
//! The naming follows the other objects: [`NexthopMessage`] (a view),
//! [`Nexthop`] (owned), [`NexthopRequest`] (add, replace, delete),
//! [`GetNexthops`] (a dump with the kernel's filters) and [`GetNexthop`]
//! (one by id).
//!
//! A group member's weight is 1 to 65535, and travels as weight − 1 in
//! `struct nexthop_grp` (the kernel adds one back, and `ip` prints it
//! so): [`GroupMember::weight`] is the weight itself.

use core::fmt;
use core::net::IpAddr;

use super::{AF_INET, AF_INET6, AF_UNSPEC, attr_ip, family_of, ip_addr};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{
    Attrs, DecodeError, Message, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer, need,
};

/// `RTM_NEWNEXTHOP`.
pub const RTM_NEWNEXTHOP: u16 = 104;
/// `RTM_DELNEXTHOP`.
pub const RTM_DELNEXTHOP: u16 = 105;
/// `RTM_GETNEXTHOP`.
pub const RTM_GETNEXTHOP: u16 = 106;

/// `NHA_ID`: u32, the nexthop's id (0 in a request: the kernel picks).
pub const NHA_ID: u16 = 1;
/// `NHA_GROUP`: an array of `struct nexthop_grp`.
pub const NHA_GROUP: u16 = 2;
/// `NHA_GROUP_TYPE`: u16, `NEXTHOP_GRP_TYPE_*`.
pub const NHA_GROUP_TYPE: u16 = 3;
/// `NHA_BLACKHOLE`: flag.
pub const NHA_BLACKHOLE: u16 = 4;
/// `NHA_OIF`: u32, the device (in a dump request: only its nexthops).
pub const NHA_OIF: u16 = 5;
/// `NHA_GATEWAY`: 4 or 16 bytes.
pub const NHA_GATEWAY: u16 = 6;
/// `NHA_ENCAP_TYPE`: u16, `LWTUNNEL_ENCAP_*`.
pub const NHA_ENCAP_TYPE: u16 = 7;
/// `NHA_ENCAP`: nested, the encapsulation.
pub const NHA_ENCAP: u16 = 8;
/// `NHA_GROUPS`: flag, in a dump request: only groups.
pub const NHA_GROUPS: u16 = 9;
/// `NHA_MASTER`: u32, in a dump request: only nexthops of devices
/// enslaved to this one.
pub const NHA_MASTER: u16 = 10;
/// `NHA_FDB`: flag, a nexthop for the bridge forwarding database (in a
/// dump request: only those).
pub const NHA_FDB: u16 = 11;
/// `NHA_RES_GROUP`: nested, a resilient group's settings.
pub const NHA_RES_GROUP: u16 = 12;
/// `NHA_OP_FLAGS`: u32; in a group's reply, bit 31
/// ([`NHA_OP_FLAG_RESP_GRP_RESVD_0`]) says its members' reserved bytes
/// are zeroed, so that a weight's high byte can be read.
pub const NHA_OP_FLAGS: u16 = 14;
/// See [`NHA_OP_FLAGS`].
pub const NHA_OP_FLAG_RESP_GRP_RESVD_0: u32 = 1 << 31;

/// `NHA_RES_GROUP_BUCKETS`: u16.
pub const NHA_RES_GROUP_BUCKETS: u16 = 1;
/// `NHA_RES_GROUP_IDLE_TIMER`: u32, seconds × `USER_HZ`.
pub const NHA_RES_GROUP_IDLE_TIMER: u16 = 2;
/// `NHA_RES_GROUP_UNBALANCED_TIMER`: u32, seconds × `USER_HZ`.
pub const NHA_RES_GROUP_UNBALANCED_TIMER: u16 = 3;
/// `NHA_RES_GROUP_UNBALANCED_TIME`: u64, `USER_HZ` ticks (reported only).
pub const NHA_RES_GROUP_UNBALANCED_TIME: u16 = 4;

/// `NEXTHOP_GRP_TYPE_MPATH`: hash-threshold.
pub const NEXTHOP_GRP_TYPE_MPATH: u16 = 0;
/// `NEXTHOP_GRP_TYPE_RES`: resilient.
pub const NEXTHOP_GRP_TYPE_RES: u16 = 1;

/// `RTNH_F_ONLINK`: the gateway is on the device even without a route.
pub const RTNH_F_ONLINK: u32 = 4;

/// `USER_HZ`: the unit of the resilient group timers is 1/100 s.
pub const USER_HZ: u32 = 100;

/// `struct nhmsg`, the fixed header of a nexthop message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NhMsg {
    /// `AF_INET`, `AF_INET6`, or `AF_UNSPEC` (groups).
    pub family: u8,
    /// Scope (reported only).
    pub scope: u8,
    /// Who installed it (`RTPROT_*`).
    pub protocol: u8,
    /// `RTNH_F_*` flags.
    pub flags: u32,
}

impl NhMsg {
    /// Its size on the wire.
    pub const LEN: usize = 8;

    /// Decodes the header at the start of `b`.
    pub fn parse(b: &[u8]) -> Result<NhMsg, DecodeError> {
        need(b, Self::LEN, "nhmsg")?;
        Ok(NhMsg {
            family: b[0],
            scope: b[1],
            protocol: b[2],
            flags: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// Appends it.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let f = self.flags.to_ne_bytes();
        w.put(&[
            self.family,
            self.scope,
            self.protocol,
            0,
            f[0],
            f[1],
            f[2],
            f[3],
        ]);
    }
}

/// One member of a group: a nexthop id and its weight (1 to 65535;
/// kernels before 6.12 or so take 1 to 256, and refuse more with
/// "Reserved fields in nexthop_grp must be 0").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GroupMember {
    /// The member nexthop's id.
    pub id: u32,
    /// Its weight, 1 to 65535 (sent as weight − 1).
    pub weight: u16,
}

impl GroupMember {
    /// Member `id` of weight 1.
    pub fn new(id: u32) -> GroupMember {
        GroupMember { id, weight: 1 }
    }

    /// Member `id` of weight `weight`, which must not be 0.
    pub fn weighted(id: u32, weight: u16) -> Result<GroupMember, InvalidInput> {
        if weight == 0 {
            return Err(InvalidInput::OutOfRange {
                what: "nexthop weight",
                value: 0,
                range: "1 to 65535",
            });
        }
        Ok(GroupMember { id, weight })
    }
}

/// The members of a group, read in place from `NHA_GROUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Members<'a> {
    data: &'a [u8],
    /// Whether the kernel zeroed the reserved bytes (see
    /// [`NHA_OP_FLAGS`]): only then is `weight_high` a weight's.
    high: bool,
}

impl<'a> Members<'a> {
    /// How many members.
    pub fn len(&self) -> usize {
        self.data.len() / 8
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.data.len() < 8
    }
}

impl Iterator for Members<'_> {
    type Item = GroupMember;
    fn next(&mut self) -> Option<GroupMember> {
        if self.data.len() < 8 {
            return None;
        }
        let (e, rest) = self.data.split_at(8);
        self.data = rest;
        // `weight` (u8) then `weight_high` (u8): weight − 1 in 16 bits.
        // Kernels before `weight_high` leave its byte unset.
        let high = if self.high { e[5] } else { 0 };
        Some(GroupMember {
            id: u32::from_ne_bytes([e[0], e[1], e[2], e[3]]),
            weight: u16::from_le_bytes([e[4], high]).saturating_add(1),
        })
    }
}

/// A resilient group's settings (`NHA_RES_GROUP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ResGroup {
    /// Buckets.
    pub buckets: Option<u16>,
    /// Idle timer, `USER_HZ` ticks.
    pub idle_timer: Option<u32>,
    /// Unbalanced timer, `USER_HZ` ticks.
    pub unbalanced_timer: Option<u32>,
    /// How long the group has been unbalanced, `USER_HZ` ticks.
    pub unbalanced_time: Option<u64>,
}

impl ResGroup {
    fn parse(a: &crate::wire::Attr<'_>) -> Result<ResGroup, DecodeError> {
        let mut g = ResGroup::default();
        for b in a.nested() {
            let b = b?;
            match b.kind() {
                NHA_RES_GROUP_BUCKETS => g.buckets = Some(b.u16()?),
                NHA_RES_GROUP_IDLE_TIMER => g.idle_timer = Some(b.u32()?),
                NHA_RES_GROUP_UNBALANCED_TIMER => g.unbalanced_timer = Some(b.u32()?),
                NHA_RES_GROUP_UNBALANCED_TIME => g.unbalanced_time = Some(b.u64()?),
                _ => {}
            }
        }
        Ok(g)
    }
}

/// A zero-copy view of a nexthop message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NexthopMessage<'a> {
    /// The `nhmsg` header.
    pub header: NhMsg,
    /// `NHA_ID`.
    pub id: Option<u32>,
    /// `NHA_GROUP`: the members, when a group.
    pub group: Option<Members<'a>>,
    /// `NHA_GROUP_TYPE`.
    pub group_type: Option<u16>,
    /// `NHA_BLACKHOLE`.
    pub blackhole: bool,
    /// `NHA_OIF`: the device.
    pub oif: Option<u32>,
    /// `NHA_GATEWAY`.
    pub gateway: Option<IpAddr>,
    /// `NHA_ENCAP_TYPE`.
    pub encap_type: Option<u16>,
    /// `NHA_FDB`.
    pub fdb: bool,
    /// `NHA_RES_GROUP`.
    pub res_group: Option<ResGroup>,
    attrs: &'a [u8],
}

impl<'a> NexthopMessage<'a> {
    /// Decodes a nexthop message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<NexthopMessage<'a>, DecodeError> {
        let header = NhMsg::parse(payload)?;
        let attrs = &payload[NhMsg::LEN..];
        let mut m = NexthopMessage {
            header,
            id: None,
            group: None,
            group_type: None,
            blackhole: false,
            oif: None,
            gateway: None,
            encap_type: None,
            fdb: false,
            res_group: None,
            attrs,
        };
        let mut op_flags = 0;
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                NHA_ID => m.id = Some(a.u32()?),
                NHA_GROUP => {
                    let p = a.payload();
                    if p.len() % 8 != 0 {
                        return Err(DecodeError::AttrSize {
                            what: "nexthop group",
                            kind: NHA_GROUP,
                            len: p.len(),
                            expected: p.len() / 8 * 8 + 8,
                        });
                    }
                    m.group = Some(Members {
                        data: p,
                        high: false,
                    });
                }
                NHA_GROUP_TYPE => m.group_type = Some(a.u16()?),
                NHA_BLACKHOLE => m.blackhole = true,
                NHA_OIF => m.oif = Some(a.u32()?),
                NHA_GATEWAY => m.gateway = ip_addr(header.family, &a)?,
                NHA_ENCAP_TYPE => m.encap_type = Some(a.u16()?),
                NHA_FDB => m.fdb = true,
                NHA_RES_GROUP => m.res_group = Some(ResGroup::parse(&a)?),
                NHA_OP_FLAGS => op_flags = a.u32()?,
                _ => {}
            }
        }
        if let Some(g) = &mut m.group {
            g.high = op_flags & NHA_OP_FLAG_RESP_GRP_RESVD_0 != 0;
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWNEXTHOP` (or `RTM_DELNEXTHOP`).
    pub fn from_message(msg: &Message<'a>) -> Result<NexthopMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWNEXTHOP | RTM_DELNEXTHOP => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "nexthop message",
                kind: k,
            }),
        }
    }

    /// Whether `RTNH_F_ONLINK` is set.
    pub fn is_onlink(&self) -> bool {
        self.header.flags & RTNH_F_ONLINK != 0
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Dump the nexthops, with the filters the kernel applies itself (each
/// sent as an attribute of the request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetNexthops {
    family: u8,
    oif: Option<u32>,
    master: Option<u32>,
    groups: bool,
    fdb: bool,
}

impl GetNexthops {
    /// Every nexthop.
    pub fn new() -> Self {
        GetNexthops::default()
    }

    /// Only `AF_INET` or `AF_INET6` nexthops (groups have no family: the
    /// kernel leaves them out).
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }

    /// Only nexthops that use device `index` (`NHA_OIF`).
    pub fn device(mut self, index: u32) -> Self {
        self.oif = Some(index);
        self
    }

    /// Only nexthops whose device is enslaved to `master` (`NHA_MASTER`).
    pub fn master(mut self, master: u32) -> Self {
        self.master = Some(master);
        self
    }

    /// Only groups (`NHA_GROUPS`).
    pub fn groups(mut self) -> Self {
        self.groups = true;
        self
    }

    /// Only nexthops for the bridge forwarding database (`NHA_FDB`; the
    /// kernel reads the attribute but, up to 6.18 at least, does not
    /// filter on it, and `ip` does not either: [`GetNexthops::matches`]
    /// does).
    pub fn fdb(mut self) -> Self {
        self.fdb = true;
        self
    }

    /// Whether a nexthop passes the filters that can be checked from
    /// the message alone (all but [`GetNexthops::master`]).
    pub fn matches(&self, n: &NexthopMessage<'_>) -> bool {
        (self.family == 0 || n.header.family == self.family)
            && (!self.groups || n.group.is_some())
            && (!self.fdb || n.fdb)
            && self.oif.is_none_or(|i| n.oif == Some(i))
    }
}

impl Request for GetNexthops {
    fn message_type(&self) -> u16 {
        RTM_GETNEXTHOP
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NhMsg {
            family: self.family,
            ..Default::default()
        }
        .emit(w);
        if let Some(i) = self.oif {
            w.attr_u32(NHA_OIF, i);
        }
        if let Some(m) = self.master {
            w.attr_u32(NHA_MASTER, m);
        }
        if self.groups {
            w.attr_flag(NHA_GROUPS);
        }
        if self.fdb {
            w.attr_flag(NHA_FDB);
        }
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        if !matches!(msg.kind(), RTM_NEWNEXTHOP | RTM_DELNEXTHOP) {
            return true;
        }
        // A message that does not decode is let through, to be reported.
        NexthopMessage::parse(msg.payload()).map_or(true, |n| self.matches(&n))
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump nexthops")
    }
}

/// Ask for one nexthop by id (`ip nexthop get id N`): one
/// `RTM_NEWNEXTHOP` comes back, or `ENOENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetNexthop {
    id: u32,
}

impl GetNexthop {
    /// Nexthop `id` (not 0).
    pub fn new(id: u32) -> Result<Self, InvalidInput> {
        if id == 0 {
            return Err(zero_id());
        }
        Ok(GetNexthop { id })
    }
}

impl Request for GetNexthop {
    fn message_type(&self) -> u16 {
        RTM_GETNEXTHOP
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NhMsg::default().emit(w);
        w.attr_u32(NHA_ID, self.id);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get nexthop {}", self.id)
    }
}

/// A nexthop id of 0, which names no nexthop (the buckets' requests too).
pub(crate) fn zero_id() -> InvalidInput {
    InvalidInput::OutOfRange {
        what: "nexthop id",
        value: 0,
        range: "1 to 4294967295",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NhOp {
    Add,
    Replace,
    Delete,
}

/// Add, replace or delete a nexthop object.
///
/// What is set is sent, and the kernel judges the combination (a
/// blackhole with a device, a group with a gateway: it refuses them with
/// its own message), as `ip nexthop add` sends what it is given.
///
/// ```
/// use nlwire::route::nh::{GroupMember, NexthopRequest};
/// # fn main() -> Result<(), nlwire::InvalidInput> {
/// let hop = NexthopRequest::add(1)?
///     .gateway("192.0.2.1".parse().unwrap())
///     .device(2);
/// let members = [GroupMember::new(1), GroupMember::weighted(2, 3)?];
/// let group = NexthopRequest::add(10)?.group(&members)?;
/// # let _ = (hop, group);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NexthopRequest<'a> {
    op: NhOp,
    id: u32,
    family: Option<u8>,
    blackhole: bool,
    group: Option<&'a [GroupMember]>,
    /// `NEXTHOP_GRP_TYPE_RES` with its settings.
    resilient: Option<ResGroup>,
    gateway: Option<IpAddr>,
    oif: Option<u32>,
    flags: u32,
    protocol: Option<u8>,
    fdb: bool,
}

impl<'a> NexthopRequest<'a> {
    fn new(op: NhOp, id: u32) -> NexthopRequest<'a> {
        NexthopRequest {
            op,
            id,
            family: None,
            blackhole: false,
            group: None,
            resilient: None,
            gateway: None,
            oif: None,
            flags: 0,
            protocol: None,
            fdb: false,
        }
    }

    /// A new nexthop of id `id` (`NLM_F_CREATE | NLM_F_EXCL`); 0 lets
    /// the kernel pick one.
    pub fn add(id: u32) -> Result<Self, InvalidInput> {
        Ok(Self::new(NhOp::Add, id))
    }

    /// Nexthop `id`, made or replaced (`NLM_F_CREATE | NLM_F_REPLACE`).
    pub fn replace(id: u32) -> Result<Self, InvalidInput> {
        if id == 0 {
            return Err(zero_id());
        }
        Ok(Self::new(NhOp::Replace, id))
    }

    /// Deletes nexthop `id` (the kernel reads the id alone: anything else
    /// set is sent, as `ip nexthop del` sends what it is given, and
    /// refused).
    pub fn delete(id: u32) -> Result<Self, InvalidInput> {
        if id == 0 {
            return Err(zero_id());
        }
        Ok(Self::new(NhOp::Delete, id))
    }

    /// Via `gateway` (its family is the nexthop's).
    pub fn gateway(mut self, gateway: IpAddr) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// Out of device `index`.
    pub fn device(mut self, index: u32) -> Self {
        self.oif = Some(index);
        self
    }

    /// The gateway is on the device even without a route to it
    /// (`RTNH_F_ONLINK`).
    pub fn onlink(mut self) -> Self {
        self.flags |= RTNH_F_ONLINK;
        self
    }

    /// Drops what it is given.
    pub fn blackhole(mut self) -> Self {
        self.blackhole = true;
        self
    }

    /// A nexthop of the bridge forwarding database (`NHA_FDB`), as VXLAN
    /// uses: a gateway without a device, or a group of such.
    pub fn fdb(mut self) -> Self {
        self.fdb = true;
        self
    }

    /// The `nhmsg` family, `AF_INET` or `AF_INET6`, instead of the one
    /// inferred (the gateway's; else `AF_INET` for a device or a
    /// blackhole, as `ip` sends; else none, as for a group): what
    /// `ip -6 nexthop add … blackhole` sets.
    pub fn family(mut self, family: u8) -> Result<Self, InvalidInput> {
        if family != AF_INET && family != AF_INET6 {
            return Err(InvalidInput::OutOfRange {
                what: "nexthop family",
                value: u64::from(family),
                range: "AF_INET or AF_INET6",
            });
        }
        self.family = Some(family);
        Ok(self)
    }

    /// A hash-threshold group of `members` (at least one).
    pub fn group(mut self, members: &'a [GroupMember]) -> Result<Self, InvalidInput> {
        if members.is_empty() {
            return Err(InvalidInput::NoNextHops);
        }
        self.group = Some(members);
        Ok(self)
    }

    /// Makes the group resilient (`NEXTHOP_GRP_TYPE_RES`) with `settings`
    /// (buckets, which the kernel needs when it creates the group, idle
    /// and unbalanced timers in `USER_HZ` ticks; an unset timer is the
    /// kernel's default, 120 s idle, or is kept on replace).
    pub fn resilient(mut self, settings: ResGroup) -> Self {
        self.resilient = Some(settings);
        self
    }

    /// A resilient group of `members` with `settings`: [`group`] then
    /// [`resilient`].
    ///
    /// [`group`]: NexthopRequest::group
    /// [`resilient`]: NexthopRequest::resilient
    pub fn resilient_group(
        self,
        members: &'a [GroupMember],
        settings: ResGroup,
    ) -> Result<Self, InvalidInput> {
        Ok(self.group(members)?.resilient(settings))
    }

    /// Who installs it (`RTPROT_*`; `ip` sends `boot` by default).
    pub fn protocol(mut self, p: u8) -> Self {
        self.protocol = Some(p);
        self
    }

    /// The `nhmsg` family: the one set, else the gateway's, else
    /// `AF_INET` for a device or a blackhole (as `ip` sends), else none.
    fn nh_family(&self) -> u8 {
        if let Some(f) = self.family {
            return f;
        }
        match self.gateway {
            Some(g) => family_of(&g),
            None if self.blackhole || self.oif.is_some() => AF_INET,
            None => AF_UNSPEC,
        }
    }
}

impl Request for NexthopRequest<'_> {
    fn message_type(&self) -> u16 {
        match self.op {
            NhOp::Delete => RTM_DELNEXTHOP,
            _ => RTM_NEWNEXTHOP,
        }
    }
    fn flags(&self) -> u16 {
        match self.op {
            NhOp::Add => NLM_F_CREATE | NLM_F_EXCL,
            NhOp::Replace => NLM_F_CREATE | NLM_F_REPLACE,
            NhOp::Delete => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NhMsg {
            family: self.nh_family(),
            scope: 0,
            protocol: self.protocol.unwrap_or(0),
            flags: self.flags,
        }
        .emit(w);
        if self.id != 0 {
            w.attr_u32(NHA_ID, self.id);
        }
        if self.blackhole {
            w.attr_flag(NHA_BLACKHOLE);
        }
        if let Some(members) = self.group {
            let mut buf = [0u8; 8];
            // A plain attribute (no NLA_F_NESTED) whose array is written
            // in place.
            let start = w.begin_nested_raw(NHA_GROUP);
            for m in members {
                let wt = (m.weight.max(1) - 1).to_le_bytes();
                buf[..4].copy_from_slice(&m.id.to_ne_bytes());
                buf[4] = wt[0];
                buf[5] = wt[1];
                w.put(&buf);
            }
            w.end_nested(start);
        }
        if let Some(res) = self.resilient {
            w.attr_u16(NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES);
            let n = w.begin_nested(NHA_RES_GROUP);
            if let Some(b) = res.buckets {
                w.attr_u16(NHA_RES_GROUP_BUCKETS, b);
            }
            if let Some(t) = res.idle_timer {
                w.attr_u32(NHA_RES_GROUP_IDLE_TIMER, t);
            }
            if let Some(t) = res.unbalanced_timer {
                w.attr_u32(NHA_RES_GROUP_UNBALANCED_TIMER, t);
            }
            w.end_nested(n);
        }
        if let Some(i) = self.oif {
            w.attr_u32(NHA_OIF, i);
        }
        if let Some(g) = &self.gateway {
            attr_ip(w, NHA_GATEWAY, g);
        }
        if self.fdb {
            w.attr_flag(NHA_FDB);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            NhOp::Add => "add",
            NhOp::Replace => "replace",
            NhOp::Delete => "delete",
        };
        write!(f, "{verb} nexthop {}", self.id)
    }
}

crate::request::query!(NexthopMessage => Nexthop: GetNexthops, GetNexthop);

#[cfg(feature = "alloc")]
pub use owned::Nexthop;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;
    use alloc::vec::Vec;

    /// An owned nexthop object.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Nexthop {
        /// Its id.
        pub id: u32,
        /// `AF_INET`, `AF_INET6`, or `AF_UNSPEC` (groups).
        pub family: u8,
        /// Scope.
        pub scope: u8,
        /// Who installed it (`RTPROT_*`).
        pub protocol: u8,
        /// `RTNH_F_*` flags.
        pub flags: u32,
        /// The members, when a group.
        pub group: Vec<GroupMember>,
        /// `NEXTHOP_GRP_TYPE_*`, when a group.
        pub group_type: Option<u16>,
        /// Drops what it is given.
        pub blackhole: bool,
        /// The device.
        pub oif: Option<u32>,
        /// The gateway.
        pub gateway: Option<IpAddr>,
        /// `LWTUNNEL_ENCAP_*`.
        pub encap_type: Option<u16>,
        /// A nexthop of the bridge forwarding database.
        pub fdb: bool,
        /// A resilient group's settings.
        pub res_group: Option<ResGroup>,
    }

    impl Nexthop {
        /// Whether it is a group.
        pub fn is_group(&self) -> bool {
            !self.group.is_empty()
        }
    }

    impl FromMessage for Nexthop {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = NexthopMessage::from_message(msg)?;
            Ok(Nexthop {
                id: v.id.unwrap_or(0),
                family: v.header.family,
                scope: v.header.scope,
                protocol: v.header.protocol,
                flags: v.header.flags,
                group: v.group.map(|g| g.collect()).unwrap_or_default(),
                group_type: v.group_type,
                blackhole: v.blackhole,
                oif: v.oif,
                gateway: v.gateway,
                encap_type: v.encap_type,
                fdb: v.fdb,
                res_group: v.res_group,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    fn emit(r: &dyn Request) -> alloc::vec::Vec<u8> {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn view(b: &[u8]) -> NexthopMessage<'_> {
        let m = Messages::new(b).next().unwrap().unwrap();
        NexthopMessage::parse(m.payload()).unwrap()
    }

    #[test]
    fn a_gateway_hop_round_trips() {
        let r = NexthopRequest::add(7)
            .unwrap()
            .gateway("2001:db8::1".parse().unwrap())
            .device(3)
            .onlink()
            .protocol(3);
        let b = emit(&r);
        let v = view(&b);
        assert_eq!(v.header.family, AF_INET6);
        assert_eq!(v.header.protocol, 3);
        assert!(v.is_onlink());
        assert_eq!(
            (v.id, v.oif, v.gateway),
            (Some(7), Some(3), Some("2001:db8::1".parse().unwrap()))
        );
        assert!(v.group.is_none() && !v.blackhole && !v.fdb);
        assert_eq!(r.flags(), NLM_F_CREATE | NLM_F_EXCL);
    }

    /// Weights travel as weight − 1: 1 is 0 on the wire, 256 is 255.
    #[test]
    fn group_weights_travel_minus_one() {
        let m = [
            GroupMember::new(1),
            GroupMember::weighted(2, 3).unwrap(),
            GroupMember::weighted(3, 256).unwrap(),
        ];
        let r = NexthopRequest::replace(10).unwrap().group(&m).unwrap();
        let b = emit(&r);
        let v = view(&b);
        assert_eq!(v.header.family, AF_UNSPEC);
        let raw = v.raw_attrs().find(NHA_GROUP).unwrap().unwrap();
        assert_eq!(
            raw.payload(),
            &[
                1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 255, 0, 0, 0
            ]
        );
        assert_eq!(v.group.unwrap().collect::<alloc::vec::Vec<_>>(), m);
        assert!(v.group_type.is_none(), "mpath is the default: not sent");
        assert!(GroupMember::weighted(1, 0).is_err());
        // Above 256 the high byte goes in `weight_high`; read back only
        // when the kernel says it zeroes the reserved bytes.
        let big = [GroupMember::weighted(4, 300).unwrap()];
        let b = emit(&NexthopRequest::add(11).unwrap().group(&big).unwrap());
        let v = view(&b);
        let raw = v.raw_attrs().find(NHA_GROUP).unwrap().unwrap();
        assert_eq!(&raw.payload()[4..6], &[43, 1]);
        assert_eq!(
            v.group.unwrap().next().unwrap().weight,
            44,
            "no op flags: low byte"
        );
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        NhMsg::default().emit(&mut w);
        w.attr(NHA_GROUP, raw.payload());
        w.attr_u32(NHA_OP_FLAGS, NHA_OP_FLAG_RESP_GRP_RESVD_0);
        let n = w.finish().unwrap();
        let v = NexthopMessage::parse(&buf[..n]).unwrap();
        assert_eq!(v.group.unwrap().next().unwrap(), big[0]);
        assert!(NexthopRequest::add(1).unwrap().group(&[]).is_err());
    }

    #[test]
    fn a_resilient_group_sends_its_settings() {
        let m = [GroupMember::new(1), GroupMember::new(2)];
        let s = ResGroup {
            buckets: Some(8),
            idle_timer: Some(120 * USER_HZ),
            unbalanced_timer: Some(0),
            unbalanced_time: None,
        };
        let b = emit(
            &NexthopRequest::add(5)
                .unwrap()
                .resilient_group(&m, s)
                .unwrap(),
        );
        let v = view(&b);
        assert_eq!(v.group_type, Some(NEXTHOP_GRP_TYPE_RES));
        assert_eq!(v.res_group, Some(s));
    }

    #[test]
    fn blackhole_delete_and_get() {
        let v = emit(&NexthopRequest::add(0).unwrap().blackhole());
        let v = view(&v);
        assert!(v.blackhole);
        assert_eq!(v.header.family, AF_INET);
        assert_eq!(v.id, None, "id 0: the kernel picks one");
        let d = NexthopRequest::delete(4).unwrap();
        assert_eq!((d.message_type(), d.flags()), (RTM_DELNEXTHOP, 0));
        let b = emit(&d);
        let v = view(&b);
        assert_eq!(v.header, NhMsg::default());
        assert_eq!((v.id, v.raw_attrs().count()), (Some(4), 1), "the id only");
        // What is set is sent, for the kernel to judge (ip does so).
        let b = emit(&NexthopRequest::add(6).unwrap().blackhole().device(3));
        let v = view(&b);
        assert!(v.blackhole && v.oif == Some(3));
        let m = [GroupMember::new(1)];
        let b = emit(
            &NexthopRequest::add(7)
                .unwrap()
                .group(&m)
                .unwrap()
                .blackhole(),
        );
        let v = view(&b);
        assert!(v.blackhole && v.group.is_some());
        assert_eq!(v.header.family, AF_INET, "blackhole: AF_INET, as ip sends");
        assert!(NexthopRequest::delete(0).is_err());
        assert!(GetNexthop::new(0).is_err());
        let b = emit(&GetNexthop::new(9).unwrap());
        assert_eq!(view(&b).id, Some(9));
    }

    #[test]
    fn dump_filters_are_attributes() {
        let b = emit(&GetNexthops::new().device(3).master(4).groups().fdb());
        let m = Messages::new(&b).next().unwrap().unwrap();
        let p = m.payload();
        assert_eq!(NhMsg::parse(p).unwrap(), NhMsg::default());
        let kinds: alloc::vec::Vec<u16> = Attrs::new(&p[NhMsg::LEN..])
            .map(|a| a.unwrap().kind())
            .collect();
        assert_eq!(kinds, [NHA_OIF, NHA_MASTER, NHA_GROUPS, NHA_FDB]);
    }

    /// The filters checked here (the kernel ignores `NHA_FDB` in a dump).
    #[test]
    fn filters_match_on_the_message() {
        let hop = emit(
            &NexthopRequest::add(1)
                .unwrap()
                .gateway("192.0.2.1".parse().unwrap())
                .device(3),
        );
        let fdb = emit(
            &NexthopRequest::add(2)
                .unwrap()
                .gateway("192.0.2.2".parse().unwrap())
                .fdb(),
        );
        let m = [GroupMember::new(1)];
        let grp = emit(&NexthopRequest::add(3).unwrap().group(&m).unwrap());
        let (hop, fdb, grp) = (view(&hop), view(&fdb), view(&grp));
        let all = GetNexthops::new();
        assert!(all.matches(&hop) && all.matches(&fdb) && all.matches(&grp));
        let f = GetNexthops::new().fdb();
        assert!(!f.matches(&hop) && f.matches(&fdb) && !f.matches(&grp));
        let g = GetNexthops::new().groups();
        assert!(!g.matches(&hop) && !g.matches(&fdb) && g.matches(&grp));
        let d = GetNexthops::new().device(3);
        assert!(d.matches(&hop) && !d.matches(&fdb) && !d.matches(&grp));
        let v4 = GetNexthops::new().family(AF_INET);
        assert!(v4.matches(&hop) && !v4.matches(&grp));
    }

    #[test]
    fn malformed_groups_are_errors() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        NhMsg::default().emit(&mut w);
        w.attr(NHA_GROUP, &[1, 0, 0, 0, 0]);
        let n = w.finish().unwrap();
        assert!(NexthopMessage::parse(&buf[..n]).is_err());
        assert!(NexthopMessage::parse(&buf[..4]).is_err());
    }
}
