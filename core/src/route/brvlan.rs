//! Bridge VLANs: the VLANs of a VLAN-filtering bridge and of its ports,
//! as `bridge vlan` reads and writes them (`PF_BRIDGE` link messages
//! whose `IFLA_AF_SPEC` holds `IFLA_BRIDGE_VLAN_INFO` entries).
//!
//! ```
//! use nlwire::route::brvlan::BridgeVlanRequest;
//! # fn main() -> Result<(), nlwire::InvalidInput> {
//! // bridge vlan add dev v0 vid 10 pvid untagged
//! let access = BridgeVlanRequest::add(5, 10)?.pvid().untagged();
//! // bridge vlan add dev v0 vid 100-199
//! let trunk = BridgeVlanRequest::add(5, 100)?.range_to(199)?;
//! # let _ = (access, trunk);
//! # Ok(())
//! # }
//! ```

use core::fmt;

use super::link::{IFLA_EXT_MASK, IFLA_IFNAME, IFLA_MASTER, IfInfoMsg};
use super::{AF_BRIDGE, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{Attrs, DecodeError, Message, Writer};

/// `IFLA_AF_SPEC`: the nest of a `PF_BRIDGE` link message.
pub const IFLA_AF_SPEC: u16 = 26;
/// `IFLA_BRIDGE_FLAGS` (u16 of `BRIDGE_FLAGS_*`).
pub const IFLA_BRIDGE_FLAGS: u16 = 0;
/// `IFLA_BRIDGE_VLAN_INFO` (`struct bridge_vlan_info`).
pub const IFLA_BRIDGE_VLAN_INFO: u16 = 2;
/// `BRIDGE_FLAGS_MASTER`: to the master bridge.
pub const BRIDGE_FLAGS_MASTER: u16 = 1;
/// `BRIDGE_FLAGS_SELF`: to the device itself.
pub const BRIDGE_FLAGS_SELF: u16 = 2;
/// `BRIDGE_VLAN_INFO_MASTER`.
pub const BRIDGE_VLAN_INFO_MASTER: u16 = 1 << 0;
/// `BRIDGE_VLAN_INFO_PVID`: the port's VLAN for untagged ingress.
pub const BRIDGE_VLAN_INFO_PVID: u16 = 1 << 1;
/// `BRIDGE_VLAN_INFO_UNTAGGED`: egress untagged.
pub const BRIDGE_VLAN_INFO_UNTAGGED: u16 = 1 << 2;
/// `BRIDGE_VLAN_INFO_RANGE_BEGIN`.
pub const BRIDGE_VLAN_INFO_RANGE_BEGIN: u16 = 1 << 3;
/// `BRIDGE_VLAN_INFO_RANGE_END`.
pub const BRIDGE_VLAN_INFO_RANGE_END: u16 = 1 << 4;
/// `BRIDGE_VLAN_INFO_BRENTRY`: a VLAN of the bridge itself.
pub const BRIDGE_VLAN_INFO_BRENTRY: u16 = 1 << 5;
/// `RTEXT_FILTER_BRVLAN`: ask for every VLAN, one entry each.
pub const RTEXT_FILTER_BRVLAN: u32 = 1 << 1;
/// `RTEXT_FILTER_BRVLAN_COMPRESSED`: ask for ranges (begin/end pairs).
pub const RTEXT_FILTER_BRVLAN_COMPRESSED: u32 = 1 << 2;

/// One `struct bridge_vlan_info`: a VLAN (or a range's end) and its
/// `BRIDGE_VLAN_INFO_*` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VlanInfo {
    /// `BRIDGE_VLAN_INFO_*`.
    pub flags: u16,
    /// The VLAN id.
    pub vid: u16,
}

impl VlanInfo {
    /// Whether untagged frames that come in are put in this VLAN.
    pub fn is_pvid(&self) -> bool {
        self.flags & BRIDGE_VLAN_INFO_PVID != 0
    }

    /// Whether frames go out untagged.
    pub fn is_untagged(&self) -> bool {
        self.flags & BRIDGE_VLAN_INFO_UNTAGGED != 0
    }
}

/// The `IFLA_BRIDGE_VLAN_INFO` entries of a message, in order.
#[derive(Debug, Clone)]
pub struct VlanInfos<'a> {
    attrs: Attrs<'a>,
}

impl Iterator for VlanInfos<'_> {
    type Item = Result<VlanInfo, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let a = match self.attrs.next()? {
                Ok(a) => a,
                Err(e) => return Some(Err(e)),
            };
            if a.kind() != IFLA_BRIDGE_VLAN_INFO {
                continue;
            }
            let p = a.payload();
            if p.len() < 4 {
                return Some(Err(DecodeError::AttrSize {
                    what: "bridge_vlan_info",
                    kind: a.kind(),
                    len: p.len(),
                    expected: 4,
                }));
            }
            return Some(Ok(VlanInfo {
                flags: u16::from_ne_bytes([p[0], p[1]]),
                vid: u16::from_ne_bytes([p[2], p[3]]),
            }));
        }
    }
}

/// A zero-copy view of a `PF_BRIDGE` link message: a bridge or a bridge
/// port, with its VLANs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BridgeVlanMessage<'a> {
    /// The `ifinfomsg` header (family `AF_BRIDGE`).
    pub header: IfInfoMsg,
    /// `IFLA_IFNAME`.
    pub name: Option<&'a str>,
    /// `IFLA_MASTER`: the bridge; for a port the bridge it is in, a
    /// bridge names itself.
    pub master: Option<u32>,
    af_spec: Option<&'a [u8]>,
}

impl<'a> BridgeVlanMessage<'a> {
    /// Decodes a `PF_BRIDGE` link message payload; the VLAN entries are
    /// checked as they are read ([`BridgeVlanMessage::vlans`]).
    pub fn parse(payload: &'a [u8]) -> Result<BridgeVlanMessage<'a>, DecodeError> {
        let header = IfInfoMsg::parse(payload)?;
        let mut m = BridgeVlanMessage {
            header,
            name: None,
            master: None,
            af_spec: None,
        };
        for a in Attrs::new(&payload[IfInfoMsg::LEN..]) {
            let a = a?;
            match a.kind() {
                IFLA_IFNAME => m.name = Some(a.str()?),
                IFLA_MASTER => m.master = Some(a.u32()?),
                IFLA_AF_SPEC => m.af_spec = Some(a.payload()),
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWLINK` (or `RTM_DELLINK`).
    pub fn from_message(msg: &Message<'a>) -> Result<BridgeVlanMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWLINK | RTM_DELLINK => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "bridge vlan message",
                kind: k,
            }),
        }
    }

    /// The VLAN entries, in the kernel's order (with
    /// [`GetBridgeVlans::compressed`], a range is a `RANGE_BEGIN` entry
    /// and a `RANGE_END` one).
    pub fn vlans(&self) -> VlanInfos<'a> {
        VlanInfos {
            attrs: Attrs::new(self.af_spec.unwrap_or(&[])),
        }
    }
}

/// Dump the VLANs of every bridge and bridge port (`RTM_GETLINK` of
/// family `PF_BRIDGE` with `IFLA_EXT_MASK`); the kernel has no filter for
/// it: [`GetBridgeVlans::matches`] picks one port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetBridgeVlans {
    compressed: bool,
    index: u32,
}

impl GetBridgeVlans {
    /// Every VLAN of every port, one entry each.
    pub fn new() -> Self {
        GetBridgeVlans::default()
    }

    /// Ranges as begin/end pairs (`RTEXT_FILTER_BRVLAN_COMPRESSED`,
    /// `bridge -compressvlans`).
    pub fn compressed(mut self) -> Self {
        self.compressed = true;
        self
    }

    /// Only link `index` (checked on what comes back).
    pub fn link(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// Whether a message passes the filter: family `AF_BRIDGE`, and the
    /// link asked for.
    pub fn matches(&self, m: &BridgeVlanMessage<'_>) -> bool {
        m.header.family == AF_BRIDGE && (self.index == 0 || m.header.index == self.index)
    }
}

impl Request for GetBridgeVlans {
    fn message_type(&self) -> u16 {
        RTM_GETLINK
    }
    fn is_dump(&self) -> bool {
        true
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfInfoMsg {
            family: AF_BRIDGE,
            ..Default::default()
        }
        .emit(w);
        w.attr_u32(
            IFLA_EXT_MASK,
            if self.compressed {
                RTEXT_FILTER_BRVLAN_COMPRESSED
            } else {
                RTEXT_FILTER_BRVLAN
            },
        );
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        if !matches!(msg.kind(), RTM_NEWLINK | RTM_DELLINK) {
            return true;
        }
        BridgeVlanMessage::parse(msg.payload()).map_or(true, |m| self.matches(&m))
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump bridge vlans")
    }
}

/// Add or delete a VLAN (or a range) on a bridge port or a bridge, as
/// `bridge vlan add|del` sends it (`RTM_SETLINK`/`RTM_DELLINK` of family
/// `PF_BRIDGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeVlanRequest {
    delete: bool,
    index: u32,
    vid: u16,
    end: Option<u16>,
    flags: u16,
    bridge_flags: u16,
}

fn check_vid(vid: u16) -> Result<u16, InvalidInput> {
    if vid >= 4096 {
        return Err(InvalidInput::OutOfRange {
            what: "VLAN id",
            value: vid.into(),
            range: "0 to 4095",
        });
    }
    Ok(vid)
}

impl BridgeVlanRequest {
    /// VLAN `vid` added to link `index` (the kernel takes 1 to 4094).
    pub fn add(index: u32, vid: u16) -> Result<Self, InvalidInput> {
        Ok(BridgeVlanRequest {
            delete: false,
            index,
            vid: check_vid(vid)?,
            end: None,
            flags: 0,
            bridge_flags: 0,
        })
    }

    /// VLAN `vid` deleted from link `index`.
    pub fn delete(index: u32, vid: u16) -> Result<Self, InvalidInput> {
        Ok(BridgeVlanRequest {
            delete: true,
            ..Self::add(index, vid)?
        })
    }

    /// The VLANs from the one given to `end`, both included (`vid A-B`;
    /// `end` must be above the first).
    pub fn range_to(mut self, end: u16) -> Result<Self, InvalidInput> {
        if end <= self.vid || end >= 4096 {
            return Err(InvalidInput::OutOfRange {
                what: "VLAN range end",
                value: end.into(),
                range: "above the range's first VLAN, at most 4095",
            });
        }
        self.end = Some(end);
        Ok(self)
    }

    /// The port's VLAN for untagged ingress (`pvid`; not for a range —
    /// the kernel refuses it).
    pub fn pvid(mut self) -> Self {
        self.flags |= BRIDGE_VLAN_INFO_PVID;
        self
    }

    /// Egress untagged (`untagged`).
    pub fn untagged(mut self) -> Self {
        self.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
        self
    }

    /// To the device itself (`self`, `BRIDGE_FLAGS_SELF`): on a bridge,
    /// the bridge's own VLAN.
    pub fn on_self(mut self) -> Self {
        self.bridge_flags |= BRIDGE_FLAGS_SELF;
        self
    }

    /// To the master bridge (`master`, `BRIDGE_FLAGS_MASTER`; the
    /// kernel's default when neither is given).
    pub fn on_master(mut self) -> Self {
        self.bridge_flags |= BRIDGE_FLAGS_MASTER;
        self
    }
}

impl Request for BridgeVlanRequest {
    fn message_type(&self) -> u16 {
        if self.delete {
            RTM_DELLINK
        } else {
            RTM_SETLINK
        }
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        IfInfoMsg {
            family: AF_BRIDGE,
            index: self.index,
            ..Default::default()
        }
        .emit(w);
        let n = w.begin_nested_raw(IFLA_AF_SPEC);
        if self.bridge_flags != 0 {
            w.attr_u16(IFLA_BRIDGE_FLAGS, self.bridge_flags);
        }
        let info = |w: &mut Writer<'_>, flags: u16, vid: u16| {
            let mut b = [0u8; 4];
            b[..2].copy_from_slice(&flags.to_ne_bytes());
            b[2..].copy_from_slice(&vid.to_ne_bytes());
            w.attr(IFLA_BRIDGE_VLAN_INFO, &b);
        };
        match self.end {
            Some(end) => {
                info(w, self.flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, self.vid);
                info(w, self.flags | BRIDGE_VLAN_INFO_RANGE_END, end);
            }
            None => info(w, self.flags, self.vid),
        }
        w.end_nested(n);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.delete { "delete" } else { "add" };
        match self.end {
            Some(e) => write!(
                f,
                "{verb} bridge vlans {}-{e} on link {}",
                self.vid, self.index
            ),
            None => write!(f, "{verb} bridge vlan {} on link {}", self.vid, self.index),
        }
    }
}

crate::request::query!(BridgeVlanMessage => BridgeVlans: GetBridgeVlans);

#[cfg(feature = "alloc")]
pub use owned::BridgeVlans;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;
    use alloc::string::String;
    use alloc::vec::Vec;

    /// An owned bridge or bridge port with its VLAN entries.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct BridgeVlans {
        /// The link's index.
        pub index: u32,
        /// Its name.
        pub name: Option<String>,
        /// Its bridge: for a port the bridge it is in; a bridge names
        /// itself.
        pub master: Option<u32>,
        /// The entries, in the kernel's order.
        pub vlans: Vec<VlanInfo>,
    }

    impl FromMessage for BridgeVlans {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = BridgeVlanMessage::from_message(msg)?;
            Ok(BridgeVlans {
                index: v.header.index,
                name: v.name.map(String::from),
                master: v.master,
                vlans: v.vlans().collect::<Result<_, _>>()?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Messages, NLM_F_ACK, NLM_F_REQUEST};
    use alloc::vec::Vec;

    fn emit(r: &impl Request) -> ([u8; 128], usize) {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.len();
        (buf, n)
    }

    /// `bridge vlan add dev DEV vid 100-199 untagged master` as
    /// iproute2's `vlan_modify` sends it: the flags, then a begin and an
    /// end entry, both with the VLAN flags.
    #[test]
    fn a_range_is_a_begin_and_an_end() {
        let r = BridgeVlanRequest::add(4, 100)
            .unwrap()
            .range_to(199)
            .unwrap()
            .untagged()
            .on_master();
        let (buf, n) = emit(&r);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.kind(), RTM_SETLINK);
        assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_ACK);
        let v = BridgeVlanMessage::parse(msg.payload()).unwrap();
        assert_eq!(v.header.family, AF_BRIDGE);
        assert_eq!(v.header.index, 4);
        let got: Vec<VlanInfo> = v.vlans().map(Result::unwrap).collect();
        assert_eq!(
            got,
            [
                VlanInfo {
                    flags: BRIDGE_VLAN_INFO_UNTAGGED | BRIDGE_VLAN_INFO_RANGE_BEGIN,
                    vid: 100
                },
                VlanInfo {
                    flags: BRIDGE_VLAN_INFO_UNTAGGED | BRIDGE_VLAN_INFO_RANGE_END,
                    vid: 199
                },
            ]
        );
        let spec = v.af_spec.unwrap();
        let first = Attrs::new(spec).next().unwrap().unwrap();
        assert_eq!(first.kind(), IFLA_BRIDGE_FLAGS);
        assert_eq!(first.u16(), Ok(BRIDGE_FLAGS_MASTER));
    }

    #[test]
    fn bad_vlans_are_refused() {
        assert!(BridgeVlanRequest::add(1, 4096).is_err());
        assert!(BridgeVlanRequest::add(1, 10).unwrap().range_to(10).is_err());
        assert!(
            BridgeVlanRequest::add(1, 10)
                .unwrap()
                .range_to(4096)
                .is_err()
        );
        let d = BridgeVlanRequest::delete(1, 10).unwrap();
        assert_eq!(d.message_type(), RTM_DELLINK);
    }

    #[test]
    fn the_dump_asks_for_vlans() {
        let (buf, n) = emit(&GetBridgeVlans::new().compressed());
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let mut a = Attrs::new(&msg.payload()[IfInfoMsg::LEN..]);
        let mask = a.next().unwrap().unwrap();
        assert_eq!(mask.kind(), IFLA_EXT_MASK);
        assert_eq!(mask.u32(), Ok(RTEXT_FILTER_BRVLAN_COMPRESSED));
        assert_eq!(msg.payload()[0], AF_BRIDGE);
    }

    #[test]
    fn a_short_entry_is_an_error() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        IfInfoMsg {
            family: AF_BRIDGE,
            ..Default::default()
        }
        .emit(&mut w);
        let n = w.begin_nested_raw(IFLA_AF_SPEC);
        w.attr(IFLA_BRIDGE_VLAN_INFO, &[1, 0]);
        w.end_nested(n);
        let len = w.len();
        let v = BridgeVlanMessage::parse(&buf[..len]).unwrap();
        assert!(v.vlans().next().unwrap().is_err());
    }
}
