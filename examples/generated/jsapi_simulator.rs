//! A whole JSAPI payment against the in-process WeChat Pay simulator (`wechatpay-simulator`): order and
//! launch parameters, the payer pays (the simulator's control endpoint), the `TRANSACTION.SUCCESS`
//! notification is received and decoded, the order is queried, refunded (`REFUND.SUCCESS` received,
//! refund queried), and the day's trade bill is requested and downloaded with its hash checked.
//! Every step prints one line; any mismatch ends the program with an error (exit status 1).
//!
//! ```sh
//! cargo run -p wechatpay-examples --features simulator --example jsapi_simulator
//! ```

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use tokio::sync::mpsc;
use wechatpay::runtime::{DownloadOptions, HashAlgorithm};
use wechatpay::v3::bill::tradebill;
use wechatpay::v3::pay::transactions::jsapi;
use wechatpay::v3::pay::transactions::out_trade_no::by_out_trade_no;
use wechatpay::v3::refund::domestic::refunds;

type Failure = Box<dyn std::error::Error>;

/// `Err` with `what` unless `ok`.
fn check(ok: bool, what: impl Into<String>) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(format!("mismatch: {}", what.into()).into())
    }
}

/// A notification handler on 127.0.0.1: every POST to `/notify` is answered 200 and passed on.
async fn notify_handler() -> Result<(String, mpsc::Receiver<(HeaderMap, Bytes)>), Failure> {
    let (tx, rx) = mpsc::channel(16);
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body)).await;
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notify", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, rx))
}

/// The next notification, verified and decrypted by the client.
async fn next_notification(
    client: &wechatpay::Client,
    rx: &mut mpsc::Receiver<(HeaderMap, Bytes)>,
) -> Result<wechatpay::Notification, Failure> {
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .map_err(|_| "no notification within 10 s")?
        .ok_or("the notification handler stopped")?;
    Ok(client.decode_notification(&headers, &body)?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Failure> {
    // A simulator with a fresh key set; notification retries 1000 times faster than WeChat Pay's.
    let sim =
        wechatpay_simulator::start(wechatpay_simulator::Options::default().notify_speed(1000.0))
            .await?;
    let client = sim.client()?;
    let mchid = sim.keys.mchid.clone();
    let (notify_url, mut notifications) = notify_handler().await?;
    println!("simulator at {}", sim.base_url);

    // 1. Order, and the parameters the mini program / official account page passes to WeChat.
    let out_trade_no = "SIMJSAPI20261202001";
    let order = jsapi::post::Request::new(jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.clone(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: out_trade_no.into(),
        amount: jsapi::post::Amount::new(100).currency("CNY"),
        notify_url: notify_url.clone(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    }));
    let (answer, params) =
        wechatpay::launch::jsapi_prepay_with_request_payment(&client, &order).await?;
    let prepay_id = answer.prepay_id.ok_or("no prepay_id")?;
    let launch = serde_json::to_value(&params)?;
    check(
        launch["package"] == format!("prepay_id={prepay_id}").as_str(),
        format!("launch package {}", launch["package"]),
    )?;
    check(launch["signType"] == "RSA", "launch signType")?;
    println!(
        "ordered: prepay_id={prepay_id}, launch params signed ({})",
        launch["signType"]
    );

    let query = by_out_trade_no::get::Request::new(out_trade_no, mchid.clone());
    let state = by_out_trade_no::get(&client, &query).await?.trade_state;
    check(
        state.as_ref().map(|s| s.as_str()) == Some("NOTPAY"),
        format!("state before paying: {state:?}"),
    )?;
    println!("queried: NOTPAY");

    // 2. The payer pays (a control endpoint of the simulator); the notification follows.
    let paid = sim.pay(out_trade_no).await?;
    check(paid["trade_state"] == "SUCCESS", "pay answer")?;
    let n = next_notification(&client, &mut notifications).await?;
    check(
        n.event_type == "TRANSACTION.SUCCESS",
        format!("event {}", n.event_type),
    )?;
    // The resource of a payment notification has the fields of the order query's answer.
    let tx: by_out_trade_no::get::Response = n.resource()?;
    check(
        tx.out_trade_no.as_deref() == Some(out_trade_no),
        "notified out_trade_no",
    )?;
    check(
        tx.trade_state.as_ref().map(|s| s.as_str()) == Some("SUCCESS"),
        "notified trade_state",
    )?;
    let transaction_id = tx
        .transaction_id
        .ok_or("notification without transaction_id")?;
    println!("notified: TRANSACTION.SUCCESS, transaction_id={transaction_id}");

    let queried = by_out_trade_no::get(&client, &query).await?;
    check(
        queried.trade_state.as_ref().map(|s| s.as_str()) == Some("SUCCESS"),
        "state after paying",
    )?;
    check(
        queried.transaction_id.as_deref() == Some(transaction_id.as_str()),
        "queried transaction_id",
    )?;
    println!("queried: SUCCESS");

    // 3. Refund part of it; REFUND.SUCCESS follows.
    let out_refund_no = "SIMREFUND20261202001";
    let refund = refunds::post(
        &client,
        &refunds::post::Request::new(
            refunds::post::Body::new(out_refund_no, refunds::post::Amount::new(40, 100, "CNY"))
                .out_trade_no(out_trade_no)
                .notify_url(notify_url.clone()),
        ),
    )
    .await?;
    check(
        refund.out_refund_no.as_deref() == Some(out_refund_no),
        "refund out_refund_no",
    )?;
    println!(
        "refund requested: {}",
        refund.status.as_ref().map(|s| s.as_str()).unwrap_or("?")
    );
    let n = next_notification(&client, &mut notifications).await?;
    check(
        n.event_type == "REFUND.SUCCESS",
        format!("event {}", n.event_type),
    )?;
    let r = n.resource_json()?;
    check(
        r["out_refund_no"] == out_refund_no,
        "notified out_refund_no",
    )?;
    check(r["refund_status"] == "SUCCESS", "notified refund_status")?;
    check(r["amount"]["refund"] == 40, "notified refund amount")?;
    println!("notified: REFUND.SUCCESS");
    let refunded = refunds::by_out_refund_no::get(
        &client,
        &refunds::by_out_refund_no::get::Request::new(out_refund_no),
    )
    .await?;
    check(
        refunded.status.as_ref().map(|s| s.as_str()) == Some("SUCCESS"),
        "refund query status",
    )?;
    println!("refund queried: SUCCESS");

    // 4. The trade bill: its URL and hash, then the file itself, streamed and hash-checked.
    let bill = tradebill::get(&client, &tradebill::get::Request::new("2026-12-01")).await?;
    let url = bill.download_url.ok_or("no download_url")?;
    let hash = bill.hash_value.ok_or("no hash_value")?;
    check(bill.hash_type.as_deref() == Some("SHA1"), "bill hash_type")?;
    let mut file = Vec::new();
    let summary = client
        .download(
            client.download_request(&url)?,
            &mut file,
            DownloadOptions::new().hash(HashAlgorithm::Sha1, hash),
        )
        .await?;
    let text = String::from_utf8(file)?;
    check(
        text.contains(&transaction_id) && text.contains(out_trade_no),
        "the bill lists the paid order",
    )?;
    println!(
        "trade bill downloaded: {} bytes, {} lines, SHA1 checked",
        summary.written,
        text.lines().count()
    );
    println!("ok");
    Ok(())
}
