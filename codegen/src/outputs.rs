//! The committed outputs: the TypeScript bindings in the frontend's folder, computed in memory
//! (pure), then written or compared by the build script and the CLI. (The Rust side is not
//! committed: the app's build script writes it to `OUT_DIR` on every build.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::backend;
use crate::error::Error;
use crate::model::Schema;
use crate::source::SourceSet;

/// What the frontend gets besides the framework-neutral bindings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypeScriptOptions {
    /// React hooks for every table (`hooks.ts`, over `@heycat/runtime/react`), re-exported by
    /// `index.ts` with the runtime's. Without it nothing imports React.
    pub react: bool,
}

/// Every TypeScript file, by name in the frontend's folder: the schema's bindings, with
/// `options.react` the hooks, and the `index.ts` that re-exports them with the runtime's package
/// (`@heycat/runtime`, a dependency of the app: nothing of it is copied).
pub fn typescript_files(schema: &Schema, sources: &SourceSet, options: TypeScriptOptions) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert("schema.ts".into(), backend::typescript::generate(schema, sources));
    if options.react {
        files.insert("hooks.ts".into(), backend::react::generate(schema, sources));
    }
    files.insert("index.ts".into(), backend::typescript::index(sources, options.react));
    files
}

/// What earlier versions wrote beside the bindings: copies of heycat-runtime's TypeScript, now
/// the npm package `@heycat/runtime`.
const LEFT_OVER_NAMES: &[&str] = &["runtime.ts", "types.ts", "react.ts"];

/// Why a left-over copy goes, as `check` and `generate` say it.
pub const LEFT_OVER_REASON: &str = "a copy of heycat-runtime's TypeScript, which the bindings import from the npm \
                                    package @heycat/runtime now (a dependency of the app)";

/// The left-over copies of heycat-runtime's TypeScript in `dir`: the files earlier versions
/// wrote there whose first line names heycat-runtime (a file of the app's own by one of those
/// names is not one).
pub fn left_overs(dir: &Path) -> Vec<PathBuf> {
    let copied = |path: &PathBuf| {
        std::fs::read_to_string(path)
            .is_ok_and(|text| text.lines().next().is_some_and(|l| l.contains("heycat-runtime's")))
    };
    LEFT_OVER_NAMES.iter().map(|name| dir.join(name)).filter(copied).collect()
}

/// How the files on disk differ from what the schema generates.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Staleness {
    pub missing: Vec<String>,
    /// Left-over copies of heycat-runtime's TypeScript (see [`left_overs`]; only
    /// [`compare_bindings`] looks for them).
    pub left_over: Vec<String>,
    /// `(path, first differing line, generated line, line on disk)`.
    pub changed: Vec<(String, usize, String, String)>,
}

impl Staleness {
    pub fn is_current(&self) -> bool {
        self.missing.is_empty() && self.left_over.is_empty() && self.changed.is_empty()
    }
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for path in &self.missing {
            writeln!(f, "missing: {path}")?;
        }
        for path in &self.left_over {
            writeln!(f, "left over: {path} ({LEFT_OVER_REASON}; `heycat-schema generate` deletes it)")?;
        }
        for (path, line, want, have) in &self.changed {
            writeln!(f, "stale:   {path} (first difference at line {line})")?;
            writeln!(f, "           generated: {want}")?;
            writeln!(f, "           on disk:   {have}")?;
        }
        Ok(())
    }
}

/// Compares the bindings' folder `dir` with `files` (the [`typescript_files`]), and finds the
/// copies of heycat-runtime's TypeScript left over there.
pub fn compare_bindings(dir: &Path, files: &BTreeMap<String, String>) -> Staleness {
    let mut staleness = compare(dir, files);
    staleness.left_over = left_overs(dir).iter().map(|path| path.display().to_string()).collect();
    staleness
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
