//! APIv2 against local servers: a micropay (付款码支付, plain HTTPS not needed: the local server speaks
//! HTTP) and a refund (`security`: mutual TLS with the merchant API client certificate, here a test PKI
//! made with rcgen), both answered with signed XML that the client verifies.
//!
//!     cargo run -p wechatpay-examples --features v2 --example v2_micropay_refund

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use wechatpay::v2::{self, ApiV2Key, Fields, SignType, XmlLimits};

const KEY: &str = "0123456789abcdefghijklmnopqrstuv";

/// The simulator's answer to one request: checks the `sign`, echoes the order in a signed answer.
fn answer(body: &[u8]) -> String {
    let key = ApiV2Key::new(KEY).expect("32 bytes");
    let req = v2::parse_xml(body, &XmlLimits::default(), 0).expect("XML");
    let st = SignType::of_fields(req.iter());
    if !v2::verify_sign(req.iter(), &key, st, req.get("sign").unwrap_or("")) {
        return v2::failure_reply("签名错误");
    }
    let mut a = Fields::new();
    a.set("return_code", "SUCCESS");
    a.set("result_code", "SUCCESS");
    a.set("nonce_str", v2::nonce_str());
    for k in [
        "appid",
        "mch_id",
        "out_trade_no",
        "total_fee",
        "out_refund_no",
        "refund_fee",
    ] {
        if let Some(v) = req.get(k) {
            a.set(k, v);
        }
    }
    a.set("transaction_id", "4200000000000000000000000001");
    a.set("refund_id", "50000000000000000000000000001");
    a.set("trade_type", "MICROPAY");
    let s = v2::sign(a.iter(), &key, st);
    a.set("sign", s);
    v2::to_xml(&a).expect("plain names")
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    loop {
        let n = match s.read(&mut tmp).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&tmp[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() >= end + 4 + len {
            let body = answer(&buf[end + 4..end + 4 + len]);
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes()).await;
            let _ = s.shutdown().await;
            return;
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;

    // A test PKI: a CA, the server's certificate and the merchant's API client certificate.
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate()?;
    let server_cert =
        CertificateParams::new(vec!["localhost".into()])?.signed_by(&server_key, &issuer)?;
    let client_key = KeyPair::generate()?;
    let client_cert =
        CertificateParams::new(vec!["1900000109".into()])?.signed_by(&client_key, &issuer)?;

    // The server: plain HTTP for micropay, mutual TLS (client certificate required) for the refund.
    let plain = TcpListener::bind("127.0.0.1:0").await?;
    let plain_url = format!("http://{}", plain.local_addr()?);
    tokio::spawn(async move {
        while let Ok((sock, _)) = plain.accept().await {
            tokio::spawn(serve(sock));
        }
    });
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca.der().to_vec()))?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()?;
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(
                server_cert.pem().as_bytes(),
            )?],
            PrivateKeyDer::from_pem_slice(server_key.serialize_pem().as_bytes())?,
        )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let tls = TcpListener::bind("127.0.0.1:0").await?;
    let tls_url = format!("https://localhost:{}", tls.local_addr()?.port());
    tokio::spawn(async move {
        while let Ok((sock, _)) = tls.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(s) = acceptor.accept(sock).await {
                    serve(s).await;
                }
            });
        }
    });

    // The client: APIv2 key, merchant API client certificate, the local hosts.
    let client = |base: &str| {
        v2::Client::builder()
            .mch_id("1900000109")
            .apiv2_key(KEY)
            .client_certificate_pem(
                client_cert.pem().as_bytes(),
                client_key.serialize_pem().as_bytes(),
            )
            .add_root_certificate_pem(ca.pem().as_bytes())
            .base_url(base)
            .backup_base_url(None)
            .build()
    };

    let req = v2::pay::micropay::post::Request::new(
        "wx2421b1c4370ec43b",
        "1900000109",
        "Image形象店-深圳腾大-QQ公仔",
        "1217752501201407033233368018",
        888,
        "8.8.8.8",
        "120061098828009406",
    );
    let paid = v2::pay::micropay::post(&client(&plain_url)?, &req).await?;
    println!(
        "micropay: POST /pay/micropay → transaction_id={:?} total_fee={:?}",
        paid.transaction_id, paid.total_fee
    );

    let refund = v2::secapi::pay::refund::post::Request::new(
        "wx2421b1c4370ec43b",
        "1900000109",
        paid.transaction_id.clone().unwrap_or_default(),
        "1217752501201407033233368018",
        "1217752501201407033233368019",
        888,
        888,
    );
    let refunded = v2::secapi::pay::refund::post(&client(&tls_url)?, &refund).await?;
    println!(
        "refund: POST /secapi/pay/refund over mutual TLS → refund_id={:?} refund_fee={:?}",
        refunded.refund_id, refunded.refund_fee
    );
    Ok(())
}
