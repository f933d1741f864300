//! `nlw wg …` on this host, whose kernel has no wireguard module: every
//! command reports the missing family clearly, inside a private namespace.
//! (Real WireGuard output is checked in the kernel VM harness.)

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
