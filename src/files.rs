//! Files: the options and results of streamed downloads (bill files, media, fapiao files; the
//! download itself is [`Client::download`](crate::Client::download)), hash algorithms, and upload files
//! read from an `AsyncRead` with a size limit. ("Transfer" in this SDK means money only.)

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use aws_lc_rs::digest;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, FileError, FileErrorKind, InvalidRequestKind};

/// WeChat Pay API hosts a `download_url` may point to besides the configured base URLs (HTTPS only).
pub const WECHATPAY_API_HOSTS: &[&str] = &[
    "api.mch.weixin.qq.com",
    "api2.mch.weixin.qq.com",
    "apihk.mch.weixin.qq.com",
];

/// Digest algorithm of a bill file's `hash_type` (`SHA1` or `SHA256`).
///
/// ```
/// use wechatpay_runtime::HashAlgorithm;
/// assert_eq!("SHA256".parse::<HashAlgorithm>().unwrap(), HashAlgorithm::Sha256);
/// assert_eq!("sha1".parse::<HashAlgorithm>().unwrap(), HashAlgorithm::Sha1);
/// assert!("MD5".parse::<HashAlgorithm>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (`SHA1`; profit-sharing bills).
    Sha1,
    /// SHA-256 (`SHA256`).
    Sha256,
}

impl HashAlgorithm {
    /// The name WeChat uses in `hash_type`: `SHA1` or `SHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA1",
            HashAlgorithm::Sha256 => "SHA256",
        }
    }

    pub(crate) fn digest(self) -> &'static digest::Algorithm {
        match self {
            HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &digest::SHA256,
        }
    }

    fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Sha256 => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HashAlgorithm {
    type Err = Error;

    /// Parses `SHA1`/`SHA-1`/`SHA256`/`SHA-256`, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SHA1" | "SHA-1" => Ok(HashAlgorithm::Sha1),
            "SHA256" | "SHA-256" => Ok(HashAlgorithm::Sha256),
            _ => Err(Error::invalid_request(
                InvalidRequestKind::Download,
                format!("unknown hash type {s:?} (expected SHA1 or SHA256)"),
            )),
        }
    }
}

/// Lower-case hex (bill and upload digests).
pub(crate) fn hex(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789abcdef")
}

/// Upper-case hex (the APIv2 `sign`).
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789ABCDEF")
}

fn hex_with(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(digits[usize::from(b >> 4)]));
        s.push(char::from(digits[usize::from(b & 0x0f)]));
    }
    s
}

/// How far a download has got; passed to the [`DownloadOptions::progress`] callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes received so far (as sent on the wire, i.e. compressed for a gzip download).
    pub received: u64,
    /// The `Content-Length` of the answer, if the server sent one.
    pub total: Option<u64>,
}

pub(crate) type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Default of [`DownloadOptions::max_bytes`]: 4 GiB. WeChat Pay's largest bill files (a day of trade
/// bills of a very large merchant) are far below it.
pub const DEFAULT_DOWNLOAD_MAX_BYTES: u64 = 4 << 30;

/// Default of [`DownloadOptions::max_gzip_ratio`]: 100 decompressed bytes per received byte. CSV bills
/// compress about 5–15:1; a gzip bomb expands up to about 1000:1.
pub const DEFAULT_MAX_GZIP_RATIO: u64 = 100;

/// Options of [`Client::download`](crate::Client::download) and
/// [`Client::download_to_path`](crate::Client::download_to_path).
///
/// The expected hash is required: a download without [`hash`](Self::hash) fails before anything is
/// sent unless the caller opts out by name with [`danger_skip_hash_check`](Self::danger_skip_hash_check)
/// (for files WeChat Pay publishes no hash for). Limits: [`max_bytes`](Self::max_bytes) (default
/// [`DEFAULT_DOWNLOAD_MAX_BYTES`], 4 GiB) and, for gzip, [`max_gzip_ratio`](Self::max_gzip_ratio)
/// (default [`DEFAULT_MAX_GZIP_RATIO`], 100:1); exceeding one is an error and leaves no file.
///
/// ```
/// use wechatpay_runtime::{DownloadOptions, HashAlgorithm};
/// let options = DownloadOptions::new()
///     .hash(HashAlgorithm::Sha256, "4A7D1ED414474E4033AC29CCB8653D9B4A7D1ED414474E4033AC29CCB8653D9B")
///     .gzip(true)
///     .progress(|p| eprintln!("{} of {:?} bytes", p.received, p.total));
/// # let _ = options;
/// ```
pub struct DownloadOptions {
    hash: Option<(HashAlgorithm, String)>,
    skip_hash_check: bool,
    pub(crate) gzip: bool,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_bytes: u64,
    pub(crate) max_gzip_ratio: u64,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            hash: None,
            skip_hash_check: false,
            gzip: false,
            progress: None,
            timeout: Duration::from_secs(3600),
            idle_timeout: Duration::from_secs(60),
            max_bytes: DEFAULT_DOWNLOAD_MAX_BYTES,
            max_gzip_ratio: DEFAULT_MAX_GZIP_RATIO,
        }
    }
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("hash", &self.hash)
            .field("skip_hash_check", &self.skip_hash_check)
            .field("gzip", &self.gzip)
            .field("progress", &self.progress.is_some())
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_bytes", &self.max_bytes)
            .field("max_gzip_ratio", &self.max_gzip_ratio)
            .finish()
    }
}

impl DownloadOptions {
    /// No hash yet (set one with [`hash`](Self::hash)), no decompression, no progress callback; 1 h
    /// total timeout, 60 s idle timeout, 4 GiB and 100:1 gzip-ratio limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// **Dangerous**: downloads without checking the content against a hash. Only for files WeChat Pay
    /// publishes no hash for; a bill's `hash_value` should always be given to [`hash`](Self::hash).
    pub fn danger_skip_hash_check(mut self) -> Self {
        self.skip_hash_check = true;
        self
    }

    /// Largest content accepted, in bytes, counted both on the wire and after decompression (default
    /// [`DEFAULT_DOWNLOAD_MAX_BYTES`]). More is [`FileErrorKind::TooLarge`]; a declared
    /// `Content-Length` above it fails before the body is read.
    pub fn max_bytes(mut self, limit: u64) -> Self {
        self.max_bytes = limit;
        self
    }

    /// Largest expansion of a gzip download, decompressed bytes per received byte (default
    /// [`DEFAULT_MAX_GZIP_RATIO`]; the first MiB is exempt, so tiny files with large headers pass).
    /// More is [`FileErrorKind::GzipRatio`].
    pub fn max_gzip_ratio(mut self, ratio: u64) -> Self {
        self.max_gzip_ratio = ratio;
        self
    }

    /// Checks the content against `hash_type`/`hash_value` of the bill-URL response while streaming.
    /// The hex value is compared ignoring case. With [`gzip`](Self::gzip) the digest is computed over
    /// the **decompressed** bytes, as WeChat defines `hash_value` for the original bill file. A mismatch
    /// is [`FileErrorKind::HashMismatch`].
    pub fn hash(mut self, algorithm: HashAlgorithm, hex_value: impl Into<String>) -> Self {
        self.hash = Some((algorithm, hex_value.into()));
        self
    }

    /// Decompresses a gzip answer (bills requested with `tar_type=GZIP`) before hashing and writing.
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Called once before the first chunk and after every chunk received.
    pub fn progress(mut self, f: impl FnMut(Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Limit for the whole download, replacing the client's per-request timeout (default 1 h).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Fails the download with [`FileErrorKind::Stalled`] when no data arrives for this long
    /// (default 60 s).
    pub fn idle_timeout(mut self, t: Duration) -> Self {
        self.idle_timeout = t;
        self
    }

    /// The expected digest (lowercase hex); `None` only after an explicit
    /// [`danger_skip_hash_check`](Self::danger_skip_hash_check).
    pub(crate) fn expected_hash(&self) -> Result<Option<(HashAlgorithm, String)>, Error> {
        let Some((alg, value)) = &self.hash else {
            if self.skip_hash_check {
                return Ok(None);
            }
            return Err(Error::invalid_request(InvalidRequestKind::Download,
                "no expected hash for the download: give the bill's hash_type and hash_value to DownloadOptions::hash, or opt out with DownloadOptions::danger_skip_hash_check",
            ));
        };
        let value = value.trim();
        if value.len() != alg.hex_len() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_request(
                InvalidRequestKind::Download,
                format!(
                    "expected {alg} hash {value:?} is not {} hex digits",
                    alg.hex_len()
                ),
            ));
        }
        Ok(Some((*alg, value.to_ascii_lowercase())))
    }
}

/// What a successful download received.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DownloadSummary {
    /// HTTP status (2xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Bytes received on the wire (compressed size for a gzip download).
    pub received: u64,
    /// Bytes written to the writer or file (decompressed size for a gzip download).
    pub written: u64,
    /// The checked digest (lowercase hex), when a hash was given.
    pub digest: Option<String>,
}

/// A file to upload, read fully into memory (WeChat's media limits are a few MB) together with its
/// SHA-256, which the upload's signed `meta` JSON usually has to name.
///
/// ```
/// # async fn demo() -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::{Method, Request, UploadFile};
/// let reader: &[u8] = b"\x89PNG...";
/// let file = UploadFile::from_reader(reader, 2 * 1024 * 1024).await?;
/// let meta = serde_json::json!({ "filename": "a.png", "sha256": file.sha256_hex() }).to_string();
/// let request = Request::new(Method::POST, "/v3/merchant/media/upload")
///     .multipart("meta", meta, "file", "a.png", "image/png", file)?;
/// # let _ = request;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct UploadFile {
    bytes: Bytes,
    sha256: String,
}

impl UploadFile {
    /// Reads `reader` to the end, failing with [`FileErrorKind::TooLarge`] as soon as it yields
    /// more than `max_len` bytes (at most `max_len + 1` bytes are ever buffered).
    pub async fn from_reader<R: AsyncRead + Unpin>(reader: R, max_len: u64) -> Result<Self, Error> {
        let mut buf = Vec::new();
        reader
            .take(max_len.saturating_add(1))
            .read_to_end(&mut buf)
            .await
            .map_err(|e| FileError::io(FileErrorKind::Io, "reading the upload file", e))?;
        if buf.len() as u64 > max_len {
            return Err(FileError::new(
                FileErrorKind::TooLarge { limit: max_len },
                "the upload file",
            )
            .into());
        }
        Ok(Self::from_bytes(buf))
    }

    /// Wraps bytes already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        let sha256 = hex(digest::digest(&digest::SHA256, &bytes).as_ref());
        UploadFile { bytes, sha256 }
    }

    /// The content.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Lowercase hex SHA-256 of the content.
    pub fn sha256_hex(&self) -> &str {
        &self.sha256
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl From<UploadFile> for Bytes {
    fn from(f: UploadFile) -> Bytes {
        f.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_names_and_hex() {
        assert_eq!(
            "sha-256".parse::<HashAlgorithm>().unwrap(),
            HashAlgorithm::Sha256
        );
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert!(DownloadOptions::new().expected_hash().is_err());
        assert_eq!(
            DownloadOptions::new()
                .danger_skip_hash_check()
                .expected_hash()
                .unwrap(),
            None
        );
        let opts = DownloadOptions::new().hash(HashAlgorithm::Sha1, "AB".repeat(20));
        assert_eq!(
            opts.expected_hash().unwrap(),
            Some((HashAlgorithm::Sha1, "ab".repeat(20)))
        );
        for bad in ["ab".repeat(32), "zz".repeat(20), String::new()] {
            let opts = DownloadOptions::new().hash(HashAlgorithm::Sha1, bad);
            assert!(matches!(
                opts.expected_hash(),
                Err(Error::InvalidRequest(_))
            ));
        }
    }

    #[tokio::test]
    async fn upload_reader_limit() {
        let data = vec![7u8; 1000];
        let f = UploadFile::from_reader(&data[..], 1000).await.unwrap();
        assert_eq!(f.len(), 1000);
        assert_eq!(
            f.sha256_hex(),
            hex(digest::digest(&digest::SHA256, &data).as_ref())
        );
        let e = UploadFile::from_reader(&data[..], 999).await.unwrap_err();
        match e {
            Error::File(t) => assert_eq!(t.kind(), &FileErrorKind::TooLarge { limit: 999 }),
            other => panic!("unexpected {other}"),
        }
    }
}
