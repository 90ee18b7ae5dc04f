//! The document walk: which parts of the two specs are visited and paired (servers,
//! security schemes, component names, operations with their parameters, bodies,
//! responses and media types), each pair handed to the schema comparison.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    Change, Rule,
    Severity::Breaking as B,
    object,
    schema::{Dir, strip_docs},
};
use crate::{Spec, escape, lint::normalize_template};
use insighto_spec::RUST_TYPE_EXTENSION;

/// The walk's state: the two revisions and the changes found so far.
pub(super) struct Differ<'a> {
    pub(super) old: &'a Spec,
    pub(super) new: &'a Spec,
    /// Components mapped to a hand-written Rust type in either revision.
    pub(super) mapped: BTreeMap<String, String>,
    changes: Vec<Change>,
    /// The schema pairs compared so far: each is compared once.
    pub(super) compared: BTreeSet<Compared>,
    /// Whether the schemas being compared are of a parameter (text on the wire).
    pub(super) param: bool,
    /// Whether they are of an XML body.
    pub(super) xml: bool,
}

/// One comparison of two effective schemas: where, both schemas (as JSON text, so that
/// they can be ordered), in which direction, and whether as text (a parameter or an XML
/// body, where some type changes mean less).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Compared {
    pub(super) at: String,
    pub(super) old: String,
    pub(super) new: String,
    pub(super) request: bool,
    pub(super) text: (bool, bool),
}

/// Every change from `old` to `new`, worst first, then by location.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mapped = [old, new]
        .iter()
        .flat_map(|s| object(&s.doc()["components"]["schemas"]))
        .filter_map(|(name, v)| Some((name, v.get(RUST_TYPE_EXTENSION)?.as_str()?.to_owned())))
        .collect();
    let mut d = Differ {
        old,
        new,
        mapped,
        changes: Vec::new(),
        compared: BTreeSet::new(),
        param: false,
        xml: false,
    };
    d.servers();
    d.security_schemes();
    d.components();
    d.operations();
    d.docs(
        &old.doc()["info"],
        &new.doc()["info"],
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
    pub(super) fn add(
        &mut self,
        pointer: impl Into<String>,
        rule: Rule,
        reason: impl Into<String>,
    ) {
        let info = rule.info();
        self.changes.push(Change {
            pointer: pointer.into(),
            rule,
            http: info.http,
            rust: info.rust,
            reason: reason.into(),
        });
    }

    pub(super) fn docs(&mut self, old: &Value, new: &Value, at: &str, keys: &[&str]) {
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
            s.doc()["servers"]
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
            object(&self.old.doc()["components"]["securitySchemes"]),
            object(&self.new.doc()["components"]["securitySchemes"]),
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
        let (old, new) = (&self.old.doc()["security"], &self.new.doc()["security"]);
        if old != new {
            self.add(
                "/security",
                security_rule(old, new),
                "the global security requirement changed",
            );
        }
    }

    /// Component schemas by name: each is a Rust type users can name, unless the spec
    /// maps it to a hand-written one. A schema that disappears under one name and
    /// appears, the same, under another was renamed.
    fn components(&mut self) {
        let types = |s: &Spec| -> BTreeMap<String, Value> {
            object(&s.doc()["components"]["schemas"])
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
                .map(|op| {
                    let key = (op.path.to_owned(), op.method.to_owned());
                    let item = s.resolve(&s.doc()["paths"][op.path]);
                    (key, (with_path_parameters(s, item, op.value), op.pointer()))
                })
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
                let rule = if retired(op) {
                    Rule::DeprecatedOperationRemoved
                } else {
                    Rule::OperationRemoved
                };
                self.add(
                    ptr.clone(),
                    rule,
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
                .unwrap_or_else(|| spec.doc()["security"].clone())
        };
        let (os, ns) = (security(old, self.old), security(new, self.new));
        if os != ns {
            self.add(
                format!("{at}/security"),
                security_rule(&os, &ns),
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
                let rule = if retired(op) {
                    Rule::DeprecatedParameterRemoved
                } else {
                    Rule::ParameterRemoved
                };
                self.add(
                    format!("{at}/parameters/{}", escape(name)),
                    rule,
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
            let default = |p: &Value| p["schema"].get("default").cloned();
            if default(op) != default(np) {
                self.add(
                    format!("{ptr}/schema/default"),
                    Rule::ParameterDefaultChanged,
                    format!("the default of {place} parameter {name} changed"),
                );
            }
            // No Rust type check: parameters are arguments of the generated client, which
            // is private; users call the hand-written methods, whose signatures change
            // only when a maintainer changes them.
            self.param = true;
            self.schema(
                &op["schema"],
                &np["schema"],
                &format!("{ptr}/schema"),
                Dir::Request,
            );
            self.param = false;
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
            let (os, ns) = (&om["schema"], &nm["schema"]);
            if os.is_null() != ns.is_null() {
                // A schema where there was none constrains the body; none frees it.
                let (rule, what) = match (dir, ns.is_null()) {
                    (Dir::Request, false) => (Rule::RequestConstraintTightened, "added"),
                    (Dir::Request, true) => (Rule::RequestConstraintRelaxed, "removed"),
                    (Dir::Response, false) => (Rule::ResponseConstraintTightened, "added"),
                    (Dir::Response, true) => (Rule::ResponseConstraintRelaxed, "removed"),
                };
                self.add(
                    format!("{ptr}/schema"),
                    rule,
                    format!("the schema of {media} was {what}"),
                );
                continue;
            }
            self.xml = media.contains("xml");
            // The generated client decodes JSON only; other bodies get no Rust type.
            if !self.xml {
                self.rust_type(os, ns, true, true, &ptr);
            }
            self.schema(os, ns, &format!("{ptr}/schema"), dir);
            self.xml = false;
        }
        for media in n.keys().filter(|m| !o.contains_key(*m)) {
            self.add(
                format!("{at}/{}", escape(media)),
                Rule::MediaTypeAdded,
                format!("media type {media} added"),
            );
        }
    }
}

/// The operation with the parameters of its path item merged into its own `parameters`
/// (the operation's win, matched by `in` and `name`), so that both are compared.
fn with_path_parameters(spec: &Spec, item: &Value, op: &Value) -> Value {
    let key = |p: &Value| {
        let p = spec.resolve(p);
        (p["in"].to_string(), p["name"].to_string())
    };
    let own = op["parameters"].as_array().cloned().unwrap_or_default();
    let own_keys: BTreeSet<_> = own.iter().map(key).collect();
    let mut merged: Vec<Value> = item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| !own_keys.contains(&key(p)))
        .cloned()
        .collect();
    if merged.is_empty() {
        return op.clone();
    }
    merged.extend(own);
    let mut op = op.clone();
    op["parameters"] = Value::Array(merged);
    op
}

/// Whether something was `deprecated: true` with no `x-sunset` date (`YYYY-MM-DD`, as
/// other checkers read it) or one that has passed: clients were told it would go.
/// A sunset that is not a date keeps it breaking: nobody was told when.
fn retired(v: &Value) -> bool {
    let passed = match v.get("x-sunset") {
        None => true,
        Some(sunset) => sunset
            .as_str()
            .and_then(|s| s.get(..10))
            .is_some_and(|day| is_date(day) && day <= today().as_str()),
    };
    v["deprecated"] == Value::Bool(true) && passed
}

/// Whether `day` is written `YYYY-MM-DD`.
fn is_date(day: &str) -> bool {
    day.len() == 10
        && day.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Today's date in UTC as `YYYY-MM-DD` (the civil-from-days algorithm, so that no date
/// crate is needed for one comparison).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The rule for a security requirement that changed: relaxed when every request that met
/// the old one meets the new one, that is when each old alternative holds some new
/// alternative (the same schemes or fewer, each with the same scopes or fewer). No
/// requirement, or an empty alternative, is met by every request.
fn security_rule(old: &Value, new: &Value) -> Rule {
    let alternatives = |v: &Value| -> Vec<serde_json::Map<String, Value>> {
        v.as_array().into_iter().flatten().map(object).collect()
    };
    let (old, new) = (alternatives(old), alternatives(new));
    let scopes = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect()
    };
    let met = |o: &serde_json::Map<String, Value>| {
        new.iter().any(|n| {
            n.iter().all(|(scheme, needed)| {
                o.get(scheme)
                    .is_some_and(|held| scopes(needed).is_subset(&scopes(held)))
            })
        })
    };
    if new.is_empty() || (!old.is_empty() && old.iter().all(met)) {
        Rule::SecurityRequirementRelaxed
    } else {
        Rule::SecurityRequirementChanged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn today_is_a_date_after_this_code_was_written() {
        let day = today();
        assert!(is_date(&day) && day.as_str() > "2026-01-01", "{day}");
    }

    #[test]
    fn retired_needs_deprecation_and_no_sunset_to_come() {
        let with = |sunset: Value| json!({"deprecated": true, "x-sunset": sunset});
        assert!(retired(&json!({"deprecated": true})));
        assert!(retired(&with(json!("2022-08-10"))));
        assert!(retired(&with(json!("2022-08-10T00:00:00Z"))));
        assert!(!retired(&with(json!("9999-08-10"))));
        assert!(!retired(&with(json!("soon"))));
        assert!(!retired(&with(json!("ééééééééééé"))));
        assert!(!retired(&with(json!(20220810))));
        assert!(!retired(&json!({"x-sunset": "2022-08-10"})));
    }
}
