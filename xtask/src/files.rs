//! Writing generated files, or checking them: one helper compares and writes (`--check` writes nothing).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Collects what a run wrote, or in check mode what is stale.
#[derive(Debug, Default)]
pub struct Writer {
    pub check: bool,
    /// Files whose content differs from what the generator produces (written, or reported in check mode).
    pub changed: Vec<PathBuf>,
    /// Files that the generator no longer produces (deleted, or reported in check mode).
    pub removed: Vec<PathBuf>,
    produced: BTreeSet<PathBuf>,
}

impl Writer {
    pub fn new(check: bool) -> Self {
        Writer {
            check,
            ..Writer::default()
        }
    }

    /// Makes `path` hold `contents`: writes it when it differs (or records it as stale in check mode).
    pub fn ensure(&mut self, path: &Path, contents: &str) -> Result<(), String> {
        self.produced.insert(path.to_path_buf());
        if std::fs::read(path).ok().as_deref() == Some(contents.as_bytes()) {
            return Ok(());
        }
        self.changed.push(path.to_path_buf());
        if self.check {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        std::fs::write(path, contents)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    }

    /// [`Writer::ensure`] for many files: the comparisons with what is on disk run in parallel, the
    /// writes (and the reports) in the given order.
    pub fn ensure_all<'a>(
        &mut self,
        items: impl IntoIterator<Item = (PathBuf, &'a str)>,
    ) -> Result<(), String> {
        let items: Vec<(PathBuf, &str)> = items.into_iter().collect();
        let same = unchanged(&items);
        self.ensure_compared(items, &same)
    }

    /// [`Writer::ensure_all`] with the comparisons already made by [`unchanged`] (`same[i]` for
    /// `items[i]`), so that a caller that needed them first does not read the files twice.
    pub fn ensure_compared(
        &mut self,
        items: Vec<(PathBuf, &str)>,
        same: &[bool],
    ) -> Result<(), String> {
        for ((path, contents), &same) in items.into_iter().zip(same) {
            if same {
                self.produced.insert(path);
            } else {
                self.ensure(&path, contents)?;
            }
        }
        Ok(())
    }

    /// Removes (or reports) files under `dir` with extension `ext` that this run did not produce.
    pub fn prune(&mut self, dir: &Path, ext: &str) -> Result<(), String> {
        let mut found = Vec::new();
        collect(dir, ext, &mut found)
            .map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
        for f in found {
            if self.produced.contains(&f) {
                continue;
            }
            if !self.check {
                std::fs::remove_file(&f)
                    .map_err(|e| format!("cannot remove `{}`: {e}", f.display()))?;
            }
            self.removed.push(f);
        }
        if !self.check {
            remove_empty_dirs(dir);
        }
        Ok(())
    }
}

/// Whether each file already holds the given contents (read and compared in parallel).
pub fn unchanged(items: &[(PathBuf, &str)]) -> Vec<bool> {
    crate::par::map(items, |(path, contents)| {
        std::fs::read(path).ok().as_deref() == Some(contents.as_bytes())
    })
}

/// Every file under `dir` (recursively) with extension `ext`; nothing when `dir` does not exist.
pub fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, ext, out)?;
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    Ok(())
}

fn remove_empty_dirs(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut empty = true;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if remove_empty_dirs(&path) {
                let _ = std::fs::remove_dir(&path);
            } else {
                empty = false;
            }
        } else {
            empty = false;
        }
    }
    empty
}
