//! `NLMSG_ERROR` (errors and acknowledgements) and `NLMSG_DONE`, with the
//! extended-ack TLVs of both.

use super::{
    Attrs, DecodeError, HEADER_LEN, Header, Message, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE,
    NLMSG_ERROR, align, read_i32,
};

const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSGERR_ATTR_OFFS: u16 = 2;
const NLMSGERR_ATTR_COOKIE: u16 = 3;
const NLMSGERR_ATTR_POLICY: u16 = 4;
const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
const NLMSGERR_ATTR_MISS_NEST: u16 = 6;

/// The policy of a rejected attribute (`NLMSGERR_ATTR_POLICY`,
/// `NL_POLICY_TYPE_ATTR_*`). Fields the kernel did not send are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Policy {
    /// `NL_POLICY_TYPE_ATTR_TYPE`: the `enum netlink_attribute_type`.
    pub kind: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_MIN_VALUE_S`.
    pub min_value_s: Option<i64>,
    /// `NL_POLICY_TYPE_ATTR_MAX_VALUE_S`.
    pub max_value_s: Option<i64>,
    /// `NL_POLICY_TYPE_ATTR_MIN_VALUE_U`.
    pub min_value_u: Option<u64>,
    /// `NL_POLICY_TYPE_ATTR_MAX_VALUE_U`.
    pub max_value_u: Option<u64>,
    /// `NL_POLICY_TYPE_ATTR_MIN_LENGTH`.
    pub min_length: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_MAX_LENGTH`.
    pub max_length: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_POLICY_IDX`.
    pub policy_idx: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE`.
    pub policy_maxtype: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_BITFIELD32_MASK`.
    pub bitfield32_mask: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_MASK`.
    pub mask: Option<u64>,
}

impl Policy {
    fn parse(attrs: Attrs<'_>) -> Result<Policy, DecodeError> {
        let mut p = Policy::default();
        for a in attrs {
            let a = a?;
            match a.kind() {
                1 => p.kind = Some(a.u32()?),
                2 => p.min_value_s = Some(a.u64()? as i64),
                3 => p.max_value_s = Some(a.u64()? as i64),
                4 => p.min_value_u = Some(a.u64()?),
                5 => p.max_value_u = Some(a.u64()?),
                6 => p.min_length = Some(a.u32()?),
                7 => p.max_length = Some(a.u32()?),
                8 => p.policy_idx = Some(a.u32()?),
                9 => p.policy_maxtype = Some(a.u32()?),
                10 => p.bitfield32_mask = Some(a.u32()?),
                12 => p.mask = Some(a.u64()?),
                _ => {}
            }
        }
        Ok(p)
    }
}

/// Extended acknowledgement data (`NLMSGERR_ATTR_*`), borrowed from the
/// datagram. Present when the socket has `NETLINK_EXT_ACK` enabled and the
/// kernel had something to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExtAck<'a> {
    /// `NLMSGERR_ATTR_MSG`: human-readable message.
    pub message: Option<&'a str>,
    /// `NLMSGERR_ATTR_OFFS`: byte offset of the offending attribute within
    /// the original request message.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_COOKIE`: subsystem-specific cookie.
    pub cookie: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_POLICY`: the policy the offending attribute violated.
    pub policy: Option<Policy>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: type of a missing required attribute.
    pub missing_type: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_NEST`: offset of the nest missing the attribute.
    pub missing_nest: Option<u32>,
}

impl<'a> ExtAck<'a> {
    /// Decodes extended-ack TLVs. Unknown TLVs are ignored (a newer kernel
    /// may add some).
    pub fn parse(buf: &'a [u8]) -> Result<ExtAck<'a>, DecodeError> {
        let mut e = ExtAck::default();
        for a in Attrs::new(buf) {
            let a = a?;
            match a.kind() {
                NLMSGERR_ATTR_MSG => e.message = Some(a.str()?),
                NLMSGERR_ATTR_OFFS => e.offset = Some(a.u32()?),
                NLMSGERR_ATTR_COOKIE => e.cookie = Some(a.payload()),
                NLMSGERR_ATTR_POLICY => e.policy = Some(Policy::parse(a.nested())?),
                NLMSGERR_ATTR_MISS_TYPE => e.missing_type = Some(a.u32()?),
                NLMSGERR_ATTR_MISS_NEST => e.missing_nest = Some(a.u32()?),
                _ => {}
            }
        }
        Ok(e)
    }

    /// Whether no field is present.
    pub fn is_empty(&self) -> bool {
        *self == ExtAck::default()
    }
}

/// Extended-ack TLVs that are known to decode, kept as bytes: two words to
/// carry instead of a whole [`ExtAck`] (this is what
/// the exchange machine's `Failure::Kernel` holds, so every one of its
/// events stays small). [`ExtAckTlvs::decode`] gives the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtAckTlvs<'a>(&'a [u8]);

impl<'a> ExtAckTlvs<'a> {
    /// Checks that `buf` decodes as extended-ack TLVs.
    pub fn check(buf: &'a [u8]) -> Result<ExtAckTlvs<'a>, DecodeError> {
        ExtAck::parse(buf)?;
        Ok(ExtAckTlvs(buf))
    }

    /// The decoded fields.
    pub fn decode(&self) -> ExtAck<'a> {
        // `check` decoded these bytes once already; this cannot fail.
        ExtAck::parse(self.0).unwrap_or_default()
    }

    /// The raw TLVs.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
}

/// A decoded `NLMSG_ERROR` message: `struct nlmsgerr` plus extended ack.
///
/// `errno == 0` is an acknowledgement; otherwise it is the positive errno
/// of the failure (the kernel sends it negated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorMessage<'a> {
    /// Positive errno, or 0 for an acknowledgement.
    pub errno: i32,
    /// The header of the request this answers.
    pub request: Header,
    /// The echoed request payload (empty when capped with `NETLINK_CAP_ACK`
    /// or for acknowledgements).
    pub request_payload: &'a [u8],
    /// Extended-ack fields.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> ErrorMessage<'a> {
    /// Decodes an `NLMSG_ERROR` message.
    pub fn parse(msg: &Message<'a>) -> Result<ErrorMessage<'a>, DecodeError> {
        let (e, tlvs) = Self::split(msg)?;
        Ok(ErrorMessage {
            ext_ack: ExtAck::parse(tlvs)?,
            ..e
        })
    }

    /// The errno and the checked extended-ack TLVs, without decoding them
    /// into an [`ExtAck`]; the same checks as [`ErrorMessage::parse`].
    pub fn errno_and_tlvs(msg: &Message<'a>) -> Result<(i32, ExtAckTlvs<'a>), DecodeError> {
        let (e, tlvs) = Self::split(msg)?;
        Ok((e.errno, ExtAckTlvs::check(tlvs)?))
    }

    /// The message without its extended ack, and the raw extended-ack TLVs
    /// (empty without `NLM_F_ACK_TLVS`).
    fn split(msg: &Message<'a>) -> Result<(ErrorMessage<'a>, &'a [u8]), DecodeError> {
        if msg.kind() != NLMSG_ERROR {
            return Err(DecodeError::UnexpectedType {
                what: "nlmsgerr",
                kind: msg.kind(),
            });
        }
        let p = msg.payload();
        if p.len() < 4 + HEADER_LEN {
            return Err(DecodeError::Truncated {
                what: "nlmsgerr",
                needed: 4 + HEADER_LEN,
                available: p.len(),
            });
        }
        let error = read_i32(p, 0);
        let request = Header::parse(&p[4..])?;
        let mut rest = &p[4 + HEADER_LEN..];
        let mut request_payload: &[u8] = &[];
        if msg.flags() & NLM_F_CAPPED == 0 {
            // The full request is echoed; its own length says how much.
            let echoed = (request.len as usize).saturating_sub(HEADER_LEN);
            if echoed > rest.len() {
                return Err(DecodeError::Truncated {
                    what: "nlmsgerr echoed request",
                    needed: echoed,
                    available: rest.len(),
                });
            }
            request_payload = &rest[..echoed];
            rest = &rest[align(echoed).min(rest.len())..];
        }
        let tlvs = if msg.flags() & NLM_F_ACK_TLVS != 0 {
            rest
        } else {
            &[]
        };
        let e = ErrorMessage {
            errno: error.checked_neg().unwrap_or(i32::MAX),
            request,
            request_payload,
            ext_ack: ExtAck::default(),
        };
        Ok((e, tlvs))
    }

    /// Whether this is an acknowledgement (errno 0).
    pub fn is_ack(&self) -> bool {
        self.errno == 0
    }
}

/// A decoded `NLMSG_DONE` message. A dump that failed part-way carries the
/// errno here (and possibly an extended ack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoneMessage<'a> {
    /// Positive errno, or 0 when the dump completed.
    pub errno: i32,
    /// Extended-ack fields.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> DoneMessage<'a> {
    /// Decodes an `NLMSG_DONE` message. A missing error field (some old
    /// families send an empty DONE) reads as success.
    pub fn parse(msg: &Message<'a>) -> Result<DoneMessage<'a>, DecodeError> {
        let (errno, tlvs) = Self::split(msg)?;
        Ok(DoneMessage {
            errno,
            ext_ack: ExtAck::parse(tlvs)?,
        })
    }

    /// The errno and the checked extended-ack TLVs, without decoding them
    /// into an [`ExtAck`]; the same checks as [`DoneMessage::parse`].
    pub fn errno_and_tlvs(msg: &Message<'a>) -> Result<(i32, ExtAckTlvs<'a>), DecodeError> {
        let (errno, tlvs) = Self::split(msg)?;
        Ok((errno, ExtAckTlvs::check(tlvs)?))
    }

    fn split(msg: &Message<'a>) -> Result<(i32, &'a [u8]), DecodeError> {
        if msg.kind() != NLMSG_DONE {
            return Err(DecodeError::UnexpectedType {
                what: "NLMSG_DONE",
                kind: msg.kind(),
            });
        }
        let p = msg.payload();
        if p.len() < 4 {
            return Ok((0, &[]));
        }
        let error = read_i32(p, 0);
        let tlvs = if msg.flags() & NLM_F_ACK_TLVS != 0 {
            &p[4..]
        } else {
            &[]
        };
        Ok((error.checked_neg().unwrap_or(i32::MAX), tlvs))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NLM_F_MULTI, Writer};
    use super::*;

    /// An error reply as the kernel (6.x) sends it for a bad attribute:
    /// capped, with message, offset and policy TLVs.
    fn error_frame(
        errno: i32,
        flags: u16,
        echo: &[u8],
        tlvs: impl Fn(&mut Writer),
    ) -> std::vec::Vec<u8> {
        let mut buf = std::vec![0u8; 512];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(NLMSG_ERROR, flags, 7, 1234);
        w.put(&(-errno).to_ne_bytes());
        let req = Header {
            len: (HEADER_LEN + echo.len()) as u32,
            kind: 16,
            flags: 5,
            seq: 7,
            port: 1234,
        };
        w.put(&req.to_bytes());
        w.put(echo);
        w.align();
        tlvs(&mut w);
        w.end_message(m);
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn ack_decodes() {
        let f = error_frame(0, NLM_F_CAPPED, &[], |_| {});
        let m = Message::parse(&f).unwrap();
        let e = ErrorMessage::parse(&m).unwrap();
        assert!(e.is_ack());
        assert_eq!(e.request.seq, 7);
        assert!(e.ext_ack.is_empty());
    }

    #[test]
    fn every_ext_ack_tlv_decodes() {
        let f = error_frame(22, NLM_F_CAPPED | NLM_F_ACK_TLVS, &[], |w| {
            w.attr_str(NLMSGERR_ATTR_MSG, "Attribute failed policy validation");
            w.attr_u32(NLMSGERR_ATTR_OFFS, 36);
            w.attr(NLMSGERR_ATTR_COOKIE, &[1, 2, 3]);
            let p = w.begin_nested(NLMSGERR_ATTR_POLICY);
            w.attr_u32(1, 3);
            w.attr_u64(5, 255);
            w.attr_u64(2, (-5i64) as u64);
            w.attr_u32(6, 1);
            w.attr_u32(7, 16);
            w.attr_u64(12, 0xff);
            w.end_nested(p);
            w.attr_u32(NLMSGERR_ATTR_MISS_TYPE, 3);
            w.attr_u32(NLMSGERR_ATTR_MISS_NEST, 20);
            w.attr_u32(99, 0); // unknown: ignored
        });
        let m = Message::parse(&f).unwrap();
        let e = ErrorMessage::parse(&m).unwrap();
        assert_eq!(e.errno, 22);
        let x = e.ext_ack;
        assert_eq!(x.message, Some("Attribute failed policy validation"));
        assert_eq!(x.offset, Some(36));
        assert_eq!(x.cookie, Some(&[1u8, 2, 3][..]));
        let p = x.policy.unwrap();
        assert_eq!(p.kind, Some(3));
        assert_eq!(p.max_value_u, Some(255));
        assert_eq!(p.min_value_s, Some(-5));
        assert_eq!((p.min_length, p.max_length), (Some(1), Some(16)));
        assert_eq!(p.mask, Some(0xff));
        assert_eq!(x.missing_type, Some(3));
        assert_eq!(x.missing_nest, Some(20));
    }

    #[test]
    fn uncapped_error_skips_echoed_request() {
        let echo = [9u8; 10];
        let f = error_frame(19, NLM_F_ACK_TLVS, &echo, |w| {
            w.attr_str(1, "no such device")
        });
        let m = Message::parse(&f).unwrap();
        let e = ErrorMessage::parse(&m).unwrap();
        assert_eq!(e.errno, 19);
        assert_eq!(e.request_payload, &echo);
        assert_eq!(e.ext_ack.message, Some("no such device"));
    }

    #[test]
    fn truncated_error_is_a_decode_error() {
        let f = error_frame(19, 0, &[1; 8], |_| {});
        // Claim a longer echoed request than present.
        let mut g = f.clone();
        g[20..24].copy_from_slice(&200u32.to_ne_bytes());
        let m = Message::parse(&g).unwrap();
        assert!(matches!(
            ErrorMessage::parse(&m),
            Err(DecodeError::Truncated { .. })
        ));
        // Too short for nlmsgerr at all.
        let mut h = f[..24].to_vec();
        h[0..4].copy_from_slice(&24u32.to_ne_bytes());
        let m = Message::parse(&h).unwrap();
        assert!(matches!(
            ErrorMessage::parse(&m),
            Err(DecodeError::Truncated {
                what: "nlmsgerr",
                ..
            })
        ));
    }

    #[test]
    fn done_with_dump_error() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 3, 0);
        w.put(&(-16i32).to_ne_bytes());
        w.attr_str(NLMSGERR_ATTR_MSG, "busy");
        w.end_message(m);
        let n = w.finish().unwrap();
        let msg = Message::parse(&buf[..n]).unwrap();
        let d = DoneMessage::parse(&msg).unwrap();
        assert_eq!(d.errno, 16);
        assert_eq!(d.ext_ack.message, Some("busy"));
        // Empty DONE reads as success.
        let h = Header {
            len: 16,
            kind: NLMSG_DONE,
            flags: 2,
            seq: 1,
            port: 0,
        };
        let b = h.to_bytes();
        let d = DoneMessage::parse(&Message::parse(&b).unwrap()).unwrap();
        assert_eq!(d.errno, 0);
    }
}
