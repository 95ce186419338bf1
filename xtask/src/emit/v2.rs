//! The APIv2 crate (`generated/parts/v2`, package `wechatpay-v2`): every `openapi/v2` operation and every
//! `webhook/v2` notification page, typed.
//!
//! Naming follows the APIv3 rule: the documented path (with its `/v2/` prefix) gives the modules, the
//! HTTP method names the function and the module of its types: `/v2/pay/micropay` →
//! `wechatpay::v2::pay::micropay::post(&client, &req)` with `…::post::Request` / `…::post::Response`.
//! The URL sent drops the documented `/v2` prefix (`POST /pay/micropay`), and a documented `base_uri` is
//! the host. Each business group (the first segment after `/v2/`) is a feature of the part crate, and
//! `v2_<group>` of the facade (several groups share a name with an APIv3 group: `pay`, `papay`, …).
//!
//! Types: every value is a string on the wire; integers and numbers are read from strings
//! (`wechatpay_runtime::v2::serde_helpers`), `encoded: json` strings are typed structures carried as JSON
//! text, documented enumerations are enums that keep unknown values, and fields the docs name with a
//! placeholder (`coupon_id_$n`) or do not document land in `other` (a map of the remaining fields), so
//! nothing an answer carries is lost.
//!
//! Page content never stops this emitter: what it cannot type as documented becomes a diagnostic and
//! compiling code.

use super::manifest::VERSION;
use super::Files;
use crate::diag::{Diagnostic, Severity};
use crate::naming;
use crate::spec::{Api, BodyFormat, Encoding, Field, FieldType, Method, Operation, Page};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The package name of the APIv2 crate.
pub const CRATE: &str = "wechatpay-v2";
/// Its folder under `generated/`.
pub const DIR: &str = "parts/v2";

const RT: &str = "::wechatpay_runtime";
const HELPERS: &str = "::wechatpay_runtime::v2::serde_helpers";

/// What the APIv2 emitter produced.
#[derive(Debug, Default)]
pub struct V2 {
    pub files: Files,
    /// Business group (feature of the part crate) → operation count.
    pub groups: BTreeMap<String, usize>,
    pub operations: usize,
    pub notification_pages: usize,
}

/// One placed operation.
struct Placed<'a> {
    op: &'a Operation,
    source: &'a str,
    /// Modules below `v2`: `["pay", "micropay"]`.
    modules: Vec<String>,
    group: String,
}

/// A module tree node: operations placed here, child modules.
#[derive(Default)]
struct Node {
    ops: Vec<usize>,
    children: BTreeMap<String, Node>,
}

/// `spec/<page>.json`, as the v3 emitter names a module's source.
fn spec_file(source: &str) -> String {
    format!("spec/{}", crate::corpus::spec_file(source))
}

fn diag(diags: &mut Vec<Diagnostic>, source: &str, class: &'static str, message: String) {
    diags.push(Diagnostic::warning(source, class, message));
}

/// Emits the APIv2 crate.
pub fn emit(pages: &[Page], diags: &mut Vec<Diagnostic>) -> V2 {
    let mut placed = Vec::new();
    let mut seen = BTreeSet::new();
    for page in pages {
        for op in &page.operations {
            if op.api != Api::V2 {
                continue;
            }
            let mut modules = naming::module_path(&op.path);
            if modules.first().map(String::as_str) != Some("v2") || modules.len() < 2 {
                diag(
                    diags,
                    &page.source,
                    "emit-v2-path",
                    format!(
                        "APIv2 path `{}` does not start with `/v2/<group>`; skipped",
                        op.path
                    ),
                );
                continue;
            }
            modules.remove(0);
            if !seen.insert((op.method, modules.clone())) {
                diag(
                    diags,
                    &page.source,
                    "emit-v2-duplicate",
                    format!(
                        "`{} {}` is documented twice; the first page wins",
                        op.method, op.path
                    ),
                );
                continue;
            }
            let group = modules[0].trim_start_matches("r#").to_string();
            placed.push(Placed {
                op,
                source: &page.source,
                modules,
                group,
            });
        }
    }
    let mut root = Node::default();
    for (i, p) in placed.iter().enumerate() {
        let mut node = &mut root;
        for m in &p.modules {
            node = node.children.entry(m.clone()).or_default();
        }
        node.ops.push(i);
    }
    let mut out = V2 {
        operations: placed.len(),
        ..V2::default()
    };
    for p in &placed {
        *out.groups.entry(p.group.clone()).or_default() += 1;
    }
    // One file per business group, with its modules inline.
    for (name, node) in &root.children {
        let group = name.trim_start_matches("r#");
        let mut body = String::new();
        let mut sources = BTreeSet::new();
        // The group's shared enums live in `types` (`types_` should an operation module take that name).
        let types_mod = if node.children.contains_key("types") {
            "types_"
        } else {
            "types"
        };
        let mut enums = GroupEnums {
            path: format!("crate::v2::{name}::{types_mod}"),
            ..GroupEnums::default()
        };
        node_items(node, &placed, &mut body, &mut sources, &mut enums, diags);
        let from = sources.into_iter().collect::<Vec<_>>().join(", ");
        let text = format!(
            "//! `/v2/{}` — APIv2 operations of this business group (feature `{group}`).\n{}{body}",
            group,
            enums.module(types_mod)
        );
        out.files.insert(
            format!("{DIR}/src/v2/{group}.rs"),
            format_file(&text, &format!("`/v2/{group}`"), &from, diags),
        );
    }
    let (event_files, pages_typed) = events(pages, diags);
    out.notification_pages = pages_typed;
    out.files.extend(event_files);
    out.files
        .insert(format!("{DIR}/src/lib.rs"), lib(&root, &placed, diags));
    out.files
        .insert(format!("{DIR}/Cargo.toml"), manifest(&out.groups));
    out
}

fn format_file(text: &str, what: &str, from: &str, diags: &mut Vec<Diagnostic>) -> String {
    match syn::parse_file(text) {
        Ok(file) => format!(
            "// @generated by `cargo xtask codegen` from {from} — do not edit\n{}",
            prettyplease::unparse(&file)
        ),
        Err(e) => {
            diags.push(Diagnostic {
                file: from.to_string(),
                line: 0,
                severity: Severity::Error,
                class: "emit-v2-parse".into(),
                message: format!("the generated module {what} does not parse ({e}); emitted empty"),
            });
            format!("// @generated by `cargo xtask codegen` from {from} — do not edit\n//! (empty: see spec/DIAGNOSTICS.md)\n")
        }
    }
}

fn node_items(
    node: &Node,
    placed: &[Placed<'_>],
    out: &mut String,
    sources: &mut BTreeSet<String>,
    enums: &mut GroupEnums,
    diags: &mut Vec<Diagnostic>,
) {
    for &i in &node.ops {
        let p = &placed[i];
        sources.insert(spec_file(p.source));
        operation(p, out, enums, diags);
    }
    for (name, child) in &node.children {
        let _ = writeln!(out, "pub mod {name} {{");
        node_items(child, placed, out, sources, enums, diags);
        out.push_str("}\n");
    }
}

/// A doc comment from free text (every line prefixed).
fn doc(out: &mut String, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {}", line.replace('\r', ""));
        }
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The types of one module (`…::post`): structs and enums, names unique within the module.
#[derive(Default)]
struct Types {
    items: String,
    names: BTreeSet<String>,
    /// The types being emitted are read (answers, notifications), not written (requests).
    read: bool,
    /// The enums of the business group this module is in (`None`: enums are defined in the module).
    group: Option<GroupEnums>,
    /// The operation being emitted (`POST /v2/pay/micropay`), for the shared enums' docs.
    op: String,
}

/// The enums of one APIv2 business group, one per documented value set, defined once in the group's
/// `types` module (`wechatpay::v2::pay::types::SignType`); each operation module re-exports the ones
/// it uses under its own name (`wechatpay::v2::pay::micropay::post::SignType`), so those paths keep
/// working whatever name the shared definition gets.
///
/// Naming: the shared enum takes the CamelCase name of the first field (in module order) documented
/// with its value set; when another value set already has that name, the name it has in that first
/// module (which may carry its parent's name), then a number.
#[derive(Default)]
struct GroupEnums {
    /// Path of the group's `types` module (`crate::v2::pay::types`).
    path: String,
    /// Value set (in documented order, without repeats) → index in `enums`.
    by_values: BTreeMap<Vec<String>, usize>,
    enums: Vec<SharedEnum>,
    names: BTreeSet<String>,
}

struct SharedEnum {
    name: String,
    values: Vec<String>,
    /// Wire names of the fields that use it, in first-use order.
    fields: Vec<String>,
    /// The operations that use it, in first-use order.
    used_by: Vec<String>,
}

impl GroupEnums {
    /// The shared name for `values`, documented for `field` (named `local` in its module) of `op`.
    fn intern(&mut self, field: &str, local: &str, values: &[String], op: &str) -> String {
        let i = match self.by_values.get(values) {
            Some(&i) => i,
            None => {
                let mut name = naming::camel(field).trim_start_matches("r#").to_string();
                if self.names.contains(&name) {
                    name = local.to_string();
                }
                let stem = name.clone();
                let mut n = 2;
                while !self.names.insert(name.clone()) {
                    name = format!("{stem}{n}");
                    n += 1;
                }
                self.enums.push(SharedEnum {
                    name,
                    values: values.to_vec(),
                    fields: Vec::new(),
                    used_by: Vec::new(),
                });
                self.by_values.insert(values.to_vec(), self.enums.len() - 1);
                self.enums.len() - 1
            }
        };
        let e = &mut self.enums[i];
        if !e.fields.iter().any(|f| f == field) {
            e.fields.push(field.to_string());
        }
        if !op.is_empty() && !e.used_by.iter().any(|o| o == op) {
            e.used_by.push(op.to_string());
        }
        e.name.clone()
    }

    /// The `types` module of the group (empty when the group has no enums).
    fn module(&self, name: &str) -> String {
        if self.enums.is_empty() {
            return String::new();
        }
        let mut s = String::from(
            "/// The enums of this business group, one per documented value set; the operation modules\n/// re-export them under the names their fields give them.\n",
        );
        let _ = writeln!(s, "pub mod {name} {{");
        for e in &self.enums {
            let fields = e
                .fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let used = e
                .used_by
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let about = format!(
                "Values of {fields} (unknown values are kept in `Unknown`).\n\nUsed by {used}."
            );
            s.push_str(&wire_enum(&e.name, &about, &e.values));
        }
        s.push_str("}\n");
        s
    }
}

/// A `wechatpay_core::wire_enum!` invocation: an enum that keeps unknown values, (de)serialized as its
/// wire string by hand-written impls (cheaper to compile than derived ones with an untagged variant).
fn wire_enum(name: &str, about: &str, values: &[String]) -> String {
    let mut s = String::from("::wechatpay_core::wire_enum! {\n");
    doc(&mut s, about);
    let _ = writeln!(s, "{name} {{");
    for (variant, v) in super::types::variants(values) {
        let _ = writeln!(s, "/// `{}`\n{variant} = {},", v.replace('`', "'"), lit(&v));
    }
    s.push_str("}\n}\n");
    s
}

impl Types {
    /// The derive line of a type: requests are only written and answers only read (the other direction
    /// with the `roundtrip` feature), which keeps the crate's compile time down.
    fn derives(&self) -> String {
        let (always, roundtrip) = if self.read {
            ("::serde::Deserialize", "::serde::Serialize")
        } else {
            ("::serde::Serialize", "::serde::Deserialize")
        };
        format!(
            "#[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, {always})]\n#[cfg_attr(feature = \"roundtrip\", derive({roundtrip}))]\n"
        )
    }

    fn unique(&mut self, base: &str, parent: &str) -> String {
        let mut name = naming::camel(base);
        if self.names.contains(&name) || name == "Request" || name == "Response" {
            name = naming::camel(&format!("{parent}_{base}"));
        }
        let stem = name.clone();
        let mut n = 2;
        while self.names.contains(&name) || name == "Request" || name == "Response" {
            name = format!("{stem}{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }
}

/// `true` for a documented name that is a wire name (not a placeholder such as `coupon_id_$n`).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// Where a struct is carried: `Xml` (top level: every value a string, numbers parsed from strings) or
/// `Json` (inside an `encoded: json` string: plain JSON types).
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Xml,
    Json,
}

/// Emits a struct for `fields` named `name` into `types`; returns nothing (the name is given).
#[allow(clippy::too_many_arguments)]
fn emit_struct(
    types: &mut Types,
    name: &str,
    about: &str,
    fields: &[Field],
    ctx: Ctx,
    keep_other: bool,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut s = String::new();
    doc(&mut s, about);
    let mut ctor_args = Vec::new();
    let mut ctor_init = Vec::new();
    let mut body = String::new();
    // The same members without serde attributes, and (identifier, wire name, how read) of each: a
    // received XML type is read by `v2_received!` instead of a derive.
    let mut plain_body = String::new();
    let mut members: Vec<(String, String, &'static str)> = Vec::new();
    let mut idents = BTreeSet::new();
    let mut placeholders = Vec::new();
    let mut wires = BTreeSet::new();
    for f in fields {
        if !wires.insert(f.name.as_str()) {
            diag(
                diags,
                source,
                "emit-v2-duplicate-field",
                format!(
                    "field `{}` of `{name}` is documented twice; the first row is typed",
                    f.name
                ),
            );
            continue;
        }
        if !plain_name(&f.name) {
            placeholders.push(f.name.clone());
            continue;
        }
        let mut ident = naming::snake(&f.name);
        if ident == "other" && keep_other {
            ident = "other_".into();
        }
        let stem = ident.clone();
        let mut n = 2;
        while !idents.insert(ident.clone()) {
            ident = format!("{stem}_{n}");
            n += 1;
        }
        let (ty, with) = field_type(types, name, f, ctx, source, diags);
        let mut d = f.description.clone();
        if let Some(max) = f.max_length {
            let _ = write!(d, "\n\nAt most {max} characters.");
        }
        if let Some(c) = &f.constant {
            let _ = write!(d, "\n\nFixed value `{c}`.");
        }
        if let Some(e) = &f.encrypted {
            let _ = write!(
                d,
                "\n\nEncrypted ({}): for bank fields, encrypt with `wechatpay_runtime::v2::BankPublicKey::encrypt`.",
                e.as_str()
            );
        }
        if f.encoded == Some(Encoding::Urlencode) {
            d.push_str("\n\nA URL-encoded string.");
        }
        let field_doc = if d.trim().is_empty() { &f.name } else { &d };
        doc(&mut body, field_doc);
        doc(&mut plain_body, field_doc);
        let wire = f.name.as_str();
        members.push((
            ident.clone(),
            wire.to_string(),
            match with {
                Some("number") => "number",
                Some("json_string") => "json",
                _ => "plain",
            },
        ));
        if naming::file_stem(&ident) != wire {
            let _ = writeln!(body, "#[serde(rename = {})]", lit(wire));
        }
        if f.required {
            if let Some(w) = &with {
                let _ = writeln!(body, "#[serde(with = \"{HELPERS}::{w}\")]");
            }
            let _ = writeln!(body, "pub {ident}: {ty},");
            let _ = writeln!(plain_body, "pub {ident}: {ty},");
            let (arg_ty, init) = if ty == "::std::string::String" {
                (
                    "impl ::std::convert::Into<::std::string::String>".to_string(),
                    format!("{ident}: {ident}.into()"),
                )
            } else {
                (ty.clone(), ident.clone())
            };
            ctor_args.push(format!("{ident}: {arg_ty}"));
            ctor_init.push(init);
        } else {
            let _ = writeln!(
                body,
                "#[serde(default, skip_serializing_if = \"::std::option::Option::is_none\")]"
            );
            if let Some(w) = &with {
                let _ = writeln!(body, "#[serde(with = \"{HELPERS}::option_{w}\")]");
            }
            let _ = writeln!(body, "pub {ident}: ::std::option::Option<{ty}>,");
            let _ = writeln!(plain_body, "pub {ident}: ::std::option::Option<{ty}>,");
            ctor_init.push(format!("{ident}: ::std::option::Option::None"));
        }
    }
    // `other` (a flattened map) only where the docs name fields with placeholders: flattening costs
    // compile time, and undocumented fields are otherwise ignored on reading (the raw fields stay in
    // `V2Response::fields`).
    let keep_other = keep_other && !placeholders.is_empty();
    if keep_other {
        let mut d = String::from(
            "Fields the docs do not name here (new fields, and indexed ones such as `coupon_id_0`), as received.",
        );
        if !placeholders.is_empty() {
            let _ = write!(
                d,
                "\n\nDocumented placeholders: {}.",
                placeholders
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        doc(&mut body, &d);
        body.push_str("#[serde(flatten)]\npub other: ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,\n");
        ctor_init.push("other: ::std::collections::BTreeMap::new()".into());
    } else if !placeholders.is_empty() {
        diag(
            diags,
            source,
            "emit-v2-placeholder",
            format!(
                "fields {} of `{name}` have placeholder names; not typed",
                placeholders.join(", ")
            ),
        );
    }
    // A received XML type whose members are all optional and named: `v2_received!` (a hand-written
    // `visit_map`) instead of serde's derive, which costs several times the compile time.
    let by_macro = types.read && ctx == Ctx::Xml && !keep_other && ctor_args.is_empty();
    if by_macro {
        s.push_str("#[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]\n");
        let _ = writeln!(s, "pub struct {name} {{\n{plain_body}}}");
        let list: String = members
            .iter()
            .map(|(ident, wire, mode)| format!("{ident} = {} {mode}, ", lit(wire)))
            .collect();
        let _ = writeln!(s, "{RT}::v2_received! {{ {name} {{ {list} }} }}");
    } else {
        s.push_str(&types.derives());
        let _ = writeln!(s, "pub struct {name} {{\n{body}}}");
    }
    let _ = writeln!(
        s,
        "impl {name} {{\n/// Creates the value from its required fields; optional ones are `None`.\n#[allow(clippy::too_many_arguments)]\npub fn new({}) -> Self {{ Self {{ {} }} }}\n}}",
        ctor_args.join(", "),
        ctor_init.join(", ")
    );
    types.items.push_str(&s);
}

/// The Rust type of a field and the serde helper module it needs (`number`, `json_string`).
fn field_type(
    types: &mut Types,
    parent: &str,
    f: &Field,
    ctx: Ctx,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> (String, Option<&'static str>) {
    let num = |t: &str| -> (String, Option<&'static str>) {
        (t.to_string(), (ctx == Ctx::Xml).then_some("number"))
    };
    if f.encoded == Some(Encoding::Json) {
        let inner = json_type(types, parent, f, source, diags);
        return (inner, Some("json_string"));
    }
    match f.ty {
        FieldType::String => match &f.enum_values {
            Some(values) if !values.is_empty() => (enum_type(types, parent, &f.name, values), None),
            _ => ("::std::string::String".into(), None),
        },
        FieldType::Integer => num("i64"),
        FieldType::Number => num("::serde_json::Number"),
        // APIv2 spells booleans in upper case (`TRUE`): the wire text is kept.
        FieldType::Boolean if ctx == Ctx::Xml => ("::std::string::String".into(), None),
        FieldType::Boolean => ("bool".into(), None),
        FieldType::Object | FieldType::Array if ctx == Ctx::Json => {
            (json_type(types, parent, f, source, diags), None)
        }
        FieldType::Object | FieldType::Array => {
            // A structure in an XML field without `encoded: json` (nested XML elements, or a file part):
            // kept as the text of the element.
            diag(
                diags,
                source,
                "emit-v2-structured-field",
                format!(
                    "field `{}` is documented as {} in an XML body without `encoded: json`; typed as its text",
                    f.name,
                    f.ty.as_str()
                ),
            );
            ("::std::string::String".into(), None)
        }
    }
}

/// The Rust type of a JSON structure (an `encoded: json` string's content, or a nested JSON member).
fn json_type(
    types: &mut Types,
    parent: &str,
    f: &Field,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let children: Vec<Field> = merged(&f.fields, &f.variants);
    let is_array = f.ty == FieldType::Array;
    if children.is_empty() {
        return match (is_array, f.items) {
            (true, Some(FieldType::String)) => "::std::vec::Vec<::std::string::String>".into(),
            (true, Some(FieldType::Integer)) => "::std::vec::Vec<i64>".into(),
            _ => "::serde_json::Value".into(),
        };
    }
    // An `encoded: json` string documented with one array child named differently from it: the JSON
    // text is that array (`receivers` → `[{…}]`), except the documented `{"goods_detail": […]}` shape.
    if f.ty == FieldType::String
        && children.len() == 1
        && children[0].ty == FieldType::Array
        && children[0].name != f.name
        && children[0].name != "goods_detail"
    {
        diag(
            diags,
            source,
            "emit-v2-json-array",
            format!(
                "`{}` carries JSON documented by one array row `{}`: typed as that array",
                f.name, children[0].name
            ),
        );
        return json_type(types, parent, &children[0], source, diags);
    }
    let name = types.unique(&f.name, parent);
    let about = if f.description.trim().is_empty() {
        f.name.clone()
    } else {
        f.description.clone()
    };
    emit_struct(
        types,
        &name,
        &about,
        &children,
        Ctx::Json,
        false,
        source,
        diags,
    );
    if is_array {
        format!("::std::vec::Vec<{name}>")
    } else {
        name
    }
}

fn enum_type(types: &mut Types, parent: &str, field: &str, values: &[String]) -> String {
    let name = types.unique(field, parent);
    let mut seen = BTreeSet::new();
    let values: Vec<String> = values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .cloned()
        .collect();
    let op = types.op.clone();
    match &mut types.group {
        Some(group) => {
            let shared = group.intern(field, &name, &values, &op);
            let path = group.path.clone();
            if shared == name {
                let _ = writeln!(types.items, "pub use {path}::{shared};");
            } else {
                let _ = writeln!(types.items, "pub use {path}::{shared} as {name};");
            }
        }
        None => {
            let about = format!("Values of `{field}` (unknown values are kept in `Unknown`).");
            let text = wire_enum(&name, &about, &values);
            types.items.push_str(&text);
        }
    }
    name
}

fn operation(
    p: &Placed<'_>,
    out: &mut String,
    enums: &mut GroupEnums,
    diags: &mut Vec<Diagnostic>,
) {
    let op = p.op;
    let m = op.method.lower();
    let sent = op.path.strip_prefix("/v2").unwrap_or(&op.path);
    let mut types = Types {
        group: Some(std::mem::take(enums)),
        op: format!("{} {}", op.method, op.path),
        ..Types::default()
    };
    let req_fields: Vec<Field> = merged(&op.request_body.fields, &op.request_body.variants);
    let mut query_fields = op.query.clone();
    query_fields.extend(req_fields.iter().cloned());
    let request_fields = if op.method == Method::Get {
        query_fields
    } else {
        req_fields
    };
    // A multipart upload: its `object` field is the file part, and `<file>_hash` (when documented) the
    // file's MD5, computed by the client; the other fields are the signed form (see `Client::upload`).
    let upload = (op.request_body.format == BodyFormat::Multipart)
        .then(|| request_fields.iter().find(|f| f.ty == FieldType::Object))
        .flatten()
        .map(|file| {
            let hash = format!("{}_hash", file.name);
            let hash = request_fields
                .iter()
                .any(|f| f.name == hash)
                .then_some(hash);
            (file.name.clone(), hash)
        });
    let signed: Vec<Field> = request_fields
        .iter()
        .filter(|f| f.name != "sign" && (op.nonceless || f.name != "nonce_str"))
        .filter(|f| match &upload {
            Some((file, hash)) => f.name != *file && Some(&f.name) != hash.as_ref(),
            None => true,
        })
        .cloned()
        .collect();
    match &upload {
        None => emit_struct(
            &mut types,
            "Request",
            "The request fields (`nonce_str` and `sign` are added by the client).",
            &signed,
            Ctx::Xml,
            true,
            p.source,
            diags,
        ),
        Some((file, hash)) => {
            let hash_doc = hash
                .as_deref()
                .map(|h| format!("`{h}` (the file's MD5) and "))
                .unwrap_or_default();
            emit_struct(
                &mut types,
                "Form",
                &format!("The text fields of the form ({hash_doc}`sign` are added by the client)."),
                &signed,
                Ctx::Xml,
                true,
                p.source,
                diags,
            );
            let _ = writeln!(
                types.items,
                "/// The upload: the signed form and the file sent as the `{file}` part.\n\
#[derive(::std::fmt::Debug, ::std::clone::Clone)]\n#[non_exhaustive]\npub struct Request {{\n\
/// The form fields (signed).\npub form: Form,\n\
/// The file name sent with the `{file}` part.\npub file_name: ::std::string::String,\n\
/// The content type of the `{file}` part, e.g. `image/jpeg`.\npub file_content_type: ::std::string::String,\n\
/// The file content (not signed{}).\npub file: ::bytes::Bytes,\n}}\n\
impl Request {{\n/// Creates the upload from the form and the file.\npub fn new(form: Form, file_name: ::std::string::String, file_content_type: ::std::string::String, file: ::bytes::Bytes) -> Self {{ Self {{ form, file_name, file_content_type, file }} }}\n}}",
                hash.as_deref()
                    .map(|h| format!("; its MD5 is sent as `{h}`"))
                    .unwrap_or_default()
            );
        }
    }
    let response_kind = match (op.response.format, op.method) {
        _ if op.request_body.format == BodyFormat::Multipart => "multipart",
        (_, Method::Get) => "url",
        (BodyFormat::Binary, _) => "bytes",
        (BodyFormat::Empty, _) if op.response.redirect => "url",
        (BodyFormat::Empty, _) => "unit",
        _ => "xml",
    };
    if response_kind == "xml" || response_kind == "multipart" {
        types.read = true;
        let resp_fields = merged(&op.response.fields, &op.response.variants)
            .into_iter()
            .map(|mut f| {
                // Answers are read liberally: a FAIL answer omits most fields.
                f.required = false;
                f
            })
            .collect::<Vec<_>>();
        emit_struct(
            &mut types,
            "Response",
            "The answer's fields (verified; a `FAIL` answer is an error instead).",
            &resp_fields,
            Ctx::Xml,
            true,
            p.source,
            diags,
        );
    }
    let base = match &op.base_uri {
        Some(b) => format!("::std::option::Option::Some({})", lit(b)),
        None => "::std::option::Option::None".into(),
    };
    let method_const = match op.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    };
    let _ = writeln!(out, "/// Types of `{} {}`.", op.method, op.path);
    let _ = writeln!(out, "pub mod {m} {{");
    let _ = writeln!(
        out,
        "/// How the runtime sends it.\npub const OPERATION: {RT}::v2::Operation<'static> = {RT}::v2::Operation {{ method: {RT}::Method::{method_const}, documented_path: {}, path: {}, base_uri: {base}, security: {}, nonceless: {} }};",
        lit(&op.path),
        lit(sent),
        op.security,
        op.nonceless
    );
    out.push_str(&types.items);
    out.push_str("}\n");
    *enums = types.group.take().unwrap_or_default();
    // The function.
    let mut d = String::new();
    let _ = writeln!(d, "{}\n", op.title);
    if !op.description.is_empty() && op.description != op.title {
        let _ = writeln!(d, "{}\n", op.description);
    }
    let _ = writeln!(
        d,
        "`{} {}` (sent as `{} {}{}`){}{}.",
        op.method,
        op.path,
        op.method,
        op.base_uri
            .as_deref()
            .map(|b| b.trim_end_matches('/'))
            .unwrap_or(""),
        sent,
        if op.security {
            ", over mutual TLS with the merchant API client certificate"
        } else {
            ""
        },
        if op.nonceless {
            ", without `nonce_str`"
        } else {
            ""
        },
    );
    for l in &op.doc_links {
        let _ = writeln!(d, "\n<{l}>");
    }
    if op.deprecated {
        d.push_str("\nDeprecated in the docs.\n");
    }
    doc(out, &d);
    let sig = format!("client: &{RT}::v2::Client, req: &{m}::Request");
    match response_kind {
        "xml" => {
            let _ = writeln!(out, "pub async fn {m}({sig}) -> ::std::result::Result<{m}::Response, {RT}::Error> {{ client.send(&{m}::OPERATION, req).await }}");
        }
        "bytes" => {
            let _ = writeln!(out, "pub async fn {m}({sig}) -> ::std::result::Result<::bytes::Bytes, {RT}::Error> {{ let fields = {RT}::v2::Fields::from_serialize(req)?; Ok(client.call(&{m}::OPERATION, fields).await?.body) }}");
        }
        "multipart" => match &upload {
            Some((file, hash)) => {
                let hash = hash
                    .as_deref()
                    .map(|h| format!("::std::option::Option::Some({})", lit(h)))
                    .unwrap_or_else(|| "::std::option::Option::None".into());
                let _ = writeln!(out, "pub async fn {m}({sig}) -> ::std::result::Result<{m}::Response, {RT}::Error> {{ let fields = {RT}::v2::Fields::from_serialize(&req.form)?; let part = {RT}::v2::UploadPart {{ field: {}, hash_field: {hash}, file_name: &req.file_name, content_type: &req.file_content_type, content: req.file.clone() }}; client.upload(&{m}::OPERATION, fields, part).await?.decode() }}", lit(file));
            }
            None => {
                diag(diags, p.source, "emit-v2-multipart", format!("`{} {}` is a multipart upload without an `object` field for its file: its function returns an error", op.method, op.path));
                let _ = writeln!(out, "///\n/// **Not sent**: the page documents no file part; this returns `Error::InvalidRequest` (kind `Upload`).\npub async fn {m}({sig}) -> ::std::result::Result<{m}::Response, {RT}::Error> {{ let _ = (client, req); Err({RT}::InvalidRequestError::new({RT}::InvalidRequestKind::Upload, \"{} {} is a multipart upload whose page documents no file part\").into()) }}", op.method, op.path);
            }
        },
        "unit" => {
            let _ = writeln!(out, "pub async fn {m}({sig}) -> ::std::result::Result<(), {RT}::Error> {{ let fields = {RT}::v2::Fields::from_serialize(req)?; client.call(&{m}::OPERATION, fields).await.map(|_| ()) }}");
        }
        _ => {
            let _ = writeln!(out, "///\n/// The page is opened by the user's browser: this returns the signed URL.\npub fn {m}({sig}) -> ::std::result::Result<::std::string::String, {RT}::Error> {{ let fields = {RT}::v2::Fields::from_serialize(req)?; client.signed_url(&{m}::OPERATION, fields) }}");
        }
    }
}

/// The fields of a body: its top-level fields, then those of its variants (optional, first one wins).
fn merged(fields: &[Field], variants: &[Vec<Field>]) -> Vec<Field> {
    let mut out: Vec<Field> = fields.to_vec();
    let mut names: BTreeSet<String> = out.iter().map(|f| f.name.clone()).collect();
    for v in variants {
        for f in v {
            if names.insert(f.name.clone()) {
                let mut f = f.clone();
                f.required = false;
                out.push(f);
            }
        }
    }
    out
}

/// The request fields of an operation (a `GET`'s query and body fields) that are documented as
/// `encoded: json`, by name.
fn json_field_names(op: &Operation) -> Vec<String> {
    let mut fields = op.query.clone();
    fields.extend(merged(&op.request_body.fields, &op.request_body.variants));
    let mut names: Vec<String> = fields
        .into_iter()
        .filter(|f| f.encoded == Some(Encoding::Json))
        .map(|f| f.name)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `JSON_FIELDS` and `json_fields`: the `encoded: json` request fields of the operations that have
/// any (for untyped calls, which send a JSON object or array member as its JSON text only there).
fn json_fields_table(s: &mut String, placed: &[Placed<'_>]) {
    s.push_str(
        "/// The request fields documented as `encoded: json` (a string that carries JSON), as (method,\n\
/// documented path, field names), for the operations that have any, whatever features are on (for untyped\n\
/// calls such as `wxpay call POST /v2/…`, which send a JSON object or array member as its JSON text only\n\
/// for these fields).\n#[rustfmt::skip]\npub const JSON_FIELDS: &[(&str, &str, &[&str])] = &[\n",
    );
    let mut rows: Vec<&Placed<'_>> = placed.iter().collect();
    rows.sort_by(|a, b| (&a.op.path, a.op.method).cmp(&(&b.op.path, b.op.method)));
    for p in rows {
        let names = json_field_names(p.op);
        if names.is_empty() {
            continue;
        }
        let names: Vec<String> = names.iter().map(|n| lit(n)).collect();
        let _ = writeln!(
            s,
            "    ({}, {}, &[{}]),",
            lit(p.op.method.as_str()),
            lit(&p.op.path),
            names.join(", ")
        );
    }
    s.push_str("];\n\n");
    s.push_str("/// The `encoded: json` request fields of an operation (`POST`, `/v2/pay/unifiedorder`): empty when it\n\
/// has none or is not documented.\n#[rustfmt::skip]\npub fn json_fields(method: &str, documented_path: &str) -> &'static [&'static str] {\n    \
JSON_FIELDS.iter().find(|(m, p, _)| m.eq_ignore_ascii_case(method) && *p == documented_path).map(|(_, _, f)| *f).unwrap_or(&[])\n}\n\n");
}

fn lib(root: &Node, placed: &[Placed<'_>], _diags: &mut Vec<Diagnostic>) -> String {
    let mut s = String::from(
        "// @generated by `cargo xtask codegen` from spec/openapi/v2, spec/webhook/v2 — do not edit\n\
//! Generated WeChat Pay APIv2 operations and notifications, part of the `wechatpay` crate (use that\n\
//! crate: `wechatpay::v2::…`).\n#![forbid(unsafe_code)]\n#![allow(clippy::new_without_default)]\n#![allow(clippy::too_many_arguments)]\n\n\
/// The operations, by business group (each behind its feature).\npub mod v2 {\n",
    );
    for name in root.children.keys() {
        let g = name.trim_start_matches("r#");
        let _ = writeln!(
            s,
            "    #[cfg(feature = \"{g}\")]\n    #[rustfmt::skip]\n    pub mod {name};"
        );
    }
    s.push_str("}\n\n/// The typed APIv2 notifications (one module per notification page).\n#[rustfmt::skip]\npub mod events;\n\n");
    s.push_str(
        "/// Every documented APIv2 operation: its business group (feature) and how it is sent, whatever features are on\n\
/// (for untyped calls such as `wxpay call POST /v2/…`).\n\
#[rustfmt::skip]\npub const OPERATIONS: &[(&str, ::wechatpay_runtime::v2::Operation<'static>)] = &[\n",
    );
    let mut rows: Vec<&Placed<'_>> = placed.iter().collect();
    rows.sort_by(|a, b| (&a.op.path, a.op.method).cmp(&(&b.op.path, b.op.method)));
    for p in rows {
        let op = p.op;
        let sent = op.path.strip_prefix("/v2").unwrap_or(&op.path);
        let base = match &op.base_uri {
            Some(b) => format!("::core::option::Option::Some({})", lit(b)),
            None => "::core::option::Option::None".into(),
        };
        let _ = writeln!(
            s,
            "    ({}, ::wechatpay_runtime::v2::Operation {{ method: ::wechatpay_runtime::Method::{}, documented_path: {}, path: {}, base_uri: {base}, security: {}, nonceless: {} }}),",
            lit(&p.group),
            op.method.as_str(),
            lit(&op.path),
            lit(sent),
            op.security,
            op.nonceless
        );
    }
    s.push_str("];\n\n");
    json_fields_table(&mut s, placed);
    s.push_str("/// Reads the JSON fields of a request (as the `xml` member of the docs' PHP examples gives them, an\n\
/// `encoded: json` field as a JSON value or text) into the operation's generated `Request` type and writes\n\
/// it back as fields: `None` when the operation is not compiled in, else the fields or where they do\n\
/// not fit.\n#[cfg(feature = \"roundtrip\")]\n#[rustfmt::skip]\npub fn check_request(method: &str, documented_path: &str, json: &::serde_json::Value) -> ::core::option::Option<::core::result::Result<::serde_json::Value, ::std::string::String>> {\n    match (method, documented_path) {\n");
    let mut arms: Vec<&Placed<'_>> = placed.iter().collect();
    arms.sort_by(|a, b| (&a.op.path, a.op.method).cmp(&(&b.op.path, b.op.method)));
    for p in arms {
        let path = p.modules.join("::");
        // An upload's fields are its form (the file is not a field).
        let fields_type = if p.op.request_body.format == BodyFormat::Multipart
            && p.op
                .request_body
                .fields
                .iter()
                .any(|f| f.ty == FieldType::Object)
        {
            "Form"
        } else {
            "Request"
        };
        let _ = writeln!(
            s,
            "        #[cfg(feature = \"{}\")]\n        ({}, {}) => ::core::option::Option::Some(roundtrip::<v2::{path}::{}::{fields_type}>(json)),",
            p.group,
            lit(p.op.method.as_str()),
            lit(&p.op.path),
            p.op.method.lower()
        );
    }
    s.push_str("        _ => { let _ = json; ::core::option::Option::None }\n    }\n}\n\n");
    s.push_str("#[cfg(feature = \"roundtrip\")]\n#[allow(dead_code)]\n#[rustfmt::skip]\nfn roundtrip<T: ::serde::Serialize + ::serde::de::DeserializeOwned>(json: &::serde_json::Value) -> ::core::result::Result<::serde_json::Value, ::std::string::String> {\n    let obj = json.as_object().ok_or(\"not a JSON object\")?;\n    let fields = ::wechatpay_runtime::v2::Fields::from_json_object(obj);\n    let typed: T = fields.decode(200, \"\").map_err(|e| e.to_string())?;\n    let back = ::wechatpay_runtime::v2::Fields::from_serialize(&typed).map_err(|e| e.to_string())?;\n    ::core::result::Result::Ok(::serde_json::Value::Object(back.to_json_object()))\n}\n\n");
    s.push_str("/// The documented operation for a method and documented path (`POST`, `/v2/pay/micropay`).\n#[rustfmt::skip]\npub fn operation(method: &str, documented_path: &str) -> ::core::option::Option<&'static ::wechatpay_runtime::v2::Operation<'static>> {\n    OPERATIONS.iter().map(|(_, op)| op).find(|op| op.method.as_str().eq_ignore_ascii_case(method) && op.documented_path == documented_path)\n}\n");
    s
}

fn manifest(groups: &BTreeMap<String, usize>) -> String {
    let mut s = format!(
        "# @generated by `cargo xtask codegen` — do not edit\n[package]\nname = \"{CRATE}\"\nversion = \"{VERSION}\"\n\
description = \"Generated WeChat Pay APIv2 operations and notifications (XML), part of the `wechatpay` crate (use that crate)\"\n\
edition.workspace = true\nlicense.workspace = true\nrust-version.workspace = true\n\
repository.workspace = true\nhomepage.workspace = true\nreadme.workspace = true\n\
keywords.workspace = true\ncategories.workspace = true\n\n\
[package.metadata.docs.rs]\nall-features = true\n\n\
[dependencies]\nwechatpay-core = {{ path = \"../../core\", version = \"{VERSION}\" }}\nwechatpay-runtime = {{ path = \"../../..\", version = \"{VERSION}\", default-features = false }}\nbytes = \"1\"\n\
serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n[features]\n\
# Requests also deserialize and answers also serialize (replaying captured traffic, tests).\nroundtrip = []\n"
    );
    for (g, n) in groups {
        let _ = writeln!(s, "# {n} operations\n{g} = []");
    }
    s
}

/// The notification pages: one module each under `events`, with the envelope and (where the page says
/// so) the decrypted `req_info`.
fn events(pages: &[Page], diags: &mut Vec<Diagnostic>) -> (Files, usize) {
    let mut files = Files::new();
    let mut modules = String::new();
    let mut n = 0;
    let mut sources = BTreeSet::new();
    let mut used = BTreeSet::new();
    for page in pages {
        for (i, note) in page.notifications.iter().enumerate() {
            if note.api != Api::V2 {
                continue;
            }
            n += 1;
            sources.insert(spec_file(&page.source));
            let stem = page
                .source
                .rsplit('/')
                .next()
                .unwrap_or(&page.source)
                .trim_end_matches(".md");
            let mut module = naming::snake(stem).trim_start_matches("r#").to_string();
            if i > 0 {
                module = format!("{module}_{i}");
            }
            while !used.insert(module.clone()) {
                module.push('_');
            }
            let mut types = Types {
                read: true,
                ..Types::default()
            };
            types.names.insert("Notification".into());
            types.names.insert("ReqInfo".into());
            let envelope: Vec<Field> = note
                .envelope
                .fields
                .iter()
                .cloned()
                .map(|mut f| {
                    f.required = false;
                    if f.name == "req_info" {
                        f.fields.clear();
                        f.encoded = None;
                    }
                    f
                })
                .collect();
            emit_struct(
                &mut types,
                "Notification",
                "The notification's fields (`req_info` still encrypted).",
                &envelope,
                Ctx::Xml,
                true,
                &page.source,
                diags,
            );
            let encrypted = note.encrypted_field.is_some();
            if encrypted {
                let resource: Vec<Field> = merged(&note.resource, &note.resource_variants)
                    .into_iter()
                    .map(|mut f| {
                        f.required = false;
                        f
                    })
                    .collect();
                emit_struct(
                    &mut types,
                    "ReqInfo",
                    "The decrypted `req_info` fields.",
                    &resource,
                    Ctx::Xml,
                    true,
                    &page.source,
                    diags,
                );
            }
            let mut d = String::new();
            let _ = writeln!(d, "{}\n", note.title);
            if !note.description.is_empty() {
                let _ = writeln!(d, "{}\n", note.description);
            }
            let _ = writeln!(d, "From `{}`.", page.source);
            for l in &note.doc_links {
                let _ = writeln!(d, "\n<{l}>");
            }
            doc(&mut modules, &d);
            let _ = writeln!(modules, "pub mod {module} {{");
            modules.push_str(&types.items);
            let _ = writeln!(
                modules,
                "/// Verifies (`sign`, or the `req_info` decryption where there is no `sign`) and types the notification{}.\n\
pub fn decode(body: &[u8], key: &{RT}::v2::ApiV2Key) -> ::std::result::Result<(Notification, {}), {RT}::Error> {{\n\
let n = {RT}::v2::decode_notification(body, key, &{RT}::v2::XmlLimits::default())?;\n\
Ok((n.decode()?, {}))\n}}",
                if encrypted { " and its decrypted `req_info`" } else { "" },
                if encrypted { "::std::option::Option<ReqInfo>" } else { "()" },
                if encrypted { "n.decode_req_info()?" } else { "()" },
            );
            modules.push_str("}\n");
        }
    }
    let from = sources.into_iter().collect::<Vec<_>>().join(", ");
    let text = format!("//! Typed APIv2 notifications, one module per page.\n{modules}");
    files.insert(
        format!("{DIR}/src/events.rs"),
        format_file(
            &text,
            "events",
            if from.is_empty() {
                "spec/webhook/v2"
            } else {
                &from
            },
            diags,
        ),
    );
    (files, n)
}

/// Hooks the APIv2 crate into the facade's manifest and `lib.rs` (the facade templates know nothing of
/// it): a `wechatpay-v2` dependency, features `v2_<group>` and `v2` (all of them, part of `full`), and
/// `wechatpay::v2` (the runtime's APIv2 client and these modules).
pub fn hook_facade(files: &mut Files, v2: &V2) {
    if let Some(m) = files.get_mut("Cargo.toml") {
        let dep =
            format!("{CRATE} = {{ path = \"{DIR}\", version = \"{VERSION}\", optional = true }}\n");
        if let Some(at) = m.find("\n[features]\n") {
            m.insert_str(at + 1, &format!("{dep}\n"));
        }
        let mut feats = String::from("# APIv2: every business group (see `v2_<group>`)\n");
        let all: Vec<String> = v2.groups.keys().map(|g| format!("\"v2_{g}\"")).collect();
        let _ = writeln!(feats, "v2 = [\"dep:{CRATE}\", {}]", all.join(", "));
        for (g, n) in &v2.groups {
            let _ = writeln!(
                feats,
                "# {n} APIv2 operations\nv2_{g} = [\"dep:{CRATE}\", \"{CRATE}/{g}\"]"
            );
        }
        if let Some(at) = m.find("\n[features]\n") {
            let at = at + "\n[features]\n".len();
            m.insert_str(at, &feats);
        }
        if let Some(at) = m.find("\nroundtrip = [") {
            let at = at + "\nroundtrip = [".len();
            m.insert_str(at, &format!("\"{CRATE}?/roundtrip\", "));
        }
        if let Some(at) = m.find("\nfull = [") {
            let at = at + "\nfull = [".len();
            m.insert_str(at, "\"v2\", ");
        }
    }
    if let Some(l) = files.get_mut("src/lib.rs") {
        let mut s = String::from(
            "\n/// WeChat Pay APIv2 (XML, `sign`, mutual TLS): the runtime's client and helpers, and the generated\n\
/// operations by business group (features `v2_<group>`; `v2` enables them all). `/v2/pay/micropay` is\n\
/// `wechatpay::v2::pay::micropay::post(&client, &req)`.\n#[rustfmt::skip]\npub mod v2 {\n    pub use wechatpay_runtime::v2::*;\n",
        );
        let any: Vec<String> = v2
            .groups
            .keys()
            .map(|g| format!("feature = \"v2_{g}\""))
            .collect();
        let _ = writeln!(
            s,
            "    #[cfg(any({}))]\n    pub use ::wechatpay_v2::{{events, json_fields, operation, JSON_FIELDS, OPERATIONS}};",
            any.join(", ")
        );
        let _ = writeln!(
            s,
            "    #[cfg(all(feature = \"roundtrip\", any({})))]\n    pub use ::wechatpay_v2::check_request;",
            any.join(", ")
        );
        for g in v2.groups.keys() {
            let ident = naming::snake(g);
            let _ = writeln!(
                s,
                "    #[cfg(feature = \"v2_{g}\")]\n    pub use ::wechatpay_v2::v2::{ident};"
            );
        }
        s.push_str("}\n");
        l.push_str(&s);
    }
}
