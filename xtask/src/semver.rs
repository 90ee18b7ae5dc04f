//! cargo-semver-checks as the ground truth of the Rust view: the `insighto` crate is
//! built twice, once with the code generated from the base spec and once from the head
//! spec (the same hand-written layer), and cargo-semver-checks compares the two.
//!
//! Each side is a standalone copy of `crates/insighto` in `target/semver/<side>/`
//! (workspace inheritance resolved, the `codegen` feature off, so `build.rs` uses the
//! generated copy written there), and both share one target dir, so only the first
//! comparison compiles the dependencies.

use crate::read;
use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde::Serialize;
use toml::{Table, Value};

/// What cargo-semver-checks found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `cargo-semver-checks X.Y.Z`, as the binary says.
    pub tool: String,
    /// Whether the change needs a major release (breaking for Rust users).
    pub major: bool,
    /// The lints that failed, such as `struct_pub_field_missing`.
    pub lints: Vec<String>,
    /// Set when the head crate does not build: the hand-written layer uses something
    /// the new spec no longer generates, which is breaking too.
    pub build_failure: Option<String>,
}

/// The cargo-semver-checks binary: `CARGO_SEMVER_CHECKS`, else the one `.ci/tools`
/// installs, else whatever is on `PATH`.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CARGO_SEMVER_CHECKS") {
        return Some(PathBuf::from(path));
    }
    let tools = std::env::var_os("INSIGHTO_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/insighto-tools")));
    if let Some(installed) = tools.map(|t| t.join("cargo/bin/cargo-semver-checks"))
        && installed.exists()
    {
        return Some(installed);
    }
    let on_path = Command::new("cargo-semver-checks")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    on_path.then(|| PathBuf::from("cargo-semver-checks"))
}

/// Compares the crate generated from `base_spec` with the one from `head_spec`.
pub fn compare(root: &Path, base_spec: &str, head_spec: &str) -> Result<Report, String> {
    let bin = binary().ok_or_else(|| {
        "cargo-semver-checks is not installed: run .ci/tools, which installs the pinned version"
            .to_owned()
    })?;
    let tool = Command::new(&bin)
        .args(["semver-checks", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let work = root.join("target/semver");
    let base = write_crate(root, &work.join("base"), base_spec)?;
    let head = match write_crate(root, &work.join("head"), head_spec) {
        Ok(head) => head,
        Err(e) => {
            return Ok(Report {
                tool,
                major: true,
                lints: Vec::new(),
                build_failure: Some(e),
            });
        }
    };
    let out = Command::new(&bin)
        .args(["semver-checks", "check-release", "--color", "never"])
        .arg("--manifest-path")
        .arg(head.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(&base)
        .args(["--release-type", "minor", "--default-features"])
        .env("CARGO_TARGET_DIR", work.join("target"))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lints = failed_lints(&text);
    if out.status.success() {
        return Ok(Report {
            tool,
            major: false,
            lints,
            build_failure: None,
        });
    }
    if lints.is_empty() {
        // Not a semver finding: either the head crate does not build (the hand-written
        // layer uses what the new spec no longer generates), or the tool failed.
        let check = |dir: &Path| {
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["check", "--quiet", "--message-format", "short"])
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", work.join("target"))
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"))
        };
        let (base_check, check) = (check(&base)?, check(&head)?);
        if check.status.success() || !base_check.status.success() {
            // The head builds (the tool failed), or not even the base does (a setup
            // problem, not a verdict on the change).
            return Err(format!(
                "cargo-semver-checks failed:\n{}\n{}",
                text.trim(),
                String::from_utf8_lossy(&base_check.stderr).trim()
            ));
        }
        let errors = String::from_utf8_lossy(&check.stderr);
        let first: Vec<&str> = errors
            .lines()
            .filter(|l| l.contains("error"))
            .take(3)
            .collect();
        return Ok(Report {
            tool,
            major: true,
            lints,
            build_failure: Some(first.join("\n")),
        });
    }
    Ok(Report {
        tool,
        major: true,
        lints,
        build_failure: None,
    })
}

/// The lint names of `--- failure NAME: ...` lines.
pub fn failed_lints(output: &str) -> Vec<String> {
    let mut lints: Vec<String> = output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(|l| l.trim().to_owned())
        .collect();
    lints.sort();
    lints.dedup();
    lints
}

/// Writes a standalone copy of the client crate whose generated code comes from `spec`.
fn write_crate(root: &Path, dir: &Path, spec: &str) -> Result<PathBuf, String> {
    let code = insighto_codegen::generate(spec).map_err(|e| e.to_string())?;
    let src = root.join("crates/insighto");
    // Everything the library needs (sources, build script, README for its docs), but
    // not its tests, examples or generated copy.
    copy_dir(
        &src,
        dir,
        &[
            "target",
            "tests",
            "examples",
            "benches",
            "generated",
            "Cargo.toml",
        ],
    )?;
    std::fs::create_dir_all(dir.join("generated")).map_err(|e| e.to_string())?;
    write(&dir.join("generated/insighto.rs"), &code)?;
    let manifest = standalone_manifest(
        &anchored_paths(&read(&root.join("Cargo.toml"))?, root)?,
        &anchored_paths(&read(&src.join("Cargo.toml"))?, &src)?,
    )?;
    write(&dir.join("Cargo.toml"), &manifest)?;
    // The workspace's lock file keeps the dependency versions those of the workspace.
    write(&dir.join("Cargo.lock"), &read(&root.join("Cargo.lock"))?)?;
    Ok(dir.to_owned())
}

/// The member manifest with every `workspace = true` replaced by the workspace's value,
/// without the `codegen` feature, as a workspace of its own.
pub fn standalone_manifest(workspace: &str, member: &str) -> Result<String, String> {
    let ws: Table = toml::from_str(workspace).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut m: Table = toml::from_str(member).map_err(|e| format!("crate manifest: {e}"))?;
    let ws = ws
        .get("workspace")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let package_defaults = ws
        .get("package")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let dep_defaults = ws
        .get("dependencies")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let inherits = |v: &Value| v.get("workspace").and_then(Value::as_bool) == Some(true);
    if let Some(Value::Table(package)) = m.get_mut("package") {
        for (key, value) in package.iter_mut() {
            if inherits(value) {
                *value = package_defaults
                    .get(key)
                    .cloned()
                    .ok_or_else(|| format!("workspace.package.{key} missing"))?;
            }
        }
        package.remove("readme");
    }
    // Only the library is built: no tests, and no build-time code generation (the
    // generated copy is written beside it), so features naming a build dependency go.
    m.remove("dev-dependencies");
    let build_deps: Vec<String> = m
        .remove("build-dependencies")
        .and_then(|d| d.as_table().map(|t| t.keys().cloned().collect()))
        .unwrap_or_default();
    if let Some(Value::Table(features)) = m.get_mut("features") {
        // A feature that only enabled build dependencies (`codegen`) stays, empty, and
        // nothing turns it on: `build.rs` then copies the generated file.
        let mut emptied = Vec::new();
        for (name, enables) in features.iter_mut() {
            if let Value::Array(list) = enables {
                let before = list.len();
                list.retain(|f| {
                    let name = f.as_str().unwrap_or_default();
                    let dep = name.trim_start_matches("dep:").split(['/', '?']).next();
                    !build_deps.iter().any(|b| Some(b.as_str()) == dep)
                });
                if list.is_empty() && before > 0 {
                    emptied.push(name.clone());
                }
            }
        }
        for (_, enables) in features.iter_mut() {
            if let Value::Array(list) = enables {
                list.retain(|f| !emptied.iter().any(|e| f.as_str() == Some(e.as_str())));
            }
        }
    }
    if m.get("lints").is_some_and(inherits) {
        let lints = ws
            .get("lints")
            .cloned()
            .unwrap_or(Value::Table(Table::new()));
        m.insert("lints".into(), lints);
    }
    if let Some(Value::Table(deps)) = m.get_mut("dependencies") {
        for (name, value) in deps.iter_mut() {
            if !inherits(value) {
                continue;
            }
            let mut resolved = match dep_defaults.get(name) {
                Some(Value::String(version)) => {
                    Table::from_iter([("version".to_owned(), Value::String(version.clone()))])
                }
                Some(Value::Table(t)) => t.clone(),
                _ => return Err(format!("workspace.dependencies.{name} missing")),
            };
            for (key, local) in value.as_table().into_iter().flatten() {
                match (key.as_str(), resolved.get_mut(key)) {
                    ("workspace", _) => {}
                    ("features", Some(Value::Array(features))) => {
                        for feature in local.as_array().into_iter().flatten() {
                            if !features.contains(feature) {
                                features.push(feature.clone());
                            }
                        }
                    }
                    _ => {
                        resolved.insert(key.clone(), local.clone());
                    }
                }
            }
            *value = Value::Table(resolved);
        }
    }
    m.insert("workspace".into(), Value::Table(Table::new()));
    toml::to_string(&m).map_err(|e| e.to_string())
}

/// The manifest with every dependency's relative `path` (relative to `base`, the
/// manifest's directory) made absolute, in `[dependencies]` and
/// `[workspace.dependencies]`, so that a copy builds outside the workspace: the client
/// depends on `insighto-spec` at run time.
fn anchored_paths(manifest: &str, base: &Path) -> Result<String, String> {
    let mut m: Table = toml::from_str(manifest).map_err(|e| e.to_string())?;
    let anchor = |deps: Option<&mut Value>| {
        let Some(Value::Table(deps)) = deps else {
            return;
        };
        for (_, dep) in deps.iter_mut() {
            if let Some(Value::String(path)) = dep.get_mut("path")
                && Path::new(path.as_str()).is_relative()
            {
                let anchored = base.join(path.as_str()).display().to_string();
                *path = anchored;
            }
        }
    };
    anchor(m.get_mut("dependencies"));
    if let Some(Value::Table(workspace)) = m.get_mut("workspace") {
        anchor(workspace.get_mut("dependencies"));
    }
    toml::to_string(&m).map_err(|e| e.to_string())
}

/// Writes `text` unless the file already holds it (keeps cargo's fingerprints).
pub(crate) fn write(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Copies `from` into `to`, leaving out the top-level entries named in `skip`.
pub(crate) fn copy_dir(from: &Path, to: &Path, skip: &[&str]) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        if skip.iter().any(|s| entry.file_name() == *s) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target, &[])?;
        } else {
            let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
            if std::fs::read(&target).ok().as_ref() != Some(&bytes) {
                std::fs::write(&target, bytes).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_failed_lints() {
        let out = "     Checked [   0.1s] 200 checks: 198 pass, 2 fail, 0 warn, 9 skip\n\n\
            --- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---\n\n\
            Description:\n...\n\
            --- failure constructible_struct_adds_field: externally-constructible struct adds field ---\n\
            --- failure struct_pub_field_missing: again ---\n";
        assert_eq!(
            failed_lints(out),
            [
                "constructible_struct_adds_field",
                "struct_pub_field_missing"
            ]
        );
        assert!(failed_lints("Summary no semver update required").is_empty());
    }

    #[test]
    fn dependency_paths_are_anchored_at_their_manifest() {
        let manifest = "[dependencies]\nspec = { path = \"../spec\", version = \"1\" }\nserde = \"1\"\n\
                        [workspace.dependencies]\nx = { path = \"crates/x\" }\n";
        let anchored = anchored_paths(manifest, Path::new("/ws/crates/c")).unwrap();
        let anchored: Table = toml::from_str(&anchored).unwrap();
        let path = |v: &Value| v["path"].as_str().map(str::to_owned);
        assert_eq!(
            path(&anchored["dependencies"]["spec"]).as_deref(),
            Some("/ws/crates/c/../spec")
        );
        assert_eq!(anchored["dependencies"]["serde"].as_str(), Some("1"));
        let x = &anchored["workspace"]["dependencies"]["x"];
        assert_eq!(path(x).as_deref(), Some("/ws/crates/c/crates/x"));
    }

    #[test]
    fn the_standalone_manifest_inherits_nothing() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let manifest = standalone_manifest(
            &read(&root.join("Cargo.toml")).unwrap(),
            &read(&root.join("crates/insighto/Cargo.toml")).unwrap(),
        )
        .unwrap();
        assert!(!manifest.contains("workspace = true"), "{manifest}");
        assert!(!manifest.contains("insighto-codegen"), "{manifest}");
        let parsed: Table = toml::from_str(&manifest).unwrap();
        assert!(parsed["workspace"].is_table());
        assert_eq!(parsed["package"]["name"].as_str(), Some("insighto"));
        let tokio: Vec<&str> = parsed["dependencies"]["tokio"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert_eq!(tokio, ["time"], "the crate's own features, once each");
        assert_eq!(
            parsed["dependencies"]["tokio"]["default-features"].as_bool(),
            Some(false),
            "the workspace's `default-features = false` is inherited"
        );
        assert_eq!(
            parsed["features"]["codegen"].as_array().map(Vec::len),
            Some(0)
        );
    }

    /// The shape the published crate's manifest has: build-time generation from a spec
    /// crate, dev-dependencies and lints from the workspace.
    #[test]
    fn drops_build_time_generation_and_tests() {
        let workspace = r#"
            [workspace.package]
            version = "0.2.0"
            edition = "2024"
            [workspace.dependencies]
            serde = "1.0"
            tokio = { version = "1.47", features = ["time"] }
            insighto-codegen = { path = "crates/insighto-codegen", version = "0.2.0" }
            insighto-spec = { path = "crates/insighto-spec", version = "0.2.0" }
            tempfile = "3"
            [workspace.lints.rust]
            missing_docs = "warn"
        "#;
        let member = r#"
            [package]
            name = "insighto"
            version.workspace = true
            edition.workspace = true
            readme = "README.md"
            [features]
            default = ["rustls", "codegen"]
            codegen = ["dep:insighto-codegen", "dep:insighto-spec"]
            rustls = ["reqwest/rustls"]
            [dependencies]
            serde = { workspace = true, features = ["derive"] }
            tokio = { workspace = true, features = ["rt"] }
            [build-dependencies]
            insighto-codegen = { workspace = true, optional = true }
            insighto-spec = { workspace = true, optional = true }
            [dev-dependencies]
            tempfile.workspace = true
            [lints]
            workspace = true
        "#;
        let manifest: Table =
            toml::from_str(&standalone_manifest(workspace, member).unwrap()).unwrap();
        assert_eq!(manifest["package"]["version"].as_str(), Some("0.2.0"));
        assert!(manifest.get("build-dependencies").is_none());
        assert!(manifest.get("dev-dependencies").is_none());
        assert_eq!(
            manifest["features"]["codegen"].as_array().map(Vec::len),
            Some(0)
        );
        assert_eq!(
            manifest["features"]["rustls"].as_array().unwrap()[0].as_str(),
            Some("reqwest/rustls")
        );
        assert_eq!(
            manifest["dependencies"]["serde"]["version"].as_str(),
            Some("1.0")
        );
        assert_eq!(
            manifest["dependencies"]["tokio"]["features"],
            Value::Array(vec!["time".into(), "rt".into()])
        );
        assert_eq!(
            manifest["lints"]["rust"]["missing_docs"].as_str(),
            Some("warn")
        );
    }
}
