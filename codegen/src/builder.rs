//! The small API build scripts use (prost-build's `Config`): point it at `schema/`, say which
//! outputs to write, run. Files are written only when their content changed, so cargo does not
//! rebuild what did not change.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostics::SchemaError;
use crate::model::Schema;
use crate::versions::{self, Plan, PlanBetween, Snapshot};
use crate::{backend, outputs, SourceSet};

#[derive(Debug)]
pub enum Error {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Schema(SchemaError),
    /// The schema's versions or the migration to it are not usable.
    Versions(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot access {}: {source}", path.display()),
            Error::Schema(e) => e.fmt(f),
            Error::Versions(message) => write!(f, "error: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SchemaError> for Error {
    fn from(e: SchemaError) -> Self {
        Error::Schema(e)
    }
}

#[derive(Debug, Default)]
pub struct Builder {
    schema_dir: Option<PathBuf>,
    module_out: Option<PathBuf>,
    generated_dir: Option<PathBuf>,
    expected_schema_out: Option<PathBuf>,
    snapshots_dir: Option<PathBuf>,
    snapshot_version: Option<u32>,
    plans_out: Option<PathBuf>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The folder holding the schema files (`*.rs`).
    pub fn schema_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.schema_dir = Some(dir.into());
        self
    }

    /// The released schema versions (`generated/schema`): gives the schema its version, and
    /// refuses a schema heycat could not migrate data to from the latest release.
    pub fn snapshots_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.snapshots_dir = Some(dir.into());
        self
    }

    /// Generate from released version `version` (its files in the snapshots dir) instead of the
    /// schema folder: to build an earlier version's module.
    pub fn snapshot_version(mut self, version: u32) -> Self {
        self.snapshot_version = Some(version);
        self
    }

    /// Write the schema's version and the migration plans from every earlier released version
    /// to it (JSON `{"version": N, "plans": [...]}`), for the app to migrate its database.
    pub fn plans_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.plans_out = Some(path.into());
        self
    }

    /// Write the SpacetimeDB module source to this file.
    pub fn module_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.module_out = Some(path.into());
        self
    }

    /// Write the committed outputs (SDK bindings, Tauri commands, TypeScript) under this folder
    /// (the repository's `generated/`).
    pub fn generated_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.generated_dir = Some(dir.into());
        self
    }

    /// Write the canonical description of the module definition (see `heycat-canonical`) to
    /// this file: what a client compares a server's deployed schema with.
    pub fn expected_schema_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.expected_schema_out = Some(path.into());
        self
    }

    /// Generates every requested output. Prints cargo's `rerun-if-changed` for the schema
    /// folder, so cargo reruns the build script when (and only when) a schema file changes.
    pub fn generate(self) -> Result<(), Error> {
        let dir = self.schema_dir.unwrap_or_else(|| PathBuf::from("schema"));
        println!("cargo:rerun-if-changed={}", dir.display());
        let snapshots = match &self.snapshots_dir {
            Some(snapshots_dir) => {
                println!("cargo:rerun-if-changed={}", snapshots_dir.display());
                versions::load_snapshots(snapshots_dir).map_err(Error::Versions)?
            }
            None => Vec::new(),
        };
        let (sources, schema) = match self.snapshot_version {
            Some(version) => {
                let snapshot = snapshots
                    .iter()
                    .find(|s| s.version == version)
                    .ok_or_else(|| Error::Versions(format!("there is no released schema version {version}")))?;
                snapshot.schema()?
            }
            None => versioned(Schema::load(&dir)?, &snapshots)?,
        };
        if let Some(path) = &self.module_out {
            write_if_changed(path, &backend::module::generate(&schema, &sources))?;
        }
        if let Some(path) = &self.plans_out {
            let current = Snapshot::of(&sources, &schema, schema.version);
            let plans = snapshots
                .iter()
                .filter(|s| s.version < schema.version)
                .map(|s| Plan::between(s, &current))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Error::Versions)?;
            let json = serde_json::json!({ "version": schema.version, "plans": plans });
            write_if_changed(path, &serde_json::to_string_pretty(&json).unwrap_or_default())?;
        }
        if let Some(path) = &self.expected_schema_out {
            write_if_changed(path, &crate::canonical::describe(&crate::raw_def::raw_module_def(&schema)))?;
        }
        if let Some(dir) = &self.generated_dir {
            write_generated(dir, &schema, &sources)?;
        }
        Ok(())
    }

    /// For build scripts: generate, or print the schema errors and fail the build.
    pub fn generate_or_exit(self) {
        if let Err(e) = self.generate() {
            // Cargo shows a failed build script's stderr; this is where the user reads the error.
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Gives the schema its version (see [`versions::current_version`]) and refuses one that
/// heycat could not migrate data to from the latest release.
pub fn versioned(
    (sources, mut schema): (SourceSet, Schema),
    snapshots: &[Snapshot],
) -> Result<(SourceSet, Schema), Error> {
    let (version, released) = versions::current_version(&sources, &schema, snapshots);
    schema.version = version;
    if let (false, Some(latest)) = (released, snapshots.last()) {
        let plan = Plan::between(latest, &Snapshot::of(&sources, &schema, version)).map_err(Error::Versions)?;
        if !plan.refused.is_empty() {
            return Err(Error::Versions(format!(
                "heycat cannot migrate data from schema version {} to this schema:\n  - {}",
                latest.version,
                plan.refused.join("\n  - ")
            )));
        }
    }
    Ok((sources, schema))
}

/// Writes every committed output under `dir` (only files whose content changed) and removes
/// files the schema no longer generates. Returns the paths written or removed.
pub fn write_generated(dir: &Path, schema: &Schema, sources: &crate::SourceSet) -> Result<Vec<String>, Error> {
    let files = outputs::generated_files(schema, sources);
    let mut touched = Vec::new();
    for (path, contents) in &files {
        if write_if_changed(&dir.join(path), contents)? {
            touched.push(path.clone());
        }
    }
    for path in outputs::extra_files(dir, &files) {
        let full = dir.join(&path);
        std::fs::remove_file(&full).map_err(|source| Error::Io { path: full, source })?;
        touched.push(path);
    }
    Ok(touched)
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
