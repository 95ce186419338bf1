//! Every APIv3 operation in `spec/` has an endpoint in the generated crate, and nothing else does.

#[path = "common.rs"]
mod common;
use common::{root, spec_files};

use std::collections::BTreeSet;

#[test]
fn every_v3_operation_of_the_spec_is_generated() {
    let mut files = Vec::new();
    spec_files(&root().join("spec/openapi/v3"), &mut files);
    let mut in_spec = BTreeSet::new();
    for f in &files {
        let page: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("readable")).expect("JSON");
        for op in page["operations"].as_array().into_iter().flatten() {
            let key = (
                op["method"].as_str().unwrap_or("").to_string(),
                op["path"].as_str().unwrap_or("").to_string(),
            );
            assert!(
                in_spec.insert(key.clone()),
                "{key:?} appears twice in spec/"
            );
        }
    }
    let generated: BTreeSet<(String, String)> = wechatpay::operations()
        .iter()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    assert_eq!(
        wechatpay::operations().len(),
        generated.len(),
        "an operation is listed twice"
    );
    let missing: Vec<_> = in_spec.difference(&generated).collect();
    let extra: Vec<_> = generated.difference(&in_spec).collect();
    assert!(
        missing.is_empty(),
        "in spec/ but not generated: {missing:?}"
    );
    assert!(extra.is_empty(), "generated but not in spec/: {extra:?}");
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("spec/index.json")).expect("index"),
    )
    .expect("JSON");
    assert_eq!(
        generated.len() as u64,
        index["counts"]["v3_operations"].as_u64().expect("count")
    );
}

#[test]
fn table_entries_are_consistent() {
    for op in wechatpay::operations() {
        assert!(
            ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&op.method),
            "{}",
            op.path
        );
        assert!(op.path.starts_with("/v3/"), "{}", op.path);
        assert!(
            op.rust_path.starts_with("wechatpay::v3::"),
            "{}",
            op.rust_path
        );
        assert!(
            op.rust_path
                .ends_with(&format!("::{}", op.method.to_lowercase())),
            "{}",
            op.rust_path
        );
        for p in op.path_params {
            assert!(
                op.path.contains(&format!("{{{p}}}")),
                "{} has no {{{p}}}",
                op.path
            );
        }
        assert!(
            op.doc_link.is_empty() || op.doc_link.starts_with("http"),
            "{}",
            op.doc_link
        );
    }
}

#[test]
fn request_check_reports_the_path_of_a_mismatch() {
    let jsapi = wechatpay::operations()
        .into_iter()
        .find(|o| o.method == "POST" && o.path == "/v3/pay/transactions/jsapi")
        .expect("jsapi is generated");
    let check = jsapi.check_request.expect("jsapi has a JSON body");
    let good = serde_json::json!({
        "appid": "wx1", "mchid": "1900000001", "description": "d", "out_trade_no": "o1",
        "notify_url": "https://example.com/n", "amount": {"total": 100, "currency": "CNY"},
        "payer": {"openid": "o"}
    });
    assert_eq!(
        check(&good).expect("fits"),
        good,
        "round trip keeps the exact JSON"
    );
    let mut bad = good.clone();
    bad["amount"]["total"] = serde_json::json!("100");
    let err = check(&bad).expect_err("a string total is rejected");
    assert_eq!(err.path, "amount.total");
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("payer");
    assert!(
        check(&missing).is_err(),
        "a missing required field is rejected"
    );
}

/// A file download's generated `<method>_request` builds the same signed request the buffered
/// operation sends, for streaming with `Client::download`.
#[test]
fn binary_operations_expose_their_request_for_streaming() {
    use wechatpay::v3::billdownload::file;
    let r =
        file::get_request(&file::get::Request::new("6XIv5TU").tartype("GZIP")).expect("request");
    assert_eq!(r.method().as_str(), "GET");
    assert_eq!(
        r.path_and_query().expect("path"),
        "/v3/billdownload/file?token=6XIv5TU&tartype=GZIP"
    );
}
