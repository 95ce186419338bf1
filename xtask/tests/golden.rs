//! Golden test of the emitter (progenitor's `test_output.rs` idea): the small fixture specs in
//! `tests/golden/spec/` (keywords as names, name collisions, enums, optional fields, nested arrays of
//! objects, sensitive fields, a file download, uploads, a module clash, a business group missing from
//! the crate table) are emitted, and the result is compared with the committed output in
//! `tests/golden/out/`: the operation crate's `src/`, `OPERATIONS.md` and the emitter's diagnostics.
//!
//! `tests/golden/out/` is itself a workspace member (`wechatpay-golden`), so `cargo test --workspace` and
//! `cargo clippy --workspace` compile and lint the committed output. After an intended emitter change:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test -p xtask --test golden   # then review the diff of xtask/tests/golden/out
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xtask::spec::Page;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn fixtures() -> Vec<Page> {
    let dir = golden_dir().join("spec");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut pages: Vec<Page> = paths
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
    // The corpus order: by page source.
    pages.sort_by(|a, b| a.source.cmp(&b.source));
    pages
}

/// What the fixtures emit, as the files of `tests/golden/out/` (relative path → contents).
fn expected() -> BTreeMap<String, String> {
    let emitted = xtask::emit::emit(&fixtures());
    let krate = "parts/other/";
    let mut out = BTreeMap::new();
    for (path, contents) in &emitted.files {
        if let Some(rel) = path.strip_prefix(krate) {
            if rel.starts_with("src/") {
                out.insert(rel.to_string(), contents.clone());
            }
        }
    }
    assert!(
        !out.is_empty(),
        "the fixtures' group should be unassigned and land in `wechatpay-other`; emitted: {:?}",
        emitted.files.keys().collect::<Vec<_>>()
    );
    out.insert(
        "OPERATIONS.md".into(),
        emitted.files["OPERATIONS.md"].clone(),
    );
    let mut diags = String::from(
        "# The emitter's diagnostics for the fixtures (`cargo test -p xtask --test golden`).\n",
    );
    for d in &emitted.diagnostics {
        diags.push_str(&d.to_string());
        diags.push('\n');
    }
    out.insert("DIAGNOSTICS.txt".into(), diags);
    // The manifest is hand-written (its paths differ), but it must declare every feature the crate uses.
    out.insert(
        "features".into(),
        emitted.files[&format!("{krate}Cargo.toml")].clone(),
    );
    out
}

/// The committed files under `dir` that the test owns: `src/**`, `OPERATIONS.md`, `DIAGNOSTICS.txt`.
fn committed(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &dir.join("src"), &mut out);
    for f in ["OPERATIONS.md", "DIAGNOSTICS.txt"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(f)) {
            out.insert(f.to_string(), text);
        }
    }
    out
}

#[test]
fn emitted_rust_matches_the_committed_golden_crate() {
    let out = golden_dir().join("out");
    let mut expected = expected();
    let manifest = expected.remove("features").unwrap_or_default();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0");
    let committed = committed(&out);
    let mut stale = Vec::new();
    for (rel, text) in &expected {
        if committed.get(rel) != Some(text) {
            stale.push(rel.clone());
            if update {
                let path = out.join(rel);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
                std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }
    for rel in committed.keys().filter(|r| !expected.contains_key(*r)) {
        stale.push(format!("{rel} (no longer emitted)"));
        if update {
            std::fs::remove_file(out.join(rel)).expect("remove a stale file");
        }
    }
    assert!(
        update || stale.is_empty(),
        "the golden output is stale: {stale:#?}\nrun `UPDATE_GOLDEN=1 cargo test -p xtask --test golden` \
         and review the diff of xtask/tests/golden/out"
    );

    // The golden crate enables every business group of the fixtures, so that all of it is compiled.
    let golden_toml = std::fs::read_to_string(out.join("Cargo.toml")).expect("golden Cargo.toml");
    let features = manifest
        .split("[features]")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .unwrap_or_default();
    for line in features.lines().filter(|l| l.ends_with("= []")) {
        let group = line.trim_end_matches("= []").trim();
        assert!(
            golden_toml.contains(line) && golden_toml.contains(&format!("\"{group}\"")),
            "xtask/tests/golden/out/Cargo.toml must declare `{line}` and enable it by default"
        );
    }
}

/// The fixtures exercise every emitter diagnostic class they are meant to.
#[test]
fn fixtures_reach_the_emitter_diagnostics() {
    let emitted = xtask::emit::emit(&fixtures());
    let classes: Vec<&str> = emitted.diagnostics.iter().map(|d| &*d.class).collect();
    for class in [
        "emit-module-clash",
        "emit-sensitive-param",
        "emit-upload-shape",
        "emit-unassigned-group",
    ] {
        assert!(classes.contains(&class), "no `{class}` in {classes:?}");
    }
    for d in &emitted.diagnostics {
        assert!(d.file.starts_with("openapi/v3/golden/"), "{d}");
    }
    let ops = &emitted.files["OPERATIONS.md"];
    assert!(
        ops.contains("`wechatpay::v3::golden::clash::a_b::post_2`"),
        "{ops}"
    );
}
