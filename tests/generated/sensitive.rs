//! Sensitive fields in the generated crate: the operation table lists exactly the fields `spec/`
//! marks as encrypted for WeChat Pay (counted from the spec JSON at test time), real generated
//! operations send them encrypted (the local server decrypts them with the platform private key), and
//! `Debug` of a generated request hides them.

mod common;
#[path = "../support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use support::{Keys, Recorded, Reply, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID};
use wechatpay::runtime::rsa_oaep_decrypt;

/// `rsa-pubkey` with the WeChat Pay key: what the client encrypts.
fn marked(f: &Value) -> bool {
    f["encrypted"] == "rsa-pubkey" && f["encryption_key"] == "wechatpay"
}

/// The children lists of a field (or body): `fields` and each of `variants`.
fn child_lists(v: &Value) -> Vec<&Vec<Value>> {
    let mut out = Vec::new();
    if let Some(f) = v["fields"].as_array() {
        out.push(f);
    }
    if let Some(vs) = v["variants"].as_array() {
        out.extend(vs.iter().filter_map(Value::as_array));
    }
    out
}

/// Counts every marked field below `v`, at any depth.
fn count_marked(fields: &[Value]) -> usize {
    fields
        .iter()
        .map(|f| {
            usize::from(marked(f))
                + child_lists(f)
                    .into_iter()
                    .map(|l| count_marked(l))
                    .sum::<usize>()
        })
        .sum()
}

/// The v3 operations of spec/, keyed by `METHOD path`.
fn spec_operations() -> BTreeMap<String, Value> {
    let mut files = Vec::new();
    common::spec_files(&common::root().join("spec/openapi/v3"), &mut files);
    let mut ops = BTreeMap::new();
    for file in files {
        let page: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for op in page["operations"].as_array().into_iter().flatten() {
            if op["api"] == "v3" {
                let key = format!(
                    "{} {}",
                    op["method"].as_str().unwrap(),
                    op["path"].as_str().unwrap()
                );
                assert!(ops.insert(key.clone(), op.clone()).is_none(), "{key} twice");
            }
        }
    }
    ops
}

/// The field lists a body path starts in: the body's own, or for an upload the `meta` part's.
fn body_roots(op: &Value) -> Vec<&Vec<Value>> {
    let body = &op["request_body"];
    if body["format"] == "multipart" {
        child_lists(body)
            .into_iter()
            .flatten()
            .filter(|f| f["type"] == "string" && f.get("encoded").is_some())
            .flat_map(child_lists)
            .collect()
    } else {
        child_lists(body)
    }
}

/// Follows `a.b[].c` through the spec field tree; the fields it names (one per variant that has it).
fn resolve<'a>(roots: Vec<&'a Vec<Value>>, path: &str) -> Vec<&'a Value> {
    let mut level: Vec<&Vec<Value>> = roots;
    let mut found: Vec<&Value> = Vec::new();
    let segs: Vec<&str> = path.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (*seg, false),
        };
        found = level
            .iter()
            .flat_map(|l| l.iter())
            .filter(|f| f["name"] == name && (f["type"] == "array") == each)
            .collect();
        if i + 1 < segs.len() {
            level = found.iter().flat_map(|f| child_lists(f)).collect();
        }
    }
    found
}

#[test]
fn the_operation_table_lists_every_field_spec_marks_for_encryption() {
    let spec = spec_operations();
    let mut spec_body = 0;
    let mut spec_query = 0;
    for op in spec.values() {
        spec_body += count_marked(
            op["request_body"]["fields"]
                .as_array()
                .unwrap_or(&Vec::new()),
        );
        for v in op["request_body"]["variants"]
            .as_array()
            .into_iter()
            .flatten()
        {
            spec_body += count_marked(v.as_array().unwrap());
        }
        spec_query += count_marked(op["query"].as_array().unwrap_or(&Vec::new()));
    }
    let ops = wechatpay::operations();
    assert_eq!(ops.len(), spec.len(), "every v3 operation is generated");
    let table_body: usize = ops.iter().map(|o| o.encrypted_fields.len()).sum();
    let table_query: usize = ops.iter().map(|o| o.encrypted_query.len()).sum();
    println!("spec marks {spec_body} body and {spec_query} query fields; the table lists {table_body} and {table_query}");
    assert!(spec_body > 0 && spec_query > 0);
    assert_eq!(table_body, spec_body);
    assert_eq!(table_query, spec_query);

    for info in &ops {
        let key = format!("{} {}", info.method, info.path);
        let op = &spec[&key];
        let unique: BTreeSet<&str> = info.encrypted_fields.iter().copied().collect();
        assert_eq!(
            unique.len(),
            info.encrypted_fields.len(),
            "{key}: a path twice"
        );
        for path in info.encrypted_fields {
            let fields = resolve(body_roots(op), path);
            assert!(!fields.is_empty(), "{key}: `{path}` names no body field");
            assert!(
                fields.iter().all(|f| marked(f)),
                "{key}: `{path}` is not marked"
            );
            assert!(
                fields.iter().all(|f| f["type"] == "string"),
                "{key}: `{path}`"
            );
        }
        for name in info.encrypted_query {
            let q: Vec<&Value> = op["query"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["name"] == *name)
                .collect();
            assert!(q.len() == 1 && marked(q[0]), "{key}: query `{name}`");
        }
    }
}

fn client(keys: &Keys, base: &str, cert_mode: bool) -> wechatpay::Client {
    let b = wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .base_url(base)
        .backup_base_url(None)
        // The global operations are documented on the Hong Kong host: send them here too.
        .host_override(wechatpay::runtime::HK_BASE_URL, base)
        .timeout(Duration::from_secs(10));
    let b = if cert_mode {
        b.platform_certificate_pem(&keys.platform_cert_pem)
    } else {
        b.wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
    };
    b.build().expect("client")
}

fn decrypt(keys: &Keys, b64: &str) -> String {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    String::from_utf8(rsa_oaep_decrypt(&keys.platform_private, &raw).expect("decrypts")).unwrap()
}

fn query_param(r: &Recorded, name: &str) -> String {
    let q = r.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let raw = q
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .expect("query parameter sent");
    // Base64 only needs `+`, `/` and `=` decoded.
    raw.replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=")
}

// `use …::orders::post` would import the `post` module and the `post` function under one name.
use wechatpay::v3::global::profit_sharing::orders;
use wechatpay::v3::global::profit_sharing::orders::post as sharing;
use wechatpay::v3::marketing::shopping_receipt::shoppingreceipts;
use wechatpay::v3::marketing::shopping_receipt::shoppingreceipts::post as receipt;
use wechatpay::v3::realname::verify;
use wechatpay::v3::realname::verify::get as verify_get;

fn sharing_request() -> sharing::Request {
    let receiver = |account: &str, name: Option<&str>| {
        let r = sharing::Receivers::new(sharing::ReceiversRequired {
            currency: sharing::Currency::Cny,
            r#type: sharing::Type::PersonalOpenid,
            account: account.into(),
            amount: 10,
            description: "分给个人".into(),
        });
        match name {
            Some(n) => r.name(n),
            None => r,
        }
    };
    sharing::Request::new(
        sharing::Body::new(sharing::Required {
            appid: "wx8888888888888888".into(),
            transaction_id: "4208450740201411110007820472".into(),
            out_order_no: "P20150806125346".into(),
            unfreeze_unsplit: false,
        })
        .receivers(vec![
            receiver("o1", Some("张三")),
            receiver("o2", None),
            receiver("o3", Some("李四")),
        ]),
    )
}

async fn sharing_round(keys: &Keys, cert_mode: bool, serial: &str) {
    let k = keys.clone();
    let s = serial.to_string();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| {
            Reply::signed(
                &k,
                200,
                r#"{"transaction_id":"4208450740201411110007820472","out_order_no":"P20150806125346","order_id":"3008450740201411110007820472","state":"PROCESSING"}"#,
                &s,
            )
        }),
    )
    .await;
    let c = client(keys, &server.base_url, cert_mode);
    let answer = orders::post(&c, &sharing_request()).await.expect("call");
    assert_eq!(answer.state.as_deref(), Some("PROCESSING"));
    let r = &server.requests()[0];
    assert!(r.auth_ok);
    assert_eq!(r.header("Wechatpay-Serial"), Some(serial));
    assert_eq!(r.path(), "/v3/global/profit-sharing/orders");
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(!text.contains("张三") && !text.contains("李四"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let receivers = v["receivers"].as_array().unwrap();
    assert_eq!(
        decrypt(keys, receivers[0]["name"].as_str().unwrap()),
        "张三"
    );
    assert!(receivers[1].get("name").is_none());
    assert_eq!(
        decrypt(keys, receivers[2]["name"].as_str().unwrap()),
        "李四"
    );
    assert_eq!(receivers[2]["account"], "o3");
}

#[tokio::test]
async fn body_fields_are_encrypted_public_key_mode() {
    let dir = require_vectors!();
    sharing_round(&Keys::load(&dir), false, PUB_KEY_ID).await;
}

#[tokio::test]
async fn body_fields_are_encrypted_certificate_mode() {
    let dir = require_vectors!();
    sharing_round(&Keys::load(&dir), true, PLATFORM_SERIAL).await;
}

#[tokio::test]
async fn query_parameters_are_encrypted() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    for (cert_mode, serial) in [(false, PUB_KEY_ID), (true, PLATFORM_SERIAL)] {
        let k = keys.clone();
        let server = support::start(
            keys.clone(),
            Arc::new(move |_, _| Reply::signed(&k, 200, r#"{"verify_result":1}"#, serial)),
        )
        .await;
        let c = client(&keys, &server.base_url, cert_mode);
        let req = verify_get::Request::new(verify_get::RequestRequired {
            credential_type: 1.into(),
            encrypted_credential_id: "110101199003070000".into(),
            encrypted_name: "王五".into(),
            wxp_trade_no: "4200000000".into(),
        });
        let answer = verify::get(&c, &req).await.expect("call");
        assert_eq!(answer.verify_result, Some(serde_json::Number::from(1)));
        let r = &server.requests()[0];
        assert!(r.auth_ok);
        assert_eq!(r.header("Wechatpay-Serial"), Some(serial));
        assert!(!r.target.contains("110101199003070000"));
        assert_eq!(
            decrypt(&keys, &query_param(r, "encrypted_credential_id")),
            "110101199003070000"
        );
        assert_eq!(decrypt(&keys, &query_param(r, "encrypted_name")), "王五");
        assert_eq!(query_param(r, "wxp_trade_no"), "4200000000");
    }
}

#[tokio::test]
async fn upload_meta_fields_are_encrypted() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let k = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k, 200, r#"{"receipt_id":"1"}"#, PUB_KEY_ID)),
    )
    .await;
    let c = client(&keys, &server.base_url, false);
    let meta = receipt::Meta::new("4200000000", "oUpF8u", "00").merchant_contact_information(
        receipt::MerchantContactInformation::new().consultation_phone_number("13800138000"),
    );
    let req = receipt::Request::new(
        meta,
        "r.png".into(),
        "image/png".into(),
        vec![1u8, 2, 3].into(),
    );
    let _ = shoppingreceipts::post(&c, &req).await;
    let r = &server.requests()[0];
    assert!(r.auth_ok, "the signature covers the encrypted meta part");
    assert_eq!(r.header("Wechatpay-Serial"), Some(PUB_KEY_ID));
    let meta =
        support::multipart_meta(r.header("content-type").unwrap(), &r.body).expect("meta part");
    let v: Value = serde_json::from_slice(&meta).unwrap();
    assert_eq!(v["transaction_id"], "4200000000");
    let phone = v["merchant_contact_information"]["consultation_phone_number"]
        .as_str()
        .unwrap();
    assert_eq!(decrypt(&keys, phone), "13800138000");
}

#[test]
fn debug_of_generated_requests_hides_sensitive_fields() {
    let shown = format!("{:?}", sharing_request());
    assert!(
        !shown.contains("张三") && !shown.contains("李四"),
        "{shown}"
    );
    assert!(
        shown.contains("name: Some(<redacted>)") && shown.contains("name: None"),
        "{shown}"
    );
    assert!(
        shown.contains("P20150806125346"),
        "other fields stay visible: {shown}"
    );

    let shown = format!(
        "{:?}",
        verify_get::Request::new(verify_get::RequestRequired {
            credential_type: 1.into(),
            encrypted_credential_id: "110101199003070000".into(),
            encrypted_name: "王五".into(),
            wxp_trade_no: "4200000000".into(),
        })
    );
    assert!(
        !shown.contains("110101199003070000") && !shown.contains("王五"),
        "{shown}"
    );
    assert!(
        shown.contains("encrypted_name: <redacted>") && shown.contains("4200000000"),
        "{shown}"
    );
}
