//! The docs of this repository pass every check of `heycat_docs::check` (tests/rust_blocks.rs
//! compiles and runs their Rust blocks), and the checks fail where they should: fixtures/broken
//! has one of each mistake (and the right way beside most, which passes), each reported at its
//! page and line with what is wrong.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use heycat_docs::Toolkit;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// What both tests check against, read once.
fn toolkit() -> &'static Toolkit {
    static TOOLKIT: OnceLock<Toolkit> = OnceLock::new();
    TOOLKIT.get_or_init(|| Toolkit::load(&repository()).unwrap_or_else(|e| panic!("{e}")))
}

/// Where the TypeScript blocks are type-checked: a folder of its own for each check.
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("docs-check").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

#[test]
fn every_block_and_link_of_the_docs_checks() {
    let root = repository();
    let scratch = scratch();
    let failures = heycat_docs::check(&root, toolkit(), scratch.path());
    let report: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(report.is_empty(), "{} problems in the docs:\n\n{}\n", report.len(), report.join("\n\n"));
}

/// Each failure the fixture has: its page, line, and how its message starts.
const EXPECTED: &[(&str, usize, &str)] = &[
    ("README.md", 6, "a ```rust,ignore block is run by a test elsewhere: name it on the line before"),
    ("README.md", 11, "`<!-- checked by: tests/missing.rs -->` before this block: tests/missing.rs is no file of the repository"),
    ("README.md", 20, "```bash is not a language the docs check"),
    ("README.md", 24, "a code block without a language"),
    ("README.md", 29, "heycat-schema has no flag --frobnicate (its flags: --schema "),
    ("README.md", 30, "heycat-schema has no command `frobnicate` (its commands: build-module, check, "),
    ("README.md", 31, "--json is a flag of diff only, not of check"),
    ("README.md", 32, "heycat-schema has no flag --nope"),
    ("README.md", 33, "cargo has no subcommand `frobnicate`"),
    ("README.md", 34, "`make` is not a program a reader has"),
    ("README.md", 35, "HEYCAT_NOPE is no environment variable the code reads"),
    ("README.md", 37, "bash runs scripts/missing.sh, which is no file of the repository"),
    ("README.md", 41, "```toml block does not parse: "),
    ("README.md", 46, "```json block does not parse: trailing comma"),
    ("README.md", 49, "link `docs/src/gone.md`: docs/src/gone.md does not exist"),
    ("README.md", 49, "link `docs/src/page.md#gone`: docs/src/page.md has no heading `#gone` (its headings: #a-heading, #a-page)"),
    ("README.md", 50, "link `../shared/notes.md`: points at ../shared"),
    ("README.md", 50, "link `../../../../outside.md`: points outside the repository"),
    ("README.md", 50, "link `file:///etc/hosts`: only http(s) URLs and paths relative to the page"),
    ("docs/src/SUMMARY.md", 4, "a chapter without a page"),
    ("docs/src/orphan.md", 1, "the page is not in docs/src/SUMMARY.md"),
    ("docs/src/orphan.md", 3, "the block is never closed"),
    ("docs/src/page.md", 10, "```ts block does not type-check: TS2322: Type 'Promise<Note>' is not assignable"),
    ("docs/src/page.md", 10, "```ts block does not type-check: TS2322: Type 'number' is not assignable to type 'string'"),
    ("docs/src/page.md", 11, "```ts block does not type-check: TS2358: "),
    ("docs/src/page.md", 32, "this schema block (a schema file by itself) fails heycat-codegen's checks:\nerror: #[references(Note)] names no table\n  --> docs/src/page.md:32:18"),
    ("docs/src/page.md", 48, "link `../../README.md`: the book holds only docs/src"),
    ("docs/src/page.md", 51, "{{#include ../../tests/checked.rs:gone}}: tests/checked.rs has no `ANCHOR: gone`"),
    (
        "docs/src/page.md",
        58,
        "link `#a-fixture-every-check-of-the-docs-fails-here-once` of README.md:54, included here: docs/src/page.md has no heading",
    ),
];

#[test]
fn each_mistake_is_reported_at_its_line() {
    let scratch = scratch();
    let failures =
        heycat_docs::check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/broken"), toolkit(), scratch.path());
    let report: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    let report = report.join("\n\n");
    assert_eq!(failures.len(), EXPECTED.len(), "{report}");
    for (failure, (page, line, start)) in failures.iter().zip(EXPECTED) {
        assert!(
            failure.page == *page && failure.line == *line && failure.message.starts_with(start),
            "expected {page}:{line}: {start}...\nfound {failure}\n\nall of them:\n{report}"
        );
    }
}
