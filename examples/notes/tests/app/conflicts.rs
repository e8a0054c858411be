//! Device A edits a note offline while device B edits the same note online: when A is back,
//! B's edit stands, A's write becomes a conflict listed with both versions, and each way of
//! settling it (keep mine, keep theirs, a merge) leaves the expected note on both devices.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use heycat_harness::Server;
use serde_json::{json, Value};

use crate::support::{connected, connected_device, note, notebook, server, DeviceProcess, Frontend, TestApp};
use heycat_harness::{wait_for, with, Proxy};

struct Devices {
    _server: Server,
    proxy: Proxy,
    a: TestApp,
    b: DeviceProcess,
    a_conflicts: Receiver<Value>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A behind a switchable proxy, B straight to the server; both see note n1.
fn devices() -> Devices {
    let server = server();
    let proxy = Proxy::start(server.port());
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = connected(&server, dirs.0.path(), proxy.url());
    let b = connected_device(&server, dirs.1.path(), server.url());
    let a_conflicts = a.events("conflict:changed");
    b.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));
    let n1 = b.ok("note_insert", json!({ "row": with(&note("n1", "nb1", "Plan"), "tags", json!(["plan"])) }));
    wait_for(Duration::from_secs(10), "A to see the note", || a.ok("note_get", json!({"id": "n1"})) == n1);
    Devices { _server: server, proxy, a, b, a_conflicts, _dirs: dirs }
}

/// A applies `mine` to n1 offline, B applies `theirs` online, A comes back; returns the
/// conflict A's UI is told of.
fn conflict(d: &Devices, mine: impl Fn(&Value) -> Value, theirs: impl Fn(&Value) -> Value) -> Value {
    let base = d.a.ok("note_get", json!({"id": "n1"}));
    d.proxy.go_offline();
    d.a.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    d.a.ok("note_update", json!({ "row": mine(&base) }));
    d.b.ok("note_update", json!({ "row": theirs(&base) }));
    d.proxy.go_online();
    d.a.wait_connected();
    let event = d.a_conflicts.recv_timeout(Duration::from_secs(10)).expect("A's UI is told of the conflict");
    assert_eq!(event["kind"], "insert", "{event}");
    wait_for(Duration::from_secs(10), "A's outbox to drain", || d.a.pending() == 0);
    event["row"].clone()
}

fn body(text: &'static str) -> impl Fn(&Value) -> Value {
    move |row| with(row, "body", json!(text))
}

/// Waits until both devices show `want` for n1's `field`.
fn both_show(d: &Devices, field: &str, want: Value) {
    wait_for(Duration::from_secs(10), "both devices to agree", || {
        d.a.ok("note_get", json!({"id": "n1"}))[field] == want && d.b.ok("note_get", json!({"id": "n1"}))[field] == want
    });
}

#[test]
fn an_offline_edit_of_a_note_changed_elsewhere_is_a_conflict_settled_three_ways() {
    let d = devices();

    // 1: keep mine. The conflict carries both versions of the note; B's edit was not overwritten.
    let c = conflict(&d, body("A's words"), body("B's words"));
    assert_eq!((&c["table"], &c["operation"]), (&json!("note"), &json!("update")));
    assert_eq!((&c["mine"]["body"], &c["theirs"]["body"]), (&json!("A's words"), &json!("B's words")));
    assert_eq!(d.b.ok("note_get", json!({"id": "n1"}))["body"], "B's words");
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([c]), "listed for A");
    assert_eq!(d.b.ok("conflict_list", json!({})), json!([]), "not B's conflict");
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "keepMine"}}));
    both_show(&d, "body", json!("A's words"));
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([]));
    let settled = d.a_conflicts.recv_timeout(Duration::from_secs(5)).expect("A's UI is told it is settled");
    assert_eq!(settled["kind"], "delete");

    // 2: keep theirs.
    let c = conflict(&d, body("A again"), body("B again"));
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "keepTheirs"}}));
    both_show(&d, "body", json!("B again"));
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([]));
    d.a_conflicts.recv_timeout(Duration::from_secs(5)).expect("settled");

    // 3: a merge: B's body with the tags both devices added.
    let c = conflict(
        &d,
        |row| with(row, "tags", json!(["plan", "from A"])),
        |row| with(&with(row, "tags", json!(["plan", "from B"])), "body", json!("B's final words")),
    );
    let merged = with(&c["theirs"], "tags", json!(["plan", "from A", "from B"]));
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "merge", "row": merged}}));
    both_show(&d, "tags", json!(["plan", "from A", "from B"]));
    both_show(&d, "body", json!("B's final words"));
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([]));
    d.a.shutdown();
    d.b.shutdown();
}
