//! Generic netlink: the `genlmsghdr`, the controller (`nlctrl`) that maps
//! family names to ids, and the families nlwire speaks ([`wireguard`]).
//!
//! A generic netlink message is a netlink message whose type is the
//! family's id (allocated by the kernel when the module registers, so it
//! must be looked up by name), followed by a 4-byte [`GenlHeader`] (command
//! and version) and the family's attributes.
//!
//! With `alloc`, [`WithFamily`] runs any operation on a family by name:
//! it resolves the id through the controller when it is not known yet (or
//! no longer valid), and says what a per-connection [`FamilyCache`] should
//! remember.

pub mod ctrl;
pub mod wireguard;

#[cfg(feature = "alloc")]
mod family_op;
#[cfg(feature = "alloc")]
pub use family_op::{FamilyCache, FamilyOp, WithFamily};

use crate::wire::{Attrs, DecodeError, Message, Writer, need};

/// Length of `struct genlmsghdr` (`GENL_HDRLEN`).
pub const GENL_HDRLEN: usize = 4;
/// Longest family name, NUL included (`GENL_NAMSIZ`).
pub const GENL_NAMSIZ: usize = 16;
/// The controller's fixed family id (`GENL_ID_CTRL`).
pub const GENL_ID_CTRL: u16 = 0x10;

/// `struct genlmsghdr`: the command and the family's interface version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenlHeader {
    /// The command (`CTRL_CMD_GETFAMILY`, `WG_CMD_GET_DEVICE`, …).
    pub cmd: u8,
    /// The family's interface version.
    pub version: u8,
}

impl GenlHeader {
    /// Writes the header (the reserved field as zero).
    pub fn emit(&self, w: &mut Writer<'_>) {
        w.put(&[self.cmd, self.version, 0, 0]);
    }
}

/// A generic netlink message: its family id, header and attribute area,
/// borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenlMessage<'a> {
    family: u16,
    header: GenlHeader,
    attrs: &'a [u8],
}

impl<'a> GenlMessage<'a> {
    /// Splits a netlink message into the generic netlink header and its
    /// attributes. Fails if the payload is shorter than `genlmsghdr`.
    pub fn parse(msg: &Message<'a>) -> Result<Self, DecodeError> {
        let p = msg.payload();
        need(p, GENL_HDRLEN, "genlmsghdr")?;
        Ok(GenlMessage {
            family: msg.kind(),
            header: GenlHeader {
                cmd: p[0],
                version: p[1],
            },
            attrs: &p[GENL_HDRLEN..],
        })
    }

    /// The family id (`nlmsg_type`).
    pub fn family(&self) -> u16 {
        self.family
    }

    /// The generic netlink header.
    pub fn header(&self) -> GenlHeader {
        self.header
    }

    /// The command.
    pub fn cmd(&self) -> u8 {
        self.header.cmd
    }

    /// The attributes after the header.
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Messages;

    #[test]
    fn header_round_trip_and_short_payload() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(0x15, 0, 1, 0);
        GenlHeader { cmd: 3, version: 2 }.emit(&mut w);
        w.attr_u16(1, 7);
        w.end_message(m);
        let n = w.finish().unwrap();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let g = GenlMessage::parse(&msg).unwrap();
        assert_eq!((g.family(), g.cmd(), g.header().version), (0x15, 3, 2));
        assert_eq!(g.attrs().next().unwrap().unwrap().u16(), Ok(7));

        let h = crate::wire::Header {
            len: 18,
            kind: 0x15,
            ..Default::default()
        };
        let mut short = [0u8; 18];
        short[..16].copy_from_slice(&h.to_bytes());
        let msg = Message::parse(&short).unwrap();
        assert!(matches!(
            GenlMessage::parse(&msg),
            Err(DecodeError::Truncated {
                what: "genlmsghdr",
                ..
            })
        ));
    }
}
