//! The small API build scripts use (prost-build's `Config`): point it at the schema folder and
//! the frontend's folder, run. Files are written only when their content changed, so cargo does
//! not rebuild what did not change.
//!
//! In an app's build script, [`Builder::generate`] writes the app's Rust module to
//! `$OUT_DIR/heycat_data.rs` (which `heycat_runtime::include_generated!()` includes), builds
//! the schema's SpacetimeDB module to wasm (a release build includes it; a development build's
//! module builds while the app compiles, and the app waits for it when it starts), and writes the
//! TypeScript bindings to the frontend's folder (committed; `heycat-schema check` keeps them
//! current).

use std::path::{Path, PathBuf};

use heycat_contract::env;
use heycat_plan::DevMigration;

use crate::backend::tauri::{AppInputs, ModuleInput};
use crate::drafts::Drafts;
use crate::error::Error;
use crate::model::Schema;
use crate::module_build::ModuleBuild;
use crate::outputs::{write_if_changed, TypeScriptOptions};
use crate::versions::{self, versioned, Plan, PlanBetween, Snapshot};
use crate::{backend, outputs, SourceSet};

#[derive(Debug, Default)]
pub struct Builder {
    schema_dir: Option<PathBuf>,
    versions_dir: Option<PathBuf>,
    typescript_dir: Option<PathBuf>,
    typescript: TypeScriptOptions,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The folder holding the schema files (`*.rs`) [default: `schema`].
    pub fn schema_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.schema_dir = Some(dir.into());
        self
    }

    /// The released schema versions (`v<N>.json`, written by `heycat-schema release`): they give
    /// the schema its version, and a schema the data could not be migrated to from the latest
    /// release is refused [default: `versions` in the schema folder].
    pub fn versions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.versions_dir = Some(dir.into());
        self
    }

    /// The frontend folder the TypeScript bindings are written to (`index.ts` to import, and
    /// the files it re-exports). Without it no TypeScript is written.
    pub fn typescript_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.typescript_dir = Some(dir.into());
        self
    }

    /// Also write React hooks for every table (`hooks.ts`, over `@heycat/runtime/react`;
    /// `useDictionaryEntries()`, `useSettings()`), re-exported by `index.ts`. Off by default:
    /// the bindings need no framework [default: false].
    pub fn react(mut self, react: bool) -> Self {
        self.typescript.react = react;
        self
    }

    fn dirs(&self) -> (PathBuf, PathBuf) {
        let schema = self.schema_dir.clone().unwrap_or_else(|| PathBuf::from("schema"));
        let versions = self.versions_dir.clone().unwrap_or_else(|| schema.join("versions"));
        (schema, versions)
    }

    /// Generates everything, from a build script (it needs cargo's `OUT_DIR`). Prints cargo's
    /// `rerun-if-changed` for the schema and versions folders, so cargo reruns the build script
    /// when (and only when) one of their files changes.
    pub fn generate(self) -> Result<(), Error> {
        let (schema_dir, versions_dir) = self.dirs();
        println!("cargo:rerun-if-changed={}", schema_dir.display());
        println!("cargo:rerun-if-changed={}", versions_dir.display());
        println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
        println!("cargo:rerun-if-env-changed={}", env::MODULE_TARGET_DIR);
        println!("cargo:rerun-if-env-changed=DEP_TAURI_DEV");
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| Error::Io {
            path: PathBuf::from("$OUT_DIR"),
            source: std::io::Error::other("Builder::generate runs in a build script, where cargo sets OUT_DIR"),
        })?);
        let snapshots = versions::load_snapshots(&versions_dir).map_err(Error::Versions)?;
        let (sources, schema) = versioned(Schema::load(&schema_dir)?, &snapshots)?;
        if let Some(dir) = &self.typescript_dir {
            for name in write_typescript(dir, &schema, &sources, self.typescript)?.removed {
                let path = dir.join(name);
                println!("cargo:warning=deleted {}: {}", path.display(), outputs::LEFT_OVER_REASON);
            }
        }
        let target_dir = target_dir_of(&out_dir);
        let drafts = dev_migrations(&target_dir, &schema_dir, &sources, &schema, &snapshots)?;
        let build = ModuleBuild { schema_dir: schema_dir.clone(), versions_dir, version: None, target_dir };
        // A development build needs the wasm only when the app starts, so it builds while the
        // app compiles (it was 2.5 s of each schema save's rebuild on 2 cores).
        let module = if builds_module_beside_app() {
            let building = build.start()?;
            ModuleInput::Building {
                wasm: building.wasm.display().to_string(),
                dir: building.dir.display().to_string(),
                source_id: building.source_id,
            }
        } else {
            ModuleInput::Built(build.build()?.display().to_string())
        };
        let inputs = AppInputs {
            schema_files: schema_files(&schema_dir, &sources)?,
            module,
            migration_plans: &migration_plans(&sources, &schema, &snapshots, &drafts)?,
        };
        write_if_changed(&out_dir.join("heycat_data.rs"), &backend::tauri::app_module(&schema, &sources, &inputs))?;
        Ok(())
    }
}

/// The migration plans from every earlier released version to `schema`, and `drafts` (JSON),
/// for the app to migrate its database.
pub fn migration_plans(
    sources: &SourceSet,
    schema: &Schema,
    snapshots: &[Snapshot],
    drafts: &[DevMigration],
) -> Result<String, Error> {
    let current = Snapshot::of(sources, schema, schema.version);
    let plans = snapshots
        .iter()
        .filter(|s| s.version < schema.version)
        .map(|s| Plan::between(s, &current))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Versions)?;
    let json = serde_json::json!({ "version": schema.version, "plans": plans, "drafts": drafts });
    Ok(serde_json::to_string(&json).unwrap_or_default())
}

/// In a development build of a draft (a schema not released yet), the migrations from the
/// earlier drafts of its version built here (see [`Drafts`]), after recording this one; none
/// otherwise.
fn dev_migrations(
    target_dir: &Path,
    schema_dir: &Path,
    sources: &SourceSet,
    schema: &Schema,
    snapshots: &[Snapshot],
) -> Result<Vec<DevMigration>, Error> {
    let released = snapshots.iter().any(|s| s.version == schema.version);
    if released || !is_debug_build() {
        return Ok(Vec::new());
    }
    let current = Snapshot::of(sources, schema, schema.version);
    let drafts = Drafts::of(target_dir, schema_dir);
    drafts.record(&current)?;
    Ok(drafts.migrations_to(&current))
}

/// Whether the build script runs for a development build (cargo's `dev` and `test` profiles).
fn is_debug_build() -> bool {
    std::env::var("PROFILE").as_deref() == Ok("debug")
}

/// Whether the app may read its module when it starts rather than include it: a development
/// build that is not bundled (Tauri's `cargo:dev`, which `tauri dev` and `cargo build` give;
/// `tauri build --debug` bundles, and an installed app has no target dir to read).
fn builds_module_beside_app() -> bool {
    is_debug_build() && std::env::var("DEP_TAURI_DEV").as_deref() != Ok("false")
}

/// `(module name, absolute path)` of each schema file, for the generated `#[path]`s.
fn schema_files(dir: &Path, sources: &SourceSet) -> Result<Vec<(String, String)>, Error> {
    let dir = dir.canonicalize().map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    Ok(sources
        .files()
        .map(|(_, f)| {
            let file = f.display_path.rsplit('/').next().unwrap_or_default().to_owned();
            (file.trim_end_matches(".rs").to_owned(), dir.join(&file).display().to_string())
        })
        .collect())
}

/// Where the module is built: `HEYCAT_MODULE_TARGET_DIR` (several projects can share one wasm
/// build), else the target dir of the build `out_dir` belongs to: `CARGO_TARGET_DIR`, else the
/// ancestor cargo marks with `CACHEDIR.TAG`.
fn target_dir_of(out_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(env::MODULE_TARGET_DIR).or_else(|| std::env::var_os("CARGO_TARGET_DIR")) {
        return PathBuf::from(dir);
    }
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map_or_else(|| out_dir.join("heycat-target"), Path::to_path_buf)
}

/// What [`write_typescript`] changed in the bindings' folder, by file name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TypeScriptWritten {
    /// The files written (those whose content changed).
    pub written: Vec<String>,
    /// The left-over copies of heycat-runtime's TypeScript deleted (see [`outputs::left_overs`]).
    pub removed: Vec<String>,
}

/// Writes the TypeScript bindings into `dir` (only files whose content changed) and deletes the
/// copies of heycat-runtime's TypeScript earlier versions left there.
pub fn write_typescript(
    dir: &Path,
    schema: &Schema,
    sources: &SourceSet,
    options: TypeScriptOptions,
) -> Result<TypeScriptWritten, Error> {
    let mut done = TypeScriptWritten::default();
    for (name, contents) in outputs::typescript_files(schema, sources, options) {
        if write_if_changed(&dir.join(&name), &contents)? {
            done.written.push(name);
        }
    }
    for path in outputs::left_overs(dir) {
        std::fs::remove_file(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        done.removed.extend(path.file_name().map(|name| name.to_string_lossy().into_owned()));
    }
    Ok(done)
}
