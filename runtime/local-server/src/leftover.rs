//! A server an earlier start left running on a data dir is ended before a new one starts there.
//!
//! On macOS nothing ties the server's life to the app's (`lifetime.rs`), so an app that is
//! killed leaves its server running, holding the data dir; on Linux and Windows this is the
//! fallback. The data dir keeps the pid of the server last started on it (`server.pid`, the
//! user's alone). The next start ends that process, the way [`crate::Server::stop`] ends a
//! server (the commit log's sync first, then a request to end, then a kill), and waits until the
//! data dir is free, but only when the process really is that server: a pid can be reused by
//! another program once its process ended. It is when
//! - the server's own lock on its data dir is held (so some server runs on it),
//! - the process runs a `spacetimedb-standalone` program,
//! - and it is the one holding that lock: on Unix the lock file names it (the server writes its
//!   pid there); on Windows, where a locked file cannot be read, the process is older than the
//!   pid file, which a process that got the pid later is not.
//!
//! Anything else (a server someone else started on the data dir, say) is left alone, and the
//! new server's start then says which process has the files.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::private_files;
use crate::process;
use crate::stopping::{DURABILITY_WAIT, STOP_TIMEOUT};

/// The pid of the server last started on the data dir, while it runs.
const PID_FILE: &str = "server.pid";
/// spacetimedb-standalone 1.2.0's lock on its data dir (the server's `--data-dir`, `data/`):
/// held (flock, LockFileEx) while it runs, with its pid inside.
const SERVER_LOCK: &str = "data/spacetime.pid";
/// The start of the name of the server's program (`.exe` on Windows; a Tauri sidecar's carries
/// the target triple while in development).
const SERVER_PROGRAM: &str = "spacetimedb-standalone";
/// How long a killed server has to let go of its files.
const KILL_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps the pid of the server just started on `dir`.
pub(crate) fn record(dir: &Path, pid: u32) -> Result<()> {
    let path = dir.join(PID_FILE);
    private_files::replace(&path, pid.to_string().as_bytes())
        .map_err(|e| Error::Setup(format!("cannot write {}: {e}", path.display())))
}

/// Forgets the server `pid` on `dir` once it stopped (a newer server's pid is kept).
pub(crate) fn forget(dir: &Path, pid: u32) {
    if recorded(dir) == Some(pid) {
        let _ = std::fs::remove_file(dir.join(PID_FILE));
    }
}

/// Ends the server an earlier start left running on `dir`, if there is one (see the module
/// docs). Whether `dir` is free for a new server now (`false`: a process that is not the
/// recorded server holds it); an error when the server did not end.
pub(crate) fn end(dir: &Path) -> Result<bool> {
    let lock = dir.join(SERVER_LOCK);
    let recorded = recorded(dir);
    if !held(&lock)? {
        if let Some(pid) = recorded {
            forget(dir, pid);
        }
        return Ok(true);
    }
    let Some(pid) = recorded.filter(|pid| is_the_recorded_server(dir, *pid)) else { return Ok(false) };
    // Its last writes reach the disk first (it syncs its commit log every 500 ms).
    std::thread::sleep(DURABILITY_WAIT);
    let _ = process::terminate(pid);
    if !free_within(&lock, STOP_TIMEOUT)? && is_the_recorded_server(dir, pid) {
        let _ = process::kill(pid);
    }
    if !free_within(&lock, KILL_TIMEOUT)? {
        return Err(Error::Setup(format!(
            "the database server an earlier start left running (process {pid}) does not end; \
             end it, then start again"
        )));
    }
    forget(dir, pid);
    Ok(true)
}

/// The pid in `dir`'s pid file, if it holds one.
fn recorded(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(PID_FILE)).ok()?.trim().parse().ok()
}

/// Whether a process holds the lock file `lock` (trying to take it, and letting go at once).
fn held(lock: &Path) -> Result<bool> {
    let file = match File::open(lock) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::Setup(format!("cannot read {}: {e}", lock.display()))),
    };
    match file.try_lock() {
        Ok(()) => Ok(false),
        Err(TryLockError::WouldBlock) => Ok(true),
        Err(TryLockError::Error(e)) => Err(Error::Setup(format!("cannot check {}: {e}", lock.display()))),
    }
}

/// Whether `lock` is free before `timeout`.
fn free_within(lock: &Path, timeout: Duration) -> Result<bool> {
    let deadline = Instant::now() + timeout;
    while held(lock)? {
        if Instant::now() > deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(true)
}

fn is_the_recorded_server(dir: &Path, pid: u32) -> bool {
    let runs_the_server = process::executable(pid)
        .is_some_and(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with(SERVER_PROGRAM)));
    runs_the_server && holds_the_lock(dir, pid)
}

/// The server writes its pid into its lock file.
#[cfg(unix)]
fn holds_the_lock(dir: &Path, pid: u32) -> bool {
    std::fs::read_to_string(dir.join(SERVER_LOCK)).is_ok_and(|holder| holder.trim() == pid.to_string())
}

/// A file locked with LockFileEx cannot be read by anyone else: the process must instead have
/// started before the pid file was written, as the recorded server did and a process that got
/// its pid after it ended did not. (That the lock is held was checked before.)
#[cfg(windows)]
fn holds_the_lock(dir: &Path, pid: u32) -> bool {
    let written = std::fs::metadata(dir.join(PID_FILE)).and_then(|m| m.modified());
    matches!((process::started_at(pid), written), (Some(started), Ok(written)) if started <= written)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::process::{Child, Command};

    /// Another program, running until killed.
    fn other_program() -> Child {
        Command::new("sleep").arg("60").spawn().expect("start sleep")
    }

    fn server_lock(dir: &Path, pid: u32) -> File {
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join(SERVER_LOCK), pid.to_string()).unwrap();
        File::open(dir.join(SERVER_LOCK)).unwrap()
    }

    #[test]
    fn a_record_whose_server_no_longer_holds_the_data_dir_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        assert!(end(dir.path()).unwrap(), "nothing recorded, nothing holds it");
        let mut program = other_program();
        record(dir.path(), program.id()).unwrap();
        let _unlocked = server_lock(dir.path(), program.id());
        assert!(end(dir.path()).unwrap());
        assert_eq!(recorded(dir.path()), None);
        assert!(program.try_wait().unwrap().is_none(), "the process under the pid was left alone");
        program.kill().unwrap();
        program.wait().unwrap();
    }

    #[test]
    fn a_data_dir_held_under_the_recorded_pid_by_another_program_is_left_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut program = other_program();
        record(dir.path(), program.id()).unwrap();
        // The lock held, its file naming the pid: only the program it runs tells it is not the
        // server.
        let lock = server_lock(dir.path(), program.id());
        lock.try_lock().unwrap();
        assert!(!end(dir.path()).unwrap(), "not free");
        assert_eq!(recorded(dir.path()), Some(program.id()), "the record is kept");
        assert!(program.try_wait().unwrap().is_none(), "the program was left alone");
        drop(lock);
        assert!(end(dir.path()).unwrap(), "free once the lock is let go");
        program.kill().unwrap();
        program.wait().unwrap();
    }
}
