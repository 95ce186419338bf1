//! Trailing `{...}` attribute blocks (markdown-it-attrs syntax) as used in the docs:
//! `appid {data-required data-indent=1}`, `string {data-tooltip="…" data-encrypted=by-rsa-pubkey}`,
//! `{colspan=3 .im-table-line}`.

/// Parsed attributes of one cell or heading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    /// `.class` entries.
    pub classes: Vec<String>,
    /// `#id` entry.
    pub id: Option<String>,
    /// `key=value` and bare `key` entries (bare keys have an empty value), in order.
    pub pairs: Vec<(String, String)>,
}

impl Attrs {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == class)
    }
}

/// Splits `text {attrs}` into the text before the block and the parsed block.
///
/// Only a block that ends the text counts; braces elsewhere (`{银行名称}` in a description) are text.
/// Returns `None` for the attributes when there is no trailing block.
pub fn split_trailing(text: &str) -> (&str, Option<Attrs>) {
    let trimmed = text.trim_end();
    if !trimmed.ends_with('}') {
        return (trimmed.trim(), None);
    }
    // Find the `{` that opens the final block, skipping braces inside quoted values.
    let bytes = trimmed.as_bytes();
    let mut open = None;
    let mut in_quote = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quote = !in_quote,
            b'{' if !in_quote => open = Some(i),
            _ => {}
        }
    }
    let Some(open) = open else {
        return (trimmed.trim(), None);
    };
    let inner = &trimmed[open + 1..trimmed.len() - 1];
    // `{{ $frontmatter.title }}` is a template, not attributes.
    if inner.starts_with('{') || inner.trim_start().starts_with('$') {
        return (trimmed.trim(), None);
    }
    (trimmed[..open].trim(), Some(parse(inner)))
}

/// Parses the inside of an attribute block.
pub fn parse(inner: &str) -> Attrs {
    let mut attrs = Attrs::default();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let (token, tail) = next_token(rest);
        rest = tail.trim_start();
        if let Some(class) = token.strip_prefix('.') {
            attrs.classes.push(class.to_string());
        } else if let Some(id) = token.strip_prefix('#') {
            attrs.id = Some(id.to_string());
        } else if let Some((k, v)) = token.split_once('=') {
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            attrs.pairs.push((k.to_string(), v.to_string()));
        } else if !token.is_empty() {
            attrs.pairs.push((token.to_string(), String::new()));
        }
    }
    attrs
}

/// One whitespace-separated token; a quoted value may contain spaces.
fn next_token(s: &str) -> (&str, &str) {
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            c if c.is_whitespace() && !in_quote => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_cell() {
        let (name, attrs) = split_trailing("appid {data-required data-indent=1}");
        let attrs = attrs.unwrap();
        assert_eq!(name, "appid");
        assert!(attrs.has("data-required"));
        assert_eq!(attrs.get("data-indent"), Some("1"));
    }

    #[test]
    fn quoted_value_with_space_and_brace() {
        let (ty, attrs) =
            split_trailing(r#"string {data-tooltip="a {b} c" data-encrypted=by-aes-gcm}"#);
        let attrs = attrs.unwrap();
        assert_eq!(ty, "string");
        assert_eq!(attrs.get("data-tooltip"), Some("a {b} c"));
        assert_eq!(attrs.get("data-encrypted"), Some("by-aes-gcm"));
    }

    #[test]
    fn classes_and_id() {
        let (text, attrs) = split_trailing("{colspan=3 .im-table-line}");
        let attrs = attrs.unwrap();
        assert_eq!(text, "");
        assert!(attrs.has_class("im-table-line"));
        let (_, attrs) = split_trailing("{.im-table #request}");
        assert_eq!(attrs.unwrap().id.as_deref(), Some("request"));
    }

    #[test]
    fn braces_inside_text_are_not_attributes() {
        assert_eq!(split_trailing("{银行名称}{卡类型}x").1, None);
        assert_eq!(split_trailing("# {{ $frontmatter.title }}").1, None);
    }
}
