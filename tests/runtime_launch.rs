//! Payment launch parameters (`wx.requestPayment` / APP `PayReq`): the signature verifies with the
//! merchant PUBLIC key over WeChat's documented message, built here by hand and checked by the
//! `openssl` CLI (an independent implementation) and by aws-lc-rs; the JSON field names are WeChat's.

mod support;

use std::io::Write as _;
use std::process::Command;

use base64::Engine as _;
use serde_json::Value;
use wechatpay_runtime::{
    AppPaymentParams, Client, FixedClock, JsapiPaymentParams, PrivateKey, VerifyingKey,
};

const APP_ID: &str = "wxd678efh567hg6787";
const PREPAY_ID: &str = "wx201410272009395522657a690389285100";

/// Verifies `sig_b64` over `message` with `merchant_public_key.pem` using the `openssl` CLI; `None`
/// (after printing why) when openssl is not installed.
fn openssl_verify(dir: &std::path::Path, message: &str, sig_b64: &str) -> Option<bool> {
    if Command::new("openssl").arg("version").output().is_err() {
        println!(
            "openssl not found: the openssl cross-check is skipped (aws-lc-rs check still runs)"
        );
        return None;
    }
    let tmp = std::env::temp_dir().join(format!(
        "wxpay-launch-{}-{}",
        std::process::id(),
        support::now()
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    let msg = tmp.join(format!("msg-{}", sig_b64.len() + message.len()));
    let sig = tmp.join("sig");
    std::fs::File::create(&msg)
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    std::fs::write(
        &sig,
        base64::engine::general_purpose::STANDARD
            .decode(sig_b64)
            .unwrap(),
    )
    .unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(dir.join("merchant_public_key.pem"))
        .arg("-signature")
        .arg(&sig)
        .arg(&msg)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    Some(out.status.success())
}

/// aws-lc-rs verification with the merchant public key of the vectors.
fn verifies(dir: &std::path::Path, message: &str, sig_b64: &str) -> bool {
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig_b64)
        .unwrap();
    merchant_public(dir).verify(message.as_bytes(), &sig)
}

fn merchant_public(dir: &std::path::Path) -> VerifyingKey {
    VerifyingKey::from_public_key_pem("merchant", &support::read(dir, "merchant_public_key.pem"))
        .unwrap()
}

fn client(dir: &std::path::Path, now: i64) -> Client {
    Client::builder()
        .mchid(support::MCHID)
        .merchant_serial(support::MERCHANT_SERIAL)
        .private_key_pem(&support::read(dir, "merchant_private_key.pem"))
        .danger_disable_response_verification()
        .clock(std::sync::Arc::new(FixedClock(now)))
        .build()
        .unwrap()
}

#[test]
fn jsapi_params_verify_over_the_documented_message() {
    let dir = require_vectors!();
    let c = client(&dir, 1_414_561_699);
    let p = c.jsapi_payment_params(APP_ID, PREPAY_ID).unwrap();
    let json: Value = serde_json::to_value(&p).unwrap();
    let obj = json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "appId",
            "nonceStr",
            "package",
            "paySign",
            "signType",
            "timeStamp"
        ]
    );
    assert_eq!(json["appId"], APP_ID);
    assert_eq!(json["timeStamp"], "1414561699");
    assert_eq!(
        json["package"],
        "prepay_id=wx201410272009395522657a690389285100"
    );
    assert_eq!(json["signType"], "RSA");
    let nonce = json["nonceStr"].as_str().unwrap();
    assert!(!nonce.is_empty() && nonce.len() <= 32, "{nonce}");
    // WeChat's message, written out by hand: appId, timeStamp, nonceStr, package, each + "\n".
    let message = format!(
        "wxd678efh567hg6787\n1414561699\n{nonce}\nprepay_id=wx201410272009395522657a690389285100\n"
    );
    let sig = json["paySign"].as_str().unwrap();
    assert_eq!(
        JsapiPaymentParams::signing_message(APP_ID, "1414561699", nonce, &p.package),
        message
    );
    assert!(
        verifies(&dir, &message, sig),
        "paySign verifies with the merchant public key"
    );
    if let Some(ok) = openssl_verify(&dir, &message, sig) {
        assert!(ok, "openssl rejects paySign");
    }
    // Any other message (e.g. without the final line feed) does not verify.
    assert!(!verifies(&dir, message.trim_end(), sig));
    if let Some(ok) = openssl_verify(&dir, message.trim_end(), sig) {
        assert!(!ok, "openssl accepts paySign over the wrong message");
    }
}

#[test]
fn app_params_verify_over_the_documented_message() {
    let dir = require_vectors!();
    let c = client(&dir, 1_700_000_000);
    let p = c.app_payment_params(APP_ID, PREPAY_ID).unwrap();
    let json: Value = serde_json::to_value(&p).unwrap();
    let obj = json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
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
    assert_eq!(json["appid"], APP_ID);
    assert_eq!(json["partnerid"], "1900000001");
    assert_eq!(json["prepayid"], PREPAY_ID);
    assert_eq!(json["package"], "Sign=WXPay");
    assert_eq!(json["timestamp"], "1700000000");
    let nonce = json["noncestr"].as_str().unwrap();
    // appid, timestamp, noncestr, prepayid, each + "\n".
    let message = format!("wxd678efh567hg6787\n1700000000\n{nonce}\n{PREPAY_ID}\n");
    let sig = json["sign"].as_str().unwrap();
    assert!(
        verifies(&dir, &message, sig),
        "sign verifies with the merchant public key"
    );
    if let Some(ok) = openssl_verify(&dir, &message, sig) {
        assert!(ok, "openssl rejects sign");
    }
}

/// RSA PKCS#1 v1.5 is deterministic: with a fixed timestamp and nonce, the signature is the one the
/// `openssl` CLI computes over the hand-written message with the merchant private key.
#[test]
fn fixed_inputs_give_openssl_signature() {
    let dir = require_vectors!();
    if Command::new("openssl").arg("version").output().is_err() {
        println!("openssl not found: skipped");
        return;
    }
    let key = PrivateKey::from_pem(&support::read(&dir, "merchant_private_key.pem")).unwrap();
    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let p = JsapiPaymentParams::sign(&key, APP_ID, PREPAY_ID, 1_414_561_699, nonce).unwrap();
    let a = AppPaymentParams::sign(&key, APP_ID, "1900000001", PREPAY_ID, 1_414_561_699, nonce)
        .unwrap();
    for (message, got) in [
        (
            format!("{APP_ID}\n1414561699\n{nonce}\nprepay_id={PREPAY_ID}\n"),
            &p.pay_sign,
        ),
        (
            format!("{APP_ID}\n1414561699\n{nonce}\n{PREPAY_ID}\n"),
            &a.sign,
        ),
    ] {
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(dir.join("merchant_private_key.pem"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(message.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let expected = base64::engine::general_purpose::STANDARD.encode(out.stdout);
        assert_eq!(got, &expected, "message {message:?}");
    }
}
