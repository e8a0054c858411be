//! What the app keeps on disk to work offline: the outbox, the local copy, and what the
//! frontend is told about them (`sync:status`).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::store::local::LocalCopy;
use crate::store::outbox::{Damage, KeyChange, Outbox, OutboxEntry};
use crate::store::status::KeyCount;
use crate::types::key::RowKey;
use crate::types::sync_status::{Rejected, SyncStatus};

pub(crate) struct SyncState {
    dir: PathBuf,
    /// The schema version of this app: what queued writes and the local copy are kept in.
    version: u32,
    outbox: Outbox,
    /// The last server rows with the queued writes on top; `None` while only its file holds
    /// it (see [`SyncState::release_local`]).
    local: Option<LocalCopy>,
    damaged: Option<String>,
    rejected: Vec<Rejected>,
    syncing: Option<[usize; 2]>,
    /// Writes sent and shown (the server is slow to answer), not confirmed yet: `(op id, table,
    /// key)`. Their rows are pending like queued ones.
    in_flight: HashMap<String, (String, RowKey)>,
    /// How many queued writes wait for each `(table, key)`.
    queued_keys: HashMap<(String, RowKey), usize>,
    /// The changes to how many writes (queued or in flight) each row has, since the last
    /// status took them (see `status.rs`): a status has the pending keys without walking the
    /// queue under this lock.
    key_counts: Vec<KeyCount>,
    /// The overlay (see [`SyncState::overlay`]) once made: kept current in place as writes are
    /// queued and confirmed (`Arc::make_mut` copies it only while a read still holds it), made
    /// again after a key change or new server rows.
    overlay: Option<Arc<Overlay>>,
    /// The server's rows as the last connection left them (kept when it went), until the next
    /// connection compares its rows with them.
    last_seen: Option<LocalCopy>,
}

impl SyncState {
    /// Opens what `dir` keeps, carried to schema `version` through `plans` when an older version
    /// of the app kept it (see `upgrade.rs`).
    pub(crate) fn open(dir: &Path, version: u32, plans: &[heycat_plan::Plan]) -> io::Result<SyncState> {
        let (mut outbox, damaged) = Outbox::open(dir)?;
        let (mut local, snapshot_damaged) = LocalCopy::load_or_set_aside(&dir.join("snapshot.json"))?;
        let rejected = crate::store::upgrade::carry(dir, version, plans, &mut outbox, &mut local)?;
        let damaged = [damaged.map(|Damage(d)| d), snapshot_damaged].into_iter().flatten().collect::<Vec<_>>();
        let mut queued_keys = HashMap::new();
        for entry in outbox.pending() {
            local.apply(entry);
            *queued_keys.entry(queued_key(entry)).or_insert(0) += 1;
        }
        let key_counts =
            queued_keys.iter().map(|((table, key), n)| (table.clone(), key.clone(), *n as isize)).collect();
        Ok(SyncState {
            dir: dir.to_owned(),
            version,
            outbox,
            local: Some(local),
            queued_keys,
            key_counts,
            overlay: None,
            damaged: (!damaged.is_empty()).then(|| damaged.join("; ")),
            rejected,
            syncing: None,
            in_flight: Default::default(),
            last_seen: None,
        })
    }

    /// The writes waiting for the server, oldest first.
    pub(crate) fn queued(&self) -> &[OutboxEntry] {
        self.outbox.pending()
    }

    /// The key changes kept in the outbox (see [`KeyChange`]).
    pub(crate) fn key_changes(&self) -> &[KeyChange] {
        self.outbox.key_changes()
    }

    /// The rows as this device has them: the last server rows with the queued writes on top.
    pub(crate) fn local(&mut self) -> &LocalCopy {
        self.held()
    }

    /// The local copy, read back from its file when it was released.
    fn held(&mut self) -> &mut LocalCopy {
        let copy = match self.local.take() {
            Some(copy) => copy,
            None => self.read_released(),
        };
        self.local.insert(copy)
    }

    /// The local copy from its file (the last refresh kept it there) with the queued writes on
    /// top; a file that cannot be read is said, and the copy starts empty (it is a cache of the
    /// server's rows: the next refresh fills it).
    fn read_released(&mut self) -> LocalCopy {
        let (copy, damaged) = LocalCopy::load_or_set_aside(&self.snapshot_path()).unwrap_or_else(|e| {
            let why = format!("the local copy of your data (snapshot.json) cannot be read: {e}");
            (LocalCopy::default(), Some(why))
        });
        if let Some(why) = damaged {
            self.damaged = Some(why);
        }
        self.with_queue(copy)
    }

    /// `copy` (the server's rows) in this version, with the queued writes applied on top.
    fn with_queue(&self, mut copy: LocalCopy) -> LocalCopy {
        copy.set_version(self.version);
        for entry in self.outbox.pending() {
            copy.apply(entry);
        }
        copy
    }

    /// Lets the local copy go from memory once the last refresh kept it on disk, when no write
    /// waits: while connected, reads come from the connection's rows, and the copy would hold
    /// each of them a second time. It is read back from its file when something needs it (a
    /// write queued, the connection gone).
    pub(crate) fn release_local(&mut self) {
        if self.outbox.pending().is_empty() {
            self.local = None;
        }
    }

    /// Something kept on disk could not be read or written: said in the status until restart.
    pub(crate) fn damaged(&mut self, why: String) {
        self.damaged = Some(why);
    }

    /// The replay's progress, `[done, total]`; none once it ended.
    pub(crate) fn syncing(&mut self, progress: Option<[usize; 2]>) {
        self.syncing = progress;
    }

    /// The server refused a queued write for good.
    pub(crate) fn rejected(&mut self, rejected: Rejected) {
        self.rejected.push(rejected);
    }

    /// A write was sent and shown before its answer came: its row is pending until
    /// [`SyncState::landed`].
    pub(crate) fn in_flight(&mut self, op_id: String, table: String, key: RowKey) {
        self.key_counts.push((table.clone(), key.clone(), 1));
        if let Some((table, key)) = self.in_flight.insert(op_id, (table, key)) {
            self.key_counts.push((table, key, -1));
        }
    }

    /// The answer to the write `op_id` came (or the wait ended).
    pub(crate) fn landed(&mut self, op_id: &str) {
        if let Some((table, key)) = self.in_flight.remove(op_id) {
            self.key_counts.push((table, key, -1));
        }
    }

    /// Keeps the server's rows as the connection that went left them, for the next one to
    /// compare with.
    pub(crate) fn keep_last_seen(&mut self, rows: LocalCopy) {
        self.last_seen = Some(rows);
    }

    /// The rows the last connection left (see [`SyncState::keep_last_seen`]), or else those kept on disk.
    pub(crate) fn take_last_seen(&mut self) -> LocalCopy {
        self.last_seen.take().unwrap_or_else(|| LocalCopy::load(&self.snapshot_path()).unwrap_or_default())
    }

    /// Queues a write durably and applies it to the local copy; returns `(before, after)`.
    pub(crate) fn queue(&mut self, mut entry: OutboxEntry) -> io::Result<(Option<Value>, Option<Value>)> {
        entry.version = self.version;
        // Read back (when released) before the write is in the queue the copy is read with.
        self.held();
        self.outbox.append(entry.clone())?;
        let key = queued_key(&entry);
        self.count_queued(key.clone(), 1);
        let (before, after) = self.held().apply(&entry);
        if let Some(overlay) = &mut self.overlay {
            Arc::make_mut(overlay).entry(key.0).or_default().insert(key.1, after.clone());
        }
        Ok((before, after))
    }

    /// A provisional key replaced by the module's (see [`KeyChange`]), in the queue and in the
    /// local copy. Returns each row of the local copy that changed: `(table, before, after)`.
    pub(crate) fn change_key(&mut self, change: KeyChange) -> io::Result<Vec<(String, Value, Value)>> {
        // As in `queue`: the copy is read back with the queue as it was.
        self.held();
        self.outbox.change_key(change.clone())?;
        self.overlay = None;
        let (from, to) = (queued_key_of(&change.table, &change.from), queued_key_of(&change.table, &change.to));
        if let Some(&count) = self.queued_keys.get(&from) {
            self.count_queued(from, -(count as isize));
            self.count_queued(to, count as isize);
        }
        Ok(self.held().change_key(&change))
    }

    /// The server confirmed (or refused for good) the queued writes `entries`.
    pub(crate) fn confirmed<'a>(&mut self, entries: impl Iterator<Item = &'a OutboxEntry>) -> io::Result<()> {
        let op_ids: Vec<&str> = entries.map(|e| e.op_id.as_str()).collect();
        // Counted off under the keys the queue has now: a key change may have rewritten them
        // since `entries` were read from it.
        for (table, key) in self.outbox.confirm_all(&op_ids)? {
            self.count_queued(queued_key_of(&table, &key), -1);
        }
        Ok(())
    }

    /// `by` more (or fewer) queued writes wait for the row `key`.
    fn count_queued(&mut self, key: (String, RowKey), by: isize) {
        let count = self.queued_keys.entry(key.clone()).or_insert(0);
        *count = count.saturating_add_signed(by);
        if *count == 0 {
            self.queued_keys.remove(&key);
            if let Some(rows) = self.overlay.as_mut().and_then(|o| Arc::make_mut(o).get_mut(&key.0)) {
                rows.remove(&key.1);
            }
        }
        self.key_counts.push((key.0, key.1, by));
    }

    /// The rows queued writes leave, by table and key (none for a deleted row): what a
    /// read from the connection's copy must show instead while they wait. Empty when nothing is
    /// queued.
    pub(crate) fn overlay(&mut self) -> Arc<Overlay> {
        if let Some(overlay) = &self.overlay {
            return overlay.clone();
        }
        let mut overlay = Overlay::new();
        let queued: Vec<(String, RowKey)> = self.queued_keys.keys().cloned().collect();
        if !queued.is_empty() {
            let local = self.held();
            for (table, key) in queued {
                let row = local.row(&table, &key);
                overlay.entry(table).or_default().insert(key, row);
            }
        }
        self.overlay.insert(Arc::new(overlay)).clone()
    }

    /// Where the last rows seen from the server are kept.
    pub(crate) fn snapshot_path(&self) -> PathBuf {
        self.dir.join("snapshot.json")
    }

    /// Replaces the local copy with the server's rows (plus what is still queued) and keeps it on disk.
    pub(crate) fn refresh(&mut self, mut copy: LocalCopy) -> io::Result<()> {
        copy.set_version(self.version);
        copy.save(&self.snapshot_path())?;
        self.take_rows(copy);
        Ok(())
    }

    /// Replaces the local copy with the server's rows (plus what is still queued), in memory
    /// only: the next [`SyncState::refresh`] keeps them on disk.
    pub(crate) fn take_rows(&mut self, copy: LocalCopy) {
        self.local = Some(self.with_queue(copy));
        self.overlay = None;
    }

    /// The size of the outbox file (writes waiting to sync).
    pub(crate) fn outbox_bytes(&self) -> u64 {
        self.outbox.bytes()
    }

    /// The status without its pending keys, and the changes to them since the last call:
    /// `status.rs` keeps the keys from these, outside this lock.
    pub(crate) fn status(&mut self) -> (SyncStatus, Vec<KeyCount>) {
        let status = SyncStatus {
            pending: self.outbox.pending().len(),
            pending_keys: Default::default(),
            syncing: self.syncing,
            damaged: self.damaged.clone(),
            rejected: self.rejected.clone(),
        };
        (status, std::mem::take(&mut self.key_counts))
    }
}

/// Rows queued writes leave, by table, then key; `None` for a deleted row.
pub(crate) type Overlay = HashMap<String, HashMap<RowKey, Option<Value>>>;

fn queued_key(entry: &OutboxEntry) -> (String, RowKey) {
    queued_key_of(&entry.table, &entry.key)
}

fn queued_key_of(table: &str, key: &Value) -> (String, RowKey) {
    (table.to_owned(), RowKey::of(key))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::outbox::WriteKind;

    fn update(id: &str, n: u32) -> OutboxEntry {
        OutboxEntry {
            op_id: format!("op-{id}-{n}"),
            table: "note".into(),
            kind: WriteKind::Update,
            row: Some(json!({"id": id, "n": n})),
            key: json!(id),
            base_version: None,
            version: 1,
        }
    }

    #[test]
    fn a_released_local_copy_is_read_back_from_its_file_with_the_queued_writes_on_top() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = SyncState::open(dir.path(), 1, &[]).unwrap();
        let mut server = LocalCopy::default();
        server.set_version(1);
        for id in ["a", "b"] {
            server.insert("note", RowKey::of(&json!(id)), json!({"id": id, "n": 0}));
        }
        state.refresh(server.clone()).unwrap();
        state.release_local();
        assert!(state.local.is_none(), "released");
        assert_eq!(state.local(), &server, "read back as it was kept");

        // A write queued while it is released lands on the rows read back, and keeps it in
        // memory while it waits.
        state.release_local();
        assert_eq!(
            state.queue(update("a", 1)).unwrap(),
            (Some(json!({"id": "a", "n": 0})), Some(json!({"id": "a", "n": 1})))
        );
        state.release_local();
        assert!(state.local.is_some(), "a write waits: kept");
        assert_eq!(state.overlay()["note"][&RowKey::of(&json!("a"))], Some(json!({"id": "a", "n": 1})));

        // Released with the write still queued in the file (as by an earlier version of this
        // code, or a crash): read back, the write is on top again.
        state.local = None;
        state.overlay = None;
        assert_eq!(state.local().row("note", &RowKey::of(&json!("a"))), Some(json!({"id": "a", "n": 1})));
        assert_eq!(state.overlay()["note"][&RowKey::of(&json!("a"))], Some(json!({"id": "a", "n": 1})));

        // Once confirmed, it goes again; a file that cannot be read is said and the copy starts
        // empty (the next refresh fills it).
        let queued = state.queued().to_vec();
        state.confirmed(queued.iter()).unwrap();
        state.release_local();
        assert!(state.local.is_none());
        std::fs::write(state.snapshot_path(), b"{ not json").unwrap();
        assert_eq!(state.local().count("note"), 0);
        assert!(state.status().0.damaged.is_some_and(|why| why.contains("snapshot.json")));
    }
}
