//! What the generated code registers with a new connection: each table's row callbacks (which
//! become change events) and each write reducer's result callback (which completes the waiting
//! write), and the conflict callbacks.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use heycat_contract::events;
use spacetimedb_sdk::{Event, Status};

use crate::changes::{ChangeSink, TableChange};
use crate::conflicts::ConflictView;
use crate::liveness::Heartbeat;
use crate::results::Pending;
use crate::schema::{ConflictRecord, SchemaInfo, TableAccess};
use crate::storage::StorageGuard;

/// The runtime's side of a connection's callbacks; cheap to clone.
#[derive(Clone)]
pub struct Watch {
    pub(crate) info: &'static SchemaInfo,
    pub(crate) sink: ChangeSink,
    pub(crate) pending: Pending,
    pub(crate) storage: StorageGuard,
    pub(crate) heartbeat: Heartbeat,
    /// Whether the runtime still uses this connection. A connection it gave up on (it stalled)
    /// may come back to life and deliver what it held: that must not reach the app twice.
    pub(crate) live: Arc<AtomicBool>,
    /// Tells this device's writes (and so its conflicts) from those of the user's others.
    pub(crate) op_ids: Arc<crate::db::OpIds>,
}

impl Watch {
    fn live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// The server answered a heartbeat (see `liveness`).
    pub fn heartbeat_answered(&self) {
        if self.live() {
            self.heartbeat.answered();
        }
    }

    /// The callbacks of table `T`.
    pub fn table<T: TableAccess>(&self) -> TableWatch<T> {
        TableWatch { watch: self.clone(), event: Arc::from(events::table_changed(T::NAME)), row: PhantomData }
    }

    /// A write reducer reported its result for operation `op_id`.
    pub fn completed(&self, status: &Status, op_id: &str) {
        if self.live() {
            self.pending.complete(status, op_id);
        }
    }

    /// A conflict record appeared or went. Only this device's conflicts (of its writes) are
    /// its to settle.
    pub fn conflict_changed<R>(&self, event: &Event<R>, change: TableChange<ConflictRecord>) {
        if !self.live() {
            return;
        }
        let record = match &change {
            TableChange::Insert { row } | TableChange::Delete { row } | TableChange::Update { row, .. } => row,
        };
        if !self.op_ids.is_mine(&record.id) {
            return;
        }
        let Some(view) = ConflictView::decode(self.info, record) else { return };
        let change = match change {
            TableChange::Delete { .. } => TableChange::Delete { row: view },
            _ => TableChange::Insert { row: view },
        };
        self.sink.emit(event, events::CONFLICT_CHANGED, change);
    }
}

/// One table's callbacks.
pub struct TableWatch<T> {
    watch: Watch,
    event: Arc<str>,
    row: PhantomData<fn() -> T>,
}

impl<T> Clone for TableWatch<T> {
    fn clone(&self) -> Self {
        TableWatch { watch: self.watch.clone(), event: self.event.clone(), row: PhantomData }
    }
}

impl<T: TableAccess> TableWatch<T> {
    pub fn inserted<R>(&self, event: &Event<R>, row: &T::SdkRow) {
        let row: T = row.clone().into();
        self.follow_quota(&row);
        self.emit(event, TableChange::Insert { row });
    }

    pub fn updated<R>(&self, event: &Event<R>, old: &T::SdkRow, row: &T::SdkRow) {
        let row: T = row.clone().into();
        self.follow_quota(&row);
        self.emit(event, TableChange::Update { old_row: old.clone().into(), row });
    }

    pub fn deleted<R>(&self, event: &Event<R>, row: &T::SdkRow) {
        self.emit(event, TableChange::Delete { row: row.clone().into() });
    }

    /// One of the table's write reducers reported its result for operation `op_id`.
    pub fn completed(&self, status: &Status, op_id: &str) {
        self.watch.completed(status, op_id);
    }

    fn emit<R>(&self, event: &Event<R>, change: TableChange<T>) {
        if self.watch.live() {
            self.watch.sink.emit(event, self.event.to_string(), change);
        }
    }

    /// Keeps the limit writes are checked against in step with the row that holds it.
    fn follow_quota(&self, row: &T) {
        if !self.watch.live() {
            return;
        }
        if let Some(quota) = self.watch.info.storage_quota.filter(|q| q.table == T::NAME) {
            if let Ok(json) = serde_json::to_value(row) {
                self.watch.storage.follow_quota(&quota, &json);
            }
        }
    }
}
