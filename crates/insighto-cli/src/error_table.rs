//! The status-to-error table of the library's docs (`crates/insighto/src/error_table.md`),
//! derived from `openapi.yaml` and checked against the real client and the CLI.
//!
//! Each row is an error status an operation documents. The error it names
//! (`x-insighto-error`) is checked by a real call: a loopback server answers the
//! status with the spec's example body, and the client's error must be that variant.
//! Whether it is retryable and its exit code are read off that error
//! (`Error::is_retryable`, [`crate::exits::classify`]), so the table cannot drift from
//! the code. It lives here because only the CLI knows both the client and the exit
//! codes. `INSIGHTO_BLESS=1` (which `cargo xtask generate` sets) writes the file; a plain
//! run fails on any difference.

use insighto::{Client, Error, RetryPolicy, types::UserProfileUpdate};
use insighto_spec::{ERROR_EXTENSION, Spec};
use insighto_tests::scripted::{Canned, KEY, Scripted};
use serde_json::{Value, json};

use crate::exits::classify;

/// The variant's name, as `x-insighto-error` writes it.
fn variant(error: &Error) -> &'static str {
    match error {
        Error::BadRequest { .. } => "BadRequest",
        Error::Unauthorized { .. } => "Unauthorized",
        Error::Forbidden { .. } => "Forbidden",
        Error::NotFound { .. } => "NotFound",
        Error::Validation { .. } => "Validation",
        Error::RateLimited { .. } => "RateLimited",
        Error::Server { .. } => "Server",
        Error::UnexpectedStatus { .. } => "UnexpectedStatus",
        _ => "another variant",
    }
}

/// One call of `operation` answered with `answer`, without retries.
async fn failure(operation: &str, answer: Canned) -> Error {
    let server = Scripted::start(vec![answer]).await;
    let client = Client::builder(KEY)
        .base_url(&server.url)
        .retry(RetryPolicy::none())
        .build()
        .expect("valid settings");
    let result = match operation {
        "get_user_profile" => client.get_profile().await,
        "update_user_profile" => {
            let update = UserProfileUpdate::builder().first_name("Ada");
            client.update_profile(uuid::Uuid::nil(), update).await
        }
        other => panic!("add a call of the new operation {other} to error_table.rs"),
    };
    result.expect_err("an error status")
}

/// What the client and the CLI make of one status: the variant, whether it is
/// retryable, and the exit code. The exit code is given for the example body and, when
/// a body with another `detail` gets another code, for that too.
async fn outcome(operation: &str, status: u16, example: &Value) -> (String, bool, String) {
    let error = failure(operation, Canned::json(status, example.clone())).await;
    let (code, _) = classify(&error);
    let mut exit = code.to_string();
    if let Some(detail) = example["detail"].as_str() {
        let other = failure(operation, Canned::json(status, json!({"detail": "other"}))).await;
        let (other_code, _) = classify(&other);
        assert_eq!(variant(&other), variant(&error), "{operation} {status}");
        if other_code != code {
            exit = format!("{code} (`{detail}`), else {other_code}");
        }
    }
    (variant(&error).to_owned(), error.is_retryable(), exit)
}

/// The statuses a response key stands for in the checks: itself, or for a class
/// (`5XX`) its first, a middle and its last status.
fn statuses(key: &str) -> Vec<u16> {
    match key.strip_suffix("XX").and_then(|c| c.parse::<u16>().ok()) {
        Some(class) => vec![class * 100, class * 100 + 3, class * 100 + 99],
        None => key.parse().into_iter().collect(),
    }
}

async fn render(spec: &Spec) -> String {
    let mut out = String::from(
        "| Operation | Status | `Error` variant | `is_retryable()` | `insighto` exit code |\n\
         |---|---|---|---|---|\n",
    );
    for op in spec.operations() {
        let id = op.id().expect("every operation has an id");
        let name = format!("`{} {}`", op.method.to_uppercase(), op.path);
        let mut keys: Vec<&str> = op.statuses();
        keys.sort();
        for key in keys
            .into_iter()
            .filter(|k| !k.starts_with('2') && *k != "default")
        {
            let response = spec.resolve(&op.value["responses"][key]);
            let named = response[ERROR_EXTENSION].as_str();
            let example = &response["content"]["application/json"]["example"];
            let mut seen = Vec::new();
            for status in statuses(key) {
                seen.push(outcome(id, status, example).await);
            }
            let (found, retryable, exit) = seen[0].clone();
            assert!(seen.iter().all(|s| *s == seen[0]), "{id} {key}: {seen:?}");
            // A response that names no error stays an unexpected status.
            let expected = named.unwrap_or("UnexpectedStatus");
            assert_eq!(
                found, expected,
                "{id} {key}: the client disagrees with the spec"
            );
            let retryable = if retryable { "yes" } else { "no" };
            out += &format!("| {name} | {key} | `{found}` | {retryable} | {exit} |\n");
        }
    }
    // A status no operation documents, such as a proxy's 418.
    let (found, retryable, exit) = outcome("get_user_profile", 418, &json!({})).await;
    assert_eq!(found, "UnexpectedStatus");
    let retryable = if retryable { "yes" } else { "no" };
    out += &format!("| any | any other | `{found}` | {retryable} | {exit} |\n");
    out
}

const TABLE: &str = "../insighto/src/error_table.md";

#[tokio::test]
async fn the_error_table_follows_the_spec_the_client_and_the_exit_codes() {
    let table = render(Spec::bundled()).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    if std::env::var_os("INSIGHTO_BLESS").is_some() {
        std::fs::write(&path, &table).expect("the table is writable");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == table,
        "{} is stale: run `cargo xtask generate` (or INSIGHTO_BLESS=1 cargo test -p \
         insighto-cli error_table).\nExpected:\n{table}",
        path.display()
    );
}
