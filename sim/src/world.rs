//! The simulated kernel's state: namespaces and sockets, and the
//! dispatch of a received datagram to the object handlers.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use nlwire::Errno;
use nlwire::route::{
    RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE, RTM_NEWADDR,
    RTM_NEWLINK, RTM_NEWROUTE, RTM_SETLINK,
};
use nlwire::wire::{
    Messages, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_MIN_TYPE,
};
use nlwire_sys::event::Bell;

use crate::SocketShared;
use crate::addr::Addr;
use crate::link::Link;
use crate::msg::{self, Fail, Req, Res};
use crate::route::Fib;

/// One network namespace.
#[derive(Debug)]
pub(crate) struct Ns {
    pub(crate) name: Option<String>,
    pub(crate) links: BTreeMap<u32, Link>,
    /// The last interface index handed out (allocation goes on from it,
    /// as the kernel's cyclic allocator does).
    pub(crate) last_ifindex: u32,
    /// IPv4 addresses, per link in the kernel's list order (primaries
    /// first), links in index order.
    pub(crate) addrs: BTreeMap<u32, Vec<Addr>>,
    /// IPv4 routes in dump order.
    pub(crate) routes: Fib,
    /// Notifications raised by the request being handled: group, message.
    pub(crate) notes: Vec<(u32, Vec<u8>)>,
    /// Seeds the link-layer addresses of new links.
    pub(crate) macs: u32,
    /// A clock for address timestamps, in hundredths of a second.
    pub(crate) ticks: u32,
    /// The IPv4 routing tables that exist (local and main from the start,
    /// others once a route request named them).
    pub(crate) tables: BTreeSet<u32>,
    /// Where kernel releases differ in what is simulated.
    pub(crate) rel: Release,
    /// The groups some socket of the namespace joined (bit `g - 1`):
    /// notifications nobody hears are not built.
    pub(crate) listening: u64,
}

/// Behaviour that changed between the kernel releases the differential
/// test measures (6.1, 6.12, the host's). A change known to have come in
/// a release is keyed on it; one seen only between 6.1 and 6.12 is keyed
/// on 6.12.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Release {
    /// An up link may be renamed (6.2).
    pub(crate) live_rename: bool,
    /// IPv4 address requests carry extended-ack texts ("ipv4: …").
    pub(crate) ipv4_addr_texts: bool,
    /// A bridge left without ports goes back to MTU 1500 (before: keeps
    /// its MTU).
    pub(crate) bridge_mtu_resets: bool,
    /// Deleting a link's last IPv4 address flushes every IPv4 route
    /// through the link (`fib_disable_ip`), as 6.1 does.
    pub(crate) flush_on_last_addr: bool,
    /// Setting a bridge's MTU to the value it has still counts as the
    /// user's setting (6.1: only a change does).
    pub(crate) equal_mtu_is_set: bool,
}

impl Release {
    fn new(r: (u32, u32)) -> Release {
        Release {
            live_rename: r >= (6, 2),
            ipv4_addr_texts: r >= (6, 12),
            bridge_mtu_resets: r >= (6, 12),
            flush_on_last_addr: r < (6, 12),
            equal_mtu_is_set: r >= (6, 12),
        }
    }
}

impl Ns {
    fn new(name: Option<String>, id: u32, release: (u32, u32)) -> Ns {
        let mut ns = Ns {
            name,
            links: BTreeMap::new(),
            last_ifindex: 0,
            addrs: BTreeMap::new(),
            routes: Fib::default(),
            notes: Vec::new(),
            macs: id.wrapping_mul(0x10000),
            ticks: 0,
            tables: [254, 255].into_iter().collect(),
            rel: Release::new(release),
            listening: 0,
        };
        let index = ns.new_ifindex(0).expect("the first index is free");
        ns.links.insert(index, Link::loopback(index));
        ns
    }

    /// The index for a new link: `wanted` if given (and free), else the
    /// next free one after the last handed out.
    pub(crate) fn new_ifindex(&mut self, wanted: u32) -> Res<u32> {
        if wanted != 0 {
            if self.links.contains_key(&wanted) {
                return Err(Fail::new(Errno(16))); // EBUSY
            }
            return Ok(wanted);
        }
        let mut i = self.last_ifindex;
        loop {
            i = if i >= i32::MAX as u32 { 1 } else { i + 1 };
            if !self.links.contains_key(&i) {
                self.last_ifindex = i;
                return Ok(i);
            }
        }
    }

    /// Whether some socket of the namespace joined `group`.
    pub(crate) fn listens(&self, group: u32) -> bool {
        (1..=64).contains(&group) && self.listening & (1 << (group - 1)) != 0
    }

    /// A notification for the subscribers of `group`.
    pub(crate) fn notify(&mut self, group: u32, message: Vec<u8>) {
        self.notes.push((group, message));
    }

    fn handle(&mut self, req: &Req<'_>) -> Res<Vec<Vec<u8>>> {
        self.ticks = self.ticks.wrapping_add(1);
        match req.kind {
            RTM_NEWLINK | RTM_SETLINK => self.new_link(req).map(|()| Vec::new()),
            RTM_DELLINK => self.del_link(req).map(|()| Vec::new()),
            RTM_GETLINK => self.get_link(req),
            RTM_NEWADDR => self.new_addr(req).map(|()| Vec::new()),
            RTM_DELADDR => self.del_addr(req).map(|()| Vec::new()),
            RTM_GETADDR => self.get_addr(req),
            RTM_NEWROUTE => self.new_route(req).map(|()| Vec::new()),
            RTM_DELROUTE => self.del_route(req).map(|()| Vec::new()),
            RTM_GETROUTE => self.get_route(req),
            _ => Err(Fail::unsupported(
                "nlwire-sim: this message type is not simulated",
            )),
        }
    }
}

/// Whether a request asks for a dump.
pub(crate) fn is_dump(req: &Req<'_>) -> bool {
    req.flags & NLM_F_DUMP == NLM_F_DUMP
}

/// The whole kernel.
#[derive(Debug)]
pub(crate) struct World {
    namespaces: BTreeMap<u32, Ns>,
    next_ns: u32,
    sockets: BTreeMap<u32, Weak<SocketShared>>,
    next_port: u32,
    /// The kernel release whose behaviour is simulated.
    release: (u32, u32),
}

impl World {
    pub(crate) fn new(release: (u32, u32)) -> World {
        let mut namespaces = BTreeMap::new();
        namespaces.insert(0, Ns::new(None, 0, release));
        World {
            namespaces,
            next_ns: 1,
            sockets: BTreeMap::new(),
            next_port: 0x5100_0000,
            release,
        }
    }

    pub(crate) fn add_netns(&mut self, name: &str) -> io::Result<u32> {
        if self.netns_by_name(name).is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("namespace {name} exists"),
            ));
        }
        let id = self.next_ns;
        self.next_ns += 1;
        self.namespaces
            .insert(id, Ns::new(Some(name.to_owned()), id, self.release));
        Ok(id)
    }

    pub(crate) fn netns_by_name(&self, name: &str) -> Option<u32> {
        self.namespaces
            .iter()
            .find(|(_, ns)| ns.name.as_deref() == Some(name))
            .map(|(id, _)| *id)
    }

    pub(crate) fn delete_netns(&mut self, id: u32) -> io::Result<()> {
        if id == 0 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the initial namespace cannot be removed",
            ));
        }
        self.namespaces
            .remove(&id)
            .map(drop)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such namespace"))
    }

    pub(crate) fn add_socket(&mut self, ns: u32, bell: Bell) -> io::Result<Arc<SocketShared>> {
        if !self.namespaces.contains_key(&ns) {
            return Err(io::Error::from_raw_os_error(Errno::ENOENT.0));
        }
        let port = self.next_port;
        self.next_port += 1;
        let s = Arc::new(SocketShared::new(port, ns, bell));
        self.sockets.insert(port, Arc::downgrade(&s));
        Ok(s)
    }

    pub(crate) fn remove_socket(&mut self, port: u32) {
        self.sockets.remove(&port);
    }

    /// Handles every request of a datagram, in order, as the kernel's
    /// `netlink_rcv_skb` does.
    pub(crate) fn receive(&mut self, sock: &SocketShared, datagram: &[u8]) -> io::Result<()> {
        let listening = self
            .sockets
            .values()
            .filter_map(Weak::upgrade)
            .filter(|s| s.ns == sock.ns)
            .fold(0, |acc, s| acc | s.groups.load(Ordering::Relaxed));
        let Some(ns) = self.namespaces.get_mut(&sock.ns) else {
            return Err(io::Error::from_raw_os_error(Errno::ENOENT.0));
        };
        ns.listening = listening;
        for m in Messages::new(datagram) {
            // A malformed header ends the datagram, silently (the kernel
            // stops there too).
            let Ok(m) = m else { break };
            let req = Req {
                kind: m.kind(),
                flags: m.flags(),
                seq: m.seq(),
                port: sock.port,
                header: m.as_bytes(),
                payload: m.payload(),
            };
            if req.flags & NLM_F_REQUEST == 0 {
                continue;
            }
            // An injected failure takes the request's place: nothing
            // changes.
            let planned = {
                let mut ib = sock.inbox();
                let n = ib.faults.requests;
                ib.faults.requests += 1;
                let at = ib.faults.errnos.iter().position(|&(a, _)| a == n);
                at.map(|i| ib.faults.errnos.remove(i).1)
            };
            let result = if let Some(errno) = planned {
                Err(Fail::new(Errno(errno)))
            } else if req.kind < NLMSG_MIN_TYPE {
                Ok(Vec::new())
            } else {
                ns.handle(&req)
            };
            // Notifications go out as the kernel raises them: before the
            // reply and the acknowledgement.
            for (group, note) in ns.notes.drain(..) {
                for s in self.sockets.values().filter_map(Weak::upgrade) {
                    if s.ns == sock.ns && s.joined(group) {
                        s.deliver_note(note.clone(), group);
                    }
                }
            }
            let dump = is_dump(&req) && req.kind & 3 == 2;
            let mut out: Vec<(Vec<u8>, u32)> = Vec::new();
            match result {
                Ok(mut replies) => {
                    if dump && let Some(k) = sock.inbox().faults.dump_intr.take() {
                        let from = k.min(replies.len().saturating_sub(1));
                        for d in &mut replies[from..] {
                            msg::set_flags(d, NLM_F_DUMP_INTR);
                        }
                    }
                    out.extend(replies.into_iter().map(|r| (r, 0)));
                    if req.flags & NLM_F_ACK != 0 && !dump {
                        out.push((msg::ack(&req, None), 0));
                    }
                }
                Err(fail) => out.push((msg::ack(&req, Some(fail)), 0)),
            }
            let mut ib = sock.inbox();
            if ib.faults.delay && ib.faults.held.is_none() {
                ib.faults.delay = false;
                ib.faults.held = Some(out);
            } else {
                sock.deliver_all(&mut ib, out);
                if let Some(held) = ib.faults.held.take() {
                    sock.deliver_all(&mut ib, held);
                }
            }
        }
        Ok(())
    }
}
