//! What can go wrong generating from a schema: reading files, the schema itself, its versions,
//! building its module.

use std::fmt;
use std::path::PathBuf;

use crate::diagnostics::SchemaError;

pub enum Error {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Schema(SchemaError),
    /// The schema's versions or the migration to it are not usable.
    Versions(String),
    /// Building the module to wasm failed.
    Module(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot access {}: {source}", path.display()),
            Error::Schema(e) => e.fmt(f),
            Error::Versions(message) | Error::Module(message) => write!(f, "error: {message}"),
        }
    }
}

/// The same words as `Display`, on lines of their own: a build script's `main` returns this
/// error (`fn main() -> Result<(), heycat_codegen::Error>`), Rust prints a returned error as
/// `Error: {:?}`, and cargo shows that output, where the schema's author reads what is wrong
/// and where.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

impl From<SchemaError> for Error {
    fn from(e: SchemaError) -> Self {
        Error::Schema(e)
    }
}
