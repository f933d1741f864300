//! Watches WireGuard interfaces and prints what changes: peers added and
//! removed, endpoints roaming, allowed IPs, handshakes. WireGuard has no
//! multicast group, so the watcher polls (every 2 s here) and diffs.
//!
//! Run: `cargo run -p nlwire-mio --example mio_wg_watch wg0 [wg1 …]`.

use std::time::Duration;

use nlwire_mio::{Connection, WgEvent, WgWatch, WgWatchOptions};

fn main() -> Result<(), nlwire::Error> {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let opts = WgWatchOptions::new(names).interval(Duration::from_secs(2));
    // The first round is the inventory: every peer as added.
    for round in WgWatch::new(Connection::generic()?, opts)? {
        for event in round {
            match event {
                WgEvent::PeerEndpointChanged {
                    interface,
                    public_key,
                    from,
                    to,
                } => {
                    println!("{interface} {public_key} roamed {from:?} -> {to:?}")
                }
                other => println!("{other:?}"),
            }
        }
    }
    Ok(())
}
