// The helpers of `wechatpay::launch`, appended to `xtask/templates/facade/launch.rs` by the generator
// when the JSAPI and APP prepay operations are documented as these helpers expect (see
// `xtask/src/emit/facade.rs`).

#[cfg(feature = "pay")]
use crate::v3::pay::transactions::{app, jsapi};
#[cfg(feature = "pay")]
use crate::{Client, Error};

/// `POST /v3/pay/transactions/jsapi`, then the signed `wx.requestPayment` parameters for its
/// `prepay_id` and the order's `appid` ([`Client::jsapi_payment_params`](crate::Client::jsapi_payment_params)).
#[cfg(feature = "pay")]
pub async fn jsapi_prepay_with_request_payment(
    client: &Client,
    req: &jsapi::post::Request,
) -> Result<(jsapi::post::Response, JsapiPaymentParams), Error> {
    let answer = jsapi::post(client, req).await?;
    let params = client.jsapi_payment_params(&req.body.appid, &answer.prepay_id)?;
    Ok((answer, params))
}

/// `POST /v3/pay/transactions/app`, then the signed APP SDK parameters for its `prepay_id`, the
/// order's `appid` and this client's `mchid` ([`Client::app_payment_params`](crate::Client::app_payment_params)).
#[cfg(feature = "pay")]
pub async fn app_prepay_with_request_payment(
    client: &Client,
    req: &app::post::Request,
) -> Result<(app::post::Response, AppPaymentParams), Error> {
    let answer = app::post(client, req).await?;
    let params = client.app_payment_params(&req.body.appid, &answer.prepay_id)?;
    Ok((answer, params))
}
