//! A heycat app backend in Tauri's mock runtime, driven the way the frontend drives it.
// Shared by several test binaries; each uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow};

pub const DB: &str = "heycat";

pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

/// The configuration of an app with its data in `data_dir`, using `server`.
pub fn config(data_dir: &Path, server: ServerChoice) -> DataConfig {
    DataConfig {
        data_dir: data_dir.to_owned(),
        server,
        database: DB.into(),
        module_override: None,
        migration_fail_at: None,
        migration_crash_at: None,
    }
}

impl TestApp {
    pub fn start(config: DataConfig) -> TestApp {
        // `data_layer` starts the data layer from Tauri's setup hook, which the mock runtime only
        // runs inside an event loop; start it directly instead.
        let app = mock_builder()
            .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
            .build(mock_context(noop_assets()))
            .expect("build the app");
        heycat_app::data::start(app.handle(), config).expect("start the data layer");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a webview");
        TestApp { app, webview }
    }

    /// What the frontend's `invoke(command, args)` gets: the value, or the error object.
    pub fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    pub fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args).unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    pub fn status(&self) -> Value {
        self.ok("connection_status", Value::Null)
    }

    /// Waits until the status satisfies `want`; panics with the last status after `timeout`.
    pub fn wait_status(&self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.status();
            if want(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "status never came; last: {status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_connected(&self) -> Value {
        self.wait_status(Duration::from_secs(60), |s| s["state"] == "connected")
    }

    /// Every payload of `event` from now on.
    pub fn events(&self, event: &str) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel();
        self.app.listen_any(event, move |e| {
            let _ = tx.send(serde_json::from_str(e.payload()).unwrap_or(Value::Null));
        });
        rx
    }

    /// Disconnects and stops the embedded server (after its data reached the disk).
    pub fn shutdown(self) {
        heycat_runtime::shutdown(&self.app);
    }
}

pub fn with(row: &Value, field: &str, value: Value) -> Value {
    let mut row = row.clone();
    row[field] = value;
    row
}

/// One row per keyed table, in the frontend's form (camelCase, 64-bit values as strings), in
/// an order that satisfies references, with a field the update changes.
pub fn rows() -> Vec<(&'static str, Value, &'static str, Value)> {
    vec![
        (
            "dictionary_entry",
            json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": ".", "autoEnter": false,
                   "disableSuffix": true, "completeMatchOnly": true, "createdAt": "1700000000000001"}),
            "suffix",
            Value::Null,
        ),
        (
            "voice_command",
            json!({"id": "v1", "trigger": "open browser", "actionType": "OpenApp",
                   "parameters": [{"key": "app", "value": "Firefox"}], "enabled": true, "createdAt": "1700000000000002"}),
            "actionType",
            json!("Custom"),
        ),
        (
            "window_context",
            json!({"id": "w1", "name": "Terminal", "matcherAppName": "kitty", "matcherTitlePattern": "^vim",
                   "matcherBundleId": null, "commandMode": "Merge", "dictionaryMode": "Replace", "commandIds": ["v1"],
                   "dictionaryEntryIds": ["d1"], "enabled": true, "priority": -3, "createdAt": "1700000000000003"}),
            "priority",
            json!(10),
        ),
        (
            "recording",
            json!({"id": "r1", "filePath": "/rec/r1.wav", "durationSecs": 12.5, "sampleCount": "9007199254740993",
                   "stopReason": "Silence", "createdAt": "1700000000000004", "activeWindowAppName": "kitty",
                   "activeWindowBundleId": null, "activeWindowTitle": "vim"}),
            "sampleCount",
            json!("18446744073709551615"),
        ),
        (
            "transcription",
            json!({"id": "t1", "recordingId": "r1", "text": "hello world", "language": "en",
                   "modelVersion": "parakeet-v3", "durationMs": "420", "createdAt": "1700000000000005"}),
            "text",
            json!("hello, world"),
        ),
        (
            "correction",
            json!({"id": "c1", "transcriptionId": "t1", "original": "hello world", "corrected": "Hello, world!",
                   "createdAt": "1700000000000006"}),
            "corrected",
            json!("Hello world."),
        ),
    ]
}

/// Waits until `done` holds, checking every 20 ms; panics with `what` after `timeout`.
pub fn wait_for(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A TCP forwarder on 127.0.0.1 that a test switches off and on: a device behind it goes
/// offline (its connections are cut, new ones refused) while the server stays up for others.
pub struct Proxy {
    port: u16,
    target: u16,
    state: std::sync::Arc<std::sync::Mutex<ProxyState>>,
}

#[derive(Default)]
struct ProxyState {
    online: bool,
    sockets: Vec<std::net::TcpStream>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy { port, target, state: Default::default() };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: std::net::TcpListener) {
        self.state.lock().unwrap().online = true;
        let (state, target) = (self.state.clone(), self.target);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !state.lock().unwrap().online {
                    // Switched off: this listener is done; a new one serves when back online.
                    drop(client);
                    return;
                }
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else { continue };
                let mut guard = state.lock().unwrap();
                for socket in [&client, &server] {
                    guard.sockets.push(socket.try_clone().unwrap());
                }
                drop(guard);
                for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
    }

    /// Cuts every connection and refuses new ones.
    pub fn go_offline(&self) {
        let mut state = self.state.lock().unwrap();
        state.online = false;
        for socket in state.sockets.drain(..) {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        drop(state);
        // Wake the accept loop so it sees it is switched off and releases the port.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Accepts connections again, on the same port.
    pub fn go_online(&self) {
        let listener = loop {
            match std::net::TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        self.serve(listener);
    }
}
