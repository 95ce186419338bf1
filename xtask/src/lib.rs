//! The code generator behind `cargo xtask codegen`.
//!
//! Data flows one way: documentation pages (`docs/`) are read into the schema model (`spec`), which is
//! written as JSON into the repository's `spec/` folder; the Rust emitter (next stage) reads that model.
//!
//! * [`docs`] reads one markdown page: front matter, headings, `{.im-table}` tables, into [`spec::Page`].
//! * [`corpus`] walks a whole docs folder and collects the pages and the diagnostics.
//! * [`corrections`] fixes known errors of the docs (`xtask/corrections.json`) before `spec/` is written.
//! * [`files`] writes generated files, or compares them in `--check` mode.
#![forbid(unsafe_code)]

pub mod changes;
pub mod codegen;
pub mod corpus;
pub mod corrections;
pub mod diag;
pub mod docs;
pub mod emit;
pub mod files;
pub mod naming;
pub mod par;
pub mod spec;
