//! A scripted HTTP server on loopback: it records every request and answers from a queue.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, Method, Response, Uri},
};
use serde_json::json;

pub const KEY: &str = "in-SeCrEt+key/with=odd&chars0123456789abcdefghij";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Canned {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

pub struct Scripted {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Scripted {
    /// Starts a server answering with `script` in order (the last answer repeats).
    pub async fn start(script: Vec<Canned>) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (req_log, queue) = (requests.clone(), script);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (req_log, queue) = (req_log.clone(), queue.clone());
                async move {
                    req_log.lock().unwrap().push(Recorded {
                        method,
                        uri,
                        headers,
                        body,
                    });
                    let canned = {
                        let mut q = queue.lock().unwrap();
                        if q.len() > 1 {
                            q.pop_front().unwrap()
                        } else {
                            q.front().unwrap().clone()
                        }
                    };
                    tokio::time::sleep(canned.delay).await;
                    let mut response = Response::builder().status(canned.status);
                    for (name, value) in &canned.headers {
                        response = response.header(*name, value);
                    }
                    response.body(Body::from(canned.body)).unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://{addr}"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn client(&self) -> insighto::Client {
        insighto::Client::builder(KEY)
            .base_url(&self.url)
            .retry(insighto::RetryPolicy::none())
            .build()
            .unwrap()
    }
}

/// A canned answer that the client must turn into one kind of error.
pub struct ErrorResponse {
    /// The kind, as the tests name it (`rate_limited`, `timeout`, ...).
    pub kind: &'static str,
    pub canned: Canned,
}

/// How long the client of [`ErrorResponse::serve`] waits: well under the delay of the
/// `timeout` answer.
pub const ERROR_CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

/// One answer per error kind the client maps, in a fixed order (the wire snapshot of the
/// error texts follows it). With `echo`, the server repeats it after every text it sends
/// back, the way pydantic echoes bad input: the redaction test passes the key.
pub fn error_responses(echo: Option<&str>) -> Vec<ErrorResponse> {
    let said = |text: &str| match echo {
        Some(echo) => format!("{text} {echo}"),
        None => text.to_owned(),
    };
    let validation = json!({"detail": [
        {"loc": ["body", "email"], "msg": said("value is not a valid email address"), "type": "value_error"},
        {"loc": ["body", "tags", 0], "msg": "bad", "type": "x"},
    ]});
    let bad_gateway = format!(
        "<html><body><h1>{}</h1></body></html>",
        said("502 Bad Gateway")
    );
    [
        (
            "unauthorized",
            Canned::json(401, json!({"detail": said("Not authenticated")})),
        ),
        (
            "forbidden",
            Canned::json(403, json!({"detail": said("Not enough permissions")})),
        ),
        (
            "not_found",
            Canned::json(404, json!({"detail": said("User not found")})),
        ),
        ("validation", Canned::json(422, validation)),
        (
            "rate_limited",
            Canned::json(429, json!({"detail": said("Too many requests")}))
                .header("retry-after", "30"),
        ),
        (
            "server",
            Canned::raw(500, "text/plain", said("Internal Server Error")),
        ),
        ("bad_gateway", Canned::raw(502, "text/html", bad_gateway)),
        (
            "unexpected_status",
            Canned::raw(418, "text/plain", said("teapot")),
        ),
        (
            "undecodable",
            Canned::raw(200, "application/json", "{\"data\": 1}"),
        ),
        (
            "timeout",
            Canned::json(200, json!({})).delayed(Duration::from_secs(3)),
        ),
    ]
    .into_iter()
    .map(|(kind, canned)| ErrorResponse { kind, canned })
    .collect()
}

impl ErrorResponse {
    /// Serves only this answer; returns a client of it with no retries that gives up
    /// after [`ERROR_CLIENT_TIMEOUT`].
    pub async fn serve(self) -> insighto::Client {
        let server = Scripted::start(vec![self.canned]).await;
        insighto::Client::builder(KEY)
            .base_url(&server.url)
            .timeout(ERROR_CLIENT_TIMEOUT)
            .retry(insighto::RetryPolicy::none())
            .build()
            .unwrap()
    }
}

/// A base URL on loopback where nothing listens, so connecting is refused.
pub fn refused_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Another test may bind the freed port on 127.0.0.1 meanwhile; nothing in these
    // suites listens on 127.0.0.2, so the connection is surely refused there.
    format!("http://127.0.0.2:{port}")
}

/// A client of [`refused_url`] with no retries.
pub fn refused_client() -> insighto::Client {
    insighto::Client::builder(KEY)
        .base_url(refused_url())
        .retry(insighto::RetryPolicy::none())
        .build()
        .unwrap()
}

/// The documented example envelope, from openapi.yaml itself.
pub fn documented_envelope() -> serde_json::Value {
    crate::spec().doc()["components"]["examples"]["DocumentedProfileEnvelope"]["value"].clone()
}

/// Every string a caller could see of an error: Display, Debug and the source chain.
pub fn all_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{err}\n{err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    text
}

/// Fails if the key, raw or URL-encoded, or a telling fragment of it, is in `text`.
pub fn assert_no_key(text: &str) {
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    for needle in [KEY, encoded.as_str(), "SeCrEt"] {
        assert!(!text.contains(needle), "key leaked ({needle}) in: {text}");
    }
}
