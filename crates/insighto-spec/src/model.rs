//! One small model of an OpenAPI 3.0 document, shared by every crate that reads the spec:
//! loading, `$ref` resolution, `allOf` merging, the fields of a schema and the statuses
//! of an operation. The document stays JSON ([`Spec::doc`]) so that readers with needs
//! of their own (the contract diff, the JSON Schema conversion) walk the same value.

use std::{
    collections::{BTreeSet, HashMap},
    fmt,
    sync::OnceLock,
};

use serde_json::{Map, Value, json};

/// HTTP methods an OpenAPI path item can hold, in the order operations are listed.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How deep `$ref` chains and nested `allOf`s are followed; past it a schema is taken as
/// it stands, so a cyclic or hostile document cannot loop or overflow the stack.
const MAX_DEPTH: usize = 32;

/// How many schemas one merge may visit: `allOf: [A, A]` nested 32 deep would otherwise
/// take 2^32 steps.
const MAX_VISITS: usize = 4096;

/// A spec that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub(crate) String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// A parsed OpenAPI document.
#[derive(Debug)]
pub struct Spec {
    doc: Value,
    /// The order in which the text lists the properties of each `properties` mapping,
    /// keyed by the address of that mapping in `doc` (which is never changed after
    /// parsing): `serde_json`'s map is sorted, and fields are shown in document order.
    order: HashMap<usize, Vec<String>>,
}

impl Spec {
    /// Parses YAML or JSON text (JSON only without the `yaml` feature); the document
    /// must be a mapping.
    ///
    /// ```
    /// let spec = insighto_spec::Spec::parse(r#"{"openapi": "3.0.3", "paths": {}}"#).unwrap();
    /// assert_eq!(spec.doc()["openapi"], "3.0.3");
    /// assert!(insighto_spec::Spec::parse("[1, 2]").is_err());
    /// ```
    ///
    /// A document of OpenAPI 3.1 (`openapi: 3.1.x`) is read as its 3.0 equivalent (see
    /// [`crate::openapi31`]); one larger than [`MAX_DOCUMENT_BYTES`] is refused unread.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(ParseError(format!(
                "the document is {} bytes, more than the {MAX_DOCUMENT_BYTES} bytes a spec may have",
                text.len()
            )));
        }
        let mut doc = parse_value(text)?;
        if !doc.is_object() {
            return Err(ParseError("the document is not a mapping".into()));
        }
        if crate::openapi31::is_31(&doc) {
            crate::openapi31::normalize(&mut doc)?;
        }
        // Recorded after normalising: the addresses are those of the final document, and
        // a `properties` mapping a rewrite moved falls back to name order.
        #[cfg_attr(not(feature = "yaml"), allow(unused_mut))]
        let mut order = HashMap::new();
        #[cfg(feature = "yaml")]
        if let Ok(text) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
            record_order(&text, &doc, &mut order);
        }
        Ok(Self { doc, order })
    }

    /// A spec from a document already parsed; properties are listed in name order.
    pub fn from_doc(doc: Value) -> Self {
        Self {
            doc,
            order: HashMap::new(),
        }
    }

    /// The spec this crate carries ([`crate::OPENAPI_YAML`]), parsed once; without the
    /// `yaml` feature, from its JSON copy ([`crate::OPENAPI_JSON`]), the same document
    /// with its properties in name order.
    pub fn bundled() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        // The text is fixed at compile time and a test parses it, so this cannot fail
        // at run time.
        #[cfg(feature = "yaml")]
        let text = crate::OPENAPI_YAML;
        #[cfg(not(feature = "yaml"))]
        let text = crate::OPENAPI_JSON;
        SPEC.get_or_init(|| Spec::parse(text).expect("the bundled spec parses"))
    }

    /// The whole document as JSON.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The document's `info.version`.
    pub fn version(&self) -> Option<&str> {
        self.doc["info"]["version"].as_str()
    }

    /// The schema of a named component (`#/components/schemas/NAME`), unresolved.
    pub fn component(&self, name: &str) -> Option<&Value> {
        self.doc["components"]["schemas"].get(name)
    }

    /// Follows local `$ref`s until a value that is not a reference. A reference that
    /// points nowhere is returned as it is.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with('#') => match self.doc.pointer(&r[1..]) {
                    Some(target) => value = target,
                    None => return value,
                },
                _ => return value,
            }
        }
        value
    }

    /// The schema as it means: `$ref`s resolved and every `allOf` merged with the
    /// keywords beside it (which win over the members'), `properties` and `required`
    /// united.
    ///
    /// ```
    /// let spec = insighto_spec::Spec::bundled();
    /// let update = spec.component("UserProfileUpdate").unwrap();
    /// let email = spec.effective(&update["properties"]["email"]);
    /// assert_eq!((email["type"].as_str(), email["format"].as_str()), (Some("string"), Some("email")));
    /// ```
    pub fn effective(&self, schema: &Value) -> Value {
        self.effective_at(schema, 0, &mut 0)
    }

    fn effective_at(&self, schema: &Value, depth: usize, visits: &mut usize) -> Value {
        // Past the budget a schema counts as nothing: neither resolved nor cloned, so a
        // hostile document costs at most MAX_VISITS merges, however it nests.
        *visits += 1;
        if *visits > MAX_VISITS {
            return Value::Null;
        }
        let schema = self.resolve(schema);
        let Some(members) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        if depth > MAX_DEPTH {
            // Only a cycle nests this deep; it adds nothing.
            return Value::Null;
        }
        let mut out = Map::new();
        for member in members {
            if *visits > MAX_VISITS {
                break;
            }
            if let Value::Object(part) = self.effective_at(member, depth + 1, visits) {
                merge(&mut out, part);
            }
        }
        // The keywords beside `allOf` win; the `allOf` array itself is not copied.
        let siblings = schema.as_object().into_iter().flatten();
        let siblings = siblings.filter(|(key, _)| *key != "allOf");
        merge(
            &mut out,
            siblings.map(|(k, v)| (k.clone(), v.clone())).collect(),
        );
        Value::Object(out)
    }

    /// The properties of an object schema, in the document's order, each with its
    /// effective schema.
    pub fn fields(&self, schema: &Value) -> Vec<Field> {
        // One budget for the whole list: a hostile schema with many properties costs no
        // more than one with a single property.
        let mut visits = 0;
        let merged = self.effective_at(schema, 0, &mut visits);
        let required = required(merged.get("required"));
        let Some(properties) = merged["properties"].as_object() else {
            return Vec::new();
        };
        let mut names = Vec::new();
        self.property_names(schema, 0, &mut visits, &mut names);
        names.extend(properties.keys().cloned());
        let mut seen = BTreeSet::new();
        names.retain(|name| properties.contains_key(name) && seen.insert(name.clone()));
        names
            .into_iter()
            .map(|name| {
                let schema = self.effective_at(&properties[&name], 0, &mut visits);
                Field {
                    kind: Kind::of(&schema),
                    nullable: schema["nullable"].as_bool().unwrap_or(false),
                    required: required.contains(&name),
                    description: schema["description"].as_str().map(str::to_owned),
                    name,
                    schema,
                }
            })
            .collect()
    }

    /// The property names of `schema` in document order: its `allOf` members' first.
    fn property_names(
        &self,
        schema: &Value,
        depth: usize,
        visits: &mut usize,
        names: &mut Vec<String>,
    ) {
        *visits += 1;
        if depth > MAX_DEPTH || *visits > MAX_VISITS {
            return;
        }
        let schema = self.resolve(schema);
        for member in schema["allOf"].as_array().into_iter().flatten() {
            if *visits > MAX_VISITS {
                break;
            }
            self.property_names(member, depth + 1, visits, names);
        }
        if let Some(properties) = schema.get("properties") {
            let address = properties as *const Value as usize;
            match self.order.get(&address) {
                Some(listed) => names.extend(listed.iter().cloned()),
                None => names.extend(
                    properties
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone()),
                ),
            }
        }
    }

    /// The fields of a named component schema; empty if there is no such component.
    pub fn component_fields(&self, name: &str) -> Vec<Field> {
        self.component(name)
            .map(|schema| self.fields(schema))
            .unwrap_or_default()
    }

    /// Every operation, in path order and then [`METHODS`] order.
    pub fn operations(&self) -> Vec<Operation<'_>> {
        let Some(paths) = self.doc["paths"].as_object() else {
            return Vec::new();
        };
        paths
            .iter()
            .flat_map(|(path, item)| {
                let item = self.resolve(item);
                METHODS.into_iter().filter_map(move |method| {
                    Some(Operation {
                        path,
                        method,
                        value: item.get(method)?,
                        spec: self,
                    })
                })
            })
            .collect()
    }

    /// The operation at this path template and method (lower case), looked up directly
    /// (the sandbox asks on every request).
    pub fn operation_at(&self, path: &str, method: &str) -> Option<Operation<'_>> {
        let method = METHODS.into_iter().find(|m| *m == method)?;
        let (path, item) = self.doc["paths"].as_object()?.get_key_value(path)?;
        Some(Operation {
            path,
            method,
            value: self.resolve(item).get(method)?,
            spec: self,
        })
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<Operation<'_>> {
        self.operations().into_iter().find(|op| op.id() == Some(id))
    }
}

/// The most text [`Spec::parse`] reads: 16 MiB. The largest public OpenAPI documents
/// (GitHub's REST description, Stripe's) are under 12 MB of JSON, and this project's is
/// 30 KB; parsing costs a few times the text in memory, so the cap bounds that too.
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;

/// JSON (a text that starts with `{`) or YAML; the error says which was tried.
#[cfg(feature = "yaml")]
fn parse_value(text: &str) -> Result<Value, ParseError> {
    if text.trim_start().starts_with('{') {
        let json = serde_json::from_str(text);
        // A YAML flow mapping also starts with `{`: only when it is not YAML either is
        // the JSON error the one to show.
        return json.or_else(|json_error| {
            serde_yaml_ng::from_str(text).map_err(|_| {
                ParseError(format!(
                    "neither JSON nor YAML: not valid JSON: {json_error}"
                ))
            })
        });
    }
    serde_yaml_ng::from_str(text)
        .map_err(|e| ParseError(format!("neither JSON nor YAML: not valid YAML: {e}")))
}

/// JSON only: this build has no YAML reader (the `yaml` feature is off).
#[cfg(not(feature = "yaml"))]
fn parse_value(text: &str) -> Result<Value, ParseError> {
    serde_json::from_str(text).map_err(|e| {
        ParseError(format!(
            "not valid JSON: {e} (YAML is read only with insighto-spec's `yaml` feature)"
        ))
    })
}

/// Records, for every `properties` mapping of `json`, the order `yaml` lists its keys in.
#[cfg(feature = "yaml")]
fn record_order(
    yaml: &serde_yaml_ng::Value,
    json: &Value,
    order: &mut HashMap<usize, Vec<String>>,
) {
    use serde_yaml_ng::Value as Yaml;
    match (yaml, json) {
        (Yaml::Mapping(mapping), Value::Object(object)) => {
            for (key, yaml) in mapping {
                let Some(key) = yaml_key(key) else { continue };
                let Some(json) = object.get(&key) else {
                    continue;
                };
                if let (true, Yaml::Mapping(properties)) = (key == "properties", yaml) {
                    let names = properties.keys().filter_map(yaml_key).collect();
                    order.insert(json as *const Value as usize, names);
                }
                record_order(yaml, json, order);
            }
        }
        (Yaml::Sequence(items), Value::Array(values)) => {
            for (yaml, json) in items.iter().zip(values) {
                record_order(yaml, json, order);
            }
        }
        (Yaml::Tagged(tagged), json) => record_order(&tagged.value, json, order),
        _ => {}
    }
}

#[cfg(feature = "yaml")]
fn yaml_key(key: &serde_yaml_ng::Value) -> Option<String> {
    match key {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Merges `part` into `out`: `properties` and `required` united, anything else replaced.
fn merge(out: &mut Map<String, Value>, part: Map<String, Value>) {
    for (key, value) in part {
        match key.as_str() {
            "allOf" => {}
            "properties" => {
                let merged = out.entry(key).or_insert_with(|| json!({}));
                if let (Value::Object(m), Value::Object(add)) = (merged, value) {
                    m.extend(add);
                }
            }
            "required" => {
                let mut names = required(out.get("required"));
                names.extend(required(Some(&value)));
                out.insert(key, json!(names));
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
}

/// The names in a `required` list.
fn required(list: Option<&Value>) -> BTreeSet<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect()
}

/// Escapes one JSON pointer segment (RFC 6901).
///
/// ```
/// assert_eq!(insighto_spec::escape("/api/v1/user/{user_id}"), "~1api~1v1~1user~1{user_id}");
/// ```
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// One property of an object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property's name on the wire.
    pub name: String,
    /// What kind of value it holds.
    pub kind: Kind,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// Whether the object must have it.
    pub required: bool,
    /// Its description, if it has one.
    pub description: Option<String>,
    /// Its effective schema ([`Spec::effective`]).
    pub schema: Value,
}

/// The kind of value a schema describes: its `type`, refined by the `format`s this
/// project gives a type of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A string without a format that has a type of its own.
    String,
    /// `format: email`.
    Email,
    /// `format: uuid`.
    Uuid,
    /// `format: date-time`.
    DateTime,
    /// `type: boolean`.
    Boolean,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: array`.
    Array,
    /// `type: object`.
    Object,
    /// Anything else (no `type`, a `oneOf`, ...).
    Other,
}

impl Kind {
    /// The kind of an effective schema.
    pub fn of(schema: &Value) -> Self {
        match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("string"), Some("email")) => Self::Email,
            (Some("string"), Some("uuid")) => Self::Uuid,
            (Some("string"), Some("date-time")) => Self::DateTime,
            (Some("string"), _) => Self::String,
            (Some("boolean"), _) => Self::Boolean,
            (Some("integer"), _) => Self::Integer,
            (Some("number"), _) => Self::Number,
            (Some("array"), _) => Self::Array,
            (Some("object"), _) => Self::Object,
            _ => Self::Other,
        }
    }
}

/// One operation of the document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// Its path template, such as `/api/v1/user/{user_id}`.
    pub path: &'a str,
    /// Its method, lower case.
    pub method: &'static str,
    /// The operation object.
    pub value: &'a Value,
    spec: &'a Spec,
}

impl<'a> Operation<'a> {
    /// Its `operationId`.
    pub fn id(&self) -> Option<&'a str> {
        self.value["operationId"].as_str()
    }

    /// The JSON pointer of the operation object in the document.
    pub fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape(self.path), self.method)
    }

    /// The keys of its `responses`, as written: `200`, `404`, `5XX`, `default`.
    pub fn statuses(&self) -> Vec<&'a str> {
        self.value["responses"]
            .as_object()
            .into_iter()
            .flat_map(|responses| responses.keys().map(String::as_str))
            .collect()
    }

    /// The response documented for `status`: its own entry, else its class (`4XX`),
    /// else `default`; `$ref`s resolved.
    pub fn response(&self, status: u16) -> Option<&'a Value> {
        let responses = &self.value["responses"];
        let class = format!("{}XX", status / 100);
        [status.to_string(), class, "default".to_owned()]
            .iter()
            .find_map(|key| responses.get(key))
            .map(|r| self.spec.resolve(r))
    }

    /// The response documented under `status`'s own entry (not its class or `default`),
    /// `$ref` resolved.
    pub fn own_response(&self, status: u16) -> Option<&'a Value> {
        let response = self.value["responses"].get(status.to_string())?;
        Some(self.spec.resolve(response))
    }

    /// Whether the operation documents `status`, by its own entry or its class
    /// (`default` aside).
    pub fn documents(&self, status: u16) -> bool {
        let responses = &self.value["responses"];
        responses.get(status.to_string()).is_some()
            || responses.get(format!("{}XX", status / 100)).is_some()
    }

    /// The status whose response is the component `#/components/responses/NAME`, such
    /// as 401 for `Unauthorized`; `None` for a class (`5XX`) or when none is.
    pub fn status_of(&self, response: &str) -> Option<u16> {
        self.named_responses()
            .find(|&(_, name)| name == response)
            .map(|(status, _)| status)
    }

    /// Each exact status whose response is a named component, with that name:
    /// `(401, "Unauthorized")`, `(404, "NotFound")`, ...
    pub fn named_responses(&self) -> impl Iterator<Item = (u16, &'a str)> + use<'a> {
        let responses = self.value["responses"].as_object().into_iter().flatten();
        responses.filter_map(|(status, response)| {
            let reference = response["$ref"].as_str()?;
            let name = reference.strip_prefix("#/components/responses/")?;
            Some((status.parse().ok()?, name))
        })
    }

    /// The schema of its JSON request body, unresolved.
    pub fn request_schema(&self) -> Option<&'a Value> {
        self.spec.resolve(&self.value["requestBody"])["content"]["application/json"].get("schema")
    }
}

// The tests read inline YAML documents.
#[cfg(all(test, feature = "yaml"))]
mod tests {
    use super::*;

    fn spec() -> &'static Spec {
        Spec::bundled()
    }

    #[test]
    fn the_bundled_spec_has_both_operations_with_their_statuses() {
        let ops: Vec<_> = spec()
            .operations()
            .iter()
            .map(|op| (op.method, op.path, op.id().unwrap()))
            .collect();
        assert_eq!(
            ops,
            [
                ("get", "/api/v1/user", "get_user_profile"),
                ("put", "/api/v1/user/{user_id}", "update_user_profile"),
            ]
        );
        let put = spec().operation("update_user_profile").unwrap();
        assert_eq!(put.status_of("NotFound"), Some(404));
        assert_eq!(put.status_of("ServerError"), None, "5XX is a class");
        assert!(put.documents(503) && put.documents(422) && !put.documents(418));
        let get = spec().operation("get_user_profile").unwrap();
        assert!(!get.documents(404));
        assert_eq!(get.pointer(), "/paths/~1api~1v1~1user/get");
        assert!(get.response(502).unwrap()["content"]["text/plain"].is_object());
    }

    #[test]
    fn fields_follow_refs_and_merge_all_of() {
        let update = spec().component_fields("UserProfileUpdate");
        let email = update.iter().find(|f| f.name == "email").unwrap();
        assert_eq!(
            (email.kind, email.nullable, email.required),
            (Kind::Email, true, false)
        );
        assert_eq!(
            email.description.as_deref(),
            Some("The user's email address.")
        );
        let profile = spec().component_fields("UserProfile");
        let id = profile.iter().find(|f| f.name == "id").unwrap();
        assert_eq!((id.kind, id.required), (Kind::Uuid, true));
        assert_eq!(profile[0].name, "first_name", "document order");
    }

    #[test]
    fn all_of_members_merge_and_siblings_win() {
        let spec = Spec::parse(
            r##"
components:
  schemas:
    Base: {type: object, required: [a], properties: {a: {type: string}}, description: base}
    Both:
      allOf: [{$ref: '#/components/schemas/Base'}, {required: [b], properties: {b: {type: integer}}}]
      description: both
"##,
        )
        .unwrap();
        let both = spec.effective(spec.component("Both").unwrap());
        assert_eq!(both["description"], "both");
        assert_eq!(both["required"], json!(["a", "b"]));
        let names: Vec<_> = spec
            .component_fields("Both")
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn cyclic_references_end() {
        let spec = Spec::parse(
            r##"
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
    C: {allOf: [{$ref: '#/components/schemas/C'}]}
    D: {allOf: [{$ref: '#/components/schemas/D'}, {$ref: '#/components/schemas/D'}]}
"##,
        )
        .unwrap();
        assert!(
            spec.resolve(spec.component("A").unwrap())
                .get("$ref")
                .is_some()
        );
        assert!(spec.component_fields("C").is_empty());
        assert!(spec.component_fields("Missing").is_empty());
        assert!(
            spec.component_fields("D").is_empty(),
            "a fan-out cycle ends too"
        );
    }

    #[test]
    fn wide_self_references_stay_within_the_budget() {
        // `Y: {allOf: [Y, Y, ... 1500 times]}` and an object of 1500 properties each `Y`:
        // without one shared budget this took minutes and gigabytes.
        let refs = vec![json!({"$ref": "#/components/schemas/Y"}); 1500];
        let properties: Map<String, Value> = (0..1500)
            .map(|i| (format!("p{i}"), json!({"$ref": "#/components/schemas/Y"})))
            .collect();
        let doc = json!({"components": {"schemas": {
            "Y": {"allOf": refs, "description": "wide"},
            "O": {"type": "object", "properties": properties},
        }}});
        let spec = Spec::from_doc(doc);
        assert_eq!(
            spec.effective(spec.component("Y").unwrap())["description"],
            "wide"
        );
        assert_eq!(spec.component_fields("O").len(), 1500);
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let error = |text: &str| Spec::parse(text).unwrap_err().to_string();
        assert!(error("{\"openapi\": 3.1,").starts_with("neither JSON nor YAML: not valid JSON"));
        assert!(error("a: [b\n  c: :").starts_with("neither JSON nor YAML: not valid YAML"));
        assert!(error("<!doctype html><p>Moved</p>").contains("not a mapping"));
        // 100 MB is refused before it is read: no time, no memory beyond the text.
        let huge = " ".repeat(100 << 20);
        let started = std::time::Instant::now();
        assert!(error(&huge).contains("more than the 16777216 bytes"));
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }

    #[test]
    fn yaml_alias_bombs_stay_bounded() {
        // Nine levels of ten aliases each: a billion nodes if expanded.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let started = std::time::Instant::now();
        let error = Spec::parse(&text).unwrap_err().to_string();
        assert!(error.contains("repetition limit"), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn openapi_3_1_in_json_keeps_property_order_and_cycles_end() {
        let text = r##"{"openapi": "3.1.0", "components": {"schemas": {
            "Node": {"type": "object", "required": ["z"], "properties": {
                "z": {"type": "string"},
                "next": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                "a": {"type": ["integer", "null"], "exclusiveMinimum": 0}}},
            "Loop": {"$ref": "#/components/schemas/Loop", "description": "itself"},
            "Outer": {"$defs": {"Inner": {"const": 1}},
                      "properties": {"i": {"$ref": "#/components/schemas/Outer/$defs/Inner"}}}}}}"##;
        let spec = Spec::parse(text).unwrap();
        let fields = spec.component_fields("Node");
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["z", "next", "a"], "document order");
        assert!(fields[1].nullable && fields[2].nullable && !fields[0].nullable);
        assert_eq!(fields[2].kind, Kind::Integer);
        assert_eq!(fields[2].schema["exclusiveMinimum"], true);
        assert!(spec.component_fields("Loop").is_empty());
        // `$defs` are reached by JSON pointer, normalised like any other schema.
        assert_eq!(spec.component_fields("Outer")[0].schema["enum"], json!([1]));
        assert_eq!(
            spec.effective(spec.component("Loop").unwrap())["description"],
            "itself"
        );
    }
}
