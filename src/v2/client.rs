//! The APIv2 client (top layer, beside `client/`: it reuses the v3 client's retry policy and body
//! reading; nothing below imports it).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use md5::{Digest, Md5};
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::key::ApiV2Key;
use super::sign::{sign, verify_sign, SignType};
use super::xml::{parse_xml, redact_xml, to_xml, Fields, XmlLimits};
use crate::client::retry::{Failure, RetryPolicy};
use crate::client::transport::{
    base_urls_for, failure_of, read_body, request_id, retry_after, retry_after_failure, send_once,
    BodyError,
};
use crate::client::{DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, USER_AGENT};
use crate::error::{
    ApiError, ConfigError, ConfigErrorKind, Error, InvalidRequestKind, SignatureError,
    SignatureErrorKind, TransportError, TransportErrorKind, V2ResultError, V2ResultErrorKind,
    MAX_ERROR_BODY_BYTES,
};
use crate::request::{header_safe, Method};

/// What the runtime needs to know about one APIv2 operation (the generated code has one `const` per
/// operation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation<'a> {
    /// HTTP method (`POST` for XML calls; `GET` for the signed-URL pages).
    pub method: Method,
    /// The documented path, with its `/v2/` prefix (`/v2/pay/micropay`); used in errors and traces.
    pub documented_path: &'a str,
    /// The path actually sent (`/pay/micropay`: the documented `/v2` prefix is not part of the URL).
    pub path: &'a str,
    /// The documented host (`base_uri`), e.g. `https://fraud.mch.weixin.qq.com/`; `None` for the
    /// client's base URL.
    pub base_uri: Option<&'a str>,
    /// The call needs the merchant API client certificate (mutual TLS).
    pub security: bool,
    /// No `nonce_str` is added.
    pub nonceless: bool,
}

impl<'a> Operation<'a> {
    /// An operation from its documented path (`/v2/…` prefix stripped for the URL), `POST`, no host
    /// override, no certificate, with a nonce.
    pub const fn post(documented_path: &'a str, path: &'a str) -> Self {
        Operation {
            method: Method::POST,
            documented_path,
            path,
            base_uri: None,
            security: false,
            nonceless: false,
        }
    }

    /// An operation from its documented path and method, for paths the generated table does not know:
    /// the `/v2` prefix is dropped, the client's base URL is used, no certificate, with a nonce.
    pub fn from_documented(method: Method, documented_path: &'a str) -> Self {
        Operation {
            method,
            documented_path,
            path: Operation::sent_path(documented_path),
            base_uri: None,
            security: false,
            nonceless: false,
        }
    }

    /// The path to send for a documented path: `/v2/pay/micropay` → `/pay/micropay`.
    pub fn sent_path(documented: &str) -> &str {
        match documented.strip_prefix("/v2/") {
            Some(rest) => &documented[documented.len() - rest.len() - 1..],
            None => documented,
        }
    }
}

/// A verified APIv2 answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct V2Response {
    /// HTTP status (2xx).
    pub status: u16,
    /// The answer's fields (empty for a non-XML answer such as a bill file).
    pub fields: Fields,
    /// The raw body.
    pub body: Bytes,
    /// The `sign` was present and verified (with this algorithm).
    pub verified: Option<SignType>,
    /// The `Request-ID` header, if any.
    pub request_id: Option<String>,
    /// How many HTTP attempts the call made (1 = no retry).
    pub attempts: u32,
}

/// The file of a multipart APIv2 upload (see [`Client::upload`]).
#[derive(Clone)]
pub struct UploadPart<'a> {
    /// The form part that carries the file (`media`).
    pub field: &'a str,
    /// The form field that carries the file's MD5 (`media_hash`), computed by the client; `None` when
    /// the operation has none.
    pub hash_field: Option<&'a str>,
    /// The file name sent with the part.
    pub file_name: &'a str,
    /// The content type of the part, e.g. `image/jpeg`.
    pub content_type: &'a str,
    /// The file content.
    pub content: Bytes,
}

impl fmt::Debug for UploadPart<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadPart")
            .field("field", &self.field)
            .field("hash_field", &self.hash_field)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("content_len", &self.content.len())
            .finish()
    }
}

impl V2Response {
    /// The fields decoded into a typed answer.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let keep = self.body.len().min(MAX_ERROR_BODY_BYTES);
        self.fields.decode(
            self.status,
            &redact_xml(&String::from_utf8_lossy(&self.body[..keep])),
        )
    }
}

struct Inner {
    http: reqwest::Client,
    mtls: Option<reqwest::Client>,
    key: ApiV2Key,
    mch_id: Option<String>,
    base_url: String,
    backup_base_url: Option<String>,
    host_overrides: Vec<(String, String)>,
    timeout: Duration,
    retry: RetryPolicy,
    verify_responses: bool,
    max_response_bytes: u64,
    limits: XmlLimits,
}

/// A WeChat Pay APIv2 client. Cheap to clone; safe to use from many tasks.
///
/// ```no_run
/// # async fn demo() -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::v2::{Client, Fields, Operation};
/// let client = Client::builder()
///     .mch_id("1900000109")
///     .apiv2_key("192006250b4c09247ec02edce69f6a2d")
///     .client_certificate_pem_files("apiclient_cert.pem", "apiclient_key.pem")
///     .build()?;
/// let mut f = Fields::new();
/// f.set("appid", "wxd930ea5d5a258f4f");
/// f.set("mch_id", "1900000109");
/// f.set("out_trade_no", "1217752501201407033233368018");
/// let answer = client
///     .call(&Operation::post("/v2/pay/orderquery", "/pay/orderquery"), f)
///     .await?;
/// println!("{:?}", answer.fields.get("trade_state"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("v2::Client")
            .field("mch_id", &i.mch_id)
            .field("key", &i.key)
            .field("client_certificate", &i.mtls.is_some())
            .field("base_url", &i.base_url)
            .field("verify_responses", &i.verify_responses)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    key: Option<Result<ApiV2Key, Error>>,
    mch_id: Option<String>,
    identity_pem: Option<Result<Zeroizing<Vec<u8>>, Error>>,
    root_certificates: Vec<Vec<u8>>,
    http: Option<reqwest::Client>,
    base_url: String,
    backup_base_url: Option<String>,
    host_overrides: Vec<(String, String)>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    retry_backoff: Duration,
    max_backoff: Duration,
    verify_responses: bool,
    max_response_bytes: u64,
    limits: XmlLimits,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v2::ClientBuilder")
            .field("mch_id", &self.mch_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            key: None,
            mch_id: None,
            identity_pem: None,
            root_certificates: Vec::new(),
            http: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            backup_base_url: Some(crate::client::DEFAULT_BACKUP_BASE_URL.to_string()),
            host_overrides: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_retries: 2,
            retry_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            verify_responses: true,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            limits: XmlLimits::default(),
        }
    }
}

fn cert_error(message: impl Into<String>) -> Error {
    Error::Config(ConfigError::new(
        ConfigErrorKind::ClientCertificate,
        message,
    ))
}

impl ClientBuilder {
    /// The APIv2 key (exactly 32 bytes; checked by [`build`](Self::build)).
    pub fn apiv2_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.key = Some(ApiV2Key::new(key));
        self
    }
    /// An already-built APIv2 key.
    pub fn apiv2_key_value(mut self, key: ApiV2Key) -> Self {
        self.key = Some(Ok(key));
        self
    }
    /// The merchant id (`mch_id`): informational (errors, `Debug`); requests carry their own `mch_id`.
    pub fn mch_id(mut self, mch_id: impl Into<String>) -> Self {
        self.mch_id = Some(mch_id.into());
        self
    }
    /// The merchant API client certificate for mutual TLS (`security` operations), as PEM: the
    /// certificate (`apiclient_cert.pem`) and its private key (`apiclient_key.pem`).
    pub fn client_certificate_pem(mut self, cert_pem: &[u8], key_pem: &[u8]) -> Self {
        let mut buf = Zeroizing::new(Vec::with_capacity(cert_pem.len() + key_pem.len() + 1));
        buf.extend_from_slice(cert_pem);
        buf.push(b'\n');
        buf.extend_from_slice(key_pem);
        self.identity_pem = Some(Ok(buf));
        self
    }
    /// [`client_certificate_pem`](Self::client_certificate_pem) from two files.
    pub fn client_certificate_pem_files(
        mut self,
        cert: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Self {
        let read = |p: &std::path::Path| {
            std::fs::read(p).map(Zeroizing::new).map_err(|e| {
                Error::Config(ConfigError::io(format!("cannot read {}", p.display()), e))
            })
        };
        match (read(cert.as_ref()), read(key.as_ref())) {
            (Ok(c), Ok(k)) => self.client_certificate_pem(&c, &k),
            (Err(e), _) | (_, Err(e)) => {
                self.identity_pem = Some(Err(e));
                self
            }
        }
    }
    /// The merchant API client certificate from PKCS#12 (`apiclient_cert.p12`, whose password is the
    /// merchant id unless changed). Needs the `pkcs12` feature.
    #[cfg(feature = "pkcs12")]
    pub fn client_certificate_pkcs12(mut self, der: &[u8], password: &str) -> Self {
        self.identity_pem = Some(super::pkcs12::to_pem(der, password));
        self
    }
    /// Trusts an extra root certificate (PEM) for the HTTPS server (private gateways, tests).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_certificates.push(pem.to_vec());
        self
    }
    /// Uses this HTTP client for the operations that need no client certificate (e.g. to share a
    /// pool with the APIv3 client). It must not follow redirects.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Primary base URL (default `https://api.mch.weixin.qq.com`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }
    /// Backup base URL used on connection failures (default `https://api2.mch.weixin.qq.com`; `None`
    /// to disable).
    pub fn backup_base_url(mut self, url: Option<String>) -> Self {
        self.backup_base_url = url;
        self
    }
    /// Sends requests for a documented host (`origin`, e.g. `https://fraud.mch.weixin.qq.com`) to
    /// `base_url` instead (tests, gateways).
    pub fn host_override(mut self, origin: impl Into<String>, base_url: impl Into<String>) -> Self {
        self.host_overrides.push((
            origin.into().trim_end_matches('/').to_string(),
            base_url.into().trim_end_matches('/').to_string(),
        ));
        self
    }
    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Most retries per call (default 2); the rules are the APIv3 client's.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// First retry delay (default 200 ms), doubled per retry.
    pub fn retry_backoff(mut self, d: Duration) -> Self {
        self.retry_backoff = d;
        self
    }
    /// Largest answer accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// XML decoding limits (size, depth, field count).
    pub fn xml_limits(mut self, limits: XmlLimits) -> Self {
        self.limits = limits;
        self
    }
    /// **Dangerous**: accept answers whose `sign` does not verify. Only for replaying captured traffic
    /// against a local simulator; never in production.
    pub fn danger_disable_response_verification(mut self) -> Self {
        self.verify_responses = false;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = match self.key {
            Some(k) => k?,
            None => {
                return Err(Error::Config(ConfigError::new(
                    ConfigErrorKind::Missing,
                    "the APIv2 key is not set (v2::ClientBuilder::apiv2_key)",
                )))
            }
        };
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
        let mut roots = Vec::new();
        for pem in &self.root_certificates {
            roots.push(reqwest::Certificate::from_pem(pem).map_err(|e| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Certificate,
                    format!("bad root certificate: {e}"),
                ))
            })?);
        }
        let builder = || {
            let mut b = reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(USER_AGENT)
                .redirect(reqwest::redirect::Policy::none());
            for r in &roots {
                b = b.add_root_certificate(r.clone());
            }
            b
        };
        let http_error = |e: reqwest::Error| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::HttpClient,
                format!("cannot build HTTP client: {e}"),
            ))
        };
        let http = match self.http {
            Some(h) => h,
            None => builder().build().map_err(http_error)?,
        };
        let mtls = match self.identity_pem {
            None => None,
            Some(pem) => {
                let pem = pem?;
                let identity = reqwest::Identity::from_pem(&pem).map_err(|_| {
                    cert_error(
                        "the merchant API client certificate and key are not a usable PEM pair (need the certificate and its PKCS#8/PKCS#1 private key)",
                    )
                })?;
                Some(builder().identity(identity).build().map_err(http_error)?)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                mtls,
                key,
                mch_id: self.mch_id,
                base_url,
                backup_base_url,
                host_overrides: self.host_overrides,
                timeout: self.timeout,
                retry: RetryPolicy {
                    max_retries: self.max_retries,
                    backoff: self.retry_backoff,
                    max_backoff: self.max_backoff,
                    retry_5xx_for_get: true,
                },
                verify_responses: self.verify_responses,
                max_response_bytes: self.max_response_bytes,
                limits: self.limits,
            }),
        })
    }
}

/// Signs a field set in place: adds `nonce_str` (unless `nonceless` or already set), removes any
/// `sign`, and adds the `sign` for the algorithm `sign_type` names (MD5 when absent).
pub fn sign_fields(fields: &mut Fields, key: &ApiV2Key, nonceless: bool) -> SignType {
    fields.remove("sign");
    if !nonceless && fields.get("nonce_str").is_none_or(str::is_empty) {
        fields.set("nonce_str", super::sign::nonce_str());
    }
    let st = SignType::of_fields(fields.iter());
    let s = sign(fields.iter(), key, st);
    fields.0.push(("sign".into(), s));
    st
}

/// Checks an answer's fields: a present `sign` must verify (with `sign_type` from the answer, else the
/// request's algorithm, else by length: 64 hex digits = HMAC-SHA256); then `return_code` /
/// `result_code` `FAIL` becomes a [`V2ResultError`]. Returns the algorithm that verified, if any.
pub fn check_answer(
    fields: &Fields,
    key: &ApiV2Key,
    request_sign_type: Option<SignType>,
    verify: bool,
    status: u16,
    body: &[u8],
) -> Result<Option<SignType>, Error> {
    let mut verified = None;
    if let Some(received) = fields.get("sign") {
        if verify {
            let st = fields
                .get("sign_type")
                .and_then(SignType::parse)
                .or(request_sign_type)
                .unwrap_or(if received.trim().len() == 64 {
                    SignType::HmacSha256
                } else {
                    SignType::Md5
                });
            if !verify_sign(fields.iter(), key, st, received) {
                return Err(SignatureError::new(SignatureErrorKind::V2BadSign).into());
            }
            verified = Some(st);
        }
    }
    let fail = |kind| {
        let keep = body.len().min(MAX_ERROR_BODY_BYTES);
        Err(V2ResultError::new(
            kind,
            status,
            fields.get("return_msg").map(str::to_string),
            fields.get("err_code").map(str::to_string),
            fields.get("err_code_des").map(str::to_string),
            redact_xml(&String::from_utf8_lossy(&body[..keep])),
        )
        .into())
    };
    if fields.get("return_code") == Some("FAIL") {
        return fail(V2ResultErrorKind::Return);
    }
    if fields.get("result_code") == Some("FAIL") {
        return fail(V2ResultErrorKind::Result);
    }
    Ok(verified)
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The APIv2 key.
    pub fn apiv2_key(&self) -> &ApiV2Key {
        &self.inner.key
    }

    /// The XML limits in force.
    pub fn xml_limits(&self) -> &XmlLimits {
        &self.inner.limits
    }

    /// `true` when a client certificate is configured (the `security` operations can be called).
    pub fn has_client_certificate(&self) -> bool {
        self.inner.mtls.is_some()
    }

    /// Verifies and decodes an APIv2 notification with this client's key and limits (see
    /// [`decode_notification`](super::notify::decode_notification)).
    pub fn decode_notification(&self, body: &[u8]) -> Result<super::notify::V2Notification, Error> {
        super::notify::decode_notification(body, &self.inner.key, &self.inner.limits)
    }

    /// Sends a typed request and decodes the verified answer.
    pub async fn send<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        op: &Operation<'_>,
        request: &Req,
    ) -> Result<Resp, Error> {
        let fields = Fields::from_serialize(request)?;
        self.call(op, fields).await?.decode()
    }

    /// Sends a field set: signs it (`nonce_str` unless the operation is `nonceless`, `sign` with the
    /// algorithm its `sign_type` names), writes it as XML and POSTs it (or, for a `GET` operation,
    /// sends the fields as the query string) over mutual TLS when the operation is `security`; then
    /// reads the answer within the limits, verifies its `sign` when present (unless
    /// [`danger_disable_response_verification`](ClientBuilder::danger_disable_response_verification)),
    /// and turns `return_code`/`result_code` `FAIL` into [`Error::V2Result`]. A non-XML 2xx answer (bill
    /// files) comes back with empty `fields`.
    ///
    /// Retries follow the APIv3 client's rules: connection failures (the request never arrived) are
    /// retried for any method; timeouts, resets and broken bodies only for `GET`; HTTP 429 for any
    /// method; 5xx only for `GET`. The same signed body is sent again.
    pub async fn call(&self, op: &Operation<'_>, mut fields: Fields) -> Result<V2Response, Error> {
        let http = self.http_for(op)?;
        let st = sign_fields(&mut fields, &self.inner.key, op.nonceless);
        let body = if op.method == Method::GET {
            None
        } else {
            Some((
                Bytes::from(to_xml(&fields)?),
                HeaderValue::from_static("text/xml; charset=utf-8"),
            ))
        };
        self.exchange(op, http, &fields, body, st).await
    }

    /// Sends a multipart APIv2 upload (`POST /v2/secapi/mch/uploadmedia`): the form `fields` and, when
    /// `file.hash_field` names one, the lowercase hex MD5 of the file are signed without `nonce_str`
    /// (the file itself is not signed) and sent as text parts, followed by the file part. The answer is
    /// checked like [`call`](Self::call)'s.
    pub async fn upload(
        &self,
        op: &Operation<'_>,
        mut fields: Fields,
        file: UploadPart<'_>,
    ) -> Result<V2Response, Error> {
        let http = self.http_for(op)?;
        for (what, v) in [
            ("part name", file.field),
            ("file name", file.file_name),
            ("content type", file.content_type),
        ] {
            header_safe(what, v)?;
        }
        if let Some(h) = file.hash_field {
            fields.set(h, crate::files::hex(&Md5::digest(&file.content)));
        }
        let st = sign_fields(&mut fields, &self.inner.key, true);
        let boundary = crate::crypto::generate_nonce();
        let mut out = Vec::with_capacity(file.content.len() + 128 * (fields.0.len() + 1));
        for (k, v) in fields.iter() {
            header_safe("part name", k)?;
            out.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                file.field, file.file_name, file.content_type
            )
            .as_bytes(),
        );
        out.extend_from_slice(&file.content);
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")).map_err(
                |_| Error::invalid_request(InvalidRequestKind::Upload, "bad multipart boundary"),
            )?;
        self.exchange(
            op,
            http,
            &fields,
            Some((Bytes::from(out), content_type)),
            st,
        )
        .await
    }

    /// The HTTP client for `op`: the mutual-TLS one for `security` operations.
    fn http_for(&self, op: &Operation<'_>) -> Result<&reqwest::Client, Error> {
        if !op.security {
            return Ok(&self.inner.http);
        }
        self.inner.mtls.as_ref().ok_or_else(|| {
            cert_error(format!(
                "{} {} needs the merchant API client certificate (mutual TLS); configure it with v2::ClientBuilder::client_certificate_pem{}",
                op.method,
                op.documented_path,
                if cfg!(feature = "pkcs12") { " or client_certificate_pkcs12" } else { "" }
            ))
        })
    }

    /// The exchange of a signed call: the shared transport (failover, retries), then the answer read
    /// within the limits, parsed and checked. `fields` go in the query of a `GET`; `body` is the
    /// encoded body and its content type.
    async fn exchange(
        &self,
        op: &Operation<'_>,
        http: &reqwest::Client,
        fields: &Fields,
        body: Option<(Bytes, HeaderValue)>,
        st: SignType,
    ) -> Result<V2Response, Error> {
        let bases = base_urls_for(
            op.base_uri,
            &self.inner.host_overrides,
            &self.inner.base_url,
            self.inner.backup_base_url.as_deref(),
        );
        let mut retries = 0u32;
        loop {
            let sent = send_once(http, &bases, retries + 1, |base| {
                let mut url = reqwest::Url::parse(&format!("{base}{}", op.path)).map_err(|e| {
                    Error::invalid_request(
                        InvalidRequestKind::Url,
                        format!("cannot build URL from {base:?} and {:?}: {e}", op.path),
                    )
                })?;
                // Errors and traces name the URL without the signed fields of a `GET`.
                let shown = format!("{base}{}", op.path);
                if op.method == Method::GET {
                    url.query_pairs_mut().extend_pairs(fields.iter());
                }
                let mut rb = http
                    .request(op.method.clone(), url)
                    .timeout(self.inner.timeout);
                if let Some((b, content_type)) = &body {
                    rb = rb
                        .header(reqwest::header::CONTENT_TYPE, content_type.clone())
                        .body(b.clone());
                }
                let hr = rb.build().map_err(|e| {
                    Error::invalid_request(
                        InvalidRequestKind::Url,
                        format!("cannot build the request to {shown}: {e}"),
                    )
                })?;
                Ok((hr, shown))
            })
            .await?;
            let (resp, url) = match sent {
                Ok(r) => r,
                Err(te) => {
                    if self.retry(&mut retries, &op.method, failure_of(&te)).await {
                        continue;
                    }
                    return Err(te.into());
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            if (300..400).contains(&status) {
                return Err(TransportError::new(TransportErrorKind::Redirect, url).into());
            }
            let ok = (200..300).contains(&status);
            let (limit, truncate) = if ok {
                (self.inner.max_response_bytes, false)
            } else {
                (MAX_ERROR_BODY_BYTES as u64, true)
            };
            let body_bytes = match read_body(resp, limit, truncate).await {
                Ok((b, _)) => b,
                Err(BodyError::TooLarge(limit)) => {
                    return Err(TransportError::new(
                        TransportErrorKind::ResponseTooLarge { limit },
                        url,
                    )
                    .into())
                }
                Err(BodyError::Transport(e)) => {
                    if self.retry(&mut retries, &op.method, Failure::Body).await {
                        continue;
                    }
                    return Err(TransportError::from_reqwest(url, e).into());
                }
            };
            if !ok {
                let retry_after = retry_after(&headers);
                if self
                    .retry(
                        &mut retries,
                        &op.method,
                        Failure::Status {
                            status,
                            retry_after,
                        },
                    )
                    .await
                {
                    continue;
                }
                return Err(ApiError {
                    status,
                    code: String::new(),
                    message: format!("HTTP {status} from {} {}", op.method, op.documented_path),
                    detail: None,
                    body: redact_xml(&String::from_utf8_lossy(&body_bytes)),
                    body_truncated: false,
                    request_id: request_id(&headers),
                    verified_by: None,
                    attempts: retries + 1,
                }
                .into());
            }
            let is_xml = body_bytes.trim_ascii_start().starts_with(b"<");
            let fields = if is_xml {
                parse_xml(&body_bytes, &self.inner.limits, status)?
            } else {
                Fields::new()
            };
            let verified = check_answer(
                &fields,
                &self.inner.key,
                Some(st),
                self.inner.verify_responses,
                status,
                &body_bytes,
            )?;
            return Ok(V2Response {
                status,
                fields,
                body: body_bytes,
                verified,
                request_id: request_id(&headers),
                attempts: retries + 1,
            });
        }
    }

    /// The URL of a `GET` operation that the user's browser opens (the papay `entrustweb` pages): the
    /// fields signed and put in the query string of the documented host.
    pub fn signed_url(&self, op: &Operation<'_>, mut fields: Fields) -> Result<String, Error> {
        sign_fields(&mut fields, &self.inner.key, op.nonceless);
        let base = op
            .base_uri
            .map(|b| b.trim_end_matches('/'))
            .unwrap_or(&self.inner.base_url);
        let mut url = reqwest::Url::parse(&format!("{base}{}", op.path)).map_err(|e| {
            Error::invalid_request(InvalidRequestKind::Url, format!("cannot build URL: {e}"))
        })?;
        url.query_pairs_mut().extend_pairs(fields.iter());
        Ok(url.to_string())
    }

    async fn retry(&self, retries: &mut u32, method: &Method, failure: Failure) -> bool {
        retry_after_failure(&self.inner.retry, retries, method, failure).await
    }
}
