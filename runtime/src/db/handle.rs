//! The database handle the generated commands use.
//!
//! Online, reads come from the SDK's client cache (every table is subscribed) and a write calls
//! its reducer with an operation id and waits for that reducer's result, which the callbacks
//! each table registers (`TableAccess::watch`) route back by op id; the cache holds the write
//! when the result arrives. The SDK runs on its own thread and runtime (`run_threaded`), so commands on Tauri's
//! runtime only await a oneshot channel.
//!
//! Offline (no connection, or writes still queued), reads come from the local copy and a write
//! is appended to the outbox (synced to disk) and applied to the local copy before the command
//! returns. A write whose outcome became unknown (the connection dropped mid-call) is queued
//! the same way, under its own op id, so replaying it cannot apply it twice. [`Db::replay`]
//! sends the queue in order, on (re)connect and whenever writes wait while connected. No write
//! waits on the network for long: one the server has not confirmed within [`WRITE_WAIT`] is
//! queued, and the command returns.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use heycat_contract::events;

use super::attach::CatchingUp;
use crate::calls::answers::Pending;
use crate::calls::heartbeat::Heartbeat;
use crate::order_index::ConnectionIndexes;
use crate::schema::bindings::Schema;
use crate::schema::live::Live;
use crate::storage::StorageGuard;
use crate::store::lock::DataDirLock;
use crate::store::op_ids::OpIds;
use crate::store::state::SyncState;
use crate::store::status::StatusPublisher;
use crate::types::changes::ChangeSink;
use crate::types::error::{DataError, ErrorKind};
use crate::types::migration::MigrationStatus;
use crate::types::sync_status::SyncStatus;

/// The app's handle on the database; Tauri manages one and hands it to every command. It
/// outlives connections: each (re)connect attaches a new one.
#[derive(Clone)]
pub struct Db {
    pub(super) schema: &'static dyn Schema,
    pub(super) connection: Arc<RwLock<Option<Arc<dyn Live>>>>,
    pub(super) pending: Pending,
    pub(super) events: ChangeSink,
    pub(super) sync: Arc<Mutex<SyncState>>,
    pub(super) storage: StorageGuard,
    pub(super) heartbeat: Heartbeat,
    pub(super) status: StatusPublisher,
    /// Connections given up on, until nothing else holds them (see `bury_retired`).
    pub(super) retired: Arc<Mutex<Vec<Arc<dyn Live>>>>,
    /// The current connection's callbacks are live (see `Watch::live`).
    pub(super) live: Arc<Mutex<Arc<AtomicBool>>>,
    /// The current connection's order indexes, which its callbacks keep current (see `pages`).
    pub(super) indexes: Arc<Mutex<Arc<ConnectionIndexes>>>,
    /// A connection was made before in this process: the frontend was told its rows, so a new
    /// one reports what changed since.
    pub(super) connected_before: Arc<AtomicBool>,
    /// A new connection that delivers nothing until it is caught up (see [`Db::catch_up`]).
    pub(super) catching_up: Arc<Mutex<Option<CatchingUp>>>,
    pub(super) op_ids: Arc<OpIds>,
    /// This process's hold on the data dir (see `lock`).
    pub(super) lock: Arc<DataDirLock>,
    /// The next provisional key number of each table with an `#[auto_inc]` key.
    pub(super) provisional: Arc<Mutex<HashMap<&'static str, u64>>>,
    /// This start's migration at its last step (`None`: none ran), for a frontend that listens
    /// only after it ended (a webview that loads slower than a quick migration runs).
    pub(super) migration: Arc<Mutex<Option<MigrationStatus>>>,
}

impl Db {
    /// A handle with no connection yet, for the app whose schema is `schema`, with its offline
    /// state (outbox, local copy) in `dir`; events (row changes, sync status) go to `events`.
    pub fn open(schema: &'static dyn Schema, dir: &Path, app_name: &str, events: ChangeSink) -> Result<Db, DataError> {
        // First of all: this process alone uses the data dir (or it says which one does).
        let lock = DataDirLock::take(dir, app_name)?;
        // Before anything else touches the data dir: what an earlier version left readable by
        // others becomes the user's alone. A file it cannot change is said, not fatal.
        for (path, e) in heycat_local_server::private_files::make_private(dir) {
            log::warn!("cannot make {} readable by the user only: {e}", path.display());
        }
        let info = schema.info();
        let plans =
            info.plans().map_err(|e| DataError::internal(format!("this app's migration plans cannot be read: {e}")))?;
        let sync = SyncState::open(dir, info.version, &plans).map_err(|e| {
            DataError::new(ErrorKind::Server, format!("cannot open the offline data in {}: {e}", dir.display()))
        })?;
        let op_ids = OpIds::open(dir).map_err(|e| {
            DataError::new(ErrorKind::Server, format!("cannot keep this device's id in {}: {e}", dir.display()))
        })?;
        let sync = Arc::new(Mutex::new(sync));
        let db = Db {
            schema,
            connection: Arc::default(),
            pending: Pending::default(),
            status: StatusPublisher::start(Arc::downgrade(&sync), events.clone()),
            events,
            sync,
            storage: StorageGuard::new(dir, schema.info().storage_quota),
            heartbeat: Heartbeat::default(),
            retired: Arc::default(),
            live: Arc::default(),
            indexes: Arc::default(),
            connected_before: Arc::default(),
            catching_up: Arc::default(),
            op_ids: Arc::new(op_ids),
            lock: Arc::new(lock),
            provisional: Arc::default(),
            migration: Arc::default(),
        };
        // Writes made before the first connect are checked against the local copy's figures.
        db.measure_storage();
        Ok(db)
    }

    /// The order indexes of the connection reads come from (see `pages`).
    pub(crate) fn connection_indexes(&self) -> Arc<ConnectionIndexes> {
        self.indexes.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The schema this handle serves.
    pub fn schema(&self) -> &'static dyn Schema {
        self.schema
    }

    /// Lets go of the data dir: the data layer stopped (another may start on it).
    pub fn close(&self) {
        self.lock.release();
    }

    /// This device's id (what the user's devices are told apart by).
    pub(crate) fn device_id(&self) -> &str {
        self.op_ids.device()
    }

    /// Whether the write `op_id` was made on this device.
    pub(crate) fn is_my_op(&self, op_id: &str) -> bool {
        self.op_ids.is_mine(op_id)
    }

    pub(super) fn sync(&self) -> MutexGuard<'_, SyncState> {
        self.sync.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether writes wait in the outbox.
    pub(crate) fn has_queued(&self) -> bool {
        !self.sync().queued().is_empty()
    }

    /// The live connection, or `Offline`.
    pub fn connection(&self) -> Result<Arc<dyn Live>, DataError> {
        let guard = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|c| c.is_active()).cloned().ok_or_else(DataError::offline)
    }

    /// A migration on start reached `status`: kept, and told to the frontend.
    pub(crate) fn migration_changed(&self, status: MigrationStatus) {
        *self.migration.lock().unwrap_or_else(PoisonError::into_inner) = Some(status.clone());
        self.emit(events::MIGRATION_STATUS, status);
    }

    /// Where this start's migration is: under way, done or failed; none when none ran.
    pub fn migration_status(&self) -> Option<MigrationStatus> {
        self.migration.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Emits an event of the data layer's own (sync, migration) to the frontend.
    pub(crate) fn emit<P: serde::Serialize + Send + 'static>(&self, event: &'static str, payload: P) {
        self.events.emit_local(event, payload);
    }

    pub fn storage(&self) -> &StorageGuard {
        &self.storage
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.status.status(&self.sync)
    }
}
