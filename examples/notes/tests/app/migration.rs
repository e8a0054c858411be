//! A database the app left at schema version 1 is migrated to version 2 when the app starts:
//! version 2 added `note.pinned` (`#[default(false)]`) and renamed `attachment.name` to
//! `file_name` (`#[renamed_from("name")]`), which SpacetimeDB 1.2.0 cannot migrate by itself;
//! heycat carries every row across, with the new column defaulted and the renamed one filled.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use heycat_harness::{module_wasm_of_schema_version, sql_rows, Server};
use heycat_notes::{data, DATABASE};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

use crate::support::{config, schema_dir, start, Frontend};
use heycat_harness::with;

fn ts(micros: i64) -> Value {
    json!({ "__timestamp_micros_since_unix_epoch__": micros })
}

/// Rows of every table of schema version 1, as reducer arguments (SpacetimeDB's JSON).
fn version_1_rows() -> Vec<(&'static str, Value)> {
    vec![
        ("notebook", json!({"id": "nb1", "name": "Work", "created_at": ts(1), "row_version": 0})),
        ("notebook", json!({"id": "nb2", "name": "Home", "created_at": ts(2), "row_version": 0})),
        (
            "note",
            json!({"id": "n1", "notebook_id": "nb1", "title": "Plan", "body": "ship it", "color": {"Yellow": []},
                   "tags": ["work", "q3"], "created_at": ts(3), "updated_at": ts(3), "row_version": 0}),
        ),
        (
            "note",
            json!({"id": "n2", "notebook_id": "nb2", "title": "Groceries", "body": "", "color": {"Plain": []},
                   "tags": [], "created_at": ts(4), "updated_at": ts(4), "row_version": 0}),
        ),
        (
            "attachment",
            json!({"id": "a1", "note_id": "n1", "name": "roadmap.pdf", "kind": {"Pdf": []}, "path": "/f/roadmap.pdf",
                   "size_bytes": 9007199254740993u64, "created_at": ts(5), "row_version": 0}),
        ),
        (
            "attachment",
            json!({"id": "a2", "note_id": "n1", "name": "standup.ogg", "kind": {"Audio": []}, "path": "/f/standup.ogg",
                   "size_bytes": 1234, "created_at": ts(6), "row_version": 0}),
        ),
    ]
}

/// A data dir whose embedded server holds a version 1 notes database with rows in every table
/// (one note edited, the preferences changed), as a version 1 app left it (its module beside).
pub(crate) fn version_1_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let v1 =
        std::fs::read(module_wasm_of_schema_version(&schema_dir(), 1).expect("build the version 1 module")).unwrap();
    let mut server = heycat_harness::embedded_server(dir.path(), DATABASE, &v1).unwrap();
    let api = server.api();
    for (n, (table, row)) in version_1_rows().into_iter().enumerate() {
        api.call(DATABASE, &format!("{table}_insert"), &json!([row, format!("v1-op-{n}")])).unwrap();
    }
    let n1 = &version_1_rows()[2].1;
    let edited = with(&with(n1, "body", json!("ship it, then rest")), "row_version", json!(1));
    api.call(DATABASE, "note_update", &json!([edited, "v1-edit"])).unwrap();
    let preferences = sql_rows(&api, DATABASE, "SELECT * FROM preferences").unwrap().remove(0);
    let preferences = with(&with(&preferences, "storage_quota_mb", json!(64)), "note_order", json!({"Title": []}));
    api.call(DATABASE, "preferences_update", &json!([preferences, "v1-prefs"])).unwrap();
    server.stop();
    dir
}

/// What the embedded server in `dir` holds: the row count of every table, and the deployed
/// schema version.
fn server_state(dir: &Path) -> (Vec<(&'static str, usize)>, String) {
    let server = Server::start_in(&dir.join("spacetimedb")).unwrap();
    let counts = ["notebook", "note", "attachment", "preferences", "heycat_applied_op"]
        .into_iter()
        .map(|t| (t, sql_rows(&server.api(), DATABASE, &format!("SELECT * FROM {t}")).unwrap().len()))
        .collect();
    let schema = server.api().schema_json(DATABASE).unwrap();
    let version = (1..=current())
        .map(|v| format!("heycat_schema_v{v}"))
        .find(|v| schema.contains(&format!("\"{v}\"")))
        .unwrap_or_else(|| "none".to_owned());
    (counts, version)
}

/// The schema version this app is.
fn current() -> u32 {
    heycat_runtime::Schema::info(&data::SCHEMA).version
}

/// The migration's events until it is done or failed, as `state[:step]`, and the last one.
fn migration_steps(events: &Receiver<Value>) -> (Vec<String>, Value) {
    let mut steps = Vec::new();
    loop {
        let event = events.recv_timeout(Duration::from_secs(120)).expect("the migration reports its progress");
        steps.push(format!(
            "{}{}",
            event["state"].as_str().unwrap(),
            event["step"].as_str().map_or(String::new(), |s| format!(":{s}"))
        ));
        if event["state"] != "running" {
            return (steps, event);
        }
    }
}

#[test]
fn a_version_1_database_is_migrated_on_start_with_every_row_the_new_column_defaulted_and_the_renamed_one_filled() {
    let dir = version_1_data_dir();
    let (counts_before, version) = server_state(dir.path());
    assert_eq!(version, "heycat_schema_v1");
    assert_eq!(counts_before[..4], [("notebook", 2), ("note", 2), ("attachment", 2), ("preferences", 1)]);

    let app = start(config(dir.path(), ServerChoice::Local));
    let events = app.events("migration:status");
    app.wait_connected();
    let (steps, done) = migration_steps(&events);
    assert_eq!(steps, ["running:backup", "running:publish", "running:import", "running:verify", "done"]);
    assert_eq!((&done["from"], &done["to"]), (&json!(1), &json!(current())));
    assert!(Path::new(done["backup"].as_str().expect("a backup was kept")).is_file());

    // Every row is there through the app: notes with `pinned` at its default, attachments with
    // `file_name` holding what `name` held, row versions and 64-bit values kept.
    let notes = app.ok("note_list", json!({}));
    assert_eq!(notes.as_array().map(Vec::len), Some(2));
    assert!(notes.as_array().unwrap().iter().all(|n| n["pinned"] == false), "{notes}");
    let n1 = app.ok("note_get", json!({"id": "n1"}));
    assert_eq!(
        (&n1["body"], &n1["color"], &n1["tags"], &n1["rowVersion"]),
        (&json!("ship it, then rest"), &json!("Yellow"), &json!(["work", "q3"]), &json!("2"))
    );
    let a1 = app.ok("attachment_get", json!({"id": "a1"}));
    assert_eq!(
        (&a1["fileName"], &a1["kind"], &a1["sizeBytes"]),
        (&json!("roadmap.pdf"), &json!("Pdf"), &json!("9007199254740993"))
    );
    assert_eq!(app.ok("attachment_get", json!({"id": "a2"}))["fileName"], "standup.ogg");
    assert_eq!(app.ok("notebook_list", json!({})).as_array().map(Vec::len), Some(2));
    let preferences = app.ok("preferences_get", json!({}));
    assert_eq!((&preferences["storageQuotaMb"], &preferences["noteOrder"]), (&json!(64), &json!("Title")));

    // And the migrated data is usable at version 2.
    let pinned = app.ok("note_update", json!({ "row": with(&n1, "pinned", json!(true)) }));
    assert_eq!((&pinned["pinned"], &pinned["rowVersion"]), (&json!(true), &json!("3")));
    app.shutdown();

    let (counts_after, version) = server_state(dir.path());
    assert_eq!(version, format!("heycat_schema_v{}", current()));
    let applied = |counts: &[(&str, usize)]| counts[4].1;
    assert_eq!(counts_after[..4], counts_before[..4], "every row carried");
    assert_eq!(applied(&counts_after), applied(&counts_before) + 1, "the applied ops carried, plus the pin");
}
