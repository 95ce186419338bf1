//! The notification crate (`generated/events`, package `wechatpay-events`): one module per documented
//! APIv3 event type with the decrypted `resource` as a `Resource` struct, and the `Event` enum keyed by
//! `event_type` with an `Unknown` variant that keeps the raw decrypted JSON.

use super::rust::{enum_tokens, ident, inner_doc_attrs, struct_tokens};
use super::types::{fields_or_variants, Dir, TypeSet};
use super::Files;
use crate::diag::{Diagnostic, Severity};
use crate::naming;
use crate::spec::{Api, Notification, Page};
use quote::quote;
use std::collections::BTreeMap;

/// One notification page: its decrypted resource becomes `<module>::Resource`. Every page keeps its own
/// type, even when its event types are documented on other pages too.
struct PageEvent {
    /// Module name from the page's file name, e.g. `transaction_success`.
    module: String,
    /// Variant name of the page inside a shared event type's enum, e.g. `TransactionSuccess`.
    variant: String,
    /// The event types the page lists (the first one names the module's docs).
    event_types: Vec<String>,
    /// `resource.original_type` values the page documents (empty when it documents none).
    original_types: Vec<String>,
    notification: Notification,
    /// The page, e.g. `webhook/v3/TRANSACTION.SUCCESS.md`.
    source: String,
    /// The spec file it comes from.
    spec_file: String,
}

/// One `event_type` value and the pages that document it.
struct EventType {
    wire: String,
    /// Variant of [`Event`](generated) and, when shared, name of its enum in `shared`.
    variant: String,
    /// Indexes into the page list, in page order.
    pages: Vec<usize>,
}

/// The module name of an event type or page stem: `MCHTRANSFER.BILL.FINISHED` → `mchtransfer_bill_finished`.
pub fn module_name(event_type: &str) -> String {
    naming::snake(&event_type.to_ascii_lowercase())
}

/// The variant name of an event type: `MCHTRANSFER.BILL.FINISHED` → `MchtransferBillFinished`.
pub fn variant_name(event_type: &str) -> String {
    naming::camel(&event_type.to_ascii_lowercase())
}

/// The documented values of `resource.original_type` in a notification envelope.
fn original_types(n: &Notification) -> Vec<String> {
    let resource = n.envelope.fields.iter().find(|f| f.name == "resource");
    let Some(ot) = resource.and_then(|r| r.fields.iter().find(|f| f.name == "original_type"))
    else {
        return Vec::new();
    };
    match (&ot.enum_values, &ot.constant) {
        (Some(values), _) => values.clone(),
        (None, Some(c)) => vec![c.clone()],
        (None, None) => Vec::new(),
    }
}

/// Makes `name` unique among `taken` by appending `_2`, `_3`, … (or `2`, `3`, … for type names).
fn unique(name: String, taken: &mut std::collections::BTreeSet<String>, sep: &str) -> String {
    let mut candidate = name.clone();
    let mut i = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}{sep}{i}");
        i += 1;
    }
    candidate
}

/// The files of the events crate (its manifest is written by [`super::manifest`]), and how many event
/// types it has. Never fails on page content: a
/// module or variant name clash, or an event type documented on several pages, is a diagnostic with a
/// deterministic result.
pub fn files(pages: &[Page], diags: &mut Vec<Diagnostic>) -> (Files, usize) {
    let mut list: Vec<PageEvent> = Vec::new();
    let mut modules = std::collections::BTreeSet::new();
    let mut page_variants = std::collections::BTreeSet::new();
    for page in pages {
        let v3: Vec<&Notification> = page
            .notifications
            .iter()
            .filter(|n| n.api == Api::V3)
            .collect();
        for (i, n) in v3.iter().enumerate() {
            if n.event_types.is_empty() {
                continue;
            }
            let stem = page
                .source
                .rsplit('/')
                .next()
                .unwrap_or(&page.source)
                .trim_end_matches(".md");
            let stem = if v3.len() > 1 {
                format!("{stem}_{}", i + 1)
            } else {
                stem.to_string()
            };
            let wanted = module_name(&stem);
            let module = unique(wanted.clone(), &mut modules, "_");
            if module != wanted {
                diags.push(emit_diag(
                    &page.source,
                    "event-module-clash",
                    format!("module `{wanted}` is taken by another notification page; this page's types are in `{module}`"),
                ));
            }
            let variant = unique(variant_name(&stem), &mut page_variants, "");
            list.push(PageEvent {
                module,
                variant,
                event_types: n.event_types.clone(),
                original_types: original_types(n),
                notification: (*n).clone(),
                source: page.source.clone(),
                spec_file: format!("spec/{}", crate::corpus::spec_file(&page.source)),
            });
        }
    }
    let mut by_wire: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in list.iter().enumerate() {
        for wire in &p.event_types {
            let pages = by_wire.entry(wire.clone()).or_default();
            if !pages.contains(&i) {
                pages.push(i);
            }
        }
    }
    let mut variants = std::collections::BTreeSet::new();
    let mut events = Vec::new();
    for (wire, idx) in by_wire {
        let wanted = variant_name(&wire);
        let variant = unique(wanted.clone(), &mut variants, "");
        let first = &list[idx[0]].source;
        if variant != wanted {
            diags.push(emit_diag(
                first,
                "event-variant-clash",
                format!("event type `{wire}` maps to the variant name `{wanted}` of another event type; typed as `Event::{variant}`"),
            ));
        }
        if idx.len() > 1 {
            let names: Vec<&str> = idx.iter().map(|&i| list[i].source.as_str()).collect();
            diags.push(emit_diag(
                first,
                "shared-event-type",
                format!(
                    "event type `{wire}` is documented on {} pages ({}); typed as `Event::{variant}(shared::{variant})` with one variant per page, chosen by `resource.original_type`",
                    idx.len(),
                    names.join(", ")
                ),
            ));
        }
        events.push(EventType {
            wire,
            variant,
            pages: idx,
        });
    }
    let mut files = Files::new();
    for (p, src) in list.iter().zip(crate::par::map(&list, module_source)) {
        match src {
            Ok(src) => {
                files.insert(format!("events/src/{}.rs", p.module), src);
            }
            Err(e) => diags.push(emit_diag(&p.source, "emit-internal", e)),
        }
    }
    match lib_source(&list, &events) {
        Ok(src) => {
            files.insert("events/src/lib.rs".into(), src);
        }
        Err(e) => diags.push(emit_diag("webhook/v3", "emit-internal", e)),
    }
    (files, events.len())
}

fn emit_diag(file: &str, class: &'static str, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 0,
        severity: Severity::Warning,
        class: class.into(),
        message,
    }
}

/// The `resource.original_type` values documented by the pages of an event type, sorted, once each.
fn documented_values<'a>(list: &'a [PageEvent], e: &EventType) -> Vec<&'a String> {
    let mut values: Vec<&String> = e
        .pages
        .iter()
        .flat_map(|&i| list[i].original_types.iter())
        .collect();
    values.sort();
    values.dedup();
    values
}

/// The page chosen for `event_type` = `wire` when the notification's `resource.original_type` is
/// `original_type` (`None`: absent or not documented by any candidate). Candidates that document the
/// value (or document none) qualify; among them the page named after the event type wins, then the page
/// documenting the fewest `original_type` values (the most specific), then page order.
fn choose(list: &[PageEvent], e: &EventType, original_type: Option<&str>) -> usize {
    let qualifies = |i: &usize| match original_type {
        Some(v) => {
            let ots = &list[*i].original_types;
            ots.is_empty() || ots.iter().any(|o| o == v)
        }
        None => true,
    };
    let mut candidates: Vec<usize> = e.pages.iter().copied().filter(qualifies).collect();
    if candidates.is_empty() {
        candidates = e.pages.clone();
    }
    candidates.sort_by_key(|&i| {
        let p = &list[i];
        let named_after =
            p.event_types.first() == Some(&e.wire) || module_name(&e.wire) == p.module;
        (!named_after, p.original_types.len().max(1), i)
    });
    candidates[0]
}

/// `` `A` `` for one event type, `` `A` or `B` `` for several.
fn wires_text(wires: &[String], joiner: &str) -> String {
    wires
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(joiner)
}

fn module_source(e: &PageEvent) -> Result<String, String> {
    let n = &e.notification;
    let mut doc = format!("{} — {}", wires_text(&e.event_types, ", "), n.title);
    if !n.description.is_empty() && n.description != n.title {
        doc.push_str("\n\n");
        doc.push_str(&n.description);
    }
    if n.deprecated {
        doc.push_str("\n\nMarked deprecated or discarded in the docs.");
    }
    if !n.doc_links.is_empty() {
        doc.push_str("\n\nOfficial documentation:\n");
        for link in &n.doc_links {
            doc.push_str(&format!("\n- {link}"));
        }
    }
    let fields = fields_or_variants(&n.resource, &n.resource_variants);
    let mut types = TypeSet::new(&["Resource"]);
    let resource_doc = format!(
        "The decrypted `resource` of a {} notification{}.",
        wires_text(&e.event_types, " or "),
        n.encrypted_field
            .as_deref()
            .map(|f| format!(" (the plaintext of `{f}`)"))
            .unwrap_or_default()
    );
    types.top_struct("Resource", &resource_doc, &fields, Dir::Response);
    let mut items = Vec::new();
    for s in &types.structs {
        items.push(struct_tokens(s, quote!(), &[], true, &Default::default()));
    }
    for en in &types.enums {
        items.push(enum_tokens(en));
    }
    let inner = inner_doc_attrs(&doc);
    let tokens = quote!(#inner #(#items)*);
    let file: syn::File = syn::parse2(tokens).map_err(|err| {
        format!(
            "generated code for the notification page `{}` does not parse: {err}",
            e.source
        )
    })?;
    Ok(format!(
        "// @generated by `cargo xtask codegen` from {} — do not edit\n{}",
        e.spec_file,
        prettyplease::unparse(&file)
    ))
}

fn lib_source(list: &[PageEvent], events: &[EventType]) -> Result<String, String> {
    let mods = list.iter().map(|p| {
        let m = ident(&p.module);
        let d = format!(
            " {} — {}",
            wires_text(&p.event_types, ", "),
            p.notification.title
        );
        quote!(#[doc = #d] #[rustfmt::skip] pub mod #m;)
    });
    let resource_ty = |i: usize| {
        let m = ident(&list[i].module);
        quote!(::std::boxed::Box<#m::Resource>)
    };
    let variants = events.iter().map(|e| {
        let v = ident(&e.variant);
        if let [only] = e.pages[..] {
            let d = format!(" `{}` — {}", e.wire, list[only].notification.title);
            let ty = resource_ty(only);
            quote!(#[doc = #d] #v(#ty),)
        } else {
            let d = format!(
                " `{}` — documented on {} pages: [`shared::{}`] has a variant for each.",
                e.wire,
                e.pages.len(),
                e.variant
            );
            quote!(#[doc = #d] #v(shared::#v),)
        }
    });
    let shared_enums = events.iter().filter(|e| e.pages.len() > 1).map(|e| {
        let v = ident(&e.variant);
        let default = choose(list, e, None);
        let values = documented_values(list, e);
        let mut rule = format!(
            " `{}`, documented on several pages; each page's resource is a variant.\n\n `Event::from_notification` chooses by the notification's `resource.original_type`:",
            e.wire
        );
        for val in &values {
            let pick = choose(list, e, Some(val));
            rule.push_str(&format!("\n - `{val}` → [`{}::{}`]({}::{}),", e.variant, list[pick].variant, e.variant, list[pick].variant));
        }
        rule.push_str(&format!(
            "\n - otherwise → [`{}::{}`]({}::{}).\n\n Among the pages that document the value, the page named after the event type wins, then the one documenting the fewest values, then page order. Undocumented members are kept in each resource's `undocumented` map, and [`Notification::resource_json`](::wechatpay_runtime::Notification::resource_json) gives the exact plaintext to decode as another variant.",
            e.variant, list[default].variant, e.variant, list[default].variant
        ));
        let page_variants = e.pages.iter().map(|&i| {
            let pv = ident(&list[i].variant);
            let ty = resource_ty(i);
            let m = ident(&list[i].module);
            let d = format!(" As documented on `{}` ([`{}`](super::{})).", list[i].source, list[i].module, m);
            quote!(#[doc = #d] #pv(#ty),)
        });
        let source_arms = e.pages.iter().map(|&i| {
            let pv = ident(&list[i].variant);
            let src = &list[i].source;
            quote!(Self::#pv(_) => #src,)
        });
        let debug_arms = e.pages.iter().map(|&i| {
            let pv = ident(&list[i].variant);
            let name = &list[i].variant;
            quote!(Self::#pv(_) => f.debug_tuple(#name).field(&REDACTED).finish(),)
        });
        let resource_ty = e.pages.iter().map(|&i| resource_ty(i));
        let _ = resource_ty;
        quote! {
            #[doc = #rule]
            #[derive(::std::clone::Clone)]
            #[non_exhaustive]
            #[rustfmt::skip]
            pub enum #v {
                #(#page_variants)*
            }

            #[rustfmt::skip]
            impl #v {
                /// The documentation page whose resource type this is.
                pub fn page(&self) -> &'static str {
                    match self {
                        #(#source_arms)*
                    }
                }
            }

            #[rustfmt::skip]
            impl ::std::fmt::Debug for #v {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        #(#debug_arms)*
                    }
                }
            }
        }
    });
    let shared_enums: Vec<proc_macro2::TokenStream> = shared_enums.collect();
    let shared_mod = quote! {
        /// Event types documented on several pages: one enum each, with a variant per page (empty when
        /// every event type has one page).
        #[allow(unused_imports)]
        pub mod shared {
            use super::*;
            use crate::REDACTED;
            #(#shared_enums)*
        }
    };
    let page_arms = events.iter().map(|e| {
        let v = ident(&e.variant);
        if let [only] = e.pages[..] {
            let src = &list[only].source;
            quote!(Self::#v(_) => ::std::option::Option::Some(#src),)
        } else {
            quote!(Self::#v(shared) => ::std::option::Option::Some(shared.page()),)
        }
    });
    let wire_arms = events.iter().map(|e| {
        let v = ident(&e.variant);
        let w = &e.wire;
        quote!(Self::#v(_) => #w,)
    });
    let decode_arms = events.iter().map(|e| {
        let v = ident(&e.variant);
        let w = &e.wire;
        if e.pages.len() == 1 {
            return quote!(#w => Self::#v(::std::boxed::Box::new(notification.resource()?)),);
        }
        let default = choose(list, e, None);
        let values = documented_values(list, e);
        let arms: Vec<proc_macro2::TokenStream> = values.into_iter().filter_map(|val| {
            let pick = choose(list, e, Some(val));
            (pick != default).then(|| {
                let pv = ident(&list[pick].variant);
                quote!(::std::option::Option::Some(#val) => shared::#v::#pv(::std::boxed::Box::new(notification.resource()?)),)
            })
        }).collect();
        let dv = ident(&list[default].variant);
        if arms.is_empty() {
            return quote!(#w => Self::#v(shared::#v::#dv(::std::boxed::Box::new(notification.resource()?))),);
        }
        quote! {
            #w => Self::#v(match notification.original_type.as_deref() {
                #(#arms)*
                _ => shared::#v::#dv(::std::boxed::Box::new(notification.resource()?)),
            }),
        }
    });
    let resource_arms = events.iter().map(|e| {
        let v = ident(&e.variant);
        if e.pages.len() == 1 {
            return quote!(Self::#v(r) => ::serde_json::to_value(r),);
        }
        let inner = e.pages.iter().map(|&i| {
            let pv = ident(&list[i].variant);
            quote!(shared::#v::#pv(r) => ::serde_json::to_value(r),)
        });
        quote!(Self::#v(shared) => match shared { #(#inner)* },)
    });
    let wires: Vec<&String> = events.iter().map(|e| &e.wire).collect();
    let count = wires.len();
    let tokens = quote! {
        #(#mods)*

        #shared_mod

        /// What `Debug` prints instead of decrypted values.
        struct Redacted;

        impl ::std::fmt::Debug for Redacted {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("<redacted>")
            }
        }

        #[allow(dead_code)]
        const REDACTED: Redacted = Redacted;

        /// A verified, decrypted notification resource, typed by its `event_type`.
        ///
        /// Every event type documented for APIv3 has a variant holding its generated `Resource` struct;
        /// an event type this version does not know arrives as [`Event::Unknown`] with the decrypted
        /// JSON, so a new event never breaks a handler. An event type documented on several pages holds
        /// the enum of [`shared`] with a variant per page. `Debug` prints the event type, never the
        /// decrypted resource.
        #[derive(::std::clone::Clone)]
        #[non_exhaustive]
        #[rustfmt::skip]
        pub enum Event {
            #(#variants)*
            /// An event type this version of the SDK does not know, with its decrypted resource.
            Unknown(UnknownEvent),
        }

        #[rustfmt::skip]
        impl ::std::fmt::Debug for Event {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("Event").field(&self.event_type()).field(&REDACTED).finish()
            }
        }

        /// An event type this version of the SDK does not know. `Debug` hides the resource.
        #[derive(::std::clone::Clone, ::std::cmp::PartialEq)]
        #[non_exhaustive]
        #[rustfmt::skip]
        pub struct UnknownEvent {
            /// The `event_type` as sent.
            pub event_type: ::std::string::String,
            /// The decrypted resource (a JSON string value when it is not JSON).
            pub resource: ::serde_json::Value,
        }

        #[rustfmt::skip]
        impl ::std::fmt::Debug for UnknownEvent {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("UnknownEvent")
                    .field("event_type", &self.event_type)
                    .field("resource", &REDACTED)
                    .finish()
            }
        }

        /// Every documented event type, sorted.
        #[rustfmt::skip]
        pub const EVENT_TYPES: [&str; #count] = [#(#wires),*];

        #[rustfmt::skip]
        impl Event {
            /// The `event_type` wire value, e.g. `TRANSACTION.SUCCESS`.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#wire_arms)*
                    Self::Unknown(u) => &u.event_type,
                }
            }

            /// The documentation page whose resource type this event was decoded as, e.g.
            /// `webhook/v3/TRANSACTION.SUCCESS.md` (`None` for an unknown event type).
            pub fn page(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #(#page_arms)*
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }

            /// Types the decrypted resource of a verified notification by its `event_type`. A documented
            /// event whose resource does not fit its type is an [`Error::Decode`](::wechatpay_runtime::Error::Decode)
            /// naming the field; an unknown event type becomes [`Event::Unknown`].
            pub fn from_notification(
                notification: &::wechatpay_runtime::Notification,
            ) -> ::std::result::Result<Self, ::wechatpay_runtime::Error> {
                ::std::result::Result::Ok(match notification.event_type.as_str() {
                    #(#decode_arms)*
                    _ => Self::Unknown(UnknownEvent {
                        event_type: notification.event_type.clone(),
                        resource: match notification.resource_json() {
                            ::std::result::Result::Ok(v) => v,
                            ::std::result::Result::Err(_) => ::serde_json::Value::String(
                                ::std::string::String::from_utf8_lossy(&notification.plaintext).into_owned(),
                            ),
                        },
                    }),
                })
            }

            /// The resource as JSON (the typed fields re-serialised; unknown fields the server sent are
            /// not kept — use [`Notification::resource_json`](::wechatpay_runtime::Notification::resource_json)
            /// for the exact plaintext). Feature `roundtrip`.
            #[cfg(feature = "roundtrip")]
            pub fn resource_json(&self) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error> {
                match self {
                    #(#resource_arms)*
                    Self::Unknown(u) => ::std::result::Result::Ok(u.resource.clone()),
                }
            }
        }

        /// Verifies an incoming notification with the client's keys (signature, 5-minute window,
        /// `Wechatpay-Serial`), decrypts its resource with the APIv3 key and types it.
        ///
        /// `headers` is anything with [`HeaderLookup`](::wechatpay_runtime::HeaderLookup) (an
        /// `http::HeaderMap`, a `Vec<(String, String)>`, …) and `body` the raw bytes as received.
        ///
        /// ```no_run
        /// # fn demo(client: &wechatpay_runtime::Client, headers: &[(&str, &str)], body: &[u8]) -> Result<(), wechatpay_runtime::Error> {
        /// use wechatpay_events::Event;
        /// let (notification, event) = wechatpay_events::decode(client, headers, body)?;
        /// match event {
        ///     Event::RefundSuccess(r) => println!("{:?} refunded ({})", r.out_refund_no, notification.id),
        ///     other => println!("{} not handled", other.event_type()),
        /// }
        /// # Ok(()) }
        /// ```
        #[rustfmt::skip]
        pub fn decode<H: ::wechatpay_runtime::HeaderLookup + ?::std::marker::Sized>(
            client: &::wechatpay_runtime::Client,
            headers: &H,
            body: &[u8],
        ) -> ::std::result::Result<(::wechatpay_runtime::Notification, Event), ::wechatpay_runtime::Error> {
            let notification = client.decode_notification(headers, body)?;
            let event = Event::from_notification(&notification)?;
            ::std::result::Result::Ok((notification, event))
        }

        /// [`decode`] for frameworks built on the `http` crate (axum, hyper, …): the collected request.
        #[rustfmt::skip]
        pub fn decode_request<B: ::std::convert::AsRef<[u8]>>(
            client: &::wechatpay_runtime::Client,
            request: &::wechatpay_runtime::http::Request<B>,
        ) -> ::std::result::Result<(::wechatpay_runtime::Notification, Event), ::wechatpay_runtime::Error> {
            decode(client, request.headers(), request.body().as_ref())
        }
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|err| format!("generated events lib does not parse: {err}"))?;
    Ok(format!("{LIB_HEAD}{}", prettyplease::unparse(&file)))
}

const LIB_HEAD: &str = r#"// @generated by `cargo xtask codegen` from spec/webhook/v3 — do not edit
//! Typed WeChat Pay APIv3 notifications (webhooks), generated from the documentation: one module per
//! documented `event_type` with the decrypted `resource` as a `Resource` struct, and [`Event`] to
//! dispatch on. Use it through the `wechatpay` crate (feature `events`): `wechatpay::events`.
#![forbid(unsafe_code)]
#![allow(
    clippy::new_without_default,
    clippy::doc_lazy_continuation,
    clippy::enum_variant_names,
    clippy::module_inception,
    clippy::large_enum_variant
)]

"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Field;

    fn page(source: &str, event_type: &str) -> Page {
        Page {
            source: source.into(),
            title: "t".into(),
            notifications: vec![Notification {
                api: Api::V3,
                event_types: vec![event_type.into()],
                resource: vec![Field {
                    name: "out_trade_no".into(),
                    ty: crate::spec::FieldType::String,
                    required: true,
                    ..Field::default()
                }],
                ..Notification::default()
            }],
            ..Page::default()
        }
    }

    #[test]
    fn names_follow_the_event_type() {
        assert_eq!(
            module_name("MCHTRANSFER.BILL.FINISHED"),
            "mchtransfer_bill_finished"
        );
        assert_eq!(
            variant_name("MCHTRANSFER.BILL.FINISHED"),
            "MchtransferBillFinished"
        );
        assert_eq!(variant_name("TRANSACTION.SUCCESS"), "TransactionSuccess");
    }

    /// `s` without whitespace and braces (the printer wraps long lines and match arms where it likes).
    fn squash(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
            .collect()
    }

    /// A notification page listing `event_types`, whose envelope documents `original_type` values.
    fn shared_page(source: &str, event_types: &[&str], original_types: &[&str]) -> Page {
        let mut p = page(source, event_types[0]);
        let n = &mut p.notifications[0];
        n.event_types = event_types.iter().map(|s| s.to_string()).collect();
        n.envelope.fields = vec![Field {
            name: "resource".into(),
            ty: crate::spec::FieldType::Object,
            fields: vec![Field {
                name: "original_type".into(),
                enum_values: Some(original_types.iter().map(|s| s.to_string()).collect()),
                ..Field::default()
            }],
            ..Field::default()
        }];
        p
    }

    #[test]
    fn module_name_clashes_are_diagnostics_with_unique_names() {
        let pages = [
            page("webhook/v3/A.B.md", "A.B"),
            page("webhook/v3/A_B.md", "A_B"),
        ];
        let mut diags = Vec::new();
        let (files, n) = files(&pages, &mut diags);
        assert_eq!(n, 2);
        assert!(files.contains_key("events/src/a_b.rs"));
        assert!(
            files.contains_key("events/src/a_b_2.rs"),
            "{:?}",
            files.keys()
        );
        let classes: Vec<&str> = diags.iter().map(|d| &*d.class).collect();
        assert!(classes.contains(&"event-module-clash"), "{classes:?}");
        assert!(classes.contains(&"event-variant-clash"), "{classes:?}");
        let lib = &files["events/src/lib.rs"];
        assert!(lib.contains("\"A.B\" => Self::AB("), "{lib}");
        assert!(lib.contains("\"A_B\" => Self::AB2("), "{lib}");
    }

    /// `TRANSACTION.SUCCESS` documented on its own page and listed by two profit-sharing pages: every
    /// page keeps its resource type, the event type gets a shared enum, and `original_type` chooses.
    #[test]
    fn an_event_type_on_several_pages_keeps_every_resource() {
        let pages = [
            shared_page(
                "webhook/v3/PROFITSHARING.RETURN.md",
                &["PROFITSHARING.RETURN", "TRANSACTION.SUCCESS"],
                &["profitsharing"],
            ),
            shared_page(
                "webhook/v3/PROFITSHARING.SUCCESS.md",
                &["PROFITSHARING.SUCCESS", "TRANSACTION.SUCCESS"],
                &["profitsharing"],
            ),
            shared_page(
                "webhook/v3/TRANSACTION.SUCCESS.md",
                &["TRANSACTION.SUCCESS"],
                &["transaction"],
            ),
        ];
        let mut diags = Vec::new();
        let (files, n) = files(&pages, &mut diags);
        assert_eq!(n, 3, "three event types");
        for m in [
            "profitsharing_return",
            "profitsharing_success",
            "transaction_success",
        ] {
            assert!(
                files[&format!("events/src/{m}.rs")].contains("pub struct Resource"),
                "{m}"
            );
        }
        let lib = &squash(&files["events/src/lib.rs"]);
        assert!(
            lib.contains(&squash("TransactionSuccess(shared::TransactionSuccess)")),
            "{lib}"
        );
        assert!(
            lib.contains(&squash(
                "ProfitsharingSuccess(::std::boxed::Box<profitsharing_success::Resource>)"
            )),
            "{lib}"
        );
        // `transaction` → its own page; `profitsharing` → the first profit-sharing page (same
        // specificity, page order); anything else → the page named after the event type.
        assert!(
            lib.contains(&squash(
                "Some(\"profitsharing\") => shared::TransactionSuccess::ProfitsharingReturn("
            )),
            "{lib}"
        );
        assert!(
            lib.contains(&squash(
                "_ => shared::TransactionSuccess::TransactionSuccess("
            )),
            "{lib}"
        );
        let shared: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.class == "shared-event-type")
            .collect();
        assert_eq!(shared.len(), 1, "{diags:?}");
        assert!(
            shared[0].message.contains("3 pages"),
            "{}",
            shared[0].message
        );
    }

    #[test]
    fn the_page_named_after_the_event_type_wins_when_it_documents_the_value() {
        let pages = [
            shared_page("webhook/v3/P.S.md", &["P.S", "T.S"], &["profitsharing"]),
            shared_page(
                "webhook/v3/T.S.md",
                &["T.S"],
                &["transaction", "profitsharing"],
            ),
        ];
        let mut diags = Vec::new();
        let (files, _) = files(&pages, &mut diags);
        let lib = &squash(&files["events/src/lib.rs"]);
        // Both document `profitsharing`; the page named after `T.S` wins, so no special arm.
        assert!(!lib.contains(&squash("Some(\"profitsharing\")")), "{lib}");
        assert!(
            lib.contains(&squash("\"T.S\" => Self::TS(shared::TS::TS(")),
            "{lib}"
        );
    }

    #[test]
    fn resource_fields_are_lenient_and_keep_undocumented_members() {
        let mut diags = Vec::new();
        let (files, n) = files(&[page("webhook/v3/A.B.md", "A.B")], &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(n, 1);
        let module = &files["events/src/a_b.rs"];
        assert!(module.contains("pub out_trade_no: ::std::option::Option<::std::string::String>"));
        assert!(module.contains("Required in the docs;"));
        // Read through `received!`: the member by its wire name, leniently, and the catch-all map.
        let squashed = squash(module);
        assert!(
            squashed.contains(&squash("out_trade_no = \"out_trade_no\" lenient,")),
            "{module}"
        );
        assert!(
            squashed.contains(&squash("lenient, } undocumented")),
            "{module}"
        );
        assert!(
            module.contains("pub undocumented: ::serde_json::Map<"),
            "{module}"
        );
        assert!(!module.contains("derive(::serde::Deserialize)"), "{module}");
        let lib = &files["events/src/lib.rs"];
        assert!(lib.contains("\"A.B\" => Self::AB("), "{lib}");
    }
}
