//! Defence in depth for the CLI: every log line and error message passes through here,
//! and any occurrence of the API key (raw or URL-encoded) is replaced before it is
//! written, whatever library produced the text.

use std::{io::Write, sync::Arc};

use tracing_subscriber::fmt::MakeWriter;

use crate::terminal;

/// The secret to hide; every form it can take in text is found by the library's one
/// redaction routine, [`insighto::redact_secret`].
#[derive(Clone, Default)]
pub struct Secrets(Option<Arc<str>>);

impl Secrets {
    pub fn new(key: Option<&str>) -> Self {
        Self(key.filter(|k| !k.is_empty()).map(Arc::from))
    }

    pub fn redact(&self, text: &str) -> String {
        match &self.0 {
            Some(key) => insighto::redact_secret(text, key).into_owned(),
            None => text.to_owned(),
        }
    }

    /// Redacts every string in `value` (names of members too): a profile is the
    /// server's text, and a field may hold the key (`profile show`, `--json`).
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.0.is_none() {
            return;
        }
        match value {
            Value::String(s) => *s = self.redact(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(members) => {
                *members = std::mem::take(members)
                    .into_iter()
                    .map(|(name, mut v)| {
                        self.redact_json(&mut v);
                        (self.redact(&name), v)
                    })
                    .collect();
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// A `tracing` writer to stderr that redacts each event before writing it, and makes it
/// one line whatever the server's text in it holds ([`terminal::log_line`]).
#[derive(Clone)]
pub struct RedactingStderr {
    pub secrets: Secrets,
    pub style: terminal::LogStyle,
}

pub struct EventBuffer {
    secrets: Secrets,
    style: terminal::LogStyle,
    buf: Vec<u8>,
}

impl Write for EventBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventBuffer {
    fn drop(&mut self) {
        let text = self.secrets.redact(&String::from_utf8_lossy(&self.buf));
        let text = terminal::log_line(&text, self.style);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        EventBuffer {
            secrets: self.secrets.clone(),
            style: self.style,
            buf: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_raw_and_encoded_key() {
        let secrets = Secrets::new(Some("in-a+b/c"));
        assert_eq!(
            secrets.redact("k=in-a+b/c&x=in-a%2Bb%2Fc&y=in-a%2bb%2fc"),
            "k=[REDACTED]&x=[REDACTED]&y=[REDACTED]"
        );
        assert_eq!(Secrets::new(None).redact("in-a"), "in-a");
    }

    #[test]
    fn every_string_of_a_json_value_is_redacted() {
        let secrets = Secrets::new(Some("in-a+b/c"));
        let mut value = serde_json::json!({
            "a": "x in-a%2bb%2fc", "in-a+b/c": [1, "in-a+b/c", {"b": "in-a\\u002bb/c"}], "n": null
        });
        secrets.redact_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "a": "x [REDACTED]", "[REDACTED]": [1, "[REDACTED]", {"b": "[REDACTED]"}], "n": null
            })
        );
    }
}
