//! The client against a real HTTP server on 127.0.0.1 that checks every request's Authorization
//! signature with the merchant public key and signs its answers with the platform private key.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Deserialize;
use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID};
use wechatpay_runtime::{
    aead_aes_256_gcm_encrypt, rsa_oaep_decrypt, rsa_oaep_encrypt, Client, ClientBuilder, Error,
    FixedClock, Method, Request, SignatureErrorKind,
};

fn builder(keys: &Keys, base: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(base)
        .backup_base_url(None)
        .retry_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
}

#[derive(Debug, Deserialize)]
struct Amount {
    total: i64,
}

#[derive(Debug, Deserialize)]
struct Order {
    out_trade_no: String,
    trade_state: String,
    amount: Amount,
}

const ORDER: &str = r#"{"out_trade_no":"T1","trade_state":"SUCCESS","amount":{"total":100}}"#;

fn keys_or_skip() -> Option<Keys> {
    support::vectors_dir().map(|d| Keys::load(&d))
}

macro_rules! keys {
    () => {
        match keys_or_skip() {
            Some(k) => k,
            None => return,
        }
    };
}

#[tokio::test]
async fn success_signs_exact_bytes_and_verifies() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let order: Order = client
        .send(
            Request::new(
                Method::GET,
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            )
            .path_param("out_trade_no", "T 1/中")
            .query("mchid", MCHID)
            .query("备注", "中文 a+b&c=d?#~!*'()"),
        )
        .await
        .unwrap();
    assert_eq!(order.out_trade_no, "T1");
    assert_eq!(order.trade_state, "SUCCESS");
    assert_eq!(order.amount.total, 100);

    // A POST with a body.
    let body = r#"{"appid":"wx","description":"深圳腾大—QQ公仔😀"}"#;
    let resp = client
        .execute(
            Request::new(Method::POST, "/v3/pay/transactions/native")
                .body(body.as_bytes().to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(resp.verified_by.as_deref(), Some(PUB_KEY_ID));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert!(r.auth_ok, "server rejected signature for {}", r.target);
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.header("wechatpay-serial"), Some(PUB_KEY_ID));
        let ua = r.header("user-agent").unwrap();
        assert!(
            ua.starts_with(concat!("wechatpay-runtime/", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        let auth = r.header("authorization").unwrap();
        assert!(
            auth.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\""),
            "{auth}"
        );
        assert!(auth.ends_with(&format!("serial_no=\"{MERCHANT_SERIAL}\"")));
    }
    assert_eq!(
        reqs[0].target,
        "/v3/pay/transactions/out-trade-no/T%201%2F%E4%B8%AD?mchid=1900000001&%E5%A4%87%E6%B3%A8=%E4%B8%AD%E6%96%87%20a%2Bb%26c%3Dd%3F%23~%21%2A%27%28%29"
    );
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(reqs[0].header("content-length").unwrap_or("0"), "0");
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].body, body.as_bytes());
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn rate_limited_then_success_resends_with_fresh_signature() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, i| {
            if i == 0 {
                Reply::plain(429, r#"{"code":"RATELIMIT_EXCEEDED","message":"too fast"}"#)
            } else {
                Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)
            }
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let body = br#"{"out_trade_no":"T1"}"#.to_vec();
    let order: Order = client
        .send(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body(body.clone()))
        .await
        .unwrap();
    assert_eq!(order.amount.total, 100);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.auth_ok));
    assert_eq!(reqs[0].body, body);
    assert_eq!(reqs[1].body, body, "same parameters re-sent");
    assert_eq!(reqs[0].target, reqs[1].target);
    assert_ne!(reqs[0].nonce, reqs[1].nonce, "fresh nonce");
    assert_ne!(reqs[0].signature, reqs[1].signature, "fresh signature");
}

#[tokio::test]
async fn retries_are_bounded_and_5xx_post_is_not_retried() {
    let keys = keys!();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path().ends_with("/busy") {
                Reply::plain(429, r#"{"code":"RATELIMIT_EXCEEDED","message":"too fast"}"#)
            } else {
                Reply::plain(500, r#"{"code":"SYSTEM_ERROR","message":"oops"}"#)
            }
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url)
        .max_retries(3)
        .build()
        .unwrap();
    let e = client
        .send_empty(Request::new(Method::POST, "/v3/busy").body("{}"))
        .await
        .unwrap_err();
    match e {
        Error::Api(a) => {
            assert_eq!(a.status, 429);
            assert_eq!(a.code, "RATELIMIT_EXCEEDED");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 4, "1 attempt + 3 retries");

    let e = client
        .send_empty(Request::new(Method::POST, "/v3/fail").body("{}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api(a) if a.status == 500 && a.code == "SYSTEM_ERROR"),
        "{e:?}"
    );
    assert_eq!(server.requests().len(), 5, "POST 5xx not retried");

    let e = client
        .send_empty(Request::new(Method::GET, "/v3/fail"))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Api(a) if a.status == 500), "{e:?}");
    assert_eq!(
        server.requests().len(),
        9,
        "GET 5xx retried up to max_retries"
    );
}

#[tokio::test]
async fn connection_failure_on_primary_fails_over_to_backup() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)),
    )
    .await;
    let client = builder(&keys, &support::closed_port_url())
        .backup_base_url(Some(server.base_url.clone()))
        .max_retries(0)
        .build()
        .unwrap();
    let order: Order = client
        .send(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body("{}"))
        .await
        .unwrap();
    assert_eq!(order.out_trade_no, "T1");
    assert_eq!(server.requests().len(), 1);
    assert!(server.requests()[0].auth_ok);

    // Both hosts down: a transport error naming a connect failure, after bounded retries.
    let client = builder(&keys, &support::closed_port_url())
        .backup_base_url(Some(support::closed_port_url()))
        .max_retries(1)
        .build()
        .unwrap();
    let e = client
        .send_empty(Request::new(Method::GET, "/v3/x"))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_connect()), "{e:?}");

    // A per-request base URL override goes to that host only (no failover).
    let client = builder(&keys, &support::closed_port_url()).build().unwrap();
    let order: Order = client
        .send(Request::new(Method::GET, "/v3/hk").base_url(server.base_url.clone()))
        .await
        .unwrap();
    assert_eq!(order.amount.total, 100);
}

/// Operations documented on another host (the Hong Kong one, or `…/hk/` on the primary) can be routed to a
/// proxy or test server; the path prefix after the origin is kept, other hosts are untouched.
#[tokio::test]
async fn host_overrides_route_documented_hosts() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)),
    )
    .await;
    let client = builder(&keys, &support::closed_port_url())
        .host_override(
            wechatpay_runtime::HK_BASE_URL,
            format!("{}/", server.base_url),
        )
        .host_override("https://api.mch.weixin.qq.com", server.base_url.clone())
        .max_retries(0)
        .build()
        .unwrap();
    for (base, seen) in [
        ("https://apihk.mch.weixin.qq.com/", "/v3/a"),
        ("https://apihk.mch.weixin.qq.com/global/", "/global/v3/a"),
        ("https://api.mch.weixin.qq.com/hk/", "/hk/v3/a"),
    ] {
        let _: Order = client
            .send(Request::new(Method::GET, "/v3/a").base_url(base))
            .await
            .unwrap_or_else(|e| panic!("{base}: {e}"));
        let last = server.requests().pop().expect("a request");
        assert_eq!(last.path(), seen, "{base}");
        assert!(last.auth_ok, "{base}: signed over the routed path");
    }
    // A host that only shares a prefix with an overridden origin is not rerouted.
    let e = client
        .send_empty(
            Request::new(Method::GET, "/v3/a").base_url("https://apihk.mch.weixin.qq.com.invalid"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
}

#[tokio::test]
async fn bad_signature_is_a_signature_error() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            let mut reply = Reply::signed(&k2, 200, ORDER, PUB_KEY_ID);
            match r.path() {
                "/v3/tampered" => reply.body = ORDER.replace("100", "101").into_bytes(),
                "/v3/unsigned" => reply.headers.clear(),
                "/v3/unknown" => {
                    for h in reply.headers.iter_mut() {
                        if h.0 == "Wechatpay-Serial" {
                            h.1 = "7132D72A03E93CDDF8C0".into();
                        }
                    }
                }
                _ => {}
            }
            reply
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let kind = |e: Error| match e {
        Error::Signature(s) => s.kind().clone(),
        other => panic!("expected signature error, got {other:?}"),
    };
    let e = client
        .send::<Order>(Request::new(Method::GET, "/v3/tampered"))
        .await
        .unwrap_err();
    assert_eq!(kind(e), SignatureErrorKind::BadSignature);
    let e = client
        .send::<Order>(Request::new(Method::GET, "/v3/unsigned"))
        .await
        .unwrap_err();
    assert!(matches!(kind(e), SignatureErrorKind::MissingHeaders(h) if h.len() == 4));
    let e = client
        .send::<Order>(Request::new(Method::GET, "/v3/unknown"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("7132D72A03E93CDDF8C0"), "{e}");
    assert_eq!(
        kind(e),
        SignatureErrorKind::UnknownSerial("7132D72A03E93CDDF8C0".into())
    );

    // Clock far off: timestamp skew.
    let skewed = builder(&keys, &server.base_url)
        .clock(Arc::new(FixedClock(support::now() - 3600)))
        .build()
        .unwrap();
    let e = skewed
        .send::<Order>(Request::new(Method::GET, "/v3/ok"))
        .await
        .unwrap_err();
    assert!(matches!(kind(e), SignatureErrorKind::TimestampSkew { .. }));

    // Unsigned downloads are not verified; the opt-out disables verification.
    let bytes = client
        .send_bytes(Request::new(Method::GET, "/v3/unsigned").unsigned_download())
        .await
        .unwrap();
    assert_eq!(&bytes[..], ORDER.as_bytes());
    let last = server.requests().pop().unwrap();
    assert!(last.auth_ok, "downloads are still signed");
    assert_eq!(last.header("accept"), Some("*/*"));
    let insecure = builder(&keys, &server.base_url)
        .danger_disable_response_verification()
        .build()
        .unwrap();
    let o: Order = insecure
        .send(Request::new(Method::GET, "/v3/tampered"))
        .await
        .unwrap();
    assert_eq!(o.amount.total, 101);
}

fn certificates_body(keys: &Keys) -> String {
    let nonce = "a1b2c3d4e5f6";
    let ct = aead_aes_256_gcm_encrypt(
        keys.apiv3_key.as_bytes(),
        nonce.as_bytes(),
        b"certificate",
        keys.platform_cert_pem.as_bytes(),
    )
    .unwrap();
    serde_json::json!({
        "data": [{
            "serial_no": PLATFORM_SERIAL,
            "effective_time": "2024-01-01T00:00:00+08:00",
            "expire_time": "2034-01-01T00:00:00+08:00",
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": B64.encode(ct),
            }
        }]
    })
    .to_string()
}

#[tokio::test]
async fn unknown_serial_triggers_one_certificate_refresh() {
    let keys = keys!();
    let k2 = keys.clone();
    let cert_downloads = Arc::new(AtomicUsize::new(0));
    let cd = cert_downloads.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                cd.fetch_add(1, Ordering::SeqCst);
                // Signed with the platform key under the certificate's serial, which the client only
                // learns from this very download.
                Reply::signed(&k2, 200, &certificates_body(&k2), PLATFORM_SERIAL)
            } else {
                Reply::signed(&k2, 200, ORDER, PLATFORM_SERIAL)
            }
        }),
    )
    .await;

    // Without auto-download: a clear unknown-serial error.
    let client = builder(&keys, &server.base_url).build().unwrap();
    let e = client
        .send::<Order>(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Signature(s) if *s.kind() == SignatureErrorKind::UnknownSerial(PLATFORM_SERIAL.into()))
    );
    assert_eq!(cert_downloads.load(Ordering::SeqCst), 0);

    // With auto-download: one refresh, then the response verifies with the new certificate.
    let client = builder(&keys, &server.base_url)
        .auto_platform_certificates(true)
        .build()
        .unwrap();
    assert_eq!(client.key_store().serials(), vec![PUB_KEY_ID.to_string()]);
    let order: Order = client
        .send(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    assert_eq!(order.amount.total, 100);
    assert_eq!(cert_downloads.load(Ordering::SeqCst), 1);
    assert!(client.key_store().get(PLATFORM_SERIAL).is_some());
    let order: Order = client
        .send(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    assert_eq!(order.out_trade_no, "T1");
    assert_eq!(
        cert_downloads.load(Ordering::SeqCst),
        1,
        "no second download"
    );
    assert!(server.requests().iter().all(|r| r.auth_ok));

    // Certificate-only merchant with no keys at all: build succeeds offline, first call downloads.
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .auto_platform_certificates(true)
        .base_url(&server.base_url)
        .backup_base_url(None)
        .build()
        .unwrap();
    let order: Order = client
        .send(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    assert_eq!(order.amount.total, 100);
    let key = client.encryption_key().await.unwrap();
    assert_eq!(key.serial(), PLATFORM_SERIAL);
}

#[tokio::test]
async fn refresh_failure_never_fails_public_key_mode() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                Reply::plain(
                    404,
                    r#"{"code":"NOT_FOUND","message":"public key mode merchant"}"#,
                )
            } else {
                Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)
            }
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url)
        .auto_platform_certificates(true)
        .build()
        .unwrap();
    let order: Order = client
        .send(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    assert_eq!(order.amount.total, 100);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.path() != "/v3/certificates"));
    assert!(
        matches!(client.refresh_platform_certificates().await, Err(Error::Api(a)) if a.status == 404)
    );
}

#[tokio::test]
async fn wrong_shape_is_a_decode_error_with_path() {
    let keys = keys!();
    let k2 = keys.clone();
    let body = r#"{"out_trade_no":"T1","trade_state":"SUCCESS","amount":{"total":"one hundred"}}"#;
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, body, PUB_KEY_ID)),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    match client
        .send::<Order>(Request::new(Method::GET, "/v3/order"))
        .await
    {
        Err(Error::Decode(d)) => {
            assert_eq!(d.path, "amount.total");
            assert_eq!(d.body, body);
            assert_eq!(d.status, 200);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn api_error_carries_code_message_detail() {
    let keys = keys!();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| {
            Reply::plain(
                400,
                r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/amount/total","location":"body","value":-1}}"#,
            )
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let e = client
        .send::<Order>(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body("{}"))
        .await
        .unwrap_err();
    match &e {
        Error::Api(a) => {
            assert_eq!(a.status, 400);
            assert_eq!(a.code, "PARAM_ERROR");
            assert_eq!(a.message, "参数错误");
            assert_eq!(a.detail.as_ref().unwrap()["field"], "/amount/total");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("PARAM_ERROR"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn escape_hatch_and_sensitive_serial() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.method == "DELETE" {
                Reply::signed(&k2, 204, "", PUB_KEY_ID)
            } else {
                Reply::signed(&k2, 200, r#"{"ok":true}"#, PUB_KEY_ID)
            }
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url).build().unwrap();
    let v: serde_json::Value = client
        .call(
            Method::POST,
            "v3/marketing/goods-subsidy/product-coupons/{product_coupon_id}/send",
            &[("product_coupon_id", "PC/1")],
            &[("appid", "wx 1")],
            Some(&serde_json::json!({"openid": "o1"})),
        )
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    let v: serde_json::Value = client
        .call(Method::DELETE, "/v3/x/{id}", &[("id", "1")], &[], None)
        .await
        .unwrap();
    assert!(v.is_null());
    let reqs = server.requests();
    assert_eq!(
        reqs[0].target,
        "/v3/marketing/goods-subsidy/product-coupons/PC%2F1/send?appid=wx%201"
    );
    assert_eq!(reqs[0].body, br#"{"openid":"o1"}"#);
    assert!(reqs.iter().all(|r| r.auth_ok));

    // Sensitive fields: encrypt with the encryption key and name it in Wechatpay-Serial.
    let key = client.encryption_key().await.unwrap();
    assert_eq!(key.serial(), PUB_KEY_ID);
    let name = B64.encode(rsa_oaep_encrypt(&key, "张三".as_bytes()).unwrap());
    let req = Request::new(Method::POST, "/v3/profitsharing/receivers/add")
        .json(&serde_json::json!({"name": name}))
        .unwrap()
        .encrypted_with(key.serial());
    let _: serde_json::Value = client.send(req).await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("wechatpay-serial"), Some(PUB_KEY_ID));
    let sent: serde_json::Value = serde_json::from_slice(&last.body).unwrap();
    let ct = B64.decode(sent["name"].as_str().unwrap()).unwrap();
    assert_eq!(
        rsa_oaep_decrypt(&keys.platform_private, &ct).unwrap(),
        "张三".as_bytes()
    );

    // The flag form: the client names its encryption key itself.
    let _: serde_json::Value = client
        .send(
            Request::new(Method::POST, "/v3/x")
                .body("{}")
                .needs_encryption_serial(),
        )
        .await
        .unwrap();
    assert_eq!(
        server.requests().pop().unwrap().header("wechatpay-serial"),
        Some(PUB_KEY_ID)
    );
    // Without any key to name, the request is not sent.
    let keyless = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .danger_disable_response_verification()
        .base_url(&server.base_url)
        .backup_base_url(None)
        .build()
        .unwrap();
    let before = server.requests().len();
    let e = keyless
        .send_empty(
            Request::new(Method::POST, "/v3/x")
                .body("{}")
                .needs_encryption_serial(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(c) if c.kind() == wechatpay_runtime::ConfigErrorKind::Missing),
        "{e:?}"
    );
    assert_eq!(server.requests().len(), before);

    // Bad request descriptions are errors, not panics.
    let e = client
        .send_empty(Request::new(Method::GET, "/v3/{missing}"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)));
}

#[test]
fn debug_output_redacts_secrets() {
    let Some(keys) = keys_or_skip() else { return };
    let b = builder(&keys, "http://127.0.0.1:9");
    let dbg_builder = format!("{b:?}");
    let client = b.build().unwrap();
    let dbg_client = format!("{client:?}");
    let key_body: String = keys
        .merchant_private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for dbg in [&dbg_builder, &dbg_client] {
        assert!(dbg.contains("<redacted>"), "{dbg}");
        assert!(!dbg.contains(&keys.apiv3_key), "APIv3 key leaked: {dbg}");
        for chunk in key_body.as_bytes().chunks(16) {
            assert!(
                !dbg.contains(std::str::from_utf8(chunk).unwrap()),
                "private key leaked"
            );
        }
        assert!(dbg.contains(MCHID));
    }
    assert_eq!(format!("{:?}", client.private_key()), "<redacted>");
    assert_eq!(format!("{:?}", client.apiv3_key().unwrap()), "<redacted>");
}

#[test]
fn configuration_errors() {
    let Some(keys) = keys_or_skip() else { return };
    let e = builder(&keys, "http://127.0.0.1:9")
        .apiv3_key("short")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(c) if c.kind() == wechatpay_runtime::ConfigErrorKind::ApiV3KeyLength)
    );
    let e = builder(&keys, "not a url").build().unwrap_err();
    assert!(matches!(&e, Error::Config(c) if c.kind() == wechatpay_runtime::ConfigErrorKind::Url));
    let e = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(c) if c.kind() == wechatpay_runtime::ConfigErrorKind::Missing),
        "{e}"
    );
    let e = builder(&keys, "http://127.0.0.1:9")
        .private_key_file("/nonexistent/key.pem")
        .build()
        .unwrap_err();
    assert!(matches!(&e, Error::Config(c) if c.kind() == wechatpay_runtime::ConfigErrorKind::Io));
    // Both a public key and a certificate at once, from files.
    let client = builder(&keys, "http://127.0.0.1:9")
        .platform_certificate_file(keys.dir.join("platform_cert.pem"))
        .wechatpay_public_key_file(PUB_KEY_ID, keys.dir.join("platform_public_key.pem"))
        .private_key_file(keys.dir.join("merchant_private_key.pem"))
        .build()
        .unwrap();
    assert_eq!(
        client.key_store().serials(),
        vec![PLATFORM_SERIAL.to_string(), PUB_KEY_ID.to_string()]
    );
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_works() {
    let Some(keys) = keys_or_skip() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let k2 = keys.clone();
    let server = rt.block_on(support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, ORDER, PUB_KEY_ID)),
    ));
    let client =
        wechatpay_runtime::blocking::Client::new(builder(&keys, &server.base_url)).unwrap();
    let order: Order = client.send(Request::new(Method::GET, "/v3/order")).unwrap();
    assert_eq!(order.amount.total, 100);
    assert!(server.requests()[0].auth_ok);
}

#[tokio::test]
async fn certificate_mode_refreshes_in_the_background() {
    let keys = keys!();
    let k2 = keys.clone();
    let cert_downloads = Arc::new(AtomicUsize::new(0));
    let cd = cert_downloads.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                cd.fetch_add(1, Ordering::SeqCst);
                Reply::signed(&k2, 200, &certificates_body(&k2), PLATFORM_SERIAL)
            } else {
                Reply::signed(&k2, 200, ORDER, PLATFORM_SERIAL)
            }
        }),
    )
    .await;
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .platform_certificate_pem(&keys.platform_cert_pem)
        .auto_platform_certificates(true)
        .base_url(&server.base_url)
        .backup_base_url(None)
        .build()
        .unwrap();
    assert_eq!(
        cert_downloads.load(Ordering::SeqCst),
        0,
        "build() does no I/O"
    );
    for _ in 0..3 {
        let order: Order = client
            .send(Request::new(Method::GET, "/v3/order"))
            .await
            .unwrap();
        assert_eq!(order.amount.total, 100);
    }
    for _ in 0..100 {
        if cert_downloads.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        cert_downloads.load(Ordering::SeqCst),
        1,
        "one background download per interval"
    );
    // The certificate-mode request names the platform certificate in Wechatpay-Serial.
    let r = server
        .requests()
        .into_iter()
        .find(|r| r.path() == "/v3/order")
        .unwrap();
    assert_eq!(r.header("wechatpay-serial"), Some(PLATFORM_SERIAL));
}

#[tokio::test]
async fn timeouts_are_transport_errors_and_post_is_not_resent() {
    let keys = keys!();
    // A server that accepts connections, reads, and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            acc.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    let client = builder(&keys, &base)
        .timeout(Duration::from_millis(300))
        .max_retries(2)
        .build()
        .unwrap();
    let e = client
        .send_empty(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body("{}"))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_timeout()), "{e:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "a POST that may have arrived is not re-sent"
    );
    let e = client
        .send_empty(Request::new(Method::GET, "/v3/x"))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_timeout()), "{e:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        4,
        "GET: 1 attempt + 2 retries"
    );
}
