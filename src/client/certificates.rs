//! Platform certificates: verification with the key store (downloading certificates on an unknown
//! serial), the periodic refresh, and the one gate every certificate download goes through.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Deserialize;

use super::Client;
use crate::auth::verify_signature;
use crate::crypto::{KeyStore, VerifyingKey};
use crate::error::{ConfigError, ConfigErrorKind, Error, SignatureErrorKind};
use crate::request::{Method, Request};

/// Minimum time between two certificate downloads, except forced ones
/// ([`Client::refresh_platform_certificates`]).
pub(crate) const MIN_DOWNLOAD_INTERVAL_SECS: i64 = 60;

/// When a periodic refresh failed, the next one is tried this much later (not a whole interval later).
pub(crate) const RETRY_FAILED_REFRESH_SECS: i64 = 60;

#[derive(Debug, Default)]
struct GateState {
    /// Clock time of the last download attempt.
    last_attempt: Option<i64>,
    /// Clock time of the last successful download.
    last_success: Option<i64>,
}

/// The gate all certificate downloads go through: one at a time, at most one a minute unless forced.
/// Shared by clients that share a key store ([`ClientBuilder::share_with`](crate::ClientBuilder::share_with)).
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: tokio::sync::Mutex<GateState>,
    /// A periodic refresh task is running.
    running: AtomicBool,
    /// The last failure, as text (cleared by a success).
    last_error: std::sync::Mutex<Option<String>>,
}

impl Gate {
    fn set_error(&self, e: Option<String>) {
        let mut g = match self.last_error.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = e;
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        match self.last_error.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

#[derive(Deserialize)]
struct CertificateList {
    data: Vec<CertificateEntry>,
}

#[derive(Deserialize)]
struct CertificateEntry {
    serial_no: String,
    encrypt_certificate: EncryptedCert,
}

#[derive(Deserialize)]
struct EncryptedCert {
    #[serde(default)]
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
    ciphertext: String,
}

/// `interval` in whole seconds, saturating (`Duration::MAX` must not wrap to a negative interval).
fn secs(interval: std::time::Duration) -> i64 {
    i64::try_from(interval.as_secs()).unwrap_or(i64::MAX)
}

impl Client {
    /// Verifies an answer's signature with the key store; on an unknown serial (and with
    /// auto-download on) downloads certificates through the gate and tries once more. `may_download` is
    /// false while verifying the certificate download's own answers (the gate is held then).
    pub(crate) async fn verify(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        may_download: bool,
    ) -> Result<String, Error> {
        match verify_signature(headers, body, self.now(), &self.inner.keys) {
            Ok(s) => Ok(s),
            Err(e) => {
                if let SignatureErrorKind::UnknownSerial(serial) = e.kind() {
                    // Boxed: the download's own answer is verified by this function too.
                    if self.inner.auto_certificates
                        && may_download
                        && Box::pin(self.gated_download(false, Some(serial)))
                            .await
                            .is_ok()
                    {
                        return verify_signature(headers, body, self.now(), &self.inner.keys)
                            .map_err(Error::Signature);
                    }
                }
                Err(Error::Signature(e))
            }
        }
    }

    /// The last certificate download failure (cleared by a success), e.g. to show on a health page.
    /// Failures are also logged as `tracing` warnings.
    pub fn last_certificate_error(&self) -> Option<String> {
        self.inner.gate.last_error()
    }

    /// The one way certificates are downloaded. Unless `force`, at most one download a minute: a call
    /// within a minute of the last attempt downloads nothing and fails (with the last error, if any).
    /// If `wanted` names a serial that a download running meanwhile has added, nothing is downloaded.
    pub(crate) async fn gated_download(
        &self,
        force: bool,
        wanted: Option<&str>,
    ) -> Result<usize, Error> {
        let gate = &self.inner.gate;
        let mut state = gate.state.lock().await;
        if wanted.is_some_and(|s| self.inner.keys.get(s).is_some()) {
            return Ok(0);
        }
        let now = self.now();
        if !force {
            if let Some(t) = state.last_attempt {
                if now.saturating_sub(t) < MIN_DOWNLOAD_INTERVAL_SECS {
                    let last = gate.last_error();
                    return Err(Error::Config(ConfigError::new(
                        ConfigErrorKind::Certificate,
                        match last {
                            Some(e) => format!(
                                "platform certificates were downloaded less than a minute ago and not again; that download failed: {e}"
                            ),
                            None => "platform certificates were downloaded less than a minute ago and not again".to_string(),
                        },
                    )));
                }
            }
        }
        state.last_attempt = Some(now);
        let result = self.download_certificates().await;
        match &result {
            Ok(_n) => {
                state.last_success = Some(now);
                gate.set_error(None);
                trace_event!(
                    info,
                    added = *_n,
                    serials = ?self.inner.keys.serials(),
                    "wechatpay: platform certificates refreshed"
                );
            }
            Err(e) => {
                gate.set_error(Some(e.to_string()));
                trace_event!(
                    warn,
                    error = %e,
                    "wechatpay: platform certificate download failed"
                );
            }
        }
        result
    }

    /// Downloads the platform certificates (`GET /v3/certificates`), decrypts each with the APIv3 key
    /// (AEAD_AES_256_GCM), verifies the download's signature (with an already-trusted key, or with one of
    /// the downloaded certificates when its serial is not yet trusted, as WeChat documents), skips
    /// certificates that have expired, adds the others to the key store and prunes expired ones from
    /// it. Returns the number of certificates added or replaced.
    ///
    /// This forces a download; the automatic ones (unknown serial, no key to encrypt with, periodic
    /// refresh) are limited to one a minute. Failures are logged and kept in
    /// [`last_certificate_error`](Self::last_certificate_error).
    pub async fn refresh_platform_certificates(&self) -> Result<usize, Error> {
        self.gated_download(true, None).await
    }

    async fn download_certificates(&self) -> Result<usize, Error> {
        let apiv3 = self.inner.apiv3_key.clone().ok_or_else(|| {
            Error::Config(ConfigError::new(
                ConfigErrorKind::Missing,
                "APIv3 key is needed to download platform certificates",
            ))
        })?;
        let verify = self.inner.verify_responses;
        // Verified below, with the downloaded certificates as candidates.
        let mut request = Request::new(Method::GET, "/v3/certificates");
        request.certificate_download = true;
        let resp = self.fetch(&request, false).await?;
        if verify {
            super::transport::check_signature_headers(&resp.headers)?;
        }
        let list: CertificateList = super::decode_json(resp.status, &resp.body)?;
        let now = self.now();
        let mut fresh = Vec::new();
        for entry in list.data {
            let ec = &entry.encrypt_certificate;
            if !ec.algorithm.is_empty() && ec.algorithm != "AEAD_AES_256_GCM" {
                continue;
            }
            let pem = apiv3.decrypt_resource(&ec.nonce, &ec.associated_data, &ec.ciphertext)?;
            let pem = String::from_utf8(pem).map_err(|_| {
                Error::Config(ConfigError::new(
                    ConfigErrorKind::Certificate,
                    "downloaded certificate is not UTF-8 PEM",
                ))
            })?;
            let key = VerifyingKey::from_certificate_pem(&pem)?;
            if !key.serial().eq_ignore_ascii_case(entry.serial_no.trim()) {
                return Err(Error::Config(ConfigError::new(
                    ConfigErrorKind::Certificate,
                    format!(
                        "downloaded certificate serial {} does not match serial_no {}",
                        key.serial(),
                        entry.serial_no
                    ),
                )));
            }
            if key.is_expired_at(now) {
                trace_event!(
                    info,
                    serial = key.serial(),
                    "wechatpay: skipping an expired platform certificate"
                );
                continue;
            }
            fresh.push(key);
        }
        if verify {
            let candidates = KeyStore::new();
            for s in self.inner.keys.serials() {
                if let Some(k) = self.inner.keys.get(&s) {
                    candidates.insert((*k).clone());
                }
            }
            for k in &fresh {
                candidates.insert(k.clone());
            }
            verify_signature(&resp.headers, &resp.body, now, &candidates)?;
        }
        let n = fresh.len();
        for k in fresh {
            self.inner.keys.insert(k);
        }
        let _pruned = self.inner.keys.prune_expired(now);
        if !_pruned.is_empty() {
            trace_event!(
                info,
                serials = ?_pruned,
                "wechatpay: pruned expired platform certificates"
            );
        }
        Ok(n)
    }

    /// In certificate mode with auto-download on, starts a background download when the last success
    /// is older than the refresh interval, there was none, or the last attempt failed more than a
    /// minute ago. Never waits for it.
    pub(crate) fn maybe_spawn_periodic_refresh(&self) {
        let inner = &self.inner;
        let Some(interval) = inner.refresh_interval else {
            return;
        };
        if !inner.auto_certificates || inner.keys.has_public_key() {
            return;
        }
        let now = self.now();
        let due = match inner.gate.state.try_lock() {
            Ok(state) => match (state.last_attempt, state.last_success) {
                (None, _) => true,
                (Some(attempt), success) if success != Some(attempt) => {
                    // The last attempt failed: try again soon.
                    now.saturating_sub(attempt) >= RETRY_FAILED_REFRESH_SECS
                }
                (_, Some(success)) => now.saturating_sub(success) >= secs(interval),
                (Some(_), None) => false,
            },
            Err(_) => false, // a download is running
        };
        if !due || inner.gate.running.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let client = self.clone();
                let gate: Arc<Gate> = inner.gate.clone();
                handle.spawn(async move {
                    // Failures are logged and kept by the gate.
                    let _ = client.gated_download(false, None).await;
                    gate.running.store(false, Ordering::SeqCst);
                });
            }
            Err(_) => inner.gate.running.store(false, Ordering::SeqCst),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn huge_intervals_do_not_wrap() {
        assert_eq!(super::secs(std::time::Duration::MAX), i64::MAX);
        assert!(0i64.saturating_sub(-5) >= 0);
    }
}
