//! Testing your own code against the sandbox: each test starts its own in-memory sandbox
//! on a free loopback port, so tests run in parallel, need no account and no network,
//! and leave nothing behind.
//!
//! `cargo test -p insighto-sandbox --example sandbox_in_tests`

// Built as a plain example, everything below but `main` is only used by the tests.
#![cfg_attr(not(test), allow(unused))]

use insighto::{Client, Patch, types::UserProfileUpdate};
use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

/// The code under test: a function of your application that uses the client.
async fn greeting(client: &Client) -> Result<String, insighto::Error> {
    let me = client.get_profile().await?;
    let name = me.first_name.as_deref().unwrap_or("stranger");
    Ok(format!("Hello, {name}!"))
}

/// A fresh sandbox (in memory: `SandboxOptions::default()`) and a client for its demo user.
async fn sandbox() -> (RunningSandbox, Client) {
    let sandbox = Sandbox::open(&SandboxOptions::default())
        .expect("an in-memory sandbox opens")
        .spawn_local()
        .await
        .expect("a loopback port is free");
    let client = Client::builder(sandbox.demo_key())
        .base_url(sandbox.url())
        .build()
        .expect("valid settings");
    (sandbox, client)
}

#[tokio::test]
async fn greets_the_user_by_first_name() {
    let (_sandbox, client) = sandbox().await;
    let update = UserProfileUpdate::builder().first_name(Patch::set("Ada"));
    client.update_my_profile(update).await.unwrap();

    assert_eq!(greeting(&client).await.unwrap(), "Hello, Ada!");
}

#[tokio::test]
async fn greets_a_stranger_when_the_name_is_cleared() {
    let (_sandbox, client) = sandbox().await;
    let update = UserProfileUpdate::builder().first_name(Patch::Clear);
    client.update_my_profile(update).await.unwrap();

    assert_eq!(greeting(&client).await.unwrap(), "Hello, stranger!");
}

#[tokio::test]
async fn reports_a_wrong_key_as_unauthorized() {
    let (sandbox, _) = sandbox().await;
    let client = Client::builder("in-not-a-key-the-sandbox-knows")
        .base_url(sandbox.url())
        .build()
        .unwrap();

    let error = greeting(&client).await.unwrap_err();
    assert!(
        matches!(error, insighto::Error::Unauthorized { .. }),
        "{error}"
    );
}

#[cfg_attr(test, allow(dead_code))]
fn main() {
    eprintln!(
        "this example is a test suite: cargo test -p insighto-sandbox --example sandbox_in_tests"
    );
}
