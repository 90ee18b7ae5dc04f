//! Serving a sandbox's connections, on a listener of the caller's runtime ([`serve`]) or
//! a pooled one ([`crate::pool`]): either way each connection gets the same time limits,
//! the cap on open connections and JSON bodies on hyper's own errors.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Notify, mpsc},
};

use crate::{conn, pool, routes, store};

/// How long a stopped sandbox's open connections may take to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// What serves one sandbox's connections. Each open connection holds a clone, so the
/// sandbox's [`Stopper`] knows when the last one has finished.
#[derive(Clone)]
pub struct Serving {
    app: routes::WithState,
    header_timeout: Duration,
    limits: conn::Limits,
    registry: Arc<conn::Registry>,
    stop: Arc<Stop>,
    /// The pooled listener lent to the sandbox, back to the pool once the last clone is
    /// gone; before `_live`, so that it is back when [`Stopper::finished`] returns.
    _lease: Option<Arc<pool::Lease>>,
    _live: mpsc::Sender<()>,
}

/// Whether a sandbox has stopped, and the wake of whoever waits for it to.
#[derive(Default)]
struct Stop {
    stopped: AtomicBool,
    waiters: Notify,
}

impl Stop {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Resolves once the sandbox stops loudly ([`Stopper::stop`]).
    async fn wait(&self) {
        let woken = self.waiters.notified();
        tokio::pin!(woken);
        // Registered before the flag is read, so that a stop in between is not missed.
        woken.as_mut().enable();
        if !self.stopped() {
            woken.await;
        }
    }
}

impl Serving {
    pub fn new(
        app: routes::WithState,
        header_timeout: Duration,
        limits: conn::Limits,
        lease: Option<pool::Lease>,
    ) -> (Self, Stopper) {
        let stop = Arc::<Stop>::default();
        let (live, finished) = mpsc::channel(1);
        let serving = Self {
            app,
            header_timeout,
            limits,
            registry: Arc::default(),
            stop: stop.clone(),
            _lease: lease.map(Arc::new),
            _live: live,
        };
        (serving, Stopper { stop, finished })
    }
}

/// Stops a sandbox: its listener stops accepting, its open connections finish their
/// requests in flight and close.
pub struct Stopper {
    stop: Arc<Stop>,
    finished: mpsc::Receiver<()>,
}

impl Stopper {
    /// Stops the sandbox and wakes its accept loop and its open connections, which
    /// finish their requests in flight and close.
    pub fn stop(&self) {
        self.stop_quietly();
        self.stop.waiters.notify_waiters();
    }

    /// Stops the sandbox without waking its thread: an open connection closes unanswered
    /// when its next request arrives (or when it idles past its limit, or its client
    /// closes it, which is what usually comes first). What dropping a pooled sandbox
    /// does: a wake of the listeners' thread was most of what a drop cost a test beyond
    /// wiremock's (`cargo xtask bench`, section 6), and a test rarely sends more.
    pub fn stop_quietly(&self) {
        self.stop.stopped.store(true, Ordering::Release);
    }

    /// Waits, once stopped, until every connection has finished, for at most
    /// [`DRAIN_TIMEOUT`] (every [`Serving`] must be gone or going by then).
    pub async fn finished(mut self) {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, self.finished.recv()).await;
    }
}

/// Accepts connections on `listener` until the sandbox stops. Unlike `axum::serve`, each
/// connection's request head has a time limit, idle connections are closed (before the
/// first request, between requests, HTTP/2 included) and open ones are capped.
pub async fn serve(listener: TcpListener, serving: Serving) {
    accept(&listener, serving.stop.wait(), || Some(serving.clone())).await;
}

/// Accepts connections on `listener` until `until` resolves, each served by what
/// `serving` gives when it is accepted (closed unanswered if nothing). After a failed
/// accept (out of file descriptors and the like) it waits a little instead of spinning.
pub async fn accept(
    listener: &TcpListener,
    until: impl Future<Output = ()>,
    serving: impl Fn() -> Option<Serving>,
) {
    tokio::pin!(until);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut until => return,
        };
        match accepted {
            Ok((stream, _)) => {
                if let Some(serving) = serving() {
                    tokio::spawn(connection(stream, serving));
                    // The connection first: its request may be there already, and the
                    // next accept is most often a system call that finds nobody.
                    tokio::task::yield_now().await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves one connection until it closes, idles past its limits, or the sandbox stops:
/// at once if it stops loudly (its requests in flight finish first), else at the
/// connection's next request, which gets no answer.
pub async fn connection(stream: TcpStream, serving: Serving) {
    let state = serving.registry.admit(serving.limits.max_connections);
    let service = hyper_util::service::TowerToHyperService::new(Tracked {
        app: serving.app.clone(),
        conn: state.clone(),
        stop: serving.stop.clone(),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(serving.header_timeout);
    let io = TokioIo::new(conn::JsonErrors::new(stream));
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);
    // The connection first: its request may be there already, and the other branches
    // register a timer and a waiter, which can wait until it has been answered.
    tokio::select! {
        biased;
        _ = connection.as_mut() => {}
        () = state.expired(serving.limits) => {}
        () = serving.stop.wait() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// The router, counting each request on its connection (for the idle limits); once the
/// sandbox has stopped, a request is not answered and its connection closes.
#[derive(Clone)]
struct Tracked {
    app: routes::WithState,
    conn: Arc<conn::Connection>,
    stop: Arc<Stop>,
}

/// The error that closes a stopped sandbox's connection unanswered.
#[derive(Debug, thiserror::Error)]
#[error("the sandbox has stopped")]
struct Stopped;

impl<B> tower_service::Service<axum::http::Request<B>> for Tracked
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = axum::response::Response;
    type Error = Stopped;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        if self.stop.stopped() {
            // HTTP/1.1 closes on the error; HTTP/2 would only reset the stream.
            self.conn.close();
            return Box::pin(std::future::ready(Err(Stopped)));
        }
        let in_flight = self.conn.request();
        let response = routes::WithState::call(&self.app, request);
        Box::pin(async move {
            let response = response.await;
            drop(in_flight);
            // Once this answer is written (this task's turn ends with the write): while
            // the client reads it, the thread has time to spare.
            if store::dropped_in_memory() {
                tokio::spawn(async { store::recycle_dropped() });
            }
            Ok(response)
        })
    }
}
