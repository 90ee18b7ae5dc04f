//! A test fixture's life, through the public API: `spawn_local` serves from the
//! sandbox's own thread, sandboxes alive at once share nothing, and shutdown finishes
//! what is in flight (the reuse of a stopped one's port: `port_reuse.rs`).

mod common;

use std::time::Duration;

use common::{runtime, spawn_local, status};
use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

#[test]
fn a_local_sandbox_answers_while_the_runtime_that_started_it_is_gone_or_blocked() {
    let started_on = runtime();
    let sandbox = spawn_local(&started_on);
    drop(started_on);
    // No runtime at all here: this thread blocks in a synchronous read.
    assert_eq!(status(sandbox.url(), sandbox.demo_key()), Some(200));
    assert_eq!(status(sandbox.url(), "in-unknown"), Some(401));
}

#[test]
fn sandboxes_alive_at_once_each_have_their_own_port_and_store() {
    let rt = runtime();
    let sandboxes: Vec<RunningSandbox> = (0..4).map(|_| spawn_local(&rt)).collect();
    for (i, sandbox) in sandboxes.iter().enumerate() {
        assert_eq!(status(sandbox.url(), sandbox.demo_key()), Some(200));
        for other in &sandboxes[i + 1..] {
            assert_ne!(sandbox.url(), other.url());
            assert_eq!(status(other.url(), sandbox.demo_key()), Some(401));
        }
    }
}

#[tokio::test]
async fn shutdown_finishes_a_request_in_flight() {
    let sandbox = Sandbox::open(&SandboxOptions::default())
        .unwrap()
        .spawn_local()
        .await
        .unwrap();
    sandbox
        .fail_next(insighto_sandbox::Operation::GetUserProfile, 503)
        .unwrap()
        .delay(Duration::from_millis(300));
    let (url, key) = (sandbox.url().to_owned(), sandbox.demo_key().to_owned());
    let request = tokio::task::spawn_blocking(move || status(&url, &key));
    // The request is in flight (waiting out its delay) when the sandbox shuts down.
    tokio::time::sleep(Duration::from_millis(100)).await;
    sandbox.shutdown().await;
    assert_eq!(request.await.unwrap(), Some(503));
}
