//! The app the dev loop runs: started in a process group of its own on the loop's data dir,
//! its output relayed, its "connected" line awaited, and stopped the way a person closes it.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use heycat_contract::{dev, env};

use super::{ending, say, POLL};
use heycat_codegen::versions::Snapshot;

/// How long the app gets to end by itself once asked.
const STOP_WITHIN: Duration = Duration::from_secs(20);
/// How long the loop waits for a new app to connect before it watches again (the app keeps
/// trying by itself).
const CONNECT_WITHIN: Duration = Duration::from_secs(180);
/// After the app said it could not connect, how long the loop still waits for it to.
const AFTER_FAILURE: Duration = Duration::from_secs(10);

/// The app the loop runs.
pub(super) struct App {
    child: Child,
    /// Held open: an app that runs until its stdin closes (a headless one) runs until it stops.
    stdin: Option<ChildStdin>,
    lines: Receiver<Said>,
    /// The schema it runs, while the loop no longer waits for it to connect.
    pub(super) awaited: Option<Snapshot>,
}

/// What the app said that the loop listens for.
enum Said {
    Connected,
    NotConnected(String),
}

impl App {
    pub(super) fn start(run: &[String], data_dir: &Path, migration: Option<&Path>) -> Result<App, String> {
        let mut command = Command::new(&run[0]);
        // A process group of its own: Ctrl-C reaches the loop, which asks the app to end, and
        // the app stops its embedded server once its data is on disk.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
            .args(&run[1..])
            .env(env::DATA_DIR, data_dir)
            // The data layer then says on stderr when it connected (or why not).
            .env(env::DEV_REPORT, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match migration {
            Some(file) => command.env(env::DEV_MIGRATION, file),
            None => command.env_remove(env::DEV_MIGRATION),
        };
        let mut child = command.spawn().map_err(|e| format!("cannot start the app {}: {e}", run[0]))?;
        let (tell, lines) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            relay(out, tell.clone(), |line| println!("{line}"));
        }
        if let Some(err) = child.stderr.take() {
            relay(err, tell, |line| eprintln!("{line}"));
        }
        let stdin = child.stdin.take();
        Ok(App { child, stdin, lines, awaited: None })
    }

    /// Waits until the app says it connected. An error says why not (the app keeps running
    /// unless it ended).
    pub(super) fn wait_connected(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let mut failed: Option<(Instant, String)> = None;
        loop {
            match self.lines.recv_timeout(POLL) {
                Ok(Said::Connected) => return Ok(()),
                Ok(Said::NotConnected(why)) => failed = Some((Instant::now(), why)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(POLL),
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the app ended ({status}) before it connected; see what it said above"));
            }
            if let Some((at, why)) = &failed {
                if at.elapsed() >= AFTER_FAILURE {
                    return Err(format!(
                        "the app did not connect: {why}. It keeps running and trying; fix the schema and save again"
                    ));
                }
            }
            if started.elapsed() >= CONNECT_WITHIN || ending() {
                return Err(format!(
                    "the app has not connected within {} s; it keeps running",
                    started.elapsed().as_secs()
                ));
            }
        }
    }

    /// The app's exit status, once it ended.
    pub(super) fn ended(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The schema of the app, when it connected after the loop stopped waiting for it.
    pub(super) fn connected_late(&mut self) -> Option<Snapshot> {
        let mut connected = None;
        while let Ok(said) = self.lines.try_recv() {
            if let (Said::Connected, Some(snapshot)) = (said, self.awaited.take()) {
                connected = Some(snapshot);
            }
        }
        connected
    }

    /// Asks the app to end (SIGTERM, and its stdin closed), as a person closing it would; kills
    /// it if it has not ended within [`STOP_WITHIN`].
    pub(super) fn stop(mut self) {
        drop(self.stdin.take());
        terminate(self.child.id());
        let asked = Instant::now();
        while asked.elapsed() < STOP_WITHIN {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        say(&format!("the app did not end within {} s of being asked; killing it", STOP_WITHIN.as_secs()));
        let _ = self.child.kill();
        let _: Option<ExitStatus> = self.child.wait().ok();
    }
}

/// Passes the lines of `from` to `print`, telling `tell` what the app said of its connection.
fn relay(from: impl Read + Send + 'static, tell: Sender<Said>, print: fn(&str)) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { return };
            print(&line);
            if line.starts_with(dev::CONNECTED_LINE) {
                let _ = tell.send(Said::Connected);
            } else if let Some(why) = line.strip_prefix(dev::NOT_CONNECTED_LINE) {
                let _ = tell.send(Said::NotConnected(why.to_owned()));
            }
        }
    });
}

fn terminate(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a child's pid and a signal number; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}
