//! The classifier on a corpus of spec mutations, one per rule, each with its expected
//! verdict for HTTP clients and for Rust SDK users.

use insighto_contract::{
    Spec,
    diff::{Severity, Severity::*, diff, markdown},
};
use serde_json::{Value, json};

const GET: &str = "/paths/~1api~1v1~1user/get";
const PUT: &str = "/paths/~1api~1v1~1user~1{user_id}/put";

fn base() -> Value {
    Spec::parse(include_str!("../../../openapi.yaml"))
        .unwrap()
        .doc
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"))
}

fn remove(doc: &mut Value, pointer: &str, key: &str) {
    at(doc, pointer)
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap_or_else(|| panic!("no {pointer}/{key}"));
}

type Edit = fn(&mut Value);

/// `before` edits the base revision, `after` the new one; each starts from openapi.yaml.
struct Case {
    name: &'static str,
    before: Edit,
    after: Edit,
    rule: &'static str,
    http: Severity,
    rust: Severity,
}

fn none(_: &mut Value) {}

fn optional_param(d: &mut Value) {
    at(d, GET)["parameters"] = json!([{"name": "verbose", "in": "query", "required": false, "description": "More.", "schema": {"type": "boolean"}}]);
}

fn plan_enum(d: &mut Value) {
    at(d, "/components/schemas/UserProfileUpdate/properties")["plan"] =
        json!({"type": "string", "enum": ["basic", "pro"], "description": "Plan."});
}

fn status_enum(d: &mut Value) {
    at(
        d,
        "/components/schemas/UserProfile/properties/stripe_subscription_status",
    )["enum"] = json!(["active", "canceled"]);
}

fn corpus() -> Vec<Case> {
    vec![
        Case {
            name: "operation removed",
            before: none,
            after: |d| remove(d, "/paths/~1api~1v1~1user", "get"),
            rule: "operation-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "operationId changed",
            before: none,
            after: |d| at(d, GET)["operationId"] = json!("get_me"),
            rule: "operation-id-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "method changed",
            before: none,
            after: |d| {
                let op = at(d, GET).take();
                let item = at(d, "/paths/~1api~1v1~1user");
                item.as_object_mut().unwrap().remove("get");
                item["post"] = op;
            },
            rule: "method-changed",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "path changed",
            before: none,
            after: |d| {
                let item = d["paths"]
                    .as_object_mut()
                    .unwrap()
                    .remove("/api/v1/user/{user_id}")
                    .unwrap();
                d["paths"]["/api/v1/users/{user_id}"] = item;
            },
            rule: "path-changed",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "success status removed",
            before: none,
            after: |d| {
                let ok = at(d, &format!("{GET}/responses"))
                    .as_object_mut()
                    .unwrap()
                    .remove("200")
                    .unwrap();
                at(d, &format!("{GET}/responses"))["201"] = ok;
            },
            rule: "success-status-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "error status removed",
            before: none,
            after: |d| remove(d, &format!("{GET}/responses"), "429"),
            rule: "error-status-removed",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "media type removed",
            before: none,
            after: |d| remove(d, "/components/responses/ServerError/content", "text/plain"),
            rule: "media-type-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "response property removed",
            before: none,
            after: |d| remove(d, "/components/schemas/UserProfile/properties", "phone"),
            rule: "response-property-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "required response property removed",
            before: none,
            after: |d| {
                remove(
                    d,
                    "/components/schemas/UserProfileResponse/properties",
                    "meta",
                )
            },
            rule: "response-property-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "response property became optional",
            before: none,
            after: |d| at(d, "/components/schemas/UserProfile")["required"] = json!([]),
            rule: "response-property-became-optional",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "required response property became nullable",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfile/properties/id")["nullable"] = json!(true)
            },
            rule: "response-became-nullable",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "optional response property became nullable",
            before: |d| {
                remove(
                    d,
                    "/components/schemas/UserProfile/properties/phone",
                    "nullable",
                )
            },
            after: none,
            rule: "response-became-nullable",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "response type changed",
            before: none,
            after: |d| {
                at(
                    d,
                    "/components/schemas/UserProfile/properties/follower_count",
                )["type"] = json!("string")
            },
            rule: "type-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "uuid format dropped",
            before: none,
            after: |d| {
                remove(
                    d,
                    "/components/schemas/UserProfile/properties/role_id",
                    "format",
                )
            },
            rule: "format-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "email format dropped",
            before: none,
            after: |d| {
                remove(
                    d,
                    "/components/schemas/UserProfile/properties/email",
                    "format",
                )
            },
            rule: "format-changed",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "response enum value added",
            before: status_enum,
            after: |d| {
                status_enum(d);
                at(
                    d,
                    "/components/schemas/UserProfile/properties/stripe_subscription_status/enum",
                )
                .as_array_mut()
                .unwrap()
                .push(json!("paused"));
            },
            rule: "response-enum-value-added",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "response enum value removed",
            before: status_enum,
            after: |d| {
                status_enum(d);
                at(
                    d,
                    "/components/schemas/UserProfile/properties/stripe_subscription_status/enum",
                )
                .as_array_mut()
                .unwrap()
                .pop();
            },
            rule: "response-enum-value-removed",
            http: NonBreaking,
            rust: Breaking,
        },
        Case {
            name: "response oneOf branch added",
            before: none,
            after: |d| {
                at(d, "/components/schemas/ValidationLocation/oneOf")
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"type": "boolean", "description": "b"}))
            },
            rule: "response-branch-added",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "new required request property",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfileUpdate/properties")["nickname"] =
                    json!({"type": "string", "description": "n"});
                at(d, "/components/schemas/UserProfileUpdate")["required"] = json!(["nickname"]);
            },
            rule: "request-property-added-required",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "request property became required",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfileUpdate")["required"] = json!(["first_name"])
            },
            rule: "request-property-became-required",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "new required parameter",
            before: none,
            after: |d| at(d, GET)["parameters"] = json!([{"name": "fields", "in": "query", "required": true, "description": "f", "schema": {"type": "string"}}]),
            rule: "parameter-added-required",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "parameter became required",
            before: optional_param,
            after: |d| {
                optional_param(d);
                at(d, &format!("{GET}/parameters/0"))["required"] = json!(true);
            },
            rule: "parameter-became-required",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "parameter removed",
            before: optional_param,
            after: none,
            rule: "parameter-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "path parameter type changed",
            before: none,
            after: |d| remove(d, &format!("{PUT}/parameters/0/schema"), "format"),
            rule: "format-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "request enum value removed",
            before: plan_enum,
            after: |d| {
                plan_enum(d);
                at(
                    d,
                    "/components/schemas/UserProfileUpdate/properties/plan/enum",
                )
                .as_array_mut()
                .unwrap()
                .pop();
            },
            rule: "request-enum-value-removed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "request enum value added",
            before: plan_enum,
            after: |d| {
                plan_enum(d);
                at(
                    d,
                    "/components/schemas/UserProfileUpdate/properties/plan/enum",
                )
                .as_array_mut()
                .unwrap()
                .push(json!("team"));
            },
            rule: "request-enum-value-added",
            http: NonBreaking,
            rust: NonBreaking,
        },
        Case {
            name: "request property became non-nullable",
            before: none,
            after: |d| remove(d, "/components/schemas/NullableString", "nullable"),
            rule: "request-became-non-nullable",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "request maxLength tightened",
            before: |d| at(d, "/components/schemas/NullableString")["maxLength"] = json!(100),
            after: |d| at(d, "/components/schemas/NullableString")["maxLength"] = json!(10),
            rule: "request-constraint-tightened",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "request pattern added",
            before: none,
            after: |d| at(d, "/components/schemas/NullableString")["pattern"] = json!("^[a-z]+$"),
            rule: "request-constraint-tightened",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "request minimum relaxed",
            before: |d| {
                at(d, "/components/schemas/UserProfileUpdate/properties")["age"] =
                    json!({"type": "integer", "minimum": 18, "description": "a"})
            },
            after: |d| {
                at(d, "/components/schemas/UserProfileUpdate/properties")["age"] =
                    json!({"type": "integer", "minimum": 13, "description": "a"})
            },
            rule: "request-constraint-relaxed",
            http: NonBreaking,
            rust: NonBreaking,
        },
        Case {
            name: "security scheme moved to a header",
            before: none,
            after: |d| at(d, "/components/securitySchemes/apiKey")["in"] = json!("header"),
            rule: "security-scheme-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "operation security removed",
            before: none,
            after: |d| at(d, GET)["security"] = json!([]),
            rule: "security-requirement-changed",
            http: Breaking,
            rust: Breaking,
        },
        Case {
            name: "server removed",
            before: none,
            after: |d| {
                d["servers"] = json!([{"url": "https://api2.insighto.ai", "description": "x"}])
            },
            rule: "server-removed",
            http: Breaking,
            rust: NonBreaking,
        },
        Case {
            name: "response closed to unknown fields",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfile")["additionalProperties"] = json!(false)
            },
            rule: "closed-to-unknown-fields",
            http: NonBreaking,
            rust: Breaking,
        },
        Case {
            name: "response property became required",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfile")["required"] = json!(["id", "phone"])
            },
            rule: "response-property-became-required",
            http: NonBreaking,
            rust: Breaking,
        },
        Case {
            name: "request property removed",
            before: none,
            after: |d| {
                remove(
                    d,
                    "/components/schemas/UserProfileUpdate/properties",
                    "phone",
                )
            },
            rule: "request-property-removed",
            http: NonBreaking,
            rust: Breaking,
        },
        Case {
            name: "operation added",
            before: none,
            after: |d| {
                let op = at(d, GET).clone();
                at(d, "/paths/~1api~1v1~1user")["delete"] = op;
                at(d, "/paths/~1api~1v1~1user/delete")["operationId"] = json!("delete_user");
            },
            rule: "operation-added",
            http: NonBreaking,
            rust: NonBreaking,
        },
        Case {
            name: "new optional request property",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfileUpdate/properties")["nickname"] =
                    json!({"type": "string", "nullable": true, "description": "n"})
            },
            rule: "request-property-added-optional",
            http: NonBreaking,
            rust: NonBreaking,
        },
        Case {
            name: "new optional response property",
            before: none,
            after: |d| {
                at(d, "/components/schemas/UserProfile/properties")["avatar_url"] =
                    json!({"type": "string", "nullable": true, "description": "a"})
            },
            rule: "response-property-added",
            http: NonBreaking,
            rust: NonBreaking,
        },
        Case {
            name: "new error status",
            before: |d| remove(d, &format!("{GET}/responses"), "403"),
            after: none,
            rule: "status-added",
            http: NonBreaking,
            rust: NonBreaking,
        },
    ]
}

#[test]
fn every_rule_gets_its_verdict() {
    let mut failures = Vec::new();
    for case in corpus() {
        let (mut old, mut new) = (base(), base());
        (case.before)(&mut old);
        (case.after)(&mut new);
        let changes = diff(&Spec { doc: old }, &Spec { doc: new });
        let hit = changes
            .iter()
            .any(|c| c.rule == case.rule && c.http == case.http && c.rust == case.rust);
        if !hit {
            failures.push(format!(
                "{}: expected {} ({:?}/{:?}), got {:#?}",
                case.name, case.rule, case.http, case.rust, changes
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn docs_only_changes_are_docs_only() {
    let mut new = base();
    at(&mut new, GET)["summary"] = json!("Read my profile");
    at(&mut new, "/components/schemas/UserProfile/properties/phone")["description"] =
        json!("Where to call.");
    at(&mut new, "/info")["description"] = json!("Changed.");
    *at(
        &mut new,
        "/components/examples/DocumentedProfileEnvelope/value/message",
    ) = json!("Hello");
    let changes = diff(&Spec { doc: base() }, &Spec { doc: new });
    assert!(changes.len() >= 3, "{changes:#?}");
    assert!(
        changes.iter().all(|c| c.http == Docs && c.rust == Docs),
        "{changes:#?}"
    );
}

#[test]
fn reordering_is_no_change() {
    fn reverse(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.reverse();
                for (k, mut v) in entries {
                    if k != "examples" && k != "example" && k != "oneOf" {
                        reverse(&mut v);
                    }
                    map.insert(k, v);
                }
            }
            Value::Array(items) => {
                items.iter_mut().for_each(reverse);
            }
            _ => {}
        }
    }
    let mut new = base();
    reverse(&mut new);
    at(&mut new, "/components/schemas/UserProfileResponse/required")
        .as_array_mut()
        .unwrap()
        .reverse();
    at(&mut new, "/components/schemas/ValidationLocation/oneOf")
        .as_array_mut()
        .unwrap()
        .reverse();
    let changes = diff(&Spec { doc: base() }, &Spec { doc: new });
    assert!(changes.is_empty(), "{changes:#?}");
}

#[test]
fn markdown_groups_by_severity_and_flags_disagreement() {
    let mut new = base();
    remove(
        &mut new,
        "/components/schemas/UserProfileUpdate/properties",
        "phone",
    );
    at(&mut new, GET)["summary"] = json!("Read my profile");
    let report = markdown(&diff(&Spec { doc: base() }, &Spec { doc: new }), "main");
    assert!(
        report.contains("**1 breaking**, 0 non-breaking, 1 docs-only against `main`"),
        "{report}"
    );
    assert!(
        report.contains("### Breaking") && report.contains("### Docs-only"),
        "{report}"
    );
    assert!(
        report.contains("`request-property-removed` ⚠ views differ"),
        "{report}"
    );
}
