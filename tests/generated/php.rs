//! A reader of the PHP literals in the docs' request examples (shared by the example tests).
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::path::PathBuf;

use super::common::root;

/// The docs corpus: `$WECHATPAY_DOCS` or `../shared/docs/wechatpay.im-2026-06-21`.
pub fn docs_dir() -> PathBuf {
    match std::env::var_os("WECHATPAY_DOCS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => root().join("../shared/docs/wechatpay.im-2026-06-21"),
    }
}

/// A PHP literal: arrays, strings, numbers, booleans and null. Anything else (variables, calls) is
/// `Err`, and the example is not used.
struct Php<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Php<'a> {
    fn skip(&mut self) {
        loop {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            if self.s[self.i..].starts_with(b"//") || self.s[self.i..].starts_with(b"#") {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
            } else if self.s[self.i..].starts_with(b"/*") {
                match find(&self.s[self.i..], b"*/") {
                    Some(end) => self.i += end + 2,
                    None => self.i = self.s.len(),
                }
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, t: &[u8]) -> bool {
        self.skip();
        if self.s[self.i..].starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip();
        let rest = &self.s[self.i..];
        match rest.first() {
            Some(b'[') => self.array(),
            Some(b'\'') | Some(b'"') => self.string().map(Value::String),
            Some(c) if c.is_ascii_digit() || *c == b'-' => self.number(),
            _ if rest.starts_with(b"true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            _ if rest.starts_with(b"false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            _ if rest.starts_with(b"null") => {
                self.i += 4;
                Ok(Value::Null)
            }
            // An expression (`Rsa::encrypt(...)` for a sensitive field, a variable): its value is a
            // string at run time; read it as a placeholder string.
            Some(_) => self.expression(),
            None => Err("unexpected end".into()),
        }
    }

    fn expression(&mut self) -> Result<Value, String> {
        let start = self.i;
        let mut depth = 0i32;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'(' | b'[' => depth += 1,
                b')' | b']' if depth > 0 => depth -= 1,
                b',' | b']' | b')' if depth == 0 => break,
                b'\'' | b'"' => {
                    self.string()?;
                    continue;
                }
                _ => {}
            }
            self.i += 1;
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_string();
        if text.is_empty() {
            return Err("empty expression".into());
        }
        Ok(Value::String(format!("<php: {text}>")))
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        while self.i < self.s.len() {
            let c = self.s[self.i];
            self.i += 1;
            if c == quote {
                return String::from_utf8(out).map_err(|e| e.to_string());
            }
            if c == b'\\' && self.i < self.s.len() {
                let n = self.s[self.i];
                self.i += 1;
                match (quote, n) {
                    (_, b'\\') => out.push(b'\\'),
                    (q, n) if n == q => out.push(n),
                    (b'"', b'n') => out.push(b'\n'),
                    (b'"', b't') => out.push(b'\t'),
                    (b'"', b'$') => out.push(b'$'),
                    _ => {
                        out.push(b'\\');
                        out.push(n);
                    }
                }
                continue;
            }
            if quote == b'"' && c == b'$' {
                return Err("interpolated string".into());
            }
            out.push(c);
        }
        Err("unterminated string".into())
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        while self.i < self.s.len() && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.') {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        serde_json::from_str(text).map_err(|e| format!("number {text}: {e}"))
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut keyed = Map::new();
        let mut list = Vec::new();
        loop {
            if self.eat(b"]") {
                break;
            }
            let first = self.value()?;
            if self.eat(b"=>") {
                let v = self.value()?;
                let k = match first {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                keyed.insert(k, v);
            } else {
                list.push(first);
            }
            if !self.eat(b",") {
                if self.eat(b"]") {
                    break;
                }
                return Err("expected `,` or `]`".into());
            }
        }
        match (keyed.is_empty(), list.is_empty()) {
            (false, true) => Ok(Value::Object(keyed)),
            (true, _) => Ok(Value::Array(list)),
            (false, false) => Err("mixed keyed and positional entries".into()),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The argument array of the first `->{method}Async([` call in the page's PHP code blocks.
pub fn example_args(page: &str, method: &str) -> Option<Result<Value, String>> {
    let marker = format!("->{}Async([", method.to_lowercase());
    let mut in_php = false;
    let mut block = String::new();
    for line in page.lines() {
        if line.starts_with("```php") {
            in_php = true;
            block.clear();
            continue;
        }
        if in_php && line.starts_with("```") {
            in_php = false;
            if let Some(at) = block.find(&marker) {
                let start = at + marker.len() - 1;
                let mut p = Php {
                    s: block.as_bytes(),
                    i: start,
                };
                return Some(p.value());
            }
            continue;
        }
        if in_php {
            block.push_str(line);
            block.push('\n');
        }
    }
    None
}
