//! Shared items of the generated WeChat Pay crates (parameter values, wire enums, the operation
//! table). Use the `wechatpay` crate, which re-exports what users need.
#![forbid(unsafe_code)]

/// Turns a parameter value into the text sent in a path segment, a query pair or a header.
pub trait ParamValue {
    /// The text form.
    fn to_param(&self) -> ::std::string::String;
}

impl ParamValue for ::std::string::String {
    fn to_param(&self) -> ::std::string::String {
        self.clone()
    }
}

impl ParamValue for i64 {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for ::serde_json::Number {
    fn to_param(&self) -> ::std::string::String {
        self.to_string()
    }
}

impl ParamValue for ::serde_json::Value {
    fn to_param(&self) -> ::std::string::String {
        match self {
            ::serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// Lists are sent comma-separated.
impl<T: ParamValue> ParamValue for ::std::vec::Vec<T> {
    fn to_param(&self) -> ::std::string::String {
        self.iter()
            .map(ParamValue::to_param)
            .collect::<::std::vec::Vec<_>>()
            .join(",")
    }
}

/// Declares a string enum that keeps values it does not know (`Unknown`) and writes back the exact
/// wire string.
#[doc(hidden)]
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the SDK does not know; the wire string is kept as is.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::ParamValue for $name {
            fn to_param(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok(Self::from(s.as_str()))
            }
        }
    };
}

/// One operation of the API, as listed by `wechatpay::operations()`. The generated part crates build
/// these tables; user code only reads them.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// URL path template, e.g. `/v3/pay/transactions/id/{transaction_id}`.
    pub path: &'static str,
    /// Names of the path parameters (the `{name}`s of `path`).
    pub path_params: &'static [&'static str],
    /// Names of the query parameters.
    pub query: &'static [&'static str],
    /// The Cargo feature that enables it.
    pub feature: &'static str,
    /// The Rust function that sends it, e.g. `wechatpay::v3::pay::transactions::jsapi::post`.
    pub rust_path: &'static str,
    /// Title from the docs.
    pub title: &'static str,
    /// Link to the official documentation (may be empty).
    pub doc_link: &'static str,
    /// Marked deprecated or discarded in the docs.
    pub deprecated: bool,
    /// Checks a JSON value against the request body type; returns it re-serialised (`None` without
    /// the feature `roundtrip`, or when the operation has no JSON body).
    pub check_request: ::std::option::Option<CheckFn>,
    /// Checks a JSON value against the response type; returns it re-serialised (`None` without the
    /// feature `roundtrip`, or when the answer is not JSON).
    pub check_response: ::std::option::Option<CheckFn>,
    /// Sensitive request fields the generated function has the client encrypt for WeChat Pay
    /// (RSA-OAEP with its public key or platform certificate): JSON paths in the request body — for an
    /// upload, in its `meta` part — made of wire names joined by `.`, with `[]` after an array's name
    /// for "each element", e.g. `contact_info.contact_id_number` or `items[].id_card_number`. The
    /// caller gives plaintext.
    pub encrypted_fields: &'static [&'static str],
    /// Query parameters the client encrypts likewise (their wire names).
    pub encrypted_query: &'static [&'static str],
}

/// `Debug` stand-in for a sensitive value of a generated type (used by the generated `Debug` impls).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Redacted {
    /// A value is set: prints `<redacted>`.
    Set,
    /// An optional value is set: prints `Some(<redacted>)`.
    Some,
    /// An optional value is not set: prints `None`.
    None,
}

impl Redacted {
    /// The stand-in for an optional value.
    pub fn option<T>(value: &::std::option::Option<T>) -> Self {
        match value {
            ::std::option::Option::Some(_) => Redacted::Some,
            ::std::option::Option::None => Redacted::None,
        }
    }
}

impl ::std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(match self {
            Redacted::Set => "<redacted>",
            Redacted::Some => "Some(<redacted>)",
            Redacted::None => "None",
        })
    }
}

/// A payload check: the value re-serialised through the SDK type, or where and why it does not fit.
pub type CheckFn =
    fn(&::serde_json::Value) -> ::std::result::Result<::serde_json::Value, CheckError>;

/// Why a JSON value does not fit an SDK type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The serde path of the first mismatch, e.g. `amount.total`.
    pub path: ::std::string::String,
    /// What is wrong there.
    pub message: ::std::string::String,
}

impl ::std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// Checks `value` against `T` (used by the generated operation tables).
#[doc(hidden)]
#[cfg(feature = "roundtrip")]
pub fn check<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
    value: &::serde_json::Value,
) -> ::std::result::Result<::serde_json::Value, CheckError> {
    let typed: T = ::serde_path_to_error::deserialize(value).map_err(|e| CheckError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    ::serde_json::to_value(&typed).map_err(|e| CheckError {
        path: ::std::string::String::from("."),
        message: e.to_string(),
    })
}
