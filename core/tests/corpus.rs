//! Replays every committed fuzz corpus file through its target's body, so
//! the corpus is a regression suite on stable Rust.

use std::path::Path;

#[test]
fn replay_fuzz_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut n = 0;
    let mut targets = Vec::new();
    for (target, body) in [
        ("messages", nlwire::fuzzing::message_iter as fn(&[u8])),
        ("attrs", nlwire::fuzzing::attrs),
        ("error", nlwire::fuzzing::error),
        ("link", nlwire::fuzzing::link),
        ("addr", nlwire::fuzzing::addr),
        ("route", nlwire::fuzzing::route),
        ("neigh", nlwire::fuzzing::neigh),
        ("rule", nlwire::fuzzing::rule),
        ("ctrl", nlwire::fuzzing::ctrl),
        ("wireguard", nlwire::fuzzing::wireguard),
        ("wg_config", nlwire::fuzzing::wg_config),
        ("inotify", nlwire::fuzzing::inotify),
        ("exchange", nlwire::fuzzing::exchange),
        ("route_request", nlwire::fuzzing::route_request),
        ("address_request", nlwire::fuzzing::address_request),
        ("neighbour_request", nlwire::fuzzing::neighbour_request),
        ("rule_request", nlwire::fuzzing::rule_request),
        ("link_request", nlwire::fuzzing::link_request),
        ("events", nlwire::fuzzing::events),
        ("mirror", nlwire::fuzzing::mirror),
        ("nexthop", nlwire::fuzzing::nexthop),
        ("nexthop_request", nlwire::fuzzing::nexthop_request),
        ("fdb", nlwire::fuzzing::fdb),
        ("fdb_request", nlwire::fuzzing::fdb_request),
        ("bridge_vlan", nlwire::fuzzing::bridge_vlan),
        ("bridge_vlan_request", nlwire::fuzzing::bridge_vlan_request),
        ("nexthop_bucket", nlwire::fuzzing::nexthop_bucket),
        (
            "nexthop_bucket_request",
            nlwire::fuzzing::nexthop_bucket_request,
        ),
        ("link_kind_settings", nlwire::fuzzing::link_kind_settings),
        ("link_kind_request", nlwire::fuzzing::link_kind_request),
    ] {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
            panic!("{}: {e} (every target needs a seed corpus)", dir.display())
        });
        let mut here = 0;
        for e in entries {
            let p = e.unwrap().path();
            body(&std::fs::read(&p).unwrap());
            here += 1;
        }
        assert!(here > 0, "{} is empty", dir.display());
        n += here;
        targets.push(target);
    }
    // Every cargo-fuzz target is replayed here, and nothing else.
    let manifest = std::fs::read_to_string(root.join("../Cargo.toml")).unwrap();
    let mut declared: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "nlwire-fuzz")
        .collect();
    declared.sort_unstable();
    targets.sort_unstable();
    assert_eq!(
        declared, targets,
        "fuzz/Cargo.toml targets vs replayed corpora"
    );
    assert!(n > 0);
}
