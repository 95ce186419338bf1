//! RSA encryption of the bank fields of 付款到银行卡 (`enc_bank_no`, `enc_true_name`) with the APIv2
//! RSA public key that `POST https://fraud.mch.weixin.qq.com/risk/getpublickey` returns (`pub_key`,
//! a PKCS#1 `RSA PUBLIC KEY` PEM).
//!
//! Padding: the official page of the bank-transfer API names `RSA_PKCS1_OAEP_PADDING`, i.e. OAEP with
//! SHA-1 and MGF1-SHA-1 and an empty label (OpenSSL's default for that padding); the ciphertext is sent
//! base64-encoded.

use std::fmt;

use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA1_MGF1SHA1};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::error::{ConfigError, ConfigErrorKind, CryptoErrorKind, Error};

/// The APIv2 RSA public key for bank fields.
#[derive(Clone)]
pub struct BankPublicKey {
    key: std::sync::Arc<OaepPublicEncryptingKey>,
}

impl fmt::Debug for BankPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankPublicKey")
            .field("bits", &(self.key.key_size_bits()))
            .finish()
    }
}

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

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// Wraps a PKCS#1 `RSAPublicKey` in a `SubjectPublicKeyInfo` (algorithm rsaEncryption, NULL params).
fn pkcs1_to_spki(pkcs1: &[u8]) -> Vec<u8> {
    // SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }
    const ALG: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut body = ALG.to_vec();
    body.extend_from_slice(&der(0x03, &bits));
    der(0x30, &body)
}

fn key_error(message: impl Into<String>) -> Error {
    Error::Config(ConfigError::new(ConfigErrorKind::PublicKey, message))
}

impl BankPublicKey {
    /// Reads the key from PEM: `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1, as `getpublickey` returns it)
    /// or `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) = pem_body(pem).ok_or_else(|| key_error("the bank RSA key is not PEM"))?;
        match label.as_str() {
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&der),
            "PUBLIC KEY" => Self::from_spki_der(&der),
            other => Err(key_error(format!(
                "the bank RSA key is a PEM {other:?}, expected RSA PUBLIC KEY or PUBLIC KEY"
            ))),
        }
    }

    /// Reads a PKCS#1 `RSAPublicKey` (DER).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_spki_der(&pkcs1_to_spki(der))
    }

    /// Reads a `SubjectPublicKeyInfo` (DER).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let pk = PublicEncryptingKey::from_der(der)
            .map_err(|_| key_error("the bank RSA key is not an RSA public key"))?;
        let key = OaepPublicEncryptingKey::new(pk)
            .map_err(|_| key_error("the bank RSA key cannot be used for OAEP"))?;
        Ok(BankPublicKey {
            key: std::sync::Arc::new(key),
        })
    }

    /// Encrypts one bank field (RSA-OAEP SHA-1/MGF1-SHA-1) and returns the base64 text to send.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, Error> {
        let max = self.key.max_plaintext_size(&OAEP_SHA1_MGF1SHA1);
        if plaintext.len() > max {
            return Err(CryptoErrorKind::PlaintextTooLong {
                len: plaintext.len(),
                max,
            }
            .into());
        }
        let mut out = vec![0u8; self.key.ciphertext_size()];
        let n = self
            .key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext.as_bytes(), &mut out, None)
            .map_err(|_| CryptoErrorKind::Failed)?
            .len();
        Ok(B64.encode(&out[..n]))
    }
}

/// The label and decoded body of the first PEM block.
fn pem_body(pem: &str) -> Option<(String, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let rest = &rest[label_end + 5..];
    let end = rest.find(&format!("-----END {label}-----"))?;
    let b64: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = B64.decode(b64).ok()?;
    Some((label, der))
}
