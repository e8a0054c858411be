//! One process per data dir. Two processes on one data dir would each drain the same outbox
//! with their own view of it (writes replayed twice or lost) and fight over the embedded
//! server's files; so the data layer takes an exclusive lock on `<data dir>/lock` before it
//! touches anything there, and keeps it for its life. The OS lets go of it when the process
//! ends, however it ends: the lock (`File::try_lock`: `flock` on Unix, `LockFileEx` on Windows)
//! belongs to the open file, which dies with the process, and the file is not inherited (opened
//! close-on-exec; on Windows, as a handle that is not inheritable), so the embedded server does
//! not hold it. The file holds the pid of the process that has the data dir; on Windows,
//! where a locked file cannot be read by another process, a second start cannot name it.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use heycat_local_server::private_files;

use crate::types::error::{DataError, ErrorKind};

/// The lock file, holding the pid of the process that has the data dir.
const LOCK_FILE: &str = "lock";

/// The pid's width in the lock file (spaces after it): a pid has at most 10 digits.
const PID_WIDTH: usize = 16;

pub(crate) struct DataDirLock(Mutex<Option<File>>);

impl DataDirLock {
    /// Takes the data dir `dir` for this process, or says which process has it (in words that
    /// name the app `app_name`).
    pub(crate) fn take(dir: &Path, app_name: &str) -> Result<DataDirLock, DataError> {
        let path = dir.join(LOCK_FILE);
        let cannot = |e: std::io::Error| {
            DataError::new(ErrorKind::Server, format!("cannot lock the data folder {}: {e}", dir.display()))
        };
        private_files::create_dir(dir).map_err(cannot)?;
        let mut file = private_files::open_rw(&path).map_err(cannot)?;
        if let Err(refused) = file.try_lock() {
            if let TryLockError::Error(e) = refused {
                return Err(cannot(e));
            }
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => "another process".to_owned(),
                pid => format!("process {pid}"),
            };
            return Err(DataError::new(
                ErrorKind::Server,
                format!(
                    "{app_name} is already open with this data ({holder} uses {}); close it first, \
                     or use the window that is open",
                    dir.display()
                ),
            ));
        }
        // Written over the last holder's pid, padded to a fixed width: cutting the file first
        // costs up to a few hundred microseconds of every start, in the filesystem's journal.
        let write_pid = |file: &mut File| -> std::io::Result<()> {
            file.rewind()?;
            write!(file, "{:<PID_WIDTH$}", std::process::id())?;
            if file.metadata()?.len() > PID_WIDTH as u64 {
                file.set_len(PID_WIDTH as u64)?;
            }
            Ok(())
        };
        write_pid(&mut file).map_err(cannot)?;
        Ok(DataDirLock(Mutex::new(Some(file))))
    }

    /// Lets go of the data dir before the process ends (an app stopped and started again in
    /// one process, as tests do).
    pub(crate) fn release(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_told_who_has_the_data_dir_until_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::take(dir.path(), "Notes").unwrap();
        let refused = DataDirLock::take(dir.path(), "Notes").err().unwrap();
        assert!(
            refused
                .message
                .starts_with(&format!("Notes is already open with this data (process {} uses", std::process::id())),
            "{}",
            refused.message
        );
        first.release();
        DataDirLock::take(dir.path(), "Notes").unwrap();
    }

    #[test]
    fn the_lock_file_holds_this_pid_whatever_it_held_before() {
        let pid = std::process::id().to_string();
        for before in ["", "7", "4194304", "a much longer text than any pid, left by something else"] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(LOCK_FILE), before).unwrap();
            let _lock = DataDirLock::take(dir.path(), "Notes").unwrap();
            let held = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
            assert_eq!(held.trim(), pid, "{before:?} -> {held:?}");
        }
    }
}
