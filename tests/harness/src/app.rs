//! An app's backend in Tauri's mock runtime, driven the way its frontend drives it: a command
//! by name with JSON arguments, answered with the JSON value or the error object (`{kind,
//! message}`), and the events it emits. Any schema's app: the test passes its generated
//! `SCHEMA` and registers its generated `handler`. Every answer and event is also kept
//! ([`TestApp::ipc_log`]), for checks on all that crossed to the frontend; and every message
//! in them is checked to be in words ([`crate::words`]): a test whose app showed a backtrace
//! fails when the app is dropped.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;

use heycat_runtime::config::{DataConfig, ServerChoice};
use heycat_runtime::{events, Schema};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Builder, Listener, WebviewWindow};

/// The configuration of an app with its data in `data_dir`, using `server` and `database`
/// (which also names the app in what it says).
pub fn config(data_dir: &Path, server: ServerChoice, database: &str) -> DataConfig {
    // The faults a test asks of this process (a device process's environment: see
    // `DeviceProcess::start_with`).
    DataConfig {
        test_hooks: heycat_runtime::test_hooks::TestHooks::from_env(),
        ..DataConfig::new(data_dir.to_owned(), server, database, database)
    }
}

/// One running app: its mock Tauri app and the window the frontend would run in.
pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    /// Every command's answer and every event, in order, as `ipc_log` returns them.
    ipc: Arc<Mutex<Vec<String>>>,
    /// Messages that crossed with technical text in them (see [`crate::words`]).
    not_in_words: Arc<Mutex<Vec<String>>>,
}

impl TestApp {
    /// Starts the data layer of `schema` with `config`; `commands` registers the app's invoke
    /// handler (`|b| b.invoke_handler(data::handler(tauri::generate_handler![]))`).
    pub fn start(
        schema: &'static dyn Schema,
        config: DataConfig,
        commands: impl FnOnce(Builder<MockRuntime>) -> Builder<MockRuntime>,
    ) -> TestApp {
        // The plugin starts the data layer from Tauri's setup hook, which the mock runtime only
        // runs inside an event loop; start it directly instead.
        let app = commands(mock_builder()).build(mock_context(noop_assets())).expect("build the app");
        // Tauri has no listener for every event: listen to each the runtime emits (its own and
        // one per table) before it starts, so the log misses none.
        let ipc = Arc::new(Mutex::new(Vec::new()));
        let not_in_words = Arc::new(Mutex::new(Vec::new()));
        let tables = schema.info().tables.iter().map(|t| events::table_changed(t.name()));
        for event in events::ALL.iter().map(|e| e.to_string()).chain(tables) {
            let (ipc, not_in_words, name) = (ipc.clone(), not_in_words.clone(), event.clone());
            app.listen_any(event, move |e| {
                let payload = serde_json::from_str(e.payload()).unwrap_or(Value::Null);
                check_words(&not_in_words, &format!("event {name}"), &payload);
                record(&ipc, format!("event {name}: {}", e.payload()));
            });
        }
        heycat_runtime::start(app.handle(), schema, config).expect("start the data layer");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a webview");
        TestApp { app, webview, ipc, not_in_words }
    }

    /// Everything that crossed to the frontend so far, in order: each command's answer
    /// (`command NAME: JSON`) and each event (`event NAME: JSON`).
    pub fn ipc_log(&self) -> Vec<String> {
        self.ipc.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Disconnects (the local copy reaches the disk) and stops an embedded server once its
    /// data is on disk. Returns the [`ipc_log`](TestApp::ipc_log), with what closing emitted.
    pub fn shutdown(self) -> Vec<String> {
        heycat_runtime::shutdown(&self.app);
        self.ipc_log()
    }
}

/// What a test does with an app, as its frontend would: commands by name with JSON arguments,
/// answered with the value or the error object (`{kind, message}`), and events. A [`TestApp`]
/// in this process, or a [`DeviceProcess`](crate::device::DeviceProcess) in its own.
pub trait Frontend {
    /// What the frontend's `invoke(command, args)` gets: the value, or the error object.
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value>;

    /// Every payload of `event` from now on.
    fn events(&self, event: &str) -> mpsc::Receiver<Value>;

    /// The value of a command that must succeed.
    fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args).unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    /// The error object of a command that must fail.
    fn err(&self, command: &str, args: Value) -> Value {
        match self.invoke(command, args) {
            Ok(value) => panic!("{command} succeeded with {value}, expected an error"),
            Err(e) => e,
        }
    }

    fn status(&self) -> Value {
        self.ok("connection_status", Value::Null)
    }

    /// Waits until the connection status satisfies `want`; panics with the last one after `timeout`.
    fn wait_status(&self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value
    where
        Self: Sized,
    {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let last = self.status();
            if want(&last) {
                return last;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for the connection status; the last: {last}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_connected(&self) -> Value
    where
        Self: Sized,
    {
        self.wait_status(Duration::from_secs(60), |s| s["state"] == "connected")
    }

    /// Writes waiting in the outbox.
    fn pending(&self) -> u64 {
        self.ok("sync_status", Value::Null)["pending"].as_u64().expect("a count of pending writes")
    }
}

/// What the frontend's `invoke(command, args)` in `webview` gets, through Tauri's IPC (JSON both
/// ways): the value, or the error object.
pub fn invoke_ipc(webview: &WebviewWindow<MockRuntime>, command: &str, args: Value) -> Result<Value, Value> {
    invoke_ipc_as(webview, command, args)
}

/// [`invoke_ipc`], the answer read as `T` (a benchmark reads a long answer into a type that
/// keeps little of it, so the frontend's copy is not counted as the backend's memory).
pub fn invoke_ipc_as<T: serde::de::DeserializeOwned>(
    webview: &WebviewWindow<MockRuntime>,
    command: &str,
    args: Value,
) -> Result<T, Value> {
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize::<T>().unwrap())
}

impl Frontend for TestApp {
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let answer = invoke_ipc(&self.webview, command, args);
        let logged = match &answer {
            Ok(value) => format!("command {command}: {value}"),
            Err(error) => format!("command {command} failed: {error}"),
        };
        check_words(&self.not_in_words, &format!("command {command}"), answer.as_ref().unwrap_or_else(|e| e));
        record(&self.ipc, logged);
        answer
    }

    fn events(&self, event: &str) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel();
        self.app.listen_any(event, move |e| {
            let _ = tx.send(serde_json::from_str(e.payload()).unwrap_or(Value::Null));
        });
        rx
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let not_in_words = self.not_in_words.lock().unwrap_or_else(PoisonError::into_inner);
        if !not_in_words.is_empty() && !std::thread::panicking() {
            panic!(
                "messages the app showed are not in words (technical detail belongs in `detail`):\n{}",
                not_in_words.join("\n")
            );
        }
    }
}

fn check_words(not_in_words: &Mutex<Vec<String>>, source: &str, value: &Value) {
    let found = crate::words::technical_text(value);
    let mut list = not_in_words.lock().unwrap_or_else(PoisonError::into_inner);
    list.extend(found.into_iter().map(|text| format!("{source}: {text}")));
}

fn record(log: &Mutex<Vec<String>>, entry: String) {
    log.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
}
