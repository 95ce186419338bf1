//! The partition: which operation crate each business group of this run goes to, from the declared
//! [crate table](super::crate_table). A group the table does not list goes to
//! [`OTHER`](super::crate_table::OTHER) with a diagnostic, never an error.

use super::crate_table::{self, CrateDef};
use super::tree::Tree;
use crate::diag::{Diagnostic, Severity};
use std::collections::BTreeMap;

/// The crates of one run and their groups.
pub struct Partition {
    /// Crates holding at least one group, in table order ([`crate_table::OTHER`] last), each with its
    /// groups and their operation counts.
    pub crates: Vec<(&'static CrateDef, BTreeMap<String, usize>)>,
    by_group: BTreeMap<String, &'static CrateDef>,
}

impl Partition {
    /// Places every business group of `tree`; reports the groups the table does not list.
    pub fn new(tree: &Tree<'_>, diags: &mut Vec<Diagnostic>) -> Partition {
        let mut by_group = BTreeMap::new();
        let mut counts: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
        for op in &tree.ops {
            let (krate, listed) = crate_table::crate_of(&op.group);
            if by_group.insert(op.group.clone(), krate).is_none() && !listed {
                diags.push(Diagnostic {
                    file: op.source.to_string(),
                    line: 0,
                    severity: Severity::Warning,
                    class: "emit-unassigned-group".into(),
                    message: format!(
                        "business group `{}` is not in the crate table (xtask/src/emit/crate_table.rs); \
                         its operations are compiled in `{}`",
                        op.group, krate.name
                    ),
                });
            }
            *counts
                .entry(krate.name)
                .or_default()
                .entry(op.group.clone())
                .or_default() += 1;
        }
        let crates = crate_table::CRATES
            .iter()
            .chain([&crate_table::OTHER])
            .filter_map(|c| counts.remove(c.name).map(|groups| (c, groups)))
            .collect();
        Partition { crates, by_group }
    }

    /// The crate of a business group of this run.
    pub fn crate_of(&self, group: &str) -> &'static CrateDef {
        self.by_group
            .get(group)
            .copied()
            .unwrap_or(&crate_table::OTHER)
    }
}
