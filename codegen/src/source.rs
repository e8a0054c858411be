//! The schema files as read from disk, and turning spans back into file:line:column.

use std::path::{Path, PathBuf};

use proc_macro2::Span;

/// Index of a file in a [`SourceSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub(crate) usize);

/// A place in a schema file: which file, and the span of the token in it.
#[derive(Clone, Copy, Debug)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// Where a diagnostic points, resolved to 1-based line and column numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// Characters to underline, at least 1.
    pub width: usize,
}

/// One schema file.
#[derive(Debug)]
pub struct SourceFile {
    /// How the file is named in messages and generated headers, e.g. `schema/recording.rs`.
    /// Never absolute, so output is the same on every machine.
    pub display_path: String,
    pub text: String,
    /// proc_macro2 numbers lines from 1 per parse; we parse each file on its own so spans are
    /// local to the file.
    line_starts: Vec<usize>,
}

/// All schema files of one schema, in a stable (sorted) order.
#[derive(Debug, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    /// Reads every `*.rs` file directly inside `dir`, sorted by name.
    pub fn read_dir(dir: &Path) -> std::io::Result<SourceSet> {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "rs") && p.is_file());
        paths.sort();
        let dir_name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "schema".to_owned());
        let mut set = SourceSet::default();
        for path in paths {
            let text = std::fs::read_to_string(&path)?;
            let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            set.add(format!("{dir_name}/{file_name}"), text);
        }
        Ok(set)
    }

    /// Adds a file held in memory (tests, and the macro which gets the text from the compiler).
    pub fn add(&mut self, display_path: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(SourceFile { display_path: display_path.into(), text, line_starts });
        FileId(self.files.len() - 1)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, id: FileId, line: usize) -> &str {
        let file = self.file(id);
        let Some(&start) = file.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = file.line_starts.get(line).map_or(file.text.len(), |&next| next - 1);
        file.text[start..end].trim_end_matches('\r')
    }

    pub fn position(&self, loc: Loc) -> Position {
        let start = loc.span.start();
        let end = loc.span.end();
        let line = start.line.max(1);
        let width = if end.line == start.line { end.column.saturating_sub(start.column) } else { 1 };
        Position { path: self.file(loc.file).display_path.clone(), line, column: start.column + 1, width: width.max(1) }
    }
}
