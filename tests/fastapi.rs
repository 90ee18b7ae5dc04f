//! The sandbox against real FastAPI: the same requests go to the reference app in
//! `tests/fastapi-reference` (FastAPI + pydantic v2 from PyPI, pinned in its
//! `requirements.txt`, installed by `.ci/tools`) over HTTP and to the sandbox's router
//! in-process (`raw`), and the answers are compared: status, the `loc` and `type` of
//! every 422 problem, the `detail` of other errors, and the whole profile echoed back on
//! success.
//!
//! The reference needs a Python with its requirements: `INSIGHTO_REFERENCE_PYTHON`, or
//! the venv `.ci/tools` makes (`$INSIGHTO_TOOLS/reference-venv`, default
//! `~/.cache/insighto-tools`). Without one the test says so and passes, except in CI
//! (`CI` set), where it fails.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use insighto_sandbox::{Sandbox, SandboxOptions};
use insighto_tests::raw::{self, Method};
use serde_json::{Value, json};

const USER: (&str, &str) = ("in-diff-user", "11111111-1111-4111-8111-111111111111");
const ADMIN: (&str, &str) = ("in-diff-admin", "22222222-2222-4222-8222-222222222222");
const OTHER: (&str, &str) = ("in-diff-other", "33333333-3333-4333-8333-333333333333");
const INACTIVE: (&str, &str) = ("in-diff-inactive", "44444444-4444-4444-8444-444444444444");
const QUITTER: (&str, &str) = ("in-diff-quitter", "55555555-5555-4555-8555-555555555555");
const ODD: (&str, &str) = (
    "in-diff+odd/key=x&y",
    "66666666-6666-4666-8666-666666666666",
);
/// Takes the values the sandbox refuses on purpose, so no other case sees its state.
const STRICT: (&str, &str) = ("in-diff-strict", "88888888-8888-4888-8888-888888888888");
const NOBODY: &str = "77777777-7777-4777-8777-777777777777";

fn seed() -> Value {
    json!({"accounts": [
        {"api_key": USER.0, "profile": {"id": USER.1, "first_name": "Ada", "email": "ada@example.com"}},
        {"api_key": ADMIN.0, "profile": {"id": ADMIN.1, "is_superuser": true}},
        {"api_key": OTHER.0, "profile": {"id": OTHER.1, "last_name": "Other"}},
        {"api_key": INACTIVE.0, "profile": {"id": INACTIVE.1, "is_active": false}},
        {"api_key": QUITTER.0, "profile": {"id": QUITTER.1}},
        {"api_key": ODD.0, "profile": {"id": ODD.1}},
        {"api_key": STRICT.0, "profile": {"id": STRICT.1}},
    ]})
}

/// The reference app, stopped when dropped.
struct Reference {
    child: Child,
    url: String,
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_reference(seed_path: &std::path::Path) -> Option<Reference> {
    let python = insighto_tests::reference_python("the FastAPI differential test")?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fastapi-reference");
    let mut child = Command::new(&python)
        .args([
            "-m",
            "uvicorn",
            "app:app",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ])
        .current_dir(&dir)
        .env("INSIGHTO_REFERENCE_SEED", seed_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let stderr = child.stderr.take().expect("piped stderr");
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && let Some(rest) = line.split("Uvicorn running on ").nth(1) {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = found.send(Ok(url));
                sent = true;
            } else if !sent {
                let _ = found.send(Err(line));
            } else if !line.contains(" HTTP/1.1\" ") {
                eprintln!("reference app: {line}");
            }
        }
    });
    let mut log = Vec::new();
    loop {
        match url.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(url)) => return Some(Reference { child, url }),
            Ok(Err(line)) => log.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("the reference app did not start:\n{}", log.join("\n"));
            }
        }
    }
}

/// One request, sent to both servers.
struct Case {
    category: &'static str,
    name: String,
    method: Method,
    /// Path and query.
    target: String,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    /// Why the sandbox refuses (422) what FastAPI accepts, on purpose.
    stricter: Option<&'static str>,
}

fn put_as(key: &str, id: &str) -> String {
    format!("/api/v1/user/{id}?api_key={}", encode(key))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

struct Cases(Vec<Case>);

impl Cases {
    fn raw(
        &mut self,
        category: &'static str,
        name: impl Into<String>,
        method: Method,
        target: String,
        content_type: Option<&'static str>,
        body: Option<Vec<u8>>,
    ) {
        self.0.push(Case {
            category,
            name: name.into(),
            method,
            target,
            content_type,
            body,
            stricter: None,
        });
    }

    fn get(&mut self, category: &'static str, name: &str, query: &str) {
        let target = format!("/api/v1/user{query}");
        self.raw(category, name, Method::GET, target, None, None);
    }

    /// A JSON PUT by `key` on profile `id`.
    fn put(&mut self, category: &'static str, name: &str, key: &str, id: &str, body: &str) {
        self.raw(
            category,
            name,
            Method::PUT,
            put_as(key, id),
            Some("application/json"),
            Some(body.as_bytes().to_vec()),
        );
    }

    /// A PUT of `{field: value}` on the user's own profile.
    fn field(&mut self, category: &'static str, field: &str, value: Value) {
        let body = json!({ field: value }).to_string();
        self.put(category, &format!("{field}={value}"), USER.0, USER.1, &body);
    }
}

fn cases() -> Vec<Case> {
    let mut c = Cases(Vec::new());
    let (user, id) = USER;

    // Authentication and rights.
    c.get("auth", "no key", "");
    c.get("auth", "empty key", "?api_key=");
    c.get("auth", "unknown key", "?api_key=in-nobody");
    c.get("auth", "valid key", &format!("?api_key={user}"));
    c.get(
        "auth",
        "key twice, last valid",
        &format!("?api_key=in-x&api_key={user}"),
    );
    c.get(
        "auth",
        "key twice, last unknown",
        &format!("?api_key={user}&api_key=in-x"),
    );
    c.get(
        "auth",
        "percent-encoded key",
        &format!("?api_key={}", encode(ODD.0)),
    );
    c.get(
        "auth",
        "raw + in key (a space)",
        "?api_key=in-diff+odd/key=x",
    );
    c.get(
        "auth",
        "inactive account",
        &format!("?api_key={}", INACTIVE.0),
    );
    c.put(
        "auth",
        "inactive account updates itself",
        INACTIVE.0,
        INACTIVE.1,
        r#"{"is_active": true}"#,
    );
    c.put("auth", "no key", "", id, "{}");
    c.put(
        "auth",
        "unknown key, bad field",
        "in-nobody",
        id,
        r#"{"is_active": "maybe"}"#,
    );
    c.put("auth", "unknown key, bad JSON", "in-nobody", id, "{");
    c.put("auth", "no key, bad path", "", "nope", "{}");
    c.put(
        "auth",
        "user updates another user",
        user,
        OTHER.1,
        r#"{"first_name": "X"}"#,
    );
    c.put("auth", "user updates nobody", user, NOBODY, "{}");
    c.put(
        "auth",
        "user grants itself superuser",
        user,
        id,
        r#"{"is_superuser": true}"#,
    );
    c.put(
        "auth",
        "user grants itself superuser (\"yes\")",
        user,
        id,
        r#"{"is_superuser": "yes"}"#,
    );
    c.put(
        "auth",
        "user sets is_superuser false",
        user,
        id,
        r#"{"is_superuser": false}"#,
    );
    c.put(
        "auth",
        "admin updates another user",
        ADMIN.0,
        OTHER.1,
        r#"{"phone": "+1 555"}"#,
    );
    c.put(
        "auth",
        "admin makes another superuser",
        ADMIN.0,
        OTHER.1,
        r#"{"is_superuser": 1}"#,
    );
    c.put("auth", "admin updates nobody", ADMIN.0, NOBODY, "{}");
    c.put(
        "auth",
        "user deactivates itself",
        QUITTER.0,
        QUITTER.1,
        r#"{"is_active": false}"#,
    );
    c.get(
        "auth",
        "deactivated user reads",
        &format!("?api_key={}", QUITTER.0),
    );
    c.put(
        "auth",
        "deactivated user reactivates itself",
        QUITTER.0,
        QUITTER.1,
        r#"{"is_active": true}"#,
    );

    // Strings.
    for value in [
        json!("Grace"),
        json!(""),
        json!("é 😀 \u{0} \"q\""),
        json!("x".repeat(10_000)),
        Value::Null,
        json!(5),
        json!(true),
        json!([]),
        json!({}),
    ] {
        c.field("string", "first_name", value);
    }
    // Booleans, in pydantic's lax mode.
    for value in [
        json!(true),
        json!(false),
        json!(1),
        json!(0),
        json!(1.0),
        json!(2),
        json!(2.0),
        json!(1.5),
        json!("true"),
        json!("yes"),
        json!("YES"),
        json!("on"),
        json!("off"),
        json!("n"),
        json!("f"),
        json!("0"),
        json!("2"),
        json!(" true"),
        json!(""),
        json!([]),
        Value::Null,
    ] {
        c.field("boolean", "is_paying", value);
    }
    // Uuids.
    for value in [
        json!("3c90c3cc-0d44-4b50-8888-8dd25736052a"),
        json!("3C90C3CC-0D44-4B50-8888-8DD25736052A"),
        json!("3c90c3cc0d444b5088888dd25736052a"),
        json!("{3c90c3cc-0d44-4b50-8888-8dd25736052a}"),
        json!("urn:uuid:3c90c3cc-0d44-4b50-8888-8dd25736052a"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("3c90c3cc-0d44-4b50-8888-8dd2573605"),
        json!("not-a-uuid"),
        json!(" 3c90c3cc-0d44-4b50-8888-8dd25736052a"),
        json!(5),
        Value::Null,
    ] {
        c.field("uuid", "role_id", value);
    }
    // Email addresses (email-validator's rules).
    for value in [
        json!("grace@example.com"),
        json!("A.B+c@Sub.Example.ORG"),
        json!("Grace Hopper <grace@navy.example.org>"),
        json!(" g@example.com "),
        json!("ü@bücher.de"),
        json!("a@example.example"),
        json!("a@localhost"),
        json!("a@b"),
        json!("a..b@c.de"),
        json!("a@example.test"),
        json!("x@123.123"),
        json!("a b@c.de"),
        json!("\"a\"@b.co"),
        json!(5),
        Value::Null,
    ] {
        c.field("email", "email", value);
    }
    // Date-times.
    for value in [
        json!("2024-05-01T10:20:30Z"),
        json!("2024-05-01T10:20:30+02:00"),
        json!("2024-05-01T10:20:30-0530"),
        json!("2024-05-01T10:20:30.5+01:00"),
        json!("2024-05-01T10:20:30.123456789Z"),
        json!("2024-05-01T10:20:30"),
        json!("2024-05-01 10:20:30"),
        json!("2024-05-01_10:20"),
        json!("2024-05-01t10:20:30z"),
        json!("2024-05-01"),
        json!("2024-05-01T10:20:30,25Z"),
        json!("2024-05-01T10:20:30-00:00"),
        json!(1_700_000_000),
        json!(1_700_000_000.5),
        json!("1700000000"),
        json!(1_700_000_000_123_i64),
        json!(-1),
        json!("2024-05-01T10"),
        json!("2024-02-30T00:00:00"),
        json!("2024-05-01T24:00:00"),
        json!("2024-05-01T10:20:30+24:00"),
        json!("0000-01-01T00:00:00+23:59"),
        json!("1e5"),
        json!(1e20),
        json!(true),
        json!([]),
        Value::Null,
        json!("0001-01-01T00:00:00Z"),
        json!("9999-12-31T23:59:59Z"),
    ] {
        c.field("date-time", "birthdate", value);
    }
    for value in ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"] {
        let body = json!({ "birthdate": value }).to_string();
        c.put(
            "date-time",
            &format!("birthdate={value}"),
            STRICT.0,
            STRICT.1,
            &body,
        );
        c.0.last_mut().unwrap().stricter =
            Some("its UTC form is outside years 1-9999: no client or database can hold it");
    }

    // Body shapes and content types.
    let shape = |c: &mut Cases, name: &str, content_type: Option<&'static str>, body: &[u8]| {
        c.raw(
            "body",
            name,
            Method::PUT,
            put_as(user, id),
            content_type,
            Some(body.to_vec()),
        );
    };
    shape(&mut c, "empty object", Some("application/json"), b"{}");
    shape(&mut c, "no body", Some("application/json"), b"");
    shape(&mut c, "whitespace", Some("application/json"), b"  \n");
    shape(&mut c, "null", Some("application/json"), b"null");
    shape(
        &mut c,
        "array",
        Some("application/json"),
        b"[{\"first_name\": \"A\"}]",
    );
    shape(&mut c, "string", Some("application/json"), b"\"x\"");
    shape(&mut c, "number", Some("application/json"), b"5");
    shape(&mut c, "no content type", None, b"{}");
    shape(&mut c, "text/plain", Some("text/plain"), b"{}");
    shape(
        &mut c,
        "form",
        Some("application/x-www-form-urlencoded"),
        b"first_name=A",
    );
    shape(
        &mut c,
        "+json type with charset",
        Some("application/vnd.api+json; charset=utf-8"),
        b"{\"state\": \"CA\"}",
    );
    shape(
        &mut c,
        "JSON type in capitals",
        Some("APPLICATION/JSON"),
        b"{\"state\": \"NY\"}",
    );
    shape(
        &mut c,
        "invalid UTF-8",
        Some("application/json"),
        b"{\"first_name\": \"\xff\"}",
    );
    shape(
        &mut c,
        "byte-order mark",
        Some("application/json"),
        b"\xEF\xBB\xBF{\"country\": \"FR\"}",
    );
    shape(
        &mut c,
        "unknown and read-only fields",
        Some("application/json"),
        br#"{"nope": 1, "id": "x", "follower_count": "many"}"#,
    );
    shape(
        &mut c,
        "duplicate key, last wins",
        Some("application/json"),
        br#"{"state": 1, "state": "WA"}"#,
    );
    shape(
        &mut c,
        "several bad fields",
        Some("application/json"),
        br#"{"email": "no", "is_trial": "maybe", "role_id": 1, "birthdate": "soon", "phone": []}"#,
    );
    let deep =
        |n: usize| format!("{{\"first_name\": {}{}}}", "[".repeat(n), "]".repeat(n)).into_bytes();
    // (FastAPI echoes the input; deeper than this, serde_json could not read its answer.)
    shape(
        &mut c,
        "nested 120 deep",
        Some("application/json"),
        &deep(120),
    );
    shape(
        &mut c,
        "nested 3000 deep",
        Some("application/json"),
        &deep(3000),
    );
    shape(
        &mut c,
        "NaN and Infinity in unknown fields",
        Some("application/json"),
        br#"{"state": "NV", "x": NaN, "y": [-Infinity, Infinity]}"#,
    );
    shape(
        &mut c,
        "huge number",
        Some("application/json"),
        br#"{"is_trial": 1e300, "birthdate": 123456789012345678901234567890}"#,
    );

    // JSON syntax errors: FastAPI reports Python's character offset.
    for text in [
        "{",
        "{\"first_name\":",
        "{\"first_name\": \"A\",}",
        "[1,]",
        "{} x",
        "{'first_name': 'A'}",
        "{\"first_name\": \"A",
        "{\"first_name\": \"\\x\"}",
        "{\"first_name\": \"a\tb\"}",
        "{\"é😀\": 1,,}",
        "{\"first_name\": tru}",
        "{\"a\": 01}",
    ] {
        shape(&mut c, text, Some("application/json"), text.as_bytes());
        c.0.last_mut().unwrap().category = "json syntax";
    }

    // The path parameter.
    for (name, path_id) in [
        ("uppercase id", id.to_uppercase()),
        ("hex id without hyphens", id.replace('-', "")),
        ("braced id", format!("{{{id}}}")),
        ("not a uuid", "nope".to_owned()),
        ("invalid UTF-8 in the id", "%FF%FE".to_owned()),
        ("bad id and bad body", "nope".to_owned()),
    ] {
        let body = if name.starts_with("bad id") {
            r#"{"is_paying": "maybe"}"#
        } else {
            "{}"
        };
        c.put("path", name, user, &path_id, body);
    }
    c.get("auth", "read back", &format!("?api_key={user}"));
    c.0
}

/// What is compared of an answer.
#[derive(Debug, PartialEq)]
enum Seen {
    Ok(Value),
    Invalid(Vec<(Value, String)>),
    Error(u16, Value),
}

/// The path and query as an HTTP client puts them on the wire (`url`'s encoding, as
/// reqwest applies it), so that both servers see the same bytes.
fn on_the_wire(target: &str) -> String {
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).unwrap();
    url[url::Position::BeforePath..].to_owned()
}

async fn from_fastapi(http: &reqwest::Client, base: &str, case: &Case) -> Seen {
    let mut request = http.request(
        case.method.clone(),
        format!("{base}{}", on_the_wire(&case.target)),
    );
    if let Some(ct) = case.content_type {
        request = request.header("content-type", ct);
    }
    if let Some(body) = &case.body {
        request = request.body(body.clone());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} {} (FastAPI): {e:?}", case.category, case.name));
    let status = response.status().as_u16();
    seen(status, &response.bytes().await.unwrap_or_default())
}

/// Only the status and body are compared: the headers a real server adds (`date`,
/// `server`, `content-length`) would differ in any case.
async fn from_sandbox(app: &axum::Router, case: &Case) -> Seen {
    let mut request = raw::request(case.method.clone(), on_the_wire(&case.target));
    if let Some(ct) = case.content_type {
        request = request.header("content-type", ct);
    }
    if let Some(body) = &case.body {
        request = request.body(body.clone());
    }
    let response = request.send(app).await;
    seen(response.status, &response.body)
}

fn seen(status: u16, body: &[u8]) -> Seen {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match status {
        200 => Seen::Ok(body["data"].clone()),
        422 => {
            let mut problems: Vec<(Value, String)> = body["detail"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["loc"].clone(),
                        p["type"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            problems.sort_by_key(|(loc, kind)| format!("{loc}{kind}"));
            Seen::Invalid(problems)
        }
        _ => Seen::Error(status, body["detail"].clone()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_answers_like_fastapi() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, seed().to_string()).unwrap();
    let Some(reference) = start_reference(&seed_path) else {
        return;
    };
    let sandbox = Sandbox::open(&SandboxOptions {
        seed: Some(seed_path.clone()),
        ..Default::default()
    })
    .unwrap();
    // The router `insighto sandbox` serves (not behind the spec-checking layer: like
    // FastAPI, the sandbox echoes naive date-times and internationalised addresses, which
    // JSON Schema's `date-time` and `email` formats do not cover).
    let app = sandbox.router();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let cases = cases();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    // category -> (cases, agreeing, stricter on purpose)
    let mut table: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut lenient = Vec::new();
    for case in &cases {
        let expected = from_fastapi(&http, &reference.url, case).await;
        let got = from_sandbox(&app, case).await;
        let row = table.entry(case.category).or_default();
        row.0 += 1;
        let what = format!("[{}] {}", case.category, case.name);
        if let Some(reason) = case.stricter {
            let refused_with_loc =
                matches!(&got, Seen::Invalid(p) if p.len() == 1 && p[0].0[0] == "body");
            assert!(
                matches!(expected, Seen::Ok(_)) && refused_with_loc,
                "{what}: expected FastAPI to accept and the sandbox to refuse ({reason}); \
                 FastAPI {expected:?}, sandbox {got:?}"
            );
            row.2 += 1;
            continue;
        }
        if expected == got {
            row.1 += 1;
            continue;
        }
        if matches!(got, Seen::Ok(_)) && !matches!(expected, Seen::Ok(_)) {
            lenient.push(what.clone());
        }
        disagreements.push(format!(
            "{what}\n    FastAPI: {expected:?}\n    sandbox: {got:?}"
        ));
    }

    let mut report = format!(
        "\nsandbox vs FastAPI\n{:<12} {:>6} {:>7} {:>16}\n",
        "category", "cases", "agree", "stricter (doc.)"
    );
    let mut totals = (0, 0, 0);
    for (category, (n, agree, stricter)) in &table {
        report.push_str(&format!(
            "{category:<12} {n:>6} {agree:>7} {stricter:>16}\n"
        ));
        totals = (totals.0 + n, totals.1 + agree, totals.2 + stricter);
    }
    report.push_str(&format!(
        "{:<12} {:>6} {:>7} {:>16}\naccepted by the sandbox but refused by FastAPI: {}\n",
        "total",
        totals.0,
        totals.1,
        totals.2,
        lenient.len()
    ));
    // Straight to stderr, past the test harness's capture, so that CI logs show it.
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), report.as_bytes());
    assert!(
        lenient.is_empty(),
        "the sandbox accepts what FastAPI refuses: {lenient:#?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree with FastAPI:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    drop(reference);
}
