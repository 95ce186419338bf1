//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use xtask::diag::{Diagnostic, Diagnostics};
use xtask::docs::{self, Parsed};
use xtask::spec::Page;

/// The workspace root (the parent of the `xtask` package).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

#[path = "../../../tests/support/missing.rs"]
pub mod missing;

/// The docs corpus, or `None` when it is not present (after `missing::missing_input`: a visible
/// `SKIPPED` line, or a failure under CI).
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = xtask::codegen::docs_dir(&workspace_root(), None);
    if dir.is_dir() {
        Some(dir)
    } else {
        missing::missing_input(
            &format!("docs corpus not found at {}", dir.display()),
            "put ../shared/docs beside the repository or set WECHATPAY_DOCS",
        );
        None
    }
}

/// Parses `src` as the page `rel`, returning what it is and the diagnostics.
pub fn parse(rel: &str, src: &str) -> (Option<Parsed>, Vec<Diagnostic>) {
    let mut diags = Diagnostics::new(rel);
    let parsed = docs::parse_page(rel, src, &mut diags);
    (parsed, diags.into_items())
}

/// The snapshot text of a page: its committed JSON, then its diagnostics one per line.
pub fn render(page: &Page, diags: &[Diagnostic]) -> String {
    let mut out = xtask::corpus::page_json(page);
    out.push_str(&format!("--- diagnostics ({}) ---\n", diags.len()));
    for d in diags {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out
}

/// A snapshot name from a page path: `openapi/v3/pay/transactions/jsapi.md` → `openapi_v3_pay_transactions_jsapi`.
pub fn snapshot_name(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    let mut out = String::new();
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches('_').to_string()
}
