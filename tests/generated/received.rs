//! Receiving never fails on a real answer: every response and notification type of the payment, refund
//! and bill flows decodes a minimal answer (only the members the official SDKs' models treat as always
//! present) and a maximal one with undocumented members at every level, and nothing is dropped: the
//! value re-serialised (feature `roundtrip`) equals what was sent. Integers sent as numeric strings and
//! ids sent as numbers decode too.
//!
//! Close (`…/close`) answers `204` without a body: its function returns `()`, there is nothing to decode.
//!
//! Minimal shapes, by model (read, not copied):
//! - wechatpay-go `services/payments/models.go` `Transaction` and `partnerpayments` `Transaction`: every
//!   member is an optional pointer, so the minimal query answer and payment notification are `{}`.
//! - wechatpay-go `services/payments/jsapi/models.go` `PrepayResponse`: `prepay_id` (no `omitempty`);
//!   likewise `h5_url` (h5) and `code_url` (native).
//! - wechatpay-go `services/refunddomestic/models.go` `Refund` and `Amount`: the members without
//!   `omitempty`.
//! - js.org `webhook/v3/REFUND.SUCCESS.md` typedef (wechatpay-go has no refund notification model) and
//!   js.org `openapi/v3/bill/tradebill.md` / `fundflowbill.md` responses (`download_url`, `hash_type`,
//!   `hash_value`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use wechatpay::events::{refund_success, transaction_success};
use wechatpay::v3::bill::{fundflowbill, tradebill};
use wechatpay::v3::pay::partner::transactions as partner;
use wechatpay::v3::pay::transactions::{app, h5, id, jsapi, native, out_trade_no};
use wechatpay::v3::refund::domestic::refunds;

/// Decodes `sent` as `T`, re-serialises it and checks that nothing was dropped or added (`expected`:
/// what `sent` means, where it differs in form only, e.g. `"100"` read as `100`).
fn decodes_as<T: DeserializeOwned + Serialize>(what: &str, sent: Value, expected: &Value) -> T {
    let typed: T = serde_json::from_value(sent).unwrap_or_else(|e| panic!("{what}: {e}"));
    let back = serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(&back, expected, "{what}: re-serialised value differs");
    typed
}

fn decodes<T: DeserializeOwned + Serialize>(what: &str, sent: Value) -> T {
    let expected = sent.clone();
    decodes_as(what, sent, &expected)
}

/// Adds an undocumented member to every object of `v` (recursively, including array elements).
fn with_extras(mut v: Value) -> Value {
    fn walk(v: &mut Value, depth: usize) {
        match v {
            Value::Object(m) => {
                for (_, child) in m.iter_mut() {
                    walk(child, depth + 1);
                }
                m.insert(
                    format!("undocumented_{depth}"),
                    json!({"kept": [depth, "x"]}),
                );
            }
            Value::Array(a) => a.iter_mut().for_each(|c| walk(c, depth + 1)),
            _ => {}
        }
    }
    walk(&mut v, 0);
    v
}

fn promotion_detail() -> Value {
    json!([{
        "coupon_id": "109519", "name": "单品惠-6", "scope": "SINGLE", "type": "CASH", "amount": 100,
        "stock_id": "931386", "wechatpay_contribute": 0, "merchant_contribute": 0, "other_contribute": 0,
        "currency": "CNY",
        "goods_detail": [{"goods_id": "M1006", "quantity": 1, "unit_price": 100, "discount_amount": 1, "goods_remark": "r"}]
    }])
}

/// A paid order as the query answers it (direct merchant): every member the page and the Go SDK name.
fn transaction_max() -> Value {
    json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109", "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "1217752501201407033233368018", "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "CMC", "attach": "自定义数据",
        "success_time": "2018-06-08T10:34:56+08:00", "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 100, "payer_total": 90, "currency": "CNY", "payer_currency": "CNY"},
        "promotion_detail": promotion_detail(),
        "scene_info": {"device_id": "013467007045764"}
    })
}

#[test]
fn prepay_answers_decode() {
    let r: jsapi::post::Response = decodes(
        "jsapi min",
        json!({"prepay_id": "wx201410272009395522657a690389285100"}),
    );
    assert_eq!(
        r.prepay_id.as_deref(),
        Some("wx201410272009395522657a690389285100")
    );
    let r: jsapi::post::Response =
        decodes("jsapi max", with_extras(json!({"prepay_id": "wx2014"})));
    assert_eq!(r.undocumented["undocumented_0"], json!({"kept": [0, "x"]}));
    let _: app::post::Response = decodes("app min", json!({"prepay_id": "wx2014"}));
    let _: app::post::Response = decodes("app max", with_extras(json!({"prepay_id": "wx2014"})));
    let _: h5::post::Response = decodes("h5 min", json!({"h5_url": "https://wx.tenpay.com/x"}));
    let _: h5::post::Response = decodes(
        "h5 max",
        with_extras(json!({"h5_url": "https://wx.tenpay.com/x"})),
    );
    let _: native::post::Response = decodes(
        "native min",
        json!({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}),
    );
    let _: native::post::Response =
        decodes("native max", with_extras(json!({"code_url": "weixin://x"})));
    let _: partner::jsapi::post::Response =
        decodes("partner jsapi", with_extras(json!({"prepay_id": "wx2014"})));
    // Even a field the docs call required may be missing without failing the decode.
    let r: jsapi::post::Response = decodes("jsapi empty", json!({}));
    assert!(r.prepay_id.is_none());
}

#[test]
fn order_queries_decode() {
    let r: id::by_transaction_id::get::Response = decodes("query by id min", json!({}));
    assert!(r.amount.is_none() && r.description.is_none());
    let r: id::by_transaction_id::get::Response =
        decodes("query by id max", with_extras(transaction_max()));
    let amount = r.amount.expect("amount");
    assert_eq!((amount.total, amount.payer_total), (Some(100), Some(90)));
    assert_eq!(
        amount.undocumented["undocumented_1"],
        json!({"kept": [1, "x"]})
    );
    assert_eq!(r.trade_state.as_ref().map(|s| s.as_str()), Some("SUCCESS"));
    assert_eq!(r.promotion_detail.expect("coupons")[0].amount, Some(100));
    // The Go SDK's `Transaction` (no `description`, no `notify_url`) decodes by out_trade_no too.
    let r: out_trade_no::by_out_trade_no::get::Response =
        decodes("query by out_trade_no max", with_extras(transaction_max()));
    assert!(r.description.is_none() && r.notify_url.is_none());
    let _: out_trade_no::by_out_trade_no::get::Response =
        decodes("query by out_trade_no min", json!({}));
    let partner_max = with_extras(json!({
        "sp_appid": "wx8888888888888888", "sp_mchid": "1230000109", "sub_appid": "wxd678efh567hg6999",
        "sub_mchid": "1900000109", "out_trade_no": "1217752501201407033233368018", "transaction_id": "4200000",
        "trade_type": "APP", "trade_state": "NOTPAY", "trade_state_desc": "未支付", "bank_type": "OTHERS",
        "success_time": "2018-06-08T10:34:56+08:00", "payer": {"sp_openid": "oUpF8", "sub_openid": "oUpF9"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"},
        "promotion_detail": promotion_detail()
    }));
    let _: partner::id::by_transaction_id::get::Response =
        decodes("partner query by id", partner_max.clone());
    let _: partner::out_trade_no::by_out_trade_no::get::Response =
        decodes("partner query by out_trade_no", partner_max);
    let _: partner::out_trade_no::by_out_trade_no::get::Response =
        decodes("partner query min", json!({}));
}

#[test]
fn unknown_values_numeric_strings_and_numeric_ids_are_accepted() {
    let sent = json!({
        "mchid": 1230000109u64, "trade_state": "SOMETHING_NEW", "trade_type": "PAP",
        "amount": {"total": "100", "payer_total": 100.0, "currency": "CNY"}
    });
    let expected = json!({
        "mchid": "1230000109", "trade_state": "SOMETHING_NEW", "trade_type": "PAP",
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY"}
    });
    let r: id::by_transaction_id::get::Response = decodes_as("lenient query", sent, &expected);
    assert_eq!(r.mchid.as_deref(), Some("1230000109"));
    assert_eq!(r.amount.as_ref().and_then(|a| a.total), Some(100));
    assert_eq!(
        r.trade_state.as_ref().map(|s| s.as_str()),
        Some("SOMETHING_NEW")
    );
    // A value that is not an integer in any form is still an error, naming the field.
    let bad = serde_json::from_value::<id::by_transaction_id::get::Response>(
        json!({"amount": {"total": "1.5"}}),
    );
    assert!(bad.unwrap_err().to_string().contains("1.5"));
}

fn refund_max() -> Value {
    json!({
        "refund_id": "50000000382019052709732678859", "out_refund_no": "1217752501201407033233368018",
        "transaction_id": "1217752501201407033233368018", "out_trade_no": "1217752501201407033233368018",
        "channel": "ORIGINAL", "user_received_account": "招商银行信用卡0403",
        "success_time": "2020-12-01T16:18:12+08:00", "create_time": "2020-12-01T16:18:12+08:00",
        "status": "SUCCESS", "funds_account": "UNSETTLED",
        "amount": {
            "total": 100, "refund": 100, "from": [{"account": "AVAILABLE", "amount": 444}],
            "payer_total": 90, "payer_refund": 90, "settlement_refund": 100, "settlement_total": 100,
            "discount_refund": 10, "currency": "CNY", "refund_fee": 0
        },
        "promotion_detail": [{
            "promotion_id": "109519", "scope": "SINGLE", "type": "DISCOUNT", "amount": 5, "refund_amount": 100,
            "goods_detail": [{"merchant_goods_id": "1217752501201407033233368018", "wechatpay_goods_id": "1001",
                "goods_name": "iPhone6s 16G", "unit_price": 528800, "refund_amount": 528800, "refund_quantity": 1}]
        }]
    })
}

fn refund_min() -> Value {
    json!({
        "refund_id": "50000000382019052709732678859", "out_refund_no": "1217752501201407033233368018",
        "transaction_id": "1217752501201407033233368018", "out_trade_no": "1217752501201407033233368018",
        "channel": "ORIGINAL", "user_received_account": "招商银行信用卡0403",
        "create_time": "2020-12-01T16:18:12+08:00", "status": "PROCESSING",
        "amount": {"total": 100, "refund": 100, "payer_total": 90, "payer_refund": 90,
            "settlement_refund": 100, "settlement_total": 100, "discount_refund": 10, "currency": "CNY"}
    })
}

#[test]
fn refund_answers_decode() {
    let r: refunds::post::Response = decodes("refund create min", refund_min());
    assert_eq!(r.status.as_ref().map(|s| s.as_str()), Some("PROCESSING"));
    let r: refunds::post::Response = decodes("refund create max", with_extras(refund_max()));
    let amount = r.amount.expect("amount");
    assert_eq!((amount.total, amount.refund), (Some(100), Some(100)));
    let _: refunds::by_out_refund_no::get::Response = decodes("refund query min", refund_min());
    let _: refunds::by_out_refund_no::get::Response =
        decodes("refund query max", with_extras(refund_max()));
}

#[test]
fn bill_answers_decode() {
    let bill = json!({"download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=xx",
        "hash_type": "SHA1", "hash_value": "79bb0f45fc4c42234a918000b2668d689e2bde04"});
    let _: tradebill::get::Response = decodes("trade bill min", bill.clone());
    let _: tradebill::get::Response = decodes("trade bill max", with_extras(bill.clone()));
    let _: fundflowbill::get::Response = decodes("fund-flow bill min", bill.clone());
    let _: fundflowbill::get::Response = decodes("fund-flow bill max", with_extras(bill));
}

#[test]
fn transaction_success_decodes_for_direct_merchants_and_partners() {
    let r: transaction_success::Resource = decodes("TRANSACTION.SUCCESS min", json!({}));
    assert!(r.amount.is_none());
    // A plain JSAPI payment: the amount, merchant id, trade type and state description are typed.
    let r: transaction_success::Resource =
        decodes("TRANSACTION.SUCCESS direct", with_extras(transaction_max()));
    assert_eq!(r.amount.as_ref().and_then(|a| a.total), Some(100));
    assert_eq!(r.mchid.as_deref(), Some("1230000109"));
    assert_eq!(r.trade_type.as_ref().map(|t| t.as_str()), Some("JSAPI"));
    assert_eq!(r.trade_state_desc.as_deref(), Some("支付成功"));
    assert_eq!(
        r.undocumented.len(),
        1,
        "only the extra member is undocumented: {:?}",
        r.undocumented
    );
    let partner = with_extras(json!({
        "sp_appid": "wx8888888888888888", "sp_mchid": "1230000109", "sub_appid": "wxd678efh567hg6999",
        "sub_mchid": "1900000109", "out_trade_no": "1217752501201407033233368018", "transaction_id": "4200000",
        "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "CMC",
        "attach": "", "success_time": "2018-06-08T10:34:56+08:00",
        "payer": {"sp_openid": "oUpF8", "sub_openid": "oUpF9"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}
    }));
    let r: transaction_success::Resource = decodes("TRANSACTION.SUCCESS partner", partner);
    assert_eq!(r.sp_mchid.as_deref(), Some("1230000109"));
    assert_eq!(r.payer.and_then(|p| p.sp_openid).as_deref(), Some("oUpF8"));
}

#[test]
fn refund_success_decodes_for_direct_merchants_and_partners() {
    let min = json!({
        "mchid": "1900000100", "transaction_id": "1008450740201411110005820873", "out_trade_no": "20150806125346",
        "refund_id": "50200207182018070300011301001", "out_refund_no": "7752501201407033233368018",
        "refund_status": "SUCCESS", "success_time": "2018-06-08T10:34:56+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999}
    });
    let r: refund_success::Resource = decodes("REFUND.SUCCESS min", min);
    assert_eq!(r.amount.as_ref().and_then(|a| a.refund), Some(999));
    let partner = with_extras(json!({
        "sp_mchid": "1900000100", "sub_mchid": "1900000109", "transaction_id": "1008450740201411110005820873",
        "out_trade_no": "20150806125346", "refund_id": "50200207182018070300011301001",
        "out_refund_no": "7752501201407033233368018", "refund_status": "ABNORMAL",
        "success_time": "2018-06-08T10:34:56+08:00", "user_received_account": "招商银行信用卡0403",
        "refund_account": "REFUND_SOURCE_SUB_MERCHANT",
        "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999, "currency": "CNY",
            "payer_currency": "CNY", "settlement_refund": 999, "settlement_currency": "CNY"}
    }));
    let r: refund_success::Resource = decodes("REFUND.SUCCESS partner", partner);
    assert_eq!(r.sub_mchid.as_deref(), Some("1900000109"));
}

#[test]
fn null_members_repeated_members_and_wrong_shapes() {
    // `null` for a documented member is `None` (not an undocumented member); `null` for an undocumented
    // one is kept as sent.
    let r: id::by_transaction_id::get::Response =
        serde_json::from_value(json!({"mchid": null, "amount": null, "new_member": null}))
            .expect("nulls decode");
    assert!(r.mchid.is_none() && r.amount.is_none());
    assert_eq!(r.undocumented.len(), 1);
    assert_eq!(r.undocumented.get("new_member"), Some(&Value::Null));
    // A member sent twice (possible in JSON text) keeps its last value, documented or not.
    let r: id::by_transaction_id::get::Response = serde_json::from_str(
        r#"{"mchid":"1","mchid":"2","amount":{"total":1,"total":2},"x":1,"x":2}"#,
    )
    .expect("repeated members decode");
    assert_eq!(r.mchid.as_deref(), Some("2"));
    assert_eq!(r.amount.as_ref().and_then(|a| a.total), Some(2));
    assert_eq!(r.undocumented.get("x"), Some(&json!(2)));
    // Not an object, or a documented member of the wrong shape: an error, with the path to it.
    for (sent, path) in [
        (json!([1, 2]), "."),
        (json!("text"), "."),
        (json!({"amount": {"total": {"nested": 1}}}), "amount.total"),
        (json!({"amount": [1]}), "amount"),
        (
            json!({"promotion_detail": {"not": "an array"}}),
            "promotion_detail",
        ),
    ] {
        let err = serde_path_to_error::deserialize::<_, id::by_transaction_id::get::Response>(
            sent.clone(),
        )
        .expect_err(&format!("{sent} must not decode"));
        assert_eq!(err.path().to_string(), path, "{sent}: {}", err.inner());
    }
}
