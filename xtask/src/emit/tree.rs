//! The module tree: one Rust module per URL path, nested like the path (`/v3/pay/transactions/jsapi` →
//! `v3::pay::transactions::jsapi`), each operation a `pub mod <name>` of types and a `pub async fn <name>`
//! named after its HTTP method. Each business group's module tree goes to the crate the
//! [partition](super::partition) gives it.

use super::operations::operations_table;
use super::partition::Partition;
use super::rust::Reexports;
use super::shared::{share, GroupTypes, OpTypes};
use super::{rust, Files};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::naming;
use crate::spec::{Api, Operation, Page};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// One APIv3 operation and where it goes.
pub struct Placed<'a> {
    pub op: &'a Operation,
    /// The docs page it comes from, e.g. `openapi/v3/pay/transactions/jsapi.md` (for diagnostics).
    pub source: &'a str,
    /// The spec file it comes from, e.g. `spec/openapi/v3/pay/transactions/jsapi.json`.
    pub spec_file: String,
    /// Its module path, e.g. `["v3", "pay", "transactions", "jsapi"]`.
    pub module: Vec<String>,
    /// The name of its function and types module in that module: the lower-case method, with a
    /// `_2`, `_3` … suffix when the name is already taken there.
    pub name: String,
    /// Its business group (Cargo feature).
    pub group: String,
}

impl Placed<'_> {
    /// Its Rust path, e.g. `wechatpay::v3::pay::transactions::jsapi::post`.
    pub fn rust_path(&self) -> String {
        format!("wechatpay::{}::{}", self.module.join("::"), self.name)
    }
}

/// A module of the tree.
#[derive(Default)]
pub struct Node {
    /// Its operations (indices into [`Tree::ops`]), in page order.
    pub ops: Vec<usize>,
    /// Its submodules.
    pub children: BTreeSet<String>,
}

/// Every APIv3 operation, placed in the module tree.
pub struct Tree<'a> {
    pub ops: Vec<Placed<'a>>,
    pub nodes: BTreeMap<Vec<String>, Node>,
}

impl<'a> Tree<'a> {
    /// Places the APIv3 operations of `pages`. Two operations that would get the same name in one module
    /// (or an operation named like a submodule) are a diagnostic; the later one gets a suffixed name.
    pub fn build(pages: &'a [Page], diags: &mut Vec<Diagnostic>) -> Tree<'a> {
        let mut ops = Vec::new();
        let mut nodes: BTreeMap<Vec<String>, Node> = BTreeMap::new();
        for page in pages {
            for op in page.operations.iter().filter(|o| o.api == Api::V3) {
                let module = naming::module_path(&op.path);
                for depth in 1..module.len() {
                    nodes
                        .entry(module[..depth].to_vec())
                        .or_default()
                        .children
                        .insert(module[depth].clone());
                }
                nodes.entry(module.clone()).or_default().ops.push(ops.len());
                ops.push(Placed {
                    op,
                    source: &page.source,
                    spec_file: format!("spec/{}", crate::corpus::spec_file(&page.source)),
                    group: naming::feature(&op.path),
                    name: String::new(),
                    module,
                });
            }
        }
        for node in nodes.values() {
            let mut taken: BTreeMap<String, Option<usize>> =
                node.children.iter().map(|c| (c.clone(), None)).collect();
            for &i in &node.ops {
                let base = ops[i].op.method.lower();
                let mut name = base.to_string();
                let mut n = 2;
                while taken.contains_key(&name) {
                    name = format!("{base}_{n}");
                    n += 1;
                }
                if name != base {
                    let p = &ops[i];
                    let holder = match taken.get(base).copied().flatten() {
                        Some(j) => format!("operation `{} {}`", ops[j].op.method, ops[j].op.path),
                        None => "submodule".to_string(),
                    };
                    diags.push(Diagnostic {
                        file: p.source.to_string(),
                        line: 0,
                        severity: Severity::Warning,
                        class: "emit-module-clash".into(),
                        message: format!(
                            "`{} {}` maps to module `{}`, where `{base}` is already the {holder}; \
                             it is emitted as `{name}`",
                            p.op.method,
                            p.op.path,
                            p.module.join("::")
                        ),
                    });
                }
                taken.insert(name.clone(), Some(i));
                ops[i].name = name;
            }
        }
        Tree { ops, nodes }
    }

    /// The operations of the module `path` and below, in module order.
    fn ops_under(&self, path: &[String]) -> Vec<&Placed<'a>> {
        self.nodes
            .iter()
            .filter(|(p, _)| p.starts_with(path))
            .flat_map(|(_, n)| n.ops.iter().map(|&i| &self.ops[i]))
            .collect()
    }
}

/// The module files of every operation crate: `parts/<crate>/src/v3/…`.
pub fn module_files(tree: &Tree<'_>, partition: &Partition, diags: &mut Vec<Diagnostic>) -> Files {
    let mut files = Files::new();
    let mut jobs: Vec<(String, &Vec<String>, &Node)> = Vec::new();
    for (path, node) in &tree.nodes {
        if path.len() == 1 {
            // Each crate has its own `v3` module listing only its groups.
            for (krate, _) in &partition.crates {
                let mine = Node {
                    ops: Vec::new(),
                    children: node
                        .children
                        .iter()
                        .filter(|g| partition.crate_of(naming::file_stem(g)).name == krate.name)
                        .cloned()
                        .collect(),
                };
                if !mine.children.is_empty() {
                    let file = format!("{}/{}", krate.dir(), module_file(path, true));
                    files.insert(
                        file,
                        module_source(tree, path, &mine, &Shared::default(), diags),
                    );
                }
            }
            continue;
        }
        let krate = partition.crate_of(naming::file_stem(&path[1]));
        let file = format!(
            "{}/{}",
            krate.dir(),
            module_file(path, !node.children.is_empty())
        );
        jobs.push((file, path, node));
    }
    let shared = shared_types(tree);
    for (group, (types, _)) in &shared.groups {
        if types.is_empty() {
            continue;
        }
        let krate = partition.crate_of(naming::file_stem(&group[1]));
        let stems: Vec<&str> = group.iter().map(|s| naming::file_stem(s)).collect();
        let file = format!(
            "{}/src/{}/{}.rs",
            krate.dir(),
            stems.join("/"),
            shared.module_of(group)
        );
        files.insert(file, types_source(tree, group, types, diags));
    }
    // Printing the modules is most of the generator's time: done in parallel, collected in order.
    let done = crate::par::map(&jobs, |(_, path, node)| {
        let mut local = Vec::new();
        let src = module_source(tree, path, node, &shared, &mut local);
        (src, local)
    });
    for ((file, _, _), (src, local)) in jobs.into_iter().zip(done) {
        files.insert(file, src);
        diags.extend(local);
    }
    files
}

/// The nested types of every business group, shared (see [`shared`](super::shared)).
#[derive(Default)]
pub struct Shared {
    /// Group module path (`["v3", "pay"]`) → its shared types and, per operation of the group (by
    /// index into [`Tree::ops`]), where its nested types are defined.
    pub groups: BTreeMap<Vec<String>, (GroupTypes, BTreeMap<usize, Reexports>)>,
    /// Groups whose URL paths already hold a `types` segment: their module is `types_`.
    clashing: BTreeSet<Vec<String>>,
}

impl Shared {
    /// The name of a group's types module: `types`, unless a URL segment took it.
    pub fn module_of(&self, group: &[String]) -> &'static str {
        if self.clashing.contains(group) {
            "types_"
        } else {
            "types"
        }
    }
}

/// Builds every operation's types and shares the nested ones within each business group.
pub fn shared_types(tree: &Tree<'_>) -> Shared {
    // Diagnostics of the build are reported when the modules are written, not here.
    let built = crate::par::map(&tree.ops, |p| {
        rust::build(p.op, &mut Diagnostics::new(p.source))
    });
    let mut by_group: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, p) in tree.ops.iter().enumerate() {
        if p.module.len() >= 2 {
            by_group.entry(p.module[..2].to_vec()).or_default().push(i);
        }
    }
    let mut shared = Shared::default();
    for (group, indices) in by_group {
        if tree
            .nodes
            .get(&group)
            .is_some_and(|n| n.children.iter().any(|c| naming::file_stem(c) == "types"))
        {
            shared.clashing.insert(group.clone());
        }
        let ops: Vec<OpTypes<'_>> = indices
            .iter()
            .map(|&i| {
                let p = &tree.ops[i];
                OpTypes {
                    label: format!("{} {}", p.op.method, p.op.path),
                    module: p.module.last().map_or("", String::as_str),
                    built: &built[i],
                }
            })
            .collect();
        let mut path = vec!["crate".to_string()];
        path.extend(group.iter().cloned());
        path.push(shared.module_of(&group).to_string());
        let (types, reexports) = share(&ops, &path);
        shared
            .groups
            .insert(group, (types, indices.into_iter().zip(reexports).collect()));
    }
    shared
}

/// The source of a group's `types` module.
fn types_source(
    tree: &Tree<'_>,
    group: &[String],
    types: &GroupTypes,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let mut items: Vec<(TokenStream, Option<&Placed<'_>>)> = Vec::new();
    for s in &types.structs {
        items.push((
            rust::struct_tokens(s, quote!(), &[], true, &types.taken),
            None,
        ));
    }
    for e in &types.enums {
        items.push((rust::enum_tokens(e), None));
    }
    let url = format!(
        "/{}",
        group
            .iter()
            .map(|s| naming::file_stem(s))
            .collect::<Vec<_>>()
            .join("/")
    );
    let doc = format!(
        "The types that the operations under `{url}/` share: each nested object and value set of their \
         requests and responses, once per shape. Each operation module re-exports the ones it uses under \
         the names it gives them (see the naming rule in the README)."
    );
    let file = parse(&rust::inner_doc_attrs(&doc), items, &url, diags);
    let sources: BTreeSet<&str> = tree
        .ops
        .iter()
        .filter(|p| p.module.starts_with(group))
        .map(|p| p.spec_file.as_str())
        .collect();
    format!(
        "// @generated by `cargo xtask codegen` from {} — do not edit\n{}",
        if sources.len() > 3 {
            format!("spec/ ({} files)", sources.len())
        } else {
            sources.into_iter().collect::<Vec<_>>().join(", ")
        },
        prettyplease::unparse(&file)
    )
}

fn module_file(path: &[String], has_children: bool) -> String {
    let stems: Vec<&str> = path.iter().map(|s| naming::file_stem(s)).collect();
    if has_children {
        format!("src/{}/mod.rs", stems.join("/"))
    } else {
        format!("src/{}.rs", stems.join("/"))
    }
}

fn module_source(
    tree: &Tree<'_>,
    path: &[String],
    node: &Node,
    shared: &Shared,
    diags: &mut Vec<Diagnostic>,
) -> String {
    // Items with the operation they come from (none for submodules and the operation table).
    let mut items: Vec<(TokenStream, Option<&Placed<'_>>)> = Vec::new();
    let url = format!(
        "/{}",
        path.iter()
            .map(|s| naming::file_stem(s))
            .collect::<Vec<_>>()
            .join("/")
    );
    let mut doc = format!("`{url}`");
    if let Some(&i) = node.ops.first() {
        let op = tree.ops[i].op;
        doc = format!("`{}` — {}", op.path, op.title);
    }
    let mut children: Vec<&String> = node.children.iter().collect();
    children.sort_by_key(|c| naming::file_stem(c));
    for child in children {
        let child_ident = rust::ident(child);
        if path.len() == 1 {
            let feature = naming::file_stem(child).to_string();
            let feature_doc = format!(
                " Operations under `/{}/{}/` (feature `{feature}`).",
                naming::file_stem(&path[0]),
                naming::file_stem(child)
            );
            items.push((
                quote!(#[doc = #feature_doc] #[cfg(feature = #feature)] pub mod #child_ident;),
                None,
            ));
        } else {
            items.push((quote!(pub mod #child_ident;), None));
        }
    }
    if path.len() == 2 {
        items.push((operations_table(path, &tree.ops_under(path)), None));
        if shared.groups.get(path).is_some_and(|(t, _)| !t.is_empty()) {
            let name = rust::ident(shared.module_of(path));
            // Formatted by the generator: `cargo fmt` leaves it alone.
            items.push((
                quote!(#[doc = " The types the group's operations share, once per shape."] #[rustfmt::skip] pub mod #name;),
                None,
            ));
        }
    }
    let mut sources = BTreeSet::new();
    for &i in &node.ops {
        let placed = &tree.ops[i];
        sources.insert(placed.spec_file.clone());
        let mut d = Diagnostics::new(placed.source);
        let none = Reexports::default();
        let reexports = placed
            .module
            .get(..2)
            .and_then(|g| shared.groups.get(g))
            .and_then(|(_, per_op)| per_op.get(&i))
            .unwrap_or(&none);
        let tokens =
            rust::operation_tokens(placed.op, &placed.group, &placed.name, reexports, &mut d);
        diags.extend(d.into_items());
        items.push((tokens, Some(placed)));
    }
    let file = parse(&rust::inner_doc_attrs(&doc), items, &url, diags);
    let from = if sources.is_empty() {
        "spec/".to_string()
    } else {
        sources.into_iter().collect::<Vec<_>>().join(", ")
    };
    format!(
        "// @generated by `cargo xtask codegen` from {from} — do not edit\n{}",
        prettyplease::unparse(&file)
    )
}

/// Parses the items of one module file. Should an item not parse (an emitter bug that some page content
/// reaches), the module is emitted without it and the page gets an error diagnostic.
fn parse(
    inner: &TokenStream,
    items: Vec<(TokenStream, Option<&Placed<'_>>)>,
    url: &str,
    diags: &mut Vec<Diagnostic>,
) -> syn::File {
    let all = items.iter().map(|(t, _)| t);
    if let Ok(file) = syn::parse2(quote!(#inner #(#all)*)) {
        return file;
    }
    let mut kept = Vec::new();
    for (tokens, placed) in items {
        match syn::parse2::<syn::File>(tokens.clone()) {
            Ok(_) => kept.push(tokens),
            Err(e) => diags.push(Diagnostic {
                file: placed.map_or_else(|| "spec/".to_string(), |p| p.source.to_string()),
                line: 0,
                severity: Severity::Error,
                class: "emit-unparsable".into(),
                message: format!(
                    "the code generated for {} in `{url}` does not parse ({e}); it is left out",
                    placed.map_or_else(
                        || "an item".to_string(),
                        |p| format!("`{} {}`", p.op.method, p.op.path)
                    )
                ),
            }),
        }
    }
    syn::parse2(quote!(#inner #(#kept)*)).unwrap_or_else(|e| {
        diags.push(Diagnostic {
            file: "spec/".into(),
            line: 0,
            severity: Severity::Error,
            class: "emit-unparsable".into(),
            message: format!("the module `{url}` does not parse ({e}); it is emitted empty"),
        });
        syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: Vec::new(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Method;

    fn page(source: &str, method: Method, path: &str) -> Page {
        Page {
            source: source.into(),
            title: "t".into(),
            operations: vec![Operation {
                method,
                path: path.into(),
                title: "t".into(),
                ..Operation::default()
            }],
            ..Page::default()
        }
    }

    #[test]
    fn an_operation_named_like_a_submodule_gets_a_suffix() {
        let pages = [
            page("openapi/v3/x/y.md", Method::Post, "/v3/x/y"),
            page("openapi/v3/x/y/post.md", Method::Get, "/v3/x/y/post"),
            page("openapi/v3/x/y/index.md", Method::Post, "/v3/x/y/"),
        ];
        let mut diags = Vec::new();
        let tree = Tree::build(&pages, &mut diags);
        let names: Vec<(&str, &str)> = tree
            .ops
            .iter()
            .map(|p| (p.op.path.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("/v3/x/y", "post_2"),
                ("/v3/x/y/post", "get"),
                ("/v3/x/y/", "post_3")
            ]
        );
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags.iter().all(|d| d.class == "emit-module-clash"));
        assert!(
            diags
                .iter()
                .all(|d| d.message.contains("is already the submodule")),
            "{diags:?}"
        );
        assert_eq!(tree.ops[0].rust_path(), "wechatpay::v3::x::y::post_2");
    }
}
