//! What the update methods accept: a profile update, a reference to one, or its builder.

use std::fmt::Display;

use crate::types::UserProfileUpdate;

/// A value the update methods turn into the request body.
///
/// The generated types are `#[non_exhaustive]` (a new optional property must not break
/// anyone's build), so an update is built with its builder rather than a struct literal:
///
/// ```
/// use insighto::{Patch, UpdateBody, types::UserProfileUpdate};
///
/// let update = UserProfileUpdate::builder()
///     .first_name(Patch::set("Ada")) // set
///     .phone(Patch::Clear); // send null; fields not named are left unchanged
/// // `client.update_my_profile(update)` sends it; `update.into_update()` shows the body.
/// assert_eq!(
///     serde_json::to_string(&update.into_update().unwrap()).unwrap(),
///     r#"{"first_name":"Ada","phone":null}"#
/// );
/// ```
pub trait UpdateBody: TryInto<UserProfileUpdate, Error: Display> {
    /// The update itself, or why the builder could not produce it.
    fn into_update(self) -> Result<UserProfileUpdate, String>
    where
        Self: Sized,
    {
        self.try_into().map_err(|e| e.to_string())
    }
}

impl<T: TryInto<UserProfileUpdate, Error: Display>> UpdateBody for T {}

impl From<&UserProfileUpdate> for UserProfileUpdate {
    fn from(update: &UserProfileUpdate) -> Self {
        update.clone()
    }
}
