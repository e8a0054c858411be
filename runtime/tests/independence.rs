//! The runtime names no app's tables: nothing in its sources (Rust or TypeScript) mentions a
//! table, row type or schema-specific column of heycat's schema, the toolkit's first adopter.

use std::path::{Path, PathBuf};

use heycat_codegen::Schema;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "ts") {
            out.push(path);
        }
    }
}

#[test]
fn no_runtime_file_names_a_table_or_column_of_heycat() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_, schema) = Schema::load(&root.join("../app/schema")).expect("heycat's schema");
    // The toolkit's own tables have generic columns (`id`, `created_at`): those are the
    // runtime's; and a few of heycat's columns are plain words any code uses.
    const PLAIN_WORDS: &[&str] = &["name", "text", "suffix", "enabled", "priority", "language"];
    let own: Vec<&str> = schema
        .tables
        .iter()
        .filter(|t| t.system)
        .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()))
        .chain(PLAIN_WORDS.iter().copied())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for table in schema.user_tables() {
        names.extend([table.name.clone(), table.row_type.clone()]);
        for column in table.declared_columns().filter(|c| !own.contains(&c.name.as_str())) {
            names.extend([column.name.clone(), heycat_codegen::names::to_camel_case(&column.name)]);
        }
    }
    let mut files = Vec::new();
    for dir in ["src", "local-server/src", "ts", "tests"] {
        sources(&root.join(dir), &mut files);
    }
    let this_file = root.join("tests/independence.rs");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != this_file) {
        let text = std::fs::read_to_string(file).unwrap();
        let words: std::collections::BTreeSet<&str> =
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
        for name in names.iter().filter(|n| words.contains(n.as_str())) {
            found.push(format!("{}: {name}", file.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "the runtime names heycat's schema:\n{}", found.join("\n"));
}
