//! Streamed file downloads (bill files, media, fapiao files): constant memory whatever the file size —
//! each chunk received is (optionally) decompressed, hashed and written before the next one is read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::transport::Head;
use super::Client;
use crate::crypto::generate_nonce;
use crate::error::{Error, FileError, FileErrorKind, InvalidRequestKind, TransportError};
use crate::files::{hex, DownloadOptions, DownloadSummary, Progress, WECHATPAY_API_HOSTS};
use crate::request::{Method, Request};

/// Where the content goes: the writer, the running digest and the count, within the size limit.
struct Output<'a, W: ?Sized> {
    writer: &'a mut W,
    hasher: Option<digest::Context>,
    written: u64,
    limit: u64,
    sink: &'a str,
}

impl<W: AsyncWrite + Unpin + ?Sized> Output<'_, W> {
    async fn put(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        if self.written.saturating_add(data.len() as u64) > self.limit {
            return Err(FileError::new(
                FileErrorKind::TooLarge { limit: self.limit },
                "the downloaded content",
            )
            .into());
        }
        if let Some(h) = &mut self.hasher {
            h.update(data);
        }
        self.writer
            .write_all(data)
            .await
            .map_err(|e| FileError::io(FileErrorKind::Io, format!("writing {}", self.sink), e))?;
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

/// The content of a download: streamed from the connection, or (a signed answer) already read and
/// verified.
enum Source {
    Stream(reqwest::Response),
    Verified(Option<Bytes>),
}

impl Source {
    async fn chunk(&mut self) -> Result<Option<Bytes>, reqwest::Error> {
        match self {
            Source::Stream(r) => r.chunk().await,
            Source::Verified(b) => Ok(b.take()),
        }
    }
}

/// Input fed to the gzip decoder per step, so that one step cannot expand to more than ~8 MiB.
const GZIP_STEP: usize = 8 * 1024;

/// Decompressed bytes always allowed before the gzip ratio is checked.
const GZIP_RATIO_FLOOR: u64 = 1 << 20;

impl Client {
    /// Downloads a file (bill, media, fapiao file) and streams it into `writer` in constant memory,
    /// decompressing gzip and checking the digest on the way (see [`DownloadOptions`]: the expected
    /// hash is required unless explicitly skipped; size and gzip-ratio limits apply).
    ///
    /// The request is signed as usual. Only a request marked
    /// [`unsigned_download`](Request::unsigned_download) (as [`download_request`](Self::download_request)
    /// and the generated `…_request` functions of file operations do) gets its answer streamed
    /// unverified — WeChat does not sign files, the signed bill-URL response carries the hash instead.
    /// Any other request is an ordinary signed answer: read within
    /// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes) and verified before a byte is
    /// written. Failover and retries apply until the first byte of the body arrives; nothing is retried
    /// after that. The writer is flushed at the end. On error the writer may already have received part
    /// of the content: use [`download_to_path`](Self::download_to_path) to never leave a partial file
    /// behind.
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
        mut request: Request,
        writer: &mut W,
        mut options: DownloadOptions,
        sink: &str,
    ) -> Result<DownloadSummary, Error> {
        let expected = options.expected_hash()?;
        self.prepare(&mut request).await?;
        let max = options.max_bytes;
        let (mut source, status, headers, url, total) = if request.unsigned_download {
            let mut retries = 0;
            let Head { resp, url } = self
                .head(&request, &mut retries, Some(options.timeout))
                .await?;
            let total = resp.content_length();
            if total.is_some_and(|n| n > max) {
                return Err(FileError::new(
                    FileErrorKind::TooLarge { limit: max },
                    format!("the content declared by {}", url),
                )
                .into());
            }
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            (Source::Stream(resp), status, headers, url, total)
        } else {
            let verify = self.inner.verify_responses;
            let resp = self.fetch(&request, verify).await?;
            let total = Some(resp.body.len() as u64);
            let url = request.path_template().to_string();
            (
                Source::Verified(Some(resp.body)),
                resp.status,
                resp.headers,
                url,
                total,
            )
        };
        trace_event!(
            debug,
            request_id = super::transport::request_id(&headers)
                .as_deref()
                .unwrap_or(""),
            content_length = total,
            "wechatpay: download started"
        );
        let path = url.split('?').next().unwrap_or("").to_string();
        let what = format!("of the content downloaded from {path}");
        let mut out = Output {
            writer,
            hasher: expected
                .as_ref()
                .map(|(a, _)| digest::Context::new(a.digest())),
            written: 0,
            limit: max,
            sink,
        };
        let mut gz = options
            .gzip
            .then(|| flate2::write::MultiGzDecoder::new(Vec::with_capacity(64 * 1024)));
        let gzip_err = |e: std::io::Error| FileError::io(FileErrorKind::Decompress, &what, e);
        let ratio = options.max_gzip_ratio;
        let mut received: u64 = 0;
        if let Some(f) = &mut options.progress {
            f(Progress { received, total });
        }
        loop {
            let chunk = match tokio::time::timeout(options.idle_timeout, source.chunk()).await {
                Err(_) => {
                    return Err(FileError::new(
                        FileErrorKind::Stalled {
                            idle: options.idle_timeout,
                        },
                        format!("while downloading {path}"),
                    )
                    .into())
                }
                Ok(Err(e)) => return Err(TransportError::from_reqwest(url, e).into()),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            received += chunk.len() as u64;
            if received > max {
                return Err(FileError::new(
                    FileErrorKind::TooLarge { limit: max },
                    format!("the content downloaded from {path}"),
                )
                .into());
            }
            match &mut gz {
                None => out.put(&chunk).await?,
                Some(dec) => {
                    let mut input: &[u8] = &chunk;
                    while !input.is_empty() {
                        let step = &input[..input.len().min(GZIP_STEP)];
                        let n = dec.write(step).map_err(gzip_err)?;
                        if n == 0 {
                            return Err(FileError::new(
                                FileErrorKind::Decompress,
                                format!("{what}: data after the end of the gzip stream"),
                            )
                            .into());
                        }
                        input = &input[n..];
                        let produced = out.written + dec.get_ref().len() as u64;
                        if produced > GZIP_RATIO_FLOOR && produced / received.max(1) >= ratio {
                            return Err(FileError::new(
                                FileErrorKind::GzipRatio { limit: ratio },
                                format!("the content downloaded from {path}"),
                            )
                            .into());
                        }
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
            .map_err(|e| FileError::io(FileErrorKind::Io, format!("flushing {sink}"), e))?;
        let digest = match (expected, out.hasher.take()) {
            (Some((algorithm, expected)), Some(h)) => {
                let actual = hex(h.finish().as_ref());
                if actual != expected {
                    return Err(FileError::new(
                        FileErrorKind::HashMismatch {
                            algorithm: algorithm.as_str(),
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
    /// file in the same directory (`.<name>.<random>.part`, created with mode `0600` on Unix: bills are
    /// business data), which is synced and renamed to `path`
    /// (replacing an existing file) only when the whole download — transport, decompression and hash
    /// check — succeeded. On any error, and if the future is dropped, the temporary file is removed, so
    /// nothing that looks complete is left behind.
    ///
    /// ```no_run
    /// # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
    /// use wechatpay_runtime::{DownloadOptions, HashAlgorithm, Method, Request};
    /// let request = Request::new(Method::GET, "/v3/billdownload/file")
    ///     .query("token", "T")
    ///     .query("tartype", "GZIP")
    ///     .unsigned_download();
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
            Error::invalid_request(
                InvalidRequestKind::Download,
                format!("download path {} has no file name", path.display()),
            )
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
            Error::File(FileError::io(
                FileErrorKind::Io,
                format!("{action} {}", p.display()),
                e,
            ))
        };
        let mut open = tokio::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        open.mode(0o600);
        let file = open
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
            Error::invalid_request(
                InvalidRequestKind::Url,
                format!("bad download URL {download_url:?}: {e}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid_request(
                InvalidRequestKind::Url,
                format!("download URL {download_url:?} is not an absolute http(s) URL"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_request(
                InvalidRequestKind::Url,
                format!("download URL {download_url:?} must not carry credentials"),
            ));
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
            return Err(Error::invalid_request(InvalidRequestKind::Url, format!(
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
