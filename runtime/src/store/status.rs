//! The sync status the frontend is told (`sync:status`), made without holding the sync lock for
//! longer than it takes to copy a few fields: the pending keys are kept here, current with the
//! changes `SyncState` records as the queue changes, and an event carries only the keys whose
//! state changed since the event before.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use crate::store::state::SyncState;
use crate::types::changes::ChangeSink;
use crate::types::key::RowKey;
use crate::types::sync_status::{PendingKeys, SyncStatus};

/// A change to how many unconfirmed writes (queued, or in flight) a row has: `(table, key, by)`.
pub(crate) type KeyCount = (String, RowKey, isize);

/// The rows with unconfirmed writes: the changes `SyncState` recorded, applied in the order they
/// were made.
struct Keys {
    /// How many unconfirmed writes each row has, by table.
    counts: BTreeMap<String, BTreeMap<RowKey, usize>>,
    /// The rows whose count changed since the last event, by table.
    touched: BTreeMap<String, BTreeSet<RowKey>>,
    series: u32,
    version: usize,
}

impl Keys {
    fn new() -> Keys {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        Keys { counts: BTreeMap::new(), touched: BTreeMap::new(), series: now.as_nanos() as u32, version: 0 }
    }

    fn apply(&mut self, changes: Vec<KeyCount>) {
        for (table, key, by) in changes {
            let counts = self.counts.entry(table.clone()).or_default();
            let count = counts.get(&key).copied().unwrap_or(0).saturating_add_signed(by);
            if count == 0 {
                counts.remove(&key);
            } else {
                counts.insert(key.clone(), count);
            }
            self.touched.entry(table).or_default().insert(key);
        }
    }

    /// Every pending key (for `sync_status`).
    fn whole(&mut self) -> PendingKeys {
        let tables = self.counts.iter().filter(|(_, keys)| !keys.is_empty());
        let listed = |keys: &BTreeMap<RowKey, usize>| keys.keys().map(|k| k.as_str().to_owned()).collect();
        let added = tables.map(|(table, keys)| (table.clone(), listed(keys))).collect();
        PendingKeys { series: self.series, version: self.version, whole: true, added, removed: BTreeMap::new() }
    }

    /// What changed since the last event: the next event's keys.
    fn changed(&mut self) -> PendingKeys {
        self.version += 1;
        let (mut added, mut removed) = (BTreeMap::<_, Vec<_>>::new(), BTreeMap::<_, Vec<_>>::new());
        for (table, keys) in std::mem::take(&mut self.touched) {
            let counts = self.counts.get(&table);
            for key in keys {
                let now = if counts.is_some_and(|c| c.contains_key(&key)) { &mut added } else { &mut removed };
                now.entry(table.clone()).or_default().push(String::from(key));
            }
        }
        PendingKeys { series: self.series, version: self.version, whole: false, added, removed }
    }
}

/// How long status changes are gathered before one status is emitted.
const COALESCE: Duration = Duration::from_millis(15);

/// Makes the sync status, and emits it after it changed, at most once per [`COALESCE`]: a
/// burst of writes (thousands queued offline, or in flight to a busy server) costs a few
/// statuses, not one each.
#[derive(Clone)]
pub(crate) struct StatusPublisher {
    changed: Arc<(Mutex<bool>, Condvar)>,
    keys: Arc<Mutex<Keys>>,
}

impl StatusPublisher {
    /// Publishes the status of `state` to `sink`, on a thread of its own that ends with `state`.
    pub(crate) fn start(state: Weak<Mutex<SyncState>>, sink: ChangeSink) -> StatusPublisher {
        let publisher = StatusPublisher::new();
        let this = publisher.clone();
        let publish = move || loop {
            {
                let (changed, wake) = &*this.changed;
                let guard = changed.lock().unwrap_or_else(PoisonError::into_inner);
                let (guard, _) = wake
                    .wait_timeout_while(guard, Duration::from_secs(1), |changed| !*changed)
                    .unwrap_or_else(PoisonError::into_inner);
                if !*guard {
                    if state.strong_count() == 0 {
                        return;
                    }
                    continue;
                }
            }
            std::thread::sleep(COALESCE);
            *this.changed.0.lock().unwrap_or_else(PoisonError::into_inner) = false;
            let Some(state) = state.upgrade() else { return };
            let status = this.make(&state, Keys::changed);
            drop(state);
            sink.emit_local(heycat_contract::events::SYNC_STATUS, status);
        };
        let spawned = std::thread::Builder::new().name("data-sync-status".into()).spawn(publish);
        if let Err(e) = spawned {
            // Without the thread the status is still there to ask for (`sync_status`).
            log::error!("cannot start the sync status thread: {e}");
        }
        publisher
    }

    fn new() -> StatusPublisher {
        StatusPublisher { changed: Arc::default(), keys: Arc::new(Mutex::new(Keys::new())) }
    }

    /// The status changed: emit it soon.
    pub(crate) fn changed(&self) {
        let (changed, wake) = &*self.changed;
        *changed.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_one();
    }

    /// The status of `state` now, with every pending key (the answer to `sync_status`).
    pub(crate) fn status(&self, state: &Mutex<SyncState>) -> SyncStatus {
        self.make(state, Keys::whole)
    }

    /// The status of `state`, its keys as `keys` gives them. The sync lock (which every write
    /// takes) is held only to take the changes to the pending keys; they are applied after. The
    /// keys' lock is taken first, so statuses are made one at a time and the changes applied in
    /// order.
    fn make(&self, state: &Mutex<SyncState>, keys: fn(&mut Keys) -> PendingKeys) -> SyncStatus {
        let mut held = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut status, changes) = state.lock().unwrap_or_else(PoisonError::into_inner).status();
        held.apply(changes);
        status.pending_keys = keys(&mut held);
        status
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{json, Value};

    use super::*;
    use crate::store::outbox::{KeyChange, OutboxEntry, WriteKind};
    use crate::types::error::ErrorKind;
    use crate::types::sync_status::Rejected;

    fn write(op_id: &str, table: &str, kind: WriteKind, row: Value) -> OutboxEntry {
        let key = row["id"].clone();
        OutboxEntry {
            op_id: op_id.into(),
            table: table.into(),
            kind,
            row: Some(row),
            key,
            base_version: None,
            version: 0,
        }
    }

    /// What the status must list: the keys of every queued write and of every write in
    /// flight, by table, each once.
    fn expected(state: &SyncState, in_flight: &[(&str, Value)]) -> BTreeMap<String, Vec<String>> {
        let queued = state.queued().iter().map(|e| (e.table.as_str(), &e.key));
        let keys: BTreeSet<(&str, String)> =
            queued.chain(in_flight.iter().map(|(t, k)| (*t, k))).map(|(t, k)| (t, k.to_string())).collect();
        let mut listed = BTreeMap::<String, Vec<String>>::new();
        for (table, key) in keys {
            listed.entry(table.to_owned()).or_default().push(key);
        }
        listed
    }

    /// The keys a frontend holds: those of `sync_status`'s answer, with each event's changes on
    /// top; and the number of the last event applied.
    #[derive(Default)]
    struct Frontend {
        keys: BTreeMap<String, BTreeSet<String>>,
        version: usize,
    }

    impl Frontend {
        fn take(&mut self, keys: PendingKeys) {
            assert_eq!(keys.version, self.version + 1, "one more with each event");
            self.version = keys.version;
            for (table, keys) in keys.added {
                self.keys.entry(table).or_default().extend(keys);
            }
            for (table, keys) in keys.removed {
                let now = self.keys.entry(table).or_default();
                for key in &keys {
                    now.remove(key);
                }
            }
            self.keys.retain(|_, keys| !keys.is_empty());
        }

        fn listed(&self) -> BTreeMap<String, Vec<String>> {
            self.keys.iter().map(|(table, keys)| (table.clone(), keys.iter().cloned().collect())).collect()
        }
    }

    /// The status lists exactly the queued and in-flight keys, whole and as a frontend
    /// following its events holds them; the overlay holds exactly the queued ones, with their
    /// rows as the local copy has them.
    #[track_caller]
    fn check(
        publisher: &StatusPublisher,
        frontend: &mut Frontend,
        state: &Mutex<SyncState>,
        in_flight: &[(&str, Value)],
    ) {
        let event = publisher.make(state, Keys::changed).pending_keys;
        assert!(!event.whole);
        frontend.take(event);
        let status = publisher.status(state);
        assert!(status.pending_keys.whole && status.pending_keys.removed.is_empty());
        assert_eq!(status.pending_keys.version, frontend.version);
        let mut state = state.lock().unwrap();
        assert_eq!(status.pending, state.queued().len());
        assert_eq!(status.pending_keys.added, expected(&state, in_flight));
        assert_eq!(frontend.listed(), expected(&state, in_flight), "as the events left them");

        let overlay = state.overlay();
        let shown = overlay.iter().flat_map(|(t, rows)| rows.iter().map(move |(k, row)| (t.clone(), k.clone(), row)));
        for (table, key, row) in shown.clone() {
            assert_eq!(row, &state.local().row(&table, &key), "{table} {key:?}");
        }
        let queued = state.queued().iter().map(|e| (e.table.clone(), RowKey::of(&e.key))).collect();
        assert_eq!(shown.map(|(t, k, _)| (t, k)).collect::<BTreeSet<_>>(), queued);
    }

    #[test]
    fn the_status_lists_exactly_the_queued_and_in_flight_keys_after_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let (publisher, mut frontend) = (StatusPublisher::new(), Frontend::default());
        let state = Mutex::new(SyncState::open(dir.path(), 1, &[]).unwrap());
        let queue = |entry: OutboxEntry| drop(state.lock().unwrap().queue(entry).unwrap());
        check(&publisher, &mut frontend, &state, &[]);

        // Queued: two writes to one row, and a row (under a provisional key) with a row
        // referencing it.
        let first = write("op-1", "note", WriteKind::Insert, json!({"id": "a", "text": "1"}));
        queue(first.clone());
        queue(write("op-2", "note", WriteKind::Insert, json!({"id": "b"})));
        queue(write("op-3", "note", WriteKind::Update, json!({"id": "a", "text": "2"})));
        let ticket = write("op-4", "ticket", WriteKind::Insert, json!({"id": -1}));
        queue(ticket.clone());
        let comment = write("op-5", "comment", WriteKind::Insert, json!({"id": "c", "ticketId": -1}));
        queue(comment.clone());
        queue(write("op-6", "ticket", WriteKind::Update, json!({"id": -1, "title": "t"})));
        check(&publisher, &mut frontend, &state, &[]);
        check(&publisher, &mut frontend, &state, &[]);

        // In flight: a row of its own, and a queued one (listed once).
        state.lock().unwrap().in_flight("op-7".into(), "note".into(), RowKey::of(&json!("z")));
        state.lock().unwrap().in_flight("op-8".into(), "note".into(), RowKey::of(&json!("a")));
        check(&publisher, &mut frontend, &state, &[("note", json!("z")), ("note", json!("a"))]);
        state.lock().unwrap().landed("op-7");
        state.lock().unwrap().landed("op-8");
        state.lock().unwrap().landed("op-8");
        check(&publisher, &mut frontend, &state, &[]);

        // A replay confirms some: `a` still waits for its update, `b` is done.
        state
            .lock()
            .unwrap()
            .confirmed([&first, &write("op-2", "note", WriteKind::Insert, json!({"id": "b"}))].into_iter())
            .unwrap();
        check(&publisher, &mut frontend, &state, &[]);

        // The module gave the ticket its key: the queue and the rows take it, then the insert
        // (as the replay read it, under the provisional key) is confirmed.
        let change = KeyChange {
            table: "ticket".into(),
            key_field: "id".into(),
            from: json!(-1),
            to: json!(7),
            references: vec![("comment".into(), "ticketId".into())],
        };
        state.lock().unwrap().change_key(change).unwrap();
        check(&publisher, &mut frontend, &state, &[]);
        state.lock().unwrap().confirmed([&ticket].into_iter()).unwrap();
        check(&publisher, &mut frontend, &state, &[]);
        let update = state.lock().unwrap().queued().iter().find(|e| e.op_id == "op-6").cloned().unwrap();
        assert_eq!(update.key, json!(7));
        state.lock().unwrap().confirmed([&update].into_iter()).unwrap();
        check(&publisher, &mut frontend, &state, &[]);
        let shown = state.lock().unwrap().overlay()["comment"][&RowKey::of(&json!("c"))].clone();
        assert_eq!(shown.unwrap()["ticketId"], json!(7), "the overlay shows the rows as the key change left them");

        // One refused for good is taken out too.
        let mut sync = state.lock().unwrap();
        let refused = ErrorKind::UniqueViolation;
        sync.rejected(Rejected {
            op_id: "op-5".into(),
            table: "comment".into(),
            kind: refused,
            message: "taken".into(),
            field: None,
            value: None,
        });
        sync.confirmed([&comment].into_iter()).unwrap();
        drop(sync);
        check(&publisher, &mut frontend, &state, &[]);

        // After a restart, from the outbox as it was kept.
        drop(state);
        let (publisher, mut frontend) = (StatusPublisher::new(), Frontend::default());
        let state = Mutex::new(SyncState::open(dir.path(), 1, &[]).unwrap());
        check(&publisher, &mut frontend, &state, &[]);
        let listed = publisher.status(&state).pending_keys.added;
        assert_eq!(listed, BTreeMap::from([("note".into(), vec![r#""a""#.into()])]));

        let rest = state.lock().unwrap().queued().to_vec();
        state.lock().unwrap().confirmed(rest.iter()).unwrap();
        check(&publisher, &mut frontend, &state, &[]);
        assert!(publisher.status(&state).pending_keys.added.is_empty());
    }
}
