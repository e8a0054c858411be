//! What tests need around a real SpacetimeDB server.
//!
//! [`Server::start`] (from `heycat-local-server`, the code the app itself runs its embedded
//! server with) starts `spacetimedb-standalone` 1.2.0 on a free 127.0.0.1 port with a temporary
//! data dir and stops it when dropped, so also when a test panics. [`module_wasm`] builds
//! heycat's module with `scripts/build-module.sh`; [`sql_rows`] reads tables back.

mod rows;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub use heycat_local_server::{Api, Error, Result, Server};
pub use rows::{named_rows, sql_rows};

/// The workspace root (the folder holding `schema/` and `scripts/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the harness lives in tests/harness")
}

/// Builds heycat's module to wasm (once per process) and returns the `.wasm` path.
/// `HEYCAT_MODULE_WASM` names a prebuilt module instead.
pub fn module_wasm() -> Result<PathBuf> {
    static WASM: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    WASM.get_or_init(|| {
        if let Some(path) = std::env::var_os("HEYCAT_MODULE_WASM") {
            return Ok(PathBuf::from(path));
        }
        let script = workspace_root().join("scripts/build-module.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed ({})", script.display(), out.status));
        }
        let path = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_owned();
        Ok(PathBuf::from(path))
    })
    .clone()
    .map_err(Error::Setup)
}
