//! Conflicts as the frontend sees them: both versions of the row in the app's row JSON, and
//! the three ways to settle one.

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{DataError, ErrorKind};
use crate::schema::{ConflictRecord, SchemaInfo};

/// A write of this client that the server did not apply because the row had moved on.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    /// The write's operation id.
    pub id: String,
    pub table: String,
    /// The row's key, as text.
    pub key: String,
    /// `update` or `delete`.
    pub operation: String,
    /// The version the write was based on.
    pub base_version: u64,
    /// The row this client wrote; none for a delete.
    pub mine: Option<serde_json::Value>,
    /// The row the server holds now; none when it was deleted.
    pub theirs: Option<serde_json::Value>,
    /// When it was recorded, in microseconds since the Unix epoch.
    pub created_at: i64,
}

/// How the user settles a conflict; the merged row is in the frontend's row JSON. (In TypeScript
/// `ConflictChoice`: the generated bindings' `ConflictResolution` has the row typed per table.)
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[specta(rename = "ConflictChoice")]
#[serde(tag = "choice", rename_all = "camelCase")]
pub enum ConflictResolution {
    /// My row over the server's (at a new version), or my delete.
    KeepMine,
    /// The server's row stays; my write is dropped.
    KeepTheirs,
    /// This row (an edit of both), over the server's.
    Merge { row: serde_json::Value },
}

impl ConflictView {
    /// A conflict record with its rows decoded; none for a table this app does not know or rows
    /// it cannot read.
    pub(crate) fn decode(info: &SchemaInfo, record: &ConflictRecord) -> Option<ConflictView> {
        let (mine, theirs) = info.table(&record.table)?.conflict_rows(record).ok()?;
        Some(ConflictView {
            id: record.id.clone(),
            table: record.table.clone(),
            key: record.row_key.clone(),
            operation: record.operation.clone(),
            base_version: record.base_version,
            mine,
            theirs,
            created_at: record.created_at.to_micros_since_unix_epoch(),
        })
    }
}

/// The conflicts of this device's writes, oldest first.
pub fn list(db: &Db) -> Result<Vec<ConflictView>, DataError> {
    let conn = db.connection()?;
    let info = db.schema().info();
    let mut conflicts: Vec<ConflictView> = db
        .schema()
        .conflicts(&*conn)?
        .iter()
        .filter(|c| db.is_my_op(&c.id))
        .filter_map(|c| ConflictView::decode(info, c))
        .collect();
    conflicts.sort_by_key(|c| c.created_at);
    Ok(conflicts)
}

/// Settles conflict `id`: keep mine, keep theirs, or a merged row.
pub async fn resolve(db: &Db, id: String, resolution: ConflictResolution) -> Result<(), DataError> {
    let conn = db.connection()?;
    let schema = db.schema();
    let record = schema.conflict(&*conn, &id)?.ok_or_else(|| DataError::resolved(&id))?;
    if let ConflictResolution::KeepTheirs = resolution {
        return db.call(Box::new(move |conn, op_id| schema.dismiss_conflict(conn, id, op_id))).await.map(drop);
    }
    let table = schema.info().table(&record.table).ok_or_else(|| DataError::unknown_table(&record.table))?;
    db.call(Box::new(move |conn, op_id| table.resolve(conn, &record, resolution, op_id))).await.map(drop)
}

impl DataError {
    pub(crate) fn undecodable(conflict: &str) -> Self {
        DataError::new(ErrorKind::Server, format!("conflict {conflict:?} holds rows this app cannot read"))
    }

    pub(crate) fn resolved(conflict: &str) -> Self {
        DataError::new(ErrorKind::NotFound, format!("conflict {conflict:?} is resolved already"))
    }

    pub(crate) fn unknown_table(table: &str) -> Self {
        DataError::new(ErrorKind::BadInput, format!("this app has no table {table:?}"))
    }

    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        DataError::new(ErrorKind::BadInput, message)
    }
}
