//! The book's reference (`docs/src/reference/`) against the code: each reference table lists
//! exactly what the code has. An item the code has that its page lacks fails, and so does an
//! item a page names that the code does not have. The lists come from the code itself:
//! `heycat_contract` (`commands::ALL`, `events::ALL`, `env::ALL`, `env::TEST_ONLY`,
//! `ReducerError::ALL`), `heycat_codegen` (`TABLE_OPTIONS`, `COLUMN_ATTRS`, the column types,
//! conversions and storage units, the commands of the notes app's schema), `heycat-schema help`
//! (run), the TypeScript the runtime's Rust types derive (`runtime/ts/types.ts`), the runtime's
//! TypeScript (`runtime.ts`, `react.ts`), and the Rust sources of the builder and the options.
//!
//! How a page marks a table this test reads: the line `<!-- reference: <list> -->` comes just
//! before the table (blank lines between are fine). Each row of the table documents the items
//! written as inline code in its first cell. An item's name is its code from the start (after a
//! leading `#[`) up to the first character that is not a letter, a digit, `_`, `-` or `:`:
//! `#[references(Table)]` is `references`, `--schema DIR` is `--schema`, `name = "..."` is `name`,
//! `noteList(): Promise<Note[]>` is `noteList`, `-- PROGRAM ARGS` is `--`.
//!
//! Besides the tables: no script or Rust file reads an environment variable by a name
//! `heycat_contract::env` does not list, and the `heycat-schema` commands and flags written as
//! code anywhere in the docs (inline code too) are ones it has. That a page names only variables
//! the code reads is `docs/check`'s (with the page's line).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use heycat_codegen::model::{ColumnType, Conversion, QuotaUnit};
use heycat_contract::{commands, env, events, ReducerError};

/// Every list a reference page marks, by page: what `every_reference_table_is_one_this_test_reads`
/// holds the pages to.
const LISTS: &[(&str, &[&str])] = &[
    ("schema-attributes.md", &["table-options", "column-attributes", "storage-units", "conversions", "column-types"]),
    ("generated.md", &["notes-commands"]),
    ("rust-api.md", &["builder-methods", "generated-functions", "options-methods"]),
    ("commands.md", &["runtime-commands"]),
    ("events.md", &["runtime-events"]),
    ("typescript.md", &["ts-runtime", "ts-types"]),
    ("react.md", &["ts-react"]),
    (
        "errors.md",
        &[
            "error-kinds",
            "reducer-errors",
            "connection-states",
            "failure-kinds",
            "migration-states",
            "migration-steps",
            "sync-setup-steps",
            "storage-levels",
        ],
    ),
    ("env.md", &["env", "env-test-only"]),
    ("cli.md", &["cli-commands", "cli-options"]),
];

/// The tables of the notes app whose commands `generated.md` shows.
const GENERATED_TABLES: &[&str] = &["note", "preferences"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn page(name: &str) -> String {
    read(&format!("docs/src/reference/{name}"))
}

/// A row of a reference table: its cells, and the items its first cell documents.
struct Row {
    cells: Vec<String>,
    items: Vec<String>,
}

/// The rows of the table `<!-- reference: list -->` marks on `page`.
fn table(page_name: &str, list: &str) -> Vec<Row> {
    let text = page(page_name);
    let marker = format!("<!-- reference: {list} -->");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == marker)
        .unwrap_or_else(|| panic!("docs/src/reference/{page_name} has no `{marker}` before its table of {list}"));
    let mut rows = lines[at + 1..].iter().skip_while(|l| l.trim().is_empty()).take_while(|l| l.starts_with('|'));
    let header = rows.next().unwrap_or_else(|| panic!("no table follows `{marker}` in {page_name}"));
    assert!(header.starts_with('|'), "{page_name}: `{marker}` is not followed by a table");
    rows.skip(1) // the line under the header
        .map(|line| {
            let cells = cells(line);
            let items = code_spans(&cells[0]).iter().map(|code| name(code)).collect();
            Row { cells, items }
        })
        .collect()
}

/// The cells of a table row, split at the `|`s that are not escaped.
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => cell.push(chars.next().unwrap()),
            '|' => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        cells.push(cell.trim().to_owned());
    }
    cells
}

/// The inline code spans of `text` (single backticks).
fn code_spans(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// An item's name: its code up to the first character that is not part of a name.
fn name(code: &str) -> String {
    let code = code.strip_prefix("#[").unwrap_or(code);
    code.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':')).collect()
}

/// What `list` on `page` documents and what `source` has, both ways, in words.
fn compare(page_name: &str, list: &str, documented: &[String], code: &[String], source: &str) -> Vec<String> {
    let documented: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
    let code: BTreeSet<&str> = code.iter().map(String::as_str).collect();
    let at = format!("docs/src/reference/{page_name} (table `{list}`)");
    let mut problems: Vec<String> =
        code.difference(&documented).map(|item| format!("{at} lacks `{item}`, which {source} has")).collect();
    problems.extend(documented.difference(&code).map(|item| format!("{at} names `{item}`, which is not in {source}")));
    problems
}

/// Every item the rows of `list` document.
fn items(page_name: &str, list: &str) -> Vec<String> {
    table(page_name, list).into_iter().flat_map(|row| row.items).collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "the reference and the code differ:\n{}", problems.join("\n"));
}

// ---- TypeScript --------------------------------------------------------------------------------

/// `text` without its `/* */` and `//` comments.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                rest = rest[b..].find("*/").map_or("", |end| &rest[b + end + 2..]);
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |end| &rest[l + end..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// The double-quoted strings of `text`.
fn quoted(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The declaration `export type <name> = ...` of `ts`, up to the next export, without comments.
fn ts_type(ts: &str, file: &str, name: &str) -> String {
    let start = ts.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("{file} has no type {name}"));
    let rest = &ts[start..];
    let end = rest[1..].find("\nexport ").map_or(rest.len(), |at| at + 1);
    without_comments(&rest[..end])
}

/// The string values of a union type of `types.ts` (`"uniqueViolation" | ...`).
fn ts_union(name: &str) -> Vec<String> {
    quoted(&ts_type(&read("runtime/ts/types.ts"), "runtime/ts/types.ts", name))
}

/// The `state`s of a tagged union type of `types.ts`.
fn ts_states(name: &str) -> Vec<String> {
    let declaration = ts_type(&read("runtime/ts/types.ts"), "runtime/ts/types.ts", name);
    declaration.split("state: ").skip(1).filter_map(|rest| quoted(rest).into_iter().next()).collect()
}

/// The names `ts` exports with one of `kinds` (`function`, `async function`, `class`, `type`,
/// `const`, `interface`).
fn ts_exports(ts: &str, kinds: &[&str]) -> Vec<String> {
    ts.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("export ")?;
            kinds.iter().find_map(|kind| rest.strip_prefix(kind)?.strip_prefix(' ')).map(name)
        })
        .collect()
}

// ---- Rust sources --------------------------------------------------------------------------------

/// The `pub fn`s of `impl <ty> {` in the Rust file `path`.
fn methods(path: &str, ty: &str) -> Vec<String> {
    let source = read(path);
    let start = source.find(&format!("\nimpl {ty} {{")).unwrap_or_else(|| panic!("{path} has no `impl {ty}`"));
    let body = &source[start..];
    let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
    body.lines().filter_map(|l| l.trim().strip_prefix("pub fn ")).map(name).collect()
}

/// Every `.rs` file of the repository (not what builds, installs or generates put there).
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(file_name.as_str(), "target" | "node_modules" | "dist" | ".git" | "template") {
                rust_files(&path, found);
            }
        } else if file_name.ends_with(".rs") {
            found.push(path);
        }
    }
}

/// The words of `text` that look like an environment variable of the toolkit
/// (`HEYCAT_DATA_DIR`, `SPACETIMEDB_STANDALONE`).
fn env_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            ["HEYCAT_", "SPACETIMEDB_"].iter().any(|p| w.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
                && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !w.ends_with('_')
        })
        .map(str::to_owned)
        .collect()
}

/// The toolkit's variables Rust code names in quotes as it reads or sets them (with
/// `std::env::var`, `var_os`, `Command::env`, `env_remove`, or cargo's `rerun-if-env-changed`).
fn env_reads(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for call in ["var(\"", "var_os(\"", ".env(\"", "env_remove(\"", "rerun-if-env-changed="] {
        for after in text.split(call).skip(1) {
            let word: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            names.extend(env_names(&word).into_iter().filter(|n| *n == word));
        }
    }
    names
}

/// The toolkit's variables its shell scripts read from the environment (`${NAME:-default}`), by
/// script.
fn script_env_reads() -> Vec<(String, String)> {
    let mut reads = Vec::new();
    for dir in ["scripts", ".ci"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for read in text.split("${").skip(1) {
                if let Some((variable, _)) = read.split_once(":-") {
                    let script = format!("{dir}/{}", entry.file_name().to_string_lossy());
                    reads
                        .extend(env_names(variable).into_iter().filter(|n| n == variable).map(|n| (script.clone(), n)));
                }
            }
        }
    }
    reads
}

// ---- The CLI ----------------------------------------------------------------------------------------

fn heycat_schema(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heycat-schema")).args(args).output().expect("run heycat-schema")
}

/// The commands and options `heycat-schema help` lists: a line indented by four spaces in its
/// COMMANDS and OPTIONS sections starts with one.
fn help() -> (Vec<String>, Vec<String>) {
    let output = heycat_schema(&["help"]);
    assert!(output.status.success(), "heycat-schema help failed");
    let text = String::from_utf8(output.stdout).unwrap();
    let (mut commands, mut options) = (Vec::new(), Vec::new());
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line.trim_end_matches(':');
        } else if let Some(entry) = line.strip_prefix("    ").filter(|e| !e.starts_with(' ')) {
            let first = entry.split_whitespace().next().unwrap_or_default().to_owned();
            match section {
                "COMMANDS" => commands.push(first),
                "OPTIONS" if first.starts_with('-') => options.push(first),
                _ => {}
            }
        }
    }
    assert!(!commands.is_empty() && !options.is_empty(), "heycat-schema help lists no commands or options:\n{text}");
    (commands, options)
}

// ---- The tests ----------------------------------------------------------------------------------------

#[test]
fn every_reference_table_is_one_this_test_reads() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(root().join("docs/src/reference")).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let lists = LISTS.iter().find(|(p, _)| *p == file).map_or(&[][..], |(_, lists)| *lists);
        for marked in text.lines().filter_map(|l| l.trim().strip_prefix("<!-- reference: ")?.strip_suffix(" -->")) {
            if !lists.contains(&marked) {
                problems
                    .push(format!("docs/src/reference/{file} marks a table `{marked}`, which this test does not read"));
            }
        }
        for list in lists {
            let count = text.lines().filter(|l| l.trim() == format!("<!-- reference: {list} -->")).count();
            if count != 1 {
                problems.push(format!("docs/src/reference/{file} marks its table `{list}` {count} times, not once"));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn the_schema_page_lists_every_table_option_column_attribute_and_column_type() {
    let page = "schema-attributes.md";
    let mut problems = Vec::new();
    let source = "heycat_codegen::TABLE_OPTIONS";
    problems.extend(compare(
        page,
        "table-options",
        &items(page, "table-options"),
        &strings(heycat_codegen::TABLE_OPTIONS),
        source,
    ));
    let attributes = strings(heycat_codegen::COLUMN_ATTRS);
    let source = "heycat_codegen::COLUMN_ATTRS";
    problems.extend(compare(page, "column-attributes", &items(page, "column-attributes"), &attributes, source));
    let units: Vec<String> = QuotaUnit::ALL.iter().map(|(n, _)| (*n).to_owned()).collect();
    problems.extend(compare(page, "storage-units", &items(page, "storage-units"), &units, "QuotaUnit::ALL"));
    let conversions: Vec<String> = Conversion::ALL.iter().map(|(n, _)| (*n).to_owned()).collect();
    problems.extend(compare(page, "conversions", &items(page, "conversions"), &conversions, "Conversion::ALL"));
    let mut types: Vec<String> = ColumnType::PRIMITIVES.iter().map(|(n, _)| (*n).to_owned()).collect();
    types.extend(["Option".to_owned(), "Vec".to_owned()]);
    let source = "ColumnType::PRIMITIVES (with Option and Vec)";
    problems.extend(compare(page, "column-types", &items(page, "column-types"), &types, source));
    assert_none(problems);
}

#[test]
fn the_commands_page_lists_every_runtime_command() {
    let page = "commands.md";
    let documented = items(page, "runtime-commands");
    assert_none(compare(
        page,
        "runtime-commands",
        &documented,
        &strings(commands::ALL),
        "heycat_contract::commands::ALL",
    ));
}

#[test]
fn the_events_page_lists_every_runtime_event() {
    let page = "events.md";
    let documented = items(page, "runtime-events");
    assert_none(compare(page, "runtime-events", &documented, &strings(events::ALL), "heycat_contract::events::ALL"));
}

#[test]
fn the_env_page_lists_every_environment_variable_the_code_reads() {
    let page = "env.md";
    let mut problems = compare(page, "env", &items(page, "env"), &strings(env::ALL), "heycat_contract::env::ALL");
    let source = "heycat_contract::env::TEST_ONLY";
    problems.extend(compare(page, "env-test-only", &items(page, "env-test-only"), &strings(env::TEST_ONLY), source));
    // A variable a script reads, or a Rust file reads or sets by its name rather than by the
    // contract's constant, is one the contract lists too.
    let listed: Vec<&str> = env::ALL.iter().chain(env::TEST_ONLY).copied().collect();
    for (script, unlisted) in script_env_reads().into_iter().filter(|(_, n)| !listed.contains(&n.as_str())) {
        problems.push(format!(
            "{script} reads the environment variable {unlisted}, which heycat_contract::env does not list"
        ));
    }
    let mut files = Vec::new();
    rust_files(&root(), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for unlisted in env_reads(&text).into_iter().filter(|n| !listed.contains(&n.as_str())) {
            problems.push(format!(
                "{} reads the environment variable {unlisted}, which heycat_contract::env does not list",
                file.strip_prefix(root()).unwrap_or(&file).display()
            ));
        }
    }
    assert_none(problems);
}

#[test]
fn the_errors_page_lists_every_error_kind_reducer_error_and_status() {
    let page = "errors.md";
    let from_ts = |what: &str| format!("runtime/ts/types.ts's {what} (derived from the runtime's Rust type)");
    let mut problems =
        compare(page, "error-kinds", &items(page, "error-kinds"), &ts_union("ErrorKind"), &from_ts("ErrorKind"));
    let codes: Vec<String> = ReducerError::ALL.iter().map(|e| e.code().to_owned()).collect();
    problems.extend(compare(
        page,
        "reducer-errors",
        &items(page, "reducer-errors"),
        &codes,
        "heycat_contract::ReducerError::ALL",
    ));
    for (list, states) in [("connection-states", "ConnectionStatus"), ("migration-states", "MigrationStatus")] {
        problems.extend(compare(page, list, &items(page, list), &ts_states(states), &from_ts(states)));
    }
    for (list, union) in [
        ("failure-kinds", "FailureKind"),
        ("migration-steps", "MigrationStep"),
        ("sync-setup-steps", "SyncSetupStep"),
        ("storage-levels", "StorageLevel"),
    ] {
        problems.extend(compare(page, list, &items(page, list), &ts_union(union), &from_ts(union)));
    }
    assert_none(problems);
}

#[test]
fn the_cli_page_lists_every_command_and_flag_heycat_schema_has() {
    let page = "cli.md";
    let (help_commands, help_options) = help();
    let documented_commands = items(page, "cli-commands");
    let documented_options = items(page, "cli-options");
    let mut problems = compare(page, "cli-commands", &documented_commands, &help_commands, "`heycat-schema help`");
    problems.extend(compare(page, "cli-options", &documented_options, &help_options, "`heycat-schema help`"));
    // The parser takes what the page documents (`help` last: the command it runs either way).
    for command in &documented_commands {
        let output = heycat_schema(&[command, "--help"]);
        if !output.status.success() {
            problems.push(format!("heycat-schema does not take the command `{command}` that {page} documents"));
        }
    }
    for row in table(page, "cli-options") {
        let Some(option) = code_spans(&row.cells[0]).into_iter().next() else { continue };
        let mut args = vec!["help".to_owned()];
        args.extend(option.split_whitespace().map(|w| match w {
            "N" => "1".to_owned(),
            w if w.chars().all(|c| c.is_ascii_uppercase()) => "x".to_owned(),
            w => w.to_owned(),
        }));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if !heycat_schema(&args).status.success() {
            problems.push(format!("heycat-schema does not take `{option}` as {page} documents it"));
        }
    }
    // And its help lists every flag the parser takes.
    let main = read("cli/src/main.rs");
    let parse = &main[main.find("fn parse(").expect("cli/src/main.rs has fn parse")..];
    let parse = &parse[..parse.find("\nfn run(").unwrap_or(parse.len())];
    for arm in parse.split('"').skip(1).step_by(2).zip(parse.split('"').skip(2).step_by(2)) {
        let (literal, after) = arm;
        if literal.starts_with("--") && after.starts_with(" =>") && !help_options.iter().any(|o| o == literal) {
            problems.push(format!("heycat-schema takes {literal}, which its help does not list"));
        }
    }
    assert_none(problems);
}

#[test]
fn the_typescript_and_react_pages_list_every_export_of_the_runtimes_typescript() {
    let runtime = read("runtime/ts/runtime.ts");
    let types = read("runtime/ts/types.ts");
    let react = read("runtime/ts/react.ts");
    let functions = ts_exports(&runtime, &["function", "async function", "class"]);
    let page = "typescript.md";
    let source = "runtime/ts/runtime.ts's exported functions and classes";
    let mut problems = compare(page, "ts-runtime", &items(page, "ts-runtime"), &functions, source);
    let type_exports = ts_exports(&types, &["type", "const"]);
    let source = "runtime/ts/types.ts's exports";
    problems.extend(compare(page, "ts-types", &items(page, "ts-types"), &type_exports, source));
    let hooks = ts_exports(&react, &["function"]);
    let source = "runtime/ts/react.ts's exported functions";
    problems.extend(compare("react.md", "ts-react", &items("react.md", "ts-react"), &hooks, source));
    assert_none(problems);
}

#[test]
fn the_rust_api_page_lists_every_method_of_the_builder_and_the_options() {
    let page = "rust-api.md";
    let builder = methods("codegen/src/builder.rs", "Builder");
    let mut problems = compare(
        page,
        "builder-methods",
        &items(page, "builder-methods"),
        &builder,
        "heycat_codegen::Builder's pub fns",
    );
    let options = methods("runtime/src/plugin.rs", "Options");
    let source = "heycat_runtime::Options's pub fns";
    problems.extend(compare(page, "options-methods", &items(page, "options-methods"), &options, source));
    // The generated module's functions, as its snapshot (checked against the generator) has them.
    let snapshot = read("codegen/tests/snapshots/generated_outputs__app_module_snapshot.snap");
    let generated: Vec<String> = snapshot.lines().filter_map(|l| l.strip_prefix("pub fn ")).map(name).collect();
    let documented: Vec<String> = items(page, "generated-functions")
        .into_iter()
        .map(|item| item.rsplit("::").next().unwrap_or_default().to_owned())
        .collect();
    let source = "the generated module's `pub fn`s (codegen's app module snapshot)";
    problems.extend(compare(page, "generated-functions", &documented, &generated, source));
    assert_none(problems);
}

#[test]
fn the_generated_page_lists_every_command_and_function_a_table_gets() {
    let page = "generated.md";
    let (_, schema) =
        heycat_codegen::Schema::load(&root().join("examples/notes/schema")).expect("the notes schema loads");
    let commands = schema.commands();
    let shown: Vec<_> = commands.iter().filter(|c| GENERATED_TABLES.contains(&c.table.name.as_str())).collect();
    let names: Vec<String> = shown.iter().map(|c| c.name.clone()).collect();
    let rows = table(page, "notes-commands");
    let documented: Vec<String> = rows.iter().flat_map(|row| row.items.clone()).collect();
    let source = "the commands of the notes app's note and preferences tables";
    let mut problems = compare(page, "notes-commands", &documented, &names, source);
    for row in &rows {
        let (Some(command), Some(function)) = (shown.iter().find(|c| row.items.contains(&c.name)), row.cells.get(1))
        else {
            continue;
        };
        let documented_function = code_spans(function).first().map(|code| name(code)).unwrap_or_default();
        if documented_function != command.js_name {
            problems.push(format!(
                "docs/src/reference/{page} gives `{}` the TypeScript function `{documented_function}`; it is `{}`",
                command.name, command.js_name
            ));
        }
    }
    assert_none(problems);
}

// ---- The whole docs ------------------------------------------------------------------------------------

/// The docs' pages (README.md, CONTRIBUTING.md and the book), relative to the repository; the
/// changelog may name what is gone.
fn doc_pages() -> Vec<String> {
    fn under(dir: &Path, relative: &str, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{relative}/{name}");
            if entry.path().is_dir() {
                under(&entry.path(), &path, found);
            } else if name.ends_with(".md") {
                found.push(path);
            }
        }
    }
    let mut pages: Vec<String> =
        ["README.md", "CONTRIBUTING.md"].into_iter().filter(|p| root().join(p).is_file()).map(String::from).collect();
    under(&root().join("docs/src"), "docs/src", &mut pages);
    pages
}

/// The code of a page: each line of its fenced blocks but those of program output (```text),
/// and each inline code span of its text (a span may run across the lines of a paragraph).
fn code_of(text: &str) -> Vec<String> {
    let mut code = Vec::new();
    let mut paragraph = String::new();
    // In a fenced block: whether it is output.
    let mut fenced: Option<bool> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = match fenced {
                Some(_) => None,
                None => Some(trimmed[3..].trim().starts_with("text")),
            };
            code.extend(code_spans(&std::mem::take(&mut paragraph)));
        } else if let Some(output) = fenced {
            if !output {
                code.push(line.to_owned());
            }
        } else if trimmed.is_empty() {
            code.extend(code_spans(&std::mem::take(&mut paragraph)));
        } else {
            paragraph.push_str(line);
            paragraph.push(' ');
        }
    }
    code.extend(code_spans(&paragraph));
    code
}

#[test]
fn the_docs_name_only_heycat_schema_commands_and_flags_it_has() {
    let (commands, options) = help();
    let mut problems = Vec::new();
    for page in doc_pages() {
        for code in code_of(&read(&page)) {
            for after in code.split("heycat-schema").skip(1).filter(|a| a.starts_with(char::is_whitespace)) {
                let mut words = after.split_whitespace().take_while(|w| !matches!(*w, "&&" | "||" | "|" | ";" | "#"));
                let mut first = words.next();
                if first == Some("--") {
                    first = words.next();
                }
                let Some(command) = first.filter(|w| w.starts_with(|c: char| c.is_ascii_lowercase())) else {
                    continue;
                };
                if !commands.iter().any(|c| c == command) {
                    problems.push(format!(
                        "{page}: `heycat-schema {command}` is no command of it ({})",
                        commands.join(", ")
                    ));
                }
                for flag in words.take_while(|w| *w != "--").filter(|w| w.starts_with("--")) {
                    if flag != "--help" && !options.iter().any(|o| o == flag) {
                        problems.push(format!("{page}: `heycat-schema {command} ... {flag}`: it has no flag {flag}"));
                    }
                }
            }
        }
    }
    assert_none(problems);
}
