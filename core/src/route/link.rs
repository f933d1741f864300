//! Link messages (`RTM_*LINK`, `struct ifinfomsg` + `IFLA_*`).

use core::fmt;

use super::{RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, fmt_hex_colon};
use crate::request::Request;
use crate::wire::{Attr, Attrs, DecodeError, Message, Writer, need, read_u16, read_u32};
use crate::{InvalidInput, LinkRef};

/// `IFLA_ADDRESS`.
pub const IFLA_ADDRESS: u16 = 1;
/// `IFLA_BROADCAST`.
pub const IFLA_BROADCAST: u16 = 2;
/// `IFLA_IFNAME`.
pub const IFLA_IFNAME: u16 = 3;
/// `IFLA_MTU`.
pub const IFLA_MTU: u16 = 4;
/// `IFLA_LINK`.
pub const IFLA_LINK: u16 = 5;
/// `IFLA_QDISC`.
pub const IFLA_QDISC: u16 = 6;
/// `IFLA_MASTER`.
pub const IFLA_MASTER: u16 = 10;
/// `IFLA_TXQLEN`.
pub const IFLA_TXQLEN: u16 = 13;
/// `IFLA_OPERSTATE`.
pub const IFLA_OPERSTATE: u16 = 16;
/// `IFLA_LINKMODE`.
pub const IFLA_LINKMODE: u16 = 17;
/// `IFLA_LINKINFO`.
pub const IFLA_LINKINFO: u16 = 18;
/// `IFLA_IFALIAS`.
pub const IFLA_IFALIAS: u16 = 20;
/// `IFLA_GROUP`.
pub const IFLA_GROUP: u16 = 27;
/// `IFLA_EXT_MASK`.
pub const IFLA_EXT_MASK: u16 = 29;
/// `IFLA_INFO_KIND` (inside `IFLA_LINKINFO`).
pub const IFLA_INFO_KIND: u16 = 1;
/// `IFLA_INFO_SLAVE_KIND` (inside `IFLA_LINKINFO`).
pub const IFLA_INFO_SLAVE_KIND: u16 = 4;

/// `IFF_UP`.
pub const IFF_UP: u32 = 0x1;
/// `IFF_BROADCAST`.
pub const IFF_BROADCAST: u32 = 0x2;
/// `IFF_LOOPBACK`.
pub const IFF_LOOPBACK: u32 = 0x8;
/// `IFF_POINTOPOINT`.
pub const IFF_POINTOPOINT: u32 = 0x10;
/// `IFF_NOARP`.
pub const IFF_NOARP: u32 = 0x80;
/// `IFF_PROMISC`.
pub const IFF_PROMISC: u32 = 0x100;
/// `IFF_MULTICAST`.
pub const IFF_MULTICAST: u32 = 0x1000;
/// `IFF_LOWER_UP`.
pub const IFF_LOWER_UP: u32 = 0x10000;

/// `struct ifinfomsg`, the fixed header of a link message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct IfInfoMsg {
    /// `ifi_family` (`AF_UNSPEC` for most requests).
    pub family: u8,
    /// `ifi_type`: the `ARPHRD_*` link type.
    pub link_type: u16,
    /// `ifi_index`: interface index.
    pub index: u32,
    /// `ifi_flags`: `IFF_*`.
    pub flags: u32,
    /// `ifi_change`: mask of flags to change (requests).
    pub change: u32,
}

impl IfInfoMsg {
    /// Encoded length.
    pub const LEN: usize = 16;

    /// Decodes the header from the start of a message payload.
    pub fn parse(b: &[u8]) -> Result<IfInfoMsg, DecodeError> {
        need(b, Self::LEN, "ifinfomsg")?;
        Ok(IfInfoMsg {
            family: b[0],
            link_type: read_u16(b, 2),
            index: read_u32(b, 4),
            flags: read_u32(b, 8),
            change: read_u32(b, 12),
        })
    }

    /// Appends the encoded header.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let mut b = [0u8; Self::LEN];
        b[0] = self.family;
        b[2..4].copy_from_slice(&self.link_type.to_ne_bytes());
        b[4..8].copy_from_slice(&self.index.to_ne_bytes());
        b[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        b[12..16].copy_from_slice(&self.change.to_ne_bytes());
        w.put(&b);
    }
}

/// `IFLA_OPERSTATE` values (RFC 2863 operational status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperState {
    /// `IF_OPER_UNKNOWN`.
    Unknown,
    /// `IF_OPER_NOTPRESENT`.
    NotPresent,
    /// `IF_OPER_DOWN`.
    Down,
    /// `IF_OPER_LOWERLAYERDOWN`.
    LowerLayerDown,
    /// `IF_OPER_TESTING`.
    Testing,
    /// `IF_OPER_DORMANT`.
    Dormant,
    /// `IF_OPER_UP`.
    Up,
    /// A value this version does not know.
    Other(u8),
}

impl OperState {
    /// From the raw `IFLA_OPERSTATE` byte.
    pub fn from_raw(v: u8) -> Self {
        match v {
            0 => OperState::Unknown,
            1 => OperState::NotPresent,
            2 => OperState::Down,
            3 => OperState::LowerLayerDown,
            4 => OperState::Testing,
            5 => OperState::Dormant,
            6 => OperState::Up,
            v => OperState::Other(v),
        }
    }

    /// The raw byte.
    pub fn raw(self) -> u8 {
        match self {
            OperState::Unknown => 0,
            OperState::NotPresent => 1,
            OperState::Down => 2,
            OperState::LowerLayerDown => 3,
            OperState::Testing => 4,
            OperState::Dormant => 5,
            OperState::Up => 6,
            OperState::Other(v) => v,
        }
    }

    /// The name `ip` prints (`UP`, `DOWN`, `UNKNOWN`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            OperState::Unknown | OperState::Other(_) => "UNKNOWN",
            OperState::NotPresent => "NOTPRESENT",
            OperState::Down => "DOWN",
            OperState::LowerLayerDown => "LOWERLAYERDOWN",
            OperState::Testing => "TESTING",
            OperState::Dormant => "DORMANT",
            OperState::Up => "UP",
        }
    }
}

/// A link-layer address (`IFLA_ADDRESS`, `IFLA_BROADCAST`), up to the
/// kernel's `MAX_ADDR_LEN` of 32 bytes, stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HwAddr {
    len: u8,
    bytes: [u8; 32],
}

impl HwAddr {
    /// From raw bytes; `None` if longer than 32.
    pub fn new(b: &[u8]) -> Option<HwAddr> {
        if b.len() > 32 {
            return None;
        }
        let mut bytes = [0u8; 32];
        bytes[..b.len()].copy_from_slice(b);
        Some(HwAddr {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The address bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl fmt::Display for HwAddr {
    /// `aa:bb:cc:dd:ee:ff`, as `ip` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_hex_colon(self.as_bytes(), f)
    }
}

impl fmt::Debug for HwAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HwAddr({self})")
    }
}

/// One decoded link attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkAttr<'a> {
    /// `IFLA_ADDRESS`.
    Address(&'a [u8]),
    /// `IFLA_BROADCAST`.
    Broadcast(&'a [u8]),
    /// `IFLA_IFNAME`.
    Name(&'a str),
    /// `IFLA_MTU`.
    Mtu(u32),
    /// `IFLA_LINK`: index of the lower link.
    Link(u32),
    /// `IFLA_QDISC`.
    Qdisc(&'a str),
    /// `IFLA_MASTER`: index of the master (bridge, bond) link.
    Master(u32),
    /// `IFLA_TXQLEN`.
    TxQueueLen(u32),
    /// `IFLA_OPERSTATE`.
    OperState(OperState),
    /// `IFLA_LINKMODE`.
    LinkMode(u8),
    /// `IFLA_LINKINFO`, a nest (read it with [`Attr::nested`]; the kind is
    /// decoded into [`LinkMessage::kind`]).
    LinkInfo(Attr<'a>),
    /// `IFLA_IFALIAS`.
    Alias(&'a str),
    /// `IFLA_GROUP`.
    Group(u32),
    /// Any other attribute, kept whole.
    Other(Attr<'a>),
}

impl<'a> LinkAttr<'a> {
    /// Decodes one raw attribute.
    pub fn parse(a: Attr<'a>) -> Result<LinkAttr<'a>, DecodeError> {
        Ok(match a.kind() {
            IFLA_ADDRESS => LinkAttr::Address(a.payload()),
            IFLA_BROADCAST => LinkAttr::Broadcast(a.payload()),
            IFLA_IFNAME => LinkAttr::Name(a.str()?),
            IFLA_MTU => LinkAttr::Mtu(a.u32()?),
            IFLA_LINK => LinkAttr::Link(a.u32()?),
            IFLA_QDISC => LinkAttr::Qdisc(a.str()?),
            IFLA_MASTER => LinkAttr::Master(a.u32()?),
            IFLA_TXQLEN => LinkAttr::TxQueueLen(a.u32()?),
            IFLA_OPERSTATE => LinkAttr::OperState(OperState::from_raw(a.u8()?)),
            IFLA_LINKMODE => LinkAttr::LinkMode(a.u8()?),
            IFLA_LINKINFO => LinkAttr::LinkInfo(a),
            IFLA_IFALIAS => LinkAttr::Alias(a.str()?),
            IFLA_GROUP => LinkAttr::Group(a.u32()?),
            _ => LinkAttr::Other(a),
        })
    }
}

/// A zero-copy view of a link message (`RTM_NEWLINK`), with the common
/// attributes decoded in one pass. Everything else is reachable through
/// [`LinkMessage::attrs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkMessage<'a> {
    /// The `ifinfomsg` header.
    pub header: IfInfoMsg,
    /// `IFLA_IFNAME`.
    pub name: Option<&'a str>,
    /// `IFLA_MTU`.
    pub mtu: Option<u32>,
    /// `IFLA_ADDRESS`.
    pub address: Option<&'a [u8]>,
    /// `IFLA_BROADCAST`.
    pub broadcast: Option<&'a [u8]>,
    /// `IFLA_OPERSTATE`.
    pub operstate: Option<OperState>,
    /// `IFLA_MASTER`.
    pub master: Option<u32>,
    /// `IFLA_LINK`.
    pub link: Option<u32>,
    /// `IFLA_TXQLEN`.
    pub txqlen: Option<u32>,
    /// `IFLA_QDISC`.
    pub qdisc: Option<&'a str>,
    /// `IFLA_IFALIAS`.
    pub alias: Option<&'a str>,
    /// `IFLA_GROUP`.
    pub group: Option<u32>,
    /// `IFLA_LINKINFO` / `IFLA_INFO_KIND` (`"veth"`, `"bridge"`, …).
    pub kind: Option<&'a str>,
    /// `IFLA_LINKINFO` / `IFLA_INFO_SLAVE_KIND` (`"bridge"` for a port).
    pub slave_kind: Option<&'a str>,
    attrs: &'a [u8],
}

impl<'a> LinkMessage<'a> {
    /// Decodes a link message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<LinkMessage<'a>, DecodeError> {
        let header = IfInfoMsg::parse(payload)?;
        let attrs = &payload[IfInfoMsg::LEN..];
        let mut m = LinkMessage {
            header,
            name: None,
            mtu: None,
            address: None,
            broadcast: None,
            operstate: None,
            master: None,
            link: None,
            txqlen: None,
            qdisc: None,
            alias: None,
            group: None,
            kind: None,
            slave_kind: None,
            attrs,
        };
        for a in Attrs::new(attrs) {
            match LinkAttr::parse(a?)? {
                LinkAttr::Name(v) => m.name = Some(v),
                LinkAttr::Mtu(v) => m.mtu = Some(v),
                LinkAttr::Address(v) => m.address = Some(v),
                LinkAttr::Broadcast(v) => m.broadcast = Some(v),
                LinkAttr::OperState(v) => m.operstate = Some(v),
                LinkAttr::Master(v) => m.master = Some(v),
                LinkAttr::Link(v) => m.link = Some(v),
                LinkAttr::TxQueueLen(v) => m.txqlen = Some(v),
                LinkAttr::Qdisc(v) => m.qdisc = Some(v),
                LinkAttr::Alias(v) => m.alias = Some(v),
                LinkAttr::Group(v) => m.group = Some(v),
                LinkAttr::LinkInfo(info) => {
                    for i in info.nested() {
                        let i = i?;
                        match i.kind() {
                            IFLA_INFO_KIND => m.kind = Some(i.str()?),
                            IFLA_INFO_SLAVE_KIND => m.slave_kind = Some(i.str()?),
                            _ => {}
                        }
                    }
                }
                LinkAttr::LinkMode(_) | LinkAttr::Other(_) => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWLINK` (or `RTM_DELLINK`) message.
    pub fn from_message(msg: &Message<'a>) -> Result<LinkMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWLINK | RTM_DELLINK => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "link message",
                kind: k,
            }),
        }
    }

    /// All attributes, decoded, unknown ones as [`LinkAttr::Other`].
    pub fn attrs(&self) -> impl Iterator<Item = Result<LinkAttr<'a>, DecodeError>> + 'a {
        Attrs::new(self.attrs).map(|a| a.and_then(LinkAttr::parse))
    }

    /// The link's counters (`IFLA_STATS64`, else `IFLA_STATS`), and
    /// whether they are a complete `IFLA_STATS64`.
    pub fn stats(&self) -> Option<Result<(super::LinkStats, bool), DecodeError>> {
        super::LinkStats::from_attrs(|k| {
            self.raw_attrs()
                .flatten()
                .find(|a| a.kind() == k)
                .map(|a| a.payload())
        })
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }

    /// The settings of the link's kind (`IFLA_LINKINFO`'s
    /// `IFLA_INFO_DATA`), decoded; `None` when the kernel sent none.
    pub fn kind_settings(&self) -> Option<Result<crate::route::KindSettings<'a>, DecodeError>> {
        kind_settings_in(
            self.raw_attrs()
                .find(IFLA_LINKINFO)
                .transpose()?
                .map(|a| a.payload()),
        )
    }

    /// The link's settings as a port of its master (`IFLA_LINKINFO`'s
    /// `IFLA_INFO_SLAVE_DATA`), decoded for bridge and bond ports; `None`
    /// when the kernel sent none or the master is of another kind.
    pub fn port_settings(&self) -> Option<Result<crate::route::PortSettings, DecodeError>> {
        port_settings_in(
            self.raw_attrs()
                .find(IFLA_LINKINFO)
                .transpose()?
                .map(|a| a.payload()),
        )
    }
}

/// The decoded `IFLA_INFO_SLAVE_DATA` of an `IFLA_LINKINFO` payload.
fn port_settings_in(
    info: Result<&[u8], DecodeError>,
) -> Option<Result<crate::route::PortSettings, DecodeError>> {
    let li = match info.and_then(crate::route::linkinfo::LinkInfo::parse) {
        Ok(li) => li,
        Err(e) => return Some(Err(e)),
    };
    crate::route::PortSettings::parse(li.slave_kind?, li.slave_data?)
}

/// The decoded `IFLA_INFO_DATA` of an `IFLA_LINKINFO` payload.
fn kind_settings_in(
    info: Result<&[u8], DecodeError>,
) -> Option<Result<crate::route::KindSettings<'_>, DecodeError>> {
    let li = match info.and_then(crate::route::linkinfo::LinkInfo::parse) {
        Ok(li) => li,
        Err(e) => return Some(Err(e)),
    };
    let (kind, data) = (li.kind?, li.data?);
    Some(crate::route::KindSettings::parse(kind, data))
}

/// Dump all links (`RTM_GETLINK` with `NLM_F_DUMP`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GetLinks {
    family: u8,
}

impl GetLinks {
    /// A dump of every link in the namespace.
    pub fn new() -> Self {
        GetLinks::default()
    }

    /// Asks for one address family's view of the links (`AF_INET6`
    /// returns the IPv6 per-link data instead of the generic attributes,
    /// as `ip -6 addr show` uses it).
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }
}

impl Request for GetLinks {
    fn message_type(&self) -> u16 {
        RTM_GETLINK
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfInfoMsg {
            family: self.family,
            ..Default::default()
        }
        .emit(w);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump links")
    }
}

/// Writes the `ifinfomsg` (and `IFLA_IFNAME`) that names `link`.
pub(crate) fn emit_link_ref(link: &LinkRef<'_>, w: &mut Writer<'_>) {
    let index = match *link {
        LinkRef::Index(i) => i,
        LinkRef::Name(_) => 0,
    };
    IfInfoMsg {
        index,
        ..Default::default()
    }
    .emit(w);
    if let LinkRef::Name(n) = *link {
        w.attr_str(IFLA_IFNAME, n);
    }
}

/// Get one link (`RTM_GETLINK`); the reply is one `RTM_NEWLINK`.
#[derive(Debug, Clone, Copy)]
pub struct GetLink<'n>(LinkRef<'n>);

impl<'n> GetLink<'n> {
    /// By index (0 is rejected).
    pub fn by_index(index: u32) -> Result<Self, InvalidInput> {
        LinkRef::Index(index).check().map(GetLink)
    }

    /// By name (validated like the kernel does).
    pub fn by_name(name: &'n str) -> Result<Self, InvalidInput> {
        LinkRef::Name(name).check().map(GetLink)
    }
}

impl Request for GetLink<'_> {
    fn message_type(&self) -> u16 {
        RTM_GETLINK
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        emit_link_ref(&self.0, w)
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get {}", self.0)
    }
}

crate::request::query!(LinkMessage => Link: GetLinks, GetLink<'_>);

#[cfg(feature = "alloc")]
pub use owned::Link;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;

    use super::*;
    use crate::request::FromMessage;
    use crate::route::RawAttrs;

    /// An owned link, built from a [`LinkMessage`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct Link {
        /// Interface index.
        pub index: u32,
        /// `ifi_family`.
        pub family: u8,
        /// `ARPHRD_*` link type.
        pub link_type: u16,
        /// `IFF_*` flags.
        pub flags: u32,
        /// Interface name (empty if the kernel sent none).
        pub name: String,
        /// MTU.
        pub mtu: Option<u32>,
        /// Link-layer address.
        pub address: Option<HwAddr>,
        /// Link-layer broadcast address.
        pub broadcast: Option<HwAddr>,
        /// Operational state.
        pub operstate: Option<OperState>,
        /// Index of the master link.
        pub master: Option<u32>,
        /// Index of the lower link.
        pub link: Option<u32>,
        /// Transmit queue length.
        pub txqlen: Option<u32>,
        /// Queueing discipline.
        pub qdisc: Option<String>,
        /// Alias.
        pub alias: Option<String>,
        /// Group.
        pub group: Option<u32>,
        /// Link kind (`IFLA_INFO_KIND`).
        pub kind: Option<String>,
        /// Port kind (`IFLA_INFO_SLAVE_KIND`).
        pub slave_kind: Option<String>,
        /// Attributes not decoded above, kept verbatim.
        pub other: RawAttrs,
    }

    impl Link {
        /// Whether `IFF_UP` is set.
        pub fn is_up(&self) -> bool {
            self.flags & IFF_UP != 0
        }

        /// The settings of the link's kind (`IFLA_INFO_DATA`), decoded;
        /// `None` when the kernel sent none.
        pub fn kind_settings(&self) -> Option<Result<crate::route::KindSettings<'_>, DecodeError>> {
            super::kind_settings_in(Ok(self.other.get(IFLA_LINKINFO)?))
        }

        /// The link's settings as a port of its master
        /// (`IFLA_INFO_SLAVE_DATA`), decoded for bridge and bond ports.
        pub fn port_settings(&self) -> Option<Result<crate::route::PortSettings, DecodeError>> {
            super::port_settings_in(Ok(self.other.get(IFLA_LINKINFO)?))
        }

        /// The link's counters (`IFLA_STATS64`, else `IFLA_STATS`), and
        /// whether they are a complete `IFLA_STATS64`.
        pub fn stats(&self) -> Option<Result<(crate::route::LinkStats, bool), DecodeError>> {
            crate::route::LinkStats::from_attrs(|k| self.other.get(k))
        }
    }

    impl<'a> TryFrom<&LinkMessage<'a>> for Link {
        type Error = DecodeError;

        fn try_from(v: &LinkMessage<'a>) -> Result<Link, DecodeError> {
            let mut other = RawAttrs::default();
            for a in v.raw_attrs() {
                let a = a?;
                match a.kind() {
                    IFLA_IFNAME | IFLA_MTU | IFLA_ADDRESS | IFLA_BROADCAST | IFLA_OPERSTATE
                    | IFLA_MASTER | IFLA_LINK | IFLA_TXQLEN | IFLA_QDISC | IFLA_IFALIAS
                    | IFLA_GROUP => {}
                    _ => other.push(&a),
                }
            }
            Ok(Link {
                index: v.header.index,
                family: v.header.family,
                link_type: v.header.link_type,
                flags: v.header.flags,
                name: v.name.map(String::from).unwrap_or_default(),
                mtu: v.mtu,
                address: v.address.and_then(HwAddr::new),
                broadcast: v.broadcast.and_then(HwAddr::new),
                operstate: v.operstate,
                master: v.master,
                link: v.link,
                txqlen: v.txqlen,
                qdisc: v.qdisc.map(String::from),
                alias: v.alias.map(String::from),
                group: v.group,
                kind: v.kind.map(String::from),
                slave_kind: v.slave_kind.map(String::from),
                other,
            })
        }
    }

    impl FromMessage for Link {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            Link::try_from(&LinkMessage::from_message(msg)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::LinkRequest;
    use crate::wire::{Messages, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};

    /// `RTM_NEWLINK` for a veth as a 6.x kernel sends it (trimmed).
    pub(crate) fn sample_link(buf: &mut [u8]) -> usize {
        let mut w = Writer::new(buf);
        let m = w.begin_message(RTM_NEWLINK, 2, 9, 0);
        IfInfoMsg {
            family: 0,
            link_type: 1,
            index: 5,
            flags: IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_LOWER_UP,
            change: 0,
        }
        .emit(&mut w);
        w.attr_str(IFLA_IFNAME, "veth0");
        w.attr_u32(IFLA_TXQLEN, 1000);
        w.attr_u8(IFLA_OPERSTATE, 6);
        w.attr_u32(IFLA_MTU, 1500);
        w.attr_u32(IFLA_MASTER, 3);
        w.attr(IFLA_ADDRESS, &[2, 0, 0, 0, 0, 1]);
        w.attr_u32(200, 7); // an attribute from the future
        let li = w.begin_nested(IFLA_LINKINFO);
        w.attr_str(IFLA_INFO_KIND, "veth");
        w.attr_str(IFLA_INFO_SLAVE_KIND, "bridge");
        w.end_nested(li);
        w.end_message(m);
        w.finish().unwrap()
    }

    #[test]
    fn view_decodes_common_attributes() {
        let mut buf = [0u8; 256];
        let n = sample_link(&mut buf);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let l = LinkMessage::from_message(&msg).unwrap();
        assert_eq!(l.header.index, 5);
        assert_eq!(l.name, Some("veth0"));
        assert_eq!(l.mtu, Some(1500));
        assert_eq!(l.master, Some(3));
        assert_eq!(l.operstate, Some(OperState::Up));
        assert_eq!(l.kind, Some("veth"));
        assert_eq!(l.slave_kind, Some("bridge"));
        assert_eq!(
            std::format!("{}", HwAddr::new(l.address.unwrap()).unwrap()),
            "02:00:00:00:00:01"
        );
        let others = l
            .attrs()
            .filter(|a| matches!(a, Ok(LinkAttr::Other(_))))
            .count();
        assert_eq!(others, 1);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn owned_model_keeps_unknown_attributes() {
        let mut buf = [0u8; 256];
        let n = sample_link(&mut buf);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let l = <Link as crate::request::FromMessage>::from_message(&msg).unwrap();
        assert_eq!(l.name, "veth0");
        assert!(l.is_up());
        assert_eq!(l.kind.as_deref(), Some("veth"));
        assert_eq!(l.other.get(200), Some(&7u32.to_ne_bytes()[..]));
        // LINKINFO is kept raw as well, for kinds' own data.
        assert!(l.other.get(IFLA_LINKINFO).is_some());
    }

    #[test]
    fn truncated_ifinfomsg_and_bad_mtu_are_errors() {
        assert!(matches!(
            LinkMessage::parse(&[0u8; 10]),
            Err(DecodeError::Truncated {
                what: "ifinfomsg",
                ..
            })
        ));
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        IfInfoMsg::default().emit(&mut w);
        w.attr(IFLA_MTU, &[1, 2]);
        let n = w.finish().unwrap();
        assert!(matches!(
            LinkMessage::parse(&buf[..n]),
            Err(DecodeError::AttrSize { kind: 4, .. })
        ));
    }

    #[test]
    fn requests_encode() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        GetLinks::new().emit(&mut w, 1, 0);
        LinkRequest::delete("veth0").unwrap().emit(&mut w, 2, 0);
        let n = w.finish().unwrap();
        let v: std::vec::Vec<_> = Messages::new(&buf[..n]).map(|m| m.unwrap()).collect();
        assert_eq!(v[0].flags(), NLM_F_REQUEST | NLM_F_DUMP);
        assert_eq!(v[0].payload().len(), 16);
        assert_eq!(v[1].kind(), RTM_DELLINK);
        assert_eq!(v[1].flags(), NLM_F_REQUEST | NLM_F_ACK);
        let l = LinkMessage::parse(v[1].payload()).unwrap();
        assert_eq!(l.name, Some("veth0"));
        assert!(LinkRequest::delete("this-name-is-too-long").is_err());
        assert!(GetLink::by_index(0).is_err());
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// An `RTM_NEWLINK` for link `index` named `name`.
    pub(crate) fn link_message(buf: &mut [u8], index: u32, name: &str) -> usize {
        let mut w = Writer::new(buf);
        let m = w.begin_message(RTM_NEWLINK, 0, 1, 0);
        IfInfoMsg {
            index,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_str(IFLA_IFNAME, name);
        w.end_message(m);
        w.finish().unwrap()
    }
}
