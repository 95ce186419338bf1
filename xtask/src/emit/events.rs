//! The notification crate (`generated/events`, package `wechatpay-events`): one module per documented
//! APIv3 event type with the decrypted `resource` as a `Resource` struct, and the `Event` enum keyed by
//! `event_type` with an `Unknown` variant that keeps the raw decrypted JSON.

use super::rust::{enum_tokens, ident, inner_doc_attrs, struct_tokens};
use super::types::{merge_variants, Dir, StructDef, TypeSet};
use super::Files;
use crate::diag::{Diagnostic, Severity};
use crate::naming;
use crate::spec::{Api, Notification, Page};
use quote::quote;
use std::collections::BTreeMap;

/// One documented event.
struct Event {
    /// Wire value of `event_type`, e.g. `TRANSACTION.SUCCESS`.
    wire: String,
    /// Module name, e.g. `transaction_success`.
    module: String,
    /// Variant name, e.g. `TransactionSuccess`.
    variant: String,
    notification: Notification,
    /// The spec file it comes from.
    spec_file: String,
}

/// The module name of an event type: `MCHTRANSFER.BILL.FINISHED` → `mchtransfer_bill_finished`.
pub fn module_name(event_type: &str) -> String {
    naming::snake(&event_type.to_ascii_lowercase())
}

/// The variant name of an event type: `MCHTRANSFER.BILL.FINISHED` → `MchtransferBillFinished`.
pub fn variant_name(event_type: &str) -> String {
    naming::camel(&event_type.to_ascii_lowercase())
}

/// The files of the events crate (its manifest is written by [`super::manifest`]), and how many event
/// types it has.
pub fn files(pages: &[Page], diags: &mut Vec<Diagnostic>) -> (Files, usize) {
    let mut events: BTreeMap<String, Event> = BTreeMap::new();
    for page in pages {
        for n in page.notifications.iter().filter(|n| n.api == Api::V3) {
            for wire in &n.event_types {
                let module = module_name(wire);
                let spec_file = format!("spec/{}", crate::corpus::spec_file(&page.source));
                if let Some(other) = events.get(&module) {
                    diags.push(Diagnostic {
                        file: page.source.clone(),
                        line: 0,
                        severity: Severity::Error,
                        class: "emit-event-clash",
                        message: format!(
                            "event types `{wire}` ({spec_file}) and `{}` ({}) map to the same module `{module}`; the first is kept",
                            other.wire, other.spec_file
                        ),
                    });
                    continue;
                }
                events.insert(
                    module.clone(),
                    Event {
                        wire: wire.clone(),
                        variant: variant_name(wire),
                        module,
                        notification: n.clone(),
                        spec_file,
                    },
                );
            }
        }
    }
    let mut files = Files::new();
    let mut unparsable = |file: &str, e: String| {
        diags.push(Diagnostic {
            file: file.to_string(),
            line: 0,
            severity: Severity::Error,
            class: "emit-unparsable",
            message: e,
        })
    };
    for e in events.values() {
        match module_source(e) {
            Ok(s) => {
                files.insert(format!("events/src/{}.rs", e.module), s);
            }
            Err(msg) => unparsable(&e.spec_file, msg),
        }
    }
    match lib_source(&events) {
        Ok(s) => {
            files.insert("events/src/lib.rs".into(), s);
        }
        Err(msg) => unparsable("spec/", msg),
    }
    (files, events.len())
}

fn module_source(e: &Event) -> Result<String, String> {
    let n = &e.notification;
    let mut doc = format!("`{}` — {}", e.wire, n.title);
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
    let fields = if n.resource_variants.is_empty() {
        n.resource.clone()
    } else {
        merge_variants(&n.resource_variants)
    };
    let mut types = TypeSet::new(&["Resource"]);
    let resource_doc = format!(
        "The decrypted `resource` of a `{}` notification{}.",
        e.wire,
        n.encrypted_field
            .as_deref()
            .map(|f| format!(" (the plaintext of `{f}`)"))
            .unwrap_or_default()
    );
    types.top_struct("Resource", &resource_doc, &fields, Dir::Response);
    let mut items = Vec::new();
    for s in &types.structs {
        items.push(struct_tokens(&lenient(s), undocumented_field(s), &[], true));
    }
    for en in &types.enums {
        items.push(enum_tokens(en));
    }
    let inner = inner_doc_attrs(&doc);
    let tokens = quote!(#inner #(#items)*);
    let file: syn::File = syn::parse2(tokens).map_err(|err| {
        format!(
            "generated code for event `{}` does not parse: {err}",
            e.wire
        )
    })?;
    Ok(format!(
        "// @generated by `cargo xtask codegen` from {} — do not edit\n{}",
        e.spec_file,
        prettyplease::unparse(&file)
    ))
}

/// Event resources are read leniently: notification pages often document several products at once
/// and mark fields required that only one of them sends (the `TRANSACTION.SUCCESS` page requires
/// `sp_mchid`, which a direct merchant's notification never has). Every field is therefore an `Option`
/// (the docs' requirement stays in the field's doc), so a real notification never fails to decode for a
/// field the docs call required.
fn lenient(s: &StructDef) -> StructDef {
    let mut s = s.clone();
    for f in &mut s.fields {
        if f.required {
            f.required = false;
            f.doc.push_str("\n\nRequired in the docs.");
        }
    }
    s
}

/// Members the docs do not list are kept (`#[serde(flatten)]`), so nothing the server sends is lost.
fn undocumented_field(s: &StructDef) -> proc_macro2::TokenStream {
    let name = if s.fields.iter().any(|f| f.ident == "undocumented") {
        ident("undocumented_members")
    } else {
        ident("undocumented")
    };
    quote! {
        /// Members the docs do not list for this object, kept as sent.
        #[serde(flatten)]
        pub #name: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
    }
}

fn lib_source(events: &BTreeMap<String, Event>) -> Result<String, String> {
    let mods = events.values().map(|e| {
        let m = ident(&e.module);
        let d = format!(" `{}` — {}", e.wire, e.notification.title);
        quote!(#[doc = #d] #[rustfmt::skip] pub mod #m;)
    });
    let variants = events.values().map(|e| {
        let v = ident(&e.variant);
        let m = ident(&e.module);
        let d = format!(" `{}` — {}", e.wire, e.notification.title);
        quote!(#[doc = #d] #v(::std::boxed::Box<#m::Resource>),)
    });
    let wire_arms = events.values().map(|e| {
        let v = ident(&e.variant);
        let w = &e.wire;
        quote!(Self::#v(_) => #w,)
    });
    let decode_arms = events.values().map(|e| {
        let v = ident(&e.variant);
        let w = &e.wire;
        quote!(#w => Self::#v(::std::boxed::Box::new(notification.resource()?)),)
    });
    let resource_arms = events.values().map(|e| {
        let v = ident(&e.variant);
        quote!(Self::#v(r) => ::serde_json::to_value(r),)
    });
    let wires: Vec<&String> = events.values().map(|e| &e.wire).collect();
    let count = wires.len();
    let tokens = quote! {
        #(#mods)*

        /// A verified, decrypted notification resource, typed by its `event_type`.
        ///
        /// Every event type documented for APIv3 has a variant holding its generated `Resource` struct;
        /// an event type this version does not know arrives as [`Event::Unknown`] with the decrypted
        /// JSON, so a new event never breaks a handler.
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        #[non_exhaustive]
        #[rustfmt::skip]
        pub enum Event {
            #(#variants)*
            /// An event type this version of the SDK does not know, with its decrypted resource.
            Unknown(UnknownEvent),
        }

        /// An event type this version of the SDK does not know.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        #[non_exhaustive]
        #[rustfmt::skip]
        pub struct UnknownEvent {
            /// The `event_type` as sent.
            pub event_type: ::std::string::String,
            /// The decrypted resource (a JSON string value when it is not JSON).
            pub resource: ::serde_json::Value,
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
        ///     Event::TransactionSuccess(r) => println!("{:?} paid ({})", r.out_trade_no, notification.id),
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

    #[test]
    fn two_event_types_with_one_module_name_are_a_diagnostic() {
        let pages = [
            page("webhook/v3/A.B.md", "A.B"),
            page("webhook/v3/A_B.md", "A_B"),
        ];
        let mut diags = Vec::new();
        let (_, n) = files(&pages, &mut diags);
        assert_eq!(n, 1);
        let msg = &diags[0].message;
        assert!(msg.contains("`A.B`") && msg.contains("`A_B`"), "{msg}");
    }

    #[test]
    fn resource_fields_are_lenient_and_keep_undocumented_members() {
        let (files, n) = files(&[page("webhook/v3/A.B.md", "A.B")], &mut Vec::new());
        assert_eq!(n, 1);
        let module = &files["events/src/a_b.rs"];
        assert!(module.contains("pub out_trade_no: ::std::option::Option<::std::string::String>"));
        assert!(module.contains("Required in the docs."));
        assert!(module.contains("#[serde(flatten)]"));
        let lib = &files["events/src/lib.rs"];
        assert!(lib.contains("\"A.B\" => Self::AB("), "{lib}");
    }
}
