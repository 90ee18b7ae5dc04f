//! Section 3, build cost: the build script's own run time, proof that a no-op rebuild
//! does not rerun it, and clean builds of the client with and without the `codegen`
//! feature.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Instant, SystemTime},
};

use super::{
    Options,
    process::run,
    report::{Section, Verdict},
    table::Figures,
    thresholds,
};

/// `leaf` under the most recently modified directory of `dir` whose name starts with
/// `prefix` (cargo's `target/debug/build/insighto-HASH`).
fn newest(dir: &Path, prefix: &str, leaf: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path().join(leaf))
        .filter(|p| p.exists())
        .max_by_key(|p| {
            p.metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
        })
}

/// `codegen_release`: the in-process timings of `insighto_codegen::generate` (ms).
pub fn build_cost(
    root: &Path,
    options: &Options,
    codegen_release: &[f64],
) -> Result<Section, String> {
    let mut verdicts = Vec::new();
    run(Command::new("cargo")
        .current_dir(root)
        .args(["build", "--quiet", "-p", "insighto"]))?;
    let build_dir = root.join("target/debug/build");
    let script = newest(&build_dir, "insighto-", "build-script-build")
        .ok_or("no build script binary found")?;
    let generated = newest(&build_dir, "insighto-", "out/insighto_generated.rs")
        .ok_or("no generated file found")?;

    // The build script as cargo runs it (debug profile), timed on its own.
    let tmp = std::env::temp_dir().join("insighto-bench-out");
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..options.rounds {
        let started = Instant::now();
        run(Command::new(&script)
            .env("CARGO_MANIFEST_DIR", root.join("crates/insighto"))
            .env("OUT_DIR", &tmp)
            .env("CARGO_FEATURE_CODEGEN", "1"))?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let mut t = Figures::new();
    let step = t.row(
        "build.rs run (debug build script, as cargo runs it)",
        &times,
        "ms",
    );
    t.row(
        "insighto_codegen::generate, release build",
        codegen_release,
        "ms",
    );
    verdicts.push(Verdict::against(
        "build.rs codegen step",
        step,
        0,
        &thresholds::BUILD_SCRIPT_MS,
    ));

    // A no-op rebuild must not rerun the script.
    let modified = || {
        generated
            .metadata()
            .and_then(|m| m.modified())
            .map_err(|e| e.to_string())
    };
    let before = modified()?;
    let out = Command::new("cargo")
        .current_dir(root)
        .args(["build", "-v", "-p", "insighto"])
        .output()
        .map_err(|e| e.to_string())?;
    let log = String::from_utf8_lossy(&out.stderr);
    let fresh = log
        .lines()
        .any(|l| l.trim_start().starts_with("Fresh insighto v"))
        && before == modified()?
        && !log.contains("build-script-build`");
    verdicts.push(Verdict::holds(
        "no-op rebuild reports `Fresh insighto` and leaves the generated file untouched",
        fresh,
    ));

    // Clean builds: with codegen, and from the checked-in copy.
    let mut with_codegen = Vec::new();
    let mut from_copy = Vec::new();
    for _ in 0..options.build_runs {
        for (features, into) in [("codegen", &mut with_codegen), ("rustls", &mut from_copy)] {
            let target = root.join(format!("target/bench/clean-{features}"));
            let _ = std::fs::remove_dir_all(&target);
            let mut cmd = Command::new("cargo");
            cmd.current_dir(root)
                .env("CARGO_TARGET_DIR", &target)
                .args(["build", "--quiet", "-p", "insighto"]);
            if features == "rustls" {
                cmd.arg("--no-default-features");
            }
            cmd.args(["--features", features]);
            let started = Instant::now();
            run(&mut cmd)?;
            into.push(started.elapsed().as_secs_f64());
            let _ = std::fs::remove_dir_all(&target);
        }
    }
    if options.build_runs == 0 {
        return Ok(Section {
            body: format!("{t}\nClean builds skipped (`--build-runs 0`).\n"),
            verdicts,
        });
    }
    let a = t.row(
        "clean build of `insighto` with `codegen` (generated at build time)",
        &with_codegen,
        "s",
    );
    let b = t.row(
        "clean build of `insighto` from the checked-in copy (`rustls` only)",
        &from_copy,
        "s",
    );
    verdicts.push(Verdict::reported(
        "clean build with codegen / from the checked-in copy",
        a / b,
        2,
        "×",
    ));
    Ok(Section {
        body: format!(
            "{t}\nClean build with codegen / from the checked-in copy = **{:.2}×**. The default build compiles the checked-in copy; the leanest is `default-features = false, features = [\"rustls\"]`.\n",
            a / b
        ),
        verdicts,
    })
}
