//! The kernel's notifications: rtnetlink multicast groups, and typed
//! views of the messages the kernel sends to their members.
//!
//! A socket that joins a group (`NETLINK_ADD_MEMBERSHIP`) receives a
//! message for every change of that group's objects, whoever made it: an
//! `RTM_NEW*` for an object added or changed, an `RTM_DEL*` for one
//! removed. [`Notification::classify`] turns one such message into a typed
//! view without allocating; [`Event`] (`alloc`) is its owned form.
//!
//! ```
//! use nlwire::route::events::{Group, Groups};
//! let g = Groups::links() | Groups::routes();
//! assert!(g.contains(Group::Ipv6Route));
//! assert!(!g.contains(Group::Neighbour));
//! assert_eq!(Group::Link.number(), 1); // RTNLGRP_LINK
//! ```

use super::nsid::{NsIdMessage, RTM_DELNSID, RTM_NEWNSID};
use super::{
    AddressMessage, LinkMessage, NeighbourMessage, RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH,
    RTM_DELROUTE, RTM_DELRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_NEWRULE,
    RouteMessage, RuleMessage,
};
use crate::wire::{DecodeError, Message};

use super::nh::NexthopMessage;
pub use super::nh::{RTM_DELNEXTHOP, RTM_NEWNEXTHOP};

/// An rtnetlink multicast group (`RTNLGRP_*` in `linux/rtnetlink.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Group {
    /// `RTNLGRP_LINK`: links added, changed, removed.
    Link,
    /// `RTNLGRP_NEIGH`: neighbour entries.
    Neighbour,
    /// `RTNLGRP_IPV4_IFADDR`: IPv4 addresses.
    Ipv4Address,
    /// `RTNLGRP_IPV4_ROUTE`: IPv4 routes.
    Ipv4Route,
    /// `RTNLGRP_IPV4_RULE`: IPv4 rules.
    Ipv4Rule,
    /// `RTNLGRP_IPV6_IFADDR`: IPv6 addresses.
    Ipv6Address,
    /// `RTNLGRP_IPV6_ROUTE`: IPv6 routes.
    Ipv6Route,
    /// `RTNLGRP_IPV6_RULE`: IPv6 rules.
    Ipv6Rule,
    /// `RTNLGRP_NSID`: namespace ids.
    Nsid,
    /// `RTNLGRP_NEXTHOP`: nexthop objects.
    Nexthop,
}

impl Group {
    /// Every group, in the order of their numbers.
    pub const ALL: [Group; 10] = [
        Group::Link,
        Group::Neighbour,
        Group::Ipv4Address,
        Group::Ipv4Route,
        Group::Ipv4Rule,
        Group::Ipv6Address,
        Group::Ipv6Route,
        Group::Ipv6Rule,
        Group::Nsid,
        Group::Nexthop,
    ];

    /// The group's number, as `NETLINK_ADD_MEMBERSHIP` takes it and as a
    /// received datagram's source address names it.
    pub const fn number(self) -> u32 {
        match self {
            Group::Link => 1,
            Group::Neighbour => 3,
            Group::Ipv4Address => 5,
            Group::Ipv4Route => 7,
            Group::Ipv4Rule => 8,
            Group::Ipv6Address => 9,
            Group::Ipv6Route => 11,
            Group::Ipv6Rule => 19,
            Group::Nsid => 28,
            Group::Nexthop => 32,
        }
    }

    /// The group numbered `n`, if nlwire knows it.
    pub fn from_number(n: u32) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.number() == n)
    }

    /// The group's name without the `RTNLGRP_` prefix (`"IPV4_ROUTE"`).
    pub const fn name(self) -> &'static str {
        match self {
            Group::Link => "LINK",
            Group::Neighbour => "NEIGH",
            Group::Ipv4Address => "IPV4_IFADDR",
            Group::Ipv4Route => "IPV4_ROUTE",
            Group::Ipv4Rule => "IPV4_RULE",
            Group::Ipv6Address => "IPV6_IFADDR",
            Group::Ipv6Route => "IPV6_ROUTE",
            Group::Ipv6Rule => "IPV6_RULE",
            Group::Nsid => "NSID",
            Group::Nexthop => "NEXTHOP",
        }
    }
}

/// A set of [`Group`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Groups(u64);

impl Groups {
    /// No group.
    pub const fn empty() -> Groups {
        Groups(0)
    }

    /// Every group nlwire knows.
    pub const fn all() -> Groups {
        let mut s = Groups(0);
        let mut i = 0;
        while i < Group::ALL.len() {
            s = s.with(Group::ALL[i]);
            i += 1;
        }
        s
    }

    /// Links.
    pub const fn links() -> Groups {
        Groups::empty().with(Group::Link)
    }

    /// IPv4 and IPv6 addresses.
    pub const fn addresses() -> Groups {
        Groups::empty()
            .with(Group::Ipv4Address)
            .with(Group::Ipv6Address)
    }

    /// IPv4 and IPv6 routes.
    pub const fn routes() -> Groups {
        Groups::empty()
            .with(Group::Ipv4Route)
            .with(Group::Ipv6Route)
    }

    /// Neighbours.
    pub const fn neighbours() -> Groups {
        Groups::empty().with(Group::Neighbour)
    }

    /// IPv4 and IPv6 rules.
    pub const fn rules() -> Groups {
        Groups::empty().with(Group::Ipv4Rule).with(Group::Ipv6Rule)
    }

    /// This set and `g`.
    pub const fn with(self, g: Group) -> Groups {
        Groups(self.0 | 1 << g.number())
    }

    /// Whether `g` is in the set.
    pub const fn contains(self, g: Group) -> bool {
        self.0 & 1 << g.number() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The groups of the set, in the order of their numbers.
    pub fn iter(self) -> impl Iterator<Item = Group> {
        Group::ALL.into_iter().filter(move |g| self.contains(*g))
    }
}

impl From<Group> for Groups {
    fn from(g: Group) -> Groups {
        Groups::empty().with(g)
    }
}

impl core::ops::BitOr for Groups {
    type Output = Groups;
    fn bitor(self, o: Groups) -> Groups {
        Groups(self.0 | o.0)
    }
}

impl core::ops::BitOr<Group> for Groups {
    type Output = Groups;
    fn bitor(self, g: Group) -> Groups {
        self.with(g)
    }
}

impl FromIterator<Group> for Groups {
    fn from_iter<I: IntoIterator<Item = Group>>(it: I) -> Groups {
        it.into_iter().fold(Groups::empty(), Groups::with)
    }
}

/// What a notification says happened to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// `RTM_NEW*`: the object was added, or changed (the message carries its
    /// whole new state).
    New,
    /// `RTM_DEL*`: the object was removed (the message carries its last
    /// state).
    Del,
}

/// One notification, as a view into the datagram that carried it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Notification<'a> {
    /// A link.
    Link(Change, LinkMessage<'a>),
    /// An address.
    Address(Change, AddressMessage<'a>),
    /// A route.
    Route(Change, RouteMessage<'a>),
    /// A neighbour entry.
    Neighbour(Change, NeighbourMessage<'a>),
    /// A rule.
    Rule(Change, RuleMessage<'a>),
    /// A namespace id.
    Nsid(Change, NsIdMessage<'a>),
    /// A nexthop object.
    Nexthop(Change, NexthopMessage<'a>),
}

impl<'a> Notification<'a> {
    /// Classifies one message the kernel sent to a group. `Ok(None)` for a
    /// message type that is no object notification (it is not an error:
    /// the kernel adds groups and types over time). A known type whose body
    /// does not decode is an error.
    pub fn classify(m: &Message<'a>) -> Result<Option<Notification<'a>>, DecodeError> {
        let change = |new| if new { Change::New } else { Change::Del };
        Ok(Some(match m.kind() {
            k @ (RTM_NEWLINK | RTM_DELLINK) => {
                Notification::Link(change(k == RTM_NEWLINK), LinkMessage::from_message(m)?)
            }
            k @ (RTM_NEWADDR | RTM_DELADDR) => {
                Notification::Address(change(k == RTM_NEWADDR), AddressMessage::from_message(m)?)
            }
            k @ (RTM_NEWROUTE | RTM_DELROUTE) => {
                Notification::Route(change(k == RTM_NEWROUTE), RouteMessage::from_message(m)?)
            }
            k @ (RTM_NEWNEIGH | RTM_DELNEIGH) => Notification::Neighbour(
                change(k == RTM_NEWNEIGH),
                NeighbourMessage::from_message(m)?,
            ),
            k @ (RTM_NEWRULE | RTM_DELRULE) => {
                Notification::Rule(change(k == RTM_NEWRULE), RuleMessage::from_message(m)?)
            }
            k @ (RTM_NEWNSID | RTM_DELNSID) => {
                Notification::Nsid(change(k == RTM_NEWNSID), NsIdMessage::from_message(m)?)
            }
            k @ (RTM_NEWNEXTHOP | RTM_DELNEXTHOP) => Notification::Nexthop(
                change(k == RTM_NEWNEXTHOP),
                NexthopMessage::from_message(m)?,
            ),
            _ => return Ok(None),
        }))
    }

    /// Whether the object was added/changed or removed.
    pub fn change(&self) -> Change {
        match self {
            Notification::Link(c, _)
            | Notification::Address(c, _)
            | Notification::Route(c, _)
            | Notification::Neighbour(c, _)
            | Notification::Rule(c, _)
            | Notification::Nsid(c, _)
            | Notification::Nexthop(c, _) => *c,
        }
    }
}

/// A notification in place, as [`Notice`] is one owned (`alloc`): a view
/// into the connection's queue, or word that notifications were lost.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum NoticeView<'a> {
    /// A change, as a view.
    Notification(Notification<'a>),
    /// Notifications were lost here (see [`Notice::Overrun`]).
    Overrun,
}

#[cfg(feature = "alloc")]
pub use owned::{Event, Notice};

#[cfg(feature = "alloc")]
mod owned {

    use super::{Change, Notification};
    use crate::request::FromMessage;
    use crate::route::{Address, Link, Neighbour, Nexthop, NsId, Route, Rule};
    use crate::wire::{DecodeError, Message};

    /// One notification, owned: the object's whole state as the kernel
    /// sent it.
    #[derive(Debug, Clone, PartialEq)]
    #[non_exhaustive]
    pub enum Event {
        /// A link.
        Link(Change, Link),
        /// An address.
        Address(Change, Address),
        /// A route.
        Route(Change, Route),
        /// A neighbour entry.
        Neighbour(Change, Neighbour),
        /// A rule.
        Rule(Change, Rule),
        /// A namespace id.
        Nsid(Change, NsId),
        /// A nexthop object.
        Nexthop(Change, Nexthop),
    }

    /// What a subscription yields: an event, or word that events were lost.
    // The event is moved out once per notification; boxing it would cost
    // an allocation each time to save a few hundred bytes of stack.
    #[allow(clippy::large_enum_variant)]
    #[derive(Debug, Clone, PartialEq)]
    #[non_exhaustive]
    pub enum Notice {
        /// A change.
        Event(Event),
        /// Notifications were lost here: the kernel dropped some because the
        /// socket's receive queue was full (`ENOBUFS`), or the connection's
        /// own queue for a slow subscriber was full. What was missed can
        /// only be learned by reading the tables again.
        Overrun,
    }

    impl Event {
        /// Classifies and decodes one message the kernel sent to a group;
        /// `Ok(None)` as for [`Notification::classify`].
        pub fn from_notification(m: &Message<'_>) -> Result<Option<Event>, DecodeError> {
            let Some(n) = Notification::classify(m)? else {
                return Ok(None);
            };
            Ok(Some(match n {
                Notification::Link(c, _) => Event::Link(c, Link::from_message(m)?),
                Notification::Address(c, _) => Event::Address(c, Address::from_message(m)?),
                Notification::Route(c, _) => Event::Route(c, Route::from_message(m)?),
                Notification::Neighbour(c, _) => Event::Neighbour(c, Neighbour::from_message(m)?),
                Notification::Rule(c, _) => Event::Rule(c, Rule::from_message(m)?),
                Notification::Nsid(c, _) => Event::Nsid(c, NsId::from_message(m)?),
                Notification::Nexthop(c, _) => Event::Nexthop(c, Nexthop::from_message(m)?),
            }))
        }

        /// Whether the object was added/changed or removed.
        pub fn change(&self) -> Change {
            match self {
                Event::Link(c, _)
                | Event::Address(c, _)
                | Event::Route(c, _)
                | Event::Neighbour(c, _)
                | Event::Rule(c, _)
                | Event::Nsid(c, _)
                | Event::Nexthop(c, _) => *c,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use crate::route::{AddressRequest, RouteRequest};
    use crate::wire::{Messages, Writer};

    #[test]
    fn group_numbers_are_the_kernels() {
        // linux/rtnetlink.h, enum rtnetlink_groups.
        let want = [1, 3, 5, 7, 8, 9, 11, 19, 28, 32];
        let got: std::vec::Vec<u32> = Group::ALL.iter().map(|g| g.number()).collect();
        assert_eq!(got, want);
        for g in Group::ALL {
            assert_eq!(Group::from_number(g.number()), Some(g));
        }
        assert_eq!(Group::from_number(2), None);
        assert_eq!(Groups::all().iter().count(), 10);
        let s: Groups = [Group::Link, Group::Ipv4Rule].into_iter().collect();
        assert_eq!(s, Groups::links() | Group::Ipv4Rule);
        assert!(!s.contains(Group::Ipv6Rule));
        assert!(Groups::empty().is_empty());
    }

    fn one(buf: &mut [u8], r: &dyn Request, kind: Option<u16>) -> usize {
        let mut w = Writer::new(buf);
        r.emit(&mut w, 7, 0);
        let n = w.finish().unwrap();
        if let Some(k) = kind {
            buf[4..6].copy_from_slice(&k.to_ne_bytes());
        }
        n
    }

    #[test]
    fn classifies_new_and_del() {
        let mut buf = [0u8; 256];
        let a = AddressRequest::add(3, "192.0.2.1".parse().unwrap(), 24).unwrap();
        let n = one(&mut buf, &a, None);
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        match Notification::classify(&m).unwrap() {
            Some(Notification::Address(Change::New, v)) => assert_eq!(v.header.index, 3),
            other => panic!("{other:?}"),
        }
        let r = RouteRequest::add("198.51.100.0".parse().unwrap(), 24).unwrap();
        let n = one(&mut buf, &r, Some(RTM_DELROUTE));
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        let c = Notification::classify(&m).unwrap().unwrap();
        assert_eq!(c.change(), Change::Del);
        assert!(matches!(c, Notification::Route(..)));
        let e = Event::from_notification(&m).unwrap().unwrap();
        match e {
            Event::Route(Change::Del, r) => {
                assert_eq!(r.dst, Some("198.51.100.0".parse().unwrap()))
            }
            other => panic!("{other:?}"),
        }
        // A type that is no notification: nothing, and no error.
        let n = one(&mut buf, &r, Some(crate::route::RTM_GETROUTE));
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert!(Notification::classify(&m).unwrap().is_none());
        // A known type with a body too short for its header: an error.
        let mut w = Writer::new(&mut buf);
        let h = w.begin_message(RTM_NEWLINK, 0, 1, 0);
        w.put(&[0u8; 4]);
        w.end_message(h);
        let n = w.finish().unwrap();
        let m = Messages::new(&buf[..n]).next().unwrap().unwrap();
        assert!(Notification::classify(&m).is_err());
        assert!(Event::from_notification(&m).is_err());
    }
}
