//! What the lifecycle tests share: a current-thread runtime, a local sandbox, and
//! requests over a plain blocking socket.

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

/// `GET /api/v1/user` with `key` over a plain blocking socket of its own: the answer's
/// status, or `None` if the connection closed without one.
pub fn status(url: &str, key: &str) -> Option<u16> {
    Connection::open(url).get(key)
}

/// A client's connection to a sandbox, kept open between requests: a plain blocking
/// socket.
pub struct Connection {
    stream: TcpStream,
    addr: String,
}

impl Connection {
    pub fn open(url: &str) -> Self {
        let addr = url.trim_start_matches("http://").to_owned();
        let stream = TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Self { stream, addr }
    }

    /// `GET /api/v1/user` with `key`: the answer's status (its body read, so that the
    /// connection can carry the next request), or `None` if the connection closed
    /// without one.
    pub fn get(&mut self, key: &str) -> Option<u16> {
        let request = format!(
            "GET /api/v1/user?api_key={key} HTTP/1.1\r\nhost: {}\r\n\r\n",
            self.addr
        );
        // A closed listener may reset the connection before the request is written.
        self.stream.write_all(request.as_bytes()).ok()?;
        let mut head = Vec::new();
        let mut byte = [0];
        while !head.ends_with(b"\r\n\r\n") {
            match self.stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return None,
            }
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let length = (head.split("\r\n"))
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse().unwrap());
        self.stream.read_exact(&mut vec![0; length]).ok()?;
        head.strip_prefix("http/1.1 ")?.get(..3)?.parse().ok()
    }
}
