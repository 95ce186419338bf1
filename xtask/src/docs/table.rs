//! `{.im-table}` tables: raw rows split into cells, then a field tree built from `data-indent=N`.

use super::attrs::{self, Attrs};
use super::text;
use crate::diag::Diagnostics;
use crate::spec::{Encoding, Encryption, Field, FieldType, KeyOwner, Signing};

/// One table row, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A field (or pseudo) row.
    Field(Box<FieldRow>),
    /// `{colspan=3 .im-table-line}`: introduces decoded/decrypted content, or separates variants.
    Rule { line: usize },
    /// A single-cell row such as `空字符串(无返回内容)` or `文件流(…)`.
    Note { line: usize, text: String },
}

/// A field row before tree building.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub line: usize,
    pub indent: usize,
    pub field: Field,
}

/// The rows of a table and the `{.im-table …}` marker when it was written right under the table.
#[derive(Debug, Default)]
pub struct Rows {
    pub rows: Vec<Row>,
    pub trailing_marker: Option<Attrs>,
}

/// Splits a markdown table row into cells: unescaped `|` separates, `\|` is a literal pipe.
pub fn split_row(line: &str) -> Vec<String> {
    let s = line.trim();
    let s = s.strip_prefix('|').unwrap_or(s);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        cells.push(cur);
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Classifies the rows of a table (its first two lines are the header and delimiter rows).
pub fn read_rows(lines: &[(usize, &str)], diags: &mut Diagnostics) -> Rows {
    let mut out = Rows::default();
    for &(line, raw) in lines.iter().skip(2) {
        let trimmed = raw.trim();
        if trimmed.starts_with("{.") {
            out.trailing_marker = attrs::split_trailing(trimmed).1;
            continue;
        }
        let cells = split_row(trimmed);
        if cells.is_empty() {
            diags.warn(line, "empty-row", "row has no cells; skipped");
            continue;
        }
        let (name, name_attrs) = attrs::split_trailing(&cells[0]);
        let name_attrs = name_attrs.unwrap_or_default();
        if name_attrs.has_class("im-table-line") {
            if cells.len() > 1 || !name.is_empty() {
                diags.warn(
                    line,
                    "cell-count",
                    "rule row carries extra text; the text is ignored",
                );
            }
            out.rows.push(Row::Rule { line });
            continue;
        }
        if cells.len() == 1 {
            if name_attrs.has("colspan") || name_attrs.has("align") {
                out.rows.push(Row::Note {
                    line,
                    text: text::inline_text(name),
                });
            } else {
                diags.warn(
                    line,
                    "cell-count",
                    format!("row `{}` has 1 cell, expected 3; read as a note", name),
                );
                out.rows.push(Row::Note {
                    line,
                    text: text::inline_text(name),
                });
            }
            continue;
        }
        if cells.len() > 3 && cells.len().is_multiple_of(3) && looks_like_row_start(&cells[3]) {
            diags.warn(
                line,
                "rows-run-together",
                format!(
                    "{} rows are written on one line (`{}` … `{}`)",
                    cells.len() / 3,
                    name,
                    attrs::split_trailing(&cells[3]).0
                ),
            );
            let first = field_row(line, name, &name_attrs, &cells[1], &cells[2], diags);
            let first_indent = first.indent;
            out.rows.push(Row::Field(Box::new(first)));
            for chunk in cells[3..].chunks(3) {
                let (n, a) = attrs::split_trailing(&chunk[0]);
                let row = field_row(line, n, &a.unwrap_or_default(), &chunk[1], &chunk[2], diags);
                if row.indent == first_indent {
                    out.rows.push(Row::Field(Box::new(row)));
                } else {
                    diags.warn(line, "rows-run-together", format!("stray row `{n}` (indent {}) inside a row at indent {first_indent}; ignored", row.indent));
                }
            }
            continue;
        }
        let desc_raw = match cells.len() {
            2 => {
                diags.warn(
                    line,
                    "cell-count",
                    format!("row `{name}` has 2 cells, expected 3; description is empty"),
                );
                String::new()
            }
            3 => cells[2].clone(),
            n => {
                diags.warn(
                    line,
                    "cell-count",
                    format!("row `{name}` has {n} cells, expected 3; the extra cells are joined into the description"),
                );
                cells[2..].join(" | ")
            }
        };
        let row = field_row(line, name, &name_attrs, &cells[1], &desc_raw, diags);
        out.rows.push(Row::Field(Box::new(row)));
    }
    out
}

/// A cell that starts a row: a field name, optionally with `data-…` attributes.
fn looks_like_row_start(cell: &str) -> bool {
    let (name, a) = attrs::split_trailing(cell);
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-$.".contains(c))
        && a.is_none_or(|a| a.pairs.iter().all(|(k, _)| k.starts_with("data-")))
}

/// Webhook request tables: every indent-0 row is `headers` or `body`. An indent-0 row with another name
/// has lost its `data-indent`; it is re-indented as a sibling of its neighbours.
pub fn fix_lost_indents(rows: &mut [Row], pseudo: &[&str], diags: &mut Diagnostics) {
    let indents: Vec<Option<usize>> = rows
        .iter()
        .map(|r| {
            if let Row::Field(f) = r {
                Some(f.indent)
            } else {
                None
            }
        })
        .collect();
    for i in 0..rows.len() {
        let Row::Field(f) = &mut rows[i] else {
            continue;
        };
        if f.indent != 0 || pseudo.contains(&f.field.name.as_str()) {
            continue;
        }
        let next = indents[i + 1..]
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(0);
        let prev = indents[..i]
            .iter()
            .rev()
            .flatten()
            .next()
            .copied()
            .unwrap_or(0);
        let new = if next > 1 { next - 1 } else { prev };
        if new == 0 {
            continue;
        }
        diags.warn(
            f.line,
            "missing-indent",
            format!(
                "`{}` has no `data-indent` among nested rows; read as indent {new}",
                f.field.name
            ),
        );
        f.indent = new;
    }
}

fn field_row(
    line: usize,
    name: &str,
    name_attrs: &Attrs,
    ty_cell: &str,
    desc_raw: &str,
    diags: &mut Diagnostics,
) -> FieldRow {
    let (ty_text, ty_attrs) = attrs::split_trailing(ty_cell);
    let ty_attrs = ty_attrs.unwrap_or_default();
    let indent = match name_attrs.get("data-indent") {
        None => 0,
        Some(v) => v.parse().unwrap_or_else(|_| {
            diags.warn(
                line,
                "bad-indent",
                format!("`data-indent={v}` is not a non-negative integer; read as 0"),
            );
            0
        }),
    };
    let mut required = name_attrs.has("data-required");
    if !required && ty_attrs.has("data-required") {
        diags.warn(
            line,
            "misplaced-attribute",
            format!("`data-required` of `{name}` is in the type cell; honoured"),
        );
        required = true;
    }
    let mut wire = name.to_string();
    if name.chars().any(char::is_whitespace) {
        wire = name.split_whitespace().collect();
        diags.warn(
            line,
            "name-with-space",
            format!("name `{name}` contains a space; read as `{wire}`"),
        );
    }
    let described = text::describe(desc_raw);
    let mut field = Field {
        name: wire,
        required,
        description: described.text,
        enum_values: described.enums,
        constant: described.constant,
        line,
        ..Field::default()
    };
    read_type(line, &mut field, ty_text, diags);
    let tooltip = ty_attrs.get("data-tooltip").unwrap_or("");
    field.max_length = text::max_length(tooltip).or(described.max_length);
    if let Some(v) = ty_attrs.get("data-encrypted") {
        field.encrypted = match v {
            "by-rsa-pubkey" => Some(Encryption::RsaPubkey),
            "by-aes-gcm" => Some(Encryption::AesGcm),
            "by-aes-ecb" => Some(Encryption::AesEcb),
            other => {
                diags.warn(
                    line,
                    "unknown-attribute",
                    format!("`data-encrypted={other}` is not known; kept as `{other}`"),
                );
                Some(Encryption::Other(other.to_string()))
            }
        };
        field.encryption_key = encryption_key(tooltip, field.encrypted.as_ref());
        if field.encryption_key.is_none() {
            diags.warn(
                line,
                "unknown-attribute",
                format!(
                    "cannot tell whose key encrypts `{}` from tooltip `{tooltip}`",
                    field.name
                ),
            );
        }
    }
    let encoded = ty_attrs
        .get("data-encoded")
        .map(|v| v.strip_prefix("by-").unwrap_or(v))
        .or_else(|| {
            let v = ty_attrs.get("data-encoded-by")?;
            diags.warn(
                line,
                "attribute-spelling",
                format!("`data-encoded-by={v}` read as `data-encoded=by-{v}`"),
            );
            Some(v)
        });
    field.encoded = encoded.map(|v| match v {
        "json_encode" => Encoding::Json,
        "urlencode" => Encoding::Urlencode,
        other => {
            diags.warn(
                line,
                "unknown-attribute",
                format!("encoding `{other}` is not known; kept"),
            );
            Encoding::Other(other.to_string())
        }
    });
    field.signed = ty_attrs
        .get("data-signed")
        .map(|v| Signing::parse(v.strip_prefix("by-").unwrap_or(v)));
    FieldRow {
        line,
        indent,
        field,
    }
}

fn read_type(line: usize, field: &mut Field, ty_text: &str, diags: &mut Diagnostics) {
    let t = ty_text.trim();
    let (base, array) = match t.strip_suffix("[]") {
        Some(b) => (b, true),
        None => (t, false),
    };
    let base = match base {
        "string" => FieldType::String,
        "integer" => FieldType::Integer,
        "number" => FieldType::Number,
        "boolean" => FieldType::Boolean,
        "object" => FieldType::Object,
        "`true`" | "true" => {
            field.constant.get_or_insert_with(|| "true".into());
            FieldType::Boolean
        }
        "" => {
            diags.warn(
                line,
                "unknown-type",
                format!("`{}` has no type; read as string", field.name),
            );
            FieldType::String
        }
        other => {
            diags.warn(
                line,
                "unknown-type",
                format!("`{}` has type `{other}`; read as string", field.name),
            );
            FieldType::String
        }
    };
    if array {
        field.ty = FieldType::Array;
        field.items = Some(base);
    } else {
        field.ty = base;
    }
}

fn encryption_key(tooltip: &str, encrypted: Option<&Encryption>) -> Option<KeyOwner> {
    let key = if tooltip.contains("微信支付公钥") || tooltip.contains("平台证书") {
        KeyOwner::Wechatpay
    } else if tooltip.contains("商户API证书") {
        KeyOwner::Merchant
    } else if tooltip.contains("付款到银行卡") {
        KeyOwner::Bank
    } else if tooltip.contains("APIv3密钥") || encrypted == Some(&Encryption::AesGcm) {
        KeyOwner::Apiv3Key
    } else if tooltip.contains("API密钥") || encrypted == Some(&Encryption::AesEcb) {
        KeyOwner::ApiKeyMd5
    } else {
        return None;
    };
    Some(key)
}

/// A built table: the top-level field sets (more than one when rule rows separate top-level variants)
/// and the single-cell notes.
#[derive(Debug, Default)]
pub struct Tree {
    pub top: Vec<Vec<Field>>,
    pub notes: Vec<(usize, String)>,
    /// The text of the header row's first cell (`请求参数`, `返回字典`, `应答规范`, `异常字典`, …).
    pub heading: String,
}

/// The text of a table's first header cell: what the table is (`返回字典`, `异常字典`, …).
pub fn heading(lines: &[(usize, &str)]) -> String {
    lines
        .first()
        .and_then(|(_, l)| split_row(l).into_iter().next())
        .map(|c| attrs::split_trailing(&c).0.trim().to_string())
        .unwrap_or_default()
}

/// A header that names an error dictionary (`异常字典`, `错误字典`, `错误码`): the table lists the
/// fields of a failed answer, not of a successful one.
pub fn is_error_table(heading: &str) -> bool {
    ["异常", "错误"].iter().any(|w| heading.contains(w))
}

struct Node {
    field: Field,
    line: usize,
    indent: usize,
    segments: Vec<Vec<usize>>,
}

/// Builds the field tree from classified rows, reporting every irregularity.
pub fn build_tree(rows: Vec<Row>, diags: &mut Diagnostics) -> Tree {
    let mut nodes: Vec<Node> = Vec::new();
    let mut root: Vec<Vec<usize>> = vec![Vec::new()];
    let mut stack: Vec<usize> = Vec::new();
    let mut pending_rule: Option<usize> = None;
    let mut notes = Vec::new();
    for row in rows {
        match row {
            Row::Note { line, text } => notes.push((line, text)),
            Row::Rule { line } => {
                if let Some(prev) = pending_rule {
                    diags.warn(
                        prev,
                        "rule-row",
                        "two rule rows in a row; the first is ignored",
                    );
                }
                pending_rule = Some(line);
            }
            Row::Field(row) => {
                let FieldRow {
                    line,
                    indent,
                    field,
                } = *row;
                while stack.last().is_some_and(|&top| nodes[top].indent >= indent) {
                    stack.pop();
                }
                let parent = stack.last().copied();
                let parent_indent = parent.map(|p| nodes[p].indent as isize).unwrap_or(-1);
                if indent as isize > parent_indent + 1 {
                    let under = parent
                        .map(|p| format!("`{}`", nodes[p].field.name))
                        .unwrap_or_else(|| "the table".into());
                    diags.warn(line, "indent-jump", format!("`{}` jumps from indent {parent_indent} to {indent}; read as a child of {under}", field.name));
                }
                // Decrypted content must follow the encrypted field; when a plain string sits in between
                // (`ciphertext`, `original_type`, rule), the content belongs to the encrypted sibling.
                let parent = match parent {
                    Some(p) if pending_rule.is_some() && !can_hold_decoded(&nodes[p].field) => {
                        let grand = stack.len().checked_sub(2).map(|g| stack[g]);
                        let siblings = match grand {
                            Some(g) => nodes[g].segments.last().cloned().unwrap_or_default(),
                            None => root.last().cloned().unwrap_or_default(),
                        };
                        match siblings.iter().rev().find(|&&s| {
                            s != p
                                && nodes[s].field.encrypted.is_some()
                                && nodes[s].segments.iter().all(Vec::is_empty)
                        }) {
                            Some(&enc) => {
                                diags.warn(line, "misplaced-content", format!("decrypted fields follow `{}`, not the encrypted `{}`; read as the content of `{}`", nodes[p].field.name, nodes[enc].field.name, nodes[enc].field.name));
                                stack.pop();
                                stack.push(enc);
                                Some(enc)
                            }
                            None => Some(p),
                        }
                    }
                    // Without a rule row, a scalar cannot have children. When the scalar directly follows
                    // an object that lists no members, at the same indent, the scalar's own indent is
                    // the wrong one: both are members of that object (`qr_recharge_info`, then
                    // `employee_type` at its indent and `openid` one deeper).
                    Some(p)
                        if pending_rule.is_none()
                            && !is_container(&nodes[p].field)
                            && !can_hold_decoded(&nodes[p].field)
                            && nodes[p].segments.iter().all(Vec::is_empty)
                            && empty_object_before(p, &stack, &root, &nodes).is_some() =>
                    {
                        let obj = empty_object_before(p, &stack, &root, &nodes)
                            .expect("checked by the guard");
                        diags.warn(
                            nodes[p].line,
                            "member-indent",
                            format!(
                                "`{}` follows the {} `{}` that lists no members, at its indent, and `{}` is indented under it; both read as members of `{}`",
                                nodes[p].field.name,
                                type_name(&nodes[obj].field),
                                nodes[obj].field.name,
                                field.name,
                                nodes[obj].field.name
                            ),
                        );
                        let grand = stack.len().checked_sub(2).map(|g| stack[g]);
                        let seg = match grand {
                            Some(g) => nodes[g].segments.last_mut(),
                            None => root.last_mut(),
                        };
                        if let Some(seg) = seg {
                            seg.pop();
                        }
                        nodes[p].indent += 1;
                        nodes[obj].segments[0].push(p);
                        stack.pop();
                        stack.push(obj);
                        Some(obj)
                    }
                    // Without a rule row, a scalar cannot have children: the row is a mis-indented sibling.
                    Some(p)
                        if pending_rule.is_none()
                            && !is_container(&nodes[p].field)
                            && !can_hold_decoded(&nodes[p].field)
                            && nodes[p].segments.iter().all(Vec::is_empty) =>
                    {
                        diags.warn(
                            line,
                            "children-under-scalar",
                            format!(
                                "`{}` is indented under the {} `{}`; read as its sibling",
                                field.name,
                                type_name(&nodes[p].field),
                                nodes[p].field.name
                            ),
                        );
                        stack.pop();
                        stack.last().copied()
                    }
                    // A rule row followed by a row at the encrypted field's own indent: the decrypted
                    // content was written one level too shallow.
                    Some(p) if pending_rule.is_some() && is_container(&nodes[p].field) => {
                        let enc = nodes[p].segments.last().and_then(|seg| {
                            seg.iter().rev().take(2).copied().find(|&s| {
                                nodes[s].field.encrypted.is_some() && nodes[s].indent == indent
                            })
                        });
                        match enc {
                            Some(enc) => {
                                diags.warn(line, "misplaced-content", format!("decrypted field `{}` is written at the indent of the encrypted `{}`; read as its content", field.name, nodes[enc].field.name));
                                stack.push(enc);
                                Some(enc)
                            }
                            None => Some(p),
                        }
                    }
                    other => other,
                };
                let id = nodes.len();
                let segments = match parent {
                    Some(p) => &mut nodes[p].segments,
                    None => &mut root,
                };
                // A rule before the first child introduces content; a rule after children starts a variant.
                if pending_rule.take().is_some() && !segments.last().is_some_and(Vec::is_empty) {
                    segments.push(Vec::new());
                }
                segments
                    .last_mut()
                    .expect("segments always has one entry")
                    .push(id);
                nodes.push(Node {
                    field,
                    line,
                    indent,
                    segments: vec![Vec::new()],
                });
                stack.push(id);
            }
        }
    }
    if let Some(line) = pending_rule {
        diags.warn(line, "rule-row", "rule row ends the table; ignored");
    }
    let top = root
        .into_iter()
        .map(|seg| {
            seg.into_iter()
                .map(|id| assemble(id, &mut nodes, diags))
                .collect()
        })
        .collect();
    Tree {
        top,
        notes,
        heading: String::new(),
    }
}

/// The object directly before the node `p` (on top of `stack`) among its siblings, when it is at the
/// same indent and lists no members.
fn empty_object_before(
    p: usize,
    stack: &[usize],
    root: &[Vec<usize>],
    nodes: &[Node],
) -> Option<usize> {
    let grand = stack.len().checked_sub(2).map(|g| stack[g]);
    let seg = match grand {
        Some(g) => nodes[g].segments.last()?,
        None => root.last()?,
    };
    let (&last, rest) = seg.split_last()?;
    let &prev = rest.last()?;
    (last == p
        && is_container(&nodes[prev].field)
        && nodes[prev].indent == nodes[p].indent
        && nodes[prev].segments.iter().all(Vec::is_empty))
    .then_some(prev)
}

fn is_container(f: &Field) -> bool {
    f.ty == FieldType::Object || f.items == Some(FieldType::Object)
}

/// Whether a field may carry children introduced by a rule row.
fn can_hold_decoded(f: &Field) -> bool {
    f.ty != FieldType::String || f.encoded.is_some() || f.encrypted.is_some() || f.name == "meta"
}

/// Moves a node's children into its field, checking the node's shape.
fn assemble(id: usize, nodes: &mut Vec<Node>, diags: &mut Diagnostics) -> Field {
    let segments = std::mem::take(&mut nodes[id].segments);
    let line = nodes[id].line;
    let mut sets: Vec<Vec<Field>> = segments
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|seg| {
            seg.into_iter()
                .map(|child| assemble(child, nodes, diags))
                .collect()
        })
        .collect();
    let mut field = std::mem::take(&mut nodes[id].field);
    for set in &sets {
        check_duplicates(line, &field.name, set, diags);
    }
    let has_children = !sets.is_empty();
    let container = is_container(&field);
    if has_children && !container {
        if field.ty == FieldType::String && (field.encoded.is_some() || field.encrypted.is_some()) {
            // decoded / decrypted content: expected
        } else if field.ty == FieldType::String {
            field.encoded = Some(Encoding::Json);
            if field.name != "meta" {
                diags.warn(line, "implied-json", format!("string `{}` has child fields but no encoding attribute; read as a JSON string", field.name));
            }
        } else {
            diags.warn(
                line,
                "children-under-scalar",
                format!(
                    "{} `{}` has child fields; kept as its children",
                    type_name(&field),
                    field.name
                ),
            );
        }
    }
    if !has_children && container && field.name != "file" {
        diags.warn(
            line,
            "empty-object",
            format!(
                "{} `{}` lists no child fields; read as a free-form object",
                type_name(&field),
                field.name
            ),
        );
    }
    if sets.len() > 1 {
        field.variants = sets;
    } else if let Some(set) = sets.pop() {
        field.fields = set;
    }
    field
}

pub(crate) fn check_duplicates(line: usize, parent: &str, set: &[Field], diags: &mut Diagnostics) {
    let mut seen = std::collections::BTreeSet::new();
    for f in set {
        if !seen.insert(f.name.as_str()) {
            diags.warn(
                line,
                "duplicate-name",
                format!("`{}` appears twice under `{parent}`; both kept", f.name),
            );
        }
    }
}

fn type_name(f: &Field) -> String {
    match &f.items {
        Some(i) => format!("{i}[]"),
        None => f.ty.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(md: &str) -> (Tree, Vec<String>) {
        let mut d = Diagnostics::new("t.md");
        let lines: Vec<(usize, &str)> = md.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
        let rows = read_rows(&lines, &mut d);
        let t = build_tree(rows.rows, &mut d);
        (t, d.items().iter().map(|x| x.class.to_string()).collect())
    }

    #[test]
    fn split_with_escaped_pipe() {
        assert_eq!(
            split_row("| a {x} | string | `A` \\| `B` 枚举值之一"),
            vec!["a {x}", "string", "`A` | `B` 枚举值之一"]
        );
        assert_eq!(
            split_row("| {colspan=3 .im-table-line}"),
            vec!["{colspan=3 .im-table-line}"]
        );
    }

    #[test]
    fn nesting_and_arrays() {
        let (t, d) = tree("| h | t | d\n| --- | --- | ---\n| json {data-required} | object | j\n| a {data-required data-indent=1} | object[] | x\n| b {data-indent=2} | integer | y\n| c {data-indent=1} | string[] | z");
        assert!(d.is_empty(), "{d:?}");
        let json = &t.top[0][0];
        assert_eq!(json.fields[0].ty, "array");
        assert_eq!(json.fields[0].items, Some(FieldType::Object));
        assert_eq!(json.fields[0].fields[0].name, "b");
        assert!(!json.fields[0].fields[0].required);
        assert_eq!(json.fields[1].items, Some(FieldType::String));
    }

    #[test]
    fn rule_introduces_then_separates() {
        let (t, d) = tree("| h | t | d\n| --- | --- | ---\n| s {data-indent=0} | string {data-encoded=by-json_encode} | x\n| {colspan=3 .im-table-line}\n| a {data-indent=1} | object | v1\n| x {data-indent=2} | string | x\n| {colspan=3 .im-table-line}\n| a {data-indent=1} | object | v2\n| y {data-indent=2} | string | y");
        assert!(d.is_empty(), "{d:?}");
        let s = &t.top[0][0];
        assert!(s.fields.is_empty());
        assert_eq!(s.variants.len(), 2);
        assert_eq!(s.variants[1][0].fields[0].name, "y");
    }

    #[test]
    fn irregularities_are_reported() {
        let (t, d) = tree("| h | t | d\n| --- | --- | ---\n| o | object | o\n| a {data-indent=2} | string | jump\n| a {data-indent=1} | integer | dup\n| n {data-indent=2} | string | under scalar\n| e | object | empty\n| x y | string | space | extra\n| z | string");
        let mut d = d;
        d.sort();
        assert_eq!(
            d,
            [
                "cell-count",
                "cell-count",
                "children-under-scalar",
                "duplicate-name",
                "empty-object",
                "indent-jump",
                "name-with-space"
            ]
        );
        assert_eq!(t.top[0].len(), 4);
        assert_eq!(t.top[0][2].name, "xy");
        assert_eq!(t.top[0][2].description, "space | extra");
    }
}
