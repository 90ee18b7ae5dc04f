//! The sandbox as a test fixture, through its public API only: typed accounts and key
//! roles, injected faults, what the sandbox received, `Prefer: code=N`, and the client's
//! default headers that send it.

use std::time::{Duration, Instant};

use insighto::{Client, ConfigError, Error, Patch, RetryPolicy, types::UserProfileUpdate};
use insighto_sandbox::{
    Account, AccountError, FaultError, Operation, Role, RunningSandbox, Sandbox, SandboxOptions,
};
use uuid::Uuid;

async fn sandbox() -> RunningSandbox {
    Sandbox::open(&SandboxOptions::default())
        .unwrap()
        .spawn_local()
        .await
        .unwrap()
}

/// A client for `key` that retries at once (the waits are not what these tests check).
fn client(sandbox: &RunningSandbox, key: &str) -> Client {
    Client::builder(key)
        .base_url(sandbox.url())
        .retry(
            RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::ZERO),
        )
        .build()
        .unwrap()
}

fn first_name(name: &str) -> UserProfileUpdate {
    UserProfileUpdate::builder()
        .first_name(Patch::set(name))
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn typed_accounts_have_their_profile_and_several_keys() {
    let sandbox = sandbox().await;
    let ada = sandbox
        .add_account(
            Account::builder()
                .first_name("Ada")
                .email("ada@example.com")
                .with_key(Role::ReadOnly)
                .with_named_key("in-ada-second", Role::FullAccess),
        )
        .unwrap();
    assert_eq!(ada.keys.len(), 3);
    assert_eq!(ada.keys[0].api_key, ada.api_key);
    assert_eq!(ada.role, Role::FullAccess);
    assert_eq!(
        ada.keys.iter().map(|k| k.role).collect::<Vec<_>>(),
        [Role::FullAccess, Role::ReadOnly, Role::FullAccess]
    );
    assert!(!ada.is_superuser && ada.is_active);
    for key in &ada.keys {
        let me = client(&sandbox, &key.api_key).get_profile().await.unwrap();
        assert_eq!(me.id, ada.user_id);
        assert_eq!(me.first_name.as_deref(), Some("Ada"));
    }

    // A superuser updates another account's profile; Ada may not update the admin's.
    let admin = sandbox
        .add_account(Account::builder().superuser().first_name("Root"))
        .unwrap();
    assert!(admin.is_superuser);
    let updated = client(&sandbox, &admin.api_key)
        .update_profile(ada.user_id, &first_name("Augusta"))
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Augusta"));
    let err = client(&sandbox, &ada.api_key)
        .update_profile(admin.user_id, &first_name("Mallory"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");

    // An inactive account's keys are refused with 400.
    let gone = sandbox.add_account(Account::builder().inactive()).unwrap();
    let err = client(&sandbox, &gone.api_key)
        .get_profile()
        .await
        .unwrap_err();
    assert!(err.is_inactive_account(), "{err:?}");
}

#[tokio::test]
async fn adding_an_account_fails_with_a_typed_error() {
    let sandbox = sandbox().await;
    let err = sandbox
        .add_account(Account::builder().email("not an email"))
        .unwrap_err();
    assert!(
        matches!(&err, AccountError::InvalidProfile(why) if why.contains("email")),
        "{err:?}"
    );
    let err = sandbox
        .add_account(Account::builder().field("no_such_field", 1))
        .unwrap_err();
    assert!(matches!(err, AccountError::InvalidProfile(_)), "{err:?}");
    let err = sandbox
        .add_account(Account::builder().api_key("in-has space"))
        .unwrap_err();
    assert!(matches!(err, AccountError::InvalidKey), "{err:?}");
    let err = sandbox
        .add_account(Account::builder().api_key(sandbox.demo_key()))
        .unwrap_err();
    assert!(matches!(err, AccountError::KeyTaken), "{err:?}");
    let err = sandbox
        .add_account(Account::builder().with_named_key(sandbox.demo_key(), Role::ReadOnly))
        .unwrap_err();
    assert!(matches!(err, AccountError::KeyTaken), "{err:?}");
    let err = sandbox
        .add_account(
            Account::builder()
                .id(sandbox.demo().user_id)
                .api_key("in-refused-account"),
        )
        .unwrap_err();
    assert!(
        matches!(err, AccountError::IdTaken(id) if id == sandbox.demo().user_id),
        "{err:?}"
    );
    // Nothing of a refused account was kept: its key is unknown.
    let err = client(&sandbox, "in-refused-account")
        .get_profile()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let id = Uuid::new_v4();
    let fixed = sandbox.add_account(Account::builder().id(id)).unwrap();
    assert_eq!(fixed.user_id, id);
}

#[tokio::test]
async fn a_read_only_key_reads_and_its_update_is_forbidden() {
    let sandbox = sandbox().await;
    let account = sandbox
        .add_account(
            Account::builder()
                .first_name("Grace")
                .role(Role::ReadOnly)
                .with_key(Role::FullAccess),
        )
        .unwrap();
    assert_eq!(account.role, Role::ReadOnly);
    let reader = client(&sandbox, &account.api_key);
    let writer = client(&sandbox, &account.keys[1].api_key);

    assert_eq!(
        reader.get_profile().await.unwrap().first_name.as_deref(),
        Some("Grace")
    );
    let err = reader
        .update_profile(account.user_id, &first_name("Mallory"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert_eq!(err.status(), Some(403));
    writer
        .update_profile(account.user_id, &first_name("Hopper"))
        .await
        .unwrap();
    assert_eq!(
        reader.get_profile().await.unwrap().first_name.as_deref(),
        Some("Hopper")
    );
}

#[tokio::test]
async fn an_injected_503_is_retried_and_the_retries_are_received() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, sandbox.demo_key());
    let id = sandbox.demo().user_id;
    sandbox
        .fail_next(Operation::UpdateUserProfile, 503)
        .unwrap()
        .times(2);

    let updated = client.update_profile(id, &first_name("Ada")).await.unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Ada"));

    let received = sandbox.received();
    assert_eq!(received.len(), 3, "{received:?}");
    for request in &received {
        assert_eq!(request.operation, Operation::UpdateUserProfile);
        assert_eq!(request.method, "PUT");
        assert_eq!(request.path, format!("/api/v1/user/{id}"));
        assert_eq!(request.query, "api_key=[REDACTED]");
        assert_eq!(request.json().unwrap()["first_name"], "Ada");
    }
    let shown = format!("{received:?}");
    assert!(!shown.contains(sandbox.demo_key()), "{shown}");

    // Used up: the next update is answered as usual, at the first attempt.
    sandbox.clear_received();
    client.update_profile(id, &first_name("Bea")).await.unwrap();
    assert_eq!(sandbox.received().len(), 1);
}

#[tokio::test]
async fn an_injected_429_carries_retry_after_and_ends_the_call_when_retries_run_out() {
    let sandbox = sandbox().await;
    sandbox
        .fail_next(Operation::GetUserProfile, 429)
        .unwrap()
        .times(3)
        .retry_after(0)
        .unwrap();
    let err = client(&sandbox, sandbox.demo_key())
        .get_profile()
        .await
        .unwrap_err();
    let Error::RateLimited { retry_after, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(retry_after, Some(Duration::ZERO));
    assert_eq!(
        sandbox.received().len(),
        3,
        "the first attempt and 2 retries"
    );
    // The fault answered only its operation: the update is served.
    let ok = client(&sandbox, sandbox.demo_key()).get_profile().await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn a_fault_waits_its_delay_and_a_disarmed_one_never_answers() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, sandbox.demo_key());
    sandbox
        .fail_next(Operation::GetUserProfile, 500)
        .unwrap()
        .times(0);
    client.get_profile().await.unwrap();

    sandbox
        .fail_next(Operation::GetUserProfile, 502)
        .unwrap()
        .delay(Duration::from_millis(300));
    let slow = Client::builder(sandbox.demo_key())
        .base_url(sandbox.url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = slow.get_profile().await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(err, Error::Server { status: 502, .. }), "{err:?}");
}

#[tokio::test]
async fn faults_are_checked_against_the_spec_when_set_up() {
    let sandbox = sandbox().await;
    let err = sandbox
        .fail_next(Operation::GetUserProfile, 404)
        .unwrap_err();
    let FaultError::Undocumented {
        operation,
        status,
        documented,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*operation, *status), ("get_user_profile", 404));
    assert!(documented.contains(&"429".to_owned()), "{documented:?}");
    assert!(documented.contains(&"5XX".to_owned()), "{documented:?}");
    assert!(!documented.contains(&"200".to_owned()), "{documented:?}");
    assert!(err.to_string().contains("429"), "{err}");

    assert_eq!(
        sandbox
            .fail_next(Operation::UpdateUserProfile, 200)
            .unwrap_err(),
        FaultError::NotAnError { status: 200 }
    );
    assert!(matches!(
        sandbox.fail_next(Operation::UpdateUserProfile, 999),
        Err(FaultError::Undocumented { .. })
    ));
    let err = sandbox
        .fail_next(Operation::UpdateUserProfile, 503)
        .unwrap()
        .retry_after(1)
        .unwrap_err();
    assert!(
        matches!(err, FaultError::RetryAfterUndocumented { status: 503, .. }),
        "{err:?}"
    );
    // The PUT documents 404, the GET does not.
    assert!(sandbox.fail_next(Operation::UpdateUserProfile, 404).is_ok());
}

#[tokio::test]
async fn a_validation_error_names_its_field_and_is_sent_once() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, sandbox.demo_key());
    let update = UserProfileUpdate::builder().email(Patch::set("not an email".to_owned()));
    let err = client
        .update_profile(sandbox.demo().user_id, update)
        .await
        .unwrap_err();
    let Error::Validation { detail, .. } = &err else {
        panic!("{err:?}");
    };
    let loc: Vec<String> = detail[0].loc.iter().map(ToString::to_string).collect();
    assert_eq!(loc, ["body", "email"]);
    assert_eq!(sandbox.received().len(), 1, "a 422 is not retried");

    // An injected 422 has FastAPI's shape too.
    sandbox
        .fail_next(Operation::UpdateUserProfile, 422)
        .unwrap();
    let err = client
        .update_profile(sandbox.demo().user_id, &first_name("Ada"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
}

#[tokio::test]
async fn prefer_code_answers_a_documented_status_and_refuses_an_undocumented_one() {
    let sandbox = sandbox().await;
    let preferring = |code: &str| {
        Client::builder(sandbox.demo_key())
            .base_url(sandbox.url())
            .retry(RetryPolicy::none())
            .default_header("Prefer", format!("code={code}"))
            .build()
            .unwrap()
    };
    let err = preferring("429").get_profile().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    let received = sandbox.received();
    assert_eq!(received.len(), 1);

    for code in ["422", "404", "201", "abc"] {
        let err = preferring(code).get_profile().await.unwrap_err();
        let Error::BadRequest { status, detail, .. } = &err else {
            panic!("{code}: {err:?}");
        };
        assert_eq!(*status, 400);
        assert!(detail.contains(&format!("code={code}")), "{detail}");
        assert!(detail.contains("429") && detail.contains("5XX"), "{detail}");
    }
    // A documented success is served as usual.
    assert!(preferring("200").get_profile().await.is_ok());
}

#[test]
fn default_header_refuses_the_key_and_the_headers_the_client_owns() {
    for name in [
        "api_key",
        "API_KEY",
        "Api-Key",
        "user-agent",
        "Content-Type",
        "accept",
        "api-version",
        "bad header",
    ] {
        let err = Client::builder("in-0123456789")
            .default_header(name, "x")
            .build()
            .unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidHeader { .. }),
            "{name}: {err:?}"
        );
    }
    let err = Client::builder("in-0123456789")
        .default_header("x-trace", "line\nbreak")
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidHeader { .. }), "{err:?}");

    let builder = Client::builder("in-0123456789").default_header("x-secret", "hunter2");
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("x-secret") && !shown.contains("hunter2"),
        "{shown}"
    );
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("hunter2"));
}
