//! Section 4, the sandbox under load from wrk: file-backed (what `insighto sandbox` runs)
//! as the headline, in-memory beside it, against the framework's limit (a bare axum
//! endpoint serving the same body) and Stoplight Prism mocking `openapi.yaml`.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use super::{
    Options, Tools,
    process::{Killed, bench_server, free_port, run, wait_for_port},
    report::{Section, Verdict},
    table::Figures,
    thresholds,
    wrk::{Load, wrk},
};

/// A running `insighto sandbox` and what it printed.
struct Sandbox {
    _process: Killed,
    url: String,
    key: String,
    id: String,
}

fn start_sandbox(root: &Path, store: &[&str]) -> Result<Sandbox, String> {
    let port = free_port()?.to_string();
    let mut process = Command::new(root.join("target/release/insighto"))
        .arg("sandbox")
        .args(store)
        .args(["--port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let stdout = process.stdout.take().ok_or("no sandbox stdout")?;
    let mut lines = BufReader::new(stdout).lines();
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
    // Keep draining its output, so the sandbox never writes to a closed pipe.
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
            "GET {}: {}",
            path.split('?').next().unwrap_or_default(),
            String::from_utf8_lossy(&answer[..split])
        ));
    }
    Ok(answer[split + 4..].to_vec())
}

/// Prism mocking `openapi.yaml` on a free loopback port; its base URL and its version
/// (which `.ci/bench-tools` pins).
fn start_prism(root: &Path, tools: &Tools) -> Result<(Killed, String, String), String> {
    let version = run(Command::new(&tools.prism).arg("--version"))?
        .trim()
        .to_owned();
    let port = free_port()?;
    let prism = Command::new(&tools.prism)
        .current_dir(root)
        .args(["mock", "openapi.yaml", "-h", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start prism: {e}"))?;
    let prism = Killed(prism);
    wait_for_port(port, Duration::from_secs(60))?;
    Ok((prism, format!("http://127.0.0.1:{port}"), version))
}

pub fn load(root: &Path, tools: &Tools, options: &Options) -> Result<Section, String> {
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
    let (_prism, prism_url, prism_version) = start_prism(root, tools)?;

    let script = dir.join("put.lua");
    std::fs::write(
        &script,
        "wrk.method = \"PUT\"\nwrk.body = '{\"first_name\": \"Ada\", \"phone\": null}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
    )
    .map_err(|e| e.to_string())?;

    // (name, base URL, key, id); the limit serves GET only, Prism accepts any key and id.
    let targets = [
        ("sandbox", &file.url, &file.key, Some(&file.id)),
        ("in-memory", &memory.url, &memory.key, Some(&memory.id)),
        ("limit", &limit_url, &file.key, None),
        ("Prism", &prism_url, &file.key, Some(&file.id)),
    ];
    let mut results: BTreeMap<(&str, &str), Vec<Load>> = BTreeMap::new();
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

    let mut t = Figures::new();
    let mut medians = BTreeMap::new();
    let labels = [
        ("sandbox", "sandbox (file, the default)"),
        ("in-memory", "sandbox --in-memory"),
        ("limit", "bare axum endpoint, same body (limit)"),
        ("Prism", &format!("Prism {prism_version}")),
    ];
    for (name, label) in labels {
        for op in ["GET", "PUT"] {
            let Some(runs) = results.get(&(name, op)) else {
                continue;
            };
            let rps = t.row(
                &format!("{label} {op} req/s"),
                &runs.iter().map(|r| r.rps).collect::<Vec<_>>(),
                "req/s",
            );
            let p99 = t.row(
                &format!("{label} {op} p99"),
                &runs.iter().map(|r| r.p99_ms).collect::<Vec<_>>(),
                "ms",
            );
            medians.insert((name, op), Load { rps, p99_ms: p99 });
        }
    }
    let median = |name, op| {
        medians
            .get(&(name, op))
            .copied()
            .ok_or_else(|| format!("no {op} measured for {name}"))
    };
    let mut verdicts = Vec::new();
    for op in ["GET", "PUT"] {
        let (sandbox, memory, prism) = (
            median("sandbox", op)?,
            median("in-memory", op)?,
            median("Prism", op)?,
        );
        verdicts.push(
            Verdict::against(
                format!("sandbox (file) {op} throughput / Prism"),
                sandbox.rps / prism.rps,
                1,
                &thresholds::SANDBOX_VS_PRISM,
            )
            .detail(format!("{:.0} vs {:.0} req/s", sandbox.rps, prism.rps)),
        );
        verdicts.push(
            Verdict::against(
                format!("sandbox (file) {op} p99 / Prism"),
                sandbox.p99_ms / prism.p99_ms,
                2,
                &thresholds::SANDBOX_P99_VS_PRISM,
            )
            .detail(format!(
                "{:.2} ms vs {:.2} ms",
                sandbox.p99_ms, prism.p99_ms
            )),
        );
        verdicts.push(
            Verdict::reported(
                format!("sandbox {op} file / in-memory throughput"),
                sandbox.rps / memory.rps,
                2,
                "",
            )
            .detail(format!("{:.0} vs {:.0} req/s", sandbox.rps, memory.rps)),
        );
    }
    let (sandbox, limit) = (median("sandbox", "GET")?, median("limit", "GET")?);
    verdicts.push(
        Verdict::against(
            "sandbox (file) GET / framework limit",
            sandbox.rps / limit.rps,
            2,
            &thresholds::SANDBOX_VS_LIMIT,
        )
        .detail(format!("{:.0} vs {:.0} req/s", sandbox.rps, limit.rps)),
    );
    let body = format!(
        "{t}\nwrk: 1 thread, 32 connections, {} s per run, GET and PUT (`{{\"first_name\": \"Ada\", \"phone\": null}}`) on the demo profile, targets interleaved round by round. The sandbox persists every PUT in SQLite: in a file (`--db`, what `insighto sandbox` does by default) and in memory (`--in-memory`). The limit is a bare axum endpoint (`insighto-bench limit`, tokio's default runtime like the CLI's) answering GET with the sandbox's own body; Prism answers the spec's example.\n",
        options.load_seconds
    );
    Ok(Section { body, verdicts })
}
