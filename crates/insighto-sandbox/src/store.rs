//! Accounts and profiles in SQLite: a file that survives restarts, or memory for tests.
//!
//! One connection behind a mutex serialises every read-modify-write of a profile, so
//! concurrent updates of different fields never lose one another; SQLite's WAL journal
//! makes each acknowledged update durable across a crash of the process.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
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

/// An account: a profile and the keys that authenticate as it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// The account's first key.
    pub api_key: String,
    /// The role of [`api_key`](Self::api_key).
    pub role: Role,
    /// Every key of the account, the first one included, in the order they were made.
    pub keys: Vec<Key>,
    /// The profile's `id`.
    pub user_id: Uuid,
    /// Whether the key may read and update other users' profiles.
    pub is_superuser: bool,
    /// An inactive account's key is refused (`is_active` anything but `true`).
    pub is_active: bool,
}

/// One API key of an account and its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The key's text, `in-` and 43 letters and digits unless a test chose another.
    pub api_key: String,
    /// What the key may do.
    pub role: Role,
}

/// What a key may do, picked when the key is created, as Insighto's keys are scoped
/// (Settings > API Keys; inferred, see `docs/evidence.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Role {
    /// Reads and writes (the default, and every key made before roles existed).
    #[default]
    FullAccess,
    /// Reads only: an update is refused with 403.
    ReadOnly,
}

impl Role {
    /// The role's name as stored.
    const fn name(self) -> &'static str {
        match self {
            Self::FullAccess => "full_access",
            Self::ReadOnly => "read_only",
        }
    }

    /// A stored name; an unknown one reads as the least privileged role.
    fn from_name(name: &str) -> Self {
        match name {
            "full_access" => Self::FullAccess,
            _ => Self::ReadOnly,
        }
    }
}

/// The account a key authenticates as, with that key's role.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
    pub is_superuser: bool,
    pub is_active: bool,
}

impl Caller {
    /// The caller's account, named by its first key, with all its `keys`.
    fn account(&self, api_key: String, keys: Vec<Key>) -> Account {
        let role = (keys.iter().find(|k| k.api_key == api_key)).map_or(Role::ReadOnly, |k| k.role);
        Account {
            api_key,
            role,
            keys,
            user_id: self.user_id,
            is_superuser: self.is_superuser,
            is_active: self.is_active,
        }
    }
}

/// Why an account could not be added (storage failures aside).
#[derive(Debug)]
pub enum Conflict {
    /// One of its keys belongs to an account already.
    Key,
    /// Its id belongs to an account already.
    Id(Uuid),
}

/// What an update came to; each check ran inside the update's transaction.
#[derive(Debug)]
pub enum Update {
    /// The profile as stored afterwards (JSON text).
    Done(String),
    /// No account has this key (any more).
    UnknownKey,
    /// The key's account is inactive.
    Inactive,
    /// The account may not make this change.
    Forbidden,
    /// No profile has this id.
    NotFound,
}

/// The columns that make an [`Account`], after `id`.
const ACCOUNT_COLUMNS: &str = "coalesce(json_extract(profile, '$.is_superuser'), 0) = 1, \
     coalesce(json_extract(profile, '$.is_active'), 0) = 1";

/// A key's account, joined to the profile (`profile` is the profile's column).
const BY_KEY: &str = "FROM keys JOIN users ON users.id = keys.user_id WHERE keys.api_key = ?1";

pub struct Store {
    /// `Some` until the store is dropped (an in-memory one then hands it to [`IDLE`]).
    conn: Option<Mutex<Connection>>,
    /// An in-memory store's answers to reads by key; `None` for a file, which another
    /// process may change.
    answers: Option<Mutex<Answers>>,
    /// The demo account of a reused connection, made when it was emptied.
    demo: Option<Account>,
}

/// A key's account and profile text, as [`Store::account_and_profile`] reads them.
type Answer = (Caller, Arc<str>);

/// Answers read from an in-memory store, each kept until the store's next write, so
/// that a `GET` runs no SQL: a test's one `GET` found SQLite's code and data out of the
/// CPU's caches, and its query took about 12 µs there against 4 µs in a loop, the most a
/// test's fixture cost beyond wiremock's (`cargo xtask bench`, section 6). Only keys
/// that exist are kept, and every write empties it (see [`Store::write`]).
type Answers = HashMap<String, Answer>;

/// An emptied in-memory connection, ready for the next store.
struct Ready {
    conn: Connection,
    demo: Account,
    /// The demo key's answer, read in advance.
    answers: Answers,
}

/// Emptied connections of dropped in-memory stores, each with a new demo account, for
/// the next in-memory store: a suite opens a sandbox per test, and a new connection
/// costs its open, the schema and a parse of every statement, where a reused one keeps
/// its prepared statements, and the demo account is made in advance (see [`DROPPED`]),
/// not by the next test (most of the time `Sandbox::open` and the first answer took:
/// `cargo xtask bench`, section 6).
static IDLE: Mutex<Vec<Ready>> = Mutex::new(Vec::new());

/// The most connections [`IDLE`] keeps: as many as a suite's tests running at once.
const IDLE_LIMIT: usize = 8;

/// Connections of dropped in-memory stores, not yet emptied for [`IDLE`]. A drop only
/// puts its connection here; the sandbox's thread empties them just after it answers a
/// request ([`recycle_dropped`]), while that request's client reads the answer. Emptying
/// one (about 70 µs) on the drop, as before, woke that thread from the test's, and the
/// next test's first request often arrived while it ran: a test cost about 5% more than
/// with wiremock, against about equal now (`cargo xtask bench`, section 6).
static DROPPED: Mutex<Vec<Connection>> = Mutex::new(Vec::new());

/// How many [`DROPPED`] connections wait for a request before a drop empties them
/// itself (on the sandbox's thread if it has started): tests that send no request still
/// find emptied connections.
const DROPPED_LIMIT: usize = 2;

/// The tables, each emptied before its connection is reused.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS users (
         id      TEXT PRIMARY KEY,
         api_key TEXT NOT NULL UNIQUE,
         profile TEXT NOT NULL
     );
     CREATE TABLE IF NOT EXISTS settings (
         name  TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );
     CREATE TABLE IF NOT EXISTS keys (
         api_key TEXT PRIMARY KEY,
         user_id TEXT NOT NULL,
         role    TEXT NOT NULL
     );
     -- A store made before keys had roles: each account's key has full access.
     INSERT OR IGNORE INTO keys (api_key, user_id, role)
         SELECT api_key, id, 'full_access' FROM users;";

impl Store {
    /// Opens (creating if needed) the database at `path`, or a private in-memory one.
    pub fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        let conn = match path {
            Some(path) => {
                private_file(path)?;
                Connection::open(path)?
            }
            None => {
                let idle = crate::lock(&IDLE).pop();
                match idle {
                    Some(ready) => {
                        return Ok(Self {
                            conn: Some(Mutex::new(ready.conn)),
                            answers: Some(Mutex::new(ready.answers)),
                            demo: Some(ready.demo),
                        });
                    }
                    None => Connection::open_in_memory()?,
                }
            }
        };
        // WAL + NORMAL: a committed transaction survives the process being killed
        // (only an OS crash could lose the last ones), and readers never block writers.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The same plan for a statement whatever its parameters: otherwise this SQLite
        // (built with STAT4) parses a cached statement anew each time a key is bound to
        // it (a query by key joins two tables), which was most of a GET's SQLite time.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self::with(conn, path.is_none()))
    }

    fn with(conn: Connection, in_memory: bool) -> Self {
        Self {
            conn: Some(Mutex::new(conn)),
            answers: in_memory.then(Mutex::default),
            demo: None,
        }
    }

    /// The connection, to read.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        crate::lock(
            (self.conn.as_ref()).expect("the connection is there until the store is dropped"),
        )
    }

    /// The connection, to write: the answers kept so far are forgotten first. Readers
    /// keep an answer only while they hold the connection, so none read before this
    /// write can be kept after it.
    fn write(&self) -> MutexGuard<'_, Connection> {
        let conn = self.conn();
        if let Some(answers) = &self.answers {
            crate::lock(answers).clear();
        }
        conn
    }

    /// The demo account, created with a fresh key the first time.
    pub fn ensure_demo(&self) -> Result<Account, StoreError> {
        match &self.demo {
            Some(demo) => Ok(demo.clone()),
            None => demo_of(&mut self.write()),
        }
    }

    /// Adds accounts whose keys do not exist yet, all of them or none (one transaction);
    /// `fields` are validated profile fields. Returns the accounts, existing or new.
    pub fn add_accounts(
        &self,
        accounts: Vec<(Option<String>, Map<String, Value>)>,
    ) -> Result<Vec<Account>, StoreError> {
        let mut keys = Vec::new();
        {
            let mut conn = self.write();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (api_key, fields) in accounts {
                let key = api_key.unwrap_or_else(new_api_key);
                let id = fields
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(Uuid::new_v4);
                let exists: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM keys WHERE api_key = ?1)",
                    [&key],
                    |r| r.get(0),
                )?;
                if !exists {
                    insert(&tx, &key, &blank_profile(id, Value::Object(fields)))?;
                }
                keys.push(key);
            }
            tx.commit()?;
        }
        keys.iter()
            .map(|key| {
                self.account(key)?
                    .ok_or_else(|| StoreError("account vanished".into()))
            })
            .collect()
    }

    /// Adds one account with its keys (the first is the account's `api_key`), unless a
    /// key or the id is taken already.
    pub fn add_account(
        &self,
        fields: Map<String, Value>,
        keys: &[(String, Role)],
    ) -> Result<Result<Account, Conflict>, StoreError> {
        let Some((first, _)) = keys.first() else {
            return Err(StoreError("an account needs a key".into()));
        };
        let id = fields
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(Uuid::new_v4);
        {
            let mut conn = self.write();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (key, _) in keys {
                let taken: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM keys WHERE api_key = ?1)",
                    [key],
                    |r| r.get(0),
                )?;
                if taken {
                    return Ok(Err(Conflict::Key));
                }
            }
            let taken: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE id = ?1)",
                [id.to_string()],
                |r| r.get(0),
            )?;
            if taken {
                return Ok(Err(Conflict::Id(id)));
            }
            insert(&tx, first, &blank_profile(id, Value::Object(fields)))?;
            for (key, role) in keys {
                tx.execute(
                    "INSERT OR REPLACE INTO keys (api_key, user_id, role) VALUES (?1, ?2, ?3)",
                    params![key, id.to_string(), role.name()],
                )?;
            }
            tx.commit()?;
        }
        let added = self.account(first)?;
        added
            .map(Ok)
            .ok_or_else(|| StoreError("account vanished".into()))
    }

    /// The account a key belongs to, with every key of it (without reading its profile).
    pub fn account(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        account_of(&self.conn(), api_key)
    }

    /// The account a key authenticates as, with that key's role.
    pub fn caller(&self, api_key: &str) -> Result<Option<Caller>, StoreError> {
        let conn = self.conn();
        caller_of(&conn, api_key)
    }

    /// The account a key belongs to and its profile as stored (JSON text).
    pub fn account_and_profile(&self, api_key: &str) -> Result<Option<Answer>, StoreError> {
        let Some(answers) = &self.answers else {
            return answer_of(&self.conn(), api_key);
        };
        if let Some(kept) = crate::lock(answers).get(api_key) {
            return Ok(Some(kept.clone()));
        }
        let conn = self.conn();
        let answer = answer_of(&conn, api_key)?;
        if let Some(answer) = &answer {
            crate::lock(answers).insert(api_key.to_owned(), answer.clone());
        }
        Ok(answer)
    }

    /// Applies validated `changes` to the profile `id` on behalf of the key's account,
    /// atomically: the key, the account's rights and the target are all read inside the
    /// write's transaction, so rights revoked a moment earlier are never used.
    ///
    /// Only a superuser changes another profile or grants superuser; a non-superuser
    /// learns nothing about other ids (forbidden whether or not they exist).
    pub fn update_as(
        &self,
        api_key: &str,
        id: Uuid,
        changes: &Map<String, Value>,
    ) -> Result<Update, StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let Some(account) = caller_of(&tx, api_key)? else {
            return Ok(Update::UnknownKey);
        };
        if !account.is_active {
            return Ok(Update::Inactive);
        }
        if account.role == Role::ReadOnly {
            return Ok(Update::Forbidden);
        }
        let escalates = changes.get("is_superuser") == Some(&Value::Bool(true));
        if !account.is_superuser && (id != account.user_id || escalates) {
            return Ok(Update::Forbidden);
        }
        let id = id.to_string();
        let text: Option<String> = tx
            .prepare_cached("SELECT profile FROM users WHERE id = ?1")?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        let Some(text) = text else {
            return Ok(Update::NotFound);
        };
        let mut profile: Map<String, Value> = serde_json::from_str(&text)?;
        for (name, value) in changes {
            profile.insert(name.clone(), value.clone());
        }
        let text = serde_json::to_string(&profile)?;
        tx.prepare_cached("UPDATE users SET profile = ?1 WHERE id = ?2")?
            .execute(params![text, id])?;
        tx.commit()?;
        Ok(Update::Done(text))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.answers.is_some() {
            let conn = conn.into_inner().unwrap_or_else(PoisonError::into_inner);
            let dropped = {
                let mut dropped = crate::lock(&DROPPED);
                dropped.push(conn);
                dropped.len()
            };
            if dropped >= DROPPED_LIMIT {
                crate::pool::in_background(recycle_dropped);
            }
        }
    }
}

/// Whether dropped in-memory stores wait for [`recycle_dropped`].
pub fn dropped_in_memory() -> bool {
    !crate::lock(&DROPPED).is_empty()
}

/// Empties the connections of dropped in-memory stores for the next ones.
pub fn recycle_dropped() {
    loop {
        let conn = crate::lock(&DROPPED).pop();
        let Some(conn) = conn else { return };
        recycle(conn);
    }
}

/// Keeps an in-memory connection for the next store, emptied and with a new demo
/// account ([`renew`]); only if no transaction was left open and `renew` succeeds.
fn recycle(mut conn: Connection) {
    if crate::lock(&IDLE).len() >= IDLE_LIMIT || !conn.is_autocommit() {
        return;
    }
    let Ok((demo, answer)) = renew(&mut conn) else {
        return;
    };
    let answers = HashMap::from([(demo.api_key.clone(), answer)]);
    let mut idle = crate::lock(&IDLE);
    if idle.len() < IDLE_LIMIT {
        idle.push(Ready {
            conn,
            demo,
            answers,
        });
    }
}

/// Empties a store and makes its new demo account, in one transaction: every row of
/// every table is deleted (the tables are the whole of a store's state; listed by
/// SQLite, so a table added to `SCHEMA` is emptied too). Returns the demo account and
/// its key's answer, read in one query, as the account has only this key.
fn renew(conn: &mut Connection) -> Result<(Account, Answer), StoreError> {
    let tx = conn.transaction()?;
    let tables: Vec<String> = tx
        .prepare_cached("SELECT name FROM sqlite_schema WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for table in tables {
        tx.prepare_cached(&format!("DELETE FROM \"{table}\""))?
            .execute([])?;
    }
    let key = insert_demo(&tx)?;
    tx.commit()?;
    let (caller, profile) =
        answer_of(conn, &key)?.ok_or_else(|| StoreError("the demo key has no account".into()))?;
    let keys = vec![Key {
        api_key: key.clone(),
        role: caller.role,
    }];
    Ok((caller.account(key, keys), (caller, profile)))
}

/// The demo account, created with a fresh key the first time.
fn demo_of(conn: &mut Connection) -> Result<Account, StoreError> {
    let tx = conn.transaction()?;
    let existing: Option<String> = tx
        .prepare_cached("SELECT value FROM settings WHERE name = 'demo_key'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    let key = match existing {
        Some(key) => key,
        None => insert_demo(&tx)?,
    };
    tx.commit()?;
    account_of(conn, &key)?.ok_or_else(|| StoreError("the demo key has no account".into()))
}

/// Inserts the demo account with a fresh key and id, and records its key.
fn insert_demo(tx: &Connection) -> Result<String, StoreError> {
    // Every demo profile is the same but for its id: its text is made once, with the nil
    // uuid standing for the id (no other value of it looks like a uuid), rather than the
    // profile built anew for each recycled store.
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let fields = json!({
            "first_name": "Demo", "last_name": "User", "email": "demo@example.com",
            "is_active": true, "country": "Sandbox",
        });
        blank_profile(Uuid::nil(), fields).to_string()
    });
    let key = new_api_key();
    let id = new_uuid().to_string();
    let profile = template.replacen(&Uuid::nil().to_string(), &id, 1);
    insert_text(tx, &key, &id, &profile)?;
    tx.prepare_cached("INSERT INTO settings (name, value) VALUES ('demo_key', ?1)")?
        .execute([&key])?;
    Ok(key)
}

/// The account a key belongs to, with every key of it (without reading its profile).
fn account_of(conn: &Connection, api_key: &str) -> Result<Option<Account>, StoreError> {
    let Some(caller) = caller_of(conn, api_key)? else {
        return Ok(None);
    };
    let user_id = caller.user_id.to_string();
    let first: String = conn
        .prepare_cached("SELECT api_key FROM users WHERE id = ?1")?
        .query_row([&user_id], |r| r.get(0))?;
    let keys = conn
        .prepare_cached("SELECT api_key, role FROM keys WHERE user_id = ?1 ORDER BY rowid")?
        .query_map([&user_id], |r| {
            Ok(Key {
                api_key: r.get(0)?,
                role: Role::from_name(&r.get::<_, String>(1)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(caller.account(first, keys)))
}

/// The account a key belongs to and its profile as stored, in one query.
fn answer_of(conn: &Connection, api_key: &str) -> Result<Option<Answer>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT users.id, role, {ACCOUNT_COLUMNS}, profile {BY_KEY}"
    ))?;
    let row: Option<(String, String, bool, bool, String)> = statement
        .query_row([api_key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    row.map(|(id, role, is_superuser, is_active, profile)| {
        Ok((caller(&id, &role, is_superuser, is_active)?, profile.into()))
    })
    .transpose()
}

fn caller_of(conn: &Connection, api_key: &str) -> Result<Option<Caller>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT users.id, role, {ACCOUNT_COLUMNS} {BY_KEY}"
    ))?;
    let row: Option<(String, String, bool, bool)> = statement
        .query_row([api_key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(id, role, is_superuser, is_active)| caller(&id, &role, is_superuser, is_active))
        .transpose()
}

/// Creates `path` (and any missing directories, 0700) as a 0600 file if it does not
/// exist, and makes an existing one 0600: it holds every account's API key.
fn private_file(path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    options.open(path).map_err(io)?;
    Ok(())
}

/// Creates a directory and its missing parents, readable by the owner only (0700).
/// Directories that exist already are left as they are.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn caller(id: &str, role: &str, is_superuser: bool, is_active: bool) -> Result<Caller, StoreError> {
    let user_id = id
        .parse()
        .map_err(|_| StoreError(format!("bad user id {id}")))?;
    Ok(Caller {
        user_id,
        role: Role::from_name(role),
        is_superuser,
        is_active,
    })
}

fn insert(conn: &Connection, key: &str, profile: &Value) -> Result<(), StoreError> {
    let id = profile["id"].as_str().unwrap_or_default();
    insert_text(conn, key, id, &profile.to_string())
}

/// Inserts an account with its first key and its profile as JSON text.
fn insert_text(conn: &Connection, key: &str, id: &str, profile: &str) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO users (id, api_key, profile) VALUES (?1, ?2, ?3)")?
        .execute(params![id, key, profile])?;
    conn.prepare_cached("INSERT OR IGNORE INTO keys (api_key, user_id, role) VALUES (?1, ?2, ?3)")?
        .execute(params![key, id, Role::FullAccess.name()])?;
    Ok(())
}

/// Every field of the spec's profile: `is_active` true (a new account is active),
/// other booleans false and counts 0 (as the documented examples suggest defaults),
/// everything else null, then `fields` on top.
fn blank_profile(id: Uuid, fields: Value) -> Value {
    let mut profile = Map::new();
    for field in &spec().fields {
        let default = match field.kind {
            FieldKind::Boolean => json!(field.name == "is_active"),
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

/// A v4 uuid from the thread's generator: `Uuid::new_v4` asks the OS for randomness (a
/// system call) each time, which a request or a recycled store would pay.
pub(crate) fn new_uuid() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// In-memory stores reuse emptied connections: a new store never sees an earlier
    /// one's accounts, and its demo account is its own.
    #[test]
    fn an_in_memory_store_starts_empty_after_another_is_dropped() {
        for _ in 0..3 {
            let first = Store::open(None).unwrap();
            let demo = first.ensure_demo().unwrap();
            let added = first
                .add_accounts(vec![(None, Map::new()), (None, Map::new())])
                .unwrap();
            drop(first);
            recycle_dropped();

            let second = Store::open(None).unwrap();
            for account in &added {
                assert!(second.account(&account.api_key).unwrap().is_none());
            }
            assert!(second.caller(&demo.api_key).unwrap().is_none());
            let own = second.ensure_demo().unwrap();
            assert_ne!(own.api_key, demo.api_key);
            assert_eq!(own.keys.len(), 1);
            let (caller, profile) = second.account_and_profile(&own.api_key).unwrap().unwrap();
            assert_eq!(caller.user_id, own.user_id);
            // The profile's own id is the account's (the demo's is written from a template).
            let profile: Value = serde_json::from_str(&profile).unwrap();
            assert_eq!(profile["id"], json!(own.user_id.to_string()));
            assert_eq!(profile["first_name"], json!("Demo"));
        }
    }

    /// An in-memory store keeps its answers to reads, and every write forgets them.
    #[test]
    fn a_read_after_a_write_sees_the_write() {
        let store = Store::open(None).unwrap();
        let demo = store.ensure_demo().unwrap();
        let (_, before) = store.account_and_profile(&demo.api_key).unwrap().unwrap();
        let changes = Map::from_iter([("first_name".to_owned(), json!("Ada"))]);
        let updated = store.update_as(&demo.api_key, demo.user_id, &changes);
        assert!(matches!(updated.unwrap(), Update::Done(_)));
        let (_, after) = store.account_and_profile(&demo.api_key).unwrap().unwrap();
        assert!(!before.contains("\"Ada\"") && after.contains("\"first_name\":\"Ada\""));

        // A key that is unknown is not remembered as unknown once it is added.
        assert!(store.account_and_profile("in-later").unwrap().is_none());
        let keys = [("in-later".to_owned(), Role::ReadOnly)];
        store.add_account(Map::new(), &keys).unwrap().unwrap();
        let (caller, _) = store.account_and_profile("in-later").unwrap().unwrap();
        assert_eq!(caller.role, Role::ReadOnly);
    }
}
