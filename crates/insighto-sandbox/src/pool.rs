//! The listeners behind [`Sandbox::spawn_local`](crate::Sandbox::spawn_local): loopback
//! ports served by one background thread that every sandbox of the process shares, each
//! reused by a later sandbox once its own has stopped, as wiremock pools its servers.
//!
//! A listener's accept loop runs for as long as the process; a sandbox is served by
//! putting its [`Serving`] in the listener's slot, which wakes no thread. A test's
//! fixture then binds no port, runs no task on the test's runtime (which may be
//! current-thread, or blocked in a synchronous call) and leaves it no teardown: this
//! was most of what a fixture cost beyond wiremock's (`cargo xtask bench`, section 6).

use std::{
    collections::VecDeque,
    future::Future,
    io,
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
};

use tokio::{
    net::TcpListener,
    runtime::{Builder, Handle},
};

use crate::server::{self, Serving};

/// A pooled listener: its address, and what its accept loop reads.
#[derive(Clone)]
pub struct Pooled {
    addr: SocketAddr,
    slot: Arc<Slot>,
}

/// The sandbox a listener serves, if any; `closed` ends its accept loop.
#[derive(Default)]
struct Slot {
    serving: Mutex<Option<Serving>>,
    closed: tokio::sync::Notify,
}

impl Slot {
    fn serving(&self) -> std::sync::MutexGuard<'_, Option<Serving>> {
        crate::lock(&self.serving)
    }
}

/// Listeners whose sandbox has stopped, ready for the next one, the longest stopped
/// first: a client still holding a stopped sandbox's URL is then the least likely to
/// reach a later sandbox on that port.
static IDLE: Mutex<VecDeque<Pooled>> = Mutex::new(VecDeque::new());

/// The most idle listeners kept: more than a suite has sandboxes running at once.
const IDLE_LIMIT: usize = 64;

/// The background runtime, started by the first sandbox that needs it.
static RUNTIME: Mutex<Option<Handle>> = Mutex::new(None);

/// The runtime that serves pooled listeners: current-thread, on a thread of its own that
/// lives as long as the process. It is built on that thread, so that a failure to start
/// it is an error here, never a runtime dropped inside the caller's.
fn runtime() -> io::Result<Handle> {
    let mut slot = crate::lock(&RUNTIME);
    if let Some(handle) = &*slot {
        return Ok(handle.clone());
    }
    let (started, handle) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("insighto-sandbox".into())
        .spawn(
            move || match Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => {
                    let _ = started.send(Ok(runtime.handle().clone()));
                    runtime.block_on(std::future::pending::<()>());
                }
                Err(e) => drop(started.send(Err(e))),
            },
        )?;
    let handle = handle
        .recv()
        .map_err(|_| io::Error::other("the sandbox's thread ended before its runtime started"))??;
    *slot = Some(handle.clone());
    Ok(handle)
}

/// Runs `work` on the listeners' thread once it has started, else here: work a test
/// should not wait for, such as emptying a dropped sandbox's store for the next one.
pub fn in_background(work: impl FnOnce() + Send + 'static) {
    let handle = crate::lock(&RUNTIME).clone();
    match handle {
        Some(handle) => drop(handle.spawn(async move { work() })),
        None => work(),
    }
}

/// Runs `work` to its end on the listeners' thread (here if it cannot start).
pub async fn on_background(work: impl Future<Output = ()> + Send + 'static) {
    match runtime() {
        Ok(handle) => drop(handle.spawn(work).await),
        Err(_) => work.await,
    }
}

/// A pooled listener lent to one sandbox. Every connection of the sandbox holds it (in
/// its [`Serving`]), so the listener goes back to the pool only once the last has
/// closed: a port never serves a sandbox while a connection to an earlier one is open,
/// which a client's pool of kept-alive connections would take for a connection to the
/// later one (and fail its next request on, as the earlier sandbox answers nothing).
pub struct Lease(Pooled);

impl Lease {
    pub fn new(pooled: &Pooled) -> Self {
        Self(pooled.clone())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.clone().release();
    }
}

impl Pooled {
    /// An idle listener, or a new one on a free loopback port.
    pub fn take() -> io::Result<Self> {
        let idle = crate::lock(&IDLE).pop_front();
        match idle {
            Some(pooled) => Ok(pooled),
            None => Self::bind(),
        }
    }

    /// Serves `serving`'s sandbox from now on.
    pub fn serve(&self, serving: Serving) {
        *self.slot.serving() = Some(serving);
    }

    /// Stops serving its sandbox: a new connection is closed unanswered (connections
    /// already open go on until told to stop).
    pub fn stop_serving(&self) {
        let serving = self.slot.serving().take();
        // Dropped once the slot is unlocked: it may be the lease's last holder.
        drop(serving);
    }

    fn bind() -> io::Result<Self> {
        let runtime = runtime()?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = {
            let _in_runtime = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let slot = Arc::<Slot>::default();
        runtime.spawn(accept(listener, slot.clone()));
        Ok(Self { addr, slot })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Goes back to the pool, or closes if the pool is full.
    fn release(self) {
        let mut idle = crate::lock(&IDLE);
        if idle.len() < IDLE_LIMIT {
            idle.push_back(self);
        } else {
            self.slot.closed.notify_one();
        }
    }
}

/// Serves each connection with the sandbox in `slot`; one that arrives while the
/// listener serves nobody is closed unanswered.
async fn accept(listener: TcpListener, slot: Arc<Slot>) {
    server::accept(&listener, slot.closed.notified(), || slot.serving().clone()).await;
}
