//! The durable outbox: writes made while offline (or whose outcome is unknown), kept on disk in
//! order until the server confirmed them.
//!
//! `outbox.log` holds one frame per write: `u32 length | u32 CRC-32 | JSON`, little-endian,
//! then zeros: the file is grown by a stretch of zeros at a time ([`LOG_AHEAD`]) and each
//! frame written over them, so syncing a write syncs its data alone, not the file's new size
//! (an append's sync cost a third more here; SQLite's WAL, reused in place, does the same). A
//! zero length, with nothing but zeros after it, is where the records end. A write is fsynced
//! before the command returns. A torn last frame (a crash mid-append) or a
//! damaged one is detected by its length or checksum and reported; every intact frame is kept,
//! before and after it, and the damaged file is kept beside the log for inspection. Confirmed
//! writes are recorded the same way in `outbox.done`, by operation id, and the keys the module
//! gave rows queued under provisional ones in `outbox.keys`; when all are confirmed the three
//! files are emptied. Replaying a write twice (confirmed by the server, the
//! app killed before `outbox.done` said so) is harmless: the module applies an operation id at
//! most once.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use heycat_local_server::private_files;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::types::error::{DataError, ErrorKind};

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
    /// The schema version of the app that queued it (0: written before versions were
    /// recorded, read as this app's). An older version's write crosses to this one through the
    /// migration plan before it is sent (`upgrade.rs`).
    #[serde(default)]
    pub version: u32,
}

impl OutboxEntry {
    /// The queued row as the table's app row.
    pub fn decode_row<T: serde::de::DeserializeOwned>(&self) -> Result<T, DataError> {
        let row = self.row.as_ref().ok_or_else(|| DataError::unknown_write(self))?;
        T::deserialize(row).map_err(|e| self.unreadable(e))
    }

    /// The queued key in its column type.
    pub fn decode_key<K: heycat::wire::Wire>(&self) -> Result<K, DataError> {
        heycat::wire::Wired::<K>::deserialize(&self.key).map(|k| k.0).map_err(|e| self.unreadable(e))
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

/// What was damaged in the outbox's files and what was kept, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage(pub String);

/// A row's provisional key replaced by the one the module gave it (a table with an
/// `#[auto_inc]` key): in the row's own writes, and in the rows that reference it. Kept in
/// `outbox.keys` until the outbox is empty, and applied again to the queued writes on opening.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyChange {
    pub table: String,
    /// The key's field in the row's JSON.
    pub key_field: String,
    pub from: Value,
    pub to: Value,
    /// `(table, field)` of every column that references the table.
    pub references: Vec<(String, String)>,
}

impl KeyChange {
    /// Rewrites `entry` where it names the old key.
    pub(crate) fn apply(&self, entry: &mut OutboxEntry) {
        if entry.table == self.table && entry.key == self.from {
            entry.key = self.to.clone();
        }
        let fields = std::iter::once((&self.table, &self.key_field)).chain(self.references.iter().map(|(t, f)| (t, f)));
        for (table, field) in fields {
            if &entry.table != table {
                continue;
            }
            if let Some(value) = entry.row.as_mut().and_then(|row| row.get_mut(field.as_str())) {
                if *value == self.from {
                    *value = self.to.clone();
                }
            }
        }
    }
}

pub struct Outbox {
    log: PathBuf,
    done: PathBuf,
    keys: PathBuf,
    /// Writes not yet confirmed, in order, from `start` on: the replay confirms them from the
    /// front, which moves `start` (the slots before it are dropped now and then).
    entries: Vec<OutboxEntry>,
    start: usize,
    /// The key changes applied to them, kept until the outbox is empty.
    key_changes: Vec<KeyChange>,
    /// Where `log`'s records end (the zeros ahead of them start).
    log_end: u64,
    /// `log` open for writing, from the first write until the file is replaced or emptied:
    /// opening it for each write cost a tenth of an offline write.
    log_file: Option<LogFile>,
}

const HEADER: usize = 8;

/// How far ahead of its records the log is grown with zeros.
const LOG_AHEAD: u64 = 256 * 1024;

impl Outbox {
    /// Opens (or creates) the outbox in `dir`, which only the user can read (the writes hold
    /// their data). Damage is reported; every intact record is kept.
    pub fn open(dir: &Path) -> io::Result<(Outbox, Option<Damage>)> {
        private_files::create_dir(dir)?;
        let (log, done, keys) = (dir.join("outbox.log"), dir.join("outbox.done"), dir.join("outbox.keys"));
        let (entries, log_end, log_damage) = read_frames::<OutboxEntry>(&log)?;
        let (confirmed, _, done_damage) = read_frames::<String>(&done)?;
        let (key_changes, _, keys_damage) = read_frames::<KeyChange>(&keys)?;
        let confirmed: HashSet<String> = confirmed.into_iter().collect();
        let mut pending: Vec<OutboxEntry> = entries.into_iter().filter(|e| !confirmed.contains(&e.op_id)).collect();
        for change in &key_changes {
            pending.iter_mut().for_each(|entry| change.apply(entry));
        }
        let mut outbox = Outbox { log, done, keys, entries: pending, start: 0, key_changes, log_end, log_file: None };
        if outbox.pending().is_empty() {
            outbox.clear()?;
        }
        let damage: Vec<String> = [log_damage, done_damage, keys_damage].into_iter().flatten().map(|d| d.0).collect();
        Ok((outbox, (!damage.is_empty()).then(|| Damage(damage.join("; ")))))
    }

    /// Writes not yet confirmed, in order.
    pub fn pending(&self) -> &[OutboxEntry] {
        &self.entries[self.start..]
    }

    /// Appends a write and syncs it to disk.
    pub fn append(&mut self, entry: OutboxEntry) -> io::Result<()> {
        let frame = frame(&entry)?;
        let log = match &mut self.log_file {
            Some(log) => log,
            None => self.log_file.insert(LogFile::open(&self.log, self.log_end)?),
        };
        log.write(&frame)?;
        self.log_end = log.end;
        self.entries.push(entry);
        Ok(())
    }

    /// Replaces a provisional key in every queued write, durably (before the insert that got
    /// the real key is recorded as confirmed, so a crash in between loses nothing).
    pub fn change_key(&mut self, change: KeyChange) -> io::Result<()> {
        append_frame(&self.keys, &change, true)?;
        self.entries[self.start..].iter_mut().for_each(|entry| change.apply(entry));
        self.key_changes.push(change);
        Ok(())
    }

    /// The key changes applied to the queued writes (see [`KeyChange`]): their old keys may
    /// not be given again while they are kept, or opening the outbox would rewrite the new row.
    pub fn key_changes(&self) -> &[KeyChange] {
        &self.key_changes
    }

    /// Records that the server confirmed (or definitively refused) the writes `op_ids`, with
    /// one append to the done file; returns the `(table, key)` of each write taken out, as the
    /// queue had it (a key change may have rewritten it since the caller read it). Writes
    /// confirmed in order from the front cost nothing to take out.
    pub fn confirm_all(&mut self, op_ids: &[&str]) -> io::Result<Vec<(String, Value)>> {
        let mut taken = Vec::with_capacity(op_ids.len());
        for op_id in op_ids {
            match self.entries.get(self.start) {
                Some(front) if front.op_id == *op_id => {
                    taken.push((front.table.clone(), front.key.clone()));
                    self.start += 1;
                }
                _ => {
                    if let Some(at) = self.pending().iter().position(|e| e.op_id == *op_id) {
                        let entry = self.entries.remove(self.start + at);
                        taken.push((entry.table, entry.key));
                    }
                }
            }
        }
        if self.pending().is_empty() {
            return self.clear().map(|()| taken);
        }
        if self.start > 1024 && self.start * 2 > self.entries.len() {
            self.entries.drain(..self.start);
            self.start = 0;
        }
        // Not synced: a confirmation lost in a crash only means one harmless replay.
        let mut frames = Vec::new();
        for op_id in op_ids {
            frames.extend_from_slice(&frame(op_id)?);
        }
        append_bytes(&self.done, &frames, false).map(|()| taken)
    }

    /// Replaces the queued writes with `pending` (each written whole: a crash leaves the old
    /// file or the new one), forgetting the confirmations of writes no longer queued.
    pub(crate) fn rewrite(&mut self, pending: Vec<OutboxEntry>) -> io::Result<()> {
        let mut frames = Vec::new();
        for entry in &pending {
            frames.extend_from_slice(&frame(entry)?);
        }
        // The open log would be the file the new one replaces.
        self.log_file = None;
        private_files::replace(&self.log, &frames)?;
        self.log_end = frames.len() as u64;
        private_files::create_file(&self.done)?.sync_all()?;
        (self.entries, self.start) = (pending, 0);
        if self.pending().is_empty() {
            self.clear()?;
        }
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        (self.log_file, self.log_end) = (None, 0);
        self.key_changes.clear();
        (self.entries, self.start) = (Vec::new(), 0);
        for path in [&self.log, &self.done, &self.keys] {
            match std::fs::metadata(path) {
                // Already empty: nothing to make durable (an app's every start comes here).
                Ok(metadata) if metadata.len() == 0 => {}
                // A missing file and an empty one mean the same: made, not synced.
                Err(e) if e.kind() == io::ErrorKind::NotFound => drop(private_files::create_file(path)?),
                _ => private_files::create_file(path)?.sync_all()?,
            }
        }
        Ok(())
    }

    /// The size of the queued writes' records on disk (the zeros ahead of them left out).
    pub fn bytes(&self) -> u64 {
        self.log_end
    }
}

/// `outbox.log` open for writing: its records end at `end`, and zeros follow up to `size`.
struct LogFile {
    file: File,
    end: u64,
    size: u64,
}

impl LogFile {
    fn open(path: &Path, end: u64) -> io::Result<LogFile> {
        let file = private_files::open_rw(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile { file, end, size })
    }

    /// Writes `frame` after the last record, over the zeros ahead (grown first when it does
    /// not fit), and syncs it.
    fn write(&mut self, frame: &[u8]) -> io::Result<()> {
        let end = self.end + frame.len() as u64;
        if end > self.size {
            // Room for many records; on a disk too full for that, room for this one.
            self.grow(end + LOG_AHEAD).or_else(|_| self.grow(end))?;
        }
        let written = self.at(self.end).and_then(|file| file.write_all(frame)).and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // Zeros again where the frame went in part: the records end where they did.
            let zeros = vec![0; frame.len()];
            let _ = self.at(self.end).and_then(|file| file.write_all(&zeros)).and_then(|()| self.file.sync_data());
            return Err(e);
        }
        self.end = end;
        Ok(())
    }

    /// Zeros from the file's end to `size`, synced; a refused write (the disk is full) leaves
    /// the file as it was.
    fn grow(&mut self, size: u64) -> io::Result<()> {
        let zeros = vec![0; (size - self.size) as usize];
        let grown = self.at(self.size).and_then(|file| file.write_all(&zeros)).and_then(|()| self.file.sync_data());
        if let Err(e) = grown {
            let _ = self.file.set_len(self.size).and_then(|()| self.file.sync_data());
            return Err(e);
        }
        self.size = size;
        Ok(())
    }

    fn at(&mut self, offset: u64) -> io::Result<&mut File> {
        self.file.seek(SeekFrom::Start(offset))?;
        Ok(&mut self.file)
    }
}

/// `u32 length | u32 CRC-32 | JSON`, little-endian.
fn frame<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(HEADER + json.len());
    frame.extend_from_slice(&(json.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&json).to_le_bytes());
    frame.extend_from_slice(&json);
    Ok(frame)
}

fn append_frame<T: Serialize>(path: &Path, value: &T, sync: bool) -> io::Result<()> {
    append_bytes(path, &frame(value)?, sync)
}

fn append_bytes(path: &Path, frame: &[u8], sync: bool) -> io::Result<()> {
    let mut file = private_files::append_file(path)?;
    let before = file.metadata()?.len();
    let written = file.write_all(frame).and_then(|()| if sync { file.sync_data() } else { Ok(()) });
    if let Err(e) = written {
        // A refused write (the disk is full) leaves no partial frame behind.
        let _ = file.set_len(before).and_then(|()| file.sync_data());
        return Err(e);
    }
    Ok(())
}

/// Every intact record of `path`. Damage (a torn last record after a crash, a record with a
/// wrong checksum, one this app cannot read) is described, and nothing readable is lost: the
/// file as it was is kept beside it (`<name>.damaged-<time>`), reading goes on at the next
/// intact record, and the file is rewritten with the intact records only. Returns the records,
/// where they end in the file (then), and the damage.
fn read_frames<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<(Vec<T>, u64, Option<Damage>)> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0, None)),
        Err(e) => return Err(e),
    }
    let (mut values, mut intact, mut damage) = (Vec::new(), Vec::new(), Vec::new());
    let mut at = 0;
    while at < bytes.len() {
        // No record has a zero length: zeros from here to the end are the room ahead (a
        // record's length has a byte that is not zero, so this stops within its first four).
        if bytes[at..].iter().all(|b| *b == 0) {
            break;
        }
        match frame_at(&bytes, at) {
            Ok((value, len)) => {
                values.push(value);
                intact.extend_from_slice(&bytes[at..at + len]);
                at += len;
            }
            Err(what) => {
                damage.push(format!("{what} at byte {at}"));
                // Go on at the next offset where an intact record starts, if any.
                at = (at + 1..bytes.len()).find(|&next| frame_at::<T>(&bytes, next).is_ok()).unwrap_or(bytes.len());
            }
        }
    }
    if damage.is_empty() {
        return Ok((values, at as u64, None));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let aside = path.with_file_name(format!("{name}.damaged-{}", now_millis()));
    private_files::create_file(&aside)?.write_all(&bytes)?;
    private_files::replace(path, &intact)?;
    let said = format!(
        "{} was damaged ({}); its {} intact records are kept, and the file as it was is kept as {}",
        path.display(),
        damage.join(", "),
        values.len(),
        aside.display()
    );
    Ok((values, intact.len() as u64, Some(Damage(said))))
}

/// The record at `at` and its length in bytes, or what is wrong with it.
fn frame_at<T: serde::de::DeserializeOwned>(bytes: &[u8], at: usize) -> Result<(T, usize), &'static str> {
    let rest = &bytes[at..];
    let Some(header) = rest.get(..HEADER) else { return Err("a partial record header") };
    let len = u32::from_le_bytes(header[0..4].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
    let Some(body) = rest.get(HEADER..HEADER + len) else { return Err("a partial record") };
    if crc32fast::hash(body) != crc {
        return Err("a record with a wrong checksum");
    }
    let value = serde_json::from_slice(body).map_err(|_| "a record this app cannot read")?;
    Ok((value, HEADER + len))
}

pub(crate) fn now_millis() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn entry(n: u32) -> OutboxEntry {
        OutboxEntry {
            op_id: format!("op-{n}"),
            table: "note".into(),
            kind: WriteKind::Insert,
            row: Some(serde_json::json!({"id": format!("d{n}")})),
            key: serde_json::json!(format!("d{n}")),
            base_version: None,
            version: 0,
        }
    }

    #[test]
    fn confirmations_from_the_front_and_out_of_order_leave_the_rest_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        for n in 0..3000 {
            outbox.append(entry(n)).unwrap();
        }
        // As a replay confirms: in order from the front, in batches (past the point where the
        // confirmed slots are dropped), then one out of order.
        let ids: Vec<String> = (0..2000).map(|n| format!("op-{n}")).collect();
        for batch in ids.chunks(500) {
            outbox.confirm_all(&batch.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
        }
        outbox.confirm_all(&["op-2500"]).unwrap();
        let want: Vec<OutboxEntry> = (2000..3000).filter(|n| *n != 2500).map(entry).collect();
        assert_eq!(outbox.pending(), &want[..]);
        assert_eq!(Outbox::open(dir.path()).unwrap().0.pending(), &want[..], "the same after reopening");
        outbox.confirm_all(&want.iter().map(|e| e.op_id.as_str()).collect::<Vec<_>>()).unwrap();
        assert!(outbox.pending().is_empty());
        assert!(Outbox::open(dir.path()).unwrap().0.pending().is_empty());
    }

    #[test]
    fn entries_survive_reopening_in_order_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        for n in 0..3 {
            outbox.append(entry(n)).unwrap();
        }
        outbox.confirm_all(&["op-0"]).unwrap();
        drop(outbox);
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        assert_eq!(outbox.pending(), &[entry(1), entry(2)]);
        outbox.confirm_all(&["op-1"]).unwrap();
        outbox.confirm_all(&["op-2"]).unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join("outbox.log")).unwrap().len(),
            0,
            "emptied when all are confirmed"
        );
        assert!(Outbox::open(dir.path()).unwrap().0.pending().is_empty());
    }

    /// The files beside the outbox that keep damaged ones as they were.
    fn set_aside(dir: &Path, name: &str) -> Vec<Vec<u8>> {
        let mut aside: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{name}.damaged-")))
            .map(|e| std::fs::read(e.path()).unwrap())
            .collect();
        aside.sort();
        aside
    }

    /// An outbox of `n` writes, its log, and where the log's records end.
    fn outbox_of(n: u32) -> (tempfile::TempDir, PathBuf, usize) {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        for i in 0..n {
            outbox.append(entry(i)).unwrap();
        }
        let log = dir.path().join("outbox.log");
        (dir, log, outbox.bytes() as usize)
    }

    #[test]
    fn writes_go_over_the_zeros_ahead_and_after_reopening_on_from_the_last_record() {
        let (dir, log, end) = outbox_of(2);
        let size = std::fs::metadata(&log).unwrap().len();
        assert!(size >= LOG_AHEAD && size > end as u64, "zeros ahead of the records: {size} bytes for {end}");
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!((outbox.bytes() as usize, damage), (end, None), "the records end where they did");
        for n in 2..5 {
            outbox.append(entry(n)).unwrap();
        }
        assert_eq!(std::fs::metadata(&log).unwrap().len(), size, "written into the room ahead, not appended");
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!(damage, None);
        assert_eq!(outbox.pending(), (0..5).map(entry).collect::<Vec<_>>());
    }

    #[test]
    fn a_torn_last_record_is_reported_and_cut_off_keeping_the_rest() {
        // A crash part way through the last write leaves its end as the zeros it went over;
        // a log of an older version (no zeros ahead) is cut short instead.
        for tear in ["zeros", "cut"] {
            let (dir, log, end) = outbox_of(4);
            let mut file = OpenOptions::new().write(true).open(&log).unwrap();
            match tear {
                "zeros" => {
                    file.seek(SeekFrom::Start(end as u64 - 5)).unwrap();
                    file.write_all(&[0; 5]).unwrap();
                }
                _ => file.set_len(end as u64 - 5).unwrap(),
            }
            let torn = std::fs::read(&log).unwrap();

            let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
            let damage = damage.expect("the damage is reported").0;
            let what =
                if tear == "zeros" { "a record with a wrong checksum at byte" } else { "a partial record at byte" };
            assert!(damage.contains(what) && damage.contains("its 3 intact records are kept"), "{damage}");
            assert_eq!(outbox.pending(), &[entry(0), entry(1), entry(2)]);
            assert_eq!(set_aside(dir.path(), "outbox.log"), [torn], "the file as it was is kept");
            // Appending after the cut gives a readable log.
            outbox.append(entry(9)).unwrap();
            let (outbox, damage) = Outbox::open(dir.path()).unwrap();
            assert_eq!(damage, None);
            assert_eq!(outbox.pending().len(), 4);
        }
    }

    #[test]
    fn a_damaged_record_in_the_middle_is_skipped_and_every_record_after_it_kept() {
        let (dir, log, end) = outbox_of(4);
        let mut bytes = std::fs::read(&log).unwrap();
        let second = end / 4 + HEADER + 3;
        bytes[second] ^= 0xff;
        std::fs::write(&log, &bytes).unwrap();
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert!(damage.unwrap().0.contains("a record with a wrong checksum"));
        assert_eq!(outbox.pending(), &[entry(0), entry(2), entry(3)]);
        assert_eq!(set_aside(dir.path(), "outbox.log"), [bytes]);
    }

    #[test]
    fn a_record_this_app_cannot_read_is_kept_aside_and_the_others_replay() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("outbox.log");
        append_frame(&log, &entry(0), true).unwrap();
        // A record another version of the app wrote: intact, but not an entry this one knows.
        append_frame(&log, &serde_json::json!({"format": 99, "write": "?"}), true).unwrap();
        append_frame(&log, &entry(1), true).unwrap();
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert!(damage.unwrap().0.contains("a record this app cannot read"));
        assert_eq!(outbox.pending(), &[entry(0), entry(1)]);
        let aside = set_aside(dir.path(), "outbox.log");
        assert!(String::from_utf8_lossy(&aside[0]).contains(r#""format":99"#), "kept for a later version to read");
    }

    #[test]
    fn a_garbage_or_empty_outbox_opens_and_garbage_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("outbox.log"), b"").unwrap();
        let (outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!((outbox.pending().len(), damage), (0, None));

        std::fs::write(dir.path().join("outbox.log"), b"{\"not\": \"an outbox\"} \xff\x00 and more").unwrap();
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert!(damage.unwrap().0.contains("its 0 intact records are kept"));
        assert_eq!(set_aside(dir.path(), "outbox.log").len(), 1);
        outbox.append(entry(5)).unwrap();
        assert_eq!(Outbox::open(dir.path()).unwrap().0.pending(), &[entry(5)]);
    }

    #[test]
    fn a_damaged_done_file_only_means_confirmed_writes_are_sent_again() {
        for damage in [&b"\x05\x00"[..], b"garbage that is no record at all"] {
            let (dir, _, _) = outbox_of(3);
            let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
            outbox.confirm_all(&["op-0"]).unwrap();
            outbox.confirm_all(&["op-1"]).unwrap();
            let done = dir.path().join("outbox.done");
            let mut bytes = std::fs::read(&done).unwrap();
            let first_len = bytes.len() / 2;
            bytes.truncate(first_len);
            bytes.extend_from_slice(damage);
            std::fs::write(&done, &bytes).unwrap();

            let (outbox, said) = Outbox::open(dir.path()).unwrap();
            assert!(said.unwrap().0.contains("outbox.done was damaged"));
            // op-0 stays confirmed; op-1's confirmation was in the damage, so it is sent again
            // (the module applies an operation id at most once).
            assert_eq!(outbox.pending(), &[entry(1), entry(2)]);
            assert_eq!(set_aside(dir.path(), "outbox.done"), [bytes]);
        }
    }

    #[test]
    fn a_key_change_rewrites_the_queued_writes_and_references_and_is_kept_until_the_outbox_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        let provisional = serde_json::json!("18446744073709551615");
        let insert = OutboxEntry {
            table: "ticket".into(),
            key: provisional.clone(),
            row: Some(serde_json::json!({"id": provisional, "title": "t"})),
            ..entry(1)
        };
        let comment = OutboxEntry {
            table: "comment".into(),
            key: serde_json::json!("c1"),
            row: Some(serde_json::json!({"id": "c1", "ticketId": provisional})),
            ..entry(2)
        };
        outbox.append(insert).unwrap();
        outbox.append(comment).unwrap();
        let change = KeyChange {
            table: "ticket".into(),
            key_field: "id".into(),
            from: provisional.clone(),
            to: serde_json::json!("7"),
            references: vec![("comment".into(), "ticketId".into())],
        };
        outbox.change_key(change.clone()).unwrap();
        outbox.confirm_all(&["op-1"]).unwrap();
        let rewritten = |outbox: &Outbox| {
            let comment = &outbox.pending()[0];
            (comment.row.as_ref().unwrap()["ticketId"].clone(), outbox.key_changes().to_vec())
        };
        assert_eq!(rewritten(&outbox), (serde_json::json!("7"), vec![change.clone()]));
        // Reopened (a restart): the queued writes are rewritten again, the change still kept.
        let (mut outbox, damage) = Outbox::open(dir.path()).unwrap();
        assert_eq!((damage, rewritten(&outbox)), (None, (serde_json::json!("7"), vec![change])));
        outbox.confirm_all(&["op-2"]).unwrap();
        assert!(outbox.key_changes().is_empty(), "forgotten once nothing is queued");
        assert!(Outbox::open(dir.path()).unwrap().0.key_changes().is_empty());
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
