//! Helpers shared by the workspace's top-level tests.

use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

/// A fresh in-memory sandbox on an ephemeral loopback port.
pub async fn sandbox() -> (Sandbox, SandboxOptions) {
    let options = SandboxOptions::default();
    (Sandbox::open(&options).expect("sandbox opens"), options)
}

/// A running in-memory sandbox and a client for its demo account.
pub async fn running() -> (RunningSandbox, insighto::Client) {
    let (sandbox, _) = sandbox().await;
    let running = sandbox.spawn_local().await.expect("sandbox binds loopback");
    let client = client_for(&running, running.demo_key());
    (running, client)
}

/// A client for `key` against `sandbox`, without retries so errors surface at once.
pub fn client_for(sandbox: &RunningSandbox, key: &str) -> insighto::Client {
    insighto::Client::builder(key)
        .base_url(sandbox.url())
        .retry(insighto::RetryPolicy::none())
        .build()
        .expect("valid client settings")
}

/// A client that asks the sandbox for a documented error status (`Prefer: code=NNN`).
pub fn client_preferring(sandbox: &RunningSandbox, code: u16) -> insighto::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("prefer", format!("code={code}").parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    insighto::Client::builder(sandbox.demo_key())
        .base_url(sandbox.url())
        .http_client(http)
        .retry(insighto::RetryPolicy::none())
        .build()
        .unwrap()
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
