//! Regression tests for the failures an adversarial run found (issue 12), one or more per
//! failure, numbered as in the issue. The CLI's own (exit codes, terminal output,
//! `--timeout`/`--retries`) are in `crates/insighto-cli/tests/hardening.rs`.

use std::time::{Duration, Instant};

use insighto::{Error, Patch, Timestamp, types::UserProfileUpdate};
use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};
use insighto_tests::{
    raw,
    scripted::{Canned, KEY, Scripted, all_text, assert_no_key},
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const ADMIN: &str = "in-hardening-admin";
const ADMIN2: &str = "in-hardening-admin-two";
const USER: &str = "in-hardening-user";
const USER_ID: &str = "11111111-1111-4111-8111-111111111111";

/// A seeded sandbox serving on loopback.
async fn serve(dir: &tempfile::TempDir, options: SandboxOptions) -> RunningSandbox {
    seeded(dir, options).spawn_local().await.unwrap()
}

fn seeded(dir: &tempfile::TempDir, options: SandboxOptions) -> Sandbox {
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        json!({"accounts": [
            {"api_key": ADMIN, "profile": {"is_superuser": true}},
            {"api_key": ADMIN2, "profile": {"is_superuser": true}},
            {"api_key": USER, "profile": {"id": USER_ID, "first_name": "U"}},
        ]})
        .to_string(),
    )
    .unwrap();
    Sandbox::open(&SandboxOptions {
        seed: Some(seed),
        ..options
    })
    .unwrap()
}

async fn raw(url: &str, request: &[u8]) -> (u16, String, Value) {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), json)
}

fn client(url: &str, key: &str) -> insighto::Client {
    insighto::Client::builder(key)
        .base_url(url)
        .retry(insighto::RetryPolicy::none())
        .build()
        .unwrap()
}

// 1. Date-times whose UTC form is outside years 1-9999.

#[tokio::test]
async fn out_of_range_datetimes_are_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    // Sent as raw JSON (the client refuses such values) to the router; the running
    // sandbox shares its state.
    let sandbox = seeded(&dir, SandboxOptions::default());
    let app = sandbox.router();
    let sandbox = sandbox.spawn_local().await.unwrap();
    for value in ["0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"] {
        let response = raw::put(format!("/api/v1/user/{USER_ID}?api_key={USER}"))
            .json(&json!({ "birthdate": value }))
            .send(&app)
            .await;
        assert_eq!(response.status, 422, "{value}");
        assert_eq!(
            response.json()["detail"][0]["loc"],
            json!(["body", "birthdate"]),
            "{value}"
        );
    }
    // The profile is still readable.
    client(sandbox.url(), USER).get_profile().await.unwrap();

    // A seed file with such a value is refused.
    let seed = dir.path().join("bad-seed.json");
    std::fs::write(&seed, json!({"accounts": [{"api_key": "in-x", "profile": {"birthdate": "9999-12-31T23:59:59-23:59"}}]}).to_string()).unwrap();
    let opened = Sandbox::open(&SandboxOptions {
        seed: Some(seed),
        ..Default::default()
    });
    assert!(opened.is_err());

    // The client refuses to send one: nothing reaches the server.
    let server = Scripted::start(vec![Canned::json(200, json!({}))]).await;
    // (Decoding accepts what a server sends; only sending checks the range.)
    let far: Timestamp = serde_json::from_value(json!("9999-12-31T23:59:59-23:59")).unwrap();
    let update = {
        let mut update = UserProfileUpdate::default();
        update.birthdate = Some(Patch::Set(far));
        update
    };
    let err = server
        .client()
        .update_profile(uuid::Uuid::nil(), &update)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_profile_the_client_cannot_decode_can_still_be_repaired() {
    let id = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    let broken = json!({"message": "ok", "meta": {}, "data": {"id": id, "birthdate": "+10000-01-01T23:58:59Z"}});
    let repaired = json!({"message": "ok", "meta": {}, "data": {"id": id, "birthdate": null}});
    let server =
        Scripted::start(vec![Canned::json(200, broken), Canned::json(200, repaired)]).await;
    let client = server.client();
    let update = {
        let mut update = UserProfileUpdate::default();
        update.birthdate = Some(Patch::Clear);
        update
    };
    let profile = client.update_my_profile(&update).await.unwrap();
    assert_eq!(profile.birthdate, None);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].uri.path(), format!("/api/v1/user/{id}"));
}

// 2. Rights checked inside the write's transaction.

/// A superuser starts a PUT that grants superuser to another user and stalls before the
/// body; another superuser revokes its rights; then the body arrives. Before the fix the
/// write went through (200); now the revoked rights are seen (403).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rights_revoked_while_the_body_is_in_flight_are_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = serve(&dir, SandboxOptions::default()).await;
    let admin_id = client(sandbox.url(), ADMIN).get_profile().await.unwrap().id;
    let body = br#"{"is_superuser": true}"#;
    let mut slow = TcpStream::connect(sandbox.url().trim_start_matches("http://"))
        .await
        .unwrap();
    slow.write_all(
        format!(
            "PUT /api/v1/user/{USER_ID}?api_key={ADMIN} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let revoke = {
        let mut update = UserProfileUpdate::default();
        update.is_superuser = Some(Patch::Set(false));
        update
    };
    client(sandbox.url(), ADMIN2)
        .update_profile(admin_id, &revoke)
        .await
        .unwrap();
    slow.write_all(body).await.unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.unwrap();
    println!("race: {}", answer.lines().next().unwrap_or_default());
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let user = client(sandbox.url(), USER).get_profile().await.unwrap();
    assert_eq!(
        user.is_superuser,
        Some(false),
        "the revoked superuser's write went through"
    );
}

// 3. Idle connections.

fn limited() -> SandboxOptions {
    SandboxOptions {
        first_request_timeout: Some(Duration::from_millis(300)),
        idle_timeout: Some(Duration::from_millis(300)),
        max_connections: Some(40),
        ..Default::default()
    }
}

/// Waits (at most 5 s) for the server to close `stream`; returns how long it took.
async fn closed_within(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink))
        .await
        .expect("the server never closed the connection")
        .ok();
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_time_out_and_never_lock_clients_out() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = serve(&dir, limited()).await;
    let addr = sandbox.url().trim_start_matches("http://").to_owned();

    // Silent from the start.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_within(&mut silent).await < Duration::from_secs(2));

    // HTTP/2 preface, then nothing.
    let mut h2 = TcpStream::connect(&addr).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    assert!(closed_within(&mut h2).await < Duration::from_secs(2));

    // Keep-alive after one request, then nothing.
    let mut keep = TcpStream::connect(&addr).await.unwrap();
    keep.write_all(
        format!("GET /api/v1/user?api_key={USER} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    assert!(closed_within(&mut keep).await < Duration::from_secs(2));

    // 300 idle connections (bounded: one loop, loopback only) do not lock out a client.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let started = Instant::now();
    client(sandbox.url(), USER).get_profile().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

// 4. The key in an error.

#[tokio::test]
async fn a_key_echoed_in_any_encoding_never_reaches_an_error() {
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    let lower = hex_case(&encoded, false);
    let json_escaped = serde_json::to_string(KEY).unwrap().replace('/', "\\/");
    for echoed in [KEY.to_owned(), lower.clone(), json_escaped] {
        let body = json!({"detail": [{"loc": ["query", echoed.clone()], "msg": format!("bad {echoed}"), "type": echoed.clone()}]});
        let server = Scripted::start(vec![Canned::json(422, body)]).await;
        // The PUT documents 422 (to the GET it is an unexpected status, excerpt shown).
        let err = server
            .client()
            .update_profile(USER_ID.parse().unwrap(), &UserProfileUpdate::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        assert_no_key(&all_text(&err));
        assert_no_key(&hex_case(&all_text(&err), true));
        let err = server.client().get_profile().await.unwrap_err();
        assert!(matches!(err, Error::UnexpectedStatus { .. }), "{err:?}");
        assert_no_key(&all_text(&err));
        assert_no_key(&hex_case(&all_text(&err), true));
    }
    let server = Scripted::start(vec![Canned::raw(
        500,
        "text/plain",
        format!("boom {lower}"),
    )])
    .await;
    let err = server.client().get_profile().await.unwrap_err();
    assert_no_key(&hex_case(&all_text(&err), true));
}

/// The text with the two characters after each `%` in upper (or lower) case, so that
/// `assert_no_key` also catches a lower-case echo.
fn hex_case(text: &str, upper: bool) -> String {
    let mut out = String::new();
    let mut after = 0;
    for c in text.chars() {
        if after > 0 {
            out.push(if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
            after -= 1;
        } else {
            out.push(c);
            if c == '%' {
                after = 2;
            }
        }
    }
    out
}

// 5. The database is private.

#[cfg(unix)]
#[test]
fn the_database_and_its_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new/nested/sandbox.sqlite3");
    let _open = Sandbox::open(&SandboxOptions {
        db: Some(db.clone()),
        ..Default::default()
    })
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    // SQLite gives its journal files the database's own mode.
    let wal = db.with_extension("sqlite3-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&dir.path().join("new")), 0o700);
}

// 6. Deactivated accounts.

#[tokio::test]
async fn a_deactivated_account_is_refused_and_cannot_reactivate_itself() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = serve(&dir, SandboxOptions::default()).await;
    let user = client(sandbox.url(), USER);
    let off = {
        let mut update = UserProfileUpdate::default();
        update.is_active = Some(Patch::Set(false));
        update
    };
    user.update_my_profile(&off).await.unwrap();
    let err = user.get_profile().await.unwrap_err();
    assert!(err.is_inactive_account(), "{err:?}");
    assert_eq!(err.status(), Some(400));
    let on = {
        let mut update = UserProfileUpdate::default();
        update.is_active = Some(Patch::Set(true));
        update
    };
    let err = user
        .update_profile(USER_ID.parse().unwrap(), &on)
        .await
        .unwrap_err();
    assert!(err.is_inactive_account(), "{err:?}");
    // A superuser can reactivate it.
    client(sandbox.url(), ADMIN)
        .update_profile(USER_ID.parse().unwrap(), &on)
        .await
        .unwrap();
    user.get_profile().await.unwrap();
}

// 7. Every error reply is JSON, with a status the spec documents.

#[tokio::test]
async fn every_error_reply_is_json_with_a_documented_status() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = serve(
        &dir,
        SandboxOptions {
            body_timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        },
    )
    .await;
    let many_headers: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let big = "x".repeat(insighto_sandbox::MAX_BODY_BYTES + 1);
    let utf8_body = |body: &[u8]| {
        let mut request = format!("PUT /api/v1/user/{USER_ID}?api_key={USER} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
        request.extend_from_slice(body);
        request
    };
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("put", "invalid UTF-8 in the path", format!("PUT /api/v1/user/%FF%FE?api_key={USER} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}").into_bytes()),
        ("get", "100 KB query", format!("GET /api/v1/user?api_key={USER}&q={} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", "a".repeat(100_000)).into_bytes()),
        ("get", "200 headers", format!("GET /api/v1/user?api_key={USER} HTTP/1.1\r\nhost: x\r\n{many_headers}connection: close\r\n\r\n").into_bytes()),
        ("put", "body too large", format!("PUT /api/v1/user/{USER_ID}?api_key={USER} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{big}", big.len()).into_bytes()),
        ("put", "body too slow", format!("PUT /api/v1/user/{USER_ID}?api_key={USER} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{{").into_bytes()),
        ("put", "invalid UTF-8 body", utf8_body(b"\"\xff\"")),
        ("put", "bad JSON", utf8_body(b"{")),
    ];
    let spec = insighto_tests::spec();
    let mut seen = Vec::new();
    for (method, name, request) in cases {
        let (status, head, body) = raw(sandbox.url(), &request).await;
        assert!(status >= 400, "{name}: {status}");
        assert!(
            head.contains("content-type: application/json"),
            "{name}: {head}"
        );
        assert!(
            body["detail"].is_string() || body["detail"].is_array(),
            "{name}: {body}"
        );
        let path = if method == "get" {
            "/api/v1/user"
        } else {
            "/api/v1/user/{user_id}"
        };
        let operation = spec.operation_at(path, method).unwrap();
        assert!(
            operation.own_response(status).is_some(),
            "{name}: {status} is not in openapi.yaml for {method} {path}"
        );
        seen.push(status);
    }
    // Raw bytes that are not UTF-8 in the request line: hyper's own 400, with JSON.
    let (status, head, body) = raw(
        sandbox.url(),
        b"GET /api/v1/\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        head.contains("application/json") && body["detail"].is_string(),
        "{head}"
    );
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [400, 408, 413, 414, 422, 431]);
}

// 10. Seed files apply whole or not at all.

#[test]
fn a_seed_file_with_a_duplicate_id_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        json!({"accounts": [
            {"api_key": "in-first", "profile": {"id": USER_ID}},
            {"api_key": "in-second", "profile": {"id": USER_ID}},
        ]})
        .to_string(),
    )
    .unwrap();
    let options = SandboxOptions {
        db: Some(db.clone()),
        seed: Some(seed),
        ..Default::default()
    };
    assert!(Sandbox::open(&options).is_err());
    // Reopened without the seed, the first account does not exist: adding it again with
    // another id works, which a half-applied seed (same key present) would not change.
    let sandbox = Sandbox::open(&SandboxOptions {
        db: Some(db),
        ..Default::default()
    })
    .unwrap();
    let added = sandbox
        .add_account(insighto_sandbox::Account::builder().api_key("in-first"))
        .unwrap();
    assert_ne!(
        added.user_id.to_string(),
        USER_ID,
        "the seed was applied halfway"
    );
}

// 11. An envelope without `meta`.

#[tokio::test]
async fn an_envelope_without_meta_decodes() {
    let id = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    for envelope in [
        json!({"message": "ok", "data": {"id": id}}),
        json!({"message": "ok", "meta": null, "data": {"id": id}}),
    ] {
        let server = Scripted::start(vec![Canned::json(200, envelope)]).await;
        let response = server
            .client()
            .get_profile_with_response()
            .await
            .unwrap()
            .into_value();
        assert!(response.meta.is_empty());
        assert_eq!(response.data.id.to_string(), id);
    }
}
