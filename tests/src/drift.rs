//! A deliberately drifted service: one canned `GET /api/v1/user` answer per kind of
//! drift `insighto doctor` must find, each with the JSON pointer and kind it must name,
//! built from the spec's own documented example (which itself must conform).

use insighto::FindingKind;
use serde_json::{Value, json};

use crate::scripted::{Canned, documented_envelope};

/// One drifted answer and what the check must say of it.
pub struct Drift {
    /// What drifted, for failure messages.
    pub name: &'static str,
    pub canned: Canned,
    /// The pointer of the finding (`""` for the status line or the body as a whole).
    pub pointer: &'static str,
    pub kind: FindingKind,
}

fn edited(edit: impl FnOnce(&mut Value)) -> Canned {
    let mut body = documented_envelope();
    edit(&mut body);
    Canned::json(200, body)
}

/// Each kind of drift the issue names, plus the answers of a service that is not the API.
pub fn drifts() -> Vec<Drift> {
    use FindingKind::*;
    vec![
        Drift {
            name: "a new property",
            canned: edited(|b| b["data"]["nickname"] = json!("Ada")),
            pointer: "/data/nickname",
            kind: UnknownProperty,
        },
        Drift {
            name: "a required property missing",
            canned: edited(|b| {
                b["data"].as_object_mut().unwrap().remove("id");
            }),
            pointer: "/data/id",
            kind: MissingRequired,
        },
        Drift {
            name: "a type change",
            canned: edited(|b| b["data"]["follower_count"] = json!("123")),
            pointer: "/data/follower_count",
            kind: WrongType,
        },
        Drift {
            name: "a format change",
            canned: edited(|b| b["data"]["role_id"] = json!("role-42")),
            pointer: "/data/role_id",
            kind: WrongFormat,
        },
        Drift {
            name: "a null where none is allowed",
            canned: edited(|b| b["meta"] = Value::Null),
            pointer: "/meta",
            kind: UnexpectedNull,
        },
        Drift {
            name: "an undocumented status",
            canned: Canned::json(404, json!({"detail": "Not Found"})),
            pointer: "",
            kind: UndocumentedStatus,
        },
        Drift {
            name: "a redirect",
            canned: Canned::raw(302, "text/html", "").header("location", "http://127.0.0.1:9/"),
            pointer: "",
            kind: UndocumentedStatus,
        },
        Drift {
            name: "an HTML page",
            canned: Canned::raw(200, "text/html", "<html><body>Welcome</body></html>"),
            pointer: "",
            kind: WrongContentType,
        },
        Drift {
            name: "a body that is not JSON",
            canned: Canned::raw(200, "application/json", "<html>"),
            pointer: "",
            kind: NotJson,
        },
    ]
}
