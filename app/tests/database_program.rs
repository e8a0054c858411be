//! The database program the app ships with (`spacetimedb-standalone`, a Tauri sidecar beside
//! its executable) is the one it runs, and when it is missing or damaged the user is told in
//! words they can act on, with the technical account in `detail`. The app here is
//! `heycat-headless` copied into a folder of its own, started as a user's desktop starts it: a
//! fresh HOME, no cargo on PATH, nothing of the build's environment.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// `heycat-headless` installed in `dir` alone, run on `data_dir` until it reports the status
/// `done` accepts; the status.
fn installed_app_until(dir: &Path, data_dir: &Path, done: impl Fn(&Value) -> bool) -> Value {
    let exe = dir.join("heycat-headless");
    std::fs::copy(env!("CARGO_BIN_EXE_heycat-headless"), &exe).unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new(&exe)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .env(heycat_runtime::env::DATA_DIR, data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the installed heycat-headless");
    let (tell, statuses) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Ok(line) = serde_json::from_str::<Value>(&line) {
                let _ = tell.send(line["connection"].clone());
            }
        }
    });
    let mut seen = Vec::new();
    let found = loop {
        match statuses.recv_timeout(Duration::from_secs(60)) {
            Ok(status) if done(&status) => break Some(status),
            Ok(status) => seen.push(status),
            Err(_) => break None,
        }
    };
    drop(child.stdin.take()); // it ends when its stdin closes
    let _ = child.wait();
    found.unwrap_or_else(|| panic!("no such status; it said: {seen:?}"))
}

#[test]
fn the_program_beside_the_app_is_the_one_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("spacetimedb-standalone");
    std::fs::copy(heycat_harness::server_binary().unwrap(), &program).unwrap();
    let data_dir = dir.path().join("data");
    let status = installed_app_until(dir.path(), &data_dir, |s| s["state"] == "connected");
    assert_eq!(status["state"], "connected");
    let log = std::fs::read_to_string(data_dir.join("spacetimedb/server.log")).unwrap();
    assert!(!log.is_empty(), "the program beside the app ran on the data dir");
}

#[test]
fn a_missing_or_damaged_program_is_said_in_words_with_the_account_in_detail() {
    let missing = tempfile::tempdir().unwrap();
    let failed = installed_app_until(missing.path(), &missing.path().join("data"), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "serverNotStarted");
    assert_eq!(failed["message"], "this app's database program is missing; reinstall the app");
    let beside = missing.path().join("spacetimedb-standalone").display().to_string();
    assert!(failed["detail"].as_str().unwrap().contains(&beside), "where it looked: {failed}");

    let damaged = tempfile::tempdir().unwrap();
    let program = damaged.path().join("spacetimedb-standalone");
    let whole = std::fs::read(heycat_harness::server_binary().unwrap()).unwrap();
    std::fs::write(&program, &whole[..whole.len() / 3]).unwrap(); // a download cut short
    std::fs::set_permissions(&program, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let failed = installed_app_until(damaged.path(), &damaged.path().join("data"), |s| s["state"] == "failed");
    assert_eq!(failed["kind"], "serverNotStarted");
    assert_eq!(failed["message"], "this app's database program is damaged; reinstall the app");
    assert!(failed["detail"].as_str().unwrap().contains(&program.display().to_string()), "{failed}");
}
