//! `login`, `logout` and `config show` (the config file, its modes, the precedence of
//! flag, environment and file, a malformed file), shell completions and the man page,
//! and where logs go.

use std::path::{Path, PathBuf};

use assert_cmd::{Command, cargo::cargo_bin};
use insighto_tests::{TestServer, stdout_and_stderr};

/// A private home: config and data directories of its own, no ambient settings.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/insighto/config.toml")
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::new(cargo_bin("insighto"));
        cmd.env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("INSIGHTO_API_KEY")
            .env_remove("INSIGHTO_BASE_URL")
            .env_remove("INSIGHTO_LOG")
            .env_remove("INSIGHTO_LOG_FORMAT")
            .env_remove("NO_COLOR");
        cmd
    }

    /// Runs `args`; returns the exit code and everything printed.
    fn run(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String) {
        let output = self
            .cmd()
            .args(args)
            .envs(env.iter().copied())
            .write_stdin(stdin)
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            stdout_and_stderr(&output),
        )
    }
}

fn assert_no(key: &str, text: &str) {
    assert!(!text.contains(key), "the key leaked: {text}");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn login_remembers_the_key_privately_and_logout_forgets_it() {
    let server = TestServer::start().await;
    let key = server.demo_key();
    let home = Home::new();

    let (code, text) = home.run(
        &["--base-url", server.url(), "login"],
        &format!("{key}\n"),
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("demo@example.com"), "{text}");
    assert_no(key, &text);
    let file = home.config_file();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains(key) && saved.contains(server.url()),
        "{saved}"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }

    // No key or URL in the environment: both come from the file.
    let (code, text) = home.run(&["profile", "show", "--json"], "", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("demo@example.com"), "{text}");
    let (code, text) = home.run(&["config", "show"], "", &[]);
    assert_eq!(code, 0, "{text}");
    assert_no(key, &text);
    assert!(
        text.contains("[REDACTED] (from config file") && text.contains("(mode 0600)"),
        "{text}"
    );

    let (code, text) = home.run(&["logout"], "", &[]);
    assert_eq!((code, text.contains("Logged out")), (0, true), "{text}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(key));
    let (code, text) = home.run(&["profile", "show"], "", &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("insighto login"), "{text}");
    let (code, text) = home.run(&["logout"], "", &[]);
    assert_eq!((code, text.contains("Not logged in")), (0, true), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_key_is_not_saved() {
    let server = TestServer::start().await;
    let home = Home::new();
    let wrong = "in-WrongKeyWrongKeyWrongKeyWrongKeyWrongKey1234";
    let (code, text) = home.run(&["--base-url", server.url(), "login"], wrong, &[]);
    assert_eq!(code, 3, "{text}");
    assert_no(wrong, &text);
    assert!(!home.config_file().exists());
    let (code, text) = home.run(&["--base-url", server.url(), "login"], "\n", &[]);
    assert_eq!(code, 2, "{text}");
    // Refused before the key is read: with nothing on stdin the reason is the flag.
    let (code, text) = home.run(
        &["--api-key", wrong, "--base-url", server.url(), "login"],
        "",
        &[],
    );
    assert_eq!(code, 2, "login takes no --api-key: {text}");
    assert!(text.contains("not --api-key"), "{text}");
    assert_no(wrong, &text);
}

#[tokio::test(flavor = "multi_thread")]
async fn precedence_is_flag_then_environment_then_config_file() {
    let server = TestServer::start().await;
    let good = server.demo_key().to_owned();
    let bad = "in-BadKeyBadKeyBadKeyBadKeyBadKeyBadKeyBadKey12";
    let home = Home::new();
    let (code, text) = home.run(&["--base-url", server.url(), "login"], &good, &[]);
    assert_eq!(code, 0, "{text}");

    let show = |args: &[&str], env: &[(&str, &str)]| {
        let (code, text) = home.run(&[args, &["config", "show"]].concat(), "", env);
        assert_eq!(code, 0, "{text}");
        assert_no(&good, &text);
        assert_no(bad, &text);
        text
    };
    let file = show(&[], &[]);
    assert!(
        file.contains("api_key      [REDACTED] (from config file"),
        "{file}"
    );
    let env = show(&[], &[("INSIGHTO_API_KEY", bad)]);
    assert!(env.contains("(from environment INSIGHTO_API_KEY)"), "{env}");
    let flag = show(
        &["--api-key", &good, "--base-url", "http://127.0.0.1:9"],
        &[("INSIGHTO_API_KEY", bad)],
    );
    assert!(flag.contains("[REDACTED] (from flag)"), "{flag}");
    assert!(flag.contains("http://127.0.0.1:9 (from flag)"), "{flag}");
    let url_env = show(&[], &[("INSIGHTO_BASE_URL", "http://127.0.0.1:9")]);
    assert!(
        url_env.contains("http://127.0.0.1:9 (from environment INSIGHTO_BASE_URL)"),
        "{url_env}"
    );

    // The same order decides which key is sent.
    let (code, text) = home.run(&["profile", "show"], "", &[("INSIGHTO_API_KEY", bad)]);
    assert_eq!(
        code, 3,
        "the environment's key wins over the file's: {text}"
    );
    let (code, text) = home.run(
        &["--api-key", &good, "profile", "show"],
        "",
        &[("INSIGHTO_API_KEY", bad)],
    );
    assert_eq!(code, 0, "the flag wins over the environment: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_config_file_is_an_error_naming_file_and_line_and_is_kept() {
    let server = TestServer::start().await;
    let home = Home::new();
    let file = home.config_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let broken = "api_key = \"in-abc\"\nbase_url = [\n";
    std::fs::write(&file, broken).unwrap();
    let where_ = format!("{}, line 2", file.display());

    for args in [
        vec!["profile", "show"],
        vec!["config", "show"],
        vec!["--base-url", server.url(), "login"],
        vec!["logout"],
    ] {
        let (code, text) = home.run(&args, server.demo_key(), &[]);
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(text.contains(&where_), "{args:?}: {text}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), broken, "{args:?}");
    }
    // A key from the environment does not make the broken file go unnoticed.
    let (code, _) = home.run(
        &["profile", "show"],
        "",
        &[("INSIGHTO_API_KEY", server.demo_key())],
    );
    assert_eq!(code, 2);

    let (code, text) = home.run(
        &["--base-url", server.url(), "login", "--force"],
        server.demo_key(),
        &[],
    );
    assert_eq!(code, 0, "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let (code, text) = home.run(&["profile", "show"], "", &[]);
    assert_eq!(code, 0, "{text}");

    std::fs::write(&file, broken).unwrap();
    let (code, text) = home.run(&["logout", "--force"], "", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(!file.exists());
}

/// Runs `shell -n` (parse only) on the completion script; without the shell, the check
/// is skipped on a developer's machine but fails in CI, where `.ci/tools` installs it.
fn parses_in(shell: &str) {
    let home = Home::new();
    let script = home.cmd().args(["completions", shell]).output().unwrap();
    assert!(script.status.success());
    assert!(script.stdout.len() > 100);
    let path = home.dir.path().join("insighto-completion");
    std::fs::write(&path, &script.stdout).unwrap();
    match std::process::Command::new(shell)
        .arg("-n")
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{shell} -n: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("skipped {shell} -n: {e}"),
        Err(e) => panic!("{shell} is needed in CI: {e}"),
    }
}

#[test]
fn completions_parse_in_their_shells() {
    parses_in("bash");
    parses_in("zsh");
    parses_in("fish");
    let home = Home::new();
    let ps = home
        .cmd()
        .args(["completions", "powershell"])
        .output()
        .unwrap();
    let ps = String::from_utf8(ps.stdout).unwrap();
    assert!(
        ps.contains("Register-ArgumentCompleter") && ps.contains("'login'"),
        "{ps}"
    );
    let (code, _) = home.run(&["completions", "tcsh"], "", &[]);
    assert_eq!(code, 2);
}

#[test]
fn man_page_covers_every_command() {
    let home = Home::new();
    let (code, page) = home.run(&["man"], "", &[]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") && page.contains(".TH insighto 1"),
        "{page}"
    );
    for command in [
        "profile",
        "sandbox",
        "login",
        "logout",
        "config",
        "completions",
    ] {
        assert!(page.contains(command), "{command} missing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_have_no_colour_off_a_terminal_and_can_be_json() {
    let server = TestServer::start().await;
    let key = server.demo_key();
    let home = Home::new();
    let env = [
        ("INSIGHTO_API_KEY", key),
        ("INSIGHTO_BASE_URL", server.url()),
        ("INSIGHTO_LOG", "debug"),
    ];
    let (code, text) = home.run(&["profile", "show"], "", &env);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("insighto.request"), "{text}");
    assert!(!text.contains('\u{1b}'), "ANSI codes in a pipe: {text:?}");
    assert_no(key, &text);

    let output = home
        .cmd()
        .args(["profile", "show"])
        .envs(env)
        .env("INSIGHTO_LOG_FORMAT", "json")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_no(key, &stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["fields"]["status"] == 200),
        "{stderr}"
    );

    let (code, text) = home.run(&["profile", "show"], "", &[("INSIGHTO_LOG_FORMAT", "xml")]);
    assert_eq!(code, 2, "{text}");
}

/// On a terminal the key is read without echo: run under `script`, which gives the
/// command a pseudo-terminal, and type the key once the prompt is up.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_key_is_not_echoed() {
    use std::{
        io::{Read, Write},
        process::Stdio,
        sync::{Arc, Mutex},
        time::{Duration, Instant},
    };

    let server = TestServer::start().await;
    let key = server.demo_key();
    let home = Home::new();
    let mut cmd = std::process::Command::new("script");
    let line = format!(
        "{} --base-url {} login",
        cargo_bin("insighto").display(),
        server.url()
    );
    let inner = home.cmd();
    for (name, value) in inner.get_envs() {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    let mut child = match cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if std::env::var_os("CI").is_none() => return eprintln!("skipped: {e}"),
        Err(e) => panic!("script (util-linux) is needed in CI: {e}"),
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0; 1024];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                seen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let started = Instant::now();
    while !String::from_utf8_lossy(&seen.lock().unwrap()).contains("input is hidden") {
        assert!(started.elapsed() < Duration::from_secs(20), "no prompt");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{key}\r").as_bytes()).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(status.success(), "{shown}");
    assert!(shown.contains("Logged in"), "{shown}");
    assert_no(key, &shown);
    assert!(
        std::fs::read_to_string(home.config_file())
            .unwrap()
            .contains(key)
    );
}

#[test]
fn a_key_pasted_into_the_base_url_is_never_shown() {
    let home = Home::new();
    let key = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    for url in [
        format!("https://api.example/?api_key={key}"),
        format!("https://user:{key}@api.example/"),
        key.to_owned(),
    ] {
        for env in [
            vec![("INSIGHTO_BASE_URL", url.as_str())],
            vec![
                ("INSIGHTO_BASE_URL", url.as_str()),
                ("INSIGHTO_API_KEY", key),
            ],
        ] {
            let (_, text) = home.run(&["config", "show"], "", &env);
            assert_no(key, &text);
            let (_, text) = home.run(&["--help"], "", &env);
            assert_no(key, &text);
        }
    }
    // In the config file, a base URL that is not a URL is not quoted in the error.
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(home.config_file(), format!("base_url = \"{key}\"\n")).unwrap();
    let (code, text) = home.run(&["profile", "show"], "", &[]);
    assert_eq!(code, 2, "{text}");
    assert_no(key, &text);
}
