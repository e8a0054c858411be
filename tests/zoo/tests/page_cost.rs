//! What a page costs: at 100,000 rows, a page of 100 in a column's order reads about the page's
//! rows (looked up in the connection's copy, or decoded from the local copy), not the table's;
//! online, online with writes queued on top, and offline. Counted, not timed: the runtime counts
//! the rows pages read (`test_hooks::rows_read_by_pages`). The first page in an order builds the
//! order's index (every row, once); the pages after it, and after writes, read only their own.
//! `pages.rs` pins what the pages answer; this pins what they cost.

mod support;

use std::time::Duration;

use heycat_harness::app::Frontend;
use heycat_harness::{Fault, Proxy};
use heycat_runtime::test_hooks::rows_read_by_pages;
use serde_json::{json, Value};
use support::{connected, server};

const ROWS: u64 = 100_000;
const PAGE: u64 = 100;

/// `ROWS` rows of `group`, put on the server in bulk (the import reducer a migration uses).
fn seed(server: &heycat_harness::Server) {
    let rows: Vec<Value> = (0..ROWS)
        .map(|i| {
            json!({"class": format!("c{i:06}"), "select": format!("s{:06}", (i * 7_919) % ROWS),
                   "order": i % 1_000, "function": {"none": []}, "default": i % 2 == 0, "call": i,
                   "user": "u", "row_version": 1})
        })
        .collect();
    for (i, chunk) in rows.chunks(10_000).enumerate() {
        server.api().call(heycat_zoo::DATABASE, "heycat_import_group", &json!([chunk, i > 0])).expect("seed rows");
    }
}

/// A page of `group` and how many rows the runtime read to answer it.
fn page(app: &impl Frontend, order: &str, descending: bool, after: &Value) -> (Value, u64) {
    let before = rows_read_by_pages();
    let args = json!({"order": order, "descending": descending, "after": after, "limit": PAGE});
    let page = app.ok("group_page", args);
    (page, rows_read_by_pages() - before)
}

/// In each order asked (both ways), the first page and the two after it: the first page in an
/// order may build its index (every row, once, here or in an earlier call), the others read at
/// most twice the page and what `queued` writes leave. Each page is full and counts `total`.
fn check_pages(app: &impl Frontend, total: u64, queued: u64, when: &str) {
    let budget = 2 * PAGE + 2 * queued;
    for order in ["select", "order", "class"] {
        for descending in [false, true] {
            let (first, read) = page(app, order, descending, &Value::Null);
            assert!(read <= ROWS + budget, "{when}, by {order}: the first page read {read} rows");
            let mut after = first["rows"][PAGE as usize - 1].clone();
            for _ in 0..2 {
                let (next, read) = page(app, order, descending, &after);
                assert!(read <= budget, "{when}, by {order}: a page of {PAGE} read {read} rows of {total}");
                assert_eq!((next["rows"].as_array().unwrap().len() as u64, &next["total"]), (PAGE, &json!(total)));
                after = next["rows"][PAGE as usize - 1].clone();
            }
            // The first page again: the index is there now.
            let (_, read) = page(app, order, descending, &Value::Null);
            assert!(read <= budget, "{when}, by {order}: the first page again read {read} rows");
        }
    }
}

/// A row that comes first by `select`.
fn first_by_select(class: &str) -> Value {
    json!({"class": class, "select": "", "order": 0, "function": null, "default": false, "call": "0", "user": "u"})
}

#[test]
fn a_page_of_100_at_100k_rows_reads_about_the_page_online_queued_and_offline() {
    let server = server();
    seed(&server);
    let proxy = Proxy::start(server.port());
    let (_dir, app) = connected(&server, &proxy.url());
    assert_eq!(
        app.ok("group_page", json!({"order": "class", "descending": false, "after": null, "limit": 0}))["total"],
        ROWS
    );

    // Online: the connection's copy, its indexes kept current by its row callbacks.
    check_pages(&app, ROWS, 0, "online");
    app.ok("group_insert", json!({"row": first_by_select("new online")}));
    let (first, read) = page(&app, "select", false, &Value::Null);
    assert_eq!(first["rows"][0]["class"], "new online", "the index follows a confirmed write");
    assert!(read <= 2 * PAGE, "online after a write: a page read {read} rows");

    // Online with writes queued over the copy (a stalled server: the connection is kept).
    proxy.set(Fault::Stall);
    app.ok("group_insert", json!({"row": first_by_select("+queued")}));
    let moved = app.ok("group_get", json!({"class": "c000001"}));
    app.ok("group_update", json!({"row": heycat_harness::with(&moved, "select", json!("\u{10FFFF}"))}));
    app.ok("group_delete", json!({"class": "c000002", "rowVersion": null}));
    assert_eq!(app.status()["state"], "connected");
    check_pages(&app, ROWS + 1, 3, "online with 3 writes queued");
    let (first, _) = page(&app, "select", false, &Value::Null);
    assert_eq!(first["rows"][0]["class"], "+queued", "a queued row in its place");
    let (last, _) = page(&app, "select", true, &Value::Null);
    assert_eq!(last["rows"][0]["class"], "c000001", "a queued change moves its row");
    assert_eq!(app.status()["state"], "connected", "the pages above read the connection's copy");

    // Offline: the local copy, its indexes kept current by the writes applied to it.
    proxy.go_offline();
    app.wait_status(Duration::from_secs(30), |s| s["state"] != "connected");
    check_pages(&app, ROWS + 1, 0, "offline");
    app.ok("group_insert", json!({"row": first_by_select("*offline")}));
    let (first, read) = page(&app, "select", false, &Value::Null);
    assert_eq!(first["rows"][0]["class"], "*offline", "the index follows a write queued offline");
    assert!(read <= 2 * PAGE, "offline after a write: a page read {read} rows");
    proxy.heal();
    app.shutdown();
}
