//! The data layer of the app against real servers: startup with the embedded server,
//! persistence across restarts, real-time events between devices, failures and reconnects.

mod common;

use std::time::{Duration, Instant};

use common::{config, device, rows, start, with, Frontend, TestApp, DB};
use heycat_harness::{module_wasm, sql_rows, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

fn op(n: u32) -> String {
    format!("seed-{n}")
}

/// Every keyed table's rows, as the commands list them, sorted by id.
fn everything(app: &TestApp) -> Vec<(String, Vec<Value>)> {
    rows()
        .into_iter()
        .map(|(table, ..)| {
            let mut listed = app.ok(&format!("{table}_list"), json!({})).as_array().cloned().unwrap();
            listed.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_owned());
            (table.to_owned(), listed)
        })
        .collect()
}

#[test]
fn with_no_server_configured_it_starts_one_publishes_and_lists_existing_data() {
    let dir = tempfile::tempdir().unwrap();
    // Data seeded before the app ever ran, in the place its embedded server keeps data.
    {
        let server = Server::start_in(&dir.path().join("spacetimedb")).unwrap();
        server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
        let seeded = json!({"id": "seed", "trigger": "ty", "expansion": "thank you", "suffix": {"none": []},
                            "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                            "created_at": {"__timestamp_micros_since_unix_epoch__": 1_700_000_000_000_000i64},
                            "row_version": 0});
        server.api().call(DB, "dictionary_entry_insert", &json!([seeded, op(1)])).unwrap();
    }
    let app = start(config(dir.path(), ServerChoice::Local));
    let status = app.wait_connected();
    assert!(status["server"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{status}");
    let listed = app.ok("dictionary_entry_list", json!({}));
    assert_eq!(listed[0]["trigger"], "ty");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    // The user's identity (the one that published the module, the app's own connection's too)
    // is kept for the next start, readable by the user only.
    let token = dir.path().join("spacetimedb/owner-token");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&token).unwrap().permissions().mode() & 0o777, 0o600);
    app.shutdown();
}

#[test]
fn writes_survive_closing_the_app_and_restarting_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(config(dir.path(), ServerChoice::Local));
    app.wait_connected();
    for (table, row, field, new_value) in rows() {
        let stored = app.ok(&format!("{table}_insert"), json!({ "row": row }));
        app.ok(&format!("{table}_update"), json!({ "row": with(&stored, field, new_value) }));
    }
    app.ok(
        "settings_update",
        json!({"row": {"audioSelectedDevice": "USB mic", "shortcutsDistinguishLeftRight": true,
                                              "shortcutsRecordingMode": "PushToTalk", "hotkeyRecordingShortcut": "F13",
                                              "storageQuotaMb": 1024, "rowVersion": "1"}}),
    );
    let before = everything(&app);
    let settings_before = app.ok("settings_get", json!({}));
    let token_before = std::fs::read_to_string(dir.path().join("spacetimedb/owner-token")).unwrap();
    app.shutdown();

    let app = start(config(dir.path(), ServerChoice::Local));
    app.wait_connected();
    assert_eq!(everything(&app), before, "every row is back, unchanged");
    assert_eq!(app.ok("settings_get", json!({})), settings_before);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("spacetimedb/owner-token")).unwrap(),
        token_before,
        "same identity"
    );
    app.shutdown();
}

/// Waits for the next event on `events`, at most `within`.
fn next_event(events: &std::sync::mpsc::Receiver<Value>, within: Duration) -> Value {
    let started = Instant::now();
    let event = events.recv_timeout(within).unwrap_or_else(|_| panic!("no event within {within:?}"));
    assert!(started.elapsed() < within);
    event
}

#[test]
fn a_write_on_one_device_reaches_the_other_as_an_event_within_a_second() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    heycat_harness::as_user_of(&server, dir_a.path());
    heycat_harness::as_user_of(&server, dir_b.path());
    let a = start(config(dir_a.path(), ServerChoice::Remote(server.url())));
    let b = device(dir_b.path(), ServerChoice::Remote(server.url()));
    a.wait_connected();
    b.wait_connected();
    let on_b = b.events("dictionary_entry:changed");
    let second = Duration::from_secs(1);

    let (_, entry, ..) = rows().remove(0);
    let stored = a.ok("dictionary_entry_insert", json!({ "row": entry }));
    let event = next_event(&on_b, second);
    assert_eq!(event, json!({"kind": "insert", "row": stored}));

    let changed = a.ok("dictionary_entry_update", json!({ "row": with(&stored, "expansion", json!("brb!")) }));
    let event = next_event(&on_b, second);
    assert_eq!(event, json!({"kind": "update", "oldRow": stored, "row": changed}));

    a.ok("dictionary_entry_delete", json!({ "id": "d1" }));
    let event = next_event(&on_b, second);
    assert_eq!(event, json!({"kind": "delete", "row": changed}));

    // A change made on the server itself (not through any app) arrives too.
    let from_server = json!({"id": "srv", "trigger": "gm", "expansion": "good morning", "suffix": {"none": []},
                             "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                             "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0});
    server.api().call(DB, "dictionary_entry_insert", &json!([from_server, op(2)])).unwrap();
    assert_eq!(next_event(&on_b, second)["row"]["trigger"], "gm");
    assert_eq!(b.ok("dictionary_entry_get", json!({"id": "srv"}))["expansion"], "good morning");
}

#[test]
fn an_unreachable_server_fails_readably_then_retry_connects_and_a_lost_server_is_reconnected() {
    let server_dir = tempfile::tempdir().unwrap();
    let port = {
        // A port nothing listens on yet; the server comes up there later.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let app = start(config(dir.path(), ServerChoice::Remote(url.clone())));
    let statuses = app.events("connection:status");
    let failed = app.wait_status(Duration::from_secs(20), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "serverUnreachable", "{failed}");
    assert_eq!(failed["message"], format!("cannot reach {url}: nothing answers there"), "{failed}");
    assert!(failed["detail"].as_str().unwrap().contains("Connection refused"), "the technical account: {failed}");
    // Offline, reads come from the local copy (empty: this app never saw the server).
    assert_eq!(app.ok("dictionary_entry_list", json!({})), json!([]));

    let mut server = Server::start_on(server_dir.path(), port).unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let (_, entry, ..) = rows().remove(0);
    let seeded = json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"none": []},
                        "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                        "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0});
    server.api().call(DB, "dictionary_entry_insert", &json!([seeded, op(3)])).unwrap();
    app.ok("connection_retry", Value::Null);
    app.wait_status(Duration::from_secs(5), |s| s["state"] == "connected");
    assert_eq!(app.ok("dictionary_entry_list", json!({}))[0]["id"], entry["id"]);
    // Every change was emitted as an event, ending connected.
    let seen: Vec<Value> = statuses.try_iter().collect();
    assert!(seen.iter().any(|s| s["state"] == "failed"), "{seen:?}");
    assert_eq!(seen.last().unwrap()["state"], "connected", "{seen:?}");

    // Past the server's 500 ms commitlog sync: what was written is on disk when it is killed.
    std::thread::sleep(Duration::from_millis(700));
    server.kill();
    let offline = app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    assert!(matches!(offline["state"].as_str(), Some("offline" | "connecting" | "failed")), "{offline}");
    let server = Server::start_on(server_dir.path(), port).unwrap();
    // No retry command: the backend reconnects by itself.
    app.wait_status(Duration::from_secs(20), |s| s["state"] == "connected");
    assert_eq!(sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry").unwrap().len(), 1);
    assert_eq!(app.ok("dictionary_entry_get", json!({"id": "d1"}))["trigger"], "brb");
}

#[test]
fn a_server_without_heycat_is_reported_as_module_missing() {
    let server = Server::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
    let failed = app.wait_status(Duration::from_secs(20), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "moduleMissing", "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("has no database named \"heycat\""), "{failed}");
}

#[test]
fn the_embedded_server_is_restarted_when_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(config(dir.path(), ServerChoice::Local));
    let first = app.wait_connected();
    let (_, entry, ..) = rows().remove(0);
    app.ok("dictionary_entry_insert", json!({ "row": entry }));
    // Past the server's 500 ms commitlog sync, so the row is on disk when the server dies.
    std::thread::sleep(Duration::from_millis(700));

    let pid = heycat_harness::embedded_server_pids(dir.path()).first().copied().expect("the embedded server runs");
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    let again = app.wait_connected();
    let new_pid =
        heycat_harness::embedded_server_pids(dir.path()).first().copied().expect("a new embedded server runs");
    assert_ne!(new_pid, pid);
    assert_eq!(again["server"], first["server"], "restarted on the same address");
    assert_eq!(app.ok("dictionary_entry_get", json!({"id": "d1"}))["trigger"], "brb");
    app.shutdown();
    assert_eq!(
        heycat_harness::embedded_server_pids(dir.path()),
        Vec::<u32>::new(),
        "closing the app stops the embedded server"
    );
}
