//! The decoders: `Timestamp`'s parser and the generated types' serde never panic, and a
//! value that decodes and can be sent re-encodes and decodes to the same value.
#![no_main]

use insighto::{Timestamp, types::UserProfileResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(stamp) = text.parse::<Timestamp>()
    {
        assert_eq!(
            stamp.to_string().parse::<Timestamp>(),
            Ok(stamp),
            "{text:?}"
        );
        let json = serde_json::to_string(&stamp).expect("a parsed date-time is in range");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).ok(), Some(stamp));
    }
    if let Ok(envelope) = serde_json::from_slice::<UserProfileResponse>(data) {
        // Out-of-range date-times decode but are never sent: nothing to compare then.
        // (The generated types have no `PartialEq`: their encodings are compared.)
        if let Ok(json) = serde_json::to_string(&envelope) {
            let again: UserProfileResponse = serde_json::from_str(&json).expect("re-decodes");
            assert_eq!(serde_json::to_string(&again).ok(), Some(json));
        }
    }
});
