//! Shared helpers of nlwire's benchmarks: synthetic kernel frames and a
//! counting allocator, and the raw floors' spinning receive.

use nlwire::route::route::{
    RTA_CACHEINFO, RTA_DST, RTA_OIF, RTA_PREF, RTA_PRIORITY, RTA_TABLE, RTN_UNICAST,
};
use nlwire::route::{AF_INET, AF_INET6, RTM_NEWROUTE, RtMsg};
use nlwire::wire::{NLM_F_MULTI, Writer};

pub use nlwire_sys::alloc_count::{CountingAlloc, allocations};

/// One IPv4 address as the kernel dumps it: `ifaddrmsg`, then
/// `IFA_ADDRESS`, `IFA_LOCAL`, `IFA_BROADCAST`, `IFA_LABEL`, `IFA_FLAGS`
/// and `IFA_CACHEINFO`.
pub fn addr4_message() -> Vec<u8> {
    use nlwire::route::RTM_NEWADDR;
    use nlwire::route::addr::{
        IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL, IFA_LOCAL,
    };
    one_message(RTM_NEWADDR, |w| {
        // struct ifaddrmsg: family, prefix length, flags, scope, index.
        w.put(&[AF_INET, 24, 0x80, 0]);
        w.put(&2u32.to_ne_bytes());
        w.attr(IFA_ADDRESS, &[192, 0, 2, 1]);
        w.attr(IFA_LOCAL, &[192, 0, 2, 1]);
        w.attr(IFA_BROADCAST, &[192, 0, 2, 255]);
        w.attr(IFA_LABEL, b"eth0:web\0");
        w.attr_u32(IFA_FLAGS, 0x80);
        w.attr(IFA_CACHEINFO, &[0xffu8; 16]);
    })
}

/// One dump message of type `kind` (seq 1, port 4242), its body written
/// by `body`.
fn one_message(kind: u16, body: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 512];
    let mut w = Writer::new(&mut buf);
    let m = w.begin_message(kind, NLM_F_MULTI, 1, 4242);
    body(&mut w);
    w.end_message(m);
    let len = w.finish().expect("fits");
    buf.truncate(len);
    buf
}

/// CPU time so far (user + sys): this process's threads' and its
/// waited-for children's.
pub fn cpu_now() -> std::time::Duration {
    let (u, s) = nlwire_sys::rusage::process_cpu().expect("getrusage");
    let (cu, cs) = nlwire_sys::rusage::children_cpu().expect("getrusage");
    u + s + cu + cs
}

/// One IPv6 route as the kernel dumps it: table, dst, priority, oif, the
/// router preference, and `RTA_CACHEINFO` (which every IPv6 route carries
/// and the owned `Route` keeps undecoded).
pub fn route6_message() -> Vec<u8> {
    one_message(RTM_NEWROUTE, |w| {
        RtMsg {
            family: AF_INET6,
            dst_len: 64,
            table: 254,
            protocol: 3,
            kind: RTN_UNICAST,
            ..Default::default()
        }
        .emit(w);
        w.attr_u32(RTA_TABLE, 254);
        let dst: std::net::Ipv6Addr = "2001:db8:1::".parse().expect("address");
        w.attr(RTA_DST, &dst.octets());
        w.attr_u32(RTA_PRIORITY, 1024);
        w.attr_u32(RTA_OIF, 2);
        w.attr(RTA_CACHEINFO, &[0u8; 32]);
        w.attr(RTA_PREF, &[0u8]);
    })
}

/// Datagrams of a dump of `n` IPv4 routes as the kernel packs them (at most
/// 32 KiB each): `RTM_NEWROUTE` with table, dst, priority and oif.
pub fn route_dump(n: u32) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    let mut i = 0;
    while i < n {
        let mut w = Writer::new(&mut buf);
        while i < n && w.len() + 64 <= 32 * 1024 {
            let m = w.begin_message(RTM_NEWROUTE, NLM_F_MULTI, 1, 4242);
            RtMsg {
                family: AF_INET,
                dst_len: 32,
                table: 254,
                protocol: 4,
                kind: RTN_UNICAST,
                ..Default::default()
            }
            .emit(&mut w);
            w.attr_u32(RTA_TABLE, 254);
            w.attr(RTA_DST, &(0x0a00_0000u32 + i).to_be_bytes());
            w.attr_u32(RTA_PRIORITY, 100);
            w.attr_u32(RTA_OIF, 2);
            w.end_message(m);
            i += 1;
        }
        let len = w.finish().expect("fits");
        out.push(buf[..len].to_vec());
    }
    out
}

/// Receives one datagram from a non-blocking `sock` into `buf`, spinning
/// while nothing is queued (the raw floors' receive: no `epoll`, no
/// sleep); returns its length. Panics on any other error.
pub fn spin_recv(sock: &nlwire_sys::NetlinkSocket, buf: &mut [u8]) -> usize {
    loop {
        match sock.recv(buf) {
            Ok(l) => return l,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => panic!("recv: {e}"),
        }
    }
}

/// The median of some timings (the upper one of an even count).
pub fn median(mut v: Vec<std::time::Duration>) -> std::time::Duration {
    v.sort();
    v[v.len() / 2]
}

/// The README's examples, compiled (not run) with the workspace's tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
