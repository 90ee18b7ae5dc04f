//! The project's own spec rules, beyond what generic linters check. Each finding names
//! the JSON pointer of what it is about. Each rule is one function, named in its doc
//! comment by the id its findings carry; [`lint`] runs them in a fixed order.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{JsonSchemaExt, Spec, escape};

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

/// The document's rules, in the order their findings are reported.
const RULES: [fn(&Spec, &mut Vec<Finding>); 6] = [
    openapi_version,
    unique_paths,
    operation_rules,
    schema_descriptions,
    open_responses,
    valid_examples,
];

/// Runs every rule.
pub fn lint(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in RULES {
        rule(spec, &mut findings);
    }
    findings
}

/// Records one finding.
fn add(findings: &mut Vec<Finding>, pointer: String, rule: &'static str, message: String) {
    findings.push(Finding {
        pointer,
        rule,
        message,
    });
}

/// `openapi-3.0`: progenitor reads only OpenAPI 3.0.
fn openapi_version(spec: &Spec, findings: &mut Vec<Finding>) {
    let version = spec.doc()["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.0.") {
        add(
            findings,
            "/openapi".into(),
            "openapi-3.0",
            format!("must be OpenAPI 3.0.x (progenitor reads only 3.0), found {version:?}"),
        );
    }
}

/// `unique-path`: no two paths that differ only in their parameters' names.
fn unique_paths(spec: &Spec, findings: &mut Vec<Finding>) {
    let mut templates: BTreeMap<String, String> = BTreeMap::new();
    if let Some(paths) = spec.doc()["paths"].as_object() {
        for path in paths.keys() {
            let normalized = normalize_template(path);
            if let Some(first) = templates.insert(normalized, path.clone()) {
                add(
                    findings,
                    format!("/paths/{}", escape(path)),
                    "unique-path",
                    format!("same path as {first:?} once parameters are renamed"),
                );
            }
        }
    }
}

/// The rules of each operation, run one operation after another.
fn operation_rules(spec: &Spec, findings: &mut Vec<Finding>) {
    let global_security = spec
        .doc()
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for operation in spec.operations() {
        let (op, pointer) = (operation.value, operation.pointer());
        operation_docs(op, &pointer, findings);
        operation_tag(op, &pointer, findings);
        operation_security(op, &pointer, global_security, findings);
        unique_operation_id(op, &pointer, &mut ids, findings);
    }
}

/// `operation-docs`: every operation has an operationId, a summary and a description.
fn operation_docs(op: &Value, pointer: &str, findings: &mut Vec<Finding>) {
    for field in ["operationId", "summary", "description"] {
        if op
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            add(
                findings,
                format!("{pointer}/{field}"),
                "operation-docs",
                format!("every operation needs a {field}"),
            );
        }
    }
}

/// `operation-tag`: every operation has a tag.
fn operation_tag(op: &Value, pointer: &str, findings: &mut Vec<Finding>) {
    if op
        .get("tags")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        add(
            findings,
            format!("{pointer}/tags"),
            "operation-tag",
            "every operation needs a tag".into(),
        );
    }
}

/// `operation-security`: every operation has a security requirement, its own or the
/// document's (`global_security`).
fn operation_security(
    op: &Value,
    pointer: &str,
    global_security: bool,
    findings: &mut Vec<Finding>,
) {
    let own = op.get("security").and_then(Value::as_array);
    if own.is_none_or(Vec::is_empty) && !(own.is_none() && global_security) {
        add(
            findings,
            format!("{pointer}/security"),
            "operation-security",
            "every operation needs a security requirement".into(),
        );
    }
}

/// `unique-operation-id`: no operationId twice; `ids` holds those seen so far.
fn unique_operation_id(
    op: &Value,
    pointer: &str,
    ids: &mut BTreeMap<String, String>,
    findings: &mut Vec<Finding>,
) {
    if let Some(id) = op.get("operationId").and_then(Value::as_str)
        && let Some(first) = ids.insert(id.to_owned(), pointer.to_owned())
    {
        add(
            findings,
            format!("{pointer}/operationId"),
            "unique-operation-id",
            format!("{id:?} is also used at {first}"),
        );
    }
}

/// `schema-description`: every component schema and property is described.
fn schema_descriptions(spec: &Spec, findings: &mut Vec<Finding>) {
    if let Some(schemas) = spec.doc()["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            described(
                schema,
                &format!("/components/schemas/{}", escape(name)),
                findings,
            );
        }
    }
}

/// `response-open`: no response schema is closed to new fields.
fn open_responses(spec: &Spec, findings: &mut Vec<Finding>) {
    for operation in spec.operations() {
        let (op, pointer) = (operation.value, operation.pointer());
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
                closed_objects(spec, &body["schema"], &at, &mut seen, findings);
            }
        }
    }
}

/// `example-valid`: every example validates against its schema.
fn valid_examples(spec: &Spec, findings: &mut Vec<Finding>) {
    for (at, schema, example) in examples(spec) {
        if let Err(errors) = spec.validate(schema, example) {
            add(
                findings,
                at,
                "example-valid",
                format!("example does not match its schema: {}", errors.join("; ")),
            );
        }
    }
}

/// A path template with its parameter names removed (`/user/{}`), so that two templates
/// that differ only in how they name a parameter compare equal.
pub fn normalize_template(path: &str) -> String {
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

fn described(schema: &Value, at: &str, findings: &mut Vec<Finding>) {
    if schema.get("$ref").is_some() {
        return; // described where it is defined
    }
    if schema
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(|d| d.trim().is_empty())
    {
        add(
            findings,
            format!("{at}/description"),
            "schema-description",
            "every schema and property needs a description".into(),
        );
    }
    if let Some(props) = schema["properties"].as_object() {
        for (name, prop) in props {
            described(prop, &format!("{at}/properties/{}", escape(name)), findings);
        }
    }
    if let Some(items) = schema.get("items") {
        described(items, &format!("{at}/items"), findings);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            for (i, b) in branches.iter().enumerate() {
                described(b, &format!("{at}/{key}/{i}"), findings);
            }
        }
    }
}

fn closed_objects(
    spec: &Spec,
    schema: &Value,
    at: &str,
    seen: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if seen.iter().any(|s| s == r) {
            return;
        }
        seen.push(r.to_owned());
        closed_objects(spec, spec.resolve(schema), &r[1..], seen, findings);
        return;
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        add(
            findings,
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
                findings,
            );
        }
    }
    if let Some(items) = schema.get("items") {
        closed_objects(spec, items, &format!("{at}/items"), seen, findings);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            for (i, b) in branches.iter().enumerate() {
                closed_objects(spec, b, &format!("{at}/{key}/{i}"), seen, findings);
            }
        }
    }
}

/// Every (pointer, schema, example) pair in the document.
fn examples(spec: &Spec) -> Vec<(String, &Value, &Value)> {
    let mut found = Vec::new();
    let doc = &spec.doc();
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
    for operation in spec.operations() {
        let (op, pointer) = (operation.value, operation.pointer());
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
        Spec::parse(insighto_spec::OPENAPI_YAML).unwrap()
    }

    fn rules_after(edit: impl FnOnce(&mut Value)) -> Vec<(String, &'static str)> {
        let mut doc = spec().doc().clone();
        edit(&mut doc);
        lint(&Spec::from_doc(doc))
            .into_iter()
            .map(|f| (f.pointer, f.rule))
            .collect()
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
