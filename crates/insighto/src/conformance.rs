//! Whether the service still answers as `openapi.yaml` says: the strict check behind
//! [`Client::check_conformance`](crate::Client::check_conformance) (`insighto doctor`),
//! [`ClientBuilder::strict_responses`](crate::ClientBuilder::strict_responses), and the
//! drift warnings of the forgiving default.
//!
//! The check itself is `insighto_spec::conform` on the spec this crate was generated
//! from; this module redacts the key from what it reports (a service may echo it, even
//! as a property name), decides when a response of the default mode is checked, and
//! warns once per new drift.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Mutex,
};

use insighto_spec::{Spec, conform};

use crate::{ApiKey, ResponseMeta, response::Head};

pub use insighto_spec::conform::{Finding, FindingKind};

/// The `tracing` target of the drift warnings, so that they can be filtered on their own
/// (`INSIGHTO_LOG=insighto::drift=warn`).
pub const DRIFT_TARGET: &str = "insighto::drift";

/// In the forgiving default, one response in this many (per operation, starting with the
/// first) is checked against the spec when a subscriber listens to [`DRIFT_TARGET`]'s
/// warnings: drift is a property of the service, so the first response finds it, and
/// sampling keeps the check (a second parse of the body) off the measured hot path.
/// A response the decoder had to forgive is always checked.
pub const DRIFT_SAMPLE_EVERY: u64 = 64;

/// How many distinct drifts one client remembers having warned about.
const MAX_REMEMBERED: usize = 1024;

/// The result of [`Client::check_conformance`](crate::Client::check_conformance): one
/// `GET /api/v1/user`, checked strictly against `openapi.yaml`.
#[derive(Debug, Clone)]
pub struct Conformance {
    operation: &'static str,
    method: &'static str,
    path: &'static str,
    findings: Vec<Finding>,
    omitted: usize,
    response: ResponseMeta,
}

impl Conformance {
    /// Whether the response matched the spec: no findings.
    pub fn conforms(&self) -> bool {
        self.findings.is_empty() && self.omitted == 0
    }

    /// The operation that was called (its `operationId`, such as `get_user_profile`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Its method (lower case) and path template, as the spec gives them:
    /// `("get", "/api/v1/user")`.
    pub fn route(&self) -> (&'static str, &'static str) {
        (self.method, self.path)
    }

    /// Where the response differs from the spec, in the order found (at most
    /// [`insighto_spec::conform::MAX_FINDINGS`]).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How many more findings there were than [`findings`](Self::findings) holds.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// The status and headers of the response that was checked.
    pub fn response(&self) -> &ResponseMeta {
        &self.response
    }
}

/// The spec the client was generated from, parsed once.
fn spec() -> &'static Spec {
    Spec::bundled()
}

/// The method and path template of an operation, from the spec.
fn route(operation: &str) -> Option<(&'static str, &'static str)> {
    let op = spec().operation(operation)?;
    Some((op.method, op.path))
}

/// Whether `operation` documents `status` (its own entry or its class).
pub(crate) fn documents(operation: &str, status: u16) -> bool {
    spec()
        .operation(operation)
        .is_some_and(|op| op.documents(status))
}

/// Checks one response strictly against the spec, the key redacted from every finding.
pub(crate) fn check(operation: &str, head: &Head, body: &[u8], key: &ApiKey) -> conform::Findings {
    let Some(op) = spec().operation(operation) else {
        return conform::Findings::default();
    };
    let content_type = head
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut found = spec().check_response(&op, head.status.as_u16(), content_type.as_deref(), body);
    for finding in &mut found.list {
        finding.pointer = redact_pointer(&finding.pointer, key);
        for text in [&mut finding.expected, &mut finding.found] {
            *text = key.redact(text);
        }
    }
    found
}

/// A JSON pointer with the key redacted from each segment, unescaped first: escaped,
/// a key holding `/` (as `~1`) would no longer read as the key.
fn redact_pointer(pointer: &str, key: &ApiKey) -> String {
    pointer
        .split('/')
        .map(|segment| {
            let name = segment.replace("~1", "/").replace("~0", "~");
            insighto_spec::escape(&key.redact(&name))
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The conformance report of a checked response.
pub(crate) fn report(
    operation: &'static str,
    found: conform::Findings,
    response: ResponseMeta,
) -> Conformance {
    let (method, path) = route(operation).unwrap_or_default();
    Conformance {
        operation,
        method,
        path,
        findings: found.list,
        omitted: found.omitted,
        response,
    }
}

/// The forgiving default's watch for drift: which responses to check, and which drifts
/// were already warned about (each is warned about once per client).
#[derive(Debug, Default)]
pub(crate) struct DriftWatch {
    /// Responses seen per operation, while someone listens.
    seen: Mutex<HashMap<&'static str, u64>>,
    /// (operation, kind, pointer) already warned about.
    warned: Mutex<HashSet<(&'static str, FindingKind, String)>>,
}

impl DriftWatch {
    /// Whether this response to `operation` is to be checked: only when a subscriber
    /// listens to the warnings, then the first and every [`DRIFT_SAMPLE_EVERY`]th.
    pub(crate) fn due(&self, operation: &'static str) -> bool {
        if !tracing::enabled!(target: DRIFT_TARGET, tracing::Level::WARN) {
            return false;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let count = seen.entry(operation).or_insert(0);
        let due = count.is_multiple_of(DRIFT_SAMPLE_EVERY);
        *count += 1;
        due
    }

    /// Warns about the drifts in `findings` not warned about before: one warning per
    /// kind, naming the pointers (never a value). `forgiven`: the decoder had to forgive
    /// the response to read it.
    pub(crate) fn warn(&self, operation: &'static str, findings: &[Finding], forgiven: bool) {
        let mut new: BTreeMap<FindingKind, Vec<&str>> = BTreeMap::new();
        {
            let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
            for finding in findings {
                let id = (operation, finding.kind, finding.pointer.clone());
                if warned.len() < MAX_REMEMBERED && warned.insert(id) {
                    new.entry(finding.kind).or_default().push(&finding.pointer);
                }
            }
        }
        for (kind, pointers) in new {
            tracing::warn!(
                target: DRIFT_TARGET,
                operation,
                kind = kind.as_str(),
                pointers = %pointers.join(", "),
                forgiven,
                "the response differs from openapi.yaml"
            );
        }
    }
}
