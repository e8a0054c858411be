//! The notes app is not heycat: nothing its user can read names the toolkit under it. A whole
//! run (a version 1 database migrated on start by the embedded server, writes and refusals of
//! every kind, a second start on the same data, a server that lacks the database, an offline
//! spell and the sync after it, storage, export and invitations) is recorded: every command's
//! answer and every event that crossed to the frontend, and every line the data layer logged.
//! None holds "heycat", "README" or "setup.sh".

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use heycat_harness::{wait_for, with, Proxy, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

use crate::migration::version_1_data_dir;
use crate::support::{config, connected, note, notebook, server, start, Frontend, TestApp};

/// Every line the data layer logged in this test process.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Recorder;

impl log::Log for Recorder {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        // The data layer's own lines (its crates' targets), not Tauri's or the SDK's.
        if record.target().starts_with("heycat_runtime") || record.target().starts_with("heycat_local_server") {
            LOGGED.lock().unwrap_or_else(PoisonError::into_inner).push(format!(
                "{}: {}",
                record.level(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}

/// The words no user of the notes app should read.
const TOOLKIT_WORDS: &[&str] = &["heycat", "readme", "setup.sh"];

/// Names inside payloads that are not words to the user: the toolkit's system tables, which a
/// conflict or a server's refusal may name (`heycat_conflict`), are not among them, so any
/// found is reported.
fn toolkit_words_in(what: &str, text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| TOOLKIT_WORDS.iter().any(|word| line.to_lowercase().contains(word)))
        .map(|line| format!("{what}: {line}"))
        .collect()
}

fn ipc(app: TestApp) -> Vec<String> {
    app.shutdown()
}

#[test]
fn nothing_a_whole_run_shows_or_logs_names_the_toolkit() {
    if log::set_logger(&Recorder).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
    let mut said: Vec<(String, String)> = Vec::new();

    // A version 1 database on the embedded server, migrated on start.
    let dir = version_1_data_dir();
    let app = start(config(dir.path(), ServerChoice::Local));
    let migration = app.events("migration:status");
    app.wait_connected();
    let done = migration.recv_timeout(Duration::from_secs(120)).expect("the migration reports");
    said.push(("the migration's first step".into(), done.to_string()));
    wait_for(Duration::from_secs(120), "the migration to end", || {
        app.ok("migration_status", Value::Null)["state"] == "done"
    });
    // Writes that go through, and refusals of each kind (a taken name, a missing notebook and
    // note, a row out of date, arguments of the wrong shape, an unknown enum value).
    app.ok("notebook_insert", json!({ "row": notebook("nb9", "Errands") }));
    app.ok("note_insert", json!({ "row": note("n9", "nb9", "Milk") }));
    for (command, args) in [
        ("notebook_insert", json!({ "row": notebook("nb10", "Errands") })),
        ("note_insert", json!({ "row": note("n10", "nowhere", "Lost") })),
        ("note_update", json!({ "row": note("n404", "nb9", "Gone") })),
        ("note_update", json!({ "row": with(&note("n9", "nb9", "Oat milk"), "rowVersion", json!("0")) })),
        ("note_insert", json!({ "row": "not a note" })),
        (
            "preferences_update",
            json!({ "row": with(&app.ok("preferences_get", json!({})), "noteOrder", json!("Random")) }),
        ),
    ] {
        said.push((command.into(), format!("{:?}", app.invoke(command, args))));
    }
    for (command, args) in [
        ("storage_usage", Value::Null),
        ("storage_cleanup_preview", json!({"count": 3, "table": null})),
        ("storage_export", json!({"path": null})),
        ("sync_status", Value::Null),
        ("conflict_list", Value::Null),
        ("device_invite", Value::Null),
        ("connection_status", Value::Null),
    ] {
        said.push((command.into(), format!("{:?}", app.invoke(command, args))));
    }
    // A second start on the data dir in use.
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        start(config(dir.path(), ServerChoice::Local)).shutdown()
    }));
    let refused = second.expect_err("a second start on the data dir in use is refused");
    let message = refused.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("is already open with this data"), "{message}");
    said.push(("a second start".into(), message));
    said.push(("the migrated app's IPC".into(), ipc(app).join("\n")));

    // A server without the app's database.
    let empty = Server::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&empty, dir.path());
    let app = start(config(dir.path(), ServerChoice::Remote(empty.url())));
    app.wait_status(Duration::from_secs(30), |s| s["state"] == "failed");
    said.push(("an app on a server without its database".into(), ipc(app).join("\n")));

    // Offline and back.
    let server = server();
    let proxy = Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    let app = connected(&server, dir.path(), proxy.url());
    app.ok("notebook_insert", json!({ "row": notebook("nb1", "Work") }));
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    app.ok("note_insert", json!({ "row": note("n1", "nb1", "Written offline") }));
    app.wait_status(Duration::from_secs(30), |s| s["state"] == "failed" || s["state"] == "offline");
    proxy.go_online();
    app.wait_connected();
    wait_for(Duration::from_secs(20), "the queue to drain", || app.pending() == 0);
    said.push(("an app offline and back".into(), ipc(app).join("\n")));

    said.push(("the log".into(), LOGGED.lock().unwrap_or_else(PoisonError::into_inner).join("\n")));
    assert!(said.iter().all(|(_, text)| !text.is_empty()), "every part of the run said something: {said:?}");
    let found: Vec<String> = said.iter().flat_map(|(what, text)| toolkit_words_in(what, text)).collect();
    assert!(found.is_empty(), "the notes app's user would read the toolkit's name:\n{}", found.join("\n"));
}
