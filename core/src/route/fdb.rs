//! The bridge forwarding database: `PF_BRIDGE` neighbour messages
//! (`RTM_*NEIGH` with `ndm_family = AF_BRIDGE`), what `bridge fdb` reads
//! and writes.
//!
//! An entry maps a MAC address (and VLAN) to a port. It lives in the
//! bridge's table ([`FdbRequest::on_master`], `NTF_MASTER`) or in a
//! device's own table ([`FdbRequest::on_self`], `NTF_SELF`, the default):
//! a VXLAN device's own table maps MACs to remote tunnel endpoints
//! (`dst`, `port`, `vni`), and the all-zero MAC appended once per remote
//! is the flood list of an overlay.
//!
//! ```
//! use nlwire::route::fdb::{FdbRequest, FdbState};
//! # fn main() -> Result<(), nlwire::InvalidInput> {
//! // bridge fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.2
//! let flood = FdbRequest::append(4, [0; 6])
//!     .dst("198.51.100.2".parse().unwrap());
//! // bridge fdb add 02:00:00:00:00:01 dev veth0 master static vlan 10
//! let entry = FdbRequest::add(5, [2, 0, 0, 0, 0, 1])
//!     .on_master()
//!     .state(FdbState::Static)
//!     .vlan(10);
//! # let _ = (flood, entry);
//! # Ok(())
//! # }
//! ```

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::neigh::{NDA_CACHEINFO, NDA_FLAGS_EXT, NDA_LLADDR, NDA_MASTER, NeighCacheInfo};
use super::neigh::{NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE};
use super::{AF_BRIDGE, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, attr_ip};
use super::{NdMsg, neigh::NDA_DST, neigh::NDA_IFINDEX};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{
    Attrs, DecodeError, Message, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer,
};

/// `NDA_VLAN`: the VLAN of an entry.
pub const NDA_VLAN: u16 = 5;
/// `NDA_PORT`: a VXLAN entry's UDP port (big-endian on the wire).
pub const NDA_PORT: u16 = 6;
/// `NDA_VNI`: a VXLAN entry's remote VNI.
pub const NDA_VNI: u16 = 7;
/// `NDA_LINK_NETNSID`: the namespace of the `via` device.
pub const NDA_LINK_NETNSID: u16 = 10;
/// `NDA_SRC_VNI`: the VNI an entry of a collect-metadata VXLAN is for.
pub const NDA_SRC_VNI: u16 = 11;
/// `NDA_NH_ID`: a nexthop (group) of the forwarding database.
pub const NDA_NH_ID: u16 = 13;
/// `NDA_FDB_EXT_ATTRS`: a nest of `NFEA_*`.
pub const NDA_FDB_EXT_ATTRS: u16 = 14;
/// `NDA_NDM_STATE_MASK`: which state bits a bulk delete matches.
pub const NDA_NDM_STATE_MASK: u16 = 16;
/// `NDA_NDM_FLAGS_MASK`: which flag bits a bulk delete matches.
pub const NDA_NDM_FLAGS_MASK: u16 = 17;
/// `NFEA_ACTIVITY_NOTIFY` (u8 of `FDB_NOTIFY_*`).
pub const NFEA_ACTIVITY_NOTIFY: u16 = 1;
/// `NFEA_DONT_REFRESH` (flag): a replace that keeps the entry's age.
pub const NFEA_DONT_REFRESH: u16 = 2;
/// `FDB_NOTIFY_BIT`: notify when the entry turns active or inactive.
pub const FDB_NOTIFY_BIT: u8 = 1;
/// `FDB_NOTIFY_INACTIVE_BIT`: the entry is inactive.
pub const FDB_NOTIFY_INACTIVE_BIT: u8 = 2;

/// `NTF_USE`: mark the entry used.
pub const NTF_USE: u8 = 0x01;
/// `NTF_SELF`: the device's own table.
pub const NTF_SELF: u8 = 0x02;
/// `NTF_MASTER`: the master bridge's table.
pub const NTF_MASTER: u8 = 0x04;
/// `NTF_EXT_LEARNED`: learned by an external agent.
pub const NTF_EXT_LEARNED: u8 = 0x10;
/// `NTF_OFFLOADED`: offloaded to hardware.
pub const NTF_OFFLOADED: u8 = 0x20;
/// `NTF_STICKY`: never moves to another port.
pub const NTF_STICKY: u8 = 0x40;
/// `NTF_ROUTER`.
pub const NTF_ROUTER: u8 = 0x80;
/// `NTF_EXT_LOCKED` (in `NDA_FLAGS_EXT`): learned on a locked port.
pub const NTF_EXT_LOCKED: u32 = 0x02;
/// `NLM_F_BULK`: a delete of every entry that matches.
pub const NLM_F_BULK: u16 = 0x200;

/// A zero-copy view of a forwarding-database entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FdbMessage<'a> {
    /// The `ndmsg` header: the port's index, the `NUD_*` state, the
    /// `NTF_*` flags.
    pub header: NdMsg,
    /// `NDA_LLADDR`: the MAC address.
    pub lladdr: Option<&'a [u8]>,
    /// `NDA_DST`: a VXLAN entry's remote address (IPv4 or IPv6, by its
    /// length, as `bridge` reads it).
    pub dst: Option<IpAddr>,
    /// `NDA_VLAN`.
    pub vlan: Option<u16>,
    /// `NDA_PORT`: the remote UDP port (host order).
    pub port: Option<u16>,
    /// `NDA_VNI`.
    pub vni: Option<u32>,
    /// `NDA_SRC_VNI`.
    pub src_vni: Option<u32>,
    /// `NDA_IFINDEX`: the device a VXLAN entry sends through (`via`).
    pub via: Option<u32>,
    /// `NDA_NH_ID`.
    pub nhid: Option<u32>,
    /// `NDA_LINK_NETNSID`: the namespace `via` is in.
    pub link_netnsid: Option<i32>,
    /// `NDA_MASTER`: the bridge.
    pub master: Option<u32>,
    /// `NDA_CACHEINFO`: ages in `USER_HZ` ticks.
    pub cacheinfo: Option<NeighCacheInfo>,
    /// `NDA_FLAGS_EXT`: `NTF_EXT_*`.
    pub flags_ext: Option<u32>,
    /// `NFEA_ACTIVITY_NOTIFY`: `FDB_NOTIFY_*` bits.
    pub notify: Option<u8>,
    attrs: &'a [u8],
}

impl<'a> FdbMessage<'a> {
    /// Decodes a forwarding-database message payload (after the netlink
    /// header).
    pub fn parse(payload: &'a [u8]) -> Result<FdbMessage<'a>, DecodeError> {
        let header = NdMsg::parse(payload)?;
        let attrs = &payload[NdMsg::LEN..];
        let mut m = FdbMessage {
            header,
            lladdr: None,
            dst: None,
            vlan: None,
            port: None,
            vni: None,
            src_vni: None,
            via: None,
            nhid: None,
            link_netnsid: None,
            master: None,
            cacheinfo: None,
            flags_ext: None,
            notify: None,
            attrs,
        };
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                NDA_LLADDR => m.lladdr = Some(a.payload()),
                NDA_DST => m.dst = Some(any_ip(&a)?),
                NDA_VLAN => m.vlan = Some(a.u16()?),
                NDA_PORT => m.port = Some(a.be16()?),
                NDA_VNI => m.vni = Some(a.u32()?),
                NDA_SRC_VNI => m.src_vni = Some(a.u32()?),
                NDA_IFINDEX => m.via = Some(a.u32()?),
                NDA_NH_ID => m.nhid = Some(a.u32()?),
                NDA_LINK_NETNSID => m.link_netnsid = Some(a.i32()?),
                NDA_MASTER => m.master = Some(a.u32()?),
                NDA_CACHEINFO => m.cacheinfo = Some(NeighCacheInfo::parse(&a)?),
                NDA_FLAGS_EXT => m.flags_ext = Some(a.u32()?),
                NDA_FDB_EXT_ATTRS => {
                    for e in a.nested() {
                        let e = e?;
                        if e.kind() == NFEA_ACTIVITY_NOTIFY {
                            m.notify = Some(e.u8()?);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWNEIGH` or `RTM_DELNEIGH` of family
    /// `AF_BRIDGE`.
    pub fn from_message(msg: &Message<'a>) -> Result<FdbMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWNEIGH | RTM_DELNEIGH => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "fdb message",
                kind: k,
            }),
        }
    }

    /// The entry's [`FdbState`], when it is one of the three `bridge`
    /// names.
    pub fn state(&self) -> Option<FdbState> {
        FdbState::from_nud(self.header.state)
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// An address attribute read by its length (4: IPv4, 16: IPv6), as
/// `bridge` reads `NDA_DST` (the message's family is `AF_BRIDGE`).
fn any_ip(a: &crate::wire::Attr<'_>) -> Result<IpAddr, DecodeError> {
    let p = a.payload();
    if let Ok(b) = <[u8; 4]>::try_from(p) {
        Ok(IpAddr::V4(Ipv4Addr::from(b)))
    } else if let Ok(b) = <[u8; 16]>::try_from(p) {
        Ok(IpAddr::V6(Ipv6Addr::from(b)))
    } else {
        Err(DecodeError::AttrSize {
            what: "fdb destination",
            kind: a.kind(),
            len: p.len(),
            expected: 4,
        })
    }
}

/// The three states `bridge fdb` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum FdbState {
    /// `permanent` (or `local`): never ages; on a bridge, a MAC of the
    /// bridge itself (`NUD_PERMANENT`). The default.
    #[default]
    Permanent,
    /// `static`: never ages, forwarded to its port (`NUD_NOARP`).
    Static,
    /// `dynamic`: ages like a learned entry (`NUD_REACHABLE`).
    Dynamic,
}

impl FdbState {
    /// The `ndm_state` `bridge fdb add` sends for it.
    pub fn nud(self) -> u16 {
        match self {
            FdbState::Permanent => NUD_NOARP | NUD_PERMANENT,
            FdbState::Static => NUD_NOARP | NUD_REACHABLE,
            FdbState::Dynamic => NUD_REACHABLE,
        }
    }

    /// The state of an entry read back: permanent before static, as
    /// `bridge` names them; `None` for a stale or other state.
    pub fn from_nud(state: u16) -> Option<FdbState> {
        if state & NUD_PERMANENT != 0 {
            Some(FdbState::Permanent)
        } else if state & NUD_NOARP != 0 {
            Some(FdbState::Static)
        } else if state & NUD_STALE != 0 {
            None
        } else if state & NUD_REACHABLE != 0 {
            Some(FdbState::Dynamic)
        } else {
            None
        }
    }
}

/// Dump the forwarding databases, with the filters the kernel applies
/// itself (`ndm_ifindex` for a port, `NDA_MASTER` for a bridge) and
/// those `bridge fdb show` applies to what comes back
/// ([`GetFdbEntries::matches`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetFdbEntries {
    port: u32,
    bridge: Option<u32>,
    vlan: Option<u16>,
    states: u16,
    dynamic: bool,
}

impl GetFdbEntries {
    /// Every entry of every device.
    pub fn new() -> Self {
        GetFdbEntries::default()
    }

    /// Only the entries of device `index` (`bridge fdb show brport DEV`;
    /// the kernel filters).
    pub fn port(mut self, index: u32) -> Self {
        self.port = index;
        self
    }

    /// Only the entries of bridge `index` and of its ports (`bridge fdb
    /// show br DEV`; the kernel filters).
    pub fn bridge(mut self, index: u32) -> Self {
        self.bridge = Some(index);
        self
    }

    /// Only entries of VLAN `vid` (`vlan VID`; 0 filters nothing, as
    /// `bridge` reads it; an entry without a VLAN attribute counts as
    /// VLAN 0).
    pub fn vlan(mut self, vid: u16) -> Self {
        self.vlan = Some(vid);
        self
    }

    /// Only entries with one of these `NUD_*` bits (`state STATE`,
    /// repeated ones add up).
    pub fn states(mut self, nud: u16) -> Self {
        self.states |= nud;
        self
    }

    /// Only entries that are not permanent (`dynamic`).
    pub fn dynamic(mut self) -> Self {
        self.dynamic = true;
        self
    }

    /// Whether an entry passes the filters `bridge` checks on what the
    /// kernel sent (family, port, VLAN, state, `dynamic`).
    pub fn matches(&self, m: &FdbMessage<'_>) -> bool {
        m.header.family == AF_BRIDGE
            && (self.port == 0 || m.header.index == self.port)
            && (self.states == 0 || m.header.state & self.states != 0)
            && self.vlan.is_none_or(|v| v == 0 || m.vlan.unwrap_or(0) == v)
            && (!self.dynamic || m.header.state & NUD_PERMANENT == 0)
    }
}

impl Request for GetFdbEntries {
    fn message_type(&self) -> u16 {
        RTM_GETNEIGH
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: AF_BRIDGE,
            index: self.port,
            ..Default::default()
        }
        .emit(w);
        if let Some(b) = self.bridge {
            w.attr_u32(NDA_MASTER, b);
        }
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        if !matches!(msg.kind(), RTM_NEWNEIGH | RTM_DELNEIGH) {
            return true;
        }
        // A message that does not decode is let through, to be reported.
        FdbMessage::parse(msg.payload()).map_or(true, |m| self.matches(&m))
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump fdb")
    }
}

/// Ask for one entry (`bridge fdb get`): one `RTM_NEWNEIGH` comes back,
/// or `ENOENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetFdbEntry {
    mac: [u8; 6],
    port: u32,
    bridge: Option<u32>,
    vlan: Option<u16>,
    vni: Option<u32>,
    flags: u8,
}

impl GetFdbEntry {
    /// The entry for `mac` in the bridge table of port `port` (a device
    /// that is no bridge port is refused, `EINVAL`); with
    /// [`GetFdbEntry::on_self`], from `port`'s own table, which only a
    /// bridge or a VXLAN device answers (`EOPNOTSUPP` otherwise); with
    /// `port` 0, name the bridge with [`GetFdbEntry::bridge`].
    pub fn new(port: u32, mac: [u8; 6]) -> Self {
        GetFdbEntry {
            mac,
            port,
            bridge: None,
            vlan: None,
            vni: None,
            flags: 0,
        }
    }

    /// In bridge `index`'s table (`NDA_MASTER`, `br DEV`): the port may
    /// then be 0.
    pub fn bridge(mut self, index: u32) -> Self {
        self.bridge = Some(index);
        self
    }

    /// Of VLAN `vid`.
    pub fn vlan(mut self, vid: u16) -> Self {
        self.vlan = Some(vid);
        self
    }

    /// Of VNI `vni` (a VXLAN device's table; at most 2²⁴−1).
    pub fn vni(mut self, vni: u32) -> Result<Self, InvalidInput> {
        self.vni = Some(check_vni(vni)?);
        Ok(self)
    }

    /// From the device's own table (`NTF_SELF`).
    pub fn on_self(mut self) -> Self {
        self.flags |= NTF_SELF;
        self
    }

    /// From the master bridge's table (`NTF_MASTER`).
    pub fn on_master(mut self) -> Self {
        self.flags |= NTF_MASTER;
        self
    }
}

impl Request for GetFdbEntry {
    fn message_type(&self) -> u16 {
        RTM_GETNEIGH
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: AF_BRIDGE,
            index: self.port,
            flags: self.flags,
            ..Default::default()
        }
        .emit(w);
        w.attr(NDA_LLADDR, &self.mac);
        if let Some(v) = self.vlan {
            w.attr_u16(NDA_VLAN, v);
        }
        if let Some(v) = self.vni {
            w.attr_u32(NDA_VNI, v);
        }
        if let Some(b) = self.bridge {
            w.attr_u32(NDA_MASTER, b);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get fdb entry {}", Mac(&self.mac))
    }
}

fn check_vni(vni: u32) -> Result<u32, InvalidInput> {
    if vni >> 24 != 0 {
        return Err(InvalidInput::OutOfRange {
            what: "VNI",
            value: vni as u64,
            range: "0 to 16777215",
        });
    }
    Ok(vni)
}

/// A MAC address as `aa:bb:cc:dd:ee:ff`, for descriptions (the ops' too).
pub(crate) struct Mac<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Mac<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::fmt_hex_colon(self.0, f)
    }
}

/// The `NTF_*` flags to send: `NTF_SELF` added when neither table is
/// named, as `bridge` assumes `self`.
fn with_default_table(flags: u8) -> u8 {
    if flags & (NTF_SELF | NTF_MASTER) == 0 {
        flags | NTF_SELF
    } else {
        flags
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FdbStateBits {
    Named(FdbState),
    Raw(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FdbOp {
    Add,
    Append,
    Replace,
    Delete,
}

/// Add, append, replace or delete a forwarding-database entry, as
/// `bridge fdb add|append|replace|del` sends it.
///
/// Without [`FdbRequest::on_master`] or [`FdbRequest::on_self`], the
/// device's own table is meant (`NTF_SELF`, `bridge`'s default); without
/// [`FdbRequest::state`], the entry is permanent. What is set is sent,
/// and the kernel judges the combination (a `dst` on a bridge port, a
/// `nhid` with a `dst`: it refuses them with its own message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbRequest {
    op: FdbOp,
    port: u32,
    mac: [u8; 6],
    flags: u8,
    state: FdbStateBits,
    vlan: Option<u16>,
    dst: Option<IpAddr>,
    udp_port: Option<u16>,
    vni: Option<u32>,
    src_vni: Option<u32>,
    via: Option<u32>,
    nhid: Option<u32>,
    notify: u8,
    norefresh: bool,
}

impl FdbRequest {
    fn new(op: FdbOp, port: u32, mac: [u8; 6]) -> FdbRequest {
        FdbRequest {
            op,
            port,
            mac,
            flags: 0,
            state: FdbStateBits::Named(FdbState::Permanent),
            vlan: None,
            dst: None,
            udp_port: None,
            vni: None,
            src_vni: None,
            via: None,
            nhid: None,
            notify: 0,
            norefresh: false,
        }
    }

    /// A new entry for `mac` on device `port` (`NLM_F_CREATE |
    /// NLM_F_EXCL`).
    pub fn add(port: u32, mac: [u8; 6]) -> FdbRequest {
        Self::new(FdbOp::Add, port, mac)
    }

    /// One more destination for `mac` on a VXLAN device (`NLM_F_CREATE |
    /// NLM_F_APPEND`): the all-zero MAC, appended once per remote, is the
    /// flood list.
    pub fn append(port: u32, mac: [u8; 6]) -> FdbRequest {
        Self::new(FdbOp::Append, port, mac)
    }

    /// The entry for `mac`, made or replaced (`NLM_F_CREATE |
    /// NLM_F_REPLACE`).
    pub fn replace(port: u32, mac: [u8; 6]) -> FdbRequest {
        Self::new(FdbOp::Replace, port, mac)
    }

    /// Deletes the entry for `mac` (with its VLAN, and on a VXLAN device
    /// its `dst`/`port`/`vni`, to pick one of several destinations).
    pub fn delete(port: u32, mac: [u8; 6]) -> FdbRequest {
        Self::new(FdbOp::Delete, port, mac)
    }

    /// In the master bridge's table (`NTF_MASTER`, `master`).
    pub fn on_master(mut self) -> Self {
        self.flags |= NTF_MASTER;
        self
    }

    /// In the device's own table (`NTF_SELF`, `self`); the default unless
    /// [`FdbRequest::on_master`] is set. Both may be set.
    pub fn on_self(mut self) -> Self {
        self.flags |= NTF_SELF;
        self
    }

    /// Permanent (the default), static or dynamic.
    pub fn state(mut self, state: FdbState) -> Self {
        self.state = FdbStateBits::Named(state);
        self
    }

    /// The raw `NUD_*` state to send, for a combination [`FdbState`] does
    /// not name (`bridge fdb add … static permanent` sends
    /// `NUD_NOARP | NUD_REACHABLE | NUD_PERMANENT`).
    pub fn nud_state(mut self, nud: u16) -> Self {
        self.state = FdbStateBits::Raw(nud);
        self
    }

    /// For VLAN `vid` (the kernel takes 1 to 4094).
    pub fn vlan(mut self, vid: u16) -> Self {
        self.vlan = Some(vid);
        self
    }

    /// A VXLAN entry's remote endpoint (`dst`).
    pub fn dst(mut self, dst: IpAddr) -> Self {
        self.dst = Some(dst);
        self
    }

    /// A VXLAN entry's remote UDP port (`port`; 0 is not sent, as
    /// `bridge` does not send it).
    pub fn udp_port(mut self, port: u16) -> Self {
        self.udp_port = (port != 0).then_some(port);
        self
    }

    /// A VXLAN entry's remote VNI (`vni`, at most 2²⁴−1).
    pub fn vni(mut self, vni: u32) -> Result<Self, InvalidInput> {
        self.vni = Some(check_vni(vni)?);
        Ok(self)
    }

    /// The VNI of a collect-metadata VXLAN's entry (`src_vni`).
    pub fn src_vni(mut self, vni: u32) -> Result<Self, InvalidInput> {
        self.src_vni = Some(check_vni(vni)?);
        Ok(self)
    }

    /// The device a VXLAN entry sends through (`via DEV`).
    pub fn via(mut self, index: u32) -> Self {
        self.via = Some(index);
        self
    }

    /// A nexthop group of the forwarding database instead of a `dst`
    /// (`nhid`; 0 is not sent).
    pub fn nhid(mut self, id: u32) -> Self {
        self.nhid = (id != 0).then_some(id);
        self
    }

    /// Adds `NTF_*` flags: [`NTF_ROUTER`], [`NTF_USE`],
    /// [`NTF_EXT_LEARNED`], [`NTF_STICKY`] (`router`, `use`,
    /// `extern_learn`, `sticky`).
    pub fn flags(mut self, ntf: u8) -> Self {
        self.flags |= ntf;
        self
    }

    /// Notify on activity changes (`activity_notify`), and start
    /// inactive (`inactive`).
    pub fn activity_notify(mut self, notify: bool, inactive: bool) -> Self {
        self.notify =
            u8::from(notify) * FDB_NOTIFY_BIT + u8::from(inactive) * FDB_NOTIFY_INACTIVE_BIT;
        self
    }

    /// A replace that keeps the entry's activity (`norefresh`).
    pub fn norefresh(mut self) -> Self {
        self.norefresh = true;
        self
    }

    /// The `NTF_*` flags sent: `NTF_SELF` when neither table was named.
    fn ntf(&self) -> u8 {
        with_default_table(self.flags)
    }
}

impl Request for FdbRequest {
    fn message_type(&self) -> u16 {
        match self.op {
            FdbOp::Delete => RTM_DELNEIGH,
            _ => RTM_NEWNEIGH,
        }
    }
    fn flags(&self) -> u16 {
        match self.op {
            FdbOp::Add => NLM_F_CREATE | NLM_F_EXCL,
            FdbOp::Append => NLM_F_CREATE | NLM_F_APPEND,
            FdbOp::Replace => NLM_F_CREATE | NLM_F_REPLACE,
            FdbOp::Delete => 0,
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: AF_BRIDGE,
            index: self.port,
            state: match self.state {
                FdbStateBits::Named(s) => s.nud(),
                FdbStateBits::Raw(n) => n,
            },
            flags: self.ntf(),
            kind: 0,
        }
        .emit(w);
        w.attr(NDA_LLADDR, &self.mac);
        if let Some(d) = &self.dst {
            attr_ip(w, NDA_DST, d);
        }
        if let Some(v) = self.vlan {
            w.attr_u16(NDA_VLAN, v);
        }
        if let Some(n) = self.nhid {
            w.attr_u32(NDA_NH_ID, n);
        }
        if let Some(p) = self.udp_port {
            w.attr(NDA_PORT, &p.to_be_bytes());
        }
        if let Some(v) = self.vni {
            w.attr_u32(NDA_VNI, v);
        }
        if let Some(v) = self.src_vni {
            w.attr_u32(NDA_SRC_VNI, v);
        }
        if let Some(i) = self.via {
            w.attr_u32(NDA_IFINDEX, i);
        }
        if self.notify != 0 || self.norefresh {
            let n = w.begin_nested(NDA_FDB_EXT_ATTRS);
            if self.notify != 0 {
                w.attr_u8(NFEA_ACTIVITY_NOTIFY, self.notify);
            }
            if self.norefresh {
                w.attr_flag(NFEA_DONT_REFRESH);
            }
            w.end_nested(n);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            FdbOp::Add => "add",
            FdbOp::Append => "append",
            FdbOp::Replace => "replace",
            FdbOp::Delete => "delete",
        };
        write!(
            f,
            "{verb} fdb entry {} on link {}",
            Mac(&self.mac),
            self.port
        )
    }
}

/// Delete every entry of a device's table that matches (`bridge fdb
/// flush`: `RTM_DELNEIGH` with `NLM_F_BULK`, Linux 5.19 and later). The
/// kernel matches the flags and states named with their masks, and the
/// port, VLAN and VXLAN fields set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbFlush {
    dev: u32,
    flags: u8,
    flags_mask: u8,
    state: u16,
    state_mask: u16,
    brport: Option<u32>,
    vlan: Option<u16>,
    src_vni: Option<u32>,
    nhid: Option<u32>,
    vni: Option<u32>,
    udp_port: Option<u16>,
    dst: Option<IpAddr>,
}

impl FdbFlush {
    /// The entries of device `dev` (a bridge's own table unless
    /// [`FdbFlush::on_master`]).
    pub fn new(dev: u32) -> Self {
        FdbFlush {
            dev,
            flags: 0,
            flags_mask: 0,
            state: 0,
            state_mask: 0,
            brport: None,
            vlan: None,
            src_vni: None,
            nhid: None,
            vni: None,
            udp_port: None,
            dst: None,
        }
    }

    /// From the master bridge's table (`master`).
    pub fn on_master(mut self) -> Self {
        self.flags |= NTF_MASTER;
        self
    }

    /// From the device's own table (`self`, the default).
    pub fn on_self(mut self) -> Self {
        self.flags |= NTF_SELF;
        self
    }

    /// Only entries whose `NTF_*` bits under `mask` are those of `flags`
    /// (`[no]sticky`, `[no]extern_learn`, …); `NTF_SELF`/`NTF_MASTER` in
    /// `flags` name the table, as [`FdbFlush::on_master`] does. Sent as
    /// given (`ndm_flags`, `NDA_NDM_FLAGS_MASK`), replacing earlier calls.
    pub fn flags(mut self, flags: u8, mask: u8) -> Self {
        self.flags = (self.flags & (NTF_SELF | NTF_MASTER)) | flags;
        self.flags_mask = mask;
        self
    }

    /// Only entries whose `NUD_*` bits under `mask` are those of `state`
    /// (`[no]permanent`, `[no]static`, `[no]dynamic`). Sent as given
    /// (`ndm_state`, `NDA_NDM_STATE_MASK`), replacing earlier calls.
    pub fn state(mut self, state: u16, mask: u16) -> Self {
        self.state = state;
        self.state_mask = mask;
        self
    }

    /// Only entries of bridge port `index` (`brport`).
    pub fn brport(mut self, index: u32) -> Self {
        self.brport = Some(index);
        self
    }

    /// Only entries of VLAN `vid`.
    pub fn vlan(mut self, vid: u16) -> Self {
        self.vlan = Some(vid);
        self
    }

    /// Only entries of source VNI `vni`.
    pub fn src_vni(mut self, vni: u32) -> Result<Self, InvalidInput> {
        self.src_vni = Some(check_vni(vni)?);
        Ok(self)
    }

    /// Only entries of remote VNI `vni`.
    pub fn vni(mut self, vni: u32) -> Result<Self, InvalidInput> {
        self.vni = Some(check_vni(vni)?);
        Ok(self)
    }

    /// Only entries using nexthop `id`.
    pub fn nhid(mut self, id: u32) -> Self {
        self.nhid = (id != 0).then_some(id);
        self
    }

    /// Only entries of remote UDP port `port`.
    pub fn udp_port(mut self, port: u16) -> Self {
        self.udp_port = (port != 0).then_some(port);
        self
    }

    /// Only entries of remote `dst`.
    pub fn dst(mut self, dst: IpAddr) -> Self {
        self.dst = Some(dst);
        self
    }
}

impl Request for FdbFlush {
    fn message_type(&self) -> u16 {
        RTM_DELNEIGH
    }
    fn flags(&self) -> u16 {
        NLM_F_BULK
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NdMsg {
            family: AF_BRIDGE,
            index: self.dev,
            state: self.state,
            flags: with_default_table(self.flags),
            kind: 0,
        }
        .emit(w);
        if let Some(i) = self.brport {
            w.attr_u32(NDA_IFINDEX, i);
        }
        if let Some(v) = self.vlan {
            w.attr_u16(NDA_VLAN, v);
        }
        if let Some(v) = self.src_vni {
            w.attr_u32(NDA_SRC_VNI, v);
        }
        if let Some(n) = self.nhid {
            w.attr_u32(NDA_NH_ID, n);
        }
        if let Some(v) = self.vni {
            w.attr_u32(NDA_VNI, v);
        }
        if let Some(p) = self.udp_port {
            w.attr(NDA_PORT, &p.to_be_bytes());
        }
        if let Some(d) = &self.dst {
            attr_ip(w, NDA_DST, d);
        }
        if self.flags_mask != 0 {
            w.attr_u8(NDA_NDM_FLAGS_MASK, self.flags_mask);
        }
        if self.state_mask != 0 {
            w.attr_u16(NDA_NDM_STATE_MASK, self.state_mask);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "flush fdb of link {}", self.dev)
    }
}

crate::request::query!(FdbMessage => FdbEntry: GetFdbEntries, GetFdbEntry);

#[cfg(feature = "alloc")]
pub use owned::FdbEntry;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;
    use crate::route::HwAddr;

    /// An owned forwarding-database entry.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct FdbEntry {
        /// The device whose table holds it (a bridge port, a bridge, a
        /// VXLAN device).
        pub index: u32,
        /// `NUD_*` state.
        pub state: u16,
        /// `NTF_*` flags.
        pub flags: u8,
        /// The MAC address.
        pub lladdr: Option<HwAddr>,
        /// A VXLAN entry's remote address.
        pub dst: Option<IpAddr>,
        /// The VLAN.
        pub vlan: Option<u16>,
        /// A VXLAN entry's remote UDP port.
        pub port: Option<u16>,
        /// A VXLAN entry's remote VNI.
        pub vni: Option<u32>,
        /// A collect-metadata VXLAN entry's VNI.
        pub src_vni: Option<u32>,
        /// The device a VXLAN entry sends through.
        pub via: Option<u32>,
        /// The nexthop group used.
        pub nhid: Option<u32>,
        /// The namespace of `via`.
        pub link_netnsid: Option<i32>,
        /// The bridge.
        pub master: Option<u32>,
        /// Ages in `USER_HZ` ticks.
        pub cacheinfo: Option<NeighCacheInfo>,
        /// `NTF_EXT_*` flags.
        pub flags_ext: Option<u32>,
        /// `FDB_NOTIFY_*` bits.
        pub notify: Option<u8>,
    }

    impl FdbEntry {
        /// Its [`FdbState`], when one of the three `bridge` names.
        pub fn fdb_state(&self) -> Option<FdbState> {
            FdbState::from_nud(self.state)
        }
    }

    impl FromMessage for FdbEntry {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = FdbMessage::from_message(msg)?;
            Ok(FdbEntry {
                index: v.header.index,
                state: v.header.state,
                flags: v.header.flags,
                lladdr: v.lladdr.and_then(HwAddr::new),
                dst: v.dst,
                vlan: v.vlan,
                port: v.port,
                vni: v.vni,
                src_vni: v.src_vni,
                via: v.via,
                nhid: v.nhid,
                link_netnsid: v.link_netnsid,
                master: v.master,
                cacheinfo: v.cacheinfo,
                flags_ext: v.flags_ext,
                notify: v.notify,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Messages, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
    use alloc::vec::Vec;

    fn emit(r: &impl Request) -> ([u8; 256], usize) {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 7, 0);
        let n = w.len();
        (buf, n)
    }

    /// What `bridge fdb append 00:00:00:00:00:00 dev vx0 dst 198.51.100.2
    /// port 4789 vni 42` sends, byte for byte (iproute2's `fdb_modify`):
    /// self, permanent|noarp, CREATE|APPEND, the attributes in its order.
    #[test]
    fn append_is_what_bridge_sends() {
        let r = FdbRequest::append(4, [0; 6])
            .dst("198.51.100.2".parse().unwrap())
            .udp_port(4789)
            .vni(42)
            .unwrap();
        let (buf, n) = emit(&r);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.kind(), RTM_NEWNEIGH);
        assert_eq!(
            msg.flags(),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND
        );
        let v = FdbMessage::parse(msg.payload()).unwrap();
        assert_eq!(v.header.family, AF_BRIDGE);
        assert_eq!(v.header.index, 4);
        assert_eq!(v.header.flags, NTF_SELF);
        assert_eq!(v.header.state, NUD_NOARP | NUD_PERMANENT);
        assert_eq!(v.lladdr, Some(&[0u8; 6][..]));
        assert_eq!(v.dst, Some("198.51.100.2".parse().unwrap()));
        assert_eq!(v.port, Some(4789));
        assert_eq!(v.vni, Some(42));
        let kinds: Vec<u16> = v.raw_attrs().map(|a| a.unwrap().kind()).collect();
        assert_eq!(kinds, [NDA_LLADDR, NDA_DST, NDA_PORT, NDA_VNI]);
        // The port is big-endian on the wire.
        let p = v
            .raw_attrs()
            .map(|a| a.unwrap())
            .find(|a| a.kind() == NDA_PORT);
        assert_eq!(p.unwrap().payload(), &4789u16.to_be_bytes());
    }

    #[test]
    fn states_and_tables_are_bridges() {
        for (s, nud) in [
            (FdbState::Permanent, NUD_NOARP | NUD_PERMANENT),
            (FdbState::Static, NUD_NOARP | NUD_REACHABLE),
            (FdbState::Dynamic, NUD_REACHABLE),
        ] {
            assert_eq!(s.nud(), nud);
            assert_eq!(FdbState::from_nud(nud), Some(s));
        }
        assert_eq!(FdbState::from_nud(NUD_STALE), None);
        let r = FdbRequest::add(3, [2, 0, 0, 0, 0, 1]).on_master();
        assert_eq!(r.ntf(), NTF_MASTER);
        assert_eq!(r.on_self().ntf(), NTF_MASTER | NTF_SELF);
        assert_eq!(
            FdbRequest::delete(3, [0; 6]).flags(NTF_STICKY).ntf(),
            NTF_STICKY | NTF_SELF
        );
    }

    #[test]
    fn vnis_past_24_bits_are_refused() {
        assert!(FdbRequest::add(1, [0; 6]).vni(1 << 24).is_err());
        assert!(FdbRequest::add(1, [0; 6]).src_vni(u32::MAX).is_err());
        assert!(FdbRequest::add(1, [0; 6]).vni((1 << 24) - 1).is_ok());
        assert!(GetFdbEntry::new(1, [0; 6]).vni(1 << 24).is_err());
    }

    #[test]
    fn the_dump_filters_go_where_the_kernel_reads_them() {
        let (buf, n) = emit(&GetFdbEntries::new().port(5).bridge(3).vlan(10));
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_DUMP);
        let v = FdbMessage::parse(msg.payload()).unwrap();
        assert_eq!(v.header.index, 5);
        assert_eq!(v.master, Some(3));
        // The VLAN is bridge's own filter: the strict kernel refuses any
        // attribute but NDA_IFINDEX and NDA_MASTER.
        assert_eq!(v.vlan, None);
        assert_eq!(v.header.state, 0);
        assert_eq!(v.header.flags, 0);
    }

    #[test]
    fn flush_sends_masks() {
        let f = FdbFlush::new(2)
            .on_master()
            .state(NUD_NOARP, NUD_NOARP | NUD_PERMANENT)
            .flags(0, NTF_STICKY)
            .vlan(7);
        let (buf, n) = emit(&f);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_ACK | NLM_F_BULK);
        let v = FdbMessage::parse(msg.payload()).unwrap();
        assert_eq!(v.header.flags, NTF_MASTER);
        assert_eq!(v.header.state, NUD_NOARP);
        let mut masks = v
            .raw_attrs()
            .map(|a| a.unwrap())
            .filter(|a| matches!(a.kind(), NDA_NDM_FLAGS_MASK | NDA_NDM_STATE_MASK));
        assert_eq!(masks.next().unwrap().u8(), Ok(NTF_STICKY));
        assert_eq!(masks.next().unwrap().u16(), Ok(NUD_NOARP | NUD_PERMANENT));
    }

    #[test]
    fn a_bad_destination_length_is_an_error() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        NdMsg {
            family: AF_BRIDGE,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr(NDA_DST, &[1, 2, 3]);
        let n = w.len();
        assert!(FdbMessage::parse(&buf[..n]).is_err());
        // Truncated headers too.
        assert!(FdbMessage::parse(&buf[..5]).is_err());
    }

    #[test]
    fn ext_attrs_round_trip() {
        let r = FdbRequest::replace(1, [2, 0, 0, 0, 0, 9])
            .activity_notify(true, true)
            .norefresh();
        let (buf, n) = emit(&r);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let v = FdbMessage::parse(msg.payload()).unwrap();
        assert_eq!(v.notify, Some(FDB_NOTIFY_BIT | FDB_NOTIFY_INACTIVE_BIT));
    }
}
