//! Text from the server, made safe for a terminal: control characters (escape sequences,
//! carriage returns, NUL, a newline that would forge another line) and invisible
//! direction or format marks are shown escaped, as `\u{1b}`.

use std::fmt::Write;

/// `text` with every control and bidirectional/format character escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// How log events are written: JSON objects, or text with or without colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogStyle {
    Json,
    Text { ansi: bool },
}

/// A formatted log event as exactly one line: whatever text of the server's it quotes, a
/// line separator in it (`\n`, `\r`, U+0085, U+2028, U+2029...) cannot start another,
/// forged, line. In JSON, where the formatter has escaped what JSON requires, the rest
/// is written as JSON escapes (`\u2028`), so that each line stays one valid object; in
/// text, as [`escape`] writes them (the formatter's own colours and tabs are kept).
pub fn log_line(event: &str, style: LogStyle) -> String {
    let body = event.strip_suffix('\n').unwrap_or(event);
    let mut out = String::with_capacity(event.len() + 1);
    for c in body.chars() {
        match style {
            // Every unsafe char is in the Basic Multilingual Plane: one `\uXXXX`.
            LogStyle::Json if unsafe_char(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            LogStyle::Text { ansi } if unsafe_char(c) && c != '\t' && !(ansi && c == '\u{1b}') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out.push('\n');
    out
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_not_obeyed() {
        assert_eq!(escape("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(escape("Doe\nid  forged"), "Doe\\u{a}id  forged");
        assert_eq!(
            escape("a\u{0}b\rc\u{7f}\u{9b}"),
            "a\\u{0}b\\u{d}c\\u{7f}\\u{9b}"
        );
        assert_eq!(escape("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(escape("Zoë 😀 ok"), "Zoë 😀 ok");
    }

    #[test]
    fn a_log_event_is_one_line_in_every_style() {
        let event = "x\ty\nFAKE\r\u{85}\u{2028}\u{2029}\u{1b}[1mz\n";
        assert_eq!(
            log_line(event, LogStyle::Text { ansi: false }),
            "x\ty\\u{a}FAKE\\u{d}\\u{85}\\u{2028}\\u{2029}\\u{1b}[1mz\n"
        );
        assert_eq!(
            log_line(event, LogStyle::Text { ansi: true }),
            "x\ty\\u{a}FAKE\\u{d}\\u{85}\\u{2028}\\u{2029}\u{1b}[1mz\n"
        );
        let json = "{\"m\":\"a\u{2028}b\u{85}\u{7f}\"}\n";
        let line = log_line(json, LogStyle::Json);
        assert_eq!(line, "{\"m\":\"a\\u2028b\\u0085\\u007f\"}\n");
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["m"], "a\u{2028}b\u{85}\u{7f}");
        assert_eq!(log_line("no newline", LogStyle::Json), "no newline\n");
    }
}
