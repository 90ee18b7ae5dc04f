//! In-process measurements for `cargo xtask bench`, printed as one JSON object
//! (`insighto_bench_report::Measurements`, which xtask reads back).
//!
//! - `get`, `put`: round trips through the generated client and through hand-written
//!   reqwest + serde_json, same server, same connection reuse, interleaved round by round.
//! - `decode_typed_ns` vs `decode_value_ns`: the documented envelope decoded into the
//!   generated types and into `serde_json::Value`.
//! - `codegen_release_ms`: `insighto_codegen::generate` compiled with optimisations.
//!
//! Usage:
//! - `insighto-bench [ROUNDS] [REQUESTS_PER_ROUND]`: the JSON above.
//! - `insighto-bench serve`: the bench server alone, in the foreground; prints its URL.
//! - `insighto-bench calls client|baseline get|put N URL`: `N` calls of one side against
//!   a server started with `serve`, and nothing else, so that callgrind run on it counts
//!   the client's instructions only (the server is another process).
//! - `insighto-bench limit BODY_FILE`: the framework's limit for the sandbox, a bare
//!   axum endpoint answering `GET /api/v1/user` with the bytes of `BODY_FILE`, on the
//!   same runtime as the `insighto sandbox` command (tokio's multi-threaded default);
//!   prints its URL.
//! - `insighto-bench fixture [ROUNDS] [TESTS]`: tests each starting their own fixture,
//!   the sandbox against wiremock (`fixture.rs`); prints `FixtureMeasurements`.

mod fixture;

use std::{
    hint::black_box,
    net::SocketAddr,
    time::{Duration, Instant},
};

use insighto::{Patch, RetryPolicy, types::UserProfileUpdate};
use insighto_bench_report::{Measurements, Round, Sides};
use serde_json::Value;

const SPEC: &str = insighto_spec::OPENAPI_YAML;
const KEY: &str = "in-BenchmarkKeyBenchmarkKeyBenchmarkKeyBenchm";
const ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

fn envelope_bytes() -> Vec<u8> {
    let spec = insighto_spec::Spec::bundled().doc();
    serde_json::to_vec(&spec["components"]["examples"]["DocumentedProfileEnvelope"]["value"])
        .unwrap()
}

/// A minimal server answering both operations with the documented envelope, on its own
/// single-threaded runtime so that it behaves the same for both clients.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || serve(envelope_bytes(), false, tx));
    rx.recv().unwrap()
}

/// Serves `body` to `GET /api/v1/user` and `PUT /api/v1/user/{id}` on an ephemeral
/// loopback port (sent to `bound`), on a single-threaded runtime or tokio's default
/// multi-threaded one.
fn serve(body: Vec<u8>, multi_thread: bool, bound: std::sync::mpsc::Sender<SocketAddr>) {
    let rt = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    let body = axum::body::Bytes::from(body);
    rt.block_on(async move {
        let answer = move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        };
        let app = axum::Router::new()
            .route("/api/v1/user", axum::routing::get(answer.clone()))
            .route("/api/v1/user/{id}", axum::routing::put(answer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bound.send(listener.local_addr().unwrap()).unwrap();
        axum::serve(listener, app).await.unwrap();
    });
}

/// Runs `serve` in the foreground after printing its URL.
fn serve_foreground(body: Vec<u8>, multi_thread: bool) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let addr = rx.recv().unwrap();
        println!("http://{addr}");
    });
    serve(body, multi_thread, tx);
}

#[derive(Clone, Copy)]
enum Op {
    Get,
    Put,
}

/// Requests per second and latency percentiles of one round.
fn summary(latencies: &mut [Duration], total: Duration) -> Round {
    latencies.sort_unstable();
    // No latencies (a round of zero requests) gives zeros, not a panic.
    let pct = |p: f64| {
        let at = ((latencies.len().max(1) - 1) as f64 * p).round() as usize;
        latencies.get(at).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    Round {
        rps: latencies.len() as f64 / total.as_secs_f64(),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
    }
}

/// Requests per batch of the interleaved client/baseline measurement.
const BATCH: usize = 50;

/// `n` requests through the generated client; appends latencies, returns the total time.
async fn batch_client(
    client: &insighto::Client,
    op: Op,
    n: usize,
    update: &UserProfileUpdate,
    latencies: &mut Vec<Duration>,
) -> Duration {
    let id = ID.parse().unwrap();
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let profile = match op {
            Op::Get => client.get_profile().await,
            Op::Put => client.update_profile(id, update).await,
        };
        black_box(profile.expect("request succeeds"));
        latencies.push(t.elapsed());
    }
    started.elapsed()
}

/// The same requests by hand with reqwest + serde_json.
async fn batch_baseline(
    http: &reqwest::Client,
    base: &str,
    op: Op,
    n: usize,
    update: &UserProfileUpdate,
    latencies: &mut Vec<Duration>,
) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        // What hand-written code does: build the URL, add the key, send, decode.
        let request = match op {
            Op::Get => http.get(format!("{base}/api/v1/user")),
            Op::Put => http
                .put(format!("{base}/api/v1/user/{ID}"))
                .header("content-type", "application/json")
                .body(serde_json::to_vec(update).unwrap()),
        };
        let response = request
            .query(&[("api_key", KEY)])
            .header("accept", "application/json")
            .header("api-version", api_version())
            .header("user-agent", insighto::DEFAULT_USER_AGENT)
            .timeout(insighto::DEFAULT_TIMEOUT)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let bytes = response.bytes().await.unwrap();
        let decoded: insighto::types::UserProfileResponse = serde_json::from_slice(&bytes).unwrap();
        black_box(decoded);
        latencies.push(t.elapsed());
    }
    started.elapsed()
}

/// The `api-version` header the generated client sends: the spec's `info.version`.
fn api_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let version = insighto_spec::Spec::bundled().version();
        version.expect("info.version").to_owned()
    })
}

fn decode_round(bytes: &[u8], iterations: usize) -> (f64, f64) {
    let t = Instant::now();
    for _ in 0..iterations {
        black_box(
            serde_json::from_slice::<insighto::types::UserProfileResponse>(black_box(bytes))
                .unwrap(),
        );
    }
    let typed = t.elapsed().as_secs_f64() * 1e9 / iterations as f64;
    let t = Instant::now();
    for _ in 0..iterations {
        black_box(serde_json::from_slice::<Value>(black_box(bytes)).unwrap());
    }
    let untyped = t.elapsed().as_secs_f64() * 1e9 / iterations as f64;
    (typed, untyped)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve"] => serve_foreground(envelope_bytes(), false),
        ["limit", body] => serve_foreground(std::fs::read(body).expect("body file"), true),
        ["calls", side, op, n, base] => calls(side, op, n.parse().expect("N"), base),
        ["fixture", ref rest @ ..] => fixture::measure(
            rest.first().and_then(|a| a.parse().ok()).unwrap_or(3),
            rest.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000),
        ),
        _ => measure(
            args.first().and_then(|a| a.parse().ok()).unwrap_or(5),
            args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000),
        ),
    }
}

/// Both sides' clients against `base`, as the measurements use them.
fn clients(base: &str) -> (insighto::Client, reqwest::Client) {
    let client = insighto::Client::builder(KEY)
        .base_url(base)
        // The default policy: what users run.
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .connect_timeout(insighto::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, http)
}

fn update() -> UserProfileUpdate {
    UserProfileUpdate::builder()
        .first_name(Patch::set("Ada"))
        .phone(Patch::Clear)
        .try_into()
        .expect("every field of an update is optional")
}

/// `n` calls of one side, for callgrind: nothing else runs in this process.
fn calls(side: &str, op: &str, n: usize, base: &str) {
    let op = match op {
        "get" => Op::Get,
        "put" => Op::Put,
        other => panic!("unknown operation {other}"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (client, http) = clients(base);
    let update = update();
    let mut sink = Vec::with_capacity(n);
    rt.block_on(async {
        match side {
            "client" => batch_client(&client, op, n, &update, &mut sink).await,
            "baseline" => batch_baseline(&http, base, op, n, &update, &mut sink).await,
            other => panic!("unknown side {other}"),
        }
    });
}

fn measure(rounds: usize, per_round: usize) {
    let addr = start_server();
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (client, http) = clients(&base);
    let update = update();
    let (get, put) = rt.block_on(async {
        // Warm both connection pools.
        batch_client(&client, Op::Get, 200, &update, &mut Vec::new()).await;
        batch_baseline(&http, &base, Op::Get, 200, &update, &mut Vec::new()).await;
        let mut sides = [Sides::default(), Sides::default()];
        for (op, sides) in [Op::Get, Op::Put].into_iter().zip(&mut sides) {
            for _ in 0..rounds {
                // Small alternating batches, so that whatever the machine does meanwhile
                // hits both sides alike.
                let (mut cl, mut bl) = (Vec::new(), Vec::new());
                let (mut ct, mut bt) = (Duration::ZERO, Duration::ZERO);
                for b in 0..per_round / BATCH {
                    let (c, bb) = if b % 2 == 0 {
                        let c = batch_client(&client, op, BATCH, &update, &mut cl).await;
                        let bb = batch_baseline(&http, &base, op, BATCH, &update, &mut bl).await;
                        (c, bb)
                    } else {
                        let bb = batch_baseline(&http, &base, op, BATCH, &update, &mut bl).await;
                        let c = batch_client(&client, op, BATCH, &update, &mut cl).await;
                        (c, bb)
                    };
                    // Same number of calls: throughput ratio = time ratio, inverted.
                    sides.paired.push(bb.as_secs_f64() / c.as_secs_f64());
                    ct += c;
                    bt += bb;
                }
                sides.client.push(summary(&mut cl, ct));
                sides.baseline.push(summary(&mut bl, bt));
            }
        }
        let [get, put] = sides;
        (get, put)
    });

    let bytes = envelope_bytes();
    decode_round(&bytes, 10_000);
    let (mut typed, mut untyped) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (t, u) = decode_round(&bytes, 100_000);
        typed.push(t);
        untyped.push(u);
    }

    let codegen_release_ms = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            black_box(insighto_codegen::generate(SPEC).unwrap());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let measurements = Measurements {
        get,
        put,
        decode_typed_ns: typed,
        decode_value_ns: untyped,
        codegen_release_ms,
    };
    println!(
        "{}",
        serde_json::to_string(&measurements).expect("numbers serialize")
    );
}
