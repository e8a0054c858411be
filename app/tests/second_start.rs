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
        .env("HEYCAT_DATA_DIR", dir)
        .env_remove("HEYCAT_SERVER_URL")
        .env_remove("WAYLAND_DISPLAY")
        .env("HEYCAT_MODULE_WASM", module_wasm().unwrap())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Ends the app (SIGTERM, which closes it the normal way) and returns what it wrote to stderr.
fn end(mut app: Child) -> String {
    // SAFETY: kill only sends a signal to the process the test started.
    unsafe { libc::kill(app.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = app.kill();
    let _ = app.wait();
    let mut said = String::new();
    app.stderr.take().unwrap().read_to_string(&mut said).unwrap();
    said
}

#[test]
fn a_second_start_hands_over_to_the_open_app_which_shows_its_window() {
    let display = VirtualDisplay::start();
    let dir = tempfile::tempdir().unwrap();
    let first = app(&display, dir.path()).spawn().expect("start the app");
    let window = {
        let mut found = Vec::new();
        wait_for(Duration::from_secs(60), "the app's window", || {
            found = display.visible_windows(TITLE);
            !found.is_empty()
        });
        found.remove(0)
    };
    wait_for(Duration::from_secs(60), "the app to have its data dir", || dir.path().join("app.sock").exists());
    // The window was closed to the background (unmapped), as a user leaves an app.
    display.xdotool(&["windowunmap", &window]);
    wait_for(Duration::from_secs(10), "the window to be hidden", || display.visible_windows(TITLE).is_empty());
    let outbox = dir.path().join("outbox.log");
    let before = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());

    let started = Instant::now();
    let second = app(&display, dir.path()).output().expect("start the app again");
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{said}");
    assert!(said.contains("the app is already open with this data; it was asked to show its window"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(10), "it ended at once, not after a timeout");
    wait_for(Duration::from_secs(10), "the open app to show its window", || {
        display.visible_windows(TITLE) == [window.clone()]
    });
    let after = (std::fs::read(&outbox).unwrap(), std::fs::metadata(&outbox).unwrap().modified().unwrap());
    assert_eq!(after, before, "the second start did not touch the outbox");
    assert_eq!(heycat_harness::embedded_server_pids(dir.path()).len(), 1, "nor start a server of its own");

    let first_said = end(first);
    assert!(first_said.contains("another start of the app asked for its window"), "{first_said}");
}
