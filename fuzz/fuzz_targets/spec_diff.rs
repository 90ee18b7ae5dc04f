//! The spec model and the contract diff, on any YAML or JSON documents: they never
//! panic (time and memory are bounded by libFuzzer's `-timeout` and `-rss_limit_mb`).
//!
//! Input: the old document, a NUL, the new one (without a NUL, the same text twice).
#![no_main]

use insighto_spec::Spec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (old, new) = input.split_once('\0').unwrap_or((input, input));
    let (Ok(old), Ok(new)) = (Spec::parse(old), Spec::parse(new)) else {
        return;
    };
    for spec in [&old, &new] {
        for op in spec.operations() {
            let _ = (op.statuses(), op.response(404), op.pointer());
        }
        for name in ["UserProfile", "UserProfileUpdate"] {
            let _ = spec.component_fields(name);
        }
    }
    let changes = insighto_contract::diff::diff(&old, &new);
    let _ = insighto_contract::diff::markdown(&changes, "base");
    if old.doc() == new.doc() {
        assert!(
            changes.is_empty(),
            "a document differs from itself: {changes:?}"
        );
    }
});
