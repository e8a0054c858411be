//! Storage limits against a real server: the quota with its warning and refusal, freeing space
//! by deleting old recordings or raising the limit, export and re-import, and a full disk.

mod common;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::{config, rows, start, with, Frontend, TestApp, DB};
use heycat_harness::{module_wasm, sql_rows, Server, SmallDisk};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

const MB: u64 = 1024 * 1024;

/// An app connected to a fresh database on its own server.
fn app_on(server: &Server, database: &str) -> (TestApp, tempfile::TempDir) {
    server.api().publish_file(database, &module_wasm().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(server, dir.path());
    let mut config = config(dir.path(), ServerChoice::Remote(server.url()));
    config.database = database.into();
    let app = start(config);
    app.wait_connected();
    (app, dir)
}

fn number(value: &Value) -> u64 {
    value.as_u64().unwrap_or_else(|| panic!("a byte count: {value}"))
}

fn set_quota(app: &TestApp, megabytes: u32) {
    let settings = app.ok("settings_get", json!({}));
    app.ok("settings_update", json!({ "row": with(&settings, "storageQuotaMb", json!(megabytes)) }));
}

/// Recording `n` and its 50 kB transcription, oldest first by `n`.
fn recording(n: u32) -> (Value, Value) {
    let recording = json!({"id": format!("r{n:03}"), "filePath": format!("/rec/{n}.wav"), "durationSecs": 60.0,
                           "sampleCount": "960000", "stopReason": "Silence",
                           "createdAt": (1_700_000_000_000_000u64 + u64::from(n)).to_string(),
                           "activeWindowAppName": null, "activeWindowBundleId": null, "activeWindowTitle": null});
    let transcription = json!({"id": format!("t{n:03}"), "recordingId": format!("r{n:03}"),
                               "text": "dictated words ".repeat(3_400), "language": "en", "modelVersion": "parakeet-v3",
                               "durationMs": "60000", "createdAt": (1_700_000_000_000_000u64 + u64::from(n)).to_string()});
    (recording, transcription)
}

/// Writes recording `n` with its transcription; the first refusal is returned.
fn add_recording(app: &TestApp, n: u32) -> Result<(), Value> {
    let (recording, transcription) = recording(n);
    app.invoke("recording_insert", json!({ "row": recording }))?;
    app.invoke("transcription_insert", json!({ "row": transcription }))?;
    Ok(())
}

fn warnings(events: &Receiver<Value>) -> Vec<Value> {
    events.try_iter().collect()
}

#[test]
fn a_small_quota_warns_at_90_percent_refuses_past_it_and_freeing_space_lets_writes_through() {
    let server = Server::start().unwrap();
    let (app, _dir) = app_on(&server, DB);
    let warned = app.events("storage:warning");
    set_quota(&app, 1);

    // Up to the threshold: writes go through and nothing is said.
    let mut n = 0;
    let refused = loop {
        let usage = app.ok("storage_usage", Value::Null);
        if number(&usage["usedBytes"]) >= MB * 9 / 10 {
            break None;
        }
        assert_eq!(usage["level"], "ok", "{usage}");
        if let Err(e) = add_recording(&app, n) {
            break Some(e);
        }
        n += 1;
    };
    assert!(refused.is_none(), "refused below the threshold: {refused:?}");
    assert!(n > 10, "a 1 MB quota holds more than ten 50 kB transcriptions before warning, got {n}");

    // The warning fired once, as the threshold was reached, with the figures.
    std::thread::sleep(Duration::from_millis(200));
    let fired = warnings(&warned);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0]["level"], "warning");
    assert!(number(&fired[0]["usedBytes"]) >= MB * 9 / 10 && number(&fired[0]["quotaBytes"]) == MB, "{}", fired[0]);
    let transcriptions = fired[0]["tables"].as_array().unwrap().iter().find(|t| t["table"] == "transcription").unwrap();
    assert_eq!(transcriptions["rows"], json!(n));

    // Past the quota: the typed error, and nothing of the refused write anywhere.
    let refused = loop {
        if let Err(e) = add_recording(&app, n) {
            break e;
        }
        n += 1;
        assert!(n < 100, "never refused");
    };
    assert_eq!(refused["kind"], "storageFull", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("storage limit of 1 MB"), "{refused}");
    let refused_id = format!("t{n:03}");
    let stored =
        sql_rows(&server.api(), DB, &format!("SELECT * FROM transcription WHERE id = '{refused_id}'")).unwrap();
    assert_eq!(stored, Vec::<Value>::new(), "the refused write is not in the database");
    assert_eq!(app.ok("sync_status", Value::Null)["pending"], 0, "nor queued");
    assert_eq!(app.ok("storage_usage", Value::Null)["level"], "warning");
    assert_eq!(warnings(&warned), Vec::<Value>::new(), "no second warning");

    // Raising the limit lets the write through at once.
    set_quota(&app, 2);
    app.ok("transcription_insert", json!({ "row": recording(n).1 }));
    n += 1;

    // Back to 1 MB: refused again; deleting the three oldest recordings (previewed first) frees
    // what the preview said, takes their transcriptions along, and the write goes through.
    set_quota(&app, 1);
    assert_eq!(add_recording(&app, n).unwrap_err()["kind"], "storageFull");
    let before = number(&app.ok("storage_usage", Value::Null)["usedBytes"]);
    let preview = app.ok("storage_cleanup_preview", json!({"count": 3}));
    assert_eq!(preview["table"], "recording", "the schema's cleanup table: {preview}");
    let items = preview["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["row"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r000", "r001", "r002"], "oldest first");
    let keys: Vec<&Value> = items.iter().map(|i| &i["key"]).collect();
    let freed = number(&preview["freedBytes"]);
    assert!(freed > 3 * 50_000, "each recording frees its transcription too: {preview}");
    let after = app.ok("storage_cleanup", json!({ "table": "recording", "keys": keys }));
    assert_eq!(number(&after["usedBytes"]), before - freed, "the preview said what deleting frees");
    for table in ["recording", "transcription"] {
        let left =
            sql_rows(&server.api(), DB, &format!("SELECT * FROM {table} WHERE id = '{}000'", &table[..1])).unwrap();
        assert_eq!(left, Vec::<Value>::new(), "{table} r000 / t000 deleted on the server");
    }
    add_recording(&app, n).expect("space was freed");
    app.shutdown();
}

#[test]
fn an_export_reimports_into_an_empty_database_with_nothing_lost() {
    let server = Server::start().unwrap();
    let (app, dir) = app_on(&server, DB);
    for (table, row, ..) in rows() {
        app.ok(&format!("{table}_insert"), json!({ "row": row }));
    }
    set_quota(&app, 77);
    app.ok("dictionary_entry_update", json!({ "row": app.ok("dictionary_entry_get", json!({"id": "d1"})) }));

    let export = app.ok("storage_export", json!({}));
    let path = export["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with(dir.path().join("exports").to_str().unwrap()), "by default in the data dir: {path}");
    assert_eq!(export["rows"]["transcription"], 1);
    assert_eq!(export["rows"]["settings"], 1);

    // Into an empty database, through another app.
    let (copy, _copy_dir) = app_on(&server, "heycat-copy");
    let imported = copy.ok("storage_import", json!({ "path": path }));
    assert_eq!(imported["rows"], export["rows"]);
    for table in heycat_runtime::Schema::info(&heycat_app::data::SCHEMA).exported_tables {
        let query = format!("SELECT * FROM {table}");
        let (mut original, mut restored) =
            (sql_rows(&server.api(), DB, &query).unwrap(), sql_rows(&server.api(), "heycat-copy", &query).unwrap());
        original.sort_by_key(Value::to_string);
        restored.sort_by_key(Value::to_string);
        assert_eq!(restored, original, "{table}: every row, every value, row versions too");
    }
    common::wait_for(Duration::from_secs(5), "the imported rows reach the app", || {
        copy.ok("settings_get", json!({}))["storageQuotaMb"] == 77
    });
    assert_eq!(copy.ok("dictionary_entry_get", json!({"id": "d1"}))["rowVersion"], "2");

    // A database that holds rows is not overwritten.
    let again = copy.invoke("storage_import", json!({ "path": path })).unwrap_err();
    assert_eq!(again["kind"], "server", "{again}");
    assert!(again["message"].as_str().unwrap().contains("not empty"), "{again}");
    copy.shutdown();
    app.shutdown();
}

#[test]
fn a_full_disk_refuses_writes_with_the_typed_error_and_the_data_stays_readable() {
    let disk = SmallDisk::mount(160 * MB).expect("a small filesystem for the test");
    let data_dir = disk.path().join("heycat");
    let app = start(config(&data_dir, ServerChoice::Local));
    app.wait_connected();
    let samples = rows();
    app.ok("dictionary_entry_insert", json!({ "row": samples[0].1 }));

    // Fill the disk until less than heycat's reserve is left.
    let free = number(&app.ok("storage_usage", Value::Null)["diskFreeBytes"]);
    let filler = disk.path().join("filler");
    std::fs::write(&filler, vec![0u8; (free - 8 * MB) as usize]).unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // the free space the write path sees is up to 1 s old

    let refused = app.invoke("voice_command_insert", json!({ "row": samples[1].1 })).unwrap_err();
    assert_eq!(refused["kind"], "storageFull", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("disk holding this app's data is nearly full"), "{refused}");
    assert_eq!(app.ok("storage_usage", Value::Null)["level"], "full");
    // Still readable, and deleting (which frees space) still works.
    assert_eq!(app.ok("dictionary_entry_list", json!({}))[0]["trigger"], "brb");
    assert_eq!(app.ok("voice_command_list", json!({})), json!([]));
    let entry = app.ok("dictionary_entry_get", json!({"id": "d1"}));
    app.ok("dictionary_entry_delete", json!({"id": "d1", "rowVersion": entry["rowVersion"]}));
    assert_eq!(app.status()["state"], "connected");

    // With space again, writes go through.
    std::fs::remove_file(&filler).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    app.ok("voice_command_insert", json!({ "row": samples[1].1 }));
    app.shutdown();
}
