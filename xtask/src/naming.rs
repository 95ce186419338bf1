//! One place that turns wire names into Rust identifiers (the rule is documented in the README).
//!
//! * modules and fields: `snake_case` (heck); path segments `{name}` become `by_name`;
//! * types and enum variants: `UpperCamelCase`;
//! * characters that cannot appear in an identifier become `_`; a leading digit gets a prefix
//!   (`_` for snake case, `V` for camel case); keywords become raw identifiers (`r#type`), or get a `_`
//!   suffix where raw identifiers are not allowed (`self`, `super`, `crate`, `Self`).

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// A `snake_case` identifier for a field, function or module (may be a raw identifier `r#type`).
pub fn snake(s: &str) -> String {
    let mut out = clean(s).to_snake_case();
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    keyword_safe(out)
}

/// An `UpperCamelCase` identifier for a type or enum variant.
pub fn camel(s: &str) -> String {
    let mut out = clean(s).to_upper_camel_case();
    if out.is_empty() {
        out = "Empty".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    keyword_safe(out)
}

fn keyword_safe(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The module name of one URL path segment: `product-coupons` → `product_coupons`, `{id}` → `by_id`.
pub fn path_segment(seg: &str) -> String {
    match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(param) => format!("by_{}", clean(param).to_snake_case()),
        None => snake(seg),
    }
}

/// The module path of an operation path: `/v3/pay/transactions/id/{transaction_id}` →
/// `["v3", "pay", "transactions", "id", "by_transaction_id"]` (a trailing `/` adds nothing).
pub fn module_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(path_segment)
        .collect()
}

/// The Cargo feature of an operation: its business group, the first segment after `/v3/`, snake-cased.
pub fn feature(path: &str) -> String {
    module_path(path)
        .get(1)
        .cloned()
        .unwrap_or_else(|| "core".into())
        .trim_start_matches("r#")
        .to_string()
}

/// An identifier as a file name (`r#return` → `return`).
pub fn file_stem(ident: &str) -> &str {
    ident.trim_start_matches("r#")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("out_trade_no"), "out_trade_no");
        assert_eq!(snake("Wechatpay-Serial"), "wechatpay_serial");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("refund_id_$n"), "refund_id_n");
        assert_eq!(snake("3rd"), "_3rd");
        assert_eq!(camel("PARKING SPACE"), "ParkingSpace");
        assert_eq!(camel("20X"), "V20x");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(camel(""), "Empty");
    }

    #[test]
    fn modules_and_features() {
        assert_eq!(
            module_path("/v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}"),
            [
                "v3",
                "marketing",
                "partner",
                "product_coupon",
                "product_coupons",
                "by_product_coupon_id"
            ]
        );
        assert_eq!(
            module_path("/v3/ecommerce/applyments/"),
            ["v3", "ecommerce", "applyments"]
        );
        assert_eq!(module_path("/v3/x/return"), ["v3", "x", "r#return"]);
        assert_eq!(
            feature("/v3/new-tax-control-fapiao/x"),
            "new_tax_control_fapiao"
        );
        assert_eq!(file_stem("r#return"), "return");
    }
}
