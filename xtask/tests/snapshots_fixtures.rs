//! Hand-written fixture pages (`tests/fixtures/*.md`), one per parsing rule and one per irregularity.
//!
//! Each fixture is parsed under a made-up page path, snapshotted (page JSON + diagnostics), and checked
//! with targeted assertions on the facts of its rule, so a wrong parse fails even if the snapshot is
//! blindly accepted. No docs corpus is needed.

mod common;

use xtask::diag::Diagnostic;
use xtask::docs::Parsed;
use xtask::spec::{Field, Operation, Page};

/// Reads a fixture, parses it as the page `rel`, snapshots the result and returns it.
fn parse_fixture(file: &str, rel: &str) -> (Option<Parsed>, Vec<Diagnostic>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{file}.md"));
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    common::parse(rel, &src)
}

/// A fixture that must parse into a page; snapshotted under the fixture's name.
fn page(file: &str, rel: &str) -> (Page, Vec<Diagnostic>) {
    let (parsed, diags) = parse_fixture(file, rel);
    let page = match parsed {
        Some(Parsed::Page(p)) => p,
        other => panic!("{file}: expected a page, got {other:?}"),
    };
    insta::assert_snapshot!(file, common::render(&page, &diags));
    (page, diags)
}

fn classes(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.class.to_string()).collect()
}

fn has(diags: &[Diagnostic], class: &str) -> bool {
    diags.iter().any(|d| d.class == class)
}

fn lines_of(diags: &[Diagnostic], class: &str) -> Vec<usize> {
    diags
        .iter()
        .filter(|d| d.class == class)
        .map(|d| d.line)
        .collect()
}

/// The field at a dot-separated path of wire names (following `fields` only).
fn field<'a>(fields: &'a [Field], path: &str) -> &'a Field {
    let mut set = fields;
    let mut found = None;
    for name in path.split('.') {
        let f = set
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field `{name}` (path `{path}`) among {:?}", names(set)));
        set = &f.fields;
        found = Some(f);
    }
    found.expect("non-empty path")
}

fn names(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

fn only_op(page: &Page) -> &Operation {
    assert_eq!(page.operations.len(), 1, "expected one operation");
    &page.operations[0]
}

fn strs(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

// ---------------------------------------------------------------------------------------------------
// Page structure
// ---------------------------------------------------------------------------------------------------

#[test]
fn post_front_matter() {
    let (page, diags) = page("post_front_matter", "openapi/v3/fixture/orders.md");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(page.source, "openapi/v3/fixture/orders.md");
    assert_eq!(page.title, "创建测试工单");
    assert_eq!(page.description, "一个仅用于解析器测试的下单接口。");
    assert!(page.notifications.is_empty());
    let op = only_op(&page);
    assert_eq!(op.method, "POST");
    assert_eq!(op.path, "/v3/fixture/orders");
    assert_eq!(op.api, "v3");
    assert_eq!(
        op.title, "创建测试工单",
        "`{{{{ $frontmatter.title }}}}` is substituted"
    );
    assert_eq!(op.description, "一个仅用于解析器测试的下单接口。");
    assert_eq!(
        op.doc_links,
        [
            "https://example.com/fixture/doc-1",
            "https://example.com/fixture/doc-2"
        ]
    );
    assert!(!op.deprecated && op.markers.is_empty());
    assert_eq!(op.base_uri, None);
    assert!(op.path_params.is_empty() && op.query.is_empty());
    assert_eq!(names(&op.headers), ["X-Fixture-Serial"]);
    assert!(op.headers[0].required);
    assert_eq!(op.request_body.format, "json");
    assert_eq!(names(&op.request_body.fields), ["shop_code", "memo"]);
    assert!(field(&op.request_body.fields, "shop_code").required);
    assert!(!field(&op.request_body.fields, "memo").required);
    assert_eq!(
        field(&op.request_body.fields, "memo").description,
        "备注文字"
    );
    assert_eq!(op.response.format, "json");
    assert_eq!(names(&op.response.fields), ["ticket_no", "created"]);
    assert_eq!(field(&op.response.fields, "created").ty, "integer");
    assert!(field(&op.response.fields, "ticket_no").required);
}

#[test]
fn mix_page_has_one_operation_per_h2() {
    let (page, diags) = page("mix", "openapi/v3/fixture/widgets/{widget_id}.md");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(page.title, "组件的查询与替换");
    assert_eq!(page.operations.len(), 2);
    let (get, put) = (&page.operations[0], &page.operations[1]);
    assert_eq!(
        (get.method.as_str(), get.title.as_str()),
        ("GET", "查询组件")
    );
    assert_eq!(
        (put.method.as_str(), put.title.as_str()),
        ("PUT", "替换组件")
    );
    assert_eq!(get.description, "按编号读取一个组件。");
    assert_eq!(put.description, "整体替换一个组件。");
    for op in &page.operations {
        assert_eq!(op.path, "/v3/fixture/widgets/{widget_id}");
        assert_eq!(names(&op.path_params), ["widget_id"]);
    }
    assert_eq!(get.request_body.format, "empty");
    assert_eq!(names(&get.response.fields), ["widget_id", "color"]);
    assert_eq!(put.request_body.format, "json");
    assert_eq!(names(&put.request_body.fields), ["color"]);
    assert_eq!(put.response.format, "empty");
}

#[test]
fn index_page_path_has_trailing_slash() {
    let (page, diags) = page(
        "index_trailing_slash",
        "openapi/v3/fixture/catalog/index.md",
    );
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.path, "/v3/fixture/catalog/");
    assert_eq!(op.method, "GET");
    assert_eq!(names(&op.query), ["page_size"]);
    assert_eq!(op.query[0].ty, "integer");
    let entries = field(&op.response.fields, "entries");
    assert_eq!(
        (
            entries.ty.as_str(),
            entries.items.as_ref().map(|v| v.as_str())
        ),
        ("array", Some("string"))
    );
    assert_eq!(
        xtask::docs::url_path("openapi/v3/fixture/catalog/index.md"),
        "/v3/fixture/catalog/"
    );
}

#[test]
fn path_params_matched_by_name_in_path_order() {
    let (page, diags) = page(
        "path_params_by_name",
        "openapi/v3/fixture/shops/{shop_id}/items/{item_id}.md",
    );
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.path, "/v3/fixture/shops/{shop_id}/items/{item_id}");
    assert_eq!(
        names(&op.path_params),
        ["shop_id", "item_id"],
        "path order, not row order"
    );
    assert_eq!(op.path_params[0].ty, "string");
    assert_eq!(op.path_params[1].ty, "integer");
    assert!(op.path_params.iter().all(|f| f.required));
    assert_eq!(op.path_params[1].description, "商品编号");
}

#[test]
fn misspelled_path_param_matched_by_position() {
    let (page, diags) = page(
        "path_param_misspelled",
        "openapi/v3/fixture/parcels/{parcel_no}.md",
    );
    assert_eq!(classes(&diags), ["path-param-mismatch"]);
    let op = only_op(&page);
    assert_eq!(names(&op.path_params), ["parcel_no"]);
    assert!(op.path_params[0].required);
    assert!(
        op.path_params[0].description.contains("parcel_number"),
        "{}",
        op.path_params[0].description
    );
}

#[test]
fn pseudo_rows_query_headers_json_base_uri() {
    let (page, diags) = page("pseudo_query_headers_json", "openapi/v3/fixture/reports.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(
        op.base_uri.as_deref(),
        Some("https://apihk.mch.weixin.qq.com/")
    );
    assert_eq!(names(&op.query), ["lang"]);
    assert_eq!(names(&op.headers), ["X-Trace"]);
    assert_eq!(op.request_body.format, "json");
    assert_eq!(names(&op.request_body.fields), ["period"]);
    assert!(
        op.path_params.is_empty(),
        "pseudo rows are not path parameters"
    );
    assert!(!op.security && !op.nonceless && op.fragment.is_none());
}

#[test]
fn pseudo_rows_xml_base_uri_security_nonceless() {
    let (page, diags) = page("pseudo_xml_v2", "openapi/v2/fixture/settle.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.api, "v2");
    assert_eq!(op.path, "/v2/fixture/settle");
    assert_eq!(op.base_uri.as_deref(), Some("https://api2.example.com/"));
    assert!(op.security);
    assert!(op.nonceless);
    assert_eq!(op.request_body.format, "xml");
    assert_eq!(names(&op.request_body.fields), ["mch_id", "day"]);
    assert!(op.path_params.is_empty());
    assert_eq!(op.response.format, "xml", "v2 responses default to XML");
    assert_eq!(
        field(&op.response.fields, "return_code").enum_values,
        strs(&["SUCCESS", "FAIL"])
    );
}

#[test]
fn body_pseudo_row_is_multipart() {
    let (page, diags) = page("body_multipart", "openapi/v3/fixture/vouchers/upload.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.request_body.format, "multipart");
    assert_eq!(names(&op.request_body.fields), ["file", "label"]);
    let file = field(&op.request_body.fields, "file");
    assert_eq!(file.ty, "object");
    assert!(file.required && file.fields.is_empty());
}

#[test]
fn meta_json_after_rule() {
    let (page, diags) = page("meta_after_rule", "openapi/v3/fixture/assets/upload.md");
    assert!(
        diags.is_empty(),
        "`meta` children are expected, no implied-json warning: {diags:?}"
    );
    let op = only_op(&page);
    assert_eq!(op.request_body.format, "multipart");
    let meta = field(&op.request_body.fields, "meta");
    assert_eq!(meta.ty, "string");
    assert_eq!(meta.encoded.as_ref().map(|v| v.as_str()), Some("json"));
    assert_eq!(names(&meta.fields), ["digest", "title"]);
    assert!(meta.fields[0].required && !meta.fields[1].required);
    assert!(meta.variants.is_empty());
}

#[test]
fn fragment_row() {
    let (page, diags) = page("fragment", "openapi/v2/fixture/authorize.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.fragment.as_deref(), Some("#fixture_anchor"));
    assert_eq!(names(&op.query), ["app_key"]);
    assert!(op.path_params.is_empty());
    assert!(op.response.redirect);
    assert_eq!(op.response.format, "empty");
}

// ---------------------------------------------------------------------------------------------------
// Field trees, types, enums, attributes
// ---------------------------------------------------------------------------------------------------

#[test]
fn nested_objects_and_arrays() {
    let (page, diags) = page("nested_arrays", "openapi/v3/fixture/manifests.md");
    assert!(diags.is_empty(), "{diags:?}");
    let body = &only_op(&page).request_body.fields;
    assert_eq!(
        names(body),
        ["owner", "lines", "tags", "slots", "weights", "urgent"]
    );
    let owner = field(body, "owner");
    assert_eq!(
        (owner.ty.as_str(), owner.items.as_ref().map(|v| v.as_str())),
        ("object", None)
    );
    assert_eq!(names(&owner.fields), ["nick", "address"]);
    let city = field(body, "owner.address.city");
    assert!(city.required);
    assert!(!field(body, "owner.address").required);
    let lines = field(body, "lines");
    assert_eq!(
        (lines.ty.as_str(), lines.items.as_ref().map(|v| v.as_str())),
        ("array", Some("object"))
    );
    assert_eq!(names(&lines.fields), ["sku", "qty"]);
    assert_eq!(field(body, "lines.qty").ty, "integer");
    for (name, item) in [
        ("tags", "string"),
        ("slots", "integer"),
        ("weights", "number"),
    ] {
        let f = field(body, name);
        assert_eq!(
            (f.ty.as_str(), f.items.as_ref().map(|v| v.as_str())),
            ("array", Some(item)),
            "{name}"
        );
        assert!(f.fields.is_empty());
    }
    assert_eq!(field(body, "urgent").ty, "boolean");
}

#[test]
fn enum_forms() {
    let (page, diags) = page("enums", "openapi/v3/fixture/enums.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    let mode = field(&op.query, "mode");
    assert_eq!(mode.enum_values, strs(&["FAST", "SLOW", "AUTO"]));
    assert_eq!(
        mode.description, "模式",
        "the enum clause is left out of the description"
    );
    assert_eq!(
        field(&op.query, "level").enum_values,
        strs(&["TOP LEVEL"]),
        "single `枚举值`, value with a space"
    );
    let r = &op.response.fields;
    let phase = field(r, "phase");
    assert_eq!(
        phase.enum_values,
        strs(&["OPEN", "SHUT"]),
        "`枚举值：` listing"
    );
    assert!(
        phase.description.contains("OPEN：开放中"),
        "the listing stays in the description: {}",
        phase.description
    );
    assert_eq!(
        field(r, "code_list").enum_values,
        strs(&["GREEN", "RED"]),
        "`…：` listing of backticked values"
    );
    assert_eq!(
        field(r, "grade").enum_values,
        strs(&["A", "B", "C"]),
        "space-separated values"
    );
    assert_eq!(
        field(r, "prose").enum_values,
        None,
        "prose mentioning 枚举值 is not an enum"
    );
    assert_eq!(
        field(r, "either").enum_values,
        None,
        "values joined by prose are not an enum"
    );
}

#[test]
fn encryption_encoding_signing_and_length_attributes() {
    let (page, diags) = page("encryption_attrs", "openapi/v3/fixture/payees.md");
    assert_eq!(classes(&diags), ["attribute-spelling"]);
    let op = only_op(&page);
    let b = &op.request_body.fields;
    let holder = field(b, "holder");
    assert_eq!(
        holder.encrypted.as_ref().map(|v| v.as_str()),
        Some("rsa-pubkey")
    );
    assert_eq!(
        holder.encryption_key.as_ref().map(|v| v.as_str()),
        Some("wechatpay")
    );
    assert!(holder.required);
    let card = field(b, "card_no");
    assert_eq!(
        (
            card.encrypted.as_ref().map(|v| v.as_str()),
            card.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("rsa-pubkey"), Some("bank"))
    );
    let extra = field(b, "extra");
    assert_eq!(extra.encoded.as_ref().map(|v| v.as_str()), Some("json"));
    assert_eq!(names(&extra.fields), ["color"]);
    let legacy = field(b, "legacy");
    assert_eq!(
        legacy.encoded.as_ref().map(|v| v.as_str()),
        Some("json"),
        "`data-encoded-by` is honoured"
    );
    assert_eq!(names(&legacy.fields), ["size"]);
    assert_eq!(legacy.fields[0].ty, "integer");
    let form = field(b, "form");
    assert_eq!(form.encoded.as_ref().map(|v| v.as_str()), Some("urlencode"));
    assert_eq!(names(&form.fields), ["k"]);
    assert_eq!(
        field(b, "proof").signed.as_ref().map(|v| v.as_str()),
        Some("rsa-privatekey")
    );
    assert_eq!(field(b, "code").max_length, Some(32), "from the tooltip");
    assert_eq!(
        field(b, "remark").max_length,
        Some(8),
        "from the description"
    );
    for name in ["extra", "legacy", "form", "proof", "code", "remark"] {
        assert_eq!(field(b, name).encrypted, None, "{name}");
    }
    let r = &op.response.fields;
    let holder = field(r, "holder");
    assert_eq!(
        (
            holder.encrypted.as_ref().map(|v| v.as_str()),
            holder.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("rsa-pubkey"), Some("merchant"))
    );
    let blob = field(r, "blob");
    assert_eq!(
        (
            blob.encrypted.as_ref().map(|v| v.as_str()),
            blob.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("aes-gcm"), Some("apiv3-key"))
    );
    let sealed = field(r, "sealed");
    assert_eq!(
        (
            sealed.encrypted.as_ref().map(|v| v.as_str()),
            sealed.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("aes-ecb"), Some("api-key-md5"))
    );
}

#[test]
fn rule_row_introduces_decrypted_content() {
    let (page, diags) = page("rule_decrypted", "openapi/v3/fixture/secrets.md");
    assert!(diags.is_empty(), "{diags:?}");
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["serial", "secret"]);
    let secret = field(r, "secret");
    assert_eq!(secret.ty, "string");
    assert_eq!(
        secret.encrypted.as_ref().map(|v| v.as_str()),
        Some("aes-gcm")
    );
    assert_eq!(names(&secret.fields), ["pem", "expires"]);
    assert!(
        secret.variants.is_empty(),
        "a rule before the first child introduces content, not a variant"
    );
    assert!(secret.fields[0].required && !secret.fields[1].required);
}

#[test]
fn rule_rows_separate_variants() {
    let (page, diags) = page("rule_variants", "openapi/v3/fixture/scenes.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    let scene = field(&op.request_body.fields, "scene");
    assert_eq!(scene.encoded.as_ref().map(|v| v.as_str()), Some("json"));
    assert!(scene.fields.is_empty(), "children are in `variants`");
    assert_eq!(scene.variants.len(), 2);
    assert_eq!(names(&scene.variants[0]), ["scene"]);
    assert_eq!(names(&scene.variants[0][0].fields), ["road"]);
    assert_eq!(names(&scene.variants[1][0].fields), ["river", "depth"]);
    assert_eq!(scene.variants[1][0].fields[1].ty, "number");
    // Top-level variants of a response table.
    let resp = &op.response;
    assert_eq!(resp.format, "json");
    assert!(resp.fields.is_empty());
    assert_eq!(resp.variants.len(), 2);
    assert_eq!(names(&resp.variants[0]), ["kind", "alpha"]);
    assert_eq!(names(&resp.variants[1]), ["kind", "beta"]);
}

#[test]
fn misplaced_decrypted_content_goes_to_the_encrypted_field() {
    let (page, diags) = page("misplaced_decrypted", "openapi/v3/fixture/messages.md");
    assert_eq!(classes(&diags), ["misplaced-content"]);
    assert_eq!(diags[0].line, 16, "reported at the first decrypted row");
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["message", "size"]);
    let message = field(r, "message");
    assert_eq!(names(&message.fields), ["ciphertext", "kind_hint"]);
    assert_eq!(
        names(&field(r, "message.ciphertext").fields),
        ["subject", "sent_at"]
    );
    assert!(field(r, "message.kind_hint").fields.is_empty());
    assert_eq!(field(r, "message.kind_hint").encoded, None);
}

// ---------------------------------------------------------------------------------------------------
// Single-cell rows, redirect stubs, markers
// ---------------------------------------------------------------------------------------------------

#[test]
fn single_cell_empty_response() {
    let (page, diags) = page("response_empty", "openapi/v3/fixture/applies/{apply_no}.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.method, "DELETE");
    assert_eq!(names(&op.path_params), ["apply_no"]);
    assert_eq!(op.response.format, "empty");
    assert!(op.response.fields.is_empty() && !op.response.redirect);
    assert_eq!(op.response.note, "空字符串(无返回内容)");
}

#[test]
fn single_cell_file_stream_response() {
    let (page, diags) = page("response_file_stream", "openapi/v3/fixture/download.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert_eq!(op.response.format, "binary");
    assert!(op.response.note.contains("文件流"));
    assert!(!op.response.redirect);
    assert_eq!(names(&op.query), ["token"]);
}

#[test]
fn error_dictionary_with_sink_is_a_file_stream() {
    let (page, diags) = page(
        "irr_error_dictionary",
        "openapi/v2/fixture/downloadreport.md",
    );
    assert_eq!(classes(&diags), ["error-dictionary"]);
    assert_eq!(lines_of(&diags, "error-dictionary"), [14]);
    assert!(diags[0].message.contains("`return_code`, `return_msg`"));
    let op = only_op(&page);
    assert_eq!(op.response.format, "binary");
    assert!(
        op.response.fields.is_empty() && op.response.variants.is_empty(),
        "the error dictionary is not the response"
    );
    assert_eq!(names(&op.request_body.fields), ["day"]);
}

#[test]
fn error_dictionary_without_sink_is_empty() {
    let (page, diags) = page(
        "irr_error_dictionary_no_sink",
        "openapi/v2/fixture/queryreport.md",
    );
    assert_eq!(classes(&diags), ["error-dictionary"]);
    let op = only_op(&page);
    assert_eq!(op.response.format, "empty");
    assert!(op.response.fields.is_empty());
}

#[test]
fn single_cell_redirect_response() {
    let (page, diags) = page("response_redirect", "openapi/v2/fixture/open-page.md");
    assert!(diags.is_empty(), "{diags:?}");
    let op = only_op(&page);
    assert!(op.response.redirect);
    assert_eq!(op.response.format, "empty");
    assert_eq!(op.response.note, "30x跳转(无实际内容)");
}

#[test]
fn redirect_stub() {
    let (parsed, diags) = parse_fixture("redirect_stub", "openapi/v3/fixture/old-place.md");
    assert!(diags.is_empty(), "{diags:?}");
    let target = match parsed {
        Some(Parsed::Redirect(t)) => t,
        other => panic!("expected a redirect stub, got {other:?}"),
    };
    assert_eq!(target, "/openapi/v3/fixture/new-place");
    insta::assert_snapshot!("redirect_stub", format!("redirect to {target}\n"));
}

#[test]
fn outside_the_api_folders_is_not_a_page() {
    let (parsed, diags) = parse_fixture("post_front_matter", "guide/fixture/orders.md");
    assert!(parsed.is_none());
    assert!(diags.is_empty());
}

#[test]
fn page_markers() {
    let (page, diags) = page("markers", "openapi/v2/fixture/legacy-query.md");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(page.markers, ["deprecated", "privated"]);
    let op = only_op(&page);
    assert!(op.deprecated);
    assert_eq!(op.markers, ["deprecated", "privated"]);
    assert_eq!(op.description, "测试页面标记用的旧接口。");
}

#[test]
fn section_markers_on_a_mix_page() {
    let (page, diags) = page("markers_mix", "openapi/v3/fixture/generations.md");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(page.markers, ["redesigned"]);
    let (old, new) = (&page.operations[0], &page.operations[1]);
    assert_eq!(old.markers, ["redesigned", "discarded"]);
    assert!(old.deprecated, "discarded counts as deprecated");
    assert_eq!(new.markers, ["redesigned"]);
    assert!(!new.deprecated);
}

// ---------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------

#[test]
fn webhook_v3_notification() {
    let (page, diags) = page("webhook_v3", "webhook/v3/FIXTURE.DONE.md");
    assert!(diags.is_empty(), "{diags:?}");
    assert!(page.operations.is_empty());
    assert_eq!(page.notifications.len(), 1);
    let n = &page.notifications[0];
    assert_eq!((n.method.as_str(), n.api.as_str()), ("POST", "v3"));
    assert_eq!(n.title, "测试事件(FIXTURE.DONE)通知");
    assert_eq!(n.description, "作业完成后发送的测试通知。");
    assert_eq!(n.event_types, ["FIXTURE.DONE", "FIXTURE.UNDONE"]);
    assert_eq!(names(&n.headers), ["Request-ID", "Wechatpay-Signature"]);
    assert_eq!(n.envelope.format, "json");
    assert_eq!(names(&n.envelope.fields), ["id", "event_type", "resource"]);
    assert_eq!(
        field(&n.envelope.fields, "resource.algorithm").enum_values,
        strs(&["AEAD_AES_256_GCM"])
    );
    assert_eq!(n.encrypted_field.as_deref(), Some("resource.ciphertext"));
    let ct = field(&n.envelope.fields, "resource.ciphertext");
    assert_eq!(
        (
            ct.encrypted.as_ref().map(|v| v.as_str()),
            ct.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("aes-gcm"), Some("apiv3-key"))
    );
    assert_eq!(
        ct.fields, n.resource,
        "`resource` is a copy of the ciphertext's children"
    );
    assert_eq!(names(&n.resource), ["job_id", "outcome"]);
    assert_eq!(field(&n.resource, "outcome.score").ty, "integer");
    assert_eq!(n.reply.format, "json");
    assert_eq!(n.reply.http_status, ["20X", "4XX", "5XX"]);
    assert_eq!(names(&n.reply.fields), ["code", "message"]);
    assert_eq!(
        field(&n.reply.fields, "code").enum_values,
        strs(&["SUCCESS", "FAIL"])
    );
}

#[test]
fn webhook_v2_notification() {
    let (page, diags) = page("webhook_v2", "webhook/v2/fixture-result.md");
    assert!(diags.is_empty(), "{diags:?}");
    let n = &page.notifications[0];
    assert_eq!(n.api, "v2");
    assert!(n.event_types.is_empty());
    assert_eq!(n.envelope.format, "xml");
    assert_eq!(n.encrypted_field.as_deref(), Some("req_info"));
    let req = field(&n.envelope.fields, "req_info");
    assert_eq!(
        (
            req.encrypted.as_ref().map(|v| v.as_str()),
            req.encryption_key.as_ref().map(|v| v.as_str())
        ),
        (Some("aes-ecb"), Some("api-key-md5"))
    );
    assert_eq!(names(&n.resource), ["ticket"]);
    assert_eq!(n.reply.format, "xml");
    assert_eq!(names(&n.reply.fields), ["return_code"]);
}

// ---------------------------------------------------------------------------------------------------
// Irregularities: each is reported, with the documented workaround applied
// ---------------------------------------------------------------------------------------------------

#[test]
fn irregular_indent_jump() {
    let (page, diags) = page("irr_indent_jump", "openapi/v3/fixture/irr/indent-jump.md");
    assert_eq!(classes(&diags), ["indent-jump"]);
    assert_eq!(diags[0].line, 7);
    let b = &only_op(&page).request_body.fields;
    assert_eq!(names(b), ["outer"]);
    assert_eq!(
        names(&field(b, "outer").fields),
        ["inner"],
        "read as a child of the row above"
    );
}

#[test]
fn irregular_member_indent() {
    let (page, diags) = page(
        "irr_member_indent",
        "openapi/v3/fixture/irr/member-indent.md",
    );
    assert_eq!(
        classes(&diags),
        ["member-indent", "children-under-scalar", "empty-object"]
    );
    assert_eq!(lines_of(&diags, "member-indent"), [14]);
    assert_eq!(lines_of(&diags, "children-under-scalar"), [20]);
    assert_eq!(lines_of(&diags, "empty-object"), [12]);
    let r = &only_op(&page).response.fields;
    assert_eq!(
        names(r),
        ["shop", "owner", "open", "count", "label", "shade"],
        "`role` and `uid` leave the top level"
    );
    assert_eq!(
        names(&field(r, "owner").fields),
        ["role", "uid", "note"],
        "the scalar after the empty object, its deeper neighbour and the rows after them are members"
    );
    assert!(
        field(r, "shop").fields.is_empty(),
        "an object before an object stays empty"
    );
    assert!(
        field(r, "label").fields.is_empty(),
        "no empty object before `label`: sibling rule"
    );
}

#[test]
fn irregular_child_under_scalar() {
    let (page, diags) = page(
        "irr_child_under_scalar",
        "openapi/v3/fixture/irr/child-under-scalar.md",
    );
    assert_eq!(
        classes(&diags),
        ["children-under-scalar", "children-under-scalar"]
    );
    assert_eq!(lines_of(&diags, "children-under-scalar"), [13, 14]);
    let r = &only_op(&page).response.fields;
    assert_eq!(
        names(r),
        ["label", "shade", "count"],
        "`shade` is read as a sibling of the string `label`"
    );
    assert!(field(r, "label").fields.is_empty());
    assert_eq!(
        names(&field(r, "count").fields),
        ["unit"],
        "after a rule an integer keeps its children"
    );
}

#[test]
fn irregular_too_few_cells() {
    let (page, diags) = page(
        "irr_too_few_cells",
        "openapi/v3/fixture/irr/too-few-cells.md",
    );
    assert_eq!(classes(&diags), ["cell-count", "cell-count", "note-row"]);
    assert_eq!(lines_of(&diags, "cell-count"), [12, 13]);
    let resp = &only_op(&page).response;
    assert_eq!(names(&resp.fields), ["brief", "full"]);
    assert_eq!(field(&resp.fields, "brief").description, "");
    assert!(field(&resp.fields, "brief").required);
    assert_eq!(resp.note, "lonely", "a one-cell row is kept as a note");
}

#[test]
fn irregular_too_many_cells() {
    let (page, diags) = page(
        "irr_too_many_cells",
        "openapi/v3/fixture/irr/too-many-cells.md",
    );
    assert_eq!(classes(&diags), ["cell-count"]);
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["wide", "next"]);
    assert_eq!(
        field(r, "wide").description,
        "前半句 | 后半句",
        "extra cells joined into the description"
    );
}

#[test]
fn irregular_rows_run_together() {
    let (page, diags) = page(
        "irr_rows_run_together",
        "openapi/v3/fixture/irr/rows-run-together.md",
    );
    assert_eq!(
        classes(&diags),
        [
            "rows-run-together",
            "rows-run-together",
            "rows-run-together"
        ]
    );
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["box"]);
    assert_eq!(
        names(&field(r, "box").fields),
        ["first", "second", "third"],
        "the stray indent-0 row is dropped"
    );
    assert_eq!(field(r, "box.second").ty, "integer");
    assert_eq!(field(r, "box.first").description, "第一个");
}

#[test]
fn irregular_duplicate_names() {
    let (page, diags) = page(
        "irr_duplicate_names",
        "openapi/v3/fixture/irr/duplicate-names.md",
    );
    assert_eq!(classes(&diags), ["duplicate-name"]);
    let item = field(&only_op(&page).response.fields, "item");
    assert_eq!(names(&item.fields), ["code", "code"], "both kept");
    assert_eq!(item.fields[1].ty, "integer");
}

#[test]
fn irregular_extra_path_param_row() {
    let (page, diags) = page(
        "irr_path_param_mismatch",
        "openapi/v3/fixture/boxes/{box_id}.md",
    );
    assert_eq!(classes(&diags), ["path-param-mismatch"]);
    assert!(diags[0].message.contains("`shelf`"), "{}", diags[0].message);
    let op = only_op(&page);
    assert_eq!(
        names(&op.path_params),
        ["box_id", "shelf"],
        "kept as an extra path parameter"
    );
}

#[test]
fn irregular_missing_path_param() {
    let (page, diags) = page(
        "irr_missing_path_param",
        "openapi/v3/fixture/lockers/{locker_no}.md",
    );
    assert_eq!(classes(&diags), ["path-param-missing"]);
    let op = only_op(&page);
    assert_eq!(names(&op.path_params), ["locker_no"]);
    let p = &op.path_params[0];
    assert!(p.required);
    assert_eq!(p.ty, "string");
    assert_eq!(names(&op.query), ["verbose"]);
}

#[test]
fn irregular_path_param_only_in_query() {
    let (page, diags) = page(
        "irr_path_param_in_query",
        "openapi/v3/fixture/tickets/{ticket_no}.md",
    );
    assert_eq!(classes(&diags), ["path-param-in-query"]);
    let op = only_op(&page);
    assert_eq!(names(&op.path_params), ["ticket_no"]);
    assert!(
        op.path_params[0].required,
        "a path parameter is always required"
    );
    assert_eq!(names(&op.query), ["lang"], "moved out of the query");
}

#[test]
fn irregular_path_param_only_in_body() {
    let (page, diags) = page(
        "irr_path_param_in_body",
        "openapi/v3/fixture/vendors/{vendor_id}.md",
    );
    assert_eq!(classes(&diags), ["path-param-in-body"]);
    let op = only_op(&page);
    assert_eq!(op.method, "PATCH");
    assert_eq!(names(&op.path_params), ["vendor_id"]);
    assert_eq!(
        names(&op.request_body.fields),
        ["vendor_id", "name"],
        "also kept in the body"
    );
}

#[test]
fn irregular_fixed_path_segment_row() {
    let (page, diags) = page(
        "irr_fixed_path_segment",
        "openapi/v2/fixture/svc/doThing.md",
    );
    assert_eq!(classes(&diags), ["fixed-path-segment"]);
    let op = only_op(&page);
    assert!(op.path_params.is_empty());
    assert_eq!(op.path, "/v2/fixture/svc/doThing");
    assert_eq!(names(&op.request_body.fields), ["mch_id"]);
}

#[test]
fn irregular_object_with_no_children() {
    let (page, diags) = page("irr_empty_object", "openapi/v3/fixture/irr/empty-object.md");
    assert_eq!(classes(&diags), ["empty-object", "empty-object"]);
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["extras", "rows", "after"]);
    assert_eq!(field(r, "extras").ty, "object");
    assert_eq!(
        field(r, "rows").items.as_ref().map(|v| v.as_str()),
        Some("object")
    );
}

#[test]
fn irregular_name_with_space() {
    let (page, diags) = page(
        "irr_name_with_space",
        "openapi/v3/fixture/irr/name-with-space.md",
    );
    assert_eq!(classes(&diags), ["name-with-space"]);
    let r = &only_op(&page).response.fields;
    assert_eq!(names(r), ["payer_total"]);
    assert!(r[0].required);
}

#[test]
fn irregular_misplaced_data_required() {
    let (page, diags) = page(
        "irr_misplaced_required",
        "openapi/v3/fixture/irr/misplaced-required.md",
    );
    assert_eq!(
        classes(&diags),
        ["misplaced-attribute", "misplaced-attribute"]
    );
    let op = only_op(&page);
    assert!(field(&op.query, "q").required, "honoured");
    assert!(!field(&op.query, "page").required);
}

#[test]
fn irregular_unknown_type() {
    let (page, diags) = page("irr_unknown_type", "openapi/v3/fixture/irr/unknown-type.md");
    assert_eq!(
        classes(&diags),
        ["unknown-type", "unknown-type", "unknown-type"]
    );
    let q = &only_op(&page).query;
    assert_eq!(field(q, "since").ty, "string");
    let ratio = field(q, "ratio");
    assert_eq!(
        (ratio.ty.as_str(), ratio.items.as_ref().map(|v| v.as_str())),
        ("array", Some("string"))
    );
    assert_eq!(field(q, "what").ty, "string");
    let flag = field(q, "flag");
    assert_eq!(
        (flag.ty.as_str(), flag.constant.as_deref()),
        ("boolean", Some("true")),
        "`true` is a boolean constant"
    );
}

#[test]
fn irregular_missing_indent_in_webhook_table() {
    let (page, diags) = page(
        "irr_missing_indent_webhook",
        "webhook/v3/FIXTURE.LOST_INDENT.md",
    );
    assert_eq!(classes(&diags), ["missing-indent", "missing-indent"]);
    assert_eq!(lines_of(&diags, "missing-indent"), [11, 13]);
    let n = &page.notifications[0];
    assert_eq!(
        names(&n.envelope.fields),
        ["id", "detail", "lost"],
        "`lost` re-indented before a nested row"
    );
    assert_eq!(
        names(&field(&n.envelope.fields, "lost").fields),
        ["piece", "tail"],
        "`tail` re-indented as its previous row"
    );
    assert_eq!(names(&field(&n.envelope.fields, "detail").fields), ["part"]);
    assert_eq!(
        n.reply.http_status,
        Vec::<String>::new(),
        "a reply without a body row is a plain table"
    );
}

#[test]
fn irregular_unmarked_tables() {
    let (page, diags) = page(
        "irr_unmarked_table",
        "openapi/v3/fixture/irr/unmarked-table.md",
    );
    assert_eq!(classes(&diags), ["unmarked-table", "unmarked-table"]);
    assert_eq!(lines_of(&diags, "unmarked-table"), [3, 20]);
    let op = only_op(&page);
    assert_eq!(names(&op.query), ["q"], "the marked table is still read");
    assert_eq!(names(&op.response.fields), ["ok"]);
}

#[test]
fn irregular_second_h1() {
    let (page, diags) = page("irr_second_h1", "openapi/v3/fixture/irr/second-h1.md");
    assert_eq!(classes(&diags), ["extra-h1"]);
    assert_eq!(diags[0].line, 16);
    assert_eq!(page.title, "第一个接口");
    assert_eq!(page.operations.len(), 2, "read as a new section");
    assert_eq!(page.operations[1].method, "GET");
    assert_eq!(names(&page.operations[1].query), ["b"]);
}

#[test]
fn irregular_implied_json_string() {
    let (page, diags) = page("irr_implied_json", "openapi/v3/fixture/irr/implied-json.md");
    assert_eq!(classes(&diags), ["implied-json"]);
    let filter = field(&only_op(&page).query, "filter");
    assert_eq!(filter.encoded.as_ref().map(|v| v.as_str()), Some("json"));
    assert_eq!(names(&filter.fields), ["field"]);
}

#[test]
fn irregular_client_option_row() {
    let (page, diags) = page(
        "irr_client_option",
        "openapi/v2/fixture/irr/client-option.md",
    );
    assert_eq!(classes(&diags), ["client-option"]);
    let op = only_op(&page);
    assert!(op.path_params.is_empty(), "`timeout` is not a parameter");
    assert_eq!(names(&op.request_body.fields), ["mch_id"]);
}

#[test]
fn irregular_non_numeric_indent() {
    let (page, diags) = page("irr_bad_indent", "openapi/v3/fixture/irr/bad-indent.md");
    assert_eq!(
        classes(&diags),
        [
            "bad-indent",
            "bad-indent",
            "empty-object",
            "path-param-mismatch",
            "path-param-mismatch"
        ]
    );
    let op = only_op(&page);
    assert!(
        op.request_body.fields.is_empty(),
        "`json` lost its children"
    );
    assert_eq!(
        names(&op.path_params),
        ["a", "b"],
        "rows read at indent 0 end up as extra top-level rows"
    );
}

#[test]
fn irregular_heading_without_method() {
    let (page, diags) = page("irr_no_method", "openapi/v3/fixture/irr/no-method.md");
    assert!(
        has(&diags, "no-method") && has(&diags, "no-operation"),
        "{diags:?}"
    );
    assert!(page.operations.is_empty());
    assert_eq!(page.title, "没有方法的页面");
}

#[test]
fn irregular_empty_response_table() {
    let (page, diags) = page(
        "irr_empty_response",
        "openapi/v2/fixture/irr/empty-response.md",
    );
    assert_eq!(classes(&diags), ["empty-object", "empty-response"]);
    let op = only_op(&page);
    assert_eq!(op.request_body.format, "xml");
    assert!(op.request_body.fields.is_empty());
    assert_eq!(op.response.format, "empty");
}
