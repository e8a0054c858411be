//! The local copy the app reads while offline: the last rows seen from the server (kept on disk
//! as `snapshot.json`, so a restart while offline still shows them) with the writes queued in
//! the outbox applied on top.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use heycat::Table;
use serde::de::DeserializeOwned;
use serde_json::Value;

use heycat_contract::system::ROW_VERSION_FIELD as VERSION_FIELD;

use crate::error::{DataError, ErrorKind};
use crate::outbox::{OutboxEntry, WriteKind};
use crate::schema::row_key;

/// Rows by table, then by key (the key's JSON text), as the app's row JSON.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LocalCopy {
    tables: BTreeMap<String, BTreeMap<String, Value>>,
}

/// A key as the local copy indexes it: its wire JSON text.
pub fn key_text(key: &Value) -> String {
    key.to_string()
}

impl LocalCopy {
    /// Adds a row of `T`'s table (from the server's copy).
    pub fn put<T: Table + serde::Serialize>(&mut self, row: &T) {
        if let Ok(json) = serde_json::to_value(row) {
            let key = key_text(&row_key::<T>(&json));
            self.tables.entry(T::NAME.to_owned()).or_default().insert(key, json);
        }
    }

    /// Every row of `table`, as the frontend's JSON.
    pub fn rows(&self, table: &str) -> impl Iterator<Item = &Value> {
        self.tables.get(table).into_iter().flat_map(|rows| rows.values())
    }

    pub fn list<T: Table + DeserializeOwned>(&self) -> Result<Vec<T>, DataError> {
        self.tables.get(T::NAME).into_iter().flat_map(|rows| rows.values()).map(|row| decode(row)).collect()
    }

    pub fn get<T: Table + DeserializeOwned>(&self, key: &Value) -> Result<Option<T>, DataError> {
        self.row(T::NAME, key).map(decode).transpose()
    }

    fn row(&self, table: &str, key: &Value) -> Option<&Value> {
        self.tables.get(table)?.get(&key_text(key))
    }

    /// Applies a queued write as the server will: an insert gets version 1, an update the
    /// version after the one it is based on, a reset the version after the current one.
    /// Returns `(row before, row after)`.
    pub fn apply(&mut self, entry: &OutboxEntry) -> (Option<Value>, Option<Value>) {
        let rows = self.tables.entry(entry.table.clone()).or_default();
        let key = key_text(&entry.key);
        let before = rows.get(&key).cloned();
        let after = entry.row.clone().map(|mut row| {
            if let Some(Value::String(version)) = row.get(VERSION_FIELD) {
                let version: u64 = version.parse().unwrap_or(0);
                let next = match entry.kind {
                    WriteKind::Insert => 1,
                    WriteKind::Update => version + 1,
                    _ => before.as_ref().and_then(|b| b[VERSION_FIELD].as_str()?.parse::<u64>().ok()).unwrap_or(0) + 1,
                };
                row[VERSION_FIELD] = Value::String(next.to_string());
            }
            row
        });
        match &after {
            Some(row) => rows.insert(key, row.clone()),
            None => rows.remove(&key),
        };
        (before, after)
    }

    /// Reads the snapshot file; a missing one is an empty copy.
    pub fn load(path: &Path) -> io::Result<LocalCopy> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(LocalCopy::default()),
            Err(e) => Err(e),
        }
    }

    /// Writes the snapshot file atomically (a temporary file, synced, renamed over it).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let temp = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&serde_json::to_vec(self).map_err(io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    }
}

pub fn decode<T: DeserializeOwned>(row: &Value) -> Result<T, DataError> {
    serde_json::from_value(row.clone())
        .map_err(|e| DataError::new(ErrorKind::Server, format!("a row of the local copy is unreadable: {e}")))
}
