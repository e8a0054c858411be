//! Schema errors with their place in the source, collected all at once (serde_derive's `Ctxt`).
//!
//! Every diagnostic carries the `proc_macro2::Span` of the token it is about (so the
//! `#[heycat_table]` macro can point at it) and the schema file it came from (so the CLI and
//! build.rs can print `schema/x.rs:LINE:COL` with the offending line underlined).

use std::fmt;

use crate::source::{Loc, Position, SourceSet};

/// One schema error: what is wrong, where, and how to fix it.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
    pub help: Option<String>,
    /// Another place the message is about, e.g. where a duplicate was first declared.
    pub related: Option<(Loc, String)>,
}

impl Diagnostic {
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic { loc, message: message.into(), help: None, related: None }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, loc: Loc, note: impl Into<String>) -> Self {
        self.related = Some((loc, note.into()));
        self
    }
}

/// Collects diagnostics while a schema is read and checked.
#[derive(Default)]
pub struct Errors {
    list: Vec<Diagnostic>,
}

impl Errors {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    pub fn error(&mut self, loc: Loc, message: impl Into<String>, help: impl Into<String>) {
        self.push(Diagnostic::new(loc, message).help(help));
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    /// Ends collection: `Ok(value)` when nothing was reported, otherwise every diagnostic.
    pub fn finish<T>(self, sources: &SourceSet, value: T) -> Result<T, SchemaError> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(SchemaError::new(sources, self.list))
        }
    }
}

/// A schema that cannot be used, with every problem found in it, ready to print.
#[derive(Debug)]
pub struct SchemaError {
    diagnostics: Vec<Diagnostic>,
    rendered: Vec<RenderedDiagnostic>,
}

#[derive(Debug, Clone)]
pub struct RenderedDiagnostic {
    pub position: Position,
    pub message: String,
    pub help: Option<String>,
    /// `(where, what)` of a second place, e.g. the first declaration of a duplicate.
    pub related: Option<(Position, String)>,
    source_line: String,
}

impl SchemaError {
    pub(crate) fn new(sources: &SourceSet, mut diagnostics: Vec<Diagnostic>) -> Self {
        let mut rendered: Vec<RenderedDiagnostic> = diagnostics
            .iter()
            .map(|d| {
                let position = sources.position(d.loc);
                let source_line = sources.line_text(d.loc.file, position.line).to_owned();
                let related = d.related.as_ref().map(|(loc, note)| (sources.position(*loc), note.clone()));
                RenderedDiagnostic { position, message: d.message.clone(), help: d.help.clone(), related, source_line }
            })
            .collect();
        // Report in source order so the output reads top to bottom, whatever order checks ran in.
        let mut order: Vec<usize> = (0..rendered.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&rendered[a].position, &rendered[b].position);
            (&pa.path, pa.line, pa.column).cmp(&(&pb.path, pb.line, pb.column))
        });
        rendered = order.iter().map(|&i| rendered[i].clone()).collect();
        diagnostics = order.iter().map(|&i| diagnostics[i].clone()).collect();
        SchemaError { diagnostics, rendered }
    }

    /// A schema folder without any `*.rs` file.
    pub(crate) fn empty() -> Self {
        SchemaError { diagnostics: Vec::new(), rendered: Vec::new() }
    }

    /// The diagnostics with their resolved positions, in source order.
    pub fn diagnostics(&self) -> &[RenderedDiagnostic] {
        &self.rendered
    }

    /// The diagnostics with their spans, for `compile_error!` in the macro.
    pub fn spanned(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rendered.is_empty() {
            return write!(f, "error: the schema folder holds no `*.rs` files\n = help: declare tables in schema/*.rs with #[heycat_table]");
        }
        for (i, d) in self.rendered.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let n = self.rendered.len();
        write!(f, "\nschema check failed: {n} error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for SchemaError {}

impl fmt::Display for RenderedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.position;
        let gutter = " ".repeat(p.line.to_string().len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "{gutter}--> {}:{}:{}", p.path, p.line, p.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", p.line, self.source_line)?;
        let pad: String =
            self.source_line.chars().take(p.column - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        writeln!(f, "{gutter} | {pad}{}", "^".repeat(p.width))?;
        if let Some((at, note)) = &self.related {
            writeln!(f, "{gutter} = note: {note} ({}:{}:{})", at.path, at.line, at.column)?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{gutter} = help: {help}")?;
        }
        Ok(())
    }
}
