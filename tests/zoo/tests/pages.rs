//! Windowed reads: walking `<table>_page` from the first page to the last, in any of a table's
//! orders and either direction, gives the rows `<table>_list` has, in that order, ties broken by
//! the key; online, online with writes queued on top and offline alike, walked before and after
//! writes (the orders' indexes follow them); a cursor row deleted between pages still marks the
//! place. Against a real server, through the commands as the
//! frontend calls them, checked against this test's own account of the order (`compare`).
//!
//! The orders found are kept in `ui/orders.json`, where the TypeScript tests sort the same rows
//! with the generated comparators (`<TABLE>_ORDERS`) and must find the same orders.

mod support;

use std::cmp::Ordering;
use std::path::Path;
use std::time::Duration;

use heycat_harness::app::Frontend;
use heycat_harness::{Fault, Proxy};
use serde_json::{json, Value};
use support::{connected, server};

/// How a column's values compare, as this test sees them (not the runtime's code).
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// By code point: what Rust's `str` order is.
    Text,
    /// As integers, however wide: decimal text (64 bits and wider) or a JSON number.
    Integer,
    /// In the total order of floats (`-0.0` before `0.0`).
    Float,
    Bool,
}

/// A table's orders: `(order, its column's field, how the column compares)`, the key first.
struct Table {
    name: &'static str,
    orders: &'static [(&'static str, Kind)],
}

impl Table {
    fn key(&self) -> (&'static str, Kind) {
        self.orders[0]
    }
}

const GROUP: Table = Table {
    name: "group",
    orders: &[
        ("class", Kind::Text),
        ("select", Kind::Text),
        ("order", Kind::Integer),
        ("function", Kind::Text),
        ("default", Kind::Bool),
        ("call", Kind::Integer),
        ("user", Kind::Text),
    ],
};

const EXTREMES: Table = Table {
    name: "extremes",
    orders: &[
        ("id", Kind::Text),
        ("big", Kind::Integer),
        ("small", Kind::Integer),
        ("huge", Kind::Integer),
        ("deep", Kind::Integer),
        ("wide", Kind::Integer),
        ("low", Kind::Integer),
        ("tiny", Kind::Integer),
        ("byte", Kind::Integer),
        ("ratio", Kind::Float),
    ],
};

const TICKET: Table = Table { name: "ticket", orders: &[("id", Kind::Integer), ("title", Kind::Text)] };

/// Text that `<` on UTF-16 code units orders otherwise than code points do (an astral character
/// against U+FF5E), capitals before small letters, accents, a combining one, and repeats (ties).
const TEXTS: [&str; 9] = ["x", "X", "é", "e\u{301}", "😀", "\u{FF5E}", "Zebra", "apple", "x"];

fn group_row(i: usize) -> Value {
    let keys = ["a", "B", "b", "é", "Z", "z", "😀", "\u{FF5E}", "ab", "a b"];
    let class = if i < keys.len() { keys[i].to_owned() } else { format!("k{i:02}") };
    let calls = ["0", "9", "10", "9007199254740993", "18446744073709551615", "9007199254740992"];
    json!({
        "class": class,
        "select": TEXTS[i % TEXTS.len()],
        "order": (i * 7) % 5,
        "function": if i.is_multiple_of(3) { Value::Null } else { json!(TEXTS[(i * 5) % TEXTS.len()]) },
        "default": i.is_multiple_of(2),
        "call": calls[i % calls.len()],
        "user": if i.is_multiple_of(4) { "Ann" } else { "ann" },
    })
}

fn extremes_row(i: usize) -> Value {
    let pick = |values: &[&str]| values[i % values.len()].to_owned();
    let (tiny, byte) = ([-128, -1, 0, 127, -2][i % 5], [255, 0, 10, 9][i % 4]);
    let ratio = [-0.0, 0.0, -1.5, 1e300, -1e-300, 2.5, 0.0, -0.0][i % 8];
    json!({
        "id": format!("x{i:02}"),
        "big": pick(&["0", "340282366920938463463374607431768211455", "18446744073709551616", "9"]),
        "small": pick(&["-170141183460469231731687303715884105728", "-1", "0", "12", "-12"]),
        "huge": pick(&["115792089237316195423570985008687907853269984665640564039457584007913129639935", "10", "9"]),
        "deep": pick(&["-57896044618658097711785492504343953926634992332820282019728792003956564819968", "-9", "-10", "7"]),
        "wide": pick(&["18446744073709551615", "9007199254740993", "9007199254740992", "0", "9"]),
        "low": pick(&["-9223372036854775808", "-1", "9223372036854775807", "-9007199254740993"]),
        "tiny": tiny,
        "byte": byte,
        "ratio": ratio,
    })
}

/// Decimal text of an integer (a JSON number or decimal text).
fn decimal(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// Two integers in decimal, compared as numbers however wide.
fn compare_decimal(a: &str, b: &str) -> Ordering {
    let magnitude = |x: &str, y: &str| x.len().cmp(&y.len()).then_with(|| x.cmp(y));
    match (a.strip_prefix('-'), b.strip_prefix('-')) {
        (Some(a), Some(b)) => magnitude(b, a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => magnitude(a, b),
    }
}

/// Two values of a column as this test expects them ordered: none first.
fn compare_values(a: &Value, b: &Value, kind: Kind) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => match kind {
            Kind::Text => a.as_str().unwrap().cmp(b.as_str().unwrap()),
            Kind::Integer => compare_decimal(&decimal(a), &decimal(b)),
            Kind::Float => a.as_f64().unwrap().total_cmp(&b.as_f64().unwrap()),
            Kind::Bool => a.as_bool().unwrap().cmp(&b.as_bool().unwrap()),
        },
    }
}

/// Two rows of `table` in `order` (ties by the key), reversed when `descending`.
fn compare(table: &Table, order: (&str, Kind), descending: bool, a: &Value, b: &Value) -> Ordering {
    let ((field, kind), (key, key_kind)) = (order, table.key());
    let ascending = compare_values(&a[field], &b[field], kind).then_with(|| compare_values(&a[key], &b[key], key_kind));
    if descending {
        ascending.reverse()
    } else {
        ascending
    }
}

fn list(app: &impl Frontend, table: &Table) -> Vec<Value> {
    app.ok(&format!("{}_list", table.name), json!({})).as_array().unwrap().clone()
}

fn page(app: &impl Frontend, table: &Table, order: &str, descending: bool, after: &Value, limit: u64) -> Value {
    let args = json!({"order": order, "descending": descending, "after": after, "limit": limit});
    app.ok(&format!("{}_page", table.name), args)
}

/// Every row, walked a page of `limit` at a time from the first; checks each page's `more` and
/// `total` on the way.
fn walk(app: &impl Frontend, table: &Table, order: &str, descending: bool, limit: u64) -> Vec<Value> {
    let total = list(app, table).len();
    let (mut rows, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = page(app, table, order, descending, &after, limit);
        let got = page["rows"].as_array().unwrap();
        assert_eq!(page["total"], json!(total), "{} by {order}: every row counted", table.name);
        rows.extend(got.iter().cloned());
        assert!(rows.len() <= total, "{} by {order}: more rows than the table has", table.name);
        if page["more"] == json!(false) {
            assert!(got.len() as u64 <= limit);
            return rows;
        }
        assert_eq!(got.len() as u64, limit, "{} by {order}: a page with more after it is full", table.name);
        after = got.last().unwrap().clone();
    }
}

fn keys(table: &Table, rows: &[Value]) -> Vec<Value> {
    rows.iter().map(|row| row[table.key().0].clone()).collect()
}

/// Walks every order of `table` both ways (limit 7) and checks each against `list`'s rows in
/// this test's order. Returns the keys in each order, ascending and descending.
fn check_every_order(app: &impl Frontend, table: &Table) -> Value {
    let listed = list(app, table);
    let mut found = serde_json::Map::new();
    for &(order, kind) in table.orders {
        let mut both = serde_json::Map::new();
        for descending in [false, true] {
            let mut expected = listed.clone();
            expected.sort_by(|a, b| compare(table, (order, kind), descending, a, b));
            let walked = walk(app, table, order, descending, 7);
            let direction = if descending { "descending" } else { "ascending" };
            assert_eq!(keys(table, &walked), keys(table, &expected), "{} by {order}, {direction}", table.name);
            assert_eq!(walked, expected, "{} by {order}, {direction}: the rows as listed", table.name);
            both.insert(direction.into(), Value::Array(keys(table, &walked)));
        }
        found.insert(order.into(), Value::Object(both));
    }
    json!({"rows": listed, "orders": found})
}

#[test]
fn every_order_walked_page_by_page_is_the_list_in_that_order() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());
    for i in 0..30 {
        app.ok("group_insert", json!({"row": group_row(i)}));
    }
    for i in 0..16 {
        app.ok("extremes_insert", json!({"row": extremes_row(i)}));
    }
    // Keys the server gives, 1 to 12: `9` before `10`.
    for i in 0..12 {
        app.ok("ticket_insert", json!({"row": {"id": "0", "title": TEXTS[i % TEXTS.len()]}}));
    }
    let found = json!({
        "group": check_every_order(&app, &GROUP),
        "extremes": check_every_order(&app, &EXTREMES),
        "ticket": check_every_order(&app, &TICKET),
    });

    // No rows asked for: none answered, but what follows is said. A limit beyond the cap is
    // the cap: here every row.
    let none = page(&app, &GROUP, "select", false, &Value::Null, 0);
    assert_eq!(none, json!({"rows": [], "more": true, "total": 30}));
    let all = page(&app, &GROUP, "call", true, &Value::Null, u64::from(u32::MAX));
    assert_eq!((all["rows"].as_array().unwrap().len(), &all["more"]), (30, &json!(false)));
    let last = all["rows"][29].clone();
    assert_eq!(page(&app, &GROUP, "call", true, &last, 5), json!({"rows": [], "more": false, "total": 30}));
    // An order the table does not have is refused in words.
    let refused = app.err("group_page", json!({"order": "nope", "descending": false, "after": null, "limit": 5}));
    assert_eq!(refused["kind"], "badInput", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("an order of `group` rows: \"class\", \"select\""),
        "{refused}"
    );

    check_fixture(&found);

    // Rows inserted, changed so that they move, and deleted after every order was walked: the
    // orders' indexes follow the connection's changes.
    queue_writes(&app);
    check_every_order(&app, &GROUP);
    check_every_order(&app, &TICKET);
    app.shutdown();
}

#[test]
fn a_page_after_a_cursor_row_deleted_meanwhile_continues_where_it_was() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());
    for i in 0..20 {
        app.ok("group_insert", json!({"row": group_row(i)}));
    }
    let order = ("select", Kind::Text);
    let first = page(&app, &GROUP, order.0, true, &Value::Null, 7);
    let cursor = first["rows"][6].clone();
    app.ok("group_delete", json!({"class": cursor["class"], "rowVersion": null}));
    // A row that sorts before the cursor appears meanwhile: not on the next page.
    let mut before = group_row(20);
    before["select"] = json!("\u{10FFFF}");
    app.ok("group_insert", json!({ "row": before }));

    let next = page(&app, &GROUP, order.0, true, &cursor, 7);
    let mut expected: Vec<Value> = list(&app, &GROUP)
        .into_iter()
        .filter(|row| compare(&GROUP, order, true, row, &cursor) == Ordering::Greater)
        .collect();
    expected.sort_by(|a, b| compare(&GROUP, order, true, a, b));
    assert_eq!(keys(&GROUP, next["rows"].as_array().unwrap()), keys(&GROUP, &expected[..7]));
    assert_eq!((&next["more"], &next["total"]), (&json!(true), &json!(20)));
    app.shutdown();
}

/// Writes (that queue, in the tests that make them queue): a row inserted, one changed so that
/// it moves, one deleted, and a ticket (whose key the server gives: queued under a provisional
/// one).
fn queue_writes(app: &impl Frontend) {
    app.ok("group_insert", json!({"row": group_row(40)}));
    let moved = app.ok("group_get", json!({"class": "b"}));
    app.ok("group_update", json!({"row": heycat_harness::with(&moved, "select", json!("\u{10FFFF}"))}));
    app.ok("group_delete", json!({"class": "Z", "rowVersion": null}));
    app.ok("ticket_insert", json!({"row": {"id": "0", "title": "queued"}}));
}

/// What the pages show of `queue_writes`' writes, and every order walked.
fn check_queued_writes_shown(app: &impl Frontend) {
    let by_select = walk(app, &GROUP, "select", true, 7);
    assert_eq!(by_select[0]["class"], "b", "the changed row moved to its new place");
    let classes = keys(&GROUP, &walk(app, &GROUP, "class", false, 7));
    assert!(classes.contains(&json!("k40")) && !classes.contains(&json!("Z")), "{classes:?}");
    let tickets = walk(app, &TICKET, "id", true, 7);
    assert_eq!(tickets[0]["title"], "queued", "a provisional key is above every key the server gave");
    assert_eq!(tickets.len(), 4);
    check_every_order(app, &GROUP);
    check_every_order(app, &TICKET);
}

fn insert_rows(app: &impl Frontend) {
    for i in 0..12 {
        app.ok("group_insert", json!({"row": group_row(i)}));
    }
    for title in &TEXTS[..3] {
        app.ok("ticket_insert", json!({"row": {"id": "0", "title": title}}));
    }
}

#[test]
fn offline_pages_come_from_the_local_copy_with_the_queued_writes() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let (_dir, app) = connected(&server, &proxy.url());
    insert_rows(&app);
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");
    // Walked before the writes too: the orders' indexes then follow each write.
    check_every_order(&app, &GROUP);
    queue_writes(&app);
    assert_eq!(app.pending(), 4);
    check_queued_writes_shown(&app);
    app.shutdown();
}

#[test]
fn online_pages_show_the_queued_writes_over_the_connection_copy() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let (_dir, app) = connected(&server, &proxy.url());
    insert_rows(&app);
    // Walked before the writes too: the orders' indexes then follow the connection's changes,
    // and the queued writes come over them.
    check_every_order(&app, &GROUP);
    check_every_order(&app, &TICKET);
    // A stalled server: the first write waits for its answer, then queues; the others queue at
    // once behind it. The connection is kept until its heartbeat has waited 3 s, so the reads
    // below come from the connection's copy with the queued writes over it.
    proxy.set(Fault::Stall);
    queue_writes(&app);
    assert_eq!(app.pending(), 4);
    assert_eq!(app.status()["state"], "connected");
    check_queued_writes_shown(&app);
    assert_eq!(app.status()["state"], "connected", "still connected: the reads above were online");
    proxy.heal();
    app.shutdown();
}

/// `ui/orders.json`: the rows and the orders the pages answered, which the TypeScript tests sort
/// with the generated comparators. `HEYCAT_BLESS=1` writes it.
fn check_fixture(found: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/orders.json");
    let text = fixture_text(found);
    if std::env::var(heycat_runtime::env::BLESS).is_ok_and(|v| v == "1") {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "tests/zoo/ui/orders.json is not what the pages answer: rerun with HEYCAT_BLESS=1 \
         (`HEYCAT_BLESS=1 cargo test -p heycat-zoo --test pages`), review the diff and commit it"
    );
}

/// The fixture as JSON with a row, or an order's keys, per line.
fn fixture_text(found: &Value) -> String {
    let line = |value: &Value| serde_json::to_string(value).unwrap();
    let tables: Vec<String> = found
        .as_object()
        .unwrap()
        .iter()
        .map(|(table, found)| {
            let rows: Vec<String> =
                found["rows"].as_array().unwrap().iter().map(|r| format!("      {}", line(r))).collect();
            let orders: Vec<String> = found["orders"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(o, keys)| format!("      {}: {}", line(&json!(o)), line(keys)))
                .collect();
            format!(
                "  {}: {{\n    \"rows\": [\n{}\n    ],\n    \"orders\": {{\n{}\n    }}\n  }}",
                line(&json!(table)),
                rows.join(",\n"),
                orders.join(",\n")
            )
        })
        .collect();
    format!("{{\n{}\n}}\n", tables.join(",\n"))
}
