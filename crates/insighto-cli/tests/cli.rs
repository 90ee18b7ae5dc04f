//! The `insighto` binary as users run it: output, exit codes, persistence, secrecy.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command as StdCommand, Stdio},
};

use std::time::Duration;

use assert_cmd::{Command, cargo::cargo_bin};
use insighto_tests::stdout_and_stderr;
use serde_json::Value;

/// The binary with a private data directory and no ambient configuration.
fn insighto(data: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(cargo_bin("insighto"));
    cmd.env("XDG_DATA_HOME", data.path())
        .env("HOME", data.path())
        .env_remove("INSIGHTO_API_KEY")
        .env_remove("INSIGHTO_BASE_URL")
        .env_remove("INSIGHTO_LOG");
    cmd
}

/// Everything a user sees of a run.
fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(output)))
}

#[test]
fn readme_main_command_persists_across_runs() {
    let data = tempfile::tempdir().unwrap();
    let out = insighto(&data)
        .args([
            "--sandbox",
            "profile",
            "update",
            "--first-name",
            "Ada",
            "--clear-last-name",
        ])
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("first_name") && l.ends_with("Ada")),
        "{printed}"
    );

    // A new process is a restarted sandbox on the same database.
    let out = insighto(&data)
        .args(["profile", "show", "--json", "--sandbox"])
        .assert()
        .success();
    let profile = json_of(&out.get_output().stdout);
    assert_eq!(profile["first_name"], "Ada");
    assert_eq!(profile["last_name"], Value::Null);
    assert_eq!(profile["email"], "demo@example.com");

    // Each run closed the database: SQLite checkpointed its write-ahead log, and only
    // the database file is left.
    let left: Vec<String> = std::fs::read_dir(data.path().join("insighto"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["sandbox.sqlite3"]);
}

#[test]
fn usage_errors_exit_2() {
    let data = tempfile::tempdir().unwrap();
    for args in [
        vec!["--sandbox", "profile", "update"],
        vec![
            "--sandbox",
            "profile",
            "update",
            "--phone",
            "1",
            "--clear-phone",
        ],
        vec!["--sandbox", "profile", "update", "--is-active", "maybe"],
        vec!["--sandbox", "profile", "update", "--birthdate", "yesterday"],
        vec!["profile", "show"],
        vec!["profile", "frobnicate"],
    ] {
        let out = insighto(&data).args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
}

/// `insighto sandbox --port 0` in the background; returns it with its URL and demo key.
fn background_sandbox(data: &tempfile::TempDir) -> (Child, String, String) {
    let mut child = StdCommand::new(cargo_bin("insighto"))
        .args(["sandbox", "--port", "0", "--in-memory"])
        .env("XDG_DATA_HOME", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut field = |prefix: &str| {
        let line = lines.next().unwrap().unwrap();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{line}"))
            .trim()
            .to_owned()
    };
    let url = field("Insighto sandbox listening on");
    let key = field("Demo API key:");
    // Keep draining stdout so the server never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url, key)
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn against_a_sandbox_server_with_exit_codes_and_no_key_in_output() {
    let data = tempfile::tempdir().unwrap();
    let (child, url, key) = background_sandbox(&data);
    let _guard = Killed(child);
    assert!(key.starts_with("in-") && key.len() == 46, "{key}");

    let out = insighto(&data)
        .args([
            "profile",
            "update",
            "--json",
            "--email",
            "ada@example.org",
            "--is-paying",
            "true",
        ])
        .args(["--base-url", &url, "--api-key", &key])
        .assert()
        .success();
    let profile = json_of(&out.get_output().stdout);
    assert_eq!(
        (profile["email"].as_str(), profile["is_paying"].as_bool()),
        (Some("ada@example.org"), Some(true))
    );

    let out = insighto(&data)
        .env("INSIGHTO_API_KEY", &key)
        .env("INSIGHTO_BASE_URL", &url)
        .args(["profile", "show", "--json"])
        .assert()
        .success();
    assert_eq!(
        json_of(&out.get_output().stdout)["email"],
        "ada@example.org"
    );

    let secret = "in-ThisKeyIsWrongAndMustNeverBePrinted0000000000";
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for (args, base, code) in [
        (vec!["profile", "show"], url.as_str(), 3),
        (
            vec!["profile", "update", "--first-name", "x"],
            url.as_str(),
            3,
        ),
        (vec!["profile", "show"], closed.as_str(), 6),
    ] {
        let out = insighto(&data)
            .env("INSIGHTO_LOG", "trace")
            .args(&args)
            .args(["--base-url", base, "--api-key", secret])
            .assert()
            .code(code);
        let all = stdout_and_stderr(out.get_output());
        assert!(!all.contains("ThisKeyIsWrong"), "key printed: {all}");
        assert!(all.contains("error: "), "{all}");
    }

    // A validation error from the server: exit 4, the field named.
    let out = insighto(&data)
        .args([
            "profile",
            "update",
            "--email",
            "not-an-email",
            "--base-url",
            &url,
            "--api-key",
            &key,
        ])
        .assert()
        .code(4);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("body.email"), "{stderr}");
}

#[test]
fn help_never_shows_the_key_from_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let out = insighto(&data)
        .env("INSIGHTO_API_KEY", "in-HelpMustHideThis")
        .arg("--help")
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains("HelpMustHideThis"));
}

/// The CLI against a misbehaving server, logging at TRACE: the key is in no output.
#[test]
fn faults_never_print_the_key() {
    use insighto_tests::faulty::{Behavior, Faulty, response};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let secret = "in-FaultsMustNotPrintThisKey0000000000000000000";
    let cases = [
        (
            "reset",
            Behavior::RawThenReset(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n{".to_vec()),
            6,
        ),
        (
            "html 502",
            Behavior::Raw(response(
                "502 Bad Gateway",
                &[("content-type", "text/html")],
                b"<html>bad gateway</html>",
            )),
            7,
        ),
        (
            "429 beyond the cap",
            Behavior::Raw(response(
                "429 Too Many Requests",
                &[("retry-after", "86400")],
                b"",
            )),
            7,
        ),
        (
            "redirect carrying the key",
            Behavior::Raw(response(
                "302 Found",
                &[("location", &format!("http://127.0.0.1:9/?api_key={secret}"))],
                b"",
            )),
            8,
        ),
        (
            "echoing 401",
            Behavior::Raw(response(
                "401 Unauthorized",
                &[("content-type", "application/json")],
                format!("{{\"detail\": \"bad key {secret}\"}}").as_bytes(),
            )),
            3,
        ),
        (
            "invalid utf-8",
            Behavior::Raw(response(
                "200 OK",
                &[("content-type", "application/json")],
                b"\xff\xfe",
            )),
            8,
        ),
    ];
    let data = tempfile::tempdir().unwrap();
    for (name, behavior, code) in cases {
        let server = runtime.block_on(Faulty::start(vec![behavior]));
        let out = insighto(&data)
            .env("INSIGHTO_LOG", "trace")
            .args([
                "profile",
                "show",
                "--base-url",
                &server.url,
                "--api-key",
                secret,
            ])
            .timeout(Duration::from_secs(30))
            .assert()
            .code(code);
        let all = stdout_and_stderr(out.get_output());
        assert!(
            all.contains("TRACE") || all.contains("DEBUG"),
            "{name}: logs were not captured: {all}"
        );
        assert!(
            !all.contains("FaultsMustNotPrintThisKey"),
            "{name}: key printed: {all}"
        );
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert!(!all.contains(&encoded), "{name}");
    }
}
