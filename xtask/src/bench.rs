//! `cargo xtask bench`: every performance figure of the project, measured side by side
//! in one run, written to `target/bench/report.md` and printed.
//!
//! 1. Client overhead: the generated client vs raw reqwest + serde_json, as instructions
//!    per call counted by callgrind (`callgrind.rs`, the deterministic figure) and as
//!    wall-clock throughput (in-process, `insighto-bench`).
//! 2. Decoding: typed vs `serde_json::Value` (in-process).
//! 3. Build cost: the build script's own run time, proof that a no-op rebuild does not
//!    rerun it, and clean builds of the client with and without the `codegen` feature.
//! 4. The sandbox under load from wrk: file-backed (what `insighto sandbox` runs) as the
//!    headline, in-memory beside it, against the framework's limit (a bare axum endpoint
//!    serving the same body) and Stoplight Prism mocking `openapi.yaml`.
//! 5. What a dependency costs: clean builds of an application outside the workspace
//!    (the floor without insighto, insighto's defaults, the lean build).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant, SystemTime},
};

use serde_json::Value;

pub struct Options {
    pub rounds: usize,
    pub build_runs: usize,
    pub load_seconds: u32,
    /// Which sections to run: `None` runs them all.
    pub only: Option<Only>,
}

/// One part of the bench, for quick iteration.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Section 1 (client overhead: instructions and wall clock).
    Client,
    /// Section 4 (the sandbox under load).
    Sandbox,
}

/// Calls of each callgrind run of section 1.
const CALLGRIND_CALLS: crate::callgrind::Calls = crate::callgrind::Calls {
    few: 100,
    many: 600,
};

/// Wall-clock throughput the client must reach, relative to the baseline.
const MIN_THROUGHPUT_RATIO: f64 = 0.97;

pub(crate) fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn say(msg: &str) {
    eprintln!("bench: {msg}");
}

/// min, median, max.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

struct Table(String);

impl Table {
    fn new() -> Self {
        Self("| figure | min | median | max | unit |\n|---|---:|---:|---:|---|\n".into())
    }
    fn row(&mut self, name: &str, values: &[f64], unit: &str) -> f64 {
        let (min, med, max) = stats(values);
        self.0.push_str(&format!(
            "| {name} | {min:.1} | {med:.1} | {max:.1} | {unit} |\n"
        ));
        med
    }
}

pub fn bench(root: &Path, options: &Options) -> Result<(), String> {
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let mut report = String::from("# insighto benchmarks\n\n");
    report.push_str(&format!(
        "Produced by `cargo xtask bench` ({} rounds; machine: {} cores). Ratios compare medians measured side by side in this run.\n\n",
        options.rounds,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    ));
    let mut verdicts = Vec::new();

    say("building release binaries");
    run(Command::new("cargo").current_dir(root).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "insighto-bench",
        "-p",
        "insighto-cli",
    ]))?;

    let tools = bench_tools(root)?;
    // 1 and 2: in-process.
    let m = if options.only == Some(Only::Sandbox) {
        Value::Null
    } else {
        say("client overhead: instructions per call (callgrind)");
        let (table, counted) = crate::callgrind::instructions(root, &CALLGRIND_CALLS)?;
        report.push_str(
            "## 1. Client overhead (generated client vs raw reqwest + serde_json, same request, same server)\n\n",
        );
        report.push_str(&table);
        verdicts.extend(counted.into_iter().map(|(v, _)| v));

        say("client overhead and decoding (in-process, wall clock)");
        let json = run(Command::new(root.join("target/release/insighto-bench"))
            .args([options.rounds.to_string(), "2000".into()]))?;
        serde_json::from_str(&json).map_err(|e| format!("bench output: {e}"))?
    };
    let series = |name: &str, field: &str| -> Vec<f64> {
        m[name]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r[field].as_f64())
            .collect()
    };
    let plain = |name: &str| -> Vec<f64> {
        m[name]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };

    if options.only != Some(Only::Sandbox) {
        let mut t = Table::new();
        let mut ratios = Vec::new();
        for op in ["get", "put"] {
            let c = t.row(
                &format!("client {} req/s", op.to_uppercase()),
                &series(&format!("client_{op}"), "rps"),
                "req/s",
            );
            let b = t.row(
                &format!("baseline {} req/s", op.to_uppercase()),
                &series(&format!("baseline_{op}"), "rps"),
                "req/s",
            );
            for (side, pct) in [
                ("client", "p50"),
                ("baseline", "p50"),
                ("client", "p99"),
                ("baseline", "p99"),
            ] {
                t.row(
                    &format!("{side} {} {pct}", op.to_uppercase()),
                    &series(&format!("{side}_{op}"), &format!("{pct}_us")),
                    "µs",
                );
            }
            ratios.push((op, c / b));
        }
        report.push_str("\nWall clock (interleaved batches of 50 calls, one connection each):\n\n");
        report.push_str(&t.0);
        for (op, r) in &ratios {
            verdicts.push(format!(
                "client {} throughput / baseline = **{r:.3}** (target ≥ {MIN_THROUGHPUT_RATIO}) {}",
                op.to_uppercase(),
                mark(*r >= MIN_THROUGHPUT_RATIO)
            ));
        }
    }
    if options.only == Some(Only::Client) {
        return finish(&out_dir, report, &verdicts);
    }

    if options.only.is_none() {
        let mut t = Table::new();
        let typed = t.row(
            "typed decode of the envelope",
            &plain("decode_typed_ns"),
            "ns/op",
        );
        let untyped = t.row(
            "serde_json::Value parse of the same bytes",
            &plain("decode_value_ns"),
            "ns/op",
        );
        report.push_str("\n## 2. Decoding\n\n");
        report.push_str(&t.0);
        verdicts.push(format!(
            "typed decode time / Value parse time = **{:.3}** (target ≤ 1.0) {}",
            typed / untyped,
            mark(typed <= untyped)
        ));

        // 3: build cost.
        say("build cost");
        report.push_str("\n## 3. Build cost\n\n");
        report.push_str(&build_cost(
            root,
            options,
            &plain("codegen_release_ms"),
            &mut verdicts,
        )?);
    }

    // 4: the sandbox under load.
    say("sandbox (file-backed and in-memory), framework limit and Prism under wrk");
    report.push_str("\n## 4. The sandbox under load (wrk, loopback)\n\n");
    report.push_str(&load(root, &tools, options, &mut verdicts)?);
    if options.only.is_some() {
        return finish(&out_dir, report, &verdicts);
    }

    // 5: what depending on insighto costs an application.
    say("consumer build cost");
    report.push_str(
        "\n## 5. What a dependency costs (clean build of an application outside the workspace)\n\n",
    );
    let (table, consumer_verdicts) = crate::consumer::build_cost(root)?;
    report.push_str(&table);
    verdicts.extend(consumer_verdicts);
    finish(&out_dir, report, &verdicts)
}

/// Appends the verdicts, writes the report and prints it.
fn finish(out_dir: &Path, mut report: String, verdicts: &[String]) -> Result<(), String> {
    report.push_str("\n## Verdicts\n\n");
    for v in verdicts {
        report.push_str(&format!("- {v}\n"));
    }
    let path = out_dir.join("report.md");
    std::fs::write(&path, &report).map_err(|e| e.to_string())?;
    println!("{report}");
    say(&format!("written to {}", path.display()));
    Ok(())
}

/// What the bench needs besides cargo, installed by `.ci/bench-tools` when missing.
struct Tools {
    prism: PathBuf,
}

fn bench_tools(root: &Path) -> Result<Tools, String> {
    let out = run(Command::new(root.join(".ci/bench-tools")).stderr(Stdio::inherit()))?;
    Ok(Tools {
        prism: PathBuf::from(out.trim()),
    })
}

/// `cargo xtask bench --consumer-only`: just the consumer build-cost section.
pub fn consumer_only(root: &Path) -> Result<(), String> {
    let (table, verdicts) = crate::consumer::build_cost(root)?;
    println!("{table}");
    for v in verdicts {
        println!("- {v}");
    }
    Ok(())
}

pub(crate) fn mark(ok: bool) -> &'static str {
    if ok { "✅" } else { "❌ missed" }
}

fn newest(dir: &Path, prefix: &str, leaf: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path().join(leaf))
        .filter(|p| p.exists())
        .max_by_key(|p| {
            p.metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
        })
}

fn build_cost(
    root: &Path,
    options: &Options,
    codegen_release: &[f64],
    verdicts: &mut Vec<String>,
) -> Result<String, String> {
    let mut text = String::new();
    run(Command::new("cargo")
        .current_dir(root)
        .args(["build", "--quiet", "-p", "insighto"]))?;
    let build_dir = root.join("target/debug/build");
    let script = newest(&build_dir, "insighto-", "build-script-build")
        .ok_or("no build script binary found")?;
    let generated = newest(&build_dir, "insighto-", "out/insighto_generated.rs")
        .ok_or("no generated file found")?;

    // The build script as cargo runs it (debug profile), timed on its own.
    let tmp = std::env::temp_dir().join("insighto-bench-out");
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..options.rounds {
        let started = Instant::now();
        run(Command::new(&script)
            .env("CARGO_MANIFEST_DIR", root.join("crates/insighto"))
            .env("OUT_DIR", &tmp)
            .env("CARGO_FEATURE_CODEGEN", "1"))?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let mut t = Table::new();
    let step = t.row(
        "build.rs run (debug build script, as cargo runs it)",
        &times,
        "ms",
    );
    t.row(
        "insighto_codegen::generate, release build",
        codegen_release,
        "ms",
    );
    verdicts.push(format!(
        "build.rs codegen step = **{:.0} ms** (target < 500 ms) {}",
        step,
        mark(step < 500.0)
    ));

    // A no-op rebuild must not rerun the script.
    let before = generated
        .metadata()
        .and_then(|m| m.modified())
        .map_err(|e| e.to_string())?;
    let out = Command::new("cargo")
        .current_dir(root)
        .args(["build", "-v", "-p", "insighto"])
        .output()
        .map_err(|e| e.to_string())?;
    let log = String::from_utf8_lossy(&out.stderr);
    let after = generated
        .metadata()
        .and_then(|m| m.modified())
        .map_err(|e| e.to_string())?;
    let fresh = log
        .lines()
        .any(|l| l.trim_start().starts_with("Fresh insighto v"))
        && before == after
        && !log.contains("build-script-build`");
    verdicts.push(format!(
        "no-op rebuild reports `Fresh insighto` and leaves the generated file untouched: {}",
        mark(fresh)
    ));

    // Clean builds: with codegen, and from the checked-in copy.
    let mut with_codegen = Vec::new();
    let mut from_copy = Vec::new();
    for _ in 0..options.build_runs {
        for (features, into) in [(None, &mut with_codegen), (Some("rustls"), &mut from_copy)] {
            let target = root.join(format!(
                "target/bench/clean-{}",
                if features.is_some() {
                    "copy"
                } else {
                    "codegen"
                }
            ));
            let _ = std::fs::remove_dir_all(&target);
            let mut cmd = Command::new("cargo");
            cmd.current_dir(root)
                .env("CARGO_TARGET_DIR", &target)
                .args(["build", "--quiet", "-p", "insighto"]);
            if let Some(f) = features {
                cmd.args(["--no-default-features", "--features", f]);
            }
            let started = Instant::now();
            run(&mut cmd)?;
            into.push(started.elapsed().as_secs_f64());
            let _ = std::fs::remove_dir_all(&target);
        }
    }
    if options.build_runs == 0 {
        text.push_str(&t.0);
        text.push_str("\nClean builds skipped (`--build-runs 0`).\n");
        return Ok(text);
    }
    let a = t.row(
        "clean build of `insighto` (default: codegen at build time)",
        &with_codegen,
        "s",
    );
    let b = t.row(
        "clean build of `insighto` from the checked-in copy (no `codegen` feature)",
        &from_copy,
        "s",
    );
    text.push_str(&t.0);
    text.push_str(&format!(
        "\nClean build with codegen / from the checked-in copy = **{:.2}×**. Consumers who want the leanest build use `default-features = false, features = [\"rustls\"]`.\n",
        a / b
    ));
    verdicts.push(format!(
        "clean build with codegen / from the checked-in copy = **{:.2}×** (reported)",
        a / b
    ));
    Ok(text)
}

pub(crate) struct Killed(pub(crate) Child);

/// Starts `insighto-bench ARGS` (release build), a server that prints its URL as its
/// first line; the server stops when the returned guard is dropped.
pub(crate) fn bench_server(
    root: &Path,
    args: &[&std::ffi::OsStr],
    what: &str,
) -> Result<(Killed, String), String> {
    let mut child = Command::new(root.join("target/release/insighto-bench"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let child = Killed(child);
    let url = BufReader::new(stdout)
        .lines()
        .next()
        .ok_or(format!("{what} exited"))?
        .map_err(|e| e.to_string())?;
    Ok((child, url))
}
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on port {port} after {limit:?}"))
}

/// (requests/s, p99 in ms) of one wrk run.
fn wrk(url: &str, script: Option<&Path>, seconds: u32) -> Result<(f64, f64), String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t1", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = run(cmd.arg(url))?;
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output:\n{out}"))?;
    let p99 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| parse_duration_ms(v.trim()))
        .ok_or_else(|| format!("no 99% in wrk output:\n{out}"))?;
    let non2xx = out.lines().find(|l| l.contains("Non-2xx"));
    if let Some(line) = non2xx {
        return Err(format!("wrk saw errors against {url}: {line}"));
    }
    Ok((rps, p99))
}

fn parse_duration_ms(v: &str) -> f64 {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}

/// A running `insighto sandbox` and what it printed.
struct Sandbox {
    _process: Killed,
    url: String,
    key: String,
    id: String,
}

fn start_sandbox(root: &Path, store: &[&str]) -> Result<Sandbox, String> {
    let port = free_port().to_string();
    let mut process = Command::new(root.join("target/release/insighto"))
        .arg("sandbox")
        .args(store)
        .args(["--port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let process = Killed(process);
    let mut field = |prefix: &str| -> Result<String, String> {
        let line = lines
            .next()
            .ok_or("sandbox exited")?
            .map_err(|e| e.to_string())?;
        line.strip_prefix(prefix)
            .map(|s| s.trim().to_owned())
            .ok_or_else(|| format!("unexpected sandbox output: {line}"))
    };
    let url = field("Insighto sandbox listening on")?;
    let key = field("Demo API key:")?;
    let id = field("Demo user id:")?;
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Sandbox {
        _process: process,
        url,
        key,
        id,
    })
}

/// The body of a `GET` (HTTP/1.0, so the server closes and no chunking is involved).
fn http_get_body(url: &str) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("not an http URL")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of head in the answer")?;
    if !answer.starts_with(b"HTTP/1.1 200") && !answer.starts_with(b"HTTP/1.0 200") {
        return Err(format!(
            "GET {path}: {}",
            String::from_utf8_lossy(&answer[..split])
        ));
    }
    Ok(answer[split + 4..].to_vec())
}

fn load(
    root: &Path,
    tools: &Tools,
    options: &Options,
    verdicts: &mut Vec<String>,
) -> Result<String, String> {
    // What users run (`insighto sandbox` keeps its data in a file), and memory beside it.
    let dir = std::env::temp_dir().join(format!("insighto-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("sandbox.db");
    let file = start_sandbox(root, &["--db", db.to_str().ok_or("temp dir is not UTF-8")?])?;
    let memory = start_sandbox(root, &["--in-memory"])?;

    // The framework's limit: a bare axum endpoint serving the bytes the sandbox serves.
    let body = http_get_body(&format!("{}/api/v1/user?api_key={}", file.url, file.key))?;
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, &body).map_err(|e| e.to_string())?;
    let (_limit, limit_url) = bench_server(
        root,
        &["limit".as_ref(), body_file.as_os_str()],
        "the limit server",
    )?;

    let prism_port = free_port();
    let prism = Command::new(&tools.prism)
        .current_dir(root)
        .args([
            "mock",
            "openapi.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            &prism_port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start prism: {e}"))?;
    let _prism = Killed(prism);
    wait_for_port(prism_port, Duration::from_secs(60))?;
    let prism_url = format!("http://127.0.0.1:{prism_port}");

    let script = dir.join("put.lua");
    std::fs::write(
        &script,
        "wrk.method = \"PUT\"\nwrk.body = '{\"first_name\": \"Ada\", \"phone\": null}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
    )
    .map_err(|e| e.to_string())?;

    // (name, base URL, key, id); the limit serves GET only, Prism accepts any key and id.
    let targets = [
        (
            "sandbox",
            file.url.as_str(),
            file.key.as_str(),
            Some(file.id.as_str()),
        ),
        (
            "in-memory",
            memory.url.as_str(),
            memory.key.as_str(),
            Some(memory.id.as_str()),
        ),
        ("limit", limit_url.as_str(), file.key.as_str(), None),
        (
            "Prism",
            prism_url.as_str(),
            file.key.as_str(),
            Some(file.id.as_str()),
        ),
    ];
    let mut results: std::collections::BTreeMap<(&str, &str), Vec<(f64, f64)>> = Default::default();
    // Warm-up, then interleaved rounds.
    for (_, base, key, _) in targets {
        wrk(&format!("{base}/api/v1/user?api_key={key}"), None, 1)?;
    }
    for _ in 0..options.rounds.clamp(1, 3) {
        for (name, base, key, id) in targets {
            let get = wrk(
                &format!("{base}/api/v1/user?api_key={key}"),
                None,
                options.load_seconds,
            )?;
            results.entry((name, "GET")).or_default().push(get);
            if let Some(id) = id {
                let put = wrk(
                    &format!("{base}/api/v1/user/{id}?api_key={key}"),
                    Some(&script),
                    options.load_seconds,
                )?;
                results.entry((name, "PUT")).or_default().push(put);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    let mut t = Table::new();
    let mut medians = std::collections::BTreeMap::new();
    let labels = [
        ("sandbox", "sandbox (file, the default)"),
        ("in-memory", "sandbox --in-memory"),
        ("limit", "bare axum endpoint, same body (limit)"),
        ("Prism", "Prism 5.14.2"),
    ];
    for (name, label) in labels {
        for op in ["GET", "PUT"] {
            let Some(runs) = results.get(&(name, op)) else {
                continue;
            };
            let rps = t.row(
                &format!("{label} {op} req/s"),
                &runs.iter().map(|r| r.0).collect::<Vec<_>>(),
                "req/s",
            );
            let p99 = t.row(
                &format!("{label} {op} p99"),
                &runs.iter().map(|r| r.1).collect::<Vec<_>>(),
                "ms",
            );
            medians.insert((name, op), (rps, p99));
        }
    }
    for op in ["GET", "PUT"] {
        let (s_rps, s_p99) = medians[&("sandbox", op)];
        let (m_rps, _) = medians[&("in-memory", op)];
        let (p_rps, p_p99) = medians[&("Prism", op)];
        let ratio = s_rps / p_rps;
        verdicts.push(format!(
            "sandbox (file) {op} throughput / Prism = **{ratio:.1}×** (target ≥ 10×) {}, p99 {s_p99:.2} ms vs {p_p99:.2} ms {}",
            mark(ratio >= 10.0),
            mark(s_p99 < p_p99)
        ));
        verdicts.push(format!(
            "sandbox {op}: file {s_rps:.0} req/s, in-memory {m_rps:.0} req/s (file / in-memory = {:.2}, reported)",
            s_rps / m_rps
        ));
    }
    let (s_get, _) = medians[&("sandbox", "GET")];
    let (l_get, _) = medians[&("limit", "GET")];
    verdicts.push(format!(
        "sandbox (file) GET / framework limit = **{:.2}** ({s_get:.0} vs {l_get:.0} req/s; target ≥ 0.5) {}",
        s_get / l_get,
        mark(s_get / l_get >= 0.5)
    ));
    let mut text = t.0;
    text.push_str(&format!(
        "\nwrk: 1 thread, 32 connections, {} s per run, GET and PUT (`{{\"first_name\": \"Ada\", \"phone\": null}}`) on the demo profile, targets interleaved round by round. The sandbox persists every PUT in SQLite: in a file (`--db`, what `insighto sandbox` does by default) and in memory (`--in-memory`). The limit is a bare axum endpoint (`insighto-bench limit`, tokio's default runtime like the CLI's) answering GET with the sandbox's own body; Prism answers the spec's example.\n",
        options.load_seconds
    ));
    Ok(text)
}
