//! Forgetting a lost device: the user's devices are listed by name with when each was last seen;
//! forgetting one moves the user's data to a new database under an identity the lost device
//! never held and deletes the old one, so the lost device's token opens nothing of the user's
//! (checked against the server), while the remaining devices sync every row, the others after
//! joining again with the code the forgetting device was given for each.

mod common;

use std::time::Duration;

use common::*;
use heycat_harness::{sql_rows, Api, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};

fn token_of(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("identity-token")).expect("the device keeps the user's token")
}

/// The names of the devices `app` lists, in its order.
fn listed_devices(app: &impl Frontend) -> Vec<String> {
    let listed = app.ok("device_list", json!({}));
    listed.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_owned()).collect()
}

/// A device that joins the user's data on `server` with a code `from` makes, named `name`.
fn joined_device(dir: &std::path::Path, from: &impl Frontend, server: &Server, name: &str) -> DeviceProcess {
    let device = device(dir, ServerChoice::Local);
    device.wait_connected();
    let code = from.ok("device_invite", Value::Null)["code"].as_str().unwrap().to_owned();
    device.ok("device_join", json!({ "code": code, "url": server.url() }));
    device.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == server.url());
    assert_eq!(device.ok("device_rename", json!({ "name": name })), json!(name));
    device
}

#[test]
fn a_forgotten_device_opens_nothing_and_the_others_sync_every_row() {
    let shared = Server::start().unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let laptop = device(dirs[0].path(), ServerChoice::Local);
    laptop.wait_connected();
    laptop.ok("dictionary_entry_insert", json!({"row": entry("before", "brb", "be right back")}));
    // Listing devices needs a shared server: the embedded one is this device's alone.
    assert_eq!(laptop.err("device_list", json!({}))["kind"], "badInput");
    laptop.ok("sync_setup", json!({ "url": shared.url() }));
    laptop.wait_status(Duration::from_secs(30), |s| s["state"] == "connected" && s["server"] == shared.url());
    laptop.ok("device_rename", json!({ "name": "Laptop" }));
    let phone = joined_device(dirs[1].path(), &laptop, &shared, "Phone");
    let tablet = joined_device(dirs[2].path(), &laptop, &shared, "Old tablet");
    tablet.ok("dictionary_entry_insert", json!({"row": entry("from-tablet", "omw", "on my way")}));
    wait_for(Duration::from_secs(20), "the laptop to see the tablet's entry", || {
        listed_entry_ids(&laptop).contains(&"from-tablet".to_owned())
    });

    // Every device is listed by its name, this one first, with when it was last seen.
    wait_for(Duration::from_secs(20), "all three to be listed", || listed_devices(&laptop).len() == 3);
    let listed = laptop.ok("device_list", json!({}));
    assert_eq!(listed[0]["name"], "Laptop", "{listed}");
    assert_eq!(listed[0]["thisDevice"], true, "{listed}");
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as f64;
    for device in listed.as_array().unwrap() {
        let seen = device["lastSeenMs"].as_f64().unwrap();
        assert!(seen > since - 120_000.0 && seen <= since + 1_000.0, "seen just now: {device}");
    }
    let tablet_id = listed.as_array().unwrap().iter().find(|d| d["name"] == "Old tablet").unwrap()["id"].clone();
    let mut names = listed_devices(&phone);
    names.sort();
    assert_eq!(names, ["Laptop", "Old tablet", "Phone"], "every device lists them all");

    // The tablet is lost, with the user's token.
    let lost_token = token_of(dirs[2].path());
    tablet.shutdown();
    assert_eq!(laptop.err("device_forget", json!({ "deviceId": "no-such-device" }))["kind"], "notFound");
    let own_id = listed[0]["id"].clone();
    assert_eq!(laptop.err("device_forget", json!({ "deviceId": own_id }))["kind"], "badInput");
    // Without the token it signs in with, the laptop could not go back to the old database
    // should the switch fail: it forgets nothing, and the tablet's identity still reads.
    let token_file = dirs[0].path().join("identity-token");
    let own_token = token_of(dirs[0].path());
    std::fs::remove_file(&token_file).unwrap();
    let refused = laptop.err("device_forget", json!({ "deviceId": tablet_id }));
    assert!(refused["message"].as_str().unwrap().contains("no device was forgotten"), "{refused}");
    std::fs::write(&token_file, &own_token).unwrap();
    let still = sql_rows(&Api::new(shared.url(), Some(lost_token.clone())), DB, "SELECT id FROM dictionary_entry");
    assert_eq!(still.map(|rows| rows.len()).ok(), Some(2), "the old database is as it was");
    let summary = laptop.ok("device_forget", json!({ "deviceId": tablet_id }));
    assert_eq!(summary["forgotten"], "Old tablet", "{summary}");
    assert_eq!(summary["rows"]["dictionary_entry"], 2, "{summary}");
    assert!(std::path::Path::new(summary["backup"].as_str().unwrap()).is_file(), "{summary}");
    let moved_to = summary["database"].as_str().unwrap().to_owned();
    assert!(moved_to.starts_with(&format!("{DB}-")) && moved_to != DB, "{summary}");
    let rejoin = summary["rejoin"].as_array().unwrap();
    assert_eq!(rejoin.len(), 1, "a code for the phone only: {summary}");
    assert_eq!(rejoin[0]["device"]["name"], "Phone");
    let phone_code = rejoin[0]["invitation"]["code"].as_str().unwrap().to_owned();

    // Checked against the server: the lost token opens nothing of the user's.
    let lost = Api::new(shared.url(), Some(lost_token.clone()));
    assert!(!lost.database_exists(DB).unwrap(), "the old database is deleted");
    let read = sql_rows(&lost, &moved_to, "SELECT id FROM dictionary_entry");
    assert!(read.as_ref().map_or(true, |rows| rows.is_empty()), "the lost token reads nothing: {read:?}");
    let write = lost.call(&moved_to, "dictionary_entry_insert", &json!([server_entry("intruder"), "lost-1"]));
    assert!(write.is_err(), "the lost token writes nothing");
    let new_token = token_of(dirs[0].path());
    assert_ne!(new_token, lost_token, "the laptop holds the new identity");
    let server_ids = |token: &str| {
        let rows =
            sql_rows(&Api::new(shared.url(), Some(token.to_owned())), &moved_to, "SELECT id FROM dictionary_entry")
                .unwrap();
        let mut ids: Vec<String> = rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(server_ids(&new_token), ["before", "from-tablet"], "every row moved");

    // The laptop goes on at once, in the new database.
    laptop.wait_status(Duration::from_secs(30), |s| s["state"] == "connected");
    laptop.ok("dictionary_entry_insert", json!({"row": entry("after", "ty", "thank you")}));
    assert_eq!(server_ids(&new_token), ["after", "before", "from-tablet"]);

    // The phone finds its database gone (for longer than another device's migration leaves it
    // missing) and says what to do; what it writes meanwhile waits.
    let failed = phone.wait_status(Duration::from_secs(60), |s| s["state"] == "failed" && s["kind"] == "notJoined");
    assert!(failed["message"].as_str().unwrap().contains("Join this device again"), "{failed}");
    assert_eq!(failed["kind"], "notJoined", "the banner asks for a code: {failed}");
    phone.ok("dictionary_entry_insert", json!({"row": entry("from-phone", "afk", "away from keyboard")}));
    assert!(phone.pending() >= 1);
    // Whoever has the tablet makes a database of the old name again, as the old identity: the
    // phone, which saw the user's go, does not take it for the user's.
    lost.publish_file(DB, &heycat_harness::module_wasm().unwrap()).unwrap();
    let refused = phone.wait_status(Duration::from_secs(30), |s| {
        s["state"] == "failed" && s["message"].as_str().unwrap().contains("may not hold your data")
    });
    assert_eq!(refused["kind"], "notJoined", "{refused}");
    let intruders = sql_rows(&lost, DB, "SELECT id FROM dictionary_entry").unwrap();
    assert!(intruders.is_empty(), "nothing of the phone's reached it: {intruders:?}");
    assert_eq!(
        phone.ok("device_join", json!({ "code": phone_code })),
        json!({"added": {}, "unchanged": 0, "conflicts": 0, "kept": null})
    );
    phone.wait_status(Duration::from_secs(30), |s| s["state"] == "connected");
    let every = ["after", "before", "from-phone", "from-tablet"];
    wait_for(Duration::from_secs(20), "both devices to hold every row", || {
        listed_entry_ids(&laptop) == every && listed_entry_ids(&phone) == every
    });
    assert_eq!(server_ids(&new_token), every);
    assert_eq!(token_of(dirs[1].path()), new_token, "the phone acts as the new identity");
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(dirs[1].path().join("server.json")).unwrap()).unwrap();
    assert_eq!(kept["database"], moved_to.as_str(), "the phone uses the new database from now on");

    // The tablet is no longer listed; the two others are.
    wait_for(Duration::from_secs(20), "the phone to be listed again", || listed_devices(&laptop).len() == 2);
    assert_eq!(listed_devices(&laptop), ["Laptop", "Phone"]);
    // A device joining later finds the new database by the code alone.
    let later = tempfile::tempdir().unwrap();
    let desktop = joined_device(later.path(), &laptop, &shared, "Desktop");
    wait_for(Duration::from_secs(20), "the desktop to hold every row", || listed_entry_ids(&desktop) == every);
    for app in [laptop, phone, desktop] {
        app.shutdown();
    }
}

/// A dictionary entry in SpacetimeDB's JSON, as a reducer call takes it.
fn server_entry(id: &str) -> Value {
    json!({"id": id, "trigger": format!("t-{id}"), "expansion": format!("expansion {id}"), "suffix": {"none": []},
           "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
           "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0})
}
