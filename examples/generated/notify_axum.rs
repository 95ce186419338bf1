//! Receiving WeChat Pay notifications in an axum handler: verify, decrypt and type them with
//! `wechatpay::events::decode`, answer with the documented success or failure reply.
//!
//! The example starts the handler on 127.0.0.1, then plays WeChat Pay: it encrypts a
//! `TRANSACTION.SUCCESS` resource with the test APIv3 key, signs the notification with the test platform
//! key and posts it, then posts a tampered copy (rejected with 401). Keys come from the shared test
//! vectors (`$WECHATPAY_VECTORS` or `../shared/vectors`).
//!
//! ```sh
//! cargo run -p wechatpay-examples --features events --example notify_axum
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use wechatpay::events::shared::TransactionSuccess;
use wechatpay::events::{self, Event};
use wechatpay::runtime::{
    aead_aes_256_gcm_encrypt, generate_nonce, notification_failure_reply, response_signing_message,
    sign_message, Error, PrivateKey, NOTIFICATION_SUCCESS_REPLY,
};

const MCHID: &str = "1900000001";
const MERCHANT_SERIAL: &str = "13B782F545CBF7DCA2A719288E37F9C610266AE4";
const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";

/// The handler: everything a merchant's endpoint needs.
async fn wechatpay_notify(
    State(client): State<Arc<wechatpay::Client>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match events::decode(&client, &headers, &body) {
        Ok((notification, event)) => {
            match &event {
                // `TRANSACTION.SUCCESS` is documented on several pages: the payment one is chosen by
                // `resource.original_type` = `transaction`.
                Event::TransactionSuccess(TransactionSuccess::TransactionSuccess(paid)) => {
                    println!(
                        "handler: order {} paid, transaction {} (notification {})",
                        paid.out_trade_no.as_deref().unwrap_or("?"),
                        paid.transaction_id.as_deref().unwrap_or("?"),
                        notification.id
                    )
                }
                Event::RefundSuccess(refund) => println!(
                    "handler: refund {} succeeded",
                    refund.out_refund_no.as_deref().unwrap_or("?")
                ),
                other => println!("handler: {} received, not handled", other.event_type()),
            }
            (StatusCode::OK, NOTIFICATION_SUCCESS_REPLY.to_string())
        }
        // Not from WeChat Pay (or replayed too late): refuse it.
        Err(Error::Signature(e)) => {
            println!("handler: rejected: {e}");
            (
                StatusCode::UNAUTHORIZED,
                notification_failure_reply(&e.to_string()),
            )
        }
        // Verified but not usable (decryption or decoding failed): WeChat Pay will retry.
        Err(e) => {
            println!("handler: failed: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                notification_failure_reply("internal error"),
            )
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let apiv3_key = read("apiv3_key.txt")?.trim().to_string();
    let client = wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&read("merchant_private_key.pem")?)
        .wechatpay_public_key(PUB_KEY_ID, &read("platform_public_key.pem")?)
        .apiv3_key(&apiv3_key)
        .build()?;
    let app = Router::new()
        .route("/wechatpay/notify", post(wechatpay_notify))
        .with_state(Arc::new(client));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wechatpay/notify", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // WeChat Pay's side, with the test keys.
    let platform_key = PrivateKey::from_pem(&read("platform_private_key.pem")?)?;
    let resource = serde_json::json!({
        "mchid": MCHID,
        "appid": "wxd678efh567hg6787",
        "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "4200000000000000000000000000",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "success_time": "2026-11-23T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}
    });
    let nonce = "0123456789ab";
    let ciphertext = aead_aes_256_gcm_encrypt(
        apiv3_key.as_bytes(),
        nonce.as_bytes(),
        b"transaction",
        resource.to_string().as_bytes(),
    )?;
    let body = serde_json::json!({
        "id": "EV-2026112311223320873",
        "create_time": "2026-11-23T10:34:56+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": B64.encode(ciphertext),
            "associated_data": "transaction",
            "nonce": nonce
        }
    })
    .to_string();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        .to_string();
    let sig_nonce = generate_nonce();
    let signature = sign_message(
        &platform_key,
        &response_signing_message(&timestamp, &sig_nonce, body.as_bytes()),
    )?;

    let http = reqwest::Client::new();
    for (what, body) in [
        ("genuine", body.clone()),
        ("tampered", body.replace("支付成功", "支付失败")),
    ] {
        let reply = http
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Wechatpay-Timestamp", &timestamp)
            .header("Wechatpay-Nonce", &sig_nonce)
            .header("Wechatpay-Signature", &signature)
            .header("Wechatpay-Serial", PUB_KEY_ID)
            .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
            .body(body)
            .send()
            .await?;
        let status = reply.status();
        println!("{what} notification: HTTP {status} {}", reply.text().await?);
        let expected = if what == "genuine" { 200 } else { 401 };
        if status.as_u16() != expected {
            return Err(format!("{what}: expected HTTP {expected}, got {status}").into());
        }
    }
    Ok(())
}

fn read(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let dir = std::env::var_os("WECHATPAY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        });
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (set WECHATPAY_VECTORS)", path.display()).into())
}
