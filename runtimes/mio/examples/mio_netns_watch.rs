//! Watches the named network namespaces (`ip netns add|del`) and prints
//! each change, after the names already there. The watcher survives the
//! directory being removed and re-created.
//!
//! Run: `cargo run -p nlwire-mio --example mio_netns_watch [DIR]` (default
//! `/var/run/netns`), then `ip netns add x; ip netns del x` elsewhere.

use nlwire_mio::{DEFAULT_NETNS_DIR, NsEvent, NsWatch};

fn main() -> Result<(), nlwire::Error> {
    let dir = std::env::args().nth(1).unwrap_or(DEFAULT_NETNS_DIR.into());
    // Listed after the watch started: nothing falls between the two.
    let (names, watch) = NsWatch::list_and_watch(&dir)?;
    for name in names {
        println!("present {name}");
    }
    for event in watch {
        match event? {
            NsEvent::Created { name } => println!("added {name}"),
            NsEvent::Deleted { name } => println!("deleted {name}"),
            other => println!("{other:?}"),
        }
    }
    Ok(())
}
