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

mod routes;
mod spec;
mod store;
mod validate;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use routes::{BODY_TIMEOUT, MAX_BODY_BYTES};
pub use spec::OPENAPI_YAML;
pub use store::{Account, new_api_key};

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot read seed file {path}: {reason}")]
    Seed { path: PathBuf, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
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
}

/// The seed file: `{"accounts": [{"api_key": "in-...", "profile": {...}}]}`.
///
/// `profile` holds any profile fields (validated like an update, plus `id`); accounts
/// whose key already exists are left as they are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub accounts: Vec<SeedAccount>,
}

/// One account of a seed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    pub api_key: String,
    #[serde(default)]
    pub profile: Map<String, Value>,
}

/// An opened sandbox, ready to serve.
pub struct Sandbox {
    store: Arc<store::Store>,
    demo: Account,
}

impl Sandbox {
    /// Opens the store, creates the demo account if needed and applies the seed file.
    pub fn open(options: &SandboxOptions) -> Result<Self, SandboxError> {
        let store = Arc::new(store::Store::open(options.db.as_deref())?);
        let demo = store.ensure_demo()?;
        let sandbox = Self { store, demo };
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
        routes::router(self.store.clone())
    }

    /// Serves on `addr` (port 0 picks a free one) in a background task.
    pub async fn spawn(self, addr: SocketAddr) -> Result<RunningSandbox, SandboxError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        });
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
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
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
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
