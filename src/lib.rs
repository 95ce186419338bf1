//! Runtime for the WeChat Pay API v3 SDK: configuration, request signing, response verification,
//! crypto, transport and errors. The generated per-operation code builds a [`Request`] and calls
//! [`Client::send`], [`Client::send_empty`] or [`Client::send_bytes`]; [`Client::call`] is the untyped
//! escape hatch for operations not generated yet. Files (bills, media) can be streamed in constant
//! memory with [`Client::download`] / [`Client::download_to_path`] (hash check, gzip).
//!
//! Cryptography is done with aws-lc-rs: RSA PKCS#1 v1.5 SHA-256 signatures, RSA-OAEP (SHA-1/MGF1-SHA1)
//! and AEAD_AES_256_GCM. The pure functions ([`sign_message`], [`build_authorization`],
//! [`verify_signature`], [`aead_aes_256_gcm_decrypt`], [`rsa_oaep_encrypt`], [`rsa_oaep_decrypt`]) are
//! public so that notification handling can reuse them.
//!
//! Response verification is on by default; the only way to turn it off is
//! [`ClientBuilder::danger_disable_response_verification`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod crypto;
mod error;
mod notify;
mod request;
mod sensitive;
mod transfer;

pub use auth::{
    authorization_header, build_authorization, request_signing_message, response_signing_message,
    verify_signature, Clock, FixedClock, HeaderLookup, SystemClock, AUTH_SCHEME,
    MAX_CLOCK_SKEW_SECS,
};
pub use client::{
    decode_json, Client, ClientBuilder, Response, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL,
    HK_BASE_URL, USER_AGENT,
};
pub use crypto::{
    aead_aes_256_gcm_decrypt, aead_aes_256_gcm_encrypt, generate_nonce, rsa_oaep_decrypt,
    rsa_oaep_encrypt, sign_message, ApiV3Key, KeySource, KeyStore, PrivateKey, VerifyingKey,
};
pub use error::{
    ApiError, ConfigError, ConfigErrorKind, CryptoError, DecodeError, Error, SignatureError,
    SignatureErrorKind, TransferError, TransferErrorKind, TransportError,
};
/// The `http` crate this runtime uses (for [`Client::decode_notification_request`] and framework glue).
pub use http;
pub use notify::{
    decode_notification, notification_failure_reply, Notification, NOTIFICATION_ALGORITHM,
    NOTIFICATION_SUCCESS_REPLY,
};
pub use request::{encode_component, Method, Request};
pub use sensitive::{decrypt_sensitive, encrypt_json_fields, encrypt_sensitive, SecretString};
pub use transfer::{
    DownloadOptions, DownloadSummary, HashAlgorithm, Progress, UploadFile, WECHATPAY_API_HOSTS,
};
