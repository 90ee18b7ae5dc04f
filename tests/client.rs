//! The client against a scripted loopback server: what goes on the wire, how responses
//! decode, and that no error ever shows the key.

use std::time::Duration;

use insighto::{Error, Patch, types::UserProfileUpdate};
use insighto_tests::scripted::{
    Canned, ErrorResponse, KEY, Scripted, all_text, assert_no_key, documented_envelope,
    error_responses, refused_client,
};
use serde_json::json;

fn profile(id: &str) -> serde_json::Value {
    json!({"message": "Data retrieved successfully", "meta": {}, "data": {"id": id}})
}

const ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

#[tokio::test]
async fn key_is_added_once_url_encoded_and_nowhere_else() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    server.client().get_profile().await.unwrap();
    let [req] = server.requests().try_into().unwrap();
    let query = req.uri.query().unwrap();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(pairs, vec![("api_key".to_owned(), KEY.to_owned())]);
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    assert_eq!(query, format!("api_key={encoded}"));
    assert!(!req.headers.contains_key("authorization"));
    for (_, value) in &req.headers {
        assert_no_key(value.to_str().unwrap_or_default());
    }
}

#[tokio::test]
async fn trailing_slash_base_url_and_default_user_agent() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    let client = insighto::Client::builder(KEY)
        .base_url(format!("{}//", server.url))
        .build()
        .unwrap();
    client.get_profile().await.unwrap();
    let [req] = server.requests().try_into().unwrap();
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri.path(), "/api/v1/user");
    assert_eq!(
        req.headers["user-agent"],
        format!("insighto-rust/{}", env!("CARGO_PKG_VERSION")).as_str()
    );
}

#[tokio::test]
async fn update_sends_set_clear_and_omits_the_rest() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    let update = UserProfileUpdate::builder()
        .first_name(Patch::set("Ada"))
        .phone(Patch::Clear)
        .is_paying(Patch::Set(false));
    let id = ID.parse().unwrap();
    let updated = server.client().update_profile(id, update).await.unwrap();
    assert_eq!(updated.id, id);
    let [req] = server.requests().try_into().unwrap();
    assert_eq!(req.method, "PUT");
    assert_eq!(req.uri.path(), format!("/api/v1/user/{ID}"));
    assert_eq!(req.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({"first_name": "Ada", "phone": null, "is_paying": false})
    );
}

#[tokio::test]
async fn update_my_profile_learns_the_id_once() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    let client = server.client();
    let update: UserProfileUpdate = UserProfileUpdate::builder()
        .last_name(Patch::set("Lovelace"))
        .try_into()
        .unwrap();
    client.update_my_profile(&update).await.unwrap();
    client.update_my_profile(&update).await.unwrap();
    let calls: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri.path()))
        .collect();
    let put = format!("PUT /api/v1/user/{ID}");
    assert_eq!(calls, vec!["GET /api/v1/user".to_owned(), put.clone(), put]);
}

#[test]
fn documented_examples_round_trip_without_losing_a_field() {
    let envelope = documented_envelope();
    assert_eq!(envelope["data"].as_object().unwrap().len(), 28);
    let decoded: insighto::types::UserProfileResponse =
        serde_json::from_value(envelope.clone()).unwrap();
    assert_eq!(serde_json::to_value(&decoded).unwrap(), envelope);
}

#[test]
fn decoding_is_forgiving() {
    // Nulls everywhere but id, unknown fields, naive and fractional date-times.
    let mut envelope = documented_envelope();
    let data = envelope["data"].as_object_mut().unwrap();
    for (name, value) in data.iter_mut() {
        if name != "id" {
            *value = serde_json::Value::Null;
        }
    }
    data.insert("added_later".into(), json!({"nested": [1, 2]}));
    envelope["also_new"] = json!(true);
    let decoded: insighto::types::UserProfileResponse = serde_json::from_value(envelope).unwrap();
    assert!(decoded.data.first_name.is_none() && decoded.data.follower_count.is_none());

    let sparse = json!({"message": null, "meta": {}, "data": {
        "id": ID, "birthdate": "2024-05-01T10:20:30.123456", "billing_updated_at": "2024-05-01T12:20:30+02:00"
    }});
    let decoded: insighto::types::UserProfileResponse = serde_json::from_value(sparse).unwrap();
    assert_eq!(
        decoded.data.birthdate.unwrap().to_string(),
        "2024-05-01T10:20:30.123456Z"
    );
    assert_eq!(
        decoded.data.billing_updated_at.unwrap().to_string(),
        "2024-05-01T10:20:30Z"
    );
    assert!(decoded.message.is_none());

    let no_id = json!({"message": null, "meta": {}, "data": {"first_name": "x"}});
    assert!(serde_json::from_value::<insighto::types::UserProfileResponse>(no_id).is_err());
}

/// The shared error answers with the key echoed in every text, the way pydantic echoes
/// bad input, to prove redaction; and two only this test needs.
fn error_cases() -> Vec<ErrorResponse> {
    let mut cases = error_responses(Some(KEY));
    for (kind, canned) in [
        (
            "redirect",
            Canned::raw(302, "text/plain", "")
                .header("location", format!("http://127.0.0.1:9/?api_key={KEY}")),
        ),
        (
            "truncated",
            Canned::raw(200, "application/json", format!("{{\"message\": \"{KEY}")),
        ),
    ] {
        cases.push(ErrorResponse { kind, canned });
    }
    cases
}

#[tokio::test]
async fn every_error_kind_is_typed_and_never_shows_the_key() {
    let spec = insighto_spec::Spec::bundled();
    for case in error_cases() {
        let kind = case.kind;
        let client = case.serve().await;
        for (method, path, err) in [
            (
                "get",
                "/api/v1/user",
                client.get_profile().await.unwrap_err(),
            ),
            (
                "put",
                "/api/v1/user/{user_id}",
                client
                    .update_profile(ID.parse().unwrap(), &UserProfileUpdate::default())
                    .await
                    .unwrap_err(),
            ),
        ] {
            let operation = spec.operation_at(path, method).unwrap();
            // A status the operation does not document is unexpected from it.
            if let Some(status) = err.status()
                && operation.response(status).is_none()
            {
                assert!(
                    matches!(err, Error::UnexpectedStatus { .. }),
                    "{kind}: {method} {err:?}"
                );
                assert_no_key(&all_text(&err));
                continue;
            }
            let ok = match (kind, &err) {
                ("unauthorized", Error::Unauthorized { detail, .. }) => {
                    detail.starts_with("Not authenticated ")
                }
                ("forbidden", Error::Forbidden { detail, .. }) => {
                    detail.starts_with("Not enough permissions ")
                }
                ("not_found", Error::NotFound { detail, .. }) => {
                    detail.starts_with("User not found ")
                }
                ("validation", Error::Validation { detail, .. }) => {
                    detail.len() == 2
                        && detail[0].type_ == "value_error"
                        && detail[0]
                            .msg
                            .starts_with("value is not a valid email address ")
                }
                ("rate_limited", Error::RateLimited { retry_after, .. }) => {
                    *retry_after == Some(Duration::from_secs(30))
                }
                (
                    "server",
                    Error::Server {
                        status: 500,
                        detail,
                        ..
                    },
                ) => detail.starts_with("Internal Server Error "),
                (
                    "bad_gateway",
                    Error::Server {
                        status: 502,
                        detail,
                        ..
                    },
                ) => detail.contains("502 Bad Gateway"),
                ("unexpected_status", Error::UnexpectedStatus { status: 418, .. }) => true,
                ("redirect", Error::UnexpectedStatus { status: 302, .. }) => true,
                ("undecodable" | "truncated", Error::Decode { status: 200, .. }) => true,
                ("timeout", Error::Timeout { .. }) => true,
                _ => false,
            };
            assert!(ok, "{kind}: unexpected {err:?}");
            assert_no_key(&all_text(&err));
        }
    }
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_without_the_key() {
    let client = refused_client();
    let err = client.get_profile().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_no_key(&all_text(&err));
    assert_no_key(&format!("{client:?}"));
    assert_no_key(&format!("{:?}", insighto::Client::builder(KEY)));
}

#[test]
fn construction_errors_are_clear() {
    for (key, expected) in [("", "empty"), (" \t", "empty"), ("in-a b", "malformed")] {
        let err = insighto::Client::new(key).unwrap_err();
        assert!(err.to_string().contains(expected), "{key:?}: {err}");
    }
    for url in [
        "ftp://x",
        "not a url",
        "http://h/?api_key=x",
        "http://user:pw@h/",
    ] {
        let err = insighto::Client::builder("in-x")
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, insighto::ConfigError::InvalidBaseUrl { .. }),
            "{url}: {err}"
        );
    }
}

#[test]
fn a_secret_pasted_into_the_base_url_is_not_echoed() {
    for url in [
        format!("http://h/?api_key={KEY}"),
        format!("http://me:{KEY}@h/"),
    ] {
        let builder = insighto::Client::builder("in-x").base_url(&url);
        assert_no_key(&format!("{builder:?}"));
        let err = builder.build().unwrap_err();
        assert_no_key(&format!("{err} {err:?}"));
        assert!(err.to_string().contains("http://"), "{err}");
    }
}

/// The builder's setters take the value itself, and a `Patch` where the field is
/// three-state: what is sent is exactly what was set.
#[tokio::test]
async fn setters_take_values_and_send_exactly_what_was_set() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    let role: uuid::Uuid = ID.parse().unwrap();
    let update = UserProfileUpdate::builder()
        .first_name("Ada")
        .last_name(String::from("Lovelace"))
        .is_active(true)
        .role_id(role)
        .phone(Patch::Clear);
    server
        .client()
        .update_profile(ID.parse().unwrap(), update)
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"first_name": "Ada", "last_name": "Lovelace", "is_active": true, "role_id": ID, "phone": null})
    );
}

#[tokio::test]
async fn update_my_profile_refuses_an_unencodable_update_before_it_reads_the_id() {
    let server = Scripted::start(vec![Canned::json(200, profile(ID))]).await;
    let client = server.client();
    // Decoding accepts what a server sends; only sending checks the range.
    let far: insighto::Timestamp =
        serde_json::from_value(json!("9999-12-31T23:59:59-23:59")).unwrap();
    let update = UserProfileUpdate::builder().birthdate(far);
    let err = client.update_my_profile(update.clone()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidRequest {
                reason: insighto::InvalidRequestReason::Unencodable,
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .update_my_profile_with_response(update)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { .. }), "{err:?}");
    // Not even the GET for the caller's id went out.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
