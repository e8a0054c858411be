//! The storage limit the schema declares (`preferences.storage_quota_mb`): past it, writes are
//! refused with `storageFull` before anything is stored or queued; the schema's cleanup order
//! (`attachment`, oldest `created_at` first) is what the cleanup preview proposes, and deleting
//! what it proposed frees exactly what it said, letting the refused write through.

use serde_json::{json, Value};

use crate::support::{attachment, connected, micros, note, notebook, server, server_rows, Frontend, TestApp};
use heycat_harness::with;

fn set_quota(app: &TestApp, megabytes: u32) {
    let preferences = app.ok("preferences_get", json!({}));
    app.ok("preferences_update", json!({ "row": with(&preferences, "storageQuotaMb", json!(megabytes)) }));
}

fn used_bytes(app: &TestApp) -> u64 {
    app.ok("storage_usage", Value::Null)["usedBytes"].as_u64().expect("a byte count")
}

/// Note `n` of notebook nb1 with a 50 kB body.
fn big_note(n: u32) -> Value {
    with(&note(&format!("n{n:03}"), "nb1", "Long"), "body", json!("many words ".repeat(4_600)))
}

/// Attachment `n` of note n000; a later `n` is an older attachment.
fn old_attachment(n: u32) -> Value {
    attachment(&format!("a{n:04}"), "n000", 10_000 - u64::from(n))
}

/// Checks that `refused` is the storage limit's refusal and that nothing of the write is on
/// the server or queued.
fn assert_refused(server: &heycat_harness::Server, app: &TestApp, refused: &Value, table: &str, id: &str) {
    assert_eq!(refused["kind"], "storageFull", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("storage limit of 1 MB"), "{refused}");
    assert!(server_rows(server, table).iter().all(|r| r["id"] != id), "{id} is not on the server");
    assert_eq!(app.pending(), 0, "nor queued");
    assert_eq!(app.ok(&format!("{table}_get"), json!({ "id": id })), Value::Null, "nor shown");
}

#[test]
fn writes_past_the_quota_are_refused_and_cleaning_up_the_oldest_attachments_frees_space() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let app = connected(&server, dir.path(), server.url());
    set_quota(&app, 1);
    assert_eq!(app.ok("storage_usage", Value::Null)["quotaBytes"], 1024 * 1024);
    app.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));

    // Notes of 50 kB until the limit refuses one.
    let mut n = 0;
    let refused = loop {
        match app.invoke("note_insert", json!({ "row": big_note(n) })) {
            Ok(_) => n += 1,
            Err(e) => break e,
        }
        assert!(n < 100, "a 1 MB limit never refused 50 kB notes");
    };
    assert!(n >= 15, "a 1 MB limit holds more than fifteen 50 kB notes, took {n}");
    assert_refused(&server, &app, &refused, "note", &format!("n{n:03}"));

    // Small attachments fill what is left, each created before the one inserted before it.
    let mut a = 0;
    let refused = loop {
        match app.invoke("attachment_insert", json!({ "row": old_attachment(a) })) {
            Ok(_) => a += 1,
            Err(e) => break e,
        }
        assert!(a < 1_000, "never refused");
    };
    assert!(a >= 3, "some attachments fit below the limit, took {a}");
    let refused_id = format!("a{a:04}");
    assert_refused(&server, &app, &refused, "attachment", &refused_id);
    // Deleting and changing the preferences are never refused: the ways to get out of it.
    let preferences = app.ok("preferences_get", json!({}));
    app.ok("preferences_update", json!({ "row": with(&preferences, "showPreviews", json!(false)) }));

    // The preview proposes the three oldest attachments by created_at (the last inserted).
    let before = used_bytes(&app);
    let preview = app.ok("storage_cleanup_preview", json!({"count": 3}));
    assert_eq!(preview["table"], "attachment", "the schema's cleanup table: {preview}");
    let items = preview["items"].as_array().unwrap();
    let proposed: Vec<&Value> = items.iter().map(|i| &i["row"]["id"]).collect();
    let oldest: Vec<Value> = (1..=3).map(|k| json!(format!("a{:04}", a - k))).collect();
    assert_eq!(proposed, oldest.iter().collect::<Vec<_>>(), "oldest first");
    assert_eq!(items[0]["row"]["createdAt"], micros(10_000 - u64::from(a - 1)));
    let freed = preview["freedBytes"].as_u64().unwrap();
    assert_eq!(freed, items.iter().map(|i| i["bytes"].as_u64().unwrap()).sum::<u64>());

    let keys: Vec<&Value> = items.iter().map(|i| &i["key"]).collect();
    let after = app.ok("storage_cleanup", json!({ "table": "attachment", "keys": keys }));
    assert_eq!(after["usedBytes"].as_u64().unwrap(), before - freed, "the preview said what deleting frees");
    let left: Vec<Value> = server_rows(&server, "attachment").into_iter().map(|r| r["id"].clone()).collect();
    assert_eq!(left.len() as u32, a - 3);
    assert!(oldest.iter().all(|id| !left.contains(id)), "deleted on the server");

    // The refused attachment fits now.
    app.ok("attachment_insert", json!({ "row": old_attachment(a) }));
    assert!(server_rows(&server, "attachment").iter().any(|r| r["id"] == refused_id.as_str()));
    app.shutdown();
}
