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

/// The documented example envelope, from openapi.yaml itself.
pub fn documented_envelope() -> serde_json::Value {
    crate::spec().doc["components"]["examples"]["DocumentedProfileEnvelope"]["value"].clone()
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
