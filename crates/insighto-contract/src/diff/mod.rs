//! Classifies every change between two revisions of the spec, for two audiences:
//! HTTP clients in any language, and Rust users of the generated crate.
//!
//! Schemas are compared as what they mean, not as they are written: `$ref`s are followed
//! and an `allOf` is merged with the keywords beside it (`nullable`, constraints, formats,
//! descriptions) before comparing. A property travels one way only when it is `readOnly`
//! (not in requests) or `writeOnly` (not in responses); a path item's parameters belong
//! to each of its operations; `oneOf`/`anyOf` branches are paired (by `$ref`, by
//! discriminator value, then by shape) before they are compared, so a change inside a
//! branch is that change; a map's values (`additionalProperties`) are a schema like any
//! other. The Rust view also compares the Rust type each field
//! gets (as typify maps it), so a component renamed with every reference moved is no
//! change on the wire but a breaking one for Rust users. Every rule is one row of
//! [`RULES`], with its verdict for each audience.
//!
//! One concern a file: `rules.rs` holds the rule table, `walk.rs` the walk of the
//! document (which parts of the two specs are visited and paired), `schema.rs` the
//! comparison of two schemas (effective schemas, the Rust type of each field) and
//! `report.rs` the Markdown and JSON reports. This file holds what they share: the
//! classified [`Change`] and the [`verdict`] over a list of them.

mod report;
mod rules;
mod schema;
mod walk;

use serde::Serialize;
use serde_json::{Map, Value};

pub use report::{Summary, json, markdown, summarize};
pub use rules::{RULES, Rule, RuleInfo, Severity};
pub use walk::diff;

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// JSON pointer into the new spec (the old one for removals).
    pub pointer: String,
    /// The rule that classified it; its severities are the rule's.
    pub rule: Rule,
    /// For HTTP clients in any language.
    pub http: Severity,
    /// For Rust code using the generated crate.
    pub rust: Severity,
    /// One line saying what changed.
    pub reason: String,
}

impl Change {
    /// The worse of the two views.
    pub fn severity(&self) -> Severity {
        self.http.max(self.rust)
    }

    /// Whether one audience breaks and the other does not.
    pub fn views_disagree(&self) -> bool {
        (self.http == Severity::Breaking) != (self.rust == Severity::Breaking)
    }
}

/// The verdict of a whole diff for one audience: its worst change (`None` for no change).
pub fn verdict(changes: &[Change], view: impl Fn(&Change) -> Severity) -> Severity {
    changes.iter().map(view).max().unwrap_or(Severity::None)
}

/// The entries of a JSON object; none for any other value.
fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}
