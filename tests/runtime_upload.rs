//! Media uploads against a real local HTTP server: the signature covers the `meta` JSON exactly as sent,
//! and the body is a well-formed `multipart/form-data` with the meta part and the file bytes.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{Keys, Reply, MCHID, MERCHANT_SERIAL, PUB_KEY_ID};
use wechatpay_runtime::{Client, Error, Method, Request};

fn keys_or_skip() -> Option<Keys> {
    support::vectors_dir().map(|d| Keys::load(&d))
}

/// The parts of a multipart body: (headers, content) each.
fn parts(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let delim = format!("--{boundary}");
    let text = body.to_vec();
    let mut out = Vec::new();
    let mut positions = Vec::new();
    let d = delim.as_bytes();
    let mut i = 0;
    while i + d.len() <= text.len() {
        if &text[i..i + d.len()] == d {
            positions.push(i);
            i += d.len();
        } else {
            i += 1;
        }
    }
    for w in positions.windows(2) {
        let chunk = &text[w[0] + d.len()..w[1]];
        let chunk = chunk
            .strip_prefix(b"\r\n")
            .expect("CRLF after the boundary");
        let chunk = chunk
            .strip_suffix(b"\r\n")
            .expect("CRLF before the next boundary");
        let split = chunk
            .windows(4)
            .position(|x| x == b"\r\n\r\n")
            .expect("blank line after headers");
        out.push((
            String::from_utf8(chunk[..split].to_vec()).expect("ASCII headers"),
            chunk[split + 4..].to_vec(),
        ));
    }
    assert!(
        text.ends_with(format!("--{boundary}--\r\n").as_bytes()),
        "closing boundary"
    );
    out
}

#[tokio::test]
async fn upload_signs_the_meta_and_sends_the_file() {
    let Some(keys) = keys_or_skip() else { return };
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, r#"{"media_id":"M1"}"#, PUB_KEY_ID)),
    )
    .await;
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(&server.base_url)
        .backup_base_url(None)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let meta = r#"{"filename":"图 1.png","sha256":"abc"}"#;
    let file: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let answer: serde_json::Value = client
        .send(
            Request::new(Method::POST, "/v3/merchant/media/upload")
                .multipart("meta", meta, "file", "图 1.png", "image/png", file.clone())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer["media_id"], "M1");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    let ct = r.header("content-type").unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").expect(ct);
    let parts = parts(&r.body, boundary);
    assert_eq!(parts.len(), 2);
    assert!(
        parts[0].0.contains(r#"name="meta""#) && parts[0].0.contains("application/json"),
        "{}",
        parts[0].0
    );
    assert_eq!(parts[0].1, meta.as_bytes());
    assert!(
        parts[1].0.contains(r#"name="file"; filename="图 1.png""#),
        "{}",
        parts[1].0
    );
    assert!(parts[1].0.contains("Content-Type: image/png"));
    assert_eq!(parts[1].1, file);
    // The server's own check covers the whole body, which is not what WeChat signs for uploads; the
    // signature must verify over the meta JSON alone.
    let (ok, _, _) = support::check_auth(
        &keys,
        "POST",
        &r.target,
        meta.as_bytes(),
        r.header("authorization").unwrap(),
    );
    assert!(ok, "Authorization does not verify over the meta JSON");
    let (whole, _, _) = support::check_auth(
        &keys,
        "POST",
        &r.target,
        &r.body,
        r.header("authorization").unwrap(),
    );
    assert!(!whole, "the signature must not cover the multipart body");
}

#[test]
fn unsafe_file_names_are_rejected() {
    for name in ["a\"b.png", "a\r\nX: y", ""] {
        let err = Request::new(Method::POST, "/v3/merchant/media/upload")
            .multipart("meta", "{}", "file", name, "image/png", vec![1u8])
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
}

/// The file comes from an `AsyncRead` (here a real file opened with tokio) within a size limit; the
/// meta names its SHA-256; the signature still covers the meta JSON exactly as sent.
#[tokio::test]
async fn upload_from_a_reader_within_a_limit() {
    use wechatpay_runtime::{FileErrorKind, UploadFile};
    let Some(keys) = keys_or_skip() else { return };
    let k2 = keys.clone();
    let server = support::start(
        keys.clone(),
        Arc::new(move |_r, _| Reply::signed(&k2, 200, r#"{"media_id":"M2"}"#, PUB_KEY_ID)),
    )
    .await;
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys.merchant_private_pem)
        .wechatpay_public_key(PUB_KEY_ID, &keys.platform_public_pem)
        .base_url(&server.base_url)
        .backup_base_url(None)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let content: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let path = std::env::temp_dir().join(format!("wxpay-upload-{}.jpg", std::process::id()));
    std::fs::write(&path, &content).unwrap();

    let reader = tokio::fs::File::open(&path).await.unwrap();
    let file = UploadFile::from_reader(reader, 2 * 1024 * 1024)
        .await
        .unwrap();
    assert_eq!(file.len(), content.len());
    let sha = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &content);
    let sha: String = sha.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(file.sha256_hex(), sha);
    let meta = format!(r#"{{"filename":"a.jpg","sha256":"{}"}}"#, file.sha256_hex());
    let answer: serde_json::Value = client
        .send(
            Request::new(Method::POST, "/v3/merchant/media/upload")
                .multipart("meta", meta.clone(), "file", "a.jpg", "image/jpeg", file)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer["media_id"], "M2");
    let r = &server.requests()[0];
    assert!(
        r.auth_ok,
        "the server verified the signature over the meta part"
    );
    let boundary = r
        .header("content-type")
        .and_then(|ct| ct.strip_prefix("multipart/form-data; boundary="))
        .unwrap();
    let parts = parts(&r.body, boundary);
    assert_eq!(parts[0].1, meta.as_bytes());
    assert!(
        parts[1].1 == content,
        "the server received the exact file bytes"
    );

    // One byte over the limit: refused before anything is sent.
    let reader = tokio::fs::File::open(&path).await.unwrap();
    let e = UploadFile::from_reader(reader, content.len() as u64 - 1)
        .await
        .unwrap_err();
    match &e {
        Error::File(t) => assert_eq!(
            t.kind(),
            &FileErrorKind::TooLarge {
                limit: content.len() as u64 - 1
            }
        ),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("limit of 299999 bytes"), "{e}");
    assert_eq!(server.requests().len(), 1);
    std::fs::remove_file(&path).unwrap();
}
