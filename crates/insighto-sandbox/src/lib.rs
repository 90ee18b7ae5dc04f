#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod account;
mod conn;
mod fixture;
mod json;
mod lax;
mod pool;
mod routes;
mod server;
mod spec;
mod store;
mod validate;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::{net::TcpListener, task::JoinHandle};

pub use account::{AccountBuilder, AccountError};
pub use conn::{FIRST_REQUEST_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS};
pub use fixture::{FaultError, FaultHandle, Operation, RECEIVED_LIMIT, Received};
pub use routes::{BODY_TIMEOUT, MAX_BODY_BYTES, REQUEST_ID_HEADER};
pub use spec::OPENAPI_YAML;
pub use store::{Account, Key, Role, create_private_dir, new_api_key};

/// Locks `mutex` even if a panic poisoned it: everything the sandbox keeps behind a
/// mutex is plain data or a SQLite connection (whose transactions roll back), which a
/// panic elsewhere cannot leave half-written.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The SQLite store could not be opened or written.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The seed file could not be read or applied.
    #[error("cannot read seed file {path}: {reason}")]
    Seed {
        /// The seed file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it could not be bound.
        source: std::io::Error,
    },
}

/// How to start a sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// The SQLite file; `None` keeps everything in memory.
    pub db: Option<PathBuf>,
    /// A JSON seed file of extra accounts (see [`SeedFile`]).
    pub seed: Option<PathBuf>,
    /// How long a client may take to send a request body (default [`BODY_TIMEOUT`]).
    pub body_timeout: Option<Duration>,
    /// How long a client may take to send the request head (default [`HEADER_TIMEOUT`]).
    pub header_timeout: Option<Duration>,
    /// How long a connection may stay open before its first request
    /// (default [`FIRST_REQUEST_TIMEOUT`]).
    pub first_request_timeout: Option<Duration>,
    /// How long a keep-alive or HTTP/2 connection may idle between requests
    /// (default [`IDLE_TIMEOUT`]).
    pub idle_timeout: Option<Duration>,
    /// How many connections may be open at once (default [`MAX_CONNECTIONS`]); past it
    /// the longest-idle connection is closed to serve the new one.
    pub max_connections: Option<usize>,
}

/// How long a client may take to send its request line and headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The seed file: `{"accounts": [{"api_key": "in-...", "profile": {...}}]}`.
///
/// `profile` holds any profile fields (validated like an update, plus `id`); accounts
/// whose key already exists are left as they are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// The accounts to create.
    pub accounts: Vec<SeedAccount>,
}

/// One account of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    /// The account's API key.
    pub api_key: String,
    /// Its profile fields (`id` included, if it should be fixed).
    #[serde(default)]
    pub profile: Map<String, Value>,
}

/// The test-fixture methods, the same on a [`Sandbox`] before it serves and on a
/// [`RunningSandbox`] (both hold the store and the fixture's state).
macro_rules! fixture_methods {
    () => {
        /// Adds an account and its keys:
        /// `Account::builder().first_name("Ada").superuser()`.
        pub fn add_account(&self, account: AccountBuilder) -> Result<Account, AccountError> {
            account::add(&self.store, account)
        }

        /// Answers the next request of `operation` with `status`, which the operation
        /// must document; see [`FaultHandle`] for more answers, `Retry-After` and a delay.
        pub fn fail_next(
            &self,
            operation: Operation,
            status: u16,
        ) -> Result<FaultHandle, FaultError> {
            self.fixture.fail_next(operation, status)
        }

        /// The requests received so far, oldest first, the key redacted (the latest
        /// [`RECEIVED_LIMIT`]).
        pub fn received(&self) -> Vec<Received> {
            self.fixture.received()
        }

        /// Forgets the requests received so far.
        pub fn clear_received(&self) {
            self.fixture.clear_received();
        }
    };
}

/// An opened sandbox, ready to serve.
pub struct Sandbox {
    store: Arc<store::Store>,
    fixture: Arc<fixture::Fixture>,
    demo: Account,
    body_timeout: Duration,
    header_timeout: Duration,
    limits: conn::Limits,
}

impl Sandbox {
    /// Opens the store, creates the demo account if needed and applies the seed file.
    pub fn open(options: &SandboxOptions) -> Result<Self, SandboxError> {
        let store = Arc::new(store::Store::open(options.db.as_deref())?);
        let demo = store.ensure_demo()?;
        let sandbox = Self {
            store,
            fixture: Arc::default(),
            demo,
            body_timeout: options.body_timeout.unwrap_or(BODY_TIMEOUT),
            header_timeout: options.header_timeout.unwrap_or(HEADER_TIMEOUT),
            limits: conn::Limits {
                first_request: options
                    .first_request_timeout
                    .unwrap_or(FIRST_REQUEST_TIMEOUT),
                idle: options.idle_timeout.unwrap_or(IDLE_TIMEOUT),
                max_connections: options.max_connections.unwrap_or(MAX_CONNECTIONS).max(1),
            },
        };
        if let Some(path) = &options.seed {
            sandbox.seed(path)?;
        }
        Ok(sandbox)
    }

    /// Applies a seed file whole or not at all: every account is validated first, then
    /// all are written in one transaction.
    fn seed(&self, path: &Path) -> Result<(), SandboxError> {
        let fail = |reason: String| SandboxError::Seed {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let seed: SeedFile = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let mut accounts = Vec::new();
        let mut keys = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        for (i, account) in seed.accounts.into_iter().enumerate() {
            if !account::valid_key(&account.api_key) {
                return Err(fail(format!(
                    "accounts[{i}].api_key is empty or has whitespace"
                )));
            }
            if !keys.insert(account.api_key.clone()) {
                return Err(fail(format!("accounts[{i}].api_key appears twice")));
            }
            let fields =
                account_fields(account.profile).map_err(|e| fail(format!("accounts[{i}]: {e}")))?;
            if let Some(id) = fields.get("id").and_then(Value::as_str)
                && !ids.insert(id.to_owned())
            {
                return Err(fail(format!("accounts[{i}]: id {id} appears twice")));
            }
            accounts.push((Some(account.api_key), fields));
        }
        self.store
            .add_accounts(accounts)
            .map_err(|e| fail(e.to_string()))?;
        Ok(())
    }

    fixture_methods!();

    /// The demo account (its key is stored with the data, so it is stable).
    pub fn demo(&self) -> &Account {
        &self.demo
    }

    /// The HTTP router, for embedding in another server or calling in-process.
    pub fn router(&self) -> axum::Router {
        routes::with_state(self.state())
    }

    /// What every request of this sandbox reaches.
    fn state(&self) -> routes::AppState {
        routes::AppState {
            store: self.store.clone(),
            body_timeout: self.body_timeout,
            fixture: self.fixture.clone(),
        }
    }

    /// Serves on `addr` (port 0 picks a free one) in a task of the caller's runtime, which
    /// must keep running for the sandbox to answer.
    pub async fn spawn(self, addr: SocketAddr) -> Result<RunningSandbox, SandboxError> {
        let bind = |source| SandboxError::Bind { addr, source };
        let listener = TcpListener::bind(addr).await.map_err(bind)?;
        let local = listener.local_addr().map_err(bind)?;
        let (serving, stopper) = self.serving(None);
        let task = tokio::spawn(server::serve(listener, serving));
        Ok(self.running(local, stopper, Listening::Task(task)))
    }

    /// Serves on a free loopback port, from a background thread that every sandbox of the
    /// process shares: the test fixture. It answers whatever the caller's runtime does
    /// (current-thread, or blocked in a synchronous call), and costs a test little: once
    /// a sandbox stops, its port serves a later one, as wiremock reuses its servers (see
    /// the crate's documentation, "Running it", for what that means for a client that
    /// outlives its sandbox, a paused clock, and a `db` file).
    pub async fn spawn_local(self) -> Result<RunningSandbox, SandboxError> {
        let pooled = pool::Pooled::take().map_err(|source| SandboxError::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
        })?;
        let (serving, stopper) = self.serving(Some(pool::Lease::new(&pooled)));
        pooled.serve(serving);
        Ok(self.running(pooled.addr(), stopper, Listening::Pooled(pooled)))
    }

    fn serving(&self, lease: Option<pool::Lease>) -> (server::Serving, server::Stopper) {
        server::Serving::new(
            routes::WithState::new(self.state()),
            self.header_timeout,
            self.limits,
            lease,
        )
    }

    fn running(
        self,
        addr: SocketAddr,
        stopper: server::Stopper,
        listening: Listening,
    ) -> RunningSandbox {
        RunningSandbox {
            url: format!("http://{addr}"),
            store: self.store,
            fixture: self.fixture,
            demo: self.demo,
            running: Some((stopper, listening)),
        }
    }
}

/// Validates a seed or test account's profile fields (those of an update, plus `id`).
fn account_fields(mut profile: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let id = profile.remove("id");
    let mut fields = validate::profile_fields(profile, false).map_err(|issues| {
        issues
            .iter()
            .map(|i| format!("{}: {}", i.loc[1], i.msg))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if let Some(id) = id {
        let valid = id.as_str().and_then(|s| validate::user_id(s).ok());
        let id = valid.ok_or("id: not a uuid")?;
        fields.insert("id".into(), Value::String(id.to_string()));
    }
    Ok(fields)
}

/// A sandbox serving in the background; dropping it stops it.
pub struct RunningSandbox {
    url: String,
    store: Arc<store::Store>,
    fixture: Arc<fixture::Fixture>,
    demo: Account,
    /// `None` once stopped.
    running: Option<(server::Stopper, Listening)>,
}

/// Where a running sandbox accepts connections.
enum Listening {
    /// Its own listener, in a task of the runtime that started it.
    Task(JoinHandle<()>),
    /// A pooled listener of the sandbox's background thread.
    Pooled(pool::Pooled),
}

impl RunningSandbox {
    /// The base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The demo account's key.
    pub fn demo_key(&self) -> &str {
        &self.demo.api_key
    }

    /// The demo account.
    pub fn demo(&self) -> &Account {
        &self.demo
    }

    fixture_methods!();

    /// Stops accepting connections, lets the requests in flight finish (for at most 5
    /// seconds), and returns.
    pub async fn shutdown(mut self) {
        let Some((stopper, listening)) = self.running.take() else {
            return;
        };
        stopper.stop();
        match listening {
            Listening::Task(task) => {
                let _ = task.await;
                stopper.finished().await;
            }
            Listening::Pooled(pooled) => {
                pooled.stop_serving();
                // On the sandbox's thread: in real time, even if this runtime's clock
                // is paused.
                pool::on_background(stopper.finished()).await;
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        match self.running.take() {
            // A task of its own ends on the stop.
            Some((stopper, Listening::Task(_))) => stopper.stop(),
            // A pooled listener stops serving it, and goes back to the pool once its
            // open connections have closed: each at its next request, unanswered,
            // without a wake of the listeners' thread now.
            Some((stopper, Listening::Pooled(pooled))) => {
                stopper.stop_quietly();
                pooled.stop_serving();
            }
            None => {}
        }
    }
}
