//! The generated crate (`generated/`): one Rust module per documentation page, nested like the URL
//! path, with a Cargo feature per business group.

pub mod events;
pub mod rust;
pub mod types;

use crate::naming;
use crate::spec::{Api, BodyFormat, Operation, Page};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// One file of the generated crate: path relative to `generated/`, and contents.
pub type Files = BTreeMap<String, String>;

#[derive(Default)]
struct Node {
    /// Operations on this module, with the spec file they come from.
    ops: Vec<(Operation, String)>,
    children: BTreeSet<String>,
}

/// What the generated crate holds, for the README and the tests.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub operations: usize,
    pub features: BTreeMap<String, usize>,
    /// Documented APIv3 event types (one generated type each).
    pub events: usize,
}

/// Emits the whole crate from the parsed pages (APIv3 operations only).
pub fn crate_files(
    pages: &[Page],
    diags: &mut Vec<crate::diag::Diagnostic>,
) -> Result<(Files, Summary), String> {
    let mut nodes: BTreeMap<Vec<String>, Node> = BTreeMap::new();
    let mut summary = Summary::default();
    for page in pages {
        for op in page.operations.iter().filter(|o| o.api == Api::V3) {
            let path = naming::module_path(&op.path);
            for depth in 1..path.len() {
                nodes
                    .entry(path[..depth].to_vec())
                    .or_default()
                    .children
                    .insert(path[depth].clone());
            }
            let spec_file = format!("spec/{}", crate::corpus::spec_file(&page.source));
            nodes
                .entry(path.clone())
                .or_default()
                .ops
                .push((op.clone(), spec_file));
            summary.operations += 1;
            *summary
                .features
                .entry(naming::feature(&op.path))
                .or_default() += 1;
        }
    }
    let mut files = Files::new();
    let groups: Vec<String> = nodes
        .keys()
        .filter(|p| p.len() == 2)
        .map(|p| p[1].clone())
        .collect();
    for (path, node) in &nodes {
        if path.len() == 1 {
            // Each part has its own `v3` module listing only its groups.
            for part in 0..PARTS {
                let mine = Node {
                    ops: Vec::new(),
                    children: node
                        .children
                        .iter()
                        .filter(|g| part_of(g) == part)
                        .cloned()
                        .collect(),
                };
                if !mine.children.is_empty() {
                    let file = format!("{}/{}", part_dir(part), module_file(path, true));
                    files.insert(file, module_source(path, &mine, &[])?);
                }
            }
            continue;
        }
        let part = part_of(&path[1]);
        let file = format!(
            "{}/{}",
            part_dir(part),
            module_file(path, !node.children.is_empty())
        );
        let group_ops: Vec<(Vec<String>, Operation)> = if path.len() == 2 {
            nodes
                .iter()
                .filter(|(p, _)| p.starts_with(path))
                .flat_map(|(p, n)| n.ops.iter().map(move |(op, _)| (p.clone(), op.clone())))
                .collect()
        } else {
            Vec::new()
        };
        files.insert(file, module_source(path, node, &group_ops)?);
    }
    let mut part_groups: BTreeMap<usize, BTreeMap<String, usize>> = BTreeMap::new();
    for (g, n) in &summary.features {
        part_groups
            .entry(part_of(g))
            .or_default()
            .insert(g.clone(), *n);
    }
    for (part, groups) in &part_groups {
        files.insert(
            format!("{}/src/lib.rs", part_dir(*part)),
            PART_RS.to_string(),
        );
        files.insert(
            format!("{}/Cargo.toml", part_dir(*part)),
            part_cargo_toml(*part, groups),
        );
    }
    let (event_files, events) = events::files(pages, diags);
    files.extend(event_files);
    summary.events = events;
    files.insert("core/src/lib.rs".into(), CORE_RS.to_string());
    files.insert("core/Cargo.toml".into(), CORE_TOML.to_string());
    files.insert("src/lib.rs".into(), lib_source(&groups));
    files.insert("Cargo.toml".into(), cargo_toml(&summary));
    Ok((files, summary))
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
    path: &[String],
    node: &Node,
    group_ops: &[(Vec<String>, Operation)],
) -> Result<String, String> {
    let mut items = Vec::new();
    let url = format!(
        "/{}",
        path.iter()
            .map(|s| naming::file_stem(s))
            .collect::<Vec<_>>()
            .join("/")
    );
    let mut doc = format!("`{url}`");
    if let Some((op, _)) = node.ops.first() {
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
            items.push(
                quote!(#[doc = #feature_doc] #[cfg(feature = #feature)] pub mod #child_ident;),
            );
        } else {
            items.push(quote!(pub mod #child_ident;));
        }
    }
    if path.len() == 2 {
        items.push(operations_table(path, group_ops));
    }
    let mut methods_seen = BTreeSet::new();
    let mut sources = BTreeSet::new();
    for (op, source) in &node.ops {
        sources.insert(source.clone());
        if !methods_seen.insert(op.method) {
            return Err(format!(
                "two {} operations map to module `{url}` ({source})",
                op.method
            ));
        }
        items.push(rust::operation_tokens(op, &naming::feature(&op.path)));
    }
    let inner = rust::inner_doc_attrs(&doc);
    let tokens = quote!(#inner #(#items)*);
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("generated code for `{url}` does not parse: {e}"))?;
    let from = if sources.is_empty() {
        "spec/".to_string()
    } else {
        sources.into_iter().collect::<Vec<_>>().join(", ")
    };
    Ok(format!(
        "// @generated by `cargo xtask codegen` from {from} — do not edit\n{}",
        prettyplease::unparse(&file)
    ))
}

fn cargo_toml(summary: &Summary) -> String {
    let mut s = String::from("# @generated by `cargo xtask codegen` — do not edit\n");
    s.push_str(
        r#"[package]
name = "wechatpay"
version = "0.1.0"
description = "WeChat Pay API v3 SDK: typed operations generated from the documentation"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
publish = false

[dependencies]
wechatpay-runtime = { path = "..", default-features = false }
wechatpay-core = { path = "core" }
wechatpay-events = { path = "events", optional = true }
__PART_DEPS__
serde_json = "1"
clap = { version = "4", optional = true, default-features = false, features = ["std", "derive", "help", "usage", "error-context", "env"] }
tokio = { version = "1", optional = true, features = ["rt"] }

[features]
default = []
# Derive Deserialize on request types and Serialize on response types, and fill the payload-check
# functions of the operation table.
roundtrip = __ROUNDTRIP__
# Blocking use: `wechatpay::runtime::blocking::Client::run(op(client.as_async(), &req))`.
blocking = ["wechatpay-runtime/blocking"]
# The `wxpay` command-line tool (all operations, for `wxpay check`).
cli = ["dep:clap", "dep:tokio", "full", "roundtrip"]
# Typed notifications: `wechatpay::events` (one type per documented event).
events = ["dep:wechatpay-events"]
"#,
    );
    let groups: Vec<&String> = summary.features.keys().collect();
    s.push_str("# Every business group, and the typed notifications.\nfull = [\"events\", ");
    s.push_str(
        &groups
            .iter()
            .map(|g| format!("\"{g}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    s.push_str("]\n");
    for (g, n) in &summary.features {
        let part = part_crate(part_of(g));
        s.push_str(&format!(
            "# {n} operations\n{g} = [\"dep:{part}\", \"{part}/{g}\"]\n"
        ));
    }
    let parts: BTreeSet<usize> = summary.features.keys().map(|g| part_of(g)).collect();
    let deps: Vec<String> = parts
        .iter()
        .map(|p| {
            format!(
                "{} = {{ path = \"{}\", optional = true }}",
                part_crate(*p),
                part_dir(*p)
            )
        })
        .collect();
    let mut roundtrip = vec![
        "\"wechatpay-core/roundtrip\"".to_string(),
        "\"wechatpay-events?/roundtrip\"".to_string(),
    ];
    roundtrip.extend(
        parts
            .iter()
            .map(|p| format!("\"{}?/roundtrip\"", part_crate(*p))),
    );
    let s = s
        .replace("__PART_DEPS__", &deps.join("\n"))
        .replace("__ROUNDTRIP__", &format!("[{}]", roundtrip.join(", ")));
    let mut s = s;
    s.push_str(
        r#"
[dev-dependencies]
axum = { version = "0.8", default-features = false, features = ["tokio", "http1"] }
base64 = "0.22"
reqwest = { version = "0.13", default-features = false }
serde_json = "1"
tokio = { version = "1", features = ["rt", "rt-multi-thread", "macros", "net", "io-util", "time", "sync"] }

[[bin]]
name = "wxpay"
path = "../src/bin/wxpay.rs"
required-features = ["cli"]

[[test]]
name = "generated_blocking"
path = "../tests/generated/blocking.rs"
required-features = ["pay", "blocking"]

[[test]]
name = "cli"
path = "../tests/generated/cli.rs"
required-features = ["cli"]

# Hand-written tests of the generated crate live beside the other tests, outside generated/.
[[test]]
name = "generated_operations"
path = "../tests/generated/operations.rs"
required-features = ["full", "roundtrip"]

[[test]]
name = "generated_sensitive"
path = "../tests/generated/sensitive.rs"
required-features = ["full"]

[[test]]
name = "generated_php_examples"
path = "../tests/generated/php_examples.rs"
required-features = ["full", "roundtrip"]

[[test]]
name = "generated_events"
path = "../tests/generated/events.rs"
required-features = ["events", "roundtrip"]

[[example]]
name = "jsapi_local"
path = "../examples/jsapi_local.rs"
required-features = ["pay"]

[[bench]]
name = "events"
path = "../benches/events.rs"
harness = false
required-features = ["events"]

[[example]]
name = "notify_axum"
path = "../examples/notify_axum.rs"
required-features = ["events"]

[lints.rust]
unsafe_code = "forbid"
"#,
    );
    s
}

fn lib_source(groups: &[String]) -> String {
    let mut s = String::from(FACADE_RS);
    s.push_str("\n/// The operations, by business group (each behind its feature).\n#[rustfmt::skip]\npub mod v3 {\n");
    for g in groups {
        let stem = naming::file_stem(g);
        let krate = part_crate(part_of(g)).replace('-', "_");
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    pub use ::{krate}::v3::{g};\n"
        ));
    }
    s.push_str("}\n");
    s.push_str("\n/// Every operation of the enabled features, by group.\npub fn operations() -> ::std::vec::Vec<&'static OperationInfo> {\n    #[allow(unused_mut)]\n    let mut all: ::std::vec::Vec<&'static OperationInfo> = ::std::vec::Vec::new();\n");
    for g in groups {
        let stem = naming::file_stem(g);
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    all.extend(v3::{g}::OPERATIONS.iter());\n"
        ));
    }
    s.push_str("    all\n}\n");
    s
}

const CORE_TOML: &str = r#"# @generated by `cargo xtask codegen` — do not edit
[package]
name = "wechatpay-core"
version = "0.1.0"
description = "Shared items of the generated WeChat Pay crates (use the `wechatpay` crate)"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
publish = false

[dependencies]
serde = "1"
serde_json = "1"
serde_path_to_error = { version = "0.1", optional = true }

[features]
roundtrip = ["dep:serde_path_to_error"]

[lints.rust]
unsafe_code = "forbid"
"#;

fn part_cargo_toml(part: usize, groups: &BTreeMap<String, usize>) -> String {
    let mut s = String::from("# @generated by `cargo xtask codegen` — do not edit\n");
    s.push_str(&format!(
        r#"[package]
name = "{}"
version = "0.1.0"
description = "Generated WeChat Pay API v3 operations, part of the `wechatpay` crate (use that crate)"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
publish = false

[dependencies]
wechatpay-core = {{ path = "../../core" }}
wechatpay-runtime = {{ path = "../../..", default-features = false }}
bytes = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"

[features]
roundtrip = ["wechatpay-core/roundtrip"]
"#,
        part_crate(part)
    ));
    for (g, n) in groups {
        s.push_str(&format!("# {n} operations\n{g} = []\n"));
    }
    s.push_str("\n[lints.rust]\nunsafe_code = \"forbid\"\n");
    s
}

/// The head of the facade crate's `lib.rs`.
const FACADE_RS: &str = r#"// @generated by `cargo xtask codegen` — do not edit
//! WeChat Pay API v3, generated from the documentation.
//!
//! Every operation lives in the module named after its URL path (see the README for the rule), with a
//! `Request` type, a `Response` type and an `async fn` named after the HTTP method. Each business group
//! (the first path segment after `/v3/`) is a Cargo feature; `full` enables them all. The operations are
//! compiled in several generated crates (`wechatpay-part-N`) so that they build in parallel; this crate
//! re-exports them.
#![forbid(unsafe_code)]

pub use wechatpay_core::{CheckError, CheckFn, OperationInfo, ParamValue};
pub use wechatpay_runtime as runtime;
pub use wechatpay_runtime::{Client, ClientBuilder, Error, Method, Request};

/// Typed notifications (feature `events`): [`events::decode`] verifies, decrypts and types an incoming
/// notification; [`events::Event`] has one variant per documented event type.
#[cfg(feature = "events")]
pub use wechatpay_events as events;
"#;

/// The head of each part crate's `lib.rs`.
const PART_RS: &str = r#"// @generated by `cargo xtask codegen` — do not edit
//! Generated WeChat Pay API v3 operations, one part of the `wechatpay` crate: use that crate.
#![forbid(unsafe_code)]
#![allow(
    clippy::new_without_default,
    clippy::doc_lazy_continuation,
    clippy::enum_variant_names,
    clippy::module_inception,
    clippy::wrong_self_convention,
    clippy::should_implement_trait
)]

/// The payload check of a type for the operation table (`None` without the feature `roundtrip`).
#[cfg(feature = "roundtrip")]
macro_rules! checker {
    ($t:ty) => {
        ::std::option::Option::Some(::wechatpay_core::check::<$t> as ::wechatpay_core::CheckFn)
    };
}

/// The payload check of a type for the operation table (`None` without the feature `roundtrip`).
#[cfg(not(feature = "roundtrip"))]
macro_rules! checker {
    ($t:ty) => {
        ::std::option::Option::None
    };
}

pub mod v3;
"#;

/// Business groups big enough to get a crate of their own (after the hashed parts, in this order):
/// `marketing` alone is ~38k generated lines, and sharing a crate with it made that crate's debug build
/// peak above 4 GiB.
pub const OWN_PART: &[&str] = &["marketing"];

/// Crates the other groups are spread over by hash.
pub const HASHED_PARTS: usize = 4;

/// How many crates the operations are spread over (rustc runs them in parallel; each peaks lower).
pub const PARTS: usize = HASHED_PARTS + OWN_PART.len();

/// The part crate of a business group: its own crate for the groups in [`OWN_PART`], else a stable
/// hash of its name, so that groups never move between crates when others are added or removed.
pub fn part_of(group: &str) -> usize {
    let stem = naming::file_stem(group);
    if let Some(i) = OWN_PART.iter().position(|g| *g == stem) {
        return HASHED_PARTS + i;
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in stem.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h as usize) % HASHED_PARTS
}

fn part_dir(part: usize) -> String {
    format!("parts/part-{}", part + 1)
}

fn part_crate(part: usize) -> String {
    format!("wechatpay-part-{}", part + 1)
}

/// The `OPERATIONS` table of one business group.
fn operations_table(
    group: &[String],
    ops: &[(Vec<String>, Operation)],
) -> proc_macro2::TokenStream {
    let entries = ops.iter().map(|(path, op)| {
        // The table sits in the group's module: the types are named from `self`, since prettyplease
        // prints the keyword `crate` in a macro's arguments with a space (`crate ::v3::…`).
        let (root, rel) = match path.strip_prefix(group) {
            Some(rel) => (quote!(self), rel),
            None => (quote!(crate), &path[..]),
        };
        let module: Vec<proc_macro2::Ident> = rel.iter().map(|s| rust::ident(s)).collect();
        let method_mod = rust::ident(op.method.lower());
        let method = op.method.as_str();
        let url = &op.path;
        let feature = naming::file_stem(&group[1]);
        let link = op.doc_links.first().cloned().unwrap_or_default();
        let deprecated = op.deprecated;
        let title = &op.title;
        let rust_path = format!(
            "wechatpay::{}::{}",
            path.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("::"),
            op.method.lower()
        );
        let req = if op.request_body.format == BodyFormat::Json {
            quote!(checker!(#root #(::#module)*::#method_mod::Body))
        } else {
            quote!(::std::option::Option::None)
        };
        let has_response = op.response.format == BodyFormat::Json
            && !(op.response.fields.is_empty() && op.response.variants.is_empty());
        let resp = if has_response {
            quote!(checker!(#root #(::#module)*::#method_mod::Response))
        } else {
            quote!(::std::option::Option::None)
        };
        let path_params: Vec<&str> = op.path_params.iter().map(|f| f.name.as_str()).collect();
        let query: Vec<&str> = op.query.iter().map(|f| f.name.as_str()).collect();
        let (encrypted_fields, encrypted_query) = rust::encrypted_paths(op);
        quote! {
            ::wechatpay_core::OperationInfo {
                method: #method,
                path_params: &[#(#path_params),*],
                query: &[#(#query),*],
                path: #url,
                feature: #feature,
                rust_path: #rust_path,
                title: #title,
                doc_link: #link,
                deprecated: #deprecated,
                check_request: #req,
                check_response: #resp,
                encrypted_fields: &[#(#encrypted_fields),*],
                encrypted_query: &[#(#encrypted_query),*],
            }
        }
    });
    let doc = format!(
        " The operations of feature `{}`.",
        naming::file_stem(&group[1])
    );
    quote! {
        #[doc = #doc]
        #[rustfmt::skip]
        pub static OPERATIONS: &[::wechatpay_core::OperationInfo] = &[#(#entries),*];
    }
}

const CORE_RS: &str = r#"// @generated by `cargo xtask codegen` — do not edit
//! Shared items of the generated WeChat Pay crates (parameter values, wire enums, the operation
//! table). Use the `wechatpay` crate, which re-exports what users need.
#![forbid(unsafe_code)]

/// Turns a parameter value into the text sent in a path segment, a query pair or a header.
pub trait ParamValue {
    /// The text form.
    fn to_param(&self) -> ::std::string::String;
}

impl ParamValue for ::std::string::String {
    fn to_param(&self) -> ::std::string::String {
        self.clone()
    }
}

impl ParamValue for i64 {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for ::serde_json::Number {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for ::serde_json::Value {
    fn to_param(&self) -> ::std::string::String {
        match self {
            ::serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// Lists are sent comma-separated.
impl<T: ParamValue> ParamValue for ::std::vec::Vec<T> {
    fn to_param(&self) -> ::std::string::String {
        self.iter()
            .map(ParamValue::to_param)
            .collect::<::std::vec::Vec<_>>()
            .join(",")
    }
}

/// Declares a string enum that keeps values it does not know (`Unknown`) and writes back the exact
/// wire string.
#[doc(hidden)]
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the SDK does not know; the wire string is kept as is.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::ParamValue for $name {
            fn to_param(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok(Self::from(s.as_str()))
            }
        }
    };
}

/// One operation of the API, as listed by `wechatpay::operations()`. The generated part crates build
/// these tables; user code only reads them.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// URL path template, e.g. `/v3/pay/transactions/id/{transaction_id}`.
    pub path: &'static str,
    /// Names of the path parameters (the `{name}`s of `path`).
    pub path_params: &'static [&'static str],
    /// Names of the query parameters.
    pub query: &'static [&'static str],
    /// The Cargo feature that enables it.
    pub feature: &'static str,
    /// The Rust function that sends it, e.g. `wechatpay::v3::pay::transactions::jsapi::post`.
    pub rust_path: &'static str,
    /// Title from the docs.
    pub title: &'static str,
    /// Link to the official documentation (may be empty).
    pub doc_link: &'static str,
    /// Marked deprecated or discarded in the docs.
    pub deprecated: bool,
    /// Checks a JSON value against the request body type; returns it re-serialised (`None` without
    /// the feature `roundtrip`, or when the operation has no JSON body).
    pub check_request: ::std::option::Option<CheckFn>,
    /// Checks a JSON value against the response type; returns it re-serialised (`None` without the
    /// feature `roundtrip`, or when the answer is not JSON).
    pub check_response: ::std::option::Option<CheckFn>,
    /// Sensitive request fields the generated function has the client encrypt for WeChat Pay
    /// (RSA-OAEP with its public key or platform certificate): JSON paths in the request body — for an
    /// upload, in its `meta` part — made of wire names joined by `.`, with `[]` after an array's name
    /// for "each element", e.g. `contact_info.contact_id_number` or `items[].id_card_number`. The
    /// caller gives plaintext.
    pub encrypted_fields: &'static [&'static str],
    /// Query parameters the client encrypts likewise (their wire names).
    pub encrypted_query: &'static [&'static str],
}

/// `Debug` stand-in for a sensitive value of a generated type (used by the generated `Debug` impls).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Redacted {
    /// A value is set: prints `<redacted>`.
    Set,
    /// An optional value is set: prints `Some(<redacted>)`.
    Some,
    /// An optional value is not set: prints `None`.
    None,
}

impl Redacted {
    /// The stand-in for an optional value.
    pub fn option<T>(value: &::std::option::Option<T>) -> Self {
        match value {
            ::std::option::Option::Some(_) => Redacted::Some,
            ::std::option::Option::None => Redacted::None,
        }
    }
}

impl ::std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(match self {
            Redacted::Set => "<redacted>",
            Redacted::Some => "Some(<redacted>)",
            Redacted::None => "None",
        })
    }
}

/// A payload check: the value re-serialised through the SDK type, or where and why it does not fit.
pub type CheckFn =
    fn(&::serde_json::Value) -> ::std::result::Result<::serde_json::Value, CheckError>;

/// Why a JSON value does not fit an SDK type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The serde path of the first mismatch, e.g. `amount.total`.
    pub path: ::std::string::String,
    /// What is wrong there.
    pub message: ::std::string::String,
}

impl ::std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// Checks `value` against `T` (used by the generated operation tables).
#[doc(hidden)]
#[cfg(feature = "roundtrip")]
pub fn check<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
    value: &::serde_json::Value,
) -> ::std::result::Result<::serde_json::Value, CheckError> {
    let typed: T = ::serde_path_to_error::deserialize(value).map_err(|e| CheckError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    ::serde_json::to_value(&typed).map_err(|e| CheckError {
        path: ::std::string::String::from("."),
        message: e.to_string(),
    })
}
"#;
