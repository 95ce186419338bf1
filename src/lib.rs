//! Runtime for the WeChat Pay API v3 SDK: configuration, request signing, response verification,
//! crypto, transport and errors. Merchants usually depend on the `wechatpay` crate, which re-exports
//! all of this next to a typed function per operation; **start with the [`guide`]**: keys and where to
//! find them, the payment flow end to end, notifications, bills, errors and testing.
//!
//! Quick start: build a [`Client`] once ([`Client::builder`] or [`ClientBuilder::from_env`]), call
//! operations (typed ones from `wechatpay::v3::…`, or [`Client::send`] with a [`Request`]), sign the
//! front end's payment parameters with [`Client::jsapi_payment_params`] /
//! [`Client::app_payment_params`], decode notifications with [`Client::decode_notification`], and
//! test with [`testing`].
//!
//! The generated per-operation code builds a [`Request`] and calls [`Client::send`],
//! [`Client::send_empty`] or [`Client::send_bytes`]; [`Client::call`] is the untyped escape hatch for
//! operations not generated yet. Files (bills, media) can be streamed in constant memory with
//! [`Client::download`] / [`Client::download_to_path`] (required hash check, size and gzip-ratio
//! limits).
//!
//! Cryptography is done with aws-lc-rs: RSA PKCS#1 v1.5 SHA-256 signatures, RSA-OAEP (SHA-1/MGF1-SHA1)
//! and AEAD_AES_256_GCM. The pure functions ([`sign_message`], [`build_authorization`],
//! [`verify_signature`], [`aead_aes_256_gcm_decrypt`], [`rsa_oaep_encrypt`], [`rsa_oaep_decrypt`]) are
//! public so that notification handling can reuse them.
//!
//! Response verification is on by default; the only way to turn it off is
//! [`ClientBuilder::danger_disable_response_verification`].
//!
//! # Layers
//!
//! A module imports only from the layers below it, never from its own layer's siblings above it in
//! this list and never upwards, so `src/` has no import cycle:
//!
//! 1. `error`: [`Error`] and its payloads; imports nothing from the crate.
//! 2. `crypto` (keys, key store, AEAD, OAEP, signing primitive) and `request` (the request
//!    description): import only `error`.
//! 3. `auth` (request signing, response/notification verification), `sensitive` (field encryption,
//!    [`SecretString`]) and `files` (download options, hashes, upload files): import `crypto`, `request`
//!    and `error`; `launch` (payment launch parameters) imports `crypto` and `error`.
//! 4. `notify` (notification verification and decryption): imports `auth`, `crypto`, `error`.
//! 5. `client/` (builder, transport and failover, the retry policy, certificates, downloads): imports
//!    everything below; nothing below imports it. `blocking` wraps it; [`testing`] (test key sets,
//!    signed test notifications) uses it.
//!
//! # Observability
//!
//! With the `tracing` feature (default), every call is a `wechatpay` span with events for each
//! attempt, retry, failover and certificate download (see [`Client::execute`]). Successful
//! [`Response`]s and every [`ApiError`] carry WeChat Pay's `Request-ID`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// A `tracing` event when the `tracing` feature is on; nothing otherwise. Fields must never hold a
/// key, a signature, a body or a parameter value.
macro_rules! trace_event {
    ($level:ident, $($rest:tt)*) => {{
        #[cfg(feature = "tracing")]
        {
            ::tracing::$level!($($rest)*);
        }
    }};
}

mod error;

mod crypto;
mod request;

mod auth;
mod files;
mod sensitive;

mod notify;

mod launch;

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
pub mod guide;
pub mod testing;

pub use auth::{
    authorization_header, build_authorization, request_signing_message, response_signing_message,
    verify_signature, Clock, FixedClock, HeaderLookup, SystemClock, AUTH_SCHEME,
    MAX_CLOCK_SKEW_SECS,
};
pub use client::{
    decode_json, Client, ClientBuilder, Response, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES, ENV_APIV3_KEY, ENV_APIV3_KEY_FILE, ENV_BACKUP_BASE_URL,
    ENV_BASE_URL, ENV_MCHID, ENV_PLATFORM_CERTS, ENV_PRIVATE_KEY, ENV_PUBLIC_KEY,
    ENV_PUBLIC_KEY_ID, ENV_SERIAL, HK_BASE_URL, USER_AGENT,
};
pub use crypto::{
    aead_aes_256_gcm_decrypt, aead_aes_256_gcm_encrypt, generate_nonce, rsa_oaep_decrypt,
    rsa_oaep_encrypt, sign_message, ApiV3Key, KeySource, KeyStore, PrivateKey, VerifyingKey,
};
pub use error::{
    ApiError, ApiErrorKind, ConfigError, ConfigErrorKind, CryptoError, CryptoErrorKind,
    DecodeError, DecodeErrorKind, Error, FileError, FileErrorKind, InvalidRequestError,
    InvalidRequestKind, SignatureError, SignatureErrorKind, TransportError, TransportErrorKind,
    MAX_ERROR_BODY_BYTES,
};
pub use files::{
    DownloadOptions, DownloadSummary, HashAlgorithm, Progress, UploadFile,
    DEFAULT_DOWNLOAD_MAX_BYTES, DEFAULT_MAX_GZIP_RATIO, WECHATPAY_API_HOSTS,
};
/// The `http` crate this runtime uses (for [`Client::decode_notification_request`] and framework glue).
pub use http;
pub use launch::{AppPaymentParams, JsapiPaymentParams, APP_PACKAGE, JSAPI_SIGN_TYPE};
pub use notify::{
    decode_notification, notification_failure_reply, Notification, NOTIFICATION_ALGORITHM,
    NOTIFICATION_SUCCESS_REPLY,
};
pub use request::{encode_component, Method, Request};
pub use sensitive::{decrypt_sensitive, encrypt_json_fields, encrypt_sensitive, SecretString};
