//! Incoming notifications: every `notify` case of the shared vectors through `decode_notification`
//! (verification, then AEAD decryption), plus envelopes without a resource or with another algorithm.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{Keys, PUB_KEY_ID};
use wechatpay_runtime::{
    aead_aes_256_gcm_encrypt, decode_notification, ApiV3Key, CryptoErrorKind, Error, KeyStore,
    VerifyingKey, NOTIFICATION_SUCCESS_REPLY,
};

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

/// The key store of `meta.known_platform_keys`.
fn store(dir: &std::path::Path, meta: &Value) -> KeyStore {
    let store = KeyStore::new();
    for (serial, file) in meta["known_platform_keys"].as_object().expect("object") {
        let pem = support::read(dir, s(file));
        store.insert(if pem.contains("CERTIFICATE") {
            support::vector_certificate_key(&pem)
        } else {
            VerifyingKey::from_public_key_pem(serial, &pem).expect("public key")
        });
    }
    store
}

#[test]
fn notify_vectors_decode_with_the_right_outcome() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let v: Value = serde_json::from_str(&support::read(&dir, "vectors.json")).expect("JSON");
    let keys = store(&dir, &v["meta"]);
    let apiv3 = ApiV3Key::new(support::read(&dir, "apiv3_key.txt").trim()).expect("key");
    let cases = v["notify"].as_array().expect("cases");
    assert!(cases.len() >= 8);
    let mut outcomes = BTreeMap::new();
    for c in cases {
        let id = s(&c["id"]);
        let i = &c["input"];
        let headers: BTreeMap<String, String> = i["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(k, v)| (k.clone(), s(v).to_string()))
            .collect();
        let got = match decode_notification(
            &headers,
            s(&i["body"]).as_bytes(),
            i["now"].as_i64().expect("now"),
            &keys,
            &apiv3,
        ) {
            Ok(n) => {
                assert_eq!(
                    String::from_utf8(n.plaintext.clone()).expect("UTF-8"),
                    s(&c["expected"]["plaintext"]),
                    "{id}"
                );
                let envelope: Value = serde_json::from_str(s(&i["body"])).expect("JSON");
                assert_eq!(n.event_type, s(&envelope["event_type"]), "{id}");
                assert_eq!(n.id, s(&envelope["id"]), "{id}");
                assert_eq!(n.verified_by, headers["Wechatpay-Serial"], "{id}");
                "ok".to_string()
            }
            Err(Error::Signature(e)) => e.code().to_string(),
            Err(Error::Crypto(c)) if matches!(c.kind(), CryptoErrorKind::DecryptFailed) => {
                "decrypt_failed".to_string()
            }
            Err(e) => panic!("{id}: unexpected {e}"),
        };
        assert_eq!(got, s(&c["expected"]["reason"]), "{id}");
        *outcomes.entry(got).or_insert(0) += 1;
    }
    // The vectors cover every outcome at least once.
    for reason in [
        "ok",
        "bad_signature",
        "unknown_serial",
        "timestamp_skew",
        "decrypt_failed",
    ] {
        assert!(
            outcomes.contains_key(reason),
            "no vector for {reason}: {outcomes:?}"
        );
    }
}

#[test]
fn envelopes_without_resource_or_with_another_algorithm_are_rejected() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let k = Keys::load(&dir);
    let keys = KeyStore::new();
    keys.insert(
        VerifyingKey::from_public_key_pem(PUB_KEY_ID, &k.platform_public_pem).expect("key"),
    );
    let apiv3 = ApiV3Key::new(k.apiv3_key.trim()).expect("key");
    let now = support::now();

    let no_resource = br#"{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}"#;
    let h = k.sign_response(no_resource, PUB_KEY_ID);
    match decode_notification(&h, no_resource, now, &keys, &apiv3) {
        Err(Error::Decode(e)) => assert_eq!(e.path, "resource"),
        other => panic!("{other:?}"),
    }

    let plain = br#"{"out_trade_no":"T1"}"#;
    let ct = aead_aes_256_gcm_encrypt(apiv3.as_bytes(), b"0123456789ab", b"transaction", plain)
        .expect("encrypt");
    let ct = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ct);
    let body = |alg: &str| {
        format!(
            r#"{{"id":"EV-2","create_time":"2025-01-01T00:00:00+08:00","event_type":"TRANSACTION.SUCCESS","resource_type":"encrypt-resource","summary":"ok","resource":{{"algorithm":"{alg}","ciphertext":"{ct}","associated_data":"transaction","nonce":"0123456789ab","original_type":"transaction"}}}}"#
        )
    };
    let sm4 = body("AEAD_SM4");
    let h = k.sign_response(sm4.as_bytes(), PUB_KEY_ID);
    assert!(matches!(
        decode_notification(&h, sm4.as_bytes(), now, &keys, &apiv3),
        Err(Error::Crypto(c)) if matches!(c.kind(), CryptoErrorKind::InvalidInput(m) if m.contains("AEAD_SM4"))
    ));

    let good = body("AEAD_AES_256_GCM");
    let h = k.sign_response(good.as_bytes(), PUB_KEY_ID);
    let n = decode_notification(&h, good.as_bytes(), now, &keys, &apiv3).expect("decodes");
    assert_eq!(n.original_type.as_deref(), Some("transaction"));
    let r: Value = n.resource().expect("JSON");
    assert_eq!(r["out_trade_no"], "T1");
    let debug = format!("{n:?}");
    assert!(
        !debug.contains("T1"),
        "the decrypted resource is redacted in Debug: {debug}"
    );
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        out_trade_no: i64,
    }
    match n.resource::<Wrong>() {
        Err(Error::Decode(e)) => assert_eq!(e.path, "out_trade_no"),
        other => panic!("{other:?}"),
    }
    let reply: Value = serde_json::from_str(NOTIFICATION_SUCCESS_REPLY).expect("JSON");
    assert_eq!(reply["code"], "SUCCESS");
}

/// `Client::decode_notification_request` takes an `http::Request` as frameworks hand it over.
#[test]
fn client_decodes_an_http_request() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let k = Keys::load(&dir);
    let client = wechatpay_runtime::Client::builder()
        .mchid(support::MCHID)
        .merchant_serial(support::MERCHANT_SERIAL)
        .private_key_pem(&k.merchant_private_pem)
        .apiv3_key(k.apiv3_key.trim())
        .wechatpay_public_key(PUB_KEY_ID, &k.platform_public_pem)
        .build()
        .expect("client");
    let apiv3 = ApiV3Key::new(k.apiv3_key.trim()).expect("key");
    let ct = aead_aes_256_gcm_encrypt(
        apiv3.as_bytes(),
        b"0123456789ab",
        b"transaction",
        br#"{"out_trade_no":"T9"}"#,
    )
    .expect("encrypt");
    let ct = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ct);
    let body = format!(
        r#"{{"id":"EV-9","create_time":"2025-01-01T00:00:00+08:00","event_type":"TRANSACTION.SUCCESS","resource_type":"encrypt-resource","summary":"ok","resource":{{"algorithm":"AEAD_AES_256_GCM","ciphertext":"{ct}","associated_data":"transaction","nonce":"0123456789ab","original_type":"transaction"}}}}"#
    );
    let request = |body: String| {
        let mut b = http::Request::builder()
            .method("POST")
            .uri("/notify")
            .header("content-type", "application/json");
        for (name, value) in k.sign_response(body.as_bytes(), PUB_KEY_ID) {
            b = b.header(name, value);
        }
        b
    };
    // Body as bytes::Bytes (hyper/axum), as Vec<u8> and as String.
    let req = request(body.clone())
        .body(bytes::Bytes::from(body.clone()))
        .expect("request");
    let n = client.decode_notification_request(&req).expect("decodes");
    assert_eq!(
        (n.id.as_str(), n.verified_by.as_str()),
        ("EV-9", PUB_KEY_ID)
    );
    let r: Value = n.resource().expect("JSON");
    assert_eq!(r["out_trade_no"], "T9");
    let req = request(body.clone())
        .body(body.clone().into_bytes())
        .expect("request");
    assert!(client.decode_notification_request(&req).is_ok());

    // Headers signed for another body: rejected.
    let tampered = body.replace("EV-9", "EV-8");
    let req = request(body).body(tampered).expect("request");
    match client.decode_notification_request(&req) {
        Err(Error::Signature(e)) => assert_eq!(e.code(), "bad_signature"),
        other => panic!("{other:?}"),
    }
}
