//! Starting and stopping a real `spacetimedb-standalone`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::api::Api;
use crate::error::{Error, Result};
use crate::guard::Guard;
use crate::lifetime::{self, Tie};
use crate::program::{self, server_binary};
use crate::stopping::{DURABILITY_WAIT, STOP_TIMEOUT};
use crate::{leftover, private_files, process};

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server on 127.0.0.1. Stopped (and its temporary data dir removed) on drop.
///
/// Clients reach it through a `Guard` on [`Server::port`], which turns web pages away; the
/// server itself listens on another port only this process knows.
pub struct Server {
    child: Option<Child>,
    /// Keeps the server from outliving this process where that takes a handle (`lifetime.rs`).
    _tie: Tie,
    /// Up while the server is (also while it is paused); dropped when it stops or is killed,
    /// which frees the port for a restart.
    guard: Option<Guard>,
    /// The guard's port: the address clients use.
    port: u16,
    /// The server's own port, behind the guard.
    server_port: u16,
    data_dir: PathBuf,
    /// Keeps a temporary data dir alive; `None` when the caller owns the dir.
    _temp: Option<tempfile::TempDir>,
    token: String,
}

impl Server {
    /// Starts a server with a fresh temporary data dir.
    pub fn start() -> Result<Server> {
        let temp = tempfile::Builder::new()
            .prefix("spacetimedb-")
            .tempdir()
            .map_err(|e| Error::Setup(format!("cannot create a temporary data dir: {e}")))?;
        let dir = temp.path().to_owned();
        let mut server = Server::start_in(&dir)?;
        server._temp = Some(temp);
        Ok(server)
    }

    /// Starts a server on this port and data dir: a restart that clients find where they left
    /// it.
    pub fn start_on(data_dir: &Path, port: u16) -> Result<Server> {
        Server::start_behind(listen(port)?, data_dir)
    }

    /// Starts a server on an existing data dir (to restart one and find its data again). A
    /// server an earlier start left running there (its app was killed) is ended first
    /// (`leftover.rs`): the caller must be the only one to use `data_dir`.
    pub fn start_in(data_dir: &Path) -> Result<Server> {
        Server::start_behind(listen(0)?, data_dir)
    }

    /// Starts a server on a free port, behind a guard on `front`.
    fn start_behind(front: TcpListener, data_dir: &Path) -> Result<Server> {
        let binary = server_binary()?;
        program::check_runnable(&binary)?;
        // A start on a data dir someone else holds fails below, saying who; it keeps the pid of
        // the server that holds it.
        let record = leftover::end(data_dir)?;
        let mut last_error = None;
        // A free port can be taken by someone else between the probe and the server's bind;
        // try a few.
        for _ in 0..3 {
            let server_port = free_port()?;
            match Server::spawn(&binary, data_dir, server_port, &front, record) {
                Ok(server) => return Ok(server),
                // Another port would not help.
                Err(e @ Error::ProgramDamaged { .. }) => return Err(e),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Server("the server did not start".into())))
    }

    /// Starts the server; `record`: keeps its pid in the data dir (`leftover.rs`).
    fn spawn(binary: &Path, data_dir: &Path, server_port: u16, front: &TcpListener, record: bool) -> Result<Server> {
        private_files::create_dir(data_dir)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", data_dir.display())))?;
        let log_path = data_dir.join("server.log");
        let log = private_files::create_file(&log_path)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", log_path.display())))?;
        let log_err = log.try_clone().map_err(|e| Error::Setup(e.to_string()))?;
        let mut command = Command::new(binary);
        command
            .args(["start", "--listen-addr", &format!("127.0.0.1:{server_port}")])
            .arg("--data-dir")
            .arg(data_dir.join("data"))
            .arg("--jwt-pub-key-path")
            .arg(data_dir.join("id.pub"))
            .arg("--jwt-priv-key-path")
            .arg(data_dir.join("id"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        lifetime::prepare(&mut command);
        let mut child = command.spawn().map_err(|e| {
            let detail = format!("cannot start {}: {e}", binary.display());
            if program::is_damaged(&e) {
                Error::ProgramDamaged { detail }
            } else {
                Error::Setup(detail)
            }
        })?;
        let tie = lifetime::tie(&child);
        if record {
            if let Err(e) = leftover::record(data_dir, child.id()) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        }
        let port = front.local_addr().map_err(|e| Error::Setup(e.to_string()))?.port();
        let mut server = Server {
            child: Some(child),
            _tie: tie,
            guard: None,
            port,
            server_port,
            data_dir: data_dir.to_owned(),
            _temp: None,
            token: String::new(),
        };
        server.wait_ready(&log_path)?;
        server.token = server.owner_token_from_data_dir()?;
        let guard =
            Guard::start(front, server_port).map_err(|e| Error::Setup(format!("cannot start the guard: {e}")))?;
        server.guard = Some(guard);
        Ok(server)
    }

    fn wait_ready(&mut self, log_path: &Path) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = std::fs::read_to_string(log_path).unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(30).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    return Err(Error::NotStarted {
                        reason: why_it_stopped(&log),
                        log: format!("{} ({status}), last lines:\n{}", log_path.display(), tail.join("\n")),
                    });
                }
            }
            if Api::new(self.upstream_url(), None).ping().is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::Server(format!("no answer on {} after {START_TIMEOUT:?}", self.upstream_url())));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A database belongs to the identity that first published it, so the token that publishes
    /// is kept in the data dir (readable by the user only) and reused when the server restarts.
    fn owner_token_from_data_dir(&self) -> Result<String> {
        let path = self.data_dir.join("owner-token");
        if let Ok(token) = std::fs::read_to_string(&path) {
            return Ok(token.trim().to_owned());
        }
        let token = Api::new(self.upstream_url(), None).new_identity_token()?;
        // Written whole or not at all: a torn token would lock the user out of their database.
        private_files::replace(&path, token.as_bytes())
            .map_err(|e| Error::Setup(format!("cannot write {}: {e}", path.display())))?;
        Ok(token)
    }

    /// `http://127.0.0.1:PORT`, the guard's address: what clients use.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `ws://127.0.0.1:PORT`, what spacetimedb-sdk connects to (the guard's address).
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The port clients use (the guard's); a restart with [`Server::start_on`] keeps it.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's own address, behind the guard: for the app's own websocket connection
    /// (every write travels it, and a relay through the guard would cost tens of microseconds
    /// each way; the module refuses anyone but the user there), and for benchmarks and tests
    /// that compare with the raw server. HTTP calls use [`Server::url`].
    pub fn upstream_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server_port)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The token of the identity that publishes (and so owns) databases on this server.
    pub fn owner_token(&self) -> &str {
        &self.token
    }

    /// The HTTP API, acting as the owner (who may publish), through the guard.
    pub fn api(&self) -> Api {
        Api::new(self.url(), Some(self.token.clone()))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the server so that every write that returned Ok survives: waits for the
    /// commitlog sync, then SIGTERM, then SIGKILL if it has not exited after a while (on
    /// Windows, which has no SIGTERM for it, it is ended after the wait). The guard stops too.
    pub fn stop(&mut self) {
        if self.child.is_none() {
            return;
        }
        std::thread::sleep(DURABILITY_WAIT);
        self.terminate();
    }

    /// Freezes the server process (SIGSTOP), as a paused VM or a hung server: its sockets stay
    /// open and nothing answers (the guard stays up and forwards to the frozen server). Returns
    /// once every thread of it stopped. [`Server::resume`] lets it go on.
    #[cfg(all(target_os = "linux", feature = "test-hooks"))]
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
        let Some(child) = &self.child else { return };
        let tasks = PathBuf::from(format!("/proc/{}/task", child.id()));
        let stopped = |stat: &str| stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with(['T', 't']));
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            let all_stopped = std::fs::read_dir(&tasks).is_ok_and(|entries| {
                entries
                    .flatten()
                    .all(|task| std::fs::read_to_string(task.path().join("stat")).is_ok_and(|s| stopped(&s)))
            });
            if all_stopped {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Lets a paused server go on (SIGCONT).
    #[cfg(all(target_os = "linux", feature = "test-hooks"))]
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    #[cfg(all(target_os = "linux", feature = "test-hooks"))]
    fn signal(&self, signal: libc::c_int) {
        if let Some(child) = &self.child {
            let _ = process::signal(child.id(), signal);
        }
    }

    /// Kills the server at once, as a crash would (writes of the last 500 ms may be lost). The
    /// guard goes with it, so the port is free for [`Server::start_on`].
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            leftover::forget(&self.data_dir, child.id());
        }
        self.guard = None;
    }

    fn terminate(&mut self) {
        // A paused server would not hear the request to stop.
        #[cfg(all(target_os = "linux", feature = "test-hooks"))]
        self.resume();
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = process::terminate(child.id());
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        leftover::forget(&self.data_dir, child.id());
        self.guard = None;
    }
}

impl Drop for Server {
    /// A temporary data dir is deleted anyway, so its server is simply killed; a server on the
    /// caller's data dir is stopped gracefully so its data is kept.
    fn drop(&mut self) {
        if self._temp.is_some() {
            self.kill();
        } else {
            self.stop();
        }
    }
}

/// The guard's listening socket on 127.0.0.1:`port` (0: a free port).
fn listen(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| Error::Setup(format!("cannot listen on 127.0.0.1:{port}: {e}")))
}

/// Why the server stopped while starting, in words, from its log: the `Error:` line its
/// `main` prints last, recognized where it can be.
fn why_it_stopped(log: &str) -> String {
    let Some(error) = log.lines().rev().find_map(|line| line.trim().strip_prefix("Error: ")) else {
        return "it stopped while starting without saying why".into();
    };
    if let Some(pid) = error.split("owned by pid Some(").nth(1).and_then(|rest| rest.split(')').next()) {
        return format!("its files are in use by process {pid}");
    }
    if error.contains("Address already in use") {
        return "its network port is taken by another program".into();
    }
    if error.contains("No space left on device") {
        return "the disk is full".into();
    }
    if error.contains("Permission denied") {
        return "it may not read or write its files (permission denied)".into();
    }
    format!("it stopped while starting ({error})")
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| Error::Setup(format!("cannot find a free port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| Error::Setup(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::why_it_stopped;

    #[test]
    fn a_server_that_stopped_while_starting_is_summarized_in_words_from_its_log() {
        // The end of spacetimedb-standalone 1.2.0's log when another server has its data dir.
        let locked = "note: the static max level is `debug`\n\
            Error: cannot take lock on database; spacetime.pid already exists (owned by pid Some(7047))\n\n\
            Stack backtrace:\n   0: anyhow::error::<impl core::convert::From<E> for anyhow::Error>::from\n\
            \x20            at ./csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n";
        assert_eq!(why_it_stopped(locked), "its files are in use by process 7047");
        assert_eq!(
            why_it_stopped("Error: Address already in use (os error 98)\n\nStack backtrace:\n"),
            "its network port is taken by another program"
        );
        assert_eq!(why_it_stopped("Error: No space left on device (os error 28)"), "the disk is full");
        assert_eq!(why_it_stopped("Error: something new\n"), "it stopped while starting (something new)");
        assert_eq!(why_it_stopped("thread 'main' panicked"), "it stopped while starting without saying why");
    }
}
