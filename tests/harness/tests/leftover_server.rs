//! A server an earlier start left running on a data dir (its app was killed where nothing ties
//! the server to the app, as on macOS) is ended by the next start there, its data kept; a
//! recorded pid that is not that server's is left alone, whatever runs under it.

use std::path::Path;
use std::process::Command;

use heycat_harness::{module_wasm, sql_rows, Server};
use serde_json::{json, Value};

const DB: &str = "heycat";

/// The pid the data dir keeps for its server.
fn recorded_pid(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("server.pid")).expect("a recorded pid").trim().parse().expect("a pid")
}

/// Whether process `pid` runs (a zombie, ended but not yet reaped, does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X'])))
}

fn entry(id: &str) -> Value {
    json!({"id": id, "trigger": id, "expansion": "be right back", "suffix": {"none": []},
           "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
           "created_at": {"__timestamp_micros_since_unix_epoch__": 1_700_000_000_000_000i64}, "row_version": 0})
}

#[test]
fn a_server_left_running_on_the_data_dir_is_ended_by_the_next_start_and_its_data_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start_in(dir.path()).unwrap();
    first.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    for n in 0..5 {
        let id = format!("e{n}");
        first.api().call(DB, "dictionary_entry_insert", &json!([entry(&id), format!("op-{id}")])).unwrap();
    }
    let left = recorded_pid(dir.path());
    assert!(running(left));
    // Nothing stops it any more, as when the process that started it is killed.
    std::mem::forget(first);

    let second = Server::start_in(dir.path()).unwrap();
    assert!(!running(left), "the server left running was ended");
    assert_ne!(recorded_pid(dir.path()), left, "the new server's pid is kept");
    let ids = sql_rows(&second.api(), DB, "SELECT id FROM dictionary_entry").unwrap();
    let mut ids: Vec<&str> = ids.iter().filter_map(|row| row["id"].as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["e0", "e1", "e2", "e3", "e4"], "every write the first server confirmed");
}

#[test]
fn a_recorded_pid_that_is_not_the_server_holding_the_data_dir_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let holder = Server::start_in(dir.path()).unwrap();
    let holder_pid = recorded_pid(dir.path());
    // The recorded pid now belongs to another program (pids are reused), then to a server on
    // another data dir; meanwhile a server the record does not name holds this data dir.
    let mut program = Command::new("sleep").arg("60").spawn().unwrap();
    let elsewhere = Server::start().unwrap();
    let elsewhere_pid = recorded_pid(elsewhere.data_dir());
    for pid in [program.id(), elsewhere_pid] {
        std::fs::write(dir.path().join("server.pid"), pid.to_string()).unwrap();
        let refused = Server::start_in(dir.path()).err().expect("the data dir is in use");
        assert_eq!(refused.to_string(), format!("its files are in use by process {holder_pid}"));
        assert!(running(pid), "process {pid} was left alone");
        assert!(running(holder_pid), "and so was the server that holds the data dir");
        assert_eq!(recorded_pid(dir.path()), pid, "the start that failed kept the record as it was");
    }
    program.kill().unwrap();
    program.wait().unwrap();
    drop(holder);
}
