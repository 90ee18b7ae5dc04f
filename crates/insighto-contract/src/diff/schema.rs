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
    /// The keyword that marks a property as not travelling this way.
    fn hidden(self) -> &'static str {
        match self {
            Self::Request => "readOnly",
            Self::Response => "writeOnly",
        }
    }

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
            text: (self.param, self.xml),
        }) {
            return;
        }
        self.docs(&o, &n, &at, &["description", "title", "example"]);

        let (ot, nt) = (o["type"].as_str(), n["type"].as_str());
        if ot != nt {
            let scalar = matches!(ot, Some("number" | "integer" | "boolean"));
            let rule = match (dir, ot, nt) {
                (Dir::Request, Some("integer"), Some("number")) => Rule::RequestTypeWidened,
                (Dir::Request, _, Some("string")) if self.param && scalar => {
                    Rule::RequestTypeWidened
                }
                (Dir::Response, Some("number"), Some("integer")) => Rule::ResponseTypeNarrowed,
                _ if self.xml => Rule::XmlTypeChanged,
                _ => Rule::TypeChanged,
            };
            self.add(
                format!("{at}/type"),
                rule,
                format!("type {} became {}", show(ot), show(nt)),
            );
            if matches!(rule, Rule::TypeChanged | Rule::XmlTypeChanged) {
                return;
            }
        }
        if members(self.old, old) != members(self.new, new) {
            self.add(
                format!("{at}/allOf"),
                Rule::AllOfRestructured,
                "allOf members added or removed",
            );
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
        self.exclusion_and_content(&o, &n, &at);
        self.closed(&o, &n, &at, dir);
        self.properties(&o, &n, &at, dir);
        if o.get("items").is_some() || n.get("items").is_some() {
            self.schema(&o["items"], &n["items"], &format!("{at}/items"), dir);
        }
        self.map_values(
            &o["additionalProperties"],
            &n["additionalProperties"],
            &at,
            dir,
        );
    }

    /// `additionalProperties` as the schema of a map's values: `true`, `{}` or nothing
    /// allow any value (`false` is [`Self::closed`]'s), a schema constrains them.
    fn map_values(&mut self, oa: &Value, na: &Value, at: &str, dir: Dir) {
        let at = format!("{at}/additionalProperties");
        let constrains = |v: &Value| v.as_object().is_some_and(|m| !m.is_empty());
        match (constrains(oa), constrains(na)) {
            _ if *oa == Value::Bool(false) || *na == Value::Bool(false) => {}
            (true, true) => self.schema(oa, na, &at, dir),
            (false, false) => {}
            (was, _) => {
                let rule = match (dir, was) {
                    (Dir::Request, false) => Rule::RequestConstraintTightened,
                    (Dir::Request, true) => Rule::RequestConstraintRelaxed,
                    (Dir::Response, false) => Rule::ResponseConstraintTightened,
                    (Dir::Response, true) => Rule::ResponseConstraintRelaxed,
                };
                let what = if was { "any value now" } else { "a schema now" };
                self.add(at, rule, format!("additional properties take {what}"));
            }
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
            // A pattern that matches everything constrains nothing.
            let (ov, nv) = if kw == "pattern" {
                (
                    ov.filter(|p| !matches_all(p)),
                    nv.filter(|p| !matches_all(p)),
                )
            } else {
                (ov, nv)
            };
            let tighter = match (ov, nv) {
                _ if ov == nv => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => match (a.as_f64(), b.as_f64(), a.as_bool(), b.as_bool()) {
                    (Some(a), Some(b), ..) => (b > a) == larger_is_tighter,
                    (.., Some(a), Some(b)) => b && !a,
                    _ => {
                        self.add(
                            format!("{at}/{kw}"),
                            Rule::PatternChanged,
                            format!("{kw}: {} became {}", show_v(ov), show_v(nv)),
                        );
                        continue;
                    }
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

    /// `oneOf`/`anyOf` branches paired (by `$ref` name, then by discriminator value, then
    /// by structure) so that a change inside a branch is reported as that change; only
    /// unpaired branches count as added or removed.
    fn branches(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let (od, nd) = (&o["discriminator"], &n["discriminator"]);
        if od != nd {
            let what = match (od.is_null(), nd.is_null()) {
                (true, _) => "added",
                (_, true) => "removed",
                _ => "changed",
            };
            self.add(
                format!("{at}/discriminator"),
                Rule::DiscriminatorChanged,
                format!("discriminator {what}"),
            );
        }
        for kw in ["oneOf", "anyOf"] {
            let (ob, nb) = (branch_list(self.old, o, kw), branch_list(self.new, n, kw));
            let pairs = pair_branches(&ob, &nb);
            let ptr = format!("{at}/{kw}");
            for &(i, j) in &pairs {
                if ob[i].shape != nb[j].shape {
                    self.schema(ob[i].raw, nb[j].raw, &format!("{ptr}/{j}"), dir);
                } else if ob[i].name != nb[j].name {
                    let name = |n: Option<&str>| n.unwrap_or("(an inline schema)").to_owned();
                    let (a, b) = (name(ob[i].name), name(nb[j].name));
                    self.add(
                        format!("{ptr}/{j}"),
                        Rule::BranchRefChanged,
                        format!("branch {a} became {b}, of the same shape"),
                    );
                }
            }
            let added = nb.len() - pairs.len();
            let removed = ob.len() - pairs.len();
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

    /// `not` (what the schema excludes) and the content annotations of a string, compared
    /// as written: neither has a direction this tool can tell.
    fn exclusion_and_content(&mut self, o: &Value, n: &Value, at: &str) {
        let bare = |v: &Value| {
            let mut v = v.clone();
            strip_docs(&mut v);
            v
        };
        if bare(&o["not"]) != bare(&n["not"]) {
            self.add(
                format!("{at}/not"),
                Rule::ExclusionChanged,
                "the `not` schema changed",
            );
        }
        for kw in ["contentMediaType", "contentEncoding", "contentSchema"] {
            if bare(&o[kw]) != bare(&n[kw]) {
                self.add(
                    format!("{at}/{kw}"),
                    Rule::ContentAnnotationChanged,
                    format!("{kw} changed"),
                );
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

    /// Properties compared by name. A property that does not travel in `dir` (readOnly
    /// in a request, writeOnly in a response) is neither required nor compared there.
    fn properties(&mut self, o: &Value, n: &Value, at: &str, dir: Dir) {
        let (op, np) = (object(&o["properties"]), object(&n["properties"]));
        let (or, nr) = (required_set(o), required_set(n));
        let hidden = |spec: &Spec, v: &Value| spec.effective(v)[dir.hidden()] == true;
        for (name, os) in &op {
            let ptr = format!("{at}/properties/{}", escape(name));
            let oh = hidden(self.old, os);
            let Some(ns) = np.get(name) else {
                let rule = match (oh, dir, or.contains(name)) {
                    (true, ..) => Rule::HiddenPropertyChanged,
                    (_, Dir::Request, _) => Rule::RequestPropertyRemoved,
                    (_, Dir::Response, true) => Rule::ResponsePropertyRemoved,
                    (_, Dir::Response, false) => Rule::ResponseOptionalPropertyRemoved,
                };
                self.add(ptr, rule, format!("property {name} removed"));
                continue;
            };
            let nh = hidden(self.new, ns);
            if oh != nh {
                let what = if nh { "no longer" } else { "now" };
                self.add(
                    ptr.clone(),
                    Rule::PropertyDirectionChanged,
                    format!("property {name} {what} travels in this direction"),
                );
            }
            let (was, is) = (or.contains(name) && !oh, nr.contains(name) && !nh);
            let rule = match (dir, was, is) {
                (Dir::Response, true, false) if nh => Some(Rule::ResponsePropertyWithdrawn),
                (Dir::Response, true, false) => Some(Rule::ResponsePropertyBecameOptional),
                (Dir::Response, false, true) => Some(Rule::ResponsePropertyBecameRequired),
                (Dir::Request, false, true) => Some(Rule::RequestPropertyBecameRequired),
                (Dir::Request, true, false) => Some(Rule::RequestPropertyBecameOptional),
                _ => None,
            };
            if let Some(rule) = rule {
                let what = if is { "required" } else { "optional" };
                self.add(ptr.clone(), rule, format!("property {name} became {what}"));
            }
            self.rust_type(os, ns, or.contains(name), nr.contains(name), &ptr);
            if !(oh && nh) {
                self.schema(os, ns, &ptr, dir);
            }
        }
        for (name, ns) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
            let ptr = format!("{at}/properties/{}", escape(name));
            let required = nr.contains(name);
            let rule = match (dir, required, hidden(self.new, ns)) {
                (_, false, true) => continue,
                (_, true, true) => Rule::HiddenPropertyChanged,
                (Dir::Request, true, _) => Rule::RequestPropertyAddedRequired,
                (Dir::Request, false, _) => Rule::RequestPropertyAddedOptional,
                (Dir::Response, ..) => Rule::ResponsePropertyAdded,
            };
            let what = if required { "required" } else { "optional" };
            self.add(ptr, rule, format!("new {what} property {name}"));
        }
    }
}

/// One `oneOf`/`anyOf` branch: as written, the component it names, and its shape (the
/// effective schema without documentation, as text).
struct Branch<'v> {
    raw: &'v Value,
    name: Option<&'v str>,
    /// The discriminator value that selects it: the mapping's key that names it, else
    /// (the implicit mapping) the component's name; none without a discriminator.
    tag: Option<&'v str>,
    shape: String,
    kind: Option<String>,
}

fn branch_list<'v>(spec: &Spec, v: &'v Value, kw: &str) -> Vec<Branch<'v>> {
    v[kw]
        .as_array()
        .into_iter()
        .flatten()
        .map(|raw| {
            let mut e = spec.effective(raw);
            strip_docs(&mut e);
            let name = named(raw);
            Branch {
                raw,
                name,
                tag: name.filter(|_| v["discriminator"].is_object()).map(|name| {
                    let mapping = v["discriminator"]["mapping"].as_object();
                    mapping
                        .into_iter()
                        .flatten()
                        .find(|(_, to)| to.as_str() == Some(name))
                        .map_or_else(|| name.rsplit('/').next().unwrap_or(name), |(tag, _)| tag)
                }),
                kind: e["type"].as_str().map(str::to_owned),
                shape: e.to_string(),
            }
        })
        .collect()
}

/// A test that two branches are the same branch.
type Same = fn(&Branch, &Branch) -> bool;

/// Pairs of (old, new) branch indexes: the same `$ref`, then the same discriminator
/// value, then the same schema, then the only remaining branch of a type on each side,
/// unless both name components (two components of different shapes are one branch
/// removed and another added: the Rust enum's variants change).
fn pair_branches(old: &[Branch], new: &[Branch]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let (mut used_o, mut used_n) = (BTreeSet::new(), BTreeSet::new());
    let tests: [Same; 3] = [
        |a, b| a.name.is_some() && a.name == b.name,
        |a, b| a.tag.is_some() && a.tag == b.tag,
        // The same shape under another discriminator value is another branch on the wire.
        |a, b| a.shape == b.shape && (a.tag.is_none() || b.tag.is_none() || a.tag == b.tag),
    ];
    for same in tests {
        for (i, a) in old.iter().enumerate() {
            if used_o.contains(&i) {
                continue;
            }
            let found = (0..new.len()).find(|j| !used_n.contains(j) && same(a, &new[*j]));
            if let Some(j) = found {
                used_o.insert(i);
                used_n.insert(j);
                pairs.push((i, j));
            }
        }
    }
    let left = |list: &[Branch], used: &BTreeSet<usize>, kind: &Option<String>| -> Vec<usize> {
        (0..list.len())
            .filter(|i| !used.contains(i) && list[*i].kind == *kind)
            .collect()
    };
    for (i, a) in old.iter().enumerate() {
        if used_o.contains(&i) || a.kind.is_none() {
            continue;
        }
        if let ([_], [j]) = (
            left(old, &used_o, &a.kind).as_slice(),
            left(new, &used_n, &a.kind).as_slice(),
        ) && (a.name.is_none() || new[*j].name.is_none())
        {
            used_n.insert(*j);
            pairs.push((i, *j));
        }
    }
    pairs
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
        (_, _) if e["additionalProperties"].is_object() => format!(
            "Map<{}>",
            rust_inner(spec, mapped, &e["additionalProperties"], depth + 1)
        ),
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

/// Whether a `pattern` accepts every string, as `""`, `.*` and their anchored forms do.
fn matches_all(pattern: &Value) -> bool {
    let p = pattern.as_str().unwrap_or_default();
    let p = p.strip_prefix('^').unwrap_or(p);
    let p = p.strip_suffix('$').unwrap_or(p);
    let p = p
        .strip_prefix('(')
        .and_then(|p| p.strip_suffix(')'))
        .unwrap_or(p);
    matches!(p, "" | ".*" | "[\\s\\S]*" | "[\\w\\W]*" | "[\\d\\D]*")
}

/// How many `allOf` members a schema has as written ($ref followed), if it has them.
fn members(spec: &Spec, v: &Value) -> Option<usize> {
    spec.resolve(v)["allOf"].as_array().map(Vec::len)
}
