//! WeChat Pay API v3, generated from the documentation.
//!
//! Every operation lives in the module named after its URL path (see the README for the rule), with a
//! `Request` type, a `Response` type and an `async fn` named after the HTTP method. Each business group
//! (the first path segment after `/v3/`) is a Cargo feature; `full` enables them all. The operations are
//! compiled in several generated crates named by domain (`wechatpay-payments`, `wechatpay-marketing`, …)
//! so that they build in parallel; this crate re-exports them. `generated/OPERATIONS.md` lists every
//! operation with its function, crate and feature.
#![forbid(unsafe_code)]

pub use wechatpay_core::{CheckError, CheckFn, OperationInfo, ParamValue};
pub use wechatpay_runtime as runtime;
pub use wechatpay_runtime::{Client, ClientBuilder, Error, Method, Request};

pub mod launch;
pub use launch::{AppPaymentParams, JsapiPaymentParams};

/// Typed notifications (feature `events`): [`events::decode`] verifies, decrypts and types an incoming
/// notification; [`events::Event`] has one variant per documented event type.
#[cfg(feature = "events")]
pub use wechatpay_events as events;
