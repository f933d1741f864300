//! Helpers shared by the CLI tests.

use std::process::Command;

/// Runs `nlw args…`; returns (exit code, stdout, stderr).
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
