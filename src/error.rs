//! The single error type of the runtime and its payloads.
//!
//! This module is the bottom layer: it imports nothing from the rest of the crate. Every payload follows
//! one pattern: a struct with a `kind()` (an enum saying what went wrong, `#[non_exhaustive]`), a
//! `Display` that never contains secret material or decrypted values, `std::error::Error::source()`
//! returning the underlying error where there is one, and a `From` impl into [`Error`].

use std::fmt;
use std::sync::Arc;

/// How every secret or sensitive value prints in `Debug` output and error messages.
pub(crate) const REDACTED: &str = "<redacted>";

/// Largest part of an error answer's body kept in [`ApiError::body`] (64 KiB).
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Everything that can go wrong when configuring the client, signing, sending, verifying or decoding.
///
/// The type is `#[non_exhaustive]`: match the variants you care about and keep a `_` arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request never produced a usable HTTP response (DNS, connect, TLS, timeout, broken
    /// connection, an answer larger than the configured limit).
    Transport(TransportError),
    /// WeChat Pay answered with a non-success HTTP status; `code`, `message` and `detail` come from its
    /// JSON body, and [`ApiError::request_id`] names the call for WeChat Pay support.
    Api(Box<ApiError>),
    /// The response (or notification) signature did not verify; see [`SignatureError::kind`].
    Signature(SignatureError),
    /// The response body is not the JSON the caller expected.
    Decode(DecodeError),
    /// The configuration is unusable (bad key, APIv3 key of the wrong length, missing field, bad URL, …).
    Config(ConfigError),
    /// A cryptographic operation on caller-supplied data failed (AEAD tag mismatch, OAEP plaintext too long, …).
    Crypto(CryptoError),
    /// The request description itself is invalid (missing or unsafe path parameter, bad header, …);
    /// nothing was sent. See [`InvalidRequestError::kind`]; the message names the offending parameter,
    /// header or field.
    InvalidRequest(InvalidRequestError),
    /// A streamed file download or an upload file failed (hash mismatch, size or gzip-ratio limit, bad
    /// gzip data, file I/O, a stalled download).
    File(FileError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Api(e) => write!(f, "{e}"),
            Error::Signature(e) => write!(f, "response signature rejected: {e}"),
            Error::Decode(e) => write!(f, "{e}"),
            Error::Config(e) => write!(f, "configuration error: {e}"),
            Error::Crypto(e) => write!(f, "crypto error: {e}"),
            Error::InvalidRequest(e) => write!(f, "invalid request: {e}"),
            Error::File(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Api(e) => Some(e.as_ref()),
            Error::Signature(e) => Some(e),
            Error::Decode(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Crypto(e) => Some(e),
            Error::InvalidRequest(e) => Some(e),
            Error::File(e) => Some(e),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<SignatureError> for Error {
    fn from(e: SignatureError) -> Self {
        Error::Signature(e)
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Error::Crypto(e)
    }
}

impl From<InvalidRequestError> for Error {
    fn from(e: InvalidRequestError) -> Self {
        Error::InvalidRequest(e)
    }
}

impl Error {
    /// An [`Error::InvalidRequest`] of the given kind.
    pub(crate) fn invalid_request(kind: InvalidRequestKind, message: impl Into<String>) -> Self {
        Error::InvalidRequest(InvalidRequestError::new(kind, message))
    }
}

impl From<FileError> for Error {
    fn from(e: FileError) -> Self {
        Error::File(e)
    }
}

impl From<CryptoErrorKind> for Error {
    fn from(kind: CryptoErrorKind) -> Self {
        Error::Crypto(CryptoError::new(kind))
    }
}

// ---------------------------------------------------------------------------------------------------

/// What is wrong with a request description (see [`InvalidRequestError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequestKind {
    /// A path parameter is missing, empty, unused by the template, or a dot segment (`.`, `..` or a
    /// percent-encoded form) that would change which endpoint is signed and called.
    PathParameter,
    /// The path template itself is malformed (unbalanced `{` / `}`).
    PathTemplate,
    /// A header name or value cannot be sent.
    Header,
    /// The body cannot be serialized (or is not the JSON its sensitive fields need).
    Body,
    /// A sensitive field cannot be encrypted: not a string, not reachable, or too long for RSA-OAEP.
    SensitiveField,
    /// The URL cannot be built, or a download URL is not acceptable (not http(s), credentials, a host
    /// that is neither the configured one nor a WeChat Pay API host).
    Url,
    /// A download's options or destination are unusable (no expected hash without the opt-out, a
    /// malformed hash, an unknown hash type, a path without a file name).
    Download,
    /// An upload's file part is unusable (a part name, file name or content type that would break the
    /// multipart headers, metadata that cannot be serialized).
    Upload,
}

/// The payload of [`Error::InvalidRequest`]: the request was refused before anything was sent.
///
/// The message names the offending parameter, header or field, never a secret or a sensitive value.
#[derive(Debug)]
pub struct InvalidRequestError {
    kind: InvalidRequestKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl InvalidRequestError {
    /// A refused request of the given kind (generated code and hand-written operations use this).
    pub fn new(kind: InvalidRequestKind, message: impl Into<String>) -> Self {
        InvalidRequestError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The same, keeping the underlying error as [`std::error::Error::source`].
    pub fn with_source(
        kind: InvalidRequestKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        InvalidRequestError {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> InvalidRequestKind {
        self.kind
    }

    /// The explanation, naming the parameter, header or field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidRequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

// ---------------------------------------------------------------------------------------------------

/// What kind of transport failure (see [`TransportError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (the request never reached a server).
    Connect,
    /// A timeout expired.
    Timeout,
    /// The connection broke while sending or receiving.
    Other,
    /// The answer (declared `Content-Length` or bytes actually received) is larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes).
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The server answered with a redirect, or the HTTP client followed one: WeChat Pay does not
    /// redirect, and a signed request must not be replayed elsewhere.
    Redirect,
}

/// A failure below HTTP: no usable response was received.
#[derive(Debug)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) url: String,
    pub(crate) source: Option<reqwest::Error>,
}

impl TransportError {
    pub(crate) fn new(kind: TransportErrorKind, url: impl Into<String>) -> Self {
        TransportError {
            kind,
            url: url.into(),
            source: None,
        }
    }

    pub(crate) fn from_reqwest(url: impl Into<String>, source: reqwest::Error) -> Self {
        let kind = if source.is_connect() {
            TransportErrorKind::Connect
        } else if source.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Other
        };
        TransportError {
            kind,
            url: url.into(),
            source: Some(source),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    /// `true` if the connection could not be established (the request never reached the server).
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
    /// `true` if a timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }
    /// The URL that was being requested (without secrets; URLs never carry any).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.source) {
            (TransportErrorKind::ResponseTooLarge { limit }, _) => write!(
                f,
                "the answer is larger than the limit of {limit} bytes (ClientBuilder::max_response_bytes; stream files with Client::download) ({})",
                self.url
            ),
            (TransportErrorKind::Redirect, _) => {
                write!(f, "unexpected redirect, not followed ({})", self.url)
            }
            (_, Some(s)) => write!(f, "{s} ({})", self.url),
            (k, None) => write!(f, "{k:?} ({})", self.url),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

// ---------------------------------------------------------------------------------------------------

/// The class of an error answer (see [`ApiError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// HTTP 429 (`RATELIMIT_EXCEEDED` and the like).
    RateLimited,
    /// Any other 4xx: the request was refused.
    Client,
    /// 5xx: WeChat Pay failed; the operation may or may not have taken effect.
    Server,
    /// Any other non-2xx status.
    Other,
}

/// An error answer from WeChat Pay: HTTP status plus the documented `code`/`message`/`detail` JSON and
/// the `Request-ID` header.
///
/// An error answer that carries `Wechatpay-Signature` is verified like a success (a bad signature is an
/// [`Error::Signature`], never an `ApiError`); one without signature headers is reported as is, so
/// treat the fields of an unsigned answer as diagnostics only (see [`verified_by`](Self::verified_by)).
/// `Display` always shows the `Request-ID`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code, e.g. 400, 404, 429, 500.
    pub status: u16,
    /// WeChat's error code, e.g. `PARAM_ERROR`, `RATELIMIT_EXCEEDED`; empty if the body had none.
    pub code: String,
    /// WeChat's human-readable message; empty if the body had none.
    pub message: String,
    /// WeChat's optional `detail` object (e.g. `{"field": …, "location": …}`).
    pub detail: Option<serde_json::Value>,
    /// The raw response body (lossy UTF-8), at most [`MAX_ERROR_BODY_BYTES`] of it.
    pub body: String,
    /// `true` if [`body`](Self::body) was cut at [`MAX_ERROR_BODY_BYTES`].
    pub body_truncated: bool,
    /// The `Request-ID` response header: quote it to WeChat Pay support.
    pub request_id: Option<String>,
    /// Serial / public key id of the key that verified the answer's signature; `None` if the answer was
    /// not signed (or verification is disabled).
    pub verified_by: Option<String>,
    /// How many HTTP attempts the call made (1 = no retry).
    pub attempts: u32,
}

impl ApiError {
    /// The class of the status.
    pub fn kind(&self) -> ApiErrorKind {
        match self.status {
            429 => ApiErrorKind::RateLimited,
            400..=499 => ApiErrorKind::Client,
            500..=599 => ApiErrorKind::Server,
            _ => ApiErrorKind::Other,
        }
    }

    /// The `Request-ID` of the answer, if WeChat Pay sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeChat Pay API error: HTTP {}", self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(d) = &self.detail {
            write!(f, " (detail: {d})")?;
        }
        match &self.request_id {
            Some(id) => write!(f, " [Request-ID: {id}]"),
            None => write!(f, " [Request-ID: none]"),
        }
    }
}

impl std::error::Error for ApiError {}

// ---------------------------------------------------------------------------------------------------

/// Why a signature was rejected. The checks run in this order: missing headers, timestamp skew,
/// unknown serial, certificate validity, bad signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureErrorKind {
    /// One or more of `Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial` is absent (names listed).
    MissingHeaders(Vec<&'static str>),
    /// `Wechatpay-Timestamp` is more than the allowed skew (300 s) away from the local clock, or not a number.
    TimestampSkew {
        /// The header value as received.
        timestamp: String,
        /// The local clock, Unix seconds.
        now: i64,
    },
    /// `Wechatpay-Serial` names no key in the key store.
    UnknownSerial(String),
    /// `Wechatpay-Serial` names a platform certificate that is not valid at the local time (expired or
    /// not yet valid; no grace period).
    CertificateNotValid {
        /// The certificate serial.
        serial: String,
        /// `notBefore`, Unix seconds.
        not_before: i64,
        /// `notAfter`, Unix seconds.
        not_after: i64,
        /// The local clock, Unix seconds.
        now: i64,
    },
    /// The signature is not valid base64 or does not verify against the named key.
    BadSignature,
}

/// A response or notification whose signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureError {
    pub(crate) kind: SignatureErrorKind,
}

impl SignatureError {
    /// Creates an error of the given kind.
    pub fn new(kind: SignatureErrorKind) -> Self {
        SignatureError { kind }
    }
    /// The reason.
    pub fn kind(&self) -> &SignatureErrorKind {
        &self.kind
    }
    /// A stable reason code: `missing_headers`, `timestamp_skew`, `unknown_serial`,
    /// `certificate_not_valid` or `bad_signature`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            SignatureErrorKind::MissingHeaders(_) => "missing_headers",
            SignatureErrorKind::TimestampSkew { .. } => "timestamp_skew",
            SignatureErrorKind::UnknownSerial(_) => "unknown_serial",
            SignatureErrorKind::CertificateNotValid { .. } => "certificate_not_valid",
            SignatureErrorKind::BadSignature => "bad_signature",
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SignatureErrorKind::MissingHeaders(h) => write!(f, "missing headers: {}", h.join(", ")),
            SignatureErrorKind::TimestampSkew { timestamp, now } => write!(
                f,
                "Wechatpay-Timestamp {timestamp:?} is more than 300 s away from the local clock ({now})"
            ),
            SignatureErrorKind::UnknownSerial(s) => write!(
                f,
                "unknown Wechatpay-Serial {s:?}: no WeChat Pay public key or platform certificate with that serial/id is configured"
            ),
            SignatureErrorKind::CertificateNotValid {
                serial,
                not_before,
                not_after,
                now,
            } => write!(
                f,
                "platform certificate {serial} is valid from {not_before} to {not_after} (Unix seconds), not now ({now})"
            ),
            SignatureErrorKind::BadSignature => write!(f, "bad signature"),
        }
    }
}

impl std::error::Error for SignatureError {}

// ---------------------------------------------------------------------------------------------------

/// What kind of decoding problem (see [`DecodeError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The bytes are not JSON.
    Syntax,
    /// The JSON does not fit the expected type (wrong type, missing field, unknown variant, …).
    Data,
    /// The JSON ends too early.
    Eof,
}

/// A response body (or decrypted notification resource) that does not match the expected type.
///
/// For decrypted data (notifications) the message names the path and the expected type only, never a
/// value, and [`body`](Self::body) is `<redacted>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status of the response (0 for a notification).
    pub status: u16,
    /// serde path to the offending field, e.g. `amount.total` (`.` for the root).
    pub path: String,
    /// serde's message (for decrypted data: without the offending value).
    pub message: String,
    /// The raw body (lossy UTF-8), `<redacted>` for decrypted data.
    pub body: String,
    pub(crate) kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(
        kind: DecodeErrorKind,
        status: u16,
        path: impl Into<String>,
        message: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        DecodeError {
            status,
            path: path.into(),
            message: message.into(),
            body: body.into(),
            kind,
        }
    }

    /// What kind of problem.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == 0 {
            // Not an HTTP answer: a notification (its envelope or decrypted resource).
            return write!(
                f,
                "notification does not match the expected type at `{}`: {}",
                self.path, self.message
            );
        }
        write!(
            f,
            "response body (HTTP {}) does not match the expected type at `{}`: {}",
            self.status, self.path, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// A serde message about data that must not be quoted (a decrypted notification): the offending
/// value is dropped, what was expected is kept.
///
/// `invalid type: string "13800138000 Zhang San", expected u32` → `invalid type: string, expected u32`.
pub(crate) fn redact_serde_message(message: &str) -> String {
    // serde_json appends the position; it is not data, but is of no use without the data either.
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let (head, expected) = match message.split_once(", expected ") {
        Some((h, e)) => (h, Some(e)),
        None => (message, None),
    };
    // Field names (`missing field `x``) are schema, not data; any other quoted or backticked part of
    // the head is the offending value.
    let keep_quoted = head.starts_with("missing field")
        || head.starts_with("duplicate field")
        || head.starts_with("unknown field");
    let head = if keep_quoted {
        head.to_string()
    } else {
        let cut = head.find(['"', '`']).unwrap_or(head.len());
        head[..cut].trim_end().to_string()
    };
    match expected {
        Some(e) => format!("{head}, expected {e}"),
        None => head,
    }
}

// ---------------------------------------------------------------------------------------------------

/// What kind of configuration problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The merchant private key could not be parsed (not PEM, not RSA, not PKCS#1/PKCS#8, too small).
    PrivateKey,
    /// The APIv3 key is not exactly 32 bytes.
    ApiV3KeyLength,
    /// A WeChat Pay public key could not be parsed.
    PublicKey,
    /// A platform certificate could not be parsed, or is not valid now.
    Certificate,
    /// A required setting is missing.
    Missing,
    /// A base URL is not an absolute http(s) URL.
    Url,
    /// A file could not be read.
    Io,
    /// Building the HTTP client failed.
    HttpClient,
}

/// A configuration error. The message never contains secret material.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The kind.
    pub kind: ConfigErrorKind,
    /// A human-readable explanation.
    pub message: String,
    source: Option<Arc<std::io::Error>>,
}

impl ConfigError {
    pub(crate) fn new(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(message: impl Into<String>, source: std::io::Error) -> Self {
        ConfigError {
            kind: ConfigErrorKind::Io,
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// Prefixes the message with where the value came from (e.g. an environment variable's name).
    pub(crate) fn context(mut self, origin: &str) -> Self {
        self.message = format!("{origin}: {}", self.message);
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(e) = &self.source {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

// ---------------------------------------------------------------------------------------------------

/// What kind of cryptographic failure (see [`CryptoError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoErrorKind {
    /// AEAD or OAEP decryption failed (wrong key, nonce, associated data, or tampered ciphertext).
    DecryptFailed,
    /// The OAEP plaintext is longer than the key allows (214 bytes for RSA-2048 with SHA-1).
    PlaintextTooLong {
        /// Plaintext length in bytes.
        len: usize,
        /// Maximum for this key.
        max: usize,
    },
    /// An input had the wrong size or encoding (message says which).
    InvalidInput(String),
    /// The crypto library reported a failure while signing or encrypting.
    Failed,
}

/// A cryptographic operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoError {
    kind: CryptoErrorKind,
    /// What the failure most likely means, replacing the generic text of the kind (never a secret).
    detail: Option<&'static str>,
}

/// [`CryptoError`] detail of a failed AEAD_AES_256_GCM decryption (notification resources, downloaded
/// certificates): the tag did not authenticate.
pub(crate) const AEAD_AUTH_FAILED: &str =
    "authentication failed: wrong APIv3 key or tampered resource (AEAD_AES_256_GCM tag mismatch)";
/// [`CryptoError`] detail of a failed RSA-OAEP decryption with the merchant private key.
pub(crate) const OAEP_DECRYPT_FAILED: &str =
    "decryption failed: not encrypted for this merchant's key, or tampered ciphertext (RSA-OAEP)";
/// [`CryptoError`] detail of a ciphertext that is not base64.
pub(crate) const NOT_BASE64: &str = "decryption failed: the ciphertext is not base64";

impl CryptoError {
    /// Creates an error of the given kind.
    pub fn new(kind: CryptoErrorKind) -> Self {
        CryptoError { kind, detail: None }
    }

    /// An error of the given kind whose message says what the failure most likely means.
    pub(crate) fn with_detail(kind: CryptoErrorKind, detail: &'static str) -> Self {
        CryptoError {
            kind,
            detail: Some(detail),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &CryptoErrorKind {
        &self.kind
    }
}

impl From<CryptoErrorKind> for CryptoError {
    fn from(kind: CryptoErrorKind) -> Self {
        CryptoError::new(kind)
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = self.detail {
            return f.write_str(d);
        }
        match &self.kind {
            CryptoErrorKind::DecryptFailed => f.write_str("decryption failed"),
            CryptoErrorKind::PlaintextTooLong { len, max } => {
                write!(
                    f,
                    "plaintext of {len} bytes is longer than the {max} bytes the key allows"
                )
            }
            CryptoErrorKind::InvalidInput(m) => write!(f, "invalid input: {m}"),
            CryptoErrorKind::Failed => f.write_str("cryptographic operation failed"),
        }
    }
}

impl std::error::Error for CryptoError {}

// ---------------------------------------------------------------------------------------------------

/// What went wrong with a streamed download or an upload file (see [`FileError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileErrorKind {
    /// The digest of the downloaded (decompressed) content differs from the expected one.
    HashMismatch {
        /// The algorithm used, as WeChat names it in `hash_type`: `SHA1` or `SHA256`.
        algorithm: &'static str,
        /// The expected digest, lowercase hex.
        expected: String,
        /// The digest of what was received, lowercase hex.
        actual: String,
    },
    /// The content is not valid gzip data (bad header, corrupt deflate stream, CRC or length mismatch,
    /// truncated member).
    Decompress,
    /// Reading, writing, syncing or renaming a file or stream failed.
    Io,
    /// A download or an upload reader produced more than the allowed number of bytes.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A gzip download expands more than the allowed ratio (decompressed : received).
    GzipRatio {
        /// The limit, decompressed bytes per received byte.
        limit: u64,
    },
    /// No data arrived for this long while downloading.
    Stalled {
        /// The idle time that was exceeded.
        idle: std::time::Duration,
    },
}

/// A streamed download or an upload file failed: the kind, what was being done (a short description,
/// with the file path where there is one) and the underlying I/O error, if any.
#[derive(Debug)]
pub struct FileError {
    pub(crate) kind: FileErrorKind,
    pub(crate) context: String,
    pub(crate) source: Option<std::io::Error>,
}

impl FileError {
    pub(crate) fn new(kind: FileErrorKind, context: impl Into<String>) -> Self {
        FileError {
            kind,
            context: context.into(),
            source: None,
        }
    }

    pub(crate) fn io(
        kind: FileErrorKind,
        context: impl Into<String>,
        source: std::io::Error,
    ) -> Self {
        FileError {
            kind,
            context: context.into(),
            source: Some(source),
        }
    }

    /// The reason.
    pub fn kind(&self) -> &FileErrorKind {
        &self.kind
    }

    /// What was being done, e.g. `writing /data/.bill.csv.3f2a….part`.
    pub fn context(&self) -> &str {
        &self.context
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FileErrorKind::HashMismatch {
                algorithm,
                expected,
                actual,
            } => write!(
                f,
                "{algorithm} mismatch {}: expected {expected}, got {actual}",
                self.context
            )?,
            FileErrorKind::Decompress => write!(f, "bad gzip data {}", self.context)?,
            FileErrorKind::Io => write!(f, "I/O error {}", self.context)?,
            FileErrorKind::TooLarge { limit } => write!(
                f,
                "{} is larger than the limit of {limit} bytes",
                self.context
            )?,
            FileErrorKind::GzipRatio { limit } => write!(
                f,
                "{} expands more than {limit}:1 when decompressed (a gzip bomb?)",
                self.context
            )?,
            FileErrorKind::Stalled { idle } => write!(
                f,
                "no data received for {} s {}",
                idle.as_secs_f64(),
                self.context
            )?,
        }
        if let Some(e) = &self.source {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_the_value() {
        for (m, want) in [
            (
                r#"invalid type: string "13800138000 Zhang San", expected u32 at line 1 column 20"#,
                "invalid type: string, expected u32",
            ),
            (
                "invalid type: integer `13800138000`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "unknown variant `Zhang San`, expected `A` or `B`",
                "unknown variant, expected `A` or `B`",
            ),
            ("missing field `amount`", "missing field `amount`"),
            (
                "invalid value: string \"x\", expected a date",
                "invalid value: string, expected a date",
            ),
        ] {
            assert_eq!(redact_serde_message(m), want);
        }
    }
}
