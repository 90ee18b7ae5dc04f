//! What the sandbox knows of the API, read from the same `openapi.yaml` the client is
//! generated from, so the two cannot disagree about fields, types or formats.

use std::sync::OnceLock;

use serde_json::Value;

/// The spec text, from the `insighto-spec` crate that the client is generated from too.
pub use insighto_spec::OPENAPI_YAML;

/// The kind of value a profile field holds on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Email,
    Boolean,
    Uuid,
    DateTime,
    Integer,
}

/// One field of the profile: its name, kind, and whether the update body may set it.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    pub updatable: bool,
}

/// The spec as JSON (served at `/api/v1/openapi.json`) and the profile fields in it.
pub struct Spec {
    pub json: Value,
    pub fields: Vec<Field>,
}

/// The parsed spec, built once.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let json: Value =
            serde_yaml_ng::from_str(OPENAPI_YAML).expect("openapi.yaml is valid YAML");
        let fields = profile_fields(&json);
        Spec { json, fields }
    })
}

fn profile_fields(spec: &Value) -> Vec<Field> {
    let schemas = &spec["components"]["schemas"];
    let updatable = schemas["UserProfileUpdate"]["properties"]
        .as_object()
        .expect("UserProfileUpdate has properties");
    schemas["UserProfile"]["properties"]
        .as_object()
        .expect("UserProfile has properties")
        .iter()
        .map(|(name, schema)| Field {
            name: name.clone(),
            kind: kind_of(spec, schema),
            updatable: updatable.contains_key(name),
        })
        .collect()
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        return resolve(spec, spec.pointer(pointer).expect("$ref resolves"));
    }
    match schema["allOf"].as_array().map(Vec::as_slice) {
        Some([only]) => resolve(spec, only),
        _ => schema,
    }
}

fn kind_of(spec: &Value, schema: &Value) -> FieldKind {
    let schema = resolve(spec, schema);
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("boolean"), _) => FieldKind::Boolean,
        (Some("integer"), _) => FieldKind::Integer,
        (Some("string"), Some("email")) => FieldKind::Email,
        (Some("string"), Some("uuid")) => FieldKind::Uuid,
        (Some("string"), Some("date-time")) => FieldKind::DateTime,
        (Some("string"), _) => FieldKind::String,
        other => panic!("profile field of unsupported type {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_profile_fields_from_the_spec() {
        let fields = &spec().fields;
        assert_eq!(fields.len(), 28);
        assert_eq!(fields.iter().filter(|f| f.updatable).count(), 25);
        let kind = |n: &str| fields.iter().find(|f| f.name == n).unwrap().kind;
        assert_eq!(kind("email"), FieldKind::Email);
        assert_eq!(kind("birthdate"), FieldKind::DateTime);
        assert_eq!(kind("role_id"), FieldKind::Uuid);
        assert_eq!(kind("is_paying"), FieldKind::Boolean);
        assert_eq!(kind("follower_count"), FieldKind::Integer);
        assert!(!fields.iter().find(|f| f.name == "id").unwrap().updatable);
    }
}
