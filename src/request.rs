//! The non-generic request description the generated code builds for each operation.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use crate::error::{Error, InvalidRequestKind};

pub use reqwest::Method;

/// Characters left as-is in path segments and query keys/values: RFC 3986 unreserved only.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query component (everything but `A-Za-z0-9-._~`).
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// `true` for `.` and `..`, also when (repeatedly) percent-encoded: `%2e`, `.%2E`, `%252e%252e`, …
/// Servers and proxies read such a path segment as "this" or "the parent" directory, so a request
/// would be signed for one endpoint and reach another.
fn is_dot_segment(value: &str) -> bool {
    let mut v: Cow<'_, str> = Cow::Borrowed(value);
    // Bounded: each round strictly shortens a value that still contains an escape.
    for _ in 0..8 {
        if v == "." || v == ".." {
            return true;
        }
        if !v.contains('%') {
            return false;
        }
        let decoded = percent_encoding::percent_decode_str(&v)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == *v {
            return false;
        }
        v = Cow::Owned(decoded);
    }
    false
}

/// One API call, described without generics so that per-operation code stays small.
///
/// Build it with [`Request::new`] and the chained setters, then hand it to
/// [`Client::send`](crate::Client::send) (JSON answer), [`Client::send_empty`](crate::Client::send_empty)
/// (204 / ignored body), [`Client::send_bytes`](crate::Client::send_bytes) (raw bytes, e.g. bill
/// downloads) or [`Client::execute`](crate::Client::execute) (the raw verified response).
///
/// * `path` is a template such as `/v3/pay/transactions/id/{transaction_id}`; each `{name}` is replaced
///   by the percent-encoded value given to [`path_param`](Request::path_param). A value that is empty,
///   `.` or `..` (also percent-encoded, e.g. `%2e%2E`) is refused before anything is sent: it would
///   change which endpoint the signed request reaches. A leading `/` is added if
///   missing. The template may already contain a literal query string (`?a=b`); it is then sent as is.
/// * query pairs are percent-encoded (RFC 3986 unreserved characters are kept) and appended in order.
/// * the body is sent byte-for-byte as given and is exactly what gets signed.
///
/// ```
/// use wechatpay_runtime::{Method, Request};
/// let req = Request::new(Method::GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}")
///     .path_param("out_trade_no", "1217752501201407033233368018")
///     .query("mchid", "1900000001");
/// assert_eq!(
///     req.path_and_query().unwrap(),
///     "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1900000001"
/// );
/// ```
///
/// `Debug` never shows plaintext meant to be encrypted: the values of
/// [`encrypted_query`](Request::encrypted_query) pairs print as `<redacted>`, and the body (or upload
/// meta part) of a request with [`encrypt_fields`](Request::encrypt_fields) prints only its length.
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: Cow<'static, str>,
    pub(crate) path_params: Vec<(Cow<'static, str>, String)>,
    pub(crate) query: Vec<QueryPair>,
    /// JSON paths of body (or upload meta) fields to encrypt for WeChat Pay before sending.
    pub(crate) encrypt_paths: Vec<Cow<'static, str>>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) base_url: Option<Cow<'static, str>>,
    pub(crate) unsigned_download: bool,
    pub(crate) wechatpay_serial: Option<String>,
    pub(crate) needs_encryption_serial: bool,
    pub(crate) multipart: Option<Multipart>,
    /// The certificate download itself: verifying its answers must not start another download.
    pub(crate) certificate_download: bool,
}

/// One query pair; `encrypt` marks a sensitive value still in plaintext.
#[derive(Clone)]
pub(crate) struct QueryPair {
    pub(crate) key: Cow<'static, str>,
    pub(crate) value: String,
    pub(crate) encrypt: bool,
}

/// Shows a value as `<redacted>` in `Debug`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Shows bytes as (lossy) text, or only their length when they hold plaintext to be encrypted.
struct BodyDebug<'a> {
    bytes: &'a [u8],
    redact: bool,
}

impl fmt::Debug for BodyDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.redact {
            write!(
                f,
                "<{} bytes, redacted: holds fields to encrypt>",
                self.bytes.len()
            )
        } else {
            fmt::Debug::fmt(&String::from_utf8_lossy(self.bytes), f)
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = !self.encrypt_paths.is_empty();
        let query: Vec<(&str, &dyn fmt::Debug)> = self
            .query
            .iter()
            .map(|q| {
                let v: &dyn fmt::Debug = if q.encrypt { &Redacted } else { &q.value };
                (&*q.key, v)
            })
            .collect();
        let mut d = f.debug_struct("Request");
        d.field("method", &self.method)
            .field("path", &self.path)
            .field("path_params", &self.path_params)
            .field("query", &query)
            .field("encrypt_fields", &self.encrypt_paths)
            .field("headers", &self.headers)
            .field(
                "body",
                &self.body.as_ref().map(|b| BodyDebug { bytes: b, redact }),
            );
        if let Some(m) = &self.multipart {
            d.field("multipart_meta_name", &m.meta_name)
                .field("multipart_file_field", &m.file_field)
                .field("multipart_file_name", &m.file_name)
                .field("multipart_content_type", &m.content_type)
                .field("multipart_file_len", &m.file.len());
        }
        d.field("base_url", &self.base_url)
            .field("unsigned_download", &self.unsigned_download)
            .field("wechatpay_serial", &self.wechatpay_serial)
            .field("needs_encryption_serial", &self.needs_encryption_serial)
            .finish()
    }
}

/// A `multipart/form-data` upload: a JSON `meta` part (the part that is signed) and one file part.
#[derive(Clone)]
pub(crate) struct Multipart {
    pub(crate) meta_name: Cow<'static, str>,
    pub(crate) meta: Bytes,
    pub(crate) file_field: Cow<'static, str>,
    pub(crate) file_name: String,
    pub(crate) content_type: String,
    pub(crate) file: Bytes,
}

impl Multipart {
    /// The encoded body with the given boundary.
    pub(crate) fn encode(&self, boundary: &str) -> Bytes {
        let mut out = Vec::with_capacity(self.meta.len() + self.file.len() + 512);
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\nContent-Type: application/json\r\n\r\n",
                self.meta_name
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.meta);
        out.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                self.file_field, self.file_name, self.content_type
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.file);
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Bytes::from(out)
    }
}

/// A part name, file name or content type may not break the multipart headers.
pub(crate) fn header_safe(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Err(Error::invalid_request(
            InvalidRequestKind::Upload,
            format!(
                "{what} {value:?} is empty or contains a quote, backslash or control character"
            ),
        ));
    }
    Ok(())
}

impl Request {
    /// A request with the given method and path template.
    pub fn new(method: Method, path: impl Into<Cow<'static, str>>) -> Self {
        Request {
            method,
            path: path.into(),
            path_params: Vec::new(),
            query: Vec::new(),
            encrypt_paths: Vec::new(),
            headers: Vec::new(),
            body: None,
            base_url: None,
            unsigned_download: false,
            wechatpay_serial: None,
            needs_encryption_serial: false,
            multipart: None,
            certificate_download: false,
        }
    }

    /// Sets the value of `{name}` in the path template (percent-encoded when the path is built).
    pub fn path_param(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.path_params.push((name.into(), value.into()));
        self
    }

    /// Appends a query pair (percent-encoded when the URL is built). Call once per pair; repeated keys
    /// are allowed.
    pub fn query(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.query.push(QueryPair {
            key: key.into(),
            value: value.into(),
            encrypt: false,
        });
        self
    }

    /// Appends a sensitive query pair given in plaintext: when the request is sent, the client
    /// encrypts the value for WeChat Pay (RSA-OAEP with its public key or platform certificate, then
    /// base64) and names that key in `Wechatpay-Serial`, as with
    /// [`encrypt_fields`](Request::encrypt_fields). The plaintext never appears in `Debug` output.
    ///
    /// ```
    /// use wechatpay_runtime::{Method, Request};
    /// let req = Request::new(Method::GET, "/v3/example").encrypted_query("name", "张三");
    /// assert!(!format!("{req:?}").contains("张三"));
    /// ```
    pub fn encrypted_query(
        mut self,
        key: impl Into<Cow<'static, str>>,
        plaintext: impl Into<String>,
    ) -> Self {
        self.query.push(QueryPair {
            key: key.into(),
            value: plaintext.into(),
            encrypt: true,
        });
        self
    }

    /// Names fields of the JSON body (for an upload: of the `meta` part) that are given in plaintext
    /// and must be encrypted for WeChat Pay. When the request is sent, the client takes its encryption
    /// key once ([`Client::encryption_key`](crate::Client::encryption_key), or the key named with
    /// [`encrypted_with`](Request::encrypted_with)), replaces each string at these paths by its
    /// RSA-OAEP ciphertext in base64, signs the resulting body and sends `Wechatpay-Serial` with that
    /// key's serial. Absent and `null` values are skipped; any other non-string value at a path fails
    /// the call with [`Error::InvalidRequest`] naming the path. Can be called several times.
    ///
    /// A path is made of wire names separated by `.`, with `[]` after an array's name for "each
    /// element": `"bank_account_info.account_number"`, `"items[].id_card_number"`.
    ///
    /// ```
    /// use wechatpay_runtime::{Method, Request};
    /// let req = Request::new(Method::POST, "/v3/applyment4sub/applyment/")
    ///     .body(r#"{"contact_info":{"contact_name":"张三"}}"#)
    ///     .encrypt_fields(&["contact_info.contact_name"]);
    /// assert!(!format!("{req:?}").contains("张三"));
    /// ```
    pub fn encrypt_fields(mut self, paths: &'static [&'static str]) -> Self {
        self.encrypt_paths
            .extend(paths.iter().map(|p| Cow::Borrowed(*p)));
        self
    }

    /// Like [`encrypt_fields`](Request::encrypt_fields) for one path built at run time.
    pub fn encrypt_field(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.encrypt_paths.push(path.into());
        self
    }

    /// Whether sending needs an encryption step (sensitive body fields or query values).
    pub(crate) fn has_plaintext_to_encrypt(&self) -> bool {
        !self.encrypt_paths.is_empty() || self.query.iter().any(|q| q.encrypt)
    }

    /// Appends an optional query pair: nothing happens for `None`.
    pub fn query_opt(
        self,
        key: impl Into<Cow<'static, str>>,
        value: Option<impl Into<String>>,
    ) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds an extra request header (e.g. `Idempotency-Key`). The runtime's own headers
    /// (`Authorization`, `User-Agent`, `Accept`, `Content-Type`, `Wechatpay-Serial`) cannot be overridden.
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body bytes, exactly as they will be sent and signed.
    pub fn body(mut self, json: impl Into<Bytes>) -> Self {
        self.body = Some(json.into());
        self.multipart = None;
        self
    }

    /// Makes the call a media upload (`multipart/form-data`): a JSON part named `meta_name` holding
    /// `meta` (exactly these bytes are signed, as WeChat Pay requires for uploads) and a file part named
    /// `file_field` with the given file name and content type. Replaces any body set before.
    ///
    /// ```
    /// use wechatpay_runtime::{Method, Request};
    /// let meta = r#"{"filename":"a.png","sha256":"00"}"#;
    /// let req = Request::new(Method::POST, "/v3/merchant/media/upload")
    ///     .multipart("meta", meta, "file", "a.png", "image/png", vec![0u8; 4])
    ///     .unwrap();
    /// assert_eq!(req.body_bytes(), Some(meta.as_bytes()));
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn multipart(
        mut self,
        meta_name: impl Into<Cow<'static, str>>,
        meta: impl Into<Bytes>,
        file_field: impl Into<Cow<'static, str>>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        file: impl Into<Bytes>,
    ) -> Result<Self, Error> {
        let m = Multipart {
            meta_name: meta_name.into(),
            meta: meta.into(),
            file_field: file_field.into(),
            file_name: file_name.into(),
            content_type: content_type.into(),
            file: file.into(),
        };
        header_safe("part name", &m.meta_name)?;
        header_safe("part name", &m.file_field)?;
        header_safe("file name", &m.file_name)?;
        header_safe("content type", &m.content_type)?;
        self.body = Some(m.meta.clone());
        self.multipart = Some(m);
        Ok(self)
    }

    /// Serializes `value` with `serde_json` and uses it as the body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::invalid_request(
                InvalidRequestKind::Body,
                format!("cannot serialize request body: {e}"),
            )
        })?;
        self.body = Some(Bytes::from(bytes));
        self.multipart = None;
        Ok(self)
    }

    /// Sends this request to another host instead of the configured primary/backup pair, e.g.
    /// `https://apihk.mch.weixin.qq.com` for Hong Kong operations. No failover happens for such requests.
    pub fn base_url(mut self, base_url: impl Into<Cow<'static, str>>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Marks the call as a download of a file that WeChat does not sign (bill files, media): a 2xx
    /// response is returned without signature verification and `Accept: */*` is sent. The request is
    /// still signed. (Checking the file hash from the bill-URL response is the caller's job.)
    pub fn unsigned_download(mut self) -> Self {
        self.unsigned_download = true;
        self
    }

    /// Names the WeChat Pay key (serial or `PUB_KEY_ID_…`) whose public key encrypted the sensitive
    /// fields in this request; it is sent as `Wechatpay-Serial`. Use the serial of the key returned by
    /// [`Client::encryption_key`](crate::Client::encryption_key). Without this call the client sends the
    /// serial of its preferred key anyway (as the official SDKs do).
    pub fn encrypted_with(mut self, serial: impl Into<String>) -> Self {
        self.wechatpay_serial = Some(serial.into());
        self
    }

    /// Marks the request as carrying fields encrypted for WeChat Pay, so `Wechatpay-Serial` is
    /// mandatory: unless [`encrypted_with`](Request::encrypted_with) named a key, the client names its
    /// encryption key (see [`Client::encryption_key`](crate::Client::encryption_key), which may download
    /// certificates first) and fails with a configuration error rather than send the request without it.
    pub fn needs_encryption_serial(mut self) -> Self {
        self.needs_encryption_serial = true;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template as given.
    pub fn path_template(&self) -> &str {
        &self.path
    }

    /// The body, if any.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Expands the template and appends the query: the path-and-query part of the URL (starting with `/`).
    pub fn path_and_query(&self) -> Result<String, Error> {
        let tpl: &str = &self.path;
        let mut out = String::with_capacity(tpl.len() + 32);
        if !tpl.starts_with('/') {
            out.push('/');
        }
        let mut used = vec![false; self.path_params.len()];
        let mut rest = tpl;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| {
                Error::invalid_request(
                    InvalidRequestKind::PathTemplate,
                    format!("unbalanced '{{' in path template {tpl:?}"),
                )
            })?;
            let name = &after[..close];
            let idx = self
                .path_params
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| {
                    Error::invalid_request(
                        InvalidRequestKind::PathParameter,
                        format!("missing path parameter {name:?} for {tpl:?}"),
                    )
                })?;
            let value = &self.path_params[idx].1;
            if value.is_empty() {
                return Err(Error::invalid_request(
                    InvalidRequestKind::PathParameter,
                    format!("path parameter {name:?} is empty for {tpl:?}"),
                ));
            }
            if is_dot_segment(value) {
                return Err(Error::invalid_request(InvalidRequestKind::PathParameter, format!(
                    "path parameter {name:?} is {value:?}, a dot segment that would change the path of {tpl:?}; refusing to send"
                )));
            }
            used[idx] = true;
            out.push_str(&encode_component(value));
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(Error::invalid_request(
                InvalidRequestKind::PathTemplate,
                format!("unbalanced '}}' in path template {tpl:?}"),
            ));
        }
        out.push_str(rest);
        if let Some(pos) = used.iter().position(|u| !u) {
            return Err(Error::invalid_request(
                InvalidRequestKind::PathParameter,
                format!(
                    "path parameter {:?} does not appear in {tpl:?}",
                    self.path_params[pos].0
                ),
            ));
        }
        if !self.query.is_empty() {
            out.push(if out.contains('?') { '&' } else { '?' });
            for (i, q) in self.query.iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                out.push_str(&encode_component(&q.key));
                out.push('=');
                out.push_str(&encode_component(&q.value));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_queries_are_encoded() {
        let r = Request::new(Method::GET, "v3/a/{x}/b/{y}")
            .path_param("y", "中")
            .path_param("x", "a b/c")
            .query("k", "v&w=1")
            .query_opt("none", None::<String>)
            .query_opt("some", Some("~-._"));
        assert_eq!(
            r.path_and_query().unwrap(),
            "/v3/a/a%20b%2Fc/b/%E4%B8%AD?k=v%26w%3D1&some=~-._"
        );
        let r = Request::new(Method::GET, "/v3/x?fixed=1").query("a", "b");
        assert_eq!(r.path_and_query().unwrap(), "/v3/x?fixed=1&a=b");
    }

    #[test]
    fn dot_like_values_that_are_not_dot_segments_pass() {
        for v in ["...", "a..", "..a", ".a", "%2e%2e%2e", "%zz", "%"] {
            let r = Request::new(Method::GET, "/v3/{a}").path_param("a", v);
            assert!(r.path_and_query().is_ok(), "{v}");
        }
    }

    #[test]
    fn bad_templates_are_errors() {
        for r in [
            Request::new(Method::GET, "/v3/{a"),
            Request::new(Method::GET, "/v3/a}"),
            Request::new(Method::GET, "/v3/{a}"),
            Request::new(Method::GET, "/v3/{a}").path_param("a", ""),
            Request::new(Method::GET, "/v3/a").path_param("a", "1"),
            Request::new(Method::GET, "/v3/{a}").path_param("a", "."),
            Request::new(Method::GET, "/v3/{a}").path_param("a", ".."),
            Request::new(Method::GET, "/v3/{a}").path_param("a", "%2e%2E"),
            Request::new(Method::GET, "/v3/{a}").path_param("a", ".%2e"),
            Request::new(Method::GET, "/v3/{a}").path_param("a", "%252e"),
        ] {
            assert!(matches!(r.path_and_query(), Err(Error::InvalidRequest(_))));
        }
    }
}
