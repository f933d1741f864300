//! The everyday rtnetlink operations (`alloc`), re-exported as
//! [`crate::ops`]: each is an [`Op`] written once and run by every runtime.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::{
    AddressMessage, AddressRequest, GetAddresses, GetLink, GetLinks, LinkKind, LinkMessage,
    LinkRequest, NetnsRef, RouteRequest,
};
use crate::errno::Errno;
use crate::error::Error;
use crate::fold::{self, Fold, Reply};
use crate::input::InvalidInput;
use crate::op::{Ack, Op, OpStep, invalid};
use crate::request::{Describe, Request};

/// Creates a veth pair `name` ↔ `peer` in the current namespace.
pub fn create_veth<'a>(name: &'a str, peer: &'a str) -> Result<Ack<LinkRequest<'a>>, Error> {
    let kind = LinkKind::Veth {
        peer,
        peer_netns: None,
    };
    LinkRequest::add(name, kind)
        .map(Ack::new)
        .map_err(|e| invalid(alloc::format!("create veth link {name:?}"), e))
}

/// Brings the link named `name` up.
pub fn set_link_up(name: &str) -> Result<Ack<LinkRequest<'_>>, Error> {
    LinkRequest::set(name)
        .map(|s| Ack::new(s.up(true)))
        .map_err(|e| invalid(alloc::format!("set link {name:?} up"), e))
}

/// Deletes the link named `name`; `Ok(false)` if there was none.
#[derive(Debug)]
pub struct DeleteLinkIfExists<'n> {
    req: LinkRequest<'n>,
    result: Option<Result<bool, Error>>,
}

/// Deletes the link named `name` if it exists; returns whether it did.
pub fn delete_link_if_exists(name: &str) -> Result<DeleteLinkIfExists<'_>, Error> {
    LinkRequest::delete(name)
        .map(|req| DeleteLinkIfExists { req, result: None })
        .map_err(|e| invalid(alloc::format!("delete link {name:?}"), e))
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
}

/// Lists all links as `(index, name)`.
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

/// Looks up the link named `name`, then sends the request `build` makes
/// from its index and waits for the acknowledgement.
pub struct WithLink<'n, R, F> {
    name: &'n str,
    lookup: GetLink<'n>,
    build: Option<F>,
    req: Option<R>,
    index: Option<u32>,
    result: Option<Result<(), Error>>,
}

impl<R: core::fmt::Debug, F> core::fmt::Debug for WithLink<'_, R, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WithLink")
            .field("name", &self.name)
            .field("index", &self.index)
            .field("req", &self.req)
            .finish_non_exhaustive()
    }
}

/// An op on the link named `name`: look it up, then send `build(index)`.
pub fn with_link<R, F>(name: &str, build: F) -> Result<WithLink<'_, R, F>, Error>
where
    R: Request,
    F: FnOnce(u32) -> Result<R, InvalidInput>,
{
    let lookup = GetLink::by_name(name).map_err(|e| invalid(alloc::format!("link {name:?}"), e))?;
    Ok(WithLink {
        name,
        lookup,
        build: Some(build),
        req: None,
        index: None,
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
        if let Some(index) = self.index.take() {
            let build = self.build.take().expect("built once");
            match build(index) {
                Ok(req) => self.req = Some(req),
                Err(e) => {
                    return OpStep::Done(Err(invalid(alloc::format!("link {:?}", self.name), e)));
                }
            }
        }
        match &self.req {
            Some(r) => OpStep::Send(r),
            None => OpStep::Send(&self.lookup),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        if let Some(req) = &self.req {
            return match fold::ack(req, reply) {
                Fold::Finish(r) => {
                    self.result = Some(r);
                    true
                }
                _ => false,
            };
        }
        match reply {
            Reply::Item(m) => {
                if let Ok(l) = LinkMessage::from_message(&m) {
                    self.index = Some(l.header.index);
                }
                false
            }
            other => match fold::ack(&self.lookup, other) {
                Fold::Finish(Ok(())) => {
                    if self.index.is_none() {
                        self.result = Some(Err(Error::NoReply {
                            op: alloc::format!("{}", Describe(&self.lookup)),
                        }));
                    }
                    true
                }
                Fold::Finish(Err(e)) => {
                    self.result = Some(Err(e));
                    true
                }
                _ => false,
            },
        }
    }
}

/// Adds `addr/prefix_len` to the link named `dev`.
pub fn add_address(
    dev: &str,
    addr: IpAddr,
    prefix_len: u8,
) -> Result<impl Op<Output = ()> + '_, Error> {
    // Validate before anything is sent (index 1 stands in for the link).
    AddressRequest::add(1, addr, prefix_len)
        .map_err(|e| invalid(alloc::format!("add address {addr}/{prefix_len}"), e))?;
    with_link(dev, move |index| {
        AddressRequest::add(index, addr, prefix_len)
    })
}

/// Adds a default route out of the link named `dev` (scope link, no
/// gateway), for IPv4 (`ipv6 == false`) or IPv6.
pub fn add_default_route(dev: &str, ipv6: bool) -> Result<impl Op<Output = ()> + '_, Error> {
    with_link(dev, move |index| {
        let r = if ipv6 {
            RouteRequest::default_v6()
        } else {
            RouteRequest::default_v4()
        };
        r.oif(index)
            .map(|r| r.scope(crate::route::route::RT_SCOPE_LINK))
    })
}

/// Adds or replaces the route to `dst/dst_len` out of the link named
/// `dev`, with an optional preferred source address. Families must match;
/// that is checked before anything is sent.
pub fn replace_route_via(
    dev: &str,
    dst: IpAddr,
    dst_len: u8,
    src: Option<IpAddr>,
) -> Result<impl Op<Output = ()> + '_, Error> {
    let what = || alloc::format!("replace route {dst}/{dst_len}");
    let mut r = RouteRequest::replace(dst, dst_len).map_err(|e| invalid(what(), e))?;
    if let Some(s) = src {
        r = r.prefsrc(s).map_err(|e| invalid(what(), e))?;
    }
    with_link(dev, move |index| r.oif(index))
}

/// Moves the link named `dev` into namespace `ns`, renaming it to
/// `new_name` in the same request (atomically: it never appears there
/// under its old name).
pub fn move_link_to_netns<'a>(
    dev: &'a str,
    ns: NetnsRef,
    new_name: Option<&'a str>,
) -> Result<impl Op<Output = ()> + 'a, Error> {
    if let Some(n) = new_name {
        crate::route::validate_ifname(n)
            .map_err(|e| invalid(alloc::format!("rename link {dev:?}"), e))?;
    }
    with_link(dev, move |index| {
        let s = LinkRequest::set(index)?.netns(ns);
        match new_name {
            Some(n) => s.rename(n),
            None => Ok(s),
        }
    })
}

/// Deletes every address of one link (and, optionally, one family).
#[derive(Debug)]
pub struct FlushAddresses {
    dump: GetAddresses,
    found: Vec<(IpAddr, u8, Option<IpAddr>)>,
    index: u32,
    current: Option<AddressRequest<'static>>,
    deleted: usize,
    listed: bool,
    result: Option<Result<usize, Error>>,
}

/// Deletes every address of link `index` (`family` 0 for all families,
/// else `AF_INET` / `AF_INET6`); returns how many were deleted.
/// An address that vanished meanwhile (`EADDRNOTAVAIL`) is not an error.
pub fn flush_addresses(index: u32, family: u8) -> Result<FlushAddresses, Error> {
    if index == 0 {
        return Err(invalid("flush addresses", InvalidInput::ZeroIndex));
    }
    Ok(FlushAddresses {
        dump: GetAddresses::new().link(index).family(family),
        found: Vec::new(),
        index,
        current: None,
        deleted: 0,
        listed: false,
        result: None,
    })
}

impl Op for FlushAddresses {
    type Output = usize;
    fn step(&mut self) -> OpStep<'_, usize> {
        if let Some(r) = self.result.take() {
            return OpStep::Done(r);
        }
        if !self.listed {
            return OpStep::Send(&self.dump);
        }
        match self.found.pop() {
            Some((a, len, peer)) => {
                match AddressRequest::delete(self.index, a, len).and_then(|d| match peer {
                    Some(p) => d.peer(p),
                    None => Ok(d),
                }) {
                    Ok(req) => OpStep::Send(self.current.insert(req)),
                    Err(e) => OpStep::Done(Err(invalid("flush addresses", e))),
                }
            }
            None => OpStep::Done(Ok(self.deleted)),
        }
    }
    fn reply(&mut self, reply: Reply<'_>) -> bool {
        if !self.listed {
            let found = &mut self.found;
            return match fold::views(&self.dump, reply, &mut |m| {
                if let Ok(a) = AddressMessage::from_message(&m)
                    && let Some(addr) = a.addr()
                {
                    found.push((addr, a.header.prefix_len, a.peer()));
                }
            }) {
                Fold::Finish(r) => {
                    self.listed = true;
                    if let Err(e) = r {
                        self.result = Some(Err(e));
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
            Fold::Finish(Err(e)) if e.errno() == Some(Errno::EADDRNOTAVAIL) => true,
            Fold::Finish(Err(e)) => {
                self.result = Some(Err(e));
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
    use crate::wire::{Messages, Writer};
    use alloc::string::ToString;

    fn sent(op: &mut impl Op) -> std::vec::Vec<u8> {
        let OpStep::Send(r) = op.step() else {
            panic!("expected a request")
        };
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn kernel(errno: Errno) -> Error {
        KernelError::new(errno.0, &Default::default()).into()
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
        match op.step() {
            OpStep::Done(Err(e)) => {
                assert!(e.to_string().starts_with("delete link \"veth9\""), "{e}")
            }
            s => panic!("{s:?}"),
        }
        assert!(delete_link_if_exists("bad/name").is_err());
    }

    #[test]
    fn with_link_looks_up_then_acts() {
        let mut op = add_address("eth0", "192.0.2.1".parse().unwrap(), 24).unwrap();
        let b = sent(&mut op);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.kind(), crate::route::RTM_GETLINK);
        // The kernel answers with the link (index 7), then the ack.
        let mut lb = [0u8; 256];
        let n = crate::route::link::tests_support::link_message(&mut lb, 7, "eth0");
        let lm = Messages::new(&lb[..n]).next().unwrap().unwrap();
        assert!(!op.reply(Reply::Item(lm)));
        assert!(op.reply(Reply::Ack));
        let b = sent(&mut op);
        let m = Messages::new(&b).next().unwrap().unwrap();
        assert_eq!(m.kind(), crate::route::RTM_NEWADDR);
        let a = AddressMessage::parse(m.payload()).unwrap();
        assert_eq!(a.header.index, 7);
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(()))));
    }

    #[test]
    fn with_link_reports_missing_link_and_rejects_bad_input_first() {
        let mut op = add_address("eth0", "192.0.2.1".parse().unwrap(), 24).unwrap();
        let _ = sent(&mut op);
        assert!(op.reply(Reply::Failed(kernel(Errno::ENODEV))));
        match op.step() {
            OpStep::Done(Err(e)) => assert!(e.to_string().contains("ENODEV"), "{e}"),
            s => panic!("{s:?}"),
        }
        assert!(add_address("eth0", "192.0.2.1".parse().unwrap(), 33).is_err());
        let e = replace_route_via(
            "eth0",
            "192.0.2.0".parse().unwrap(),
            24,
            Some("2001:db8::1".parse().unwrap()),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("source address is IPv6"), "{e}");
        assert!(move_link_to_netns("eth0", NetnsRef::Pid(1), Some("a/b")).is_err());
    }
}
