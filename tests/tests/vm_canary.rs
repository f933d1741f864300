//! The VM harness's own check: a failing assertion inside the guest must
//! fail the run. `.ci/run` boots this binary once with the marker file
//! copied into the guest (`NLWIRE_VM_EXTRA`) and demands a failure, then
//! without it and demands a pass.

/// The marker that makes the assertion fail.
const MARKER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/vm-canary/break");

#[test]
fn fails_only_when_the_marker_exists() {
    assert!(
        !std::path::Path::new(MARKER).exists(),
        "deliberate failure: {MARKER} exists"
    );
}
