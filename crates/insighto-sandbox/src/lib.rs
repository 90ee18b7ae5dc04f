//! A local, stateful stand-in for Insighto's user-profile API.
//!
//! It serves exactly what the repository's `openapi.yaml` describes: both operations,
//! the `{message, meta, data}` envelope, API-key auth in the query string, FastAPI's
//! error bodies. Profiles live in SQLite (a file that survives restarts, or memory).
//! Field names, types and formats are read from the embedded spec, so the sandbox
//! validates exactly what the spec says.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = insighto_sandbox::Sandbox::open(&Default::default())?.spawn_local().await?;
//! let client = insighto::Client::builder(sandbox.demo_key()).base_url(sandbox.url()).build()?;
//! # let _ = client; Ok(()) }
//! ```

#![warn(missing_docs)]

mod routes;
mod spec;
mod store;
mod validate;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};

use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

pub use routes::{BODY_TIMEOUT, MAX_BODY_BYTES, REQUEST_ID_HEADER};
pub use spec::OPENAPI_YAML;
pub use store::{Account, new_api_key};

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

/// An opened sandbox, ready to serve.
pub struct Sandbox {
    store: Arc<store::Store>,
    demo: Account,
    body_timeout: Duration,
    header_timeout: Duration,
}

impl Sandbox {
    /// Opens the store, creates the demo account if needed and applies the seed file.
    pub fn open(options: &SandboxOptions) -> Result<Self, SandboxError> {
        let store = Arc::new(store::Store::open(options.db.as_deref())?);
        let demo = store.ensure_demo()?;
        let sandbox = Self {
            store,
            demo,
            body_timeout: options.body_timeout.unwrap_or(BODY_TIMEOUT),
            header_timeout: options.header_timeout.unwrap_or(HEADER_TIMEOUT),
        };
        if let Some(path) = &options.seed {
            sandbox.seed(path)?;
        }
        Ok(sandbox)
    }

    fn seed(&self, path: &Path) -> Result<(), SandboxError> {
        let fail = |reason: String| SandboxError::Seed {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let seed: SeedFile = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        for (i, account) in seed.accounts.into_iter().enumerate() {
            if account.api_key.trim().is_empty() || account.api_key.chars().any(char::is_whitespace)
            {
                return Err(fail(format!(
                    "accounts[{i}].api_key is empty or has whitespace"
                )));
            }
            self.add_account(Some(&account.api_key), account.profile)
                .map_err(|e| fail(format!("accounts[{i}]: {e}")))?;
        }
        Ok(())
    }

    /// Adds an account (a new random key when `api_key` is `None`); fields are validated.
    pub fn add_account(
        &self,
        api_key: Option<&str>,
        profile: Map<String, Value>,
    ) -> Result<Account, String> {
        let id = profile.get("id").cloned();
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
        self.store
            .add_account(api_key, fields)
            .map_err(|e| e.to_string())
    }

    /// The demo account (its key is stored with the data, so it is stable).
    pub fn demo(&self) -> &Account {
        &self.demo
    }

    /// The HTTP router, for embedding in another server or calling in-process.
    pub fn router(&self) -> axum::Router {
        routes::router(routes::AppState {
            store: self.store.clone(),
            body_timeout: self.body_timeout,
        })
    }

    /// Serves on `addr` (port 0 picks a free one) in a background task.
    pub async fn spawn(self, addr: SocketAddr) -> Result<RunningSandbox, SandboxError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, self.router(), self.header_timeout, stopped));
        Ok(RunningSandbox {
            url: format!("http://{local}"),
            demo: self.demo,
            stop: Some(stop),
            task,
        })
    }

    /// Serves on an ephemeral loopback port.
    pub async fn spawn_local(self) -> Result<RunningSandbox, SandboxError> {
        self.spawn(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }
}

/// A sandbox serving in the background; dropping it stops it.
pub struct RunningSandbox {
    url: String,
    demo: Account,
    stop: Option<watch::Sender<bool>>,
    task: JoinHandle<()>,
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

    /// Stops accepting connections, finishes the requests in flight, and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

/// Accepts connections until `stop` turns true, then lets the open ones finish (for at
/// most a few seconds). Unlike `axum::serve`, it bounds how long a client may take to
/// send its request head, so slow clients cannot pin connections forever.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stop = stop.clone();
        connections.spawn(async move {
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
}
