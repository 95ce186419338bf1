//! Description cells: inline markdown reduced to plain text, and the facts written in prose —
//! enumerations (`` `A` \| `B` 枚举值之一``, `` `A` 枚举值``, `枚举值：<br/>`A`：…`), fixed values
//! (`` 固定值`x` ``) and length hints (`最长32字符`).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// What a description cell says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    /// Plain text; `<br/>` becomes a newline. The short enumeration clause is left out (it is in `enums`).
    pub text: String,
    pub enums: Option<Vec<String>>,
    pub constant: Option<String>,
    pub max_length: Option<u32>,
}

/// Reads a description cell (with `\|` already unescaped to `|`).
pub fn describe(raw: &str) -> Described {
    let segments = split_br(raw);
    let mut enums: Option<Vec<String>> = None;
    let mut kept: Vec<&str> = Vec::new();
    let mut listing: Option<bool> = None;
    let mut listed: Vec<String> = Vec::new();
    for seg in &segments {
        let t = seg.trim();
        if enums.is_none() {
            if let Some((prose, values)) = short_enum(t) {
                enums = Some(values);
                if !prose.is_empty() {
                    kept.push(prose);
                }
                continue;
            }
        }
        if let Some(strict) = listing {
            match listed_value(t, strict) {
                Some(v) => listed.push(v),
                None => listing = None,
            }
        }
        if t.ends_with("枚举值：") || t.ends_with("枚举值:") || t == "枚举值" {
            listing = Some(false);
        } else if listing.is_none() && listed.is_empty() && (t.ends_with('：') || t.ends_with(':'))
        {
            // `交易状态：<br/>`A`：…` — a listing without the word 枚举值 needs backticked values.
            listing = Some(true);
        }
        kept.push(seg);
    }
    if enums.is_none() && listed.len() >= 2 {
        enums = Some(listed);
    }
    let text = kept
        .iter()
        .map(|s| inline_text(s))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    Described {
        constant: constant(raw),
        max_length: max_length(raw),
        text,
        enums,
    }
}

/// Splits on `<br/>`, `<br />` and `<br>`.
fn split_br(raw: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = raw;
    loop {
        let found = ["<br/>", "<br />", "<br>"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        match found {
            Some((i, len)) => {
                out.push(&rest[..i]);
                rest = &rest[i + len..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}

/// `` `A` | `B` 枚举值之一`` or `` `A` 枚举值`` (the whole segment).
fn short_enum(seg: &str) -> Option<(&str, Vec<String>)> {
    if let Some((prose, rest)) = seg.split_once("固定枚举值") {
        // `固定枚举值`X``: one fixed value.
        let value = rest.trim_start().strip_prefix('`')?.split('`').next()?;
        return Some((prose.trim_end(), vec![value.to_string()]));
    }
    let body = seg
        .strip_suffix("枚举值之一")
        .or_else(|| seg.strip_suffix("枚举值"))
        .or_else(|| seg.strip_suffix("枚举值之一。"))
        .or_else(|| seg.strip_suffix("枚举值。"))?
        .trim_end();
    // Backticked values separated by `|` and/or spaces, after prose without code spans.
    let start = body.find('`')?;
    let values = value_list(&body[start..])?;
    Some((body[..start].trim_end(), values))
}

/// `` `A` | `B` `C` `` → the values; `None` when anything else is in between.
fn value_list(text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '|');
        if rest.is_empty() {
            break;
        }
        let inner = rest.strip_prefix('`')?;
        let end = inner.find('`')?;
        values.push(inner[..end].to_string());
        rest = &inner[end + 1..];
    }
    (!values.is_empty()).then_some(values)
}

/// A line of an `枚举值：` listing: `` `A`：meaning`` or `A：meaning`.
fn listed_value(seg: &str, strict: bool) -> Option<String> {
    let (head, _) = seg.split_once('：').or_else(|| seg.split_once(':'))?;
    let head = head.trim();
    let quoted = head.strip_prefix('`').and_then(|h| h.strip_suffix('`'));
    if strict && quoted.is_none() {
        return None;
    }
    let v = quoted.unwrap_or(head);
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    ok.then(|| v.to_string())
}

/// `` 固定值`x` ``.
fn constant(raw: &str) -> Option<String> {
    let rest = raw
        .split_once("固定值")
        .or_else(|| raw.split_once("固定填"))?
        .1
        .trim_start();
    let rest = rest.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

/// `最长32字符` (also in a tooltip).
pub fn max_length(raw: &str) -> Option<u32> {
    let rest = raw.split_once("最长")?.1.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let after = rest[digits.len()..].trim_start();
    if digits.is_empty() || !(after.starts_with("字符") || after.starts_with("个字符")) {
        return None;
    }
    digits.parse().ok()
}

/// Inline markdown to plain text: code spans keep their content, links keep their text, HTML tags go.
pub fn inline_text(md: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(md) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Html(h) | Event::InlineHtml(h) if h.trim_start().starts_with("<br") => {
                out.push('\n')
            }
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_)) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_one_of() {
        let d = describe("指定支付方式<br/>`no_balance` | `no_credit` 枚举值之一");
        assert_eq!(d.text, "指定支付方式");
        assert_eq!(d.enums, Some(vec!["no_balance".into(), "no_credit".into()]));
    }

    #[test]
    fn enum_single_value_with_space() {
        let d = describe("交易场景<br/>`PARKING SPACE` 枚举值");
        assert_eq!(d.enums, Some(vec!["PARKING SPACE".into()]));
    }

    #[test]
    fn enum_listing() {
        let d = describe(
            "交易状态，枚举值：<br/>`SUCCESS`：支付成功<br/>REFUND：转入退款<br/>其它说明",
        );
        assert_eq!(d.enums, Some(vec!["SUCCESS".into(), "REFUND".into()]));
        assert!(d.text.contains("SUCCESS：支付成功"));
    }

    #[test]
    fn enum_separated_by_spaces() {
        let d = describe("`HTTP`状态码<br/>`20X` `4XX` `5XX` 枚举值之一");
        assert_eq!(
            d.enums,
            Some(vec!["20X".into(), "4XX".into(), "5XX".into()])
        );
        assert_eq!(describe("`A` 和 `B` 枚举值").enums, None);
    }

    #[test]
    fn enum_listing_without_the_word() {
        let d = describe("交易状态：<br/>`SUCCESS`：支付成功 <br/>`ACCEPT`：已接收");
        assert_eq!(d.enums, Some(vec!["SUCCESS".into(), "ACCEPT".into()]));
        assert_eq!(describe("说明：<br/>注意：不要重复").enums, None);
    }

    #[test]
    fn enum_after_prose_and_fixed_enum() {
        let d = describe("x<br/>充值渠道 `BANK_TRANSFER` | `ONLINE_BANK` 枚举值之一");
        assert_eq!(
            d.enums,
            Some(vec!["BANK_TRANSFER".into(), "ONLINE_BANK".into()])
        );
        assert_eq!(d.text, "x\n充值渠道");
        assert_eq!(
            describe("文件摘要算法 `DIGEST_ALGORITHM_SM3`枚举值").enums,
            Some(vec!["DIGEST_ALGORITHM_SM3".into()])
        );
        assert_eq!(
            describe("签名类型<br/>固定枚举值`HMAC-SHA256`").enums,
            Some(vec!["HMAC-SHA256".into()])
        );
        assert_eq!(
            describe("范围<br/>枚举值<br/>`GLOBAL`：全局<br/>`SINGLE`：单个").enums,
            Some(vec!["GLOBAL".into(), "SINGLE".into()])
        );
    }

    #[test]
    fn not_an_enum() {
        let d = describe("使用时请留意该值为处罚方法的文本内容，并非枚举值。");
        assert_eq!(d.enums, None);
    }

    #[test]
    fn constant_and_length() {
        let d = describe("声明接入点<br/>固定值`https://payapp.weixin.qq.com/`");
        assert_eq!(d.constant.as_deref(), Some("https://payapp.weixin.qq.com/"));
        assert_eq!(max_length("最长32字符"), Some(32));
        assert_eq!(max_length("最长 8 个字符"), Some(8));
        assert_eq!(max_length("最长时间"), None);
    }

    #[test]
    fn inline_markup() {
        assert_eq!(
            inline_text("声明请求的`JSON`数据结构"),
            "声明请求的JSON数据结构"
        );
        assert_eq!(inline_text("见[文档](/x)**重要**"), "见文档重要");
    }
}
