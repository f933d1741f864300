//! A streaming dump with flat memory: installs N routes (default
//! 1,000,000) in a private namespace with one batch, then reads them back
//! as a stream of owned routes and as zero-copy views, printing the peak
//! resident memory, which does not grow with N.
//!
//! Run as root: `cargo run --release -p nlwire-mio --example mio_big_dump [N]`.

use std::net::Ipv6Addr;

use nlwire::Batch;
use nlwire::route::{GetRoutes, LinkKind, LinkRequest, RouteRequest};
use nlwire_mio::{Connection, NetnsDir};

fn peak_rss_kib() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.unwrap_or("VmHWM: ?")
        .trim_start_matches("VmHWM:")
        .trim()
        .to_string()
}

fn main() -> Result<(), nlwire::Error> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = NetnsDir::default();
    let ns = dir.create("nlwire-ex-dump")?;
    let r = run(&ns, n);
    dir.remove("nlwire-ex-dump")?;
    r
}

fn run(ns: &nlwire_mio::Netns, n: u32) -> Result<(), nlwire::Error> {
    let mut conn = Connection::new_in(ns)?;
    let veth = LinkKind::Veth {
        peer: "d1",
        peer_netns: None,
    };
    conn.request(LinkRequest::add("d0", veth)?.up(true))?;
    let index = conn.get(nlwire::route::GetLink::by_name("d0")?)?.index;
    let mut batch = Batch::with_capacity(n as usize, 64);
    for i in 0..n {
        let dst = Ipv6Addr::new(0x2001, 0xdb8, (i >> 16) as u16, i as u16, 0, 0, 0, 0);
        batch.push(&RouteRequest::add(dst.into(), 64)?.oif(index)?.table(100))?;
    }
    conn.batch(&batch)?.into_result()?;
    drop(batch);
    println!("installed {n} routes; peak RSS {}", peak_rss_kib());

    let mut owned = 0u64;
    for route in conn.dump(GetRoutes::ipv6().table(100)) {
        owned += u64::from(route?.dst_len);
    }
    println!(
        "owned items: sum of prefix lengths {owned}; peak RSS {}",
        peak_rss_kib()
    );

    let mut views = 0u64;
    conn.dump_with(GetRoutes::ipv6().table(100), |r| {
        views += u64::from(r.header.dst_len)
    })?;
    println!(
        "views: sum of prefix lengths {views}; peak RSS {}",
        peak_rss_kib()
    );
    Ok(())
}
