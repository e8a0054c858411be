//! The durable outbox: writes made while offline (or whose outcome is unknown), kept on disk in
//! order until the server confirmed them.
//!
//! `outbox.log` holds one frame per write: `u32 length | u32 CRC-32 | JSON`, little-endian. An
//! append is fsynced before the command returns. A torn last frame (a crash mid-append) is
//! detected by its length or checksum, reported, and cut off; every complete frame before it is
//! kept. Confirmed writes are recorded the same way in `outbox.done`, by operation id; when all
//! are confirmed both files are emptied. Replaying a write twice (confirmed by the server, the
//! app killed before `outbox.done` said so) is harmless: the module applies an operation id at
//! most once.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use heycat_local_server::private_files;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, ErrorKind};
use crate::schema::{key_json, row_key, TableAccess, Write as TableWrite};

/// One write waiting for the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The write's operation id; the module applies it at most once.
    pub op_id: String,
    pub table: String,
    pub kind: WriteKind,
    /// The row written (app row JSON), for inserts and updates.
    pub row: Option<serde_json::Value>,
    /// The row's key (wire JSON).
    pub key: serde_json::Value,
    /// The row version a delete is based on.
    pub base_version: Option<u64>,
}

impl OutboxEntry {
    /// A write to `T` as it is queued; the operation id is set when it is queued. `None` for a
    /// write that needs the server (a conflict's resolution).
    pub fn of<T: TableAccess>(write: &TableWrite<T>) -> Option<OutboxEntry> {
        let row_write = |kind, row: &T| {
            let row = serde_json::to_value(row).unwrap_or_default();
            OutboxEntry {
                op_id: String::new(),
                table: T::NAME.into(),
                kind,
                key: row_key::<T>(&row),
                row: Some(row),
                base_version: None,
            }
        };
        Some(match write {
            TableWrite::Insert(row) => row_write(WriteKind::Insert, row),
            TableWrite::Update(row) => row_write(WriteKind::Update, row),
            TableWrite::Reset(row) => row_write(WriteKind::Reset, row),
            TableWrite::Delete { key, base_version } => OutboxEntry {
                op_id: String::new(),
                table: T::NAME.into(),
                kind: WriteKind::Delete,
                row: None,
                key: key_json::<T>(key),
                base_version: *base_version,
            },
            TableWrite::Resolve { .. } => return None,
        })
    }

    /// The queued row as the table's app row.
    pub fn decode_row<T: serde::de::DeserializeOwned>(&self) -> Result<T, DataError> {
        let row = self.row.clone().ok_or_else(|| DataError::unknown_write(self))?;
        serde_json::from_value(row).map_err(|e| self.unreadable(e))
    }

    /// The queued key in its column type.
    pub fn decode_key<K: heycat::wire::Wire>(&self) -> Result<K, DataError> {
        serde_json::from_value::<heycat::wire::Wired<K>>(self.key.clone()).map(|k| k.0).map_err(|e| self.unreadable(e))
    }

    fn unreadable(&self, e: serde_json::Error) -> DataError {
        DataError::new(
            ErrorKind::BadInput,
            format!("the queued {} write {} is unreadable: {e}", self.table, self.op_id),
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WriteKind {
    Insert,
    Update,
    Delete,
    Reset,
}

impl DataError {
    pub(crate) fn unknown_write(entry: &OutboxEntry) -> Self {
        DataError::new(ErrorKind::BadInput, format!("this app cannot replay a {:?} of {}", entry.kind, entry.table))
    }
}

/// What was wrong with the end of a log file, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedTail(pub String);

pub struct Outbox {
    log: PathBuf,
    done: PathBuf,
    /// Writes not yet confirmed, in order.
    pending: Vec<OutboxEntry>,
}

const HEADER: usize = 8;

impl Outbox {
    /// Opens (or creates) the outbox in `dir`, which only the user can read (the writes hold
    /// their data). A damaged tail is cut off and reported.
    pub fn open(dir: &Path) -> io::Result<(Outbox, Option<DamagedTail>)> {
        private_files::create_dir(dir)?;
        let (log, done) = (dir.join("outbox.log"), dir.join("outbox.done"));
        let (entries, log_damage) = read_frames::<OutboxEntry>(&log)?;
        let (confirmed, done_damage) = read_frames::<String>(&done)?;
        let confirmed: HashSet<String> = confirmed.into_iter().collect();
        let pending = entries.into_iter().filter(|e| !confirmed.contains(&e.op_id)).collect();
        let mut outbox = Outbox { log, done, pending };
        if outbox.pending.is_empty() {
            outbox.clear()?;
        }
        Ok((outbox, log_damage.or(done_damage)))
    }

    /// Writes not yet confirmed, in order.
    pub fn pending(&self) -> &[OutboxEntry] {
        &self.pending
    }

    /// Appends a write and syncs it to disk.
    pub fn append(&mut self, entry: OutboxEntry) -> io::Result<()> {
        append_frame(&self.log, &entry, true)?;
        self.pending.push(entry);
        Ok(())
    }

    /// Records that the server confirmed (or definitively refused) the write `op_id`.
    pub fn confirm(&mut self, op_id: &str) -> io::Result<()> {
        self.pending.retain(|e| e.op_id != op_id);
        if self.pending.is_empty() {
            return self.clear();
        }
        // Not synced: a confirmation lost in a crash only means one harmless replay.
        append_frame(&self.done, &op_id, false)
    }

    fn clear(&mut self) -> io::Result<()> {
        for path in [&self.log, &self.done] {
            private_files::create_file(path)?.sync_all()?;
        }
        Ok(())
    }
}

fn append_frame<T: Serialize>(path: &Path, value: &T, sync: bool) -> io::Result<()> {
    let json = serde_json::to_vec(value).map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(HEADER + json.len());
    frame.extend_from_slice(&(json.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&json).to_le_bytes());
    frame.extend_from_slice(&json);
    let mut file = private_files::append_file(path)?;
    let before = file.metadata()?.len();
    let written = file.write_all(&frame).and_then(|()| if sync { file.sync_data() } else { Ok(()) });
    if let Err(e) = written {
        // A refused write (the disk is full) leaves no partial frame behind.
        let _ = file.set_len(before).and_then(|()| file.sync_data());
        return Err(e);
    }
    Ok(())
}

/// Every complete frame of `path`; a damaged tail is cut off the file and described.
fn read_frames<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<(Vec<T>, Option<DamagedTail>)> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), None)),
        Err(e) => return Err(e),
    }
    let (mut values, mut at) = (Vec::new(), 0);
    let damage = loop {
        let rest = &bytes[at..];
        if rest.is_empty() {
            break None;
        }
        if rest.len() < HEADER {
            break Some(format!("{} ends in a partial record header ({} bytes)", path.display(), rest.len()));
        }
        let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        let Some(body) = rest.get(HEADER..HEADER + len) else {
            break Some(format!(
                "{} ends in a partial record ({} of {len} bytes)",
                path.display(),
                rest.len() - HEADER
            ));
        };
        if crc32fast::hash(body) != crc {
            break Some(format!("{} has a record with a wrong checksum at byte {at}", path.display()));
        }
        match serde_json::from_slice(body) {
            Ok(value) => values.push(value),
            Err(e) => break Some(format!("{} has an unreadable record at byte {at}: {e}", path.display())),
        }
        at += HEADER + len;
    };
    if damage.is_some() {
        // Keep the complete records and drop the rest, so later appends follow good data.
        OpenOptions::new().write(true).open(path)?.set_len(at as u64)?;
    }
    let damage = damage.map(|d| DamagedTail(format!("{d}; {} complete records kept", values.len())));
    Ok((values, damage))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> OutboxEntry {
        OutboxEntry {
            op_id: format!("op-{n}"),
            table: "note".into(),
            kind: WriteKind::Insert,
            row: Some(serde_json::json!({"id": format!("d{n}")})),
            key: serde_json::json!(format!("d{n}")),
            base_version: None,
        }
    }

    #[test]
    fn entries_survive_reopening_in_order_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        for n in 0..3 {
            outbox.append(entry(n)).unwrap();
        }
        outbox.confirm("op-0").unwrap();
        drop(outbox);
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        assert_eq!(outbox.pending(), &[entry(1), entry(2)]);
        outbox.confirm("op-1").unwrap();
        outbox.confirm("op-2").unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join("outbox.log")).unwrap().len(),
            0,
            "emptied when all are confirmed"
        );
        assert!(Outbox::open(dir.path()).unwrap().0.pending().is_empty());
    }

    #[test]
    fn a_torn_last_record_is_reported_and_cut_off_keeping_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        for n in 0..4 {
            outbox.append(entry(n)).unwrap();
        }
        let log = dir.path().join("outbox.log");
        let len = std::fs::metadata(&log).unwrap().len();
        OpenOptions::new().write(true).open(&log).unwrap().set_len(len - 5).unwrap();

        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        let damage = damage.expect("the damage is reported").0;
        assert!(damage.contains("ends in a partial record") && damage.contains("3 complete records kept"), "{damage}");
        assert_eq!(outbox.pending(), &[entry(0), entry(1), entry(2)]);
        // Appending after the cut gives a readable log.
        outbox.append(entry(9)).unwrap();
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        assert_eq!(outbox.pending().len(), 4);
    }

    #[test]
    fn a_corrupted_record_stops_reading_there() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        for n in 0..3 {
            outbox.append(entry(n)).unwrap();
        }
        let log = dir.path().join("outbox.log");
        let mut bytes = std::fs::read(&log).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0xff;
        std::fs::write(&log, bytes).unwrap();
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert!(damage.unwrap().0.contains("wrong checksum"));
        assert_eq!(outbox.pending(), &[entry(0), entry(1)]);
    }

    #[test]
    fn a_write_refused_by_a_full_disk_leaves_no_partial_record() {
        let disk = heycat_harness::SmallDisk::mount(64 * 1024).expect("a small filesystem for the test");
        let (mut outbox, _) = Outbox::open(disk.path()).unwrap();
        // 10 kB records: the one that no longer fits is written in part before the disk is full.
        let big = |n: u32| OutboxEntry { row: Some(serde_json::json!({"text": "x".repeat(10_000)})), ..entry(n) };
        let mut appended = 0;
        let refused = loop {
            match outbox.append(big(appended)) {
                Ok(()) => appended += 1,
                Err(e) => break e,
            }
            assert!(appended < 100, "a 64 kB disk holds fewer than 100 such records");
        };
        assert_eq!(refused.kind(), io::ErrorKind::StorageFull, "{refused}");
        assert!(appended > 0);
        assert_eq!(outbox.pending().len(), appended as usize, "the refused write is not pending");
        let (reopened, damage) = Outbox::open(disk.path()).unwrap();
        assert_eq!(damage, None, "nothing half-written is left behind");
        assert_eq!(reopened.pending(), outbox.pending());
    }
}
