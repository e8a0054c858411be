//! heycat-codegen: one schema (`schema/*.rs`) in, every generated output out.
//!
//! ```text
//! schema/*.rs --parse--> model --check--> model --raw_def--> RawModuleDefV9 (validated by spacetimedb-schema)
//!                                            \--backend::*--> generated files
//! ```
//!
//! Build scripts use [`Builder`]; the `heycat-schema` CLI and tests use [`Schema::load`], the
//! backends and [`ModuleBuild`].

pub mod backend;
mod builder;
mod check;
pub mod commands;
pub mod diagnostics;
pub mod drafts;
mod error;
pub mod model;
pub mod module_build;
pub mod names;
pub mod orders;
pub mod outputs;
mod parse;
pub mod raw_def;
pub mod reducers;
mod resolve;
mod snapshot;
pub mod source;
pub mod system;
pub mod versions;
mod wire_plan;

use std::path::Path;

pub use heycat_canonical as canonical;

pub use builder::{migration_plans, write_typescript, Builder};
pub use diagnostics::SchemaError;
pub use error::Error;
pub use model::Schema;
pub use module_build::ModuleBuild;
pub use outputs::{write_if_changed, TypeScriptOptions};
pub use parse::{parse_item, ParsedItem};
pub use source::SourceSet;
pub use versions::versioned;

impl Schema {
    /// Reads, parses and checks every schema file in `dir`, including SpacetimeDB's own
    /// validation of the resulting module definition.
    /// The schema gets version 0 (unknown); see [`versioned`] for its released version.
    pub fn load(dir: &Path) -> Result<(SourceSet, Schema), Error> {
        let sources = SourceSet::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let schema = Schema::from_sources(&sources)?;
        Ok((sources, schema))
    }

    /// Like [`Schema::load`], with the released version the schema is (from the snapshots in
    /// `snapshots_dir`, see [`versioned`]).
    pub fn load_versioned(dir: &Path, snapshots_dir: &Path) -> Result<(SourceSet, Schema), Error> {
        let snapshots = versions::load_snapshots(snapshots_dir).map_err(Error::Versions)?;
        versioned(Schema::load(dir)?, &snapshots)
    }

    /// Parses and checks schema text already in memory.
    pub fn from_sources(sources: &SourceSet) -> Result<Schema, SchemaError> {
        let mut errors = diagnostics::Errors::default();
        if sources.is_empty() {
            return Err(SchemaError::empty());
        }
        let schema = parse::parse(sources, &mut errors);
        check::check(&schema, &mut errors);
        // SpacetimeDB's rules only make sense for a schema that passed ours.
        if errors.is_empty() {
            raw_def::validate(&schema, raw_def::raw_module_def(&schema), &mut errors);
        }
        errors.finish(sources, schema)
    }
}
