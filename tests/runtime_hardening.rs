//! The client against a hostile or broken network, on a local HTTP server: certificate validity,
//! response size limits, dot-segment path parameters, download limits, the certificate-download gate,
//! verified error answers and notification decode errors that do not quote decrypted values.

mod support;

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wechatpay_runtime::{
    aead_aes_256_gcm_encrypt, Client, ClientBuilder, Clock, DownloadOptions, Error, FileErrorKind,
    HashAlgorithm, InvalidRequestKind, Method, Request,
};

macro_rules! keys {
    () => {
        match support::vectors_dir() {
            Some(d) => Keys::load(&d),
            None => return,
        }
    };
}

const ORDER: &str = r#"{"out_trade_no":"T1","trade_state":"SUCCESS","amount":{"total":100}}"#;

/// The local clock plus an adjustable offset, so a test can let minutes pass.
#[derive(Debug, Default)]
struct OffsetClock(AtomicI64);

impl OffsetClock {
    fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now_unix(&self) -> i64 {
        support::now() + self.0.load(Ordering::SeqCst)
    }
}

fn public_key_builder(keys: &Keys, base: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(base)
        .backup_base_url(None)
        .retry_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
}

fn certificate_builder(keys: &Keys, base: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .apiv3_key(&keys.apiv3_key)
        .base_url(base)
        .backup_base_url(None)
        .retry_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
}

// --- certificates with other serials and validity periods --------------------------------------

/// The test platform certificate (same key) with the last serial byte replaced and other validity
/// times (`YYMMDDhhmmssZ`). The issuer's signature no longer matches, which nothing checks: WeChat Pay
/// platform certificates are trusted by being downloaded over a verified channel, not by chain.
fn certificate(
    keys: &Keys,
    last_serial_byte: u8,
    not_before: &str,
    not_after: &str,
) -> (String, String) {
    let pem = &keys.platform_cert_pem;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = B64.decode(b64).unwrap();
    let serial = hex_bytes(PLATFORM_SERIAL);
    let at = find(&der, &serial).expect("serial in the certificate");
    der[at + serial.len() - 1] = last_serial_byte;
    for (old, new) in [("261123081058Z", not_before), ("361120081058Z", not_after)] {
        assert_eq!(new.len(), old.len());
        let at = find(&der, old.as_bytes()).expect("validity time in the certificate");
        der[at..at + old.len()].copy_from_slice(new.as_bytes());
    }
    let body = B64.encode(&der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    let mut serial_hex = PLATFORM_SERIAL[..PLATFORM_SERIAL.len() - 2].to_string();
    serial_hex.push_str(&format!("{last_serial_byte:02X}"));
    (out, serial_hex)
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A `GET /v3/certificates` answer body holding these certificates.
fn certificates_body(keys: &Keys, certs: &[(String, String)]) -> String {
    let data: Vec<serde_json::Value> = certs
        .iter()
        .map(|(pem, serial)| {
            let nonce = "a1b2c3d4e5f6";
            let ct = aead_aes_256_gcm_encrypt(
                keys.apiv3_key.as_bytes(),
                nonce.as_bytes(),
                b"certificate",
                pem.as_bytes(),
            )
            .unwrap();
            serde_json::json!({
                "serial_no": serial,
                "effective_time": "2020-01-01T00:00:00+08:00",
                "expire_time": "2040-01-01T00:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": B64.encode(ct),
                }
            })
        })
        .collect();
    serde_json::json!({ "data": data }).to_string()
}

#[tokio::test]
async fn certificates_outside_their_validity_do_not_verify_and_are_pruned() {
    let keys = keys!();
    let expired = certificate(&keys, 0x01, "200101000000Z", "210101000000Z");
    let not_yet = certificate(&keys, 0x02, "490101000000Z", "491231000000Z");
    let valid = certificate(&keys, 0x03, "200101000000Z", "491231000000Z");
    let k2 = keys.clone();
    let (e1, v3) = (expired.clone(), valid.clone());
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| match r.path() {
            "/v3/certificates" => Reply::signed(
                &k2,
                200,
                &certificates_body(&k2, &[e1.clone(), v3.clone()]),
                &v3.1,
            ),
            "/v3/by-expired" => Reply::signed(&k2, 200, ORDER, &e1.1),
            "/v3/by-not-yet-valid" => {
                Reply::signed(&k2, 200, ORDER, "570C6FD494133BFB88D2AE453436BB8B910F6902")
            }
            _ => Reply::signed(&k2, 200, ORDER, &v3.1),
        }),
    )
    .await;

    // Trusted certificates outside their validity period verify nothing.
    let client = certificate_builder(&keys, &server.base_url)
        .platform_certificate_pem(&expired.0)
        .platform_certificate_pem(&not_yet.0)
        .platform_certificate_pem(&valid.0)
        .build()
        .unwrap();
    for path in ["/v3/by-expired", "/v3/by-not-yet-valid"] {
        let e = client
            .send::<serde_json::Value>(Request::new(Method::GET, path))
            .await
            .unwrap_err();
        match &e {
            Error::Signature(s) => assert_eq!(s.code(), "certificate_not_valid", "{path}: {e}"),
            other => panic!("{path}: expected a signature error, got {other:?}"),
        }
    }
    client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/by-valid"))
        .await
        .unwrap();

    // A download skips expired certificates and prunes the expired one the store held.
    let client = certificate_builder(&keys, &server.base_url)
        .platform_certificate_pem(&expired.0)
        .auto_platform_certificates(true)
        .certificate_refresh_interval(None)
        .build()
        .unwrap();
    assert_eq!(client.refresh_platform_certificates().await.unwrap(), 1);
    assert_eq!(client.key_store().serials(), vec![valid.1.clone()]);
}

// --- response size limits --------------------------------------------------------------------------

/// A server that answers every connection with `head` and `body`, then keeps the connection open
/// (the rest of a declared body never comes). Counts connections.
async fn holding_server(head: String, body: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let (head, body) = (head.clone(), body.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    let mut chunk = [0u8; 4096];
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    (base, count)
}

#[tokio::test]
async fn answers_are_limited_in_size_and_unsigned_ones_are_rejected_before_the_body() {
    let keys = keys!();

    // A signed answer larger than the default limit (4 MiB), sent in full.
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(5 << 20));
    let k2 = keys.clone();
    let big2 = big.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| match r.path() {
            "/v3/big" => Reply::signed(&k2, 200, &big2, PUB_KEY_ID),
            _ => Reply::plain(
                400,
                &format!(
                    r#"{{"code":"PARAM_ERROR","message":"m","pad":"{}"}}"#,
                    "y".repeat(1 << 20)
                ),
            ),
        }),
    )
    .await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let e = client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/big"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Transport(_)) && e.to_string().contains("limit"),
        "{e:?}"
    );
    // A smaller configured limit.
    let small = public_key_builder(&keys, &server.base_url)
        .max_response_bytes(1000)
        .build()
        .unwrap();
    let e = small
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/big"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("limit of 1000 bytes"), "{e}");

    // An error answer keeps at most 64 KiB of its 1 MiB body.
    let e = client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/error"))
        .await
        .unwrap_err();
    match &e {
        Error::Api(a) => {
            assert_eq!(a.code, "PARAM_ERROR");
            assert!(a.body.len() <= 64 * 1024, "{} bytes kept", a.body.len());
        }
        other => panic!("expected an API error, got {other:?}"),
    }

    // Unsigned, declaring 256 MiB, sending 10 bytes and holding: rejected at once, body unread.
    let (base, _) = holding_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 268435456\r\n\r\n"
            .into(),
        b"{\"a\":\"aaaa".to_vec(),
    )
    .await;
    let client = public_key_builder(&keys, &base)
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .unwrap();
    let t = Instant::now();
    let e = client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/unsigned"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Signature(s) if s.code() == "missing_headers"),
        "{e:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    // Signed headers but a declared Content-Length over the limit: rejected before reading.
    let (base, _) = holding_server(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nWechatpay-Timestamp: {}\r\nWechatpay-Nonce: N\r\nWechatpay-Signature: AAAA\r\nWechatpay-Serial: {PUB_KEY_ID}\r\nContent-Length: 268435456\r\n\r\n",
            support::now()
        ),
        b"{\"a\":\"aaaa".to_vec(),
    )
    .await;
    let client = public_key_builder(&keys, &base)
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .unwrap();
    let t = Instant::now();
    let e = client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/huge"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Transport(t) if !t.is_timeout()) && e.to_string().contains("limit"),
        "{e:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

// --- path parameters -------------------------------------------------------------------------------

#[tokio::test]
async fn dot_segment_path_parameters_are_refused_before_sending() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| Reply::signed(&k2, 204, "", PUB_KEY_ID)),
    )
    .await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    for value in [".", "..", "%2e%2E", ".%2e", "%2E."] {
        let e = client
            .send_empty(
                Request::new(
                    Method::POST,
                    "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
                )
                .path_param("out_trade_no", value)
                .body(r#"{"mchid":"1900000001"}"#),
            )
            .await
            .unwrap_err();
        match &e {
            Error::InvalidRequest(e) => {
                assert_eq!(e.kind(), InvalidRequestKind::PathParameter, "{value}: {e}");
                assert!(e.message().contains("out_trade_no"), "{value}: {e}");
            }
            other => panic!("{value}: expected an invalid request, got {other:?}"),
        }
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// --- downloads -------------------------------------------------------------------------------------

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sha256(b: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b)
        .as_ref()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wxpay-hard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file_kind(e: &Error) -> &FileErrorKind {
    match e {
        Error::File(t) => t.kind(),
        other => panic!("expected a file error, got {other:?}"),
    }
}

const CONTENT: &[u8] = b"trade time,appid,mchid\n2019-06-11 12:00:00,wx1,1900000001\n";

/// Serves `/file` (the CSV), `/bomb` (gzip of 20 MiB of zeros) and `/big` (2 MiB), unsigned.
async fn file_server(keys: &Keys) -> support::TestServer {
    let bomb = Arc::new(gzip(&vec![0u8; 20 << 20]));
    support::start_stream(
        keys.clone(),
        Arc::new(move |r| {
            let body = match r.path() {
                "/bomb" => bomb.to_vec(),
                "/big" => vec![b'x'; 2 << 20],
                _ => CONTENT.to_vec(),
            };
            support::StreamReply {
                status: 200,
                content_length: body.len() as u64,
                body: support::StreamBody::Bytes(body),
            }
        }),
    )
    .await
}

#[tokio::test]
async fn downloads_need_a_hash_unless_skipped_by_name() {
    let keys = keys!();
    let server = file_server(&keys).await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let mut out = Vec::new();
    let e = client
        .download(
            Request::new(Method::GET, "/file").unsigned_download(),
            &mut out,
            DownloadOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidRequest(m) if m.kind() == InvalidRequestKind::Download && m.message().contains("hash")),
        "{e:?}"
    );
    assert!(server.requests().is_empty(), "nothing is sent");
    assert!(out.is_empty());
    client
        .download(
            Request::new(Method::GET, "/file").unsigned_download(),
            &mut out,
            DownloadOptions::new().danger_skip_hash_check(),
        )
        .await
        .unwrap();
    assert_eq!(out, CONTENT);
}

#[tokio::test]
async fn downloads_are_limited_in_size_and_gzip_ratio_and_leave_no_file() {
    let keys = keys!();
    let server = file_server(&keys).await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let dir = temp_dir("limits");
    let target = dir.join("bill.csv");
    // 20 MiB from ~20 KiB: far beyond 100:1.
    let e = client
        .download_to_path(
            Request::new(Method::GET, "/bomb").unsigned_download(),
            &target,
            DownloadOptions::new()
                .gzip(true)
                .hash(HashAlgorithm::Sha256, sha256(&vec![0u8; 20 << 20])),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(file_kind(&e), FileErrorKind::GzipRatio { limit: 100 }),
        "{e:?}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");
    // 2 MiB with a 1 MiB limit.
    let e = client
        .download_to_path(
            Request::new(Method::GET, "/big").unsigned_download(),
            &target,
            DownloadOptions::new()
                .hash(HashAlgorithm::Sha256, sha256(&vec![b'x'; 2 << 20]))
                .max_bytes(1 << 20),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(file_kind(&e), FileErrorKind::TooLarge { limit } if *limit == 1 << 20),
        "{e:?}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn only_unsigned_downloads_skip_verification() {
    let keys = keys!();
    let server = file_server(&keys).await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let mut out = Vec::new();
    // Not marked as an unsigned download: the unsigned answer is refused.
    let e = client
        .download(
            Request::new(Method::GET, "/file"),
            &mut out,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, sha256(CONTENT)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Signature(s) if s.code() == "missing_headers"),
        "{e:?}"
    );
    assert!(out.is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn downloaded_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let keys = keys!();
    let server = file_server(&keys).await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let dir = temp_dir("mode");
    let target = dir.join("bill.csv");
    client
        .download_to_path(
            Request::new(Method::GET, "/file").unsigned_download(),
            &target,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, sha256(CONTENT)),
        )
        .await
        .unwrap();
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let _ = std::fs::remove_dir_all(&dir);
}

// --- the certificate gate --------------------------------------------------------------------------

#[tokio::test]
async fn certificate_downloads_go_through_one_gate() {
    let keys = keys!();
    let downloads = Arc::new(AtomicUsize::new(0));
    let d = downloads.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                d.fetch_add(1, Ordering::SeqCst);
            }
            Reply::plain(500, r#"{"code":"SYSTEM_ERROR","message":"down"}"#)
        }),
    )
    .await;
    let client = certificate_builder(&keys, &server.base_url)
        .auto_platform_certificates(true)
        .max_retries(0)
        .build()
        .unwrap();
    for _ in 0..10 {
        assert!(client.encryption_key().await.is_err());
    }
    // Let a background refresh, if any was started, finish.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(downloads.load(Ordering::SeqCst), 1, "one download a minute");
    let last = client
        .last_certificate_error()
        .expect("the failure is kept");
    assert!(last.contains("SYSTEM_ERROR"), "{last}");
    // An explicit refresh is forced through the gate.
    assert!(client.refresh_platform_certificates().await.is_err());
    assert_eq!(downloads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_periodic_refresh_is_retried_a_minute_later() {
    let keys = keys!();
    let downloads = Arc::new(AtomicUsize::new(0));
    let d = downloads.clone();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                let n = d.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    return Reply::plain(500, r#"{"code":"SYSTEM_ERROR","message":"down"}"#);
                }
                let cert = (k2.platform_cert_pem.clone(), PLATFORM_SERIAL.to_string());
                return Reply::signed(&k2, 200, &certificates_body(&k2, &[cert]), PLATFORM_SERIAL);
            }
            Reply::signed(&k2, 200, ORDER, PLATFORM_SERIAL)
        }),
    )
    .await;
    let clock = Arc::new(OffsetClock::default());
    let client = certificate_builder(&keys, &server.base_url)
        .platform_certificate_pem(&keys.platform_cert_pem)
        .auto_platform_certificates(true)
        .max_retries(0)
        .clock(clock.clone())
        .build()
        .unwrap();
    let wait_for = |n: usize| {
        let downloads = downloads.clone();
        async move {
            for _ in 0..200 {
                if downloads.load(Ordering::SeqCst) >= n {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // And let the task record its outcome.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    wait_for(1).await;
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
    clock.advance(61);
    client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    wait_for(2).await;
    assert_eq!(
        downloads.load(Ordering::SeqCst),
        2,
        "retried after a minute, not 12 h"
    );
    assert!(
        client.last_certificate_error().is_none(),
        "cleared by the success"
    );
    // Then not again for the interval.
    clock.advance(120);
    client
        .send::<serde_json::Value>(Request::new(Method::GET, "/v3/order"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(downloads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refresh_interval_of_duration_max_does_not_wrap() {
    let keys = keys!();
    let downloads = Arc::new(AtomicUsize::new(0));
    let d = downloads.clone();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |r, _| {
            if r.path() == "/v3/certificates" {
                d.fetch_add(1, Ordering::SeqCst);
                let cert = (k2.platform_cert_pem.clone(), PLATFORM_SERIAL.to_string());
                return Reply::signed(&k2, 200, &certificates_body(&k2, &[cert]), PLATFORM_SERIAL);
            }
            Reply::signed(&k2, 200, ORDER, PLATFORM_SERIAL)
        }),
    )
    .await;
    let client = certificate_builder(&keys, &server.base_url)
        .platform_certificate_pem(&keys.platform_cert_pem)
        .auto_platform_certificates(true)
        .certificate_refresh_interval(Some(Duration::MAX))
        .build()
        .unwrap();
    for _ in 0..4 {
        client
            .send::<serde_json::Value>(Request::new(Method::GET, "/v3/order"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(
        downloads.load(Ordering::SeqCst),
        1,
        "one download, then never"
    );
}

// --- error answers ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_signed_error_answer_with_a_bad_signature_is_a_signature_error() {
    let keys = keys!();
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_, _| {
            let body = r#"{"code":"RATELIMIT_EXCEEDED","message":"slow down"}"#;
            // Signed over another body: forged or corrupted on the way.
            let mut headers = k2.sign_response(b"{}", PUB_KEY_ID);
            headers.push(("Retry-After".into(), "0".into()));
            Reply {
                status: 429,
                headers,
                body: body.as_bytes().to_vec(),
            }
        }),
    )
    .await;
    let client = public_key_builder(&keys, &server.base_url).build().unwrap();
    let e = client
        .send_empty(Request::new(Method::POST, "/v3/pay/transactions/jsapi").body("{}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Signature(s) if s.code() == "bad_signature"),
        "{e:?}"
    );
    assert_eq!(server.requests().len(), 1, "a forged 429 drives no retry");
}

// --- notifications ---------------------------------------------------------------------------------

#[tokio::test]
async fn notification_decode_errors_name_the_path_and_type_not_the_value() {
    let keys = keys!();
    let client = public_key_builder(&keys, "http://127.0.0.1:9")
        .build()
        .unwrap();
    let resource = r#"{"payer":{"phone":"13800138000 Zhang San"}}"#;
    let nonce = "0123456789ab";
    let ct = aead_aes_256_gcm_encrypt(
        keys.apiv3_key.as_bytes(),
        nonce.as_bytes(),
        b"transaction",
        resource.as_bytes(),
    )
    .unwrap();
    let body = serde_json::json!({
        "id": "EV-1", "create_time": "2025-01-01T00:00:00+08:00", "event_type": "TRANSACTION.SUCCESS",
        "resource_type": "encrypt-resource", "summary": "ok",
        "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": B64.encode(ct),
                     "associated_data": "transaction", "nonce": nonce, "original_type": "transaction"}
    })
    .to_string();
    let headers = keys.sign_response(body.as_bytes(), PUB_KEY_ID);
    let n = client
        .decode_notification(&headers, body.as_bytes())
        .unwrap();

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Payer {
        phone: u64,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Resource {
        payer: Payer,
    }
    let e = n.resource::<Resource>().unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("13800138000"), "{shown}");
    assert!(!shown.contains("Zhang"), "{shown}");
    match &e {
        Error::Decode(d) => {
            assert_eq!(d.path, "payer.phone");
            assert!(d.message.contains("expected u64"), "{}", d.message);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}
