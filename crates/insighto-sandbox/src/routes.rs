//! The HTTP surface: the two operations, the spec, and FastAPI-shaped errors.

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{Extension, Request},
    http::{StatusCode, header, request::Parts},
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

/// The routes, built once: a sandbox's state reaches their handlers as a request
/// extension, put there per request ([`WithState`], [`with_state`]), so that starting a
/// sandbox builds no router (`cargo xtask bench`, section 6). They have no middleware, whose boxed layers were a
/// cold path through each of a test's requests: the fixture's part of a request is
/// called by each operation's handler ([`operation`]), and the request id is added
/// after the routes ([`WithState`], [`with_state`]).
fn routes() -> Router {
    static ROUTES: std::sync::OnceLock<Router> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            Router::new()
                .route(
                    "/api/v1/user",
                    get(|Extension(state), request| {
                        operation(state, Operation::GetUserProfile, request)
                    })
                    .fallback(method_not_allowed),
                )
                .route(
                    "/api/v1/user/{user_id}",
                    axum::routing::put(|Extension(state), request| {
                        operation(state, Operation::UpdateUserProfile, request)
                    })
                    .fallback(method_not_allowed),
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

/// What a served sandbox answers with: a request to one of the spec's operations goes
/// straight to its handler (found by [`Operation::at`] from the spec's paths, which a
/// test keeps in agreement with the routes), any other through the routes with `state`
/// put in it; each response gets a fresh id. Layering the routes anew ([`with_state`])
/// would cost each sandbox about 4 µs, and the routes' dispatch was about 4 µs of a
/// test's one request (`cargo xtask bench`, section 6).
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
        /// Where a request goes.
        enum Way {
            /// Straight to the handler of one of the spec's operations.
            Operation(Operation),
            /// Through the routes (a clone, as calling them takes it mutably).
            Routes(Router),
        }
        let way = match Operation::at(request.uri().path(), request.method()) {
            Some(op) => Way::Operation(op),
            None => Way::Routes(self.routes.clone()),
        };
        let state = self.state.clone();
        async move {
            let mut response = match way {
                Way::Operation(op) => operation(state, op, request.map(Body::new)).await,
                Way::Routes(mut routes) => {
                    request.extensions_mut().insert(state);
                    let answer = tower_service::Service::call(&mut routes, request).await;
                    answer.unwrap_or_else(|never| match never {})
                }
            };
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
    let id = crate::store::new_uuid();
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
fn api_key(query: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .filter(|(name, _)| name == "api_key")
            .last()
            .map(|(_, value)| value)
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
    let parts = [
        "{\"message\":",
        &message,
        ",\"meta\":{},\"data\":",
        profile,
        "}",
    ];
    let mut body = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| body.push_str(part));
    let mut response = Response::new(Body::from(body));
    let json = header::HeaderValue::from_static("application/json");
    response.headers_mut().insert(header::CONTENT_TYPE, json);
    response
}

/// Answers a request to one of the spec's operations: the fixture's part first (it may
/// answer), then the operation's own.
async fn operation(state: AppState, operation: Operation, request: Request) -> Response {
    let (parts, body) = match fixture::intercept(&state, operation, request).await {
        Intercepted::Answered(response) => return response,
        Intercepted::Continue(parts, body) => (parts, body),
    };
    let answer = match operation {
        Operation::GetUserProfile => get_user(&state, &parts),
        Operation::UpdateUserProfile => put_user(&state, &parts, &body),
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}

fn get_user(state: &AppState, parts: &Parts) -> Result<Response, Failure> {
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
fn put_user(state: &AppState, parts: &Parts, body: &[u8]) -> Result<Response, Failure> {
    let raw_id = raw_user_id(parts.uri.path());
    let content_type = (parts.headers.get(header::CONTENT_TYPE))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = validate::read_body(content_type.as_deref(), body).map_err(|e| match e {
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

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::*;

    /// A served sandbox ([`WithState`]) sends the spec's operations straight to their
    /// handler (`Operation::at`), bypassing the routes that `Sandbox::router` gives: for
    /// every request both reach the same operation (or none) and answer alike, each
    /// with one `x-request-id`.
    #[tokio::test]
    async fn the_served_way_agrees_with_the_router() {
        let state = AppState {
            store: Arc::new(Store::open(None).unwrap()),
            body_timeout: BODY_TIMEOUT,
            fixture: Arc::default(),
        };
        let key = state.store.ensure_demo().unwrap().api_key;
        let paths = [
            "/api/v1/user",
            "/api/v1/user/",
            "/api/v1/user//",
            "/api/v1/user/x",
            "/api/v1/user/x/",
            "/api/v1/user/x/y",
            "/api/v1/user/x?y=1",
            "/api/v1/user/%2F",
            "/api/v1/user/%20",
            "/api/v1/user/{user_id}",
            "/api/v1/user/:user_id",
            "/api/v1/user/*",
            "/api/v1/user/..",
            "/api/v1/User",
            "/api/v1/%75ser",
            "/api/v1//user",
            "//api/v1/user",
            "http://sandbox.test/api/v1/user",
            "/api/v1/openapi.json",
            "/",
            "*",
        ];
        let methods = [
            "GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "get", "put", "Put",
        ];
        let request = |method: &Method, path: &str| {
            let uri = match path.split_once('?') {
                Some((path, query)) => format!("{path}?{query}&api_key={key}"),
                None if path != "*" => format!("{path}?api_key={key}"),
                None => path.to_owned(),
            };
            Request::builder()
                .method(method.clone())
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"first_name": "Ada"}"#))
                .unwrap()
        };
        // What a request reached (the operation it was recorded as) and its answer.
        let answered = |response: Response| async {
            let received = state.fixture.received();
            state.fixture.clear_received();
            let reached = received.first().map(|r| r.operation);
            let ids = response.headers().get_all(REQUEST_ID_HEADER).iter().count();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            (reached, status, ids, body.unwrap())
        };
        let mut reached = 0;
        for path in paths {
            for method in methods {
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                let mut router = with_state(state.clone());
                let by_router = tower_service::Service::call(&mut router, request(&method, path));
                let by_router = answered(by_router.await.unwrap()).await;
                let served = WithState::new(state.clone()).call(request(&method, path));
                let served = answered(served.await).await;
                assert_eq!(served, by_router, "{method} {path}");
                assert_eq!(served.2, 1, "{method} {path}: one x-request-id");
                let uri: axum::http::Uri = path.parse().unwrap();
                assert_eq!(
                    Operation::at(uri.path(), &method),
                    served.0,
                    "{method} {path}"
                );
                reached += usize::from(served.0.is_some());
            }
        }
        // `/api/v1/user` (also with its authority) by GET; the eight with a `{user_id}`
        // by PUT.
        assert_eq!(reached, 2 + 8);
    }
}
