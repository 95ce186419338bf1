//! Incoming notifications (webhooks): verify the signature with the same key store as responses, then
//! decrypt the `resource` with the APIv3 key. Framework-independent: give it the headers and the raw body.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::{verify_signature, HeaderLookup};
use crate::crypto::{aead_aes_256_gcm_decrypt, ApiV3Key, KeyStore};
use crate::error::{
    redact_serde_message, CryptoError, CryptoErrorKind, DecodeError, DecodeErrorKind, Error,
    NOT_BASE64, REDACTED,
};

/// The only algorithm WeChat Pay uses for notification resources.
pub const NOTIFICATION_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// A verified, decrypted notification.
#[derive(Clone)]
#[non_exhaustive]
pub struct Notification {
    /// The notification id (`EV-…`).
    pub id: String,
    /// When WeChat Pay created it.
    pub create_time: String,
    /// The event, e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// WeChat's summary text.
    pub summary: String,
    /// `resource.original_type`, when present.
    pub original_type: Option<String>,
    /// The serial or public-key id whose key verified the signature.
    pub verified_by: String,
    /// The decrypted resource, as sent (usually JSON).
    pub plaintext: Vec<u8>,
}

impl std::fmt::Debug for Notification {
    // The decrypted resource may hold personal data: it is not printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("create_time", &self.create_time)
            .field("verified_by", &self.verified_by)
            .field(
                "plaintext",
                &format_args!("{REDACTED} ({} bytes)", self.plaintext.len()),
            )
            .finish()
    }
}

impl Notification {
    /// The decrypted resource as JSON.
    pub fn resource_json(&self) -> Result<serde_json::Value, Error> {
        self.resource()
    }

    /// The decrypted resource as any deserializable type. A mismatch is an [`Error::Decode`] naming the
    /// serde path and the expected type, never the value found there (it may be a name or a phone
    /// number): `invalid type: string, expected u32` at `payer.amount`.
    pub fn resource<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.plaintext);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let kind = decode_kind(e.inner());
            Error::Decode(DecodeError::new(
                kind,
                0,
                e.path().to_string(),
                redact_serde_message(&e.inner().to_string()),
                REDACTED,
            ))
        })
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: String,
    #[serde(default)]
    create_time: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    resource_type: String,
    #[serde(default)]
    summary: String,
    resource: Option<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
    original_type: Option<String>,
}

fn malformed(path: &str, message: impl Into<String>) -> Error {
    Error::Decode(DecodeError::new(
        DecodeErrorKind::Data,
        0,
        path,
        message,
        String::new(),
    ))
}

/// The [`DecodeErrorKind`] of a serde_json error.
pub(crate) fn decode_kind(e: &serde_json::Error) -> DecodeErrorKind {
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            DecodeErrorKind::Syntax
        }
        serde_json::error::Category::Eof => DecodeErrorKind::Eof,
        serde_json::error::Category::Data => DecodeErrorKind::Data,
    }
}

/// Verifies and decrypts a notification, in this order: headers present, timestamp within 5 minutes of
/// `now`, signing key known (by `Wechatpay-Serial`), signature valid over the exact body; then the
/// envelope has a `resource` with algorithm `AEAD_AES_256_GCM`, which decrypts with the APIv3 key and
/// its associated data.
///
/// [`Client::decode_notification`](crate::Client::decode_notification) does the same with the client's
/// keys and clock.
pub fn decode_notification<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    now: i64,
    keys: &KeyStore,
    apiv3_key: &ApiV3Key,
) -> Result<Notification, Error> {
    let verified_by = verify_signature(headers, body, now, keys).map_err(Error::Signature)?;
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        malformed(
            ".",
            format!(
                "the notification body is not the expected JSON: {}",
                redact_serde_message(&e.to_string())
            ),
        )
    })?;
    let resource = envelope
        .resource
        .ok_or_else(|| malformed("resource", "the notification has no resource"))?;
    if resource.algorithm != NOTIFICATION_ALGORITHM {
        return Err(CryptoErrorKind::InvalidInput(format!(
            "unsupported resource algorithm {:?} (expected {NOTIFICATION_ALGORITHM})",
            resource.algorithm
        ))
        .into());
    }
    let ciphertext = B64
        .decode(resource.ciphertext.trim())
        .map_err(|_| CryptoError::with_detail(CryptoErrorKind::DecryptFailed, NOT_BASE64))?;
    let plaintext = aead_aes_256_gcm_decrypt(
        apiv3_key.as_bytes(),
        resource.nonce.as_bytes(),
        resource.associated_data.as_bytes(),
        &ciphertext,
    )?;
    Ok(Notification {
        id: envelope.id,
        create_time: envelope.create_time,
        event_type: envelope.event_type,
        resource_type: envelope.resource_type,
        summary: envelope.summary,
        original_type: resource.original_type,
        verified_by,
        plaintext,
    })
}

/// The answer WeChat Pay expects after a notification was handled (HTTP 200 or 204 with this body).
pub const NOTIFICATION_SUCCESS_REPLY: &str = r#"{"code":"SUCCESS","message":"成功"}"#;

/// The answer that asks WeChat Pay to retry later (send it with HTTP 4XX or 5XX).
pub fn notification_failure_reply(message: &str) -> String {
    serde_json::json!({"code": "FAIL", "message": message}).to_string()
}
