//! Carries every row of a database to the same module's empty database, on another server or
//! under another name (a device that sets up sync moves its data to the shared server this way;
//! forgetting a device moves it to a new database under a new identity).
//!
//! The source's writes are held from the export on (the app keeps what the user writes
//! meanwhile in its outbox and sends it, later, to wherever it then syncs); its rows are written
//! to a backup, synced and read back as a migration's backup is; imported into the target's
//! tables; and the target's row counts checked. The source keeps all its data either way.

use std::path::Path;

use crate::api::Api;
use crate::migrate::{hold_writes, import, release_writes, verify_counts, Backup};

/// Where the rows come from and go.
pub struct Carry<'a> {
    /// The database that holds the rows, as its user.
    pub from: &'a Api,
    /// The server they go to, as the user there.
    pub to: &'a Api,
    pub database: &'a str,
    /// The database they go to: the same module, its tables empty.
    pub to_database: &'a str,
    /// The schema version of both.
    pub version: u32,
    /// Every table the rows of are carried.
    pub tables: &'a [String],
    /// Where the backup of the rows is written (and kept).
    pub backup: &'a Path,
}

impl Carry<'_> {
    /// Carries the rows. On success the source's writes stay held (they lapse by themselves
    /// within minutes; `migrate::release_writes` lifts them), so that nothing written to it after the export
    /// is missing from the target; on failure they are lifted.
    pub fn run(&self) -> Result<Backup, String> {
        hold_writes(self.from, self.database)?;
        let carried = self.export_and_import();
        if carried.is_err() {
            release_writes(self.from, self.database);
        }
        carried
    }

    fn export_and_import(&self) -> Result<Backup, String> {
        let backup = Backup::export(self.from, self.database, self.version, self.tables)
            .map_err(|e| format!("reading this device's rows failed: {e}"))?;
        backup.write(self.backup)?;
        for (table, rows) in &backup.tables {
            // A large table takes a while: the hold is renewed before each.
            hold_writes(self.from, self.database)?;
            import(self.to, self.to_database, table, rows.clone())?;
        }
        verify_counts(self.to, self.to_database, &backup.counts)?;
        Ok(backup)
    }
}

/// Publishes `wasm` to `database`, which exists, deleting all its data.
/// spacetimedb-standalone 1.2.0 killed right after a clearing publish can come back with the
/// database deleted in its records but not on disk: the next clearing publish then answers
/// `created` while the server goes on running the module it found on disk. The database exists
/// here, so `created` means exactly that, and publishing again replaces the module.
pub fn publish_emptied(api: &Api, database: &str, wasm: &[u8]) -> crate::Result<()> {
    if api.publish_cleared(database, wasm)? {
        api.publish_cleared(database, wasm)?;
    }
    Ok(())
}
