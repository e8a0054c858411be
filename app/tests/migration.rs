//! A new schema version migrates the user's database by itself on start: heycat's own history
//! (version 1, before dictionary entries had `complete_match_only`) to this app's version; a
//! failed migration leaves the old data complete and a later start completes it; so does a
//! process killed in the middle, also when its journal was damaged since; a damaged backup
//! stops the recovery in words and touches nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::{config, start, with, Frontend, DB};
use heycat_harness::{module_wasm_of_version, sql_rows, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use heycat_runtime::test_hooks::TestHooks;
use serde_json::{json, Value};

fn ts(micros: i64) -> Value {
    json!({ "__timestamp_micros_since_unix_epoch__": micros })
}

/// A row of every table of schema version 1, as reducer arguments (SpacetimeDB's JSON).
fn version_1_rows() -> Vec<(&'static str, Value)> {
    vec![
        (
            "dictionary_entry",
            json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"some": "."},
            "auto_enter": true, "disable_suffix": false, "created_at": ts(1), "row_version": 0}),
        ),
        (
            "dictionary_entry",
            json!({"id": "d2", "trigger": "omw", "expansion": "on my way", "suffix": {"none": []},
            "auto_enter": false, "disable_suffix": true, "created_at": ts(2), "row_version": 0}),
        ),
        (
            "voice_command",
            json!({"id": "v1", "trigger": "open browser", "action_type": {"OpenApp": []},
            "parameters": [{"key": "app", "value": "Firefox"}], "enabled": true, "created_at": ts(3), "row_version": 0}),
        ),
        (
            "window_context",
            json!({"id": "w1", "name": "Terminal", "matcher_app_name": "kitty",
            "matcher_title_pattern": {"none": []}, "matcher_bundle_id": {"none": []}, "command_mode": {"Merge": []},
            "dictionary_mode": {"Replace": []}, "command_ids": ["v1"], "dictionary_entry_ids": ["d1"], "enabled": true,
            "priority": 1, "created_at": ts(4), "row_version": 0}),
        ),
        (
            "recording",
            json!({"id": "r1", "file_path": "/rec/r1.wav", "duration_secs": 2.5, "sample_count": 9007199254740993u64,
            "stop_reason": {"some": {"Silence": []}}, "created_at": ts(5), "active_window_app_name": {"none": []},
            "active_window_bundle_id": {"none": []}, "active_window_title": {"none": []}, "row_version": 0}),
        ),
        (
            "transcription",
            json!({"id": "t1", "recording_id": "r1", "text": "hello", "language": {"some": "en"},
            "model_version": "m", "duration_ms": 42, "created_at": ts(6), "row_version": 0}),
        ),
    ]
}

/// A data dir whose embedded server holds a version 1 database with a row in every table,
/// as a version 1 app left it (its module kept beside the data).
fn version_1_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let v1 = std::fs::read(module_wasm_of_version(1).expect("build the version 1 module")).unwrap();
    let server = heycat_harness::embedded_server(dir.path(), DB, &v1).unwrap();
    for (n, (table, row)) in version_1_rows().into_iter().enumerate() {
        server.api().call(DB, &format!("{table}_insert"), &json!([row, format!("v1-op-{n}")])).unwrap();
    }
    server
        .api()
        .call(DB, "dictionary_entry_update", &json!([with(&version_1_rows()[0].1, "row_version", json!(1)), "v1-upd"]))
        .unwrap();
    dir
}

/// Every table's row count, the dictionary entries, and the deployed schema version.
type ServerState = (Vec<(String, usize)>, Vec<Value>, String);

/// What the embedded server in `dir` holds.
fn server_state(dir: &Path) -> ServerState {
    let server = Server::start_in(&dir.join("spacetimedb")).unwrap();
    let counts =
        ["dictionary_entry", "voice_command", "window_context", "recording", "transcription", "heycat_applied_op"]
            .iter()
            .map(|t| (t.to_string(), sql_rows(&server.api(), DB, &format!("SELECT * FROM {t}")).unwrap().len()))
            .collect();
    let entries = sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry").unwrap();
    let schema = server.api().schema_json(DB).unwrap();
    let version = (1..=current())
        .map(|v| format!("heycat_schema_v{v}"))
        .find(|v| schema.contains(&format!("\"{v}\"")))
        .unwrap_or_else(|| "none".to_owned());
    (counts, entries, version)
}

/// The schema version this app is.
fn current() -> u32 {
    heycat_runtime::Schema::info(&heycat_app::data::SCHEMA).version
}

/// The version reducer's name of the version this app is.
fn current_reducer() -> String {
    format!("heycat_schema_v{}", current())
}

fn local(dir: &Path) -> DataConfig {
    config(dir, ServerChoice::Local)
}

/// The migration's events until it is done or failed.
fn migration_events(events: &Receiver<Value>) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Ok(event) = events.recv_timeout(Duration::from_secs(120)) {
        let state = event["state"].clone();
        seen.push(event);
        if state != "running" {
            break;
        }
    }
    seen
}

fn steps(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!("{}{}", e["state"].as_str().unwrap(), e["step"].as_str().map_or(String::new(), |s| format!(":{s}")))
        })
        .collect()
}

#[test]
fn a_version_1_database_is_migrated_on_start_with_every_row_and_the_new_column_defaulted() {
    let dir = version_1_data_dir();
    let (counts_before, _, version) = server_state(dir.path());
    assert_eq!(version, "heycat_schema_v1");

    let app = start(local(dir.path()));
    let events = app.events("migration:status");
    app.wait_connected();
    let seen = migration_events(&events);
    assert_eq!(
        steps(&seen),
        ["running:backup", "running:publish", "running:import", "running:verify", "done"],
        "{seen:?}"
    );
    assert_eq!((seen[4]["from"].clone(), seen[4]["to"].clone()), (json!(1), json!(current())));
    // A window that listens only now is told the same: the migration's last step.
    assert_eq!(app.ok("migration_status", json!({})), seen[4]);

    // Every row is there through the app, with the new column holding its default.
    let entries = app.ok("dictionary_entry_list", json!({}));
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    for entry in entries.as_array().unwrap() {
        assert_eq!(entry["completeMatchOnly"], false);
    }
    let d1 = app.ok("dictionary_entry_get", json!({"id": "d1"}));
    assert_eq!(
        (d1["expansion"].clone(), d1["rowVersion"].clone()),
        (json!("be right back"), json!("2")),
        "versions kept"
    );
    assert_eq!(app.ok("recording_get", json!({"id": "r1"}))["sampleCount"], "9007199254740993");
    assert_eq!(app.ok("correction_list", json!({})), json!([]), "the table version 3 added is there, empty");
    app.shutdown();

    let (counts_after, _, version) = server_state(dir.path());
    assert_eq!(version, current_reducer());
    assert_eq!(counts_after, counts_before);
    let backup = seen[4]["backup"].as_str().expect("a backup was kept");
    assert!(Path::new(backup).is_file());

    // The next start has nothing to migrate, and says so.
    let app = start(local(dir.path()));
    app.wait_connected();
    assert_eq!(app.ok("migration_status", json!({})), Value::Null);
    app.shutdown();
}

#[test]
fn a_failed_migration_leaves_the_old_version_with_all_its_data_and_a_later_start_completes_it() {
    let dir = version_1_data_dir();
    let before = server_state(dir.path());

    let app = start(DataConfig {
        test_hooks: TestHooks { migration_fail_at: Some("import".into()), ..TestHooks::default() },
        ..local(dir.path())
    });
    let events = app.events("migration:status");
    let failed = app.wait_status(Duration::from_secs(120), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "migrationFailed", "{failed}");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("the import step failed") && message.contains("back at version 1 with all its data"),
        "{message}"
    );
    let seen = migration_events(&events);
    assert_eq!(seen.last().unwrap()["state"], "failed");
    assert_eq!(seen.last().unwrap()["restored"], true);
    assert_eq!(&app.ok("migration_status", json!({})), seen.last().unwrap());
    app.shutdown();
    assert_eq!(server_state(dir.path()), before, "the old version, every row as it was");

    let app = start(local(dir.path()));
    app.wait_connected();
    assert_eq!(app.ok("migration_status", json!({}))["state"], "done");
    assert_eq!(app.ok("dictionary_entry_list", json!({})).as_array().map(Vec::len), Some(2));
    app.shutdown();
    assert_eq!(server_state(dir.path()).2, current_reducer());
}

/// A version 1 data dir whose app was killed in the middle of migrating it (after clearing the
/// old data for the new module, before importing), and the server's state before.
fn crashed_mid_migration() -> (tempfile::TempDir, ServerState) {
    let dir = version_1_data_dir();
    let before = server_state(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_heycat-headless"))
        .env(heycat_runtime::env::DATA_DIR, dir.path())
        .env(heycat_runtime::env::MODULE_WASM, heycat_harness::module_wasm().unwrap())
        .env(heycat_runtime::env::MIGRATION_HOLD_AT, "import")
        .stdin(std::process::Stdio::piped()) // kept open: it runs until it is killed
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its status lines, until the migration says it is at its import step (where it holds).
    let (lines, at_import) = (BufReader::new(child.stdout.take().unwrap()), std::sync::mpsc::channel());
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            let line: Value = serde_json::from_str(&line).unwrap_or_default();
            if line["migration"]["state"] == "running" && line["migration"]["step"] == "import" {
                let _ = at_import.0.send(());
            }
        }
    });
    if at_import.1.recv_timeout(Duration::from_secs(120)).is_err() {
        child.kill().unwrap();
        panic!("the migration never reached its import step");
    }
    child.kill().unwrap(); // SIGKILL, as the system ends a process that crashed or hung
    assert!(!child.wait().unwrap().success());
    // Its embedded server dies with it, a moment later.
    heycat_harness::wait_for(Duration::from_secs(20), "the embedded server to end with its app", || {
        heycat_harness::embedded_server_pids(dir.path()).is_empty()
    });
    (dir, before)
}

fn journal(dir: &Path) -> std::path::PathBuf {
    dir.join("backups/migration-journal.json")
}

/// The migration's backup in `dir`.
fn backup_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().unwrap().to_string_lossy().starts_with(&format!("heycat-v1-to-v{}", current()))
        })
        .expect("the backup")
}

/// A copy of the data dir `from` (its server stopped), to damage one way of several.
fn copy_of(from: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp").arg("-a").arg(format!("{}/.", from.display())).arg(copy.path()).status();
    assert!(status.unwrap().success());
    copy
}

/// What a damaged file becomes: cut short, garbage, empty, or a well-formed file of another
/// version of the app.
fn damaged_ways(good: &[u8], other_version: &[u8]) -> [(&'static str, Vec<u8>); 4] {
    [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("garbage", b"\x00\xffnot what heycat wrote\x13".to_vec()),
        ("empty", Vec::new()),
        ("of another version", other_version.to_vec()),
    ]
}

#[test]
fn a_process_killed_mid_migration_loses_nothing_and_the_next_start_completes_it() {
    let (dir, before) = crashed_mid_migration();
    // It died after clearing the old data for the new module: the journal and its complete
    // backup are what carries the data now.
    assert!(journal(dir.path()).is_file());
    let backup: Value = serde_json::from_slice(&std::fs::read(backup_file(dir.path())).unwrap()).unwrap();
    for (table, count) in &before.0 {
        assert_eq!(backup["counts"][table], json!(count), "the backup holds every row of {table}");
    }

    let app = start(local(dir.path()));
    app.wait_connected();
    assert_eq!(app.ok("dictionary_entry_list", json!({})).as_array().map(Vec::len), Some(2));
    app.shutdown();
    let after = server_state(dir.path());
    assert_eq!((after.0, after.2), (before.0, current_reducer()));
    assert!(!journal(dir.path()).exists());
}

#[test]
fn a_damaged_migration_journal_is_set_aside_and_the_interrupted_migration_still_completes() {
    let (crashed, before) = crashed_mid_migration();
    let good = std::fs::read(journal(crashed.path())).unwrap();
    for (how, bytes) in damaged_ways(&good, br#"{"format": 2, "steps": []}"#) {
        let dir = copy_of(crashed.path());
        std::fs::write(journal(dir.path()), bytes).unwrap();
        let app = start(local(dir.path()));
        app.wait_connected();
        let listed = app.ok("dictionary_entry_list", json!({}));
        assert_eq!(listed.as_array().map(Vec::len), Some(2), "journal {how}");
        app.shutdown();
        let after = server_state(dir.path());
        assert_eq!((after.0, after.2), (before.0.clone(), current_reducer()), "journal {how}");
        let kept: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("migration-journal.damaged-"))
            .collect();
        assert_eq!(kept.len(), 1, "the damaged journal ({how}) is kept for inspection");
    }
}

#[test]
fn a_damaged_backup_stops_the_recovery_in_words_and_leaves_every_file_as_it_is() {
    let (crashed, _) = crashed_mid_migration();
    let good = std::fs::read(backup_file(crashed.path())).unwrap();
    let mut other_version: Value = serde_json::from_slice(&good).unwrap();
    other_version["version"] = json!(99);
    let other_version = serde_json::to_vec(&other_version).unwrap();
    for (how, bytes) in damaged_ways(&good, &other_version) {
        let dir = copy_of(crashed.path());
        std::fs::write(backup_file(dir.path()), &bytes).unwrap();
        let app = start(local(dir.path()));
        let failed = app.wait_status(Duration::from_secs(120), |s| s["state"] == "failed");
        assert_eq!(failed["kind"], "migrationFailed", "backup {how}: {failed}");
        let message = failed["message"].as_str().unwrap();
        assert!(message.contains("an interrupted migration cannot be undone"), "backup {how}: {message}");
        let why = if how == "of another version" { "holds version 99, not 1" } else { "heycat-v1-to-v" };
        assert!(message.contains(why), "backup {how}: {message}");
        assert_eq!(app.ok("dictionary_entry_list", json!({})), json!([]), "the app still answers");
        app.shutdown();
        assert_eq!(std::fs::read(backup_file(dir.path())).unwrap(), bytes, "the backup ({how}) is left as it is");
        assert!(journal(dir.path()).is_file(), "and so is the journal");
    }
}
