//! Typed notifications per second (`harness = false`): a signed `TRANSACTION.SUCCESS` notification whose
//! resource is 1 KiB of realistic JSON, through `wechatpay::events::decode` (verify the signature,
//! AEAD-decrypt, deserialize into the generated type), next to the runtime's untyped
//! `Client::decode_notification` on the same input.
//!
//! Run: `cargo bench -p wechatpay-benches --features events --bench events` (test keys from the shared vectors;
//! set `WECHATPAY_VECTORS` if they are not at `../shared/vectors`). `BENCH_SECS` sets seconds per round.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use wechatpay::events::{self, Event};
use wechatpay::runtime::{
    aead_aes_256_gcm_encrypt, response_signing_message, sign_message, FixedClock, PrivateKey,
};

const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";

fn rate(mut f: impl FnMut(), secs: f64) -> f64 {
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

fn median_rate(f: impl FnMut(), secs: f64) -> f64 {
    let mut f = f;
    let mut v: Vec<f64> = (0..5).map(|_| rate(&mut f, secs)).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[2]
}

fn main() {
    let dir = std::env::var_os("WECHATPAY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        });
    if !dir.join("merchant_private_key.pem").is_file() {
        println!("skipping: vectors not found at {}", dir.display());
        return;
    }
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("vector file");
    let apiv3 = read("apiv3_key.txt").trim().to_string();
    let now = 1_700_000_000;
    let client = wechatpay::Client::builder()
        .mchid("1900000001")
        .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
        .private_key_pem(&read("merchant_private_key.pem"))
        .wechatpay_public_key(PUB_KEY_ID, &read("platform_public_key.pem"))
        .apiv3_key(&apiv3)
        .clock(Arc::new(FixedClock(now)))
        .build()
        .expect("client");

    // A direct merchant's payment notification, padded to 1 KiB with a longer `attach`.
    let mut resource = serde_json::json!({
        "mchid": "1900000001", "appid": "wxd678efh567hg6787",
        "out_trade_no": "1217752501201407033233368018", "transaction_id": "4200000000000000000000000000",
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "CMC",
        "attach": "", "success_time": "2018-06-08T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"},
        "promotion_detail": [{"coupon_id": "109519", "name": "单品惠-6", "scope": "SINGLE", "type": "CASH",
            "amount": 1, "stock_id": "931386", "currency": "CNY"}]
    });
    let len = resource.to_string().len();
    resource["attach"] = serde_json::Value::String("x".repeat(1024 - len));
    let plain = resource.to_string();
    assert_eq!(plain.len(), 1024);
    let ct = aead_aes_256_gcm_encrypt(
        apiv3.as_bytes(),
        b"fdasflkja484",
        b"transaction",
        plain.as_bytes(),
    )
    .expect("encrypt");
    let body = serde_json::json!({
        "id": "EV-2018022511223320873", "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64::engine::general_purpose::STANDARD.encode(ct),
            "associated_data": "transaction", "nonce": "fdasflkja484"}
    })
    .to_string();
    let platform = PrivateKey::from_pem(&read("platform_private_key.pem")).expect("platform key");
    let ts = now.to_string();
    let sig = sign_message(
        &platform,
        &response_signing_message(&ts, "n0nce", body.as_bytes()),
    )
    .expect("sign");
    let headers: Vec<(&str, &str)> = vec![
        ("Wechatpay-Timestamp", &ts),
        ("Wechatpay-Nonce", "n0nce"),
        ("Wechatpay-Signature", &sig),
        ("Wechatpay-Serial", PUB_KEY_ID),
    ];
    match events::decode(&client, headers.as_slice(), body.as_bytes()) {
        Ok((
            _,
            Event::TransactionSuccess(events::shared::TransactionSuccess::TransactionSuccess(r)),
        )) => {
            assert_eq!(
                r.out_trade_no.as_deref(),
                Some("1217752501201407033233368018")
            )
        }
        other => panic!("unexpected {other:?}"),
    }

    let untyped = median_rate(
        || {
            std::hint::black_box(
                client
                    .decode_notification(headers.as_slice(), body.as_bytes())
                    .unwrap(),
            );
        },
        secs,
    );
    let typed = median_rate(
        || {
            std::hint::black_box(
                events::decode(&client, headers.as_slice(), body.as_bytes()).unwrap(),
            );
        },
        secs,
    );
    println!("notify: Client::decode_notification (1 KiB, verify + decrypt)   {untyped:>8.0} /s");
    println!(
        "notify: events::decode (1 KiB, verify + decrypt + typed)          {typed:>8.0} /s  ({:+.1}%)",
        (typed / untyped - 1.0) * 100.0
    );
}
