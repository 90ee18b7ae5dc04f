//! `insighto login`, `logout` and `config show`: the key remembered in the config file
//! that the library reads and writes (`insighto::config`), and where each setting
//! comes from (flag, then environment, then config file, then default).

use std::{
    io::{BufRead, IsTerminal, Write as _},
    path::{Path, PathBuf},
};

use insighto::{
    ApiKey, Client, ConfigError, DEFAULT_BASE_URL,
    config::{ConfigFile, Settings},
};

use crate::{Failure, exit, out, terminal::escape};

/// What the command line gave explicitly (not from the environment or a default).
// No `Debug`: it holds the API key as given.
#[derive(Default)]
pub struct Explicit {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
}

impl Explicit {
    /// The values of `--api-key` and `--base-url` that came from the command line.
    pub fn from_matches(matches: &clap::ArgMatches) -> Self {
        let given = |id: &str| {
            (matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
                .then(|| matches.get_one::<String>(id).cloned())
                .flatten()
        };
        Self {
            api_key: given("api_key"),
            base_url: given("base_url"),
        }
    }

    /// The settings for an API command.
    pub fn settings(&self) -> Result<Settings, Failure> {
        if let Ok(path) = ConfigFile::default_path() {
            tighten(&path);
        }
        Ok(Settings::load(
            self.api_key.as_deref(),
            self.base_url.as_deref(),
        )?)
    }
}

fn config_path() -> Result<PathBuf, Failure> {
    Ok(ConfigFile::default_path()?)
}

/// The config file, if any. A malformed one is an error unless `force`, which treats it
/// as absent (it is then replaced or removed).
fn existing(path: &Path, force: bool, command: &str) -> Result<Option<ConfigFile>, Failure> {
    let fix = match command {
        "logout" => "remove",
        _ => "replace",
    };
    tighten(path);
    match ConfigFile::load(path) {
        Ok(file) => Ok(file),
        Err(ConfigError::MalformedConfigFile { .. } | ConfigError::UnsafeConfigFile { .. })
            if force =>
        {
            Ok(None)
        }
        Err(e @ ConfigError::UnsafeConfigFile { .. }) => Err(Failure::new(
            exit::USAGE,
            format!("{e}; or run `insighto {command} --force` to {fix} it"),
        )),
        Err(e @ ConfigError::MalformedConfigFile { .. }) => Err(Failure::new(
            exit::USAGE,
            format!("{e}; fix it, or run `insighto {command} --force` to {fix} it"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Reads the key without echo from a terminal, else the first line of stdin.
pub fn read_key() -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let read = if stdin.is_terminal() {
        rpassword::prompt_password("Insighto API key (Settings > API Keys; input is hidden): ")
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map(|_| line)
    };
    let key = read
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Failure::new(
                exit::USAGE,
                "the API key given is not UTF-8 text: paste the key itself",
            ),
            _ => Failure::new(exit::OTHER, format!("cannot read the API key: {e}")),
        })?
        .trim()
        .to_owned();
    if key.is_empty() {
        return Err(Failure::new(
            exit::USAGE,
            "no API key given: type or paste it at the prompt, or pipe it on stdin",
        ));
    }
    Ok(key)
}

/// `login --api-key`: the key would sit in the shell's history and the process list.
pub fn login_refuses_api_key() -> Failure {
    Failure::new(
        exit::USAGE,
        "`insighto login` reads the key from the terminal or stdin, not --api-key",
    )
}

/// Checks `key` with one `GET /api/v1/user` and stores it (with the base URL, unless it
/// is the real service's) in the config file. (`--api-key` is refused before the
/// prompt, by `login_refuses_api_key`.)
pub async fn login(explicit: &Explicit, key: &str, force: bool) -> Result<(), Failure> {
    debug_assert!(explicit.api_key.is_none(), "refused before the prompt");
    let path = config_path()?;
    let file = existing(&path, force, "login")?;
    let settings = Settings::resolve(
        None,
        explicit.base_url.as_deref(),
        file.as_ref().map(|f| (path.as_path(), f)),
    )?;
    let base_url = settings.base_url.0;
    let client = Client::builder(key).base_url(&base_url).build()?;
    crate::warn_if_key_in_clear(&client);
    let me = client.get_profile().await?;
    let mut saved = file.unwrap_or_default();
    saved.api_key = Some(ApiKey::new(key)?);
    saved.base_url = (client.base_url() != DEFAULT_BASE_URL).then(|| client.base_url().to_owned());
    saved.save(&path)?;
    // What the server sent is shown escaped: it must not drive the terminal.
    let who = crate::terminal::escape(&me.email.unwrap_or_else(|| me.id.to_string()));
    out(&format!(
        "Logged in to {} as {who}.\nThe key is saved in {} (readable only by you); `insighto logout` removes it.\n",
        escape(client.base_url()),
        shown(&path)
    ));
    Ok(())
}

/// Removes the key from the config file (and the file, if nothing else is left in it).
pub fn logout(force: bool) -> Result<(), Failure> {
    let path = config_path()?;
    let malformed = matches!(
        ConfigFile::load(&path),
        Err(ConfigError::MalformedConfigFile { .. })
    );
    let file = existing(&path, force, "logout")?;
    let remove = |path: &Path| {
        std::fs::remove_file(path).map_err(|e| {
            Failure::new(
                exit::OTHER,
                format!("cannot remove {}: {e}", path.display()),
            )
        })
    };
    match file {
        None if malformed => {
            remove(&path)?;
            out(&format!("Removed the malformed {}.\n", shown(&path)));
        }
        Some(mut file) if file.api_key.is_some() => {
            file.api_key = None;
            if file == ConfigFile::default() {
                remove(&path)?;
            } else {
                file.save(&path)?;
            }
            out(&format!(
                "Logged out: the key is removed from {}.\n",
                shown(&path)
            ));
        }
        _ => out(&format!("Not logged in (no key in {}).\n", shown(&path))),
    }
    Ok(())
}

/// `insighto config show`: the config file and each setting with its source.
pub fn show(settings: Option<&Settings>) -> Result<(), Failure> {
    let path = config_path()?;
    let settings = settings.ok_or_else(|| Failure::new(exit::OTHER, "no settings resolved"))?;
    let file_state = if path.exists() {
        mode_note(&path)
    } else {
        "(none)".to_owned()
    };
    let key = match &settings.api_key {
        Some((_, source)) => format!("[REDACTED] (from {source})"),
        None => "not set: run `insighto login`, or set INSIGHTO_API_KEY".to_owned(),
    };
    let (url, url_source) = &settings.base_url;
    let mut url = insighto::config::display_url(url);
    if let Some((key, _)) = &settings.api_key {
        url = insighto::redact_secret(&url, key.expose_secret()).into_owned();
    }
    // Each line escaped: a path (or the source naming it) may hold any character.
    out(&format!(
        "config_file  {} {}\napi_key      {}\nbase_url     {} (from {})\n",
        shown(&path),
        escape(&file_state),
        escape(&key),
        escape(&url),
        escape(&url_source.to_string()),
    ));
    Ok(())
}

/// A path as the terminal may show it: its control characters escaped.
fn shown(path: &Path) -> String {
    escape(&path.display().to_string())
}

/// Makes a config file that others can read (but not write: that one is refused by
/// `ConfigFile::load`) private, with a warning, when it is ours.
fn tighten(path: &Path) {
    if let Ok(Some(mode)) = ConfigFile::make_private(path) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: {} was readable by others (mode {mode:04o}); it is now 0600, as a \
             file that holds an API key must be",
            shown(path)
        );
    }
}

/// Refuses `path` (a sandbox database or seed) unless it is a regular file or absent:
/// opening a FIFO waits for a writer, a device or directory is no database.
pub fn regular_file_or_absent(path: &Path, what: &str) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(Failure::new(
            exit::USAGE,
            format!("{what} {} is not a regular file", shown(path)),
        )),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn mode_note(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 == 0 {
                format!("(mode {mode:04o})")
            } else {
                format!(
                    "(mode {mode:04o}: others can read it; run `chmod 600 {}`)",
                    shown(path)
                )
            }
        }
        Err(e) => format!("({e})"),
    }
}

#[cfg(not(unix))]
fn mode_note(_: &Path) -> String {
    String::new()
}
