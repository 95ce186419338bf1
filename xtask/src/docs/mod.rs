//! Reading one documentation page into a [`Page`].
//!
//! A page is split into blocks ([`blocks`]); the `#` heading carries the method (`{#post}`) or `{#mix}`,
//! in which case each `##` heading carries one. Each operation's tables are the ones followed by
//! `{.im-table #request}` and `{.im-table #response}`; their rows become field trees ([`table`]), and the
//! indent-0 pseudo rows (`json`, `query`, `headers`, `body`, `xml`, `base_uri`, …) are sorted out here.

pub mod attrs;
pub mod blocks;
pub mod frontmatter;
pub mod table;
pub mod text;

use crate::diag::Diagnostics;
use crate::spec::{
    Api, Body, BodyFormat, Encryption, Field, FieldType, Marker, Method, Notification, Operation,
    Page,
};
use blocks::Block;
use table::Tree;

/// What a page turned out to be.
#[derive(Debug)]
pub enum Parsed {
    /// An API or notification page.
    Page(Page),
    /// A redirect stub (front matter `http-equiv: refresh`) pointing at another page.
    Redirect(String),
}

/// Which part of the corpus a page belongs to, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OpenApiV3,
    OpenApiV2,
    WebhookV3,
    WebhookV2,
}

impl Kind {
    /// The kind of a page path relative to the docs root, or `None` outside the four API folders.
    pub fn of(rel: &str) -> Option<Kind> {
        [
            ("openapi/v3/", Kind::OpenApiV3),
            ("openapi/v2/", Kind::OpenApiV2),
            ("webhook/v3/", Kind::WebhookV3),
            ("webhook/v2/", Kind::WebhookV2),
        ]
        .into_iter()
        .find(|(p, _)| rel.starts_with(p))
        .map(|(_, k)| k)
    }

    fn api(self) -> Api {
        match self {
            Kind::OpenApiV3 | Kind::WebhookV3 => Api::V3,
            Kind::OpenApiV2 | Kind::WebhookV2 => Api::V2,
        }
    }

    /// The body format of this API generation (`json` for v3, `xml` for v2).
    fn format(self) -> BodyFormat {
        match self.api() {
            Api::V3 => BodyFormat::Json,
            Api::V2 => BodyFormat::Xml,
        }
    }

    fn is_webhook(self) -> bool {
        matches!(self, Kind::WebhookV3 | Kind::WebhookV2)
    }
}

/// The blocks that belong to one operation (or notification).
#[derive(Debug, Default)]
struct Section {
    line: usize,
    method: Method,
    title: String,
    description: String,
    markers: Vec<Marker>,
    doc_links: Vec<String>,
    request: Option<(usize, Tree)>,
    response: Option<(usize, Tree)>,
    /// A code example saves the answer to a file (the PHP client's `sink` option).
    sinks_to_file: bool,
}

impl Section {
    /// Marked deprecated or discarded (on the page or in the section).
    fn is_deprecated(&self) -> bool {
        self.markers
            .iter()
            .any(|m| matches!(m, Marker::Deprecated | Marker::Discarded))
    }
}

/// Parses one page. `rel` is its path relative to the docs root (with `/`), used for the URL path and
/// in diagnostics. Malformed input never panics: what cannot be read is reported in `diags`.
pub fn parse_page(rel: &str, src: &str, diags: &mut Diagnostics) -> Option<Parsed> {
    let kind = Kind::of(rel)?;
    let mut fm = frontmatter::FrontMatter::default();
    let mut page = Page {
        source: rel.to_string(),
        ..Page::default()
    };
    let mut sections: Vec<Section> = Vec::new();
    let mut mix = false;
    let mut pending_table: Option<(usize, Tree)> = None;
    for block in blocks::blocks(src) {
        match block {
            Block::FrontMatter { text, .. } => {
                fm = frontmatter::parse(text);
                if let Some(target) = fm.redirect_to.take() {
                    return Some(Parsed::Redirect(target));
                }
                page.title = fm.title.clone();
                page.description = fm.description.clone();
            }
            Block::Heading {
                line,
                level,
                id,
                raw,
                ..
            } => {
                let title = heading_text(raw, &fm);
                let id = id.unwrap_or_default();
                if level == 1 {
                    if page.title.is_empty() {
                        page.title = title.clone();
                    }
                    if !sections.is_empty() {
                        diags.warn(
                            line,
                            "extra-h1",
                            "a second `#` heading; read as a new section",
                        );
                    }
                    mix = id == "mix";
                    if !mix {
                        let Some(method) = Method::from_anchor(&id) else {
                            diags.error(line, "no-method", format!("`#` heading has anchor `{{#{id}}}`, not a method or `mix`; page has no operation"));
                            continue;
                        };
                        sections.push(Section {
                            line,
                            method,
                            title,
                            description: fm.description.clone(),
                            ..Section::default()
                        });
                    }
                } else if let (2, Some(method)) = (level, Method::from_anchor(&id)) {
                    if !mix {
                        diags.warn(line, "method-heading", format!("`##` heading with `{{#{id}}}` on a page that is not `{{#mix}}`; read as another operation"));
                    }
                    sections.push(Section {
                        line,
                        method,
                        title,
                        ..Section::default()
                    });
                }
            }
            Block::Table { line, lines } => {
                let mut rows = table::read_rows(&lines, diags);
                if kind.is_webhook()
                    && !rows.rows.is_empty()
                    && matches!(&rows.rows[0], table::Row::Field(f) if f.field.name == "headers" || f.field.name == "body")
                {
                    table::fix_lost_indents(
                        &mut rows.rows,
                        &["headers", "body", "json", "xml"],
                        diags,
                    );
                }
                if let Some((old, _)) = pending_table.take() {
                    diags.warn(
                        old,
                        "unmarked-table",
                        "table is not followed by `{.im-table #request}` or `#response`; ignored",
                    );
                }
                let mut tree = table::build_tree(rows.rows, diags);
                tree.heading = table::heading(&lines);
                match rows.trailing_marker {
                    Some(marker) => attach_table(&mut sections, line, tree, &marker, diags),
                    None => pending_table = Some((line, tree)),
                }
            }
            Block::Paragraph { line, raw } => {
                let trimmed = raw.trim();
                if trimmed.starts_with("{.") {
                    let marker = attrs::split_trailing(trimmed).1.unwrap_or_default();
                    match pending_table.take() {
                        Some((tline, tree)) => {
                            attach_table(&mut sections, tline, tree, &marker, diags)
                        }
                        None if marker.has_class("im-table") => diags.warn(
                            line,
                            "unmarked-table",
                            "`{.im-table}` marker without a table before it; ignored",
                        ),
                        None => {}
                    }
                    continue;
                }
                for &m in Marker::ALL {
                    if trimmed.contains(&format!("{{.im-{m}}}")) {
                        match sections.last_mut() {
                            Some(s) if mix => s.markers.push(m),
                            _ => page.markers.push(m),
                        }
                    }
                }
                if trimmed.starts_with("参阅") {
                    let links = doc_links(trimmed);
                    if let Some(s) = sections.last_mut() {
                        s.doc_links.extend(links);
                    }
                } else if let Some(s) = sections.last_mut() {
                    if s.description.is_empty()
                        && s.request.is_none()
                        && !trimmed.starts_with(":::")
                        && !trimmed.starts_with("{{")
                        && !trimmed.contains("{.im-")
                    {
                        s.description = text::inline_text(trimmed);
                    }
                }
            }
            Block::Code { text, .. } => {
                if text.contains("'sink'") || text.contains("\"sink\"") {
                    if let Some(s) = sections.last_mut() {
                        s.sinks_to_file = true;
                    }
                }
            }
        }
    }
    if let Some((line, _)) = pending_table {
        diags.warn(
            line,
            "unmarked-table",
            "table is not followed by `{.im-table #request}` or `#response`; ignored",
        );
    }
    if sections.is_empty() {
        diags.error(
            1,
            "no-operation",
            "page has no method heading; no operation read",
        );
    }
    for mut s in sections {
        let mut markers = page.markers.clone();
        markers.append(&mut s.markers);
        markers.dedup();
        s.markers = markers;
        if kind.is_webhook() {
            page.notifications.push(notification(kind, s, diags));
        } else {
            page.operations.push(operation(kind, rel, s, diags));
        }
    }
    Some(Parsed::Page(page))
}

fn heading_text(raw: &str, fm: &frontmatter::FrontMatter) -> String {
    let line = raw
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('#')
        .trim();
    let (text, _) = attrs::split_trailing(line);
    let text = text.replace("{{ $frontmatter.title }}", &fm.title);
    text::inline_text(&text)
}

fn attach_table(
    sections: &mut [Section],
    line: usize,
    tree: Tree,
    marker: &attrs::Attrs,
    diags: &mut Diagnostics,
) {
    let Some(section) = sections.last_mut() else {
        diags.warn(
            line,
            "unmarked-table",
            "table before any method heading; ignored",
        );
        return;
    };
    let slot = match marker.id.as_deref() {
        Some("request") => &mut section.request,
        Some("response") => &mut section.response,
        _ => return,
    };
    if slot.is_some() {
        diags.warn(
            line,
            "duplicate-table",
            format!(
                "a second `#{}` table in one section; the later one is used",
                marker.id.as_deref().unwrap_or("")
            ),
        );
    }
    *slot = Some((line, tree));
}

/// `参阅 [官方文档](https://…) [官方文档](https://…)` → the URLs.
fn doc_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let url = &after[..end];
        if url.starts_with("http") {
            out.push(url.to_string());
        }
        rest = &after[end..];
    }
    out
}

/// The single top-level field set of a table, reporting top-level variants.
fn top_fields(
    line: usize,
    tree: &mut Tree,
    diags: &mut Diagnostics,
) -> (Vec<Field>, Vec<Vec<Field>>) {
    let mut sets = std::mem::take(&mut tree.top);
    sets.retain(|s| !s.is_empty());
    match sets.len() {
        0 => (Vec::new(), Vec::new()),
        1 => (sets.pop().unwrap_or_default(), Vec::new()),
        _ => {
            let _ = (line, diags);
            (Vec::new(), sets)
        }
    }
}

/// Sorts the indent-0 rows of a request table into an operation.
fn operation(kind: Kind, rel: &str, s: Section, diags: &mut Diagnostics) -> Operation {
    let path = url_path(rel);
    let deprecated = s.is_deprecated();
    let mut op = Operation {
        method: s.method,
        path: path.clone(),
        api: kind.api(),
        title: s.title,
        description: s.description,
        doc_links: s.doc_links,
        deprecated,
        markers: s.markers,
        request_body: Body {
            format: BodyFormat::Empty,
            ..Body::default()
        },
        ..Operation::default()
    };
    let mut path_rows = Vec::new();
    match s.request {
        None => diags.warn(
            s.line,
            "missing-table",
            format!(
                "{} {path} has no request table; read as no parameters",
                op.method
            ),
        ),
        Some((line, mut tree)) => {
            let (fields, variants) = top_fields(line, &mut tree, diags);
            if !variants.is_empty() {
                diags.warn(
                    line,
                    "top-level-variants",
                    "request table has rule-separated top-level variants; all rows read in order",
                );
            }
            for note in &tree.notes {
                diags.warn(
                    note.0,
                    "note-row",
                    format!("single-cell row `{}` in a request table; ignored", note.1),
                );
            }
            for f in fields.into_iter().chain(variants.into_iter().flatten()) {
                match f.name.as_str() {
                    "json" | "xml" | "body" => {
                        if op.request_body.format != BodyFormat::Empty {
                            diags.warn(line, "duplicate-pseudo", format!("second body row `{}`; the later one is used", f.name));
                        }
                        op.request_body = body_from(&f, match f.name.as_str() {
                            "json" => BodyFormat::Json,
                            "xml" => BodyFormat::Xml,
                            _ => BodyFormat::Multipart,
                        });
                    }
                    "query" => op.query.extend(container_children(f)),
                    "headers" => op.headers.extend(container_children(f)),
                    "base_uri" => op.base_uri = f.constant.clone().or_else(|| first_url(&f.description)),
                    "security" => op.security = true,
                    "nonceless" => op.nonceless = true,
                    "fragment" => op.fragment = f.constant.clone().or(Some(f.description.clone())),
                    "timeout" => diags.warn(f.line, "client-option", "`timeout` is an option of the PHP client, not a request parameter; ignored"),
                    _ => path_rows.push(f),
                }
            }
        }
    }
    for name in template_params(&path) {
        if path_rows.iter().any(|f| f.name == name) {
            continue;
        }
        if let Some(i) = op.query.iter().position(|f| f.name == name) {
            diags.warn(
                op.query[i].line,
                "path-param-in-query",
                format!(
                    "`{{{name}}}` is documented as a query parameter; moved to the path parameters"
                ),
            );
            let mut f = op.query.remove(i);
            f.required = true;
            path_rows.push(f);
        } else if let Some(f) = op.request_body.fields.iter().find(|f| f.name == name) {
            diags.warn(f.line, "path-param-in-body", format!("`{{{name}}}` is documented only as a body field; also used as the path parameter"));
            let mut f = f.clone();
            f.required = true;
            path_rows.push(f);
        }
    }
    op.path_params = match_path_params(s.line, &path, path_rows, diags);
    op.response = match s.response {
        None => {
            diags.warn(
                s.line,
                "missing-table",
                format!(
                    "{} {path} has no response table; read as an empty response",
                    op.method
                ),
            );
            Body {
                format: BodyFormat::Empty,
                ..Body::default()
            }
        }
        Some((line, tree)) if table::is_error_table(&tree.heading) => {
            error_table_response(line, &tree, s.sinks_to_file, diags)
        }
        Some((line, tree)) => response_body(kind, line, tree, diags),
    };
    op
}

/// The response table is an error dictionary (its header says `异常字典`): it lists the fields of a
/// failed answer, so the successful answer is not described by a table. When the page's examples save
/// the answer to a file (`sink`), it is a file stream; otherwise nothing is known and it is read as empty.
fn error_table_response(
    line: usize,
    tree: &Tree,
    sinks_to_file: bool,
    diags: &mut Diagnostics,
) -> Body {
    let names: Vec<&str> = tree.top.iter().flatten().map(|f| f.name.as_str()).collect();
    let (format, what) = if sinks_to_file {
        (
            BodyFormat::Binary,
            "a file stream (the examples save it with `sink`)",
        )
    } else {
        (
            BodyFormat::Empty,
            "empty (no successful answer is documented)",
        )
    };
    diags.warn(
        line,
        "error-dictionary",
        format!(
            "the response table `{}` lists the error answer (`{}`), not a successful one; the response is read as {what}",
            tree.heading,
            names.join("`, `")
        ),
    );
    Body {
        format,
        ..Body::default()
    }
}

fn body_from(f: &Field, format: BodyFormat) -> Body {
    Body {
        format,
        fields: f.fields.clone(),
        variants: f.variants.clone(),
        ..Body::default()
    }
}

fn container_children(f: Field) -> Vec<Field> {
    let mut out = f.fields;
    out.extend(f.variants.into_iter().flatten());
    out
}

fn first_url(text: &str) -> Option<String> {
    let i = text.find("https://").or_else(|| text.find("http://"))?;
    let url: String = text[i..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"()（）`,，".contains(*c))
        .collect();
    Some(url)
}

/// The response table: top-level rows are the body's fields, unless they are `body`/`json`/`xml`
/// pseudo rows; a single-cell row says the body is empty, a file stream or a redirect.
fn response_body(kind: Kind, line: usize, mut tree: Tree, diags: &mut Diagnostics) -> Body {
    let default_format = kind.format();
    let (fields, variants) = top_fields(line, &mut tree, diags);
    let mut body = Body {
        format: default_format,
        fields,
        variants,
        ..Body::default()
    };
    // A reply table (webhook pages) has pseudo rows: `status` (HTTP status) and `body`/`json`/`xml`.
    let pseudo = |f: &Field| matches!(f.name.as_str(), "status" | "body" | "json" | "xml");
    let has_body = body
        .fields
        .iter()
        .any(|f| matches!(f.name.as_str(), "body" | "json" | "xml") && f.ty == FieldType::Object);
    if body.variants.is_empty() && has_body && body.fields.iter().all(pseudo) {
        let mut status = Vec::new();
        for f in std::mem::take(&mut body.fields) {
            if f.name == "status" {
                status = f.enum_values.unwrap_or_default();
                continue;
            }
            let format = match f.name.as_str() {
                "xml" => BodyFormat::Xml,
                "json" => BodyFormat::Json,
                _ if f.description.contains("XML") => BodyFormat::Xml,
                _ => default_format,
            };
            body = body_from(&f, format);
        }
        body.http_status = status;
    }
    for (nline, note) in tree.notes {
        if !body.note.is_empty() {
            diags.warn(
                nline,
                "note-row",
                format!("second single-cell row `{note}`; appended"),
            );
            body.note.push('\n');
        }
        body.note.push_str(&note);
        if note.contains("空字符串") || note.contains("无返回内容") {
            body.format = BodyFormat::Empty;
        } else if note.contains("文件流") {
            body.format = BodyFormat::Binary;
        } else if note.contains("30x") || note.contains("跳转") {
            body.format = BodyFormat::Empty;
            body.redirect = true;
        } else {
            diags.warn(
                nline,
                "note-row",
                format!("single-cell row `{note}` not understood; kept as a note"),
            );
        }
    }
    if matches!(body.format, BodyFormat::Json | BodyFormat::Xml)
        && body.fields.is_empty()
        && body.variants.is_empty()
    {
        diags.warn(
            line,
            "empty-response",
            "response table lists no fields; read as an empty response",
        );
        body.format = BodyFormat::Empty;
    }
    body
}

/// URL path from the page path: `openapi/v3/a/{id}.md` → `/v3/a/{id}`; `index.md` → trailing `/`.
pub fn url_path(rel: &str) -> String {
    let p = rel
        .strip_prefix("openapi")
        .or_else(|| rel.strip_prefix("webhook"))
        .unwrap_or(rel);
    let p = p.strip_suffix(".md").unwrap_or(p);
    match p.strip_suffix("/index") {
        Some(dir) => format!("{dir}/"),
        None => p.to_string(),
    }
}

/// Names of the `{name}` segments of a path, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

/// Matches the indent-0 parameter rows to the `{name}` segments of the path: by name, then by position.
fn match_path_params(
    line: usize,
    path: &str,
    rows: Vec<Field>,
    diags: &mut Diagnostics,
) -> Vec<Field> {
    let names = template_params(path);
    let mut slots: Vec<Option<Field>> = vec![None; names.len()];
    let mut unmatched = Vec::new();
    for f in rows {
        match names.iter().position(|n| *n == f.name) {
            Some(i) if slots[i].is_none() => slots[i] = Some(f),
            _ => unmatched.push(f),
        }
    }
    for mut f in unmatched {
        if let Some(c) = f
            .constant
            .as_deref()
            .filter(|c| path.split('/').any(|seg| seg == *c))
        {
            diags.warn(f.line, "fixed-path-segment", format!("row `{}` is the fixed path segment `{c}`, already in `{path}`; not a parameter", f.name));
            continue;
        }
        match slots.iter().position(Option::is_none) {
            Some(i) => {
                diags.warn(
                    f.line,
                    "path-param-mismatch",
                    format!(
                        "row `{}` matches no `{{name}}` in `{path}`; read as `{{{}}}` by position",
                        f.name, names[i]
                    ),
                );
                f.description = format!("{} (documented as `{}`)", f.description, f.name)
                    .trim()
                    .to_string();
                f.name = names[i].clone();
                slots[i] = Some(f);
            }
            None => {
                diags.warn(f.line, "path-param-mismatch", format!("row `{}` is not a pseudo row and matches no `{{name}}` in `{path}`; kept as an extra path parameter", f.name));
                slots.push(Some(f));
            }
        }
    }
    let mut out = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(f) => out.push(f),
            None => {
                diags.warn(
                    line,
                    "path-param-missing",
                    format!(
                        "`{{{}}}` in `{path}` has no row; read as a required string",
                        names[i]
                    ),
                );
                out.push(Field {
                    name: names[i].clone(),
                    ty: FieldType::String,
                    required: true,
                    description: "(not described on the page)".into(),
                    ..Field::default()
                });
            }
        }
    }
    out
}

/// A webhook page's section: headers and body of the request WeChat sends, and the merchant's reply.
fn notification(kind: Kind, s: Section, diags: &mut Diagnostics) -> Notification {
    let deprecated = s.is_deprecated();
    let mut n = Notification {
        method: s.method,
        api: kind.api(),
        title: s.title,
        description: s.description,
        doc_links: s.doc_links,
        deprecated,
        envelope: Body {
            format: kind.format(),
            ..Body::default()
        },
        reply: Body {
            format: BodyFormat::Empty,
            ..Body::default()
        },
        ..Notification::default()
    };
    match s.request {
        None => diags.error(
            s.line,
            "missing-table",
            "notification page has no request table",
        ),
        Some((line, mut tree)) => {
            let (fields, variants) = top_fields(line, &mut tree, diags);
            for f in fields.into_iter().chain(variants.into_iter().flatten()) {
                match f.name.as_str() {
                    "headers" => n.headers = container_children(f),
                    "body" | "json" | "xml" => {
                        let format = if f.name == "xml" || f.description.contains("XML") {
                            BodyFormat::Xml
                        } else {
                            BodyFormat::Json
                        };
                        n.envelope = body_from(&f, format);
                    }
                    other => diags.warn(
                        line,
                        "unknown-pseudo",
                        format!(
                            "notification row `{other}` is neither `headers` nor `body`; ignored"
                        ),
                    ),
                }
            }
        }
    }
    let all: Vec<&Field> = n
        .envelope
        .fields
        .iter()
        .chain(n.envelope.variants.iter().flatten())
        .collect();
    for f in &all {
        if f.name == "event_type" {
            for v in f.enum_values.iter().flatten() {
                if !n.event_types.contains(v) {
                    n.event_types.push(v.clone());
                }
            }
        }
    }
    if let Some((path, field)) = find_encrypted(&all, "") {
        n.encrypted_field = Some(path);
        n.resource = field.fields.clone();
        n.resource_variants = field.variants.clone();
        if n.resource.is_empty() && n.resource_variants.is_empty() {
            diags.warn(
                s.line,
                "empty-resource",
                "the encrypted field has no documented decrypted fields",
            );
        }
    }
    if let Some((line, tree)) = s.response {
        n.reply = response_body(kind, line, tree, diags);
    }
    n
}

fn find_encrypted<'a>(fields: &[&'a Field], prefix: &str) -> Option<(String, &'a Field)> {
    for f in fields {
        let path = if prefix.is_empty() {
            f.name.clone()
        } else {
            format!("{prefix}.{}", f.name)
        };
        if matches!(f.encrypted, Some(Encryption::AesGcm | Encryption::AesEcb)) {
            return Some((path, f));
        }
        let children: Vec<&Field> = f.fields.iter().collect();
        if let Some(found) = find_encrypted(&children, &path) {
            return Some(found);
        }
    }
    None
}
