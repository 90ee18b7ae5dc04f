//! Defence in depth for the CLI: every log line and error message passes through here,
//! and any occurrence of the API key (raw or URL-encoded) is replaced before it is
//! written, whatever library produced the text.

use std::{io::Write, sync::Arc};

use tracing_subscriber::fmt::MakeWriter;

/// The secrets to hide, in every form they can take in text.
#[derive(Clone, Default)]
pub struct Secrets(Arc<Vec<String>>);

impl Secrets {
    pub fn new(key: Option<&str>) -> Self {
        let mut forms = Vec::new();
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            forms.push(key.to_owned());
            let encoded: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
            if encoded != key {
                forms.push(encoded);
            }
        }
        Self(Arc::new(forms))
    }

    pub fn redact(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "[REDACTED]")
        })
    }
}

/// A `tracing` writer to stderr that redacts each event before writing it.
#[derive(Clone)]
pub struct RedactingStderr(pub Secrets);

pub struct EventBuffer {
    secrets: Secrets,
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
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        EventBuffer {
            secrets: self.0.clone(),
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
            secrets.redact("k=in-a+b/c&x=in-a%2Bb%2Fc"),
            "k=[REDACTED]&x=[REDACTED]"
        );
        assert_eq!(Secrets::new(None).redact("in-a"), "in-a");
    }
}
