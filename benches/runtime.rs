//! Runtime benchmark (`harness = false`): requests signed per second, responses verified per second
//! (each next to the raw aws-lc-rs operation it wraps), notifications verified and decrypted per
//! second (1 KiB resource), and the client's overhead per call over a bare reqwest call to the same
//! local server.
//!
//! Run: `cargo bench -p wechatpay-runtime --bench runtime` (needs the shared vectors for the test keys;
//! set `WECHATPAY_VECTORS` if they are not at `../shared/vectors`). `BENCH_SECS` sets seconds per
//! measurement round (default 1).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{
    KeyPair, ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wechatpay_runtime::{
    aead_aes_256_gcm_encrypt, authorization_header, decode_notification, response_signing_message,
    sign_message, verify_signature, ApiV3Key, Client, KeyStore, Method, PrivateKey, Request,
    VerifyingKey,
};

fn rate(mut f: impl FnMut(), secs: f64) -> f64 {
    // Warm up, then count operations for `secs`.
    for _ in 0..5 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        for _ in 0..10 {
            f();
        }
        n += 10;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

const BODY: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1900000001","description":"Image形象店-深圳腾大-QQ公仔","out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;

async fn serve_fixed(response: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let response = Arc::new(response);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let end = loop {
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p;
                        }
                        let mut chunk = [0u8; 16384];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let mut chunk = [0u8; 16384];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + len);
                    if sock.write_all(&response).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn main() {
    let dir = std::env::var_os("WECHATPAY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    if !dir.join("merchant_private_key.pem").is_file() {
        println!("skipping: vectors not found at {}", dir.display());
        return;
    }
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let merchant_pem = read("merchant_private_key.pem");
    let key = PrivateKey::from_pem(&merchant_pem).unwrap();
    let der = rustls_pki_types::PrivateKeyDer::from_pem_slice(merchant_pem.as_bytes()).unwrap();
    let raw_key = RsaKeyPair::from_pkcs8(der.secret_der()).unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();

    let msg = wechatpay_runtime::request_signing_message(
        "POST",
        "/v3/pay/transactions/jsapi",
        "1700000000",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        BODY.as_bytes(),
    );

    // --- signing ---------------------------------------------------------------------------
    let (mut ours, mut raw, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        raw.push(rate(
            || {
                let mut sig = vec![0u8; raw_key.public_modulus_len()];
                raw_key
                    .sign(&RSA_PKCS1_SHA256, &rng, &msg, &mut sig)
                    .unwrap();
                std::hint::black_box(sig);
            },
            secs,
        ));
        ours.push(rate(
            || {
                std::hint::black_box(sign_message(&key, &msg).unwrap());
            },
            secs,
        ));
        full.push(rate(
            || {
                std::hint::black_box(
                    authorization_header(
                        &key,
                        "1900000001",
                        "13B782F545CBF7DCA2A719288E37F9C610266AE4",
                        "POST",
                        "/v3/pay/transactions/jsapi",
                        "1700000000",
                        "593BEC0C930BF1AFEB40B4A08C8FB242",
                        BODY.as_bytes(),
                    )
                    .unwrap(),
                );
            },
            secs,
        ));
    }
    let (raw_s, ours_s, full_s) = (median(raw), median(ours), median(full));
    println!("sign: aws-lc-rs RsaKeyPair::sign (raw)         {raw_s:>10.0} /s");
    println!(
        "sign: wechatpay_runtime::sign_message          {ours_s:>10.0} /s  ({:+.1}% vs raw)",
        (ours_s / raw_s - 1.0) * 100.0
    );
    println!(
        "sign: authorization_header (msg+sign+format)   {full_s:>10.0} /s  ({:+.1}% vs raw)",
        (full_s / raw_s - 1.0) * 100.0
    );

    // --- verification ----------------------------------------------------------------------
    let platform = PrivateKey::from_pem(&read("platform_private_key.pem")).unwrap();
    let store = KeyStore::new();
    store.insert(VerifyingKey::from_certificate_pem(&read("platform_cert.pem")).unwrap());
    let serial = store.serials()[0].clone();
    // Within the test certificate's validity (2026-11 to 2036-11), which verification checks.
    let ts = "1800000000";
    let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    let resp_msg = response_signing_message(ts, nonce, BODY.as_bytes());
    let sig = sign_message(&platform, &resp_msg).unwrap();
    let headers: Vec<(&str, &str)> = vec![
        ("Wechatpay-Timestamp", ts),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Signature", &sig),
        ("Wechatpay-Serial", &serial),
    ];
    let platform_pub = RsaKeyPair::from_pkcs8(
        rustls_pki_types::PrivateKeyDer::from_pem_slice(
            read("platform_private_key.pem").as_bytes(),
        )
        .unwrap()
        .secret_der(),
    )
    .unwrap()
    .public_key()
    .as_ref()
    .to_vec();
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &platform_pub).unwrap();
    use base64::Engine as _;
    let sig_raw = base64::engine::general_purpose::STANDARD
        .decode(&sig)
        .unwrap();
    let (mut vr, mut vo) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        vr.push(rate(
            || parsed.verify_sig(&resp_msg, &sig_raw).unwrap(),
            secs,
        ));
        vo.push(rate(
            || {
                verify_signature(headers.as_slice(), BODY.as_bytes(), 1_800_000_000, &store)
                    .unwrap();
            },
            secs,
        ));
    }
    let (vr, vo) = (median(vr), median(vo));
    println!("verify: aws-lc-rs ParsedPublicKey::verify_sig  {vr:>10.0} /s");
    println!(
        "verify: wechatpay_runtime::verify_signature    {vo:>10.0} /s  ({:+.1}% vs raw)",
        (vo / vr - 1.0) * 100.0
    );

    // --- notifications ---------------------------------------------------------------------
    // A signed notification whose AEAD_AES_256_GCM resource decrypts to 1 KiB of JSON, built once.
    let apiv3 = ApiV3Key::new(read("apiv3_key.txt").trim()).unwrap();
    let mut plain = String::from(r#"{"out_trade_no":"1217752501201407033233368018","pad":""#);
    while plain.len() < 1024 - 2 {
        plain.push('x');
    }
    plain.push_str(r#""}"#);
    assert_eq!(plain.len(), 1024);
    let ct = aead_aes_256_gcm_encrypt(
        apiv3.as_bytes(),
        b"fdasflkja484",
        b"transaction",
        plain.as_bytes(),
    )
    .unwrap();
    let ct = base64::engine::general_purpose::STANDARD.encode(ct);
    let envelope = format!(
        r#"{{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"{ct}","associated_data":"transaction","nonce":"fdasflkja484"}}}}"#
    );
    let nsig = sign_message(
        &platform,
        &response_signing_message(ts, nonce, envelope.as_bytes()),
    )
    .unwrap();
    let nheaders: Vec<(&str, &str)> = vec![
        ("Wechatpay-Timestamp", ts),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Signature", &nsig),
        ("Wechatpay-Serial", &serial),
    ];
    let n = decode_notification(
        nheaders.as_slice(),
        envelope.as_bytes(),
        1_800_000_000,
        &store,
        &apiv3,
    )
    .unwrap();
    assert_eq!(n.plaintext, plain.as_bytes());
    let mut vn = Vec::new();
    for _ in 0..5 {
        vn.push(rate(
            || {
                std::hint::black_box(
                    decode_notification(
                        nheaders.as_slice(),
                        envelope.as_bytes(),
                        1_800_000_000,
                        &store,
                        &apiv3,
                    )
                    .unwrap(),
                );
            },
            secs,
        ));
    }
    let vn = median(vn);
    println!(
        "notify: decode_notification (1 KiB resource)  {vn:>10.0} /s  ({:+.1}% vs raw verify)",
        (vn / vr - 1.0) * 100.0
    );

    // --- client overhead over bare reqwest --------------------------------------------------
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let resp_sig = sign_message(
        &platform,
        &response_signing_message(&now, nonce, BODY.as_bytes()),
    )
    .unwrap();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nWechatpay-Timestamp: {now}\r\nWechatpay-Nonce: {nonce}\r\nWechatpay-Signature: {resp_sig}\r\nWechatpay-Serial: {serial}\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes();
    let base = rt.block_on(serve_fixed(response));
    let bare = reqwest::Client::builder().build().unwrap();
    let client = Client::builder()
        .mchid("1900000001")
        .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
        .private_key_pem(&merchant_pem)
        .platform_certificate_pem(&read("platform_cert.pem"))
        .base_url(&base)
        .backup_base_url(None)
        .build()
        .unwrap();
    let url = format!("{base}/v3/pay/transactions/jsapi");
    let calls = |n: usize, ours: bool| -> Duration {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                if ours {
                    let v: serde_json::Value = client
                        .send(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body(BODY))
                        .await
                        .unwrap();
                    std::hint::black_box(v);
                } else {
                    let r = bare
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .body(BODY)
                        .send()
                        .await
                        .unwrap();
                    let b = r.bytes().await.unwrap();
                    let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
                    std::hint::black_box(v);
                }
            }
            start.elapsed()
        })
    };
    calls(20, false);
    calls(20, true);
    let n = ((secs * 400.0) as usize).max(50);
    let (mut tb, mut to) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        tb.push(calls(n, false).as_secs_f64() * 1e6 / n as f64);
        to.push(calls(n, true).as_secs_f64() * 1e6 / n as f64);
    }
    let (tb, to) = (median(tb), median(to));
    println!("call: bare reqwest POST + JSON decode          {tb:>10.1} µs/call");
    println!("call: Client::send (sign+verify+decode)        {to:>10.1} µs/call");
    println!(
        "call: client overhead                         {:>10.1} µs/call (signing alone {:.1} µs, verifying {:.1} µs)",
        to - tb,
        1e6 / full_s,
        1e6 / vo
    );
}
