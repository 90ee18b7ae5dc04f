#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
#[cfg(feature = "config-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "config-file")))]
pub mod config;
mod conformance;
mod deadline;
mod error;
mod key;
mod lenient;
mod patch;
mod redact;
mod response;
mod retry;
mod timestamp;
mod tls;
mod update;

/// The code progenitor generates from `openapi.yaml` (in `OUT_DIR`, never edited).
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    dead_code,
    // Its `Client` takes the crate-private `ClientState`; the module itself is private.
    private_interfaces
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/insighto_generated.rs"));
}

// The generated code names `crate::ClientState` (progenitor's inner type); users never do.
pub(crate) use client::ClientState;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, ENV_API_KEY, ENV_BASE_URL,
};
pub use conformance::{Conformance, DRIFT_SAMPLE_EVERY, DRIFT_TARGET, Finding, FindingKind};
pub use error::{ConfigError, Error, InvalidRequestReason, TimeLimit, TransportError};
pub use generated::types;
pub use key::ApiKey;
pub use patch::Patch;
pub use redact::redact_secret;
pub use response::{REQUEST_ID_HEADERS, Response, ResponseMeta};
pub use retry::RetryPolicy;
pub use timestamp::{ParseTimestampError, Timestamp};
pub use update::UpdateBody;

/// The version of the API description the client was generated from: `info.version` of
/// `openapi.yaml`, as the generated code knows it (the crate's own version is
/// `CARGO_PKG_VERSION`; the two part at the first patch release).
pub fn api_version() -> &'static str {
    <generated::Client as progenitor_client::ClientInfo<client::ClientState>>::api_version()
}
