//! An insert may leave out a column with a `#[default]`: the row gets the schema's default,
//! online and offline alike, in the answer, the local copy, the outbox and on the server. An
//! update still sends the whole row, and a column without a default is still needed.

mod support;

use std::path::Path;
use std::time::Duration;

use heycat_harness::app::Frontend;
use heycat_harness::{wait_for, Proxy};
use serde_json::{json, Value};
use support::{config, connected, server, server_rows, start};

/// `ui/samples.json`'s `preset` with every column at its default (`p2`), under `id` and `name`,
/// without its row version: what an insert of only those two gets.
fn defaults(id: &str, name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/samples.json");
    let samples: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut row = samples["preset"].as_array().unwrap().iter().find(|r| r["id"] == "p2").unwrap().clone();
    let fields = row.as_object_mut().unwrap();
    fields.remove("rowVersion");
    fields.insert("id".into(), json!(id));
    fields.insert("name".into(), json!(name));
    row
}

fn with_version(row: &Value, version: u64) -> Value {
    let mut row = row.clone();
    row["rowVersion"] = json!(version.to_string());
    row
}

/// The server's row `id` of `preset` holds every default (in SpacetimeDB's own JSON).
fn assert_defaults_on_server(server: &heycat_harness::Server, id: &str) {
    let rows = server_rows(server, "preset");
    let row = rows.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id} on the server: {rows:?}"));
    let none = json!({"none": []});
    let expected = [
        ("title", json!("untitled")),
        ("pinned", json!(true)),
        ("count", json!(7)),
        ("offset", json!(-5)),
        ("ratio", json!(2.0)),
        ("share", json!(0.5)),
        ("note", none.clone()),
        ("limit", json!({"some": 3})),
        ("twice", json!({"some": none})),
        ("level", json!({"High": []})),
        ("floor", json!({"some": {"Low": []}})),
        ("mark", json!({"Unset": []})),
        ("tags", json!([])),
    ];
    for (column, value) in expected {
        assert_eq!(row[column], value, "{id}.{column} on the server");
    }
    assert_eq!(row["big"].to_string(), u128::MAX.to_string(), "{id}.big on the server");
    assert!(matches!(&row["data"], Value::String(hex) if hex.is_empty()) || row["data"] == json!([]), "{row}");
}

#[test]
fn an_insert_without_the_defaulted_columns_stores_their_defaults() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());

    let stored = app.ok("preset_insert", json!({"row": {"id": "p1", "name": "online"}}));
    assert_eq!(stored, with_version(&defaults("p1", "online"), 1), "the answer has every default");
    assert_eq!(app.ok("preset_get", json!({"id": "p1"})), stored);
    assert_defaults_on_server(&server, "p1");

    // A value given wins over the default; `null` for an option is a value (`None`), not a
    // column left out.
    let given = app.ok("preset_insert", json!({"row": {"id": "p2", "name": "given", "title": "mine", "limit": null}}));
    assert_eq!((&given["title"], &given["limit"], &given["count"]), (&json!("mine"), &Value::Null, &json!(7)));

    // A column without a default is still needed, and says so.
    let refused = app.err("preset_insert", json!({"row": {"id": "p3"}}));
    assert_eq!(refused["kind"], "badInput", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("missing field `name`"), "{refused}");
    // An update sends the whole row: a column left out is refused, not reset to its default.
    let mut partial = stored.clone();
    partial.as_object_mut().unwrap().remove("title");
    let refused = app.err("preset_update", json!({ "row": partial }));
    assert_eq!(refused["kind"], "badInput", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("missing field `title`"), "{refused}");
    app.shutdown();
}

#[test]
fn an_insert_made_offline_without_the_defaulted_columns_is_queued_and_replayed_whole() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let (dir, app) = connected(&server, &proxy.url());
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");

    let queued = app.ok("preset_insert", json!({"row": {"id": "p1", "name": "offline"}}));
    let whole = defaults("p1", "offline");
    assert_eq!(queued.as_object().unwrap().len(), whole.as_object().unwrap().len() + 1, "{queued}");
    for (field, value) in whole.as_object().unwrap() {
        assert_eq!(&queued[field], value, "the queued row's {field}");
    }
    assert_eq!(app.pending(), 1);
    app.shutdown();

    // The outbox and the local copy kept the whole row across a restart.
    let app = start(config(dir.path(), proxy.url()));
    assert_eq!(app.pending(), 1, "the queue survived the restart");
    assert_eq!(app.ok("preset_get", json!({"id": "p1"})), queued, "the local copy has the defaults");
    proxy.go_online();
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the outbox to drain", || app.pending() == 0);
    assert_defaults_on_server(&server, "p1");
    assert_eq!(app.ok("preset_get", json!({"id": "p1"})), with_version(&whole, 1));
    app.shutdown();
}
