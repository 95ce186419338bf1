//! The simulator in-process: signatures, body checks, the JSAPI flow through the SDK's typed calls
//! with notifications verified by the SDK, retries, faults and sample answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use wechatpay::runtime::{authorization_header, generate_nonce, PrivateKey};
use wechatpay::v3::pay::transactions::jsapi;
use wechatpay::v3::pay::transactions::out_trade_no::by_out_trade_no;
use wechatpay::v3::refund::domestic::refunds;
use wechatpay_simulator::{start, Options, Simulator};

/// A notification handler on 127.0.0.1: records each delivery and answers the scripted statuses
/// (then 204).
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
}

async fn receiver(statuses: Vec<u16>) -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let script = Arc::new(Mutex::new(statuses));
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let tx = tx.clone();
        let script = script.clone();
        async move {
            let _ = tx.send((headers, body));
            let mut s = script.lock().unwrap();
            let code = if s.is_empty() { 204 } else { s.remove(0) };
            StatusCode::from_u16(code).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, rx }
}

async fn next(r: &mut Receiver) -> (HeaderMap, Bytes) {
    tokio::time::timeout(Duration::from_secs(10), r.rx.recv())
        .await
        .expect("no notification within 10 s")
        .expect("receiver closed")
}

/// A raw request signed with the merchant key of `sim` (or unsigned), for what the typed SDK calls
/// would refuse to send.
async fn raw(sim: &Simulator, method: &str, path: &str, body: &str, sign: bool) -> (u16, Value) {
    let mut rb = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", sim.base_url))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json");
    if sign {
        let key =
            PrivateKey::from_pem(sim.keys.merchant_private_key_pem.as_ref().unwrap()).unwrap();
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let auth = authorization_header(
            &key,
            &sim.keys.mchid,
            &sim.keys.merchant_serial,
            method,
            path,
            &ts,
            &generate_nonce(),
            body.as_bytes(),
        )
        .unwrap();
        rb = rb.header("Authorization", auth);
    }
    let resp = rb.body(body.to_string()).send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn order_json(out_trade_no: &str, notify_url: &str, total: Value) -> String {
    json!({
        "appid": "wxd678efh567hg6787", "mchid": "1900000001", "description": "test",
        "out_trade_no": out_trade_no, "notify_url": notify_url,
        "amount": {"total": total, "currency": "CNY"}, "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    })
    .to_string()
}

async fn sim(speed: f64) -> Simulator {
    start(Options::default().notify_speed(speed)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_badly_signed_requests_get_sign_error() {
    let sim = sim(1.0).await;
    let (status, body) = raw(
        &sim,
        "GET",
        "/v3/pay/transactions/out-trade-no/x?mchid=1900000001",
        "",
        false,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "SIGN_ERROR");
    assert!(body["message"].as_str().unwrap().contains("Authorization"));

    // A client with other merchant keys: signed, but not by this merchant.
    let other = wechatpay::runtime::testing::TestKeys::generate("1900000001").unwrap();
    let mut keys = other.clone();
    keys.merchant_serial = sim.keys.merchant_serial.clone();
    let client = keys
        .client_builder()
        .base_url(&sim.base_url)
        .backup_base_url(None)
        .build()
        .unwrap();
    let err = by_out_trade_no::get(
        &client,
        &by_out_trade_no::get::Request::new("x", "1900000001"),
    )
    .await
    .unwrap_err();
    let api = match err {
        wechatpay::runtime::Error::Api(a) => a,
        e => panic!("expected an API error, got {e}"),
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.code, "SIGN_ERROR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_fit_gets_param_error_naming_the_field() {
    let sim = sim(1.0).await;
    let body = order_json("T1", "http://127.0.0.1:9/n", json!("one hundred"));
    let (status, v) = raw(&sim, "POST", "/v3/pay/transactions/jsapi", &body, true).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["code"], "PARAM_ERROR");
    assert!(
        v["message"].as_str().unwrap().contains("amount.total"),
        "{v}"
    );

    let (status, v) = raw(&sim, "GET", "/v3/no/such/operation", "", true).await;
    assert_eq!((status, v["code"].as_str()), (404, Some("NOT_FOUND")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsapi_flow_end_to_end_through_the_sdk() {
    let sim = sim(1.0).await;
    let client = sim.client().unwrap();
    let mut rx = receiver(vec![]).await;
    let no = "SIM-JSAPI-0001";

    let body = jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: sim.keys.mchid.to_string(),
        description: "test order".into(),
        out_trade_no: no.into(),
        amount: jsapi::post::Amount::new(100).currency("CNY"),
        notify_url: rx.url.to_string(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    });
    let prepay = jsapi::post(&client, &jsapi::post::Request::new(body))
        .await
        .unwrap();
    let prepay_id = prepay.prepay_id.unwrap_or_default();
    assert!(prepay_id.starts_with("wx"), "{prepay_id}");

    let q = by_out_trade_no::get::Request::new(no, &sim.keys.mchid);
    let order = by_out_trade_no::get(&client, &q).await.unwrap();
    assert_eq!(
        order.trade_state.as_ref().map(|s| s.as_str()),
        Some("NOTPAY")
    );

    let (status, paid) = raw(
        &sim,
        "POST",
        &format!("/_simulator/transactions/{no}/pay"),
        "",
        true,
    )
    .await;
    assert_eq!(status, 200, "{paid}");

    let (headers, body) = next(&mut rx).await;
    let n = client.decode_notification(&headers, &body).unwrap();
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    let resource = n.resource_json().unwrap();
    assert_eq!(resource["out_trade_no"], no);
    assert_eq!(resource["trade_state"], "SUCCESS");
    assert_eq!(resource["amount"]["payer_total"], 100);
    let event = wechatpay::events::decode(&client, &headers, &body);
    assert!(event.is_ok(), "{event:?}");

    let order = by_out_trade_no::get(&client, &q).await.unwrap();
    assert_eq!(
        order.trade_state.as_ref().map(|s| s.as_str()),
        Some("SUCCESS")
    );
    let transaction_id = order.transaction_id.clone().unwrap();
    assert_eq!(resource["transaction_id"], transaction_id.as_str());

    // A paid order cannot be closed; a second order can.
    let close = by_out_trade_no::close::post(
        &client,
        &by_out_trade_no::close::post::Request::new(
            no,
            by_out_trade_no::close::post::Body::new(&sim.keys.mchid),
        ),
    )
    .await;
    assert!(close.is_err());
    let no2 = "SIM-JSAPI-0002";
    let body = jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: sim.keys.mchid.to_string(),
        description: "to close".into(),
        out_trade_no: no2.into(),
        amount: jsapi::post::Amount::new(1),
        notify_url: rx.url.to_string(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    });
    jsapi::post(&client, &jsapi::post::Request::new(body))
        .await
        .unwrap();
    by_out_trade_no::close::post(
        &client,
        &by_out_trade_no::close::post::Request::new(
            no2,
            by_out_trade_no::close::post::Body::new(&sim.keys.mchid),
        ),
    )
    .await
    .unwrap();
    let closed = by_out_trade_no::get(
        &client,
        &by_out_trade_no::get::Request::new(no2, &sim.keys.mchid),
    )
    .await
    .unwrap();
    assert_eq!(
        closed.trade_state.as_ref().map(|s| s.as_str()),
        Some("CLOSED")
    );

    // Refund: PROCESSING, then REFUND.SUCCESS and a query that says SUCCESS.
    let body = refunds::post::Body::new(
        "SIM-REFUND-0001",
        refunds::post::Amount::new(40, 100, "CNY"),
    )
    .out_trade_no(no)
    .notify_url(&rx.url);
    let r = refunds::post(&client, &refunds::post::Request::new(body))
        .await
        .unwrap();
    assert_eq!(r.status.as_ref().map(|s| s.as_str()), Some("PROCESSING"));
    let (headers, body) = next(&mut rx).await;
    let n = client.decode_notification(&headers, &body).unwrap();
    assert_eq!(n.event_type, "REFUND.SUCCESS");
    let resource = n.resource_json().unwrap();
    assert_eq!(resource["out_refund_no"], "SIM-REFUND-0001");
    assert_eq!(resource["refund_status"], "SUCCESS");
    assert_eq!(resource["amount"]["refund"], 40);
    let r = refunds::by_out_refund_no::get(
        &client,
        &refunds::by_out_refund_no::get::Request::new("SIM-REFUND-0001"),
    )
    .await
    .unwrap();
    assert_eq!(r.status.as_ref().map(|s| s.as_str()), Some("SUCCESS"));
    assert_eq!(r.transaction_id.as_deref(), Some(transaction_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_retries_stop_at_the_first_2xx() {
    // Speed 1000: the 15 s, 15 s intervals become 15 ms.
    let sim = sim(1000.0).await;
    let mut rx = receiver(vec![500, 503]).await;
    let body = order_json("SIM-RETRY", &rx.url, json!(5));
    assert_eq!(
        raw(&sim, "POST", "/v3/pay/transactions/native", &body, true)
            .await
            .0,
        200
    );
    assert_eq!(
        raw(
            &sim,
            "POST",
            "/_simulator/transactions/SIM-RETRY/pay",
            "",
            true
        )
        .await
        .0,
        200
    );
    let client = sim.client().unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (h, b) = next(&mut rx).await;
        let n = client.decode_notification(&h, &b).unwrap();
        ids.push(n.id.clone());
    }
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one notification id across retries: {ids:?}"
    );
    // The next interval (30 s / 1000) has long passed: no fourth attempt after the 204.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.rx.try_recv().is_err(), "a retry after a 2xx answer");
    let (status, log) = raw(&sim, "GET", "/_simulator/notifications", "", true).await;
    assert_eq!(status, 200);
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![500, 503, 204]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_request() {
    let sim = sim(1.0).await;
    let client = sim.client().unwrap();
    let path = "/v3/pay/transactions/out-trade-no/x?mchid=1900000001";
    assert_eq!(
        raw(
            &sim,
            "POST",
            "/_simulator/faults",
            r#"{"fault":"429"}"#,
            true
        )
        .await
        .0,
        204
    );
    let (status, v) = raw(&sim, "GET", path, "", true).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (429, Some("FREQUENCY_LIMITED"))
    );
    // Queued once: the next request is answered normally (an unknown order).
    assert_eq!(raw(&sim, "GET", path, "", true).await.0, 404);

    // A bad answer signature and a stale one are refused by the SDK.
    for fault in ["bad-signature", "stale-timestamp", "signtest"] {
        let body = format!(r#"{{"fault":"{fault}"}}"#);
        assert_eq!(
            raw(&sim, "POST", "/_simulator/faults", &body, true).await.0,
            204
        );
        let err = wechatpay::v3::bill::tradebill::get(
            &client,
            &wechatpay::v3::bill::tradebill::get::Request::new("2024-01-01"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, wechatpay::runtime::Error::Signature(_)),
            "{fault}: {err}"
        );
    }

    // The SIGNTEST probe: the SDK rejects it.
    let mut rx = receiver(vec![401]).await;
    let (status, v) = raw(
        &sim,
        "POST",
        "/_simulator/notifications/signtest",
        &json!({"url": rx.url}).to_string(),
        true,
    )
    .await;
    assert_eq!((status, v["status"].as_u64()), (200, Some(401)));
    let (h, b) = next(&mut rx).await;
    assert!(h["Wechatpay-Signature"]
        .to_str()
        .unwrap()
        .starts_with("WECHATPAY/SIGNTEST/"));
    assert!(client.decode_notification(&h, &b).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_answer_the_platform_certificate() {
    let sim = start(Options::default().signing_mode(wechatpay_simulator::SigningMode::Certificate))
        .await
        .unwrap();
    let client = sim.client().unwrap();
    let (status, v) = raw(&sim, "GET", "/v3/certificates", "", true).await;
    assert_eq!(status, 200);
    let c = &v["data"][0];
    assert_eq!(c["serial_no"], sim.keys.platform_serial.as_str());
    let e = &c["encrypt_certificate"];
    let ct = base64::engine::general_purpose::STANDARD
        .decode(e["ciphertext"].as_str().unwrap())
        .unwrap();
    let pem = wechatpay::runtime::aead_aes_256_gcm_decrypt(
        sim.keys.apiv3().unwrap().as_bytes(),
        e["nonce"].as_str().unwrap().as_bytes(),
        b"certificate",
        &ct,
    )
    .unwrap();
    assert_eq!(String::from_utf8(pem).unwrap(), sim.keys.platform_cert_pem);
    // The certificate-mode client verifies answers signed under the certificate serial.
    let r = wechatpay::v3::bill::tradebill::get(
        &client,
        &wechatpay::v3::bill::tradebill::get::Request::new("2024-01-01"),
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
}

/// The spec's response fields of every APIv3 operation, read from `spec/` beside this package:
/// (method, path) → response fields (only pages without alternative field sets).
fn spec_responses() -> std::collections::BTreeMap<(String, String), Vec<Value>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi/v3");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut out = std::collections::BTreeMap::new();
    for f in files {
        let page: Value = serde_json::from_str(&std::fs::read_to_string(&f).expect("spec file"))
            .expect("spec JSON");
        for op in page["operations"].as_array().into_iter().flatten() {
            let variants = op["response"]["variants"].as_array().map_or(0, Vec::len);
            if variants > 0 {
                continue;
            }
            let fields = op["response"]["fields"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let key = (
                op["method"].as_str().unwrap_or("").to_string(),
                op["path"].as_str().unwrap_or("").to_string(),
            );
            out.insert(key, fields);
        }
    }
    out
}

/// The required fields of `fields` missing from `v` (paths), following required objects and the
/// first element of required arrays of objects.
fn missing_required(fields: &[Value], v: &Value, at: &str, out: &mut Vec<String>) {
    for f in fields.iter().filter(|f| f["required"] == json!(true)) {
        let name = f["name"].as_str().unwrap_or("");
        let path = format!("{at}{name}");
        let Some(got) = v.get(name) else {
            out.push(path);
            continue;
        };
        let children = f["fields"].as_array().cloned().unwrap_or_default();
        let has_variants = f["variants"].as_array().is_some_and(|v| !v.is_empty());
        if children.is_empty() || has_variants {
            continue;
        }
        match got {
            Value::Object(_) => missing_required(&children, got, &format!("{path}."), out),
            Value::Array(items) => match items.first() {
                Some(first) => missing_required(&children, first, &format!("{path}[0]."), out),
                None => out.push(format!("{path}[0]")),
            },
            _ => {}
        }
    }
}

#[test]
fn every_operation_with_a_json_answer_gets_a_sample_with_its_required_fields() {
    let ops = wechatpay::operations();
    let with_json: Vec<_> = ops.iter().filter(|o| o.check_response.is_some()).collect();
    assert!(!with_json.is_empty());
    let spec = spec_responses();
    let mut missing = Vec::new();
    let mut incomplete = Vec::new();
    let mut walked = 0;
    for op in &with_json {
        let Some(v) = wechatpay_simulator::sample_response(op) else {
            missing.push(format!("{} {}", op.method, op.path));
            continue;
        };
        // Independent re-check of what the simulator would answer.
        assert!(
            (op.check_response.unwrap())(&v).is_ok(),
            "{} {}",
            op.method,
            op.path
        );
        if let Some(fields) = spec.get(&(op.method.to_string(), op.path.to_string())) {
            walked += 1;
            let mut absent = Vec::new();
            missing_required(fields, &v, "", &mut absent);
            if !absent.is_empty() {
                incomplete.push(format!("{} {}: {absent:?}", op.method, op.path));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} without a sample: {missing:?}",
        missing.len(),
        with_json.len()
    );
    assert!(
        walked * 10 > with_json.len() * 9,
        "only {walked} of {} operations found in spec/",
        with_json.len()
    );
    assert!(
        incomplete.is_empty(),
        "samples without required fields: {incomplete:#?}"
    );
}
