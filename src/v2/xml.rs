//! APIv2 XML: the flat `<xml><name>value</name>…</xml>` documents of requests, answers and
//! notifications.
//!
//! Decoding is hardened: a document larger than [`XmlLimits::max_bytes`], nested deeper than
//! [`XmlLimits::max_depth`], with a `DOCTYPE` (so no DTD, no entity declarations, no external entities),
//! or with an entity reference other than the five predefined ones (`&lt;` `&gt;` `&amp;` `&apos;`
//! `&quot;`) and character references is rejected before anything else looks at it. Nothing is ever
//! expanded beyond those, so "billion laughs" and external-entity tricks have nothing to work with.
//!
//! Encoding writes every value as CDATA (a value containing `]]>` is split across two sections).

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{DecodeError, DecodeErrorKind, Error, InvalidRequestKind};

/// Limits applied when decoding APIv2 XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest document accepted, in bytes (default 1 MiB; APIv2 answers are a few KiB).
    pub max_bytes: usize,
    /// Deepest element nesting accepted (default 4: the root is depth 1, its fields depth 2).
    pub max_depth: usize,
    /// Most fields accepted (default 1024).
    pub max_fields: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits {
            max_bytes: 1 << 20,
            max_depth: 4,
            max_fields: 1024,
        }
    }
}

/// The fields of one APIv2 document, in document order (names are not deduplicated: a repeated name
/// keeps every occurrence, the first one wins in [`get`](Self::get)).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Field values can hold personal data and `req_info` ciphertext: names only.
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k.as_str()))
            .finish()
    }
}

impl Fields {
    /// An empty set.
    pub fn new() -> Self {
        Fields(Vec::new())
    }
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Sets `name` (replacing its first occurrence, or appending).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
    /// Removes every occurrence of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(k, _)| k != name);
    }
    /// Iterates `(name, value)` pairs as `&str`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// A JSON object of the fields, every value a string (the first occurrence of a repeated name).
    pub fn to_json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.0 {
            if !m.contains_key(k) {
                m.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
        }
        m
    }

    /// The fields of a JSON object: strings as they are, numbers and booleans as their JSON text,
    /// objects and arrays (the `encoded: json` fields) as their compact JSON text; `null` members are
    /// left out.
    pub fn from_json_object(obj: &serde_json::Map<String, serde_json::Value>) -> Self {
        let mut out = Vec::with_capacity(obj.len());
        for (k, v) in obj {
            let s = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            out.push((k.clone(), s));
        }
        Fields(out)
    }

    /// Serializes a typed request (any `Serialize` struct) into fields, as
    /// [`from_json_object`](Self::from_json_object) does.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(m)) => Ok(Self::from_json_object(&m)),
            Ok(_) => Err(Error::invalid_request(
                InvalidRequestKind::Body,
                "an APIv2 request must serialize to a struct / map",
            )),
            Err(e) => Err(Error::invalid_request(
                InvalidRequestKind::Body,
                format!("cannot serialize the APIv2 request: {e}"),
            )),
        }
    }

    /// Decodes the fields into a typed value (numbers accepted as strings where the type uses
    /// [`crate::v2::serde_helpers`]). `status` is the HTTP status for the error (0 for notifications);
    /// `body` the text kept in the error (pass `<redacted>` for decrypted data).
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        status: u16,
        body: &str,
    ) -> Result<T, Error> {
        let v = serde_json::Value::Object(self.to_json_object());
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if status == 0 {
                crate::error::redact_serde_message(&inner.to_string())
            } else {
                inner.to_string()
            };
            Error::Decode(DecodeError::new(
                DecodeErrorKind::Data,
                status,
                path,
                message,
                body.to_string(),
            ))
        })
    }
}

fn xml_error(status: u16, message: impl Into<String>, body: &[u8]) -> Error {
    let keep = body.len().min(crate::error::MAX_ERROR_BODY_BYTES);
    Error::Decode(DecodeError::new(
        DecodeErrorKind::Xml,
        status,
        ".",
        message,
        redact_xml(&String::from_utf8_lossy(&body[..keep])),
    ))
}

/// Parses a flat APIv2 XML document within `limits`: the root element's children become the fields
/// (CDATA and text concatenated, the five predefined entities and character references resolved).
/// A child that itself has element children is kept with the text of its descendants. `status` is
/// only used for the error (0 for notifications).
pub fn parse_xml(body: &[u8], limits: &XmlLimits, status: u16) -> Result<Fields, Error> {
    if body.len() > limits.max_bytes {
        return Err(xml_error(
            status,
            format!(
                "the XML is {} bytes, more than the limit of {}",
                body.len(),
                limits.max_bytes
            ),
            &body[..0],
        ));
    }
    let text =
        std::str::from_utf8(body).map_err(|_| xml_error(status, "the XML is not UTF-8", body))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut fields = Fields::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut current: Option<(String, String)> = None;
    loop {
        let ev = reader.read_event().map_err(|e| {
            xml_error(
                status,
                format!("malformed XML at byte {}: {e}", reader.buffer_position()),
                body,
            )
        })?;
        match ev {
            Event::DocType(_) => {
                return Err(xml_error(
                    status,
                    "the XML has a DOCTYPE (DTDs and entity declarations are not accepted)",
                    body,
                ))
            }
            Event::Start(e) => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(xml_error(
                        status,
                        format!("the XML nests deeper than {} elements", limits.max_depth),
                        body,
                    ));
                }
                if depth == 1 {
                    if root_seen {
                        return Err(xml_error(status, "the XML has more than one root", body));
                    }
                    root_seen = true;
                } else if depth == 2 {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    current = Some((name, String::new()));
                }
            }
            Event::Empty(e) => {
                if depth == 0 {
                    if root_seen {
                        return Err(xml_error(status, "the XML has more than one root", body));
                    }
                    root_seen = true;
                } else if depth == 1 {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    push_field(&mut fields, name, String::new(), limits, status, body)?;
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some((k, v)) = current.take() {
                        push_field(&mut fields, k, v, limits, status, body)?;
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let s = t
                    .xml_content()
                    .map_err(|e| xml_error(status, format!("bad text: {e}"), body))?;
                if depth >= 2 {
                    if let Some((_, v)) = current.as_mut() {
                        v.push_str(&s);
                    }
                } else if !s.trim().is_empty() {
                    return Err(xml_error(status, "text outside the fields", body));
                }
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|e| xml_error(status, format!("bad CDATA: {e}"), body))?;
                match current.as_mut() {
                    Some((_, v)) if depth >= 2 => v.push_str(&s),
                    _ => return Err(xml_error(status, "CDATA outside the fields", body)),
                }
            }
            Event::GeneralRef(r) => {
                let resolved: String =
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => {
                                return Err(xml_error(status, "a bad character reference", body));
                            }
                        }
                    } else {
                        let name = r
                            .decode()
                            .map_err(|e| xml_error(status, format!("bad reference: {e}"), body))?;
                        match quick_xml::escape::resolve_xml_entity(&name) {
                            Some(s) => s.to_string(),
                            None => return Err(xml_error(
                                status,
                                "the XML references an entity other than the five predefined ones",
                                body,
                            )),
                        }
                    };
                match current.as_mut() {
                    Some((_, v)) if depth >= 2 => v.push_str(&resolved),
                    _ => return Err(xml_error(status, "a reference outside the fields", body)),
                }
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !root_seen || depth != 0 {
        return Err(xml_error(
            status,
            "the XML has no complete root element",
            body,
        ));
    }
    Ok(fields)
}

fn push_field(
    fields: &mut Fields,
    name: String,
    value: String,
    limits: &XmlLimits,
    status: u16,
    body: &[u8],
) -> Result<(), Error> {
    if fields.0.len() >= limits.max_fields {
        return Err(xml_error(
            status,
            format!("the XML has more than {} fields", limits.max_fields),
            body,
        ));
    }
    fields.0.push((name, value));
    Ok(())
}

/// `true` for a name that can be written as an XML element name without escaping: ASCII letters,
/// digits, `_`, `-`, `.`, not starting with a digit, `-` or `.`.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Writes the fields as `<xml><name><![CDATA[value]]></name>…</xml>`. A field name that is not a plain
/// XML name is an [`Error::InvalidRequest`].
pub fn to_xml(fields: &Fields) -> Result<String, Error> {
    let mut out = String::with_capacity(
        64 + fields
            .0
            .iter()
            .map(|(k, v)| 2 * k.len() + v.len() + 17)
            .sum::<usize>(),
    );
    out.push_str("<xml>");
    for (k, v) in &fields.0 {
        if !is_plain_name(k) {
            return Err(Error::invalid_request(
                InvalidRequestKind::Body,
                format!("APIv2 field name {k:?} is not a plain XML name"),
            ));
        }
        out.push('<');
        out.push_str(k);
        out.push_str("><![CDATA[");
        out.push_str(&v.replace("]]>", "]]]]><![CDATA[>"));
        out.push_str("]]></");
        out.push_str(k);
        out.push('>');
    }
    out.push_str("</xml>");
    Ok(out)
}

/// Field names whose values are replaced by `<redacted>` in errors: signatures, encrypted payloads
/// and bank details.
pub(crate) fn is_secret_field(name: &str) -> bool {
    matches!(name, "sign" | "req_info" | "paySign" | "key")
        || name.starts_with("enc_")
        || name.contains("bank_no")
        || name.contains("true_name")
}

/// A copy of an XML text with the values of secret fields ([`is_secret_field`]) replaced by
/// `<redacted>` (textually, so it also works on a document that did not parse).
pub(crate) fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let Some(close) = rest.find('>') else {
            out.push_str(rest);
            return out;
        };
        let tag = &rest[1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let name = tag.trim_end_matches('/');
        if !tag.starts_with('/') && !tag.ends_with('/') && is_secret_field(name) {
            let end = format!("</{name}>");
            if let Some(at) = rest.find(&end) {
                out.push_str(crate::error::REDACTED);
                rest = &rest[at..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_cdata_and_entities() {
        let mut f = Fields::new();
        f.set("a", "x]]>y<&>");
        f.set("b", "");
        let xml = to_xml(&f).unwrap();
        let back = parse_xml(xml.as_bytes(), &XmlLimits::default(), 200).unwrap();
        assert_eq!(back, f);
        let plain = parse_xml(
            b"<xml><a>1 &lt; 2 &amp;&#x4e2d;</a><b/></xml>",
            &XmlLimits::default(),
            200,
        )
        .unwrap();
        assert_eq!(plain.get("a"), Some("1 < 2 &\u{4e2d}"));
        assert_eq!(plain.get("b"), Some(""));
    }

    #[test]
    fn redaction() {
        let r =
            redact_xml("<xml><sign><![CDATA[ABC]]></sign><a>1</a><req_info>zz</req_info></xml>");
        assert_eq!(
            r,
            "<xml><sign><redacted></sign><a>1</a><req_info><redacted></req_info></xml>"
        );
    }
}
