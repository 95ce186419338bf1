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
