//! What the sandbox knows of the API, read from the same `openapi.yaml` the client is
//! generated from, so the two cannot disagree about fields, types or formats.

use std::{collections::HashMap, sync::OnceLock};

use axum::http::StatusCode;

/// The kind of value a profile field holds on the wire, from the spec's type and format.
pub use insighto_spec::Kind as FieldKind;
/// The spec text, from the `insighto-spec` crate that the client is generated from too.
pub use insighto_spec::OPENAPI_YAML;

/// One field of the profile: its name, kind, and whether the update body may set it.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    pub updatable: bool,
}

/// The spec (served at `/api/v1/openapi.json`) and the profile fields in it.
pub struct Spec {
    pub model: &'static insighto_spec::Spec,
    pub fields: Vec<Field>,
    /// The status of each [`Answer`], indexed by the answer, read once from the spec.
    answers: [StatusCode; Answer::ALL.len()],
}

/// The error answers of the sandbox, each named as its response component in the spec
/// (`#/components/responses/Unauthorized`), whose status the spec gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    RequestTimeout,
    PayloadTooLarge,
    ValidationFailed,
}

impl Answer {
    /// Every answer, in declaration order (the index of [`Spec::answers`]).
    pub const ALL: [Self; 7] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::RequestTimeout,
        Self::PayloadTooLarge,
        Self::ValidationFailed,
    ];

    /// The name of its response component in the spec.
    pub const fn component(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::RequestTimeout => "RequestTimeout",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::ValidationFailed => "ValidationFailed",
        }
    }

    /// The status the spec documents for this answer; 500 if it documents none (a test
    /// keeps the bundled spec from that).
    pub fn status(self) -> StatusCode {
        spec().answers[self as usize]
    }
}

/// The parsed spec, built once.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let model = insighto_spec::Spec::bundled();
        let updatable = model.component_fields("UserProfileUpdate");
        let fields = model
            .component_fields("UserProfile")
            .into_iter()
            .map(|field| Field {
                updatable: updatable.iter().any(|u| u.name == field.name),
                name: field.name,
                kind: field.kind,
            })
            .collect();
        let named: HashMap<&str, u16> = (model.operations().iter())
            .flat_map(|op| op.named_responses())
            .map(|(status, name)| (name, status))
            .collect();
        let answers = Answer::ALL.map(|answer| {
            (named.get(answer.component()))
                .and_then(|&code| StatusCode::from_u16(code).ok())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        });
        Spec {
            model,
            fields,
            answers,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_profile_fields_from_the_spec() {
        let fields = &spec().fields;
        assert_eq!(fields.len(), 28);
        assert_eq!(fields.iter().filter(|f| f.updatable).count(), 25);
        let kind = |n: &str| fields.iter().find(|f| f.name == n).unwrap().kind;
        assert_eq!(kind("email"), FieldKind::Email);
        assert_eq!(kind("birthdate"), FieldKind::DateTime);
        assert_eq!(kind("role_id"), FieldKind::Uuid);
        assert_eq!(kind("is_paying"), FieldKind::Boolean);
        assert_eq!(kind("follower_count"), FieldKind::Integer);
        assert!(!fields.iter().find(|f| f.name == "id").unwrap().updatable);
    }

    #[test]
    fn every_answer_has_its_status_in_the_spec() {
        for answer in Answer::ALL {
            let status = answer.status();
            assert!(status.is_client_error(), "{answer:?}: {status}");
        }
        assert_eq!(Answer::Unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            Answer::ValidationFailed.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
