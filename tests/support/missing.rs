//! What a test does when an input it checks against is not on this machine (the shared docs corpus or
//! test vectors beside the repository, the `openssl` command): it says so where the person running the
//! tests sees it, and fails under CI, which must run every test.
//!
//! `cargo test` captures `println!`/`eprintln!` of passing tests, so a notice printed with them is never
//! seen; this writes to the process's stderr directly, which the harness does not capture.
#![allow(dead_code)]

use std::io::Write as _;

/// `true` when running under CI (`CI` set to anything but empty, `0` or `false`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Reports that the calling test cannot run its checks because `what` is missing (`how` says how to
/// provide it). Under CI this panics; elsewhere it writes a `SKIPPED` line to stderr (shown by
/// `cargo test` even when the test passes) and returns, and the caller returns without checking.
pub fn missing_input(what: &str, how: &str) {
    let test = test_name();
    if under_ci() {
        panic!("{test}: {what} ({how}); CI runs every test, so a missing input is a failure");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {what} ({how}); its checks did not run"
    );
}

/// Reports that the calling test leaves out checks against `what`, an input that a machine (even a CI
/// one) may lack without anything being wrong: a named older docs snapshot, the second docs site. Writes
/// a `SKIPPED` line to stderr (shown by `cargo test`) and never fails.
pub fn missing_optional(what: &str, how: &str) {
    let test = test_name();
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {what} ({how}); these checks did not run"
    );
}

/// The running test's name (the test harness names each test's thread after it).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string()
}
