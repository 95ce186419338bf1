//! Query an order with the runtime's untyped API.
//!
//! ```sh
//! WECHATPAY_MCHID=1900000001 WECHATPAY_SERIAL=... WECHATPAY_PRIVATE_KEY=apiclient_key.pem \
//! WECHATPAY_PUBLIC_KEY=pub_key.pem WECHATPAY_PUBLIC_KEY_ID=PUB_KEY_ID_... \
//! cargo run --example runtime_query_order -- 1217752501201407033233368018
//! ```

use wechatpay_runtime::{Client, Method, Request};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_trade_no = std::env::args()
        .nth(1)
        .ok_or("usage: runtime_query_order OUT_TRADE_NO")?;
    let mchid = env("WECHATPAY_MCHID")?;
    let mut builder = Client::builder()
        .mchid(&mchid)
        .merchant_serial(env("WECHATPAY_SERIAL")?)
        .private_key_file(env("WECHATPAY_PRIVATE_KEY")?)
        .wechatpay_public_key_file(
            &env("WECHATPAY_PUBLIC_KEY_ID")?,
            env("WECHATPAY_PUBLIC_KEY")?,
        );
    if let Ok(url) = std::env::var("WECHATPAY_BASE_URL") {
        builder = builder.base_url(url).backup_base_url(None);
    }
    let client = builder.build()?;
    let order: serde_json::Value = client
        .send(
            Request::new(
                Method::GET,
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            )
            .path_param("out_trade_no", out_trade_no)
            .query("mchid", mchid),
        )
        .await?;
    println!("{}", serde_json::to_string_pretty(&order)?);
    Ok(())
}
