//! Publishing metadata of every workspace package, read through `cargo metadata` (what cargo itself
//! understands of the manifests, workspace inheritance resolved): the published crates carry a
//! description, the license, repository, readme, keywords, categories, docs.rs settings and the two
//! license texts, and depend on workspace crates only through published crates with a version; the
//! helper packages are never published.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const LICENSE: &str = "MIT OR Apache-2.0";
const REPOSITORY: &str = "https://github.com/wechatpay-rs/wechatpay-rs";

/// Packages that must never be published: the generator, the hand-written tests, examples and
/// benchmarks of the generated crate, and the emitter's golden output.
const UNPUBLISHED: [&str; 5] = [
    "xtask",
    "wechatpay-tests",
    "wechatpay-examples",
    "wechatpay-benches",
    "wechatpay-golden",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the repository")
        .to_path_buf()
}

fn metadata() -> Value {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata JSON")
}

/// `publish = false` is an empty registry list; absent is `null` (any registry).
fn publishable(p: &Value) -> bool {
    !p["publish"].as_array().is_some_and(|a| a.is_empty())
}

fn packages() -> BTreeMap<String, Value> {
    let m = metadata();
    m["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["name"].as_str().expect("name").to_string(), p.clone()))
        .collect()
}

fn manifest_dir(p: &Value) -> PathBuf {
    Path::new(p["manifest_path"].as_str().expect("manifest_path"))
        .parent()
        .expect("manifest folder")
        .to_path_buf()
}

#[test]
fn the_published_set_is_the_sdk_the_cli_and_the_simulator() {
    let pkgs = packages();
    let published: Vec<&str> = pkgs
        .iter()
        .filter(|(_, p)| publishable(p))
        .map(|(n, _)| n.as_str())
        .collect();
    for name in UNPUBLISHED {
        let p = pkgs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is a workspace package"));
        assert!(!publishable(p), "{name} must keep `publish = false`");
    }
    for name in [
        "wechatpay-runtime",
        "wechatpay-core",
        "wechatpay-events",
        "wechatpay",
        "wechatpay-v2",
        "wechatpay-payments",
        "wechatpay-cli",
        "wechatpay-simulator",
    ] {
        assert!(published.contains(&name), "{name} is not publishable");
    }
    // Every crate under generated/ is published (the facade needs all of them).
    let generated = root().join("generated");
    for (name, p) in &pkgs {
        if manifest_dir(p).starts_with(&generated) {
            assert!(
                publishable(p),
                "{name} (under generated/) is not publishable"
            );
        }
    }
    assert_eq!(
        published.len() + UNPUBLISHED.len(),
        pkgs.len(),
        "every package is either published or listed in UNPUBLISHED: {published:?}"
    );
}

#[test]
fn published_crates_carry_their_metadata_and_license_texts() {
    let root = root();
    let mit = std::fs::read(root.join("LICENSE-MIT")).expect("LICENSE-MIT at the root");
    let apache = std::fs::read(root.join("LICENSE-APACHE")).expect("LICENSE-APACHE at the root");
    assert!(String::from_utf8_lossy(&mit).contains("Permission is hereby granted"));
    assert!(String::from_utf8_lossy(&apache).contains("Apache License"));
    let mut checked = 0;
    for (name, p) in packages().iter().filter(|(_, p)| publishable(p)) {
        checked += 1;
        let dir = manifest_dir(p);
        let text = |k: &str| p[k].as_str().unwrap_or("").to_string();
        assert!(
            text("description").len() >= 20,
            "{name}: description {:?}",
            text("description")
        );
        assert_eq!(text("license"), LICENSE, "{name}: license");
        assert_eq!(text("repository"), REPOSITORY, "{name}: repository");
        assert_eq!(text("homepage"), REPOSITORY, "{name}: homepage");
        let readme = text("readme");
        assert!(!readme.is_empty(), "{name}: no readme");
        let readme_path = dir.join(&readme);
        assert!(
            readme_path.is_file(),
            "{name}: readme {} missing",
            readme_path.display()
        );
        let keywords: Vec<&str> = p["keywords"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            (1..=5).contains(&keywords.len()),
            "{name}: crates.io takes 1 to 5 keywords: {keywords:?}"
        );
        for k in &keywords {
            assert!(
                k.len() <= 20
                    && k.starts_with(|c: char| c.is_ascii_alphabetic())
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{name}: keyword {k:?}"
            );
        }
        let categories = p["categories"].as_array().map(Vec::len).unwrap_or(0);
        assert!((1..=5).contains(&categories), "{name}: 1 to 5 categories");
        let docs = &p["metadata"]["docs"]["rs"];
        assert!(
            docs["all-features"] == true || docs["features"].is_array(),
            "{name}: [package.metadata.docs.rs] names no features: {docs}"
        );
        for (file, want) in [("LICENSE-MIT", &mit), ("LICENSE-APACHE", &apache)] {
            let got = std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("{name}: {file} beside its manifest: {e}"));
            assert_eq!(&got, want, "{name}: {file} differs from the root's");
        }
    }
    assert!(checked >= 8, "only {checked} published crates");
}

#[test]
fn published_crates_depend_on_published_workspace_crates_with_versions() {
    let pkgs = packages();
    let by_dir: BTreeMap<PathBuf, &Value> = pkgs.values().map(|p| (manifest_dir(p), p)).collect();
    for (name, p) in pkgs.iter().filter(|(_, p)| publishable(p)) {
        for d in p["dependencies"].as_array().expect("dependencies") {
            let Some(path) = d["path"].as_str() else {
                continue;
            };
            let dep = d["name"].as_str().expect("dependency name");
            // Dev-dependencies are dropped when packaging.
            if d["kind"] == "dev" {
                continue;
            }
            let target = by_dir
                .get(Path::new(path))
                .unwrap_or_else(|| panic!("{name}: {dep} at {path} is not a workspace package"));
            assert!(
                publishable(target),
                "{name} depends on {dep}, which is not published"
            );
            let req = d["req"].as_str().unwrap_or("*");
            let version = target["version"].as_str().expect("version");
            assert_ne!(req, "*", "{name}: path dependency {dep} has no version");
            assert!(
                req == version || req == format!("^{version}"),
                "{name}: {dep} asks {req}, the workspace has {version}"
            );
        }
    }
}
