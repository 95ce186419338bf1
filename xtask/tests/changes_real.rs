//! The spec changelog on the real docs update: `wechatpay.im` (upstream 2026-03-26) → `wechatpay.im-2026-06-21`.
//!
//! Every expectation below was read off the two docs folders by hand (`diff -r` of the pages), not off the
//! diff's output. Needs both folders beside the repository (`../shared/docs/…`); without them the test prints
//! why and passes.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use xtask::changes::{self, FieldChangeKind, ItemChanges, Place};
use xtask::spec::{Method, Page};

const OLD: &str = "wechatpay.im";
const NEW: &str = "wechatpay.im-2026-06-21";

fn snapshot(name: &str) -> Option<Vec<Page>> {
    let dir: PathBuf = common::workspace_root().join("../shared/docs").join(name);
    if !dir.is_dir() {
        common::missing::missing_optional(
            &format!("docs snapshot not found at {}", dir.display()),
            "put ../shared/docs beside the repository",
        );
        return None;
    }
    let corpus = xtask::corpus::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    Some(corpus.pages)
}

fn has(c: &ItemChanges, place: Place, path: &str, kind: &FieldChangeKind) -> bool {
    c.fields
        .iter()
        .any(|f| f.place == place && f.path == path && &f.kind == kind)
}

#[test]
fn real_docs_update() {
    let (Some(old), Some(new)) = (snapshot(OLD), snapshot(NEW)) else {
        return;
    };

    // The same snapshot on both sides: nothing.
    assert!(changes::diff(&old, &old).is_empty());
    assert!(changes::diff(&new, &new).is_empty());

    // As `cargo xtask codegen` runs it: the old side read back from its `spec/` JSON (which keeps no source
    // lines), the new side freshly parsed. Source lines must not matter.
    let committed: Vec<Page> = old
        .iter()
        .map(|p| {
            serde_json::from_str(&xtask::corpus::page_json(p))
                .unwrap_or_else(|e| panic!("{}: {e}", p.source))
        })
        .collect();
    let mut times = Vec::new();
    let mut c = changes::diff(&committed, &new);
    for _ in 0..10 {
        let t = Instant::now();
        c = changes::diff(&committed, &new);
        times.push(t.elapsed());
    }
    let fastest = times.iter().min().copied().unwrap_or_default();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    assert_eq!(c, changes::diff(&old, &new));
    assert!(changes::diff(&committed, &old).is_empty());

    // Six new API pages, one operation each; no page lost or gained a section, so nothing else is added
    // and nothing is removed or moved.
    let added: Vec<(Method, &str)> = c
        .operations_added
        .iter()
        .map(|o| (o.method, o.path.as_str()))
        .collect();
    assert_eq!(
        added,
        [
            (
                Method::Post,
                "/v3/aggracct-bc/wb-channel/bank-channel-account/rename"
            ),
            (
                Method::Get,
                "/v3/aggracct-bc/wb-channel/bank-channel-account/rename/{application_id}"
            ),
            (
                Method::Post,
                "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/app"
            ),
            (
                Method::Post,
                "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/mini-program"
            ),
            (
                Method::Post,
                "/v3/ecommerce/individual-contracts/pre-entrust-sign/mini-program"
            ),
            (Method::Post, "/v3/security/echo"),
        ]
    );
    let echo = &c.operations_added[5];
    assert_eq!(echo.title, "商户签名验签／加解密测试");
    assert_eq!(echo.source, "openapi/v3/security/echo.md");
    assert!(
        c.operations_removed.is_empty(),
        "{:?}",
        c.operations_removed
    );
    assert!(c.operations_moved.is_empty(), "{:?}", c.operations_moved);

    let op = |method: Method, path: &str| -> &ItemChanges {
        &c.operations_changed
            .iter()
            .find(|o| o.op.method == method && o.op.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is not listed as changed"))
            .changes
    };
    use FieldChangeKind as K;

    // transfer-bills.md: a new optional object `user_recv_style` with one required member `type`.
    let bills = op(Method::Post, "/v3/fund-app/mch-transfer/transfer-bills");
    assert!(
        has(
            bills,
            Place::Request,
            "user_recv_style",
            &K::Added {
                ty: "object".into(),
                required: false,
                nested: 1
            }
        ),
        "{bills:#?}"
    );

    // v2 micropay.md: in the JSON-encoded `detail`, goods_detail's `mcc` became `merchant_category_code`.
    let micropay = op(Method::Post, "/v2/pay/micropay");
    assert!(
        has(
            micropay,
            Place::Request,
            "detail.goods_detail[].mcc",
            &K::Removed {
                ty: "integer".into(),
                nested: 0
            }
        ),
        "{micropay:#?}"
    );
    assert!(has(
        micropay,
        Place::Request,
        "detail.goods_detail[].merchant_category_code",
        &K::Added {
            ty: "integer".into(),
            required: false,
            nested: 0
        }
    ));

    // pre-entrust-sign/app.md: `appid` and `out_contract_code` gained `data-required`.
    let app = op(
        Method::Post,
        "/v3/ecommerce/individual-contracts/pre-entrust-sign/app",
    );
    assert!(
        has(app, Place::Request, "appid", &K::MadeRequired),
        "{app:#?}"
    );
    assert!(has(
        app,
        Place::Request,
        "out_contract_code",
        &K::MadeRequired
    ));

    // med-ins/orders.md: a new response field.
    let med = op(Method::Post, "/v3/med-ins/orders");
    assert!(
        has(
            med,
            Place::Response,
            "med_ins_fail_reason",
            &K::Added {
                ty: "string".into(),
                required: false,
                nested: 0
            }
        ),
        "{med:#?}"
    );

    // merchant/media/upload.md: renamed from 图片上传 to 文件上传; `file`, `sha256` and `filename` only
    // changed their descriptions.
    let upload = op(Method::Post, "/v3/merchant/media/upload");
    assert_eq!(
        upload.title,
        Some(("图片上传".to_string(), "文件上传".to_string()))
    );
    assert!(upload.description_only >= 3, "{upload:#?}");
    assert!(
        !upload.fields.iter().any(|f| [
            "file",
            "file.sha256",
            "file.filename",
            "meta.sha256",
            "meta.filename"
        ]
        .contains(&f.path.as_str())),
        "{upload:#?}"
    );

    // Notifications: one new page with a new event type.
    let added: Vec<&str> = c
        .notifications_added
        .iter()
        .map(|n| n.source.as_str())
        .collect();
    assert_eq!(added, ["webhook/v3/SECURITY_ECHO.SUCCESS.md"]);
    assert_eq!(
        c.notifications_added[0].event_types,
        ["SECURITY_ECHO.SUCCESS"]
    );
    assert!(c.notifications_removed.is_empty());
    assert_eq!(c.event_types_added, ["SECURITY_ECHO.SUCCESS"]);
    assert!(c.event_types_removed.is_empty());

    let page = |source: &str| {
        c.notifications_changed
            .iter()
            .find(|n| n.notification.source == source)
            .unwrap_or_else(|| panic!("{source} is not listed as changed"))
    };
    // Both profit-sharing pages now also list `TRANSACTION.SUCCESS`.
    for source in [
        "webhook/v3/PROFITSHARING.SUCCESS.md",
        "webhook/v3/PROFITSHARING.RETURN.md",
    ] {
        assert_eq!(page(source).event_types_added, ["TRANSACTION.SUCCESS"]);
        assert!(page(source).event_types_removed.is_empty());
    }
    // PROFITSHARING.SUCCESS.md: the resource fields gained `data-required`.
    let ps = &page("webhook/v3/PROFITSHARING.SUCCESS.md").changes;
    for path in [
        "transaction_id",
        "receiver",
        "receiver.amount",
        "success_time",
    ] {
        assert!(
            has(ps, Place::Resource, path, &K::MadeRequired),
            "{path}: {ps:#?}"
        );
    }
    // TRANSACTION.SUCCESS.md (v3): `original_type` now documents its values.
    let ts = &page("webhook/v3/TRANSACTION.SUCCESS.md").changes;
    assert!(
        has(
            ts,
            Place::Envelope,
            "resource.original_type",
            &K::EnumValuesAdded(vec!["transaction".into(), "profitsharing".into()])
        ),
        "{ts:#?}"
    );

    let md = c.render_markdown(OLD, NEW);
    assert!(md.contains(&format!("from `{OLD}` to `{NEW}`")));
    assert!(md.contains("### `security`\n\n- `POST /v3/security/echo` 商户签名验签／加解密测试"));
    assert!(md.contains("  - request `detail.goods_detail[].mcc` removed (integer)\n"));
    assert_eq!(
        md,
        c.render_markdown(OLD, NEW),
        "rendering is deterministic"
    );

    let summary = c.summary();
    assert!(summary.lines().count() <= 6, "{summary}");
    assert!(
        summary.starts_with("spec changes: +6 operations, -0, 0 moved,"),
        "{summary}"
    );
    println!("{OLD} → {NEW}:\n{summary}");
    println!(
        "diff of {} → {} pages: fastest {fastest:.2?}, mean {mean:.2?} over {} runs ({}); CHANGES.md {} lines",
        old.len(),
        new.len(),
        times.len(),
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        },
        md.lines().count()
    );
    if !cfg!(debug_assertions) {
        assert!(fastest < Duration::from_millis(50), "diff took {fastest:?}");
    }
}
