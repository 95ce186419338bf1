//! APIv2: every operation and notification page of `spec/` is generated (both ways), and the PHP
//! request examples of the v2 pages that are literals fit the generated request types and come back as
//! the same fields.

#[path = "common.rs"]
mod common;
#[path = "../support/missing.rs"]
mod missing;
use common::{root, spec_files};
#[path = "php.rs"]
mod php;
use php::{docs_dir, example_args};

use serde_json::Value;
use std::collections::BTreeSet;

fn spec_pages(dir: &str) -> Vec<Value> {
    let mut files = Vec::new();
    spec_files(&root().join(dir), &mut files);
    files.sort();
    files
        .iter()
        .map(|f| {
            serde_json::from_str(&std::fs::read_to_string(f).expect("readable")).expect("JSON")
        })
        .collect()
}

#[test]
fn every_v2_operation_of_the_spec_is_generated_and_nothing_else() {
    let mut documented = BTreeSet::new();
    for page in spec_pages("spec/openapi/v2") {
        for op in page["operations"].as_array().into_iter().flatten() {
            let method = op["method"].as_str().unwrap().to_string();
            let path = op["path"].as_str().unwrap().to_string();
            let generated = wechatpay::v2::operation(&method, &path)
                .unwrap_or_else(|| panic!("{method} {path} is not generated"));
            assert_eq!(generated.method.as_str(), method);
            // The documented `/v2` prefix is not sent.
            assert_eq!(format!("/v2{}", generated.path), path);
            assert_eq!(
                generated.security,
                op["security"].as_bool().unwrap_or(false),
                "{path}"
            );
            assert_eq!(
                generated.nonceless,
                op["nonceless"].as_bool().unwrap_or(false),
                "{path}"
            );
            assert_eq!(generated.base_uri, op["base_uri"].as_str(), "{path}");
            documented.insert((method, path));
        }
    }
    let generated: BTreeSet<(String, String)> = wechatpay::v2::OPERATIONS
        .iter()
        .map(|(_, op)| {
            (
                op.method.as_str().to_string(),
                op.documented_path.to_string(),
            )
        })
        .collect();
    assert_eq!(
        generated.len(),
        wechatpay::v2::OPERATIONS.len(),
        "no duplicates"
    );
    assert_eq!(generated, documented, "generated ⇔ spec");
    println!("{} APIv2 operations", documented.len());
}

#[test]
fn every_v2_notification_page_is_typed() {
    let events = std::fs::read_to_string(root().join("generated/parts/v2/src/events.rs")).unwrap();
    let mut documented = BTreeSet::new();
    let mut count = 0;
    for page in spec_pages("spec/webhook/v2") {
        for n in page["notifications"].as_array().into_iter().flatten() {
            if n["api"] == "v2" {
                count += 1;
                documented.insert(page["source"].as_str().unwrap().to_string());
            }
        }
    }
    let typed: BTreeSet<String> = events
        .match_indices("/// From `")
        .map(|(at, m)| {
            let rest = &events[at + m.len()..];
            rest[..rest.find('`').unwrap()].to_string()
        })
        .collect();
    assert_eq!(typed, documented, "typed pages ⇔ spec pages");
    assert_eq!(events.matches("pub fn decode(").count(), count);
}

/// Replaces each `json_encode(X)` of a PHP text by `X` (the fields' JSON text is made from the value).
fn unwrap_json_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("json_encode(") {
        let before = rest[..at].strip_suffix('\\').unwrap_or(&rest[..at]);
        out.push_str(before);
        let inner = &rest[at + "json_encode(".len()..];
        let mut depth = 1;
        let mut end = inner.len();
        let mut quote: Option<char> = None;
        for (i, c) in inner.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let arg = &inner[..end];
        // `json_encode([...], JSON_UNESCAPED_UNICODE)`: drop the flags.
        let arg = match arg.rfind("],") {
            Some(p) if arg[p + 2..].trim().starts_with("JSON_") => &arg[..=p],
            _ => arg,
        };
        out.push_str(arg);
        rest = &inner[(end + 1).min(inner.len())..];
    }
    out.push_str(rest);
    out
}

/// A field value for comparison: JSON text parsed (key order does not matter), else the string.
fn normal(v: &str) -> Value {
    let t = v.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(j) = serde_json::from_str::<Value>(v) {
            return j;
        }
    }
    Value::String(v.to_string())
}

#[test]
fn php_v2_request_examples_round_trip_through_the_request_types() {
    let docs = docs_dir();
    if !docs.is_dir() {
        missing::missing_input(
            &format!("docs corpus not found at {}", docs.display()),
            "put ../shared/docs beside the repository or set WECHATPAY_DOCS",
        );
        return;
    }
    let (mut with_example, mut checked, mut unusable) = (0, 0, 0);
    let mut failures = Vec::new();
    for page in spec_pages("spec/openapi/v2") {
        let source = page["source"].as_str().unwrap();
        let Ok(text) = std::fs::read_to_string(docs.join(source)) else {
            continue;
        };
        let text = unwrap_json_encode(&text);
        for op in page["operations"].as_array().into_iter().flatten() {
            let method = op["method"].as_str().unwrap();
            let path = op["path"].as_str().unwrap();
            let Some(args) = example_args(&text, method) else {
                continue;
            };
            with_example += 1;
            let Ok(Value::Object(args)) = args else {
                unusable += 1;
                continue;
            };
            let Some(Value::Object(xml)) = args.get("xml").or_else(|| args.get("query")) else {
                continue;
            };
            let mut example = xml.clone();
            // The client adds these.
            example.remove("sign");
            if !op["nonceless"].as_bool().unwrap_or(false) {
                example.remove("nonce_str");
            }
            let has_placeholder = example
                .values()
                .any(|v| v.as_str().is_some_and(|s| s.starts_with("<php:")));
            let json = Value::Object(example.clone());
            let back = wechatpay::v2::check_request(method, path, &json).expect("compiled in");
            match back {
                Ok(Value::Object(back)) => {
                    checked += 1;
                    let want = wechatpay::v2::Fields::from_json_object(&example);
                    let want: Vec<(String, Value)> = want
                        .iter()
                        .map(|(k, v)| (k.to_string(), normal(v)))
                        .collect();
                    let mut want = want;
                    want.sort_by(|a, b| a.0.cmp(&b.0));
                    // Compared as sorted lists: the map's own order depends on whether some
                    // package in the build enables serde_json's `preserve_order`.
                    let mut got: Vec<(String, Value)> = back
                        .iter()
                        .map(|(k, v)| (k.clone(), normal(v.as_str().unwrap_or_default())))
                        .collect();
                    got.sort_by(|a, b| a.0.cmp(&b.0));
                    if want != got {
                        failures.push(format!(
                            "{method} {path}: round trip differs:\n  example: {want:?}\n  back:    {got:?}"
                        ));
                    }
                }
                Ok(_) => unreachable!("fields are an object"),
                Err(_) if has_placeholder => unusable += 1,
                Err(e) => failures.push(format!("{method} {path}: example does not fit: {e}")),
            }
        }
    }
    println!(
        "APIv2 PHP examples: {with_example} operations have one, {checked} checked, {unusable} not literal, {} failures",
        failures.len()
    );
    assert!(checked > 0, "no example was checked");
    assert!(
        failures.is_empty(),
        "{} examples do not fit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Answers decode through the generated types (`v2_received!`): numbers from strings, an empty number
/// as `None`, an `encoded: json` member from its JSON text, unknown values and members kept or
/// skipped; a number that is none is an error naming the field.
#[test]
fn v2_answers_decode_through_the_generated_types() {
    use wechatpay::v2::pay::facepay::post::Response;
    use wechatpay::v2::Fields;
    let decode = |v: serde_json::Value| -> Result<Response, wechatpay::Error> {
        Fields::from_json_object(v.as_object().expect("object")).decode(200, "")
    };
    // Typed as the page documents it (one object).
    let promotion =
        r#"{"promotion_id":"109519","amount":"5","activity_id":"931386","goods_detail":[]}"#;
    let r = decode(serde_json::json!({
        "return_code": "SUCCESS", "result_code": "SOMETHING_NEW", "total_fee": "888",
        "cash_fee": "", "transaction_id": "4200000000000000000000000001",
        "promotion_detail": promotion, "a_member_the_docs_lack": "x"
    }))
    .expect("decodes");
    assert_eq!(r.total_fee, Some(888));
    assert_eq!(r.cash_fee, None, "an empty number is None");
    assert_eq!(r.coupon_fee, None, "an absent number is None");
    assert_eq!(r.return_code.as_ref().map(|c| c.as_str()), Some("SUCCESS"));
    assert_eq!(
        r.result_code.as_ref().map(|c| c.as_str()),
        Some("SOMETHING_NEW")
    );
    let p = r
        .promotion_detail
        .expect("promotion_detail read from its JSON text");
    assert_eq!(p.promotion_id, "109519");
    assert_eq!(p.amount, "5");
    let err = decode(serde_json::json!({"total_fee": "8.8.8"})).expect_err("not a number");
    assert!(err.to_string().contains("total_fee"), "{err}");
    let err = decode(serde_json::json!({"promotion_detail": "{not json"})).expect_err("bad JSON");
    assert!(err.to_string().contains("promotion_detail"), "{err}");
}
