//! Tun and tap devices made by `nlwire_sys::tun` (through each runtime
//! crate's re-export) in a test namespace, and read back through a link
//! dump on every runtime: kind `tun`, and in `IFLA_INFO_DATA` the type,
//! packet information, virtio header, persistence, multi-queue, owner and
//! group each option asked for. Deleting removes them; bad input is an
//! error that creates nothing; a descriptor attached to a device keeps a
//! device that is not persistent alive exactly as long as it is open. The
//! test names are `mio::…`, `poll::…`, `tokio::…` and `async_io::…`.
//!
//! The host kernel has tun (`/dev/net/tun`); so do the VM kernels.

use std::collections::BTreeMap;
use std::io;

use nlwire::route::linkinfo::{KindData, tun as ifla_tun};
use nlwire_sys::netns::Netns;
use nlwire_sys::tun::{Mode, Step, TunError, TunTap};
use nlwire_tests::{Client, Runtime, TestNs, per_runtime};

const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_NONE: u16 = 0xfffe;
const EBUSY: i32 = 16;
const ENODEV: i32 = 19;
const EINVAL: i32 = 22;

/// What the dump says of a tun/tap device.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Read {
    link_type: u16,
    /// `IFLA_TUN_TYPE`: 1 tun, 2 tap.
    ty: Option<u8>,
    pi: Option<u8>,
    vnet_hdr: Option<u8>,
    persist: Option<u8>,
    multi_queue: Option<u8>,
    owner: Option<u32>,
    group: Option<u32>,
}

/// Every link of kind `tun`, by name, read from the runtime's dump.
fn tun_links(c: &mut dyn Client) -> BTreeMap<String, Read> {
    let mut out = BTreeMap::new();
    for l in c.links().expect("dump links") {
        let Some(info) = l.other.get(IFLA_LINKINFO) else {
            continue;
        };
        let mut kind = None;
        let mut data: &[u8] = &[];
        for a in nlwire::wire::Attrs::new(info) {
            let a = a.expect("a well-formed IFLA_LINKINFO");
            match a.kind() {
                IFLA_INFO_KIND => kind = Some(a.str().expect("a kind").to_string()),
                IFLA_INFO_DATA => data = a.payload(),
                _ => {}
            }
        }
        if kind.as_deref() != Some("tun") {
            continue;
        }
        let d = KindData::new(data).expect("well-formed IFLA_INFO_DATA");
        let u32_of = |k| {
            d.get(k)
                .map(|b| u32::from_ne_bytes(b.try_into().expect("a u32")))
        };
        out.insert(
            l.name.clone(),
            Read {
                link_type: l.link_type,
                ty: d.u8(ifla_tun::TYPE),
                pi: d.u8(ifla_tun::PI),
                vnet_hdr: d.u8(ifla_tun::VNET_HDR),
                persist: d.u8(ifla_tun::PERSIST),
                multi_queue: d.u8(ifla_tun::MULTI_QUEUE),
                owner: u32_of(ifla_tun::OWNER),
                group: u32_of(ifla_tun::GROUP),
            },
        );
    }
    out
}

/// The tun links once they are `want`, waiting up to 5 s: a descriptor
/// closed here lives on for a moment in a child that another test thread
/// is forking (until its `exec` closes it), and a device that is going
/// goes when its last copy is closed.
fn settled(c: &mut dyn Client, want: &BTreeMap<String, Read>) -> BTreeMap<String, Read> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let now = tun_links(c);
        if now == *want || std::time::Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `create_in` through the runtime's own re-export of the module.
fn create_in(rt: Runtime, t: &TunTap, ns: &Netns) -> io::Result<String> {
    match rt {
        Runtime::Mio | Runtime::Poll => nlwire_mio::tun::TunTap::create_in(t, ns),
        Runtime::Tokio => nlwire_tokio::tun::TunTap::create_in(t, ns),
        Runtime::AsyncIo => nlwire_async_io::tun::TunTap::create_in(t, ns),
    }
}

/// Attaches to a single-queue device that this process just made. The
/// descriptor `create_in` used is closed by then, but a child that another
/// test's thread forked meanwhile (to run `ip`) holds a copy until it
/// execs, and the kernel refuses a second attach with `EBUSY` until then.
fn attach_when_free(t: &TunTap, ns: &Netns) -> std::fs::File {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match t.attach_in(ns) {
            Ok(fd) => return fd,
            Err(e) => {
                assert_eq!(step_errno(&e), (Step::SetIff, Some(EBUSY)), "{e}");
                assert!(std::time::Instant::now() < deadline, "{e}");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// The test namespace, opened.
fn netns(ns: &TestNs) -> Netns {
    Netns::from_path(ns.path()).expect("open the test namespace")
}

/// The step and errno of an error from the tun module.
fn step_errno(e: &io::Error) -> (Step, Option<i32>) {
    let t = TunError::of(e).unwrap_or_else(|| panic!("not a TunError: {e:?}"));
    (t.step(), t.raw_os_error())
}

/// A persistent device as the dump shows it.
fn persistent(mode: Mode) -> Read {
    Read {
        link_type: if mode == Mode::Tap {
            ARPHRD_ETHER
        } else {
            ARPHRD_NONE
        },
        ty: Some(if mode == Mode::Tap { 2 } else { 1 }),
        pi: Some(0),
        vnet_hdr: Some(0),
        persist: Some(1),
        multi_queue: Some(0),
        owner: None,
        group: None,
    }
}

/// Each option, alone and together, made and read back; `ip` reads the
/// same; then deleted.
fn created_read_back_and_deleted(c: &mut dyn Client, ns: &TestNs) {
    let rt = c.runtime();
    let target = netns(ns);
    let here = Netns::current().expect("this thread's namespace");
    let cases: Vec<(TunTap, Read)> = vec![
        (TunTap::new("tt-tun", Mode::Tun), persistent(Mode::Tun)),
        (TunTap::new("tt-tap", Mode::Tap), persistent(Mode::Tap)),
        (
            TunTap::new("tt-pi", Mode::Tun).pi(true),
            Read {
                pi: Some(1),
                ..persistent(Mode::Tun)
            },
        ),
        (
            TunTap::new("tt-vnet", Mode::Tap).vnet_hdr(true),
            Read {
                vnet_hdr: Some(1),
                ..persistent(Mode::Tap)
            },
        ),
        (
            TunTap::new("tt-mq", Mode::Tap).multi_queue(true),
            Read {
                multi_queue: Some(1),
                ..persistent(Mode::Tap)
            },
        ),
        (
            TunTap::new("tt-oq", Mode::Tun).one_queue(true),
            persistent(Mode::Tun),
        ),
        (
            TunTap::new("tt-owned", Mode::Tap).owner(1000).group(100),
            Read {
                owner: Some(1000),
                group: Some(100),
                ..persistent(Mode::Tap)
            },
        ),
        (
            TunTap::new("tt-all", Mode::Tun)
                .pi(true)
                .vnet_hdr(true)
                .multi_queue(true)
                .one_queue(true)
                .owner(0)
                .group(0),
            Read {
                pi: Some(1),
                vnet_hdr: Some(1),
                multi_queue: Some(1),
                owner: Some(0),
                group: Some(0),
                ..persistent(Mode::Tun)
            },
        ),
    ];
    let mut want = BTreeMap::new();
    for (spec, read) in &cases {
        let name = create_in(rt, spec, &target).unwrap_or_else(|e| panic!("{rt}: {e}"));
        assert_eq!(name, spec.name);
        want.insert(name, read.clone());
    }
    // An empty name: the kernel picks one, and says which.
    let picked = create_in(rt, &TunTap::new("", Mode::Tap), &target).unwrap();
    assert_eq!(picked, "tap0");
    want.insert(picked.clone(), persistent(Mode::Tap));
    assert_eq!(tun_links(c), want, "{rt}: what the dump shows");
    assert_eq!(
        Netns::current().unwrap(),
        here,
        "the calling thread stayed where it was"
    );
    // ip reads the same, and the flags netlink does not carry.
    let shown = ns.ip(&["tuntap", "show"]);
    for line in [
        "tt-oq: tun one_queue persist\n",
        "tt-all: tun pi one_queue multi_queue vnet_hdr persist filter user 0 group 0\n",
        "tt-owned: tap persist user 1000 group 100\n",
    ] {
        assert!(shown.contains(line), "{rt}: no {line:?} in\n{shown}");
    }
    for l in ns.ip_json(&["-d", "link", "show"]).as_array().unwrap() {
        let name = l["ifname"].as_str().unwrap();
        let Some(r) = want.get(name) else { continue };
        let d = &l["linkinfo"]["info_data"];
        assert_eq!(d["type"], if r.ty == Some(2) { "tap" } else { "tun" });
        assert_eq!(d["pi"], r.pi == Some(1), "{name}");
        assert_eq!(d["vnet_hdr"], r.vnet_hdr == Some(1), "{name}");
        assert_eq!(d["multi_queue"], r.multi_queue == Some(1), "{name}");
        assert_eq!(d["persist"], true, "{name}");
    }

    // The same name again: EBUSY (IFF_TUN_EXCL), of either mode.
    for mode in [Mode::Tap, Mode::Tun] {
        let e = create_in(rt, &TunTap::new("tt-tap", mode), &target).unwrap_err();
        assert_eq!(step_errno(&e), (Step::SetIff, Some(EBUSY)), "{e}");
        assert_eq!(e.kind(), io::ErrorKind::ResourceBusy);
        assert!(e.to_string().contains("\"tt-tap\""), "{e}");
    }
    // The wrong mode: EINVAL, and the device stays.
    let e = TunTap::new("tt-tap", Mode::Tun)
        .delete_in(&target)
        .unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetIff, Some(EINVAL)), "{e}");
    let e = nlwire_sys::tun::delete_in(&target, "tt-tun", Mode::Tap).unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetIff, Some(EINVAL)), "{e}");
    // A multi-queue device asks for the flag, which `delete` finds.
    let e = TunTap::new("tt-mq", Mode::Tap)
        .delete_in(&target)
        .unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetIff, Some(EINVAL)), "{e}");
    assert_eq!(tun_links(c), want, "{rt}: refused deletes removed nothing");
    // No such device.
    let e = nlwire_sys::tun::delete_in(&target, "tt-none", Mode::Tap).unwrap_err();
    assert_eq!(step_errno(&e), (Step::Lookup, Some(ENODEV)), "{e}");

    for (spec, _) in &cases {
        if spec.name == "tt-all" {
            spec.delete_in(&target)
                .unwrap_or_else(|e| panic!("{rt}: {e}"));
        } else {
            nlwire_sys::tun::delete_in(&target, &spec.name, spec.mode)
                .unwrap_or_else(|e| panic!("{rt}: {e}"));
        }
        want.remove(&spec.name);
        assert_eq!(
            settled(c, &want),
            want,
            "{rt}: after deleting {}",
            spec.name
        );
    }
    nlwire_sys::tun::delete_in(&target, &picked, Mode::Tap).unwrap();
    assert_eq!(settled(c, &BTreeMap::new()), BTreeMap::new());
}

/// Names the kernel would refuse, and an owner it refuses: an error, and
/// no device.
fn bad_input_creates_nothing(c: &mut dyn Client, ns: &TestNs) {
    let rt = c.runtime();
    let target = netns(ns);
    let before = c.links().unwrap().len();
    for name in [
        "abcdefghijklmnop",
        "a-much-longer-name-still",
        "a/b",
        "a:b",
        "a b",
        ".",
        "..",
    ] {
        for mode in [Mode::Tun, Mode::Tap] {
            let e = create_in(rt, &TunTap::new(name, mode), &target).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{name}: {e}");
            assert_eq!(step_errno(&e), (Step::Name, None), "{name}");
            assert!(
                TunError::of(&e).unwrap().invalid_input().is_some(),
                "{name}"
            );
        }
    }
    let e = create_in(rt, &TunTap::new("abcdefghijklmnop", Mode::Tap), &target).unwrap_err();
    assert_eq!(
        e.to_string(),
        "create tap \"abcdefghijklmnop\": interface name is 16 bytes long; the kernel allows at most 15"
    );
    // uid -1 is no user: the kernel refuses it after TUNSETIFF, and the
    // half-made device goes with the descriptor.
    let e = create_in(
        rt,
        &TunTap::new("tt-bad-uid", Mode::Tap).owner(u32::MAX),
        &target,
    )
    .unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetOwner, Some(EINVAL)), "{e}");
    let e = create_in(
        rt,
        &TunTap::new("tt-bad-gid", Mode::Tun).group(u32::MAX),
        &target,
    )
    .unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetGroup, Some(EINVAL)), "{e}");
    assert_eq!(settled(c, &BTreeMap::new()), BTreeMap::new(), "{rt}");
    assert_eq!(c.links().unwrap().len(), before);
}

/// A descriptor attached to a device that is not persistent keeps it as
/// long as it is open; one attached to a persistent device makes deleting
/// it busy.
fn attached_devices(c: &mut dyn Client, ns: &TestNs) {
    let rt = c.runtime();
    let target = netns(ns);
    let held = TunTap::new("tt-held", Mode::Tun)
        .attach_in(&target)
        .unwrap();
    let links = tun_links(c);
    assert_eq!(
        links.get("tt-held"),
        Some(&Read {
            persist: Some(0),
            ..persistent(Mode::Tun)
        }),
        "{rt}: {links:?}"
    );
    drop(held);
    assert_eq!(
        settled(c, &BTreeMap::new()),
        BTreeMap::new(),
        "{rt}: the device went with its descriptor"
    );

    let name = create_in(rt, &TunTap::new("tt-busy", Mode::Tap), &target).unwrap();
    let fd = attach_when_free(&TunTap::new(name.as_str(), Mode::Tap), &target);
    let e = nlwire_sys::tun::delete_in(&target, &name, Mode::Tap).unwrap_err();
    assert_eq!(step_errno(&e), (Step::SetIff, Some(EBUSY)), "{e}");
    drop(fd);
    // Until a child forked meanwhile has closed its copy, still busy.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while let Err(e) = nlwire_sys::tun::delete_in(&target, &name, Mode::Tap) {
        assert_eq!(step_errno(&e), (Step::SetIff, Some(EBUSY)), "{e}");
        assert!(std::time::Instant::now() < deadline, "{rt}: {e}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(settled(c, &BTreeMap::new()), BTreeMap::new());

    // The queues of a multi-queue device: each attach adds one.
    let mq = TunTap::new("tt-mq", Mode::Tap).multi_queue(true);
    mq.create_in(&target).unwrap();
    let queues = [
        mq.attach_in(&target).unwrap(),
        mq.attach_in(&target).unwrap(),
    ];
    let l = ns.ip_json(&["-d", "link", "show", "dev", "tt-mq"]);
    assert_eq!(l[0]["linkinfo"]["info_data"]["numqueues"], 2, "{l}");
    drop(queues);
    nlwire_sys::tun::delete_in(&target, "tt-mq", Mode::Tap).unwrap();
    assert_eq!(settled(c, &BTreeMap::new()), BTreeMap::new());
}

per_runtime! {
    gate: tun_or_skip,
    client: [
        created_read_back_and_deleted,
        bad_input_creates_nothing,
        attached_devices,
    ],
}
