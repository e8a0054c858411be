//! A killed app's embedded server does not stay: on macOS nothing ties the server to the app, so
//! the next start ends the server a killed app left running, with nothing lost. This test takes
//! that path here, through the test hook that leaves Linux's `PR_SET_PDEATHSIG` off.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_harness::{embedded_server_pids, module_wasm, sql_rows, Api, FALLBACK_LIFETIME_ENV};
use serde_json::{json, Value};

const DB: &str = heycat_app::DATABASE;

/// `heycat-headless` on `dir` with its embedded server, tied to it only the way macOS ties it
/// (not at all); returns it once it said it connected, with what it said until then (the
/// statuses, oldest first). What it prints after that is read and dropped.
fn headless_connected(dir: &Path) -> (Child, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_heycat-headless"))
        .env(heycat_runtime::env::DATA_DIR, dir)
        .env_remove(heycat_runtime::env::SERVER_URL)
        .env(heycat_runtime::env::MODULE_WASM, module_wasm().unwrap())
        .env(FALLBACK_LIFETIME_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start heycat-headless");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (statuses_tx, statuses) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(status) = serde_json::from_str::<Value>(&line).ok().map(|line| line["connection"].clone()) {
                let _ = statuses_tx.send(status);
            }
        }
    });
    let (deadline, mut said) = (Instant::now() + Duration::from_secs(60), Vec::new());
    while let Ok(status) = statuses.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let connected = status["state"] == "connected";
        said.push(status);
        if connected {
            return (child, said);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("heycat-headless did not connect within a minute; it said {said:?}");
}

/// Ends the embedded servers still running on a data dir when the test ends, passed or not.
struct EndsServersOf<'a>(&'a Path);

impl Drop for EndsServersOf<'_> {
    fn drop(&mut self) {
        for pid in embedded_server_pids(self.0) {
            // SAFETY: plain kill(2) on a server this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

#[test]
fn an_app_killed_while_its_server_runs_leaves_it_to_the_next_start_which_ends_it_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let _cleanup = EndsServersOf(dir.path());
    let (mut app, said) = headless_connected(dir.path());
    let server_url = said.last().unwrap()["server"].as_str().unwrap().to_owned();
    let token = std::fs::read_to_string(dir.path().join("spacetimedb/owner-token")).unwrap();
    let user = Api::new(server_url, Some(token.trim().to_owned()));
    let written: Vec<String> = (0..20).map(|n| format!("before-the-kill-{n}")).collect();
    for id in &written {
        let row = json!({"id": id, "trigger": id, "expansion": "kept", "suffix": {"none": []},
                         "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                         "created_at": {"__timestamp_micros_since_unix_epoch__": 1_700_000_000_000_000i64},
                         "row_version": 0});
        user.call(DB, "dictionary_entry_insert", &json!([row, format!("op-{id}")])).expect("the server confirms it");
    }
    let servers = embedded_server_pids(dir.path());
    assert_eq!(servers.len(), 1, "one embedded server: {servers:?}");

    // Killed right after the last confirmed write, while its server runs.
    app.kill().unwrap(); // SIGKILL
    app.wait().unwrap();
    assert_eq!(embedded_server_pids(dir.path()), servers, "the server outlived the app, as it would on macOS");

    let (mut app, said) = headless_connected(dir.path());
    let restarted = embedded_server_pids(dir.path());
    assert_eq!(restarted.len(), 1, "one embedded server: {restarted:?}");
    assert_ne!(restarted, servers, "the server the killed app left was ended");
    assert!(said.iter().all(|status| status["state"] != "failed"), "it connected without a failed attempt: {said:?}");
    let server_url = said.last().unwrap()["server"].as_str().unwrap().to_owned();
    let user = Api::new(server_url, Some(token.trim().to_owned()));
    let rows = sql_rows(&user, DB, "SELECT id FROM dictionary_entry").unwrap();
    let mut kept: Vec<String> = rows.iter().filter_map(|row| row["id"].as_str().map(str::to_owned)).collect();
    kept.sort();
    let mut expected = written.clone();
    expected.sort();
    assert_eq!(kept, expected, "every write the server confirmed before the kill");

    drop(app.stdin.take()); // asks it to stop
    app.wait().unwrap();
    assert!(embedded_server_pids(dir.path()).is_empty(), "a stopped app stops its server");
}
