//! Watches WireGuard interfaces and prints what changes (polled every
//! 2 s and diffed: WireGuard has no multicast group).
//!
//! Run: `cargo run -p nlwire-tokio --example tokio_wg_watch wg0 [wg1 …]`.

use std::time::Duration;

use nlwire_tokio::{Connection, WgWatch, WgWatchOptions};

#[tokio::main]
async fn main() -> Result<(), nlwire::Error> {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let opts = WgWatchOptions::new(names).interval(Duration::from_secs(2));
    let mut watch = WgWatch::new(Connection::generic()?, opts)?;
    loop {
        for event in watch.next().await {
            println!("{event:?}");
        }
    }
}
