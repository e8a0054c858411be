//! What the generated code registers with a new connection: each table's row callbacks (which
//! become change events) and each write reducer's result callback (which completes the waiting
//! write), and the conflict callbacks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use heycat_contract::events;
use spacetimedb_sdk::{Event, Status};

use crate::calls::answers::Pending;
use crate::calls::heartbeat::Heartbeat;
use crate::storage::StorageGuard;
use crate::types::changes::{ChangeSink, TableChange};
use crate::types::conflict::{ConflictRecord, ConflictView};

/// A conflict record as the frontend sees it; none for one this app cannot read.
pub(crate) type ConflictDecoder = Arc<dyn Fn(&ConflictRecord) -> Option<ConflictView> + Send + Sync>;

/// The runtime's side of a connection's callbacks; cheap to clone.
#[derive(Clone)]
pub struct Watch {
    /// Decodes a conflict record's rows (the schema's tables know how).
    pub(crate) conflict_view: ConflictDecoder,
    pub(crate) sink: ChangeSink,
    pub(crate) pending: Pending,
    pub(crate) storage: StorageGuard,
    pub(crate) heartbeat: Heartbeat,
    /// Whether the runtime still uses this connection. A connection it gave up on (it stalled)
    /// may come back to life and deliver what it held: that must not reach the app twice.
    pub(crate) live: Arc<AtomicBool>,
    /// Tells this device's writes (and so its conflicts) from those of the user's others.
    pub(crate) op_ids: Arc<crate::store::op_ids::OpIds>,
    /// The connection's order indexes: its row callbacks keep them current, live or not (they
    /// are of its copy, which changes either way).
    pub(crate) indexes: Arc<crate::order_index::ConnectionIndexes>,
}

impl Watch {
    pub(crate) fn live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// The server answered a heartbeat (see `liveness`).
    pub fn heartbeat_answered(&self) {
        if self.live() {
            self.heartbeat.answered();
        }
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
        let Some(view) = (self.conflict_view)(record) else { return };
        let change = match change {
            TableChange::Delete { .. } => TableChange::Delete { row: view },
            _ => TableChange::Insert { row: view },
        };
        self.sink.emit(event, events::CONFLICT_CHANGED, change);
    }
}
