//! The contract of `wxpay simulate`, checked on the real binary over plain TCP: the two first stdout
//! lines, the key folder it writes, `--keys`, the answers to unsigned, invalid and valid requests (a
//! valid answer's signature is verified with the `openssl` command, not with the SDK), and the
//! control endpoint that pays an order and notifies a local handler at once.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::Value;
use wechatpay_runtime::{generate_nonce, request_signing_message, sign_message, PrivateKey};

/// The files a key folder holds, as the shared vectors lay them out.
const KEY_FILES: [&str; 6] = [
    "merchant_public_key.pem",
    "platform_private_key.pem",
    "platform_cert.pem",
    "platform_public_key.pem",
    "apiv3_key.txt",
    "config.json",
];

/// A scratch folder removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "wxpay-simulate-test-{tag}-{}-{stamp}-{seq}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create a scratch folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `wxpay simulate` child: killed and reaped on drop, so a failed assertion leaks no process;
/// the key folder it wrote (if any) is removed too.
struct Simulate {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base_url: String,
    port: u16,
    written: Option<PathBuf>,
}

impl Drop for Simulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.written {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Simulate {
    fn start(args: &[&str]) -> Simulate {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxpay"))
            .arg("simulate")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn wxpay simulate");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut sim = Simulate {
            child,
            stdout: BufReader::new(stdout),
            base_url: String::new(),
            port: 0,
            written: None,
        };
        let first = sim.line();
        let url = first
            .strip_prefix("LISTENING ")
            .unwrap_or_else(|| panic!("first line is not `LISTENING …`: {first:?}"));
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("not an http://127.0.0.1:PORT url: {url:?}"));
        assert!(
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
            "port {port:?}"
        );
        sim.port = port.parse().expect("port fits u16");
        assert_ne!(sim.port, 0, "a real port, not 0");
        sim.base_url = url.to_string();
        sim
    }

    /// The next stdout line without its newline (panics at end of output).
    fn line(&mut self) -> String {
        let mut l = String::new();
        let n = self.stdout.read_line(&mut l).expect("read stdout");
        assert!(n > 0, "wxpay simulate ended its output early");
        assert!(l.ends_with('\n'), "a whole line: {l:?}");
        l.trim_end_matches('\n').to_string()
    }
}

/// A folder's key set as a client needs it.
struct Keys {
    dir: PathBuf,
    config: Value,
    merchant: PrivateKey,
}

impl Keys {
    fn load(dir: &Path) -> Keys {
        let config: Value = serde_json::from_str(&read(dir, "config.json")).expect("config.json");
        let merchant = PrivateKey::from_pem(&read(dir, "merchant_private_key.pem"))
            .expect("merchant_private_key.pem parses");
        Keys {
            dir: dir.to_path_buf(),
            config,
            merchant,
        }
    }
    fn field(&self, name: &str) -> &str {
        self.config[name]
            .as_str()
            .unwrap_or_else(|| panic!("config.json has no string `{name}`"))
    }
    /// `Authorization` for a request, signed with the folder's merchant key.
    fn authorization(&self, method: &str, target: &str, body: &[u8]) -> String {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs()
            .to_string();
        let nonce = generate_nonce();
        let sig = sign_message(
            &self.merchant,
            &request_signing_message(method, target, &ts, &nonce, body),
        )
        .expect("sign");
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{sig}\",timestamp=\"{ts}\",serial_no=\"{}\"",
            self.field("mchid"),
            self.field("merchant_serial_no"),
        )
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

struct Http {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body).into_owned()
            )
        })
    }
}

/// Splits `head\r\n\r\nbody` into the header lines and the body (decoding a chunked body).
fn split_message(raw: &[u8]) -> (Vec<String>, Vec<u8>) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head: Vec<String> = String::from_utf8_lossy(&raw[..end])
        .split("\r\n")
        .map(str::to_string)
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = head.iter().any(|l| {
        l.to_ascii_lowercase()
            .replace(' ', "")
            .starts_with("transfer-encoding:chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size line");
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..eol])
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim(),
                16,
            )
            .expect("hex chunk size");
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    (head, body)
}

/// One HTTP/1.1 exchange (`Connection: close`).
fn http(port: u16, method: &str, target: &str, auth: Option<&str>, body: &[u8]) -> Http {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the simulator");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: {a}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send head");
    s.write_all(body).expect("send body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the answer");
    let (head, body) = split_message(&raw);
    let status: u16 = head[0]
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("status line {:?}", head[0]));
    let headers = head[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Http {
        status,
        headers,
        body,
    }
}

fn signed(keys: &Keys, port: u16, method: &str, target: &str, body: &[u8]) -> Http {
    let auth = keys.authorization(method, target, body);
    http(port, method, target, Some(&auth), body)
}

/// `openssl dgst -sha256 -verify` of `timestamp\nnonce\nbody\n` against `Wechatpay-Signature`.
fn openssl_verifies(
    public_key_pem: &Path,
    ts: &str,
    nonce: &str,
    body: &[u8],
    sig_b64: &str,
) -> bool {
    let scratch = TempDir::new("openssl");
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let Ok(sig) = B64.decode(sig_b64) else {
        return false;
    };
    std::fs::write(scratch.0.join("message"), &message).expect("write message");
    std::fs::write(scratch.0.join("signature"), &sig).expect("write signature");
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public_key_pem)
        .arg("-signature")
        .arg(scratch.0.join("signature"))
        .arg(scratch.0.join("message"))
        .output()
        .expect("the openssl command is needed to verify signatures independently");
    out.status.success()
}

/// Asserts the answer is signed by the folder's platform key under `serial`.
fn assert_signed_by_platform(keys: &Keys, r: &Http, serial: &str) {
    let h = |n: &str| {
        r.header(n)
            .unwrap_or_else(|| panic!("answer lacks {n}"))
            .to_string()
    };
    assert_eq!(h("Wechatpay-Serial"), serial);
    let ts = h("Wechatpay-Timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let t: i64 = ts.parse().expect("numeric Wechatpay-Timestamp");
    assert!((now - t).abs() < 300, "timestamp {t} vs now {now}");
    assert!(
        openssl_verifies(
            &keys.dir.join("platform_public_key.pem"),
            &ts,
            &h("Wechatpay-Nonce"),
            &r.body,
            &h("Wechatpay-Signature"),
        ),
        "the answer's signature does not verify with platform_public_key.pem"
    );
    // The certificate holds the same key.
    let cert_key = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(keys.dir.join("platform_cert.pem"))
        .output()
        .expect("openssl x509");
    assert!(cert_key.status.success());
    assert_eq!(
        String::from_utf8_lossy(&cert_key.stdout).trim(),
        read(&keys.dir, "platform_public_key.pem").trim(),
        "platform_cert.pem and platform_public_key.pem hold different keys"
    );
}

/// A JSAPI order body for `out_trade_no`, notifying `notify_url`.
fn order_body(keys: &Keys, out_trade_no: &str, notify_url: &str, total: Value) -> Vec<u8> {
    serde_json::json!({
        "appid": "wxd678efh567hg6787",
        "mchid": keys.field("mchid"),
        "description": "simulate contract test",
        "out_trade_no": out_trade_no,
        "notify_url": notify_url,
        "amount": {"total": total, "currency": "CNY"},
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    })
    .to_string()
    .into_bytes()
}

/// A notification as the handler received it, and when.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

/// A one-shot HTTP handler on 127.0.0.1: answers the first request 200 and sends it on the channel.
fn notify_listener() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the notify handler");
    let url = format!(
        "http://{}/pay/notify",
        listener.local_addr().expect("local addr")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut raw = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let Ok(n) = s.read(&mut chunk) else { return };
            if n == 0 {
                return;
            }
            raw.extend_from_slice(&chunk[..n]);
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if raw.len() >= end + 4 + len {
                    break;
                }
            }
        }
        let at = Instant::now();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let (head, body) = split_message(&raw);
        let headers = head[1..]
            .iter()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let _ = tx.send(Received { headers, body, at });
    });
    (url, rx)
}

#[test]
fn simulate_writes_a_key_folder_and_keeps_the_protocol() {
    let mut sim = Simulate::start(&["--port", "0"]);
    // The port accepts connections.
    TcpStream::connect(("127.0.0.1", sim.port)).expect("the LISTENING port accepts connections");

    // Second line: the folder of the fresh key set, laid out like the shared vectors.
    let dir = PathBuf::from(sim.line());
    sim.written = Some(dir.clone());
    assert!(dir.is_absolute(), "{}", dir.display());
    for f in KEY_FILES.iter().chain(["merchant_private_key.pem"].iter()) {
        assert!(dir.join(f).is_file(), "{} missing", dir.join(f).display());
    }
    for (f, pem) in [
        ("merchant_public_key.pem", "-----BEGIN PUBLIC KEY-----"),
        ("platform_public_key.pem", "-----BEGIN PUBLIC KEY-----"),
        ("platform_private_key.pem", "-----BEGIN PRIVATE KEY-----"),
        ("platform_cert.pem", "-----BEGIN CERTIFICATE-----"),
    ] {
        assert!(read(&dir, f).starts_with(pem), "{f} is not {pem}");
    }
    // openssl parses every key and the certificate.
    for (what, f) in [
        ("pkey", "platform_private_key.pem"),
        ("pkey", "merchant_private_key.pem"),
        ("x509", "platform_cert.pem"),
    ] {
        let ok = Command::new("openssl")
            .args([what, "-noout", "-in"])
            .arg(dir.join(f))
            .status()
            .expect("openssl");
        assert!(ok.success(), "openssl cannot parse {f}");
    }
    for f in ["merchant_public_key.pem", "platform_public_key.pem"] {
        let ok = Command::new("openssl")
            .args(["pkey", "-pubin", "-noout", "-in"])
            .arg(dir.join(f))
            .status()
            .expect("openssl");
        assert!(ok.success(), "openssl cannot parse {f}");
    }
    let keys = Keys::load(&dir);
    assert_eq!(keys.field("mchid"), "1900000001");
    let apiv3 = read(&dir, "apiv3_key.txt");
    assert_eq!(apiv3.trim_end_matches('\n').len(), 32, "APIv3 key length");
    assert_eq!(keys.field("apiv3_key"), apiv3.trim_end_matches('\n'));
    assert!(keys
        .field("platform_public_key_id")
        .starts_with("PUB_KEY_ID_"));
    let cert_serial = Command::new("openssl")
        .args(["x509", "-serial", "-noout", "-in"])
        .arg(dir.join("platform_cert.pem"))
        .output()
        .expect("openssl x509 -serial");
    assert_eq!(
        String::from_utf8_lossy(&cert_serial.stdout)
            .trim()
            .trim_start_matches("serial="),
        keys.field("platform_serial_no"),
        "platform_serial_no is the certificate's serial"
    );
    assert!(!keys.field("merchant_serial_no").is_empty());

    let port = sim.port;
    let pub_key_id = keys.field("platform_public_key_id").to_string();

    // Unsigned: 401 SIGN_ERROR.
    let target = "/v3/pay/transactions/out-trade-no/NOPE?mchid=1900000001";
    let r = http(port, "GET", target, None, b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "SIGN_ERROR");
    assert!(r.json()["message"].is_string());
    // Signed with another key (a signature over another message): 401 too.
    let wrong = keys.authorization("GET", "/v3/other", b"");
    let r = http(port, "GET", target, Some(&wrong), b"");
    assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["code"], "SIGN_ERROR");

    // Signed, but `amount.total` is a string: 400 PARAM_ERROR naming the field path.
    let (notify_url, notified) = notify_listener();
    let bad = order_body(&keys, "SIMCONTRACT1", &notify_url, "100".into());
    let r = signed(&keys, port, "POST", "/v3/pay/transactions/jsapi", &bad);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["code"], "PARAM_ERROR");
    let msg = r.json()["message"].as_str().unwrap_or("").to_string();
    assert!(msg.contains("amount.total"), "message: {msg}");

    // A valid order: 200 with a prepay_id, signed as the platform (checked by openssl).
    let good = order_body(&keys, "SIMCONTRACT1", &notify_url, 100.into());
    let r = signed(&keys, port, "POST", "/v3/pay/transactions/jsapi", &good);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json()["prepay_id"]
        .as_str()
        .is_some_and(|p| !p.is_empty()));
    assert_signed_by_platform(&keys, &r, &pub_key_id);

    // Query: NOTPAY.
    let q = "/v3/pay/transactions/out-trade-no/SIMCONTRACT1?mchid=1900000001";
    let r = signed(&keys, port, "GET", q, b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["trade_state"], "NOTPAY");
    assert_signed_by_platform(&keys, &r, &pub_key_id);

    // Pay through the control endpoint: 2xx, and the notification reaches the handler at once (the
    // first retry would come 15 s later at the default speed).
    let sent = Instant::now();
    let r = signed(
        &keys,
        port,
        "POST",
        "/_simulator/transactions/SIMCONTRACT1/pay",
        b"",
    );
    assert!(
        (200..300).contains(&r.status),
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["trade_state"], "SUCCESS");
    assert_signed_by_platform(&keys, &r, &pub_key_id);
    let n = notified
        .recv_timeout(Duration::from_secs(10))
        .expect("the notification reaches notify_url");
    assert!(
        n.at.duration_since(sent) < Duration::from_secs(5),
        "first attempt took {:?}",
        n.at.duration_since(sent)
    );
    let nh = |name: &str| {
        n.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("notification lacks {name}"))
    };
    assert_eq!(nh("Wechatpay-Serial"), pub_key_id);
    assert!(
        openssl_verifies(
            &dir.join("platform_public_key.pem"),
            &nh("Wechatpay-Timestamp"),
            &nh("Wechatpay-Nonce"),
            &n.body,
            &nh("Wechatpay-Signature"),
        ),
        "the notification's signature does not verify"
    );
    let envelope: Value = serde_json::from_slice(&n.body).expect("notification JSON");
    assert_eq!(envelope["event_type"], "TRANSACTION.SUCCESS");
    let res = &envelope["resource"];
    assert_eq!(res["algorithm"], "AEAD_AES_256_GCM");
    let plain = wechatpay_runtime::aead_aes_256_gcm_decrypt(
        keys.field("apiv3_key").as_bytes(),
        res["nonce"].as_str().expect("nonce").as_bytes(),
        res["associated_data"].as_str().unwrap_or("").as_bytes(),
        &B64.decode(res["ciphertext"].as_str().expect("ciphertext"))
            .expect("base64 ciphertext"),
    )
    .expect("the resource decrypts with apiv3_key.txt");
    let tx: Value = serde_json::from_slice(&plain).expect("resource JSON");
    assert_eq!(tx["out_trade_no"], "SIMCONTRACT1");
    assert_eq!(tx["trade_state"], "SUCCESS");
    assert_eq!(tx["amount"]["total"], 100);

    // The notification log shows one successful first attempt.
    let r = signed(&keys, port, "GET", "/_simulator/notifications", b"");
    assert_eq!(r.status, 200);
    let log = r.json();
    let entries = log.as_array().expect("a JSON array");
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(entries[0]["attempt"], 1);
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["url"], notify_url.as_str());

    // Query: SUCCESS.
    let r = signed(&keys, port, "GET", q, b"");
    assert_eq!(r.json()["trade_state"], "SUCCESS");
}

#[test]
fn simulate_with_keys_uses_that_folder() {
    // A key folder from a first run (it writes a fresh set), copied elsewhere.
    let copy = TempDir::new("keys");
    {
        let mut first = Simulate::start(&["--port", "0"]);
        let dir = PathBuf::from(first.line());
        first.written = Some(dir.clone());
        for f in KEY_FILES.iter().chain(["merchant_private_key.pem"].iter()) {
            std::fs::copy(dir.join(f), copy.0.join(f)).expect("copy the key folder");
        }
    }
    let keys = Keys::load(&copy.0);
    for (args, serial) in [
        (vec![], keys.field("platform_public_key_id")),
        (vec!["--certificate-mode"], keys.field("platform_serial_no")),
    ] {
        let mut a = vec!["--port", "0", "--keys"];
        let path = copy.0.to_str().expect("UTF-8 temp path");
        a.push(path);
        a.extend(args);
        let sim = Simulate::start(&a);
        let r = signed(
            &keys,
            sim.port,
            "POST",
            "/v3/pay/transactions/native",
            &serde_json::json!({
                "appid": "wxd678efh567hg6787", "mchid": keys.field("mchid"),
                "description": "d", "out_trade_no": "SIMKEYS1",
                "notify_url": "https://example.com/n", "amount": {"total": 1},
            })
            .to_string()
            .into_bytes(),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert!(r.json()["code_url"].is_string());
        assert_signed_by_platform(&keys, &r, serial);
        drop(sim);
    }
    // With --keys, nothing follows the LISTENING line: no folder is written.
    let mut sim = Simulate::start(&["--port", "0", "--keys", copy.0.to_str().expect("UTF-8")]);
    let _ = sim.child.kill();
    let mut rest = String::new();
    sim.stdout.read_to_string(&mut rest).expect("read the rest");
    assert_eq!(rest, "", "output after LISTENING with --keys");
}
