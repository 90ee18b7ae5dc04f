//! What the lifecycle tests share: a current-thread runtime, a local sandbox, and a
//! request over a plain blocking socket.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh in-memory sandbox from `spawn_local`.
pub async fn local_sandbox() -> RunningSandbox {
    Sandbox::open(&SandboxOptions::default())
        .unwrap()
        .spawn_local()
        .await
        .unwrap()
}

/// [`local_sandbox`], started on `runtime`.
pub fn spawn_local(runtime: &tokio::runtime::Runtime) -> RunningSandbox {
    runtime.block_on(local_sandbox())
}

/// `GET /api/v1/user` with `key` over a plain blocking socket: the answer's status, or
/// `None` if the connection closed without one.
pub fn status(url: &str, key: &str) -> Option<u16> {
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
