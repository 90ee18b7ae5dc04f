//! `insighto doctor`: exit 0 when the service answers as openapi.yaml says, 9 on each kind
//! of drift (named by pointer and kind, in the table and in `--json`), the usual codes
//! for auth and network failures, and never the key.

use std::time::Duration;

use assert_cmd::{Command, cargo::cargo_bin};
use insighto_tests::{
    drift::drifts,
    scripted::{Canned, KEY, Scripted, assert_no_key, documented_envelope, refused_url},
};
use serde_json::{Value, json};

/// The binary with a private data directory and none of the user's settings.
fn insighto(data: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(cargo_bin("insighto"));
    for setting in ["API_KEY", "BASE_URL", "TIMEOUT", "RETRIES", "LOG"] {
        cmd.env_remove(format!("INSIGHTO_{setting}"));
    }
    cmd.env("XDG_DATA_HOME", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .env("HOME", data.path())
        .timeout(Duration::from_secs(60));
    cmd
}

/// `insighto doctor` against `url`: exit code, stdout, stderr.
fn doctor(url: &str, json: bool) -> (i32, String, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = insighto(&data);
    cmd.args([
        "--base-url",
        url,
        "--api-key",
        KEY,
        "--retries",
        "0",
        "doctor",
    ]);
    if json {
        cmd.arg("--json");
    }
    let output = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_no_key(&format!("{stdout}{stderr}"));
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn the_sandbox_and_the_documented_example_conform() {
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data)
        .args(["--sandbox", "doctor"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("GET /api/v1/user") && stdout.contains("matches openapi.yaml"),
        "{stdout}"
    );

    let rt = runtime();
    let server = rt.block_on(Scripted::start(vec![Canned::json(
        200,
        documented_envelope(),
    )]));
    let (code, stdout, _) = doctor(&server.url, true);
    assert_eq!(code, 0, "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["conforms"], true);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(
        (report["method"].as_str(), report["path"].as_str()),
        (Some("GET"), Some("/api/v1/user"))
    );
    let methods: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET"], "never a PUT");
}

#[test]
fn each_kind_of_drift_exits_9_and_is_named() {
    let rt = runtime();
    for drift in drifts() {
        let server = rt.block_on(Scripted::start(vec![drift.canned]));
        let (code, stdout, stderr) = doctor(&server.url, true);
        assert_eq!(code, 9, "{}: {stdout}{stderr}", drift.name);
        let report: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(report["conforms"], false);
        let finding = &report["findings"][0];
        assert_eq!(
            (finding["pointer"].as_str(), finding["kind"].as_str()),
            (Some(drift.pointer), Some(drift.kind.as_str())),
            "{}: {stdout}",
            drift.name
        );
        assert!(stderr.contains("differs from openapi.yaml"), "{stderr}");

        let (code, table, _) = doctor(&server.url, false);
        assert_eq!(code, 9);
        assert!(
            table.contains(drift.kind.as_str()) && table.contains(drift.pointer),
            "{table}"
        );
        assert!(
            server.requests().iter().all(|r| r.method == "GET"),
            "never a PUT"
        );
    }
}

#[test]
fn failures_keep_their_exit_codes_and_json_says_so() {
    let rt = runtime();
    let server = rt.block_on(Scripted::start(vec![Canned::json(
        401,
        json!({"detail": format!("Not authenticated {KEY}")}),
    )]));
    let (code, stdout, stderr) = doctor(&server.url, true);
    assert_eq!(code, 3, "{stdout}{stderr}");
    let failure: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(failure["exit_code"], 3);
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .contains("rejected the API key"),
        "{failure}"
    );

    let (code, _, stderr) = doctor(&refused_url(), false);
    assert_eq!(code, 6, "{stderr}");
}

#[test]
fn help_documents_exit_code_9() {
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("doctor") && help.contains("9 the service differs from openapi.yaml"),
        "{help}"
    );
}
