//! A generated operation end to end, both async and through the blocking client, against the local
//! test server that checks signatures: the JSON sent is exactly the typed body, the answer is typed.

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay::v3::pay::transactions::{jsapi, out_trade_no::by_out_trade_no::close};

fn builder(keys: &Keys, base: &str) -> wechatpay::ClientBuilder {
    wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(base)
        .backup_base_url(None)
        .timeout(Duration::from_secs(10))
}

fn jsapi_request() -> jsapi::post::Request {
    let body = jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: MCHID.into(),
        description: "商品".into(),
        out_trade_no: "T1".into(),
        amount: jsapi::post::Amount::new(100).currency("CNY"),
        notify_url: "https://example.com/notify".into(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    });
    jsapi::post::Request::new(body)
}

#[test]
fn generated_operations_async_and_blocking() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let k2 = keys.clone();
    let server = rt.block_on(support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path().ends_with("/close") {
                Reply::signed(&k2, 204, "", PUB_KEY_ID)
            } else {
                Reply::signed(&k2, 200, r#"{"prepay_id":"wx1"}"#, PUB_KEY_ID)
            }
        }),
    ));

    // Async.
    let client = builder(&keys, &server.base_url).build().expect("client");
    let answer = rt
        .block_on(jsapi::post(&client, &jsapi_request()))
        .expect("jsapi");
    assert_eq!(answer.prepay_id.as_deref(), Some("wx1"));
    let close_req = close::post::Request::new("T 1/中", close::post::Body::new(MCHID));
    rt.block_on(close::post(&client, &close_req))
        .expect("close answers 204");

    // Blocking: the same generated functions, run by the blocking client.
    let blocking = wechatpay::runtime::blocking::Client::new(builder(&keys, &server.base_url))
        .expect("client");
    let answer = blocking
        .run(jsapi::post(blocking.as_async(), &jsapi_request()))
        .expect("jsapi");
    assert_eq!(answer.prepay_id.as_deref(), Some("wx1"));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.auth_ok), "every request is signed");
    let sent: serde_json::Value = serde_json::from_slice(&reqs[0].body).expect("JSON body");
    assert_eq!(
        sent,
        serde_json::json!({
            "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "商品", "out_trade_no": "T1",
            "amount": {"total": 100, "currency": "CNY"}, "notify_url": "https://example.com/notify",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
        })
    );
    assert_eq!(
        reqs[1].target,
        "/v3/pay/transactions/out-trade-no/T%201%2F%E4%B8%AD/close"
    );
    assert_eq!(reqs[1].body, br#"{"mchid":"1900000001"}"#);
    assert_eq!(reqs[2].body, reqs[0].body);
}
