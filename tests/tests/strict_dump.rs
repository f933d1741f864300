//! Dump filters are applied by the kernel on a strict-checking socket (the
//! default): the filtered-out objects never cross the socket. Shown by
//! counting what arrives for a request whose client-side filter is turned
//! off, on a strict socket and on a non-strict one, in the same namespace.
//! The kernel behaviour is the same for every runtime; the blocking one is
//! used here.

use std::fmt;

use nlwire::Request;
use nlwire::route::{AF_INET, GetAddresses, GetNeighbours, GetRoutes};
use nlwire::wire::{Message, Writer};
use nlwire_mio::{Connection, ConnectionOptions};
use nlwire_tests::{TestNs, privileged_or_skip};

/// `R` with its client-side filter removed: every reply is delivered.
struct Unfiltered<R>(R);

impl<R: Request> Request for Unfiltered<R> {
    fn message_type(&self) -> u16 {
        self.0.message_type()
    }
    fn flags(&self) -> u16 {
        self.0.flags()
    }
    fn is_dump(&self) -> bool {
        self.0.is_dump()
    }
    fn emit_payload(&self, w: &mut Writer<'_>) {
        self.0.emit_payload(w)
    }
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.describe(f)
    }
    fn accepts(&self, _: &Message<'_>) -> bool {
        true
    }
}

fn count<R: Request>(c: &mut Connection, req: R) -> usize {
    let mut n = 0;
    c.dump_messages(Unfiltered(req), |_| n += 1).unwrap();
    n
}

fn connect(ns: &TestNs, strict: bool) -> Connection {
    let mut opts = ConnectionOptions::default();
    opts.socket.strict_check = strict;
    Connection::new_in_netns_with_options(ns.path(), opts).unwrap()
}

#[test]
fn strict_socket_filters_dumps_in_the_kernel() {
    if !privileged_or_skip("strict_dump::strict_socket_filters_dumps_in_the_kernel") {
        return;
    }
    assert!(ConnectionOptions::default().socket.strict_check);
    let ns = TestNs::create();
    for cmd in [
        "link add va type veth peer name vb",
        "link set va up",
        "link set vb up",
        "addr add 192.0.2.1/24 dev va",
        "addr add 198.51.100.1/24 dev vb",
        "route add 203.0.113.0/26 dev va table 100",
        "route add 203.0.113.64/26 dev va table 100",
        "route add 203.0.113.128/26 dev va",
        "neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev va",
        "neigh add 198.51.100.7 lladdr 02:00:00:00:00:08 dev vb",
    ] {
        ns.ip(&cmd.split_whitespace().collect::<Vec<_>>());
    }
    let va = ns.ip_json(&["link", "show", "va"])[0]["ifindex"]
        .as_u64()
        .unwrap() as u32;
    let mut strict = connect(&ns, true);
    let mut loose = connect(&ns, false);

    // Routes of table 100: the kernel sends exactly its 2 on a strict
    // socket; a non-strict one gets every IPv4 route (main and local too).
    let t100 = GetRoutes::ipv4().table(100);
    assert_eq!(count(&mut strict, t100), 2);
    let all_v4 = count(&mut loose, t100);
    assert!(all_v4 > 5, "non-strict dump sent {all_v4} routes");
    assert_eq!(all_v4, count(&mut strict, GetRoutes::ipv4()));

    // Addresses of one link and family: 1 on strict, every address
    // (lo's, vb's, IPv6 link-locals) on non-strict.
    let addrs = GetAddresses::new().family(AF_INET).link(va);
    assert_eq!(count(&mut strict, addrs), 1);
    assert!(count(&mut loose, addrs) >= 3);

    // Neighbours of one link: the filter is an attribute (NDA_IFINDEX),
    // which every kernel honours; a strict socket also accepts it.
    let neigh = GetNeighbours::new().family(AF_INET).link(va);
    assert_eq!(count(&mut strict, neigh), 1);
    assert_eq!(count(&mut loose, neigh), 1);
    assert_eq!(count(&mut strict, GetNeighbours::new().family(AF_INET)), 2);

    // And the typed dumps agree on both sockets (client-side filtering
    // covers the non-strict one).
    let a: Vec<_> = strict.dump(t100).collect();
    let b: Vec<_> = loose.dump(t100).collect();
    assert_eq!(a.len(), 2);
    assert_eq!(
        a.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        b.into_iter().map(Result::unwrap).collect::<Vec<_>>()
    );
}
