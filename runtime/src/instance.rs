//! A second start of the app on a data dir in use hands over to the first: what a double-click
//! on the app's icon while it is open should do. The app that has the data dir keeps a Unix
//! socket in it (`<data dir>/app.sock`); a start that finds an app answering there asks it to
//! show its window and ends. The socket is the user's alone like the dir: 0600 on Unix; on
//! Windows (an AF_UNIX socket too, Windows 10 1803 and later) connecting takes write access to
//! its file, which inherits the data dir's ACL (the user's own app data folder). Where the
//! socket cannot be made, a second start is refused by the data dir lock instead.
//!
//! Keyed by the data dir rather than by the app's identifier (as Tauri's single-instance plugin
//! is, through D-Bus on Linux): two apps on two data dirs (two profiles, or tests) are allowed
//! to run side by side, and one data dir is never used by two; no D-Bus session is needed.

use std::io::{BufRead, BufReader, Write};
#[cfg(unix)]
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[cfg(windows)]
use uds_windows::{UnixListener, UnixStream};

const SOCKET: &str = "app.sock";
/// What a new start sends, and what the app answers once it was shown.
const SHOW: &str = "show";
const SHOWN: &str = "shown";
/// How long a new start waits for the app to answer; an app that does not answer in that time
/// is treated as not there (the data dir lock then says who has it).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// The socket an app with the data dir answers on.
pub(crate) struct Door {
    path: PathBuf,
    closed: Arc<AtomicBool>,
}

impl Door {
    /// Opens the door of the data dir `dir`, which this process has locked; `show` is called
    /// for every start that asks.
    pub(crate) fn open(dir: &Path, show: impl Fn() + Send + 'static) -> std::io::Result<Door> {
        let path = dir.join(SOCKET);
        // One left by an app that ended without closing it: this process has the lock now.
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let closed = Arc::new(AtomicBool::new(false));
        let stop = closed.clone();
        std::thread::Builder::new().name("data-door".into()).spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if answer(stream) {
                    show();
                }
            }
        })?;
        Ok(Door { path, closed })
    }

    /// Stops answering and removes the socket.
    pub(crate) fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            // Wakes the thread waiting for the next start, which then sees it is closed.
            let _ = UnixStream::connect(&self.path);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for Door {
    fn drop(&mut self) {
        self.close();
    }
}

/// Reads one request; answers it when it asks to show the app. Whether it did.
fn answer(stream: UnixStream) -> bool {
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let mut line = String::new();
    if BufReader::new(&stream).read_line(&mut line).is_err() || line.trim() != SHOW {
        return false;
    }
    let _ = writeln!(&stream, "{SHOWN}");
    true
}

/// Asks the app that has the data dir `dir` to show its window. Whether one answered.
pub(crate) fn ask_to_show(dir: &Path) -> bool {
    let Ok(stream) = UnixStream::connect(dir.join(SOCKET)) else { return false };
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
    if writeln!(&stream, "{SHOW}").is_err() {
        return false;
    }
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).is_ok() && line.trim() == SHOWN
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_new_start_asks_the_app_with_the_data_dir_to_show_itself_until_it_closes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!ask_to_show(dir.path()), "no app, no answer");
        let (shown_tx, shown) = mpsc::channel();
        let door = Door::open(dir.path(), move || shown_tx.send(()).unwrap()).unwrap();
        assert!(ask_to_show(dir.path()));
        shown.recv_timeout(ANSWER_TIMEOUT).expect("the app was asked to show itself");
        // Anything else on the socket is not a request to show.
        writeln!(UnixStream::connect(dir.path().join(SOCKET)).unwrap(), "what").unwrap();
        assert!(ask_to_show(dir.path()));
        shown.recv_timeout(ANSWER_TIMEOUT).unwrap();
        assert!(shown.try_recv().is_err(), "shown once per request to show");
        door.close();
        assert!(!ask_to_show(dir.path()), "a closed door does not answer");
    }

    #[test]
    fn a_socket_left_by_an_app_that_died_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        drop(UnixListener::bind(dir.path().join(SOCKET)).unwrap()); // the file stays
        assert!(!ask_to_show(dir.path()), "nobody answers a socket left behind");
        let _door = Door::open(dir.path(), || {}).unwrap();
        assert!(ask_to_show(dir.path()));
    }
}
