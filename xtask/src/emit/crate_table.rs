//! Which crate compiles which business group: the declared table (async-stripe's `gen_crates.toml` idea).
//!
//! A business group is the first path segment after `/v3/`, spelled as its Cargo feature
//! (`/v3/new-tax-control-fapiao/…` → `new_tax_control_fapiao`). Every group belongs to exactly one crate
//! below; the `wechatpay` facade re-exports them all as `wechatpay::v3::<group>`, so moving a group
//! between crates changes no public path. A group missing from the table (a new business group in a docs
//! update) is compiled in [`OTHER`] and reported as a diagnostic; add it to the crate of its domain.
//!
//! Sizes (generated lines at the current docs snapshot, see the README): keep each crate at or under ~45k lines. `marketing` (~38k) has a
//! crate to itself: sharing one with it made that crate's debug build peak above 4 GiB. The others are
//! grouped by domain and balanced by size (rustc builds the crates in parallel; the largest one is the
//! tail of a `--features full` build).

/// One generated operation crate.
#[derive(Debug)]
pub struct CrateDef {
    /// Package name, e.g. `wechatpay-payments`; the folder is `generated/parts/<name without wechatpay->`.
    pub name: &'static str,
    /// What it holds (its manifest's description).
    pub about: &'static str,
    /// Its business groups (feature names).
    pub groups: &'static [&'static str],
}

/// The operation crates in the order they are listed (manifests, `OPERATIONS.md`).
pub const CRATES: &[CrateDef] = &[
    CrateDef {
        name: "wechatpay-payments",
        about: "payments: ordering, refunds, bills, profit sharing, cross-border",
        groups: &[
            "pay",
            "transactions",
            "combine_transactions",
            "refund",
            "refunds",
            "bill",
            "billdownload",
            "statements",
            "certificates",
            "security",
            "profitsharing",
            "transaction_block",
            "customs",
            "global",
            "funds_to_oversea",
        ],
    },
    CrateDef {
        name: "wechatpay-marketing",
        about: "marketing: coupons, vouchers, member cards, campaigns",
        groups: &["marketing"],
    },
    CrateDef {
        name: "wechatpay-deductions",
        about: "pay after service and entrusted deductions: payscore, papay contracts, industry deduction schemes",
        groups: &[
            "payscore",
            "papay",
            "partner_papay",
            "edu_papay",
            "password_exempt_contract",
            "vehicle",
            "eduschoolpay",
            "qrcode",
            "discount_card",
            "credit_repayment",
            "repayment",
            "offlineface",
            "offlinefacemch",
            "inspolicymgr",
            "hire_power_bank",
            "ebike",
            "multiuse",
        ],
    },
    CrateDef {
        name: "wechatpay-partners",
        about: "service providers, platforms and merchant management: e-commerce, platform solutions, onboarding, complaints, risk",
        groups: &[
            "ecommerce",
            "platsolution",
            "applyment4sub",
            "apply4sub",
            "apply4subject",
            "mchalterapply",
            "merchant",
            "merchants",
            "merchant_service",
            "merchant_risk_manage",
            "mch_manage",
            "mch_operate",
            "mch_operation_manage",
            "merchant_store",
            "merchant_settlement",
            "compliance",
            "realname",
            "settle",
            "capital",
            "aggracct_bc",
            "webizpay",
            "brand_basic",
            "abnormal_fund_processing",
            "goldplan",
        ],
    },
    CrateDef {
        name: "wechatpay-funds",
        about: "money movement: transfers, bank transfers, fund apps, payroll cards, recharge",
        groups: &[
            "transfer",
            "partner_transfer",
            "bank_transfer",
            "bank_batch_transfer",
            "transfer_detail",
            "transferdownload",
            "fund_app",
            "merchantfund",
            "payroll_card",
            "recharge",
        ],
    },
    CrateDef {
        name: "wechatpay-industry",
        about: "industry solutions: government subsidies, e-invoices, transport, education, healthcare, devices, brands",
        groups: &[
            "gov",
            "new_tax_control_fapiao",
            "taxi_invoice",
            "facemch",
            "edu_star",
            "med_ins",
            "pay_devices",
            "iotmanage",
            "palmservice",
            "smartguide",
            "catering",
            "lovefeast",
            "express",
            "industry_coupon",
            "industry_rebate",
            "rate_activity",
            "businesscircle",
            "brand",
        ],
    },
];

/// The home of business groups the table does not list (each reported as a diagnostic).
pub const OTHER: CrateDef = CrateDef {
    name: "wechatpay-other",
    about: "business groups not yet assigned to a crate in xtask/src/emit/crate_table.rs",
    groups: &[],
};

/// The crate of a business group, and whether the table lists it.
pub fn crate_of(group: &str) -> (&'static CrateDef, bool) {
    CRATES
        .iter()
        .find(|c| c.groups.contains(&group))
        .map_or((&OTHER, false), |c| (c, true))
}

impl CrateDef {
    /// The folder under `generated/`, e.g. `parts/payments`.
    pub fn dir(&self) -> String {
        format!(
            "parts/{}",
            self.name.strip_prefix("wechatpay-").unwrap_or(self.name)
        )
    }

    /// The crate name in Rust paths, e.g. `wechatpay_payments`.
    pub fn rust_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_group_has_one_crate_and_names_are_unique() {
        let mut groups = BTreeSet::new();
        let mut names = BTreeSet::new();
        for c in CRATES.iter().chain([&OTHER]) {
            assert!(names.insert(c.name), "crate `{}` listed twice", c.name);
            assert!(c.name.starts_with("wechatpay-"), "{}", c.name);
            for g in c.groups {
                assert!(groups.insert(*g), "group `{g}` is in two crates");
                assert_eq!(crate::naming::snake(g), *g, "`{g}` is not a feature name");
            }
        }
        assert_eq!(crate_of("pay").0.name, "wechatpay-payments");
        assert_eq!(crate_of("no_such_group").0.name, "wechatpay-other");
        assert!(!crate_of("no_such_group").1);
        assert_eq!(OTHER.dir(), "parts/other");
    }
}
