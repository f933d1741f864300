//! A small network agent, and its tests on the simulator.
//!
//! The agent gives each pod what a container runtime gives it: a veth
//! pair whose host end is `h<id>` and whose other end moves into the pod's
//! namespace as `eth0` (in the same request), up, with the pod's address
//! and a default route inside, and a route to the pod's address through
//! the host end. It watches the host's links: when a pod's veth
//! disappears (deleted on either side), it builds the pod's network again.
//! A setup that fails half-way is undone: nothing half-made stays.
//!
//! Run it against real namespaces (root; it never touches the host's own
//! namespace): `ip netns add agent-host; ip netns add agent-pod`, then
//! `cargo run -p nlwire-sim --example agent -- agent-host agent-pod`.
//!
//! Its tests run on the simulator as any user, in a plain `cargo test`
//! (`cargo test -p nlwire-sim --example agent`).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use nlwire::route::events::{Change, Event, Groups, Notice};
use nlwire::route::{AddressRequest, GetLink, LinkRequest, NetnsRef, RouteRequest};
use nlwire::{Error, ops};
use nlwire_mio::Connection;

/// One pod: its number, its address (in 192.0.2.0/24) and its namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pod {
    /// Names its host-side link `h<id>`.
    pub id: u32,
    /// The address of its `eth0`.
    pub addr: Ipv4Addr,
    /// Its namespace, as the kernel takes it in a request (an open
    /// descriptor, kept open by the caller).
    pub netns: NetnsRef,
}

impl Pod {
    fn host(&self) -> String {
        format!("h{}", self.id)
    }
    fn temp(&self) -> String {
        format!("p{}", self.id)
    }
}

/// The agent: a connection for its writes on the host, one subscribed to
/// the host's links, and one inside each pod.
pub struct Agent {
    conn: Connection,
    watch: Connection,
    pods: Vec<(Pod, Connection)>,
}

impl Agent {
    /// An agent on two connections to the host's namespace.
    pub fn new(conn: Connection, mut watch: Connection) -> Result<Agent, Error> {
        watch.subscribe(Groups::links())?;
        Ok(Agent {
            conn,
            watch,
            pods: Vec::new(),
        })
    }

    /// Builds `pod`'s network (`inside`: a connection in its namespace)
    /// and keeps it built from now on.
    pub fn add_pod(&mut self, pod: Pod, mut inside: Connection) -> Result<(), Error> {
        Self::build(&mut self.conn, &mut inside, pod)?;
        self.pods.push((pod, inside));
        Ok(())
    }

    /// Builds a pod's network, or undoes what it built and fails.
    fn build(host: &mut Connection, inside: &mut Connection, pod: Pod) -> Result<(), Error> {
        let (h, p) = (pod.host(), pod.temp());
        host.execute(ops::create_veth(&h, &p)?)?;
        let rest = (|| {
            host.execute(ops::move_link_to_netns(
                p.as_str(),
                pod.netns,
                Some("eth0"),
            )?)?;
            host.execute(ops::set_link_up(h.as_str())?)?;
            inside.execute(ops::set_link_up("eth0")?)?;
            let eth0 = inside.get(GetLink::by_name("eth0")?)?.index;
            inside.request(AddressRequest::add(eth0, IpAddr::V4(pod.addr), 24)?)?;
            inside.request(RouteRequest::default_v4().oif(eth0)?)?;
            let hi = host.get(GetLink::by_name(&h)?)?.index;
            host.request(
                RouteRequest::add(IpAddr::V4(pod.addr), 32)?
                    .oif(hi)?
                    .table(100),
            )
        })();
        if let Err(e) = rest {
            // Deleting the host end removes the pair, wherever its other
            // end is, with their addresses and routes.
            let _ = host.request(LinkRequest::delete(h.as_str())?);
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
                Notice::Overrun => gone.extend(self.pods.iter().map(|(p, _)| p.host())),
                _ => {}
            }
        }
        let mut rebuilt = Vec::new();
        for (pod, inside) in &mut self.pods {
            let host = &mut self.conn;
            let hit = gone.iter().any(|n| *n == pod.host());
            if hit && host.get(GetLink::by_name(&pod.host())?).is_err() {
                Self::build(host, inside, *pod)?;
                rebuilt.push(pod.id);
            }
        }
        Ok(rebuilt)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, pod] = &args[..] else {
        eprintln!(
            "usage: agent HOST-NETNS POD-NETNS   (two namespaces you made; never the host's own)"
        );
        std::process::exit(2);
    };
    let path = |n: &str| format!("/var/run/netns/{n}");
    let mut agent = Agent::new(
        Connection::new_in_netns(path(host))?,
        Connection::new_in_netns(path(host))?,
    )?;
    let pod_ns = std::fs::File::open(path(pod))?;
    use std::os::fd::AsRawFd;
    let p = Pod {
        id: 1,
        addr: Ipv4Addr::new(192, 0, 2, 11),
        netns: NetnsRef::Fd(pod_ns.as_raw_fd()),
    };
    agent.add_pod(p, Connection::new_in_netns(path(pod))?)?;
    println!(
        "pod 1 is up; delete h1 in {host} or eth0 in {pod} and watch it come back (Ctrl-C to stop)"
    );
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
    use nlwire_sim::{Fault, Faults, Kernel, NetnsFd, NsId};

    fn conn(k: &Kernel, ns: NsId) -> (Connection, Faults) {
        let s = k.socket(ns).unwrap();
        let f = s.faults();
        (
            Connection::from_transport(s, ConnectionOptions::default()).unwrap(),
            f,
        )
    }

    /// A kernel with a pod namespace; an agent on the host, and the fault
    /// handles of its two connections.
    struct World {
        k: Kernel,
        pod_ns: NsId,
        fd: NetnsFd,
        agent: Agent,
        faults: Faults,
        watch: Faults,
    }

    fn world() -> World {
        let k = Kernel::new();
        let pod_ns = k.add_netns("pod7").unwrap();
        let fd = k.netns_fd(pod_ns).unwrap();
        let (c, faults) = conn(&k, k.init_ns());
        let (w, watch) = conn(&k, k.init_ns());
        let agent = Agent::new(c, w).unwrap();
        World {
            k,
            pod_ns,
            fd,
            agent,
            faults,
            watch,
        }
    }

    impl World {
        fn pod(&self) -> Pod {
            Pod {
                id: 7,
                addr: Ipv4Addr::new(192, 0, 2, 17),
                netns: NetnsRef::Fd(self.fd.raw()),
            }
        }
        fn add(&mut self) -> Result<(), Error> {
            let inside = conn(&self.k, self.pod_ns).0;
            let pod = self.pod();
            self.agent.add_pod(pod, inside)
        }
        fn names(&self, ns: NsId) -> Vec<String> {
            conn(&self.k, ns)
                .0
                .links()
                .map(|l| l.unwrap().name)
                .collect()
        }
    }

    #[test]
    fn a_pod_gets_its_eth0_address_and_routes() {
        let mut w = world();
        w.add().unwrap();
        assert_eq!(w.names(w.k.init_ns()), ["lo", "h7"]);
        assert_eq!(w.names(w.pod_ns), ["lo", "eth0"]);
        let (mut inside, _) = conn(&w.k, w.pod_ns);
        let eth0 = inside.get(GetLink::by_name("eth0").unwrap()).unwrap();
        assert!(eth0.is_up());
        // Its IPv4 address, and the IPv6 link-local address it made
        // when it came up (as a kernel's link does).
        let addrs: Vec<_> = inside.addresses().map(|a| a.unwrap().addr).collect();
        assert_eq!(addrs.len(), 2, "{addrs:?}");
        assert_eq!(addrs[0], Some(IpAddr::V4(w.pod().addr)));
        assert!(matches!(addrs[1], Some(IpAddr::V6(a)) if a.segments()[0] == 0xfe80));
        let default = inside
            .routes()
            .map(|r| r.unwrap())
            .find(|r| r.dst_len == 0 && r.table == 254);
        assert_eq!(default.and_then(|r| r.oif), Some(eth0.index));
        let (mut host, _) = conn(&w.k, w.k.init_ns());
        let route = host
            .routes()
            .map(|r| r.unwrap())
            .find(|r| r.table == 100)
            .expect("the pod's route");
        assert_eq!(route.dst, Some(IpAddr::V4(w.pod().addr)));
        // The host end has carrier: eth0 is up in the pod.
        let h7 = host.get(GetLink::by_name("h7").unwrap()).unwrap();
        assert_ne!(h7.flags & 0x10000, 0);
    }

    #[test]
    fn a_veth_deleted_inside_the_pod_is_rebuilt() {
        let mut w = world();
        w.add().unwrap();
        let (mut inside, _) = conn(&w.k, w.pod_ns);
        inside
            .request(LinkRequest::delete("eth0").unwrap())
            .unwrap();
        assert_eq!(w.names(w.k.init_ns()), ["lo"], "the host end went with it");
        assert_eq!(w.agent.react(Duration::from_millis(50)).unwrap(), [7]);
        assert_eq!(w.names(w.pod_ns), ["lo", "eth0"]);
        let v4 = inside
            .addresses()
            .filter(|a| a.as_ref().unwrap().family == 2);
        assert_eq!(v4.count(), 1, "the new eth0's IPv4 address");
    }

    #[test]
    fn a_failed_setup_leaves_nothing_behind() {
        let mut w = world();
        // The 4th request of the setup fails: after the pair is made and
        // its end moved into the pod.
        w.faults.inject(Fault::Errno { nth: 3, errno: 12 });
        match w.add().unwrap_err() {
            Error::Kernel(e) => assert_eq!(e.errno.0, 12),
            e => panic!("{e}"),
        }
        assert_eq!(w.names(w.k.init_ns()), ["lo"], "nothing on the host");
        assert_eq!(w.names(w.pod_ns), ["lo"], "nothing in the pod");
    }

    #[test]
    fn lost_events_still_lead_to_a_rebuild() {
        let mut w = world();
        w.add().unwrap();
        // The agent's own setup events first.
        assert!(w.agent.react(Duration::from_millis(20)).unwrap().is_empty());
        // Every notification of the deletion is lost to the agent.
        w.watch.inject(Fault::Overrun { dropped: 100 });
        let (mut host, _) = conn(&w.k, w.k.init_ns());
        host.request(LinkRequest::delete("h7").unwrap()).unwrap();
        assert_eq!(w.agent.react(Duration::from_millis(50)).unwrap(), [7]);
        assert_eq!(w.names(w.pod_ns), ["lo", "eth0"]);
    }
}
