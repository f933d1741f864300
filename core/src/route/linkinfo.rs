//! A link's kind and its settings as the kernel reports them
//! (`IFLA_LINKINFO`: `IFLA_INFO_KIND`, `IFLA_INFO_DATA`, and the port
//! side, `IFLA_INFO_SLAVE_KIND` / `IFLA_INFO_SLAVE_DATA`), decoded per
//! kind; and the link attributes `ip -details` shows.

use crate::wire::{Attrs, DecodeError};

/// `IFLA_PROMISCUITY`: how many want the link promiscuous.
pub const IFLA_PROMISCUITY: u16 = 30;
/// `IFLA_NUM_TX_QUEUES`.
pub const IFLA_NUM_TX_QUEUES: u16 = 31;
/// `IFLA_NUM_RX_QUEUES`.
pub const IFLA_NUM_RX_QUEUES: u16 = 32;
/// `IFLA_PHYS_PORT_ID`.
pub const IFLA_PHYS_PORT_ID: u16 = 34;
/// `IFLA_PHYS_SWITCH_ID`.
pub const IFLA_PHYS_SWITCH_ID: u16 = 36;
/// `IFLA_PHYS_PORT_NAME`.
pub const IFLA_PHYS_PORT_NAME: u16 = 38;
/// `IFLA_GSO_MAX_SEGS`.
pub const IFLA_GSO_MAX_SEGS: u16 = 40;
/// `IFLA_GSO_MAX_SIZE`.
pub const IFLA_GSO_MAX_SIZE: u16 = 41;
/// `IFLA_MIN_MTU`.
pub const IFLA_MIN_MTU: u16 = 50;
/// `IFLA_MAX_MTU`.
pub const IFLA_MAX_MTU: u16 = 51;
/// `IFLA_PARENT_DEV_NAME`.
pub const IFLA_PARENT_DEV_NAME: u16 = 56;
/// `IFLA_PARENT_DEV_BUS_NAME`.
pub const IFLA_PARENT_DEV_BUS_NAME: u16 = 57;
/// `IFLA_GRO_MAX_SIZE`.
pub const IFLA_GRO_MAX_SIZE: u16 = 58;
/// `IFLA_TSO_MAX_SIZE`.
pub const IFLA_TSO_MAX_SIZE: u16 = 59;
/// `IFLA_TSO_MAX_SEGS`.
pub const IFLA_TSO_MAX_SEGS: u16 = 60;
/// `IFLA_ALLMULTI`: how many want the link to take all multicast.
pub const IFLA_ALLMULTI: u16 = 61;
/// `IFLA_GSO_IPV4_MAX_SIZE`.
pub const IFLA_GSO_IPV4_MAX_SIZE: u16 = 63;
/// `IFLA_GRO_IPV4_MAX_SIZE`.
pub const IFLA_GRO_IPV4_MAX_SIZE: u16 = 64;
/// `IFLA_NETNS_IMMUTABLE`.
pub const IFLA_NETNS_IMMUTABLE: u16 = 67;
/// `IFLA_AF_SPEC`: per-family link settings.
pub const IFLA_AF_SPEC: u16 = 26;
/// `IFLA_INET6_ADDR_GEN_MODE`, in `IFLA_AF_SPEC`'s `AF_INET6` nest.
pub const IFLA_INET6_ADDR_GEN_MODE: u16 = 8;

/// `IFLA_INFO_KIND`.
const IFLA_INFO_KIND: u16 = 1;
/// `IFLA_INFO_DATA`.
const IFLA_INFO_DATA: u16 = 2;
/// `IFLA_INFO_SLAVE_KIND`.
const IFLA_INFO_SLAVE_KIND: u16 = 4;
/// `IFLA_INFO_SLAVE_DATA`.
const IFLA_INFO_SLAVE_DATA: u16 = 5;

/// The parts of an `IFLA_LINKINFO` nest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo<'a> {
    /// `IFLA_INFO_KIND`.
    pub kind: Option<&'a str>,
    /// `IFLA_INFO_DATA` (the kind's own attributes).
    pub data: Option<&'a [u8]>,
    /// `IFLA_INFO_SLAVE_KIND`: the kind of the link's master.
    pub slave_kind: Option<&'a str>,
    /// `IFLA_INFO_SLAVE_DATA`: the port's settings in its master.
    pub slave_data: Option<&'a [u8]>,
}

impl<'a> LinkInfo<'a> {
    /// Decodes an `IFLA_LINKINFO` payload.
    pub fn parse(b: &'a [u8]) -> Result<LinkInfo<'a>, DecodeError> {
        let mut li = LinkInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                IFLA_INFO_KIND => li.kind = Some(a.str()?),
                IFLA_INFO_DATA => li.data = Some(a.payload()),
                IFLA_INFO_SLAVE_KIND => li.slave_kind = Some(a.str()?),
                IFLA_INFO_SLAVE_DATA => li.slave_data = Some(a.payload()),
                _ => {}
            }
        }
        Ok(li)
    }
}

/// The IPv6 address generation mode in an `IFLA_AF_SPEC` payload
/// (`IN6_ADDR_GEN_MODE_*`: 0 eui64, 1 none, 2 stable privacy, 3 random).
pub fn inet6_addr_gen_mode(af_spec: &[u8]) -> Result<Option<u8>, DecodeError> {
    for a in Attrs::new(af_spec) {
        let a = a?;
        if a.kind() == super::AF_INET6 as u16 {
            for b in Attrs::new(a.payload()) {
                let b = b?;
                if b.kind() == IFLA_INET6_ADDR_GEN_MODE {
                    return Ok(Some(b.u8()?));
                }
            }
        }
    }
    Ok(None)
}

/// A macvlan's settings (`IFLA_MACVLAN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MacvlanInfo {
    /// `MACVLAN_MODE_*` (1 private, 2 vepa, 4 bridge, 8 passthru, 16
    /// source).
    pub mode: Option<u32>,
    /// `MACVLAN_FLAG_*` (1 nopromisc, 2 nodst).
    pub flags: u16,
    /// Broadcast queue length asked for.
    pub bc_queue_len: Option<u32>,
    /// Broadcast queue length in use.
    pub bc_queue_len_used: Option<u32>,
    /// Broadcast cutoff.
    pub bc_cutoff: Option<i32>,
}

impl MacvlanInfo {
    /// Decodes `IFLA_INFO_DATA` of a macvlan or macvtap.
    pub fn parse(b: &[u8]) -> Result<MacvlanInfo, DecodeError> {
        let mut m = MacvlanInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                1 => m.mode = Some(a.u32()?),
                2 => m.flags = a.u16()?,
                7 => m.bc_queue_len = Some(a.u32()?),
                8 => m.bc_queue_len_used = Some(a.u32()?),
                9 => m.bc_cutoff = Some(a.u32()? as i32),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// An ipvlan's settings (`IFLA_IPVLAN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IpvlanInfo {
    /// `IPVLAN_MODE_*` (0 l2, 1 l3, 2 l3s).
    pub mode: Option<u16>,
    /// `IPVLAN_F_*` (1 private, 2 vepa).
    pub flags: Option<u16>,
}

impl IpvlanInfo {
    /// Decodes `IFLA_INFO_DATA` of an ipvlan.
    pub fn parse(b: &[u8]) -> Result<IpvlanInfo, DecodeError> {
        let mut m = IpvlanInfo::default();
        for a in Attrs::new(b) {
            let a = a?;
            match a.kind() {
                1 => m.mode = Some(a.u16()?),
                2 => m.flags = Some(a.u16()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Writer;

    #[test]
    fn decodes_kind_data_and_address_mode() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        w.attr_str(IFLA_INFO_KIND, "macvlan");
        let d = w.begin_nested(IFLA_INFO_DATA);
        w.attr_u32(1, 4);
        w.attr_u16(2, 1);
        w.attr_u32(7, 1000);
        w.end_nested(d);
        w.attr_str(IFLA_INFO_SLAVE_KIND, "bridge");
        let n = w.finish().unwrap();
        let li = LinkInfo::parse(&buf[..n]).unwrap();
        assert_eq!((li.kind, li.slave_kind), (Some("macvlan"), Some("bridge")));
        let m = MacvlanInfo::parse(li.data.unwrap()).unwrap();
        assert_eq!(
            (m.mode, m.flags, m.bc_queue_len, m.bc_cutoff),
            (Some(4), 1, Some(1000), None)
        );
        // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = 1 } }.
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let f = w.begin_nested(10);
        w.attr_u8(IFLA_INET6_ADDR_GEN_MODE, 1);
        w.end_nested(f);
        let n = w.finish().unwrap();
        assert_eq!(inet6_addr_gen_mode(&buf[..n]).unwrap(), Some(1));
        assert!(LinkInfo::parse(&[4, 0]).is_err());
    }
}
