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

/// Like [`escape`], but newlines and tabs are kept (for multi-line messages).
pub fn escape_keeping_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| line.split('\t').map(escape).collect::<Vec<_>>().join("\t"))
        .collect::<Vec<_>>()
        .join("\n")
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
        assert_eq!(escape_keeping_lines("a\n\tb\u{1b}"), "a\n\tb\\u{1b}");
    }
}
