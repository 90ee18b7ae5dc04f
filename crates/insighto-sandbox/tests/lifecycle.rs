//! A test fixture's life, through the public API: `spawn_local` serves from the
//! sandbox's own thread, a stopped sandbox's port is reused, and nothing of one sandbox
//! reaches the next.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn spawn_local(runtime: &tokio::runtime::Runtime) -> RunningSandbox {
    runtime.block_on(async {
        Sandbox::open(&SandboxOptions::default())
            .unwrap()
            .spawn_local()
            .await
            .unwrap()
    })
}

/// `GET /api/v1/user` with `key` over a plain blocking socket: the answer's status, or
/// `None` if the connection closed without one.
fn status(url: &str, key: &str) -> Option<u16> {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /api/v1/user?api_key={key} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    );
    // A closed listener may reset the connection before the request is written.
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer);
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

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
fn a_stopped_sandbox_answers_nobody_and_its_port_serves_only_the_next_one() {
    let rt = runtime();
    let first = spawn_local(&rt);
    let (url, key) = (first.url().to_owned(), first.demo_key().to_owned());
    assert_eq!(status(&url, &key), Some(200));
    rt.block_on(first.shutdown());

    // Stopped, its port is idle: a connection is closed without an answer.
    assert_eq!(status(&url, &key), None);

    // Sandboxes reuse stopped ones' ports; whichever port the next one has, it knows
    // nothing of the first: a new demo key, and the old one is refused.
    let mut reused = None;
    for _ in 0..8 {
        let next = spawn_local(&rt);
        assert_ne!(next.demo_key(), key);
        assert_eq!(status(next.url(), next.demo_key()), Some(200));
        assert_eq!(status(next.url(), &key), Some(401));
        if next.url() == url {
            reused = Some(next);
            break;
        }
        rt.block_on(next.shutdown());
    }
    assert!(
        reused.is_some(),
        "no later sandbox took the stopped one's port"
    );
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
