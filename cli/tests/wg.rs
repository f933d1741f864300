//! `nlw wg …` in a private namespace. Without the wireguard module (this
//! host) every command reports the missing family clearly; with it (the
//! kernels of the VM harness, `tests/vm/nlwire-vm`) the output equals
//! wireguard-tools' `wg show` for the same device.

mod common;
use common::nlw;
use nlwire_tests::{TestNs, privileged_or_skip};

const NOT_FOUND: &str =
    "generic netlink family \"wireguard\" not found — is the wireguard module loaded?";

#[test]
fn wg_commands_without_the_module() {
    if !privileged_or_skip("nlw wg::wg_commands_without_the_module") {
        return;
    }
    if nlwire_tests::has_wireguard() {
        nlwire_tests::say_skipped(
            "nlw wg::wg_commands_without_the_module",
            "this kernel has the wireguard module (wg_show_matches_wg_tools runs instead)",
        );
        return;
    }
    let ns = TestNs::create();
    let n = ns.name();
    // No WireGuard link in the namespace: nothing to show, as `wg show`.
    assert_eq!(
        nlw(&["-n", n, "wg", "show"]),
        (0, String::new(), String::new())
    );
    assert_eq!(nlw(&["-n", n, "-j", "wg", "show"]).1, "[]\n");
    assert_eq!(nlw(&["-n", n, "wg", "show", "interfaces"]).1, "\n");

    let (code, out, err) = nlw(&["-n", n, "wg", "show", "wg0"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err.trim_end(), format!("Error: {NOT_FOUND}"));

    let (code, out, err) = nlw(&[
        "-n",
        n,
        "wg",
        "watch",
        "wg0",
        "--interval",
        "0.05",
        "--count",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    // Reported once, though three rounds ran.
    assert_eq!(out, format!("wg0 unavailable {NOT_FOUND}\n"));

    let (code, _, err) = nlw(&["-n", n, "wg", "watch"]);
    assert_eq!(code, 255);
    assert!(err.contains("no interface to watch"), "{err}");
    let (code, _, err) = nlw(&["-n", n, "wg", "watch", "wg0", "--interval", "0"]);
    assert_eq!(code, 255);
    assert!(err.contains("Invalid interval \"0\""), "{err}");
}

// Clamped private keys (the kernel stores them clamped) and a preshared key.
const PRIVATE: &str = "6N5hHeb05KgbpV9kM0gLB2ORxmiUIvDDK/G+RpQTYWc=";
const PEER1_PRIVATE: &str = "aIdQoJuTQzd0bwlzRIFn82TK4TLi+LMnrkkT5bVEUGk=";
const PEER2_PRIVATE: &str = "OCE87QA+ibNaJsIsvQEcm/qylXhBWyBp9/yLAZmLkH0=";
const PSK: &str = "Iz7fpYyEhHcS6RFXJTOQfcRnccKvAizqB2a0ItRPMeU=";

#[test]
fn wg_show_matches_wg_tools() {
    const TEST: &str = "nlw wg::wg_show_matches_wg_tools";
    if !nlwire_tests::wireguard_or_skip(TEST) {
        return;
    }
    if std::process::Command::new("wg")
        .arg("--version")
        .output()
        .is_err()
    {
        if nlwire_tests::vm_kernel().is_some() {
            panic!("{TEST}: no `wg` in the VM image");
        }
        nlwire_tests::say_skipped(TEST, "wireguard-tools' `wg` is not installed");
        return;
    }
    let ns = TestNs::create();
    let n = ns.name();
    let tmp = std::env::temp_dir().join(format!("{n}-keys"));
    std::fs::create_dir_all(&tmp).unwrap();
    let file = |name: &str, key: &str| {
        let p = tmp.join(name);
        std::fs::write(&p, format!("{key}\n")).unwrap();
        p.to_str().unwrap().to_string()
    };
    let (private, psk) = (file("private", PRIVATE), file("psk", PSK));
    let public = |key: &str| {
        let out = nlwire_tests::run_with_input("wg", &["pubkey"], &format!("{key}\n"));
        out.trim().to_string()
    };
    let (peer1, peer2) = (public(PEER1_PRIVATE), public(PEER2_PRIVATE));
    let wg = |args: &[&str]| {
        let mut all = vec!["netns", "exec", n, "wg"];
        all.extend_from_slice(args);
        nlwire_tests::run("ip", &all)
    };

    // Made with nlw, configured with wg.
    let (code, _, err) = nlw(&["-n", n, "link", "add", "wg1", "type", "wireguard"]);
    assert_eq!(code, 0, "{err}");
    ns.ip(&["link", "add", "wg0", "type", "wireguard"]);
    wg(&[
        "set",
        "wg0",
        "private-key",
        &private,
        "listen-port",
        "51820",
        "fwmark",
        "0x42",
        "peer",
        &peer1,
        "endpoint",
        "192.0.2.5:51821",
        "allowed-ips",
        "198.51.100.0/24,2001:db8::/64",
        "persistent-keepalive",
        "25",
        "peer",
        &peer2,
        "preshared-key",
        &psk,
        "endpoint",
        "[2001:db8::9]:7",
        "allowed-ips",
        "203.0.113.7/32",
    ]);

    for args in [
        &["show"][..],
        &["show", "all"],
        &["show", "wg0"],
        &["show", "wg1"],
        &["show", "interfaces"],
        &["show", "wg0", "dump"],
        &["show", "all", "dump"],
    ] {
        let mut ours = vec!["-n", n, "wg"];
        ours.extend_from_slice(args);
        // `dump` prints keys, as `wg show … dump` does.
        if args.contains(&"dump") {
            ours.push("--show-keys");
        }
        let (code, out, err) = nlw(&ours);
        assert_eq!(code, 0, "nlw {args:?}: {err}");
        assert_eq!(out, wg(args), "nlw wg {args:?} differs from wg");
    }
    // The JSON names what the text shows, and no secret.
    let (code, out, err) = nlw(&["-n", n, "-j", "wg", "show", "wg0"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&peer1) && out.contains(&peer2), "{out}");
    assert!(!out.contains(PRIVATE) && !out.contains(PSK), "{out}");
    let _ = std::fs::remove_dir_all(&tmp);
}
