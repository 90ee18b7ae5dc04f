//! Writes the generated client to `OUT_DIR/insighto_generated.rs`: generated from
//! `openapi.yaml` with the `codegen` feature (the default), else copied from the
//! checked-in `generated/insighto.rs`, which a test keeps identical.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("insighto_generated.rs");
    // Rerun only when the input changes: an unchanged spec never regenerates.
    println!("cargo:rerun-if-changed=build.rs");
    let code = generate(&manifest_dir);
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

#[cfg(feature = "codegen")]
fn generate(manifest_dir: &std::path::Path) -> String {
    let spec_path = manifest_dir.join("../../openapi.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let spec = fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    insighto_codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(not(feature = "codegen"))]
fn generate(manifest_dir: &std::path::Path) -> String {
    let copy = manifest_dir.join("generated/insighto.rs");
    println!("cargo:rerun-if-changed={}", copy.display());
    fs::read_to_string(&copy).unwrap_or_else(|e| panic!("cannot read {}: {e}", copy.display()))
}
