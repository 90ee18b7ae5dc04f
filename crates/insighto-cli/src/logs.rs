//! Diagnostics on stderr: `INSIGHTO_LOG` picks what (`debug`, `insighto=trace`...),
//! `INSIGHTO_LOG_FORMAT` how (`text`, the default, or `json`, one object per line for
//! log collectors). Colour only when stderr is a terminal and `NO_COLOR` is unset or
//! empty. Every line passes through the redacting writer, so the key never appears.

use std::{ffi::OsString, io::IsTerminal};

use tracing_subscriber::EnvFilter;

use crate::{Failure, exit, redact, terminal::LogStyle};

/// Installs the subscriber.
pub fn init(secrets: redact::Secrets) -> Result<(), Failure> {
    let json = match std::env::var("INSIGHTO_LOG_FORMAT").as_deref() {
        Err(_) | Ok("" | "text") => false,
        Ok("json") => true,
        Ok(_) => {
            return Err(Failure::new(
                exit::USAGE,
                "INSIGHTO_LOG_FORMAT must be `text` or `json`",
            ));
        }
    };
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    let style = match json {
        true => LogStyle::Json,
        false => LogStyle::Text { ansi },
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_env("INSIGHTO_LOG"))
        .with_writer(redact::RedactingStderr { secrets, style });
    if json {
        builder.json().with_ansi(false).init();
    } else {
        builder.with_ansi(ansi).init();
    }
    Ok(())
}

/// Colour only on a terminal, and not when `NO_COLOR` is set to anything
/// (<https://no-color.org>: present and not empty).
fn colour(stderr_is_terminal: bool, no_color: Option<OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsString::new())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
        assert!(!colour(false, Some("1".into())));
    }
}
