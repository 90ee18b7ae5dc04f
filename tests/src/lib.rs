//! Helpers shared by the workspace's top-level tests: a sandbox whose every response is
//! validated against `openapi.yaml`, requests the typed client refuses to send (`raw`,
//! in-process through the router), a scripted server that records requests, and the
//! README's Rust example as a doctest.

pub mod drift;
pub mod faulty;
pub mod raw;
pub mod scripted;

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{
    body::Body,
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use insighto_contract::{JsonSchemaExt, Spec};
use insighto_sandbox::{Account, Sandbox, SandboxOptions};
use tokio::{sync::oneshot, task::JoinHandle};

/// The Python that runs the FastAPI reference app (`fastapi-reference`):
/// `INSIGHTO_REFERENCE_PYTHON`, or the venv `.ci/tools` makes
/// (`$INSIGHTO_TOOLS/reference-venv`, default `~/.cache/insighto-tools`). Without one,
/// `None` and a note that `test` was skipped; in CI (`CI` set) its absence fails.
pub fn reference_python(test: &str) -> Option<PathBuf> {
    let python = match std::env::var_os("INSIGHTO_REFERENCE_PYTHON") {
        Some(python) => Some(PathBuf::from(python)),
        None => std::env::var_os("INSIGHTO_TOOLS")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/insighto-tools"))
            })
            .map(|tools| tools.join("reference-venv/bin/python"))
            .filter(|python| python.exists()),
    };
    if python.is_none() {
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        assert!(
            !in_ci,
            "CI must run {test}: no reference Python (run .ci/tools, or set INSIGHTO_REFERENCE_PYTHON)"
        );
        eprintln!("SKIPPED {test}: no reference Python with FastAPI (run .ci/tools)");
    }
    python
}

/// `openapi.yaml` (the copy in `insighto-spec`, kept identical), parsed once.
pub fn spec() -> &'static Spec {
    Spec::bundled()
}

/// The update's free-text fields (a string without a format), read from the spec: a new
/// one joins every test that writes each text field.
pub fn text_fields() -> &'static [String] {
    static FIELDS: OnceLock<Vec<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let fields: Vec<String> = spec()
            .component_fields("UserProfileUpdate")
            .into_iter()
            .filter(|field| field.kind == insighto_spec::Kind::String)
            .map(|field| field.name)
            .collect();
        assert!(!fields.is_empty(), "UserProfileUpdate has no text field");
        fields
    })
}

/// A sandbox on loopback whose responses are each checked against the spec's schema
/// for their operation and status; dropping it fails the test if any did not match.
pub struct TestServer {
    url: String,
    demo: Account,
    app: axum::Router,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    violations: Arc<Mutex<Vec<String>>>,
    checked: Arc<Mutex<usize>>,
}

impl TestServer {
    /// Serves `sandbox` behind the validating layer.
    pub async fn serve(sandbox: Sandbox) -> Self {
        let violations = Arc::new(Mutex::new(Vec::new()));
        let checked = Arc::new(Mutex::new(0));
        let (v, c) = (violations.clone(), checked.clone());
        let demo = sandbox.demo().clone();
        let app = sandbox.router().layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let (v, c) = (v.clone(), c.clone());
                async move { conform(req, next, v, c).await }
            },
        ));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let served = app.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, served)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            url,
            demo,
            app,
            stop: Some(stop),
            task: Some(task),
            violations,
            checked,
        }
    }

    /// A fresh in-memory sandbox.
    pub async fn start() -> Self {
        Self::serve(Sandbox::open(&SandboxOptions::default()).expect("sandbox opens")).await
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn demo(&self) -> &Account {
        &self.demo
    }

    /// The router it serves, validating layer included, for [`raw`] requests: they are
    /// checked against the spec and counted like those over HTTP, and share its state.
    pub fn router(&self) -> &axum::Router {
        &self.app
    }

    pub fn demo_key(&self) -> &str {
        &self.demo.api_key
    }

    /// How many responses were validated so far.
    pub fn checked(&self) -> usize {
        *self.checked.lock().unwrap()
    }

    /// Stops the server gracefully (for restart tests) and checks conformance.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// A client for the demo account, without retries.
    pub fn client(&self) -> insighto::Client {
        self.client_for(self.demo_key())
    }

    /// A client for `key`, without retries so errors surface at once.
    pub fn client_for(&self, key: &str) -> insighto::Client {
        insighto::Client::builder(key)
            .base_url(self.url())
            .retry(insighto::RetryPolicy::none())
            .build()
            .expect("valid client settings")
    }

    /// A client that asks for a documented error status (`Prefer: code=NNN`).
    pub fn client_preferring(&self, code: u16) -> insighto::Client {
        insighto::Client::builder(self.demo_key())
            .base_url(self.url())
            .default_header("prefer", format!("code={code}"))
            .retry(insighto::RetryPolicy::none())
            .build()
            .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let violations = self.violations.lock().unwrap();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "sandbox responses that do not match openapi.yaml:\n{}",
                violations.join("\n")
            );
        }
    }
}

/// Checks one response against the spec; records what does not match.
async fn conform(
    req: Request,
    next: Next,
    violations: Arc<Mutex<Vec<String>>>,
    checked: Arc<Mutex<usize>>,
) -> Response {
    // The spec's methods are lower-case names of the standard (upper-case) ones: `get`
    // on the wire is another method, which no operation has.
    let method = req.method().as_str();
    let method =
        (!method.bytes().any(|b| b.is_ascii_lowercase())).then(|| method.to_ascii_lowercase());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(req).await;
    let (Some(route), Some(method)) = (route, method) else {
        return response;
    };
    let Some(op) = spec().operation_at(&route, &method) else {
        return response; // the spec document itself, or a method the spec lacks
    };
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let documented = op.documents(status).then(|| op.response(status)).flatten();
    let problem = match documented {
        None => Some(format!(
            "{method} {route} -> {status}: status not documented"
        )),
        Some(doc) => {
            let content_type = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let media = content_type.split(';').next().unwrap_or("").trim();
            match doc["content"].get(media) {
                None => Some(format!(
                    "{method} {route} -> {status}: media type {media:?} not documented"
                )),
                Some(m) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                    Err(e) => Some(format!(
                        "{method} {route} -> {status}: body is not JSON: {e}"
                    )),
                    Ok(instance) => spec()
                        .validate(&m["schema"], &instance)
                        .err()
                        .map(|errors| {
                            format!("{method} {route} -> {status}: {}", errors.join("; "))
                        }),
                },
            }
        }
    };
    *checked.lock().unwrap() += 1;
    if let Some(problem) = problem {
        violations.lock().unwrap().push(problem);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A fresh validated sandbox and a client for its demo account.
pub async fn running() -> (TestServer, insighto::Client) {
    let server = TestServer::start().await;
    let client = server.client();
    (server, client)
}

/// What a finished process printed: its stdout, then its stderr.
pub fn stdout_and_stderr(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
