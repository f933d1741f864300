//! Watches the named network namespaces (`ip netns add|del`) and prints
//! each change, after the names already there.
//!
//! Run: `cargo run -p nlwire-tokio --example tokio_netns_watch [DIR]`.

use nlwire_tokio::{DEFAULT_NETNS_DIR, NsEvent, NsWatch};

#[tokio::main]
async fn main() -> Result<(), nlwire::Error> {
    let dir = std::env::args().nth(1).unwrap_or(DEFAULT_NETNS_DIR.into());
    let (names, mut watch) = NsWatch::list_and_watch(&dir)?;
    for name in names {
        println!("present {name}");
    }
    loop {
        match watch.next().await? {
            NsEvent::Created { name } => println!("added {name}"),
            NsEvent::Deleted { name } => println!("deleted {name}"),
            other => println!("{other:?}"),
        }
    }
}
