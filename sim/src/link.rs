//! Links: `lo`, veth pairs, bridges and their ports (`RTM_*LINK`).

use nlwire::Errno;
use nlwire::route::link::{
    IFF_BROADCAST, IFF_LOOPBACK, IFF_LOWER_UP, IFF_MULTICAST, IFF_UP, IFLA_ADDRESS, IFLA_BROADCAST,
    IFLA_GROUP, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND, IFLA_LINK,
    IFLA_LINKINFO, IFLA_LINKMODE, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_QDISC, IFLA_TXQLEN,
};
use nlwire::route::link_req::{IFLA_INFO_DATA, IFLA_NET_NS_FD, VETH_INFO_PEER};
use nlwire::route::linkinfo::{
    IFLA_AF_SPEC, IFLA_INET6_ADDR_GEN_MODE, IFLA_MAX_MTU, IFLA_MIN_MTU, IFLA_NUM_RX_QUEUES,
    IFLA_NUM_TX_QUEUES, IFLA_PROMISCUITY,
};
use nlwire::route::{IfInfoMsg, RTM_DELLINK, RTM_NEWLINK};
use nlwire::wire::{Attrs, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, Writer};

use crate::msg::{self, Fail, Req, Res, u32_attr};
use crate::world::{Ns, is_dump};

const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;
const IFF_RUNNING: u32 = 0x40;
const IFLA_CARRIER: u16 = 33;
const IFLA_CARRIER_CHANGES: u16 = 35;
const IFLA_NET_NS_PID: u16 = 19;
const IFLA_TARGET_NETNSID: u16 = 46;
const IFLA_ALT_IFNAME: u16 = 53;
const IFLA_LINK_NETNSID: u16 = 37;
pub(crate) const IF_OPER_UNKNOWN: u8 = 0;
const IF_OPER_DOWN: u8 = 2;
const IF_OPER_LOWERLAYERDOWN: u8 = 3;
pub(crate) const IF_OPER_UP: u8 = 6;
const ETH_MIN_MTU: u32 = 68;
const ETH_MAX_MTU: u32 = 65535;
/// `RTNLGRP_LINK`.
pub(crate) const GROUP_LINK: u32 = 1;

/// What kind of link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Loopback,
    /// A veth and the index of its peer, in this namespace or (`remote`)
    /// in another.
    Veth {
        peer: u32,
        remote: Option<Remote>,
    },
    /// A bridge; `mtu_set` once the user set its MTU (it then stops
    /// following its ports').
    Bridge {
        mtu_set: bool,
    },
}

/// Where a veth's peer lives when it is in another namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Remote {
    /// The peer's namespace.
    pub(crate) ns: u32,
    /// That namespace's id as seen from this one (`IFLA_LINK_NETNSID`).
    pub(crate) nsid: i32,
    /// The peer is up (kept in step by the kernel after each request).
    pub(crate) up: bool,
}

/// One link.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) index: u32,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) up: bool,
    /// Has been up once (its queueing discipline is `noqueue` from then on,
    /// `noop` before).
    pub(crate) was_up: bool,
    pub(crate) mtu: u32,
    pub(crate) master: Option<u32>,
    pub(crate) mac: [u8; 6],
    /// The user set the link-layer address (`NET_ADDR_SET`): a bridge
    /// then keeps it instead of taking its ports'.
    pub(crate) mac_set: bool,
    pub(crate) txqlen: u32,
    pub(crate) alias: Option<String>,
    pub(crate) group: u32,
    pub(crate) promiscuity: u32,
    pub(crate) carrier_changes: u32,
    /// A bridge's carrier bit (`__LINK_STATE_NOCARRIER` clear): on from
    /// registration, then set by the port-state selection.
    pub(crate) carrier_on: bool,
    /// The operational state last computed by a carrier event: `None`
    /// until the first (the kernel then reports `UNKNOWN` while up).
    pub(crate) oper_seen: Option<bool>,
    /// A bridge port's STP state is not `DISABLED` (it was enabled).
    pub(crate) port_enabled: bool,
}

impl Link {
    pub(crate) fn loopback(index: u32) -> Link {
        Link {
            index,
            name: "lo".into(),
            kind: Kind::Loopback,
            up: false,
            was_up: false,
            mtu: 65536,
            master: None,
            mac: [0; 6],
            mac_set: false,
            txqlen: 1000,
            alias: None,
            group: 0,
            promiscuity: 0,
            carrier_changes: 0,
            carrier_on: true,
            oper_seen: None,
            port_enabled: false,
        }
    }

    fn ether(index: u32, name: String, kind: Kind, mac: [u8; 6]) -> Link {
        Link {
            index,
            name,
            kind,
            up: false,
            was_up: false,
            mtu: 1500,
            master: None,
            mac,
            mac_set: false,
            txqlen: 1000,
            alias: None,
            group: 0,
            promiscuity: 0,
            carrier_changes: 0,
            carrier_on: true,
            oper_seen: None,
            port_enabled: false,
        }
    }

    pub(crate) fn is_loopback(&self) -> bool {
        self.kind == Kind::Loopback
    }

    fn kind_name(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Loopback => None,
            Kind::Veth { .. } => Some("veth"),
            Kind::Bridge { .. } => Some("bridge"),
        }
    }

    fn mtu_limits(&self) -> (u32, u32) {
        match self.kind {
            Kind::Loopback => (0, 0),
            _ => (ETH_MIN_MTU, ETH_MAX_MTU),
        }
    }
}

/// `dev_valid_name`.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace())
}

/// `dev_validate_mtu`.
fn check_mtu(link: &Link, mtu: u32) -> Res {
    let (min, max) = link.mtu_limits();
    if mtu < min {
        return Err(Fail::msg(Errno::EINVAL, "mtu less than device minimum"));
    }
    if max > 0 && mtu > max {
        return Err(Fail::msg(Errno::EINVAL, "mtu greater than device maximum"));
    }
    Ok(())
}

/// The attributes of a link request this simulator reads.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LinkAttrs<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) alt_name: Option<&'a str>,
    pub(crate) mtu: Option<u32>,
    pub(crate) address: Option<&'a [u8]>,
    pub(crate) master: Option<u32>,
    pub(crate) txqlen: Option<u32>,
    pub(crate) alias: Option<&'a str>,
    pub(crate) group: Option<u32>,
    pub(crate) kind: Option<&'a str>,
    /// `IFLA_INFO_DATA`.
    pub(crate) data: Option<&'a [u8]>,
    /// `IFLA_NET_NS_FD`.
    pub(crate) netns_fd: Option<u32>,
    /// `IFLA_NET_NS_PID`, `IFLA_TARGET_NETNSID`: not simulated.
    pub(crate) other_ns: bool,
    /// `IFLA_AF_SPEC`'s `AF_INET6` nest: `Some(None)` when it has no
    /// address generation mode.
    pub(crate) addr_gen_mode: Option<Option<u8>>,
    /// An attribute the simulator does not apply (refused, never ignored).
    pub(crate) unsupported: bool,
}

fn bad_attr() -> Fail {
    Fail::new(Errno::EINVAL)
}

/// A string attribute of at most `max` bytes (its NUL aside).
fn bounded<'a>(attr: &nlwire::wire::Attr<'a>, max: usize) -> Res<&'a str> {
    let s = attr.str().map_err(|_| bad_attr())?;
    if s.len() > max {
        return Err(Fail::policy(attr));
    }
    Ok(s)
}

pub(crate) fn parse_attrs(b: &[u8]) -> Res<LinkAttrs<'_>> {
    let mut a = LinkAttrs::default();
    for attr in Attrs::new(b) {
        let attr = attr.map_err(|_| bad_attr())?;
        match attr.kind() {
            IFLA_IFNAME => a.name = Some(bounded(&attr, 15)?),
            IFLA_ALT_IFNAME => a.alt_name = Some(bounded(&attr, 127)?),
            IFLA_MTU => a.mtu = Some(u32_attr(&attr)?),
            IFLA_ADDRESS => a.address = Some(attr.payload()),
            IFLA_MASTER => a.master = Some(u32_attr(&attr)?),
            IFLA_TXQLEN => a.txqlen = Some(u32_attr(&attr)?),
            IFLA_IFALIAS => a.alias = Some(bounded(&attr, 255)?),
            IFLA_GROUP => a.group = Some(u32_attr(&attr)?),
            IFLA_NET_NS_FD => a.netns_fd = Some(u32_attr(&attr)?),
            IFLA_NET_NS_PID | IFLA_TARGET_NETNSID => a.other_ns = true,
            IFLA_LINKINFO => {
                for i in attr.nested() {
                    let i = i.map_err(|_| bad_attr())?;
                    match i.kind() {
                        IFLA_INFO_KIND => a.kind = Some(i.str().map_err(|_| bad_attr())?),
                        IFLA_INFO_DATA => a.data = Some(i.payload()),
                        // IFLA_INFO_SLAVE_KIND is read-only; port settings
                        // (IFLA_INFO_SLAVE_DATA) are not simulated.
                        _ => a.unsupported = true,
                    }
                }
            }
            IFLA_AF_SPEC => {
                for af in attr.nested() {
                    let af = af.map_err(|_| bad_attr())?;
                    if af.kind() != u16::from(nlwire::route::AF_INET6) {
                        // IPv4's settings (IFLA_INET_CONF) and the other
                        // families' are not simulated.
                        a.unsupported = true;
                        continue;
                    }
                    let mut mode = None;
                    for i in af.nested() {
                        let i = i.map_err(|_| bad_attr())?;
                        match i.kind() {
                            IFLA_INET6_ADDR_GEN_MODE => mode = Some(crate::msg::fixed::<1>(&i)?[0]),
                            // IFLA_INET6_TOKEN.
                            _ => a.unsupported = true,
                        }
                    }
                    a.addr_gen_mode = Some(mode);
                }
            }
            // What the simulator keeps no state for: IFLA_BROADCAST,
            // IFLA_OPERSTATE, IFLA_LINKMODE, queues, IFLA_XDP,
            // IFLA_CARRIER, IFLA_PROTO_DOWN, GSO/GRO sizes, …
            2 | 16 | 17 | 31 | 32 | 33 | 39 | 40 | 41 | 43 | 58 | 59..=64 => a.unsupported = true,
            _ => {}
        }
    }
    Ok(a)
}

impl Ns {
    pub(crate) fn link_by_name(&self, name: &str) -> Option<u32> {
        self.links
            .values()
            .find(|l| l.name == name)
            .map(|l| l.index)
    }

    /// The link `ifi_index` names, else the one `IFLA_IFNAME` names.
    pub(crate) fn find_link(&self, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> (bool, Option<u32>) {
        // `ifi_index` is signed in the kernel: only a positive one names a
        // link.
        if (ifm.index as i32) > 0 {
            (
                true,
                self.links.contains_key(&ifm.index).then_some(ifm.index),
            )
        } else if let Some(n) = a.name.or(a.alt_name) {
            (true, self.link_by_name(n))
        } else {
            (false, None)
        }
    }

    pub(crate) fn carrier(&self, index: u32) -> bool {
        let Some(l) = self.links.get(&index) else {
            return false;
        };
        if !l.up {
            return false;
        }
        match l.kind {
            Kind::Loopback => true,
            Kind::Veth { peer, remote } => match remote {
                Some(r) => r.up,
                None => self.links.get(&peer).is_some_and(|p| p.up),
            },
            Kind::Bridge { .. } => l.carrier_on,
        }
    }

    fn flags(&self, l: &Link) -> u32 {
        let mut f = if l.is_loopback() {
            IFF_LOOPBACK
        } else {
            IFF_BROADCAST | IFF_MULTICAST
        };
        if l.up {
            f |= IFF_UP;
        }
        if self.carrier(l.index) {
            f |= IFF_LOWER_UP | IFF_RUNNING;
        }
        f
    }

    pub(crate) fn operstate(&self, l: &Link) -> u8 {
        if !l.up {
            return IF_OPER_DOWN;
        }
        if l.is_loopback() || (matches!(l.kind, Kind::Bridge { .. }) && l.oper_seen.is_none()) {
            return IF_OPER_UNKNOWN;
        }
        if self.carrier(l.index) {
            return IF_OPER_UP;
        }
        // `default_operstate`: the link named by its `iflink` (a veth's
        // peer index) is looked up in this namespace — for a peer in
        // another one, whatever link has that index here.
        // For a peer in another namespace the kernel's answer depends on
        // which link had that index here at its last carrier event: the
        // simulator says DOWN (see DIFFERENCES.md).
        match l.kind {
            Kind::Veth { peer, remote: None }
                if self.links.contains_key(&peer) && !self.carrier(peer) =>
            {
                IF_OPER_LOWERLAYERDOWN
            }
            _ => IF_OPER_DOWN,
        }
    }

    /// The `RTM_NEWLINK`/`RTM_DELLINK` message of link `index`.
    pub(crate) fn link_message(&self, kind: u16, index: u32, seq: u32, port: u32) -> Vec<u8> {
        let l = &self.links[&index];
        msg::message(kind, 0, seq, port, |w| self.emit_link(w, l))
    }

    fn emit_link(&self, w: &mut Writer<'_>, l: &Link) {
        IfInfoMsg {
            family: 0,
            link_type: if l.is_loopback() {
                ARPHRD_LOOPBACK
            } else {
                ARPHRD_ETHER
            },
            index: l.index,
            flags: self.flags(l),
            change: 0,
        }
        .emit(w);
        w.attr_str(IFLA_IFNAME, &l.name);
        w.attr_u32(IFLA_TXQLEN, l.txqlen);
        w.attr_u8(IFLA_OPERSTATE, self.operstate(l));
        w.attr_u8(IFLA_LINKMODE, 0);
        w.attr_u32(IFLA_MTU, l.mtu);
        let (min, max) = l.mtu_limits();
        w.attr_u32(IFLA_MIN_MTU, min);
        w.attr_u32(IFLA_MAX_MTU, max);
        w.attr_u32(IFLA_GROUP, l.group);
        w.attr_u32(IFLA_PROMISCUITY, l.promiscuity);
        w.attr_u32(IFLA_NUM_TX_QUEUES, 1);
        w.attr_u32(IFLA_NUM_RX_QUEUES, 1);
        w.attr_u8(IFLA_CARRIER, self.carrier(l.index) as u8);
        w.attr_u32(IFLA_CARRIER_CHANGES, l.carrier_changes);
        if let Kind::Veth { peer, .. } = l.kind {
            w.attr_u32(IFLA_LINK, peer);
        }
        if let Some(m) = l.master {
            w.attr_u32(IFLA_MASTER, m);
        }
        w.attr_str(IFLA_QDISC, if l.was_up { "noqueue" } else { "noop" });
        if let Some(a) = &l.alias {
            w.attr_str(IFLA_IFALIAS, a);
        }
        w.attr(IFLA_ADDRESS, &l.mac);
        w.attr(
            IFLA_BROADCAST,
            if l.is_loopback() { &[0; 6] } else { &[0xff; 6] },
        );
        if l.kind_name().is_some() || l.master.is_some() {
            let n = w.begin_nested(IFLA_LINKINFO);
            if let Some(k) = l.kind_name() {
                w.attr_str(IFLA_INFO_KIND, k);
            }
            if l.master.is_some() {
                w.attr_str(IFLA_INFO_SLAVE_KIND, "bridge");
            }
            w.end_nested(n);
        }
        if let Kind::Veth {
            remote: Some(r), ..
        } = l.kind
        {
            w.attr_i32(IFLA_LINK_NETNSID, r.nsid);
        }
    }

    fn note_link(&mut self, index: u32) {
        if !self.listens(GROUP_LINK) {
            return;
        }
        let m = self.link_message(RTM_NEWLINK, index, 0, 0);
        self.notify(GROUP_LINK, m);
    }

    fn new_mac(&mut self) -> [u8; 6] {
        self.macs = self.macs.wrapping_add(1);
        let m = self.macs.to_be_bytes();
        // Locally administered, unicast, as `eth_random_addr` makes them.
        [0x02, 0x5e, m[0], m[1], m[2], m[3]]
    }

    /// A name for a new link: `name`, or the kind's pattern with the
    /// first free number.
    fn pick_name(&self, name: Option<&str>, kind: &str) -> Res<String> {
        let pattern = match name {
            // A name with `%d` is a pattern (`dev_alloc_name`); any other
            // `%` is refused.
            Some(n) if n.matches("%d").count() == 1 && n.matches('%').count() == 1 => n.to_owned(),
            Some(n) if !valid_name(n) || n.contains('%') => return Err(Fail::new(Errno::EINVAL)),
            Some(n) if self.link_by_name(n).is_some() => return Err(Fail::new(Errno::EEXIST)),
            Some(n) => return Ok(n.to_owned()),
            None => format!("{kind}%d"),
        };
        (0..32768)
            .map(|i| pattern.replacen("%d", &i.to_string(), 1))
            .find(|n| self.link_by_name(n).is_none())
            .filter(|n| valid_name(n))
            .ok_or(Fail::new(Errno(23)))
    }

    /// `RTM_SETLINK` (`rtnl_setlink`): changes a link, never makes one.
    pub(crate) fn set_link_req(&mut self, req: &Req<'_>) -> Res {
        let ifm = IfInfoMsg::parse(req.payload).map_err(|_| bad_attr())?;
        let a = parse_attrs(&req.payload[IfInfoMsg::LEN..])?;
        if a.kind.is_some() || a.data.is_some() {
            return Err(Fail::unsupported(
                "nlwire-sim: IFLA_LINKINFO in RTM_SETLINK is not simulated",
            ));
        }
        match self.find_link(&ifm, &a) {
            (false, _) => Err(bad_attr()),
            (true, None) => Err(Fail::new(Errno::ENODEV)),
            (true, Some(index)) => self.set_link(index, &ifm, &a),
        }
    }

    /// What the simulator refuses rather than ignore: attributes it keeps
    /// no state for, link flags other than `IFF_UP`, and `ifi_change` 0
    /// with flags (the kernel then replaces every flag).
    fn check_supported(ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res {
        if a.unsupported {
            return Err(Fail::unsupported(
                "nlwire-sim: a link attribute in this request is not simulated",
            ));
        }
        if ifm.change & !IFF_UP != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: link flags other than IFF_UP are not simulated",
            ));
        }
        if ifm.change == 0 && ifm.flags != 0 {
            return Err(Fail::unsupported(
                "nlwire-sim: flags with ifi_change 0 (every flag replaced) are not simulated",
            ));
        }
        Ok(())
    }

    pub(crate) fn new_link(&mut self, req: &Req<'_>) -> Res {
        let ifm = IfInfoMsg::parse(req.payload).map_err(|_| bad_attr())?;
        let a = parse_attrs(&req.payload[IfInfoMsg::LEN..])?;
        let (_, found) = self.find_link(&ifm, &a);
        if let Some(index) = found {
            if req.flags & NLM_F_EXCL != 0 {
                return Err(Fail::new(Errno::EEXIST));
            }
            if req.flags & NLM_F_REPLACE != 0 {
                return Err(Fail::new(Errno(95)));
            }
            if let Some(k) = a.kind
                && Some(k) != self.links[&index].kind_name()
            {
                return Err(Fail::new(Errno(95)));
            }
            if a.data.is_some_and(|d| !d.is_empty()) {
                return Err(Fail::unsupported(
                    "nlwire-sim: changing a link's kind settings is not simulated",
                ));
            }
            return self.set_link(index, &ifm, &a);
        }
        // 6.1's `validate_linkmsg` runs before the lookup's failure counts
        // (with no link: the mode's value alone).
        if let Some(mode) = a.addr_gen_mode
            && self.rel.link_af_checked_first
            && !matches!(mode, Some(0..=3))
        {
            return Err(bad_attr());
        }
        if req.flags & NLM_F_CREATE == 0 {
            return Err(Fail::new(Errno::ENODEV));
        }
        match a.kind {
            Some("veth") => self.create_veth(&ifm, &a),
            Some("bridge") => {
                if a.data.is_some_and(|d| !d.is_empty()) {
                    return Err(Fail::unsupported(
                        "nlwire-sim: bridge settings are not simulated",
                    ));
                }
                let name = self.pick_name(a.name, "bridge")?;
                let mut l = Link::ether(0, name, Kind::Bridge { mtu_set: false }, [0; 6]);
                l.mac = self.new_mac();
                self.register(l, &ifm, &a).map(drop)
            }
            Some(
                "dummy" | "vlan" | "macvlan" | "vxlan" | "bond" | "vrf" | "wireguard" | "gre"
                | "ipip" | "geneve" | "macvtap" | "sit" | "gretap" | "ip6gre" | "ip6tnl",
            ) => Err(Fail::unsupported(
                "nlwire-sim: this link kind is not simulated yet",
            )),
            _ => Err(Fail::msg(Errno(95), "Unknown device type")),
        }
    }

    /// Checks and inserts a new link (not its peer), then applies the
    /// request's flags and master; undone if those fail. Returns its index.
    fn register(&mut self, mut l: Link, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res<u32> {
        Self::check_supported(ifm, a)?;
        if a.addr_gen_mode.is_some() {
            return Err(Fail::unsupported(
                "nlwire-sim: IFLA_AF_SPEC on a new link is not simulated (set it once made)",
            ));
        }
        if a.other_ns {
            return Err(Fail::unsupported(
                "nlwire-sim: namespaces by pid or id are not simulated: use a NetnsFd",
            ));
        }
        if let Some(mtu) = a.mtu {
            check_mtu(&l, mtu)?;
            l.mtu = mtu;
            if let Kind::Bridge { mtu_set } = &mut l.kind {
                *mtu_set = true;
            }
        }
        if let Some(addr) = a.address {
            l.mac = addr
                .try_into()
                .map_err(|_| Fail::msg(Errno::EINVAL, "invalid link address"))?;
            l.mac_set = true;
        }
        if let Some(q) = a.txqlen {
            l.txqlen = q;
        }
        if let Some(g) = a.group {
            l.group = g;
        }
        // `rtnl_create_link` leaves IFLA_IFALIAS alone.
        let wanted = if (ifm.index as i32) > 0 { ifm.index } else { 0 };
        l.index = self.new_ifindex(wanted)?;
        let index = l.index;
        self.links.insert(index, l);
        self.note_link(index);
        self.configure_new(index, ifm, a)?;
        Ok(index)
    }

    /// `rtnl_configure_link` and the master of a new link; a failure
    /// unregisters it (with its peer).
    pub(crate) fn configure_new(&mut self, index: u32, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res {
        let rest = (|| {
            if ifm.change & IFF_UP != 0 {
                self.set_up(index, ifm.flags & IFF_UP != 0)?;
            }
            if let Some(m) = a.master {
                self.set_master(index, m)?;
            }
            Ok(())
        })();
        if rest.is_err() {
            self.remove_link(index);
        }
        rest
    }

    fn create_veth(&mut self, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res {
        // The peer: its own ifinfomsg and attributes inside
        // VETH_INFO_PEER; its master, if any, is ignored (as the kernel
        // does). The kernel registers it first (it gets the lower index)
        // and applies its flags before the device exists.
        let (peer_ifm, mut peer_attrs) = Self::veth_peer(a)?;
        peer_attrs.master = None;
        let peer = self.new_veth_end(&peer_ifm, &peer_attrs)?;
        self.configure_new(peer, &peer_ifm, &peer_attrs)?;
        let index = match self.new_veth_end(ifm, a) {
            Ok(i) => i,
            Err(e) => {
                self.remove_link(peer);
                return Err(e);
            }
        };
        // The pair is linked before the device's flags and master apply.
        // Each end was announced before it knew its peer (`IFLA_LINK` 0);
        // the kernel announces both again once linkwatch has run their
        // carrier events, with the peer.
        for (end, other) in [(peer, index), (index, peer)] {
            if let Some(l) = self.links.get_mut(&end) {
                l.kind = Kind::Veth {
                    peer: other,
                    remote: None,
                };
            }
            self.note_link(end);
        }
        self.configure_new(index, ifm, a)
    }

    /// `inet6_validate_link_af`: the link has IPv6, and the mode is one
    /// of `eui64` and none (stable privacy needs a secret, which no
    /// namespace of the simulator has; random is not simulated).
    fn check_addr_gen_mode(&self, index: u32, mode: Option<u8>) -> Res {
        if self.links[&index].mtu < crate::route6::IPV6_MIN_MTU {
            return Err(Fail::new(Errno(97))); // EAFNOSUPPORT
        }
        match mode {
            Some(0 | 1) => Ok(()),
            Some(3) => Err(Fail::unsupported(
                "nlwire-sim: the random address generation mode is not simulated",
            )),
            _ => Err(bad_attr()),
        }
    }

    /// `do_setlink`, in the kernel's order; a failure leaves the changes
    /// made before it, as the kernel does.
    pub(crate) fn set_link(&mut self, index: u32, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res {
        Self::check_supported(ifm, a)?;
        if a.other_ns {
            return Err(Fail::unsupported(
                "nlwire-sim: namespaces by pid or id are not simulated: use a NetnsFd",
            ));
        }
        // `validate_linkmsg`, before any change.
        if let Some(mode) = a.addr_gen_mode {
            self.check_addr_gen_mode(index, mode)?;
        }
        if let Some(addr) = a.address {
            let mac: [u8; 6] = addr.try_into().map_err(|_| Fail::new(Errno::EINVAL))?;
            let l = self.links.get_mut(&index).expect("link");
            let changed = l.mac != mac;
            l.mac = mac;
            l.mac_set = true;
            let master = l.master;
            self.note_link(index);
            if changed {
                self.flush_neighs(index, false, None);
            }
            if let Some(m) = master {
                self.bridge_mac_follow(m);
            }
        }
        if let Some(mtu) = a.mtu {
            self.set_mtu(index, mtu, true)?;
        }
        if let Some(g) = a.group {
            self.links.get_mut(&index).expect("link").group = g;
        }
        if ifm.index > 0
            && let Some(n) = a.name
        {
            self.rename(index, n)?;
        }
        if let Some(al) = a.alias {
            self.links.get_mut(&index).expect("link").alias =
                (!al.is_empty()).then(|| al.to_owned());
        }
        if ifm.change & IFF_UP != 0 {
            self.set_up(index, ifm.flags & IFF_UP != 0)?;
        }
        if let Some(m) = a.master {
            self.set_master(index, m)?;
        }
        if let Some(q) = a.txqlen {
            self.links.get_mut(&index).expect("link").txqlen = q;
        }
        if let Some(Some(mode)) = a.addr_gen_mode {
            // `inet6_set_link_af`: for the next link-local address made.
            self.dev6.entry(index).or_default().addr_gen_mode = mode;
        }
        // `DO_SETLINK_NOTIFY` (a group, an alias, `IFLA_AF_SPEC`, even
        // unchanged): `netdev_state_change` raises `NETDEV_CHANGE` on an up
        // link, and ARP and NDISC drop a carrier-less link's entries but
        // the permanent ones (`neigh_carrier_down`).
        let notify = a.group.is_some() || a.alias.is_some() || a.addr_gen_mode.is_some();
        if notify && self.links[&index].up && !self.carrier(index) {
            self.flush_neighs(index, true, None);
        }
        self.note_link(index);
        Ok(())
    }

    fn set_mtu(&mut self, index: u32, mtu: u32, by_user: bool) -> Res {
        let l = &self.links[&index];
        check_mtu(l, mtu)?;
        let master = l.master;
        // Only a change counts as the user's setting (`dev_set_mtu` does
        // not reach the bridge for the value it has), on 6.1, 6.12, 6.18.
        let counts = l.mtu != mtu;
        let l = self.links.get_mut(&index).expect("link");
        if let Kind::Bridge { mtu_set } = &mut l.kind
            && by_user
            && counts
        {
            *mtu_set = true;
        }
        if l.mtu != mtu {
            l.mtu = mtu;
            self.note_link(index);
        }
        if let Some(m) = master {
            self.bridge_mtu_follow(m);
        }
        Ok(())
    }

    /// `br_mtu_auto_adjust`: a bridge whose MTU the user did not set
    /// takes the smallest of its ports'.
    fn bridge_mtu_follow(&mut self, bridge: u32) {
        let Some(Kind::Bridge { mtu_set: false }) = self.links.get(&bridge).map(|b| &b.kind) else {
            return;
        };
        // Without ports: ETH_DATA_LEN.
        let min = self
            .links
            .values()
            .filter(|p| p.master == Some(bridge))
            .map(|p| p.mtu)
            .min()
            .unwrap_or(1500);
        if self.links[&bridge].mtu != min {
            self.links.get_mut(&bridge).expect("bridge").mtu = min;
            self.note_link(bridge);
        }
    }

    pub(crate) fn rename(&mut self, index: u32, name: &str) -> Res {
        let l = &self.links[&index];
        // Linux 6.2 lets an up link be renamed; before, EBUSY — even to
        // the name it has.
        if l.up && !self.rel.live_rename {
            return Err(Fail::new(Errno(16)));
        }
        if l.name == name {
            return Ok(());
        }
        if !valid_name(name) {
            return Err(Fail::new(Errno::EINVAL));
        }
        if self.link_by_name(name).is_some() {
            return Err(Fail::new(Errno::EEXIST));
        }
        let old = std::mem::replace(
            &mut self.links.get_mut(&index).expect("link").name,
            name.to_owned(),
        );
        let _ = old;
        self.rename_labels(index, name);
        self.note_link(index);
        Ok(())
    }

    pub(crate) fn set_up(&mut self, index: u32, up: bool) -> Res {
        if self.links[&index].up == up {
            return Ok(());
        }
        let carriers: Vec<(u32, bool)> = self.links.keys().map(|&i| (i, self.carrier(i))).collect();
        {
            let l = self.links.get_mut(&index).expect("link");
            l.up = up;
            l.was_up |= up;
        }
        if up && self.links[&index].is_loopback() {
            self.loopback_up(index);
        }
        for (i, before) in carriers {
            if self.carrier(i) != before {
                self.links.get_mut(&i).expect("link").carrier_changes += 1;
                if i != index {
                    self.note_link(i);
                }
            }
        }
        self.sync_bridges(None);
        self.note_link(index);
        if up {
            self.addr_routes_up(index);
        } else {
            self.routes_link_down(index);
        }
        Ok(())
    }

    fn set_master(&mut self, index: u32, master: u32) -> Res {
        let old = self.links[&index].master;
        if old == Some(master) {
            return Ok(());
        }
        if let Some(o) = old {
            self.release_port(index, o);
        }
        if master == 0 {
            return Ok(());
        }
        let Some(m) = self.links.get(&master) else {
            return Err(Fail::new(Errno::EINVAL));
        };
        if !matches!(m.kind, Kind::Bridge { .. }) {
            return Err(Fail::new(Errno(95)));
        }
        let l = &self.links[&index];
        // `br_add_if`: no loopback, and no device without a valid
        // Ethernet address (a bridge whose last port left has none).
        let valid_mac = l.mac != [0; 6] && l.mac[0] & 1 == 0;
        if l.is_loopback() || !valid_mac {
            return Err(Fail::new(Errno::EINVAL));
        }
        match l.kind {
            Kind::Loopback => {}
            Kind::Bridge { .. } => {
                return Err(Fail::msg(Errno(40), "Can not enslave a bridge to a bridge"));
            }
            Kind::Veth { .. } => {}
        }
        {
            let l = self.links.get_mut(&index).expect("link");
            l.master = Some(master);
            l.promiscuity += 1;
            l.port_enabled = false;
        }
        self.note_link(index);
        self.bridge_mtu_follow(master);
        self.bridge_mac_follow(master);
        // A new port makes the bridge select its carrier, even a port
        // that is not enabled (the kernel then turns the carrier off).
        self.sync_bridges(Some(master));
        Ok(())
    }

    /// `br_stp_recalculate_bridge_id`: a bridge whose address the user did
    /// not set takes the lowest of its ports' addresses, and all zeros
    /// when it has no port.
    fn bridge_mac_follow(&mut self, bridge: u32) {
        if self.links.get(&bridge).is_none_or(|b| b.mac_set) {
            return;
        }
        let mac = self
            .links
            .values()
            .filter(|p| p.master == Some(bridge))
            .map(|p| p.mac)
            .min()
            .unwrap_or([0; 6]);
        let b = self.links.get_mut(&bridge).expect("bridge");
        if b.mac != mac {
            b.mac = mac;
            self.note_link(bridge);
            // `NETDEV_CHANGEADDR`: `neigh_changeaddr` flushes its entries.
            self.flush_neighs(bridge, false, None);
        }
    }

    fn release_port(&mut self, index: u32, bridge: u32) {
        {
            let l = self.links.get_mut(&index).expect("link");
            l.master = None;
            l.promiscuity = l.promiscuity.saturating_sub(1);
            l.port_enabled = false;
        }
        self.note_link(index);
        self.bridge_mtu_follow(bridge);
        self.bridge_mac_follow(bridge);
        // `del_nbp` disables the port unconditionally: the bridge runs
        // its port-state selection.
        self.sync_bridges(Some(bridge));
    }

    /// The bridges' port states and carriers, as the bridge driver keeps
    /// them: a port is enabled while the bridge and the port are up and
    /// the port has carrier; when a port's state changes (or `forced`,
    /// for a port removed), `br_port_state_selection` sets the bridge's
    /// carrier to whether any port is enabled. A bridge that never ran a
    /// selection keeps the carrier it was registered with.
    fn sync_bridges(&mut self, forced: Option<u32>) {
        let bridges: Vec<u32> = self
            .links
            .values()
            .filter(|l| matches!(l.kind, Kind::Bridge { .. }))
            .map(|l| l.index)
            .collect();
        for b in bridges {
            let up = self.links[&b].up;
            let ports: Vec<(u32, bool)> = self
                .links
                .values()
                .filter(|p| p.master == Some(b))
                .map(|p| (p.index, up && p.up && self.carrier(p.index)))
                .collect();
            let mut select = forced == Some(b);
            for &(p, live) in &ports {
                let port = self.links.get_mut(&p).expect("port");
                if port.port_enabled != live {
                    port.port_enabled = live;
                    select = true;
                }
            }
            if select {
                let on = ports.iter().any(|&(_, live)| live);
                let br = self.links.get_mut(&b).expect("bridge");
                if br.carrier_on != on || br.oper_seen.is_none() {
                    if br.carrier_on != on {
                        br.carrier_changes += 1;
                    }
                    br.carrier_on = on;
                    br.oper_seen = Some(on);
                    self.note_link(b);
                }
            }
        }
    }

    /// Unregisters a link with what goes with it: a veth's peer, a
    /// bridge's ports' membership, its addresses and routes.
    pub(crate) fn remove_link(&mut self, index: u32) {
        let Some(l) = self.links.get(&index) else {
            return;
        };
        let (kind, master) = (l.kind.clone(), l.master);
        if let Some(m) = master {
            self.release_port(index, m);
        }
        if let Kind::Bridge { .. } = kind {
            let ports: Vec<u32> = self
                .links
                .values()
                .filter(|p| p.master == Some(index))
                .map(|p| p.index)
                .collect();
            for p in ports {
                self.release_port(p, index);
            }
        }
        if self.links[&index].up {
            let _ = self.set_up(index, false);
        }
        self.addrs_link_gone(index);
        self.routes_link_gone(index);
        let m = self.link_message(RTM_DELLINK, index, 0, 0);
        self.links.remove(&index);
        self.notify(GROUP_LINK, m);
        // A peer here goes with it; one in another namespace goes when
        // the kernel next brings the namespaces in step.
        if let Kind::Veth { peer, remote: None } = kind
            && peer != 0
            && self.links.contains_key(&peer)
        {
            self.remove_link(peer);
        }
    }

    /// The attributes of a veth request's peer (`VETH_INFO_PEER`).
    pub(crate) fn veth_peer<'a>(a: &LinkAttrs<'a>) -> Res<(IfInfoMsg, LinkAttrs<'a>)> {
        // Without VETH_INFO_PEER the kernel makes the peer from the
        // device's own attributes, under a `veth%d` name, flags unchanged.
        let mut peer = (
            IfInfoMsg::default(),
            LinkAttrs {
                name: None,
                alt_name: None,
                kind: None,
                data: None,
                ..*a
            },
        );
        if let Some(data) = a.data {
            for attr in Attrs::new(data) {
                let attr = attr.map_err(|_| bad_attr())?;
                if attr.kind() == VETH_INFO_PEER {
                    let p = attr.payload();
                    peer.0 = IfInfoMsg::parse(p).map_err(|_| bad_attr())?;
                    peer.1 = parse_attrs(&p[IfInfoMsg::LEN..])?;
                }
            }
        }
        Ok(peer)
    }

    /// Registers one end of a veth pair whose other end is elsewhere (its
    /// flags and master are applied once the pair is linked).
    pub(crate) fn new_veth_end(&mut self, ifm: &IfInfoMsg, a: &LinkAttrs<'_>) -> Res<u32> {
        let name = self.pick_name(a.name, "veth")?;
        let mut l = Link::ether(
            0,
            name,
            Kind::Veth {
                peer: 0,
                remote: None,
            },
            [0; 6],
        );
        l.mac = self.new_mac();
        let ifm = IfInfoMsg { change: 0, ..*ifm };
        let a = LinkAttrs {
            master: None,
            kind: None,
            data: None,
            netns_fd: None,
            ..*a
        };
        self.register(l, &ifm, &a)
    }

    /// The id of namespace `other` as seen from this one, allocated on
    /// first use (`peernet2id_alloc`).
    pub(crate) fn nsid_for(&mut self, other: u32) -> i32 {
        let next = self.nsids.len() as i32;
        *self.nsids.entry(other).or_insert(next)
    }

    /// Takes a link out of this namespace to move it to another, as
    /// `dev_change_net_namespace` unwinds it: down, out of its bridge
    /// (a bridge's ports leave it), addresses and routes gone, removed
    /// with a notification. Its veth peer stays.
    pub(crate) fn detach_link(&mut self, index: u32) -> Link {
        if let Some(m) = self.links[&index].master {
            self.release_port(index, m);
        }
        if self.links[&index].up {
            let _ = self.set_up(index, false);
        }
        self.addrs_link_gone(index);
        self.routes_link_gone(index);
        let m = self.link_message(RTM_DELLINK, index, 0, 0);
        let l = self.links.remove(&index).expect("the link");
        self.notify(GROUP_LINK, m);
        l
    }

    /// Takes in a link moved from another namespace: its index if free
    /// here, else a new one; announced.
    pub(crate) fn attach_link(&mut self, mut l: Link) -> u32 {
        let index = if self.links.contains_key(&l.index) {
            self.new_ifindex(0).expect("a free index")
        } else {
            l.index
        };
        l.index = index;
        l.carrier_changes = 0;
        // Its queueing disciplines were torn down with it.
        l.was_up = false;
        self.links.insert(index, l);
        self.note_link(index);
        index
    }

    /// The veth at `index` learns where its peer is now.
    pub(crate) fn set_veth_peer(&mut self, index: u32, peer: u32, remote: Option<Remote>) {
        if let Some(l) = self.links.get_mut(&index) {
            l.kind = Kind::Veth { peer, remote };
            self.note_link(index);
        }
    }

    /// The veths whose peer is in another namespace: (index, peer, its
    /// namespace).
    pub(crate) fn remote_veths(&self) -> Vec<(u32, u32, u32)> {
        self.links
            .values()
            .filter_map(|l| match l.kind {
                Kind::Veth {
                    peer,
                    remote: Some(r),
                } => Some((l.index, peer, r.ns)),
                _ => None,
            })
            .collect()
    }

    /// The veth at `index` is the peer of `of` (in another namespace).
    pub(crate) fn is_veth_peer_of(&self, index: u32, of: u32) -> Option<bool> {
        match self.links.get(&index)?.kind {
            Kind::Veth { peer, .. } if peer == of => Some(self.links[&index].up),
            _ => None,
        }
    }

    /// A remote peer came up or went down: this end's carrier follows.
    pub(crate) fn set_remote_up(&mut self, index: u32, up: bool) {
        let carriers: Vec<(u32, bool)> = self.links.keys().map(|&i| (i, self.carrier(i))).collect();
        let Some(Link {
            kind: Kind::Veth {
                remote: Some(r), ..
            },
            ..
        }) = self.links.get_mut(&index)
        else {
            return;
        };
        if r.up == up {
            return;
        }
        r.up = up;
        for (i, before) in carriers {
            if self.carrier(i) != before {
                self.links.get_mut(&i).expect("link").carrier_changes += 1;
                self.note_link(i);
            }
        }
        self.note_link(index);
        self.sync_bridges(None);
    }

    pub(crate) fn del_link(&mut self, req: &Req<'_>) -> Res {
        let ifm = IfInfoMsg::parse(req.payload).map_err(|_| bad_attr())?;
        let a = parse_attrs(&req.payload[IfInfoMsg::LEN..])?;
        let (specified, found) = self.find_link(&ifm, &a);
        let Some(index) = found else {
            return Err(Fail::new(if specified {
                Errno::ENODEV
            } else {
                Errno::EINVAL
            }));
        };
        if self.links[&index].is_loopback() {
            return Err(Fail::new(Errno(95)));
        }
        self.remove_link(index);
        Ok(())
    }

    pub(crate) fn get_link(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if is_dump(req) {
            // Strict checking (the library's sockets): a master and a
            // kind filter the dump (`rtnl_valid_dump_ifinfo_req`).
            let a = parse_attrs(req.payload.get(IfInfoMsg::LEN..).unwrap_or(&[]))?;
            let mut out = msg::DumpOut::new(req);
            for l in self.links.values() {
                if a.master.is_some_and(|m| l.master != Some(m))
                    || a.kind.is_some_and(|k| l.kind_name() != Some(k))
                {
                    continue;
                }
                out.item(RTM_NEWLINK, |w| self.emit_link(w, l));
            }
            return Ok(out.finish());
        }
        let ifm = IfInfoMsg::parse(req.payload).map_err(|_| bad_attr())?;
        let a = parse_attrs(&req.payload[IfInfoMsg::LEN..])?;
        match self.find_link(&ifm, &a) {
            (_, Some(i)) => Ok(msg::Reply::Now(vec![self.link_message(
                RTM_NEWLINK,
                i,
                req.seq,
                req.port,
            )])),
            (true, None) => Err(Fail::new(Errno::ENODEV)),
            (false, None) => Err(Fail::msg(
                Errno::EINVAL,
                "Invalid values in header for get link request",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_the_kernel_checks_them() {
        assert!(valid_name("veth0"));
        assert!(valid_name("a-b.c_d"));
        assert!(!valid_name(""));
        assert!(!valid_name("."));
        assert!(!valid_name("a:b"));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("sixteen-chars-xx"));
        assert!(valid_name("fifteen-chars-x"));
    }
}
