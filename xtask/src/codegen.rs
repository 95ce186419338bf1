//! The `codegen` task: read the docs, write `spec/` (and, later, `generated/`).

use crate::corpus::{self, Counts};
use crate::diag;
use crate::files::Writer;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository root (holds `spec/`, `generated/`).
    pub root: PathBuf,
    /// The docs folder; `None` means `$WECHATPAY_DOCS`, else `<root>/../shared/docs/wechatpay.im`.
    pub docs: Option<PathBuf>,
    /// Write nothing; report stale files.
    pub check: bool,
}

/// What a run did.
#[derive(Debug)]
pub struct Report {
    pub docs: PathBuf,
    pub counts: Counts,
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
            "codegen: {} pages from {} ({} redirect stubs skipped, {} unreadable): {} v3 + {} v2 operations, {} v3 + {} v2 notification pages; {} warnings, {} errors (spec/DIAGNOSTICS.md); {} files {verb}, {} removed; {:.2?}",
            c.pages, self.docs.display(), c.redirect_stubs, c.failed_pages, c.v3_operations, c.v2_operations, c.v3_notification_pages, c.v2_notification_pages, c.warnings, c.errors, self.writer.changed.len(), self.writer.removed.len(), self.elapsed
        )
    }
}

/// The docs folder to read: explicit, else `$WECHATPAY_DOCS`, else `<root>/../shared/docs/wechatpay.im`.
pub fn docs_dir(root: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(d) = explicit {
        return d.to_path_buf();
    }
    match std::env::var_os("WECHATPAY_DOCS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => root.join("../shared/docs/wechatpay.im"),
    }
}

/// Runs the generator.
pub fn run(opts: &Options) -> Result<Report, String> {
    let start = Instant::now();
    let docs = docs_dir(&opts.root, opts.docs.as_deref());
    let mut corpus = corpus::load(&docs)?;
    let counts = corpus.counts();
    let mut w = Writer::new(opts.check);
    let spec = opts.root.join("spec");
    for page in &corpus.pages {
        w.ensure(
            &spec.join(corpus::spec_file(&page.source)),
            &corpus::page_json(page),
        )?;
    }
    let index = serde_json::json!({
        "counts": counts,
        "redirect_stubs": corpus.redirects,
        "failed_pages": corpus.failed,
    });
    let mut index = serde_json::to_string_pretty(&index).map_err(|e| e.to_string())?;
    index.push('\n');
    w.ensure(&spec.join("index.json"), &index)?;
    // The emitter's diagnostics join the parser's in the report (to be reworked with the two stages).
    let emitted = crate::emit::emit(&corpus.pages);
    corpus.diagnostics.extend(emitted.diagnostics);
    w.ensure(
        &spec.join("DIAGNOSTICS.md"),
        &diag::render_report(&corpus.diagnostics),
    )?;
    for dir in ["openapi", "webhook"] {
        w.prune(&spec.join(dir), "json")?;
    }
    let generated = opts.root.join("generated");
    let (files, summary) = (emitted.files, emitted.summary);
    for (rel, contents) in &files {
        w.ensure(&generated.join(rel), contents)?;
    }
    w.prune(&generated, "rs")?;
    w.prune(&generated.join("parts"), "toml")?;
    let readme = opts.root.join("README.md");
    if let Ok(text) = std::fs::read_to_string(&readme) {
        if let Some(updated) = replace_section(&text, "features", &features_table(&summary)) {
            w.ensure(&readme, &updated)?;
        }
    }
    Ok(Report {
        docs,
        counts,
        writer: w,
        root: opts.root.clone(),
        elapsed: start.elapsed(),
    })
}

/// The README's feature table: one row per business group.
fn features_table(summary: &crate::emit::Summary) -> String {
    let mut t = String::from("| feature | operations | module |\n| --- | ---: | --- |\n");
    for (feature, n) in &summary.features {
        t.push_str(&format!(
            "| `{feature}` | {n} | `wechatpay::v3::{feature}` |\n"
        ));
    }
    t.push_str(&format!(
        "| `full` | {} | all of the above |\n",
        summary.operations
    ));
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
