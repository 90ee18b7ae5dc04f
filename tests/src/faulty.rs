//! A misbehaving HTTP server on loopback, speaking raw TCP so it can do what a real
//! server never should: reset mid-body, truncate, drip, lie about lengths.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Behavior {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Write these bytes, then reset the connection (RST).
    RawThenReset(Vec<u8>),
    /// Write `head`, then `body` one byte every `every`.
    Drip {
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
    },
    /// Accept and close at once.
    Close,
}

/// A complete HTTP/1.1 response.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON 200 with a minimal profile envelope.
pub fn ok_profile() -> Vec<u8> {
    response(
        "200 OK",
        &[("content-type", "application/json")],
        br#"{"message":"ok","meta":{},"data":{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}"#,
    )
}

pub struct Faulty {
    pub url: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl Faulty {
    /// Serves connection `n` (0-based) with `script[n]`, or the last entry past the end.
    pub async fn start(script: Vec<Behavior>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (count, log) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let behavior = script[n.min(script.len() - 1)].clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = handle(stream, behavior, log).await;
                });
            }
        });
        Self {
            url,
            connections,
            requests,
        }
    }

    /// How many connections were accepted (each attempt opens one: `connection: close`).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The raw requests received, head and body.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Ok(data);
            }
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(data);
        }
        data.extend_from_slice(&buf[..n]);
    }
}

async fn handle(
    mut stream: TcpStream,
    behavior: Behavior,
    log: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
) -> std::io::Result<()> {
    if matches!(behavior, Behavior::Close) {
        return Ok(());
    }
    let request = read_request(&mut stream).await?;
    log.lock().unwrap().push(request);
    match behavior {
        Behavior::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Behavior::RawThenReset(bytes) => {
            stream.write_all(&bytes).await?;
            stream.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            // Linger zero makes the close a reset; it cannot block with a zero timeout.
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
        Behavior::Drip { head, body, every } => {
            stream.write_all(&head).await?;
            for byte in body {
                tokio::time::sleep(every).await;
                stream.write_all(&[byte]).await?;
            }
        }
        Behavior::Close => {}
    }
    Ok(())
}
