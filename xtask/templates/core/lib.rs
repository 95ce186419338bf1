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

/// Implements `Deserialize` (and, with the calling crate's feature `roundtrip`, `Serialize`) for a
/// received type: a struct whose documented members are all `Option`s and whose last member keeps the
/// members the docs do not list. Each documented member is named with its wire name and read either
/// `lenient` (see [`lenient`]) or `plain`; `null` or an absent member is `None`; an unknown member goes
/// to the catch-all map; a repeated member keeps its last value. Written by hand rather than derived:
/// serde's derive with `flatten` and a `deserialize_with` per field produced most of the generated
/// crates' compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! received {
    ($name:ident { $($field:ident = $wire:literal $mode:ident,)* } $rest:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(::std::concat!("an object (", ::std::stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        let mut out = $name {
                            $($field: ::std::option::Option::None,)*
                            $rest: ::serde_json::Map::new(),
                        };
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<::std::string::String>()?
                        {
                            match key.as_str() {
                                $($wire => out.$field = $crate::received!(@read $mode map),)*
                                _ => {
                                    let value = map.next_value::<::serde_json::Value>()?;
                                    out.$rest.insert(key, value);
                                }
                            }
                        }
                        ::std::result::Result::Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }

        #[cfg(feature = "roundtrip")]
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut m = s.serialize_map(::std::option::Option::None)?;
                $(if let ::std::option::Option::Some(v) = &self.$field {
                    m.serialize_entry($wire, v)?;
                })*
                for (k, v) in &self.$rest {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    };
    (@read lenient $map:ident) => {
        $map.next_value_seed($crate::lenient::OptionSeed::new())?
    };
    (@read plain $map:ident) => {
        $map.next_value()?
    };
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
    /// A minimal JSON answer that fits the response as documented (`""` when the answer is not JSON):
    /// every field the docs call required, with a value of its type (the first documented value of an
    /// enumeration, `1` for numbers, one element in each array), nested objects likewise. Used by the
    /// simulator and by tests of code that reads answers.
    pub sample_response: &'static str,
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

/// Lenient decoding of received values (responses and notification resources): WeChat Pay sometimes
/// sends an integer as a numeric string (`"100"`) or an id as a number (`1230000109`). The generated
/// response types read every scalar field through [`lenient::option`], so such an answer still
/// decodes; requests are written strictly as typed.
pub mod lenient {
    use ::serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};
    use ::std::fmt;

    /// A value that can be read leniently.
    pub trait Lenient: Sized {
        /// Reads the value, accepting the alternative forms described on [`lenient`](self).
        fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    }

    /// `#[serde(default, deserialize_with = "…::lenient::option")]`: an optional field whose value is
    /// read leniently; `null` is `None`.
    pub fn option<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<Option<T>, D::Error> {
        Option::<Wrap<T>>::deserialize(d).map(|o| o.map(|w| w.0))
    }

    /// The seed that reads an optional member as [`option`] does (used by [`received!`](crate::received)).
    pub struct OptionSeed<T>(::std::marker::PhantomData<T>);

    impl<T> OptionSeed<T> {
        /// The seed.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            OptionSeed(::std::marker::PhantomData)
        }
    }

    impl<'de, T: Lenient> ::serde::de::DeserializeSeed<'de> for OptionSeed<T> {
        type Value = Option<T>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            option(d)
        }
    }

    struct Wrap<T>(T);

    impl<'de, T: Lenient> Deserialize<'de> for Wrap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            T::deserialize_lenient(d).map(Wrap)
        }
    }

    /// An integer: a JSON integer, a float without fraction, or a string holding an integer.
    struct IntVisitor;

    impl Visitor<'_> for IntVisitor {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or a string holding one")
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} is too large")))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!("{v} is not an integer")))
            }
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<i64, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("string {v:?} does not hold an integer")))
        }
    }

    impl Lenient for i64 {
        fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(IntVisitor)
        }
    }

    /// A number: a JSON number or a string holding one.
    struct NumberVisitor;

    impl Visitor<'_> for NumberVisitor {
        type Value = ::serde_json::Number;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number or a string holding one")
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(v.into())
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
            ::serde_json::Number::from_f64(v).ok_or_else(|| E::custom("not a finite number"))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            match ::serde_json::from_str::<::serde_json::Value>(v.trim()) {
                Ok(::serde_json::Value::Number(n)) => Ok(n),
                _ => Err(E::custom(format!("string {v:?} does not hold a number"))),
            }
        }
    }

    impl Lenient for ::serde_json::Number {
        fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NumberVisitor)
        }
    }

    /// A string: a JSON string, or a number or boolean written as its JSON text.
    struct StringVisitor;

    impl Visitor<'_> for StringVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<String, E> {
            ::serde_json::Number::from_f64(v)
                .map(|n| n.to_string())
                .ok_or_else(|| E::custom("not a finite number"))
        }
        fn visit_bool<E: Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    impl Lenient for String {
        fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(StringVisitor)
        }
    }

    /// A list whose elements are read leniently.
    struct SeqVisitor<T>(::std::marker::PhantomData<T>);

    impl<'de, T: Lenient> Visitor<'de> for SeqVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(Wrap(v)) = seq.next_element::<Wrap<T>>()? {
                out.push(v);
            }
            Ok(out)
        }
    }

    impl<T: Lenient> Lenient for Vec<T> {
        fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_seq(SeqVisitor(::std::marker::PhantomData))
        }
    }
}
