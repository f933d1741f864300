//! A small network agent, and its tests on the simulator.
//!
//! The agent gives each pod a veth pair — `h<id>` on the host side,
//! `p<id>` on the pod side — with an address on the pod side and a route to
//! the pod's address through the host side. It watches links, and when a
//! pod's veth disappears (someone deleted it), it builds the pod's network
//! again. A setup that fails half-way is undone: nothing half-made stays.
//!
//! Run it against a real namespace (root; it never touches the host's
//! own): `ip netns add agent-demo`, then
//! `cargo run -p nlwire-sim --example agent -- /var/run/netns/agent-demo`.
//!
//! Its tests run on the simulator as any user, in a plain `cargo test`
//! (`cargo test -p nlwire-sim --example agent`).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use nlwire::route::events::{Change, Event, Groups, Notice};
use nlwire::route::{AddressRequest, GetLink, LinkRequest, RouteRequest};
use nlwire::{Error, ops};
use nlwire_mio::Connection;

/// One pod: its number and its address (in 192.0.2.0/24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pod {
    /// Names its links `h<id>` and `p<id>`.
    pub id: u32,
    /// The pod side's address.
    pub addr: Ipv4Addr,
}

impl Pod {
    fn host(&self) -> String {
        format!("h{}", self.id)
    }
    fn inside(&self) -> String {
        format!("p{}", self.id)
    }
}

/// The agent: one connection for its writes, one subscribed to links.
pub struct Agent {
    conn: Connection,
    watch: Connection,
    pods: Vec<Pod>,
}

impl Agent {
    /// An agent on two connections to the same namespace.
    pub fn new(conn: Connection, mut watch: Connection) -> Result<Agent, Error> {
        watch.subscribe(Groups::links())?;
        Ok(Agent {
            conn,
            watch,
            pods: Vec::new(),
        })
    }

    /// Builds `pod`'s network and keeps it built from now on.
    pub fn add_pod(&mut self, pod: Pod) -> Result<(), Error> {
        self.build(pod)?;
        self.pods.push(pod);
        Ok(())
    }

    /// Builds a pod's network, or undoes what it built and fails.
    fn build(&mut self, pod: Pod) -> Result<(), Error> {
        let (host, inside) = (pod.host(), pod.inside());
        self.conn.execute(ops::create_veth(&host, &inside)?)?;
        let rest = (|| {
            self.conn.execute(ops::set_link_up(host.as_str())?)?;
            self.conn.execute(ops::set_link_up(inside.as_str())?)?;
            let p = self.conn.get(GetLink::by_name(&inside)?)?.index;
            let h = self.conn.get(GetLink::by_name(&host)?)?.index;
            self.conn
                .request(AddressRequest::add(p, IpAddr::V4(pod.addr), 24)?)?;
            self.conn.request(
                RouteRequest::add(IpAddr::V4(pod.addr), 32)?
                    .oif(h)?
                    .table(100),
            )
        })();
        if let Err(e) = rest {
            // Deleting one end removes the pair, its address and routes.
            let _ = self.conn.request(LinkRequest::delete(host.as_str())?);
            return Err(e);
        }
        Ok(())
    }

    /// Handles the link events that arrive within `wait`: a pod whose veth
    /// was removed is built again. Returns the pods rebuilt.
    pub fn react(&mut self, wait: Duration) -> Result<Vec<u32>, Error> {
        let mut gone = Vec::new();
        while let Some(n) = self.watch.next_event_within(wait)? {
            match n {
                Notice::Event(Event::Link(Change::Del, l)) => gone.push(l.name),
                // Lost notifications: check every pod.
                Notice::Overrun => gone.extend(self.pods.iter().map(|p| p.host())),
                _ => {}
            }
        }
        let mut rebuilt = Vec::new();
        for pod in self.pods.clone() {
            let hit = gone.iter().any(|n| *n == pod.host() || *n == pod.inside());
            if hit && self.conn.get(GetLink::by_name(&pod.host())?).is_err() {
                self.build(pod)?;
                rebuilt.push(pod.id);
            }
        }
        Ok(rebuilt)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(ns) = std::env::args().nth(1) else {
        eprintln!("usage: agent /var/run/netns/NAME   (a namespace you made; never the host's)");
        std::process::exit(2);
    };
    let mut agent = Agent::new(
        Connection::new_in_netns(&ns)?,
        Connection::new_in_netns(&ns)?,
    )?;
    agent.add_pod(Pod {
        id: 1,
        addr: Ipv4Addr::new(192, 0, 2, 11),
    })?;
    println!("pod 1 is up; delete h1 or p1 in {ns} and watch it come back (Ctrl-C to stop)");
    loop {
        for id in agent.react(Duration::from_secs(1))? {
            println!("rebuilt pod {id}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire_conn::ConnectionOptions;
    use nlwire_sim::{Fault, Faults, Kernel};

    fn conn(k: &Kernel) -> (Connection, Faults) {
        let s = k.socket(k.init_ns()).unwrap();
        let f = s.faults();
        (
            Connection::from_transport(s, ConnectionOptions::default()).unwrap(),
            f,
        )
    }

    /// An agent, and the fault handles of its two connections.
    fn agent(k: &Kernel) -> (Agent, Faults, Faults) {
        let (c, f) = conn(k);
        let (w, wf) = conn(k);
        (Agent::new(c, w).unwrap(), f, wf)
    }

    const POD: Pod = Pod {
        id: 7,
        addr: Ipv4Addr::new(192, 0, 2, 17),
    };

    #[test]
    fn a_pod_gets_its_links_address_and_route() {
        let k = Kernel::new();
        let (mut a, _, _) = agent(&k);
        a.add_pod(POD).unwrap();
        let (mut c, _) = conn(&k);
        let links: Vec<_> = c.links().map(|l| l.unwrap()).collect();
        assert!(links.iter().any(|l| l.name == "h7" && l.is_up()));
        assert!(links.iter().any(|l| l.name == "p7" && l.is_up()));
        let addrs: Vec<_> = c.addresses().map(|a| a.unwrap().addr).collect();
        assert!(addrs.contains(&Some(IpAddr::V4(POD.addr))));
        let route = c
            .routes()
            .map(|r| r.unwrap())
            .find(|r| r.table == 100)
            .expect("the pod's route");
        assert_eq!(route.dst, Some(IpAddr::V4(POD.addr)));
    }

    #[test]
    fn a_deleted_veth_is_rebuilt() {
        let k = Kernel::new();
        let (mut a, _, _) = agent(&k);
        a.add_pod(POD).unwrap();
        let (mut other, _) = conn(&k);
        other.request(LinkRequest::delete("p7").unwrap()).unwrap();
        assert!(other.get(GetLink::by_name("h7").unwrap()).is_err());
        assert_eq!(a.react(Duration::from_millis(50)).unwrap(), [7]);
        let h7 = other.get(GetLink::by_name("h7").unwrap()).unwrap();
        assert!(h7.is_up());
        assert_eq!(
            other
                .routes()
                .filter(|r| r.as_ref().unwrap().table == 100)
                .count(),
            1
        );
    }

    #[test]
    fn a_failed_setup_leaves_nothing_behind() {
        let k = Kernel::new();
        let (mut a, faults, _) = agent(&k);
        // The 6th request of the setup (the address) fails: after the
        // veth, two ups and two lookups.
        faults.inject(Fault::Errno { nth: 5, errno: 12 });
        match a.add_pod(POD).unwrap_err() {
            Error::Kernel(e) => assert_eq!(e.errno.0, 12),
            e => panic!("{e}"),
        }
        let (mut c, _) = conn(&k);
        let names: Vec<String> = c.links().map(|l| l.unwrap().name).collect();
        assert_eq!(names, ["lo"], "the half-made pair was removed");
    }

    #[test]
    fn lost_events_still_lead_to_a_rebuild() {
        let k = Kernel::new();
        let (mut a, _, watch) = agent(&k);
        a.add_pod(POD).unwrap();
        // The agent's own setup events first.
        assert!(a.react(Duration::from_millis(20)).unwrap().is_empty());
        let (mut other, _) = conn(&k);
        // Every notification of the deletion is lost to the agent.
        watch.inject(Fault::Overrun { dropped: 100 });
        other.request(LinkRequest::delete("h7").unwrap()).unwrap();
        assert_eq!(a.react(Duration::from_millis(50)).unwrap(), [7]);
    }
}
