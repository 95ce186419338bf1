//! Walking a docs folder: every page under `openapi/v3`, `openapi/v2`, `webhook/v3` and `webhook/v2` is
//! parsed; redirect stubs are recognised and listed; nothing else is read.

use crate::diag::{Diagnostic, Diagnostics};
use crate::docs::{self, Parsed};
use crate::spec::{Api, Page};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The four folders that hold API pages.
pub const API_DIRS: [&str; 4] = ["openapi/v3", "openapi/v2", "webhook/v3", "webhook/v2"];

/// Everything read from a docs folder.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Parsed pages, sorted by source path.
    pub pages: Vec<Page>,
    /// Redirect stubs: page path → target.
    pub redirects: BTreeMap<String, String>,
    /// Pages that could not be read at all (I/O or encoding errors), with the reason.
    pub failed: BTreeMap<String, String>,
    /// All diagnostics, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts printed in the README and written to `spec/index.json`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pages: usize,
    pub redirect_stubs: usize,
    pub failed_pages: usize,
    pub v3_operations: usize,
    pub v2_operations: usize,
    pub v3_notification_pages: usize,
    pub v2_notification_pages: usize,
    pub v3_notifications: usize,
    pub v2_notifications: usize,
    pub warnings: usize,
    pub errors: usize,
}

impl Corpus {
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            pages: self.pages.len(),
            redirect_stubs: self.redirects.len(),
            failed_pages: self.failed.len(),
            ..Counts::default()
        };
        for p in &self.pages {
            for op in &p.operations {
                match op.api {
                    Api::V3 => c.v3_operations += 1,
                    Api::V2 => c.v2_operations += 1,
                }
            }
            if !p.notifications.is_empty() {
                match p.notifications[0].api {
                    Api::V3 => c.v3_notification_pages += 1,
                    Api::V2 => c.v2_notification_pages += 1,
                }
            }
            for n in &p.notifications {
                match n.api {
                    Api::V3 => c.v3_notifications += 1,
                    Api::V2 => c.v2_notifications += 1,
                }
            }
        }
        for d in &self.diagnostics {
            match d.severity {
                crate::diag::Severity::Warning => c.warnings += 1,
                crate::diag::Severity::Error => c.errors += 1,
            }
        }
        c
    }
}

/// Reads every API page under `root`. Fails only when `root` itself cannot be listed.
pub fn load(root: &Path) -> Result<Corpus, String> {
    if !root.is_dir() {
        return Err(format!(
            "docs folder `{}` does not exist or is not a folder",
            root.display()
        ));
    }
    let mut files = Vec::new();
    for dir in API_DIRS {
        let d = root.join(dir);
        if d.is_dir() {
            crate::files::collect(&d, "md", &mut files)
                .map_err(|e| format!("cannot list `{}`: {e}", d.display()))?;
        }
    }
    if files.is_empty() {
        return Err(format!(
            "no pages under `{}` (expected {})",
            root.display(),
            API_DIRS.join(", ")
        ));
    }
    let mut rels: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(root)
                .ok()?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Some((rel, p))
        })
        .collect();
    rels.sort();
    // Pages are read and parsed independently (in parallel), then collected in path order.
    let read = crate::par::map(&rels, |(rel, path)| {
        let src = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| format!("not UTF-8: {e}")));
        match src {
            Ok(src) => {
                let mut diags = Diagnostics::new(rel.clone());
                let parsed = docs::parse_page(rel, &src, &mut diags);
                (Ok(parsed), diags.into_items())
            }
            Err(e) => (Err(e), Vec::new()),
        }
    });
    let mut corpus = Corpus::default();
    for ((rel, _), (parsed, diags)) in rels.into_iter().zip(read) {
        match parsed {
            Ok(Some(Parsed::Page(page))) => corpus.pages.push(page),
            Ok(Some(Parsed::Redirect(target))) => {
                corpus.redirects.insert(rel.clone(), target);
            }
            Ok(None) => {}
            Err(e) => {
                corpus.diagnostics.push(Diagnostic {
                    file: rel.clone(),
                    line: 1,
                    severity: crate::diag::Severity::Error,
                    class: "unreadable".into(),
                    message: e.clone(),
                });
                corpus.failed.insert(rel, e);
                continue;
            }
        }
        corpus.diagnostics.extend(diags);
    }
    corpus.diagnostics.sort();
    Ok(corpus)
}

/// The `spec/` file for a page: `openapi/v3/a/b.md` → `openapi/v3/a/b.json`.
pub fn spec_file(rel: &str) -> String {
    format!("{}.json", rel.strip_suffix(".md").unwrap_or(rel))
}

/// A page as committed JSON (pretty-printed, trailing newline).
pub fn page_json(page: &Page) -> String {
    let mut s =
        serde_json::to_string_pretty(page).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
