//! The local copy the app reads while offline: the last rows seen from the server (kept on disk
//! as `snapshot.json`, so a restart while offline still shows them) with the writes queued in
//! the outbox applied on top.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use heycat::Table;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use heycat_contract::system::ROW_VERSION_FIELD as VERSION_FIELD;

use crate::order_index::Indexes;
use crate::store::outbox::{KeyChange, OutboxEntry, WriteKind};
use crate::types::changes::TableChange;
use crate::types::error::{DataError, ErrorKind};
use crate::types::key::RowKey;

/// Rows by table, then by key, as the app's row JSON.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LocalCopy {
    tables: BTreeMap<String, BTreeMap<RowKey, Row>>,
    /// The schema version whose shape the rows have (0: not recorded, read as the app's).
    #[serde(default)]
    version: u32,
    /// The order indexes pages built of these rows, kept current by each change here.
    #[serde(skip)]
    indexes: KeptIndexes,
}

/// The local copy's order indexes: not part of its value (a copy or a comparison of the rows
/// leaves them out; a copy builds its own when a page asks).
#[derive(Default)]
struct KeptIndexes(Mutex<Indexes>);

impl Clone for KeptIndexes {
    fn clone(&self) -> Self {
        KeptIndexes::default()
    }
}

impl PartialEq for KeptIndexes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for KeptIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeptIndexes")
    }
}

impl KeptIndexes {
    /// A row of `table` changed from `before` to `after`.
    fn changed(&mut self, table: &str, before: Option<&Row>, after: Option<&Row>) {
        let indexes = self.0.get_mut().unwrap_or_else(PoisonError::into_inner);
        indexes.changed_json(table, before.map(|r| r.0.get()), after.map(|r| r.0.get()));
    }
}

/// One row, kept as its JSON text: a tenth of the memory of a parsed `Value`, and what the
/// snapshot file holds as it is. Parsed when it is read. Shared: the server's rows kept beside
/// the local copy (`SyncState::last_seen`) are the same texts.
#[derive(Clone, Debug)]
pub(crate) struct Row(Arc<RawValue>);

impl serde::Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Row {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Row, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(|raw| Row(raw.into()))
    }
}

impl Row {
    fn of(value: &Value) -> Row {
        Row(serde_json::value::to_raw_value(value).expect("a JSON value serializes").into())
    }

    fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        serde_json::from_str(self.0.get())
            .map_err(|e| DataError::new(ErrorKind::Server, format!("a row of the local copy is unreadable: {e}")))
    }
}

/// Rows are the same when their JSON is: the same text, or (written by different code, with
/// the fields in another order) the same values.
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.0.get() == other.0.get() || self.value() == other.value()
    }
}

impl LocalCopy {
    /// Adds a row of `table` (from the server's copy) as its JSON text, under `key`.
    pub(crate) fn put(&mut self, table: &str, key: RowKey, row: Box<serde_json::value::RawValue>) {
        self.put_row(table, key, Row(row.into()));
    }

    /// Adds a row of `table` under `key`.
    pub(crate) fn insert(&mut self, table: &str, key: RowKey, row: Value) {
        self.put_row(table, key, Row::of(&row));
    }

    fn put_row(&mut self, table: &str, key: RowKey, row: Row) {
        let rows = self.tables.entry(table.to_owned()).or_default();
        let before = rows.insert(key, row.clone());
        self.indexes.changed(table, before.as_ref(), Some(&row));
    }

    /// The order indexes pages built of these rows (see `order_index.rs`).
    pub(crate) fn indexes(&self) -> MutexGuard<'_, Indexes> {
        self.indexes.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn set_version(&mut self, version: u32) {
        self.version = version;
    }

    /// Every row of `table` with its key.
    pub(crate) fn rows_with_keys(&self, table: &str) -> impl Iterator<Item = (&RowKey, Value)> {
        self.tables.get(table).into_iter().flatten().map(|(key, row)| (key, row.value()))
    }

    /// Every row of `table`, as the frontend's JSON.
    pub fn rows(&self, table: &str) -> impl Iterator<Item = Value> + '_ {
        self.tables.get(table).into_iter().flat_map(|rows| rows.values()).map(Row::value)
    }

    /// How many rows `table` has.
    pub(crate) fn count(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, BTreeMap::len)
    }

    /// How many rows `table` has and their size as the frontend's JSON (`storage::row_size`):
    /// the length of the text each is kept as, which is that JSON, so no row is parsed.
    pub(crate) fn usage(&self, table: &str) -> (usize, u64) {
        let rows = self.tables.get(table).into_iter().flat_map(BTreeMap::values);
        rows.fold((0, 0), |(count, bytes), row| (count + 1, bytes + row.0.get().len() as u64))
    }

    pub fn list<T: Table + DeserializeOwned>(&self) -> Result<Vec<T>, DataError> {
        self.tables.get(T::NAME).into_iter().flat_map(|rows| rows.values()).map(Row::decode).collect()
    }

    pub fn get<T: Table + DeserializeOwned>(&self, key: &RowKey) -> Result<Option<T>, DataError> {
        self.tables.get(T::NAME).and_then(|rows| rows.get(key)).map(Row::decode).transpose()
    }

    /// The row of `table` whose key is `key`.
    pub(crate) fn row(&self, table: &str, key: &RowKey) -> Option<Value> {
        self.tables.get(table)?.get(key).map(Row::value)
    }

    /// Applies a queued write as the server will: an insert gets version 1, an update the
    /// version after the one it is based on, a reset the version after the current one.
    /// Returns `(row before, row after)`.
    pub fn apply(&mut self, entry: &OutboxEntry) -> (Option<Value>, Option<Value>) {
        let rows = self.tables.entry(entry.table.clone()).or_default();
        let key = RowKey::of(&entry.key);
        let before_row = rows.get(&key).cloned();
        let before = before_row.as_ref().map(Row::value);
        let after = applied(before.as_ref(), entry);
        let after_row = after.as_ref().map(Row::of);
        match &after_row {
            Some(row) => rows.insert(key, row.clone()),
            None => rows.remove(&key),
        };
        self.indexes.changed(&entry.table, before_row.as_ref(), after_row.as_ref());
        (before, after)
    }

    /// Moves the row of `change.table` from its provisional key to the one the module gave it,
    /// and points the rows that reference it at the new key. Returns each row changed:
    /// `(table, before, after)`.
    pub(crate) fn change_key(&mut self, change: &KeyChange) -> Vec<(String, Value, Value)> {
        let mut changed = Vec::new();
        if let Some(rows) = self.tables.get_mut(&change.table) {
            if let Some(before) = rows.remove(&RowKey::of(&change.from)).map(|row| row.value()) {
                let mut after = before.clone();
                after[change.key_field.as_str()] = change.to.clone();
                let (before_row, after_row) = (Row::of(&before), Row::of(&after));
                rows.insert(RowKey::of(&change.to), after_row.clone());
                self.indexes.changed(&change.table, Some(&before_row), Some(&after_row));
                changed.push((change.table.clone(), before, after));
            }
        }
        for (table, field) in &change.references {
            for row in self.tables.get_mut(table).into_iter().flat_map(|rows| rows.values_mut()) {
                let before = row.value();
                if before.get(field.as_str()) == Some(&change.from) {
                    let mut after = before.clone();
                    after[field.as_str()] = change.to.clone();
                    let before_row = std::mem::replace(row, Row::of(&after));
                    self.indexes.changed(table, Some(&before_row), Some(row));
                    changed.push((table.clone(), before, after));
                }
            }
        }
        changed
    }

    /// What changed from these rows to `now`, table by table: each row that appeared, changed
    /// or went, once.
    pub fn changes_to(&self, now: &LocalCopy) -> Vec<(String, TableChange<Value>)> {
        let empty = BTreeMap::new();
        let tables: std::collections::BTreeSet<&String> = self.tables.keys().chain(now.tables.keys()).collect();
        let mut changes = Vec::new();
        for table in tables {
            let (old, new) = (self.tables.get(table).unwrap_or(&empty), now.tables.get(table).unwrap_or(&empty));
            for (key, row) in new {
                match old.get(key) {
                    None => changes.push((table.clone(), TableChange::Insert { row: row.value() })),
                    Some(old_row) if old_row != row => changes
                        .push((table.clone(), TableChange::Update { old_row: old_row.value(), row: row.value() })),
                    Some(_) => {}
                }
            }
            for (key, row) in old {
                if !new.contains_key(key) {
                    changes.push((table.clone(), TableChange::Delete { row: row.value() }));
                }
            }
        }
        changes
    }

    /// Reads the snapshot file; a missing one is an empty copy.
    pub fn load(path: &Path) -> io::Result<LocalCopy> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(LocalCopy::default()),
            Err(e) => Err(e),
        }
    }

    /// The snapshot at `path`, or, when it cannot be read as one (truncated, garbage, another
    /// format), an empty copy: the snapshot is only a cache of the server's rows, rebuilt on
    /// the next connect. The damaged file is kept beside it for inspection, and what happened
    /// is returned in words.
    pub fn load_or_set_aside(path: &Path) -> io::Result<(LocalCopy, Option<String>)> {
        let error = match LocalCopy::load(path) {
            Ok(copy) => return Ok((copy, None)),
            Err(e) if e.kind() == io::ErrorKind::Other => e,
            Err(e) => return Err(e),
        };
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let aside = path.with_file_name(format!("snapshot.damaged-{secs}.json"));
        std::fs::rename(path, &aside)?;
        let name = aside.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let said = format!(
            "the local copy of your data (snapshot.json) could not be read ({error}); it was kept as {name} \
             and is filled again from the server when the app connects"
        );
        Ok((LocalCopy::default(), Some(said)))
    }

    /// Writes the snapshot file atomically (a temporary file, synced, renamed over it), readable
    /// by the user only.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        heycat_local_server::private_files::replace_with(path, |file| {
            serde_json::to_writer(file, self).map_err(io::Error::other)
        })
    }
}

/// The row a write leaves when the row was `before`, as the server will store it: an insert
/// gets version 1, an update the version after the one it is based on, a reset the version
/// after the current one; a delete leaves none.
pub fn applied(before: Option<&Value>, entry: &OutboxEntry) -> Option<Value> {
    entry.row.clone().map(|mut row| {
        if let Some(Value::String(version)) = row.get(VERSION_FIELD) {
            let version: u64 = version.parse().unwrap_or(0);
            let next = match entry.kind {
                WriteKind::Insert => 1,
                WriteKind::Update => version + 1,
                _ => before.and_then(|b| b[VERSION_FIELD].as_str()?.parse::<u64>().ok()).unwrap_or(0) + 1,
            };
            row[VERSION_FIELD] = Value::String(next.to_string());
        }
        row
    })
}

pub fn decode<T: DeserializeOwned>(row: &Value) -> Result<T, DataError> {
    T::deserialize(row)
        .map_err(|e| DataError::new(ErrorKind::Server, format!("a row of the local copy is unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_damaged_snapshot_is_set_aside_and_the_copy_starts_empty() {
        let damaged: [(&str, &[u8]); 4] = [
            ("truncated", br#"{"tables": {"note": [garbage"#),
            ("garbage", b"\x00\xff not json at all"),
            ("empty", b""),
            ("another shape", br#"{"tables": {"note": [1, 2, 3]}}"#),
        ];
        for (what, bytes) in damaged {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("snapshot.json");
            std::fs::write(&path, bytes).unwrap();
            let (copy, said) = LocalCopy::load_or_set_aside(&path).unwrap();
            assert_eq!(copy, LocalCopy::default(), "{what}");
            let said = said.unwrap_or_else(|| panic!("{what}: no word of it"));
            assert!(said.contains("snapshot.json could not be read") || said.contains("(snapshot.json)"), "{said}");
            let aside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
            assert_eq!(aside.len(), 1, "{what}: {aside:?}");
            let aside = dir.path().join(&aside[0]);
            assert!(aside.to_string_lossy().contains("snapshot.damaged-"), "{what}: {aside:?}");
            assert_eq!(std::fs::read(&aside).unwrap(), bytes, "{what}: kept as it was");
        }
        // A good one, or none, reads as it is.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        assert_eq!(LocalCopy::load_or_set_aside(&path).unwrap(), (LocalCopy::default(), None));
        std::fs::write(&path, br#"{"tables": {"note": {"\"n1\"": {"id": "n1"}}}}"#).unwrap();
        let (copy, said) = LocalCopy::load_or_set_aside(&path).unwrap();
        assert_eq!((copy.tables["note"].len(), said), (1, None));
    }

    fn copy(rows: &[(&str, Value)]) -> LocalCopy {
        let mut copy = LocalCopy::default();
        for (table, row) in rows {
            copy.insert(table, RowKey::of(&row["id"]), row.clone());
        }
        copy
    }

    #[test]
    fn a_tables_usage_is_its_rows_size_as_the_frontends_json_without_parsing_them() {
        let rows = [
            json!({"id": "a", "text": "quote \" backslash \\ tab \t é 😺 \u{1}", "n": -12, "big": u64::MAX}),
            json!({"id": "b", "f": 0.1, "g": 1e300, "h": -2.5e-8, "list": [1, "x", null, true], "o": {"z": 1, "a": 2}}),
        ];
        let mut copy = copy(&[("t", rows[0].clone()), ("t", rows[1].clone()), ("u", json!({"id": "c"}))]);
        // A row as the server's copy puts it: the typed row's own text, its fields in its order.
        let raw = serde_json::value::to_raw_value(&(("z", 1), "text")).unwrap();
        copy.put("t", RowKey::of(&json!("d")), raw);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        copy.save(&path).unwrap();
        for copy in [copy, LocalCopy::load(&path).unwrap()] {
            let sizes: u64 = copy.rows("t").map(|row| crate::storage::row_size(&row)).sum();
            assert_eq!(copy.usage("t"), (3, sizes));
            assert_eq!(copy.usage("none"), (0, 0));
        }
    }

    #[test]
    fn the_changes_between_two_copies_are_each_row_that_appeared_changed_or_went_once() {
        let (a1, a2) = (json!({"id": "a", "n": 1}), json!({"id": "a", "n": 2}));
        let (b, c) = (json!({"id": "b"}), json!({"id": "c"}));
        let before = copy(&[("t", a1.clone()), ("t", b.clone()), ("u", json!({"id": "x"}))]);
        let now = copy(&[("t", a2.clone()), ("t", c.clone()), ("u", json!({"id": "x"}))]);
        assert_eq!(
            before.changes_to(&now),
            vec![
                ("t".into(), TableChange::Update { old_row: a1, row: a2 }),
                ("t".into(), TableChange::Insert { row: c }),
                ("t".into(), TableChange::Delete { row: b }),
            ]
        );
        assert_eq!(now.changes_to(&now), Vec::new(), "nothing changed, nothing reported");
    }
}
