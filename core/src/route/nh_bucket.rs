//! The buckets of resilient nexthop groups (`RTM_*NEXTHOPBUCKET`, what
//! `ip nexthop bucket` reads): each bucket of a resilient group holds one
//! member, and the kernel moves a bucket to another member only once it
//! has been idle for the group's idle timer.

use core::fmt;

use super::nh::{NHA_ID, NHA_MASTER, NHA_OIF, NhMsg};
use crate::InvalidInput;
use crate::request::Request;
use crate::wire::{Attrs, DecodeError, Message, Writer};

/// `RTM_NEWNEXTHOPBUCKET`.
pub const RTM_NEWNEXTHOPBUCKET: u16 = 116;
/// `RTM_DELNEXTHOPBUCKET`.
pub const RTM_DELNEXTHOPBUCKET: u16 = 117;
/// `RTM_GETNEXTHOPBUCKET`.
pub const RTM_GETNEXTHOPBUCKET: u16 = 118;
/// `NHA_RES_BUCKET`: the nest of one bucket.
pub const NHA_RES_BUCKET: u16 = 13;
/// `NHA_RES_BUCKET_INDEX` (u16).
pub const NHA_RES_BUCKET_INDEX: u16 = 1;
/// `NHA_RES_BUCKET_IDLE_TIME` (u64, `USER_HZ` ticks).
pub const NHA_RES_BUCKET_IDLE_TIME: u16 = 2;
/// `NHA_RES_BUCKET_NH_ID` (u32): the member the bucket holds.
pub const NHA_RES_BUCKET_NH_ID: u16 = 3;

/// A zero-copy view of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NexthopBucketMessage<'a> {
    /// The `nhmsg` header (its flags are the bucket's nexthop's
    /// `RTNH_F_*`).
    pub header: NhMsg,
    /// `NHA_ID`: the resilient group.
    pub id: Option<u32>,
    /// `NHA_RES_BUCKET_INDEX`.
    pub index: Option<u16>,
    /// `NHA_RES_BUCKET_IDLE_TIME`: how long it has been idle, in
    /// `USER_HZ` ticks.
    pub idle_time: Option<u64>,
    /// `NHA_RES_BUCKET_NH_ID`: the member it holds.
    pub nhid: Option<u32>,
    attrs: &'a [u8],
}

impl<'a> NexthopBucketMessage<'a> {
    /// Decodes a bucket message payload (after the netlink header).
    pub fn parse(payload: &'a [u8]) -> Result<NexthopBucketMessage<'a>, DecodeError> {
        let header = NhMsg::parse(payload)?;
        let attrs = &payload[NhMsg::LEN..];
        let mut m = NexthopBucketMessage {
            header,
            id: None,
            index: None,
            idle_time: None,
            nhid: None,
            attrs,
        };
        for a in Attrs::new(attrs) {
            let a = a?;
            match a.kind() {
                NHA_ID => m.id = Some(a.u32()?),
                NHA_RES_BUCKET => {
                    for b in a.nested() {
                        let b = b?;
                        match b.kind() {
                            NHA_RES_BUCKET_INDEX => m.index = Some(b.u16()?),
                            NHA_RES_BUCKET_IDLE_TIME => m.idle_time = Some(b.u64()?),
                            NHA_RES_BUCKET_NH_ID => m.nhid = Some(b.u32()?),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// Decodes a received `RTM_NEWNEXTHOPBUCKET` (or `RTM_DELNEXTHOPBUCKET`).
    pub fn from_message(msg: &Message<'a>) -> Result<NexthopBucketMessage<'a>, DecodeError> {
        match msg.kind() {
            RTM_NEWNEXTHOPBUCKET | RTM_DELNEXTHOPBUCKET => Self::parse(msg.payload()),
            k => Err(DecodeError::UnexpectedType {
                what: "nexthop bucket message",
                kind: k,
            }),
        }
    }

    /// The raw attribute area.
    pub fn raw_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.attrs)
    }
}

/// Dump the buckets of the resilient groups, with the filters the kernel
/// applies (`ip nexthop bucket show [dev DEV] [master DEV] [id ID] [nhid
/// ID]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetNexthopBuckets {
    family: u8,
    oif: Option<u32>,
    master: Option<u32>,
    id: Option<u32>,
    nhid: Option<u32>,
}

impl GetNexthopBuckets {
    /// Every bucket of every resilient group.
    pub fn new() -> Self {
        GetNexthopBuckets::default()
    }

    /// The `nhmsg` family sent (`-4`/`-6`; the kernel reads it).
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }

    /// Only buckets whose member uses device `index`.
    pub fn device(mut self, index: u32) -> Self {
        self.oif = Some(index);
        self
    }

    /// Only buckets whose member's device is enslaved to `master`.
    pub fn master(mut self, master: u32) -> Self {
        self.master = Some(master);
        self
    }

    /// Only the buckets of group `id` (0: of every group, as `ip`).
    pub fn group(mut self, id: u32) -> Self {
        self.id = Some(id);
        self
    }

    /// Only buckets holding member `nhid` (0: any member, as `ip`).
    pub fn member(mut self, nhid: u32) -> Self {
        self.nhid = Some(nhid);
        self
    }
}

impl Request for GetNexthopBuckets {
    fn message_type(&self) -> u16 {
        RTM_GETNEXTHOPBUCKET
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
        // iproute2's order: the nexthop filters, then the id, then the
        // bucket nest.
        if let Some(i) = self.oif {
            w.attr_u32(NHA_OIF, i);
        }
        if let Some(m) = self.master {
            w.attr_u32(NHA_MASTER, m);
        }
        // 0 is no filter, as `ip nexthop bucket show id 0 nhid 0` (the
        // kernel refuses an NHA_ID or NHA_RES_BUCKET_NH_ID of 0).
        if let Some(id) = self.id.filter(|&id| id != 0) {
            w.attr_u32(NHA_ID, id);
        }
        if let Some(n) = self.nhid.filter(|&n| n != 0) {
            let nest = w.begin_nested(NHA_RES_BUCKET);
            w.attr_u32(NHA_RES_BUCKET_NH_ID, n);
            w.end_nested(nest);
        }
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dump nexthop buckets")
    }
}

/// Ask for one bucket (`ip nexthop bucket get id ID index INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetNexthopBucket {
    family: u8,
    id: u32,
    index: u16,
}

impl GetNexthopBucket {
    /// Bucket `index` of resilient group `id` (not 0).
    pub fn new(id: u32, index: u16) -> Result<Self, InvalidInput> {
        if id == 0 {
            return Err(super::nh::zero_id());
        }
        Ok(GetNexthopBucket {
            family: 0,
            id,
            index,
        })
    }

    /// The `nhmsg` family sent (`-4`/`-6`).
    pub fn family(mut self, family: u8) -> Self {
        self.family = family;
        self
    }
}

impl Request for GetNexthopBucket {
    fn message_type(&self) -> u16 {
        RTM_GETNEXTHOPBUCKET
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        NhMsg {
            family: self.family,
            ..Default::default()
        }
        .emit(w);
        w.attr_u32(NHA_ID, self.id);
        let nest = w.begin_nested(NHA_RES_BUCKET);
        w.attr_u16(NHA_RES_BUCKET_INDEX, self.index);
        w.end_nested(nest);
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "get bucket {} of nexthop {}", self.index, self.id)
    }
}

crate::request::query!(NexthopBucketMessage => NexthopBucket: GetNexthopBuckets, GetNexthopBucket);

#[cfg(feature = "alloc")]
pub use owned::NexthopBucket;

#[cfg(feature = "alloc")]
mod owned {
    use super::*;
    use crate::request::FromMessage;

    /// An owned bucket of a resilient group.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub struct NexthopBucket {
        /// The group's id.
        pub id: u32,
        /// The bucket's index.
        pub index: u16,
        /// How long it has been idle, in `USER_HZ` ticks.
        pub idle_time: Option<u64>,
        /// The member it holds.
        pub nhid: u32,
        /// `RTNH_F_*` flags of that member.
        pub flags: u32,
    }

    impl FromMessage for NexthopBucket {
        fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError> {
            let v = NexthopBucketMessage::from_message(msg)?;
            Ok(NexthopBucket {
                id: v.id.unwrap_or(0),
                index: v.index.unwrap_or(0),
                idle_time: v.idle_time,
                nhid: v.nhid.unwrap_or(0),
                flags: v.header.flags,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Messages, NLM_F_DUMP, NLM_F_REQUEST};

    /// `ip nexthop bucket show id 10 nhid 2` as ip sends it, and a get.
    #[test]
    fn requests_are_ips() {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        GetNexthopBuckets::new()
            .group(10)
            .member(2)
            .emit(&mut w, 1, 0);
        let n = w.len();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert_eq!(msg.kind(), RTM_GETNEXTHOPBUCKET);
        assert_eq!(msg.flags(), NLM_F_REQUEST | NLM_F_DUMP);
        let v = NexthopBucketMessage::parse(msg.payload()).unwrap();
        assert_eq!((v.id, v.nhid, v.index), (Some(10), Some(2), None));
        let nest = v
            .raw_attrs()
            .map(|a| a.unwrap())
            .find(|a| a.kind() == NHA_RES_BUCKET)
            .unwrap();
        assert!(nest.is_nested(), "NLA_F_NESTED, as ip sets it");

        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        GetNexthopBucket::new(10, 3).unwrap().emit(&mut w, 2, 0);
        let n = w.len();
        let msg = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let v = NexthopBucketMessage::parse(msg.payload()).unwrap();
        assert_eq!((v.id, v.index), (Some(10), Some(3)));
        assert!(GetNexthopBucket::new(0, 0).is_err());
    }

    #[test]
    fn a_bad_bucket_is_an_error() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        NhMsg::default().emit(&mut w);
        let nest = w.begin_nested(NHA_RES_BUCKET);
        w.attr(NHA_RES_BUCKET_IDLE_TIME, &[1, 2, 3]);
        w.end_nested(nest);
        let n = w.len();
        assert!(NexthopBucketMessage::parse(&buf[..n]).is_err());
        assert!(NexthopBucketMessage::parse(&buf[..4]).is_err());
    }
}
