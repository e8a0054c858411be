//! Offline use: writes made without a server are kept (on disk, across restarts), shown from
//! the local copy, and applied exactly once, in order, when the server is back; a killed
//! backend loses nothing and applies nothing twice; a torn outbox keeps its complete entries.

mod common;

use std::io::{BufRead, BufReader, Seek, SeekFrom, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{config, rows, start, wait_for, with, Frontend, TestApp, DB};
use heycat_harness::{module_wasm, sql_rows, Server};
use heycat_runtime::config::ServerChoice;
use heycat_runtime::test_hooks::{queued_write, Outbox, OutboxEntry};
use heycat_runtime::Write;
use serde_json::{json, Value};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn sql(server: &Server, query: &str) -> Vec<Value> {
    sql_rows(&server.api(), DB, query).unwrap()
}

fn pending(app: &TestApp) -> u64 {
    app.ok("sync_status", Value::Null)["pending"].as_u64().unwrap()
}

#[test]
fn writes_made_offline_survive_a_restart_and_are_applied_once_in_order_when_the_server_returns() {
    let (server_dir, port) = (tempfile::tempdir().unwrap(), free_port());
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Server::start_on(server_dir.path(), port).unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(url.clone())));
    app.wait_connected();
    let samples = rows();
    let (entry, command) = (&samples[0].1, &samples[1].1);
    let entry = app.ok("dictionary_entry_insert", json!({ "row": entry }));
    let command = app.ok("voice_command_insert", json!({ "row": command }));
    server.stop();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");

    // Offline: every kind of write, across tables, each answered at once from the local copy.
    let edited = app.ok("dictionary_entry_update", json!({ "row": with(&entry, "expansion", json!("offline edit")) }));
    assert_eq!(edited["rowVersion"], "2", "shown as the server will store it");
    app.ok("voice_command_delete", json!({ "id": command["id"], "rowVersion": command["rowVersion"] }));
    let (recording, transcription) = (&samples[3].1, &samples[4].1);
    app.ok("recording_insert", json!({ "row": recording }));
    app.ok("transcription_insert", json!({ "row": transcription }));
    app.ok(
        "settings_update",
        json!({"row": {"audioSelectedDevice": "USB mic", "shortcutsDistinguishLeftRight": true,
                       "shortcutsRecordingMode": "PushToTalk", "hotkeyRecordingShortcut": "F13", "storageQuotaMb": 1024,
                       "rowVersion": "1"}}),
    );
    assert_eq!(pending(&app), 5);
    // The rows written are marked pending, each once (a second write to the entry too).
    let key = |row: &Value| row["id"].to_string();
    let pending_keys = json!({
        "dictionary_entry": [key(&entry)], "voice_command": [key(&command)], "recording": [key(recording)],
        "transcription": [key(transcription)], "settings": ["0"],
    });
    app.ok("dictionary_entry_update", json!({ "row": with(&edited, "expansion", json!("offline edit")) }));
    assert_eq!(app.ok("sync_status", Value::Null)["pendingKeys"]["added"], pending_keys);
    let offline_view = (
        app.ok("dictionary_entry_list", json!({})),
        app.ok("voice_command_list", json!({})),
        app.ok("transcription_list_by_recording_id", json!({"recordingId": "r1"})),
    );
    assert_eq!(offline_view.0[0]["expansion"], "offline edit");
    assert_eq!(offline_view.1, json!([]));
    assert_eq!(offline_view.2.as_array().map(Vec::len), Some(1));
    app.shutdown();

    // A restart while still offline: the queued writes and the local data are still there.
    let app = start(config(dir.path(), ServerChoice::Remote(url.clone())));
    app.wait_status(Duration::from_secs(20), |s| s["state"] == "failed");
    assert_eq!(pending(&app), 6);
    assert_eq!(app.ok("sync_status", Value::Null)["pendingKeys"]["added"], pending_keys, "read from the outbox");
    assert_eq!(
        (
            app.ok("dictionary_entry_list", json!({})),
            app.ok("voice_command_list", json!({})),
            app.ok("transcription_list_by_recording_id", json!({"recordingId": "r1"})),
        ),
        offline_view
    );
    assert_eq!(app.ok("settings_get", json!({}))["hotkeyRecordingShortcut"], "F13");

    // The server returns: everything is applied by itself, once, in order.
    let server = Server::start_on(server_dir.path(), port).unwrap();
    app.wait_connected();
    wait_for(Duration::from_secs(20), "the outbox to drain", || pending(&app) == 0);
    assert_eq!(app.ok("sync_status", Value::Null)["pendingKeys"]["added"], json!({}));
    let applied = sql(&server, "SELECT * FROM heycat_applied_op");
    assert_eq!(applied.len(), 2 + 6, "two online writes, six replayed ones, each once");
    let stored = sql(&server, "SELECT * FROM dictionary_entry");
    assert_eq!((stored[0]["expansion"].clone(), stored[0]["row_version"].clone()), (json!("offline edit"), json!(3)));
    assert!(sql(&server, "SELECT * FROM voice_command").is_empty());
    // The transcription could only be applied after its recording (the module checks that).
    assert_eq!(sql(&server, "SELECT * FROM transcription").len(), 1);
    assert_eq!(sql(&server, "SELECT * FROM settings")[0]["hotkey_recording_shortcut"], "F13");
    assert!(sql(&server, "SELECT * FROM heycat_conflict").is_empty());
    assert_eq!(std::fs::metadata(dir.path().join("outbox.log")).unwrap().len(), 0, "the outbox is empty");
    app.shutdown();
}

/// Queues `n` writes on one dictionary entry (an insert, then updates each based on the one
/// before) straight into the outbox of `dir`, as the app does offline.
fn queue_chain(dir: &Path, n: u64) {
    let (mut outbox, _) = Outbox::open(dir).unwrap();
    let (_, entry, ..) = rows().remove(0);
    for i in 0..n {
        let row: heycat_app::data::schema::DictionaryEntry = serde_json::from_value(with(
            &with(&entry, "expansion", json!(format!("edit {i}"))),
            "rowVersion",
            json!(i.to_string()),
        ))
        .unwrap();
        let write = if i == 0 { Write::Insert(row) } else { Write::Update(row) };
        outbox.append(OutboxEntry { op_id: format!("chain-{i}"), ..queued_write(&write).unwrap().unwrap() }).unwrap();
    }
}

fn headless(dir: &Path, url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_heycat-headless"))
        .env(heycat_runtime::env::DATA_DIR, dir)
        .env(heycat_runtime::env::SERVER_URL, url)
        .env(heycat_runtime::env::MODULE_WASM, module_wasm().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start heycat-headless")
}

#[test]
fn a_backend_killed_mid_replay_loses_nothing_and_applies_nothing_twice() {
    const N: u64 = 4000;
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    queue_chain(dir.path(), N);

    let mut child = headless(dir.path(), &server.url());
    let mut applied = 0;
    wait_for(Duration::from_secs(60), "the replay to be under way", || {
        applied = sql(&server, "SELECT * FROM heycat_applied_op").len() as u64;
        applied >= 300
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = sql(&server, "SELECT * FROM heycat_applied_op").len() as u64;
    assert!(at_kill < N, "the kill came mid-replay ({at_kill} of {N} applied)");

    let mut child = headless(dir.path(), &server.url());
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if line["sync"]["pending"] == 0 && line["sync"]["syncing"].is_null() {
            break;
        }
    }
    drop(child.stdin.take()); // asks it to stop
    child.wait().unwrap();

    assert_eq!(sql(&server, "SELECT * FROM heycat_applied_op").len() as u64, N, "every write applied once");
    let entry = &sql(&server, "SELECT * FROM dictionary_entry")[0];
    // N writes on one row, each based on the version before: a write applied twice would have
    // been recorded as a conflict, one lost would leave the version short.
    assert_eq!(entry["row_version"], json!(N));
    assert_eq!(entry["expansion"], json!(format!("edit {}", N - 1)));
    assert!(sql(&server, "SELECT * FROM heycat_conflict").is_empty());
}

#[test]
fn a_torn_outbox_is_reported_and_its_complete_entries_are_kept_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    queue_chain(dir.path(), 3);
    let log = dir.path().join("outbox.log");
    // A crash part way through the last write leaves its end as the zeros it went over.
    let end = Outbox::open(dir.path()).unwrap().0.bytes();
    let mut file = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    file.seek(SeekFrom::Start(end - 10)).unwrap();
    file.write_all(&[0; 10]).unwrap();

    let (server_dir, port) = (tempfile::tempdir().unwrap(), free_port());
    let app = start(config(dir.path(), ServerChoice::Remote(format!("http://127.0.0.1:{port}"))));
    let status = app.ok("sync_status", Value::Null);
    assert_eq!(status["pending"], 2, "{status}");
    let damaged = status["damaged"].as_str().unwrap();
    assert!(
        damaged.contains("outbox.log was damaged (a record with a wrong checksum at byte")
            && damaged.contains("its 2 intact records are kept")
            && damaged.contains("outbox.log.damaged-"),
        "{damaged}"
    );
    assert_eq!(app.ok("dictionary_entry_list", json!({}))[0]["expansion"], "edit 1", "the local copy shows them");

    let server = Server::start_on(server_dir.path(), port).unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    app.ok("connection_retry", Value::Null);
    app.wait_connected();
    wait_for(Duration::from_secs(20), "the outbox to drain", || pending(&app) == 0);
    let entry = &sql(&server, "SELECT * FROM dictionary_entry")[0];
    assert_eq!((entry["expansion"].clone(), entry["row_version"].clone()), (json!("edit 1"), json!(2)));
    app.shutdown();
}

#[test]
fn a_connection_lost_in_the_middle_of_a_pipelined_replay_loses_nothing_and_rejects_nothing() {
    const N: u64 = 6000;
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let proxy = heycat_harness::Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    // A chain on one row: a write applied out of order or twice would be a conflict, one lost
    // would leave the version short.
    queue_chain(dir.path(), N);
    let app = start(config(dir.path(), ServerChoice::Remote(proxy.url())));
    wait_for(Duration::from_secs(60), "the replay to be under way", || {
        sql(&server, "SELECT * FROM heycat_applied_op").len() >= 500
    });
    // The connection goes while windows of writes are in flight, and comes back.
    proxy.reset_connections();
    wait_for(Duration::from_secs(120), "the replay to finish", || pending(&app) == 0);
    assert_eq!(app.ok("sync_status", Value::Null)["rejected"], json!([]), "nothing was given up");
    assert_eq!(sql(&server, "SELECT * FROM heycat_applied_op").len() as u64, N, "every write applied once");
    let entry = &sql(&server, "SELECT * FROM dictionary_entry")[0];
    assert_eq!(entry["row_version"], json!(N));
    assert!(sql(&server, "SELECT * FROM heycat_conflict").is_empty());
    app.shutdown();
}

#[test]
fn a_write_the_server_refuses_on_replay_is_reported_with_what_it_refused() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let proxy = heycat_harness::Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(proxy.url())));
    app.wait_connected();
    app.ok("dictionary_entry_insert", json!({ "row": common::entry("d1", "brb", "be right back") }));
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    // Offline nothing knows the trigger is taken: the write is queued, and refused on replay.
    app.ok("dictionary_entry_insert", json!({ "row": common::entry("d2", "brb", "taken") }));
    proxy.go_online();
    wait_for(Duration::from_secs(10), "the replay", || pending(&app) == 0);
    let rejected = app.ok("sync_status", Value::Null)["rejected"].clone();
    assert_eq!(rejected.as_array().map(Vec::len), Some(1), "{rejected}");
    let refused = &rejected[0];
    assert_eq!(
        (&refused["table"], &refused["kind"], &refused["field"], &refused["value"]),
        (&json!("dictionary_entry"), &json!("uniqueViolation"), &json!("trigger"), &json!("brb")),
        "{refused}"
    );
    assert_eq!(refused["message"], "dictionary_entry.trigger \"brb\" is already used by another row");
    app.shutdown();
}
