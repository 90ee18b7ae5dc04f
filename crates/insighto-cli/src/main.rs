//! `insighto`: read and update an Insighto profile from the command line, against the
//! real service or a local sandbox.

#![warn(missing_docs)]

mod completions;
mod config;
mod doctor;
#[cfg(test)]
mod error_table;
mod exits;
mod fields;
mod logs;
mod redact;
mod terminal;

use std::{io::Write as _, net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use insighto::{Client, Error, config::Settings, types::UserProfile};
use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

use fields::UpdateFlags;

// Exit codes scripts can rely on, and what each failure maps to.
use exits as exit;

// No `Debug`: it holds the API key as given.
#[derive(Parser)]
#[command(
    name = "insighto",
    version,
    about = "Read and update your Insighto.ai profile"
)]
#[command(after_help = exits::HELP)]
struct Cli {
    #[command(flatten)]
    globals: Globals,

    #[command(subcommand)]
    command: Command,
}

/// The options every command takes. A struct of its own so that `fields.rs` can see
/// their names and keep the spec's field flags clear of them.
// No `Debug`: it holds the API key as given.
#[derive(Args)]
pub(crate) struct Globals {
    /// API key (or INSIGHTO_API_KEY); never printed, but other users see it in `ps`:
    /// prefer `insighto login` or INSIGHTO_API_KEY.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "INSIGHTO_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,

    /// Base URL of the API.
    #[arg(long, global = true, help_heading = "Global options", env = "INSIGHTO_BASE_URL", hide_env_values = true, default_value = insighto::DEFAULT_BASE_URL)]
    base_url: String,

    /// Run against an embedded sandbox whose state persists in your data directory.
    #[arg(long, global = true, help_heading = "Global options")]
    sandbox: bool,

    /// Seconds each attempt may take, from connecting to the last byte (default 30).
    #[arg(long, global = true, help_heading = "Global options", env = "INSIGHTO_TIMEOUT", value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<std::time::Duration>,

    /// How many times a failed attempt is repeated (default 2; 0 turns retries off).
    #[arg(long, global = true, help_heading = "Global options", env = "INSIGHTO_RETRIES", value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Your profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Run a local sandbox server in the foreground.
    Sandbox(SandboxArgs),
    /// Check an API key and remember it in your config file (read without echo, or from stdin).
    Login {
        /// Replace a config file that cannot be read.
        #[arg(long)]
        force: bool,
    },
    /// Forget the API key that `login` remembered.
    Logout {
        /// Remove a config file that cannot be read.
        #[arg(long)]
        force: bool,
    },
    /// Your settings and where each comes from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check that the service still answers as openapi.yaml says: one GET of your
    /// profile (never a PUT), its status, content type and body checked strictly. Exits 0
    /// when it matches, 9 when it does not (each difference named by its JSON pointer).
    Doctor {
        /// Print the report as one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `insighto completions bash > /etc/bash_completion.d/insighto`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `insighto man > insighto.1`.
    Man,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Show the config file, the key (redacted) and the base URL, each with its source:
    /// flag, then environment, then config file, then default.
    Show,
}

#[derive(Debug, Subcommand)]
enum ProfileCommand {
    /// Show your profile.
    Show {
        /// Print the profile as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Update your profile: `--<field> VALUE` sets a field, `--clear-<field>` clears it.
    Update {
        /// Print the updated profile as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        fields: Box<UpdateFlags>,
    },
}

#[derive(Debug, clap::Args)]
struct SandboxArgs {
    /// Port to listen on (loopback only); 0 picks a free port.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// SQLite database file (default: the same file `--sandbox` uses).
    #[arg(long, conflicts_with = "in_memory")]
    db: Option<PathBuf>,
    /// Keep everything in memory (nothing survives a restart).
    #[arg(long)]
    in_memory: bool,
    /// JSON file of extra accounts: {"accounts": [{"api_key": "in-...", "profile": {...}}]}.
    #[arg(long)]
    seed: Option<PathBuf>,
}

/// A failure ready to print: one sentence and an exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (code, hint) = exits::classify(&e);
        // The error says why on one line, its cause included (such as "connection
        // refused"); none of it holds the key.
        let mut message = e.to_string();
        if let Some(id) = e.request_id() {
            message.push_str(&format!(" (request id {id})"));
        }
        Self::new(code, format!("{message}; {hint}"))
    }
}

impl From<insighto::ConfigError> for Failure {
    fn from(e: insighto::ConfigError) -> Self {
        Self::new(exit::USAGE, e.to_string())
    }
}

impl From<insighto_sandbox::SandboxError> for Failure {
    fn from(e: insighto_sandbox::SandboxError) -> Self {
        Self::new(exit::OTHER, format!("the sandbox could not start: {e}"))
    }
}

/// What a command needs before it runs: the settings of an API command, the key that
/// `login` read. Known before logging starts, so that the key can be redacted.
#[derive(Default)]
struct Prepared {
    settings: Option<Settings>,
    login_key: Option<String>,
}

impl Prepared {
    fn new(cli: &Cli, explicit: &config::Explicit) -> Result<Self, Failure> {
        Ok(match &cli.command {
            // An API command (without the embedded sandbox's demo key), or `config show`.
            Command::Profile(_) | Command::Doctor { .. } | Command::Config(_)
                if !cli.globals.sandbox || matches!(cli.command, Command::Config(_)) =>
            {
                Self {
                    settings: Some(explicit.settings()?),
                    ..Self::default()
                }
            }
            Command::Login { .. } if cli.globals.sandbox => {
                return Err(Failure::new(
                    exit::USAGE,
                    "--sandbox needs no login: it uses the sandbox's demo key",
                ));
            }
            // Refused before the prompt, so that nobody types a key for nothing.
            Command::Login { .. } if explicit.api_key.is_some() => {
                return Err(config::login_refuses_api_key());
            }
            Command::Login { .. } => Self {
                login_key: Some(config::read_key()?),
                ..Self::default()
            },
            _ => Self::default(),
        })
    }

    /// The key this run may use, to be hidden from everything it writes.
    fn key(&self) -> Option<&str> {
        self.login_key.as_deref().or_else(|| {
            let (key, _) = self.settings.as_ref()?.api_key.as_ref()?;
            Some(key.expose_secret())
        })
    }
}

fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    let explicit = config::Explicit::from_matches(&matches);
    let prepared = Prepared::new(&cli, &explicit);
    let secrets = redact::Secrets::new(
        prepared
            .as_ref()
            .ok()
            .and_then(Prepared::key)
            .or(cli.globals.api_key.as_deref()),
    );
    let failed = |failure: Failure| {
        // One line: a line separator in the server's text cannot forge another.
        let message = terminal::escape(&secrets.redact(&failure.message));
        // Not `eprintln!`, which panics when stderr is closed.
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
        ExitCode::from(failure.code)
    };
    let prepared = match prepared.and_then(|p| logs::init(secrets.clone()).map(|()| p)) {
        Ok(prepared) => prepared,
        Err(failure) => return failed(failure),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: cannot start the async runtime: {e}"
            );
            return ExitCode::from(exit::OTHER);
        }
    };
    match runtime.block_on(run(cli, explicit, prepared)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failed(failure),
    }
}

async fn run(cli: Cli, explicit: config::Explicit, prepared: Prepared) -> Result<(), Failure> {
    let secrets = redact::Secrets::new(prepared.key());
    match cli.command {
        Command::Sandbox(args) => serve_sandbox(args).await,
        Command::Login { force } => {
            let key = prepared.login_key.unwrap_or_default();
            config::login(&explicit, &key, force).await
        }
        Command::Logout { force } => config::logout(force),
        Command::Config(ConfigCommand::Show) => config::show(prepared.settings.as_ref()),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
        Command::Doctor { json } => {
            let tuning = Tuning {
                timeout: cli.globals.timeout,
                retries: cli.globals.retries,
            };
            // Keep the embedded sandbox alive for the whole command.
            let (client, _sandbox) =
                connect(prepared.settings.as_ref(), cli.globals.sandbox, tuning).await?;
            doctor::doctor(&client, json).await
        }
        Command::Profile(command) => {
            if let ProfileCommand::Update { fields, .. } = &command
                && fields.changed == 0
            {
                return Err(Failure::new(
                    exit::USAGE,
                    "nothing to update: give at least one --<field> VALUE or --clear-<field> \
                     (see `insighto profile update --help`)",
                ));
            }
            // Keep the embedded sandbox alive for the whole command.
            let tuning = Tuning {
                timeout: cli.globals.timeout,
                retries: cli.globals.retries,
            };
            let (client, _sandbox) =
                connect(prepared.settings.as_ref(), cli.globals.sandbox, tuning).await?;
            match command {
                ProfileCommand::Show { json } => {
                    print_profile(&client.get_profile().await?, json, &secrets)
                }
                ProfileCommand::Update { json, fields } => print_profile(
                    &client.update_my_profile(&fields.update).await?,
                    json,
                    &secrets,
                ),
            }
        }
    }
}

/// `--timeout` and `--retries`.
#[derive(Debug, Clone, Copy)]
struct Tuning {
    timeout: Option<std::time::Duration>,
    retries: Option<u32>,
}

impl Tuning {
    fn apply(self, mut builder: insighto::ClientBuilder) -> insighto::ClientBuilder {
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout).connect_timeout(timeout);
        }
        if let Some(retries) = self.retries {
            builder = builder.retry(insighto::RetryPolicy::default().max_retries(retries));
        }
        builder
    }
}

/// `--timeout`: seconds, fractions allowed, more than 0 and at most a day.
fn parse_timeout(value: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "{value:?} must be more than 0 and at most 86400 seconds"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// A client for the real service, or for an embedded sandbox with `--sandbox`.
async fn connect(
    settings: Option<&Settings>,
    sandbox: bool,
    tuning: Tuning,
) -> Result<(Client, Option<RunningSandbox>), Failure> {
    if sandbox {
        let db = default_db()?;
        let running = Sandbox::open(&SandboxOptions {
            db: Some(db),
            seed: None,
            ..Default::default()
        })?
        // On this command's runtime rather than the fixture's background thread
        // (`spawn_local`): when the command ends, the runtime's end closes the store,
        // so SQLite checkpoints its write-ahead log and leaves only the database file.
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await?;
        let client = tuning
            .apply(Client::builder(running.demo_key()).base_url(running.url()))
            .build()?;
        return Ok((client, Some(running)));
    }
    let builder = settings
        .filter(|s| s.api_key.is_some())
        .map(Settings::client_builder)
        .ok_or_else(|| {
            Failure::new(
                exit::USAGE,
                "no API key: run `insighto login`, pass --api-key or set INSIGHTO_API_KEY \
                 (or try --sandbox to use a local sandbox)",
            )
        })??;
    let client = tuning.apply(builder).build()?;
    warn_if_key_in_clear(&client);
    Ok((client, None))
}

/// Says so on stderr when the key is about to cross the network unencrypted. The base
/// URL is shown by its origin only (a key pasted into its path stays unseen), escaped
/// like everything else the CLI prints.
pub(crate) fn warn_if_key_in_clear(client: &Client) {
    if client.sends_key_in_clear() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: {} is plain http to another machine: the API key travels unencrypted",
            terminal::escape(doctor::origin(client.base_url()))
        );
    }
}

/// The sandbox database in the user's data directory.
fn default_db() -> Result<PathBuf, Failure> {
    let dirs = directories::ProjectDirs::from("ai", "Insighto", "insighto").ok_or_else(|| {
        Failure::new(
            exit::OTHER,
            "cannot find your data directory; pass --db to `insighto sandbox`",
        )
    })?;
    let dir = dirs.data_dir();
    // 0700: the database in it holds API keys.
    insighto_sandbox::create_private_dir(dir)
        .map_err(|e| Failure::new(exit::OTHER, format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir.join("sandbox.sqlite3"))
}

async fn serve_sandbox(args: SandboxArgs) -> Result<(), Failure> {
    let db = match (args.in_memory, args.db) {
        (true, _) => None,
        (false, Some(db)) => Some(db),
        (false, None) => Some(default_db()?),
    };
    let where_ = db
        .as_ref()
        .map_or("memory".to_owned(), |p| p.display().to_string());
    for (path, what) in [(&db, "--db"), (&args.seed, "--seed")] {
        if let Some(path) = path {
            config::regular_file_or_absent(path, what)?;
        }
    }
    let sandbox = Sandbox::open(&SandboxOptions {
        db,
        seed: args.seed,
        ..Default::default()
    })?;
    let running = sandbox
        .spawn(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await?;
    // This key is the sandbox's own demo key, not a secret of the user's.
    out(&format!(
        "Insighto sandbox listening on {url}\nDemo API key: {key}\nDemo user id: {id}\nData: {where_}\n\
         Try: INSIGHTO_BASE_URL={url} INSIGHTO_API_KEY=<demo key> insighto profile show\n",
        url = running.url(),
        key = running.demo_key(),
        id = running.demo().user_id,
    ));
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    Ok(())
}

/// Prints the profile with every value redacted (a field may hold the key).
fn print_profile(
    profile: &UserProfile,
    json: bool,
    secrets: &redact::Secrets,
) -> Result<(), Failure> {
    // Only a date-time outside years 1-9999 fails: no Insighto API could have stored it.
    let mut value = serde_json::to_value(profile).map_err(|e| {
        Failure::new(
            exit::UNEXPECTED,
            format!("the profile cannot be shown: {e}; check --base-url: the Insighto API sends none such"),
        )
    })?;
    secrets.redact_json(&mut value);
    if json {
        out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ));
        return Ok(());
    }
    // Every property of the spec's profile: the required ones (the id) first, then the
    // rest in the spec's order.
    let mut shown = insighto_spec::Spec::bundled().component_fields("UserProfile");
    shown.sort_by_key(|field| !field.required);
    let names = shown.iter().map(|field| field.name.as_str());
    let width = names.clone().map(str::len).max().unwrap_or(0);
    let mut text = String::new();
    for name in names {
        let shown = match value.get(name) {
            None | Some(serde_json::Value::Null) => "-".to_owned(),
            // The server's text is shown, never obeyed: no escape sequences, no forged lines.
            Some(serde_json::Value::String(s)) => terminal::escape(s),
            Some(other) => other.to_string(),
        };
        text.push_str(&format!("{name:width$}  {shown}\n"));
    }
    out(&text);
    Ok(())
}

/// Writes to stdout; a closed pipe (`insighto ... | head -1`) is not an error worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
