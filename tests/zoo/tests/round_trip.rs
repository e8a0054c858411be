//! Every zoo table round-trips exactly: through the generated commands (the JSON the
//! frontend sends and gets, the same samples the TypeScript tests decode), through the
//! server's own SQL, and through the offline queue and the local copy across a restart.

mod support;

use std::path::Path;
use std::time::Duration;

use heycat_harness::app::Frontend;
use heycat_harness::{sql_rows, wait_for, Proxy};
use heycat_runtime::config::ServerChoice;
use heycat_zoo::{data, DATABASE};
use serde_json::{json, Value};
use support::{config, connected, server, server_rows, start};

/// Base64, standard alphabet, padded: what the TypeScript sends for a `Uint8Array`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// The bytes of SpacetimeDB's JSON for a `Vec<u8>` (a hex string in 1.2.0's SQL answers).
fn server_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(hex) => {
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
        }
        Value::Array(items) => items.iter().map(|b| b.as_u64().unwrap() as u8).collect(),
        other => panic!("not bytes: {other}"),
    }
}

/// `u256::MAX` and `i256::MIN`, in decimal.
const U256_MAX: &str = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
const I256_MIN: &str = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";

fn megabyte() -> Vec<u8> {
    (0..1_048_576u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect()
}

fn blob(id: &str, data: &[u8]) -> Value {
    json!({
        "id": id,
        "data": base64(data),
        "maybe": base64(&[]),
        "chunks": [base64(&[0, 255]), base64(&[])],
        "picture": {"pixels": base64(&[1, 2, 3]), "thumbnails": [base64(b"thumb")]},
    })
}

fn extremes(id: &str) -> Value {
    json!({
        "id": id,
        "big": u128::MAX.to_string(),
        "small": i128::MIN.to_string(),
        "huge": U256_MAX,
        "deep": I256_MIN,
        "wide": u64::MAX.to_string(),
        "low": i64::MIN.to_string(),
        "tiny": i8::MIN,
        "byte": u8::MAX,
        "ratio": 1.5e300,
    })
}

fn with_version(row: &Value, version: u64) -> Value {
    let mut row = row.clone();
    row["rowVersion"] = json!(version.to_string());
    row
}

#[test]
fn bytes_and_the_widest_integers_round_trip_exactly_through_commands_and_sql() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());

    let big = megabyte();
    let inserted = app.ok("blob_insert", json!({"row": blob("b1", &big)}));
    assert_eq!(inserted, with_version(&blob("b1", &big), 1));
    let empty = app.ok("blob_insert", json!({"row": with_version(&blob("b2", &[]), 0)}));
    assert_eq!(empty["data"], "", "an empty byte array");
    // Earlier versions sent bytes as arrays of numbers: still read.
    let mut numbers = blob("b3", b"hey");
    numbers["data"] = json!([104, 101, 121]);
    assert_eq!(app.ok("blob_insert", json!({"row": numbers}))["data"], base64(b"hey"));
    let mut bad = blob("b4", b"x");
    bad["data"] = json!("not base64!");
    let refused = app.err("blob_insert", json!({"row": bad}));
    assert_eq!(refused["kind"], "badInput", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("bytes are not base64"), "{refused}");
    assert_eq!(app.ok("blob_get", json!({"id": "b1"})), with_version(&blob("b1", &big), 1));

    let rows = server_rows(&server, "blob");
    let b1 = rows.iter().find(|r| r["id"] == "b1").expect("b1 on the server");
    assert_eq!(server_bytes(&b1["data"]), big, "the megabyte, exactly, in the server's own SQL");
    assert_eq!(server_bytes(&b1["maybe"]["some"]), Vec::<u8>::new(), "{}", b1["maybe"]);
    assert_eq!(b1["chunks"].as_array().unwrap().iter().map(server_bytes).collect::<Vec<_>>(), [vec![0, 255], vec![]]);
    assert_eq!(server_bytes(&b1["picture"]["thumbnails"][0]), b"thumb");

    let limits = app.ok("extremes_insert", json!({"row": extremes("x1")}));
    assert_eq!(limits, with_version(&extremes("x1"), 1));
    let on_server = &server_rows(&server, "extremes")[0];
    assert_eq!(on_server["big"].to_string(), u128::MAX.to_string());
    assert_eq!(on_server["small"].to_string(), i128::MIN.to_string());
    // SpacetimeDB's JSON writes 256-bit integers in hex.
    let (huge, deep) = (format!("0x{}", "f".repeat(64)), format!("-0x8{}", "0".repeat(63)));
    assert_eq!((&on_server["huge"], &on_server["deep"]), (&json!(huge), &json!(deep)));
    assert_eq!(on_server["wide"].to_string(), u64::MAX.to_string());
    assert_eq!(on_server["low"].to_string(), i64::MIN.to_string());
    assert_eq!(
        (&on_server["tiny"], &on_server["byte"], &on_server["ratio"]),
        (&json!(-128), &json!(255), &json!(1.5e300))
    );
    app.shutdown();
}

/// Every zoo table, in an order rows can be inserted in (a ticket before its comments). A
/// ticket's sample key is the one the server gives the first ticket.
const ZOO_TABLES: [&str; 8] = ["blob", "comment", "drawing", "extremes", "group", "maybe", "preset", "ticket"];
const INSERT_ORDER: [&str; 8] = ["blob", "drawing", "extremes", "group", "maybe", "preset", "ticket", "comment"];

/// `ui/samples.json`: rows in wire form, which the TypeScript tests decode and encode too.
fn samples() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/samples.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_samples_the_typescript_tests_decode_are_what_the_commands_answer() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());
    let samples = samples();
    let mut tables: Vec<&String> = samples.as_object().unwrap().keys().collect();
    tables.sort();
    assert_eq!(tables, ZOO_TABLES, "a sample of every zoo table");
    for table in INSERT_ORDER {
        for sample in samples[table].as_array().unwrap() {
            let mut row = sample.clone();
            row.as_object_mut().unwrap().remove("rowVersion");
            assert_eq!(&app.ok(&format!("{table}_insert"), json!({ "row": row })), sample, "{table}");
            let key = if table == "group" { "class" } else { "id" };
            assert_eq!(&app.ok(&format!("{table}_get"), json!({ key: sample[key] })), sample, "{table}");
        }
    }
    // The server keeps an option of an option apart too (SpacetimeDB's JSON: `{"some": ..}`
    // or `{"none": []}`).
    let maybes = server_rows(&server, "maybe");
    let by_id = |id: &str| maybes.iter().find(|r| r["id"] == id).unwrap().clone();
    let none = json!({"none": []});
    assert_eq!((&by_id("m1")["twice"], &by_id("m2")["twice"]), (&none, &json!({"some": none})));
    assert_eq!(by_id("m3")["twice"], json!({"some": {"some": u64::MAX}}));
    assert_eq!(by_id("m3")["thrice"], json!({"some": {"some": none}}));
    // Enums with values, in SpacetimeDB's own JSON (`{"Variant": value}`).
    let d1 = server_rows(&server, "drawing").into_iter().find(|d| d["id"] == "d1").unwrap();
    assert_eq!(d1["shape"], json!({"Circle": 1.5}));
    assert_eq!(
        d1["shapes"],
        json!([{"Empty": []}, {"Circle": 1.5}, {"Polygon": [{"x": 0.0, "y": 1.0}, {"x": -2.5, "y": 3.25}]},
               {"Polygon": []}, {"Label": "hi"}, {"Filled": {"Solid": {"Green": []}}},
               {"Filled": {"Gradient": [{"Red": []}, {"Blue": []}]}}, {"Filled": {"Clear": []}},
               {"Weight": u128::MAX}, {"Stamp": "00ff"}, {"Note": {"some": none}},
               {"Note": {"some": {"some": i64::MIN}}}, {"Note": none}])
    );
    assert_eq!(d1["layer"]["shapes"][0], json!({"Filled": {"Gradient": [{"Red": []}, {"Blue": []}]}}));
    app.shutdown();
}

#[test]
fn an_export_of_every_zoo_table_reimports_into_an_empty_database_exactly() {
    let server = server();
    server.api().publish("zoo-copy", &support::module()).unwrap();
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    heycat_harness::as_user_of(&server, dir.path());
    heycat_harness::as_user_of(&server, copy_dir.path());
    let app = start(config(dir.path(), server.url()));
    app.wait_connected();
    let samples = samples();
    for table in INSERT_ORDER {
        for sample in samples[table].as_array().unwrap() {
            let mut row = sample.clone();
            row.as_object_mut().unwrap().remove("rowVersion");
            app.ok(&format!("{table}_insert"), json!({ "row": row }));
        }
    }
    for title in ["one", "two"] {
        app.ok("ticket_insert", json!({"row": {"id": "0", "title": title}}));
    }
    let export = app.ok("storage_export", json!({}));
    let copy = start(heycat_harness::app::config(copy_dir.path(), ServerChoice::Remote(server.url()), "zoo-copy"));
    copy.wait_connected();
    let imported = copy.ok("storage_import", json!({ "path": export["path"] }));
    assert_eq!(imported["rows"], export["rows"]);
    for table in heycat_runtime::Schema::info(&data::SCHEMA).exported_tables {
        let query = format!("SELECT * FROM \"{table}\"");
        let (mut original, mut restored) =
            (sql_rows(&server.api(), DATABASE, &query).unwrap(), sql_rows(&server.api(), "zoo-copy", &query).unwrap());
        original.sort_by_key(Value::to_string);
        restored.sort_by_key(Value::to_string);
        assert_eq!(restored, original, "{table}: every row, every value");
    }
    // The server numbers new rows after the imported ones.
    let next = copy.ok("ticket_insert", json!({"row": {"id": "0", "title": "three"}}));
    assert_eq!(next["id"], "4", "{next}");
    app.shutdown();
    copy.shutdown();
}

#[test]
fn a_conflict_on_a_row_with_enum_values_lists_both_versions_exactly_and_resolves() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());
    let drawings = samples()["drawing"].clone();
    let mut row = drawings[0].clone();
    row.as_object_mut().unwrap().remove("rowVersion");
    let first = app.ok("drawing_insert", json!({ "row": row }));
    let theirs = app.ok("drawing_update", json!({ "row": with(&first, "shapes", json!([])) }));
    // A write based on the first version, after the row moved on: kept as a conflict.
    let mine = with(&first, "shape", json!({"tag": "Note", "value": {"maybe": {"some": null}}}));
    let refused = app.err("drawing_update", json!({ "row": mine }));
    assert_eq!(refused["kind"], "conflict", "{refused}");
    let listed = app.ok("conflict_list", json!({}));
    let conflict = &listed[0];
    assert_eq!((&conflict["table"], &conflict["theirs"]), (&json!("drawing"), &theirs));
    assert_eq!(conflict["mine"]["shape"], json!({"tag": "Note", "value": {"maybe": {"some": null}}}));
    assert_eq!(conflict["mine"]["layer"], first["layer"], "both versions decode, nested values and all");
    app.ok("conflict_resolve", json!({"id": conflict["id"], "resolution": {"choice": "keepMine"}}));
    let kept = app.ok("drawing_get", json!({"id": "d1"}));
    assert_eq!(kept["shape"], json!({"tag": "Note", "value": {"maybe": {"some": null}}}));
    assert_eq!(app.ok("conflict_list", json!({})), json!([]));
    app.shutdown();
}

#[test]
fn tables_and_columns_named_after_typescript_and_sql_words_work_through_commands_sql_and_backups() {
    let server = server();
    let (_dir, app) = connected(&server, &server.url());
    let row =
        json!({"class": "k1", "select": "*", "order": 2, "function": null, "default": true, "call": "7", "user": "me"});
    let stored = app.ok("group_insert", json!({ "row": row }));
    assert_eq!(stored, with_version(&row, 1));
    assert_eq!(app.ok("group_get", json!({"class": "k1"})), stored);
    let updated = app.ok("group_update", json!({ "row": with(&stored, "order", json!(3)) }));
    assert_eq!(updated["order"], 3);
    app.ok("group_insert", json!({ "row": with(&row, "class", json!("k2")) }));
    app.ok("group_delete", json!({"class": "k2", "rowVersion": "1"}));

    // The server's SQL, with quoted names.
    let picked =
        sql_rows(&server.api(), DATABASE, r#"SELECT "select", "order" FROM "group" WHERE "class" = 'k1'"#).unwrap();
    assert_eq!(picked, [json!({"select": "*", "order": 3})]);
    // A migration's backup reads every table by SQL: `group` too.
    let backup = heycat_local_server::migrate::Backup::export(&server.api(), DATABASE, 1, &["group".into()]).unwrap();
    assert_eq!(backup.counts["group"], 1);
    assert_eq!(backup.tables["group"][0]["user"], "me");
    app.shutdown();
}

#[test]
fn bytes_written_offline_survive_a_restart_and_replay_exactly_once() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let (dir, app) = connected(&server, &proxy.url());
    proxy.go_offline();
    app.wait_status(Duration::from_secs(10), |s| s["state"] != "connected");

    let big = megabyte();
    let written = app.ok("blob_insert", json!({"row": blob("b1", &big)}));
    let edited = app.ok("blob_update", json!({"row": with(&written, "data", json!(base64(&big[..1000])))}));
    app.ok("extremes_insert", json!({"row": extremes("x1")}));
    let maybe = json!({"id": "m1", "twice": {"some": null}, "label": null, "thrice": {"some": {"some": "-1"}}});
    let maybe = app.ok("maybe_insert", json!({ "row": maybe }));
    let drawing = json!({"id": "d1", "shape": {"tag": "Polygon", "value": [{"x": 1.5, "y": -1.5}]}, "maybe": null,
                         "shapes": [{"tag": "Filled", "value": {"tag": "Solid", "value": "Red"}}],
                         "layer": {"name": "offline", "shapes": [{"tag": "Stamp", "value": base64(b"x")}]}});
    let drawing = app.ok("drawing_insert", json!({ "row": drawing }));
    let drawing = app.ok("drawing_update", json!({ "row": with(&drawing, "maybe", json!({"tag": "Empty"})) }));
    assert_eq!(app.pending(), 6);
    app.shutdown();

    let app = start(config(dir.path(), proxy.url()));
    assert_eq!(app.pending(), 6, "the queue survived the restart");
    assert_eq!(app.ok("drawing_get", json!({"id": "d1"})), drawing, "the local copy kept the variants exactly");
    assert_eq!(app.ok("maybe_get", json!({"id": "m1"})), maybe, "Some(None) stayed apart from None");
    assert_eq!(app.ok("blob_get", json!({"id": "b1"})), edited, "the local copy kept the bytes exactly");
    proxy.go_online();
    app.wait_connected();
    wait_for(Duration::from_secs(30), "the outbox to drain", || app.pending() == 0);
    assert_eq!(server_rows(&server, "heycat_applied_op").len(), 6, "each write applied once");
    let on_server = &server_rows(&server, "drawing")[0];
    assert_eq!((&on_server["maybe"], &on_server["row_version"]), (&json!({"some": {"Empty": []}}), &json!(2)));
    assert_eq!(on_server["layer"]["shapes"][0], json!({"Stamp": "78"}));
    assert_eq!(server_rows(&server, "maybe")[0]["twice"], json!({"some": {"none": []}}));
    let b1 = &server_rows(&server, "blob")[0];
    assert_eq!(server_bytes(&b1["data"]), &big[..1000]);
    assert_eq!(b1["row_version"], json!(2));
    assert_eq!(server_rows(&server, "extremes")[0]["big"].to_string(), u128::MAX.to_string());
    assert_eq!(app.ok("blob_get", json!({"id": "b1"})), edited);
    app.shutdown();
}

fn with(row: &Value, field: &str, value: Value) -> Value {
    let mut row = row.clone();
    row[field] = value;
    row
}
