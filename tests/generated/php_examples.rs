//! The PHP request examples of the documentation, turned into JSON, fit the generated request types and
//! come back unchanged from a round trip through them. Needs the docs corpus (`$WECHATPAY_DOCS` or
//! `../shared/docs/wechatpay.im-2026-06-21`); skips plainly without it.

#[path = "common.rs"]
mod common;
#[path = "../support/missing.rs"]
mod missing;
use common::{root, spec_files};
#[path = "php.rs"]
mod php;
use php::{docs_dir, example_args};

use serde_json::Value;

/// Example keys that are slips in the docs' examples, not in the tables: (path, key).
const KNOWN_EXAMPLE_SLIPS: &[(&str, &str)] = &[
    // The example passes `transaction_id`, a parameter of the sibling page `…/id/{transaction_id}`.
    ("/v3/global/papay/transactions/out-trade-no/{out_trade_no}", "transaction_id"),
    // `use_id` for `user_id`; the table and the URL say `user_id`.
    ("/v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract", "use_id"),
];

#[test]
fn php_request_examples_round_trip_through_the_request_types() {
    let docs = docs_dir();
    if !docs.is_dir() {
        missing::missing_input(
            &format!("docs corpus not found at {}", docs.display()),
            "put ../shared/docs beside the repository or set WECHATPAY_DOCS",
        );
        return;
    }
    let mut files = Vec::new();
    spec_files(&root().join("spec/openapi/v3"), &mut files);
    files.sort();
    let ops = wechatpay::operations();
    let (mut with_example, mut body_checked, mut unusable) = (0, 0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("readable")).expect("JSON");
        let source = spec["source"].as_str().expect("source");
        let Ok(page) = std::fs::read_to_string(docs.join(source)) else {
            continue;
        };
        for op in spec["operations"].as_array().into_iter().flatten() {
            let method = op["method"].as_str().expect("method");
            let path = op["path"].as_str().expect("path");
            let Some(args) = example_args(&page, method) else {
                continue;
            };
            with_example += 1;
            let args = match args {
                Ok(Value::Object(m)) => m,
                _ => {
                    unusable += 1;
                    continue;
                }
            };
            let info = ops
                .iter()
                .find(|o| o.method == method && o.path == path)
                .expect("operation is generated");
            for (k, v) in &args {
                match k.as_str() {
                    "json" => match info.check_request {
                        Some(check) => {
                            body_checked += 1;
                            match check(v) {
                                Ok(back) if &back == v => {}
                                Ok(back) => failures.push(format!("{method} {path}: round trip differs:\n  example: {v}\n  back:    {back}")),
                                Err(e) => failures.push(format!("{method} {path}: example does not fit the request type {e}")),
                            }
                        }
                        None => failures.push(format!(
                            "{method} {path}: example has a JSON body but the operation has none"
                        )),
                    },
                    "query" => {
                        for q in v.as_object().into_iter().flat_map(|m| m.keys()) {
                            // A `{name}` the docs list only under `query` is a path parameter (see
                            // spec/DIAGNOSTICS.md, `path-param-in-query`).
                            if !info.query.contains(&q.as_str())
                                && !info.path_params.contains(&q.as_str())
                            {
                                failures.push(format!(
                                    "{method} {path}: example query `{q}` is not a query parameter"
                                ));
                            }
                        }
                    }
                    // Pseudo keys and options of the PHP client (`sink`: save the download to a
                    // file; `handler`: a Guzzle handler stack).
                    "headers" | "body" | "base_uri" | "security" | "nonceless" | "xml" | "sink"
                    | "handler" => {}
                    param => {
                        if !info.path_params.contains(&param)
                            && !KNOWN_EXAMPLE_SLIPS.contains(&(path, param))
                        {
                            failures.push(format!("{method} {path}: example parameter `{param}` is not a path parameter"));
                        }
                    }
                }
            }
        }
    }
    println!("PHP examples: {with_example} operations have one, {body_checked} JSON bodies checked, {unusable} not literal (skipped), {} failures", failures.len());
    assert!(with_example > 900, "only {with_example} examples found");
    assert!(
        failures.is_empty(),
        "{} examples do not fit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
