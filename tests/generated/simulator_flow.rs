//! A merchant's whole JSAPI flow through the generated crate against the in-process simulator
//! (`wechatpay_simulator::start`), as a user would write it: order and launch parameters, payment
//! through the control endpoint, the `TRANSACTION.SUCCESS` notification received by a local handler
//! and decoded by the client, query, refund with its `REFUND.SUCCESS` notification and query, and the
//! trade bill downloaded with its SHA-1 checked. The launch signature is checked with the merchant
//! public key over WeChat's message written out here; the bill is parsed here.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;
use wechatpay::runtime::{DownloadOptions, HashAlgorithm, VerifyingKey};
use wechatpay::v3::bill::tradebill;
use wechatpay::v3::pay::transactions::jsapi;
use wechatpay::v3::pay::transactions::out_trade_no::by_out_trade_no;
use wechatpay::v3::refund::domestic::refunds;

/// A notification as the handler got it: its headers and body.
type Received = (Vec<(String, String)>, Vec<u8>);

/// A minimal HTTP/1.1 notification handler on 127.0.0.1 (one request per connection): answers 200 and
/// passes the request on.
async fn handler() -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/notify", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, len) = loop {
                let n = s.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break (0, 0);
                }
                raw.extend_from_slice(&chunk[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while raw.len() < end + 4 + len {
                        let n = s.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        raw.extend_from_slice(&chunk[..n]);
                    }
                    break (end, len);
                }
            };
            if head_end == 0 {
                continue;
            }
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
            let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
            let headers = head
                .split("\r\n")
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            let body = raw[head_end + 4..(head_end + 4 + len).min(raw.len())].to_vec();
            let _ = tx.send((headers, body));
        }
    });
    (url, rx)
}

/// The status and code of an API error (`None` for any other error).
fn api(e: &wechatpay::Error) -> Option<(u16, &str)> {
    match e {
        wechatpay::Error::Api(a) => Some((a.status, a.code.as_str())),
        _ => None,
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a notification within 10 s")
        .expect("handler running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsapi_pay_notify_refund_bill_through_the_simulator() {
    let sim =
        wechatpay_simulator::start(wechatpay_simulator::Options::default().notify_speed(1000.0))
            .await
            .expect("simulator");
    let client = sim.client().expect("client");
    let mchid = sim.keys.mchid.clone();
    let (notify_url, mut rx) = handler().await;

    // Order + launch parameters.
    let out_trade_no = "FLOW20261202000001";
    let order = jsapi::post::Request::new(jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.clone(),
        description: "商品".into(),
        out_trade_no: out_trade_no.into(),
        amount: jsapi::post::Amount::new(888),
        notify_url: notify_url.clone(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    }));
    let (answer, params) = wechatpay::launch::jsapi_prepay_with_request_payment(&client, &order)
        .await
        .expect("order");
    let prepay_id = answer.prepay_id.expect("prepay_id");
    assert!(prepay_id.starts_with("wx"), "{prepay_id}");
    let launch = serde_json::to_value(&params).expect("params JSON");
    assert_eq!(launch["package"], format!("prepay_id={prepay_id}"));
    let message = format!(
        "wxd678efh567hg6787\n{}\n{}\nprepay_id={prepay_id}\n",
        launch["timeStamp"].as_str().expect("timeStamp"),
        launch["nonceStr"].as_str().expect("nonceStr"),
    );
    let merchant_public =
        VerifyingKey::from_public_key_pem("merchant", &sim.keys.merchant_public_key_pem)
            .expect("merchant public key");
    let sig = base64::engine::general_purpose::STANDARD
        .decode(launch["paySign"].as_str().expect("paySign"))
        .expect("base64");
    assert!(merchant_public.verify(message.as_bytes(), &sig));

    // Same out_trade_no again: the same prepay id.
    let (again, _) = wechatpay::launch::jsapi_prepay_with_request_payment(&client, &order)
        .await
        .expect("order again");
    assert_eq!(again.prepay_id.as_deref(), Some(prepay_id.as_str()));

    let query = by_out_trade_no::get::Request::new(out_trade_no, mchid.clone());
    let before = by_out_trade_no::get(&client, &query).await.expect("query");
    assert_eq!(before.trade_state.expect("state").as_str(), "NOTPAY");
    assert!(before.transaction_id.is_none());

    // Pay; the notification arrives and decodes.
    let paid = sim.pay(out_trade_no).await.expect("pay");
    assert_eq!(paid["trade_state"], "SUCCESS");
    // Paying twice is refused.
    let twice = sim.pay(out_trade_no).await.expect_err("already paid");
    assert_eq!(api(&twice), Some((400, "INVALID_REQUEST")), "{twice}");
    let (headers, body) = next(&mut rx).await;
    let n = client
        .decode_notification(&headers, &body)
        .expect("the notification verifies and decrypts");
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    let tx: by_out_trade_no::get::Response = n.resource().expect("typed resource");
    assert_eq!(tx.out_trade_no.as_deref(), Some(out_trade_no));
    assert_eq!(tx.trade_state.expect("state").as_str(), "SUCCESS");
    assert_eq!(tx.amount.as_ref().and_then(|a| a.total), Some(888));
    let transaction_id = tx.transaction_id.expect("transaction_id");
    assert_eq!(paid["transaction_id"], transaction_id.as_str());

    let after = by_out_trade_no::get(&client, &query).await.expect("query");
    assert_eq!(after.trade_state.expect("state").as_str(), "SUCCESS");
    assert_eq!(
        after.transaction_id.as_deref(),
        Some(transaction_id.as_str())
    );

    // Refund 300 of 888 by transaction id.
    let out_refund_no = "FLOWREFUND000001";
    let refund = refunds::post(
        &client,
        &refunds::post::Request::new(
            refunds::post::Body::new(out_refund_no, refunds::post::Amount::new(300, 888, "CNY"))
                .transaction_id(transaction_id.clone())
                .notify_url(notify_url.clone()),
        ),
    )
    .await
    .expect("refund");
    assert_eq!(refund.out_refund_no.as_deref(), Some(out_refund_no));
    assert_eq!(refund.out_trade_no.as_deref(), Some(out_trade_no));
    let (headers, body) = next(&mut rx).await;
    let n = client
        .decode_notification(&headers, &body)
        .expect("refund notification");
    assert_eq!(n.event_type, "REFUND.SUCCESS");
    let r = n.resource_json().expect("resource");
    assert_eq!(r["out_refund_no"], out_refund_no);
    assert_eq!(r["refund_status"], "SUCCESS");
    assert_eq!(r["amount"]["refund"], 300);
    assert_eq!(r["amount"]["total"], 888);
    let refunded = refunds::by_out_refund_no::get(
        &client,
        &refunds::by_out_refund_no::get::Request::new(out_refund_no),
    )
    .await
    .expect("refund query");
    assert_eq!(refunded.status.expect("status").as_str(), "SUCCESS");

    // Trade bill: URL on the simulator, file streamed with its SHA-1 checked.
    let bill = tradebill::get(&client, &tradebill::get::Request::new("2026-12-01"))
        .await
        .expect("tradebill");
    assert_eq!(bill.hash_type.as_deref(), Some("SHA1"));
    let url = bill.download_url.expect("download_url");
    assert!(
        url.starts_with(&format!("{}/v3/billdownload/file?token=", sim.base_url)),
        "{url}"
    );
    let hash = bill.hash_value.expect("hash_value");
    let mut file = Vec::new();
    client
        .download(
            client.download_request(&url).expect("download request"),
            &mut file,
            DownloadOptions::new().hash(HashAlgorithm::Sha1, hash.clone()),
        )
        .await
        .expect("download with the hash checked");
    // A wrong hash is refused.
    let mut other = Vec::new();
    let wrong = "0".repeat(40);
    let e = client
        .download(
            client.download_request(&url).expect("download request"),
            &mut other,
            DownloadOptions::new().hash(HashAlgorithm::Sha1, wrong),
        )
        .await
        .expect_err("hash mismatch");
    assert!(matches!(e, wechatpay::Error::File(_)), "{e}");
    let text = String::from_utf8(file).expect("UTF-8 bill");
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| {
            l.split(',')
                .map(|f| f.trim_start_matches('`').to_string())
                .collect()
        })
        .collect();
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let data: Vec<&Vec<String>> = rows[1..]
        .iter()
        .take_while(|r| r.first().map(String::as_str) != Some("总交易单数"))
        .collect();
    assert_eq!(data.len(), 2, "{text}");
    assert_eq!(data[0][col("微信订单号")], transaction_id);
    assert_eq!(data[0][col("商户订单号")], out_trade_no);
    assert_eq!(data[0][col("应结订单金额")], "8.88");
    assert_eq!(data[1][col("商户退款单号")], out_refund_no);
    assert_eq!(data[1][col("退款金额")], "3.00");
    let summary = rows.last().expect("summary row");
    assert_eq!(summary, &["1", "8.88", "3.00"]);
    // An unknown token is a 404.
    let e = client
        .download(
            client
                .download_request(&format!("{}/v3/billdownload/file?token=nope", sim.base_url))
                .expect("request"),
            &mut Vec::new(),
            DownloadOptions::new().danger_skip_hash_check(),
        )
        .await
        .expect_err("unknown token");
    assert_eq!(api(&e), Some((404, "NO_STATEMENT_EXIST")), "{e}");

    // The log: one successful first attempt per notification.
    let log = sim.notifications().await.expect("log");
    let events: Vec<(&str, u64, u64)> = log
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap_or(""),
                e["attempt"].as_u64().unwrap_or(0),
                e["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        events,
        [("TRANSACTION.SUCCESS", 1, 200), ("REFUND.SUCCESS", 1, 200)]
    );
}
