//! The contract between openapi.yaml and the Rust types: the JSON Schema schemars derives
//! for each public type must agree with the spec's component schema on every property's
//! presence, type, format, required-ness and nullability. A drift names the property.

use insighto::types;
use insighto_tests::spec;
use schemars::{JsonSchema, schema_for};
use serde_json::Value;

/// What is compared of one property.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    kind: String,
    format: Option<String>,
    nullable: bool,
    required: bool,
}

/// Formats that have no Rust type of their own (typify keeps `String`).
const TEXT_ONLY_FORMATS: &[&str] = &["email"];

fn spec_shapes(component: &str) -> Vec<(String, Shape)> {
    let spec = spec();
    let schema = spec
        .component(component)
        .unwrap_or_else(|| panic!("no component {component}"));
    shapes_of(schema, |raw| {
        let prop = spec.effective(raw);
        let (kind, format) = match raw["$ref"].as_str() {
            Some(r) => (format!("ref:{}", r.rsplit('/').next().unwrap()), None),
            None => (
                prop["type"].as_str().unwrap_or("any").to_owned(),
                prop["format"]
                    .as_str()
                    .filter(|f| !TEXT_ONLY_FORMATS.contains(f))
                    .map(str::to_owned),
            ),
        };
        (kind, format, prop["nullable"].as_bool().unwrap_or(false))
    })
}

fn rust_shapes<T: JsonSchema>() -> Vec<(String, Shape)> {
    let root = serde_json::to_value(schema_for!(T)).unwrap();
    shapes_of(&root, |prop| {
        let mut nullable = false;
        let mut prop = prop.clone();
        // Option<Ref> is `anyOf: [ref, null]`; a described ref is `allOf: [ref]`.
        for key in ["anyOf", "allOf"] {
            if let Some(branches) = prop[key].as_array().cloned() {
                nullable |= branches.iter().any(|b| b["type"] == "null");
                if let Some(other) = branches.into_iter().find(|b| b["type"] != "null") {
                    prop = other;
                }
            }
        }
        let kind = match (&prop["$ref"], &prop["type"]) {
            (Value::String(r), _) => format!("ref:{}", r.rsplit('/').next().unwrap()),
            (_, Value::String(t)) => t.clone(),
            (_, Value::Array(types)) => {
                nullable |= types.iter().any(|t| t == "null");
                types
                    .iter()
                    .find(|t| *t != "null")
                    .and_then(Value::as_str)
                    .unwrap_or("any")
                    .to_owned()
            }
            _ => "any".to_owned(),
        };
        (kind, prop["format"].as_str().map(str::to_owned), nullable)
    })
}

/// The shape of every property of the object `schema`, by name: `typed` tells a
/// property's kind, format and nullability; `required` tells the rest.
fn shapes_of(
    schema: &Value,
    typed: impl Fn(&Value) -> (String, Option<String>, bool),
) -> Vec<(String, Shape)> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut shapes: Vec<(String, Shape)> = schema["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, prop)| {
            let (kind, format, nullable) = typed(prop);
            let shape = Shape {
                kind,
                format,
                nullable,
                required: required.contains(&name.as_str()),
            };
            (name.clone(), shape)
        })
        .collect();
    shapes.sort_by(|a, b| a.0.cmp(&b.0));
    shapes
}

/// Every difference, each naming the property.
fn drift<T: JsonSchema>(component: &str) -> Vec<String> {
    let (spec, rust) = (spec_shapes(component), rust_shapes::<T>());
    let mut found = Vec::new();
    for (name, s) in &spec {
        match rust.iter().find(|(n, _)| n == name) {
            None => found.push(format!(
                "{component}.{name}: in the spec, missing from the Rust type"
            )),
            // typify keeps a required nullable property as `Option<T>` with
            // `deserialize_with`: serde requires the key (see
            // `required_nullable_properties_must_be_present`), schemars calls it optional.
            Some((_, r))
                if s.required
                    && s.nullable
                    && *r
                        == Shape {
                            required: false,
                            ..s.clone()
                        } => {}
            Some((_, r)) if r != s => {
                found.push(format!("{component}.{name}: spec {s:?} but Rust {r:?}"))
            }
            Some(_) => {}
        }
    }
    for (name, _) in rust
        .iter()
        .filter(|(n, _)| !spec.iter().any(|(s, _)| s == n))
    {
        found.push(format!(
            "{component}.{name}: in the Rust type, missing from the spec"
        ));
    }
    found
}

#[test]
fn generated_types_match_the_spec() {
    let mut found = Vec::new();
    found.extend(drift::<types::UserProfile>("UserProfile"));
    found.extend(drift::<types::UserProfileUpdate>("UserProfileUpdate"));
    found.extend(drift::<types::UserProfileResponse>("UserProfileResponse"));
    found.extend(drift::<types::AuthError>("AuthError"));
    found.extend(drift::<types::NotFoundError>("NotFoundError"));
    found.extend(drift::<types::RateLimitError>("RateLimitError"));
    found.extend(drift::<types::ServerError>("ServerError"));
    found.extend(drift::<types::HttpValidationError>("HTTPValidationError"));
    found.extend(drift::<types::ValidationError>("ValidationError"));
    assert!(
        found.is_empty(),
        "the Rust types drifted from openapi.yaml:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_comparison_sees_a_drift() {
    // A hand-made type that differs from UserProfile in one property's nullability.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Drifted {
        id: uuid::Uuid,
        phone: String,
    }
    let rust = rust_shapes::<Drifted>();
    let phone = &rust.iter().find(|(n, _)| n == "phone").unwrap().1;
    let spec_phone = &spec_shapes("UserProfile")
        .into_iter()
        .find(|(n, _)| n == "phone")
        .unwrap()
        .1;
    assert_ne!(phone, spec_phone);
    assert!(!phone.nullable && spec_phone.nullable);
}

#[test]
fn required_nullable_properties_must_be_present() {
    let without_message =
        serde_json::json!({"meta": {}, "data": {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}});
    assert!(serde_json::from_value::<types::UserProfileResponse>(without_message).is_err());
    let null_message = serde_json::json!({"message": null, "meta": {}, "data": {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}});
    assert!(serde_json::from_value::<types::UserProfileResponse>(null_message).is_ok());
}
