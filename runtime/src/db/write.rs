//! The write path: a write goes to the server when connected with nothing queued, and waits
//! for its answer at most [`WRITE_WAIT`]; otherwise (or when its outcome became unknown) it is
//! queued in the outbox and applied to the local copy.

use std::time::Duration;

use heycat_contract::events;
use serde_json::Value;

use super::calls::{CallFailure, SendWrite, Written};
use super::Db;
use crate::schema::live::Live;
use crate::store::outbox::OutboxEntry;
use crate::types::changes::TableChange;
use crate::types::error::{DataError, ErrorKind};
use crate::types::key::RowKey;

/// A write the server has not answered within this is shown at once (its row, marked
/// pending), so a slow server never leaves the user looking at nothing.
const SHOW_AFTER: Duration = Duration::from_millis(50);
/// Writes shown early while at most this many wait for an answer.
const SHOW_AT_MOST: usize = 16;
/// How long a write waits for the server's confirmation before it is queued instead (its
/// outcome unknown, under its own operation id): no write waits on the network for long.
const WRITE_WAIT: Duration = Duration::from_millis(750);

impl Db {
    /// Writes through `send` when connected with nothing queued (and returns once the server
    /// confirmed); otherwise, or when the outcome of the call becomes unknown, queues `entry`.
    /// A write that adds `size` bytes is refused first if it would cross the storage quota.
    pub(crate) async fn write(
        &self,
        size: u64,
        entry: impl FnOnce() -> OutboxEntry,
        send: SendWrite<'_>,
    ) -> Result<Written, DataError> {
        if size > 0 && self.storage.check(size).is_err() {
            // The cached figures may be stale (rows deleted elsewhere, the limit raised):
            // measure before refusing.
            self.measure_storage();
            self.storage.check(size)?;
        }
        let written = self.write_unchecked(entry, send).await?;
        if size > 0 && self.storage.wrote(size) {
            // Measures, and fires the warning event when usage really reached the threshold.
            self.measure_storage();
        }
        Ok(written)
    }

    pub(super) async fn write_unchecked(
        &self,
        entry: impl FnOnce() -> OutboxEntry,
        send: SendWrite<'_>,
    ) -> Result<Written, DataError> {
        let op_id = self.op_ids.next();
        let online = self.connection().ok().filter(|_| self.sync().queued().is_empty());
        let Some(connection) = online else {
            return self.queue(OutboxEntry { op_id, ..entry() }).map(Written::Queued);
        };
        let mut answer = match self.send_call(&*connection, &op_id, send) {
            Ok(answer) => answer,
            Err(CallFailure::Refused(e)) => return Err(e),
            Err(CallFailure::Unknown(_)) => return self.queue(OutboxEntry { op_id, ..entry() }).map(Written::Queued),
        };
        if let Ok(answer) = tokio::time::timeout(SHOW_AFTER, &mut answer).await {
            return match self.settle(&*connection, &op_id, Some(answer), SHOW_AFTER) {
                Ok(()) => Ok(Written::Online(connection, op_id)),
                Err(CallFailure::Refused(e)) => Err(e),
                Err(CallFailure::Unknown(_)) => self.queue(OutboxEntry { op_id, ..entry() }).map(Written::Queued),
            };
        }
        // A slow server: the write shows now, marked pending, and the command still returns
        // within `WRITE_WAIT`. (Not for writes in a burst the app sends itself: it is the burst
        // that makes them wait, and showing each costs the burst its pace.)
        let entry = OutboxEntry { op_id: op_id.clone(), ..entry() };
        // (Nor an insert under a provisional key: the row the module makes has another.)
        let provisional = self.schema.info().table(&entry.table).is_some_and(|t| t.auto_inc_key());
        let shown = (self.pending.waiting() <= SHOW_AT_MOST && !provisional)
            .then(|| self.show_in_flight(&*connection, &entry))
            .flatten();
        let answer = tokio::time::timeout(WRITE_WAIT.saturating_sub(SHOW_AFTER), answer).await.ok();
        let outcome = self.settle(&*connection, &op_id, answer, WRITE_WAIT);
        self.end_in_flight(&op_id, shown, matches!(outcome, Err(CallFailure::Refused(_))));
        match outcome {
            Ok(()) => Ok(Written::Online(connection, op_id)),
            Err(CallFailure::Refused(e)) => Err(e),
            Err(CallFailure::Unknown(_)) => self.queue(entry).map(Written::Queued),
        }
    }

    /// Shows a write whose answer is slow to come as if it were done (its row, marked pending):
    /// emits its change and the sync status. Returns the change, to undo should it be refused.
    pub(super) fn show_in_flight(
        &self,
        connection: &dyn Live,
        entry: &OutboxEntry,
    ) -> Option<(String, TableChange<Value>)> {
        let driver = self.schema.info().table(&entry.table)?;
        let before = driver.row_json(connection, &entry.key).ok().flatten();
        let after = crate::store::local::applied(before.as_ref(), entry);
        self.sync().in_flight(entry.op_id.clone(), entry.table.clone(), RowKey::of(&entry.key));
        let change = TableChange::between(before, after);
        if let Some(change) = &change {
            self.events.emit_local(events::table_changed(&entry.table), change.clone());
        }
        self.status.changed();
        change.map(|change| (entry.table.clone(), change))
    }

    /// The answer to a shown write came (or the wait ended): it is no longer in flight, and a
    /// refused one is taken back.
    pub(super) fn end_in_flight(&self, op_id: &str, shown: Option<(String, TableChange<Value>)>, refused: bool) {
        self.sync().landed(op_id);
        if let (true, Some((table, change))) = (refused, shown) {
            self.events.emit_local(events::table_changed(&table), change.undo());
        }
        self.status.changed();
    }

    pub(super) fn queue(&self, entry: OutboxEntry) -> Result<Option<Value>, DataError> {
        let event = events::table_changed(&entry.table);
        let (before, after) = {
            let mut sync = self.sync();
            sync.queue(entry).map_err(|e| {
                let kind = if e.kind() == std::io::ErrorKind::StorageFull {
                    ErrorKind::StorageFull
                } else {
                    ErrorKind::Server
                };
                DataError::new(kind, format!("cannot save the write for later: {e}"))
            })?
        };
        if let Some(change) = TableChange::between(before, after.clone()) {
            self.events.emit_local(event, change);
        }
        self.status.changed();
        Ok(after)
    }
}
