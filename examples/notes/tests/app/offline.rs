//! A device that loses the server keeps working: its writes are queued on disk (and survive a
//! restart), shown from its local copy, and when the server is reachable again they are
//! applied once each, in the order they were made. Another device sees them only then.

use std::time::Duration;

use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

use crate::support::{
    attachment, config, connected, connected_device, note, notebook, server, server_rows, start, Frontend, TestApp,
};
use heycat_harness::{wait_for, with, Proxy};

fn ids(rows: Value) -> Vec<String> {
    let mut ids: Vec<String> = rows.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn writes_made_offline_survive_a_restart_and_are_replayed_once_in_order_when_back_online() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = connected_device(&server, dirs.0.path(), server.url());
    let b = connected(&server, dirs.1.path(), proxy.url());
    a.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));
    a.ok("note_insert", json!({ "row": note("n1", "nb1", "Plan") }));
    let old = a.ok("note_insert", json!({ "row": note("n2", "nb1", "Old") }));
    wait_for(Duration::from_secs(10), "B to see A's notes", || b.ok("note_get", json!({"id": "n2"})) == old);
    let applied_before = server_rows(&server, "heycat_applied_op").len();

    proxy.go_offline();
    b.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");

    // Offline: five writes across tables, each answered at once from B's local copy. The
    // attachment can only be applied after the note it belongs to.
    let draft = b.ok("note_insert", json!({ "row": note("n3", "nb1", "Draft") }));
    let edited = with(&with(&draft, "title", json!("Written offline")), "tags", json!(["offline", "train"]));
    let edited = b.ok("note_update", json!({ "row": edited }));
    assert_eq!(edited["rowVersion"], "2", "shown as the server will store it");
    b.ok("attachment_insert", json!({ "row": attachment("a1", "n3", 1) }));
    b.ok("note_delete", json!({"id": "n2", "rowVersion": old["rowVersion"]}));
    let preferences = b.ok("preferences_get", json!({}));
    b.ok("preferences_update", json!({ "row": with(&preferences, "noteOrder", json!("Created")) }));
    assert_eq!(b.pending(), 5);
    let seen = offline_view(&b);
    assert_eq!(seen, (vec!["n1".to_owned(), "n3".to_owned()], edited.clone(), vec!["a1".to_owned()], json!("Created")));
    assert_eq!(ids(a.ok("note_list", json!({}))), ["n1", "n2"], "nothing reached the server yet");

    // A restart while still offline: the queue and the local view are still there.
    let b_dir = dirs.1.path();
    b.shutdown();
    let b = start(config(b_dir, ServerChoice::Remote(proxy.url())));
    assert_eq!(b.pending(), 5, "the queued writes survived the restart");
    assert_eq!(offline_view(&b), seen);

    // Back online: everything is applied by itself, once, in order.
    let a_notes = a.events("note:changed");
    proxy.go_online();
    b.wait_connected();
    wait_for(Duration::from_secs(20), "B's outbox to drain", || b.pending() == 0);
    assert_eq!(server_rows(&server, "heycat_applied_op").len(), applied_before + 5, "each write applied once");
    let notes = server_rows(&server, "note");
    let n3 = notes.iter().find(|n| n["id"] == "n3").expect("the note written offline");
    assert_eq!(
        (&n3["title"], &n3["tags"], &n3["row_version"]),
        (&json!("Written offline"), &json!(["offline", "train"]), &json!(2)),
        "inserted, then updated once"
    );
    assert!(notes.iter().all(|n| n["id"] != "n2"), "the offline delete was applied");
    assert_eq!(server_rows(&server, "attachment")[0]["note_id"], "n3");
    assert_eq!(server_rows(&server, "preferences")[0]["note_order"], json!({"Created": []}));
    assert_eq!(server_rows(&server, "heycat_conflict"), Vec::<Value>::new());
    assert_eq!(std::fs::metadata(b_dir.join("outbox.log")).unwrap().len(), 0, "the outbox is empty");

    // A is told of each change, in the order B made them, and reads what B wrote.
    let told: Vec<(Value, Value)> = (0..3)
        .map(|_| a_notes.recv_timeout(Duration::from_secs(10)).expect("A is told"))
        .map(|e| (e["kind"].clone(), e["row"]["id"].clone()))
        .collect();
    assert_eq!(told, [(json!("insert"), json!("n3")), (json!("update"), json!("n3")), (json!("delete"), json!("n2"))]);
    assert_eq!(a.ok("note_get", json!({"id": "n3"})), edited);
    a.shutdown();
    b.shutdown();
}

/// What B shows of the notes its offline writes touched.
fn offline_view(b: &TestApp) -> (Vec<String>, Value, Vec<String>, Value) {
    (
        ids(b.ok("note_list", json!({}))),
        b.ok("note_get", json!({"id": "n3"})),
        ids(b.ok("attachment_list_by_note_id", json!({"noteId": "n3"}))),
        b.ok("preferences_get", json!({}))["noteOrder"].clone(),
    )
}
