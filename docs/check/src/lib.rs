//! Checks the docs: README.md, CONTRIBUTING.md, CHANGELOG.md and the book in docs/src.
//!
//! - ```rust blocks compile and run as rustdoc runs doctests (tests/rust_blocks.rs: the build
//!   script writes them out at their pages' lines), against this crate's dependencies
//!   (`heycat`, `heycat_runtime`, `heycat_codegen`, `serde`, `serde_json`, `tauri`); `# ` lines
//!   are hidden in the book, shown to the compiler; `no_run` compiles only, `should_panic`
//!   panics. A block declaring `#[heycat_table]` or `#[heycat_type]` is a whole schema file and
//!   also passes heycat-codegen's schema checks (here).
//!   A ```rust,ignore block names the test that runs it in `<!-- checked by: <path> -->` on the
//!   line before; the README's adoption steps (`<!-- adopt: ... -->`) are run by
//!   tests/harness/tests/adoption.rs.
//! - ```ts and ```tsx blocks type-check, importing `"./data"` (the bindings of
//!   examples/notes/schema, with React hooks) and `"@heycat/runtime"`.
//! - ```sh blocks run programs a reader has, and `heycat-schema`'s commands and flags exist.
//! - ```toml and ```json blocks parse; ```text is output, unchecked; no other language.
//! - `HEYCAT_*` and `SPACETIMEDB_*` names anywhere are environment variables the code reads
//!   (`heycat_contract::env`).
//! - Links resolve (files, and headings for `#anchors`), stay in the repository, and a book page's
//!   in the book; `{{#include}}`s resolve; every book page is in SUMMARY.md.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use heycat_codegen::{Schema, SourceSet};

mod links;
pub mod pages;
mod shell;
mod typescript;

use pages::Block;

/// Something wrong in the docs, at a page's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The page, relative to the repository.
    pub page: String,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.page, self.line, self.message)
    }
}

/// A page of the docs, read.
pub struct Page {
    /// Relative to the repository, with `/`.
    pub path: String,
    pub text: String,
    pub blocks: Vec<Block>,
}

impl Page {
    fn failure(&self, line: usize, message: impl Into<String>) -> Failure {
        let mut message = message.into();
        if let Some(text) = self.text.lines().nth(line.wrapping_sub(1)).filter(|t| !t.trim().is_empty()) {
            message.push_str(&format!("\n    {line:>4} | {text}"));
        }
        Failure { page: self.path.clone(), line, message }
    }
}

/// What the docs are checked against: the toolkit's repository and what its code says.
pub struct Toolkit {
    /// The repository (its CLI, the notes example's schema, the npm workspace).
    pub root: PathBuf,
    /// The npm workspace's packages: `typescript`, `@heycat/runtime`, React's types.
    node_modules: PathBuf,
    cli: shell::Cli,
    /// What `cargo --list` lists.
    cargo: BTreeSet<String>,
}

impl Toolkit {
    /// Reads it from the repository at `root`: `heycat-schema help` (built with cargo),
    /// `cargo --list`, the contract's environment variables.
    pub fn load(root: &Path) -> Result<Toolkit, String> {
        let root = root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
        let node_modules = root.join("node_modules");
        for needed in ["typescript/bin/tsc", "@heycat/runtime/dist/index.d.ts"] {
            if !node_modules.join(needed).is_file() {
                return Err(format!(
                    "{} has no {needed}: bash scripts/setup.sh installs the npm workspace and builds @heycat/runtime",
                    node_modules.display()
                ));
            }
        }
        let cli = shell::Cli::from_help(&heycat_schema(&root, &["help"])?)?;
        let list = output(Command::new(cargo()).arg("--list"))?;
        let cargo =
            list.lines().filter_map(|l| l.strip_prefix("    ")?.split_whitespace().next().map(String::from)).collect();
        Ok(Toolkit { root, node_modules, cli, cargo })
    }
}

/// Runs the `heycat-schema` of the repository at `root` with `args` (`cargo run`); what it
/// printed.
fn heycat_schema(root: &Path, args: &[&str]) -> Result<String, String> {
    output(
        Command::new(cargo()).args(["run", "-q", "--locked", "-p", "heycat-schema", "--"]).args(args).current_dir(root),
    )
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Checks the docs of the repository (or fixture) at `docs` against `toolkit`; the TypeScript
/// blocks are type-checked in `scratch`, an empty folder. The failures, in page and line order.
pub fn check(docs: &Path, toolkit: &Toolkit, scratch: &Path) -> Vec<Failure> {
    let mut failures = Vec::new();
    let list = match pages::list(docs) {
        Ok(list) => list,
        Err(e) => {
            return vec![Failure {
                page: docs.display().to_string(),
                line: 0,
                message: format!("cannot list the docs: {e}"),
            }]
        }
    };
    let mut pages = Vec::new();
    for path in list {
        match std::fs::read_to_string(docs.join(&path)) {
            Ok(text) => pages.push(Page { blocks: pages::blocks(&text), path, text }),
            Err(e) => failures.push(Failure { page: path, line: 0, message: format!("cannot read it: {e}") }),
        }
    }
    let mut snippets = Vec::new();
    for page in &pages {
        for block in &page.blocks {
            check_block(docs, toolkit, page, block, &mut snippets, &mut failures);
        }
        check_env(page, &mut failures);
        links::check(docs, page, &mut failures);
    }
    links::check_summary(&pages, &mut failures);
    failures.extend(typescript::check(toolkit, scratch, &snippets));
    failures.sort_by(|a, b| (&a.page, a.line).cmp(&(&b.page, b.line)));
    failures
}

/// The languages a block may have, and what is checked of each.
const LANGUAGES: &[&str] = &["rust", "ts", "tsx", "sh", "toml", "json", "text"];
/// What may follow `rust,`: rustdoc's words the Rust blocks' test honours, and mdBook's.
const RUST_ATTRIBUTES: &[&str] = &["ignore", "no_run", "should_panic", "noplayground"];

fn check_block(
    docs: &Path,
    toolkit: &Toolkit,
    page: &Page,
    block: &Block,
    snippets: &mut Vec<typescript::Snippet>,
    failures: &mut Vec<Failure>,
) {
    let mut fail = |line: usize, message: String| failures.push(page.failure(line, message));
    if block.lang.is_empty() {
        fail(
            block.line,
            format!("a code block without a language: give it one of {}, ```text for output", LANGUAGES.join(", ")),
        );
        return;
    }
    if !LANGUAGES.contains(&block.lang.as_str()) {
        let hint = match block.lang.as_str() {
            "bash" | "shell" | "console" | "zsh" => "```sh (commands only; their output goes in a ```text block)",
            "typescript" | "js" | "javascript" => "```ts",
            "jsx" => "```tsx",
            "jsonc" | "json5" => "```json (no comments)",
            _ => "```text, when it is output",
        };
        fail(
            block.line,
            format!(
                "```{} is not a language the docs check (they take {}): write {hint}",
                block.lang,
                LANGUAGES.join(", ")
            ),
        );
        return;
    }
    if !block.closed {
        fail(block.line, "the block is never closed: the rest of the page is in it".into());
        return;
    }
    let checked_by = block.marker.as_deref().and_then(|m| m.strip_prefix("checked by:")).map(str::trim);
    if let Some(path) = checked_by {
        if let Err(problem) = test_file(docs, path) {
            fail(block.line, format!("`<!-- checked by: {path} -->` before this block: {problem}"));
        }
        return;
    }
    if block.adopted() {
        return;
    }
    for attribute in &block.attrs {
        let known =
            block.lang == "rust" && (RUST_ATTRIBUTES.contains(&attribute.as_str()) || attribute.starts_with("edition"));
        if !known {
            fail(block.line, format!("```{} blocks take no `{attribute}`", block.lang));
        }
    }
    if block.lang == "rust" && block.attrs.iter().any(|a| a == "ignore") {
        fail(
            block.line,
            "a ```rust,ignore block is run by a test elsewhere: name it on the line before, `<!-- checked by: <path of the test file> -->`, or make the block compile (hide set-up lines with `# `)".into(),
        );
        return;
    }
    if block.includes() {
        return;
    }
    let row = |n: usize| block.line + n;
    match block.lang.as_str() {
        "rust" if block.text.contains("#[heycat_table") || block.text.contains("#[heycat_type") => {
            if let Err(error) = schema_check(page, block) {
                let line = error.diagnostics().first().map_or(block.line, |d| d.position.line);
                let message =
                    format!("this schema block (a schema file by itself) fails heycat-codegen's checks:\n{error}");
                failures.push(Failure { page: page.path.clone(), line, message });
            }
        }
        "ts" | "tsx" => snippets.push(typescript::Snippet {
            page: page.path.clone(),
            line: block.line,
            lang: block.lang.clone(),
            text: block.text.clone(),
        }),
        "sh" => {
            let programs = shell::Programs { root: docs, cli: &toolkit.cli, cargo: &toolkit.cargo };
            for (n, problem) in shell::check(&block.text, &programs) {
                fail(row(n), problem);
            }
        }
        "toml" => {
            if let Err(e) = block.text.parse::<toml::Table>() {
                let n = e.span().map_or(0, |s| block.text[..s.start].lines().count().max(1));
                fail(row(n), format!("```toml block does not parse: {}", e.message()));
            }
        }
        "json" => {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&block.text) {
                fail(row(e.line()), format!("```json block does not parse: {e} (a block is a whole JSON document)"));
            }
        }
        _ => {}
    }
}

/// A `checked by` names a test file of the repository.
fn test_file(docs: &Path, path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(docs.join(path)).map_err(|_| format!("{path} is no file of the repository"))?;
    let is_test = path.split('/').any(|part| part == "tests") || path.contains(".test.") || text.contains("#[test]");
    if is_test {
        Ok(())
    } else {
        Err(format!("{path} is not a test (no #[test], not under tests/)"))
    }
}

/// The block as the compiler reads it, checked as a schema folder of one file; its lines are
/// the page's.
fn schema_check(page: &Page, block: &Block) -> Result<(), heycat_codegen::SchemaError> {
    let mut sources = SourceSet::default();
    sources.add(page.path.clone(), "\n".repeat(block.line) + &block.code());
    Schema::from_sources(&sources).map(|_| ())
}

/// Every `HEYCAT_*` or `SPACETIMEDB_*` name on the page is an environment variable the code
/// reads: one an app's data layer, build script or `heycat-schema` reads
/// (`heycat_contract::env::ALL`), or one of the toolkit's tests and scripts (`env::TEST_ONLY`).
fn check_env(page: &Page, failures: &mut Vec<Failure>) {
    use heycat_contract::env::{ALL, TEST_ONLY};
    for (n, line) in page.text.lines().enumerate() {
        for prefix in ["HEYCAT_", "SPACETIMEDB_"] {
            for (at, _) in line.match_indices(prefix) {
                if line[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let name: String = line[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let name = name.trim_end_matches('_');
                if name.len() >= prefix.len() && !ALL.contains(&name) && !TEST_ONLY.contains(&name) {
                    failures.push(page.failure(
                        n + 1,
                        format!("{name} is no environment variable the code reads (heycat_contract::env::ALL and TEST_ONLY list them)"),
                    ));
                }
            }
        }
    }
}
