//! Sensitive fields end to end against the local server: the caller passes plaintext, the client
//! encrypts the marked body fields and query values with the WeChat Pay key (public-key mode and
//! platform-certificate mode), names that key in `Wechatpay-Serial`, and signs the ciphertext it sends;
//! the server decrypts with the platform private key. Also: decrypting a response field with the
//! merchant key, and that plaintext never shows in `Debug` or errors.

mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use support::{Keys, Recorded, Reply, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID};
use wechatpay_runtime::{
    encrypt_sensitive, rsa_oaep_decrypt, Client, ClientBuilder, ConfigErrorKind, CryptoErrorKind,
    Error, InvalidRequestKind, Method, PrivateKey, Request,
};

fn base(keys: &Keys, url: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .base_url(url)
        .backup_base_url(None)
        .retry_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
}

fn public_key_mode(keys: &Keys, url: &str) -> Client {
    base(keys, url)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .build()
        .expect("client")
}

fn certificate_mode(keys: &Keys, url: &str) -> Client {
    base(keys, url)
        .platform_certificate_pem(&keys.platform_cert_pem)
        .build()
        .expect("client")
}

/// Base64 + RSA-OAEP decryption with the platform private key, as WeChat Pay does.
fn decrypt(keys: &Keys, b64: &str) -> String {
    let raw = B64.decode(b64).expect("ciphertext is base64");
    String::from_utf8(rsa_oaep_decrypt(&keys.platform_private, &raw).expect("decrypts")).unwrap()
}

fn query_value(r: &Recorded, key: &str) -> String {
    let q = r.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let raw = q
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}=")))
        .expect("query key present");
    percent_decode(raw)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(h, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

const BODY: &str = r#"{"mchid":"1900000001","payee":{"name":"张三","bank":{"account_number":"6222000011112222"}},
"items":[{"id_card_number":"110101199003070000","amount":1},{"amount":2},{"id_card_number":"110101199003071111","amount":3}],
"optional_secret":null}"#;

const PATHS: &[&str] = &[
    "payee.name",
    "payee.bank.account_number",
    "items[].id_card_number",
    "optional_secret",
    "not_sent.at_all",
];

fn sensitive_request() -> Request {
    Request::new(Method::POST, "/v3/test/sensitive")
        .query("plain", "visible")
        .encrypted_query("user_name", "李四")
        .body(BODY)
        .encrypt_fields(PATHS)
}

async fn run_mode(keys: &Keys, cert_mode: bool, expected_serial: &str) {
    let k = keys.clone();
    let serial = expected_serial.to_string();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k, 200, r#"{"ok":true}"#, &serial)),
    )
    .await;
    let client = if cert_mode {
        certificate_mode(keys, &server.base_url)
    } else {
        public_key_mode(keys, &server.base_url)
    };
    let _: serde_json::Value = client.send(sensitive_request()).await.expect("call");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert!(
        r.auth_ok,
        "the signature covers the ciphertext actually sent"
    );
    assert_eq!(r.header("Wechatpay-Serial"), Some(expected_serial));
    let body = String::from_utf8(r.body.clone()).unwrap();
    for plain in ["张三", "6222000011112222", "110101199003070000", "李四"] {
        assert!(!body.contains(plain) && !r.target.contains(plain));
    }
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["mchid"], "1900000001", "other fields are untouched");
    assert_eq!(decrypt(keys, v["payee"]["name"].as_str().unwrap()), "张三");
    assert_eq!(
        decrypt(keys, v["payee"]["bank"]["account_number"].as_str().unwrap()),
        "6222000011112222"
    );
    assert_eq!(
        decrypt(keys, v["items"][0]["id_card_number"].as_str().unwrap()),
        "110101199003070000"
    );
    assert!(v["items"][1].get("id_card_number").is_none());
    assert_eq!(v["items"][1]["amount"], 2);
    assert_eq!(
        decrypt(keys, v["items"][2]["id_card_number"].as_str().unwrap()),
        "110101199003071111"
    );
    assert!(v["optional_secret"].is_null());
    assert!(v.get("not_sent").is_none());
    assert_eq!(query_value(r, "plain"), "visible");
    assert_eq!(decrypt(keys, &query_value(r, "user_name")), "李四");
}

#[tokio::test]
async fn fields_are_encrypted_with_the_wechatpay_public_key() {
    let dir = require_vectors!();
    run_mode(&Keys::load(&dir), false, PUB_KEY_ID).await;
}

#[tokio::test]
async fn fields_are_encrypted_with_the_platform_certificate() {
    let dir = require_vectors!();
    run_mode(&Keys::load(&dir), true, PLATFORM_SERIAL).await;
}

#[tokio::test]
async fn retries_send_the_same_ciphertext_signed_again() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let k = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, i| {
            if i == 0 {
                Reply::signed(
                    &k,
                    429,
                    r#"{"code":"RATELIMIT_EXCEEDED","message":"slow"}"#,
                    PUB_KEY_ID,
                )
            } else {
                Reply::signed(&k, 200, "{}", PUB_KEY_ID)
            }
        }),
    )
    .await;
    let client = public_key_mode(&keys, &server.base_url);
    let _: serde_json::Value = client.send(sensitive_request()).await.expect("call");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.auth_ok));
    assert_eq!(
        reqs[0].body, reqs[1].body,
        "encrypted once, before retrying"
    );
    assert_eq!(reqs[0].target, reqs[1].target);
    assert_ne!(
        reqs[0].signature, reqs[1].signature,
        "each attempt re-signs"
    );
}

#[tokio::test]
async fn a_non_string_value_fails_before_anything_is_sent() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let k = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k, 200, "{}", PUB_KEY_ID)),
    )
    .await;
    let client = public_key_mode(&keys, &server.base_url);
    let req = Request::new(Method::POST, "/v3/test/sensitive")
        .body(r#"{"payee":{"name":{"first":"张三"}}}"#)
        .encrypt_fields(&["payee.name"]);
    match client.send::<serde_json::Value>(req).await {
        Err(Error::InvalidRequest(e)) => {
            assert_eq!(e.kind(), InvalidRequestKind::SensitiveField);
            let m = e.message();
            assert!(m.contains("`payee.name`"), "{m}");
            assert!(!m.contains("张三"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // Too long for RSA-2048 OAEP: an error naming the field, not the value.
    let long = "秘".repeat(100);
    let req = Request::new(Method::POST, "/v3/test/sensitive")
        .body(format!(r#"{{"payee":{{"name":"{long}"}}}}"#))
        .encrypt_field(String::from("payee.name"));
    match client.send::<serde_json::Value>(req).await {
        Err(Error::InvalidRequest(e)) => {
            assert_eq!(e.kind(), InvalidRequestKind::SensitiveField);
            let m = e.message();
            assert!(m.contains("`payee.name`") && m.contains("214"), "{m}");
            assert!(!m.contains('秘'), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // A key named with `encrypted_with` must be in the key store.
    let req = Request::new(Method::POST, "/v3/test/sensitive")
        .body(r#"{"payee":{"name":"张三"}}"#)
        .encrypt_fields(&["payee.name"])
        .encrypted_with("PUB_KEY_ID_UNKNOWN");
    match client.send::<serde_json::Value>(req).await {
        Err(Error::Config(e)) => assert_eq!(e.kind, ConfigErrorKind::Missing),
        other => panic!("{other:?}"),
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_key_named_with_encrypted_with_is_used() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let k = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k, 200, "{}", PLATFORM_SERIAL)),
    )
    .await;
    // Both keys are known; the public key would be preferred, the request names the certificate.
    let client = base(&keys, &server.base_url)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .platform_certificate_pem(&keys.platform_cert_pem)
        .build()
        .unwrap();
    let req = Request::new(Method::POST, "/v3/test/sensitive")
        .body(r#"{"name":"张三"}"#)
        .encrypt_fields(&["name"])
        .encrypted_with(PLATFORM_SERIAL);
    let _: serde_json::Value = client.send(req).await.expect("call");
    let r = &server.requests()[0];
    assert_eq!(r.header("Wechatpay-Serial"), Some(PLATFORM_SERIAL));
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(decrypt(&keys, v["name"].as_str().unwrap()), "张三");
}

#[test]
fn request_debug_hides_plaintext() {
    let shown = format!("{:?}", sensitive_request());
    for plain in ["张三", "6222000011112222", "110101199003070000", "李四"] {
        assert!(!shown.contains(plain), "{shown}");
    }
    assert!(
        shown.contains("visible"),
        "non-sensitive query values stay visible: {shown}"
    );
    assert!(shown.contains("payee.name"), "{shown}");
    // Without fields to encrypt the body is shown (it is the caller's own, non-sensitive data).
    let plain = Request::new(Method::POST, "/v3/x").body(r#"{"a":"b"}"#);
    assert!(format!("{plain:?}").contains(r#"{\"a\":\"b\"}"#));
}

#[test]
fn response_fields_decrypt_with_the_merchant_key() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let client = public_key_mode(&keys, "http://127.0.0.1:9");
    // What WeChat Pay does: encrypt with the merchant's public key.
    let ciphertext = encrypt_sensitive(&keys.merchant_public, "王五 110101199003072222").unwrap();
    let secret = client
        .decrypt_sensitive_field(&ciphertext)
        .expect("decrypts");
    assert_eq!(secret.expose_secret(), "王五 110101199003072222");
    assert_eq!(format!("{secret:?}"), r#"SecretString("<redacted>")"#);
    assert!(!format!("{:?}", Ok::<_, Error>(secret.clone())).contains("王五"));

    // Encrypted for someone else (the platform key): a decryption failure.
    let other = base(&keys, "http://127.0.0.1:9")
        .private_key(
            PrivateKey::from_pem(&support::read(&dir, "platform_private_key.pem")).unwrap(),
        )
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .build()
        .unwrap();
    assert!(matches!(
        other.decrypt_sensitive_field(&ciphertext),
        Err(Error::Crypto(c)) if matches!(c.kind(), CryptoErrorKind::DecryptFailed)
    ));
    assert!(matches!(
        client.decrypt_sensitive_field("not base64!"),
        Err(Error::Crypto(c)) if matches!(c.kind(), CryptoErrorKind::InvalidInput(_))
    ));
}

/// A request that declares sensitive fields but carries none of them (e.g. `jsapi::post` without
/// `payer.identity`) needs no WeChat Pay key: a client without any key (verification off) sends it
/// unchanged and names no serial. With a value present, the missing key is still an error, before
/// anything is sent.
#[tokio::test]
async fn no_key_is_needed_when_no_sensitive_value_is_present() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let server = support::start(keys.clone(), Arc::new(|_, _| Reply::plain(200, "{}"))).await;
    let client = base(&keys, &server.base_url)
        .danger_disable_response_verification()
        .build()
        .expect("client without any WeChat Pay key");
    let body = r#"{"appid":"wx1","payer":{"openid":"o1","identity":null},"amount":{"total":1}}"#;
    let req = Request::new(Method::POST, "/v3/pay/transactions/jsapi")
        .body(body)
        .encrypt_fields(&["payer.identity.number", "payer.identity.name"]);
    let got: serde_json::Value = client.send(req).await.expect("sent without a key");
    assert_eq!(got, serde_json::json!({}));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, body.as_bytes(), "the body is sent as given");
    assert!(seen[0].auth_ok);
    assert_eq!(seen[0].header("Wechatpay-Serial"), None);

    let req = Request::new(Method::POST, "/v3/pay/transactions/jsapi")
        .body(r#"{"payer":{"openid":"o1","identity":{"name":"张三"}}}"#)
        .encrypt_fields(&["payer.identity.number", "payer.identity.name"]);
    match client.send::<serde_json::Value>(req).await {
        Err(Error::Config(e)) => {
            assert_eq!(e.kind, ConfigErrorKind::Missing);
            assert!(e.to_string().contains("to encrypt with"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // A sensitive query value needs the key too.
    let req = Request::new(Method::GET, "/v3/test").encrypted_query("name", "张三");
    assert!(matches!(
        client.send::<serde_json::Value>(req).await,
        Err(Error::Config(_))
    ));
    assert_eq!(server.requests().len(), 1);
}

/// With a key at hand and nothing to encrypt, the serial is still named (as the official SDKs do).
#[tokio::test]
async fn the_serial_is_still_named_when_a_key_is_at_hand() {
    let dir = require_vectors!();
    let keys = Keys::load(&dir);
    let k = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k, 200, "{}", PUB_KEY_ID)),
    )
    .await;
    let client = public_key_mode(&keys, &server.base_url);
    let body = r#"{"payer":{"openid":"o1"}}"#;
    let req = Request::new(Method::POST, "/v3/pay/transactions/jsapi")
        .body(body)
        .encrypt_fields(&["payer.identity.number"]);
    let _: serde_json::Value = client.send(req).await.expect("sent");
    let seen = server.requests();
    assert_eq!(seen[0].body, body.as_bytes());
    assert_eq!(seen[0].header("Wechatpay-Serial"), Some(PUB_KEY_ID));
}
