//! The user's files are theirs alone: after a whole run with the embedded server (writes, an
//! offline spell with writes queued, exports, a restart without a window) every file and
//! folder in the data dir is readable by the user only, and no token the data dir keeps
//! appears in anything sent to the frontend or written to a log; a data dir an earlier version
//! left world-readable is made private on start, and its migration's backups are private too.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{config, rows, start, wait_for, with, Frontend};
use heycat_runtime::config::ServerChoice;
use heycat_runtime::test_hooks::{queued_write, Outbox, OutboxEntry};
use heycat_runtime::Write;
use serde_json::{json, Value};

/// Every file and folder under `dir` (`dir` too), with its permission bits; symbolic links
/// are left out (their own mode means nothing).
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let metadata = std::fs::symlink_metadata(dir).unwrap();
    if metadata.file_type().is_symlink() {
        return Vec::new();
    }
    let mut all = vec![(dir.to_owned(), metadata.permissions().mode() & 0o7777)];
    if metadata.is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            all.extend(modes(&entry.unwrap().path()));
        }
    }
    all
}

/// What under `dir` the group or others may read, write or enter, as `path (mode)`.
fn readable_by_others(dir: &Path) -> Vec<String> {
    modes(dir)
        .into_iter()
        .filter(|(_, mode)| mode & 0o077 != 0)
        .map(|(path, mode)| format!("{} ({mode:o})", path.strip_prefix(dir).unwrap().display()))
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The secrets of every token file in `dir`: each token whole, and its JWT signature alone
/// (the part that makes it a credential), as `(file, secret)`.
fn token_secrets(dir: &Path) -> Vec<(String, String)> {
    let mut secrets = Vec::new();
    for (path, _) in modes(dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !path.is_file() || !name.contains("token") {
            continue;
        }
        let token = std::fs::read_to_string(&path).unwrap().trim().to_owned();
        let signature = token.rsplit('.').next().unwrap_or_default().to_owned();
        assert!(signature.len() >= 16, "{name} holds a JWT: {token}");
        secrets.push((name.clone(), token));
        secrets.push((format!("{name}'s signature"), signature));
    }
    secrets
}

/// Panics naming each secret found in one of `places` (`(what, text)`).
fn assert_no_secret_in(secrets: &[(String, String)], places: &[(String, String)]) {
    let leaks: Vec<String> = places
        .iter()
        .flat_map(|(what, text)| {
            secrets
                .iter()
                .filter(|(_, secret)| text.contains(secret.as_str()))
                .map(move |(name, _)| format!("{name} in {what}"))
        })
        .collect();
    assert!(leaks.is_empty(), "tokens leaked: {leaks:?}");
}

fn signal(pid: u32, signal: &str) {
    assert!(Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success());
}

fn pending(app: &common::TestApp) -> u64 {
    app.ok("sync_status", Value::Null)["pending"].as_u64().unwrap()
}

/// Runs `heycat-headless` on `dir` (with its embedded server) until it is connected with
/// nothing left to sync; returns what it wrote to stdout and stderr.
fn headless_until_synced(dir: &Path) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_heycat-headless"))
        .env(heycat_runtime::env::DATA_DIR, dir)
        .env_remove(heycat_runtime::env::SERVER_URL)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start heycat-headless");
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (mut stdout, mut connected, mut synced) = (String::new(), false, false);
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let value: Value = serde_json::from_str(&line).unwrap();
        stdout.push_str(&line);
        stdout.push('\n');
        connected |= value["connection"]["state"] == "connected";
        if !synced && connected && value["sync"]["pending"] == 0 && value["sync"]["syncing"].is_null() {
            synced = true;
            drop(child.stdin.take()); // asks it to stop; what it prints until then is read too
        }
    }
    assert!(child.wait().unwrap().success(), "heycat-headless failed:\n{stdout}");
    assert!(synced, "heycat-headless never synced:\n{stdout}");
    (stdout, stderr.join().unwrap())
}

#[test]
fn after_a_whole_run_every_file_is_private_and_no_token_reached_the_frontend_or_a_log() {
    let root = tempfile::tempdir().unwrap();
    // A data dir the app creates itself, as on a first run.
    let dir = root.path().join("heycat");
    let app = start(config(&dir, ServerChoice::Local));
    app.wait_connected();

    // Online writes through the generated commands.
    for (table, row, field, new_value) in rows() {
        let stored = app.ok(&format!("{table}_insert"), json!({ "row": row }));
        app.ok(&format!("{table}_update"), json!({ "row": with(&stored, field, new_value) }));
    }

    // An offline spell: the embedded server stalls (stopped), writes are queued; then it is
    // killed, the runtime starts it again and replays them.
    std::thread::sleep(Duration::from_millis(700)); // past the server's commitlog sync
    let pid = heycat_harness::embedded_server_pids(&dir).first().copied().expect("the embedded server runs");
    signal(pid, "-STOP");
    app.wait_status(Duration::from_secs(20), |s| s["state"] != "connected");
    let entry = app.ok("dictionary_entry_get", json!({"id": "d1"}));
    app.ok("dictionary_entry_update", json!({ "row": with(&entry, "expansion", json!("written offline")) }));
    app.ok("dictionary_entry_insert", json!({ "row": common::entry("d2", "omw", "on my way") }));
    assert_eq!(pending(&app), 2, "queued while the server is stopped");
    signal(pid, "-KILL");
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the queued writes to be applied", || pending(&app) == 0);
    assert_eq!(app.ok("dictionary_entry_get", json!({"id": "d1"}))["expansion"], "written offline");

    // Exports: to the data dir, and over a world-readable file in a folder the user chose.
    let default_export = app.ok("storage_export", json!({}));
    let chosen = root.path().join("chosen");
    std::fs::create_dir(&chosen).unwrap();
    set_mode(&chosen, 0o755);
    let chosen_export = chosen.join("heycat-export.json");
    std::fs::write(&chosen_export, "an older export").unwrap();
    set_mode(&chosen_export, 0o644);
    let summary = app.ok("storage_export", json!({ "path": chosen_export }));
    assert_eq!(summary["rows"]["dictionary_entry"], 2);
    let ipc = app.shutdown();
    for seen in
        ["event connection:status", "event sync:status", "event dictionary_entry:changed", "command storage_export"]
    {
        assert!(ipc.iter().any(|line| line.starts_with(seen)), "the IPC log holds {seen}: {ipc:?}");
    }
    // As the run left them (the next start would fix what it did not).
    let offenders = readable_by_others(&dir);
    assert!(offenders.is_empty(), "readable by others after the run: {offenders:?}");
    assert_eq!(mode(&chosen_export), 0o600, "the export the user placed");
    assert_eq!(mode(&chosen), 0o755, "the folder the user chose keeps its permissions");

    // A restart without a window, with a write queued before it: what the runtime prints.
    let (mut outbox, _) = Outbox::open(&dir).unwrap();
    let row: heycat_app::data::schema::DictionaryEntry =
        serde_json::from_value(with(&common::entry("d3", "ty", "thank you"), "rowVersion", json!("0"))).unwrap();
    outbox
        .append(OutboxEntry {
            op_id: "queued-before-restart".into(),
            ..queued_write(&Write::Insert(row)).unwrap().unwrap()
        })
        .unwrap();
    drop(outbox);
    let (stdout, stderr) = headless_until_synced(&dir);

    let offenders = readable_by_others(&dir);
    assert!(offenders.is_empty(), "readable by others after the restart: {offenders:?}");

    let secrets = token_secrets(&dir);
    assert!(
        secrets.iter().any(|(name, _)| name == "owner-token"),
        "the embedded server's owner token is kept: {:?}",
        modes(&dir)
    );
    let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let mut places = vec![
        ("the app's commands and events".to_owned(), ipc.join("\n")),
        ("heycat-headless's stdout".to_owned(), stdout),
        ("heycat-headless's stderr".to_owned(), stderr),
        ("the export the user placed".to_owned(), read(&chosen_export)),
        ("the default export".to_owned(), read(Path::new(default_export["path"].as_str().unwrap()))),
    ];
    // The embedded server's log, and anything else the run logged.
    for (path, _) in modes(&dir) {
        if path.extension().is_some_and(|e| e == "log") && path.file_name().unwrap() != "outbox.log" {
            places.push((path.strip_prefix(&dir).unwrap().display().to_string(), read(&path)));
        }
    }
    assert!(places.iter().any(|(what, log)| what.ends_with("server.log") && !log.is_empty()));
    assert_no_secret_in(&secrets, &places);
}

/// A data dir as an earlier version left it: a version 1 database in its embedded server (its
/// module kept beside it), an export, and everything world-readable.
fn earlier_world_readable_data_dir() -> tempfile::TempDir {
    let dir = common::version_1_data_dir_with_an_entry();
    std::fs::create_dir(dir.path().join("exports")).unwrap();
    std::fs::write(dir.path().join("exports/export-1.json"), "{}").unwrap();
    for (path, _) in modes(dir.path()) {
        set_mode(&path, if path.is_dir() { 0o755 } else { 0o644 });
    }
    dir
}

#[test]
fn a_data_dir_an_earlier_version_left_world_readable_is_made_private_on_start_and_migrated_privately() {
    let dir = earlier_world_readable_data_dir();
    let before = readable_by_others(dir.path());
    for file in ["", "spacetimedb", "spacetimedb/id", "spacetimedb/owner-token", "exports/export-1.json"] {
        assert!(
            before.iter().any(|o| o.starts_with(&format!("{file} ("))),
            "{file} is world-readable to start with: {before:?}"
        );
    }

    let app = start(config(dir.path(), ServerChoice::Local));
    let migration = app.events("migration:status");
    // Starting made the data dir private, before the connection did anything with it.
    let offenders = readable_by_others(dir.path());
    assert!(offenders.is_empty(), "still readable by others after the start: {offenders:?}");

    app.wait_connected();
    let done = loop {
        let event = migration.recv_timeout(Duration::from_secs(120)).expect("the migration ends");
        if event["state"] != "running" {
            break event;
        }
    };
    assert_eq!(done["state"], "done", "{done}");
    let backup = PathBuf::from(done["backup"].as_str().expect("a backup was kept"));
    assert!(backup.starts_with(dir.path().join("backups")), "{}", backup.display());
    assert_eq!(app.ok("dictionary_entry_get", json!({"id": "d1"}))["expansion"], "be right back");
    let ipc = app.shutdown();

    let offenders = readable_by_others(dir.path());
    assert!(offenders.is_empty(), "readable by others after the migration: {offenders:?}");
    let secrets = token_secrets(dir.path());
    let server_log = std::fs::read_to_string(dir.path().join("spacetimedb/server.log")).unwrap();
    assert_no_secret_in(
        &secrets,
        &[
            ("the app's commands and events".to_owned(), ipc.join("\n")),
            ("server.log".to_owned(), server_log),
            ("the migration's backup".to_owned(), std::fs::read_to_string(&backup).unwrap()),
        ],
    );
}
