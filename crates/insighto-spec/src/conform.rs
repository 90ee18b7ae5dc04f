//! Strict conformance of a response to the spec: what `insighto doctor`, the client's
//! strict mode and its drift warnings report.
//!
//! The generated client is forgiving on purpose (absent fields, naive date-times, unknown
//! properties); this check is not. It says, for one response, every place where what
//! came differs from what `openapi.yaml` documents: an undocumented status or content
//! type, a body that is not JSON, and in the body a property the spec does not list, a
//! required one missing, a wrong type, a format not met, a null where none is allowed, a
//! value outside an enumeration or a bound. Each [`Finding`] names its JSON pointer,
//! what the spec says and what came, and shows no string that came: a string value, or
//! a status line's text, could hold a secret (a service that echoes the API key). Only
//! the kind of a value, and numbers and booleans, are shown; property names appear in
//! pointers (the caller redacts the key from them, as from anything it shows).
//!
//! The check is bounded: at most [`MAX_FINDINGS`] findings are kept (the rest are
//! counted), longer names than [`MAX_NAME_CHARS`] are not shown, and the depth of the walk is
//! that of the JSON (serde_json refuses more than 128 levels).

use std::fmt;

use serde_json::Value;

use crate::{Operation, Spec, escape};

/// How many findings one check keeps; the others are counted in [`Findings::omitted`].
pub const MAX_FINDINGS: usize = 100;

/// Property names longer than this are not shown in pointers (a hostile body could send
/// a megabyte-long name).
pub const MAX_NAME_CHARS: usize = 128;

/// What kind of difference a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// A property the spec does not list (and whose object does not allow others).
    UnknownProperty,
    /// A required property is absent.
    MissingRequired,
    /// A value of another type than documented.
    WrongType,
    /// A string that does not meet its `format` (uuid, date-time, email, ...).
    WrongFormat,
    /// `null` where the spec does not allow it.
    UnexpectedNull,
    /// A value outside the documented `enum`.
    NotInEnum,
    /// A value outside a documented bound (length, range, item count).
    Constraint,
    /// A status the operation does not document.
    UndocumentedStatus,
    /// A content type the response does not document.
    WrongContentType,
    /// A body documented as JSON that is not JSON.
    NotJson,
}

impl FindingKind {
    /// Every kind, in the order they are listed.
    pub const ALL: [FindingKind; 10] = [
        Self::UnknownProperty,
        Self::MissingRequired,
        Self::WrongType,
        Self::WrongFormat,
        Self::UnexpectedNull,
        Self::NotInEnum,
        Self::Constraint,
        Self::UndocumentedStatus,
        Self::WrongContentType,
        Self::NotJson,
    ];

    /// Its name in reports and JSON output, such as `unknown-property`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownProperty => "unknown-property",
            Self::MissingRequired => "missing-required",
            Self::WrongType => "wrong-type",
            Self::WrongFormat => "wrong-format",
            Self::UnexpectedNull => "unexpected-null",
            Self::NotInEnum => "not-in-enum",
            Self::Constraint => "constraint",
            Self::UndocumentedStatus => "undocumented-status",
            Self::WrongContentType => "wrong-content-type",
            Self::NotJson => "not-json",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place where a response differs from the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    /// Where: a JSON pointer into the body (`/data/follower_count`), empty for the body
    /// as a whole or the status line.
    pub pointer: String,
    /// What kind of difference.
    pub kind: FindingKind,
    /// What the spec says, such as `integer` or `string (format uuid)`.
    pub expected: String,
    /// What came, without any string value: `string`, `null`, `number 1.5`, `status 404`.
    pub found: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(body)"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{at}: {}: expected {}, found {}",
            self.kind, self.expected, self.found
        )
    }
}

/// The findings of one check, at most [`MAX_FINDINGS`], and how many more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// The findings kept, in the order the walk met them.
    pub list: Vec<Finding>,
    /// How many more were found and not kept.
    pub omitted: usize,
}

impl Findings {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.omitted == 0
    }

    /// How many were found in all.
    pub fn total(&self) -> usize {
        self.list.len() + self.omitted
    }

    fn push(&mut self, pointer: &str, kind: FindingKind, expected: String, found: String) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(Finding {
                pointer: pointer.to_owned(),
                kind,
                expected,
                found,
            });
        } else {
            self.omitted += 1;
        }
    }
}

impl Spec {
    /// Checks one response to `operation` against the spec: its status, its content
    /// type (`None`: no `Content-Type` header) and, for a JSON media type, its body.
    ///
    /// ```
    /// use insighto_spec::{Spec, conform::FindingKind};
    ///
    /// let spec = Spec::bundled();
    /// let get = spec.operation("get_user_profile").unwrap();
    /// let body = br#"{"message": null, "meta": {}, "data": {"id": "nope", "extra": 1}}"#;
    /// let found = spec.check_response(&get, 200, Some("application/json"), body);
    /// let kinds: Vec<_> = found.list.iter().map(|f| (f.pointer.as_str(), f.kind)).collect();
    /// assert_eq!(kinds, [("/data/extra", FindingKind::UnknownProperty), ("/data/id", FindingKind::WrongFormat)]);
    /// assert!(!found.list.iter().any(|f| f.found.contains("nope")), "string values are never shown");
    /// ```
    pub fn check_response(
        &self,
        operation: &Operation<'_>,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Findings {
        let mut out = Findings::default();
        let Some(response) = operation.response(status) else {
            let documented = operation.statuses().join(", ");
            out.push(
                "",
                FindingKind::UndocumentedStatus,
                format!("one of the documented statuses ({documented})"),
                format!("status {status}"),
            );
            return out;
        };
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            // A response documented without content: nothing more to check.
            return out;
        };
        let essence = content_type.map(media_type_essence);
        let media = essence
            .as_deref()
            .and_then(|e| content.iter().find(|(m, _)| m.eq_ignore_ascii_case(e)));
        let Some((name, media)) = media else {
            let documented: Vec<&str> = content.keys().map(String::as_str).collect();
            out.push(
                "",
                FindingKind::WrongContentType,
                format!("Content-Type {}", documented.join(" or ")),
                match &essence {
                    Some(e) if is_token_media_type(e) => format!("Content-Type {e}"),
                    Some(_) => "a Content-Type that is not a media type".to_owned(),
                    None => "no Content-Type".to_owned(),
                },
            );
            return out;
        };
        if !is_json(name) {
            return out;
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                out.push(
                    "",
                    FindingKind::NotJson,
                    "a JSON body".to_owned(),
                    format!("a body that is not JSON ({})", json_error_kind(&e)),
                );
                return out;
            }
        };
        if let Some(schema) = media.get("schema") {
            self.check_value_into(schema, &value, &mut String::new(), &mut out);
        }
        out
    }

    /// Checks a JSON value against a schema of the spec (`$ref`s followed, `allOf`
    /// merged); pointers start at the value.
    pub fn check_value(&self, schema: &Value, value: &Value) -> Findings {
        let mut out = Findings::default();
        self.check_value_into(schema, value, &mut String::new(), &mut out);
        out
    }

    fn check_value_into(&self, schema: &Value, value: &Value, at: &mut String, out: &mut Findings) {
        let schema = self.effective(schema);
        if !schema.is_object() {
            // No schema (or past the model's budget): anything goes.
            return;
        }
        let ty = schema.get("type").and_then(Value::as_str);
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
            let enum_has_null = schema["enum"]
                .as_array()
                .is_some_and(|values| values.contains(&Value::Null));
            let constrained = ty.is_some() || schema.get("enum").is_some();
            if constrained && !nullable && !enum_has_null {
                out.push(
                    at,
                    FindingKind::UnexpectedNull,
                    expected(&schema),
                    found(value),
                );
            }
            return;
        }
        if let Some(ty) = ty
            && !has_type(value, ty)
        {
            out.push(at, FindingKind::WrongType, expected(&schema), found(value));
            return;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            let shown = if value.is_string() {
                "a string not in the list".to_owned()
            } else {
                found(value)
            };
            out.push(at, FindingKind::NotInEnum, enum_list(values), shown);
        }
        for (keyword, branches) in [("oneOf", "one of"), ("anyOf", "any of")] {
            if let Some(list) = schema.get(keyword).and_then(Value::as_array) {
                let matching = list
                    .iter()
                    .filter(|branch| self.check_value(branch, value).is_empty())
                    .count();
                let ok = if keyword == "oneOf" {
                    matching == 1
                } else {
                    matching >= 1
                };
                if !ok {
                    let names: Vec<String> =
                        list.iter().map(|b| expected(&self.effective(b))).collect();
                    out.push(
                        at,
                        FindingKind::WrongType,
                        format!("{branches}: {}", names.join(", ")),
                        found(value),
                    );
                }
            }
        }
        match value {
            Value::String(s) => self.check_string(&schema, s, at, out),
            Value::Number(_) => check_number(&schema, value, at, out),
            Value::Array(items) => {
                check_count(
                    &schema,
                    items.len(),
                    "minItems",
                    "maxItems",
                    "items",
                    at,
                    out,
                );
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        let len = at.len();
                        at.push('/');
                        at.push_str(&i.to_string());
                        self.check_value_into(item_schema, item, at, out);
                        at.truncate(len);
                    }
                }
            }
            Value::Object(map) => self.check_object(&schema, map, at, out),
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        map: &serde_json::Map<String, Value>,
        at: &mut String,
        out: &mut Findings,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str()
                && !map.contains_key(name)
            {
                let pointer = format!("{at}/{}", pointer_segment(name));
                let wanted = properties
                    .and_then(|p| p.get(name))
                    .map(|s| expected(&self.effective(s)))
                    .unwrap_or_else(|| "a value".to_owned());
                out.push(
                    &pointer,
                    FindingKind::MissingRequired,
                    format!("required {wanted}"),
                    "nothing".to_owned(),
                );
            }
        }
        let additional = schema.get("additionalProperties");
        for (name, item) in map {
            let len = at.len();
            at.push('/');
            at.push_str(&pointer_segment(name));
            match (properties.and_then(|p| p.get(name)), additional) {
                (Some(property), _) => self.check_value_into(property, item, at, out),
                // `additionalProperties: true` (or a schema) opens the object.
                (None, Some(Value::Bool(true))) => {}
                (None, Some(extra @ Value::Object(_))) => {
                    self.check_value_into(extra, item, at, out)
                }
                (None, _) => out.push(
                    at,
                    FindingKind::UnknownProperty,
                    "only the properties the spec lists".to_owned(),
                    format!("a property the spec does not list ({})", kind_of(item)),
                ),
            }
            at.truncate(len);
        }
        check_count(
            schema,
            map.len(),
            "minProperties",
            "maxProperties",
            "properties",
            at,
            out,
        );
    }

    fn check_string(&self, schema: &Value, s: &str, at: &str, out: &mut Findings) {
        let chars = s.chars().count();
        check_count(
            schema,
            chars,
            "minLength",
            "maxLength",
            "characters",
            at,
            out,
        );
        let Some(format) = schema.get("format").and_then(Value::as_str) else {
            return;
        };
        let problem = match format {
            "uuid" => (!is_uuid(s)).then_some("a string that is not a uuid"),
            "date-time" => date_time_problem(s),
            "date" => (!is_date(s)).then_some("a string that is not a date"),
            "email" => (!is_email(s)).then_some("a string that is not an email address"),
            // Other formats (uri, byte, password, ...) are not checked.
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(
                at,
                FindingKind::WrongFormat,
                expected(schema),
                problem.to_owned(),
            );
        }
    }
}

fn check_number(schema: &Value, value: &Value, at: &str, out: &mut Findings) {
    let Some(n) = value.as_f64() else { return };
    let format = schema.get("format").and_then(Value::as_str);
    let in_format = match format {
        Some("int32") => value.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
        Some("int64") => value.as_i64().is_some(),
        _ => true,
    };
    if !in_format {
        out.push(at, FindingKind::WrongFormat, expected(schema), found(value));
    }
    let exclusive = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    let low = schema.get("minimum").and_then(Value::as_f64);
    let high = schema.get("maximum").and_then(Value::as_f64);
    let below = low.is_some_and(|m| n < m || (exclusive("exclusiveMinimum") && n == m));
    let above = high.is_some_and(|m| n > m || (exclusive("exclusiveMaximum") && n == m));
    if below || above {
        out.push(at, FindingKind::Constraint, expected(schema), found(value));
    }
}

/// A count (items, properties, characters) against its documented bounds.
fn check_count(
    schema: &Value,
    count: usize,
    min: &str,
    max: &str,
    what: &str,
    at: &str,
    out: &mut Findings,
) {
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    let too_few = bound(min).is_some_and(|m| (count as u64) < m);
    let too_many = bound(max).is_some_and(|m| (count as u64) > m);
    if too_few || too_many {
        let range = match (bound(min), bound(max)) {
            (Some(lo), Some(hi)) => format!("{lo} to {hi} {what}"),
            (Some(lo), None) => format!("at least {lo} {what}"),
            (None, Some(hi)) => format!("at most {hi} {what}"),
            (None, None) => unreachable!("a bound was exceeded"),
        };
        out.push(
            at,
            FindingKind::Constraint,
            range,
            format!("{count} {what}"),
        );
    }
}

/// What an effective schema documents, in a few words: `integer (format int64)`,
/// `string (format uuid) or null`.
fn expected(schema: &Value) -> String {
    let mut text = match schema.get("type").and_then(Value::as_str) {
        Some(ty) => ty.to_owned(),
        None if schema.get("enum").is_some() => "a listed value".to_owned(),
        None => "any value".to_owned(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        text.push_str(&format!(" (format {format})"));
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        text.push_str(" or null");
    }
    text
}

/// What came, shown only where it cannot hold a secret: a number or a boolean is
/// shown, a string or a container only by its kind.
fn found(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("number {n}"),
        Value::Bool(b) => format!("boolean {b}"),
        other => kind_of(other).to_owned(),
    }
}

/// The JSON kind of a value.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` has the OpenAPI type `ty`. An integer is a JSON number without a
/// fraction or exponent, as the client's decoder reads one (`5.0` does not decode into
/// an `i64`).
fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        // An unknown type name constrains nothing the client could check.
        _ => true,
    }
}

fn enum_list(values: &[Value]) -> String {
    // Enumerations are the spec's own text, safe to show.
    let shown: Vec<String> = values.iter().take(10).map(Value::to_string).collect();
    let more = if values.len() > 10 { ", ..." } else { "" };
    format!("one of {}{more}", shown.join(", "))
}

/// A property name as a pointer segment: escaped, and past [`MAX_NAME_CHARS`] replaced
/// by its length (a hostile body could send a megabyte-long name; a part of one could
/// be a part of a secret, which the caller could no longer recognise to redact).
fn pointer_segment(name: &str) -> String {
    let chars = name.chars().count();
    if chars <= MAX_NAME_CHARS {
        escape(name)
    } else {
        format!("({chars}-character name)")
    }
}

/// `application/json; charset=utf-8` -> `application/json`, lower case.
fn media_type_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is `type/subtype` of token characters, short enough to show:
/// shorter than any API key (46 characters, 43 after `in-`), so that a service echoing
/// the key as its content type does not get it shown.
fn is_token_media_type(essence: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    essence.len() <= 40
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s))
}

/// `application/json` and `application/*+json`.
fn is_json(media_type: &str) -> bool {
    let media_type = media_type.to_ascii_lowercase();
    media_type == "application/json" || media_type.ends_with("+json")
}

/// Why serde_json refused a body, without quoting it.
fn json_error_kind(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "it ends too early",
        Category::Syntax => "a syntax error",
        Category::Data | Category::Io => "it cannot be read",
    };
    format!("{what} at line {}, column {}", e.line(), e.column())
}

/// The hyphenated form of RFC 9562 (`8-4-4-4-12` hex digits), the one `format: uuid`
/// documents and services send.
pub fn is_uuid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Why `s` is not an RFC 3339 date-time (`None` if it is one): a date, `T`, a time with
/// optional fraction, and an offset (`Z` or `+hh:mm`).
pub fn date_time_problem(s: &str) -> Option<&'static str> {
    const NOT: &str = "a string that is not a date-time";
    let (Some(date), Some(rest)) = (s.get(..10), s.get(10..)) else {
        return Some(NOT);
    };
    if !is_date(date) {
        return Some(NOT);
    }
    let Some(time) = rest.strip_prefix(['T', 't']) else {
        return Some(NOT);
    };
    let digits = |t: &str, at: usize| t.get(at..at + 2).and_then(two_digits);
    let (Some(h), Some(m), Some(sec)) = (digits(time, 0), digits(time, 3), digits(time, 6)) else {
        return Some(NOT);
    };
    let separators = time.get(2..3) == Some(":") && time.get(5..6) == Some(":");
    if !separators || h > 23 || m > 59 || sec > 60 {
        return Some(NOT);
    }
    let mut offset = &time[8..];
    if let Some(fraction) = offset.strip_prefix('.') {
        let count = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if count == 0 {
            return Some(NOT);
        }
        offset = &fraction[count..];
    }
    match offset {
        "" => Some("a date-time without a UTC offset"),
        "Z" | "z" => None,
        _ => {
            let ok = offset.len() == 6
                && offset.starts_with(['+', '-'])
                && offset.get(3..4) == Some(":")
                && digits(offset, 1).is_some_and(|h| h <= 23)
                && digits(offset, 4).is_some_and(|m| m <= 59);
            (!ok).then_some(NOT)
        }
    }
}

/// `YYYY-MM-DD`, a day that exists.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| {
        let part = &s[range];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn two_digits(s: &str) -> Option<u32> {
    s.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| s.parse().ok())
        .flatten()
}

/// An address with one `@`, a local part, and a domain of dot-separated labels with no
/// spaces: what email validators (pydantic's `EmailStr` among them) agree on.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    !local.is_empty()
        && !local.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> &'static Spec {
        Spec::bundled()
    }

    /// The documented example envelope of the GET's 200.
    fn documented() -> Value {
        spec().doc()["components"]["examples"]["DocumentedProfileEnvelope"]["value"].clone()
    }

    fn check(body: &Value) -> Vec<(String, FindingKind)> {
        let get = spec().operation("get_user_profile").unwrap();
        let text = serde_json::to_vec(body).unwrap();
        let found =
            spec().check_response(&get, 200, Some("application/json; charset=utf-8"), &text);
        found
            .list
            .into_iter()
            .map(|f| (f.pointer, f.kind))
            .collect()
    }

    #[test]
    fn the_documented_example_conforms() {
        assert_eq!(check(&documented()), []);
    }

    #[test]
    fn each_kind_of_drift_is_found_at_its_pointer() {
        use FindingKind::*;
        type Edit = fn(&mut Value);
        let cases: [(&str, Edit, FindingKind); 8] = [
            (
                "/data/nickname",
                |b| b["data"]["nickname"] = json!("x"),
                UnknownProperty,
            ),
            (
                "/data/id",
                |b| drop(b["data"].as_object_mut().unwrap().remove("id")),
                MissingRequired,
            ),
            (
                "/meta",
                |b| drop(b.as_object_mut().unwrap().remove("meta")),
                MissingRequired,
            ),
            (
                "/data/follower_count",
                |b| b["data"]["follower_count"] = json!("12"),
                WrongType,
            ),
            (
                "/data/follower_count",
                |b| b["data"]["follower_count"] = json!(1.5),
                WrongType,
            ),
            (
                "/data/role_id",
                |b| b["data"]["role_id"] = json!("not-a-uuid"),
                WrongFormat,
            ),
            (
                "/data/birthdate",
                |b| b["data"]["birthdate"] = json!("2024-05-01T10:20:30"),
                WrongFormat,
            ),
            (
                "/data/id",
                |b| b["data"]["id"] = Value::Null,
                UnexpectedNull,
            ),
        ];
        for (pointer, edit, kind) in cases {
            let mut body = documented();
            edit(&mut body);
            assert_eq!(
                check(&body),
                [(pointer.to_owned(), kind)],
                "{pointer} {kind}"
            );
        }
        // `meta` is open (`additionalProperties: true`); `data` nullables take null.
        let mut body = documented();
        body["meta"] = json!({"page": 1});
        body["data"]["phone"] = Value::Null;
        assert_eq!(check(&body), []);
    }

    #[test]
    fn status_content_type_and_body_are_checked() {
        let get = spec().operation("get_user_profile").unwrap();
        let ok = serde_json::to_vec(&documented()).unwrap();
        let kinds = |status, ct: Option<&str>, body: &[u8]| -> Vec<FindingKind> {
            let found = spec().check_response(&get, status, ct, body);
            found.list.iter().map(|f| f.kind).collect()
        };
        assert_eq!(
            kinds(404, Some("application/json"), b"{}"),
            [FindingKind::UndocumentedStatus]
        );
        assert_eq!(kinds(302, None, b""), [FindingKind::UndocumentedStatus]);
        assert_eq!(
            kinds(200, Some("text/html"), b"<html>"),
            [FindingKind::WrongContentType]
        );
        assert_eq!(kinds(200, None, &ok), [FindingKind::WrongContentType]);
        assert_eq!(
            kinds(200, Some("application/json"), b"<html>"),
            [FindingKind::NotJson]
        );
        assert_eq!(kinds(200, Some("Application/JSON"), &ok), []);
        // A documented error status is checked against its own schema.
        assert_eq!(
            kinds(
                401,
                Some("application/json"),
                br#"{"detail": "Not authenticated"}"#
            ),
            []
        );
        assert_eq!(
            kinds(401, Some("application/json"), br#"{"detail": 5}"#),
            [FindingKind::WrongType]
        );
        // 5XX documents text/plain too.
        assert_eq!(kinds(503, Some("text/plain"), b"down"), []);
    }

    #[test]
    fn no_string_that_came_is_shown() {
        let secret = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
        let mut body = documented();
        body["data"]["email"] = json!(secret);
        body["data"]["role_id"] = json!(secret);
        body["data"]["birthdate"] = json!(secret);
        body["data"]["follower_count"] = json!(secret);
        body["data"]["is_paying"] = json!(secret);
        let get = spec().operation("get_user_profile").unwrap();
        let text = serde_json::to_vec(&body).unwrap();
        let content_type = format!("application/{secret}");
        let found = spec().check_response(&get, 200, Some("application/json"), &text);
        assert_eq!(found.total(), 5, "{found:?}");
        let other = spec().check_response(&get, 200, Some(&content_type), &text);
        for finding in found.list.iter().chain(&other.list) {
            let shown = format!("{finding} {finding:?}");
            assert!(!shown.contains("0123456789abcdef"), "{shown}");
        }
    }

    #[test]
    fn findings_are_bounded() {
        let mut body = documented();
        let many: serde_json::Map<String, Value> =
            (0..1000).map(|i| (format!("extra{i}"), json!(i))).collect();
        body["data"].as_object_mut().unwrap().extend(many);
        body["data"]["x".repeat(10_000)] = json!(1);
        let get = spec().operation("get_user_profile").unwrap();
        let found = spec().check_response(
            &get,
            200,
            Some("application/json"),
            &serde_json::to_vec(&body).unwrap(),
        );
        assert_eq!((found.list.len(), found.total()), (MAX_FINDINGS, 1001));
        assert!(
            found
                .list
                .iter()
                .all(|f| f.pointer.len() < MAX_NAME_CHARS + 16)
        );
    }

    #[test]
    fn formats() {
        assert!(is_uuid("3c90c3cc-0d44-4b50-8888-8dd25736052a"));
        assert!(!is_uuid("3c90c3cc0d444b5088888dd25736052a"));
        assert!(!is_uuid("3c90c3cc-0d44-4b50-8888-8dd25736052g"));
        for ok in [
            "2023-11-07T05:31:56Z",
            "2024-02-29T23:59:60.123+05:30",
            "2023-11-07t05:31:56-00:00",
        ] {
            assert_eq!(date_time_problem(ok), None, "{ok}");
        }
        for bad in [
            "2023-11-07",
            "2023-02-29T00:00:00Z",
            "2023-11-07 05:31:56Z",
            "2023-11-07T24:00:00Z",
            "2023-11-07T05:31:56+0530",
            "2023-11-07T05:31:56.Z",
            "2023-11-07T05:3é:56Z",
            "",
            "2023-11-07T05:31:56+05:30x",
        ] {
            assert!(date_time_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(
            date_time_problem("2023-11-07T05:31:56.5"),
            Some("a date-time without a UTC offset")
        );
        assert!(
            is_email("jsmith@example.com")
                && !is_email("jsmith")
                && !is_email("a b@example.com")
                && !is_email("a@localhost")
        );
    }
}
