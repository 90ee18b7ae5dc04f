//! The README, which is the crate's docs.rs front page, shows the example that
//! `cargo test` runs, word for word.

#[test]
fn the_readme_test_is_the_example_word_for_word() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/sandbox_in_tests.rs");
    let start = readme.find("```rust").expect("a rust block");
    let code = &readme[start..];
    let code = &code[code.find('\n').expect("fence line") + 1..];
    let code = &code[..code.find("```").expect("closing fence")];
    assert_eq!(
        code, example,
        "README.md's test must be examples/sandbox_in_tests.rs"
    );
}
