//! `wxpay call METHOD /v2/…` and `wxpay notify --v2`: the APIv2 (XML, `sign`) forms, thin wrappers over
//! the runtime's [`call_json`] and [`decode_notification_json`].
//!
//! Which operations exist, their method, host, `security` flag and `encoded: json` fields come from the
//! generated tables (`wechatpay::v2::operation`, `wechatpay::v2::json_fields`), derived from the spec.

use std::path::PathBuf;
use std::time::Duration;

use wechatpay::runtime::Error;
use wechatpay::v2::{call_json, decode_notification_json, ApiV2Key, Client, Operation};

use crate::error::CliError;
use crate::{print_json, read_stdin, text_or_file, verbose_outcome, Cli};

/// The variable that holds the APIv2 key (read from the environment only, never from argv).
pub const ENV_APIV2_KEY: &str = "WECHATPAY_APIV2_KEY";
/// The variable that names the merchant API client certificate (PEM) for mutual TLS; its key is the
/// file of `WECHATPAY_PRIVATE_KEY`.
pub const ENV_CLIENT_CERT: &str = "WECHATPAY_CLIENT_CERT";

/// The APIv2 key from [`ENV_APIV2_KEY`] (zeroized when dropped).
fn apiv2_key() -> Result<ApiV2Key, CliError> {
    ApiV2Key::from_env(ENV_APIV2_KEY)?
        .ok_or_else(|| CliError::usage(format!("{ENV_APIV2_KEY} is not set (the APIv2 key)")))
}

/// The documented operation for `method` and `path`, or a usage error naming the path.
fn documented(method: &str, path: &str) -> Result<&'static Operation<'static>, CliError> {
    if let Some(op) = wechatpay::v2::operation(method, path) {
        return Ok(op);
    }
    let others: Vec<&str> = wechatpay::v2::OPERATIONS
        .iter()
        .filter(|(_, op)| op.documented_path == path)
        .map(|(_, op)| op.method.as_str())
        .collect();
    Err(CliError::Invalid(if others.is_empty() {
        format!("unknown APIv2 operation {path} (no documented /v2/ path matches)")
    } else {
        format!(
            "unknown APIv2 operation {method} {path}: it is documented as {}",
            others.join(", ")
        )
    }))
}

/// The request fields of `--json`: a JSON object whose object or array members are allowed only for
/// the operation's `encoded: json` fields (sent as their JSON text by [`call_json`]).
fn request_body(json: Option<&str>, op: &Operation<'_>) -> Result<serde_json::Value, CliError> {
    let text = match json {
        Some(j) => text_or_file(j)?,
        None => return Ok(serde_json::Value::Object(serde_json::Map::new())),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Payload(format!("--json is not valid JSON: {e}")))?;
    let obj = value.as_object().ok_or_else(|| {
        CliError::Payload(
            "--json must be a JSON object for an APIv2 call (its members become the XML fields)"
                .into(),
        )
    })?;
    let json_fields = wechatpay::v2::json_fields(op.method.as_str(), op.documented_path);
    for (name, v) in obj {
        if (v.is_object() || v.is_array()) && !json_fields.contains(&name.as_str()) {
            return Err(CliError::Payload(format!(
                "member {name:?} is a JSON {} but {} {} documents no `encoded: json` field {name:?}{}",
                if v.is_object() { "object" } else { "array" },
                op.method,
                op.documented_path,
                if json_fields.is_empty() {
                    String::new()
                } else {
                    format!(" (its encoded: json fields: {})", json_fields.join(", "))
                }
            )));
        }
    }
    Ok(value)
}

/// The APIv2 client for `op`: the APIv2 key, the base URL (which also stands in for an operation's
/// documented host), and for a `security` operation the merchant API client certificate.
fn client(cli: &Cli, op: &Operation<'_>) -> Result<Client, CliError> {
    let mut b = Client::builder()
        .apiv2_key_value(apiv2_key()?)
        .timeout(Duration::from_secs(cli.timeout));
    if let Some(m) = &cli.mchid {
        b = b.mch_id(m.clone());
    }
    if let Some(u) = &cli.base_url {
        b = b.base_url(u).backup_base_url(None);
        // A documented host of its own (`https://fraud.mch.weixin.qq.com/`) goes to the base URL too.
        if let Some(origin) = op.base_uri {
            b = b.host_override(origin, u);
        }
    }
    if let Some(u) = &cli.backup_base_url {
        b = b.backup_base_url(Some(u.clone()));
    }
    if op.security {
        let cert = std::env::var_os(ENV_CLIENT_CERT)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match (cert, cli.private_key.as_ref()) {
            (Some(cert), Some(key)) => b = b.client_certificate_pem_files(cert, key),
            (cert, _) => {
                return Err(CliError::usage(format!(
                    "{} {} needs the merchant API client certificate (mutual TLS): set {}",
                    op.method,
                    op.documented_path,
                    match cert {
                        Some(_) => "WECHATPAY_PRIVATE_KEY / --private-key (the key of WECHATPAY_CLIENT_CERT)".to_string(),
                        None => format!("{ENV_CLIENT_CERT} (its PEM certificate) and WECHATPAY_PRIVATE_KEY (its key)"),
                    }
                )))
            }
        }
    }
    Ok(b.build()?)
}

/// `wxpay call METHOD /v2/…`: prints the verified answer as one JSON object.
pub async fn call(
    cli: &Cli,
    method: &str,
    path: &str,
    json: Option<&str>,
    v3_only: &[(&str, bool)],
) -> Result<(), CliError> {
    if let Some((flag, _)) = v3_only.iter().find(|(_, used)| *used) {
        return Err(CliError::Invalid(format!(
            "{flag} is for APIv3 calls; an APIv2 call ({path}) takes its fields from --json"
        )));
    }
    let op = documented(&method.to_ascii_uppercase(), path)?;
    let body = request_body(json, op)?;
    let client = client(cli, op)?;
    if cli.verbose {
        eprintln!(
            "wxpay: > {} {} (sent as {})",
            op.method, op.documented_path, op.path
        );
    }
    let result = call_json(&client, op, &body).await;
    if let Err(e) = &result {
        verbose_outcome(cli, Err(e));
    }
    print_json(&result?)
}

/// `wxpay notify --v2`: verifies a captured APIv2 notification (stdin) and prints its fields.
pub fn notify(_cli: &Cli) -> Result<(), CliError> {
    let key = apiv2_key()?;
    let body = read_stdin()?;
    match decode_notification_json(&body, &key) {
        Ok(v) => print_json(&v),
        Err(e) => Err(CliError::Payload(format!(
            "the APIv2 notification does not verify: {}",
            reason(&e)
        ))),
    }
}

/// Why a notification was refused, in a notification's words.
fn reason(e: &Error) -> String {
    use wechatpay::runtime::{CryptoErrorKind, SignatureErrorKind};
    match e {
        Error::Signature(s) if matches!(s.kind(), SignatureErrorKind::V2SignMissing) => {
            "it carries neither a `sign` nor a `req_info` that proves its origin".into()
        }
        Error::Signature(s) if matches!(s.kind(), SignatureErrorKind::V2BadSign) => {
            "its `sign` does not match the APIv2 key".into()
        }
        Error::Crypto(c)
            if matches!(
                c.kind(),
                CryptoErrorKind::DecryptFailed | CryptoErrorKind::InvalidInput(_)
            ) =>
        {
            format!("its `req_info` does not decrypt with the APIv2 key ({e})")
        }
        _ => e.to_string(),
    }
}
