//! Every table through its generated commands, as the frontend calls them: the preferences
//! singleton with its defaults, notebooks, notes with their colour (an enum) and tags (a list),
//! attachments; the typed errors; and a deleted notebook taking its notes and their
//! attachments with it, on the server and in the app's events.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{attachment, connected, micros, note, notebook, server, server_rows, Frontend};
use heycat_harness::with;

fn ids(rows: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn the_preferences_row_starts_with_its_defaults_and_is_updated_and_reset() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let app = connected(&server, dir.path(), server.url());

    let defaults = app.ok("preferences_get", json!({}));
    assert_eq!(
        defaults,
        json!({"defaultNotebookId": null, "noteOrder": "Updated", "showPreviews": true, "storageQuotaMb": 512,
               "rowVersion": defaults["rowVersion"]}),
        "the schema's #[default]s"
    );

    let mine = json!({"defaultNotebookId": "nb1", "noteOrder": "Title", "showPreviews": false, "storageQuotaMb": 64,
                      "rowVersion": defaults["rowVersion"]});
    let stored = app.ok("preferences_update", json!({ "row": mine }));
    assert_eq!(with(&stored, "rowVersion", Value::Null), with(&mine, "rowVersion", Value::Null));
    assert_eq!(app.ok("preferences_get", json!({})), stored);
    let on_server = server_rows(&server, "preferences");
    assert_eq!(on_server.len(), 1, "one row: {on_server:?}");
    assert_eq!(
        (&on_server[0]["note_order"], &on_server[0]["default_notebook_id"], &on_server[0]["storage_quota_mb"]),
        (&json!({"Title": []}), &json!({"some": "nb1"}), &json!(64))
    );

    // An order the schema does not have is refused before it reaches the server.
    let refused = app.err("preferences_update", json!({ "row": with(&stored, "noteOrder", json!("Random")) }));
    assert!(refused.to_string().contains("unknown variant `Random`"), "{refused}");
    assert_eq!(app.ok("preferences_get", json!({})), stored, "nothing changed");

    let reset = app.ok("preferences_reset", json!({}));
    assert_eq!(with(&reset, "rowVersion", Value::Null), with(&defaults, "rowVersion", Value::Null));
    assert_eq!(server_rows(&server, "preferences")[0]["note_order"], json!({"Updated": []}));
    app.shutdown();
}

#[test]
fn notebooks_notes_and_attachments_round_trip_and_a_deleted_notebook_takes_its_notes_and_attachments() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let app = connected(&server, dir.path(), server.url());
    let note_events = app.events("note:changed");
    let attachment_events = app.events("attachment:changed");

    // Notebooks: a name is unique.
    let work = app.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));
    assert_eq!(work, with(&notebook("nb1", "Work"), "rowVersion", json!("1")), "stored as sent, at version 1");
    app.ok("notebook_insert", json!({ "row": notebook("nb2", "Home") }));
    let taken = app.err("notebook_insert", json!({ "row": notebook("nb3", "Work") }));
    assert_eq!(taken["kind"], "uniqueViolation", "{taken}");
    let renamed = app.ok("notebook_update", json!({ "row": with(&work, "name", json!("Office")) }));
    assert_eq!((&renamed["name"], &renamed["rowVersion"]), (&json!("Office"), &json!("2")));
    assert_eq!(ids(&app.ok("notebook_list", json!({}))), ["nb1", "nb2"]);

    // Notes: a colour, tags in order, a notebook that must exist.
    let plan = json!({"id": "n1", "notebookId": "nb1", "title": "Plan", "body": "ship it", "color": "Yellow",
                      "tags": ["work", "q3"], "pinned": false, "createdAt": micros(10), "updatedAt": micros(10)});
    let plan = app.ok("note_insert", json!({ "row": plan }));
    app.ok("note_insert", json!({ "row": note("n2", "nb1", "Minutes") }));
    app.ok("note_insert", json!({ "row": note("n3", "nb2", "Groceries") }));
    let orphan = app.err("note_insert", json!({ "row": note("n4", "nowhere", "Lost") }));
    assert_eq!(orphan["kind"], "badInput", "{orphan}");
    assert!(orphan["message"].as_str().unwrap().contains("nowhere"), "{orphan}");

    let edited = with(
        &with(&with(&plan, "color", json!("Blue")), "tags", json!(["work", "q3", "urgent"])),
        "pinned",
        json!(true),
    );
    let edited = app.ok("note_update", json!({ "row": edited }));
    assert_eq!(
        (&edited["color"], &edited["tags"], &edited["pinned"]),
        (&json!("Blue"), &json!(["work", "q3", "urgent"]), &json!(true))
    );
    assert_eq!(app.ok("note_get", json!({"id": "n1"})), edited);
    assert_eq!(ids(&app.ok("note_list_by_notebook_id", json!({"notebookId": "nb1"}))), ["n1", "n2"]);
    let stored = server_rows(&server, "note").into_iter().find(|n| n["id"] == "n1").unwrap();
    assert_eq!(
        (&stored["color"], &stored["tags"], &stored["row_version"]),
        (&json!({"Blue": []}), &json!(["work", "q3", "urgent"]), &json!(2))
    );

    // Attachments: a kind, a 64-bit size, a note that must exist.
    let photo = app.ok("attachment_insert", json!({ "row": attachment("a1", "n1", 20) }));
    assert_eq!(photo["sizeBytes"], "52428800");
    app.ok("attachment_insert", json!({ "row": with(&attachment("a2", "n2", 21), "kind", json!("Pdf")) }));
    app.ok("attachment_insert", json!({ "row": with(&attachment("a3", "n3", 22), "kind", json!("Audio")) }));
    app.ok("attachment_insert", json!({ "row": attachment("a4", "n1", 23) }));
    let big = app.ok("attachment_update", json!({ "row": with(&photo, "sizeBytes", json!("18446744073709551615")) }));
    assert_eq!(big["sizeBytes"], "18446744073709551615", "u64::MAX survives the trip");
    assert_eq!(ids(&app.ok("attachment_list_by_note_id", json!({"noteId": "n1"}))), ["a1", "a4"]);
    let a2 = app.ok("attachment_get", json!({"id": "a2"}));
    app.ok("attachment_delete", json!({"id": "a2", "rowVersion": a2["rowVersion"]}));
    assert_eq!(app.ok("attachment_get", json!({"id": "a2"})), Value::Null);

    // Deleting notebook nb1 deletes notes n1 and n2, and n1's attachments a1 and a4; the app is
    // told of each row that went.
    let nb1 = app.ok("notebook_get", json!({"id": "nb1"}));
    app.ok("notebook_delete", json!({"id": "nb1", "rowVersion": nb1["rowVersion"]}));
    assert_eq!(ids(&app.ok("notebook_list", json!({}))), ["nb2"]);
    assert_eq!(ids(&app.ok("note_list", json!({}))), ["n3"]);
    assert_eq!(ids(&app.ok("attachment_list", json!({}))), ["a3"]);
    assert_eq!(ids(&Value::Array(server_rows(&server, "note"))), ["n3"]);
    assert_eq!(ids(&Value::Array(server_rows(&server, "attachment"))), ["a3"]);
    assert_eq!(deleted(&note_events, 2), ["n1", "n2"]);
    assert_eq!(deleted(&attachment_events, 3), ["a1", "a2", "a4"], "a2 deleted by itself, a1 and a4 with nb1");
    app.shutdown();
}

/// The keys of the next `n` rows deleted, as the app's `<table>:changed` events tell them, sorted.
fn deleted(events: &Receiver<Value>, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while seen.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).unwrap_or_else(|_| panic!("only {seen:?} were told deleted"));
        if event["kind"] == "delete" {
            seen.push(event["row"]["id"].as_str().unwrap().to_owned());
        }
    }
    seen.sort();
    seen
}
