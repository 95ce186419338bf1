//! [`ClientBuilder`]: configuration, validated once by [`ClientBuilder::build`] (which does no I/O).

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::certificates::Gate;
use super::retry::RetryPolicy;
use super::{
    Client, Inner, Merchant, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES,
    USER_AGENT,
};
use crate::auth::{Clock, SystemClock};
use crate::crypto::{ApiV3Key, KeyStore, PrivateKey, VerifyingKey};
use crate::error::{ConfigError, ConfigErrorKind, Error};

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
    own_public_key_id: Option<String>,
    http: Option<reqwest::Client>,
    gate: Option<Arc<Gate>>,
    max_response_bytes: u64,
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
            .field("max_response_bytes", &self.max_response_bytes)
            .field("shared_http_client", &self.http.is_some())
            .finish_non_exhaustive()
    }
}

/// `WECHATPAY_MCHID`: merchant id (see [`ClientBuilder::from_env`]).
pub const ENV_MCHID: &str = "WECHATPAY_MCHID";
/// `WECHATPAY_SERIAL`: merchant API certificate serial.
pub const ENV_SERIAL: &str = "WECHATPAY_SERIAL";
/// `WECHATPAY_PRIVATE_KEY`: merchant private key, a path or PEM text.
pub const ENV_PRIVATE_KEY: &str = "WECHATPAY_PRIVATE_KEY";
/// `WECHATPAY_PUBLIC_KEY`: WeChat Pay public key, a path or PEM text.
pub const ENV_PUBLIC_KEY: &str = "WECHATPAY_PUBLIC_KEY";
/// `WECHATPAY_PUBLIC_KEY_ID`: the WeChat Pay public key id, `PUB_KEY_ID_…`.
pub const ENV_PUBLIC_KEY_ID: &str = "WECHATPAY_PUBLIC_KEY_ID";
/// `WECHATPAY_PLATFORM_CERTS`: platform certificate paths (or PEM text).
pub const ENV_PLATFORM_CERTS: &str = "WECHATPAY_PLATFORM_CERTS";
/// `WECHATPAY_APIV3_KEY`: the APIv3 key itself.
pub const ENV_APIV3_KEY: &str = "WECHATPAY_APIV3_KEY";
/// `WECHATPAY_APIV3_KEY_FILE`: a file holding the APIv3 key.
pub const ENV_APIV3_KEY_FILE: &str = "WECHATPAY_APIV3_KEY_FILE";
/// `WECHATPAY_BASE_URL`: base URL.
pub const ENV_BASE_URL: &str = "WECHATPAY_BASE_URL";
/// `WECHATPAY_BACKUP_BASE_URL`: backup base URL.
pub const ENV_BACKUP_BASE_URL: &str = "WECHATPAY_BACKUP_BASE_URL";

fn is_pem(v: &str) -> bool {
    v.trim_start().starts_with("-----BEGIN")
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Config(ConfigError::io(
        format!("cannot read {what} {}", path.display()),
        e,
    ))
}

impl ClientBuilder {
    pub(super) fn new() -> Self {
        ClientBuilder {
            mchid: None,
            merchant_serial: None,
            private_key: None,
            apiv3_key: None,
            keys: KeyStore::new(),
            own_public_key_id: None,
            http: None,
            gate: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
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

    /// A builder configured from the `WECHATPAY_*` environment variables, the same ones the `wxpay`
    /// command-line tool reads (their names are a stable contract):
    ///
    /// | Variable | Meaning |
    /// |---|---|
    /// | `WECHATPAY_MCHID` | merchant id |
    /// | `WECHATPAY_SERIAL` | merchant API certificate serial |
    /// | `WECHATPAY_PRIVATE_KEY` | merchant private key: a path to `apiclient_key.pem`, or the PEM text itself |
    /// | `WECHATPAY_PUBLIC_KEY` | WeChat Pay public key: a path to `pub_key.pem`, or the PEM text |
    /// | `WECHATPAY_PUBLIC_KEY_ID` | its id, `PUB_KEY_ID_…` (required with `WECHATPAY_PUBLIC_KEY`) |
    /// | `WECHATPAY_PLATFORM_CERTS` | platform certificates: paths separated by `,` or the OS path separator (`:`; `;` on Windows), or PEM text |
    /// | `WECHATPAY_APIV3_KEY` | the APIv3 key itself (exactly 32 bytes, no trailing newline) |
    /// | `WECHATPAY_APIV3_KEY_FILE` | a file holding the APIv3 key (one trailing newline is ignored) |
    /// | `WECHATPAY_BASE_URL` | base URL (then no backup host unless the next one is set) |
    /// | `WECHATPAY_BACKUP_BASE_URL` | backup base URL |
    ///
    /// A value that starts with `-----BEGIN` is taken as PEM text, anything else as a path. Unset
    /// variables leave the builder's defaults; empty ones count as unset. Problems (an unreadable file,
    /// a certificate where the private key is expected, an APIv3 key with a trailing newline, a public
    /// key without its id) are returned by [`build`](Self::build), naming the variable. Nothing turns
    /// on [`auto_platform_certificates`](Self::auto_platform_certificates): chain it if you want it.
    ///
    /// Why a key *file* may end with one newline and a key *value* may not: editors and `echo` end
    /// files with a newline that nobody sees and no key contains, so dropping exactly one is safe; a
    /// value in the environment was typed or templated on purpose, so a newline there is reported
    /// (with a hint) rather than guessed away.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), wechatpay_runtime::Error> {
    /// // WECHATPAY_MCHID=1900000001 WECHATPAY_SERIAL=… WECHATPAY_PRIVATE_KEY=/etc/wxpay/apiclient_key.pem
    /// // WECHATPAY_PUBLIC_KEY=/etc/wxpay/pub_key.pem WECHATPAY_PUBLIC_KEY_ID=PUB_KEY_ID_… WECHATPAY_APIV3_KEY_FILE=/etc/wxpay/apiv3.key
    /// let client = wechatpay_runtime::ClientBuilder::from_env().build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn from_env() -> Self {
        Self::from_env_with(|name| std::env::var_os(name))
    }

    /// [`from_env`](Self::from_env) with another source of variables (a config map, a test): `lookup`
    /// returns the value of a `WECHATPAY_*` name, or `None`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Self {
        let mut b = ClientBuilder::new();
        let var = |name: &str| -> Option<String> {
            let v = lookup(name)?;
            let v = v.into_string().ok()?;
            (!v.is_empty()).then_some(v)
        };
        let named = |name: &'static str, e: Error| -> Error {
            match e {
                Error::Config(c) => Error::Config(c.context(name)),
                other => other,
            }
        };
        if let Some(v) = var(ENV_MCHID) {
            b = b.mchid(v.trim());
        }
        if let Some(v) = var(ENV_SERIAL) {
            b = b.merchant_serial(v.trim());
        }
        if let Some(v) = var(ENV_PRIVATE_KEY).map(zeroize::Zeroizing::new) {
            let key = if is_pem(&v) {
                PrivateKey::from_pem(&v)
            } else {
                PrivateKey::from_pem_file(v.trim())
            };
            match key {
                Ok(k) => b.private_key = Some(k),
                Err(e) => b.fail(named(ENV_PRIVATE_KEY, e)),
            }
        }
        match (var(ENV_PUBLIC_KEY), var(ENV_PUBLIC_KEY_ID)) {
            (Some(key), Some(id)) => {
                let pem = if is_pem(&key) {
                    Ok(key)
                } else {
                    let path = Path::new(key.trim());
                    std::fs::read_to_string(path)
                        .map_err(|e| io_err("WeChat Pay public key file", path, e))
                };
                match pem.and_then(|pem| VerifyingKey::from_public_key_pem(id.trim(), &pem)) {
                    Ok(k) => {
                        b.own_public_key_id = Some(k.serial().to_string());
                        b.keys.insert(k);
                    }
                    Err(e) => b.fail(named(ENV_PUBLIC_KEY, e)),
                }
            }
            (Some(_), None) => b.fail(Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                format!("{ENV_PUBLIC_KEY} is set but {ENV_PUBLIC_KEY_ID} (PUB_KEY_ID_…) is not"),
            ))),
            (None, Some(_)) => b.fail(Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                format!("{ENV_PUBLIC_KEY_ID} is set but {ENV_PUBLIC_KEY} (the key, or a path to pub_key.pem) is not"),
            ))),
            (None, None) => {}
        }
        if let Some(v) = var(ENV_PLATFORM_CERTS) {
            if is_pem(&v) {
                let key = VerifyingKey::from_certificate_pem(&v);
                match key {
                    Ok(k) => b.keys.insert(k),
                    Err(e) => b.fail(named(ENV_PLATFORM_CERTS, e)),
                }
            } else {
                let sep = if cfg!(windows) { ';' } else { ':' };
                for p in v.split([',', sep]).map(str::trim).filter(|p| !p.is_empty()) {
                    let path = Path::new(p);
                    let key = std::fs::read_to_string(path)
                        .map_err(|e| io_err("platform certificate file", path, e))
                        .and_then(|pem| VerifyingKey::from_certificate_pem(&pem));
                    match key {
                        Ok(k) => b.keys.insert(k),
                        Err(e) => b.fail(named(ENV_PLATFORM_CERTS, e)),
                    }
                }
            }
        }
        let key = match lookup(ENV_APIV3_KEY).filter(|v| !v.is_empty()) {
            Some(v) => {
                let v = zeroize::Zeroizing::new(v.into_encoded_bytes());
                Some(ApiV3Key::new(v.as_slice()).map_err(|e| named(ENV_APIV3_KEY, e)))
            }
            None => var(ENV_APIV3_KEY_FILE)
                .map(|p| ApiV3Key::from_file(p.trim()).map_err(|e| named(ENV_APIV3_KEY_FILE, e))),
        };
        match key {
            Some(Ok(k)) => b.apiv3_key = Some(k),
            Some(Err(e)) => b.fail(e),
            None => {}
        }
        if let Some(u) = var(ENV_BASE_URL) {
            b = b.base_url(u.trim()).backup_base_url(None);
        }
        if let Some(u) = var(ENV_BACKUP_BASE_URL) {
            b = b.backup_base_url(Some(u.trim().to_string()));
        }
        b
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

    /// Adds a WeChat Pay public key (public-key mode) with its id `PUB_KEY_ID_…`, as PEM text. It is
    /// also this merchant's key to encrypt sensitive fields with, even in a key store shared with other
    /// merchants (see [`share_with`](Self::share_with)).
    pub fn wechatpay_public_key(mut self, public_key_id: &str, pem: &str) -> Self {
        match VerifyingKey::from_public_key_pem(public_key_id, pem) {
            Ok(k) => {
                self.own_public_key_id = Some(k.serial().to_string());
                self.keys.insert(k);
            }
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
    /// setters go into it too. Cheap: a [`KeyStore`] is a shared handle.
    pub fn key_store(mut self, store: KeyStore) -> Self {
        for s in self.keys.serials() {
            if let Some(k) = self.keys.get(&s) {
                store.insert((*k).clone());
            }
        }
        self.keys = store;
        self
    }

    /// Uses this HTTP client (and so its connection pool) instead of building one, e.g. to share one pool
    /// between the clients of several merchants. Build it with
    /// `reqwest::redirect::Policy::none()`: a redirected answer is refused anyway (WeChat Pay does not
    /// redirect, and a signed request must not be replayed elsewhere). The per-attempt
    /// [`timeout`](Self::timeout) is applied to each request; [`connect_timeout`](Self::connect_timeout)
    /// and the `User-Agent` default are the given client's own.
    ///
    /// ```
    /// # fn demo(a: wechatpay_runtime::ClientBuilder, b: wechatpay_runtime::ClientBuilder) -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()?;
    /// let merchant_a = a.http_client(pool.clone()).build()?;
    /// let merchant_b = b.http_client(pool).build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Shares `client`'s connection pool, its key store (WeChat Pay public keys and platform
    /// certificates) and its certificate-download gate with the client being built: the cheap way to
    /// run many merchants in one process. Everything that names the merchant — `mchid`, serial,
    /// private key, APIv3 key — stays this builder's own; keys added to this builder go into the shared
    /// store, and a WeChat Pay public key added here stays this merchant's encryption key.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), wechatpay_runtime::Error> {
    /// use wechatpay_runtime::Client;
    /// let first = Client::builder()
    ///     .mchid("1900000001")
    ///     .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
    ///     .private_key_file("merchant-1/apiclient_key.pem")
    ///     .wechatpay_public_key_file("PUB_KEY_ID_0119000000012025010100000000000001", "merchant-1/pub_key.pem")
    ///     .build()?;
    /// let second = Client::builder()
    ///     .mchid("1900000002")
    ///     .merchant_serial("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
    ///     .private_key_file("merchant-2/apiclient_key.pem")
    ///     .wechatpay_public_key_file("PUB_KEY_ID_0119000000022025010100000000000001", "merchant-2/pub_key.pem")
    ///     .share_with(&first)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn share_with(self, client: &Client) -> Self {
        let mut b = self
            .http_client(client.inner.http.clone())
            .key_store(client.inner.keys.clone());
        b.gate = Some(client.inner.gate.clone());
        b
    }

    /// Largest answer accepted, in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`], 4 MiB). Checked against
    /// `Content-Length` before the body is read and counted while it is read; more is a
    /// [`TransportErrorKind::ResponseTooLarge`](crate::TransportErrorKind::ResponseTooLarge) error.
    /// Stream large files with [`Client::download`] instead. Error answers keep at most
    /// [`MAX_ERROR_BODY_BYTES`](crate::MAX_ERROR_BODY_BYTES) of their body.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Downloads platform certificates from `GET /v3/certificates` when a response names a serial that
    /// is not in the key store, and when [`Client::encryption_key`] finds no valid one. Every download
    /// goes through one gate: at most one a minute (except [`Client::refresh_platform_certificates`],
    /// which forces one). Needs the APIv3 key. Off by default; nothing is downloaded at start-up, and a
    /// failed download never fails a call that its already-trusted keys can verify. Certificates that
    /// have expired are skipped when downloaded and pruned from the store on each refresh.
    pub fn auto_platform_certificates(mut self, on: bool) -> Self {
        self.auto_certificates = on;
        self
    }

    /// How often certificates are re-downloaded in the background in certificate mode (default 12 h;
    /// `None` = only on unknown serials and on demand; `Some(Duration::MAX)` = once). Only with
    /// [`auto_platform_certificates`](Self::auto_platform_certificates), never when a WeChat Pay public key
    /// is configured, and never blocking a call: the download runs on a spawned task. A failed refresh
    /// is retried a minute later, not a whole interval later; failures are logged (`tracing` warn) and
    /// kept in [`Client::last_certificate_error`].
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

    /// Sends the operations documented on another host (`origin`, e.g. [`HK_BASE_URL`](crate::HK_BASE_URL) or
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
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
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
                })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                merchant: Merchant {
                    mchid,
                    merchant_serial,
                    private_key,
                },
                apiv3_key: self.apiv3_key,
                keys: self.keys,
                own_public_key_id: self.own_public_key_id,
                auto_certificates: self.auto_certificates,
                base_url,
                backup_base_url,
                host_overrides: self.host_overrides,
                timeout: self.timeout,
                retry: RetryPolicy {
                    max_retries: self.max_retries,
                    backoff: self.retry_backoff,
                    max_backoff: self.max_backoff,
                    retry_5xx_for_get: self.retry_5xx_for_get,
                },
                verify_responses: self.verify_responses,
                max_response_bytes: self.max_response_bytes,
                clock: self.clock,
                gate: self.gate.unwrap_or_default(),
                refresh_interval: self.refresh_interval,
            }),
        })
    }
}
