//! `cargo xtask codegen` end to end. From the committed `spec/` alone (no corpus needed, never skipped):
//! `generated/` is exactly what `spec/` produces, and an edit to a spec file is carried into
//! `generated/`. With the docs corpus (`$WECHATPAY_DOCS`, else `../shared/docs/wechatpay.im-2026-06-21`; without it
//! those tests print why and pass): the committed `spec/` is up to date, output is deterministic, every
//! page is read, and `--check` names exactly the stale and the no-longer-generated files.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xtask::codegen::{self, InputChoice, Options};

/// A fresh, empty folder under the system temp dir, removed on drop.
struct TempRoot(PathBuf);

impl TempRoot {
    fn new(tag: &str) -> TempRoot {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-codegen-{tag}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempRoot(dir)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(root: &Path, docs: &Path, check: bool) -> codegen::Report {
    codegen::run(&Options {
        root: root.to_path_buf(),
        input: InputChoice::DocsFlag(docs.to_path_buf()),
        check,
    })
    .unwrap_or_else(|e| panic!("codegen failed: {e}"))
}

fn run_spec_only(root: &Path, check: bool) -> codegen::Report {
    codegen::run(&Options {
        root: root.to_path_buf(),
        input: InputChoice::SpecOnly,
        check,
    })
    .unwrap_or_else(|e| panic!("codegen from spec/ failed: {e}"))
}

/// Copies `from` into `to` recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()))
        .flatten()
    {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        }
    }
}

/// The committed `generated/` (and the README's generated tables) are exactly what the committed `spec/`
/// produces. Needs nothing beside the repository: this is the freshness test of every `cargo test`.
#[test]
fn generated_is_up_to_date_with_committed_spec() {
    let root = common::workspace_root();
    let report = run_spec_only(&root, true);
    assert!(
        matches!(report.input, codegen::Input::Spec { .. }),
        "{:?}",
        report.input
    );
    assert!(
        report.is_clean(),
        "generated/ is stale with respect to spec/; run `cargo xtask codegen` and commit the result:\n{}",
        report.stale().join("\n")
    );
    let index = codegen::read_index(&root.join("spec")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.counts, index.counts);
}

/// In a copy of the repository with no docs beside it, an edited operation title in `spec/` makes
/// `--check` name the stale generated file, and a normal run carries the edit into `generated/`.
#[test]
fn spec_edit_is_carried_into_generated() {
    let repo = common::workspace_root();
    let root = TempRoot::new("spec-edit");
    for dir in ["spec", "generated"] {
        copy_tree(&repo.join(dir), &root.0.join(dir));
    }
    for doc in ["README.md", "GENERATOR.md"] {
        std::fs::copy(repo.join(doc), root.0.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    }
    assert!(
        run_spec_only(&root.0, true).is_clean(),
        "a fresh copy is clean"
    );

    let spec_file = root.0.join("spec/openapi/v3/pay/transactions/jsapi.json");
    let text = std::fs::read_to_string(&spec_file).unwrap_or_else(|e| panic!("{e}"));
    let mut page: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let old_title = page["operations"][0]["title"]
        .as_str()
        .unwrap_or_else(|| panic!("jsapi.json has no operation title"))
        .to_string();
    let new_title = format!("{old_title} (edited in spec)");
    page["operations"][0]["title"] = serde_json::Value::String(new_title.clone());
    let mut edited = serde_json::to_string_pretty(&page).unwrap_or_else(|e| panic!("{e}"));
    edited.push('\n');
    std::fs::write(&spec_file, edited).unwrap_or_else(|e| panic!("{e}"));

    let check = run_spec_only(&root.0, true);
    let stale = check.stale();
    let module = stale
        .iter()
        .find(|f| f.ends_with("/v3/pay/transactions/jsapi.rs"))
        .unwrap_or_else(|| panic!("--check does not name the jsapi module: {stale:?}"))
        .clone();
    assert!(
        stale.iter().all(|f| f.starts_with("generated/")),
        "only generated files go stale: {stale:?}"
    );
    let before = std::fs::read_to_string(root.0.join(&module)).unwrap_or_default();
    assert!(!before.contains(&new_title), "check mode wrote {module}");

    let write = run_spec_only(&root.0, false);
    assert_eq!(
        write.stale(),
        stale,
        "a normal run rewrites what --check named"
    );
    let after = std::fs::read_to_string(root.0.join(&module)).unwrap_or_default();
    assert!(
        after.contains(&new_title),
        "{module} does not carry the edited title"
    );
    assert!(run_spec_only(&root.0, true).is_clean());
}

/// A docs folder that was asked for but does not exist is an error naming where the value came from;
/// with none asked for and none beside the repository, the committed `spec/` is the input.
#[test]
fn input_resolution() {
    let root = TempRoot::new("input");
    let missing = root.0.join("no-such-docs");
    let err = codegen::resolve_input(&root.0, &InputChoice::DocsFlag(missing.clone()))
        .expect_err("a missing --docs folder is an error");
    assert!(
        err.contains("--docs") && err.contains("no-such-docs"),
        "{err}"
    );
    let input =
        codegen::resolve_input(&root.0, &InputChoice::SpecOnly).unwrap_or_else(|e| panic!("{e}"));
    assert!(input.describe().contains("spec/"), "{}", input.describe());
    // Auto without a docs folder beside `root` falls back to spec/ (unless $WECHATPAY_DOCS names one).
    if std::env::var_os(codegen::DOCS_ENV).is_none() {
        let auto =
            codegen::resolve_input(&root.0, &InputChoice::Auto).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(auto, codegen::Input::Spec { .. }), "{auto:?}");
    }
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The committed `spec/` is exactly what the docs produce.
#[test]
fn committed_spec_is_up_to_date() {
    let Some(docs) = common::corpus_dir() else {
        return;
    };
    let root = common::workspace_root();
    let report = run(&root, &docs, true);
    assert!(
        report.is_clean(),
        "generated files are stale; run `cargo xtask codegen` and commit the result:\n{}",
        report.stale().join("\n")
    );
    assert_eq!(report.counts.failed_pages, 0);
}

/// Two runs into fresh roots write byte-identical trees; a second run into the same root changes nothing.
#[test]
fn codegen_is_deterministic_and_idempotent() {
    let Some(docs) = common::corpus_dir() else {
        return;
    };
    let (a, b) = (TempRoot::new("a"), TempRoot::new("b"));
    assert!(!a.0.join("spec").exists());
    let first = run(&a.0, &docs, false);
    assert!(
        !first.writer.changed.is_empty(),
        "a fresh root gets every file written"
    );
    assert!(first.writer.removed.is_empty());
    let written = tree(&a.0);
    assert_eq!(
        written.len(),
        first.writer.changed.len(),
        "every written file is reported once"
    );
    let spec_files = written.keys().filter(|p| p.starts_with("spec/")).count();
    assert_eq!(
        spec_files,
        first.counts.pages + 2,
        "one JSON per page, plus spec/index.json and spec/DIAGNOSTICS.md"
    );

    run(&b.0, &docs, false);
    let other = tree(&b.0);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        other.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &written {
        assert!(other[path] == *bytes, "{path} differs between two runs");
    }

    let second = run(&a.0, &docs, false);
    assert!(
        second.is_clean(),
        "second run changed: {:?}",
        second.stale()
    );
    assert_eq!(second.writer.changed.len(), 0);
    assert_eq!(second.writer.removed.len(), 0);
    assert_eq!(first.counts, second.counts);
    assert!(tree(&a.0) == written, "second run rewrote content");
}

/// Every page of the corpus is read: counts agree with what was parsed (no snapshot numbers here: they
/// live in `spec/index.json`, which `committed_spec_is_up_to_date` keeps current).
#[test]
fn corpus_counts() {
    let Some(docs) = common::corpus_dir() else {
        return;
    };
    let corpus = xtask::corpus::load(&docs).unwrap_or_else(|e| panic!("{e}"));
    let c = corpus.counts();
    assert_eq!(c.failed_pages, corpus.failed.len());
    assert_eq!(c.pages, corpus.pages.len());
    assert_eq!(
        c.v3_operations + c.v2_operations,
        corpus
            .pages
            .iter()
            .map(|p| p.operations.len())
            .sum::<usize>()
    );
    assert_eq!(c.warnings + c.errors, corpus.diagnostics.len());

    // Every .md under the four API folders is either a spec page or a redirect stub: nothing is skipped.
    let mut files = Vec::new();
    for dir in xtask::corpus::API_DIRS {
        md_files(&docs, &docs.join(dir), &mut files);
    }
    files.sort();
    let mut read: Vec<String> = corpus
        .pages
        .iter()
        .map(|p| p.source.clone())
        .chain(corpus.redirects.keys().cloned())
        .collect();
    read.sort();
    assert_eq!(
        files, read,
        "pages neither parsed nor recognised as redirect stubs"
    );
    assert_eq!(files.len(), c.pages + c.redirect_stubs);
    for (stub, target) in &corpus.redirects {
        assert!(target.starts_with('/'), "{stub} redirects to `{target}`");
    }
}

fn md_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            md_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(
                path.strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// `--check` on a root where one spec file was edited and one extra file added names exactly those two,
/// and writes nothing.
#[test]
fn check_reports_stale_and_extra_files() {
    let Some(docs) = common::corpus_dir() else {
        return;
    };
    let root = TempRoot::new("check");
    let first = run(&root.0, &docs, false);
    assert_eq!(first.counts.failed_pages, 0);

    let edited = root.0.join("spec/openapi/v3/pay/transactions/jsapi.json");
    let mut content =
        std::fs::read_to_string(&edited).unwrap_or_else(|e| panic!("{}: {e}", edited.display()));
    content.push_str("edited by hand\n");
    std::fs::write(&edited, &content).unwrap_or_else(|e| panic!("{e}"));
    let extra = root.0.join("spec/openapi/v3/no-such-page.json");
    std::fs::write(&extra, "{}\n").unwrap_or_else(|e| panic!("{e}"));
    // Files outside the generated folders, or with another extension, are not the generator's business.
    std::fs::write(root.0.join("spec/openapi/v3/notes.txt"), "keep\n")
        .unwrap_or_else(|e| panic!("{e}"));

    let report = run(&root.0, &docs, true);
    assert!(!report.is_clean());
    assert_eq!(
        report.stale(),
        [
            "spec/openapi/v3/pay/transactions/jsapi.json",
            "spec/openapi/v3/no-such-page.json (no longer generated)"
        ]
    );
    assert!(
        report.summary().contains("1 files stale, 1 removed"),
        "{}",
        report.summary()
    );
    // Check mode writes nothing.
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap_or_default(),
        content
    );
    assert!(extra.exists());

    // A normal run repairs both, and then the check is clean.
    let fix = run(&root.0, &docs, false);
    assert_eq!(fix.writer.changed.len(), 1);
    assert_eq!(fix.writer.removed.len(), 1);
    assert!(!extra.exists());
    assert!(root.0.join("spec/openapi/v3/notes.txt").exists());
    assert!(run(&root.0, &docs, true).is_clean());
}
