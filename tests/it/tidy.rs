//! House rules checked on every run: module headers, no debugging leftovers, ARCHITECTURE.md
//! naming every source file, and the README's test command being the one CI runs.

use std::path::{Path, PathBuf};

use crate::support::{files_with_ext, root};

/// The command README.md gives for running the whole test suite; `.ci/run` must run it too.
const TEST_COMMAND: &str = "cargo test --locked";

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    files_with_ext(dir, &["rs"])
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let mut missing = Vec::new();
    for f in rust_files(&root().join("src"))
        .into_iter()
        .chain(rust_files(&root().join("tests")))
    {
        let text = std::fs::read_to_string(&f).unwrap();
        if !text.starts_with("//!") {
            missing.push(rel(&f));
        }
    }
    assert!(missing.is_empty(), "files without a leading //! doc: {missing:?}");
}

#[test]
fn no_debugging_leftovers_or_skipped_tests() {
    // Built from pieces so this file does not trip its own check.
    let banned = [
        ["db", "g!("],
        ["to", "do!("],
        ["unimpl", "emented!("],
        ["#[ig", "nore"],
        ["#[should", "_panic"],
    ]
    .map(|p| p.concat());
    let mut found = Vec::new();
    for f in rust_files(&root().join("src"))
        .into_iter()
        .chain(rust_files(&root().join("tests")))
    {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            for b in &banned {
                if line.contains(b.as_str()) {
                    found.push(format!("{}:{}: {b}", rel(&f), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn architecture_names_every_source_file() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let missing: Vec<String> = rust_files(&root().join("src"))
        .iter()
        .map(|f| rel(f))
        .filter(|f| !f.ends_with("/tests.rs"))
        .filter(|f| !arch.contains(f.as_str()))
        .collect();
    assert!(missing.is_empty(), "ARCHITECTURE.md does not mention {missing:?}");
}

#[test]
fn readme_and_ci_run_the_same_test_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(readme.contains(TEST_COMMAND), "README.md must give `{TEST_COMMAND}`");
    assert!(
        ci.lines().any(|l| l.trim() == TEST_COMMAND),
        ".ci/run must run `{TEST_COMMAND}` on a line of its own"
    );
    assert!(ci.contains("cargo fmt --check") && ci.contains("cargo clippy --all-targets -- -D warnings"));
}
