//! Naming an encoded rtnetlink request after the fact: what a batch says
//! of a member that failed (`add route 2001:db8::/64 table 300`), decoded
//! from the bytes it stored, so nothing is kept per request while the
//! batch is built.

use core::fmt;

use super::{
    AddressMessage, LinkMessage, NeighbourMessage, RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH,
    RTM_DELROUTE, RTM_DELRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_NEWRULE,
    RouteMessage, RuleMessage,
};
use crate::wire::{Message, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REPLACE};

/// Displays what an encoded request asks for; see [`describe_request`].
#[derive(Debug, Clone, Copy)]
pub struct RequestSummary<'a>(Message<'a>);

/// What the encoded request `msg` asks for, in the words of the builders'
/// own descriptions: `add route 192.0.2.0/24 table 100`, `delete address
/// 192.0.2.1/24 on link index 3`, `create link "veth0"`. A message it
/// cannot decode is `request type N`.
pub fn describe_request(msg: Message<'_>) -> RequestSummary<'_> {
    RequestSummary(msg)
}

fn verb(kind: u16, del: u16, flags: u16) -> &'static str {
    if kind == del {
        "delete"
    } else if flags & NLM_F_REPLACE != 0 {
        "replace"
    } else if flags & NLM_F_APPEND != 0 {
        "append"
    } else if flags & NLM_F_CREATE != 0 {
        "add"
    } else {
        "change"
    }
}

impl fmt::Display for RequestSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.0;
        let (kind, flags) = (m.kind(), m.flags());
        match kind {
            RTM_NEWROUTE | RTM_DELROUTE => {
                if let Ok(r) = RouteMessage::from_message(m) {
                    write!(f, "{} route ", verb(kind, RTM_DELROUTE, flags))?;
                    match r.dst {
                        Some(d) => write!(f, "{d}/{}", r.header.dst_len)?,
                        None => f.write_str("default")?,
                    }
                    if r.table != super::route::RT_TABLE_MAIN {
                        write!(f, " table {}", r.table)?;
                    }
                    return Ok(());
                }
            }
            RTM_NEWADDR | RTM_DELADDR => {
                if let Ok(a) = AddressMessage::from_message(m)
                    && let Some(addr) = a.addr()
                {
                    let v = verb(kind, RTM_DELADDR, flags);
                    let len = a.header.prefix_len;
                    let index = a.header.index;
                    return write!(f, "{v} address {addr}/{len} on link index {index}");
                }
            }
            RTM_NEWLINK | RTM_DELLINK => {
                if let Ok(l) = LinkMessage::from_message(m) {
                    let v = match verb(kind, RTM_DELLINK, flags) {
                        "add" => "create",
                        v => v,
                    };
                    return match l.name {
                        Some(n) => write!(f, "{v} link {n:?}"),
                        None => write!(f, "{v} link index {}", l.header.index),
                    };
                }
            }
            RTM_NEWNEIGH | RTM_DELNEIGH => {
                if let Ok(n) = NeighbourMessage::from_message(m)
                    && let Some(dst) = n.dst
                {
                    let v = verb(kind, RTM_DELNEIGH, flags);
                    let index = n.header.index;
                    return write!(f, "{v} neighbour {dst} on link index {index}");
                }
            }
            RTM_NEWRULE | RTM_DELRULE => {
                if let Ok(r) = RuleMessage::from_message(m) {
                    write!(f, "{} rule", verb(kind, RTM_DELRULE, flags))?;
                    if let Some(p) = r.priority {
                        write!(f, " priority {p}")?;
                    }
                    return Ok(());
                }
            }
            _ => {}
        }
        write!(f, "request type {kind}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use crate::route::{AddressRequest, LinkKind, LinkRequest, RouteRequest};
    use crate::wire::{Messages, Writer};
    use alloc::string::ToString;

    fn said(r: &impl Request) -> alloc::string::String {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        describe_request(m).to_string()
    }

    #[test]
    fn requests_are_named_from_their_bytes() {
        let dst = "2001:db8::".parse().unwrap();
        assert_eq!(
            said(&RouteRequest::add(dst, 64).unwrap().table(300)),
            "add route 2001:db8::/64 table 300"
        );
        assert_eq!(
            said(&RouteRequest::replace(dst, 64).unwrap()),
            "replace route 2001:db8::/64"
        );
        assert_eq!(
            said(&RouteRequest::delete(dst, 64).unwrap()),
            "delete route 2001:db8::/64"
        );
        let a = "192.0.2.1".parse().unwrap();
        assert_eq!(
            said(&AddressRequest::add(3, a, 24).unwrap()),
            "add address 192.0.2.1/24 on link index 3"
        );
        assert_eq!(
            said(&LinkRequest::add("d0", LinkKind::Dummy).unwrap()),
            "create link \"d0\""
        );
        assert_eq!(
            said(&LinkRequest::delete(7u32).unwrap()),
            "delete link index 7"
        );
    }
}
