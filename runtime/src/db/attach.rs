//! Attaching a connection to the handle: connecting and subscribing, taking in its rows
//! (reporting what changed since the last one), keeping them as the local copy, and letting
//! it go.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, PoisonError};
use std::time::Duration;

use heycat_contract::events;

use super::Db;
use crate::order_index::ConnectionIndexes;
use crate::schema::connector::{ConnectOptions, Connector};
use crate::schema::live::Live;
use crate::schema::watch::Watch;
use crate::store::local::LocalCopy;
use crate::store::state::SyncState;
use crate::types::error::{DataError, ErrorKind};

/// Connecting and subscribing must finish within this (a stalled server never answers).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection whose rows the runtime has yet to take in; dropping `caught_up` lets it go on
/// delivering changes.
pub(super) struct CatchingUp {
    pub(super) connection: Arc<dyn Live>,
    pub(super) caught_up: mpsc::Sender<()>,
}

impl Db {
    /// Connects, subscribes to every table and waits until the subscribed copy holds the data,
    /// then serves commands from this connection; `Db::catch_up` must follow. Returns the
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
        let indexes = Arc::new(ConnectionIndexes::default());
        *self.indexes.lock().unwrap_or_else(PoisonError::into_inner) = indexes.clone();
        let connector = Connector {
            options: options.clone(),
            ready,
            caught_up: caught_up_rx,
            on_disconnect: Box::new(on_disconnect),
            tables: self.schema.info().module_tables,
            watch: Watch {
                conflict_view: {
                    let info = self.schema.info();
                    Arc::new(move |record| info.conflict_view(record))
                },
                sink: self.events.clone(),
                pending: self.pending.clone(),
                storage: self.storage.clone(),
                heartbeat: self.heartbeat.clone(),
                live: live.clone(),
                op_ids: self.op_ids.clone(),
                indexes: indexes.clone(),
            },
        };
        let connection = self.schema.connect(connector)?;
        indexes.bind(&connection);
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
    pub(super) fn report_changes_since_last(&self, connection: &dyn Live) {
        // Copied before the lock is taken: reads and writes (which take it) go on meanwhile.
        let copied = self.copy_rows(connection);
        let mut sync = self.sync();
        let now = match copied {
            Ok(now) => now,
            Err(damaged) => {
                sync.damaged(damaged);
                return;
            }
        };
        // The last rows seen from the server: kept when the connection went, or (when they
        // could not be copied then) the last ones kept on disk.
        let before = sync.take_last_seen();
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

    /// Takes the server's rows as the new local copy and keeps it on disk, for reading offline
    /// (in memory only once needed: see `SyncState::release_local`). Works on a connection that
    /// just dropped too: its copy of the rows is still there.
    pub fn refresh_local_copy(&self) {
        let Some(connection) = self.connection.read().unwrap_or_else(PoisonError::into_inner).clone() else { return };
        let copied = self.copy_rows(&*connection);
        let mut sync = self.sync();
        match copied {
            // On disk: while connected, reads come from the connection (see `release_local`).
            Ok(copy) => {
                if Self::keep_rows(&mut sync, copy) {
                    sync.release_local();
                }
            }
            Err(damaged) => sync.damaged(damaged),
        }
        drop(sync);
        crate::memory::give_back();
    }

    /// Makes `copy` (a connection's rows) the local copy, kept on disk, with the queued writes on
    /// top; whether it reached the disk (when not, the status says why).
    pub(super) fn keep_rows(sync: &mut SyncState, copy: LocalCopy) -> bool {
        let saved = sync.refresh(copy);
        if let Err(e) = &saved {
            sync.damaged(format!("cannot save the local copy: {e}"));
        }
        saved.is_ok()
    }

    /// The rows of `connection`, as a local copy; or why one cannot be read (for `damaged`).
    pub(super) fn copy_rows(&self, connection: &dyn Live) -> Result<LocalCopy, String> {
        let mut copy = LocalCopy::default();
        for table in self.schema.info().tables {
            table
                .copy_into(connection, &mut copy)
                .map_err(|e| format!("cannot copy the {} rows: {e}", table.name()))?;
        }
        Ok(copy)
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
        // Its indexes go with it (the next connection's are built anew).
        *self.indexes.lock().unwrap_or_else(PoisonError::into_inner) = Arc::default();
        if let Some(connection) = taken {
            match self.copy_rows(&*connection) {
                Ok(copy) => {
                    // What the next connection's rows are compared with (the rows share their text).
                    sync.keep_last_seen(copy.clone());
                    Self::keep_rows(&mut sync, copy);
                }
                Err(damaged) => sync.damaged(damaged),
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
