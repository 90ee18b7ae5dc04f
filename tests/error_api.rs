//! What a caller handles: `Error::is_retryable`, a transport error that says why on one
//! line and keeps its cause, the whole call's deadline (`total_timeout`), and a builder
//! from the environment.

use std::time::{Duration, Instant};

use insighto::{ClientBuilder, Error, RetryPolicy, TimeLimit};
use insighto_tests::scripted::{
    Canned, KEY, Scripted, all_text, assert_no_key, documented_envelope, error_responses,
    refused_client,
};

#[tokio::test]
async fn is_retryable_is_true_exactly_for_what_the_retry_policy_retries() {
    for answer in error_responses(None) {
        let kind = answer.kind;
        let err = answer.serve().await.get_profile().await.unwrap_err();
        let expected = matches!(kind, "rate_limited" | "server" | "bad_gateway" | "timeout");
        assert_eq!(err.is_retryable(), expected, "{kind}: {err:?}");
    }
    let err = refused_client().get_profile().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_transport_error_says_why_on_one_line_and_keeps_its_cause() {
    let err = refused_client().get_profile().await.unwrap_err();
    let Error::Transport { source } = &err else {
        panic!("{err:?}");
    };
    assert!(source.is_connect(), "{source:?}");
    let shown = err.to_string();
    assert!(
        shown.starts_with("could not reach the Insighto API: "),
        "{shown}"
    );
    assert!(
        shown.to_lowercase().contains("refused"),
        "the cause is shown: {shown}"
    );
    assert!(!shown.contains('\n'), "{shown}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    assert_no_key(&all_text(&err));
}

/// A call of `client` fails because its total limit ran out, and sooner than `bound`.
async fn fails_on_the_deadline_within(client: &insighto::Client, bound: Duration) -> Error {
    let started = Instant::now();
    let err = client.get_profile().await.unwrap_err();
    let total = Error::Timeout {
        limit: TimeLimit::Total,
    };
    assert_eq!(err.to_string(), total.to_string(), "{err:?}");
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    err
}

#[tokio::test]
async fn total_timeout_cuts_a_slow_attempt_short() {
    let server = Scripted::start(vec![
        Canned::json(200, documented_envelope()).delayed(Duration::from_secs(5)),
    ])
    .await;
    let client = insighto::Client::builder(KEY)
        .base_url(&server.url)
        .timeout(Duration::from_secs(30))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = fails_on_the_deadline_within(&client, Duration::from_secs(3)).await;
    assert!(err.to_string().contains("total time limit"), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_wait_that_would_pass_the_deadline_is_not_taken() {
    let server = Scripted::start(vec![
        Canned::json(503, serde_json::json!({"detail": "busy"})).header("retry-after", "5"),
        Canned::json(200, documented_envelope()),
    ])
    .await;
    let client = insighto::Client::builder(KEY)
        .base_url(&server.url)
        .retry(RetryPolicy::default().max_retries(3))
        .total_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    fails_on_the_deadline_within(&client, Duration::from_secs(1)).await;
    assert_eq!(server.requests().len(), 1, "no second attempt");
    // A deadline the wait fits in: the retry happens.
    let server_retry = Scripted::start(vec![
        Canned::json(503, serde_json::json!({"detail": "busy"})).header("retry-after", "1"),
        Canned::json(200, documented_envelope()),
    ])
    .await;
    let patient = insighto::Client::builder(KEY)
        .base_url(&server_retry.url)
        .total_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    patient
        .get_profile()
        .await
        .expect("retried within the deadline");
    assert_eq!(server_retry.requests().len(), 2);
}

#[test]
fn the_builder_from_the_environment_takes_more_settings() {
    // The only test of this binary that touches the environment.
    unsafe {
        std::env::set_var("INSIGHTO_API_KEY", KEY);
        std::env::set_var("INSIGHTO_BASE_URL", "http://127.0.0.1:9/");
    }
    let client = ClientBuilder::from_env()
        .unwrap()
        .total_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9");
    assert_no_key(&format!("{client:?}"));
    unsafe { std::env::remove_var("INSIGHTO_API_KEY") };
    let err = ClientBuilder::from_env().unwrap_err();
    assert_eq!(err, insighto::ConfigError::MissingApiKey);
}
