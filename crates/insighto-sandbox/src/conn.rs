//! Connection hygiene: time limits on idle connections, a cap on open connections that
//! still lets new clients in, and JSON bodies on the errors hyper answers by itself.

use std::{
    io,
    pin::Pin,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::Notify,
};

/// How long a connection may stay open without sending its first request.
pub const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a keep-alive (HTTP/1.1) or HTTP/2 connection may sit idle between requests.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How many connections may be open at once; past it, the longest-idle one is closed to
/// make room, so a new client is always served.
pub const MAX_CONNECTIONS: usize = 256;

/// The connection limits in force.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub first_request: Duration,
    pub idle: Duration,
    pub max_connections: usize,
}

/// What the server knows of one connection.
pub struct Connection {
    epoch: Instant,
    /// Milliseconds since `epoch` when the connection was accepted or a request finished.
    last_ms: AtomicU64,
    requests: AtomicU64,
    in_flight: AtomicUsize,
    close: Notify,
}

impl Connection {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn idle_for(&self) -> Option<Duration> {
        (self.in_flight.load(Ordering::Acquire) == 0).then(|| {
            Duration::from_millis(
                // A request may finish between the two reads: never below zero.
                self.now_ms()
                    .saturating_sub(self.last_ms.load(Ordering::Acquire)),
            )
        })
    }

    /// Marks a request as started; the guard marks it finished when dropped.
    pub fn request(self: &Arc<Self>) -> InFlight {
        self.requests.fetch_add(1, Ordering::AcqRel);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Asks the connection to close now ([`expired`](Self::expired) resolves).
    pub fn close(&self) {
        self.close.notify_one();
    }

    /// Resolves when the connection should close: it stayed idle past its limit, it
    /// was chosen to make room for a new one, or it was asked to ([`close`](Self::close)).
    pub async fn expired(&self, limits: Limits) {
        let tick = (limits.first_request.min(limits.idle) / 4).max(Duration::from_millis(10));
        let watch = async {
            loop {
                tokio::time::sleep(tick).await;
                let limit = if self.requests.load(Ordering::Acquire) == 0 {
                    limits.first_request
                } else {
                    limits.idle
                };
                if self.idle_for().is_some_and(|idle| idle >= limit) {
                    return;
                }
            }
        };
        tokio::select! {
            () = watch => {}
            () = self.close.notified() => {}
        }
    }
}

/// A request in progress on a connection.
pub struct InFlight(Arc<Connection>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let conn = &self.0;
        conn.last_ms.store(conn.now_ms(), Ordering::Release);
        conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The open connections.
#[derive(Default)]
pub struct Registry {
    open: Mutex<Vec<Weak<Connection>>>,
}

impl Registry {
    /// Registers a new connection; at the cap, asks the longest-idle one (or, if every
    /// one is busy, the longest-open) to close.
    pub fn admit(&self, max: usize) -> Arc<Connection> {
        let epoch = Instant::now();
        let conn = Arc::new(Connection {
            epoch,
            last_ms: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            close: Notify::new(),
        });
        let mut open = crate::lock(&self.open);
        open.retain(|c| c.strong_count() > 0);
        if open.len() >= max {
            let live: Vec<Arc<Connection>> = open.iter().filter_map(Weak::upgrade).collect();
            let victim = live
                .iter()
                .filter_map(|c| c.idle_for().map(|idle| (idle, c)))
                .max_by_key(|(idle, _)| *idle)
                .map(|(_, c)| c)
                .or_else(|| live.first());
            if let Some(victim) = victim {
                victim.close();
                open.retain(|c| !std::ptr::eq(c.as_ptr(), Arc::as_ptr(victim)));
            }
        }
        open.push(Arc::downgrade(&conn));
        conn
    }
}

/// A socket whose error answers written by hyper itself (a malformed request, a URI or
/// headers too long: status and an empty body) get the spec's `{"detail": ...}` body.
pub struct JsonErrors<S> {
    inner: S,
    pending: Vec<u8>,
}

impl<S> JsonErrors<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }
}

/// hyper's own error answer (`HTTP/1.1 4xx ...` with `content-length: 0`) with a JSON
/// body instead; `None` for anything else (the sandbox's own errors all have a body).
fn with_json_body(head: &[u8]) -> Option<Vec<u8>> {
    // Every write passes here: the prefix first, before reading the whole text.
    if !head.starts_with(b"HTTP/1.1 4") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let status_line = text.strip_prefix("HTTP/1.1 4")?.split("\r\n").next()?;
    if !text.ends_with("\r\n\r\n")
        || !text
            .to_ascii_lowercase()
            .contains("\r\ncontent-length: 0\r\n")
    {
        return None;
    }
    let reason = status_line.get(3..).unwrap_or("").trim();
    let body = serde_json::json!({ "detail": reason }).to_string();
    let mut out = String::with_capacity(text.len() + body.len() + 40);
    for line in text.trim_end().split("\r\n") {
        if line.eq_ignore_ascii_case("content-length: 0") {
            out.push_str("content-type: application/json\r\n");
            out.push_str(&format!("content-length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.drain(cx))?;
        if let Some(rewritten) = with_json_body(buf) {
            self.pending = rewritten;
            // Taken in full; `poll_flush` (which hyper calls next) finishes the write.
            let _ = self.drain(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_errors_get_a_json_body() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(with_json_body(head).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(out.contains("content-type: application/json\r\ncontent-length: 44\r\n"));
        assert!(out.ends_with("\r\n\r\n{\"detail\":\"Request Header Fields Too Large\"}"));
        // The sandbox's own answers (with a body) and successes pass unchanged.
        assert!(with_json_body(b"HTTP/1.1 404 Not Found\r\ncontent-length: 22\r\n\r\n").is_none());
        assert!(with_json_body(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
