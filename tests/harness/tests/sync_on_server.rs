//! The module's offline-sync rules on a real server: each operation id is applied at most once,
//! a write based on an outdated row version becomes a conflict record (the reducer succeeds and
//! nothing is overwritten), and conflicts are settled by the resolve and dismiss reducers.

use heycat_harness::{module_wasm, sql_rows, Server};
use serde_json::{json, Value};
use spacetimedb_lib::bsatn;
use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9;
use spacetimedb_lib::sats::{AlgebraicType, AlgebraicValue, ProductValue};

const DB: &str = "heycat";

fn published() -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &module_wasm().expect("build the module")).expect("publish");
    server
}

fn call(server: &Server, reducer: &str, args: Value) {
    server.api().call(DB, reducer, &args).unwrap_or_else(|e| panic!("{reducer}: {e}"));
}

fn rows(server: &Server, query: &str) -> Vec<Value> {
    sql_rows(&server.api(), DB, query).unwrap()
}

fn entry(expansion: &str, version: u64) -> Value {
    json!({"id": "d1", "trigger": "brb", "expansion": expansion, "suffix": {"none": []}, "auto_enter": false,
           "disable_suffix": false, "complete_match_only": false,
           "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": version})
}

fn stored(server: &Server) -> Value {
    rows(server, "SELECT * FROM dictionary_entry").pop().unwrap_or(Value::Null)
}

/// A conflict's BSATN row as the field values, in column order, for comparison.
fn decode_row(server: &Server, bytes: &Value) -> Option<Vec<String>> {
    // SQL answers byte arrays as hex.
    let hex = bytes.get("some")?.as_str()?;
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let json = server.api().schema_json(DB).unwrap();
    let def: spacetimedb_lib::sats::serde::SerdeWrapper<RawModuleDefV9> = serde_json::from_str(&json).unwrap();
    let def = def.0;
    let table = def.tables.iter().find(|t| &*t.name == "dictionary_entry").unwrap();
    // dictionary_entry's columns use no named types, so its row type decodes on its own.
    let ty: AlgebraicType = def.typespace[table.product_type_ref].clone();
    let value: AlgebraicValue = bsatn::decode(&ty, &mut &bytes[..]).unwrap();
    let product: ProductValue = value.into_product().unwrap();
    Some(product.elements.iter().map(|v| format!("{v:?}")).collect())
}

#[test]
fn a_replayed_operation_is_applied_once() {
    let server = published();
    call(&server, "dictionary_entry_insert", json!([entry("be right back", 0), "op-1"]));
    // The same insert again (a replay after an unknown outcome) is not a unique violation.
    call(&server, "dictionary_entry_insert", json!([entry("be right back", 0), "op-1"]));
    call(&server, "dictionary_entry_update", json!([entry("v2", 1), "op-2"]));
    call(&server, "dictionary_entry_update", json!([entry("v2", 1), "op-2"]));
    assert_eq!(stored(&server)["row_version"], 2, "the update ran once");
    let applied: Vec<Value> =
        rows(&server, "SELECT * FROM heycat_applied_op").into_iter().map(|r| r["op_id"].clone()).collect();
    assert_eq!(applied, vec![json!("op-1"), json!("op-2")]);
    assert!(rows(&server, "SELECT * FROM heycat_conflict").is_empty());
}

#[test]
fn an_update_based_on_an_old_version_is_recorded_as_a_conflict_not_applied() {
    let server = published();
    call(&server, "dictionary_entry_insert", json!([entry("original", 0), "op-1"]));
    call(&server, "dictionary_entry_update", json!([entry("device B", 1), "op-b"]));
    // Device A edited version 1 too, offline.
    call(&server, "dictionary_entry_update", json!([entry("device A", 1), "op-a"]));
    assert_eq!(stored(&server)["expansion"], "device B", "B's change is not overwritten");
    let conflicts = rows(&server, "SELECT * FROM heycat_conflict");
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(
        (&c["id"], &c["table_name"], &c["row_key"]),
        (&json!("op-a"), &json!("dictionary_entry"), &json!("\"d1\""))
    );
    assert_eq!((&c["operation"], &c["base_version"]), (&json!("update"), &json!(1)));
    let mine = decode_row(&server, &c["client_row"]).unwrap();
    let theirs = decode_row(&server, &c["server_row"]).unwrap();
    assert!(mine[2].contains("device A") && theirs[2].contains("device B"), "{mine:?} / {theirs:?}");
    // Writing what the row already holds is no conflict, whatever the base version.
    call(&server, "dictionary_entry_update", json!([entry("device B", 1), "op-same"]));
    assert_eq!(rows(&server, "SELECT * FROM heycat_conflict").len(), 1);
}

#[test]
fn deletes_and_updates_of_moved_or_deleted_rows_are_conflicts() {
    let server = published();
    call(&server, "dictionary_entry_insert", json!([entry("original", 0), "op-1"]));
    call(&server, "dictionary_entry_update", json!([entry("changed", 1), "op-2"]));
    // A delete based on version 1 of a row now at version 2.
    call(&server, "dictionary_entry_delete", json!(["d1", {"some": 1}, "op-del"]));
    assert_eq!(stored(&server)["expansion"], "changed");
    // An unconditional delete, then an update based on a version of the deleted row.
    call(&server, "dictionary_entry_delete", json!(["d1", {"none": []}, "op-del-2"]));
    call(&server, "dictionary_entry_update", json!([entry("edited offline", 2), "op-upd"]));
    assert_eq!(stored(&server), Value::Null, "the update did not resurrect the row");
    let conflicts = rows(&server, "SELECT * FROM heycat_conflict");
    let kinds: Vec<(Value, Value, bool, bool)> = conflicts
        .iter()
        .map(|c| {
            (
                c["id"].clone(),
                c["operation"].clone(),
                c["client_row"].get("some").is_some(),
                c["server_row"].get("some").is_some(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![(json!("op-del"), json!("delete"), false, true), (json!("op-upd"), json!("update"), true, false)]
    );
}

#[test]
fn conflicts_are_settled_by_keeping_mine_theirs_or_a_merge() {
    let server = published();
    let conflict = |server: &Server, n: u32| {
        let base = stored(server)["row_version"].as_u64().unwrap();
        call(server, "dictionary_entry_update", json!([entry(&format!("server {n}"), base), format!("srv-{n}")]));
        call(server, "dictionary_entry_update", json!([entry(&format!("mine {n}"), base), format!("mine-{n}")]));
        format!("mine-{n}")
    };
    call(&server, "dictionary_entry_insert", json!([entry("original", 0), "op-1"]));

    // Keep mine: my row over the server's, at a new version.
    let id = conflict(&server, 1);
    let before = stored(&server)["row_version"].as_u64().unwrap();
    call(&server, "dictionary_entry_resolve", json!([id, "d1", {"some": entry("mine 1", 0)}, "res-1"]));
    assert_eq!(stored(&server)["expansion"], "mine 1");
    assert_eq!(stored(&server)["row_version"], before + 1);

    // Keep theirs: the record goes, the row stays.
    let id = conflict(&server, 2);
    call(&server, "heycat_conflict_dismiss", json!([id, "res-2"]));
    assert_eq!(stored(&server)["expansion"], "server 2");

    // A merge: an edited row.
    let id = conflict(&server, 3);
    call(&server, "dictionary_entry_resolve", json!([id, "d1", {"some": entry("server 3 + mine 3", 0)}, "res-3"]));
    assert_eq!(stored(&server)["expansion"], "server 3 + mine 3");
    assert!(rows(&server, "SELECT * FROM heycat_conflict").is_empty(), "every conflict is settled");

    // A conflict is settled once; the second attempt says so.
    let err = server.api().call(DB, "dictionary_entry_resolve", &json!([id, "d1", {"none": []}, "res-4"])).unwrap_err();
    assert!(err.to_string().contains("not_found: no conflict has id \"mine-3\""), "{err}");
}
