//! Two devices (each an app with its own data dir) on one server: what one writes reaches the
//! other as `<table>:changed` events, with the row as stored, without a reload.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{connected, connected_device, note, notebook, server, Frontend};
use heycat_harness::with;

fn next(events: &Receiver<Value>) -> Value {
    events.recv_timeout(Duration::from_secs(10)).expect("the other device is told of the change")
}

#[test]
fn a_change_made_on_one_device_reaches_the_other_as_a_changed_event() {
    let server = server();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = connected(&server, dirs.0.path(), server.url());
    let b = connected_device(&server, dirs.1.path(), server.url());
    let (b_notebooks, b_notes, b_preferences) =
        (b.events("notebook:changed"), b.events("note:changed"), b.events("preferences:changed"));

    let work = a.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));
    assert_eq!(next(&b_notebooks), json!({"kind": "insert", "row": work}));

    let plan = a.ok("note_insert", json!({ "row": note("n1", "nb1", "Plan") }));
    assert_eq!(next(&b_notes), json!({"kind": "insert", "row": plan}));
    let tagged = a.ok("note_update", json!({ "row": with(&plan, "tags", json!(["from A"])) }));
    assert_eq!(next(&b_notes), json!({"kind": "update", "oldRow": plan, "row": tagged}));
    assert_eq!(b.ok("note_get", json!({"id": "n1"})), tagged, "B reads what A wrote");

    let preferences = a.ok("preferences_get", json!({}));
    let dark = a.ok("preferences_update", json!({ "row": with(&preferences, "showPreviews", json!(false)) }));
    assert_eq!(next(&b_preferences)["row"], dark);

    // And the other way: B deletes, A is told.
    let a_notes = a.events("note:changed");
    b.ok("note_delete", json!({"id": "n1", "rowVersion": tagged["rowVersion"]}));
    assert_eq!(next(&a_notes), json!({"kind": "delete", "row": tagged}));
    assert_eq!(a.ok("note_list", json!({})), json!([]));
    a.shutdown();
    b.shutdown();
}
