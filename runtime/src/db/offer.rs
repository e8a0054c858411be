//! A joining device's rows, offered to the user's shared database: what the shared data lacks
//! is added, what it holds as it is is left, and what it holds otherwise becomes a conflict the
//! user resolves, never a row lost on either side.
//!
//! The offer is a queue of ordinary writes (in the outbox, sent by the replay, each once by its
//! operation id). A row whose key the shared data holds with other values is offered as an
//! update based on version 0, which the module records as a conflict (this device's row against
//! the shared one). A row whose key is free but whose unique value (a title, say) another row
//! holds is offered as that row's update, with this device's values: the user then picks one of
//! the two in the conflict view.

use std::collections::HashMap;

use heycat_contract::system::ROW_VERSION_FIELD;
use serde_json::Value;

use super::Db;
use crate::schema::driver::TableDriver;
use crate::store::offer::Rows;
use crate::store::outbox::{OutboxEntry, WriteKind};
use crate::types::error::DataError;
use crate::types::sync_setup::JoinSummary;

impl Db {
    /// Every row of the connection's copy, as the frontend's JSON (not the writes still queued:
    /// those are sent on their own).
    pub(crate) fn own_rows(&self) -> Result<Rows, DataError> {
        let connection = self.connection()?;
        let mut rows = Rows::new();
        for table in self.schema.info().tables {
            rows.insert(table.name().to_owned(), table.rows_json(&*connection)?);
        }
        Ok(rows)
    }

    /// Offers `offered` (another database's rows of this schema) to the connected database:
    /// queues the writes that add or contest them, parents before the rows that refer to them.
    pub(crate) fn offer(&self, offered: &Rows) -> Result<JoinSummary, DataError> {
        let connection = self.connection()?;
        let mut summary = JoinSummary::default();
        for table in self.tables_parents_first() {
            let Some(rows) = offered.get(table.name()).filter(|rows| !rows.is_empty()) else { continue };
            let theirs = table.rows_json(&*connection)?;
            let by_key: HashMap<String, &Value> = theirs.iter().map(|row| (key_text(table, row), row)).collect();
            for row in rows {
                let write = match by_key.get(&key_text(table, row)) {
                    Some(their) if same_values(row, their) => {
                        // (A singleton is no item of the user's to count: every database has it.)
                        if !table.singleton() {
                            summary.unchanged += 1;
                        }
                        continue;
                    }
                    Some(_) => contested(row.clone()),
                    None => match unique_holder(table, row, &theirs) {
                        Some(holder) => {
                            let mut mine = row.clone();
                            mine[table.key_field()] = holder[table.key_field()].clone();
                            contested(mine)
                        }
                        None => {
                            *summary.added.entry(table.name().to_owned()).or_default() += 1;
                            self.queue_offered(table, WriteKind::Insert, row.clone())?;
                            continue;
                        }
                    },
                };
                summary.conflicts += 1;
                self.queue_offered(table, WriteKind::Update, write)?;
            }
        }
        Ok(summary)
    }

    fn queue_offered(&self, table: &dyn TableDriver, kind: WriteKind, row: Value) -> Result<(), DataError> {
        let key = if table.singleton() { Value::from(0) } else { row[table.key_field()].clone() };
        let entry = OutboxEntry {
            op_id: self.op_ids.next(),
            table: table.name().to_owned(),
            kind,
            key,
            row: Some(row),
            base_version: None,
            version: 0,
        };
        self.queue(entry).map(drop)
    }

    /// The schema's tables, each after the tables its rows refer to.
    fn tables_parents_first(&self) -> Vec<&'static dyn TableDriver> {
        let info = self.schema.info();
        let mut left: Vec<&'static dyn TableDriver> = info.tables.to_vec();
        let mut ordered = Vec::with_capacity(left.len());
        while !left.is_empty() {
            let ready = |t: &&'static dyn TableDriver| {
                !info
                    .references
                    .iter()
                    .any(|r| r.child == t.name() && r.parent != t.name() && left.iter().any(|l| l.name() == r.parent))
            };
            // A circle of references (none can come first) keeps the schema's order.
            let next = left.iter().position(ready).unwrap_or(0);
            ordered.push(left.remove(next));
        }
        ordered
    }
}

/// The row as an update based on version 0: the module keeps it as a conflict against the
/// shared row (unless the two hold the same values by then).
fn contested(mut row: Value) -> Value {
    row[ROW_VERSION_FIELD] = Value::from("0");
    row
}

fn key_text(table: &dyn TableDriver, row: &Value) -> String {
    if table.singleton() {
        return "0".to_owned();
    }
    row[table.key_field()].to_string()
}

/// Whether two rows hold the same values, whatever their versions.
fn same_values(a: &Value, b: &Value) -> bool {
    let without_version = |row: &Value| {
        let mut row = row.clone();
        if let Some(fields) = row.as_object_mut() {
            fields.remove(ROW_VERSION_FIELD);
        }
        row
    };
    without_version(a) == without_version(b)
}

/// The shared row that holds one of `row`'s unique values, if any.
fn unique_holder<'a>(table: &dyn TableDriver, row: &Value, theirs: &'a [Value]) -> Option<&'a Value> {
    table.unique_fields().iter().find_map(|field| {
        let value = row.get(*field).filter(|v| !v.is_null())?;
        theirs.iter().find(|their| their.get(*field) == Some(value))
    })
}
