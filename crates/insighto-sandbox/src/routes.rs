//! The HTTP surface: the two operations, the spec, and FastAPI-shaped errors.

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{Extension, Request},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    fixture::{self, Intercepted, Operation},
    spec::{Answer, spec},
    store::{Caller, Store, StoreError, Update},
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
    pub fixture: Arc<crate::fixture::Fixture>,
}

/// The routes, built once: a sandbox's state reaches its handlers as a request
/// extension ([`WithState`] when serving), so that starting a sandbox builds no router
/// (`cargo xtask bench`, section 6). They have no middleware, whose boxed layers were a
/// cold path through each of a test's requests: the fixture's part of a request is
/// called by each operation's handler ([`crate::fixture::intercept`]), and the request
/// id is added after the routes ([`WithState`], [`with_state`]).
fn routes() -> Router {
    static ROUTES: std::sync::OnceLock<Router> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
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
                .fallback(not_found)
        })
        .clone()
}

/// The router with `state` in every request: for embedding, or calling in-process
/// (its routes keep their `MatchedPath` for the caller's own layers).
pub fn with_state(state: AppState) -> Router {
    let with_request_id = |mut response: Response| async move {
        add_request_id(&mut response);
        response
    };
    routes()
        .layer(axum::middleware::map_response(with_request_id))
        .layer(Extension(state))
}

/// The routes as a service that puts `state` in each request it is called with, and a
/// fresh id in each response: what a served sandbox uses, since layering the routes anew
/// ([`with_state`]) costs each sandbox about 4 µs.
#[derive(Clone)]
pub struct WithState {
    routes: Router,
    state: AppState,
}

impl WithState {
    pub fn new(state: AppState) -> Self {
        Self {
            routes: routes(),
            state,
        }
    }

    /// The answer to `request`.
    pub fn call<B>(
        &self,
        mut request: axum::http::Request<B>,
    ) -> impl Future<Output = Response> + Send + 'static
    where
        B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        request.extensions_mut().insert(self.state.clone());
        let answer = tower_service::Service::call(&mut self.routes.clone(), request);
        async move {
            let mut response = answer.await.unwrap_or_else(|never| match never {});
            add_request_id(&mut response);
            response
        }
    }
}

/// The header that carries each response's id, as the usual FastAPI middleware names it.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Gives a response a fresh id, as services behind a request-id middleware do, so that
/// clients can show it (`ResponseMeta::request_id` in the `insighto` crate).
fn add_request_id(response: &mut Response) {
    // A v4 uuid from the thread's generator: `Uuid::new_v4` would ask the OS for
    // randomness (a system call) on every request.
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    let id = id.hyphenated().encode_lower(&mut text);
    if let Ok(value) = header::HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
}

/// An error answer: a status and FastAPI's `{"detail": ...}`.
pub(crate) struct Failure(pub StatusCode, pub Value);

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

pub(crate) fn detail(status: StatusCode, text: &str) -> Failure {
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
    account: impl Fn(&T) -> &Caller,
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
    let message = serde_json::to_string(message).unwrap_or_default();
    let body = format!("{{\"message\":{message},\"meta\":{{}},\"data\":{profile}}}");
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn get_user(
    Extension(state): Extension<AppState>,
    request: Request,
) -> Result<Response, Failure> {
    let (parts, _) = match fixture::intercept(&state, Operation::GetUserProfile, request).await {
        Intercepted::Answered(response) => return Ok(response),
        Intercepted::Continue(parts, body) => (parts, body),
    };
    let key = api_key(parts.uri.query());
    let (_, profile) = authenticate(
        key.as_deref(),
        |key| state.store.account_and_profile(key),
        |(account, _)| account,
    )?;
    Ok(envelope("Data retrieved successfully", &profile))
}

/// In FastAPI's order: the body is read and parsed first (a JSON syntax error is 422
/// whoever sends it), then the key is checked, then the path and body are validated
/// together; rights and the target are checked inside the write's transaction.
async fn put_user(
    Extension(state): Extension<AppState>,
    request: Request,
) -> Result<Response, Failure> {
    let (parts, body) =
        match fixture::intercept(&state, Operation::UpdateUserProfile, request).await {
            Intercepted::Answered(response) => return Ok(response),
            Intercepted::Continue(parts, body) => (parts, body),
        };
    let raw_id = raw_user_id(parts.uri.path());
    let content_type = (parts.headers.get(header::CONTENT_TYPE))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = validate::read_body(content_type.as_deref(), &body).map_err(|e| match e {
        validate::BodyError::Syntax(issues) => unprocessable(&issues),
        validate::BodyError::Unparsable => detail(
            Answer::BadRequest.status(),
            "There was an error parsing the body",
        ),
    })?;

    let key = api_key(parts.uri.query());
    authenticate(
        key.as_deref(),
        |key| state.store.caller(key),
        |caller| caller,
    )?;

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
    match state.store.update_as(&key, user_id, &changes)? {
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
pub(crate) async fn read_body(body: Body, timeout: Duration) -> Result<axum::body::Bytes, Failure> {
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
