//! The write path's cost, on a real spacetimedb-standalone on loopback, against the natural
//! baseline in the same run: the raw spacetimedb-sdk client (generated bindings, a reducer call,
//! waiting for its result callback). Both act as the user, on the server's own port (where the
//! app's websocket to its embedded server goes; the guard in front is for HTTP and web pages).
//!
//! `cargo bench -p heycat-app --bench write_path` prints a table. Budget: a write through the
//! generated command layer costs at most 1.2x the raw SDK. "Second client sees it" is, for the
//! raw side, a second SDK client's insert callback; for the command layer, a second app's
//! `dictionary_entry:changed` event (serialized to JSON and emitted through Tauri); each
//! second client runs in a process of its own, timed on the machine's monotonic clock.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_app::data::sdk::{self, dictionary_entry_insert as _, DictionaryEntryTableAccess as _};
use heycat_harness::{module_wasm, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use spacetimedb_sdk::Table;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Listener, Manager};

mod common;

use common::sdk_row;

const SEQUENTIAL: usize = 1000;
const PIPELINED: usize = 10_000;
const DB: &str = "heycat";

fn app_row(id: String) -> heycat_app::data::schema::DictionaryEntry {
    sdk_row(id).into()
}

struct Stats {
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats { p50: at(0.5), p99: at(0.99) }
}

/// A raw SDK connection as the user, straight to the server (as the app's own connection is),
/// subscribed to the app's tables; its results for writes whose op id starts with `ops` arrive
/// on the returned channel.
fn raw_client(server_url: &str, token: String, ops: &'static str) -> (sdk::DbConnection, mpsc::Receiver<()>) {
    let (conn, _, done) = common::raw_client(server_url, &token, ops);
    (conn, done)
}

/// Nanoseconds on the machine's monotonic clock, the same in every process (Rust's `Instant`
/// is that clock, but does not show its value).
fn now_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The environment variable that makes this binary a watcher: `raw` or `app`.
const WATCH: &str = heycat_runtime::env::BENCH_WATCH;

/// A second client, in a process of its own as a second device is (two connections of the user
/// in one process would be one client to the server): this binary started again as a watcher.
/// It prints `ready`, then `<row id> <ns>` for every sequential write it sees.
struct Watcher {
    child: std::process::Child,
    seen: mpsc::Receiver<(String, u64)>,
}

impl Watcher {
    fn start(kind: &str, url: &str, dir: &std::path::Path) -> Watcher {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env(WATCH, kind)
            .env(heycat_runtime::env::BENCH_URL, url)
            .env(heycat_runtime::env::BENCH_DIR, dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start a watcher");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("ready"), "the {kind} watcher started");
        let (tx, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some((id, ns)) = line.split_once(' ') {
                    let _ = tx.send((id.to_owned(), ns.parse().unwrap()));
                }
            }
        });
        Watcher { child, seen }
    }

    /// When it saw the row `id` (skipping the other side's).
    fn saw(&self, id: &str) -> u64 {
        loop {
            let (seen, ns) = self.seen.recv().expect("the watcher is running");
            if seen == id {
                return ns;
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The watcher process: prints when each sequential write (`raw-*`, `cmd-*`) arrives, until
/// stdin closes.
fn watch(kind: &str) {
    let url = std::env::var(heycat_runtime::env::BENCH_URL).unwrap();
    let dir = std::path::PathBuf::from(std::env::var_os(heycat_runtime::env::BENCH_DIR).unwrap());
    let (tx, rx) = mpsc::channel::<(String, u64)>();
    let sequential = |id: &str| id.starts_with("raw-") || id.starts_with("cmd-");
    let _keep = match kind {
        "raw" => {
            let token = std::fs::read_to_string(dir.join("identity-token")).unwrap();
            let (conn, _) = raw_client(&url, token, "none");
            conn.db.dictionary_entry().on_insert(move |_, row| {
                if sequential(&row.id) {
                    let _ = tx.send((row.id.clone(), now_ns()));
                }
            });
            (Some(conn), None)
        }
        _ => {
            let app = start_app(config(&url, &dir));
            app.listen_any("dictionary_entry:changed", move |event| {
                let change: serde_json::Value = serde_json::from_str(event.payload()).unwrap();
                let id = change["row"]["id"].as_str().unwrap_or_default().to_owned();
                if change["kind"] == "insert" && sequential(&id) {
                    let _ = tx.send((id, now_ns()));
                }
            });
            (None, Some(app))
        }
    };
    println!("ready");
    std::thread::spawn(move || {
        let mut out = std::io::stdout().lock();
        for (id, ns) in rx {
            let _ = writeln!(out, "{id} {ns}").and_then(|()| out.flush());
        }
    });
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn config(url: &str, dir: &std::path::Path) -> DataConfig {
    DataConfig::new(dir.to_owned(), ServerChoice::Remote(url.to_owned()), DB, DB)
}

fn main() {
    heycat_harness::name_the_installed_server();
    if let Ok(kind) = std::env::var(WATCH) {
        return watch(&kind);
    }
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &module_wasm().expect("build the module")).expect("publish");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    // Everything as the user, to the server's own port, as the app's connection to its
    // embedded server is (see `ServerLink::prepare`).
    let url = server.upstream_url();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for dir in &dirs {
        heycat_harness::as_user_of(&server, dir.path());
    }

    // Both sides run at once, each with a second client watching, and take turns, so the
    // server and the machine are in the same state for both: this machine's two cores make
    // run-to-run drift larger than the difference measured.
    let (raw, done) = raw_client(&url, server.owner_token().to_owned(), "raw");
    let raw_watcher = Watcher::start("raw", &url, dirs[1].path());
    let app_watcher = Watcher::start("app", &url, dirs[2].path());
    let app = start_app(config(&url, dirs[0].path()));
    // What the generated `dictionary_entry_insert` runs once it has read its argument.
    let db = app.state::<heycat_runtime::Db>().inner().clone();
    let command = |id: String| runtime.block_on(heycat_runtime::ops::insert(&db, app_row(id))).unwrap();

    let (mut raw_latency, mut command_latency) = (Vec::new(), Vec::new());
    let (mut raw_visible, mut command_visible) = (Vec::new(), Vec::new());
    for i in 0..SEQUENTIAL {
        let (started, started_ns) = (Instant::now(), now_ns());
        raw.reducers.dictionary_entry_insert(sdk_row(format!("raw-{i}")), format!("raw-op-{i}")).unwrap();
        done.recv().unwrap();
        raw_latency.push(started.elapsed());
        raw_visible.push(Duration::from_nanos(raw_watcher.saw(&format!("raw-{i}")) - started_ns));

        let (started, started_ns) = (Instant::now(), now_ns());
        command(format!("cmd-{i}"));
        command_latency.push(started.elapsed());
        command_visible.push(Duration::from_nanos(app_watcher.saw(&format!("cmd-{i}")) - started_ns));
    }

    // A bulk of writes is one device's alone: the second clients would only compete for the
    // machine's two cores (the app's twice as hard as the SDK's, so unevenly).
    drop((raw_watcher, app_watcher));

    const ROUNDS: usize = 5;
    let (mut raw_pipelined, mut command_pipelined) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        let started = Instant::now();
        for i in 0..PIPELINED / ROUNDS {
            raw.reducers
                .dictionary_entry_insert(sdk_row(format!("rawp-{round}-{i}")), format!("rawp-op-{round}-{i}"))
                .unwrap();
        }
        for _ in 0..PIPELINED / ROUNDS {
            done.recv().unwrap();
        }
        raw_pipelined += started.elapsed();

        let started = Instant::now();
        runtime.block_on(async {
            let mut writes = tokio::task::JoinSet::new();
            for i in 0..PIPELINED / ROUNDS {
                let (db, row) = (db.clone(), app_row(format!("cmdp-{round}-{i}")));
                writes.spawn(async move { heycat_runtime::ops::insert(&db, row).await.map(drop) });
            }
            while let Some(result) = writes.join_next().await {
                result.unwrap().unwrap();
            }
        });
        command_pipelined += started.elapsed();
    }

    let (raw, cmd) = (stats(raw_latency), stats(command_latency));
    let (raw_v, cmd_v) = (stats(raw_visible), stats(command_visible));
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
    println!("write path on loopback ({SEQUENTIAL} sequential writes per side, {PIPELINED} pipelined)\n");
    println!("| measure | raw spacetimedb-sdk | generated command layer | ratio |");
    println!("|---|---|---|---|");
    println!("| confirmed write p50 | {} | {} | {} |", ms(raw.p50), ms(cmd.p50), ratio(cmd.p50, raw.p50));
    println!("| confirmed write p99 | {} | {} | {} |", ms(raw.p99), ms(cmd.p99), ratio(cmd.p99, raw.p99));
    println!(
        "| {PIPELINED} pipelined writes | {} | {} | {} |",
        ms(raw_pipelined),
        ms(command_pipelined),
        ratio(command_pipelined, raw_pipelined)
    );
    println!(
        "| second client sees it, p50 | {} | {} | {} |",
        ms(raw_v.p50),
        ms(cmd_v.p50),
        ratio(cmd_v.p50, raw_v.p50)
    );
    println!(
        "| second client sees it, p99 | {} | {} | {} |",
        ms(raw_v.p99),
        ms(cmd_v.p99),
        ratio(cmd_v.p99, raw_v.p99)
    );
    heycat_runtime::shutdown(&app);
}

fn start_app(config: DataConfig) -> tauri::App<MockRuntime> {
    let app = mock_builder()
        .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
        .build(mock_context(noop_assets()))
        .unwrap();
    heycat_app::data::start(app.handle(), config).unwrap();
    let connection = app.state::<heycat_runtime::Connection>().inner().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !connection.status().is_connected() {
        assert!(Instant::now() < deadline, "not connected: {:?}", connection.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    app
}
