//! The database handle the generated commands use.
//!
//! Online, reads come from the SDK's client cache (every table is subscribed) and a write calls
//! its reducer with an operation id and waits for that reducer's result, which the generated
//! `watch_reducer_results` routes back by op id; the cache holds the write when the result
//! arrives. The SDK runs on its own thread and runtime (`run_threaded`), so commands on Tauri's
//! runtime only await a oneshot channel.
//!
//! Offline (no connection, or writes still queued), reads come from the local copy and a write
//! is appended to the outbox (synced to disk) and applied to the local copy before the command
//! returns. A write whose outcome became unknown (the connection dropped mid-call) is queued
//! the same way, under its own op id, so replaying it cannot apply it twice. On reconnect
//! [`Db::replay`] sends the queue in order.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use serde_json::Value;
use spacetimedb_sdk::{DbContext, Status, Table as _, TableWithPrimaryKey as _};
use tokio::sync::oneshot;

use super::changes::{ChangeSink, TableChange};
use super::error::{DataError, ErrorKind};
use super::local::LocalCopy;
use super::outbox::OutboxEntry;
use super::sync::{Rejected, SyncState, SyncStatus, SYNC_EVENT};
use crate::sdk::{DbConnection, HeycatConflictTableAccess, ReducerEventContext, SettingsTableAccess};
use crate::storage::{StorageGuard, StorageUsage, TableUsage, STORAGE_WARNING_EVENT};
use heycat::wire::Wired;

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

/// Where to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `ws://127.0.0.1:3000` or `http://...`.
    pub uri: String,
    /// The database name (or identity).
    pub database: String,
    /// The client's identity token; `None` asks the server for a new identity.
    pub token: Option<String>,
}

/// The app's handle on the database; Tauri manages one and hands it to every command. It
/// outlives connections: each (re)connect attaches a new one.
#[derive(Clone)]
pub struct Db {
    connection: Arc<RwLock<Option<Arc<DbConnection>>>>,
    pending: Pending,
    events: ChangeSink,
    sync: Arc<Mutex<SyncState>>,
    storage: StorageGuard,
}

/// Where reads come from.
pub(crate) enum Reader<'a> {
    /// The SDK's subscribed copy.
    Online(Arc<DbConnection>),
    /// The local copy (offline, or while queued writes wait).
    Offline(MutexGuard<'a, SyncState>),
}

impl Reader<'_> {
    /// The local copy, when reading offline.
    pub(crate) fn local(state: &SyncState) -> &LocalCopy {
        &state.local
    }
}

/// How a write went.
pub enum Written {
    /// The server confirmed it.
    Online,
    /// Queued for the server; the row as the local copy now holds it (none for a delete).
    Queued(Option<Value>),
}

/// Where a write's result goes once its reducer reports.
type ResultSender = oneshot::Sender<Result<(), DataError>>;

/// Writes waiting for their reducer's result, by operation id.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<HashMap<String, ResultSender>>>);

impl Pending {
    fn register(&self, op_id: String) -> oneshot::Receiver<Result<(), DataError>> {
        let (tx, rx) = oneshot::channel();
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(op_id, tx);
        rx
    }

    fn forget(&self, op_id: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(op_id);
    }

    /// Called by the generated reducer callbacks with each result.
    pub(crate) fn complete(&self, ctx: &ReducerEventContext, op_id: &str) {
        let Some(waiter) = self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(op_id) else {
            // Another client's write, or one whose caller gave up waiting.
            return;
        };
        let result = match &ctx.event.status {
            Status::Committed => Ok(()),
            Status::Failed(message) => Err(DataError::from_reducer(message)),
            Status::OutOfEnergy => {
                Err(DataError::new(ErrorKind::Server, "the server ran out of energy for this write"))
            }
        };
        let _ = waiter.send(result);
    }

    /// Fails every waiting write, e.g. when the connection dropped.
    fn fail_all(&self, error: &DataError) {
        for (_, waiter) in self.0.lock().unwrap_or_else(PoisonError::into_inner).drain() {
            let _ = waiter.send(Err(error.clone()));
        }
    }
}

/// Why a reducer call did not succeed.
enum CallFailure {
    /// The server refused it (or it never left): nothing happened.
    Refused(DataError),
    /// It was sent, and the connection went before the result came: it may have happened.
    Unknown(DataError),
}

impl Db {
    /// A handle with no connection yet, whose offline state (outbox, local copy) lives in
    /// `dir`; events (row changes, sync status) go to `events`.
    pub fn open(dir: &Path, events: ChangeSink) -> Result<Db, DataError> {
        let sync = SyncState::open(dir).map_err(|e| {
            DataError::new(ErrorKind::Server, format!("cannot open the offline data in {}: {e}", dir.display()))
        })?;
        let db = Db {
            connection: Arc::default(),
            pending: Pending::default(),
            events,
            sync: Arc::new(Mutex::new(sync)),
            storage: StorageGuard::new(dir),
        };
        // Writes made before the first connect are checked against the local copy's figures.
        db.storage_usage();
        Ok(db)
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
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, String>>();
        let (on_error, on_connect_error, on_drop) = (ready_tx.clone(), ready_tx.clone(), ready_tx.clone());
        let pending = self.pending.clone();
        let connection = DbConnection::builder()
            .with_uri(options.uri.as_str())
            .with_module_name(options.database.as_str())
            .with_token(options.token.clone())
            .on_connect(move |conn, _identity, token| {
                let token = token.to_owned();
                conn.subscription_builder()
                    .on_applied(move |_| {
                        let _ = ready_tx.send(Ok(token));
                    })
                    .on_error(move |_, e| {
                        let _ = on_error.send(Err(format!("subscribing failed: {e}")));
                    })
                    .subscribe_to_all_tables();
            })
            .on_connect_error(move |_, e| {
                let _ = on_connect_error.send(Err(e.to_string()));
            })
            .on_disconnect(move |_, e| {
                let reason =
                    e.map_or_else(|| "the connection closed".to_owned(), |e| format!("the connection dropped: {e}"));
                pending
                    .fail_all(&DataError::new(ErrorKind::Offline, format!("{reason}; the write's outcome is unknown")));
                // The SDK reports a connection that fails after `build` here too: end the wait.
                let _ = on_drop.send(Err(reason.clone()));
                on_disconnect(reason);
            })
            .build()
            .map_err(|e| DataError::new(ErrorKind::Offline, format!("cannot connect to {}: {e}", options.uri)))?;
        crate::commands::watch_reducer_results(&connection, &self.pending);
        crate::commands::watch_table_changes(&connection, &self.events);
        self.watch_quota(&connection);
        connection.run_threaded();
        let token = match ready_rx.recv_timeout(CONNECT_TIMEOUT) {
            Ok(Ok(token)) => token,
            Ok(Err(reason)) => return Err(DataError::new(ErrorKind::Offline, reason)),
            Err(_) => {
                let _ = connection.disconnect();
                return Err(DataError::new(ErrorKind::Timeout, format!("{} did not answer in time", options.uri)));
            }
        };
        *self.connection.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(connection));
        Ok(token)
    }

    /// Keeps the quota writes are checked against in step with the settings row, wherever
    /// it was changed.
    fn watch_quota(&self, connection: &DbConnection) {
        let (on_insert, on_update) = (self.storage.clone(), self.storage.clone());
        connection.db.settings().on_insert(move |_, row| on_insert.set_quota_mb(row.storage_quota_mb));
        connection.db.settings().on_update(move |_, _, row| on_update.set_quota_mb(row.storage_quota_mb));
    }

    /// The live connection, or `Offline`.
    pub fn connection(&self) -> Result<Arc<DbConnection>, DataError> {
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
    pub async fn write(
        &self,
        size: u64,
        entry: impl FnOnce() -> OutboxEntry,
        send: impl FnOnce(&DbConnection, String) -> spacetimedb_sdk::Result<()>,
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
        send: impl FnOnce(&DbConnection, String) -> spacetimedb_sdk::Result<()>,
    ) -> Result<Written, DataError> {
        let op_id = next_op_id();
        let online = self.connection().ok().filter(|_| self.sync().outbox.pending().is_empty());
        if let Some(connection) = online {
            match self.call_as(&connection, op_id.clone(), send).await {
                Ok(()) => return Ok(Written::Online),
                Err(CallFailure::Refused(e)) => return Err(e),
                Err(CallFailure::Unknown(_)) => {}
            }
        }
        let entry = OutboxEntry { op_id, ..entry() };
        self.queue(entry).map(Written::Queued)
    }

    fn queue(&self, entry: OutboxEntry) -> Result<Option<Value>, DataError> {
        let event = format!("{}:changed", entry.table);
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
        self.events.emit_local(SYNC_EVENT, status);
        Ok(after)
    }

    /// Calls a reducer (through `send`, given the connection and a fresh operation id) and
    /// waits for its result.
    pub async fn call(
        &self,
        send: impl FnOnce(&DbConnection, String) -> spacetimedb_sdk::Result<()>,
    ) -> Result<(), DataError> {
        let connection = self.connection()?;
        self.call_as(&connection, next_op_id(), send).await.map_err(|f| match f {
            CallFailure::Refused(e) | CallFailure::Unknown(e) => e,
        })
    }

    async fn call_as(
        &self,
        connection: &DbConnection,
        op_id: String,
        send: impl FnOnce(&DbConnection, String) -> spacetimedb_sdk::Result<()>,
    ) -> Result<(), CallFailure> {
        let result = self.pending.register(op_id.clone());
        if let Err(e) = send(connection, op_id.clone()) {
            self.pending.forget(&op_id);
            return Err(CallFailure::Refused(DataError::new(
                ErrorKind::Offline,
                format!("the write could not be sent: {e}"),
            )));
        }
        match tokio::time::timeout(CALL_TIMEOUT, result).await {
            Ok(Ok(Ok(()))) => match connection.db.heycat_conflict().id().find(&op_id) {
                Some(conflict) => Err(CallFailure::Refused(DataError::new(
                    ErrorKind::Conflict,
                    format!(
                        "this {} row changed since you loaded it (you edited version {}); your change is kept as a conflict to resolve",
                        conflict.table_name, conflict.base_version
                    ),
                ))),
                None => Ok(()),
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
                self.events.emit_local(SYNC_EVENT, sync.status());
                (entry, total)
            };
            let op_id = entry.op_id.clone();
            let outcome = match crate::commands::replay_call(&entry) {
                Ok(send) => self.call_as(&connection, op_id.clone(), send).await,
                Err(e) => Err(CallFailure::Refused(e)),
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
        self.events.emit_local(SYNC_EVENT, self.sync().status());
    }

    /// Takes the server's rows as the new local copy (and keeps it on disk), for reading offline.
    /// Works on a connection that just dropped too: its copy of the rows is still there.
    pub fn refresh_local_copy(&self) {
        let Some(connection) = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone() else { return };
        let copy = crate::commands::copy_of_cache(&connection);
        let mut sync = self.sync();
        if let Err(e) = sync.refresh(copy) {
            sync.damaged = Some(format!("cannot save the local copy: {e}"));
        }
    }

    /// Emits an event of the data layer's own (sync, migration) to the frontend.
    pub(crate) fn emit<P: serde::Serialize + Send + 'static>(&self, event: &'static str, payload: P) {
        self.events.emit_local(event, payload);
    }

    /// Measures what the app keeps on this device (rows, queued writes, files) against the
    /// quota; fires the warning event when usage just reached its threshold.
    pub fn storage_usage(&self) -> StorageUsage {
        let usage = |(table, rows, bytes): (&str, usize, u64)| TableUsage {
            table: table.to_owned(),
            rows,
            bytes: Wired(bytes),
        };
        let (tables, quota_mb): (Vec<TableUsage>, _) = match self.reader() {
            Reader::Online(conn) => (
                crate::commands::table_usage(&conn).into_iter().map(usage).collect(),
                conn.db.settings().id().find(&0).map(|s| s.storage_quota_mb),
            ),
            Reader::Offline(state) => {
                let settings = state.local.get::<crate::schema::Settings>(&serde_json::json!(0)).ok().flatten();
                (state.local.usage().into_iter().map(usage).collect(), settings.map(|s| s.storage_quota_mb))
            }
        };
        let quota_mb = quota_mb.unwrap_or_else(|| crate::schema::Settings::default().storage_quota_mb);
        let outbox = self.sync().outbox_bytes();
        let (usage, warn) = self.storage.report(quota_mb, tables, outbox);
        if warn {
            self.emit(STORAGE_WARNING_EVENT, usage.clone());
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
            let _ = connection.disconnect();
        }
    }
}
