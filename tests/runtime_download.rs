//! Streamed downloads against a real local HTTP server: hash check (SHA-256 and SHA-1, any hex case),
//! corrupted / truncated / cut answers rejected without leaving a file, gzip decompressed and hashed
//! over the decompressed bytes, `download_url` host checks, progress reports.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::digest;
use support::{Keys, StreamBody, StreamReply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay_runtime::{
    Client, DownloadOptions, Error, FileErrorKind, HashAlgorithm, Method, Progress, Request,
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256(b: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, b).as_ref())
}

fn content(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    support::for_each_pattern_block(len as u64, None, |b| out.extend_from_slice(b));
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn client(keys: &Keys, base_url: &str) -> Client {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(base_url)
        .backup_base_url(None)
        .timeout(Duration::from_secs(10))
        .max_retries(0)
        .build()
        .unwrap()
}

/// A fresh empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wxpay-dl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const LEN: usize = 3 * 1024 * 1024 + 12345;

/// Serves, by path: `/ok` the content, `/flipped` one byte flipped, `/short` the first half (with a
/// matching Content-Length), `/cut` the first half of a declared full length, `/gz` the gzip of the
/// content, `/gz-bad` that gzip with a byte flipped in its middle.
async fn server(keys: &Keys) -> support::TestServer {
    let data = Arc::new(content(LEN));
    let gz = Arc::new(gzip(&data));
    support::start_stream(
        keys.clone(),
        Arc::new(move |r| {
            let full = LEN as u64;
            let (content_length, body) = match r.path() {
                "/v3/billdownload/file" | "/ok" => (
                    full,
                    StreamBody::Pattern {
                        len: full,
                        flip_at: None,
                    },
                ),
                "/flipped" => (
                    full,
                    StreamBody::Pattern {
                        len: full,
                        flip_at: Some(full / 3),
                    },
                ),
                "/short" => (full / 2, StreamBody::Bytes(data[..LEN / 2].to_vec())),
                "/cut" => (full, StreamBody::Bytes(data[..LEN / 2].to_vec())),
                "/gz" => (gz.len() as u64, StreamBody::Bytes(gz.to_vec())),
                "/gz-bad" => {
                    let mut b = gz.to_vec();
                    let mid = b.len() / 2;
                    b[mid] ^= 0x55;
                    (b.len() as u64, StreamBody::Bytes(b))
                }
                _ => {
                    let b = br#"{"code":"NO_STATEMENT_EXIST","message":"no bill"}"#.to_vec();
                    return StreamReply {
                        status: 400,
                        content_length: b.len() as u64,
                        body: StreamBody::Bytes(b),
                    };
                }
            };
            StreamReply {
                status: 200,
                content_length,
                body,
            }
        }),
    )
    .await
}

fn file_kind(e: &Error) -> &FileErrorKind {
    match e {
        Error::File(t) => t.kind(),
        other => panic!("expected a transfer error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_to_writer_checks_the_hash_and_reports_progress() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let server = server(&keys).await;
    let client = client(&keys, &server.base_url);
    let data = content(LEN);
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let s2 = seen.clone();
    let mut out: Vec<u8> = Vec::new();
    let summary = client
        .download(
            Request::new(Method::GET, "/ok")
                .query("token", "a b")
                .unsigned_download(),
            &mut out,
            DownloadOptions::new()
                .hash(HashAlgorithm::Sha256, sha256(&data).to_uppercase())
                .progress(move |p| s2.lock().unwrap().push(p)),
        )
        .await
        .unwrap();
    assert!(out == data, "content differs");
    assert_eq!(summary.written, LEN as u64);
    assert_eq!(summary.received, LEN as u64);
    assert_eq!(summary.digest.as_deref(), Some(sha256(&data).as_str()));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first().map(|p| p.received), Some(0));
    assert_eq!(seen.last().map(|p| p.received), Some(LEN as u64));
    assert!(seen.iter().all(|p| p.total == Some(LEN as u64)));
    assert!(seen.windows(2).all(|w| w[0].received <= w[1].received));
    let reqs = server.requests();
    assert!(reqs[0].auth_ok, "the download request is signed");
    assert_eq!(reqs[0].target, "/ok?token=a%20b");

    // SHA-1 too.
    let sha1 = hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &data).as_ref());
    let mut sink = tokio::io::sink();
    let s = client
        .download(
            Request::new(Method::GET, "/ok").unsigned_download(),
            &mut sink,
            DownloadOptions::new().hash("SHA1".parse().unwrap(), &sha1),
        )
        .await
        .unwrap();
    assert_eq!(s.digest, Some(sha1));

    // An API error is an API error.
    let e = client
        .download(
            Request::new(Method::GET, "/missing").unsigned_download(),
            &mut tokio::io::sink(),
            DownloadOptions::new().danger_skip_hash_check(),
        )
        .await
        .unwrap_err();
    match e {
        Error::Api(a) => assert_eq!((a.status, a.code.as_str()), (400, "NO_STATEMENT_EXIST")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_to_path_renames_only_a_verified_file() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let server = server(&keys).await;
    let client = client(&keys, &server.base_url);
    let data = content(LEN);
    let want = sha256(&data);
    let tmp = temp_dir("path");
    let target = tmp.join("bill.csv");

    let s = client
        .download_to_path(
            Request::new(Method::GET, "/ok").unsigned_download(),
            &target,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, &want),
        )
        .await
        .unwrap();
    assert_eq!(s.written, LEN as u64);
    assert!(std::fs::read(&target).unwrap() == data);
    assert_eq!(entries(&tmp), ["bill.csv"]);
    std::fs::remove_file(&target).unwrap();

    // One flipped byte and a truncated file (complete HTTP answer, half the file): hash errors naming
    // expected and actual digests; nothing at the path, no temporary file left.
    for path in ["/flipped", "/short"] {
        let e = client
            .download_to_path(
                Request::new(Method::GET, path).unsigned_download(),
                &target,
                DownloadOptions::new().hash(HashAlgorithm::Sha256, &want),
            )
            .await
            .unwrap_err();
        match file_kind(&e) {
            FileErrorKind::HashMismatch {
                algorithm,
                expected,
                actual,
            } => {
                assert_eq!(*algorithm, HashAlgorithm::Sha256.as_str());
                assert_eq!(expected, &want);
                assert_ne!(actual, &want);
                assert_eq!(actual.len(), 64);
            }
            other => panic!("{path}: {other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.contains(&want) && msg.contains("SHA256"), "{msg}");
        assert!(entries(&tmp).is_empty(), "{path}: left {:?}", entries(&tmp));
    }

    // The connection is cut before the declared length: a transport error, and nothing left either.
    let e = client
        .download_to_path(
            Request::new(Method::GET, "/cut").unsigned_download(),
            &target,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, &want),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(entries(&tmp).is_empty(), "cut: left {:?}", entries(&tmp));

    // An existing file is replaced only by a verified download.
    std::fs::write(&target, b"old").unwrap();
    client
        .download_to_path(
            Request::new(Method::GET, "/flipped").unsigned_download(),
            &target,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, &want),
        )
        .await
        .unwrap_err();
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(entries(&tmp), ["bill.csv"]);

    // A bad expected hash is refused before anything is sent.
    let before = server.requests().len();
    let e = client
        .download_to_path(
            Request::new(Method::GET, "/ok").unsigned_download(),
            &target,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, "abc"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
    assert_eq!(server.requests().len(), before);
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_downloads_are_decompressed_and_hashed_after_decompression() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let server = server(&keys).await;
    let client = client(&keys, &server.base_url);
    let data = content(LEN);
    let gz = gzip(&data);
    let tmp = temp_dir("gz");
    let target = tmp.join("bill.csv");

    let s = client
        .download_to_path(
            Request::new(Method::GET, "/gz").unsigned_download(),
            &target,
            DownloadOptions::new()
                .gzip(true)
                .hash(HashAlgorithm::Sha256, sha256(&data)),
        )
        .await
        .unwrap();
    assert!(std::fs::read(&target).unwrap() == data);
    assert_eq!(s.received, gz.len() as u64);
    assert_eq!(s.written, LEN as u64);
    std::fs::remove_file(&target).unwrap();

    // The hash is over the decompressed bill: the digest of the gzip bytes does not match.
    let e = client
        .download_to_path(
            Request::new(Method::GET, "/gz").unsigned_download(),
            &target,
            DownloadOptions::new()
                .gzip(true)
                .hash(HashAlgorithm::Sha256, sha256(&gz)),
        )
        .await
        .unwrap_err();
    assert!(matches!(file_kind(&e), FileErrorKind::HashMismatch { .. }));
    assert!(entries(&tmp).is_empty());

    // Corrupt gzip data, and plain data announced as gzip: decompression errors, nothing left.
    for path in ["/gz-bad", "/ok"] {
        let e = client
            .download_to_path(
                Request::new(Method::GET, path).unsigned_download(),
                &target,
                DownloadOptions::new().gzip(true).danger_skip_hash_check(),
            )
            .await
            .unwrap_err();
        assert_eq!(file_kind(&e), &FileErrorKind::Decompress, "{path}: {e}");
        assert!(entries(&tmp).is_empty(), "{path}: left {:?}", entries(&tmp));
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_must_point_to_an_allowed_host() {
    let Some(dir) = support::vectors_dir() else {
        return;
    };
    let keys = Keys::load(&dir);
    let server = server(&keys).await;
    let client = client(&keys, &server.base_url);
    let url = format!(
        "{}/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv-is%2Bg&tartype=",
        server.base_url
    );
    let mut out = Vec::new();
    client
        .download(
            client.download_request(&url).unwrap(),
            &mut out,
            DownloadOptions::new().hash(HashAlgorithm::Sha256, sha256(&content(LEN))),
        )
        .await
        .unwrap();
    let reqs = server.requests();
    assert!(reqs[0].auth_ok, "signed over the path and query as given");
    assert_eq!(
        reqs[0].target,
        "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv-is%2Bg&tartype="
    );

    for bad in [
        "https://evil.example/v3/billdownload/file?token=x",
        "http://api.mch.weixin.qq.com/v3/billdownload/file?token=x",
        "https://api.mch.weixin.qq.com:8443/v3/billdownload/file?token=x",
        "https://user:pw@api.mch.weixin.qq.com/v3/billdownload/file?token=x",
        "/v3/billdownload/file?token=x",
        "ftp://api.mch.weixin.qq.com/x",
    ] {
        let e = client.download_request(bad).unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{bad}: {e:?}");
    }
    // A different port on the configured host is another origin.
    let other_port = support::closed_port_url();
    assert!(client
        .download_request(&format!("{other_port}/v3/billdownload/file?token=x"))
        .is_err());
    for good in [
        "https://api.mch.weixin.qq.com/v3/billdownload/file?token=x",
        "https://API2.mch.weixin.qq.com/v3/billdownload/file?token=x",
        "https://apihk.mch.weixin.qq.com:443/v3/billdownload/file?token=x",
    ] {
        let r = client.download_request(good).unwrap();
        assert_eq!(r.path_and_query().unwrap(), "/v3/billdownload/file?token=x");
    }
}
