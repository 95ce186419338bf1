//! The counts printed in the README match the committed `spec/index.json` (and so the generator's last
//! run; `codegen --check` keeps that file current).

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bold number in the README table row whose label starts with `label`.
fn readme_number(readme: &str, label: &str) -> u64 {
    let line = readme
        .lines()
        .find(|l| l.starts_with(&format!("| {label}")))
        .unwrap_or_else(|| panic!("README has no table row starting with `| {label}`"));
    let cell = line
        .trim_end_matches('|')
        .rsplit('|')
        .next()
        .unwrap_or("")
        .trim();
    cell.trim_matches('*')
        .parse()
        .unwrap_or_else(|_| panic!("README row `{line}` does not end with a **number**"))
}

#[test]
fn readme_counts_match_spec_index() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md is readable");
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("spec/index.json"))
            .expect("spec/index.json is readable"),
    )
    .expect("spec/index.json is JSON");
    let counts = &index["counts"];
    let n = |k: &str| {
        counts[k]
            .as_u64()
            .unwrap_or_else(|| panic!("spec/index.json has no counts.{k}"))
    };
    assert_eq!(
        readme_number(&readme, "APIv3 operations"),
        n("v3_operations")
    );
    assert_eq!(
        readme_number(&readme, "APIv2 operations"),
        n("v2_operations")
    );
    assert_eq!(
        readme_number(&readme, "APIv3 notification pages"),
        n("v3_notification_pages")
    );
    assert_eq!(
        readme_number(&readme, "APIv2 notification pages"),
        n("v2_notification_pages")
    );
    assert_eq!(readme_number(&readme, "parser warnings"), n("warnings"));
    assert_eq!(readme_number(&readme, "parser errors"), n("errors"));
    let pages = n("pages");
    let stubs = n("redirect_stubs");
    assert!(
        readme.contains(&format!("**{pages}** API and notification pages")),
        "README page count differs from {pages}"
    );
    assert!(
        readme.contains(&format!("**{stubs}** redirect stubs")),
        "README stub count differs from {stubs}"
    );
    assert!(
        readme.contains(&format!("**{}** pages", pages + stubs)),
        "README total differs from {}",
        pages + stubs
    );
    assert_eq!(n("failed_pages"), 0, "every page must parse");
    assert!(readme.contains("**0** pages failing"));
}
