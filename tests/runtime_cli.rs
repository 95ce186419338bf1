//! The `wxpay` binary against a real local server, and `wxpay sign` against the vectors.
#![cfg(feature = "cli")]

mod support;

use std::process::Command;
use std::sync::Arc;

use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};

fn wxpay(keys: &Keys, base_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wxpay"));
    for v in [
        "WECHATPAY_MCHID",
        "WECHATPAY_SERIAL",
        "WECHATPAY_PRIVATE_KEY",
        "WECHATPAY_PUBLIC_KEY",
        "WECHATPAY_PUBLIC_KEY_ID",
        "WECHATPAY_PLATFORM_CERTS",
        "WECHATPAY_APIV3_KEY",
        "WECHATPAY_BASE_URL",
        "WECHATPAY_BACKUP_BASE_URL",
    ] {
        c.env_remove(v);
    }
    c.env("WECHATPAY_MCHID", MCHID)
        .env("WECHATPAY_SERIAL", MERCHANT_SERIAL)
        .env(
            "WECHATPAY_PRIVATE_KEY",
            keys.dir.join("merchant_private_key.pem"),
        )
        .env(
            "WECHATPAY_PUBLIC_KEY",
            keys.dir.join("platform_public_key.pem"),
        )
        .env("WECHATPAY_PUBLIC_KEY_ID", PUB_KEY_ID)
        .env("WECHATPAY_APIV3_KEY", &keys.apiv3_key)
        .env("WECHATPAY_BASE_URL", base_url);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxpay_call_against_local_server() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| match r.path() {
            "/v3/bad" => {
                let mut rep = Reply::signed(&k2, 200, r#"{"a":1}"#, PUB_KEY_ID);
                rep.body = br#"{"a":2}"#.to_vec();
                rep
            }
            "/v3/err" => Reply::plain(
                400,
                r#"{"code":"PARAM_ERROR","message":"bad out_trade_no"}"#,
            ),
            _ => Reply::signed(
                &k2,
                200,
                r#"{"trade_state":"SUCCESS","amount":{"total":1}}"#,
                PUB_KEY_ID,
            ),
        }),
    )
    .await;
    let base = server.base_url.clone();
    let k = keys.clone();
    let out = tokio::task::spawn_blocking(move || {
        wxpay(&k, &base)
            .args([
                "call",
                "GET",
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                "--param",
                "out_trade_no=T1",
                "--query",
                "mchid=1900000001",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["trade_state"], "SUCCESS");
    let reqs = server.requests();
    assert_eq!(
        reqs[0].target,
        "/v3/pay/transactions/out-trade-no/T1?mchid=1900000001"
    );
    assert!(reqs[0].auth_ok);

    // POST with --json @file and flags instead of env.
    let body_file = std::env::temp_dir().join(format!("wxpay-test-{}.json", std::process::id()));
    std::fs::write(&body_file, r#"{"mchid":"1900000001"}"#).unwrap();
    let base = server.base_url.clone();
    let k = keys.clone();
    let arg = format!("@{}", body_file.display());
    let out = tokio::task::spawn_blocking(move || {
        let mut c = wxpay(&k, "http://127.0.0.1:9");
        c.env_remove("WECHATPAY_BASE_URL")
            .args([
                "--base-url",
                &base,
                "call",
                "POST",
                "/v3/pay/transactions/out-trade-no/T1/close",
                "--json",
                &arg,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&body_file);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.body, br#"{"mchid":"1900000001"}"#);
    assert!(last.auth_ok);

    // Bad signature and API error: non-zero exit with a clear message.
    for (path, needle) in [("/v3/bad", "bad signature"), ("/v3/err", "PARAM_ERROR")] {
        let base = server.base_url.clone();
        let k = keys.clone();
        let out = tokio::task::spawn_blocking(move || {
            wxpay(&k, &base)
                .args(["call", "GET", path])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
        assert!(out.stdout.is_empty());
    }

    // Missing configuration.
    let k = keys.clone();
    let out = tokio::task::spawn_blocking(move || {
        wxpay(&k, "http://127.0.0.1:9")
            .env_remove("WECHATPAY_MCHID")
            .args(["call", "GET", "/v3/x"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("WECHATPAY_MCHID"));
}

#[test]
fn wxpay_sign_matches_vectors() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let v: serde_json::Value = serde_json::from_str(&support::read(&dir, "vectors.json")).unwrap();
    for id in ["get_query_pct_encoded_chinese", "post_jsapi_body"] {
        let c = v["sign"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        let i = &c["input"];
        let out = wxpay(&keys, "http://127.0.0.1:9")
            .args([
                "sign",
                "--method",
                i["method"].as_str().unwrap(),
                "--url",
                i["url"].as_str().unwrap(),
                "--body",
                i["body"].as_str().unwrap(),
                "--timestamp",
                i["timestamp"].as_str().unwrap(),
                "--nonce",
                i["nonce"].as_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim_end(),
            c["expected"]["authorization_python_sdk_order"]
                .as_str()
                .unwrap(),
            "{id}"
        );
    }
}
