//! The type paths the README's naming rule promises, walked from the committed `spec/` against the
//! committed `generated/` (parsed with syn; compiling the crate proves the re-exports resolve, this test
//! proves the promised names are there):
//!
//! - every APIv3 operation has `…::<method>::Request`, `::Body` when it takes a JSON body and `::Response`
//!   when it answers JSON with documented fields;
//! - walking the spec fields of its body and response through the generated structs, every nested type
//!   a field names resolves in the operation module (defined there or re-exported), at every depth;
//! - a type the module re-exports from its business group's `types` module is defined there, and every
//!   type defined there is used by at least one operation.

use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::{Item, UseTree};
use xtask::spec::{BodyFormat, Field, Page};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn v3_pages() -> Vec<Page> {
    let mut files = Vec::new();
    json_files(&root().join("spec/openapi/v3"), &mut files);
    files.sort();
    files
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}

/// The names a module holds: structs, `wire_enum!` enums, and `pub use` leaves (alias → (path, original)).
#[derive(Default, Debug)]
struct Names {
    defined: BTreeSet<String>,
    reexported: BTreeMap<String, (String, String)>,
}

fn names_of(items: &[Item]) -> Names {
    let mut names = Names::default();
    for item in items {
        match item {
            Item::Struct(s) => {
                names.defined.insert(s.ident.to_string());
            }
            Item::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "wire_enum") =>
            {
                // `wire_enum! { #[doc = …] Name { … } }`: the first identifier outside attributes.
                let mut skip_group = false;
                for tt in m.mac.tokens.clone() {
                    match tt {
                        proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => skip_group = true,
                        proc_macro2::TokenTree::Group(_) if skip_group => skip_group = false,
                        proc_macro2::TokenTree::Ident(i) => {
                            names.defined.insert(i.to_string());
                            break;
                        }
                        _ => {}
                    }
                }
            }
            Item::Use(u) => collect_use(&u.tree, String::new(), &mut names.reexported),
            _ => {}
        }
    }
    names
}

fn collect_use(tree: &UseTree, prefix: String, out: &mut BTreeMap<String, (String, String)>) {
    match tree {
        UseTree::Path(p) => {
            let prefix = format!("{prefix}{}::", p.ident);
            collect_use(&p.tree, prefix, out);
        }
        UseTree::Name(n) => {
            out.insert(n.ident.to_string(), (prefix, n.ident.to_string()));
        }
        UseTree::Rename(r) => {
            out.insert(r.rename.to_string(), (prefix, r.ident.to_string()));
        }
        UseTree::Group(g) => g
            .items
            .iter()
            .for_each(|t| collect_use(t, prefix.clone(), out)),
        UseTree::Glob(_) => panic!("a glob re-export hides which names exist: {prefix}*"),
    }
}

fn parse_file(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The file of a module path in whichever part crate holds it.
fn module_file(parts: &[PathBuf], module: &[String]) -> Option<PathBuf> {
    let stems: Vec<&str> = module.iter().map(|s| xtask::naming::file_stem(s)).collect();
    let rel = stems.join("/");
    parts.iter().find_map(|p| {
        [
            p.join(format!("src/{rel}.rs")),
            p.join(format!("src/{rel}/mod.rs")),
        ]
        .into_iter()
        .find(|f| f.exists())
    })
}

/// The named type inside `Option<…>` / `Vec<…>` (`None` for std and serde_json types).
fn named_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    if name == "Option" || name == "Vec" {
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            for arg in &args.args {
                if let syn::GenericArgument::Type(t) = arg {
                    return named_type(t);
                }
            }
        }
        return None;
    }
    let std = ["String", "i64", "bool", "Number", "Value", "Map", "Bytes"];
    (!std.contains(&name.as_str()) && p.path.segments.len() == 1).then_some(name)
}

/// The wire name of a struct field: its `#[serde(rename = "…")]`, else its identifier.
fn wire_name(f: &syn::Field) -> String {
    for attr in &f.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let text = attr.meta.to_token_stream().to_string();
        if let Some(rest) = text.split("rename = \"").nth(1) {
            if let Some(end) = rest.find('"') {
                return rest[..end].to_string();
            }
        }
    }
    f.ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_default()
}

/// The structs and enums of one module by name.
#[derive(Default)]
struct Defs {
    /// Struct name → its fields (wire name, named type).
    structs: BTreeMap<String, Vec<(String, Option<String>)>>,
    names: Names,
}

/// The wire names that `wechatpay_core::received!` invocations give the fields of received structs:
/// struct name → (field identifier → wire name).
fn received_wire_names(items: &[Item]) -> BTreeMap<String, BTreeMap<String, String>> {
    use proc_macro2::TokenTree;
    let mut out = BTreeMap::new();
    for item in items {
        let Item::Macro(m) = item else { continue };
        if m.mac.path.segments.last().map(|s| s.ident.to_string()) != Some("received".into()) {
            continue;
        }
        let mut tokens = m.mac.tokens.clone().into_iter();
        let Some(TokenTree::Ident(name)) = tokens.next() else {
            continue;
        };
        let Some(TokenTree::Group(body)) = tokens.next() else {
            continue;
        };
        let tts: Vec<TokenTree> = body.stream().into_iter().collect();
        let mut fields = BTreeMap::new();
        // `field = "wire" mode ,`
        for member in tts.chunks(5) {
            if let [TokenTree::Ident(field), _, TokenTree::Literal(wire), ..] = member {
                let wire = wire.to_string();
                fields.insert(field.to_string(), wire.trim_matches('"').to_string());
            }
        }
        out.insert(name.to_string(), fields);
    }
    out
}

fn defs_of(items: &[Item]) -> Defs {
    let received = received_wire_names(items);
    let wire = |s: &syn::ItemStruct, f: &syn::Field| -> String {
        let ident = f
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        received
            .get(&s.ident.to_string())
            .and_then(|m| m.get(&ident))
            .cloned()
            .unwrap_or_else(|| wire_name(f))
    };
    Defs {
        structs: items
            .iter()
            .filter_map(|i| match i {
                Item::Struct(s) => Some((
                    s.ident.to_string(),
                    s.fields
                        .iter()
                        .map(|f| (wire(s, f), named_type(&f.ty)))
                        .collect(),
                )),
                _ => None,
            })
            .collect(),
        names: names_of(items),
    }
}

enum Resolved<'a> {
    Struct(&'a [(String, Option<String>)]),
    Enum,
    Missing,
}

/// A name as the operation module resolves it (defined there, or re-exported from the group's types),
/// or, inside a shared type (`in_shared`), as the group's types module does.
fn resolve<'a>(
    name: &str,
    local: &'a Defs,
    shared: &'a Defs,
    in_shared: bool,
) -> (Resolved<'a>, bool) {
    if in_shared {
        return match shared.structs.get(name) {
            Some(s) => (Resolved::Struct(s.as_slice()), true),
            None if shared.names.defined.contains(name) => (Resolved::Enum, true),
            None => (Resolved::Missing, true),
        };
    }
    (
        resolve_local(name, local, shared),
        !local.structs.contains_key(name),
    )
}

fn resolve_local<'a>(name: &str, local: &'a Defs, shared: &'a Defs) -> Resolved<'a> {
    if let Some(s) = local.structs.get(name) {
        return Resolved::Struct(s.as_slice());
    }
    if local.names.defined.contains(name) {
        return Resolved::Enum;
    }
    let Some((_, original)) = local.names.reexported.get(name) else {
        return Resolved::Missing;
    };
    match shared.structs.get(original) {
        Some(s) => Resolved::Struct(s.as_slice()),
        None if shared.names.defined.contains(original) => Resolved::Enum,
        None => Resolved::Missing,
    }
}

/// Walks the spec fields of `fields` through the generated struct `s`: every nested type a field names
/// resolves in the operation module (and is walked in turn).
fn walk(
    fields: &[Field],
    s: &[(String, Option<String>)],
    at: &str,
    (local, shared): (&Defs, &Defs),
    in_shared: bool,
    problems: &mut Vec<String>,
    count: &mut usize,
) {
    let mut seen = BTreeSet::new();
    for f in fields.iter().filter(|f| seen.insert(f.name.as_str())) {
        let Some((_, named)) = s.iter().find(|(wire, _)| wire == &f.name) else {
            problems.push(format!("{at}: no field `{}`", f.name));
            continue;
        };
        let Some(name) = named.clone() else {
            continue;
        };
        *count += 1;
        let path = format!("{at}.{}", f.name);
        let (resolved, inner_shared) = resolve(&name, local, shared, in_shared);
        match resolved {
            Resolved::Missing => problems.push(format!(
                "{path}: type `{name}` does not resolve in the {}",
                if in_shared {
                    "group's types module"
                } else {
                    "operation module"
                }
            )),
            Resolved::Enum => {}
            Resolved::Struct(inner) => {
                let mut children: Vec<Field> = f.fields.clone();
                for v in &f.variants {
                    children.extend(v.iter().cloned());
                }
                walk(
                    &children,
                    inner,
                    &path,
                    (local, shared),
                    inner_shared,
                    problems,
                    count,
                );
            }
        }
    }
}

#[test]
fn every_promised_type_path_is_there() {
    let root = root();
    let pages = v3_pages();
    let mut diags = Vec::new();
    let tree = xtask::emit::tree::Tree::build(&pages, &mut diags);
    assert!(
        !tree.ops.is_empty(),
        "no APIv3 operation in spec/openapi/v3"
    );
    let mut parts: Vec<PathBuf> = std::fs::read_dir(root.join("generated/parts"))
        .expect("generated/parts")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    parts.sort();

    let mut files: BTreeMap<PathBuf, syn::File> = BTreeMap::new();
    let mut shared_defs: BTreeMap<String, Defs> = BTreeMap::new();
    let mut types_used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut checked_nested = 0usize;
    for placed in &tree.ops {
        let op = placed.op;
        let label = format!("{} {} ({})", op.method, op.path, placed.rust_path());
        let Some(file) = module_file(&parts, &placed.module) else {
            problems.push(format!("{label}: no module file"));
            continue;
        };
        let parsed = files
            .entry(file.clone())
            .or_insert_with(|| parse_file(&file));
        let Some(items) = parsed.items.iter().find_map(|i| match i {
            Item::Mod(m) if m.ident == placed.name.trim_start_matches("r#") => {
                m.content.as_ref().map(|(_, items)| items)
            }
            _ => None,
        }) else {
            problems.push(format!("{label}: no `pub mod {}`", placed.name));
            continue;
        };
        let local = defs_of(items);
        let names = &local.names;
        let all: BTreeSet<String> = names
            .defined
            .iter()
            .cloned()
            .chain(names.reexported.keys().cloned())
            .collect();
        let mut expect = vec!["Request".to_string()];
        if op.request_body.format == BodyFormat::Json {
            expect.push("Body".into());
        }
        let answers_json = op.response.format == BodyFormat::Json
            && (!op.response.fields.is_empty()
                || op.response.variants.iter().any(|v| !v.is_empty()));
        if answers_json {
            expect.push("Response".into());
        }
        for e in &expect {
            if !all.contains(e) {
                problems.push(format!("{label}: no `{e}`"));
            }
        }
        let group = placed.module[..2].join("::");
        let shared = shared_defs.entry(group.clone()).or_insert_with(|| {
            let mut types_module = placed.module[..2].to_vec();
            types_module.push("types".into());
            module_file(&parts, &types_module)
                .map(|f| defs_of(&parse_file(&f).items))
                .unwrap_or_default()
        });
        let mut tops: Vec<(&str, Vec<Field>)> = Vec::new();
        if op.request_body.format == BodyFormat::Json {
            let mut fields = op.request_body.fields.clone();
            op.request_body
                .variants
                .iter()
                .for_each(|v| fields.extend(v.iter().cloned()));
            tops.push(("Body", fields));
        }
        if answers_json {
            let mut fields = op.response.fields.clone();
            op.response
                .variants
                .iter()
                .for_each(|v| fields.extend(v.iter().cloned()));
            tops.push(("Response", fields));
        }
        for (top, fields) in tops {
            if let Some(s) = local.structs.get(top) {
                let at = format!("{label} {top}");
                walk(
                    &fields,
                    s,
                    &at,
                    (&local, shared),
                    false,
                    &mut problems,
                    &mut checked_nested,
                );
            }
        }
        for (alias, (path, original)) in &names.reexported {
            let group = placed.module[..2].join("::");
            let want = format!("crate::{group}::types::");
            if path != &want {
                problems.push(format!(
                    "{label}: `{alias}` re-exported from `{path}`, not `{want}`"
                ));
            }
            types_used
                .entry(group)
                .or_default()
                .insert(original.clone());
        }
    }
    let types_defined: BTreeMap<String, BTreeSet<String>> = shared_defs
        .iter()
        .map(|(g, d)| (g.clone(), d.names.defined.clone()))
        .collect();
    for (group, used) in &types_used {
        let defined = &types_defined[group];
        for name in used.difference(defined) {
            problems.push(format!(
                "`{group}::types::{name}` is re-exported but not defined"
            ));
        }
    }
    for (group, defined) in &types_defined {
        let used = types_used.get(group).cloned().unwrap_or_default();
        for name in defined.difference(&used) {
            // A struct of required values is used through its struct's `new`.
            if !name.ends_with("Required") {
                problems.push(format!(
                    "`{group}::types::{name}` is defined but no operation uses it"
                ));
            }
        }
    }
    assert!(
        checked_nested > 1000,
        "only {checked_nested} nested fields found in spec/: the walk is broken"
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) with the promised type paths:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!(
        "type paths: {} operations, {checked_nested} nested fields, {} shared types in {} groups",
        tree.ops.len(),
        types_defined.values().map(BTreeSet::len).sum::<usize>(),
        types_defined.len()
    );
}
