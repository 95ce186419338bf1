//! Rust tokens for one operation: a `pub mod <method>` with its types and a `pub async fn <method>`.

use super::types::{
    is_sensitive_request_field, sensitive_note, Dir, EnumDef, FieldDef, StructDef, Ty, TypeSet,
};
use crate::diag::Diagnostics;
use crate::naming;
use crate::spec::{BodyFormat, Encryption, Field, FieldType, Operation};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// `#[doc = "…"]` attributes, one per line, with text made safe for rustdoc.
pub fn doc_attrs(text: &str) -> TokenStream {
    attr_texts(text)
        .map(|line| quote!(#[doc = #line]))
        .collect()
}

/// `#![doc = "…"]` attributes (the doc of the module a generated file holds), one per line.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    attr_texts(text)
        .map(|line| quote!(#![doc = #line]))
        .collect()
}

/// The value of each doc attribute: a rustdoc-safe line with the customary leading space.
fn attr_texts(text: &str) -> impl Iterator<Item = String> {
    doc_lines(text).into_iter().map(|line| {
        if line.is_empty() {
            line
        } else {
            format!(" {line}")
        }
    })
}

/// Doc text as rustdoc-safe markdown lines: no leading indentation (which would start a code block),
/// brackets and angle brackets escaped (no broken links or HTML), bare URLs wrapped in `<…>`.
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| escape_doc(l.trim())).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// One line of doc text made rustdoc-safe. Outside code spans, Markdown characters are escaped, HTML
/// characters become entities and bare URLs are wrapped in `<…>`; a code span (a run of backticks up
/// to the next run of the same length) is copied as written, since Markdown reads no escapes or
/// entities inside it. A backtick run that closes nothing is escaped, so it cannot open a span that
/// swallows the following lines.
fn escape_doc(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if rest.starts_with('`') {
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let after = &rest[ticks..];
            match closing_backticks(after, ticks) {
                Some(end) => {
                    let span = ticks + end + ticks;
                    out.push_str(&rest[..span]);
                    rest = &rest[span..];
                }
                None => {
                    out.push_str(&"\\`".repeat(ticks));
                    rest = after;
                }
            }
            continue;
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || "<>\"'()（）`，。、；".contains(c))
                .unwrap_or(rest.len());
            out.push('<');
            out.push_str(&rest[..end]);
            out.push('>');
            rest = &rest[end..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '[' | ']' | '*' | '_' | '\\' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The byte offset in `text` of the first run of exactly `ticks` backticks (the end of a code span).
fn closing_backticks(text: &str, ticks: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b'`' {
            i += 1;
        }
        if i - start == ticks {
            return Some(start);
        }
    }
    None
}

/// An identifier token; `r#name` becomes a raw identifier.
pub(crate) fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

fn ty_tokens(t: &Ty) -> TokenStream {
    match t {
        Ty::String => quote!(::std::string::String),
        Ty::I64 => quote!(i64),
        Ty::Number => quote!(::serde_json::Number),
        Ty::Bool => quote!(bool),
        Ty::Value => quote!(::serde_json::Value),
        Ty::Vec(inner) => {
            let i = ty_tokens(inner);
            quote!(::std::vec::Vec<#i>)
        }
        Ty::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
    }
}

/// Whether values of this type can be read through `wechatpay_core::lenient` (a numeric string for an
/// integer, a number for a string id).
fn lenient_ty(t: &Ty) -> bool {
    match t {
        Ty::String | Ty::I64 | Ty::Number => true,
        Ty::Vec(inner) => lenient_ty(inner),
        Ty::Bool | Ty::Value | Ty::Named(_) => false,
    }
}

/// A field of a received type (a response or a notification resource): always optional, so an answer
/// without a field the docs call required still decodes (the docs' requirement stays in the doc);
/// scalars read leniently; absent values not written back by the `roundtrip` serialisation.
fn received_field_tokens(f: &FieldDef) -> TokenStream {
    let name = ident(&f.ident);
    let ty = ty_tokens(&f.ty);
    let mut text = f.doc.clone();
    if f.required {
        if !text.trim().is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(
            "Required in the docs; optional here so that an answer without it still decodes.",
        );
    }
    let doc = doc_attrs(&text);
    quote! {
        #doc
        pub #name: ::std::option::Option<#ty>,
    }
}

/// The name of a received type's catch-all member (`undocumented`, unless the docs took that name).
fn undocumented_ident(s: &StructDef) -> Ident {
    if s.fields.iter().any(|f| f.ident == "undocumented") {
        ident("undocumented_members")
    } else {
        ident("undocumented")
    }
}

/// The (de)serialisation of a received type: `wechatpay_core::received!` with each member's wire
/// name and how it is read (`lenient` scalars, `plain` otherwise).
fn received_impl_tokens(s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let members = s.fields.iter().map(|f| {
        let field = ident(&f.ident);
        let wire = &f.wire;
        let mode = if lenient_ty(&f.ty) {
            ident("lenient")
        } else {
            ident("plain")
        };
        quote!(#field = #wire #mode,)
    });
    let rest = undocumented_ident(s);
    quote! {
        ::wechatpay_core::received! { #name { #(#members)* } #rest }
    }
}

/// The catch-all member of a received type: members the docs do not list, kept as sent.
fn undocumented_tokens(s: &StructDef) -> TokenStream {
    let name = undocumented_ident(s);
    quote! {
        /// Members the docs do not list for this object, kept as sent.
        pub #name: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
    }
}

fn field_tokens(f: &FieldDef, serialize: bool, serde: bool) -> TokenStream {
    let name = ident(&f.ident);
    let ty = ty_tokens(&f.ty);
    let mut doc = doc_attrs(&f.doc);
    if f.encrypted == Some(Encryption::RsaPubkey) {
        if let Some(note) = sensitive_note(f.encryption_key) {
            let note = format!(" {note}");
            if !f.doc.trim().is_empty() {
                doc.extend(quote!(#[doc = ""]));
            }
            doc.extend(quote!(#[doc = #note]));
        }
    }
    let wire = &f.wire;
    let rename = if serde && naming::file_stem(&f.ident) != f.wire {
        quote!(#[serde(rename = #wire)])
    } else {
        quote!()
    };
    if f.required {
        quote!(#doc #rename pub #name: #ty,)
    } else {
        let skip = if serde && serialize {
            quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")])
        } else {
            quote!()
        };
        quote!(#doc #rename #skip pub #name: ::std::option::Option<#ty>,)
    }
}

/// The setter name of a field: its identifier, except where that would clash with `new`.
fn setter_name(f: &FieldDef) -> Ident {
    match f.ident.as_str() {
        "new" => format_ident!("with_new"),
        other => ident(other),
    }
}

/// Argument type and conversion for a constructor/setter parameter.
fn param(f: &FieldDef) -> (TokenStream, TokenStream) {
    let name = ident(&f.ident);
    match f.ty {
        Ty::String => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(#name.into()),
        ),
        _ => (ty_tokens(&f.ty), quote!(#name)),
    }
}

/// A struct with derives for its direction, plus `new` and setters when it is built by users.
pub fn struct_tokens(
    s: &StructDef,
    extra_fields: TokenStream,
    extra_new: &[(Ident, TokenStream)],
    serde: bool,
    taken: &std::collections::BTreeSet<String>,
) -> TokenStream {
    let name = ident(&s.name);
    let doc = doc_attrs(if s.doc.is_empty() { "" } else { &s.doc });
    // A type only received (a response, a notification resource) is read leniently and keeps what the
    // docs do not list; a type sent (or sent and received) stays strict.
    let received = serde && s.de && !s.ser;
    let mut fields: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|f| {
            if received {
                received_field_tokens(f)
            } else {
                field_tokens(f, s.ser, serde)
            }
        })
        .collect();
    if received {
        fields.push(undocumented_tokens(s));
    }
    // A received type's (de)serialisation is `received!`, not a derive.
    let received_impl = if received {
        received_impl_tokens(s)
    } else {
        quote!()
    };
    let derive_ser = if !serde || received {
        quote!()
    } else if s.ser {
        quote!(#[derive(::serde::Serialize)])
    } else {
        quote!(#[cfg_attr(feature = "roundtrip", derive(::serde::Serialize))])
    };
    let derive_de = if !serde || received {
        quote!()
    } else if s.de {
        quote!(#[derive(::serde::Deserialize)])
    } else {
        quote!(#[cfg_attr(feature = "roundtrip", derive(::serde::Deserialize))])
    };
    let builder = if s.ser {
        builder_tokens(s, extra_new, taken)
    } else {
        quote!()
    };
    // Plaintext meant to be encrypted never shows in `Debug`.
    let (derive_debug, debug_impl) = if s.fields.iter().any(FieldDef::sensitive) {
        (quote!(), debug_tokens(s, extra_new))
    } else {
        (quote!(::std::fmt::Debug,), quote!())
    };
    quote! {
        #doc
        #[derive(#derive_debug ::std::clone::Clone)]
        #derive_ser
        #derive_de
        #[non_exhaustive]
        pub struct #name {
            #extra_fields
            #(#fields)*
        }
        #received_impl
        #debug_impl
        #builder
    }
}

/// A `Debug` impl that prints sensitive fields as `<redacted>` (and whether an optional one is set).
fn debug_tokens(s: &StructDef, extra: &[(Ident, TokenStream)]) -> TokenStream {
    let name = ident(&s.name);
    let name_str = s.name.trim_start_matches("r#");
    let mut entries: Vec<TokenStream> = extra
        .iter()
        .map(|(n, _)| {
            let label = n.to_string();
            quote!(.field(#label, &self.#n))
        })
        .collect();
    for f in &s.fields {
        let fid = ident(&f.ident);
        let label = f.ident.trim_start_matches("r#");
        entries.push(if !f.sensitive() {
            quote!(.field(#label, &self.#fid))
        } else if f.required {
            quote!(.field(#label, &::wechatpay_core::Redacted::Set))
        } else {
            quote!(.field(#label, &::wechatpay_core::Redacted::option(&self.#fid)))
        });
    }
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name_str) #(#entries)* .finish()
            }
        }
    }
}

/// The fields of a request that the client encrypts: JSON paths in the body (for an upload, in the
/// `meta` part) and the names of query parameters, in document order.
pub fn encrypted_paths(op: &Operation) -> (Vec<String>, Vec<String>) {
    let mut body = Vec::new();
    match op.request_body.format {
        BodyFormat::Json => {
            collect_sensitive(&op.request_body.fields, "", &mut body);
            for v in &op.request_body.variants {
                collect_sensitive(v, "", &mut body);
            }
        }
        BodyFormat::Multipart => {
            // The JSON `meta` part: the part the runtime encrypts in (and signs).
            if let Some(meta) = upload_meta(&request_body_fields(op)) {
                collect_sensitive(&meta.fields, "", &mut body);
                for v in &meta.variants {
                    collect_sensitive(v, "", &mut body);
                }
            }
        }
        BodyFormat::Xml | BodyFormat::Binary | BodyFormat::Empty => {}
    }
    let query = op
        .query
        .iter()
        .filter(|f| is_sensitive_request_field(f.encrypted.as_ref(), f.encryption_key))
        .map(|f| f.name.clone())
        .collect();
    (body, query)
}

/// The top-level request body fields (alternative sets merged).
fn request_body_fields(op: &Operation) -> Vec<Field> {
    super::types::fields_or_variants(&op.request_body.fields, &op.request_body.variants)
}

/// The JSON `meta` part of an upload: a string carrying encoded fields.
fn upload_meta(body_fields: &[Field]) -> Option<&Field> {
    body_fields
        .iter()
        .find(|f| f.ty == FieldType::String && (f.encoded.is_some() || !f.fields.is_empty()))
}

/// Paths of sensitive fields below `fields`. Object members and array elements are followed; the
/// content of an encoded or encrypted string is not (the runtime could not reach into it).
fn collect_sensitive(fields: &[Field], prefix: &str, out: &mut Vec<String>) {
    for f in fields {
        let path = format!("{prefix}{}", f.name);
        if is_sensitive_request_field(f.encrypted.as_ref(), f.encryption_key) {
            let p = if f.ty == FieldType::Array {
                format!("{path}[]")
            } else {
                path.clone()
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        if f.ty == FieldType::String {
            continue;
        }
        let sub = if f.ty == FieldType::Array {
            format!("{path}[].")
        } else {
            format!("{path}.")
        };
        collect_sensitive(&f.fields, &sub, out);
        for v in &f.variants {
            collect_sensitive(v, &sub, out);
        }
    }
}

/// More required values than this and `new` takes them as a struct of named fields, so two values of
/// the same type cannot be swapped silently; up to this many stay positional.
pub const POSITIONAL_REQUIRED: usize = 3;

/// The name of the struct of required values of `name`: `Body` → `Required`, `X` → `XRequired`; made
/// unique against `taken` (the other types of the module).
pub fn required_struct_name(name: &str, taken: &std::collections::BTreeSet<String>) -> String {
    let base = if name == "Body" {
        "Required".to_string()
    } else {
        format!("{name}Required")
    };
    let mut candidate = base.clone();
    let mut i = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{i}");
        i += 1;
    }
    candidate
}

/// The name of the struct of required values that a struct built by users comes with, if it has one
/// (more than [`POSITIONAL_REQUIRED`] required values).
pub fn required_struct(
    s: &StructDef,
    taken: &std::collections::BTreeSet<String>,
) -> Option<String> {
    let required = s.fields.iter().filter(|f| f.required).count();
    (s.ser && required > POSITIONAL_REQUIRED).then(|| required_struct_name(&s.name, taken))
}

fn builder_tokens(
    s: &StructDef,
    extra_new: &[(Ident, TokenStream)],
    taken: &std::collections::BTreeSet<String>,
) -> TokenStream {
    let name = ident(&s.name);
    let required: Vec<&FieldDef> = s.fields.iter().filter(|f| f.required).collect();
    let named = required.len() > POSITIONAL_REQUIRED;
    let required_name = required_struct_name(&s.name, taken);
    let required_ident = ident(&required_name);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.ident);
        let (pty, conv) = param(f);
        if f.required && named {
            inits.push(quote!(#fname: required.#fname));
        } else if f.required {
            args.push(quote!(#fname: #pty));
            if matches!(f.ty, Ty::String) {
                inits.push(quote!(#fname: #conv));
            } else {
                inits.push(quote!(#fname));
            }
        } else {
            inits.push(quote!(#fname: ::std::option::Option::None));
            let setter = setter_name(f);
            let doc = format!(" Sets `{}`.", f.wire);
            setters.push(quote! {
                #[doc = #doc]
                pub fn #setter(mut self, #fname: #pty) -> Self {
                    self.#fname = ::std::option::Option::Some(#conv);
                    self
                }
            });
        }
    }
    // The struct of required values: plain public fields, so a struct literal names every value and
    // the compiler proves all are given.
    let required_struct = if named {
        args.push(quote!(required: #required_ident));
        let fields = required.iter().map(|f| {
            let fname = ident(&f.ident);
            let ty = ty_tokens(&f.ty);
            let doc = doc_attrs(&f.doc);
            quote!(#doc pub #fname: #ty,)
        });
        let doc = format!(
            " The required values of [`{}`], by name: `{}::new({} {{ … }})`.",
            s.name, s.name, required_name
        );
        // Plaintext meant to be encrypted never shows in `Debug`: no `Debug` then.
        let debug = if required.iter().any(|f| f.sensitive()) {
            quote!()
        } else {
            quote!(::std::fmt::Debug,)
        };
        quote! {
            #[doc = #doc]
            #[derive(#debug ::std::clone::Clone)]
            pub struct #required_ident {
                #(#fields)*
            }
        }
    } else {
        quote!()
    };
    // Extra values (the body, an upload's parts) come after the parameters.
    for (n, t) in extra_new {
        args.push(quote!(#n: #t));
        inits.push(quote!(#n));
    }
    let allow = if args.len() > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    let new_doc = if named {
        format!(
            " Creates the value from its required fields, named in [`{required_name}`]; optional ones are set with the methods below."
        )
    } else {
        " Creates the value from its required fields; optional ones are set with the methods below."
            .to_string()
    };
    quote! {
        #required_struct
        impl #name {
            #[doc = #new_doc]
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// A `wire_enum!` invocation.
pub fn enum_tokens(e: &EnumDef) -> TokenStream {
    let name = ident(&e.name);
    let doc = doc_attrs(&e.doc);
    let variants = e.variants.iter().map(|(v, wire)| {
        let v = ident(v);
        let d = format!(" `{wire}`");
        quote!(#[doc = #d] #v = #wire,)
    });
    quote! {
        ::wechatpay_core::wire_enum! {
            #doc
            #name { #(#variants)* }
        }
    }
}

/// Where a request field goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loc {
    Path,
    Query,
    Header,
}

/// The types of one operation before they are written (built twice: once for the business group's
/// shared `types` module, once for the operation's own module; both runs give the same names).
pub struct Built {
    /// Its types: the top-level ones (`Request` fields, `Body`, `Meta`, `Response`) and the nested ones.
    pub types: TypeSet,
    params: Vec<(Loc, Field)>,
    param_defs: Vec<FieldDef>,
    has_json: bool,
    /// A media upload: its `meta` part and its file part, as far as the docs name them.
    upload: Option<(Option<Field>, Option<Field>)>,
    response_fields: Vec<Field>,
}

/// The names of an operation module's own structs, never shared.
pub const TOP_LEVEL: [&str; 4] = ["Request", "Body", "Response", "Meta"];

impl Built {
    /// The module's type names, which a struct of required values must not take.
    pub fn taken(&self) -> std::collections::BTreeSet<String> {
        TOP_LEVEL
            .iter()
            .map(|s| s.to_string())
            .chain(self.types.structs.iter().map(|s| s.name.clone()))
            .chain(self.types.enums.iter().map(|e| e.name.clone()))
            .collect()
    }
}

/// Builds the types of one operation. What the page says but cannot be emitted as said is reported to
/// `diags`.
pub fn build(op: &Operation, diags: &mut Diagnostics) -> Built {
    let mut types = TypeSet::new(&TOP_LEVEL);

    // Path, query and header parameters live on `Request`; the JSON body is `Request::body`.
    let mut params: Vec<(Loc, Field)> = Vec::new();
    params.extend(op.path_params.iter().cloned().map(|f| {
        (
            Loc::Path,
            Field {
                required: true,
                ..f
            },
        )
    }));
    params.extend(op.query.iter().cloned().map(|f| (Loc::Query, f)));
    params.extend(
        op.headers
            .iter()
            .filter(|h| !h.name.eq_ignore_ascii_case("Wechatpay-Serial"))
            .cloned()
            .map(|f| (Loc::Header, f)),
    );
    let param_fields: Vec<Field> = params.iter().map(|(_, f)| f.clone()).collect();
    let mut param_defs = types.field_defs(&param_fields, "Request", Dir::Request);
    // The runtime encrypts body fields and query values only: a sensitive path or header parameter is
    // sent as given, with a warning in its doc.
    for ((loc, f), d) in params.iter().zip(&mut param_defs) {
        if d.sensitive() && *loc != Loc::Query {
            diags.warn(
                f.line,
                "emit-sensitive-param",
                format!(
                    "`{} {}`: sensitive {:?} is a path or header parameter, which the runtime cannot \
                     encrypt; it is sent as given",
                    op.method, op.path, f.name
                ),
            );
            d.encrypted = None;
            d.encryption_key = None;
            d.doc.push_str(
                "\n\nWarning: the docs mark this value as encrypted with the WeChat Pay public key, but the \
                 client encrypts body fields and query values only: it is sent as given.",
            );
        }
    }
    let has_json = op.request_body.format == BodyFormat::Json;
    if has_json {
        for d in &mut param_defs {
            if d.ident == "body" {
                d.ident = "body_param".into();
            }
        }
    }
    let body_fields = request_body_fields(op);
    if has_json {
        types.top_struct("Body", "The JSON request body.", &body_fields, Dir::Request);
    }
    // A media upload: a JSON `meta` part (signed) and one file part.
    let upload = (op.request_body.format == BodyFormat::Multipart).then(|| {
        let meta = upload_meta(&body_fields);
        let file = body_fields.iter().find(|f| f.ty != FieldType::String);
        if meta.is_none() || file.is_none() {
            diags.warn(
                0,
                "emit-upload-shape",
                format!(
                    "upload `{} {}`: the docs name no {} part; the request takes {} and a file sent \
                     as parts `{}` and `{}`",
                    op.method,
                    op.path,
                    if meta.is_none() { "meta" } else { "file" },
                    if meta.is_none() { "an untyped JSON meta" } else { "the typed meta" },
                    meta.map_or("meta", |m| m.name.as_str()),
                    file.map_or("file", |f| f.name.as_str()),
                ),
            );
        }
        (meta.cloned(), file.cloned())
    });
    if let Some((Some(meta), _)) = &upload {
        types.top_struct(
            "Meta",
            "The JSON `meta` part of the upload: the part that is signed.",
            &meta.fields,
            Dir::Request,
        );
    }
    let response_fields =
        super::types::fields_or_variants(&op.response.fields, &op.response.variants);
    if op.response.format == BodyFormat::Json && !response_fields.is_empty() {
        types.top_struct(
            "Response",
            "The JSON response body.",
            &response_fields,
            Dir::Response,
        );
    }
    Built {
        types,
        params,
        param_defs,
        has_json,
        upload,
        response_fields,
    }
}

/// Where an operation's nested types are defined: `path` (e.g. `crate::v3::pay::types`, the business
/// group's shared module) and, for each local name, the name there (`Amount` → `Amount`,
/// `Amount` → `JsapiAmount`, `AmountRequired` → `JsapiAmountRequired`).
#[derive(Debug, Default, Clone)]
pub struct Reexports {
    pub path: Vec<String>,
    pub names: std::collections::BTreeMap<String, String>,
}

/// Everything emitted for one operation: `pub mod <name>` with its types and `pub async fn <name>`
/// (`name` is the lower-case method unless the module already has that name). Nested types named in
/// `shared` are re-exported from there instead of defined here. What the page says but cannot be
/// emitted as said is reported to `diags` (the page's diagnostics) and emitted in a way that compiles.
pub fn operation_tokens(
    op: &Operation,
    feature_doc: &str,
    name: &str,
    shared: &Reexports,
    diags: &mut Diagnostics,
) -> TokenStream {
    let method_ident = ident(name);
    let built = build(op, diags);
    let taken = built.taken();
    let Built {
        types,
        params,
        param_defs,
        has_json,
        upload,
        response_fields,
    } = built;
    let mut items = Vec::new();
    let response_ty = match op.response.format {
        BodyFormat::Json if !response_fields.is_empty() => quote!(#method_ident::Response),
        BodyFormat::Binary => quote!(::bytes::Bytes),
        BodyFormat::Json | BodyFormat::Xml | BodyFormat::Multipart | BodyFormat::Empty => {
            quote!(())
        }
    };

    // The Request struct.
    let body_field = if has_json {
        quote!(#[doc = " The JSON body."] pub body: Body,)
    } else {
        quote!()
    };
    let mut extra_new: Vec<(Ident, TokenStream)> = if has_json {
        vec![(format_ident!("body"), quote!(Body))]
    } else {
        vec![]
    };
    let body_field = match &upload {
        Some((meta, _)) => {
            // Without a documented meta part, the meta is untyped JSON.
            let meta_ty = if meta.is_some() {
                quote!(Meta)
            } else {
                quote!(::serde_json::Value)
            };
            extra_new.push((format_ident!("meta"), meta_ty.clone()));
            extra_new.push((format_ident!("file_name"), quote!(::std::string::String)));
            extra_new.push((
                format_ident!("file_content_type"),
                quote!(::std::string::String),
            ));
            extra_new.push((format_ident!("file"), quote!(::bytes::Bytes)));
            quote! {
                #[doc = " The JSON `meta` part (signed)."]
                pub meta: #meta_ty,
                #[doc = " The file name sent with the file part."]
                pub file_name: ::std::string::String,
                #[doc = " The content type of the file part, e.g. `image/png`."]
                pub file_content_type: ::std::string::String,
                #[doc = " The file content."]
                pub file: ::bytes::Bytes,
            }
        }
        None => body_field,
    };
    let request = StructDef {
        name: "Request".into(),
        doc: "Parameters of the call: path, query and header values, and the JSON body (or, for an upload, the meta part and the file).".into(),
        fields: param_defs.clone(),
        ser: true,
        de: false,
    };
    // `Request` itself is never serialised: its fields go to the URL and headers, its body to JSON.
    items.push(struct_tokens(
        &request, body_field, &extra_new, false, &taken,
    ));
    let mut uses = Vec::new();
    for s in &types.structs {
        if TOP_LEVEL.contains(&s.name.as_str()) || !shared.names.contains_key(&s.name) {
            items.push(struct_tokens(s, quote!(), &[], true, &taken));
        } else {
            uses.push(s.name.clone());
            if let Some(required) = required_struct(s, &taken) {
                uses.push(required);
            }
        }
    }
    for e in &types.enums {
        if shared.names.contains_key(&e.name) {
            uses.push(e.name.clone());
        } else {
            items.push(enum_tokens(e));
        }
    }
    if !uses.is_empty() {
        let path = shared.path.iter().map(|p| ident(p));
        let names = uses.iter().map(|local| {
            let there = ident(
                shared
                    .names
                    .get(local)
                    .map_or(local.as_str(), String::as_str),
            );
            let here = ident(local);
            if there == here {
                quote!(#here)
            } else {
                quote!(#there as #here)
            }
        });
        items.insert(0, quote!(pub use #(#path)::* ::{ #(#names),* };));
    }

    // The endpoint function.
    let http_method = format_ident!("{}", op.method.as_str());
    let path = &op.path;
    let mut steps = Vec::new();
    for ((loc, f), d) in params.iter().zip(&param_defs) {
        let fid = ident(&d.ident);
        let wire = &f.name;
        let call = match loc {
            Loc::Path => quote!(path_param),
            Loc::Query if d.sensitive() => quote!(encrypted_query),
            Loc::Query => quote!(query),
            Loc::Header => quote!(header),
        };
        steps.push(if d.required {
            quote!(let request = request.#call(#wire, ::wechatpay_core::ParamValue::to_param(&req.#fid));)
        } else {
            quote! {
                let request = match &req.#fid {
                    ::std::option::Option::Some(v) => request.#call(#wire, ::wechatpay_core::ParamValue::to_param(v)),
                    ::std::option::Option::None => request,
                };
            }
        });
    }
    if let Some(base) = &op.base_uri {
        steps.push(quote!(let request = request.base_url(#base);));
    }
    if op.response.format == BodyFormat::Binary {
        steps.push(quote!(let request = request.unsigned_download();));
    }
    if has_json {
        steps.push(quote!(let request = request.json(&req.body)?;));
    } else if let Some((meta, file)) = &upload {
        let meta_wire = meta.as_ref().map_or("meta", |m| m.name.as_str());
        let file_wire = file.as_ref().map_or("file", |f| f.name.as_str());
        steps.push(quote! {
            let meta = ::serde_json::to_vec(&req.meta)
                .map_err(|e| ::wechatpay_runtime::InvalidRequestError::with_source(
                    ::wechatpay_runtime::InvalidRequestKind::Upload, "cannot serialize the upload's meta part", e,
                ))?;
            let request = request.multipart(
                #meta_wire, meta, #file_wire, req.file_name.clone(), req.file_content_type.clone(), req.file.clone(),
            )?;
        });
    } else if params.is_empty() {
        steps.push(quote!(let _ = req;));
    }
    let (encrypted_body, _) = encrypted_paths(op);
    if !encrypted_body.is_empty() {
        steps.push(quote!(let request = request.encrypt_fields(&[#(#encrypted_body),*]);));
    }
    let send = match op.response.format {
        BodyFormat::Binary => quote!(client.send_bytes(request).await),
        BodyFormat::Json if !response_fields.is_empty() => quote!(client.send(request).await),
        BodyFormat::Json | BodyFormat::Xml | BodyFormat::Multipart | BodyFormat::Empty => {
            quote!(client.send_empty(request).await)
        }
    };
    let fn_doc = doc_attrs(&fn_doc_text(op, feature_doc));
    let deprecated = if op.deprecated {
        quote!(#[deprecated(note = "marked deprecated or discarded in the WeChat Pay docs")])
    } else {
        quote!()
    };
    let mod_doc = doc_attrs(&format!("Types of `{} {}`.", op.method, op.path));
    let new_request = quote!(let request = ::wechatpay_runtime::Request::new(::wechatpay_runtime::Method::#http_method, #path););
    // A file download also gets a request builder, so the file can be streamed with
    // `Client::download` / `download_to_path` instead of buffered by `send_bytes`.
    let (body, request_fn) = if op.response.format == BodyFormat::Binary {
        let request_fn = format_ident!("{}_request", method_ident);
        // Written here, not taken from the docs: no Markdown escaping.
        let doc = [
            format!(" The signed request of [`{method_ident}()`], to stream the file in constant memory with"),
            " [`Client::download`](wechatpay_runtime::Client::download) or".to_string(),
            " [`Client::download_to_path`](wechatpay_runtime::Client::download_to_path) (hash check, gzip)."
                .to_string(),
        ];
        let doc = quote!(#(#[doc = #doc])*);
        let body = quote!(client.send_bytes(#request_fn(req)?).await);
        let request_fn = quote! {
            #doc
            #deprecated
            #[rustfmt::skip]
            pub fn #request_fn(
                req: &#method_ident::Request,
            ) -> ::std::result::Result<::wechatpay_runtime::Request, ::wechatpay_runtime::Error> {
                #new_request
                #(#steps)*
                ::std::result::Result::Ok(request)
            }
        };
        (body, request_fn)
    } else {
        (quote!(#new_request #(#steps)* #send), quote!())
    };
    quote! {
        #mod_doc
        #[rustfmt::skip]
        pub mod #method_ident {
            #(#items)*
        }

        #fn_doc
        #deprecated
        #[rustfmt::skip]
        pub async fn #method_ident(
            client: &::wechatpay_runtime::Client,
            req: &#method_ident::Request,
        ) -> ::std::result::Result<#response_ty, ::wechatpay_runtime::Error> {
            #body
        }

        #request_fn
    }
}

fn fn_doc_text(op: &Operation, feature: &str) -> String {
    let mut doc = op.title.clone();
    if !op.description.is_empty() && op.description != op.title {
        doc.push_str("\n\n");
        doc.push_str(&op.description);
    }
    doc.push_str(&format!("\n\nSends `{} {}`", op.method, op.path));
    if let Some(b) = &op.base_uri {
        doc.push_str(&format!(" to `{b}`"));
    }
    doc.push_str(&format!(". Feature `{feature}`."));
    for link in &op.doc_links {
        doc.push_str(&format!("\n\nOfficial documentation: {link}"));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::{doc_lines, escape_doc, required_struct_name};

    #[test]
    fn required_struct_names_follow_the_rule_and_avoid_taken_names() {
        let none = Default::default();
        assert_eq!(required_struct_name("Body", &none), "Required");
        assert_eq!(
            required_struct_name("Receivers", &none),
            "ReceiversRequired"
        );
        let taken = ["Required".to_string(), "Required2".to_string()].into();
        assert_eq!(required_struct_name("Body", &taken), "Required3");
    }

    #[test]
    fn markdown_is_escaped_outside_code_spans() {
        assert_eq!(escape_doc("a_b [x] *y* #1 |"), r"a\_b \[x\] \*y\* \#1 \|");
        assert_eq!(escape_doc("a<b> & c"), "a&lt;b&gt; &amp; c");
        assert_eq!(escape_doc(r"back\slash"), r"back\\slash");
    }

    #[test]
    fn code_spans_are_copied_as_written() {
        assert_eq!(
            escape_doc("按`{transaction_id}`查询"),
            "按`{transaction_id}`查询"
        );
        assert_eq!(
            escape_doc("`a_b` and c_d and `e|f<g>&[h]*`"),
            r"`a_b` and c\_d and `e|f<g>&[h]*`"
        );
        assert_eq!(escape_doc("``a`b_c``_d"), r"``a`b_c``\_d");
        assert_eq!(
            escape_doc("`https://example.com/a_b`"),
            "`https://example.com/a_b`",
            "a URL in a code span is not wrapped"
        );
        assert_eq!(
            escape_doc("``"),
            r"\`\`",
            "an empty run of two closes nothing"
        );
    }

    #[test]
    fn unbalanced_backticks_are_escaped() {
        assert_eq!(escape_doc("a ` b_c"), r"a \` b\_c");
        assert_eq!(escape_doc("`x_y` then ` z_w"), r"`x_y` then \` z\_w");
        assert_eq!(
            escape_doc("``a_b` c"),
            r"\`\`a\_b\` c",
            "a run of two is not closed by a single backtick"
        );
        assert_eq!(escape_doc("a`"), r"a\`");
        assert_eq!(escape_doc("中文`"), r"中文\`");
    }

    #[test]
    fn lines_are_escaped_one_by_one() {
        assert_eq!(
            doc_lines("  `a_b\nc_d`  \n\n"),
            [r"\`a\_b", r"c\_d\`"],
            "a span does not run across lines"
        );
        assert_eq!(doc_lines("see https://x.y/a_b"), ["see <https://x.y/a_b>"]);
    }
}
