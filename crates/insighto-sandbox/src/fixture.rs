//! The sandbox as a test fixture: errors injected from Rust, and the record of what the
//! sandbox received.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard, OnceLock},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, Uri, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    routes::{AppState, Failure, detail, read_body},
    spec::{Answer, spec},
    validate,
};

/// How many requests [`Received`] keeps: the latest ones, so that a sandbox serving for
/// days holds a bounded record.
pub const RECEIVED_LIMIT: usize = 256;

/// An operation of the API, named as its `operationId` in `openapi.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /api/v1/user` (`get_user_profile`).
    GetUserProfile,
    /// `PUT /api/v1/user/{user_id}` (`update_user_profile`).
    UpdateUserProfile,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Self; 2] = [Self::GetUserProfile, Self::UpdateUserProfile];

    /// Its `operationId` in the spec.
    pub const fn id(self) -> &'static str {
        match self {
            Self::GetUserProfile => "get_user_profile",
            Self::UpdateUserProfile => "update_user_profile",
        }
    }

    /// The operation with this `operationId`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.id() == id)
    }

    /// Its description in the spec (a test keeps every variant in it).
    fn spec(self) -> Option<insighto_spec::Operation<'static>> {
        self.route().map(|route| route.spec)
    }
}

/// Why a fault could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultError {
    /// The status is not an error status (below 400).
    #[error("{status} is not an error status")]
    NotAnError {
        /// The status asked for.
        status: u16,
    },
    /// The operation does not document the status, so the real service would not
    /// answer it either (as far as the spec knows).
    #[error("{operation} does not document {status}; it documents {}", documented.join(", "))]
    Undocumented {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The status asked for.
        status: u16,
        /// The error statuses it documents, as the spec writes them (`429`, `5XX`).
        documented: Vec<String>,
    },
    /// The spec documents no `Retry-After` header for this status's response.
    #[error("{operation} documents no Retry-After header for {status}")]
    RetryAfterUndocumented {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The fault's status.
        status: u16,
    },
}

/// One request as the sandbox received it; the API key is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// The operation it reached.
    pub operation: Operation,
    /// The method, such as `PUT`.
    pub method: String,
    /// The path, such as `/api/v1/user/3c90c3cc-...`.
    pub path: String,
    /// The query string, `api_key`'s value shown as `[REDACTED]`.
    pub query: String,
    /// The body as received (empty for a `GET`; for an unreadable body, what was read).
    pub body: Vec<u8>,
}

impl Received {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One armed fault.
#[derive(Debug)]
struct Fault {
    id: u64,
    operation: Operation,
    status: StatusCode,
    remaining: u32,
    retry_after: Option<u32>,
    delay: Duration,
}

/// What the tests of a sandbox set up and read: faults to inject and the requests seen.
#[derive(Debug, Default)]
pub struct Fixture {
    state: Mutex<FixtureState>,
}

#[derive(Debug, Default)]
struct FixtureState {
    next_id: u64,
    faults: Vec<Fault>,
    received: VecDeque<Recorded>,
}

/// A request as recorded, made into a [`Received`] (the key redacted) only when a test
/// asks, and shown only as that. Its parts are copied out of the connection's buffer,
/// which sharing them would keep alive (8 KiB or more a request).
struct Recorded {
    operation: Operation,
    method: Method,
    /// The path and the query, the key still in it.
    target: String,
    body: Bytes,
}

impl Recorded {
    fn new(operation: Operation, method: &Method, uri: &Uri, body: &Bytes) -> Self {
        Self {
            operation,
            method: method.clone(),
            target: uri.path_and_query().map_or("", |p| p.as_str()).to_owned(),
            body: Bytes::copy_from_slice(body),
        }
    }

    fn received(&self) -> Received {
        let (path, query) = (self.target.split_once('?')).unwrap_or((&self.target, ""));
        Received {
            operation: self.operation,
            method: self.method.to_string(),
            path: path.to_owned(),
            query: redacted_query(query),
            body: self.body.to_vec(),
        }
    }
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.received().fmt(f)
    }
}

impl Fixture {
    fn state(&self) -> MutexGuard<'_, FixtureState> {
        crate::lock(&self.state)
    }

    /// Arms a fault once the status is known to be one `operation` documents.
    pub fn fail_next(
        self: &Arc<Self>,
        operation: Operation,
        status: u16,
    ) -> Result<FaultHandle, FaultError> {
        let documented = |op: &insighto_spec::Operation<'_>| {
            let mut codes: Vec<String> = (op.statuses().into_iter())
                .filter(|s| matches!(s.as_bytes().first(), Some(b'4' | b'5')))
                .map(str::to_owned)
                .collect();
            codes.sort();
            codes
        };
        if status < 400 {
            return Err(FaultError::NotAnError { status });
        }
        let op = operation.spec();
        let status_code = StatusCode::from_u16(status).ok();
        let Some(status_code) = status_code.filter(|_| op.is_some_and(|o| o.documents(status)))
        else {
            return Err(FaultError::Undocumented {
                operation: operation.id(),
                status,
                documented: op.as_ref().map(documented).unwrap_or_default(),
            });
        };
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.faults.push(Fault {
            id,
            operation,
            status: status_code,
            remaining: 1,
            retry_after: None,
            delay: Duration::ZERO,
        });
        Ok(FaultHandle {
            fixture: self.clone(),
            id,
            operation,
            status,
        })
    }

    /// The requests received so far, oldest first (at most [`RECEIVED_LIMIT`]).
    pub fn received(&self) -> Vec<Received> {
        self.state()
            .received
            .iter()
            .map(Recorded::received)
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_received(&self) {
        self.state().received.clear();
    }

    fn record(&self, received: Recorded) {
        let mut state = self.state();
        if state.received.len() == RECEIVED_LIMIT {
            state.received.pop_front();
        }
        state.received.push_back(received);
    }

    /// Takes one answer of the first fault armed for `operation`, if any.
    fn take(&self, operation: Operation) -> Option<(StatusCode, Option<u32>, Duration)> {
        let mut state = self.state();
        let index =
            (state.faults.iter()).position(|f| f.operation == operation && f.remaining > 0)?;
        let fault = &mut state.faults[index];
        fault.remaining -= 1;
        let taken = (fault.status, fault.retry_after, fault.delay);
        if fault.remaining == 0 {
            state.faults.remove(index);
        }
        Some(taken)
    }

    fn change(&self, id: u64, change: impl FnOnce(&mut Fault)) {
        if let Some(fault) = self.state().faults.iter_mut().find(|f| f.id == id) {
            change(fault);
        }
    }
}

/// A fault armed by `fail_next`: it answers the operation's next request (or the next
/// [`times`](Self::times) requests) with its status, then the sandbox answers as usual.
/// Changes apply to requests that arrive after them; once used up, a fault is gone.
#[derive(Debug, Clone)]
pub struct FaultHandle {
    fixture: Arc<Fixture>,
    id: u64,
    operation: Operation,
    status: u16,
}

impl FaultHandle {
    /// Answers the next `n` requests of the operation with the fault (`0` disarms it).
    pub fn times(self, n: u32) -> Self {
        self.fixture.change(self.id, |f| f.remaining = n);
        self
    }

    /// Sends `Retry-After: secs`; refused for a status whose documented response has no
    /// such header (the spec documents it for 429).
    pub fn retry_after(self, secs: u32) -> Result<Self, FaultError> {
        let documents = (self.operation.spec())
            .and_then(|op| op.response(self.status))
            .is_some_and(|r| r["headers"].get("Retry-After").is_some());
        if !documents {
            return Err(FaultError::RetryAfterUndocumented {
                operation: self.operation.id(),
                status: self.status,
            });
        }
        self.fixture.change(self.id, |f| f.retry_after = Some(secs));
        Ok(self)
    }

    /// Waits this long before answering (a slow failure, for a client's timeout).
    pub fn delay(self, delay: Duration) -> Self {
        self.fixture.change(self.id, |f| f.delay = delay);
        self
    }
}

/// An operation the routes serve, as the spec describes it.
struct Route {
    spec: insighto_spec::Operation<'static>,
    operation: Operation,
    /// Its method, as a request names it (`GET`).
    method: Method,
    /// Whether the operation takes a request body.
    has_body: bool,
}

/// The operations as the spec describes them, read from the spec once rather than
/// looked up in the document at each request.
fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        (spec().model.operations().into_iter())
            .filter_map(|spec| {
                Some(Route {
                    operation: Operation::from_id(spec.id()?)?,
                    method: Method::from_bytes(spec.method.to_ascii_uppercase().as_bytes()).ok()?,
                    has_body: spec.request_schema().is_some(),
                    spec,
                })
            })
            .collect()
    })
}

impl Operation {
    fn route(self) -> Option<&'static Route> {
        routes().iter().find(|r| r.operation == self)
    }

    /// The operation a request's path and method reach, by the spec's paths: a
    /// templated segment (`{user_id}`) matches any segment but an empty one, as the
    /// router's does.
    pub(crate) fn at(path: &str, method: &Method) -> Option<Self> {
        let reaches =
            |route: &&Route| route.method == method && matches_template(route.spec.path, path);
        routes().iter().find(reaches).map(|route| route.operation)
    }
}

/// Whether `path` matches the path template `template`, segment by segment.
fn matches_template(template: &str, path: &str) -> bool {
    let (mut template, mut path) = (template.split('/'), path.split('/'));
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(expected), Some(found)) => {
                let templated = expected.starts_with('{') && expected.ends_with('}');
                if (templated && found.is_empty()) || (!templated && expected != found) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// What the fixture made of a request.
pub enum Intercepted {
    /// It answered: an armed fault, a `Prefer: code=NNN`, or an unreadable body.
    Answered(Response),
    /// The handler answers: the request's head, and its body if the operation takes one
    /// (else empty).
    Continue(Parts, Bytes),
}

/// The fixture's part of a request to `operation`, which its handler calls first: it
/// records the request, then answers an armed fault or a `Prefer: code=NNN`, or hands
/// the request back.
pub async fn intercept(state: &AppState, operation: Operation, request: Request) -> Intercepted {
    let (parts, body) = request.into_parts();
    // A `HEAD` reaches the `GET` handler, but is not the operation.
    let found = operation
        .route()
        .filter(|route| route.method == parts.method);
    let Some(route) = found else {
        return Intercepted::Continue(parts, Bytes::new());
    };
    // Only an operation with a body reads one.
    let (body, unreadable) = if route.has_body {
        match read_body(body, state.body_timeout).await {
            Ok(bytes) => (bytes, None),
            Err(failure) => (Bytes::new(), Some(failure)),
        }
    } else {
        (Bytes::new(), None)
    };
    (state.fixture).record(Recorded::new(operation, &parts.method, &parts.uri, &body));
    if let Some(failure) = unreadable {
        return Intercepted::Answered(failure.into_response());
    }
    if let Some((status, retry_after, delay)) = state.fixture.take(operation) {
        tokio::time::sleep(delay).await;
        let answer = documented_error(route.spec, status, retry_after.unwrap_or(1));
        return Intercepted::Answered(answer);
    }
    match prefer_code(&parts.headers, route.spec) {
        Some(answer) => Intercepted::Answered(answer),
        None => Intercepted::Continue(parts, body),
    }
}

/// The query string with `api_key`'s value replaced (the key never leaves the sandbox).
fn redacted_query(query: &str) -> String {
    let redacted = query.split('&').map(|pair| {
        let name = form_urlencoded::parse(pair.as_bytes()).next();
        match name {
            Some((name, _)) if name == "api_key" => "api_key=[REDACTED]",
            _ => pair,
        }
    });
    redacted.collect::<Vec<_>>().join("&")
}

/// `Prefer: code=NNN` (Prism's convention), so that tests can see every documented error
/// without a misbehaving server: a status the operation documents is answered as the
/// spec describes it (a non-error one is served as usual); any other is a 400 listing
/// the documented ones, never a silent 200.
fn prefer_code(
    headers: &axum::http::HeaderMap,
    op: insighto_spec::Operation<'_>,
) -> Option<Response> {
    let wanted = headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';'])
                .find_map(|p| p.trim().strip_prefix("code="))
        })?;
    // Digits only: `u16`'s parser would also take `+534`, which names no status.
    let documented = Some(wanted.trim())
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|w| w.parse::<u16>().ok())
        .filter(|&c| op.documents(c))
        .and_then(|c| StatusCode::from_u16(c).ok());
    match documented {
        Some(status) if status.as_u16() < 400 => None,
        Some(status) => Some(documented_error(op, status, 1)),
        None => {
            let mut allowed: Vec<&str> = (op.statuses().into_iter())
                .filter(|s| *s != "default")
                .collect();
            allowed.sort_unstable();
            let text = format!(
                "Prefer: code={} is not documented for {}; use one of {}",
                wanted.trim().escape_debug(),
                op.id().unwrap_or("this operation"),
                allowed.join(", ")
            );
            Some(detail(Answer::BadRequest.status(), &text).into_response())
        }
    }
}

/// The error answer the spec documents for `status`: its own response's example detail,
/// or for a class (`5XX`) the status's reason phrase; 422 with one issue in FastAPI's
/// shape; `Retry-After` when the response documents it.
fn documented_error(
    op: insighto_spec::Operation<'_>,
    status: StatusCode,
    retry_after: u32,
) -> Response {
    let code = status.as_u16();
    if status == Answer::ValidationFailed.status() {
        let issue = validate::Issue::new(vec![json!("body")], "Field required", "missing");
        return Failure(status, validate::error_body(&[issue])).into_response();
    }
    let own_example = (op.own_response(code))
        .and_then(|r| r["content"]["application/json"]["example"]["detail"].as_str());
    let text = own_example.unwrap_or(status.canonical_reason().unwrap_or("Error"));
    let mut response = detail(status, text).into_response();
    if op
        .response(code)
        .is_some_and(|r| r["headers"].get("Retry-After").is_some())
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_has_a_variant_and_back() {
        let ids: Vec<_> = spec()
            .model
            .operations()
            .iter()
            .filter_map(|o| o.id())
            .collect();
        assert_eq!(ids.len(), Operation::ALL.len());
        for id in ids {
            let op = Operation::from_id(id).unwrap_or_else(|| panic!("no variant for {id}"));
            assert!(op.spec().is_some());
        }
        // The update's handler validates the body that `intercept` read, which it reads
        // only for an operation that the spec gives a body.
        assert!(
            Operation::UpdateUserProfile
                .route()
                .is_some_and(|r| r.has_body)
        );
    }

    #[test]
    fn the_key_is_redacted_from_the_query() {
        assert_eq!(
            redacted_query("a=1&api_key=in-secret&api_key=x"),
            "a=1&api_key=[REDACTED]&api_key=[REDACTED]"
        );
    }

    /// The record keeps the key until a test reads it, but never shows it: what a test
    /// reads, and the `Debug` of the fixture (a `FaultHandle` shows it), are redacted.
    #[test]
    fn a_recorded_request_never_shows_its_key() {
        let fixture = Fixture::default();
        let uri: Uri = "/api/v1/user?api_key=in-SecretKey&x=1".parse().unwrap();
        let body = Bytes::from_static(b"{}");
        fixture.record(Recorded::new(
            Operation::GetUserProfile,
            &Method::GET,
            &uri,
            &body,
        ));
        let shown = format!("{fixture:?}");
        assert!(
            !shown.contains("SecretKey") && shown.contains("[REDACTED]"),
            "{shown}"
        );
        let received = &fixture.received()[0];
        assert_eq!(received.path, "/api/v1/user");
        assert_eq!(received.query, "api_key=[REDACTED]&x=1");
        assert_eq!(received.body, b"{}");
    }
}
