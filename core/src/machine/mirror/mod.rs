//! A mirror of the kernel's tables that heals itself (`alloc`).
//!
//! [`Mirror`] is a [`Task`] over a subscribed [`Mux`]: it lists the tables
//! it was asked for (links, addresses, routes, neighbours, rules) on the
//! connection that receives their notifications, keeps them keyed by the
//! kernel's identity of each object ([`Key`]), and from then on applies
//! every notification. When notifications are lost (an overrun) or a
//! listing was interrupted (`NLM_F_DUMP_INTR`), it lists everything again
//! and reports exactly the difference between what it had and what the
//! kernel has: an object that did not change is never reported, so a
//! reader never sees one vanish and come back.
//!
//! # Why the listing and the notifications fit together without a gap
//!
//! The mirror subscribes first, then lists each table on the same socket.
//! Replies and notifications then share one receive queue, in the order
//! the kernel queued them, and the [`Mux`] numbers every datagram as it is
//! received (its *serial*). The kernel builds a listing's first datagram
//! when the request arrives and each later one when the previous was read,
//! and it queues a change's notification after making the change. So:
//!
//! * a notification queued **before** a listing's first datagram describes
//!   a change made before any of the listing was built: the listing
//!   already shows it, and the notification is dropped;
//! * a notification queued **between** two datagrams of a listing is older
//!   than every later datagram and newer than every earlier one: applied
//!   in arrival order, interleaved with the listed objects, it leaves
//!   each object in its newest state (an object listed later overrides
//!   the older notification; one listed earlier is changed by it);
//! * a notification queued **after** the listing ended is a later change.
//!
//! The tables at the end of the last listing are therefore the kernel's
//! state at that moment, and every later notification applies to them.
//! (A notification sent while a datagram is being built can describe a
//! change the datagram already shows; applying it again changes nothing.)
//!
//! # What a key cannot tell apart
//!
//! A route's key is what the kernel replaces it by (table, destination,
//! source, TOS, priority), not its next hops: IPv4 routes added with
//! `NLM_F_APPEND` beside one of the same key (ip's `route append`) are one
//! entry here, holding the last one notified; deleting one of them removes
//! the entry until the next resync. Counters, cache timers and lifetimes
//! are kept but not compared: a change of those alone is not reported.
//!
//! # What the kernel does not notify
//!
//! When a link goes down or away, the kernel removes the IPv4 routes and
//! the nexthop objects that used it without a notification (IPv6 routes
//! are notified), and shrinks the groups those were in; a carrier loss
//! removes the nexthops too and marks the IPv4 routes `linkdown`; when
//! an IPv4 address goes away, the routes whose source it was go; when a
//! nexthop is removed, the IPv4 routes that used it go. A mirror of IPv4
//! routes or nexthops therefore also watches the links (and IPv4
//! addresses: [`Mirror::new`] adds those groups and tables), and after
//! such a change lists its route and nexthop tables again
//! ([`Resync::Flushed`]), keeping the others, and reports the difference.
//!
//! The kernel also makes some neighbour entries without a notification: the
//! `NOARP` entries of multicast and broadcast destinations (IPv6's
//! `ff02::2` and `ff02::16`, made when a link that just came up sends its
//! first router solicitation or MLD report). No listener learns of them;
//! the mirror holds them only if a listing saw them. Their removal is
//! notified, and removes them if held.
//!
//! # Resync, bounded
//!
//! After an overrun, or a listing the kernel marks interrupted, every
//! table is listed again into fresh tables (the old ones stay readable),
//! with the same rules, and the difference is reported when it is done.
//! Notifications queued before the new listings are dropped: the
//! listings are newer, and one of them could be the survivor of a pair
//! whose other half was lost. Consecutive failed attempts back off (two
//! at once, then 10 ms doubling up to 1 s), so an event storm cannot
//! become a dump storm; after [`MAX_ATTEMPTS`] the mirror fails.

use alloc::collections::VecDeque;
use alloc::string::String;
use core::net::IpAddr;
use core::time::Duration;

mod table;
use table::{Row, Table};

use super::exchange::RequestId;
use super::mux::{Mux, Next, NextNote};
use super::notes::Note;
use super::task::{Action, Idle, Task};
use crate::errno::Errno;
use crate::error::Error;
use crate::fold::Reply;
use crate::request::{FromMessage, Request};
use crate::route::events::{Change, Event, Group, Groups};
use crate::route::{
    AF_INET, AF_INET6, Address, GetAddresses, GetLink, GetLinks, GetNeighbours, GetNexthops,
    GetRoutes, GetRules, Link, Neighbour, Nexthop, Route, Rule,
};

/// Failed attempts in a row (interrupted listings, overruns) after which
/// the mirror gives up with the last error.
pub const MAX_ATTEMPTS: u32 = 12;

/// The kernel's identity of an object: what a notification of its change
/// or removal names it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Key {
    /// A link: its index.
    Link(u32),
    /// An address: family, link, prefix length, local address, peer.
    Address(u8, u32, u8, Option<IpAddr>, Option<IpAddr>),
    /// A route: family, table, destination and length, source and length
    /// (IPv6), TOS and priority (metric).
    Route(RouteKey),
    /// A neighbour entry: family, link, destination, and whether it is a
    /// proxy entry.
    Neighbour(u8, u32, Option<IpAddr>, bool),
    /// A rule: everything the kernel compares when it looks one up.
    Rule(alloc::boxed::Box<RuleKey>),
    /// A nexthop object: its id.
    Nexthop(u32),
}

/// The identity of a route; see [`Key::Route`]: family, table,
/// destination and length, source and length (IPv6 source routing), TOS
/// and priority (metric, 0 when absent). Packed into six words, so that
/// comparing two keys — what a table of a million routes does twenty
/// times per insertion — is six integer comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteKey([u64; 6]);

fn ip_words(a: Option<IpAddr>) -> (u64, u64) {
    let v = match a {
        None => 0u128,
        Some(IpAddr::V4(v)) => u128::from(u32::from(v)),
        Some(IpAddr::V6(v)) => u128::from(v),
    };
    ((v >> 64) as u64, v as u64)
}

fn ip_of(family: u8, hi: u64, lo: u64) -> Option<IpAddr> {
    let v = (u128::from(hi) << 64) | u128::from(lo);
    match family {
        AF_INET => Some(IpAddr::V4(core::net::Ipv4Addr::from(v as u32))),
        AF_INET6 => Some(IpAddr::V6(core::net::Ipv6Addr::from(v))),
        _ => None,
    }
}

impl RouteKey {
    /// The key of a route.
    pub fn of(r: &Route) -> RouteKey {
        let (d1, d2) = ip_words(r.dst);
        let (s1, s2) = ip_words(r.src);
        RouteKey([
            u64::from(r.family) << 56 | u64::from(r.table) << 24,
            d1,
            d2,
            u64::from(r.dst_len) << 56
                | u64::from(r.src_len) << 48
                | u64::from(r.tos) << 40
                | u64::from(r.priority.unwrap_or(0)),
            s1,
            s2,
        ])
    }

    /// `AF_INET` or `AF_INET6`.
    pub fn family(&self) -> u8 {
        (self.0[0] >> 56) as u8
    }

    /// The table.
    pub fn table(&self) -> u32 {
        (self.0[0] >> 24) as u32
    }

    /// Destination and prefix length (a default route's destination is the
    /// unspecified address).
    pub fn dst(&self) -> (Option<IpAddr>, u8) {
        (
            ip_of(self.family(), self.0[1], self.0[2]),
            (self.0[3] >> 56) as u8,
        )
    }

    /// Source prefix and length.
    pub fn src(&self) -> (Option<IpAddr>, u8) {
        (
            ip_of(self.family(), self.0[4], self.0[5]),
            (self.0[3] >> 48) as u8,
        )
    }

    /// TOS.
    pub fn tos(&self) -> u8 {
        (self.0[3] >> 40) as u8
    }

    /// Priority (metric).
    pub fn priority(&self) -> u32 {
        self.0[3] as u32
    }
}

impl RuleKey {
    /// The identity of `r`.
    pub fn of(r: &Rule) -> RuleKey {
        RuleKey {
            family: r.family,
            priority: r.priority,
            table: r.table,
            action: r.action,
            flags: r.flags,
            tos: r.tos,
            src: r.src,
            dst: r.dst,
            fwmark: r.fwmark,
            fwmask: r.fwmask,
            iif: r.iif.clone(),
            oif: r.oif.clone(),
            goto: r.goto,
            l3mdev: r.l3mdev,
            uid_range: r.uid_range,
            ip_proto: r.ip_proto,
            sport: r.sport,
            dport: r.dport,
            suppress_prefixlen: r.suppress_prefixlen,
        }
    }
}

/// The identity of a rule; see [`Key::Rule`]. Its default is the smallest
/// rule key (every field zero, `None` or `false`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey {
    family: u8,
    priority: Option<u32>,
    table: u32,
    action: u8,
    flags: u32,
    tos: u8,
    src: Option<(IpAddr, u8)>,
    dst: Option<(IpAddr, u8)>,
    fwmark: Option<u32>,
    fwmask: Option<u32>,
    iif: Option<String>,
    oif: Option<String>,
    goto: Option<u32>,
    l3mdev: bool,
    uid_range: Option<(u32, u32)>,
    ip_proto: Option<u8>,
    sport: Option<(u16, u16)>,
    dport: Option<(u16, u16)>,
    suppress_prefixlen: Option<i32>,
}

/// One object of a mirrored table.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // held in a table: boxing adds an allocation each
pub enum Object {
    /// A link.
    Link(Link),
    /// An address.
    Address(Address),
    /// A route.
    Route(Route),
    /// A neighbour entry.
    Neighbour(Neighbour),
    /// A rule.
    Rule(Rule),
    /// A nexthop object.
    Nexthop(Nexthop),
}

/// `IFLA_STATS`, `IFLA_STATS64`, `IFLA_AF_SPEC`: counters, which move on
/// their own and are not compared.
const LINK_COUNTERS: [u16; 3] = [7, 23, 26];
/// `RTA_CACHEINFO`: a route's use counters and expiry.
const RTA_CACHEINFO: u16 = 12;

fn attrs_eq_but(a: &crate::route::RawAttrs, b: &crate::route::RawAttrs, skip: &[u16]) -> bool {
    let keep = |x: &crate::wire::Attr<'_>| !skip.contains(&x.kind());
    a.iter().filter(keep).eq(b.iter().filter(keep))
}

impl Object {
    /// The object's identity.
    pub fn key(&self) -> Key {
        self.as_ref().key()
    }

    /// A view of it.
    pub fn as_ref(&self) -> ObjectRef<'_> {
        match self {
            Object::Link(l) => ObjectRef::Link(l),
            Object::Address(a) => ObjectRef::Address(a),
            Object::Route(r) => ObjectRef::Route(r),
            Object::Neighbour(n) => ObjectRef::Neighbour(n),
            Object::Rule(r) => ObjectRef::Rule(r),
            Object::Nexthop(n) => ObjectRef::Nexthop(n),
        }
    }

    /// Whether two states of one object differ in more than what moves on
    /// its own: counters and statistics, cache timers and lifetimes.
    pub fn same_state(&self, other: &Object) -> bool {
        if self == other {
            return true;
        }
        match (self, other) {
            (Object::Link(a), Object::Link(b)) => {
                let (mut a2, mut b2) = (a.clone(), b.clone());
                a2.other = Default::default();
                b2.other = Default::default();
                a2 == b2 && attrs_eq_but(&a.other, &b.other, &LINK_COUNTERS)
            }
            (Object::Address(a), Object::Address(b)) => {
                let (mut a, mut b) = (a.clone(), b.clone());
                a.cacheinfo = None;
                b.cacheinfo = None;
                a == b
            }
            (Object::Route(a), Object::Route(b)) => {
                let (mut a2, mut b2) = (a.clone(), b.clone());
                a2.other = Default::default();
                b2.other = Default::default();
                a2 == b2 && attrs_eq_but(&a.other, &b.other, &[RTA_CACHEINFO])
            }
            (Object::Neighbour(a), Object::Neighbour(b)) => {
                let (mut a, mut b) = (a.clone(), b.clone());
                a.cacheinfo = None;
                b.cacheinfo = None;
                a.probes = None;
                b.probes = None;
                a == b
            }
            (Object::Nexthop(a), Object::Nexthop(b)) => {
                let (mut a, mut b) = (a.clone(), b.clone());
                for r in [&mut a.res_group, &mut b.res_group].into_iter().flatten() {
                    r.unbalanced_time = None;
                }
                a == b
            }
            (a, b) => a == b,
        }
    }

    /// The table it belongs to.
    fn table(&self) -> Kind {
        match self {
            Object::Link(_) => Kind::Links,
            Object::Address(_) => Kind::Addresses,
            Object::Route(_) => Kind::Routes,
            Object::Neighbour(_) => Kind::Neighbours,
            Object::Rule(_) => Kind::Rules,
            Object::Nexthop(_) => Kind::Nexthops,
        }
    }

    /// The object a notification carries, if the mirror keeps such objects
    /// (not cloned routes: they are not in the route table).
    ///
    /// `PF_BRIDGE` messages are not the mirror's: the link group carries
    /// a bridge port's VLAN and port state as `RTM_NEWLINK` of family
    /// `AF_BRIDGE`, and its leaving the bridge as an `RTM_DELLINK` of that
    /// family while the link lives on; the neighbour group carries the
    /// bridge forwarding database as `AF_BRIDGE` neighbours, which the
    /// neighbour listing does not hold.
    fn of_event(e: Event) -> Option<(Change, Object)> {
        Some(match e {
            Event::Link(_, l) if l.family == crate::route::AF_BRIDGE => return None,
            Event::Neighbour(_, n) if n.family == crate::route::AF_BRIDGE => return None,
            Event::Link(c, l) => (c, Object::Link(l)),
            Event::Address(c, a) => (c, Object::Address(a)),
            Event::Route(_, r) if r.flags & crate::route::route_req::RTM_F_CLONED != 0 => {
                return None;
            }
            Event::Route(c, r) => (c, Object::Route(r)),
            Event::Neighbour(c, n) => (c, Object::Neighbour(n)),
            Event::Rule(c, r) => (c, Object::Rule(r)),
            Event::Nexthop(c, n) => (c, Object::Nexthop(n)),
            _ => return None,
        })
    }
}

/// An object of a mirror's tables, borrowed: what [`Mirror::get`] and
/// [`Mirror::objects`] give.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ObjectRef<'a> {
    /// A link.
    Link(&'a Link),
    /// An address.
    Address(&'a Address),
    /// A route.
    Route(&'a Route),
    /// A neighbour entry.
    Neighbour(&'a Neighbour),
    /// A rule.
    Rule(&'a Rule),
    /// A nexthop object.
    Nexthop(&'a Nexthop),
}

impl ObjectRef<'_> {
    /// The object's identity.
    pub fn key(&self) -> Key {
        match *self {
            ObjectRef::Link(l) => Key::Link(l.index),
            ObjectRef::Address(a) => {
                let (f, i, p, a, pe) = address_key(a);
                Key::Address(f, i, p, a, pe)
            }
            ObjectRef::Route(r) => Key::Route(RouteKey::of(r)),
            ObjectRef::Neighbour(n) => {
                let (f, i, d, p) = neighbour_key(n);
                Key::Neighbour(f, i, d, p)
            }
            ObjectRef::Rule(r) => Key::Rule(alloc::boxed::Box::new(RuleKey::of(r))),
            ObjectRef::Nexthop(n) => Key::Nexthop(n.id),
        }
    }

    /// An owned copy.
    pub fn to_object(&self) -> Object {
        match *self {
            ObjectRef::Link(l) => Object::Link(l.clone()),
            ObjectRef::Address(a) => Object::Address(a.clone()),
            ObjectRef::Route(r) => Object::Route(r.clone()),
            ObjectRef::Neighbour(n) => Object::Neighbour(n.clone()),
            ObjectRef::Rule(r) => Object::Rule(r.clone()),
            ObjectRef::Nexthop(n) => Object::Nexthop(n.clone()),
        }
    }
}

impl PartialEq<Object> for ObjectRef<'_> {
    fn eq(&self, other: &Object) -> bool {
        *self == other.as_ref()
    }
}

/// An address's key: family, link, prefix length, local address, peer.
type AddressKey = (u8, u32, u8, Option<IpAddr>, Option<IpAddr>);
/// A neighbour's key: family, link, destination, proxy.
type NeighbourKey = (u8, u32, Option<IpAddr>, bool);

fn address_key(a: &Address) -> AddressKey {
    (a.family, a.index, a.prefix_len, a.addr, a.peer)
}

fn neighbour_key(n: &Neighbour) -> NeighbourKey {
    (n.family, n.index, n.dst, n.is_proxy())
}

/// Each kind's table row, keyed by what the kernel knows it by.
macro_rules! rows {
    ($($t:ty => $k:ty: $key:expr;)+) => {$(
        impl Row for $t {
            type Key = $k;
            fn key(&self) -> $k {
                $key(self)
            }
        }
    )+};
}

rows! {
    Link => u32: |l: &Link| l.index;
    Address => AddressKey: address_key;
    Route => RouteKey: RouteKey::of;
    Neighbour => NeighbourKey: neighbour_key;
    Rule => RuleKey: RuleKey::of;
    Nexthop => u32: |n: &Nexthop| n.id;
}

/// The mirrored tables, one per kind.
#[derive(Debug, Default, Clone)]
struct Tables {
    links: Table<Link>,
    addresses: Table<Address>,
    routes: Table<Route>,
    neighbours: Table<Neighbour>,
    rules: Table<Rule>,
    nexthops: Table<Nexthop>,
}

/// What a resync found changed in one table: each of `new`'s objects
/// that `old` lacks or holds in another state, then each of `old`'s that
/// `new` lacks.
fn diff<V: Row + Clone>(
    mut old: Table<V>,
    new: &Table<V>,
    wrap: fn(V) -> Object,
    out: &mut VecDeque<MirrorEvent>,
) {
    for v in new.values() {
        match old.remove(&v.key()) {
            None => out.push_back(MirrorEvent::Added(wrap(v.clone()))),
            Some(o) => {
                let (o, n) = (wrap(o), wrap(v.clone()));
                if !o.same_state(&n) {
                    out.push_back(MirrorEvent::Changed { old: o, new: n });
                }
            }
        }
    }
    for o in old.into_values() {
        out.push_back(MirrorEvent::Removed(wrap(o)));
    }
}

impl Tables {
    fn len(&self) -> usize {
        self.links.len()
            + self.addresses.len()
            + self.routes.len()
            + self.neighbours.len()
            + self.rules.len()
            + self.nexthops.len()
    }

    fn get(&self, key: &Key) -> Option<ObjectRef<'_>> {
        Some(match key {
            Key::Link(i) => ObjectRef::Link(self.links.get(i)?),
            Key::Address(f, i, p, a, pe) => {
                ObjectRef::Address(self.addresses.get(&(*f, *i, *p, *a, *pe))?)
            }
            Key::Route(k) => ObjectRef::Route(self.routes.get(k)?),
            Key::Neighbour(f, i, d, p) => {
                ObjectRef::Neighbour(self.neighbours.get(&(*f, *i, *d, *p))?)
            }
            Key::Rule(k) => ObjectRef::Rule(self.rules.get(k)?),
            Key::Nexthop(id) => ObjectRef::Nexthop(self.nexthops.get(id)?),
        })
    }

    fn objects(&self) -> impl Iterator<Item = ObjectRef<'_>> {
        let links = self.links.values().map(ObjectRef::Link);
        let addresses = self.addresses.values().map(ObjectRef::Address);
        let routes = self.routes.values().map(ObjectRef::Route);
        let neighbours = self.neighbours.values().map(ObjectRef::Neighbour);
        let rules = self.rules.values().map(ObjectRef::Rule);
        let nexthops = self.nexthops.values().map(ObjectRef::Nexthop);
        links
            .chain(addresses)
            .chain(routes)
            .chain(neighbours)
            .chain(rules)
            .chain(nexthops)
    }

    /// Puts `o` in its table; gives back what it replaced.
    fn insert(&mut self, o: Object) -> Option<Object> {
        match o {
            Object::Link(l) => self.links.insert(l).map(Object::Link),
            Object::Address(a) => self.addresses.insert(a).map(Object::Address),
            Object::Route(r) => self.routes.insert(r).map(Object::Route),
            Object::Neighbour(n) => self.neighbours.insert(n).map(Object::Neighbour),
            Object::Rule(r) => self.rules.insert(r).map(Object::Rule),
            Object::Nexthop(n) => self.nexthops.insert(n).map(Object::Nexthop),
        }
    }

    /// Appends a listed object to its table without looking for its key
    /// (see [`Table::push`]); [`Tables::settle`] indexes it.
    fn push(&mut self, o: Object) {
        match o {
            Object::Link(l) => self.links.push(l),
            Object::Address(a) => self.addresses.push(a),
            Object::Route(r) => self.routes.push(r),
            Object::Neighbour(n) => self.neighbours.push(n),
            Object::Rule(r) => self.rules.push(r),
            Object::Nexthop(n) => self.nexthops.push(n),
        }
    }

    /// Indexes what [`Tables::push`] appended.
    fn settle(&mut self) {
        self.links.settle();
        self.addresses.settle();
        self.routes.settle();
        self.neighbours.settle();
        self.rules.settle();
        self.nexthops.settle();
    }

    /// Takes out the object of `o`'s identity.
    fn remove(&mut self, o: &Object) -> Option<Object> {
        match o {
            Object::Link(l) => self.links.remove(&l.index).map(Object::Link),
            Object::Address(a) => self.addresses.remove(&address_key(a)).map(Object::Address),
            Object::Route(r) => self.routes.remove(&RouteKey::of(r)).map(Object::Route),
            Object::Neighbour(n) => self
                .neighbours
                .remove(&neighbour_key(n))
                .map(Object::Neighbour),
            Object::Rule(r) => self.rules.remove(&RuleKey::of(r)).map(Object::Rule),
            Object::Nexthop(n) => self.nexthops.remove(&n.id).map(Object::Nexthop),
        }
    }

    /// Reports what `self` (the old tables) lacks or holds otherwise than
    /// `new`, and what `new` lacks.
    fn diff(self, new: &Tables, out: &mut VecDeque<MirrorEvent>) {
        diff(self.links, &new.links, Object::Link, out);
        diff(self.addresses, &new.addresses, Object::Address, out);
        diff(self.routes, &new.routes, Object::Route, out);
        diff(self.neighbours, &new.neighbours, Object::Neighbour, out);
        diff(self.rules, &new.rules, Object::Rule, out);
        diff(self.nexthops, &new.nexthops, Object::Nexthop, out);
    }

    /// A copy of these tables without those `relisted` will fill.
    fn without(&self, relisted: &[Kind]) -> Tables {
        fn keep<V: Clone>(t: &Table<V>, k: Kind, relisted: &[Kind]) -> Table<V> {
            if relisted.contains(&k) {
                Table::default()
            } else {
                t.clone()
            }
        }
        Tables {
            links: keep(&self.links, Kind::Links, relisted),
            addresses: keep(&self.addresses, Kind::Addresses, relisted),
            routes: keep(&self.routes, Kind::Routes, relisted),
            neighbours: keep(&self.neighbours, Kind::Neighbours, relisted),
            rules: keep(&self.rules, Kind::Rules, relisted),
            nexthops: keep(&self.nexthops, Kind::Nexthops, relisted),
        }
    }
}

/// The tables a mirror can keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Links = 0,
    Addresses = 1,
    Routes = 2,
    Neighbours = 3,
    Rules = 4,
    Nexthops = 5,
}

/// The family a pair of IPv4/IPv6 groups selects (0: both).
fn family_of(g: Groups, v4: Group, v6: Group) -> Option<u8> {
    match (g.contains(v4), g.contains(v6)) {
        (true, true) => Some(0),
        (true, false) => Some(AF_INET),
        (false, true) => Some(AF_INET6),
        (false, false) => None,
    }
}

/// The listing of one table.
#[derive(Debug, Clone, Copy)]
enum Listing {
    Links(GetLinks),
    Addresses(GetAddresses),
    Routes(GetRoutes),
    Neighbours(GetNeighbours),
    Rules(GetRules),
    Nexthops(GetNexthops),
}

impl Listing {
    fn request(&self) -> &dyn Request {
        match self {
            Listing::Links(r) => r,
            Listing::Addresses(r) => r,
            Listing::Routes(r) => r,
            Listing::Neighbours(r) => r,
            Listing::Rules(r) => r,
            Listing::Nexthops(r) => r,
        }
    }

    fn table(&self) -> Kind {
        match self {
            Listing::Links(_) => Kind::Links,
            Listing::Addresses(_) => Kind::Addresses,
            Listing::Routes(_) => Kind::Routes,
            Listing::Neighbours(_) => Kind::Neighbours,
            Listing::Rules(_) => Kind::Rules,
            Listing::Nexthops(_) => Kind::Nexthops,
        }
    }

    /// Decodes one listed message into an object of this table.
    fn decode(
        &self,
        m: &crate::wire::Message<'_>,
    ) -> Result<Option<Object>, crate::wire::DecodeError> {
        if !self.request().accepts(m) {
            return Ok(None);
        }
        Ok(Some(match self {
            Listing::Links(_) => Object::Link(Link::from_message(m)?),
            Listing::Addresses(_) => Object::Address(Address::from_message(m)?),
            Listing::Routes(_) => {
                let r = Route::from_message(m)?;
                if r.flags & crate::route::route_req::RTM_F_CLONED != 0 {
                    return Ok(None);
                }
                Object::Route(r)
            }
            Listing::Neighbours(_) => Object::Neighbour(Neighbour::from_message(m)?),
            Listing::Rules(_) => Object::Rule(Rule::from_message(m)?),
            Listing::Nexthops(_) => Object::Nexthop(Nexthop::from_message(m)?),
        }))
    }
}

/// What a mirror reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // moved out once per change
pub enum MirrorEvent {
    /// The tables are complete: after the first listing, and after each
    /// resync (whose differences came just before). Read them with
    /// [`Mirror::get`] and [`Mirror::objects`].
    Synced,
    /// An object appeared.
    Added(Object),
    /// An object changed (its old and new state).
    Changed {
        /// What the mirror had.
        old: Object,
        /// What the kernel has.
        new: Object,
    },
    /// An object went away (its last state).
    Removed(Object),
    /// Notifications were lost, a listing was inconsistent, or the kernel
    /// may have removed objects unnotified: the mirror lists its tables
    /// (or some of them) again, then reports the differences and
    /// [`MirrorEvent::Synced`]. Until then its tables are the last good
    /// ones.
    Resyncing(Resync),
}

/// Why a mirror lists its tables again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resync {
    /// Notifications were lost (the kernel's `ENOBUFS`, or the
    /// connection's queue for its subscriber was full).
    Overrun,
    /// The kernel marked a listing interrupted (`NLM_F_DUMP_INTR`).
    Interrupted,
    /// A notification could not be decoded.
    Malformed,
    /// The owner asked for it ([`Mirror::resync`]).
    Requested,
    /// The kernel removes some objects without a notification (see the
    /// [module documentation](self#what-the-kernel-does-not-notify)): a
    /// change that may have done so was seen, and the route and nexthop
    /// tables are listed again (the others are kept as they are).
    Flushed,
}

/// One listing in progress.
#[derive(Debug)]
struct Load {
    fresh: Tables,
    todo: VecDeque<Listing>,
    current: Option<(Listing, RequestId)>,
    /// Per table: the serial of its listing's first datagram. Notifications
    /// of a table are applied only when newer than that.
    since: [Option<u64>; 6],
    /// The listing's last reply, taken by the fast path (see
    /// `poll_load`), to be handled as the next one.
    stashed: Option<Stashed>,
}

/// A listing's reply that ends the fast path.
#[derive(Debug)]
enum Stashed {
    Decode(crate::wire::DecodeError),
    End(bool),
    Failed(Error),
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per mirror
enum Phase {
    /// Lists the tables (the first time, or again).
    Load(Load),
    /// Waits before listing again.
    Backoff {
        delay: Duration,
        until: Option<Duration>,
        ready: bool,
    },
    /// Applies notifications as they come.
    Live,
    /// Failed for good.
    Dead,
}

/// The mirror; see the [module documentation](self).
#[derive(Debug)]
pub struct Mirror {
    groups: Groups,
    listings: VecDeque<Listing>,
    tables: Tables,
    phase: Phase,
    out: VecDeque<MirrorEvent>,
    idle: Idle,
    attempts: u32,
    synced: bool,
    failed: Option<Error>,
    started: bool,
    /// A resync the owner asked for, not yet begun.
    resync_asked: bool,
    /// Links to read again (see `refresh_lower`), and the one being read.
    refresh: VecDeque<u32>,
    getting: Option<(RequestId, GetLink<'static>)>,
    /// A change was seen after which the kernel may have removed routes
    /// or nexthops without notifying them: list those again.
    flushed: bool,
}

/// `IFLA_LINK_NETNSID`: the lower link is in another namespace.
const IFLA_LINK_NETNSID: u16 = 37;

impl Mirror {
    /// A mirror of the tables whose notification `groups` the connection
    /// subscribed to (its runtime wrapper subscribes to
    /// [`Mirror::groups`]): links for [`Group::Link`], addresses for the
    /// address groups (one family if only one is given), nexthop objects
    /// for [`Group::Nexthop`], and so on. IPv4 routes bring the links and
    /// IPv4 addresses with them, nexthops the links (see the [module
    /// documentation](self#what-the-kernel-does-not-notify)). A listing
    /// fails if no reply comes for `timeout`.
    pub fn new(groups: Groups, timeout: Duration) -> Mirror {
        // The kernel flushes IPv4 routes and nexthops without notifying
        // it when their link goes down or away, or (routes) when their
        // source address goes: the mirror watches links (and IPv4
        // addresses) to know when to list those again.
        let mut groups = groups;
        if groups.contains(Group::Ipv4Route) {
            groups = groups.with(Group::Link).with(Group::Ipv4Address);
        }
        if groups.contains(Group::Nexthop) {
            groups = groups.with(Group::Link);
        }
        let mut listings = VecDeque::new();
        if groups.contains(Group::Link) {
            listings.push_back(Listing::Links(GetLinks::new()));
        }
        if let Some(f) = family_of(groups, Group::Ipv4Address, Group::Ipv6Address) {
            listings.push_back(Listing::Addresses(GetAddresses::new().family(f)));
        }
        if let Some(f) = family_of(groups, Group::Ipv4Route, Group::Ipv6Route) {
            listings.push_back(Listing::Routes(match f {
                AF_INET => GetRoutes::ipv4(),
                AF_INET6 => GetRoutes::ipv6(),
                _ => GetRoutes::all_families(),
            }));
        }
        if groups.contains(Group::Neighbour) {
            listings.push_back(Listing::Neighbours(GetNeighbours::new()));
        }
        if let Some(f) = family_of(groups, Group::Ipv4Rule, Group::Ipv6Rule) {
            listings.push_back(Listing::Rules(GetRules::family(f)));
        }
        if groups.contains(Group::Nexthop) {
            listings.push_back(Listing::Nexthops(GetNexthops::new()));
        }
        Mirror {
            groups,
            listings,
            tables: Tables::default(),
            phase: Phase::Dead,
            out: VecDeque::new(),
            idle: Idle::new(timeout),
            attempts: 0,
            synced: false,
            failed: None,
            started: false,
            refresh: VecDeque::new(),
            getting: None,
            resync_asked: false,
            flushed: false,
        }
    }

    /// The groups the connection must subscribe to.
    pub fn groups(&self) -> Groups {
        self.groups
    }

    /// Lists every table again and reports the differences, as after an
    /// overrun (at the next poll, once the mirror is live: a listing in
    /// progress already gives a fresh state).
    pub fn resync(&mut self) {
        self.resync_asked = true;
    }

    /// Whether the tables are complete (the first listing ended).
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// The object of identity `key`.
    pub fn get(&self, key: &Key) -> Option<ObjectRef<'_>> {
        self.tables.get(key)
    }

    /// The link of index `index`.
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.tables.links.get(&index)
    }

    /// The route of identity `key` ([`RouteKey::of`] a route).
    pub fn route(&self, key: &RouteKey) -> Option<&Route> {
        self.tables.routes.get(key)
    }

    /// Every object: the links, then the addresses, routes, neighbours
    /// and rules, each table in no particular order.
    pub fn objects(&self) -> impl Iterator<Item = ObjectRef<'_>> {
        self.tables.objects()
    }

    /// How many objects the tables hold.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether the tables are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The links, in no particular order.
    pub fn links(&self) -> impl Iterator<Item = &Link> {
        self.tables.links.values()
    }

    /// The addresses, in no particular order.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.tables.addresses.values()
    }

    /// The routes, in no particular order.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.tables.routes.values()
    }

    /// The neighbour entries, in no particular order.
    pub fn neighbours(&self) -> impl Iterator<Item = &Neighbour> {
        self.tables.neighbours.values()
    }

    /// The rules, in no particular order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.tables.rules.values()
    }

    /// The nexthop objects, in no particular order.
    pub fn nexthops(&self) -> impl Iterator<Item = &Nexthop> {
        self.tables.nexthops.values()
    }

    /// The nexthop object of id `id`.
    pub fn nexthop(&self, id: u32) -> Option<&Nexthop> {
        self.tables.nexthops.get(&id)
    }

    /// Starts listing every table into fresh ones. Notifications queued
    /// until now are dropped: the listings are newer than all of them.
    fn start_load(&mut self, mux: &mut Mux) {
        while mux.next_note_serial().is_some() {
            let _ = mux.next_note();
        }
        self.phase = Phase::Load(Load {
            fresh: Tables::default(),
            todo: self.listings.clone(),
            current: None,
            since: [None; 6],
            stashed: None,
        });
    }

    /// Finishes what the mirror has in flight (a listing, a link read
    /// again): their late replies are discarded.
    fn finish_requests(&mut self, mux: &mut Mux) {
        if let Phase::Load(l) = &mut self.phase
            && let Some((_, id)) = l.current.take()
        {
            mux.finish(id);
        }
        if let Some((id, _)) = self.getting.take() {
            mux.finish(id);
        }
    }

    /// A listing failed (`why`): list again, at once or after a pause, or
    /// give up after [`MAX_ATTEMPTS`].
    fn retry(&mut self, mux: &mut Mux, why: Resync, error: Error) {
        self.finish_requests(mux);
        self.refresh.clear();
        self.attempts += 1;
        if self.attempts >= MAX_ATTEMPTS {
            self.phase = Phase::Dead;
            self.failed = Some(error);
            return;
        }
        self.out.push_back(MirrorEvent::Resyncing(why));
        if self.attempts < 3 {
            self.start_load(mux);
        } else {
            let ms = 10u64 << (self.attempts - 3).min(7);
            self.phase = Phase::Backoff {
                delay: Duration::from_millis(ms.min(1000)),
                until: None,
                ready: false,
            };
        }
    }

    /// The listings ended: report the differences, keep the fresh tables.
    fn finish_load(&mut self, mut fresh: Tables) {
        fresh.settle();
        let first = !self.synced;
        let old = core::mem::replace(&mut self.tables, fresh);
        if !first {
            old.diff(&self.tables, &mut self.out);
        }
        // Links whose lower link came after them while they were listed.
        let stale: alloc::vec::Vec<Link> = self.links().cloned().collect();
        for l in &stale {
            self.refresh_lower(l);
        }
        self.synced = true;
        self.attempts = 0;
        self.out.push_back(MirrorEvent::Synced);
        self.phase = Phase::Live;
    }

    /// Applies a notification to the live tables, reporting the change.
    fn apply_live(&mut self, change: Change, o: Object) {
        match change {
            Change::New => {
                let old = self.tables.insert(o.clone());
                self.flushed |= self.may_flush(change, &o, old.as_ref());
                match old {
                    None => self.out.push_back(MirrorEvent::Added(o)),
                    Some(old) if old.same_state(&o) => {}
                    Some(old) => self.out.push_back(MirrorEvent::Changed { old, new: o }),
                }
            }
            Change::Del => {
                self.flushed |= self.may_flush(change, &o, None);
                if let Some(old) = self.tables.remove(&o) {
                    self.out.push_back(MirrorEvent::Removed(old));
                }
            }
        }
    }

    /// Whether, after this change, the kernel may have removed (or
    /// changed) objects of the tables kept without notifying it:
    ///
    /// * a link that went away or down takes with it, unnotified, the
    ///   IPv4 routes and the nexthops that used it (`fib_flush`,
    ///   `nexthop_flush_dev`), and the groups those were in shrink; a
    ///   link that lost its carrier takes its nexthops, and marks its
    ///   IPv4 routes `linkdown`;
    /// * an IPv4 address that went away takes the routes whose source it
    ///   was (`fib_sync_down_addr`);
    /// * a nexthop removed removes the IPv4 routes that use it, and
    ///   changes those through the groups it was in (whose new members
    ///   are notified, not the routes).
    fn may_flush(&self, change: Change, new: &Object, old: Option<&Object>) -> bool {
        let routes4 = self.groups.contains(Group::Ipv4Route);
        let routes = routes4 || self.groups.contains(Group::Ipv6Route);
        let nexthops = self.groups.contains(Group::Nexthop);
        match (change, new, old) {
            (Change::Del, Object::Link(_), _) => routes4 || nexthops,
            (Change::New, Object::Link(l), Some(Object::Link(was))) => {
                const IFF_LOWER_UP: u32 = 0x1_0000;
                let went_down = was.is_up() && !l.is_up();
                let lost_carrier = was.flags & IFF_LOWER_UP != 0 && l.flags & IFF_LOWER_UP == 0;
                (routes4 || nexthops) && (went_down || lost_carrier)
            }
            (Change::Del, Object::Address(a), _) => routes4 && a.family == AF_INET,
            (Change::Del, Object::Nexthop(_), _) => routes,
            (Change::New, Object::Nexthop(n), Some(was)) => {
                routes && !was.same_state(&Object::Nexthop(n.clone()))
            }
            _ => false,
        }
    }

    /// Lists again the tables the kernel flushes without notifying (see
    /// [`Mirror::may_flush`]), keeping the others: they go on taking
    /// every notification while the listings run, and the difference is
    /// reported at the end as after any resync.
    fn start_relist(&mut self) {
        self.flushed = false;
        let relisted: alloc::vec::Vec<Kind> = [Kind::Routes, Kind::Nexthops]
            .into_iter()
            .filter(|k| self.listings.iter().any(|l| l.table() == *k))
            .collect();
        if relisted.is_empty() {
            return;
        }
        let todo = self
            .listings
            .iter()
            .filter(|l| relisted.contains(&l.table()))
            .copied()
            .collect();
        let mut since = [Some(0); 6];
        for k in &relisted {
            since[*k as usize] = None;
        }
        self.out.push_back(MirrorEvent::Resyncing(Resync::Flushed));
        self.phase = Phase::Load(Load {
            fresh: self.tables.without(&relisted),
            todo,
            current: None,
            since,
            stashed: None,
        });
    }

    /// Applies the queued notifications older than `before` to the fresh
    /// tables (those of tables not yet listed are dropped). `false` when
    /// one of them says notifications were lost.
    fn apply_queued(&mut self, mux: &mut Mux, before: u64) -> Result<(), Resync> {
        if !matches!(self.phase, Phase::Load(_)) {
            return Ok(());
        }
        while mux.next_note_serial().is_some_and(|s| s < before) {
            let NextNote::Note(n) = mux.next_note() else {
                break;
            };
            let (ev, serial) = match n {
                Note::Overrun(_) => return Err(Resync::Overrun),
                Note::Malformed(..) => return Err(Resync::Malformed),
                Note::Message(m, serial) => match Event::from_notification(&m) {
                    Ok(Some(e)) => (e, serial),
                    Ok(None) => continue,
                    Err(_) => return Err(Resync::Malformed),
                },
            };
            let Some((change, o)) = Object::of_event(ev) else {
                continue;
            };
            let Phase::Load(l) = &mut self.phase else {
                return Ok(());
            };
            if l.since[o.table() as usize].is_none_or(|s| serial <= s) {
                continue;
            }
            let old = match change {
                Change::New => l.fresh.insert(o.clone()),
                Change::Del => {
                    l.fresh.remove(&o);
                    None
                }
            };
            // A flush while listing: those tables are listed again after.
            self.flushed |= self.may_flush(change, &o, old.as_ref());
        }
        Ok(())
    }

    fn poll_load(&mut self, mux: &mut Mux) -> Option<Action<Result<MirrorEvent, Error>>> {
        let Phase::Load(l) = &mut self.phase else {
            return None;
        };
        let Some((listing, id)) = l.current else {
            let Some(next) = l.todo.pop_front() else {
                let fresh = core::mem::take(&mut l.fresh);
                self.finish_load(fresh);
                return None;
            };
            return match mux.begin(next.request()) {
                Ok((id, send)) => {
                    l.current = Some((next, id));
                    send.then_some(Action::Send)
                }
                Err(e) => {
                    self.phase = Phase::Dead;
                    Some(Action::Done(Err(e.with_op("mirror: list the tables"))))
                }
            };
        };
        // One value per message, on the stack: boxing the large variant
        // would allocate per object.
        #[allow(clippy::large_enum_variant)]
        enum Got {
            Item(Result<Option<Object>, crate::wire::DecodeError>),
            End(bool),
            Failed(Error),
        }
        let got = match l.stashed.take() {
            Some(Stashed::Decode(e)) => Got::Item(Err(e)),
            Some(Stashed::End(interrupted)) => Got::End(interrupted),
            Some(Stashed::Failed(e)) => Got::Failed(e),
            None => match mux.next(id) {
                Next::Recv => {
                    // Everything queued now came before the next datagram.
                    if let Err(why) = self.apply_queued(mux, u64::MAX) {
                        self.retry(
                            mux,
                            why,
                            Error::Overrun {
                                op: String::from("mirror"),
                            },
                        );
                        return None;
                    }
                    return Some(Action::Receive(id));
                }
                Next::Reply(Reply::Item(m)) => Got::Item(listing.decode(&m)),
                Next::Reply(Reply::Done { interrupted }) => Got::End(interrupted),
                Next::Reply(Reply::Ack) => Got::End(false),
                Next::Reply(Reply::Failed(e)) => Got::Failed(e),
            },
        };
        self.idle.progressed();
        let serial = mux.reply_serial();
        if let Phase::Load(l) = &mut self.phase {
            l.since[listing.table() as usize].get_or_insert(serial);
        }
        if let Err(why) = self.apply_queued(mux, serial) {
            self.retry(
                mux,
                why,
                Error::Overrun {
                    op: String::from("mirror"),
                },
            );
            return None;
        }
        let Phase::Load(l) = &mut self.phase else {
            return None;
        };
        match got {
            Got::Item(Ok(item)) => {
                if let Some(o) = item {
                    l.fresh.push(o);
                }
                // The fast path: the rest of this datagram's objects in
                // one pass. They share its serial, so no notification
                // can fall between them (those older than the datagram
                // were applied above). Replies another task queued for
                // the listing come from other datagrams: not taken here.
                if !mux.has_queued(id) {
                    let fresh = &mut l.fresh;
                    let end = mux.drain(
                        id,
                        &mut |reply| match reply {
                            Reply::Item(m) => match listing.decode(&m) {
                                Ok(Some(o)) => {
                                    fresh.push(o);
                                    None
                                }
                                Ok(None) => None,
                                Err(e) => Some(Stashed::Decode(e)),
                            },
                            Reply::Done { interrupted } => Some(Stashed::End(interrupted)),
                            Reply::Ack => Some(Stashed::End(false)),
                            Reply::Failed(e) => Some(Stashed::Failed(e)),
                        },
                        Option::is_none,
                    );
                    l.stashed = end.flatten();
                }
            }
            Got::Item(Err(source)) => {
                self.phase = Phase::Dead;
                mux.finish(id);
                return Some(Action::Done(Err(Error::Decode {
                    op: String::from("mirror: list the tables"),
                    source,
                })));
            }
            Got::End(false) => l.current = None,
            Got::End(true) => {
                l.current = None;
                let e = Error::DumpInterrupted {
                    op: String::from("mirror: list the tables"),
                };
                self.retry(mux, Resync::Interrupted, e);
            }
            // The socket overran while the listing ran (the mux fails
            // every request then, as a reply may have been lost): list
            // again.
            Got::Failed(e @ Error::Overrun { .. }) => {
                l.current = None;
                self.retry(mux, Resync::Overrun, e.with_op("mirror: list the tables"));
            }
            Got::Failed(e) => {
                l.current = None;
                self.phase = Phase::Dead;
                return Some(Action::Done(Err(e.with_op("mirror: list the tables"))));
            }
        }
        None
    }

    /// Applies one queued notification to the live tables; `false` when
    /// none waits (a datagram must be received).
    fn next_live_note(&mut self, mux: &mut Mux) -> bool {
        let (change, o) = match mux.next_note() {
            NextNote::Recv => return false,
            NextNote::Note(Note::Overrun(_)) => {
                self.retry(
                    mux,
                    Resync::Overrun,
                    Error::Overrun {
                        op: String::from("mirror"),
                    },
                );
                return true;
            }
            NextNote::Note(Note::Malformed(..)) => {
                self.retry(
                    mux,
                    Resync::Malformed,
                    Error::Overrun {
                        op: String::from("mirror"),
                    },
                );
                return true;
            }
            NextNote::Note(Note::Message(m, _)) => match Event::from_notification(&m) {
                Ok(Some(e)) => match Object::of_event(e) {
                    Some(x) => x,
                    None => return true,
                },
                Ok(None) => return true,
                Err(_) => {
                    self.retry(
                        mux,
                        Resync::Malformed,
                        Error::Overrun {
                            op: String::from("mirror"),
                        },
                    );
                    return true;
                }
            },
        };
        if change == Change::New
            && let Object::Link(l) = &o
        {
            self.refresh_lower(l);
        }
        self.apply_live(change, o);
        true
    }

    /// A link's lower link (`IFLA_LINK`) can be made after it — a veth's
    /// peer is — and the kernel then sends no notification for the link
    /// whose `IFLA_LINK` changed from 0. When a new link names such a
    /// link, the mirror reads that one again.
    fn refresh_lower(&mut self, l: &Link) {
        let Some(p) = l.link.filter(|&p| p != 0) else {
            return;
        };
        if l.other.get(IFLA_LINK_NETNSID).is_some() {
            return;
        }
        if let Some(lower) = self.tables.links.get(&p)
            && lower.link == Some(0)
            && !self.refresh.contains(&p)
        {
            self.refresh.push_back(p);
        }
    }

    fn poll_live(&mut self, mux: &mut Mux) -> Option<Action<Result<MirrorEvent, Error>>> {
        if self.getting.is_none()
            && let Some(p) = self.refresh.pop_front()
            && let Ok(req) = GetLink::by_index(p)
        {
            match mux.begin(&req) {
                Ok((id, send)) => {
                    self.getting = Some((id, req));
                    if send {
                        return Some(Action::Send);
                    }
                }
                Err(e) => {
                    self.phase = Phase::Dead;
                    return Some(Action::Done(Err(e.with_op("mirror: read a link again"))));
                }
            }
        }
        let Some((id, _)) = self.getting else {
            if self.next_live_note(mux) {
                return None;
            }
            // Every notification queued so far is applied (the relisting
            // keeps the tables it does not list).
            if self.flushed {
                self.start_relist();
                return None;
            }
            return Some(Action::Receive(RequestId::SUBSCRIPTION));
        };
        // A link read again: notifications queued before its reply are
        // older, and applied first.
        let got = match mux.next(id) {
            Next::Recv => {
                if self.next_live_note(mux) {
                    return None;
                }
                return Some(Action::Receive(id));
            }
            Next::Reply(Reply::Item(m)) => Some(Link::from_message(&m).ok()),
            Next::Reply(_) => None,
        };
        let serial = mux.reply_serial();
        while mux.next_note_serial().is_some_and(|s| s < serial) {
            self.next_live_note(mux);
            if !matches!(self.phase, Phase::Live) {
                mux.finish(id);
                self.getting = None;
                return None;
            }
        }
        match got {
            Some(Some(l)) => self.apply_live(Change::New, Object::Link(l)),
            Some(None) => {}
            // The GET ended (acknowledged, or the link is gone: its own
            // notification says so).
            None => self.getting = None,
        }
        None
    }
}

impl Task for Mirror {
    type Output = Result<MirrorEvent, Error>;

    fn poll(&mut self, mux: &mut Mux) -> Action<Self::Output> {
        if !self.started {
            self.started = true;
            if !mux.is_subscribed() {
                self.phase = Phase::Dead;
                return Action::Done(Err(Error::InvalidInput {
                    op: String::from("mirror"),
                    source: crate::InvalidInput::NotSubscribed,
                }));
            }
            self.start_load(mux);
        }
        loop {
            if let Some(e) = self.out.pop_front() {
                return Action::Done(Ok(e));
            }
            if let Some(e) = self.failed.take() {
                return Action::Done(Err(e));
            }
            let step = match &mut self.phase {
                Phase::Dead => {
                    return Action::Done(Err(Error::NoReply {
                        op: String::from("mirror: it has failed"),
                    }));
                }
                Phase::Load(_) => self.poll_load(mux),
                Phase::Backoff { ready: true, .. } => {
                    self.start_load(mux);
                    None
                }
                Phase::Backoff { .. } => {
                    // Notifications meanwhile are older than the listings
                    // to come: dropped.
                    while mux.next_note_serial().is_some() {
                        let _ = mux.next_note();
                    }
                    match mux.next_note() {
                        NextNote::Recv => Some(Action::Receive(RequestId::SUBSCRIPTION)),
                        NextNote::Note(_) => None,
                    }
                }
                Phase::Live if self.resync_asked && self.getting.is_none() => {
                    self.resync_asked = false;
                    self.out
                        .push_back(MirrorEvent::Resyncing(Resync::Requested));
                    self.start_load(mux);
                    None
                }
                Phase::Live => self.poll_live(mux),
            };
            if let Some(a) = step {
                return a;
            }
        }
    }

    fn sent(&mut self, mux: &mut Mux, result: Result<(), Errno>) {
        if let (Err(errno), Some((id, _))) = (result, &self.getting) {
            mux.abort(*id);
            self.getting = None;
            self.phase = Phase::Dead;
            self.failed = Some(Error::Io {
                op: String::from("mirror: read a link again"),
                errno,
            });
            return;
        }
        if let Err(errno) = result
            && let Phase::Load(l) = &mut self.phase
            && let Some((_, id)) = l.current.take()
        {
            mux.abort(id);
            self.phase = Phase::Dead;
            self.failed = Some(Error::Io {
                op: String::from("mirror: send a listing"),
                errno,
            });
        }
    }

    fn wait(&mut self, mux: &mut Mux, now: Duration) -> Option<Duration> {
        match &mut self.phase {
            Phase::Live if self.getting.is_some() => {
                let d = self.idle.wait(now);
                if d.is_none() {
                    let e = self.idle.expired();
                    self.fail(mux, e);
                }
                d
            }
            Phase::Load(_) => {
                let d = self.idle.wait(now);
                if d.is_none() {
                    let e = self.idle.expired();
                    self.fail(mux, e);
                }
                d
            }
            Phase::Backoff {
                delay,
                until,
                ready,
            } => {
                let u = *until.get_or_insert(now.saturating_add(*delay));
                if now >= u {
                    *ready = true;
                }
                Some(u)
            }
            _ => Some(now.saturating_add(Duration::from_secs(3600))),
        }
    }

    fn fail(&mut self, mux: &mut Mux, e: Error) {
        self.finish_requests(mux);
        self.phase = Phase::Dead;
        self.failed = Some(e.with_op("mirror"));
    }

    fn abandon(&mut self, mux: &mut Mux) {
        self.finish_requests(mux);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::mux::test_support::feed;
    use crate::route::IfInfoMsg;
    use crate::wire::{NLM_F_DUMP_INTR, NLM_F_MULTI, Writer};
    use alloc::vec::Vec;

    const IFLA_IFNAME: u16 = 3;
    const IFLA_MTU: u16 = 4;

    /// One link message: `kind` (new/del), `seq`, flags, index, name, mtu,
    /// and optionally a counters attribute (which must not count as a
    /// change).
    fn link(kind: u16, seq: u32, flags: u16, index: u32, mtu: u32, stats: u8) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(kind, flags, seq, 0);
        IfInfoMsg {
            index,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_str(IFLA_IFNAME, &alloc::format!("l{index}"));
        w.attr(IFLA_MTU, &mtu.to_ne_bytes());
        if stats != 0 {
            w.attr(23, &[stats; 8]);
        }
        w.end_message(m);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn done(seq: u32, flags: u16) -> Vec<u8> {
        let mut v = super::super::exchange::test_frames::done(seq, 0);
        v[6..8].copy_from_slice(&(NLM_F_MULTI | flags).to_ne_bytes());
        v
    }

    fn notify(mux: &mut Mux, d: &[u8]) {
        let b = mux.recv_buffer();
        b[..d.len()].copy_from_slice(d);
        mux.received_from(d.len(), 1);
    }

    fn setup() -> (Mux, Mirror) {
        let mut mux = Mux::default();
        mux.subscribe();
        (mux, Mirror::new(Groups::links(), Duration::from_secs(5)))
    }

    /// Polls until the mirror sends its listing; returns its seq.
    fn sends(mux: &mut Mux, m: &mut Mirror) -> u32 {
        match m.poll(mux) {
            Action::Send => crate::wire::Header::parse(mux.outgoing()).unwrap().seq,
            a => panic!("{a:?}"),
        }
    }

    fn receives(mux: &mut Mux, m: &mut Mirror) {
        match m.poll(mux) {
            Action::Receive(_) => {}
            a => panic!("{a:?}"),
        }
    }

    fn event(mux: &mut Mux, m: &mut Mirror) -> MirrorEvent {
        match m.poll(mux) {
            Action::Done(Ok(e)) => e,
            a => panic!("{a:?}"),
        }
    }

    /// The links' indexes, sorted (a table has no order).
    fn indexes(m: &Mirror) -> Vec<u32> {
        let mut v: Vec<u32> = m.links().map(|l| l.index).collect();
        v.sort_unstable();
        v
    }

    fn synced_with(mux: &mut Mux, m: &mut Mirror, links: &[u32]) {
        let seq = sends(mux, m);
        let mut d = Vec::new();
        for &i in links {
            d.extend(link(16, seq, NLM_F_MULTI, i, 1500, 0));
        }
        d.extend(done(seq, 0));
        feed(mux, &d);
        assert_eq!(event(mux, m), MirrorEvent::Synced);
    }

    /// A link message with interface flags.
    fn link_flags(kind: u16, seq: u32, flags: u16, index: u32, iff: u32) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(kind, flags, seq, 0);
        IfInfoMsg {
            index,
            flags: iff,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_str(IFLA_IFNAME, &alloc::format!("l{index}"));
        w.end_message(m);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    /// A nexthop (id, device) as the kernel lists it.
    fn nexthop(seq: u32, id: u32, oif: u32) -> Vec<u8> {
        use crate::route::nh::{NHA_ID, NHA_OIF, NhMsg, RTM_NEWNEXTHOP};
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(RTM_NEWNEXTHOP, NLM_F_MULTI, seq, 0);
        NhMsg {
            family: AF_INET,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_u32(NHA_ID, id);
        w.attr_u32(NHA_OIF, oif);
        w.end_message(m);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    /// A link that goes down takes its nexthops without a notification:
    /// the mirror lists its nexthops again (and only them) and reports
    /// what went; a link that stays up, or a new link, lists nothing.
    #[test]
    fn a_link_going_down_relists_the_nexthops() {
        const UP: u32 = 0x1 | 0x1_0000;
        let mut mux = Mux::default();
        mux.subscribe();
        let mut m = Mirror::new(Group::Nexthop.into(), Duration::from_secs(5));
        assert!(m.groups().contains(Group::Link), "it watches the links");
        let seq = sends(&mut mux, &mut m);
        let mut d = link_flags(16, seq, NLM_F_MULTI, 1, UP);
        d.extend(done(seq, 0));
        feed(&mut mux, &d);
        let seq = sends(&mut mux, &mut m);
        let mut d = nexthop(seq, 5, 1);
        d.extend(done(seq, 0));
        feed(&mut mux, &d);
        assert_eq!(event(&mut mux, &mut m), MirrorEvent::Synced);
        assert!(m.nexthop(5).is_some());
        // A new link, and a change that keeps link 1 up: no listing.
        receives(&mut mux, &mut m);
        notify(&mut mux, &link_flags(16, 0, 0, 2, 0));
        assert!(matches!(event(&mut mux, &mut m), MirrorEvent::Added(_)));
        receives(&mut mux, &mut m);
        // Link 1 goes down.
        notify(&mut mux, &link_flags(16, 0, 0, 1, 0));
        let e = event(&mut mux, &mut m);
        assert!(matches!(e, MirrorEvent::Changed { .. }), "{e:?}");
        assert_eq!(
            event(&mut mux, &mut m),
            MirrorEvent::Resyncing(Resync::Flushed)
        );
        let seq = sends(&mut mux, &mut m);
        assert_eq!(
            crate::wire::Header::parse(mux.outgoing()).unwrap().kind,
            crate::route::nh::RTM_GETNEXTHOP,
            "the nexthops only"
        );
        feed(&mut mux, &done(seq, 0));
        assert!(
            matches!(event(&mut mux, &mut m), MirrorEvent::Removed(Object::Nexthop(n)) if n.id == 5)
        );
        assert_eq!(event(&mut mux, &mut m), MirrorEvent::Synced);
        // The links were kept as they were.
        assert_eq!(indexes(&m), [1, 2]);
        assert!(m.nexthop(5).is_none());
    }

    /// A bridge port's `PF_BRIDGE` messages (its VLANs changed; it left
    /// its bridge, an `RTM_DELLINK` while the link lives on) and bridge
    /// forwarding entries (`AF_BRIDGE` neighbours) change nothing in the
    /// mirror; the link's own messages still do.
    #[test]
    fn bridge_family_messages_are_not_the_mirrors() {
        let mut mux = Mux::default();
        mux.subscribe();
        let mut m = Mirror::new(
            Groups::links().with(Group::Neighbour),
            Duration::from_secs(5),
        );
        let seq = sends(&mut mux, &mut m);
        let mut d = link(16, seq, NLM_F_MULTI, 1, 1500, 0);
        d.extend(link(16, seq, NLM_F_MULTI, 2, 1500, 0));
        d.extend(done(seq, 0));
        feed(&mut mux, &d);
        let seq = sends(&mut mux, &mut m);
        feed(&mut mux, &done(seq, 0));
        assert_eq!(event(&mut mux, &mut m), MirrorEvent::Synced);
        let bridge_link = |kind: u16| {
            let mut buf = [0u8; 128];
            let mut w = Writer::new(&mut buf);
            let h = w.begin_message(kind, 0, 0, 0);
            IfInfoMsg {
                family: crate::route::AF_BRIDGE,
                index: 1,
                ..Default::default()
            }
            .emit(&mut w);
            w.attr_str(IFLA_IFNAME, "l1");
            w.end_message(h);
            let n = w.finish().unwrap();
            buf[..n].to_vec()
        };
        let fdb = {
            let mut buf = [0u8; 128];
            let mut w = Writer::new(&mut buf);
            let h = w.begin_message(crate::route::RTM_NEWNEIGH, 0, 0, 0);
            crate::route::NdMsg {
                family: crate::route::AF_BRIDGE,
                index: 2,
                state: 0x80,
                ..Default::default()
            }
            .emit(&mut w);
            w.attr(2, &[2, 0, 0, 0, 0, 1]);
            w.end_message(h);
            let n = w.finish().unwrap();
            buf[..n].to_vec()
        };
        for d in [bridge_link(17), bridge_link(16), fdb] {
            receives(&mut mux, &mut m);
            notify(&mut mux, &d);
        }
        // Then link 2's own change: the first event the mirror reports.
        receives(&mut mux, &mut m);
        notify(&mut mux, &link(16, 0, 0, 2, 9000, 0));
        let e = event(&mut mux, &mut m);
        assert!(
            matches!(&e, MirrorEvent::Changed { new: Object::Link(l), .. } if l.index == 2),
            "{e:?}"
        );
        assert_eq!(indexes(&m), [1, 2], "link 1 is still there");
        assert_eq!(
            m.objects()
                .filter(|o| matches!(o, ObjectRef::Neighbour(_)))
                .count(),
            0
        );
    }

    #[test]
    fn notifications_are_merged_with_the_listing_in_arrival_order() {
        let (mut mux, mut m) = setup();
        let seq = sends(&mut mux, &mut m);
        receives(&mut mux, &mut m);
        // Queued before the listing's first datagram: older than all of it.
        notify(&mut mux, &link(16, 0, 0, 5, 1500, 0));
        receives(&mut mux, &mut m);
        // The first datagram lists links 1 and 2.
        let mut d = link(16, seq, NLM_F_MULTI, 1, 1500, 0);
        d.extend(link(16, seq, NLM_F_MULTI, 2, 1500, 0));
        feed(&mut mux, &d);
        receives(&mut mux, &mut m);
        // Between two datagrams: link 2 goes, link 7 comes, link 3 changes
        // (and the next datagram, built later, shows 3 as it is then).
        notify(&mut mux, &link(17, 0, 0, 2, 1500, 0));
        notify(&mut mux, &link(16, 0, 0, 7, 1500, 0));
        notify(&mut mux, &link(16, 0, 0, 3, 9000, 0));
        let mut d = link(16, seq, NLM_F_MULTI, 3, 9000, 0);
        d.extend(done(seq, 0));
        feed(&mut mux, &d);
        assert_eq!(event(&mut mux, &mut m), MirrorEvent::Synced);
        assert!(m.is_synced());
        assert_eq!(indexes(&m), [1, 3, 7]);
        let mtu = |m: &Mirror, i| m.links().find(|l| l.index == i).unwrap().mtu;
        assert_eq!(mtu(&m, 3), Some(9000));
        // Live: a change, a change of counters only (nothing), a removal.
        receives(&mut mux, &mut m);
        notify(&mut mux, &link(16, 0, 0, 1, 1400, 0));
        match event(&mut mux, &mut m) {
            MirrorEvent::Changed {
                old: Object::Link(o),
                new: Object::Link(n),
            } => assert_eq!((o.mtu, n.mtu), (Some(1500), Some(1400))),
            e => panic!("{e:?}"),
        }
        notify(&mut mux, &link(16, 0, 0, 1, 1400, 9));
        receives(&mut mux, &mut m);
        notify(&mut mux, &link(17, 0, 0, 7, 1500, 0));
        assert!(
            matches!(event(&mut mux, &mut m), MirrorEvent::Removed(Object::Link(l)) if l.index == 7)
        );
        notify(&mut mux, &link(16, 0, 0, 8, 1500, 0));
        assert!(
            matches!(event(&mut mux, &mut m), MirrorEvent::Added(Object::Link(l)) if l.index == 8)
        );
        assert_eq!(indexes(&m), [1, 3, 8]);
        assert!(m.get(&Key::Link(3)).is_some());
    }

    #[test]
    fn an_overrun_resyncs_and_reports_only_the_difference() {
        let (mut mux, mut m) = setup();
        synced_with(&mut mux, &mut m, &[1, 2, 3]);
        receives(&mut mux, &mut m);
        // Link 2 changed and link 3 went while notifications were lost;
        // a notification older than the new listing is still queued.
        notify(&mut mux, &link(16, 0, 0, 3, 1500, 0));
        mux.overrun();
        assert_eq!(
            event(&mut mux, &mut m),
            MirrorEvent::Resyncing(Resync::Overrun)
        );
        let seq = sends(&mut mux, &mut m);
        let mut d = link(16, seq, NLM_F_MULTI, 1, 1500, 0);
        d.extend(link(16, seq, NLM_F_MULTI, 2, 1280, 0));
        d.extend(link(16, seq, NLM_F_MULTI, 4, 1500, 0));
        d.extend(done(seq, 0));
        feed(&mut mux, &d);
        let mut got = Vec::new();
        loop {
            match event(&mut mux, &mut m) {
                MirrorEvent::Synced => break,
                e => got.push(e),
            }
        }
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            matches!(&got[0], MirrorEvent::Changed { new: Object::Link(l), .. } if l.index == 2)
        );
        assert!(matches!(&got[1], MirrorEvent::Added(Object::Link(l)) if l.index == 4));
        assert!(matches!(&got[2], MirrorEvent::Removed(Object::Link(l)) if l.index == 3));
        assert_eq!(indexes(&m), [1, 2, 4]);
    }

    #[test]
    fn interrupted_listings_are_retried_then_back_off_then_fail() {
        let (mut mux, mut m) = setup();
        // The next listing, at once or after the pause.
        let listing = |mux: &mut Mux, m: &mut Mirror| match m.poll(mux) {
            Action::Send => (
                crate::wire::Header::parse(mux.outgoing()).unwrap().seq,
                false,
            ),
            Action::Receive(_) => {
                let until = m.wait(mux, Duration::ZERO).unwrap();
                assert!(until > Duration::ZERO && until <= Duration::from_secs(1));
                let _ = m.wait(mux, until);
                (sends(mux, m), true)
            }
            a => panic!("{a:?}"),
        };
        for attempt in 1..MAX_ATTEMPTS {
            let (seq, paused) = listing(&mut mux, &mut m);
            // Two at once, then with a pause.
            assert_eq!(paused, attempt > 3, "attempt {attempt}");
            let mut d = link(16, seq, NLM_F_MULTI | NLM_F_DUMP_INTR, 1, 1500, 0);
            d.extend(done(seq, NLM_F_DUMP_INTR));
            feed(&mut mux, &d);
            assert_eq!(
                event(&mut mux, &mut m),
                MirrorEvent::Resyncing(Resync::Interrupted)
            );
        }
        let (seq, _) = listing(&mut mux, &mut m);
        feed(&mut mux, &done(seq, NLM_F_DUMP_INTR));
        match m.poll(&mut mux) {
            Action::Done(Err(Error::DumpInterrupted { .. })) => {}
            a => panic!("{a:?}"),
        }
        assert!(!m.is_synced());
    }

    #[test]
    fn a_requested_resync_of_an_unchanged_kernel_reports_nothing_but_synced() {
        let (mut mux, mut m) = setup();
        synced_with(&mut mux, &mut m, &[1, 2]);
        receives(&mut mux, &mut m);
        m.resync();
        assert_eq!(
            event(&mut mux, &mut m),
            MirrorEvent::Resyncing(Resync::Requested)
        );
        synced_with(&mut mux, &mut m, &[1, 2]);
        assert_eq!(indexes(&m), [1, 2]);
    }

    #[test]
    fn route_keys_give_back_what_they_pack_and_order_by_table_then_destination() {
        let key = |dst: &str, len: u8, table: u32, metric: u32| {
            let mut buf = [0u8; 256];
            let mut w = Writer::new(&mut buf);
            crate::route::RouteRequest::add(dst.parse().unwrap(), len)
                .unwrap()
                .table(table)
                .metric(metric)
                .emit(&mut w, 1, 0);
            let n = w.finish().unwrap();
            let m = crate::wire::Messages::new(&buf[..n])
                .next()
                .unwrap()
                .unwrap();
            RouteKey::of(&Route::from_message(&m).unwrap())
        };
        let k = key("2001:db8:5::", 48, 1000, 7);
        assert_eq!(k.family(), AF_INET6);
        assert_eq!(k.table(), 1000);
        assert_eq!(k.dst(), (Some("2001:db8:5::".parse().unwrap()), 48));
        assert_eq!(k.priority(), 7);
        assert_eq!(k.tos(), 0);
        let a = key("198.51.100.0", 24, 254, 0);
        assert_eq!(a.dst(), (Some("198.51.100.0".parse().unwrap()), 24));
        assert!(a < key("198.51.100.0", 24, 255, 0));
        assert!(a < key("198.51.101.0", 24, 254, 0));
        assert!(a < key("198.51.100.0", 25, 254, 0));
        assert!(a < key("198.51.100.0", 24, 254, 1));
        assert_ne!(key("192.0.2.0", 24, 254, 0), key("192.0.2.0", 24, 254, 5));
    }

    #[test]
    fn a_mirror_needs_a_subscription() {
        let mut mux = Mux::default();
        let mut m = Mirror::new(Groups::links(), Duration::from_secs(5));
        assert!(matches!(
            m.poll(&mut mux),
            Action::Done(Err(Error::InvalidInput { .. }))
        ));
    }
}
