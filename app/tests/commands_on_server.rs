//! The generated Tauri commands, driven through Tauri's mock runtime (the same IPC path the
//! frontend's `invoke` takes), against a real spacetimedb-standalone.

mod common;

use common::{connected_to_a_fresh_server, rows, with, Frontend, DB};
use heycat_harness::sql_rows;
use serde_json::{json, Value};

#[test]
fn every_table_round_trips_through_the_commands() {
    let (_server, _dir, app) = connected_to_a_fresh_server();
    let commands: Vec<&str> = heycat_app::data::commands::COMMANDS.to_vec();
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
    let (_server, _dir, app) = connected_to_a_fresh_server();
    let defaults = json!({"audioSelectedDevice": null, "shortcutsDistinguishLeftRight": false,
                          "shortcutsRecordingMode": "Toggle", "hotkeyRecordingShortcut": "CmdOrCtrl+Shift+Space",
                          "storageQuotaMb": 1024, "rowVersion": "1"});
    assert_eq!(app.ok("settings_get", json!({})), defaults);
    let changed = json!({"audioSelectedDevice": "USB mic", "shortcutsDistinguishLeftRight": true,
                         "shortcutsRecordingMode": "PushToTalk", "hotkeyRecordingShortcut": "F13", "storageQuotaMb": 512,
                         "rowVersion": "1"});
    assert_eq!(app.ok("settings_update", json!({ "row": changed })), with(&changed, "rowVersion", json!("2")));
    assert_eq!(app.ok("settings_reset", json!({})), with(&defaults, "rowVersion", json!("3")));
}

#[test]
fn failures_cross_as_typed_errors() {
    let (_server, _dir, app) = connected_to_a_fresh_server();
    let (_, entry, ..) = rows().remove(0);
    app.ok("dictionary_entry_insert", json!({ "row": entry }));
    let duplicate = with(&entry, "id", json!("d2"));
    // The module's sentence stays the message; what it refused comes in the frontend's names.
    assert_eq!(
        app.invoke("dictionary_entry_insert", json!({ "row": duplicate })),
        Err(
            json!({"kind": "uniqueViolation", "message": "dictionary_entry.trigger \"brb\" is already used by another row",
                   "table": "dictionary_entry", "field": "trigger", "value": "brb"})
        )
    );
    assert_eq!(
        app.invoke("dictionary_entry_insert", json!({ "row": with(&entry, "trigger", json!("other")) })),
        Err(json!({"kind": "uniqueViolation", "message": "a dictionary_entry row with id \"d1\" already exists",
                   "table": "dictionary_entry", "field": "id", "value": "d1"}))
    );
    assert_eq!(
        app.invoke("dictionary_entry_update", json!({ "row": with(&entry, "id", json!("nope")) })),
        Err(
            json!({"kind": "notFound", "message": "no dictionary_entry row has id \"nope\"", "table": "dictionary_entry",
                   "field": "id", "value": "nope"})
        )
    );
    let (_, recording, ..) = rows().into_iter().find(|(t, ..)| *t == "recording").unwrap();
    let taken_path = with(&with(&recording, "id", json!("r2")), "filePath", json!("/rec/r1.wav"));
    app.ok("recording_insert", json!({ "row": recording }));
    let refused = app.invoke("recording_insert", json!({ "row": taken_path })).unwrap_err();
    assert_eq!((&refused["field"], &refused["value"]), (&json!("filePath"), &json!("/rec/r1.wav")), "{refused}");
    // An update based on a version the row has moved past is kept as a conflict.
    let stored = app.ok(
        "dictionary_entry_update",
        json!({ "row": with(&with(&entry, "expansion", json!("v2")), "rowVersion", json!("1")) }),
    );
    let stale = with(&with(&entry, "expansion", json!("mine")), "rowVersion", json!("1"));
    let conflict = app.invoke("dictionary_entry_update", json!({ "row": stale })).unwrap_err();
    assert_eq!(conflict["kind"], "conflict", "{conflict}");
    let listed = app.ok("conflict_list", json!({}));
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["table"], "dictionary_entry");
    assert_eq!(listed[0]["theirs"], stored);
    assert_eq!(listed[0]["mine"]["expansion"], "mine");
    app.ok("conflict_resolve", json!({ "id": listed[0]["id"], "resolution": {"choice": "keepTheirs"} }));
    assert_eq!(app.ok("conflict_list", json!({})), json!([]));
    assert_eq!(app.ok("dictionary_entry_get", json!({ "id": "d1" })), stored);
    // A malformed argument is refused by the command layer before any reducer runs, typed.
    let bad = app.invoke("recording_insert", json!({ "row": {"id": "r9"} })).unwrap_err();
    assert_eq!(bad["kind"], "badInput", "{bad}");
    assert!(
        bad["message"].as_str().unwrap().contains("`row` of recording_insert is not a `recording` row: missing field"),
        "{bad}"
    );
}

/// Every command (the schema's and the runtime's) that takes arguments answers missing and malformed ones with a
/// typed `badInput` that names the argument, as a caller other than the generated TypeScript
/// might send them; and none of them reaches the server.
#[test]
fn every_command_answers_missing_or_malformed_arguments_with_a_typed_error_naming_them() {
    let (server, _dir, app) = connected_to_a_fresh_server();
    let mut checked = 0;
    for command in heycat_app::data::commands::COMMANDS.iter().chain(heycat_runtime::command_names::ALL) {
        let Err(missing) = app.invoke(command, json!({})) else { continue };
        // Commands that take none answer anything; the others say what they need.
        assert_eq!(missing["kind"], "badInput", "{command}: {missing}");
        let message = missing["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{command} needs `")), "{command}: {message}");
        let key = message.split('`').nth(1).unwrap();
        let malformed = app.invoke(command, json!({ key: {"not": ["what", "it", "takes"]} })).unwrap_err();
        assert_eq!(malformed["kind"], "badInput", "{command}: {malformed}");
        let message = malformed["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("`{key}` of {command} is not ")), "{command}: {message}");
        let not_an_object = app.invoke(command, json!([1, 2])).unwrap_err();
        assert_eq!(not_an_object["kind"], "badInput", "{command}: {not_an_object}");
        checked += 1;
    }
    assert!(checked >= 26, "{checked} commands take arguments");
    // Of all those calls only the argument-less write (settings_reset) reached the server.
    let applied = sql_rows(&server.api(), DB, "SELECT * FROM heycat_applied_op").unwrap();
    assert_eq!(applied.len(), 1, "{applied:?}");
}
