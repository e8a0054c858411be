//! The quota check on the write path and the usage report.
//!
//! The check before a write is cheap: it compares cached figures (the last measurement plus
//! the writes since) with the write's size, and the disk's free space at most a second old;
//! nothing is measured on the write path.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::types::error::{DataError, ErrorKind};

/// The singleton column whose value is the storage limit.
#[derive(Clone, Copy, Debug)]
pub struct QuotaColumn {
    pub table: &'static str,
    /// The column's field in the row's JSON (camelCase).
    pub field: &'static str,
    /// Bytes per unit of the column's value (1 MiB for `megabytes`).
    pub unit_bytes: u64,
    /// The column's `#[default]`, in bytes: the limit until the row exists.
    pub default_bytes: u64,
}

/// Usage from which the user is warned, as a share of the quota.
const WARNING_SHARE: f64 = 0.9;
/// Writes are refused while the disk has less than this left.
const DISK_RESERVE: u64 = 32 * 1024 * 1024;
const MB: u64 = 1024 * 1024;
/// The limit of a schema that declares no `#[storage_quota]` column.
const DEFAULT_QUOTA: u64 = 1024 * MB;
/// How stale the disk's free space may be when a write is checked.
const DISK_CHECK_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum StorageLevel {
    Ok,
    /// At or above the warning threshold.
    Warning,
    /// At the quota, or the disk is nearly full: writes are refused.
    Full,
}

/// One table's share. Sizes are bytes (JSON numbers: exact far beyond any disk).
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TableUsage {
    pub table: String,
    pub rows: usize,
    pub bytes: u64,
}

/// What the app uses, by command (`storage_usage`) and with the warning event.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StorageUsage {
    pub quota_bytes: u64,
    /// Rows and waiting writes: what the quota counts.
    pub used_bytes: u64,
    pub level: StorageLevel,
    pub tables: Vec<TableUsage>,
    pub outbox_bytes: u64,
    /// The offline snapshot, the embedded server's files, migration backups: on disk, not counted.
    pub snapshot_bytes: u64,
    pub server_files_bytes: u64,
    pub backup_bytes: u64,
    pub disk_free_bytes: u64,
    pub disk_total_bytes: u64,
    /// Less than the reserve the data layer keeps is free on the disk: writes are refused.
    pub disk_nearly_full: bool,
}

/// The cached figures writes are checked against.
#[derive(Clone)]
pub struct StorageGuard {
    data_dir: PathBuf,
    quota_column: Option<QuotaColumn>,
    quota: Arc<AtomicU64>,
    used: Arc<AtomicU64>,
    disk_free: Arc<AtomicU64>,
    disk_checked: Arc<Mutex<Instant>>,
    warned: Arc<AtomicBool>,
}

impl StorageGuard {
    /// A guard for the data in `data_dir`, whose limit is in `quota_column` (or the default).
    pub fn new(data_dir: &Path, quota_column: Option<QuotaColumn>) -> StorageGuard {
        StorageGuard {
            data_dir: data_dir.to_owned(),
            quota_column,
            quota: Arc::new(AtomicU64::new(quota_column.map_or(DEFAULT_QUOTA, |q| q.default_bytes))),
            used: Arc::default(),
            disk_free: Arc::new(AtomicU64::new(u64::MAX)),
            disk_checked: Arc::new(Mutex::new(Instant::now() - DISK_CHECK_EVERY)),
            warned: Arc::default(),
        }
    }

    /// Where an export goes when the user names no file: a new file in the data dir.
    pub fn export_path(&self) -> PathBuf {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.data_dir.join("exports").join(format!("export-{}.json", now.as_millis()))
    }

    /// Refuses a write of `bytes` that would cross the quota, or when the disk is nearly full.
    pub fn check(&self, bytes: u64) -> Result<(), DataError> {
        let free = self.disk_free();
        if free < DISK_RESERVE {
            return Err(DataError::new(
                ErrorKind::StorageFull,
                format!(
                    "the disk holding this app's data is nearly full ({} MB left); free some space on it",
                    free / MB
                ),
            ));
        }
        let (used, quota) = (self.used.load(Ordering::Relaxed), self.quota.load(Ordering::Relaxed));
        if used + bytes > quota {
            return Err(DataError::new(
                ErrorKind::StorageFull,
                format!(
                    "this app's data would exceed its storage limit of {} MB ({} KB used); free space (delete \
                     old rows, export and delete data) or raise the limit",
                    quota / MB,
                    used / 1024
                ),
            ));
        }
        Ok(())
    }

    /// Counts a write of `bytes` that went through (until the next measurement). Returns
    /// whether usage may just have reached the warning threshold: worth a measurement.
    pub fn wrote(&self, bytes: u64) -> bool {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.at_warning(used) && !self.warned.load(Ordering::Relaxed)
    }

    /// Takes a fresh measurement: the quota and what the rows and outbox hold. Returns whether
    /// usage just reached the warning threshold (once on the way up; dropping below re-arms it).
    pub fn measured(&self, quota_bytes: u64, used_bytes: u64) -> bool {
        self.quota.store(quota_bytes, Ordering::Relaxed);
        self.used.store(used_bytes, Ordering::Relaxed);
        let warning = self.at_warning(used_bytes);
        let warned_before = self.warned.swap(warning, Ordering::Relaxed);
        warning && !warned_before
    }

    /// A row of `table` arrived from the server: when it holds the quota column (changed in
    /// the app or elsewhere), its limit is the one writes are checked against from now on.
    pub(crate) fn follow_quota(&self, table: &str, row: &Value) {
        if let Some(column) = self.quota_column.filter(|c| c.table == table) {
            self.quota.store(quota_bytes(&column, Some(row)), Ordering::Relaxed);
        }
    }

    /// Whether rows of `table` hold the quota column.
    pub(crate) fn holds_quota(&self, table: &str) -> bool {
        self.quota_column.is_some_and(|c| c.table == table)
    }

    fn at_warning(&self, used: u64) -> bool {
        used as f64 >= self.quota.load(Ordering::Relaxed) as f64 * WARNING_SHARE
    }

    pub fn level(&self) -> StorageLevel {
        let (used, quota) = (self.used.load(Ordering::Relaxed), self.quota.load(Ordering::Relaxed));
        if used >= quota || self.disk_free() < DISK_RESERVE {
            StorageLevel::Full
        } else if self.at_warning(used) {
            StorageLevel::Warning
        } else {
            StorageLevel::Ok
        }
    }

    fn disk_free(&self) -> u64 {
        let mut checked = self.disk_checked.lock().unwrap_or_else(PoisonError::into_inner);
        if checked.elapsed() >= DISK_CHECK_EVERY {
            self.measure_disk(&mut checked);
        }
        self.disk_free.load(Ordering::Relaxed)
    }

    /// `(free, total)` bytes now, also kept as the cached free space.
    fn measure_disk(&self, checked: &mut Instant) -> (u64, u64) {
        *checked = Instant::now();
        let (free, total) = disk_space(&self.data_dir).unwrap_or((u64::MAX, 0));
        self.disk_free.store(free, Ordering::Relaxed);
        (free, total)
    }

    /// The full report, from the rows' figures (`tables`) and the files in the data dir, taken
    /// as the new measurement; and whether usage just reached the warning threshold.
    /// `quota_row` is the row holding the quota column, when there is one.
    pub fn report(
        &self,
        quota_row: Option<&Value>,
        tables: Vec<TableUsage>,
        outbox_bytes: u64,
    ) -> (StorageUsage, bool) {
        let quota_bytes = self.quota_column.map_or(DEFAULT_QUOTA, |column| quota_bytes(&column, quota_row));
        let used = tables.iter().map(|t| t.bytes).sum::<u64>() + outbox_bytes;
        let warn = self.measured(quota_bytes, used);
        let (free, total) = self.measure_disk(&mut self.disk_checked.lock().unwrap_or_else(PoisonError::into_inner));
        let usage = StorageUsage {
            quota_bytes,
            used_bytes: used,
            level: self.level(),
            tables,
            outbox_bytes,
            snapshot_bytes: file_size(&self.data_dir.join("snapshot.json")),
            server_files_bytes: dir_size(&self.data_dir.join("spacetimedb")),
            backup_bytes: dir_size(&self.data_dir.join("backups")),
            disk_free_bytes: free,
            disk_total_bytes: total,
            disk_nearly_full: free < DISK_RESERVE,
        };
        (usage, warn)
    }
}

/// The limit a row holding the quota column sets (the column's default without one). The
/// value crosses as the frontend's JSON: a number, or a decimal string for 64-bit columns.
fn quota_bytes(column: &QuotaColumn, row: Option<&Value>) -> u64 {
    let value = row.and_then(|row| match &row[column.field] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    value.map_or(column.default_bytes, |units| units.saturating_mul(column.unit_bytes))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return file_size(path) };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// `(free, total)` bytes of the filesystem holding `path` (free: what this user may still use).
#[cfg(unix)]
fn disk_space(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs(3) on a NUL-terminated path into a zeroed struct it fills.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let block = stat.f_frsize as u64;
    Some((stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
}

/// `(free, total)` bytes of the volume holding `path` (free: what this user may still use).
#[cfg(windows)]
fn disk_space(path: &Path) -> Option<(u64, u64)> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    let path: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    let (mut free, mut total) = (0u64, 0u64);
    // SAFETY: a NUL-terminated UTF-16 path and two counts to fill; the third is optional.
    if unsafe { GetDiskFreeSpaceExW(path.as_ptr(), &mut free, &mut total, std::ptr::null_mut()) } == 0 {
        return None;
    }
    Some((free, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_checked_against_the_quota_and_warned_about_once() {
        let dir = tempfile::tempdir().unwrap();
        let guard = StorageGuard::new(dir.path(), None);
        guard.measured(1000, 0);
        assert!(guard.check(800).is_ok());
        assert!(!guard.wrote(800), "80 %: no warning yet");
        assert!(guard.wrote(100), "90 %: worth measuring");
        assert!(guard.measured(1000, 900), "the measurement confirms it: the warning fires");
        assert!(!guard.wrote(50), "it fires once");
        assert!(!guard.measured(1000, 950));
        assert_eq!(guard.level(), StorageLevel::Warning);
        let refused = guard.check(100).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::StorageFull);
        assert!(refused.message.contains("would exceed its storage limit"), "{}", refused.message);
        assert!(guard.check(50).is_ok(), "exactly up to the quota");
        // Freeing space re-arms the warning.
        assert!(!guard.measured(1000, 100));
        assert!(guard.measured(1000, 900));
    }

    #[test]
    fn the_limit_follows_its_column_in_whatever_unit_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let column = QuotaColumn { table: "prefs", field: "limitMb", unit_bytes: MB, default_bytes: 5 * MB };
        let guard = StorageGuard::new(dir.path(), Some(column));
        let (usage, _) = guard.report(None, Vec::new(), 0);
        assert_eq!(usage.quota_bytes, 5 * MB, "the column's default until the row exists");
        let (usage, _) = guard.report(Some(&serde_json::json!({"limitMb": 7})), Vec::new(), 0);
        assert_eq!(usage.quota_bytes, 7 * MB);
        guard.follow_quota("prefs", &serde_json::json!({"limitMb": "9"}));
        assert!(guard.check(8 * MB).is_ok() && guard.check(10 * MB).is_err(), "a 64-bit column's decimal string");
        guard.follow_quota("notes", &serde_json::json!({"limitMb": 1}));
        assert!(guard.check(8 * MB).is_ok(), "another table's row is not the limit");
    }
}
