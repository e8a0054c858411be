//! Which rows to delete to free space, and how much that frees. The schema says which tables
//! may be cleaned up and what "oldest" means (`cleanup(oldest_first = column)`); what deleting a
//! row also deletes follows from its `on_delete = cascade` references.

use std::collections::BTreeMap;

use heycat_contract::system::ROW_VERSION_FIELD;
use serde::Serialize;
use serde_json::Value;

use super::row_size;
use crate::db::Db;
use crate::schema::info::SchemaInfo;
use crate::store::outbox::{OutboxEntry, WriteKind};
use crate::types::error::{DataError, ErrorKind};

/// The oldest rows of a table the user may delete to free space, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CleanupPreview {
    pub table: String,
    pub items: Vec<CleanupItem>,
    /// What deleting them (with the rows that cascade) frees.
    pub freed_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CleanupItem {
    /// The row's key (its wire JSON), what `storage_cleanup` takes.
    pub key: Value,
    /// The row, as the frontend's JSON.
    pub row: Value,
    /// The row with every row deleting it cascades to.
    pub bytes: u64,
}

/// The `count` oldest rows of `table` (the schema's first cleanup table when none is named),
/// with what deleting each frees.
pub fn preview(db: &Db, table: Option<&str>, count: usize) -> Result<CleanupPreview, DataError> {
    let info = db.schema().info();
    let order = match table {
        Some(table) => info.cleanup.iter().find(|c| c.table == table).ok_or_else(|| {
            DataError::new(ErrorKind::BadInput, format!("the schema does not let the {table} table be cleaned up"))
        })?,
        None => info.cleanup.first().ok_or_else(|| {
            DataError::new(
                ErrorKind::BadInput,
                "the schema names no table to clean up; add `cleanup(oldest_first = column)` to a table",
            )
        })?,
    };
    let mut rows = Rows { db, info, cache: BTreeMap::new() };
    let mut candidates = rows.of(order.table)?.to_vec();
    candidates.sort_by_key(|row| order_value(&row[order.field]));
    let key_field = info.table(order.table).map_or("", |t| t.key_field());
    let mut items = Vec::new();
    for row in candidates.into_iter().take(count) {
        let key = row[key_field].clone();
        let bytes = row_size(&row) + rows.cascaded_bytes(order.table, &key)?;
        items.push(CleanupItem { key, row, bytes });
    }
    let freed_bytes = items.iter().map(|i| i.bytes).sum();
    Ok(CleanupPreview { table: order.table.to_owned(), items, freed_bytes })
}

/// Deletes the rows of `table` with these keys (as previewed; what cascades goes with them),
/// each based on the version it has now. Keys no longer there are skipped.
pub async fn delete(db: &Db, table: &str, keys: &[Value]) -> Result<(), DataError> {
    let info = db.schema().info();
    if !info.cleanup.iter().any(|c| c.table == table) {
        return Err(DataError::new(
            ErrorKind::BadInput,
            format!("the schema does not let the {table} table be cleaned up"),
        ));
    }
    let driver = info.table(table).ok_or_else(|| DataError::unknown_table(table))?;
    let current = db.rows_json(table)?;
    for key in keys {
        let Some(row) = current.iter().find(|r| r[driver.key_field()] == *key) else { continue };
        let base_version = match &row[ROW_VERSION_FIELD] {
            Value::String(v) => v.parse().ok(),
            _ => None,
        };
        let entry = OutboxEntry {
            op_id: String::new(),
            table: table.to_owned(),
            kind: WriteKind::Delete,
            row: None,
            key: key.clone(),
            base_version,
            version: 0,
        };
        let sent = entry.clone();
        db.write(0, || entry, Box::new(move |conn, op_id| driver.send_entry(conn, &sent, op_id))).await?;
    }
    Ok(())
}

/// Orders the values of a timestamp or integer column (JSON numbers, or decimal strings for
/// 64-bit ones); anything else sorts first.
fn order_value(value: &Value) -> i128 {
    match value {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)).unwrap_or(i128::MIN),
        Value::String(s) => s.parse().unwrap_or(i128::MIN),
        _ => i128::MIN,
    }
}

/// Each table's rows, read once per preview.
struct Rows<'a> {
    db: &'a Db,
    info: &'static SchemaInfo,
    cache: BTreeMap<&'static str, Vec<Value>>,
}

impl Rows<'_> {
    fn of(&mut self, table: &'static str) -> Result<&[Value], DataError> {
        if !self.cache.contains_key(table) {
            let rows = self.db.rows_json(table)?;
            self.cache.insert(table, rows);
        }
        Ok(&self.cache[table])
    }

    /// The size of every row that deleting `table`'s row with `key` deletes with it.
    fn cascaded_bytes(&mut self, table: &str, key: &Value) -> Result<u64, DataError> {
        let mut bytes = 0;
        for cascade in self.info.references.iter().filter(|r| r.cascade && r.parent == table) {
            let child_key = self.info.table(cascade.child).map_or("", |t| t.key_field());
            let children: Vec<Value> =
                self.of(cascade.child)?.iter().filter(|r| r[cascade.field] == *key).cloned().collect();
            for child in children {
                bytes += row_size(&child) + self.cascaded_bytes(cascade.child, &child[child_key])?;
            }
        }
        Ok(bytes)
    }
}
