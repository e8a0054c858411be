//! What tests need around a real SpacetimeDB server.
//!
//! [`Server::start`] (from `heycat-local-server`, the code the app itself runs its embedded
//! server with) starts `spacetimedb-standalone` 1.2.0 on a free 127.0.0.1 port with a temporary
//! data dir and stops it when dropped, so also when a test panics. [`module_wasm`] builds
//! heycat's module with heycat-codegen's [`ModuleBuild`]; [`sql_rows`] reads tables back; [`SmallDisk`]
//! is a small filesystem for disk-full tests; [`Proxy`] takes an app offline and back, or gives
//! its connections the faults of real networks (stalls, latency, a slow link, resets, a drop in
//! the middle of a call: [`Fault`], [`Proxy::reset_connections`], [`Proxy::cut_after`]). With the
//! feature `app`, `app::TestApp` drives any schema's app backend in Tauri's mock runtime;
//! [`window::AppWindow`] drives a built app in its real window.

#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod device;
pub mod display;
mod proxy;
mod small_disk;
mod tls;
pub mod window;
pub mod words;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use heycat_codegen::ModuleBuild;
pub use heycat_local_server::test_hooks::FALLBACK_LIFETIME_ENV;
pub use heycat_local_server::{named_rows, server_binary, sql_rows, Api, Error, Result, Server};
pub use proxy::{Fault, Proxy, ProxyStats};
pub use small_disk::SmallDisk;
pub use tls::TlsFront;

/// The workspace root (the folder holding `app/` and `runtime/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the harness lives in tests/harness")
}

/// heycat's schema folder (the demo app's).
pub fn heycat_schema_dir() -> PathBuf {
    workspace_root().join("app/schema")
}

/// Builds heycat's module to wasm (once per process) and returns the `.wasm` path.
/// `HEYCAT_MODULE_WASM` names a prebuilt module instead.
pub fn module_wasm() -> Result<PathBuf> {
    static WASM: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    WASM.get_or_init(|| match std::env::var_os(heycat_contract::env::MODULE_WASM) {
        Some(path) => Ok(PathBuf::from(path)),
        None => build_module(ModuleBuild::new(heycat_schema_dir(), target_dir())),
    })
    .clone()
    .map_err(Error::Setup)
}

/// Builds the module of heycat's released schema version `version` and returns the `.wasm` path.
pub fn module_wasm_of_version(version: u32) -> Result<PathBuf> {
    build_module(ModuleBuild { version: Some(version), ..ModuleBuild::new(heycat_schema_dir(), target_dir()) })
        .map_err(Error::Setup)
}

/// Builds a module from the schema in `dir` (a test's own schema, or another app's) and
/// returns the `.wasm` path.
pub fn module_wasm_of_schema(dir: &Path) -> Result<PathBuf> {
    build_module(ModuleBuild::new(dir, target_dir())).map_err(Error::Setup)
}

/// Builds released version `version` of the schema in `dir` (releases in `dir/versions`).
pub fn module_wasm_of_schema_version(dir: &Path, version: u32) -> Result<PathBuf> {
    build_module(ModuleBuild { version: Some(version), ..ModuleBuild::new(dir, target_dir()) }).map_err(Error::Setup)
}

/// The target dir the workspace builds into, which module builds share.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

fn build_module(build: ModuleBuild) -> std::result::Result<PathBuf, String> {
    // One build at a time in this process: they share a target dir (cargo serializes
    // processes itself).
    static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    build.build().map_err(|e| format!("building the module of {} failed: {e}", build.schema_dir.display()))
}

/// Copies the folder `from` to `to`, leaving out `.git`, `target` and `node_modules`: a copy of
/// the repository (or part of it) that a test may edit and build.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target", "node_modules"].iter().any(|skip| name == *skip) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The target dir for builds of such copies: `generation-probe`, beside the calling test
/// binary's own (`target/debug/deps/<test>`), shared by the tests that build copies.
pub fn probe_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("target/debug/deps/<test>").join("generation-probe")
}

/// Ends the process group `leader` started (`process_group(0)`): `first` (SIGTERM, or SIGINT as
/// a terminal's Ctrl-C), then, whatever is left after `grace`, SIGKILL; waits for `leader`.
pub fn end_process_group(leader: &mut std::process::Child, first: libc::c_int, grace: std::time::Duration) {
    let group = -(leader.id() as i32);
    // SAFETY: kill only sends a signal, to the group the caller started.
    unsafe { libc::kill(group, first) };
    let deadline = std::time::Instant::now() + grace;
    // SAFETY: as above; signal 0 only asks whether the group still has a process.
    while unsafe { libc::kill(group, 0) } == 0 && std::time::Instant::now() < deadline {
        let _ = leader.try_wait();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(group, libc::SIGKILL) };
    let _ = leader.wait();
}

/// Names the installed database program (`SPACETIMEDB_STANDALONE`) for a release build of the
/// benchmarks, unless something is named already: like a shipped app, a release build looks for
/// it only beside its executable and where that variable says; a debug build also looks on
/// `PATH` and in cargo's bin folder, where `scripts/setup.sh` installs it.
pub fn name_the_installed_server() {
    let env = heycat_contract::env::SPACETIMEDB_STANDALONE;
    if std::env::var_os(env).is_some_and(|named| !named.is_empty()) {
        return;
    }
    let program = format!("{}{}", heycat_contract::server::PROGRAM, std::env::consts::EXE_SUFFIX);
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin"));
    if let Some(found) = on_path.into_iter().chain(cargo_bin).map(|dir| dir.join(&program)).find(|p| p.is_file()) {
        std::env::set_var(env, found);
    }
}

/// `row` with `field` set to `value`.
pub fn with(row: &serde_json::Value, field: &str, value: serde_json::Value) -> serde_json::Value {
    let mut row = row.clone();
    row[field] = value;
    row
}

/// Waits until `done` holds, checking every 20 ms; panics naming `what` after `timeout`.
pub fn wait_for(timeout: std::time::Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A server whose data is where an app with data dir `data_dir` keeps its embedded server's,
/// holding `database` published with `module`, as that app would have left it: to start an app
/// on data an earlier version of it wrote (the app is to start after this server is dropped).
pub fn embedded_server(data_dir: &Path, database: &str, module: &[u8]) -> Result<Server> {
    let server = Server::start_in(&data_dir.join("spacetimedb"))?;
    server.api().publish(database, module)?;
    // The app publishes only when this copy of its last published module differs.
    std::fs::write(data_dir.join("spacetimedb/published-module.wasm"), module)
        .map_err(|e| Error::Setup(format!("cannot keep the published module: {e}")))?;
    Ok(server)
}

/// Makes the app whose data dir is `data_dir` act as the user of `server`'s databases (the
/// identity that published them), as a user does who put the token there or joined with an
/// invitation code.
pub fn as_user_of(server: &Server, data_dir: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(data_dir).expect("create the data dir");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(data_dir.join("identity-token"))
        .expect("write the identity token");
    std::io::Write::write_all(&mut file, server.owner_token().as_bytes()).expect("write the identity token");
}

/// The pids of the `spacetimedb-standalone` processes running on the data of the app whose data
/// dir is `data_dir` (its embedded server, under `spacetimedb/`), from /proc.
pub fn embedded_server_pids(data_dir: &Path) -> Vec<u32> {
    let needle = data_dir.join("spacetimedb").to_string_lossy().into_owned();
    let Ok(processes) = std::fs::read_dir("/proc") else { return Vec::new() };
    processes
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            (cmdline.contains("spacetimedb-standalone") && cmdline.contains(&needle)).then_some(pid)
        })
        .collect()
}
