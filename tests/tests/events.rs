//! Notifications from the real kernel, on every runtime: a connection
//! subscribes, changes are made (by `ip` in another process, and by the
//! connection itself), and the typed events must arrive, in order, on the
//! same connection that also carries requests. The test names are
//! `mio::…`, `poll::…`, `tokio::…` and `async_io::…`.

use std::net::IpAddr;
use std::time::Duration;

use nlwire::Error;
use nlwire::ops;
use nlwire::route::events::{Change, Event, Group, Groups, Notice};
use nlwire_tests::{Client, TestNs, per_runtime};

/// Reads events until `want` accepts one; panics after `limit` without.
/// Returns every event read, the accepted one last.
fn until(c: &mut dyn Client, what: &str, want: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        match c.next_event_within(Duration::from_secs(5)) {
            Ok(Some(Notice::Event(e))) => {
                let hit = want(&e);
                seen.push(e);
                if hit {
                    return seen;
                }
            }
            Ok(Some(Notice::Overrun)) => panic!("{what}: overrun after {seen:#?}"),
            Ok(Some(other)) => panic!("{what}: {other:?}"),
            Ok(None) => panic!("{what}: no such event within 5 s; saw {seen:#?}"),
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn link_named(change: Change, name: &'static str) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Link(c, l) if *c == change && l.name == name)
}

fn address(change: Change, a: &'static str) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Address(c, x) if *c == change && x.addr == Some(ip(a)))
}

fn route(change: Change, dst: &'static str, len: u8) -> impl Fn(&Event) -> bool {
    move |e| {
        matches!(e, Event::Route(c, r)
            if *c == change && r.dst == Some(ip(dst)) && r.dst_len == len)
    }
}

fn events_for_every_object_kind(c: &mut dyn Client, ns: &TestNs) {
    // Before subscribing, asking for events is a clear error.
    match c.next_event_within(Duration::from_millis(10)) {
        Err(Error::InvalidInput { .. }) => {}
        other => panic!("events before subscribe: {other:?}"),
    }
    c.subscribe(Groups::all()).unwrap();
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    until(c, "new link v0", link_named(Change::New, "v0"));
    ns.ip(&["link", "set", "v0", "up"]);
    ns.ip(&["link", "set", "v1", "up"]);
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "v0"]);
    until(c, "new address", address(Change::New, "192.0.2.1"));
    ns.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.2"]);
    until(c, "new route", route(Change::New, "198.51.100.0", 24));
    ns.ip(&["-6", "route", "add", "2001:db8:5::/48", "dev", "v0"]);
    until(c, "new IPv6 route", route(Change::New, "2001:db8:5::", 48));
    ns.ip(&[
        "neigh",
        "add",
        "192.0.2.9",
        "lladdr",
        "02:00:00:00:00:09",
        "dev",
        "v0",
    ]);
    until(
        c,
        "new neighbour",
        |e| matches!(e, Event::Neighbour(Change::New, n) if n.dst == Some(ip("192.0.2.9"))),
    );
    ns.ip(&[
        "rule",
        "add",
        "pref",
        "100",
        "from",
        "192.0.2.0/24",
        "table",
        "100",
    ]);
    until(
        c,
        "new rule",
        |e| matches!(e, Event::Rule(Change::New, r) if r.priority == Some(100)),
    );
    // Deletions, in the order they were made.
    ns.ip(&["rule", "del", "pref", "100"]);
    ns.ip(&["route", "del", "198.51.100.0/24"]);
    ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "v0"]);
    let seen = until(c, "deleted address", address(Change::Del, "192.0.2.1"));
    let pos = |f: &dyn Fn(&Event) -> bool| seen.iter().position(f);
    let rule = pos(&|e| matches!(e, Event::Rule(Change::Del, r) if r.priority == Some(100)));
    let rt = pos(&route(Change::Del, "198.51.100.0", 24));
    let addr = pos(&address(Change::Del, "192.0.2.1"));
    assert!(
        rule < rt && rt < addr && rule.is_some(),
        "deletions out of order: {seen:#?}"
    );
    ns.ip(&["link", "del", "v0"]);
    until(c, "deleted link v0", link_named(Change::Del, "v0"));
    // Requests and the subscription share the connection: a dump works,
    // and notifications that arrive meanwhile are kept, not lost.
    ns.ip(&["link", "add", "w0", "type", "veth", "peer", "name", "w1"]);
    let links = c.links().unwrap();
    assert!(links.iter().any(|l| l.name == "w0"));
    until(c, "new link w0 after a dump", link_named(Change::New, "w0"));
}

/// The connection's own change: the kernel stamps its notification with
/// the request's port and sequence number, and it must still reach the
/// subscriber rather than be taken for a reply.
fn own_changes_are_events_too(c: &mut dyn Client, ns: &TestNs) {
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    c.subscribe(Groups::from(Group::Ipv4Address) | Group::Ipv6Route)
        .unwrap();
    c.exec(&mut ops::add_address("v0", ip("203.0.113.5"), 24).unwrap())
        .unwrap();
    let seen = until(c, "own new address", address(Change::New, "203.0.113.5"));
    // Only the groups joined: no link event came.
    assert!(
        seen.iter().all(|e| matches!(e, Event::Address(..))),
        "{seen:#?}"
    );
    c.exec(&mut ops::delete_address("v0", ip("203.0.113.5"), 24).unwrap())
        .unwrap();
    until(
        c,
        "own deleted address",
        address(Change::Del, "203.0.113.5"),
    );
}

/// A subscriber that does not read while thousands of routes are added,
/// with a small receive buffer: the kernel drops notifications and says
/// so (`ENOBUFS`). The subscriber gets a typed overrun at that place — not
/// a hang, not an error that ends the subscription — and later events
/// still arrive.
fn an_overrun_is_a_notice_and_the_subscription_goes_on(c: &mut dyn Client, ns: &TestNs) {
    let mut opts = nlwire_conn::ConnectionOptions::default();
    opts.socket.recv_buffer = Some(16 * 1024);
    c.reopen_with(ns, opts);
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["link", "set", "v0", "up"]);
    c.subscribe(Groups::routes()).unwrap();
    let mut batch = String::new();
    for i in 0..3000u32 {
        batch.push_str(&format!("route add 2001:db8:{i:x}::/48 dev v0\n"));
    }
    ns.ip_batch(&batch);
    let (mut events, mut overruns) = (0, 0);
    loop {
        match c.next_event_within(Duration::from_millis(300)) {
            Ok(Some(Notice::Event(Event::Route(..)))) => events += 1,
            Ok(Some(Notice::Overrun)) => overruns += 1,
            Ok(Some(other)) => panic!("{other:?}"),
            Ok(None) => break,
            Err(e) => panic!("after {events} events: {e}"),
        }
    }
    assert!(overruns >= 1, "no overrun in {events} events");
    assert!(events < 3000, "{events} events and {overruns} overruns");
    // The subscription goes on.
    ns.ip(&["route", "add", "198.51.100.0/24", "dev", "v0"]);
    until(
        c,
        "a route after the overrun",
        route(Change::New, "198.51.100.0", 24),
    );
}

per_runtime! {
    gate: privileged_or_skip,
    client: [
        events_for_every_object_kind,
        own_changes_are_events_too,
        an_overrun_is_a_notice_and_the_subscription_goes_on,
    ],
}

/// The façades' stream and iterator of events, each on its runtime: the
/// tokio and async-io `Stream`s, and mio's iterator.
#[test]
fn event_streams_and_iterators() {
    use futures_lite::StreamExt;
    if !nlwire_tests::privileged_or_skip("event_streams_and_iterators") {
        return;
    }
    let ns = TestNs::create();
    let is_v0 =
        |n: &Notice| matches!(n, Notice::Event(Event::Link(Change::New, l)) if l.name == "v0");

    let rt = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tokio_conn = rt
        .block_on(async { nlwire_tokio::Connection::new_in_netns(ns.path()) })
        .unwrap();
    tokio_conn.subscribe(Groups::links()).unwrap();
    let aio_conn = nlwire_async_io::Connection::new_in_netns(ns.path()).unwrap();
    aio_conn.subscribe(Groups::links()).unwrap();
    let mut mio_conn = nlwire_mio::Connection::new_in_netns(ns.path()).unwrap();
    mio_conn.subscribe(Groups::links()).unwrap();

    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);

    let found = rt.block_on(async {
        let mut s = tokio_conn.events();
        ::tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(n) = s.next().await {
                if is_v0(&n.unwrap()) {
                    return true;
                }
            }
            false
        })
        .await
    });
    assert_eq!(found, Ok(true), "tokio stream");
    let found = futures_lite::future::block_on(async {
        let mut s = aio_conn.events();
        futures_lite::future::or(
            async {
                while let Some(n) = s.next().await {
                    if is_v0(&n.unwrap()) {
                        return true;
                    }
                }
                false
            },
            async {
                ::async_io::Timer::after(Duration::from_secs(5)).await;
                false
            },
        )
        .await
    });
    assert!(found, "async-io stream");
    let found = mio_conn.events().take(20).any(|n| is_v0(&n.unwrap()));
    assert!(found, "mio iterator");

    // Views in place: the same events, nothing allocated per event.
    use nlwire::route::events::{NoticeView, Notification};
    ns.ip(&["link", "set", "v0", "mtu", "1400"]);
    let mut mtu = None;
    for _ in 0..20 {
        let n = mio_conn
            .next_events_with(Some(Duration::from_secs(5)), |v| {
                if let NoticeView::Notification(Notification::Link(Change::New, l)) = v
                    && l.name == Some("v0")
                {
                    mtu = l.mtu;
                }
            })
            .unwrap();
        assert!(n > 0, "no notification within 5 s");
        if mtu == Some(1400) {
            break;
        }
    }
    assert_eq!(mtu, Some(1400), "views");
    // Once nothing more comes: 0 after the timeout.
    while mio_conn
        .next_events_with(Some(Duration::from_millis(200)), |_| {})
        .unwrap()
        > 0
    {}
    ns.ip(&["link", "set", "v0", "mtu", "1300"]);
    let seen = rt.block_on(async {
        let mut n = 0;
        while n == 0 {
            n = tokio_conn
                .next_events_with(Some(Duration::from_secs(5)), |_| {})
                .await
                .unwrap();
        }
        n
    });
    assert!(seen > 0);
}

nlwire_tests::on_sim! {
    client: [
        events_for_every_object_kind,
        own_changes_are_events_too,
        an_overrun_is_a_notice_and_the_subscription_goes_on,
    ],
}
