//! Response metadata: the status, headers and request id beside a value or an error,
//! from the one request the call makes, with the key redacted wherever a server echoes it.

use insighto::{Error, Patch, ResponseMeta, types::UserProfileUpdate};
use insighto_tests::{
    TestServer,
    scripted::{Canned, KEY, Scripted, all_text, assert_no_key},
};
use serde_json::{Value, json};

const ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

/// The metadata as a snapshot sees it: status, request id and every header but `date`.
fn shown(meta: &ResponseMeta) -> Value {
    let headers: serde_json::Map<String, Value> = meta
        .headers()
        .iter()
        .filter(|(name, _)| *name != "date")
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), Value::String(text))
        })
        .collect();
    json!({"status": meta.status(), "request_id": meta.request_id(), "headers": headers})
}

fn envelope() -> Value {
    json!({"message": "ok", "meta": {}, "data": {"id": ID, "first_name": "Ada"}})
}

/// A 200 with the headers a real service behind a gateway sends, one echoing the key.
fn ok_with_headers() -> Canned {
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    Canned::json(200, envelope())
        .header("x-request-id", "req-0001")
        .header("x-ratelimit-remaining", "99")
        .header("x-echo", format!("/api/v1/user?api_key={encoded}"))
}

#[tokio::test]
async fn get_profile_with_response_carries_status_headers_and_request_id() {
    let server = Scripted::start(vec![ok_with_headers()]).await;
    let response = server.client().get_profile_with_response().await.unwrap();
    assert_eq!(server.requests().len(), 1, "one request, not two");
    assert_eq!(response.data.first_name.as_deref(), Some("Ada"));
    assert_eq!(response.meta().request_id(), Some("req-0001"));
    assert_eq!(response.meta().header("x-ratelimit-remaining"), Some("99"));
    assert_no_key(&format!("{response:?}"));
    insta::assert_json_snapshot!(shown(response.meta()));
}

#[tokio::test]
async fn update_calls_with_response_carry_the_put_response() {
    let server = Scripted::start(vec![
        Canned::json(200, envelope()).header("x-request-id", "req-get"),
        ok_with_headers(),
    ])
    .await;
    let client = server.client();
    let update: UserProfileUpdate = UserProfileUpdate::builder()
        .first_name(Patch::set("Ada"))
        .try_into()
        .unwrap();
    let mine = client
        .update_my_profile_with_response(&update)
        .await
        .unwrap();
    // The GET for the id came first; the metadata is the PUT's.
    let methods: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET", "PUT"]);
    assert_eq!(mine.meta().request_id(), Some("req-0001"));
    let by_id = client
        .update_profile_with_response(ID.parse().unwrap(), &update)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    let (envelope, meta) = by_id.into_parts();
    assert_eq!(envelope.data.id.to_string(), ID);
    insta::assert_json_snapshot!(shown(&meta));
}

#[tokio::test]
async fn errors_carry_the_metadata_of_their_response() {
    let cases = vec![
        (
            "rate_limited",
            Canned::json(429, json!({"detail": "slow down"}))
                .header("retry-after", "3600")
                .header("x-request-id", "req-429"),
        ),
        (
            "unauthorized",
            Canned::json(401, json!({"detail": "Not authenticated"}))
                .header("cf-ray", "8a1b2c3d4e5f-AMS"),
        ),
        (
            "server",
            Canned::raw(502, "text/html", "<h1>bad gateway</h1>").header("x-request-id", "req-502"),
        ),
        (
            "decode",
            Canned::raw(200, "application/json", "{not json").header("request-id", "req-bad"),
        ),
    ];
    let mut shown_all = serde_json::Map::new();
    for (name, canned) in cases {
        let server = Scripted::start(vec![canned]).await;
        let err = server.client().get_profile().await.unwrap_err();
        let meta = err
            .response()
            .unwrap_or_else(|| panic!("{name}: no metadata on {err:?}"));
        assert_eq!(err.status(), Some(meta.status()), "{name}");
        assert_eq!(err.request_id(), meta.request_id(), "{name}");
        assert_no_key(&all_text(&err));
        shown_all.insert(
            name.to_owned(),
            json!({"error": err.to_string(), "response": shown(meta)}),
        );
    }
    insta::assert_json_snapshot!(Value::Object(shown_all));
}

#[tokio::test]
async fn a_body_over_the_limit_keeps_the_head_that_came_before_it() {
    let server = Scripted::start(vec![ok_with_headers()]).await;
    let client = insighto::Client::builder(KEY)
        .base_url(&server.url)
        .max_response_bytes(10)
        .retry(insighto::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_profile().await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 10, .. }),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req-0001"));
    assert_no_key(&all_text(&err));
}

#[tokio::test]
async fn no_response_no_metadata() {
    // Nothing listens on port 9 of loopback.
    let client = insighto::Client::builder(KEY)
        .base_url("http://127.0.0.1:9")
        .retry(insighto::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_profile_with_response().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.response().is_none() && err.request_id().is_none());
}

#[tokio::test]
async fn sandbox_sends_a_fresh_request_id_on_every_response() {
    let server = TestServer::start().await;
    let client = server.client();
    let first = client.get_profile_with_response().await.unwrap();
    let second = client
        .update_my_profile_with_response(&UserProfileUpdate::default())
        .await
        .unwrap();
    let ids: Vec<uuid::Uuid> = [first.meta(), second.meta()]
        .iter()
        .map(|m| m.request_id().expect("x-request-id").parse().unwrap())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert_eq!(first.meta().status(), 200);
    let err = server
        .client_preferring(503)
        .get_profile()
        .await
        .unwrap_err();
    let id = err.request_id().expect("errors carry the request id too");
    assert!(id.parse::<uuid::Uuid>().is_ok(), "{id}");
}
