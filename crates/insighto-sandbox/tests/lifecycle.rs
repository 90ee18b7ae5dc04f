//! A test fixture's life, through the public API: `spawn_local` serves from the
//! sandbox's own thread, sandboxes alive at once share nothing, and shutdown finishes
//! what is in flight (the reuse of a stopped one's port: `port_reuse.rs`).

mod common;

use std::time::Duration;

use common::{Connection, local_sandbox, runtime, spawn_local, status};
use insighto_sandbox::RunningSandbox;

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

/// A connection a client keeps open is never answered by a stopped sandbox: dropped (no
/// wake of the sandbox's thread then), its next request is closed unanswered; shut down,
/// the connection is closed.
#[test]
fn a_kept_alive_connection_is_not_answered_once_its_sandbox_stops() {
    for shut_down in [false, true] {
        let rt = runtime();
        let sandbox = spawn_local(&rt);
        let key = sandbox.demo_key().to_owned();
        let mut connection = Connection::open(sandbox.url());
        assert_eq!(connection.get(&key), Some(200));
        assert_eq!(connection.get(&key), Some(200));
        if shut_down {
            rt.block_on(sandbox.shutdown());
        } else {
            drop(sandbox);
        }
        assert_eq!(connection.get(&key), None, "shut down: {shut_down}");
    }
}

/// A `GET` from another thread that the sandbox has received and is holding for `delay`
/// (an injected 503's), and the status it ends with.
fn request_in_flight(
    sandbox: &RunningSandbox,
    delay: Duration,
) -> std::thread::JoinHandle<Option<u16>> {
    sandbox
        .fail_next(insighto_sandbox::Operation::GetUserProfile, 503)
        .unwrap()
        .delay(delay);
    let (url, key) = (sandbox.url().to_owned(), sandbox.demo_key().to_owned());
    let request = std::thread::spawn(move || status(&url, &key));
    // The sandbox records a request before it waits out the fault's delay.
    while sandbox.received().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    request
}

#[tokio::test]
async fn shutdown_finishes_a_request_in_flight() {
    let sandbox = local_sandbox().await;
    let request = request_in_flight(&sandbox, Duration::from_millis(300));
    sandbox.shutdown().await;
    assert_eq!(request.join().unwrap(), Some(503));
}

/// `shutdown` waits in real time on the sandbox's thread: a test whose clock is paused
/// (tokio would otherwise jump it past any wait) still sees requests in flight finish.
#[tokio::test(start_paused = true)]
async fn shutdown_waits_for_a_request_in_flight_even_with_a_paused_clock() {
    let sandbox = local_sandbox().await;
    let request = request_in_flight(&sandbox, Duration::from_millis(400));
    let started = std::time::Instant::now();
    sandbox.shutdown().await;
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "shutdown returned after {:?}, before the request finished",
        started.elapsed()
    );
    assert_eq!(request.join().unwrap(), Some(503));
}
