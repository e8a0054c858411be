//! Keys the module assigns (`#[auto_inc]`): provisional keys for writes made before the server
//! answers, and the key the module gave, taken in once it did.

use std::sync::PoisonError;

use heycat_contract::events;
use serde_json::Value;

use super::Db;
use crate::schema::live::Live;
use crate::store::outbox::{KeyChange, OutboxEntry};
use crate::store::state::SyncState;
use crate::types::changes::TableChange;

impl Db {
    /// The next provisional key number of `table` (see [`TableAccess::provisional`]): one no
    /// queued insert and no kept key change uses, counting on from those there when the
    /// process started.
    pub(crate) fn next_provisional(&self, table: &'static str) -> u64 {
        let mut next = self.provisional.lock().unwrap_or_else(PoisonError::into_inner);
        let n = next.entry(table).or_insert_with(|| {
            let sync = self.sync();
            let driver = self.schema.info().table(table);
            let queued = sync.queued().iter().filter(|e| e.table == table).map(|e| &e.key);
            let changed = sync.key_changes().iter().filter(|c| c.table == table).map(|c| &c.from);
            queued.chain(changed).filter_map(|key| driver?.provisional_number(key)).max().map_or(0, |n| n + 1)
        });
        let current = *n;
        *n += 1;
        current
    }

    /// The key the module gave the row insert `op_id` made (a table with an `#[auto_inc]`
    /// key), as the wire JSON of `table`'s key.
    pub(crate) fn assigned_key(&self, connection: &dyn Live, table: &str, op_id: &str) -> Option<Value> {
        let text = self.schema.assigned_key(connection, op_id).ok()??;
        self.schema.info().table(table)?.key_from_text(&text)
    }

    /// After a queued insert into a table with an `#[auto_inc]` key was applied: replaces its
    /// provisional key with the one the module gave the row, in the queue (durably) and the
    /// local copy, and tells the frontend each row that changed as one update.
    pub(super) fn take_assigned_key(
        &self,
        connection: &dyn Live,
        sync: &mut SyncState,
        entry: &OutboxEntry,
    ) -> std::io::Result<()> {
        let Some(table) = self.schema.info().table(&entry.table).filter(|t| t.auto_inc_key()) else { return Ok(()) };
        let Some(to) = self.assigned_key(connection, table.name(), &entry.op_id) else { return Ok(()) };
        if to == entry.key {
            return Ok(());
        }
        let references = self.schema.info().references.iter().filter(|r| r.parent == table.name());
        let change = KeyChange {
            table: entry.table.clone(),
            key_field: table.key_field().to_owned(),
            from: entry.key.clone(),
            to,
            references: references.map(|r| (r.child.to_owned(), r.field.to_owned())).collect(),
        };
        for (table, old_row, row) in sync.change_key(change)? {
            self.events.emit_local(events::table_changed(&table), TableChange::Update { old_row, row });
        }
        Ok(())
    }
}
