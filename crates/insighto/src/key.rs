//! The API key: validated once, never printed.

use std::{fmt, sync::Arc};

use crate::ConfigError;

use crate::redact::REDACTED;

/// An Insighto API key (`in-` followed by 43 characters).
///
/// Its `Debug` output never shows the key, so a client or builder can be logged safely.
///
/// ```
/// let key = insighto::ApiKey::new("in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
/// assert!(insighto::ApiKey::new("  ").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Arc<str>);

impl ApiKey {
    /// Validates `key`: it must be non-empty and hold no whitespace or control characters.
    pub fn new(key: impl AsRef<str>) -> Result<Self, ConfigError> {
        let key = key.as_ref();
        if key.trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::InvalidApiKey {
                reason: "it contains whitespace or control characters",
            });
        }
        // Insighto's keys are 46 characters; a longer one could not be redacted in every
        // encoding (see `redact.rs`), so it is refused rather than risked.
        if key.chars().count() > crate::redact::MAX_ENCODED_SECRET {
            return Err(ConfigError::InvalidApiKey {
                reason: "it is longer than 256 characters (Insighto's keys have 46)",
            });
        }
        Ok(Self(Arc::from(key)))
    }

    /// The key itself, for putting on the wire; nothing else may call this.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The key itself, for the few places that must hold it in clear: a config file
    /// written with mode 0600, a secret store, a redaction filter. Never print it.
    pub fn expose_secret(&self) -> &str {
        self.expose()
    }

    /// Replaces every occurrence of the key in `text`, in any encoding
    /// (see [`redact_secret`](crate::redact_secret)).
    pub(crate) fn redact(&self, text: &str) -> String {
        crate::redact_secret(text, self.expose()).into_owned()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_keys_that_cannot_be_keys() {
        for bad in [
            "",
            "   ",
            "\t",
            "in-abc def",
            "in-abc\n",
            "in-\u{7}x",
            "in-x\u{a0}",
        ] {
            assert!(ApiKey::new(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(ApiKey::new("in-abc").is_ok());
    }

    #[test]
    fn redacts_raw_and_encoded_forms() {
        let key = ApiKey::new("in-a+b/c=d").unwrap();
        let text = "raw in-a+b/c=d, encoded in-a%2Bb%2Fc%3Dd, lower hex in-a%2bb%2fc%3dd";
        let out = key.redact(text);
        assert_eq!(
            out,
            "raw [REDACTED], encoded [REDACTED], lower hex [REDACTED]"
        );
    }
}
