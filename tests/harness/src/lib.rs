//! What tests need around a real SpacetimeDB server.
//!
//! [`Server::start`] (from `heycat-local-server`, the code the app itself runs its embedded
//! server with) starts `spacetimedb-standalone` 1.2.0 on a free 127.0.0.1 port with a temporary
//! data dir and stops it when dropped, so also when a test panics. [`module_wasm`] builds
//! heycat's module with `scripts/build-module.sh`; [`sql_rows`] reads tables back; [`SmallDisk`]
//! is a small filesystem for disk-full tests.

mod small_disk;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub use heycat_local_server::{named_rows, sql_rows, Api, Error, Result, Server};
pub use small_disk::SmallDisk;

/// The workspace root (the folder holding `schema/` and `scripts/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the harness lives in tests/harness")
}

/// Builds heycat's module to wasm (once per process) and returns the `.wasm` path.
/// `HEYCAT_MODULE_WASM` names a prebuilt module instead.
pub fn module_wasm() -> Result<PathBuf> {
    static WASM: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    WASM.get_or_init(|| match std::env::var_os("HEYCAT_MODULE_WASM") {
        Some(path) => Ok(PathBuf::from(path)),
        None => build_module(&[]),
    })
    .clone()
    .map_err(Error::Setup)
}

/// Builds the module of released schema version `version` and returns the `.wasm` path.
pub fn module_wasm_of_version(version: u32) -> Result<PathBuf> {
    build_module(&[("HEYCAT_SCHEMA_VERSION", version.to_string())]).map_err(Error::Setup)
}

/// Builds a module from the schema in `dir` (a test's own schema) and returns the `.wasm` path.
pub fn module_wasm_of_schema(dir: &std::path::Path) -> Result<PathBuf> {
    build_module(&[("HEYCAT_SCHEMA_DIR", dir.display().to_string())]).map_err(Error::Setup)
}

fn build_module(env: &[(&str, String)]) -> std::result::Result<PathBuf, String> {
    // One build at a time: they share a target dir.
    static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let script = workspace_root().join("scripts/build-module.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env_remove("HEYCAT_SCHEMA_VERSION")
        .env_remove("HEYCAT_SCHEMA_DIR")
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", script.display(), out.status));
    }
    let path = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_owned();
    Ok(PathBuf::from(path))
}
