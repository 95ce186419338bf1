//! serde helpers for APIv2 types: every value is a string on the wire, so numbers are read from
//! strings (or numbers, for JSON input), and `encoded: json` fields are typed structures carried as
//! JSON text.
//!
//! Generated types use them as `#[serde(with = "…::number")]`, `"…::option_number"`,
//! `"…::json_string"` and `"…::option_json_string"`.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

fn from_value<T: DeserializeOwned + std::str::FromStr, E: serde::de::Error>(
    v: Value,
) -> Result<T, E>
where
    T::Err: std::fmt::Display,
{
    match v {
        Value::String(s) => s
            .trim()
            .parse::<T>()
            .map_err(|e| E::custom(format!("not a number: {e}"))),
        other => T::deserialize(other).map_err(E::custom),
    }
}

/// A number carried as a string (`"100"`) or a number (`100`); serialized as a number.
pub mod number {
    use super::*;
    /// Serializes the number as it is.
    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    /// Reads a number from a string or a number.
    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned + std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        from_value(Value::deserialize(d)?)
    }
}

/// [`number`] for an optional field: an absent field, `null` or an empty string is `None`.
pub mod option_number {
    use super::*;
    /// Serializes `Some` as the number, `None` as nothing (with `skip_serializing_if`) or `null`.
    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    /// Reads an optional number from a string or a number.
    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned + std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v) => from_value(v).map(Some),
        }
    }
}

/// A typed structure carried as JSON text in one string field (`encoded: json`, e.g. `detail`,
/// `scene_info`, `receivers`): serialized as the compact JSON text; read from a JSON string (or,
/// liberally, from the structure itself).
pub mod json_string {
    use super::*;
    /// Writes the value's compact JSON text as a string.
    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(v).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
    /// Parses the JSON text.
    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => serde_json::from_str(&s)
                .map_err(|e| D::Error::custom(format!("bad JSON text: {e}"))),
            other => T::deserialize(other).map_err(D::Error::custom),
        }
    }
}

/// [`json_string`] for an optional field: absent, `null` or an empty string is `None`.
pub mod option_json_string {
    use super::*;
    /// Writes `Some` as its JSON text.
    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::json_string::serialize(v, s),
            None => s.serialize_none(),
        }
    }
    /// Parses the JSON text, if any.
    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("bad JSON text: {e}"))),
            Some(other) => T::deserialize(other).map(Some).map_err(D::Error::custom),
        }
    }
}

/// The seed that reads an optional member as [`option_number`] does (used by
/// [`v2_received!`](crate::v2_received)).
pub struct OptionNumberSeed<T>(std::marker::PhantomData<T>);

impl<T> OptionNumberSeed<T> {
    /// The seed.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        OptionNumberSeed(std::marker::PhantomData)
    }
}

impl<'de, T> serde::de::DeserializeSeed<'de> for OptionNumberSeed<T>
where
    T: DeserializeOwned + std::str::FromStr,
    T::Err: std::fmt::Display,
{
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        option_number::deserialize(d)
    }
}

/// The seed that reads an optional member as [`option_json_string`] does (used by
/// [`v2_received!`](crate::v2_received)).
pub struct OptionJsonSeed<T>(std::marker::PhantomData<T>);

impl<T> OptionJsonSeed<T> {
    /// The seed.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        OptionJsonSeed(std::marker::PhantomData)
    }
}

impl<'de, T: DeserializeOwned> serde::de::DeserializeSeed<'de> for OptionJsonSeed<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        option_json_string::deserialize(d)
    }
}

/// A value written as its compact JSON text (the `Serialize` side of [`json_string`]).
pub struct JsonText<'a, T>(pub &'a T);

impl<T: Serialize> Serialize for JsonText<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        json_string::serialize(self.0, s)
    }
}

/// Implements `Deserialize` (and, with the calling crate's feature `roundtrip`, `Serialize`) for a
/// generated APIv2 type that is only received (an answer, a notification): every member an `Option`,
/// named by its wire name and read `plain`, as a `number` ([`option_number`]) or as `json` text
/// ([`option_json_string`]); members the docs do not list are skipped (the raw fields stay in the
/// answer). Written by hand rather than derived to keep the generated crate's compile time down.
#[doc(hidden)]
#[macro_export]
macro_rules! v2_received {
    ($name:ident { $($field:ident = $wire:literal $mode:ident,)* }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(::std::concat!("the fields of ", ::std::stringify!($name)))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        let mut out = $name { $($field: ::std::option::Option::None,)* };
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<::std::string::String>()?
                        {
                            match key.as_str() {
                                $($wire => out.$field = $crate::v2_received!(@read $mode map),)*
                                _ => {
                                    map.next_value::<::serde::de::IgnoredAny>()?;
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
                    $crate::v2_received!(@write $mode m $wire v);
                })*
                m.end()
            }
        }
    };
    (@read plain $map:ident) => {
        $map.next_value()?
    };
    (@read number $map:ident) => {
        $map.next_value_seed($crate::v2::serde_helpers::OptionNumberSeed::new())?
    };
    (@read json $map:ident) => {
        $map.next_value_seed($crate::v2::serde_helpers::OptionJsonSeed::new())?
    };
    (@write json $m:ident $wire:literal $v:ident) => {
        $m.serialize_entry($wire, &$crate::v2::serde_helpers::JsonText($v))?
    };
    (@write $mode:ident $m:ident $wire:literal $v:ident) => {
        $m.serialize_entry($wire, $v)?
    };
}
