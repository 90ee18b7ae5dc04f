//! Redaction: for any text and key, the redactor's output holds the key in none of the
//! encodings the client knows (raw, percent-encoded in either hex case, JSON-escaped).
//!
//! Input: the key, a NUL, the text. Keys are shaped like Insighto's (`in-` and
//! characters that are not brackets), so that `[REDACTED]` itself cannot spell one.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Some((tail, text)) = input.split_once('\0') else {
        return;
    };
    let key = format!("in-{tail}");
    if tail.is_empty() || insighto::ApiKey::new(&key).is_err() || key.contains(['[', ']']) {
        return;
    }
    let shown = insighto::redact_secret(text, &key);
    for form in forms(&key) {
        assert!(!shown.contains(&form), "{form:?} in {shown:?}");
    }
});

/// The key as it may be written: raw, percent-encoded (upper and lower hex) and as the
/// inside of a JSON string.
fn forms(key: &str) -> Vec<String> {
    let upper: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    let json = serde_json::to_string(key).unwrap_or_default();
    // Without the enclosing quotes only (the key may end with an escaped one).
    let inside = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default();
    vec![
        key.to_owned(),
        upper.to_lowercase(),
        upper,
        inside.to_owned(),
    ]
}
