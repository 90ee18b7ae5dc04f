//! `cargo xtask msrv`: each crate's `rust-version` must be at least the highest
//! `rust-version` in its dependency closure (normal and build dependencies, every
//! platform), as `cargo metadata` resolves it. A crate that declares less promises users
//! a toolchain its own dependencies refuse.

use std::{collections::BTreeMap, path::Path, process::Command};

use serde_json::Value;

use crate::run;

/// A `rust-version` as comparable numbers (`1.89` is `[1, 89, 0]`).
fn parse(version: &str) -> Option<[u64; 3]> {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    Some([
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ])
}

/// For each workspace crate that declares a `rust-version`: (declared, highest in its
/// closure, the dependency that needs it).
pub fn findings(metadata: &Value) -> Vec<String> {
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let edges: BTreeMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| {
            let deps = node["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|kind| kind["kind"].as_str() != Some("dev"))
                })
                .filter_map(|dep| dep["pkg"].as_str())
                .collect();
            Some((node["id"].as_str()?, deps))
        })
        .collect();
    let mut problems = Vec::new();
    for member in metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(id) = member.as_str() else { continue };
        let Some(declared) = packages[id]["rust_version"].as_str().and_then(parse) else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut stack: Vec<&str> = edges.get(id).cloned().unwrap_or_default();
        let mut highest: Option<([u64; 3], &str)> = None;
        while let Some(dep) = stack.pop() {
            if !seen.insert(dep) {
                continue;
            }
            if let Some(need) = packages[dep]["rust_version"].as_str().and_then(parse)
                && highest.is_none_or(|(h, _)| need > h)
            {
                highest = Some((need, dep));
            }
            stack.extend(edges.get(dep).into_iter().flatten());
        }
        if let Some((need, dep)) = highest
            && need > declared
        {
            let name = |id: &str| {
                format!(
                    "{} {}",
                    packages[id]["name"].as_str().unwrap_or("?"),
                    packages[id]["version"].as_str().unwrap_or("?")
                )
            };
            problems.push(format!(
                "{} declares rust-version {}, but {} needs {}",
                name(id),
                packages[id]["rust_version"].as_str().unwrap_or("?"),
                name(dep),
                packages[dep]["rust_version"].as_str().unwrap_or("?"),
            ));
        }
    }
    problems
}

pub fn msrv(root: &Path) -> Result<(), String> {
    let out = run(Command::new("cargo").current_dir(root).args([
        "metadata",
        "--format-version",
        "1",
        "--locked",
    ]))?;
    let metadata: Value = serde_json::from_str(&out).map_err(|e| format!("cargo metadata: {e}"))?;
    let problems = findings(&metadata);
    if problems.is_empty() {
        println!("msrv: every crate's rust-version covers its dependency closure");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn metadata(app_msrv: &str, lib_msrv: &str) -> Value {
        json!({
            "workspace_members": ["app"],
            "packages": [
                {"id": "app", "name": "app", "version": "0.1.0", "rust_version": app_msrv},
                {"id": "lib", "name": "lib", "version": "1.0.0", "rust_version": lib_msrv},
                {"id": "deep", "name": "deep", "version": "2.0.0", "rust_version": "1.91"},
                {"id": "test-only", "name": "test-only", "version": "1.0.0", "rust_version": "1.99"},
            ],
            "resolve": {"nodes": [
                {"id": "app", "deps": [
                    {"pkg": "lib", "dep_kinds": [{"kind": null}]},
                    {"pkg": "test-only", "dep_kinds": [{"kind": "dev"}]},
                ]},
                {"id": "lib", "deps": [{"pkg": "deep", "dep_kinds": [{"kind": "build"}]}]},
                {"id": "deep", "deps": []},
                {"id": "test-only", "deps": []},
            ]},
        })
    }

    #[test]
    fn a_transitive_build_dependency_counts_and_a_dev_dependency_does_not() {
        assert_eq!(
            findings(&metadata("1.88", "1.80")),
            ["app 0.1.0 declares rust-version 1.88, but deep 2.0.0 needs 1.91"]
        );
        assert!(findings(&metadata("1.91", "1.80")).is_empty());
        assert_eq!(findings(&metadata("1.91", "1.92")).len(), 1);
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(parse("1.100").unwrap() > parse("1.99.9").unwrap());
        assert_eq!(parse("1.89"), Some([1, 89, 0]));
        assert_eq!(parse("nightly"), None);
    }
}
