//! Request signing (`Authorization` header) and response/notification signature verification.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::crypto::{sign_message, KeySource, KeyStore, PrivateKey};
use crate::error::{Error, SignatureError, SignatureErrorKind};

/// The `Authorization` scheme WeChat Pay APIv3 uses.
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Largest accepted difference, in seconds, between `Wechatpay-Timestamp` and the local clock.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The message a request signature covers: `METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nBODY\n`.
///
/// `path_and_query` must be exactly what is sent on the request line (e.g.
/// `/v3/bill/tradebill?bill_date=2024-01-01`), and `body` exactly the bytes sent (empty for GET).
pub fn request_signing_message(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(
        method.len() + path_and_query.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        path_and_query.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// The message a response or notification signature covers: `TIMESTAMP\nNONCE\nBODY\n`.
pub fn response_signing_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// Formats the `Authorization` header value from its parts (in the field order the official Go, Java
/// and Python SDKs use): `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
pub fn build_authorization(
    mchid: &str,
    serial_no: &str,
    timestamp: &str,
    nonce: &str,
    signature: &str,
) -> String {
    format!(
        "{AUTH_SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    )
}

/// Signs a request and returns the complete `Authorization` header value.
#[allow(clippy::too_many_arguments)]
pub fn authorization_header(
    key: &PrivateKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Result<String, Error> {
    let msg = request_signing_message(method, path_and_query, timestamp, nonce, body);
    let sig = sign_message(key, &msg)?;
    Ok(build_authorization(
        mchid, serial_no, timestamp, nonce, &sig,
    ))
}

/// Read access to HTTP headers by case-insensitive name, so [`verify_signature`] works with
/// `http::HeaderMap` (reqwest, axum, hyper) as well as plain maps and slices.
pub trait HeaderLookup {
    /// The value of the first header named `name` (ASCII case-insensitive), if present and UTF-8.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderLookup for reqwest::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S> HeaderLookup for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// Verifies a WeChat Pay response or notification signature.
///
/// Checks, in this order: the four `Wechatpay-Timestamp`/`-Nonce`/`-Signature`/`-Serial` headers are
/// present; the timestamp is within [`MAX_CLOCK_SKEW_SECS`] of `now` (Unix seconds; exactly 300 s is
/// accepted); `Wechatpay-Serial` names a key in `keys`; if that key is a platform certificate, `now` is
/// within its validity period (`notBefore ..= notAfter`, no grace period); the signature over
/// `TIMESTAMP\nNONCE\nBODY\n` verifies with that key. Returns the serial of the key that verified.
pub fn verify_signature<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    now: i64,
    keys: &KeyStore,
) -> Result<String, SignatureError> {
    let ts = headers.header("Wechatpay-Timestamp");
    let nonce = headers.header("Wechatpay-Nonce");
    let sig = headers.header("Wechatpay-Signature");
    let serial = headers.header("Wechatpay-Serial");
    let (ts, nonce, sig, serial) = match (ts, nonce, sig, serial) {
        (Some(t), Some(n), Some(s), Some(se)) => (t, n, s, se),
        _ => {
            let mut missing = Vec::new();
            for (name, v) in [
                ("Wechatpay-Timestamp", ts),
                ("Wechatpay-Nonce", nonce),
                ("Wechatpay-Signature", sig),
                ("Wechatpay-Serial", serial),
            ] {
                if v.is_none() {
                    missing.push(name);
                }
            }
            return Err(SignatureError::new(SignatureErrorKind::MissingHeaders(
                missing,
            )));
        }
    };
    let skew_ok = ts
        .trim()
        .parse::<i64>()
        .map(|t| now.abs_diff(t) <= MAX_CLOCK_SKEW_SECS as u64)
        .unwrap_or(false);
    if !skew_ok {
        return Err(SignatureError::new(SignatureErrorKind::TimestampSkew {
            timestamp: ts.to_string(),
            now,
        }));
    }
    let key = keys.get(serial).ok_or_else(|| {
        SignatureError::new(SignatureErrorKind::UnknownSerial(serial.to_string()))
    })?;
    if let KeySource::Certificate {
        not_before,
        not_after,
    } = *key.source()
    {
        if !key.is_valid_at(now) {
            return Err(SignatureError::new(
                SignatureErrorKind::CertificateNotValid {
                    serial: key.serial().to_string(),
                    not_before,
                    not_after,
                    now,
                },
            ));
        }
    }
    // RSA signatures WeChat Pay uses are at most 8192 bits (1 KiB): decode on the stack; anything
    // longer is not a signature we could verify.
    let mut raw = [0u8; 1024];
    let len = B64
        .decode_slice(sig.trim(), &mut raw)
        .map_err(|_| SignatureError::new(SignatureErrorKind::BadSignature))?;
    let msg = response_signing_message(ts, nonce, body);
    if key.verify(&msg, &raw[..len]) {
        Ok(key.serial().to_string())
    } else {
        Err(SignatureError::new(SignatureErrorKind::BadSignature))
    }
}

/// A source of the current time, injectable for tests.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Current Unix time in seconds.
    fn now_unix(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        }
    }
}

/// A clock that always returns the same instant (for tests and reproducible signatures).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}
