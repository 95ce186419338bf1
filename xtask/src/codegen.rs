//! The `codegen` task, in two stages with `spec/` between them:
//!
//! 1. **docs → `spec/`** (only when a docs folder is found): the pages are parsed and written as one
//!    JSON per page, with `spec/index.json` (counts, redirect stubs, parser diagnostics).
//! 2. **`spec/` → `generated/`** (always): the emitter reads the spec model deserialised from the JSON
//!    text of stage 1, or from the committed files when there is no docs folder; never the parser's
//!    in-memory pages. What a reviewer approves in `spec/` is exactly what generates the code.
//!
//! `spec/DIAGNOSTICS.md` renders the parser diagnostics (kept in `spec/index.json`) and the emitter's.

use crate::corpus::{self, Counts};
use crate::diag::{self, Diagnostic};
use crate::files::Writer;
use crate::spec::Page;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The docs folder used when neither `--docs` nor `$WECHATPAY_DOCS` names one, relative to the
/// repository root.
pub const DEFAULT_DOCS: &str = "../shared/docs/wechatpay.im-2026-06-21";

/// The environment variable that names the docs folder.
pub const DOCS_ENV: &str = "WECHATPAY_DOCS";

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository root (holds `spec/`, `generated/`).
    pub root: PathBuf,
    /// Where the input comes from.
    pub input: InputChoice,
    /// Write nothing; report stale files.
    pub check: bool,
}

/// What the caller asked for as input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputChoice {
    /// The docs folder given with `--docs` (must exist).
    DocsFlag(PathBuf),
    /// `$WECHATPAY_DOCS` if set (must then exist), else [`DEFAULT_DOCS`] if it exists, else `spec/`.
    Auto,
    /// The committed `spec/` only, whatever docs folder exists.
    SpecOnly,
}

/// The input a run used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A docs folder, and what named it (`--docs`, `$WECHATPAY_DOCS`, the default).
    Docs { dir: PathBuf, origin: &'static str },
    /// The committed `spec/` alone; the reason no docs folder was read.
    Spec { why: String },
}

impl Input {
    /// One line naming the input, printed by `cargo xtask codegen`.
    pub fn describe(&self) -> String {
        match self {
            Input::Docs { dir, origin } => {
                format!("input: docs folder {} ({origin})", dir.display())
            }
            Input::Spec { why } => format!("input: committed spec/ ({why})"),
        }
    }
}

/// Decides the input: an explicitly named docs folder must exist (the error names where the value came
/// from); without one, the default docs folder is used when present, else the committed `spec/`.
pub fn resolve_input(root: &Path, choice: &InputChoice) -> Result<Input, String> {
    let named = |dir: PathBuf, origin: &'static str| {
        if dir.is_dir() {
            Ok(Input::Docs { dir, origin })
        } else {
            Err(format!(
                "docs folder `{}` (from {origin}) does not exist or is not a folder",
                dir.display()
            ))
        }
    };
    match choice {
        InputChoice::DocsFlag(dir) => named(dir.clone(), "--docs"),
        InputChoice::SpecOnly => Ok(Input::Spec {
            why: "asked for".into(),
        }),
        InputChoice::Auto => match std::env::var_os(DOCS_ENV) {
            Some(d) if !d.is_empty() => named(PathBuf::from(d), "$WECHATPAY_DOCS"),
            _ => {
                let dir = root.join(DEFAULT_DOCS);
                if dir.is_dir() {
                    Ok(Input::Docs {
                        dir,
                        origin: "default",
                    })
                } else {
                    Ok(Input::Spec {
                        why: format!(
                            "no --docs, no ${DOCS_ENV}, no {DEFAULT_DOCS} beside the repository"
                        ),
                    })
                }
            }
        },
    }
}

/// The docs folder the tests read: `explicit`, else `$WECHATPAY_DOCS`, else [`DEFAULT_DOCS`] under `root`
/// (which may not exist).
pub fn docs_dir(root: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(d) = explicit {
        return d.to_path_buf();
    }
    match std::env::var_os(DOCS_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => root.join(DEFAULT_DOCS),
    }
}

/// `spec/index.json`: what stage 1 found besides the pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The name of the docs folder read (e.g. `wechatpay.im-2026-06-21`).
    #[serde(default)]
    pub docs: String,
    pub counts: Counts,
    /// Redirect stubs that were skipped: page → target.
    pub redirect_stubs: BTreeMap<String, String>,
    /// Pages that could not be read, with the reason.
    pub failed_pages: BTreeMap<String, String>,
    /// Every parser diagnostic, sorted by file and line.
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

/// What a run did.
#[derive(Debug)]
pub struct Report {
    pub input: Input,
    /// Counts of stage 1 (read back from `spec/index.json` when the input is `spec/`).
    pub counts: Counts,
    /// Diagnostics of the emitter (stage 2).
    pub emitter_diagnostics: usize,
    /// The summary of `spec/CHANGES.md` when this run changed the spec (a docs update).
    pub changes: Option<String>,
    pub writer: Writer,
    pub root: PathBuf,
    pub elapsed: Duration,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.writer.changed.is_empty() && self.writer.removed.is_empty()
    }

    /// Stale (or changed) files, relative to the repository root.
    pub fn stale(&self) -> Vec<String> {
        let rel = |p: &PathBuf| {
            p.strip_prefix(&self.root)
                .unwrap_or(p)
                .display()
                .to_string()
        };
        self.writer
            .changed
            .iter()
            .map(rel)
            .chain(
                self.writer
                    .removed
                    .iter()
                    .map(|p| format!("{} (no longer generated)", rel(p))),
            )
            .collect()
    }

    pub fn summary(&self) -> String {
        let c = &self.counts;
        let verb = if self.writer.check {
            "stale"
        } else {
            "updated"
        };
        format!(
            "codegen: {} pages ({} redirect stubs skipped, {} unreadable): {} v3 + {} v2 operations, {} v3 + {} v2 notification pages; {} parser warnings, {} parser errors, {} emitter diagnostics (spec/DIAGNOSTICS.md); {} files {verb}, {} removed; {:.2?}",
            c.pages, c.redirect_stubs, c.failed_pages, c.v3_operations, c.v2_operations, c.v3_notification_pages, c.v2_notification_pages, c.warnings, c.errors, self.emitter_diagnostics, self.writer.changed.len(), self.writer.removed.len(), self.elapsed
        )
    }
}

/// Runs the generator.
pub fn run(opts: &Options) -> Result<Report, String> {
    let start = Instant::now();
    let input = resolve_input(&opts.root, &opts.input)?;
    let mut w = Writer::new(opts.check);
    let mut changes_summary = None;
    let spec = opts.root.join("spec");
    let (pages, index) = match &input {
        Input::Docs { dir, .. } => {
            let (pages, index, changes) = docs_to_spec(dir, &spec, &mut w)?;
            changes_summary = changes;
            (pages, index)
        }
        Input::Spec { .. } => (read_spec_pages(&spec)?, read_index(&spec)?),
    };
    let generated = opts.root.join("generated");
    let emitted = crate::emit::emit(&pages);
    let mut emitter_diags: Vec<Diagnostic> = emitted.diagnostics;
    emitter_diags.sort();
    let (files, summary) = (emitted.files, emitted.summary);
    w.ensure_all(
        files
            .iter()
            .map(|(rel, contents)| (generated.join(rel), contents.as_str())),
    )?;
    w.prune(&generated, "rs")?;
    w.prune(&generated.join("parts"), "toml")?;
    w.ensure(
        &spec.join("DIAGNOSTICS.md"),
        &diag::render_report(&index.diagnostics, &emitter_diags),
    )?;
    // The generated tables of the documents: the feature table (README.md) and what the docs hold
    // (GENERATOR.md); each is replaced wherever its markers are.
    for doc in ["README.md", "GENERATOR.md"] {
        let path = opts.root.join(doc);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut updated = text.clone();
            if let Some(t) = replace_section(&updated, "features", &features_table(&summary)) {
                updated = t;
            }
            if let Some(t) = replace_section(&updated, "counts", &counts_table(&index.counts)) {
                updated = t;
            }
            w.ensure(&path, &updated)?;
        }
    }
    Ok(Report {
        input,
        counts: index.counts,
        emitter_diagnostics: emitter_diags.len(),
        changes: changes_summary,
        writer: w,
        root: opts.root.clone(),
        elapsed: start.elapsed(),
    })
}

/// Stage 1: parses the docs folder, writes (or checks) one JSON per page and `spec/index.json`, and
/// returns the pages as read back from the JSON text, with the index. When the pages differ from the
/// committed ones (a docs update), `spec/CHANGES.md` is rewritten with the changelog, whose summary is
/// returned; otherwise the last update's changelog stays.
#[allow(clippy::type_complexity)]
fn docs_to_spec(
    docs: &Path,
    spec: &Path,
    w: &mut Writer,
) -> Result<(Vec<Page>, Index, Option<String>), String> {
    let mut corpus = corpus::load(docs)?;
    // The counts are the parser's; the corrections overlay reports on its own (`correction*` classes).
    let counts = corpus.counts();
    let corrections = crate::corrections::apply_committed(&mut corpus.pages);
    corpus.diagnostics.extend(corrections);
    corpus.diagnostics.sort();
    // Serialise every page and read it back (in parallel): stage 2 sees exactly the committed text.
    let written = crate::par::map(&corpus.pages, |page| {
        let rel = corpus::spec_file(&page.source);
        let json = corpus::page_json(page);
        let back = parse_page_json(&rel, &json);
        (rel, json, back)
    });
    // Each page file is compared with the committed one once: that tells whether this run changes the
    // spec (then the committed pages are read for the changelog before they are overwritten) and which
    // files the writer must write.
    let targets: Vec<(PathBuf, &str)> = written
        .iter()
        .map(|(rel, json, _)| (spec.join(rel), json.as_str()))
        .collect();
    let unchanged = crate::files::unchanged(&targets);
    let same = spec_page_files(spec)?.len() == written.len() && unchanged.iter().all(|&u| u);
    let old_pages = if same {
        Vec::new()
    } else {
        read_spec_pages(spec).unwrap_or_default()
    };
    let old_index = read_index(spec).ok();
    w.ensure_compared(targets, &unchanged)?;
    let mut pages = Vec::with_capacity(written.len());
    for (_, _, back) in written {
        pages.push(back?);
    }
    for dir in ["openapi", "webhook"] {
        w.prune(&spec.join(dir), "json")?;
    }
    let docs_name = docs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let changes = crate::changes::diff(&old_pages, &pages);
    let summary = if same || changes.is_empty() || old_pages.is_empty() {
        None
    } else {
        let from = match &old_index {
            Some(i) if !i.docs.is_empty() => i.docs.clone(),
            _ => "spec/ before this run".to_string(),
        };
        w.ensure(
            &spec.join("CHANGES.md"),
            &changes.render_markdown(&from, &docs_name),
        )?;
        Some(changes.summary())
    };
    let index = Index {
        docs: docs_name,
        counts,
        redirect_stubs: corpus.redirects,
        failed_pages: corpus.failed,
        diagnostics: corpus.diagnostics,
    };
    w.ensure(&spec.join("index.json"), &index_json(&index)?)?;
    Ok((pages, index, summary))
}

fn parse_page_json(rel: &str, json: &str) -> Result<Page, String> {
    serde_json::from_str(json).map_err(|e| format!("spec/{rel}: not a spec page: {e}"))
}

/// `spec/index.json` as committed (pretty-printed, trailing newline).
pub fn index_json(index: &Index) -> Result<String, String> {
    let mut s = serde_json::to_string_pretty(index).map_err(|e| e.to_string())?;
    s.push('\n');
    Ok(s)
}

/// Every committed spec page, sorted by source path.
pub fn read_spec_pages(spec: &Path) -> Result<Vec<Page>, String> {
    let files = spec_page_files(spec)?;
    if files.is_empty() {
        return Err(format!(
            "no spec pages under `{}` and no docs folder to make them from",
            spec.display()
        ));
    }
    let mut pages = crate::par::map(&files, |f| {
        let rel = f
            .strip_prefix(spec)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let json = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read `{}`: {e}", f.display()))?;
        parse_page_json(&rel, &json)
    })
    .into_iter()
    .collect::<Result<Vec<Page>, String>>()?;
    pages.sort_by(|a, b| a.source.cmp(&b.source));
    Ok(pages)
}

/// The page files under `spec/` (`openapi/**.json`, `webhook/**.json`).
fn spec_page_files(spec: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for dir in ["openapi", "webhook"] {
        let d = spec.join(dir);
        crate::files::collect(&d, "json", &mut files)
            .map_err(|e| format!("cannot list `{}`: {e}", d.display()))?;
    }
    Ok(files)
}

/// The committed `spec/index.json`.
pub fn read_index(spec: &Path) -> Result<Index, String> {
    let path = spec.join("index.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("`{}`: {e}", path.display()))
}

/// The README's feature table: one row per business group.
fn features_table(summary: &crate::emit::Summary) -> String {
    let mut t = String::from("| feature | operations | module |\n| --- | ---: | --- |\n");
    for (feature, n) in &summary.features {
        t.push_str(&format!(
            "| `{feature}` | {n} | `wechatpay::v3::{feature}` |\n"
        ));
    }
    for (group, n) in &summary.v2_features {
        t.push_str(&format!(
            "| `v2_{group}` | {n} | `wechatpay::v2::{group}` (APIv2) |\n"
        ));
    }
    if !summary.v2_features.is_empty() {
        t.push_str(&format!(
            "| `v2` | {} | all the APIv2 groups above |\n",
            summary.v2_operations
        ));
    }
    t.push_str(&format!(
        "| `full` | {} | all of the above |\n",
        summary.operations + summary.v2_operations
    ));
    t
}

/// The README's table of what the docs hold.
fn counts_table(c: &Counts) -> String {
    let rows = [
        ("pages read", c.pages),
        ("redirect stubs skipped", c.redirect_stubs),
        ("unreadable pages", c.failed_pages),
        ("APIv3 operations", c.v3_operations),
        ("APIv2 operations", c.v2_operations),
        ("APIv3 notification pages", c.v3_notification_pages),
        ("APIv2 notification pages", c.v2_notification_pages),
        ("parser warnings", c.warnings),
        ("parser errors", c.errors),
    ];
    let mut t = String::from("| in the docs | count |\n| --- | ---: |\n");
    for (label, n) in rows {
        t.push_str(&format!("| {label} | **{n}** |\n"));
    }
    t
}

/// Replaces the text between `<!-- generated:NAME:begin -->` and `<!-- generated:NAME:end -->`.
fn replace_section(text: &str, name: &str, body: &str) -> Option<String> {
    let begin = format!("<!-- generated:{name}:begin -->");
    let end = format!("<!-- generated:{name}:end -->");
    let b = text.find(&begin)? + begin.len();
    let e = b + text[b..].find(&end)?;
    Some(format!("{}\n{}{}", &text[..b], body, &text[e..]))
}
