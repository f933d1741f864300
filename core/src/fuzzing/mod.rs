//! Bodies of the cargo-fuzz targets (`fuzz/`), public so that ordinary
//! tests can replay the committed corpus on stable Rust. Each function must
//! never panic, whatever the input.

use crate::machine::{EventKind, Exchange};
use crate::request::RawRequest;
use crate::route::{AddrMessage, LinkMessage, NeighMessage, RouteMessage, RuleMessage};
use crate::wire::{Attrs, DoneMessage, ErrorMessage, ExtAck, Messages};

fn walk_attrs(a: Attrs<'_>, depth: u32) {
    for x in a {
        let Ok(x) = x else { break };
        let _ = (x.u8(), x.u16(), x.u32(), x.u64(), x.str());
        if depth < 4 {
            walk_attrs(x.nested(), depth + 1);
        }
    }
}

/// Every parser over one datagram: the message iterator, attributes
/// (nested), `NLMSG_ERROR`/`NLMSG_DONE` with extended ack, link, address,
/// route, neighbour and rule views (and owned models with `alloc`).
pub fn datagram(data: &[u8]) {
    for m in Messages::new(data) {
        let Ok(m) = m else { break };
        let _ = ErrorMessage::parse(&m);
        let _ = DoneMessage::parse(&m);
        if let Ok(l) = LinkMessage::parse(m.payload()) {
            let _ = l.attrs().count();
        }
        if let Ok(r) = RouteMessage::parse(m.payload()) {
            let _ = r.attrs().count();
        }
        if let Ok(a) = AddrMessage::parse(m.payload()) {
            let _ = (a.addr(), a.peer());
        }
        let _ = NeighMessage::parse(m.payload());
        let _ = RuleMessage::parse(m.payload());
        #[cfg(feature = "alloc")]
        {
            use crate::machine::FromMessage;
            let _ = crate::route::Link::from_message(&m);
            let _ = crate::route::Route::from_message(&m);
            let _ = crate::route::Addr::from_message(&m);
            let _ = crate::route::Neigh::from_message(&m);
            let _ = crate::route::RuleEntry::from_message(&m);
        }
        walk_attrs(Attrs::new(m.payload()), 0);
    }
    let _ = ExtAck::parse(data);
}

/// The exchange machine fed `data` (cut into datagrams of at most 512
/// bytes) after three dump and three acknowledged requests, checking that
/// events go only to started requests and that no request ends twice.
pub fn exchange(data: &[u8]) {
    let mut ex = Exchange::new();
    let mut buf = [0u8; 64];
    let mut ids = [None; 6];
    for (i, id) in ids.iter_mut().enumerate() {
        let req = RawRequest {
            message_type: 18,
            flags: 0,
            dump: i % 2 == 0,
            payload: &[0; 16],
        };
        *id = ex.start(&req, &mut buf).ok().map(|(id, _)| id);
    }
    let mut ended = [false; 6];
    for d in data.chunks(512) {
        for ev in ex.handle(d) {
            let i = ids
                .iter()
                .position(|x| *x == Some(ev.id))
                .expect("events only for started requests");
            assert!(!ended[i], "request ended twice");
            if !matches!(ev.kind, EventKind::Item(_)) {
                ended[i] = true;
            }
        }
    }
}

/// The inotify record parser, and the namespace watcher fed the same bytes
/// as several reads after a start with a listing (it must never panic, and
/// must report each name at most once per creation).
pub fn inotify(data: &[u8]) {
    for e in crate::inotify::Events::new(data) {
        let Ok(e) = e else { break };
        let _ = (e.is(crate::inotify::IN_CREATE), e.name.len());
    }
    #[cfg(feature = "alloc")]
    {
        use crate::machine::ns_watch::{Action, NsWatchOptions, NsWatcher, WatchTarget};
        let mut m = NsWatcher::new(
            "/run/netns",
            NsWatchOptions::default().directory_events(true),
        );
        let mut wd = 0;
        let mut settle = |m: &mut NsWatcher| {
            while let Some(a) = m.next_action() {
                match a {
                    Action::AddWatch(t) => {
                        wd += 1;
                        let _ = m.watch_added(t, Ok(wd));
                        let _ = m.path_of(WatchTarget::Parent);
                    }
                    Action::RemoveWatch(_) => {}
                    Action::ListDirectory => m.listed(["a", "b"]),
                }
            }
        };
        settle(&mut m);
        // The first byte splits the input into two reads.
        let cut = data.first().map_or(0, |&b| b as usize).min(data.len());
        for part in [&data[..cut], &data[cut..]] {
            let _ = m.feed(part);
            settle(&mut m);
            while m.next_event().is_some() {}
        }
    }
}

/// The generic netlink parsers over one datagram: the controller's family
/// view, WireGuard device messages (zero-copy, then reassembled), the
/// set-device decoder, and with `alloc` two round trips — a decoded
/// configuration split again by `SetDevice` must decode to itself, and the
/// diff machine fed the reassembled device must report each of its peers
/// exactly once.
pub fn genl(data: &[u8]) {
    use crate::genl::ctrl::FamilyMessage;
    use crate::genl::wireguard::DeviceMessage;
    #[cfg(feature = "alloc")]
    let mut asm = crate::genl::wireguard::DeviceAssembler::new();
    #[cfg(feature = "alloc")]
    let mut config = crate::genl::wireguard::ConfigAssembler::new();
    for m in Messages::new(data) {
        let Ok(m) = m else { break };
        if let Ok(f) = FamilyMessage::parse(&m) {
            let _ = (f.ops().count(), f.mcast_groups().count());
        }
        if let Ok(d) = DeviceMessage::parse(&m) {
            for p in d.peers() {
                let Ok(p) = p else { break };
                let _ = p.allowed_ips().count();
            }
        }
        #[cfg(feature = "alloc")]
        {
            use crate::machine::FromMessage;
            let _ = crate::genl::ctrl::Family::from_message(&m);
            let _ = asm.push_message(&m);
            let _ = config.push_message(&m);
        }
    }
    #[cfg(feature = "alloc")]
    {
        genl_round_trip(&config.finish());
        if let Some(device) = asm.finish() {
            genl_watch(device);
        }
    }
}

#[cfg(feature = "alloc")]
fn genl_round_trip(config: &crate::genl::wireguard::DeviceConfig) {
    use crate::genl::wireguard::{ConfigAssembler, SetDevice};
    use crate::route::LinkRef;
    let Ok(split) = SetDevice::new(0x20, LinkRef::Index(1), config) else {
        return;
    };
    let mut buf = alloc::vec![0u8; 70_000];
    let mut back = ConfigAssembler::new();
    for msg in split.max_len(1024) {
        let mut w = crate::wire::Writer::new(&mut buf);
        crate::Request::emit(&msg, &mut w, 1, 0);
        let n = w.finish().expect("a split message fits 70,000 bytes");
        assert!(n <= 1024, "split message of {n} bytes");
        let m = Messages::new(&buf[..n])
            .next()
            .expect("one message")
            .expect("a split message parses");
        back.push_message(&m).expect("a split message decodes");
    }
    assert_eq!(&back.finish(), config, "set-device split round trip");
}

#[cfg(feature = "alloc")]
fn genl_watch(device: crate::genl::wireguard::Device) {
    use crate::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};
    let Ok(mut w) = WgWatcher::new(&WgWatchOptions::new(["wg0"])) else {
        return;
    };
    let mut keys: alloc::vec::Vec<_> = device.peers.iter().map(|p| p.public_key).collect();
    keys.sort();
    keys.dedup();
    let mut out = alloc::vec::Vec::new();
    w.update(0, Ok(device), &mut out);
    let added: alloc::vec::Vec<_> = out
        .iter()
        .filter(|e| matches!(e, WgEvent::PeerAdded { .. }))
        .filter_map(WgEvent::public_key)
        .copied()
        .collect();
    assert_eq!(added, keys, "inventory: each peer once, by key");
    out.clear();
    w.update(0, Ok(Default::default()), &mut out);
    assert_eq!(out.len(), keys.len(), "every peer removed");
}
