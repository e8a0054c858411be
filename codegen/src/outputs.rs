//! The committed outputs under `generated/`: computed in memory (pure), then written or
//! compared by the build script and the CLI.

use std::collections::BTreeMap;
use std::path::Path;

use crate::backend;
use crate::model::Schema;
use crate::source::SourceSet;

/// Folders under `generated/` that hold only generated files: a file there that is no longer
/// generated is stale too (a table was removed).
pub const OWNED_DIRS: &[&str] = &["rust/sdk"];

/// Every generated file, by path relative to `generated/`, in sorted order.
pub fn generated_files(schema: &Schema, sources: &SourceSet) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let header = backend::header("//", sources);
    for (name, contents) in backend::sdk::generate(schema) {
        files.insert(format!("rust/sdk/{name}"), format!("{header}\n{contents}"));
    }
    files.insert("rust/schema.rs".into(), backend::tauri::schema_module(sources));
    files.insert("rust/commands.rs".into(), backend::tauri::commands_module(schema, sources));
    files.insert("typescript/heycat.ts".into(), backend::typescript::generate(schema, sources));
    files
}

/// How the files on disk differ from what the schema generates.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Staleness {
    pub missing: Vec<String>,
    /// `(path, first differing line, generated line, line on disk)`.
    pub changed: Vec<(String, usize, String, String)>,
    pub extra: Vec<String>,
}

impl Staleness {
    pub fn is_current(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for path in &self.missing {
            writeln!(f, "missing: {path}")?;
        }
        for (path, line, want, have) in &self.changed {
            writeln!(f, "stale:   {path} (first difference at line {line})")?;
            writeln!(f, "           generated: {want}")?;
            writeln!(f, "           on disk:   {have}")?;
        }
        for path in &self.extra {
            writeln!(f, "extra:   {path} (no longer generated)")?;
        }
        Ok(())
    }
}

/// Compares `files` with what `dir` holds.
pub fn compare(dir: &Path, files: &BTreeMap<String, String>) -> Staleness {
    let mut staleness = Staleness::default();
    for (path, want) in files {
        match std::fs::read_to_string(dir.join(path)) {
            Err(_) => staleness.missing.push(path.clone()),
            Ok(have) if &have != want => {
                let (line, want_line, have_line) = first_difference(want, &have);
                staleness.changed.push((path.clone(), line, want_line, have_line));
            }
            Ok(_) => {}
        }
    }
    staleness.extra = extra_files(dir, files);
    staleness
}

/// Files in the owned folders that `files` does not contain.
pub fn extra_files(dir: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut extra = Vec::new();
    for owned in OWNED_DIRS {
        let Ok(entries) = std::fs::read_dir(dir.join(owned)) else { continue };
        for entry in entries.flatten() {
            let path = format!("{owned}/{}", entry.file_name().to_string_lossy());
            if !files.contains_key(&path) {
                extra.push(path);
            }
        }
    }
    extra.sort();
    extra
}

fn first_difference(want: &str, have: &str) -> (usize, String, String) {
    let (mut want_lines, mut have_lines) = (want.lines(), have.lines());
    let mut line = 1;
    loop {
        match (want_lines.next(), have_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                let show =
                    |l: Option<&str>| l.map_or("<end of file>".to_owned(), |l| l.trim().chars().take(100).collect());
                return (line, show(a), show(b));
            }
        }
    }
}
