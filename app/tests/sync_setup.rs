//! Setting up sync from the app: a device that kept its data in its embedded server gives a
//! shared server's address (`sync_setup`); the server then holds exactly the device's rows as
//! the user's, the device syncs with it from then on (after a restart too), and a setup that
//! cannot be done says why and leaves the device as it was.

mod common;

use std::time::Duration;

use common::*;
use heycat_harness::{sql_rows, Api, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};

/// The ids of the dictionary entries the server holds, read as `token`'s identity.
fn server_entry_ids(server: &Server, token: Option<String>) -> Result<Vec<String>, String> {
    let rows =
        sql_rows(&Api::new(server.url(), token), DB, "SELECT id FROM dictionary_entry").map_err(|e| e.to_string())?;
    let mut ids: Vec<String> = rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    Ok(ids)
}

/// heycat on its embedded server, holding the entries `ids` (trigger and expansion made from each).
fn device_on_its_own(dir: &std::path::Path, ids: &[&str]) -> TestApp {
    let app = start(config(dir, ServerChoice::Local));
    app.wait_connected();
    for id in ids {
        app.ok("dictionary_entry_insert", json!({"row": entry(id, &format!("t-{id}"), &format!("expansion {id}"))}));
    }
    app
}

fn token_of(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("identity-token")).expect("the device keeps the user's token")
}

#[test]
fn a_device_sets_up_sync_and_the_server_then_holds_exactly_its_rows() {
    let shared = Server::start().expect("start the sync server");
    let dir = tempfile::tempdir().unwrap();
    let app = device_on_its_own(dir.path(), &["d1", "d2"]);
    let steps = app.events(heycat_runtime::events::SYNC_SETUP);

    let summary = app.ok("sync_setup", json!({ "url": shared.url() }));
    assert_eq!(summary["server"], shared.url(), "{summary}");
    assert_eq!(summary["rows"]["dictionary_entry"], 2, "{summary}");
    assert!(
        std::path::Path::new(summary["backup"].as_str().unwrap()).is_file(),
        "the carried rows are kept: {summary}"
    );
    let heard: Vec<Value> = steps.try_iter().map(|p| p["step"].clone()).collect();
    assert_eq!(heard, ["check", "identity", "publish", "carry", "switch"], "each step is announced");
    let status = app.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());
    assert_eq!(status["server"], shared.url());

    // The server holds the device's rows, for the user only: the database is the user's.
    let token = token_of(dir.path());
    assert_eq!(server_entry_ids(&shared, Some(token.clone())).unwrap(), ["d1", "d2"]);
    assert!(server_entry_ids(&shared, None).map_or(true, |ids| ids.is_empty()), "nobody else reads them");
    // What the user writes now goes to the shared server.
    app.ok("dictionary_entry_insert", json!({"row": entry("d3", "t-d3", "expansion d3")}));
    assert_eq!(server_entry_ids(&shared, Some(token.clone())).unwrap(), ["d1", "d2", "d3"]);
    assert_eq!(listed_entry_ids(&app), ["d1", "d2", "d3"]);
    assert!(!dir.path().join("sync-setup.json").exists(), "nothing of the setup is left aside");
    use std::os::unix::fs::PermissionsExt;
    for file in ["identity-token", "server.json"] {
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    // Once is enough.
    let again = app.err("sync_setup", json!({ "url": shared.url() }));
    assert!(again["message"].as_str().unwrap().contains("syncs with"), "{again}");
    app.shutdown();

    // Started again, the device uses the shared server: nothing needs setting up twice.
    let restarted = start(DataConfig::resolve(dir.path().to_owned(), DB, DB).unwrap());
    let status = restarted.wait_connected();
    assert_eq!(status["server"], shared.url(), "{status}");
    assert_eq!(listed_entry_ids(&restarted), ["d1", "d2", "d3"]);
    assert_eq!(token_of(dir.path()), token);
    restarted.shutdown();
}

#[test]
fn a_setup_that_cannot_be_done_says_why_and_leaves_the_device_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let app = device_on_its_own(dir.path(), &["d1"]);
    let own_server = app.status()["server"].clone();

    // Nothing answers at the address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let refused = app.err("sync_setup", json!({ "url": nowhere }));
    assert_eq!(refused["kind"], "offline", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("check the address"), "{refused}");

    // Something answers, but it is no SpacetimeDB server.
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web_url = format!("http://{}", web.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in web.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let _ = stream.read(&mut [0u8; 4096]);
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    let not_spacetimedb = app.err("sync_setup", json!({ "url": web_url }));
    assert_eq!(not_spacetimedb["kind"], "badInput", "{not_spacetimedb}");
    assert!(not_spacetimedb["message"].as_str().unwrap().contains("not as a SpacetimeDB server"), "{not_spacetimedb}");

    // The name is taken: someone else's heycat database is there.
    let taken = Server::start().unwrap();
    taken.api().publish_file(DB, &heycat_harness::module_wasm().unwrap()).unwrap();
    let someone_elses = app.err("sync_setup", json!({ "url": taken.url() }));
    assert_eq!(someone_elses["kind"], "unauthorized", "{someone_elses}");
    assert!(someone_elses["message"].as_str().unwrap().contains("invitation code"), "{someone_elses}");

    // Another app's database of the same name.
    let other_app = Server::start().unwrap();
    let notes = heycat_harness::module_wasm_of_schema(&heycat_harness::workspace_root().join("examples/notes/schema"))
        .expect("build the notes example's module");
    other_app.api().publish_file(DB, &notes).unwrap();
    let another_app = app.err("sync_setup", json!({ "url": other_app.url() }));
    assert_eq!(another_app["kind"], "badInput", "{another_app}");
    assert!(another_app["message"].as_str().unwrap().contains("another app"), "{another_app}");

    // The app's data is there, at a version newer than this app (someone's, or the user's from
    // an updated device: either way not this app's to set up).
    let newer_app = tempfile::tempdir().unwrap();
    heycat_harness::copy_tree(&heycat_harness::heycat_schema_dir(), newer_app.path());
    let added = "\n#[heycat_table]\npub struct Snippet {\n    #[primary_key]\n    pub id: String,\n}\n";
    let file = newer_app.path().join("voice_command.rs");
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + added).unwrap();
    let newer = Server::start().unwrap();
    let newer_module =
        heycat_harness::module_wasm_of_schema(newer_app.path()).expect("build the next version's module");
    newer.api().publish_file(DB, &newer_module).unwrap();
    let update_first = app.err("sync_setup", json!({ "url": newer.url() }));
    assert_eq!(update_first["kind"], "unauthorized", "{update_first}");
    let said = update_first["message"].as_str().unwrap();
    assert!(said.contains("newer than this app's") && said.contains("update the app"), "{update_first}");

    // After all that, the device is as it was: its own server, its rows, no server configured.
    let status = app.wait_connected();
    assert_eq!(status["server"], own_server);
    assert_eq!(listed_entry_ids(&app), ["d1"]);
    assert!(!dir.path().join("server.json").exists());
    app.ok("dictionary_entry_insert", json!({"row": entry("d2", "t-d2", "expansion d2")}));
    assert_eq!(listed_entry_ids(&app), ["d1", "d2"]);
    app.shutdown();
}

#[test]
fn a_setup_killed_part_way_leaves_the_device_as_it_was_and_starts_over_on_the_database_it_began() {
    // The device is killed when its rows are on the server, before it switched: the worst
    // moment, the shared database full and the device not using it.
    let shared = Server::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let held = [(heycat_runtime::env::SYNC_SETUP_HOLD_AT, "switch")];
    let app = DeviceProcess::start_with(dir.path(), ServerChoice::Local, DB, &held);
    app.wait_connected();
    for id in ["d1", "d2"] {
        app.ok("dictionary_entry_insert", json!({"row": entry(id, &format!("t-{id}"), &format!("expansion {id}"))}));
    }
    let steps = app.events(heycat_runtime::events::SYNC_SETUP);
    app.invoke_and_go_on("sync_setup", json!({ "url": shared.url() }));
    wait_for(Duration::from_secs(60), "the setup to reach its switch", || {
        steps.recv_timeout(Duration::from_secs(60)).is_ok_and(|p| p["step"] == "switch")
    });
    app.kill();
    wait_for(Duration::from_secs(20), "the embedded server to end with its app", || {
        heycat_harness::embedded_server_pids(dir.path()).is_empty()
    });
    let pending: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("sync-setup.json")).unwrap()).unwrap();
    let token = pending["token"].as_str().unwrap().to_owned();
    assert_eq!(server_entry_ids(&shared, Some(token.clone())).unwrap(), ["d1", "d2"], "carried, not switched to");
    assert!(!dir.path().join("server.json").exists());

    // Started again: as it was, on its own database, taking writes at once.
    let app = device(dir.path(), ServerChoice::Local);
    let status = app.wait_connected();
    assert_ne!(status["server"], shared.url(), "its own embedded server: {status}");
    assert_eq!(listed_entry_ids(&app), ["d1", "d2"]);
    app.ok("dictionary_entry_insert", json!({"row": entry("d3", "t-d3", "expansion d3")}));
    wait_for(Duration::from_secs(10), "the write to be taken (no hold of the dead setup left)", || app.pending() == 0);

    // Setting up again reuses the identity and database it began, and carries every row once.
    let summary = app.ok("sync_setup", json!({ "url": shared.url() }));
    assert_eq!(summary["rows"]["dictionary_entry"], 3, "{summary}");
    assert_eq!(token_of(dir.path()), token, "the identity it began with");
    assert_eq!(server_entry_ids(&shared, Some(token)).unwrap(), ["d1", "d2", "d3"], "every row, once");
    app.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());
    app.shutdown();
}

#[test]
fn a_join_killed_part_way_leaves_the_device_on_its_own_with_its_rows_and_joining_again_brings_them() {
    let shared = Server::start().unwrap();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = device_on_its_own(dirs.0.path(), &["a1"]);
    a.ok("sync_setup", json!({ "url": shared.url() }));
    a.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());

    // B is killed once it kept the rows it brings, before it switched to the shared server.
    let held = [(heycat_runtime::env::SYNC_SETUP_HOLD_AT, "join")];
    let b = DeviceProcess::start_with(dirs.1.path(), ServerChoice::Local, DB, &held);
    b.wait_connected();
    b.ok("dictionary_entry_insert", json!({"row": entry("b1", "t-b1", "expansion b1")}));
    let code = a.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    b.invoke_and_go_on("device_join", json!({ "code": code, "url": shared.url() }));
    wait_for(Duration::from_secs(30), "B to keep the rows it brings", || {
        dirs.1.path().join("join-offer.json").exists()
    });
    b.kill();
    wait_for(Duration::from_secs(20), "the embedded server to end with its app", || {
        heycat_harness::embedded_server_pids(dirs.1.path()).is_empty()
    });

    // Started again: on its own, its rows there, taking writes at once, nothing offered.
    let b = device(dirs.1.path(), ServerChoice::Local);
    let joined = b.events(heycat_runtime::events::DEVICE_JOINED);
    let status = b.wait_connected();
    assert_ne!(status["server"], shared.url(), "{status}");
    b.ok("dictionary_entry_insert", json!({"row": entry("b2", "t-b2", "expansion b2")}));
    wait_for(Duration::from_secs(10), "the write to be taken (no hold of the dead join left)", || b.pending() == 0);
    assert_eq!(listed_entry_ids(&b), ["b1", "b2"]);
    assert!(joined.recv_timeout(Duration::from_secs(2)).is_err(), "no join is reported");
    assert!(!dirs.1.path().join("join-offer.json").exists());

    // Joining again brings both.
    let code = a.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    let summary = b.ok("device_join", json!({ "code": code, "url": shared.url() }));
    assert_eq!(summary["added"], json!({"dictionary_entry": 2}), "{summary}");
    wait_for(Duration::from_secs(20), "A to hold B's entries", || listed_entry_ids(&a) == ["a1", "b1", "b2"]);
    a.shutdown();
    b.shutdown();
}

/// A dictionary entry in SpacetimeDB's JSON, as a reducer call takes it.
fn server_entry(id: &str) -> Value {
    json!({"id": id, "trigger": format!("t-{id}"), "expansion": format!("expansion {id}"), "suffix": {"none": []},
           "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
           "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0})
}

/// The entries `app` lists, as `id → (trigger, expansion)`.
fn listed_entries(app: &impl Frontend) -> std::collections::BTreeMap<String, (String, String)> {
    let listed = app.ok("dictionary_entry_list", json!({}));
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                (r["trigger"].as_str().unwrap().into(), r["expansion"].as_str().unwrap().into()),
            )
        })
        .collect()
}

fn entries(list: &[(&str, &str, &str)]) -> std::collections::BTreeMap<String, (String, String)> {
    list.iter().map(|(id, trigger, expansion)| ((*id).into(), ((*trigger).into(), (*expansion).into()))).collect()
}

#[test]
fn a_device_joins_with_its_own_rows_and_nothing_either_device_holds_is_lost() {
    let shared = Server::start().unwrap();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A, on its own, then syncing: what it holds goes to the server.
    let a = device(dirs.0.path(), ServerChoice::Local);
    a.wait_connected();
    for (id, trigger, expansion) in
        [("both", "brb", "be right back"), ("same-key", "omw", "on my way"), ("a-dup", "ty", "thank you")]
    {
        a.ok("dictionary_entry_insert", json!({"row": entry(id, trigger, expansion)}));
    }
    a.ok("sync_setup", json!({ "url": shared.url() }));
    a.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());

    // B used heycat on its own: one entry as A has it, one under A's key with other values,
    // one with A's trigger under a key of its own, and one A does not have.
    let b = device_on_its_own(dirs.1.path(), &[]);
    for (id, trigger, expansion) in [
        ("both", "brb", "be right back"),
        ("same-key", "omw", "on my way home"),
        ("b-dup", "ty", "thanks a lot"),
        ("b-only", "afk", "away from keyboard"),
    ] {
        b.ok("dictionary_entry_insert", json!({"row": entry(id, trigger, expansion)}));
    }
    let joined_events = b.events(heycat_runtime::events::DEVICE_JOINED);

    // Joining needs the address as well as the code.
    let code = a.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    let no_address = b.err("device_join", json!({ "code": code }));
    assert_eq!(no_address["kind"], "badInput", "{no_address}");
    let summary = b.ok("device_join", json!({ "code": code, "url": shared.url() }));
    assert_eq!(summary["added"], json!({"dictionary_entry": 1}), "{summary}");
    assert_eq!((summary["unchanged"].as_u64(), summary["conflicts"].as_u64()), (Some(1), Some(2)), "{summary}");
    let kept = summary["kept"].as_str().expect("a copy of what B brought");
    assert!(std::fs::read_to_string(kept).unwrap().contains("thanks a lot"), "every row B held is kept");
    assert_eq!(joined_events.recv_timeout(Duration::from_secs(5)).unwrap(), summary);
    b.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());

    // B's own entry reaches A; the two that differ are B's conflicts, A's values standing meanwhile.
    wait_for(Duration::from_secs(20), "A to see B's entry", || listed_entries(&a).contains_key("b-only"));
    wait_for(Duration::from_secs(20), "B's offer to be sent", || b.pending() == 0);
    wait_for(Duration::from_secs(10), "B to be told of both conflicts", || {
        b.ok("conflict_list", json!({})).as_array().unwrap().len() == 2
    });
    let conflicts = b.ok("conflict_list", json!({}));
    let conflicts = conflicts.as_array().unwrap();
    let on =
        |id: &str| conflicts.iter().find(|c| c["theirs"]["id"] == id).unwrap_or_else(|| panic!("{id}: {conflicts:?}"));
    assert_eq!(on("same-key")["mine"]["expansion"], "on my way home");
    assert_eq!(on("a-dup")["mine"]["expansion"], "thanks a lot", "the trigger A holds, with B's expansion");
    // The user keeps B's values for one and A's for the other.
    b.ok("conflict_resolve", json!({"id": on("same-key")["id"], "resolution": {"choice": "keepMine"}}));
    b.ok("conflict_resolve", json!({"id": on("a-dup")["id"], "resolution": {"choice": "keepTheirs"}}));
    assert_eq!(b.ok("conflict_list", json!({})), json!([]));

    let settled = entries(&[
        ("a-dup", "ty", "thank you"),
        ("b-only", "afk", "away from keyboard"),
        ("both", "brb", "be right back"),
        ("same-key", "omw", "on my way home"),
    ]);
    wait_for(Duration::from_secs(20), "both devices to agree", || {
        listed_entries(&a) == settled && listed_entries(&b) == settled
    });
    let token = token_of(dirs.0.path());
    assert_eq!(token_of(dirs.1.path()), token, "B acts as the user");
    assert_eq!(server_entry_ids(&shared, Some(token)).unwrap(), ["a-dup", "b-only", "both", "same-key"]);
    a.shutdown();
    b.shutdown();
}

#[test]
fn a_server_gone_mid_carry_leaves_the_device_as_it_was_and_setting_up_again_carries_every_row() {
    let shared = Server::start().unwrap();
    let proxy = Proxy::start(shared.port());
    let dir = tempfile::tempdir().unwrap();
    let app = device_on_its_own(dir.path(), &[]);
    // Many rows (put straight into the embedded database), so that the carry reads them for a
    // while before it sends any to the server.
    let own_server = app.status()["server"].as_str().unwrap().to_owned();
    let owner = std::fs::read_to_string(dir.path().join("spacetimedb/owner-token")).unwrap();
    let rows: Vec<Value> = (0..3000).map(|i| server_entry(&format!("e{i:04}"))).collect();
    Api::new(own_server.clone(), Some(owner)).call(DB, "heycat_import_dictionary_entry", &json!([rows, true])).unwrap();
    wait_for(Duration::from_secs(20), "the app to list every row", || listed_entry_ids(&app).len() == 3000);

    // The server goes away as the carry starts.
    let steps = app.events(heycat_runtime::events::SYNC_SETUP);
    let proxy_ref = &proxy;
    let failed = std::thread::scope(|scope| {
        scope.spawn(move || {
            while let Ok(progress) = steps.recv_timeout(Duration::from_secs(60)) {
                if progress["step"] == "carry" {
                    proxy_ref.go_offline();
                    return;
                }
            }
        });
        app.err("sync_setup", json!({ "url": proxy.url() }))
    });
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("carrying this device's data"), "{failed}");
    assert!(message.contains("goes on with its own database"), "{failed}");

    // The device is as it was: its own database, every row, writes taken.
    let status = app.wait_connected();
    assert_eq!(status["server"], own_server.as_str());
    assert!(!dir.path().join("server.json").exists());
    app.ok("dictionary_entry_insert", json!({"row": entry("new", "t-new", "written after")}));
    assert_eq!(listed_entry_ids(&app).len(), 3001);
    assert_eq!(app.pending(), 0, "the write reached the embedded database: its writes are not held");

    // Back online, setting up again carries every row, once.
    proxy.go_online();
    let summary = app.ok("sync_setup", json!({ "url": proxy.url() }));
    assert_eq!(summary["rows"]["dictionary_entry"], 3001, "{summary}");
    assert_eq!(server_entry_ids(&shared, Some(token_of(dir.path()))).unwrap().len(), 3001);
    app.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == proxy.url());
    app.shutdown();
}

#[test]
fn a_device_that_stops_syncing_keeps_the_shared_data_as_it_is_then_in_a_database_of_its_own() {
    let shared = Server::start().unwrap();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let app = device_on_its_own(dirs.0.path(), &["d1"]);
    let not_syncing = app.err("sync_stop", Value::Null);
    assert!(not_syncing["message"].as_str().unwrap().contains("does not sync"), "{not_syncing}");
    app.ok("sync_setup", json!({ "url": shared.url() }));
    app.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());
    // Another device of the user writes to the shared data.
    let token = token_of(dirs.0.path());
    std::fs::write(dirs.1.path().join("identity-token"), &token).unwrap();
    let other = device(dirs.1.path(), ServerChoice::Remote(shared.url()));
    other.wait_connected();
    other.ok("dictionary_entry_insert", json!({"row": entry("d2", "t-d2", "from the other device")}));
    wait_for(Duration::from_secs(10), "the other device's entry", || listed_entry_ids(&app) == ["d1", "d2"]);

    let taken = app.ok("sync_stop", Value::Null);
    assert_eq!(taken["rows"]["dictionary_entry"], 2, "{taken}");
    assert!(std::path::Path::new(taken["path"].as_str().unwrap()).is_file(), "kept: {taken}");
    let status = app.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] != shared.url());
    assert_ne!(status["server"], shared.url());
    assert_eq!(listed_entry_ids(&app), ["d1", "d2"], "the shared data as it was");
    // From now on the two go their own ways.
    app.ok("dictionary_entry_insert", json!({"row": entry("d3", "t-d3", "on this device only")}));
    other.ok("dictionary_entry_insert", json!({"row": entry("d4", "t-d4", "shared only")}));
    assert_eq!(server_entry_ids(&shared, Some(token)).unwrap(), ["d1", "d2", "d4"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(listed_entry_ids(&app), ["d1", "d2", "d3"]);
    app.shutdown();
    other.shutdown();

    // Started again, it keeps to its own database.
    let restarted = start(DataConfig::resolve(dirs.0.path().to_owned(), DB, DB).unwrap());
    let status = restarted.wait_connected();
    assert_ne!(status["server"], shared.url());
    assert_eq!(listed_entry_ids(&restarted), ["d1", "d2", "d3"]);
    restarted.shutdown();
}

#[test]
fn sync_goes_over_https_to_a_server_behind_a_tls_proxy_and_a_certificate_not_trusted_is_refused_in_words() {
    // The person's own server behind a TLS proxy, its certificate from an authority the
    // devices' system trusts (SSL_CERT_FILE).
    let shared = Server::start().unwrap();
    let front = heycat_harness::TlsFront::start(shared.port());
    let trusted = [("SSL_CERT_FILE", front.ca_file().to_str().unwrap())];
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = DeviceProcess::start_with(dirs.0.path(), ServerChoice::Local, DB, &trusted);
    a.wait_connected();
    a.ok("dictionary_entry_insert", json!({"row": entry("d1", "t-d1", "expansion d1")}));
    let summary = a.ok("sync_setup", json!({ "url": front.url() }));
    assert_eq!(summary["server"], front.url(), "{summary}");
    a.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == front.url());
    a.ok("dictionary_entry_insert", json!({"row": entry("d2", "t-d2", "expansion d2")}));
    let token = token_of(dirs.0.path());
    assert_eq!(server_entry_ids(&shared, Some(token)).unwrap(), ["d1", "d2"], "through TLS, to the server");

    // Another device joins over https and hears what the first writes as it happens.
    let b = DeviceProcess::start_with(dirs.1.path(), ServerChoice::Local, DB, &trusted);
    b.wait_connected();
    let code = a.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    b.ok("device_join", json!({ "code": code, "url": front.url() }));
    b.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == front.url());
    a.ok("dictionary_entry_insert", json!({"row": entry("d3", "t-d3", "expansion d3")}));
    wait_for(Duration::from_secs(20), "the second device to hear of the new entry", || {
        listed_entry_ids(&b) == ["d1", "d2", "d3"]
    });

    // A device whose system does not trust that authority does not talk to the server, and says so.
    let c = device(dirs.2.path(), ServerChoice::Local);
    c.wait_connected();
    let code = a.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    let refused = c.err("device_join", json!({ "code": code, "url": front.url() }));
    assert_eq!(refused["kind"], "offline", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("certificate"), "{refused}");
    for device in [a, b, c] {
        device.shutdown();
    }
}
