//! The `openssl` command, the implementation independent of the SDK that the signature and encryption
//! tests check against.
#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

/// Runs `openssl` with `args` on `stdin` and returns its stdout; a failed run fails the test. `None` on
/// a machine without openssl, after [`missing_input`](super::missing::missing_input) (a visible
/// `SKIPPED` line, or a failure under CI); the caller then returns without those checks.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Option<Vec<u8>> {
    let spawned = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            super::missing::missing_input(
                &format!("cannot run openssl ({e})"),
                "install the openssl command; these checks compare with it",
            );
            return None;
        }
    };
    // Write, close stdin, then always wait for the child (no zombie on any path).
    let written = match child.stdin.take() {
        Some(mut input) => input.write_all(stdin),
        None => Err(std::io::Error::other("stdin of openssl was not piped")),
    };
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for openssl {args:?}: {e}"));
    written.unwrap_or_else(|e| panic!("writing to openssl {args:?}: {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}
