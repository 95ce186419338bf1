//! One call from order to cashier: place a JSAPI / mini-program or APP order and get back, with the
//! answer, the signed parameters the front end passes to `wx.requestPayment` or the APP SDK (feature
//! `pay`). The signing itself is the runtime's ([`Client::jsapi_payment_params`](crate::Client::jsapi_payment_params),
//! [`Client::app_payment_params`](crate::Client::app_payment_params)); these helpers only chain it after the prepay call, taking the
//! app id from the order. For a service provider's orders (`/v3/pay/partner/transactions/…`), call the
//! partner operation and then [`Client::jsapi_payment_params`](crate::Client::jsapi_payment_params) with the `sp_appid` or `sub_appid`
//! the payer's openid belongs to.
//!
//! ```no_run
//! # #[cfg(feature = "pay")]
//! # async fn demo(client: &wechatpay::Client) -> Result<(), wechatpay::Error> {
//! use wechatpay::v3::pay::transactions::jsapi::post;
//! let order = post::Request::new(post::Body::new(
//!     "wxd678efh567hg6787",
//!     client.mchid(),
//!     "Image形象店-深圳腾大-QQ公仔",
//!     "1217752501201407033233368018",
//!     post::Amount::new(100),
//!     "https://www.weixin.qq.com/wxpay/pay.php",
//!     post::Payer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
//! ));
//! let (answer, launch) = wechatpay::launch::jsapi_prepay_with_request_payment(client, &order).await?;
//! println!("prepay_id {}", answer.prepay_id);
//! let for_the_page = serde_json::to_string(&launch).expect("plain strings");
//! # let _ = for_the_page; Ok(()) }
//! ```

pub use wechatpay_runtime::{AppPaymentParams, JsapiPaymentParams};
