//! The data layer on networks that fail the way real ones do: a server that stops answering
//! with its sockets open, a device that is away while others change rows.

mod common;

use std::time::{Duration, Instant};

use common::{config, device, entry, listed_entry_ids, start, Frontend, DB};
use heycat_harness::{sql_rows, wait_for, with, Proxy, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

fn on_server(server: &Server, id: &str) -> Vec<Value> {
    sql_rows(&server.api(), DB, &format!("SELECT * FROM dictionary_entry WHERE id = '{id}'")).unwrap()
}

/// The scenario that once wedged sync: the server freezes (SIGSTOP) for 40 s while a write is
/// under way. The write returns at once, queued and shown; the status says the server stopped
/// answering; a later write queues too; when the server is back, both reach it, once, in
/// order, and nothing stays pending.
#[test]
fn a_server_paused_for_40_s_mid_write_loses_nothing_and_keeps_nobody_waiting() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &heycat_harness::module_wasm().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
    app.wait_connected();
    app.ok("dictionary_entry_insert", json!({ "row": entry("d0", "ty", "thank you") }));

    server.pause();
    let paused = Instant::now();
    let written = Instant::now();
    let first = app.ok("dictionary_entry_insert", json!({ "row": entry("d1", "brb", "be right back") }));
    let first_took = written.elapsed();
    assert_eq!(first["trigger"], "brb", "the command returns the row as the app now shows it");
    let sync = app.ok("sync_status", Value::Null);
    assert_eq!(sync["pending"], 1, "queued, its outcome unknown: {sync}");
    assert_eq!(sync["pendingKeys"]["added"]["dictionary_entry"], json!(["\"d1\""]), "shown as not synced yet: {sync}");

    let status = app.wait_status(Duration::from_secs(15), |s| s["state"] != "connected");
    let noticed = paused.elapsed();
    assert!(
        status["message"].as_str().unwrap_or_default().contains("stopped answering"),
        "the status says what happened: {status}"
    );

    let written = Instant::now();
    app.ok("dictionary_entry_insert", json!({ "row": entry("d2", "np", "no problem") }));
    let second_took = written.elapsed();
    assert_eq!(app.ok("sync_status", Value::Null)["pending"], 2);
    let listed: Vec<Value> = app.ok("dictionary_entry_list", json!({})).as_array().unwrap().clone();
    assert_eq!(listed.len(), 3, "reads come from the local copy, with the queued writes: {listed:?}");

    // Until the resume the status never claims a connection, and always says why there is none
    // (reconnect attempts time out against the frozen server, and say so).
    let mut looked = 0;
    while paused.elapsed() < Duration::from_secs(40) {
        let status = app.status();
        let why = match status["state"].as_str() {
            Some("connecting") => &status["lastFailure"],
            Some("offline" | "failed") => &status["message"],
            _ => panic!("while the server is frozen the status is {status}"),
        };
        assert!(why.as_str().is_some_and(|w| !w.is_empty()), "the status says why it is not connected: {status}");
        looked += 1;
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(looked > 40, "the status was looked at through the pause ({looked} times)");
    server.resume();
    let resumed = Instant::now();
    wait_for(Duration::from_secs(30), "both writes on the server and nothing pending", || {
        on_server(&server, "d1").len() == 1
            && on_server(&server, "d2").len() == 1
            && app.ok("sync_status", Value::Null)["pending"] == 0
    });
    let synced = resumed.elapsed();
    app.wait_connected();
    for id in ["d1", "d2"] {
        let stored = on_server(&server, id);
        assert_eq!(stored[0]["row_version"], 1, "{id} applied once: {stored:?}");
    }
    let applied = sql_rows(&server.api(), DB, "SELECT * FROM heycat_applied_op").unwrap();
    assert_eq!(applied.len(), 3, "three writes, each applied once: {applied:?}");
    println!(
        "paused 40 s: a write during the pause returned in {} ms, the next in {} ms; the stall was \
         noticed after {:.1} s; everything was on the server {:.1} s after the resume",
        first_took.as_millis(),
        second_took.as_millis(),
        noticed.as_secs_f64(),
        synced.as_secs_f64()
    );
    // Generous bounds: they tell a write that waits on the network (30 s before) from one that
    // does not, without timing the machine.
    assert!(first_took < Duration::from_secs(5) && second_took < Duration::from_secs(5));
    assert!(noticed < Duration::from_secs(20), "a stall is noticed within seconds, not at TCP's pace");
    app.shutdown();
}

/// A device away (its connection cut) while another changes rows hears of each change once
/// when it is back: the rows it missed arrive as one event each, and nothing twice.
#[test]
fn changes_made_while_a_device_was_away_reach_it_once_each() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &heycat_harness::module_wasm().unwrap()).unwrap();
    let proxy = Proxy::start(server.port());
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    heycat_harness::as_user_of(&server, dirs.0.path());
    heycat_harness::as_user_of(&server, dirs.1.path());
    let here = start(config(dirs.0.path(), ServerChoice::Remote(server.url())));
    let away = device(dirs.1.path(), ServerChoice::Remote(proxy.url()));
    here.wait_connected();
    away.wait_connected();
    for (id, trigger) in [("k1", "kept"), ("u1", "updated"), ("x1", "deleted")] {
        here.ok("dictionary_entry_insert", json!({ "row": entry(id, trigger, "before") }));
    }
    wait_for(Duration::from_secs(10), "the rows on the other device", || {
        away.ok("dictionary_entry_list", json!({})).as_array().unwrap().len() == 3
    });
    let events = away.events("dictionary_entry:changed");

    proxy.go_offline();
    away.wait_status(Duration::from_secs(15), |s| s["state"] != "connected");
    while events.try_recv().is_ok() {}
    let updated = here.ok("dictionary_entry_get", json!({ "id": "u1" }));
    here.ok("dictionary_entry_update", json!({ "row": with(&updated, "expansion", json!("after")) }));
    here.ok("dictionary_entry_delete", json!({ "id": "x1" }));
    here.ok("dictionary_entry_insert", json!({ "row": entry("n1", "new", "added") }));

    proxy.go_online();
    away.wait_connected();
    let mut heard: Vec<Value> = Vec::new();
    let quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(2) {
        if let Ok(event) = events.recv_timeout(Duration::from_millis(100)) {
            heard.push(event);
        }
    }
    let summary: Vec<(String, String)> = heard
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["row"]["id"].as_str().unwrap().to_owned()))
        .collect();
    let mut sorted = summary.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [("delete".into(), "x1".into()), ("insert".into(), "n1".into()), ("update".into(), "u1".into())],
        "one event per change made while away, and nothing else: {heard:?}"
    );
    let update = heard.iter().find(|e| e["kind"] == "update").unwrap();
    assert_eq!(
        (update["oldRow"]["expansion"].clone(), update["row"]["expansion"].clone()),
        (json!("before"), json!("after"))
    );
    assert_eq!(listed_entry_ids(&away), ["k1", "n1", "u1"], "and its view is the server's");
    here.shutdown();
    away.shutdown();
}
