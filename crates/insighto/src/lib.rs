//! Rust SDK for the [Insighto.ai](https://insighto.ai) user-profile API.
//!
//! The request and response types in [`types`] and the HTTP plumbing are generated at
//! build time from the repository's `openapi.yaml` by progenitor; this crate adds the
//! rest by hand: the API key set once ([`Client::new`], [`Client::from_env`]), typed
//! [`Error`]s that never contain the key, retries ([`RetryPolicy`]), three-state update
//! fields ([`Patch`]) and lenient date-times ([`Timestamp`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = insighto::Client::new("in-...your key...")?;
//! let me = client.get_profile().await?;
//! println!("hello, {}", me.first_name.as_deref().unwrap_or("stranger"));
//! # Ok(()) }
//! ```

mod client;
mod error;
mod key;
mod patch;
mod retry;
mod timestamp;
mod update;

/// The code progenitor generates from `openapi.yaml` (in `OUT_DIR`, never edited).
#[allow(clippy::all, clippy::pedantic, missing_docs, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/insighto_generated.rs"));
}

#[doc(hidden)]
pub use client::ClientState;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, ENV_API_KEY, ENV_BASE_URL,
};
pub use error::{ConfigError, Error};
pub use generated::types;
pub use key::ApiKey;
pub use patch::Patch;
pub use retry::RetryPolicy;
pub use timestamp::{ParseTimestampError, Timestamp};
pub use update::UpdateBody;

/// The version of the API description the client was generated from.
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");
