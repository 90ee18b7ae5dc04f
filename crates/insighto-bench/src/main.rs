//! In-process measurements for `cargo xtask bench`, printed as one JSON object.
//!
//! - `client_{get,put}` vs `baseline_{get,put}`: round trips through the generated
//!   client and through hand-written reqwest + serde_json, same server, same connection
//!   reuse, interleaved round by round.
//! - `decode_typed_ns` vs `decode_value_ns`: the documented envelope decoded into the
//!   generated types and into `serde_json::Value`.
//! - `codegen_release_ms`: `insighto_codegen::generate` compiled with optimisations.
//!
//! Usage: `insighto-bench [ROUNDS] [REQUESTS_PER_ROUND]`

use std::{
    hint::black_box,
    net::SocketAddr,
    time::{Duration, Instant},
};

use insighto::{Patch, RetryPolicy, types::UserProfileUpdate};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../../openapi.yaml");
const KEY: &str = "in-BenchmarkKeyBenchmarkKeyBenchmarkKeyBenchm";
const ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

fn envelope_bytes() -> Vec<u8> {
    let spec: Value = serde_yaml_ng::from_str(SPEC).expect("spec parses");
    serde_json::to_vec(&spec["components"]["examples"]["DocumentedProfileEnvelope"]["value"])
        .unwrap()
}

/// A minimal server answering both operations with the documented envelope, on its own
/// single-threaded runtime so that it behaves the same for both clients.
fn start_server() -> SocketAddr {
    let body = envelope_bytes();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let answer = move || {
                let body = body.clone();
                async move { ([("content-type", "application/json")], body) }
            };
            let app = axum::Router::new()
                .route("/api/v1/user", axum::routing::get(answer.clone()))
                .route("/api/v1/user/{id}", axum::routing::put(answer));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

#[derive(Clone, Copy)]
enum Op {
    Get,
    Put,
}

/// Requests per second and latency percentiles of one round.
fn summary(latencies: &mut [Duration], total: Duration) -> Value {
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6
    };
    json!({
        "rps": latencies.len() as f64 / total.as_secs_f64(),
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
    })
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
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let per_round: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);

    let addr = start_server();
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = insighto::Client::builder(KEY)
        .base_url(&base)
        // The default policy: what users run.
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .connect_timeout(insighto::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let update: UserProfileUpdate = UserProfileUpdate::builder()
        .first_name(Patch::set("Ada"))
        .phone(Patch::Clear)
        .try_into()
        .expect("every field of an update is optional");

    if let Some(only) = std::env::var_os("INSIGHTO_BENCH_ONLY") {
        // One side alone, for profilers (callgrind, perf): `client` or `baseline`.
        rt.block_on(async {
            let mut sink = Vec::new();
            for op in [Op::Get, Op::Put] {
                if only == "client" {
                    batch_client(&client, op, per_round, &update, &mut sink).await;
                } else {
                    batch_baseline(&http, &base, op, per_round, &update, &mut sink).await;
                }
            }
        });
        return;
    }
    let mut results = serde_json::Map::new();
    rt.block_on(async {
        // Warm both connection pools.
        batch_client(&client, Op::Get, 200, &update, &mut Vec::new()).await;
        batch_baseline(&http, &base, Op::Get, 200, &update, &mut Vec::new()).await;
        for op in [Op::Get, Op::Put] {
            let suffix = if matches!(op, Op::Get) { "get" } else { "put" };
            let (mut client_rounds, mut baseline_rounds) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                // Small alternating batches, so that whatever the machine does meanwhile
                // hits both sides alike.
                let (mut cl, mut bl) = (Vec::new(), Vec::new());
                let (mut ct, mut bt) = (Duration::ZERO, Duration::ZERO);
                for b in 0..per_round / BATCH {
                    if b % 2 == 0 {
                        ct += batch_client(&client, op, BATCH, &update, &mut cl).await;
                        bt += batch_baseline(&http, &base, op, BATCH, &update, &mut bl).await;
                    } else {
                        bt += batch_baseline(&http, &base, op, BATCH, &update, &mut bl).await;
                        ct += batch_client(&client, op, BATCH, &update, &mut cl).await;
                    }
                }
                client_rounds.push(summary(&mut cl, ct));
                baseline_rounds.push(summary(&mut bl, bt));
            }
            results.insert(format!("client_{suffix}"), json!(client_rounds));
            results.insert(format!("baseline_{suffix}"), json!(baseline_rounds));
        }
    });

    let bytes = envelope_bytes();
    decode_round(&bytes, 10_000);
    let (mut typed, mut untyped) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (t, u) = decode_round(&bytes, 100_000);
        typed.push(t);
        untyped.push(u);
    }
    results.insert("decode_typed_ns".into(), json!(typed));
    results.insert("decode_value_ns".into(), json!(untyped));

    let codegen: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            black_box(insighto_codegen::generate(SPEC).unwrap());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    results.insert("codegen_release_ms".into(), json!(codegen));
    println!("{}", Value::Object(results));
}
