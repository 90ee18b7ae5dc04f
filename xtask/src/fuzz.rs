//! `cargo xtask fuzz [--seconds N] [--targets a,b]`: each cargo-fuzz target in `fuzz/`
//! for N seconds, from its checked-in seeds (`fuzz/seeds/<target>`) and what earlier
//! runs found (`target/fuzz/corpus/<target>`, where libFuzzer writes, so the seeds stay
//! as reviewed). A crash fails the task and leaves its input in
//! `target/fuzz/artifacts/<target>/`: turn it into a regression test.
//!
//! Needs `cargo install cargo-fuzz`. On a stable toolchain it sets `RUSTC_BOOTSTRAP=1`
//! for the `-Z` flags cargo-fuzz passes. No sanitizer: the code under test is safe Rust,
//! and the targets assert invariants, so a run finds wrong answers, not only panics.

use std::{path::Path, process::Command};

use crate::run;

/// Runs every target (or `only`) for `seconds` each; prints each one's executions.
pub fn fuzz(root: &Path, seconds: u32, only: &[String]) -> Result<(), String> {
    let listed = run(Command::new("cargo")
        .args(["fuzz", "list"])
        .current_dir(root))
    .map_err(|e| format!("{e}\n(install cargo-fuzz: `cargo install cargo-fuzz`)"))?;
    let targets: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty() && (only.is_empty() || only.iter().any(|o| o == t)))
        .collect();
    if targets.is_empty() {
        return Err(format!("no fuzz target matches {only:?}"));
    }
    let rustc = run(Command::new("rustc").arg("--version"))?;
    let bootstrap = !rustc.contains("nightly");
    let mut summary = Vec::new();
    for target in targets {
        let work = root.join("target/fuzz/corpus").join(target);
        let artifacts = root.join("target/fuzz/artifacts").join(target);
        for dir in [&work, &artifacts] {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        if target == "spec_diff" {
            // The real spec is the best seed there is; copied, not checked in twice.
            std::fs::copy(root.join("openapi.yaml"), work.join("openapi.yaml"))
                .map_err(|e| format!("cannot copy openapi.yaml: {e}"))?;
        }
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root)
            .args([
                "fuzz",
                "run",
                "--sanitizer",
                "none",
                "--debug-assertions",
                target,
            ])
            .arg(&work)
            .arg(root.join("fuzz/seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"])
            .arg(format!("-artifact_prefix={}/", artifacts.display()));
        if bootstrap {
            cmd.env("RUSTC_BOOTSTRAP", "1");
        }
        eprintln!("fuzz {target}: {seconds} s");
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "fuzz target {target} failed (input in {}):\n{}",
                artifacts.display(),
                tail.join("\n")
            ));
        }
        let stat = |name: &str| {
            stderr
                .lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .map_or("?".to_owned(), |v| v.trim().to_owned())
        };
        let line = format!(
            "{target:16} {:>12} executions  {:>8} exec/s  0 crashes",
            stat("number_of_executed_units"),
            stat("average_exec_per_sec"),
        );
        eprintln!("{line}");
        summary.push(line);
    }
    println!("{}", summary.join("\n"));
    Ok(())
}
