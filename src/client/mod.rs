//! The async client (the top layer: nothing else in the crate imports it).
//!
//! * [`builder`]: [`ClientBuilder`], configuration validated once;
//! * [`transport`]: routing, signing every attempt, failover, response size limits, error answers;
//! * [`retry`]: the one retry policy that decides every retry;
//! * [`certificates`]: verification with the key store, platform certificate downloads through one gate,
//!   the periodic refresh;
//! * [`download`]: streamed file downloads.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::auth::{authorization_header, Clock};
use crate::crypto::{generate_nonce, ApiV3Key, KeyStore, PrivateKey, VerifyingKey};
use crate::error::{
    ConfigError, ConfigErrorKind, CryptoErrorKind, DecodeError, Error, InvalidRequestKind,
};
use crate::request::{Method, Request};
use crate::sensitive::{decrypt_sensitive, encrypt_json_fields, encrypt_sensitive, SecretString};

mod builder;
mod certificates;
mod download;
mod retry;
mod transport;

pub use builder::{
    ClientBuilder, ENV_APIV3_KEY, ENV_APIV3_KEY_FILE, ENV_BACKUP_BASE_URL, ENV_BASE_URL, ENV_MCHID,
    ENV_PLATFORM_CERTS, ENV_PRIVATE_KEY, ENV_PUBLIC_KEY, ENV_PUBLIC_KEY_ID, ENV_SERIAL,
};

/// Primary API host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// Backup API host, used when the primary cannot be connected to.
pub const DEFAULT_BACKUP_BASE_URL: &str = "https://api2.mch.weixin.qq.com";
/// Hong Kong host, for operations documented there (pass it with [`Request::base_url`]).
pub const HK_BASE_URL: &str = "https://apihk.mch.weixin.qq.com";

/// Default of [`ClientBuilder::max_response_bytes`]: 4 MiB. API answers are a few KiB; files are
/// streamed with [`Client::download`].
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 4 << 20;

/// `User-Agent` sent with every request: crate name and version, OS and architecture.
pub const USER_AGENT: &str = concat!(
    env!("CARGO_PKG_NAME"),
    "/",
    env!("CARGO_PKG_VERSION"),
    " (Rust; reqwest)"
);

/// Who signs: the merchant's identity and key.
struct Merchant {
    mchid: String,
    merchant_serial: String,
    private_key: PrivateKey,
}

struct Inner {
    http: reqwest::Client,
    merchant: Merchant,
    apiv3_key: Option<ApiV3Key>,
    keys: KeyStore,
    /// The WeChat Pay public key configured for this merchant (its encryption key in a shared store).
    own_public_key_id: Option<String>,
    auto_certificates: bool,
    base_url: String,
    backup_base_url: Option<String>,
    host_overrides: Vec<(String, String)>,
    timeout: Duration,
    retry: retry::RetryPolicy,
    verify_responses: bool,
    max_response_bytes: u64,
    clock: Arc<dyn Clock>,
    gate: Arc<certificates::Gate>,
    refresh_interval: Option<Duration>,
}

/// A WeChat Pay APIv3 client. Cheap to clone (shared state); safe to use from many tasks.
///
/// ```no_run
/// # async fn demo() -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::{Client, Method, Request};
/// let client = Client::builder()
///     .mchid("1900000001")
///     .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
///     .private_key_file("apiclient_key.pem")
///     .apiv3_key("K3H0BFCCpCEBRjLkkzBhyEHtIDoxEPpn")
///     .wechatpay_public_key_file("PUB_KEY_ID_0119000000012025010100000000000001", "pub_key.pem")
///     .build()?;
/// let order: serde_json::Value = client
///     .send(
///         Request::new(Method::GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}")
///             .path_param("out_trade_no", "1217752501201407033233368018")
///             .query("mchid", "1900000001"),
///     )
///     .await?;
/// println!("{order}");
/// # Ok(()) }
/// ```
///
/// # Many merchants, service providers
///
/// Several merchants in one process: one client per merchant, sharing a connection pool with
/// [`ClientBuilder::http_client`] or pool and key store with [`ClientBuilder::share_with`].
///
/// A service provider (服务商) signs with **its own** `mchid`, serial and key: the client is built for
/// the service provider, and each call names the sub-merchant in its parameters (`sp_mchid`,
/// `sub_mchid`, and `sp_appid`/`sub_appid` where documented). Notifications for sub-merchants are sent
/// to the service provider and verified and decrypted with its keys, so one client serves all its
/// sub-merchants:
///
/// ```no_run
/// # async fn demo(sp: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::{Method, Request};
/// // POST /v3/pay/partner/transactions/jsapi, on behalf of sub-merchant 1900000109:
/// let body = serde_json::json!({
///     "sp_appid": "wx8888888888888888",
///     "sp_mchid": sp.mchid(),
///     "sub_mchid": "1900000109",
///     "description": "Image形象店-深圳腾大-QQ公仔",
///     "out_trade_no": "1217752501201407033233368018",
///     "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
///     "amount": { "total": 100, "currency": "CNY" },
///     "payer": { "sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
/// });
/// let answer: serde_json::Value = sp
///     .send(Request::new(Method::POST, "/v3/pay/partner/transactions/jsapi").json(&body)?)
///     .await?;
/// // GET /v3/pay/partner/transactions/out-trade-no/{out_trade_no}?sp_mchid=…&sub_mchid=…
/// let order: serde_json::Value = sp
///     .send(
///         Request::new(Method::GET, "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}")
///             .path_param("out_trade_no", "1217752501201407033233368018")
///             .query("sp_mchid", sp.mchid())
///             .query("sub_mchid", "1900000109"),
///     )
///     .await?;
/// # let _ = (answer, order); Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("mchid", &i.merchant.mchid)
            .field("merchant_serial", &i.merchant.merchant_serial)
            .field("private_key", &i.merchant.private_key)
            .field("apiv3_key", &i.apiv3_key)
            .field("keys", &i.keys)
            .field("auto_certificates", &i.auto_certificates)
            .field("base_url", &i.base_url)
            .field("backup_base_url", &i.backup_base_url)
            .field("host_overrides", &i.host_overrides)
            .field("retry", &i.retry)
            .field("verify_responses", &i.verify_responses)
            .field("max_response_bytes", &i.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// A response that passed status and signature checks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// HTTP status (2xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Raw body bytes.
    pub body: Bytes,
    /// Serial / public key id of the key that verified the signature; `None` for unsigned downloads or
    /// when verification is disabled.
    pub verified_by: Option<String>,
    /// The `Request-ID` header: quote it to WeChat Pay support.
    pub request_id: Option<String>,
    /// How many HTTP attempts the call made (1 = no retry).
    pub attempts: u32,
}

/// Decodes JSON into `T`, reporting the serde path of the first bad field.
pub fn decode_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mk = |e: &serde_json::Error, path: String| {
        Error::Decode(DecodeError::new(
            crate::notify::decode_kind(e),
            status,
            path,
            e.to_string(),
            String::from_utf8_lossy(body).into_owned(),
        ))
    };
    let v: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| mk(e.inner(), e.path().to_string()))?;
    de.end().map_err(|e| mk(&e, ".".to_string()))?;
    Ok(v)
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        &self.inner.merchant.mchid
    }

    /// The shared key store (WeChat Pay public keys and platform certificates).
    pub fn key_store(&self) -> &KeyStore {
        &self.inner.keys
    }

    /// The merchant private key (e.g. for [`rsa_oaep_decrypt`](crate::rsa_oaep_decrypt) of fields
    /// WeChat returns encrypted).
    pub fn private_key(&self) -> &PrivateKey {
        &self.inner.merchant.private_key
    }

    /// The APIv3 key, if configured (for notification resources).
    pub fn apiv3_key(&self) -> Option<&ApiV3Key> {
        self.inner.apiv3_key.as_ref()
    }

    /// The current time according to the configured clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now_unix()
    }

    /// Verifies an incoming notification with this client's keys and clock and decrypts its resource
    /// with the APIv3 key (see [`decode_notification`](crate::decode_notification)).
    ///
    /// ```no_run
    /// # fn demo(client: &wechatpay_runtime::Client, headers: &[(&str, &str)], body: &[u8]) -> Result<(), wechatpay_runtime::Error> {
    /// let n = client.decode_notification(headers, body)?;
    /// if n.event_type == "TRANSACTION.SUCCESS" {
    ///     let resource: serde_json::Value = n.resource()?;
    ///     println!("{}", resource["out_trade_no"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn decode_notification<H: crate::auth::HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<crate::notify::Notification, Error> {
        let key = self.inner.apiv3_key.as_ref().ok_or_else(|| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                "the APIv3 key is needed to decrypt notifications (ClientBuilder::apiv3_key)",
            ))
        })?;
        crate::notify::decode_notification(headers, body, self.now(), &self.inner.keys, key)
    }

    /// [`decode_notification`](Self::decode_notification) for frameworks built on the `http` crate
    /// (axum, hyper, actix via its `http` conversion, …): takes the headers and body of an
    /// `http::Request` whose body is already collected into bytes.
    ///
    /// ```no_run
    /// # fn demo(client: &wechatpay_runtime::Client, request: http::Request<bytes::Bytes>) -> Result<(), wechatpay_runtime::Error> {
    /// let n = client.decode_notification_request(&request)?;
    /// println!("{} {}", n.event_type, n.id);
    /// # Ok(()) }
    /// ```
    pub fn decode_notification_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<crate::notify::Notification, Error> {
        self.decode_notification(request.headers(), request.body().as_ref())
    }

    /// The key this client names in `Wechatpay-Serial` and encrypts with: its own WeChat Pay public key
    /// if one was configured, else the store's preferred key (a public key, or the valid platform
    /// certificate with the latest expiry).
    fn preferred_key(&self) -> Option<Arc<VerifyingKey>> {
        if let Some(id) = &self.inner.own_public_key_id {
            if let Some(k) = self.inner.keys.get(id) {
                return Some(k);
            }
        }
        self.inner.keys.preferred(self.now())
    }

    /// The key to encrypt sensitive request fields with: the WeChat Pay public key in public-key mode,
    /// else the newest valid platform certificate (downloading certificates first if the store has none
    /// and auto-download is on — through the certificate gate, so at most once a minute). Encrypt with
    /// [`rsa_oaep_encrypt`](crate::rsa_oaep_encrypt) and call [`Request::encrypted_with`] with
    /// `key.serial()`.
    pub async fn encryption_key(&self) -> Result<Arc<VerifyingKey>, Error> {
        if let Some(k) = self.preferred_key() {
            return Ok(k);
        }
        let mut why = String::new();
        if self.inner.auto_certificates {
            if let Err(e) = self.gated_download(false, None).await {
                why = format!(" (certificate download: {e})");
            }
            if let Some(k) = self.preferred_key() {
                return Ok(k);
            }
        }
        Err(Error::Config(ConfigError::new(
            ConfigErrorKind::Missing,
            format!("no valid WeChat Pay public key or platform certificate to encrypt with{why}"),
        )))
    }

    /// Encrypts the plaintext the request marks as sensitive ([`Request::encrypt_fields`],
    /// [`Request::encrypted_query`]) with one key, and names that key in `Wechatpay-Serial`.
    async fn encrypt_request(&self, req: &mut Request) -> Result<(), Error> {
        let key = match &req.wechatpay_serial {
            Some(serial) => self.inner.keys.get(serial).ok_or_else(|| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Missing,
                    format!(
                        "the request names WeChat Pay key {serial:?} to encrypt with, but the key store does not hold it"
                    ),
                ))
            })?,
            None => self.encryption_key().await?,
        };
        if !req.encrypt_paths.is_empty() {
            let json = match &req.multipart {
                Some(m) => Some(m.meta.clone()),
                None => req.body.clone(),
            };
            if let Some(json) = json {
                let (encrypted, _) = encrypt_json_fields(&json, &req.encrypt_paths, &key)?;
                let encrypted = Bytes::from(encrypted);
                if let Some(m) = &mut req.multipart {
                    m.meta = encrypted.clone();
                }
                req.body = Some(encrypted);
            }
        }
        for q in req.query.iter_mut().filter(|q| q.encrypt) {
            q.value = encrypt_sensitive(&key, &q.value).map_err(|e| match e {
                Error::Crypto(c) => match c.kind() {
                    CryptoErrorKind::PlaintextTooLong { len, max } => {
                        Error::invalid_request(InvalidRequestKind::SensitiveField, format!(
                            "sensitive query parameter `{}` is {len} bytes long; RSA-OAEP with this key allows at most {max}",
                            q.key
                        ))
                    }
                    _ => Error::Crypto(c),
                },
                other => other,
            })?;
            q.encrypt = false;
        }
        req.encrypt_paths.clear();
        req.wechatpay_serial = Some(key.serial().to_string());
        Ok(())
    }

    /// Decrypts a response field that WeChat Pay encrypted with the merchant's public key (fields
    /// documented as such, e.g. names or ID numbers in query results): base64-decodes it and
    /// RSA-OAEP-decrypts it with the merchant private key. The plaintext comes back as a
    /// [`SecretString`], whose `Debug` is redacted.
    ///
    /// ```no_run
    /// # fn demo(client: &wechatpay_runtime::Client, encrypted_name: &str) -> Result<(), wechatpay_runtime::Error> {
    /// let name = client.decrypt_sensitive_field(encrypted_name)?;
    /// println!("{}", name.expose_secret());
    /// # Ok(()) }
    /// ```
    pub fn decrypt_sensitive_field(&self, ciphertext_b64: &str) -> Result<SecretString, Error> {
        decrypt_sensitive(&self.inner.merchant.private_key, ciphertext_b64)
    }

    /// Sends the request and decodes the verified JSON body into `T`.
    pub async fn send<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let resp = self.execute(req).await?;
        decode_json(resp.status, &resp.body)
    }

    /// Sends the request and ignores the (verified) body; for `204 No Content` operations.
    pub async fn send_empty(&self, req: Request) -> Result<(), Error> {
        self.execute(req).await.map(|_| ())
    }

    /// Sends the request and returns the raw body bytes (verified unless the request is an
    /// [`unsigned_download`](Request::unsigned_download)).
    pub async fn send_bytes(&self, req: Request) -> Result<Bytes, Error> {
        self.execute(req).await.map(|r| r.body)
    }

    /// Untyped escape hatch for operations the docs do not describe yet: any method, any path template
    /// with `{name}` parameters, optional JSON body, JSON (`serde_json::Value` or any `Deserialize`
    /// type) out. Signed and verified like everything else. An empty answer (e.g. 204) decodes as JSON
    /// `null`; POST/PUT/PATCH without a body send an empty body.
    ///
    /// ```no_run
    /// # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
    /// use wechatpay_runtime::Method;
    /// let v: serde_json::Value = client
    ///     .call(
    ///         Method::GET,
    ///         "v3/marketing/goods-subsidy/product-coupons/{product_coupon_id}",
    ///         &[("product_coupon_id", "1000")],
    ///         &[("appid", "wx1234")],
    ///         None,
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path_template: &str,
        path_params: &[(&str, &str)],
        query: &[(&str, &str)],
        json_body: Option<&serde_json::Value>,
    ) -> Result<T, Error> {
        let mut req = Request::new(method, path_template.to_string());
        for (k, v) in path_params {
            req = req.path_param(k.to_string(), v.to_string());
        }
        for (k, v) in query {
            req = req.query(k.to_string(), v.to_string());
        }
        if let Some(b) = json_body {
            req = req.json(b)?;
        }
        if json_body.is_none() && matches!(req.method, Method::POST | Method::PUT | Method::PATCH) {
            req = req.body(Bytes::new());
        }
        let resp = self.execute(req).await?;
        if resp.body.is_empty() {
            return decode_json(resp.status, b"null");
        }
        decode_json(resp.status, &resp.body)
    }

    /// The signed parameters that open the WeChat Pay cashier in a JSAPI page or a mini-program
    /// (`wx.requestPayment`) for the `prepay_id` of a JSAPI prepay call (`POST
    /// /v3/pay/transactions/jsapi`, or the partner one): signed with the merchant key, at the client's
    /// clock, with a fresh nonce. `app_id` is the `appid` the order was placed with. Serialise the result
    /// with serde and hand it to the front end as is (see [`JsapiPaymentParams`](crate::JsapiPaymentParams)).
    ///
    /// ```no_run
    /// # fn demo(client: &wechatpay_runtime::Client, prepay_id: &str) -> Result<(), wechatpay_runtime::Error> {
    /// let params = client.jsapi_payment_params("wxd678efh567hg6787", prepay_id)?;
    /// let for_the_page = serde_json::to_string(&params).expect("plain strings");
    /// // {"appId":"wxd678efh567hg6787","timeStamp":"…","nonceStr":"…","package":"prepay_id=…","signType":"RSA","paySign":"…"}
    /// # let _ = for_the_page; Ok(()) }
    /// ```
    pub fn jsapi_payment_params(
        &self,
        app_id: &str,
        prepay_id: &str,
    ) -> Result<crate::launch::JsapiPaymentParams, Error> {
        crate::launch::JsapiPaymentParams::sign(
            &self.inner.merchant.private_key,
            app_id,
            prepay_id,
            self.now(),
            &generate_nonce(),
        )
    }

    /// The signed parameters of the APP SDK's payment request for the `prepay_id` of an APP prepay
    /// call (`POST /v3/pay/transactions/app`), with this client's `mchid` as `partnerid` (see
    /// [`AppPaymentParams`](crate::AppPaymentParams); for another partner id use
    /// [`AppPaymentParams::sign`](crate::AppPaymentParams::sign) with [`Client::private_key`]).
    pub fn app_payment_params(
        &self,
        app_id: &str,
        prepay_id: &str,
    ) -> Result<crate::launch::AppPaymentParams, Error> {
        crate::launch::AppPaymentParams::sign(
            &self.inner.merchant.private_key,
            app_id,
            &self.inner.merchant.mchid,
            prepay_id,
            self.now(),
            &generate_nonce(),
        )
    }

    /// Signs an `Authorization` header for the given inputs without sending anything.
    pub fn sign_request(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        let ts = timestamp.unwrap_or_else(|| self.now()).to_string();
        let nonce = nonce.map(str::to_string).unwrap_or_else(generate_nonce);
        authorization_header(
            &self.inner.merchant.private_key,
            &self.inner.merchant.mchid,
            &self.inner.merchant.merchant_serial,
            method,
            path_and_query,
            &ts,
            &nonce,
            body,
        )
    }

    /// Sends the request: signs it (fresh timestamp, nonce and signature for every attempt), fails over
    /// to the backup host on connection errors, retries as the retry policy decides, checks the status
    /// and verifies the response signature. Returns the raw verified response, with its `Request-ID`
    /// and the number of attempts.
    ///
    /// Retry policy (each retry re-signs; at most `max_retries` retries):
    /// * connection failures (request never reached a server, on primary and backup): retried, any method;
    /// * other transport failures (timeout, reset after sending): retried only for GET/HEAD;
    /// * HTTP 429 (`RATELIMIT_EXCEEDED`): retried, any method, honouring `Retry-After`;
    /// * HTTP 5xx: retried only for GET/HEAD (configurable), never for POST/PUT/PATCH/DELETE;
    /// * anything else: returned at once.
    ///
    /// An error answer that carries `Wechatpay-Signature` is verified before anything else (a bad
    /// signature is an [`Error::Signature`] and is not retried). With verification on, a 2xx answer
    /// without the `Wechatpay-*` headers is rejected before its body is read, and no answer may exceed
    /// [`ClientBuilder::max_response_bytes`].
    ///
    /// With the `tracing` feature (on by default) each call is a `wechatpay` span (method, path template,
    /// merchant id) with events for every attempt (host, status, `Request-ID`, duration), retry,
    /// failover and certificate download; never a key, a signature, a body or a parameter value.
    pub async fn execute(&self, req: Request) -> Result<Response, Error> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument as _;
            let span = tracing::info_span!(
                "wechatpay",
                method = %req.method,
                path = %req.path_template(),
                mchid = %self.inner.merchant.mchid,
            );
            self.execute_inner(req).instrument(span).await
        }
        #[cfg(not(feature = "tracing"))]
        self.execute_inner(req).await
    }

    async fn execute_inner(&self, mut req: Request) -> Result<Response, Error> {
        let _started = std::time::Instant::now();
        self.prepare(&mut req).await?;
        let verify = !req.unsigned_download && self.inner.verify_responses;
        let result = self.fetch(&req, verify).await;
        match &result {
            Ok(_r) => trace_event!(
                info,
                status = _r.status,
                attempts = _r.attempts,
                request_id = _r.request_id.as_deref().unwrap_or(""),
                duration_ms = _started.elapsed().as_millis() as u64,
                "wechatpay: call succeeded"
            ),
            Err(_e) => trace_event!(
                warn,
                error = %_e,
                duration_ms = _started.elapsed().as_millis() as u64,
                "wechatpay: call failed"
            ),
        }
        result
    }

    /// What every send does before its retry loop: start the periodic certificate refresh, encrypt the
    /// sensitive plaintext once (every attempt signs and sends the same ciphertext) and name the key in
    /// `Wechatpay-Serial` when the request needs it.
    pub(crate) async fn prepare(&self, req: &mut Request) -> Result<(), Error> {
        self.maybe_spawn_periodic_refresh();
        if req.has_plaintext_to_encrypt() {
            if has_sensitive_values(req)? {
                return self.encrypt_request(req).await;
            }
            // Sensitive fields are declared but none holds a value: nothing to encrypt, so no key is
            // needed. The serial of a key at hand is still named, as when something is encrypted.
            req.encrypt_paths.clear();
            if !req.needs_encryption_serial && req.wechatpay_serial.is_none() {
                req.wechatpay_serial = self.preferred_key().map(|k| k.serial().to_string());
            }
        }
        if req.needs_encryption_serial && req.wechatpay_serial.is_none() {
            req.wechatpay_serial = Some(self.encryption_key().await?.serial().to_string());
        }
        Ok(())
    }
}

/// Whether the request holds a sensitive value to encrypt: a query value marked for encryption, or a
/// string at one of the sensitive body paths (absent and `null` fields hold none).
fn has_sensitive_values(req: &Request) -> Result<bool, Error> {
    if req.query.iter().any(|q| q.encrypt) {
        return Ok(true);
    }
    if req.encrypt_paths.is_empty() {
        return Ok(false);
    }
    let json = match &req.multipart {
        Some(m) => Some(&m.meta),
        None => req.body.as_ref(),
    };
    match json {
        Some(json) => Ok(crate::sensitive::count_json_fields(json, &req.encrypt_paths)? > 0),
        None => Ok(false),
    }
}
