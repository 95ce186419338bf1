//! The async client: configuration, signing, transport, retries, failover, verification, decoding.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::{authorization_header, verify_signature, Clock, SystemClock};
use crate::crypto::{generate_nonce, ApiV3Key, KeyStore, PrivateKey, VerifyingKey};
use crate::error::{
    ApiError, ConfigError, ConfigErrorKind, CryptoError, DecodeError, Error, SignatureErrorKind,
    TransportError,
};
use crate::request::{Method, Request};
use crate::sensitive::{decrypt_sensitive, encrypt_json_fields, encrypt_sensitive, SecretString};

/// Primary API host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// Backup API host, used when the primary cannot be connected to.
pub const DEFAULT_BACKUP_BASE_URL: &str = "https://api2.mch.weixin.qq.com";
/// Hong Kong host, for operations documented there (pass it with [`Request::base_url`]).
pub const HK_BASE_URL: &str = "https://apihk.mch.weixin.qq.com";

/// `User-Agent` sent with every request: crate name and version, OS and architecture.
pub const USER_AGENT: &str = concat!(
    env!("CARGO_PKG_NAME"),
    "/",
    env!("CARGO_PKG_VERSION"),
    " (Rust; reqwest)"
);

/// Minimum time between two automatic (unknown-serial-triggered) certificate downloads.
const AUTO_REFRESH_MIN_INTERVAL_SECS: i64 = 60;

/// Builder for [`Client`]. Obtain it with [`Client::builder`].
///
/// Convenience setters that parse keys (`private_key_pem`, `apiv3_key`, …) remember the first error
/// and [`build`](ClientBuilder::build) returns it, so the chain stays fluent. `Debug` redacts secrets.
pub struct ClientBuilder {
    mchid: Option<String>,
    merchant_serial: Option<String>,
    private_key: Option<PrivateKey>,
    apiv3_key: Option<ApiV3Key>,
    keys: KeyStore,
    auto_certificates: bool,
    base_url: String,
    backup_base_url: Option<String>,
    host_overrides: Vec<(String, String)>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    retry_backoff: Duration,
    max_backoff: Duration,
    retry_5xx_for_get: bool,
    verify_responses: bool,
    clock: Arc<dyn Clock>,
    refresh_interval: Option<Duration>,
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field("private_key", &self.private_key)
            .field("apiv3_key", &self.apiv3_key)
            .field("keys", &self.keys)
            .field("auto_certificates", &self.auto_certificates)
            .field("base_url", &self.base_url)
            .field("backup_base_url", &self.backup_base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("verify_responses", &self.verify_responses)
            .finish_non_exhaustive()
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Config(ConfigError::new(
        ConfigErrorKind::Io,
        format!("cannot read {what} {}: {e}", path.display()),
    ))
}

impl ClientBuilder {
    fn new() -> Self {
        ClientBuilder {
            mchid: None,
            merchant_serial: None,
            private_key: None,
            apiv3_key: None,
            keys: KeyStore::new(),
            auto_certificates: false,
            base_url: DEFAULT_BASE_URL.to_string(),
            backup_base_url: Some(DEFAULT_BACKUP_BASE_URL.to_string()),
            host_overrides: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_retries: 2,
            retry_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            retry_5xx_for_get: true,
            verify_responses: true,
            clock: Arc::new(SystemClock),
            refresh_interval: Some(Duration::from_secs(12 * 3600)),
            error: None,
        }
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Merchant id (`mchid`).
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// Serial number of the merchant API certificate (`serial_no` in `Authorization`).
    pub fn merchant_serial(mut self, serial: impl Into<String>) -> Self {
        self.merchant_serial = Some(serial.into());
        self
    }

    /// The merchant private key, already parsed.
    pub fn private_key(mut self, key: PrivateKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The merchant private key as PEM text (PKCS#1 or PKCS#8).
    pub fn private_key_pem(mut self, pem: &str) -> Self {
        match PrivateKey::from_pem(pem) {
            Ok(k) => self.private_key = Some(k),
            Err(e) => self.fail(e),
        }
        self
    }

    /// The merchant private key from a PEM file (e.g. `apiclient_key.pem`).
    pub fn private_key_file(mut self, path: impl AsRef<Path>) -> Self {
        match PrivateKey::from_pem_file(path) {
            Ok(k) => self.private_key = Some(k),
            Err(e) => self.fail(e),
        }
        self
    }

    /// The APIv3 key; must be exactly 32 bytes (checked in [`build`](Self::build)).
    pub fn apiv3_key(mut self, key: impl AsRef<[u8]>) -> Self {
        match ApiV3Key::new(key) {
            Ok(k) => self.apiv3_key = Some(k),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds a WeChat Pay public key (public-key mode) with its id `PUB_KEY_ID_…`, as PEM text.
    pub fn wechatpay_public_key(mut self, public_key_id: &str, pem: &str) -> Self {
        match VerifyingKey::from_public_key_pem(public_key_id, pem) {
            Ok(k) => self.keys.insert(k),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds a WeChat Pay public key from a PEM file (e.g. `pub_key.pem`).
    pub fn wechatpay_public_key_file(
        mut self,
        public_key_id: &str,
        path: impl AsRef<Path>,
    ) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(pem) => self.wechatpay_public_key(public_key_id, &pem),
            Err(e) => {
                self.fail(io_err("WeChat Pay public key file", path, e));
                self
            }
        }
    }

    /// Adds a platform certificate (PEM text); its serial is read from the certificate.
    pub fn platform_certificate_pem(mut self, pem: &str) -> Self {
        match VerifyingKey::from_certificate_pem(pem) {
            Ok(k) => self.keys.insert(k),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds a platform certificate from a PEM file.
    pub fn platform_certificate_file(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(pem) => self.platform_certificate_pem(&pem),
            Err(e) => {
                self.fail(io_err("platform certificate file", path, e));
                self
            }
        }
    }

    /// Adds an already-parsed verifying key (public key or certificate).
    pub fn verifying_key(self, key: VerifyingKey) -> Self {
        self.keys.insert(key);
        self
    }

    /// Uses an existing (possibly shared) key store instead of a fresh one; keys added with the other
    /// setters go into it too.
    pub fn key_store(mut self, store: KeyStore) -> Self {
        for s in self.keys.serials() {
            if let Some(k) = self.keys.get(&s) {
                store.insert((*k).clone());
            }
        }
        self.keys = store;
        self
    }

    /// Downloads platform certificates from `GET /v3/certificates` when a response names a serial that
    /// is not in the key store (at most once a minute, and on [`Client::refresh_platform_certificates`]).
    /// Needs the APIv3 key. Off by default; nothing is downloaded at start-up, and a failed download
    /// never fails a call that its already-trusted keys can verify.
    pub fn auto_platform_certificates(mut self, on: bool) -> Self {
        self.auto_certificates = on;
        self
    }

    /// How often certificates are re-downloaded in the background in certificate mode (default 12 h;
    /// `None` = only on unknown serials and on demand). Only with
    /// [`auto_platform_certificates`](Self::auto_platform_certificates), never when a WeChat Pay public key
    /// is configured, and never blocking a call: the download runs on a spawned task.
    pub fn certificate_refresh_interval(mut self, interval: Option<Duration>) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// Primary base URL (default [`DEFAULT_BASE_URL`]); tests point it at `http://127.0.0.1:PORT`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Backup base URL used on connection failures (default [`DEFAULT_BACKUP_BASE_URL`]); `None`
    /// disables failover.
    pub fn backup_base_url(mut self, url: Option<String>) -> Self {
        self.backup_base_url = url;
        self
    }

    /// Sends the operations documented on another host (`origin`, e.g. [`HK_BASE_URL`] or
    /// `https://api.mch.weixin.qq.com` for the `…/hk/` operations) to `base_url` instead: the origin is
    /// replaced, any path prefix after it is kept. For a proxy, or a local test server. May be called for
    /// several origins.
    ///
    /// ```
    /// # fn demo() -> Result<(), wechatpay_runtime::Error> {
    /// # let pem = "";
    /// let client = wechatpay_runtime::Client::builder()
    ///     .base_url("http://127.0.0.1:8080")
    ///     .host_override(wechatpay_runtime::HK_BASE_URL, "http://127.0.0.1:8080");
    /// # Ok(()) }
    /// ```
    pub fn host_override(mut self, origin: impl Into<String>, base_url: impl Into<String>) -> Self {
        let origin: String = origin.into();
        let base: String = base_url.into();
        self.host_overrides.push((
            origin.trim_end_matches('/').to_string(),
            base.trim_end_matches('/').to_string(),
        ));
        self
    }

    /// Total timeout per HTTP attempt (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Connect timeout per attempt (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Maximum number of retries after the first attempt (default 2). `0` disables retries (failover to
    /// the backup host still happens within an attempt).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First backoff delay (default 200 ms); doubled per retry, capped by [`max_backoff`](Self::max_backoff),
    /// with up to 25 % random jitter added.
    pub fn retry_backoff(mut self, d: Duration) -> Self {
        self.retry_backoff = d;
        self
    }

    /// Cap for the backoff delay and for a server's `Retry-After` (default 5 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Whether 5xx answers to GET/HEAD requests are retried (default `true`). 5xx answers to other
    /// methods are never retried: the operation may have taken effect.
    pub fn retry_server_errors_for_get(mut self, on: bool) -> Self {
        self.retry_5xx_for_get = on;
        self
    }

    /// Replaces the clock used for request timestamps and the response timestamp check.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// **Dangerous**: turns off verification of response signatures. Responses can then be forged by
    /// anyone on the network path. Only for debugging against servers that cannot sign.
    pub fn danger_disable_response_verification(mut self) -> Self {
        self.verify_responses = false;
        self
    }

    /// Validates the configuration and builds the client. Never performs network I/O.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let missing = |what: &str| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                format!("{what} is not set"),
            ))
        };
        let mchid = self
            .mchid
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| missing("mchid"))?;
        let merchant_serial = self
            .merchant_serial
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| missing("merchant certificate serial"))?;
        let private_key = self
            .private_key
            .ok_or_else(|| missing("merchant private key"))?;
        if self.auto_certificates && self.apiv3_key.is_none() {
            return Err(missing(
                "APIv3 key (needed to download platform certificates)",
            ));
        }
        if self.verify_responses && self.keys.is_empty() && !self.auto_certificates {
            return Err(missing(
                "WeChat Pay public key or platform certificate (needed to verify responses)",
            ));
        }
        let check_url = |u: &str| -> Result<String, Error> {
            let parsed = reqwest::Url::parse(u).map_err(|e| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Url,
                    format!("bad base URL {u:?}: {e}"),
                ))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(Error::Config(ConfigError::new(
                    ConfigErrorKind::Url,
                    format!("base URL {u:?} is not an absolute http(s) URL"),
                )));
            }
            Ok(u.trim_end_matches('/').to_string())
        };
        let base_url = check_url(&self.base_url)?;
        let backup_base_url = match &self.backup_base_url {
            Some(u) => Some(check_url(u)?),
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(USER_AGENT)
            // WeChat Pay does not redirect; a redirect would carry a signature for another URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::HttpClient,
                    format!("cannot build HTTP client: {e}"),
                ))
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                mchid,
                merchant_serial,
                private_key,
                apiv3_key: self.apiv3_key,
                keys: self.keys,
                auto_certificates: self.auto_certificates,
                base_url,
                backup_base_url,
                host_overrides: self.host_overrides,
                max_retries: self.max_retries,
                retry_backoff: self.retry_backoff,
                max_backoff: self.max_backoff,
                retry_5xx_for_get: self.retry_5xx_for_get,
                verify_responses: self.verify_responses,
                clock: self.clock,
                last_refresh: tokio::sync::Mutex::new(None),
                refresh_interval: self.refresh_interval,
                refresh_running: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    mchid: String,
    merchant_serial: String,
    private_key: PrivateKey,
    apiv3_key: Option<ApiV3Key>,
    keys: KeyStore,
    auto_certificates: bool,
    base_url: String,
    backup_base_url: Option<String>,
    host_overrides: Vec<(String, String)>,
    max_retries: u32,
    retry_backoff: Duration,
    max_backoff: Duration,
    retry_5xx_for_get: bool,
    verify_responses: bool,
    clock: Arc<dyn Clock>,
    last_refresh: tokio::sync::Mutex<Option<i64>>,
    refresh_interval: Option<Duration>,
    refresh_running: std::sync::atomic::AtomicBool,
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
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("mchid", &i.mchid)
            .field("merchant_serial", &i.merchant_serial)
            .field("private_key", &i.private_key)
            .field("apiv3_key", &i.apiv3_key)
            .field("keys", &i.keys)
            .field("auto_certificates", &i.auto_certificates)
            .field("base_url", &i.base_url)
            .field("backup_base_url", &i.backup_base_url)
            .field("host_overrides", &i.host_overrides)
            .field("max_retries", &i.max_retries)
            .field("verify_responses", &i.verify_responses)
            .finish_non_exhaustive()
    }
}

/// A response that passed status and signature checks.
#[derive(Debug, Clone)]
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
}

#[derive(Deserialize)]
struct ApiErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct CertificateList {
    data: Vec<CertificateEntry>,
}

#[derive(Deserialize)]
struct CertificateEntry {
    serial_no: String,
    encrypt_certificate: EncryptedCert,
}

#[derive(Deserialize)]
struct EncryptedCert {
    #[serde(default)]
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
    ciphertext: String,
}

fn jitter(d: Duration) -> Duration {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 1];
    let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut b);
    let extra = (d / 4)
        .checked_mul(u32::from(b[0]))
        .map(|x| x / 255)
        .unwrap_or_default();
    d.saturating_add(extra)
}

fn idempotent(m: &Method) -> bool {
    *m == Method::GET || *m == Method::HEAD
}

/// Decodes JSON into `T`, reporting the serde path of the first bad field.
pub fn decode_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mk = |path: String, message: String| {
        Error::Decode(DecodeError {
            status,
            path,
            message,
            body: String::from_utf8_lossy(body).into_owned(),
        })
    };
    let v: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| mk(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| mk(".".to_string(), e.to_string()))?;
    Ok(v)
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        &self.inner.mchid
    }

    /// The shared key store (WeChat Pay public keys and platform certificates).
    pub fn key_store(&self) -> &KeyStore {
        &self.inner.keys
    }

    /// The merchant private key (e.g. for [`rsa_oaep_decrypt`](crate::rsa_oaep_decrypt) of fields
    /// WeChat returns encrypted).
    pub fn private_key(&self) -> &PrivateKey {
        &self.inner.private_key
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
            Error::Config(crate::error::ConfigError::new(
                crate::error::ConfigErrorKind::Missing,
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

    /// The key to encrypt sensitive request fields with: the WeChat Pay public key in public-key mode,
    /// else the newest valid platform certificate (downloading certificates first if the store has none
    /// and auto-download is on). Encrypt with [`rsa_oaep_encrypt`](crate::rsa_oaep_encrypt) and call
    /// [`Request::encrypted_with`] with `key.serial()`.
    pub async fn encryption_key(&self) -> Result<Arc<VerifyingKey>, Error> {
        if let Some(k) = self.inner.keys.preferred(self.now()) {
            return Ok(k);
        }
        if self.inner.auto_certificates {
            self.refresh_platform_certificates().await?;
            if let Some(k) = self.inner.keys.preferred(self.now()) {
                return Ok(k);
            }
        }
        Err(Error::Config(ConfigError::new(
            ConfigErrorKind::Missing,
            "no valid WeChat Pay public key or platform certificate to encrypt with",
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
                Error::Crypto(CryptoError::PlaintextTooLong { len, max }) => {
                    Error::InvalidRequest(format!(
                        "sensitive query parameter `{}` is {len} bytes long; RSA-OAEP with this key allows at most {max}",
                        q.key
                    ))
                }
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
        decrypt_sensitive(&self.inner.private_key, ciphertext_b64)
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
            &self.inner.private_key,
            &self.inner.mchid,
            &self.inner.merchant_serial,
            method,
            path_and_query,
            &ts,
            &nonce,
            body,
        )
    }

    fn build_http(&self, req: &Request, base: &str, pq: &str) -> Result<reqwest::Request, Error> {
        let url = reqwest::Url::parse(&format!("{base}{pq}")).map_err(|e| {
            Error::InvalidRequest(format!("cannot build URL from {base:?} and {pq:?}: {e}"))
        })?;
        // Sign exactly what goes on the request line.
        let mut signed = url.path().to_string();
        if let Some(q) = url.query() {
            signed.push('?');
            signed.push_str(q);
        }
        let body: &[u8] = req.body.as_deref().unwrap_or(b"");
        let auth = self.sign_request(req.method.as_str(), &signed, body, None, None)?;
        let mut hr = reqwest::Request::new(req.method.clone(), url);
        let h = hr.headers_mut();
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::InvalidRequest(format!("bad header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| Error::InvalidRequest(format!("bad value for header {k:?}")))?;
            h.append(name, value);
        }
        let hv = |s: &str| {
            HeaderValue::from_str(s)
                .map_err(|_| Error::InvalidRequest(format!("bad header value {s:?}")))
        };
        h.insert(reqwest::header::AUTHORIZATION, hv(&auth)?);
        h.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static(if req.unsigned_download {
                "*/*"
            } else {
                "application/json"
            }),
        );
        h.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        let serial = match &req.wechatpay_serial {
            Some(s) => Some(s.clone()),
            None => self
                .inner
                .keys
                .preferred(self.now())
                .map(|k| k.serial().to_string()),
        };
        if let Some(s) = serial {
            h.insert(HeaderName::from_static("wechatpay-serial"), hv(&s)?);
        }
        if let Some(m) = &req.multipart {
            // An upload: the signature covers the meta JSON; the body is the multipart encoding.
            let boundary = generate_nonce();
            h.insert(
                reqwest::header::CONTENT_TYPE,
                hv(&format!("multipart/form-data; boundary={boundary}"))?,
            );
            *hr.body_mut() = Some(reqwest::Body::from(m.encode(&boundary)));
            return Ok(hr);
        }
        // Like the official SDKs, every request declares JSON (a GET simply has an empty body).
        h.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(b) = &req.body {
            *hr.body_mut() = Some(reqwest::Body::from(b.clone()));
        }
        Ok(hr)
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let base = self
            .inner
            .retry_backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.inner.max_backoff);
        let d = jitter(base).min(self.inner.max_backoff);
        match retry_after {
            Some(ra) => ra.min(self.inner.max_backoff).max(d),
            None => d,
        }
    }

    /// Sends the request: signs it (fresh timestamp, nonce and signature for every attempt), fails over
    /// to the backup host on connection errors, retries as documented on [`ClientBuilder`], checks the
    /// status and verifies the response signature. Returns the raw verified response.
    ///
    /// Retry policy (each retry re-signs; at most `max_retries` retries):
    /// * connection failures (request never reached a server, on primary and backup): retried, any method;
    /// * other transport failures (timeout, reset after sending): retried only for GET/HEAD;
    /// * HTTP 429 (`RATELIMIT_EXCEEDED`): retried, any method, honouring `Retry-After`;
    /// * HTTP 5xx: retried only for GET/HEAD (configurable), never for POST/PUT/PATCH/DELETE;
    /// * anything else: returned at once.
    pub async fn execute(&self, mut req: Request) -> Result<Response, Error> {
        self.prepare(&mut req).await?;
        let mut resp = self.transport(&req).await?;
        if !req.unsigned_download && self.inner.verify_responses {
            resp.verified_by = Some(self.verify(&resp.headers, &resp.body).await?);
        }
        Ok(resp)
    }

    /// A per-request base URL after [`ClientBuilder::host_override`]: the first override whose origin
    /// starts it (followed by `/` or nothing) replaces that origin.
    fn routed<'a>(&self, base: &'a str) -> std::borrow::Cow<'a, str> {
        for (origin, to) in &self.inner.host_overrides {
            if let Some(rest) = base.strip_prefix(origin.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    return format!("{to}{rest}").into();
                }
            }
        }
        base.into()
    }

    /// What every send does before its retry loop: start the periodic certificate refresh, encrypt the
    /// sensitive plaintext once (every attempt signs and sends the same ciphertext) and name the key in
    /// `Wechatpay-Serial` when the request needs it.
    pub(crate) async fn prepare(&self, req: &mut Request) -> Result<(), Error> {
        self.maybe_spawn_periodic_refresh();
        if req.has_plaintext_to_encrypt() {
            self.encrypt_request(req).await?;
        } else if req.needs_encryption_serial && req.wechatpay_serial.is_none() {
            req.wechatpay_serial = Some(self.encryption_key().await?.serial().to_string());
        }
        Ok(())
    }

    /// Signing, failover, retries and status handling; no signature verification.
    async fn transport(&self, req: &Request) -> Result<Response, Error> {
        let mut attempt: u32 = 0;
        loop {
            let resp = self.transport_head(req, &mut attempt, None).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let url = resp.url().to_string();
            match resp.bytes().await {
                Ok(body) => {
                    return Ok(Response {
                        status,
                        headers,
                        body,
                        verified_by: None,
                    })
                }
                Err(e) => {
                    if idempotent(&req.method) && attempt < self.inner.max_retries {
                        tokio::time::sleep(self.backoff(attempt, None)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport(TransportError { url, source: e }));
                }
            }
        }
    }

    /// Signing, failover, retries and status handling up to a 2xx answer whose body is not read yet
    /// (so that downloads can stream it). `attempt` counts retries across calls; `timeout` replaces the
    /// client's per-attempt timeout (downloads of large files need longer).
    pub(crate) async fn transport_head(
        &self,
        req: &Request,
        attempt: &mut u32,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, Error> {
        let pq = req.path_and_query()?;
        let mut bases: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(2);
        match &req.base_url {
            Some(b) => bases.push(self.routed(b.trim_end_matches('/'))),
            None => {
                bases.push(self.inner.base_url.as_str().into());
                if let Some(b) = &self.inner.backup_base_url {
                    bases.push(b.as_str().into());
                }
            }
        }
        loop {
            let mut outcome: Option<Result<reqwest::Response, TransportError>> = None;
            for base in &bases {
                let mut hr = self.build_http(req, base, &pq)?;
                if timeout.is_some() {
                    *hr.timeout_mut() = timeout;
                }
                let url = hr.url().to_string();
                match self.inner.http.execute(hr).await {
                    Ok(r) => {
                        outcome = Some(Ok(r));
                        break;
                    }
                    Err(e) => {
                        let connect = e.is_connect();
                        outcome = Some(Err(TransportError { url, source: e }));
                        if !connect {
                            break;
                        }
                    }
                }
            }
            let resp = match outcome {
                Some(Ok(r)) => r,
                Some(Err(te)) => {
                    let retryable = te.is_connect() || idempotent(&req.method);
                    if retryable && *attempt < self.inner.max_retries {
                        tokio::time::sleep(self.backoff(*attempt, None)).await;
                        *attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport(te));
                }
                None => return Err(Error::InvalidRequest("no base URL configured".into())),
            };
            let status = resp.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(resp);
            }
            let headers = resp.headers().clone();
            let url = resp.url().to_string();
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    if idempotent(&req.method) && *attempt < self.inner.max_retries {
                        tokio::time::sleep(self.backoff(*attempt, None)).await;
                        *attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport(TransportError { url, source: e }));
                }
            };
            let retry_status = status == 429
                || (status >= 500 && self.inner.retry_5xx_for_get && idempotent(&req.method));
            if retry_status && *attempt < self.inner.max_retries {
                let retry_after = headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                tokio::time::sleep(self.backoff(*attempt, retry_after)).await;
                *attempt += 1;
                continue;
            }
            let parsed: Option<ApiErrorBody> = serde_json::from_slice(&body).ok();
            let (code, message, detail) = match parsed {
                Some(p) => (p.code, p.message, p.detail),
                None => (String::new(), String::new(), None),
            };
            return Err(Error::Api(Box::new(ApiError {
                status,
                code,
                message,
                detail,
                body: String::from_utf8_lossy(&body).into_owned(),
            })));
        }
    }

    /// The configured primary and backup base URLs (without a trailing `/`).
    pub(crate) fn base_urls(&self) -> (&str, Option<&str>) {
        (&self.inner.base_url, self.inner.backup_base_url.as_deref())
    }

    async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<String, Error> {
        match verify_signature(headers, body, self.now(), &self.inner.keys) {
            Ok(s) => Ok(s),
            Err(e) => {
                if let SignatureErrorKind::UnknownSerial(serial) = e.kind() {
                    if self.inner.auto_certificates && self.auto_refresh(serial).await {
                        return verify_signature(headers, body, self.now(), &self.inner.keys)
                            .map_err(Error::Signature);
                    }
                }
                Err(Error::Signature(e))
            }
        }
    }

    /// Rate-limited refresh; `true` if a refresh ran and succeeded (errors are swallowed: the caller
    /// reports the original unknown-serial error).
    async fn auto_refresh(&self, serial: &str) -> bool {
        {
            // Waits for a refresh in flight (e.g. the periodic one) before deciding.
            let last = self.inner.last_refresh.lock().await;
            if self.inner.keys.get(serial).is_some() {
                return true;
            }
            if let Some(t) = *last {
                if self.now().saturating_sub(t) < AUTO_REFRESH_MIN_INTERVAL_SECS {
                    return false;
                }
            }
        }
        self.refresh_platform_certificates().await.is_ok()
    }

    /// In certificate mode with auto-download on, starts a background download when the last one is
    /// older than the refresh interval (or there was none). Never waits for it.
    fn maybe_spawn_periodic_refresh(&self) {
        use std::sync::atomic::Ordering;
        let inner = &self.inner;
        let Some(interval) = inner.refresh_interval else {
            return;
        };
        if !inner.auto_certificates || inner.keys.has_public_key() {
            return;
        }
        let stale = match inner.last_refresh.try_lock() {
            Ok(last) => match *last {
                None => true,
                Some(t) => self.now().saturating_sub(t) >= interval.as_secs() as i64,
            },
            Err(_) => false, // a refresh is running
        };
        if !stale || inner.refresh_running.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let client = self.clone();
                handle.spawn(async move {
                    let _ = client.refresh_platform_certificates().await;
                    client.inner.refresh_running.store(false, Ordering::SeqCst);
                });
            }
            Err(_) => inner.refresh_running.store(false, Ordering::SeqCst),
        }
    }

    /// Downloads the platform certificates (`GET /v3/certificates`), decrypts each with the APIv3 key
    /// (AEAD_AES_256_GCM), verifies the download's signature (with an already-trusted key, or with one of
    /// the downloaded certificates when its serial is not yet trusted, as WeChat documents), and adds them
    /// to the key store. Returns the number of certificates added or replaced.
    pub async fn refresh_platform_certificates(&self) -> Result<usize, Error> {
        let apiv3 = self.inner.apiv3_key.clone().ok_or_else(|| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                "APIv3 key is needed to download platform certificates",
            ))
        })?;
        let mut last = self.inner.last_refresh.lock().await;
        *last = Some(self.now());
        let resp = self
            .transport(&Request::new(Method::GET, "/v3/certificates"))
            .await?;
        let list: CertificateList = decode_json(resp.status, &resp.body)?;
        let mut fresh = Vec::new();
        for entry in list.data {
            let ec = &entry.encrypt_certificate;
            if !ec.algorithm.is_empty() && ec.algorithm != "AEAD_AES_256_GCM" {
                continue;
            }
            let pem = apiv3.decrypt_resource(&ec.nonce, &ec.associated_data, &ec.ciphertext)?;
            let pem = String::from_utf8(pem).map_err(|_| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Certificate,
                    "downloaded certificate is not UTF-8 PEM",
                ))
            })?;
            let key = VerifyingKey::from_certificate_pem(&pem)?;
            if !key.serial().eq_ignore_ascii_case(entry.serial_no.trim()) {
                return Err(Error::Config(ConfigError::new(
                    ConfigErrorKind::Certificate,
                    format!(
                        "downloaded certificate serial {} does not match serial_no {}",
                        key.serial(),
                        entry.serial_no
                    ),
                )));
            }
            fresh.push(key);
        }
        if self.inner.verify_responses {
            let candidates = KeyStore::new();
            for s in self.inner.keys.serials() {
                if let Some(k) = self.inner.keys.get(&s) {
                    candidates.insert((*k).clone());
                }
            }
            for k in &fresh {
                candidates.insert(k.clone());
            }
            verify_signature(&resp.headers, &resp.body, self.now(), &candidates)?;
        }
        let n = fresh.len();
        for k in fresh {
            self.inner.keys.insert(k);
        }
        drop(last);
        Ok(n)
    }
}
