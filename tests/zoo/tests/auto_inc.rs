//! Keys the server gives (`#[auto_inc]`) on a synced table: online, the insert answers with
//! the row under its real key; offline, the row has a provisional key until its insert is
//! applied, then it and every queued write and row that points at it take the real one (the
//! frontend sees one update per row), exactly once, also across a restart and when the app
//! died after the server applied the insert but before it learned the key.

mod support;

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use heycat_harness::app::Frontend;
use heycat_harness::{wait_for, Proxy};
use heycat_zoo::DATABASE;
use serde_json::{json, Value};
use support::{config, server, server_rows, start};

/// The rows of `table` on the server, by key.
fn sorted_rows(server: &heycat_harness::Server, table: &str) -> Vec<Value> {
    let mut rows = server_rows(server, table);
    rows.sort_by_key(|r| r["id"].to_string());
    rows
}

/// The `n`th provisional key (counting down from the largest `u64`), as the frontend sees it.
fn provisional(n: u64) -> Value {
    json!((u64::MAX - n).to_string())
}

fn ticket(title: &str) -> Value {
    json!({"id": "0", "title": title})
}

/// Every event on `events` until none comes for a while.
fn drain(events: &Receiver<Value>) -> Vec<Value> {
    std::iter::from_fn(|| events.recv_timeout(Duration::from_millis(500)).ok()).collect()
}

#[test]
fn online_an_insert_answers_with_the_key_the_server_gave() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), server.url()));
    app.wait_connected();
    let first = app.ok("ticket_insert", json!({ "row": ticket("one") }));
    let second = app.ok("ticket_insert", json!({ "row": ticket("two") }));
    assert_eq!((&first["id"], &second["id"]), (&json!("1"), &json!("2")), "{first} {second}");
    assert_eq!(app.ok("ticket_get", json!({"id": "2"}))["title"], "two");
    app.ok("comment_insert", json!({"row": {"id": "c1", "ticketId": "2", "text": "hi"}}));
    assert_eq!(server_rows(&server, "comment")[0]["ticket_id"], 2);
    app.shutdown();
}

#[test]
fn offline_rows_get_provisional_keys_that_the_servers_replace_in_every_queued_write_and_reference() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), proxy.url()));
    app.wait_connected();
    // Every insert goes under a provisional key first; this one is applied at once (as 1).
    app.ok("ticket_insert", json!({ "row": ticket("online") }));
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");

    let written = app.ok("ticket_insert", json!({ "row": ticket("offline") }));
    assert_eq!(written["id"], provisional(1), "a provisional key, shown as such");
    let edited =
        app.ok("ticket_update", json!({"row": {"id": written["id"], "title": "edited offline", "rowVersion": "1"}}));
    let dropped = app.ok("ticket_insert", json!({ "row": ticket("dropped") }));
    assert_eq!(dropped["id"], provisional(2));
    app.ok("ticket_delete", json!({"id": dropped["id"], "rowVersion": "1"}));
    app.ok("comment_insert", json!({"row": {"id": "c1", "ticketId": written["id"], "text": "on the new one"}}));
    assert_eq!(app.pending(), 5);
    app.shutdown();

    // Still offline after a restart: the queue, and the provisional keys (new ones continue).
    let app = start(config(dir.path(), proxy.url()));
    assert_eq!(app.ok("ticket_get", json!({"id": provisional(1)})), edited);
    let later = app.ok("ticket_insert", json!({ "row": ticket("after the restart") }));
    assert_eq!(later["id"], provisional(3), "no provisional key is given twice");
    assert_eq!(app.pending(), 6);

    let tickets = app.events("ticket:changed");
    let comments = app.events("comment:changed");
    proxy.go_online();
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the outbox to drain", || app.pending() == 0);
    assert_eq!(app.ok("sync_status", json!({}))["rejected"], json!([]), "nothing refused");

    // The server numbered them in the order they were written; each write applied once.
    let on_server = sorted_rows(&server, "ticket");
    let titles: Vec<(&Value, &Value, &Value)> =
        on_server.iter().map(|t| (&t["id"], &t["title"], &t["row_version"])).collect();
    assert_eq!(
        titles,
        [
            (&json!(1), &json!("online"), &json!(1)),
            (&json!(2), &json!("edited offline"), &json!(2)),
            (&json!(4), &json!("after the restart"), &json!(1)),
        ],
        "ticket 3 was inserted and deleted"
    );
    assert_eq!(server_rows(&server, "comment")[0]["ticket_id"], 2, "the comment points at the real key");
    assert_eq!(server_rows(&server, "heycat_applied_op").len(), 7, "every write applied once");

    // The app shows the real keys, and told the frontend of each key change as one update.
    assert_eq!(app.ok("ticket_get", json!({"id": "2"}))["title"], "edited offline");
    assert_eq!(app.ok("ticket_get", json!({"id": provisional(1)})), Value::Null);
    assert_eq!(app.ok("comment_get", json!({"id": "c1"}))["ticketId"], "2");
    // (The subscription also reports the server's insert of each row, just before; the
    // frontend's `applyChange` leaves one row, in the provisional one's place.)
    let updates: Vec<(Value, Value)> = drain(&tickets)
        .into_iter()
        .filter(|e| e["kind"] == "update" && e["oldRow"]["id"] != e["row"]["id"])
        .map(|e| (e["oldRow"]["id"].clone(), e["row"]["id"].clone()))
        .collect();
    // (The ticket inserted and deleted offline was never shown again: nothing to update.)
    assert_eq!(updates, [(provisional(1), json!("2")), (provisional(3), json!("4"))]);
    assert!(
        drain(&comments).iter().any(|e| e["kind"] == "update" && e["row"]["ticketId"] == "2"),
        "the comment followed its ticket"
    );
    app.shutdown();
}

/// The operation ids of the writes queued in `dir`'s outbox, in order.
fn queued_op_ids(dir: &Path) -> Vec<String> {
    let (outbox, _) = heycat_runtime::test_hooks::Outbox::open(dir).unwrap();
    outbox.pending().iter().map(|entry| entry.op_id.clone()).collect()
}

#[test]
fn an_insert_the_server_applied_before_the_app_died_still_gives_its_key_to_what_was_queued_after_it() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let app = start(config(dir.path(), unreachable));
    let written = app.ok("ticket_insert", json!({ "row": ticket("applied, never heard") }));
    app.ok("comment_insert", json!({"row": {"id": "c1", "ticketId": written["id"], "text": "x"}}));
    app.shutdown();
    // What the server did before the app died: applied the insert (same operation id).
    let insert = &queued_op_ids(dir.path())[0];
    let row = json!({"id": u64::MAX, "title": "applied, never heard", "row_version": 0});
    server.api().call(DATABASE, "ticket_insert", &json!([row, insert])).unwrap();

    let app = start(config(dir.path(), server.url()));
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the outbox to drain", || app.pending() == 0);
    let tickets = sorted_rows(&server, "ticket");
    assert_eq!(tickets.len(), 1, "the insert was not applied twice: {tickets:?}");
    assert_eq!(server_rows(&server, "comment")[0]["ticket_id"], tickets[0]["id"]);
    assert_eq!(app.ok("sync_status", json!({}))["rejected"], json!([]));
    app.shutdown();
}

#[test]
fn a_provisional_key_whose_change_is_still_kept_is_not_given_again_after_a_restart() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let unreachable = || config(dir.path(), format!("http://127.0.0.1:{}", free_port()));
    let app = start(unreachable());
    let first = app.ok("ticket_insert", json!({ "row": ticket("first") }));
    assert_eq!(first["id"], provisional(0));
    app.ok("comment_insert", json!({"row": {"id": "c1", "ticketId": first["id"], "text": "x"}}));
    app.shutdown();
    // As if a replay got as far as the ticket and the app died then: the server has it, the
    // outbox keeps the key change and the comment.
    let insert = queued_op_ids(dir.path())[0].clone();
    server
        .api()
        .call(DATABASE, "ticket_insert", &json!([{"id": 0, "title": "first", "row_version": 0}, insert]))
        .unwrap();
    let (mut outbox, _) = heycat_runtime::test_hooks::Outbox::open(dir.path()).unwrap();
    outbox
        .change_key(heycat_runtime::test_hooks::KeyChange {
            table: "ticket".into(),
            key_field: "id".into(),
            from: provisional(0),
            to: json!("1"),
            references: vec![("comment".into(), "ticketId".into())],
        })
        .unwrap();
    outbox.confirm_all(&[insert.as_str()]).unwrap();
    drop(outbox);

    let app = start(unreachable());
    let second = app.ok("ticket_insert", json!({ "row": ticket("second") }));
    assert_eq!(second["id"], provisional(1), "the first provisional key is still taken");
    app.shutdown();
    let app = start(config(dir.path(), server.url()));
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the outbox to drain", || app.pending() == 0);
    let titles: Vec<(Value, Value)> =
        sorted_rows(&server, "ticket").iter().map(|t| (t["id"].clone(), t["title"].clone())).collect();
    assert_eq!(titles, [(json!(1), json!("first")), (json!(2), json!("second"))]);
    assert_eq!(server_rows(&server, "comment")[0]["ticket_id"], 1);
    app.shutdown();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The keys of the tickets `app` lists, in the order listed.
fn ticket_ids(app: &impl Frontend) -> Vec<Value> {
    app.ok("ticket_list", json!({})).as_array().unwrap().iter().map(|r| r["id"].clone()).collect()
}

#[test]
fn numeric_keys_list_in_numeric_order_online_and_offline() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = start(config(dir.path(), proxy.url()));
    app.wait_connected();
    // Keys 1 to 12: as text, "10" comes before "9"; as numbers, after.
    for n in 1..=12 {
        app.ok("ticket_insert", json!({ "row": ticket(&format!("t{n}")) }));
    }
    let in_order: Vec<Value> = (1..=12u64).map(|n| json!(n.to_string())).collect();
    assert_eq!(ticket_ids(&app), in_order, "online");
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    assert_eq!(ticket_ids(&app), in_order, "offline, from the local copy");
    app.shutdown();
}
