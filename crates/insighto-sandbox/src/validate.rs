//! Request validation with FastAPI's error shape: `{"detail": [{loc, msg, type}]}`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::spec::{Field, FieldKind, spec};

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

/// Checks a `user_id` path parameter.
pub fn user_id(raw: &str) -> Result<uuid::Uuid, Issue> {
    parse_uuid(raw).ok_or_else(|| {
        Issue::new(
            vec![json!("path"), json!("user_id")],
            "Input should be a valid UUID",
            "uuid_parsing",
        )
    })
}

/// Parses and checks an update body; returns the fields to change, normalised.
pub fn update_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Map<String, Value>, Vec<Issue>> {
    let not_an_object = || {
        vec![Issue::new(
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
        )]
    };
    if let Some(ct) = content_type {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let is_json = essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"));
        if !is_json {
            return Err(not_an_object());
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![Issue::new(
            vec![json!("body")],
            "Field required",
            "missing",
        )]);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![Issue::new(
            vec![json!("body"), json!(e.column())],
            "JSON decode error",
            "json_invalid",
        )]
    })?;
    let Value::Object(object) = value else {
        return Err(not_an_object());
    };
    profile_fields(object, true)
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
        match check(field, value) {
            Ok(v) => {
                clean.insert(name, v);
            }
            Err((msg, kind)) => {
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

fn check(field: &Field, value: Value) -> Result<Value, (&'static str, &'static str)> {
    if value.is_null() {
        return Ok(value);
    }
    match field.kind {
        FieldKind::String => match value {
            Value::String(_) => Ok(value),
            _ => Err(("Input should be a valid string", "string_type")),
        },
        FieldKind::Boolean => match value {
            Value::Bool(_) => Ok(value),
            _ => Err(("Input should be a valid boolean", "bool_type")),
        },
        FieldKind::Integer => match value.as_i64() {
            Some(n) => Ok(json!(n)),
            None => Err(("Input should be a valid integer", "int_type")),
        },
        FieldKind::Email => match value.as_str() {
            Some(s) if is_email(s) => Ok(value),
            Some(_) => Err(("value is not a valid email address", "value_error")),
            None => Err(("Input should be a valid string", "string_type")),
        },
        FieldKind::Uuid => match value.as_str().map(parse_uuid) {
            Some(Some(id)) => Ok(json!(id.hyphenated().to_string())),
            Some(None) => Err(("Input should be a valid UUID", "uuid_parsing")),
            None => Err(("UUID input should be a string", "uuid_type")),
        },
        FieldKind::DateTime => match value.as_str().map(DateTime::parse_from_rfc3339) {
            Some(Ok(dt)) => Ok(json!(canonical_datetime(dt.with_timezone(&Utc)))),
            Some(Err(_)) => Err((
                "Input should be a valid datetime",
                "datetime_from_date_parsing",
            )),
            None => Err(("Input should be a valid datetime", "datetime_type")),
        },
    }
}

/// The form date-times are stored and served in.
pub fn canonical_datetime(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Only the hyphenated form (`8-4-4-4-12`), which is what `format: uuid` means.
fn parse_uuid(s: &str) -> Option<uuid::Uuid> {
    (s.len() == 36)
        .then(|| uuid::Uuid::try_parse(s).ok())
        .flatten()
}

/// A pragmatic address check: `local@domain`, a dotted domain of letters, digits and
/// hyphens, no whitespace or control characters.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && !"()<>[]:;,\\\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(body: &str) -> Vec<Issue> {
        update_body(Some("application/json"), body.as_bytes()).unwrap_err()
    }

    #[test]
    fn accepts_values_nulls_and_ignores_unknown_and_read_only() {
        let ok = update_body(
            None,
            br#"{"first_name":"Ada","phone":null,"role_id":"3C90C3CC-0D44-4B50-8888-8DD25736052A",
                "birthdate":"2000-01-02T03:04:05+01:00","id":"x","nope":1,"email":"a.b+c@ex-ample.com"}"#,
        )
        .unwrap();
        assert_eq!(ok["first_name"], "Ada");
        assert!(ok["phone"].is_null());
        assert_eq!(ok["role_id"], "3c90c3cc-0d44-4b50-8888-8dd25736052a");
        assert_eq!(ok["birthdate"], "2000-01-02T02:04:05Z");
        assert!(!ok.contains_key("id") && !ok.contains_key("nope"));
    }

    #[test]
    fn points_at_each_bad_field() {
        let found = issues(
            r#"{"email":"nope","is_active":"yes","role_id":"123","birthdate":"2020-01-01","phone":5}"#,
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
                ("is_active", "bool_type"),
                ("phone", "string_type"),
                ("role_id", "uuid_parsing"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn malformed_and_non_object_bodies() {
        assert_eq!(issues("{").first().unwrap().kind, "json_invalid");
        assert_eq!(issues("[1]").first().unwrap().kind, "model_attributes_type");
        assert_eq!(issues("").first().unwrap().kind, "missing");
        assert_eq!(
            issues(&"[".repeat(10_000)).first().unwrap().kind,
            "json_invalid"
        );
        let wrong_type = update_body(Some("text/plain"), b"{}").unwrap_err();
        assert_eq!(wrong_type[0].kind, "model_attributes_type");
        let invalid_utf8 = update_body(None, b"{\"first_name\": \"\xff\"}").unwrap_err();
        assert_eq!(invalid_utf8[0].kind, "json_invalid");
    }

    #[test]
    fn email_check() {
        for good in [
            "a@b.co",
            "x.y+z@sub.example.org",
            "0@A.COM",
            "!#$%&'*+-/=?^_`{|}~@a.b",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.co",
            "a@b",
            "a b@c.de",
            "a@-b.co",
            "a..b@c.de",
            "a@b..co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
