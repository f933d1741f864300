//! The everyday rtnetlink operations (`alloc`), re-exported as
//! [`crate::ops`]: each is an [`Op`] written once and run by every runtime.
//!
//! They cover what a container or VPN agent does in a day, by name where
//! the caller has names: links ([`create_veth`], [`set_link_up`],
//! [`set_link_down`], [`set_mtu`], [`set_master`], [`set_nomaster`],
//! [`delete_link_if_exists`], [`move_link_to_netns`], [`list_links`]),
//! addresses ([`add_address`], [`delete_address`], [`flush_addresses`])
//! routes ([`add_route_via`], [`replace_route_via`], [`add_route_dev`],
//! [`replace_route_dev`], [`add_default_route_via`], [`add_default_route`],
//! [`delete_route`], [`flush_routes`]) and the bridge forwarding database
//! ([`append_fdb_flood`], [`replace_fdb_remote`], [`replace_fdb_static`],
//! [`delete_fdb_entry`]) and bridge VLANs ([`add_bridge_vlan`],
//! [`set_bridge_access_vlan`], [`delete_bridge_vlan`]).
//!
//! Bad input is refused before anything is sent. An error names what was
//! asked the way the caller asked it: `add address 192.0.2.1/24 to
//! "nosuch0": no such link`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::fdb::Mac;
use super::route::{RT_SCOPE_LINK, RT_TABLE_MAIN, RouteMessage};
use super::{
    AF_INET, AF_INET6, AddressMessage, AddressRequest, BridgeVlanRequest, FdbRequest, FdbState,
    GetAddresses, GetLink, GetLinks, GetRoutes, LinkKind, LinkMessage, LinkRequest, NetnsRef,
    RouteRequest, validate_ifname,
};
use crate::errno::Errno;
use crate::error::Error;
use crate::fold::{self, Fold, Reply};
use crate::input::{InvalidInput, LinkRef};
use crate::op::{Ack, Op, OpStep, invalid};
use crate::request::Request;

/// An IP version, for the operations that act on one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpVersion {
    /// IPv4 (`AF_INET`).
    V4,
    /// IPv6 (`AF_INET6`).
    V6,
}

impl IpVersion {
    /// The `AF_*` family.
    pub fn family(self) -> u8 {
        match self {
            IpVersion::V4 => AF_INET,
            IpVersion::V6 => AF_INET6,
        }
    }

    /// The version of `addr`.
    pub fn of(addr: &IpAddr) -> IpVersion {
        if addr.is_ipv4() {
            IpVersion::V4
        } else {
            IpVersion::V6
        }
    }
}

/// The family filter of an optional version (0: every family).
fn family_of(v: Option<IpVersion>) -> u8 {
    v.map_or(0, IpVersion::family)
}

/// A request answered by an acknowledgement, whose errors name `what`.
fn named<R: Request>(req: R, what: String) -> Ack<R> {
    Ack::named(req, what)
}

/// Creates a veth pair `name` ↔ `peer` in the current namespace.
pub fn create_veth<'a>(name: &'a str, peer: &'a str) -> Result<Ack<LinkRequest<'a>>, Error> {
    let kind = LinkKind::Veth {
        peer,
        peer_netns: None,
    };
    LinkRequest::add(name, kind)
        .map(Ack::new)
        .map_err(|e| invalid(format!("create veth link {name:?}"), e))
}

/// Creates a link `name` of `kind` with its settings (a bridge, a VRF, a
/// tunnel, a VXLAN, …); a setting that does not apply to the kind is an
/// error naming the link, before anything is sent.
pub fn create_link<'a>(name: &'a str, kind: LinkKind<'a>) -> Result<Ack<LinkRequest<'a>>, Error> {
    let what = format!("create {} link {name:?}", kind.name());
    LinkRequest::add(name, kind)
        .map(|r| named(r, what.clone()))
        .map_err(|e| invalid(what, e))
}

/// Creates a VRF `name` bound to routing table `table` (enslave links to
/// it with [`set_master`]).
pub fn create_vrf(name: &str, table: u32) -> Result<Ack<LinkRequest<'_>>, Error> {
    create_link(name, LinkKind::Vrf { table })
}

/// Creates a bridge `name` with the kernel's default settings.
pub fn create_bridge(name: &str) -> Result<Ack<LinkRequest<'_>>, Error> {
    create_link(name, LinkKind::Bridge(Default::default()))
}

/// Changes the settings of bridge port `port` (cost, priority, learning,
/// flooding, …); what is not given is kept.
pub fn set_bridge_port<'a>(
    port: impl Into<LinkRef<'a>>,
    settings: crate::route::BridgePort,
) -> Result<Ack<LinkRequest<'a>>, Error> {
    let port = port.into();
    let what = format!("set {port} bridge port settings");
    LinkRequest::set(port)
        .and_then(|r| r.port_settings(crate::route::PortSettings::Bridge(settings)))
        .map(|r| named(r, what.clone()))
        .map_err(|e| invalid(what, e))
}

fn set_link<'a>(
    link: impl Into<LinkRef<'a>>,
    what: &str,
    f: impl FnOnce(LinkRequest<'a>) -> LinkRequest<'a>,
) -> Result<Ack<LinkRequest<'a>>, Error> {
    let link = link.into();
    let what = format!("set {link} {what}");
    match LinkRequest::set(link) {
        Ok(r) => Ok(named(f(r), what)),
        Err(e) => Err(invalid(what, e)),
    }
}

/// Brings the link `link` (a name or an index) up.
pub fn set_link_up<'a>(link: impl Into<LinkRef<'a>>) -> Result<Ack<LinkRequest<'a>>, Error> {
    set_link(link, "up", |r| r.up(true))
}

/// Brings the link `link` down.
pub fn set_link_down<'a>(link: impl Into<LinkRef<'a>>) -> Result<Ack<LinkRequest<'a>>, Error> {
    set_link(link, "down", |r| r.up(false))
}

/// Sets the MTU of the link `link`.
pub fn set_mtu<'a>(link: impl Into<LinkRef<'a>>, mtu: u32) -> Result<Ack<LinkRequest<'a>>, Error> {
    set_link(link, &format!("mtu {mtu}"), |r| r.mtu(mtu))
}

/// Takes the link `link` out of its bridge or bond (`nomaster`).
pub fn set_nomaster<'a>(link: impl Into<LinkRef<'a>>) -> Result<Ack<LinkRequest<'a>>, Error> {
    set_link(link, "nomaster", LinkRequest::nomaster)
}

/// Enslaves the link `link` to the bridge or bond named `master` (looked
/// up first: the kernel takes the master by index).
pub fn set_master<'a>(
    link: impl Into<LinkRef<'a>>,
    master: &'a str,
) -> Result<impl Op<Output = ()> + 'a, Error> {
    let link = link.into();
    let what = format!("set {link} master {master:?}");
    LinkRequest::set(link).map_err(|e| invalid(&what, e))?;
    with_link(master, what, move |index| {
        LinkRequest::set(link)?.master(index)
    })
}

/// Deletes the link named `name`; `Ok(false)` if there was none.
#[derive(Debug)]
pub struct DeleteLinkIfExists<'n> {
    req: LinkRequest<'n>,
    result: Option<Result<bool, Error>>,
}

/// Deletes the link `link` if it exists; returns whether it did.
pub fn delete_link_if_exists<'n>(
    link: impl Into<LinkRef<'n>>,
) -> Result<DeleteLinkIfExists<'n>, Error> {
    let link = link.into();
    LinkRequest::delete(link)
        .map(|req| DeleteLinkIfExists { req, result: None })
        .map_err(|e| invalid(format!("delete {link}"), e))
}

impl Op for DeleteLinkIfExists<'_> {
    type Output = bool;
    fn step(&mut self) -> OpStep<'_, bool> {
        match self.result.take() {
            Some(r) => OpStep::Done(r),
            None => OpStep::Send(&self.req),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        match fold::ack(&self.req, reply) {
            Fold::Finish(r) => {
                self.result = Some(match r {
                    Ok(()) => Ok(true),
                    Err(e) if e.errno() == Some(Errno::ENODEV) => Ok(false),
                    Err(e) => Err(e),
                });
                true
            }
            _ => false,
        }
    }
}

/// Lists the links as `(index, name)`, without building whole link
/// objects.
#[derive(Debug, Default)]
pub struct ListLinks {
    req: GetLinks,
    links: Vec<(u32, String)>,
    result: Option<Result<(), Error>>,
    retries: u8,
}

/// Lists all links as `(index, name)`: one consistent snapshot. A dump
/// interrupted by a concurrent change is read again, up to
/// [`DUMP_RETRIES`](crate::op::DUMP_RETRIES) times.
pub fn list_links() -> ListLinks {
    ListLinks::default()
}

impl Op for ListLinks {
    type Output = Vec<(u32, String)>;
    fn step(&mut self) -> OpStep<'_, Self::Output> {
        match self.result.take() {
            Some(r) => OpStep::Done(r.map(|()| core::mem::take(&mut self.links))),
            None => OpStep::Send(&self.req),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        let links = &mut self.links;
        let mut bad = None;
        let f = fold::views(
            &self.req,
            reply,
            &mut |m| match LinkMessage::from_message(&m) {
                Ok(l) => links.push((l.header.index, String::from(l.name.unwrap_or("")))),
                Err(source) => {
                    bad.get_or_insert(Error::Decode {
                        op: String::from("dump links"),
                        source,
                    });
                }
            },
        );
        if let Some(e) = bad {
            self.result.get_or_insert(Err(e));
        }
        match f {
            Fold::Finish(Err(Error::DumpInterrupted { .. }))
                if self.retries < crate::op::DUMP_RETRIES && self.result.is_none() =>
            {
                self.retries += 1;
                self.links.clear();
                true
            }
            Fold::Finish(r) => {
                let prev = self.result.take();
                self.result = Some(match prev {
                    Some(Err(e)) => Err(e),
                    _ => r,
                });
                true
            }
            _ => false,
        }
    }
}

/// Finds a link's index: at once for a link given by index, with one
/// `RTM_GETLINK` for one given by name. A missing link is
/// [`Error::NoSuchLink`] naming `what` was being done.
#[derive(Debug)]
struct Lookup<'n> {
    req: Option<GetLink<'n>>,
    index: Option<u32>,
    failed: Option<Error>,
}

impl<'n> Lookup<'n> {
    fn new(link: LinkRef<'n>) -> Result<Lookup<'n>, InvalidInput> {
        Ok(match link.check()? {
            LinkRef::Index(i) => Lookup {
                req: None,
                index: Some(i),
                failed: None,
            },
            LinkRef::Name(n) => Lookup {
                req: Some(GetLink::by_name(n)?),
                index: None,
                failed: None,
            },
        })
    }

    /// The request to send while the index is unknown.
    fn pending(&self) -> Option<&GetLink<'n>> {
        self.req
            .as_ref()
            .filter(|_| self.index.is_none() && self.failed.is_none())
    }

    fn reply(&mut self, reply: Reply<'_>, link: LinkRef<'_>, what: &str) -> bool {
        let Some(req) = &self.req else { return true };
        match reply {
            Reply::Item(m) => {
                if let Ok(l) = LinkMessage::from_message(&m) {
                    self.index = Some(l.header.index);
                }
                false
            }
            other => {
                match fold::ack(req, other) {
                    Fold::Finish(Ok(())) if self.index.is_some() => {}
                    Fold::Finish(Ok(())) => {
                        self.failed = Some(Error::NoReply {
                            op: format!("{what}: look up {link}"),
                        })
                    }
                    Fold::Finish(Err(e)) if e.errno() == Some(Errno::ENODEV) => {
                        self.failed = Some(Error::NoSuchLink {
                            op: String::from(what),
                        })
                    }
                    Fold::Finish(Err(e)) => self.failed = Some(e.replace_op(what)),
                    _ => return false,
                }
                true
            }
        }
    }
}

/// Looks up the link `link` (by name), then sends the request `build`
/// makes from its index and waits for the acknowledgement. Every error
/// names `what` the caller asked for.
pub struct WithLink<'n, R, F> {
    link: LinkRef<'n>,
    what: String,
    lookup: Lookup<'n>,
    build: Option<F>,
    req: Option<R>,
    result: Option<Result<(), Error>>,
}

impl<R: core::fmt::Debug, F> core::fmt::Debug for WithLink<'_, R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WithLink")
            .field("what", &self.what)
            .field("index", &self.lookup.index)
            .field("req", &self.req)
            .finish_non_exhaustive()
    }
}

/// An op on the link `link` (a name or an index): find its index, then
/// send `build(index)`. Errors name `what` (`add address 192.0.2.1/24 to
/// "veth0"`), whatever step failed.
pub fn with_link<'n, R, F>(
    link: impl Into<LinkRef<'n>>,
    what: String,
    build: F,
) -> Result<WithLink<'n, R, F>, Error>
where
    R: Request,
    F: FnOnce(u32) -> Result<R, InvalidInput>,
{
    let link = link.into();
    let lookup = Lookup::new(link).map_err(|e| invalid(&what, e))?;
    Ok(WithLink {
        link,
        what,
        lookup,
        build: Some(build),
        req: None,
        result: None,
    })
}

impl<R, F> Op for WithLink<'_, R, F>
where
    R: Request,
    F: FnOnce(u32) -> Result<R, InvalidInput>,
{
    type Output = ();
    fn step(&mut self) -> OpStep<'_, ()> {
        if let Some(r) = self.result.take() {
            return OpStep::Done(r);
        }
        if let Some(e) = self.lookup.failed.take() {
            return OpStep::Done(Err(e));
        }
        if self.req.is_none()
            && let Some(index) = self.lookup.index
            && let Some(build) = self.build.take()
        {
            match build(index) {
                Ok(req) => self.req = Some(req),
                Err(e) => return OpStep::Done(Err(invalid(&self.what, e))),
            }
        }
        match (&self.req, self.lookup.pending()) {
            (Some(r), _) => OpStep::Send(r),
            (None, Some(l)) => OpStep::Send(l),
            (None, None) => OpStep::Done(Err(Error::NoReply {
                op: self.what.clone(),
            })),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        if let Some(req) = &self.req {
            return match fold::ack(req, reply) {
                Fold::Finish(r) => {
                    self.result = Some(r.map_err(|e| e.replace_op(&self.what)));
                    true
                }
                _ => false,
            };
        }
        self.lookup.reply(reply, self.link, &self.what)
    }
}

/// Adds `addr/prefix_len` to the link `dev` (a name or an index).
pub fn add_address<'n>(
    dev: impl Into<LinkRef<'n>>,
    addr: IpAddr,
    prefix_len: u8,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let what = format!("add address {addr}/{prefix_len} to {}", dev.name_or_index());
    // Validate before anything is sent (index 1 stands in for the link).
    AddressRequest::add(1, addr, prefix_len).map_err(|e| invalid(&what, e))?;
    with_link(dev, what, move |index| {
        AddressRequest::add(index, addr, prefix_len)
    })
}

/// Deletes `addr/prefix_len` from the link `dev`.
pub fn delete_address<'n>(
    dev: impl Into<LinkRef<'n>>,
    addr: IpAddr,
    prefix_len: u8,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let what = format!(
        "delete address {addr}/{prefix_len} from {}",
        dev.name_or_index()
    );
    AddressRequest::delete(1, addr, prefix_len).map_err(|e| invalid(&what, e))?;
    with_link(dev, what, move |index| {
        AddressRequest::delete(index, addr, prefix_len)
    })
}

/// Adds a default route out of the link `dev` (scope link, no gateway),
/// for IP version `version` (`ip route add default dev DEV`).
pub fn add_default_route<'n>(
    dev: impl Into<LinkRef<'n>>,
    version: IpVersion,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let v = if version == IpVersion::V4 { "" } else { "-6 " };
    let what = format!("add {v}default route dev {}", dev.name_or_index());
    with_link(dev, what, move |index| {
        let r = match version {
            IpVersion::V4 => RouteRequest::default_v4(),
            IpVersion::V6 => RouteRequest::default_v6(),
        };
        Ok(r.oif(index)?.scope(RT_SCOPE_LINK))
    })
}

fn route_via(
    verb: &str,
    dst: IpAddr,
    dst_len: u8,
    gateway: IpAddr,
    make: fn(IpAddr, u8) -> Result<RouteRequest<'static>, InvalidInput>,
) -> Result<Ack<RouteRequest<'static>>, Error> {
    let what = format!("{verb} route {dst}/{dst_len} via {gateway}");
    let r = make(dst, dst_len)
        .and_then(|r| r.gateway(gateway))
        .map_err(|e| invalid(&what, e))?;
    Ok(named(r, what))
}

/// Adds a default route via `gateway` (`ip route add default via GW`); the
/// family is the gateway's.
pub fn add_default_route_via(gateway: IpAddr) -> Result<Ack<RouteRequest<'static>>, Error> {
    let any = match IpVersion::of(&gateway) {
        IpVersion::V4 => IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
        IpVersion::V6 => IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED),
    };
    route_via("add", any, 0, gateway, RouteRequest::add)
}

/// Adds the route to `dst/dst_len` via `gateway` (`ip route add DST via
/// GW`). Families must match; that is checked before anything is sent.
pub fn add_route_via(
    dst: IpAddr,
    dst_len: u8,
    gateway: IpAddr,
) -> Result<Ack<RouteRequest<'static>>, Error> {
    route_via("add", dst, dst_len, gateway, RouteRequest::add)
}

/// Adds or replaces the route to `dst/dst_len` via `gateway` (`ip route
/// replace DST via GW`).
pub fn replace_route_via(
    dst: IpAddr,
    dst_len: u8,
    gateway: IpAddr,
) -> Result<Ack<RouteRequest<'static>>, Error> {
    route_via("replace", dst, dst_len, gateway, RouteRequest::replace)
}

fn route_dev<'n>(
    verb: &'static str,
    dev: LinkRef<'n>,
    dst: IpAddr,
    dst_len: u8,
    src: Option<IpAddr>,
    make: fn(IpAddr, u8) -> Result<RouteRequest<'static>, InvalidInput>,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let mut what = format!("{verb} route {dst}/{dst_len} dev {}", dev.name_or_index());
    if let Some(s) = src {
        what = format!("{what} src {s}");
    }
    let mut r = make(dst, dst_len).map_err(|e| invalid(&what, e))?;
    if let Some(s) = src {
        r = r.prefsrc(s).map_err(|e| invalid(&what, e))?;
    }
    with_link(dev, what, move |index| r.oif(index))
}

/// Adds the route to `dst/dst_len` out of the link `dev`, with an optional
/// preferred source address (`ip route add DST dev DEV [src SRC]`).
pub fn add_route_dev<'n>(
    dev: impl Into<LinkRef<'n>>,
    dst: IpAddr,
    dst_len: u8,
    src: Option<IpAddr>,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    route_dev("add", dev.into(), dst, dst_len, src, RouteRequest::add)
}

/// Adds or replaces the route to `dst/dst_len` out of the link `dev`
/// (`ip route replace DST dev DEV [src SRC]`). Families must match; that
/// is checked before anything is sent.
pub fn replace_route_dev<'n>(
    dev: impl Into<LinkRef<'n>>,
    dst: IpAddr,
    dst_len: u8,
    src: Option<IpAddr>,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    route_dev(
        "replace",
        dev.into(),
        dst,
        dst_len,
        src,
        RouteRequest::replace,
    )
}

/// Deletes the route to `dst/dst_len` in the main table (`ip route del
/// DST`).
pub fn delete_route(dst: IpAddr, dst_len: u8) -> Result<Ack<RouteRequest<'static>>, Error> {
    let what = format!("delete route {dst}/{dst_len}");
    let r = RouteRequest::delete(dst, dst_len).map_err(|e| invalid(&what, e))?;
    Ok(named(r, what))
}

/// Moves the link `dev` into namespace `ns`, renaming it to `new_name` in
/// the same request: it either moves and takes the name, or (the name
/// being taken there, say) fails.
///
/// It is one request, not one event: when `dev`'s own name is free in
/// `ns`, the kernel moves it under that name and then renames it, so a
/// watcher of `ns` sees the old name first (two `RTM_NEWLINK`s); only when
/// the old name is taken there does it arrive under `new_name` directly.
/// If the new name is taken there while the old one is free, the link has
/// moved by the time the rename fails (`EEXIST`).
pub fn move_link_to_netns<'a>(
    dev: impl Into<LinkRef<'a>>,
    ns: NetnsRef,
    new_name: Option<&'a str>,
) -> Result<impl Op<Output = ()> + 'a, Error> {
    let dev = dev.into();
    let mut what = format!("move {dev} to another network namespace");
    if let Some(n) = new_name {
        what = format!("{what} as {n:?}");
        validate_ifname(n).map_err(|e| invalid(&what, e))?;
    }
    with_link(dev, what, move |index| {
        let s = LinkRequest::set(index)?.netns(ns);
        match new_name {
            Some(n) => s.rename(n),
            None => Ok(s),
        }
    })
}

/// Adds the remote VXLAN endpoint `remote` to the flood list of VXLAN
/// device `dev` (`bridge fdb append 00:00:00:00:00:00 dev DEV dst REMOTE`):
/// broadcast, multicast and unknown unicast frames go to every remote
/// appended. Appending a remote already there fails with `EEXIST`.
pub fn append_fdb_flood<'n>(
    dev: impl Into<LinkRef<'n>>,
    remote: IpAddr,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let what = format!("append flood remote {remote} to {}", dev.name_or_index());
    with_link(dev, what, move |index| {
        Ok(FdbRequest::append(index, [0; 6]).dst(remote))
    })
}

/// Points `mac` at the remote VXLAN endpoint `remote` in VXLAN device
/// `dev`'s table (`bridge fdb replace MAC dev DEV dst REMOTE`; a replace,
/// so running it again moves the MAC).
pub fn replace_fdb_remote<'n>(
    dev: impl Into<LinkRef<'n>>,
    mac: [u8; 6],
    remote: IpAddr,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let what = format!("point {} at {remote} on {}", Mac(&mac), dev.name_or_index());
    with_link(dev, what, move |index| {
        Ok(FdbRequest::replace(index, mac).dst(remote))
    })
}

/// Pins `mac` to bridge port `port` in its bridge's table, static
/// (`bridge fdb replace MAC dev PORT master static`).
pub fn replace_fdb_static<'n>(
    port: impl Into<LinkRef<'n>>,
    mac: [u8; 6],
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let port = port.into();
    let what = format!("pin {} to {}", Mac(&mac), port.name_or_index());
    with_link(port, what, move |index| {
        Ok(FdbRequest::replace(index, mac)
            .on_master()
            .state(FdbState::Static))
    })
}

/// Deletes the entry for `mac` from `dev`'s table: its own
/// (`bridge fdb del MAC dev DEV`), or with `master` its bridge's
/// (`… master`). On a VXLAN device this deletes every remote of `mac`.
pub fn delete_fdb_entry<'n>(
    dev: impl Into<LinkRef<'n>>,
    mac: [u8; 6],
    master: bool,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let dev = dev.into();
    let what = format!("delete fdb entry {} of {}", Mac(&mac), dev.name_or_index());
    with_link(dev, what, move |index| {
        let r = FdbRequest::delete(index, mac);
        Ok(if master { r.on_master() } else { r })
    })
}

/// Lets VLAN `vid` through bridge port `port` tagged (`bridge vlan add
/// dev PORT vid VID`).
pub fn add_bridge_vlan<'n>(
    port: impl Into<LinkRef<'n>>,
    vid: u16,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let port = port.into();
    let what = format!("add vlan {vid} to {}", port.name_or_index());
    BridgeVlanRequest::add(1, vid).map_err(|e| invalid(&what, e))?;
    with_link(port, what, move |index| BridgeVlanRequest::add(index, vid))
}

/// Makes bridge port `port` an access port of VLAN `vid`: untagged frames
/// that come in join it, and its frames leave untagged (`bridge vlan add
/// dev PORT vid VID pvid untagged`).
pub fn set_bridge_access_vlan<'n>(
    port: impl Into<LinkRef<'n>>,
    vid: u16,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let port = port.into();
    let what = format!("make {} an access port of vlan {vid}", port.name_or_index());
    BridgeVlanRequest::add(1, vid).map_err(|e| invalid(&what, e))?;
    with_link(port, what, move |index| {
        Ok(BridgeVlanRequest::add(index, vid)?.pvid().untagged())
    })
}

/// Removes VLAN `vid` from bridge port `port` (`bridge vlan del dev PORT
/// vid VID`).
pub fn delete_bridge_vlan<'n>(
    port: impl Into<LinkRef<'n>>,
    vid: u16,
) -> Result<impl Op<Output = ()> + 'n, Error> {
    let port = port.into();
    let what = format!("delete vlan {vid} from {}", port.name_or_index());
    BridgeVlanRequest::delete(1, vid).map_err(|e| invalid(&what, e))?;
    with_link(port, what, move |index| {
        BridgeVlanRequest::delete(index, vid)
    })
}

/// Finds a link, dumps what belongs to it, then deletes each in turn: the
/// shape of [`flush_addresses`] and [`flush_routes`].
pub struct Flush<'n, K: Flushed> {
    link: LinkRef<'n>,
    what: String,
    lookup: Lookup<'n>,
    family: u8,
    dump: Option<K::Dump>,
    found: Vec<K::Found>,
    current: Option<K::Delete>,
    deleted: usize,
    listed: bool,
    /// Listings read so far; a listing the kernel marked interrupted is
    /// followed by another round, up to `DUMP_RETRIES` more.
    rounds: u8,
    again: bool,
    result: Option<Result<usize, Error>>,
}

impl<K: Flushed> core::fmt::Debug for Flush<'_, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Flush")
            .field("what", &self.what)
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

/// What a [`Flush`] dumps, keeps and deletes ([`Addresses`], [`Routes`]).
pub trait Flushed {
    /// The dump of a link's objects.
    type Dump: Request;
    /// What is kept of each object to delete it.
    type Found;
    /// The request deleting one.
    type Delete: Request;
    /// The dump of the link's objects.
    fn dump(index: u32, family: u8) -> Self::Dump;
    /// What to keep of one dumped message (`None`: not this link's).
    fn keep(m: &crate::wire::Message<'_>, index: u32) -> Option<Self::Found>;
    /// The request deleting one kept object.
    fn delete(found: &Self::Found, index: u32) -> Result<Self::Delete, InvalidInput>;
    /// Errors that mean the object is already gone.
    const GONE: Errno;
}

/// Marker for address flushes.
#[derive(Debug)]
pub enum Addresses {}
/// Marker for route flushes.
#[derive(Debug)]
pub enum Routes {}

impl Flushed for Addresses {
    type Dump = GetAddresses;
    type Found = (IpAddr, u8, Option<IpAddr>);
    type Delete = AddressRequest<'static>;
    fn dump(index: u32, family: u8) -> GetAddresses {
        GetAddresses::new().link(index).family(family)
    }
    fn keep(m: &crate::wire::Message<'_>, index: u32) -> Option<Self::Found> {
        let a = AddressMessage::from_message(m).ok()?;
        (a.header.index == index).then_some(())?;
        Some((a.addr()?, a.header.prefix_len, a.peer()))
    }
    fn delete(&(a, len, peer): &Self::Found, index: u32) -> Result<Self::Delete, InvalidInput> {
        let d = AddressRequest::delete(index, a, len)?;
        match peer {
            Some(p) => d.peer(p),
            None => Ok(d),
        }
    }
    const GONE: Errno = Errno::EADDRNOTAVAIL;
}

/// One route of a flush: destination, table, metric, type.
type RouteKey = (IpAddr, u8, u32, Option<u32>, u8, u8);

impl Flushed for Routes {
    type Dump = GetRoutes;
    type Found = RouteKey;
    type Delete = RouteRequest<'static>;
    fn dump(_index: u32, family: u8) -> GetRoutes {
        match family {
            AF_INET => GetRoutes::ipv4(),
            AF_INET6 => GetRoutes::ipv6(),
            _ => GetRoutes::all_families(),
        }
        .table(RT_TABLE_MAIN)
    }
    fn keep(m: &crate::wire::Message<'_>, index: u32) -> Option<Self::Found> {
        let r = RouteMessage::from_message(m).ok()?;
        if r.oif != Some(index) || r.table != RT_TABLE_MAIN {
            return None;
        }
        let dst = r.dst.or(match r.header.family {
            AF_INET => Some(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED)),
            AF_INET6 => Some(IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED)),
            _ => None,
        })?;
        Some((
            dst,
            r.header.dst_len,
            r.table,
            r.priority,
            r.header.kind,
            r.header.tos,
        ))
    }
    fn delete(
        &(dst, len, table, metric, kind, tos): &Self::Found,
        index: u32,
    ) -> Result<Self::Delete, InvalidInput> {
        let mut d = RouteRequest::delete(dst, len)?
            .table(table)
            .kind(kind)
            .tos(tos)
            .oif(index)?;
        if let Some(m) = metric {
            d = d.metric(m);
        }
        Ok(d)
    }
    const GONE: Errno = Errno::ESRCH;
}

fn flush<'n, K: Flushed>(
    link: LinkRef<'n>,
    what: String,
    family: u8,
) -> Result<Flush<'n, K>, Error> {
    let lookup = Lookup::new(link).map_err(|e| invalid(&what, e))?;
    Ok(Flush {
        link,
        what,
        lookup,
        family,
        dump: None,
        found: Vec::new(),
        current: None,
        deleted: 0,
        listed: false,
        rounds: 0,
        again: false,
        result: None,
    })
}

/// Deletes every address of the link `dev` (of one IP version, or all);
/// returns how many were deleted (`ip address flush dev DEV`). An address
/// that vanished meanwhile is not an error.
pub fn flush_addresses<'n>(
    dev: impl Into<LinkRef<'n>>,
    version: Option<IpVersion>,
) -> Result<impl Op<Output = usize> + 'n, Error> {
    let dev = dev.into();
    let what = format!("flush addresses of {}", dev.name_or_index());
    flush::<Addresses>(dev, what, family_of(version))
}

/// Deletes every route of the main table out of the link `dev` (of one IP
/// version, or all); returns how many were deleted (`ip route flush dev
/// DEV`). A route that vanished meanwhile is not an error.
pub fn flush_routes<'n>(
    dev: impl Into<LinkRef<'n>>,
    version: Option<IpVersion>,
) -> Result<impl Op<Output = usize> + 'n, Error> {
    let dev = dev.into();
    let what = format!("flush routes of {}", dev.name_or_index());
    flush::<Routes>(dev, what, family_of(version))
}

impl<K: Flushed> Op for Flush<'_, K> {
    type Output = usize;
    fn step(&mut self) -> OpStep<'_, usize> {
        if let Some(r) = self.result.take() {
            return OpStep::Done(r);
        }
        if let Some(e) = self.lookup.failed.take() {
            return OpStep::Done(Err(e));
        }
        let Some(index) = self.lookup.index else {
            return match self.lookup.pending() {
                Some(l) => OpStep::Send(l),
                None => OpStep::Done(Err(Error::NoReply {
                    op: self.what.clone(),
                })),
            };
        };
        if !self.listed {
            let family = self.family;
            return OpStep::Send(self.dump.get_or_insert_with(|| K::dump(index, family)));
        }
        match self.found.pop() {
            Some(x) => match K::delete(&x, index) {
                Ok(req) => OpStep::Send(self.current.insert(req)),
                Err(e) => OpStep::Done(Err(invalid(&self.what, e))),
            },
            None if self.again && self.rounds <= crate::op::DUMP_RETRIES => {
                // The listing was interrupted by a concurrent change: what
                // it found is deleted; list again for what it may have
                // missed.
                self.again = false;
                self.listed = false;
                let family = self.family;
                OpStep::Send(self.dump.insert(K::dump(index, family)))
            }
            // Still interrupted after every retry: what was found is gone,
            // but the flush cannot say that nothing was missed.
            None if self.again => OpStep::Done(Err(Error::DumpInterrupted {
                op: self.what.clone(),
            })),
            None => OpStep::Done(Ok(self.deleted)),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        let Some(index) = self.lookup.index else {
            return self.lookup.reply(reply, self.link, &self.what);
        };
        if !self.listed {
            let Some(dump) = &self.dump else { return true };
            let found = &mut self.found;
            return match fold::views(dump, reply, &mut |m| found.extend(K::keep(&m, index))) {
                Fold::Finish(r) => {
                    self.listed = true;
                    self.rounds += 1;
                    match r {
                        Ok(()) => {}
                        Err(Error::DumpInterrupted { .. }) => self.again = true,
                        Err(e) => self.result = Some(Err(e.replace_op(&self.what))),
                    }
                    true
                }
                _ => false,
            };
        }
        let Some(req) = &self.current else {
            return true;
        };
        match fold::ack(req, reply) {
            Fold::Finish(Ok(())) => {
                self.deleted += 1;
                true
            }
            Fold::Finish(Err(e)) if e.errno() == Some(K::GONE) => true,
            Fold::Finish(Err(e)) => {
                let op = format!("{}: {}", self.what, crate::request::Describe(req));
                self.result = Some(Err(e.replace_op(op)));
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelError;
    use crate::wire::{Message, Messages, Writer};
    use alloc::string::ToString;

    fn sent(op: &mut impl Op) -> std::vec::Vec<u8> {
        let OpStep::Send(r) = op.step() else {
            panic!("expected a request")
        };
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn first(b: &[u8]) -> Message<'_> {
        Messages::new(b).next().unwrap().unwrap()
    }

    fn kernel(errno: Errno) -> Error {
        KernelError::new(errno.0, &Default::default()).into()
    }

    /// Answers a link lookup with link `index`.
    fn answer_lookup(op: &mut impl Op, index: u32, name: &str) {
        let b = sent(op);
        assert_eq!(first(&b).kind(), crate::route::RTM_GETLINK);
        let mut lb = [0u8; 256];
        let n = crate::route::link::tests_support::link_message(&mut lb, index, name);
        assert!(!op.reply(Reply::Item(first(&lb[..n]))));
        assert!(op.reply(Reply::Ack));
    }

    fn done_err(op: &mut impl Op) -> Error {
        match op.step() {
            OpStep::Done(Err(e)) => e,
            s => panic!("{s:?}"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn delete_if_exists_maps_enodev_to_false() {
        let mut op = delete_link_if_exists("veth9").unwrap();
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Failed(kernel(Errno::ENODEV))));
        assert!(matches!(op.step(), OpStep::Done(Ok(false))));
        let mut op = delete_link_if_exists("veth9").unwrap();
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Failed(kernel(Errno::EPERM))));
        let e = done_err(&mut op);
        assert!(e.to_string().starts_with("delete link \"veth9\""), "{e}");
        assert!(delete_link_if_exists("bad/name").is_err());
    }

    #[test]
    fn with_link_looks_up_then_acts_and_names_the_link() {
        let mut op = add_address("eth0", ip("192.0.2.1"), 24).unwrap();
        answer_lookup(&mut op, 7, "eth0");
        let b = sent(&mut op);
        let m = first(&b);
        assert_eq!(m.kind(), crate::route::RTM_NEWADDR);
        assert_eq!(AddressMessage::parse(m.payload()).unwrap().header.index, 7);
        // The kernel refuses: the error names the link as the caller did,
        // not "link index 7".
        assert!(op.reply(Reply::Failed(kernel(Errno::EEXIST))));
        let e = done_err(&mut op);
        assert_eq!(e.errno(), Some(Errno::EEXIST));
        assert!(
            e.to_string()
                .starts_with("add address 192.0.2.1/24 to \"eth0\": EEXIST"),
            "{e}"
        );
    }

    #[test]
    fn by_index_needs_no_lookup() {
        let mut op = add_address(7u32, ip("2001:db8::1"), 64).unwrap();
        let b = sent(&mut op);
        assert_eq!(first(&b).kind(), crate::route::RTM_NEWADDR);
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(()))));
    }

    #[test]
    fn a_missing_link_says_what_it_was_for() {
        let mut op = add_address("nosuch0", ip("192.0.2.1"), 24).unwrap();
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Failed(kernel(Errno::ENODEV))));
        let e = done_err(&mut op);
        assert_eq!(
            e.to_string(),
            "add address 192.0.2.1/24 to \"nosuch0\": no such link"
        );
        assert_eq!(e.errno(), Some(Errno::ENODEV));
    }

    #[test]
    fn bad_input_is_refused_before_anything_is_sent() {
        assert!(add_address("eth0", ip("192.0.2.1"), 33).is_err());
        let e = replace_route_dev("eth0", ip("198.51.100.0"), 24, Some(ip("2001:db8::1")))
            .err()
            .unwrap();
        assert!(e.to_string().contains("source address is IPv6"), "{e}");
        let e = add_route_via(ip("198.51.100.0"), 24, ip("2001:db8::1")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("add route 198.51.100.0/24 via 2001:db8::1: gateway is IPv6"),
            "{e}"
        );
        assert!(move_link_to_netns("eth0", NetnsRef::Pid(1), Some("a/b")).is_err());
        assert!(set_link_up("").is_err());
        assert!(flush_addresses(0u32, None).is_err());
    }

    #[test]
    fn route_via_a_gateway_and_default_route_via() {
        let mut op = add_default_route_via(ip("192.0.2.254")).unwrap();
        let b = sent(&mut op);
        let r = RouteMessage::from_message(&first(&b)).unwrap();
        assert_eq!((r.dst, r.header.dst_len), (None, 0));
        assert_eq!(r.header.family, AF_INET);
        assert_eq!(r.gateway, Some(ip("192.0.2.254")));
        let mut op = replace_route_via(ip("2001:db8:5::"), 48, ip("2001:db8::fe")).unwrap();
        let b = sent(&mut op);
        let m = first(&b);
        assert_ne!(m.flags() & crate::wire::NLM_F_REPLACE, 0);
        let r = RouteMessage::from_message(&m).unwrap();
        assert_eq!(r.gateway, Some(ip("2001:db8::fe")));
    }

    #[test]
    fn set_master_looks_the_master_up() {
        let mut op = set_master("veth0", "br0").unwrap();
        answer_lookup(&mut op, 12, "br0");
        let b = sent(&mut op);
        let l = LinkMessage::from_message(&first(&b)).unwrap();
        assert_eq!(l.name, Some("veth0"));
        assert_eq!(l.master, Some(12));
    }

    #[test]
    fn default_route_takes_a_version() {
        let mut op = add_default_route("eth0", IpVersion::V6).unwrap();
        answer_lookup(&mut op, 3, "eth0");
        let b = sent(&mut op);
        let r = RouteMessage::from_message(&first(&b)).unwrap();
        assert_eq!(r.header.family, AF_INET6);
        assert_eq!(r.oif, Some(3));
        assert_eq!(r.header.scope, RT_SCOPE_LINK);
    }

    /// A route as a dump would carry it.
    fn route(buf: &mut [u8], dst: &str, len: u8, oif: u32, table: u32) -> usize {
        let mut w = Writer::new(buf);
        RouteRequest::add(ip(dst), len)
            .unwrap()
            .oif(oif)
            .unwrap()
            .table(table)
            .metric(100)
            .emit(&mut w, 1, 0);
        w.finish().unwrap()
    }

    #[test]
    fn flush_routes_deletes_only_the_links_main_routes() {
        let mut op = flush_routes("eth0", Some(IpVersion::V4)).unwrap();
        answer_lookup(&mut op, 4, "eth0");
        let b = sent(&mut op);
        let m = first(&b);
        assert_eq!(m.kind(), crate::route::RTM_GETROUTE);
        let mut buf = [0u8; 256];
        for (dst, oif, table) in [
            ("198.51.100.0", 4, RT_TABLE_MAIN),
            ("203.0.113.0", 5, RT_TABLE_MAIN),
            ("192.0.2.0", 4, 100),
        ] {
            let n = route(&mut buf, dst, 24, oif, table);
            assert!(!op.reply(Reply::Item(first(&buf[..n]))));
        }
        assert!(op.reply(Reply::Done { interrupted: false }));
        let b = sent(&mut op);
        let m = first(&b);
        assert_eq!(m.kind(), crate::route::RTM_DELROUTE);
        let r = RouteMessage::from_message(&m).unwrap();
        assert_eq!(r.dst, Some(ip("198.51.100.0")));
        assert_eq!(
            (r.oif, r.table, r.priority),
            (Some(4), RT_TABLE_MAIN, Some(100))
        );
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(1))));
    }

    #[test]
    fn flush_addresses_skips_vanished_ones() {
        let mut op = flush_addresses(9u32, None).unwrap();
        let b = sent(&mut op);
        assert_eq!(first(&b).kind(), crate::route::RTM_GETADDR);
        let mut buf = [0u8; 256];
        for a in ["192.0.2.1", "192.0.2.2"] {
            let mut w = Writer::new(&mut buf);
            AddressRequest::add(9, ip(a), 24)
                .unwrap()
                .emit(&mut w, 1, 0);
            let n = w.finish().unwrap();
            assert!(!op.reply(Reply::Item(first(&buf[..n]))));
        }
        assert!(op.reply(Reply::Done { interrupted: false }));
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Failed(kernel(Errno::EADDRNOTAVAIL))));
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(1))));
    }

    #[test]
    fn an_interrupted_flush_listing_is_followed_by_another_round() {
        let mut op = flush_routes("eth0", Some(IpVersion::V4)).unwrap();
        answer_lookup(&mut op, 4, "eth0");
        let mut buf = [0u8; 256];
        // Round 1: one route, and the kernel says the table changed.
        assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_GETROUTE);
        let n = route(&mut buf, "198.51.100.0", 24, 4, RT_TABLE_MAIN);
        assert!(!op.reply(Reply::Item(first(&buf[..n]))));
        assert!(op.reply(Reply::Done { interrupted: true }));
        // What was found is deleted first…
        assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_DELROUTE);
        assert!(op.reply(Reply::Ack));
        // …then the link's routes are listed again and the missed one goes.
        assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_GETROUTE);
        let n = route(&mut buf, "203.0.113.0", 24, 4, RT_TABLE_MAIN);
        assert!(!op.reply(Reply::Item(first(&buf[..n]))));
        assert!(op.reply(Reply::Done { interrupted: false }));
        let b = sent(&mut op);
        let r = RouteMessage::from_message(&first(&b)).unwrap();
        assert_eq!(r.dst, Some(ip("203.0.113.0")));
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(2))));
    }

    #[test]
    fn a_flush_interrupted_every_time_fails_after_the_retries() {
        let mut op = flush_addresses(9u32, None).unwrap();
        for _ in 0..=crate::op::DUMP_RETRIES {
            assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_GETADDR);
            assert!(op.reply(Reply::Done { interrupted: true }));
        }
        let e = done_err(&mut op);
        assert!(matches!(e, Error::DumpInterrupted { .. }), "{e}");
        assert!(
            e.to_string().starts_with("flush addresses of link index 9"),
            "{e}"
        );
    }

    #[test]
    fn list_links_reads_an_interrupted_dump_again() {
        let mut op = list_links();
        let mut lb = [0u8; 256];
        assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_GETLINK);
        let n = crate::route::link::tests_support::link_message(&mut lb, 3, "old0");
        assert!(!op.reply(Reply::Item(first(&lb[..n]))));
        assert!(op.reply(Reply::Done { interrupted: true }));
        // The second reading is the answer; the first one's links are gone.
        assert_eq!(first(&sent(&mut op)).kind(), crate::route::RTM_GETLINK);
        let n = crate::route::link::tests_support::link_message(&mut lb, 4, "new0");
        assert!(!op.reply(Reply::Item(first(&lb[..n]))));
        assert!(op.reply(Reply::Done { interrupted: false }));
        match op.step() {
            OpStep::Done(Ok(l)) => assert_eq!(l, [(4, String::from("new0"))]),
            s => panic!("{s:?}"),
        }
        // Interrupted every time: the error, after DUMP_RETRIES readings more.
        let mut op = list_links();
        for _ in 0..=crate::op::DUMP_RETRIES {
            let _ = sent(&mut op);
            assert!(op.reply(Reply::Done { interrupted: true }));
        }
        assert!(matches!(done_err(&mut op), Error::DumpInterrupted { .. }));
    }
}
