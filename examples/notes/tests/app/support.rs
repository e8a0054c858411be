//! The notes app's backend in Tauri's mock runtime (`heycat_harness::app::TestApp`), driven the
//! way the frontend drives it, the server it uses, and sample rows.

use std::path::Path;

pub use heycat_harness::app::{Frontend, TestApp};
pub use heycat_harness::device::DeviceProcess;
use heycat_harness::{sql_rows, Server};
use heycat_notes::{data, DATABASE};
use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};

/// The notes app's schema folder.
pub fn schema_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// A server holding the notes database, published with the module built into the app.
pub fn server() -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    let module = heycat_runtime::Schema::info(&data::SCHEMA).module.wasm();
    let module = module.unwrap_or_else(|failure| panic!("the notes module: {}", failure.message));
    server.api().publish(DATABASE, &module).expect("publish the notes module");
    server
}

/// The rows of a table on the server, as SpacetimeDB's JSON with names.
pub fn server_rows(server: &Server, table: &str) -> Vec<Value> {
    sql_rows(&server.api(), DATABASE, &format!("SELECT * FROM {table}")).expect("read the server's rows")
}

/// The configuration of an app with its data in `data_dir`, using `server`.
pub fn config(data_dir: &Path, server: ServerChoice) -> DataConfig {
    heycat_harness::app::config(data_dir, server, DATABASE)
}

/// The notes app's backend with `config`, its commands registered as `src/main.rs` does.
pub fn start(config: DataConfig) -> TestApp {
    TestApp::start(&data::SCHEMA, config, |builder| builder.invoke_handler(data::handler(tauri::generate_handler![])))
}

/// An app with its data in `dir`, acting as the user of `server`'s databases, connected to
/// `url` (the server's, or a proxy's in front of it).
pub fn connected(server: &Server, dir: &Path, url: String) -> TestApp {
    heycat_harness::as_user_of(server, dir);
    let app = start(config(dir, ServerChoice::Remote(url)));
    app.wait_connected();
    app
}

heycat_harness::device_process!(start);

/// Another device of the user, in a process of its own (two in one process would be one
/// client to the server; see `heycat_harness::device`), acting as the user of `server`'s
/// databases, connected to `url`.
pub fn connected_device(server: &Server, dir: &Path, url: String) -> DeviceProcess {
    heycat_harness::as_user_of(server, dir);
    let device = DeviceProcess::start(dir, ServerChoice::Remote(url), DATABASE);
    device.wait_connected();
    device
}

/// A Timestamp in the frontend's form: microseconds since the epoch, as a decimal string.
pub fn micros(n: u64) -> Value {
    json!((1_700_000_000_000_000 + n).to_string())
}

pub fn notebook(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "createdAt": micros(1)})
}

pub fn note(id: &str, notebook_id: &str, title: &str) -> Value {
    json!({"id": id, "notebookId": notebook_id, "title": title, "body": format!("{title}: body"), "color": "Plain",
           "tags": [], "pinned": false, "createdAt": micros(2), "updatedAt": micros(2)})
}

pub fn attachment(id: &str, note_id: &str, created: u64) -> Value {
    json!({"id": id, "noteId": note_id, "fileName": format!("{id}.png"), "kind": "Image",
           "path": format!("/files/{id}.png"), "sizeBytes": "52428800", "createdAt": micros(created)})
}
