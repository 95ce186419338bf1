//! Test helpers: test an integration without WeChat Pay.
//!
//! * [`TestKeys`]: a throwaway key set (merchant key pair and certificate, platform key pair and
//!   self-signed platform certificate, WeChat Pay public key id, APIv3 key), generated with aws-lc-rs,
//!   written to and read from a folder laid out like the project's shared test vectors
//!   (`merchant_private_key.pem`, `merchant_public_key.pem`, `merchant_cert.pem`,
//!   `platform_private_key.pem`, `platform_public_key.pem`, `platform_cert.pem`, `apiv3_key.txt`,
//!   `config.json`), and [`TestKeys::client_builder`] for a client that trusts it.
//! * [`TestNotification`]: a signed, encrypted notification (headers and body) for any event type and
//!   resource, as WeChat Pay would POST it, which [`Client::decode_notification`] accepts — for tests
//!   of a notification handler (the counterpart of stripe-go's `GenerateTestSignedPayload`).
//! * [`from_json`]: any response type from JSON, for stubbing an answer in a unit test (generated
//!   response types are `#[non_exhaustive]`, so they cannot be built with a struct literal).
//!
//! These keys are for tests only: nothing here is meant to meet a real WeChat Pay server.
//!
//! ```
//! # fn demo() -> Result<(), wechatpay_runtime::Error> {
//! use wechatpay_runtime::testing::{TestKeys, TestNotification};
//! let keys = TestKeys::generate("1900000001")?;
//! let client = keys.client_builder().base_url("http://127.0.0.1:9").build()?;
//! let signed = TestNotification::new(
//!     "TRANSACTION.SUCCESS",
//!     serde_json::json!({"out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS"}),
//! )
//! .sign_with(&keys, client.now())?;
//! let n = client.decode_notification(&signed.headers, signed.body.as_bytes())?;
//! assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
//! assert_eq!(n.resource_json()?["trade_state"], "SUCCESS");
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SecureRandom as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::auth::{response_signing_message, Clock as _, SystemClock, AUTH_SCHEME};
use crate::client::{decode_json, Client, ClientBuilder};
use crate::crypto::{aead_aes_256_gcm_encrypt, generate_nonce, sign_message, ApiV3Key, PrivateKey};
use crate::error::{
    ConfigError, ConfigErrorKind, CryptoErrorKind, Error, InvalidRequestKind, REDACTED,
};
use crate::notify::NOTIFICATION_ALGORITHM;

/// Decodes JSON into any type (a response type of an operation, a notification resource type, …), for
/// stubbing answers in unit tests. A mismatch is an [`Error::Decode`] naming the serde path.
///
/// ```
/// #[derive(serde::Deserialize)]
/// #[non_exhaustive]
/// struct Answer {
///     prepay_id: String,
/// }
/// let a: Answer = wechatpay_runtime::testing::from_json(r#"{"prepay_id":"wx2014"}"#).unwrap();
/// assert_eq!(a.prepay_id, "wx2014");
/// ```
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    decode_json(200, json.as_bytes())
}

fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
    aws_lc_rs::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::from(CryptoErrorKind::Failed))
}

/// `len` random characters from `alphabet`.
fn random_text(alphabet: &[u8], len: usize) -> Result<String, Error> {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    // Rejection sampling keeps the characters uniform.
    let limit = 256 - 256 % alphabet.len();
    while out.len() < len {
        fill_random(&mut buf)?;
        for b in buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(out)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn gen_err(what: &str, e: impl fmt::Display) -> Error {
    Error::from(CryptoErrorKind::InvalidInput(format!(
        "test key generation: {what}: {e}"
    )))
}

/// A fresh RSA-2048 key pair: (PKCS#8 PEM, SPKI PEM, parsed private key).
fn rsa_key_pair() -> Result<(Zeroizing<String>, String, PrivateKey), Error> {
    let kp = KeyPair::generate(KeySize::Rsa2048).map_err(|e| gen_err("RSA key", e))?;
    let pkcs8 = kp.as_der().map_err(|e| gen_err("PKCS#8", e))?;
    let spki = kp.public_key().as_der().map_err(|e| gen_err("SPKI", e))?;
    let key = PrivateKey::from_pkcs8_der(pkcs8.as_ref())?;
    Ok((
        Zeroizing::new(pem("PRIVATE KEY", pkcs8.as_ref())),
        pem("PUBLIC KEY", spki.as_ref()),
        key,
    ))
}

/// A self-signed X.509 v3 certificate (SHA256withRSA) for `key`, valid from a day before `now` for ten
/// years, with a random 20-byte serial. Returns the PEM and the serial as WeChat writes it (uppercase
/// hex).
fn self_signed_certificate(
    key: &PrivateKey,
    spki_pem: &str,
    common_name: &str,
    now: i64,
) -> Result<(String, String), Error> {
    use rustls_pki_types::pem::PemObject as _;
    use x509_cert::der::asn1::{BitString, UtcTime};
    use x509_cert::der::{Any, Decode as _, Encode as _};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
    use x509_cert::time::{Time, Validity};
    use x509_cert::{Certificate, TbsCertificate, Version};

    const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    let mut serial = [0u8; 20];
    fill_random(&mut serial)?;
    // Positive, and exactly 20 bytes once leading zeros are dropped.
    serial[0] = (serial[0] & 0x7f) | 0x10;
    let serial_hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    let alg = AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA,
        parameters: Some(Any::null()),
    };
    let name = Name::from_str(&format!("CN={common_name},O=wechatpay-rs test keys"))
        .map_err(|e| gen_err("certificate name", e))?;
    let at = |secs: i64| -> Result<Time, Error> {
        let d = Duration::from_secs(u64::try_from(secs).unwrap_or(0));
        Ok(Time::UtcTime(
            UtcTime::from_unix_duration(d).map_err(|e| gen_err("certificate validity", e))?,
        ))
    };
    let spki_der = rustls_pki_types::SubjectPublicKeyInfoDer::from_pem_slice(spki_pem.as_bytes())
        .map_err(|e| gen_err("SPKI PEM", e))?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial).map_err(|e| gen_err("serial", e))?,
        signature: alg.clone(),
        issuer: name.clone(),
        validity: Validity {
            not_before: at(now - 86_400)?,
            not_after: at(now + 10 * 365 * 86_400)?,
        },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(spki_der.as_ref())
            .map_err(|e| gen_err("SPKI", e))?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let tbs_der = tbs.to_der().map_err(|e| gen_err("TBS certificate", e))?;
    let signature = key.sign(&tbs_der)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature: BitString::new(0, signature).map_err(|e| gen_err("signature", e))?,
    };
    let der = cert.to_der().map_err(|e| gen_err("certificate", e))?;
    Ok((pem("CERTIFICATE", &der), serial_hex))
}

/// A throwaway set of WeChat Pay keys for tests: the merchant's (signing requests) and the platform's
/// (signing answers and notifications, and encrypting sensitive fields), with a WeChat Pay public key
/// id and an APIv3 key. `Debug` redacts the private keys and the APIv3 key.
///
/// [`write_to`](Self::write_to) and [`load`](Self::load) use the folder layout of the project's shared
/// vectors (file names below); `config.json` holds `mchid`, `merchant_serial_no`,
/// `platform_serial_no`, `platform_public_key_id` and `apiv3_key`.
#[derive(Clone)]
pub struct TestKeys {
    /// Merchant id.
    pub mchid: String,
    /// Serial of the merchant certificate (`merchant_cert.pem`), named in `Authorization`.
    pub merchant_serial: String,
    /// `merchant_private_key.pem` (PKCS#8); `None` when loaded from a folder without it (a server
    /// side needs only the public key).
    pub merchant_private_key_pem: Option<Zeroizing<String>>,
    /// `merchant_public_key.pem`: verifies request signatures.
    pub merchant_public_key_pem: String,
    /// `merchant_cert.pem`, when present.
    pub merchant_cert_pem: Option<String>,
    /// `platform_private_key.pem` (PKCS#8): signs answers and notifications.
    pub platform_private_key_pem: Zeroizing<String>,
    /// `platform_public_key.pem`: the WeChat Pay public key (public-key mode).
    pub platform_public_key_pem: String,
    /// `platform_cert.pem`: the platform certificate (certificate mode), self-signed.
    pub platform_cert_pem: String,
    /// Serial of the platform certificate (uppercase hex).
    pub platform_serial: String,
    /// Id of the WeChat Pay public key, `PUB_KEY_ID_…`.
    pub platform_public_key_id: String,
    /// The 32-character APIv3 key.
    pub apiv3_key: Zeroizing<String>,
}

impl fmt::Debug for TestKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKeys")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field("merchant_private_key_pem", &REDACTED)
            .field("platform_private_key_pem", &REDACTED)
            .field("platform_serial", &self.platform_serial)
            .field("platform_public_key_id", &self.platform_public_key_id)
            .field("apiv3_key", &REDACTED)
            .finish_non_exhaustive()
    }
}

/// The file names of a key folder.
pub mod files {
    /// Merchant private key (PKCS#8 PEM); optional when loading.
    pub const MERCHANT_PRIVATE_KEY: &str = "merchant_private_key.pem";
    /// Merchant public key (SPKI PEM).
    pub const MERCHANT_PUBLIC_KEY: &str = "merchant_public_key.pem";
    /// Merchant certificate (PEM); optional when loading.
    pub const MERCHANT_CERT: &str = "merchant_cert.pem";
    /// Platform private key (PKCS#8 PEM).
    pub const PLATFORM_PRIVATE_KEY: &str = "platform_private_key.pem";
    /// Platform public key = the WeChat Pay public key (SPKI PEM).
    pub const PLATFORM_PUBLIC_KEY: &str = "platform_public_key.pem";
    /// Platform certificate (PEM).
    pub const PLATFORM_CERT: &str = "platform_cert.pem";
    /// APIv3 key (32 characters, then a newline).
    pub const APIV3_KEY: &str = "apiv3_key.txt";
    /// `mchid`, `merchant_serial_no`, `platform_serial_no`, `platform_public_key_id`, `apiv3_key`.
    pub const CONFIG: &str = "config.json";
}

fn io_error(what: String, e: std::io::Error) -> Error {
    Error::Config(ConfigError::io(what, e))
}

impl TestKeys {
    /// Generates a fresh set for merchant `mchid`: two RSA-2048 key pairs, a self-signed certificate for
    /// each (valid from yesterday for ten years), a `PUB_KEY_ID_01<mchid>…` id and a random APIv3 key.
    /// Takes a few hundred milliseconds (RSA key generation).
    pub fn generate(mchid: &str) -> Result<Self, Error> {
        let now = SystemClock.now_unix();
        let (merchant_private, merchant_public, merchant_key) = rsa_key_pair()?;
        let (merchant_cert, merchant_serial) = self_signed_certificate(
            &merchant_key,
            &merchant_public,
            &format!("{mchid} test merchant"),
            now,
        )?;
        let (platform_private, platform_public, platform_key) = rsa_key_pair()?;
        let (platform_cert, platform_serial) = self_signed_certificate(
            &platform_key,
            &platform_public,
            "WeChat Pay test platform",
            now,
        )?;
        let id_digits = random_text(b"0123456789", 22)?;
        let apiv3 = random_text(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            32,
        )?;
        Ok(TestKeys {
            mchid: mchid.to_string(),
            merchant_serial,
            merchant_private_key_pem: Some(merchant_private),
            merchant_public_key_pem: merchant_public,
            merchant_cert_pem: Some(merchant_cert),
            platform_private_key_pem: platform_private,
            platform_public_key_pem: platform_public,
            platform_cert_pem: platform_cert,
            platform_serial,
            platform_public_key_id: format!("PUB_KEY_ID_01{mchid}{id_digits}"),
            apiv3_key: Zeroizing::new(apiv3),
        })
    }

    /// Writes the set into `dir` (created if needed) with the file names of [`files`]. Private key
    /// files are created readable by the owner only on Unix.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| io_error(format!("cannot create {}", dir.display()), e))?;
        let write = |name: &str, text: &str, secret: bool| -> Result<(), Error> {
            let path = dir.join(name);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            if secret {
                use std::os::unix::fs::OpenOptionsExt as _;
                opts.mode(0o600);
            }
            #[cfg(not(unix))]
            let _ = secret;
            let mut f = opts
                .open(&path)
                .map_err(|e| io_error(format!("cannot write {}", path.display()), e))?;
            std::io::Write::write_all(&mut f, text.as_bytes())
                .map_err(|e| io_error(format!("cannot write {}", path.display()), e))
        };
        if let Some(k) = &self.merchant_private_key_pem {
            write(files::MERCHANT_PRIVATE_KEY, k, true)?;
        }
        write(
            files::MERCHANT_PUBLIC_KEY,
            &self.merchant_public_key_pem,
            false,
        )?;
        if let Some(c) = &self.merchant_cert_pem {
            write(files::MERCHANT_CERT, c, false)?;
        }
        write(
            files::PLATFORM_PRIVATE_KEY,
            &self.platform_private_key_pem,
            true,
        )?;
        write(
            files::PLATFORM_PUBLIC_KEY,
            &self.platform_public_key_pem,
            false,
        )?;
        write(files::PLATFORM_CERT, &self.platform_cert_pem, false)?;
        write(files::APIV3_KEY, &format!("{}\n", &*self.apiv3_key), true)?;
        let config = serde_json::json!({
            "mchid": self.mchid,
            "merchant_serial_no": self.merchant_serial,
            "platform_serial_no": self.platform_serial,
            "platform_public_key_id": self.platform_public_key_id,
            "apiv3_key": &*self.apiv3_key,
        });
        let text = Zeroizing::new(serde_json::to_string_pretty(&config).unwrap_or_default());
        write(files::CONFIG, &text, true)
    }

    /// Reads a set from `dir` (the layout of [`write_to`](Self::write_to) and of the shared vectors).
    /// `merchant_private_key.pem` and `merchant_cert.pem` may be absent; the APIv3 key is taken from
    /// `apiv3_key.txt` (one trailing newline ignored), else from `config.json`. Every key is parsed, so
    /// a broken file is reported here, naming it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let read = |name: &str| -> Result<String, Error> {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| io_error(format!("cannot read {}", path.display()), e))
        };
        let optional = |name: &str| -> Result<Option<String>, Error> {
            if dir.join(name).exists() {
                read(name).map(Some)
            } else {
                Ok(None)
            }
        };
        let config_text = Zeroizing::new(read(files::CONFIG)?);
        let config: serde_json::Value = serde_json::from_str(&config_text).map_err(|e| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                format!("{} is not JSON: {e}", dir.join(files::CONFIG).display()),
            ))
        })?;
        let field = |name: &str| -> Result<String, Error> {
            config[name].as_str().map(str::to_string).ok_or_else(|| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Missing,
                    format!(
                        "{} has no string `{name}`",
                        dir.join(files::CONFIG).display()
                    ),
                ))
            })
        };
        let apiv3_key = match optional(files::APIV3_KEY)? {
            Some(text) => {
                let text = Zeroizing::new(text);
                let t = text.strip_suffix('\n').unwrap_or(&text);
                Zeroizing::new(t.strip_suffix('\r').unwrap_or(t).to_string())
            }
            None => Zeroizing::new(field("apiv3_key")?),
        };
        ApiV3Key::new(apiv3_key.as_bytes())?;
        let keys = TestKeys {
            mchid: field("mchid")?,
            merchant_serial: field("merchant_serial_no")?,
            merchant_private_key_pem: optional(files::MERCHANT_PRIVATE_KEY)?.map(Zeroizing::new),
            merchant_public_key_pem: read(files::MERCHANT_PUBLIC_KEY)?,
            merchant_cert_pem: optional(files::MERCHANT_CERT)?,
            platform_private_key_pem: Zeroizing::new(read(files::PLATFORM_PRIVATE_KEY)?),
            platform_public_key_pem: read(files::PLATFORM_PUBLIC_KEY)?,
            platform_cert_pem: read(files::PLATFORM_CERT)?,
            platform_serial: field("platform_serial_no")?,
            platform_public_key_id: field("platform_public_key_id")?,
            apiv3_key,
        };
        keys.platform_private_key()?;
        crate::crypto::VerifyingKey::from_public_key_pem(
            "merchant",
            &keys.merchant_public_key_pem,
        )?;
        crate::crypto::VerifyingKey::from_certificate_pem(&keys.platform_cert_pem)?;
        crate::crypto::VerifyingKey::from_public_key_pem(
            &keys.platform_public_key_id,
            &keys.platform_public_key_pem,
        )?;
        if let Some(k) = &keys.merchant_private_key_pem {
            PrivateKey::from_pem(k)?;
        }
        Ok(keys)
    }

    /// The platform private key, parsed (signs answers and notifications).
    pub fn platform_private_key(&self) -> Result<PrivateKey, Error> {
        PrivateKey::from_pem(&self.platform_private_key_pem)
    }

    /// The APIv3 key, parsed.
    pub fn apiv3(&self) -> Result<ApiV3Key, Error> {
        ApiV3Key::new(self.apiv3_key.as_bytes())
    }

    /// A client builder for this merchant that trusts this platform in public-key mode (WeChat Pay
    /// public key with its id), with the APIv3 key; point it at a local server with
    /// [`ClientBuilder::base_url`]. Without a merchant private key, [`ClientBuilder::build`] says so.
    pub fn client_builder(&self) -> ClientBuilder {
        self.merchant_builder()
            .wechatpay_public_key(&self.platform_public_key_id, &self.platform_public_key_pem)
    }

    /// Like [`client_builder`](Self::client_builder), trusting the platform certificate instead
    /// (certificate mode).
    pub fn client_builder_certificate_mode(&self) -> ClientBuilder {
        self.merchant_builder()
            .platform_certificate_pem(&self.platform_cert_pem)
    }

    fn merchant_builder(&self) -> ClientBuilder {
        let b = Client::builder()
            .mchid(&self.mchid)
            .merchant_serial(&self.merchant_serial)
            .apiv3_key(self.apiv3_key.as_bytes());
        match &self.merchant_private_key_pem {
            Some(k) => b.private_key_pem(k),
            None => b,
        }
    }

    /// Headers of an answer or notification with `body`, signed as the platform at `timestamp`
    /// under `serial` (the public key id or the certificate serial): `Wechatpay-Timestamp`,
    /// `-Nonce`, `-Signature`, `-Serial`, `-Signature-Type`.
    pub fn sign_as_platform(
        &self,
        body: &[u8],
        serial: &str,
        timestamp: i64,
    ) -> Result<Vec<(String, String)>, Error> {
        let ts = timestamp.to_string();
        let nonce = generate_nonce();
        let signature = sign_message(
            &self.platform_private_key()?,
            &response_signing_message(&ts, &nonce, body),
        )?;
        Ok(vec![
            ("Wechatpay-Timestamp".into(), ts),
            ("Wechatpay-Nonce".into(), nonce),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), serial.to_string()),
            ("Wechatpay-Signature-Type".into(), AUTH_SCHEME.into()),
        ])
    }
}

/// A notification to sign and encrypt as WeChat Pay would send it: the envelope
/// `{"id","create_time","resource_type":"encrypt-resource","event_type","summary","resource":{…}}`
/// whose `resource` is the given JSON encrypted with AEAD_AES_256_GCM under the APIv3 key (random
/// 12-character nonce, `associated_data` as set), the whole body signed with the platform key.
#[derive(Debug, Clone)]
pub struct TestNotification {
    event_type: String,
    resource: serde_json::Value,
    id: Option<String>,
    create_time: String,
    summary: String,
    original_type: String,
    associated_data: String,
}

/// A signed notification: its headers and its body, as the handler receives them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedNotification {
    /// `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`, `Wechatpay-Serial`,
    /// `Wechatpay-Signature-Type`, `Content-Type`.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
}

impl SignedNotification {
    /// As an `http::Request` (`POST` to `uri`), for handlers built on the `http` crate (see
    /// [`Client::decode_notification_request`]).
    pub fn to_http_request(&self, uri: &str) -> Result<http::Request<bytes::Bytes>, Error> {
        let mut b = http::Request::builder().method("POST").uri(uri);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        b.body(bytes::Bytes::from(self.body.clone())).map_err(|e| {
            Error::invalid_request(
                InvalidRequestKind::Body,
                format!("cannot build the test request: {e}"),
            )
        })
    }
}

impl TestNotification {
    /// A notification of `event_type` (e.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`) carrying
    /// `resource` (the decrypted JSON the handler should see). Defaults: a random `EV-…` id,
    /// `create_time` `2015-05-20T13:29:35+08:00`, `summary` `test notification`, `original_type`
    /// `transaction` (`refund` for `REFUND.*` events) and `associated_data` `transaction` (likewise).
    pub fn new(event_type: impl Into<String>, resource: serde_json::Value) -> Self {
        let event_type = event_type.into();
        let kind = if event_type.starts_with("REFUND.") {
            "refund"
        } else {
            "transaction"
        };
        TestNotification {
            event_type,
            resource,
            id: None,
            create_time: "2015-05-20T13:29:35+08:00".into(),
            summary: "test notification".into(),
            original_type: kind.into(),
            associated_data: kind.into(),
        }
    }

    /// Sets the notification id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `create_time` (RFC 3339).
    pub fn create_time(mut self, t: impl Into<String>) -> Self {
        self.create_time = t.into();
        self
    }

    /// Sets `summary`.
    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.summary = s.into();
        self
    }

    /// Sets `resource.original_type`.
    pub fn original_type(mut self, t: impl Into<String>) -> Self {
        self.original_type = t.into();
        self
    }

    /// Sets `resource.associated_data`.
    pub fn associated_data(mut self, a: impl Into<String>) -> Self {
        self.associated_data = a.into();
        self
    }

    /// Encrypts the resource with `apiv3_key` and signs the body with `platform_key` under `serial`
    /// (a `PUB_KEY_ID_…` or a certificate serial the receiving client trusts) at `timestamp` (Unix
    /// seconds; the receiver accepts five minutes either way).
    pub fn sign(
        &self,
        platform_key: &PrivateKey,
        serial: &str,
        apiv3_key: &ApiV3Key,
        timestamp: i64,
    ) -> Result<SignedNotification, Error> {
        let plaintext = Zeroizing::new(serde_json::to_vec(&self.resource).map_err(|e| {
            Error::invalid_request(
                InvalidRequestKind::Body,
                format!("the test resource cannot be serialised: {e}"),
            )
        })?);
        let nonce = random_text(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            12,
        )?;
        let ciphertext = aead_aes_256_gcm_encrypt(
            apiv3_key.as_bytes(),
            nonce.as_bytes(),
            self.associated_data.as_bytes(),
            &plaintext,
        )?;
        let id = match &self.id {
            Some(id) => id.clone(),
            None => format!("EV-{}", random_text(b"0123456789", 19)?),
        };
        let body = serde_json::json!({
            "id": id,
            "create_time": self.create_time,
            "resource_type": "encrypt-resource",
            "event_type": self.event_type,
            "summary": self.summary,
            "resource": {
                "original_type": self.original_type,
                "algorithm": NOTIFICATION_ALGORITHM,
                "ciphertext": B64.encode(&ciphertext),
                "associated_data": self.associated_data,
                "nonce": nonce,
            },
        })
        .to_string();
        let ts = timestamp.to_string();
        let sig_nonce = generate_nonce();
        let signature = sign_message(
            platform_key,
            &response_signing_message(&ts, &sig_nonce, body.as_bytes()),
        )?;
        Ok(SignedNotification {
            headers: vec![
                ("Wechatpay-Timestamp".into(), ts),
                ("Wechatpay-Nonce".into(), sig_nonce),
                ("Wechatpay-Signature".into(), signature),
                ("Wechatpay-Serial".into(), serial.to_string()),
                ("Wechatpay-Signature-Type".into(), AUTH_SCHEME.into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body,
        })
    }

    /// [`sign`](Self::sign) with a [`TestKeys`] set, under its WeChat Pay public key id.
    pub fn sign_with(&self, keys: &TestKeys, timestamp: i64) -> Result<SignedNotification, Error> {
        self.sign(
            &keys.platform_private_key()?,
            &keys.platform_public_key_id,
            &keys.apiv3()?,
            timestamp,
        )
    }
}
