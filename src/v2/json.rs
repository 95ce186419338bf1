//! JSON entry points for scripting (the `wxpay call … /v2/…` and `wxpay notify --v2` commands are thin
//! wrappers over these).

use super::client::{Client, Operation};
use super::key::ApiV2Key;
use super::notify::decode_notification;
use super::xml::{Fields, XmlLimits};
use crate::error::{Error, InvalidRequestKind};

/// Sends one APIv2 call from a JSON object and returns the verified answer as one JSON object of
/// strings.
///
/// The object's members become the XML fields: strings as they are, numbers and booleans as their
/// text, and an object or array (an `encoded: json` field such as `detail` or `scene_info`) as its
/// compact JSON text; `null` members are left out. `nonce_str` and `sign` are added as for any call.
/// A `FAIL` answer is an [`Error::V2Result`] (with `err_code`), a bad `sign` an
/// [`Error::Signature`].
///
/// `op` says how to send it (path, host, client certificate, nonce); the generated crate has the
/// documented operations in a table (`wechatpay::v2::operation(method, "/v2/…")`), and
/// [`Operation::from_documented`] builds one for a path it does not know.
pub async fn call_json(
    client: &Client,
    op: &Operation<'_>,
    json: &serde_json::Value,
) -> Result<serde_json::Value, Error> {
    let obj = json.as_object().ok_or_else(|| {
        Error::invalid_request(
            InvalidRequestKind::Body,
            "an APIv2 request body must be a JSON object",
        )
    })?;
    let answer = client.call(op, Fields::from_json_object(obj)).await?;
    if answer.fields.0.is_empty() && !answer.body.is_empty() {
        // A file answer (bills): its text as one member.
        return Ok(serde_json::json!({
            "body": String::from_utf8_lossy(&answer.body),
        }));
    }
    Ok(serde_json::Value::Object(answer.fields.to_json_object()))
}

/// Verifies a captured APIv2 notification (XML or a JSON object of fields) and returns its fields as
/// one JSON object, the decrypted `req_info` members nested under `req_info`. A bad or missing `sign`
/// (where no `req_info` decrypts in its place) is an error.
pub fn decode_notification_json(body: &[u8], key: &ApiV2Key) -> Result<serde_json::Value, Error> {
    Ok(decode_notification(body, key, &XmlLimits::default())?.to_json())
}
