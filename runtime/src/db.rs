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
//! the same way, under its own op id, so replaying it cannot apply it twice. On reconnect
//! [`Db::replay`] sends the queue in order.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use heycat_contract::events;
use serde_json::Value;

use crate::changes::{ChangeSink, TableChange};
use crate::connect::{ConnectOptions, Connector};
use crate::error::{DataError, ErrorKind};
use crate::local::LocalCopy;
use crate::outbox::OutboxEntry;
use crate::results::Pending;
use crate::schema::{Live, Schema, SdkResult};
use crate::storage::{row_size, StorageGuard, StorageUsage, TableUsage};
use crate::sync::{Rejected, SyncState, SyncStatus};
use crate::watch::Watch;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A write's operation id: unique across processes and devices (a random per-process prefix)
/// and cheap to make (a counter, no syscall per write).
fn next_op_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string());
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The app's handle on the database; Tauri manages one and hands it to every command. It
/// outlives connections: each (re)connect attaches a new one.
#[derive(Clone)]
pub struct Db {
    schema: &'static dyn Schema,
    connection: Arc<RwLock<Option<Arc<dyn Live>>>>,
    pending: Pending,
    events: ChangeSink,
    sync: Arc<Mutex<SyncState>>,
    storage: StorageGuard,
}

/// Where reads come from.
pub(crate) enum Reader<'a> {
    /// The connection's subscribed copy.
    Online(Arc<dyn Live>),
    /// The local copy (offline, or while queued writes wait).
    Offline(MutexGuard<'a, SyncState>),
}

/// How a write went.
pub enum Written {
    /// The server confirmed it.
    Online,
    /// Queued for the server; the row as the local copy now holds it (none for a delete).
    Queued(Option<Value>),
}

/// Sends a write to the server: given the connection and a fresh operation id, calls the
/// reducer (the outer error: the write could not even be formed).
pub(crate) type SendWrite<'a> = Box<dyn FnOnce(&dyn Live, String) -> Result<SdkResult, DataError> + Send + 'a>;

/// Why a reducer call did not succeed.
enum CallFailure {
    /// The server refused it (or it never left): nothing happened.
    Refused(DataError),
    /// It was sent, and the connection went before the result came: it may have happened.
    Unknown(DataError),
}

impl Db {
    /// A handle with no connection yet, for the app whose schema is `schema`, with its offline
    /// state (outbox, local copy) in `dir`; events (row changes, sync status) go to `events`.
    pub fn open(schema: &'static dyn Schema, dir: &Path, events: ChangeSink) -> Result<Db, DataError> {
        let sync = SyncState::open(dir).map_err(|e| {
            DataError::new(ErrorKind::Server, format!("cannot open the offline data in {}: {e}", dir.display()))
        })?;
        let db = Db {
            schema,
            connection: Arc::default(),
            pending: Pending::default(),
            events,
            sync: Arc::new(Mutex::new(sync)),
            storage: StorageGuard::new(dir, schema.info().storage_quota),
        };
        // Writes made before the first connect are checked against the local copy's figures.
        db.storage_usage();
        Ok(db)
    }

    /// The schema this handle serves.
    pub fn schema(&self) -> &'static dyn Schema {
        self.schema
    }

    fn sync(&self) -> MutexGuard<'_, SyncState> {
        self.sync.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects, subscribes to every table and waits until the local copy holds the data, then
    /// serves commands from this connection. Returns the identity token the server confirmed.
    /// `on_disconnect` hears when (and why) the connection ends. Blocks; call it off the UI
    /// thread.
    pub fn connect(
        &self,
        options: &ConnectOptions,
        on_disconnect: impl FnOnce(String) + Send + 'static,
    ) -> Result<String, DataError> {
        self.disconnect();
        let (ready, ready_rx) = mpsc::channel::<Result<String, String>>();
        let connector = Connector {
            options: options.clone(),
            ready,
            on_disconnect: Box::new(on_disconnect),
            watch: Watch {
                info: self.schema.info(),
                sink: self.events.clone(),
                pending: self.pending.clone(),
                storage: self.storage.clone(),
            },
        };
        let connection = self.schema.connect(connector)?;
        let token = match ready_rx.recv_timeout(CONNECT_TIMEOUT) {
            Ok(Ok(token)) => token,
            Ok(Err(reason)) => return Err(DataError::new(ErrorKind::Offline, reason)),
            Err(_) => {
                connection.disconnect();
                return Err(DataError::new(ErrorKind::Timeout, format!("{} did not answer in time", options.uri)));
            }
        };
        *self.connection.write().unwrap_or_else(PoisonError::into_inner) = Some(connection);
        Ok(token)
    }

    /// The live connection, or `Offline`.
    pub fn connection(&self) -> Result<Arc<dyn Live>, DataError> {
        let guard = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|c| c.is_active()).cloned().ok_or_else(DataError::offline)
    }

    /// Where reads come from now: the server's copy when connected with nothing queued,
    /// otherwise the local copy.
    pub(crate) fn reader(&self) -> Reader<'_> {
        let sync = self.sync();
        match self.connection() {
            Ok(connection) if sync.outbox.pending().is_empty() => Reader::Online(connection),
            _ => Reader::Offline(sync),
        }
    }

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
            self.storage_usage();
            self.storage.check(size)?;
        }
        let written = self.write_unchecked(entry, send).await?;
        if size > 0 && self.storage.wrote(size) {
            // Measures, and fires the warning event when usage really reached the threshold.
            self.storage_usage();
        }
        Ok(written)
    }

    async fn write_unchecked(
        &self,
        entry: impl FnOnce() -> OutboxEntry,
        send: SendWrite<'_>,
    ) -> Result<Written, DataError> {
        let op_id = next_op_id();
        let online = self.connection().ok().filter(|_| self.sync().outbox.pending().is_empty());
        if let Some(connection) = online {
            match self.call_as(&*connection, op_id.clone(), send).await {
                Ok(()) => return Ok(Written::Online),
                Err(CallFailure::Refused(e)) => return Err(e),
                Err(CallFailure::Unknown(_)) => {}
            }
        }
        let entry = OutboxEntry { op_id, ..entry() };
        self.queue(entry).map(Written::Queued)
    }

    fn queue(&self, entry: OutboxEntry) -> Result<Option<Value>, DataError> {
        let event = events::table_changed(&entry.table);
        let (before, after, status) = {
            let mut sync = self.sync();
            let (before, after) = sync.queue(entry).map_err(|e| {
                let kind = if e.kind() == std::io::ErrorKind::StorageFull {
                    ErrorKind::StorageFull
                } else {
                    ErrorKind::Server
                };
                DataError::new(kind, format!("cannot save the write for later: {e}"))
            })?;
            (before, after, sync.status())
        };
        let change = match (before, after.clone()) {
            (None, Some(row)) => Some(TableChange::Insert { row }),
            (Some(old_row), Some(row)) => Some(TableChange::Update { old_row, row }),
            (Some(row), None) => Some(TableChange::Delete { row }),
            (None, None) => None,
        };
        if let Some(change) = change {
            self.events.emit_local(event, change);
        }
        self.events.emit_local(events::SYNC_STATUS, status);
        Ok(after)
    }

    /// Calls a reducer (through `send`, given the connection and a fresh operation id) and
    /// waits for its result. Needs a connection: nothing is queued.
    pub(crate) async fn call(&self, send: SendWrite<'_>) -> Result<(), DataError> {
        let connection = self.connection()?;
        self.call_as(&*connection, next_op_id(), send).await.map_err(|f| match f {
            CallFailure::Refused(e) | CallFailure::Unknown(e) => e,
        })
    }

    async fn call_as(&self, connection: &dyn Live, op_id: String, send: SendWrite<'_>) -> Result<(), CallFailure> {
        let result = self.pending.register(op_id.clone());
        let not_sent = |e: String| {
            CallFailure::Refused(DataError::new(ErrorKind::Offline, format!("the write could not be sent: {e}")))
        };
        match send(connection, op_id.clone()) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.pending.forget(&op_id);
                return Err(not_sent(e.to_string()));
            }
            Err(e) => {
                self.pending.forget(&op_id);
                return Err(CallFailure::Refused(e));
            }
        }
        match tokio::time::timeout(CALL_TIMEOUT, result).await {
            Ok(Ok(Ok(()))) => match self.schema.conflict(connection, &op_id) {
                Ok(Some(conflict)) => Err(CallFailure::Refused(DataError::new(
                    ErrorKind::Conflict,
                    format!(
                        "this {} row changed since you loaded it (you edited version {}); your change is kept as a conflict to resolve",
                        conflict.table, conflict.base_version
                    ),
                ))),
                Ok(None) => Ok(()),
                Err(e) => Err(CallFailure::Refused(e)),
            },
            Ok(Ok(Err(e))) if e.kind == ErrorKind::Offline => Err(CallFailure::Unknown(e)),
            Ok(Ok(Err(e))) => Err(CallFailure::Refused(e)),
            Ok(Err(_)) => Err(CallFailure::Unknown(DataError::new(
                ErrorKind::Offline,
                "the connection closed before the write was confirmed",
            ))),
            Err(_) => {
                self.pending.forget(&op_id);
                Err(CallFailure::Unknown(DataError::new(ErrorKind::Timeout, "the server did not confirm the write in time")))
            }
        }
    }

    /// Sends every queued write, in order, each under its own operation id, and removes it from
    /// the outbox once the server confirmed it (or refused it for good: then it is reported as
    /// rejected). Stops at the first write whose outcome is unknown; the next connect goes on.
    pub async fn replay(&self) {
        let Ok(connection) = self.connection() else { return };
        let info = self.schema.info();
        let mut done = 0;
        loop {
            let (entry, total) = {
                let mut sync = self.sync();
                let Some(entry) = sync.outbox.pending().first().cloned() else {
                    sync.syncing = None;
                    break;
                };
                let total = done + sync.outbox.pending().len();
                sync.syncing = Some([done, total]);
                self.events.emit_local(events::SYNC_STATUS, sync.status());
                (entry, total)
            };
            let op_id = entry.op_id.clone();
            let outcome = match info.table(&entry.table) {
                Some(table) => {
                    let entry = &entry;
                    self.call_as(
                        &*connection,
                        op_id.clone(),
                        Box::new(move |conn, op_id| table.send_entry(conn, entry, op_id)),
                    )
                    .await
                }
                None => Err(CallFailure::Refused(DataError::unknown_write(&entry))),
            };
            let mut sync = self.sync();
            match outcome {
                // A conflict is recorded on the server and reported as its own event.
                Ok(()) => {}
                Err(CallFailure::Refused(e)) if e.kind == ErrorKind::Conflict => {}
                Err(CallFailure::Refused(e)) => sync.rejected.push(Rejected {
                    op_id: op_id.clone(),
                    table: entry.table.clone(),
                    message: e.message,
                }),
                Err(CallFailure::Unknown(_)) => {
                    sync.syncing = None;
                    break;
                }
            }
            if let Err(e) = sync.outbox.confirm(&op_id) {
                sync.damaged = Some(format!("cannot update the outbox: {e}"));
            }
            done += 1;
            sync.syncing = Some([done, total]);
        }
        self.refresh_local_copy();
        self.events.emit_local(events::SYNC_STATUS, self.sync().status());
    }

    /// Takes the server's rows as the new local copy (and keeps it on disk), for reading offline.
    /// Works on a connection that just dropped too: its copy of the rows is still there.
    pub fn refresh_local_copy(&self) {
        let Some(connection) = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone() else { return };
        let mut copy = LocalCopy::default();
        for table in self.schema.info().tables {
            if let Err(e) = table.copy_into(&*connection, &mut copy) {
                self.sync().damaged = Some(format!("cannot copy the {} rows: {e}", table.name()));
                return;
            }
        }
        let mut sync = self.sync();
        if let Err(e) = sync.refresh(copy) {
            sync.damaged = Some(format!("cannot save the local copy: {e}"));
        }
    }

    /// Emits an event of the data layer's own (sync, migration) to the frontend.
    pub(crate) fn emit<P: serde::Serialize + Send + 'static>(&self, event: &'static str, payload: P) {
        self.events.emit_local(event, payload);
    }

    /// Every row of `table`, as the frontend's JSON, from wherever reads come from now.
    pub(crate) fn rows_json(&self, table: &str) -> Result<Vec<Value>, DataError> {
        let driver = self.schema.info().table(table).ok_or_else(|| DataError::unknown_table(table))?;
        match self.reader() {
            Reader::Online(conn) => driver.rows_json(&*conn),
            Reader::Offline(state) => Ok(state.local.rows(table).cloned().collect()),
        }
    }

    /// Measures what the app keeps on this device (rows, queued writes, files) against the
    /// quota; fires the warning event when usage just reached its threshold.
    pub fn storage_usage(&self) -> StorageUsage {
        let info = self.schema.info();
        let mut tables = Vec::new();
        let mut quota_row = None;
        for table in info.tables {
            let rows = self.rows_json(table.name()).unwrap_or_default();
            if info.storage_quota.is_some_and(|q| q.table == table.name()) {
                quota_row = rows.first().cloned();
            }
            tables.push(TableUsage {
                table: table.name().to_owned(),
                rows: rows.len(),
                bytes: rows.iter().map(row_size).sum(),
            });
        }
        let outbox = self.sync().outbox_bytes();
        let (usage, warn) = self.storage.report(quota_row.as_ref(), tables, outbox);
        if warn {
            self.emit(events::STORAGE_WARNING, usage.clone());
        }
        usage
    }

    pub fn storage(&self) -> &StorageGuard {
        &self.storage
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.sync().status()
    }

    /// Closes the connection.
    pub fn disconnect(&self) {
        if let Some(connection) = self.connection.write().unwrap_or_else(PoisonError::into_inner).take() {
            connection.disconnect();
        }
    }
}
