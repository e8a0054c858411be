//! Another device of the user, in a process of its own, driven like a [`TestApp`].
//!
//! Every device of a user acts as the user's identity. The server tells connections apart by
//! identity and connection id, and spacetimedb-sdk 1.2.0 gives every connection of a process
//! the same connection id, so two devices in one process would be one client to the server
//! (neither would hear of the other's writes). A second device therefore runs where a real one
//! does: in its own process. The test binary starts itself again, running only its ignored
//! `device_process` test ([`device_process!`]), which serves the app's commands and events over
//! stdin and stdout as JSON lines.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;

use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};

use crate::app::{Frontend, TestApp};

/// What a device process gets its configuration from.
const CONFIG_VAR: &str = heycat_contract::env::DEVICE_CONFIG;
/// What starts the device's lines on stdout (the test harness prints there too).
const LINE_PREFIX: &str = "heycat-device> ";
/// How long a command may take in the device before the test gives up on it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// Declares the ignored test a test binary's device processes run (see the module docs):
/// `device_process!(|config| start(config));` with the function that starts the app.
#[macro_export]
macro_rules! device_process {
    ($start:expr) => {
        #[test]
        #[ignore = "the process of another device, started by the tests that need two devices"]
        fn device_process() {
            $crate::device::serve($start);
        }
    };
}

type Replies = Arc<Mutex<HashMap<u64, mpsc::Sender<Result<Value, Value>>>>>;
type Listeners = Arc<Mutex<HashMap<String, Vec<mpsc::Sender<Value>>>>>;

/// A device running in a process of its own.
pub struct DeviceProcess {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    replies: Replies,
    listeners: Listeners,
    next_id: AtomicU64,
}

impl DeviceProcess {
    /// Starts the app with its data in `data_dir`, using `server`, for `database`, in a new
    /// process of this test binary.
    pub fn start(data_dir: &Path, server: ServerChoice, database: &str) -> DeviceProcess {
        DeviceProcess::start_with(data_dir, server, database, &[])
    }

    /// [`DeviceProcess::start`], with these variables in the process's environment (e.g. a test
    /// hook that holds it at some step, to be killed there).
    pub fn start_with(data_dir: &Path, server: ServerChoice, database: &str, env: &[(&str, &str)]) -> DeviceProcess {
        let server = match server {
            ServerChoice::Local => Value::Null,
            ServerChoice::Remote(url) => json!(url),
            ServerChoice::Unreadable(why) => panic!("a device process needs a server to use, not: {why}"),
        };
        let config = json!({"dataDir": data_dir, "server": server, "database": database});
        let mut command = Command::new(std::env::current_exe().expect("the test binary"));
        command
            // The one test of the binary whose name has this in it (wherever `device_process!` is).
            .args(["device_process", "--ignored", "--nocapture", "--test-threads=1", "-q"])
            .env(CONFIG_VAR, config.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: prctl is async-signal-safe; the device dies with the test that started it.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().expect("start a device process");
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        let (replies, listeners) = (Replies::default(), Listeners::default());
        let (r, l) = (replies.clone(), listeners.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Some(message) = line.strip_prefix(LINE_PREFIX) else { continue };
                let message: Value = serde_json::from_str(message).expect("a device line is JSON");
                if let Some(event) = message["event"].as_str() {
                    let mut listeners = l.lock().unwrap_or_else(PoisonError::into_inner);
                    for listener in listeners.get_mut(event).into_iter().flatten() {
                        let _ = listener.send(message["payload"].clone());
                    }
                } else if let Some(id) = message["id"].as_u64() {
                    let reply = r.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                    let answer = match message.get("err") {
                        Some(err) => Err(err.clone()),
                        None => Ok(message["ok"].clone()),
                    };
                    if let Some(reply) = reply {
                        let _ = reply.send(answer);
                    }
                }
            }
        });
        DeviceProcess {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            replies,
            listeners,
            next_id: AtomicU64::new(1),
        }
    }

    /// Sends a request and waits for its answer.
    fn request(&self, request: Value) -> Result<Value, Value> {
        let (request, answer) = self.send(request);
        answer.recv_timeout(ANSWER_TIMEOUT).unwrap_or_else(|e| panic!("the device did not answer {request}: {e}"))
    }

    /// Sends a request; its answer will come on the receiver.
    fn send(&self, mut request: Value) -> (Value, mpsc::Receiver<Result<Value, Value>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        request["id"] = json!(id);
        let (tx, rx) = mpsc::channel();
        self.replies.lock().unwrap_or_else(PoisonError::into_inner).insert(id, tx);
        let mut stdin = self.stdin.lock().unwrap_or_else(PoisonError::into_inner);
        writeln!(stdin, "{request}").and_then(|()| stdin.flush()).expect("the device process is running");
        (request, rx)
    }

    /// Invokes `command` and goes on without waiting for its answer (one the test will end the
    /// process in the middle of, say).
    pub fn invoke_and_go_on(&self, command: &str, args: Value) {
        self.send(json!({"invoke": command, "args": args}));
    }

    /// Ends the process at once (SIGKILL), as the system ends one that crashed or hung.
    pub fn kill(self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Disconnects and ends the process (as [`TestApp::shutdown`]).
    pub fn shutdown(self) {
        let _ = self.request(json!({"shutdown": true}));
        let _ = self.child.lock().unwrap_or_else(PoisonError::into_inner).wait();
    }
}

impl Frontend for DeviceProcess {
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let answer = self.request(json!({"invoke": command, "args": args}));
        let not_in_words = crate::words::technical_text(answer.as_ref().unwrap_or_else(|e| e));
        assert!(not_in_words.is_empty(), "the device answered {command} with messages not in words: {not_in_words:?}");
        answer
    }

    fn events(&self, event: &str) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel();
        self.listeners.lock().unwrap_or_else(PoisonError::into_inner).entry(event.to_owned()).or_default().push(tx);
        self.request(json!({"listen": event})).expect("the device listens");
        rx
    }
}

impl Drop for DeviceProcess {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The device process's side: starts the app with `start` and serves requests until told to
/// shut down or stdin closes.
pub fn serve(start: impl FnOnce(DataConfig) -> TestApp) {
    let config: Value = serde_json::from_str(
        &std::env::var(CONFIG_VAR).expect("run by DeviceProcess::start, which sets HEYCAT_DEVICE_CONFIG"),
    )
    .expect("the device's configuration is JSON");
    let server = match config["server"].as_str() {
        Some(url) => ServerChoice::Remote(url.to_owned()),
        None => ServerChoice::Local,
    };
    let data_dir = Path::new(config["dataDir"].as_str().expect("a data dir"));
    let app = start(crate::app::config(data_dir, server, config["database"].as_str().expect("a database")));
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let say = move |message: Value| {
        let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = writeln!(out, "{LINE_PREFIX}{message}").and_then(|()| out.flush());
    };
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let request: Value = serde_json::from_str(&line).expect("a request is JSON");
        let id = request["id"].clone();
        if let Some(command) = request["invoke"].as_str() {
            match app.invoke(command, request["args"].clone()) {
                Ok(value) => say(json!({"id": id, "ok": value})),
                Err(error) => say(json!({"id": id, "err": error})),
            }
        } else if let Some(event) = request["listen"].as_str() {
            let (events, name, forward) = (app.events(event), event.to_owned(), say.clone());
            std::thread::spawn(move || {
                for payload in events {
                    forward(json!({"event": name, "payload": payload}));
                }
            });
            say(json!({"id": id, "ok": null}));
        } else if request.get("shutdown").is_some() {
            app.shutdown();
            say(json!({"id": id, "ok": null}));
            return;
        }
    }
    app.shutdown();
}
