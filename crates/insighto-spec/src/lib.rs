#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The text of `openapi.yaml` (OpenAPI 3.0.3, YAML), embedded at compile time.
///
/// ```
/// assert!(insighto_spec::OPENAPI_YAML.contains("\nopenapi: 3.0"));
/// ```
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// The same document as JSON, written by `cargo xtask generate` (and checked by a test):
/// what [`Spec::bundled`] reads when the `yaml` feature is off, so that the client can
/// read the spec at run time without compiling a YAML parser.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

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

#[cfg(test)]
mod tests {
    /// Without the `yaml` feature the bundled spec comes from the JSON copy, and YAML is
    /// refused with a clear error.
    #[cfg(not(feature = "yaml"))]
    #[test]
    fn without_yaml_the_json_copy_is_read() {
        let spec = crate::Spec::bundled();
        assert!(spec.operation("get_user_profile").is_some());
        let err = crate::Spec::parse("openapi: 3.0.3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`yaml` feature"), "{err}");
    }

    /// The JSON copy is the YAML document, value for value (`cargo xtask generate` writes
    /// it; this keeps a hand edit of either from going unseen).
    #[cfg(feature = "yaml")]
    #[test]
    fn the_json_copy_is_the_yaml_document() {
        let json: serde_json::Value = serde_json::from_str(crate::OPENAPI_JSON).unwrap();
        let yaml = crate::Spec::parse(crate::OPENAPI_YAML).unwrap();
        assert_eq!(&json, yaml.doc());
    }
}
