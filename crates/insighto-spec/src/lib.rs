#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The text of `openapi.yaml` (OpenAPI 3.0.3, YAML), embedded at compile time.
///
/// ```
/// assert!(insighto_spec::OPENAPI_YAML.contains("\nopenapi: 3.0"));
/// ```
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

mod model;

pub use model::{Field, Kind, METHODS, Operation, ParseError, Spec, escape};
