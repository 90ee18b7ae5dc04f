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

/// Every error status each operation documents, answered with the spec's own example,
/// becomes the client error its response names (`x-insighto-error`), keeps its status,
/// and is never an unexpected status. A status added to `openapi.yaml` joins this test.
#[tokio::test]
async fn every_documented_error_status_becomes_the_error_the_spec_names() {
    use insighto_tests::scripted::{Canned, Scripted};
    let mut checked = 0;
    for op in spec().operations() {
        for key in op.statuses() {
            let statuses: Vec<u16> = match key.strip_suffix("XX") {
                Some(class) => {
                    let class: u16 = class.parse().unwrap();
                    vec![class * 100, class * 100 + 2, class * 100 + 3]
                }
                None => vec![key.parse().unwrap()],
            };
            for status in statuses.into_iter().filter(|s| *s >= 400) {
                let response = op.response(status).unwrap();
                let named = response[insighto_spec::ERROR_EXTENSION].as_str();
                let (media, body) = response["content"]
                    .as_object()
                    .and_then(|content| content.iter().next())
                    .map(|(media, m)| (media.clone(), m["example"].clone()))
                    .unwrap();
                let body = match body {
                    serde_json::Value::String(text) if media != "application/json" => text,
                    json => json.to_string(),
                };
                let server = Scripted::start(vec![Canned::raw(status, &media, body)]).await;
                let err = call(&op, &server.client()).await;
                let what = format!("{} {} -> {status}: {err:?}", op.method, op.path);
                assert_eq!(err.status(), Some(status), "{what}");
                match named {
                    Some(class) => assert!(format!("{err:?}").starts_with(class), "{what}"),
                    None => assert!(
                        matches!(err, insighto::Error::UnexpectedStatus { .. }),
                        "{what}"
                    ),
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} statuses checked");
}

/// A status an operation does not document is an unexpected status from it, even when
/// another operation documents it (a 404 to the GET comes from another server, not from
/// a missing user): the status table is per operation.
#[tokio::test]
async fn a_status_another_operation_documents_is_unexpected_from_this_one() {
    use insighto_tests::scripted::{Canned, Scripted};
    let operations = spec().operations();
    let documented: std::collections::BTreeSet<u16> = operations
        .iter()
        .flat_map(|op| op.statuses())
        .filter_map(|key| key.parse().ok())
        .filter(|status| *status >= 400)
        .collect();
    let mut checked = 0;
    for op in &operations {
        for &status in documented.iter().filter(|s| op.response(**s).is_none()) {
            let body = serde_json::json!({"detail": "Not Found"});
            let server = Scripted::start(vec![Canned::json(status, body)]).await;
            let err = call(op, &server.client()).await;
            let what = format!("{} {} -> {status}: {err:?}", op.method, op.path);
            assert!(
                matches!(err, insighto::Error::UnexpectedStatus { status: s, .. } if s == status),
                "{what}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} statuses checked");
}

/// Calls `op` (the GET or the PUT) with `client`; the server is expected to refuse it.
async fn call(op: &insighto_spec::Operation<'_>, client: &insighto::Client) -> insighto::Error {
    match op.method {
        "get" => client.get_profile().await.unwrap_err(),
        _ => client
            .update_profile(
                "3c90c3cc-0d44-4b50-8888-8dd25736052a".parse().unwrap(),
                &types::UserProfileUpdate::default(),
            )
            .await
            .unwrap_err(),
    }
}
