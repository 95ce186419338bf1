//! A 1 GiB download from a real local HTTP server into an `AsyncWrite` sink runs in constant memory and
//! its SHA-256 is checked while streaming. Alone in its test binary so that no other test's memory
//! shows in the process's peak RSS.
//!
//! The server generates the content on the fly; the expected digest is computed the same way up front.
//! Peak memory is the process's `VmHWM` (reset through `/proc/self/clear_refs` where the kernel allows
//! it), so the measurement covers client and server together. Set `WXPAY_DOWNLOAD_MIB` to change the
//! size (default 1024).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use support::{Keys, StreamBody, StreamReply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay_runtime::{Client, DownloadOptions, HashAlgorithm, Method, Request};

/// A `/proc/self/status` value in KiB (Linux only).
fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_download_runs_in_constant_memory() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let mib: u64 = std::env::var("WXPAY_DOWNLOAD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let len = mib << 20;
    let keys = Keys::load(&dir);
    let server = support::start_stream(
        keys.clone(),
        Arc::new(move |_| StreamReply {
            status: 200,
            content_length: len,
            body: StreamBody::Pattern { len, flip_at: None },
        }),
    )
    .await;
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(&server.base_url)
        .backup_base_url(None)
        .build()
        .unwrap();

    let t = Instant::now();
    let mut ctx = digest::Context::new(&digest::SHA256);
    support::for_each_pattern_block(len, None, |b| ctx.update(b));
    let expected: String = ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let hash_time = t.elapsed();

    // Reset the peak to the current RSS (Linux >= 4.0); otherwise measure from the current peak.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmHWM");
    let t = Instant::now();
    let mut sink = tokio::io::sink();
    let summary = client
        .download(
            Request::new(Method::GET, "/v3/billdownload/file")
                .query("token", "big")
                .unsigned_download(),
            &mut sink,
            DownloadOptions::new()
                .hash(HashAlgorithm::Sha256, &expected)
                .timeout(Duration::from_secs(600)),
        )
        .await
        .unwrap();
    let elapsed = t.elapsed();
    let after = status_kib("VmHWM");
    assert_eq!(summary.written, len);
    assert_eq!(summary.digest.as_deref(), Some(expected.as_str()));
    println!(
        "{mib} MiB: expected digest computed in {:.1} s; download + SHA-256 in {:.1} s ({:.0} MiB/s)",
        hash_time.as_secs_f64(),
        elapsed.as_secs_f64(),
        mib as f64 / elapsed.as_secs_f64()
    );
    if let (Some(b), Some(a)) = (before, after) {
        let growth_mib = a.saturating_sub(b) as f64 / 1024.0;
        println!(
            "peak RSS (VmHWM) before {:.1} MiB, after {:.1} MiB, growth {growth_mib:.1} MiB (peak reset: {reset})",
            b as f64 / 1024.0,
            a as f64 / 1024.0
        );
        assert!(
            growth_mib < 64.0,
            "peak memory grew by {growth_mib:.1} MiB during a {mib} MiB download"
        );
    } else {
        println!("no /proc/self/status: memory not measured");
    }
}
