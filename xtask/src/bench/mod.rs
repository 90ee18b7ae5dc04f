//! `cargo xtask bench`: every performance figure of the project, measured side by side
//! in one run, written to `target/bench/report.md` and printed.
//!
//! One module per section of the report:
//! 1. `client` (with `callgrind`): the generated client's overhead over raw reqwest +
//!    serde_json, in instructions per call and in wall-clock throughput.
//! 2. `decode`: typed decoding vs `serde_json::Value`.
//! 3. `build_cost`: the build script, a no-op rebuild, clean builds of the client.
//! 4. `load`: the sandbox under load from wrk, against the framework's limit and Prism.
//! 5. `consumer_cost`: clean builds of an application outside the workspace.
//! 6. `fixture`: the sandbox as a test fixture against wiremock (in-process).
//!
//! `report` holds the verdicts and assembles the report, `thresholds` every pass target
//! (the one place they are written, each with its reason), `table` the markdown tables;
//! `process` and `wrk` are the helpers the measurements share. Tools besides cargo are
//! installed by `.ci/bench-tools` only, never here.

mod build_cost;
mod callgrind;
mod client;
mod consumer_cost;
mod decode;
mod fixture;
mod load;
pub mod process;
mod report;
mod table;
mod thresholds;
mod wrk;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use process::run;
use report::Report;

pub struct Options {
    pub rounds: usize,
    pub build_runs: usize,
    pub load_seconds: u32,
    /// Which sections to run: `None` runs them all.
    pub only: Option<Only>,
}

/// One part of the bench, for quick iteration.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Section 1 (client overhead: instructions and wall clock).
    Client,
    /// Section 4 (the sandbox under load).
    Sandbox,
    /// Section 6 (the sandbox as a test fixture against wiremock).
    Fixture,
}

fn say(msg: &str) {
    eprintln!("bench: {msg}");
}

/// What the bench needs besides cargo, installed by `.ci/bench-tools` when missing.
pub struct Tools {
    prism: PathBuf,
}

/// Runs `.ci/bench-tools`, the one installer of valgrind, wrk and Prism.
fn bench_tools(root: &Path) -> Result<Tools, String> {
    let out = run(Command::new(root.join(".ci/bench-tools")).stderr(Stdio::inherit()))?;
    Ok(Tools {
        prism: PathBuf::from(out.trim()),
    })
}

pub fn bench(root: &Path, options: &Options) -> Result<(), String> {
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let mut report = Report::new(options.rounds);

    say("building release binaries");
    run(Command::new("cargo").current_dir(root).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "insighto-bench",
        "-p",
        "insighto-cli",
    ]))?;
    if options.only == Some(Only::Fixture) {
        report.add(FIXTURE_HEADING, fixture::fixture(root, options.rounds)?);
        return report.finish(&out_dir);
    }
    let tools = bench_tools(root)?;

    if options.only != Some(Only::Sandbox) {
        let (overhead, m) = client::overhead(root, options.rounds)?;
        report.add(
            "1. Client overhead (generated client vs raw reqwest + serde_json, same request, same server)",
            overhead,
        );
        if options.only == Some(Only::Client) {
            return report.finish(&out_dir);
        }
        report.add("2. Decoding", decode::decoding(&m));
        say("build cost");
        report.add(
            "3. Build cost",
            build_cost::build_cost(root, options, &m.codegen_release_ms)?,
        );
    }

    say("sandbox (file-backed and in-memory), framework limit and Prism under wrk");
    report.add(
        "4. The sandbox under load (wrk, loopback)",
        load::load(root, &tools, options)?,
    );
    if options.only.is_some() {
        return report.finish(&out_dir);
    }

    say("consumer build cost");
    report.add(
        "5. What a dependency costs (clean build of an application outside the workspace)",
        consumer_cost::build_cost(root, options.build_runs)?,
    );
    report.add(FIXTURE_HEADING, fixture::fixture(root, options.rounds)?);
    report.finish(&out_dir)
}

const FIXTURE_HEADING: &str =
    "6. The sandbox as a test fixture vs wiremock (tests each starting their own, in-process)";

/// `cargo xtask bench --consumer-only`: just the consumer build-cost section.
pub fn consumer_only(root: &Path, build_runs: usize) -> Result<(), String> {
    let section = consumer_cost::build_cost(root, build_runs)?;
    println!("{}", section.body);
    for v in section.verdicts {
        println!("- {v}");
    }
    Ok(())
}
