//! Property tests: `xtask::docs::parse_page` never panics and returns promptly, whatever the input.
//!
//! * arbitrary strings and byte soup;
//! * pages built from a grammar of doc-like fragments (front matter, method headings, `{.im-table}` tables
//!   with random cells and attributes, rule rows, single-cell rows, markers, code fences, unterminated
//!   braces and quotes, unicode);
//! * random mutations (deletions, insertions, line shuffles, truncation) of real corpus pages, when the
//!   corpus is present.
//!
//! The case count is proptest's default (256) unless `PROPTEST_CASES` is set, e.g.
//! `PROPTEST_CASES=200000 cargo test -p xtask --release --test never_panics`.

mod common;

use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use xtask::diag::Diagnostics;
use xtask::docs::{self, Parsed};

/// Far more than any page needs (the whole corpus parses in well under this); a parse that takes longer
/// is a performance bug (e.g. quadratic behaviour on some input shape).
const LIMIT: Duration = Duration::from_secs(5);

/// Parses `src` as the page `rel` and checks the result is sane.
fn check(rel: &str, src: &str) {
    let start = Instant::now();
    let mut diags = Diagnostics::new(rel);
    let parsed = docs::parse_page(rel, src, &mut diags);
    let elapsed = start.elapsed();
    assert!(
        elapsed < LIMIT,
        "parse of {} bytes took {elapsed:?}",
        src.len()
    );
    if let Some(Parsed::Page(page)) = &parsed {
        // The page must serialise (what codegen writes) and every diagnostic must point into the page.
        let json = xtask::corpus::page_json(page);
        assert!(json.ends_with('\n'));
        assert_eq!(page.source, rel);
    }
    let lines = src.lines().count().max(1);
    for d in diags.items() {
        assert!(
            d.line >= 1 && d.line <= lines + 1,
            "diagnostic line {} outside a {lines}-line page: {d}",
            d.line
        );
        assert_eq!(d.file, rel);
    }
    if docs::Kind::of(rel).is_none() {
        assert!(
            parsed.is_none(),
            "a page outside the API folders is not read"
        );
    }
}

/// Page paths: the four API folders, templated segments, `index.md`, and a few outside paths.
fn rel_path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("openapi/v3/fuzz/page.md".to_string()),
        Just("openapi/v2/fuzz/page.md".to_string()),
        Just("webhook/v3/FUZZ.EVENT.md".to_string()),
        Just("webhook/v2/fuzz-event.md".to_string()),
        Just("openapi/v3/fuzz/{a_id}/items/{b_id}.md".to_string()),
        Just("openapi/v3/fuzz/{unterminated.md".to_string()),
        Just("openapi/v3/fuzz/index.md".to_string()),
        Just("openapi/v3/{}.md".to_string()),
        Just("guide/not-an-api.md".to_string()),
        "(openapi|webhook)/v[23]/[a-z{}_/.]{0,20}(\\.md)?",
    ]
}

// ------------------------------------------------------------------------------------------------
// Grammar of doc-like fragments
// ------------------------------------------------------------------------------------------------

/// Small pieces of text that the parser treats specially, plus noise.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_]{1,12}",
        1 => "[A-Za-z0-9_.\\-]{0,8}",
        1 => "\\PC{0,12}",
        1 => prop::sample::select(vec![
            "json", "xml", "body", "query", "headers", "base_uri", "security", "nonceless", "fragment", "timeout",
            "meta", "file", "status", "event_type", "ciphertext", "original_type", "resource", "a_id", "b_id",
            "{a_id}", "payer _total", "", " ", "{", "}", "\"", "|", "\\|", "`", "<br/>", "{{ $frontmatter.title }}",
        ])
        .prop_map(str::to_string),
    ]
}

/// The value of `data-indent`: small, huge, negative, non-numeric, empty, quoted, unterminated.
fn indent_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u8..7).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u128>().prop_map(|n| n.to_string()),
        1 => Just("99999999999999999999999999999999".to_string()),
        1 => Just("-1".to_string()),
        1 => "[a-z]{0,3}",
        1 => Just(String::new()),
        1 => Just("\"2\"".to_string()),
        1 => Just("\"3".to_string()),
    ]
}

/// A name cell: `name {data-required data-indent=N}` and broken variants.
fn name_cell() -> impl Strategy<Value = String> {
    (
        word(),
        any::<bool>(),
        prop::option::of(indent_value()),
        0u8..6,
    )
        .prop_map(|(name, req, indent, shape)| {
            let mut attrs = Vec::new();
            if req {
                attrs.push("data-required".to_string());
            }
            if let Some(n) = indent {
                attrs.push(format!("data-indent={n}"));
            }
            match shape {
                0 => name,
                1 => format!("{name} {{{}", attrs.join(" ")),
                2 => format!("{name} {{data-indent=\"{}}}", attrs.join(" ")),
                _ if attrs.is_empty() => name,
                _ => format!("{name} {{{}}}", attrs.join(" ")),
            }
        })
}

/// A type cell: known and unknown types, arrays, and type-cell attributes.
fn type_cell() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        8 => prop::sample::select(vec![
            "string", "integer", "number", "boolean", "object", "string[]", "integer[]", "number[]", "object[]",
            "boolean[]", "`true`", "true", "float", "datetime", "", "[]", "object[][]",
        ])
        .prop_map(str::to_string),
        1 => word(),
    ];
    let attr = prop::sample::select(vec![
        "data-required",
        "data-tooltip=\"对应PHP的array\"",
        "data-tooltip=微信支付公钥/平台证书加密后的BASE64字符串 data-encrypted=by-rsa-pubkey",
        "data-tooltip=商户API证书对应的公钥加密后的BASE64字符串 data-encrypted=by-rsa-pubkey",
        "data-tooltip=付款到银行卡 data-encrypted=by-rsa-pubkey",
        "data-tooltip=APIv3密钥加密后的BASE64字符串 data-encrypted=by-aes-gcm",
        "data-encrypted=by-aes-ecb",
        "data-encrypted=by-nothing",
        "data-encrypted",
        "data-encoded=by-json_encode",
        "data-encoded=by-urlencode",
        "data-encoded=by-x",
        "data-encoded-by=json_encode",
        "data-signed=by-rsa-privatekey",
        "data-tooltip=\"最长32字符\"",
        "data-tooltip=\"最长99999999999999999999字符\"",
        "data-tooltip=\"unterminated",
        "data-tooltip=\"a {b} c\"",
    ]);
    (base, prop::collection::vec(attr, 0..3), any::<bool>()).prop_map(|(base, attrs, close)| {
        if attrs.is_empty() {
            base
        } else {
            format!(
                "{base} {{{}{}",
                attrs.join(" "),
                if close { "}" } else { "" }
            )
        }
    })
}

/// A description cell: prose with enums, fixed values, lengths, `\|`, `<br/>`, backticks.
fn desc_cell() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => word(),
        1 => Just("<br/>".to_string()),
        1 => Just("<br />".to_string()),
        1 => Just("`A` \\| `B` 枚举值之一".to_string()),
        1 => Just("`A` `B` 枚举值之一".to_string()),
        1 => Just("`ONE VALUE` 枚举值".to_string()),
        1 => Just("枚举值：<br/>`A`：甲<br/>B：乙<br/>".to_string()),
        1 => Just("状态：<br/>`X`：一<br/>`Y`：二".to_string()),
        1 => Just("枚举值".to_string()),
        1 => Just("枚举值之一".to_string()),
        1 => Just("固定值`https://example.com/`".to_string()),
        1 => Just("固定值`".to_string()),
        1 => Just("固定填".to_string()),
        1 => Just("最长32字符".to_string()),
        1 => Just("最长".to_string()),
        1 => Just("最长18446744073709551616字符".to_string()),
        1 => Just("`".to_string()),
        1 => Just("\\|".to_string()),
        1 => Just("[链接](https://example.com)".to_string()),
        1 => Just("声明接入点`https://apihk.mch.weixin.qq.com/`(香港接入)".to_string()),
        1 => Just("XML".to_string()),
        1 => Just("<b>".to_string()),
        1 => Just("*".to_string()),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.join(""))
}

/// One table row.
fn table_row() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (name_cell(), type_cell(), desc_cell()).prop_map(|(n, t, d)| format!("| {n} | {t} | {d}")),
        2 => Just("| {colspan=3 .im-table-line}".to_string()),
        1 => Just("| x | {colspan=3 .im-table-line}".to_string()),
        1 => Just("| 空字符串(无返回内容) {align=center colspan=3}".to_string()),
        1 => Just("| 文件流(需解析) {align=center colspan=3}".to_string()),
        1 => Just("| `30x`跳转 {align=center colspan=3}".to_string()),
        1 => Just("| 奇怪的单元格".to_string()),
        1 => (name_cell(), type_cell()).prop_map(|(n, t)| format!("| {n} | {t}")),
        1 => (name_cell(), type_cell(), desc_cell(), name_cell(), type_cell(), desc_cell())
            .prop_map(|(a, b, c, d, e, f)| format!("| {a} | {b} | {c}| {d} | {e} | {f}")),
        1 => (name_cell(), desc_cell()).prop_map(|(n, d)| format!("| {n} | string | {d} | extra | cells")),
        1 => Just("|".to_string()),
        1 => Just("| | |".to_string()),
        1 => Just("| {.im-table #response}".to_string()),
        1 => "\\|[^\\n]{0,30}",
    ]
}

fn table() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        4 => Just("| 请求参数 | 类型 {.type} | 描述 {.desc}\n| --- | --- | ---".to_string()),
        2 => Just("| 返回字典 | 类型 {.type} | 描述 {.desc}\n| --- | --- | ---".to_string()),
        1 => Just("| 应答规范 | 类型 {.type} | 描述 {.desc}\n| -- | -- | --".to_string()),
        1 => Just("| a | b\n| --- | ---".to_string()),
    ];
    let marker = prop_oneof![
        3 => Just("\n\n{.im-table #request}".to_string()),
        3 => Just("\n\n{.im-table #response}".to_string()),
        1 => Just("\n{.im-table #request}".to_string()),
        1 => Just("\n\n{.im-table #junk}".to_string()),
        1 => Just("\n\n{.im-table".to_string()),
        1 => Just(String::new()),
    ];
    (header, prop::collection::vec(table_row(), 0..25), marker)
        .prop_map(|(h, rows, m)| format!("{h}\n{}{m}", rows.join("\n")))
}

fn heading() -> impl Strategy<Value = String> {
    let anchor = prop::sample::select(vec![
        "{#post}",
        "{#get}",
        "{#put}",
        "{#patch}",
        "{#delete}",
        "{#mix}",
        "{#junk}",
        "{#}",
        "{#post",
        "{.cls #get}",
        "",
    ]);
    (1usize..4, word(), anchor)
        .prop_map(|(level, title, anchor)| format!("{} {title} {anchor}", "#".repeat(level)))
}

fn front_matter() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("title: 标题".to_string()),
        Just("title: 'it''s'".to_string()),
        Just("title: \"unterminated".to_string()),
        Just("description: >".to_string()),
        Just("  folded line".to_string()),
        Just("description: |-".to_string()),
        Just("head:".to_string()),
        Just("  - - meta".to_string()),
        Just("    - http-equiv: refresh".to_string()),
        Just("      content: 0;url=/openapi/v3/elsewhere".to_string()),
        Just("      content: \"".to_string()),
        Just(":".to_string()),
        word().prop_map(|w| format!("{w}: {w}")),
    ];
    (prop::collection::vec(line, 0..8), any::<bool>()).prop_map(|(lines, close)| {
        format!(
            "---\n{}\n{}",
            lines.join("\n"),
            if close { "---\n" } else { "" }
        )
    })
}

fn block() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => table(),
        3 => heading(),
        2 => desc_cell(),
        1 => Just("{{ $frontmatter.description }}".to_string()),
        1 => Just("::: danger :no_entry_sign: {.im-deprecated}\n\n说明\n\n:::".to_string()),
        1 => Just("::: warning :beginner: {.im-redesigned}".to_string()),
        1 => Just("::: warning {.im-privated}{.im-discarded}".to_string()),
        1 => Just(":::".to_string()),
        1 => Just("```php [x]\n| json | object | in code\n```".to_string()),
        1 => Just("```".to_string()),
        1 => Just("参阅 [官方文档](https://example.com/a) [x](http".to_string()),
        1 => Just("{.im-table #request}".to_string()),
        1 => Just("---".to_string()),
        1 => Just("<!-- comment".to_string()),
        1 => "\\PC{0,40}",
    ]
}

/// A whole page: optional front matter, then blocks separated by blank lines (or not).
fn page() -> impl Strategy<Value = String> {
    (
        prop::option::of(front_matter()),
        prop::collection::vec(block(), 0..14),
        prop::sample::select(vec!["\n\n", "\n", "\r\n\r\n", "\n\n\n"]),
    )
        .prop_map(|(fm, blocks, sep)| format!("{}{}", fm.unwrap_or_default(), blocks.join(sep)))
}

// ------------------------------------------------------------------------------------------------
// Corpus mutations
// ------------------------------------------------------------------------------------------------

/// Every API page of the corpus (path, content), loaded once; empty when the corpus is absent.
fn corpus_pages() -> &'static [(String, String)] {
    static PAGES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    PAGES.get_or_init(|| {
        let Some(root) = common::corpus_dir() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for dir in xtask::corpus::API_DIRS {
            collect(&root, &root.join(dir), &mut out);
        }
        out.sort();
        out
    })
}

fn collect(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if let Ok(src) = std::fs::read_to_string(&path) {
                out.push((rel, src));
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Delete `len` bytes at a position (fraction of the length).
    Delete(f64, usize),
    /// Insert a fragment at a position.
    Insert(f64, String),
    /// Swap two lines.
    SwapLines(f64, f64),
    /// Duplicate a line.
    DuplicateLine(f64),
    /// Delete a line.
    DeleteLine(f64),
    /// Cut the page at a position.
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let frac = 0.0f64..1.0;
    let fragment = prop_oneof![
        Just("|".to_string()),
        Just("\\|".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\"".to_string()),
        Just("`".to_string()),
        Just("\n".to_string()),
        Just(" {data-indent=7}".to_string()),
        Just(" {data-indent=99999999999999999999}".to_string()),
        Just("\n| {colspan=3 .im-table-line}\n".to_string()),
        Just("\n# x {#mix}\n".to_string()),
        Just("\n## y {#get}\n".to_string()),
        Just("\n{.im-table #response}\n".to_string()),
        Just("\n---\n".to_string()),
        table_row().prop_map(|r| format!("\n{r}\n")),
        "\\PC{1,8}",
    ];
    prop_oneof![
        3 => (frac.clone(), 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        3 => (frac.clone(), fragment).prop_map(|(p, s)| Mutation::Insert(p, s)),
        2 => (frac.clone(), frac.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => frac.clone().prop_map(Mutation::DuplicateLine),
        2 => frac.clone().prop_map(Mutation::DeleteLine),
        1 => frac.prop_map(Mutation::Truncate),
    ]
}

fn at(len: usize, frac: f64) -> usize {
    ((len as f64 * frac) as usize).min(len)
}

/// Applies mutations on bytes (so they may split UTF-8 sequences), then reads the bytes lossily.
fn mutate(src: &str, mutations: &[Mutation]) -> String {
    let mut bytes = src.as_bytes().to_vec();
    for m in mutations {
        match m {
            Mutation::Delete(p, n) => {
                let i = at(bytes.len(), *p);
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Insert(p, s) => {
                let i = at(bytes.len(), *p);
                bytes.splice(i..i, s.bytes());
            }
            Mutation::SwapLines(..) | Mutation::DuplicateLine(_) | Mutation::DeleteLine(_) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let last = lines.len() - 1;
                match m {
                    Mutation::SwapLines(a, b) => lines.swap(at(last, *a), at(last, *b)),
                    Mutation::DuplicateLine(a) => {
                        let i = at(last, *a);
                        let l = lines[i].clone();
                        lines.insert(i, l);
                    }
                    Mutation::DeleteLine(a) => {
                        lines.remove(at(last, *a));
                    }
                    _ => unreachable!(),
                }
                bytes = lines.join(&b'\n');
            }
            Mutation::Truncate(p) => bytes.truncate(at(bytes.len(), *p)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #[test]
    fn arbitrary_strings(rel in rel_path(), src in any::<String>()) {
        check(&rel, &src);
    }

    #[test]
    fn arbitrary_bytes(rel in rel_path(), bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check(&rel, &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn doc_like_pages(rel in rel_path(), src in page()) {
        check(&rel, &src);
    }

    #[test]
    fn doc_like_tables_under_a_heading(rel in rel_path(), tables in prop::collection::vec(table(), 1..4)) {
        // Many cases reach the tree builder and the pseudo-row logic this way.
        let src = format!("---\ntitle: T\n---\n\n# {{{{ $frontmatter.title }}}} {{#post}}\n\n{}\n", tables.join("\n\n"));
        check(&rel, &src);
    }

    #[test]
    fn mutated_corpus_pages(pick in any::<prop::sample::Index>(), mutations in prop::collection::vec(mutation(), 1..8)) {
        let pages = corpus_pages();
        if pages.is_empty() {
            return Ok(());
        }
        let (rel, src) = &pages[pick.index(pages.len())];
        check(rel, &mutate(src, &mutations));
    }
}

/// A tiny deterministic PRNG (xorshift64*), so the truncation sweep needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Every corpus page, with every line cut at a random character boundary (`TRUNCATE_ROUNDS` rounds with
/// different cuts, default 1), parses without panicking.
#[test]
fn corpus_pages_with_every_line_truncated() {
    let pages = corpus_pages();
    if pages.is_empty() {
        return;
    }
    let rounds: u64 = std::env::var("TRUNCATE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..rounds {
        for (rel, src) in pages {
            let mut out = String::with_capacity(src.len());
            for line in src.lines() {
                let bounds: Vec<usize> = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([line.len()])
                    .collect();
                let cut = bounds[(rng.next() % bounds.len() as u64) as usize];
                out.push_str(&line[..cut]);
                out.push('\n');
            }
            let result = std::panic::catch_unwind(|| check(rel, &out));
            assert!(
                result.is_ok(),
                "round {round}: {rel} with truncated lines panicked"
            );
        }
    }
}

/// Sanity check of the harness: unmodified corpus pages all parse (as pages or redirect stubs).
#[test]
fn corpus_pages_parse_unmodified() {
    for (rel, src) in corpus_pages() {
        check(rel, src);
        let mut diags = Diagnostics::new(rel.as_str());
        assert!(docs::parse_page(rel, src, &mut diags).is_some(), "{rel}");
    }
}
