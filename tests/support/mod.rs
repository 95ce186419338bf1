//! Shared helpers for the runtime integration tests: locating the shared vectors and a small real
//! HTTP/1.1 server on 127.0.0.1 that checks request signatures and signs its answers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
pub mod missing;
pub mod openssl;
pub use missing::missing_input;

use wechatpay_runtime::{
    generate_nonce, request_signing_message, response_signing_message, sign_message, PrivateKey,
    VerifyingKey,
};

pub const MCHID: &str = "1900000001";
pub const MERCHANT_SERIAL: &str = "13B782F545CBF7DCA2A719288E37F9C610266AE4";
pub const PLATFORM_SERIAL: &str = "570C6FD494133BFB88D2AE453436BB8B910F690E";
pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";
/// A second merchant, for many-merchant tests: it signs with the platform test key (the server checks
/// its requests with the platform public key).
pub const SECOND_MCHID: &str = "1900000002";
pub const SECOND_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

/// The vectors directory, or `None` when it is absent (after [`missing_input`]: a visible `SKIPPED`
/// line, or a failure under CI).
pub fn vectors_dir() -> Option<PathBuf> {
    // Beside the repository; the manifest of the package under test is the repository root
    // (`wechatpay-runtime`), `cli/` (`wechatpay-cli`) or `tests/generated/` (`wechatpay-tests`).
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = match std::env::var_os("WECHATPAY_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => [
            "../shared/vectors",
            "../../shared/vectors",
            "../../../shared/vectors",
        ]
        .iter()
        .map(|rel| manifest.join(rel))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| manifest.join("../shared/vectors")),
    };
    if dir.join("vectors.json").is_file() {
        Some(dir)
    } else {
        missing_input(
            &format!("test vectors not found at {}", dir.display()),
            "put ../shared/vectors beside the repository or set WECHATPAY_VECTORS",
        );
        None
    }
}

/// Returns early from the test when the vectors are absent (saying so visibly; failing under CI).
#[macro_export]
macro_rules! require_vectors {
    () => {
        match support::vectors_dir() {
            Some(d) => d,
            None => return,
        }
    };
}

pub fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read vector file")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Test keys loaded from the vectors directory.
#[derive(Clone)]
pub struct Keys {
    pub dir: PathBuf,
    pub merchant_private_pem: String,
    pub merchant_public: Arc<VerifyingKey>,
    pub platform_private: Arc<PrivateKey>,
    pub platform_public_pem: String,
    pub platform_cert_pem: String,
    pub apiv3_key: String,
}

impl Keys {
    pub fn load(dir: &std::path::Path) -> Keys {
        Keys {
            dir: dir.to_path_buf(),
            merchant_private_pem: read(dir, "merchant_private_key.pem"),
            merchant_public: Arc::new(
                VerifyingKey::from_public_key_pem(
                    "merchant",
                    &read(dir, "merchant_public_key.pem"),
                )
                .unwrap(),
            ),
            platform_private: Arc::new(
                PrivateKey::from_pem(&read(dir, "platform_private_key.pem")).unwrap(),
            ),
            platform_public_pem: read(dir, "platform_public_key.pem"),
            platform_cert_pem: read(dir, "platform_cert.pem"),
            apiv3_key: read(dir, "apiv3_key.txt").trim().to_string(),
        }
    }

    /// Headers of a response signed by the platform key under `serial`.
    pub fn sign_response(&self, body: &[u8], serial: &str) -> Vec<(String, String)> {
        let ts = now().to_string();
        let nonce = generate_nonce();
        let sig = sign_message(
            &self.platform_private,
            &response_signing_message(&ts, &nonce, body),
        )
        .unwrap();
        vec![
            ("Wechatpay-Timestamp".into(), ts),
            ("Wechatpay-Nonce".into(), nonce),
            ("Wechatpay-Signature".into(), sig),
            ("Wechatpay-Serial".into(), serial.into()),
            (
                "Wechatpay-Signature-Type".into(),
                "WECHATPAY2-SHA256-RSA2048".into(),
            ),
        ]
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Request target exactly as on the request line.
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// Whether the Authorization header verified with the merchant public key.
    pub auth_ok: bool,
    pub nonce: String,
    pub signature: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(|s| s.as_str())
    }
}

/// What the handler answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// JSON body signed with the platform key under `serial`.
    pub fn signed(keys: &Keys, status: u16, body: &str, serial: &str) -> Reply {
        Reply {
            status,
            headers: keys.sign_response(body.as_bytes(), serial),
            body: body.as_bytes().to_vec(),
        }
    }
    /// Unsigned body.
    pub fn plain(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }
}

pub type Handler = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

/// A running test server.
pub struct TestServer {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn parse_auth(v: &str) -> HashMap<String, String> {
    let mut m = HashMap::new();
    let rest = v.strip_prefix("WECHATPAY2-SHA256-RSA2048 ").unwrap_or("");
    for part in rest.split(',') {
        if let Some((k, val)) = part.split_once('=') {
            m.insert(
                k.trim().to_string(),
                val.trim().trim_matches('"').to_string(),
            );
        }
    }
    m
}

/// Checks an Authorization header against the merchant public key.
pub fn check_auth(
    keys: &Keys,
    method: &str,
    target: &str,
    body: &[u8],
    auth: &str,
) -> (bool, String, String) {
    let f = parse_auth(auth);
    let (Some(ts), Some(nonce), Some(sig)) =
        (f.get("timestamp"), f.get("nonce_str"), f.get("signature"))
    else {
        return (false, String::new(), String::new());
    };
    let (mchid, serial) = (
        f.get("mchid").map(String::as_str).unwrap_or(""),
        f.get("serial_no").map(String::as_str).unwrap_or(""),
    );
    let msg = request_signing_message(method, target, ts, nonce, body);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap_or_default();
    let ok = match (mchid, serial) {
        (MCHID, MERCHANT_SERIAL) => keys.merchant_public.verify(&msg, &raw),
        (SECOND_MCHID, SECOND_SERIAL) => {
            VerifyingKey::from_public_key_pem("second", &keys.platform_public_pem)
                .map(|k| k.verify(&msg, &raw))
                .unwrap_or(false)
        }
        _ => false,
    };
    (ok, nonce.clone(), sig.clone())
}

/// Starts a server; `handler(request, index)` answers the `index`-th request (0-based).
pub async fn start(keys: Keys, handler: Handler) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<Vec<Recorded>>> = Arc::new(Mutex::new(Vec::new()));
    let reqs = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let keys = keys.clone();
            let handler = handler.clone();
            let reqs = reqs.clone();
            tokio::spawn(async move {
                // Keep-alive loop: serve requests on this connection until it closes.
                let mut buf: Vec<u8> = Vec::new();
                loop {
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
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.split("\r\n");
                    let first = lines.next().unwrap_or("");
                    let mut parts = first.split(' ');
                    let method = parts.next().unwrap_or("").to_string();
                    let target = parts.next().unwrap_or("").to_string();
                    let mut headers = HashMap::new();
                    for l in lines {
                        if let Some((k, v)) = l.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let start = head_end + 4;
                    while buf.len() < start + len {
                        let mut chunk = [0u8; 65536];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = buf[start..start + len].to_vec();
                    buf.drain(..start + len);
                    let auth = headers.get("authorization").cloned().unwrap_or_default();
                    // Uploads are signed over their JSON `meta` part, as WeChat Pay does.
                    let signed = headers
                        .get("content-type")
                        .and_then(|ct| multipart_meta(ct, &body))
                        .unwrap_or_else(|| body.clone());
                    let (auth_ok, nonce, signature) =
                        check_auth(&keys, &method, &target, &signed, &auth);
                    let rec = Recorded {
                        method,
                        target,
                        headers,
                        body,
                        auth_ok,
                        nonce,
                        signature,
                    };
                    let index = {
                        let mut r = reqs.lock().unwrap();
                        r.push(rec.clone());
                        r.len() - 1
                    };
                    let reply = if auth_ok {
                        handler(&rec, index)
                    } else {
                        Reply::plain(
                            401,
                            r#"{"code":"SIGN_ERROR","message":"test server: bad Authorization signature"}"#,
                        )
                    };
                    let reason = match reply.status {
                        200 => "OK",
                        204 => "No Content",
                        400 => "Bad Request",
                        401 => "Unauthorized",
                        429 => "Too Many Requests",
                        500 => "Internal Server Error",
                        _ => "Status",
                    };
                    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason);
                    if !reply.body.is_empty() {
                        out.push_str("Content-Type: application/json\r\n");
                    }
                    for (k, v) in &reply.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
                    let mut bytes = out.into_bytes();
                    bytes.extend_from_slice(&reply.body);
                    if sock.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    TestServer {
        base_url: format!("http://{addr}"),
        requests,
    }
}

/// A 127.0.0.1 port with nothing listening on it.
pub fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// The content of the first part of a `multipart/form-data` body (the `meta` JSON of an upload).
pub fn multipart_meta(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=")?;
    let start = format!("--{boundary}\r\n");
    let rest = body.strip_prefix(start.as_bytes())?;
    let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let content = &rest[head_end..];
    let end_marker = format!("\r\n--{boundary}");
    let end = content
        .windows(end_marker.len())
        .position(|w| w == end_marker.as_bytes())?;
    Some(content[..end].to_vec())
}

/// What a streaming test server sends: the declared `Content-Length` and the bytes actually sent (fewer
/// than declared = the connection is cut).
pub struct StreamReply {
    pub status: u16,
    pub content_length: u64,
    pub body: StreamBody,
}

pub enum StreamBody {
    /// Literal bytes.
    Bytes(Vec<u8>),
    /// `len` bytes of [`pattern_block`] content, generated on the fly, with the byte at `flip_at`
    /// inverted.
    Pattern { len: u64, flip_at: Option<u64> },
}

pub const PATTERN_BLOCK: usize = 1 << 20;

/// Block `index` of the pattern content: fixed pseudo-random bytes with the index in the first 8 bytes.
pub fn pattern_block(index: u64, out: &mut [u8]) {
    static BASE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let base = BASE.get_or_init(|| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..PATTERN_BLOCK)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    });
    out.copy_from_slice(base);
    out[..8].copy_from_slice(&index.to_le_bytes());
}

/// Calls `f` with the pattern content of length `len` (flipped at `flip_at`), one block at a time.
pub fn for_each_pattern_block(len: u64, flip_at: Option<u64>, mut f: impl FnMut(&[u8])) {
    let mut block = vec![0u8; PATTERN_BLOCK];
    let mut offset = 0u64;
    let mut index = 0u64;
    while offset < len {
        pattern_block(index, &mut block);
        let n = (len - offset).min(PATTERN_BLOCK as u64) as usize;
        if let Some(at) = flip_at {
            if at >= offset && at < offset + n as u64 {
                block[(at - offset) as usize] ^= 0xff;
            }
        }
        f(&block[..n]);
        offset += n as u64;
        index += 1;
    }
}

pub type StreamHandler = Arc<dyn Fn(&Recorded) -> StreamReply + Send + Sync>;

/// A server for download tests: checks the request signature like [`start`], then streams the reply
/// (one request per connection). Unsigned answers, as WeChat sends files.
pub async fn start_stream(keys: Keys, handler: StreamHandler) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<Vec<Recorded>>> = Arc::new(Mutex::new(Vec::new()));
    let reqs = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let keys = keys.clone();
            let handler = handler.clone();
            let reqs = reqs.clone();
            tokio::spawn(async move {
                let mut buf: Vec<u8> = Vec::new();
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
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let mut lines = head.split("\r\n");
                let mut first = lines.next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("").to_string();
                let target = first.next().unwrap_or("").to_string();
                let mut headers = HashMap::new();
                for l in lines {
                    if let Some((k, v)) = l.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let auth = headers.get("authorization").cloned().unwrap_or_default();
                let (auth_ok, nonce, signature) = check_auth(&keys, &method, &target, b"", &auth);
                let rec = Recorded {
                    method,
                    target,
                    headers,
                    body: Vec::new(),
                    auth_ok,
                    nonce,
                    signature,
                };
                reqs.lock().unwrap().push(rec.clone());
                let reply = if auth_ok {
                    handler(&rec)
                } else {
                    let body = br#"{"code":"SIGN_ERROR","message":"test server: bad Authorization signature"}"#;
                    StreamReply {
                        status: 401,
                        content_length: body.len() as u64,
                        body: StreamBody::Bytes(body.to_vec()),
                    }
                };
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: application/octet-stream\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                    reply.status, reply.content_length
                );
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                match reply.body {
                    StreamBody::Bytes(b) => {
                        let _ = sock.write_all(&b).await;
                    }
                    StreamBody::Pattern { len, flip_at } => {
                        let mut block = vec![0u8; PATTERN_BLOCK];
                        let mut offset = 0u64;
                        let mut index = 0u64;
                        while offset < len {
                            pattern_block(index, &mut block);
                            let n = (len - offset).min(PATTERN_BLOCK as u64) as usize;
                            if let Some(at) = flip_at {
                                if at >= offset && at < offset + n as u64 {
                                    block[(at - offset) as usize] ^= 0xff;
                                }
                            }
                            if sock.write_all(&block[..n]).await.is_err() {
                                return;
                            }
                            offset += n as u64;
                            index += 1;
                        }
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    TestServer {
        base_url: format!("http://{addr}"),
        requests,
    }
}

/// The key of a certificate PEM for the shared vectors: their clock (`now` = 2023-11) predates the
/// test certificate's validity (2026-11 to 2036-11), which verification enforces. The vectors check
/// signature math across implementations, so their certificates are loaded as the same public key under
/// the same serial; validity itself is tested against a local server (`tests/runtime_hardening.rs`).
pub fn vector_certificate_key(pem: &str) -> VerifyingKey {
    let cert = VerifyingKey::from_certificate_pem(pem).expect("certificate");
    VerifyingKey::from_public_key_der(cert.serial(), cert.spki_der()).expect("its key")
}
