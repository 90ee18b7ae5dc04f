//! Testing your own code against the sandbox: each test starts its own in-memory sandbox
//! on a free loopback port, so tests run in parallel, need no account and no network,
//! and leave nothing behind.
//!
//! `cargo test -p insighto-sandbox --example sandbox_in_tests`

// Built as a plain example, everything below but `main` is only used by the tests.
#![cfg_attr(not(test), allow(unused))]

use std::time::Duration;

use insighto::{Client, Error, Patch, RetryPolicy, types::UserProfileUpdate};
use insighto_sandbox::{Account, Operation, Role, Sandbox, SandboxOptions};

/// The code under test: a function of your application that uses the client.
async fn greeting(client: &Client) -> Result<String, Error> {
    let me = client.get_profile().await?;
    let name = me.first_name.as_deref().unwrap_or("stranger");
    Ok(format!("Hello, {name}!"))
}

#[tokio::test]
async fn greets_the_user_and_copes_with_what_the_service_answers() {
    // A fresh sandbox, in memory, on a free loopback port.
    let sandbox = Sandbox::open(&SandboxOptions::default())
        .unwrap()
        .spawn_local()
        .await
        .unwrap();
    let client_for = |key: &str| {
        Client::builder(key)
            .base_url(sandbox.url())
            .retry(RetryPolicy::default().initial_backoff(Duration::ZERO))
            .build()
            .unwrap()
    };

    // Accounts: Ada has two keys, the second one read-only.
    let ada = sandbox
        .add_account(
            Account::builder()
                .first_name("Ada")
                .with_key(Role::ReadOnly),
        )
        .unwrap();
    let client = client_for(&ada.api_key);
    assert_eq!(greeting(&client).await.unwrap(), "Hello, Ada!");

    // Roles: the read-only key reads, and its update is refused with 403.
    let reader = client_for(&ada.keys[1].api_key);
    assert_eq!(greeting(&reader).await.unwrap(), "Hello, Ada!");
    let rename = UserProfileUpdate::builder().first_name(Patch::set("Augusta"));
    let err = reader
        .update_profile(ada.user_id, rename)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");

    // A 422 says which field is wrong, as the real service does.
    let bad = UserProfileUpdate::builder().email(Patch::set("not an email".to_owned()));
    let err = client.update_profile(ada.user_id, bad).await.unwrap_err();
    let Error::Validation { detail, .. } = &err else {
        panic!("{err}");
    };
    let loc: Vec<String> = detail[0].loc.iter().map(ToString::to_string).collect();
    assert_eq!(loc, ["body", "email"]);

    // An injected 429, twice: the client honours Retry-After and the third attempt works.
    sandbox
        .fail_next(Operation::GetUserProfile, 429)
        .unwrap()
        .times(2)
        .retry_after(0)
        .unwrap();
    sandbox.clear_received();
    assert_eq!(greeting(&client).await.unwrap(), "Hello, Ada!");

    // What the sandbox received: three GETs, the key redacted.
    let received = sandbox.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.method == "GET"));
    assert_eq!(received[0].query, "api_key=[REDACTED]");

    // Any error the spec documents, asked for by the client: `Prefer: code=N`.
    let failing = Client::builder(&ada.api_key)
        .base_url(sandbox.url())
        .retry(RetryPolicy::none())
        .default_header("Prefer", "code=503")
        .build()
        .unwrap();
    let err = greeting(&failing).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err}");
}

#[cfg_attr(test, allow(dead_code))]
fn main() {
    eprintln!(
        "this example is a test suite: cargo test -p insighto-sandbox --example sandbox_in_tests"
    );
}
