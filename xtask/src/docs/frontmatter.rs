//! The YAML front matter of a page, read just far enough for what the generator needs: `title`,
//! `description` and whether the page is a redirect stub (`http-equiv: refresh`).

/// What the generator reads from the front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: String,
    pub description: String,
    /// `Some(target)` when the page is a redirect stub.
    pub redirect_to: Option<String>,
}

/// Reads the top-level scalar keys of a front-matter block (the text between the `---` lines).
///
/// Nested keys are looked at only for the redirect marker. Quoted scalars are unquoted; folded or literal
/// block scalars (`>` / `|`) are joined line by line.
pub fn parse(block: &str) -> FrontMatter {
    let mut fm = FrontMatter::default();
    let lines: Vec<&str> = block.lines().collect();
    let mut i = 0;
    let mut refresh = false;
    let mut content = None;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let trimmed = line.trim_start().trim_start_matches("- ").trim_start();
        if trimmed.starts_with("http-equiv:") && trimmed.contains("refresh") {
            refresh = true;
        }
        if let Some(v) = trimmed.strip_prefix("content:") {
            content = Some(unquote(v.trim()));
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let value = if value == ">" || value == "|" || value == ">-" || value == "|-" {
            let mut parts = Vec::new();
            while i < lines.len() && (lines[i].starts_with(' ') || lines[i].is_empty()) {
                parts.push(lines[i].trim());
                i += 1;
            }
            let sep = if value.starts_with('>') { " " } else { "\n" };
            parts.join(sep).trim().to_string()
        } else {
            unquote(value)
        };
        match key.trim() {
            "title" => fm.title = value,
            "description" => fm.description = value,
            _ => {}
        }
    }
    if refresh {
        let target = content
            .as_deref()
            .and_then(|c| c.split_once("url=").map(|(_, u)| u.to_string()))
            .unwrap_or_default();
        fm.redirect_to = Some(target);
    }
    fm
}

fn unquote(v: &str) -> String {
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        let inner = &v[1..v.len() - 1];
        if v.starts_with('\'') {
            inner.replace("''", "'")
        } else {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        }
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_description() {
        let fm = parse("title: JSAPI下单\ndescription: 'it''s'\nprev:\n  text: x\n");
        assert_eq!(fm.title, "JSAPI下单");
        assert_eq!(fm.description, "it's");
        assert_eq!(fm.redirect_to, None);
    }

    #[test]
    fn redirect_stub() {
        let fm = parse("title: Moved\nhead:\n  - - meta\n    - http-equiv: refresh\n      content: 0;url=/openapi/v2/x\n");
        assert_eq!(fm.redirect_to.as_deref(), Some("/openapi/v2/x"));
    }
}
