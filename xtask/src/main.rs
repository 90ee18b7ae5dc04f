//! `cargo xtask`: maintainer tasks for the spec and the generated client.
//!
//! - `generate [--check]`: regenerate the checked-in copy of the generated client (and,
//!   without `--check`, the status-to-error table of `insighto::Error`'s docs)
//! - `lint`: the project's own spec rules
//! - `diff [--base REV | --base-file OLD] [--head-file NEW] [--format markdown|json]
//!   [--fail-on breaking|any|none] [--semver-checks]`
//! - `check [--base REV]`: generate --check, lint, and semver for breaking changes
//!   (cargo-semver-checks decides whether the Rust crate breaks)
//! - `pr-comment`: the create-or-update request for the sticky pull-request comment
//! - `semver-sample`: corpus cases through cargo-semver-checks, with the agreement table
//! - `package`: package, verify, and use the packages from an application outside
//! - `msrv`: every crate's `rust-version` covers its dependencies'
//! - `upstream [--url URL | --file PATH] [--format markdown|json] [--fail-on breaking]`:
//!   the vendor's published document reviewed against openapi.yaml (`upstream.rs`)
//! - `drift-issue`: the one issue request the scheduled drift check makes (`drift.rs`)
//! - `bench`: every performance figure, side by side, into `target/bench/report.md`
//! - `fuzz [--seconds N]`: every cargo-fuzz target in `fuzz/` for N seconds each

mod bench;
mod comment;
mod consumer;
mod drift;
mod field_added;
mod fuzz;
mod msrv;
mod semver;
mod upstream;

pub(crate) use bench::process::run;

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use clap::{Parser, Subcommand, ValueEnum};
use insighto_contract::{
    Spec, corpus,
    diff::{self, Change, Severity},
    lint,
};
use semver::Report;

/// Where the reviewable copy of the generated client lives.
const GENERATED_COPY: &str = "crates/insighto/generated/insighto.rs";
/// The copy of `openapi.yaml` that travels in the `insighto-spec` package, which the
/// client's `build.rs` and the sandbox read.
const SPEC_COPY: &str = "crates/insighto-spec/openapi.yaml";
/// The status-to-error table of `insighto::Error`'s docs (`insighto-cli`'s
/// `error_table.rs` writes and checks it).
const ERROR_TABLE: &str = "crates/insighto/src/error_table.md";
/// The same document as JSON, for builds of `insighto-spec` without its YAML reader.
const SPEC_JSON_COPY: &str = "crates/insighto-spec/openapi.json";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for insighto")]
struct Xtask {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Copy openapi.yaml into insighto-spec and regenerate the checked-in client and the
    /// docs' status-to-error table from it.
    Generate {
        /// Do not write; fail with a diff if the copy is stale.
        #[arg(long)]
        check: bool,
    },
    /// Check openapi.yaml against the project's own rules.
    Lint,
    /// Classify every change of openapi.yaml against a base revision, or of any two files.
    Diff {
        /// Base revision (default: the merge-base of HEAD and main).
        #[arg(long, conflicts_with = "base_file")]
        base: Option<String>,
        /// The old spec as a file, such as the spec in use, instead of a revision.
        #[arg(long)]
        base_file: Option<PathBuf>,
        /// The new spec as a file, such as a vendor's new version (default: openapi.yaml).
        #[arg(long)]
        head_file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        #[arg(long, value_enum, default_value_t = FailOn::None)]
        fail_on: FailOn,
        /// Also build the client from both specs and compare them with
        /// cargo-semver-checks (about 90 s), the ground truth for Rust users.
        #[arg(long)]
        semver_checks: bool,
    },
    /// Decide how to post the sticky pull-request comment: prints `METHOD PATH` (nothing
    /// when the comment is up to date) and writes the JSON body to `--request`.
    PrComment {
        /// The report (Markdown) to post.
        #[arg(long)]
        report: PathBuf,
        /// The pull request's comments as the GitHub REST API lists them: a JSON array, or
        /// one object a line (`gh api --paginate --jq '.[]'`).
        #[arg(long)]
        comments: PathBuf,
        /// The pull request number.
        #[arg(long)]
        pr: u64,
        /// Where to write the request body.
        #[arg(long)]
        request: PathBuf,
    },
    /// Run corpus cases through cargo-semver-checks and print how its verdict agrees
    /// with the classifier's Rust view; fails on any disagreement.
    SemverSample {
        /// Case names, comma-separated (default: the CI sample).
        #[arg(long, value_delimiter = ',')]
        cases: Vec<String>,
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
        #[arg(long, conflicts_with_all = ["consumer_only", "sandbox_only", "fixture_only"])]
        client_only: bool,
        /// Only section 4: the sandbox (file-backed, in-memory) vs its limit and Prism.
        #[arg(long, conflicts_with_all = ["consumer_only", "client_only", "fixture_only"])]
        sandbox_only: bool,
        /// Only section 6: the sandbox as a test fixture vs wiremock.
        #[arg(long, conflicts_with_all = ["consumer_only", "client_only", "sandbox_only"])]
        fixture_only: bool,
    },
    /// Package and verify every publishable crate, then build and run an application
    /// outside the workspace from the packages (default and lean features) against a sandbox.
    Package,
    /// Review the vendor's published OpenAPI document against openapi.yaml: what would
    /// change for users if openapi.yaml followed it, known differences aside.
    Upstream {
        /// Where the document is published.
        #[arg(long, default_value = upstream::DEFAULT_URL, conflicts_with = "file")]
        url: String,
        /// The document as a file instead.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// `breaking`: fail on a breaking change that no known difference explains.
        #[arg(long, value_enum, default_value_t = FailOn::None)]
        fail_on: FailOn,
    },
    /// Decide what the scheduled drift check does with its issue: prints `METHOD PATH`
    /// (nothing when there is nothing to do) and writes the JSON body to `--request`;
    /// fails afterwards when a check could not run.
    DriftIssue {
        /// `insighto doctor --json`'s output; leave out when doctor did not run.
        #[arg(long, requires = "doctor_exit")]
        doctor: Option<PathBuf>,
        /// doctor's exit code.
        #[arg(long, requires = "doctor")]
        doctor_exit: Option<i32>,
        /// `cargo xtask upstream --format json`'s output; leave out when it did not run.
        #[arg(long, requires = "upstream_exit")]
        upstream: Option<PathBuf>,
        /// upstream's exit code.
        #[arg(long, requires = "upstream")]
        upstream_exit: Option<i32>,
        /// The repository's open issues as the GitHub REST API lists them: a JSON array,
        /// or one object a line (`gh api --paginate --jq '.[]'`).
        #[arg(long)]
        issues: PathBuf,
        /// Where to write the request body.
        #[arg(long)]
        request: PathBuf,
    },
    /// Fail when a crate's rust-version is below what its dependency closure needs.
    Msrv,
    /// Add two fields to a copy of the spec and show that the CLI's flags, the sandbox
    /// and the table output carry them with no other edit.
    FieldAdded,
    /// Run every fuzz target in `fuzz/` (cargo-fuzz) for a while from its seeds; fails
    /// on a crash, whose input is left in `target/fuzz/artifacts/`.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 20)]
        seconds: u32,
        /// Only these targets, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        targets: Vec<String>,
    },
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
            base_file,
            head_file,
            format,
            fail_on,
            semver_checks,
        } => diff_spec(
            &root,
            &Sides {
                base,
                base_file,
                head_file,
            },
            format,
            fail_on,
            semver_checks,
        ),
        Task::PrComment {
            report,
            comments,
            pr,
            request,
        } => pr_comment(&report, &comments, pr, &request),
        Task::SemverSample { cases } => semver_sample(&root, &cases),
        Task::Check { base } => check(&root, base),
        Task::Package => consumer::package_and_consume(&root),
        Task::Msrv => msrv::msrv(&root),
        Task::DriftIssue {
            doctor,
            doctor_exit,
            upstream,
            upstream_exit,
            issues,
            request,
        } => drift_issue(
            (doctor.as_deref(), doctor_exit),
            (upstream.as_deref(), upstream_exit),
            &issues,
            &request,
        ),
        Task::Upstream {
            url,
            file,
            format,
            fail_on,
        } => upstream::run(
            &root,
            &match file {
                Some(path) => upstream::Source::File(path),
                None => upstream::Source::Url(url),
            },
            matches!(format, Format::Json),
            fail_on,
        ),
        Task::FieldAdded => field_added::run(&root),
        Task::Fuzz { seconds, targets } => fuzz::fuzz(&root, seconds, &targets),
        Task::Bench {
            rounds,
            build_runs,
            load_seconds,
            consumer_only: true,
            ..
        } => {
            let _ = (rounds, load_seconds);
            bench::consumer_only(&root, build_runs)
        }
        Task::Bench {
            rounds,
            build_runs,
            load_seconds,
            consumer_only: false,
            client_only,
            sandbox_only,
            fixture_only,
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
                } else if fixture_only {
                    Some(bench::Only::Fixture)
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

/// A file's text; the error names the file.
pub(crate) fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn generate(root: &Path, check: bool) -> Result<(), String> {
    let spec = read(&root.join("openapi.yaml"))?;
    let copied = refresh(root, SPEC_COPY, &spec, check);
    let json = spec_json(&spec)?;
    let json_copied = refresh(root, SPEC_JSON_COPY, &json, check);
    let code = insighto_codegen::generate(&spec).map_err(|e| e.to_string())?;
    let generated = refresh(root, GENERATED_COPY, &code, check);
    copied.and(json_copied).and(generated)?;
    if !check {
        // The docs' status-to-error table is written by the test that checks it, the one
        // place that sees the client and the CLI's exit codes together; `cargo test`
        // checks it.
        run(Command::new(env!("CARGO"))
            .current_dir(root)
            .env("INSIGHTO_BLESS", "1")
            .args([
                "test",
                "-p",
                "insighto-cli",
                "--bin",
                "insighto",
                "error_table",
            ]))?;
        println!("wrote {ERROR_TABLE}");
    }
    Ok(())
}

/// The spec as the JSON copy holds it: pretty-printed, keys in name order.
pub(crate) fn spec_json(spec: &str) -> Result<String, String> {
    let doc = insighto_spec::Spec::parse(spec).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(doc.doc()).map_err(|e| e.to_string())?;
    Ok(text + "\n")
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
    let spec = Spec::parse(&read(&root.join("openapi.yaml"))?).map_err(|e| e.to_string())?;
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

/// What a review compares: a base revision or file against a head file or the tree.
#[derive(Default)]
struct Sides {
    base: Option<String>,
    base_file: Option<PathBuf>,
    head_file: Option<PathBuf>,
}

/// The two spec texts and a label for the base, or `None` if the base has no spec.
struct Revisions {
    old: String,
    new: String,
    label: String,
}

impl Sides {
    fn read(&self, root: &Path) -> Result<Option<Revisions>, String> {
        let new = read(
            self.head_file
                .as_deref()
                .unwrap_or(&root.join("openapi.yaml")),
        )?;
        if let Some(file) = &self.base_file {
            return Ok(Some(Revisions {
                old: read(file)?,
                new,
                label: file.display().to_string(),
            }));
        }
        let base = self.base.clone().unwrap_or_else(|| default_base(root));
        // A base that names no commit (an empty or mistyped revision) is an error: read
        // as "no spec there", it would compare nothing and pass.
        if base.trim().is_empty() {
            return Err("the base revision is empty".into());
        }
        git(
            root,
            &["rev-parse", "--verify", &format!("{base}^{{commit}}")],
        )
        .map_err(|_| format!("the base revision {base:?} is not a commit"))?;
        let Ok(old) = git(root, &["show", &format!("{base}:openapi.yaml")]) else {
            return Ok(None);
        };
        Ok(Some(Revisions {
            old,
            new,
            label: short(root, &base),
        }))
    }
}

impl Revisions {
    fn changes(&self) -> Result<Vec<Change>, String> {
        let old = Spec::parse(&self.old).map_err(|e| format!("base spec ({}): {e}", self.label))?;
        let new = Spec::parse(&self.new).map_err(|e| format!("head spec: {e}"))?;
        Ok(diff::diff(&old, &new))
    }
}

fn diff_spec(
    root: &Path,
    sides: &Sides,
    format: Format,
    fail_on: FailOn,
    semver_checks: bool,
) -> Result<(), String> {
    let revisions = sides.read(root)?;
    let changes = match &revisions {
        Some(r) => r.changes()?,
        None => Vec::new(),
    };
    let label = revisions.as_ref().map_or("(no spec)", |r| r.label.as_str());
    let report = match (&revisions, semver_checks && !changes.is_empty()) {
        (Some(r), true) => Some(semver::compare(root, &r.old, &r.new)?),
        _ => None,
    };
    match format {
        Format::Markdown => print!("{}", markdown(&changes, label, report.as_ref())),
        Format::Json => {
            let mut json = diff::json(&changes, label);
            if let Some(report) = &report {
                json["cargo_semver_checks"] = serde_json::json!({
                    "report": report,
                    "agrees_with_rust_view": agrees(&changes, report),
                });
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("serializable")
            );
        }
    }
    let breaking = changes.iter().any(|c| c.severity() == Severity::Breaking)
        || report.as_ref().is_some_and(|r| r.major);
    match fail_on {
        FailOn::Breaking if breaking => Err("breaking changes found".into()),
        FailOn::Any if !changes.is_empty() => Err("changes found".into()),
        _ => Ok(()),
    }
}

/// Whether cargo-semver-checks and the classifier's Rust view agree on breaking.
fn agrees(changes: &[Change], report: &Report) -> bool {
    rust_breaking(changes) == report.major
}

fn rust_breaking(changes: &[Change]) -> bool {
    diff::verdict(changes, |c| c.rust) == Severity::Breaking
}

/// The classifier's report, with cargo-semver-checks' findings when it ran.
fn markdown(changes: &[Change], label: &str, report: Option<&Report>) -> String {
    let mut out = diff::markdown(changes, label);
    if let Some(report) = report {
        out.push_str(&semver_section(changes, report));
    }
    out
}

fn semver_section(changes: &[Change], report: &Report) -> String {
    let verdict = |breaking: bool| if breaking { "breaking" } else { "not breaking" };
    let found = match (&report.build_failure, report.lints.is_empty()) {
        (Some(_), _) => " (the client does not build from the new spec)".to_owned(),
        (None, false) => format!(": `{}`", report.lints.join("`, `")),
        (None, true) => String::new(),
    };
    let mut out = format!(
        "\n### Rust ground truth: {}\n\n| | Rust SDK users |\n|---|---|\n| this classifier | {} |\n| cargo-semver-checks | {}{found} |\n\n",
        report.tool,
        verdict(rust_breaking(changes)),
        if report.major {
            "major change"
        } else {
            "no major change"
        },
    );
    if agrees(changes, report) {
        out.push_str("The two agree.\n");
    } else if report.major {
        out.push_str("**⚠ The two disagree**: cargo-semver-checks finds a major change the classifier does not; it decides the crate's version.\n");
    } else {
        out.push_str("**⚠ The two disagree**: the classifier finds a Rust break that cargo-semver-checks has no lint for (a field's type or a value it must now hold); the crate still needs the major bump.\n");
    }
    out
}

fn pr_comment(report: &Path, comments: &Path, pr: u64, request: &Path) -> Result<(), String> {
    let body = comment::body(&read(report)?);
    let existing = comment::parse_listing(&read(comments)?)
        .map_err(|e| format!("{}: not a list of comments: {e}", comments.display()))?;
    let action = comment::plan(&existing, &body);
    match comment::request(&action, pr, &body) {
        Some((method, path, payload)) => {
            std::fs::write(request, payload)
                .map_err(|e| format!("cannot write {}: {e}", request.display()))?;
            println!("{method} {path}");
        }
        None => eprintln!("the contract-review comment is up to date"),
    }
    Ok(())
}

/// An output file and its exit code, or `None` when the check did not run.
type Ran<'a> = (Option<&'a Path>, Option<i32>);

fn drift_issue(doctor: Ran, upstream: Ran, issues: &Path, request: &Path) -> Result<(), String> {
    let output = |(file, code): Ran| -> Result<Option<(String, i32)>, String> {
        match (file, code) {
            (Some(file), Some(code)) => Ok(Some((read(file)?, code))),
            _ => Ok(None),
        }
    };
    let (doctor, upstream) = (output(doctor)?, output(upstream)?);
    let open = comment::parse_listing(&read(issues)?)
        .map_err(|e| format!("{}: not a list of issues: {e}", issues.display()))?;
    let plan = drift::plan(
        &drift::doctor(doctor.as_ref().map(|(t, c)| (t.as_str(), *c))),
        &drift::upstream(upstream.as_ref().map(|(t, c)| (t.as_str(), *c))),
        &open,
    );
    match drift::request(&plan) {
        Some((method, path, payload)) => {
            std::fs::write(request, payload)
                .map_err(|e| format!("cannot write {}: {e}", request.display()))?;
            println!("{method} {path}");
        }
        None => eprintln!("the drift issue needs no change"),
    }
    if plan.failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "could not check everything: {}",
            plan.failures.join("; ")
        ))
    }
}

/// The corpus cases CI runs through cargo-semver-checks: additive changes on both sides
/// of the wire (non-breaking for Rust only because the types are non_exhaustive), a
/// removal (breaking) and a oneOf branch naming another component of the same shape (no
/// change on the wire, a variant renamed in Rust). About 90 s each on a 2-core machine.
const SEMVER_SAMPLE: [&str; 4] = [
    "new optional response property",
    "new optional request property through allOf",
    "request property removed",
    "oneOf branch names another component of the same shape",
];

fn semver_sample(root: &Path, names: &[String]) -> Result<(), String> {
    let all = corpus::corpus();
    let names: Vec<&str> = if names.is_empty() {
        SEMVER_SAMPLE.to_vec()
    } else {
        names.iter().map(String::as_str).collect()
    };
    let mut table = String::from(
        "| case | expected (Rust) | classifier (Rust) | cargo-semver-checks | lints | agree |\n|---|---|---|---|---|---|\n",
    );
    let mut disagreements = 0;
    let cases = names
        .iter()
        .map(|name| {
            all.iter()
                .find(|c| c.name == *name)
                .ok_or_else(|| format!("no corpus case named {name:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for case in cases {
        let name = case.name;
        let (old, new) = case.specs();
        let changes = diff::diff(&old, &new);
        let text = |s: &Spec| serde_json::to_string(s.doc()).expect("serializable");
        let started = std::time::Instant::now();
        let report = semver::compare(root, &text(&old), &text(&new))?;
        eprintln!("{name}: {:.0} s", started.elapsed().as_secs_f64());
        let agree = agrees(&changes, &report);
        disagreements += usize::from(!agree);
        table.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} |\n",
            case.rust.label(),
            diff::verdict(&changes, |c| c.rust).label(),
            if report.major {
                "major"
            } else {
                "minor or none"
            },
            if report.lints.is_empty() {
                report
                    .build_failure
                    .as_deref()
                    .map_or("-", |_| "does not build")
                    .to_owned()
            } else {
                report.lints.join(", ")
            },
            if agree { "yes" } else { "**no**" },
        ));
    }
    print!("{table}");
    if disagreements > 0 {
        return Err(format!(
            "{disagreements} case(s) where the classifier's Rust view disagrees with cargo-semver-checks"
        ));
    }
    Ok(())
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
    let sides = Sides {
        base: Some(base.clone()),
        ..Sides::default()
    };
    if let Some(revisions) = sides.read(root)? {
        let changes = revisions.changes()?;
        let http: Vec<&Change> = changes
            .iter()
            .filter(|c| c.http == Severity::Breaking)
            .collect();
        // The Rust crate breaks when cargo-semver-checks says so; a break the classifier
        // sees and cargo-semver-checks has no lint for (a field's type) counts too.
        let classifier = changes
            .iter()
            .find(|c| c.rust == Severity::Breaking)
            .map(|c| format!("{} at {}", c.rule, c.pointer));
        let rust = if changes.is_empty() {
            None
        } else if semver::binary().is_some() {
            let report = semver::compare(root, &revisions.old, &revisions.new)?;
            print!("{}", semver_section(&changes, &report));
            match (report.major, report.lints.is_empty()) {
                (true, true) => Some("the client no longer builds from the new spec".to_owned()),
                (true, false) => Some(format!("cargo-semver-checks: {}", report.lints.join(", "))),
                (false, _) => classifier,
            }
        } else {
            eprintln!(
                "warning: cargo-semver-checks is not installed (.ci/tools installs it); the classifier's Rust view decides"
            );
            classifier
        };
        println!(
            "{} change(s) against {}: {} breaking for HTTP clients, {} for Rust users",
            changes.len(),
            revisions.label,
            http.len(),
            if rust.is_some() {
                "breaking"
            } else {
                "not breaking"
            }
        );
        let http_reason = http.first().map(|c| format!("{} at {}", c.rule, c.pointer));
        let old_cargo = git(root, &["show", &format!("{base}:Cargo.toml")]).unwrap_or_default();
        let new_cargo = read(&root.join("Cargo.toml"))?;
        for (what, old, new, reason) in [
            (
                "crate version (workspace.package.version)",
                crate_version(&old_cargo),
                crate_version(&new_cargo),
                rust.clone().or(http_reason.clone()),
            ),
            (
                "info.version of openapi.yaml",
                info_version(&revisions.old),
                info_version(&revisions.new),
                http_reason,
            ),
        ] {
            if let (Some(old), Some(new), Some(reason)) = (old, new, reason)
                && !is_major_bump(&old, &new)
            {
                problems.push(format!(
                    "a breaking change needs a semver-major bump of the {what}: {old} -> {new} is not one ({reason})"
                ));
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
    Spec::parse(spec).ok()?.version().map(str::to_owned)
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
