//! The schema comparison: two schemas compared as what they mean (effective schemas,
//! `$ref`s followed and `allOf` merged), in the direction they travel, and the Rust type
//! each field gets.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Rule, object, walk::Differ};
use crate::{Spec, escape};

/// Which way a schema travels: what a client sends, or what it receives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
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

impl Differ<'_> {
    /// Compares the Rust types a value gets in the old and the new revision.
    pub(super) fn rust_type(
        &mut self,
        old: &Value,
        new: &Value,
        old_req: bool,
        new_req: bool,
        at: &str,
    ) {
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
    pub(super) fn schema(&mut self, old: &Value, new: &Value, at: &str, dir: Dir) {
        let o = self.old.effective(old);
        let n = self.new.effective(new);
        if o.is_null() || n.is_null() {
            return;
        }
        // A schema that is a component reports at the component, once.
        let at = match named(new) {
            Some(r) => r.trim_start_matches('#').to_owned(),
            None => at.to_owned(),
        };
        if !self.compared.insert(super::walk::Compared {
            at: at.clone(),
            old: o.to_string(),
            new: n.to_string(),
            request: dir == Dir::Request,
        }) {
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
                        let mut b = spec.effective(b);
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

/// The Rust type typify gives a value (`required`: whether it must be present), as text
/// for comparison: a component is its name (or its hand-written type), an optional or
/// nullable value an `Option`, a string with length or pattern constraints a newtype.
fn rust_field_type(
    spec: &Spec,
    mapped: &BTreeMap<String, String>,
    v: &Value,
    required: bool,
) -> String {
    let e = spec.effective(v);
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
    let e = spec.effective(v);
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

pub(super) fn strip_docs(v: &mut Value) {
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
