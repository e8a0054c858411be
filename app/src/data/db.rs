//! The connection to SpacetimeDB that the generated commands run on.
//!
//! Reads come from the SDK's client cache (every table is subscribed). A write calls a reducer
//! with a fresh operation id and waits for that reducer's result, which the generated
//! `watch_reducer_results` routes back by op id; the cache already holds the write when the
//! result arrives. The SDK runs on its own thread and runtime (`run_threaded`), so commands on
//! Tauri's runtime only await a oneshot channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use spacetimedb_sdk::{DbContext, Status};
use tokio::sync::oneshot;

use super::changes::ChangeSink;
use super::error::{DataError, ErrorKind};
use crate::sdk::{DbConnection, HeycatConflictTableAccess, ReducerEventContext};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A write's operation id: unique across processes and devices (a random per-process prefix)
/// and cheap to make (a counter, no syscall per write).
fn next_op_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string());
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

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
    changes: Option<ChangeSink>,
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

impl Db {
    /// A handle with no connection yet; row changes go to `changes` once connected.
    pub fn new(changes: Option<ChangeSink>) -> Db {
        Db { connection: Arc::default(), pending: Pending::default(), changes }
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
        if let Some(changes) = &self.changes {
            crate::commands::watch_table_changes(&connection, changes);
        }
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

    /// The live connection, or `Offline`.
    pub fn connection(&self) -> Result<Arc<DbConnection>, DataError> {
        let guard = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|c| c.is_active()).cloned().ok_or_else(DataError::offline)
    }

    /// Calls a reducer (through `send`, given the connection and a fresh operation id) and
    /// waits for its result.
    pub async fn call(
        &self,
        send: impl FnOnce(&DbConnection, String) -> spacetimedb_sdk::Result<()>,
    ) -> Result<(), DataError> {
        let connection = self.connection()?;
        let op_id = next_op_id();
        let result = self.pending.register(op_id.clone());
        if let Err(e) = send(&connection, op_id.clone()) {
            self.pending.forget(&op_id);
            return Err(DataError::new(ErrorKind::Offline, format!("the write could not be sent: {e}")));
        }
        match tokio::time::timeout(CALL_TIMEOUT, result).await {
            Ok(Ok(Ok(()))) => match connection.db.heycat_conflict().id().find(&op_id) {
                Some(conflict) => Err(DataError::new(
                    ErrorKind::Conflict,
                    format!(
                        "this {} row changed since you loaded it (you edited version {}); your change is kept as a conflict to resolve",
                        conflict.table_name, conflict.base_version
                    ),
                )),
                None => Ok(()),
            },
            Ok(Ok(result)) => result,
            Ok(Err(_)) => {
                Err(DataError::new(ErrorKind::Offline, "the connection closed before the write was confirmed"))
            }
            Err(_) => {
                self.pending.forget(&op_id);
                Err(DataError::new(ErrorKind::Timeout, "the server did not confirm the write in time"))
            }
        }
    }

    /// Closes the connection.
    pub fn disconnect(&self) {
        if let Some(connection) = self.connection.write().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = connection.disconnect();
        }
    }
}
