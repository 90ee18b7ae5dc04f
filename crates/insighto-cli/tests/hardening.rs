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
    let args = [&["profile", "show"][..], extra].concat();
    run_with(server, KEY, &args, env)
}

/// The binary with `key` and `args` against `server`: exit code, stdout, stderr.
fn run_with(
    server: &Faulty,
    key: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data)
        .env_remove("INSIGHTO_LOG_FORMAT")
        .envs(env.iter().copied())
        .args(["--base-url", &server.url, "--api-key", key])
        .args(args)
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
            "414",
            json_response("414 URI Too Long", r#"{"detail": "too long"}"#),
            4,
        ),
        // The GET documents no 413: an answer from something else than the API.
        (
            "413",
            json_response("413 Payload Too Large", r#"{"detail": "too large"}"#),
            8,
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
        // Nor a 404 (the PUT's 404 is "not found": see
        // `an_undocumented_status_is_unexpected_per_operation`).
        (
            "404",
            json_response("404 Not Found", r#"{"detail": "Not Found"}"#),
            8,
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
    // The PUT documents 422 (the GET before it finds the caller's id).
    let server = runtime.block_on(Faulty::start(vec![
        Behavior::Raw(insighto_tests::faulty::ok_profile()),
        json_response("422 Unprocessable Entity", &body),
    ]));
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data)
        .env("INSIGHTO_LOG", "trace")
        .args(["--base-url", &server.url, "--api-key", key])
        .args(["profile", "update", "--first-name", "Ada"])
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

// Issue 22: what a third adversarial run broke.

/// An Insighto-shaped key: `in-` and 43 characters, the secret part.
const LONG_KEY: &str = "in-Zx9Vq2Lm8Tr4Wp6Ks1Hd3Fg5Jb7Nc0Yu2Ie4Oa6Rt8";

fn secret_part() -> &'static str {
    LONG_KEY.strip_prefix("in-").unwrap()
}

/// A 200 whose profile has `fields` (JSON members) besides its id.
fn profile_with(fields: &str) -> Behavior {
    json_response(
        "200 OK",
        &format!(
            r#"{{"message": "ok", "meta": {{}}, "data": {{"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", {fields}}}}}"#
        ),
    )
}

/// Runs the binary with `args` against `server` with `LONG_KEY`.
fn run_against(server: &Faulty, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    run_with(server, LONG_KEY, args, env)
}

/// (1) and (2): every profile value holding the key, raw, percent-encoded in lower case,
/// JSON-escaped or only its secret part, is redacted by `show`, `update` and `--json`.
#[test]
fn profile_values_never_show_the_key_in_any_form() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let secret = secret_part();
    let encoded: String = LONG_KEY
        .bytes()
        .map(|b| format!("%{b:02x}"))
        .collect::<String>();
    let fields = format!(
        r#""first_name": "{LONG_KEY}", "last_name": "{encoded}", "address": "echo {secret} end",
        "city": "in\u002d{secret}", "country": "x{secret}x""#
    );
    let server = runtime.block_on(Faulty::start(vec![profile_with(&fields)]));
    for args in [
        &["profile", "show"][..],
        &["profile", "show", "--json"],
        &["profile", "update", "--first-name", "Ada"],
        &["profile", "update", "--json", "--first-name", "Ada"],
    ] {
        let (code, stdout, stderr) = run_against(&server, args, &[]);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let all = format!("{stdout}{stderr}");
        assert!(!all.contains(secret), "{args:?}: key shown: {all}");
        assert!(!all.contains(&encoded[20..]), "{args:?}: key shown: {all}");
        assert!(all.contains("[REDACTED]"), "{args:?}: {all}");
        if args.contains(&"--json") {
            let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(value["first_name"], "[REDACTED]", "{stdout}");
            assert_eq!(value["address"], "echo [REDACTED] end", "{stdout}");
        }
    }
}

/// (2): the secret part of the key, echoed without its `in-` prefix in an error detail.
#[test]
fn the_secret_part_of_the_key_alone_is_hidden_in_errors() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let secret = secret_part();
    let body = format!(r#"{{"detail": "unknown key {secret}"}}"#);
    let server = runtime.block_on(Faulty::start(vec![json_response(
        "401 Unauthorized",
        &body,
    )]));
    let (code, stdout, stderr) =
        run_against(&server, &["profile", "show"], &[("INSIGHTO_LOG", "trace")]);
    assert_eq!(code, 3, "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains(secret), "{stderr}");
    assert!(stderr.contains("unknown key [REDACTED]"), "{stderr}");
}

/// (3): a line separator of any kind in server text forges no line on stderr, in the
/// human and the JSON log formats.
#[test]
fn server_text_forges_no_line_on_stderr() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let forged = r#"{\"level\":\"ERROR\",\"fields\":{\"message\":\"FAKE\"}}"#;
    for separator in ["\\n", "\\r\\n", "\\u2028", "\\u2029", "\\u0085", "\\u000b"] {
        let body = format!(r#"{{"detail": "down{separator}{forged}{separator}FAKE: forged"}}"#);
        let answer = json_response("503 Service Unavailable", &body);
        let server = runtime.block_on(Faulty::start(vec![answer]));
        for format in ["text", "json"] {
            let env = [("INSIGHTO_LOG", "debug"), ("INSIGHTO_LOG_FORMAT", format)];
            let (code, _, stderr) =
                run_against(&server, &["profile", "show", "--retries", "1"], &env);
            assert_eq!(code, 7, "{stderr}");
            assert!(stderr.contains("FAKE"), "{separator} {format}: {stderr}");
            for c in ['\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}'] {
                assert!(!stderr.contains(c), "{separator} {format}: {stderr:?}");
            }
            for line in stderr.lines() {
                assert!(
                    !line.starts_with("FAKE")
                        && !line.starts_with(r#"{"level":"ERROR","fields":{"message":"FAKE"#),
                    "{separator} {format}: forged line {line:?} in {stderr}"
                );
                if format == "json" && !line.starts_with("error: ") {
                    let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
                    assert!(parsed.is_ok(), "{separator}: not a JSON log line: {line:?}");
                }
            }
        }
    }
}

/// (4): a date-time that cannot be encoded (year 10000 in UTC) is shown as sent or is an
/// unexpected answer (8), never "other" (1).
#[test]
fn a_date_time_out_of_range_is_no_internal_failure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Faulty::start(vec![profile_with(
        r#""birthdate": "9999-12-31T23:59:59-23:59""#,
    )]));
    for args in [&["profile", "show"][..], &["profile", "show", "--json"]] {
        let (code, stdout, stderr) = run_against(&server, args, &[]);
        assert!(code == 0 || code == 8, "{args:?}: exit {code}: {stderr}");
        if code == 0 {
            assert!(stdout.contains("9999-12-31T23:59:59-23:59"), "{stdout}");
        } else {
            assert!(stderr.contains("date-time"), "{stderr}");
        }
    }
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// (5) and (6): a config file, sandbox database or seed that is not a regular file (a
/// FIFO, a directory, a device) is refused at once with exit 2, never read.
#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/insighto");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    mkfifo(&config);
    let quick = |args: &[&str]| {
        let started = Instant::now();
        let output = insighto(&home)
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .args(args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} hung");
        let text = stdout_and_stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("not a regular file"), "{args:?}: {text}");
    };
    quick(&["profile", "show"]);
    quick(&["config", "show"]);
    std::fs::remove_file(&config).unwrap();
    std::fs::create_dir(&config).unwrap();
    quick(&["profile", "show"]);
    std::fs::remove_dir(&config).unwrap();

    let fifo = home.path().join("fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    quick(&["sandbox", "--port", "0", "--db", fifo]);
    quick(&["sandbox", "--port", "0", "--in-memory", "--seed", fifo]);
    quick(&["sandbox", "--port", "0", "--db", "/dev/null"]);
    quick(&[
        "sandbox",
        "--port",
        "0",
        "--db",
        home.path().to_str().unwrap(),
    ]);
}

/// Runs `args` with `home/config` as the config directory: exit code and all output.
fn in_home(home: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, String) {
    let output = insighto(home)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    (output.status.code(), stdout_and_stderr(&output))
}

/// (7): a config error never quotes the file, so a key typed as a key name or a table
/// stays unseen: line and column say where.
#[test]
fn config_errors_never_quote_the_key() {
    let secret = secret_part();
    for text in [
        format!("{LONG_KEY} = 1\n"),
        format!("\"{LONG_KEY}\" = 1\n"),
        format!("[{LONG_KEY}]\n"),
        format!("api_key = \"in-ok\"\n[x.{LONG_KEY}]\n"),
        format!("base_url = [\"{LONG_KEY}\"]\n"),
        format!("api_key = {{ \"{LONG_KEY}\" = 1 }}\n"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("config/insighto");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), &text).unwrap();
        for args in [&["profile", "show"][..], &["config", "show"]] {
            let (code, all) = in_home(&home, args);
            assert_eq!(code, Some(2), "{text}: {all}");
            assert!(all.contains("line "), "{text}: {all}");
            assert!(!all.contains(&secret[..12]), "{text}: key quoted: {all}");
        }
    }
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// (8): as ssh does, a config file or directory others can write, or that another user
/// owns, is refused (exit 2, saying how to fix it) before anything is sent.
#[cfg(unix)]
#[test]
fn an_unsafe_config_file_is_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let attacker = runtime.block_on(Faulty::start(vec![Behavior::Raw(
        insighto_tests::faulty::ok_profile(),
    )]));
    let cases: [(u32, u32, Option<u32>); 3] = [
        (0o777, 0o666, None),
        (0o700, 0o620, None),
        (0o777, 0o600, None),
    ];
    let mut cases = cases.to_vec();
    // Another user's file (not ours, not root's): only root can make one here.
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .unwrap()
        .stdout
        == b"0\n";
    if root {
        cases.push((0o700, 0o600, Some(65534)));
    }
    for (dir_mode, file_mode, owner) in cases {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("config/insighto");
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "api_key = \"{LONG_KEY}\"\nbase_url = \"{}\"\n",
                attacker.url
            ),
        )
        .unwrap();
        set_mode(&config, file_mode);
        set_mode(&dir, dir_mode);
        if let Some(uid) = owner {
            std::os::unix::fs::chown(&config, Some(uid), None).unwrap();
        }
        for args in [&["profile", "show"][..], &["config", "show"]] {
            let (code, all) = in_home(&home, args);
            let case = format!("{dir_mode:o}/{file_mode:o}/{owner:?} {args:?}");
            assert_eq!(code, Some(2), "{case}: {all}");
            assert!(
                all.contains("chmod") || all.contains("chown"),
                "{case}: {all}"
            );
            assert!(!all.contains(secret_part()), "{case}: {all}");
        }
    }
    assert_eq!(attacker.connections(), 0, "the key was sent");
}

/// (9): a config file others can read is used, with a warning, and made private when it
/// is ours; `login --force` into a directory others can open leaves it 0700.
#[cfg(unix)]
#[test]
fn loose_modes_are_tightened_with_a_warning() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Faulty::start(vec![Behavior::Raw(
        insighto_tests::faulty::ok_profile(),
    )]));
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/insighto");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("api_key = \"{LONG_KEY}\"\nbase_url = \"{}\"\n", server.url),
    )
    .unwrap();
    set_mode(&config, 0o644);
    let output = insighto(&home)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .args(["profile", "show"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("0644"),
        "{stderr}"
    );
    assert_eq!(mode_of(&config), 0o600);

    let login = |args: &[&str]| {
        let output = insighto(&home)
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .args(["--base-url", &server.url, "login"])
            .args(args)
            .write_stdin(format!("{LONG_KEY}\n"))
            .output()
            .unwrap();
        (output.status.code(), stdout_and_stderr(&output))
    };
    // `login` into a directory others may enter and list.
    std::fs::remove_file(&config).unwrap();
    set_mode(&dir, 0o755);
    let (code, text) = login(&[]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(mode_of(&dir), 0o700);
    assert_eq!(mode_of(&config), 0o600);
    // And into one others may write: refused unless forced, then made private.
    set_mode(&dir, 0o777);
    let (code, text) = login(&[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("chmod 700") && text.contains("--force"),
        "{text}"
    );
    let (code, text) = login(&["--force"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(mode_of(&dir), 0o700);
}

/// (10): `--help` says that `--api-key` shows in the process list, and what to use instead.
#[test]
fn help_warns_that_api_key_shows_in_ps() {
    let data = tempfile::tempdir().unwrap();
    let output = insighto(&data).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    let line = help
        .split("--api-key")
        .nth(1)
        .unwrap_or_default()
        .split("--base-url")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("ps"), "{help}");
    assert!(
        line.contains("insighto login") && line.contains("INSIGHTO_API_KEY"),
        "{line}"
    );
}

/// (11): a key on stdin that is not UTF-8 is a usage error.
#[test]
fn a_key_that_is_not_utf8_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let output = insighto(&home)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .args(["--base-url", "http://127.0.0.1:9", "login"])
        .write_stdin(b"in-\xff\xfe\x80key\n".to_vec())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        stdout_and_stderr(&output)
    );
}

/// (12): `config show` escapes the control characters of the paths it prints.
#[test]
fn config_show_escapes_paths() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("a\nforged  line\u{1b}[2J");
    let output = insighto(&home)
        .env("XDG_CONFIG_HOME", &config)
        .args(["config", "show"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("a\\u{a}forged"), "{stdout}");
}

/// (13): a status the operation does not document is an unexpected answer (8): a 404 to
/// `GET /api/v1/user` (documented for the PUT only) is not "not found".
#[test]
fn an_undocumented_status_is_unexpected_per_operation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let not_found = || json_response("404 Not Found", r#"{"detail": "Not Found"}"#);
    let (code, _, stderr) = show(&runtime, not_found(), &["--retries", "0"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("check --base-url"), "{stderr}");
    // The PUT documents 404: the same answer to it is "not found".
    let server = runtime.block_on(Faulty::start(vec![
        Behavior::Raw(insighto_tests::faulty::ok_profile()),
        not_found(),
    ]));
    let (code, _, stderr) = run_against(
        &server,
        &["profile", "update", "--first-name", "Ada", "--retries", "0"],
        &[],
    );
    assert_eq!(code, 5, "{stderr}");
}
