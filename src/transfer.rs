//! Streamed file downloads (bill files, media, fapiao files) with an optional hash check and gzip
//! decompression, and upload files read from an `AsyncRead` with a size limit.
//!
//! Memory use of a download is constant whatever the file size: each chunk received is (optionally)
//! decompressed, hashed and written before the next one is read.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use aws_lc_rs::digest;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::Client;
use crate::crypto::generate_nonce;
use crate::error::{Error, TransferError, TransferErrorKind, TransportError};
use crate::request::{Method, Request};

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

    fn digest(self) -> &'static digest::Algorithm {
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
            _ => Err(Error::InvalidRequest(format!(
                "unknown hash type {s:?} (expected SHA1 or SHA256)"
            ))),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
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

type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Options of [`Client::download`] and [`Client::download_to_path`].
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
    gzip: bool,
    progress: Option<ProgressFn>,
    timeout: Duration,
    idle_timeout: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            hash: None,
            gzip: false,
            progress: None,
            timeout: Duration::from_secs(3600),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("hash", &self.hash)
            .field("gzip", &self.gzip)
            .field("progress", &self.progress.is_some())
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

impl DownloadOptions {
    /// No hash check, no decompression, no progress callback; 1 h total timeout, 60 s idle timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the content against `hash_type`/`hash_value` of the bill-URL response while streaming.
    /// The hex value is compared ignoring case. With [`gzip`](Self::gzip) the digest is computed over
    /// the **decompressed** bytes, as WeChat defines `hash_value` for the original bill file. A mismatch
    /// is [`TransferErrorKind::HashMismatch`].
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

    /// Fails the download with [`TransferErrorKind::Stalled`] when no data arrives for this long
    /// (default 60 s).
    pub fn idle_timeout(mut self, t: Duration) -> Self {
        self.idle_timeout = t;
        self
    }

    fn expected_hash(&self) -> Result<Option<(HashAlgorithm, String)>, Error> {
        let Some((alg, value)) = &self.hash else {
            return Ok(None);
        };
        let value = value.trim();
        if value.len() != alg.hex_len() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidRequest(format!(
                "expected {alg} hash {value:?} is not {} hex digits",
                alg.hex_len()
            )));
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

/// Where the content goes: the writer, the running digest and the count.
struct Output<'a, W: ?Sized> {
    writer: &'a mut W,
    hasher: Option<digest::Context>,
    written: u64,
    sink: &'a str,
}

impl<W: AsyncWrite + Unpin + ?Sized> Output<'_, W> {
    async fn put(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        if let Some(h) = &mut self.hasher {
            h.update(data);
        }
        self.writer.write_all(data).await.map_err(|e| {
            TransferError::io(TransferErrorKind::Io, format!("writing {}", self.sink), e)
        })?;
        self.written += data.len() as u64;
        Ok(())
    }
}

/// Removes the temporary file unless disarmed: on errors, and when the download future is dropped.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Client {
    /// Downloads a file (bill, media, fapiao file) and streams it into `writer` in constant memory,
    /// optionally decompressing gzip and checking the digest on the way (see [`DownloadOptions`]).
    ///
    /// The request is signed as usual; the answer is treated as an unsigned file download (WeChat does
    /// not sign files — the signed bill-URL response carries the hash instead). Failover and retries
    /// apply until the first byte of the body arrives; nothing is retried after that. The writer is
    /// flushed at the end. On error the writer may already have received part of the content: use
    /// [`download_to_path`](Self::download_to_path) to never leave a partial file behind.
    ///
    /// ```no_run
    /// # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
    /// use wechatpay_runtime::{DownloadOptions, HashAlgorithm, Method, Request};
    /// // `GET /v3/bill/tradebill` answered download_url, hash_type and hash_value:
    /// let (download_url, hash_type, hash_value) = ("https://api.mch.weixin.qq.com/v3/billdownload/file?token=T", "SHA256", "…");
    /// let request = client.download_request(download_url)?;
    /// let mut sink = tokio::io::sink();
    /// let summary = client
    ///     .download(request, &mut sink, DownloadOptions::new().hash(hash_type.parse()?, hash_value))
    ///     .await?;
    /// println!("{} bytes", summary.written);
    /// # Ok(()) }
    /// ```
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        request: Request,
        writer: &mut W,
        options: DownloadOptions,
    ) -> Result<DownloadSummary, Error> {
        self.download_into(request, writer, options, "the download writer")
            .await
    }

    async fn download_into<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        request: Request,
        writer: &mut W,
        mut options: DownloadOptions,
        sink: &str,
    ) -> Result<DownloadSummary, Error> {
        let expected = options.expected_hash()?;
        let mut request = request.unsigned_download();
        self.prepare(&mut request).await?;
        let mut attempt = 0;
        let mut resp = self
            .transport_head(&request, &mut attempt, Some(options.timeout))
            .await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let url = resp.url().clone();
        let what = format!("of the content downloaded from {}", url.path());
        let total = resp.content_length();
        let mut out = Output {
            writer,
            hasher: expected
                .as_ref()
                .map(|(a, _)| digest::Context::new(a.digest())),
            written: 0,
            sink,
        };
        let mut gz = options
            .gzip
            .then(|| flate2::write::MultiGzDecoder::new(Vec::with_capacity(64 * 1024)));
        let gzip_err =
            |e: std::io::Error| TransferError::io(TransferErrorKind::Decompress, &what, e);
        let mut received: u64 = 0;
        if let Some(f) = &mut options.progress {
            f(Progress { received, total });
        }
        loop {
            let chunk = match tokio::time::timeout(options.idle_timeout, resp.chunk()).await {
                Err(_) => {
                    return Err(TransferError::new(
                        TransferErrorKind::Stalled {
                            idle: options.idle_timeout,
                        },
                        format!("while downloading {}", url.path()),
                    )
                    .into())
                }
                Ok(Err(e)) => {
                    return Err(Error::Transport(TransportError {
                        url: url.to_string(),
                        source: e,
                    }))
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            received += chunk.len() as u64;
            match &mut gz {
                None => out.put(&chunk).await?,
                Some(dec) => {
                    let mut input: &[u8] = &chunk;
                    while !input.is_empty() {
                        let n = dec.write(input).map_err(gzip_err)?;
                        if n == 0 {
                            return Err(TransferError::new(
                                TransferErrorKind::Decompress,
                                format!("{what}: data after the end of the gzip stream"),
                            )
                            .into());
                        }
                        input = &input[n..];
                        out.put(dec.get_ref()).await?;
                        dec.get_mut().clear();
                    }
                }
            }
            if let Some(f) = &mut options.progress {
                f(Progress { received, total });
            }
        }
        if let Some(mut dec) = gz {
            dec.try_finish().map_err(gzip_err)?;
            out.put(dec.get_ref()).await?;
        }
        out.writer
            .flush()
            .await
            .map_err(|e| TransferError::io(TransferErrorKind::Io, format!("flushing {sink}"), e))?;
        let digest = match (expected, out.hasher.take()) {
            (Some((algorithm, expected)), Some(h)) => {
                let actual = hex(h.finish().as_ref());
                if actual != expected {
                    return Err(TransferError::new(
                        TransferErrorKind::HashMismatch {
                            algorithm,
                            expected,
                            actual,
                        },
                        what,
                    )
                    .into());
                }
                Some(actual)
            }
            _ => None,
        };
        Ok(DownloadSummary {
            status,
            headers,
            received,
            written: out.written,
            digest,
        })
    }

    /// Like [`download`](Self::download), into the file at `path`: the content goes to a temporary
    /// file in the same directory (`.<name>.<random>.part`), which is synced and renamed to `path`
    /// (replacing an existing file) only when the whole download — transport, decompression and hash
    /// check — succeeded. On any error, and if the future is dropped, the temporary file is removed, so
    /// nothing that looks complete is left behind.
    ///
    /// ```no_run
    /// # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
    /// use wechatpay_runtime::{DownloadOptions, HashAlgorithm, Method, Request};
    /// let request = Request::new(Method::GET, "/v3/billdownload/file")
    ///     .query("token", "T")
    ///     .query("tartype", "GZIP");
    /// client
    ///     .download_to_path(
    ///         request,
    ///         "bills/2019-06-11.csv",
    ///         DownloadOptions::new().gzip(true).hash(HashAlgorithm::Sha1, "…"),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn download_to_path(
        &self,
        request: Request,
        path: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<DownloadSummary, Error> {
        let path = path.as_ref();
        let name = path.file_name().ok_or_else(|| {
            Error::InvalidRequest(format!("download path {} has no file name", path.display()))
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = dir.join(format!(
            ".{}.{}.part",
            name.to_string_lossy(),
            generate_nonce()
        ));
        let io_err = |action: &str, p: &Path, e| {
            Error::Transfer(TransferError::io(
                TransferErrorKind::Io,
                format!("{action} {}", p.display()),
                e,
            ))
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .await
            .map_err(|e| io_err("creating", &tmp, e))?;
        let mut guard = TempFile(Some(tmp.clone()));
        let mut w = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let sink = tmp.display().to_string();
        let summary = self.download_into(request, &mut w, options, &sink).await?;
        let file = w.into_inner();
        file.sync_all()
            .await
            .map_err(|e| io_err("syncing", &tmp, e))?;
        drop(file);
        tokio::fs::rename(&tmp, path)
            .await
            .map_err(|e| io_err(&format!("renaming {} to", tmp.display()), path, e))?;
        guard.0 = None;
        // Make the rename durable (best effort: not every platform can open a directory).
        if let Ok(d) = tokio::fs::File::open(dir).await {
            let _ = d.sync_all().await;
        }
        Ok(summary)
    }

    /// A signed GET request for an absolute `download_url` returned by the API (bill files:
    /// `…/v3/billdownload/file?token=…`), to pass to [`download`](Self::download) or
    /// [`download_to_path`](Self::download_to_path). The path and query are sent exactly as given.
    ///
    /// The URL must point to the configured base URL or backup base URL (same scheme, host and port),
    /// or be `https` to one of [`WECHATPAY_API_HOSTS`]; anything else is refused, so that a signed
    /// request never goes to another host.
    ///
    /// ```
    /// # fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
    /// let request = client.download_request("https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO")?;
    /// assert_eq!(request.path_and_query()?, "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO");
    /// assert!(client.download_request("https://example.com/v3/billdownload/file?token=x").is_err());
    /// # Ok(()) }
    /// ```
    pub fn download_request(&self, download_url: &str) -> Result<Request, Error> {
        let url = reqwest::Url::parse(download_url.trim()).map_err(|e| {
            Error::InvalidRequest(format!("bad download URL {download_url:?}: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::InvalidRequest(format!(
                "download URL {download_url:?} is not an absolute http(s) URL"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::InvalidRequest(format!(
                "download URL {download_url:?} must not carry credentials"
            )));
        }
        let origin = url.origin().ascii_serialization();
        let same_origin = |base: &str| {
            reqwest::Url::parse(base)
                .map(|b| b.origin().ascii_serialization() == origin)
                .unwrap_or(false)
        };
        let (primary, backup) = self.base_urls();
        let wechat = url.scheme() == "https"
            && url.port().is_none()
            && url
                .host_str()
                .is_some_and(|h| WECHATPAY_API_HOSTS.contains(&h));
        if !(same_origin(primary) || backup.is_some_and(same_origin) || wechat) {
            return Err(Error::InvalidRequest(format!(
                "download URL host {origin} is neither the configured API host nor a WeChat Pay API host; refusing to send a signed request there"
            )));
        }
        let mut path_and_query = url.path().to_string();
        if let Some(q) = url.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        // `{`/`}` would be read as path-template markers; their percent-encoded forms are equivalent.
        let path_and_query = path_and_query.replace('{', "%7B").replace('}', "%7D");
        Ok(Request::new(Method::GET, path_and_query)
            .base_url(origin)
            .unsigned_download())
    }
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
    /// Reads `reader` to the end, failing with [`TransferErrorKind::TooLarge`] as soon as it yields
    /// more than `max_len` bytes (at most `max_len + 1` bytes are ever buffered).
    pub async fn from_reader<R: AsyncRead + Unpin>(reader: R, max_len: u64) -> Result<Self, Error> {
        let mut buf = Vec::new();
        reader
            .take(max_len.saturating_add(1))
            .read_to_end(&mut buf)
            .await
            .map_err(|e| TransferError::io(TransferErrorKind::Io, "reading the upload file", e))?;
        if buf.len() as u64 > max_len {
            return Err(TransferError::new(
                TransferErrorKind::TooLarge { limit: max_len },
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
            Error::Transfer(t) => assert_eq!(t.kind(), &TransferErrorKind::TooLarge { limit: 999 }),
            other => panic!("unexpected {other}"),
        }
    }
}
