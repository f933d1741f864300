//! The generic netlink controller (`nlctrl`): family lookup by name or id,
//! and the list of every family the kernel has.

use core::fmt;

use super::{GENL_ID_CTRL, GENL_NAMSIZ, GenlHeader, GenlMessage};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{Attrs, DecodeError, Message, Writer};

/// `CTRL_CMD_NEWFAMILY`: a family description (the reply to a lookup).
pub const CTRL_CMD_NEWFAMILY: u8 = 1;
/// `CTRL_CMD_GETFAMILY`: look up one family, or dump them all.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
/// The controller's interface version used in requests.
pub const CTRL_VERSION: u8 = 2;

/// `CTRL_ATTR_FAMILY_ID` (u16).
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME` (string).
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
/// `CTRL_ATTR_VERSION` (u32).
pub const CTRL_ATTR_VERSION: u16 = 3;
/// `CTRL_ATTR_HDRSIZE` (u32).
pub const CTRL_ATTR_HDRSIZE: u16 = 4;
/// `CTRL_ATTR_MAXATTR` (u32).
pub const CTRL_ATTR_MAXATTR: u16 = 5;
/// `CTRL_ATTR_OPS` (array of nests).
pub const CTRL_ATTR_OPS: u16 = 6;
/// `CTRL_ATTR_MCAST_GROUPS` (array of nests).
pub const CTRL_ATTR_MCAST_GROUPS: u16 = 7;
/// `CTRL_ATTR_OP_ID` (u32), inside an ops entry.
pub const CTRL_ATTR_OP_ID: u16 = 1;
/// `CTRL_ATTR_OP_FLAGS` (u32, `GENL_*` capability bits), inside an ops entry.
pub const CTRL_ATTR_OP_FLAGS: u16 = 2;
/// `CTRL_ATTR_MCAST_GRP_NAME` (string), inside a group entry.
pub const CTRL_ATTR_MCAST_GRP_NAME: u16 = 1;
/// `CTRL_ATTR_MCAST_GRP_ID` (u32), inside a group entry.
pub const CTRL_ATTR_MCAST_GRP_ID: u16 = 2;

/// `GENL_ADMIN_PERM`: the command needs `CAP_NET_ADMIN`.
pub const GENL_ADMIN_PERM: u32 = 0x01;
/// `GENL_CMD_CAP_DO`: the command has a `doit` handler.
pub const GENL_CMD_CAP_DO: u32 = 0x02;
/// `GENL_CMD_CAP_DUMP`: the command has a `dumpit` handler.
pub const GENL_CMD_CAP_DUMP: u32 = 0x04;
/// `GENL_CMD_CAP_HASPOL`: the command has an attribute policy.
pub const GENL_CMD_CAP_HASPOL: u32 = 0x08;

/// A family name, stored inline (at most 15 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Name {
    bytes: [u8; GENL_NAMSIZ],
    len: u8,
}

impl Name {
    fn new(name: &str) -> Result<Name, InvalidInput> {
        if name.is_empty() || name.len() >= GENL_NAMSIZ || name.contains('\0') {
            return Err(InvalidInput::FamilyName { len: name.len() });
        }
        let mut bytes = [0u8; GENL_NAMSIZ];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(Name {
            bytes,
            len: name.len() as u8,
        })
    }

    fn as_str(&self) -> &str {
        // Built from a `&str` by `new`: always UTF-8.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Name(Name),
    Id(u16),
    All,
}

/// `CTRL_CMD_GETFAMILY`: one family by name or id, or a dump of all.
///
/// A lookup of a family the kernel does not have fails with `ENOENT`;
/// [`resolve`] turns that into
/// [`Error::FamilyNotFound`](crate::Error::FamilyNotFound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetFamily {
    target: Target,
}

impl GetFamily {
    /// Looks a family up by name (`"wireguard"`, `"nlctrl"`). The name must
    /// be 1 to 15 bytes.
    pub fn by_name(name: &str) -> Result<GetFamily, InvalidInput> {
        Ok(GetFamily {
            target: Target::Name(Name::new(name)?),
        })
    }

    /// Looks a family up by id.
    pub fn by_id(id: u16) -> GetFamily {
        GetFamily {
            target: Target::Id(id),
        }
    }

    /// Dumps every family (`genl ctrl list`).
    pub fn all() -> GetFamily {
        GetFamily {
            target: Target::All,
        }
    }

    /// The name looked up, if the request is by name.
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Name(n) => Some(n.as_str()),
            _ => None,
        }
    }
}

impl Request for GetFamily {
    fn message_type(&self) -> u16 {
        GENL_ID_CTRL
    }
    fn is_dump(&self) -> bool {
        self.target == Target::All
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        GenlHeader {
            cmd: CTRL_CMD_GETFAMILY,
            version: CTRL_VERSION,
        }
        .emit(w);
        match &self.target {
            Target::Name(n) => w.attr_str(CTRL_ATTR_FAMILY_NAME, n.as_str()),
            Target::Id(id) => w.attr_u16(CTRL_ATTR_FAMILY_ID, *id),
            Target::All => {}
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Name(n) => write!(f, "resolve generic netlink family {:?}", n.as_str()),
            Target::Id(id) => write!(f, "resolve generic netlink family id {id}"),
            Target::All => f.write_str("dump generic netlink families"),
        }
    }
    fn accepts(&self, msg: &Message<'_>) -> bool {
        let Ok(g) = GenlMessage::parse(msg) else {
            return true; // let the decoder report it
        };
        match &self.target {
            Target::All => true,
            Target::Name(n) => g
                .attrs()
                .flatten()
                .any(|a| a.kind() == CTRL_ATTR_FAMILY_NAME && a.str() == Ok(n.as_str())),
            Target::Id(id) => g
                .attrs()
                .flatten()
                .any(|a| a.kind() == CTRL_ATTR_FAMILY_ID && a.u16() == Ok(*id)),
        }
    }
}

/// A family description (`CTRL_CMD_NEWFAMILY`), borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyMessage<'a> {
    /// The family id: the `nlmsg_type` of its messages.
    pub id: u16,
    /// The family name.
    pub name: &'a str,
    /// The family's interface version.
    pub version: u32,
    /// Length of the family's own header after `genlmsghdr`.
    pub hdr_size: u32,
    /// Highest attribute type the family accepts.
    pub max_attr: u32,
    ops: &'a [u8],
    groups: &'a [u8],
}

const WHAT: &str = "generic netlink family";

impl<'a> FamilyMessage<'a> {
    /// Decodes a controller reply. The id and name are required.
    pub fn parse(msg: &Message<'a>) -> Result<Self, DecodeError> {
        if msg.kind() != GENL_ID_CTRL {
            return Err(DecodeError::UnexpectedType {
                what: WHAT,
                kind: msg.kind(),
            });
        }
        let g = GenlMessage::parse(msg)?;
        let (mut id, mut name) = (None, None);
        let mut f = FamilyMessage {
            id: 0,
            name: "",
            version: 0,
            hdr_size: 0,
            max_attr: 0,
            ops: &[],
            groups: &[],
        };
        for a in g.attrs() {
            let a = a?;
            match a.kind() {
                CTRL_ATTR_FAMILY_ID => id = Some(a.u16()?),
                CTRL_ATTR_FAMILY_NAME => name = Some(a.str()?),
                CTRL_ATTR_VERSION => f.version = a.u32()?,
                CTRL_ATTR_HDRSIZE => f.hdr_size = a.u32()?,
                CTRL_ATTR_MAXATTR => f.max_attr = a.u32()?,
                CTRL_ATTR_OPS => f.ops = a.payload(),
                CTRL_ATTR_MCAST_GROUPS => f.groups = a.payload(),
                _ => {}
            }
        }
        f.id = id.ok_or(DecodeError::MissingAttr {
            what: WHAT,
            kind: CTRL_ATTR_FAMILY_ID,
        })?;
        f.name = name.ok_or(DecodeError::MissingAttr {
            what: WHAT,
            kind: CTRL_ATTR_FAMILY_NAME,
        })?;
        Ok(f)
    }

    /// The commands the family supports.
    pub fn ops(&self) -> FamilyOps<'a> {
        FamilyOps(Attrs::new(self.ops))
    }

    /// The family's multicast groups.
    pub fn mcast_groups(&self) -> McastGroups<'a> {
        McastGroups(Attrs::new(self.groups))
    }
}

/// One command of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FamilyCommand {
    /// The command number.
    pub id: u32,
    /// `GENL_*` capability bits ([`GENL_CMD_CAP_DO`], …).
    pub flags: u32,
}

/// A multicast group of a family, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McastGroupView<'a> {
    /// The group name (`"notify"`).
    pub name: &'a str,
    /// The group id to join.
    pub id: u32,
}

/// Iterator over a family's commands.
#[derive(Debug, Clone)]
pub struct FamilyOps<'a>(Attrs<'a>);

impl Iterator for FamilyOps<'_> {
    type Item = Result<FamilyCommand, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let entry = match self.0.next()? {
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        let mut c = FamilyCommand::default();
        for a in entry.nested() {
            let r = a.and_then(|a| {
                match a.kind() {
                    CTRL_ATTR_OP_ID => c.id = a.u32()?,
                    CTRL_ATTR_OP_FLAGS => c.flags = a.u32()?,
                    _ => {}
                }
                Ok(())
            });
            if let Err(e) = r {
                return Some(Err(e));
            }
        }
        Some(Ok(c))
    }
}

/// Iterator over a family's multicast groups.
#[derive(Debug, Clone)]
pub struct McastGroups<'a>(Attrs<'a>);

impl<'a> Iterator for McastGroups<'a> {
    type Item = Result<McastGroupView<'a>, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let entry = match self.0.next()? {
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        let (mut name, mut id) = (None, None);
        for a in entry.nested() {
            let r = a.and_then(|a| {
                match a.kind() {
                    CTRL_ATTR_MCAST_GRP_NAME => name = Some(a.str()?),
                    CTRL_ATTR_MCAST_GRP_ID => id = Some(a.u32()?),
                    _ => {}
                }
                Ok(())
            });
            if let Err(e) = r {
                return Some(Err(e));
            }
        }
        const WHAT: &str = "multicast group";
        Some(match (name, id) {
            (Some(name), Some(id)) => Ok(McastGroupView { name, id }),
            (None, _) => Err(DecodeError::MissingAttr {
                what: WHAT,
                kind: CTRL_ATTR_MCAST_GRP_NAME,
            }),
            (_, None) => Err(DecodeError::MissingAttr {
                what: WHAT,
                kind: CTRL_ATTR_MCAST_GRP_ID,
            }),
        })
    }
}

impl<'a> crate::request::View<'a> for FamilyMessage<'a> {
    fn view(msg: &Message<'a>) -> Result<Self, DecodeError> {
        FamilyMessage::parse(msg)
    }
}

impl crate::request::Query for GetFamily {
    type View<'a> = FamilyMessage<'a>;
    #[cfg(feature = "alloc")]
    type Item = Family;
}

#[cfg(feature = "alloc")]
pub use owned::*;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use super::*;
    use crate::error::Error;
    use crate::fold::Reply;
    use crate::fold::{self, Fold};
    use crate::op::{Op, OpStep};
    use crate::request::FromMessage;

    /// A multicast group of a family.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    pub struct McastGroup {
        /// The group name.
        pub name: String,
        /// The group id to join.
        pub id: u32,
    }

    /// A generic netlink family, as the controller describes it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    pub struct Family {
        /// The id: the `nlmsg_type` of the family's messages.
        pub id: u16,
        /// The name.
        pub name: String,
        /// The interface version.
        pub version: u32,
        /// Length of the family's own header after `genlmsghdr`.
        pub hdr_size: u32,
        /// Highest attribute type.
        pub max_attr: u32,
        /// The commands, in the kernel's order.
        pub commands: Vec<FamilyCommand>,
        /// The multicast groups, in the kernel's order.
        pub mcast_groups: Vec<McastGroup>,
    }

    impl Family {
        /// The id of the multicast group `name`.
        pub fn mcast_group(&self, name: &str) -> Option<u32> {
            self.mcast_groups
                .iter()
                .find(|g| g.name == name)
                .map(|g| g.id)
        }
    }

    impl FromMessage for Family {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let f = FamilyMessage::parse(msg)?;
            Ok(Family {
                id: f.id,
                name: f.name.to_string(),
                version: f.version,
                hdr_size: f.hdr_size,
                max_attr: f.max_attr,
                commands: f.ops().collect::<Result<_, _>>()?,
                mcast_groups: f
                    .mcast_groups()
                    .map(|g| {
                        g.map(|g| McastGroup {
                            name: g.name.to_string(),
                            id: g.id,
                        })
                    })
                    .collect::<Result<_, _>>()?,
            })
        }
    }

    /// Looks a family up by name; see [`resolve`].
    #[derive(Debug)]
    pub struct ResolveFamily {
        req: GetFamily,
        found: Option<Result<Family, Error>>,
        result: Option<Result<Family, Error>>,
    }

    /// An operation resolving the family `name`. A family the kernel does
    /// not have ends in [`Error::FamilyNotFound`].
    pub fn resolve(name: &str) -> Result<ResolveFamily, Error> {
        let req = GetFamily::by_name(name).map_err(|source| Error::InvalidInput {
            op: alloc::format!("resolve generic netlink family {name:?}"),
            source,
        })?;
        Ok(ResolveFamily {
            req,
            found: None,
            result: None,
        })
    }

    impl ResolveFamily {
        /// The lookup request.
        pub fn request(&self) -> &GetFamily {
            &self.req
        }

        /// The outcome, once the request ended.
        pub fn take_result(&mut self) -> Option<Result<Family, Error>> {
            self.result.take()
        }
    }

    impl Op for ResolveFamily {
        type Output = Family;
        fn step(&mut self) -> OpStep<'_, Family> {
            match self.result.take() {
                Some(r) => OpStep::Done(r),
                None => OpStep::Send(&self.req),
            }
        }
        fn reply(&mut self, reply: Reply<'_>) -> bool {
            match fold::items::<Family, _>(&self.req, reply) {
                Fold::Continue => false,
                Fold::Yield(r) => {
                    self.found.get_or_insert(r);
                    false
                }
                Fold::Finish(r) => {
                    let name = self.req.name().unwrap_or_default();
                    self.result = Some(match r {
                        Ok(()) => self.found.take().unwrap_or_else(|| {
                            Err(Error::NoReply {
                                op: crate::request::Describe(&self.req).to_string(),
                            })
                        }),
                        Err(e) if e.errno() == Some(crate::Errno::ENOENT) => {
                            Err(Error::FamilyNotFound {
                                name: name.to_string(),
                            })
                        }
                        Err(e) => Err(e),
                    });
                    true
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A `CTRL_CMD_NEWFAMILY` reply laid out as the kernel's
    /// `ctrl_fill_info` writes it.
    pub(crate) fn family_reply(
        buf: &mut [u8],
        id: u16,
        name: &str,
        groups: &[(&str, u32)],
    ) -> usize {
        let mut w = Writer::new(buf);
        let m = w.begin_message(GENL_ID_CTRL, 0, 1, 0);
        GenlHeader {
            cmd: CTRL_CMD_NEWFAMILY,
            version: 2,
        }
        .emit(&mut w);
        w.attr_str(CTRL_ATTR_FAMILY_NAME, name);
        w.attr_u16(CTRL_ATTR_FAMILY_ID, id);
        w.attr_u32(CTRL_ATTR_VERSION, 1);
        w.attr_u32(CTRL_ATTR_HDRSIZE, 0);
        w.attr_u32(CTRL_ATTR_MAXATTR, 8);
        let ops = w.begin_nested(CTRL_ATTR_OPS);
        for (i, cmd) in [(1u16, 0u32), (2, 1)] {
            let e = w.begin_nested(i);
            w.attr_u32(CTRL_ATTR_OP_ID, cmd);
            w.attr_u32(CTRL_ATTR_OP_FLAGS, GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP);
            w.end_nested(e);
        }
        w.end_nested(ops);
        if !groups.is_empty() {
            let gs = w.begin_nested(CTRL_ATTR_MCAST_GROUPS);
            for (i, (n, gid)) in groups.iter().enumerate() {
                let e = w.begin_nested(i as u16 + 1);
                w.attr_u32(CTRL_ATTR_MCAST_GRP_ID, *gid);
                w.attr_str(CTRL_ATTR_MCAST_GRP_NAME, n);
                w.end_nested(e);
            }
            w.end_nested(gs);
        }
        w.end_message(m);
        w.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::family_reply;
    use super::*;
    use crate::wire::Messages;

    #[test]
    fn family_reply_decodes() {
        let mut buf = [0u8; 512];
        let n = family_reply(&mut buf, 0x1d, "wireguard", &[("notify", 9), ("x", 10)]);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let f = FamilyMessage::parse(&msg).unwrap();
        assert_eq!(
            (f.id, f.name, f.version, f.max_attr),
            (0x1d, "wireguard", 1, 8)
        );
        let ops: std::vec::Vec<_> = f.ops().map(Result::unwrap).collect();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].id, 1);
        assert_eq!(ops[1].flags, GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP);
        let g: std::vec::Vec<_> = f.mcast_groups().map(Result::unwrap).collect();
        assert_eq!(
            g[0],
            McastGroupView {
                name: "notify",
                id: 9
            }
        );
        assert_eq!(g[1].id, 10);
        assert!(GetFamily::by_name("wireguard").unwrap().accepts(&msg));
        assert!(!GetFamily::by_name("wireguarx").unwrap().accepts(&msg));
        assert!(GetFamily::by_id(0x1d).accepts(&msg));
        assert!(!GetFamily::by_id(0x1e).accepts(&msg));
    }

    #[test]
    fn missing_id_or_group_fields_are_errors() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(GENL_ID_CTRL, 0, 1, 0);
        GenlHeader::default().emit(&mut w);
        w.attr_str(CTRL_ATTR_FAMILY_NAME, "x");
        w.end_message(m);
        let n = w.finish().unwrap();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(
            FamilyMessage::parse(&msg),
            Err(DecodeError::MissingAttr {
                what: WHAT,
                kind: CTRL_ATTR_FAMILY_ID
            })
        );

        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(GENL_ID_CTRL, 0, 1, 0);
        GenlHeader::default().emit(&mut w);
        w.attr_u16(CTRL_ATTR_FAMILY_ID, 5);
        w.attr_str(CTRL_ATTR_FAMILY_NAME, "x");
        let gs = w.begin_nested(CTRL_ATTR_MCAST_GROUPS);
        let e = w.begin_nested(1);
        w.attr_str(CTRL_ATTR_MCAST_GRP_NAME, "g");
        w.end_nested(e);
        w.end_nested(gs);
        w.end_message(m);
        let n = w.finish().unwrap();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let f = FamilyMessage::parse(&msg).unwrap();
        assert!(matches!(
            f.mcast_groups().next(),
            Some(Err(DecodeError::MissingAttr { .. }))
        ));
    }

    #[test]
    fn request_layout_and_name_checks() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        GetFamily::by_name("nlctrl").unwrap().emit(&mut w, 9, 0);
        let n = w.finish().unwrap();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.kind(), GENL_ID_CTRL);
        assert_eq!(
            msg.flags(),
            crate::wire::NLM_F_REQUEST | crate::wire::NLM_F_ACK
        );
        let g = GenlMessage::parse(&msg).unwrap();
        assert_eq!((g.cmd(), g.header().version), (CTRL_CMD_GETFAMILY, 2));
        let a = g.attrs().next().unwrap().unwrap();
        assert_eq!(
            (a.kind(), a.payload()),
            (CTRL_ATTR_FAMILY_NAME, &b"nlctrl\0"[..])
        );
        assert!(GetFamily::all().is_dump());
        assert_eq!(
            GetFamily::by_name(""),
            Err(InvalidInput::FamilyName { len: 0 })
        );
        assert_eq!(
            GetFamily::by_name("sixteen-bytes-xx"),
            Err(InvalidInput::FamilyName { len: 16 })
        );
        assert!(GetFamily::by_name("fifteen-bytes-x").is_ok());
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn resolve_maps_enoent_to_family_not_found() {
        use crate::error::{Error, KernelError};
        use crate::fold::Reply;
        use crate::op::{Op, OpStep};
        let mut op = resolve("wireguard").unwrap();
        assert!(matches!(op.step(), OpStep::Send(_)));
        let e = Error::from(KernelError::new(2, &Default::default()));
        assert!(op.reply(Reply::Failed(e)));
        match op.step() {
            OpStep::Done(Err(e)) => assert_eq!(
                std::string::ToString::to_string(&e),
                "generic netlink family \"wireguard\" not found — is the wireguard module loaded?"
            ),
            s => panic!("{s:?}"),
        }

        let mut buf = [0u8; 512];
        let n = family_reply(&mut buf, 0x1d, "wireguard", &[]);
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let mut op = resolve("wireguard").unwrap();
        assert!(!op.reply(Reply::Item(msg)));
        assert!(op.reply(Reply::Ack));
        match op.step() {
            OpStep::Done(Ok(f)) => {
                assert_eq!(f.id, 0x1d);
                assert_eq!(f.commands.len(), 2);
            }
            s => panic!("{s:?}"),
        }
    }
}
