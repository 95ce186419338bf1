//! `wechatpay::launch`: one call from a JSAPI / APP order to the signed launch parameters, against the
//! local test server. The parameters' signature verifies with the merchant PUBLIC key over WeChat's
//! message, written out here by hand; the JSON has WeChat's field names. Also: a client without any
//! WeChat Pay key (verification off) can place a JSAPI order, since nothing in it needs encrypting.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay::v3::pay::transactions::{app, jsapi};

fn builder(keys: &Keys, base: &str) -> wechatpay::ClientBuilder {
    wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .base_url(base)
        .backup_base_url(None)
        .timeout(Duration::from_secs(10))
}

fn verifies(keys: &Keys, message: &str, sig: &str) -> bool {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .expect("base64 signature");
    keys.merchant_public.verify(message.as_bytes(), &raw)
}

fn sorted_keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn prepay_with_request_payment_jsapi_and_app() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            let id = if r.path().ends_with("/app") {
                "wxAPP1"
            } else {
                "wxJSAPI1"
            };
            Reply::signed(&k2, 200, &format!(r#"{{"prepay_id":"{id}"}}"#), PUB_KEY_ID)
        }),
    )
    .await;
    let client = builder(&keys, &server.base_url)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .build()
        .expect("client");

    let order = jsapi::post::Request::new(jsapi::post::Body::new(
        "wxd678efh567hg6787",
        MCHID,
        "商品",
        "T1",
        jsapi::post::Amount::new(100),
        "https://example.com/notify",
        jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    ));
    let (answer, params) = wechatpay::launch::jsapi_prepay_with_request_payment(&client, &order)
        .await
        .expect("jsapi prepay");
    assert_eq!(answer.prepay_id, "wxJSAPI1");
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        sorted_keys(&json),
        [
            "appId",
            "nonceStr",
            "package",
            "paySign",
            "signType",
            "timeStamp"
        ]
    );
    assert_eq!(json["appId"], "wxd678efh567hg6787");
    assert_eq!(json["package"], "prepay_id=wxJSAPI1");
    assert_eq!(json["signType"], "RSA");
    let ts = json["timeStamp"].as_str().unwrap();
    assert!(
        (ts.parse::<i64>().unwrap() - support::now()).abs() < 60,
        "{ts}"
    );
    let message = format!(
        "wxd678efh567hg6787\n{ts}\n{}\nprepay_id=wxJSAPI1\n",
        json["nonceStr"].as_str().unwrap()
    );
    assert!(verifies(&keys, &message, json["paySign"].as_str().unwrap()));

    let order = app::post::Request::new(app::post::Body::new(
        "wxAPPID000000001",
        MCHID,
        "商品",
        "T2",
        app::post::Amount::new(100),
        "https://example.com/notify",
    ));
    let (answer, params) = wechatpay::launch::app_prepay_with_request_payment(&client, &order)
        .await
        .expect("app prepay");
    assert_eq!(answer.prepay_id, "wxAPP1");
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        sorted_keys(&json),
        [
            "appid",
            "noncestr",
            "package",
            "partnerid",
            "prepayid",
            "sign",
            "timestamp"
        ]
    );
    assert_eq!(json["partnerid"], MCHID);
    assert_eq!(json["package"], "Sign=WXPay");
    let message = format!(
        "wxAPPID000000001\n{}\n{}\nwxAPP1\n",
        json["timestamp"].as_str().unwrap(),
        json["noncestr"].as_str().unwrap()
    );
    assert!(verifies(&keys, &message, json["sign"].as_str().unwrap()));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.auth_ok));
    assert_eq!(reqs[1].path(), "/v3/pay/transactions/app");
}

#[tokio::test]
async fn a_keyless_client_places_a_jsapi_order() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let server = support::start(
        keys.clone(),
        Arc::new(|_, _| Reply::plain(200, r#"{"prepay_id":"wx1"}"#)),
    )
    .await;
    let client = builder(&keys, &server.base_url)
        .danger_disable_response_verification()
        .build()
        .expect("client without a WeChat Pay key");
    let order = jsapi::post::Request::new(jsapi::post::Body::new(
        "wxd678efh567hg6787",
        MCHID,
        "商品",
        "T1",
        jsapi::post::Amount::new(100),
        "https://example.com/notify",
        jsapi::post::Payer::new("o1"),
    ));
    let answer = jsapi::post(&client, &order).await.expect("no key needed");
    assert_eq!(answer.prepay_id, "wx1");
    assert_eq!(server.requests()[0].header("Wechatpay-Serial"), None);
}
