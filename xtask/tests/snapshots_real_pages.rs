//! Snapshot tests of real documentation pages: each snapshot holds the page's `spec/` JSON followed by
//! its diagnostics, so a parser change shows up as a reviewable diff of both.
//!
//! The pages are chosen so that together they cover every diagnostic class of `spec/DIAGNOSTICS.md` and
//! every kind of page (methods, `{#mix}`, path parameters, `base_uri`, multipart, binary, empty and `30x`
//! responses, APIv2 XML with `security`/`nonceless`/`fragment`, rule-separated variants, encrypted
//! fields, deprecated pages, webhooks v3 and v2).
//!
//! Needs the docs corpus (`$WECHATPAY_DOCS`, else `../shared/docs/wechatpay.im-2026-06-21`); without it every test
//! prints why and passes.

mod common;

use std::collections::BTreeSet;
use xtask::docs::Parsed;

/// Every page snapshotted here, with the diagnostic classes it must report (a subset check).
const PAGES: &[(&str, &[&str])] = &[
    // Page kinds.
    ("openapi/v3/pay/transactions/jsapi.md", &[]),
    ("openapi/v3/pay/transactions/id/{transaction_id}.md", &[]),
    (
        "openapi/v3/global/merchant/h5/permission/applications/{applyment_id}.md",
        &[],
    ),
    (
        "openapi/v3/new-tax-control-fapiao/merchant/development-config.md",
        &[],
    ),
    ("openapi/v3/edu-papay/contracts/{contract_id}.md", &[]),
    ("openapi/v3/global/refund/recharge-balance.md", &[]),
    ("openapi/v3/marketing/favor/media/image-upload.md", &[]),
    ("openapi/v3/billdownload/file.md", &[]),
    (
        "openapi/v3/pay/transactions/out-trade-no/{out_trade_no}/close.md",
        &[],
    ),
    ("openapi/v2/papay/entrustweb.md", &["misplaced-attribute"]),
    ("openapi/v2/risk/getpublickey.md", &[]),
    ("openapi/v2/pay/queryexchagerate.md", &[]),
    ("openapi/v2/vehicle/pay/payapply.md", &[]),
    ("openapi/v3/profitsharing/receivers/add.md", &[]),
    (
        "openapi/v2/applyment/micro/signcontract.md",
        &["empty-object", "empty-response"],
    ),
    ("openapi/v2/mmpaymkttransfers/send_coupon.md", &[]),
    ("openapi/v2/pay/downloadbill.md", &["error-dictionary"]),
    // The 2026-06-21 docs fixed the misplaced decrypted rows of these three pages (and the run-together
    // rows of the batch page); the fixtures keep covering those classes.
    ("webhook/v3/REFUND.SUCCESS.md", &[]),
    ("webhook/v3/TRANSACTION.SUCCESS.md", &[]),
    ("webhook/v3/MCHTRANSFER.BATCH.CLOSED.md", &[]),
    (
        "webhook/v3/RECHARGE.CLOSED.md",
        &["member-indent", "missing-indent"],
    ),
    ("webhook/v2/refund-processed.md", &[]),
    // Diagnostic classes.
    (
        "openapi/v3/marketing/partner/product-coupon/media/upload-image.md",
        &["attribute-spelling"],
    ),
    ("webhook/v3/MERCHANT_NOTIFY.NOTIFY.md", &["cell-count"]),
    (
        "webhook/v3/ECOMMERCE_ENTRUST.TERMINATE.md",
        &["misplaced-content"],
    ),
    (
        "openapi/v2/xdc/apiv2sandbox/pay/orderquery.md",
        &["client-option", "unknown-type"],
    ),
    ("openapi/v3/qrcode/transactions.md", &["empty-object"]),
    (
        "openapi/v3/marketing/bank/packages/{package_id}/tasks.md",
        &["extra-h1"],
    ),
    (
        "openapi/v2/secapi/mch/addInstitutionsub.md",
        &["fixed-path-segment"],
    ),
    ("openapi/v3/marketing/partnerships.md", &["implied-json"]),
    (
        "webhook/v2/transactions-risk-occurred.md",
        &["implied-json"],
    ),
    ("openapi/v3/transactions/micropay.md", &["name-with-space"]),
    (
        "openapi/v3/global/merchants/{sub_mchid}.md",
        &["path-param-in-body"],
    ),
    (
        "openapi/v3/payscore/users/{openid}/permissions/{service_id}/terminate.md",
        &["path-param-in-query"],
    ),
    (
        "openapi/v3/global/papay/transactions/out-trade-no/{out_trade_no}.md",
        &["path-param-mismatch"],
    ),
];

/// Parses one real page and returns its snapshot text and diagnostic classes; `None` without a corpus.
fn snapshot_page(rel: &str) -> Option<(xtask::spec::Page, String, BTreeSet<String>)> {
    let dir = common::corpus_dir()?;
    let src =
        std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
    let (parsed, diags) = common::parse(rel, &src);
    let page = match parsed {
        Some(Parsed::Page(p)) => p,
        other => panic!("{rel}: expected a page, got {other:?}"),
    };
    let text = common::render(&page, &diags);
    let classes = diags.iter().map(|d| d.class.to_string()).collect();
    Some((page, text, classes))
}

fn check(rel: &str) -> Option<xtask::spec::Page> {
    let (page, text, classes) = snapshot_page(rel)?;
    let expected = PAGES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, c)| *c)
        .unwrap_or(&[]);
    for class in expected {
        assert!(
            classes.contains(*class),
            "{rel}: expected a `{class}` diagnostic, got {classes:?}"
        );
    }
    insta::assert_snapshot!(common::snapshot_name(rel), text);
    Some(page)
}

macro_rules! page_tests {
    ($($name:ident => $rel:literal;)*) => {
        $(
            #[test]
            fn $name() {
                check($rel);
            }
        )*

        /// Every page in `PAGES` has a test (and vice versa).
        #[test]
        fn every_listed_page_has_a_test() {
            let tested: BTreeSet<&str> = [$($rel),*].into_iter().collect();
            let listed: BTreeSet<&str> = PAGES.iter().map(|(p, _)| *p).collect();
            assert_eq!(tested, listed);
        }
    };
}

page_tests! {
    openapi_v3_pay_transactions_jsapi => "openapi/v3/pay/transactions/jsapi.md";
    openapi_v3_pay_transactions_id_transaction_id => "openapi/v3/pay/transactions/id/{transaction_id}.md";
    openapi_v3_global_merchant_h5_permission_applications_applyment_id => "openapi/v3/global/merchant/h5/permission/applications/{applyment_id}.md";
    openapi_v3_new_tax_control_fapiao_merchant_development_config => "openapi/v3/new-tax-control-fapiao/merchant/development-config.md";
    openapi_v3_edu_papay_contracts_contract_id => "openapi/v3/edu-papay/contracts/{contract_id}.md";
    openapi_v3_global_refund_recharge_balance => "openapi/v3/global/refund/recharge-balance.md";
    openapi_v3_marketing_favor_media_image_upload => "openapi/v3/marketing/favor/media/image-upload.md";
    openapi_v3_billdownload_file => "openapi/v3/billdownload/file.md";
    openapi_v3_pay_transactions_out_trade_no_close => "openapi/v3/pay/transactions/out-trade-no/{out_trade_no}/close.md";
    openapi_v2_papay_entrustweb => "openapi/v2/papay/entrustweb.md";
    openapi_v2_risk_getpublickey => "openapi/v2/risk/getpublickey.md";
    openapi_v2_pay_queryexchagerate => "openapi/v2/pay/queryexchagerate.md";
    openapi_v2_vehicle_pay_payapply => "openapi/v2/vehicle/pay/payapply.md";
    openapi_v3_profitsharing_receivers_add => "openapi/v3/profitsharing/receivers/add.md";
    openapi_v2_applyment_micro_signcontract => "openapi/v2/applyment/micro/signcontract.md";
    openapi_v2_mmpaymkttransfers_send_coupon => "openapi/v2/mmpaymkttransfers/send_coupon.md";
    openapi_v2_pay_downloadbill => "openapi/v2/pay/downloadbill.md";
    webhook_v3_refund_success => "webhook/v3/REFUND.SUCCESS.md";
    webhook_v3_transaction_success => "webhook/v3/TRANSACTION.SUCCESS.md";
    webhook_v3_mchtransfer_batch_closed => "webhook/v3/MCHTRANSFER.BATCH.CLOSED.md";
    webhook_v3_recharge_closed => "webhook/v3/RECHARGE.CLOSED.md";
    webhook_v2_refund_processed => "webhook/v2/refund-processed.md";
    openapi_v3_marketing_partner_product_coupon_media_upload_image => "openapi/v3/marketing/partner/product-coupon/media/upload-image.md";
    webhook_v3_merchant_notify_notify => "webhook/v3/MERCHANT_NOTIFY.NOTIFY.md";
    webhook_v3_ecommerce_entrust_terminate => "webhook/v3/ECOMMERCE_ENTRUST.TERMINATE.md";
    openapi_v2_xdc_apiv2sandbox_pay_orderquery => "openapi/v2/xdc/apiv2sandbox/pay/orderquery.md";
    openapi_v3_qrcode_transactions => "openapi/v3/qrcode/transactions.md";
    openapi_v3_marketing_bank_packages_package_id_tasks => "openapi/v3/marketing/bank/packages/{package_id}/tasks.md";
    openapi_v2_secapi_mch_addinstitutionsub => "openapi/v2/secapi/mch/addInstitutionsub.md";
    openapi_v3_marketing_partnerships => "openapi/v3/marketing/partnerships.md";
    webhook_v2_transactions_risk_occurred => "webhook/v2/transactions-risk-occurred.md";
    openapi_v3_transactions_micropay => "openapi/v3/transactions/micropay.md";
    openapi_v3_global_merchants_sub_mchid => "openapi/v3/global/merchants/{sub_mchid}.md";
    openapi_v3_payscore_users_openid_permissions_service_id_terminate => "openapi/v3/payscore/users/{openid}/permissions/{service_id}/terminate.md";
    openapi_v3_global_papay_transactions_out_trade_no_out_trade_no => "openapi/v3/global/papay/transactions/out-trade-no/{out_trade_no}.md";
}

/// The classes listed in the parser's summary table of the committed `spec/DIAGNOSTICS.md` (the emitter's
/// section comes after `# Emitter diagnostics`).
fn committed_classes() -> BTreeSet<String> {
    let path = common::workspace_root().join("spec/DIAGNOSTICS.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let parser = text.split("\n# Emitter diagnostics").next().unwrap_or("");
    parser
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(class, _)| class.to_string())
        .collect()
}

/// Together the snapshotted pages report every class that `spec/DIAGNOSTICS.md` lists.
#[test]
fn pages_cover_every_diagnostic_class() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let mut seen = BTreeSet::new();
    for (rel, _) in PAGES {
        let src = std::fs::read_to_string(dir.join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
        seen.extend(
            common::parse(rel, &src)
                .1
                .into_iter()
                .map(|d| d.class.to_string()),
        );
    }
    let committed = committed_classes();
    assert!(
        !committed.is_empty(),
        "no classes found in spec/DIAGNOSTICS.md"
    );
    // The corrections overlay reports its own classes over the whole corpus (its unit tests cover them).
    let missing: Vec<_> = committed
        .difference(&seen)
        .filter(|c| !xtask::corrections::CLASSES.contains(&c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "no snapshotted page reports {missing:?}; add a page that does to PAGES"
    );
}
