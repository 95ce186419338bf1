//! Helpers shared by the tests of the generated crate.

use std::path::{Path, PathBuf};

/// The repository root (this package is `tests/generated/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.json` file under `dir`, recursively.
pub fn spec_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("spec folder is readable") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            spec_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}
