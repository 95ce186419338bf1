//! The Rust type model of one operation: structs and enums built from spec fields, with identical nested
//! shapes reused within a module and names made unique deterministically.

use crate::naming;
use crate::spec::{Encryption, Field, FieldType, KeyOwner};
use std::collections::{BTreeMap, BTreeSet};

/// A Rust type as used in a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    I64,
    /// `serde_json::Number`: keeps integers integers (`100`, not `100.0`) on the wire.
    Number,
    Bool,
    /// Free-form JSON (objects the docs give no fields for, or fields whose variants disagree).
    Value,
    Vec(Box<Ty>),
    /// A generated struct or enum of the same module.
    Named(String),
}

impl Ty {
    fn key(&self) -> String {
        match self {
            Ty::String => "s".into(),
            Ty::I64 => "i".into(),
            Ty::Number => "n".into(),
            Ty::Bool => "b".into(),
            Ty::Value => "v".into(),
            Ty::Vec(t) => format!("[{}]", t.key()),
            Ty::Named(n) => n.clone(),
        }
    }
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: String,
    /// `rsa-pubkey` etc., for the docs.
    pub encrypted: Option<Encryption>,
    /// Whose key encrypts it (`wechatpay`, `merchant`, …).
    pub encryption_key: Option<KeyOwner>,
}

impl FieldDef {
    /// A value the caller gives in plaintext and the client encrypts for WeChat Pay: hidden in `Debug`.
    pub fn sensitive(&self) -> bool {
        is_sensitive_request_field(self.encrypted.as_ref(), self.encryption_key)
    }
}

/// RSA-OAEP with the WeChat Pay public key or platform certificate (`rsa-pubkey` + `wechatpay`): the
/// fields the runtime encrypts on the caller's behalf.
pub fn is_sensitive_request_field(encrypted: Option<&Encryption>, key: Option<KeyOwner>) -> bool {
    matches!(
        (encrypted, key),
        (Some(Encryption::RsaPubkey), Some(KeyOwner::Wechatpay))
    )
}

/// A generated struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    pub name: String,
    pub doc: String,
    pub fields: Vec<FieldDef>,
    /// Used in a request (derive Serialize).
    pub ser: bool,
    /// Used in a response (derive Deserialize).
    pub de: bool,
}

/// A generated string enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub doc: String,
    /// (variant identifier, wire value), in doc order.
    pub variants: Vec<(String, String)>,
}

/// Which way a type travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Request,
    Response,
}

/// All types of one operation module.
#[derive(Debug, Default)]
pub struct TypeSet {
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    names: BTreeSet<String>,
    by_shape: BTreeMap<String, String>,
}

impl TypeSet {
    /// A set whose names avoid `reserved` (e.g. `Request`, `Response`, `Body`).
    pub fn new(reserved: &[&str]) -> Self {
        TypeSet {
            names: reserved.iter().map(|s| s.to_string()).collect(),
            ..TypeSet::default()
        }
    }

    /// Picks a free type name: the camel-cased field name, else prefixed by its parent, else numbered.
    fn fresh_name(&mut self, base: &str, parent: &str) -> String {
        let first = naming::camel(base);
        let second = naming::camel(&format!("{parent}_{base}"));
        for candidate in [first.clone(), second.clone()] {
            if !self.names.contains(&candidate) {
                self.names.insert(candidate.clone());
                return candidate;
            }
        }
        let mut i = 2;
        loop {
            let candidate = format!("{second}{i}");
            if self.names.insert(candidate.clone()) {
                return candidate;
            }
            i += 1;
        }
    }

    /// Registers a struct with a reserved top-level name (`Request`, `Body`, `Response`).
    pub fn top_struct(
        &mut self,
        name: &str,
        doc: &str,
        fields: &[Field],
        dir: Dir,
    ) -> Vec<FieldDef> {
        let defs = self.field_defs(fields, name, dir);
        self.structs.push(StructDef {
            name: name.to_string(),
            doc: doc.to_string(),
            fields: defs.clone(),
            ser: dir == Dir::Request,
            de: dir == Dir::Response,
        });
        defs
    }

    /// Field definitions for a list of spec fields (duplicates merged, identifiers made unique).
    pub fn field_defs(&mut self, fields: &[Field], parent: &str, dir: Dir) -> Vec<FieldDef> {
        let fields = dedupe(fields);
        let mut idents = BTreeSet::new();
        let mut out = Vec::new();
        for f in &fields {
            let ty = self.ty_of(f, parent, dir);
            let mut ident = naming::snake(&f.name);
            if !idents.insert(ident.clone()) {
                // `type` → `type_2`; `self_` (a keyword made safe) → `self_2`, not `self__2`.
                let stem = ident
                    .trim_start_matches("r#")
                    .trim_end_matches('_')
                    .to_string();
                let mut i = 2;
                while !idents.insert(format!("{stem}_{i}")) {
                    i += 1;
                }
                ident = format!("{stem}_{i}");
            }
            out.push(FieldDef {
                wire: f.name.clone(),
                ident,
                ty,
                required: f.required,
                doc: field_doc(f),
                encrypted: f.encrypted.clone(),
                encryption_key: f.encryption_key,
            });
        }
        out
    }

    /// The Rust type of one spec field, creating nested structs and enums as needed.
    pub fn ty_of(&mut self, f: &Field, parent: &str, dir: Dir) -> Ty {
        match f.ty {
            FieldType::Array => {
                let inner = match f.items.unwrap_or(FieldType::String) {
                    FieldType::Object => self.object_ty(f, parent, dir),
                    FieldType::String => self.string_ty(f, parent),
                    FieldType::Integer => Ty::I64,
                    FieldType::Number if is_fen_amount(f) => Ty::I64,
                    FieldType::Number => Ty::Number,
                    FieldType::Boolean => Ty::Bool,
                    // An array of arrays is not expressible in the docs' tables.
                    FieldType::Array => Ty::Value,
                };
                Ty::Vec(Box::new(inner))
            }
            FieldType::Object => self.object_ty(f, parent, dir),
            FieldType::String => self.string_ty(f, parent),
            FieldType::Integer => Ty::I64,
            FieldType::Number if is_fen_amount(f) => Ty::I64,
            FieldType::Number => Ty::Number,
            FieldType::Boolean => Ty::Bool,
        }
    }

    fn string_ty(&mut self, f: &Field, parent: &str) -> Ty {
        match &f.enum_values {
            Some(values) if !values.is_empty() => {
                let key = format!("E{values:?}");
                if let Some(name) = self.by_shape.get(&key) {
                    return Ty::Named(name.clone());
                }
                let name = self.fresh_name(&f.name, parent);
                self.by_shape.insert(key, name.clone());
                self.enums.push(EnumDef {
                    name: name.clone(),
                    doc: first_line(&f.description),
                    variants: variants(values),
                });
                Ty::Named(name)
            }
            _ => Ty::String,
        }
    }

    fn object_ty(&mut self, f: &Field, parent: &str, dir: Dir) -> Ty {
        let children = fields_or_variants(&f.fields, &f.variants);
        if children.is_empty() {
            return Ty::Value;
        }
        let hint = naming::camel(&f.name);
        let defs = self.field_defs(&children, &hint, dir);
        // Sent and received types are kept apart: a received type is read leniently, a sent one
        // strictly (see `rust::struct_tokens`).
        let key = format!(
            "S{dir:?}{:?}",
            defs.iter()
                .map(|d| (d.wire.as_str(), d.ty.key(), d.required, d.sensitive()))
                .collect::<Vec<_>>()
        );
        if let Some(name) = self.by_shape.get(&key).cloned() {
            if let Some(s) = self.structs.iter_mut().find(|s| s.name == name) {
                s.ser |= dir == Dir::Request;
                s.de |= dir == Dir::Response;
            }
            return Ty::Named(name);
        }
        let name = self.fresh_name(&f.name, parent);
        self.by_shape.insert(key, name.clone());
        self.structs.push(StructDef {
            name: name.clone(),
            doc: first_line(&f.description),
            fields: defs,
            ser: dir == Dir::Request,
            de: dir == Dir::Response,
        });
        Ty::Named(name)
    }
}

/// A `number` the docs describe as an amount in fen (or in the currency's smallest unit, or "integers
/// only"): typed `i64` like the amounts the docs call `integer`, so money has one representation in
/// API types and events.
pub fn is_fen_amount(f: &Field) -> bool {
    const MARKS: [&str; 10] = [
        "单位为分",
        "单位：分",
        "单位:分",
        "单位分",
        "单位（分）",
        "单位(分)",
        "以分为单位",
        "最小单位",
        "只能为整数",
        "单位为：分",
    ];
    MARKS.iter().any(|m| f.description.contains(m))
}

/// Enum variant identifiers for wire values: camel-cased, made unique, never `Unknown`.
pub fn variants(values: &[String]) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for v in values {
        if out.iter().any(|(_, w): &(String, String)| w == v) {
            continue;
        }
        let mut ident = naming::camel(v).trim_start_matches("r#").to_string();
        if ident == "Unknown" {
            ident = "UnknownValue".into();
        }
        if !seen.insert(ident.clone()) {
            let mut i = 2;
            while !seen.insert(format!("{ident}{i}")) {
                i += 1;
            }
            ident = format!("{ident}{i}");
        }
        out.push((ident, v.clone()));
    }
    out
}

/// Fields with the same wire name at one level are merged into one (JSON cannot carry both).
fn dedupe(fields: &[Field]) -> Vec<Field> {
    merge_variants(&[fields.to_vec()])
}

/// The fields of an object: `fields`, or, when the docs give alternative field sets, their union
/// (see [`merge_variants`]).
pub fn fields_or_variants(fields: &[Field], variants: &[Vec<Field>]) -> Vec<Field> {
    if variants.is_empty() {
        fields.to_vec()
    } else {
        merge_variants(variants)
    }
}

/// The union of alternative field sets: a field is required only when every set requires it; fields
/// whose shapes differ between sets become free-form JSON.
pub fn merge_variants(sets: &[Vec<Field>]) -> Vec<Field> {
    let mut order: Vec<String> = Vec::new();
    let mut merged: BTreeMap<String, (Field, usize)> = BTreeMap::new();
    for set in sets {
        for f in set {
            match merged.get_mut(&f.name) {
                Some((m, count)) => {
                    *count += 1;
                    m.required &= f.required;
                    if m.ty != f.ty || m.items != f.items || m.enum_values != f.enum_values {
                        if m.ty == FieldType::String && f.ty == FieldType::String {
                            m.enum_values = None;
                        } else {
                            m.ty = FieldType::Object;
                            m.items = None;
                            m.fields.clear();
                            m.variants.clear();
                        }
                    } else if m.fields != f.fields || m.variants != f.variants {
                        let mut all: Vec<Vec<Field>> = Vec::new();
                        for x in [&*m, f] {
                            if x.variants.is_empty() {
                                all.push(x.fields.clone());
                            } else {
                                all.extend(x.variants.iter().cloned());
                            }
                        }
                        m.fields = merge_variants(&all);
                        m.variants.clear();
                    }
                }
                None => {
                    order.push(f.name.clone());
                    merged.insert(f.name.clone(), (f.clone(), 1));
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|name| {
            let (mut f, count) = merged.remove(&name)?;
            if count < sets.len() {
                f.required = false;
            }
            Some(f)
        })
        .collect()
}

fn field_doc(f: &Field) -> String {
    let mut doc = f.description.clone();
    if let Some(values) = &f.enum_values {
        if f.ty != FieldType::String && f.items != Some(FieldType::String) {
            doc.push_str(&format!(
                "\n\nDocumented values: {}.",
                values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let Some(c) = &f.constant {
        doc.push_str(&format!("\n\nFixed value: `{c}`."));
    }
    if let Some(n) = f.max_length {
        doc.push_str(&format!("\n\nAt most {n} characters."));
    }
    // The notes of RSA-encrypted fields are added unescaped by `rust::field_tokens` (`sensitive_note`).
    match &f.encrypted {
        Some(Encryption::RsaPubkey) if sensitive_note(f.encryption_key).is_some() => {}
        Some(Encryption::RsaPubkey) => {
            doc.push_str("\n\nSensitive: encrypted with RSA-OAEP (see the docs of the operation).")
        }
        Some(other @ (Encryption::AesGcm | Encryption::AesEcb | Encryption::Other(_))) => {
            doc.push_str(&format!("\n\nEncrypted ({other})."))
        }
        None => {}
    }
    if let Some(e) = &f.encoded {
        doc.push_str(&format!("\n\nA {e}-encoded string."));
    }
    doc
}

/// The doc note (Markdown, not to be escaped) of an `rsa-pubkey` field, by whose key encrypts it.
pub fn sensitive_note(key: Option<KeyOwner>) -> Option<&'static str> {
    match key? {
        KeyOwner::Wechatpay => Some(
            "Sensitive: give the plaintext. When the call is sent, the client encrypts it with RSA-OAEP \
             for WeChat Pay (its public key or platform certificate) and names that key in \
             `Wechatpay-Serial`. `Debug` shows `<redacted>`.",
        ),
        KeyOwner::Merchant => Some(
            "Ciphertext: WeChat Pay encrypted this value with the merchant's public key (RSA-OAEP, \
             base64). Decrypt it with [`Client::decrypt_sensitive_field`](wechatpay_runtime::Client::decrypt_sensitive_field), \
             which returns a redacted [`SecretString`](wechatpay_runtime::SecretString).",
        ),
        KeyOwner::Bank | KeyOwner::Apiv3Key | KeyOwner::ApiKeyMd5 => None,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}
