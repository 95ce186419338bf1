//! WeChat Pay API v3 for Rust: a typed function for every documented operation, signed requests,
//! verified answers and notifications. **New here? Read the [`guide`]**: the keys and where to find
//! them on the merchant platform, the payment flow end to end, notifications, bills, errors and
//! testing without WeChat Pay.
//!
//! ```no_run
//! # #[cfg(feature = "pay")]
//! # async fn demo() -> Result<(), wechatpay::Error> {
//! use wechatpay::v3::pay::transactions::jsapi::post;
//! // WECHATPAY_MCHID, WECHATPAY_SERIAL, WECHATPAY_PRIVATE_KEY, WECHATPAY_PUBLIC_KEY(_ID), WECHATPAY_APIV3_KEY
//! let client = wechatpay::ClientBuilder::from_env().build()?;
//! let order = post::Request::new(post::Body::new(
//!     "wxd678efh567hg6787",
//!     client.mchid(),
//!     "Image形象店-深圳腾大-QQ公仔",
//!     "1217752501201407033233368018",
//!     post::Amount::new(100),
//!     "https://www.example.com/wechatpay/notify",
//!     post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
//! ));
//! // The order, then the signed parameters for `wx.requestPayment`:
//! let (answer, launch) = wechatpay::launch::jsapi_prepay_with_request_payment(&client, &order).await?;
//! println!("{} {}", answer.prepay_id, serde_json::to_string(&launch).expect("strings"));
//! # Ok(()) }
//! ```
//!
//! Every operation lives in the module named after its URL path (see the README for the rule), with a
//! `Request` type, a `Response` type and an `async fn` named after the HTTP method. Each business group
//! (the first path segment after `/v3/`) is a Cargo feature; `full` enables them all. The operations are
//! compiled in several generated crates named by domain (`wechatpay-payments`, `wechatpay-marketing`, …)
//! so that they build in parallel; this crate re-exports them. `generated/OPERATIONS.md` lists every
//! operation with its function, crate and feature. The hand-written runtime underneath (client,
//! signing, verification, notifications, downloads, errors, test helpers) is [`runtime`]; its main
//! items are also re-exported here.
#![forbid(unsafe_code)]

pub use wechatpay_core::{CheckError, CheckFn, OperationInfo, ParamValue};
/// The runtime: client and configuration, signing and verification, notifications, downloads,
/// errors, test helpers.
#[doc(inline)]
pub use wechatpay_runtime as runtime;
#[doc(inline)]
pub use wechatpay_runtime::{
    decode_notification, guide, testing, ApiError, Client, ClientBuilder, DownloadOptions, Error,
    Method, Notification, Request, Response, NOTIFICATION_SUCCESS_REPLY,
};

pub mod launch;
pub use launch::{AppPaymentParams, JsapiPaymentParams};

/// Typed notifications (feature `events`): [`events::decode`] verifies, decrypts and types an incoming
/// notification; [`events::Event`] has one variant per documented event type.
#[cfg(feature = "events")]
pub use wechatpay_events as events;
