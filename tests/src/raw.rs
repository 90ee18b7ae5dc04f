//! Requests the typed client refuses to send (no key, malformed JSON, another content
//! type, an unknown path or method, an oversized body, ...), sent in-process to a
//! sandbox's router: `raw::request(Method::PUT, "/api/v1/user/…?api_key=…")
//! .json(&body).send(&sandbox.router()).await`.
//!
//! The router is where the sandbox answers these (its body limit and body timeout
//! included); what only the HTTP server does (the request-head timeout, hyper's own 400,
//! 414 and 431, the connection limits) is tested over a socket in `hardening.rs` and
//! `hostile.rs`.

pub use axum::http::Method;
use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderValue, header},
};
use serde_json::Value;
use tower::ServiceExt;

/// A request as a client would put it on the wire, before it is sent.
pub struct Request {
    method: Method,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// A request of `method` on `target`, the path and query exactly as sent (nothing is
/// percent-encoded or normalised).
pub fn request(method: Method, target: impl Into<String>) -> Request {
    Request {
        method,
        target: target.into(),
        headers: Vec::new(),
        body: None,
    }
}

/// A `GET` of `target`.
pub fn get(target: impl Into<String>) -> Request {
    request(Method::GET, target)
}

/// A `PUT` of `target`.
pub fn put(target: impl Into<String>) -> Request {
    request(Method::PUT, target)
}

impl Request {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body, as is.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets a JSON body and `content-type: application/json`, as HTTP clients do.
    pub fn json(self, value: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(serde_json::to_vec(value).expect("JSON values serialise"))
    }

    /// Sends the request to `app` and reads the whole answer. A body comes with its
    /// `content-length`, as hyper hands it to the router from any client.
    pub async fn send(self, app: &axum::Router) -> Response {
        let mut builder = axum::http::Request::builder()
            .method(self.method)
            .uri(self.target);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let body = match self.body {
            Some(body) => {
                let has_length = self
                    .headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
                if !has_length {
                    builder = builder.header(header::CONTENT_LENGTH, body.len());
                }
                Body::from(body)
            }
            None => Body::empty(),
        };
        // (No target in the messages: it may hold an API key.)
        let request = builder
            .body(body)
            .expect("a valid method, target and headers");
        let response = app
            .clone()
            .oneshot(request)
            .await
            .expect("routers never fail");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the response body reads");
        Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

/// A whole answer.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// A header's value, if it is present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }

    /// The body as JSON; panics with the status and body if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered a body that is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}
