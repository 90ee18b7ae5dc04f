//! `insighto-bench fixture [ROUNDS] [TESTS]`: the sandbox as a test fixture against
//! wiremock, the mock server Rust users of other SDKs pick. Each test does what a
//! `#[tokio::test]` of an application does: a runtime of its own, a fresh fixture, a
//! client, and one `GET` answered; the tests run one after the other, as many as a
//! suite has, in alternating blocks of each fixture's.

use std::time::{Duration, Instant};

use insighto_bench_report::{FixtureMeasurements, FixtureRound};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{KEY, envelope_bytes};

/// The client of one test; the HTTP client is shared (without pooling, so that no
/// connection outlives its test's runtime), so that both fixtures are measured without
/// the cost of building TLS settings, which is the same for both.
fn client(http: &reqwest::Client, key: &str, url: &str) -> insighto::Client {
    insighto::Client::builder(key)
        .base_url(url)
        .http_client(http.clone())
        .retry(insighto::RetryPolicy::none())
        .build()
        .expect("valid settings")
}

async fn sandbox_test(http: &reqwest::Client) {
    let sandbox = insighto_sandbox::Sandbox::open(&Default::default())
        .expect("an in-memory sandbox opens")
        .spawn_local()
        .await
        .expect("a loopback port");
    let client = client(http, sandbox.demo_key(), sandbox.url());
    client.get_profile().await.expect("the sandbox answers");
}

async fn wiremock_test(http: &reqwest::Client, body: &[u8]) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json"))
        .mount(&server)
        .await;
    let client = client(http, KEY, &server.uri());
    client.get_profile().await.expect("the mock answers");
}

/// How many tests of one fixture run back to back before the other's: each test
/// still follows one of its own fixture's, as in a suite (so work a fixture leaves for
/// later is paid by the next test), while the machine's drift over a round (its other
/// load, its clock) hits both fixtures alike. Whole rounds of one fixture, as before,
/// differed by up to 15% from one round to the next.
const BLOCK: usize = 50;

/// One test: its own current-thread runtime, built and dropped within its time.
fn timed(test: &mut impl FnMut(&tokio::runtime::Runtime)) -> Duration {
    let t = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    test(&rt);
    drop(rt);
    t.elapsed()
}

/// `tests` tests of each fixture, in alternating blocks of [`BLOCK`]; `flip` says
/// which goes first. Each round's total is the sum of its fixture's tests.
fn round(
    tests: usize,
    flip: bool,
    mut sandbox: impl FnMut(&tokio::runtime::Runtime),
    mut wiremock: impl FnMut(&tokio::runtime::Runtime),
) -> [FixtureRound; 2] {
    let mut times = [Vec::with_capacity(tests), Vec::with_capacity(tests)];
    for block in 0..tests.div_ceil(BLOCK) {
        let n = BLOCK.min(tests - block * BLOCK);
        let first = usize::from((block % 2 == 1) != flip);
        for which in [first, 1 - first] {
            for _ in 0..n {
                let time = match which {
                    0 => timed(&mut sandbox),
                    _ => timed(&mut wiremock),
                };
                times[which].push(time);
            }
        }
    }
    times.map(|mut times| {
        let total: Duration = times.iter().sum();
        let figures = crate::summary(&mut times, total);
        FixtureRound {
            tests,
            p50_us: figures.p50_us,
            p99_us: figures.p99_us,
            total_ms: total.as_secs_f64() * 1e3,
        }
    })
}

pub fn measure(rounds: usize, tests: usize) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    let body = envelope_bytes();
    let sandbox = |rt: &tokio::runtime::Runtime| rt.block_on(sandbox_test(&http));
    let wiremock = |rt: &tokio::runtime::Runtime| rt.block_on(wiremock_test(&http, &body));
    // Warm-up: the spec parsed once, both pools of servers (and the sandbox's of
    // in-memory stores) filled.
    round(20, false, sandbox, wiremock);
    let mut m = FixtureMeasurements::default();
    for r in 0..rounds {
        let [s, w] = round(tests, r % 2 == 1, sandbox, wiremock);
        m.sandbox.push(s);
        m.wiremock.push(w);
    }
    println!("{}", serde_json::to_string(&m).expect("numbers serialize"));
}
