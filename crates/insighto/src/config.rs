//! The settings file that `insighto login` writes and [`Client::from_config_file`] and
//! [`Client::from_env_or_config`] read: `$XDG_CONFIG_HOME/insighto/config.toml`
//! (`~/.config/insighto/config.toml` when `XDG_CONFIG_HOME` is unset; `%APPDATA%` on
//! Windows), mode 0600 in a 0700 directory.
//!
//! ```toml
//! api_key = "in-..."
//! base_url = "http://127.0.0.1:8000"   # only when not the real service
//! ```
//!
//! This module is the one reader and writer of that file. A malformed file is an error
//! naming the file and line ([`ConfigError::MalformedConfigFile`]), never ignored.
//!
//! [`Client::from_config_file`]: crate::Client::from_config_file
//! [`Client::from_env_or_config`]: crate::Client::from_env_or_config

use std::{
    io::Write,
    ops::Range,
    path::{Path, PathBuf},
};

use crate::{
    ApiKey, ClientBuilder, ConfigError, DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL,
    client::{env_var, normalize_base_url},
};

/// The settings kept in the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigFile {
    /// The API key (its `Debug` is redacted).
    pub api_key: Option<ApiKey>,
    /// The base URL, when it is not the real service's.
    pub base_url: Option<String>,
}

/// The file's TOML shape. Unknown keys are errors, so that a typo is not ignored.
#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Raw<S> {
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<S>,
}

const HEADER: &str = "# Insighto settings, written by `insighto login`. Keep this file private.\n";

impl ConfigFile {
    /// Where the file lives: `$XDG_CONFIG_HOME/insighto/config.toml`, else
    /// `$HOME/.config/insighto/config.toml` (on Windows `%APPDATA%\insighto\config.toml`).
    pub fn default_path() -> Result<PathBuf, ConfigError> {
        let absolute = |name: &'static str| -> Result<Option<PathBuf>, ConfigError> {
            Ok(env_var(name)?
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()))
        };
        let base = match absolute("XDG_CONFIG_HOME")? {
            Some(dir) => dir,
            None if cfg!(windows) => absolute("APPDATA")?.ok_or(ConfigError::NoConfigDir)?,
            None => absolute("HOME")?
                .ok_or(ConfigError::NoConfigDir)?
                .join(".config"),
        };
        Ok(base.join("insighto").join("config.toml"))
    }

    /// Reads and checks the file at `path`; `Ok(None)` if there is none.
    ///
    /// Like ssh with its own files, it refuses ([`ConfigError::UnsafeConfigFile`]) a file
    /// that is not a regular file (a FIFO would hang the reader), or that someone else
    /// could have written: writable by group or others, or owned by another user than
    /// the caller or root, and the same for its directory. A base URL planted there
    /// would receive the key.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        let Some(bytes) = read_trusted(path)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            malformed(path, &text, Some(offset..offset), "it is not valid UTF-8")
        })?;
        Self::parse(&text, path).map(Some)
    }

    /// Makes the file at `path` private (0600) if it is a regular file of the caller's
    /// that others can read but not write, and returns the mode it had; `None` if it
    /// needed nothing, is not the caller's or is absent (one that others can write is
    /// left for [`load`](Self::load) to refuse: its contents cannot be trusted).
    pub fn make_private(path: &Path) -> Result<Option<u32>, ConfigError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let meta = match std::fs::metadata(path) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io_error(path, "read", &e)),
            };
            let mode = meta.mode() & 0o777;
            let loose = mode & 0o077 != 0 && mode & 0o022 == 0;
            if !meta.is_file() || !loose || meta.uid() != effective_uid() {
                return Ok(None);
            }
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io_error(path, "write", &e))?;
            Ok(Some(mode))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            Ok(None)
        }
    }

    /// Parses the text of a config file; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: Raw<toml::Spanned<String>> = toml::from_str(text).map_err(|e| {
            // Only the message and position: toml's own rendering quotes the line, which
            // may hold the key.
            let message = e.message().lines().next().unwrap_or("invalid TOML");
            malformed(path, text, e.span(), message)
        })?;
        let api_key = raw
            .api_key
            .map(|key| {
                ApiKey::new(key.get_ref())
                    .map_err(|e| malformed(path, text, Some(key.span()), &format!("api_key: {e}")))
            })
            .transpose()?;
        let base_url = raw
            .base_url
            .map(|url| {
                normalize_base_url(url.get_ref())
                    .map(|_| url.get_ref().clone())
                    .map_err(|e| malformed(path, text, Some(url.span()), &e.to_string()))
            })
            .transpose()?;
        Ok(Self { api_key, base_url })
    }

    /// The file's text, key in clear: only for writing the file itself.
    fn to_text(&self) -> String {
        let raw = Raw {
            api_key: self.api_key.as_ref().map(ApiKey::expose),
            base_url: self.base_url.as_deref(),
        };
        // Two optional strings always serialize.
        let body = toml::to_string(&raw).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Writes the file at `path`, replacing it atomically: mode 0600, its directory
    /// created with mode 0700 if missing. Checking an existing file first (and refusing
    /// to replace a malformed one) is the caller's job.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| io_error(dir, "create", &e))?;
        #[cfg(unix)]
        private_dir(dir)?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = write_private(&temp, self.to_text().as_bytes())
            .and_then(|()| std::fs::rename(&temp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(io_error(path, "write", &e));
        }
        Ok(())
    }
}

/// The bytes of the file at `path` if it is there and trusted (see [`ConfigFile::load`]).
fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    use std::io::Read;
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, "read", &e)),
    };
    trusted(path, &meta)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Without blocking, in case it was replaced by a FIFO since: checked again below.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut file = options.open(path).map_err(|e| io_error(path, "read", &e))?;
    let meta = file.metadata().map_err(|e| io_error(path, "read", &e))?;
    trusted(path, &meta)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error(path, "read", &e))?;
    Ok(Some(bytes))
}

/// Refuses a config file that is not a regular file, or that others could have written
/// (itself or its directory).
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    let unsafe_file = |reason: &str, fix: String| ConfigError::UnsafeConfigFile {
        path: path.to_owned(),
        reason: reason.to_owned(),
        fix,
    };
    if !meta.is_file() {
        return Err(unsafe_file(
            "it is not a regular file",
            "remove it, or run `insighto login --force` to replace it".to_owned(),
        ));
    }
    #[cfg(unix)]
    {
        let shown = path.display();
        check_owner_and_mode(
            meta,
            "it",
            &|reason, fix| unsafe_file(reason, fix),
            &shown,
            "600",
        )?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let dir_meta = std::fs::metadata(dir).map_err(|e| io_error(dir, "read", &e))?;
            let shown = dir.display();
            check_owner_and_mode(
                &dir_meta,
                "its directory",
                &|reason, fix| unsafe_file(reason, fix),
                &shown,
                "700",
            )?;
        }
    }
    Ok(())
}

/// Owned by us or root, and writable by its owner only.
#[cfg(unix)]
fn check_owner_and_mode(
    meta: &std::fs::Metadata,
    what: &str,
    error: &dyn Fn(&str, String) -> ConfigError,
    shown: &dyn std::fmt::Display,
    private: &str,
) -> Result<(), ConfigError> {
    use std::os::unix::fs::MetadataExt;
    let owner = meta.uid();
    if owner != 0 && owner != effective_uid() {
        return Err(error(
            &format!("{what} belongs to another user (uid {owner})"),
            format!("check who put it there, then run `chown $(id -u) {shown}`"),
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(error(
            &format!("others can write {what} (mode {mode:04o})"),
            format!("check its contents, then run `chmod {private} {shown}`"),
        ));
    }
    Ok(())
}

/// The user this process acts as.
#[cfg(unix)]
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Makes the config directory private (0700) when it is ours and others may enter it,
/// and refuses one that others can write and we cannot fix.
#[cfg(unix)]
fn private_dir(dir: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(dir).map_err(|e| io_error(dir, "read", &e))?;
    if meta.uid() == effective_uid() && meta.mode() & 0o077 != 0 {
        return std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error(dir, "write", &e));
    }
    let error = |reason: &str, fix: String| ConfigError::UnsafeConfigFile {
        path: dir.to_owned(),
        reason: reason.to_owned(),
        fix,
    };
    check_owner_and_mode(&meta, "its directory", &error, &dir.display(), "700")
}

/// Creates `path` readable by its owner only and writes `bytes` to disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn io_error(path: &Path, action: &'static str, e: &std::io::Error) -> ConfigError {
    ConfigError::ConfigFileIo {
        path: path.to_owned(),
        action,
        reason: e.to_string(),
    }
}

/// `message` without anything it quotes (`` `...` `` or `"..."`), which comes from the
/// file and may be the key (`in-... = 1` is an unknown field named after it). A quoted
/// name may itself hold a quote, so everything from the first quote on goes, except
/// serde's closing `, expected ...` when it names only this file's settings.
fn unquoted(message: &str) -> String {
    const KNOWN: &[&str] = &["`api_key`", "`base_url`"];
    let Some(open) = message.find(['`', '"', '\'']) else {
        return message.to_owned();
    };
    let safe = |ending: &&str| {
        let rest = KNOWN
            .iter()
            .fold(ending.to_string(), |rest, name| rest.replace(name, ""));
        rest.chars()
            .all(|c| c.is_ascii_lowercase() || c == ' ' || c == ',')
    };
    let ending = message
        .rfind(", expected ")
        .filter(|&at| at > open)
        .map(|at| &message[at..])
        .filter(safe)
        .unwrap_or("");
    format!("{}(not shown){ending}", &message[..open])
}

/// An error at `span` (a byte range) of `text`, as a 1-based line and column. The message
/// quotes nothing of the file ([`unquoted`]).
fn malformed(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> ConfigError {
    let offset = span.map_or(0, |s| s.start).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    ConfigError::MalformedConfigFile {
        path: path.to_owned(),
        line,
        column,
        message: unquoted(message),
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Given explicitly, such as a command-line flag.
    Explicit,
    /// An environment variable.
    Env(&'static str),
    /// The config file at this path.
    ConfigFile(PathBuf),
    /// The built-in default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Explicit => f.write_str("flag"),
            Self::Env(name) => write!(f, "environment {name}"),
            Self::ConfigFile(path) => write!(f, "config file {}", path.display()),
            Self::Default => f.write_str("default"),
        }
    }
}

/// The key and base URL a client would use, each with where it came from. Precedence:
/// explicit values (flags), then the environment (`INSIGHTO_API_KEY`,
/// `INSIGHTO_BASE_URL`), then the config file, then the default.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The key, if any source has one.
    pub api_key: Option<(ApiKey, Source)>,
    /// The base URL.
    pub base_url: (String, Source),
}

impl Settings {
    /// Resolves the settings from `explicit_key` and `explicit_url` (pass `None` for
    /// what was not given), the environment, and `file`, the config file already
    /// [loaded](ConfigFile::load) from its path.
    pub fn resolve(
        explicit_key: Option<&str>,
        explicit_url: Option<&str>,
        file: Option<(&Path, &ConfigFile)>,
    ) -> Result<Self, ConfigError> {
        Self::resolve_with(explicit_key, explicit_url, file, env_var)
    }

    /// [`resolve`](Self::resolve) with the config file at its
    /// [default path](ConfigFile::default_path), if there is one (no home directory
    /// means no file, which is not an error).
    pub fn load(
        explicit_key: Option<&str>,
        explicit_url: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let Ok(path) = ConfigFile::default_path() else {
            return Self::resolve(explicit_key, explicit_url, None);
        };
        let file = ConfigFile::load(&path)?;
        Self::resolve(
            explicit_key,
            explicit_url,
            file.as_ref().map(|f| (path.as_path(), f)),
        )
    }

    fn resolve_with(
        explicit_key: Option<&str>,
        explicit_url: Option<&str>,
        file: Option<(&Path, &ConfigFile)>,
        env: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let from_file = |source: PathBuf| Source::ConfigFile(source);
        let api_key = match (explicit_key, env(ENV_API_KEY)?) {
            (Some(key), _) => Some((ApiKey::new(key)?, Source::Explicit)),
            (None, Some(key)) => Some((ApiKey::new(key)?, Source::Env(ENV_API_KEY))),
            (None, None) => file.and_then(|(path, f)| {
                f.api_key
                    .clone()
                    .map(|key| (key, from_file(path.to_owned())))
            }),
        };
        let base_url = match (explicit_url, env(ENV_BASE_URL)?) {
            (Some(url), _) => (url.to_owned(), Source::Explicit),
            (None, Some(url)) => (url, Source::Env(ENV_BASE_URL)),
            (None, None) => file
                .and_then(|(path, f)| {
                    f.base_url
                        .clone()
                        .map(|url| (url, from_file(path.to_owned())))
                })
                .unwrap_or_else(|| (DEFAULT_BASE_URL.to_owned(), Source::Default)),
        };
        Ok(Self { api_key, base_url })
    }

    /// A builder with the resolved key and base URL; [`ConfigError::MissingApiKey`] if
    /// no source has a key.
    pub fn client_builder(&self) -> Result<ClientBuilder, ConfigError> {
        let (key, _) = self.api_key.as_ref().ok_or(ConfigError::MissingApiKey)?;
        Ok(crate::Client::builder(key.expose()).base_url(&self.base_url.0))
    }
}

/// A base URL as it may be shown (`insighto config show`): without credentials, query or
/// fragment, which could hold secrets, and not at all if it is not a URL.
///
/// ```
/// use insighto::config::display_url;
/// assert_eq!(display_url("https://u:pw@api.example?api_key=x"), "https://[REDACTED]@api.example");
/// assert_eq!(display_url("in-not-a-url"), "(not shown: not a URL)");
/// ```
pub fn display_url(url: &str) -> String {
    crate::client::shown_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(text, Path::new("/x/config.toml"))
    }

    fn position(err: ConfigError) -> (usize, usize, String) {
        match err {
            ConfigError::MalformedConfigFile {
                line,
                column,
                message,
                ..
            } => (line, column, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_what_it_writes() {
        let file = ConfigFile {
            api_key: Some(ApiKey::new("in-with\"quote\\and'more").unwrap()),
            base_url: Some("http://127.0.0.1:8000".to_owned()),
        };
        assert_eq!(parse(&file.to_text()).unwrap(), file);
        assert_eq!(parse("").unwrap(), ConfigFile::default());
    }

    #[test]
    fn malformed_files_name_the_line_and_never_quote_the_key() {
        let cases = [
            (format!("# c\napi_key = \"{KEY}\nbase_url = 1\n"), 2),
            (format!("api_key = \"{KEY}\"\n\napi_key = \"{KEY}\"\n"), 3),
            (format!("api_key = \"{KEY}\"\napikey = \"x\"\n"), 2),
            (format!("api_key = \"{KEY}\"\nbase_url = \"ftp://x\"\n"), 2),
            ("\n\napi_key = \"in- spaced\"\n".to_owned(), 3),
            (format!("api_key = {KEY}\n"), 1),
            ("[api_key]\n".to_owned(), 1),
            (format!("{KEY} = 1\n"), 1),
            (format!("\"{KEY}\" = 1\n"), 1),
            (format!("\n[{KEY}]\n"), 2),
            (format!("base_url = \"{KEY}\"\n"), 1),
            (format!("{KEY} = 1\n[\"`{KEY}\"]\n"), 2),
            (format!("[\"`{KEY}`\"]\n"), 1),
        ];
        for (text, want_line) in cases {
            let err = parse(&text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("/x/config.toml"), "{shown}");
            assert!(!shown.contains("0123456789"), "key shown: {shown}");
            let (line, column, _) = position(err);
            assert_eq!(line, want_line, "{text:?}: {shown}");
            assert!(column >= 1);
        }
    }

    #[test]
    fn precedence_explicit_then_env_then_file_then_default() {
        let path = Path::new("/x/config.toml");
        let file = ConfigFile {
            api_key: Some(ApiKey::new("in-file").unwrap()),
            base_url: Some("http://file:1".to_owned()),
        };
        let no_env = |_: &'static str| Ok(None);
        let env = |name: &'static str| {
            Ok(Some(match name {
                ENV_API_KEY => "in-env".to_owned(),
                _ => "http://env:2".to_owned(),
            }))
        };
        let shown = |s: Settings| {
            let (key, key_source) = s.api_key.unwrap();
            (
                key.expose().to_owned(),
                key_source,
                s.base_url.0,
                s.base_url.1,
            )
        };
        let file_source = Source::ConfigFile(path.to_owned());
        let all = Settings::resolve_with(
            Some("in-flag"),
            Some("http://flag:3"),
            Some((path, &file)),
            env,
        );
        assert_eq!(
            shown(all.unwrap()),
            (
                "in-flag".into(),
                Source::Explicit,
                "http://flag:3".into(),
                Source::Explicit
            )
        );
        let env_file = Settings::resolve_with(None, None, Some((path, &file)), env);
        assert_eq!(
            shown(env_file.unwrap()),
            (
                "in-env".into(),
                Source::Env(ENV_API_KEY),
                "http://env:2".into(),
                Source::Env(ENV_BASE_URL)
            )
        );
        let file_only = Settings::resolve_with(None, None, Some((path, &file)), no_env);
        assert_eq!(
            shown(file_only.unwrap()),
            (
                "in-file".into(),
                file_source.clone(),
                "http://file:1".into(),
                file_source
            )
        );
        let nothing = Settings::resolve_with(None, None, None, no_env).unwrap();
        assert!(nothing.api_key.is_none());
        assert_eq!(
            nothing.base_url,
            (DEFAULT_BASE_URL.to_owned(), Source::Default)
        );
        assert_eq!(
            nothing.client_builder().err(),
            Some(ConfigError::MissingApiKey)
        );
    }

    #[test]
    fn messages_quote_nothing_of_the_file_but_setting_names() {
        assert_eq!(
            unquoted("unknown field `in-x`, expected `api_key` or `base_url`"),
            "unknown field (not shown), expected `api_key` or `base_url`"
        );
        assert_eq!(
            unquoted(r#"invalid base URL "in-\"x\"": no scheme"#),
            "invalid base URL (not shown)"
        );
        assert_eq!(unquoted("cut `in-x"), "cut (not shown)");
        assert_eq!(unquoted("plain"), "plain");
        // A name holding a backtick (found by the `config_file` fuzz target).
        assert_eq!(
            unquoted("unknown field ``in-x`, expected `api_key` or `base_url`"),
            "unknown field (not shown), expected `api_key` or `base_url`"
        );
        assert_eq!(
            unquoted("unknown field `in-x, expected abc`"),
            "unknown field (not shown)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn only_a_regular_file_nobody_else_could_write_is_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("insighto").join("config.toml");
        let file = ConfigFile {
            api_key: Some(ApiKey::new(KEY).unwrap()),
            base_url: None,
        };
        file.save(&path).unwrap();
        let set = |p: &Path, mode: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        let refused = |fix: &str| match ConfigFile::load(&path) {
            Err(e @ ConfigError::UnsafeConfigFile { .. }) => {
                let shown = e.to_string();
                assert!(shown.contains(fix), "{shown}");
                assert!(!shown.contains("0123456789"), "{shown}");
            }
            other => panic!("{other:?}"),
        };
        set(&path, 0o666);
        refused("chmod 600");
        assert_eq!(
            ConfigFile::make_private(&path).unwrap(),
            None,
            "refused, not fixed"
        );
        set(&path, 0o640);
        assert_eq!(ConfigFile::load(&path).unwrap(), Some(file.clone()));
        assert_eq!(ConfigFile::make_private(&path).unwrap(), Some(0o640));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(ConfigFile::make_private(&path).unwrap(), None);
        set(path.parent().unwrap(), 0o777);
        refused("chmod 700");
        // Saving into a directory of ours makes it private again.
        file.save(&path).unwrap();
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        refused("not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn saves_with_private_modes_and_replaces_atomically() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("insighto").join("config.toml");
        let file = ConfigFile {
            api_key: Some(ApiKey::new(KEY).unwrap()),
            base_url: None,
        };
        file.save(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        // A world-readable file is replaced by a private one.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        file.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(ConfigFile::load(&path).unwrap(), Some(file));
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        assert_eq!(ConfigFile::load(&dir.path().join("absent")).unwrap(), None);
    }
}
