//! A date-time that decodes what real servers send.

use std::{fmt, str::FromStr};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant, the Rust type of every `date-time` in the API.
///
/// Decoding accepts RFC 3339 with any offset and also a naive date-time without an
/// offset (`2024-05-01T10:20:30.123456`), which FastAPI services commonly emit; a naive
/// value is taken as UTC. Encoding always writes RFC 3339 in UTC (`...Z`).
///
/// ```
/// use insighto::Timestamp;
///
/// let naive: Timestamp = "2024-05-01T10:20:30.5".parse().unwrap();
/// let offset: Timestamp = "2024-05-01T12:20:30.5+02:00".parse().unwrap();
/// assert_eq!(naive, offset);
/// assert_eq!(naive.to_string(), "2024-05-01T10:20:30.500Z");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The instant as a chrono value.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

/// Why a string is not a date-time the API can store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time (with or without an offset) in years 1 to 9999 (UTC)")]
pub struct ParseTimestampError;

impl Timestamp {
    /// Whether the instant falls in years 1 to 9999 (UTC), the range the service (and
    /// every date-time format it speaks) can hold; only such values are sent.
    pub fn is_in_range(&self) -> bool {
        (1..=9999).contains(&chrono::Datelike::year(&self.0))
    }
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_any(s)
            .filter(Timestamp::is_in_range)
            .ok_or(ParseTimestampError)
    }
}

impl Timestamp {
    fn parse_any(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Some(Self(dt.with_timezone(&Utc)));
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
                return Some(Self(naive.and_utc()));
            }
        }
        // RFC 3339 allows a space and a lowercase `t`/`z`; chrono's RFC 3339 parser
        // accepts those, so anything left is not a date-time.
        None
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    /// Refuses an instant outside years 1 to 9999 (UTC): the service could not store it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.is_in_range() {
            return Err(serde::ser::Error::custom(format!(
                "the date-time {self} is outside years 1 to 9999 (UTC)"
            )));
        }
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Reads whatever the server sends that chrono can represent, in range or not.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_any(&s).ok_or_else(|| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&s), &"a date-time")
        })
    }
}

#[cfg(feature = "schemars")]
#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "DateTime".to_owned()
    }

    /// Inline, like the `format: date-time` string it stands for in the spec.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <DateTime<Utc>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_offsets_naive_and_fractions() {
        let cases = [
            ("2023-11-07T05:31:56Z", "2023-11-07T05:31:56Z"),
            ("2023-11-07T07:31:56+02:00", "2023-11-07T05:31:56Z"),
            ("2024-05-01T10:20:30.123456", "2024-05-01T10:20:30.123456Z"),
            ("2024-05-01T10:20:30", "2024-05-01T10:20:30Z"),
            ("2024-05-01 10:20:30.1", "2024-05-01T10:20:30.100Z"),
        ];
        for (input, expected) in cases {
            let ts: Timestamp = input.parse().unwrap_or_else(|_| panic!("{input}"));
            assert_eq!(ts.to_string(), expected, "{input}");
        }
    }

    #[test]
    fn rejects_non_dates() {
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-05-01"] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_to_send_what_no_server_can_store() {
        for bad in [
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+01:00",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
            let decoded: Timestamp = serde_json::from_value(serde_json::json!(bad)).unwrap();
            assert!(serde_json::to_string(&decoded).is_err(), "{bad}");
        }
        let edge: Timestamp = "9999-12-31T23:59:59Z".parse().unwrap();
        assert_eq!(
            serde_json::to_string(&edge).unwrap(),
            "\"9999-12-31T23:59:59Z\""
        );
    }
}
