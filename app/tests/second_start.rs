//! Starting the app again while it is open (a second click on its icon) hands over to the open
//! app, in a real window on a virtual display: the new start ends at once, saying so, and the
//! open app shows its window again; the new start touched nothing in the data dir.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use heycat_harness::display::VirtualDisplay;
use heycat_harness::{module_wasm, wait_for};

const TITLE: &str = "heycat data";

fn app(display: &VirtualDisplay, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_heycat-data"));
    command
        .env("DISPLAY", &display.display)
        .env(heycat_runtime::env::DATA_DIR, dir)
        .env_remove(heycat_runtime::env::SERVER_URL)
        .env_remove("WAYLAND_DISPLAY")
        .env(heycat_runtime::env::MODULE_WASM, module_wasm().unwrap())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A running app and what it writes to stderr, read as it comes (a full pipe would stop it).
struct Running {
    child: Child,
    said: std::thread::JoinHandle<String>,
}

fn spawn(mut command: Command) -> Running {
    let mut child = command.spawn().expect("start the app");
    let mut stderr = child.stderr.take().unwrap();
    let said = std::thread::spawn(move || {
        let mut said = String::new();
        let _ = stderr.read_to_string(&mut said);
        said
    });
    Running { child, said }
}

/// Ends the app (SIGTERM, which closes it the normal way) and returns what it wrote to stderr.
fn end(mut app: Running) -> String {
    // SAFETY: kill only sends a signal to the process the test started.
    unsafe { libc::kill(app.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = app.child.kill();
    let _ = app.child.wait();
    app.said.join().unwrap_or_default()
}

#[test]
fn a_second_start_hands_over_to_the_open_app_which_shows_its_window() {
    let display = VirtualDisplay::start();
    let dir = tempfile::tempdir().unwrap();
    let mut first = spawn(app(&display, dir.path()));
    let window = {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(window) = display.visible_windows(TITLE).into_iter().next() {
                break window;
            }
            let ended = first.child.try_wait().unwrap();
            if ended.is_some() || Instant::now() > deadline {
                panic!(
                    "the app showed no window (it {}); it said:\n{}",
                    match ended {
                        Some(status) => format!("ended: {status}"),
                        None => "still runs".to_owned(),
                    },
                    end(first)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for(Duration::from_secs(60), "the app to have its data dir", || dir.path().join("app.sock").exists());
    // The window was closed to the background (unmapped), as a user leaves an app.
    display.xdotool(&["windowunmap", &window]);
    wait_for(Duration::from_secs(10), "the window to be hidden", || display.visible_windows(TITLE).is_empty());
    // As a user's window hidden a while ago: GTK learns of the unmap from its event loop, and
    // until it has, it takes the window for shown (a busy machine may take a moment).
    std::thread::sleep(Duration::from_secs(2));
    let outbox = dir.path().join("outbox.log");
    let before = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());

    let started = Instant::now();
    let mut second = spawn(app(&display, dir.path()));
    // Until it ends, no window of its own shows (it ends before its window is mapped).
    let second_pid = second.child.id().to_string();
    let mut its_windows = Vec::new();
    let status = loop {
        if let Some(status) = second.child.try_wait().unwrap() {
            break status;
        }
        for window in display.visible_windows(TITLE) {
            if display.xdotool(&["getwindowpid", &window]).first() == Some(&second_pid) {
                its_windows.push(window);
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the second start did not end");
    };
    let said = second.said.join().unwrap_or_default();
    assert_eq!(status.code(), Some(0), "{said}");
    assert!(its_windows.is_empty(), "the second start showed its own window {its_windows:?}");
    assert!(said.contains("the app is already open with this data; it was asked to show its window"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(10), "it ended at once, not after a timeout");
    let deadline = Instant::now() + Duration::from_secs(20);
    while display.visible_windows(TITLE).is_empty() {
        if Instant::now() > deadline {
            panic!("the open app did not show its window again; it said:\n{}", end(first));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());
    assert_eq!(after, before, "the second start did not touch the outbox");
    assert_eq!(heycat_harness::embedded_server_pids(dir.path()).len(), 1, "nor start a server of its own");

    let first_said = end(first);
    assert!(first_said.contains("another start of the app asked for its window"), "{first_said}");
}
