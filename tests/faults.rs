//! Fault injection: the client against a misbehaving loopback server. Every case ends in
//! its documented result within a bounded time, without a panic, and the key appears in
//! no error text, `Debug` output or log line (captured at TRACE, reqwest's own included).

use std::{
    io::Write,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant, SystemTime},
};

use insighto::{Error, Patch, RetryPolicy, types::UserProfileUpdate};
use insighto_tests::{
    faulty::{Behavior, Faulty, ok_profile, response},
    scripted::{KEY, all_text, assert_no_key, refused_url},
};

/// Every log line of this test binary, at TRACE, from every crate.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogSink;
impl Write for LogSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| LogSink)
            .with_ansi(false)
            .init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn client(server: &Faulty, retries: u32) -> insighto::Client {
    capture_logs();
    insighto::Client::builder(KEY)
        .base_url(&server.url)
        .timeout(Duration::from_millis(500))
        .max_response_bytes(1024 * 1024)
        .retry(
            RetryPolicy::default()
                .max_retries(retries)
                .initial_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// Checks the common promises of a failed call and returns the error.
fn failed(
    result: Result<insighto::types::UserProfile, Error>,
    started: Instant,
    bound: Duration,
) -> Error {
    let err = result.expect_err("the call should fail");
    assert!(
        started.elapsed() < bound,
        "took {:?}: {err:?}",
        started.elapsed()
    );
    assert_no_key(&all_text(&err));
    assert_no_key(&logs());
    err
}

/// A GET through `client(server, retries)` that must fail within `bound`.
async fn get_fails(server: &Faulty, retries: u32, bound: Duration) -> Error {
    let client = client(server, retries);
    let started = Instant::now(); // before the call: arguments are evaluated in order
    failed(client.get_profile().await, started, bound)
}

/// A GET with two retries against a server that always answers `status` with `body` as
/// `content_type`; it must fail within 5 s.
async fn fails_on(status: &str, content_type: &str, body: &[u8]) -> (Faulty, Error) {
    let answer = response(status, &[("content-type", content_type)], body);
    let server = Faulty::start(vec![Behavior::Raw(answer)]).await;
    let err = get_fails(&server, 2, Duration::from_secs(5)).await;
    (server, err)
}

#[tokio::test]
async fn connection_refused_is_transport_after_retries() {
    capture_logs();
    let client = insighto::Client::builder(KEY)
        .base_url(refused_url())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(20)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = failed(client.get_profile().await, started, Duration::from_secs(3));
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn reset_mid_body_is_retried_then_transport() {
    let head_and_part = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"message\":".to_vec();
    let server = Faulty::start(vec![Behavior::RawThenReset(head_and_part)]).await;
    let err = get_fails(&server, 2, Duration::from_secs(5)).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.connections(), 3, "first attempt and two retries");
}

// On a multi-threaded runtime: the attempt's slot lives in a thread-local only while the
// attempt is polled, so a task moved to another thread between polls must keep it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mid_body_then_success_recovers() {
    let head_and_part = b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{".to_vec();
    let server = Faulty::start(vec![
        Behavior::RawThenReset(head_and_part),
        Behavior::Raw(ok_profile()),
    ])
    .await;
    let profile = client(&server, 2).get_profile().await.unwrap();
    assert_eq!(
        profile.id.to_string(),
        "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    );
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn body_shorter_than_its_length_is_transport() {
    let lying = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\nconnection: close\r\n\r\n{\"message\": \"Data".to_vec();
    let server = Faulty::start(vec![Behavior::Raw(lying)]).await;
    let err = get_fails(&server, 1, Duration::from_secs(5)).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_json_is_decode_error() {
    let body = br#"{"message": "Data retrieved", "meta": {}, "data": {"id": "3c90c3cc"#;
    let (server, err) = fails_on("200 OK", "application/json", body).await;
    assert!(
        matches!(&err, Error::Decode { status: 200, excerpt, .. } if excerpt.starts_with("{\"message\"")),
        "{err:?}"
    );
    assert_eq!(server.connections(), 1, "a decode error is not retried");
}

#[tokio::test]
async fn proxy_html_502_is_retried_then_server_error() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>nginx sees {KEY}</body></html>"
    );
    let (server, err) = fails_on("502 Bad Gateway", "text/html", html.as_bytes()).await;
    assert!(
        matches!(&err, Error::Server { status: 502, detail, .. } if detail.contains("502 Bad Gateway")),
        "{err:?}"
    );
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn wrong_content_type_with_html_is_decode_error() {
    let (_, err) = fails_on("200 OK", "text/html", b"<html>maintenance</html>").await;
    assert!(
        matches!(&err, Error::Decode { excerpt, .. } if excerpt.contains("maintenance")),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_utf8_is_decode_error() {
    let body = b"{\"message\": \"\xff\xfe\", \"meta\": {}, \"data\": {}}";
    let (_, err) = fails_on("200 OK", "application/json", body).await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn very_large_body_is_refused_past_the_limit() {
    let mut body = b"{\"message\": \"".to_vec();
    body.extend(std::iter::repeat_n(b'x', 4 * 1024 * 1024));
    body.extend_from_slice(b"\"}");
    let (_, err) = fails_on("200 OK", "application/json", &body).await;
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_drip_past_the_timeout_is_timeout() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n"
        .to_vec();
    let server = Faulty::start(vec![Behavior::Drip {
        head,
        body: vec![b' '; 200],
        every: Duration::from_millis(50),
    }])
    .await;
    let err = get_fails(&server, 1, Duration::from_secs(3)).await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.connections(), 2, "a timeout is retried");
}

/// The `Retry-After` a 429 carries.
enum RetryAfter {
    Absent,
    /// The header's text as sent (delay-seconds).
    Seconds(&'static str),
    /// An HTTP date this far ahead, computed when the case starts.
    DateIn(Duration),
}

/// What a call answered with 429s ends in.
enum Outcome {
    /// A retry after the wait succeeds: the call took at least `waited`.
    RecoversAfter { waited: Duration },
    /// The call fails as rate limited with this `retry_after`, after `attempts` attempts.
    GivesUp {
        retry_after: Option<Duration>,
        attempts: usize,
    },
}

/// A 429 (its header and body), what the call ends in, and the time it may take at most.
struct RateLimitCase {
    name: &'static str,
    retry_after: RetryAfter,
    body: &'static [u8],
    outcome: Outcome,
    within: Duration,
}

#[tokio::test]
async fn rate_limited_calls_follow_retry_after() {
    use Outcome::*;
    use RetryAfter::*;
    let cases = [
        RateLimitCase {
            name: "seconds, then success",
            retry_after: Seconds("1"),
            body: br#"{"detail":"slow down"}"#,
            outcome: RecoversAfter {
                waited: Duration::from_millis(950),
            },
            within: Duration::from_secs(3),
        },
        // The date has one-second resolution, so the wait is between about 1 and 2 s.
        RateLimitCase {
            name: "a date, then success",
            retry_after: DateIn(Duration::from_secs(2)),
            body: b"",
            outcome: RecoversAfter {
                waited: Duration::from_millis(900),
            },
            within: Duration::from_secs(4),
        },
        RateLimitCase {
            name: "beyond the cap: gives up at once",
            retry_after: Seconds("3600"),
            body: br#"{"detail":"come back later"}"#,
            outcome: GivesUp {
                retry_after: Some(Duration::from_secs(3600)),
                attempts: 1,
            },
            within: Duration::from_secs(1),
        },
        RateLimitCase {
            name: "without: backs off, then gives up",
            retry_after: Absent,
            body: b"",
            outcome: GivesUp {
                retry_after: None,
                attempts: 3,
            },
            within: Duration::from_secs(3),
        },
    ];
    for case in cases {
        let name = case.name;
        let header = match case.retry_after {
            Absent => None,
            Seconds(s) => Some(s.to_owned()),
            DateIn(d) => Some(httpdate::fmt_http_date(SystemTime::now() + d)),
        };
        let mut headers: Vec<(&str, &str)> =
            header.iter().map(|h| ("retry-after", h.as_str())).collect();
        if !case.body.is_empty() {
            headers.push(("content-type", "application/json"));
        }
        let limited = Behavior::Raw(response("429 Too Many Requests", &headers, case.body));
        match case.outcome {
            RecoversAfter { waited } => {
                let server = Faulty::start(vec![limited, Behavior::Raw(ok_profile())]).await;
                let started = Instant::now();
                client(&server, 2).get_profile().await.unwrap();
                let took = started.elapsed();
                assert!(took >= waited, "{name}: Retry-After ignored: {took:?}");
                assert!(took < case.within, "{name}: took {took:?}");
                assert_no_key(&logs());
            }
            GivesUp {
                retry_after,
                attempts,
            } => {
                let server = Faulty::start(vec![limited]).await;
                let err = get_fails(&server, 2, case.within).await;
                assert!(
                    matches!(&err, Error::RateLimited { retry_after: r, .. } if *r == retry_after),
                    "{name}: {err:?}"
                );
                assert_eq!(server.connections(), attempts, "{name}");
            }
        }
    }
}

// On a multi-threaded runtime: the attempt's slot lives in a thread-local only while the
// attempt is polled, so a task moved to another thread between polls must keep it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_then_ok_succeeds_for_get_and_put_alike() {
    for status in [
        "503 Service Unavailable",
        "408 Request Timeout",
        "500 Internal Server Error",
    ] {
        let server = Faulty::start(vec![
            Behavior::Raw(response(status, &[], b"")),
            Behavior::Raw(ok_profile()),
        ])
        .await;
        let update = UserProfileUpdate::builder().phone(Patch::Clear);
        let c = client(&server, 2);
        c.update_profile(
            "3c90c3cc-0d44-4b50-8888-8dd25736052a".parse().unwrap(),
            update,
        )
        .await
        .unwrap();
        let [first, second] = server.requests().try_into().unwrap();
        assert_eq!(first, second, "{status}: the retried PUT must be identical");
        assert!(String::from_utf8_lossy(&first).ends_with("{\"phone\":null}"));
    }
}

#[tokio::test]
async fn retries_off_means_one_attempt() {
    let server = Faulty::start(vec![Behavior::Raw(response(
        "503 Service Unavailable",
        &[],
        b"",
    ))])
    .await;
    capture_logs();
    let c = insighto::Client::builder(KEY)
        .base_url(&server.url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = failed(c.get_profile().await, started, Duration::from_secs(2));
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn closed_without_answer_is_transport() {
    let server = Faulty::start(vec![Behavior::Close]).await;
    let err = get_fails(&server, 1, Duration::from_secs(3)).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn logs_record_requests_without_the_key() {
    let server = Faulty::start(vec![Behavior::Raw(ok_profile())]).await;
    client(&server, 0).get_profile().await.unwrap();
    let logs = logs();
    assert!(
        logs.contains("insighto.request") && logs.contains("get_user_profile"),
        "{logs}"
    );
    assert!(logs.contains("path=\"/api/v1/user\""), "{logs}");
    assert!(
        logs.contains("attempts=1") && logs.contains("status=200"),
        "{logs}"
    );
    assert_no_key(&logs);
}
