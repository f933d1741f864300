//! Watches WireGuard interfaces and prints what changes (polled every
//! 2 s and diffed: WireGuard has no multicast group).
//!
//! Run: `cargo run -p nlwire-async-io --example async_io_wg_watch wg0 [wg1 …]`.

use std::time::Duration;

use nlwire_async_io::{Connection, WgWatch, WgWatchOptions};

fn main() -> Result<(), nlwire::Error> {
    futures_lite::future::block_on(run_main())
}

async fn run_main() -> Result<(), nlwire::Error> {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let opts = WgWatchOptions::new(names).interval(Duration::from_secs(2));
    let mut watch = WgWatch::new(Connection::generic()?, opts)?;
    loop {
        for event in watch.next().await {
            println!("{event:?}");
        }
    }
}
