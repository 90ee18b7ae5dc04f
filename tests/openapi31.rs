//! OpenAPI 3.1 as FastAPI writes it diffs like its 3.0 equivalent. The document is the
//! reference app's own (`tests/fastapi-reference`, `app.openapi()`), generated at test
//! time by `dump_openapi.py`; `openapi.json` there is a copy for offline runs, and a test
//! keeps it identical to what the app produces. Each variant of it (a property removed,
//! one added, a type changed, a field made required) must be classified like the same
//! edit of the hand-written 3.0 `openapi.yaml`.
//!
//! The app needs a Python with its requirements (`insighto_tests::reference_python`).
//! Without one the tests read the copy and say so, except in CI (`CI` set), where they
//! fail, as `tests/fastapi.rs` does.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use insighto_contract::{
    Spec,
    diff::{Change, Rule, Severity, diff},
};
use serde_json::{Value, json};

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fastapi-reference")
}

/// The app's document (JSON text) as it produces it now, or `None` (outside CI) without
/// Python.
fn generated() -> Option<String> {
    let python = insighto_tests::reference_python("generating FastAPI's document")?;
    let out = Command::new(&python)
        .arg("dump_openapi.py")
        .current_dir(reference_dir())
        .env_remove("INSIGHTO_REFERENCE_SEED")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("the app prints UTF-8"))
}

fn copy() -> String {
    std::fs::read_to_string(reference_dir().join("openapi.json")).unwrap()
}

/// FastAPI's document: generated when Python is there, else the checked-in copy.
fn fastapi_text() -> String {
    generated().unwrap_or_else(copy)
}

fn fastapi() -> Value {
    serde_json::from_str(&fastapi_text()).expect("the document is JSON")
}

/// openapi.yaml (the copy `insighto-spec` carries, kept identical).
fn ours() -> Value {
    insighto_tests::spec().doc().clone()
}

fn parse(doc: &Value) -> Spec {
    Spec::parse(&doc.to_string()).unwrap()
}

/// A change's rule, its two verdicts, and where (component name set aside).
type Meaning = (Rule, Severity, Severity, String);

/// What a change means, wherever the component it is in is named: the rule, both
/// verdicts, and the pointer with the component name set aside.
fn meaning(changes: &[Change]) -> Vec<Meaning> {
    let mut out: Vec<_> = changes
        .iter()
        .filter(|c| c.rule != Rule::DocsChanged)
        .map(|c| {
            let mut segments: Vec<&str> = c.pointer.split('/').collect();
            if segments.get(1..3) == Some(&["components", "schemas"]) && segments.len() > 3 {
                segments[3] = "*";
            }
            (c.rule, c.http, c.rust, segments.join("/"))
        })
        .collect();
    out.sort_by(|a, b| (a.0.to_string(), &a.3).cmp(&(b.0.to_string(), &b.3)));
    out
}

/// Applies `edit` to the 3.1 document (in component `fastapi_name`) and to openapi.yaml
/// (in `our_name`), and returns both diffs' meanings.
fn both(
    fastapi_name: &str,
    our_name: &str,
    edit_31: impl Fn(&mut Value),
    edit_30: impl Fn(&mut Value),
) -> (Vec<Meaning>, Vec<Meaning>) {
    let old_31 = fastapi();
    let mut new_31 = old_31.clone();
    edit_31(&mut new_31["components"]["schemas"][fastapi_name]);
    let old_30 = ours();
    let mut new_30 = old_30.clone();
    edit_30(&mut new_30["components"]["schemas"][our_name]);
    (
        meaning(&diff(&parse(&old_31), &parse(&new_31))),
        meaning(&diff(&Spec::from_doc(old_30), &Spec::from_doc(new_30))),
    )
}

#[test]
fn the_copy_is_what_the_app_produces() {
    if let Some(now) = generated() {
        assert!(
            now == copy(),
            "tests/fastapi-reference/openapi.json is stale: run `python dump_openapi.py > openapi.json` there"
        );
        assert!(now.contains("\"openapi\": \"3.1"));
    }
}

#[test]
fn a_property_removed() {
    let remove = |name: &'static str| {
        move |s: &mut Value| {
            s["properties"].as_object_mut().unwrap().remove(name);
        }
    };
    let (got, expected) = both(
        "IUserRead",
        "UserProfile",
        remove("first_name"),
        remove("first_name"),
    );
    assert_eq!(got, expected);
    assert_eq!(got[0].0, Rule::ResponseOptionalPropertyRemoved);
    let (got, expected) = both(
        "IUserUpdate",
        "UserProfileUpdate",
        remove("phone"),
        remove("phone"),
    );
    assert_eq!((got[0].0, &got), (Rule::RequestPropertyRemoved, &expected));
}

#[test]
fn a_property_added() {
    let (got, expected) = both(
        "IUserRead",
        "UserProfile",
        |s| {
            s["properties"]["nickname"] =
                json!({"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Nickname"})
        },
        |s| {
            s["properties"]["nickname"] =
                json!({"type": "string", "nullable": true, "description": "A nickname."})
        },
    );
    assert_eq!(got, expected);
    assert_eq!(got[0].0, Rule::ResponsePropertyAdded);
}

#[test]
fn a_type_changed() {
    let (got, expected) = both(
        "IUserRead",
        "UserProfile",
        |s| s["properties"]["follower_count"]["anyOf"][0]["type"] = json!("string"),
        |s| s["properties"]["follower_count"]["type"] = json!("string"),
    );
    assert_eq!(got, expected);
    assert!(
        got.iter()
            .any(|m| m.0 == Rule::TypeChanged && m.1 == Severity::Breaking),
        "{got:?}"
    );
    // A field that stops being nullable, written the 3.1 way: `type: [X, "null"]` to `X`.
    let (got, expected) = both(
        "IUserRead",
        "UserProfile",
        |s| s["properties"]["phone"] = json!({"type": ["string", "null"]}),
        |_| {},
    );
    assert!(got.is_empty() && expected.is_empty(), "{got:?}");
}

#[test]
fn a_field_made_required() {
    let require = |name: &'static str| {
        move |s: &mut Value| {
            let list = s
                .as_object_mut()
                .unwrap()
                .entry("required")
                .or_insert(json!([]));
            list.as_array_mut().unwrap().push(json!(name));
        }
    };
    let (got, expected) = both(
        "IUserRead",
        "UserProfile",
        require("email"),
        require("email"),
    );
    assert_eq!(got, expected);
    assert_eq!(got[0].0, Rule::ResponsePropertyBecameRequired);
    let (got, mut expected) = both(
        "IUserUpdate",
        "UserProfileUpdate",
        require("email"),
        require("email"),
    );
    // openapi.yaml's update fields are `Patch<T>` in Rust (`x-insighto-rust-type`), which
    // FastAPI's are not, so only openapi.yaml's Rust type changes (`Option<Patch<String>>`
    // to `Patch<String>`): a difference of the two documents, not of the two dialects.
    let patch = expected.iter().position(|m| m.0 == Rule::RustTypeChanged);
    assert!(patch.is_some(), "{expected:?}");
    expected.retain(|m| m.0 != Rule::RustTypeChanged);
    assert_eq!(got, expected);
    assert_eq!(
        (got[0].0, got[0].1),
        (Rule::RequestPropertyBecameRequired, Severity::Breaking)
    );
}

#[test]
fn yaml_and_json_read_the_same() {
    let json = fastapi_text();
    // Through serde_yaml_ng's own value, which keeps the mapping order.
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&json).unwrap();
    let yaml = serde_yaml_ng::to_string(&yaml).unwrap();
    assert!(yaml.starts_with("openapi: 3.1"), "{}", &yaml[..40]);
    let (from_yaml, from_json) = (Spec::parse(&yaml).unwrap(), Spec::parse(&json).unwrap());
    assert_eq!(from_yaml.doc(), from_json.doc());
    assert!(diff(&from_yaml, &from_json).is_empty());
    let names = |s: &Spec| {
        s.component_fields("IUserRead")
            .into_iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&from_json)[..3],
        ["first_name", "last_name", "email"],
        "document order"
    );
    assert_eq!(names(&from_yaml), names(&from_json));
}
