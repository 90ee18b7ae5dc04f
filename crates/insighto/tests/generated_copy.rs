//! The reviewable copy of the generated client (written by `cargo xtask generate`) is
//! exactly what `build.rs` generated for this build. Only with `codegen` (on in every
//! workspace build: its members turn it on); without it the build copies that file.
#![cfg(feature = "codegen")]

#[test]
fn checked_in_copy_matches_build_output() {
    let built = include_str!(concat!(env!("OUT_DIR"), "/insighto_generated.rs"));
    let checked_in = include_str!("../generated/insighto.rs");
    assert!(
        built == checked_in,
        "crates/insighto/generated/insighto.rs is stale: run `cargo xtask generate` and commit it"
    );
}
