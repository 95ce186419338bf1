//! The corrections overlay: known errors of the docs, fixed between the parsed pages and `spec/`.
//!
//! The entries live in `xtask/corrections.json` (hand-written and reviewed, compiled into the generator
//! so a run cannot pick up a stray file). Each entry names a page, the part of it (`response`,
//! `request_body` or a notification's `resource`), a field path and an action, and cites its source: the
//! second docs site (`../shared/docs/wechatpay.js.org`), a PHP example of the docs, a test vector or an
//! official SDK model. The corrected pages are what `spec/` holds, so a `--spec-only` run sees the same
//! model, and a reviewer sees each correction's effect in the `spec/` diff.
//!
//! Every entry is reported in `spec/DIAGNOSTICS.md`: `correction` when applied, `correction-stale` when
//! it no longer matches the page (the page or field is gone, or the docs now say what the entry says).
//! A stale entry never stops the generator.

use crate::diag::Diagnostic;
use crate::spec::{Field, Page};
use serde::Deserialize;

/// The overlay, as committed.
pub const CORRECTIONS_JSON: &str = include_str!("../corrections.json");

/// The file, for messages.
pub const CORRECTIONS_FILE: &str = "xtask/corrections.json";

/// The diagnostic class of an applied correction.
pub const APPLIED: &str = "correction";

/// The diagnostic class of an entry that no longer applies (the docs changed under it).
pub const STALE: &str = "correction-stale";

/// The classes the overlay reports (not the page parser: a single page never reports them).
pub const CLASSES: [&str; 2] = [APPLIED, STALE];

/// One correction.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The page, as its `source` in `spec/` (e.g. `webhook/v3/TRANSACTION.SUCCESS.md`).
    pub page: String,
    /// Which part of the page.
    pub part: Part,
    /// The operation (`GET /v3/…`) or event type (`TRANSACTION.SUCCESS`) when the page has several;
    /// without it, every operation or notification of the page.
    #[serde(default)]
    pub target: Option<String>,
    /// Dotted path of the field (`amount.total`); array members are reached through the array's name.
    pub path: String,
    pub action: Action,
    /// The field to add or to put in place of the existing one (`name` comes from `path`).
    #[serde(default)]
    pub field: Option<serde_json::Value>,
    /// Where the correct shape is documented: a file of the js.org docs, a docs PHP example, a test
    /// vector or an official SDK model (URL with commit).
    pub source: String,
    /// What is wrong in the docs.
    pub why: String,
}

/// The part of a page a correction changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Response,
    RequestBody,
    Resource,
}

/// What a correction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Adds a field the docs omit (stale if the field is there).
    Add,
    /// Removes a field that does not belong there (stale if it is gone).
    Remove,
    /// Marks a field optional that the docs mark required (stale if it is optional or gone).
    Optional,
    /// Replaces the field with `field` (stale if it is gone or already equal).
    Replace,
}

/// Reads the overlay. A malformed file is an error of the repository (not of the docs), reported as one
/// diagnostic, with no correction applied.
pub fn load(text: &str) -> Result<Vec<Correction>, String> {
    serde_json::from_str(text).map_err(|e| format!("{CORRECTIONS_FILE}: {e}"))
}

/// Applies the committed overlay to `pages`; returns one diagnostic per entry.
pub fn apply_committed(pages: &mut [Page]) -> Vec<Diagnostic> {
    match load(CORRECTIONS_JSON) {
        Ok(list) => apply(&list, pages),
        Err(e) => vec![Diagnostic::warning(CORRECTIONS_FILE, STALE, e)],
    }
}

/// Applies `list` to `pages` in order; returns one diagnostic per entry (applied or stale).
pub fn apply(list: &[Correction], pages: &mut [Page]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in list {
        let what = format!(
            "{} `{}` in the {}{}",
            action_name(c.action),
            c.path,
            part_name(c.part),
            c.target
                .as_deref()
                .map(|t| format!(" of `{t}`"))
                .unwrap_or_default()
        );
        let result = match pages.iter_mut().find(|p| p.source == c.page) {
            None => Err("the page is gone".to_string()),
            Some(page) => apply_one(c, page),
        };
        out.push(match result {
            Ok(()) => Diagnostic::warning(
                &c.page,
                APPLIED,
                format!("applied: {what} ({}); source: {}", c.why, c.source),
            ),
            Err(reason) => Diagnostic::warning(
                &c.page,
                STALE,
                format!(
                    "not applied: {what}: {reason}; review the entry in {CORRECTIONS_FILE} (source: {})",
                    c.source
                ),
            ),
        });
    }
    out
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Add => "add",
        Action::Remove => "remove",
        Action::Optional => "make optional",
        Action::Replace => "replace",
    }
}

fn part_name(p: Part) -> &'static str {
    match p {
        Part::Response => "response",
        Part::RequestBody => "request body",
        Part::Resource => "notification resource",
    }
}

/// The field lists of the targeted part (the fields and every alternative set).
fn field_lists<'a>(c: &Correction, page: &'a mut Page) -> Vec<&'a mut Vec<Field>> {
    let mut lists = Vec::new();
    let target = c.target.as_deref();
    match c.part {
        Part::Response | Part::RequestBody => {
            for op in &mut page.operations {
                let name = format!("{} {}", op.method, op.path);
                if target.is_some_and(|t| t != name) {
                    continue;
                }
                let body = if c.part == Part::Response {
                    &mut op.response
                } else {
                    &mut op.request_body
                };
                lists.push(&mut body.fields);
                lists.extend(body.variants.iter_mut());
            }
        }
        Part::Resource => {
            for n in &mut page.notifications {
                if target.is_some_and(|t| !n.event_types.iter().any(|e| e == t)) {
                    continue;
                }
                lists.push(&mut n.resource);
                lists.extend(n.resource_variants.iter_mut());
            }
        }
    }
    lists
}

/// The list holding the field at `parents` (its members, and those of every alternative set).
fn children<'a>(list: &'a mut Vec<Field>, parents: &[&str]) -> Vec<&'a mut Vec<Field>> {
    let Some((first, rest)) = parents.split_first() else {
        return vec![list];
    };
    let mut out = Vec::new();
    for f in list.iter_mut().filter(|f| f.name == *first) {
        let Field {
            fields, variants, ..
        } = f;
        out.extend(children(fields, rest));
        for v in variants.iter_mut() {
            out.extend(children(v, rest));
        }
    }
    out
}

fn apply_one(c: &Correction, page: &mut Page) -> Result<(), String> {
    let segments: Vec<&str> = c.path.split('.').collect();
    let Some((name, parents)) = segments.split_last() else {
        return Err("empty path".into());
    };
    let new_field = match (&c.field, c.action) {
        (Some(v), Action::Add | Action::Replace) => {
            let mut v = v.clone();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("name".into(), serde_json::Value::String(name.to_string()));
            }
            Some(
                serde_json::from_value::<Field>(v)
                    .map_err(|e| format!("`field` is not a spec field: {e}"))?,
            )
        }
        (None, Action::Add | Action::Replace) => return Err("`field` is missing".into()),
        _ => None,
    };
    let lists = field_lists(c, page);
    if lists.is_empty() {
        return Err(format!("the page has no {}", part_name(c.part)));
    }
    let mut parent_found = false;
    let mut changed = false;
    let mut already = false;
    for list in lists {
        for siblings in children(list, parents) {
            parent_found = true;
            let pos = siblings.iter().position(|f| f.name == *name);
            match (c.action, pos) {
                (Action::Add, None) => {
                    siblings.push(new_field.clone().unwrap_or_default());
                    changed = true;
                }
                (Action::Add, Some(_)) => already = true,
                (Action::Remove, Some(i)) => {
                    siblings.remove(i);
                    changed = true;
                }
                (Action::Optional, Some(i)) if siblings[i].required => {
                    siblings[i].required = false;
                    changed = true;
                }
                (Action::Optional, Some(_)) => already = true,
                (Action::Replace, Some(i)) => {
                    let mut f = new_field.clone().unwrap_or_default();
                    f.line = siblings[i].line;
                    if siblings[i] == f {
                        already = true;
                    } else {
                        siblings[i] = f;
                        changed = true;
                    }
                }
                (Action::Remove | Action::Optional | Action::Replace, None) => {}
            }
        }
    }
    if changed {
        Ok(())
    } else if already {
        Err("the docs now say so (the entry can go)".into())
    } else if !parent_found {
        Err(format!("`{}` is gone", parents.join(".")))
    } else {
        Err(format!("`{}` is gone", c.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{FieldType, Notification};

    fn page() -> Page {
        Page {
            source: "webhook/v3/X.md".into(),
            notifications: vec![Notification {
                event_types: vec!["X".into()],
                resource: vec![
                    Field {
                        name: "description".into(),
                        required: true,
                        ..Field::default()
                    },
                    Field {
                        name: "amount".into(),
                        ty: FieldType::Object,
                        fields: vec![Field {
                            name: "currency".into(),
                            ..Field::default()
                        }],
                        ..Field::default()
                    },
                ],
                ..Notification::default()
            }],
            ..Page::default()
        }
    }

    fn entries(json: &str) -> Vec<Correction> {
        load(json).unwrap()
    }

    #[test]
    fn entries_apply_and_report() {
        let list = entries(
            r#"[
            {"page": "webhook/v3/X.md", "part": "resource", "path": "amount.total", "action": "add",
             "field": {"type": "integer", "required": true}, "source": "s1", "why": "w1"},
            {"page": "webhook/v3/X.md", "part": "resource", "path": "description", "action": "optional",
             "source": "s2", "why": "w2"}
        ]"#,
        );
        let mut pages = [page()];
        let d = apply(&list, &mut pages);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|d| d.class == "correction"), "{d:?}");
        let r = &pages[0].notifications[0].resource;
        assert!(!r[0].required);
        assert_eq!(r[1].fields[1].name, "total");
        assert_eq!(r[1].fields[1].ty, FieldType::Integer);
        // Applied again (the docs now agree): both are stale, nothing changes, nothing fails.
        let before = pages.clone();
        let d = apply(&list, &mut pages);
        assert!(d.iter().all(|d| d.class == "correction-stale"), "{d:?}");
        assert!(
            d[0].message.contains("the docs now say so"),
            "{}",
            d[0].message
        );
        assert_eq!(pages, before);
    }

    #[test]
    fn entries_that_no_longer_match_are_diagnostics() {
        let list = entries(
            r#"[
            {"page": "webhook/v3/Gone.md", "part": "resource", "path": "a", "action": "remove", "source": "s", "why": "w"},
            {"page": "webhook/v3/X.md", "part": "resource", "path": "payer.openid", "action": "optional", "source": "s", "why": "w"},
            {"page": "webhook/v3/X.md", "part": "response", "path": "a", "action": "remove", "source": "s", "why": "w"},
            {"page": "webhook/v3/X.md", "part": "resource", "target": "Y", "path": "description", "action": "remove", "source": "s", "why": "w"},
            {"page": "webhook/v3/X.md", "part": "resource", "path": "amount.x", "action": "add", "field": {"type": 3}, "source": "s", "why": "w"}
        ]"#,
        );
        let mut pages = [page()];
        let before = pages.clone();
        let d = apply(&list, &mut pages);
        assert_eq!(d.len(), 5);
        assert!(d.iter().all(|d| d.class == "correction-stale"), "{d:?}");
        assert!(d[0].message.contains("the page is gone"));
        assert!(d[1].message.contains("`payer` is gone"), "{}", d[1].message);
        assert!(
            d[4].message.contains("not a spec field"),
            "{}",
            d[4].message
        );
        assert_eq!(pages, before);
    }

    #[test]
    fn a_malformed_overlay_is_one_diagnostic() {
        assert!(load("[{\"page\": 1}]").is_err());
    }

    #[test]
    fn the_committed_overlay_parses_and_cites_sources() {
        let list = load(CORRECTIONS_JSON).unwrap();
        assert!(!list.is_empty());
        for c in &list {
            assert!(
                !c.source.trim().is_empty() && !c.why.trim().is_empty(),
                "{c:?}"
            );
        }
    }
}
