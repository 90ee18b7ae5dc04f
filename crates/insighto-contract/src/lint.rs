//! The project's own spec rules, beyond what generic linters check. Each finding names
//! the JSON pointer of what it is about.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Spec, escape};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub pointer: String,
    pub rule: &'static str,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.pointer, self.rule, self.message)
    }
}

/// Runs every rule.
pub fn lint(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut add = |pointer: String, rule: &'static str, message: String| {
        findings.push(Finding {
            pointer,
            rule,
            message,
        });
    };
    let doc = &spec.doc;

    let version = doc["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.0.") {
        add(
            "/openapi".into(),
            "openapi-3.0",
            format!("must be OpenAPI 3.0.x (progenitor reads only 3.0), found {version:?}"),
        );
    }

    // Operations: required documentation, security, unique ids and paths.
    let global_security = doc
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut templates: BTreeMap<String, String> = BTreeMap::new();
    if let Some(paths) = doc["paths"].as_object() {
        for path in paths.keys() {
            let normalized = normalize_template(path);
            if let Some(first) = templates.insert(normalized, path.clone()) {
                add(
                    format!("/paths/{}", escape(path)),
                    "unique-path",
                    format!("same path as {first:?} once parameters are renamed"),
                );
            }
        }
    }
    for (_, _, op, pointer) in spec.operations() {
        for field in ["operationId", "summary", "description"] {
            if op
                .get(field)
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
            {
                add(
                    format!("{pointer}/{field}"),
                    "operation-docs",
                    format!("every operation needs a {field}"),
                );
            }
        }
        if op
            .get("tags")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            add(
                format!("{pointer}/tags"),
                "operation-tag",
                "every operation needs a tag".into(),
            );
        }
        let own = op.get("security").and_then(Value::as_array);
        if own.is_none_or(Vec::is_empty) && !(own.is_none() && global_security) {
            add(
                format!("{pointer}/security"),
                "operation-security",
                "every operation needs a security requirement".into(),
            );
        }
        if let Some(id) = op.get("operationId").and_then(Value::as_str)
            && let Some(first) = ids.insert(id.to_owned(), pointer.clone())
        {
            add(
                format!("{pointer}/operationId"),
                "unique-operation-id",
                format!("{id:?} is also used at {first}"),
            );
        }
    }

    // Schemas: descriptions everywhere.
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            described(
                schema,
                &format!("/components/schemas/{}", escape(name)),
                &mut add,
            );
        }
    }

    // Response schemas: never closed to new fields.
    for (_, _, op, pointer) in spec.operations() {
        let Some(responses) = op["responses"].as_object() else {
            continue;
        };
        for (status, response) in responses {
            let response = spec.resolve(response);
            let Some(content) = response["content"].as_object() else {
                continue;
            };
            for (media, body) in content {
                let at = format!(
                    "{pointer}/responses/{}/content/{}/schema",
                    escape(status),
                    escape(media)
                );
                let mut seen = Vec::new();
                closed_objects(spec, &body["schema"], &at, &mut seen, &mut add);
            }
        }
    }

    // Examples validate against their schemas.
    for (at, schema, example) in examples(spec) {
        if let Err(errors) = spec.validate(schema, example) {
            add(
                at,
                "example-valid",
                format!("example does not match its schema: {}", errors.join("; ")),
            );
        }
    }
    findings
}

pub(crate) fn normalize_template(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out.trim_end_matches('/').to_owned()
}

fn described(schema: &Value, at: &str, add: &mut impl FnMut(String, &'static str, String)) {
    if schema.get("$ref").is_some() {
        return; // described where it is defined
    }
    if schema
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(|d| d.trim().is_empty())
    {
        add(
            format!("{at}/description"),
            "schema-description",
            "every schema and property needs a description".into(),
        );
    }
    if let Some(props) = schema["properties"].as_object() {
        for (name, prop) in props {
            described(prop, &format!("{at}/properties/{}", escape(name)), add);
        }
    }
    if let Some(items) = schema.get("items") {
        described(items, &format!("{at}/items"), add);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            for (i, b) in branches.iter().enumerate() {
                described(b, &format!("{at}/{key}/{i}"), add);
            }
        }
    }
}

fn closed_objects(
    spec: &Spec,
    schema: &Value,
    at: &str,
    seen: &mut Vec<String>,
    add: &mut impl FnMut(String, &'static str, String),
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if seen.iter().any(|s| s == r) {
            return;
        }
        seen.push(r.to_owned());
        closed_objects(spec, spec.resolve(schema), &r[1..], seen, add);
        return;
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        add(
            format!("{at}/additionalProperties"),
            "response-open",
            "additionalProperties: false on a response schema becomes deny_unknown_fields: a new server field would break every client".into(),
        );
    }
    if let Some(props) = schema["properties"].as_object() {
        for (name, prop) in props {
            closed_objects(
                spec,
                prop,
                &format!("{at}/properties/{}", escape(name)),
                seen,
                add,
            );
        }
    }
    if let Some(items) = schema.get("items") {
        closed_objects(spec, items, &format!("{at}/items"), seen, add);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            for (i, b) in branches.iter().enumerate() {
                closed_objects(spec, b, &format!("{at}/{key}/{i}"), seen, add);
            }
        }
    }
}

/// Every (pointer, schema, example) pair in the document.
fn examples(spec: &Spec) -> Vec<(String, &Value, &Value)> {
    let mut found = Vec::new();
    let doc = &spec.doc;
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            if let Some(example) = schema.get("example") {
                found.push((
                    format!("/components/schemas/{}/example", escape(name)),
                    schema,
                    example,
                ));
            }
        }
    }
    let mut media_types: Vec<(String, &Value)> = Vec::new();
    for (_, _, op, pointer) in spec.operations() {
        if let Some(content) = spec.resolve(&op["requestBody"])["content"].as_object() {
            for (media, body) in content {
                media_types.push((
                    format!("{pointer}/requestBody/content/{}", escape(media)),
                    body,
                ));
            }
        }
        if let Some(responses) = op["responses"].as_object() {
            for (status, response) in responses {
                let at = match response.get("$ref").and_then(Value::as_str) {
                    Some(r) => r[1..].to_owned(),
                    None => format!("{pointer}/responses/{}", escape(status)),
                };
                if let Some(content) = spec.resolve(response)["content"].as_object() {
                    for (media, body) in content {
                        media_types.push((format!("{at}/content/{}", escape(media)), body));
                    }
                }
            }
        }
    }
    media_types.sort_by(|a, b| a.0.cmp(&b.0));
    media_types.dedup_by(|a, b| a.0 == b.0);
    for (at, body) in media_types {
        let schema = &body["schema"];
        if let Some(example) = body.get("example") {
            found.push((format!("{at}/example"), schema, example));
        }
        if let Some(examples) = body["examples"].as_object() {
            for (name, example) in examples {
                let value = &spec.resolve(example)["value"];
                found.push((format!("{at}/examples/{}", escape(name)), schema, value));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::parse(include_str!("../../../openapi.yaml")).unwrap()
    }

    fn rules_after(edit: impl FnOnce(&mut Value)) -> Vec<(String, &'static str)> {
        let mut s = spec();
        edit(&mut s.doc);
        lint(&s).into_iter().map(|f| (f.pointer, f.rule)).collect()
    }

    #[test]
    fn the_repository_spec_is_clean() {
        let findings = lint(&spec());
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn each_rule_fires_with_its_pointer() {
        let get = "/paths/~1api~1v1~1user/get";
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(Edit, String, &str)> = vec![
            (
                Box::new(|d| d["openapi"] = "3.1.0".into()),
                "/openapi".into(),
                "openapi-3.0",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/paths/~1api~1v1~1user/get")
                        .unwrap()
                        .as_object_mut()
                        .unwrap()
                        .remove("summary");
                }),
                format!("{get}/summary"),
                "operation-docs",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/paths/~1api~1v1~1user/get").unwrap()["tags"] =
                        serde_json::json!([])
                }),
                format!("{get}/tags"),
                "operation-tag",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/paths/~1api~1v1~1user/get").unwrap()["security"] =
                        serde_json::json!([])
                }),
                format!("{get}/security"),
                "operation-security",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/paths/~1api~1v1~1user/get").unwrap()["operationId"] =
                        "update_user_profile".into()
                }),
                "/paths/~1api~1v1~1user~1{user_id}/put/operationId".into(),
                "unique-operation-id",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/components/schemas/UserProfile/properties/phone")
                        .unwrap()
                        .as_object_mut()
                        .unwrap()
                        .remove("description");
                }),
                "/components/schemas/UserProfile/properties/phone/description".into(),
                "schema-description",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/components/schemas/UserProfile").unwrap()["additionalProperties"] =
                        false.into()
                }),
                "/components/schemas/UserProfile/additionalProperties".into(),
                "response-open",
            ),
            (
                Box::new(|d| {
                    d.pointer_mut("/components/examples/DocumentedProfileEnvelope/value/data/id")
                        .map(|v| *v = "not-a-uuid".into())
                        .unwrap()
                }),
                format!("{get}/responses/200/content/application~1json/examples/documented"),
                "example-valid",
            ),
            (
                Box::new(|d| {
                    let item = d["paths"]["/api/v1/user/{user_id}"].clone();
                    d["paths"]["/api/v1/user/{id}"] = item;
                }),
                "/paths/~1api~1v1~1user~1{user_id}".into(),
                "unique-path",
            ),
        ];
        for (edit, pointer, rule) in cases {
            let found = rules_after(edit);
            assert!(
                found.iter().any(|(p, r)| *r == rule && *p == pointer),
                "{rule} at {pointer}: got {found:?}"
            );
        }
    }
}
