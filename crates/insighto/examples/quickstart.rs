use std::time::Duration;

use insighto::{ClientBuilder, types::UserProfileUpdate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The key comes from INSIGHTO_API_KEY; INSIGHTO_BASE_URL, if set, points the
    // client at another server, such as a local sandbox (`insighto sandbox`).
    let client = ClientBuilder::from_env()?
        .total_timeout(Duration::from_secs(30)) // each call, retries included
        .build()?;

    let me = client.get_profile().await?;
    println!(
        "signed in as {} <{}>",
        me.id,
        me.email.as_deref().unwrap_or("no email")
    );

    // `cargo run --example quickstart -- Ada` sets your first name to Ada. Fields the
    // builder does not name are left as they are.
    if let Some(name) = std::env::args().nth(1) {
        let update = UserProfileUpdate::builder().first_name(name);
        let updated = client.update_my_profile(update).await?;
        println!(
            "first name: {}",
            updated.first_name.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
