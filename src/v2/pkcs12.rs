//! PKCS#12 (`apiclient_cert.p12`) → the PEM identity reqwest/rustls takes (feature `pkcs12`).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::error::{ConfigError, ConfigErrorKind, Error};

fn pem_block(out: &mut Vec<u8>, label: &str, der: &[u8]) {
    let b64 = Zeroizing::new(B64.encode(der));
    out.extend_from_slice(format!("-----BEGIN {label}-----\n").as_bytes());
    for chunk in b64.as_bytes().chunks(64) {
        out.extend_from_slice(chunk);
        out.push(b'\n');
    }
    out.extend_from_slice(format!("-----END {label}-----\n").as_bytes());
}

/// The certificate chain and PKCS#8 key of the first key entry, as PEM.
pub(crate) fn to_pem(der: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bad = |why: &str| {
        Error::Config(ConfigError::new(
            ConfigErrorKind::ClientCertificate,
            format!("cannot read the PKCS#12 client certificate: {why}"),
        ))
    };
    let store = p12_keystore::KeyStore::from_pkcs12(
        der,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|_| bad("not PKCS#12, or the password is wrong"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| bad("it holds no private key"))?;
    if chain.certs().is_empty() {
        return Err(bad("it holds no certificate for its key"));
    }
    let mut out = Zeroizing::new(Vec::new());
    for c in chain.certs() {
        pem_block(&mut out, "CERTIFICATE", c.as_der());
    }
    pem_block(&mut out, "PRIVATE KEY", chain.key().as_der());
    Ok(out)
}
