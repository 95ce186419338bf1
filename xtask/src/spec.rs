//! The schema model written to `spec/` (see `spec/README.md` for the documented JSON shape).
//!
//! One [`Page`] per documentation page. OpenAPI pages carry [`Operation`]s; webhook pages carry
//! [`Notification`]s. Field trees are [`Field`]s. Serialisation is deterministic: struct fields in
//! declaration order, vectors in document order, optional keys omitted when empty.

use serde::{Deserialize, Serialize};

/// One documentation page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Page path relative to the docs root, e.g. `openapi/v3/pay/transactions/jsapi.md`.
    pub source: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Page-level markers: `deprecated`, `redesigned`, `privated`, `discarded`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    /// Operations of an `openapi/` page (one, or several on `{#mix}` pages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
    /// Notifications of a `webhook/` page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<Notification>,
}

/// One HTTP operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// URL path with a leading `/`, `{name}` segments for path parameters, e.g. `/v3/pay/transactions/jsapi`.
    pub path: String,
    /// API generation: `v3` (JSON, signed with WECHATPAY2-SHA256-RSA2048) or `v2` (XML).
    pub api: Api,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Links to the official documentation, in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc_links: Vec<String>,
    /// True when the page or section is marked deprecated or discarded.
    pub deprecated: bool,
    /// Markers that apply to this operation (page-level ones included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    /// Host override (`base_uri` pseudo row), e.g. `https://apihk.mch.weixin.qq.com/`; may carry a path prefix.
    pub base_uri: Option<String>,
    /// APIv2 `security` row: the call needs the merchant's API client certificate (mutual TLS).
    #[serde(default, skip_serializing_if = "is_false")]
    pub security: bool,
    /// APIv2 `nonceless` row: the request carries no `nonce_str`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nonceless: bool,
    /// A fixed URL fragment to append (`fragment` row), e.g. `#wechat_redirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    pub path_params: Vec<Field>,
    pub query: Vec<Field>,
    pub headers: Vec<Field>,
    pub request_body: Body,
    pub response: Body,
}

/// A request or response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// `json`, `xml`, `multipart`, `binary` or `empty`.
    pub format: BodyFormat,
    pub fields: Vec<Field>,
    /// Alternative top-level field sets, when the docs separate them with a rule row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Vec<Field>>,
    /// Text of a single-cell row describing the body (e.g. a file stream or a `30x` redirect).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// HTTP status codes the docs give for this body (webhook replies: `20X`, `4XX`, `5XX`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_status: Vec<String>,
    /// True when the docs say the response is an HTTP `30x` redirect.
    #[serde(default, skip_serializing_if = "is_false")]
    pub redirect: bool,
}

/// A field of a request or response (or a header, query or path parameter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Wire name exactly as the docs give it.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `object` or `array`.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Element type for arrays (`string`, `integer`, `number`, `boolean`, `object`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<FieldType>,
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Documented values, in doc order.
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    /// A fixed value (`固定值`) the docs give, e.g. for `base_uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constant: Option<String>,
    /// `rsa-pubkey`, `aes-gcm` or `aes-ecb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<Encryption>,
    /// Whose key encrypts the value: `wechatpay` (platform certificate / WeChat Pay public key),
    /// `merchant` (merchant API certificate), `bank` (bank-transfer RSA key), `apiv3-key`, `api-key-md5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<KeyOwner>,
    /// `json` or `urlencode`: the string carries an encoded structure (its fields are the children).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded: Option<Encoding>,
    /// `rsa-privatekey`: the value is a signature made with the merchant's private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Signing>,
    /// Maximum length in characters, from hints such as `最长32字符`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Children: object members, array-of-object element members, or the decoded/decrypted content of a
    /// string field (see `encrypted`, `encoded`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Alternative child sets separated by rule rows in the docs; `fields` is then empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Vec<Field>>,
    /// Source line of the row (for diagnostics only; not written to `spec/`).
    #[serde(skip)]
    pub line: usize,
}

/// One notification (webhook) that WeChat Pay sends to the merchant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// HTTP method WeChat uses (`POST`).
    pub method: Method,
    /// `v3` (JSON envelope with an AEAD-encrypted `resource`) or `v2` (XML).
    pub api: Api,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc_links: Vec<String>,
    pub deprecated: bool,
    /// The `event_type` values this page documents (v3); empty when the page lists none.
    pub event_types: Vec<String>,
    /// Notification headers (`Wechatpay-Signature`, …).
    pub headers: Vec<Field>,
    /// The notification body as sent (`json` or `xml`), with the encrypted field's decrypted content as its
    /// children.
    pub envelope: Body,
    /// Path (dot-separated wire names) of the encrypted field inside the envelope, e.g. `resource.ciphertext`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_field: Option<String>,
    /// The decrypted resource fields (a copy of the encrypted field's children), empty when not encrypted.
    pub resource: Vec<Field>,
    /// Alternative decrypted field sets, when the docs separate them with rule rows (`resource` is then
    /// empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_variants: Vec<Vec<Field>>,
    /// What the merchant answers.
    pub reply: Body,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Declares a spec enum with a fixed set of wire spellings. Serialises as the wire string, so the JSON in
/// `spec/` reads exactly as before; deserialising an unknown spelling is an error naming the allowed ones.
macro_rules! closed_enum {
    ($(#[$m:meta])* $name:ident ($what:literal) { $($(#[$vm:meta])* $var:ident = $wire:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var,)*];

            /// The spelling used in `spec/`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$var => $wire,)*
                }
            }

            /// The value spelt `s` in `spec/`.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$var),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown {} `{s}`, expected one of: {}",
                        $what,
                        all.join(", ")
                    ))
                })
            }
        }
    };
}

/// Declares a spec enum whose documented spellings are known but which keeps any other spelling the docs
/// use (`Other`), so that a new attribute value is written to `spec/` as found (with a diagnostic) instead
/// of being lost.
macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $wire:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A spelling the generator does not know, kept as found.
            Other(String),
        }

        impl $name {
            /// The spelling used in `spec/`.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $wire,)*
                    $name::Other(s) => s,
                }
            }

            /// The value spelt `s` (never fails: unknown spellings are `Other`).
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => $name::$var,)*
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

closed_enum! {
    /// An HTTP method (upper case in `spec/`).
    #[derive(Default)]
    Method ("method") {
        Get = "GET",
        #[default]
        Post = "POST",
        Put = "PUT",
        Patch = "PATCH",
        Delete = "DELETE",
    }
}

impl Method {
    /// Lower case, as in the generated function name (`post`).
    pub fn lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }

    /// The method named by a heading anchor (`{#post}` → `post`).
    pub fn from_anchor(id: &str) -> Option<Method> {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.as_str().eq_ignore_ascii_case(id))
    }
}

closed_enum! {
    /// The API generation of an operation or notification.
    #[derive(Default)]
    Api ("API version") {
        /// JSON, signed with `WECHATPAY2-SHA256-RSA2048`.
        #[default]
        V3 = "v3",
        /// XML with `sign` (MD5 / HMAC-SHA256).
        V2 = "v2",
    }
}

closed_enum! {
    /// How a body is carried.
    #[derive(Default)]
    BodyFormat ("body format") {
        Json = "json",
        Xml = "xml",
        /// `multipart/form-data` (uploads: a `meta` JSON part and a file).
        Multipart = "multipart",
        /// A file stream.
        Binary = "binary",
        #[default]
        Empty = "empty",
    }
}

closed_enum! {
    /// The type of a field (and of an array's elements).
    #[derive(Default)]
    FieldType ("field type") {
        #[default]
        String = "string",
        Integer = "integer",
        Number = "number",
        Boolean = "boolean",
        Object = "object",
        Array = "array",
    }
}

closed_enum! {
    /// A page or section marker.
    Marker ("marker") {
        Deprecated = "deprecated",
        Redesigned = "redesigned",
        Privated = "privated",
        Discarded = "discarded",
    }
}

open_enum! {
    /// How a field's value is encrypted (`data-encrypted=by-…`).
    Encryption {
        /// RSA-OAEP with a public key (see [`KeyOwner`]).
        RsaPubkey = "rsa-pubkey",
        /// AEAD_AES_256_GCM with the APIv3 key.
        AesGcm = "aes-gcm",
        /// AES-256-ECB with the MD5 of the APIv2 key.
        AesEcb = "aes-ecb",
    }
}

closed_enum! {
    /// Whose key encrypts a field.
    KeyOwner ("encryption key owner") {
        /// WeChat Pay's public key or platform certificate.
        Wechatpay = "wechatpay",
        /// The merchant's API certificate.
        Merchant = "merchant",
        /// The bank-transfer RSA public key (APIv2).
        Bank = "bank",
        /// The APIv3 key.
        Apiv3Key = "apiv3-key",
        /// The MD5 of the APIv2 key.
        ApiKeyMd5 = "api-key-md5",
    }
}

open_enum! {
    /// How a string field carries a structure (`data-encoded=by-…`).
    Encoding {
        Json = "json",
        Urlencode = "urlencode",
    }
}

open_enum! {
    /// What signs a field's value (`data-signed=by-…`).
    Signing {
        /// A signature made with the merchant's private key.
        RsaPrivatekey = "rsa-privatekey",
    }
}
