//! Helpers shared by the CLI tests.

use std::process::Command;

/// Runs `nlw args…`; returns (exit code, stdout, stderr).
#[allow(dead_code)]
pub fn nlw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nlw"))
        .args(args)
        .output()
        .expect("run nlw");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `ip -V` version here, as (major, minor).
#[allow(dead_code)]
pub fn ip_version() -> (u32, u32) {
    let out = Command::new("ip").arg("-V").output().expect("run ip -V");
    let s = String::from_utf8_lossy(&out.stdout);
    // "ip utility, iproute2-6.1.0, libbpf 1.1.2" (or "iproute2-v6.1.0").
    let v = s
        .split("iproute2-")
        .nth(1)
        .map(|v| v.trim_start_matches('v'))
        .unwrap_or("0.0");
    let mut it = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// nlw's text output as the `ip` here prints it: nlw prints what current
/// iproute2 prints, and an older ip leaves some of it out (the list is in
/// `cli/IP_DIFFERENCES.md`).
#[allow(dead_code)]
pub fn as_this_ip_prints_text(s: &str) -> String {
    if ip_version() >= (6, 4) {
        return s.to_string();
    }
    // iproute2 6.4 added an address's `proto` (IFA_PROTO, kernel 6.3+).
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        match line.find(" proto kernel_") {
            Some(i) if line.contains("    inet") => {
                let from = i + " proto ".len();
                let end = line[from..].find(' ').map_or(line.len(), |j| from + j);
                out.push_str(&line[..i]);
                out.push_str(&line[end..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// As [`as_this_ip_prints_text`], for `-j` output.
#[allow(dead_code)]
pub fn as_this_ip_prints_json(v: &mut serde_json::Value) {
    if ip_version() >= (6, 4) {
        return;
    }
    for link in v.as_array_mut().into_iter().flatten() {
        if let Some(addrs) = link.get_mut("addr_info").and_then(|a| a.as_array_mut()) {
            for a in addrs {
                if let Some(o) = a.as_object_mut() {
                    o.remove("protocol");
                }
            }
        }
    }
}
