//! The `wxpay` binary against a real local server, and `wxpay sign` against the vectors.
#[path = "../../tests/support/mod.rs"]
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

fn check(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .arg("check")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("wxpay starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wxpay ends")
}

/// `wxpay … | head`: the reader goes away before the answer is written. `wxpay` ends quietly (exit 0,
/// nothing on stderr) instead of panicking with exit 101.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(["check", "response", "POST", "/v3/pay/transactions/jsapi"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("wxpay starts");
    // Close our end of its stdout first: it writes only after reading all of stdin.
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(br#"{"prepay_id":"wx1"}"#)
        .expect("write stdin");
    drop(stdin);
    let out = child.wait_with_output().expect("wxpay ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");
}

#[test]
fn check_accepts_a_fitting_payload_and_names_the_bad_field() {
    let good = r#"{"appid":"wx1","mchid":"1900000001","description":"d","out_trade_no":"o1",
        "notify_url":"https://example.com/n","amount":{"total":100},"payer":{"openid":"o"}}"#;
    let out = check(&["request", "POST", "/v3/pay/transactions/jsapi"], good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("wechatpay::v3::pay::transactions::jsapi::post::Body"),
        "{stdout}"
    );

    let bad = good.replace(r#""total":100"#, r#""total":"100""#);
    let out = check(&["request", "POST", "/v3/pay/transactions/jsapi"], &bad);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("amount.total"), "{stderr}");

    // A response is checked against the response type.
    let out = check(
        &["response", "POST", "/v3/pay/transactions/jsapi"],
        r#"{"prepay_id":"wx1"}"#,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Received types are liberal (an empty answer decodes: every field is optional), but a member of
    // the wrong shape does not fit, and the message names it.
    let out = check(
        &["response", "POST", "/v3/pay/transactions/jsapi"],
        r#"{"prepay_id":{"not":"a string"}}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prepay_id"));
    // A concrete path finds its template.
    let out = check(
        &[
            "request",
            "POST",
            "/v3/pay/transactions/out-trade-no/T1/close",
        ],
        r#"{"mchid":"1900000001"}"#,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("{out_trade_no}"));
    let out = check(&["request", "GET", "/v3/no/such/thing"], "{}");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no operation"));
    let out = check(
        &["request", "POST", "/v3/pay/transactions/jsapi"],
        "not json",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

/// `wxpay notify` replays every `notify` vector: the decrypted JSON on success, exit 1 with the reason
/// otherwise; and a missing header is named.
#[test]
fn wxpay_notify_replays_the_vectors() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let v: serde_json::Value =
        serde_json::from_str(&support::read(&dir, "vectors.json")).expect("JSON");
    // The vectors' clock (2023) predates the test platform certificate (valid 2026-2036), which
    // verification enforces; their signatures are checked with the same key given as a WeChat Pay
    // public key under the serial the case names (its certificate's, or the public key id).
    let notify = |headers: &serde_json::Map<String, serde_json::Value>, body: &str, now: i64| {
        let mut c = wxpay(&keys, "http://127.0.0.1:9");
        let serial = headers
            .get("Wechatpay-Serial")
            .and_then(|v| v.as_str())
            .unwrap_or(PUB_KEY_ID);
        if serial == support::PLATFORM_SERIAL {
            c.env("WECHATPAY_PUBLIC_KEY_ID", serial);
        }
        c.args(["notify", "--now", &now.to_string()]);
        for (k, v) in headers {
            c.arg("-H")
                .arg(format!("{k}: {}", v.as_str().expect("header")));
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn wxpay");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), body.as_bytes())
            .expect("write body");
        child.wait_with_output().expect("wxpay output")
    };
    let mut outcomes = Vec::new();
    for case in v["notify"].as_array().expect("cases") {
        let id = case["id"].as_str().expect("id");
        let input = &case["input"];
        let headers = input["headers"].as_object().expect("headers");
        let body = input["body"].as_str().expect("body");
        let out = notify(headers, body, input["now"].as_i64().expect("now"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reason = case["expected"]["reason"].as_str().expect("reason");
        if reason == "ok" {
            assert!(out.status.success(), "{id}: {stderr}");
            let printed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON out");
            let envelope: serde_json::Value = serde_json::from_str(body).expect("body JSON");
            assert_eq!(printed["event_type"], envelope["event_type"], "{id}");
            let plaintext = case["expected"]["plaintext"].as_str().expect("plaintext");
            let expected = serde_json::from_str::<serde_json::Value>(plaintext)
                .unwrap_or_else(|_| serde_json::Value::String(plaintext.to_string()));
            assert_eq!(printed["resource"], expected, "{id}");
            assert_eq!(printed.as_object().map(|o| o.len()), Some(2), "{id}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{id}: {stdout}");
            assert!(stdout.is_empty(), "{id}: nothing on stdout");
            let words = match reason {
                "bad_signature" => "bad signature",
                "unknown_serial" => "unknown Wechatpay-Serial",
                "timestamp_skew" => "more than 300 s away",
                "decrypt_failed" => "wrong APIv3 key or tampered resource",
                other => panic!("{id}: unexpected reason {other}"),
            };
            assert!(stderr.contains(words), "{id}: {stderr}");
        }
        outcomes.push(reason.to_string());
    }
    assert!(outcomes.iter().filter(|r| *r == "ok").count() >= 2);
    // A missing header is named.
    let first = &v["notify"][0]["input"];
    let mut headers = first["headers"].as_object().expect("headers").clone();
    headers.remove("Wechatpay-Nonce");
    let out = notify(
        &headers,
        first["body"].as_str().expect("body"),
        first["now"].as_i64().expect("now"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Wechatpay-Nonce"));
}

/// `wxpay download` streams a bill to a path with the hash checked, and on a mismatch exits non-zero
/// with the reason and leaves no file. (Gzip is covered by the runtime's download tests.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxpay_download_checks_the_hash_and_leaves_nothing_on_failure() {
    use support::{StreamBody, StreamReply};
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let len: u64 = 2 * 1024 * 1024 + 77;
    let mut content = Vec::new();
    support::for_each_pattern_block(len, None, |b| content.extend_from_slice(b));
    let server = support::start_stream(
        keys.clone(),
        Arc::new(move |r| {
            let flip_at = r.target.contains("token=bad").then_some(1000);
            StreamReply {
                status: 200,
                content_length: len,
                body: StreamBody::Pattern { len, flip_at },
            }
        }),
    )
    .await;
    // Upper case, as WeChat may send it; compared ignoring case.
    let sha = wechatpay::runtime::UploadFile::from_bytes(content.clone())
        .sha256_hex()
        .to_ascii_uppercase();
    let out_dir = std::env::temp_dir().join(format!("wxpay-cli-dl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let output = out_dir.join("bill.csv");
    let run = |url: String, extra: Vec<&'static str>| {
        let keys = keys.clone();
        let base = server.base_url.clone();
        let sha = sha.clone();
        let output = output.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = wxpay(&keys, &base);
            c.args([
                "download",
                "--url",
                &url,
                "--hash-type",
                "SHA256",
                "--hash",
                &sha,
            ]);
            c.arg("--output").arg(&output).args(extra);
            c.output().unwrap()
        })
    };

    // An absolute download_url on the configured host.
    let url = format!("{}/v3/billdownload/file?token=good", server.base_url);
    let out = run(url, vec![]).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(std::fs::read(&output).unwrap() == content);
    assert!(
        stderr.contains(&format!("downloaded {len} bytes")),
        "{stderr}"
    );
    assert!(stderr.contains("verified"), "{stderr}");
    assert!(server.requests().iter().all(|r| r.auth_ok));
    std::fs::remove_file(&output).unwrap();

    // A path on the configured host.
    let out = run("/v3/billdownload/file?token=good".into(), vec!["--quiet"])
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&output).unwrap() == content);
    assert!(out.stderr.is_empty(), "--quiet prints nothing on success");
    std::fs::remove_file(&output).unwrap();

    // One flipped byte: exit 1, the reason on stderr, nothing written.
    let url = format!("{}/v3/billdownload/file?token=bad", server.base_url);
    let out = run(url, vec![]).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("SHA256 mismatch") && stderr.contains(&sha.to_ascii_lowercase()),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);

    // A foreign host is refused before anything is sent.
    let before = server.requests().len();
    let out = run(
        "https://example.com/v3/billdownload/file?token=x".into(),
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to send a signed request"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.requests().len(), before);
    std::fs::remove_dir_all(&out_dir).unwrap();
}

/// The three deliberate changes: no APIv3 key as a command-line value (environment or file only),
/// `download` refuses to run without `--hash` unless `--no-hash-check` is given, and a global `-v`
/// prints the request line, status, attempts and Request-ID on stderr and no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxpay_key_sources_hash_opt_out_and_verbose() {
    use support::{StreamBody, StreamReply};
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let run = |mut c: Command| async move {
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    };

    // The key as a value is not an option any more; the usage error does not echo it.
    let mut c = wxpay(&keys, "http://127.0.0.1:9");
    c.args(["--apiv3-key", &keys.apiv3_key, "notify"]);
    let out = run(c).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&keys.apiv3_key));

    // From a file: `notify` needs the key; with neither environment nor file it says where to put it.
    let mut c = wxpay(&keys, "http://127.0.0.1:9");
    c.env_remove("WECHATPAY_APIV3_KEY").arg("notify");
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--apiv3-key-file"), "{stderr}");
    let key_file = std::env::temp_dir().join(format!("wxpay-key-{}", std::process::id()));
    std::fs::write(&key_file, format!("{}\n", keys.apiv3_key)).unwrap();
    let mut c = wxpay(&keys, "http://127.0.0.1:9");
    c.env_remove("WECHATPAY_APIV3_KEY")
        .arg("--apiv3-key-file")
        .arg(&key_file)
        .args(["notify", "-H", "Wechatpay-Timestamp: 1"]);
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The key was accepted: the failure is the notification's, not the configuration's.
    assert!(stderr.contains("missing headers"), "{stderr}");
    let _ = std::fs::remove_file(&key_file);

    // download without --hash: refused before anything is sent; --no-hash-check downloads.
    let server = support::start_stream(
        keys.clone(),
        Arc::new(|_| StreamReply {
            status: 200,
            content_length: 5,
            body: StreamBody::Bytes(b"a,b\n\n".to_vec()),
        }),
    )
    .await;
    let out_dir = std::env::temp_dir().join(format!("wxpay-cli-nohash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let output = out_dir.join("bill.csv");
    let mut c = wxpay(&keys, &server.base_url);
    c.args([
        "download",
        "--url",
        "/v3/billdownload/file?token=t",
        "--output",
    ])
    .arg(&output);
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--no-hash-check"), "{stderr}");
    assert!(server.requests().is_empty());
    let mut c = wxpay(&keys, &server.base_url);
    c.args([
        "-v",
        "download",
        "--url",
        "/v3/billdownload/file?token=t",
        "--no-hash-check",
        "--output",
    ])
    .arg(&output);
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(std::fs::read(&output).unwrap(), b"a,b\n\n");
    assert!(stderr.contains("NO hash check"), "{stderr}");
    assert!(
        stderr.contains("> GET /v3/billdownload/file?token=t"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);

    // -v on a call: request line, status, attempts, Request-ID; no key, no signature, no body.
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            let mut rep = if r.path() == "/v3/err" {
                Reply::plain(400, r#"{"code":"PARAM_ERROR","message":"bad"}"#)
            } else {
                Reply::signed(&k2, 200, r#"{"secret_field":"Zhang San"}"#, PUB_KEY_ID)
            };
            rep.headers.push(("Request-ID".into(), "RID-CLI-1".into()));
            rep
        }),
    )
    .await;
    let mut c = wxpay(&keys, &server.base_url);
    c.args([
        "call",
        "GET",
        "/v3/order",
        "--query",
        "mchid=1900000001",
        "-v",
    ]);
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("> GET /v3/order?mchid=1900000001"),
        "{stderr}"
    );
    assert!(
        stderr.contains("< HTTP 200, 1 attempt, Request-ID: RID-CLI-1"),
        "{stderr}"
    );
    let signature = server.requests()[0].signature.clone();
    for secret in [keys.apiv3_key.as_str(), signature.as_str(), "Zhang San"] {
        assert!(!stderr.contains(secret), "{secret:?} in {stderr}");
    }
    let mut c = wxpay(&keys, &server.base_url);
    c.args(["-v", "call", "GET", "/v3/err"]);
    let out = run(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("< HTTP 400, 1 attempt, Request-ID: RID-CLI-1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[Request-ID: RID-CLI-1]"),
        "the error shows it too: {stderr}"
    );
}
