//! Accounts and profiles in SQLite: a file that survives restarts, or memory for tests.
//!
//! One connection behind a mutex serialises every read-modify-write of a profile, so
//! concurrent updates of different fields never lose one another; SQLite's WAL journal
//! makes each acknowledged update durable across a crash of the process.

use std::{
    path::Path,
    sync::{Mutex, MutexGuard},
};

use rand::{Rng, distr::Alphanumeric};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::spec::{FieldKind, spec};

/// A store failure; the server answers 500 for it (never caused by a client's input).
#[derive(Debug, thiserror::Error)]
#[error("sandbox storage: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self(format!("corrupt profile: {e}"))
    }
}

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The key that authenticates as this account.
    pub api_key: String,
    /// The profile's `id`.
    pub user_id: Uuid,
    /// Whether the key may read and update other users' profiles.
    pub is_superuser: bool,
}

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, or a private in-memory one.
    pub fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        let conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        // WAL + NORMAL: a committed transaction survives the process being killed
        // (only an OS crash could lose the last ones), and readers never block writers.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS users (
                 id      TEXT PRIMARY KEY,
                 api_key TEXT NOT NULL UNIQUE,
                 profile TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS settings (
                 name  TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             );",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back), so a poisoned lock is still safe to use.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The demo account, created with a fresh key the first time.
    pub fn ensure_demo(&self) -> Result<Account, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT value FROM settings WHERE name = 'demo_key'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let key = match existing {
            Some(key) => key,
            None => {
                let key = new_api_key();
                let profile = blank_profile(
                    Uuid::new_v4(),
                    json!({
                        "first_name": "Demo", "last_name": "User", "email": "demo@example.com",
                        "is_active": true, "country": "Sandbox",
                    }),
                );
                insert(&tx, &key, &profile)?;
                tx.execute(
                    "INSERT INTO settings (name, value) VALUES ('demo_key', ?1)",
                    [&key],
                )?;
                key
            }
        };
        tx.commit()?;
        drop(conn);
        self.account(&key)?
            .ok_or_else(|| StoreError("the demo key has no account".into()))
    }

    /// Adds an account unless its key exists; `fields` are validated profile fields.
    pub fn add_account(
        &self,
        api_key: Option<&str>,
        fields: Map<String, Value>,
    ) -> Result<Account, StoreError> {
        let key = api_key.map_or_else(new_api_key, str::to_owned);
        let id = fields
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(Uuid::new_v4);
        let profile = blank_profile(id, Value::Object(fields));
        {
            let conn = self.conn();
            let exists: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE api_key = ?1)",
                [&key],
                |r| r.get(0),
            )?;
            if !exists {
                insert(&conn, &key, &profile)?;
            }
        }
        self.account(&key)?
            .ok_or_else(|| StoreError("account vanished".into()))
    }

    /// The account a key belongs to (without reading its profile).
    pub fn account(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT id, coalesce(json_extract(profile, '$.is_superuser'), 0) FROM users WHERE api_key = ?1",
        )?;
        let row: Option<(String, bool)> = statement
            .query_row([api_key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(id, is_superuser)| account(api_key, &id, is_superuser))
            .transpose()
    }

    /// The profile of the account a key belongs to, as stored (JSON text): what `GET`
    /// answers, in one query that reads nothing else.
    pub fn profile(&self, api_key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached("SELECT profile FROM users WHERE api_key = ?1")?;
        Ok(statement.query_row([api_key], |r| r.get(0)).optional()?)
    }

    /// Applies validated `changes` to a profile atomically and returns it as stored
    /// (JSON text); `None` if no such user.
    pub fn update(
        &self,
        id: Uuid,
        changes: &Map<String, Value>,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = id.to_string();
        let text: Option<String> = tx
            .prepare_cached("SELECT profile FROM users WHERE id = ?1")?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        let Some(text) = text else { return Ok(None) };
        let mut profile: Map<String, Value> = serde_json::from_str(&text)?;
        for (name, value) in changes {
            profile.insert(name.clone(), value.clone());
        }
        let text = serde_json::to_string(&profile)?;
        tx.prepare_cached("UPDATE users SET profile = ?1 WHERE id = ?2")?
            .execute(params![text, id])?;
        tx.commit()?;
        Ok(Some(text))
    }
}

fn account(api_key: &str, id: &str, is_superuser: bool) -> Result<Account, StoreError> {
    let user_id = id
        .parse()
        .map_err(|_| StoreError(format!("bad user id {id}")))?;
    Ok(Account {
        api_key: api_key.to_owned(),
        user_id,
        is_superuser,
    })
}

fn insert(conn: &Connection, key: &str, profile: &Value) -> Result<(), StoreError> {
    let id = profile["id"].as_str().unwrap_or_default();
    conn.execute(
        "INSERT INTO users (id, api_key, profile) VALUES (?1, ?2, ?3)",
        params![id, key, profile.to_string()],
    )?;
    Ok(())
}

/// Every field of the spec's profile: booleans false and counts 0 (as the documented
/// examples suggest defaults), everything else null, then `fields` on top.
fn blank_profile(id: Uuid, fields: Value) -> Value {
    let mut profile = Map::new();
    for field in &spec().fields {
        let default = match field.kind {
            FieldKind::Boolean => json!(false),
            FieldKind::Integer => json!(0),
            _ => Value::Null,
        };
        profile.insert(field.name.clone(), default);
    }
    if let Value::Object(fields) = fields {
        profile.extend(fields);
    }
    profile.insert("id".into(), json!(id.to_string()));
    Value::Object(profile)
}

/// A key shaped like Insighto's: `in-` and 43 random letters and digits.
pub fn new_api_key() -> String {
    let tail: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect();
    format!("in-{tail}")
}
