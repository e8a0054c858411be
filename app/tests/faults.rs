//! One device behind a proxy that fails the way networks do: stalls, latency, a slow trickle,
//! resets, a connection cut in the middle of a call, a link that goes away. For each: what the
//! status says, how long each write takes to return, and that every write ends on the server
//! exactly once, in order, once the network heals.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{config, entry, listed_entry_ids, start, Frontend, TestApp, DB};
use heycat_harness::{sql_rows, wait_for, with, Fault, Proxy, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Value};
use tauri::Listener;

/// A fault, how it is injected, and how long it lasts before the network heals.
struct Scenario {
    name: &'static str,
    inject: fn(&Proxy),
    heal: fn(&Proxy),
    lasts: Duration,
}

/// What one scenario showed.
struct Seen {
    status: String,
    slowest_write: Duration,
    queued: usize,
    synced_after_heal: Duration,
}

fn scenarios() -> Vec<Scenario> {
    let heal: fn(&Proxy) = Proxy::heal;
    vec![
        Scenario { name: "stall", inject: |p| p.set(Fault::Stall), heal, lasts: Duration::from_secs(8) },
        Scenario {
            name: "latency 200 ms each way",
            inject: |p| p.set(Fault::Latency(Duration::from_millis(200))),
            heal,
            lasts: Duration::from_secs(2),
        },
        Scenario {
            name: "trickle 3 kB/s",
            inject: |p| p.set(Fault::Trickle(3000)),
            heal,
            lasts: Duration::from_secs(3),
        },
        Scenario { name: "reset", inject: Proxy::reset_connections, heal, lasts: Duration::from_secs(1) },
        Scenario { name: "cut mid-call", inject: |p| p.cut_after(40), heal, lasts: Duration::from_secs(1) },
        Scenario {
            name: "link gone",
            inject: Proxy::go_offline,
            heal: Proxy::go_online,
            lasts: Duration::from_secs(3),
        },
    ]
}

/// An app connected to a fresh server through a proxy the test controls.
struct Linked {
    server: Server,
    proxy: Proxy,
    app: TestApp,
    _dir: tempfile::TempDir,
}

impl Linked {
    fn start() -> Linked {
        let server = Server::start().unwrap();
        server.api().publish_file(DB, &heycat_harness::module_wasm().unwrap()).unwrap();
        let proxy = Proxy::start(server.port());
        let dir = tempfile::tempdir().unwrap();
        heycat_harness::as_user_of(&server, dir.path());
        let app = start(config(dir.path(), ServerChoice::Remote(proxy.url())));
        app.wait_connected();
        Linked { server, proxy, app, _dir: dir }
    }
}

/// Runs one scenario: three writes (an insert, an update of it, another insert) under the fault,
/// then heals and checks that the server holds each exactly once, in order.
fn run(scenario: &Scenario) -> Seen {
    let Linked { server, proxy, app, _dir } = Linked::start();

    (scenario.inject)(&proxy);
    let fault_began = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut write = |command: &str, row: Value| {
        let started = Instant::now();
        let result = app.ok(command, json!({ "row": row }));
        slowest = slowest.max(started.elapsed());
        result
    };
    let a = write("dictionary_entry_insert", entry("a", "afk", "away from keyboard"));
    write("dictionary_entry_update", with(&a, "expansion", json!("away, back soon")));
    write("dictionary_entry_insert", entry("b", "brb", "be right back"));
    let queued = app.pending() as usize;
    std::thread::sleep(scenario.lasts.saturating_sub(fault_began.elapsed()));
    let status = app.status();
    let status = format!(
        "{}{}",
        status["state"].as_str().unwrap_or("?"),
        status["message"].as_str().map(|m| format!(": {m}")).unwrap_or_default()
    );

    (scenario.heal)(&proxy);
    let healed = Instant::now();
    wait_for(Duration::from_secs(60), &format!("{}: everything synced", scenario.name), || {
        app.status()["state"] == "connected" && app.pending() == 0 && stored(&server).len() == 2
    });
    let synced_after_heal = healed.elapsed();
    let stored = stored(&server);
    assert_eq!(
        (stored[0]["id"].clone(), stored[0]["expansion"].clone(), stored[0]["row_version"].clone()),
        (json!("a"), json!("away, back soon"), json!(2)),
        "{}: the insert then its update, each applied once, in order",
        scenario.name
    );
    assert_eq!(
        (stored[1]["id"].clone(), stored[1]["row_version"].clone()),
        (json!("b"), json!(1)),
        "{}",
        scenario.name
    );
    let applied = sql_rows(&server.api(), DB, "SELECT * FROM heycat_applied_op").unwrap();
    assert_eq!(applied.len(), 3, "{}: three writes, each applied once: {applied:?}", scenario.name);
    assert_eq!(listed_entry_ids(&app), ["a", "b"], "{}: the app shows what the server holds", scenario.name);
    app.shutdown();
    Seen { status, slowest_write: slowest, queued, synced_after_heal }
}

fn stored(server: &Server) -> Vec<Value> {
    let mut rows = sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry").unwrap();
    rows.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_owned());
    rows
}

#[test]
fn every_fault_ends_with_each_write_on_the_server_once_in_order() {
    let mut table =
        vec!["| fault | status while it lasted | slowest write returned | queued | synced after heal |".to_owned()];
    table.push("|---|---|---|---|---|".into());
    for scenario in scenarios() {
        let seen = run(&scenario);
        table.push(format!(
            "| {} | {} | {} ms | {} | {:.1} s |",
            scenario.name,
            seen.status,
            seen.slowest_write.as_millis(),
            seen.queued,
            seen.synced_after_heal.as_secs_f64()
        ));
        // Far above the write path's bound (750 ms): a write that waited on the network.
        assert!(
            seen.slowest_write < Duration::from_secs(5),
            "{}: a write waited {:?}",
            scenario.name,
            seen.slowest_write
        );
    }
    println!("{}", table.join("\n"));
}

/// Every payload of `event` from now on, with when it arrived.
fn timed_events(app: &TestApp, event: &str) -> mpsc::Receiver<(Instant, Value)> {
    let (tx, rx) = mpsc::channel();
    app.app.listen_any(event, move |e| {
        let _ = tx.send((Instant::now(), serde_json::from_str(e.payload()).unwrap_or(Value::Null)));
    });
    rx
}

/// Through a link 200 ms away each way, a write shows at once (its row, pending) and returns
/// when the server confirmed it; one the server refuses is shown, then taken back, and fails
/// with the server's reason.
#[test]
fn on_a_slow_link_writes_show_at_once_and_a_refused_one_is_taken_back() {
    let Linked { server: _server, proxy, app, _dir } = Linked::start();
    let changes = timed_events(&app, "dictionary_entry:changed");
    let sync = app.events("sync:status");
    proxy.set(Fault::Latency(Duration::from_millis(200)));

    let started = Instant::now();
    let stored = app.ok("dictionary_entry_insert", json!({ "row": entry("s", "slow", "a slow link") }));
    let returned = Instant::now();
    assert_eq!(stored["rowVersion"], "1", "confirmed by the server, not queued: {stored}");
    let (shown_at, shown) = changes.recv_timeout(Duration::from_secs(1)).expect("the row was shown");
    assert_eq!((shown["kind"].clone(), shown["row"]["id"].clone()), (json!("insert"), json!("s")));
    assert!(shown_at < returned, "shown before the server answered");
    let mut statuses: Vec<Value> = Vec::new();
    wait_for(Duration::from_secs(5), "the sync status after the confirmation", || {
        statuses.extend(sync.try_iter());
        // (An event carries the keys that changed.)
        statuses.last().is_some_and(|s| s["pendingKeys"]["removed"]["dictionary_entry"] == json!(["\"s\""]))
    });
    assert!(
        statuses.iter().any(|s| s["pendingKeys"]["added"]["dictionary_entry"] == json!(["\"s\""])),
        "marked pending while in flight: {statuses:?}"
    );

    let refused = app.invoke("dictionary_entry_insert", json!({ "row": entry("x", "slow", "taken") })).unwrap_err();
    assert_eq!(refused["kind"], "uniqueViolation", "the server's reason: {refused}");
    let mut seen: Vec<Value> = Vec::new();
    wait_for(Duration::from_secs(5), "the refused row shown and taken back", || {
        seen.extend(changes.try_iter().map(|(_, c)| c).filter(|c| c["row"]["id"] == "x"));
        seen.len() >= 2
    });
    let kinds: Vec<&str> = seen.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["insert", "delete"], "shown, then taken back: {seen:?}");
    assert_eq!(app.ok("dictionary_entry_get", json!({ "id": "x" })), Value::Null);
    println!(
        "through a 200 ms link a write was shown after {} ms and returned, confirmed, after {} ms",
        (shown_at - started).as_millis(),
        (returned - started).as_millis()
    );
    proxy.heal();
    app.shutdown();
}
