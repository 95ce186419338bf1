//! Block structure of a page, read with pulldown-cmark: front matter, headings, tables, paragraphs and
//! code blocks, each with its 1-based source line. Table rows are kept as raw source lines so that
//! [`super::table`] can see every cell (pulldown-cmark pads short rows and drops extra cells, which would
//! hide irregularities the docs have).

use pulldown_cmark::{CodeBlockKind, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

/// One block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    /// The YAML front matter, without the `---` fences.
    FrontMatter { line: usize, text: &'a str },
    /// A heading; `raw` is its source line(s).
    Heading {
        line: usize,
        level: u8,
        id: Option<String>,
        classes: Vec<String>,
        raw: &'a str,
    },
    /// A table: every source line with its line number.
    Table {
        line: usize,
        lines: Vec<(usize, &'a str)>,
    },
    /// A paragraph's raw source.
    Paragraph { line: usize, raw: &'a str },
    /// A fenced code block: its info string and content.
    Code {
        line: usize,
        info: String,
        text: &'a str,
    },
}

/// Splits a page into blocks in document order.
pub fn blocks(src: &str) -> Vec<Block<'_>> {
    let starts = line_starts(src);
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset);
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    opts.insert(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    let mut out = Vec::new();
    let mut skip_until: Option<TagEnd> = None;
    for (event, range) in Parser::new_ext(src, opts).into_offset_iter() {
        if let Some(end) = &skip_until {
            if matches!(&event, Event::End(e) if e == end) {
                skip_until = None;
            }
            continue;
        }
        let Event::Start(tag) = event else { continue };
        let line = line_of(range.start);
        let raw = &src[range.clone()];
        match tag {
            Tag::MetadataBlock(MetadataBlockKind::YamlStyle) => {
                out.push(Block::FrontMatter {
                    line,
                    text: strip_fences(raw),
                });
                skip_until = Some(TagEnd::MetadataBlock(MetadataBlockKind::YamlStyle));
            }
            Tag::Heading {
                level, id, classes, ..
            } => {
                out.push(Block::Heading {
                    line,
                    level: level as u8,
                    id: id.map(|s| s.to_string()),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    raw: raw.trim_end(),
                });
                skip_until = Some(TagEnd::Heading(level));
            }
            Tag::Table(_) => {
                let lines = raw
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (line + i, l))
                    .filter(|(_, l)| !l.trim().is_empty())
                    .collect();
                out.push(Block::Table { line, lines });
                skip_until = Some(TagEnd::Table);
            }
            Tag::Paragraph => {
                out.push(Block::Paragraph {
                    line,
                    raw: raw.trim_end(),
                });
                skip_until = Some(TagEnd::Paragraph);
            }
            Tag::CodeBlock(kind) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                out.push(Block::Code {
                    line,
                    info,
                    text: code_body(raw),
                });
                skip_until = Some(TagEnd::CodeBlock);
            }
            _ => {}
        }
    }
    out
}

fn line_starts(src: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(src.match_indices('\n').map(|(i, _)| i + 1));
    v
}

fn strip_fences(raw: &str) -> &str {
    let s = raw.trim();
    let s = s.strip_prefix("---").unwrap_or(s);
    let s = s.strip_suffix("---").unwrap_or(s);
    s.trim_matches('\n')
}

/// The content of a fenced code block, without its fence lines.
fn code_body(raw: &str) -> &str {
    let body = match raw.find('\n') {
        Some(i) if raw.trim_start().starts_with("```") || raw.trim_start().starts_with("~~~") => {
            &raw[i + 1..]
        }
        _ => raw,
    };
    let trimmed = body.trim_end();
    match trimmed.rfind('\n') {
        Some(i)
            if trimmed[i + 1..].trim_start().starts_with("```")
                || trimmed[i + 1..].trim_start().starts_with("~~~") =>
        {
            &trimmed[..i + 1]
        }
        None if trimmed.trim_start().starts_with("```") => "",
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_blocks() {
        let src = "---\ntitle: T\n---\n\n# {{ $frontmatter.title }} {#post}\n\ntext\n\n| a | b | c\n| --- | --- | ---\n| x {data-required} | string | d\n\n{.im-table #request}\n\n```php [x]\n$a = 1;\n```\n";
        let b = blocks(src);
        assert!(matches!(
            b[0],
            Block::FrontMatter {
                line: 1,
                text: "title: T"
            }
        ));
        assert!(
            matches!(&b[1], Block::Heading { line: 5, level: 1, id: Some(id), .. } if id == "post")
        );
        assert!(matches!(
            b[2],
            Block::Paragraph {
                line: 7,
                raw: "text"
            }
        ));
        match &b[3] {
            Block::Table { line: 9, lines } => {
                assert_eq!(lines[2], (11, "| x {data-required} | string | d"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            b[4],
            Block::Paragraph {
                line: 13,
                raw: "{.im-table #request}"
            }
        ));
        assert!(
            matches!(&b[5], Block::Code { line: 15, info, text: "$a = 1;\n" } if info == "php [x]")
        );
    }
}
