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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::oneshot;

use heycat_contract::events;
use serde_json::Value;

use crate::changes::{ChangeSink, TableChange};
use crate::connect::{ConnectOptions, Connector};
use crate::error::{DataError, ErrorKind};
use crate::link::MigrationStatus;
use crate::liveness::Heartbeat;
use crate::local::LocalCopy;
use crate::lock::DataDirLock;
use crate::outbox::{KeyChange, OutboxEntry, WriteKind};
use crate::results::Pending;
use crate::schema::{Live, Schema, SdkResult};
use crate::storage::{row_size, StorageGuard, StorageUsage, TableUsage};
use crate::sync::{Overlay, Rejected, StatusPublisher, SyncState, SyncStatus};
use crate::tables::TableDriver;
use crate::watch::Watch;

/// Connecting and subscribing must finish within this (a stalled server never answers).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A write the server has not answered within this is shown at once (its row, marked
/// pending), so a slow server never leaves the user looking at nothing.
const SHOW_AFTER: Duration = Duration::from_millis(50);
/// Writes shown early while at most this many wait for an answer.
const SHOW_AT_MOST: usize = 16;
/// How long a write waits for the server's confirmation before it is queued instead (its
/// outcome unknown, under its own operation id): no write waits on the network for long.
const WRITE_WAIT: Duration = Duration::from_millis(750);
/// How long a call that cannot be queued (settling a conflict, a table that does not sync)
/// waits before it fails with `timeout`.
const CALL_WAIT: Duration = Duration::from_secs(1);
/// How long the replay of a queued write waits; nobody waits on it, and a resend is harmless
/// but useless while the first send may still be answered.
const REPLAY_WAIT: Duration = Duration::from_secs(2);
/// How many queued writes a replay sends before it takes their answers.
const REPLAY_WINDOW: usize = 1000;

/// Writes' operation ids, `<device>.<session>-<n>`: unique across starts and devices (a random
/// part per start) and cheap to make (a counter, no syscall per write). Every device of the
/// user acts as the same identity, so the device part (kept in the data dir) is what tells
/// this device's writes, and so its conflicts, from the others'.
pub(crate) struct OpIds {
    /// `<device>.`: what every operation id of this device starts with.
    device: String,
    /// `<device>.<start>`.
    prefix: String,
    counter: AtomicU64,
}

/// The file holding this device's id.
const DEVICE_ID_FILE: &str = "device-id";

impl OpIds {
    fn open(dir: &Path) -> std::io::Result<OpIds> {
        let file = dir.join(DEVICE_ID_FILE);
        let kept = match std::fs::read(&file) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let device = match kept {
            Some(id) if is_device_id(&id) => id,
            // None yet, or a damaged one (kept for inspection): a new id only changes which
            // earlier conflicts this device calls its own.
            damaged => {
                if damaged.is_some() {
                    std::fs::rename(&file, dir.join(format!("{DEVICE_ID_FILE}.damaged")))?;
                }
                let id = uuid::Uuid::new_v4().simple().to_string();
                heycat_local_server::private_files::create_dir(dir)?;
                heycat_local_server::private_files::write(&file, id.as_bytes())?;
                id
            }
        };
        let session = uuid::Uuid::new_v4().simple().to_string();
        let device = format!("{device}.");
        Ok(OpIds { prefix: format!("{device}{}", &session[..12]), device, counter: AtomicU64::new(0) })
    }

    fn next(&self) -> String {
        format!("{}-{}", self.prefix, self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// Whether `op_id` is one of this device's (in this or an earlier start).
    pub(crate) fn is_mine(&self, op_id: &str) -> bool {
        op_id.starts_with(&self.device)
    }
}

/// What `OpIds::open` writes: a UUID's 32 hex digits.
fn is_device_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
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
    heartbeat: Heartbeat,
    status: StatusPublisher,
    /// Connections given up on, until nothing else holds them (see `bury_retired`).
    retired: Arc<Mutex<Vec<Arc<dyn Live>>>>,
    /// The current connection's callbacks are live (see `Watch::live`).
    live: Arc<Mutex<Arc<AtomicBool>>>,
    /// A connection was made before in this process: the frontend was told its rows, so a new
    /// one reports what changed since.
    connected_before: Arc<AtomicBool>,
    /// A new connection that delivers nothing until it is caught up (see [`Db::catch_up`]).
    catching_up: Arc<Mutex<Option<CatchingUp>>>,
    op_ids: Arc<OpIds>,
    /// This process's hold on the data dir (see `lock`).
    lock: Arc<DataDirLock>,
    /// The next provisional key number of each table with an `#[auto_inc]` key.
    provisional: Arc<Mutex<HashMap<&'static str, u64>>>,
    /// This start's migration at its last step (`None`: none ran), for a frontend that listens
    /// only after it ended (a webview that loads slower than a quick migration runs).
    migration: Arc<Mutex<Option<MigrationStatus>>>,
}

/// A connection whose rows the runtime has yet to take in; dropping `caught_up` lets it go on
/// delivering changes.
struct CatchingUp {
    connection: Arc<dyn Live>,
    caught_up: mpsc::Sender<()>,
}

/// Where reads come from.
pub(crate) enum Reader<'a> {
    /// The connection's subscribed copy, with the rows queued writes leave over it.
    Online(Arc<dyn Live>, Overlay),
    /// The local copy (offline, or while queued writes wait).
    Offline(MutexGuard<'a, SyncState>),
}

/// How a write went.
pub enum Written {
    /// The server confirmed it (the write with this operation id), on this connection (whose
    /// copy holds the row now).
    Online(Arc<dyn Live>, String),
    /// Queued for the server; the row as the local copy now holds it (none for a delete).
    Queued(Option<Value>),
}

/// Sends a write to the server: given the connection and a fresh operation id, calls the
/// reducer (the outer error: the write could not even be formed).
pub(crate) type SendWrite<'a> = Box<dyn FnOnce(&dyn Live, String) -> Result<SdkResult, DataError> + Send + 'a>;

/// Where a call's answer comes.
type Answer = oneshot::Receiver<Result<(), DataError>>;

/// A queued write in a replay window: its answer, or why it was not sent.
enum Sent {
    /// Sent; its answer comes here.
    Waiting(Answer),
    /// An earlier send's answer came after its sender gave up.
    Answered(Result<(), DataError>),
    Failed(CallFailure),
}

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
    pub fn open(schema: &'static dyn Schema, dir: &Path, app_name: &str, events: ChangeSink) -> Result<Db, DataError> {
        // First of all: this process alone uses the data dir (or it says which one does).
        let lock = DataDirLock::take(dir, app_name)?;
        // Before anything else touches the data dir: what an earlier version left readable by
        // others becomes the user's alone. A file it cannot change is said, not fatal.
        for (path, e) in heycat_local_server::private_files::make_private(dir) {
            log::warn!("cannot make {} readable by the user only: {e}", path.display());
        }
        let info = schema.info();
        let sync = SyncState::open(dir, info.version, &info.plans()).map_err(|e| {
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
            connected_before: Arc::default(),
            catching_up: Arc::default(),
            op_ids: Arc::new(op_ids),
            lock: Arc::new(lock),
            provisional: Arc::default(),
            migration: Arc::default(),
        };
        // Writes made before the first connect are checked against the local copy's figures.
        db.storage_usage();
        Ok(db)
    }

    /// The schema this handle serves.
    pub fn schema(&self) -> &'static dyn Schema {
        self.schema
    }

    /// Lets go of the data dir: the data layer stopped (another may start on it).
    pub fn close(&self) {
        self.lock.release();
    }

    /// Whether the write `op_id` was made on this device.
    pub(crate) fn is_my_op(&self, op_id: &str) -> bool {
        self.op_ids.is_mine(op_id)
    }

    fn sync(&self) -> MutexGuard<'_, SyncState> {
        self.sync.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects, subscribes to every table and waits until the subscribed copy holds the data,
    /// then serves commands from this connection; [`Db::catch_up`] must follow. Returns the
    /// identity token the server confirmed. `on_disconnect` hears when (and why) the connection
    /// ends. Blocks; call it off the UI thread.
    pub fn connect(
        &self,
        options: &ConnectOptions,
        on_disconnect: impl FnOnce(String) + Send + 'static,
    ) -> Result<String, DataError> {
        self.disconnect();
        let (ready, ready_rx) = mpsc::channel::<Result<String, String>>();
        let (caught_up, caught_up_rx) = mpsc::channel::<()>();
        let live = Arc::new(AtomicBool::new(true));
        *self.live.lock().unwrap_or_else(PoisonError::into_inner) = live.clone();
        let connector = Connector {
            options: options.clone(),
            ready,
            caught_up: caught_up_rx,
            on_disconnect: Box::new(on_disconnect),
            watch: Watch {
                info: self.schema.info(),
                sink: self.events.clone(),
                pending: self.pending.clone(),
                storage: self.storage.clone(),
                heartbeat: self.heartbeat.clone(),
                live: live.clone(),
                op_ids: self.op_ids.clone(),
            },
        };
        let connection = self.schema.connect(connector)?;
        let token = match ready_rx.recv_timeout(CONNECT_TIMEOUT) {
            Ok(Ok(token)) => token,
            Ok(Err(reason)) => {
                live.store(false, Ordering::Release);
                return Err(DataError::new(ErrorKind::Offline, reason));
            }
            Err(_) => {
                live.store(false, Ordering::Release);
                connection.disconnect();
                return Err(DataError::new(ErrorKind::Timeout, format!("{} did not answer in time", options.uri)));
            }
        };
        *self.connection.write().unwrap_or_else(PoisonError::into_inner) = Some(connection.clone());
        // The connection holds its first rows and delivers nothing more until `caught_up`.
        *self.catching_up.lock().unwrap_or_else(PoisonError::into_inner) = Some(CatchingUp { connection, caught_up });
        Ok(token)
    }

    /// Takes in a new connection's rows: they become the local copy, and after a reconnect
    /// every row that changed meanwhile (here or on other devices) is reported as a change event,
    /// once, against the rows the app had from the connection before.
    ///
    /// Runs once the app was told it is connected, not before: reads already come from the
    /// connection, and the frontend loads its rows again then, so the changes reported here
    /// (each one a row as the server holds it now) only confirm what it loaded. Until this
    /// ends the connection delivers nothing, so no change is both in its rows and reported after.
    ///
    /// The first connection of the process only serves reads from its rows: the local copy is
    /// what the app read before it, and is refreshed from the connection (and kept on disk)
    /// by the supervisor soon after, and when the connection goes. Copying every row here
    /// would hold the app's first rows back for nothing.
    pub(crate) fn catch_up(&self) {
        let Some(CatchingUp { connection, caught_up }) =
            self.catching_up.lock().unwrap_or_else(PoisonError::into_inner).take()
        else {
            return;
        };
        if self.connected_before.swap(true, Ordering::AcqRel) {
            self.report_changes_since_last(&*connection);
            crate::memory::give_back();
        }
        drop(caught_up);
    }

    /// Emits every row that changed between the last connection's rows and `connection`'s,
    /// and makes the new rows the local copy (in memory).
    fn report_changes_since_last(&self, connection: &dyn Live) {
        // Copied before the lock is taken: reads and writes (which take it) go on meanwhile.
        let copied = self.copy_rows(connection);
        let mut sync = self.sync();
        let now = match copied {
            Ok(now) => now,
            Err(damaged) => {
                sync.damaged = Some(damaged);
                return;
            }
        };
        // The last rows seen from the server: kept when the connection went, or (when they
        // could not be copied then) the last ones kept on disk.
        let before = match sync.last_seen.take() {
            Some(seen) => seen,
            None => LocalCopy::load(&sync.snapshot_path()).unwrap_or_default(),
        };
        for (table, change) in before.changes_to(&now) {
            self.events.emit_local(events::table_changed(&table), change);
        }
        // Reads go on from the connection: the copy reaches the disk with the supervisor's
        // next refresh, not on the way to the app's rows.
        sync.take_rows(now);
    }

    /// One round trip to the server: how long it took, or `None` when no answer came within
    /// `timeout` (the connection stalled). `Err` when there is no connection.
    pub(crate) fn ping(&self, timeout: Duration) -> Result<Option<Duration>, DataError> {
        let connection = self.connection()?;
        let seen = self.heartbeat.count();
        if let Err(e) = self.schema.heartbeat(&*connection)? {
            return Err(DataError::new(ErrorKind::Offline, format!("the heartbeat could not be sent: {e}")));
        }
        Ok(self.heartbeat.wait_beyond(seen, timeout))
    }

    /// Whether writes wait in the outbox.
    pub(crate) fn has_queued(&self) -> bool {
        !self.sync().outbox.pending().is_empty()
    }

    /// The live connection, or `Offline`.
    pub fn connection(&self) -> Result<Arc<dyn Live>, DataError> {
        let guard = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|c| c.is_active()).cloned().ok_or_else(DataError::offline)
    }

    /// Where reads come from now: the connection's copy, with what queued writes leave on
    /// top, while there is a connection (one that just dropped too: its rows are the last the
    /// server sent until [`Db::disconnect`] takes them as the local copy); otherwise the local copy.
    pub(crate) fn reader(&self) -> Reader<'_> {
        let sync = self.sync();
        let held = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone();
        match held {
            Some(connection) => Reader::Online(connection, sync.overlay()),
            None => Reader::Offline(sync),
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
        let op_id = self.op_ids.next();
        let online = self.connection().ok().filter(|_| self.sync().outbox.pending().is_empty());
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
    fn show_in_flight(&self, connection: &dyn Live, entry: &OutboxEntry) -> Option<(String, TableChange<Value>)> {
        let driver = self.schema.info().table(&entry.table)?;
        let before = driver.row_json(connection, &entry.key).ok().flatten();
        let after = crate::local::applied(before.as_ref(), entry);
        self.sync().in_flight.insert(entry.op_id.clone(), (entry.table.clone(), crate::local::key_text(&entry.key)));
        let change = match (before, after) {
            (None, Some(row)) => Some(TableChange::Insert { row }),
            (Some(old_row), Some(row)) => Some(TableChange::Update { old_row, row }),
            (Some(row), None) => Some(TableChange::Delete { row }),
            (None, None) => None,
        };
        if let Some(change) = &change {
            self.events.emit_local(events::table_changed(&entry.table), change.clone());
        }
        self.status.changed();
        change.map(|change| (entry.table.clone(), change))
    }

    /// The answer to a shown write came (or the wait ended): it is no longer in flight, and a
    /// refused one is taken back.
    fn end_in_flight(&self, op_id: &str, shown: Option<(String, TableChange<Value>)>, refused: bool) {
        self.sync().in_flight.remove(op_id);
        if let (true, Some((table, change))) = (refused, shown) {
            let undo = match change {
                TableChange::Insert { row } => TableChange::Delete { row },
                TableChange::Update { old_row, row } => TableChange::Update { old_row: row, row: old_row },
                TableChange::Delete { row } => TableChange::Insert { row },
            };
            self.events.emit_local(events::table_changed(&table), undo);
        }
        self.status.changed();
    }

    fn queue(&self, entry: OutboxEntry) -> Result<Option<Value>, DataError> {
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
        let change = match (before, after.clone()) {
            (None, Some(row)) => Some(TableChange::Insert { row }),
            (Some(old_row), Some(row)) => Some(TableChange::Update { old_row, row }),
            (Some(row), None) => Some(TableChange::Delete { row }),
            (None, None) => None,
        };
        if let Some(change) = change {
            self.events.emit_local(event, change);
        }
        self.status.changed();
        Ok(after)
    }

    /// Calls a reducer (through `send`, given the connection and a fresh operation id) and
    /// waits for its result; returns the connection it was confirmed on, with the operation
    /// id. Needs a connection: nothing is queued.
    pub(crate) async fn call(&self, send: SendWrite<'_>) -> Result<Written, DataError> {
        let connection = self.connection()?;
        let op_id = self.op_ids.next();
        match self.call_as(&*connection, op_id.clone(), send, CALL_WAIT).await {
            Ok(()) => Ok(Written::Online(connection, op_id)),
            Err(CallFailure::Refused(e) | CallFailure::Unknown(e)) => Err(e),
        }
    }

    /// The next provisional key number of `table` (see [`TableAccess::provisional`]): one no
    /// queued insert and no kept key change uses, counting on from those there when the
    /// process started.
    pub(crate) fn next_provisional(&self, table: &'static str) -> u64 {
        let mut next = self.provisional.lock().unwrap_or_else(PoisonError::into_inner);
        let n = next.entry(table).or_insert_with(|| {
            let sync = self.sync();
            let driver = self.schema.info().table(table);
            let queued = sync.outbox.pending().iter().filter(|e| e.table == table).map(|e| &e.key);
            let changed = sync.outbox.key_changes().iter().filter(|c| c.table == table).map(|c| &c.from);
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

    async fn call_as(
        &self,
        connection: &dyn Live,
        op_id: String,
        send: SendWrite<'_>,
        wait: Duration,
    ) -> Result<(), CallFailure> {
        let answer = self.send_call(connection, &op_id, send)?;
        let answer = tokio::time::timeout(wait, answer).await.ok();
        self.settle(connection, &op_id, answer, wait)
    }

    /// Sends a reducer call and returns where its answer will come.
    fn send_call(&self, connection: &dyn Live, op_id: &str, send: SendWrite<'_>) -> Result<Answer, CallFailure> {
        let answer = self.pending.register(op_id.to_owned());
        // A connection whose SDK thread died can panic in the SDK (see `Live`): not sent.
        let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| send(connection, op_id.to_owned())))
            .unwrap_or_else(|_| Err(DataError::new(ErrorKind::Offline, "the connection to the server ended")));
        // Not sent because the connection is going or gone: not done, to be sent again (queued
        // by a write, kept by the replay). Anything else refuses the write for good.
        match sent {
            Ok(Ok(())) => Ok(answer),
            Ok(Err(e)) => {
                self.pending.forget(op_id);
                Err(CallFailure::Unknown(DataError::new(
                    ErrorKind::Offline,
                    format!("the write could not be sent: {e}"),
                )))
            }
            Err(e) if e.kind == ErrorKind::Offline => {
                self.pending.forget(op_id);
                Err(CallFailure::Unknown(e))
            }
            Err(e) => {
                self.pending.forget(op_id);
                Err(CallFailure::Refused(e))
            }
        }
    }

    /// What an answer (none: the wait of `waited` ended first) means for the call `op_id`.
    fn settle(
        &self,
        connection: &dyn Live,
        op_id: &str,
        answer: Option<Result<Result<(), DataError>, oneshot::error::RecvError>>,
        waited: Duration,
    ) -> Result<(), CallFailure> {
        match answer {
            Some(Ok(Ok(()))) => match self.schema.conflict(connection, op_id) {
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
            Some(Ok(Err(e))) if e.kind == ErrorKind::Offline => Err(CallFailure::Unknown(e)),
            Some(Ok(Err(e))) => Err(CallFailure::Refused(e)),
            Some(Err(_)) => Err(CallFailure::Unknown(DataError::new(
                ErrorKind::Offline,
                "the connection closed before the write was confirmed",
            ))),
            None => {
                // A late answer is kept for the queue, which then need not send it again.
                self.pending.abandon(op_id);
                Err(CallFailure::Unknown(DataError::new(
                    ErrorKind::Timeout,
                    format!("the server did not answer within {} ms; the write may still be applied", waited.as_millis()),
                )))
            }
        }
    }

    /// Sends every queued write, in order, each under its own operation id, and removes it from
    /// the outbox once the server confirmed it (or refused it for good: then it is reported as
    /// rejected). Stops at the first write whose outcome is unknown; the next connect goes on.
    ///
    /// Writes go out [`REPLAY_WINDOW`] at a time without waiting for each other's answers: the
    /// server runs one connection's calls in the order they were sent, so they apply in order,
    /// and their answers are then taken in that order. A window ends after an insert whose key
    /// the module gives: the writes after it may name that key, which is known only once it
    /// is applied.
    pub async fn replay(&self) {
        let Ok(connection) = self.connection() else { return };
        let info = self.schema.info();
        let mut done = 0;
        loop {
            let (window, total) = {
                let mut sync = self.sync();
                let pending = sync.outbox.pending();
                if pending.is_empty() {
                    sync.syncing = None;
                    break;
                }
                let total = done + pending.len();
                let mut window = Vec::new();
                for entry in pending.iter().take(REPLAY_WINDOW) {
                    window.push(entry.clone());
                    let assigned = info.table(&entry.table).is_some_and(|t| t.auto_inc_key());
                    if assigned && entry.kind == WriteKind::Insert {
                        break;
                    }
                }
                sync.syncing = Some([done, total]);
                (window, total)
            };
            self.status.changed();
            // Sent in order, until one cannot be sent.
            let mut answers = Vec::with_capacity(window.len());
            for entry in &window {
                let answer = match (self.pending.late(&entry.op_id), info.table(&entry.table)) {
                    // The answer to an earlier send of this write came after its sender gave up.
                    (Some(result), _) => Sent::Answered(result),
                    (None, Some(table)) => {
                        let send = Box::new(move |conn: &dyn Live, op_id| table.send_entry(conn, entry, op_id));
                        match self.send_call(&*connection, &entry.op_id, send) {
                            Ok(answer) => Sent::Waiting(answer),
                            Err(failure) => Sent::Failed(failure),
                        }
                    }
                    (None, None) => Sent::Failed(CallFailure::Refused(DataError::unknown_write(entry))),
                };
                let stop = matches!(answer, Sent::Failed(CallFailure::Unknown(_)));
                answers.push(answer);
                if stop {
                    break;
                }
            }
            // Answers taken in order; the writes settled are confirmed together.
            let (mut settled, mut stopped) = (Vec::with_capacity(answers.len()), false);
            let mut answers = answers.into_iter().zip(&window);
            for (answer, entry) in answers.by_ref() {
                let outcome = match answer {
                    Sent::Answered(Ok(())) => Ok(()),
                    Sent::Answered(Err(e)) => Err(CallFailure::Refused(e)),
                    Sent::Waiting(answer) => {
                        let answer = tokio::time::timeout(REPLAY_WAIT, answer).await.ok();
                        self.settle(&*connection, &entry.op_id, answer, REPLAY_WAIT)
                    }
                    Sent::Failed(failure) => Err(failure),
                };
                let mut sync = self.sync();
                match outcome {
                    Ok(())
                        if entry.kind == WriteKind::Insert
                            && info.table(&entry.table).is_some_and(|t| t.auto_inc_key()) =>
                    {
                        // Under a provisional key: the module gave the row its own; the writes
                        // still queued and the local copy take it (durably) before this one is
                        // done.
                        if let Err(e) = self.take_assigned_key(&*connection, &mut sync, entry) {
                            sync.damaged = Some(format!("cannot update the outbox: {e}"));
                            stopped = true;
                            break;
                        }
                    }
                    // A conflict is recorded on the server and reported as its own event.
                    Ok(()) => {}
                    Err(CallFailure::Refused(e)) if e.kind == ErrorKind::Conflict => {}
                    Err(CallFailure::Refused(e)) => sync.rejected.push(Rejected {
                        op_id: entry.op_id.clone(),
                        table: entry.table.clone(),
                        kind: e.kind,
                        message: e.message,
                        field: e.field,
                        value: e.value,
                    }),
                    Err(CallFailure::Unknown(_)) => {
                        stopped = true;
                        break;
                    }
                }
                settled.push(entry);
            }
            // Writes sent after one whose outcome is unknown: their answers, should they come,
            // are kept for the next replay, which then need not send them again.
            for (answer, entry) in answers {
                if let Sent::Waiting(_) = answer {
                    self.pending.abandon(&entry.op_id);
                }
            }
            let mut sync = self.sync();
            if let Err(e) = sync.confirmed(settled.iter().copied()) {
                sync.damaged = Some(format!("cannot update the outbox: {e}"));
                stopped = true;
            }
            done += settled.len();
            sync.syncing = (!stopped).then_some([done, total]);
            if stopped {
                break;
            }
        }
        self.refresh_local_copy();
        self.status.changed();
    }

    /// After a queued insert into a table with an `#[auto_inc]` key was applied: replaces its
    /// provisional key with the one the module gave the row, in the queue (durably) and the
    /// local copy, and tells the frontend each row that changed as one update.
    fn take_assigned_key(
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

    /// Takes the server's rows as the new local copy (and keeps it on disk), for reading offline.
    /// Works on a connection that just dropped too: its copy of the rows is still there.
    pub fn refresh_local_copy(&self) {
        let Some(connection) = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone() else { return };
        let copied = self.copy_rows(&*connection);
        let mut sync = self.sync();
        match copied {
            Ok(copy) => Self::keep_rows(&mut sync, copy),
            Err(damaged) => sync.damaged = Some(damaged),
        }
        drop(sync);
        crate::memory::give_back();
    }

    /// Makes `copy` (a connection's rows) the local copy, kept on disk, with the queued writes on top.
    fn keep_rows(sync: &mut SyncState, copy: LocalCopy) {
        if let Err(e) = sync.refresh(copy) {
            sync.damaged = Some(format!("cannot save the local copy: {e}"));
        }
    }

    /// The rows of `connection`, as a local copy; or why one cannot be read (for `damaged`).
    fn copy_rows(&self, connection: &dyn Live) -> Result<LocalCopy, String> {
        let mut copy = LocalCopy::default();
        for table in self.schema.info().tables {
            table
                .copy_into(connection, &mut copy)
                .map_err(|e| format!("cannot copy the {} rows: {e}", table.name()))?;
        }
        Ok(copy)
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

    /// Every row of `table`, as the frontend's JSON, from wherever reads come from now.
    pub(crate) fn rows_json(&self, table: &str) -> Result<Vec<Value>, DataError> {
        let driver = self.schema.info().table(table).ok_or_else(|| DataError::unknown_table(table))?;
        match self.reader() {
            Reader::Online(conn, overlay) => {
                let mut rows = driver.rows_json(&*conn)?;
                if let Some(queued) = overlay.get(table) {
                    let key_field = driver.key_field();
                    rows.retain(|row| !queued.contains_key(&crate::local::key_text(&row[key_field])));
                    rows.extend(queued.values().flatten().cloned());
                }
                Ok(rows)
            }
            Reader::Offline(state) => Ok(state.local.rows(table).collect()),
        }
    }

    /// How many rows of `table` are read now (see [`Db::rows_json`]), and their size as the
    /// frontend's JSON.
    fn table_usage(&self, table: &dyn TableDriver) -> Result<(usize, u64), DataError> {
        match self.reader() {
            Reader::Online(conn, overlay) => {
                let none = HashMap::new();
                let queued = overlay.get(table.name()).unwrap_or(&none);
                let (rows, bytes) = table.usage(&*conn, queued)?;
                let shown = queued.values().flatten();
                Ok((rows + shown.clone().count(), bytes + shown.map(row_size).sum::<u64>()))
            }
            Reader::Offline(state) => {
                Ok(state.local.rows(table.name()).fold((0, 0), |(rows, bytes), row| (rows + 1, bytes + row_size(&row))))
            }
        }
    }

    /// Measures what the app keeps on this device (rows, queued writes, files) against the
    /// quota; fires the warning event when usage just reached its threshold.
    pub fn storage_usage(&self) -> StorageUsage {
        let info = self.schema.info();
        let mut tables = Vec::new();
        let mut quota_row = None;
        for table in info.tables {
            if info.storage_quota.is_some_and(|q| q.table == table.name()) {
                quota_row = self.rows_json(table.name()).unwrap_or_default().into_iter().next();
            }
            let (rows, bytes) = self.table_usage(*table).unwrap_or_default();
            tables.push(TableUsage { table: table.name().to_owned(), rows, bytes });
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

    /// Closes the connection, which the runtime no longer listens to: writes still waiting for
    /// it learn that their outcome is unknown (and are queued), and whatever it delivers late
    /// (it had stalled and wakes up) is ignored.
    /// Its rows become the local copy in the same step, so reads go on from the last rows the
    /// server sent.
    pub fn disconnect(&self) {
        self.live.lock().unwrap_or_else(PoisonError::into_inner).store(false, Ordering::Release);
        self.pending.fail_all(&DataError::new(
            ErrorKind::Offline,
            "the connection was given up; the write's outcome is unknown",
        ));
        // One that was never caught up is let go too (it waits for that to deliver anything).
        drop(self.catching_up.lock().unwrap_or_else(PoisonError::into_inner).take());
        let mut sync = self.sync();
        let taken = self.connection.write().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(connection) = taken {
            match self.copy_rows(&*connection) {
                Ok(copy) => {
                    // What the next connection's rows are compared with (the rows share their text).
                    sync.last_seen = Some(copy.clone());
                    Self::keep_rows(&mut sync, copy);
                }
                Err(damaged) => sync.damaged = Some(damaged),
            }
            connection.disconnect();
            // Commands may still hold it; the last holder must not be an async task (the SDK's
            // connection owns a runtime, which panics when dropped there): see `bury_retired`.
            self.retired.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        }
    }

    /// Drops the connections given up on that nothing else holds any more. Call it on a plain
    /// thread (the supervisor's).
    pub(crate) fn bury_retired(&self) {
        let gone: Vec<Arc<dyn Live>> = {
            let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
            let (gone, kept) = retired.drain(..).partition(|c| Arc::strong_count(c) == 1);
            *retired = kept;
            gone
        };
        drop(gone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_id_survives_restarts_and_a_damaged_one_is_replaced_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = OpIds::open(dir.path()).unwrap();
        let again = OpIds::open(dir.path()).unwrap();
        assert_eq!(first.device, again.device);
        assert!(again.is_mine(&first.next()));
        let kept = dir.path().join(format!("{DEVICE_ID_FILE}.damaged"));
        for damaged in [&first.device.as_bytes()[..10], b"\xff\xfegarbage", b"", b"0123.456789abcdef0123456789abcdef"] {
            std::fs::write(dir.path().join(DEVICE_ID_FILE), damaged).unwrap();
            let ids = OpIds::open(dir.path()).unwrap();
            assert!(is_device_id(ids.device.trim_end_matches('.')), "{}", ids.device);
            assert_eq!(OpIds::open(dir.path()).unwrap().device, ids.device, "the new id is kept");
            assert_eq!(std::fs::read(&kept).unwrap(), damaged, "the damaged one is kept for inspection");
        }
    }
}
