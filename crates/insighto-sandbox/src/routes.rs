//! The HTTP surface: the two operations, the spec, and FastAPI-shaped errors.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{RawQuery, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    spec::{Answer, spec},
    store::{Account, Store, StoreError, Update},
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
    let method = request.method().as_str().to_ascii_lowercase();
    let operation = route.and_then(|r| spec().model.operation_at(r.as_str(), &method));
    let documented = |code: u16| operation.is_some_and(|op| op.documents(code));
    let Some(code) = Some(wanted).filter(|&c| c >= 400 && documented(c)) else {
        return next.run(request).await;
    };
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == Answer::ValidationFailed.status() {
        let issue = validate::Issue::new(vec![json!("body")], "Field required", "missing");
        return Failure(status, validate::error_body(&[issue])).into_response();
    }
    // The body and headers are the ones the spec documents for the status: its own
    // response's example detail, or for a class (`5XX`) the status's reason phrase.
    let documentation = operation.and_then(|op| op.response(code));
    let own_example = operation
        .and_then(|op| op.own_response(code))
        .and_then(|r| r["content"]["application/json"]["example"]["detail"].as_str());
    let text = own_example.unwrap_or(status.canonical_reason().unwrap_or("Error"));
    let mut response = detail(status, text).into_response();
    if documentation.is_some_and(|r| r["headers"].get("Retry-After").is_some()) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
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

/// The `api_key` query parameter as Starlette reads it: the last one given, `+` as a
/// space, invalid UTF-8 replaced.
fn api_key(query: Option<&str>) -> Option<String> {
    query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .filter(|(name, _)| name == "api_key")
            .last()
            .map(|(_, value)| value.into_owned())
    })
}

/// Authenticates like FastAPI's `APIKeyQuery` followed by a user template's
/// `get_current_active_user`: 401 when the key is missing, empty or unknown, 400 when
/// its account is inactive. `lookup` says what to read along with the account.
///
/// Storage is called inline: every query is a few microseconds on one connection, and a
/// hand-off to the blocking pool would cost more than the query itself.
fn authenticate<T>(
    key: Option<&str>,
    lookup: impl FnOnce(&str) -> Result<Option<T>, StoreError>,
    account: impl Fn(&T) -> &Account,
) -> Result<T, Failure> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(detail(Answer::Unauthorized.status(), "Not authenticated"));
    };
    match lookup(key)? {
        Some(found) if account(&found).is_active => Ok(found),
        Some(_) => Err(inactive()),
        None => Err(invalid_key()),
    }
}

fn invalid_key() -> Failure {
    detail(Answer::Unauthorized.status(), "Invalid API key")
}

/// What FastAPI user templates answer for a deactivated account.
fn inactive() -> Failure {
    detail(Answer::BadRequest.status(), "Inactive user")
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
    let key = api_key(query.as_deref());
    let (_, profile) = authenticate(
        key.as_deref(),
        |key| store.account_and_profile(key),
        |(account, _)| account,
    )?;
    Ok(envelope("Data retrieved successfully", &profile))
}

/// In FastAPI's order: the body is read and parsed first (a JSON syntax error is 422
/// whoever sends it), then the key is checked, then the path and body are validated
/// together; rights and the target are checked inside the write's transaction.
async fn put_user(
    State(AppState {
        store,
        body_timeout,
    }): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, Failure> {
    let raw_id = raw_user_id(request.uri().path());
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = read_body(request.into_body(), body_timeout).await?;
    let body = validate::read_body(content_type.as_deref(), &body).map_err(|e| match e {
        validate::BodyError::Syntax(issues) => unprocessable(&issues),
        validate::BodyError::Unparsable => detail(
            Answer::BadRequest.status(),
            "There was an error parsing the body",
        ),
    })?;

    let key = api_key(query.as_deref());
    authenticate(key.as_deref(), |key| store.account(key), |account| account)?;

    // Like FastAPI, report the path and the body problems together.
    let mut issues = Vec::new();
    let user_id = validate::user_id(&raw_id)
        .map_err(|issue| issues.push(issue))
        .ok();
    let changes = validate::update_body(body)
        .map_err(|found| issues.extend(found))
        .ok();
    let (Some(user_id), Some(changes)) = (user_id, changes) else {
        return Err(unprocessable(&issues));
    };

    let key = key.unwrap_or_default();
    match store.update_as(&key, user_id, &changes)? {
        Update::Done(profile) => Ok(envelope("Data updated successfully", &profile)),
        Update::UnknownKey => Err(invalid_key()),
        Update::Inactive => Err(inactive()),
        Update::Forbidden => Err(detail(Answer::Forbidden.status(), "Not enough permissions")),
        Update::NotFound => Err(detail(Answer::NotFound.status(), "User not found")),
    }
}

fn unprocessable(issues: &[validate::Issue]) -> Failure {
    Failure(
        Answer::ValidationFailed.status(),
        validate::error_body(issues),
    )
}

/// The `{user_id}` segment, percent-decoded with invalid UTF-8 replaced (as uvicorn
/// does), so that no path is refused before authentication.
fn raw_user_id(path: &str) -> String {
    let segment = path.rsplit('/').next().unwrap_or_default();
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Reads the body within the size limit and the time limit.
async fn read_body(body: Body, timeout: Duration) -> Result<axum::body::Bytes, Failure> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(detail(
            Answer::PayloadTooLarge.status(),
            "Request body too large or unreadable",
        )),
        Err(_) => Err(detail(
            Answer::RequestTimeout.status(),
            "Request body not received in time",
        )),
    }
}

async fn openapi_json() -> Json<Value> {
    Json(spec().model.doc().clone())
}

async fn not_found() -> Failure {
    detail(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> Failure {
    detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
