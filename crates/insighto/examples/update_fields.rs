//! The three states of an update field: leave it, clear it, or set it.
//!
//! Prints the JSON body each update sends; needs no server.

use insighto::{Patch, types::UserProfileUpdate};

fn main() -> Result<(), serde_json::Error> {
    let update = UserProfileUpdate {
        // `None` (the default): the field is left out and stays as it is.
        last_name: None,
        // `Patch::Clear`: sends `null`, which clears the field.
        phone: Some(Patch::Clear),
        // `Patch::Set`: sends the value.
        first_name: Some(Patch::set("Ada")),
        ..Default::default()
    };
    let body = serde_json::to_string(&update)?;
    println!("{body}");
    assert_eq!(body, r#"{"first_name":"Ada","phone":null}"#);
    Ok(())
}
