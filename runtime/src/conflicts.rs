//! Conflicts as the frontend sees them: both versions of the row in the app's row JSON, and
//! the three ways to settle one.

use crate::db::Db;
use crate::types::conflict::{ConflictResolution, ConflictView};
use crate::types::error::DataError;

/// The conflicts of this device's writes, oldest first.
pub fn list(db: &Db) -> Result<Vec<ConflictView>, DataError> {
    let conn = db.connection()?;
    let info = db.schema().info();
    let mut conflicts: Vec<ConflictView> = db
        .schema()
        .conflicts(&*conn)?
        .iter()
        .filter(|c| db.is_my_op(&c.id))
        .filter_map(|c| info.conflict_view(c))
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
