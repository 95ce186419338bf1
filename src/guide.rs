//! # The merchant's guide: from keys to a paid, refunded and reconciled order
//!
//! This page is documentation only. It is written for the `wechatpay` crate (which re-exports it as
//! `wechatpay::guide`), whose typed functions are named here by path: each operation lives in the
//! module named after its URL (`POST /v3/pay/transactions/jsapi` is
//! `wechatpay::v3::pay::transactions::jsapi::post`), behind the Cargo feature of its business group
//! (`pay`, `refund`, `bill`, …; `full` enables all). The examples use this runtime's generic
//! [`Request`](crate::Request), which every typed function builds for you, so that they compile here.
//!
//! ## 1. Keys, and where to find them on the merchant platform
//!
//! Everything is on the merchant platform (商户平台, `pay.weixin.qq.com`), under **账户中心 (Account
//! Centre) → API安全 (API security)** unless said otherwise:
//!
//! | What | Where | Setter / variable |
//! |---|---|---|
//! | Merchant id (`mchid`, 商户号) | 账户中心 → 商户信息 | [`mchid`](crate::ClientBuilder::mchid) / `WECHATPAY_MCHID` |
//! | Merchant API private key `apiclient_key.pem` | 申请API证书 (the certificate tool writes it on your machine; WeChat never has it) | [`private_key_file`](crate::ClientBuilder::private_key_file) / `WECHATPAY_PRIVATE_KEY` |
//! | Serial of the merchant API certificate `apiclient_cert.pem` | 管理证书, or `openssl x509 -in apiclient_cert.pem -noout -serial` | [`merchant_serial`](crate::ClientBuilder::merchant_serial) / `WECHATPAY_SERIAL` |
//! | APIv3 key (32 characters you choose) | 设置APIv3密钥 | [`apiv3_key`](crate::ClientBuilder::apiv3_key) / `WECHATPAY_APIV3_KEY` or `WECHATPAY_APIV3_KEY_FILE` |
//! | WeChat Pay public key `pub_key.pem` and its id `PUB_KEY_ID_…` | 微信支付公钥 | [`wechatpay_public_key_file`](crate::ClientBuilder::wechatpay_public_key_file) / `WECHATPAY_PUBLIC_KEY`, `WECHATPAY_PUBLIC_KEY_ID` |
//! | Platform certificates (merchants without a WeChat Pay public key) | downloaded with `GET /v3/certificates` | [`auto_platform_certificates`](crate::ClientBuilder::auto_platform_certificates) / `WECHATPAY_PLATFORM_CERTS` |
//!
//! The private key signs every request; the WeChat Pay public key (or the platform certificates)
//! verifies every answer and notification, and encrypts sensitive fields; the APIv3 key decrypts
//! notifications and downloaded certificates. Keep the private key and the APIv3 key out of
//! source control: [`ClientBuilder::from_env`](crate::ClientBuilder::from_env) reads the variables
//! above (the same as the `wxpay` command-line tool), files or PEM text.
//!
//! ```no_run
//! # fn demo() -> Result<(), wechatpay_runtime::Error> {
//! use wechatpay_runtime::Client;
//! let client = Client::builder()
//!     .mchid("1900000001")
//!     .merchant_serial("13B782F545CBF7DCA2A719288E37F9C610266AE4")
//!     .private_key_file("/etc/wechatpay/apiclient_key.pem")
//!     .apiv3_key(std::fs::read_to_string("/etc/wechatpay/apiv3.key").expect("key").trim())
//!     .wechatpay_public_key_file("PUB_KEY_ID_0119000000012025010100000000000001", "/etc/wechatpay/pub_key.pem")
//!     .build()?;
//! // or, from WECHATPAY_* variables:
//! let same = wechatpay_runtime::ClientBuilder::from_env().build()?;
//! # let _ = (client, same); Ok(()) }
//! ```
//!
//! A client is cheap to clone and safe to share between tasks: build one per merchant at start-up.
//! [`build`](crate::ClientBuilder::build) checks everything (and names what is wrong: a certificate
//! given as the private key, an APIv3 key with a trailing newline, …) without any network call.
//!
//! ## 2. The payment, end to end (JSAPI / mini-program)
//!
//! 1. **Order** (`wechatpay::v3::pay::transactions::jsapi::post`): your server places the order with
//!    the payer's `openid`; WeChat answers a `prepay_id` (valid two hours).
//! 2. **Launch**: your server signs the parameters of `wx.requestPayment` with
//!    [`Client::jsapi_payment_params`](crate::Client::jsapi_payment_params) (APP:
//!    [`Client::app_payment_params`](crate::Client::app_payment_params)) and hands their JSON to the
//!    page, which calls `wx.requestPayment` with it. `wechatpay::launch::jsapi_prepay_with_request_payment`
//!    does steps 1 and 2 in one call.
//! 3. **Notification**: WeChat POSTs `TRANSACTION.SUCCESS` to the order's `notify_url` (section 3).
//! 4. **Query** (`wechatpay::v3::pay::transactions::out_trade_no::by_out_trade_no::get`): the
//!    notification may be late or lost; query the order when the page says it paid, and periodically
//!    for orders still `NOTPAY`.
//! 5. **Close** (`…::by_out_trade_no::close::post`) an order that will not be paid.
//! 6. **Refund** (`wechatpay::v3::refund::domestic::refunds::post`), then `REFUND.SUCCESS` arrives
//!    like a payment notification.
//! 7. **Bill** (section 4): reconcile the next day.
//!
//! ```no_run
//! # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
//! use wechatpay_runtime::{Method, Request};
//! // 1. What `jsapi::post` sends:
//! let body = serde_json::json!({
//!     "appid": "wxd678efh567hg6787",
//!     "mchid": client.mchid(),
//!     "description": "Image形象店-深圳腾大-QQ公仔",
//!     "out_trade_no": "1217752501201407033233368018",
//!     "notify_url": "https://www.example.com/wechatpay/notify",
//!     "amount": { "total": 100, "currency": "CNY" },
//!     "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
//! });
//! let answer: serde_json::Value = client
//!     .send(Request::new(Method::POST, "/v3/pay/transactions/jsapi").json(&body)?)
//!     .await?;
//! let prepay_id = answer["prepay_id"].as_str().unwrap_or_default();
//! // 2. For `wx.requestPayment`: {"appId","timeStamp","nonceStr","package","signType":"RSA","paySign"}
//! let launch = client.jsapi_payment_params("wxd678efh567hg6787", prepay_id)?;
//! let for_the_page = serde_json::to_string(&launch).expect("strings only");
//! // 4. Query:
//! let order: serde_json::Value = client
//!     .send(
//!         Request::new(Method::GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}")
//!             .path_param("out_trade_no", "1217752501201407033233368018")
//!             .query("mchid", client.mchid()),
//!     )
//!     .await?;
//! println!("{}", order["trade_state"]); // NOTPAY, SUCCESS, CLOSED, REFUND, …
//! # let _ = for_the_page; Ok(()) }
//! ```
//!
//! ## 3. Notifications
//!
//! Hand the raw headers and body to [`Client::decode_notification`](crate::Client::decode_notification)
//! (or an `http::Request` to [`Client::decode_notification_request`](crate::Client::decode_notification_request)):
//! it checks the signature and the timestamp, then decrypts the resource with the APIv3 key. Answer
//! HTTP 200 with [`NOTIFICATION_SUCCESS_REPLY`](crate::NOTIFICATION_SUCCESS_REPLY) once the event is
//! handled; any other answer makes WeChat retry (on its schedule, over about a day), so make handling
//! idempotent on the notification `id` or the order number. The `wechatpay` crate's `events`
//! feature types every documented event (`wechatpay::events::decode`).
//!
//! ```no_run
//! # fn demo(client: &wechatpay_runtime::Client, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
//! match client.decode_notification(headers, body) {
//!     Ok(n) if n.event_type == "TRANSACTION.SUCCESS" => {
//!         let paid: serde_json::Value = n.resource().expect("JSON");
//!         // mark the order `paid["out_trade_no"]` as paid, once
//! #       let _ = paid;
//!         (200, wechatpay_runtime::NOTIFICATION_SUCCESS_REPLY.to_string())
//!     }
//!     Ok(_) => (200, wechatpay_runtime::NOTIFICATION_SUCCESS_REPLY.to_string()),
//!     // A forged, stale or undecryptable notification: refuse it (WeChat would retry a real one).
//!     Err(e) => (401, wechatpay_runtime::notification_failure_reply(&e.to_string())),
//! }
//! # }
//! ```
//!
//! ## 4. Bills
//!
//! `GET /v3/bill/tradebill?bill_date=…` (`wechatpay::v3::bill::tradebill::get`) and
//! `GET /v3/bill/fundflowbill` answer a `download_url` with the file's `hash_type` and `hash_value`.
//! [`Client::download_to_path`](crate::Client::download_to_path) streams the file in constant memory,
//! optionally gunzips it, checks the hash and only then moves it into place;
//! [`Client::download`](crate::Client::download) streams it to any writer.
//!
//! ```no_run
//! # async fn demo(client: wechatpay_runtime::Client) -> Result<(), wechatpay_runtime::Error> {
//! use wechatpay_runtime::{DownloadOptions, Method, Request};
//! let bill: serde_json::Value = client
//!     .send(Request::new(Method::GET, "/v3/bill/tradebill").query("bill_date", "2019-06-11"))
//!     .await?;
//! let url = bill["download_url"].as_str().unwrap_or_default();
//! let hash_type = bill["hash_type"].as_str().unwrap_or("SHA1");
//! let hash = bill["hash_value"].as_str().unwrap_or_default();
//! client
//!     .download_to_path(
//!         client.download_request(url)?,
//!         "bills/2019-06-11.csv",
//!         DownloadOptions::new().hash(hash_type.parse()?, hash),
//!     )
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## 5. Errors
//!
//! Every call returns [`Error`](crate::Error); match on its variant:
//!
//! * [`Error::Api`](crate::Error::Api): WeChat answered with an error — [`ApiError`](crate::ApiError)
//!   has the HTTP status, WeChat's `code` (`ORDERPAID`, `ORDER_NOT_EXIST`, `PARAM_ERROR`, …), its
//!   message and the `Request-ID` to quote to WeChat Pay support;
//! * [`Error::Signature`](crate::Error::Signature): an answer or notification failed verification
//!   (never trust its content);
//! * [`Error::Transport`](crate::Error::Transport): no usable answer (connection, timeout, size limit);
//!   a POST that timed out may have taken effect — query before retrying with the same `out_trade_no`;
//! * [`Error::Decode`](crate::Error::Decode): the answer did not fit the expected type (names the
//!   field path);
//! * [`Error::Config`](crate::Error::Config), [`Error::Crypto`](crate::Error::Crypto),
//!   [`Error::File`](crate::Error::File), [`Error::InvalidRequest`](crate::Error::InvalidRequest):
//!   configuration, key and file problems, and requests refused before sending.
//!
//! Rate limits (429) and connection failures are retried for you, with backoff; 5xx only for GET.
//! No error message ever holds a key, a signature or a sensitive value.
//!
//! ## 6. Testing without WeChat Pay
//!
//! WeChat Pay has no APIv3 sandbox. The [`testing`](crate::testing) module gives you what a test
//! needs:
//!
//! * [`TestKeys::generate`](crate::testing::TestKeys::generate): a throwaway merchant and platform
//!   key set (with [`write_to`](crate::testing::TestKeys::write_to) / [`load`](crate::testing::TestKeys::load)
//!   for a folder) and [`client_builder`](crate::testing::TestKeys::client_builder) for a client that
//!   trusts it — point it at a local server with [`base_url`](crate::ClientBuilder::base_url) and sign
//!   that server's answers with [`sign_as_platform`](crate::testing::TestKeys::sign_as_platform);
//! * [`TestNotification`](crate::testing::TestNotification): a signed, encrypted notification for any
//!   event type, to drive your notification handler;
//! * [`from_json`](crate::testing::from_json): any response type from JSON, to stub an answer.
//!
//! ```
//! # fn demo() -> Result<(), wechatpay_runtime::Error> {
//! use wechatpay_runtime::testing::{TestKeys, TestNotification};
//! let keys = TestKeys::generate("1900000001")?;
//! let client = keys.client_builder().build()?;
//! let n = TestNotification::new("REFUND.SUCCESS", serde_json::json!({"out_refund_no": "R1"}))
//!     .sign_with(&keys, client.now())?;
//! let decoded = client.decode_notification(&n.headers, n.body.as_bytes())?;
//! assert_eq!(decoded.resource_json()?["out_refund_no"], "R1");
//! # Ok(()) }
//! ```
