//! APIv2 runtime: signatures against independent known answers (the docs' PHP sample and `openssl`),
//! hardened XML, typed FAIL answers, tampered answers, retries, mutual TLS against a local rustls
//! server that requires a client certificate, refund `req_info` round trips and bank-field RSA-OAEP
//! checked by `openssl pkeyutl`.

#[path = "support/missing.rs"]
mod missing;
#[path = "support/openssl.rs"]
mod openssl;
use openssl::openssl;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use wechatpay_runtime::v2::{
    self, decode_notification, parse_xml, sign, ApiV2Key, BankPublicKey, Client, Fields, Operation,
    Proof, SignType, XmlLimits,
};
use wechatpay_runtime::{
    ConfigErrorKind, DecodeErrorKind, Error, SignatureErrorKind, V2ResultErrorKind,
};

/// The key of the docs' signing sample (guide/digital-signature.md).
const DOC_KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// `openssl dgst` output (`… = hex`) → upper-case hex.
fn dgst_hex(out: &[u8]) -> String {
    let s = String::from_utf8(out.to_vec()).unwrap();
    s.rsplit(' ').next().unwrap().trim().to_ascii_uppercase()
}

/// The string to sign, built here independently of the runtime: non-empty fields but `sign`, sorted
/// by name, `k=v` joined with `&`, then `&key=KEY`.
fn string_to_sign(fields: &[(&str, &str)], key: &str) -> String {
    let mut kv: Vec<_> = fields
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    kv.sort();
    let mut s: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
    s.push(format!("key={key}"));
    s.join("&")
}

fn openssl_sign(fields: &[(&str, &str)], key: &str, st: SignType) -> Option<String> {
    let msg = string_to_sign(fields, key);
    let out = match st {
        SignType::Md5 => openssl(&["dgst", "-md5"], msg.as_bytes())?,
        SignType::HmacSha256 => openssl(&["dgst", "-sha256", "-hmac", key], msg.as_bytes())?,
    };
    Some(dgst_hex(&out))
}

#[test]
fn docs_sample_signatures() {
    // guide/digital-signature.md: the PHP sample's field set, key and the two sample values it gives.
    let key = ApiV2Key::new(DOC_KEY).unwrap();
    let fields = [
        ("appid", "wxd930ea5d5a258f4f"),
        ("mch_id", "10000100"),
        ("device_info", "1000"),
        ("body", "test"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
    ];
    assert_eq!(
        sign(fields, &key, SignType::Md5),
        "9A0A8659F005D6984697E2CA0A9CF3B7"
    );
    assert_eq!(
        sign(fields, &key, SignType::HmacSha256),
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
}

#[test]
fn signatures_match_openssl() {
    let key_text = "0123456789abcdefghijklmnopqrstuv";
    let key = ApiV2Key::new(key_text).unwrap();
    let fields = [
        ("total_fee", "888"),
        ("body", "Image形象店-深圳腾大- QQ公仔"),
        ("empty", ""),
        ("attach", "a&b=c"),
        ("Zeta", "upper-case names sort first"),
        ("sign_type", "HMAC-SHA256"),
        (
            "detail",
            r#"{"goods_detail":[{"goods_id":"1","quantity":1}]}"#,
        ),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
    ];
    for st in [SignType::Md5, SignType::HmacSha256] {
        let Some(expected) = openssl_sign(&fields, key_text, st) else {
            return;
        };
        assert_eq!(sign(fields, &key, st), expected, "{st}");
        assert!(v2::verify_sign(fields, &key, st, &expected));
        assert!(!v2::verify_sign(
            [("total_fee", "889")]
                .into_iter()
                .chain(fields.into_iter().skip(1)),
            &key,
            st,
            &expected
        ));
    }
}

#[test]
fn key_checks_length_and_is_redacted() {
    let e = ApiV2Key::new("short").unwrap_err();
    assert!(matches!(e, Error::Config(ref c) if c.kind() == ConfigErrorKind::ApiV2KeyLength));
    let k = ApiV2Key::new(DOC_KEY).unwrap();
    assert_eq!(format!("{k:?}"), "<redacted>");
    let c = Client::builder().apiv2_key(DOC_KEY).build().unwrap();
    assert!(!format!("{c:?}").contains(DOC_KEY));
}

fn xml_rejected(xml: &str, limits: &XmlLimits) -> String {
    match parse_xml(xml.as_bytes(), limits, 200) {
        Err(Error::Decode(d)) if d.kind() == DecodeErrorKind::Xml => d.message,
        other => panic!("not rejected as XML: {other:?} for {xml}"),
    }
}

#[test]
fn xml_bombs_and_entity_tricks_are_rejected() {
    let l = XmlLimits::default();
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><a>&lol2;</a></xml>"#;
    assert!(xml_rejected(laughs, &l).contains("DOCTYPE"));
    let xxe =
        r#"<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>"#;
    assert!(xml_rejected(xxe, &l).contains("DOCTYPE"));
    // An entity reference without a declaration is not expanded either.
    assert!(xml_rejected("<xml><a>&xxe;</a></xml>", &l).contains("entity"));
    let deep = format!("<xml>{}{}</xml>", "<a>".repeat(50), "</a>".repeat(50));
    assert!(xml_rejected(&deep, &l).contains("deeper"));
    let big = format!("<xml><a>{}</a></xml>", "x".repeat(l.max_bytes));
    assert!(xml_rejected(&big, &l).contains("limit"));
    let many = format!("<xml>{}</xml>", "<a>1</a>".repeat(l.max_fields + 1));
    assert!(xml_rejected(&many, &l).contains("fields"));
    xml_rejected("<xml><a>1</b></xml>", &l);
    xml_rejected("<xml><a>1</a>", &l);
    xml_rejected("<xml/><xml/>", &l);
    // The five predefined entities and character references are fine.
    let ok = parse_xml(
        b"<xml><a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</a><b><![CDATA[<x>]]></b></xml>",
        &l,
        200,
    )
    .unwrap();
    assert_eq!(ok.get("a"), Some("<>&'\"AB"));
    assert_eq!(ok.get("b"), Some("<x>"));
}

// ------------------------------------------------------------------------------------------------
// A small HTTP/1.1 server on 127.0.0.1.

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

type Handler = Arc<dyn Fn(&Seen) -> Option<(u16, String)> + Send + Sync>;

async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    handler: &Handler,
    seen: &Mutex<Vec<Seen>>,
) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        match s.read(&mut tmp).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let mut len = 0usize;
    let mut content_type = String::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            if k.eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_string();
            }
        }
    }
    while buf.len() < head_end + len {
        match s.read(&mut tmp).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    }
    let r = Seen {
        method,
        path,
        content_type,
        body: String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string(),
    };
    seen.lock().unwrap().push(r.clone());
    let Some((status, body)) = handler(&r) else {
        return; // drop the connection without an answer
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(resp.as_bytes()).await;
    let _ = s.shutdown().await;
}

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn start(handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let h = handler.clone();
            let s = s2.clone();
            tokio::spawn(async move { serve_one(sock, &h, &s).await });
        }
    });
    Server { url, seen }
}

/// An answer signed here with openssl (independently of the runtime), as XML with CDATA.
fn signed_answer(fields: &[(&str, &str)], key: &str, st: SignType) -> Option<String> {
    let s = openssl_sign(fields, key, st)?;
    let mut xml = String::from("<xml>");
    for (k, v) in fields.iter().chain([("sign", s.as_str())].iter()) {
        xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    xml.push_str("</xml>");
    Some(xml)
}

const KEY: &str = "0123456789abcdefghijklmnopqrstuv";

fn client(url: &str) -> Client {
    Client::builder()
        .apiv2_key(KEY)
        .base_url(url)
        .backup_base_url(None)
        .retry_backoff(std::time::Duration::from_millis(1))
        .build()
        .unwrap()
}

const MICROPAY: Operation<'static> = Operation::post("/v2/pay/micropay", "/pay/micropay");

fn micropay_request(sign_type: Option<&str>) -> Fields {
    let mut f = Fields::new();
    f.set("appid", "wx2421b1c4370ec43b");
    f.set("mch_id", "10000100");
    f.set("body", "micropay test");
    f.set("out_trade_no", "1415757673");
    f.set("total_fee", "1");
    f.set("spbill_create_ip", "14.17.22.52");
    f.set("auth_code", "120061098828009406");
    if let Some(st) = sign_type {
        f.set("sign_type", st);
    }
    f
}

/// The request's fields, and whether its `sign` matches an openssl-computed one.
fn check_request(seen: &Seen, st: SignType) -> (Fields, bool) {
    let f = parse_xml(seen.body.as_bytes(), &XmlLimits::default(), 0).unwrap();
    let pairs: Vec<(&str, &str)> = f.iter().collect();
    let expected = openssl_sign(&pairs, KEY, st).unwrap_or_default();
    let ok = f.get("sign") == Some(expected.as_str());
    (f, ok)
}

#[tokio::test]
async fn micropay_success_fail_and_tampered() {
    if openssl(&["version"], b"").is_none() {
        return;
    }
    let mode = Arc::new(Mutex::new("ok"));
    let m2 = mode.clone();
    let server = start(Arc::new(move |seen: &Seen| {
        let (req, sign_ok) = check_request(
            seen,
            SignType::parse(
                parse_xml(seen.body.as_bytes(), &XmlLimits::default(), 0)
                    .unwrap()
                    .get("sign_type")
                    .unwrap_or("MD5"),
            )
            .unwrap(),
        );
        if !sign_ok {
            return Some((200, "<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>".into()));
        }
        let st = SignType::parse(req.get("sign_type").unwrap_or("MD5")).unwrap();
        let ok = [
            ("return_code", "SUCCESS"),
            ("return_msg", "OK"),
            ("appid", "wx2421b1c4370ec43b"),
            ("mch_id", "10000100"),
            ("nonce_str", "o5bAKF3o2ypC8hwa"),
            ("result_code", "SUCCESS"),
            ("openid", "oUpF8uN95-Ptaags6E_roPHg7AG0"),
            ("trade_type", "MICROPAY"),
            ("total_fee", "1"),
            ("transaction_id", "1008450740201411110005820873"),
            ("out_trade_no", "1415757673"),
            ("time_end", "20141111170043"),
        ];
        let answer = match *m2.lock().unwrap() {
            "ok" => signed_answer(&ok, KEY, st).unwrap(),
            "tampered" => signed_answer(&ok, KEY, st)
                .unwrap()
                .replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[100]]>"),
            "fail" => signed_answer(
                &[
                    ("return_code", "SUCCESS"),
                    ("result_code", "FAIL"),
                    ("err_code", "USERPAYING"),
                    ("err_code_des", "需要用户输入支付密码"),
                    ("nonce_str", "x"),
                ],
                KEY,
                st,
            )
            .unwrap(),
            _ => "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[参数格式校验错误]]></return_msg></xml>".into(),
        };
        Some((200, answer))
    }))
    .await;
    let c = client(&server.url);

    // MD5 (no sign_type) and HMAC-SHA256 (sign_type) requests, signed answers verified.
    for st in [None, Some("HMAC-SHA256")] {
        let r = c.call(&MICROPAY, micropay_request(st)).await.unwrap();
        assert_eq!(
            r.fields.get("transaction_id"),
            Some("1008450740201411110005820873")
        );
        assert_eq!(
            r.verified,
            Some(if st.is_some() {
                SignType::HmacSha256
            } else {
                SignType::Md5
            })
        );
    }
    {
        let seen = server.seen.lock().unwrap();
        assert_eq!(seen[0].method, "POST");
        assert_eq!(
            seen[0].path, "/pay/micropay",
            "the documented /v2 prefix is not sent"
        );
        assert!(seen[0].content_type.starts_with("text/xml"));
        assert!(seen[0].body.starts_with("<xml>") && seen[0].body.contains("<![CDATA["));
        let f = parse_xml(seen[0].body.as_bytes(), &XmlLimits::default(), 0).unwrap();
        assert_eq!(f.get("nonce_str").map(str::len), Some(32));
    }

    *mode.lock().unwrap() = "tampered";
    match c.call(&MICROPAY, micropay_request(None)).await {
        Err(Error::Signature(s)) => assert_eq!(*s.kind(), SignatureErrorKind::V2BadSign),
        other => panic!("tampered answer accepted: {other:?}"),
    }
    // The loud opt-out accepts it.
    let lax = Client::builder()
        .apiv2_key(KEY)
        .base_url(&server.url)
        .backup_base_url(None)
        .danger_disable_response_verification()
        .build()
        .unwrap();
    let r = lax.call(&MICROPAY, micropay_request(None)).await.unwrap();
    assert_eq!(r.fields.get("total_fee"), Some("100"));
    assert_eq!(r.verified, None);

    *mode.lock().unwrap() = "fail";
    match c.call(&MICROPAY, micropay_request(None)).await {
        Err(Error::V2Result(e)) => {
            assert_eq!(e.kind(), V2ResultErrorKind::Result);
            assert_eq!(e.err_code.as_deref(), Some("USERPAYING"));
            assert_eq!(e.err_code_des.as_deref(), Some("需要用户输入支付密码"));
            assert!(e.is_user_paying());
            assert!(
                e.raw_xml.contains("<sign><redacted></sign>"),
                "{}",
                e.raw_xml
            );
            assert!(e.raw_xml.contains("USERPAYING"));
        }
        other => panic!("FAIL not typed: {other:?}"),
    }
    *mode.lock().unwrap() = "return_fail";
    match c.call(&MICROPAY, micropay_request(None)).await {
        Err(Error::V2Result(e)) => {
            assert_eq!(e.kind(), V2ResultErrorKind::Return);
            assert_eq!(e.return_msg.as_deref(), Some("参数格式校验错误"));
        }
        other => panic!("FAIL not typed: {other:?}"),
    }
    // A request signed with the wrong key is refused by the server (it checks with openssl).
    let wrong = Client::builder()
        .apiv2_key("vutsrqponmlkjihgfedcba9876543210")
        .base_url(&server.url)
        .backup_base_url(None)
        .build()
        .unwrap();
    match wrong.call(&MICROPAY, micropay_request(None)).await {
        Err(Error::V2Result(e)) => assert_eq!(e.return_msg.as_deref(), Some("签名错误")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn post_that_may_have_arrived_is_not_resent() {
    let server = start(Arc::new(|_: &Seen| None)).await;
    let c = client(&server.url);
    let e = c.call(&MICROPAY, micropay_request(None)).await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(
        server.seen.lock().unwrap().len(),
        1,
        "a POST that may have arrived is never re-sent"
    );

    let server = start(Arc::new(|_: &Seen| Some((503, "busy".into())))).await;
    let c = client(&server.url);
    let e = c.call(&MICROPAY, micropay_request(None)).await.unwrap_err();
    assert!(matches!(e, Error::Api(ref a) if a.status == 503), "{e:?}");
    assert_eq!(server.seen.lock().unwrap().len(), 1);

    // 429: retried (bounded by max_retries = 2).
    let server = start(Arc::new(|_: &Seen| Some((429, "slow down".into())))).await;
    let c = client(&server.url);
    c.call(&MICROPAY, micropay_request(None)).await.unwrap_err();
    assert_eq!(server.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn security_operation_without_certificate_names_the_operation() {
    let server = start(Arc::new(|_: &Seen| Some((200, "<xml/>".into())))).await;
    let c = client(&server.url);
    let mut op = Operation::post("/v2/secapi/pay/refund", "/secapi/pay/refund");
    op.security = true;
    match c.call(&op, Fields::new()).await {
        Err(Error::Config(e)) => {
            assert_eq!(e.kind(), ConfigErrorKind::ClientCertificate);
            assert!(e.message.contains("/v2/secapi/pay/refund"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(server.seen.lock().unwrap().is_empty(), "nothing was sent");
}

// ------------------------------------------------------------------------------------------------
// Mutual TLS.

struct Pki {
    ca_pem: String,
    server: (String, String),
    client: (String, String),
    stranger: (String, String),
    ca_der: Vec<u8>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |names: Vec<String>, issuer: &Issuer<'_, KeyPair>| {
        let k = KeyPair::generate().unwrap();
        let c = CertificateParams::new(names)
            .unwrap()
            .signed_by(&k, issuer)
            .unwrap();
        (c.pem(), k.serialize_pem())
    };
    let server = leaf(vec!["localhost".into()], &issuer);
    let client = leaf(vec!["1900000109".into()], &issuer);
    // A client certificate from another CA.
    let other_key = KeyPair::generate().unwrap();
    let mut other_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    other_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other_issuer = Issuer::new(other_params, other_key);
    let stranger = leaf(vec!["1900000109".into()], &other_issuer);
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().to_vec(),
        server,
        client,
        stranger,
    }
}

async fn start_mtls(pki: &Pki, handler: Handler) -> (String, Arc<Mutex<Vec<Seen>>>) {
    use rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(pki.ca_der.clone()))
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs =
        vec![rustls::pki_types::CertificateDer::from_pem_slice(pki.server.0.as_bytes()).unwrap()];
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(pki.server.1.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let h = handler.clone();
            let s = s2.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    serve_one(tls, &h, &s).await;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn mutual_tls_with_the_merchant_certificate() {
    let Some(_) = openssl(&["version"], b"") else {
        return;
    };
    let pki = pki();
    let handler: Handler = Arc::new(|seen: &Seen| {
        let (_, ok) = check_request(seen, SignType::Md5);
        assert!(ok, "request sign");
        Some((
            200,
            signed_answer(
                &[
                    ("return_code", "SUCCESS"),
                    ("result_code", "SUCCESS"),
                    ("refund_id", "50000408942018111907145868882"),
                    ("out_refund_no", "1217752501201407033233368018"),
                    ("refund_fee", "1"),
                ],
                KEY,
                SignType::Md5,
            )
            .unwrap(),
        ))
    });
    let (url, seen) = start_mtls(&pki, handler).await;
    let mut op = Operation::post("/v2/secapi/pay/refund", "/secapi/pay/refund");
    op.security = true;
    let mut f = Fields::new();
    f.set("appid", "wx2421b1c4370ec43b");
    f.set("mch_id", "10000100");
    f.set("out_trade_no", "1415757673");
    f.set("out_refund_no", "1217752501201407033233368018");
    f.set("total_fee", "1");
    f.set("refund_fee", "1");

    let with_cert = Client::builder()
        .apiv2_key(KEY)
        .base_url(&url)
        .backup_base_url(None)
        .add_root_certificate_pem(pki.ca_pem.as_bytes())
        .client_certificate_pem(pki.client.0.as_bytes(), pki.client.1.as_bytes())
        .max_retries(0)
        .build()
        .unwrap();
    assert!(with_cert.has_client_certificate());
    let r = with_cert.call(&op, f.clone()).await.unwrap();
    assert_eq!(
        r.fields.get("refund_id"),
        Some("50000408942018111907145868882")
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(seen.lock().unwrap()[0].path, "/secapi/pay/refund");

    // A certificate the server does not trust: the handshake fails, nothing is served.
    let stranger = Client::builder()
        .apiv2_key(KEY)
        .base_url(&url)
        .backup_base_url(None)
        .add_root_certificate_pem(pki.ca_pem.as_bytes())
        .client_certificate_pem(pki.stranger.0.as_bytes(), pki.stranger.1.as_bytes())
        .max_retries(0)
        .build()
        .unwrap();
    let e = stranger.call(&op, f.clone()).await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    // The same server reached without a client certificate (a non-security operation's client).
    let mut plain_op = op.clone();
    plain_op.security = false;
    let e = stranger.call(&plain_op, f).await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "only the trusted client was served"
    );

    // A bad PEM pair is a configuration error.
    let e = Client::builder()
        .apiv2_key(KEY)
        .client_certificate_pem(b"not a cert", b"not a key")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(ref c) if c.kind() == ConfigErrorKind::ClientCertificate));
}

// ------------------------------------------------------------------------------------------------
// Notifications.

#[test]
fn refund_notification_req_info_round_trip() {
    let key_text = KEY;
    let key = ApiV2Key::new(key_text).unwrap();
    let inner = "<root><out_refund_no><![CDATA[131811191610442717309]]></out_refund_no><out_trade_no><![CDATA[71106718111915575302817]]></out_trade_no><refund_fee><![CDATA[3960]]></refund_fee><refund_status><![CDATA[SUCCESS]]></refund_status></root>";
    // Encrypted independently: AES-256-ECB with the lower-case hex MD5 of the key as the 32-byte key.
    let Some(md5) = openssl(&["dgst", "-md5"], key_text.as_bytes()) else {
        return;
    };
    let md5_hex = dgst_hex(&md5).to_ascii_lowercase();
    let aes_key_hex: String = md5_hex.bytes().map(|b| format!("{b:02x}")).collect();
    let ct = openssl(
        &["enc", "-aes-256-ecb", "-K", &aes_key_hex, "-base64", "-A"],
        inner.as_bytes(),
    )
    .unwrap();
    let ct = String::from_utf8(ct).unwrap();
    let body = format!(
        "<xml><return_code>SUCCESS</return_code><appid><![CDATA[wx2421b1c4370ec43b]]></appid><mch_id><![CDATA[10000100]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str><req_info><![CDATA[{}]]></req_info></xml>",
        ct.trim()
    );
    let n = decode_notification(body.as_bytes(), &key, &XmlLimits::default()).unwrap();
    assert_eq!(n.proof, Proof::ReqInfo);
    let r = n.req_info.as_ref().unwrap();
    assert_eq!(r.get("refund_fee"), Some("3960"));
    assert_eq!(r.get("refund_status"), Some("SUCCESS"));
    let json = n.to_json();
    assert_eq!(json["req_info"]["out_refund_no"], "131811191610442717309");
    assert_eq!(json["mch_id"], "10000100");
    // The runtime's encryption gives what openssl gives.
    assert_eq!(v2::encrypt_req_info(&key, inner.as_bytes()), ct.trim());
    // JSON form of the same notification.
    let as_json = serde_json::json!({"return_code":"SUCCESS","req_info": ct.trim()}).to_string();
    let nj = decode_notification(as_json.as_bytes(), &key, &XmlLimits::default()).unwrap();
    assert_eq!(nj.req_info, n.req_info);

    // Another key, a flipped ciphertext, or no req_info and no sign: rejected.
    let other = ApiV2Key::new("vutsrqponmlkjihgfedcba9876543210").unwrap();
    assert!(decode_notification(body.as_bytes(), &other, &XmlLimits::default()).is_err());
    let mut flipped = ct.trim().to_string();
    let c0 = if flipped.starts_with('A') { "B" } else { "A" };
    flipped.replace_range(0..1, c0);
    let tampered = body.replace(ct.trim(), &flipped);
    assert!(decode_notification(tampered.as_bytes(), &key, &XmlLimits::default()).is_err());
    let bare = b"<xml><return_code>SUCCESS</return_code><out_trade_no>1</out_trade_no></xml>";
    match decode_notification(bare, &key, &XmlLimits::default()) {
        Err(Error::Signature(s)) => assert_eq!(*s.kind(), SignatureErrorKind::V2SignMissing),
        other => panic!("{other:?}"),
    }
}

#[test]
fn signed_notification_verified_and_tamper_rejected() {
    let fields = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("out_trade_no", "1409811653"),
        ("total_fee", "1"),
        ("transaction_id", "1004400740201409030005092168"),
    ];
    let Some(xml) = signed_answer(&fields, KEY, SignType::HmacSha256) else {
        return;
    };
    let key = ApiV2Key::new(KEY).unwrap();
    let n = decode_notification(xml.as_bytes(), &key, &XmlLimits::default()).unwrap();
    assert_eq!(n.proof, Proof::Sign(SignType::HmacSha256));
    assert!(n.is_success());
    let bad = xml.replace("1409811653", "1409811654");
    match decode_notification(bad.as_bytes(), &key, &XmlLimits::default()) {
        Err(Error::Signature(s)) => assert_eq!(*s.kind(), SignatureErrorKind::V2BadSign),
        other => panic!("{other:?}"),
    }
    let bomb = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{xml}");
    assert!(matches!(
        decode_notification(bomb.as_bytes(), &key, &XmlLimits::default()),
        Err(Error::Decode(ref d)) if d.kind() == DecodeErrorKind::Xml
    ));
    assert!(v2::SUCCESS_REPLY.contains("<return_code><![CDATA[SUCCESS]]></return_code>"));
    assert!(v2::failure_reply("x]]>y").contains("FAIL"));
    assert!(!v2::failure_reply("x]]>y").contains("x]]>y"));
}

#[test]
fn bank_fields_rsa_oaep_decrypt_with_openssl() {
    let dir = std::env::temp_dir().join(format!("wechatpay-v2-bank-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("k.pem");
    let Some(_) = openssl(&["genrsa", "-out", key_path.to_str().unwrap(), "2048"], b"") else {
        return;
    };
    // PKCS#1 `RSA PUBLIC KEY`, the form getpublickey returns.
    let pub_pem = openssl(
        &[
            "rsa",
            "-in",
            key_path.to_str().unwrap(),
            "-RSAPublicKey_out",
        ],
        b"",
    )
    .unwrap();
    let pub_pem = String::from_utf8(pub_pem).unwrap();
    assert!(pub_pem.contains("BEGIN RSA PUBLIC KEY"));
    let k = BankPublicKey::from_pem(&pub_pem).unwrap();
    let b64 = k.encrypt("6225880137322316").unwrap();
    let ct = base64_decode(&b64);
    let ct_path = dir.join("ct.bin");
    std::fs::write(&ct_path, ct).unwrap();
    let pt = openssl(
        &[
            "pkeyutl",
            "-decrypt",
            "-inkey",
            key_path.to_str().unwrap(),
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha1",
            "-in",
            ct_path.to_str().unwrap(),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(pt, b"6225880137322316");
    // The SubjectPublicKeyInfo form works too; garbage does not.
    let spki = openssl(&["rsa", "-in", key_path.to_str().unwrap(), "-pubout"], b"").unwrap();
    BankPublicKey::from_pem(std::str::from_utf8(&spki).unwrap()).unwrap();
    assert!(BankPublicKey::from_pem(
        "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----"
    )
    .is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn json_entry_points() {
    let Some(answer) = signed_answer(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("code_url", "weixin://x"),
        ],
        KEY,
        SignType::Md5,
    ) else {
        return;
    };
    let server = start(Arc::new(move |_: &Seen| Some((200, answer.clone())))).await;
    let c = client(&server.url);
    let op = Operation::from_documented(wechatpay_runtime::Method::POST, "/v2/pay/unifiedorder");
    assert_eq!(op.path, "/pay/unifiedorder");
    let out = v2::call_json(
        &c,
        &op,
        &serde_json::json!({"appid": "wx1", "total_fee": 1, "detail": {"goods_detail": [{"goods_id": "a"}]}, "attach": null}),
    )
    .await
    .unwrap();
    assert_eq!(out["code_url"], "weixin://x");
    let seen = server.seen.lock().unwrap();
    let f = parse_xml(seen[0].body.as_bytes(), &XmlLimits::default(), 0).unwrap();
    assert_eq!(f.get("total_fee"), Some("1"));
    assert_eq!(
        f.get("detail"),
        Some(r#"{"goods_detail":[{"goods_id":"a"}]}"#)
    );
    assert_eq!(f.get("attach"), None);
}

/// The v2 client shares the v3 transport: a host that refuses connections (the request never left)
/// fails over to the backup host, for a `POST` too.
#[tokio::test]
async fn refused_connection_fails_over_to_the_backup_host() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let fail = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[reached]]></return_msg></xml>";
    let backup = start(Arc::new(move |_: &Seen| Some((200, fail.to_string())))).await;
    let c = Client::builder()
        .apiv2_key(KEY)
        .base_url(&closed)
        .backup_base_url(Some(backup.url.clone()))
        .retry_backoff(std::time::Duration::from_millis(1))
        .build()
        .unwrap();
    let e = c.call(&MICROPAY, micropay_request(None)).await.unwrap_err();
    assert!(
        matches!(e, Error::V2Result(ref r) if r.to_string().contains("reached")),
        "{e:?}"
    );
    assert_eq!(
        backup.seen.lock().unwrap().len(),
        1,
        "sent once, to the backup"
    );
}

/// The form parts of a multipart body (name → (file name, content)), parsed here independently.
fn form_parts(content_type: &str, body: &[u8]) -> Vec<(String, Option<String>, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a multipart content type names its boundary");
    let delim = format!("--{boundary}");
    let text = body.to_vec();
    let mut parts = Vec::new();
    let mut rest: &[u8] = &text;
    while let Some(at) = rest
        .windows(delim.len())
        .position(|w| w == delim.as_bytes())
    {
        rest = &rest[at + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_part = &rest[2..]; // CRLF after the delimiter
        let head_end = rest_part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("part head");
        let head = String::from_utf8_lossy(&rest_part[..head_end]).to_string();
        let content_start = head_end + 4;
        let next = rest_part[content_start..]
            .windows(delim.len() + 2)
            .position(|w| w == format!("\r\n{delim}").as_bytes())
            .expect("next delimiter");
        let content = rest_part[content_start..content_start + next].to_vec();
        let attr = |name: &str| {
            head.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        parts.push((attr(" name").unwrap_or_default(), attr("filename"), content));
        rest = &rest_part[content_start + next..];
    }
    parts
}

/// `POST /v2/secapi/mch/uploadmedia`: the form fields and the file's lowercase MD5 (`media_hash`) are
/// signed without `nonce_str`, the file is not; checked with `openssl` over a form parsed here.
#[tokio::test]
async fn multipart_upload_signs_the_form_and_the_file_hash() {
    if openssl(&["version"], b"").is_none() {
        return;
    }
    let file: &[u8] = b"\x89PNG\r\n\x1a\n not really an image \xff\x00";
    let md5_hex = dgst_hex(&openssl(&["dgst", "-md5"], file).unwrap()).to_ascii_lowercase();
    let answer = signed_answer(
        &[
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("mch_id", "1230000109"),
            ("media_id", "H1ihR9JUtVj-J7CJqBUY5ZOrG_Je75H-rKu3pvu5FB8y9w"),
        ],
        KEY,
        SignType::HmacSha256,
    )
    .unwrap();
    let server = start(Arc::new(move |_: &Seen| Some((200, answer.clone())))).await;
    const UPLOAD: Operation<'static> = Operation {
        method: wechatpay_runtime::Method::POST,
        documented_path: "/v2/secapi/mch/uploadmedia",
        path: "/secapi/mch/uploadmedia",
        base_uri: None,
        security: false, // the mutual-TLS requirement is tested above; here the form
        nonceless: false,
    };
    let mut form = Fields::new();
    form.set("mch_id", "1230000109");
    form.set("sign_type", "HMAC-SHA256");
    let part = v2::UploadPart {
        field: "media",
        hash_field: Some("media_hash"),
        file_name: "id-card.png",
        content_type: "image/png",
        content: bytes::Bytes::from_static(file),
    };
    let r = client(&server.url)
        .upload(&UPLOAD, form, part)
        .await
        .unwrap();
    assert_eq!(
        r.fields.get("media_id"),
        Some("H1ihR9JUtVj-J7CJqBUY5ZOrG_Je75H-rKu3pvu5FB8y9w")
    );

    let seen = server.seen.lock().unwrap()[0].clone();
    assert!(seen
        .content_type
        .starts_with("multipart/form-data; boundary="));
    // `Seen::body` is lossy UTF-8: the file part is compared through its replacement characters.
    let parts = form_parts(&seen.content_type, seen.body.as_bytes());
    let text: Vec<(&str, String)> = parts
        .iter()
        .filter(|p| p.1.is_none())
        .map(|p| (p.0.as_str(), String::from_utf8(p.2.clone()).unwrap()))
        .collect();
    let names: Vec<&str> = text.iter().map(|t| t.0).collect();
    assert_eq!(
        names,
        ["mch_id", "sign_type", "media_hash", "sign"],
        "{text:?}"
    );
    let get = |n: &str| text.iter().find(|t| t.0 == n).unwrap().1.clone();
    assert_eq!(get("media_hash"), md5_hex);
    let expected = openssl_sign(
        &[
            ("mch_id", "1230000109"),
            ("media_hash", &md5_hex),
            ("sign_type", "HMAC-SHA256"),
        ],
        KEY,
        SignType::HmacSha256,
    )
    .unwrap();
    assert_eq!(
        get("sign"),
        expected,
        "signed: mch_id, media_hash, sign_type"
    );
    let file_part = parts.iter().find(|p| p.1.is_some()).unwrap();
    assert_eq!(file_part.0, "media");
    assert_eq!(file_part.1.as_deref(), Some("id-card.png"));
    assert_eq!(file_part.2, String::from_utf8_lossy(file).as_bytes());

    // A file name that would break the part head is refused before anything is sent.
    let bad = v2::UploadPart {
        field: "media",
        hash_field: Some("media_hash"),
        file_name: "a\"b.png",
        content_type: "image/png",
        content: bytes::Bytes::from_static(file),
    };
    let e = client(&server.url)
        .upload(&UPLOAD, Fields::new(), bad)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
    assert_eq!(server.seen.lock().unwrap().len(), 1);
}
