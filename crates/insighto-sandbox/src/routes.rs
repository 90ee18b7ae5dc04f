//! The HTTP surface: the two operations, the spec, and FastAPI-shaped errors.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, RawQuery, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    spec::spec,
    store::{Account, Store, StoreError},
    validate,
};

/// The largest request body accepted; a profile update is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a client may take to send its body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub body_timeout: Duration,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/user", get(get_user).fallback(method_not_allowed))
        .route(
            "/api/v1/user/{user_id}",
            axum::routing::put(put_user).fallback(method_not_allowed),
        )
        .route(
            "/api/v1/openapi.json",
            get(openapi_json).fallback(method_not_allowed),
        )
        .route_layer(axum::middleware::from_fn(prefer_code))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(request_id))
        .with_state(state)
}

/// The header that carries each response's id, as the usual FastAPI middleware names it.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Gives every response a fresh id, as services behind a request-id middleware do, so
/// that clients can show it (`ResponseMeta::request_id` in the `insighto` crate).
async fn request_id(request: Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    // A v4 uuid from the thread's generator: `Uuid::new_v4` would ask the OS for
    // randomness (a system call) on every request.
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    let id = id.hyphenated().encode_lower(&mut text);
    if let Ok(value) = header::HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Error statuses a client can ask for with `Prefer: code=NNN` (Prism's convention), so
/// that tests can see every documented error without a misbehaving server. Only a status
/// the spec documents for the operation is honoured; any other `Prefer` is ignored.
const PREFERABLE: &[(u16, &str)] = &[
    (401, "Not authenticated"),
    (403, "Not enough permissions"),
    (404, "User not found"),
    (429, "Too many requests"),
    (500, "Internal Server Error"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
];

async fn prefer_code(request: Request, next: axum::middleware::Next) -> Response {
    let wanted = request
        .headers()
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';'])
                .find_map(|p| p.trim().strip_prefix("code="))
        })
        .and_then(|code| code.trim().parse::<u16>().ok());
    // Requests without a `Prefer: code=` (all but tests') go straight through.
    let Some(wanted) = wanted else {
        return next.run(request).await;
    };
    let route = request.extensions().get::<axum::extract::MatchedPath>();
    let responses = route.map(|r| {
        let method = request.method().as_str().to_ascii_lowercase();
        &spec().json["paths"][r.as_str()][method]["responses"]
    });
    let documented = |code: u16| {
        responses.is_some_and(|r| {
            r.get(code.to_string()).is_some() || r.get(format!("{}XX", code / 100)).is_some()
        })
    };
    let Some(code) = Some(wanted).filter(|&c| c >= 400 && documented(c)) else {
        return next.run(request).await;
    };
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if code == 422 {
        let issue = validate::Issue::new(vec![json!("body")], "Field required", "missing");
        return Failure(status, validate::error_body(&[issue])).into_response();
    }
    match PREFERABLE.iter().find(|(c, _)| *c == code) {
        Some((429, text)) => {
            let mut response = detail(status, text).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            response
        }
        Some((_, text)) => detail(status, text).into_response(),
        None => detail(status, "Error").into_response(),
    }
}

/// An error answer: a status and FastAPI's `{"detail": ...}`.
struct Failure(StatusCode, Value);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"detail": "Internal Server Error"}),
        )
    }
}

fn detail(status: StatusCode, text: &str) -> Failure {
    Failure(status, json!({ "detail": text }))
}

/// Looks up the `api_key` query parameter with `lookup` (which says what to read along
/// with the account); 401 when it is missing or unknown.
///
/// Storage is called inline: every query is a few microseconds on one connection, and a
/// hand-off to the blocking pool would cost more than the query itself.
fn authenticate<T>(
    query: Option<&str>,
    lookup: impl FnOnce(&str) -> Result<Option<T>, StoreError>,
) -> Result<T, Failure> {
    let key = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == "api_key")
            .map(|(_, value)| value.into_owned())
    });
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(detail(StatusCode::UNAUTHORIZED, "Not authenticated"));
    };
    match lookup(&key)? {
        Some(found) => Ok(found),
        None => Err(detail(StatusCode::UNAUTHORIZED, "Invalid API key")),
    }
}

/// The `{message, meta, data}` envelope around a profile as stored (valid JSON text).
fn envelope(message: &str, profile: &str) -> Response {
    let body = format!(
        "{{\"message\":{},\"meta\":{{}},\"data\":{profile}}}",
        json!(message)
    );
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn get_user(
    State(AppState { store, .. }): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let profile = authenticate(query.as_deref(), |key| store.profile(key))?;
    Ok(envelope("Data retrieved successfully", &profile))
}

async fn put_user(
    State(AppState {
        store,
        body_timeout,
    }): State<AppState>,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, Failure> {
    // The profile itself is read once, inside the update's transaction.
    let account: Account = authenticate(query.as_deref(), |key| store.account(key))?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = read_body(request.into_body(), body_timeout).await?;

    // Like FastAPI, report the path and the body problems together.
    let mut issues = Vec::new();
    let user_id = validate::user_id(&raw_id)
        .map_err(|issue| issues.push(issue))
        .ok();
    let changes = validate::update_body(content_type.as_deref(), &body)
        .map_err(|found| issues.extend(found))
        .ok();
    let (Some(user_id), Some(changes)) = (user_id, changes) else {
        return Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            validate::error_body(&issues),
        ));
    };

    // Only superusers touch other profiles or grant superuser; a non-superuser learns
    // nothing about other ids (403 whether or not they exist).
    let escalates = changes.get("is_superuser") == Some(&Value::Bool(true));
    if !account.is_superuser && (user_id != account.user_id || escalates) {
        return Err(detail(StatusCode::FORBIDDEN, "Not enough permissions"));
    }
    match store.update(user_id, &changes)? {
        Some(profile) => Ok(envelope("Data updated successfully", &profile)),
        None => Err(detail(StatusCode::NOT_FOUND, "User not found")),
    }
}

/// Reads the body within the size limit and the time limit.
async fn read_body(body: Body, timeout: Duration) -> Result<axum::body::Bytes, Failure> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large or unreadable",
        )),
        Err(_) => Err(detail(
            StatusCode::REQUEST_TIMEOUT,
            "Request body not received in time",
        )),
    }
}

async fn openapi_json() -> Json<Value> {
    Json(spec().json.clone())
}

async fn not_found() -> Failure {
    detail(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> Failure {
    detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
