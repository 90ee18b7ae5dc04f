//! Regression tests of issue 12 for the CLI: exit codes and hints (8), the terminal
//! obeying the server (9), `--timeout` and `--retries` (12), and values out of range (1).

use std::time::{Duration, Instant};

use assert_cmd::{Command, cargo::cargo_bin};
use insighto_tests::{
    faulty::{Behavior, Faulty, response},
    stdout_and_stderr,
};

const KEY: &str = "in-CliHardeningKey000000000000000000000000000000";

/// The binary with a private data directory and none of the user's settings.
fn insighto(data: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(cargo_bin("insighto"));
    for setting in ["API_KEY", "BASE_URL", "TIMEOUT", "RETRIES", "LOG"] {
        cmd.env_remove(format!("INSIGHTO_{setting}"));
    }
    cmd.env("XDG_DATA_HOME", data.path())
        .env("HOME", data.path());
    cmd
}

/// `profile show` against a server that answers `behavior`: exit code, stdout, stderr.
fn show(
    runtime: &tokio::runtime::Runtime,
    behavior: Behavior,
    extra: &[&str],
) -> (i32, String, String) {
    let server = runtime.block_on(Faulty::start(vec![behavior]));
    show_from(&server, extra, &[])
}

/// `profile show` against `server`, with extra arguments and environment variables.
fn show_from(server: &Faulty, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = insighto(&data);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let output = cmd
        .args(["--base-url", &server.url, "--api-key", KEY])
        .args(["profile", "show"])
        .args(extra)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json_response(status: &str, body: &str) -> Behavior {
    Behavior::Raw(response(
        status,
        &[("content-type", "application/json")],
        body.as_bytes(),
    ))
}

#[test]
fn each_exit_code_means_one_kind_of_failure_with_a_fitting_hint() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cases = [
        (
            "400",
            json_response(
                "400 Bad Request",
                r#"{"detail": "There was an error parsing the body"}"#,
            ),
            4,
        ),
        (
            "inactive",
            json_response("400 Bad Request", r#"{"detail": "Inactive user"}"#),
            3,
        ),
        (
            "413",
            json_response("413 Payload Too Large", r#"{"detail": "too large"}"#),
            4,
        ),
        (
            "418",
            json_response("418 I'm a teapot", r#"{"detail": "teapot"}"#),
            8,
        ),
        (
            "204",
            Behavior::Raw(response("204 No Content", &[], b"")),
            8,
        ),
        (
            "302",
            Behavior::Raw(response(
                "302 Found",
                &[("location", "http://127.0.0.1:9/")],
                b"",
            )),
            8,
        ),
        (
            "decode",
            json_response("200 OK", r#"{"unexpected": true}"#),
            8,
        ),
        (
            "404",
            json_response("404 Not Found", r#"{"detail": "Not Found"}"#),
            5,
        ),
        (
            "503",
            json_response("503 Service Unavailable", r#"{"detail": "down"}"#),
            7,
        ),
    ];
    for (name, behavior, code) in cases {
        let (found, _, stderr) = show(&runtime, behavior, &["--retries", "0"]);
        assert_eq!(found, code, "{name}: {stderr}");
        let retry_helps = code == 6 || code == 7;
        assert_eq!(
            stderr.contains("try again"),
            retry_helps,
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("user id"), "{name}: {stderr}");
    }
}

#[test]
fn a_key_echoed_with_lower_case_hex_is_hidden() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = "in-Cli+Hardening/Key=000000000000000000000000000000000";
    let echoed = "in-Cli%2bHardening%2fKey%3d000000000000000000000000000000000";
    let body = format!(
        r#"{{"detail": [{{"loc": ["query", "{echoed}"], "msg": "bad {echoed}", "type": "x"}}]}}"#
    );
    let server = runtime.block_on(Faulty::start(vec![json_response(
        "422 Unprocessable Entity",
        &body,
    )]));
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data)
        .env("INSIGHTO_LOG", "trace")
        .args([
            "--base-url",
            &server.url,
            "--api-key",
            key,
            "profile",
            "show",
        ])
        .output()
        .unwrap();
    let all = stdout_and_stderr(&output).to_lowercase();
    assert_eq!(output.status.code(), Some(4), "{all}");
    assert!(all.contains("[redacted]"), "{all}");
    assert!(!all.contains("hardening"), "key printed: {all}");
}

#[test]
fn the_terminal_shows_what_the_server_sends_but_never_obeys_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let body = r#"{"message": "ok", "meta": {}, "data": {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "first_name": "\u001b[2J\u001b]0;pwned\u0007", "last_name": "Doe\nid                          forged\r", "address": "a\u202eb\u0000"}}"#;
    let (code, stdout, _) = show(&runtime, json_response("200 OK", body), &[]);
    assert_eq!(code, 0);
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout:?}"
    );
    assert!(!stdout.contains('\u{202e}'), "{stdout:?}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("id ")).count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("Doe\\u{a}id"), "{stdout}");

    // JSON output stays exact.
    let (code, stdout, _) = show(&runtime, json_response("200 OK", body), &["--json"]);
    assert_eq!(code, 0);
    let profile: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(profile["first_name"], "\u{1b}[2J\u{1b}]0;pwned\u{7}");

    // An error excerpt with binary bytes and NUL.
    let binary = Behavior::Raw(response(
        "418 I'm a teapot",
        &[],
        b"\x00\x1b[31mred\x07\xff",
    ));
    let (_, _, stderr) = show(&runtime, binary, &["--retries", "0"]);
    assert!(
        !stderr.contains('\u{0}') && !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
}

#[test]
fn a_stalled_server_can_be_cut_short() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stall = || Behavior::Drip {
        head: b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n".to_vec(),
        body: vec![b' '; 100],
        every: Duration::from_secs(5),
    };
    let started = Instant::now();
    let (code, _, stderr) = show(&runtime, stall(), &["--timeout", "0.3", "--retries", "1"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // The same from the environment.
    let server = runtime.block_on(Faulty::start(vec![stall()]));
    let started = Instant::now();
    let env = [("INSIGHTO_TIMEOUT", "0.3"), ("INSIGHTO_RETRIES", "0")];
    let (code, _, stderr) = show_from(&server, &[], &env);
    assert_eq!(code, 6, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.connections(), 1, "--retries 0 still retried");

    let data = tempfile::tempdir().unwrap();
    for bad in [
        ["--timeout", "0"],
        ["--timeout", "soon"],
        ["--retries", "-1"],
        ["--retries", "99"],
    ] {
        insighto(&data)
            .args(["--sandbox", "profile", "show"])
            .args(bad)
            .assert()
            .code(2);
    }
}

#[test]
fn a_date_time_no_server_can_store_is_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    for value in ["0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"] {
        insighto(&data)
            .args(["--sandbox", "profile", "update", "--birthdate", value])
            .assert()
            .code(2);
    }
}

#[test]
fn a_closed_stderr_gives_the_exit_code_not_a_panic() {
    let config = tempfile::tempdir().unwrap();
    // stderr is a pipe nobody reads any more: writing the message fails (EPIPE).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(cargo_bin("insighto"))
        .args(["profile", "show"])
        .env("XDG_CONFIG_HOME", config.path())
        .env("HOME", config.path())
        .env_remove("INSIGHTO_API_KEY")
        .env_remove("INSIGHTO_BASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "no key is a usage error, exit 2");
}

/// A key sent over plain http to another machine is said to travel unencrypted (the key
/// itself is not shown); to this machine, or over https, nothing is said.
#[test]
fn plain_http_to_another_machine_is_warned_about() {
    let data = tempfile::tempdir().unwrap();
    let run = |base_url: &str| {
        let out = insighto(&data)
            .args(["--api-key", KEY, "--base-url", base_url])
            .args(["--timeout", "1", "--retries", "0", "profile", "show"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // TEST-NET-1 and a closed loopback port: both fail fast, only the first is remote.
    let remote = run("http://192.0.2.1:9");
    assert!(remote.contains("travels unencrypted"), "{remote}");
    assert!(!remote.contains(KEY), "{remote}");
    for local in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        let said = run(local);
        assert!(!said.contains("unencrypted"), "{local}: {said}");
    }
}
