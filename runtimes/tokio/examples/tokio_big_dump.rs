//! A streaming dump with flat memory: installs N routes (default
//! 1,000,000) in a private namespace with one batch, then streams them
//! back, printing the peak resident memory, which does not grow with N.
//!
//! Run as root: `cargo run --release -p nlwire-tokio --example tokio_big_dump [N]`.

use std::net::Ipv6Addr;

use futures_lite::StreamExt;
use nlwire::Batch;
use nlwire::route::{GetLink, GetRoutes, LinkKind, LinkRequest, RouteRequest};
use nlwire_tokio::{Connection, Netns, NetnsDir};

fn peak_rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.unwrap_or("VmHWM: ?")
        .trim_start_matches("VmHWM:")
        .trim()
        .to_string()
}

#[tokio::main]
async fn main() -> Result<(), nlwire::Error> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = NetnsDir::default();
    let ns = dir.create("nlwire-ex-dump")?;
    let r = run(&ns, n).await;
    dir.remove("nlwire-ex-dump")?;
    r
}

async fn run(ns: &Netns, n: u32) -> Result<(), nlwire::Error> {
    let conn = Connection::new_in(ns)?;
    let veth = LinkKind::Veth {
        peer: "d1",
        peer_netns: None,
    };
    conn.request(LinkRequest::add("d0", veth)?.up(true)).await?;
    let index = conn.get(GetLink::by_name("d0")?).await?.index;
    let mut batch = Batch::with_capacity(n as usize, 64);
    for i in 0..n {
        let dst = Ipv6Addr::new(0x2001, 0xdb8, (i >> 16) as u16, i as u16, 0, 0, 0, 0);
        batch.push(&RouteRequest::add(dst.into(), 64)?.oif(index)?.table(100))?;
    }
    conn.batch(&batch).await?.into_result()?;
    drop(batch);
    println!("installed {n} routes; peak RSS {}", peak_rss());
    let mut count = 0u64;
    let mut routes = conn.dump(GetRoutes::ipv6().table(100));
    while let Some(route) = routes.next().await {
        route?;
        count += 1;
    }
    println!("streamed {count} routes; peak RSS {}", peak_rss());
    Ok(())
}
