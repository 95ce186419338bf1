//! Payment launch parameters: what the front end passes to WeChat to open the cashier after a
//! prepay call (`jsapi`, `app`) returned a `prepay_id`.
//!
//! * JSAPI (Official Account pages) and mini-programs: `wx.requestPayment` / `WeixinJSBridge` take
//!   `appId`, `timeStamp`, `nonceStr`, `package` (`prepay_id=…`), `signType` (`RSA`) and `paySign`
//!   ([`JsapiPaymentParams`]). `paySign` is the merchant's RSA-SHA256 signature, base64, of
//!   `appId\ntimeStamp\nnonceStr\npackage\n` (each value followed by a line feed).
//! * APP (the OpenSDK's `PayReq`): `appid`, `partnerid` (the merchant id), `prepayid`, `package`
//!   (`Sign=WXPay`), `noncestr`, `timestamp` and `sign` ([`AppPaymentParams`]); `sign` covers
//!   `appid\ntimestamp\nnoncestr\nprepayid\n`.
//!
//! Field names and casing are exactly WeChat's, so the JSON of these structs (serde) can be handed to
//! the front end as is. Sources: the signing rules of the "前台数据交换" section of
//! <https://wechatpay.im/guide/digital-signature#asymmetric.frontend>, and WeChat Pay's own pages for
//! JSAPI (<https://pay.weixin.qq.com/doc/v3/merchant/4012791857>), mini-programs
//! (<https://pay.weixin.qq.com/doc/v3/merchant/4016196709>) and APP
//! (<https://pay.weixin.qq.com/doc/v3/merchant/4013070351>).
//!
//! The signing functions are pure (timestamp and nonce given); [`Client::jsapi_payment_params`] and
//! [`Client::app_payment_params`](crate::Client::app_payment_params) fill them in with the client's
//! clock, a fresh nonce and the merchant key.
//!
//! [`Client::jsapi_payment_params`]: crate::Client::jsapi_payment_params

use serde::{Deserialize, Serialize};

use crate::crypto::{sign_message, PrivateKey};
use crate::error::Error;

/// `signType` of the APIv3 JSAPI / mini-program launch: RSA (SHA256withRSA).
pub const JSAPI_SIGN_TYPE: &str = "RSA";
/// `package` of the APP launch.
pub const APP_PACKAGE: &str = "Sign=WXPay";

/// Joins values each followed by `\n`: the message format of the launch signatures.
fn lines(parts: &[&str]) -> String {
    let mut m = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        m.push_str(p);
        m.push('\n');
    }
    m
}

/// Parameters of `wx.requestPayment` (mini-program) and `WeixinJSBridge.invoke('getBrandWCPayRequest')`
/// (JSAPI), signed with the merchant key. Serialises to
/// `{"appId","timeStamp","nonceStr","package","signType","paySign"}`.
///
/// ```
/// # fn demo(key: &wechatpay_runtime::PrivateKey) -> Result<(), wechatpay_runtime::Error> {
/// use wechatpay_runtime::JsapiPaymentParams;
/// let p = JsapiPaymentParams::sign(
///     key,
///     "wxd678efh567hg6787",
///     "wx201410272009395522657a690389285100",
///     1_414_561_699,
///     "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
/// )?;
/// assert_eq!(p.package, "prepay_id=wx201410272009395522657a690389285100");
/// let json = serde_json::to_value(&p).unwrap();
/// assert_eq!(json["signType"], "RSA");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JsapiPaymentParams {
    /// The app id the order was placed with (Official Account or mini-program `appid`).
    pub app_id: String,
    /// Unix time in seconds, as a string.
    pub time_stamp: String,
    /// Random string (at most 32 characters).
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA` for APIv3.
    pub sign_type: String,
    /// Base64 RSA-SHA256 signature of `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub pay_sign: String,
}

impl JsapiPaymentParams {
    /// The message `paySign` covers: `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub fn signing_message(
        app_id: &str,
        time_stamp: &str,
        nonce_str: &str,
        package: &str,
    ) -> String {
        lines(&[app_id, time_stamp, nonce_str, package])
    }

    /// Builds and signs the parameters for `prepay_id` with the merchant key, at `timestamp` (Unix
    /// seconds) with `nonce`.
    pub fn sign(
        key: &PrivateKey,
        app_id: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Self, Error> {
        let time_stamp = timestamp.to_string();
        let package = format!("prepay_id={prepay_id}");
        let message = Self::signing_message(app_id, &time_stamp, nonce, &package);
        Ok(JsapiPaymentParams {
            pay_sign: sign_message(key, message.as_bytes())?,
            app_id: app_id.to_string(),
            time_stamp,
            nonce_str: nonce.to_string(),
            package,
            sign_type: JSAPI_SIGN_TYPE.to_string(),
        })
    }
}

/// Parameters of the APP SDK's payment request (`PayReq`), signed with the merchant key. Serialises
/// to `{"appid","partnerid","prepayid","package","noncestr","timestamp","sign"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppPaymentParams {
    /// The mobile application's app id (the order's `appid`).
    pub appid: String,
    /// The merchant id (`mchid`).
    pub partnerid: String,
    /// The `prepay_id` of the APP prepay call.
    pub prepayid: String,
    /// Always `Sign=WXPay`.
    pub package: String,
    /// Random string (at most 32 characters).
    pub noncestr: String,
    /// Unix time in seconds, as a string.
    pub timestamp: String,
    /// Base64 RSA-SHA256 signature of `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub sign: String,
}

impl AppPaymentParams {
    /// The message `sign` covers: `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub fn signing_message(appid: &str, timestamp: &str, noncestr: &str, prepayid: &str) -> String {
        lines(&[appid, timestamp, noncestr, prepayid])
    }

    /// Builds and signs the parameters for `prepay_id` of merchant `partner_id` with its key, at
    /// `timestamp` (Unix seconds) with `nonce`.
    pub fn sign(
        key: &PrivateKey,
        app_id: &str,
        partner_id: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Self, Error> {
        let timestamp = timestamp.to_string();
        let message = Self::signing_message(app_id, &timestamp, nonce, prepay_id);
        Ok(AppPaymentParams {
            sign: sign_message(key, message.as_bytes())?,
            appid: app_id.to_string(),
            partnerid: partner_id.to_string(),
            prepayid: prepay_id.to_string(),
            package: APP_PACKAGE.to_string(),
            noncestr: nonce.to_string(),
            timestamp,
        })
    }
}
