//! WeChat Pay **APIv2**: XML bodies, `nonce_str` + `sign` (MD5 or HMAC-SHA256 with the APIv2 key),
//! `return_code`/`result_code`, mutual TLS with the merchant API client certificate for `security`
//! operations, RSA-encrypted bank fields, and notifications whose `req_info` is AES-256-ECB encrypted.
//!
//! The runtime knows no endpoint: the generated `wechatpay::v2::…` modules describe each operation
//! with an [`Operation`] and typed request/answer structs; [`Client::call`] is the untyped path.
//!
//! # Layers
//!
//! Inside `v2/`, as in the rest of the crate, imports only go down:
//!
//! 1. `key` ([`ApiV2Key`]), `xml` ([`Fields`], hardened [`parse_xml`], [`to_xml`]) and
//!    `serde_helpers`: import only `error` (and `crypto` for the nonce);
//! 2. `sign` ([`sign`], [`verify_sign`], [`nonce_str`]), `bank` ([`BankPublicKey`]): import layer 1;
//! 3. `notify` ([`decode_notification`]): imports layers 1–2;
//! 4. `client` ([`Client`], [`ClientBuilder`], [`Operation`]) and `json` ([`call_json`],
//!    [`decode_notification_json`]): the client layer, beside `client/` (whose retry policy and body
//!    reading they reuse); nothing else imports them.

mod bank;
mod client;
mod json;
mod key;
mod notify;
#[cfg(feature = "pkcs12")]
mod pkcs12;
pub mod serde_helpers;
mod sign;
mod xml;

pub use bank::BankPublicKey;
pub use client::{
    check_answer, sign_fields, Client, ClientBuilder, Operation, UploadPart, V2Response,
};
pub use json::{call_json, decode_notification_json};
pub use key::ApiV2Key;
pub use notify::{
    decode_notification, decrypt_req_info, encrypt_req_info, failure_reply, parse_body, Proof,
    V2Notification, SUCCESS_REPLY,
};
pub use sign::{nonce_str, sign, verify_sign, SignType};
pub use xml::{parse_xml, to_xml, Fields, XmlLimits};
