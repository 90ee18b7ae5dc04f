//! Generates the client from `openapi.yaml` into `OUT_DIR/insighto_generated.rs`.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let spec_path = manifest_dir.join("../../openapi.yaml");
    // Rerun only when the spec changes: an unchanged spec never regenerates.
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");

    let spec = fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let code = insighto_codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("insighto_generated.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
