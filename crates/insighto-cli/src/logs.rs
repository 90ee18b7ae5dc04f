//! Diagnostics on stderr: `INSIGHTO_LOG` picks what (`debug` for this project's crates
//! only, or a full filter such as `insighto=trace,hyper=debug`),
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
        .with_env_filter(env_filter(std::env::var("INSIGHTO_LOG").ok())?)
        .with_writer(redact::RedactingStderr { secrets, style });
    if json {
        builder.json().with_ansi(false).init();
    } else {
        builder.with_ansi(ansi).init();
    }
    Ok(())
}

/// The filter `INSIGHTO_LOG` asks for: a bare level (`debug`) applies to this project's
/// crates only, so that `INSIGHTO_LOG=debug` does not turn on the debug logs of rustls
/// and hyper too; anything else is taken as a full `EnvFilter` directive list. Unset:
/// errors only, as `EnvFilter`'s default.
fn env_filter(value: Option<String>) -> Result<EnvFilter, Failure> {
    let value = value.unwrap_or_default();
    let level = value.trim().to_ascii_lowercase();
    let directives = match level.as_str() {
        "" => "error".to_owned(),
        "trace" | "debug" | "info" | "warn" | "error" | "off" => {
            format!("error,insighto={level},insighto_cli={level},insighto_sandbox={level}")
        }
        _ => value.clone(),
    };
    EnvFilter::try_new(&directives).map_err(|e| {
        Failure::new(
            exit::USAGE,
            format!("INSIGHTO_LOG is not a log filter ({e}): try `debug` or `insighto=trace`"),
        )
    })
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
    fn a_bare_level_is_scoped_to_this_project() {
        let shown = |v: &str| env_filter(Some(v.to_owned())).map(|f| f.to_string()).ok();
        let debug = shown("debug").unwrap();
        for scoped in [
            "insighto=debug",
            "insighto_cli=debug",
            "insighto_sandbox=debug",
        ] {
            assert!(debug.contains(scoped), "{debug}");
        }
        assert!(
            !debug.contains("hyper") && debug.contains("error"),
            "{debug}"
        );
        assert_eq!(
            shown("hyper=debug").as_deref(),
            Some("hyper=debug"),
            "a full filter is taken as it is"
        );
        assert!(
            shown("insighto=nonsense").is_none(),
            "a bad filter is refused"
        );
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsString::new())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
        assert!(!colour(false, Some("1".into())));
    }
}
