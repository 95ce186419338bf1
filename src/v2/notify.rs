//! APIv2 notifications: `sign` verification, `req_info` decryption (refund notifications), typed
//! access and the documented XML reply.
//!
//! `req_info` is AES-256-ECB (PKCS#7) ciphertext, base64-encoded, whose key is the lower-case hex MD5 of
//! the APIv2 key (32 ASCII bytes); its plaintext is another flat XML document (`<root>…</root>`).
//! Refund notifications carry no `sign`: for them the proof of origin is that `req_info` decrypts,
//! unpads and parses with that key.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::key::ApiV2Key;
use super::sign::{md5_key_hex, verify_sign, SignType};
use super::xml::{parse_xml, Fields, XmlLimits};
use crate::error::{CryptoErrorKind, Error, SignatureError, SignatureErrorKind, REDACTED};

type Aes256EcbDec = ecb::Decryptor<aes::Aes256>;
type Aes256EcbEnc = ecb::Encryptor<aes::Aes256>;

/// The reply that acknowledges an APIv2 notification (`return_code` `SUCCESS`, `return_msg` `OK`).
pub const SUCCESS_REPLY: &str =
    "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

/// The reply that refuses an APIv2 notification (WeChat Pay sends it again later): `return_code`
/// `FAIL` with `message` as `return_msg` (`]]>` in it is neutralised).
pub fn failure_reply(message: &str) -> String {
    format!(
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[{}]]></return_msg></xml>",
        message.replace("]]>", "]] >")
    )
}

/// How a notification was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proof {
    /// Its `sign` verified with the APIv2 key (the algorithm named).
    Sign(SignType),
    /// It carried no `sign`, and its `req_info` decrypted and parsed with the key derived from the
    /// APIv2 key (refund notifications).
    ReqInfo,
}

/// A verified APIv2 notification.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct V2Notification {
    /// The envelope's fields (with `req_info` still encrypted).
    pub fields: Fields,
    /// The decrypted `req_info` fields, when the envelope had a `req_info`.
    pub req_info: Option<Fields>,
    /// How it was authenticated.
    pub proof: Proof,
}

impl V2Notification {
    /// The envelope decoded into a typed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.fields.decode(0, REDACTED)
    }
    /// The decrypted `req_info` decoded into a typed value; `Ok(None)` when there was none.
    pub fn decode_req_info<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        match &self.req_info {
            Some(f) => f.decode(0, REDACTED).map(Some),
            None => Ok(None),
        }
    }
    /// All fields as one JSON object of strings, the decrypted `req_info` members nested as an object
    /// under `req_info` (in place of the ciphertext).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = self.fields.to_json_object();
        if let Some(r) = &self.req_info {
            m.insert(
                "req_info".into(),
                serde_json::Value::Object(r.to_json_object()),
            );
        }
        serde_json::Value::Object(m)
    }
    /// `return_code` is `SUCCESS` (and `result_code`, when present, too).
    pub fn is_success(&self) -> bool {
        self.fields.get("return_code") == Some("SUCCESS")
            && self
                .fields
                .get("result_code")
                .is_none_or(|r| r == "SUCCESS")
    }
}

/// Decrypts a `req_info` value (base64 AES-256-ECB/PKCS#7 with the lower-case hex MD5 of the APIv2
/// key). The plaintext is returned zeroizing.
pub fn decrypt_req_info(key: &ApiV2Key, req_info_b64: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let ct = B64
        .decode(req_info_b64.trim())
        .map_err(|_| CryptoErrorKind::InvalidInput("req_info is not base64".into()))?;
    if ct.is_empty() || ct.len() % 16 != 0 {
        return Err(CryptoErrorKind::InvalidInput(
            "req_info is not a whole number of AES blocks".into(),
        )
        .into());
    }
    let k = md5_key_hex(key);
    let dec = Aes256EcbDec::new_from_slice(&k[..]).map_err(|_| CryptoErrorKind::Failed)?;
    let pt = dec
        .decrypt_padded_vec_mut::<Pkcs7>(&ct)
        .map_err(|_| CryptoErrorKind::DecryptFailed)?;
    Ok(Zeroizing::new(pt))
}

/// Encrypts a `req_info` plaintext the way WeChat Pay does (for simulators and tests).
pub fn encrypt_req_info(key: &ApiV2Key, plaintext: &[u8]) -> String {
    let k = md5_key_hex(key);
    // A 32-byte key is always accepted by AES-256.
    match Aes256EcbEnc::new_from_slice(&k[..]) {
        Ok(enc) => B64.encode(enc.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        Err(_) => String::new(),
    }
}

/// Parses a body as XML, or as a JSON object of fields when it starts with `{` (as captured by some
/// gateways).
pub fn parse_body(body: &[u8], limits: &XmlLimits, status: u16) -> Result<Fields, Error> {
    let trimmed = body.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        if body.len() > limits.max_bytes {
            return parse_xml(body, limits, status); // reports the size limit
        }
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(trimmed)
            .map_err(|e| {
                Error::Decode(crate::error::DecodeError::new(
                    crate::notify::decode_kind(&e),
                    status,
                    ".",
                    e.to_string(),
                    REDACTED,
                ))
            })?;
        Ok(Fields::from_json_object(&v))
    } else {
        parse_xml(body, limits, status)
    }
}

/// Verifies and decodes an APIv2 notification (XML, or a JSON object of the same fields):
///
/// 1. the body is parsed within `limits` (no DOCTYPE, no entities, size and depth limits);
/// 2. a `req_info` is decrypted (AES-256-ECB with the MD5 of the APIv2 key) and its XML parsed;
/// 3. a `sign` is verified with the APIv2 key (`sign_type` from the body, else MD5); without a `sign`,
///    a decrypted `req_info` is the proof, and anything else is rejected
///    ([`SignatureErrorKind::V2SignMissing`]).
pub fn decode_notification(
    body: &[u8],
    key: &ApiV2Key,
    limits: &XmlLimits,
) -> Result<V2Notification, Error> {
    let fields = parse_body(body, limits, 0)?;
    let req_info = match fields.get("req_info") {
        Some(ct) if !ct.is_empty() => {
            let pt = decrypt_req_info(key, ct)?;
            Some(parse_xml(&pt, limits, 0)?)
        }
        _ => None,
    };
    let proof = match fields.get("sign") {
        Some(received) => {
            // `sign_type` when the body names one, else by length (64 hex digits: HMAC-SHA256).
            let st = fields.get("sign_type").and_then(SignType::parse).unwrap_or(
                if received.trim().len() == 64 {
                    SignType::HmacSha256
                } else {
                    SignType::Md5
                },
            );
            if !verify_sign(fields.iter(), key, st, received) {
                return Err(SignatureError::new(SignatureErrorKind::V2BadSign).into());
            }
            Proof::Sign(st)
        }
        None if req_info.is_some() => Proof::ReqInfo,
        None => return Err(SignatureError::new(SignatureErrorKind::V2SignMissing).into()),
    };
    Ok(V2Notification {
        fields,
        req_info,
        proof,
    })
}
