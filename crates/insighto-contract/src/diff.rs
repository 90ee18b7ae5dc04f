//! Classifies every change between two revisions of the spec, for two audiences:
//! HTTP clients in any language, and Rust users of the generated crate.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::{Spec, escape};

/// How much a change matters to one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
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
            Self::Docs => "docs-only",
            Self::NonBreaking => "non-breaking",
            Self::Breaking => "breaking",
        }
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// JSON pointer into the new spec (the old one for removals).
    pub pointer: String,
    /// Rule identifier, such as `response-property-removed`.
    pub rule: &'static str,
    /// For HTTP clients in any language.
    pub http: Severity,
    /// For Rust code using the generated crate.
    pub rust: Severity,
    /// One line saying why.
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

use Severity::{Breaking as B, Docs as D, NonBreaking as N};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

struct Differ<'a> {
    old: &'a Spec,
    new: &'a Spec,
    changes: Vec<Change>,
    seen: BTreeSet<(String, String, bool)>,
}

/// Every change from `old` to `new`, worst first, then by location.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    d.servers();
    d.security_schemes();
    d.operations();
    d.docs(
        &old.doc["info"],
        &new.doc["info"],
        "/info",
        &["title", "description", "contact", "license"],
    );
    let mut unique = BTreeSet::new();
    d.changes
        .retain(|c| unique.insert((c.pointer.clone(), c.rule, c.reason.clone())));
    d.changes.sort_by(|a, b| {
        b.severity()
            .cmp(&a.severity())
            .then_with(|| a.pointer.cmp(&b.pointer))
    });
    d.changes
}

impl Differ<'_> {
    fn add(
        &mut self,
        pointer: impl Into<String>,
        rule: &'static str,
        http: Severity,
        rust: Severity,
        reason: impl Into<String>,
    ) {
        self.changes.push(Change {
            pointer: pointer.into(),
            rule,
            http,
            rust,
            reason: reason.into(),
        });
    }

    fn docs(&mut self, old: &Value, new: &Value, at: &str, keys: &[&str]) {
        for key in keys {
            if old.get(key) != new.get(key) {
                self.add(
                    format!("{at}/{key}"),
                    "docs-changed",
                    D,
                    D,
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
            self.add("/servers", "server-removed", B, N, format!("server {url} removed; clients configured with it fail (the Rust client's default base URL is set by hand)"));
        }
        for url in new.difference(&old) {
            self.add(
                "/servers",
                "server-added",
                N,
                N,
                format!("server {url} added"),
            );
        }
    }

    fn security_schemes(&mut self) {
        let empty = serde_json::Map::new();
        let old = self.old.doc["components"]["securitySchemes"]
            .as_object()
            .unwrap_or(&empty)
            .clone();
        let new = self.new.doc["components"]["securitySchemes"]
            .as_object()
            .unwrap_or(&empty)
            .clone();
        for (name, o) in &old {
            let at = format!("/components/securitySchemes/{}", escape(name));
            match new.get(name) {
                None => self.add(
                    at,
                    "security-scheme-removed",
                    B,
                    B,
                    format!("security scheme {name} removed"),
                ),
                Some(n) => {
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
                            self.add(format!("{at}/{key}"), "security-scheme-changed", B, B, format!("{key} of security scheme {name} changed: requests authenticated the old way are refused (the Rust client adds the key by hand in the query)"));
                        }
                    }
                    self.docs(o, n, &at, &["description"]);
                }
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.add(
                format!("/components/securitySchemes/{}", escape(name)),
                "security-scheme-added",
                N,
                N,
                format!("security scheme {name} added"),
            );
        }
        if self.old.doc.get("security") != self.new.doc.get("security") {
            self.add(
                "/security",
                "security-requirement-changed",
                B,
                B,
                "the global security requirement changed",
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
        for ((path, method), (op, ptr)) in &old {
            if let Some((n, nptr)) = new.get(&(path.clone(), method.clone())) {
                let (n, nptr) = (n.clone(), nptr.clone());
                self.operation(op, &n, &nptr);
                continue;
            }
            let moved = new.iter().find(|(key, (n, _))| {
                !old.contains_key(*key) && id(n).is_some() && id(n) == id(op)
            });
            match moved {
                Some(((npath, nmethod), (n, nptr))) => {
                    let (rule, what) = if npath == path {
                        (
                            "method-changed",
                            format!(
                                "{} {path} is now {} {path}",
                                method.to_uppercase(),
                                nmethod.to_uppercase()
                            ),
                        )
                    } else {
                        (
                            "path-changed",
                            format!("{} {path} moved to {}", method.to_uppercase(), npath),
                        )
                    };
                    self.add(
                        nptr.clone(),
                        rule,
                        B,
                        N,
                        format!(
                            "{what}: old requests miss; regenerated Rust code keeps the method name"
                        ),
                    );
                    let (n, nptr) = (n.clone(), nptr.clone());
                    self.operation(op, &n, &nptr);
                }
                None => self.add(
                    ptr.clone(),
                    "operation-removed",
                    B,
                    B,
                    format!(
                        "{} {path} removed; its Rust method is gone",
                        method.to_uppercase()
                    ),
                ),
            }
        }
        for ((path, method), (n, nptr)) in &new {
            let moved_here = old
                .iter()
                .any(|(key, (o, _))| !new.contains_key(key) && id(o).is_some() && id(o) == id(n));
            if !old.contains_key(&(path.clone(), method.clone())) && !moved_here {
                self.add(
                    nptr.clone(),
                    "operation-added",
                    N,
                    N,
                    format!("{} {path} added", method.to_uppercase()),
                );
            }
        }
    }

    fn operation(&mut self, old: &Value, new: &Value, at: &str) {
        if old["operationId"] != new["operationId"] {
            self.add(
                format!("{at}/operationId"),
                "operation-id-changed",
                B,
                B,
                format!(
                    "operationId {} became {}: generated clients rename the method",
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
                "security-requirement-changed",
                B,
                B,
                "the operation's security requirement changed",
            );
        }
        self.parameters(old, new, at);
        self.request_body(old, new, at);
        self.responses(old, new, at);
    }

    fn parameters(&mut self, old: &Value, new: &Value, at: &str) {
        let params = |spec: &Spec, op: &Value| -> BTreeMap<(String, String), Value> {
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| spec.resolve(p).clone())
                .map(|p| {
                    (
                        (
                            p["in"].as_str().unwrap_or_default().to_owned(),
                            p["name"].as_str().unwrap_or_default().to_owned(),
                        ),
                        p,
                    )
                })
                .collect()
        };
        let (o, n) = (params(self.old, old), params(self.new, new));
        for ((place, name), op) in &o {
            let ptr = format!("{at}/parameters/{name}");
            match n.get(&(place.clone(), name.clone())) {
                None => self.add(
                    ptr,
                    "parameter-removed",
                    B,
                    B,
                    format!("{place} parameter {name} removed; its builder method is gone"),
                ),
                Some(np) => {
                    let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
                    if !required(op) && required(np) {
                        self.add(
                            format!("{ptr}/required"),
                            "parameter-became-required",
                            B,
                            B,
                            format!("{place} parameter {name} became required"),
                        );
                    }
                    self.docs(op, np, &ptr, &["description", "example", "examples"]);
                    self.schema(
                        &op["schema"],
                        &np["schema"],
                        &format!("{ptr}/schema"),
                        Dir::Request,
                        true,
                    );
                }
            }
        }
        for ((place, name), np) in &n {
            if !o.contains_key(&(place.clone(), name.clone())) {
                let ptr = format!("{at}/parameters/{name}");
                if np["required"].as_bool().unwrap_or(false) {
                    self.add(
                        ptr,
                        "parameter-added-required",
                        B,
                        B,
                        format!("new required {place} parameter {name}"),
                    );
                } else {
                    self.add(
                        ptr,
                        "parameter-added-optional",
                        N,
                        N,
                        format!("new optional {place} parameter {name}"),
                    );
                }
            }
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
                let sev = if required(&n) { B } else { N };
                self.add(
                    at,
                    "request-body-added",
                    sev,
                    sev,
                    "a request body was added",
                );
                return;
            }
            (false, true) => {
                self.add(
                    at,
                    "request-body-removed",
                    B,
                    B,
                    "the request body was removed",
                );
                return;
            }
            _ => {}
        }
        if !required(&o) && required(&n) {
            self.add(
                format!("{at}/required"),
                "request-body-became-required",
                B,
                B,
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
        let empty = serde_json::Map::new();
        let o = old["responses"].as_object().unwrap_or(&empty);
        let n = new["responses"].as_object().unwrap_or(&empty);
        for (status, or) in o {
            let ptr = format!("{at}/responses/{}", escape(status));
            let success = status.starts_with('2');
            match n.get(status) {
                None if success => self.add(ptr, "success-status-removed", B, B, format!("success status {status} removed")),
                None => self.add(ptr, "error-status-removed", B, N, format!("error status {status} removed; clients handling it may mis-handle what comes instead (the Rust client decodes errors by hand, so its code is unaffected)")),
                Some(nr) => {
                    let (or, nr) = (self.old.resolve(or).clone(), self.new.resolve(nr).clone());
                    self.docs(&or, &nr, &ptr, &["description"]);
                    let dir = Dir::Response;
                    self.content(&or["content"], &nr["content"], &format!("{ptr}/content"), dir);
                }
            }
        }
        for status in n.keys().filter(|s| !o.contains_key(*s)) {
            self.add(
                format!("{at}/responses/{}", escape(status)),
                "status-added",
                N,
                N,
                format!("status {status} documented"),
            );
        }
    }

    fn content(&mut self, old: &Value, new: &Value, at: &str, dir: Dir) {
        let empty = serde_json::Map::new();
        let o = old.as_object().unwrap_or(&empty);
        let n = new.as_object().unwrap_or(&empty);
        for (media, om) in o {
            let ptr = format!("{at}/{}", escape(media));
            match n.get(media) {
                None => self.add(
                    ptr,
                    "media-type-removed",
                    B,
                    B,
                    format!("media type {media} removed"),
                ),
                Some(nm) => {
                    self.docs(om, nm, &ptr, &["example", "examples"]);
                    self.schema(
                        &om["schema"],
                        &nm["schema"],
                        &format!("{ptr}/schema"),
                        dir,
                        true,
                    );
                }
            }
        }
        for media in n.keys().filter(|m| !o.contains_key(*m)) {
            self.add(
                format!("{at}/{}", escape(media)),
                "media-type-added",
                N,
                N,
                format!("media type {media} added"),
            );
        }
    }

    /// Compares two schemas seen in `dir`; `required` says whether the value must be
    /// present where it sits (it decides whether a Rust type is `T` or `Option<T>`).
    fn schema(&mut self, old: &Value, new: &Value, at: &str, dir: Dir, required: bool) {
        let mut at = at.to_owned();
        if let Some(r) = new.get("$ref").and_then(Value::as_str) {
            at = r.trim_start_matches('#').to_owned();
        }
        let key = (
            at.clone(),
            format!(
                "{}{}",
                old,
                new.get("$ref").map(Value::to_string).unwrap_or_default()
            ),
            dir == Dir::Request,
        );
        if !self.seen.insert(key) {
            return;
        }
        let o = unwrap_all_of(self.old, self.old.resolve(old)).clone();
        let n = unwrap_all_of(self.new, self.new.resolve(new)).clone();
        if o.is_null() || n.is_null() {
            return;
        }
        self.docs(&o, &n, &at, &["description", "title", "example"]);

        let (ot, nt) = (o["type"].as_str(), n["type"].as_str());
        if ot != nt {
            self.add(
                format!("{at}/type"),
                "type-changed",
                B,
                B,
                format!("type {} became {}", show(ot), show(nt)),
            );
            return;
        }
        let (of, nf) = (o["format"].as_str(), n["format"].as_str());
        if of != nf {
            let rust = if rust_format(of) != rust_format(nf) {
                B
            } else {
                N
            };
            self.add(
                format!("{at}/format"),
                "format-changed",
                B,
                rust,
                format!(
                    "format {} became {}{}",
                    show(of),
                    show(nf),
                    if rust == B {
                        "; the Rust field type changes"
                    } else {
                        "; the Rust type stays String"
                    }
                ),
            );
        }

        let (on, nn) = (nullable(&o), nullable(&n));
        match (dir, on, nn) {
            (Dir::Response, false, true) => {
                let rust = if required { B } else { N };
                self.add(
                    format!("{at}/nullable"),
                    "response-became-nullable",
                    B,
                    rust,
                    format!(
                        "the response value may now be null{}",
                        if required {
                            "; the Rust field becomes Option<T>"
                        } else {
                            "; the Rust field is already an Option"
                        }
                    ),
                );
            }
            (Dir::Request, true, false) => self.add(
                format!("{at}/nullable"),
                "request-became-non-nullable",
                B,
                B,
                "null is no longer accepted in the request",
            ),
            (_, a, b) if a != b => self.add(
                format!("{at}/nullable"),
                "nullability-relaxed",
                N,
                if dir == Dir::Request { B } else { N },
                "nullability changed in the direction that keeps old traffic valid",
            ),
            _ => {}
        }

        self.enums(&o, &n, &at, dir);
        self.constraints(&o, &n, &at, dir);
        self.branches(&o, &n, &at, dir);
        self.closed(&o, &n, &at, dir);
        self.properties(&o, &n, &at, dir);
        if o.get("items").is_some() || n.get("items").is_some() {
            self.schema(&o["items"], &n["items"], &format!("{at}/items"), dir, true);
        }
    }

    fn enums(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let set = |v: &Value| -> Option<BTreeSet<String>> {
            v["enum"]
                .as_array()
                .map(|a| a.iter().map(Value::to_string).collect())
        };
        let (Some(os), Some(ns)) = (set(o), set(n)) else {
            if set(o).is_none() && set(n).is_some() {
                let http = if dir == Dir::Request { B } else { N };
                self.add(
                    format!("{at}/enum"),
                    "enum-added",
                    http,
                    B,
                    "the value became an enumeration; the Rust type becomes an enum",
                );
            } else if set(o).is_some() && set(n).is_none() {
                let http = if dir == Dir::Response { B } else { N };
                self.add(
                    format!("{at}/enum"),
                    "enum-removed",
                    http,
                    B,
                    "the value is no longer an enumeration; the Rust type changes",
                );
            }
            return;
        };
        for added in ns.difference(&os) {
            match dir {
                Dir::Response => self.add(format!("{at}/enum"), "response-enum-value-added", B, B, format!("response enum value {added} added: clients with exhaustive handling break; the generated Rust enum has no catch-all variant")),
                Dir::Request => self.add(format!("{at}/enum"), "request-enum-value-added", N, N, format!("request enum value {added} added")),
            }
        }
        for removed in os.difference(&ns) {
            match dir {
                Dir::Request => self.add(format!("{at}/enum"), "request-enum-value-removed", B, B, format!("request enum value {removed} removed: requests using it are refused; its Rust variant is gone")),
                Dir::Response => self.add(format!("{at}/enum"), "response-enum-value-removed", N, B, format!("response enum value {removed} removed: harmless on the wire, but its Rust variant is gone")),
            }
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
        ] {
            let (ov, nv) = (o.get(kw), n.get(kw));
            if ov == nv {
                continue;
            }
            let tighter = match (ov, nv) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) => (b > a) == larger_is_tighter,
                    _ => true, // a changed pattern may refuse what the old one accepted
                },
                (None, None) => continue,
            };
            // typify turns a constrained string into a validated newtype.
            let rust = if o["type"] == "string"
                && (ov.is_none() || nv.is_none())
                && matches!(kw, "maxLength" | "minLength" | "pattern")
            {
                B
            } else {
                N
            };
            let ptr = format!("{at}/{kw}");
            match (dir, tighter) {
                (Dir::Request, true) => self.add(
                    ptr,
                    "request-constraint-tightened",
                    B,
                    rust,
                    format!(
                        "{kw} tightened ({} to {}): values accepted before are refused",
                        show_v(ov),
                        show_v(nv)
                    ),
                ),
                (Dir::Request, false) => self.add(
                    ptr,
                    "request-constraint-relaxed",
                    N,
                    rust,
                    format!("{kw} relaxed ({} to {})", show_v(ov), show_v(nv)),
                ),
                (Dir::Response, true) => self.add(
                    ptr,
                    "response-constraint-tightened",
                    N,
                    rust,
                    format!(
                        "{kw} tightened ({} to {}): responses stay within what clients expect",
                        show_v(ov),
                        show_v(nv)
                    ),
                ),
                (Dir::Response, false) => self.add(
                    ptr,
                    "response-constraint-relaxed",
                    B,
                    rust,
                    format!(
                        "{kw} relaxed ({} to {}): clients relying on the old bound may break",
                        show_v(ov),
                        show_v(nv)
                    ),
                ),
            }
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
                        let mut b = spec.resolve(b).clone();
                        strip_docs(&mut b);
                        b.to_string()
                    })
                    .collect()
            };
            let (os, ns) = (set(o, self.old), set(n, self.new));
            let (added, removed) = (ns.difference(&os).count(), os.difference(&ns).count());
            let ptr = format!("{at}/{kw}");
            if added > 0 {
                match dir {
                    Dir::Response => self.add(ptr.clone(), "response-branch-added", B, B, format!("{added} {kw} branch(es) added: responses can take a shape clients do not know; the Rust enum gains a variant")),
                    Dir::Request => self.add(ptr.clone(), "request-branch-added", N, B, format!("{added} {kw} branch(es) added; the Rust enum gains a variant")),
                }
            }
            if removed > 0 {
                match dir {
                    Dir::Request => self.add(
                        ptr,
                        "request-branch-removed",
                        B,
                        B,
                        format!(
                            "{removed} {kw} branch(es) removed: requests of that shape are refused"
                        ),
                    ),
                    Dir::Response => self.add(
                        ptr,
                        "response-branch-removed",
                        N,
                        B,
                        format!("{removed} {kw} branch(es) removed; the Rust enum loses a variant"),
                    ),
                }
            }
        }
    }

    fn closed(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
        if !closed(o) && closed(n) {
            let http = if dir == Dir::Request { B } else { N };
            self.add(format!("{at}/additionalProperties"), "closed-to-unknown-fields", http, B, "additionalProperties: false becomes deny_unknown_fields: the Rust client fails on any field the server adds");
        } else if closed(o) && !closed(n) {
            self.add(
                format!("{at}/additionalProperties"),
                "opened-to-unknown-fields",
                N,
                N,
                "unknown fields are allowed again",
            );
        }
    }

    fn properties(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let empty = serde_json::Map::new();
        let op = o["properties"].as_object().unwrap_or(&empty).clone();
        let np = n["properties"].as_object().unwrap_or(&empty).clone();
        let req = |v: &Value| -> BTreeSet<String> {
            v["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let (or, nr) = (req(o), req(n));
        for (name, os) in &op {
            let ptr = format!("{at}/properties/{}", escape(name));
            let Some(ns) = np.get(name) else {
                match dir {
                    Dir::Response => self.add(ptr, "response-property-removed", B, B, format!("response property {name} removed{}", if or.contains(name) { " (it was required)" } else { "" })),
                    Dir::Request => self.add(ptr, "request-property-removed", N, B, format!("request property {name} removed: the server ignores it if sent, but its Rust field is gone")),
                }
                continue;
            };
            match (dir, or.contains(name), nr.contains(name)) {
                (Dir::Response, true, false) => self.add(ptr.clone(), "response-property-became-optional", B, B, format!("response property {name} may now be absent; the Rust field becomes Option<T>")),
                (Dir::Response, false, true) => self.add(ptr.clone(), "response-property-became-required", N, B, format!("response property {name} is now always present: harmless on the wire, but the Rust field changes from Option<T> to T")),
                (Dir::Request, false, true) => self.add(ptr.clone(), "request-property-became-required", B, B, format!("request property {name} became required")),
                (Dir::Request, true, false) => self.add(ptr.clone(), "request-property-became-optional", N, B, format!("request property {name} became optional: harmless on the wire, but the Rust field changes from T to Option<T>")),
                _ => {}
            }
            self.schema(os, ns, &ptr, dir, nr.contains(name));
        }
        for name in np.keys().filter(|k| !op.contains_key(*k)) {
            let ptr = format!("{at}/properties/{}", escape(name));
            match (dir, nr.contains(name)) {
                (Dir::Request, true) => self.add(ptr, "request-property-added-required", B, B, format!("new required request property {name}: old requests are refused and callers must set a new field")),
                (Dir::Request, false) => self.add(ptr, "request-property-added-optional", N, N, format!("new optional request property {name} (Rust callers using ..Default::default() are unaffected)")),
                (Dir::Response, required) => self.add(ptr, "response-property-added", N, N, format!("new {} response property {name}", if required { "required" } else { "optional" })),
            }
        }
    }
}

fn unwrap_all_of<'a>(spec: &'a Spec, v: &'a Value) -> &'a Value {
    match v["allOf"].as_array().map(Vec::as_slice) {
        Some([only]) => unwrap_all_of(spec, spec.resolve(only)),
        _ => v,
    }
}

fn nullable(v: &Value) -> bool {
    v["nullable"].as_bool().unwrap_or(false)
}

/// The formats that change the Rust type typify generates.
fn rust_format(f: Option<&str>) -> Option<&str> {
    f.filter(|f| {
        matches!(
            *f,
            "uuid"
                | "date-time"
                | "date"
                | "int32"
                | "int64"
                | "float"
                | "double"
                | "uint8"
                | "int8"
                | "uint32"
                | "uint64"
        )
    })
}

fn strip_docs(v: &mut Value) {
    if let Value::Object(map) = v {
        for k in ["description", "title", "example"] {
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
                c.reason.replace('|', "\\|")
            ));
        }
    }
    out
}

/// A machine-readable report.
pub fn json(changes: &[Change], base: &str) -> Value {
    serde_json::json!({ "base": base, "summary": summarize(changes), "changes": changes })
}
