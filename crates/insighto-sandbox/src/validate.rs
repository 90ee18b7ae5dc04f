//! Request validation with FastAPI's error shape: `{"detail": [{loc, msg, type}]}`.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::{
    json::{self, JsonError},
    lax,
    spec::{Field, FieldKind, spec},
};

/// One validation problem, as FastAPI reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl Issue {
    pub fn new(loc: Vec<Value>, msg: impl Into<String>, kind: &str) -> Self {
        Self {
            loc,
            msg: msg.into(),
            kind: kind.to_owned(),
        }
    }
}

/// The body of a 422 response.
pub fn error_body(issues: &[Issue]) -> Value {
    json!({ "detail": issues })
}

/// Checks a `user_id` path parameter (any form pydantic reads as a uuid).
pub fn user_id(raw: &str) -> Result<uuid::Uuid, Issue> {
    lax::parse_uuid(raw)
        .map_err(|(kind, msg)| Issue::new(vec![json!("path"), json!("user_id")], msg, kind))
}

/// The request body as FastAPI reads it, before validation.
#[derive(Debug)]
pub enum Body {
    /// No body at all.
    Missing,
    /// A JSON body (declared `application/json` or `application/*+json`).
    Json(Value),
    /// A body of another (or no) content type: FastAPI hands the bytes to the model,
    /// which refuses them.
    Other,
}

/// Why a body could not be read, found before authentication (as FastAPI does).
#[derive(Debug)]
pub enum BodyError {
    /// A JSON syntax error: 422 with `loc: ["body", character offset]`.
    Syntax(Vec<Issue>),
    /// Not UTF-8, or nested too deeply: 400 "There was an error parsing the body".
    Unparsable,
}

/// Reads a body the way FastAPI's request handler does: only a JSON content type is
/// parsed, with Python's `json` rules.
pub fn read_body(content_type: Option<&str>, body: &[u8]) -> Result<Body, BodyError> {
    if body.is_empty() {
        return Ok(Body::Missing);
    }
    if !content_type.is_some_and(is_json) {
        return Ok(Body::Other);
    }
    match json::parse(body) {
        Ok(value) => Ok(Body::Json(value)),
        Err(JsonError::Syntax(pos)) => Err(BodyError::Syntax(vec![Issue::new(
            vec![json!("body"), json!(pos)],
            "JSON decode error",
            "json_invalid",
        )])),
        Err(JsonError::Unparsable) => Err(BodyError::Unparsable),
    }
}

/// `application/json` or `application/*+json`, read as Python's `email.message` reads a
/// content type (parameters dropped, case ignored, anything odd is `text/plain`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some((main, sub)) if !sub.contains('/') => {
            main == "application" && (sub == "json" || sub.ends_with("+json"))
        }
        _ => false,
    }
}

/// Checks an update body; returns the fields to change, normalised as pydantic would.
pub fn update_body(body: Body) -> Result<Map<String, Value>, Vec<Issue>> {
    match body {
        Body::Missing => Err(vec![Issue::new(
            vec![json!("body")],
            "Field required",
            "missing",
        )]),
        Body::Json(Value::Object(object)) => profile_fields(object, true),
        Body::Json(_) | Body::Other => Err(vec![Issue::new(
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
        )]),
    }
}

/// Checks the given profile fields (unknown ones are ignored, as FastAPI does) and
/// returns the known ones normalised. With `updatable_only`, fields the update body
/// does not carry (`id`, the counts) are ignored too.
pub fn profile_fields(
    object: Map<String, Value>,
    updatable_only: bool,
) -> Result<Map<String, Value>, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut clean = Map::new();
    for (name, value) in object {
        let Some(field) = spec().fields.iter().find(|f| f.name == name) else {
            continue;
        };
        if updatable_only && !field.updatable {
            continue;
        }
        match check(field, &value) {
            Ok(v) => {
                clean.insert(name, v);
            }
            Err((kind, msg)) => {
                issues.push(Issue::new(vec![json!("body"), json!(name)], msg, kind))
            }
        }
    }
    if issues.is_empty() {
        Ok(clean)
    } else {
        Err(issues)
    }
}

fn check(field: &Field, value: &Value) -> Result<Value, lax::Refusal> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match field.kind {
        FieldKind::String => match value {
            Value::String(_) => Ok(value.clone()),
            _ => Err(("string_type", "Input should be a valid string".into())),
        },
        FieldKind::Number => match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(("float_type", "Input should be a valid number".into())),
        },
        FieldKind::Boolean => lax::boolean(value),
        FieldKind::Integer => match value.as_i64() {
            Some(n) => Ok(json!(n)),
            None => Err(("int_type", "Input should be a valid integer".into())),
        },
        FieldKind::Email => lax::email(value),
        FieldKind::Uuid => lax::uuid(value),
        FieldKind::DateTime => lax::datetime(value),
        // Arrays, objects and untyped values are stored as sent.
        _ => Ok(value.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validated(content_type: Option<&str>, body: &str) -> Result<Map<String, Value>, Vec<Issue>> {
        match read_body(content_type, body.as_bytes()) {
            Ok(body) => update_body(body),
            Err(BodyError::Syntax(issues)) => Err(issues),
            Err(BodyError::Unparsable) => panic!("unparsable: {body}"),
        }
    }

    fn issues(body: &str) -> Vec<Issue> {
        validated(Some("application/json"), body).unwrap_err()
    }

    #[test]
    fn accepts_values_nulls_and_ignores_unknown_and_read_only() {
        let ok = validated(
            Some("application/vnd.api+json; charset=utf-8"),
            r#"{"first_name":"Ada","phone":null,"role_id":"3C90C3CC0D444B5088888DD25736052A",
                "birthdate":"2000-01-02T03:04:05+01:00","id":"x","nope":1,"email":"a.b+c@Ex-Ample.com",
                "is_trial":"yes"}"#,
        )
        .unwrap();
        assert_eq!(ok["first_name"], "Ada");
        assert!(ok["phone"].is_null());
        assert_eq!(ok["role_id"], "3c90c3cc-0d44-4b50-8888-8dd25736052a");
        assert_eq!(ok["birthdate"], "2000-01-02T03:04:05+01:00");
        assert_eq!(ok["email"], "a.b+c@ex-ample.com");
        assert_eq!(ok["is_trial"], true);
        assert!(!ok.contains_key("id") && !ok.contains_key("nope"));
    }

    #[test]
    fn points_at_each_bad_field() {
        let found = issues(
            r#"{"email":"nope","is_active":"maybe","role_id":"123","birthdate":"2020-01","phone":5}"#,
        );
        let mut locs: Vec<(String, String)> = found
            .iter()
            .map(|i| (i.loc[1].as_str().unwrap().to_owned(), i.kind.clone()))
            .collect();
        locs.sort();
        assert_eq!(
            locs,
            [
                ("birthdate", "datetime_from_date_parsing"),
                ("email", "value_error"),
                ("is_active", "bool_parsing"),
                ("phone", "string_type"),
                ("role_id", "uuid_parsing"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn malformed_and_non_object_bodies() {
        assert_eq!(issues("{").first().unwrap().loc, [json!("body"), json!(1)]);
        assert_eq!(issues("[1]").first().unwrap().kind, "model_attributes_type");
        assert_eq!(
            issues("null").first().unwrap().kind,
            "model_attributes_type"
        );
        assert_eq!(
            issues("   ").first().unwrap().loc,
            [json!("body"), json!(3)]
        );
        assert_eq!(issues("").first().unwrap().kind, "missing");
        for content_type in [None, Some("text/plain"), Some("application/json/x")] {
            let wrong_type = validated(content_type, "{}").unwrap_err();
            assert_eq!(
                wrong_type[0].kind, "model_attributes_type",
                "{content_type:?}"
            );
        }
        assert!(matches!(
            read_body(Some("application/json"), b"{\"first_name\": \"\xff\"}"),
            Err(BodyError::Unparsable)
        ));
    }
}
