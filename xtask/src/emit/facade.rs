//! The facade crate's `generated/src/lib.rs`: the hand-written head (`xtask/templates/facade/lib.rs`),
//! then `wechatpay::v3::<group>` re-exported from the crate of each group, and `operations()`; and its
//! `generated/src/launch.rs` (`xtask/templates/facade/launch.rs`, plus the prepay helpers of
//! `launch_prepay.rs` when the operations they call are documented as they expect).

use super::partition::Partition;
use super::templates;
use super::tree::Tree;
use crate::diag::{Diagnostic, Severity};
use crate::naming;
use crate::spec::{BodyFormat, Field, FieldType};

/// `generated/src/lib.rs`.
pub fn lib_source(groups: &[String], partition: &Partition) -> String {
    let mut s = templates::FACADE.copy();
    s.push_str("\n/// The operations, by business group (each behind its feature).\n#[rustfmt::skip]\npub mod v3 {\n");
    for g in groups {
        let stem = naming::file_stem(g);
        let krate = partition.crate_of(stem).rust_name();
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    pub use ::{krate}::v3::{g};\n"
        ));
    }
    s.push_str("}\n");
    s.push_str("\n/// Every operation of the enabled features, by group.\npub fn operations() -> ::std::vec::Vec<&'static OperationInfo> {\n    #[allow(unused_mut)]\n    let mut all: ::std::vec::Vec<&'static OperationInfo> = ::std::vec::Vec::new();\n");
    for g in groups {
        let stem = naming::file_stem(g);
        s.push_str(&format!(
            "    #[cfg(feature = \"{stem}\")]\n    all.extend(v3::{g}::OPERATIONS.iter());\n"
        ));
    }
    s.push_str("    all\n}\n");
    s
}

/// The modules of the prepay operations the `launch` helpers call (`POST`, business group `pay`).
const LAUNCH_OPERATIONS: [&[&str]; 2] = [
    &["v3", "pay", "transactions", "jsapi"],
    &["v3", "pay", "transactions", "app"],
];

/// `generated/src/launch.rs`: the template head, and the prepay helpers if every operation they call
/// is documented as they expect (a JSON body with a required string `appid`, an answer with a required
/// string `prepay_id`). Otherwise the helpers are left out, so the crate still compiles, and a
/// diagnostic says why — unless the corpus has no business group `pay` at all (a partial corpus),
/// where there is nothing to chain and nothing to report.
pub fn launch_source(tree: &Tree<'_>, diags: &mut Vec<Diagnostic>) -> String {
    let mut s = templates::FACADE_LAUNCH.copy();
    if !tree.ops.iter().any(|p| p.group == "pay") {
        return s;
    }
    let gaps: Vec<(String, String)> = LAUNCH_OPERATIONS
        .iter()
        .filter_map(|m| launch_gap(tree, m))
        .collect();
    if gaps.is_empty() {
        s.push('\n');
        s.push_str(templates::FACADE_LAUNCH_PREPAY.text);
    }
    for (file, why) in gaps {
        diags.push(Diagnostic {
            file,
            line: 0,
            severity: Severity::Warning,
            class: "emit-launch-helpers-omitted".into(),
            message: format!(
                "{why}: the prepay helpers of `wechatpay::launch` ({}) are left out",
                templates::FACADE_LAUNCH_PREPAY.path
            ),
        });
    }
    s
}

/// Why the operation in `module` cannot back a launch helper: (page, reason), or `None` if it can.
fn launch_gap(tree: &Tree<'_>, module: &[&str]) -> Option<(String, String)> {
    let url = format!("/{}", module.join("/"));
    let Some(p) = tree
        .ops
        .iter()
        .find(|p| p.module == module && p.name == "post")
    else {
        return Some((
            format!("openapi{url}.md"),
            format!("`POST {url}` is not documented"),
        ));
    };
    let required_string = |fields: &[Field], name: &str| {
        fields
            .iter()
            .any(|f| f.name == name && f.required && f.ty == FieldType::String)
    };
    let body = &p.op.request_body;
    let why = if p.group != "pay" {
        format!("`POST {url}` is in business group `{}`, not `pay`", p.group)
    } else if body.format != BodyFormat::Json
        || !body.variants.is_empty()
        || !required_string(&body.fields, "appid")
    {
        format!("the body of `POST {url}` has no required string `appid`")
    } else if !required_string(&p.op.response.fields, "prepay_id") {
        format!("the answer of `POST {url}` has no required string `prepay_id`")
    } else {
        return None;
    };
    Some((p.source.to_string(), why))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Method, Operation, Page};

    fn page(path: &str, appid_required: bool, prepay_id: bool) -> Page {
        let string = |name: &str, required: bool| Field {
            name: name.into(),
            required,
            ..Field::default()
        };
        let mut op = Operation {
            method: Method::Post,
            path: path.into(),
            title: "t".into(),
            ..Operation::default()
        };
        op.request_body.format = BodyFormat::Json;
        op.request_body.fields = vec![string("appid", appid_required), string("mchid", true)];
        op.response.format = BodyFormat::Json;
        if prepay_id {
            op.response.fields = vec![string("prepay_id", true)];
        }
        Page {
            source: format!("openapi{path}.md"),
            title: "t".into(),
            operations: vec![op],
            ..Page::default()
        }
    }

    fn launch(pages: &[Page]) -> (String, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let tree = Tree::build(pages, &mut diags);
        diags.clear();
        let s = launch_source(&tree, &mut diags);
        (s, diags)
    }

    const HELPER: &str = "pub async fn jsapi_prepay_with_request_payment";

    #[test]
    fn helpers_only_when_both_prepay_operations_fit() {
        let jsapi = "/v3/pay/transactions/jsapi";
        let app = "/v3/pay/transactions/app";
        let (s, d) = launch(&[page(jsapi, true, true), page(app, true, true)]);
        assert!(s.contains(HELPER) && s.contains("pub use wechatpay_runtime::"));
        assert!(d.is_empty(), "{d:?}");

        // `appid` made optional on one page: no helpers, a diagnostic naming that page.
        let (s, d) = launch(&[page(jsapi, true, true), page(app, false, true)]);
        assert!(!s.contains(HELPER) && s.contains("pub use wechatpay_runtime::"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].file, "openapi/v3/pay/transactions/app.md");
        assert!(d[0].message.contains("appid"), "{}", d[0].message);

        // No `prepay_id` in the answer; an operation missing.
        let (s, d) = launch(&[page(jsapi, true, false)]);
        assert!(!s.contains(HELPER));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().any(|d| d.message.contains("prepay_id")));
        assert!(d.iter().any(|d| d
            .message
            .contains("`POST /v3/pay/transactions/app` is not documented")));

        // No `pay` group at all (a partial corpus): no helpers, nothing to report.
        let (s, d) = launch(&[page("/v3/other/thing", true, true)]);
        assert!(!s.contains(HELPER));
        assert!(d.is_empty(), "{d:?}");
    }
}
