//! Classifies every change between two revisions of the spec, for two audiences:
//! HTTP clients in any language, and Rust users of the generated crate.
//!
//! Schemas are compared as what they mean, not as they are written: `$ref`s are followed
//! and an `allOf` is merged with the keywords beside it (`nullable`, constraints, formats,
//! descriptions) before comparing. The Rust view also compares the Rust type each field
//! gets (as typify maps it), so a component renamed with every reference moved is no
//! change on the wire but a breaking one for Rust users. Every rule is one row of
//! [`RULES`], with its verdict for each audience.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{Spec, escape, lint::normalize_template};

/// The extension naming the hand-written Rust type of a component schema (read by
/// insighto-codegen too): a change inside such a component keeps the Rust type.
pub const RUST_TYPE_EXTENSION: &str = "x-insighto-rust-type";

/// How much a change matters to one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Nothing changes for this audience.
    None,
    /// Documentation only: descriptions, summaries, examples.
    Docs,
    /// Existing users keep working.
    NonBreaking,
    /// Existing users can break.
    Breaking,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "no change",
            Self::Docs => "docs-only",
            Self::NonBreaking => "non-breaking",
            Self::Breaking => "breaking",
        }
    }
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    /// For HTTP clients in any language.
    pub http: Severity,
    /// For Rust code using the generated crate.
    pub rust: Severity,
    /// One line saying why.
    pub explanation: &'static str,
}

macro_rules! rules {
    ($($variant:ident = $id:literal, $http:ident, $rust:ident, $why:literal;)*) => {
        /// A classification rule; its verdicts and explanation are in [`RULES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        /// The rule table: every rule with its verdict for each audience.
        pub const RULES: &[(Rule, RuleInfo)] = &[
            $((Rule::$variant, RuleInfo { id: $id, http: $http, rust: $rust, explanation: $why }),)*
        ];

        impl Rule {
            pub fn info(self) -> &'static RuleInfo {
                match self { $(Rule::$variant => &RULES[Rule::$variant as usize].1),* }
            }
        }
    };
}

use Severity::{Breaking as B, Docs as D, NonBreaking as N, None as X};

rules! {
    DocsChanged = "docs-changed", D, D, "descriptions, summaries, titles, examples and tags are documentation";
    ServerRemoved = "server-removed", B, N, "clients configured with the old server fail; the Rust client's default base URL is set by hand";
    ServerAdded = "server-added", N, N, "one more place to send requests to";
    SecuritySchemeRemoved = "security-scheme-removed", B, B, "requests authenticated that way are refused";
    SecuritySchemeChanged = "security-scheme-changed", B, B, "requests authenticated the old way are refused; the Rust client adds the key by hand";
    SecuritySchemeAdded = "security-scheme-added", N, N, "a new way to authenticate, nobody has to use it";
    SecurityRequirementChanged = "security-requirement-changed", B, B, "what a request must carry to be accepted changed";
    OperationRemoved = "operation-removed", B, B, "requests to it fail and its Rust method is gone";
    OperationAdded = "operation-added", N, N, "a new endpoint and a new Rust method";
    OperationIdChanged = "operation-id-changed", B, B, "generated clients rename the method";
    MethodChanged = "method-changed", B, N, "old requests miss; the regenerated Rust method keeps its name";
    PathChanged = "path-changed", B, N, "old requests miss; the regenerated Rust method keeps its name";
    PathParameterRenamed = "path-parameter-renamed", X, B, "the URLs are the same, the generated builder method for the parameter is renamed";
    ParameterRemoved = "parameter-removed", B, B, "requests sending it may be refused; its builder method is gone";
    ParameterBecameRequired = "parameter-became-required", B, B, "requests without it are refused";
    ParameterAddedRequired = "parameter-added-required", B, B, "every old request lacks it";
    ParameterAddedOptional = "parameter-added-optional", N, N, "nobody has to send it; the builder gains a method";
    RequestBodyAddedRequired = "request-body-added-required", B, B, "old requests have no body";
    RequestBodyAddedOptional = "request-body-added-optional", N, N, "nobody has to send it";
    RequestBodyRemoved = "request-body-removed", B, B, "the operation no longer takes what clients send";
    RequestBodyBecameRequired = "request-body-became-required", B, B, "requests without a body are refused";
    SuccessStatusRemoved = "success-status-removed", B, B, "clients expecting that status get another";
    ErrorStatusRemoved = "error-status-removed", B, N, "clients handling it may mis-handle what comes instead; the Rust client decodes errors by hand";
    StatusAdded = "status-added", N, N, "a status documented that the service may already send";
    MediaTypeRemoved = "media-type-removed", B, B, "clients sending or expecting it break";
    MediaTypeAdded = "media-type-added", N, N, "one more representation";
    TypeChanged = "type-changed", B, B, "old values no longer fit, and neither does the Rust type";
    RequestFormatTightened = "request-format-tightened", B, N, "values accepted before may be refused";
    RequestFormatRelaxed = "request-format-relaxed", N, N, "every value accepted before still is";
    ResponseFormatTightened = "response-format-tightened", N, N, "responses stay within what clients expect";
    ResponseFormatRelaxed = "response-format-relaxed", B, N, "clients relying on the old format may break";
    FormatChanged = "format-changed", B, N, "one format replaced by another: neither side's values are safe";
    ResponseBecameNullable = "response-became-nullable", B, N, "clients that do not expect null break";
    ResponseBecameNonNullable = "response-became-non-nullable", N, N, "responses stay within what clients expect";
    RequestBecameNonNullable = "request-became-non-nullable", B, N, "requests sending null are refused";
    RequestBecameNullable = "request-became-nullable", N, N, "every request accepted before still is";
    RustTypeChanged = "rust-type-changed", X, B, "the Rust type of the field changes, so code naming or building it stops compiling";
    RequestEnumAdded = "request-enum-added", B, N, "only the listed values are accepted now";
    ResponseEnumAdded = "response-enum-added", N, N, "responses stay within what clients expect";
    RequestEnumRemoved = "request-enum-removed", N, N, "any value is accepted now";
    ResponseEnumRemoved = "response-enum-removed", B, N, "responses may carry values clients do not know";
    ResponseEnumValueAdded = "response-enum-value-added", B, B, "clients with exhaustive handling break; the generated Rust enum gains a variant";
    RequestEnumValueAdded = "request-enum-value-added", N, B, "nobody has to send it, but the generated Rust enum gains a variant and exhaustive matches stop compiling";
    RequestEnumValueRemoved = "request-enum-value-removed", B, B, "requests using it are refused; its Rust variant is gone";
    ResponseEnumValueRemoved = "response-enum-value-removed", N, B, "harmless on the wire, but its Rust variant is gone";
    RequestConstraintTightened = "request-constraint-tightened", B, N, "values accepted before are refused";
    RequestConstraintRelaxed = "request-constraint-relaxed", N, N, "every value accepted before still is";
    ResponseConstraintTightened = "response-constraint-tightened", N, N, "responses stay within what clients expect";
    ResponseConstraintRelaxed = "response-constraint-relaxed", B, N, "clients relying on the old bound may break";
    ResponseBranchAdded = "response-branch-added", B, B, "responses can take a shape clients do not know; the Rust enum gains a variant";
    RequestBranchAdded = "request-branch-added", N, B, "a new accepted shape; the Rust enum gains a variant";
    RequestBranchRemoved = "request-branch-removed", B, B, "requests of that shape are refused; the Rust enum loses a variant";
    ResponseBranchRemoved = "response-branch-removed", N, B, "harmless on the wire; the Rust enum loses a variant";
    ClosedToUnknownFields = "closed-to-unknown-fields", N, B, "additionalProperties: false becomes deny_unknown_fields: the Rust client fails on any field the server adds";
    RequestClosedToUnknownFields = "request-closed-to-unknown-fields", B, N, "requests with fields the server does not list are refused";
    OpenedToUnknownFields = "opened-to-unknown-fields", N, N, "unknown fields are allowed again";
    ResponsePropertyRemoved = "response-property-removed", B, B, "clients reading it get nothing; its Rust field is gone";
    RequestPropertyRemoved = "request-property-removed", N, B, "the server ignores it if sent, but its Rust field is gone";
    ResponsePropertyBecameOptional = "response-property-became-optional", B, N, "clients relying on its presence break";
    ResponsePropertyBecameRequired = "response-property-became-required", N, N, "responses stay within what clients expect";
    RequestPropertyBecameRequired = "request-property-became-required", B, N, "requests without it are refused";
    RequestPropertyBecameOptional = "request-property-became-optional", N, N, "every request accepted before still is";
    RequestPropertyAddedRequired = "request-property-added-required", B, B, "old requests are refused and callers must set a new field";
    RequestPropertyAddedOptional = "request-property-added-optional", N, N, "nobody has to send it; the struct is non_exhaustive and its builder gains a method";
    ResponsePropertyAdded = "response-property-added", N, N, "clients ignore unknown fields; the struct is non_exhaustive";
    ComponentRenamed = "component-renamed", X, B, "the same schema under a new name: nothing changes on the wire, the Rust type users name is gone";
    ComponentRemoved = "component-removed", X, B, "its Rust type is gone";
    ComponentAdded = "component-added", X, N, "a new Rust type";
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.info().id)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info().id)
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// JSON pointer into the new spec (the old one for removals).
    pub pointer: String,
    /// The rule that classified it; its severities are the rule's.
    pub rule: Rule,
    /// For HTTP clients in any language.
    pub http: Severity,
    /// For Rust code using the generated crate.
    pub rust: Severity,
    /// One line saying what changed.
    pub reason: String,
}

impl Change {
    /// The worse of the two views.
    pub fn severity(&self) -> Severity {
        self.http.max(self.rust)
    }

    /// Whether one audience breaks and the other does not.
    pub fn views_disagree(&self) -> bool {
        (self.http == Severity::Breaking) != (self.rust == Severity::Breaking)
    }
}

/// The verdict of a whole diff for one audience: its worst change (`None` for no change).
pub fn verdict(changes: &[Change], view: impl Fn(&Change) -> Severity) -> Severity {
    changes.iter().map(view).max().unwrap_or(Severity::None)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

impl Dir {
    /// The rule for `request` or `response` by direction.
    fn pick(self, request: Rule, response: Rule) -> Rule {
        match self {
            Self::Request => request,
            Self::Response => response,
        }
    }
}

struct Differ<'a> {
    old: &'a Spec,
    new: &'a Spec,
    /// Components mapped to a hand-written Rust type in either revision.
    mapped: BTreeMap<String, String>,
    changes: Vec<Change>,
    seen: BTreeSet<(String, String, String, bool)>,
}

/// Every change from `old` to `new`, worst first, then by location.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mapped = [old, new]
        .iter()
        .flat_map(|s| object(&s.doc["components"]["schemas"]))
        .filter_map(|(name, v)| Some((name, v.get(RUST_TYPE_EXTENSION)?.as_str()?.to_owned())))
        .collect();
    let mut d = Differ {
        old,
        new,
        mapped,
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    d.servers();
    d.security_schemes();
    d.components();
    d.operations();
    d.docs(
        &old.doc["info"],
        &new.doc["info"],
        "/info",
        &["title", "description", "contact", "license"],
    );
    let mut changes = d.changes;
    // A Rust type change already explained by a breaking change beneath it says nothing new.
    let explained: Vec<String> = changes
        .iter()
        .filter(|c| c.rule != Rule::RustTypeChanged && c.rust == B)
        .map(|c| c.pointer.clone())
        .collect();
    changes.retain(|c| {
        c.rule != Rule::RustTypeChanged
            || !explained
                .iter()
                .any(|p| p == &c.pointer || p.starts_with(&format!("{}/", c.pointer)))
    });
    let mut unique = BTreeSet::new();
    changes.retain(|c| unique.insert((c.pointer.clone(), c.rule, c.reason.clone())));
    changes.sort_by(|a, b| {
        b.severity()
            .cmp(&a.severity())
            .then_with(|| a.pointer.cmp(&b.pointer))
    });
    changes
}

impl Differ<'_> {
    fn add(&mut self, pointer: impl Into<String>, rule: Rule, reason: impl Into<String>) {
        let info = rule.info();
        self.changes.push(Change {
            pointer: pointer.into(),
            rule,
            http: info.http,
            rust: info.rust,
            reason: reason.into(),
        });
    }

    fn docs(&mut self, old: &Value, new: &Value, at: &str, keys: &[&str]) {
        for key in keys {
            if old.get(key) != new.get(key) {
                self.add(
                    format!("{at}/{key}"),
                    Rule::DocsChanged,
                    format!("{key} changed"),
                );
            }
        }
    }

    fn servers(&mut self) {
        let urls = |s: &Spec| -> BTreeSet<String> {
            s.doc["servers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v["url"].as_str().map(str::to_owned))
                .collect()
        };
        let (old, new) = (urls(self.old), urls(self.new));
        for url in old.difference(&new) {
            self.add(
                "/servers",
                Rule::ServerRemoved,
                format!("server {url} removed"),
            );
        }
        for url in new.difference(&old) {
            self.add("/servers", Rule::ServerAdded, format!("server {url} added"));
        }
    }

    fn security_schemes(&mut self) {
        let (old, new) = (
            object(&self.old.doc["components"]["securitySchemes"]),
            object(&self.new.doc["components"]["securitySchemes"]),
        );
        for (name, o) in &old {
            let at = format!("/components/securitySchemes/{}", escape(name));
            let Some(n) = new.get(name) else {
                self.add(
                    at,
                    Rule::SecuritySchemeRemoved,
                    format!("security scheme {name} removed"),
                );
                continue;
            };
            for key in [
                "type",
                "in",
                "name",
                "scheme",
                "bearerFormat",
                "flows",
                "openIdConnectUrl",
            ] {
                if o.get(key) != n.get(key) {
                    self.add(
                        format!("{at}/{key}"),
                        Rule::SecuritySchemeChanged,
                        format!("{key} of security scheme {name} changed"),
                    );
                }
            }
            self.docs(o, n, &at, &["description"]);
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.add(
                format!("/components/securitySchemes/{}", escape(name)),
                Rule::SecuritySchemeAdded,
                format!("security scheme {name} added"),
            );
        }
        if self.old.doc.get("security") != self.new.doc.get("security") {
            self.add(
                "/security",
                Rule::SecurityRequirementChanged,
                "the global security requirement changed",
            );
        }
    }

    /// Component schemas by name: each is a Rust type users can name, unless the spec
    /// maps it to a hand-written one. A schema that disappears under one name and
    /// appears, the same, under another was renamed.
    fn components(&mut self) {
        let types = |s: &Spec| -> BTreeMap<String, Value> {
            object(&s.doc["components"]["schemas"])
                .into_iter()
                .filter(|(name, _)| !self.mapped.contains_key(name))
                .collect()
        };
        let (old, new) = (types(self.old), types(self.new));
        let comparable = |v: &Value| {
            let mut v = v.clone();
            strip_docs(&mut v);
            v
        };
        let mut renamed_to = BTreeSet::new();
        for (name, schema) in old.iter().filter(|(n, _)| !new.contains_key(*n)) {
            let twin = new
                .iter()
                .filter(|(n, _)| !old.contains_key(*n) && !renamed_to.contains(*n))
                .find(|(_, v)| comparable(v) == comparable(schema));
            match twin {
                Some((to, _)) => {
                    renamed_to.insert(to.clone());
                    self.add(
                        format!("/components/schemas/{}", escape(to)),
                        Rule::ComponentRenamed,
                        format!("component {name} renamed to {to}: `types::{name}` is gone"),
                    );
                }
                None => self.add(
                    format!("/components/schemas/{}", escape(name)),
                    Rule::ComponentRemoved,
                    format!("component {name} removed: `types::{name}` is gone"),
                ),
            }
        }
        for name in new
            .keys()
            .filter(|n| !old.contains_key(*n) && !renamed_to.contains(*n))
        {
            self.add(
                format!("/components/schemas/{}", escape(name)),
                Rule::ComponentAdded,
                format!("component {name} added"),
            );
        }
    }

    fn operations(&mut self) {
        let index = |s: &Spec| -> BTreeMap<(String, String), (Value, String)> {
            s.operations()
                .into_iter()
                .map(|(p, m, op, ptr)| ((p, m), (op.clone(), ptr)))
                .collect()
        };
        let (old, new) = (index(self.old), index(self.new));
        let id = |op: &Value| op["operationId"].as_str().map(str::to_owned);
        // The operation of `new` that `(path, method)` of `old` became, if it moved.
        let moved = |path: &str, method: &str, op: &Value| {
            new.iter().filter(|(key, _)| !old.contains_key(*key)).find(
                |((npath, nmethod), (n, _))| {
                    (id(n).is_some() && id(n) == id(op))
                        || (nmethod == method
                            && normalize_template(npath) == normalize_template(path))
                },
            )
        };
        let mut moved_here = BTreeSet::new();
        for ((path, method), (op, ptr)) in &old {
            if let Some((n, nptr)) = new.get(&(path.clone(), method.clone())) {
                self.operation(op, n, nptr);
                continue;
            }
            let Some(((npath, nmethod), (n, nptr))) = moved(path, method, op) else {
                self.add(
                    ptr.clone(),
                    Rule::OperationRemoved,
                    format!("{} {path} removed", method.to_uppercase()),
                );
                continue;
            };
            moved_here.insert((npath.clone(), nmethod.clone()));
            let (m, nm) = (method.to_uppercase(), nmethod.to_uppercase());
            if npath == path {
                self.add(
                    nptr.clone(),
                    Rule::MethodChanged,
                    format!("{m} {path} is now {nm} {path}"),
                );
            } else if normalize_template(npath) == normalize_template(path) && m == nm {
                self.add(
                    nptr.clone(),
                    Rule::PathParameterRenamed,
                    format!("path parameters of {m} {path} renamed: {npath}"),
                );
            } else {
                self.add(
                    nptr.clone(),
                    Rule::PathChanged,
                    format!("{m} {path} moved to {nm} {npath}"),
                );
            }
            self.operation(op, n, nptr);
        }
        for ((path, method), (_, nptr)) in &new {
            let key = (path.clone(), method.clone());
            if !old.contains_key(&key) && !moved_here.contains(&key) {
                self.add(
                    nptr.clone(),
                    Rule::OperationAdded,
                    format!("{} {path} added", method.to_uppercase()),
                );
            }
        }
    }

    fn operation(&mut self, old: &Value, new: &Value, at: &str) {
        if old["operationId"] != new["operationId"] {
            self.add(
                format!("{at}/operationId"),
                Rule::OperationIdChanged,
                format!(
                    "operationId {} became {}",
                    old["operationId"], new["operationId"]
                ),
            );
        }
        self.docs(old, new, at, &["summary", "description", "tags"]);
        let security = |op: &Value, spec: &Spec| {
            op.get("security")
                .cloned()
                .unwrap_or_else(|| spec.doc["security"].clone())
        };
        if security(old, self.old) != security(new, self.new) {
            self.add(
                format!("{at}/security"),
                Rule::SecurityRequirementChanged,
                "the operation's security requirement changed",
            );
        }
        self.parameters(old, new, at);
        self.request_body(old, new, at);
        self.responses(old, new, at);
    }

    fn parameters(&mut self, old: &Value, new: &Value, at: &str) {
        // Path parameters are keyed by position: renaming one keeps the URL.
        let params = |spec: &Spec, op: &Value| -> BTreeMap<(String, String), Value> {
            let mut path_index = 0;
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| spec.resolve(p).clone())
                .map(|p| {
                    let place = p["in"].as_str().unwrap_or_default().to_owned();
                    let name = if place == "path" {
                        path_index += 1;
                        format!("#{path_index}")
                    } else {
                        p["name"].as_str().unwrap_or_default().to_owned()
                    };
                    ((place, name), p)
                })
                .collect()
        };
        let (o, n) = (params(self.old, old), params(self.new, new));
        let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
        for (key, op) in &o {
            let name = op["name"].as_str().unwrap_or_default();
            let place = &key.0;
            let Some(np) = n.get(key) else {
                self.add(
                    format!("{at}/parameters/{}", escape(name)),
                    Rule::ParameterRemoved,
                    format!("{place} parameter {name} removed"),
                );
                continue;
            };
            let ptr = format!(
                "{at}/parameters/{}",
                escape(np["name"].as_str().unwrap_or_default())
            );
            if !required(op) && required(np) {
                self.add(
                    format!("{ptr}/required"),
                    Rule::ParameterBecameRequired,
                    format!("{place} parameter {name} became required"),
                );
            }
            self.docs(op, np, &ptr, &["description", "example", "examples"]);
            self.rust_type(
                &op["schema"],
                &np["schema"],
                required(op),
                required(np),
                &ptr,
            );
            self.schema(
                &op["schema"],
                &np["schema"],
                &format!("{ptr}/schema"),
                Dir::Request,
            );
        }
        for (key, np) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
            let name = np["name"].as_str().unwrap_or_default();
            let (rule, what) = if required(np) {
                (Rule::ParameterAddedRequired, "required")
            } else {
                (Rule::ParameterAddedOptional, "optional")
            };
            self.add(
                format!("{at}/parameters/{}", escape(name)),
                rule,
                format!("new {what} {} parameter {name}", key.0),
            );
        }
    }

    fn request_body(&mut self, old: &Value, new: &Value, at: &str) {
        let (o, n) = (
            self.old.resolve(&old["requestBody"]).clone(),
            self.new.resolve(&new["requestBody"]).clone(),
        );
        let at = format!("{at}/requestBody");
        let required = |b: &Value| b["required"].as_bool().unwrap_or(false);
        match (o.is_null(), n.is_null()) {
            (true, true) => return,
            (true, false) => {
                let rule = if required(&n) {
                    Rule::RequestBodyAddedRequired
                } else {
                    Rule::RequestBodyAddedOptional
                };
                self.add(at, rule, "a request body was added");
                return;
            }
            (false, true) => {
                self.add(at, Rule::RequestBodyRemoved, "the request body was removed");
                return;
            }
            _ => {}
        }
        if !required(&o) && required(&n) {
            self.add(
                format!("{at}/required"),
                Rule::RequestBodyBecameRequired,
                "the request body became required",
            );
        }
        self.docs(&o, &n, &at, &["description"]);
        self.content(
            &o["content"],
            &n["content"],
            &format!("{at}/content"),
            Dir::Request,
        );
    }

    fn responses(&mut self, old: &Value, new: &Value, at: &str) {
        let (o, n) = (object(&old["responses"]), object(&new["responses"]));
        for (status, or) in &o {
            let ptr = format!("{at}/responses/{}", escape(status));
            match n.get(status) {
                None if status.starts_with('2') => self.add(
                    ptr,
                    Rule::SuccessStatusRemoved,
                    format!("success status {status} removed"),
                ),
                None => self.add(
                    ptr,
                    Rule::ErrorStatusRemoved,
                    format!("error status {status} removed"),
                ),
                Some(nr) => {
                    let (or, nr) = (self.old.resolve(or).clone(), self.new.resolve(nr).clone());
                    self.docs(&or, &nr, &ptr, &["description"]);
                    let content = format!("{ptr}/content");
                    self.content(&or["content"], &nr["content"], &content, Dir::Response);
                }
            }
        }
        for status in n.keys().filter(|s| !o.contains_key(*s)) {
            self.add(
                format!("{at}/responses/{}", escape(status)),
                Rule::StatusAdded,
                format!("status {status} documented"),
            );
        }
    }

    fn content(&mut self, old: &Value, new: &Value, at: &str, dir: Dir) {
        let (o, n) = (object(old), object(new));
        for (media, om) in &o {
            let ptr = format!("{at}/{}", escape(media));
            let Some(nm) = n.get(media) else {
                self.add(
                    ptr,
                    Rule::MediaTypeRemoved,
                    format!("media type {media} removed"),
                );
                continue;
            };
            self.docs(om, nm, &ptr, &["example", "examples"]);
            self.rust_type(&om["schema"], &nm["schema"], true, true, &ptr);
            self.schema(&om["schema"], &nm["schema"], &format!("{ptr}/schema"), dir);
        }
        for media in n.keys().filter(|m| !o.contains_key(*m)) {
            self.add(
                format!("{at}/{}", escape(media)),
                Rule::MediaTypeAdded,
                format!("media type {media} added"),
            );
        }
    }

    /// Compares the Rust types a value gets in the old and the new revision.
    fn rust_type(&mut self, old: &Value, new: &Value, old_req: bool, new_req: bool, at: &str) {
        if old.is_null() || new.is_null() {
            return;
        }
        let (o, n) = (
            rust_field_type(self.old, &self.mapped, old, old_req),
            rust_field_type(self.new, &self.mapped, new, new_req),
        );
        if o != n {
            self.add(
                at.to_owned(),
                Rule::RustTypeChanged,
                format!("the Rust type `{o}` became `{n}`"),
            );
        }
    }

    /// Compares the effective schemas `old` and `new`, seen in `dir`.
    fn schema(&mut self, old: &Value, new: &Value, at: &str, dir: Dir) {
        let o = effective(self.old, old);
        let n = effective(self.new, new);
        if o.is_null() || n.is_null() {
            return;
        }
        // A schema that is a component reports at the component, once.
        let at = match named(new) {
            Some(r) => r.trim_start_matches('#').to_owned(),
            None => at.to_owned(),
        };
        if !self.seen.insert((
            at.clone(),
            o.to_string(),
            n.to_string(),
            dir == Dir::Request,
        )) {
            return;
        }
        self.docs(&o, &n, &at, &["description", "title", "example"]);

        let (ot, nt) = (o["type"].as_str(), n["type"].as_str());
        if ot != nt {
            self.add(
                format!("{at}/type"),
                Rule::TypeChanged,
                format!("type {} became {}", show(ot), show(nt)),
            );
            return;
        }
        let (of, nf) = (o["format"].as_str(), n["format"].as_str());
        if of != nf {
            let rule = match (of, nf) {
                (Some(_), None) => {
                    dir.pick(Rule::RequestFormatRelaxed, Rule::ResponseFormatRelaxed)
                }
                (None, Some(_)) => {
                    dir.pick(Rule::RequestFormatTightened, Rule::ResponseFormatTightened)
                }
                _ => Rule::FormatChanged,
            };
            self.add(
                format!("{at}/format"),
                rule,
                format!("format {} became {}", show(of), show(nf)),
            );
        }

        let rule = match (dir, nullable(&o), nullable(&n)) {
            (Dir::Response, false, true) => Some(Rule::ResponseBecameNullable),
            (Dir::Response, true, false) => Some(Rule::ResponseBecameNonNullable),
            (Dir::Request, true, false) => Some(Rule::RequestBecameNonNullable),
            (Dir::Request, false, true) => Some(Rule::RequestBecameNullable),
            _ => None,
        };
        if let Some(rule) = rule {
            let what = if nullable(&n) {
                "may now"
            } else {
                "may no longer"
            };
            self.add(
                format!("{at}/nullable"),
                rule,
                format!("the value {what} be null"),
            );
        }

        self.enums(&o, &n, &at, dir);
        self.constraints(&o, &n, &at, dir);
        self.branches(&o, &n, &at, dir);
        self.closed(&o, &n, &at, dir);
        self.properties(&o, &n, &at, dir);
        if o.get("items").is_some() || n.get("items").is_some() {
            self.schema(&o["items"], &n["items"], &format!("{at}/items"), dir);
        }
    }

    fn enums(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let set = |v: &Value| -> Option<BTreeSet<String>> {
            v["enum"]
                .as_array()
                .map(|a| a.iter().map(Value::to_string).collect())
        };
        let ptr = format!("{at}/enum");
        let (os, ns) = match (set(o), set(n)) {
            (Some(os), Some(ns)) => (os, ns),
            (None, Some(_)) => {
                let rule = dir.pick(Rule::RequestEnumAdded, Rule::ResponseEnumAdded);
                return self.add(ptr, rule, "the value became an enumeration");
            }
            (Some(_), None) => {
                let rule = dir.pick(Rule::RequestEnumRemoved, Rule::ResponseEnumRemoved);
                return self.add(ptr, rule, "the value is no longer an enumeration");
            }
            (None, None) => return,
        };
        for added in ns.difference(&os) {
            let rule = dir.pick(Rule::RequestEnumValueAdded, Rule::ResponseEnumValueAdded);
            self.add(ptr.clone(), rule, format!("enum value {added} added"));
        }
        for removed in os.difference(&ns) {
            let rule = dir.pick(
                Rule::RequestEnumValueRemoved,
                Rule::ResponseEnumValueRemoved,
            );
            self.add(ptr.clone(), rule, format!("enum value {removed} removed"));
        }
    }

    fn constraints(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        // (keyword, true if a larger number is tighter)
        for (kw, larger_is_tighter) in [
            ("maxLength", false),
            ("minLength", true),
            ("maximum", false),
            ("minimum", true),
            ("maxItems", false),
            ("minItems", true),
            ("exclusiveMaximum", false),
            ("exclusiveMinimum", true),
            ("multipleOf", true),
            ("pattern", true),
            ("uniqueItems", true),
        ] {
            let (ov, nv) = (o.get(kw), n.get(kw));
            let tighter = match (ov, nv) {
                _ if ov == nv => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) => (b > a) == larger_is_tighter,
                    _ => true, // a changed pattern may refuse what the old one accepted
                },
                (None, None) => continue,
            };
            let rule = match (dir, tighter) {
                (Dir::Request, true) => Rule::RequestConstraintTightened,
                (Dir::Request, false) => Rule::RequestConstraintRelaxed,
                (Dir::Response, true) => Rule::ResponseConstraintTightened,
                (Dir::Response, false) => Rule::ResponseConstraintRelaxed,
            };
            self.add(
                format!("{at}/{kw}"),
                rule,
                format!("{kw}: {} became {}", show_v(ov), show_v(nv)),
            );
        }
    }

    fn branches(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        for kw in ["oneOf", "anyOf"] {
            let set = |v: &Value, spec: &Spec| -> BTreeSet<String> {
                v[kw]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        let mut b = effective(spec, b);
                        strip_docs(&mut b);
                        b.to_string()
                    })
                    .collect()
            };
            let (os, ns) = (set(o, self.old), set(n, self.new));
            let (added, removed) = (ns.difference(&os).count(), os.difference(&ns).count());
            let ptr = format!("{at}/{kw}");
            if added > 0 {
                let rule = dir.pick(Rule::RequestBranchAdded, Rule::ResponseBranchAdded);
                self.add(ptr.clone(), rule, format!("{added} {kw} branch(es) added"));
            }
            if removed > 0 {
                let rule = dir.pick(Rule::RequestBranchRemoved, Rule::ResponseBranchRemoved);
                self.add(ptr, rule, format!("{removed} {kw} branch(es) removed"));
            }
        }
    }

    fn closed(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
        let ptr = format!("{at}/additionalProperties");
        if !closed(o) && closed(n) {
            let rule = dir.pick(
                Rule::RequestClosedToUnknownFields,
                Rule::ClosedToUnknownFields,
            );
            self.add(ptr, rule, "additionalProperties: false added");
        } else if closed(o) && !closed(n) {
            self.add(
                ptr,
                Rule::OpenedToUnknownFields,
                "additionalProperties: false removed",
            );
        }
    }

    fn properties(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let (op, np) = (object(&o["properties"]), object(&n["properties"]));
        let (or, nr) = (required_set(o), required_set(n));
        for (name, os) in &op {
            let ptr = format!("{at}/properties/{}", escape(name));
            let Some(ns) = np.get(name) else {
                let rule = dir.pick(Rule::RequestPropertyRemoved, Rule::ResponsePropertyRemoved);
                self.add(ptr, rule, format!("property {name} removed"));
                continue;
            };
            let rule = match (dir, or.contains(name), nr.contains(name)) {
                (Dir::Response, true, false) => Some(Rule::ResponsePropertyBecameOptional),
                (Dir::Response, false, true) => Some(Rule::ResponsePropertyBecameRequired),
                (Dir::Request, false, true) => Some(Rule::RequestPropertyBecameRequired),
                (Dir::Request, true, false) => Some(Rule::RequestPropertyBecameOptional),
                _ => None,
            };
            if let Some(rule) = rule {
                let what = if nr.contains(name) {
                    "required"
                } else {
                    "optional"
                };
                self.add(ptr.clone(), rule, format!("property {name} became {what}"));
            }
            self.rust_type(os, ns, or.contains(name), nr.contains(name), &ptr);
            self.schema(os, ns, &ptr, dir);
        }
        for name in np.keys().filter(|k| !op.contains_key(*k)) {
            let ptr = format!("{at}/properties/{}", escape(name));
            let required = nr.contains(name);
            let rule = match (dir, required) {
                (Dir::Request, true) => Rule::RequestPropertyAddedRequired,
                (Dir::Request, false) => Rule::RequestPropertyAddedOptional,
                (Dir::Response, _) => Rule::ResponsePropertyAdded,
            };
            let what = if required { "required" } else { "optional" };
            self.add(ptr, rule, format!("new {what} property {name}"));
        }
    }
}

/// The keywords that only document.
const DOC_KEYWORDS: [&str; 5] = ["description", "title", "example", "examples", "deprecated"];

fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn required_set(v: &Value) -> BTreeSet<String> {
    v["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// The component a schema stands for: a `$ref`, or a one-element `allOf` of a `$ref`
/// with nothing but documentation beside it.
fn named(v: &Value) -> Option<&str> {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return Some(r);
    }
    let map = v.as_object()?;
    match map.get("allOf")?.as_array()?.as_slice() {
        [only]
            if map
                .keys()
                .all(|k| k == "allOf" || DOC_KEYWORDS.contains(&k.as_str())) =>
        {
            named(only)
        }
        _ => None,
    }
}

/// The schema as it means: `$ref`s resolved and every `allOf` merged with the keywords
/// beside it (which win over the members'), properties and `required` united.
pub fn effective(spec: &Spec, v: &Value) -> Value {
    effective_at(spec, v, 0)
}

fn effective_at(spec: &Spec, v: &Value, depth: usize) -> Value {
    let v = spec.resolve(v);
    let Some(all) = v.get("allOf").and_then(Value::as_array) else {
        return v.clone();
    };
    if depth > 32 {
        return v.clone();
    }
    let mut out = Map::new();
    let members = all.iter().map(|m| effective_at(spec, m, depth + 1));
    let siblings = std::iter::once(Value::Object(object(v)));
    for part in members.chain(siblings) {
        for (key, value) in object(&part) {
            match key.as_str() {
                "allOf" => {}
                "properties" => {
                    let merged = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
                    if let (Value::Object(m), Value::Object(add)) = (merged, value) {
                        m.extend(add);
                    }
                }
                "required" => {
                    let mut set = required_set(&Value::Object(out.clone()));
                    set.extend(required_set(&serde_json::json!({ "required": value })));
                    out.insert(key, serde_json::json!(set));
                }
                _ => {
                    out.insert(key, value);
                }
            }
        }
    }
    Value::Object(out)
}

/// The Rust type typify gives a value (`required`: whether it must be present), as text
/// for comparison: a component is its name (or its hand-written type), an optional or
/// nullable value an `Option`, a string with length or pattern constraints a newtype.
fn rust_field_type(
    spec: &Spec,
    mapped: &BTreeMap<String, String>,
    v: &Value,
    required: bool,
) -> String {
    let e = effective(spec, v);
    let inner = rust_inner(spec, mapped, v, 0);
    if !required || nullable(&e) && !inner.starts_with("crate::Patch") {
        format!("Option<{inner}>")
    } else {
        inner
    }
}

fn rust_inner(spec: &Spec, mapped: &BTreeMap<String, String>, v: &Value, depth: usize) -> String {
    // `nullable` beside a component makes an `Option` of the component's type.
    let mut bare = v.clone();
    if let Value::Object(map) = &mut bare {
        map.remove("nullable");
    }
    if let Some(r) = named(&bare) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return match mapped.get(name) {
            Some(rust) => rust.clone(),
            None => format!("types::{name}"),
        };
    }
    let e = effective(spec, v);
    if depth > 16 {
        return "?".into();
    }
    let constrained = ["maxLength", "minLength", "pattern"]
        .iter()
        .any(|k| e.get(*k).is_some());
    match (e["type"].as_str(), e["format"].as_str()) {
        _ if e.get("enum").is_some() || e.get("oneOf").is_some() || e.get("anyOf").is_some() => {
            "inline enum".into()
        }
        (Some("string"), Some(f @ ("uuid" | "date-time" | "date"))) => f.into(),
        (Some("string"), _) if constrained => "inline newtype".into(),
        (Some("string"), _) => "String".into(),
        (Some("integer"), f) => f.unwrap_or("int64").into(),
        (Some("number"), f) => f.unwrap_or("double").into(),
        (Some("boolean"), _) => "bool".into(),
        (Some("array"), _) => format!("Vec<{}>", rust_inner(spec, mapped, &e["items"], depth + 1)),
        (Some("object"), _) if e.get("properties").is_some() => "inline struct".into(),
        _ => "Map".into(),
    }
}

fn nullable(v: &Value) -> bool {
    v["nullable"].as_bool().unwrap_or(false)
}

fn strip_docs(v: &mut Value) {
    if let Value::Object(map) = v {
        for k in DOC_KEYWORDS {
            map.remove(k);
        }
        map.values_mut().for_each(strip_docs);
    } else if let Value::Array(items) = v {
        items.iter_mut().for_each(strip_docs);
    }
}

fn show(v: Option<&str>) -> String {
    v.map_or("(none)".to_owned(), |s| format!("`{s}`"))
}

fn show_v(v: Option<&Value>) -> String {
    v.map_or("none".to_owned(), Value::to_string)
}

/// Counts of changes by severity, for the summary line.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub breaking: usize,
    pub non_breaking: usize,
    pub docs_only: usize,
    pub breaking_for_http: usize,
    pub breaking_for_rust: usize,
}

pub fn summarize(changes: &[Change]) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.severity() {
            B => s.breaking += 1,
            N => s.non_breaking += 1,
            D => s.docs_only += 1,
            X => {}
        }
        s.breaking_for_http += usize::from(c.http == B);
        s.breaking_for_rust += usize::from(c.rust == B);
    }
    s
}

/// A report ready to paste as a PR comment.
pub fn markdown(changes: &[Change], base: &str) -> String {
    let s = summarize(changes);
    let mut out = String::from("## API contract changes\n\n");
    if changes.is_empty() {
        out.push_str(&format!("No change to `openapi.yaml` against `{base}`.\n"));
        return out;
    }
    out.push_str(&format!(
        "**{} breaking**, {} non-breaking, {} docs-only against `{base}` (breaking for HTTP clients: {}; for Rust SDK users: {}).\n",
        s.breaking, s.non_breaking, s.docs_only, s.breaking_for_http, s.breaking_for_rust
    ));
    for (severity, title) in [(B, "Breaking"), (N, "Non-breaking"), (D, "Docs-only")] {
        let group: Vec<&Change> = changes
            .iter()
            .filter(|c| c.severity() == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n| where | change | HTTP clients | Rust SDK | why |\n|---|---|---|---|---|\n"));
        for c in group {
            let flag = if c.views_disagree() {
                " ⚠ views differ"
            } else {
                ""
            };
            out.push_str(&format!(
                "| `{}` | `{}`{flag} | {} | {} | {} |\n",
                c.pointer,
                c.rule,
                c.http.label(),
                c.rust.label(),
                format!("{}: {}", c.reason, c.rule.info().explanation).replace('|', "\\|")
            ));
        }
    }
    out
}

/// A machine-readable report.
pub fn json(changes: &[Change], base: &str) -> Value {
    let explained: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).expect("serializable");
            v["explanation"] = c.rule.info().explanation.into();
            v
        })
        .collect();
    serde_json::json!({ "base": base, "summary": summarize(changes), "changes": explained })
}
