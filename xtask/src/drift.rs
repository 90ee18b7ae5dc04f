//! `cargo xtask drift-issue`: what the scheduled drift check (`.github/workflows/drift.yml`)
//! does with the issue tracker, decided offline from its inputs.
//!
//! Inputs: `insighto doctor --json` and its exit code, `cargo xtask upstream --format
//! json` and its exit code (either "not run" when its secret or variable is missing), and
//! the repository's open issues (`gh api --paginate .../issues --jq '.[]'`). Output: at
//! most one request. Drift opens ONE issue, found again by a hidden marker and updated in
//! place (never a second one); when a later run finds no drift, the issue is closed with
//! its body saying so (an open drift issue always means drift now, and the next drift
//! opens a fresh one). A check that could not run (auth, network, an unreadable document)
//! changes nothing on the issue, since it proves neither drift nor its absence, and makes
//! the command fail after printing its decision, so the scheduled run shows red.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::comment::BOT;

/// The hidden first line that identifies the drift issue.
pub const MARKER: &str = "<!-- insighto:spec-drift -->";

/// The drift issue's title.
pub const TITLE: &str = "Spec drift: openapi.yaml and the service differ";

/// `insighto doctor`'s exit code when the service does not match the spec.
const DOCTOR_DRIFT: i32 = 9;

/// One open issue, as the GitHub REST API lists it (pull requests are listed too).
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub number: u64,
    #[serde(default)]
    pub body: Option<String>,
    pub user: Option<crate::comment::User>,
    #[serde(default)]
    pub pull_request: Option<Value>,
}

/// What one check said.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Not run: its secret or variable is not set.
    NotRun,
    /// Ran and found nothing.
    Clean,
    /// Ran and found drift: the report section (Markdown).
    Drift(String),
    /// Could not tell: why.
    Failed(String),
}

/// Reads doctor's result: exit 0 with `conforms: true` is clean, exit 9 with findings
/// is drift, anything else (its `{"error", "exit_code"}` document) a failure.
pub fn doctor(output: Option<(&str, i32)>) -> Check {
    let Some((text, code)) = output else {
        return Check::NotRun;
    };
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(_) => {
            return Check::Failed(format!(
                "insighto doctor exited {code} without its JSON document"
            ));
        }
    };
    match (code, doc["conforms"].as_bool()) {
        (0, Some(true)) => Check::Clean,
        (DOCTOR_DRIFT, Some(false)) => {
            let mut out = format!(
                "### The service (`insighto doctor`)\n\n`{} {}` on `{}` answered {} and does not match `openapi.yaml`:\n\n| where | kind | spec says | came |\n|---|---|---|---|\n",
                text_of(&doc["method"]),
                text_of(&doc["path"]),
                text_of(&doc["base_url"]),
                text_of(&doc["status"]),
            );
            for f in doc["findings"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    text_of(&f["pointer"]),
                    text_of(&f["kind"]),
                    text_of(&f["expected"]),
                    text_of(&f["found"]),
                ));
            }
            Check::Drift(out)
        }
        _ => Check::Failed(format!(
            "insighto doctor exited {code}: {}",
            doc["error"].as_str().unwrap_or("no error message")
        )),
    }
}

/// Reads `cargo xtask upstream --format json`: exit 0 with no change and no stale entry
/// is clean, exit 0 with either is drift, any other exit a failure.
pub fn upstream(output: Option<(&str, i32)>) -> Check {
    let Some((text, code)) = output else {
        return Check::NotRun;
    };
    let doc: Value = match (code, serde_json::from_str(text)) {
        (0, Ok(doc)) => doc,
        _ => {
            return Check::Failed(format!(
                "cargo xtask upstream exited {code} without a report"
            ));
        }
    };
    let changes = doc["changes"].as_array().cloned().unwrap_or_default();
    let stale = doc["stale"].as_array().cloned().unwrap_or_default();
    if changes.is_empty() && stale.is_empty() {
        return Check::Clean;
    }
    let mut out = format!(
        "### The published document (`cargo xtask upstream`)\n\nWhat would change for users if `openapi.yaml` followed `{}`, known differences aside:\n",
        text_of(&doc["base"])
    );
    if !changes.is_empty() {
        out.push_str(
            "\n| where | change | HTTP clients | Rust SDK | what |\n|---|---|---|---|---|\n",
        );
        for c in &changes {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                text_of(&c["pointer"]),
                text_of(&c["rule"]),
                text_of(&c["http"]),
                text_of(&c["rust"]),
                text_of(&c["reason"]),
            ));
        }
    }
    if !stale.is_empty() {
        out.push_str("\nListed in `docs/upstream-differences.toml` but no longer occurring (remove them):\n\n");
        for k in &stale {
            out.push_str(&format!("- {}\n", text_of(&k["reason"])));
        }
    }
    Check::Drift(out)
}

/// A JSON value as table-safe text: strings bare, anything else as JSON.
fn text_of(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    text.replace('|', "\\|").replace('\n', " ")
}

/// What to do with the tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Drift and no open issue of ours: open one.
    Create,
    /// Drift and ours says something else: edit it.
    Update(u64),
    /// No drift any more: close ours.
    Close(u64),
    /// Nothing to do.
    Nothing,
}

/// The decision and the issue body it would write.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub action: Action,
    pub body: String,
    /// Checks that could not run: the command fails after printing its decision.
    pub failures: Vec<String>,
}

/// Decides from both checks and the open issues.
pub fn plan(doctor: &Check, upstream: &Check, issues: &[Issue]) -> Plan {
    let ours = issues
        .iter()
        .filter(|i| i.pull_request.is_none())
        .filter(|i| i.user.as_ref().is_some_and(|u| u.login == BOT))
        .filter(|i| i.body.as_deref().is_some_and(|b| b.starts_with(MARKER)))
        .min_by_key(|i| i.number);
    let checks = [doctor, upstream];
    let drift: Vec<&str> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Drift(section) => Some(section.as_str()),
            _ => None,
        })
        .collect();
    let failures: Vec<String> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Failed(why) => Some(why.clone()),
            _ => None,
        })
        .collect();
    let body = body(&drift, &failures);
    let action = match (drift.is_empty(), ours) {
        (false, None) => Action::Create,
        (false, Some(i)) if i.body.as_deref() == Some(body.as_str()) => Action::Nothing,
        (false, Some(i)) => Action::Update(i.number),
        // Drift gone, and every check that ran could tell.
        (true, Some(i)) if failures.is_empty() && checks.iter().any(|c| **c == Check::Clean) => {
            Action::Close(i.number)
        }
        (true, _) => Action::Nothing,
    };
    Plan {
        action,
        body,
        failures,
    }
}

fn body(drift: &[&str], failures: &[String]) -> String {
    let mut out = format!("{MARKER}\n");
    if drift.is_empty() {
        out.push_str("No drift found any more: the service and its published document match `openapi.yaml` (known differences aside).\n");
        return out;
    }
    out.push_str("The scheduled drift check found that `openapi.yaml` no longer describes the service. This issue is updated by every run and closed by the first run that finds no drift.\n");
    for section in drift {
        out.push('\n');
        out.push_str(section);
    }
    for why in failures {
        out.push_str(&format!("\nThis run could not tell everything: {why}.\n"));
    }
    out.push_str(
        "\n### What to do\n\n\
         - If the service is right: edit `openapi.yaml`, run `cargo xtask generate`, and open a pull request; the contract review comments on what the change means for users.\n\
         - If the difference is deliberate: list it, with its reason, in `docs/upstream-differences.toml`.\n\
         - If the service is wrong: tell Insighto; this issue stays open until it matches.\n",
    );
    out
}

/// The request that carries out a plan: method, path below the repository, JSON body.
pub fn request(plan: &Plan) -> Option<(&'static str, String, String)> {
    match plan.action {
        Action::Create => Some((
            "POST",
            "issues".to_owned(),
            json!({"title": TITLE, "body": plan.body}).to_string(),
        )),
        Action::Update(n) => Some((
            "PATCH",
            format!("issues/{n}"),
            json!({"body": plan.body}).to_string(),
        )),
        Action::Close(n) => Some((
            "PATCH",
            format!("issues/{n}"),
            json!({"body": plan.body, "state": "closed", "state_reason": "completed"}).to_string(),
        )),
        Action::Nothing => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRIFTED: &str = r#"{"base_url": "https://api.insighto.ai", "operation": "get_user_profile", "method": "GET", "path": "/api/v1/user", "status": 200, "conforms": false, "findings": [{"pointer": "/data/follower_count", "kind": "wrong-type", "expected": "integer", "found": "string"}]}"#;
    const CONFORMS: &str = r#"{"base_url": "https://api.insighto.ai", "operation": "get_user_profile", "method": "GET", "path": "/api/v1/user", "status": 200, "conforms": true, "findings": []}"#;
    const NETWORK: &str = r#"{"error": "cannot connect to api.insighto.ai", "exit_code": 6}"#;
    const UPSTREAM_CLEAN: &str =
        r#"{"base": "u", "summary": {}, "changes": [], "known": [{"rule": "x"}], "stale": []}"#;
    const UPSTREAM_DRIFT: &str = r#"{"base": "https://api.insighto.ai/api/v1/openapi.json", "summary": {}, "changes": [{"pointer": "/components/schemas/IUserRead/properties/nickname", "rule": "response-property-added", "http": "non-breaking", "rust": "non-breaking", "reason": "new optional property nickname"}], "known": [], "stale": []}"#;

    fn issue(number: u64, login: &str, body: &str) -> Issue {
        Issue {
            number,
            body: Some(body.to_owned()),
            user: Some(crate::comment::User {
                login: login.to_owned(),
            }),
            pull_request: None,
        }
    }

    #[test]
    fn reads_doctor() {
        assert_eq!(doctor(None), Check::NotRun);
        assert_eq!(doctor(Some((CONFORMS, 0))), Check::Clean);
        let Check::Drift(section) = doctor(Some((DRIFTED, 9))) else {
            panic!("drift expected")
        };
        assert!(section.contains("| `/data/follower_count` | wrong-type | integer | string |"));
        assert!(section.contains("`GET /api/v1/user`"));
        assert_eq!(
            doctor(Some((NETWORK, 6))),
            Check::Failed("insighto doctor exited 6: cannot connect to api.insighto.ai".into())
        );
        assert!(matches!(doctor(Some(("", 9))), Check::Failed(_)));
        // An exit code that contradicts the document is not believed either way.
        assert!(matches!(doctor(Some((DRIFTED, 0))), Check::Failed(_)));
    }

    #[test]
    fn reads_upstream() {
        assert_eq!(upstream(None), Check::NotRun);
        assert_eq!(upstream(Some((UPSTREAM_CLEAN, 0))), Check::Clean);
        let Check::Drift(section) = upstream(Some((UPSTREAM_DRIFT, 0))) else {
            panic!("drift expected")
        };
        assert!(section.contains("`response-property-added`"));
        let stale = r#"{"base": "u", "changes": [], "stale": [{"rule": "server-removed", "pointer": "/servers", "reason": "no servers"}]}"#;
        let Check::Drift(section) = upstream(Some((stale, 0))) else {
            panic!("a stale entry is drift too")
        };
        assert!(section.contains("- no servers"));
        assert!(matches!(
            upstream(Some(("error: HTTP 404", 1))),
            Check::Failed(_)
        ));
    }

    #[test]
    fn drift_opens_one_issue_then_updates_it() {
        let drift = doctor(Some((DRIFTED, 9)));
        let first = plan(&drift, &Check::NotRun, &[issue(3, "alice", "a bug")]);
        assert_eq!(first.action, Action::Create);
        let (method, path, payload) = request(&first).unwrap();
        assert_eq!((method, path.as_str()), ("POST", "issues"));
        let payload: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(payload["title"], TITLE);
        assert!(payload["body"].as_str().unwrap().starts_with(MARKER));

        let open = [issue(3, "alice", "a bug"), issue(7, BOT, &first.body)];
        assert_eq!(plan(&drift, &Check::NotRun, &open).action, Action::Nothing);
        let more = plan(&drift, &upstream(Some((UPSTREAM_DRIFT, 0))), &open);
        assert_eq!(more.action, Action::Update(7));
        assert_eq!(request(&more).unwrap().1, "issues/7");
        assert!(more.body.contains("nickname") && more.body.contains("follower_count"));
    }

    #[test]
    fn no_drift_closes_ours_unless_a_check_failed() {
        let open = [issue(7, BOT, &format!("{MARKER}\nold drift"))];
        let clean = plan(&doctor(Some((CONFORMS, 0))), &Check::NotRun, &open);
        assert_eq!(clean.action, Action::Close(7));
        let payload: Value = serde_json::from_str(&request(&clean).unwrap().2).unwrap();
        assert_eq!(payload["state"], "closed");
        // A check that could not run proves nothing: the issue stays as it is.
        let failed = plan(
            &doctor(Some((NETWORK, 6))),
            &upstream(Some((UPSTREAM_CLEAN, 0))),
            &open,
        );
        assert_eq!(failed.action, Action::Nothing);
        assert_eq!(failed.failures.len(), 1);
        // Nothing ran, nothing is decided.
        assert_eq!(
            plan(&Check::NotRun, &Check::NotRun, &open).action,
            Action::Nothing
        );
        assert_eq!(
            plan(&Check::Clean, &Check::Clean, &[]).action,
            Action::Nothing
        );
    }

    #[test]
    fn only_our_marked_issue_counts() {
        let drift = doctor(Some((DRIFTED, 9)));
        let mut pr = issue(2, BOT, &format!("{MARKER}\nx"));
        pr.pull_request = Some(json!({"url": "..."}));
        let others = [
            issue(1, "mallory", &format!("{MARKER}\nquoted")),
            pr,
            issue(4, BOT, "<!-- insighto:contract-review -->\nx"),
        ];
        assert_eq!(plan(&drift, &Check::NotRun, &others).action, Action::Create);
        let two = [
            issue(9, BOT, &format!("{MARKER}\nb")),
            issue(8, BOT, &format!("{MARKER}\na")),
        ];
        assert_eq!(plan(&drift, &Check::NotRun, &two).action, Action::Update(8));
    }

    #[test]
    fn reads_the_issue_listing() {
        let lines = "{\"number\": 5, \"body\": null, \"user\": {\"login\": \"alice\"}, \"labels\": []}\n{\"number\": 6, \"body\": \"<!-- insighto:spec-drift -->\\nx\", \"user\": {\"login\": \"github-actions[bot]\"}, \"pull_request\": null}\n";
        let issues: Vec<Issue> = crate::comment::parse_listing(lines).unwrap();
        let plan = plan(&Check::Clean, &Check::NotRun, &issues);
        assert_eq!(plan.action, Action::Close(6));
    }
}
