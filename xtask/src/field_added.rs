//! `cargo xtask field-added`: the proof that a field added to `openapi.yaml` reaches every
//! part of the product with no other edit.
//!
//! It copies the repository to `target/field-added/repo`, adds a text field and a
//! boolean field to the copy's `UserProfile` and `UserProfileUpdate` (in both copies of
//! the spec, as `cargo xtask generate` would), builds the copy's CLI, and drives it
//! against its own embedded sandbox: the new flags exist, the sandbox validates and
//! stores the values, the table and the JSON output show them, and clearing works.
//!
//! The copy shares this workspace's target directory, so only the workspace's own
//! crates are compiled again. Cargo names a path crate's artifacts after its name,
//! version and path relative to the workspace root, which are the same in the copy, so
//! the copy's crates get another patch version (their artifacts would otherwise
//! overwrite this workspace's) and its binary another name.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{Value, json};

/// The binary name of the copy's CLI.
const BIN: &str = "insighto-field-added";

/// The fields added: name, schema in `UserProfile`, the nullable component the update
/// body refers to, a value to set, and that value as the table shows it.
const ADDED: [(&str, &str, &str, &str); 2] = [
    ("nickname", "string", "NullableString", "Ace"),
    ("newsletter", "boolean", "NullableBoolean", "true"),
];

pub fn run(root: &Path) -> Result<(), String> {
    let work = root.join("target/field-added");
    let repo = work.join("repo");
    crate::semver::copy_dir(
        root,
        &repo,
        &["target", ".git", ".schemathesis", "node_modules"],
    )?;
    let spec = with_added_fields(&crate::read(&root.join("openapi.yaml"))?)?;
    for path in ["openapi.yaml", "crates/insighto-spec/openapi.yaml"] {
        crate::semver::write(&repo.join(path), &spec)?;
    }
    let json = crate::spec_json(&spec)?;
    crate::semver::write(&repo.join("crates/insighto-spec/openapi.json"), &json)?;
    rename_binary(&repo.join("crates/insighto-cli/Cargo.toml"))?;
    other_version(&repo.join("Cargo.toml"))?;

    println!(
        "field-added: building the copy's CLI with `nickname` and `newsletter` added to the spec"
    );
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--offline",
            "-p",
            "insighto-cli",
            "--bin",
            BIN,
        ])
        .current_dir(&repo)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the copy with the added fields does not build".into());
    }
    let cli = Cli {
        bin: root.join("target/debug").join(BIN),
        home: work.join("home"),
    };
    let _ = std::fs::remove_dir_all(&cli.home);

    let help = cli.run(&["profile", "update", "--help"])?;
    for (name, ..) in ADDED {
        let flag = format!("--{name}");
        check(
            help.contains(&flag),
            &format!("`profile update --help` lists {flag}"),
        )?;
    }

    let flags: Vec<String> = ADDED.iter().map(|(name, ..)| format!("--{name}")).collect();
    let mut update = vec!["profile", "update", "--first-name", "Ada"];
    for (flag, (.., value)) in flags.iter().zip(ADDED) {
        update.extend([flag.as_str(), value]);
    }
    let table = cli.run(&update)?;
    for (name, _, _, value) in ADDED {
        let shown = table.lines().any(|line| {
            let mut cells = line.split_whitespace();
            cells.next() == Some(name) && cells.next() == Some(value)
        });
        check(shown, &format!("the table shows `{name}  {value}`"))?;
    }

    let stored: Value = serde_json::from_str(&cli.run(&["profile", "show", "--json"])?)
        .map_err(|e| format!("`profile show --json` is not JSON: {e}"))?;
    check(
        stored["nickname"] == json!("Ace") && stored["newsletter"] == json!(true),
        &format!("a new process reads both fields back from the sandbox: {stored}"),
    )?;

    let refused = cli.fails(&["profile", "update", "--newsletter", "maybe"])?;
    check(
        refused.contains("--newsletter") && refused.contains("boolean"),
        &format!("a bad value of a new field is refused by its flag: {refused}"),
    )?;

    let cleared: Value =
        serde_json::from_str(&cli.run(&["profile", "update", "--clear-nickname", "--json"])?)
            .map_err(|e| format!("`profile update --json` is not JSON: {e}"))?;
    check(
        cleared["nickname"].is_null() && cleared["newsletter"] == json!(true),
        &format!("--clear-nickname clears it and keeps the other: {cleared}"),
    )?;
    println!(
        "field-added: flags, sandbox validation and storage, table and JSON output all carry the new fields"
    );
    Ok(())
}

/// The spec with the [`ADDED`] fields in both profile schemas.
fn with_added_fields(text: &str) -> Result<String, String> {
    let spec = insighto_spec::Spec::parse(text).map_err(|e| e.to_string())?;
    let mut doc = spec.doc().clone();
    for (name, kind, nullable, _) in ADDED {
        let description = format!("A field added by `cargo xtask field-added` ({kind}).");
        let profile = doc
            .pointer_mut("/components/schemas/UserProfile/properties")
            .and_then(Value::as_object_mut)
            .ok_or("the spec has no UserProfile properties")?;
        profile.insert(
            name.into(),
            json!({ "description": description, "type": kind, "nullable": true }),
        );
        let update = doc
            .pointer_mut("/components/schemas/UserProfileUpdate/properties")
            .and_then(Value::as_object_mut)
            .ok_or("the spec has no UserProfileUpdate properties")?;
        let component = format!("#/components/schemas/{nullable}");
        update.insert(
            name.into(),
            json!({ "description": description, "allOf": [{ "$ref": component }] }),
        );
    }
    // JSON is YAML: every reader of the spec takes it as it is.
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

/// Gives the copy's CLI binary its own name.
fn rename_binary(manifest: &Path) -> Result<(), String> {
    let text = crate::read(manifest)?;
    let renamed = text.replacen(
        "[[bin]]\nname = \"insighto\"",
        &format!("[[bin]]\nname = \"{BIN}\""),
        1,
    );
    if renamed == text {
        return Err(format!(
            "{} has no [[bin]] named insighto",
            manifest.display()
        ));
    }
    crate::semver::write(manifest, &renamed)
}

/// Moves the copy's workspace version up by 1000 patch releases (still within every
/// caret requirement between its crates).
fn other_version(manifest: &Path) -> Result<(), String> {
    let text = crate::read(manifest)?;
    let table = "[workspace.package]\nversion = \"";
    let start = text.find(table).ok_or("no [workspace.package] version")? + table.len();
    let end = start + text[start..].find('"').ok_or("unterminated version")?;
    let version = &text[start..end];
    let (head, patch) = version.rsplit_once('.').ok_or("version is not X.Y.Z")?;
    let patch: u64 = patch
        .parse()
        .map_err(|_| format!("version {version} is not X.Y.Z"))?;
    let moved = format!("{}{head}.{}{}", &text[..start], patch + 1000, &text[end..]);
    crate::semver::write(manifest, &moved)
}

/// The copy's CLI, run with `--sandbox` in a home of its own and no `INSIGHTO_*`
/// variables, as a new user would.
struct Cli {
    bin: PathBuf,
    home: PathBuf,
}

impl Cli {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--sandbox").args(args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("INSIGHTO_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_CONFIG_HOME", self.home.join("config"));
        cmd
    }

    /// Runs and returns stdout; fails on a non-zero exit.
    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = self.command(args).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{BIN} {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs and returns stderr; fails on a zero exit.
    fn fails(&self, args: &[&str]) -> Result<String, String> {
        let out = self.command(args).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            return Err(format!("{BIN} {} succeeded", args.join(" ")));
        }
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        println!("  ok: {what}");
        Ok(())
    } else {
        Err(format!("field-added: expected {what}"))
    }
}
