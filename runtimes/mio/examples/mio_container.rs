//! A container's network setup, the way a CNI plugin or a container
//! runtime does it — without shelling out to `ip`:
//!
//! 1. a "host" and a "container" network namespace (both private to this
//!    example, so the machine's own interfaces are never touched);
//! 2. a veth pair in the host namespace, one end moved into the container
//!    and renamed `eth0` in the same request;
//! 3. addresses, links up, a default route in the container, forwarding on
//!    the host side;
//! 4. everything removed again.
//!
//! Run as root: `cargo run -p nlwire-mio --example mio_container`.

use nlwire::ops;
use nlwire_mio::{Connection, NetnsDir, sysctl};

fn main() -> Result<(), nlwire::Error> {
    let dir = NetnsDir::default();
    let host_ns = dir.create("nlwire-ex-host")?;
    let ctr_ns = dir.create("nlwire-ex-ctr")?;
    let r = setup(&host_ns, &ctr_ns);
    dir.remove("nlwire-ex-ctr")?;
    dir.remove("nlwire-ex-host")?;
    r
}

fn setup(host_ns: &nlwire_mio::Netns, ctr_ns: &nlwire_mio::Netns) -> Result<(), nlwire::Error> {
    let mut host = Connection::new_in(host_ns)?;
    host.execute(ops::create_veth("veth-ctr", "veth-tmp")?)?;
    // Moved and renamed in one request: it never shows up as veth-tmp there.
    host.execute(ops::move_link_to_netns(
        "veth-tmp",
        ctr_ns.as_target(),
        Some("eth0"),
    )?)?;
    host.execute(ops::add_address(
        "veth-ctr",
        "192.0.2.1".parse().unwrap(),
        24,
    )?)?;
    host.execute(ops::set_link_up("veth-ctr")?)?;
    sysctl::set_in(host_ns, "net.ipv4.ip_forward", "1")?;

    let mut ctr = Connection::new_in(ctr_ns)?;
    ctr.execute(ops::set_link_up("lo")?)?;
    ctr.execute(ops::add_address("eth0", "192.0.2.2".parse().unwrap(), 24)?)?;
    ctr.execute(ops::set_link_up("eth0")?)?;
    ctr.execute(ops::add_default_route_via("192.0.2.1".parse().unwrap())?)?;

    for link in ctr.links() {
        let link = link?;
        println!(
            "container link {}: {} ({:?})",
            link.index, link.name, link.operstate
        );
    }
    for route in ctr.routes() {
        let route = route?;
        println!(
            "container route {:?}/{} via {:?}",
            route.dst, route.dst_len, route.gateway
        );
    }
    // Deleting one end of a veth pair deletes both.
    let existed = host.execute(ops::delete_link_if_exists("veth-ctr")?)?;
    println!("veth pair removed: {existed}");
    Ok(())
}
