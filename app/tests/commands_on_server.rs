//! The generated Tauri commands, driven through Tauri's mock runtime (the same IPC path the
//! frontend's `invoke` takes), against a real spacetimedb-standalone.

use heycat_app::data::{ConnectOptions, Db};
use heycat_harness::{module_wasm, Server};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

const DB: &str = "heycat";

struct App {
    _server: Server,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn app() -> App {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.publish_file(DB, &module_wasm().expect("build the module")).expect("publish");
    let db = Db::connect(&ConnectOptions { uri: server.ws_url(), database: DB.into(), token: None }).expect("connect");
    let app = mock_builder()
        .manage(db)
        .invoke_handler(heycat_app::commands::handler())
        .build(mock_context(noop_assets()))
        .expect("build the app");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a webview");
    App { _server: server, _app: app, webview }
}

impl App {
    /// What the frontend's `invoke(command, args)` gets: the value, or the error object.
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args).unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }
}

fn with(row: &Value, field: &str, value: Value) -> Value {
    let mut row = row.clone();
    row[field] = value;
    row
}

/// One row per keyed table, in the frontend's form (camelCase, 64-bit values as strings), in
/// an order that satisfies references, with a field the update changes.
fn rows() -> Vec<(&'static str, Value, &'static str, Value)> {
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
    ]
}

#[test]
fn every_table_round_trips_through_the_commands() {
    let app = app();
    let commands: Vec<&str> = heycat_app::commands::COMMANDS.to_vec();
    for (table, row, field, new_value) in rows() {
        for suffix in ["list", "get", "insert", "update", "delete"] {
            assert!(commands.contains(&format!("{table}_{suffix}").as_str()), "{table}_{suffix} is generated");
        }
        let stored = app.ok(&format!("{table}_insert"), json!({ "row": row }));
        assert_eq!(stored, with(&row, "rowVersion", json!("1")), "{table}: insert returns the stored row");
        assert_eq!(app.ok(&format!("{table}_get"), json!({ "id": row["id"] })), stored, "{table}: get");
        assert_eq!(app.ok(&format!("{table}_list"), json!({})), json!([stored]), "{table}: list");

        let changed = with(&stored, field, new_value.clone());
        let updated = app.ok(&format!("{table}_update"), json!({ "row": changed }));
        assert_eq!(updated, with(&changed, "rowVersion", json!("2")), "{table}: update bumps the version");
        assert_eq!(app.ok(&format!("{table}_get"), json!({ "id": row["id"] })), updated);
    }
    // A table-specific command from the schema's reference: transcriptions of a recording.
    let by_recording = app.ok("transcription_list_by_recording_id", json!({ "recordingId": "r1" }));
    assert_eq!(by_recording.as_array().map(Vec::len), Some(1));

    for (table, row, ..) in rows().into_iter().rev() {
        assert_eq!(app.ok(&format!("{table}_delete"), json!({ "id": row["id"] })), Value::Null);
        assert_eq!(app.ok(&format!("{table}_get"), json!({ "id": row["id"] })), Value::Null, "{table} is gone");
    }
}

#[test]
fn settings_are_one_typed_row() {
    let app = app();
    let defaults = json!({"audioSelectedDevice": null, "shortcutsDistinguishLeftRight": false,
                          "shortcutsRecordingMode": "Toggle", "hotkeyRecordingShortcut": "CmdOrCtrl+Shift+Space",
                          "rowVersion": "1"});
    assert_eq!(app.ok("settings_get", json!({})), defaults);
    let changed = json!({"audioSelectedDevice": "USB mic", "shortcutsDistinguishLeftRight": true,
                         "shortcutsRecordingMode": "PushToTalk", "hotkeyRecordingShortcut": "F13", "rowVersion": "1"});
    assert_eq!(app.ok("settings_update", json!({ "row": changed })), with(&changed, "rowVersion", json!("2")));
    assert_eq!(app.ok("settings_reset", json!({})), with(&defaults, "rowVersion", json!("3")));
}

#[test]
fn failures_cross_as_typed_errors() {
    let app = app();
    let (_, entry, ..) = rows().remove(0);
    app.ok("dictionary_entry_insert", json!({ "row": entry }));
    let duplicate = with(&entry, "id", json!("d2"));
    assert_eq!(
        app.invoke("dictionary_entry_insert", json!({ "row": duplicate })),
        Err(
            json!({"kind": "uniqueViolation", "message": "dictionary_entry.trigger \"brb\" is already used by another row"})
        )
    );
    assert_eq!(
        app.invoke("dictionary_entry_delete", json!({ "id": "nope" })),
        Err(json!({"kind": "notFound", "message": "no dictionary_entry row has id \"nope\""}))
    );
    // A malformed argument is refused by the command layer before any reducer runs.
    let bad = app.invoke("recording_insert", json!({ "row": {"id": "r9"} })).unwrap_err();
    assert!(bad.as_str().is_some_and(|m| m.contains("missing field")), "{bad}");
}
