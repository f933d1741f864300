//! `nlw` while the kernel's tables change under it: dumps the kernel marks
//! interrupted (`NLM_F_DUMP_INTR`) are read as ip reads them (what came is
//! printed, `Dump was interrupted and may be inconsistent.` goes to stderr,
//! exit 0), and a command that looks a link up by name does not fail
//! because the link listing was interrupted.
//!
//! The churn is real: a second `ip -batch` process adds and deletes objects
//! in the same namespace as fast as it can while `nlw` runs.

mod common;
use common::nlw;
use nlwire_tests::{Churn, TestNs, privileged_or_skip};

const WARNING: &str = "Dump was interrupted and may be inconsistent.";

/// Runs `nlw -n NS args…` until `want` of its runs saw an interrupted dump
/// (at most `max` runs). Every run must succeed, and `check` must accept
/// its output. Returns (runs, interrupted runs).
fn until_interrupted(
    ns: &TestNs,
    args: &[&str],
    want: usize,
    max: usize,
    check: impl Fn(&str),
) -> (usize, usize) {
    let mut a = vec!["-n", ns.name()];
    a.extend_from_slice(args);
    let mut seen = 0;
    for run in 1..=max {
        let (code, out, err) = nlw(&a);
        assert_eq!(code, 0, "nlw {a:?} (run {run}) failed under churn: {err}");
        for line in err.lines() {
            assert_eq!(line, WARNING, "nlw {a:?} (run {run}): unexpected stderr");
        }
        check(&out);
        if err.contains(WARNING) {
            seen += 1;
            if seen >= want {
                return (run, seen);
            }
        }
    }
    (max, seen)
}

#[test]
fn address_listings_under_churn_print_and_warn_as_ip() {
    if !privileged_or_skip("address_listings_under_churn_print_and_warn_as_ip") {
        return;
    }
    let ns = TestNs::create();
    // 3,000 steady addresses (1,000 in the slow qemu guests): a listing
    // takes many datagrams. (A second
    // link, so that nlw does not narrow the listing to one link: the
    // kernel never marks a listing of one link's addresses interrupted.)
    let mut batch = String::from("link add v0 type veth peer name v1\n");
    let n = if nlwire_tests::vm_kernel().is_some() {
        1000
    } else {
        3000
    };
    for i in 0..n {
        batch.push_str(&format!(
            "addr add 198.51.{}.{}/32 dev lo\n",
            100 + i / 250,
            1 + i % 250
        ));
    }
    ns.ip_batch(&batch);
    let _churn = Churn::start(
        &ns,
        "addr add 203.0.113.7/32 dev lo\naddr del 203.0.113.7/32 dev lo\n",
    );
    let (runs, seen) = until_interrupted(&ns, &["addr", "show"], 2, 40, |out| {
        // What came is printed: the steady addresses, in ip's format.
        let n = out.matches("    inet 198.51.").count();
        assert!(n > 500, "only {n} addresses printed:\n{out:.400}");
    });
    eprintln!("addr show: {seen} of {runs} runs were interrupted");
    assert!(
        seen >= 2,
        "the churn interrupted only {seen} of {runs} listings: the test did not test"
    );
    // -j stays one valid JSON document, warning or not.
    let (runs, seen) = until_interrupted(&ns, &["-j", "addr", "show"], 1, 40, |out| {
        let v: serde_json::Value = serde_json::from_str(out).expect("-j output is JSON");
        assert!(v.as_array().is_some_and(|a| !a.is_empty()));
    });
    eprintln!("-j addr show: {seen} of {runs} runs were interrupted");
    assert!(seen >= 1, "no -j listing was interrupted in {runs} runs");
}

#[test]
fn link_commands_under_link_churn_succeed() {
    if !privileged_or_skip("link_commands_under_link_churn_succeed") {
        return;
    }
    let ns = TestNs::create();
    let mut batch = String::from("link add v0 type veth peer name v1\nlink set v0 up\n");
    let pairs = if nlwire_tests::vm_kernel().is_some() {
        60
    } else {
        150
    };
    for i in 0..pairs {
        batch.push_str(&format!("link add a{i} type veth peer name b{i}\n"));
    }
    ns.ip_batch(&batch);
    let _churn = Churn::start(&ns, "link add c0 type veth peer name c1\nlink del c0\n");
    // A listing: every run succeeds and prints what came. (nlw reads an
    // interrupted link listing again before it warns, so most runs end
    // without the warning: the churn is checked by the writes below.)
    let (runs, seen) = until_interrupted(&ns, &["link", "show"], 40, 40, |out| {
        assert!(out.contains(": v0@v1: "), "v0 missing:\n{out:.400}");
    });
    eprintln!("link show: {seen} of {runs} runs were interrupted after the retries");
    // A write that names a link: nlw's name lookup must not fail because
    // the listing of links was interrupted (it failed 18 times in 100).
    for i in 0..40u32 {
        let dst = format!("192.0.2.{i}/32");
        let (code, _, err) = nlw(&["-n", ns.name(), "route", "add", &dst, "dev", "v0"]);
        assert_eq!(code, 0, "route add {dst} dev v0 under link churn: {err}");
    }
    let routes = ns.ip_json(&["route", "show", "dev", "v0"]);
    assert_eq!(routes.as_array().map(Vec::len), Some(40), "{routes}");
}
