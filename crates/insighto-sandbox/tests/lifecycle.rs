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

/// An HTTP/2 connection (prior knowledge, frames written by hand) to a sandbox that is
/// dropped is closed at its next request, not left open with only the stream refused.
#[test]
fn a_kept_alive_http2_connection_closes_at_its_next_request_once_its_sandbox_stops() {
    use std::{
        io::{Read, Write},
        net::TcpStream,
    };
    /// A frame: 24-bit length, type, flags, stream id.
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        f.extend([kind, flags]);
        f.extend(stream.to_be_bytes());
        f.extend(payload);
        f
    }
    /// `GET` with `:method GET`, `:scheme http` (static table) and a literal `:path`.
    fn get(stream: u32, key: &str) -> Vec<u8> {
        let path = format!("/api/v1/user?api_key={key}");
        let mut block = vec![0x82, 0x86, 0x04, path.len() as u8];
        block.extend(path.as_bytes());
        frame(0x1, 0x5, stream, &block)
    }
    /// Frames until the end of `stream`'s answer: whether its status was 200; `None`
    /// if the connection closed first.
    fn answer(socket: &mut TcpStream, stream: u32) -> Option<bool> {
        let mut ok = false;
        loop {
            let mut head = [0; 9];
            socket.read_exact(&mut head).ok()?;
            let length = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let mut payload = vec![0; length];
            socket.read_exact(&mut payload).ok()?;
            let (kind, flags) = (head[3], head[4]);
            let on = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
            if kind == 0x4 && flags & 1 == 0 {
                socket.write_all(&frame(0x4, 0x1, 0, &[])).ok()?;
            }
            if on == stream && kind == 0x1 {
                ok = payload.first() == Some(&0x88);
            }
            if on == stream && (kind == 0x0 || kind == 0x1) && flags & 1 == 1 {
                return Some(ok);
            }
        }
    }

    let rt = runtime();
    let sandbox = spawn_local(&rt);
    let key = sandbox.demo_key().to_owned();
    let mut socket = TcpStream::connect(sandbox.url().trim_start_matches("http://")).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .unwrap();
    socket.write_all(&frame(0x4, 0, 0, &[])).unwrap();
    socket.write_all(&get(1, &key)).unwrap();
    assert_eq!(answer(&mut socket, 1), Some(true));

    drop(sandbox);
    socket.write_all(&get(3, &key)).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(answer(&mut socket, 3), None);
    let closed_after = started.elapsed();
    assert!(
        closed_after < Duration::from_secs(4),
        "closed after {closed_after:?}"
    );
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
