//! heycat's app backend in Tauri's mock runtime (`heycat_harness::app::TestApp`), driven the
//! way the frontend drives it, and sample rows of every table.
// Shared by several test binaries; each uses part of it.
#![allow(dead_code, unused_imports)]

use std::path::Path;

use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};

pub use heycat_harness::app::{Frontend, TestApp};
pub use heycat_harness::device::DeviceProcess;
pub use heycat_harness::{wait_for, with, Proxy};

pub const DB: &str = heycat_app::DATABASE;

/// The configuration of an app with its data in `data_dir`, using `server`.
pub fn config(data_dir: &Path, server: ServerChoice) -> DataConfig {
    heycat_harness::app::config(data_dir, server, DB)
}

/// heycat's backend with `config`, its commands registered as the app registers them.
pub fn start(config: DataConfig) -> TestApp {
    TestApp::start(&heycat_app::data::SCHEMA, config, |builder| {
        builder.invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
    })
}

heycat_harness::device_process!(start);

/// heycat's backend connected, as the database's user, to a fresh server that runs its module.
pub fn connected_to_a_fresh_server() -> (heycat_harness::Server, tempfile::TempDir, TestApp) {
    let server = heycat_harness::Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &heycat_harness::module_wasm().expect("build the module")).expect("publish");
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
    app.wait_connected();
    (server, dir, app)
}

/// Another device of the user: heycat's backend in a process of its own (two in one process
/// would be one client to the server; see `heycat_harness::device`).
pub fn device(data_dir: &Path, server: ServerChoice) -> DeviceProcess {
    DeviceProcess::start(data_dir, server, DB)
}

/// A data dir as a version 1 app left it: its embedded server's data holding a version 1
/// database with one dictionary entry ("brb", "be right back"), and that module kept beside it.
pub fn version_1_data_dir_with_an_entry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let v1 = std::fs::read(heycat_harness::module_wasm_of_version(1).expect("build the version 1 module")).unwrap();
    let server = heycat_harness::embedded_server(dir.path(), DB, &v1).unwrap();
    let entry = json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"some": "."},
                       "auto_enter": true, "disable_suffix": false,
                       "created_at": {"__timestamp_micros_since_unix_epoch__": 1}, "row_version": 0});
    server.api().call(DB, "dictionary_entry_insert", &json!([entry, "v1-op"])).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700)); // past the server's commitlog sync
    dir
}

/// A dictionary entry in the frontend's form: the sample row with this id, trigger and expansion.
pub fn entry(id: &str, trigger: &str, expansion: &str) -> Value {
    with(&with(&with(&rows()[0].1, "id", json!(id)), "trigger", json!(trigger)), "expansion", json!(expansion))
}

/// The ids of the dictionary entries `app` lists, sorted.
pub fn listed_entry_ids(app: &impl Frontend) -> Vec<String> {
    let listed = app.ok("dictionary_entry_list", json!({}));
    let mut ids: Vec<String> =
        listed.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

/// One row per keyed table, in the frontend's form (camelCase, 64-bit values as strings), in
/// an order that satisfies references, with a field the update changes.
pub fn rows() -> Vec<(&'static str, Value, &'static str, Value)> {
    vec![
        (
            "dictionary_entry",
            json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": ".", "autoEnter": false,
                   "disableSuffix": true, "completeMatchOnly": true, "createdAt": "1700000000000001"}),
            "suffix",
            Value::Null,
        ),
        (
            "voice_command",
            json!({"id": "v1", "trigger": "open browser", "actionType": "OpenApp",
                   "parameters": [{"key": "app", "value": "Firefox"}], "enabled": true, "createdAt": "1700000000000002"}),
            "actionType",
            json!("Custom"),
        ),
        (
            "window_context",
            json!({"id": "w1", "name": "Terminal", "matcherAppName": "kitty", "matcherTitlePattern": "^vim",
                   "matcherBundleId": null, "commandMode": "Merge", "dictionaryMode": "Replace", "commandIds": ["v1"],
                   "dictionaryEntryIds": ["d1"], "enabled": true, "priority": -3, "createdAt": "1700000000000003"}),
            "priority",
            json!(10),
        ),
        (
            "recording",
            json!({"id": "r1", "filePath": "/rec/r1.wav", "durationSecs": 12.5, "sampleCount": "9007199254740993",
                   "stopReason": "Silence", "createdAt": "1700000000000004", "activeWindowAppName": "kitty",
                   "activeWindowBundleId": null, "activeWindowTitle": "vim"}),
            "sampleCount",
            json!("18446744073709551615"),
        ),
        (
            "transcription",
            json!({"id": "t1", "recordingId": "r1", "text": "hello world", "language": "en",
                   "modelVersion": "parakeet-v3", "durationMs": "420", "createdAt": "1700000000000005"}),
            "text",
            json!("hello, world"),
        ),
        (
            "correction",
            json!({"id": "c1", "transcriptionId": "t1", "original": "hello world", "corrected": "Hello, world!",
                   "createdAt": "1700000000000006"}),
            "corrected",
            json!("Hello world."),
        ),
    ]
}
