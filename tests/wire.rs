//! Snapshots of the wire format: the exact requests the client sends, the sandbox's
//! responses, how documented bodies decode, and the text of every error. A change of a
//! single byte fails here until a reviewer accepts it (`cargo insta review`).

use insighto::{Patch, Timestamp, UpdateBody, types::UserProfileUpdate};
use insighto_tests::{
    TestServer, raw,
    scripted::{
        Canned, KEY, Recorded, Scripted, documented_envelope, error_responses, refused_client,
    },
};
use serde_json::{Value, json};

const ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

/// What matters of a request: method, path, query (key redacted), the headers that
/// matter, and the body byte for byte.
fn request(r: &Recorded) -> Value {
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    let header = |name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let user_agent =
        header("user-agent").map(|ua| ua.replace(env!("CARGO_PKG_VERSION"), "[version]"));
    json!({
        "method": r.method.as_str(),
        "path": r.uri.path(),
        "query": r.uri.query().map(|q| q.replace(&encoded, "[API_KEY]")),
        "headers": {
            "accept": header("accept"),
            "content-type": header("content-type"),
            "content-length": header("content-length"),
            "authorization": header("authorization"),
            "user-agent": user_agent,
        },
        "body": String::from_utf8(r.body.to_vec()).unwrap(),
    })
}

async fn requests_of(call: impl AsyncFnOnce(&insighto::Client)) -> Vec<Value> {
    let envelope = json!({"message": "ok", "meta": {}, "data": {"id": ID}});
    let server = Scripted::start(vec![Canned::json(200, envelope)]).await;
    call(&server.client()).await;
    server.requests().iter().map(request).collect()
}

/// The requests one `update_profile` call sends.
async fn update_requests(update: impl UpdateBody) -> Vec<Value> {
    requests_of(async |c| {
        c.update_profile(ID.parse().unwrap(), update).await.unwrap();
    })
    .await
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[tokio::test]
async fn request_get_profile() {
    let sent = requests_of(async |c| {
        c.get_profile().await.unwrap();
    })
    .await;
    insta::assert_json_snapshot!(sent);
}

#[tokio::test]
async fn request_update_setting_fields() {
    let update = UserProfileUpdate::builder()
        .first_name(Patch::set("Ada"))
        .is_paying(Patch::Set(false))
        .role_id(Patch::Set(ID.parse().unwrap()))
        .birthdate(Patch::Set(ts("1815-12-10T00:00:00+01:00")));
    let sent = update_requests(update).await;
    insta::assert_json_snapshot!(sent);
}

#[tokio::test]
async fn request_update_omitting_everything() {
    let sent = requests_of(async |c| {
        c.update_profile(ID.parse().unwrap(), &UserProfileUpdate::default())
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(sent);
}

#[tokio::test]
async fn request_update_clearing_fields() {
    let update = UserProfileUpdate::builder()
        .phone(Patch::Clear)
        .birthdate(Patch::Clear)
        .role_id(Patch::Clear)
        .is_trial(Patch::Clear);
    let sent = update_requests(update).await;
    insta::assert_json_snapshot!(sent);
}

#[tokio::test]
async fn request_update_every_field() {
    let when = || Patch::Set(ts("2024-05-01T10:20:30.5Z"));
    let id = || Patch::Set(ID.parse().unwrap());
    let text = |s: &str| Patch::set(s);
    let yes = || Patch::Set(true);
    let update = UserProfileUpdate::builder()
        .first_name(text("Ada"))
        .last_name(text("Lovelace"))
        .email(text("ada@example.org"))
        .is_active(yes())
        .is_superuser(Patch::Set(false))
        .birthdate(when())
        .is_enterprise(yes())
        .role_id(id())
        .phone(text("+44 20 7946 0000"))
        .state(text("London"))
        .country(text("GB"))
        .address(text("12 St James's Square"))
        .active_billing_plan_id(id())
        .next_billing_plan_id(id())
        .stripe_customer_id(text("cus_1"))
        .stripe_subscription_id(text("sub_1"))
        .stripe_subscription_status(text("active"))
        .stripe_has_payment_method(yes())
        .is_trial(yes())
        .used_trial(yes())
        .is_paying(yes())
        .stripe_last_payment_date(when())
        .billing_updated_at(when())
        .last_credits_refresh(when())
        .next_credits_refresh(when());
    let sent = update_requests(update).await;
    insta::assert_json_snapshot!(sent);
}

#[tokio::test]
async fn request_update_my_profile_reads_the_id_first() {
    let update = UserProfileUpdate::builder().last_name(Patch::set("Lovelace"));
    let sent = requests_of(async |c| {
        c.update_my_profile(update).await.unwrap();
    })
    .await;
    insta::assert_json_snapshot!(sent);
}

#[test]
fn decoded_documented_example() {
    let decoded: insighto::types::UserProfileResponse =
        serde_json::from_value(documented_envelope()).unwrap();
    insta::assert_debug_snapshot!(decoded);
}

#[test]
fn decoded_sparse_profile_with_naive_datetimes() {
    let body = json!({"message": null, "meta": {"page": 1}, "data": {
        "id": ID, "first_name": null, "birthdate": "2024-05-01T10:20:30.123456", "new_field": true
    }});
    let decoded: insighto::types::UserProfileResponse = serde_json::from_value(body).unwrap();
    insta::assert_debug_snapshot!(decoded);
}

/// The sandbox's answers, as the wire carries them (id redacted): status, content type,
/// `Retry-After` and body, all made by the router (a server adds only framing headers
/// such as `date`). The requests go to the router in-process, through the spec-checking
/// layer, as raw requests: several are ones the client refuses to send, and the snapshot
/// is of the answer's bytes, not of what the client decodes.
#[tokio::test]
async fn sandbox_responses() {
    let server = TestServer::start().await;
    let key = server.demo_key().to_owned();
    let me = server.demo().user_id.to_string();
    let user = |id: &str| raw::put(format!("/api/v1/user/{id}?api_key={key}"));
    let get = || raw::get(format!("/api/v1/user?api_key={key}"));
    let cases: Vec<(&str, raw::Request)> = vec![
        ("get", get()),
        (
            "put_set",
            user(&me).json(&json!({"first_name": "Ada", "birthdate": "1815-12-10T00:00:00+01:00"})),
        ),
        ("put_clear", user(&me).json(&json!({"first_name": null}))),
        ("put_empty", user(&me).json(&json!({}))),
        ("missing_key_401", raw::get("/api/v1/user")),
        (
            "unknown_key_401",
            raw::get("/api/v1/user?api_key=in-unknown"),
        ),
        ("other_user_403", user(ID).json(&json!({}))),
        (
            "invalid_body_422",
            user(&me).json(&json!({"email": "x", "is_active": "maybe", "role_id": 7})),
        ),
        (
            "malformed_json_422",
            user(&me)
                .header("content-type", "application/json")
                .body("{\"a\":"),
        ),
        ("bad_user_id_422", user("42").json(&json!({}))),
        ("prefer_429", get().header("prefer", "code=429")),
        ("prefer_500", get().header("prefer", "code=500")),
        ("unknown_path_404", raw::get("/api/v2/user")),
    ];
    let mut answers = serde_json::Map::new();
    for (name, request) in cases {
        let response = request.send(server.router()).await;
        let content_type = response.header("content-type").unwrap().to_owned();
        let retry_after = response.header("retry-after").map(str::to_owned);
        answers.insert(name.into(), json!({"status": response.status, "content-type": content_type, "retry-after": retry_after, "body": response.json()}));
    }
    insta::assert_json_snapshot!(Value::Object(answers), {".*.body.data.id" => "[id]"});
}

/// The text a user reads for every error kind.
#[tokio::test]
async fn error_texts() {
    let mut texts = Vec::new();
    // Through the PUT, which documents every error status (the GET no 404 or 422).
    for case in error_responses(None) {
        let kind = case.kind;
        let client = case.serve().await;
        let err = client
            .update_profile(ID.parse().unwrap(), &UserProfileUpdate::default())
            .await
            .unwrap_err();
        texts.push(format!("{kind}: {err}"));
    }
    let client = refused_client();
    texts.push(format!(
        "transport: {}",
        client.get_profile().await.unwrap_err()
    ));
    for (name, err) in [
        ("missing_key", insighto::ConfigError::MissingApiKey),
        ("empty_key", insighto::Client::new(" ").unwrap_err()),
        (
            "malformed_key",
            insighto::Client::new("in-a b").unwrap_err(),
        ),
        (
            "bad_base_url",
            insighto::Client::builder("in-x")
                .base_url("ftp://x")
                .build()
                .unwrap_err(),
        ),
    ] {
        texts.push(format!("{name}: {err}"));
    }
    insta::assert_snapshot!(texts.join("\n"));
}
