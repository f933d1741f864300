//! The simulated kernel's state: namespaces and sockets, and the
//! dispatch of a received datagram to the object handlers.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use nlwire::Errno;
use nlwire::route::{
    IfInfoMsg, RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE,
    RTM_GETRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_SETLINK,
};
use nlwire::wire::{
    Messages, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
    NLMSG_MIN_TYPE,
};
use nlwire_sys::event::Bell;

use crate::SocketShared;
use crate::addr::Addr;
use crate::link;
use crate::link::Link;
use crate::msg::{self, Fail, Reply, Req, Res};
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
    /// IPv6 addresses, per link in the kernel's list order.
    pub(crate) addrs6: BTreeMap<u32, Vec<crate::addr6::Addr6>>,
    /// IPv4 routes in dump order.
    pub(crate) routes: Fib,
    /// IPv6 routes in dump order, and the IPv6 tables.
    pub(crate) routes6: crate::route6::Fib6,
    /// The links' IPv6 state.
    pub(crate) dev6: BTreeMap<u32, crate::route6::Dev6>,
    /// Neighbour entries.
    pub(crate) neighs: crate::neigh::Neighs,
    /// Routing rules, per family in list order.
    pub(crate) rules: Vec<crate::rule::Rule>,
    /// An IPv4 rule was added (`fib_has_custom_rules`): lookups walk the
    /// rules instead of searching local and main as one.
    pub(crate) custom_rules4: bool,
    /// An IPv6 rule was added (`fib6_has_custom_rules`).
    pub(crate) custom_rules6: bool,
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
    /// Ids of other namespaces, as seen from this one.
    pub(crate) nsids: BTreeMap<u32, i32>,
    /// The groups some socket of the namespace joined (bit `g - 1`):
    /// notifications nobody hears are not built.
    pub(crate) listening: u64,
}

/// Behaviour that changed between the kernel releases the differential
/// test measures (6.1, 6.12, the host's 6.18). A change known to have
/// come in a release is keyed on it; one seen between 6.1 and 6.12 is
/// keyed on 6.12, one seen between 6.12 and 6.18 on 6.13.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Release {
    /// An up link may be renamed (6.2).
    pub(crate) live_rename: bool,
    /// IPv4 address requests carry extended-ack texts ("ipv4: …").
    pub(crate) ipv4_addr_texts: bool,
    /// IPv6 address requests carry extended-ack texts ("ipv6: …").
    pub(crate) ipv6_addr_texts: bool,
    /// Address requests check their lifetimes before the link (6.18;
    /// 6.12 and 6.1 after it).
    pub(crate) addr_lifetimes_first: bool,
    /// The rules' dump ends in the pass of the last rule (before: in a
    /// pass of its own).
    pub(crate) rules_done_coalesced: bool,
    /// A link request's `IFLA_AF_SPEC` is checked before a missing link
    /// is reported (6.1; 6.12 reports the link first).
    pub(crate) link_af_checked_first: bool,
    /// A move whose name is taken in the target says so (not in 6.12; in
    /// 6.18).
    pub(crate) netns_move_texts: bool,
    /// A bridge that comes up without carrier drops its non-permanent
    /// neighbour entries (6.1: its carrier bit, on since registration,
    /// goes off at open; not in 6.12).
    pub(crate) bridge_open_drops_neighs: bool,
}

impl Release {
    fn new(r: (u32, u32)) -> Release {
        Release {
            live_rename: r >= (6, 2),
            ipv4_addr_texts: r >= (6, 12),
            ipv6_addr_texts: r >= (6, 12),
            addr_lifetimes_first: r >= (6, 13),
            rules_done_coalesced: r >= (6, 12),
            link_af_checked_first: r < (6, 12),
            netns_move_texts: r >= (6, 13),
            bridge_open_drops_neighs: r < (6, 12),
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
            addrs6: BTreeMap::new(),
            routes: Fib::default(),
            routes6: Default::default(),
            dev6: BTreeMap::new(),
            neighs: BTreeMap::new(),
            rules: crate::rule::default_rules(),
            custom_rules4: false,
            custom_rules6: false,
            notes: Vec::new(),
            macs: id.wrapping_mul(0x10000),
            ticks: 0,
            tables: [254, 255].into_iter().collect(),
            rel: Release::new(release),
            nsids: BTreeMap::new(),
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

    fn handle(&mut self, req: &Req<'_>) -> Res<Reply> {
        self.ticks = self.ticks.wrapping_add(1);
        // Bridge VLANs, the FDB and bridge port settings travel as link and
        // neighbour messages of family AF_BRIDGE: not simulated, refused
        // rather than taken for another request.
        let family = req.payload.first().copied().unwrap_or(0);
        if family == nlwire::route::AF_BRIDGE
            && ((16..=19).contains(&req.kind) || (28..=30).contains(&req.kind))
        {
            return Err(Fail::unsupported(
                "nlwire-sim: AF_BRIDGE messages (bridge VLANs, FDB, port settings) are not simulated yet",
            ));
        }
        let none = |()| Reply::Now(Vec::new());
        match req.kind {
            RTM_NEWLINK => self.new_link(req).map(none),
            RTM_SETLINK => self.set_link_req(req).map(none),
            RTM_DELLINK => self.del_link(req).map(none),
            RTM_GETLINK => self.get_link(req),
            RTM_NEWADDR => self.new_addr(req).map(none),
            RTM_DELADDR => self.del_addr(req).map(none),
            RTM_GETADDR => self.get_addr(req),
            RTM_NEWROUTE if family == nlwire::route::AF_INET6 => self.new_route6(req).map(none),
            RTM_DELROUTE if family == nlwire::route::AF_INET6 => self.del_route6(req).map(none),
            RTM_NEWROUTE => self.new_route(req).map(none),
            RTM_DELROUTE => self.del_route(req).map(none),
            RTM_GETROUTE => self.get_route(req),
            RTM_GETRULE => self.get_rule(req),
            32 => self.new_rule(req).map(none),
            33 => self.del_rule(req).map(none),
            nlwire::route::RTM_NEWNEIGH => self.new_neigh(req).map(none),
            nlwire::route::RTM_DELNEIGH => self.del_neigh(req).map(none),
            nlwire::route::RTM_GETNEIGH => self.get_neigh(req),
            // RTM_GETNEXTHOP.
            106 => self.empty_dump(req),
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
    /// Descriptors handed out by `Kernel::netns_fd`, and their namespaces.
    fds: BTreeMap<i32, u32>,
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
            fds: BTreeMap::new(),
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
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such namespace"))?;
        for s in self.sockets.values().filter_map(Weak::upgrade) {
            if s.ns == id {
                s.kill();
            }
        }
        // Veths whose peer was in it go too.
        self.listen();
        self.sync_remotes();
        self.flush_notes();
        Ok(())
    }

    /// Registers a descriptor that names namespace `ns` in requests.
    pub(crate) fn add_fd(&mut self, fd: i32, ns: u32) -> io::Result<()> {
        if !self.namespaces.contains_key(&ns) {
            return Err(io::Error::from_raw_os_error(Errno::ENOENT.0));
        }
        self.fds.insert(fd, ns);
        Ok(())
    }

    pub(crate) fn remove_fd(&mut self, fd: i32) {
        self.fds.remove(&fd);
    }

    /// The namespace a request's `IFLA_NET_NS_FD` names (`EBADF` for a
    /// descriptor the simulator did not hand out).
    fn resolve_fd(&self, fd: u32) -> Res<u32> {
        self.fds
            .get(&(fd as i32))
            .copied()
            .filter(|ns| self.namespaces.contains_key(ns))
            .ok_or(Fail::new(Errno(9)))
    }

    fn ns(&mut self, id: u32) -> &mut Ns {
        self.namespaces.get_mut(&id).expect("a namespace")
    }

    /// Each namespace learns which groups its sockets joined.
    fn listen(&mut self) {
        let socks: Vec<Arc<SocketShared>> =
            self.sockets.values().filter_map(Weak::upgrade).collect();
        for (id, ns) in &mut self.namespaces {
            ns.listening = socks
                .iter()
                .filter(|s| s.ns == *id)
                .fold(0, |acc, s| acc | s.groups.load(Ordering::Relaxed));
        }
    }

    /// Delivers every namespace's notifications to its subscribers.
    fn flush_notes(&mut self) {
        let socks: Vec<Arc<SocketShared>> =
            self.sockets.values().filter_map(Weak::upgrade).collect();
        for (id, ns) in &mut self.namespaces {
            for (group, note) in ns.notes.drain(..) {
                for s in socks.iter().filter(|s| s.ns == *id && s.joined(group)) {
                    s.deliver_note(note.clone(), group);
                }
            }
        }
    }

    /// Brings veth pairs across namespaces in step: an end whose peer is
    /// gone goes too; an end whose peer came up or went down follows its
    /// carrier.
    fn sync_remotes(&mut self) {
        let mut todo = Vec::new();
        for (&id, ns) in &self.namespaces {
            for (index, peer, peer_ns) in ns.remote_veths() {
                let state = self
                    .namespaces
                    .get(&peer_ns)
                    .and_then(|p| p.is_veth_peer_of(peer, index));
                todo.push((id, index, state));
            }
        }
        for (id, index, state) in todo {
            match state {
                None => self.ns(id).remove_link(index),
                Some(up) => self.ns(id).set_remote_up(index, up),
            }
        }
    }

    /// Whether a link request names a namespace by descriptor (at its top
    /// level, or for a veth's peer): the kernel then works on two.
    fn names_netns(req: &Req<'_>) -> bool {
        let Some(attrs) = req.payload.get(IfInfoMsg::LEN..) else {
            return false;
        };
        let Ok(a) = link::parse_attrs(attrs) else {
            return false;
        };
        a.netns_fd.is_some()
            || (a.kind == Some("veth")
                && Ns::veth_peer(&a).is_ok_and(|(_, p)| p.netns_fd.is_some()))
    }

    /// A link request across namespaces: moving a link (and renaming it
    /// in the same request), or making a veth pair with an end elsewhere.
    fn cross_link(&mut self, x: u32, req: &Req<'_>) -> Res<Reply> {
        let ifm = IfInfoMsg::parse(req.payload).map_err(|_| Fail::new(Errno::EINVAL))?;
        let a = link::parse_attrs(&req.payload[IfInfoMsg::LEN..])?;
        let (_, found) = self.ns(x).find_link(&ifm, &a);
        if let Some(index) = found {
            if req.flags & NLM_F_EXCL != 0 {
                return Err(Fail::new(Errno::EEXIST));
            }
            if req.flags & NLM_F_REPLACE != 0 {
                return Err(Fail::new(Errno(95)));
            }
            let Some(fd) = a.netns_fd else {
                return Err(Fail::unsupported(
                    "nlwire-sim: a veth peer's namespace is set when the pair is made",
                ));
            };
            let y = self.resolve_fd(fd)?;
            let (y, index) = self.move_link(x, index, y, a.name)?;
            // The rest of the request applies where the link is now — a
            // rename too, after the move (`do_setlink`'s order).
            let ifm = IfInfoMsg {
                index: if ifm.index > 0 { index } else { 0 },
                ..ifm
            };
            let rest = link::LinkAttrs {
                netns_fd: None,
                ..a
            };
            self.ns(y).set_link(index, &ifm, &rest)?;
            return Ok(Reply::Now(Vec::new()));
        }
        if req.flags & NLM_F_CREATE == 0 || req.kind == RTM_SETLINK {
            return Err(Fail::new(Errno::ENODEV));
        }
        if a.kind != Some("veth") {
            return Err(Fail::unsupported(
                "nlwire-sim: only veth pairs are made across namespaces",
            ));
        }
        let dest = a
            .netns_fd
            .map(|fd| self.resolve_fd(fd))
            .transpose()?
            .unwrap_or(x);
        let (peer_ifm, peer_attrs) = Ns::veth_peer(&a)?;
        let peer_dest = peer_attrs
            .netns_fd
            .map(|fd| self.resolve_fd(fd))
            .transpose()?
            .unwrap_or(x);
        // The kernel registers the peer first.
        let peer = self.ns(peer_dest).new_veth_end(&peer_ifm, &peer_attrs)?;
        let dev = match self.ns(dest).new_veth_end(&ifm, &a) {
            Ok(i) => i,
            Err(e) => {
                self.ns(peer_dest).remove_link(peer);
                return Err(e);
            }
        };
        self.link_pair(dest, dev, peer_dest, peer);
        let r = self
            .ns(peer_dest)
            .configure_new(peer, &peer_ifm, &peer_attrs)
            .and_then(|()| self.ns(dest).configure_new(dev, &ifm, &a));
        if r.is_err() {
            // Unregistering one end takes the other.
            if self.namespaces[&dest].links.contains_key(&dev) {
                self.ns(dest).remove_link(dev);
            }
            self.sync_remotes();
        }
        r.map(|()| Reply::Now(Vec::new()))
    }

    /// Tells the two ends of a veth pair where the other is.
    fn link_pair(&mut self, a_ns: u32, a: u32, b_ns: u32, b: u32) {
        let remote_of = |w: &mut World, from: u32, to: u32, up: bool| {
            (from != to).then(|| link::Remote {
                ns: to,
                nsid: w.ns(from).nsid_for(to),
                up,
            })
        };
        let b_up = self.namespaces[&b_ns].links.get(&b).is_some_and(|l| l.up);
        let a_up = self.namespaces[&a_ns].links.get(&a).is_some_and(|l| l.up);
        let ra = remote_of(self, a_ns, b_ns, b_up);
        self.ns(a_ns).set_veth_peer(a, b, ra);
        let rb = remote_of(self, b_ns, a_ns, a_up);
        self.ns(b_ns).set_veth_peer(b, a, rb);
    }

    /// `dev_change_net_namespace`: moves link `index` of namespace `x` to
    /// `y` under its name, or under `pat` (the request's name) when its
    /// name is taken there; where it is now.
    fn move_link(&mut self, x: u32, index: u32, y: u32, pat: Option<&str>) -> Res<(u32, u32)> {
        if x == y {
            return Ok((x, index));
        }
        let l = &self.namespaces[&x].links[&index];
        if matches!(l.kind, link::Kind::Loopback | link::Kind::Bridge { .. }) {
            // NETIF_F_NETNS_LOCAL.
            return Err(Fail::new(Errno::EINVAL));
        }
        let texts = self.namespaces[&x].rel.netns_move_texts;
        let fail = |msg: String| {
            if texts {
                Fail::msg(Errno::EEXIST, msg)
            } else {
                Fail::new(Errno::EEXIST)
            }
        };
        let mut name = l.name.clone();
        if self.namespaces[&y].link_by_name(&name).is_some() {
            let Some(pat) = pat else {
                return Err(fail(
                    "An interface with the same name exists in the target netns".into(),
                ));
            };
            if !link::valid_name(pat) || self.namespaces[&y].link_by_name(pat).is_some() {
                return Err(fail(format!(
                    "Unable to use '{pat}' for the new interface name in the target netns"
                )));
            }
            name = pat.to_owned();
        }
        let mut moved = self.ns(x).detach_link(index);
        moved.name = name;
        let new_index = self.ns(y).attach_link(moved);
        if let link::Kind::Veth { peer, remote } = self.namespaces[&y].links[&new_index].kind {
            let peer_ns = remote.map_or(x, |r| r.ns);
            if self
                .namespaces
                .get(&peer_ns)
                .is_some_and(|n| n.links.contains_key(&peer))
            {
                self.link_pair(y, new_index, peer_ns, peer);
            }
        }
        Ok((y, new_index))
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
        if !self.namespaces.contains_key(&sock.ns) {
            return Err(io::Error::from_raw_os_error(Errno::ENOENT.0));
        }
        self.listen();
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
            // A socket runs one dump at a time (`netlink_dump_start`).
            let busy = is_dump(&req) && req.kind & 3 == 2 && sock.inbox().dump.is_some();
            let result = if let Some(errno) = planned {
                Err(Fail::new(Errno(errno)))
            } else if busy {
                Err(Fail::new(Errno(16)))
            } else if req.kind < NLMSG_MIN_TYPE {
                Ok(Reply::Now(Vec::new()))
            } else if (req.kind == RTM_NEWLINK || req.kind == RTM_SETLINK)
                && Self::names_netns(&req)
            {
                self.cross_link(sock.ns, &req)
            } else {
                self.ns(sock.ns).handle(&req)
            };
            // Veth pairs across namespaces follow each other; then the
            // notifications go out as the kernel raises them: before the
            // reply and the acknowledgement.
            self.sync_remotes();
            for ns in self.namespaces.values_mut() {
                ns.sync_ipv6();
            }
            self.flush_notes();
            let mut ib = sock.inbox();
            let mut out: Vec<(Vec<u8>, u32)> = Vec::new();
            match result {
                Ok(Reply::Now(replies)) => {
                    out.extend(replies.into_iter().map(|r| (r, 0)));
                    if req.flags & NLM_F_ACK != 0 {
                        out.push((msg::ack(&req, None), 0));
                    }
                }
                Ok(Reply::Dump(mut dump)) => {
                    let n = dump.estimate_chunks();
                    let chaos = ib.faults.chaos.as_mut().and_then(|c| c.dump_intr(n));
                    dump.intr_from = ib.faults.dump_intr.take().or(chaos);
                    // The first pass runs as the request arrives.
                    let room = ib.dump_room();
                    let (first, finished) = dump.next_chunk(room);
                    out.push((first, 0));
                    if !finished {
                        ib.dump = Some(dump);
                    }
                }
                Err(fail) => out.push((msg::ack(&req, Some(fail)), 0)),
            }
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
