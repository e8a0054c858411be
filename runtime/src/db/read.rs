//! Reads: from the connection's copy with what queued writes leave on top, or from the local
//! copy; and the storage figures measured from them.

use std::collections::HashMap;
use std::sync::{Arc, MutexGuard, PoisonError};

use heycat_contract::events;
use serde_json::Value;

use super::Db;
use crate::schema::driver::TableDriver;
use crate::schema::live::Live;
use crate::storage::{row_size, StorageUsage, TableUsage};
use crate::store::state::{Overlay, SyncState};
use crate::types::error::DataError;
use crate::types::key::RowKey;

/// Where reads come from.
pub(crate) enum Reader<'a> {
    /// The connection's subscribed copy, with the rows queued writes leave over it.
    Online(Arc<dyn Live>, Arc<Overlay>),
    /// The local copy (offline, or while queued writes wait).
    Offline(MutexGuard<'a, SyncState>),
}

impl Db {
    /// Where reads come from now: the connection's copy, with what queued writes leave on
    /// top, while there is a connection (one that just dropped too: its rows are the last the
    /// server sent until [`Db::disconnect`] takes them as the local copy); otherwise the local copy.
    pub(crate) fn reader(&self) -> Reader<'_> {
        let mut sync = self.sync();
        let held = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone();
        match held {
            Some(connection) => Reader::Online(connection, sync.overlay()),
            None => Reader::Offline(sync),
        }
    }

    /// Every row of `table`, as the frontend's JSON, from wherever reads come from now.
    pub(crate) fn rows_json(&self, table: &str) -> Result<Vec<Value>, DataError> {
        let driver = self.schema.info().table(table).ok_or_else(|| DataError::unknown_table(table))?;
        match self.reader() {
            Reader::Online(conn, overlay) => {
                let mut rows = driver.rows_json(&*conn)?;
                if let Some(queued) = overlay.get(table) {
                    let key_field = driver.key_field();
                    rows.retain(|row| !queued.contains_key(&RowKey::of(&row[key_field])));
                    rows.extend(queued.values().flatten().cloned());
                }
                Ok(rows)
            }
            Reader::Offline(mut state) => Ok(state.local().rows(table).collect()),
        }
    }

    /// How many rows of `table` are read now (see [`Db::rows_json`]), and their size as the
    /// frontend's JSON.
    pub(super) fn table_usage(&self, table: &dyn TableDriver) -> Result<(usize, u64), DataError> {
        match self.reader() {
            Reader::Online(conn, overlay) => {
                let none = HashMap::new();
                let queued = overlay.get(table.name()).unwrap_or(&none);
                let (rows, bytes) = table.usage(&*conn, queued)?;
                let shown = queued.values().flatten();
                Ok((rows + shown.clone().count(), bytes + shown.map(row_size).sum::<u64>()))
            }
            Reader::Offline(mut state) => Ok(state.local().usage(table.name())),
        }
    }

    /// Measures what the app keeps on this device (rows, queued writes, files) against the
    /// quota; fires the warning event when usage just reached its threshold. A table that
    /// cannot be read fails the measure (its rows are not counted as none).
    pub fn storage_usage(&self) -> Result<StorageUsage, DataError> {
        let info = self.schema.info();
        let mut tables = Vec::new();
        let mut quota_row = None;
        for table in info.tables {
            if info.storage_quota.is_some_and(|q| q.table == table.name()) {
                quota_row = self.rows_json(table.name())?.into_iter().next();
            }
            let (rows, bytes) = self.table_usage(*table)?;
            tables.push(TableUsage { table: table.name().to_owned(), rows, bytes });
        }
        let outbox = self.sync().outbox_bytes();
        let (usage, warn) = self.storage.report(quota_row.as_ref(), tables, outbox);
        if warn {
            self.emit(events::STORAGE_WARNING, usage.clone());
        }
        Ok(usage)
    }

    /// Brings the figures writes are checked against up to date; when they cannot be measured,
    /// the last ones stay (and the reason is logged).
    pub(crate) fn measure_storage(&self) {
        if let Err(e) = self.storage_usage() {
            log::warn!("the storage in use cannot be measured: {}", e.message);
        }
    }
}
