//! The report: the changes summarized by severity and rendered as Markdown (for a pull
//! request comment) or as JSON.

use serde::Serialize;
use serde_json::Value;

use super::{
    Change,
    Severity::{Breaking as B, Docs as D, NonBreaking as N, None as X},
};

/// Counts of changes by severity, for the summary line.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub breaking: usize,
    pub non_breaking: usize,
    pub docs_only: usize,
    pub breaking_for_http: usize,
    pub breaking_for_rust: usize,
}

pub fn summarize(changes: &[Change]) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.severity() {
            B => s.breaking += 1,
            N => s.non_breaking += 1,
            D => s.docs_only += 1,
            X => {}
        }
        s.breaking_for_http += usize::from(c.http == B);
        s.breaking_for_rust += usize::from(c.rust == B);
    }
    s
}

/// A report ready to paste as a PR comment.
pub fn markdown(changes: &[Change], base: &str) -> String {
    let s = summarize(changes);
    let mut out = String::from("## API contract changes\n\n");
    if changes.is_empty() {
        out.push_str(&format!("No change to `openapi.yaml` against `{base}`.\n"));
        return out;
    }
    out.push_str(&format!(
        "**{} breaking**, {} non-breaking, {} docs-only against `{base}` (breaking for HTTP clients: {}; for Rust SDK users: {}).\n",
        s.breaking, s.non_breaking, s.docs_only, s.breaking_for_http, s.breaking_for_rust
    ));
    for (severity, title) in [(B, "Breaking"), (N, "Non-breaking"), (D, "Docs-only")] {
        let group: Vec<&Change> = changes
            .iter()
            .filter(|c| c.severity() == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n| where | change | HTTP clients | Rust SDK | why |\n|---|---|---|---|---|\n"));
        for c in group {
            let flag = if c.views_disagree() {
                " ⚠ views differ"
            } else {
                ""
            };
            out.push_str(&format!(
                "| `{}` | `{}`{flag} | {} | {} | {} |\n",
                c.pointer,
                c.rule,
                c.http.label(),
                c.rust.label(),
                format!("{}: {}", c.reason, c.rule.info().explanation).replace('|', "\\|")
            ));
        }
    }
    out
}

/// A machine-readable report.
pub fn json(changes: &[Change], base: &str) -> Value {
    let explained: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).expect("serializable");
            v["explanation"] = c.rule.info().explanation.into();
            v
        })
        .collect();
    serde_json::json!({ "base": base, "summary": summarize(changes), "changes": explained })
}
