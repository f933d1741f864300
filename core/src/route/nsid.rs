//! Namespace ids (`RTM_GETNSID` / `RTM_NEWNSID`, `struct rtgenmsg` +
//! `NETNSA_*`): the number a namespace knows another by, which the kernel
//! puts in `IFLA_LINK_NETNSID` for a link whose peer lives elsewhere.

use core::fmt;

use crate::request::Request;
use crate::wire::{Attrs, DecodeError, Message, Writer, need};

/// `RTM_NEWNSID`.
pub const RTM_NEWNSID: u16 = 88;
/// `RTM_DELNSID`.
pub const RTM_DELNSID: u16 = 89;
/// `RTM_GETNSID`.
pub const RTM_GETNSID: u16 = 90;

/// `NETNSA_NSID`: the id (`i32`; -1 when none is assigned).
pub const NETNSA_NSID: u16 = 1;
/// `NETNSA_PID`: name the namespace by a process in it.
pub const NETNSA_PID: u16 = 2;
/// `NETNSA_FD`: name the namespace by an open file of it.
pub const NETNSA_FD: u16 = 3;

/// A view of an `RTM_NEWNSID` (or `RTM_DELNSID`) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NsIdMessage<'a> {
    /// The id, if one is assigned (the kernel's -1 is `None`).
    pub nsid: Option<i32>,
    attrs: &'a [u8],
}

impl<'a> NsIdMessage<'a> {
    /// Decodes a payload (after the netlink header): `rtgenmsg`, padded to
    /// 4 bytes, then attributes.
    pub fn parse(payload: &'a [u8]) -> Result<NsIdMessage<'a>, DecodeError> {
        need(payload, 4, "rtgenmsg")?;
        let attrs = &payload[4..];
        let mut nsid = None;
        for a in Attrs::new(attrs) {
            let a = a?;
            if a.kind() == NETNSA_NSID {
                nsid = Some(a.u32()? as i32).filter(|&n| n >= 0);
            }
        }
        Ok(NsIdMessage { nsid, attrs })
    }

    /// Decodes a received `RTM_NEWNSID` or `RTM_DELNSID`.
    pub fn from_message(msg: &Message<'a>) -> Result<NsIdMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWNSID | RTM_DELNSID => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "nsid message",
                kind: k,
            }),
        }
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Ask for the id this namespace (the socket's) gives another one, named by
/// an open file of it (`/var/run/netns/NAME`) or a process in it. One
/// `RTM_NEWNSID` comes back; [`NsId::nsid`] is `None` when no id is
/// assigned. This is how `ip` turns `link-netnsid N` into a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetNsId {
    /// By an open namespace file descriptor (sent as `NETNSA_FD`).
    Fd(i32),
    /// By a process id (sent as `NETNSA_PID`).
    Pid(u32),
}

impl Request for GetNsId {
    fn message_type(&self) -> u16 {
        RTM_GETNSID
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        // rtgenmsg { family: AF_UNSPEC }, padded to NLMSG_ALIGNTO.
        w.put(&[0, 0, 0, 0]);
        match *self {
            GetNsId::Fd(fd) => w.attr_u32(NETNSA_FD, fd as u32),
            GetNsId::Pid(pid) => w.attr_u32(NETNSA_PID, pid),
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetNsId::Fd(fd) => write!(f, "get the nsid of namespace fd {fd}"),
            GetNsId::Pid(pid) => write!(f, "get the nsid of the namespace of pid {pid}"),
        }
    }
}

crate::request::query!(NsIdMessage => NsId: GetNsId);

/// Give another namespace an id in this one (`ip netns set NAME ID`):
/// `RTM_NEWNSID` with the namespace by open file and the id (`None`: let
/// the kernel pick the lowest free one, ip's `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetNsId {
    /// An open file of the namespace (`/var/run/netns/NAME`).
    pub fd: i32,
    /// The id to give it.
    pub nsid: Option<u32>,
}

impl Request for SetNsId {
    fn message_type(&self) -> u16 {
        RTM_NEWNSID
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        w.put(&[0, 0, 0, 0]);
        w.attr_u32(NETNSA_FD, self.fd as u32);
        w.attr_u32(NETNSA_NSID, self.nsid.unwrap_or(u32::MAX));
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nsid {
            Some(n) => write!(f, "set the nsid of namespace fd {} to {n}", self.fd),
            None => write!(f, "assign an nsid to namespace fd {}", self.fd),
        }
    }
}

/// An owned namespace id answer.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct NsId {
    /// The id, if one is assigned.
    pub nsid: Option<i32>,
}

#[cfg(feature = "alloc")]
impl crate::request::FromMessage for NsId {
    fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
        Ok(NsId {
            nsid: NsIdMessage::from_message(msg)?.nsid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    #[test]
    fn request_layout_and_reply() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        GetNsId::Fd(7).emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        // nlmsghdr 16 + rtgenmsg 4 + NETNSA_FD 8.
        assert_eq!(n, 28);
        assert_eq!(&buf[16..28], &[0, 0, 0, 0, 8, 0, 3, 0, 7, 0, 0, 0]);
        // A reply: id 5, then "none assigned" (-1).
        for (id, want) in [(5i32, Some(5)), (-1, None)] {
            let mut rep = [0u8; 64];
            let mut w = Writer::new(&mut rep);
            let m = w.begin_message(RTM_NEWNSID, 0, 1, 0);
            w.put(&[0, 0, 0, 0]);
            w.attr_u32(NETNSA_NSID, id as u32);
            w.end_message(m);
            let n = w.finish().unwrap();
            let m = Messages::new(&rep[..n]).next().unwrap().unwrap();
            assert_eq!(NsIdMessage::from_message(&m).unwrap().nsid, want);
        }
        assert!(NsIdMessage::parse(&[0, 0]).is_err());
    }
}
