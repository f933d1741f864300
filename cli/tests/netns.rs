//! `nlw netns …` against `ip netns …`, both ways, in `/var/run/netns` with
//! unique names (everything is removed again).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

mod common;
use common::nlw;
use nlwire_tests::{TestNs, privileged_or_skip, run};

fn ok(args: &[&str]) -> String {
    let (code, out, err) = nlw(args);
    assert_eq!(code, 0, "nlw {args:?}: {err}");
    out
}

fn ip_lists(name: &str) -> bool {
    run("ip", &["netns", "list"])
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn netns_commands_interoperate_with_ip() {
    if !privileged_or_skip("nlw netns::netns_commands_interoperate_with_ip") {
        return;
    }
    let pid = std::process::id();
    let ours = format!("nlwt-{pid}-cli-a");
    let theirs = format!("nlwt-{pid}-cli-b");

    // A watcher running the whole time.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(["netns", "watch"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    // Give it a moment to set its watch up before anything changes.
    std::thread::sleep(std::time::Duration::from_millis(200));

    // nlw adds, ip sees and uses it.
    ok(&["netns", "add", &ours]);
    assert!(ip_lists(&ours));
    let inside = run("ip", &["netns", "exec", &ours, "ip", "-o", "link", "show"]);
    assert_eq!(inside.lines().count(), 1, "{inside}");
    // ip adds, nlw sees and uses it.
    run("ip", &["netns", "add", &theirs]);
    assert!(ok(&["netns", "list"]).lines().any(|l| l == theirs));
    let j: serde_json::Value = serde_json::from_str(&ok(&["-j", "netns", "list"])).unwrap();
    assert!(
        j.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == ours.as_str())
    );
    let inside = ok(&["netns", "exec", &theirs, "ip", "-o", "link", "show"]);
    assert_eq!(inside.lines().count(), 1, "{inside}");
    // exec sees the namespace's own /sys.
    run(
        "ip",
        &["-n", &theirs, "link", "add", "zz0", "type", "bridge"],
    );
    let sys = ok(&["netns", "exec", &theirs, "ls", "/sys/class/net"]);
    assert!(sys.lines().any(|l| l == "zz0"), "{sys}");
    // The exit code of the command is passed on.
    assert_eq!(nlw(&["netns", "exec", &theirs, "false"]).0, 1);
    // Deleting: each tool removes the other's.
    ok(&["netns", "del", &theirs]);
    run("ip", &["netns", "del", &ours]);
    assert!(!ip_lists(&ours) && !ip_lists(&theirs));
    let (code, _, err) = nlw(&["netns", "del", &ours]);
    assert_eq!(code, 1);
    assert!(err.contains("ENOENT") && err.contains(&ours), "{err}");

    // The watcher saw all four changes, in order (other tests may add
    // namespaces of their own meanwhile).
    let want = [
        format!("add {ours}"),
        format!("add {theirs}"),
        format!("delete {theirs}"),
        format!("delete {ours}"),
    ];
    let mut seen = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        if l.ends_with(&ours) || l.ends_with(&theirs) {
            seen.push(l);
        }
        if seen.len() == want.len() {
            break;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(seen, want);
}

#[test]
fn bad_netns_names_are_rejected() {
    if !privileged_or_skip("nlw netns::bad_netns_names_are_rejected") {
        return;
    }
    let long = "x".repeat(256);
    for bad in ["", ".", "..", "a/b", long.as_str()] {
        let (code, _, err) = nlw(&["netns", "add", bad]);
        // As ip: "Invalid netns name", exit 255.
        let ip = std::process::Command::new("ip")
            .args(["netns", "add", bad])
            .output()
            .expect("run ip");
        assert_eq!(code, ip.status.code().unwrap_or(-1), "{bad:?}: {err}");
        assert_eq!(code, 255, "{bad:?}");
        assert!(err.contains("Invalid netns name"), "{bad:?}: {err}");
    }
    // Nothing was created (other tests may add namespaces meanwhile, so
    // look for what these names would have made).
    assert!(!std::path::Path::new("/var/run/netns/a").exists());
    assert!(!run("ls", &["/var/run/netns"]).contains(&long));
}

#[test]
fn link_set_netns_with_name_moves_and_renames() {
    if !privileged_or_skip("nlw netns::link_set_netns_with_name_moves_and_renames") {
        return;
    }
    let a = TestNs::create();
    let b = TestNs::create();
    ok(&[
        "-n",
        a.name(),
        "link",
        "add",
        "v0",
        "type",
        "veth",
        "peer",
        "name",
        "v1",
    ]);
    ok(&[
        "-n",
        a.name(),
        "link",
        "set",
        "v1",
        "netns",
        b.name(),
        "name",
        "eth7",
    ]);
    let there = b.ip_json(&["link", "show", "eth7"]);
    assert_eq!(there[0]["ifname"], "eth7");
    assert!(
        a.ip_json(&["link", "show"])
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["ifname"] != "v1")
    );
}

/// `netns list` (with ids), `identify`, `pids`, `set` and `exec` (with
/// ip's `/etc/netns/NAME` bind mounts) print and do what ip's do.
#[test]
fn netns_commands_are_ips() {
    if !privileged_or_skip("nlw netns::netns_commands_are_ips") {
        return;
    }
    let (a, b) = (TestNs::create(), TestNs::create());
    // A veth between them gives each an id for the other.
    a.ip(&[
        "link",
        "add",
        "va",
        "type",
        "veth",
        "peer",
        "name",
        "vb",
        "netns",
        b.name(),
    ]);
    // Other tests add and remove namespaces meanwhile: compare when ip
    // read the same before and after nlw.
    let same = |args: &[&str]| {
        let ip = || {
            let o = std::process::Command::new("ip")
                .args(args)
                .output()
                .expect("run ip");
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
            )
        };
        for _ in 0..50 {
            let before = ip();
            let (code, out, err) = nlw(args);
            if ip() != before {
                continue;
            }
            assert_eq!(
                (code, out),
                before,
                "nlw {args:?} (left) and ip (right); nlw said {err}"
            );
            return;
        }
        panic!("{args:?}: the namespaces never stood still");
    };
    for args in [
        &["netns", "list"][..],
        &["-j", "netns", "list"],
        &["-n", a.name(), "netns", "list"],
        &["-n", b.name(), "-j", "netns", "list"],
        &["netns", "identify"],
        &["netns", "identify", "1"],
        &["netns", "identify", "x1"],
        &["netns", "pids", a.name()],
        &["netns", "pids"],
        &["netns", "exec", a.name()],
    ] {
        same(args);
    }
    // A process inside: `pids` finds it, `identify` names its namespace.
    let mut sleeper = std::process::Command::new("ip")
        .args(["netns", "exec", a.name(), "sleep", "30"])
        .spawn()
        .expect("start sleep");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = sleeper.id().to_string();
    same(&["netns", "pids", a.name()]);
    same(&["netns", "identify", &pid]);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    // `set`: nlw gives b an id in a; ip reads it back.
    let (code, _, err) = nlw(&["-n", a.name(), "netns", "set", b.name(), "77"]);
    assert!(
        code != 0
            || a.ip(&["netns", "list"])
                .contains(&format!("{} (id: 77)", b.name())),
        "{err}"
    );
    // ip refuses a second id; so does nlw, with ip's message.
    same(&["-n", a.name(), "netns", "set", b.name(), "78"]);
    same(&["netns", "set", b.name(), "-1"]);
    // exec: the namespace's own copy of a file of /etc, bound over it as
    // ip binds it (a file that exists here: the VMs have a bare /etc).
    let file = ["resolv.conf", "hosts", "hostname", "passwd", "group"]
        .into_iter()
        .find(|f| std::path::Path::new("/etc").join(f).is_file())
        .expect("a file in /etc");
    let etc = format!("/etc/netns/{}", a.name());
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(format!("{etc}/{file}"), "nameserver 192.0.2.53\n").unwrap();
    let target = format!("/etc/{file}");
    let (code, out, err) = nlw(&["netns", "exec", a.name(), "cat", &target]);
    let ip = std::process::Command::new("ip")
        .args(["netns", "exec", a.name(), "cat", &target])
        .output()
        .expect("run ip");
    let _ = std::fs::remove_dir_all(&etc);
    assert_eq!(
        (code, out.as_str()),
        (0, "nameserver 192.0.2.53\n"),
        "{err}"
    );
    assert_eq!(out.as_bytes(), &ip.stdout[..]);
}
