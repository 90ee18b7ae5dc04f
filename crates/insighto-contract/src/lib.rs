#![doc = include_str!("../README.md")]

pub mod corpus;
pub mod diff;
pub mod lint;

use serde_json::{Map, Value, json};

pub use insighto_spec::{METHODS, Spec, escape};

/// JSON Schema views of the spec's schemas, for validators.
pub trait JsonSchemaExt {
    /// A JSON Schema (2020-12) for `schema`, with the spec's components as `$defs`.
    fn json_schema(&self, schema: &Value) -> Value;
    /// Validates `instance` against `schema`; each error as "pointer: message".
    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>>;
}

impl JsonSchemaExt for Spec {
    fn json_schema(&self, schema: &Value) -> Value {
        let mut defs = Map::new();
        if let Some(schemas) = self.doc()["components"]["schemas"].as_object() {
            for (name, s) in schemas {
                defs.insert(name.clone(), convert(s));
            }
        }
        let mut root = convert(schema);
        if let Value::Object(map) = &mut root {
            map.insert("$defs".into(), Value::Object(defs));
            map.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
        } else {
            root = json!({ "allOf": [root], "$defs": defs });
        }
        root
    }

    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let compiled = self.json_schema(schema);
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&compiled)
            .map_err(|e| vec![format!("schema does not compile: {e}")])?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// OpenAPI 3.0 schema object to JSON Schema 2020-12: `nullable` becomes a `null` type,
/// component `$ref`s point into `$defs`, OpenAPI-only keywords are dropped.
fn convert(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "$ref" => match value.as_str() {
                Some(r) => json!(r.replace("#/components/schemas/", "#/$defs/")),
                None => value.clone(),
            },
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" | "deprecated" => {
                continue;
            }
            "properties" => Value::Object(
                value
                    .as_object()
                    .map(|props| props.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "not" | "additionalProperties" => convert(value),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                value
                    .as_array()
                    .map(|a| a.iter().map(convert).collect())
                    .unwrap_or_default(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            _ => return json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_and_refs_convert() {
        let spec = Spec::parse(insighto_spec::OPENAPI_YAML).unwrap();
        let profile = json!({"$ref": "#/components/schemas/UserProfile"});
        assert!(
            spec.validate(
                &profile,
                &json!({"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "phone": null})
            )
            .is_ok()
        );
        let errors = spec.validate(&profile, &json!({"phone": 5})).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        let bad_id = spec.validate(&profile, &json!({"id": "nope"})).unwrap_err();
        assert!(bad_id[0].starts_with("/id"), "{bad_id:?}");
    }
}
