//! The mirror against a scripted kernel: random link changes, random
//! dropped notifications (the socket overruns) and random interrupted
//! listings. Whatever happens, once things are quiet the mirror equals the
//! kernel, and the changes it reported, applied to its first snapshot,
//! give exactly its tables; a resync never reports an object as both
//! removed and added.
//!
//! The scripted kernel behaves as Linux does where it matters: a listing's
//! first datagram is built when the request arrives and each later one
//! when the previous one is read, from the table as it is then, in index
//! order; a notification is queued when the change is made; a listing is
//! marked interrupted when links were added or removed between two of its
//! datagrams; after an overrun the next receive fails with `ENOBUFS`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use nlwire::machine::Mux;
use nlwire::machine::mirror::{Key, Mirror, MirrorEvent, Object};
use nlwire::machine::task::{Action, Task};
use nlwire::route::IfInfoMsg;
use nlwire::route::events::Groups;
use nlwire::wire::{Header, NLM_F_DUMP_INTR, NLM_F_MULTI, Writer};
use proptest::prelude::*;

const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;

fn link(kind: u16, seq: u32, flags: u16, index: u32, mtu: u32) -> Vec<u8> {
    let mut buf = [0u8; 128];
    let mut w = Writer::new(&mut buf);
    let m = w.begin_message(kind, flags, seq, 0);
    IfInfoMsg {
        index,
        ..Default::default()
    }
    .emit(&mut w);
    w.attr_str(IFLA_IFNAME, &format!("l{index}"));
    w.attr(IFLA_MTU, &mtu.to_ne_bytes());
    w.end_message(m);
    let n = w.finish().unwrap();
    buf[..n].to_vec()
}

fn done(seq: u32, flags: u16) -> Vec<u8> {
    let mut v = Header {
        len: 20,
        kind: 3,
        flags: NLM_F_MULTI | flags,
        seq,
        port: 0,
    }
    .to_bytes()
    .to_vec();
    v.extend_from_slice(&0i32.to_ne_bytes());
    v
}

#[derive(Debug, Clone)]
enum Step {
    /// Create or change link `index` to this MTU.
    Set(u32, u32),
    /// Remove link `index` (if it exists).
    Del(u32),
    /// The next `n` notifications are dropped (the socket overruns).
    Drop(u8),
    /// The mirror reads whatever is waiting.
    Read,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1u32..16, 1000u32..1004).prop_map(|(i, m)| Step::Set(i, m)),
        2 => (1u32..16).prop_map(Step::Del),
        1 => (1u8..4).prop_map(Step::Drop),
        3 => Just(Step::Read),
    ]
}

/// The scripted kernel and the socket between it and the mirror.
#[derive(Default)]
struct Kernel {
    links: BTreeMap<u32, u32>,
    /// Bumped when a link is added or removed (the kernel's
    /// `dev_base_seq`).
    generation: u64,
    queue: VecDeque<(Vec<u8>, u32)>,
    overrun: bool,
    dropping: u8,
    /// A listing in progress: its seq, the last index listed, and the
    /// generation its previous datagram saw.
    listing: Option<(u32, u32, u64)>,
}

impl Kernel {
    fn notify(&mut self, d: Vec<u8>) {
        if self.dropping > 0 {
            self.dropping -= 1;
            self.overrun = true;
        } else {
            self.queue.push_back((d, 1));
        }
    }

    fn set(&mut self, i: u32, mtu: u32) {
        if self.links.insert(i, mtu).is_none() {
            self.generation += 1;
        }
        self.notify(link(RTM_NEWLINK, 0, 0, i, mtu));
    }

    fn del(&mut self, i: u32) {
        if let Some(mtu) = self.links.remove(&i) {
            self.generation += 1;
            self.notify(link(RTM_DELLINK, 0, 0, i, mtu));
        }
    }

    /// Builds the next datagram of the listing: up to three links.
    fn chunk(&mut self) {
        let Some((seq, pos, seen)) = self.listing else {
            return;
        };
        let intr = if seen != self.generation {
            NLM_F_DUMP_INTR
        } else {
            0
        };
        let next: Vec<(u32, u32)> = self
            .links
            .range(pos + 1..)
            .take(3)
            .map(|(&i, &m)| (i, m))
            .collect();
        let mut d = Vec::new();
        for &(i, m) in &next {
            d.extend(link(RTM_NEWLINK, seq, NLM_F_MULTI | intr, i, m));
        }
        if next.len() < 3 {
            d.extend(done(seq, intr));
            self.listing = None;
        } else {
            self.listing = Some((seq, next[2].0, self.generation));
        }
        self.queue.push_back((d, 0));
    }

    /// A request from the mirror.
    fn request(&mut self, bytes: &[u8]) {
        let h = Header::parse(bytes).unwrap();
        // The mirror of links only lists links.
        assert_eq!(h.kind, 18);
        self.listing = Some((h.seq, 0, self.generation));
        self.chunk();
    }
}

/// Drives the mirror until it waits with nothing to deliver; returns its
/// events.
fn run(m: &mut Mirror, mux: &mut Mux, k: &mut Kernel, now: &mut Duration) -> Vec<MirrorEvent> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        // A listing the mux held back (one at a time) whose turn came.
        while let Some((_, bytes)) = mux.take_transmit() {
            k.request(&bytes);
        }
        match m.poll(mux) {
            Action::Done(Ok(e)) => out.push(e),
            Action::Done(Err(e)) => panic!("the mirror failed: {e}"),
            Action::Send => {
                let bytes = mux.outgoing().to_vec();
                k.request(&bytes);
                m.sent(mux, Ok(()));
            }
            Action::Receive(_) => {
                // As the engine does: the datagram just processed may have
                // ended the running listing, and a queued one is due.
                if let Some((_, bytes)) = mux.take_transmit() {
                    k.request(&bytes);
                }
                if k.overrun {
                    k.overrun = false;
                    mux.overrun();
                    continue;
                }
                if k.queue.is_empty() && k.listing.is_some() {
                    k.chunk();
                }
                if let Some((d, group)) = k.queue.pop_front() {
                    let b = mux.recv_buffer();
                    b[..d.len()].copy_from_slice(&d);
                    mux.received_from(d.len(), group);
                    continue;
                }
                // Nothing to receive: time passes if the mirror waits for
                // the end of a backoff (at most a second); a longer wait
                // is the mirror idle, with nothing to read.
                let until = m.wait(mux, *now).expect("no timeout here");
                if until > *now && until <= *now + Duration::from_secs(1) {
                    *now = until;
                    let _ = m.wait(mux, *now);
                    continue;
                }
                return out;
            }
        }
    }
    panic!("the mirror does not settle");
}

fn links_of(m: &Mirror) -> BTreeMap<u32, u32> {
    m.links().map(|l| (l.index, l.mtu.unwrap())).collect()
}

fn mtu_of(o: &Object) -> (u32, u32) {
    match o {
        Object::Link(l) => (l.index, l.mtu.unwrap()),
        o => panic!("{o:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_mirror_converges_and_its_changes_add_up(
        start in prop::collection::btree_map(1u32..16, 1000u32..1004, 0..10),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let mut k = Kernel { links: start, ..Kernel::default() };
        let mut mux = Mux::default();
        mux.subscribe();
        let mut m = Mirror::new(Groups::links(), Duration::from_secs(5));
        let mut now = Duration::ZERO;
        let mut shadow: Option<BTreeMap<u32, u32>> = None;
        let mut resync: Option<(BTreeSet<Key>, BTreeSet<Key>)> = None;
        let mut drops = 0;
        let mut apply = |events: Vec<MirrorEvent>, m: &Mirror| {
            for e in events {
                match e {
                    MirrorEvent::Synced => {
                        if shadow.is_none() {
                            shadow = Some(links_of(m));
                        }
                        resync = None;
                    }
                    MirrorEvent::Resyncing(_) => resync = Some(Default::default()),
                    MirrorEvent::Added(o) => {
                        if let Some((added, removed)) = &mut resync {
                            assert!(!removed.contains(&o.key()), "removed and added: {o:?}");
                            added.insert(o.key());
                        }
                        let (i, mtu) = mtu_of(&o);
                        let s = shadow.as_mut().expect("a change before the first Synced");
                        assert!(s.insert(i, mtu).is_none(), "added twice: {i}");
                    }
                    MirrorEvent::Changed { old, new } => {
                        let (i, mtu) = mtu_of(&new);
                        let s = shadow.as_mut().expect("a change before the first Synced");
                        assert_eq!(s.insert(i, mtu), Some(mtu_of(&old).1));
                    }
                    MirrorEvent::Removed(o) => {
                        if let Some((added, removed)) = &mut resync {
                            assert!(!added.contains(&o.key()), "added and removed: {o:?}");
                            removed.insert(o.key());
                        }
                        let (i, mtu) = mtu_of(&o);
                        let s = shadow.as_mut().expect("a change before the first Synced");
                        assert_eq!(s.remove(&i), Some(mtu));
                    }
                    e => panic!("{e:?}"),
                }
            }
        };
        for s in steps {
            match s {
                Step::Set(i, mtu) => k.set(i, mtu),
                Step::Del(i) => k.del(i),
                // A few overruns at most, so that retries stay bounded.
                Step::Drop(n) if drops < 6 => {
                    drops += 1;
                    k.dropping = n;
                }
                Step::Drop(_) => {}
                Step::Read => {
                    let ev = run(&mut m, &mut mux, &mut k, &mut now);
                    apply(ev, &m);
                }
            }
        }
        k.dropping = 0;
        let ev = run(&mut m, &mut mux, &mut k, &mut now);
        apply(ev, &m);
        prop_assert!(m.is_synced());
        prop_assert_eq!(&links_of(&m), &k.links, "the mirror is not the kernel");
        prop_assert_eq!(shadow.as_ref(), Some(&k.links), "the changes do not add up");
    }
}
