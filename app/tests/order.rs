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
