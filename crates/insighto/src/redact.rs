//! The one routine that hides a secret in text, whatever encoding the text carries it in.
//!
//! A key can reach text raw, percent-encoded (by this client, upper-case hex, or by a
//! server or proxy, either case, even twice), JSON-escaped (`\/`, `\u002b`, surrogate
//! pairs), Debug-escaped (`\"`, `\\`), or in a mix of these. Rather than list every
//! encoded form, the matcher reads the text one key character at a time and accepts any
//! of the ways that character can be written.
//!
//! The secret part of an Insighto key (the characters after `in-`) is hidden on its own
//! too, when it is long enough that it cannot be ordinary text: a server may echo it
//! without its prefix.

use std::borrow::Cow;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of `secret` in `text`, in any encoding named in the module
/// documentation, with `[REDACTED]`. An empty secret changes nothing.
///
/// The value of every `api_key` parameter (`api_key=…`, `api_key%3D…`, `"api_key":"…"`)
/// is blanked too, whatever it holds: a proxy or server that echoes a URL cut short
/// shows a truncated key, which matches no whole-key form.
///
/// ```
/// let key = "in-a+b/c";
/// let text = "raw in-a+b/c, encoded in-a%2Bb%2fc, JSON in-a\\u002bb\\/c, twice in-a%252Bb%252Fc";
/// assert_eq!(
///     insighto::redact_secret(text, key),
///     "raw [REDACTED], encoded [REDACTED], JSON [REDACTED], twice [REDACTED]"
/// );
/// ```
pub fn redact_secret<'a>(text: &'a str, secret: &str) -> Cow<'a, str> {
    if secret.is_empty() {
        return Cow::Borrowed(text);
    }
    let wanted: Vec<char> = secret.chars().collect();
    if wanted.len() > MAX_ENCODED_SECRET {
        // Too long to search in every encoding; the raw form is still hidden.
        return match text.contains(secret) {
            true => Cow::Owned(blank_key_parameters(&text.replace(secret, REDACTED)).into_owned()),
            false => blank_key_parameters(text),
        };
    }
    let part = secret_part(&wanted);
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    let mut memo = Memo::new();
    while i < bytes.len() {
        // A fresh table per start (and per pattern) keeps memory to what one occurrence
        // can reach.
        let mut find = |pattern: &[char]| {
            if !memo.is_empty() {
                memo = Memo::new();
            }
            longest_match(bytes, i, pattern, 0, &mut memo)
        };
        let found = find(&wanted).or_else(|| part.and_then(&mut find));
        match found {
            Some(end) => {
                out.push_str(&text[copied..i]);
                out.push_str(REDACTED);
                i = end;
                copied = end;
            }
            None => i += 1,
        }
    }
    if copied == 0 {
        return blank_key_parameters(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(blank_key_parameters(&out).into_owned())
}

/// The shortest secret part (after `in-`) hidden on its own: a short one, such as a
/// test key's `in-a+b/c`, would also match ordinary text. Insighto's have 43 characters.
const MIN_SECRET_PART: usize = 20;

/// The characters after `in-`, when there are at least [`MIN_SECRET_PART`] of them.
fn secret_part(secret: &[char]) -> Option<&[char]> {
    let part = secret.strip_prefix(&['i', 'n', '-'][..])?;
    (part.len() >= MIN_SECRET_PART).then_some(part)
}

/// How a key parameter's value is introduced in a URL, an encoded URL or JSON.
const KEY_PARAMETERS: &[&str] = &[
    "api_key=",
    "api_key%3D",
    "api_key%3d",
    "\"api_key\":\"",
    "\"api_key\": \"",
];

/// Replaces the value after each [`KEY_PARAMETERS`] marker (up to `&`, a quote, `<`, `>`,
/// `#` or whitespace) with [`REDACTED`].
fn blank_key_parameters(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let marker = KEY_PARAMETERS
            .iter()
            .find(|m| text.as_bytes()[i..].starts_with(m.as_bytes()));
        let Some(marker) = marker else {
            i += 1;
            continue;
        };
        let start = i + marker.len();
        let end = text[start..]
            .find(|c: char| {
                c == '&'
                    || c == '"'
                    || c == '\''
                    || c == '<'
                    || c == '>'
                    || c == '#'
                    || c.is_whitespace()
            })
            .map_or(text.len(), |n| start + n);
        let value = &text[start..end];
        if !value.is_empty() && value != REDACTED {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        i = end.max(i + 1);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Secrets longer than this (in chars) are searched for raw only: the search below
/// recurses once per char of the secret.
pub(crate) const MAX_ENCODED_SECRET: usize = 256;

/// Results of [`longest_match`] by (byte offset, chars of the secret already matched),
/// for one start: without it, a text where several encodings of each char match (a
/// secret of backslashes) takes exponential time; with it, one start costs at most the
/// (offset, chars) pairs an occurrence can reach.
type Memo = std::collections::HashMap<(usize, usize), Option<usize>>;

/// The end of the longest occurrence of `secret[k..]` starting at byte `i`, if any.
fn longest_match(
    text: &[u8],
    i: usize,
    secret: &[char],
    k: usize,
    memo: &mut Memo,
) -> Option<usize> {
    let Some(&c) = secret.get(k) else {
        return Some(i);
    };
    if let Some(&known) = memo.get(&(i, k)) {
        return known;
    }
    let found = ways(text.get(i..)?, c)
        .into_iter()
        .filter_map(|len| longest_match(text, i + len, secret, k + 1, memo))
        .max();
    memo.insert((i, k), found);
    found
}

/// Every length of a prefix of `text` that writes `c`: raw, percent-encoded (each UTF-8
/// byte as `%XX` or `%25XX`, any hex case), or JSON/Debug-escaped.
fn ways(text: &[u8], c: char) -> Vec<usize> {
    let mut found = Vec::new();
    let mut buf = [0; 4];
    let raw = c.encode_utf8(&mut buf).as_bytes();
    if text.starts_with(raw) {
        found.push(raw.len());
    }
    percent(text, raw, 0, &mut found);
    // JSON- or Debug-escaped, once or more: a JSON text quoted in another (an excerpt of
    // an error body) writes `\/` as `\\/` or `\\\/`.
    let slashes = backslashes(text);
    match c {
        '/' | '"' if slashes > 0 && text.get(slashes) == Some(&(c as u8)) => {
            found.push(slashes + 1);
        }
        '\\' if slashes >= 2 => found.push(2),
        _ => {}
    }
    let mut units = [0u16; 2];
    let mut at = 0;
    let all = c.encode_utf16(&mut units).iter().all(|&unit| {
        json_unit(&text[at..]).is_some_and(|(value, len)| {
            at += len;
            value == unit
        })
    });
    if all {
        found.push(at);
    }
    found
}

/// Pushes the lengths at which `text[at..]` percent-encodes all of `bytes`.
fn percent(text: &[u8], bytes: &[u8], at: usize, found: &mut Vec<usize>) {
    let Some((&first, rest)) = bytes.split_first() else {
        found.push(at);
        return;
    };
    let hex = |at: usize| -> Option<u8> {
        let digits = std::str::from_utf8(text.get(at..at + 2)?).ok()?;
        u8::from_str_radix(digits, 16).ok()
    };
    if text.get(at) != Some(&b'%') {
        return;
    }
    if hex(at + 1) == Some(first) {
        percent(text, rest, at + 3, found);
    }
    if text.get(at + 1..at + 3) == Some(b"25") && hex(at + 3) == Some(first) {
        percent(text, rest, at + 5, found);
    }
}

/// How many backslashes `s` starts with, up to [`MAX_ESCAPES`].
fn backslashes(s: &[u8]) -> usize {
    s.iter()
        .take(MAX_ESCAPES)
        .take_while(|&&b| b == b'\\')
        .count()
}

/// The most backslashes an escape is looked for behind (JSON quoted in JSON, and so on):
/// bounded, so that a text of backslashes costs no more per character.
const MAX_ESCAPES: usize = 8;

/// `\uXXXX` at the start of `s` (its backslash escaped again, perhaps): the UTF-16 unit
/// and the length.
fn json_unit(s: &[u8]) -> Option<(u16, usize)> {
    let slashes = backslashes(s);
    if slashes == 0 || !matches!(s.get(slashes), Some(b'u' | b'U')) {
        return None;
    }
    let text = std::str::from_utf8(s.get(slashes + 1..slashes + 5)?).ok()?;
    u16::from_str_radix(text, 16).ok().map(|u| (u, slashes + 5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_backslashes_are_found_in_linear_time() {
        // Each `\` of the secret matches raw (`\`) and escaped (`\\`) at once; without
        // the memo this took 2^40 steps.
        let secret = "\\".repeat(40);
        let text = format!("x{}y", "\\".repeat(20_000));
        let shown = redact_secret(&text, &secret);
        assert!(shown.contains(REDACTED) && !shown.contains(&secret));
        // Self-similar text: every start matches 40 chars before failing. One table per
        // start keeps memory small (one table for the whole text took gigabytes).
        let secret = format!("{}b", "a".repeat(40));
        let text = "a".repeat(64 * 1024);
        assert_eq!(redact_secret(&text, &secret), text);
        assert!(crate::ApiKey::new("k".repeat(MAX_ENCODED_SECRET + 1)).is_err());
        let long = "k".repeat(MAX_ENCODED_SECRET + 1);
        assert_eq!(
            redact_secret(&format!("a{long}b"), &long),
            format!("a{REDACTED}b")
        );
    }

    #[test]
    fn a_truncated_echo_of_the_key_is_hidden_by_its_parameter() {
        let key = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
        let cut = &key[..40];
        for (text, shown) in [
            (
                format!("GET /api/v1/user?api_key={cut}... 403"),
                "GET /api/v1/user?api_key=[REDACTED] 403",
            ),
            (
                format!("url=%2Fapi%2Fv1%2Fuser%3Fapi_key%3D{cut}&x=1"),
                "url=%2Fapi%2Fv1%2Fuser%3Fapi_key%3D[REDACTED]&x=1",
            ),
            (
                format!(r#"{{"api_key": "{cut}", "ok": true}}"#),
                r#"{"api_key": "[REDACTED]", "ok": true}"#,
            ),
            (format!("?api_key={key}&a=b"), "?api_key=[REDACTED]&a=b"),
        ] {
            assert_eq!(redact_secret(&text, key), shown);
        }
        // Text without the key or its parameter is left as it is, borrowed.
        assert!(matches!(
            redact_secret("api_key= and é", key),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_encoding_of_the_key_is_hidden() {
        let key = "in-SeCrEt+key/with=odd&chars0123";
        let forms = [
            key.to_owned(),
            "in-SeCrEt%2Bkey%2Fwith%3Dodd%26chars0123".to_owned(),
            "in-SeCrEt%2bkey%2fwith%3dodd%26chars0123".to_owned(),
            "in-SeCrEt%2Bkey/with%3dodd&chars0123".to_owned(),
            "in-SeCrEt%252Bkey%252Fwith%253Dodd%2526chars0123".to_owned(),
            "%69%6E%2D%53eCrEt+key/with=odd&chars0123".to_owned(),
            "in-SeCrEt\\u002bkey\\/with\\u003dodd\\u0026chars0123".to_owned(),
            "in-SeCrEt\\u002Bkey\\u002Fwith=odd&chars0123".to_owned(),
            // JSON quoted in JSON.
            "in-SeCrEt\\\\u002Bkey\\\\/with=odd&chars0123".to_owned(),
            "in-SeCrEt+key\\\\\\/with=odd&chars0123".to_owned(),
        ];
        for form in forms {
            let text = format!("before {form} after");
            assert_eq!(
                redact_secret(&text, key),
                "before [REDACTED] after",
                "{form}"
            );
        }
        let unicode = "in-ключ😀\"x\\";
        for form in [
            unicode.to_owned(),
            "in-%D0%BA%D0%BB%D1%8E%D1%87%F0%9F%98%80%22x%5C".to_owned(),
            "in-\\u043a\\u043b\\u044e\\u0447\\ud83d\\ude00\\\"x\\\\".to_owned(),
        ] {
            assert_eq!(redact_secret(&form, unicode), REDACTED, "{form}");
        }
        assert_eq!(redact_secret("in-Secret", key), "in-Secret");
        assert_eq!(redact_secret("abc", ""), "abc");
        assert_eq!(redact_secret("%", "%"), REDACTED);
        assert_eq!(redact_secret("x%2541y", "%41"), "x[REDACTED]y");
        assert_eq!(redact_secret("é%2", "x"), "é%2");
    }

    #[test]
    fn the_secret_part_alone_is_hidden_when_long_enough() {
        let key = "in-Zx9Vq2Lm8Tr4Wp6Ks1Hd3Fg5Jb7Nc0Yu2Ie4Oa6Rt8";
        let part = &key[3..];
        for (text, shown) in [
            (format!("bad {part}!"), "bad [REDACTED]!".to_owned()),
            (format!("{key} {part}"), format!("{REDACTED} {REDACTED}")),
            (
                format!("x {}", part.replace('Z', "%5a")),
                format!("x {REDACTED}"),
            ),
            (format!("in-\\u002d{part}"), format!("in-\\u002d{REDACTED}")),
        ] {
            assert_eq!(redact_secret(&text, key), shown, "{text}");
        }
        // A short key's tail is ordinary text: only the whole key is hidden.
        let short = "in-abc";
        assert_eq!(
            redact_secret("abc in-abc", short),
            format!("abc {REDACTED}")
        );
        let just_short = format!("in-{}", &part[..MIN_SECRET_PART - 1]);
        assert_eq!(
            redact_secret(&part[..MIN_SECRET_PART - 1], &just_short),
            &part[..MIN_SECRET_PART - 1]
        );
    }
}
