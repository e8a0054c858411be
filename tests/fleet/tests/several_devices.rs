//! Several devices of one user on one shared server, updated one at a time: the first device
//! that runs the new version migrates the shared database with every row; a device still on the
//! old version works with what it keeps, is told to update, and its queued writes cross to the
//! new version when it is updated; a device offline through all of it comes back at the new
//! version; in the end every device and the server hold the same rows. A failed migration
//! leaves the server at its version with all its data; an additive change keeps older devices
//! syncing; a device that cannot migrate says which device can.
//!
//! Each device runs in a process of its own, with its own data dir, and the version of the app
//! it has installed in a file beside that data dir (`installed-version`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use heycat_fleet::{v1, v2, v3, DATABASE};
use heycat_harness::app::{Frontend, TestApp};
use heycat_harness::device::DeviceProcess;
use heycat_harness::{sql_rows, wait_for, Proxy, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};

/// The app as the device has it installed.
fn start(config: DataConfig) -> TestApp {
    let version = std::fs::read_to_string(installed(&config.data_dir)).expect("a device has an app installed");
    match version.trim() {
        "1" => TestApp::start(&v1::SCHEMA, config, |b| b.invoke_handler(v1::handler(tauri::generate_handler![]))),
        "2" => TestApp::start(&v2::SCHEMA, config, |b| b.invoke_handler(v2::handler(tauri::generate_handler![]))),
        "3" => TestApp::start(&v3::SCHEMA, config, |b| b.invoke_handler(v3::handler(tauri::generate_handler![]))),
        other => panic!("no version {other} of the app"),
    }
}

heycat_harness::device_process!(start);

fn installed(data_dir: &Path) -> PathBuf {
    data_dir.parent().expect("a data dir in the device's folder").join("installed-version")
}

/// A device of the user: its folder holds its data dir and the version of the app it has.
struct Device {
    root: tempfile::TempDir,
}

impl Device {
    /// A device with `version` of the app, joined to `server`'s databases as the user.
    fn new(server: &Server, version: u32) -> Device {
        let device = Device { root: tempfile::tempdir().unwrap() };
        heycat_harness::as_user_of(server, &device.data());
        device.install(version);
        device
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// Installs `version` of the app (the next start runs it).
    fn install(&self, version: u32) {
        std::fs::write(installed(&self.data()), version.to_string()).unwrap();
    }

    /// Starts the app on the server at `url`, in a process of its own.
    fn start(&self, url: &str) -> DeviceProcess {
        DeviceProcess::start(&self.data(), ServerChoice::Remote(url.to_owned()), DATABASE)
    }
}

/// A server holding the fleet's database published at `version`, as the user.
fn server_at(version: u32) -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    let module = match version {
        1 => heycat_runtime::Schema::info(&v1::SCHEMA).module.wasm(),
        2 => heycat_runtime::Schema::info(&v2::SCHEMA).module.wasm(),
        _ => heycat_runtime::Schema::info(&v3::SCHEMA).module.wasm(),
    };
    let module = module.unwrap_or_else(|failure| panic!("the fleet's module: {}", failure.message));
    server.api().publish(DATABASE, &module).expect("publish the fleet's module");
    server
}

/// The schema version the server's database runs.
fn server_version(server: &Server) -> u32 {
    let schema = server.api().schema_json(DATABASE).unwrap();
    (1..=3).find(|v| schema.contains(&format!("\"heycat_schema_v{v}\""))).expect("a version reducer")
}

/// The rows of `table` on the server, in the app's form as a device at `version` lists them
/// (sorted by id), so they compare with what devices list.
fn on_server(server: &Server, table: &str) -> Vec<Value> {
    let mut rows = sql_rows(&server.api(), DATABASE, &format!("SELECT * FROM \"{table}\"")).unwrap();
    rows.sort_by_key(|row| row["id"].to_string());
    rows
}

/// What `device` lists of `table`, sorted by id.
fn listed(device: &impl Frontend, table: &str) -> Vec<Value> {
    let mut rows = device.ok(&format!("{table}_list"), json!({})).as_array().unwrap().clone();
    rows.sort_by_key(|row| row["id"].to_string());
    rows
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|row| row["id"].as_str().unwrap().to_owned()).collect()
}

fn wait_listed(device: &impl Frontend, table: &str, want: &[&str]) {
    wait_for(Duration::from_secs(60), &format!("{table} to list {want:?}"), || ids(&listed(device, table)) == want);
}

fn wait_synced(device: &impl Frontend) {
    wait_for(Duration::from_secs(60), "the queued writes to sync", || device.pending() == 0);
}

/// A version 1 note.
fn note_v1(id: &str, title: &str, reads: u32) -> Value {
    json!({"id": id, "title": title, "body": format!("body of {id}"), "reads": reads})
}

/// A version 2 note.
fn note_v2(id: &str, heading: &str, reads: u64) -> Value {
    json!({"id": id, "heading": heading, "body": format!("body of {id}"), "reads": reads.to_string(), "color": "plain"})
}

fn without_versions(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut row| {
            row.as_object_mut().unwrap().remove("rowVersion");
            row
        })
        .collect()
}

#[test]
fn devices_updated_one_at_a_time_end_with_the_same_rows() {
    let server = server_at(1);
    let (a, b, c) = (Device::new(&server, 1), Device::new(&server, 1), Device::new(&server, 1));
    // C reaches the server through a proxy the test takes away: offline through all of it.
    let c_link = Proxy::start(server.port());

    // Everyone at version 1, with data in every table.
    let (app_a, app_b) = (a.start(&server.url()), b.start(&server.url()));
    let app_c = c.start(&c_link.url());
    for app in [&app_a, &app_b, &app_c] {
        app.wait_connected();
    }
    for (id, title, reads) in [("n1", "first", 1), ("n2", "second", 2), ("n3", "third", 4_000_000_000)] {
        app_a.ok("note_insert", json!({ "row": note_v1(id, title, reads) }));
    }
    app_a.ok("tag_insert", json!({"row": {"id": "t1", "noteId": "n1", "word": "work"}}));
    let prefs = app_a.ok("prefs_get", json!({}));
    app_a.ok("prefs_update", json!({ "row": heycat_harness::with(&prefs, "compact", json!(true)) }));
    wait_listed(&app_c, "note", &["n1", "n2", "n3"]);
    wait_listed(&app_b, "tag", &["t1"]);

    // C goes offline and writes: a new note, an edit, a tag.
    c_link.go_offline();
    app_c.wait_status(Duration::from_secs(30), |s| s["state"] != "connected");
    app_c.ok("note_insert", json!({ "row": note_v1("c1", "from C", 7) }));
    let n1 = listed(&app_c, "note").into_iter().find(|n| n["id"] == "n1").unwrap();
    app_c.ok("note_update", json!({ "row": heycat_harness::with(&n1, "body", json!("C's edit")) }));
    app_c.ok("tag_insert", json!({"row": {"id": "t2", "noteId": "c1", "word": "offline"}}));
    assert_eq!(app_c.pending(), 3);
    app_c.shutdown();

    // A updates to version 2 and migrates the shared database, with all its rows.
    app_a.shutdown();
    a.install(2);
    let app_a = a.start(&server.url());
    app_a.wait_connected();
    assert_eq!(server_version(&server), 2);
    assert_eq!(
        without_versions(listed(&app_a, "note")),
        vec![note_v2("n1", "first", 1), note_v2("n2", "second", 2), note_v2("n3", "third", 4_000_000_000)]
    );
    assert_eq!(ids(&listed(&app_a, "label")), ["t1"]);
    assert_eq!(app_a.ok("prefs_get", json!({}))["compact"], true);
    assert!(
        a.data().join("backups").read_dir().unwrap().count() >= 1,
        "the backup is kept on the device that migrated"
    );

    // B, still at version 1: told to update, works with what it keeps, sends nothing. (A try
    // of B's that fell in A's cleared publish found no database for a moment: not what B ends at.)
    let failed = app_b.wait_status(Duration::from_secs(60), |s| s["state"] == "failed" && s["kind"] != "moduleMissing");
    assert_eq!(failed["kind"], "appOutdated", "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("update the app"), "{failed}");
    app_b.ok("note_insert", json!({ "row": note_v1("b1", "from B", 3) }));
    let n2 = listed(&app_b, "note").into_iter().find(|n| n["id"] == "n2").unwrap();
    app_b.ok("note_update", json!({ "row": heycat_harness::with(&n2, "title", json!("second, edited on B")) }));
    assert_eq!(ids(&listed(&app_b, "note")), ["b1", "n1", "n2", "n3"]);
    assert_eq!(app_b.pending(), 2);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(ids(&on_server(&server, "note")), ["n1", "n2", "n3"], "an outdated device sends nothing");

    // B updates: its queued writes cross to version 2 and sync.
    app_b.shutdown();
    b.install(2);
    let app_b = b.start(&server.url());
    app_b.wait_connected();
    wait_synced(&app_b);

    // C comes back, updated while offline: its queue crosses too.
    c.install(2);
    c_link.go_online();
    let app_c = c.start(&c_link.url());
    app_c.wait_connected();
    wait_synced(&app_c);

    // Everyone and the server hold the same rows: nothing lost, nothing twice.
    let want = ["b1", "c1", "n1", "n2", "n3"];
    for app in [&app_a, &app_b, &app_c] {
        wait_listed(app, "note", &want);
        wait_listed(app, "label", &["t1", "t2"]);
    }
    let notes = listed(&app_a, "note");
    assert_eq!(listed(&app_b, "note"), notes);
    assert_eq!(listed(&app_c, "note"), notes);
    assert_eq!(listed(&app_b, "label"), listed(&app_a, "label"));
    assert_eq!(listed(&app_c, "label"), listed(&app_a, "label"));
    let by_id = |id: &str| notes.iter().find(|n| n["id"] == id).unwrap().clone();
    assert_eq!(by_id("n1")["body"], "C's edit");
    assert_eq!(by_id("n2")["heading"], "second, edited on B");
    assert_eq!((by_id("b1")["heading"].clone(), by_id("b1")["reads"].clone()), (json!("from B"), json!("3")));
    assert_eq!((by_id("c1")["color"].clone(), by_id("c1")["reads"].clone()), (json!("plain"), json!("7")));
    let server_notes = on_server(&server, "note");
    assert_eq!(ids(&server_notes), want);
    assert_eq!(server_notes.iter().find(|n| n["id"] == "n2").unwrap()["heading"], "second, edited on B");
    assert_eq!(ids(&on_server(&server, "label")), ["t1", "t2"]);
    for app in [&app_a, &app_b, &app_c] {
        assert_eq!(app.ok("prefs_get", json!({}))["compact"], true);
        assert_eq!(app.ok("sync_status", json!({}))["rejected"], json!([]));
    }
}

/// The app of `device`, in this process, with `edit` made to its configuration.
fn start_here(device: &Device, url: &str, edit: impl FnOnce(&mut DataConfig)) -> TestApp {
    let mut config = heycat_harness::app::config(&device.data(), ServerChoice::Remote(url.to_owned()), DATABASE);
    edit(&mut config);
    start(config)
}

#[test]
fn a_failed_shared_migration_leaves_the_server_at_its_version_with_all_its_data() {
    let server = server_at(1);
    let (a, b) = (Device::new(&server, 1), Device::new(&server, 1));
    let app_a = start_here(&a, &server.url(), |_| {});
    let app_b = b.start(&server.url());
    app_a.wait_connected();
    app_b.wait_connected();
    app_a.ok("note_insert", json!({ "row": note_v1("n1", "first", 1) }));
    app_a.ok("note_insert", json!({ "row": note_v1("n2", "second", 2) }));
    app_a.ok("tag_insert", json!({"row": {"id": "t1", "noteId": "n1", "word": "work"}}));
    wait_listed(&app_b, "note", &["n1", "n2"]);
    let before = (on_server(&server, "note"), on_server(&server, "tag"));

    // A updates; its migration fails at the import (injected).
    app_a.shutdown();
    a.install(2);
    let app_a = start_here(&a, &server.url(), |config| config.test_hooks.migration_fail_at = Some("import".into()));
    let failed = app_a.wait_status(Duration::from_secs(120), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "migrationFailed", "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("back at version 1 with all its data"), "{failed}");
    assert_eq!(server_version(&server), 1);
    assert_eq!((on_server(&server, "note"), on_server(&server, "tag")), before, "every row, as it was");

    // Every device still works: B at version 1 syncs, A at version 2 works with what it keeps
    // (its local copy crossed to version 2's shape).
    app_b.wait_connected();
    app_b.ok("note_insert", json!({ "row": note_v1("b1", "from B", 3) }));
    wait_for(Duration::from_secs(30), "B's note on the server", || {
        ids(&on_server(&server, "note")) == ["b1", "n1", "n2"]
    });
    assert_eq!(without_versions(listed(&app_a, "note")), vec![note_v2("n1", "first", 1), note_v2("n2", "second", 2)]);
    app_a.ok("note_insert", json!({ "row": note_v2("a1", "from A", 5) }));
    assert_eq!(app_a.pending(), 1);
    assert_eq!(ids(&listed(&app_a, "note")), ["a1", "n1", "n2"]);
}

#[test]
fn an_additive_change_keeps_older_devices_syncing() {
    let server = server_at(2);
    let (a, b) = (Device::new(&server, 2), Device::new(&server, 2));
    let (app_a, app_b) = (a.start(&server.url()), b.start(&server.url()));
    app_a.wait_connected();
    app_b.wait_connected();
    app_a.ok("note_insert", json!({ "row": note_v2("n1", "first", 1) }));
    wait_listed(&app_b, "note", &["n1"]);

    // A updates to version 3 (a new table, a new index): SpacetimeDB migrates it by itself.
    app_a.shutdown();
    a.install(3);
    let app_a = a.start(&server.url());
    app_a.wait_connected();
    assert_eq!(server_version(&server), 3);

    // B, at version 2, keeps syncing both ways.
    app_b.ok("note_insert", json!({ "row": note_v2("b1", "from B", 2) }));
    wait_listed(&app_a, "note", &["b1", "n1"]);
    app_a.ok("note_insert", json!({ "row": note_v2("a1", "from A", 3) }));
    app_a.ok("reminder_insert", json!({"row": {"id": "r1", "noteId": "a1", "at": "1700000000000000"}}));
    wait_listed(&app_b, "note", &["a1", "b1", "n1"]);
    assert_eq!(app_b.status()["state"], "connected", "{}", app_b.status());
    assert_eq!(app_b.pending(), 0);
    // After a restart too.
    app_b.shutdown();
    let app_b = b.start(&server.url());
    app_b.wait_connected();
    assert_eq!(listed(&app_b, "note"), listed(&app_a, "note"));
}

#[test]
fn a_device_that_cannot_migrate_says_which_can_and_works_with_what_it_keeps() {
    let server = server_at(1);
    // A device that never used version 1 with this server: it has no version 1 module to put
    // back if a migration failed.
    let d = Device::new(&server, 2);
    let app = d.start(&server.url());
    let failed = app.wait_status(Duration::from_secs(60), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "cannotMigrate", "{failed}");
    assert!(
        failed["message"].as_str().unwrap().contains("on a device that used version 1 with this server"),
        "{failed}"
    );
    app.ok("note_insert", json!({ "row": note_v2("d1", "from D", 1) }));
    assert_eq!((ids(&listed(&app, "note")), app.pending()), (vec!["d1".to_owned()], 1));
    assert_eq!(server_version(&server), 1, "nothing was changed on the server");
}

#[test]
fn writes_made_while_another_device_migrates_are_held_and_sent_after() {
    let server = server_at(1);
    // Enough rows that the migration takes a while.
    let seeded: Vec<Value> = (0..5000)
        .map(|n| json!({"id": format!("s{n:04}"), "title": "seed", "body": "x".repeat(1000), "reads": n, "row_version": 1}))
        .collect();
    for (i, batch) in seeded.chunks(1000).enumerate() {
        server.api().call(DATABASE, "heycat_import_note", &json!([batch, i > 0])).unwrap();
    }
    let (a, b) = (Device::new(&server, 1), Device::new(&server, 1));
    let app_a = a.start(&server.url());
    app_a.wait_connected();
    app_a.shutdown();
    let app_b = b.start(&server.url());
    app_b.wait_connected();

    // B writes all along while A, updated, migrates the database.
    a.install(2);
    let migrated = std::sync::atomic::AtomicBool::new(false);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut n = 0;
            while !migrated.load(std::sync::atomic::Ordering::Acquire) || n < 20 {
                app_b.ok("note_insert", json!({ "row": note_v1(&format!("b{n:04}"), "during", n) }));
                n += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            n
        });
        // Should A fail, the writer stops too, and the test fails rather than hangs.
        let _stop_writing = StopOnDrop(&migrated);
        let app_a = a.start(&server.url());
        app_a.wait_connected();
        migrated.store(true, std::sync::atomic::Ordering::Release);
        let written = writer.join().unwrap();
        app_a.shutdown();
        written
    });
    assert!(written > 20, "B wrote during the migration ({written} writes)");

    // B updates; everything it wrote reaches the server once.
    app_b.shutdown();
    b.install(2);
    let app_b = b.start(&server.url());
    app_b.wait_connected();
    wait_synced(&app_b);
    assert_eq!(app_b.ok("sync_status", json!({}))["rejected"], json!([]));
    let on_server = ids(&on_server(&server, "note"));
    let b_notes: Vec<&String> = on_server.iter().filter(|id| id.starts_with('b')).collect();
    assert_eq!(b_notes.len(), written as usize, "every write B made, once");
    assert_eq!(on_server.len(), 5000 + written as usize);
}

/// Sets its flag when dropped: when its scope ends, by a panic too.
struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}
