//! `insighto doctor`: does the service still answer as `openapi.yaml` says? One
//! `GET /api/v1/user` (never a `PUT`), checked strictly by the library
//! ([`insighto::Client::check_conformance`]); the findings are printed as a table, or as
//! one JSON document with `--json`, and drift exits with its own code (9).

use insighto::{Client, Conformance};
use serde_json::json;

use crate::{Failure, exits, out, terminal};

/// Runs the check against `client`'s service and prints the report.
pub async fn doctor(client: &Client, json: bool) -> Result<(), Failure> {
    let base_url = origin(client.base_url()).to_owned();
    let report = match client.check_conformance().await {
        Ok(report) => report,
        Err(e) => {
            let failure = Failure::from(e);
            if json {
                let document = json!({"error": failure.message, "exit_code": failure.code});
                out(&format!("{document}\n"));
            }
            return Err(failure);
        }
    };
    if json {
        out(&format!("{}\n", document(&base_url, &report)));
    } else {
        out(&table(&base_url, &report));
    }
    if report.conforms() {
        return Ok(());
    }
    let total = report.findings().len() + report.omitted();
    Err(Failure::new(
        exits::DRIFT,
        format!(
            "the service differs from openapi.yaml ({total} finding{}); see \"Keeping the spec \
             true\" in the README: edit openapi.yaml, run `cargo xtask generate`, open a pull request",
            if total == 1 { "" } else { "s" }
        ),
    ))
}

/// The report as one JSON document (the shape the drift workflow reads).
fn document(base_url: &str, report: &Conformance) -> serde_json::Value {
    let (method, path) = report.route();
    let findings: Vec<_> = report
        .findings()
        .iter()
        .map(|f| {
            json!({
                "pointer": f.pointer,
                "kind": f.kind.as_str(),
                "expected": f.expected,
                "found": f.found,
            })
        })
        .collect();
    json!({
        "base_url": base_url,
        "operation": report.operation(),
        "method": method.to_uppercase(),
        "path": path,
        "status": report.response().status(),
        "conforms": report.conforms(),
        "findings": findings,
        "omitted": report.omitted(),
    })
}

/// The report for people: one line for the response, one per finding.
fn table(base_url: &str, report: &Conformance) -> String {
    let (method, path) = report.route();
    let status = report.response().status();
    let head = format!(
        "{} {path} at {} answered {status}",
        method.to_uppercase(),
        terminal::escape(base_url)
    );
    if report.conforms() {
        return format!("{head}: it matches openapi.yaml.\n");
    }
    let total = report.findings().len() + report.omitted();
    let mut text = format!("{head}: {total} difference(s) from openapi.yaml\n");
    let rows: Vec<(String, &str, String)> = report
        .findings()
        .iter()
        .map(|f| {
            let at = if f.pointer.is_empty() {
                "(response)".to_owned()
            } else {
                terminal::escape(&f.pointer)
            };
            let what = format!(
                "expected {}, found {}",
                terminal::escape(&f.expected),
                terminal::escape(&f.found)
            );
            (at, f.kind.as_str(), what)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(at, ..)| at.chars().count())
        .max()
        .unwrap_or(0);
    for (at, kind, what) in rows {
        text.push_str(&format!("  {at:width$}  {kind:<19}  {what}\n"));
    }
    if report.omitted() > 0 {
        text.push_str(&format!("  ... and {} more\n", report.omitted()));
    }
    text
}

/// The scheme and host of a base URL, without its path (a key pasted into the path
/// stays unseen).
pub fn origin(url: &str) -> &str {
    let host_end = url.find("://").map_or(0, |at| at + 3);
    let end = url[host_end..]
        .find('/')
        .map_or(url.len(), |p| host_end + p);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_leaves_the_path_out() {
        assert_eq!(
            origin("http://127.0.0.1:8000/in-key/x"),
            "http://127.0.0.1:8000"
        );
        assert_eq!(origin("https://api.insighto.ai"), "https://api.insighto.ai");
    }
}
