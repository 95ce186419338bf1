//! `wxpay call METHOD /v2/…` against a local HTTP server and `wxpay notify --v2` on captured bodies.
//!
//! Signatures and `req_info` ciphertexts are made here with the `openssl` command (an implementation
//! independent of the SDK), and request XML is read with the small parser below, not the SDK's.
#[path = "../../tests/support/mod.rs"]
mod support;
use support::openssl::openssl;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The APIv2 key of these tests (32 ASCII bytes).
const KEY: &str = "wxpayCliTestApiV2Key0123456789AB";
/// Another key, for ciphertexts the CLI must not accept.
const OTHER_KEY: &str = "AnotherApiV2KeyThatIsNotTheOne00";

/// Lower-case hex MD5 of `data` with openssl.
fn md5_hex(data: &[u8]) -> Option<String> {
    let out = String::from_utf8(openssl(&["dgst", "-md5", "-r"], data)?).ok()?;
    Some(out.split_whitespace().next()?.to_ascii_lowercase())
}

/// The APIv2 MD5 `sign` of `fields` under `key`: non-empty fields but `sign`, sorted by name, joined as
/// `k=v&…&key=KEY`, upper-case hex.
fn md5_sign(fields: &[(String, String)], key: &str) -> Option<String> {
    let mut kv: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    kv.sort_by(|a, b| a.0.cmp(&b.0));
    let mut msg: String = kv.iter().map(|(k, v)| format!("{k}={v}&")).collect();
    msg.push_str("key=");
    msg.push_str(key);
    Some(md5_hex(msg.as_bytes())?.to_ascii_uppercase())
}

/// `req_info` as WeChat Pay makes it: AES-256-ECB (PKCS#7) with the lower-case hex MD5 of the APIv2 key
/// as the 32-byte key, base64.
fn encrypt_req_info(plaintext: &str, key: &str) -> Option<String> {
    let aes_key: String = md5_hex(key.as_bytes())?
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = openssl(
        &["enc", "-aes-256-ecb", "-K", &aes_key, "-base64", "-A"],
        plaintext.as_bytes(),
    )?;
    Some(String::from_utf8(out).ok()?.trim().to_string())
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An XML document of `fields` (values in CDATA).
fn xml(fields: &[(String, String)]) -> String {
    let mut s = String::from("<xml>");
    for (k, v) in fields {
        s.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    s.push_str("</xml>");
    s
}

/// `fields` with their MD5 `sign` appended, as XML.
fn signed_xml(fields: &[(&str, &str)], key: &str) -> Option<String> {
    let mut f = pairs(fields);
    let sign = md5_sign(&f, key)?;
    f.push(("sign".into(), sign));
    Some(xml(&f))
}

/// The fields of a flat `<xml>` document (plain text or CDATA values), in order.
fn parse_flat_xml(text: &str) -> Vec<(String, String)> {
    let inner = text
        .trim()
        .strip_prefix("<xml>")
        .and_then(|t| t.strip_suffix("</xml>"))
        .unwrap_or_else(|| panic!("not an <xml> document: {text}"));
    let mut out = Vec::new();
    let mut rest = inner;
    while let Some(open) = rest.strip_prefix('<') {
        let (name, after) = open.split_once('>').expect("tag end");
        let close = format!("</{name}>");
        let end = after.find(&close).expect("closing tag");
        let raw = &after[..end];
        let value = raw
            .strip_prefix("<![CDATA[")
            .and_then(|v| v.strip_suffix("]]>"))
            .unwrap_or(raw);
        out.push((name.to_string(), value.to_string()));
        rest = &after[end + close.len()..];
    }
    assert!(rest.is_empty(), "unparsed rest: {rest}");
    out
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `wxpay` with only the APIv2 settings (and the merchant key pair for mutual TLS where asked).
fn wxpay(base_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wxpay"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("WECHATPAY_") {
            c.env_remove(k);
        }
    }
    c.env("WECHATPAY_APIV2_KEY", KEY)
        .env("WECHATPAY_BASE_URL", base_url);
    c
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn run(mut c: Command, stdin: Option<Vec<u8>>) -> Output {
    tokio::task::spawn_blocking(move || match stdin {
        None => c.output().unwrap(),
        Some(body) => {
            let mut child = c
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(&body).unwrap();
            child.wait_with_output().unwrap()
        }
    })
    .await
    .unwrap()
}

/// A request the server below received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    body: Vec<u8>,
}

type Handler = Arc<dyn Fn(&Seen) -> (u16, String) + Send + Sync>;

/// A plain HTTP/1.1 server on 127.0.0.1 (one request per connection) that records what it receives
/// and answers with `handler`; returns its base URL and the record.
async fn start(handler: Handler) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let handler = handler.clone();
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let head_end = loop {
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p;
                    }
                    let mut chunk = [0u8; 8192];
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let mut lines = head.split("\r\n");
                let mut first = lines.next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("").to_string();
                let target = first.next().unwrap_or("").to_string();
                let len: usize = lines
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + 4 + len {
                    let mut chunk = [0u8; 8192];
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let seen = Seen {
                    method,
                    target,
                    body: buf[head_end + 4..head_end + 4 + len].to_vec(),
                };
                record.lock().unwrap().push(seen.clone());
                let (status, body) = handler(&seen);
                let out = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (base, seen)
}

/// Checks a recorded APIv2 request: its XML fields, a 32-character `nonce_str`, and a `sign` that
/// openssl computes the same over the other fields.
fn check_request(body: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(body).expect("UTF-8 request");
    let fields = parse_flat_xml(text);
    let nonce = get(&fields, "nonce_str").expect("nonce_str");
    assert_eq!(nonce.len(), 32, "{nonce}");
    let sign = get(&fields, "sign").expect("sign").to_string();
    let expected = md5_sign(&fields, KEY).expect("openssl ran before");
    assert_eq!(sign, expected, "request sign");
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxpay_call_v2_against_local_server() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    if openssl(&["version"], b"").is_none() {
        return;
    }
    let ok_fields = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("trade_state", "SUCCESS"),
        ("out_trade_no", "T1"),
        ("total_fee", "1"),
    ];
    let ok = signed_xml(&ok_fields, KEY).unwrap();
    let fail = signed_xml(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "FAIL"),
            ("err_code", "ORDERNOTEXIST"),
            ("err_code_des", "order does not exist"),
            ("nonce_str", "n1"),
        ],
        KEY,
    )
    .unwrap();
    // Signed, then one field changed.
    let tampered = ok.replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[100]]>");
    assert_ne!(tampered, ok);
    let prepay = signed_xml(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("prepay_id", "wx201410272009395522657a690389285100"),
            ("trade_type", "NATIVE"),
        ],
        KEY,
    )
    .unwrap();
    let refund = signed_xml(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("refund_id", "50000000382019052709732678859"),
        ],
        KEY,
    )
    .unwrap();
    let (base, seen) = start(Arc::new(move |r: &Seen| {
        let answer = match r.target.as_str() {
            "/pay/orderquery" => {
                let body = String::from_utf8_lossy(&r.body);
                if body.contains("FAILME") {
                    &fail
                } else if body.contains("TAMPER") {
                    &tampered
                } else {
                    &ok
                }
            }
            "/pay/unifiedorder" => &prepay,
            "/secapi/pay/refund" => &refund,
            _ => return (404, "not here".to_string()),
        };
        (200, answer.clone())
    }))
    .await;
    let requests = || seen.lock().unwrap().clone();

    // Success: the XML fields sent, signed; the verified answer as one JSON object.
    let mut c = wxpay(&base);
    c.args([
        "call",
        "POST",
        "/v2/pay/orderquery",
        "--json",
        r#"{"appid":"wx2421b1c4370ec43b","mch_id":"10000100","out_trade_no":"T1"}"#,
    ]);
    let out = run(c, None).await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let obj = v.as_object().expect("an object");
    for (k, val) in ok_fields {
        assert_eq!(obj.get(k).and_then(|x| x.as_str()), Some(val), "{k}");
    }
    let reqs = requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    // The documented /v2 prefix is not sent.
    assert_eq!(reqs[0].target, "/pay/orderquery");
    let sent = check_request(&reqs[0].body);
    assert_eq!(get(&sent, "appid"), Some("wx2421b1c4370ec43b"));
    assert_eq!(get(&sent, "mch_id"), Some("10000100"));
    assert_eq!(get(&sent, "out_trade_no"), Some("T1"));
    assert_eq!(sent.len(), 5, "{sent:?}");

    // A FAIL answer: exit 1, err_code on stderr, nothing on stdout.
    let mut c = wxpay(&base);
    c.args([
        "call",
        "POST",
        "/v2/pay/orderquery",
        "--json",
        r#"{"out_trade_no":"FAILME"}"#,
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("ORDERNOTEXIST"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("result_code FAIL"),
        "{}",
        stderr(&out)
    );

    // An answer whose sign does not match: exit 1, nothing on stdout.
    let mut c = wxpay(&base);
    c.args([
        "call",
        "POST",
        "/v2/pay/orderquery",
        "--json",
        r#"{"out_trade_no":"TAMPER"}"#,
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("sign"), "{}", stderr(&out));

    // An `encoded: json` field given as a JSON object is sent as its JSON text; numbers as text.
    let body_file = std::env::temp_dir().join(format!("wxpay-v2-test-{}.json", std::process::id()));
    std::fs::write(
        &body_file,
        r#"{"out_trade_no":"T2","total_fee":1,"body":"b",
           "detail":{"cost_price":608800,"goods_detail":[{"goods_id":"G1","quantity":2,"price":1}]}}"#,
    )
    .unwrap();
    let mut c = wxpay(&base);
    c.args([
        "call",
        "post",
        "/v2/pay/unifiedorder",
        "--json",
        &format!("@{}", body_file.display()),
    ]);
    let out = run(c, None).await;
    let _ = std::fs::remove_file(&body_file);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["prepay_id"], "wx201410272009395522657a690389285100");
    let last = requests().pop().unwrap();
    assert_eq!(last.target, "/pay/unifiedorder");
    let sent = check_request(&last.body);
    assert_eq!(get(&sent, "total_fee"), Some("1"));
    let detail = get(&sent, "detail").expect("detail sent");
    let detail: serde_json::Value = serde_json::from_str(detail).expect("detail is JSON text");
    assert_eq!(
        detail,
        serde_json::json!({"cost_price":608800,"goods_detail":[{"goods_id":"G1","quantity":2,"price":1}]})
    );

    // An object for a field that is not `encoded: json`: refused before anything is sent.
    let n = requests().len();
    let mut c = wxpay(&base);
    c.args([
        "call",
        "POST",
        "/v2/pay/orderquery",
        "--json",
        r#"{"out_trade_no":{"a":1}}"#,
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("out_trade_no"), "{}", stderr(&out));
    assert!(stderr(&out).contains("encoded: json"), "{}", stderr(&out));
    assert_eq!(requests().len(), n);

    // A `security` operation without the client certificate: a clear error naming it, nothing sent.
    let mut c = wxpay(&base);
    c.args([
        "call",
        "POST",
        "/v2/secapi/pay/refund",
        "--json",
        r#"{"out_refund_no":"R1"}"#,
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("/v2/secapi/pay/refund"), "{err}");
    assert!(err.contains("WECHATPAY_CLIENT_CERT"), "{err}");
    assert_eq!(requests().len(), n);

    // With the certificate (PEM) and its key, it is sent (plain HTTP here: the identity is loaded, not
    // presented).
    let mut c = wxpay(&base);
    c.env("WECHATPAY_CLIENT_CERT", dir.join("merchant_cert.pem"))
        .env(
            "WECHATPAY_PRIVATE_KEY",
            dir.join("merchant_private_key.pem"),
        )
        .args([
            "call",
            "POST",
            "/v2/secapi/pay/refund",
            "--json",
            r#"{"out_refund_no":"R1","refund_fee":1}"#,
        ]);
    let out = run(c, None).await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refund_id"], "50000000382019052709732678859");
    let last = requests().pop().unwrap();
    assert_eq!(last.target, "/secapi/pay/refund");
    let sent = check_request(&last.body);
    assert_eq!(get(&sent, "refund_fee"), Some("1"));

    // No APIv2 key: refused, naming the variable.
    let mut c = wxpay(&base);
    c.env_remove("WECHATPAY_APIV2_KEY").args([
        "call",
        "POST",
        "/v2/pay/orderquery",
        "--json",
        "{}",
    ]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("WECHATPAY_APIV2_KEY"),
        "{}",
        stderr(&out)
    );
    assert_eq!(requests().len(), n + 1);
}

#[test]
fn wxpay_call_v2_unknown_path_is_a_usage_error() {
    for (method, path, needle) in [
        ("POST", "/v2/pay/nosuchthing", "/v2/pay/nosuchthing"),
        // Documented, but not with this method.
        ("GET", "/v2/pay/orderquery", "POST"),
    ] {
        let out = wxpay("http://127.0.0.1:9")
            .args(["call", method, path, "--json", "{}"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(err.contains(path), "{err}");
        assert!(err.contains(needle), "{err}");
    }
    // A v3-only flag on an APIv2 call.
    let out = wxpay("http://127.0.0.1:9")
        .args(["call", "POST", "/v2/pay/orderquery", "--query", "a=b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("--query"), "{}", stderr(&out));
}

fn notify(body: &str) -> Output {
    let mut child = wxpay("http://127.0.0.1:9")
        .args(["notify", "--v2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn wxpay_notify_v2_checks_sign_and_req_info() {
    let payment = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("out_trade_no", "1409811653"),
        ("total_fee", "1"),
        ("transaction_id", "1004400740201409030005092168"),
    ];
    let Some(good) = signed_xml(&payment, KEY) else {
        return;
    };

    // A good sign: every field, as one JSON object.
    let out = notify(&good);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (k, val) in payment {
        assert_eq!(v[k], val, "{k}");
    }
    assert!(v["sign"].is_string());

    // The same fields as a JSON object body.
    let mut f = pairs(&payment);
    let sign = md5_sign(&f, KEY).unwrap();
    f.push(("sign".into(), sign));
    let json_body: serde_json::Map<String, serde_json::Value> = f
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let out = notify(&serde_json::Value::Object(json_body).to_string());
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["transaction_id"], "1004400740201409030005092168");

    // A bad sign (a field changed after signing; or signed with another key).
    let tampered = good.replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[2]]>");
    assert_ne!(tampered, good);
    for body in [tampered, signed_xml(&payment, OTHER_KEY).unwrap()] {
        let out = notify(&body);
        assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("sign"), "{}", stderr(&out));
    }

    // No sign and no req_info: no proof.
    let out = notify(&xml(&pairs(&payment)));
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("req_info"), "{}", stderr(&out));

    // A refund notification: no sign, req_info encrypted here with openssl; decrypted and nested.
    let plain = "<root><out_refund_no><![CDATA[R20190527]]></out_refund_no>\
<refund_id><![CDATA[50000000382019052709732678859]]></refund_id>\
<refund_status><![CDATA[SUCCESS]]></refund_status><refund_fee><![CDATA[1]]></refund_fee></root>";
    let refund = |req_info: &str| {
        xml(&pairs(&[
            ("return_code", "SUCCESS"),
            ("appid", "wx2421b1c4370ec43b"),
            ("mch_id", "10000100"),
            ("nonce_str", "TeqClE3i0mvn3DrK"),
            ("req_info", req_info),
        ]))
    };
    let ct = encrypt_req_info(plain, KEY).unwrap();
    let out = notify(&refund(&ct));
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mch_id"], "10000100");
    assert_eq!(
        v["req_info"],
        serde_json::json!({
            "out_refund_no": "R20190527",
            "refund_id": "50000000382019052709732678859",
            "refund_status": "SUCCESS",
            "refund_fee": "1",
        })
    );

    // A req_info that does not decrypt with the key: encrypted under another key, not base64, cut short.
    let wrong_key = encrypt_req_info(plain, OTHER_KEY).unwrap();
    let cut = ct[..ct.len() - 8].to_string();
    for bad in [wrong_key, "not*base64!".to_string(), cut] {
        let out = notify(&refund(&bad));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{bad}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("req_info"), "{}", stderr(&out));
    }

    // --v2 takes no headers.
    let out = wxpay("http://127.0.0.1:9")
        .args(["notify", "--v2", "-H", "Wechatpay-Timestamp: 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
