//! Device A edits a row offline while device B edits it online: when A reconnects, B's change
//! stands, A's UI is told of the conflict with both versions, and each way of settling it gives
//! the expected row on both devices.

mod common;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::{config, device, rows, start, wait_for, with, DeviceProcess, Frontend, Proxy, TestApp, DB};
use heycat_harness::{module_wasm, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

struct Devices {
    _server: Server,
    proxy: Proxy,
    a: TestApp,
    /// The user's other device, in a process of its own.
    b: DeviceProcess,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    a_conflicts: Receiver<Value>,
}

/// A behind a switchable proxy, B straight to the server; both see the dictionary entry d1.
fn devices() -> Devices {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let proxy = Proxy::start(server.port());
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    heycat_harness::as_user_of(&server, dirs.0.path());
    heycat_harness::as_user_of(&server, dirs.1.path());
    let a = start(config(dirs.0.path(), ServerChoice::Remote(proxy.url())));
    let b = device(dirs.1.path(), ServerChoice::Remote(server.url()));
    a.wait_connected();
    b.wait_connected();
    let a_conflicts = a.events("conflict:changed");
    let (_, entry, ..) = rows().remove(0);
    b.ok("dictionary_entry_insert", json!({ "row": entry }));
    wait_for(Duration::from_secs(5), "A to see the row", || {
        a.ok("dictionary_entry_get", json!({"id": "d1"})) != Value::Null
    });
    Devices { _server: server, proxy, a, b, _dirs: dirs, a_conflicts }
}

/// A edits d1 offline, B edits it online, A comes back; returns the conflict A is told of.
fn conflict(d: &Devices, mine: &str, theirs: &str) -> Value {
    let base = d.a.ok("dictionary_entry_get", json!({"id": "d1"}));
    d.proxy.go_offline();
    d.a.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    d.a.ok("dictionary_entry_update", json!({ "row": with(&base, "expansion", json!(mine)) }));
    d.b.ok("dictionary_entry_update", json!({ "row": with(&base, "expansion", json!(theirs)) }));
    d.proxy.go_online();
    d.a.wait_status(Duration::from_secs(20), |s| s["state"] == "connected");
    let event = d.a_conflicts.recv_timeout(Duration::from_secs(10)).expect("A's UI is told of the conflict");
    assert_eq!(event["kind"], "insert");
    wait_for(Duration::from_secs(10), "A's outbox to drain", || d.a.ok("sync_status", Value::Null)["pending"] == 0);
    event["row"].clone()
}

fn expansion_on(app: &impl Frontend) -> Value {
    app.ok("dictionary_entry_get", json!({"id": "d1"}))["expansion"].clone()
}

/// Waits until both devices show `expansion` for d1.
fn both_show(d: &Devices, expansion: &str) {
    wait_for(Duration::from_secs(10), "both devices to agree", || {
        expansion_on(&d.a) == json!(expansion) && expansion_on(&d.b) == json!(expansion)
    });
}

#[test]
fn an_offline_edit_of_a_row_changed_elsewhere_is_a_conflict_settled_three_ways() {
    let d = devices();

    // 1: keep mine.
    let c = conflict(&d, "A's edit", "B's edit");
    assert_eq!((c["table"].clone(), c["operation"].clone()), (json!("dictionary_entry"), json!("update")));
    assert_eq!(
        (c["mine"]["expansion"].clone(), c["theirs"]["expansion"].clone()),
        (json!("A's edit"), json!("B's edit"))
    );
    assert_eq!(expansion_on(&d.b), "B's edit", "B's change is not overwritten");
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([c]), "listed for A");
    assert_eq!(d.b.ok("conflict_list", json!({})), json!([]), "not B's conflict");
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "keepMine"}}));
    both_show(&d, "A's edit");
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([]));
    assert_eq!(d.a_conflicts.recv_timeout(Duration::from_secs(5)).unwrap()["kind"], "delete", "settled");

    // 2: keep theirs.
    let c = conflict(&d, "A again", "B again");
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "keepTheirs"}}));
    both_show(&d, "B again");
    let _ = d.a_conflicts.recv_timeout(Duration::from_secs(5));

    // 3: a merge.
    let c = conflict(&d, "A third", "B third");
    let merged = with(&c["theirs"], "expansion", json!("A third + B third"));
    d.a.ok("conflict_resolve", json!({"id": c["id"], "resolution": {"choice": "merge", "row": merged}}));
    both_show(&d, "A third + B third");
    assert_eq!(d.a.ok("conflict_list", json!({})), json!([]));
}

#[test]
fn a_conflict_stays_listed_across_a_restart() {
    let d = devices();
    let c = conflict(&d, "A's edit", "B's edit");
    let dir = d._dirs.0.path().to_owned();
    let url = d.proxy.url();
    d.a.shutdown();
    let a = start(config(&dir, ServerChoice::Remote(url)));
    a.wait_connected();
    assert_eq!(a.ok("conflict_list", json!({})), json!([c]));
    a.shutdown();
}
