//! Neighbour entries (`RTM_*NEIGH` of `AF_INET` and `AF_INET6`): what an
//! administrator writes — `PERMANENT`, `NOARP` and `STALE` entries — with
//! `neigh_add`'s and `neigh_delete`'s checks and `__neigh_update`'s rules,
//! and the flushes the kernel makes when a link goes down, loses its
//! carrier or goes away.
//!
//! No traffic flows in the simulator, so no entry is ever resolved,
//! probed or aged: the states that run timers (`REACHABLE`, `DELAY`,
//! `PROBE`, `INCOMPLETE`) and proxy entries are refused (`EOPNOTSUPP`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use nlwire::Errno;
use nlwire::route::neigh::{
    NDA_CACHEINFO, NDA_DST, NDA_IFINDEX, NDA_LLADDR, NDA_MASTER, NDA_PROBES, NDA_PROTOCOL,
    NTF_PROXY, NUD_FAILED, NUD_NOARP, NUD_PERMANENT, NUD_STALE, NdMsg,
};
use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, RTM_DELNEIGH, RTM_NEWNEIGH};
use nlwire::wire::{Attrs, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::msg::{self, Fail, Req, Res, fixed};
use crate::world::{Ns, is_dump};

/// `RTNLGRP_NEIGH`.
const GROUP_NEIGH: u32 = 3;
/// `NUD_VALID` without the timer states.
const NUD_VALID: u16 = 0xde;
const RTN_UNICAST: u8 = 1;
const RTN_BROADCAST: u8 = 3;
const RTN_MULTICAST: u8 = 5;
/// `IPV4_MIN_MTU`: a link with a smaller MTU has no IPv4.
pub(crate) const IPV4_MIN_MTU: u32 = 68;

/// One neighbour entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Neigh {
    pub(crate) family: u8,
    pub(crate) index: u32,
    pub(crate) dst: IpAddr,
    pub(crate) lladdr: Option<[u8; 6]>,
    pub(crate) state: u16,
    pub(crate) flags: u8,
    pub(crate) kind: u8,
    pub(crate) protocol: u8,
}

/// The entries of a namespace, by table (ARP, then neighbour discovery:
/// the order of a dump), link and address.
pub(crate) type Neighs = BTreeMap<(u8, u32, IpAddr), Neigh>;

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

fn table_order(family: u8) -> u8 {
    if family == AF_INET { 0 } else { 1 }
}

/// `neigh_add` and `neigh_delete`'s common part.
struct NeighReq {
    ndm: NdMsg,
    dst: Option<IpAddr>,
    /// `NDA_DST` was present but shorter than the family's address.
    dst_short: bool,
    lladdr: Option<Vec<u8>>,
    protocol: u8,
}

impl Ns {
    fn parse_neigh(&self, req: &Req<'_>) -> Res<NeighReq> {
        let ndm = NdMsg::parse(req.payload).map_err(|_| bad())?;
        let mut r = NeighReq {
            ndm,
            dst: None,
            dst_short: false,
            lladdr: None,
            protocol: 0,
        };
        let mut dst_raw: Option<&[u8]> = None;
        for attr in Attrs::new(&req.payload[NdMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                NDA_DST => dst_raw = Some(attr.payload()),
                NDA_LLADDR => r.lladdr = Some(attr.payload().to_vec()),
                NDA_PROTOCOL => r.protocol = fixed::<1>(&attr)?[0],
                _ => {}
            }
        }
        if let Some(d) = dst_raw {
            match ndm.family {
                AF_INET if d.len() >= 4 => {
                    r.dst = Some(IpAddr::from(<[u8; 4]>::try_from(&d[..4]).expect("4")));
                }
                AF_INET6 if d.len() >= 16 => {
                    r.dst = Some(IpAddr::from(<[u8; 16]>::try_from(&d[..16]).expect("16")));
                }
                _ => r.dst_short = true,
            }
        }
        Ok(r)
    }

    /// `inet_addr_type` for an IPv4 neighbour (its `ndm_type`); IPv6
    /// entries are unicast or multicast.
    fn neigh_kind(&self, dst: IpAddr) -> u8 {
        match dst {
            IpAddr::V6(a) if a.is_multicast() => RTN_MULTICAST,
            IpAddr::V6(_) => RTN_UNICAST,
            IpAddr::V4(a) if a.is_multicast() => RTN_MULTICAST,
            IpAddr::V4(a) => self.addr_type(u32::from(a)),
        }
    }

    fn note_neigh(&mut self, kind: u16, n: &Neigh, port: u32) {
        if !self.listens(GROUP_NEIGH) {
            return;
        }
        let m = msg::message(kind, 0, 0, port, |w| self.emit_neigh(w, n));
        self.notify(GROUP_NEIGH, m);
    }

    fn emit_neigh(&self, w: &mut Writer<'_>, n: &Neigh) {
        NdMsg {
            family: n.family,
            index: n.index,
            state: n.state,
            flags: n.flags,
            kind: n.kind,
        }
        .emit(w);
        match n.dst {
            IpAddr::V4(a) => w.attr(NDA_DST, &a.octets()),
            IpAddr::V6(a) => w.attr(NDA_DST, &a.octets()),
        }
        if n.state & NUD_VALID != 0
            && let Some(ll) = n.lladdr
        {
            w.attr(NDA_LLADDR, &ll);
        }
        // `struct nda_cacheinfo`: ages in clock ticks (0 here: see
        // DIFFERENCES.md) and the reference count less one.
        w.attr(NDA_CACHEINFO, &[0u8; 16]);
        w.attr_u32(NDA_PROBES, 0);
        if n.protocol != 0 {
            w.attr_u8(NDA_PROTOCOL, n.protocol);
        }
    }

    pub(crate) fn new_neigh(&mut self, req: &Req<'_>) -> Res {
        let r = self.parse_neigh(req)?;
        if r.dst.is_none() && !r.dst_short {
            return Err(Fail::msg(Errno::EINVAL, "Network address not specified"));
        }
        if r.ndm.index != 0 {
            if !self.links.contains_key(&r.ndm.index) {
                return Err(Fail::new(Errno::ENODEV));
            }
            if r.lladdr.as_ref().is_some_and(|l| l.len() < 6) {
                return Err(Fail::msg(Errno::EINVAL, "Invalid link address"));
            }
        }
        if r.ndm.family != AF_INET && r.ndm.family != AF_INET6 {
            return Err(Fail::new(Errno(97))); // EAFNOSUPPORT
        }
        let Some(dst) = r.dst else {
            return Err(Fail::msg(Errno::EINVAL, "Invalid network address"));
        };
        if r.ndm.flags & NTF_PROXY != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: proxy neighbour entries are not simulated yet",
            ));
        }
        if r.ndm.index == 0 {
            return Err(Fail::msg(Errno::EINVAL, "Device not specified"));
        }
        // `ndisc_allow_add`; `arp_constructor` needs the link's IPv4.
        let mtu = self.links[&r.ndm.index].mtu;
        if r.ndm.family == AF_INET6 && mtu < crate::route6::IPV6_MIN_MTU {
            return Err(Fail::msg(Errno::EINVAL, "IPv6 is disabled on this device"));
        }
        if r.ndm.family == AF_INET
            && mtu < IPV4_MIN_MTU
            && !self.neighs.contains_key(&(0, r.ndm.index, dst))
        {
            return Err(Fail::new(Errno::EINVAL));
        }
        if r.ndm.flags & !0x80 != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: neighbour flags other than router are not simulated yet",
            ));
        }
        let state = r.ndm.state;
        if !matches!(state, NUD_PERMANENT | NUD_NOARP | NUD_STALE) {
            return Err(Fail::unsupported(
                "nlwire-sim: neighbour states other than permanent, noarp and stale are not simulated (no traffic flows)",
            ));
        }
        if self.is_lo(r.ndm.index) {
            return Err(Fail::unsupported(
                "nlwire-sim: neighbour entries of lo are not simulated (the kernel keys them all as 0.0.0.0)",
            ));
        }
        let key = (table_order(r.ndm.family), r.ndm.index, dst);
        let existing = self.neighs.get(&key).cloned();
        let created = existing.is_none();
        let old = match existing {
            None => {
                if req.flags & NLM_F_CREATE == 0 {
                    return Err(Fail::new(Errno::ENOENT));
                }
                // `arp_constructor`, `ndisc_constructor`: multicast and
                // broadcast destinations need no resolution.
                let kind = self.neigh_kind(dst);
                let (state, lladdr) = match (kind, dst) {
                    (RTN_MULTICAST, IpAddr::V4(a)) => {
                        let o = a.octets();
                        (NUD_NOARP, Some([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]))
                    }
                    (RTN_MULTICAST, IpAddr::V6(a)) => {
                        let o = a.octets();
                        (NUD_NOARP, Some([0x33, 0x33, o[12], o[13], o[14], o[15]]))
                    }
                    (RTN_BROADCAST, _) => (NUD_NOARP, Some([0xff; 6])),
                    _ => (0, None),
                };
                Neigh {
                    family: r.ndm.family,
                    index: r.ndm.index,
                    dst,
                    lladdr,
                    state,
                    flags: 0,
                    kind,
                    protocol: 0,
                }
            }
            Some(_) if req.flags & NLM_F_EXCL != 0 => return Err(Fail::new(Errno::EEXIST)),
            Some(n) => n,
        };
        let mut n = old.clone();
        if r.protocol != 0 {
            n.protocol = r.protocol;
        }
        n.flags = r.ndm.flags & 0x80;
        // `__neigh_update`, as the administrator's (`NEIGH_UPDATE_F_ADMIN`;
        // `NEIGH_UPDATE_F_OVERRIDE` only with NLM_F_REPLACE on an entry
        // that existed).
        let override_ = req.flags & NLM_F_REPLACE != 0 || created;
        let new_ll = match &r.lladdr {
            Some(v) => {
                let mut m = [0u8; 6];
                m.copy_from_slice(&v[..6]);
                Some(m)
            }
            None if old.state & NUD_VALID == 0 => {
                // The entry made for the request stays, without a state.
                self.neighs.insert(key, n);
                return Err(Fail::msg(Errno::EINVAL, "No link layer address given"));
            }
            None => old.lladdr,
        };
        if old.state & NUD_VALID != 0 && new_ll != old.lladdr && !override_ {
            // Another address without NLM_F_REPLACE: left as it was.
            self.neighs.insert(key, n);
            return Ok(());
        }
        n.lladdr = new_ll;
        n.state = state;
        let notify = n.state != old.state || n.lladdr != old.lladdr;
        self.neighs.insert(key, n.clone());
        if notify || created {
            self.note_neigh(RTM_NEWNEIGH, &n, req.port);
        }
        Ok(())
    }

    pub(crate) fn del_neigh(&mut self, req: &Req<'_>) -> Res {
        let r = self.parse_neigh(req)?;
        if r.dst.is_none() && !r.dst_short {
            return Err(Fail::msg(Errno::EINVAL, "Network address not specified"));
        }
        if r.ndm.index != 0 && !self.links.contains_key(&r.ndm.index) {
            return Err(Fail::new(Errno::ENODEV));
        }
        if r.ndm.family != AF_INET && r.ndm.family != AF_INET6 {
            return Err(Fail::new(Errno(97)));
        }
        let Some(dst) = r.dst else {
            return Err(Fail::msg(Errno::EINVAL, "Invalid network address"));
        };
        if r.ndm.flags & NTF_PROXY != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: proxy neighbour entries are not simulated yet",
            ));
        }
        if r.ndm.index == 0 {
            return Err(Fail::new(Errno::EINVAL));
        }
        let key = (table_order(r.ndm.family), r.ndm.index, dst);
        let Some(mut n) = self.neighs.remove(&key) else {
            return Err(Fail::new(Errno::ENOENT));
        };
        // `__neigh_update(…, NUD_FAILED, …)` tells of a valid entry
        // failing, then the removal tells of its end.
        if n.state & NUD_VALID != 0 {
            n.state = NUD_FAILED;
            self.note_neigh(RTM_NEWNEIGH, &n, req.port);
        }
        self.note_neigh(RTM_DELNEIGH, &n, 0);
        Ok(())
    }

    /// `neigh_ifdown` (`skip_perm` false: the link went down or away) and
    /// `neigh_carrier_down` (`skip_perm`: it lost its carrier).
    /// `family` limits it to one table (a link losing IPv4 or IPv6).
    pub(crate) fn flush_neighs(&mut self, index: u32, skip_perm: bool, family: Option<u8>) {
        let gone: Vec<(u8, u32, IpAddr)> = self
            .neighs
            .iter()
            .filter(|(k, n)| k.1 == index && !(skip_perm && n.state & NUD_PERMANENT != 0))
            .filter(|(_, n)| family.is_none_or(|f| n.family == f))
            .map(|(k, _)| *k)
            .collect();
        for k in gone {
            let n = self.neighs.remove(&k).expect("listed");
            self.note_neigh(RTM_DELNEIGH, &n, 0);
        }
    }

    /// A strict neighbour dump (`neigh_valid_dump_req`).
    pub(crate) fn get_neigh(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return Err(Fail::unsupported(
                "nlwire-sim: neighbour lookups (RTM_GETNEIGH without NLM_F_DUMP) are not simulated yet",
            ));
        }
        let ndm = NdMsg::parse(req.payload).ok();
        let family = req.payload.first().copied().unwrap_or(AF_UNSPEC);
        let mut index = 0;
        let mut master = None;
        if let Some(m) = ndm {
            let raw = &req.payload[..NdMsg::LEN];
            if raw[1] != 0 || raw[2] != 0 || m.state != 0 || m.kind != 0 {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Invalid values in header for neighbor dump request",
                ));
            }
            if m.flags & !NTF_PROXY != 0 {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Invalid flags in header for neighbor dump request",
                ));
            }
            if m.flags & NTF_PROXY != 0 {
                // Proxy entries: the simulator has none.
                return Ok(msg::DumpOut::new(req).finish());
            }
            for attr in Attrs::new(&req.payload[NdMsg::LEN..]) {
                let attr = attr.map_err(|_| bad())?;
                match attr.kind() {
                    NDA_IFINDEX => index = msg::u32_attr(&attr)?,
                    NDA_MASTER => master = Some(msg::u32_attr(&attr)?),
                    _ => {
                        return Err(Fail::msg(
                            Errno::EINVAL,
                            "Unsupported attribute in neighbor dump request",
                        ));
                    }
                }
            }
        }
        let mut out = msg::DumpOut::new(req);
        out.set_filtered(index != 0 || master.is_some());
        for n in self.neighs.values() {
            let fam_ok = family == AF_UNSPEC || n.family == family;
            let dev_ok = index == 0 || n.index == index;
            let master_ok =
                master.is_none_or(|m| self.links.get(&n.index).and_then(|l| l.master) == Some(m));
            if fam_ok && dev_ok && master_ok {
                out.item(RTM_NEWNEIGH, |w| self.emit_neigh(w, n));
            }
        }
        Ok(out.finish())
    }

    fn is_lo(&self, index: u32) -> bool {
        self.links.get(&index).is_some_and(|l| l.is_loopback())
    }
}
