//! Matching on errors: each failure the API documents has its own variant.
//!
//! Run against a sandbox with a key it does not know:
//! `INSIGHTO_BASE_URL=http://127.0.0.1:8000 INSIGHTO_API_KEY=in-wrong cargo run --example errors`

use insighto::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    match client.get_profile().await {
        Ok(me) => println!("the key works: user {}", me.id),
        Err(Error::Unauthorized { detail, .. } | Error::Forbidden { detail, .. }) => {
            println!("check the key (Settings, API Keys): {detail}")
        }
        Err(Error::Validation { detail, .. }) => {
            for problem in detail {
                println!("invalid {:?}: {}", problem.loc, problem.msg);
            }
        }
        Err(Error::RateLimited { retry_after, .. }) => {
            println!("rate limited; the server asks to wait {retry_after:?}")
        }
        Err(Error::Timeout { .. } | Error::Transport { .. }) => {
            println!("the service is unreachable")
        }
        // Errors never contain the API key, so they are safe to log as they are.
        Err(other) => println!("failed: {other}"),
    }
    Ok(())
}
