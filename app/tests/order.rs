//! Lists keep one order: every `<table>_list` answers in the primary key's order, online (where
//! the SDK's client cache iterates its rows in hash order) and offline alike, with the rows
//! queued writes leave in their place, not appended. Against a real server, through the
//! commands as the frontend calls them.

mod common;

use std::time::Duration;

use common::{config, entry, start, Frontend, Proxy};
use heycat_harness::{module_wasm, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

/// The ids of the dictionary entries `app` lists, in the order listed.
fn listed(app: &impl Frontend) -> Vec<String> {
    let rows = app.ok("dictionary_entry_list", json!({}));
    rows.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[test]
fn a_list_is_in_key_order_online_and_offline_whatever_order_the_rows_were_written_in() {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(common::DB, &module_wasm().expect("build the module")).expect("publish");
    let proxy = Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(proxy.url())));
    app.wait_connected();

    // Enough rows that the client cache's hash order is not the key order, written out of order.
    let mut ids: Vec<String> = (0..48).map(|i| format!("e{:02}", (i * 17) % 48)).collect();
    for id in &ids {
        app.ok("dictionary_entry_insert", json!({ "row": entry(id, &format!("t{id}"), "x") }));
    }
    let online = listed(&app);
    assert_eq!(online, sorted(&ids), "online, the list is in key order");
    assert_eq!(listed(&app), online, "and stays so");

    // Offline, with queued writes on top: a new row and an edited one stay in their places.
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    app.ok("dictionary_entry_insert", json!({ "row": entry("e20a", "tnew", "x") }));
    let edited = app.ok("dictionary_entry_get", json!({ "id": "e03" }));
    app.ok("dictionary_entry_update", json!({ "row": common::with(&edited, "expansion", json!("y")) }));
    ids.push("e20a".into());
    assert_eq!(listed(&app), sorted(&ids), "offline, the queued rows are in their places");

    // Back online: while the queue is replayed and after, the same order.
    proxy.go_online();
    app.wait_connected();
    heycat_harness::wait_for(Duration::from_secs(10), "the queue to be replayed", || app.pending() == 0);
    assert_eq!(listed(&app), sorted(&ids), "online again, the same order");
    let updated: Vec<Value> = app.ok("dictionary_entry_list", json!({})).as_array().unwrap().clone();
    assert_eq!(updated.iter().find(|r| r["id"] == "e03").unwrap()["expansion"], "y");
    app.shutdown();
}

/// The ids of the recordings `app` pages in `order`, walked two at a time from the first.
fn paged_recordings(app: &impl Frontend, order: &str, descending: bool) -> Vec<String> {
    let (mut ids, mut after) = (Vec::new(), Value::Null);
    loop {
        let args = json!({"order": order, "descending": descending, "after": after, "limit": 2});
        let page = app.ok("recording_page", args);
        let rows = page["rows"].as_array().unwrap();
        ids.extend(rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        if page["more"] == json!(false) {
            return ids;
        }
        after = rows.last().unwrap().clone();
    }
}

/// A page orders a plain enum by its variants' declaration order (what the frontend's
/// `RECORDING_ORDERS` do too, see app/ui's bindings tests), floats and timestamps as numbers,
/// none first, ties by the key.
#[test]
fn a_page_orders_enums_by_declaration_and_floats_and_timestamps_as_numbers() {
    let (_server, _dir, app) = common::connected_to_a_fresh_server();
    let recording = &common::rows()[3].1;
    let recordings = [
        ("r1", json!("DeviceError"), 2.5, "1700000000000010"),
        ("r2", Value::Null, -0.0, "999"),
        ("r3", json!("User"), 10.0, "1700000000000009"),
        ("r4", json!("Silence"), 9.5, "99"),
        ("r5", json!("Timeout"), 0.0, "1700000000000009"),
        ("r6", json!("User"), -1.5, "5"),
    ];
    for (id, reason, duration, created) in recordings {
        let row =
            [("id", json!(id)), ("filePath", json!(id)), ("stopReason", reason), ("durationSecs", json!(duration))]
                .into_iter()
                .chain([("createdAt", json!(created))])
                .fold(recording.clone(), |row, (field, value)| common::with(&row, field, value));
        app.ok("recording_insert", json!({ "row": row }));
    }
    let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    // Declared User, Timeout, Silence, DeviceError.
    assert_eq!(paged_recordings(&app, "stopReason", false), ids(&["r2", "r3", "r6", "r5", "r4", "r1"]));
    assert_eq!(paged_recordings(&app, "stopReason", true), ids(&["r1", "r4", "r5", "r6", "r3", "r2"]));
    assert_eq!(paged_recordings(&app, "durationSecs", false), ids(&["r6", "r2", "r5", "r1", "r4", "r3"]));
    assert_eq!(paged_recordings(&app, "createdAt", false), ids(&["r6", "r4", "r2", "r3", "r5", "r1"]));
    assert_eq!(paged_recordings(&app, "id", true), ids(&["r6", "r5", "r4", "r3", "r2", "r1"]));
    app.shutdown();
}
