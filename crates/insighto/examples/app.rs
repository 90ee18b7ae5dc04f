//! The job of an application that uses this SDK: configure the client from the
//! environment with a deadline, update the user's profile, and handle each kind of
//! failure: try again later what may pass, report the rest.
//!
//! Against a local sandbox (`insighto sandbox` prints its URL and demo key):
//! `INSIGHTO_BASE_URL=http://127.0.0.1:8000 INSIGHTO_API_KEY=<demo key> cargo run --example app -- +44 20 7946 0000`

use std::time::Duration;

use insighto::{ClientBuilder, Error, Patch, types::UserProfileUpdate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ClientBuilder::from_env()?
        .timeout(Duration::from_secs(10)) // each attempt
        .total_timeout(Duration::from_secs(25)) // the whole call, retries included
        .build()?;

    // A phone number from the command line sets it; none clears it.
    let phone: Vec<String> = std::env::args().skip(1).collect();
    let update = match phone.is_empty() {
        true => UserProfileUpdate::builder().phone(Patch::Clear),
        false => UserProfileUpdate::builder().phone(phone.join(" ")),
    };

    match client.update_my_profile(update).await {
        Ok(profile) => println!("phone: {}", profile.phone.as_deref().unwrap_or("(none)")),
        // Worth another go later: timeouts, network trouble, 429 and 5xx (the client
        // already retried; `Retry-After` is in `RateLimited`).
        Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
        Err(Error::Validation { detail, .. }) => {
            for problem in detail {
                eprintln!("the service refused {:?}: {}", problem.loc, problem.msg);
            }
        }
        Err(e @ (Error::Unauthorized { .. } | Error::Forbidden { .. })) => {
            eprintln!("check INSIGHTO_API_KEY: {e}")
        }
        // The rest fails the same way again: say so, with the request id for support.
        Err(e) => {
            eprintln!("failed: {e} (request id {:?})", e.request_id());
            return Err(e.into());
        }
    }
    Ok(())
}
