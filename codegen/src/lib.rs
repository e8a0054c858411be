//! The generator of heycat-data: one schema in, everything the app needs out. An app uses it
//! from its build script.
//!
//! An app declares its tables once, as `#[heycat_table]` structs in the Rust files of a
//! `schema/` folder (the macros and types come from the
//! [`heycat`](https://docs.rs/heycat) crate). From them, [`Builder::generate`] writes:
//!
//! - **the app's Rust module**, `$OUT_DIR/heycat_data.rs`: the row types, the SpacetimeDB
//!   client bindings, one Tauri command per table operation, the migration plans from every
//!   released schema version, and the app's `plugin()` and `handler()`. The app includes it with
//!   `heycat_runtime::include_generated!()`, and at run time
//!   [`heycat-runtime`](https://docs.rs/heycat-runtime) does the work behind those commands;
//! - **the SpacetimeDB module**, built to wasm under the target dir and embedded in the app,
//!   which publishes it to its server;
//! - **the TypeScript bindings**, with [`Builder::typescript_dir`]: a typed function per
//!   command, an event per table, and with [`Builder::react`] a React hook per table; the app
//!   commits them, and `heycat-schema check` keeps them current in CI. They import the runtime's
//!   TypeScript, the npm package `@heycat/runtime`, which the frontend depends on.
//!
//! # The build script
//!
//! With the dependency in the app crate's `Cargo.toml`,
//!
//! ```toml
//! [build-dependencies]
//! heycat-codegen = "0.1"
//! ```
//!
//! the build script generates everything from `schema/` (the default folder, beside
//! `Cargo.toml`) before Tauri's own step. For an app as `create-tauri-app` makes it, whose
//! frontend is in `../src`:
//!
//! ```no_run
//! # mod tauri_build { pub fn build() {} } // the app's build dependency `tauri-build`
//! fn main() -> Result<(), heycat_codegen::Error> {
//!     heycat_codegen::Builder::new().typescript_dir("../src/data").react(true).generate()?;
//!     tauri_build::build();
//!     Ok(())
//! }
//! ```
//!
//! Files are written only when their content changed, and cargo reruns the build script only
//! when a file of the schema or of its released versions changed. A mistake in the schema fails
//! the build with the file, line and column, as rustc reports its own errors; returning the
//! [`Error`] from `main` is what shows it.
//!
//! The [`Builder`]'s options: [`schema_dir`](Builder::schema_dir) (default `schema`),
//! [`versions_dir`](Builder::versions_dir) (the released versions `heycat-schema release`
//! writes; default `versions` in the schema folder), [`typescript_dir`](Builder::typescript_dir)
//! (no TypeScript without it) and [`react`](Builder::react) (default off).
//!
//! Building the module needs the `wasm32-unknown-unknown` target
//! (`rustup target add wasm32-unknown-unknown`). It is built in the app's target dir, or in the
//! one the `HEYCAT_MODULE_TARGET_DIR` environment variable names (several projects can share one
//! wasm build).
//!
//! # As a library
//!
//! The `heycat-schema` command line and the toolkit's tests use the same steps one by one:
//! [`Schema::load`] reads and checks a schema folder ([`Schema::from_sources`] text held in
//! memory), [`versioned`] gives it its released version, [`write_typescript`] writes its
//! bindings and [`ModuleBuild`] builds its module.
//!
//! ```
//! use heycat_codegen::{Schema, SourceSet};
//!
//! let mut sources = SourceSet::default();
//! sources.add(
//!     "schema/notes.rs",
//!     r#"
//! use heycat::prelude::*;
//!
//! /// A note.
//! #[heycat_table]
//! pub struct Note {
//!     #[primary_key]
//!     pub id: String,
//!     pub text: String,
//!     pub created_at: Timestamp,
//! }
//! "#,
//! );
//! let schema = Schema::from_sources(&sources)?;
//! let note = schema.tables.iter().find(|table| !table.system).unwrap();
//! assert_eq!((note.name.as_str(), note.row_type.as_str()), ("note", "Note"));
//!
//! // A mistake is reported at its place in the schema file.
//! let mut mistaken = SourceSet::default();
//! mistaken.add("schema/notes.rs", "use heycat::prelude::*;\n#[heycat_table]\npub struct Note {\n    pub text: String,\n}\n");
//! let error = Schema::from_sources(&mistaken).unwrap_err();
//! assert!(error.to_string().contains("schema/notes.rs:3"), "{error}");
//! # Ok::<(), heycat_codegen::SchemaError>(())
//! ```
//!
//! Inside, a schema goes through these steps:
//!
//! ```text
//! schema/*.rs --parse--> model --check--> model --raw_def--> RawModuleDefV9 (validated by spacetimedb-schema)
//!                                            \--backend::*--> generated files
//! ```
//!
//! [`model`] is what every [`backend`] reads; [`raw_def`] is SpacetimeDB's definition of the
//! module, which SpacetimeDB's own validation checks too; [`versions`] holds the released
//! versions and the migration [`Plan`](versions::Plan) between two of them.
//!
//! # Feature flags
//!
//! None.
//!
//! # Read on
//!
//! The book, in the repository's [`docs/`](https://github.com/heycat/heycat-data/tree/main/docs)
//! folder: [Getting started](https://github.com/heycat/heycat-data/blob/main/docs/src/getting-started.md),
//! [the schema attributes](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/schema-attributes.md),
//! [what a table generates](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/generated.md),
//! [schema versions and migrations](https://github.com/heycat/heycat-data/blob/main/docs/src/guides/migrations.md)
//! and [the `heycat-schema` CLI](https://github.com/heycat/heycat-data/blob/main/docs/src/reference/cli.md).

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

pub use builder::{migration_plans, write_typescript, Builder, TypeScriptWritten};
pub use diagnostics::SchemaError;
pub use error::Error;
pub use model::Schema;
pub use module_build::ModuleBuild;
pub use outputs::{write_if_changed, TypeScriptOptions};
pub use parse::{parse_item, ParsedItem, COLUMN_ATTRS, TABLE_OPTIONS};
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
