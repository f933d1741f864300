//! Global options, abbreviations, errors and exit codes as `ip` has them
//! (issue "nlw as a daily driver").

use std::process::{Command, Stdio};

mod common;
use common::ip;
use nlwire_tests::{TestNs, privileged_or_skip};

fn nlw(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["-n", ns.name()];
    all.extend_from_slice(args);
    common::nlw(&all)
}

/// The same exit code, output and error (ip's own name replaced).
#[test]
fn errors_and_exit_codes_are_ips() {
    if !privileged_or_skip("nlw options::errors_and_exit_codes_are_ips") {
        return;
    }
    let ns = TestNs::create();
    for args in [
        &["-x", "link"][..],
        &["--bogus", "link"],
        &["bogus"],
        &["link", "bogus"],
        &["addr", "bogus"],
        &["route", "bogus"],
        &["rule", "bogus"],
        &["neigh", "bogus"],
        &["link", "show", "nosuch"],
        &["addr", "show", "dev", "nosuch"],
        &["-f", "bogus", "link"],
        &["route", "change", "203.0.113.0/24", "dev", "lo"],
        &[
            "route",
            "add",
            "blackhole",
            "203.0.113.0/24",
            "dev",
            "nosuch",
        ],
        &["-4", "rule", "show", "from", "2001:db8::/32"],
    ] {
        let (code, out, err) = nlw(&ns, args);
        let (icode, iout, ierr) = ip(&ns, args);
        assert_eq!(
            (code, out.as_str(), err.replace("nlw", "ip")),
            (icode, iout.as_str(), ierr),
            "nlw {args:?} (left) and ip (right)"
        );
    }
}

/// Objects and commands shortened as ip shortens them, and the family
/// options, print what the full forms print.
#[test]
fn abbreviations_and_family_options() {
    if !privileged_or_skip("nlw options::abbreviations_and_family_options") {
        return;
    }
    let ns = TestNs::create();
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "lo"]);
    for (short, full) in [
        (&["l"][..], &["link", "show"][..]),
        (&["l", "sho"], &["link", "show"]),
        (&["link", "l"], &["link", "show"]),
        (&["a", "s"], &["address", "show"]),
        (&["addr", "sho"], &["address", "show"]),
        (&["r"], &["route", "show"]),
        (&["ro", "li"], &["route", "show"]),
        (&["ru"], &["rule", "show"]),
        (&["n"], &["neigh", "show"]),
        (&["-f", "inet", "a"], &["-4", "address", "show"]),
        (&["-fam", "inet6", "a"], &["-6", "address", "show"]),
        (&["-0", "a"], &["-0", "address", "show"]),
        (&["--json", "l"], &["-j", "link", "show"]),
        (&["-js", "-pr", "l"], &["-j", "-p", "link", "show"]),
    ] {
        let ours = nlw(&ns, short);
        assert_eq!(ours.0, 0, "nlw {short:?}: {}", ours.2);
        let theirs = ip(&ns, full);
        assert_eq!(
            common::as_this_ip_prints_text(&ours.1),
            theirs.1,
            "nlw {short:?} and ip {full:?}"
        );
    }
}

/// Help and usage go to stderr with exit code 255 as in ip; `-V` names
/// the tool; a closed pipe ends quietly.
#[test]
fn help_version_and_closed_pipes() {
    for args in [&["-h"][..], &["help"], &["-help"], &[]] {
        let (code, out, err) = common::nlw(args);
        assert_eq!((code, out.as_str()), (255, ""), "nlw {args:?}");
        assert!(err.starts_with("Usage: nlw"), "nlw {args:?}: {err}");
    }
    let (code, out, _) = common::nlw(&["-V"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("nlw utility, nlwire-"), "{out}");
    // `nlw -h | true` and `nlw -V | true`: no panic, no backtrace.
    for args in [&["-h"][..], &["-V"], &["link", "show"]] {
        let child = Command::new(env!("CARGO_BIN_EXE_nlw"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run nlw");
        // Close the read end at once, before nlw writes.
        let mut child = child;
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "nlw {args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "nlw {args:?}: {err}");
    }
}

/// `link add A type veth peer B`: the peer named without `name` (ip 6.1
/// fails on this form; later releases take it).
#[test]
fn veth_peer_without_name() {
    if !privileged_or_skip("nlw options::veth_peer_without_name") {
        return;
    }
    let ns = TestNs::create();
    let (code, _, err) = nlw(&ns, &["link", "add", "pa", "type", "veth", "peer", "pb"]);
    assert_eq!(code, 0, "{err}");
    let links = ns.ip_json(&["link", "show"]);
    let names: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["ifname"].as_str())
        .collect();
    assert!(names.contains(&"pa") && names.contains(&"pb"), "{names:?}");
    // With the peer's own settings, in ip's syntax.
    let (code, _, err) = nlw(
        &ns,
        &[
            "link",
            "add",
            "qa",
            "type",
            "veth",
            "peer",
            "name",
            "qb",
            "mtu",
            "1400",
            "address",
            "02:00:00:00:00:0b",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let qb = ns.ip_json(&["link", "show", "qb"]);
    assert_eq!(qb[0]["mtu"], 1400);
    assert_eq!(qb[0]["address"], "02:00:00:00:00:0b");
}
