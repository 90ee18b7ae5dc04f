//! `cargo xtask upstream`: the vendor's published OpenAPI document reviewed against
//! `openapi.yaml`, as "what would change for users if openapi.yaml followed upstream".
//!
//! The upstream document (3.1 from FastAPI, read as 3.0 by `insighto-spec`) is cut down
//! to the operations `openapi.yaml` has (same method, same path once parameter names are
//! set aside) and the components they reach, then classified by the contract diff with
//! `openapi.yaml` as the base. Deliberate differences are listed once, with their reason,
//! in `docs/upstream-differences.toml`; a change one of them matches is reported as known,
//! and an entry that matches nothing is reported as stale.
//!
//! Fetching goes through `curl` rather than an HTTP crate: it is on every CI runner, it
//! brings TLS with the system's roots, and xtask compiles nothing more for a weekly job.

use std::{
    collections::BTreeSet,
    io::Read,
    path::Path,
    process::{Command, Stdio},
};

use insighto_contract::{
    METHODS, Spec,
    diff::{self, Change, Severity},
    lint::normalize_template,
};
use insighto_spec::MAX_DOCUMENT_BYTES;

use crate::FailOn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Where the service is said to publish its document.
pub const DEFAULT_URL: &str = "https://api.insighto.ai/api/v1/openapi.json";

/// The file of known, deliberate differences.
pub const KNOWN_FILE: &str = "docs/upstream-differences.toml";

/// Seconds a fetch may take in all.
const FETCH_SECONDS: u32 = 30;

/// One deliberate difference of `docs/upstream-differences.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Known {
    /// The contract-diff rule id, such as `error-status-removed`, or several.
    pub rule: OneOrMany,
    /// The JSON pointer of the change, or several; `*` stands for any run of characters.
    pub pointer: OneOrMany,
    /// Why openapi.yaml differs on purpose.
    pub reason: String,
}

/// One string or a list of them: one difference can show as several changes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// For Markdown: each value in backticks.
    fn code(&self) -> String {
        match self {
            Self::One(one) => format!("`{}`", cell(one)),
            Self::Many(many) => many
                .iter()
                .map(|m| format!("`{}`", cell(m)))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn any(&self, test: impl Fn(&str) -> bool) -> bool {
        match self {
            Self::One(one) => test(one),
            Self::Many(many) => many.iter().any(|s| test(s)),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownFile {
    #[serde(default)]
    difference: Vec<Known>,
}

/// Reads the list of known differences.
pub fn parse_known(text: &str) -> Result<Vec<Known>, String> {
    let file: KnownFile = toml::from_str(text).map_err(|e| format!("{KNOWN_FILE}: {e}"))?;
    Ok(file.difference)
}

impl Known {
    fn matches(&self, change: &Change) -> bool {
        let rule = change.rule.to_string();
        self.rule.any(|r| r == rule) && self.pointer.any(|p| glob(p, &change.pointer))
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The review: changes no entry explains, those an entry does (with the entry's index),
/// and entries that explain nothing any more.
#[derive(Debug)]
pub struct Review {
    pub changes: Vec<Change>,
    pub known: Vec<(Change, usize)>,
    pub entries: Vec<Known>,
    pub stale: Vec<Known>,
}

impl Review {
    /// Classifies `ours` against the selection of `upstream`, with the known list.
    pub fn new(ours: &Spec, upstream: &Spec, entries: Vec<Known>) -> Self {
        let head = select(ours, upstream);
        let (mut changes, mut known) = (Vec::new(), Vec::new());
        for change in diff::diff(ours, &head) {
            match entries.iter().position(|k| k.matches(&change)) {
                Some(i) => known.push((change, i)),
                None => changes.push(change),
            }
        }
        let stale = (0..entries.len())
            .filter(|i| !known.iter().any(|(_, k)| k == i))
            .map(|i| entries[i].clone())
            .collect();
        Review {
            changes,
            known,
            entries,
            stale,
        }
    }

    /// Whether a breaking change remains once known ones are set aside.
    pub fn breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.severity() == Severity::Breaking)
    }

    /// The contract report (both views) with the known differences, one row an entry,
    /// and the stale entries.
    pub fn markdown(&self, source: &str) -> String {
        let mut out = format!(
            "# Upstream review\n\nWhat would change for users if `openapi.yaml` followed `{source}`.\n\n"
        );
        out.push_str(&diff::markdown(&self.changes, source));
        out.push_str(&format!(
            "\n### Known differences ({} changes)\n\nListed in `{KNOWN_FILE}`; not counted as changes.\n",
            self.known.len()
        ));
        let rows = |entries: &mut dyn Iterator<Item = (&Known, usize)>| {
            let mut table = String::from(
                "\n| rules | where | changes | why openapi.yaml differs |\n|---|---|---|---|\n",
            );
            for (k, count) in entries {
                table.push_str(&format!(
                    "| {} | {} | {count} | {} |\n",
                    k.rule.code(),
                    k.pointer.code(),
                    cell(&k.reason)
                ));
            }
            table
        };
        let matched = self.entries.iter().enumerate().filter_map(|(i, k)| {
            let count = self.known.iter().filter(|(_, e)| *e == i).count();
            (count > 0).then_some((k, count))
        });
        if !self.known.is_empty() {
            out.push_str(&rows(&mut matched.into_iter()));
        }
        if !self.stale.is_empty() {
            out.push_str(&format!(
                "\n### Stale entries ({})\n\nThese listed differences no longer occur: remove them from `{KNOWN_FILE}`.\n",
                self.stale.len()
            ));
            out.push_str(&rows(&mut self.stale.iter().map(|k| (k, 0))));
        }
        out
    }

    /// The contract report as JSON, with `known` (each change with its reason) and
    /// `stale` (the entries) beside the changes.
    pub fn json(&self, source: &str) -> Value {
        let mut json = diff::json(&self.changes, source);
        json["known"] = self
            .known
            .iter()
            .map(|(c, i)| {
                let mut entry = serde_json::to_value(c).unwrap_or_default();
                entry["known_because"] = json!(self.entries[*i].reason);
                entry
            })
            .collect();
        json["stale"] = serde_json::to_value(&self.stale).unwrap_or_default();
        json
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The part of `upstream` that `ours` covers: its operations with the same method and
/// path template (parameter names aside), their path-level parameters, and only the
/// components those reach; everything outside `paths` and `components` is kept.
pub fn select(ours: &Spec, upstream: &Spec) -> Spec {
    let covered: BTreeSet<(String, &str)> = ours
        .operations()
        .iter()
        .map(|op| (normalize_template(op.path), op.method))
        .collect();
    let mut paths = Map::new();
    for (path, item) in upstream.doc()["paths"].as_object().into_iter().flatten() {
        let item = upstream.resolve(item);
        let template = normalize_template(path);
        let mut kept = Map::new();
        for method in METHODS {
            if let Some(op) = item.get(method)
                && covered.contains(&(template.clone(), method))
            {
                kept.insert(method.into(), op.clone());
            }
        }
        if kept.is_empty() {
            continue;
        }
        if let Some(parameters) = item.get("parameters") {
            kept.insert("parameters".into(), parameters.clone());
        }
        paths.insert(path.clone(), Value::Object(kept));
    }
    let paths = Value::Object(paths);
    let mut doc = upstream.doc().clone();
    let components = reachable(upstream.doc(), &paths);
    if let Value::Object(map) = &mut doc {
        map.remove("webhooks");
        map.insert("paths".into(), paths);
        map.insert("components".into(), components);
    }
    Spec::from_doc(doc)
}

/// The components `root` reaches through `$ref`s, transitively; security schemes are kept
/// whole (operations name them without a `$ref`).
fn reachable(doc: &Value, root: &Value) -> Value {
    let all = &doc["components"];
    let mut out = json!({});
    if let Some(schemes) = all.get("securitySchemes") {
        out["securitySchemes"] = schemes.clone();
    }
    let mut seen = BTreeSet::new();
    let mut todo = Vec::new();
    refs(root, &mut todo);
    while let Some(reference) = todo.pop() {
        let mut segments = reference.split('/');
        let (Some(kind), Some(name)) = (segments.next(), segments.next()) else {
            continue;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if !seen.insert((kind.to_owned(), name.clone())) {
            continue;
        }
        if let Some(component) = all.get(kind).and_then(|k| k.get(&name)) {
            refs(component, &mut todo);
            out[kind][name] = component.clone();
        }
    }
    out
}

/// Every local component reference in `value`, without its `#/components/` prefix.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str)
                && let Some(rest) = r.strip_prefix("#/components/")
            {
                out.push(rest.to_owned());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Fetches a document with curl: at most [`MAX_DOCUMENT_BYTES`], within
/// [`FETCH_SECONDS`], http(s) only, and no redirect followed (the error names where it
/// points, so a moved document is a decision, not a surprise).
pub fn fetch(url: &str) -> Result<String, String> {
    let mut child = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--proto",
            "=http,https",
            "--max-redirs",
            "0",
            "--connect-timeout",
            "10",
            "--max-time",
            &FETCH_SECONDS.to_string(),
            "--max-filesize",
            &MAX_DOCUMENT_BYTES.to_string(),
            "--header",
            "Accept: application/json, application/yaml;q=0.9",
            "--write-out",
            "\n%{http_code} %{redirect_url} %{content_type}",
            "--",
            url,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let mut body = Vec::new();
    // The trailer that --write-out adds is short; past the cap and it, stop reading.
    let limit = (MAX_DOCUMENT_BYTES + 4096) as u64;
    let read = child
        .stdout
        .take()
        .map(|out| out.take(limit + 1).read_to_end(&mut body));
    if body.len() as u64 > limit {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "{url}: the document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("curl failed: {e}"))?;
    if let Some(Err(e)) = read {
        return Err(format!("cannot read curl's output: {e}"));
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(match output.status.code() {
            Some(63) => format!("{url}: the document is larger than {MAX_DOCUMENT_BYTES} bytes"),
            Some(28) => format!("{url}: no complete answer within {FETCH_SECONDS} s"),
            _ => format!("{url}: {}", stderr.trim()),
        });
    }
    let text = String::from_utf8(body).map_err(|_| format!("{url}: the answer is not UTF-8"))?;
    let (body, trailer) = text.rsplit_once('\n').unwrap_or(("", &text));
    let mut trailer = trailer.splitn(3, ' ');
    let status = trailer.next().unwrap_or_default();
    let redirect = trailer.next().unwrap_or_default();
    let content_type = trailer.next().unwrap_or_default().to_ascii_lowercase();
    if status.starts_with('3') {
        return Err(format!(
            "{url}: HTTP {status}, a redirect to {redirect:?} (not followed: point --url there if it is right)"
        ));
    }
    if status != "200" {
        return Err(format!("{url}: HTTP {status}, not the document"));
    }
    if content_type.contains("html") || body.trim_start().starts_with('<') {
        return Err(format!(
            "{url}: the answer is HTML ({content_type}), not an OpenAPI document"
        ));
    }
    Ok(body.to_owned())
}

/// Where the upstream document comes from.
pub enum Source {
    Url(String),
    File(std::path::PathBuf),
}

/// `cargo xtask upstream`: prints the review; fails on an unreadable document, with
/// `breaking` on a breaking change no entry explains, with `any` on any change no entry
/// explains or a stale entry.
pub fn run(root: &Path, source: &Source, json: bool, fail_on: FailOn) -> Result<(), String> {
    let (text, label) = match source {
        Source::Url(url) => (fetch(url)?, url.clone()),
        Source::File(path) => {
            // Refused by its size before it is read: a 100 GB file costs nothing.
            let size = std::fs::metadata(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                .len();
            if size > MAX_DOCUMENT_BYTES as u64 {
                return Err(format!(
                    "{}: the document is {size} bytes, more than the {MAX_DOCUMENT_BYTES} bytes a spec may have",
                    path.display()
                ));
            }
            (crate::read(path)?, path.display().to_string())
        }
    };
    let upstream = Spec::parse(&text).map_err(|e| format!("{label}: {e}"))?;
    let ours = Spec::parse(&crate::read(&root.join("openapi.yaml"))?)
        .map_err(|e| format!("openapi.yaml: {e}"))?;
    let known = parse_known(&crate::read(&root.join(KNOWN_FILE))?)?;
    let review = Review::new(&ours, &upstream, known);
    if json {
        let json = review.json(&label);
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serializable")
        );
    } else {
        print!("{}", review.markdown(&label));
    }
    match fail_on {
        FailOn::Breaking if review.breaking() => {
            Err("breaking changes beyond the known differences".into())
        }
        FailOn::Any if !review.changes.is_empty() || !review.stale.is_empty() => {
            Err("changes beyond the known differences, or stale entries".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{io::Write, net::TcpListener};

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
    }

    fn ours() -> Spec {
        Spec::parse(&crate::read(&root().join("openapi.yaml")).unwrap()).unwrap()
    }

    fn reference() -> Value {
        let path = root().join("tests/fastapi-reference/openapi.json");
        serde_json::from_str(&crate::read(&path).unwrap()).unwrap()
    }

    fn known() -> Vec<Known> {
        parse_known(&crate::read(&root().join(KNOWN_FILE)).unwrap()).unwrap()
    }

    #[test]
    fn the_reference_apps_document_has_only_known_differences() {
        let upstream = Spec::parse(&reference().to_string()).unwrap();
        let review = Review::new(&ours(), &upstream, known());
        assert!(
            review.changes.is_empty(),
            "{}",
            review.markdown("reference")
        );
        assert!(review.stale.is_empty(), "{}", review.markdown("reference"));
        assert!(!review.known.is_empty());
        let json = review.json("reference");
        assert_eq!(json["changes"], json!([]));
        assert!(json["known"][0]["known_because"].is_string());
        assert_eq!(json["stale"], json!([]));
    }

    #[test]
    fn a_new_upstream_change_is_reported_and_its_entry_would_go_stale() {
        let mut doc = reference();
        // Upstream drops `follower_count` from the profile it answers with.
        let props = &mut doc["components"]["schemas"]["IUserRead"]["properties"];
        props.as_object_mut().unwrap().remove("follower_count");
        let review = Review::new(&ours(), &Spec::parse(&doc.to_string()).unwrap(), known());
        let rules: Vec<_> = review.changes.iter().map(|c| c.rule.to_string()).collect();
        assert!(
            rules.contains(&"response-optional-property-removed".to_owned()),
            "{rules:?}"
        );
        assert!(review.breaking());
        assert!(review.markdown("x").contains("follower_count"));
        // An entry whose difference is gone is stale.
        let mut list = known();
        list.push(Known {
            rule: OneOrMany::One("operation-removed".into()),
            pointer: OneOrMany::Many(vec!["/paths/~1nowhere/get".into()]),
            reason: "test".into(),
        });
        let review = Review::new(
            &ours(),
            &Spec::parse(&reference().to_string()).unwrap(),
            list.clone(),
        );
        assert_eq!(review.stale, list[list.len() - 1..]);
        assert!(review.markdown("x").contains("### Stale entries (1)"));
    }

    #[test]
    fn selection_keeps_covered_operations_and_what_they_reach() {
        let upstream = Spec::from_doc(json!({"openapi": "3.0.3", "paths": {
            "/api/v1/user/{id}": {"put": {"responses": {"200": {"$ref": "#/components/responses/R"}}},
                                  "delete": {"responses": {}}},
            "/api/v1/other": {"get": {"responses": {}}}},
            "components": {"responses": {"R": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
                           "schemas": {"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                                       "B": {"$ref": "#/components/schemas/A"},
                                       "Unused": {}}}}));
        let head = select(&ours(), &upstream);
        let doc = head.doc();
        assert_eq!(doc["paths"].as_object().unwrap().len(), 1);
        assert!(doc["paths"]["/api/v1/user/{id}"]["delete"].is_null());
        let schemas: Vec<_> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(schemas, ["A", "B"]);
        assert!(doc["components"]["responses"]["R"].is_object());
    }

    #[test]
    fn a_huge_file_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("insighto-upstream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("huge.json");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(100 << 20).unwrap(); // sparse: no disk, no memory
        let error = run(root(), &Source::File(path.clone()), true, FailOn::None).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(error.contains("is 104857600 bytes, more than"), "{error}");
    }

    #[test]
    fn globs() {
        assert!(glob(
            "/paths/*/responses/4*",
            "/paths/~1a/get/responses/401"
        ));
        assert!(!glob(
            "/paths/*/responses/4*",
            "/paths/~1a/get/responses/500"
        ));
        assert!(glob("*", "anything") && glob("exact", "exact") && !glob("exact", "exactly"));
        assert!(glob("a*b*c", "abc") && !glob("a*b*c", "acb") && !glob("ab*ba", "aba"));
    }

    /// A one-shot HTTP server on 127.0.0.1 that answers with `response`.
    fn serve(response: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/openapi.json", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0; 4096];
                let _ = std::io::Read::read(&mut stream, &mut request);
                let _ = stream.write_all(&response);
            }
        });
        url
    }

    fn answer(status: &str, headers: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn fetches_over_loopback_with_clear_errors() {
        let doc = reference().to_string();
        let url = serve(answer("200 OK", "content-type: application/json\r\n", &doc));
        assert_eq!(fetch(&url).unwrap(), doc);

        let html = "<!doctype html><title>Sign in</title>";
        let url = serve(answer("200 OK", "content-type: text/html\r\n", html));
        assert!(fetch(&url).unwrap_err().contains("the answer is HTML"));

        let url = serve(answer(
            "404 Not Found",
            "content-type: application/json\r\n",
            "{}",
        ));
        assert!(fetch(&url).unwrap_err().contains("HTTP 404"));

        let moved = "location: http://elsewhere.example/openapi.json\r\n";
        let url = serve(answer("302 Found", moved, ""));
        let error = fetch(&url).unwrap_err();
        assert!(
            error.contains("redirect to \"http://elsewhere.example/openapi.json\""),
            "{error}"
        );

        let big = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
            MAX_DOCUMENT_BYTES + 1
        );
        let url = serve(big.into_bytes());
        assert!(fetch(&url).unwrap_err().contains("larger than"));

        let error = fetch("file:///etc/passwd").unwrap_err();
        assert!(error.contains("file:///etc/passwd"), "{error}");
    }
}
