//! The three states of an update field: leave it, clear it, or set it.
//!
//! Prints the JSON body each update sends; needs no server.

use insighto::{Patch, UpdateBody, types::UserProfileUpdate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let update = UserProfileUpdate::builder()
        // `Patch::Set`: sends the value.
        .first_name(Patch::set("Ada"))
        // `Patch::Clear`: sends `null`, which clears the field.
        .phone(Patch::Clear);
    // Every field the builder does not name (`last_name`, ...) is left out of the body
    // and stays as it is. The client's update methods take the builder as it is;
    // `into_update` shows the body they would send.
    let body = serde_json::to_string(&update.into_update()?)?;
    println!("{body}");
    assert_eq!(body, r#"{"first_name":"Ada","phone":null}"#);
    Ok(())
}
