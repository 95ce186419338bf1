//! One type per shape within a business group: the nested structs and enums of the group's operations
//! (everything but an operation's own `Request`, `Body`, `Meta` and `Response`) are compared by shape and
//! defined once, in the group's `types` module (`v3::pay::types`); each operation module re-exports them
//! under the names it has always given them (`v3::pay::transactions::jsapi::post::Amount`).
//!
//! A shape is what the code of a type depends on: for a struct, its fields' wire names, identifiers,
//! types (nested types by their own shape), required-ness and sensitivity, and which way it travels (a
//! sent type is strict, a received one lenient); for an enum, its values. Docs are not part of a shape:
//! the shared type keeps the docs of its first operation and lists the operations that use it.
//!
//! The naming rule (also in the README): a shared type takes the name the operations give it (the most
//! common one when they differ, the first operation's on a tie). When two shapes of a group want one
//! name, the shape used by more operations (the first on a tie) keeps it and each other one is prefixed
//! with the CamelCase name of the module of its first operation (`jsapi` → `JsapiAmount`), numbered
//! from 2 should that be taken too. A struct of required values follows its struct (`JsapiAmountRequired`).

use super::rust::{self, Built, Reexports, TOP_LEVEL};
use super::types::{EnumDef, StructDef, Ty};
use crate::naming;
use std::collections::{BTreeMap, BTreeSet};

/// One operation of a group, as the sharing sees it.
pub struct OpTypes<'a> {
    /// `METHOD /path`, for the docs of the shared types.
    pub label: String,
    /// The module it is in, e.g. `jsapi` (for the prefix of a name that is taken).
    pub module: &'a str,
    pub built: &'a Built,
}

/// The shared types of one business group.
#[derive(Debug, Default)]
pub struct GroupTypes {
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    /// Shared name → the operations (`METHOD /path`) that use it, in operation order.
    pub users: BTreeMap<String, Vec<String>>,
    /// The names of the group's types module, which its structs of required values must not take.
    pub taken: BTreeSet<String>,
}

impl GroupTypes {
    /// Whether the group has no shared type (then it gets no `types` module).
    pub fn is_empty(&self) -> bool {
        self.structs.is_empty() && self.enums.is_empty()
    }
}

/// A nested type of one operation: (operation index, local name).
type Local = (usize, String);

struct Shape {
    /// The first (operation, local name) with this shape.
    first: Local,
    /// Every (operation, local name) with this shape.
    all: Vec<Local>,
    is_enum: bool,
}

/// Shares the nested types of a group's operations (in operation order). Returns the group's types
/// and, per operation, where its nested types are defined (`types_path` is the group's types module).
pub fn share(ops: &[OpTypes<'_>], types_path: &[String]) -> (GroupTypes, Vec<Reexports>) {
    // Every nested type's shape key, computed bottom-up through the local names it refers to.
    let mut keys: BTreeMap<Local, String> = BTreeMap::new();
    let mut shapes: Vec<Shape> = Vec::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        for e in &op.built.types.enums {
            let key = format!("E{:?}", e.variants);
            record(
                &mut keys,
                &mut shapes,
                &mut by_key,
                (i, e.name.clone()),
                key,
                true,
            );
        }
        for s in nested_structs(op.built) {
            let key = struct_key(i, s, op.built, &mut keys);
            record(
                &mut keys,
                &mut shapes,
                &mut by_key,
                (i, s.name.clone()),
                key,
                false,
            );
        }
    }

    // Names: the most common local name of each shape; a clash goes to the most used shape.
    let preferred: Vec<String> = shapes.iter().map(preferred_name).collect();
    let mut order: Vec<usize> = (0..shapes.len()).collect();
    order.sort_by_key(|&k| {
        (
            std::cmp::Reverse(users_of(&shapes[k]).len()),
            shapes[k].first.0,
            k,
        )
    });
    let mut taken: BTreeSet<String> = TOP_LEVEL.iter().map(|s| s.to_string()).collect();
    let mut names: Vec<Option<String>> = vec![None; shapes.len()];
    for &k in &order {
        if taken.insert(preferred[k].clone()) {
            names[k] = Some(preferred[k].clone());
        }
    }
    for &k in &order {
        if names[k].is_some() {
            continue;
        }
        let module = ops[shapes[k].first.0].module;
        let base = format!(
            "{}{}",
            naming::camel(module).trim_start_matches("r#"),
            preferred[k]
        );
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        names[k] = Some(candidate);
    }
    let names: Vec<String> = names.into_iter().map(Option::unwrap_or_default).collect();

    // Each operation's local names → shared names.
    let mut reexports: Vec<Reexports> = ops
        .iter()
        .map(|_| Reexports {
            path: types_path.to_vec(),
            names: BTreeMap::new(),
        })
        .collect();
    for (k, shape) in shapes.iter().enumerate() {
        for (i, local) in &shape.all {
            reexports[*i].names.insert(local.clone(), names[k].clone());
        }
    }

    // The shared definitions, from each shape's first occurrence, referring to shared names.
    let mut group = GroupTypes::default();
    for (k, shape) in shapes.iter().enumerate() {
        let (i, local) = &shape.first;
        let users = users_of(shape);
        let used_by = used_by_doc(
            &users
                .iter()
                .map(|&u| ops[u].label.as_str())
                .collect::<Vec<_>>(),
        );
        group.users.insert(
            names[k].clone(),
            users.iter().map(|&u| ops[u].label.clone()).collect(),
        );
        let types = &ops[*i].built.types;
        if shape.is_enum {
            if let Some(e) = types.enums.iter().find(|e| &e.name == local) {
                let mut e = e.clone();
                e.name = names[k].clone();
                e.doc = join_doc(&e.doc, &used_by);
                group.enums.push(e);
            }
        } else if let Some(s) = types.structs.iter().find(|s| &s.name == local) {
            let mut s = s.clone();
            s.name = names[k].clone();
            s.doc = join_doc(&s.doc, &used_by);
            for f in &mut s.fields {
                rename(&mut f.ty, &reexports[*i].names);
            }
            group.structs.push(s);
        }
    }

    // Structs of required values: named after the shared struct in the group (against the group's type
    // names, as `rust::struct_tokens` names them), after the local one in each operation.
    group.taken = taken;
    let group_required: BTreeMap<String, String> = group
        .structs
        .iter()
        .filter_map(|s| Some((s.name.clone(), rust::required_struct(s, &group.taken)?)))
        .collect();
    for (i, op) in ops.iter().enumerate() {
        let local_taken = op.built.taken();
        let mut extra = Vec::new();
        for s in nested_structs(op.built) {
            let local = rust::required_struct(s, &local_taken);
            let shared = reexports[i].names.get(&s.name);
            if let (Some(local), Some(there)) = (local, shared.and_then(|n| group_required.get(n)))
            {
                extra.push((local, there.clone()));
            }
        }
        reexports[i].names.extend(extra);
    }
    (group, reexports)
}

/// The structs of an operation that are shared: all but its top-level ones.
fn nested_structs(built: &Built) -> impl Iterator<Item = &StructDef> {
    built
        .types
        .structs
        .iter()
        .filter(|s| !TOP_LEVEL.contains(&s.name.as_str()))
}

fn record(
    keys: &mut BTreeMap<Local, String>,
    shapes: &mut Vec<Shape>,
    by_key: &mut BTreeMap<String, usize>,
    local: Local,
    key: String,
    is_enum: bool,
) {
    keys.insert(local.clone(), key.clone());
    match by_key.get(&key) {
        Some(&k) => shapes[k].all.push(local),
        None => {
            by_key.insert(key, shapes.len());
            shapes.push(Shape {
                first: local.clone(),
                all: vec![local],
                is_enum,
            });
        }
    }
}

/// The shape key of a struct: its direction and fields, nested types by their own keys.
fn struct_key(
    i: usize,
    s: &StructDef,
    built: &Built,
    keys: &mut BTreeMap<Local, String>,
) -> String {
    let fields: Vec<String> = s
        .fields
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}:{}:{:?}:{:?}",
                f.wire,
                f.ident,
                ty_key(i, &f.ty, built, keys),
                f.required,
                f.encrypted,
                f.encryption_key
            )
        })
        .collect();
    format!("S{}{}({})", s.ser, s.de, fields.join(","))
}

fn ty_key(i: usize, ty: &Ty, built: &Built, keys: &mut BTreeMap<Local, String>) -> String {
    match ty {
        Ty::String => "s".into(),
        Ty::I64 => "i".into(),
        Ty::Number => "n".into(),
        Ty::Bool => "b".into(),
        Ty::Value => "v".into(),
        Ty::Vec(inner) => format!("[{}]", ty_key(i, inner, built, keys)),
        Ty::Named(name) => {
            if let Some(k) = keys.get(&(i, name.clone())) {
                return k.clone();
            }
            // Not yet seen (types are listed children first, but be safe): compute it now.
            if let Some(e) = built.types.enums.iter().find(|e| &e.name == name) {
                let k = format!("E{:?}", e.variants);
                keys.insert((i, name.clone()), k.clone());
                return k;
            }
            if let Some(s) = built.types.structs.iter().find(|s| &s.name == name) {
                let k = struct_key(i, s, built, keys);
                keys.insert((i, name.clone()), k.clone());
                return k;
            }
            format!("?{name}")
        }
    }
}

fn rename(ty: &mut Ty, names: &BTreeMap<String, String>) {
    match ty {
        Ty::Vec(inner) => rename(inner, names),
        Ty::Named(n) => {
            if let Some(shared) = names.get(n) {
                *n = shared.clone();
            }
        }
        Ty::String | Ty::I64 | Ty::Number | Ty::Bool | Ty::Value => {}
    }
}

/// The operations (indices) that use a shape, in order, each once.
fn users_of(shape: &Shape) -> Vec<usize> {
    let mut out: Vec<usize> = shape.all.iter().map(|(i, _)| *i).collect();
    out.dedup();
    out
}

/// The most common local name of a shape (the first on a tie).
fn preferred_name(shape: &Shape) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (_, name) in &shape.all {
        match counts.iter_mut().find(|(n, _)| n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name.clone(), 1)),
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    counts
        .into_iter()
        .find(|(_, c)| *c == best)
        .map(|(n, _)| n)
        .unwrap_or_else(|| shape.first.1.clone())
}

const USED_BY_SHOWN: usize = 6;

fn used_by_doc(labels: &[&str]) -> String {
    let shown: Vec<String> = labels
        .iter()
        .take(USED_BY_SHOWN)
        .map(|l| format!("`{l}`"))
        .collect();
    let more = labels.len().saturating_sub(USED_BY_SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("Used by {}{tail}.", shown.join(", "))
}

fn join_doc(doc: &str, used_by: &str) -> String {
    if doc.trim().is_empty() {
        used_by.to_string()
    } else {
        format!("{doc}\n\n{used_by}")
    }
}
