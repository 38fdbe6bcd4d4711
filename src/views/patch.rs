//! PATCH bodies tell "absent" (leave unchanged) from `null` (clear): a field of type
//! `Option<Option<T>>` with `#[serde(default, deserialize_with = "double_option")]` is `None`
//! when absent and `Some(None)` when null.

use serde::{Deserialize, Deserializer};

pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// For fields that may be changed but not cleared: `null` is refused like a wrong type.
pub fn no_null<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    // Through `Option` so that `null` is a type error for every `T`: serde_json reports
    // `null` where an enum belongs as a syntax error, which would read as malformed JSON.
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("invalid type: null, expected a value")),
    }
}
