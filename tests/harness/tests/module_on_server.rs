//! The generated module on a real spacetimedb-standalone 1.2.0: every table's reducers, the
//! schema's rules, and the deployed schema against the schema model.

use std::collections::BTreeSet;

use heycat_codegen::{canonical, raw_def, Schema};
use heycat_harness::{module_wasm, sql_rows, workspace_root, Error, Server};
use serde_json::{json, Value};
use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9;
use spacetimedb_sats::serde::SerdeWrapper;

const DB: &str = "heycat";

fn published() -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &module_wasm().expect("build the module")).expect("publish the module");
    server
}

fn schema() -> Schema {
    Schema::load_versioned(&workspace_root().join("app/schema"), &workspace_root().join("app/schema/versions"))
        .expect("heycat's schema is valid")
        .1
}

fn ts(micros: i64) -> Value {
    json!({ "__timestamp_micros_since_unix_epoch__": micros })
}

/// Above 2^53: a JSON client that used doubles would get this wrong.
const BIG_U64: u64 = (1 << 53) + 1;

/// One valid row per table, in an order that satisfies references, with the column that the
/// update test changes.
fn sample_rows() -> Vec<(&'static str, Value, &'static str, Value)> {
    vec![
        (
            "dictionary_entry",
            json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"some": "."},
                   "auto_enter": false, "disable_suffix": true, "complete_match_only": false,
                   "created_at": ts(1_700_000_000_000_001), "row_version": 0}),
            "expansion",
            json!("be right back!"),
        ),
        (
            "voice_command",
            json!({"id": "v1", "trigger": "open browser", "action_type": {"OpenApp": []},
                   "parameters": [{"key": "app", "value": "Firefox"}, {"key": "profile", "value": "work"}],
                   "enabled": true, "created_at": ts(1_700_000_000_000_002), "row_version": 0}),
            "action_type",
            json!({"SystemControl": []}),
        ),
        (
            "window_context",
            json!({"id": "w1", "name": "Terminal", "matcher_app_name": "kitty",
                   "matcher_title_pattern": {"some": "^vim"}, "matcher_bundle_id": {"none": []},
                   "command_mode": {"Merge": []}, "dictionary_mode": {"Replace": []},
                   "command_ids": ["v1"], "dictionary_entry_ids": ["d1", "d2"], "enabled": true,
                   "priority": -3, "created_at": ts(1_700_000_000_000_003), "row_version": 0}),
            "command_ids",
            json!([]),
        ),
        (
            "recording",
            json!({"id": "r1", "file_path": "/rec/r1.wav", "duration_secs": 12.5, "sample_count": BIG_U64,
                   "stop_reason": {"some": {"Silence": []}}, "created_at": ts(1_700_000_000_000_004),
                   "active_window_app_name": {"some": "kitty"}, "active_window_bundle_id": {"none": []},
                   "active_window_title": {"some": "vim — notes"}, "row_version": 0}),
            "stop_reason",
            json!({"none": []}),
        ),
        (
            "transcription",
            json!({"id": "t1", "recording_id": "r1", "text": "hello world", "language": {"some": "en"},
                   "model_version": "parakeet-v3", "duration_ms": 420, "created_at": ts(1_700_000_000_000_005),
                   "row_version": 0}),
            "text",
            json!("hello, world"),
        ),
        (
            "correction",
            json!({"id": "c1", "transcription_id": "t1", "original": "hello world", "corrected": "Hello, world!",
                   "created_at": ts(1_700_000_000_000_006), "row_version": 0}),
            "corrected",
            json!("Hello world."),
        ),
    ]
}

/// Calls a write reducer; appends the operation id every write reducer takes last.
fn write(server: &Server, reducer: &str, args: &Value) -> heycat_harness::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let mut args = args.as_array().expect("arguments are an array").clone();
    args.push(json!(format!("op-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))));
    server.api().call(DB, reducer, &Value::Array(args))
}

fn rows(server: &Server, table: &str) -> Vec<Value> {
    sql_rows(&server.api(), DB, &format!("SELECT * FROM {table}")).expect("SQL works")
}

fn with(row: &Value, column: &str, value: Value) -> Value {
    let mut row = row.clone();
    row[column] = value;
    row
}

fn reducer_error(result: heycat_harness::Result<()>) -> String {
    match result {
        Err(Error::Reducer(message)) => message,
        other => panic!("expected a reducer error, got {other:?}"),
    }
}

#[test]
fn every_table_round_trips_inserts_updates_and_deletes() {
    let server = published();
    let samples = sample_rows();
    let schema = schema();
    let keyed: BTreeSet<&str> = schema.user_tables().filter(|t| !t.singleton).map(|t| t.name.as_str()).collect();
    let covered: BTreeSet<&str> = samples.iter().map(|(t, ..)| *t).collect();
    assert_eq!(covered, keyed, "every keyed table of schema/ needs a sample row here");

    for (table, row, column, new_value) in &samples {
        write(&server, &format!("{table}_insert"), &json!([row])).unwrap_or_else(|e| panic!("{table}: {e}"));
        let inserted = with(row, "row_version", json!(1));
        assert_eq!(rows(&server, table), vec![inserted.clone()], "{table} after insert");

        // The update is based on the stored version (1); the module bumps it.
        let changed = with(&with(row, column, new_value.clone()), "row_version", json!(1));
        write(&server, &format!("{table}_update"), &json!([changed])).unwrap_or_else(|e| panic!("{table}: {e}"));
        let updated = with(&with(row, column, new_value.clone()), "row_version", json!(2));
        assert_eq!(rows(&server, table), vec![updated], "{table} after update");
    }

    // Deleting in reverse order keeps references satisfied.
    for (table, row, ..) in samples.iter().rev() {
        write(&server, &format!("{table}_delete"), &json!([row["id"], {"none": []}]))
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(rows(&server, table), Vec::<Value>::new(), "{table} after delete");
        // Deleting what is gone already succeeds (a replayed delete must) and changes nothing.
        write(&server, &format!("{table}_delete"), &json!([row["id"], {"none": []}])).unwrap();
        assert_eq!(rows(&server, table), Vec::<Value>::new());
    }
}

#[test]
fn primary_key_and_unique_violations_are_reducer_errors() {
    let server = published();
    for (table, row, ..) in sample_rows() {
        write(&server, &format!("{table}_insert"), &json!([row])).unwrap();
    }
    let dictionary = &sample_rows()[0].1;

    let same_key = with(dictionary, "trigger", json!("other trigger"));
    let message = reducer_error(write(&server, "dictionary_entry_insert", &json!([same_key])));
    assert_eq!(message, r#"unique_violation: a dictionary_entry row with id "d1" already exists"#);

    let same_trigger = with(dictionary, "id", json!("d2"));
    let message = reducer_error(write(&server, "dictionary_entry_insert", &json!([same_trigger])));
    assert_eq!(message, r#"unique_violation: dictionary_entry.trigger "brb" is already used by another row"#);

    // An update may not take another row's unique value either.
    let second = with(&with(dictionary, "id", json!("d2")), "trigger", json!("omw"));
    write(&server, "dictionary_entry_insert", &json!([second])).unwrap();
    let message = reducer_error(write(
        &server,
        "dictionary_entry_update",
        &json!([with(&with(&second, "trigger", json!("brb")), "row_version", json!(1))]),
    ));
    assert_eq!(message, r#"unique_violation: dictionary_entry.trigger "brb" is already used by another row"#);

    let recording = &sample_rows()[3].1;
    let same_path = with(recording, "id", json!("r2"));
    let message = reducer_error(write(&server, "recording_insert", &json!([same_path])));
    assert_eq!(message, r#"unique_violation: recording.file_path "/rec/r1.wav" is already used by another row"#);

    let missing = with(dictionary, "id", json!("nope"));
    let message = reducer_error(write(&server, "dictionary_entry_update", &json!([missing])));
    assert_eq!(message, r#"not_found: no dictionary_entry row has id "nope""#);

    let empty_key = with(dictionary, "id", json!(""));
    let message =
        reducer_error(write(&server, "dictionary_entry_insert", &json!([with(&empty_key, "trigger", json!("x"))])));
    assert_eq!(message, "bad_input: dictionary_entry.id must not be empty");

    // Failed calls changed nothing.
    assert_eq!(rows(&server, "dictionary_entry").len(), 2);
    assert_eq!(rows(&server, "recording").len(), 1);
}

#[test]
fn deleting_a_recording_deletes_its_transcriptions_and_references_are_checked() {
    let server = published();
    let samples = sample_rows();
    let (recording, transcription) = (&samples[3].1, &samples[4].1);
    write(&server, "recording_insert", &json!([recording])).unwrap();
    write(&server, "transcription_insert", &json!([transcription])).unwrap();
    write(&server, "transcription_insert", &json!([with(transcription, "id", json!("t2"))])).unwrap();
    let other_recording = with(&with(recording, "id", json!("r2")), "file_path", json!("/rec/r2.wav"));
    write(&server, "recording_insert", &json!([other_recording])).unwrap();
    let kept = with(&with(transcription, "id", json!("t3")), "recording_id", json!("r2"));
    write(&server, "transcription_insert", &json!([kept])).unwrap();

    let orphan = with(&with(transcription, "id", json!("t4")), "recording_id", json!("missing"));
    let message = reducer_error(write(&server, "transcription_insert", &json!([orphan])));
    assert_eq!(message, r#"bad_input: transcription.recording_id "missing" names no recording row"#);

    write(&server, "recording_delete", &json!(["r1", {"none": []}])).unwrap();
    let left: Vec<Value> = rows(&server, "transcription").iter().map(|r| r["id"].clone()).collect();
    assert_eq!(left, vec![json!("t3")]);
    assert_eq!(rows(&server, "recording").len(), 1);
}

#[test]
fn settings_are_one_row_seeded_with_defaults() {
    let server = published();
    let defaults = json!({"id": 0, "audio_selected_device": {"none": []}, "shortcuts_distinguish_left_right": false,
                          "shortcuts_recording_mode": {"Toggle": []}, "hotkey_recording_shortcut": "CmdOrCtrl+Shift+Space",
                          "storage_quota_mb": 1024, "row_version": 1});
    assert_eq!(rows(&server, "settings"), vec![defaults.clone()]);

    let changed = json!({"id": 5, "audio_selected_device": {"some": "USB mic"}, "shortcuts_distinguish_left_right": true,
                         "shortcuts_recording_mode": {"PushToTalk": []}, "hotkey_recording_shortcut": "F13",
                         "storage_quota_mb": 512, "row_version": 1});
    write(&server, "settings_update", &json!([changed])).unwrap();
    // Whatever key the client sends, there is one row, key 0.
    assert_eq!(rows(&server, "settings"), vec![with(&with(&changed, "id", json!(0)), "row_version", json!(2))]);

    write(&server, "settings_reset", &json!([])).unwrap();
    assert_eq!(rows(&server, "settings"), vec![with(&defaults, "row_version", json!(3))]);
}

#[test]
fn the_published_module_reports_exactly_the_schema_model() {
    let server = published();
    let json = server.api().schema_json(DB).expect("the server reports the schema");
    let deployed: SerdeWrapper<RawModuleDefV9> = serde_json::from_str(&json).expect("a RawModuleDefV9");
    let from_schema = raw_def::raw_module_def(&schema());
    assert_eq!(canonical::describe(&deployed.0), canonical::describe(&from_schema));
}

#[test]
fn data_survives_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (table, row, ..) = sample_rows().remove(0);
    {
        let server = Server::start_in(dir.path()).unwrap();
        server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
        write(&server, &format!("{table}_insert"), &json!([row])).unwrap();
        // Dropping a server on a caller's data dir stops it gracefully.
    }
    let server = Server::start_in(dir.path()).unwrap();
    // Publishing the same module again (as every start does) keeps the data.
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    assert_eq!(rows(&server, table), vec![with(&row, "row_version", json!(1))]);
}
