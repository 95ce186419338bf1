//! Docs-update robustness (issue 9, item 4): a docs update must never break `cargo xtask codegen`.
//!
//! From the real docs corpus (`$WECHATPAY_DOCS`, else `../shared/docs/wechatpay.im`; without it every test
//! writes a visible `SKIPPED …` line and passes, or fails under CI), each test makes a perturbed copy of the kind real updates contain (a
//! page added or removed, a field renamed or added deeper than any existing one, a new enum value, event
//! types new, shared by two pages or listed two to a page, a new business group, an operation moved
//! between groups, a new pseudo row, a row with a missing cell, and the kinds seen in the real
//! 2026-03-26 → 2026-06-21 diff: inline `参阅` links, a `{.im-privated}` block, a field made required,
//! `original_type` moved above the ciphertext, a v2 field renamed). Each perturbation asserts that it
//! changed the input, so no test can pass on an edit that silently did nothing.
//!
//! For each variant, codegen runs (`check: false`) into a temp root seeded with the unperturbed run's
//! `spec/` and `generated/` (as a maintainer's clone is), and must:
//! * succeed (never `Err`) and report the change: the spec file, diagnostic class or generated item the
//!   edit must produce, and the changed files among `Report::stale()`;
//! * leave a generated tree that is structurally sound: every `.rs` file parses with `syn`, every `mod`
//!   has its file and every file is reached by a `mod`, the features of `generated/Cargo.toml` are the
//!   business groups of the spec, every operation page and every notification page has generated code
//!   naming its spec file, and every event type is in the events crate;
//! * for a few variants (new business group, shared event type, two event types on a page, field at a
//!   new depth, new pseudo row), compile: `cargo check --offline -p wechatpay --features <groups>,events` in a workspace
//!   under `target/robustness/` built from this repository's manifest and runtime (shared `CARGO_TARGET_DIR`
//!   `target/robustness/target`, so the dependencies are built once).
//!
//! Most variants use a reduced corpus (a few business groups, every notification page) for speed; the
//! event-type and business-group variants use the full corpus. Counts come from the unperturbed run's
//! `spec/index.json`, never from a snapshot.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use xtask::codegen::{self, InputChoice, Options};
use xtask::docs::Parsed;
use xtask::spec::{Api, Field, Page};

// ---------------------------------------------------------------------------------------------------
// Temp folders

/// A fresh, empty folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-robustness-{tag}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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

/// Every file under `dir` with extension `ext`, as paths relative to `dir` with `/` separators.
fn files_under(dir: &Path, ext: &str) -> Vec<String> {
    let mut found = Vec::new();
    xtask::files::collect(dir, ext, &mut found)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut rels: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap_or(p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    rels.sort();
    rels
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Writes `contents` to `path` unless it already holds exactly that (keeps mtimes for cargo).
fn write_if_differs(path: &Path, contents: &[u8]) {
    if std::fs::read(path).ok().as_deref() == Some(contents) {
        return;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Every file under `dir` (recursively), relative to `dir`.
fn all_files(dir: &Path, prefix: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = prefix.join(entry.file_name());
        if path.is_dir() {
            all_files(&path, &rel, out);
        } else {
            out.insert(rel);
        }
    }
}

/// Makes the tree `to` hold exactly the files of `from`, writing only those that differ (cargo then
/// rebuilds only what changed).
fn sync_tree(from: &Path, to: &Path) {
    let (mut wanted, mut present) = (BTreeSet::new(), BTreeSet::new());
    all_files(from, Path::new(""), &mut wanted);
    all_files(to, Path::new(""), &mut present);
    for rel in &wanted {
        let bytes = std::fs::read(from.join(rel))
            .unwrap_or_else(|e| panic!("{}: {e}", from.join(rel).display()));
        write_if_differs(&to.join(rel), &bytes);
    }
    for rel in present.difference(&wanted) {
        std::fs::remove_file(to.join(rel))
            .unwrap_or_else(|e| panic!("{}: {e}", to.join(rel).display()));
    }
    remove_empty_dirs(to);
}

/// Removes the empty folders under `dir` (a part folder without its manifest would break the
/// workspace's `generated/parts/*` members); whether `dir` itself ended up empty.
fn remove_empty_dirs(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut empty = true;
    for entry in entries.flatten() {
        let path = entry.path();
        if !(path.is_dir() && remove_empty_dirs(&path) && std::fs::remove_dir(&path).is_ok()) {
            empty = false;
        }
    }
    empty
}

// ---------------------------------------------------------------------------------------------------
// The corpus in memory, and edits to it

/// The business groups of the reduced corpus (`openapi/v3/<group>` folders or `<group>.md` pages, and
/// `openapi/v2/<group>`); every notification page is kept. `catering` is a one-page group.
const REDUCED_V3: [&str; 4] = ["pay", "refund", "profitsharing", "catering"];
const REDUCED_V2: [&str; 1] = ["pay"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Full,
    Reduced,
}

/// Doc pages of the four API folders: relative path → bytes.
#[derive(Clone)]
struct Docs {
    files: BTreeMap<String, Vec<u8>>,
}

impl Docs {
    fn load(dir: &Path, kind: Kind) -> Docs {
        let mut files = BTreeMap::new();
        for api_dir in xtask::corpus::API_DIRS {
            for rel in files_under(&dir.join(api_dir), "md") {
                let rel = format!("{api_dir}/{rel}");
                if kind == Kind::Reduced && !in_reduced(&rel) {
                    continue;
                }
                let bytes = std::fs::read(dir.join(&rel))
                    .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
                files.insert(rel, bytes);
            }
        }
        assert!(!files.is_empty(), "no pages under {}", dir.display());
        Docs { files }
    }

    fn write(&self, dir: &Path) {
        for (rel, bytes) in &self.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
            }
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }

    fn has(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    fn text(&self, rel: &str) -> String {
        let bytes = self
            .files
            .get(rel)
            .unwrap_or_else(|| panic!("no page {rel} in the corpus"));
        String::from_utf8(bytes.clone()).unwrap_or_else(|e| panic!("{rel} is not UTF-8: {e}"))
    }

    /// Replaces the page `rel` by `edit(old)`; the edit must change it.
    fn edit(&mut self, rel: &str, edit: impl FnOnce(&str) -> String) {
        let old = self.text(rel);
        let new = edit(&old);
        assert_ne!(old, new, "the edit of {rel} changed nothing");
        self.files.insert(rel.to_string(), new.into_bytes());
    }

    /// Adds the page `rel`, which must be new.
    fn add(&mut self, rel: &str, text: String) {
        assert!(!self.has(rel), "{rel} already exists");
        self.files.insert(rel.to_string(), text.into_bytes());
    }

    fn remove(&mut self, rel: &str) -> String {
        let text = self.text(rel);
        self.files.remove(rel);
        assert!(!self.has(rel));
        text
    }

    /// `preferred` when it exists and satisfies `pred`, else the first page (in path order) that does.
    fn pick(&self, preferred: &str, pred: impl Fn(&str, &str) -> bool) -> String {
        let ok = |rel: &str| {
            std::str::from_utf8(&self.files[rel])
                .map(|t| pred(rel, t))
                .unwrap_or(false)
        };
        if self.has(preferred) && ok(preferred) {
            return preferred.to_string();
        }
        self.files
            .keys()
            .find(|rel| ok(rel))
            .cloned()
            .unwrap_or_else(|| panic!("no page like {preferred} in the corpus"))
    }

    /// The page as the parser reads it (a single page: cheap).
    fn parse(&self, rel: &str) -> Page {
        match common::parse(rel, &self.text(rel)).0 {
            Some(Parsed::Page(p)) => p,
            other => panic!("{rel} is not an API page: {:?}", other.map(|_| "redirect")),
        }
    }
}

fn in_reduced(rel: &str) -> bool {
    let mut parts = rel.splitn(4, '/');
    let (kind, api, group) = (parts.next(), parts.next(), parts.next());
    let group = group.map(|g| g.trim_end_matches(".md"));
    match (kind, api, group) {
        (Some("webhook"), _, _) => true,
        (Some("openapi"), Some("v3"), Some(g)) => REDUCED_V3.contains(&g),
        (Some("openapi"), Some("v2"), Some(g)) => REDUCED_V2.contains(&g),
        _ => false,
    }
}

/// The name in the first cell of a table row: `| appid {data-required data-indent=1} | …` → `appid`.
fn row_name(line: &str) -> Option<&str> {
    let cell = line.strip_prefix("| ")?.split(" | ").next()?;
    let name = cell.split(" {").next()?.trim();
    (!name.is_empty() && !name.starts_with('{')).then_some(name)
}

/// The `data-indent` of a table row (0 when absent).
fn row_indent(line: &str) -> usize {
    let cell = line.split(" | ").next().unwrap_or("");
    cell.split("data-indent=")
        .nth(1)
        .map(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// The line index of the first row satisfying `pred` (name, indent, whole line).
fn find_row(text: &str, pred: impl Fn(&str, usize, &str) -> bool) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with("| ") && row_name(l).is_some_and(|n| pred(n, row_indent(l), l)))
}

/// `text` with line `i` replaced by `f(line)`.
fn map_line(text: &str, i: usize, f: impl FnOnce(&str) -> String) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[i] = f(&lines[i]);
    join_lines(lines, text)
}

/// `text` with `new` lines inserted before line `i`.
fn insert_lines(text: &str, i: usize, new: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.splice(i..i, new.iter().cloned());
    join_lines(lines, text)
}

fn join_lines(lines: Vec<String>, like: &str) -> String {
    let mut out = lines.join("\n");
    if like.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A row with `value` added to its enumeration (`` `A` 枚举值`` or `` `A` \| `B` 枚举值之一``).
fn add_enum_value(line: &str, value: &str) -> String {
    if line.contains(" 枚举值之一") {
        line.replacen(" 枚举值之一", &format!(" \\| `{value}` 枚举值之一"), 1)
    } else if line.ends_with("` 枚举值") {
        let head = line.strip_suffix(" 枚举值").unwrap_or(line);
        format!("{head} \\| `{value}` 枚举值之一")
    } else {
        panic!("no enumeration in row {line}")
    }
}

/// The `event_type` row of a v3 notification page.
fn event_type_row(text: &str) -> Option<usize> {
    find_row(text, |n, indent, l| {
        n == "event_type" && indent == 1 && l.contains("枚举值")
    })
}

/// A v3 notification page documenting exactly one event type, with a decrypted resource.
fn single_event_page(rel: &str, text: &str) -> bool {
    rel.starts_with("webhook/v3/")
        && event_type_row(text).is_some_and(|i| {
            let l = text.lines().nth(i).unwrap_or("");
            l.ends_with("` 枚举值") && l.matches('`').count() == 2
        })
        && text.contains("data-encrypted=by-aes-gcm")
}

/// A v3 operation page with a JSON request body whose indent-1 rows include an optional string and a
/// string with an enumeration.
fn json_op_page(rel: &str, text: &str) -> bool {
    rel.starts_with("openapi/v3/")
        && find_row(text, |n, i, _| n == "json" && i == 0).is_some()
        && find_row(text, |_, i, l| {
            i == 1 && l.contains("| string |") && !l.contains("data-required")
        })
        .is_some()
        && find_row(text, |_, _, l| {
            l.contains("| string |") && l.contains("枚举值之一")
        })
        .is_some()
}

/// The fields of a body, recursively, as dot paths of names.
fn field_paths(fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = if prefix.is_empty() {
            f.name.clone()
        } else {
            format!("{prefix}.{}", f.name)
        };
        field_paths(&f.fields, &path, out);
        for v in &f.variants {
            field_paths(v, &path, out);
        }
        out.insert(path);
    }
}

fn paths_of(fields: &[Field]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    field_paths(fields, "", &mut out);
    out
}

fn find_field<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    for f in fields {
        if f.name == name {
            return Some(f);
        }
        if let Some(x) = find_field(&f.fields, name) {
            return Some(x);
        }
        for v in &f.variants {
            if let Some(x) = find_field(v, name) {
                return Some(x);
            }
        }
    }
    None
}

/// The spec file of a doc page: `openapi/v3/a.md` → `spec/openapi/v3/a.json`.
fn spec_of(rel: &str) -> String {
    format!("spec/{}", xtask::corpus::spec_file(rel))
}

// ---------------------------------------------------------------------------------------------------
// The unperturbed runs

struct Base {
    kind: Kind,
    docs: Docs,
    /// The unperturbed run's root (its `spec/` and `generated/` seed each variant's root), for the
    /// reduced corpus; the full-corpus variant starts from an empty root (a full run costs seconds).
    root: Option<TempDir>,
    /// The counts of the unperturbed corpus.
    counts: xtask::corpus::Counts,
}

/// The unperturbed corpus of `kind`, its counts and (reduced corpus) its codegen run, made once per test
/// binary; `None` when there is no corpus (after a visible `SKIPPED …` line, or a failure under CI).
fn base(kind: Kind) -> Option<&'static Base> {
    static FULL: OnceLock<Option<Base>> = OnceLock::new();
    static REDUCED: OnceLock<Option<Base>> = OnceLock::new();
    let cell = match kind {
        Kind::Full => &FULL,
        Kind::Reduced => &REDUCED,
    };
    cell.get_or_init(|| {
        let dir = common::corpus_dir()?;
        let start = Instant::now();
        let docs = Docs::load(&dir, kind);
        if kind == Kind::Full {
            let counts = xtask::corpus::load(&dir)
                .unwrap_or_else(|e| panic!("{e}"))
                .counts();
            println!(
                "base {kind:?}: {} pages read: {:.2?}",
                counts.pages,
                start.elapsed()
            );
            return Some(Base {
                kind,
                docs,
                root: None,
                counts,
            });
        }
        let docs_dir = TempDir::new("base-docs");
        docs.write(&docs_dir.0);
        let root = TempDir::new("base");
        let report = run_codegen(&root.0, &docs_dir.0)
            .unwrap_or_else(|e| panic!("codegen fails on the unperturbed {kind:?} corpus: {e}"));
        println!(
            "base {kind:?}: {} pages, codegen {:.2?}",
            report.counts.pages,
            start.elapsed()
        );
        Some(Base {
            kind,
            docs,
            root: Some(root),
            counts: report.counts,
        })
    })
    .as_ref()
}

fn run_codegen(root: &Path, docs: &Path) -> Result<codegen::Report, String> {
    codegen::run(&Options {
        root: root.to_path_buf(),
        input: InputChoice::DocsFlag(docs.to_path_buf()),
        check: false,
    })
}

// ---------------------------------------------------------------------------------------------------
// One variant's run and its checks

struct Outcome {
    name: &'static str,
    root: TempDir,
    report: codegen::Report,
    index: codegen::Index,
    /// Spec pages by source.
    pages: BTreeMap<String, Page>,
    /// `generated/**.rs` by path relative to `generated/`.
    rs: BTreeMap<String, String>,
    diagnostics_md: String,
}

/// Runs codegen on `docs` into a root seeded with the unperturbed run, asserts it succeeds, and runs the
/// structural checks.
fn generate(name: &'static str, base: &Base, docs: &Docs) -> Outcome {
    let start = Instant::now();
    let docs_dir = TempDir::new(&format!("{name}-docs"));
    docs.write(&docs_dir.0);
    let root = TempDir::new(name);
    if let Some(seed) = &base.root {
        for dir in ["spec", "generated"] {
            copy_tree(&seed.0.join(dir), &root.0.join(dir));
        }
    }
    println!(
        "variant {name}: docs written, root seeded: {:.2?}",
        start.elapsed()
    );
    let start = Instant::now();
    let report = run_codegen(&root.0, &docs_dir.0)
        .unwrap_or_else(|e| panic!("variant {name}: codegen failed: {e}"));
    let elapsed = start.elapsed();
    let spec = root.0.join("spec");
    let index = codegen::read_index(&spec).unwrap_or_else(|e| panic!("variant {name}: {e}"));
    let pages = codegen::read_spec_pages(&spec)
        .unwrap_or_else(|e| panic!("variant {name}: {e}"))
        .into_iter()
        .map(|p| (p.source.clone(), p))
        .collect();
    let generated = root.0.join("generated");
    let rs = files_under(&generated, "rs")
        .into_iter()
        .map(|rel| {
            let text = read(&generated.join(&rel));
            (rel, text)
        })
        .collect();
    let diagnostics_md = read(&spec.join("DIAGNOSTICS.md"));
    println!(
        "variant {name} ({:?} corpus): codegen {elapsed:.2?}; {} files changed, {} removed; {} emitter diagnostics",
        base.kind,
        report.writer.changed.len(),
        report.writer.removed.len(),
        report.emitter_diagnostics
    );
    if let Some(changes) = &report.changes {
        println!("variant {name}: changes: {changes}");
    }
    let out = Outcome {
        name,
        root,
        report,
        index,
        pages,
        rs,
        diagnostics_md,
    };
    let start = Instant::now();
    out.structural_checks();
    println!("variant {name}: structural checks {:.2?}", start.elapsed());
    out
}

impl Outcome {
    fn page(&self, rel: &str) -> &Page {
        self.pages
            .get(rel)
            .unwrap_or_else(|| panic!("variant {}: no spec page for {rel}", self.name))
    }

    /// The generated files whose `@generated` header names `spec_file`.
    /// The generated files of a spec file: its operation modules and the `types` module of their
    /// business group (shared types name no single spec file).
    fn generated_from(&self, spec_file: &str) -> Vec<(&String, &String)> {
        let header = format!(" from {spec_file} — do not edit");
        let own: Vec<(&String, &String)> = self
            .rs
            .iter()
            .filter(|(_, text)| text.lines().next().is_some_and(|l| l.ends_with(&header)))
            .collect();
        // `parts/<crate>/src/v3/<group>/…` → `parts/<crate>/src/v3/<group>/types.rs`.
        let groups: std::collections::BTreeSet<String> = own
            .iter()
            .filter_map(|(rel, _)| {
                let parts: Vec<&str> = rel.split('/').collect();
                let v3 = parts.iter().position(|p| *p == "v3")?;
                let group = parts.get(..v3 + 2)?;
                let dir = group.join("/");
                Some(format!("{}/types.rs", dir.trim_end_matches(".rs")))
            })
            .collect();
        let mut out = own;
        out.extend(
            self.rs
                .iter()
                .filter(|(rel, _)| groups.contains(rel.as_str())),
        );
        out
    }

    /// All of the events crate's source.
    fn events_source(&self) -> String {
        self.rs
            .iter()
            .filter(|(rel, _)| rel.starts_with("events/src/"))
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// Whether `rel` (relative to the root) is among the files this run changed.
    fn changed(&self, rel: &str) -> bool {
        self.report.stale().iter().any(|f| f == rel)
    }

    fn removed(&self, rel: &str) -> bool {
        let want = format!("{rel} (no longer generated)");
        self.report.stale().contains(&want)
    }

    /// Parser diagnostics of `file` with class `class`.
    fn diags(&self, file: &str, class: &str) -> Vec<&xtask::diag::Diagnostic> {
        self.index
            .diagnostics
            .iter()
            .filter(|d| d.file == file && d.class == class)
            .collect()
    }

    /// The emitter diagnostics of class `class` as rendered in `spec/DIAGNOSTICS.md`, unescaped.
    fn emitter_diags(&self, class: &str) -> Vec<String> {
        let section = self
            .diagnostics_md
            .split("# Emitter diagnostics")
            .nth(1)
            .unwrap_or_else(|| {
                panic!(
                    "variant {}: DIAGNOSTICS.md has no emitter section",
                    self.name
                )
            });
        let needle = format!("[{class}]");
        section
            .lines()
            .filter(|l| l.starts_with("- "))
            .map(|l| l.replace('\\', ""))
            .filter(|l| l.contains(&needle))
            .collect()
    }

    fn structural_checks(&self) {
        let name = self.name;
        // The report and the index agree with the spec files.
        assert_eq!(self.report.counts, self.index.counts, "variant {name}");
        assert_eq!(self.index.counts.pages, self.pages.len(), "variant {name}");
        let v3_ops = self
            .pages
            .values()
            .flat_map(|p| &p.operations)
            .filter(|o| o.api == Api::V3)
            .count();
        assert_eq!(self.index.counts.v3_operations, v3_ops, "variant {name}");

        // Every generated .rs parses (each distinct text once per test binary); its `mod` items are kept.
        let decls: BTreeMap<&String, Vec<ModDecl>> = self
            .rs
            .iter()
            .map(|(rel, text)| (rel, parsed_mods(name, rel, text)))
            .collect();

        // Module trees: every `mod` has its file, every file is reached.
        let generated = self.root.0.join("generated");
        let mut crates = vec!["src".to_string()];
        for dir in ["core", "events"] {
            if generated.join(dir).join("Cargo.toml").is_file() {
                crates.push(format!("{dir}/src"));
            }
        }
        for part in files_under(&generated.join("parts"), "toml") {
            if let Some(dir) = part.strip_suffix("/Cargo.toml") {
                crates.push(format!("parts/{dir}/src"));
            }
        }
        let mut reached = BTreeSet::new();
        for src in &crates {
            walk_modules(name, &decls, &format!("{src}/lib.rs"), src, &mut reached);
        }
        let orphans: Vec<&String> = self.rs.keys().filter(|f| !reached.contains(*f)).collect();
        assert!(
            orphans.is_empty(),
            "variant {name}: generated files no `mod` reaches: {orphans:?}"
        );

        // Features are the business groups.
        let groups: BTreeSet<String> = self
            .pages
            .values()
            .flat_map(|p| &p.operations)
            .filter(|o| o.api == Api::V3)
            .map(|o| xtask::naming::feature(&o.path))
            .collect();
        // APIv2: a feature `v2_<group>` per business group (the segment after `/v2/`), and `v2` for all.
        let mut v2_groups: BTreeSet<String> = self
            .pages
            .values()
            .flat_map(|p| &p.operations)
            .filter(|o| o.api == Api::V2)
            .filter_map(|o| {
                let modules = xtask::naming::module_path(&o.path);
                (modules.first().map(String::as_str) == Some("v2"))
                    .then(|| {
                        modules
                            .get(1)
                            .map(|g| format!("v2_{}", g.trim_start_matches("r#")))
                    })
                    .flatten()
            })
            .collect();
        if !v2_groups.is_empty() {
            v2_groups.insert("v2".to_string());
        }
        let manifest = read(&generated.join("Cargo.toml"));
        let features = manifest_features(&manifest);
        let group_features: BTreeSet<String> = features
            .iter()
            .filter(|(_, deps)| {
                deps.iter().any(|d| {
                    d.starts_with("dep:wechatpay-")
                        && !matches!(d.as_str(), "dep:wechatpay-events" | "dep:wechatpay-core")
                })
            })
            .map(|(f, _)| f.clone())
            .collect();
        assert_eq!(
            group_features,
            groups.union(&v2_groups).cloned().collect::<BTreeSet<_>>(),
            "variant {name}: the features of generated/Cargo.toml are not the business groups of spec/"
        );
        let full: BTreeSet<&String> = features
            .get("full")
            .unwrap_or_else(|| panic!("variant {name}: no `full` feature"))
            .iter()
            .collect();
        let lib = &self.rs["src/lib.rs"];
        if !v2_groups.is_empty() {
            assert!(
                full.contains(&"v2".to_string()),
                "variant {name}: `full` lacks `v2`"
            );
        }
        for g in groups.iter().chain(v2_groups.iter().filter(|g| *g != "v2")) {
            // v3 groups are in `full` directly, v2 groups through `v2`.
            let (umbrella, members) = if g.starts_with("v2_") {
                ("v2", &features["v2"])
            } else {
                ("full", &features["full"])
            };
            assert!(
                members.contains(g),
                "variant {name}: `{umbrella}` lacks the group `{g}`"
            );
            assert!(
                lib.contains(&format!("#[cfg(feature = \"{g}\")]")),
                "variant {name}: generated/src/lib.rs does not re-export the group `{g}`"
            );
            for dep in &features[g] {
                // `wechatpay-<crate>/<group>`: the operation crate's folder is `parts/<crate>`.
                if let Some((part, feature)) = dep
                    .strip_prefix("wechatpay-")
                    .and_then(|rest| rest.split_once('/'))
                {
                    let part_manifest = generated.join(format!("parts/{part}/Cargo.toml"));
                    let part_features = manifest_features(&read(&part_manifest));
                    assert!(
                        part_features.contains_key(feature),
                        "variant {name}: {} has no feature `{feature}` (for the group `{g}`)",
                        part_manifest.display()
                    );
                }
            }
        }

        // Every v3 operation page has generated code naming its spec file.
        let spec_files: BTreeSet<String> = self
            .rs
            .values()
            .filter_map(|t| {
                let first = t.lines().next()?;
                let rest = first.split(" from ").nth(1)?;
                Some(rest.trim_end_matches(" — do not edit").to_string())
            })
            .collect();
        for p in self.pages.values() {
            let wants_code = p.operations.iter().any(|o| o.api == Api::V3)
                || p.notifications
                    .iter()
                    .any(|n| n.api == Api::V3 && !n.event_types.is_empty());
            if wants_code {
                let spec = spec_of(&p.source);
                assert!(
                    spec_files.contains(&spec),
                    "variant {name}: no generated file comes from {spec}"
                );
            }
        }

        // Every v3 event type is in the events crate.
        let events = self.events_source();
        for p in self.pages.values() {
            for n in p.notifications.iter().filter(|n| n.api == Api::V3) {
                for wire in &n.event_types {
                    assert!(
                        events.contains(&format!("\"{wire}\"")),
                        "variant {name}: event type `{wire}` ({}) is not in the events crate",
                        p.source
                    );
                }
            }
        }
    }
}

/// A `mod` item: `mod name;` (a file) or `mod name { … }` (inline, with its own `mod` items).
#[derive(Clone)]
enum ModDecl {
    File(String),
    Inline(String, Vec<ModDecl>),
}

fn mod_decls(variant: &str, rel: &str, items: &[syn::Item]) -> Vec<ModDecl> {
    let mut out = Vec::new();
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let name = m.ident.to_string().trim_start_matches("r#").to_string();
        assert!(
            !m.attrs.iter().any(|a| a.path().is_ident("path")),
            "variant {variant}: generated/{rel}: `#[path]` on `mod {name}` is not expected"
        );
        out.push(match &m.content {
            Some((_, inner)) => ModDecl::Inline(name, mod_decls(variant, rel, inner)),
            None => ModDecl::File(name),
        });
    }
    out
}

/// Parses a generated file (panicking with the error when it does not parse) and returns its `mod`
/// items; a text parsed before (by any variant) is not parsed again.
fn parsed_mods(variant: &str, rel: &str, text: &str) -> Vec<ModDecl> {
    use std::hash::{Hash, Hasher};
    type Cache = std::collections::HashMap<(u64, usize), Vec<ModDecl>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let key = (h.finish(), text.len());
    if let Some(d) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return d.clone();
    }
    let file = syn::parse_file(text)
        .unwrap_or_else(|e| panic!("variant {variant}: generated/{rel} does not parse: {e}"));
    let decls = mod_decls(variant, rel, &file.items);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, decls.clone());
    decls
}

/// Follows the `mod` items of the file `rel` (relative to `generated/`), whose own modules live in
/// `dir`; records every file reached.
fn walk_modules(
    variant: &str,
    decls: &BTreeMap<&String, Vec<ModDecl>>,
    rel: &str,
    dir: &str,
    reached: &mut BTreeSet<String>,
) {
    let items = decls.get(&rel.to_string()).unwrap_or_else(|| {
        panic!("variant {variant}: generated/{rel} is declared by a `mod` but does not exist")
    });
    reached.insert(rel.to_string());
    walk_decls(variant, decls, items, rel, dir, reached);
}

fn walk_decls(
    variant: &str,
    decls: &BTreeMap<&String, Vec<ModDecl>>,
    items: &[ModDecl],
    rel: &str,
    dir: &str,
    reached: &mut BTreeSet<String>,
) {
    for item in items {
        match item {
            ModDecl::Inline(name, inner) => walk_decls(
                variant,
                decls,
                inner,
                rel,
                &format!("{dir}/{name}"),
                reached,
            ),
            ModDecl::File(name) => {
                let sub = format!("{dir}/{name}");
                let flat = format!("{sub}.rs");
                let nested = format!("{sub}/mod.rs");
                match (decls.contains_key(&flat), decls.contains_key(&nested)) {
                    (true, false) => walk_modules(variant, decls, &flat, &sub, reached),
                    (false, true) => walk_modules(variant, decls, &nested, &sub, reached),
                    (true, true) => panic!(
                        "variant {variant}: both generated/{flat} and generated/{nested} exist"
                    ),
                    (false, false) => panic!(
                        "variant {variant}: generated/{rel} declares `mod {name}` but neither generated/{flat} nor generated/{nested} exists"
                    ),
                }
            }
        }
    }
}

/// The `[features]` table of a generated manifest: feature → its list (the manifests are generated in
/// one style: `name = ["a", "b"]` on one line).
fn manifest_features(manifest: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut in_features = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') && !line.starts_with("[\"") {
            in_features = line == "[features]";
            continue;
        }
        if !in_features || line.starts_with('#') || line.is_empty() {
            continue;
        }
        let Some((name, list)) = line.split_once(" = ") else {
            continue;
        };
        let items = list
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        out.insert(name.trim().to_string(), items);
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// `cargo check` of the generated crate

/// The shared workspace under `target/robustness/`: its manifest, lock file and runtime come from this
/// repository; `spec/` and `generated/` from the variant. One variant at a time.
fn cargo_check(out: &Outcome, features: &[&str]) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let repo = common::workspace_root();
    let base = repo.join("target").join("robustness");
    let ws = base.join("ws");
    std::fs::create_dir_all(&ws).unwrap_or_else(|e| panic!("{}: {e}", ws.display()));
    for file in ["Cargo.toml", "Cargo.lock"] {
        let bytes = std::fs::read(repo.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        write_if_differs(&ws.join(file), &bytes);
    }
    // What the manifests name besides generated/ (the runtime `src`, the hand-written packages, tests,
    // examples, benches, xtask): every top-level folder of the repository but generated/, spec/ and
    // target/, so a package added to the workspace needs no change here.
    let dirs = std::fs::read_dir(&repo).unwrap_or_else(|e| panic!("{}: {e}", repo.display()));
    for entry in dirs.flatten() {
        let dir = entry.file_name();
        let Some(dir) = dir.to_str() else { continue };
        if dir.starts_with('.')
            || matches!(dir, "generated" | "spec" | "target")
            || !entry.path().is_dir()
        {
            continue;
        }
        let link = ws.join(dir);
        if link.exists() {
            continue;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(repo.join(dir), &link)
            .unwrap_or_else(|e| panic!("cannot link {}: {e}", link.display()));
        #[cfg(not(unix))]
        copy_tree(&repo.join(dir), &link);
    }
    // The variant's generated/, written only where it differs from the last variant's (so cargo rebuilds
    // only what changed); files the variant does not have are removed.
    sync_tree(&out.root.0.join("generated"), &ws.join("generated"));
    let mut features: Vec<&str> = features.to_vec();
    features.push("events");
    let features = features.join(",");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let start = Instant::now();
    let result = Command::new(cargo)
        .current_dir(&ws)
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env("CARGO_TERM_COLOR", "never")
        .args([
            "check",
            "--offline",
            "--message-format=short",
            "-p",
            "wechatpay",
        ])
        .args(["--features", &features])
        .arg("--manifest-path")
        .arg(ws.join("Cargo.toml"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stderr = String::from_utf8_lossy(&result.stderr);
    let checked: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Checking "))
        .collect();
    println!(
        "variant {}: cargo check --features {features}: {:.2?} (checked: {})",
        out.name,
        start.elapsed(),
        checked.join(", ")
    );
    assert!(
        result.status.success(),
        "variant {}: the generated crate does not compile (cargo check --features {features} in {}):\n{}",
        out.name,
        ws.display(),
        stderr
    );
}

// ---------------------------------------------------------------------------------------------------
// The variants

/// A v3 operation page is added to an existing business group.
#[test]
fn page_added() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let from = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let new = from.replace(".md", "-robustness-added.md");
    let text = docs
        .text(&from)
        .replacen("title: ", "title: (robustness) ", 1);
    docs.add(&new, text);
    let out = generate("page_added", base, &docs);
    let c = (&base.counts, &out.index.counts);
    assert_eq!(c.1.pages, c.0.pages + 1);
    assert_eq!(c.1.v3_operations, c.0.v3_operations + 1);
    let op = &out.page(&new).operations[0];
    assert!(op.path.ends_with("-robustness-added"), "{}", op.path);
    assert!(out.changed(&spec_of(&new)));
    let code = out.generated_from(&spec_of(&new));
    assert!(!code.is_empty(), "no generated module for {new}");
    assert!(code
        .iter()
        .all(|(rel, _)| out.changed(&format!("generated/{rel}"))));
}

/// A v3 operation page and a notification page are removed.
#[test]
fn page_removed() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let op_page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let event_page = docs.pick("webhook/v3/REFUND.SUCCESS.md", single_event_page);
    let wire = docs.parse(&event_page).notifications[0].event_types[0].clone();
    docs.remove(&op_page);
    docs.remove(&event_page);
    let out = generate("page_removed", base, &docs);
    let c = (&base.counts, &out.index.counts);
    assert_eq!(c.1.pages, c.0.pages - 2);
    assert_eq!(c.1.v3_operations, c.0.v3_operations - 1);
    assert_eq!(c.1.v3_notification_pages, c.0.v3_notification_pages - 1);
    for page in [&op_page, &event_page] {
        let spec = spec_of(page);
        assert!(!out.root.0.join(&spec).exists(), "{spec} is still there");
        assert!(out.removed(&spec), "{spec} is not reported as removed");
        assert!(
            out.generated_from(&spec).is_empty(),
            "code from {spec} is still generated"
        );
    }
    let shared = out.pages.values().any(|p| {
        p.notifications
            .iter()
            .any(|n| n.event_types.contains(&wire))
    });
    if !shared {
        assert!(
            !out.events_source().contains(&format!("\"{wire}\"")),
            "the removed event type `{wire}` is still in the events crate"
        );
    }
}

/// A whole business group disappears (its only page is removed): its feature goes too.
#[test]
fn group_removed() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    // The v3 group with the fewest pages.
    let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rel in docs.files.keys().filter(|r| r.starts_with("openapi/v3/")) {
        let group = rel["openapi/v3/".len()..]
            .split('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".md");
        by_group
            .entry(group.to_string())
            .or_default()
            .push(rel.clone());
    }
    let (group, pages) = by_group
        .iter()
        .min_by_key(|(_, pages)| pages.len())
        .unwrap_or_else(|| panic!("no v3 groups"));
    let feature = xtask::naming::feature(&format!("/v3/{group}/x"));
    for p in pages {
        docs.remove(p);
    }
    let out = generate("group_removed", base, &docs);
    let features = manifest_features(&read(&out.root.0.join("generated/Cargo.toml")));
    assert!(
        !features.contains_key(&feature),
        "the feature `{feature}` of the removed group is still there"
    );
    assert!(out.changed("generated/Cargo.toml"));
}

/// A request field is renamed (as `mcc` became `merchant_category_code` in the real update).
#[test]
fn field_renamed() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let text = docs.text(&page);
    let i = find_row(&text, |_, indent, l| {
        indent == 1 && l.contains("| string |") && !l.contains("data-required")
    })
    .unwrap_or_else(|| panic!("no optional string in {page}"));
    let old = row_name(text.lines().nth(i).unwrap_or(""))
        .unwrap_or("")
        .to_string();
    let new = format!("{old}_robustness_renamed");
    docs.edit(&page, |t| {
        map_line(t, i, |l| {
            l.replacen(&format!("| {old} {{"), &format!("| {new} {{"), 1)
        })
    });
    let out = generate("field_renamed", base, &docs);
    let body = &out.page(&page).operations[0].request_body.fields;
    assert!(
        body.iter().any(|f| f.name == new),
        "{new} is not in the spec"
    );
    assert!(
        !body.iter().any(|f| f.name == old),
        "{old} is still in the spec"
    );
    assert!(out.changed(&spec_of(&page)));
    let code = out.generated_from(&spec_of(&page));
    assert!(
        code.iter().any(|(_, t)| t.contains(&new)),
        "the generated module does not have {new}"
    );
}

/// A field is added deeper than any field of the corpus.
#[test]
fn field_at_new_depth() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let deepest = docs
        .files
        .values()
        .filter_map(|b| std::str::from_utf8(b).ok())
        .flat_map(|t| t.lines())
        .filter(|l| l.starts_with("| "))
        .map(row_indent)
        .max()
        .unwrap_or(0);
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let text = docs.text(&page);
    let json = find_row(&text, |n, i, _| n == "json" && i == 0)
        .unwrap_or_else(|| panic!("no json row in {page}"));
    let mut rows: Vec<String> = (1..=deepest)
        .map(|d| format!("| robustness_deep_{d} {{data-indent={d}}} | object | 第{d}层"))
        .collect();
    let leaf_depth = deepest + 1;
    rows.push(format!(
        "| robustness_deep_leaf {{data-required data-indent={leaf_depth}}} | string | 最深的字段<br/>`A` \\| `B` 枚举值之一"
    ));
    docs.edit(&page, |t| insert_lines(t, json + 1, &rows));
    let out = generate("field_at_new_depth", base, &docs);
    let body = &out.page(&page).operations[0].request_body.fields;
    let chain: Vec<String> = (1..=deepest)
        .map(|d| format!("robustness_deep_{d}"))
        .chain(["robustness_deep_leaf".to_string()])
        .collect();
    let path = chain.join(".");
    assert!(
        paths_of(body).contains(&path),
        "{path} (depth {leaf_depth}) is not in the spec of {page}"
    );
    let code = out.generated_from(&spec_of(&page));
    assert!(
        code.iter().any(|(_, t)| t.contains("robustness_deep_leaf")),
        "the generated module does not have the new leaf"
    );
    let group = xtask::naming::feature(&out.page(&page).operations[0].path);
    cargo_check(&out, &[&group]);
}

/// A new value in a documented enumeration.
#[test]
fn new_enum_value() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let text = docs.text(&page);
    let i = find_row(&text, |_, _, l| {
        l.contains("| string |") && l.contains("枚举值之一")
    })
    .unwrap_or_else(|| panic!("no enumerated string in {page}"));
    let name = row_name(text.lines().nth(i).unwrap_or(""))
        .unwrap_or("")
        .to_string();
    let value = "ROBUSTNESS_NEW_VALUE";
    docs.edit(&page, |t| map_line(t, i, |l| add_enum_value(l, value)));
    let out = generate("new_enum_value", base, &docs);
    let op = &out.page(&page).operations[0];
    let field = find_field(&op.request_body.fields, &name)
        .unwrap_or_else(|| panic!("{name} is not in the spec"));
    assert!(
        field.enum_values.iter().flatten().any(|v| v == value),
        "{name} does not list {value}: {:?}",
        field.enum_values
    );
    assert!(out
        .generated_from(&spec_of(&page))
        .iter()
        .any(|(_, t)| t.contains(&format!("\"{value}\""))));
}

/// A notification page gains a second, new event type.
#[test]
fn new_event_type_on_existing_page() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("webhook/v3/REFUND.SUCCESS.md", single_event_page);
    let text = docs.text(&page);
    let i = event_type_row(&text).unwrap_or_else(|| panic!("no event_type row"));
    let wire = "ROBUSTNESS.NEW_EVENT";
    docs.edit(&page, |t| map_line(t, i, |l| add_enum_value(l, wire)));
    let out = generate("new_event_type_on_existing_page", base, &docs);
    let n = &out.page(&page).notifications[0];
    assert!(
        n.event_types.iter().any(|w| w == wire),
        "{:?}",
        n.event_types
    );
    assert_eq!(n.event_types.len(), 2, "{:?}", n.event_types);
    assert!(out.events_source().contains(&format!("\"{wire}\"")));
    assert!(out.changed("generated/events/src/lib.rs"));
}

/// A new notification page with a new event type (as `SECURITY_ECHO.SUCCESS` in the real update).
#[test]
fn notification_page_added() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let from = docs.pick("webhook/v3/REFUND.SUCCESS.md", single_event_page);
    let text = docs.text(&from);
    let i = event_type_row(&text).unwrap_or_else(|| panic!("no event_type row"));
    let wire = "ROBUSTNESS_ECHO.SUCCESS";
    let new_text = map_line(&text, i, |l| {
        let head = l.split('`').next().unwrap_or(l);
        format!("{head}`{wire}` 枚举值")
    });
    let new = format!("webhook/v3/{wire}.md");
    docs.add(&new, new_text);
    let out = generate("notification_page_added", base, &docs);
    assert_eq!(
        out.index.counts.v3_notification_pages,
        base.counts.v3_notification_pages + 1
    );
    assert_eq!(out.page(&new).notifications[0].event_types, [wire]);
    assert!(!out.generated_from(&spec_of(&new)).is_empty());
    assert!(out.events_source().contains(&format!("\"{wire}\"")));
}

/// A second page declares an event type that another page documents: both resource types stay, and
/// the sharing is an emitter diagnostic.
#[test]
fn shared_event_type() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let owner = docs.pick("webhook/v3/TRANSACTION.SUCCESS.md", single_event_page);
    let wire = docs.parse(&owner).notifications[0].event_types[0].clone();
    let from = docs.pick("webhook/v3/REFUND.SUCCESS.md", |rel, t| {
        rel != owner && single_event_page(rel, t)
    });
    let text = docs.text(&from);
    let i = event_type_row(&text).unwrap_or_else(|| panic!("no event_type row"));
    let new_text = map_line(&text, i, |l| {
        let head = l.split('`').next().unwrap_or(l);
        format!("{head}`{wire}` 枚举值")
    });
    let new = "webhook/v3/ROBUSTNESS_SHARED.md".to_string();
    docs.add(&new, new_text);
    let out = generate("shared_event_type", base, &docs);
    assert_eq!(out.page(&new).notifications[0].event_types, [wire.as_str()]);
    let shared = out.emitter_diags("shared-event-type");
    assert!(
        shared
            .iter()
            .any(|l| l.contains(&wire) && l.contains("ROBUSTNESS_SHARED")),
        "no shared-event-type diagnostic names `{wire}` and the new page: {shared:?}"
    );
    // Both pages keep their own resource type: a field only the new page's resource has is generated
    // from the new page's spec file.
    let owner_fields = paths_of(&out.page(&owner).notifications[0].resource);
    let own = out.page(&new).notifications[0]
        .resource
        .iter()
        .find(|f| !owner_fields.contains(&f.name))
        .unwrap_or_else(|| panic!("{from} has no resource field that {owner} lacks"))
        .name
        .clone();
    assert!(
        out.generated_from(&spec_of(&new))
            .iter()
            .any(|(_, t)| t.contains(&own)),
        "the resource of {new} (field `{own}`) is not generated"
    );
    cargo_check(&out, &[]);
}

/// A page lists two event types, one of them documented on another page (as
/// `webhook/v3/PROFITSHARING.SUCCESS.md` lists `PROFITSHARING.SUCCESS | TRANSACTION.SUCCESS` in the
/// 2026-06-21 snapshot).
#[test]
fn two_event_types_on_one_page() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let other = docs.pick("webhook/v3/TRANSACTION.SUCCESS.md", single_event_page);
    let second = docs.parse(&other).notifications[0].event_types[0].clone();
    let page = docs.pick("webhook/v3/PROFITSHARING.SUCCESS.md", |rel, t| {
        rel != other && single_event_page(rel, t)
    });
    let first = docs.parse(&page).notifications[0].event_types[0].clone();
    let text = docs.text(&page);
    let i = event_type_row(&text).unwrap_or_else(|| panic!("no event_type row"));
    docs.edit(&page, |t| map_line(t, i, |l| add_enum_value(l, &second)));
    let out = generate("two_event_types_on_one_page", base, &docs);
    assert_eq!(
        out.page(&page).notifications[0].event_types,
        [first.clone(), second.clone()]
    );
    let shared = out.emitter_diags("shared-event-type");
    assert!(
        shared.iter().any(|l| l.contains(&second)),
        "no shared-event-type diagnostic for `{second}`: {shared:?}"
    );
    assert!(out.report.emitter_diagnostics > 0);
    cargo_check(&out, &[]);
}

/// A new business group (a new first path segment after `/v3/`, as `security` in the real update): a
/// new feature, compiled.
#[test]
fn new_business_group() {
    let Some(base) = base(Kind::Full) else {
        return;
    };
    let mut docs = base.docs.clone();
    let from = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let rest = from
        .strip_prefix("openapi/v3/")
        .and_then(|r| r.split_once('/'))
        .map(|(_, r)| r)
        .unwrap_or("index.md");
    let new = format!("openapi/v3/robustness-group/{rest}");
    let text = docs.text(&from);
    docs.add(&new, text);
    let out = generate("new_business_group", base, &docs);
    let feature = "robustness_group";
    assert_eq!(
        xtask::naming::feature(&out.page(&new).operations[0].path),
        feature
    );
    let features = manifest_features(&read(&out.root.0.join("generated/Cargo.toml")));
    assert!(features.contains_key(feature), "no feature `{feature}`");
    assert!(out.changed("generated/Cargo.toml"));
    assert_eq!(
        out.index.counts.v3_operations,
        base.counts.v3_operations + 1
    );
    cargo_check(&out, &[feature]);
}

/// An operation moves to another business group (its page moves to another folder).
#[test]
fn operation_moved_between_groups() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let from = docs.pick("openapi/v3/pay/transactions/native.md", |rel, t| {
        rel.starts_with("openapi/v3/pay/") && json_op_page(rel, t)
    });
    let to = from.replacen("openapi/v3/pay/", "openapi/v3/refund/", 1);
    let text = docs.remove(&from);
    docs.add(&to, text);
    let out = generate("operation_moved_between_groups", base, &docs);
    assert_eq!(out.index.counts, {
        let mut c = base.counts.clone();
        c.warnings = out.index.counts.warnings;
        c.errors = out.index.counts.errors;
        c
    });
    assert!(out.removed(&spec_of(&from)));
    assert!(out.generated_from(&spec_of(&from)).is_empty());
    let code = out.generated_from(&spec_of(&to));
    assert!(
        !code.is_empty() && code.iter().all(|(rel, _)| rel.contains("/v3/refund/")),
        "the moved operation is not generated under v3/refund: {:?}",
        code.iter().map(|(r, _)| r).collect::<Vec<_>>()
    );
}

/// An indent-0 row of a request table with a name that is no known pseudo row.
#[test]
fn new_pseudo_row() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", |rel, t| {
        json_op_page(rel, t) && !rel.contains('{')
    });
    let before = docs.parse(&page);
    let text = docs.text(&page);
    let json = find_row(&text, |n, i, _| n == "json" && i == 0)
        .unwrap_or_else(|| panic!("no json row in {page}"));
    let rows = [
        "| cookies {data-required} | object | 声明请求的Cookie".to_string(),
        "| robustness_session {data-required data-indent=1} | string | 会话标识".to_string(),
    ];
    docs.edit(&page, |t| insert_lines(t, json, &rows));
    let out = generate("new_pseudo_row", base, &docs);
    let new_diags: Vec<_> = out
        .index
        .diagnostics
        .iter()
        .filter(|d| d.file == page && d.message.contains("cookies"))
        .collect();
    assert!(
        !new_diags.is_empty(),
        "no diagnostic about the new pseudo row `cookies` in {page}"
    );
    println!("new_pseudo_row: {new_diags:?}");
    assert!(
        new_diags.iter().any(|d| d.class == "unknown-pseudo-row"),
        "the new pseudo row is reported as one: {new_diags:?}"
    );
    let op = &out.page(&page).operations[0];
    assert!(
        op.path_params.iter().all(|p| p.name != "cookies"),
        "the new pseudo row became a path parameter"
    );
    assert_eq!(
        paths_of(&op.request_body.fields),
        paths_of(&before.operations[0].request_body.fields),
        "the new pseudo row changed the request body"
    );
    // Ignored with a diagnostic: the operation must still compile.
    cargo_check(&out, &[&xtask::naming::feature(&op.path)]);
}

/// A table row with a missing cell.
#[test]
fn row_with_missing_cell() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let before = docs.parse(&page);
    let text = docs.text(&page);
    let i = find_row(&text, |_, indent, l| {
        indent == 1 && l.contains("| string |") && !l.contains("data-required")
    })
    .unwrap_or_else(|| panic!("no optional string in {page}"));
    let name = row_name(text.lines().nth(i).unwrap_or(""))
        .unwrap_or("")
        .to_string();
    docs.edit(&page, |t| {
        map_line(t, i, |l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            cells[..cells.len() - 1].join(" | ")
        })
    });
    let out = generate("row_with_missing_cell", base, &docs);
    let line = i + 1;
    let had = |d: &&xtask::diag::Diagnostic| d.line == line;
    let before_diags: Vec<_> = common::parse(&page, &text)
        .1
        .into_iter()
        .filter(|d| d.class == "cell-count" && d.line == line)
        .collect();
    assert!(
        before_diags.is_empty(),
        "line {line} already had a cell-count diagnostic"
    );
    let now: Vec<_> = out
        .diags(&page, "cell-count")
        .into_iter()
        .filter(had)
        .collect();
    assert!(!now.is_empty(), "no cell-count diagnostic at {page}:{line}");
    let op = &out.page(&page).operations[0];
    assert!(
        find_field(&op.request_body.fields, &name).is_some(),
        "the row `{name}` with a missing cell is lost"
    );
    assert_eq!(
        paths_of(&op.request_body.fields),
        paths_of(&before.operations[0].request_body.fields)
    );
}

/// From the real update: `参阅` followed by a list of links became `参阅 [a](…) [b](…)` on one line.
#[test]
fn doc_links_inline() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let is_list = |t: &str| {
        t.lines()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0].trim_end() == "参阅" && w[1].starts_with("- ["))
    };
    let has_list = docs
        .files
        .values()
        .any(|b| std::str::from_utf8(b).is_ok_and(is_list));
    if !has_list {
        // A corpus already in the new layout: put one page's inline links back into the old list form
        // first (that is the "before" of this variant).
        let page = docs.pick("webhook/v2/CHECK.FAIL.md", |_, t| {
            t.lines().any(|l| l.starts_with("参阅 ["))
        });
        docs.edit(&page, |t| {
            let lines = t.lines().map(|l| match l.strip_prefix("参阅 ") {
                Some(links) if links.starts_with('[') => {
                    let items: Vec<String> = links
                        .split(") [")
                        .map(|i| {
                            let i = i.trim_start_matches('[').trim_end_matches(')');
                            format!("- [{i})")
                        })
                        .collect();
                    format!("参阅\n{}", items.join("\n"))
                }
                _ => l.to_string(),
            });
            join_lines(lines.collect(), t)
        });
    }
    let page = docs.pick("webhook/v2/CHECK.FAIL.md", |_, t| is_list(t));
    let before = docs.parse(&page);
    let mut listed = Vec::new();
    docs.edit(&page, |t| {
        let mut out: Vec<String> = Vec::new();
        let mut lines = t.lines().peekable();
        while let Some(l) = lines.next() {
            if l.trim_end() == "参阅" {
                let mut joined = "参阅".to_string();
                while let Some(item) = lines.peek().and_then(|n| n.strip_prefix("- ")) {
                    if let Some(url) = item.split("](").nth(1) {
                        listed.push(url.trim_end_matches(')').to_string());
                    }
                    joined.push(' ');
                    joined.push_str(item);
                    lines.next();
                }
                out.push(joined);
            } else {
                out.push(l.to_string());
            }
        }
        join_lines(out, t)
    });
    assert!(!listed.is_empty());
    let out = generate("doc_links_inline", base, &docs);
    let links = |p: &Page| -> Vec<String> {
        p.operations
            .iter()
            .flat_map(|o| o.doc_links.clone())
            .chain(p.notifications.iter().flat_map(|n| n.doc_links.clone()))
            .collect()
    };
    println!(
        "doc_links_inline: {page}: listed links read before the edit: {:?}; inline after: {:?}",
        links(&before),
        links(out.page(&page))
    );
    assert_eq!(
        links(out.page(&page)),
        listed,
        "the inline 参阅 links of {page} are not the links it listed"
    );
    assert!(out.changed(&spec_of(&page)));
}

/// From the real update: a `::: warning … {.im-privated}` block after the description.
#[test]
fn privated_block() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", |rel, t| {
        json_op_page(rel, t)
            && !["privated", "deprecated", "discarded", "redesigned"]
                .iter()
                .any(|m| t.contains(&format!("{{.im-{m}}}")))
    });
    docs.edit(&page, |t| {
        t.replacen(
            "{{ $frontmatter.description }}\n",
            "{{ $frontmatter.description }}\n\n::: warning :closed_lock_with_key: {.im-privated}\n\n本接口已不支持新商户开通，存量已开通的商户仍可正常使用。\n\n:::\n",
            1,
        )
    });
    let out = generate("privated_block", base, &docs);
    let p = out.page(&page);
    let json = xtask::corpus::page_json(p);
    assert!(
        json.contains("\"privated\""),
        "the privated marker of {page} is not in the spec"
    );
    assert!(out.changed(&spec_of(&page)));
}

/// From the real update: an optional field becomes required (`data-required` added).
#[test]
fn field_made_required() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v3/pay/transactions/jsapi.md", json_op_page);
    let text = docs.text(&page);
    let i = find_row(&text, |_, indent, l| {
        indent == 1 && l.contains("| string |") && !l.contains("data-required")
    })
    .unwrap_or_else(|| panic!("no optional string in {page}"));
    let name = row_name(text.lines().nth(i).unwrap_or(""))
        .unwrap_or("")
        .to_string();
    docs.edit(&page, |t| {
        map_line(t, i, |l| {
            l.replacen(" {data-indent=1}", " {data-required data-indent=1}", 1)
        })
    });
    let out = generate("field_made_required", base, &docs);
    let op = &out.page(&page).operations[0];
    let f = op
        .request_body
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the spec"));
    assert!(f.required, "{name} is not required");
    assert!(out.changed(&spec_of(&page)));
    assert!(
        out.generated_from(&spec_of(&page))
            .iter()
            .any(|(rel, _)| out.changed(&format!("generated/{rel}"))),
        "the generated module of {page} did not change"
    );
}

/// From the real update: `original_type` moves from below the ciphertext (just before the rule row that
/// opens the decrypted fields) to the top of `resource`, with an enumeration; the decrypted resource must
/// not change. A corpus already in the new layout is moved back, the other way round.
#[test]
fn original_type_moved_across_ciphertext() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let rows = |t: &str| {
        Some((
            find_row(t, |n, i, _| n == "original_type" && i == 2)?,
            find_row(t, |n, i, _| n == "algorithm" && i == 2)?,
            find_row(t, |n, i, l| {
                n == "ciphertext" && i == 2 && l.contains("data-encrypted")
            })?,
        ))
    };
    let page = docs.pick("webhook/v3/REFUND.SUCCESS.md", |rel, t| {
        single_event_page(rel, t) && rows(t).is_some()
    });
    let before = docs.parse(&page);
    let text = docs.text(&page);
    let (ot, algorithm, ciphertext) = rows(&text).unwrap_or_else(|| panic!("{page}"));
    docs.edit(&page, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let row = lines.remove(ot);
        if ot > ciphertext {
            let row = if row.contains("枚举值") {
                row
            } else {
                format!("{row}<br/>`robustness` 枚举值")
            };
            lines.insert(algorithm.min(ot), row);
        } else {
            // `ciphertext` moved up by one when the row above it was removed.
            lines.insert(ciphertext, row);
        }
        join_lines(lines, t)
    });
    let out = generate("original_type_moved_across_ciphertext", base, &docs);
    let n = &out.page(&page).notifications[0];
    assert_eq!(
        paths_of(&n.resource),
        paths_of(&before.notifications[0].resource),
        "moving original_type changed the decrypted resource of {page}"
    );
    assert_eq!(n.encrypted_field, before.notifications[0].encrypted_field);
}

/// From the real update: a field of a v2 (XML) page renamed (`mcc` → `merchant_category_code` on
/// `openapi/v2/pay/micropay.md`).
#[test]
fn v2_field_renamed() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let page = docs.pick("openapi/v2/pay/micropay.md", |rel, t| {
        rel.starts_with("openapi/v2/") && find_row(t, |n, i, _| n == "xml" && i == 0).is_some()
    });
    let text = docs.text(&page);
    let i = find_row(&text, |n, indent, _| indent >= 1 && n != "xml")
        .unwrap_or_else(|| panic!("no field row in {page}"));
    let old = row_name(text.lines().nth(i).unwrap_or(""))
        .unwrap_or("")
        .to_string();
    let new = format!("{old}_robustness_renamed");
    docs.edit(&page, |t| {
        map_line(t, i, |l| {
            l.replacen(&format!("| {old} {{"), &format!("| {new} {{"), 1)
        })
    });
    let out = generate("v2_field_renamed", base, &docs);
    let op = &out.page(&page).operations[0];
    assert!(
        find_field(&op.request_body.fields, &new).is_some(),
        "{new} is not in the spec"
    );
    assert!(out.changed(&spec_of(&page)));
}

/// A page is added below an existing page (as `bank-channel-account/rename/{application_id}.md` beside
/// `rename.md` in the real update): the page's module gains a child.
#[test]
fn page_added_below_a_page() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let parent = docs.pick("openapi/v3/pay/transactions/jsapi.md", |rel, t| {
        json_op_page(rel, t) && !rel.contains('{') && {
            let dir = format!("{}/", rel.trim_end_matches(".md"));
            !docs.files.keys().any(|k| k.starts_with(&dir))
        }
    });
    let new = format!("{}/robustness-child.md", parent.trim_end_matches(".md"));
    let text = docs.text(&parent);
    docs.add(&new, text);
    let out = generate("page_added_below_a_page", base, &docs);
    let parent_path = &out.page(&parent).operations[0].path;
    let child_path = &out.page(&new).operations[0].path;
    assert_eq!(*child_path, format!("{parent_path}/robustness-child"));
    for page in [&parent, &new] {
        assert!(
            !out.generated_from(&spec_of(page)).is_empty(),
            "no generated code from {page}"
        );
    }
}

/// A page with pages below it is removed: its module stays, for the children.
#[test]
fn parent_page_removed() {
    let Some(base) = base(Kind::Reduced) else {
        return;
    };
    let mut docs = base.docs.clone();
    let parent = docs.pick(
        "openapi/v3/pay/transactions/id/{transaction_id}.md",
        |rel, _| {
            rel.starts_with("openapi/v3/") && {
                let dir = format!("{}/", rel.trim_end_matches(".md"));
                docs.files.keys().any(|k| k.starts_with(&dir))
            }
        },
    );
    docs.remove(&parent);
    let out = generate("parent_page_removed", base, &docs);
    assert_eq!(out.index.counts.pages, base.counts.pages - 1);
    assert!(out.removed(&spec_of(&parent)));
    assert!(out.generated_from(&spec_of(&parent)).is_empty());
}
