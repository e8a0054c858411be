//! One process per data dir, and a damaged cache that does not stop the app: a second process
//! on a data dir in use is refused before it touches anything (saying which process has it),
//! the lock goes with its holder however it ends, and a snapshot that cannot be read is set
//! aside and filled again from the server.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use heycat_harness::{module_wasm, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

/// `heycat-headless` on `dir` with its embedded server; returns it once it said it connected
/// (what it prints after that is read and dropped, so it never blocks on a full pipe).
fn headless_connected(dir: &Path) -> Child {
    let mut child = headless(dir).spawn().expect("start heycat-headless");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (connected_tx, connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if serde_json::from_str::<Value>(&line).is_ok_and(|line| line["connection"]["state"] == "connected") {
                let _ = connected_tx.send(());
            }
        }
    });
    if connected.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("heycat-headless did not connect");
    }
    child
}

fn headless(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_heycat-headless"));
    command
        .env(heycat_runtime::env::DATA_DIR, dir)
        .env_remove(heycat_runtime::env::SERVER_URL)
        .env(heycat_runtime::env::MODULE_WASM, module_wasm().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn a_second_process_on_a_data_dir_in_use_is_refused_and_the_lock_goes_with_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = headless_connected(dir.path());
    let outbox = dir.path().join("outbox.log");
    let before = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());

    let second = headless(dir.path()).output().expect("run a second heycat-headless");
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("heycat is already open with this data (process {} uses", first.id())),
        "the second names the holder: {said}"
    );
    assert!(!said.contains("backtrace") && !said.contains("anyhow"), "{said}");
    let after = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());
    assert_eq!(after, before, "the second did not touch the outbox");
    assert_eq!(heycat_harness::embedded_server_pids(dir.path()).len(), 1, "nor start a server of its own");

    // However the holder ends, the data dir is free again.
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let mut third = headless_connected(dir.path());
    drop(third.stdin.take());
    third.wait().unwrap();
}

#[test]
fn a_damaged_snapshot_is_set_aside_and_the_app_starts_and_fills_it_again_from_the_server() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
    app.wait_connected();
    app.ok("dictionary_entry_insert", json!({"row": entry("d1", "brb", "be right back")}));
    app.shutdown();
    let snapshot = dir.path().join("snapshot.json");
    std::fs::write(&snapshot, r#"{"tables": {"dictionary_entry": [garbage"#).unwrap();

    let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
    let damaged = app.ok("sync_status", Value::Null)["damaged"].as_str().unwrap_or_default().to_owned();
    assert!(damaged.contains("snapshot.json") && damaged.contains("snapshot.damaged-"), "{damaged}");
    app.wait_connected();
    assert_eq!(listed_entry_ids(&app), ["d1"], "the rows are back from the server");
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("snapshot.damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "kept for inspection");
    wait_for(Duration::from_secs(40), "a good snapshot again", || {
        let text = std::fs::read_to_string(&snapshot).unwrap_or_default();
        serde_json::from_str::<Value>(&text).is_ok_and(|v| v["tables"]["dictionary_entry"].as_object().is_some())
    });
    app.shutdown();
}

#[test]
fn an_unreadable_server_json_does_not_stop_the_app_and_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("server.json"), r#"{"url": "http://10.0.0.2:3000""#).unwrap();
    let config = heycat_runtime::DataConfig::resolve(dir.path().to_owned(), DB, DB).expect("the app still starts");
    let app = start(config);
    let failed = app.wait_status(Duration::from_secs(20), |s| s["state"] == "failed");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("server.json is not valid JSON") && message.ends_with("fix the file or remove it"),
        "{message}"
    );
    // Nothing quietly went to another database: no embedded server was started for it.
    assert_eq!(heycat_harness::embedded_server_pids(dir.path()).len(), 0);
    assert_eq!(app.ok("dictionary_entry_list", json!({})), json!([]), "what the device keeps is readable");
    app.shutdown();
}

#[test]
fn a_damaged_identity_token_asks_the_device_to_join_again_in_words() {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    for (how, token) in [
        ("truncated", &server.owner_token()[..40]),
        ("garbage", "\u{fffd}not a token at all"),
        ("empty", ""),
        ("from another server", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        heycat_harness::as_user_of(&server, dir.path());
        std::fs::write(dir.path().join("identity-token"), token).unwrap();
        let app = start(config(dir.path(), ServerChoice::Remote(server.url())));
        let failed = app.wait_status(Duration::from_secs(30), |s| s["state"] == "failed");
        assert_eq!(failed["kind"], "notJoined", "identity token {how}: {failed}");
        let message = failed["message"].as_str().unwrap();
        assert!(message.contains("make an invitation code and enter it here"), "identity token {how}: {message}");
        app.shutdown();
    }
}
