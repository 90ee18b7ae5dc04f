#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The text of `openapi.yaml` (OpenAPI 3.0.3, YAML), embedded at compile time.
///
/// ```
/// assert!(insighto_spec::OPENAPI_YAML.contains("\nopenapi: 3.0"));
/// ```
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// The extension that names the hand-written Rust type a component schema becomes
/// (`crate::Patch<String>`).
///
/// typify reads `x-rust-type` itself (a type from another crate), so this project's own
/// mapping has its own name. The code generator applies it; the contract diff reads it
/// too: a change inside such a component does not change the Rust type.
pub const RUST_TYPE_EXTENSION: &str = "x-insighto-rust-type";

/// The extension on a response that names the client error its status becomes
/// (`BadRequest`, `Unauthorized`, ...); the code generator turns these into the client's
/// status-to-error table.
pub const ERROR_EXTENSION: &str = "x-insighto-error";

pub mod conform;
mod model;
pub mod openapi31;

pub use model::{Field, Kind, MAX_DOCUMENT_BYTES, METHODS, Operation, ParseError, Spec, escape};
