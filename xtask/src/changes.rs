//! The spec changelog: what changed between two spec snapshots (the committed `spec/` and the pages just
//! read), as `spec/CHANGES.md` and a short summary for release notes.
//!
//! [`diff`] compares two sets of [`Page`]s. Operations are identified by method and path, so an operation
//! whose page moved is reported as moved, not as removed and added; notifications by their page (`source`)
//! and position on it. Fields are named by dot paths of wire names: `amount.total` for an object member,
//! `detail.goods_detail[].price` for a member of an array element (or of the decoded content of the string
//! `detail`), `#2.code` for a field of the second alternative field set (`variants`) of a body, and
//! `scene#2.code` for one of a field's alternatives. Descriptions are not compared in detail (every docs
//! update rewords many); a field whose description is the only thing that changed is counted.
//!
//! Everything is sorted (operations by business group, method and path; fields by where they are and their
//! path), so the same two snapshots always give the same bytes.

use crate::spec::{Api, Body, Field, FieldType, Method, Notification, Operation, Page};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// An operation as the changelog lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OperationRef {
    pub method: Method,
    pub path: String,
    pub api: Api,
    pub title: String,
    /// The page that documents it (in the newer snapshot when it is in both).
    pub source: String,
}

impl OperationRef {
    fn new(page: &Page, op: &Operation) -> OperationRef {
        OperationRef {
            method: op.method,
            path: op.path.clone(),
            api: op.api,
            title: op.title.clone(),
            source: page.source.clone(),
        }
    }

    /// The business group: the first path segment after `/v3/` or `/v2/`.
    pub fn group(&self) -> &str {
        group_of(&self.path)
    }
}

/// A notification as the changelog lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotificationRef {
    /// The page, e.g. `webhook/v3/TRANSACTION.SUCCESS.md`.
    pub source: String,
    /// Position on the page (almost always 0).
    pub index: usize,
    pub api: Api,
    pub title: String,
    pub event_types: Vec<String>,
}

impl NotificationRef {
    fn new(page: &Page, index: usize, n: &Notification) -> NotificationRef {
        NotificationRef {
            source: page.source.clone(),
            index,
            api: n.api,
            title: n.title.clone(),
            event_types: n.event_types.clone(),
        }
    }

    /// The group: what precedes the first `.` of the first event type (`TRANSACTION`), else of the file name.
    pub fn group(&self) -> &str {
        let name = match self.event_types.first() {
            Some(e) => e.as_str(),
            None => {
                let file = self.source.rsplit('/').next().unwrap_or(&self.source);
                file.strip_suffix(".md").unwrap_or(file)
            }
        };
        name.split('.').next().unwrap_or(name)
    }
}

/// An operation whose page changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub method: Method,
    pub path: String,
    pub from: String,
    pub to: String,
}

/// Where a field sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    PathParam,
    Query,
    Header,
    Request,
    Response,
    /// The body of a notification as sent (without the encrypted field's decrypted content).
    Envelope,
    /// The decrypted resource of a notification.
    Resource,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::PathParam => "path parameter",
            Place::Query => "query",
            Place::Header => "header",
            Place::Request => "request",
            Place::Response => "response",
            Place::Envelope => "envelope",
            Place::Resource => "resource",
        }
    }
}

/// What happened to one field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldChangeKind {
    /// A new field; `nested` counts the fields below it (not reported separately).
    Added {
        ty: String,
        required: bool,
        nested: usize,
    },
    /// A field that is gone, with the number of fields below it.
    Removed {
        ty: String,
        nested: usize,
    },
    /// The type or the array element type changed (`string` → `object[]`).
    Retyped {
        from: String,
        to: String,
    },
    MadeRequired,
    MadeOptional,
    EnumValuesAdded(Vec<String>),
    EnumValuesRemoved(Vec<String>),
    /// `none`, `aes-gcm`, `rsa-pubkey (wechatpay)`, …
    EncryptionChanged {
        from: String,
        to: String,
    },
    MaxLengthChanged {
        from: Option<u32>,
        to: Option<u32>,
    },
    /// `constant`, `encoded` or `signed` changed.
    AttributeChanged {
        attr: &'static str,
        from: String,
        to: String,
    },
}

/// One change of one field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldChange {
    pub place: Place,
    /// Dot path of wire names (see the module docs).
    pub path: String,
    pub kind: FieldChangeKind,
}

/// What changed in an operation or a notification that is in both snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemChanges {
    /// Old and new title.
    pub title: Option<(String, String)>,
    /// Old and new `deprecated` flag.
    pub deprecated: Option<(bool, bool)>,
    /// Other changed attributes, as text (`response format: json → binary`).
    pub other: Vec<String>,
    pub fields: Vec<FieldChange>,
    /// Fields whose description is the only thing that changed.
    pub description_only: usize,
    /// The item's own description changed.
    pub description_changed: bool,
}

impl ItemChanges {
    /// Something other than descriptions changed.
    pub fn is_substantial(&self) -> bool {
        self.title.is_some()
            || self.deprecated.is_some()
            || !self.other.is_empty()
            || !self.fields.is_empty()
    }

    fn is_empty(&self) -> bool {
        !self.is_substantial() && self.description_only == 0 && !self.description_changed
    }
}

/// An operation in both snapshots that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationChange {
    /// The operation as the newer snapshot has it.
    pub op: OperationRef,
    pub changes: ItemChanges,
}

/// A notification in both snapshots that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationChange {
    /// The notification as the newer snapshot has it.
    pub notification: NotificationRef,
    pub event_types_added: Vec<String>,
    pub event_types_removed: Vec<String>,
    pub changes: ItemChanges,
}

/// The difference between two spec snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub operations_added: Vec<OperationRef>,
    pub operations_removed: Vec<OperationRef>,
    pub operations_moved: Vec<Moved>,
    /// Operations in both snapshots with any change (description-only ones included).
    pub operations_changed: Vec<OperationChange>,
    /// Notifications of pages (or positions) only in the newer snapshot.
    pub notifications_added: Vec<NotificationRef>,
    pub notifications_removed: Vec<NotificationRef>,
    pub notifications_changed: Vec<NotificationChange>,
    /// Event types documented nowhere in the older snapshot.
    pub event_types_added: Vec<String>,
    /// Event types documented nowhere in the newer snapshot.
    pub event_types_removed: Vec<String>,
    /// Pages with neither operations nor notifications, only in the newer / only in the older snapshot.
    pub empty_pages_added: usize,
    pub empty_pages_removed: usize,
}

/// Tallies of field changes, for the counts table and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items (operations or notifications) with field changes.
    pub items: usize,
    pub added: usize,
    pub removed: usize,
    pub retyped: usize,
    pub made_required: usize,
    pub made_optional: usize,
    pub enum_values_added: usize,
    pub enum_values_removed: usize,
    pub encryption_changed: usize,
    pub max_length_changed: usize,
    pub other_attributes: usize,
    pub titles: usize,
    pub deprecated: usize,
    /// Items whose only changes are descriptions.
    pub description_only_items: usize,
}

impl Tally {
    fn add(&mut self, c: &ItemChanges) {
        if !c.fields.is_empty() {
            self.items += 1;
        }
        if !c.is_substantial() {
            self.description_only_items += 1;
        }
        self.titles += usize::from(c.title.is_some());
        self.deprecated += usize::from(c.deprecated.is_some());
        for f in &c.fields {
            match &f.kind {
                FieldChangeKind::Added { .. } => self.added += 1,
                FieldChangeKind::Removed { .. } => self.removed += 1,
                FieldChangeKind::Retyped { .. } => self.retyped += 1,
                FieldChangeKind::MadeRequired => self.made_required += 1,
                FieldChangeKind::MadeOptional => self.made_optional += 1,
                FieldChangeKind::EnumValuesAdded(v) => self.enum_values_added += v.len(),
                FieldChangeKind::EnumValuesRemoved(v) => self.enum_values_removed += v.len(),
                FieldChangeKind::EncryptionChanged { .. } => self.encryption_changed += 1,
                FieldChangeKind::MaxLengthChanged { .. } => self.max_length_changed += 1,
                FieldChangeKind::AttributeChanged { .. } => self.other_attributes += 1,
            }
        }
    }

    /// `41 added, 3 removed, 2 retyped, 5 made required` (only the non-zero kinds; `no field changes`).
    fn fields_phrase(&self) -> String {
        let parts: Vec<String> = [
            (self.added, "added"),
            (self.removed, "removed"),
            (self.retyped, "retyped"),
            (self.made_required, "made required"),
            (self.made_optional, "made optional"),
            (self.encryption_changed, "encryption changed"),
            (self.max_length_changed, "max length changed"),
            (self.other_attributes, "other attribute changed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "no field changes".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Compares two snapshots (`old` before the docs update, `new` after it).
pub fn diff(old: &[Page], new: &[Page]) -> Changes {
    let mut ch = Changes::default();

    // Pages that are the same in both snapshots hold nothing to report: set them aside first (most pages,
    // on a docs update), and compare what is left.
    let (old, new) = (by_source(old), by_source(new));
    let (mut old_rest, mut new_rest) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.source.cmp(&b.source),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                ch.empty_pages_removed += usize::from(carries_nothing(old[i]));
                old_rest.push(old[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                ch.empty_pages_added += usize::from(carries_nothing(new[j]));
                new_rest.push(new[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if !same_page(old[i], new[j]) {
                    old_rest.push(old[i]);
                    new_rest.push(new[j]);
                }
                i += 1;
                j += 1;
            }
        }
    }

    // Operations, keyed by (method, path); a key repeated within one snapshot gets an ordinal.
    let old_ops = operations(&old_rest);
    let new_ops = operations(&new_rest);
    for (key, (op_page, o)) in &old_ops {
        match new_ops.get(key) {
            None => ch.operations_removed.push(OperationRef::new(op_page, o)),
            Some((np, n)) => {
                if op_page.source != np.source {
                    ch.operations_moved.push(Moved {
                        method: n.method,
                        path: n.path.clone(),
                        from: op_page.source.clone(),
                        to: np.source.clone(),
                    });
                }
                if !same_operation(o, n) {
                    let changes = operation_changes(o, n);
                    if !changes.is_empty() {
                        ch.operations_changed.push(OperationChange {
                            op: OperationRef::new(np, n),
                            changes,
                        });
                    }
                }
            }
        }
    }
    for (key, (p, n)) in &new_ops {
        if !old_ops.contains_key(key) {
            ch.operations_added.push(OperationRef::new(p, n));
        }
    }

    // Notifications, keyed by (page, position).
    let old_ns = notifications(&old_rest);
    let new_ns = notifications(&new_rest);
    for (key, (p, o)) in &old_ns {
        match new_ns.get(key) {
            None => ch
                .notifications_removed
                .push(NotificationRef::new(p, key.1, o)),
            Some((np, n)) => {
                if same_notification(o, n) {
                    continue;
                }
                let c = NotificationChange {
                    notification: NotificationRef::new(np, key.1, n),
                    event_types_added: minus(&n.event_types, &o.event_types),
                    event_types_removed: minus(&o.event_types, &n.event_types),
                    changes: notification_changes(o, n),
                };
                if !c.event_types_added.is_empty()
                    || !c.event_types_removed.is_empty()
                    || !c.changes.is_empty()
                {
                    ch.notifications_changed.push(c);
                }
            }
        }
    }
    for (key, (p, n)) in &new_ns {
        if !old_ns.contains_key(key) {
            ch.notifications_added
                .push(NotificationRef::new(p, key.1, n));
        }
    }
    let old_events = event_types(&old);
    let new_events = event_types(&new);
    ch.event_types_added = new_events
        .difference(&old_events)
        .map(|e| e.to_string())
        .collect();
    ch.event_types_removed = old_events
        .difference(&new_events)
        .map(|e| e.to_string())
        .collect();

    let op_order = |o: &OperationRef| (group_of(&o.path).to_string(), o.path.clone(), o.method);
    ch.operations_added.sort_by_key(op_order);
    ch.operations_removed.sort_by_key(op_order);
    ch.operations_changed.sort_by_key(|c| op_order(&c.op));
    ch.operations_moved
        .sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    let n_order = |n: &NotificationRef| (n.group().to_string(), n.source.clone(), n.index);
    ch.notifications_added.sort_by_key(n_order);
    ch.notifications_removed.sort_by_key(n_order);
    ch.notifications_changed
        .sort_by_key(|c| n_order(&c.notification));
    ch
}

/// The pages sorted by source (they usually are already).
fn by_source(pages: &[Page]) -> Vec<&Page> {
    let mut out: Vec<&Page> = pages.iter().collect();
    out.sort_by(|a, b| a.source.cmp(&b.source));
    out
}

fn carries_nothing(p: &Page) -> bool {
    p.operations.is_empty() && p.notifications.is_empty()
}

type OpKey<'a> = (&'a str, Method, usize);

/// The operations of `pages` (sorted by source) by key.
fn operations<'a>(pages: &[&'a Page]) -> HashMap<OpKey<'a>, (&'a Page, &'a Operation)> {
    let mut out = HashMap::new();
    for &p in pages {
        for op in &p.operations {
            let mut n = 0;
            while out.contains_key(&(op.path.as_str(), op.method, n)) {
                n += 1;
            }
            out.insert((op.path.as_str(), op.method, n), (p, op));
        }
    }
    out
}

type NotificationKey<'a> = (&'a str, usize);

fn notifications<'a>(
    pages: &[&'a Page],
) -> HashMap<NotificationKey<'a>, (&'a Page, &'a Notification)> {
    let mut out = HashMap::new();
    for &p in pages {
        for (i, n) in p.notifications.iter().enumerate() {
            out.insert((p.source.as_str(), i), (p, n));
        }
    }
    out
}

fn event_types<'a>(pages: &[&'a Page]) -> BTreeSet<&'a str> {
    pages
        .iter()
        .flat_map(|p| &p.notifications)
        .flat_map(|n| n.event_types.iter().map(String::as_str))
        .collect()
}

/// Values of `a` not in `b`, in `a`'s order.
fn minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|v| !b.contains(v)).cloned().collect()
}

/// The business group of a path: the first segment after `/v3/` or `/v2/`.
pub fn group_of(path: &str) -> &str {
    let rest = path
        .strip_prefix("/v3/")
        .or_else(|| path.strip_prefix("/v2/"))
        .unwrap_or_else(|| path.trim_start_matches('/'));
    match rest.split('/').next() {
        Some(s) if !s.is_empty() => s,
        _ => "(root)",
    }
}

fn operation_changes(o: &Operation, n: &Operation) -> ItemChanges {
    let mut c = ItemChanges::default();
    if o.title != n.title {
        c.title = Some((o.title.clone(), n.title.clone()));
    }
    if o.deprecated != n.deprecated {
        c.deprecated = Some((o.deprecated, n.deprecated));
    }
    c.description_changed = o.description != n.description;
    let mut other = |what: &str, a: String, b: String| {
        if a != b {
            c.other.push(format!("{what}: {a} → {b}"));
        }
    };
    other("API version", o.api.to_string(), n.api.to_string());
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_string());
    other("base URI", opt(&o.base_uri), opt(&n.base_uri));
    other("fragment", opt(&o.fragment), opt(&n.fragment));
    other(
        "client certificate",
        o.security.to_string(),
        n.security.to_string(),
    );
    other(
        "nonceless",
        o.nonceless.to_string(),
        n.nonceless.to_string(),
    );
    other(
        "request format",
        o.request_body.format.to_string(),
        n.request_body.format.to_string(),
    );
    other(
        "response format",
        o.response.format.to_string(),
        n.response.format.to_string(),
    );
    other(
        "response redirect",
        o.response.redirect.to_string(),
        n.response.redirect.to_string(),
    );
    let mut d = FieldDiff::default();
    d.fields(Place::PathParam, &o.path_params, &n.path_params);
    d.fields(Place::Query, &o.query, &n.query);
    d.fields(Place::Header, &o.headers, &n.headers);
    d.body(Place::Request, &o.request_body, &n.request_body, [None; 2]);
    d.body(Place::Response, &o.response, &n.response, [None; 2]);
    (c.fields, c.description_only) = d.finish();
    c
}

fn notification_changes(o: &Notification, n: &Notification) -> ItemChanges {
    let mut c = ItemChanges::default();
    if o.title != n.title {
        c.title = Some((o.title.clone(), n.title.clone()));
    }
    if o.deprecated != n.deprecated {
        c.deprecated = Some((o.deprecated, n.deprecated));
    }
    c.description_changed = o.description != n.description;
    if o.api != n.api {
        c.other.push(format!("API version: {} → {}", o.api, n.api));
    }
    if o.encrypted_field != n.encrypted_field {
        let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_string());
        c.other.push(format!(
            "encrypted field: {} → {}",
            opt(&o.encrypted_field),
            opt(&n.encrypted_field)
        ));
    }
    let mut d = FieldDiff::default();
    d.fields(Place::Header, &o.headers, &n.headers);
    d.body(
        Place::Envelope,
        &o.envelope,
        &n.envelope,
        [o.encrypted_field.as_deref(), n.encrypted_field.as_deref()],
    );
    d.walk(
        Place::Resource,
        "",
        (&o.resource, &o.resource_variants),
        (&n.resource, &n.resource_variants),
        [None; 2],
    );
    (c.fields, c.description_only) = d.finish();
    c
}

/// `string`, `integer`, `object[]`, `array` (no element type).
fn type_name(f: &Field) -> String {
    match (f.ty, f.items) {
        (FieldType::Array, Some(t)) => format!("{t}[]"),
        (t, _) => t.to_string(),
    }
}

fn encryption(f: &Field) -> String {
    match (&f.encrypted, f.encryption_key) {
        (None, None) => "none".to_string(),
        (Some(e), None) => e.to_string(),
        (None, Some(k)) => format!("? ({k})"),
        (Some(e), Some(k)) => format!("{e} ({k})"),
    }
}

// Equality apart from source lines. `spec/` does not keep lines, and a page shifts when the docs above a
// table change, so the committed spec and freshly parsed pages differ in lines only where nothing changed.
// Every struct is destructured in full, so a new spec attribute does not go unnoticed here.

fn same_page(a: &Page, b: &Page) -> bool {
    let Page {
        source,
        title,
        description,
        markers,
        operations,
        notifications,
    } = a;
    *source == b.source
        && *title == b.title
        && *description == b.description
        && *markers == b.markers
        && operations.len() == b.operations.len()
        && operations
            .iter()
            .zip(&b.operations)
            .all(|(x, y)| same_operation(x, y))
        && notifications.len() == b.notifications.len()
        && notifications
            .iter()
            .zip(&b.notifications)
            .all(|(x, y)| same_notification(x, y))
}

fn same_operation(a: &Operation, b: &Operation) -> bool {
    let Operation {
        method,
        path,
        api,
        title,
        description,
        doc_links,
        deprecated,
        markers,
        base_uri,
        security,
        nonceless,
        fragment,
        path_params,
        query,
        headers,
        request_body,
        response,
    } = a;
    *method == b.method
        && *path == b.path
        && *api == b.api
        && *title == b.title
        && *description == b.description
        && *doc_links == b.doc_links
        && *deprecated == b.deprecated
        && *markers == b.markers
        && *base_uri == b.base_uri
        && *security == b.security
        && *nonceless == b.nonceless
        && *fragment == b.fragment
        && same_all(path_params, &b.path_params)
        && same_all(query, &b.query)
        && same_all(headers, &b.headers)
        && same_body(request_body, &b.request_body)
        && same_body(response, &b.response)
}

fn same_notification(a: &Notification, b: &Notification) -> bool {
    let Notification {
        method,
        api,
        title,
        description,
        doc_links,
        deprecated,
        event_types,
        headers,
        envelope,
        encrypted_field,
        resource,
        resource_variants,
        reply,
    } = a;
    *method == b.method
        && *api == b.api
        && *title == b.title
        && *description == b.description
        && *doc_links == b.doc_links
        && *deprecated == b.deprecated
        && *event_types == b.event_types
        && same_all(headers, &b.headers)
        && same_body(envelope, &b.envelope)
        && *encrypted_field == b.encrypted_field
        && same_all(resource, &b.resource)
        && same_variants(resource_variants, &b.resource_variants)
        && same_body(reply, &b.reply)
}

fn same_body(a: &Body, b: &Body) -> bool {
    let Body {
        format,
        fields,
        variants,
        note,
        http_status,
        redirect,
    } = a;
    *format == b.format
        && same_all(fields, &b.fields)
        && same_variants(variants, &b.variants)
        && *note == b.note
        && *http_status == b.http_status
        && *redirect == b.redirect
}

fn same(a: &Field, b: &Field) -> bool {
    let Field {
        name,
        ty,
        items,
        required,
        description,
        enum_values,
        constant,
        encrypted,
        encryption_key,
        encoded,
        signed,
        max_length,
        fields,
        variants,
        line: _,
    } = a;
    *name == b.name
        && *ty == b.ty
        && *items == b.items
        && *required == b.required
        && *description == b.description
        && *enum_values == b.enum_values
        && *constant == b.constant
        && *encrypted == b.encrypted
        && *encryption_key == b.encryption_key
        && *encoded == b.encoded
        && *signed == b.signed
        && *max_length == b.max_length
        && same_all(fields, &b.fields)
        && same_variants(variants, &b.variants)
}

fn same_all(a: &[Field], b: &[Field]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

fn same_variants(a: &[Vec<Field>], b: &[Vec<Field>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_all(x, y))
}

/// The number of fields below `f`.
fn below(f: &Field) -> usize {
    f.fields
        .iter()
        .chain(f.variants.iter().flatten())
        .map(|c| 1 + below(c))
        .sum()
}

/// The name of the `nth` (from 0) sibling called `name`: `name`, then `name (2)`, `name (3)`, ….
fn nth_name(name: &str, nth: usize) -> String {
    if nth == 0 {
        name.to_string()
    } else {
        format!("{name} ({})", nth + 1)
    }
}

/// `prefix.name`, or `name` at the top.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Walks two field trees side by side. Siblings are matched by name (the n-th field of a name with the
/// n-th of the same name, which then gets ` (n)` in its path); subtrees that are the same are skipped
/// without building paths, so an unchanged page costs a comparison and nothing else.
#[derive(Default)]
struct FieldDiff {
    changes: Vec<FieldChange>,
    description_only: usize,
}

impl FieldDiff {
    fn body(&mut self, place: Place, old: &Body, new: &Body, stop: [Option<&str>; 2]) {
        self.walk(
            place,
            "",
            (&old.fields, &old.variants),
            (&new.fields, &new.variants),
            stop,
        );
    }

    fn fields(&mut self, place: Place, old: &[Field], new: &[Field]) {
        self.walk(place, "", (old, &[]), (new, &[]), [None, None]);
    }

    fn walk(
        &mut self,
        place: Place,
        prefix: &str,
        old: (&[Field], &[Vec<Field>]),
        new: (&[Field], &[Vec<Field>]),
        stop: [Option<&str>; 2],
    ) {
        self.siblings(place, prefix, old.0, new.0, stop);
        let (ov, nv) = (old.1, new.1);
        for i in 0..ov.len().max(nv.len()) {
            let empty: &[Field] = &[];
            let a = ov.get(i).map_or(empty, Vec::as_slice);
            let b = nv.get(i).map_or(empty, Vec::as_slice);
            if !same_all(a, b) {
                self.siblings(place, &format!("{prefix}#{}", i + 1), a, b, stop);
            }
        }
    }

    fn siblings(
        &mut self,
        place: Place,
        prefix: &str,
        old: &[Field],
        new: &[Field],
        stop: [Option<&str>; 2],
    ) {
        // Usually the names are the same, in the same order: pair them by position.
        if old.len() == new.len() && old.iter().zip(new).all(|(f, g)| f.name == g.name) {
            for (i, (f, g)) in old.iter().zip(new).enumerate() {
                if !same(f, g) {
                    let nth = old[..i].iter().filter(|o| o.name == f.name).count();
                    self.pair(place, join(prefix, &nth_name(&f.name, nth)), f, g, stop);
                }
            }
            return;
        }
        // Where each name occurs among the new siblings, in order.
        let mut places: HashMap<&str, Vec<usize>> = HashMap::with_capacity(new.len());
        for (j, g) in new.iter().enumerate() {
            places.entry(g.name.as_str()).or_default().push(j);
        }
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(old.len());
        let mut used = vec![false; new.len()];
        for f in old {
            let nth = seen.entry(f.name.as_str()).or_default();
            let path = join(prefix, &nth_name(&f.name, *nth));
            let found = places
                .get(f.name.as_str())
                .and_then(|js| js.get(*nth))
                .copied();
            *nth += 1;
            match found {
                None => self.changes.push(FieldChange {
                    place,
                    path,
                    kind: FieldChangeKind::Removed {
                        ty: type_name(f),
                        nested: below(f),
                    },
                }),
                Some(j) => {
                    used[j] = true;
                    if !same(f, &new[j]) {
                        self.pair(place, path, f, &new[j], stop);
                    }
                }
            }
        }
        for (j, g) in new.iter().enumerate() {
            if used[j] {
                continue;
            }
            let nth = places[g.name.as_str()]
                .iter()
                .position(|&k| k == j)
                .unwrap_or(0);
            self.changes.push(FieldChange {
                place,
                path: join(prefix, &nth_name(&g.name, nth)),
                kind: FieldChangeKind::Added {
                    ty: type_name(g),
                    required: g.required,
                    nested: below(g),
                },
            });
        }
    }

    /// A field in both trees that differs somewhere (itself or below).
    fn pair(&mut self, place: Place, path: String, f: &Field, g: &Field, stop: [Option<&str>; 2]) {
        let kinds = field_changes(f, g);
        if kinds.is_empty() {
            if f.description != g.description {
                self.description_only += 1;
            }
        } else {
            self.changes
                .extend(kinds.into_iter().map(|kind| FieldChange {
                    place,
                    path: path.clone(),
                    kind,
                }));
        }
        if stop.contains(&Some(path.as_str())) {
            return;
        }
        let below = if g.ty == FieldType::Array {
            format!("{path}[]")
        } else {
            path
        };
        self.walk(
            place,
            &below,
            (&f.fields, &f.variants),
            (&g.fields, &g.variants),
            stop,
        );
    }

    /// The changes, sorted by where they are, path and kind.
    fn finish(mut self) -> (Vec<FieldChange>, usize) {
        self.changes.sort();
        (self.changes, self.description_only)
    }
}

/// The changes of a field that is in both snapshots, descriptions aside.
fn field_changes(f: &Field, g: &Field) -> Vec<FieldChangeKind> {
    let mut out = Vec::new();
    let (ta, tb) = (type_name(f), type_name(g));
    if ta != tb {
        out.push(FieldChangeKind::Retyped { from: ta, to: tb });
    }
    if f.required != g.required {
        out.push(if g.required {
            FieldChangeKind::MadeRequired
        } else {
            FieldChangeKind::MadeOptional
        });
    }
    let ea = f.enum_values.as_deref().unwrap_or_default();
    let eb = g.enum_values.as_deref().unwrap_or_default();
    if ea != eb {
        let plus = minus(eb, ea);
        let less = minus(ea, eb);
        if !plus.is_empty() {
            out.push(FieldChangeKind::EnumValuesAdded(plus));
        }
        if !less.is_empty() {
            out.push(FieldChangeKind::EnumValuesRemoved(less));
        }
    }
    let (xa, xb) = (encryption(f), encryption(g));
    if xa != xb {
        out.push(FieldChangeKind::EncryptionChanged { from: xa, to: xb });
    }
    if f.max_length != g.max_length {
        out.push(FieldChangeKind::MaxLengthChanged {
            from: f.max_length,
            to: g.max_length,
        });
    }
    let show = |s: Option<String>| s.unwrap_or_else(|| "none".to_string());
    for (attr, a, b) in [
        ("constant", f.constant.clone(), g.constant.clone()),
        (
            "encoded",
            f.encoded.as_ref().map(|e| e.to_string()),
            g.encoded.as_ref().map(|e| e.to_string()),
        ),
        (
            "signed",
            f.signed.as_ref().map(|e| e.to_string()),
            g.signed.as_ref().map(|e| e.to_string()),
        ),
    ] {
        if a != b {
            out.push(FieldChangeKind::AttributeChanged {
                attr,
                from: show(a),
                to: show(b),
            });
        }
    }
    out
}

impl Changes {
    /// Nothing changed (not even a description).
    pub fn is_empty(&self) -> bool {
        self.operations_added.is_empty()
            && self.operations_removed.is_empty()
            && self.operations_moved.is_empty()
            && self.operations_changed.is_empty()
            && self.notifications_added.is_empty()
            && self.notifications_removed.is_empty()
            && self.notifications_changed.is_empty()
            && self.event_types_added.is_empty()
            && self.event_types_removed.is_empty()
            && self.empty_pages_added == 0
            && self.empty_pages_removed == 0
    }

    /// Field-change tallies over the operations.
    pub fn operation_tally(&self) -> Tally {
        let mut t = Tally::default();
        for c in &self.operations_changed {
            t.add(&c.changes);
        }
        t
    }

    /// Field-change tallies over the notifications.
    pub fn notification_tally(&self) -> Tally {
        let mut t = Tally::default();
        for c in &self.notifications_changed {
            t.add(&c.changes);
        }
        t
    }

    /// The short text a maintainer pastes into release notes (at most six lines).
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "spec changes: none".to_string();
        }
        let ops = self.operation_tally();
        let ns = self.notification_tally();
        let mut out = format!(
            "spec changes: +{} operations, -{}, {} moved, {} operations with field changes ({}), {} enum values added, {} removed",
            self.operations_added.len(),
            self.operations_removed.len(),
            self.operations_moved.len(),
            ops.items,
            ops.fields_phrase(),
            ops.enum_values_added,
            ops.enum_values_removed,
        );
        let _ = write!(
            out,
            "\nnotifications: +{} pages, -{}, {} with field changes ({}), {} enum values added",
            self.notifications_added.len(),
            self.notifications_removed.len(),
            ns.items,
            ns.fields_phrase(),
            ns.enum_values_added,
        );
        let per_page_events: usize = self
            .notifications_changed
            .iter()
            .map(|c| c.event_types_added.len())
            .sum();
        let _ = write!(
            out,
            "; +{} event types{}",
            self.event_types_added.len(),
            listed(&self.event_types_added)
        );
        if !self.event_types_removed.is_empty() {
            let _ = write!(
                out,
                ", -{}{}",
                self.event_types_removed.len(),
                listed(&self.event_types_removed)
            );
        }
        if per_page_events > 0 {
            let _ = write!(out, ", {per_page_events} newly listed on existing pages");
        }
        let mut extra = Vec::new();
        if ops.titles + ns.titles > 0 {
            extra.push(format!("{} titles changed", ops.titles + ns.titles));
        }
        if ops.deprecated + ns.deprecated > 0 {
            extra.push(format!(
                "{} deprecation flags changed",
                ops.deprecated + ns.deprecated
            ));
        }
        let desc = ops.description_only_items + ns.description_only_items;
        if desc > 0 {
            extra.push(format!(
                "{desc} operations/notifications with description-only changes"
            ));
        }
        if self.empty_pages_added + self.empty_pages_removed > 0 {
            extra.push(format!(
                "pages without operations: +{}, -{}",
                self.empty_pages_added, self.empty_pages_removed
            ));
        }
        if !extra.is_empty() {
            out.push('\n');
            out.push_str(&extra.join("; "));
        }
        out
    }

    /// `spec/CHANGES.md`: a header naming both inputs, a counts table, then one section per kind of change,
    /// grouped by business group.
    pub fn render_markdown(&self, from: &str, to: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Spec changes\n");
        let _ = writeln!(
            md,
            "Written by `cargo xtask codegen`: what changed in `spec/` from `{from}` to `{to}`. Descriptions are \
             not compared in detail; fields whose description is the only change are counted. Fields are \
             named by dot paths of wire names (`a[].b`: a member of an array element; `#2.b`: a field of the \
             second alternative field set).\n"
        );
        if self.is_empty() {
            md.push_str("No changes.\n");
            return md;
        }
        let ops = self.operation_tally();
        let ns = self.notification_tally();
        md.push_str("| change | operations | notifications |\n| --- | ---: | ---: |\n");
        let rows: [(&str, usize, usize); 16] = [
            (
                "added",
                self.operations_added.len(),
                self.notifications_added.len(),
            ),
            (
                "removed",
                self.operations_removed.len(),
                self.notifications_removed.len(),
            ),
            ("moved to another page", self.operations_moved.len(), 0),
            ("with field changes", ops.items, ns.items),
            ("fields added", ops.added, ns.added),
            ("fields removed", ops.removed, ns.removed),
            ("fields retyped", ops.retyped, ns.retyped),
            ("fields made required", ops.made_required, ns.made_required),
            ("fields made optional", ops.made_optional, ns.made_optional),
            (
                "enum values added",
                ops.enum_values_added,
                ns.enum_values_added,
            ),
            (
                "enum values removed",
                ops.enum_values_removed,
                ns.enum_values_removed,
            ),
            (
                "encryption / max length / other attribute changed",
                ops.encryption_changed + ops.max_length_changed + ops.other_attributes,
                ns.encryption_changed + ns.max_length_changed + ns.other_attributes,
            ),
            ("titles changed", ops.titles, ns.titles),
            ("deprecation changed", ops.deprecated, ns.deprecated),
            (
                "description-only changes",
                ops.description_only_items,
                ns.description_only_items,
            ),
            (
                "event types added / removed (whole corpus)",
                0,
                self.event_types_added.len() + self.event_types_removed.len(),
            ),
        ];
        for (what, a, b) in rows {
            if a + b > 0 {
                let _ = writeln!(md, "| {what} | {a} | {b} |");
            }
        }
        if self.empty_pages_added + self.empty_pages_removed > 0 {
            let _ = writeln!(
                md,
                "\nPages without operations or notifications: {} added, {} removed.",
                self.empty_pages_added, self.empty_pages_removed
            );
        }

        if !self.operations_added.is_empty() {
            md.push_str("\n## Operations added\n");
            for (group, items) in grouped(&self.operations_added, OperationRef::group) {
                let _ = writeln!(md, "\n### `{group}`\n");
                for o in items {
                    let _ = writeln!(md, "- {}", op_line(o));
                }
            }
        }
        if !self.operations_removed.is_empty() {
            md.push_str("\n## Operations removed\n");
            for (group, items) in grouped(&self.operations_removed, OperationRef::group) {
                let _ = writeln!(md, "\n### `{group}`\n");
                for o in items {
                    let _ = writeln!(md, "- {}", op_line(o));
                }
            }
        }
        if !self.operations_moved.is_empty() {
            md.push_str("\n## Operations moved to another page\n\n");
            for m in &self.operations_moved {
                let _ = writeln!(md, "- `{} {}`: `{}` → `{}`", m.method, m.path, m.from, m.to);
            }
        }
        let changed: Vec<&OperationChange> = self
            .operations_changed
            .iter()
            .filter(|c| c.changes.is_substantial())
            .collect();
        if !changed.is_empty() {
            md.push_str("\n## Operations changed\n");
            for (group, items) in grouped(&changed, |c| c.op.group()) {
                let _ = writeln!(md, "\n### `{group}`\n");
                for c in items {
                    let _ = writeln!(
                        md,
                        "- `{} {}` {}",
                        c.op.method,
                        c.op.path,
                        one_line(&c.op.title)
                    );
                    item_lines(&mut md, &c.changes);
                }
            }
        }
        if !self.notifications_added.is_empty() {
            md.push_str("\n## Notifications added\n\n");
            for n in &self.notifications_added {
                let _ = writeln!(md, "- {}", notification_line(n));
            }
        }
        if !self.notifications_removed.is_empty() {
            md.push_str("\n## Notifications removed\n\n");
            for n in &self.notifications_removed {
                let _ = writeln!(md, "- {}", notification_line(n));
            }
        }
        if !self.event_types_added.is_empty() || !self.event_types_removed.is_empty() {
            md.push_str("\n## Event types\n\n");
            if !self.event_types_added.is_empty() {
                let _ = writeln!(md, "- new: {}", code_list(&self.event_types_added));
            }
            if !self.event_types_removed.is_empty() {
                let _ = writeln!(
                    md,
                    "- no longer documented: {}",
                    code_list(&self.event_types_removed)
                );
            }
        }
        let changed: Vec<&NotificationChange> = self
            .notifications_changed
            .iter()
            .filter(|c| {
                c.changes.is_substantial()
                    || !c.event_types_added.is_empty()
                    || !c.event_types_removed.is_empty()
            })
            .collect();
        if !changed.is_empty() {
            md.push_str("\n## Notifications changed\n");
            for (group, items) in grouped(&changed, |c| c.notification.group()) {
                let _ = writeln!(md, "\n### `{group}`\n");
                for c in items {
                    let _ = writeln!(
                        md,
                        "- `{}` {}",
                        c.notification.source,
                        one_line(&c.notification.title)
                    );
                    if !c.event_types_added.is_empty() {
                        let _ = writeln!(
                            md,
                            "  - event types added: {}",
                            code_list(&c.event_types_added)
                        );
                    }
                    if !c.event_types_removed.is_empty() {
                        let _ = writeln!(
                            md,
                            "  - event types removed: {}",
                            code_list(&c.event_types_removed)
                        );
                    }
                    item_lines(&mut md, &c.changes);
                }
            }
        }
        let desc_ops: Vec<&OperationChange> = self
            .operations_changed
            .iter()
            .filter(|c| !c.changes.is_substantial())
            .collect();
        let desc_ns: Vec<&NotificationChange> = self
            .notifications_changed
            .iter()
            .filter(|c| {
                !c.changes.is_substantial()
                    && c.event_types_added.is_empty()
                    && c.event_types_removed.is_empty()
            })
            .collect();
        if !desc_ops.is_empty() || !desc_ns.is_empty() {
            md.push_str(
                "\n## Description-only changes\n\nNumber of fields whose description changed; `+` when the \
                 operation's own description changed too.\n\n",
            );
            for (group, items) in grouped(&desc_ops, |c| c.op.group()) {
                let list: Vec<String> = items
                    .iter()
                    .map(|c| {
                        format!(
                            "`{} {}` ({}{})",
                            c.op.method,
                            c.op.path,
                            c.changes.description_only,
                            if c.changes.description_changed {
                                "+"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                let _ = writeln!(md, "- `{group}`: {}", list.join(", "));
            }
            if !desc_ns.is_empty() {
                let list: Vec<String> = desc_ns
                    .iter()
                    .map(|c| {
                        format!(
                            "`{}` ({}{})",
                            c.notification.source,
                            c.changes.description_only,
                            if c.changes.description_changed {
                                "+"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                let _ = writeln!(md, "- notifications: {}", list.join(", "));
            }
        }
        md
    }
}

/// ` (A, B)` for up to three names, else nothing.
fn listed(names: &[String]) -> String {
    if names.is_empty() || names.len() > 3 {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

fn code_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A title on one line (the docs keep titles short, but never let one break a list item).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn op_line(o: &OperationRef) -> String {
    format!(
        "`{} {}` {} ({}, `{}`)",
        o.method,
        o.path,
        one_line(&o.title),
        o.api,
        o.source
    )
}

fn notification_line(n: &NotificationRef) -> String {
    let events = if n.event_types.is_empty() {
        String::new()
    } else {
        format!(": {}", code_list(&n.event_types))
    };
    format!("`{}` {} ({}){events}", n.source, one_line(&n.title), n.api)
}

/// Items in runs of equal group (the input is sorted by group).
fn grouped<'a, T>(items: &'a [T], group: impl Fn(&'a T) -> &'a str) -> Vec<(&'a str, Vec<&'a T>)> {
    let mut out: Vec<(&str, Vec<&T>)> = Vec::new();
    for it in items {
        let g = group(it);
        match out.last_mut() {
            Some((last, v)) if *last == g => v.push(it),
            _ => out.push((g, vec![it])),
        }
    }
    out
}

fn item_lines(md: &mut String, c: &ItemChanges) {
    if let Some((a, b)) = &c.title {
        let _ = writeln!(md, "  - title: {} → {}", one_line(a), one_line(b));
    }
    if let Some((_, now)) = c.deprecated {
        let _ = writeln!(
            md,
            "  - {}",
            if now {
                "now deprecated"
            } else {
                "no longer deprecated"
            }
        );
    }
    for o in &c.other {
        let _ = writeln!(md, "  - {o}");
    }
    for f in &c.fields {
        let _ = writeln!(
            md,
            "  - {} `{}` {}",
            f.place.as_str(),
            f.path,
            kind_text(&f.kind)
        );
    }
    if c.description_only > 0 {
        let _ = writeln!(
            md,
            "  - _{} field{} changed description only_",
            c.description_only,
            if c.description_only == 1 { "" } else { "s" }
        );
    }
}

fn kind_text(k: &FieldChangeKind) -> String {
    let nested = |n: usize| match n {
        0 => String::new(),
        1 => ", 1 field below".to_string(),
        n => format!(", {n} fields below"),
    };
    let len = |n: Option<u32>| n.map_or_else(|| "none".to_string(), |n| n.to_string());
    match k {
        FieldChangeKind::Added {
            ty,
            required,
            nested: n,
        } => format!(
            "added ({ty}{}{})",
            if *required { ", required" } else { "" },
            nested(*n)
        ),
        FieldChangeKind::Removed { ty, nested: n } => format!("removed ({ty}{})", nested(*n)),
        FieldChangeKind::Retyped { from, to } => format!("retyped {from} → {to}"),
        FieldChangeKind::MadeRequired => "made required".to_string(),
        FieldChangeKind::MadeOptional => "made optional".to_string(),
        FieldChangeKind::EnumValuesAdded(v) => format!("enum values added: {}", code_list(v)),
        FieldChangeKind::EnumValuesRemoved(v) => format!("enum values removed: {}", code_list(v)),
        FieldChangeKind::EncryptionChanged { from, to } => format!("encryption {from} → {to}"),
        FieldChangeKind::MaxLengthChanged { from, to } => {
            format!("max length {} → {}", len(*from), len(*to))
        }
        FieldChangeKind::AttributeChanged { attr, from, to } => format!("{attr} {from} → {to}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{BodyFormat, Encryption, KeyOwner};

    fn field(name: &str, ty: FieldType) -> Field {
        Field {
            name: name.to_string(),
            ty,
            ..Field::default()
        }
    }

    fn s(name: &str) -> Field {
        field(name, FieldType::String)
    }

    fn req(mut f: Field) -> Field {
        f.required = true;
        f
    }

    fn with(mut f: Field, children: Vec<Field>) -> Field {
        f.fields = children;
        f
    }

    fn objects(name: &str, children: Vec<Field>) -> Field {
        let mut f = field(name, FieldType::Array);
        f.items = Some(FieldType::Object);
        with(f, children)
    }

    fn values(mut f: Field, v: &[&str]) -> Field {
        f.enum_values = Some(v.iter().map(|v| v.to_string()).collect());
        f
    }

    fn described(mut f: Field, d: &str) -> Field {
        f.description = d.to_string();
        f
    }

    fn json(fields: Vec<Field>) -> Body {
        Body {
            format: BodyFormat::Json,
            fields,
            ..Body::default()
        }
    }

    fn op(method: Method, path: &str, title: &str) -> Operation {
        Operation {
            method,
            path: path.to_string(),
            title: title.to_string(),
            ..Operation::default()
        }
    }

    fn page(source: &str, ops: Vec<Operation>) -> Page {
        Page {
            source: source.to_string(),
            title: source.to_string(),
            operations: ops,
            ..Page::default()
        }
    }

    fn webhook(source: &str, events: &[&str], resource: Vec<Field>) -> Page {
        let mut ciphertext = s("ciphertext");
        ciphertext.encrypted = Some(Encryption::AesGcm);
        ciphertext.fields = resource.clone();
        let envelope = json(vec![
            req(values(s("event_type"), events)),
            with(field("resource", FieldType::Object), vec![ciphertext]),
        ]);
        Page {
            source: source.to_string(),
            title: source.to_string(),
            notifications: vec![Notification {
                title: format!("notification {source}"),
                event_types: events.iter().map(|e| e.to_string()).collect(),
                envelope,
                encrypted_field: Some("resource.ciphertext".to_string()),
                resource,
                ..Notification::default()
            }],
            ..Page::default()
        }
    }

    fn kinds(c: &ItemChanges, place: Place) -> Vec<(&str, &FieldChangeKind)> {
        c.fields
            .iter()
            .filter(|f| f.place == place)
            .map(|f| (f.path.as_str(), &f.kind))
            .collect()
    }

    /// A payment page, old shape.
    fn jsapi_old() -> Operation {
        let mut o = op(Method::Post, "/v3/pay/transactions/jsapi", "JSAPI下单");
        o.request_body = json(vec![
            s("appid"),
            req(s("mchid")),
            described(s("description"), "商品描述"),
            with(
                req(field("amount", FieldType::Object)),
                vec![
                    req(field("total", FieldType::Integer)),
                    values(s("currency"), &["CNY", "USD"]),
                ],
            ),
            with(
                {
                    let mut d = s("detail");
                    d.encoded = Some(crate::spec::Encoding::Json);
                    d
                },
                vec![objects(
                    "goods_detail",
                    vec![
                        field("price", FieldType::Integer),
                        field("mcc", FieldType::Integer),
                    ],
                )],
            ),
            {
                let mut f = s("name");
                f.encrypted = Some(Encryption::RsaPubkey);
                f.encryption_key = Some(KeyOwner::Wechatpay);
                f.max_length = Some(32);
                f
            },
        ]);
        o.response = json(vec![req(s("prepay_id"))]);
        o
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let pages = vec![
            page("openapi/v3/pay/transactions/jsapi.md", vec![jsapi_old()]),
            webhook(
                "webhook/v3/TRANSACTION.SUCCESS.md",
                &["TRANSACTION.SUCCESS"],
                vec![s("a")],
            ),
        ];
        let c = diff(&pages, &pages);
        assert!(c.is_empty(), "{c:#?}");
        assert_eq!(c.summary(), "spec changes: none");
        assert!(c.render_markdown("a", "b").contains("No changes."));
        assert!(diff(&[], &[]).is_empty());
    }

    #[test]
    fn source_lines_do_not_matter() {
        let a = page("openapi/v3/pay/transactions/jsapi.md", vec![jsapi_old()]);
        let mut b = a.clone();
        b.operations[0].request_body.fields[3].fields[0].line = 42;
        b.operations[0].response.fields[0].line = 7;
        assert_ne!(a, b);
        assert!(diff(&[a], &[b]).is_empty());
    }

    #[test]
    fn operations_added_removed_and_moved() {
        let old = vec![
            page(
                "openapi/v3/pay/a.md",
                vec![op(Method::Post, "/v3/pay/a", "A")],
            ),
            page(
                "openapi/v3/pay/b.md",
                vec![op(Method::Get, "/v3/pay/b", "B")],
            ),
            page(
                "openapi/v2/pay/c.md",
                vec![op(Method::Post, "/v2/pay/c", "C")],
            ),
        ];
        let mut v2 = op(Method::Post, "/v2/mmpaymkttransfers/d", "D");
        v2.api = Api::V2;
        let new = vec![
            page(
                "openapi/v3/pay/a.md",
                vec![op(Method::Post, "/v3/pay/a", "A")],
            ),
            // Same method and path, on another page: moved, not removed and added.
            page(
                "openapi/v3/pay/b-moved.md",
                vec![op(Method::Get, "/v3/pay/b", "B")],
            ),
            // Another method on a known path is a new operation.
            page(
                "openapi/v3/pay/a-get.md",
                vec![op(Method::Get, "/v3/pay/a", "A2")],
            ),
            page("openapi/v2/mmpaymkttransfers/d.md", vec![v2]),
        ];
        let c = diff(&old, &new);
        let added: Vec<(Method, &str, Api, &str)> = c
            .operations_added
            .iter()
            .map(|o| (o.method, o.path.as_str(), o.api, o.title.as_str()))
            .collect();
        // Sorted by group (`mmpaymkttransfers` < `pay`), then path.
        assert_eq!(
            added,
            [
                (Method::Post, "/v2/mmpaymkttransfers/d", Api::V2, "D"),
                (Method::Get, "/v3/pay/a", Api::V3, "A2"),
            ]
        );
        assert_eq!(c.operations_removed.len(), 1);
        assert_eq!(c.operations_removed[0].path, "/v2/pay/c");
        assert_eq!(
            c.operations_moved,
            [Moved {
                method: Method::Get,
                path: "/v3/pay/b".to_string(),
                from: "openapi/v3/pay/b.md".to_string(),
                to: "openapi/v3/pay/b-moved.md".to_string(),
            }]
        );
        assert!(c.operations_changed.is_empty());
        assert!(c.summary().starts_with(
            "spec changes: +2 operations, -1, 1 moved, 0 operations with field changes"
        ));
        let md = c.render_markdown("old", "new");
        assert!(md.contains("## Operations added\n\n### `mmpaymkttransfers`\n\n- `POST /v2/mmpaymkttransfers/d` D (v2, `openapi/v2/mmpaymkttransfers/d.md`)\n"), "{md}");
        assert!(
            md.contains("- `GET /v3/pay/b`: `openapi/v3/pay/b.md` → `openapi/v3/pay/b-moved.md`"),
            "{md}"
        );
    }

    #[test]
    fn request_field_changes_are_named_by_dot_paths() {
        let old = vec![page(
            "openapi/v3/pay/transactions/jsapi.md",
            vec![jsapi_old()],
        )];
        let mut o = jsapi_old();
        let body = &mut o.request_body.fields;
        body[0] = req(s("appid")); // made required
        body[1] = s("mchid"); // made optional
        body[2] = described(s("description"), "商品描述（新）"); // description only
        body[3].fields[0] = req(s("total")); // retyped integer → string
        body[3].fields[1] = values(s("currency"), &["CNY", "HKD"]); // +HKD, -USD
        let goods = &mut body[4].fields[0].fields;
        goods[1] = field("merchant_category_code", FieldType::Integer); // mcc renamed
        body[5].encrypted = Some(Encryption::AesGcm);
        body[5].encryption_key = Some(KeyOwner::Apiv3Key);
        body[5].max_length = Some(64);
        body.push(with(
            field("scene_info", FieldType::Object),
            vec![
                req(s("payer_client_ip")),
                with(field("store_info", FieldType::Object), vec![s("id")]),
            ],
        ));
        let new = vec![page("openapi/v3/pay/transactions/jsapi.md", vec![o])];
        let c = diff(&old, &new);
        assert_eq!(c.operations_changed.len(), 1);
        let ch = &c.operations_changed[0].changes;
        use FieldChangeKind as K;
        assert_eq!(
            kinds(ch, Place::Request),
            [
                ("amount.currency", &K::EnumValuesAdded(vec!["HKD".into()])),
                ("amount.currency", &K::EnumValuesRemoved(vec!["USD".into()])),
                (
                    "amount.total",
                    &K::Retyped {
                        from: "integer".into(),
                        to: "string".into()
                    }
                ),
                ("appid", &K::MadeRequired),
                (
                    "detail.goods_detail[].mcc",
                    &K::Removed {
                        ty: "integer".into(),
                        nested: 0
                    }
                ),
                (
                    "detail.goods_detail[].merchant_category_code",
                    &K::Added {
                        ty: "integer".into(),
                        required: false,
                        nested: 0
                    }
                ),
                ("mchid", &K::MadeOptional),
                (
                    "name",
                    &K::EncryptionChanged {
                        from: "rsa-pubkey (wechatpay)".into(),
                        to: "aes-gcm (apiv3-key)".into()
                    }
                ),
                (
                    "name",
                    &K::MaxLengthChanged {
                        from: Some(32),
                        to: Some(64)
                    }
                ),
                // A new subtree is one change, with the count of what is below it.
                (
                    "scene_info",
                    &K::Added {
                        ty: "object".into(),
                        required: false,
                        nested: 3
                    }
                ),
            ]
        );
        assert_eq!(ch.description_only, 1);
        let t = c.operation_tally();
        assert_eq!(
            (
                t.items,
                t.added,
                t.removed,
                t.retyped,
                t.made_required,
                t.made_optional
            ),
            (1, 2, 1, 1, 1, 1)
        );
        assert_eq!((t.enum_values_added, t.enum_values_removed), (1, 1));
        let md = c.render_markdown("old", "new");
        assert!(md.contains("## Operations changed\n\n### `pay`\n\n- `POST /v3/pay/transactions/jsapi` JSAPI下单\n"), "{md}");
        assert!(
            md.contains("  - request `detail.goods_detail[].mcc` removed (integer)\n"),
            "{md}"
        );
        assert!(
            md.contains("  - request `scene_info` added (object, 3 fields below)\n"),
            "{md}"
        );
        assert!(
            md.contains("  - request `amount.currency` enum values added: `HKD`\n"),
            "{md}"
        );
        assert!(
            md.contains("  - _1 field changed description only_\n"),
            "{md}"
        );
        assert!(md.contains("| fields added | 2 | 0 |"), "{md}");
    }

    #[test]
    fn other_places_variants_title_and_deprecation() {
        let mut a = op(
            Method::Get,
            "/v3/refund/domestic/refunds/{out_refund_no}",
            "查询退款",
        );
        a.path_params = vec![req(s("out_refund_no"))];
        a.query = vec![s("sub_mchid")];
        a.headers = vec![s("Wechatpay-Serial")];
        a.response = Body {
            format: BodyFormat::Json,
            variants: vec![vec![s("refund_id")], vec![s("code")]],
            ..Body::default()
        };
        let mut b = a.clone();
        b.title = "查询单笔退款".to_string();
        b.deprecated = true;
        b.path_params[0].ty = FieldType::Integer;
        b.query.push(s("offset"));
        b.headers.clear();
        b.response.variants[1].push(with(field("detail", FieldType::Object), vec![s("x")]));
        b.response.format = BodyFormat::Binary;
        let c = diff(
            &[page("openapi/v3/refund/a.md", vec![a])],
            &[page("openapi/v3/refund/a.md", vec![b])],
        );
        let ch = &c.operations_changed[0].changes;
        assert_eq!(
            ch.title,
            Some(("查询退款".to_string(), "查询单笔退款".to_string()))
        );
        assert_eq!(ch.deprecated, Some((false, true)));
        assert_eq!(ch.other, ["response format: json → binary"]);
        let places: Vec<(Place, &str)> = ch
            .fields
            .iter()
            .map(|f| (f.place, f.path.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (Place::PathParam, "out_refund_no"),
                (Place::Query, "offset"),
                (Place::Header, "Wechatpay-Serial"),
                (Place::Response, "#2.detail"),
            ]
        );
        let md = c.render_markdown("x", "y");
        assert!(
            md.contains("  - title: 查询退款 → 查询单笔退款\n  - now deprecated\n"),
            "{md}"
        );
        assert!(
            md.contains("  - path parameter `out_refund_no` retyped string → integer\n"),
            "{md}"
        );
        assert!(
            md.contains("  - response `#2.detail` added (object, 1 field below)\n"),
            "{md}"
        );
        assert!(
            c.summary()
                .contains("1 titles changed; 1 deprecation flags changed"),
            "{}",
            c.summary()
        );
    }

    #[test]
    fn description_only_changes_are_counted_compactly() {
        let a = jsapi_old();
        let mut b = a.clone();
        b.description = "new words".to_string();
        b.request_body.fields[0].description = "公众号ID".to_string();
        b.response.fields[0].description = "预支付ID".to_string();
        let c = diff(
            &[page("openapi/v3/pay/transactions/jsapi.md", vec![a])],
            &[page("openapi/v3/pay/transactions/jsapi.md", vec![b])],
        );
        assert_eq!(c.operations_changed.len(), 1);
        let ch = &c.operations_changed[0].changes;
        assert!(!ch.is_substantial());
        assert_eq!((ch.description_only, ch.description_changed), (2, true));
        assert_eq!(c.operation_tally().items, 0);
        let md = c.render_markdown("x", "y");
        assert!(!md.contains("## Operations changed"), "{md}");
        assert!(
            md.contains("- `pay`: `POST /v3/pay/transactions/jsapi` (2+)\n"),
            "{md}"
        );
        assert!(c
            .summary()
            .contains("1 operations/notifications with description-only changes"));
    }

    #[test]
    fn notification_changes() {
        let old = vec![
            webhook(
                "webhook/v3/PROFITSHARING.SUCCESS.md",
                &["PROFITSHARING.SUCCESS"],
                vec![
                    s("transaction_id"),
                    with(
                        field("receiver", FieldType::Object),
                        vec![values(s("type"), &["MERCHANT_ID"])],
                    ),
                    field("amount", FieldType::Integer),
                    s("gone"),
                ],
            ),
            webhook("webhook/v3/OLD.EVENT.md", &["OLD.EVENT"], vec![s("a")]),
        ];
        let new = vec![
            webhook(
                "webhook/v3/PROFITSHARING.SUCCESS.md",
                &["PROFITSHARING.SUCCESS", "TRANSACTION.SUCCESS"],
                vec![
                    req(s("transaction_id")),
                    with(
                        field("receiver", FieldType::Object),
                        vec![values(s("type"), &["MERCHANT_ID", "PERSONAL_OPENID"])],
                    ),
                    field("amount", FieldType::Number),
                    s("success_time"),
                ],
            ),
            webhook(
                "webhook/v3/SECURITY_ECHO.SUCCESS.md",
                &["SECURITY_ECHO.SUCCESS"],
                vec![s("echo_message")],
            ),
        ];
        let c = diff(&old, &new);
        assert_eq!(c.notifications_added.len(), 1);
        assert_eq!(
            c.notifications_added[0].event_types,
            ["SECURITY_ECHO.SUCCESS"]
        );
        assert_eq!(c.notifications_removed[0].source, "webhook/v3/OLD.EVENT.md");
        assert_eq!(
            c.event_types_added,
            ["SECURITY_ECHO.SUCCESS", "TRANSACTION.SUCCESS"]
        );
        assert_eq!(c.event_types_removed, ["OLD.EVENT"]);
        assert_eq!(c.notifications_changed.len(), 1);
        let n = &c.notifications_changed[0];
        assert_eq!(n.event_types_added, ["TRANSACTION.SUCCESS"]);
        assert!(n.event_types_removed.is_empty());
        use FieldChangeKind as K;
        assert_eq!(
            kinds(&n.changes, Place::Resource),
            [
                (
                    "amount",
                    &K::Retyped {
                        from: "integer".into(),
                        to: "number".into()
                    }
                ),
                (
                    "gone",
                    &K::Removed {
                        ty: "string".into(),
                        nested: 0
                    }
                ),
                (
                    "receiver.type",
                    &K::EnumValuesAdded(vec!["PERSONAL_OPENID".into()])
                ),
                (
                    "success_time",
                    &K::Added {
                        ty: "string".into(),
                        required: false,
                        nested: 0
                    }
                ),
                ("transaction_id", &K::MadeRequired),
            ]
        );
        // The envelope's encrypted field carries a copy of the resource: reported once, as resource.
        assert_eq!(
            kinds(&n.changes, Place::Envelope),
            [(
                "event_type",
                &K::EnumValuesAdded(vec!["TRANSACTION.SUCCESS".into()])
            )]
        );
        let md = c.render_markdown("x", "y");
        assert!(md.contains("## Notifications added\n\n- `webhook/v3/SECURITY_ECHO.SUCCESS.md` notification webhook/v3/SECURITY_ECHO.SUCCESS.md (v3): `SECURITY_ECHO.SUCCESS`\n"), "{md}");
        assert!(md.contains("### `PROFITSHARING`\n\n- `webhook/v3/PROFITSHARING.SUCCESS.md` notification webhook/v3/PROFITSHARING.SUCCESS.md\n  - event types added: `TRANSACTION.SUCCESS`\n"), "{md}");
        assert!(md.contains("- new: `SECURITY_ECHO.SUCCESS`, `TRANSACTION.SUCCESS`\n- no longer documented: `OLD.EVENT`\n"), "{md}");
        let sum = c.summary();
        assert!(
            sum.contains("notifications: +1 pages, -1, 1 with field changes (1 added, 1 removed, 1 retyped, 1 made required), 2 enum values added; +2 event types (SECURITY_ECHO.SUCCESS, TRANSACTION.SUCCESS), -1 (OLD.EVENT), 1 newly listed on existing pages"),
            "{sum}"
        );
    }

    #[test]
    fn empty_pages_are_only_counted() {
        let old = vec![
            page("openapi/v3/x/index.md", vec![]),
            page("openapi/v3/x/keep.md", vec![]),
        ];
        let new = vec![
            page("openapi/v3/x/keep.md", vec![]),
            page("openapi/v3/y/index.md", vec![]),
            page("openapi/v3/z/index.md", vec![]),
        ];
        let c = diff(&old, &new);
        assert_eq!((c.empty_pages_added, c.empty_pages_removed), (2, 1));
        assert!(!c.is_empty());
        assert!(c.summary().contains("pages without operations: +2, -1"));
        assert!(c
            .render_markdown("x", "y")
            .contains("Pages without operations or notifications: 2 added, 1 removed."));
    }

    #[test]
    fn output_does_not_depend_on_page_order() {
        let old = vec![
            page("openapi/v3/pay/transactions/jsapi.md", vec![jsapi_old()]),
            page("openapi/v3/b/x.md", vec![op(Method::Post, "/v3/b/x", "X")]),
        ];
        let mut changed = jsapi_old();
        changed.request_body.fields.reverse();
        changed.request_body.fields.push(s("z"));
        let new = vec![
            page("openapi/v3/a/y.md", vec![op(Method::Post, "/v3/a/y", "Y")]),
            page("openapi/v3/c/y.md", vec![op(Method::Put, "/v3/c/y", "Y")]),
            page("openapi/v3/pay/transactions/jsapi.md", vec![changed]),
        ];
        let one = diff(&old, &new);
        let mut old_r = old.clone();
        old_r.reverse();
        let mut new_r = new.clone();
        new_r.reverse();
        let two = diff(&old_r, &new_r);
        assert_eq!(one, two);
        assert_eq!(one.render_markdown("a", "b"), two.render_markdown("a", "b"));
        // Reordering fields is not a change.
        assert_eq!(
            kinds(&one.operations_changed[0].changes, Place::Request),
            [(
                "z",
                &FieldChangeKind::Added {
                    ty: "string".into(),
                    required: false,
                    nested: 0
                }
            )]
        );
    }

    #[test]
    fn summary_is_short() {
        let old = vec![webhook("webhook/v3/A.B.md", &["A.B"], vec![s("a")])];
        let mut o = jsapi_old();
        o.title = "t".into();
        let new = vec![page("openapi/v3/pay/x.md", vec![o])];
        let c = diff(&old, &new);
        let sum = c.summary();
        assert!(sum.lines().count() <= 6, "{sum}");
        assert!(sum.starts_with("spec changes: +1 operations, -0, 0 moved, 0 operations with field changes (no field changes)"), "{sum}");
    }

    #[test]
    fn paths_and_groups() {
        assert_eq!(group_of("/v3/pay/transactions/jsapi"), "pay");
        assert_eq!(
            group_of("/v2/mmpaymkttransfers/sendredpack"),
            "mmpaymkttransfers"
        );
        assert_eq!(group_of("/v3/"), "(root)");
        assert_eq!(group_of("/other/x"), "other");
    }
}
