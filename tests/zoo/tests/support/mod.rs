//! The zoo app's backend in Tauri's mock runtime, on a real server (shared by the zoo's tests).
// Shared by several test binaries; each uses part of it.
#![allow(dead_code)]

use std::path::Path;

use heycat_harness::app::{Frontend, TestApp};
use heycat_harness::{sql_rows, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use heycat_zoo::{data, DATABASE};
use serde_json::Value;

/// A server holding the zoo database, published with the module built into the app.
pub fn server() -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish(DATABASE, &module()).expect("publish the zoo module");
    server
}

/// The module the app publishes.
pub fn module() -> Vec<u8> {
    let module = heycat_runtime::Schema::info(&data::SCHEMA).module.wasm();
    module.unwrap_or_else(|failure| panic!("the zoo's module: {}", failure.message)).into_owned()
}

pub fn config(data_dir: &Path, url: String) -> DataConfig {
    heycat_harness::app::config(data_dir, ServerChoice::Remote(url), DATABASE)
}

/// The zoo app's backend with `config`, its commands registered as an app's `main` would.
pub fn start(config: DataConfig) -> TestApp {
    TestApp::start(&data::SCHEMA, config, |builder| builder.invoke_handler(data::handler(tauri::generate_handler![])))
}

/// An app of its own data dir, acting as the user of `server`, connected to `url` (the server's
/// or a proxy's).
pub fn connected(server: &Server, url: &str) -> (tempfile::TempDir, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(server, dir.path());
    let app = start(config(dir.path(), url.to_owned()));
    app.wait_connected();
    (dir, app)
}

/// The rows of `table` on the server, as SpacetimeDB's JSON with names.
pub fn server_rows(server: &Server, table: &str) -> Vec<Value> {
    sql_rows(&server.api(), DATABASE, &format!("SELECT * FROM \"{table}\"")).expect("read the server's rows")
}
