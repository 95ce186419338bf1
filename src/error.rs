//! The single error type of the runtime and its parts.

use std::fmt;

/// Everything that can go wrong when configuring the client, signing, sending, verifying or decoding.
///
/// The type is `#[non_exhaustive]`: match the variants you care about and keep a `_` arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request never produced an HTTP response (DNS, connect, TLS, timeout, broken connection).
    Transport(TransportError),
    /// WeChat Pay answered with a non-success HTTP status; `code`, `message` and `detail` come from its JSON body.
    Api(Box<ApiError>),
    /// The response (or notification) signature did not verify; see [`SignatureError::kind`].
    Signature(SignatureError),
    /// The response body is not the JSON the caller expected.
    Decode(DecodeError),
    /// The configuration is unusable (bad key, APIv3 key of the wrong length, missing field, bad URL, …).
    Config(ConfigError),
    /// A cryptographic operation on caller-supplied data failed (AEAD tag mismatch, OAEP plaintext too long, …).
    Crypto(CryptoError),
    /// The request description itself is invalid (missing path parameter, bad header, …).
    InvalidRequest(String),
    /// A streamed file transfer failed after the HTTP exchange started or before the upload was sent
    /// (hash mismatch, bad gzip data, file I/O, a reader over its size limit, a stalled download).
    Transfer(TransferError),
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
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Transfer(e) => write!(f, "{e}"),
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
            Error::InvalidRequest(_) => None,
            Error::Transfer(e) => Some(e),
        }
    }
}

impl From<SignatureError> for Error {
    fn from(e: SignatureError) -> Self {
        Error::Signature(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<TransferError> for Error {
    fn from(e: TransferError) -> Self {
        Error::Transfer(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Error::Crypto(e)
    }
}

/// A failure below HTTP: no response was received.
#[derive(Debug)]
pub struct TransportError {
    pub(crate) url: String,
    pub(crate) source: reqwest::Error,
}

impl TransportError {
    /// `true` if the connection could not be established (the request never reached the server).
    pub fn is_connect(&self) -> bool {
        self.source.is_connect()
    }
    /// `true` if a timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }
    /// The URL that was being requested (without secrets; URLs never carry any).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.source, self.url)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// An error answer from WeChat Pay: HTTP status plus the documented `code`/`message`/`detail` JSON.
///
/// Error answers are not signature-checked (the official SDKs do not check them either), so treat the
/// fields as diagnostics only.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status code, e.g. 400, 404, 429, 500.
    pub status: u16,
    /// WeChat's error code, e.g. `PARAM_ERROR`, `RATELIMIT_EXCEEDED`; empty if the body had none.
    pub code: String,
    /// WeChat's human-readable message; empty if the body had none.
    pub message: String,
    /// WeChat's optional `detail` object (e.g. `{"field": …, "location": …}`).
    pub detail: Option<serde_json::Value>,
    /// The raw response body (lossy UTF-8).
    pub body: String,
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
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Why a signature was rejected. The checks run in this order: missing headers, timestamp skew,
/// unknown serial, bad signature.
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
    /// A stable reason code: `missing_headers`, `timestamp_skew`, `unknown_serial` or `bad_signature`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            SignatureErrorKind::MissingHeaders(_) => "missing_headers",
            SignatureErrorKind::TimestampSkew { .. } => "timestamp_skew",
            SignatureErrorKind::UnknownSerial(_) => "unknown_serial",
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
            SignatureErrorKind::BadSignature => write!(f, "bad signature"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// A response body that does not match the expected type.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// HTTP status of the response (0 for a notification).
    pub status: u16,
    /// serde path to the offending field, e.g. `amount.total` (`.` for the root).
    pub path: String,
    /// serde's message.
    pub message: String,
    /// The raw body (lossy UTF-8).
    pub body: String,
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
    /// A platform certificate could not be parsed.
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
}

impl ConfigError {
    pub(crate) fn new(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A cryptographic operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
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

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::DecryptFailed => f.write_str("decryption failed"),
            CryptoError::PlaintextTooLong { len, max } => {
                write!(
                    f,
                    "plaintext of {len} bytes is longer than the {max} bytes the key allows"
                )
            }
            CryptoError::InvalidInput(m) => write!(f, "invalid input: {m}"),
            CryptoError::Failed => f.write_str("cryptographic operation failed"),
        }
    }
}

impl std::error::Error for CryptoError {}

/// What went wrong in a streamed file transfer (see [`TransferError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferErrorKind {
    /// The digest of the downloaded (decompressed) content differs from the expected one.
    HashMismatch {
        /// The algorithm used.
        algorithm: crate::transfer::HashAlgorithm,
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
    /// An upload reader produced more than the allowed number of bytes.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// No data arrived for this long while downloading.
    Stalled {
        /// The idle time that was exceeded.
        idle: std::time::Duration,
    },
}

/// A streamed download or upload failed: the kind, what was being done (a short description, with the
/// file path where there is one) and the underlying I/O error, if any.
#[derive(Debug)]
pub struct TransferError {
    pub(crate) kind: TransferErrorKind,
    pub(crate) context: String,
    pub(crate) source: Option<std::io::Error>,
}

impl TransferError {
    pub(crate) fn new(kind: TransferErrorKind, context: impl Into<String>) -> Self {
        TransferError {
            kind,
            context: context.into(),
            source: None,
        }
    }

    pub(crate) fn io(
        kind: TransferErrorKind,
        context: impl Into<String>,
        source: std::io::Error,
    ) -> Self {
        TransferError {
            kind,
            context: context.into(),
            source: Some(source),
        }
    }

    /// The reason.
    pub fn kind(&self) -> &TransferErrorKind {
        &self.kind
    }

    /// What was being done, e.g. `writing /data/.bill.csv.3f2a….part`.
    pub fn context(&self) -> &str {
        &self.context
    }
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TransferErrorKind::HashMismatch {
                algorithm,
                expected,
                actual,
            } => write!(
                f,
                "{} mismatch {}: expected {expected}, got {actual}",
                algorithm.as_str(),
                self.context
            )?,
            TransferErrorKind::Decompress => write!(f, "bad gzip data {}", self.context)?,
            TransferErrorKind::Io => write!(f, "I/O error {}", self.context)?,
            TransferErrorKind::TooLarge { limit } => write!(
                f,
                "{} is larger than the limit of {limit} bytes",
                self.context
            )?,
            TransferErrorKind::Stalled { idle } => write!(
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

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
