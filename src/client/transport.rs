//! Transport: routing, signing each attempt, failover to the backup host, retries (decided by the
//! [`RetryPolicy`](super::retry::RetryPolicy)), response size limits and error answers.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use super::retry::{Decision, Failure, RetryPolicy};
use super::{Client, Response, USER_AGENT};
use crate::crypto::generate_nonce;
use crate::error::{
    ApiError, Error, InvalidRequestKind, SignatureError, SignatureErrorKind, TransportError,
    TransportErrorKind, MAX_ERROR_BODY_BYTES,
};
use crate::request::{Method, Request};

/// The headers every signed WeChat Pay answer carries.
pub(crate) const SIGNATURE_HEADERS: [&str; 4] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
];

/// The `Request-ID` header of an answer.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A signature-missing error if any of the four `Wechatpay-*` headers is absent (checked before the
/// body is read, so an unsigned answer costs no memory).
pub(crate) fn check_signature_headers(headers: &HeaderMap) -> Result<(), Error> {
    let missing: Vec<&'static str> = SIGNATURE_HEADERS
        .iter()
        .copied()
        .filter(|h| headers.get(*h).is_none())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SignatureError::new(SignatureErrorKind::MissingHeaders(missing)).into())
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge(u64),
    Transport(reqwest::Error),
}

/// Reads a body of at most `limit` bytes: a larger `Content-Length` fails before reading, and reading
/// stops as soon as more arrives. With `truncate`, the first `limit` bytes are kept instead of failing
/// (and the flag says so).
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
    truncate: bool,
) -> Result<(Bytes, bool), BodyError> {
    if !truncate && resp.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge(limit));
    }
    let cap = resp.content_length().unwrap_or(0).min(limit).min(1 << 20) as usize;
    let mut buf = BytesMut::with_capacity(cap);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        let room = (limit as usize).saturating_sub(buf.len());
        if chunk.len() > room {
            if truncate {
                buf.extend_from_slice(&chunk[..room]);
                return Ok((buf.freeze(), true));
            }
            return Err(BodyError::TooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), false))
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

/// The string value of the first `"name": "…"` member in a JSON text that may be cut short.
fn string_member(text: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\"");
    let at = text.find(&key)? + key.len();
    let rest = text[at..].trim_start().strip_prefix(':')?;
    serde_json::Deserializer::from_str(rest)
        .into_iter::<String>()
        .next()?
        .ok()
}

/// The base URLs one call tries, in order: the operation's own host alone (after the host overrides:
/// the first override whose origin starts it, followed by `/` or nothing, replaces that origin), or the
/// client's primary and then its backup. Shared by the APIv3 and APIv2 clients.
pub(crate) fn base_urls_for<'a>(
    own: Option<&'a str>,
    overrides: &[(String, String)],
    primary: &'a str,
    backup: Option<&'a str>,
) -> Vec<Cow<'a, str>> {
    match own {
        Some(b) => {
            let b = b.trim_end_matches('/');
            let routed = overrides.iter().find_map(|(origin, to)| {
                let rest = b.strip_prefix(origin.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| format!("{to}{rest}"))
            });
            vec![routed.map_or(Cow::Borrowed(b), Cow::Owned)]
        }
        None => std::iter::once(primary)
            .chain(backup)
            .map(Cow::Borrowed)
            .collect(),
    }
}

/// One attempt of a call: the request is built for each base URL in turn and sent; the next base URL
/// is tried only when the connection could not be established (the request never left). `build`
/// returns the request and the URL to name in errors and traces. An answer from another URL than the
/// one sent (a redirect followed by a caller's HTTP client) is an error: WeChat Pay never redirects.
///
/// The outer `Result` is a request that cannot be built (not retried); the inner one the answer or the
/// last transport failure (for the retry policy).
pub(crate) async fn send_once(
    http: &reqwest::Client,
    bases: &[Cow<'_, str>],
    attempt: u32,
    mut build: impl FnMut(&str) -> Result<(reqwest::Request, String), Error>,
) -> Result<Result<(reqwest::Response, String), TransportError>, Error> {
    let mut outcome = None;
    for (i, base) in bases.iter().enumerate() {
        let (hr, url) = build(base)?;
        let sent = hr.url().clone();
        let _host = sent.host_str().unwrap_or("").to_string();
        let _started = Instant::now();
        let _ = attempt;
        match http.execute(hr).await {
            Ok(r) => {
                trace_event!(
                    debug,
                    attempt,
                    host = %_host,
                    status = r.status().as_u16(),
                    request_id = request_id(r.headers()).as_deref().unwrap_or(""),
                    duration_ms = _started.elapsed().as_millis() as u64,
                    "wechatpay: answer"
                );
                if *r.url() != sent {
                    return Err(TransportError::new(TransportErrorKind::Redirect, url).into());
                }
                return Ok(Ok((r, url)));
            }
            Err(e) => {
                let te = TransportError::from_reqwest(url, e);
                trace_event!(
                    debug,
                    attempt,
                    host = %_host,
                    error = ?te.kind(),
                    duration_ms = _started.elapsed().as_millis() as u64,
                    "wechatpay: no answer"
                );
                let connect = te.is_connect();
                outcome = Some(te);
                if !connect {
                    break;
                }
                if let Some(_next) = bases.get(i + 1) {
                    trace_event!(
                        info,
                        from = %_host,
                        to = %_next,
                        "wechatpay: connection failed, failing over to the backup host"
                    );
                }
            }
        }
    }
    match outcome {
        Some(te) => Ok(Err(te)),
        None => Err(Error::invalid_request(
            InvalidRequestKind::Url,
            "no base URL configured",
        )),
    }
}

/// The retry policy's view of a transport failure.
pub(crate) fn failure_of(te: &TransportError) -> Failure {
    if te.is_connect() {
        Failure::Connect
    } else {
        Failure::Transport
    }
}

/// The `Retry-After` of an answer, in seconds (an HTTP date is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Asks the retry policy; on "retry" logs the decision, sleeps and counts the retry.
pub(crate) async fn retry_after_failure(
    policy: &RetryPolicy,
    retries: &mut u32,
    method: &Method,
    failure: Failure,
) -> bool {
    match policy.decide(*retries, method, failure) {
        Decision::Retry { delay, reason } => {
            trace_event!(
                info,
                attempt = *retries + 1,
                reason,
                delay_ms = delay.as_millis() as u64,
                "wechatpay: retrying"
            );
            let _ = reason;
            tokio::time::sleep(delay).await;
            *retries += 1;
            true
        }
        Decision::Stop => false,
    }
}

/// A 2xx answer whose body is not read yet, and how many attempts it took.
pub(crate) struct Head {
    pub(crate) resp: reqwest::Response,
    pub(crate) url: String,
}

impl Client {
    /// The configured primary and backup base URLs (without a trailing `/`).
    pub(crate) fn base_urls(&self) -> (&str, Option<&str>) {
        (&self.inner.base_url, self.inner.backup_base_url.as_deref())
    }

    fn build_http(&self, req: &Request, base: &str, pq: &str) -> Result<reqwest::Request, Error> {
        let url = reqwest::Url::parse(&format!("{base}{pq}")).map_err(|e| {
            Error::invalid_request(
                InvalidRequestKind::Url,
                format!("cannot build URL from {base:?} and {pq:?}: {e}"),
            )
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
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                Error::invalid_request(InvalidRequestKind::Header, format!("bad header name {k:?}"))
            })?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                Error::invalid_request(
                    InvalidRequestKind::Header,
                    format!("bad value for header {k:?}"),
                )
            })?;
            h.append(name, value);
        }
        let hv = |s: &str| {
            HeaderValue::from_str(s).map_err(|_| {
                Error::invalid_request(
                    InvalidRequestKind::Header,
                    format!("bad header value {s:?}"),
                )
            })
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
            None => self.preferred_key().map(|k| k.serial().to_string()),
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

    /// Signing, failover, retries and status handling up to a 2xx answer whose body is not read yet
    /// (so that downloads can stream it). `retries` counts retries across calls (for a body that breaks
    /// after its head); `timeout` replaces the client's per-attempt timeout (downloads of large files
    /// need longer).
    ///
    /// A non-2xx answer is read (at most [`MAX_ERROR_BODY_BYTES`] of an unsigned one), verified if it
    /// carries `Wechatpay-Signature` (a bad signature is an [`Error::Signature`], never retried), then
    /// retried or returned as an [`Error::Api`].
    pub(crate) async fn head(
        &self,
        req: &Request,
        retries: &mut u32,
        timeout: Option<Duration>,
    ) -> Result<Head, Error> {
        let pq = req.path_and_query()?;
        let bases = base_urls_for(
            req.base_url.as_deref(),
            &self.inner.host_overrides,
            &self.inner.base_url,
            self.inner.backup_base_url.as_deref(),
        );
        let timeout = timeout.unwrap_or(self.inner.timeout);
        loop {
            let sent = send_once(&self.inner.http, &bases, *retries + 1, |base| {
                let mut hr = self.build_http(req, base, &pq)?;
                *hr.timeout_mut() = Some(timeout);
                let url = hr.url().to_string();
                Ok((hr, url))
            })
            .await?;
            let (resp, url) = match sent {
                Ok(r) => r,
                Err(te) => {
                    if self
                        .retry_after_failure(retries, req, failure_of(&te))
                        .await
                    {
                        continue;
                    }
                    return Err(te.into());
                }
            };
            let status = resp.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(Head { resp, url });
            }
            let headers = resp.headers().clone();
            let signed = headers.contains_key("wechatpay-signature") && self.inner.verify_responses;
            // A signed answer is verified over its whole body (within the response limit); of an
            // unsigned one only the first 64 KiB are kept.
            let (limit, truncate) = if signed {
                (self.inner.max_response_bytes, false)
            } else {
                (MAX_ERROR_BODY_BYTES as u64, true)
            };
            let (body, body_truncated) = match read_body(resp, limit, truncate).await {
                Ok(b) => b,
                Err(BodyError::TooLarge(limit)) => {
                    return Err(TransportError::new(
                        TransportErrorKind::ResponseTooLarge { limit },
                        url,
                    )
                    .into())
                }
                Err(BodyError::Transport(e)) => {
                    if self.retry_after_failure(retries, req, Failure::Body).await {
                        continue;
                    }
                    return Err(TransportError::from_reqwest(url, e).into());
                }
            };
            let verified_by = if signed {
                Some(
                    self.verify(&headers, &body, !req.certificate_download)
                        .await?,
                )
            } else {
                None
            };
            let failure = Failure::Status {
                status,
                retry_after: retry_after(&headers),
            };
            if self.retry_after_failure(retries, req, failure).await {
                continue;
            }
            let parsed: Option<ApiErrorBody> = serde_json::from_slice(&body).ok();
            let (code, message, detail) = match parsed {
                Some(p) => (p.code, p.message, p.detail),
                // A cut (or otherwise broken) body: WeChat Pay's `code` and `message` come first.
                None => {
                    let text = String::from_utf8_lossy(&body);
                    (
                        string_member(&text, "code").unwrap_or_default(),
                        string_member(&text, "message").unwrap_or_default(),
                        None,
                    )
                }
            };
            let keep = body.len().min(MAX_ERROR_BODY_BYTES);
            return Err(ApiError {
                status,
                code,
                message,
                detail,
                body: String::from_utf8_lossy(&body[..keep]).into_owned(),
                body_truncated: body_truncated || keep < body.len(),
                request_id: request_id(&headers),
                verified_by,
                attempts: *retries + 1,
            }
            .into());
        }
    }

    async fn retry_after_failure(
        &self,
        retries: &mut u32,
        req: &Request,
        failure: Failure,
    ) -> bool {
        retry_after_failure(&self.inner.retry, retries, &req.method, failure).await
    }

    /// The whole exchange up to a verified answer: [`head`](Self::head), then (when `verify`) the
    /// signature headers are checked before the body is read, the body is read within
    /// `max_response_bytes` and its signature verified.
    pub(crate) async fn fetch(&self, req: &Request, verify: bool) -> Result<Response, Error> {
        let mut retries: u32 = 0;
        loop {
            let Head { resp, url } = self.head(req, &mut retries, None).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            if verify {
                check_signature_headers(&headers)?;
            }
            let body = match read_body(resp, self.inner.max_response_bytes, false).await {
                Ok((b, _)) => b,
                Err(BodyError::TooLarge(limit)) => {
                    return Err(TransportError::new(
                        TransportErrorKind::ResponseTooLarge { limit },
                        url,
                    )
                    .into())
                }
                Err(BodyError::Transport(e)) => {
                    if self
                        .retry_after_failure(&mut retries, req, Failure::Body)
                        .await
                    {
                        continue;
                    }
                    return Err(TransportError::from_reqwest(url, e).into());
                }
            };
            let verified_by = if verify {
                Some(
                    self.verify(&headers, &body, !req.certificate_download)
                        .await?,
                )
            } else {
                None
            };
            return Ok(Response {
                status,
                request_id: request_id(&headers),
                headers,
                body,
                verified_by,
                attempts: retries + 1,
            });
        }
    }
}
