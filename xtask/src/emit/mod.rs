//! The generated crates (`generated/`), from the parsed pages. Data flows one way:
//!
//! 1. [`tree`] places every APIv3 operation in the module tree (one module per URL path) and names it;
//! 2. [`partition`] gives each business group its crate from the declared [`crate_table`];
//! 3. the writers turn that into files: [`tree::module_files`] (the operation modules, with the
//!    [`operations`] tables), [`facade`] (`generated/src/lib.rs`), [`manifest`] (every `Cargo.toml`),
//!    [`templates`] (hand-written support code copied in), [`events`] (typed notifications) and
//!    [`operations::markdown`] (`generated/OPERATIONS.md`).
//!
//! [`rust`] and [`types`] build the tokens of one operation. Page content never stops the emitter: what
//! it cannot emit as documented becomes a [`Diagnostic`] and a deterministic result that compiles.

pub mod crate_table;
pub mod events;
pub mod facade;
pub mod manifest;
pub mod operations;
pub mod partition;
pub mod rust;
pub mod shared;
pub mod templates;
pub mod tree;
pub mod types;
pub mod v2;

use crate::diag::Diagnostic;
use crate::spec::Page;
use std::collections::BTreeMap;

/// One file of the generated crates: path relative to `generated/`, and contents.
pub type Files = BTreeMap<String, String>;

/// What the generated crate holds, for the README and the tests.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub operations: usize,
    pub features: BTreeMap<String, usize>,
    /// Documented APIv3 event types (one generated type each).
    pub events: usize,
    /// Operation crate → its business groups.
    pub crates: BTreeMap<String, Vec<String>>,
    /// APIv2 business group (facade feature `v2_<group>`) → operation count.
    pub v2_features: BTreeMap<String, usize>,
    /// APIv2 operations.
    pub v2_operations: usize,
}

/// The result of one emitter run.
#[derive(Debug, Default)]
pub struct Emitted {
    pub files: Files,
    pub summary: Summary,
    /// What the emitter could not emit as the pages say, and what it emitted instead.
    pub diagnostics: Vec<Diagnostic>,
}

/// Emits every generated crate from the parsed pages (APIv3 operations and notifications).
pub fn emit(pages: &[Page]) -> Emitted {
    let mut diagnostics = Vec::new();
    let tree = tree::Tree::build(pages, &mut diagnostics);
    let partition = partition::Partition::new(&tree, &mut diagnostics);
    let mut summary = Summary {
        operations: tree.ops.len(),
        ..Summary::default()
    };
    for op in &tree.ops {
        *summary.features.entry(op.group.clone()).or_default() += 1;
    }
    for (krate, groups) in &partition.crates {
        summary
            .crates
            .insert(krate.name.to_string(), groups.keys().cloned().collect());
    }

    let mut files = tree::module_files(&tree, &partition, &mut diagnostics);
    for (krate, groups) in &partition.crates {
        files.insert(
            format!("{}/src/lib.rs", krate.dir()),
            templates::PART.copy(),
        );
        files.insert(
            format!("{}/Cargo.toml", krate.dir()),
            manifest::part(krate, groups),
        );
    }
    let (event_files, events) = events::files(pages, &mut diagnostics);
    files.extend(event_files);
    summary.events = events;
    files.insert("events/Cargo.toml".into(), manifest::events());
    files.insert("core/src/lib.rs".into(), templates::CORE.copy());
    files.insert("core/Cargo.toml".into(), manifest::core());
    let groups: Vec<String> = tree
        .nodes
        .keys()
        .filter(|p| p.len() == 2)
        .map(|p| p[1].clone())
        .collect();
    files.insert("src/lib.rs".into(), facade::lib_source(&groups, &partition));
    files.insert(
        "src/launch.rs".into(),
        facade::launch_source(&tree, &mut diagnostics),
    );
    files.insert("Cargo.toml".into(), manifest::facade(&summary, &partition));
    let v2 = v2::emit(pages, &mut diagnostics);
    v2::hook_facade(&mut files, &v2);
    summary.v2_features = v2.groups.clone();
    summary.v2_operations = v2.operations;
    files.extend(v2.files);
    files.insert(
        "OPERATIONS.md".into(),
        operations::markdown(&tree, &partition),
    );
    // Every crate (a folder with a manifest) carries the license texts it is published under.
    let crate_dirs: Vec<String> = files
        .keys()
        .filter_map(|k| k.strip_suffix("Cargo.toml"))
        .map(str::to_string)
        .collect();
    for dir in crate_dirs {
        for (name, text) in manifest::LICENSE_FILES {
            files.insert(format!("{dir}{name}"), text.to_string());
        }
    }
    Emitted {
        files,
        summary,
        diagnostics,
    }
}
