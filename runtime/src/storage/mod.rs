//! How much the app keeps on this device, against its storage limit, and ways to free space.
//!
//! The limit counts what the user can free: the rows of every table (as their JSON) and the
//! writes waiting in the outbox. The embedded server's own files (which keep history and do not
//! shrink when rows are deleted), the offline snapshot and the migration backups are reported
//! beside it. Separately, writes are refused while the disk holding the data dir has less than
//! a reserve left, so the database never runs out of space mid-write.

pub mod cleanup;
pub mod export;
mod guard;

pub use cleanup::{CleanupItem, CleanupPreview};
pub use export::ExportSummary;
pub use guard::{QuotaColumn, StorageGuard, StorageLevel, StorageUsage, TableUsage};

/// The size of a row as the quota counts it: its JSON.
pub fn row_size<T: serde::Serialize>(row: &T) -> u64 {
    serde_json::to_vec(row).map_or(0, |json| json.len() as u64)
}
