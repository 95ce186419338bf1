//! Typed notifications: for every APIv3 event page in spec/, a resource shaped from the spec is
//! encrypted with the test APIv3 key, wrapped in an envelope, signed with the test platform key, and
//! decoded back through `wechatpay::events::decode` to its own variant, with every field intact. The
//! shared notify vectors go through the same entry point.

mod common;
#[path = "../support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Map, Value};
use support::{Keys, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay::events::{self, Event};
use wechatpay::runtime::{
    aead_aes_256_gcm_encrypt, CryptoErrorKind, Error, FixedClock, KeyStore, VerifyingKey,
};

fn client(keys: &Keys) -> wechatpay::Client {
    wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .apiv3_key(&keys.apiv3_key)
        .build()
        .expect("client")
}

/// A notification as WeChat Pay would send it: the resource AEAD-encrypted, the body signed.
fn notification(
    keys: &Keys,
    event_type: &str,
    resource: &[u8],
) -> (Vec<(String, String)>, Vec<u8>) {
    notification_of(keys, event_type, "transaction", resource)
}

/// [`notification`] with the envelope's `resource.original_type`.
fn notification_of(
    keys: &Keys,
    event_type: &str,
    original_type: &str,
    resource: &[u8],
) -> (Vec<(String, String)>, Vec<u8>) {
    let nonce = "0123456789ab";
    let aad = "transaction";
    let ct = aead_aes_256_gcm_encrypt(
        keys.apiv3_key.as_bytes(),
        nonce.as_bytes(),
        aad.as_bytes(),
        resource,
    )
    .expect("encrypt");
    let body = json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "test",
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64::engine::general_purpose::STANDARD.encode(ct),
            "associated_data": aad,
            "nonce": nonce,
        }
    })
    .to_string()
    .into_bytes();
    let headers = keys.sign_response(&body, PUB_KEY_ID);
    (headers, body)
}

/// A sample value for one spec field (all optional fields included when `full`).
fn sample(field: &Value, full: bool) -> Value {
    let name = field["name"].as_str().unwrap_or("x");
    let scalar = |ty: &str| -> Value {
        match ty {
            "integer" | "number" => json!(1),
            "boolean" => json!(true),
            "string" => {
                if let Some(v) = field["enum"].as_array().and_then(|a| a.first()) {
                    v.clone()
                } else if let Some(c) = field["constant"].as_str() {
                    json!(c)
                } else {
                    json!(format!("{name}-sample"))
                }
            }
            _ => json!({"free": "form"}),
        }
    };
    let object = || -> Value {
        let children = match field["fields"].as_array() {
            Some(f) if !f.is_empty() => f.clone(),
            _ => match field["variants"].as_array().and_then(|v| v.first()) {
                Some(first) => first.as_array().cloned().unwrap_or_default(),
                None => return json!({"free": "form"}),
            },
        };
        Value::Object(object_of(&children, full))
    };
    match field["type"].as_str().unwrap_or("string") {
        "object" => object(),
        "array" => match field["items"].as_str().unwrap_or("string") {
            "object" => json!([object()]),
            other => json!([scalar(other)]),
        },
        other => scalar(other),
    }
}

fn object_of(fields: &[Value], full: bool) -> Map<String, Value> {
    let mut m = Map::new();
    for f in fields {
        if full || f["required"].as_bool().unwrap_or(false) {
            m.insert(
                f["name"].as_str().expect("name").to_string(),
                sample(f, full),
            );
        }
    }
    m
}

/// `null` members dropped, recursively (optional fields absent from the input serialize as `null`).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// One documented (page, event type): the page's `resource.original_type` values and resource field sets.
struct Documented {
    page: String,
    event_type: String,
    original_types: Vec<String>,
    sets: Vec<Vec<Value>>,
}

/// Every (page, event type) of the v3 notifications in spec/; an event type listed by several pages
/// appears once per page.
fn documented_events() -> Vec<Documented> {
    let mut files = Vec::new();
    common::spec_files(&common::root().join("spec/webhook/v3"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let page: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
        for n in page["notifications"].as_array().expect("notifications") {
            let sets: Vec<Vec<Value>> = match n["resource_variants"].as_array() {
                Some(v) if !v.is_empty() => v
                    .iter()
                    .map(|s| s.as_array().cloned().unwrap_or_default())
                    .collect(),
                _ => vec![n["resource"].as_array().cloned().unwrap_or_default()],
            };
            let original_types: Vec<String> = n["envelope"]["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["name"] == "resource")
                .flat_map(|r| r["fields"].as_array().cloned().unwrap_or_default())
                .filter(|f| f["name"] == "original_type")
                .flat_map(|f| f["enum"].as_array().cloned().unwrap_or_default())
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            for e in n["event_types"].as_array().expect("event_types") {
                out.push(Documented {
                    page: page["source"].as_str().expect("source").to_string(),
                    event_type: e.as_str().expect("event type").to_string(),
                    original_types: original_types.clone(),
                    sets: sets.clone(),
                });
            }
        }
    }
    out
}

#[test]
fn every_documented_event_decodes_to_its_own_type_with_every_field() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = client(&keys);
    let documented = documented_events();
    let distinct: std::collections::BTreeSet<&str> =
        documented.iter().map(|d| d.event_type.as_str()).collect();
    assert_eq!(
        distinct.into_iter().collect::<Vec<_>>(),
        events::EVENT_TYPES.to_vec(),
        "one Event variant per documented event type"
    );
    let mut cases = 0;
    for d in &documented {
        let event_type = &d.event_type;
        // Pages that document this event type: one of them is chosen; a page alone gets its own type.
        let candidates: Vec<&str> = documented
            .iter()
            .filter(|o| o.event_type == *event_type)
            .map(|o| o.page.as_str())
            .collect();
        let original_type = d
            .original_types
            .first()
            .map_or("transaction", String::as_str);
        for (i, set) in d.sets.iter().enumerate() {
            for full in [true, false] {
                let mut resource = object_of(set, full);
                // A member the docs do not list comes back too.
                resource.insert("not_in_the_docs".into(), json!({"kept": [1, "two"]}));
                let resource = Value::Object(resource);
                let plaintext = serde_json::to_vec(&resource).expect("JSON");
                let (headers, body) = notification_of(&keys, event_type, original_type, &plaintext);
                let (n, event) = events::decode(&client, &headers, &body)
                    .unwrap_or_else(|e| panic!("{event_type} (set {i}, full {full}): {e}"));
                assert_eq!(n.event_type, *event_type);
                assert_eq!(event.event_type(), event_type);
                assert!(
                    !matches!(event, Event::Unknown(_)),
                    "{event_type} decoded as Unknown"
                );
                let page = event.page().expect("a documented event names its page");
                if candidates.len() == 1 || d.page.ends_with(&format!("/{event_type}.md")) {
                    assert_eq!(page, d.page, "{event_type} decoded as another page's type");
                } else {
                    assert!(
                        candidates.contains(&page),
                        "{event_type}: {page} is not a candidate"
                    );
                }
                let back = event.resource_json().expect("serialize");
                assert_eq!(
                    without_nulls(&back),
                    resource,
                    "{event_type} (set {i}, full {full}) lost or changed a field"
                );
                cases += 1;
            }
        }
    }
    assert!(cases >= 2 * documented.len());
}

#[test]
fn a_wrong_type_from_the_server_names_the_field() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = client(&keys);
    let resource = json!({"mchid": "1900000001", "amount": {"total": "one hundred"}});
    let (headers, body) = notification(&keys, "REFUND.SUCCESS", resource.to_string().as_bytes());
    match events::decode(&client, &headers, &body) {
        Err(Error::Decode(e)) => assert!(!e.path.is_empty() && e.path != ".", "path: {e:?}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn an_unknown_event_keeps_the_decrypted_json() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = client(&keys);
    let resource = json!({"anything": [1, 2, {"new": true}]});
    let (headers, body) = notification(&keys, "SOMETHING.NEW", resource.to_string().as_bytes());
    let (_, event) = events::decode(&client, &headers, &body).expect("decode");
    match event {
        Event::Unknown(u) => {
            assert_eq!(u.event_type, "SOMETHING.NEW");
            assert_eq!(u.resource, resource);
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
}

#[test]
fn a_tampered_notification_is_rejected_before_decryption() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = client(&keys);
    let (headers, mut body) = notification(&keys, "TRANSACTION.SUCCESS", b"{}");
    let at = body.len() - 3;
    body[at] ^= 1;
    assert!(matches!(
        events::decode(&client, &headers, &body),
        Err(Error::Signature(_))
    ));
}

/// The shared `notify` vectors through the typed entry point: the same outcome as the runtime gives,
/// and the JSON ones typed.
#[test]
fn notify_vectors_through_the_typed_entry_point() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let v: Value = serde_json::from_str(&support::read(&dir, "vectors.json")).expect("JSON");
    let store = KeyStore::new();
    for (serial, file) in v["meta"]["known_platform_keys"].as_object().expect("keys") {
        let pem = support::read(&dir, file.as_str().expect("file"));
        store.insert(if pem.contains("CERTIFICATE") {
            support::vector_certificate_key(&pem)
        } else {
            VerifyingKey::from_public_key_pem(serial, &pem).expect("key")
        });
    }
    let mut typed = 0;
    for c in v["notify"].as_array().expect("cases") {
        let id = c["id"].as_str().expect("id");
        let input = &c["input"];
        let client = wechatpay::Client::builder()
            .mchid(MCHID)
            .merchant_serial(MERCHANT_SERIAL)
            .private_key_pem(&keys.merchant_private_pem)
            .key_store(store.clone())
            .apiv3_key(support::read(&dir, "apiv3_key.txt").trim())
            .clock(Arc::new(FixedClock(input["now"].as_i64().expect("now"))))
            .build()
            .expect("client");
        let headers: BTreeMap<String, String> = input["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("header").to_string()))
            .collect();
        let body = input["body"].as_str().expect("body").as_bytes();
        let expected = c["expected"]["reason"].as_str().expect("reason");
        let got = match events::decode(&client, &headers, body) {
            Ok((_, event)) => {
                let plain: Value =
                    serde_json::from_str(c["expected"]["plaintext"].as_str().expect("plaintext"))
                        .expect("JSON");
                match &event {
                    Event::TransactionSuccess(
                        wechatpay::events::shared::TransactionSuccess::TransactionSuccess(r),
                    ) => {
                        assert_eq!(r.out_trade_no.as_deref(), plain["out_trade_no"].as_str());
                        // Not on the doc page, but sent: typed through the corrections overlay.
                        assert_eq!(r.mchid.as_deref(), plain["mchid"].as_str());
                        assert_eq!(
                            r.amount.as_ref().and_then(|a| a.total),
                            plain["amount"]["total"].as_i64()
                        );
                        assert!(r.mchid.is_some() && r.amount.is_some());
                    }
                    Event::RefundSuccess(r) => {
                        assert_eq!(r.out_refund_no.as_deref(), plain["out_refund_no"].as_str())
                    }
                    other => panic!("{id}: unexpected {}", other.event_type()),
                }
                typed += 1;
                "ok"
            }
            // Verified and decrypted, but not the documented JSON shape (the 1 KiB plain-text case).
            Err(Error::Decode(e)) => {
                let n = client
                    .decode_notification(&headers, body)
                    .expect("the runtime accepts it");
                assert!(
                    serde_json::from_slice::<Value>(&n.plaintext).is_err(),
                    "{id}: JSON resource not typed: {e}"
                );
                "ok"
            }
            Err(Error::Signature(e)) => e.code(),
            Err(Error::Crypto(c)) if matches!(c.kind(), CryptoErrorKind::DecryptFailed) => {
                "decrypt_failed"
            }
            Err(e) => panic!("{id}: unexpected {e}"),
        };
        assert_eq!(got, expected, "{id}");
    }
    assert!(typed >= 2, "the JSON vectors are typed");
}

/// The `http::Request` form (what axum or hyper hand over once the body is collected).
#[test]
fn an_http_request_decodes_the_same_way() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = client(&keys);
    let resource = json!({"out_refund_no": "R1", "refund_status": "SUCCESS"});
    let (headers, body) = notification(&keys, "REFUND.SUCCESS", resource.to_string().as_bytes());
    let mut builder = wechatpay::runtime::http::Request::builder()
        .method("POST")
        .uri("/wechatpay/notify");
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder.body(body).expect("request");
    match events::decode_request(&client, &request).expect("decode") {
        (n, Event::RefundSuccess(r)) => {
            assert_eq!(n.event_type, "REFUND.SUCCESS");
            assert_eq!(r.out_refund_no.as_deref(), Some("R1"));
        }
        (_, other) => panic!("expected RefundSuccess, got {other:?}"),
    }
}
