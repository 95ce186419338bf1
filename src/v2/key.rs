//! The APIv2 key (商户平台 → API安全 → API密钥): 32 bytes, zeroized on drop, redacted in `Debug`.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{ConfigError, ConfigErrorKind, Error, REDACTED};

/// The merchant's APIv2 key, used to `sign` requests, verify answers and notifications, and (as the
/// lowercase hex MD5 of it) to decrypt refund notifications' `req_info`.
///
/// Exactly 32 bytes, checked on construction. `Debug` prints `<redacted>`; the bytes are zeroized when
/// the key is dropped.
#[derive(Clone)]
pub struct ApiV2Key(Zeroizing<[u8; 32]>);

impl fmt::Debug for ApiV2Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl ApiV2Key {
    /// Checks the length (exactly 32 bytes) and wraps the key.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, Error> {
        let key = key.as_ref();
        let arr: [u8; 32] = key.try_into().map_err(|_| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::ApiV2KeyLength,
                format!("APIv2 key must be exactly 32 bytes, got {}", key.len()),
            ))
        })?;
        Ok(ApiV2Key(Zeroizing::new(arr)))
    }

    /// Reads the key from the environment variable `name` (e.g. `WECHATPAY_APIV2_KEY`); `Ok(None)` if
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

    /// Reads the key from a file (32 bytes; one trailing newline is ignored).
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Error::Config(ConfigError::io(
                format!("cannot read APIv2 key file {}", path.display()),
                e,
            ))
        })?);
        let key = text
            .strip_suffix(b"\r\n")
            .or_else(|| text.strip_suffix(b"\n"))
            .unwrap_or(&text);
        Self::new(key)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}
