//! Synchronous client (feature `blocking`).
//!
//! [`Client`] owns a private single-threaded Tokio runtime and drives the async [`crate::Client`] on it,
//! so behaviour (signing, retries, failover, verification) is identical. Do not call it from inside an
//! async runtime; use the async client there.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::client::{ClientBuilder, Response};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::request::Request;

/// A blocking WeChat Pay client.
///
/// ```no_run
/// # fn demo() -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::{Method, Request};
/// let client = wechatpay_runtime::blocking::Client::new(
///     wechatpay_runtime::Client::builder()
///         .mchid("1900000001")
///         .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
///         .private_key_file("apiclient_key.pem")
///         .wechatpay_public_key_file("PUB_KEY_ID_0119000000012025010100000000000001", "pub_key.pem"),
/// )?;
/// let v: serde_json::Value = client.send(Request::new(Method::GET, "/v3/certificates"))?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    rt: tokio::runtime::Runtime,
}

impl Client {
    /// Builds the async client from `builder` and a private runtime for it.
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::HttpClient,
                    format!("cannot start runtime: {e}"),
                ))
            })?;
        Ok(Client {
            inner: builder.build()?,
            rt,
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// Runs any call of the async client to completion, e.g. a generated endpoint function:
    /// `client.run(jsapi::post(client.as_async(), &req))`. This is the blocking variant of every
    /// generated operation, without a second copy of each function.
    pub fn run<F: std::future::Future>(&self, call: F) -> F::Output {
        self.rt.block_on(call)
    }

    /// Blocking [`crate::Client::send`].
    pub fn send<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.rt.block_on(self.inner.send(req))
    }

    /// Blocking [`crate::Client::send_empty`].
    pub fn send_empty(&self, req: Request) -> Result<(), Error> {
        self.rt.block_on(self.inner.send_empty(req))
    }

    /// Blocking [`crate::Client::send_bytes`].
    pub fn send_bytes(&self, req: Request) -> Result<Bytes, Error> {
        self.rt.block_on(self.inner.send_bytes(req))
    }

    /// Blocking [`crate::Client::execute`].
    pub fn execute(&self, req: Request) -> Result<Response, Error> {
        self.rt.block_on(self.inner.execute(req))
    }

    /// Blocking [`crate::Client::call`] (untyped escape hatch).
    pub fn call<T: DeserializeOwned>(
        &self,
        method: crate::Method,
        path_template: &str,
        path_params: &[(&str, &str)],
        query: &[(&str, &str)],
        json_body: Option<&serde_json::Value>,
    ) -> Result<T, Error> {
        self.rt.block_on(
            self.inner
                .call(method, path_template, path_params, query, json_body),
        )
    }

    /// Blocking [`crate::Client::encryption_key`].
    pub fn encryption_key(&self) -> Result<std::sync::Arc<crate::VerifyingKey>, Error> {
        self.rt.block_on(self.inner.encryption_key())
    }

    /// [`crate::Client::decrypt_sensitive_field`] (no I/O involved).
    pub fn decrypt_sensitive_field(
        &self,
        ciphertext_b64: &str,
    ) -> Result<crate::SecretString, Error> {
        self.inner.decrypt_sensitive_field(ciphertext_b64)
    }

    /// Blocking [`crate::Client::refresh_platform_certificates`].
    pub fn refresh_platform_certificates(&self) -> Result<usize, Error> {
        self.rt.block_on(self.inner.refresh_platform_certificates())
    }
}
