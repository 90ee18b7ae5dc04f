//! The conformance check (`Client::check_conformance`, what `insighto doctor` runs), the
//! strict mode and the forgiving default's drift warnings, against a deliberately
//! drifted server and the sandbox.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use insighto::{Error, FindingKind, RetryPolicy};
use insighto_tests::{
    TestServer,
    drift::drifts,
    scripted::{Canned, KEY, Scripted, all_text, assert_no_key, documented_envelope},
};
use serde_json::json;

#[tokio::test]
async fn the_documented_example_and_the_sandbox_conform() {
    let server = Scripted::start(vec![Canned::json(200, documented_envelope())]).await;
    let report = server.client().check_conformance().await.unwrap();
    assert!(report.conforms(), "{:?}", report.findings());
    assert_eq!(
        (report.operation(), report.route()),
        ("get_user_profile", ("get", "/api/v1/user"))
    );
    assert_eq!(report.response().status(), 200);

    let sandbox = TestServer::start().await;
    let report = sandbox.client().check_conformance().await.unwrap();
    assert!(report.conforms(), "{:?}", report.findings());
}

#[tokio::test]
async fn each_kind_of_drift_is_found_and_named_with_a_get_only() {
    for drift in drifts() {
        let server = Scripted::start(vec![drift.canned]).await;
        let report = server
            .client()
            .check_conformance()
            .await
            .unwrap_or_else(|e| {
                panic!("{}: {e}", drift.name);
            });
        let found: Vec<_> = report
            .findings()
            .iter()
            .map(|f| (f.pointer.as_str(), f.kind))
            .collect();
        assert_eq!(found, [(drift.pointer, drift.kind)], "{}", drift.name);
        assert!(!report.conforms());
        for request in server.requests() {
            assert_eq!(
                (request.method.as_str(), request.uri.path()),
                ("GET", "/api/v1/user")
            );
        }
    }
}

#[tokio::test]
async fn documented_errors_are_the_usual_errors() {
    let cases = [
        (
            Canned::json(401, json!({"detail": "Not authenticated"})),
            "Unauthorized",
        ),
        (
            Canned::json(429, json!({"detail": "slow down"})),
            "RateLimited",
        ),
        (Canned::raw(503, "text/html", "<html>down</html>"), "Server"),
    ];
    for (canned, variant) in cases {
        let server = Scripted::start(vec![canned]).await;
        let err = server.client().check_conformance().await.unwrap_err();
        assert!(
            format!("{err:?}").starts_with(variant),
            "{variant}: {err:?}"
        );
    }
    let server =
        Scripted::start(vec![Canned::raw(200, "application/json", vec![b' '; 4096])]).await;
    let small = insighto::Client::builder(KEY)
        .base_url(&server.url)
        .max_response_bytes(1024)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = small.check_conformance().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn an_echoed_key_is_never_shown() {
    let mut body = documented_envelope();
    body["data"][KEY] = json!(KEY);
    body["data"]["email"] = json!(KEY);
    body["data"]["follower_count"] = json!(KEY);
    body["meta"] = json!(KEY);
    let server = Scripted::start(vec![
        Canned::json(200, body.clone()).header("x-request-id", KEY),
        Canned::raw(200, &format!("application/{KEY}"), body.to_string()),
    ])
    .await;
    let client = server.client();
    for _ in 0..2 {
        let report = client.check_conformance().await.unwrap();
        assert!(!report.conforms());
        assert_no_key(&format!("{report:?} {:?}", report.findings()));
        for finding in report.findings() {
            assert_no_key(&finding.to_string());
        }
    }
    let strict = strict_client(&server);
    let err = strict.get_profile().await.unwrap_err();
    assert!(matches!(err, Error::Drift { .. }), "{err:?}");
    assert_no_key(&all_text(&err));
}

/// A client of `server` in strict mode, without retries.
fn strict_client(server: &Scripted) -> insighto::Client {
    insighto::Client::builder(KEY)
        .base_url(&server.url)
        .strict_responses(true)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn strict_responses_turn_drift_into_an_error_with_its_findings() {
    let mut drifted = documented_envelope();
    drifted["data"]["nickname"] = json!("Ada");
    let server = Scripted::start(vec![
        Canned::json(200, documented_envelope()),
        Canned::json(200, drifted).header("x-request-id", "req-7"),
    ])
    .await;
    let strict = strict_client(&server);
    strict
        .get_profile()
        .await
        .expect("the documented example passes");
    let err = strict.get_profile().await.unwrap_err();
    let Error::Drift {
        operation,
        findings,
        omitted,
        response,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*operation, *omitted), ("get_user_profile", 0));
    assert_eq!(findings[0].pointer, "/data/nickname");
    assert_eq!(findings[0].kind, FindingKind::UnknownProperty);
    assert_eq!((response.status(), err.request_id()), (200, Some("req-7")));
    assert!(err.to_string().contains("/data/nickname"), "{err}");
    assert!(!err.to_string().contains("Ada"), "no value is shown: {err}");

    // The update is checked too, and an envelope the forgiving reader would accept
    // (no `meta`) is drift in strict mode.
    let mut no_meta = documented_envelope();
    no_meta.as_object_mut().unwrap().remove("meta");
    let server = Scripted::start(vec![Canned::json(200, no_meta)]).await;
    let strict = strict_client(&server);
    let id = uuid::Uuid::new_v4();
    let update = insighto::types::UserProfileUpdate::builder();
    let err = strict.update_profile(id, update).await.unwrap_err();
    assert!(
        matches!(&err, Error::Drift { operation: "update_user_profile", findings, .. }
            if findings[0].pointer == "/meta" && findings[0].kind == FindingKind::MissingRequired),
        "{err:?}"
    );
    // The forgiving default reads it.
    let forgiving = server.client();
    forgiving
        .get_profile()
        .await
        .expect("absent meta is forgiven");
}

/// A subscriber that keeps what it writes, for the current thread.
fn capture() -> (tracing::subscriber::DefaultGuard, Arc<Mutex<Vec<u8>>>) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(logs.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    (tracing::subscriber::set_default(subscriber), logs)
}

fn text(logs: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&logs.lock().unwrap()).into_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn the_forgiving_default_warns_once_per_drift_naming_pointers_never_values() {
    let (_guard, logs) = capture();
    let mut drifted = documented_envelope();
    drifted["data"]["nickname"] = json!("Ada Lovelace");
    drifted["data"]["referrer"] = json!("Grace");
    let server = Scripted::start(vec![Canned::json(200, drifted)]).await;
    let client = server.client();
    client
        .get_profile()
        .await
        .expect("the forgiving default reads it");
    let first = text(&logs);
    let warnings: Vec<&str> = first
        .lines()
        .filter(|l| l.contains("insighto::drift"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning for the kind: {first}");
    for expected in [
        "WARN",
        "unknown-property",
        "/data/nickname",
        "/data/referrer",
        "get_user_profile",
    ] {
        assert!(warnings[0].contains(expected), "{expected} in {first}");
    }
    assert!(
        !first.contains("Lovelace") && !first.contains("Grace"),
        "{first}"
    );
    // The same drift is not warned about again (the sampler checks the 65th response).
    for _ in 0..insighto::DRIFT_SAMPLE_EVERY {
        client.get_profile().await.unwrap();
    }
    assert_eq!(text(&logs), first);
}

#[tokio::test(flavor = "current_thread")]
async fn a_forgiven_response_is_always_checked_and_sampling_skips_the_rest() {
    let (_guard, logs) = capture();
    let mut no_meta = documented_envelope();
    no_meta.as_object_mut().unwrap().remove("meta");
    let mut new_field = documented_envelope();
    new_field["data"]["nickname"] = json!("x");
    let server = Scripted::start(vec![
        Canned::json(200, documented_envelope()),
        Canned::json(200, new_field),
        Canned::json(200, no_meta),
    ])
    .await;
    let client = server.client();
    client.get_profile().await.unwrap();
    client.get_profile().await.unwrap(); // second response: not sampled
    assert_eq!(
        text(&logs),
        "",
        "the first conformed, the second was not checked"
    );
    client.get_profile().await.expect("absent meta is forgiven");
    let logs = text(&logs);
    assert!(
        logs.contains("missing-required")
            && logs.contains("/meta")
            && logs.contains("forgiven=true"),
        "{logs}"
    );
    assert!(!logs.contains("nickname"), "{logs}");
}

#[tokio::test]
async fn nobody_listening_means_nothing_is_checked() {
    // No subscriber: a drifted response is read as before, with no work for the check.
    let mut drifted = documented_envelope();
    drifted["data"]["nickname"] = json!("x");
    let server = Scripted::start(vec![Canned::json(200, drifted)]).await;
    let profile = server.client().get_profile().await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("jsmith@example.com"));
}
