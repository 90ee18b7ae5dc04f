//! Accounts a test adds, typed: `Account::builder().first_name("Ada").superuser()`.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::store::{Account, Conflict, Role, Store, StoreError, new_api_key};

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// A profile field is unknown or its value is not valid for it (as an update would
    /// be refused).
    #[error("invalid profile: {0}")]
    InvalidProfile(String),
    /// A key chosen by the test is empty or has whitespace.
    #[error("an API key is empty or has whitespace")]
    InvalidKey,
    /// A key belongs to another account already (or is given twice).
    #[error("an API key belongs to another account already")]
    KeyTaken,
    /// The id belongs to another account already.
    #[error("the id {0} belongs to another account already")]
    IdTaken(Uuid),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An account to add with `add_account`; unset profile fields are as in a new account
/// (active, not a superuser, counts 0, the rest null). Its first key has full access
/// unless [`role`](Self::role) says otherwise.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct AccountBuilder {
    fields: Map<String, Value>,
    api_key: Option<String>,
    role: Role,
    more_keys: Vec<(Option<String>, Role)>,
}

impl Account {
    /// A new account to add with `add_account`.
    pub fn builder() -> AccountBuilder {
        AccountBuilder::default()
    }
}

impl AccountBuilder {
    /// Any profile field of the spec's `UserProfileUpdate`, validated when added.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The profile's `first_name`.
    pub fn first_name(self, name: impl Into<String>) -> Self {
        self.field("first_name", name.into())
    }

    /// The profile's `last_name`.
    pub fn last_name(self, name: impl Into<String>) -> Self {
        self.field("last_name", name.into())
    }

    /// The profile's `email`.
    pub fn email(self, email: impl Into<String>) -> Self {
        self.field("email", email.into())
    }

    /// The profile's `id` (a fresh one otherwise).
    pub fn id(self, id: Uuid) -> Self {
        self.field("id", id.to_string())
    }

    /// A superuser, who may update every profile.
    pub fn superuser(self) -> Self {
        self.field("is_superuser", true)
    }

    /// An inactive account, whose keys are refused with 400.
    pub fn inactive(self) -> Self {
        self.field("is_active", false)
    }

    /// The first key's text (a fresh `in-...` key otherwise).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The first key's role ([`Role::FullAccess`] otherwise).
    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// Another key, fresh, with this role.
    pub fn with_key(mut self, role: Role) -> Self {
        self.more_keys.push((None, role));
        self
    }

    /// Another key, with this text and role.
    pub fn with_named_key(mut self, key: impl Into<String>, role: Role) -> Self {
        self.more_keys.push((Some(key.into()), role));
        self
    }
}

/// Whether a key chosen by a test or a seed file can be sent in a query string as it is.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty() && !key.chars().any(char::is_whitespace)
}

/// Validates and adds the account, its keys included, in one transaction.
pub(crate) fn add(store: &Store, account: AccountBuilder) -> Result<Account, AccountError> {
    // An update ignores unknown fields; a test's account names only real ones.
    let fields = crate::spec::spec().fields.as_slice();
    if let Some(unknown) = (account.fields.keys())
        .find(|name| *name != "id" && !fields.iter().any(|f| f.updatable && f.name == **name))
    {
        return Err(AccountError::InvalidProfile(format!(
            "{unknown}: not a field of UserProfileUpdate"
        )));
    }
    let fields = crate::account_fields(account.fields).map_err(AccountError::InvalidProfile)?;
    let mut keys = Vec::new();
    let all = std::iter::once((account.api_key, account.role)).chain(account.more_keys);
    for (key, role) in all {
        let key = key.unwrap_or_else(new_api_key);
        if !valid_key(&key) {
            return Err(AccountError::InvalidKey);
        }
        if keys.iter().any(|(k, _)| *k == key) {
            return Err(AccountError::KeyTaken);
        }
        keys.push((key, role));
    }
    match store.add_account(fields, &keys)? {
        Ok(added) => Ok(added),
        Err(Conflict::Key) => Err(AccountError::KeyTaken),
        Err(Conflict::Id(id)) => Err(AccountError::IdTaken(id)),
    }
}
