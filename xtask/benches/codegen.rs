//! Benchmark of `cargo xtask codegen` on the whole docs corpus.
//!
//! Run with `cargo bench -p xtask --bench codegen` (release profile). It reports the minimum and median
//! wall time of (1) reading and parsing every page and (2) a full `codegen --check` run (parse, serialise
//! every spec file and compare it with the committed one, emit and compare generated/) and (3) the same
//! from the committed spec/ alone, over several iterations.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let docs = xtask::codegen::docs_dir(&root, None);
    if !docs.is_dir() {
        println!(
            "skipping: docs corpus not found at {} (set WECHATPAY_DOCS)",
            docs.display()
        );
        return;
    }
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let parse = measure(iterations, || {
        let corpus = xtask::corpus::load(&docs).expect("corpus loads");
        std::hint::black_box(corpus.pages.len());
    });
    let opts = xtask::codegen::Options {
        root: root.clone(),
        input: xtask::codegen::InputChoice::DocsFlag(docs.clone()),
        check: true,
    };
    let full = measure(iterations, || {
        let report = xtask::codegen::run(&opts).expect("codegen runs");
        std::hint::black_box(report.counts.pages);
    });
    let spec_only = xtask::codegen::Options {
        input: xtask::codegen::InputChoice::SpecOnly,
        ..opts.clone()
    };
    let from_spec = measure(iterations, || {
        let report = xtask::codegen::run(&spec_only).expect("codegen from spec/ runs");
        std::hint::black_box(report.counts.pages);
    });
    let pages = xtask::corpus::load(&docs)
        .map(|c| c.pages.len())
        .unwrap_or(0);
    println!("codegen benchmark: {pages} pages, {iterations} iterations");
    println!(
        "  parse corpus:          min {:>8.1?}  median {:>8.1?}",
        parse.0, parse.1
    );
    println!(
        "  codegen --check (all): min {:>8.1?}  median {:>8.1?}",
        full.0, full.1
    );
    println!(
        "  codegen --check --spec-only: min {:>8.1?}  median {:>8.1?}",
        from_spec.0, from_spec.1
    );
}

fn measure(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm the file cache
    let mut times: Vec<Duration> = (0..n.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}
