//! Three-state update fields: leave unchanged, clear, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A change to one nullable field of [`UserProfileUpdate`](crate::types::UserProfileUpdate).
///
/// Each update field is an `Option<Patch<T>>`, so every field has three states on the wire:
///
/// | Rust                        | JSON body            | effect            |
/// |-----------------------------|----------------------|-------------------|
/// | `None`                      | field left out       | unchanged         |
/// | `Some(Patch::Clear)`        | `"field": null`      | cleared           |
/// | `Some(Patch::Set(value))`   | `"field": value`     | set to `value`    |
///
/// ```
/// use insighto::{types::UserProfileUpdate, Patch};
///
/// let update: UserProfileUpdate = UserProfileUpdate::builder()
///     .first_name(Patch::set("Ada"))
///     .phone(Patch::Clear)
///     .try_into()
///     .unwrap();
/// assert_eq!(
///     serde_json::to_string(&update).unwrap(),
///     r#"{"first_name":"Ada","phone":null}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Patch<T> {
    /// Set the field to this value.
    Set(T),
    /// Clear the field: sends an explicit `null`.
    Clear,
}

impl<T> Patch<T> {
    /// `Patch::Set` with a conversion, so `Patch::set("Ada")` builds a `Patch<String>`.
    pub fn set(value: impl Into<T>) -> Self {
        Self::Set(value.into())
    }

    /// The value being set, or `None` for [`Patch::Clear`].
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Self::Set(value) => Some(value),
            Self::Clear => None,
        }
    }
}

impl<T> Patch<T> {
    /// Decodes a field that is present (a value or `null`) as `Some`; with
    /// `#[serde(default)]` a missing field stays `None`. The generated update types use
    /// it, because serde's own `Option` decoding would read `null` as `None`.
    ///
    /// ```
    /// use insighto::{types::UserProfileUpdate, Patch};
    ///
    /// let update: UserProfileUpdate =
    ///     serde_json::from_str(r#"{"first_name": "Ada", "phone": null}"#).unwrap();
    /// assert_eq!(update.first_name, Some(Patch::set("Ada")));
    /// assert_eq!(update.phone, Some(Patch::Clear));
    /// assert_eq!(update.email, None);
    /// ```
    pub fn deserialize_present<'de, D>(deserializer: D) -> Result<Option<Self>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Self::deserialize(deserializer).map(Some)
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Self::Set(value)
    }
}

/// `.first_name("Ada")` on an update builder: a text sets a string field.
impl From<&str> for Patch<String> {
    fn from(value: &str) -> Self {
        Self::Set(value.to_owned())
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Set(value) => value.serialize(serializer),
            Self::Clear => serializer.serialize_none(),
        }
    }
}

/// `null` decodes as [`Patch::Clear`]. The generated update fields decode through
/// [`Patch::deserialize_present`], so a decoded update body keeps all three states.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Set(value),
            None => Self::Clear,
        })
    }
}

#[cfg(feature = "schemars")]
#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Patch<T> {
    fn schema_name() -> String {
        format!("Nullable_{}", T::schema_name())
    }

    /// Inline, like the nullable value it stands for in the spec.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Option<T>>::json_schema(generator)
    }
}
