//! The committed outputs: the TypeScript bindings in the frontend's folder, computed in memory
//! (pure), then written or compared by the build script and the CLI. (The Rust side is not
//! committed: the app's build script writes it to `OUT_DIR` on every build.)

use std::collections::BTreeMap;
use std::path::Path;

use crate::backend;
use crate::error::Error;
use crate::model::Schema;
use crate::source::SourceSet;

/// What the frontend gets besides the framework-neutral bindings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypeScriptOptions {
    /// React hooks for every table (`hooks.ts`, over the runtime's `react.ts`), re-exported by
    /// `index.ts`. Without it nothing imports React.
    pub react: bool,
}

/// Every TypeScript file, by name in the frontend's folder: the schema's bindings, the
/// runtime's (a real `.ts` file of heycat-runtime, copied), the runtime's IPC types (derived from
/// its Rust types), with `options.react` the hooks, and the `index.ts` that re-exports them.
pub fn typescript_files(schema: &Schema, sources: &SourceSet, options: TypeScriptOptions) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert("schema.ts".into(), backend::typescript::generate(schema, sources));
    for (name, contents) in backend::typescript::RUNTIME_FILES {
        files.insert((*name).to_owned(), (*contents).to_owned());
    }
    if options.react {
        files.insert("hooks.ts".into(), backend::react::generate(schema, sources));
        let (name, contents) = backend::react::RUNTIME_FILE;
        files.insert(name.to_owned(), contents.to_owned());
    }
    files.insert("index.ts".into(), backend::typescript::index(sources, options.react));
    files
}

/// How the files on disk differ from what the schema generates.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Staleness {
    pub missing: Vec<String>,
    /// `(path, first differing line, generated line, line on disk)`.
    pub changed: Vec<(String, usize, String, String)>,
}

impl Staleness {
    pub fn is_current(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty()
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
        Ok(())
    }
}

/// Compares `files` with what `dir` holds.
pub fn compare(dir: &Path, files: &BTreeMap<String, String>) -> Staleness {
    let mut staleness = Staleness::default();
    for (name, want) in files {
        let path = dir.join(name).display().to_string();
        match std::fs::read_to_string(dir.join(name)) {
            Err(_) => staleness.missing.push(path),
            Ok(have) if &have != want => {
                let (line, want_line, have_line) = first_difference(want, &have);
                staleness.changed.push((path, line, want_line, have_line));
            }
            Ok(_) => {}
        }
    }
    staleness
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

/// Writes `contents` to `path` unless the file already holds exactly that. Returns whether it wrote.
pub fn write_if_changed(path: &Path, contents: &str) -> Result<bool, Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, contents).map_err(io)?;
    Ok(true)
}
