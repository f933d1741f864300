//! A container's network setup, the way a CNI plugin or a container
//! runtime does it — without shelling out to `ip` (see the blocking
//! version in `nlwire-mio` for the steps). Everything happens in two
//! private namespaces that the example removes again.
//!
//! Run as root: `cargo run -p nlwire-tokio --example tokio_container`.

use futures_lite::StreamExt;
use nlwire::ops;
use nlwire_tokio::{Connection, Netns, NetnsDir, sysctl};

#[tokio::main]
async fn main() -> Result<(), nlwire::Error> {
    let dir = NetnsDir::default();
    let host_ns = dir.create("nlwire-ex-host")?;
    let ctr_ns = dir.create("nlwire-ex-ctr")?;
    let r = setup(&host_ns, &ctr_ns).await;
    dir.remove("nlwire-ex-ctr")?;
    dir.remove("nlwire-ex-host")?;
    r
}

async fn setup(host_ns: &Netns, ctr_ns: &Netns) -> Result<(), nlwire::Error> {
    let host = Connection::new_in(host_ns)?;
    host.execute(ops::create_veth("veth-ctr", "veth-tmp")?)
        .await?;
    // Moved and renamed in one request: it never shows up as veth-tmp there.
    host.execute(ops::move_link_to_netns(
        "veth-tmp",
        ctr_ns.as_target(),
        Some("eth0"),
    )?)
    .await?;
    host.execute(ops::add_address(
        "veth-ctr",
        "192.0.2.1".parse().unwrap(),
        24,
    )?)
    .await?;
    host.execute(ops::set_link_up("veth-ctr")?).await?;
    sysctl::set_in(host_ns, "net.ipv4.ip_forward", "1")?;

    let ctr = Connection::new_in(ctr_ns)?;
    // Requests of one connection may run concurrently: they are pipelined.
    let (lo, addr) = futures_lite::future::zip(
        ctr.execute(ops::set_link_up("lo")?),
        ctr.execute(ops::add_address("eth0", "192.0.2.2".parse().unwrap(), 24)?),
    )
    .await;
    lo?;
    addr?;
    ctr.execute(ops::set_link_up("eth0")?).await?;
    ctr.execute(ops::add_default_route_via("192.0.2.1".parse().unwrap())?)
        .await?;

    let mut links = ctr.links();
    while let Some(link) = links.next().await {
        let link = link?;
        println!(
            "container link {}: {} ({:?})",
            link.index, link.name, link.operstate
        );
    }
    let existed = host
        .execute(ops::delete_link_if_exists("veth-ctr")?)
        .await?;
    println!("veth pair removed: {existed}");
    Ok(())
}
