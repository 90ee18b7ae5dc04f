//! `cargo xtask`: maintainer tasks for the spec and the generated client.
//!
//! - `generate [--check]`: regenerate the checked-in copy of the generated client
//! - `lint`: the project's own spec rules
//! - `diff [--base REV] [--format markdown|json] [--fail-on breaking|any|none]`
//! - `check [--base REV]`: generate --check, lint, and semver for breaking changes
//! - `package`: package, verify, and use the packages from an application outside
//! - `msrv`: every crate's `rust-version` covers its dependencies'
//! - `bench`: every performance figure, side by side, into `target/bench/report.md`

mod bench;
mod callgrind;
mod consumer;
mod msrv;

pub(crate) use bench::run;

use std::{
    path::Path,
    process::{Command, ExitCode},
};

use clap::{Parser, Subcommand, ValueEnum};
use insighto_contract::{
    Spec,
    diff::{self, Change, Severity},
    lint,
};

/// Where the reviewable copy of the generated client lives.
const GENERATED_COPY: &str = "crates/insighto/generated/insighto.rs";
/// The copy of `openapi.yaml` that travels in the `insighto-spec` package, which the
/// client's `build.rs` and the sandbox read.
const SPEC_COPY: &str = "crates/insighto-spec/openapi.yaml";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for insighto")]
struct Xtask {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Copy openapi.yaml into insighto-spec and regenerate the checked-in client from it.
    Generate {
        /// Do not write; fail with a diff if the copy is stale.
        #[arg(long)]
        check: bool,
    },
    /// Check openapi.yaml against the project's own rules.
    Lint,
    /// Classify every change of openapi.yaml against a base revision.
    Diff {
        /// Base revision (default: the merge-base of HEAD and main).
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        #[arg(long, value_enum, default_value_t = FailOn::None)]
        fail_on: FailOn,
    },
    /// Measure client overhead, decoding, build cost and sandbox throughput vs Prism.
    Bench {
        /// Rounds of each in-process measurement (load tests use at most 3).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Clean builds of each kind (each takes minutes).
        #[arg(long, default_value_t = 1)]
        build_runs: usize,
        /// Seconds per wrk run.
        #[arg(long, default_value_t = 5)]
        load_seconds: u32,
        /// Only the consumer build-cost section (clean builds of three applications).
        #[arg(long)]
        consumer_only: bool,
        /// Only section 1: client overhead (callgrind instruction counts, wall clock).
        #[arg(long, conflicts_with_all = ["consumer_only", "sandbox_only"])]
        client_only: bool,
        /// Only section 4: the sandbox (file-backed, in-memory) vs its limit and Prism.
        #[arg(long, conflicts_with_all = ["consumer_only", "client_only"])]
        sandbox_only: bool,
    },
    /// Package and verify every publishable crate, then build and run an application
    /// outside the workspace from the packages (default and lean features) against a sandbox.
    Package,
    /// Fail when a crate's rust-version is below what its dependency closure needs.
    Msrv,
    /// What CI runs: generate --check, lint, and the version bump breaking changes need.
    Check {
        /// Base revision (default: the merge-base of HEAD and main).
        #[arg(long)]
        base: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum FailOn {
    Breaking,
    Any,
    None,
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_owned();
    let result = match Xtask::parse().command {
        Task::Generate { check } => generate(&root, check),
        Task::Lint => lint_spec(&root),
        Task::Diff {
            base,
            format,
            fail_on,
        } => diff_spec(&root, base, format, fail_on),
        Task::Check { base } => check(&root, base),
        Task::Package => consumer::package_and_consume(&root),
        Task::Msrv => msrv::msrv(&root),
        Task::Bench {
            rounds,
            build_runs,
            load_seconds,
            consumer_only: true,
            ..
        } => {
            let _ = (rounds, build_runs, load_seconds);
            bench::consumer_only(&root)
        }
        Task::Bench {
            rounds,
            build_runs,
            load_seconds,
            consumer_only: false,
            client_only,
            sandbox_only,
        } => bench::bench(
            &root,
            &bench::Options {
                rounds,
                build_runs,
                load_seconds,
                only: if client_only {
                    Some(bench::Only::Client)
                } else if sandbox_only {
                    Some(bench::Only::Sandbox)
                } else {
                    None
                },
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn generate(root: &Path, check: bool) -> Result<(), String> {
    let spec = read(&root.join("openapi.yaml"))?;
    let copied = refresh(root, SPEC_COPY, &spec, check);
    let code = insighto_codegen::generate(&spec).map_err(|e| e.to_string())?;
    let generated = refresh(root, GENERATED_COPY, &code, check);
    copied.and(generated)
}

/// Writes `content` to the derived file `path` (relative to `root`), or with `check`
/// fails with a diff when the file differs.
fn refresh(root: &Path, path: &str, content: &str, check: bool) -> Result<(), String> {
    let file = root.join(path);
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    if current == content {
        println!("{path} is up to date");
        return Ok(());
    }
    if check {
        let diff = similar::TextDiff::from_lines(current.as_str(), content);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(path, "derived from openapi.yaml")
        );
        return Err(format!(
            "{path} is stale: run `cargo xtask generate` and commit it"
        ));
    }
    std::fs::create_dir_all(file.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    std::fs::write(&file, content).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    println!("wrote {path}");
    Ok(())
}

fn lint_spec(root: &Path) -> Result<(), String> {
    let spec = Spec::parse(&read(&root.join("openapi.yaml"))?)?;
    let findings = lint::lint(&spec);
    for finding in &findings {
        println!("openapi.yaml#{finding}");
    }
    if findings.is_empty() {
        println!("openapi.yaml: no findings");
        Ok(())
    } else {
        Err(format!("{} lint finding(s)", findings.len()))
    }
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn default_base(root: &Path) -> String {
    git(root, &["merge-base", "HEAD", "main"])
        .or_else(|_| git(root, &["rev-parse", "HEAD"]))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "HEAD".to_owned())
}

/// The changes from `base` to the working tree, or `None` if `base` has no spec.
fn changes(root: &Path, base: &str) -> Result<Option<Vec<Change>>, String> {
    let Ok(old) = git(root, &["show", &format!("{base}:openapi.yaml")]) else {
        return Ok(None);
    };
    let old = Spec::parse(&old).map_err(|e| format!("openapi.yaml at {base}: {e}"))?;
    let new = Spec::parse(&read(&root.join("openapi.yaml"))?)?;
    Ok(Some(diff::diff(&old, &new)))
}

fn diff_spec(
    root: &Path,
    base: Option<String>,
    format: Format,
    fail_on: FailOn,
) -> Result<(), String> {
    let base = base.unwrap_or_else(|| default_base(root));
    let changes = changes(root, &base)?.unwrap_or_default();
    let label = short(root, &base);
    match format {
        Format::Markdown => print!("{}", diff::markdown(&changes, &label)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diff::json(&changes, &label)).expect("serializable")
        ),
    }
    let breaking = changes.iter().any(|c| c.severity() == Severity::Breaking);
    match fail_on {
        FailOn::Breaking if breaking => Err("breaking changes found".into()),
        FailOn::Any if !changes.is_empty() => Err("changes found".into()),
        _ => Ok(()),
    }
}

fn short(root: &Path, rev: &str) -> String {
    git(root, &["rev-parse", "--short", rev])
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| rev.to_owned())
}

fn check(root: &Path, base: Option<String>) -> Result<(), String> {
    let mut problems = Vec::new();
    if let Err(e) = generate(root, true) {
        problems.push(e);
    }
    if let Err(e) = lint_spec(root) {
        problems.push(e);
    }
    let base = base.unwrap_or_else(|| default_base(root));
    if let Some(changes) = changes(root, &base)? {
        let breaking: Vec<&Change> = changes
            .iter()
            .filter(|c| c.severity() == Severity::Breaking)
            .collect();
        println!(
            "{} change(s) against {}, {} breaking",
            changes.len(),
            short(root, &base),
            breaking.len()
        );
        if !breaking.is_empty() {
            let old_cargo = git(root, &["show", &format!("{base}:Cargo.toml")]).unwrap_or_default();
            let new_cargo = read(&root.join("Cargo.toml"))?;
            let old_spec =
                git(root, &["show", &format!("{base}:openapi.yaml")]).unwrap_or_default();
            let new_spec = read(&root.join("openapi.yaml"))?;
            for (what, old, new) in [
                (
                    "crate version (workspace.package.version)",
                    crate_version(&old_cargo),
                    crate_version(&new_cargo),
                ),
                (
                    "info.version of openapi.yaml",
                    info_version(&old_spec),
                    info_version(&new_spec),
                ),
            ] {
                if let (Some(old), Some(new)) = (old, new)
                    && !is_major_bump(&old, &new)
                {
                    problems.push(format!(
                        "{} breaking change(s) need a semver-major bump of the {what}: {old} -> {new} is not one (first: {} at {})",
                        breaking.len(), breaking[0].rule, breaking[0].pointer
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        println!("xtask check: ok");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn crate_version(cargo_toml: &str) -> Option<String> {
    let doc: toml::Value = toml::from_str(cargo_toml).ok()?;
    doc.get("workspace")?
        .get("package")?
        .get("version")?
        .as_str()
        .map(str::to_owned)
}

fn info_version(spec: &str) -> Option<String> {
    Spec::parse(spec).ok()?.doc["info"]["version"]
        .as_str()
        .map(str::to_owned)
}

/// Semver's "incompatible change" bump: the major, or the minor while the major is 0.
fn is_major_bump(old: &str, new: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.trim().split(['.', '-', '+']);
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(old), parse(new)) {
        (Some((0, old_minor)), Some((0, new_minor))) => new_minor > old_minor,
        (Some((old_major, _)), Some((new_major, _))) => new_major > old_major,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_bumps() {
        assert!(is_major_bump("0.1.0", "0.2.0"));
        assert!(!is_major_bump("0.1.0", "0.1.5"));
        assert!(is_major_bump("1.4.2", "2.0.0"));
        assert!(!is_major_bump("1.4.2", "1.5.0"));
        assert!(!is_major_bump("1.0.0", "nonsense"));
    }

    #[test]
    fn reads_versions() {
        assert_eq!(
            crate_version("[workspace.package]\nversion = \"0.3.1\"\n").as_deref(),
            Some("0.3.1")
        );
        assert_eq!(
            info_version("openapi: 3.0.3\ninfo:\n  version: 2.0.0\n").as_deref(),
            Some("2.0.0")
        );
    }
}
