//! One typed call end to end: `POST /v3/pay/transactions/jsapi` against a small WeChat-Pay-like server that
//! this example starts on 127.0.0.1. The server checks the request's signature with the test merchant's
//! public key and signs its answer with the test platform key, so the client verifies it as it would
//! verify WeChat Pay. Keys come from the shared test vectors (`$WECHATPAY_VECTORS` or `../shared/vectors`).
//!
//! ```sh
//! cargo run -p wechatpay-examples --features pay --example jsapi_local
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wechatpay::runtime::{
    request_signing_message, response_signing_message, sign_message, PrivateKey, VerifyingKey,
};
use wechatpay::v3::pay::transactions::jsapi;

const MCHID: &str = "1900000001";
const MERCHANT_SERIAL: &str = "13B782F545CBF7DCA2A719288E37F9C610266AE4";
const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";

fn vectors() -> PathBuf {
    std::env::var_os("WECHATPAY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        })
}

fn read(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let path = vectors().join(name);
    std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (set WECHATPAY_VECTORS)", path.display()).into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server(
        VerifyingKey::from_public_key_pem(MERCHANT_SERIAL, &read("merchant_public_key.pem")?)?,
        PrivateKey::from_pem(&read("platform_private_key.pem")?)?,
    )
    .await?;

    // The client a merchant would build, pointed at the local server.
    let client = wechatpay::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&read("merchant_private_key.pem")?)
        .wechatpay_public_key(PUB_KEY_ID, &read("platform_public_key.pem")?)
        .base_url(server)
        .backup_base_url(None)
        .build()?;

    // More than three required values: named in a struct, so two strings cannot be swapped silently.
    let body = jsapi::post::Body::new(jsapi::post::Required {
        appid: "wxd678efh567hg6787".into(),
        mchid: MCHID.into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: "1217752501201407033233368018".into(),
        amount: jsapi::post::Amount::new(100).currency("CNY"),
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        payer: jsapi::post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    })
    .attach("自定义数据");
    let answer = jsapi::post(&client, &jsapi::post::Request::new(body)).await?;
    // Received fields are `Option`: an answer without a field the docs call required still decodes.
    println!(
        "prepay_id = {}",
        answer.prepay_id.as_deref().unwrap_or("(none)")
    );
    Ok(())
}

/// Serves one connection at a time: checks `Authorization`, answers a signed `{"prepay_id": …}`.
async fn start_server(
    merchant: VerifyingKey,
    platform: PrivateKey,
) -> Result<String, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let Ok(n) = sock.read(&mut chunk).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let Ok(n) = sock.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break (head, buf[end + 4..end + 4 + len].to_vec());
                }
            };
            let mut lines = head.lines();
            let request_line = lines.next().unwrap_or_default().to_string();
            let mut parts = request_line.split(' ');
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let auth = lines
                .find_map(|l| {
                    l.strip_prefix("authorization: ")
                        .or_else(|| l.strip_prefix("Authorization: "))
                })
                .unwrap_or("")
                .to_string();
            let field = |name: &str| {
                auth.split(',')
                    .find_map(|p| {
                        p.trim()
                            .trim_start_matches("WECHATPAY2-SHA256-RSA2048 ")
                            .strip_prefix(&format!("{name}=\""))
                    })
                    .map(|v| v.trim_end_matches('"').to_string())
                    .unwrap_or_default()
            };
            let message = request_signing_message(
                method,
                target,
                &field("timestamp"),
                &field("nonce_str"),
                &body,
            );
            let signature = B64.decode(field("signature")).unwrap_or_default();
            let (status, answer) = if merchant.verify(&message, &signature) {
                (
                    200,
                    r#"{"prepay_id":"wx201410272009395522657a690389285100"}"#.to_string(),
                )
            } else {
                (
                    401,
                    r#"{"code":"SIGN_ERROR","message":"signature does not verify"}"#.to_string(),
                )
            };
            let timestamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
                .to_string();
            let nonce = "localservernonce0123456789abcdef";
            let signed = sign_message(
                &platform,
                &response_signing_message(&timestamp, nonce, answer.as_bytes()),
            )
            .unwrap_or_default();
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nWechatpay-Timestamp: {timestamp}\r\nWechatpay-Nonce: {nonce}\r\nWechatpay-Signature: {signed}\r\nWechatpay-Serial: {PUB_KEY_ID}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    Ok(url)
}
