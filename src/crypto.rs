//! Keys and pure cryptographic functions (all backed by aws-lc-rs).
//!
//! * RSA PKCS#1 v1.5 with SHA-256 for request signatures ([`sign_message`]) and response/notification
//!   signatures ([`VerifyingKey::verify`]).
//! * AEAD_AES_256_GCM for notification resources and downloaded platform certificates
//!   ([`aead_aes_256_gcm_decrypt`], [`aead_aes_256_gcm_encrypt`]).
//! * RSA-OAEP with SHA-1 and MGF1-SHA1, empty label, for sensitive fields ([`rsa_oaep_encrypt`],
//!   [`rsa_oaep_decrypt`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::rsa::{
    OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
    OAEP_SHA1_MGF1SHA1,
};
use aws_lc_rs::signature::{
    ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, SubjectPublicKeyInfoDer};

use zeroize::Zeroizing;

use crate::error::{
    ConfigError, ConfigErrorKind, CryptoError, CryptoErrorKind, Error, AEAD_AUTH_FAILED,
    NOT_BASE64, OAEP_DECRYPT_FAILED, REDACTED,
};

/// The merchant API private key (RSA, 2048 bits or more), used to sign requests and to decrypt
/// OAEP-encrypted fields WeChat Pay sends back.
///
/// Accepts PEM `PRIVATE KEY` (PKCS#8) and `RSA PRIVATE KEY` (PKCS#1), or DER of either. Its `Debug`
/// output is `<redacted>`. The DER bytes it keeps (and the PEM text read from a file) are zeroized when
/// dropped; the parsed key lives in aws-lc, which clears key memory when it frees it.
pub struct PrivateKey {
    signing: RsaKeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// What a PEM text that is not of the `expected` kind holds instead, for error messages: names the
/// labels found (`CERTIFICATE`, `PUBLIC KEY`, …) and what the file most likely is; never the content.
pub(crate) fn pem_hint(pem: &str, expected: &str) -> String {
    let labels: Vec<&str> = pem
        .lines()
        .filter_map(|l| l.trim().strip_prefix("-----BEGIN "))
        .filter_map(|l| l.strip_suffix("-----"))
        .collect();
    if pem.trim().is_empty() {
        return " (the text is empty)".into();
    }
    if labels.is_empty() {
        return format!(" (no PEM block found: expected `-----BEGIN {expected}-----`; is it a path given as a value, or DER?)");
    }
    let found = labels.join(", ");
    let what = match (labels[0], expected) {
        ("CERTIFICATE", "PRIVATE KEY") => {
            "a certificate (apiclient_cert.pem?) was given where the merchant private key is expected: that is apiclient_key.pem"
        }
        ("CERTIFICATE", "PUBLIC KEY") => {
            "a platform certificate was given where the WeChat Pay public key (pub_key.pem) is expected: add it as a platform certificate instead"
        }
        ("PUBLIC KEY" | "RSA PUBLIC KEY", "PRIVATE KEY") => {
            "a public key was given where the merchant private key (apiclient_key.pem) is expected"
        }
        ("PUBLIC KEY" | "RSA PUBLIC KEY", "CERTIFICATE") => {
            "a public key was given where a platform certificate is expected: add it as a WeChat Pay public key with its PUB_KEY_ID_… instead"
        }
        ("PRIVATE KEY" | "RSA PRIVATE KEY", _) => {
            "a private key was given: never hand one out where a public key or certificate is expected"
        }
        ("ENCRYPTED PRIVATE KEY", _) => {
            "the private key is password-protected: decrypt it first (openssl pkcs8 -in key.pem -out apiclient_key.pem)"
        }
        _ => "",
    };
    if what.is_empty() {
        format!(" (found `{found}`, expected `{expected}`)")
    } else {
        format!(" (found `{found}`, expected `{expected}`: {what})")
    }
}

fn key_err(msg: impl Into<String>) -> Error {
    Error::Config(ConfigError::new(ConfigErrorKind::PrivateKey, msg))
}

impl PrivateKey {
    /// Parses a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            key_err(format!(
                "merchant private key is not a PEM RSA private key (PKCS#1 or PKCS#8): {e}{}",
                pem_hint(pem, "PRIVATE KEY")
            ))
        })?;
        match der {
            PrivateKeyDer::Pkcs8(k) => Self::from_pkcs8_der(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => Self::from_pkcs1_der(k.secret_pkcs1_der()),
            _ => Err(key_err("merchant private key is not an RSA key")),
        }
    }

    /// Reads and parses a PEM private key file.
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::Config(ConfigError::io(
                format!("cannot read private key file {}", path.display()),
                e,
            ))
        })?);
        Self::from_pem(&text)
    }

    /// Parses a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let signing = RsaKeyPair::from_pkcs8(der)
            .map_err(|e| key_err(format!("merchant private key rejected: {e}")))?;
        Ok(PrivateKey {
            signing,
            pkcs8: Zeroizing::new(der.to_vec()),
        })
    }

    /// Parses a PKCS#1 (`RSAPrivateKey`) DER private key.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        // Validate as PKCS#1 first, then keep a PKCS#8 wrapping for the decrypting key.
        RsaKeyPair::from_der(der)
            .map_err(|e| key_err(format!("merchant private key rejected: {e}")))?;
        Self::from_pkcs8_der(&pkcs1_to_pkcs8(der))
    }

    /// Signs `message` with RSA PKCS#1 v1.5 / SHA-256 and returns the raw signature bytes.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; self.signing.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.signing
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .map_err(|_| CryptoErrorKind::Failed)?;
        Ok(sig)
    }

    fn decrypting_key(&self) -> Result<OaepPrivateDecryptingKey, Error> {
        let k =
            PrivateDecryptingKey::from_pkcs8(&self.pkcs8).map_err(|_| CryptoErrorKind::Failed)?;
        Ok(OaepPrivateDecryptingKey::new(k).map_err(|_| CryptoErrorKind::Failed)?)
    }
}

/// DER length bytes.
fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    // version 0, AlgorithmIdentifier { rsaEncryption, NULL }
    const PREFIX: [u8; 18] = [
        0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00,
    ];
    // Sized up front so that no reallocation leaves a copy of the key behind.
    let mut octet = Zeroizing::new(Vec::with_capacity(pkcs1.len() + 8));
    octet.push(0x04);
    der_len(pkcs1.len(), &mut octet);
    octet.extend_from_slice(pkcs1);
    let mut out = Zeroizing::new(Vec::with_capacity(octet.len() + PREFIX.len() + 8));
    out.push(0x30);
    der_len(PREFIX.len() + octet.len(), &mut out);
    out.extend_from_slice(&PREFIX);
    out.extend_from_slice(&octet);
    out
}

/// The 32-byte APIv3 key (AEAD_AES_256_GCM key for notifications and certificate downloads).
///
/// Exactly 32 bytes are required; anything else is a [`ConfigErrorKind::ApiV3KeyLength`] error. (The
/// low-level [`aead_aes_256_gcm_decrypt`] additionally accepts 16-byte keys so the AES-128-GCM vectors
/// from the official SDK test suites can be checked, but a client never uses such a key.) Its `Debug`
/// output is `<redacted>`, and its bytes are zeroized when it is dropped.
#[derive(Clone)]
pub struct ApiV3Key(Zeroizing<[u8; 32]>);

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl ApiV3Key {
    /// Checks the length (must be exactly 32 bytes) and wraps the key.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, Error> {
        let key = key.as_ref();
        let arr: [u8; 32] = key.try_into().map_err(|_| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::ApiV3KeyLength,
                format!(
                    "APIv3 key must be exactly 32 bytes, got {}{}",
                    key.len(),
                    apiv3_key_hint(key)
                ),
            ))
        })?;
        Ok(ApiV3Key(Zeroizing::new(arr)))
    }

    /// Reads the key from a file (32 bytes; one trailing newline is ignored). The bytes read are
    /// zeroized once the key is built.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Error::Config(ConfigError::io(
                format!("cannot read APIv3 key file {}", path.display()),
                e,
            ))
        })?);
        let key = text
            .strip_suffix(b"\r\n")
            .or_else(|| text.strip_suffix(b"\n"))
            .unwrap_or(&text);
        Self::new(key)
    }

    /// Reads the key from the environment variable `name` (e.g. `WECHATPAY_APIV3_KEY`); `Ok(None)` if
    /// it is not set. The copy read is zeroized once the key is built.
    pub fn from_env(name: &str) -> Result<Option<Self>, Error> {
        match std::env::var_os(name) {
            None => Ok(None),
            Some(v) => {
                let v = Zeroizing::new(v.into_encoded_bytes());
                Self::new(v.as_slice()).map(Some)
            }
        }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Decrypts a WeChat `resource` (`ciphertext` base64, `nonce` and `associated_data` as given).
    pub fn decrypt_resource(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext_b64: &str,
    ) -> Result<Vec<u8>, Error> {
        let ct = B64
            .decode(ciphertext_b64.trim())
            .map_err(|_| CryptoError::with_detail(CryptoErrorKind::DecryptFailed, NOT_BASE64))?;
        aead_aes_256_gcm_decrypt(
            self.0.as_ref(),
            nonce.as_bytes(),
            associated_data.as_bytes(),
            &ct,
        )
    }
}

/// What a wrong-length APIv3 key most likely is, for the error message (never the key itself).
fn apiv3_key_hint(key: &[u8]) -> &'static str {
    let trimmed = key.trim_ascii();
    if key.ends_with(b"\n") || key.ends_with(b"\r") {
        if trimmed.len() == 32 {
            " (the value ends with a newline: remove it; key files may end with one newline, values may not)"
        } else {
            " (the value ends with a newline)"
        }
    } else if trimmed.len() == 32 {
        " (the value has spaces around it: remove them)"
    } else if key.len() == 64 && key.iter().all(u8::is_ascii_hexdigit) {
        " (this looks like a hex encoding: the APIv3 key is the 32-character text set on the merchant platform)"
    } else if key.is_empty() {
        " (the value is empty)"
    } else {
        " (the APIv3 key is the 32-character text set under Account Center > API Security on the merchant platform)"
    }
}

fn aead_key(key: &[u8]) -> Result<LessSafeKey, Error> {
    let alg = match key.len() {
        32 => &AES_256_GCM,
        16 => &AES_128_GCM,
        n => {
            return Err(CryptoErrorKind::InvalidInput(format!(
                "AES-GCM key must be 32 (or 16) bytes, got {n}"
            ))
            .into())
        }
    };
    let k = UnboundKey::new(alg, key).map_err(|_| CryptoErrorKind::Failed)?;
    Ok(LessSafeKey::new(k))
}

fn aead_nonce(nonce: &[u8]) -> Result<Nonce, Error> {
    let arr: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| {
        CryptoErrorKind::InvalidInput(format!(
            "AES-GCM nonce must be {NONCE_LEN} bytes, got {}",
            nonce.len()
        ))
    })?;
    Ok(Nonce::assume_unique_for_key(arr))
}

/// AES-GCM with a 16-byte nonce (GCM derives the initial counter from a longer nonce with GHASH).
/// aws-lc-rs's AEAD API takes only 96-bit nonces; WeChat's are 12 bytes, but other SDKs accept 16-byte
/// ones, so those come from the RustCrypto `aes-gcm` crate (audited) instead of being written here.
mod gcm_nonce16 {
    use super::{CryptoError, CryptoErrorKind, Error, AEAD_AUTH_FAILED};
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::aes::{Aes128, Aes256};
    use aes_gcm::{AesGcm, Nonce};

    type Gcm256 = AesGcm<Aes256, aes_gcm::aead::consts::U16>;
    type Gcm128 = AesGcm<Aes128, aes_gcm::aead::consts::U16>;

    pub(super) fn seal(key: &[u8], nonce: &[u8], aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, Error> {
        let n = Nonce::from_slice(nonce);
        let payload = Payload { msg: pt, aad };
        let out = match key.len() {
            32 => Gcm256::new_from_slice(key)
                .map_err(|_| CryptoErrorKind::Failed)?
                .encrypt(n, payload),
            _ => Gcm128::new_from_slice(key)
                .map_err(|_| CryptoErrorKind::Failed)?
                .encrypt(n, payload),
        };
        out.map_err(|_| CryptoErrorKind::Failed.into())
    }

    pub(super) fn open(key: &[u8], nonce: &[u8], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, Error> {
        let n = Nonce::from_slice(nonce);
        let payload = Payload { msg: ct, aad };
        let out = match key.len() {
            32 => Gcm256::new_from_slice(key)
                .map_err(|_| CryptoErrorKind::Failed)?
                .decrypt(n, payload),
            _ => Gcm128::new_from_slice(key)
                .map_err(|_| CryptoErrorKind::Failed)?
                .decrypt(n, payload),
        };
        out.map_err(|_| {
            CryptoError::with_detail(CryptoErrorKind::DecryptFailed, AEAD_AUTH_FAILED).into()
        })
    }
}

/// AEAD_AES_256_GCM decryption as WeChat Pay uses it: `ciphertext` is the base64-*decoded* ciphertext
/// followed by the 16-byte tag; `nonce` is the 12-byte nonce string; `aad` the associated data.
///
/// WeChat nonces are 12 bytes; 16-byte nonces are accepted too (GCM with a GHASH-derived initial
/// counter, as OpenSSL and Python `cryptography` do), so ciphertexts other SDKs make with them decrypt.
/// Other lengths are an error.
/// `key` must be 32 bytes (AES-256-GCM, the APIv3 key). A 16-byte key selects AES-128-GCM: this exists
/// only so that known answers from the official SDK test suites, which use 16-byte test keys, can be
/// checked; real APIv3 keys are 32 bytes and [`ApiV3Key`] accepts nothing else.
pub fn aead_aes_256_gcm_decrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    let k = aead_key(key)?;
    if nonce.len() == 16 {
        return gcm_nonce16::open(key, nonce, aad, ciphertext);
    }
    let n = aead_nonce(nonce)?;
    let mut buf = ciphertext.to_vec();
    let plain = k
        .open_in_place(n, Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::with_detail(CryptoErrorKind::DecryptFailed, AEAD_AUTH_FAILED))?;
    Ok(plain.to_vec())
}

/// AEAD_AES_256_GCM encryption (ciphertext followed by the 16-byte tag, not base64-encoded). The
/// counterpart of [`aead_aes_256_gcm_decrypt`]; useful for tests and mock servers. Same key rules.
pub fn aead_aes_256_gcm_encrypt(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let k = aead_key(key)?;
    if nonce.len() == 16 {
        return gcm_nonce16::seal(key, nonce, aad, plaintext);
    }
    let n = aead_nonce(nonce)?;
    let mut buf = plaintext.to_vec();
    k.seal_in_place_append_tag(n, Aad::from(aad), &mut buf)
        .map_err(|_| CryptoErrorKind::Failed)?;
    Ok(buf)
}

/// RSA-OAEP (SHA-1, MGF1-SHA1, empty label) encryption of a sensitive field with a WeChat Pay public
/// key or platform certificate key. Returns raw ciphertext bytes (base64-encode them for the API).
///
/// Fails with [`CryptoErrorKind::PlaintextTooLong`] above 214 bytes for a 2048-bit key.
pub fn rsa_oaep_encrypt(key: &VerifyingKey, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let pk = PublicEncryptingKey::from_der(&key.spki_der).map_err(|_| CryptoErrorKind::Failed)?;
    let pk = OaepPublicEncryptingKey::new(pk).map_err(|_| CryptoErrorKind::Failed)?;
    let max = pk.max_plaintext_size(&OAEP_SHA1_MGF1SHA1);
    if plaintext.len() > max {
        return Err(CryptoErrorKind::PlaintextTooLong {
            len: plaintext.len(),
            max,
        }
        .into());
    }
    let mut out = vec![0u8; pk.ciphertext_size()];
    let n = pk
        .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
        .map_err(|_| CryptoErrorKind::Failed)?
        .len();
    out.truncate(n);
    Ok(out)
}

/// RSA-OAEP (SHA-1, MGF1-SHA1, empty label) decryption with the merchant private key. `ciphertext`
/// is the raw (base64-decoded) ciphertext.
pub fn rsa_oaep_decrypt(key: &PrivateKey, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let k = key.decrypting_key()?;
    let mut out = vec![0u8; k.min_output_size()];
    let n = k
        .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut out, None)
        .map_err(|_| CryptoError::with_detail(CryptoErrorKind::DecryptFailed, OAEP_DECRYPT_FAILED))?
        .len();
    out.truncate(n);
    Ok(out)
}

/// Signs a message with the merchant key (RSA PKCS#1 v1.5 / SHA-256) and returns the base64 signature.
pub fn sign_message(key: &PrivateKey, message: &[u8]) -> Result<String, Error> {
    Ok(B64.encode(key.sign(message)?))
}

/// A fresh 32-character nonce of `[0-9A-Z]` from the system CSPRNG.
pub fn generate_nonce() -> String {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 48];
    while out.len() < 32 {
        if rng.fill(&mut buf).is_err() {
            // The system RNG does not fail on supported platforms; fall back to time-based entropy
            // mixed with a counter rather than panicking.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            for (i, b) in buf.iter_mut().enumerate() {
                *b = (t >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
            }
        }
        for b in buf {
            // Rejection sampling keeps the distribution uniform (252 = 7 * 36).
            if b < 252 && out.len() < 32 {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

/// Where a [`VerifyingKey`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// A WeChat Pay public key (public-key mode), identified by its `PUB_KEY_ID_…`.
    PublicKey,
    /// A platform certificate, identified by its serial number (uppercase hex).
    Certificate {
        /// `notBefore`, Unix seconds.
        not_before: i64,
        /// `notAfter`, Unix seconds.
        not_after: i64,
    },
}

/// A WeChat Pay key that verifies signatures (and encrypts sensitive fields), with the serial or
/// public key id WeChat uses to name it in `Wechatpay-Serial`.
#[derive(Clone)]
pub struct VerifyingKey {
    serial: String,
    source: KeySource,
    spki_der: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("serial", &self.serial)
            .field("source", &self.source)
            .finish()
    }
}

fn pk_err(msg: impl Into<String>) -> Error {
    Error::Config(ConfigError::new(ConfigErrorKind::PublicKey, msg))
}

fn cert_err(msg: impl Into<String>) -> Error {
    Error::Config(ConfigError::new(ConfigErrorKind::Certificate, msg))
}

impl VerifyingKey {
    /// A WeChat Pay public key (PEM `PUBLIC KEY`) with its id (`PUB_KEY_ID_…`).
    pub fn from_public_key_pem(public_key_id: &str, pem: &str) -> Result<Self, Error> {
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            pk_err(format!(
                "WeChat Pay public key is not a PEM PUBLIC KEY: {e}{}",
                pem_hint(pem, "PUBLIC KEY")
            ))
        })?;
        Self::from_public_key_der(public_key_id, spki.as_ref())
    }

    /// A WeChat Pay public key (DER SubjectPublicKeyInfo) with its id (`PUB_KEY_ID_…`).
    pub fn from_public_key_der(public_key_id: &str, spki_der: &[u8]) -> Result<Self, Error> {
        if public_key_id.trim().is_empty() {
            return Err(pk_err("WeChat Pay public key id is empty"));
        }
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki_der)
            .map_err(|e| pk_err(format!("WeChat Pay public key rejected: {e}")))?;
        Ok(VerifyingKey {
            serial: public_key_id.trim().to_string(),
            source: KeySource::PublicKey,
            spki_der: spki_der.to_vec(),
            parsed,
        })
    }

    /// A platform certificate in PEM; the serial is taken from the certificate.
    pub fn from_certificate_pem(pem: &str) -> Result<Self, Error> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            cert_err(format!(
                "platform certificate is not a PEM CERTIFICATE: {e}{}",
                pem_hint(pem, "CERTIFICATE")
            ))
        })?;
        Self::from_certificate_der(der.as_ref())
    }

    /// A platform certificate in DER; the serial is taken from the certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, Error> {
        use x509_cert::der::{Decode, Encode};
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| cert_err(format!("platform certificate cannot be parsed: {e}")))?;
        let tbs = &cert.tbs_certificate;
        let mut serial_bytes = tbs.serial_number.as_bytes();
        while serial_bytes.len() > 1 && serial_bytes[0] == 0 {
            serial_bytes = &serial_bytes[1..];
        }
        let serial: String = serial_bytes.iter().map(|b| format!("{b:02X}")).collect();
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| cert_err(format!("platform certificate key cannot be encoded: {e}")))?;
        let not_before = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
        let not_after = tbs.validity.not_after.to_unix_duration().as_secs() as i64;
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki)
            .map_err(|e| cert_err(format!("platform certificate key rejected: {e}")))?;
        Ok(VerifyingKey {
            serial,
            source: KeySource::Certificate {
                not_before,
                not_after,
            },
            spki_der: spki,
            parsed,
        })
    }

    /// The serial (certificate, uppercase hex) or public key id (`PUB_KEY_ID_…`).
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Where the key came from (and a certificate's validity).
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// DER SubjectPublicKeyInfo of the key.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// `true` if the key may verify at `now` (Unix seconds): always for a WeChat Pay public key; for a
    /// platform certificate, when `not_before <= now <= not_after` (no grace period).
    pub fn is_valid_at(&self, now: i64) -> bool {
        match self.source {
            KeySource::PublicKey => true,
            KeySource::Certificate {
                not_before,
                not_after,
            } => not_before <= now && now <= not_after,
        }
    }

    /// `true` for a platform certificate whose `notAfter` is before `now`.
    pub fn is_expired_at(&self, now: i64) -> bool {
        matches!(self.source, KeySource::Certificate { not_after, .. } if not_after < now)
    }

    /// `true` if `signature` (raw bytes) is a valid RSA PKCS#1 v1.5 SHA-256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

/// The keys the client trusts to verify WeChat Pay, keyed by serial / public key id.
///
/// Cheap to clone (shared); certificate refreshes add to the same store. Lookups of hex serials are
/// case-insensitive.
#[derive(Clone, Default)]
pub struct KeyStore {
    inner: Arc<RwLock<HashMap<String, Arc<VerifyingKey>>>>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.serials()).finish()
    }
}

fn norm(serial: &str) -> String {
    serial.trim().to_ascii_uppercase()
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a key under its serial.
    pub fn insert(&self, key: VerifyingKey) {
        let mut m = match self.inner.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        m.insert(norm(&key.serial), Arc::new(key));
    }

    /// The key named by `serial`, if any.
    pub fn get(&self, serial: &str) -> Option<Arc<VerifyingKey>> {
        let m = match self.inner.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        m.get(&norm(serial)).cloned()
    }

    /// All serials currently in the store (sorted).
    pub fn serials(&self) -> Vec<String> {
        let m = match self.inner.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut v: Vec<String> = m.values().map(|k| k.serial.clone()).collect();
        v.sort();
        v
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.serials().len()
    }

    /// `true` if there is no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes the platform certificates that expired before `now` and returns their serials.
    /// (Certificates that are not valid *yet* stay: WeChat Pay publishes a new certificate before it
    /// starts signing with it.)
    pub fn prune_expired(&self, now: i64) -> Vec<String> {
        let mut m = match self.inner.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut gone = Vec::new();
        m.retain(|_, k| {
            let keep = !k.is_expired_at(now);
            if !keep {
                gone.push(k.serial.clone());
            }
            keep
        });
        gone.sort();
        gone
    }

    /// `true` if two handles share the same store.
    pub fn ptr_eq(&self, other: &KeyStore) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// `true` if the store holds a WeChat Pay public key (public-key mode).
    pub fn has_public_key(&self) -> bool {
        let m = match self.inner.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        m.values().any(|k| k.source == KeySource::PublicKey)
    }

    /// The key to encrypt sensitive fields with (and to name in the request's `Wechatpay-Serial`):
    /// a WeChat Pay public key if there is one, else the platform certificate valid at `now` with the
    /// latest expiry.
    pub fn preferred(&self, now: i64) -> Option<Arc<VerifyingKey>> {
        let m = match self.inner.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut best: Option<(i64, &Arc<VerifyingKey>)> = None;
        for k in m.values() {
            let rank = match k.source {
                KeySource::PublicKey => i64::MAX,
                KeySource::Certificate { not_after, .. } => {
                    if !k.is_valid_at(now) {
                        continue;
                    }
                    not_after
                }
            };
            let better = match best {
                None => true,
                Some((r, b)) => rank > r || (rank == r && k.serial < b.serial),
            };
            if better {
                best = Some((rank, k));
            }
        }
        best.map(|(_, k)| k.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_32_uppercase_alphanumerics_and_differ() {
        let a = generate_nonce();
        let b = generate_nonce();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn der_lengths() {
        let mut v = Vec::new();
        der_len(5, &mut v);
        der_len(200, &mut v);
        der_len(1190, &mut v);
        assert_eq!(v, [5, 0x81, 200, 0x82, 0x04, 0xa6]);
    }

    #[test]
    fn secrets_are_redacted() {
        let k = ApiV3Key::new([b'z'; 32]).unwrap();
        assert_eq!(format!("{k:?}"), "<redacted>");
    }

    #[test]
    fn key_store_prefers_public_keys() {
        let s = KeyStore::new();
        assert!(s.is_empty());
        assert!(s.preferred(0).is_none());
    }
}
