//! For each kind of schema change: the plan's verdict (SpacetimeDB migrates it by itself, or
//! heycat must carry the data) matches what the real 1.2.0 server does when the change is
//! published to a database holding data; and where heycat carries the data, it arrives.

use std::path::Path;

use heycat_codegen::versions::{PlanBetween, Snapshot};
use heycat_codegen::{Schema, SourceSet};
use heycat_harness::{module_wasm_of_schema, sql_rows, Error, Server};
use heycat_local_server::migrate::Migration;
use heycat_plan::Plan;
use serde_json::{json, Value};

const DB: &str = "kinds";

const BASE: &str = r#"
use heycat::prelude::*;

#[heycat_table(sync = false)]
pub struct Item {
    #[primary_key]
    pub id: String,
    pub name: String,
    pub stock: u32,
}

#[heycat_table(sync = false)]
pub struct Extra {
    #[primary_key]
    pub id: String,
    #[index(btree)]
    #[unique]
    pub note: String,
}
"#;

fn schema_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tables.rs"), text).unwrap();
    dir
}

fn snapshot(dir: &Path, version: u32) -> Snapshot {
    let (sources, schema): (SourceSet, Schema) = Schema::load(dir).expect("a valid test schema");
    Snapshot::of(&sources, &schema, version)
}

struct Outcome {
    plan: Plan,
    /// Whether the server took the new module over the old data.
    server_accepted: bool,
    server: Server,
}

/// Publishes `base_text` with data (`extra_rows` rows in `extra`, two in `sketch` if it has
/// that table), then `changed` without clearing.
fn publish_change(base_text: &str, changed: &str, extra_rows: usize) -> (Outcome, Vec<u8>, Vec<u8>) {
    let (base, new) = (schema_dir(base_text), schema_dir(changed));
    let plan = Plan::between(&snapshot(base.path(), 1), &snapshot(new.path(), 2)).unwrap();
    let old_wasm = std::fs::read(module_wasm_of_schema(base.path()).unwrap()).unwrap();
    let new_wasm = std::fs::read(module_wasm_of_schema(new.path()).unwrap()).unwrap();
    let server = Server::start().unwrap();
    let api = server.api();
    api.publish(DB, &old_wasm).unwrap();
    for (id, name) in [("a", "apple"), ("b", "banana"), ("c", "cherry")] {
        api.call(DB, "item_insert", &json!([{"id": id, "name": name, "stock": 7}, format!("op-{id}")])).unwrap();
    }
    if base_text.contains("pub struct Sketch") {
        for (id, shape) in [("s1", json!({"Circle": 1.5})), ("s2", json!({"Empty": []}))] {
            api.call(DB, "sketch_insert", &json!([{"id": id, "shape": shape}, format!("op-{id}")])).unwrap();
        }
    }
    for n in 0..extra_rows {
        api.call(
            DB,
            "extra_insert",
            &json!([{"id": format!("e{n}"), "note": format!("note {n}")}, format!("op-e{n}")]),
        )
        .unwrap();
    }
    let server_accepted = match api.publish(DB, &new_wasm) {
        Ok(()) => true,
        Err(Error::Http { status: 400, body }) if body.contains("manual migration") => false,
        Err(e) => panic!("unexpected answer to publishing the change: {e}"),
    };
    (Outcome { plan, server_accepted, server }, old_wasm, new_wasm)
}

fn items(server: &Server) -> Vec<Value> {
    let mut rows = sql_rows(&server.api(), DB, "SELECT * FROM item").unwrap();
    rows.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_owned());
    rows
}

/// Checks the verdict against the server; where heycat carries the data, carries it and
/// returns the items after the migration.
fn check(kind: &str, changed: &str, extra_rows: usize, heycat_carries: bool) -> Option<(Vec<Value>, Server)> {
    check_from(BASE, kind, changed, extra_rows, heycat_carries)
}

/// [`check`] from another base schema (which has `BASE`'s tables).
fn check_from(
    base: &str,
    kind: &str,
    changed: &str,
    extra_rows: usize,
    heycat_carries: bool,
) -> Option<(Vec<Value>, Server)> {
    let (outcome, old_wasm, new_wasm) = publish_change(base, changed, extra_rows);
    let Outcome { plan, server_accepted, server } = outcome;
    assert_eq!(
        plan.automatic,
        server_accepted,
        "{kind}: the plan says automatic = {}, the server {}",
        plan.automatic,
        if server_accepted { "accepted the change" } else { "asked for a manual migration" }
    );
    if server_accepted {
        assert_eq!(items(&server).len(), 3, "{kind}: the server kept the rows");
        return None;
    }
    assert_eq!(plan.refused.is_empty(), heycat_carries, "{kind}: refused = {:?}", plan.refused);
    if !heycat_carries {
        return None;
    }
    let backups = tempfile::tempdir().unwrap();
    let migration = Migration {
        api: &server.api(),
        database: DB,
        plan: &plan,
        new_module: &new_wasm,
        old_module: &old_wasm,
        dir: backups.path(),
        progress: &|_| {},
        fail_at: None,
    };
    migration.run().unwrap_or_else(|f| panic!("{kind}: {}", f.message));
    Some((items(&server), server))
}

#[test]
fn add_a_table() {
    let changed = format!(
        "{BASE}\n#[heycat_table(sync = false)]\npub struct Added {{\n    #[primary_key]\n    pub id: String,\n}}\n"
    );
    assert!(check("add table", &changed, 2, true).is_none(), "automatic");
}

#[test]
fn add_a_column_with_a_default() {
    let changed =
        BASE.replace("    pub stock: u32,\n}", "    pub stock: u32,\n    #[default(true)]\n    pub fresh: bool,\n}");
    let (items, _) = check("add column with default", &changed, 2, true).expect("heycat carries the data");
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|r| r["fresh"] == true && r["stock"] == 7), "{items:?}");
}

#[test]
fn add_a_column_without_a_default_is_refused() {
    let changed = BASE.replace("    pub stock: u32,\n}", "    pub stock: u32,\n    pub fresh: bool,\n}");
    assert!(check("add column without default", &changed, 2, false).is_none());
}

#[test]
fn remove_a_column() {
    let changed = BASE.replace("    pub stock: u32,\n", "");
    let (items, _) = check("remove column", &changed, 2, true).expect("heycat carries the data");
    assert_eq!(items[0], json!({"id": "a", "name": "apple"}));
}

#[test]
fn rename_a_column() {
    let changed = BASE.replace("    pub name: String,", "    #[renamed_from(\"name\")]\n    pub title: String,");
    let (items, _) = check("rename column", &changed, 2, true).expect("heycat carries the data");
    assert_eq!(
        items.iter().map(|r| r["title"].clone()).collect::<Vec<_>>(),
        [json!("apple"), json!("banana"), json!("cherry")]
    );
}

#[test]
fn change_a_column_type() {
    let changed = BASE.replace("    pub stock: u32,", "    #[converted_by(to_string)]\n    pub stock: String,");
    let (items, _) = check("change type", &changed, 2, true).expect("heycat carries the data");
    assert!(items.iter().all(|r| r["stock"] == "7"), "{items:?}");
}

#[test]
fn add_an_index() {
    let changed = BASE.replace("    pub name: String,", "    #[index(btree)]\n    pub name: String,");
    assert!(check("add index", &changed, 2, true).is_none(), "automatic");
}

#[test]
fn remove_an_index() {
    let changed = BASE.replace("    #[index(btree)]\n    #[unique]\n    pub note", "    #[unique]\n    pub note");
    assert!(check("remove index", &changed, 2, true).is_none(), "automatic");
}

#[test]
fn add_a_unique_constraint() {
    let changed = BASE.replace("    pub name: String,", "    #[unique]\n    pub name: String,");
    let (items, _) = check("add unique", &changed, 2, true).expect("heycat carries the data");
    assert_eq!(items.len(), 3);
}

#[test]
fn remove_a_unique_constraint() {
    let changed = BASE.replace("    #[index(btree)]\n    #[unique]\n    pub note", "    #[index(btree)]\n    pub note");
    assert!(check("remove unique", &changed, 2, true).is_none(), "automatic");
}

fn removed_extra() -> String {
    let start = BASE.find("#[heycat_table(sync = false)]\npub struct Extra").unwrap();
    format!("{}#[heycat_table(removed)]\npub struct Extra;\n", &BASE[..start])
}

#[test]
fn remove_a_table_with_rows() {
    let (items, server) = check("remove table with rows", &removed_extra(), 2, true).expect("heycat carries the data");
    assert_eq!(items.len(), 3, "the other table's rows arrive");
    assert!(sql_rows(&server.api(), DB, "SELECT * FROM extra").is_err(), "the table is gone");
}

#[test]
fn remove_a_table_without_rows() {
    let (items, _) = check("remove table without rows", &removed_extra(), 0, true).expect("heycat carries the data");
    assert_eq!(items.len(), 3);
}

#[test]
fn remove_a_table_without_declaring_it_is_refused() {
    let start = BASE.find("#[heycat_table(sync = false)]\npub struct Extra").unwrap();
    assert!(check("remove table undeclared", &BASE[..start], 2, false).is_none());
}

/// `BASE` with an enum whose variants hold values, as a column.
fn with_shapes(variants: &str) -> String {
    format!(
        "{BASE}\n#[heycat_type]\npub enum Shape {{\n{variants}}}\n\n#[heycat_table(sync = false)]\npub struct Sketch {{\n    #[primary_key]\n    pub id: String,\n    pub shape: Shape,\n}}\n"
    )
}

#[test]
fn add_a_variant_to_an_enum_with_values() {
    // SpacetimeDB 1.2.0 asks for a manual migration; every old value fits the new type, so
    // heycat carries the rows over as they are.
    let base = with_shapes("    Empty,\n    Circle(f64),\n");
    let changed = with_shapes("    Empty,\n    Circle(f64),\n    Label { text: String },\n");
    let (_, server) = check_from(&base, "add variant", &changed, 2, true).expect("heycat carries the data");
    let mut sketches = sql_rows(&server.api(), DB, "SELECT * FROM sketch").unwrap();
    sketches.sort_by_key(|r| r["id"].to_string());
    assert_eq!(sketches, [json!({"id": "s1", "shape": {"Circle": 1.5}}), json!({"id": "s2", "shape": {"Empty": []}})]);
}

#[test]
fn change_a_variant_of_an_enum_with_values_is_refused() {
    let base = with_shapes("    Empty,\n    Circle(f64),\n");
    let changed = with_shapes("    Empty,\n    Circle(u32),\n");
    assert!(check_from(&base, "change variant", &changed, 2, false).is_none(), "refused");
}
