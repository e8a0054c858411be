//! The app's real window, driven as a person uses it: the built app binary runs in its WebKitGTK
//! window on a [`VirtualDisplay`], and the test reads and clicks its page through WebDriver
//! (`tauri-driver` in front of WebKitGTK's `WebKitWebDriver`; `scripts/setup.sh` installs both).
//!
//! Elements are found by XPath, by what a person sees (a button's words, a form's name, a
//! field's label). Every wait retries until its deadline, so a re-render between finding and
//! clicking is retried, not a failure. When a test fails while a window is open, its screenshot
//! and its page's HTML are saved under `target/e2e-failures/` and named in the test's output.

use std::ffi::OsString;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::display::VirtualDisplay;

/// How long a wait for something on screen lasts before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How long an element must hold still before it is clicked (see [`AppWindow::click`]).
const AIM: Duration = Duration::from_millis(50);

/// W3C WebDriver's key for an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The app's window in a WebDriver session; closing it (drop) ends the app.
pub struct AppWindow {
    /// `tauri-driver` (which runs WebKitWebDriver, which runs the app).
    driver: Child,
    session: String,
    base: String,
    /// What the test calls this window, for the names of the files saved on failure.
    name: String,
    agent: ureq::Agent,
}

/// A reference to an element of the page (valid until the page re-renders it).
struct Element(String);

impl AppWindow {
    /// Starts the app binary `app` on `display` with `env` added to its environment (its data
    /// dir, its server) and opens a WebDriver session on its window. `name` names the files
    /// saved when the test fails.
    pub fn open(display: &VirtualDisplay, app: &Path, env: &[(&str, OsString)], name: &str) -> AppWindow {
        let mut command = Command::new(tauri_driver());
        command.env_remove("WAYLAND_DISPLAY").env_remove(heycat_contract::env::SERVER_URL);
        AppWindow::start(command, display, app, env, name)
    }

    /// [`AppWindow::open`] with nothing of this process's environment but `env` (and the
    /// display): the app as a user's desktop starts it, with none of the build's variables.
    pub fn open_with_only(display: &VirtualDisplay, app: &Path, env: &[(&str, OsString)], name: &str) -> AppWindow {
        let mut command = Command::new(tauri_driver());
        command.env_clear();
        AppWindow::start(command, display, app, env, name)
    }

    fn start(
        mut command: Command,
        display: &VirtualDisplay,
        app: &Path,
        env: &[(&str, OsString)],
        name: &str,
    ) -> AppWindow {
        let (port, native_port) = (free_port(), free_port());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display.display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        // A process group of its own, which WebKitWebDriver and the app join: ending the
        // group ends them all (killing tauri-driver alone leaves WebKitWebDriver running).
        command.process_group(0);
        // SAFETY: prctl is async-signal-safe; the driver dies with the test that started it.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let driver = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start tauri-driver ({e}): scripts/setup.sh installs it (cargo install tauri-driver)")
        });
        let base = format!("http://127.0.0.1:{port}");
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).build();
        let mut window = AppWindow { driver, session: String::new(), base, name: name.to_owned(), agent };
        // Both listening: tauri-driver, and the WebKitWebDriver it started (a session asked for
        // before that one listens ends tauri-driver's connection without an answer).
        let deadline = Instant::now() + Duration::from_secs(20);
        for listener in [port, native_port] {
            while TcpStream::connect(("127.0.0.1", listener)).is_err() {
                if let Ok(Some(status)) = window.driver.try_wait() {
                    window.end_driver();
                    panic!("tauri-driver ended at start ({status}): {}", window.driver_output());
                }
                assert!(Instant::now() < deadline, "the WebDriver did not listen on port {listener} within 20 s");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": app},
        }}});
        let answer = match window.send("POST", "/session", Some(capabilities)) {
            Ok(answer) => answer,
            Err(e) => {
                window.end_driver();
                panic!(
                    "WebDriver could not open the app's window: {e} (WebKitWebDriver: scripts/setup.sh installs \
                     webkit2gtk-driver); tauri-driver said: {}",
                    window.driver_output()
                )
            }
        };
        window.session = answer["sessionId"].as_str().expect("a WebDriver session id").to_owned();
        window
    }

    /// Waits until an element matches `xpath`; fails the test naming `xpath` after [`PATIENCE`].
    pub fn wait_for(&self, xpath: &str) {
        self.retry(&format!("an element at {xpath}"), || self.find(xpath).map(|_| ()));
    }

    /// Waits until no element matches `xpath`.
    pub fn wait_gone(&self, xpath: &str) {
        self.retry(&format!("no element at {xpath}"), || match self.find(xpath) {
            Ok(_) => Err("still there".into()),
            Err(_) => Ok(()),
        });
    }

    /// Waits until the element at `xpath` shows text containing `words`; returns its text.
    pub fn wait_text(&self, xpath: &str, words: &str) -> String {
        self.retry(&format!("{words:?} in {xpath}"), || {
            let text = self.text(xpath)?;
            if text.contains(words) {
                Ok(text)
            } else {
                Err(format!("it shows {text:?}"))
            }
        })
    }

    /// The text the element at `xpath` shows (as rendered: hidden text is left out).
    pub fn text(&self, xpath: &str) -> Result<String, String> {
        let element = self.find(xpath)?;
        let text = self.send("GET", &format!("/element/{}/text", element.0), None)?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// Clicks the element at `xpath` (found again if the page re-rendered it) once it holds
    /// still, as a person aims: WebDriver clicks at the point where the element was, so one
    /// that moved meanwhile (a banner above it grew) would not be the one clicked.
    pub fn click(&self, xpath: &str) {
        self.retry(&format!("to click {xpath}"), || {
            let element = self.find(xpath)?;
            let rect = |element: &Element| self.send("GET", &format!("/element/{}/rect", element.0), None);
            let before = rect(&element)?;
            std::thread::sleep(AIM);
            if rect(&element)? != before {
                return Err("it moved".into());
            }
            self.send("POST", &format!("/element/{}/click", element.0), Some(json!({}))).map(|_| ())
        });
    }

    /// Replaces the text of the input at `xpath` with `text`, as a person does: selects what
    /// is there (Ctrl+A) and types over it; then checks the input shows `text`. (WebDriver's
    /// own "clear" sets the value without an input event, so a React form keeps the old text;
    /// and emptying a field first would not do either: a number field may refill itself.)
    pub fn type_into(&self, xpath: &str, text: &str) {
        // WebDriver's key codes for Control and Backspace; keys held are let go at the end of
        // each command.
        let select_all = format!("{}a", '\u{E009}');
        let typed = if text.is_empty() { '\u{E003}'.to_string() } else { text.to_owned() };
        self.retry(&format!("to type {text:?} into {xpath}"), || {
            let element = self.find(xpath)?;
            for keys in [&select_all, &typed] {
                self.send("POST", &format!("/element/{}/value", element.0), Some(json!({ "text": keys })))?;
            }
            match self.send("GET", &format!("/element/{}/property/value", element.0), None)? {
                shown if shown == text => Ok(()),
                shown => Err(format!("it shows {shown}")),
            }
        });
    }

    /// Calls one of the app's commands from its page, as its frontend does (for what a test
    /// needs many of, such as rows to fill the storage limit): the value, or the error object.
    pub fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let script = "const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
                .then((ok) => done({ ok }), (err) => done({ err: err ?? null }));";
        let answer = self
            .send("POST", "/execute/async", Some(json!({"script": script, "args": [command, args]})))
            .unwrap_or_else(|e| panic!("running {command} in the page failed: {e}"));
        match answer.get("err") {
            Some(err) => Err(err.clone()),
            None => Ok(answer["ok"].clone()),
        }
    }

    /// Runs `attempt` until it succeeds; after [`PATIENCE`] fails the test with `what` and
    /// the last reason.
    fn retry<T>(&self, what: &str, mut attempt: impl FnMut() -> Result<T, String>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match attempt() {
                Ok(value) => return value,
                Err(why) if Instant::now() >= deadline => {
                    panic!("timed out after {} s waiting for {what}: {why}", PATIENCE.as_secs())
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn find(&self, xpath: &str) -> Result<Element, String> {
        let found = self.send("POST", "/element", Some(json!({"using": "xpath", "value": xpath})))?;
        found[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned())).ok_or_else(|| format!("no element: {found}"))
    }

    /// One WebDriver command of this session (or `/session` itself): its `value`, or the
    /// error WebDriver reported.
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = if path == "/session" {
            format!("{}/session", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let request = self.agent.request(method, &url);
        let response = match body {
            Some(body) => request.set("content-type", "application/json").send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match response {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(e) => return Err(format!("WebDriver at {url}: {e}")),
        };
        let answer = response.into_string().map_err(|e| format!("cannot read WebDriver's answer: {e}"))?;
        let answer: Value =
            serde_json::from_str(&answer).map_err(|e| format!("WebDriver's answer is not JSON: {e}"))?;
        match answer["value"].get("error") {
            Some(error) => Err(format!("{error}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    /// Saves the window's screenshot and its page's HTML under `target/e2e-failures/`.
    fn save_what_it_shows(&self) -> Vec<PathBuf> {
        let dir = crate::target_dir().join("e2e-failures");
        let _ = std::fs::create_dir_all(&dir);
        let mut saved = Vec::new();
        if let Ok(png) = self.send("GET", "/screenshot", None) {
            let path = dir.join(format!("{}.png", self.name));
            let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default());
            if bytes.is_ok_and(|bytes| std::fs::write(&path, bytes).is_ok()) {
                saved.push(path);
            }
        }
        if let Ok(html) = self.send("GET", "/source", None) {
            let path = dir.join(format!("{}.html", self.name));
            if std::fs::write(&path, html.as_str().unwrap_or_default()).is_ok() {
                saved.push(path);
            }
        }
        saved
    }

    /// Ends what is left of the driver's process group: SIGTERM first (the app stops its
    /// embedded server on it), SIGKILL after a grace period.
    fn end_driver(&mut self) {
        crate::end_process_group(&mut self.driver, libc::SIGTERM, Duration::from_secs(10));
    }

    /// What tauri-driver wrote to stderr (once it has ended).
    fn driver_output(&mut self) -> String {
        let mut said = String::new();
        if let Some(mut stderr) = self.driver.stderr.take() {
            let _ = stderr.read_to_string(&mut said);
        }
        said
    }
}

impl Drop for AppWindow {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.session.is_empty() {
            for path in self.save_what_it_shows() {
                eprintln!("the window at the failure: {}", path.display());
            }
        }
        if !self.session.is_empty() {
            // Closes the window, which ends the app the way closing its last window does.
            let _ = self.send("DELETE", "", None);
        }
        self.end_driver();
    }
}

/// `tauri-driver` from cargo's bin dir (where `cargo install` puts it), else from `PATH`.
fn tauri_driver() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    cargo_home
        .map(|home| home.join("bin/tauri-driver"))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// A 127.0.0.1 port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}
