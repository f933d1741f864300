//! `Display` for the owned models: one line each, in the words `ip`
//! uses (`ip -o link`, `ip -o address`, `ip route`, `ip neigh`, `ip rule`).
//! Links are named by index where `ip` would look a name up.

use core::fmt;

use super::names::{self, Named};
use super::neigh::{NTF_PROXY, NTF_ROUTER, nud_names};
use super::route::{RT_TABLE_MAIN, RTN_UNICAST};
use super::rule::{FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_UNREACHABLE};
use super::{AF_INET, Address, Link, Neighbour, Route, Rule};

const RTPROT_BOOT: u8 = 3;

/// `inet` or `inet6`, as `ip` prints a family.
fn inet(family: u8) -> &'static str {
    if family == AF_INET { "inet" } else { "inet6" }
}

/// `2: veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
/// master index 5 state UP link/ether 02:00:00:00:00:01 brd
/// ff:ff:ff:ff:ff:ff`.
impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.index, self.name)?;
        if let Some(l) = self.link {
            write!(f, "@if{l}")?;
        }
        f.write_str(": <")?;
        let (flags, rest) = names::link_flags(self.flags);
        for (i, n) in flags.enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(n)?;
        }
        if rest != 0 {
            write!(f, ",{rest:x}")?;
        }
        f.write_str(">")?;
        if let Some(m) = self.mtu {
            write!(f, " mtu {m}")?;
        }
        if let Some(q) = &self.qdisc {
            write!(f, " qdisc {q}")?;
        }
        if let Some(m) = self.master {
            write!(f, " master index {m}")?;
        }
        if let Some(s) = self.operstate {
            write!(f, " state {}", s.as_str())?;
        }
        write!(
            f,
            " link/{}",
            Named(names::link_type(self.link_type), self.link_type)
        )?;
        if let Some(a) = &self.address {
            write!(f, " {a}")?;
        }
        if let Some(b) = &self.broadcast {
            write!(f, " brd {b}")?;
        }
        if let Some(a) = &self.alias {
            write!(f, " alias {a}")?;
        }
        Ok(())
    }
}

/// `2: inet 192.0.2.1/24 brd 192.0.2.255 scope global veth0`.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.index, inet(self.family))?;
        match self.addr {
            Some(a) => write!(f, " {a}")?,
            None => f.write_str(" ?")?,
        }
        match self.peer {
            Some(p) => write!(f, " peer {p}/{}", self.prefix_len)?,
            None => write!(f, "/{}", self.prefix_len)?,
        }
        if let Some(b) = self.broadcast {
            write!(f, " brd {b}")?;
        }
        write!(f, " scope {}", Named(names::scope(self.scope), self.scope))?;
        if let Some(l) = &self.label {
            write!(f, " {l}")?;
        }
        if let Some(m) = self.priority {
            write!(f, " metric {m}")?;
        }
        Ok(())
    }
}

/// `198.51.100.0/24 via 192.0.2.1 dev index 2 proto static metric 100`, as
/// `ip route` prints it (type when not unicast; table when not main; proto
/// unless `boot`; scope unless global).
impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind != RTN_UNICAST {
            write!(f, "{} ", Named(names::route_type(self.kind), self.kind))?;
        }
        match self.dst {
            Some(d) => write!(f, "{d}/{}", self.dst_len)?,
            None => f.write_str("default")?,
        }
        if let Some(g) = self.gateway {
            write!(f, " via {g}")?;
        }
        if let Some(o) = self.oif {
            write!(f, " dev index {o}")?;
        }
        if self.table != RT_TABLE_MAIN {
            write!(f, " table {}", Named(names::table(self.table), self.table))?;
        }
        if self.protocol != RTPROT_BOOT {
            let p = self.protocol;
            write!(f, " proto {}", Named(names::protocol(p), p))?;
        }
        if self.scope != 0 {
            write!(f, " scope {}", Named(names::scope(self.scope), self.scope))?;
        }
        if let Some(s) = self.prefsrc {
            write!(f, " src {s}")?;
        }
        if let Some(m) = self.priority {
            write!(f, " metric {m}")?;
        }
        for h in &self.next_hops {
            f.write_str(" nexthop")?;
            if let Some(g) = h.gateway {
                write!(f, " via {g}")?;
            }
            write!(f, " dev index {} weight {}", h.oif, h.weight)?;
        }
        Ok(())
    }
}

/// `192.0.2.9 dev index 3 lladdr 02:00:00:00:00:09 REACHABLE`.
impl fmt::Display for Neighbour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dst {
            Some(d) => write!(f, "{d}")?,
            None => f.write_str("?")?,
        }
        write!(f, " dev index {}", self.index)?;
        if let Some(l) = &self.lladdr {
            write!(f, " lladdr {l}")?;
        }
        if self.flags & NTF_ROUTER != 0 {
            f.write_str(" router")?;
        }
        if self.flags & NTF_PROXY != 0 {
            f.write_str(" proxy")?;
        }
        for n in nud_names(self.state) {
            write!(f, " {n}")?;
        }
        Ok(())
    }
}

/// `100:\tfrom 192.0.2.0/24 fwmark 0x1/0xff lookup 100`, as `ip rule`
/// prints it.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:\tfrom ", self.priority.unwrap_or(0))?;
        match self.src {
            Some((a, l)) => write!(f, "{a}/{l}")?,
            None => f.write_str("all")?,
        }
        if let Some((a, l)) = self.dst {
            write!(f, " to {a}/{l}")?;
        }
        if let Some(m) = self.fwmark {
            write!(f, " fwmark {m:#x}")?;
            if let Some(k) = self.fwmask.filter(|&k| k != u32::MAX) {
                write!(f, "/{k:#x}")?;
            }
        }
        if let Some(i) = &self.iif {
            write!(f, " iif {i}")?;
        }
        if let Some(o) = &self.oif {
            write!(f, " oif {o}")?;
        }
        match self.action {
            FR_ACT_GOTO => write!(f, " goto {}", self.goto.unwrap_or(0)),
            FR_ACT_NOP => f.write_str(" nop"),
            FR_ACT_BLACKHOLE => f.write_str(" blackhole"),
            FR_ACT_UNREACHABLE => f.write_str(" unreachable"),
            FR_ACT_PROHIBIT => f.write_str(" prohibit"),
            _ => write!(f, " lookup {}", Named(names::table(self.table), self.table)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{FromMessage, Request};
    use crate::route::{AddressRequest, RouteRequest};
    use crate::wire::{Messages, Writer};
    use alloc::string::ToString;

    fn decode<T: FromMessage>(r: &impl Request) -> T {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        T::from_message(&Messages::new(&buf[..n]).next().unwrap().unwrap()).unwrap()
    }

    #[test]
    fn one_line_each_like_ip() {
        let r: Route = decode(
            &RouteRequest::add("198.51.100.0".parse().unwrap(), 24)
                .unwrap()
                .gateway("192.0.2.1".parse().unwrap())
                .unwrap()
                .oif(2)
                .unwrap()
                .metric(100)
                .protocol(4),
        );
        assert_eq!(
            r.to_string(),
            "198.51.100.0/24 via 192.0.2.1 dev index 2 proto static metric 100"
        );
        let r: Route = decode(
            &RouteRequest::add("2001:db8::".parse().unwrap(), 32)
                .unwrap()
                .kind(6)
                .table(100),
        );
        assert_eq!(r.to_string(), "blackhole 2001:db8::/32 table 100");
        let a: Address = decode(
            &AddressRequest::add(2, "192.0.2.1".parse().unwrap(), 24)
                .unwrap()
                .broadcast("192.0.2.255".parse().unwrap())
                .unwrap(),
        );
        assert_eq!(
            a.to_string(),
            "2: inet 192.0.2.1/24 brd 192.0.2.255 scope global"
        );
    }
}
