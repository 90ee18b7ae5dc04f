//! What the published packages promise and the repository must keep true: the spec copy
//! they build from is `openapi.yaml`, the README's quickstart is the example CI runs, and
//! every publishable crate carries its licences and a readme.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first fenced ```rust block after `heading`.
fn rust_block_after(markdown: &str, heading: &str) -> String {
    let section = &markdown[markdown
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"))..];
    let start = section.find("```rust").expect("a rust block");
    let code = &section[start..];
    let code = &code[code.find('\n').expect("fence line") + 1..];
    code[..code.find("```").expect("closing fence")].to_owned()
}

#[test]
fn the_packaged_spec_is_openapi_yaml() {
    assert!(
        read("crates/insighto-spec/openapi.yaml") == read("openapi.yaml"),
        "crates/insighto-spec/openapi.yaml differs from openapi.yaml: run `cargo xtask generate`"
    );
    assert_eq!(insighto_spec::OPENAPI_YAML, read("openapi.yaml"));
}

#[test]
fn the_readme_quickstarts_are_the_example_word_for_word() {
    let example = read("crates/insighto/examples/quickstart.rs");
    for (readme, heading) in [
        ("README.md", "## Quickstart"),
        ("crates/insighto/README.md", "## Quickstart"),
    ] {
        assert_eq!(
            rust_block_after(&read(readme), heading),
            example,
            "the Rust quickstart in {readme} must be crates/insighto/examples/quickstart.rs"
        );
    }
}

/// Crates meant for crates.io: each one that is not `publish = false`.
fn publishable_crates() -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| {
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
            !manifest.is_empty() && !manifest.contains("publish = false")
        })
        .collect();
    crates.sort();
    crates
}

#[test]
fn every_publishable_crate_carries_licences_readme_and_metadata() {
    let crates = publishable_crates();
    assert!(crates.len() >= 5, "{crates:?}");
    for dir in crates {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        for file in ["LICENSE-MIT", "LICENSE-APACHE", "README.md"] {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()));
            assert!(!text.trim().is_empty(), "{}/{file} is empty", dir.display());
        }
        for key in [
            "description",
            "readme",
            "keywords",
            "categories",
            "documentation",
            "license",
            "rust-version",
        ] {
            assert!(
                manifest.lines().any(|l| l.starts_with(key)),
                "{} lacks `{key}`",
                dir.display()
            );
        }
        assert!(
            manifest.contains("[package.metadata.docs.rs]"),
            "{} lacks docs.rs metadata",
            dir.display()
        );
        assert!(
            !manifest.contains("\"="),
            "{} pins an exact version",
            dir.display()
        );
    }
}

#[test]
fn the_api_version_is_the_spec_info_version() {
    assert_eq!(
        Some(insighto::api_version()),
        insighto_spec::Spec::bundled().version()
    );
}
