//! Writes the generated client to `OUT_DIR/insighto_generated.rs`: generated with the
//! `codegen` feature (which this workspace's members turn on) from the spec packaged in
//! `insighto-spec`, else (the default for users) copied from the checked-in
//! `generated/insighto.rs`, which a test keeps identical.

use std::{env, fs, path::PathBuf};

fn main() {
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("insighto_generated.rs");
    // Rerun only when the input changes: an unchanged spec never regenerates. A changed
    // spec rebuilds `insighto-spec`, which relinks and so reruns this script.
    println!("cargo:rerun-if-changed=build.rs");
    let code = generate();
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

#[cfg(feature = "codegen")]
fn generate() -> String {
    insighto_codegen::generate(insighto_codegen::OPENAPI_YAML).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(not(feature = "codegen"))]
fn generate() -> String {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let copy = manifest_dir.join("generated/insighto.rs");
    println!("cargo:rerun-if-changed={}", copy.display());
    fs::read_to_string(&copy).unwrap_or_else(|e| panic!("cannot read {}: {e}", copy.display()))
}
