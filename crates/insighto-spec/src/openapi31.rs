//! OpenAPI 3.1 (as FastAPI and pydantic write it) read as its 3.0 equivalent, so that
//! every reader of [`crate::Spec`] (the diff, the lint, the JSON Schema conversion, the
//! sandbox) sees one dialect. `Spec::parse` rewrites each schema of a 3.1 document in
//! place, innermost first:
//!
//! - `type: [X, "null"]` becomes `type: X, nullable: true`; several non-null types become
//!   an `anyOf` of one-type branches (what pydantic writes for a union);
//! - `type: "null"` alone becomes `enum: [null], nullable: true` (only null);
//! - `anyOf`/`oneOf: [S, {type: "null"}]` becomes S made nullable: S's keywords join the
//!   schema's (whose own `title`, `default`, `description` win), and a `$ref` S becomes
//!   `allOf: [S]` beside `nullable: true`;
//! - `const: v` becomes `enum: [v]`; a schema's `examples` array becomes `example` (its
//!   first value); a numeric `exclusiveMinimum`/`exclusiveMaximum` becomes
//!   `minimum`/`maximum` with the 3.0 boolean;
//! - `$ref` with sibling keywords (which 3.1 applies and 3.0 ignores) becomes
//!   `allOf: [{$ref}]` beside the siblings;
//! - `$defs` stay where they are: a `$ref` into them is a JSON pointer like any other.
//!
//! Keywords the model cannot express are refused with a [`ParseError`] naming the keyword
//! and its JSON pointer, because each can change what a schema accepts and so a verdict:
//! `$dynamicRef`, `$dynamicAnchor` and `$anchor` (references the JSON-pointer resolver
//! cannot follow), `if`/`then`/`else`, `dependentSchemas`, `dependentRequired`
//! (conditional rules), `prefixItems`, `contains`, `unevaluatedItems` (tuple and array
//! rules), `unevaluatedProperties`, `patternProperties`, `propertyNames` (which
//! properties an object may carry). Ignored, because no reader looks at them and they
//! change no verdict: `webhooks` and `components.pathItems` (not operations this crate
//! calls), `jsonSchemaDialect`, `$schema`, `$id`, `$comment`, `contentMediaType`,
//! `contentEncoding`, `info.summary`, `license.identifier`.

use serde_json::{Map, Value, json};

use crate::{ParseError, escape};

/// Keywords that change what a schema accepts and that no 3.0 keyword expresses.
const REFUSED: [&str; 14] = [
    "$dynamicRef",
    "$dynamicAnchor",
    "$anchor",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "prefixItems",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
    "patternProperties",
    "propertyNames",
];

/// Whether the document says it is OpenAPI 3.1.
pub(crate) fn is_31(doc: &Value) -> bool {
    doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1"))
}

/// Rewrites a 3.1 document into its 3.0 equivalent (see the module doc).
pub(crate) fn normalize(doc: &mut Value) -> Result<(), ParseError> {
    if let Value::Object(map) = doc {
        map.insert("openapi".into(), json!("3.0.3"));
    }
    walk(doc, &mut String::new())
}

/// Finds the schemas of the document: every `schema` of a parameter, header or media
/// type, and every `components.schemas` entry. Examples and extensions are data, not
/// schemas, and are left alone.
fn walk(value: &mut Value, at: &mut String) -> Result<(), ParseError> {
    match value {
        Value::Object(map) => {
            let in_schemas = at.as_str() == "/components/schemas";
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "example" | "examples" | "webhooks")
                    || key.starts_with("x-")
                {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                if in_schemas || key == "schema" {
                    schema(child, at)?;
                } else {
                    walk(child, at)?;
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(child, at)?;
                at.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Normalises one schema and, first, every schema inside it. The recursion follows the
/// document's own nesting (never a `$ref`), which the parsers already bound.
fn schema(value: &mut Value, at: &mut String) -> Result<(), ParseError> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    if let Some(keyword) = REFUSED.iter().find(|k| map.contains_key(**k)) {
        return Err(ParseError(format!(
            "OpenAPI 3.1 keyword `{keyword}` at {at}/{} is not supported: it changes what the \
             schema accepts and has no OpenAPI 3.0 equivalent",
            escape(keyword)
        )));
    }
    for (key, child) in map.iter_mut() {
        let len = at.len();
        at.push('/');
        at.push_str(&escape(key));
        match (key.as_str(), child) {
            ("properties" | "$defs" | "definitions", Value::Object(members)) => {
                for (name, member) in members.iter_mut() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape(name));
                    schema(member, at)?;
                    at.truncate(len);
                }
            }
            ("allOf" | "anyOf" | "oneOf", Value::Array(members)) => {
                for (i, member) in members.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    schema(member, at)?;
                    at.truncate(len);
                }
            }
            ("items" | "additionalProperties" | "not", child) => schema(child, at)?,
            _ => {}
        }
        at.truncate(len);
    }
    ref_with_siblings(map);
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(mut examples)) = map.remove("examples")
        && !map.contains_key("example")
        && !examples.is_empty()
    {
        map.insert("example".into(), examples.swap_remove(0));
    }
    exclusive(map, "exclusiveMinimum", "minimum", |new, old| new >= old);
    exclusive(map, "exclusiveMaximum", "maximum", |new, old| new <= old);
    type_list(map);
    null_branches(map, "anyOf");
    null_branches(map, "oneOf");
    Ok(())
}

/// `$ref` beside other keywords: 3.1 applies both, 3.0 would ignore the siblings.
fn ref_with_siblings(map: &mut Map<String, Value>) {
    if map.len() > 1
        && let Some(reference) = map.remove("$ref")
    {
        let mut members = match map.remove("allOf") {
            Some(Value::Array(members)) => members,
            _ => Vec::new(),
        };
        members.insert(0, json!({ "$ref": reference }));
        map.insert("allOf".into(), Value::Array(members));
    }
}

/// A numeric 3.1 `exclusiveMinimum` becomes 3.0's `minimum` + `exclusiveMinimum: true`,
/// unless `minimum` is already the stricter bound (`stricter(exclusive, minimum)`).
fn exclusive(
    map: &mut Map<String, Value>,
    keyword: &str,
    bound: &str,
    stricter: fn(f64, f64) -> bool,
) {
    let Some(limit) = map.get(keyword).filter(|v| v.is_number()).cloned() else {
        return;
    };
    map.remove(keyword);
    let inclusive = map.get(bound).and_then(Value::as_f64);
    let exclusive = limit.as_f64().unwrap_or_default();
    if inclusive.is_none_or(|old| stricter(exclusive, old)) {
        map.insert(bound.into(), limit);
        map.insert(keyword.into(), json!(true));
    }
}

/// `type: [X, "null"]`, `type: "null"` and unions of types.
fn type_list(map: &mut Map<String, Value>) {
    let types: Vec<Value> = match map.get("type") {
        Some(Value::Array(types)) => types.clone(),
        Some(Value::String(t)) if t == "null" => vec![json!("null")],
        _ => return,
    };
    let null = json!("null");
    let others: Vec<Value> = types.iter().filter(|t| **t != null).cloned().collect();
    map.remove("type");
    if others.len() < types.len() {
        map.insert("nullable".into(), json!(true));
    }
    match others.as_slice() {
        [] => {
            map.insert("enum".into(), json!([null]));
        }
        [one] => {
            map.insert("type".into(), one.clone());
        }
        many => {
            let branches = many.iter().map(|t| json!({ "type": t })).collect();
            map.insert("anyOf".into(), Value::Array(branches));
        }
    }
}

/// Whether a (normalised) schema allows only null: `{type: "null"}` was.
fn only_null(schema: &Value) -> bool {
    schema.get("type").is_none() && schema.get("enum") == Some(&json!([null]))
}

/// `anyOf: [S, {type: "null"}]` (or `oneOf`) becomes S, nullable.
fn null_branches(map: &mut Map<String, Value>, keyword: &str) {
    let Some(Value::Array(members)) = map.get(keyword) else {
        return;
    };
    if !members.iter().any(only_null) {
        return;
    }
    let mut rest: Vec<Value> = members.iter().filter(|m| !only_null(m)).cloned().collect();
    map.remove(keyword);
    map.insert("nullable".into(), json!(true));
    match rest.len() {
        0 => {
            map.insert("enum".into(), json!([null]));
        }
        1 => match rest.pop() {
            Some(Value::Object(one)) if one.len() == 1 && one.contains_key("$ref") => {
                let mut all = match map.remove("allOf") {
                    Some(Value::Array(all)) => all,
                    _ => Vec::new(),
                };
                all.insert(0, Value::Object(one));
                map.insert("allOf".into(), Value::Array(all));
            }
            Some(Value::Object(one)) => {
                for (key, value) in one {
                    map.entry(key).or_insert(value);
                }
            }
            _ => {}
        },
        _ => {
            map.insert(keyword.into(), Value::Array(rest));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(schema: Value) -> Value {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
        normalize(&mut doc).unwrap();
        doc["components"]["schemas"]["S"].take()
    }

    #[test]
    fn nullable_forms_become_nullable() {
        assert_eq!(
            normalized(json!({"type": ["string", "null"], "format": "email"})),
            json!({"type": "string", "format": "email", "nullable": true})
        );
        assert_eq!(
            normalized(
                json!({"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "N", "default": 0})
            ),
            json!({"type": "integer", "title": "N", "default": 0, "nullable": true})
        );
        assert_eq!(
            normalized(json!({"oneOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "nullable": true})
        );
        assert_eq!(
            normalized(json!({"type": "null"})),
            json!({"enum": [null], "nullable": true})
        );
        assert_eq!(
            normalized(json!({"type": ["string", "integer", "null"]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
        assert_eq!(
            normalized(
                json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})
            ),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn keywords_become_their_3_0_forms() {
        assert_eq!(
            normalized(json!({"const": "a", "examples": ["a", "b"]})),
            json!({"enum": ["a"], "example": "a"})
        );
        assert_eq!(
            normalized(
                json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 5})
            ),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 5})
        );
        assert_eq!(
            normalized(json!({"$ref": "#/components/schemas/T", "description": "d"})),
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "description": "d"})
        );
        // Nested schemas are normalised too, innermost first.
        assert_eq!(
            normalized(
                json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": ["number", "null"]}}}})
            ),
            json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "number", "nullable": true}}}})
        );
    }

    #[test]
    fn refused_keywords_name_their_pointer() {
        let mut doc = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {
            "content": {"application/json": {"schema": {"properties": {"x": {"prefixItems": []}}}}}
        }}}}}});
        let error = normalize(&mut doc).unwrap_err().to_string();
        assert!(
            error.contains(
                "`prefixItems` at /paths/~1a/get/responses/200/content/application~1json/schema/properties/x/prefixItems"
            ),
            "{error}"
        );
    }

    #[test]
    fn examples_and_webhooks_are_left_alone() {
        let mut doc = json!({"openapi": "3.1.0",
            "webhooks": {"w": {"post": {"requestBody": {"content": {"a/b": {"schema": {"if": {}}}}}}}},
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": ["string", "null"]},
                "example": {"schema": {"type": ["x", "null"]}}}}}}}}}});
        normalize(&mut doc).unwrap();
        let media = &doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["example"]["schema"]["type"], json!(["x", "null"]));
        assert_eq!(media["schema"]["nullable"], true);
        assert_eq!(doc["openapi"], "3.0.3");
    }
}
