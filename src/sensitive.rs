//! Sensitive fields: encrypting request fields for WeChat Pay (RSA-OAEP with its public key or
//! platform certificate) at JSON paths, and a string type that keeps decrypted values out of `Debug`.
//!
//! A *field path* names string values inside a JSON document: wire names separated by `.`, and `[]`
//! after a name for "each element of this array", e.g. `"bank_account_info.account_number"` or
//! `"items[].id_card_number"`. Absent and `null` values are skipped; any other non-string value at a
//! path is an [`Error::InvalidRequest`] naming the path.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::Value;

use crate::crypto::{rsa_oaep_decrypt, rsa_oaep_encrypt, PrivateKey, VerifyingKey};
use zeroize::Zeroize;

use crate::error::{CryptoErrorKind, Error, InvalidRequestKind, REDACTED};

/// A decrypted secret (e.g. a name or ID number WeChat Pay returned encrypted). Its `Debug` output is
/// `SecretString("<redacted>")` and it has no `Display`, so it does not end up in logs by accident;
/// read it with [`expose_secret`](SecretString::expose_secret). Its bytes are zeroized when it is dropped.
///
/// ```
/// use wechatpay_runtime::SecretString;
/// let s = SecretString::new("张三");
/// assert_eq!(s.expose_secret(), "张三");
/// assert_eq!(format!("{s:?}"), r#"SecretString("<redacted>")"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The plaintext.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The plaintext, consuming the wrapper (the returned `String` is no longer zeroized on drop).
    pub fn into_exposed(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString(\"{REDACTED}\")")
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString(s)
    }
}

/// Encrypts one sensitive value for WeChat Pay: RSA-OAEP with `key`, then standard base64 — the form
/// the API expects in a request field or query parameter.
pub fn encrypt_sensitive(key: &VerifyingKey, plaintext: &str) -> Result<String, Error> {
    Ok(B64.encode(rsa_oaep_encrypt(key, plaintext.as_bytes())?))
}

/// Decrypts one response field that WeChat Pay encrypted with the merchant's public key: base64-decodes
/// `ciphertext_b64` and RSA-OAEP-decrypts it with the merchant private key. See
/// [`Client::decrypt_sensitive_field`](crate::Client::decrypt_sensitive_field).
pub fn decrypt_sensitive(key: &PrivateKey, ciphertext_b64: &str) -> Result<SecretString, Error> {
    let raw = B64.decode(ciphertext_b64.trim()).map_err(|_| {
        CryptoErrorKind::InvalidInput("the encrypted field is not valid base64".into())
    })?;
    let plain = rsa_oaep_decrypt(key, &raw)?;
    String::from_utf8(plain).map(SecretString).map_err(|e| {
        // Not text, but still the secret's bytes.
        e.into_bytes().zeroize();
        CryptoErrorKind::InvalidInput("the decrypted field is not UTF-8 text".into()).into()
    })
}

/// Encrypts, in the JSON document `json`, every string found at one of `paths` (see the module docs
/// for the path syntax) with `key` (RSA-OAEP, base64) and returns the re-serialised document and the
/// number of values encrypted. This is what [`Client::execute`](crate::Client::execute) does for
/// [`Request::encrypt_fields`](crate::Request::encrypt_fields).
///
/// ```
/// # fn demo(key: &wechatpay_runtime::VerifyingKey) -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::encrypt_json_fields;
/// let body = r#"{"payee":{"name":"张三"},"items":[{"id_card":"1"},{"id_card":"2"}],"amount":1}"#.as_bytes();
/// let (encrypted, n) = encrypt_json_fields(body, &["payee.name", "items[].id_card"], key)?;
/// assert_eq!(n, 3);
/// # Ok(()) }
/// ```
pub fn encrypt_json_fields<P: AsRef<str>>(
    json: &[u8],
    paths: &[P],
    key: &VerifyingKey,
) -> Result<(Vec<u8>, usize), Error> {
    transform_json_fields(json, paths, &mut |path, plain| {
        encrypt_sensitive(key, plain).map_err(|e| match e {
            Error::Crypto(c) => match c.kind() {
                CryptoErrorKind::PlaintextTooLong { len, max } => Error::invalid_request(InvalidRequestKind::SensitiveField, format!(
                    "sensitive field `{path}` is {len} bytes long; RSA-OAEP with this key allows at most {max}"
                )),
                _ => Error::Crypto(c),
            },
            other => other,
        })
    })
}

/// How many strings `json` holds at `paths` (what [`encrypt_json_fields`] would encrypt), without
/// encrypting anything; the same errors for a body that is not JSON or a non-string value at a path.
pub(crate) fn count_json_fields<P: AsRef<str>>(json: &[u8], paths: &[P]) -> Result<usize, Error> {
    let mut doc: Value = serde_json::from_slice(json).map_err(|e| {
        Error::invalid_request(
            crate::error::InvalidRequestKind::SensitiveField,
            format!("the body is not JSON, so its sensitive fields cannot be encrypted: {e}"),
        )
    })?;
    let mut count = 0;
    for p in paths {
        let path = p.as_ref();
        let segments = parse_path(path)?;
        count += walk(&mut doc, &segments, path, &mut |_, _| Ok(String::new()))?;
    }
    Ok(count)
}

/// Parses `json`, replaces each string at `paths` by `f(path, value)`, re-serialises.
pub(crate) fn transform_json_fields<P: AsRef<str>>(
    json: &[u8],
    paths: &[P],
    f: &mut dyn FnMut(&str, &str) -> Result<String, Error>,
) -> Result<(Vec<u8>, usize), Error> {
    // The message of a serde_json syntax error names a position, never the content.
    let mut doc: Value = serde_json::from_slice(json).map_err(|e| {
        Error::invalid_request(
            InvalidRequestKind::Body,
            format!("the body is not JSON, so its sensitive fields cannot be encrypted: {e}"),
        )
    })?;
    let mut count = 0;
    for p in paths {
        let path = p.as_ref();
        let segments = parse_path(path)?;
        count += walk(&mut doc, &segments, path, f)?;
    }
    let out = serde_json::to_vec(&doc).map_err(|e| {
        Error::invalid_request(
            InvalidRequestKind::Body,
            format!("cannot re-serialize the body: {e}"),
        )
    })?;
    Ok((out, count))
}

/// One step of a path: a member name, and whether the member is an array to descend into element-wise.
struct Segment<'a> {
    name: &'a str,
    each: bool,
}

fn parse_path(path: &str) -> Result<Vec<Segment<'_>>, Error> {
    let bad = || {
        Error::invalid_request(
            InvalidRequestKind::SensitiveField,
            format!("bad sensitive field path `{path}`"),
        )
    };
    path.split('.')
        .map(|s| {
            let (name, each) = match s.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (s, false),
            };
            if name.is_empty() || name.contains(['[', ']']) {
                Err(bad())
            } else {
                Ok(Segment { name, each })
            }
        })
        .collect()
}

fn walk(
    v: &mut Value,
    segs: &[Segment<'_>],
    path: &str,
    f: &mut dyn FnMut(&str, &str) -> Result<String, Error>,
) -> Result<usize, Error> {
    let Some((seg, rest)) = segs.split_first() else {
        return match v {
            Value::Null => Ok(0),
            Value::String(s) => {
                *s = f(path, s)?;
                Ok(1)
            }
            other => Err(Error::invalid_request(
                InvalidRequestKind::SensitiveField,
                format!(
                    "sensitive field `{path}` must be a string, found {}",
                    kind(other)
                ),
            )),
        };
    };
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => return Ok(0),
        other => {
            return Err(Error::invalid_request(
                InvalidRequestKind::SensitiveField,
                format!(
                    "cannot reach sensitive field `{path}`: `{}` is inside {}, not an object",
                    seg.name,
                    kind(other)
                ),
            ))
        }
    };
    let Some(child) = obj.get_mut(seg.name) else {
        return Ok(0);
    };
    if !seg.each {
        return walk(child, rest, path, f);
    }
    match child {
        Value::Null => Ok(0),
        Value::Array(items) => {
            let mut n = 0;
            for item in items {
                n += walk(item, rest, path, f)?;
            }
            Ok(n)
        }
        other => Err(Error::invalid_request(
            InvalidRequestKind::SensitiveField,
            format!(
                "sensitive field `{path}`: `{}` must be an array, found {}",
                seg.name,
                kind(other)
            ),
        )),
    }
}

/// The JSON kind of a value, for error messages (never the value itself).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(json: &str, paths: &[&str]) -> Result<(Value, usize), Error> {
        let (out, n) = transform_json_fields(json.as_bytes(), paths, &mut |path, s| {
            Ok(format!("<{path}:{s}>"))
        })?;
        Ok((serde_json::from_slice(&out).unwrap(), n))
    }

    #[test]
    fn nested_objects_arrays_and_absent_values() {
        let (v, n) = mark(
            r#"{"a":"x","b":{"c":{"d":"y"},"e":1},"items":[{"id":"1"},{"id":"2","k":"z"},{}],
                "names":["p","q"],"opt":null,"list":null}"#,
            &[
                "a",
                "b.c.d",
                "items[].id",
                "names[]",
                "opt",
                "missing",
                "missing.deeper",
                "list[].id",
                "b.nope.x",
            ],
        )
        .unwrap();
        assert_eq!(n, 6);
        assert_eq!(v["a"], "<a:x>");
        assert_eq!(v["b"]["c"]["d"], "<b.c.d:y>");
        assert_eq!(v["b"]["e"], 1);
        assert_eq!(v["items"][0]["id"], "<items[].id:1>");
        assert_eq!(v["items"][1]["id"], "<items[].id:2>");
        assert_eq!(v["items"][1]["k"], "z");
        assert!(v["items"][2].get("id").is_none());
        assert_eq!(v["names"][1], "<names[]:q>");
        assert!(v["opt"].is_null());
    }

    #[test]
    fn non_strings_are_errors_naming_the_path() {
        for (json, path, want) in [
            (
                r#"{"a":{"b":5}}"#,
                "a.b",
                "`a.b` must be a string, found a number",
            ),
            (
                r#"{"a":{"b":{"c":"secret"}}}"#,
                "a.b",
                "`a.b` must be a string, found an object",
            ),
            (r#"{"a":"secret"}"#, "a.b", "`b` is inside a string"),
            (
                r#"{"a":{"x":"secret"}}"#,
                "a[].x",
                "`a` must be an array, found an object",
            ),
            (
                r#"{"a":[1]}"#,
                "a[]",
                "`a[]` must be a string, found a number",
            ),
        ] {
            match mark(json, &[path]) {
                Err(Error::InvalidRequest(e)) => {
                    assert_eq!(e.kind(), InvalidRequestKind::SensitiveField, "{e}");
                    let m = e.message();
                    assert!(m.contains(want), "{m}");
                    assert!(!m.contains("secret"), "{m}");
                }
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_paths_and_bodies_are_errors() {
        for p in ["", "a..b", "a.[]", "a[0]", "a[]]"] {
            assert!(
                matches!(mark("{}", &[p]), Err(Error::InvalidRequest(_))),
                "{p:?}"
            );
        }
        match mark("not json secret", &["a"]) {
            Err(Error::InvalidRequest(e)) => {
                assert_eq!(e.kind(), InvalidRequestKind::Body, "{e}");
                assert!(!e.message().contains("secret"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
}
