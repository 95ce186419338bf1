//! APIv2 signatures: `nonce_str` and `sign` (MD5 or HMAC-SHA256 over the sorted non-empty fields with
//! `&key=` appended, upper-case hex).

use std::fmt;

use md5::{Digest, Md5};

use super::key::ApiV2Key;
use crate::files::hex_upper;

/// The APIv2 signature algorithm (`sign_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignType {
    /// `MD5`: the default when a request or answer names no `sign_type`.
    #[default]
    Md5,
    /// `HMAC-SHA256`.
    HmacSha256,
}

impl SignType {
    /// The wire name (`MD5`, `HMAC-SHA256`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// Reads a `sign_type` value; `None` for anything but `MD5` / `HMAC-SHA256` (case-insensitive).
    pub fn parse(value: &str) -> Option<Self> {
        if value.eq_ignore_ascii_case("MD5") {
            Some(SignType::Md5)
        } else if value.eq_ignore_ascii_case("HMAC-SHA256") {
            Some(SignType::HmacSha256)
        } else {
            None
        }
    }

    /// The algorithm a field set asks for: its `sign_type` if that names one, else MD5.
    pub fn of_fields<'a, I>(fields: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        fields
            .into_iter()
            .find(|(k, _)| *k == "sign_type")
            .and_then(|(_, v)| SignType::parse(v))
            .unwrap_or_default()
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string that is signed: the fields with a non-empty value, except `sign`, sorted by name (byte
/// order), as `k1=v1&k2=v2…`, followed by `&key=` and the APIv2 key. Returned zeroizing (it contains
/// the key).
fn string_to_sign<'a, I>(fields: I, key: &ApiV2Key) -> zeroize::Zeroizing<Vec<u8>>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut kv: Vec<(&str, &str)> = fields
        .into_iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    kv.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = zeroize::Zeroizing::new(Vec::with_capacity(256));
    for (k, v) in kv {
        s.extend_from_slice(k.as_bytes());
        s.push(b'=');
        s.extend_from_slice(v.as_bytes());
        s.push(b'&');
    }
    s.extend_from_slice(b"key=");
    s.extend_from_slice(key.as_bytes());
    s
}

/// The APIv2 `sign` of a field set: MD5 (or HMAC-SHA256 keyed with the APIv2 key) of the sorted
/// non-empty fields (without `sign`) joined as `k=v&…&key=KEY`, as upper-case hex.
pub fn sign<'a, I>(fields: I, key: &ApiV2Key, sign_type: SignType) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let message = string_to_sign(fields, key);
    match sign_type {
        SignType::Md5 => hex_upper(&Md5::digest(message.as_slice())),
        SignType::HmacSha256 => {
            let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
            hex_upper(aws_lc_rs::hmac::sign(&k, &message).as_ref())
        }
    }
}

/// Checks a received `sign` (case-insensitively, in constant time) against the one computed over
/// `fields` with `key`.
pub fn verify_sign<'a, I>(fields: I, key: &ApiV2Key, sign_type: SignType, received: &str) -> bool
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let expected = sign(fields, key, sign_type);
    let received = received.trim().to_ascii_uppercase();
    aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), received.as_bytes())
        .is_ok()
}

/// A fresh `nonce_str`: 32 characters of `[0-9A-Z]` from the system CSPRNG (the documented maximum
/// is 32).
pub fn nonce_str() -> String {
    crate::crypto::generate_nonce()
}

/// Lower-case hex MD5 of the APIv2 key: the AES-256-ECB key of refund notifications' `req_info`.
/// Returned zeroizing.
pub(crate) fn md5_key_hex(key: &ApiV2Key) -> zeroize::Zeroizing<[u8; 32]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let d = Md5::digest(key.as_bytes());
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_and_sign_are_left_out() {
        let key = ApiV2Key::new([b'k'; 32]).unwrap();
        let a = sign([("b", "2"), ("a", "1")], &key, SignType::Md5);
        let b = sign(
            [("a", "1"), ("sign", "X"), ("c", ""), ("b", "2")],
            &key,
            SignType::Md5,
        );
        assert_eq!(a, b);
        assert_ne!(a, sign([("a", "1"), ("b", "3")], &key, SignType::Md5));
        assert!(verify_sign(
            [("a", "1"), ("b", "2")],
            &key,
            SignType::Md5,
            &a.to_lowercase()
        ));
    }
}
